fn main() {
    println!("Patient {}", std::mem::size_of::<spsim::world::Patient>());
    println!("LinkWorker {}", std::mem::size_of::<spsim::world::LinkWorker>());
    println!("VcseOrg {}", std::mem::size_of::<spsim::world::VcseOrg>());
}
