//! `[[change]]` tables: policy changes scheduled for a reported week. Each table has
//! `week = N` (numbered as in `weekly.csv`, from 1) and dotted keys with their new
//! values, which take effect from the start of that week on:
//!
//! ```toml
//! [[change]]
//! week = 105                                  # the start of year 3
//! policy.caseload_target_per_year = 300
//! "region[1].statutory_pressure" = 0.8
//! ```
//!
//! Keys are checked like sweep keys (type, range, rules between keys once every change up
//! to that week has been applied); keys that only shape the world when it is built
//! ([`fixed_keys`]) or the run itself (`run.*`) cannot change mid-run.

use super::Scenario;
use super::error::ScenarioError;
use super::source::{Entry, Loc, Node, Table};
use crate::params::spec::RawValue;

/// One `[[change]]` table: from reported week `week` on, every `(key, value)` holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeSet {
    /// Reported week (1 = the first week after the warm-up) the change takes effect.
    pub week: u32,
    /// Dotted keys and their new values, in file order.
    pub sets: Vec<(String, RawValue)>,
}

/// Keys that are read only when the world is built, so changing them mid-run would do
/// nothing (or would need agents the run does not have): (`table.key`, why), from the
/// `fixed` marks on the parameters' own declarations (`src/params/mod.rs`).
pub fn fixed_keys() -> Vec<(String, &'static str)> {
    use crate::params::spec::ParamTable;
    use crate::params::{Behaviour, Funding, Policy, RegionSpec};
    let table = |name: &str, specs: Vec<crate::params::spec::ParamSpec>| {
        specs.into_iter().filter_map(|p| p.fixed.map(|why| (format!("{name}.{}", p.key), why))).collect::<Vec<_>>()
    };
    [
        table(RegionSpec::TABLE, RegionSpec::specs()),
        table(Policy::TABLE, Policy::specs()),
        table(Funding::TABLE, Funding::specs()),
        table(Behaviour::TABLE, Behaviour::specs()),
    ]
    .concat()
}

/// Why `key` (a dotted scenario key) cannot change mid-run, if it cannot.
pub fn fixed_reason(key: &str) -> Option<String> {
    let (table, field) = key.split_once('.')?;
    if table == "run" {
        return Some(format!("`{key}` describes the run itself and cannot change mid-run"));
    }
    if table == "costs" {
        return Some(format!(
            "`{key}` cannot change mid-run: unit costs hold for the whole run (compare scenarios with other costs \
             instead)"
        ));
    }
    let table = if table.starts_with("region") { "region" } else { table };
    let general = format!("{table}.{field}");
    fixed_keys()
        .into_iter()
        .find(|(k, _)| *k == general)
        .map(|(_, why)| format!("`{key}` cannot change mid-run: it {why}"))
}

/// Parse every `[[change]]` table against the validated scenario `base`; errors are
/// pushed (located), and the changes returned when there were none.
/// The reported weeks of the longest run a `[sweep]` table asks for through `run.years`
/// (a list, or a range's upper end), if it sweeps it; values that are not numbers are
/// left to the sweep's own checks.
pub(super) fn longest_swept_weeks(sweep: Option<&Entry>) -> Option<u32> {
    let Node::Table(t) = &sweep?.node else { return None };
    let Node::Table(params) = &t.get("parameters")?.node else { return None };
    let number = |e: &Entry| match &e.node {
        Node::Scalar(RawValue::Int(i)) => Some(*i as f64),
        Node::Scalar(RawValue::Float(x)) if x.is_finite() => Some(*x),
        _ => None,
    };
    let years: Vec<f64> = match &params.get("run.years")?.node {
        Node::Array(items) => items.iter().filter_map(number).collect(),
        Node::Table(range) => range.get("upper").and_then(number).into_iter().collect(),
        _ => Vec::new(),
    };
    years.into_iter().filter(|y| *y > 0.0 && *y <= 1000.0).map(|y| (y * 52.0).round().max(1.0) as u32).max()
}

/// `longest_swept` is the reported weeks of the longest swept run (see
/// [`longest_swept_weeks`]): a change may fall after the base run when a swept run reaches
/// it (the sweep then refuses any point that ends before it, with its location).
pub(super) fn parse(
    entry: &Entry,
    base: &Scenario,
    longest_swept: Option<u32>,
    errors: &mut Vec<ScenarioError>,
) -> Vec<ChangeSet> {
    let before = errors.len();
    let items = match &entry.node {
        Node::Array(items) => items,
        other => {
            errors.push(err(
                &entry.value_loc,
                "change",
                format!("expected an array of tables ([[change]]), found {}", other.type_name()),
            ));
            return Vec::new();
        }
    };
    let weeks = base.reported_weeks().max(longest_swept.unwrap_or(0));
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let name = format!("change[{}]", i + 1);
        let Node::Table(table) = &item.node else {
            errors.push(err(&item.value_loc, &name, format!("expected a table, found {}", item.node.type_name())));
            continue;
        };
        let week = match table.get("week") {
            None => {
                errors.push(err(
                    &item.value_loc,
                    &format!("{name}.week"),
                    format!("missing; every [[change]] needs week = N (reported week, 1 to {weeks})"),
                ));
                None
            }
            Some(e) => match &e.node {
                Node::Scalar(RawValue::Int(w)) if *w >= 1 && *w <= weeks as i64 => Some(*w as u32),
                Node::Scalar(RawValue::Int(w)) => {
                    errors.push(err(
                        &e.value_loc,
                        &format!("{name}.week"),
                        format!(
                            "week {w} is outside the run; allowed: 1 to {weeks} (reported weeks, numbered as in \
                             weekly.csv; the warm-up cannot be changed)"
                        ),
                    ));
                    None
                }
                other => {
                    errors.push(err(
                        &e.value_loc,
                        &format!("{name}.week"),
                        format!("expected a whole number, found {}", other.type_name()),
                    ));
                    None
                }
            },
        };
        let mut sets = Vec::new();
        collect("", table, &name, &mut sets, errors);
        if sets.is_empty() && errors.len() == before {
            errors.push(err(&item.value_loc, &name, "changes nothing; add dotted keys with new values"));
        }
        for (n, (key, _, key_loc, _)) in sets.iter().enumerate() {
            if sets[..n].iter().any(|(k, ..)| k == key) {
                errors.push(err(key_loc, key, format!("set twice in {name}; give each key once")));
            }
        }
        for (key, value, key_loc, value_loc) in &sets {
            if let Some(why) = fixed_reason(key) {
                errors.push(err(key_loc, key, why));
            } else if let Err(m) = base.sweepable_spec(key) {
                errors.push(err(key_loc, key, m));
            } else if let Err(m) = base.clone().set_dotted(key, value) {
                errors.push(err(value_loc, key, m));
            }
        }
        if let Some(week) = week {
            out.push((
                ChangeSet { week, sets: sets.iter().map(|(k, v, _, _)| (k.clone(), v.clone())).collect() },
                item,
            ));
        }
    }
    // The same key changed twice in one week (in two tables, perhaps one inherited through
    // `extends`): which value holds would depend on the order of the tables.
    for (j, (c, item)) in out.iter().enumerate() {
        for (i, (earlier, _)) in out[..j].iter().enumerate() {
            if earlier.week != c.week {
                continue;
            }
            for (k, _) in &c.sets {
                if earlier.sets.iter().any(|(e, _)| e == k) {
                    let Node::Table(t) = &item.node else { continue };
                    let loc = key_loc_in(t, k).unwrap_or_else(|| item.value_loc.clone());
                    errors.push(err(
                        &loc,
                        k,
                        format!(
                            "change[{}] and change[{}] both set it at week {} (a scenario's [[change]] tables \
                             come after those of the file it extends); set it once a week",
                            i + 1,
                            j + 1,
                            c.week
                        ),
                    ));
                }
            }
        }
    }
    if errors.len() > before {
        return Vec::new();
    }
    // Rules between keys must hold in every period.
    let mut state = base.clone();
    state.changes = out.iter().map(|(c, _)| c.clone()).collect();
    for (i, message) in state.period_problems() {
        errors.push(err(&out[i].1.value_loc, &format!("change[{}]", i + 1), message));
    }
    out.into_iter().map(|(c, _)| c).collect()
}

/// Where dotted key `key` is written in a `[[change]]` table (quoted or as nested tables).
fn key_loc_in(table: &Table, key: &str) -> Option<Loc> {
    if let Some(e) = table.get(key) {
        return Some(e.key_loc.clone());
    }
    let (head, rest) = key.split_once('.')?;
    match &table.get(head)?.node {
        Node::Table(t) => key_loc_in(t, rest),
        _ => None,
    }
}

fn err(loc: &Loc, key: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::at(loc.clone(), Some(key.to_string()), message)
}

/// Flatten a `[[change]]` table's keys (nested tables written without quotes) into
/// dotted keys with their values; `week` is skipped.
fn collect(
    prefix: &str,
    table: &Table,
    name: &str,
    out: &mut Vec<(String, RawValue, Loc, Loc)>,
    errors: &mut Vec<ScenarioError>,
) {
    for (k, e) in table {
        if prefix.is_empty() && k == "week" {
            continue;
        }
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match &e.node {
            Node::Table(t) => collect(&key, t, name, out, errors),
            Node::Scalar(v) => out.push((key, v.clone(), e.key_loc.clone(), e.value_loc.clone())),
            other => errors.push(err(
                &e.value_loc,
                &key,
                format!("expected a single value for `{key}` in {name}, found {}", other.type_name()),
            )),
        }
    }
}
