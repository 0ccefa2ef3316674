//! The `spsim` binary: parse arguments, call the library, map errors to exit codes
//! (0 success, 1 failure while running or writing, 2 bad input).

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use spsim::report;

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
            let codes: Vec<ExitCode> = files
                .iter()
                .map(|f| commands::exit_code(commands::validate::validate(f, threads, max_memory.as_deref())))
                .collect();
            codes.into_iter().find(|c| *c != ExitCode::SUCCESS).unwrap_or(ExitCode::SUCCESS)
        }
        Command::Calibrate { file: Some(file), out, replications, exec, shard, shards, merge } => {
            let cli::Exec { threads, quiet, max_memory } = exec;
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
        Command::Calibrate { file: None, out, replications, .. } => {
            commands::calibrate::shipped(out, replications.unwrap_or(40))
        }
        Command::Compare { files, out, replications, exec, all, ensemble, ensemble_size } => {
            let cli::Exec { threads, quiet, max_memory } = exec;
            let ens = ensemble.map(|p| (p, ensemble_size.map(|n| n as usize)));
            commands::exit_code(commands::compare::compare(
                files,
                out,
                replications,
                threads,
                quiet,
                all,
                ens,
                max_memory.as_deref(),
            ))
        }
        Command::Sweep { file, out, replications, design, shard, shards, ensemble, ensemble_set, exec } => {
            let cli::Exec { threads, quiet, max_memory } = exec;
            commands::sweep::sweep(commands::sweep::SweepArgs {
                file,
                out,
                replications,
                design,
                shard,
                shards,
                ensemble: ensemble.zip(ensemble_set),
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
            commands::exit_code(commands::bench::bench(&workloads, threads, repeat, json.as_deref(), list))
        }
        Command::Reference => {
            print!("{}", report::reference::scenario_reference());
            ExitCode::SUCCESS
        }
        Command::Metrics => {
            print!("{}", report::reference::metrics_reference());
            ExitCode::SUCCESS
        }
        Command::Run { file, out, replications, seed, exec, ensemble, ensemble_size } => {
            let cli::Exec { threads, quiet, max_memory } = exec;
            let ens = ensemble.map(|p| (p, ensemble_size.map(|n| n as usize)));
            let code = commands::exit_code(commands::run::run_command(
                &file,
                out,
                replications,
                seed,
                threads,
                quiet,
                ens,
                max_memory.as_deref(),
            ));
            // Built with `--features phase-timing`: where the weekly step's time went.
            if let Some(table) = spsim::rules::step::timing::report() {
                eprint!("{table}");
            }
            code
        }
    };
    if std::env::var_os(commands::PEAK_ENV).is_some() {
        commands::report_peak();
    }
    code
}
