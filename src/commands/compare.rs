//! `spsim compare`: paired differences of scenarios against a baseline.

use std::path::{Path, PathBuf};

use spsim::report;
use spsim::{budget, run, scenario};

use super::*;

#[allow(clippy::too_many_arguments)]
pub fn compare(
    files: Vec<PathBuf>,
    out: PathBuf,
    replications: Option<u32>,
    threads: Option<u16>,
    quiet: bool,
    all: bool,
    ensemble: EnsembleArg,
    max_memory: Option<&str>,
) -> Result<(), Failure> {
    // Every file is read, so the errors of one do not hide another's.
    let mut scenarios = Vec::new();
    let mut failed = None;
    for f in &files {
        match load_scenario(f, quiet).and_then(|s| whole_run(s, f)) {
            Ok(s) => scenarios.push(s),
            Err(e) => {
                if let Some(earlier) = failed.replace(e) {
                    earlier.print();
                }
            }
        }
    }
    if let Some(last) = failed {
        return Err(last);
    }
    // Common random numbers: every scenario takes the baseline's seed and replications.
    let seed = scenarios[0].run.seed;
    let reps = replications.unwrap_or(scenarios[0].run.replications).max(2);
    for s in &mut scenarios {
        s.run.seed = seed;
        s.run.replications = reps;
    }
    let limit = memory_limit(max_memory)?;
    let (threads, pool) = worker_pool(threads)?;
    // Scenarios run one after another, but every result is kept until the end.
    let estimates: Vec<budget::Estimate> = scenarios.iter().map(|s| budget::estimate_run(s, threads)).collect();
    let kept: u64 = estimates.iter().map(|e| e.bytes).fold(0, u64::saturating_add);
    let needed = budget::Estimate { bytes: kept, patient_weeks: estimates.iter().map(|e| e.patient_weeks).sum() };
    fits(&needed, limit, "this comparison")?;
    // Across a plausible set: every scenario at every set used (the same sets for all).
    let mut ens_lists: Vec<Vec<scenario::Scenario>> = Vec::new();
    let mut ens_sets = None;
    if let Some((path, size)) = &ensemble {
        let sets = crate::commands::ensemble::load_sets(path, &scenarios[0])?;
        for s in &scenarios {
            ens_lists.push(crate::commands::ensemble::scenarios_of(s, &sets, *size)?);
        }
        let all: Vec<scenario::Scenario> = ens_lists.iter().flatten().cloned().collect();
        fits(&largest_run(&all, threads), limit, "this ensemble")?;
        ens_sets = Some((path.clone(), sets));
    }
    let mut inputs: Vec<&Path> = files.iter().map(|f| f.as_path()).collect();
    if let Some((p, _)) = &ensemble {
        inputs.push(p);
    }
    let claim = claim(&out, report::folder::Kind::Compare, &inputs)?;
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
        about: crate::commands::ensemble::about(path, sets, ens_lists[0].len(), reps),
    });
    let refs: Vec<&scenario::Scenario> = scenarios.iter().collect();
    let written = report::write_compare(&claim, &refs, &results, &rows, seed, reps, ensemble_files.as_ref());
    written.map_err(|e| Failure::output(&e))?;
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
    Ok(())
}
