//! `spsim calibrate FILE --out DIR`: history matching in waves, each finished wave kept
//! on disk so that the same command resumes a killed calibration to identical files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use spsim::budget;
use spsim::calibrate::{History, Plan};
use spsim::report::sweep::Shard;
use spsim::report::{folder, history};

use super::{progress_bar, worker_pool};

/// Arguments of `spsim calibrate FILE --out DIR`.
pub struct CalibrateArgs {
    pub file: PathBuf,
    pub out: PathBuf,
    pub replications: Option<u32>,
    pub threads: Option<u16>,
    pub quiet: bool,
    pub max_memory: Option<String>,
    pub shard: Option<String>,
    pub shards: Option<u64>,
    pub merge: bool,
}

/// Largest wave file read back (a wave of a million points with many targets is below).
const MAX_WAVE_BYTES: u64 = 1 << 30;

fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}

fn io_exit(e: folder::OutputError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(e.exit_code())
}

/// Load the calibration scenario and the scenarios its targets name; print their
/// errors (exit 2).
pub fn plan_of(file: &Path, replications: Option<u32>, quiet: bool) -> Result<Plan, ExitCode> {
    let mut base = super::load_scenario(file, quiet)?;
    let Some(spec) = base.calibration.clone() else {
        return Err(fail(
            2,
            format_args!(
                "{}: no [calibration] table; add one (see README, \"Calibrate to your own figures\") or run \
                 `spsim calibrate` without a file to check the defaults against the published figures",
                file.display()
            ),
        ));
    };
    if let Some(r) = replications {
        base.run.replications = r;
    }
    let mut loaded = Vec::new();
    for t in &spec.targets {
        if let Some(p) = &t.scenario
            && !loaded.iter().any(|(q, _)| q == p)
        {
            let s = super::load_scenario(p, quiet)?;
            loaded.push((p.clone(), s));
        }
    }
    Plan::new(base, loaded).map_err(|e| fail(2, format_args!("{}: {e}", file.display())))
}

/// How this command takes part in the calibration.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Every wave here, to the end.
    Whole,
    /// One shard of the next wave (`--shard I/N` or a Slurm/Kubernetes array index).
    Shard(Shard),
    /// Join the next wave's finished shards, write the final files if the calibration is
    /// over, and stop (`--merge`).
    Merge,
}

/// `spsim calibrate FILE --out DIR`, alone, as one shard of a wave, or joining a wave's
/// shards.
pub fn calibrate(a: CalibrateArgs) -> ExitCode {
    let plan = match plan_of(&a.file, a.replications, a.quiet) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mode = if a.merge {
        if a.shard.is_some() || a.shards.is_some() {
            return fail(2, "--merge joins the shards of a wave; give it without --shard or --shards");
        }
        Mode::Merge
    } else {
        match super::sweep::resolve_shard(a.shard.as_deref(), a.shards) {
            Ok((s, _)) if s.count > 1 => Mode::Shard(s),
            Ok(_) => Mode::Whole,
            Err(e) => return fail(2, e),
        }
    };
    let limit = match super::memory_limit(a.max_memory.as_deref()) {
        Ok(l) => l,
        Err(code) => return code.into(),
    };
    let (threads, pool) = match worker_pool(a.threads) {
        Ok(p) => p,
        Err(code) => return code.into(),
    };
    // Sized at both corners of the ranges on every scenario (a range over population or
    // posts sizes the run), and at the scenarios as written.
    let corners = [
        plan.spec.parameters.iter().map(|p| p.lower).collect::<Vec<f64>>(),
        plan.spec.parameters.iter().map(|p| p.upper).collect::<Vec<f64>>(),
    ];
    let worst = (0..plan.scenarios.len())
        .flat_map(|j| {
            let mut list = vec![plan.scenarios[j].clone()];
            list.extend(corners.iter().filter_map(|c| plan.scenario_at(j, c).ok()));
            list
        })
        .map(|s| budget::estimate_sweep_run(&s, threads))
        .max_by_key(|e| e.bytes)
        .expect("at least the calibration scenario");
    if let Err(code) = super::fits(&worst, limit, "this calibration") {
        return code.into();
    }
    let mut inputs: Vec<&Path> = vec![a.file.as_path()];
    inputs.extend(plan.spec.targets.iter().filter_map(|t| t.scenario.as_deref()));
    let waves_dir = a.out.join("waves");
    // Shards of a wave run side by side: each locks its own part, not the folder.
    let _claim = match mode {
        Mode::Shard(sh) => {
            if let Err(e) =
                folder::settle(&a.out).and_then(|()| folder::check_folder(&a.out, folder::Kind::Calibration, &inputs))
            {
                return io_exit(e);
            }
            if let Err(e) = std::fs::create_dir_all(&waves_dir) {
                return fail(1, format_args!("cannot create {}: {e}", waves_dir.display()));
            }
            let lock = waves_dir.join(format!("shard-{}-of-{}.lock", sh.number(), sh.count));
            match folder::lock_file(&lock, &format!("shard {}/{} of {}", sh.number(), sh.count, a.out.display())) {
                Ok(l) => Held::Lock(l),
                Err(e) => return io_exit(e),
            }
        }
        _ => match folder::Claim::take(&a.out, folder::Kind::Calibration, &inputs) {
            Ok(c) => Held::Claim(c),
            Err(e) => return io_exit(e),
        },
    };
    let state_path = waves_dir.join("calibration.json");
    match read_capped_to(&state_path, 1 << 20) {
        Ok(old) => {
            let same = serde_json::from_slice::<serde_json::Value>(&old)
                .ok()
                .is_some_and(|v| v["identity"] == plan.identity());
            if !same {
                return fail(
                    2,
                    format_args!(
                        "{} holds a calibration of another scenario, targets or settings; spsim resumes only the \
                         same calibration and leaves this one untouched: choose another --out",
                        a.out.display()
                    ),
                );
            }
        }
        Err(_) => {
            if let Err(e) = folder::write_file_atomically(&state_path, &history::state_json(&plan)) {
                return io_exit(e);
            }
        }
    }
    folder::set_interrupt_hint(format!(
        "finished waves are kept in {}; run the same command to resume",
        waves_dir.display()
    ));
    let reps = plan.replications() as u64;
    let sims_per_point = reps * plan.scenarios.len() as u64;
    if !a.quiet && mode == Mode::Whole {
        eprintln!(
            "calibrating {} parameter(s) to {} target(s) ({} held out) on {} scenario(s): up to {} wave(s) of {} \
             point(s) × {} replication(s)",
            plan.dims(),
            plan.spec.targets.len(),
            plan.spec.targets.len() - plan.spec.fit_targets().len(),
            plan.scenarios.len(),
            plan.spec.waves,
            plan.spec.points,
            reps
        );
    }
    let mut h = History::default();
    let stop = loop {
        let wave = h.waves.len() as u32 + 1;
        let first_id = h.points.len() as u64;
        let path = waves_dir.join(format!("wave-{wave}.csv"));
        if path.is_file() {
            // A wave on disk must be the wave this calibration designs here: same count,
            // same parameter values (a resumed calibration goes on exactly as it would have).
            let design = (plan.stop_reason(&h).is_none()).then(|| plan.values_of(&plan.next_design(&h)));
            match read_points(&plan, &path, wave, first_id).and_then(|points| match &design {
                Some(d) if d.len() == points.len() && d.iter().zip(&points).all(|(v, p)| *v == p.values) => Ok(points),
                _ => Err(fail(
                    2,
                    format_args!(
                        "{}: not the wave this calibration designs at this point (points or values differ, or the \
                         calibration had stopped before it); the file was changed after spsim wrote it: choose \
                         another --out",
                        path.display()
                    ),
                )),
            }) {
                Ok(points) => {
                    plan.record_wave(&mut h, wave, points);
                    if !a.quiet && mode == Mode::Whole {
                        eprintln!("wave {wave}: read back from {}", path.display());
                    }
                    continue;
                }
                Err(code) => return code,
            }
        }
        if let Some(reason) = plan.stop_reason(&h) {
            break reason;
        }
        let design = plan.next_design(&h);
        match mode {
            Mode::Shard(sh) => {
                if sh.count > design.len() as u64 {
                    return fail(
                        2,
                        format_args!(
                            "{} shards for a wave of {} point(s): every shard needs at least one; use at most {} \
                             shards",
                            sh.count,
                            design.len(),
                            design.len()
                        ),
                    );
                }
                let range = sh.runs(design.len() as u64);
                let part = waves_dir.join(format!("wave-{wave}.part-{}-of-{}.csv", sh.number(), sh.count));
                if part.is_file() {
                    if !a.quiet {
                        println!("wave {wave}, shard {}/{}: already done ({})", sh.number(), sh.count, part.display());
                    }
                    return ExitCode::SUCCESS;
                }
                let slice = &design[range.start as usize..range.end as usize];
                let bar = progress_bar(
                    slice.len() as u64 * sims_per_point,
                    a.quiet,
                    &format!("wave {wave}, shard {}/{}", sh.number(), sh.count),
                    "simulations",
                );
                let (results, failed) = pool.install(|| {
                    plan.simulate_reporting(wave, first_id + range.start, plan.values_of(slice), &|| bar.inc(1))
                });
                bar.finish_and_clear();
                warn_failures(wave, &failed, slice.len() as u64 * sims_per_point);
                if let Err(e) = folder::write_file_atomically(&part, &history::waves_csv(&plan, &results)) {
                    return io_exit(e);
                }
                if !a.quiet {
                    println!(
                        "wave {wave}, shard {}/{}: {} point(s) written to {}; when every shard is done, join them \
                         with `spsim calibrate {} --out {} --merge`",
                        sh.number(),
                        sh.count,
                        results.len(),
                        part.display(),
                        a.file.display(),
                        a.out.display()
                    );
                }
                return ExitCode::SUCCESS;
            }
            Mode::Merge | Mode::Whole => match join_parts(&plan, &waves_dir, wave, first_id, design.len()) {
                Ok(Some(points)) => {
                    if let Err(e) = folder::write_file_atomically(&path, &history::waves_csv(&plan, &points)) {
                        return io_exit(e);
                    }
                    plan.record_wave(&mut h, wave, points);
                    if !a.quiet {
                        eprintln!("wave {wave}: joined from its shards");
                    }
                    if mode == Mode::Merge {
                        if let Some(reason) = plan.stop_reason(&h) {
                            break reason;
                        }
                        if !a.quiet {
                            println!(
                                "wave {wave} joined; wave {} is next: run its shards (--shard I/N), then --merge again",
                                wave + 1
                            );
                        }
                        return ExitCode::SUCCESS;
                    }
                    continue;
                }
                Ok(None) if mode == Mode::Merge => {
                    return fail(
                        1,
                        format_args!(
                            "wave {wave} has no complete set of shards in {} (files wave-{wave}.part-I-of-N.csv for \
                             every I from 1 to N); run the missing shards first",
                            waves_dir.display()
                        ),
                    );
                }
                Ok(None) => {}
                Err(code) => return code,
            },
        }
        let bar = progress_bar(design.len() as u64 * sims_per_point, a.quiet, &format!("wave {wave}"), "simulations");
        let (results, failed) =
            pool.install(|| plan.simulate_reporting(wave, first_id, plan.values_of(&design), &|| bar.inc(1)));
        bar.finish_and_clear();
        warn_failures(wave, &failed, design.len() as u64 * sims_per_point);
        if let Err(e) = folder::write_file_atomically(&path, &history::waves_csv(&plan, &results)) {
            return io_exit(e);
        }
        plan.record_wave(&mut h, wave, results);
        if !a.quiet {
            let w = h.waves.last().expect("recorded");
            eprintln!(
                "wave {wave}: {} point(s), {:.0}% ruled out; {} plausible so far; {:.1}% of the space left",
                w.points,
                100.0 * w.ruled_out_share,
                w.plausible_so_far,
                100.0 * w.space_left
            );
        }
    };
    if let Mode::Shard(sh) = mode {
        if !a.quiet {
            println!(
                "shard {}/{}: the calibration is finished ({stop}); `spsim calibrate {} --out {} --merge` writes its \
                 files",
                sh.number(),
                sh.count,
                a.file.display(),
                a.out.display()
            );
        }
        return ExitCode::SUCCESS;
    }
    // The scenario's own coefficients, simulated as one more point: are they plausible?
    let own = plan.own_values();
    let own_values: Vec<f64> = own.iter().map(|o| o.0).collect();
    let inside: Vec<bool> = own.iter().map(|o| o.1).collect();
    let own_point = if own_values.iter().all(|x| x.is_finite()) {
        pool.install(|| plan.simulate_values(0, h.points.len() as u64, vec![own_values.clone()], &|| {})).pop()
    } else {
        None
    };
    let waves_csv = history::waves_csv(&plan, &h.points);
    let plausible_csv = history::plausible_csv(&plan, &h);
    let manifest = history::manifest_json(&plan, &h, &stop, own_point.as_ref().map(|p| (p, inside.as_slice())));
    let report = match spsim::report::html::calibration::page(&manifest, &waves_csv) {
        Ok(r) => r,
        Err(e) => return fail(1, format_args!("cannot build the report: {e}")),
    };
    let manifest = folder::seal_manifest(
        &manifest,
        &[("waves.csv", &waves_csv), ("plausible.csv", &plausible_csv), ("report.html", &report)],
    );
    for (name, bytes) in [
        ("waves.csv", &waves_csv),
        ("plausible.csv", &plausible_csv),
        ("report.html", &report),
        ("manifest.json", &manifest),
    ] {
        if let Err(e) = folder::write_file_atomically(&a.out.join(name), bytes) {
            return io_exit(e);
        }
        folder::fault_point(&format!("calibrate:wrote-{name}"));
    }
    if !a.quiet {
        println!("{}", summary_text(&plan, &h, &stop));
        if let Some(c) = spsim::calibrate::central(&plan, &h) {
            println!("central member of the plausible set (see manifest.json for how it is chosen):");
            for (p, v) in plan.spec.parameters.iter().zip(&c.values) {
                println!("  {} = {v:.4}", p.key);
            }
        }
        if let Some(p) = &own_point {
            println!(
                "the scenario's own coefficients: implausibility {:.2} ({}){}",
                p.max_implausibility,
                if p.plausible(plan.spec.cutoff) { "plausible" } else { "ruled out" },
                if inside.iter().all(|b| *b) { "" } else { "; some lie outside their prior range" }
            );
        }
        println!("wrote {}/ (waves.csv, plausible.csv, manifest.json, report.html)", a.out.display());
    }
    ExitCode::SUCCESS
}

/// Say on stderr (whatever `--quiet` says: it changes the answer) how many simulations
/// of a wave failed, and the first reason; their sets count as ruled out.
fn warn_failures(wave: u32, failed: &[String], total: u64) {
    if let Some(first) = failed.first() {
        eprintln!(
            "warning: wave {wave}: {} of {total} simulation(s) failed, so their parameter sets are ruled out; the \
             first: {first}",
            failed.len()
        );
    }
}

/// What keeps other writers out while this command works: the folder's claim, or one
/// shard's lock.
enum Held {
    Claim(#[allow(dead_code)] folder::Claim),
    Lock(#[allow(dead_code)] folder::Lock),
}

/// A finished wave (or part of one) read back; a changed file is refused (exit 2).
fn read_points(
    plan: &Plan,
    path: &Path,
    wave: u32,
    first_id: u64,
) -> Result<Vec<spsim::calibrate::PointResult>, ExitCode> {
    let bytes = read_capped(path).map_err(|e| fail(1, format_args!("cannot read {}: {e}", path.display())))?;
    history::read_wave(plan, &bytes, &path.display().to_string(), wave, first_id).map_err(|e| {
        fail(2, format_args!("{e}\n(the wave file was changed after spsim wrote it; choose another --out)"))
    })
}

/// The points of wave `wave` joined from a complete set of its shards' parts (every
/// `wave-K.part-I-of-N.csv` for I = 1..N, for some N), or `None` when there is none.
fn join_parts(
    plan: &Plan,
    dir: &Path,
    wave: u32,
    first_id: u64,
    n_points: usize,
) -> Result<Option<Vec<spsim::calibrate::PointResult>>, ExitCode> {
    let prefix = format!("wave-{wave}.part-");
    let mut counts: Vec<u64> = Vec::new();
    if let Ok(list) = std::fs::read_dir(dir) {
        for e in list.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(rest) = name.strip_prefix(&prefix).and_then(|r| r.strip_suffix(".csv"))
                && let Some((_, n)) = rest.split_once("-of-")
                && let Ok(n) = n.parse::<u64>()
                && (1..=n_points as u64).contains(&n)
                && !counts.contains(&n)
            {
                counts.push(n);
            }
        }
    }
    counts.sort_unstable();
    for n in counts {
        let part = |i: u64| dir.join(format!("{prefix}{i}-of-{n}.csv"));
        if !(1..=n).all(|i| part(i).is_file()) {
            continue;
        }
        let paths: Vec<PathBuf> = (1..=n).map(part).collect();
        let mut points = Vec::with_capacity(n_points);
        for (i, p) in paths.iter().enumerate() {
            let range = Shard { index: i as u64, count: n }.runs(n_points as u64);
            let part = read_points(plan, p, wave, first_id + range.start)?;
            if part.len() as u64 != range.end - range.start {
                return Err(fail(
                    2,
                    format_args!("{}: {} point(s), expected {}", p.display(), part.len(), range.end - range.start),
                ));
            }
            points.extend(part);
        }
        return Ok(Some(points));
    }
    Ok(None)
}

fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    read_capped_to(path, MAX_WAVE_BYTES)
}

/// At most `cap` bytes of a file spsim wrote and reads back (it may have been changed).
pub fn read_capped_to(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    folder::read_back(path, cap)
}

/// What the terminal says at the end: why it stopped, the plausible set's size, each
/// parameter's plausible range against its prior, each target against the plausible
/// set's simulated range.
pub fn summary_text(plan: &Plan, h: &History, stop: &str) -> String {
    use spsim::params::calibration::Use;
    let cutoff = plan.spec.cutoff;
    let n = spsim::calibrate::plausible(h, cutoff).len();
    let mut out = format!("stopped: {stop}\nplausible set: {n} of {} simulated point(s)\n", h.points.len());
    let width = plan.spec.parameters.iter().map(|p| p.key.len()).max().unwrap_or(0).max(9);
    out.push_str(&format!("{:width$}  {:>21}  {:>21}\n", "parameter", "prior", "plausible"));
    for (p, r) in plan.spec.parameters.iter().zip(spsim::calibrate::parameter_ranges(h, cutoff, &plan.spec.parameters))
    {
        let pr = r.map_or("—".to_string(), |(a, b)| format!("{a:.4} to {b:.4}"));
        out.push_str(&format!("{:width$}  {:>21}  {pr:>21}\n", p.key, format!("{:.4} to {:.4}", p.lower, p.upper)));
    }
    let labels = history::target_labels(plan);
    let width = labels.iter().map(|l| l.len()).max().unwrap_or(0).max(6);
    out.push_str(&format!("{:width$}  {:>9}  {:>17}  {:>21}\n", "target", "use", "observed ± sd", "plausible runs"));
    for ((t, l), r) in
        plan.spec.targets.iter().zip(&labels).zip(spsim::calibrate::plausible_ranges(h, cutoff, &plan.spec.targets))
    {
        let pr = r.map_or("—".to_string(), |(a, b)| format!("{a:.3} to {b:.3}"));
        let i = plan.spec.targets.iter().position(|x| x == t).expect("a target of the plan");
        let kept = spsim::calibrate::plausible(h, cutoff);
        let near = kept.iter().filter(|p| (p.mean[i] - t.value).abs() <= 2.0 * t.sd).count();
        let verdict = if t.use_ == Use::Validate && !kept.is_empty() {
            format!("  ({:.0}% of the plausible sets within 2 sd)", 100.0 * near as f64 / kept.len() as f64)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{l:width$}  {:>9}  {:>17}  {pr:>21}{verdict}\n",
            if t.use_ == Use::Fit { "fit" } else { "held out" },
            format!("{:.3} ± {:.3}", t.value, t.sd),
        ));
    }
    out
}

pub fn shipped(out: Option<PathBuf>, replications: u32) -> ExitCode {
    use spsim::report::calibration::{self, On};
    use spsim::report::folder;
    if let Some(path) = &out
        && let Err(e) = folder::check_file(path)
    {
        eprintln!("error: {e}");
        return ExitCode::from(e.exit_code());
    }
    let mut failed_load = None;
    let checked = calibration::check(|on: On| match spsim::scenario::load(Path::new(on.file())) {
        Ok(mut s) => {
            s.run.replications = replications;
            spsim::run::run_scenario(&s, &|_| {}).summary
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
    if let Ok(bytes) = crate::commands::calibrate::read_capped_to(hm, 64 << 20)
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
