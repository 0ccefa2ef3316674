//! The files of a history matching (`spsim calibrate FILE --out DIR`): `waves.csv` (every
//! simulated point), `plausible.csv` (the points not ruled out), one `waves/wave-K.csv`
//! per finished wave (what a resumed calibration reads back), `waves/calibration.json`
//! (the folder's marker while it runs) and `manifest.json`; and the reader of a
//! `plausible.csv` for `--ensemble`, which treats the file as untrusted input.
//!
//! Numbers are written in Rust's shortest round-trip form, so a wave read back is
//! bit-identical to the wave written, and a resumed calibration designs the same next
//! wave as an uninterrupted one.

use std::collections::BTreeSet;

use super::folder;
use crate::calibrate::{History, Plan, PointResult, WaveSummary};
use crate::ensemble::ParameterSets;
use crate::params::calibration::Use;

/// Files of a finished calibration folder (besides `report.html` and `waves/`).
pub const FILES: &[&str] = &["waves.csv", "plausible.csv", "manifest.json", "report.html", "waves"];

/// Column labels of the targets: the metric, with `@scenario` when measured on another
/// scenario, and `#n` when a label would repeat.
pub fn target_labels(plan: &Plan) -> Vec<String> {
    let mut seen = BTreeSet::new();
    plan.spec
        .targets
        .iter()
        .map(|t| {
            let base = match &t.scenario {
                Some(p) => format!(
                    "{}@{}",
                    t.metric,
                    p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
                ),
                None => t.metric.clone(),
            };
            let mut label = base.clone();
            let mut k = 2;
            while !seen.insert(label.clone()) {
                label = format!("{base}#{k}");
                k += 1;
            }
            label
        })
        .collect()
}

/// Header of `waves.csv` and of every `waves/wave-K.csv`.
pub fn waves_header(plan: &Plan) -> String {
    let mut cols: Vec<String> = vec!["wave".into(), "point".into()];
    cols.extend(plan.spec.parameters.iter().map(|p| p.key.clone()));
    for l in target_labels(plan) {
        cols.push(format!("{l}:mean"));
        cols.push(format!("{l}:sd"));
        cols.push(format!("{l}:I"));
    }
    cols.push("max_implausibility".into());
    cols.push("plausible".into());
    cols.join(",")
}

fn num(x: f64) -> String {
    if x.is_nan() {
        "NA".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{x}")
    }
}

fn parse_num(s: &str) -> Option<f64> {
    match s {
        "NA" => Some(f64::NAN),
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => s.parse::<f64>().ok().filter(|x| x.is_finite()),
    }
}

fn row(p: &PointResult, cutoff: f64) -> String {
    let mut cols = vec![p.wave.to_string(), p.id.to_string()];
    cols.extend(p.values.iter().map(|&x| num(x)));
    for i in 0..p.mean.len() {
        cols.push(num(p.mean[i]));
        cols.push(num(p.sd[i]));
        cols.push(num(p.implausibility[i]));
    }
    cols.push(num(p.max_implausibility));
    cols.push(if p.plausible(cutoff) { "1" } else { "0" }.into());
    cols.join(",")
}

/// `waves/wave-K.csv` or `waves.csv`: a header and one row per point.
pub fn waves_csv<'a>(plan: &Plan, points: impl IntoIterator<Item = &'a PointResult>) -> Vec<u8> {
    let mut out = waves_header(plan);
    out.push('\n');
    for p in points {
        out.push_str(&row(p, plan.spec.cutoff));
        out.push('\n');
    }
    out.into_bytes()
}

/// `plausible.csv`: the parameter columns, then `max_implausibility`.
pub fn plausible_csv(plan: &Plan, h: &History) -> Vec<u8> {
    let mut out: Vec<String> = plan.spec.parameters.iter().map(|p| p.key.clone()).collect();
    out.push("max_implausibility".into());
    let mut text = out.join(",");
    text.push('\n');
    for p in crate::calibrate::plausible(h, plan.spec.cutoff) {
        let mut cols: Vec<String> = p.values.iter().map(|&x| num(x)).collect();
        cols.push(num(p.max_implausibility));
        text.push_str(&cols.join(","));
        text.push('\n');
    }
    text.into_bytes()
}

/// Read back a finished wave written by [`waves_csv`]; `path` names it in errors. The
/// file must be exactly what this plan writes: same header, wave `wave`, points numbered
/// on from `first_id`, and implausibilities that match the means and sds.
pub fn read_wave(plan: &Plan, bytes: &[u8], path: &str, wave: u32, first_id: u64) -> Result<Vec<PointResult>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| format!("{path}: not UTF-8 text"))?;
    let mut lines = text.lines();
    let header = lines.next().unwrap_or("");
    if header != waves_header(plan) {
        return Err(format!("{path}:1: the header is not this calibration's"));
    }
    let (d, nt) = (plan.dims(), plan.spec.targets.len());
    let want = 2 + d + 3 * nt + 2;
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        let at = |c: usize| format!("{path}:{}:{}", i + 2, c);
        let cols: Vec<&str> = line.split(',').collect();
        if cols.len() != want {
            return Err(format!("{}: {} columns, expected {want}", at(1), cols.len()));
        }
        if cols[0] != wave.to_string() {
            return Err(format!("{}: wave {:?}, expected {wave}", at(1), cols[0]));
        }
        let id = first_id + out.len() as u64;
        if cols[1] != id.to_string() {
            return Err(format!("{}: point {:?}, expected {id}", at(2), cols[1]));
        }
        let mut nums = Vec::with_capacity(want - 2);
        for (k, c) in cols[2..].iter().enumerate() {
            nums.push(parse_num(c).ok_or_else(|| format!("{}: {c:?} is not a number", at(k + 3)))?);
        }
        let values = nums[..d].to_vec();
        for (k, (p, &x)) in plan.spec.parameters.iter().zip(&values).enumerate() {
            if !(x >= p.lower && x <= p.upper) {
                return Err(format!(
                    "{}: `{}` = {x} is outside its range {} to {}",
                    at(k + 3),
                    p.key,
                    p.lower,
                    p.upper
                ));
            }
        }
        let mean: Vec<f64> = (0..nt).map(|t| nums[d + 3 * t]).collect();
        let sd: Vec<f64> = (0..nt).map(|t| nums[d + 3 * t + 1]).collect();
        let p = plan.judge(wave, id, values, mean, sd);
        let written: Vec<f64> = (0..nt).map(|t| nums[d + 3 * t + 2]).collect();
        let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
        if !p.implausibility.iter().zip(&written).all(|(a, b)| same(*a, *b))
            || !same(p.max_implausibility, nums[d + 3 * nt])
        {
            return Err(format!("{}: the implausibilities do not follow from the means and sds", at(1)));
        }
        let flag = if p.plausible(plan.spec.cutoff) { 1.0 } else { 0.0 };
        if nums[d + 3 * nt + 1] != flag {
            return Err(format!(
                "{}: `plausible` is {}, but the point's implausibility says {flag}",
                at(want),
                cols[want - 1]
            ));
        }
        out.push(p);
    }
    if out.is_empty() {
        return Err(format!("{path}: no points"));
    }
    Ok(out)
}

/// `waves/calibration.json`: marks the folder as a calibration in progress and names
/// its identity, so only the same calibration resumes it.
pub fn state_json(plan: &Plan) -> Vec<u8> {
    let v = serde_json::json!({
        folder::MARKER: folder::Kind::Calibration.as_str(),
        "identity": plan.identity(),
        "scenario_file": plan.base.path.display().to_string(),
    });
    let mut b = serde_json::to_vec_pretty(&v).expect("json");
    b.push(b'\n');
    b
}

fn wave_json(w: &WaveSummary) -> serde_json::Value {
    serde_json::json!({
        "wave": w.wave,
        "points": w.points,
        "ruled_out_share": w.ruled_out_share,
        "plausible_so_far": w.plausible_so_far,
        "space_left": w.space_left,
        "emulator_r2": w.emulator_r2,
    })
}

/// A point as JSON: each parameter by its key, its implausibility per target label, and
/// its judged implausibility.
pub fn point_json(plan: &Plan, p: &PointResult) -> serde_json::Value {
    let values: serde_json::Map<String, serde_json::Value> =
        plan.spec.parameters.iter().zip(&p.values).map(|(k, v)| (k.key.clone(), (*v).into())).collect();
    let imp: serde_json::Map<String, serde_json::Value> = target_labels(plan)
        .into_iter()
        .zip(&p.implausibility)
        .map(|(l, i)| (l, if i.is_finite() { (*i).into() } else { serde_json::Value::Null }))
        .collect();
    serde_json::json!({
        "values": values,
        "implausibility": imp,
        "max_implausibility": if p.max_implausibility.is_finite() { p.max_implausibility.into() } else { serde_json::Value::Null },
        "plausible": p.plausible(plan.spec.cutoff),
    })
}

/// Share of the plausible sets whose simulated mean lies within 2 observation sds of a
/// target's figure (`None` when there is no plausible set).
fn within_2sd(plan: &Plan, h: &History, t: &crate::params::calibration::CalTarget) -> Option<f64> {
    let i = plan.spec.targets.iter().position(|x| x == t)?;
    let pts = crate::calibrate::plausible(h, plan.spec.cutoff);
    if pts.is_empty() {
        return None;
    }
    let near = pts.iter().filter(|p| (p.mean[i] - t.value).abs() <= 2.0 * t.sd).count();
    Some(near as f64 / pts.len() as f64)
}

/// `manifest.json` of a finished calibration; `own` is the calibration scenario's own
/// coefficients simulated as one more point (with whether each lies in its prior).
pub fn manifest_json(plan: &Plan, h: &History, stop: &str, own: Option<(&PointResult, &[bool])>) -> Vec<u8> {
    let labels = target_labels(plan);
    let ranges = crate::calibrate::plausible_ranges(h, plan.spec.cutoff, &plan.spec.targets);
    let pranges = crate::calibrate::parameter_ranges(h, plan.spec.cutoff, &plan.spec.parameters);
    let targets: Vec<serde_json::Value> = plan
        .spec
        .targets
        .iter()
        .zip(&labels)
        .zip(&ranges)
        .map(|((t, l), r)| {
            serde_json::json!({
                "label": l,
                "metric": t.metric,
                "value": t.value,
                "sd": t.sd,
                "range": t.range.map(|(a, b)| vec![a, b]),
                "discrepancy_sd": t.discrepancy_sd,
                "use": if t.use_ == Use::Fit { "fit" } else { "validate" },
                "scenario": t.scenario.as_ref().map(|p| p.display().to_string()),
                "source": t.source,
                "plausible_range": r.map(|(a, b)| vec![a, b]),
                "plausible_share_within_2sd": within_2sd(plan, h, t),
            })
        })
        .collect();
    let params: Vec<serde_json::Value> = plan
        .spec
        .parameters
        .iter()
        .zip(&pranges)
        .map(|(p, r)| {
            serde_json::json!({
                "key": p.key, "lower": p.lower, "upper": p.upper, "scale": p.scale.as_str(),
                "plausible_range": r.map(|(a, b)| vec![a, b]),
            })
        })
        .collect();
    let v = serde_json::json!({
        "engine": "spsim",
        folder::MARKER: folder::Kind::Calibration.as_str(),
        "engine_version": env!("CARGO_PKG_VERSION"),
        "scenario_file": plan.base.path.display().to_string(),
        "scenario_sha256": plan.base.source_hash,
        "identity": plan.identity(),
        "seed": plan.base.run.seed,
        "design_seed": plan.spec.seed,
        "replications": plan.replications(),
        "points_per_wave": plan.spec.points,
        "cutoff": plan.spec.cutoff,
        "rule_out_by": if plan.spec.second_largest { "second_largest" } else { "largest" },
        "scenarios": plan.scenario_names,
        "parameters": params,
        "targets": targets,
        "waves": h.waves.iter().map(wave_json).collect::<Vec<_>>(),
        "stopped": stop,
        "plausible_points": crate::calibrate::plausible(h, plan.spec.cutoff).len(),
        "central_member": crate::calibrate::central(plan, h).map(|p| point_json(plan, p)),
        "central_member_rule": "of the plausible members whose judged implausibility is at most half the cut-off, the \
                                one nearest the plausible set's per-parameter medians, each parameter in units of its \
                                plausible interquartile range on the prior's unit scale",
        "scenario_values": own.map(|(p, inside)| {
            let mut v = point_json(plan, p);
            v["inside_prior"] = inside.iter().all(|b| *b).into();
            v
        }),
        "files": FILES,
        "resolved_scenario": plan.base.resolved_toml(),
    });
    let mut b = serde_json::to_vec_pretty(&v).expect("json");
    b.push(b'\n');
    b
}

/// Most parameter sets an ensemble file may hold.
pub const MAX_SETS: usize = 1_000_000;

/// Parse an ensemble file (untrusted): every header key must be a key `check` accepts
/// (it returns why not), given once; every value a finite number that `check_value`
/// accepts for its key. Errors name the file, line and column.
pub fn read_parameter_sets(
    bytes: &[u8],
    path: &str,
    check_key: &dyn Fn(&str) -> Result<(), String>,
    check_value: &dyn Fn(&str, f64) -> Result<(), String>,
) -> Result<ParameterSets, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| format!("{path}: not UTF-8 text"))?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(format!("{path}: empty; expected a header of dotted scenario keys (a plausible.csv)"));
    };
    let mut names: Vec<&str> = header.split(',').map(str::trim).collect();
    let has_imp = names.last() == Some(&"max_implausibility");
    if has_imp {
        names.pop();
    }
    if names.is_empty() || names.iter().all(|n| n.is_empty()) {
        return Err(format!("{path}:1:1: no parameter columns"));
    }
    let mut col = 1usize;
    let mut keys = Vec::with_capacity(names.len());
    for n in &names {
        if let Err(e) = check_key(n) {
            return Err(format!("{path}:1:{col}: column `{n}`: {e}"));
        }
        if keys.iter().any(|k: &String| k == n) {
            return Err(format!("{path}:1:{col}: column `{n}` appears twice"));
        }
        keys.push(n.to_string());
        col += n.chars().count() + 1;
    }
    let want = names.len() + has_imp as usize;
    let mut rows = Vec::new();
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != want {
            return Err(format!("{path}:{}:1: {} values, expected {want} (one per header column)", i + 1, cells.len()));
        }
        let mut row = Vec::with_capacity(keys.len());
        let mut col = 1usize;
        for (k, cell) in cells.iter().enumerate() {
            let v = cell.trim().parse::<f64>().ok().filter(|x| x.is_finite());
            match v {
                None => return Err(format!("{path}:{}:{col}: {cell:?} is not a finite number", i + 1)),
                Some(x) if k < keys.len() => {
                    check_value(&keys[k], x).map_err(|e| format!("{path}:{}:{col}: {e}", i + 1))?;
                    row.push(x);
                }
                Some(_) => {}
            }
            col += cell.chars().count() + 1;
        }
        rows.push(row);
        if rows.len() > MAX_SETS {
            return Err(format!("{path}: more than {MAX_SETS} parameter sets"));
        }
    }
    if rows.is_empty() {
        return Err(format!("{path}: no parameter sets (the calibration ruled every point out?)"));
    }
    Ok(ParameterSets { keys, rows })
}
