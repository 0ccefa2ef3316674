//! Integration tests, one binary with topic modules.

mod bad_inputs;
mod bench;
mod browser;
mod calibrate;
mod calibration;
mod changes;
mod cli;
mod compare;
mod determinism;
mod fuzz;
mod golden;
mod invariants;
mod journeys;
mod policies;
mod report;
mod safety;
mod scenarios;
mod sweeps;
mod workload;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every file under `dir` (folders walked recursively), sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Path of a file in the repository.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Run the `spsim` binary with arguments.
pub fn spsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spsim")).args(args).output().expect("spsim runs")
}

/// Load a scenario file or panic with its errors.
pub fn load(path: &Path) -> spsim::scenario::Scenario {
    spsim::scenario::load(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Run a scenario on a pool of `threads` threads.
pub fn run_with_threads(s: &spsim::scenario::Scenario, threads: usize) -> spsim::run::RunResult {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| spsim::run::run_scenario(s, &|_| {}))
}

/// A metric's mean from a run, or panic.
pub fn metric(r: &spsim::run::RunResult, name: &str) -> f64 {
    r.summary.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("no metric {name}")).mean
}
