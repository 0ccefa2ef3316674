//! `spsim sweep` and `spsim merge`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use spsim::budget;
use spsim::report::folder;
use spsim::report::sweep::{self as out, Shard, ShardWriter, SweepIoError};
use spsim::scenario::{self, design_file};
use spsim::sweep::Sweep;

use super::{progress_bar, worker_pool};

/// Arguments of `spsim sweep`.
pub struct SweepArgs {
    pub file: PathBuf,
    pub out: PathBuf,
    pub replications: Option<u32>,
    pub design: Option<PathBuf>,
    pub shard: Option<String>,
    pub shards: Option<u64>,
    /// One parameter set (1-based) of an ensemble file to run the sweep at.
    pub ensemble: Option<(PathBuf, u64)>,
    pub threads: Option<u16>,
    pub quiet: bool,
    pub max_memory: Option<String>,
}

/// Points whose memory is estimated: every point of a sweep up to this many, else this
/// many spread evenly over it.
const ESTIMATED_POINTS: usize = 10_000;

/// Estimated peak memory of a sweep on `threads` threads: the largest estimate of one
/// run over its points (every point, or [`ESTIMATED_POINTS`] spread over a larger
/// sweep) times the runs in flight; patient-weeks summed over every run.
pub fn estimate(sweep: &Sweep, threads: usize) -> budget::Estimate {
    let n = sweep.points.len();
    let stride = n.div_ceil(ESTIMATED_POINTS).max(1);
    let mut worst = budget::Estimate { bytes: 0, patient_weeks: 0.0 };
    let mut weeks = 0.0;
    let mut sampled = 0usize;
    for i in (0..n).step_by(stride) {
        let Ok(s) = sweep.scenario_at(i) else { continue };
        let e = budget::estimate_sweep_run(&s, threads);
        worst.bytes = worst.bytes.max(e.bytes);
        weeks += e.patient_weeks;
        sampled += 1;
    }
    worst.patient_weeks = weeks / sampled.max(1) as f64 * sweep.runs() as f64;
    worst
}

/// Runs per block: enough per thread that the wait for a block's slowest run is small,
/// few enough that a kill loses little work.
const RUNS_PER_THREAD_PER_BLOCK: u64 = 16;

fn exit_for(e: &SweepIoError) -> ExitCode {
    match e {
        SweepIoError::Conflict(_) => ExitCode::from(2),
        SweepIoError::Io(_) => ExitCode::from(1),
    }
}

/// Which shard to run, numbered from 1 to N everywhere users see it: `--shard I/N`;
/// else Slurm's array variables (task `SLURM_ARRAY_TASK_ID` is shard
/// `ID − SLURM_ARRAY_TASK_MIN + 1` of `SLURM_ARRAY_TASK_COUNT`, so `--array=0-3` and
/// `--array=1-4` both give shards 1..4); else Kubernetes' 0-based `JOB_COMPLETION_INDEX`
/// (shard `INDEX + 1`) with `--shards N`; else the whole sweep. `--shards N` without an
/// index is an error. Returns the shard and where it came from.
pub fn resolve_shard(flag: Option<&str>, shards: Option<u64>) -> Result<(Shard, &'static str), String> {
    resolve_shard_from(flag, shards, &|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
}

fn resolve_shard_from(
    flag: Option<&str>,
    shards: Option<u64>,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<(Shard, &'static str), String> {
    let num = |k: &str, v: &str| v.trim().parse::<u64>().map_err(|_| format!("{k}={v:?} is not a whole number"));
    let (number, count, from) = if let Some(s) = flag {
        let (i, n) =
            s.split_once('/').ok_or_else(|| format!("--shard {s:?}: write I/N with I from 1 to N, e.g. 1/4"))?;
        if let Some(n2) = shards
            && Some(n2) != n.trim().parse().ok()
        {
            return Err(format!("--shard {s} and --shards {n2} disagree on the shard count; give one of them"));
        }
        (num("--shard index", i)?, num("--shard count", n)?, "--shard")
    } else if let Some(id) = var("SLURM_ARRAY_TASK_ID") {
        let count =
            var("SLURM_ARRAY_TASK_COUNT").ok_or("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")?;
        let min = var("SLURM_ARRAY_TASK_MIN").map_or(Ok(0), |m| num("SLURM_ARRAY_TASK_MIN", &m))?;
        let id = num("SLURM_ARRAY_TASK_ID", &id)?;
        let offset = id.checked_sub(min).ok_or("SLURM_ARRAY_TASK_ID is below SLURM_ARRAY_TASK_MIN")?;
        (offset.saturating_add(1), num("SLURM_ARRAY_TASK_COUNT", &count)?, "SLURM_ARRAY_TASK_ID")
    } else if let Some(idx) = var("JOB_COMPLETION_INDEX") {
        let count = shards.ok_or("JOB_COMPLETION_INDEX is set: give the shard count with --shards N")?;
        (num("JOB_COMPLETION_INDEX", &idx)?.saturating_add(1), count, "JOB_COMPLETION_INDEX")
    } else if let Some(n) = shards {
        return Err(format!(
            "--shards {n} needs a shard index: JOB_COMPLETION_INDEX (Kubernetes indexed jobs) is not set; \
             to run one shard by hand write --shard I/{n} with I from 1 to {n}"
        ));
    } else {
        return Ok((Shard::ALL, "none"));
    };
    if count == 0 || number == 0 || number > count {
        return Err(format!(
            "shard {number}/{count} (from {from}): shards are numbered from 1 to N, with N at least 1"
        ));
    }
    Ok((Shard { index: number - 1, count }, from))
}

/// `base` at set `k` (1-based) of the ensemble file `path`, its sweep kept.
fn at_set(base: &scenario::Scenario, path: &Path, k: u64) -> Result<scenario::Scenario, super::Failure> {
    let sets = super::ensemble::load_sets(path, base)?;
    let n = sets.rows.len() as u64;
    if k == 0 || k > n {
        return Err(super::Failure::input(format!(
            "--ensemble-set {k}: {} has {n} parameter set(s); choose 1 to {n}",
            path.display()
        )));
    }
    let i = (k - 1) as usize;
    let mut s = spsim::ensemble::scenario_with(base, &sets.keys, &sets.rows[i])
        .map_err(|e| super::Failure::input(format!("parameter set {k} (row {} of {}): {e}", i + 2, path.display())))?;
    s.sweep = base.sweep.clone();
    Ok(s)
}

/// `spsim sweep`.
pub fn sweep(a: SweepArgs) -> ExitCode {
    let mut base = match super::load_scenario(&a.file, a.quiet) {
        Ok(s) => s,
        Err(code) => return code.into(),
    };
    let Some(spec) = base.sweep.clone() else {
        eprintln!(
            "error: {} has no [sweep] table; add one (design and [sweep.parameters]) or use `spsim run`",
            a.file.display()
        );
        return ExitCode::from(2);
    };
    if let Some(r) = a.replications {
        base.run.replications = r;
    }
    if let Some((path, k)) = &a.ensemble {
        match at_set(&base, path, *k) {
            Ok(s) => base = s,
            Err(f) => return f.into(),
        }
    }
    let sweep = match &a.design {
        None => Sweep::native(base, spec),
        Some(path) => {
            let keys: Vec<String> = spec.parameters.iter().map(|p| p.key.clone()).collect();
            let built = design_file::read(path, &keys)
                .map_err(|e| e.to_string())
                .and_then(|d| Sweep::from_rows(base, spec, d.rows, &d.lines, path.display().to_string(), d.sha256));
            match built {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("{}", if e.starts_with("error") { e } else { format!("error: {e}") });
                    return ExitCode::from(2);
                }
            }
        }
    };
    if sweep.runs() > scenario::MAX_SWEEP_RUNS {
        eprintln!(
            "error: {} points × {} replications = {} runs; a sweep may have at most {} runs",
            sweep.points.len(),
            sweep.replications(),
            sweep.runs(),
            scenario::MAX_SWEEP_RUNS
        );
        return ExitCode::from(2);
    }
    let (shard, from) = match resolve_shard(a.shard.as_deref(), a.shards) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let limit = match super::memory_limit(a.max_memory.as_deref()) {
        Ok(l) => l,
        Err(code) => return code.into(),
    };
    let planned_threads = a.threads.map(usize::from).unwrap_or_else(super::cores);
    if let Err(code) = super::fits(&estimate(&sweep, planned_threads), limit, "this sweep") {
        return code.into();
    }
    // A merge a kill left half done is finished first: its runs are kept.
    if let Err(e) = folder::settle(&a.out) {
        eprintln!("error: {e}");
        return ExitCode::from(e.exit_code());
    }
    if shard == Shard::ALL && out::is_finished(&a.out, &sweep) {
        if !a.quiet {
            println!("{}: this sweep is already complete ({} runs)", a.out.display(), sweep.runs());
        }
        return ExitCode::SUCCESS;
    }
    let mut inputs: Vec<&Path> = vec![a.file.as_path()];
    if let Some(d) = &a.design {
        inputs.push(d.as_path());
    }
    let mut writer = match ShardWriter::open(&a.out, &sweep, shard, &inputs) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return exit_for(&e);
        }
    };
    let (threads, pool) = match worker_pool(a.threads) {
        Ok(p) => p,
        Err(code) => return code.into(),
    };
    let range = shard.runs(sweep.runs());
    let resumed = writer.next_run() - range.start;
    let label = if shard == Shard::ALL {
        sweep.base.run.name.clone()
    } else {
        format!("{} shard {}/{}", sweep.base.run.name, shard.number(), shard.count)
    };
    if !a.quiet {
        eprintln!(
            "{label}: {} points × {} replications = {} runs{}{}",
            sweep.points.len(),
            sweep.replications(),
            sweep.runs(),
            if shard == Shard::ALL {
                String::new()
            } else {
                format!("; this shard: runs {}..{} (from {from})", range.start, range.end)
            },
            if resumed > 0 { format!("; resuming after {resumed} finished runs") } else { String::new() },
        );
    }
    folder::set_interrupt_hint(format!(
        "the runs finished so far are kept in {}; run the same command again to resume",
        a.out.display()
    ));
    let bar = progress_bar(range.end - range.start, a.quiet, &label, "runs");
    bar.set_position(resumed);
    let block = (threads as u64 * RUNS_PER_THREAD_PER_BLOCK).max(16);
    let started = Instant::now();
    let mut failed = 0u64;
    while writer.next_run() < writer.end() {
        let next = writer.next_run();
        let runs = next..(next + block).min(writer.end());
        let outcomes = pool.install(|| sweep.run_block(runs, &|| bar.inc(1)));
        for o in &outcomes {
            if let Err(e) = &o.result {
                failed += 1;
                bar.suspend(|| {
                    eprintln!("run {} (point {}, replication {}) failed: {e}", o.run, o.point, o.replication)
                });
            }
        }
        if let Err(e) = writer.append(&sweep, &outcomes) {
            bar.abandon();
            eprintln!("error: {e}");
            return exit_for(&e);
        }
    }
    bar.finish_and_clear();
    if let Err(e) = writer.finish() {
        eprintln!("error: {e}");
        return exit_for(&e);
    }
    let wall = started.elapsed().as_secs_f64();
    let made = range.end - range.start - resumed;
    if shard != Shard::ALL {
        if !a.quiet {
            println!(
                "shard {}/{}: {made} runs in {wall:.2} s ({:.1} runs/s){}; when every shard is done: spsim merge {} --out {}",
                shard.number(),
                shard.count,
                made as f64 / wall.max(1e-9),
                if failed > 0 { format!(", {failed} failed") } else { String::new() },
                a.out.display(),
                a.out.display()
            );
        }
        return if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS };
    }
    match out::merge(&a.out, &a.out) {
        Ok(report) => {
            if !a.quiet {
                println!(
                    "{}: {} runs ({} made now in {wall:.2} s, {:.1} runs/s on {threads} thread(s)), {} points{}; \
                     written to {}",
                    sweep.base.run.name,
                    report.runs,
                    made,
                    made as f64 / wall.max(1e-9),
                    report.points,
                    if report.failed > 0 {
                        format!(", {} FAILED (see runs.csv status)", report.failed)
                    } else {
                        String::new()
                    },
                    a.out.display()
                );
            }
            if report.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit_for(&e)
        }
    }
}

/// `spsim merge`.
pub fn merge(dir: &Path, target: &Path) -> ExitCode {
    match out::merge(dir, target) {
        Ok(r) => {
            println!(
                "merged {} runs ({} points{}) into {}",
                r.runs,
                r.points,
                if r.failed > 0 { format!(", {} failed", r.failed) } else { String::new() },
                target.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit_for(&e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn shards_are_numbered_from_one_everywhere() {
        let none = env(&[]);
        assert_eq!(resolve_shard_from(Some("1/4"), None, &none).unwrap().0, Shard { index: 0, count: 4 });
        assert_eq!(resolve_shard_from(Some("4/4"), None, &none).unwrap().0, Shard { index: 3, count: 4 });
        assert!(resolve_shard_from(Some("0/4"), None, &none).is_err());
        assert!(resolve_shard_from(Some("5/4"), None, &none).is_err());
        assert!(resolve_shard_from(Some("1/4"), Some(3), &none).is_err());
        // Slurm --array=0-3 and --array=1-4 both give shards 1..4.
        let zero = env(&[("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert_eq!(resolve_shard_from(None, None, &zero).unwrap().0, Shard { index: 0, count: 4 });
        let one = env(&[("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert_eq!(resolve_shard_from(None, None, &one).unwrap().0, Shard { index: 3, count: 4 });
        let k8s = env(&[("JOB_COMPLETION_INDEX", "0")]);
        assert_eq!(resolve_shard_from(None, Some(2), &k8s).unwrap().0, Shard { index: 0, count: 2 });
        assert!(resolve_shard_from(None, None, &k8s).is_err());
        let err = resolve_shard_from(None, Some(2), &none).unwrap_err();
        assert!(err.contains("--shards 2 needs a shard index"), "{err}");
        assert_eq!(resolve_shard_from(None, None, &none).unwrap().0, Shard::ALL);
    }
}
