//! The `[calibration]` table: parsed from the located tree and checked against the
//! validated base scenario (every parameter a key a sweep may vary, both ends of its range
//! valid settings of it; every target a known summary metric with a positive uncertainty;
//! every target scenario a file that exists), with file:line:column errors.

use std::path::PathBuf;

use super::Scenario;
use super::error::ScenarioError;
use super::source::{Entry, Loc, Node, Table};
use super::sweep::{dotted_parameters, err, number, scalar, whole};
use crate::params::calibration::{CalParam, CalTarget, CalibrationSpec, Scale, Use};
use crate::params::spec::{ParamValue, RawValue};

const KEYS: &str = "waves, points, cutoff, seed, discrepancy, stop_below, rule_out_by, parameters, target";
const PARAM_KEYS: &str = "lower, upper, scale";
const TARGET_KEYS: &str = "metric, value, sd, range, source, scenario, use, discrepancy_sd";
/// Most waves.
pub const MAX_WAVES: u64 = 50;
/// Most points per wave.
pub const MAX_POINTS: u64 = 1_000_000;

/// Parse `[calibration]`; errors are pushed, and `None` is returned when there were any.
pub(super) fn parse(entry: &Entry, base: &Scenario, errors: &mut Vec<ScenarioError>) -> Option<CalibrationSpec> {
    let before = errors.len();
    let Node::Table(table) = &entry.node else {
        errors.push(err(
            &entry.value_loc,
            "calibration",
            format!("expected a table, found {}", entry.node.type_name()),
        ));
        return None;
    };
    let mut spec = CalibrationSpec {
        waves: CalibrationSpec::WAVES,
        points: CalibrationSpec::POINTS,
        cutoff: CalibrationSpec::CUTOFF,
        seed: 1,
        discrepancy: CalibrationSpec::DISCREPANCY,
        stop_below: CalibrationSpec::STOP_BELOW,
        second_largest: true,
        parameters: Vec::new(),
        targets: Vec::new(),
    };
    let mut params: Vec<(CalParam, Loc)> = Vec::new();
    let mut targets: Vec<(Option<f64>, CalTarget, Loc)> = Vec::new();
    let (mut params_entry, mut targets_entry) = (None, None);
    for (key, e) in table {
        let dotted = format!("calibration.{key}");
        match key.as_str() {
            "waves" => spec.waves = whole(e, &dotted, 1, MAX_WAVES, errors).map_or(spec.waves, |n| n as u32),
            "points" => spec.points = whole(e, &dotted, 2, MAX_POINTS, errors).map_or(spec.points, |n| n as u32),
            "seed" => spec.seed = whole(e, &dotted, 0, i64::MAX as u64, errors).unwrap_or(spec.seed),
            "cutoff" => spec.cutoff = positive(e, &dotted, 0.0, 100.0, false, errors).unwrap_or(spec.cutoff),
            "discrepancy" => {
                spec.discrepancy = positive(e, &dotted, 0.0, 100.0, true, errors).unwrap_or(spec.discrepancy)
            }
            "stop_below" => spec.stop_below = positive(e, &dotted, 0.0, 1.0, true, errors).unwrap_or(spec.stop_below),
            "rule_out_by" => match &e.node {
                Node::Scalar(RawValue::Str(v)) if v == "second_largest" => spec.second_largest = true,
                Node::Scalar(RawValue::Str(v)) if v == "largest" => spec.second_largest = false,
                other => errors.push(err(
                    &e.value_loc,
                    &dotted,
                    format!(
                        "expected \"second_largest\" (the default: with 5 or more fitted targets a point is judged by \
                         its second-largest implausibility) or \"largest\", found {}",
                        match other {
                            Node::Scalar(v) => v.to_string(),
                            o => o.type_name().to_string(),
                        }
                    ),
                )),
            },
            "parameters" => {
                params_entry = Some(e);
                match &e.node {
                    Node::Table(t) => collect_parameters("", t, base, &mut params, errors),
                    other => errors.push(err(
                        &e.value_loc,
                        &dotted,
                        format!(
                            "expected a table of dotted keys ([calibration.parameters]), found {}",
                            other.type_name()
                        ),
                    )),
                }
            }
            "target" => {
                targets_entry = Some(e);
                match &e.node {
                    Node::Array(items) => {
                        for (i, item) in items.iter().enumerate() {
                            if let Some(t) = parse_target(item, i + 1, errors) {
                                targets.push((t.0, t.1, item.value_loc.clone()));
                            }
                        }
                    }
                    other => errors.push(err(
                        &e.value_loc,
                        &dotted,
                        format!("expected an array of tables ([[calibration.target]]), found {}", other.type_name()),
                    )),
                }
            }
            _ => errors.push(err(&e.key_loc, &dotted, format!("unknown key in [calibration]; allowed keys: {KEYS}"))),
        }
    }
    match params_entry {
        None => errors.push(err(
            &entry.key_loc,
            "calibration.parameters",
            "missing; add [calibration.parameters] with at least one dotted key, e.g. \
             \"behaviour.burnout_rate\" = { lower = 0.01, upper = 0.1 }",
        )),
        Some(e) if params.is_empty() && errors.len() == before => {
            errors.push(err(&e.value_loc, "calibration.parameters", "no parameters; add at least one"))
        }
        _ => {}
    }
    match targets_entry {
        None => errors.push(err(
            &entry.key_loc,
            "calibration.target",
            "missing; add at least one [[calibration.target]] with metric, value and sd (or range) and source",
        )),
        Some(e) if errors.len() == before && !targets.iter().any(|t| t.1.use_ == Use::Fit) => errors.push(err(
            &e.value_loc,
            "calibration.target",
            "no target is used for fitting (every one has use = \"validate\"); at least one must rule points out",
        )),
        _ => {}
    }
    if errors.len() > before {
        return None;
    }
    params.sort_by(|(_, a), (_, b)| (a.file.path.as_path(), a.offset).cmp(&(b.file.path.as_path(), b.offset)));
    targets.sort_by(|(_, _, a), (_, _, b)| (a.file.path.as_path(), a.offset).cmp(&(b.file.path.as_path(), b.offset)));
    spec.parameters = params.into_iter().map(|p| p.0).collect();
    spec.targets = targets
        .into_iter()
        .map(|(disc, mut t, _)| {
            t.discrepancy_sd = disc.unwrap_or(spec.discrepancy * t.sd);
            t
        })
        .collect();
    Some(spec)
}

/// A number in (lo, hi] (or [lo, hi] with `zero_ok`).
fn positive(e: &Entry, key: &str, lo: f64, hi: f64, zero_ok: bool, errors: &mut Vec<ScenarioError>) -> Option<f64> {
    let Some(x) = number(e) else {
        errors.push(err(&e.value_loc, key, format!("expected a number, found {}", e.node.type_name())));
        return None;
    };
    if x < lo || x > hi || (!zero_ok && x <= lo) {
        let low = if zero_ok { format!("{lo}") } else { format!("above {lo}") };
        errors.push(err(&e.value_loc, key, format!("value {x} is out of range; allowed: {low} to {hi}")));
        return None;
    }
    Some(x)
}

/// Collect `[calibration.parameters]` (nested tables written without quotes flatten to
/// dotted keys, as in `[sweep.parameters]`).
fn collect_parameters(
    prefix: &str,
    table: &Table,
    base: &Scenario,
    out: &mut Vec<(CalParam, Loc)>,
    errors: &mut Vec<ScenarioError>,
) {
    const FORM_KEYS: [&str; 3] = ["lower", "upper", "scale"];
    for (key, e, spec) in dotted_parameters(prefix, table, base, &FORM_KEYS, errors) {
        let integer = spec.expected == u32::EXPECTED;
        if spec.expected != f64::EXPECTED && !integer {
            errors.push(err(
                &e.key_loc,
                &key,
                format!("`{key}` takes {}; calibration varies numbers only", spec.expected),
            ));
            continue;
        }
        let Node::Table(t) = &e.node else {
            errors.push(err(
                &e.value_loc,
                &key,
                format!("expected {{ lower, upper }} (optionally scale = \"log\"), found {}", e.node.type_name()),
            ));
            continue;
        };
        let mut bad = false;
        for (name, v) in t {
            if !FORM_KEYS.contains(&name.as_str()) {
                errors.push(err(&v.key_loc, &format!("{key}.{name}"), format!("unknown key; allowed: {PARAM_KEYS}")));
                bad = true;
            } else if name != "scale" && number(v).is_none() {
                errors.push(err(
                    &v.value_loc,
                    &format!("{key}.{name}"),
                    format!("expected a number, found {}", v.node.type_name()),
                ));
                bad = true;
            }
        }
        for w in ["lower", "upper"] {
            if !t.contains_key(w) {
                errors.push(err(&e.value_loc, &key, format!("missing `{w}`; write {{ lower, upper }}")));
                bad = true;
            }
        }
        let scale = match t.get("scale") {
            Some(s) => match scalar::<Scale>(s, &format!("{key}.scale"), errors) {
                Some(x) => x,
                None => continue,
            },
            None => Scale::Linear,
        };
        if bad {
            continue;
        }
        let (lower, upper) = (number(&t["lower"]).unwrap(), number(&t["upper"]).unwrap());
        if lower >= upper {
            errors.push(err(
                &t["lower"].value_loc,
                &key,
                format!("lower ({lower}) must be below upper ({upper}); a calibrated parameter needs a range"),
            ));
            continue;
        }
        if integer && (lower.fract() != 0.0 || upper.fract() != 0.0) {
            let (w, x) = if lower.fract() != 0.0 { ("lower", lower) } else { ("upper", upper) };
            errors.push(err(&t[w].value_loc, &key, format!("takes whole numbers; {w} ({x}) must be one too")));
            continue;
        }
        if scale == Scale::Log && lower <= 0.0 {
            errors.push(err(
                &t["lower"].value_loc,
                &key,
                format!("lower ({lower}) must be above 0 with scale = \"log\""),
            ));
            continue;
        }
        let raw = |x: f64| if integer { RawValue::Int(x.round() as i64) } else { RawValue::Float(x) };
        let mut ok = true;
        for (w, x) in [("lower", lower), ("upper", upper)] {
            let mut s = base.clone();
            if let Err(m) = s.set_dotted(&key, &raw(x)) {
                errors.push(err(&t[w].value_loc, &key, m));
                ok = false;
            }
        }
        if !ok {
            continue;
        }
        if out.iter().any(|(p, _)| p.key == key) {
            errors.push(err(&e.key_loc, &key, "calibrated twice; give each key once"));
            continue;
        }
        out.push((CalParam { key, lower, upper, scale, integer }, e.key_loc.clone()));
    }
}

/// One `[[calibration.target]]`; returns its explicit discrepancy sd (if any) and the
/// target (discrepancy filled in later from the table's default).
fn parse_target(item: &Entry, n: usize, errors: &mut Vec<ScenarioError>) -> Option<(Option<f64>, CalTarget)> {
    let before = errors.len();
    let name = format!("calibration.target[{n}]");
    let Node::Table(t) = &item.node else {
        errors.push(err(&item.value_loc, &name, format!("expected a table, found {}", item.node.type_name())));
        return None;
    };
    let key = |k: &str| format!("{name}.{k}");
    for (k, v) in t {
        if !TARGET_KEYS.split(", ").any(|x| x == k) {
            errors.push(err(&v.key_loc, &key(k), format!("unknown key; allowed: {TARGET_KEYS}")));
        }
    }
    let string = |k: &str, errors: &mut Vec<ScenarioError>| -> Option<String> {
        let v = t.get(k)?;
        match &v.node {
            Node::Scalar(RawValue::Str(s)) => Some(s.clone()),
            other => {
                errors.push(err(&v.value_loc, &key(k), format!("expected a string, found {}", other.type_name())));
                None
            }
        }
    };
    let metric = string("metric", errors);
    match (&metric, t.get("metric")) {
        (None, None) => errors.push(err(&item.value_loc, &key("metric"), "missing; name a summary.csv metric")),
        (Some(m), Some(v)) if crate::metrics::defs::find(m).is_none() => errors.push(err(
            &v.value_loc,
            &key("metric"),
            format!("unknown metric \"{m}\"; the summary.csv metrics are listed in docs/metrics.md (`spsim metrics`)"),
        )),
        _ => {}
    }
    let num = |k: &str, errors: &mut Vec<ScenarioError>| -> Option<f64> {
        let v = t.get(k)?;
        let x = number(v);
        if x.is_none() {
            errors.push(err(&v.value_loc, &key(k), format!("expected a finite number, found {}", v.node.type_name())));
        }
        x
    };
    let value = num("value", errors);
    let sd = num("sd", errors);
    let range = match t.get("range") {
        None => None,
        Some(v) => match &v.node {
            Node::Array(items) if items.len() == 2 && items.iter().all(|i| number(i).is_some()) => {
                let (a, b) = (number(&items[0]).unwrap(), number(&items[1]).unwrap());
                if a >= b {
                    errors.push(err(
                        &v.value_loc,
                        &key("range"),
                        format!("range [{a}, {b}]: the first must be below the second"),
                    ));
                    None
                } else {
                    Some((a, b))
                }
            }
            _ => {
                errors.push(err(&v.value_loc, &key("range"), "expected two numbers, [low, high]"));
                None
            }
        },
    };
    if let (Some(_), Some(_)) = (t.get("sd"), t.get("range")) {
        errors.push(err(&t["range"].key_loc, &key("range"), "give either sd or range, not both"));
    }
    if let (Some(s), Some(v)) = (sd, t.get("sd"))
        && s <= 0.0
    {
        errors.push(err(&v.value_loc, &key("sd"), format!("sd ({s}) must be above 0")));
    }
    if t.get("sd").is_none() && t.get("range").is_none() {
        errors.push(err(&item.value_loc, &name, "give the figure's uncertainty: sd = ... or range = [low, high]"));
    }
    if t.get("value").is_none() && t.get("range").is_none() {
        errors.push(err(&item.value_loc, &key("value"), "missing; give value = ... (or a range)"));
    }
    if let (Some(x), Some((a, b)), Some(v)) = (value, range, t.get("value"))
        && (x < a || x > b)
    {
        errors.push(err(&v.value_loc, &key("value"), format!("value {x} is outside its range [{a}, {b}]")));
    }
    let disc = num("discrepancy_sd", errors);
    if let (Some(d), Some(v)) = (disc, t.get("discrepancy_sd"))
        && d < 0.0
    {
        errors.push(err(&v.value_loc, &key("discrepancy_sd"), format!("discrepancy_sd ({d}) must be 0 or above")));
    }
    let source = string("source", errors);
    match (&source, t.get("source")) {
        (None, None) => errors.push(err(&item.value_loc, &key("source"), "missing; say where the figure comes from")),
        (Some(s), Some(v)) if s.trim().is_empty() => {
            errors.push(err(&v.value_loc, &key("source"), "empty; say where the figure comes from"))
        }
        _ => {}
    }
    let scenario = string("scenario", errors).and_then(|s| {
        let v = &t["scenario"];
        let path = resolve(&v.value_loc, &s);
        if path.is_file() {
            Some(path)
        } else {
            errors.push(err(
                &v.value_loc,
                &key("scenario"),
                format!("scenario file {} does not exist (paths are relative to this file)", path.display()),
            ));
            None
        }
    });
    let use_ = match t.get("use") {
        Some(v) => scalar::<Use>(v, &key("use"), errors).unwrap_or(Use::Fit),
        None => Use::Fit,
    };
    if errors.len() > before {
        return None;
    }
    let (value, sd) = match range {
        Some((a, b)) => (value.unwrap_or((a + b) / 2.0), (b - a) / 4.0),
        None => (value.expect("checked"), sd.expect("checked")),
    };
    Some((
        disc,
        CalTarget {
            metric: metric.expect("checked"),
            value,
            sd,
            range,
            discrepancy_sd: 0.0,
            source: source.expect("checked"),
            scenario,
            use_,
        },
    ))
}

/// A path written in a file, relative to that file's folder.
fn resolve(loc: &Loc, written: &str) -> PathBuf {
    let p = PathBuf::from(written);
    if p.is_absolute() {
        return p;
    }
    match loc.file.path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(p),
        _ => p,
    }
}
