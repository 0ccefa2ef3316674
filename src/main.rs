//! The `spsim` binary: parse arguments, call the library, map errors to exit codes
//! (0 success, 1 failure while running or writing, 2 bad input).

mod cli;
mod commands;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use cli::{Cli, Command};
use commands::{progress_bar, worker_pool};
use spsim::report;
use spsim::{budget, run, scenario};

fn main() -> ExitCode {
    // Output piped into a command that stops reading (`spsim validate FILE | head -1`):
    // end quietly, as Unix tools do, instead of panicking on the closed pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    // Ctrl-C / SIGTERM: let a folder replacement in progress finish, drop our locks, say
    // what was kept, exit 130. Temporary folders never outlive their critical section.
    let _ = ctrlc::set_handler(|| {
        let hint = report::folder::interrupt();
        eprintln!("\ninterrupted{}", if hint.is_empty() { String::new() } else { format!("; {hint}") });
        std::process::exit(130);
    });
    let code = match cli.command {
        Command::Validate { files, threads, max_memory } => {
            // Every file is checked (errors of one do not hide another's); the worst exit wins.
            let codes: Vec<ExitCode> = files.iter().map(|f| validate(f, threads, max_memory.as_deref())).collect();
            codes.into_iter().find(|c| *c != ExitCode::SUCCESS).unwrap_or(ExitCode::SUCCESS)
        }
        Command::Calibrate {
            file: Some(file),
            out,
            replications,
            threads,
            quiet,
            max_memory,
            shard,
            shards,
            merge,
        } => {
            let Some(out) = out else {
                eprintln!("error: `spsim calibrate FILE` needs --out DIR, the folder for the calibration");
                return ExitCode::from(2);
            };
            commands::calibrate::calibrate(commands::calibrate::CalibrateArgs {
                file,
                out,
                replications,
                threads,
                quiet,
                max_memory,
                shard,
                shards,
                merge,
            })
        }
        Command::Calibrate { file: None, out, replications, .. } => calibrate(out, replications.unwrap_or(40)),
        Command::Compare { files, out, replications, threads, quiet, all, ensemble, ensemble_size, max_memory } => {
            let ens = ensemble.map(|p| (p, ensemble_size.map(|n| n as usize)));
            compare(files, out, replications, threads, quiet, all, ens, max_memory.as_deref())
        }
        Command::Sweep { file, out, replications, design, shard, shards, threads, quiet, max_memory } => {
            commands::sweep::sweep(commands::sweep::SweepArgs {
                file,
                out,
                replications,
                design,
                shard,
                shards,
                threads,
                quiet,
                max_memory,
            })
        }
        Command::Merge { dir, out } => commands::sweep::merge(&dir, &out),
        Command::Analyze { method, dir, metric, resamples, confidence, seed, levels, quiet } => {
            let boot = spsim::analyze::Bootstrap { resamples: resamples as usize, level: confidence, seed };
            commands::analyze::analyze(method, &dir, &metric, boot, levels, quiet)
        }
        Command::Report { dirs, out } => commands::report::report(&dirs, out.as_deref()),
        Command::Bench { workloads, threads, repeat, json, list } => {
            commands::bench::bench(&workloads, threads, repeat, json.as_deref(), list)
        }
        Command::Reference => {
            print!("{}", report::reference::scenario_reference());
            ExitCode::SUCCESS
        }
        Command::Metrics => {
            print!("{}", report::reference::metrics_reference());
            ExitCode::SUCCESS
        }
        Command::Run { file, out, replications, seed, threads, quiet, ensemble, ensemble_size, max_memory } => {
            let ens = ensemble.map(|p| (p, ensemble_size.map(|n| n as usize)));
            let code = run_command(&file, out, replications, seed, threads, quiet, ens, max_memory.as_deref());
            // Built with `--features phase-timing`: where the weekly step's time went.
            if let Some(table) = spsim::rules::step::timing::report() {
                eprint!("{table}");
            }
            code
        }
    };
    if std::env::var_os(PEAK_ENV).is_some() {
        report_peak();
    }
    code
}

/// Set to print the process's peak resident memory on stderr as it ends (for checking
/// the memory estimate against what a run really used).
const PEAK_ENV: &str = "SPSIM_REPORT_PEAK";

/// Print `peak resident memory: N bytes` from the kernel's high-water mark of this
/// process image (`VmHWM`; a parent's memory before `exec` is not counted).
fn report_peak() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    match status.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
        Some(kb) => match kb.trim().trim_end_matches("kB").trim().parse::<u64>() {
            Ok(kb) => eprintln!("peak resident memory: {} bytes", kb * 1024),
            Err(_) => eprintln!("peak resident memory: unknown ({PEAK_ENV})"),
        },
        None => eprintln!("peak resident memory: unknown on this system ({PEAK_ENV})"),
    }
}

fn validate(file: &Path, threads: Option<u16>, max_memory: Option<&str>) -> ExitCode {
    let s = match load_scenario(file, false) {
        Ok(s) => s,
        Err(code) => return code,
    };
    println!(
        "{}: ok — scenario \"{}\", {} region archetype(s), {} PCN(s), {} week(s) of which {} warm-up",
        file.display(),
        s.run.name,
        s.regions.len(),
        s.region_count(),
        s.total_weeks(),
        s.run.warmup_weeks
    );
    let limit = match memory_limit(max_memory) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let threads = threads.map(usize::from).unwrap_or_else(commands::cores);
    let run = budget::estimate_run(&s, threads);
    println!("run: {} on {threads} thread(s){}", run.describe(), limit_note(limit));
    if let Err(code) = fits(&run, limit, "`spsim run` of this scenario") {
        return code;
    }
    if let Some(c) = &s.calibration {
        let scenarios = 1 + {
            let mut seen: Vec<&std::path::PathBuf> = Vec::new();
            for t in &c.targets {
                if let Some(p) = &t.scenario
                    && !seen.contains(&p)
                {
                    seen.push(p);
                }
            }
            seen.len()
        };
        println!(
            "calibration: {} parameter(s), {} target(s) ({} held out), up to {} wave(s) of {} point(s) × {} \
             replication(s) on {scenarios} scenario(s) = {} simulations a wave",
            c.parameters.len(),
            c.targets.len(),
            c.targets.len() - c.fit_targets().len(),
            c.waves,
            c.points,
            s.run.replications,
            c.points as u64 * s.run.replications as u64 * scenarios as u64
        );
    }
    if let Some(sw) = &s.sweep {
        println!(
            "sweep: {} design, {} parameter(s), {} point(s) × {} replication(s) = {} runs",
            sw.design.as_str(),
            sw.parameters.len(),
            sw.design_rows(),
            s.run.replications,
            sw.design_rows().saturating_mul(s.run.replications as u64)
        );
        let sweep = spsim::sweep::Sweep::native(s.clone(), sw.clone());
        let e = commands::sweep::estimate(&sweep, threads);
        println!("sweep: {} on {threads} thread(s){}", e.describe(), limit_note(limit));
        if let Err(code) = fits(&e, limit, "`spsim sweep` of this scenario") {
            return code;
        }
    }
    ExitCode::SUCCESS
}

fn limit_note(limit: Option<u64>) -> String {
    limit.map_or_else(String::new, |l| format!(" (limit {})", budget::human_bytes(l)))
}

/// Load a scenario, printing its errors (exit 2) or its warnings (unless `quiet`).
pub(crate) fn load_scenario(file: &Path, quiet: bool) -> Result<scenario::Scenario, ExitCode> {
    match scenario::load(file) {
        Ok(s) => {
            if !quiet {
                for w in &s.warnings {
                    eprintln!("{w}");
                }
            }
            Ok(s)
        }
        Err(e) => {
            eprintln!("{e}");
            Err(ExitCode::from(2))
        }
    }
}

/// A scenario run as it is (`run`, `compare`) must reach every `[[change]]`: a change after
/// its last week is allowed only for a sweep whose longer points reach it (exit 2).
fn whole_run(s: scenario::Scenario, file: &Path) -> Result<scenario::Scenario, ExitCode> {
    match s.changes_beyond_run() {
        None => Ok(s),
        Some(why) => {
            eprintln!(
                "error: {}: {why}; only the longer runs of its [sweep] reach that change (use `spsim sweep`, or \
                 set run.years so the run reaches it)",
                file.display()
            );
            Err(ExitCode::from(2))
        }
    }
}

/// Whether an estimate fits under the memory limit; if not, say so (exit 2).
pub(crate) fn fits(e: &budget::Estimate, limit: Option<u64>, what: &str) -> Result<(), ExitCode> {
    budget::check(e, limit, what).map_err(|m| {
        eprintln!("error: {m}");
        ExitCode::from(2)
    })
}

/// Claim an output folder (check and lock it) before the work, or say why not.
fn claim(out: &Path, kind: report::folder::Kind, inputs: &[&Path]) -> Result<report::folder::Claim, ExitCode> {
    report::folder::Claim::take(out, kind, inputs).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(e.exit_code())
    })
}

/// The memory limit: `--max-memory`, else the machine's (or its container's).
pub(crate) fn memory_limit(flag: Option<&str>) -> Result<Option<u64>, ExitCode> {
    match flag {
        Some(text) => budget::parse_bytes(text).map(Some).map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }),
        None => Ok(budget::machine_memory()),
    }
}

/// The largest one-replication estimate over scenarios (runs in flight: one per thread).
fn largest_run(list: &[scenario::Scenario], threads: usize) -> budget::Estimate {
    list.iter()
        .map(|s| budget::estimate_sweep_run(s, threads))
        .max_by_key(|e| e.bytes)
        .unwrap_or(budget::Estimate { bytes: 0, patient_weeks: 0.0 })
}

/// `--ensemble FILE` and `--ensemble-size N`.
type EnsembleArg = Option<(PathBuf, Option<usize>)>;

#[allow(clippy::too_many_arguments)]
fn run_command(
    file: &Path,
    out: Option<PathBuf>,
    replications: Option<u32>,
    seed: Option<u64>,
    threads: Option<u16>,
    quiet: bool,
    ensemble: EnsembleArg,
    max_memory: Option<&str>,
) -> ExitCode {
    let mut s = match load_scenario(file, quiet).and_then(|s| whole_run(s, file)) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Some(r) = replications {
        s.run.replications = r;
    }
    if s.sweep.is_some() && !quiet {
        eprintln!("note: `run` ignores the [sweep] table and runs the base scenario; use `spsim sweep` to sweep");
    }
    if let Some(seed) = seed {
        s.run.seed = seed;
    }
    let out = out.unwrap_or_else(|| Path::new("results").join(&s.run.name));
    let limit = match memory_limit(max_memory) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (threads, pool) = match worker_pool(threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(code) = fits(&budget::estimate_run(&s, threads), limit, "this run") {
        return code;
    }
    let ens = match &ensemble {
        None => None,
        Some((path, size)) => {
            let sets = match commands::ensemble::load_sets(path, &s) {
                Ok(x) => x,
                Err(code) => return code,
            };
            match commands::ensemble::scenarios_of(&s, &sets, *size) {
                Ok(list) => Some((path, sets, list)),
                Err(code) => return code,
            }
        }
    };
    if let Some((_, _, list)) = &ens
        && let Err(code) = fits(&largest_run(list, threads), limit, "this ensemble")
    {
        return code;
    }
    let mut inputs: Vec<&Path> = vec![file];
    if let Some((p, _)) = &ensemble {
        inputs.push(p);
    }
    // Claimed before the work: a second command on the same folder is refused at once.
    let claim = match claim(&out, report::folder::Kind::Run, &inputs) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let bar = progress_bar(s.run.replications as u64 * s.total_weeks() as u64, quiet, &s.run.name, "replication-weeks");
    let started = Instant::now();
    let result = pool.install(|| run::run_scenario(&s, &|n| bar.inc(n)));
    bar.finish_and_clear();
    let ensemble_files = ens.map(|(path, sets, list)| {
        let reps = s.run.replications;
        let bar = progress_bar(list.len() as u64 * reps as u64, quiet, "plausible sets", "runs");
        let per_set = pool.install(|| spsim::ensemble::run_sets(&list, reps, &|| bar.inc(1)));
        bar.finish_and_clear();
        report::EnsembleFiles {
            csv: report::ensemble_csv(&spsim::ensemble::summarise(&per_set)),
            about: commands::ensemble::about(path, &sets, list.len(), reps),
        }
    });
    let wall = started.elapsed().as_secs_f64();
    if let Err(e) = report::write_run_with(&claim, &s, &result, ensemble_files.as_ref()) {
        eprintln!("error: {e}");
        return ExitCode::from(e.exit_code());
    }
    if !quiet {
        print_summary(&s, &result, &out, wall, threads);
    }
    ExitCode::SUCCESS
}

#[allow(clippy::too_many_arguments)]
fn compare(
    files: Vec<PathBuf>,
    out: PathBuf,
    replications: Option<u32>,
    threads: Option<u16>,
    quiet: bool,
    all: bool,
    ensemble: EnsembleArg,
    max_memory: Option<&str>,
) -> ExitCode {
    let mut scenarios = Vec::new();
    let mut failed = false;
    for f in &files {
        match load_scenario(f, quiet).and_then(|s| whole_run(s, f)) {
            Ok(s) => scenarios.push(s),
            Err(_) => failed = true,
        }
    }
    if failed {
        return ExitCode::from(2);
    }
    // Common random numbers: every scenario takes the baseline's seed and replications.
    let seed = scenarios[0].run.seed;
    let reps = replications.unwrap_or(scenarios[0].run.replications).max(2);
    for s in &mut scenarios {
        s.run.seed = seed;
        s.run.replications = reps;
    }
    let limit = match memory_limit(max_memory) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (threads, pool) = match worker_pool(threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // Scenarios run one after another, but every result is kept until the end.
    let estimates: Vec<budget::Estimate> = scenarios.iter().map(|s| budget::estimate_run(s, threads)).collect();
    let kept: u64 = estimates.iter().map(|e| e.bytes).fold(0, u64::saturating_add);
    let needed = budget::Estimate { bytes: kept, patient_weeks: estimates.iter().map(|e| e.patient_weeks).sum() };
    if let Err(code) = fits(&needed, limit, "this comparison") {
        return code;
    }
    // Across a plausible set: every scenario at every set used (the same sets for all).
    let mut ens_lists: Vec<Vec<scenario::Scenario>> = Vec::new();
    let mut ens_sets = None;
    if let Some((path, size)) = &ensemble {
        let sets = match commands::ensemble::load_sets(path, &scenarios[0]) {
            Ok(x) => x,
            Err(code) => return code,
        };
        for s in &scenarios {
            match commands::ensemble::scenarios_of(s, &sets, *size) {
                Ok(list) => ens_lists.push(list),
                Err(code) => return code,
            }
        }
        let all: Vec<scenario::Scenario> = ens_lists.iter().flatten().cloned().collect();
        if let Err(code) = fits(&largest_run(&all, threads), limit, "this ensemble") {
            return code;
        }
        ens_sets = Some((path.clone(), sets));
    }
    let mut inputs: Vec<&Path> = files.iter().map(|f| f.as_path()).collect();
    if let Some((p, _)) = &ensemble {
        inputs.push(p);
    }
    let claim = match claim(&out, report::folder::Kind::Compare, &inputs) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let total: u64 = scenarios.iter().map(|s| reps as u64 * s.total_weeks() as u64).sum();
    let bar = progress_bar(total, quiet, "compare", "replication-weeks");
    let results: Vec<run::RunResult> = pool.install(|| {
        // The same periods for every scenario: each year, and around every scenario's changes.
        let periods = run::periods_of(&scenarios.iter().collect::<Vec<_>>());
        scenarios.iter().map(|s| run::run_scenario_over(s, &periods, &|n| bar.inc(n))).collect()
    });
    bar.finish_and_clear();
    let mut rows = Vec::new();
    for (s, r) in scenarios.iter().zip(&results).skip(1) {
        rows.extend(spsim::compare::paired(&s.run.name, &results[0], r));
    }
    let mut ens_rows = Vec::new();
    if ens_sets.is_some() {
        let n = ens_lists[0].len();
        let bar = progress_bar((n * scenarios.len()) as u64 * reps as u64, quiet, "plausible sets", "runs");
        let per: Vec<Vec<Vec<spsim::metrics::summary::RunSummary>>> =
            pool.install(|| ens_lists.iter().map(|l| spsim::ensemble::run_sets(l, reps, &|| bar.inc(1))).collect());
        bar.finish_and_clear();
        for (s, alt) in scenarios.iter().zip(&per).skip(1) {
            ens_rows.extend(spsim::ensemble::paired(&s.run.name, &per[0], alt));
        }
    }
    let ensemble_files = ens_sets.as_ref().map(|(path, sets)| report::EnsembleFiles {
        csv: report::ensemble_diff_csv(&ens_rows),
        about: commands::ensemble::about(path, sets, ens_lists[0].len(), reps),
    });
    let refs: Vec<&scenario::Scenario> = scenarios.iter().collect();
    let written = report::write_compare(&claim, &refs, &results, &rows, seed, reps, ensemble_files.as_ref());
    if let Err(e) = written {
        eprintln!("error: {e}");
        return ExitCode::from(e.exit_code());
    }
    if !quiet {
        println!(
            "paired differences from {} ({} replications, seed {seed}, common random numbers)",
            scenarios[0].run.name, reps
        );
        // Over all reported weeks; compare.csv and the report have each period too.
        let overall: Vec<_> = rows.iter().filter(|r| r.period == "all").cloned().collect();
        print!("{}", spsim::compare::table(&scenarios[0].run.name, &overall, all));
        if !ens_rows.is_empty() {
            print!("{}", spsim::compare::ensemble_table(&overall, &ens_rows, all));
        }
        println!("written to {} (open report.html in a browser for plots)", out.display());
    }
    ExitCode::SUCCESS
}

fn calibrate(out: Option<PathBuf>, replications: u32) -> ExitCode {
    use spsim::report::calibration::{self, On};
    use spsim::report::folder;
    if let Some(path) = &out
        && let Err(e) = folder::check_file(path)
    {
        eprintln!("error: {e}");
        return ExitCode::from(e.exit_code());
    }
    let mut failed_load = None;
    let checked = calibration::check(|on: On| match scenario::load(Path::new(on.file())) {
        Ok(mut s) => {
            s.run.replications = replications;
            run::run_scenario(&s, &|_| {}).summary
        }
        Err(e) => {
            failed_load = Some(e.to_string());
            Vec::new()
        }
    });
    if let Some(e) = failed_load {
        eprintln!("{e}\n(run `spsim calibrate` from the repository root)");
        return ExitCode::from(2);
    }
    let mut table = calibration::markdown(&checked, replications);
    // The shipped history matching, when its folder is there (from the repository root).
    let hm = Path::new("results/calibration/manifest.json");
    if let Ok(bytes) = commands::calibrate::read_capped_to(hm, 64 << 20)
        && let Ok(m) = serde_json::from_slice::<serde_json::Value>(&bytes)
        && m[folder::MARKER] == folder::Kind::Calibration.as_str()
    {
        table.push_str(&calibration::history_markdown(&m, "results/calibration/"));
    }
    print!("{table}");
    if let Some(path) = out {
        let written = folder::lock_output(&path).and_then(|_lock| {
            folder::clean_stale(&path);
            folder::check_file(&path)?;
            folder::write_file_atomically(&path, table.as_bytes())
        });
        if let Err(e) = written {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    }
    if checked.iter().all(|c| c.passes()) { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn print_summary(s: &scenario::Scenario, result: &run::RunResult, out: &Path, wall: f64, threads: usize) {
    println!(
        "{}: {} replication(s) × {} PCN(s) × {} weeks in {:.2} s on {threads} thread(s)",
        s.run.name,
        s.run.replications,
        s.region_count(),
        s.total_weeks(),
        wall
    );
    println!("{:<40} {:>12} {:>12} {:>12}", "metric", "mean", "ci_low", "ci_high");
    for m in &result.summary {
        let f = |x: f64| {
            if x.is_finite() { format!("{x:.4}") } else { "-".into() }
        };
        println!("{:<40} {:>12} {:>12} {:>12}", m.name, f(m.mean), f(m.ci_low), f(m.ci_high));
    }
    println!("results written to {}", out.display());
}
