//! The input boundary: the only module that knows TOML.
//!
//! [`load`] reads a scenario file and its `extends` chain ([`source`]), merges them, and
//! validates the result into a [`Scenario`] of plain parameter structs
//! ([`crate::params`]). Every problem becomes a [`ScenarioError`] naming file, line,
//! column, key and what is allowed; all problems are reported together.

mod calibration;
pub mod change;
pub mod design_file;
pub mod error;
pub mod source;
mod sweep;

pub use sweep::{MAX_ROWS as MAX_SWEEP_POINTS, MAX_RUNS as MAX_SWEEP_RUNS};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use error::{ScenarioError, ScenarioErrors};
use source::{Entry, Node};

use crate::params::calibration::CalibrationSpec;
use crate::params::spec::{ParamSpec, ParamTable, RawValue};
use crate::params::sweep::SweepSpec;
use crate::params::{Behaviour, Costs, Funding, Policy, RegionSpec, RunParams};

/// The top-level tables a scenario may contain.
pub const TOP_LEVEL_KEYS: &[&str] =
    &["extends", "run", "policy", "funding", "costs", "region", "behaviour", "change", "sweep", "calibration"];

/// Keys of `[run]` that a sweep may not vary: they name the run, set its random streams,
/// count its replications or change which metrics exist.
pub const UNSWEEPABLE_RUN_KEYS: &[&str] = &["name", "seed", "replications", "counterfactual"];

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// File it was loaded from.
    pub path: PathBuf,
    /// `[run]`.
    pub run: RunParams,
    /// `[policy]`.
    pub policy: Policy,
    /// `[funding]`.
    pub funding: Funding,
    /// `[costs]`.
    pub costs: Costs,
    /// `[behaviour]`.
    pub behaviour: Behaviour,
    /// `[[region]]` archetypes, in file order.
    pub regions: Vec<RegionSpec>,
    /// SHA-256 of the scenario file and every file it extends, in load order.
    pub source_hash: String,
    /// `[sweep]`, when the file describes a parameter sweep.
    pub sweep: Option<SweepSpec>,
    /// `[calibration]`, when the file describes a history matching.
    pub calibration: Option<CalibrationSpec>,
    /// Things about the files that are allowed but may surprise (printed by the commands).
    pub warnings: Vec<String>,
    /// `[[change]]` tables in file order: policy changes scheduled for a reported week.
    pub changes: Vec<change::ChangeSet>,
}

/// Load, merge and validate a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioErrors> {
    let source::Chain { tree, files, warnings } = source::load_chain(path)?;
    let mut hasher = Sha256::new();
    for f in &files {
        hasher.update(f.path.display().to_string().as_bytes());
        hasher.update([0]);
        hasher.update(f.text.as_bytes());
        hasher.update([0]);
    }
    let hash: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let mut s = validate(path, tree, hash)?;
    s.warnings = warnings;
    Ok(s)
}

/// Parse and validate scenario text that has no `extends` (tests, generated scenarios).
pub fn from_text(name: &Path, text: &str) -> Result<Scenario, ScenarioErrors> {
    let mut tree = source::parse_text(name, text.to_string())?;
    if let Some(e) = tree.remove("extends") {
        return Err(ScenarioError::at(
            e.key_loc,
            Some("extends".into()),
            "`extends` needs a scenario file on disk; use scenario::load",
        )
        .into());
    }
    let hash: String = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    validate(name, tree, hash)
}

/// Parse and validate a chain of scenario texts held in memory, root first then the file
/// it extends, and so on (each file's `extends` is ignored: the chain is given). For
/// scenarios built into the binary, e.g. the benchmark workloads.
pub fn from_texts(chain: &[(&Path, &str)]) -> Result<Scenario, ScenarioErrors> {
    let mut hasher = Sha256::new();
    let mut tree = BTreeMap::new();
    for (name, text) in chain.iter().rev() {
        let mut t = source::parse_text(name, text.to_string())?;
        t.remove("extends");
        source::merge(&mut tree, t);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    let hash: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let name = chain.first().map_or(Path::new("scenario"), |c| c.0);
    validate(name, tree, hash)
}

fn validate(path: &Path, tree: BTreeMap<String, Entry>, source_hash: String) -> Result<Scenario, ScenarioErrors> {
    let mut errors = Vec::new();
    let mut run = RunParams::default();
    let mut policy = Policy::default();
    let mut funding = Funding::default();
    let mut costs = Costs::default();
    let mut behaviour = Behaviour::default();
    let mut regions = Vec::new();
    let mut region_entry: Option<Entry> = None;
    let mut sweep_entry: Option<Entry> = None;
    let mut calibration_entry: Option<Entry> = None;
    let mut change_entry: Option<Entry> = None;
    let mut locs = Locs::new();

    for (key, entry) in tree {
        match key.as_str() {
            "run" => fill_table(&mut run, &entry, "run", &mut locs, &mut errors),
            "policy" => fill_table(&mut policy, &entry, "policy", &mut locs, &mut errors),
            "funding" => fill_table(&mut funding, &entry, "funding", &mut locs, &mut errors),
            "costs" => fill_table(&mut costs, &entry, "costs", &mut locs, &mut errors),
            "behaviour" => fill_table(&mut behaviour, &entry, "behaviour", &mut locs, &mut errors),
            "region" => region_entry = Some(entry),
            "sweep" => sweep_entry = Some(entry),
            "calibration" => calibration_entry = Some(entry),
            "change" => change_entry = Some(entry),
            _ => errors.push(ScenarioError::at(
                entry.key_loc,
                Some(key.clone()),
                format!("unknown top-level key; allowed: {}", TOP_LEVEL_KEYS.join(", ")),
            )),
        }
    }

    match region_entry {
        None => errors.push(ScenarioError::plain(format!(
            "{}: the scenario defines no region; add at least one [[region]] table \
             (keys: {})",
            path.display(),
            key_list::<RegionSpec>()
        ))),
        Some(entry) => match entry.node {
            Node::Array(items) if items.is_empty() => errors.push(ScenarioError::at(
                entry.value_loc,
                Some("region".into()),
                "the scenario defines no region; add at least one [[region]] table",
            )),
            Node::Array(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    let mut spec = RegionSpec::default();
                    let key = format!("region[{}]", i + 1);
                    fill_table(&mut spec, &item, &key, &mut locs, &mut errors);
                    if spec.name.is_empty() {
                        spec.name = format!("region-{}", i + 1);
                    }
                    if regions.iter().any(|r: &RegionSpec| r.name == spec.name) {
                        errors.push(ScenarioError::at(
                            item.value_loc.clone(),
                            Some(format!("{key}.name")),
                            format!("region name \"{}\" is used twice; names must be unique", spec.name),
                        ));
                    }
                    regions.push(spec);
                }
            }
            other => errors.push(ScenarioError::at(
                entry.value_loc,
                Some("region".into()),
                format!("expected an array of tables ([[region]]), found {}", other.type_name()),
            )),
        },
    }

    if errors.is_empty() {
        cross_checks(path, &run, &policy, &behaviour, &regions, &locs, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ScenarioErrors(errors));
    }
    let mut scenario = Scenario {
        path: path.to_path_buf(),
        run,
        policy,
        funding,
        costs,
        behaviour,
        regions,
        source_hash,
        sweep: None,
        calibration: None,
        warnings: Vec::new(),
        changes: Vec::new(),
    };
    if let Some(entry) = change_entry {
        let longest_swept = change::longest_swept_weeks(sweep_entry.as_ref());
        scenario.changes = change::parse(&entry, &scenario, longest_swept, &mut errors);
        if !errors.is_empty() {
            return Err(ScenarioErrors(errors));
        }
    }
    if let Some(entry) = sweep_entry {
        scenario.sweep = sweep::parse(&entry, &scenario, &mut errors);
        if !errors.is_empty() {
            return Err(ScenarioErrors(errors));
        }
    }
    if let Some(entry) = calibration_entry {
        scenario.calibration = calibration::parse(&entry, &scenario, &mut errors);
        if !errors.is_empty() {
            return Err(ScenarioErrors(errors));
        }
    }
    Ok(scenario)
}

fn key_list<T: ParamTable>() -> String {
    T::specs().iter().map(|s| s.key).collect::<Vec<_>>().join(", ")
}

/// Set every key of a TOML table on a parameter table, collecting errors.
fn fill_table<T: ParamTable>(
    target: &mut T,
    entry: &Entry,
    name: &str,
    locs: &mut Locs,
    errors: &mut Vec<ScenarioError>,
) {
    let table = match &entry.node {
        Node::Table(t) => t,
        other => {
            errors.push(ScenarioError::at(
                entry.value_loc.clone(),
                Some(name.to_string()),
                format!("expected a table, found {}", other.type_name()),
            ));
            return;
        }
    };
    for (key, value) in table {
        let dotted = format!("{name}.{key}");
        locs.insert(dotted.clone(), value.value_loc.clone());
        let raw = match &value.node {
            Node::Scalar(raw) => raw,
            other => {
                let expected = T::specs().iter().find(|s| s.key == key).map_or("a value", |s| s.expected);
                let loc = if T::specs().iter().any(|s| s.key == key) {
                    value.value_loc.clone()
                } else {
                    value.key_loc.clone()
                };
                let message = if T::specs().iter().any(|s| s.key == key) {
                    format!("expected {expected}, found {}", other.type_name())
                } else {
                    format!("unknown key in [{}]; allowed keys: {}", T::TABLE, key_list::<T>())
                };
                errors.push(ScenarioError::at(loc, Some(dotted), message));
                continue;
            }
        };
        if let Err(e) = target.set(key, raw) {
            let (loc, message) = match e {
                crate::params::spec::FieldError::UnknownKey { .. } => {
                    (value.key_loc.clone(), format!("unknown key in [{}]; allowed keys: {}", T::TABLE, key_list::<T>()))
                }
                other => (value.value_loc.clone(), other.to_string()),
            };
            errors.push(ScenarioError::at(loc, Some(dotted), message));
        }
    }
}

/// Where each dotted key (`policy.x`, `region[2].y`) was written, for errors about
/// values that are valid alone but not together.
type Locs = BTreeMap<String, source::Loc>;

/// Longest `run.name`: it becomes a folder name.
pub const MAX_NAME_CHARS: usize = 64;

/// The rules between keys (and on names) that [`cross_checks`] enforces, as the scenario
/// reference lists them: (keys, rule).
pub const CROSS_RULES: &[(&str, &str)] = &[
    (
        "run.name",
        "1 to 64 characters: letters, digits, `-`, `_` and `.`, starting with a letter or digit \
         (it becomes the folder results/<name>/, so no `/`, `..`, spaces or absolute paths)",
    ),
    (
        "policy.community_time_share, behaviour.admin_share",
        "their sum must be below 0.95 (the rest of a link worker's week is for patients)",
    ),
    (
        "behaviour.release_readiness_threshold, behaviour.hold_readiness_threshold",
        "the release threshold must not be below the hold threshold",
    ),
    ("region[N].count", "at most 1,000,000 PCNs in all (the sum of `count` over every [[region]])"),
];

/// Why `name` cannot be a `run.name`, if it cannot.
pub fn bad_name(name: &str) -> Option<String> {
    let chars = name.chars().count();
    if chars == 0 {
        return Some("the name is empty".into());
    }
    if chars > MAX_NAME_CHARS {
        return Some(format!("the name has {chars} characters; at most {MAX_NAME_CHARS}"));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return Some(format!("the name contains {c:?}"));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Some("the name must start with a letter or digit".into());
    }
    None
}

/// Checks that involve more than one key (and the name); each error points at the key
/// written last in the file when there is one.
fn cross_checks(
    path: &Path,
    run: &RunParams,
    policy: &Policy,
    behaviour: &Behaviour,
    regions: &[RegionSpec],
    locs: &Locs,
    errors: &mut Vec<ScenarioError>,
) {
    let located = |keys: &[&str], message: String| -> ScenarioError {
        match keys.iter().find_map(|k| locs.get(*k).map(|l| (k, l))) {
            Some((k, loc)) => ScenarioError::at(loc.clone(), Some(k.to_string()), message),
            None => ScenarioError::plain(format!("{}: {message}", path.display())),
        }
    };
    if let Some(why) = bad_name(&run.name) {
        errors.push(located(
            &["run.name"],
            format!("{why}; allowed: {} (the default output folder is results/<name>/)", CROSS_RULES[0].1),
        ));
    }
    let fixed = policy.community_time_share + behaviour.admin_share;
    if fixed >= 0.95 {
        errors.push(located(
            &["policy.community_time_share", "behaviour.admin_share"],
            format!(
                "`policy.community_time_share` ({}) + `behaviour.admin_share` ({}) = {fixed:.2} leaves no time \
                 for patients; their sum must be below 0.95",
                policy.community_time_share, behaviour.admin_share
            ),
        ));
    }
    if behaviour.release_readiness_threshold < behaviour.hold_readiness_threshold {
        errors.push(located(
            &["behaviour.release_readiness_threshold", "behaviour.hold_readiness_threshold"],
            format!(
                "`behaviour.release_readiness_threshold` ({}) must not be below \
                 `behaviour.hold_readiness_threshold` ({})",
                behaviour.release_readiness_threshold, behaviour.hold_readiness_threshold
            ),
        ));
    }
    let total: u64 = regions.iter().map(|r| r.count as u64).sum();
    if total > 1_000_000 {
        let keys: Vec<String> = (1..=regions.len()).rev().map(|i| format!("region[{i}].count")).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        errors.push(located(
            &keys,
            format!("{total} PCNs in all (sum of `count` over every [[region]]); at most 1,000,000 are supported"),
        ));
    }
}

/// The parameters in force from week `week` (warm-up included) until the next epoch of
/// [`Scenario::schedule`].
#[derive(Debug, Clone, PartialEq)]
pub struct Epoch {
    /// First week (0-based, warm-up included).
    pub week: u32,
    /// `[policy]`.
    pub policy: Policy,
    /// `[funding]`.
    pub funding: Funding,
    /// `[behaviour]`.
    pub behaviour: Behaviour,
    /// `[[region]]`, by archetype.
    pub regions: Vec<RegionSpec>,
}

impl Epoch {
    fn of(s: &Scenario, week: u32) -> Epoch {
        Epoch {
            week,
            policy: s.policy.clone(),
            funding: s.funding.clone(),
            behaviour: s.behaviour.clone(),
            regions: s.regions.clone(),
        }
    }
}

impl Scenario {
    /// Check the rules that involve more than one key (after changing keys with
    /// [`Scenario::set_dotted`]); every broken rule is one message.
    pub fn check(&self) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        cross_checks(&self.path, &self.run, &self.policy, &self.behaviour, &self.regions, &Locs::new(), &mut errors);
        if errors.is_empty() { Ok(()) } else { Err(errors.into_iter().map(|e| e.message).collect()) }
    }

    /// [`Scenario::check`] in every period between scheduled changes (each change
    /// applied in week order); messages name the week from which a rule breaks.
    pub fn check_all_periods(&self) -> Result<(), Vec<String>> {
        self.check()?;
        let problems: Vec<String> = self.period_problems().into_iter().map(|(_, m)| m).collect();
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }

    /// The rules between keys broken once the changes are applied in week order: (index
    /// of the change in file order, "from week N: ..." message).
    pub(crate) fn period_problems(&self) -> Vec<(usize, String)> {
        self.schedule().err().unwrap_or_default()
    }

    /// The parameters in force in each span of the run between scheduled changes, built
    /// by applying the changes in week order (file order within a week); the first span
    /// starts at week 0 with the scenario's own parameters. Every key and every rule
    /// between keys is checked on the way; the problems, if any, name the change (index
    /// in file order) and the week from which they hold. A run swaps the spans in at their
    /// weeks, with no key to look up.
    pub fn schedule(&self) -> Result<Vec<Epoch>, Vec<(usize, String)>> {
        let mut state = self.clone();
        let mut epochs = vec![Epoch::of(&state, 0)];
        let mut problems = Vec::new();
        // Indices in file order, sorted by week (stable: file order within a week).
        let mut order: Vec<usize> = (0..self.changes.len()).collect();
        order.sort_by_key(|&i| self.changes[i].week);
        for (k, &i) in order.iter().enumerate() {
            let c = &self.changes[i];
            for (key, v) in &c.sets {
                if let Err(e) = state.set_dotted(key, v) {
                    problems.push((i, format!("from week {}: {e}", c.week)));
                }
            }
            if let Err(p) = state.check() {
                problems.extend(p.into_iter().map(|m| (i, format!("from week {}: {m}", c.week))));
            }
            // The last change of its week closes the week's span.
            if order.get(k + 1).is_none_or(|&next| self.changes[next].week != c.week) {
                epochs.push(Epoch::of(&state, self.run.warmup_weeks + c.week - 1));
            }
        }
        if problems.is_empty() { Ok(epochs) } else { Err(problems) }
    }

    /// The scheduled changes sorted by week (file order within a week).
    pub fn changes_in_order(&self) -> Vec<&change::ChangeSet> {
        let mut v: Vec<&change::ChangeSet> = self.changes.iter().collect();
        v.sort_by_key(|c| c.week);
        v
    }

    /// Set one parameter by its dotted key: `run.years`, `policy.<key>`, `funding.<key>`,
    /// `behaviour.<key>`, `region.<key>` (every region) or `region[N].<key>` (the N-th
    /// `[[region]]`, from 1). Type and range are checked as in a scenario file.
    pub fn set_dotted(&mut self, key: &str, value: &RawValue) -> Result<(), String> {
        if let Some((n, rest)) = self.change_target(key)? {
            if rest == "week" {
                let spec = self.sweepable_spec(key)?;
                let w = match value {
                    RawValue::Int(w) if *w >= 1 && *w <= self.reported_weeks() as i64 => *w as u32,
                    RawValue::Float(x) if x.fract() == 0.0 && *x >= 1.0 && *x <= self.reported_weeks() as f64 => {
                        *x as u32
                    }
                    other => {
                        let (lo, hi) = spec.range.expect("week has a range");
                        return Err(format!("week {other} is outside the run; allowed: {lo} to {hi}"));
                    }
                };
                self.changes[n].week = w;
                return Ok(());
            }
            let mut probe = self.clone();
            probe.set_dotted(rest, value)?;
            let slot = self.changes[n].sets.iter_mut().find(|(k, _)| k == rest).expect("checked by change_target");
            slot.1 = value.clone();
            return Ok(());
        }
        self.sweepable_spec(key)?;
        let (table, field) = key.split_once('.').expect("checked by sweepable_spec");
        let set = |r: Result<(), crate::params::spec::FieldError>| r.map_err(|e| e.to_string());
        match table {
            "run" => set(self.run.set(field, value)),
            "policy" => set(self.policy.set(field, value)),
            "funding" => set(self.funding.set(field, value)),
            "costs" => set(self.costs.set(field, value)),
            "behaviour" => set(self.behaviour.set(field, value)),
            "region" => self.regions.iter_mut().try_for_each(|r| set(r.set(field, value))),
            _ => {
                let n = region_index(table, self.regions.len())?;
                set(self.regions[n].set(field, value))
            }
        }
    }

    /// Scheduled changes that fall after the last reported week (possible once `run.years`
    /// is changed by a sweep or a calibration): why, for the first of them.
    pub fn changes_beyond_run(&self) -> Option<String> {
        let weeks = self.reported_weeks();
        self.changes.iter().enumerate().find(|(_, c)| c.week > weeks).map(|(i, c)| {
            format!(
                "change[{}] takes effect at week {}, after the last reported week ({weeks}) of a run of {} years",
                i + 1,
                c.week,
                self.run.years
            )
        })
    }

    /// The current value of a numeric dotted key (`region.x` reads the first region;
    /// `change[N]` keys are not read); `None` for other keys.
    pub fn get_dotted_number(&self, key: &str) -> Option<f64> {
        let (table, field) = key.split_once('.')?;
        let entries = match table {
            "run" => self.run.entries(),
            "policy" => self.policy.entries(),
            "funding" => self.funding.entries(),
            "costs" => self.costs.entries(),
            "behaviour" => self.behaviour.entries(),
            "region" => self.regions.first()?.entries(),
            _ => self.regions.get(region_index(table, self.regions.len()).ok()?)?.entries(),
        };
        match entries.into_iter().find(|(k, _)| *k == field)?.1 {
            RawValue::Int(i) => Some(i as f64),
            RawValue::Float(x) => Some(x),
            _ => None,
        }
    }

    /// For `change[N].<key>`: the 0-based change and the key inside it, after checking
    /// that the change exists and sets that key (or that `<key>` is `week`).
    fn change_target<'k>(&self, key: &'k str) -> Result<Option<(usize, &'k str)>, String> {
        let Some(rest) = key.strip_prefix("change[") else { return Ok(None) };
        let (n, inner) = rest.split_once("].").ok_or_else(|| {
            format!("`{key}`: write change[N].week or change[N].<dotted key>, with N from 1 to {}", self.changes.len())
        })?;
        let n = n.parse::<usize>().ok().filter(|&n| n >= 1 && n <= self.changes.len()).ok_or_else(|| {
            format!("`{key}`: there is no change[{n}]; this scenario has {} [[change]] table(s)", self.changes.len())
        })?;
        if inner != "week" && !self.changes[n - 1].sets.iter().any(|(k, _)| k == inner) {
            return Err(format!(
                "`{key}`: change[{n}] does not set `{inner}`; it sets {}",
                self.changes[n - 1].sets.iter().map(|(k, _)| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ));
        }
        Ok(Some((n - 1, inner)))
    }

    /// The reference entry of a key that a sweep may vary, or why it cannot be varied.
    /// `change[N].week` and `change[N].<key>` vary a scheduled change.
    pub fn sweepable_spec(&self, key: &str) -> Result<ParamSpec, String> {
        if let Some((_, inner)) = self.change_target(key)? {
            if inner == "week" {
                return Ok(ParamSpec {
                    key: "week",
                    expected: "a whole number",
                    default: RawValue::Int(1),
                    unit: "weeks",
                    rule: "-",
                    range: Some((1.0, self.reported_weeks() as f64)),
                    choices: &[],
                    doc: "Reported week a scheduled change takes effect.".into(),
                    fixed: None,
                });
            }
            return self.sweepable_spec(inner);
        }
        let Some((table, field)) = key.split_once('.') else {
            return Err(format!(
                "`{key}` is not a dotted key; write `table.key` with table one of run, policy, funding, \
                 costs, behaviour, region (every region) or region[N] (the N-th [[region]])"
            ));
        };
        let specs = match table {
            "run" => RunParams::specs(),
            "policy" => Policy::specs(),
            "funding" => Funding::specs(),
            "costs" => Costs::specs(),
            "behaviour" => Behaviour::specs(),
            "region" => RegionSpec::specs(),
            t if t.starts_with("region[") => {
                region_index(t, self.regions.len())?;
                RegionSpec::specs()
            }
            other => {
                return Err(format!(
                    "unknown table `{other}`; allowed: run, policy, funding, costs, behaviour, region, region[N]"
                ));
            }
        };
        let name = if table.starts_with("region") { "region" } else { table };
        if (table == "run" && UNSWEEPABLE_RUN_KEYS.contains(&field)) || (name == "region" && field == "name") {
            return Err(format!(
                "`{key}` cannot be swept (it names the run, sets its random streams, counts replications or \
                 changes the metrics); the keys of [run] that can be swept are years and warmup_weeks"
            ));
        }
        let allowed = || specs.iter().map(|s| s.key).collect::<Vec<_>>().join(", ");
        let message = format!("unknown key in [{name}]; allowed keys: {}", allowed());
        specs.into_iter().find(|s| s.key == field).ok_or(message)
    }

    /// The fully resolved scenario (every key, defaults included) as TOML text.
    pub fn resolved_toml(&self) -> String {
        let mut out = String::new();
        write_table(&mut out, "[run]", &self.run.entries());
        write_table(&mut out, "[policy]", &self.policy.entries());
        write_table(&mut out, "[funding]", &self.funding.entries());
        write_table(&mut out, "[costs]", &self.costs.entries());
        for r in &self.regions {
            write_table(&mut out, "[[region]]", &r.entries());
        }
        write_table(&mut out, "[behaviour]", &self.behaviour.entries());
        for c in &self.changes {
            out.push_str(&format!("\n[[change]]\nweek = {}\n", c.week));
            for (k, v) in &c.sets {
                out.push_str(&format!("\"{k}\" = {v}\n"));
            }
        }
        out
    }

    /// Total PCNs (regions after expanding `count`).
    pub fn region_count(&self) -> usize {
        self.regions.iter().map(|r| r.count as usize).sum()
    }

    /// Weeks simulated in total (warm-up plus reported years).
    pub fn total_weeks(&self) -> u32 {
        self.run.warmup_weeks + self.reported_weeks()
    }

    /// Weeks reported after the warm-up.
    pub fn reported_weeks(&self) -> u32 {
        (self.run.years * 52.0).round().max(1.0) as u32
    }
}

/// The 0-based index of `region[N]` (N from 1).
pub(crate) fn region_index(table: &str, regions: usize) -> Result<usize, String> {
    let n = table
        .strip_prefix("region[")
        .and_then(|t| t.strip_suffix(']'))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n >= 1 && n <= regions)
        .ok_or_else(|| {
            format!("`{table}` is not a region of this scenario; write region[N] with N from 1 to {regions}")
        })?;
    Ok(n - 1)
}

fn write_table(out: &mut String, header: &str, entries: &[(&'static str, RawValue)]) {
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(header);
    out.push('\n');
    for (k, v) in entries {
        out.push_str(&format!("{k} = {v}\n"));
    }
}
