//! The output boundary: the only module (with `main`) that writes files.
//!
//! Serializers are pure functions returning bytes (`summary_csv`, `weekly_csv`,
//! `manifest_json`), so every format is testable without touching disk;
//! [`folder`] decides whether a path may be written at all (only new, empty or spsim's
//! own folders) and writes through a temporary folder and a rename, so a results folder
//! is never half-written.

pub mod calibration;
pub mod folder;
pub mod history;
pub mod html;
pub mod points;
pub mod reference;
pub mod sweep;

pub use folder::OutputError;

use crate::metrics::WeekCounts;
use crate::metrics::summary::MetricStats;
use crate::run::RunResult;
use crate::scenario::Scenario;

pub(crate) fn num(x: f64) -> String {
    if x.is_finite() { format!("{x}") } else { String::new() }
}

/// `summary.csv`: `metric,mean,ci_low,ci_high,sd,n`, one row per metric.
pub fn summary_csv(stats: &[MetricStats]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["metric", "mean", "ci_low", "ci_high", "sd", "n"]).expect("write to memory");
    for m in stats {
        w.write_record(stats_fields(&[], m)).expect("write to memory");
    }
    w.into_inner().expect("flush to memory")
}

/// A row of a metric's statistics after the `lead` fields: `…,metric,mean,ci_low,ci_high,sd,n`.
fn stats_fields(lead: &[String], m: &MetricStats) -> Vec<String> {
    let mut row = lead.to_vec();
    row.extend([m.name.to_string(), num(m.mean), num(m.ci_low), num(m.ci_high), num(m.sd), m.n.to_string()]);
    row
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
/// (`-` for mechanisms not about one patient) and the supervision level in force when it fired.
pub fn mechanisms_csv(result: &RunResult) -> Vec<u8> {
    use crate::metrics::ledger::{BANDS, LEVELS, Ledger, Mechanism};
    use crate::params::Deprivation;
    let mut total = [Ledger::default(), Ledger::default(), Ledger::default()];
    for rep in &result.replications {
        for (t, l) in total.iter_mut().zip(&rep.ledger) {
            t.add(l);
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["rule", "mechanism", "context", "count"]).expect("write to memory");
    for m in Mechanism::ALL {
        for (level, supervision) in LEVELS.iter().enumerate() {
            for (d, dep) in [Deprivation::Low, Deprivation::Medium, Deprivation::High].iter().enumerate() {
                for (band, name) in BANDS.iter().enumerate() {
                    let count = total[d].count(level, *m, band);
                    if count == 0 {
                        continue;
                    }
                    let context = format!("deprivation={};complexity={name};supervision={supervision}", dep.as_str());
                    w.write_record([m.rule(), m.name(), &context, &count.to_string()]).expect("write to memory");
                }
            }
        }
    }
    w.into_inner().expect("flush to memory")
}

/// `compare.csv`: paired differences from the baseline, one row per alternative × metric.
pub fn compare_csv(rows: &[crate::compare::PairedDiff]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "scenario",
        "period",
        "metric",
        "base_mean",
        "alt_mean",
        "diff_mean",
        "ci_low",
        "ci_high",
        "sd",
        "n",
    ])
    .expect("write to memory");
    for r in rows {
        w.write_record([
            r.scenario.clone(),
            r.period.clone(),
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

/// `series.csv` of a comparison: `scenario,series,week,mean,ci_low,ci_high,n`.
pub fn series_csv(per_scenario: &[(&str, Vec<html::series::Band>)]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["scenario", "series", "week", "mean", "ci_low", "ci_high", "n"]).expect("write to memory");
    for (name, bands) in per_scenario {
        for b in bands {
            for i in 0..b.mean.len() {
                w.write_record([
                    name.to_string(),
                    b.id.to_string(),
                    (i + 1).to_string(),
                    num(b.mean[i]),
                    num(b.low[i]),
                    num(b.high[i]),
                    b.n[i].to_string(),
                ])
                .expect("write to memory");
            }
        }
    }
    w.into_inner().expect("flush to memory")
}

/// `mechanisms.csv` of a comparison: per alternative and mechanism, the paired
/// difference of its rate (per 100 referrals or per PCN-year) from the baseline.
pub fn mechanism_diffs_csv(rows: &[crate::compare::MechanismDiff]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "scenario",
        "rule",
        "mechanism",
        "unit",
        "base_rate",
        "alt_rate",
        "diff_mean",
        "ci_low",
        "ci_high",
        "sd",
        "n",
    ])
    .expect("write to memory");
    for r in rows {
        let s = &r.stats;
        w.write_record([
            r.scenario.clone(),
            r.rule.to_string(),
            r.mechanism.to_string(),
            r.unit.as_str().to_string(),
            num(s.base_mean),
            num(s.alt_mean),
            num(s.diff_mean),
            num(s.ci_low),
            num(s.ci_high),
            num(s.sd),
            s.n.to_string(),
        ])
        .expect("write to memory");
    }
    w.into_inner().expect("flush to memory")
}

/// `manifest.json`: what wrote the folder (the [`folder::MARKER`] and the files list),
/// engine version, scenario file and hash, resolved scenario, seed, replications.
/// Deterministic: nothing in it depends on the machine, the thread count or the time, so
/// re-running a committed scenario leaves its committed results unchanged.
pub fn manifest_json(s: &Scenario, result: &RunResult) -> Vec<u8> {
    let patient_weeks: u64 = result.replications.iter().map(|r| r.patient_weeks).sum();
    let value = serde_json::json!({
        "engine": "spsim",
        folder::MARKER: folder::Kind::Run.as_str(),
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
        "patient_weeks": patient_weeks,
        "changes": changes_json(s),
        "files": RUN_FILES,
        "resolved_scenario": s.resolved_toml(),
    });
    json_bytes(&value)
}

/// The scheduled changes, in week order: `[{ "week": N, "set": { key: value } }]`.
pub fn changes_json(s: &Scenario) -> serde_json::Value {
    let raw = |v: &crate::params::spec::RawValue| -> serde_json::Value {
        use crate::params::spec::RawValue;
        match v {
            RawValue::Bool(b) => (*b).into(),
            RawValue::Int(i) => (*i).into(),
            RawValue::Float(x) => (*x).into(),
            RawValue::Str(t) => t.clone().into(),
        }
    };
    s.changes_in_order()
        .iter()
        .map(|c| {
            let set: serde_json::Map<String, serde_json::Value> =
                c.sets.iter().map(|(k, v)| (k.clone(), raw(v))).collect();
            serde_json::json!({ "week": c.week, "set": set })
        })
        .collect::<Vec<_>>()
        .into()
}

/// The files `spsim run` writes, in its folder.
pub const RUN_FILES: &[&str] =
    &["summary.csv", "periods.csv", "weekly.csv", "mechanisms.csv", "manifest.json", "report.html"];

/// `periods.csv`: the summary of each period (each reported year, the year before and each
/// year after a scheduled change): `period,first_week,last_week,metric,mean,ci_low,ci_high,sd,n`
/// (weeks are reported weeks, 1-based, inclusive).
pub fn periods_csv(result: &RunResult) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["period", "first_week", "last_week", "metric", "mean", "ci_low", "ci_high", "sd", "n"])
        .expect("write to memory");
    for (p, stats) in result.periods.iter().zip(&result.period_summary) {
        for m in stats {
            let lead = [p.label.clone(), (p.start + 1).to_string(), p.end.to_string()];
            w.write_record(stats_fields(&lead, m)).expect("write to memory");
        }
    }
    w.into_inner().expect("flush to memory")
}

pub(crate) fn json_bytes(v: &serde_json::Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).expect("JSON of plain values");
    out.push(b'\n');
    out
}

/// Write the files of a run into the claimed folder atomically (see [`folder::Claim`]).
pub fn write_run(claim: &folder::Claim, s: &Scenario, result: &RunResult) -> Result<(), OutputError> {
    write_run_with(claim, s, result, None)
}

/// What a run or comparison across a plausible set adds to its folder: `ensemble.csv`
/// and a description for `manifest.json`.
#[derive(Debug, Clone)]
pub struct EnsembleFiles {
    /// `ensemble.csv`.
    pub csv: Vec<u8>,
    /// The `ensemble` entry of `manifest.json` (file, sets, how they were chosen).
    pub about: serde_json::Value,
}

/// Add the ensemble to a manifest: its description and `ensemble.csv` in the file list.
fn with_ensemble(manifest: Vec<u8>, e: &EnsembleFiles) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(&manifest).expect("our own JSON");
    v["ensemble"] = e.about.clone();
    if let Some(list) = v["files"].as_array_mut() {
        list.insert(0, "ensemble.csv".into());
    }
    json_bytes(&v)
}

/// Write a run's files, with `ensemble.csv` when the run was made across a plausible set.
pub fn write_run_with(
    claim: &folder::Claim,
    s: &Scenario,
    result: &RunResult,
    ensemble: Option<&EnsembleFiles>,
) -> Result<(), OutputError> {
    let mut manifest = manifest_json(s, result);
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("summary.csv", summary_csv(&result.summary)),
        ("periods.csv", periods_csv(result)),
        ("weekly.csv", weekly_csv(s, result)),
        ("mechanisms.csv", mechanisms_csv(result)),
    ];
    if let Some(e) = ensemble {
        manifest = with_ensemble(manifest, e);
        files.push(("ensemble.csv", e.csv.clone()));
    }
    files.push(("manifest.json", manifest));
    with_report(files, |files| claim.write_files(files))
}

fn csv_num(x: f64) -> String {
    if x.is_finite() { format!("{x}") } else { String::new() }
}

/// A run's `ensemble.csv`: `metric,median,low,high,sets,combined_low,combined_high`.
pub fn ensemble_csv(rows: &[crate::ensemble::Row]) -> Vec<u8> {
    let mut out = String::from("metric,median,low,high,sets,combined_low,combined_high\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            r.metric,
            csv_num(r.median),
            csv_num(r.low),
            csv_num(r.high),
            r.sets,
            csv_num(r.combined_low),
            csv_num(r.combined_high)
        ));
    }
    out.into_bytes()
}

/// A comparison's `ensemble.csv`: `scenario,metric,median,low,high,sets,same_sign_share`.
pub fn ensemble_diff_csv(rows: &[crate::ensemble::DiffRow]) -> Vec<u8> {
    let mut out = String::from("scenario,metric,median,low,high,sets,same_sign_share\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            r.scenario,
            r.metric,
            csv_num(r.median),
            csv_num(r.low),
            csv_num(r.high),
            r.sets,
            csv_num(r.same_sign_share)
        ));
    }
    out.into_bytes()
}

/// Add `report.html`, built from the other files, and write them all with `write`.
fn with_report(
    mut files: Vec<(&str, Vec<u8>)>,
    write: impl FnOnce(&[(&str, Vec<u8>)]) -> Result<(), OutputError>,
) -> Result<(), OutputError> {
    let page = html::report_of_files(&files).map_err(|e| OutputError::Io(format!("building report.html: {e}")))?;
    files.push(("report.html", page));
    write(&files)
}

/// Write the files of a comparison (`results[0]` is the baseline's) into the claimed
/// folder: compare.csv, mechanisms.csv, series.csv, manifest.json and report.html.
pub fn write_compare(
    claim: &folder::Claim,
    scenarios: &[&Scenario],
    results: &[RunResult],
    rows: &[crate::compare::PairedDiff],
    seed: u64,
    replications: u32,
    ensemble: Option<&EnsembleFiles>,
) -> Result<(), OutputError> {
    let base = scenarios[0];
    let mut mechanisms = Vec::new();
    for (s, r) in scenarios.iter().zip(results).skip(1) {
        let years = base.reported_weeks() as f64 / 52.0;
        mechanisms.extend(crate::compare::mechanism_diffs(&s.run.name, &results[0], r, base.region_count(), years));
    }
    let bands: Vec<(&str, Vec<html::series::Band>)> = scenarios
        .iter()
        .zip(results)
        .map(|(s, r)| {
            (s.run.name.as_str(), html::series::bands(&html::series::Weekly::from_result(s.regions.len(), r)))
        })
        .collect();
    let mut manifest = compare_manifest(scenarios, seed, replications);
    let mut files = vec![
        ("compare.csv", compare_csv(rows)),
        ("mechanisms.csv", mechanism_diffs_csv(&mechanisms)),
        ("series.csv", series_csv(&bands)),
    ];
    if let Some(e) = ensemble {
        manifest = with_ensemble(manifest, e);
        files.push(("ensemble.csv", e.csv.clone()));
    }
    files.push(("manifest.json", manifest));
    with_report(files, |files| claim.write_files(files))
}

/// `manifest.json` of a comparison: the marker, the files, the scenarios and the common
/// seed and replications.
pub fn compare_manifest(scenarios: &[&Scenario], seed: u64, replications: u32) -> Vec<u8> {
    let list: Vec<serde_json::Value> = scenarios
        .iter()
        .map(|s| {
            serde_json::json!({
                "name": s.run.name,
                "file": s.path.display().to_string(),
                "sha256": s.source_hash,
                "changes": changes_json(s),
            })
        })
        .collect();
    json_bytes(&serde_json::json!({
        "engine": "spsim",
        folder::MARKER: folder::Kind::Compare.as_str(),
        "engine_version": env!("CARGO_PKG_VERSION"),
        "baseline": scenarios.first().map(|s| s.run.name.clone()),
        "scenarios": list,
        "seed": seed,
        "replications": replications,
        "common_random_numbers": "replication r of every scenario uses the same random streams",
        "files": COMPARE_FILES,
    }))
}

/// The files `spsim compare` writes, in its folder.
pub const COMPARE_FILES: &[&str] = &["compare.csv", "mechanisms.csv", "series.csv", "manifest.json", "report.html"];
