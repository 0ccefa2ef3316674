//! The output boundary: the only module (with `main`) that writes files.
//!
//! Serializers are pure functions returning bytes (`summary_csv`, `weekly_csv`,
//! `manifest_json`), so every format is testable without touching disk;
//! [`write_run`] writes them into a temporary folder beside the target and renames it
//! into place, so a results folder is never half-written.

pub mod calibration;
pub mod reference;
pub mod sweep;

use std::io;
use std::path::{Path, PathBuf};

use crate::metrics::WeekCounts;
use crate::metrics::summary::MetricStats;
use crate::run::RunResult;
use crate::scenario::Scenario;

/// Facts about a run that only the caller knows.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Worker threads used.
    pub threads: usize,
    /// Wall time of the simulation, in seconds.
    pub wall_seconds: f64,
}

pub(crate) fn num(x: f64) -> String {
    if x.is_finite() { format!("{x}") } else { String::new() }
}

/// `summary.csv`: `metric,mean,ci_low,ci_high,sd,n`, one row per metric.
pub fn summary_csv(stats: &[MetricStats]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["metric", "mean", "ci_low", "ci_high", "sd", "n"]).expect("write to memory");
    for m in stats {
        w.write_record([m.name.to_string(), num(m.mean), num(m.ci_low), num(m.ci_high), num(m.sd), m.n.to_string()])
            .expect("write to memory");
    }
    w.into_inner().expect("flush to memory")
}

/// `weekly.csv`: one row per replication × reported week × region archetype.
pub fn weekly_csv(s: &Scenario, result: &RunResult) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["replication", "week", "region"];
    header.extend_from_slice(WeekCounts::COLUMNS);
    w.write_record(&header).expect("write to memory");
    let archetypes = s.regions.len();
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    for rep in &result.replications {
        for (i, row) in rep.weekly.iter().enumerate() {
            record.clear();
            record.push(rep.index.to_string());
            record.push((i / archetypes + 1).to_string());
            record.push(s.regions[i % archetypes].name.clone());
            record.extend(row.values().into_iter().map(num));
            w.write_record(&record).expect("write to memory");
        }
    }
    w.into_inner().expect("flush to memory")
}

/// `mechanisms.csv`: `rule,mechanism,context,count` — every mechanism that fired in the
/// reported weeks, summed over replications, by deprivation, patient complexity band
/// (`-` for mechanisms not about one patient) and supervision level.
pub fn mechanisms_csv(s: &Scenario, result: &RunResult) -> Vec<u8> {
    use crate::metrics::ledger::{BANDS, Ledger, Mechanism, supervision_level};
    use crate::params::Deprivation;
    let mut total = [Ledger::default(), Ledger::default(), Ledger::default()];
    for rep in &result.replications {
        for (t, l) in total.iter_mut().zip(&rep.ledger) {
            t.add(l);
        }
    }
    let effective = s.policy.effective_supervision(s.behaviour.supervision_saturation_weeks);
    let supervision = supervision_level(effective);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["rule", "mechanism", "context", "count"]).expect("write to memory");
    for m in Mechanism::ALL {
        for (d, dep) in [Deprivation::Low, Deprivation::Medium, Deprivation::High].iter().enumerate() {
            for (band, name) in BANDS.iter().enumerate() {
                let count = total[d].counts[*m as usize * BANDS.len() + band];
                if count == 0 {
                    continue;
                }
                let context = format!("deprivation={};complexity={name};supervision={supervision}", dep.as_str());
                w.write_record([m.rule(), m.name(), &context, &count.to_string()]).expect("write to memory");
            }
        }
    }
    w.into_inner().expect("flush to memory")
}

/// `compare.csv`: paired differences from the baseline, one row per alternative × metric.
pub fn compare_csv(rows: &[crate::compare::PairedDiff]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["scenario", "metric", "base_mean", "alt_mean", "diff_mean", "ci_low", "ci_high", "sd", "n"])
        .expect("write to memory");
    for r in rows {
        w.write_record([
            r.scenario.clone(),
            r.metric.to_string(),
            num(r.base_mean),
            num(r.alt_mean),
            num(r.diff_mean),
            num(r.ci_low),
            num(r.ci_high),
            num(r.sd),
            r.n.to_string(),
        ])
        .expect("write to memory");
    }
    w.into_inner().expect("flush to memory")
}

/// `manifest.json`: engine version, scenario file and hash, resolved scenario, seed,
/// replications, threads, wall time.
pub fn manifest_json(s: &Scenario, result: &RunResult, info: &RunInfo) -> Vec<u8> {
    let patient_weeks: u64 = result.replications.iter().map(|r| r.patient_weeks).sum();
    let value = serde_json::json!({
        "engine": "spsim",
        "engine_version": env!("CARGO_PKG_VERSION"),
        "scenario_name": s.run.name,
        "scenario_file": s.path.display().to_string(),
        "scenario_sha256": s.source_hash,
        "seed": s.run.seed,
        "replications": s.run.replications,
        "regions": s.region_count(),
        "warmup_weeks": s.run.warmup_weeks,
        "reported_weeks": s.reported_weeks(),
        "counterfactual": s.run.counterfactual,
        "threads": info.threads,
        "wall_seconds": info.wall_seconds,
        "patient_weeks": patient_weeks,
        "files": ["summary.csv", "weekly.csv", "mechanisms.csv", "manifest.json"],
        "resolved_scenario": s.resolved_toml(),
    });
    let mut out = serde_json::to_vec_pretty(&value).expect("JSON of plain values");
    out.push(b'\n');
    out
}

/// Write the files of a run into `dir` atomically: everything goes into a temporary
/// folder beside `dir`, which then replaces `dir` in one rename.
pub fn write_run(dir: &Path, s: &Scenario, result: &RunResult, info: &RunInfo) -> io::Result<()> {
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("summary.csv", summary_csv(&result.summary)),
        ("weekly.csv", weekly_csv(s, result)),
        ("mechanisms.csv", mechanisms_csv(s, result)),
        ("manifest.json", manifest_json(s, result, info)),
    ];
    write_folder_atomically(dir, &files)
}

/// Write named files into `dir` through a temporary sibling folder and a rename.
pub fn write_folder_atomically(dir: &Path, files: &[(&str, Vec<u8>)]) -> io::Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir(&tmp)?;
    let written = (|| {
        for (file, bytes) in files {
            std::fs::write(tmp.join(file), bytes)?;
        }
        replace_dir(&tmp, dir)
    })();
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    written
}

/// Replace `dir` by `tmp`: an existing `dir` is moved aside first and removed after.
pub(crate) fn replace_dir(tmp: &Path, dir: &Path) -> io::Result<()> {
    if dir.exists() {
        let old = dir.with_file_name(format!(
            ".{}.old-{}",
            dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            std::process::id()
        ));
        std::fs::rename(dir, &old)?;
        std::fs::rename(tmp, dir)?;
        std::fs::remove_dir_all(&old)?;
    } else {
        std::fs::rename(tmp, dir)?;
    }
    Ok(())
}

/// Write one file atomically (temporary file in the same folder, then rename).
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let tmp = parent.join(format!(
        ".{}.tmp-{}",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
