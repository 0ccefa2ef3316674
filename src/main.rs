//! The `spsim` binary: parse arguments, call the library, map errors to exit codes
//! (0 success, 1 failure while running or writing, 2 bad input).

mod cli;
mod commands;

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use cli::{Cli, Command};
use commands::{progress_bar, worker_pool};
use spsim::report::{self, RunInfo};
use spsim::{run, scenario};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate { file } => match scenario::load(&file) {
            Ok(s) => {
                println!(
                    "{}: ok — scenario \"{}\", {} region archetype(s), {} PCN(s), {} week(s) of which {} warm-up",
                    file.display(),
                    s.run.name,
                    s.regions.len(),
                    s.region_count(),
                    s.total_weeks(),
                    s.run.warmup_weeks
                );
                if let Some(sw) = &s.sweep {
                    println!(
                        "sweep: {} design, {} parameter(s), {} point(s) × {} replication(s) = {} runs",
                        sw.design.as_str(),
                        sw.parameters.len(),
                        sw.design_rows(),
                        s.run.replications,
                        sw.design_rows() * s.run.replications as u64
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(2)
            }
        },
        Command::Calibrate { out, replications } => calibrate(out, replications),
        Command::Compare { files, out, replications, threads, quiet } => {
            compare(files, out, replications, threads, quiet)
        }
        Command::Sweep { file, out, replications, design, shard, shards, threads, quiet } => {
            commands::sweep::sweep(commands::sweep::SweepArgs {
                file,
                out,
                replications,
                design,
                shard,
                shards,
                threads,
                quiet,
            })
        }
        Command::Merge { dir, out } => commands::sweep::merge(&dir, &out),
        Command::Analyze { method, dir, metric, resamples, confidence, seed, levels, quiet } => {
            let boot = spsim::analyze::Bootstrap { resamples: resamples as usize, level: confidence, seed };
            commands::analyze::analyze(method, &dir, &metric, boot, levels, quiet)
        }
        Command::Reference => {
            print!("{}", report::reference::scenario_reference());
            ExitCode::SUCCESS
        }
        Command::Metrics => {
            print!("{}", report::reference::metrics_reference());
            ExitCode::SUCCESS
        }
        Command::Run { file, out, replications, seed, threads, quiet } => {
            let mut s = match scenario::load(&file) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            };
            if let Some(r) = replications {
                s.run.replications = r;
            }
            if s.sweep.is_some() && !quiet {
                eprintln!(
                    "note: `run` ignores the [sweep] table and runs the base scenario; use `spsim sweep` to sweep"
                );
            }
            if let Some(seed) = seed {
                s.run.seed = seed;
            }
            let out = out.unwrap_or_else(|| std::path::Path::new("results").join(&s.run.name));
            let (threads, pool) = match worker_pool(threads) {
                Ok(p) => p,
                Err(code) => return code,
            };
            let bar = progress_bar(
                s.run.replications as u64 * s.total_weeks() as u64,
                quiet,
                &s.run.name,
                "replication-weeks",
            );
            let started = Instant::now();
            let result = pool.install(|| run::run_scenario(&s, &|n| bar.inc(n)));
            let wall = started.elapsed().as_secs_f64();
            bar.finish_and_clear();
            let info = RunInfo { threads, wall_seconds: wall };
            if let Err(e) = report::write_run(&out, &s, &result, &info) {
                eprintln!("error: cannot write results to {}: {e}", out.display());
                return ExitCode::from(1);
            }
            if !quiet {
                print_summary(&s, &result, &out, wall);
            }
            ExitCode::SUCCESS
        }
    }
}

fn compare(
    files: Vec<std::path::PathBuf>,
    out: std::path::PathBuf,
    replications: Option<u32>,
    threads: Option<u16>,
    quiet: bool,
) -> ExitCode {
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for f in &files {
        match scenario::load(f) {
            Ok(s) => scenarios.push(s),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !errors.is_empty() {
        eprintln!("{}", errors.join("\n"));
        return ExitCode::from(2);
    }
    // Common random numbers: every scenario takes the baseline's seed and replications.
    let seed = scenarios[0].run.seed;
    let reps = replications.unwrap_or(scenarios[0].run.replications).max(2);
    for s in &mut scenarios {
        s.run.seed = seed;
        s.run.replications = reps;
    }
    let (_, pool) = match worker_pool(threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let total: u64 = scenarios.iter().map(|s| reps as u64 * s.total_weeks() as u64).sum();
    let bar = progress_bar(total, quiet, "compare", "replication-weeks");
    let results: Vec<run::RunResult> =
        pool.install(|| scenarios.iter().map(|s| run::run_scenario(s, &|n| bar.inc(n))).collect());
    bar.finish_and_clear();
    let mut rows = Vec::new();
    for (s, r) in scenarios.iter().zip(&results).skip(1) {
        rows.extend(spsim::compare::paired(&s.run.name, &results[0], r));
    }
    if let Err(e) = report::write_folder_atomically(&out, &[("compare.csv", report::compare_csv(&rows))]) {
        eprintln!("error: cannot write results to {}: {e}", out.display());
        return ExitCode::from(1);
    }
    if !quiet {
        println!(
            "paired differences from {} ({} replications, seed {seed}, common random numbers)",
            scenarios[0].run.name, reps
        );
        println!("{:<24} {:<36} {:>11} {:>11} {:>11} {:>23}", "scenario", "metric", "base", "alt", "diff", "95% CI");
        for r in &rows {
            let f = |x: f64| if x.is_finite() { format!("{x:.4}") } else { "-".into() };
            println!(
                "{:<24} {:<36} {:>11} {:>11} {:>11} {:>23}",
                r.scenario,
                r.metric,
                f(r.base_mean),
                f(r.alt_mean),
                f(r.diff_mean),
                format!("[{}, {}]", f(r.ci_low), f(r.ci_high))
            );
        }
        println!("written to {}", out.join("compare.csv").display());
    }
    ExitCode::SUCCESS
}

fn calibrate(out: Option<std::path::PathBuf>, replications: u32) -> ExitCode {
    use spsim::report::calibration::{self, On};
    let mut failed_load = None;
    let checked = calibration::check(|on: On| match scenario::load(std::path::Path::new(on.file())) {
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
    let table = calibration::markdown(&checked, replications);
    print!("{table}");
    if let Some(path) = out
        && let Err(e) = report::write_file_atomically(&path, table.as_bytes())
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return ExitCode::from(1);
    }
    if checked.iter().all(|c| c.passes()) { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn print_summary(s: &scenario::Scenario, result: &run::RunResult, out: &std::path::Path, wall: f64) {
    println!(
        "{}: {} replication(s) × {} PCN(s) × {} weeks in {:.2} s",
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
