//! `spsim run`: run a scenario (and an ensemble of parameter sets) and write its folder.

use std::path::{Path, PathBuf};
use std::time::Instant;

use spsim::report;
use spsim::{budget, run, scenario};

use super::*;

#[allow(clippy::too_many_arguments)]
pub fn run_command(
    file: &Path,
    out: Option<PathBuf>,
    replications: Option<u32>,
    seed: Option<u64>,
    threads: Option<u16>,
    quiet: bool,
    ensemble: EnsembleArg,
    max_memory: Option<&str>,
) -> Result<(), Failure> {
    let mut s = load_scenario(file, quiet).and_then(|s| whole_run(s, file))?;
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
    let limit = memory_limit(max_memory)?;
    let (threads, pool) = worker_pool(threads)?;
    fits(&budget::estimate_run(&s, threads), limit, "this run")?;
    let ens = match &ensemble {
        None => None,
        Some((path, size)) => {
            let sets = crate::commands::ensemble::load_sets(path, &s)?;
            let list = crate::commands::ensemble::scenarios_of(&s, &sets, *size)?;
            Some((path, sets, list))
        }
    };
    if let Some((_, _, list)) = &ens {
        fits(&largest_run(list, threads), limit, "this ensemble")?;
    }
    let mut inputs: Vec<&Path> = vec![file];
    if let Some((p, _)) = &ensemble {
        inputs.push(p);
    }
    // Claimed before the work: a second command on the same folder is refused at once.
    let claim = claim(&out, report::folder::Kind::Run, &inputs)?;
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
            about: crate::commands::ensemble::about(path, &sets, list.len(), reps),
        }
    });
    let wall = started.elapsed().as_secs_f64();
    report::write_run_with(&claim, &s, &result, ensemble_files.as_ref()).map_err(|e| Failure::output(&e))?;
    if !quiet {
        print_summary(&s, &result, &out, wall, threads);
    }
    Ok(())
}

pub fn print_summary(s: &scenario::Scenario, result: &run::RunResult, out: &Path, wall: f64, threads: usize) {
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
