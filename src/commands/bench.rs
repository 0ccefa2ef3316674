//! `spsim bench`: time the fixed workloads of [`spsim::bench`] and print (and write as
//! JSON) wall and CPU seconds, throughput and peak memory, median and range over repeats.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use spsim::bench::{WORKLOAD_VERSION, WORKLOADS, Work, Workload};
use spsim::report::folder;

use super::{Failure, worker_pool};

/// What every JSON file `spsim bench` writes begins with (so a later run may replace it).
const JSON_MARKER: &str = "{\n  \"written_by\": \"spsim bench\"";

/// The JSON document.
#[derive(Debug, Serialize)]
struct Report {
    /// Always "spsim bench" (first, so the file can be recognised).
    written_by: &'static str,
    spsim_version: &'static str,
    workload_version: u32,
    threads: usize,
    cores: usize,
    repeat: u32,
    workloads: Vec<Measured>,
}

/// One workload's figures.
#[derive(Debug, Serialize)]
struct Measured {
    name: &'static str,
    description: &'static str,
    /// SHA-256 of the resolved scenario (and sweep points) the workload ran.
    scenario_sha256: String,
    runs: u64,
    patient_weeks: u64,
    agent_updates: u64,
    wall_s: Spread,
    cpu_s: Spread,
    patient_weeks_per_s: Spread,
    agent_updates_per_s: Spread,
    patient_weeks_per_cpu_s: Spread,
    /// Peak resident memory during the workload, in bytes (null where the system does
    /// not let a process reset its high-water mark).
    peak_bytes: Option<Spread>,
}

/// Median and range of repeated measurements.
#[derive(Debug, Clone, Copy, Serialize)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(xs: &[f64]) -> Spread {
        let mut v = xs.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
        Spread { median, min: v[0], max: v[n - 1] }
    }
}

/// CPU seconds (user + system) used by this process so far, all threads.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return f64::NAN;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

/// Reset this process's peak resident memory to its current size (Linux); false where
/// that is not possible.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// This process's peak resident memory (`VmHWM`), in bytes.
fn peak_bytes() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok().map(|k| k * 1024.0)
}

/// `spsim bench`.
pub fn bench(
    names: &[String],
    threads: Option<u16>,
    repeat: u32,
    json: Option<&Path>,
    list: bool,
) -> Result<(), Failure> {
    if list {
        for w in WORKLOADS {
            println!("{:<10} {}", w.name, w.description);
        }
        return Ok(());
    }
    let mut chosen = Vec::new();
    for n in names {
        match Workload::named(n) {
            Some(w) => chosen.push(w),
            None => {
                let all: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
                let names = all.join(", ");
                return Err(Failure::input(format!(
                    "no workload called `{n}`; the workloads are {names} (spsim bench --list)"
                )));
            }
        }
    }
    if chosen.is_empty() {
        chosen = WORKLOADS.to_vec();
    }
    if let Some(path) = json {
        folder::check_file_marked(path, JSON_MARKER, "--json").map_err(|e| Failure::output(&e))?;
    }
    let (threads, pool) = worker_pool(threads)?;
    println!(
        "spsim {} bench, workloads v{WORKLOAD_VERSION}, {threads} thread(s), {repeat} repeat(s)",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "{:<10} {:>9} {:>9} {:>16} {:>16} {:>9}",
        "workload", "wall s", "CPU s", "patient-wk/s", "agent-upd/s", "peak MiB"
    );
    let mut measured = Vec::new();
    for w in chosen {
        let job = w.job().map_err(|e| Failure::run(format!("workload {}: {e}", w.name)))?;
        let (mut wall, mut cpu, mut peaks) = (Vec::new(), Vec::new(), Vec::new());
        let mut work = Work::default();
        for _ in 0..repeat {
            let peak_ok = reset_peak();
            let (t0, c0) = (Instant::now(), cpu_seconds());
            let done = pool.install(|| job.execute());
            let (secs, cpu_secs) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
            work = done.map_err(|e| Failure::run(format!("workload {}: {e}", w.name)))?;
            wall.push(secs);
            cpu.push(cpu_secs);
            if peak_ok && let Some(p) = peak_bytes() {
                peaks.push(p);
            }
        }
        let per = |count: u64, secs: &[f64]| secs.iter().map(|s| count as f64 / s.max(1e-9)).collect::<Vec<_>>();
        let m = Measured {
            name: w.name,
            description: w.description,
            scenario_sha256: job.identity(),
            runs: work.runs,
            patient_weeks: work.patient_weeks,
            agent_updates: work.agent_weeks,
            wall_s: Spread::of(&wall),
            cpu_s: Spread::of(&cpu),
            patient_weeks_per_s: Spread::of(&per(work.patient_weeks, &wall)),
            agent_updates_per_s: Spread::of(&per(work.agent_weeks, &wall)),
            patient_weeks_per_cpu_s: Spread::of(&per(work.patient_weeks, &cpu)),
            peak_bytes: (peaks.len() == wall.len()).then(|| Spread::of(&peaks)),
        };
        println!(
            "{:<10} {:>9.2} {:>9.2} {:>16.3e} {:>16.3e} {:>9}",
            m.name,
            m.wall_s.median,
            m.cpu_s.median,
            m.patient_weeks_per_s.median,
            m.agent_updates_per_s.median,
            m.peak_bytes.map_or("n/a".to_string(), |p| format!("{:.0}", p.median / 1048576.0))
        );
        measured.push(m);
    }
    let Some(path) = json else { return Ok(()) };
    let report = Report {
        written_by: "spsim bench",
        spsim_version: env!("CARGO_PKG_VERSION"),
        workload_version: WORKLOAD_VERSION,
        threads,
        cores: super::cores(),
        repeat,
        workloads: measured,
    };
    let mut text = serde_json::to_string_pretty(&report).expect("plain data serialises");
    text.push('\n');
    debug_assert!(text.starts_with(JSON_MARKER));
    let written = folder::lock_output(path).and_then(|_lock| {
        folder::check_file_marked(path, JSON_MARKER, "--json")?;
        folder::write_file_atomically(path, text.as_bytes())
    });
    written.map_err(|e| Failure::output(&e))?;
    println!("results written to {}", path.display());
    Ok(())
}
