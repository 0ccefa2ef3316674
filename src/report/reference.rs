//! The scenario reference (`docs/scenario-reference.md`), generated from the parameter
//! declarations so it cannot drift from the code. A test checks the committed file
//! equals this output; `spsim reference > docs/scenario-reference.md` regenerates it.

use crate::params::spec::{ParamSpec, ParamTable, RawValue};
use crate::params::{Behaviour, Costs, Funding, Policy, RegionSpec, RunParams};

fn allowed(spec: &ParamSpec) -> String {
    if !spec.choices.is_empty() {
        return spec.choices.iter().map(|c| format!("`\"{c}\"`")).collect::<Vec<_>>().join(" \\| ");
    }
    match spec.range {
        Some((lo, hi)) => format!("{} to {}", fmt_bound(lo), fmt_bound(hi)),
        None => match spec.default {
            RawValue::Bool(_) => "`true` \\| `false`".into(),
            RawValue::Str(_) => "text".into(),
            _ => "0 to 9223372036854775807 (2^63 − 1)".into(),
        },
    }
}

fn fmt_bound(x: f64) -> String {
    if x.fract() == 0.0 { format!("{}", x as i64) } else { format!("{x}") }
}

fn table<T: ParamTable>(out: &mut String, heading: &str, intro: &str) {
    out.push_str(&format!("## `{heading}`\n\n{intro}\n\n"));
    out.push_str("| key | default | unit | allowed | rule | meaning |\n|---|---|---|---|---|---|\n");
    for s in T::specs() {
        let default = match &s.default {
            RawValue::Str(v) if v.is_empty() => "(see meaning)".to_string(),
            other => format!("`{other}`"),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            s.key,
            default,
            s.unit,
            allowed(&s),
            s.rule,
            s.doc.replace('|', "\\|")
        ));
    }
    out.push('\n');
}

/// The whole reference as Markdown.
pub fn scenario_reference() -> String {
    let mut out = String::from(
        "# Scenario reference\n\n\
         Generated from the parameter declarations in `src/params/mod.rs` by `spsim reference`; \
         a test fails if this file and the code disagree. Every key is optional: a missing key \
         takes its default. A scenario may start with `extends = \"other.toml\"` (a path relative \
         to the file) and override any key; tables merge key by key, and `[[region]]` lists are \
         replaced whole. Rules (R1…) refer to `docs/ODD.md` §7.\n\n",
    );
    table::<RunParams>(&mut out, "[run]", "What to simulate and how often.");
    table::<Policy>(&mut out, "[policy]", "The levers a PCN or commissioner controls.");
    table::<Funding>(&mut out, "[funding]", "Link worker contracts and VCSE grants (R16–R18).");
    table::<Costs>(
        &mut out,
        "[costs]",
        "Unit costs, in pounds, that turn hours and events into money (outputs only: no rule reads them).",
    );
    table::<RegionSpec>(
        &mut out,
        "[[region]]",
        "One PCN archetype, repeated `count` times. At least one is required; names must be unique \
         (an unnamed region is called `region-N`).",
    );
    table::<Behaviour>(
        &mut out,
        "[behaviour]",
        "Every coefficient of the rules. Logistic coefficients act on the log-odds scale.",
    );
    change_section(&mut out);
    sweep_section(&mut out);
    limits_section(&mut out);
    out
}

/// `[[change]]`: scheduled changes; the keys that cannot change come from the code.
fn change_section(out: &mut String) {
    use crate::scenario::change::fixed_keys;
    out.push_str(
        "## `[[change]]`\n\nPolicy changes scheduled during the run: any number of `[[change]]` tables, \
         each with `week = N` (a reported week, numbered from 1 as in `weekly.csv`) and dotted keys \
         (`policy.*`, `funding.*`, `behaviour.*`, `region.*` for every `[[region]]`, \
         `\"region[N].*\"` for the N-th) with their new values, which hold from the start of that \
         week on. Values are checked like the keys' own, and the rules between keys must hold in \
         every period. Weeks before the first change are identical to the run without changes \
         (same random numbers). A scenario's changes come after those of the file it extends \
         (they add up; `change[N]` numbers them in that order), and a key changed twice in one \
         week is refused. A sweep may vary `change[N].week` and `change[N].<key>` (a key \
         that change N sets).\n\n```toml\n[[change]]\nweek = 105                # the start of year 3\n\
         policy.caseload_target_per_year = 300\n```\n\nKeys that cannot change mid-run: every \
         `run.*` key, and\n\n| key | why |\n|---|---|\n",
    );
    for (k, why) in fixed_keys() {
        out.push_str(&format!("| `{k}` | it {why} |\n"));
    }
    out.push('\n');
}

/// The rules between keys and the limits on inputs, from the constants that enforce them.
fn limits_section(out: &mut String) {
    use crate::scenario::design_file::MAX_DESIGN_BYTES;
    use crate::scenario::source::{MAX_EXTENDS_DEPTH, MAX_SCENARIO_BYTES};
    use crate::scenario::{CROSS_RULES, MAX_SWEEP_POINTS, MAX_SWEEP_RUNS};
    out.push_str(
        "## Rules between keys

Values valid alone can be refused together; each error points at one \
         of the keys as written in the file.

| keys | rule |\n|---|---|\n",
    );
    for (keys, rule) in CROSS_RULES {
        let keys: Vec<String> = keys.split(", ").map(|k| format!("`{k}`")).collect();
        out.push_str(&format!("| {} | {} |\n", keys.join(", "), rule.replace('|', "\\|")));
    }
    out.push_str(&format!(
        "\n## Limits\n\n\
         | what | limit |\n|---|---|\n\
         | scenario file size | {MAX_SCENARIO_BYTES} bytes (larger files are refused before reading) |\n\
         | `extends` chain | {MAX_EXTENDS_DEPTH} files deep; cycles are refused |\n\
         | design file (`--design`) size | {MAX_DESIGN_BYTES} bytes |\n\
         | sweep points | {MAX_SWEEP_POINTS} |\n\
         | sweep runs (points × replications) | {MAX_SWEEP_RUNS} |\n\
         | memory | `validate`, `run`, `compare` and `sweep` estimate the peak memory and refuse a \
         scenario whose estimate exceeds the machine's memory (or its container's limit); \
         `--max-memory SIZE` (e.g. `64G`) sets another limit |\n\
         | seeds (`run.seed`, `sweep.seed`, `--seed`) | 0 to 9223372036854775807 (2^63 − 1) |\n\n"
    ));
}

/// `[sweep]`: its keys are fixed in `scenario/sweep.rs`; the designs and the keys that
/// cannot be swept come from the code.
fn sweep_section(out: &mut String) {
    use crate::params::sweep::Design;
    use crate::scenario::UNSWEEPABLE_RUN_KEYS;
    let designs = Design::CHOICES.iter().map(|c| format!("`\"{c}\"`")).collect::<Vec<_>>().join(" \\| ");
    out.push_str(&format!(
        "## `[sweep]`\n\n\
         Makes the file a parameter sweep for `spsim sweep` (`spsim run` ignores it). Each point of \
         the design is the scenario above with the swept keys changed; each point runs `[run] \
         replications` times, and replication r uses the same random streams at every point \
         (common random numbers).\n\n\
         | key | default | allowed | meaning |\n|---|---|---|---|\n\
         | `design` | (required) | {designs} | `grid`: every combination, last key fastest; `lhs`: Latin \
         hypercube; `sobol`: Saltelli's scheme for first-order and total Sobol' indices \
         (`points` × (parameters + 2) points); `morris`: one-at-a-time trajectories \
         (`points` × (parameters + 1) points). |\n\
         | `points` | (required except for grid) | 1 or more | Points (lhs), base samples (sobol; a power of 2 \
         is best) or trajectories (morris). Not allowed for grid. |\n\
         | `seed` | `1` | any whole number ≥ 0 | Seed of the lhs and morris designs (the runs use `[run] seed`). |\n\
         | `levels` | `4` | even, 2 to 1000 | Grid levels of a morris design. |\n\
         | `parameters` | (required) | table | `[sweep.parameters]`: one entry per swept key (below). |\n\n\
         `[sweep.parameters]` keys are dotted scenario keys, quoted: `\"policy.supervision_quality\"`, \
         `\"funding.vcse_grant_years\"`, `\"behaviour.<key>\"`, `\"region.<key>\"` (every region) or \
         `\"region[N].<key>\"` (the N-th `[[region]]`, from 1). The keys of `[run]` that cannot be \
         swept are {}. Values:\n\n\
         - a list, `[150, 225, 300]`: those values (any design; lhs, sobol and morris pick list \
         elements by splitting [0, 1) into equal parts);\n\
         - `{{ first = 150, step = 50, last = 400 }}`: the list first, first + step, … up to last;\n\
         - `{{ lower = 0.1, upper = 0.9 }}`: a continuous range (lhs, sobol, morris only); whole-number \
         keys are rounded to the nearest whole number (halves up).\n\n\
         Every value (both ends of a range) must be valid for its key, as in the tables above.\n",
        UNSWEEPABLE_RUN_KEYS.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
    ));
}

/// The summary metric reference (`docs/metrics.md`), generated from
/// [`crate::metrics::defs::METRICS`]; `spsim metrics > docs/metrics.md` regenerates it.
pub fn metrics_reference() -> String {
    let mut out = String::from(
        "# Summary metrics\n\n\
         Generated by `spsim metrics` from the metric definitions in the code; a test checks this file \
         is current. Each row of `summary.csv` is one metric: its mean, 95% interval, standard \
         deviation and the replications in which it was defined (a metric with no events in a run \
         is left out of that run, never faked).\n\n\
         Terms: an **episode** is a referral or re-referral after the warm-up that reached a first \
         session, counted when it ends or, still open, at the end of the run (so long holds are not \
         left out); an **exit** is an episode that ended during the run (outcomes are measured at \
         exit); **LW-years** are link workers in post summed over reported weeks ÷ 52. The journeys \
         (a, b, c) follow docs/ODD.md (Design concepts: Emergence); what blocked journey (c) and how \
         each journey started are in `mechanisms.csv`, per region archetype in `weekly.csv` \
         (`episodes_ended`, `journey_*`).\n\n",
    );
    out.push_str("| metric | unit | rules | meaning |\n|---|---|---|---|\n");
    for d in crate::metrics::defs::METRICS {
        out.push_str(&format!("| `{}` | {} | {} | {} |\n", d.name, d.unit, d.rules, d.meaning));
    }
    out
}
