//! Sweep throughput: runs per second of a Latin-hypercube sweep of the 2-year baseline
//! (52 warm-up weeks + 104 reported weeks per run), over the four workforce levers of
//! scenarios/sweeps/workforce_lhs.toml, on all cores. Each iteration runs one block of 64
//! runs in parallel and serialises their runs.csv rows, as `spsim sweep` does.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use spsim::report::sweep::runs_rows;
use spsim::scenario;
use spsim::sweep::Sweep;

fn sweep(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweeps/workforce_lhs.toml");
    let mut base = scenario::load(&path).expect("scenario loads");
    base.run.years = 2.0;
    base.run.replications = 2;
    let spec = base.sweep.clone().expect("a [sweep] table");
    let sweep = Sweep::native(base, spec);
    const BLOCK: u64 = 64;
    let mut group = c.benchmark_group("sweep_lhs_baseline_2y");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BLOCK));
    group.bench_function("block_of_64_runs", |b| {
        let mut start = 0u64;
        b.iter(|| {
            let runs = start..start + BLOCK;
            start = (start + BLOCK) % (sweep.runs() - BLOCK);
            let outcomes = sweep.run_block(runs, &|| {});
            black_box(runs_rows(&sweep, &outcomes))
        })
    });
    group.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
