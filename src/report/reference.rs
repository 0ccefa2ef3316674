//! The scenario reference (`docs/scenario-reference.md`), generated from the parameter
//! declarations so it cannot drift from the code. A test checks the committed file
//! equals this output; `spsim reference > docs/scenario-reference.md` regenerates it.

use crate::params::spec::{ParamSpec, ParamTable, RawValue};
use crate::params::{Behaviour, Funding, Policy, RegionSpec, RunParams};

fn allowed(spec: &ParamSpec) -> String {
    if !spec.choices.is_empty() {
        return spec.choices.iter().map(|c| format!("`\"{c}\"`")).collect::<Vec<_>>().join(" \\| ");
    }
    match spec.range {
        Some((lo, hi)) => format!("{} to {}", fmt_bound(lo), fmt_bound(hi)),
        None => match spec.default {
            RawValue::Bool(_) => "`true` \\| `false`".into(),
            RawValue::Str(_) => "text".into(),
            _ => "any whole number ≥ 0".into(),
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
         replaced whole. Rules (R1…) refer to MODEL.md §4 and `docs/ODD.md`.\n\n",
    );
    table::<RunParams>(&mut out, "[run]", "What to simulate and how often.");
    table::<Policy>(&mut out, "[policy]", "The levers a PCN or commissioner controls.");
    table::<Funding>(&mut out, "[funding]", "Link worker contracts and VCSE grants (R16–R18).");
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
    out
}
