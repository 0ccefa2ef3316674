//! The subcommands that need more than a few lines, and the helpers they share.

pub mod analyze;
pub mod bench;
pub mod calibrate;
pub mod compare;
pub mod ensemble;
pub mod report;
pub mod run;
pub mod sweep;
pub mod validate;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use spsim::{budget, scenario};

/// Why a command stopped early: what to print on stderr and the exit code (1: failed
/// while running or writing; 2: bad input, a path spsim may not write, or a run too large).
/// Printed and mapped to the process's exit code in one place, [`Failure::exit`]; `main`
/// reports an interrupt (130) itself.
#[derive(Debug)]
pub struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    /// Bad input (exit 2): `error: {what}`.
    pub fn input(what: impl std::fmt::Display) -> Self {
        Failure { code: 2, message: format!("error: {what}") }
    }

    /// A failure while running or writing (exit 1): `error: {what}`.
    pub fn run(what: impl std::fmt::Display) -> Self {
        Failure { code: 1, message: format!("error: {what}") }
    }

    /// An output folder or file problem, with its own exit code.
    pub fn output(e: &spsim::report::folder::OutputError) -> Self {
        Failure { code: e.exit_code(), message: format!("error: {e}") }
    }

    /// A scenario's errors (exit 2), located, as the loader words them.
    pub fn scenario(e: &scenario::ScenarioErrors) -> Self {
        Failure { code: 2, message: e.to_string() }
    }

    /// Print the message (when a command goes on to report more than one problem).
    pub fn print(&self) {
        eprintln!("{}", self.message);
    }

    /// Print the message and give the exit code.
    pub fn exit(self) -> ExitCode {
        self.print();
        ExitCode::from(self.code)
    }
}

impl From<Failure> for ExitCode {
    fn from(f: Failure) -> ExitCode {
        f.exit()
    }
}

/// The exit code of a command's outcome.
pub fn exit_code(outcome: Result<(), Failure>) -> ExitCode {
    outcome.map_or_else(Failure::exit, |()| ExitCode::SUCCESS)
}

/// A rayon pool of `threads` workers (default: all cores), or the exit code after
/// reporting why it could not start.
pub fn worker_pool(threads: Option<u16>) -> Result<(usize, rayon::ThreadPool), Failure> {
    let threads = threads.map(usize::from).unwrap_or_else(cores);
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(p) => Ok((threads, p)),
        Err(e) => Err(Failure::run(format!("cannot start {threads} worker threads: {e}"))),
    }
}

/// This machine's cores (the default thread count).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A progress bar on stderr counting `unit`s (hidden with `--quiet`): done, rate, ETA.
pub fn progress_bar(total: u64, quiet: bool, label: &str, unit: &str) -> ProgressBar {
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(total) };
    let template = format!("{{spinner}} {{msg}} [{{bar:40}}] {{pos}}/{{len}} {unit}, {{per_sec}}, ETA {{eta}}");
    bar.set_style(ProgressStyle::with_template(&template).expect("valid template").progress_chars("=> "));
    bar.set_message(label.to_string());
    bar
}

/// Set to print the process's peak resident memory on stderr as it ends (for checking
/// the memory estimate against what a run really used).
pub const PEAK_ENV: &str = "SPSIM_REPORT_PEAK";

/// Print `peak resident memory: N bytes` from the kernel's high-water mark of this
/// process image (`VmHWM`; a parent's memory before `exec` is not counted).
pub fn report_peak() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    match status.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
        Some(kb) => match kb.trim().trim_end_matches("kB").trim().parse::<u64>() {
            Ok(kb) => eprintln!("peak resident memory: {} bytes", kb * 1024),
            Err(_) => eprintln!("peak resident memory: unknown ({PEAK_ENV})"),
        },
        None => eprintln!("peak resident memory: unknown on this system ({PEAK_ENV})"),
    }
}

pub fn limit_note(limit: Option<u64>) -> String {
    limit.map_or_else(String::new, |l| format!(" (limit {})", budget::human_bytes(l)))
}

/// Load a scenario, printing its errors (exit 2) or its warnings (unless `quiet`).
pub fn load_scenario(file: &Path, quiet: bool) -> Result<scenario::Scenario, Failure> {
    let s = scenario::load(file).map_err(|e| Failure::scenario(&e))?;
    if !quiet {
        for w in &s.warnings {
            eprintln!("{w}");
        }
    }
    Ok(s)
}

/// A scenario run as it is (`run`, `compare`) must reach every `[[change]]`: a change after
/// its last week is allowed only for a sweep whose longer points reach it (exit 2).
pub fn whole_run(s: scenario::Scenario, file: &Path) -> Result<scenario::Scenario, Failure> {
    match s.changes_beyond_run() {
        None => Ok(s),
        Some(why) => Err(Failure::input(format!(
            "{}: {why}; only the longer runs of its [sweep] reach that change (use `spsim sweep`, or set \
             run.years so the run reaches it)",
            file.display()
        ))),
    }
}

/// Whether an estimate fits under the memory limit; if not, say so (exit 2).
pub fn fits(e: &budget::Estimate, limit: Option<u64>, what: &str) -> Result<(), Failure> {
    budget::check(e, limit, what).map_err(Failure::input)
}

/// Claim an output folder (check and lock it) before the work, or say why not.
pub fn claim(
    out: &Path,
    kind: spsim::report::folder::Kind,
    inputs: &[&Path],
) -> Result<spsim::report::folder::Claim, Failure> {
    spsim::report::folder::Claim::take(out, kind, inputs).map_err(|e| Failure::output(&e))
}

/// The memory limit: `--max-memory`, else the machine's (or its container's).
pub fn memory_limit(flag: Option<&str>) -> Result<Option<u64>, Failure> {
    match flag {
        Some(text) => budget::parse_bytes(text).map(Some).map_err(Failure::input),
        None => Ok(budget::machine_memory()),
    }
}

/// The largest one-replication estimate over scenarios (runs in flight: one per thread).
pub fn largest_run(list: &[scenario::Scenario], threads: usize) -> budget::Estimate {
    list.iter()
        .map(|s| budget::estimate_sweep_run(s, threads))
        .max_by_key(|e| e.bytes)
        .unwrap_or(budget::Estimate { bytes: 0, patient_weeks: 0.0 })
}

/// `--ensemble FILE` and `--ensemble-size N`.
pub type EnsembleArg = Option<(PathBuf, Option<usize>)>;
