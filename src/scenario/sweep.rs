//! The `[sweep]` table: parsed from the located tree and checked against the validated
//! base scenario, so every listed value and both ends of every range are known to be
//! valid settings of their key before anything runs.

use super::Scenario;
use super::error::ScenarioError;
use super::source::{Entry, Loc, Node, Table};
use crate::params::spec::{ParamValue, RawValue};
use crate::params::sweep::{Design, Domain, SOBOL_MAX_DIMS as MAX_DIMS, SweepParam, SweepSpec};

const KEYS: &str = "design, points, seed, levels, parameters";
const VALUE_FORMS: &str = "a list of values, { first, step, last } or { lower, upper }";
/// Most points (design rows) a sweep may have.
pub const MAX_ROWS: u64 = 100_000_000;
/// Most runs (points × replications) a sweep may have.
pub const MAX_RUNS: u64 = 1_000_000_000;
/// Most values `{ first, step, last }` may expand to.
const MAX_STEPS: f64 = 1_000_000.0;

/// Parse `[sweep]`; errors are pushed, and `None` is returned when there were any.
pub(super) fn parse(entry: &Entry, base: &Scenario, errors: &mut Vec<ScenarioError>) -> Option<SweepSpec> {
    let before = errors.len();
    let Node::Table(table) = &entry.node else {
        errors.push(err(&entry.value_loc, "sweep", format!("expected a table, found {}", entry.node.type_name())));
        return None;
    };
    let mut design = None;
    let mut points: Option<(u32, &Entry)> = None;
    let mut seed = 1u64;
    let mut levels: Option<(u32, &Entry)> = None;
    let mut params = Vec::new();
    let mut params_entry = None;
    for (key, e) in table {
        let dotted = format!("sweep.{key}");
        match key.as_str() {
            "design" => design = scalar::<Design>(e, &dotted, errors),
            "points" => points = whole(e, &dotted, 1, u32::MAX as u64, errors).map(|n| (n as u32, e)),
            "seed" => seed = whole(e, &dotted, 0, i64::MAX as u64, errors).unwrap_or(seed),
            "levels" => match whole(e, &dotted, 2, 1000, errors) {
                Some(n) if n % 2 == 1 => {
                    errors.push(err(&e.value_loc, &dotted, format!("{n} levels: Morris levels must be even (e.g. 4)")))
                }
                Some(n) => levels = Some((n as u32, e)),
                None => {}
            },
            "parameters" => {
                params_entry = Some(e);
                match &e.node {
                    Node::Table(t) => collect_parameters("", t, base, &mut params, errors),
                    other => errors.push(err(
                        &e.value_loc,
                        &dotted,
                        format!("expected a table of dotted keys ([sweep.parameters]), found {}", other.type_name()),
                    )),
                }
            }
            _ => errors.push(err(&e.key_loc, &dotted, format!("unknown key in [sweep]; allowed keys: {KEYS}"))),
        }
    }
    let Some(design) = design else {
        if !table.contains_key("design") {
            errors.push(err(
                &entry.key_loc,
                "sweep.design",
                format!("missing; [sweep] needs design = {}", quoted(Design::CHOICES)),
            ));
        }
        return None;
    };
    match (design, points) {
        (Design::Grid, Some((_, e))) => errors.push(err(
            &e.key_loc,
            "sweep.points",
            "a grid has one point per combination of values; remove `points` (it is for lhs, sobol and morris)",
        )),
        (Design::Lhs | Design::Sobol | Design::Morris, None) if !table.contains_key("points") => {
            let what = match design {
                Design::Lhs => "the number of points",
                Design::Sobol => "the number of base samples (runs = points × (parameters + 2); a power of 2 is best)",
                _ => "the number of trajectories (runs = points × (parameters + 1))",
            };
            errors.push(err(
                &entry.key_loc,
                "sweep.points",
                format!("missing; the {} design needs {what}", design.as_str()),
            ))
        }
        _ => {}
    }
    if let (Some((_, e)), false) = (levels, design == Design::Morris) {
        errors.push(err(&e.key_loc, "sweep.levels", "`levels` is only used by the morris design"));
    }
    match params_entry {
        None => errors.push(err(
            &entry.key_loc,
            "sweep.parameters",
            "missing; add [sweep.parameters] with at least one dotted key, e.g. \
             \"policy.supervision_quality\" = { lower = 0.1, upper = 0.9 }",
        )),
        Some(e) if params.is_empty() && errors.len() == before => {
            errors.push(err(&e.value_loc, "sweep.parameters", "no parameters; add at least one dotted key"))
        }
        _ => {}
    }
    if design == Design::Grid {
        for (p, loc) in &params {
            if matches!(p.domain, Domain::Range { .. }) {
                errors.push(err(
                    loc,
                    &p.key,
                    "a grid needs a list or { first, step, last }; { lower, upper } is for lhs, sobol and morris",
                ));
            }
        }
    }
    if design == Design::Sobol && 2 * params.len() > MAX_DIMS {
        errors.push(err(
            &entry.key_loc,
            "sweep.parameters",
            format!("{} parameters; the sobol design supports at most {}", params.len(), MAX_DIMS / 2),
        ));
    }
    if errors.len() > before {
        return None;
    }
    params.sort_by(|(_, a), (_, b)| (a.file.path.as_path(), a.offset).cmp(&(b.file.path.as_path(), b.offset)));
    let spec = SweepSpec {
        design,
        points: points.map_or(0, |p| p.0),
        seed,
        levels: levels.map_or(4, |l| l.0),
        parameters: params.into_iter().map(|(p, _)| p).collect(),
    };
    if spec.design_rows() > MAX_ROWS {
        errors.push(err(
            &entry.key_loc,
            "sweep",
            if spec.design_rows() == u64::MAX {
                format!("more than {} points (the count overflows); at most {MAX_ROWS} are supported", u64::MAX)
            } else {
                format!("{} points; at most {MAX_ROWS} are supported", spec.design_rows())
            },
        ));
        return None;
    }
    let runs = spec.design_rows().saturating_mul(base.run.replications as u64);
    if runs > MAX_RUNS {
        errors.push(err(
            &entry.key_loc,
            "sweep",
            format!(
                "{} points × {} replications = {runs} runs; at most {MAX_RUNS} runs are supported",
                spec.design_rows(),
                base.run.replications
            ),
        ));
        return None;
    }
    Some(spec)
}

pub(super) fn err(loc: &Loc, key: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::at(loc.clone(), Some(key.to_string()), message)
}

fn quoted(choices: &[&str]) -> String {
    choices.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(" | ")
}

pub(super) fn scalar<T: ParamValue>(e: &Entry, key: &str, errors: &mut Vec<ScenarioError>) -> Option<T> {
    let Node::Scalar(raw) = &e.node else {
        errors.push(err(&e.value_loc, key, format!("expected {}, found {}", T::EXPECTED, e.node.type_name())));
        return None;
    };
    T::from_raw(raw).map_err(|x| errors.push(err(&e.value_loc, key, x.to_string()))).ok()
}

pub(super) fn whole(e: &Entry, key: &str, lo: u64, hi: u64, errors: &mut Vec<ScenarioError>) -> Option<u64> {
    let n = scalar::<u64>(e, key, errors)?;
    if n < lo || n > hi {
        errors.push(err(&e.value_loc, key, format!("value {n} is out of range; allowed: {lo} to {hi}")));
        return None;
    }
    Some(n)
}

pub(super) fn number(e: &Entry) -> Option<f64> {
    match &e.node {
        Node::Scalar(RawValue::Int(i)) => Some(*i as f64),
        Node::Scalar(RawValue::Float(x)) if x.is_finite() => Some(*x),
        _ => None,
    }
}

/// The entries of a parameters table (`[sweep.parameters]`, `[calibration.parameters]`)
/// by dotted key, each with the reference entry of its key: nested tables written without
/// quotes are flattened (`policy.x = ...` is the table `policy` holding `x`) unless they
/// hold one of `form_keys` (then they are a value form, e.g. `{ lower, upper }`). A key a
/// sweep may not vary is an error at the key.
pub(super) fn dotted_parameters<'a>(
    prefix: &str,
    table: &'a Table,
    base: &Scenario,
    form_keys: &[&str],
    errors: &mut Vec<ScenarioError>,
) -> Vec<(String, &'a Entry, crate::params::spec::ParamSpec)> {
    let mut out = Vec::new();
    for (k, e) in table {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        if let Node::Table(t) = &e.node
            && !t.keys().any(|k| form_keys.contains(&k.as_str()))
            && !t.is_empty()
        {
            out.extend(dotted_parameters(&key, t, base, form_keys, errors));
            continue;
        }
        match base.sweepable_spec(&key) {
            Ok(spec) => out.push((key, e, spec)),
            Err(m) => errors.push(err(&e.key_loc, &key, m)),
        }
    }
    out
}

/// Collect `[sweep.parameters]`, flattening nested tables written without quotes
/// (`policy.x = ...` is the table `policy` holding `x`).
fn collect_parameters(
    prefix: &str,
    table: &Table,
    base: &Scenario,
    out: &mut Vec<(SweepParam, Loc)>,
    errors: &mut Vec<ScenarioError>,
) {
    const FORM_KEYS: [&str; 5] = ["first", "step", "last", "lower", "upper"];
    for (key, e, spec) in dotted_parameters(prefix, table, base, &FORM_KEYS, errors) {
        let integer = spec.expected == u32::EXPECTED;
        let numeric = spec.expected == f64::EXPECTED || integer;
        let check = |v: &RawValue, loc: &Loc, errors: &mut Vec<ScenarioError>| {
            let mut s = base.clone();
            match s.set_dotted(&key, v).and_then(|()| s.changes_beyond_run().map_or(Ok(()), Err)) {
                Ok(()) => true,
                Err(m) => {
                    errors.push(err(loc, &key, m));
                    false
                }
            }
        };
        let domain = match &e.node {
            Node::Array(items) if items.is_empty() => {
                errors.push(err(&e.value_loc, &key, "empty list; give at least one value"));
                continue;
            }
            Node::Array(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    match &item.node {
                        Node::Scalar(v) if check(v, &item.value_loc, errors) => values.push(v.clone()),
                        Node::Scalar(_) => {}
                        other => errors.push(err(
                            &item.value_loc,
                            &key,
                            format!("expected {}, found {}", spec.expected, other.type_name()),
                        )),
                    }
                }
                Domain::Values(values)
            }
            Node::Table(t) => {
                let has = |k: &str| t.contains_key(k);
                let range = has("lower") || has("upper");
                let steps = has("first") || has("step") || has("last");
                let wanted: &[&str] = if range { &["lower", "upper"] } else { &["first", "step", "last"] };
                let mut bad = false;
                for (k, v) in t {
                    if !wanted.contains(&k.as_str()) {
                        let m = if range && steps {
                            "use either { lower, upper } or { first, step, last }, not both".to_string()
                        } else {
                            format!("unknown key; expected {VALUE_FORMS}")
                        };
                        errors.push(err(&v.key_loc, &format!("{key}.{k}"), m));
                        bad = true;
                    } else if number(v).is_none() {
                        errors.push(err(
                            &v.value_loc,
                            &format!("{key}.{k}"),
                            format!("expected a number, found {}", v.node.type_name()),
                        ));
                        bad = true;
                    }
                }
                for w in wanted {
                    if !has(w) {
                        errors.push(err(
                            &e.value_loc,
                            &key,
                            format!("missing `{w}`; write {{ {} }}", wanted.join(", ")),
                        ));
                        bad = true;
                    }
                }
                if bad {
                    continue;
                }
                if !numeric {
                    errors.push(err(
                        &e.value_loc,
                        &key,
                        format!("`{key}` takes {}; list its values instead (e.g. [..., ...])", spec.expected),
                    ));
                    continue;
                }
                let as_raw = |x: f64| if integer { RawValue::Int(x.round() as i64) } else { RawValue::Float(x) };
                if range {
                    let (lower, upper) = (number(&t["lower"]).unwrap(), number(&t["upper"]).unwrap());
                    if lower > upper {
                        errors.push(err(
                            &t["lower"].value_loc,
                            &key,
                            format!("lower ({lower}) is above upper ({upper})"),
                        ));
                        continue;
                    }
                    let ok_lo = check(&as_raw(lower), &t["lower"].value_loc, errors);
                    let ok_hi = check(&as_raw(upper), &t["upper"].value_loc, errors);
                    if !(ok_lo && ok_hi) {
                        continue;
                    }
                    Domain::Range { lower, upper, integer }
                } else {
                    let (first, step, last) =
                        (number(&t["first"]).unwrap(), number(&t["step"]).unwrap(), number(&t["last"]).unwrap());
                    if step <= 0.0 {
                        errors.push(err(&t["step"].value_loc, &key, format!("step ({step}) must be above 0")));
                        continue;
                    }
                    if first > last {
                        errors.push(err(
                            &t["first"].value_loc,
                            &key,
                            format!("first ({first}) is above last ({last})"),
                        ));
                        continue;
                    }
                    let count = ((last - first) / step + 1e-9).floor() + 1.0;
                    if count > MAX_STEPS {
                        errors.push(err(
                            &e.value_loc,
                            &key,
                            format!("{count} values; at most {MAX_STEPS} are allowed"),
                        ));
                        continue;
                    }
                    let all_int =
                        ["first", "step", "last"].iter().all(|k| matches!(t[*k].node, Node::Scalar(RawValue::Int(_))));
                    let values: Vec<RawValue> = (0..count as usize)
                        .map(|i| {
                            let x = first + i as f64 * step;
                            if all_int { RawValue::Int(x as i64) } else { RawValue::Float(x) }
                        })
                        .collect();
                    let ok_first = check(&values[0], &t["first"].value_loc, errors);
                    let ok_last = check(values.last().expect("at least one"), &t["last"].value_loc, errors);
                    if !(ok_first && ok_last) {
                        continue;
                    }
                    Domain::Values(values)
                }
            }
            other => {
                errors.push(err(&e.value_loc, &key, format!("expected {VALUE_FORMS}, found {}", other.type_name())));
                continue;
            }
        };
        if out.iter().any(|(p, _)| p.key == key) {
            errors.push(err(&e.key_loc, &key, "swept twice; give each key once"));
            continue;
        }
        out.push((SweepParam { key, domain }, e.key_loc.clone()));
    }
}
