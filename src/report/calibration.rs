//! Calibration against the public calibration figures (docs/ODD.md §1): the targets, a check of a
//! run's summaries against them, and the Markdown table of `results/calibration.md`.
//! The integration test and `spsim calibrate` use the same table, so they cannot
//! disagree.

use crate::metrics::summary::MetricStats;

/// Which shipped scenario a target is checked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// `scenarios/baseline.toml`.
    Baseline,
    /// `scenarios/supervision_none.toml`.
    SupervisionNone,
    /// `scenarios/supervision_good.toml`.
    SupervisionGood,
}

impl On {
    /// Scenario file, relative to the repository root.
    pub fn file(self) -> &'static str {
        match self {
            On::Baseline => "scenarios/baseline.toml",
            On::SupervisionNone => "scenarios/supervision_none.toml",
            On::SupervisionGood => "scenarios/supervision_good.toml",
        }
    }
}

/// One calibration target.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// What is measured, in words.
    pub quantity: &'static str,
    /// Summary metric.
    pub metric: &'static str,
    /// Scenario it is checked on.
    pub on: On,
    /// The published target, in words.
    pub target: &'static str,
    /// Accepted range for the simulated mean (for "≈" targets: the stated tolerance).
    pub range: (f64, f64),
    /// Source.
    pub source: &'static str,
}

/// The calibration targets (docs/ODD.md §1).
pub const TARGETS: &[Target] = &[
    Target {
        quantity: "referral uptake (accepted ÷ referred)",
        metric: "uptake_rate",
        on: On::Baseline,
        target: "0.77–0.88",
        range: (0.77, 0.88),
        source: "Ways to Wellness 77–80%; Gloucestershire 81%; national refusal 12% in 2023 (Bu et al., Lancet Public Health 2025)",
    },
    Target {
        quantity: "contacts per engaged patient (median)",
        metric: "contacts_per_engaged_median",
        on: On::Baseline,
        target: "typically 6–12",
        range: (6.0, 12.0),
        source: "NHS England link worker guidance (001)",
    },
    Target {
        quantity: "caseload per link worker per year",
        metric: "caseload_per_lw_year",
        on: On::Baseline,
        target: "200–250",
        range: (200.0, 250.0),
        source: "NHS England link worker guidance (001)",
    },
    Target {
        quantity: "referrals received per link worker per year",
        metric: "referrals_per_lw_year",
        on: On::Baseline,
        target: "160–400",
        range: (160.0, 400.0),
        source: "Rotherham ≈ 162; 1.3 M referrals in 2023 ÷ ≈ 3,300 LWs ≈ 390; NCVO's 400",
    },
    Target {
        quantity: "new patients referred to each link worker in a month",
        metric: "patients_per_lw_month",
        on: On::Baseline,
        target: "12–34",
        range: (12.0, 34.0),
        source: "001 (patients referred to each LW in the fieldwork month, 7 sites)",
    },
    Target {
        quantity: "referred patients reaching ≥ 3 contacts",
        metric: "reached_3_contacts_rate",
        on: On::Baseline,
        target: "≈ 45% (accepted: 35–55%)",
        range: (0.35, 0.55),
        source: "Glasgow Links Worker Programme (Mercer et al., Ann Fam Med 2019)",
    },
    Target {
        quantity: "link workers intending to leave within a year, no supervision",
        metric: "lw_intention_to_leave_share",
        on: On::SupervisionNone,
        target: "≈ 29% (accepted: 19–39%)",
        range: (0.19, 0.39),
        source: "National Association of Link Workers survey 2020 (61% had no clinical supervision)",
    },
    Target {
        quantity: "same, with regular clinical supervision",
        metric: "lw_intention_to_leave_share",
        on: On::SupervisionGood,
        target: "≤ 15%",
        range: (0.0, 0.15),
        source: "Gloucestershire supervision pilot (15% → 0%)",
    },
    Target {
        quantity: "VCSE organisations at full capacity",
        metric: "vcse_full_share",
        on: On::Baseline,
        target: "≈ 50% (accepted: 40–60%)",
        range: (0.40, 0.60),
        source: "Charities Aid Foundation resilience index, Dec 2023",
    },
    Target {
        quantity: "non-medical GP use, 26 weeks after vs before referral, uncontrolled",
        metric: "gp_nonmedical_change_uncontrolled",
        on: On::Baseline,
        target: "falls 20–40% on average",
        range: (-0.40, -0.20),
        source: "Polley 2017 (−28%); Gloucestershire −21%; Tameside −42%",
    },
    Target {
        quantity: "share of patients whose non-medical GP use rises",
        metric: "gp_nonmedical_share_up",
        on: On::Baseline,
        target: "many individuals rise (accepted: ≥ 15%)",
        range: (0.15, 1.0),
        source: "001 Supplementary 5 (no strong pattern per patient)",
    },
    Target {
        quantity: "non-medical GP use, controlled against no service",
        metric: "gp_nonmedical_effect_controlled",
        on: On::Baseline,
        target: "little or no effect (accepted: −10% to +5%)",
        range: (-0.10, 0.05),
        source: "Kiely et al., BMJ Open 2022 (8 studies)",
    },
];

/// One checked target.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The target.
    pub target: Target,
    /// Simulated statistics, if the metric was computed.
    pub stats: Option<MetricStats>,
}

impl Checked {
    /// Whether the simulated mean lies in the accepted range.
    pub fn passes(&self) -> bool {
        self.stats.as_ref().is_some_and(|s| s.mean >= self.target.range.0 && s.mean <= self.target.range.1)
    }
}

/// Check every target against the summaries of the three scenarios.
pub fn check(mut summary_of: impl FnMut(On) -> Vec<MetricStats>) -> Vec<Checked> {
    let scenarios = [On::Baseline, On::SupervisionNone, On::SupervisionGood];
    let summaries: Vec<(On, Vec<MetricStats>)> = scenarios.iter().map(|&on| (on, summary_of(on))).collect();
    TARGETS
        .iter()
        .map(|t| {
            let stats = summaries
                .iter()
                .find(|(on, _)| *on == t.on)
                .and_then(|(_, s)| s.iter().find(|m| m.name == t.metric).cloned());
            Checked { target: *t, stats }
        })
        .collect()
}

/// The Markdown table of `results/calibration.md`.
pub fn markdown(checked: &[Checked], replications: u32) -> String {
    let mut out = String::from(super::folder::FILE_MARKER);
    out.push_str(" calibrate; it replaces this file when run again -->\n");
    out.push_str(
        "# Calibration\n\nThe default coefficients against the public calibration figures (docs/ODD.md §1). Simulated: mean \
         and 95% interval across replications of the shipped scenario named in each row (each with its \
         own seed, ",
    );
    out.push_str(&format!(
        "{replications} replications). Regenerate with `cargo run --release -- calibrate --out results/calibration.md`; \
         the integration test `calibration` checks the same table.\n\n"
    ));
    out.push_str("| quantity | metric | scenario | target | simulated mean (95% CI) | in range | source |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for c in checked {
        let sim = match &c.stats {
            Some(s) => format!("{:.3} ({:.3} to {:.3})", s.mean, s.ci_low, s.ci_high),
            None => "not computed".into(),
        };
        out.push_str(&format!(
            "| {} | `{}` | `{}` | {} | {} | {} | {} |\n",
            c.target.quantity,
            c.target.metric,
            c.target.on.file(),
            c.target.target,
            sim,
            if c.passes() { "yes" } else { "**no**" },
            c.target.source
        ));
    }
    out
}

/// The history-matching section of `results/calibration.md`, from a calibration folder's
/// `manifest.json` (`folder` names it): which figures were fitted, which held out and how
/// those came out across the plausible set, and each parameter's plausible range.
pub fn history_markdown(manifest: &serde_json::Value, folder: &str) -> String {
    let f = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    let n = |x: f64| if x.is_finite() { format!("{x:.3}") } else { "–".into() };
    let mut out = format!(
        "\n## History matching: the plausible set\n\n`{}` (scenario `{}`), {} waves: {} of {} simulated parameter sets are \
         not ruled out (implausibility ≤ {}, {}; {}). Regenerate with `bash results/regenerate.sh`.\n\n",
        folder,
        manifest["scenario_file"].as_str().unwrap_or("?"),
        manifest["waves"].as_array().map_or(0, Vec::len),
        manifest["plausible_points"],
        manifest["waves"].as_array().map_or(0, |w| w.iter().map(|x| x["points"].as_u64().unwrap_or(0)).sum::<u64>()),
        n(f(&manifest["cutoff"])),
        if manifest["rule_out_by"] == "largest" {
            "judged by the largest over the fitted figures"
        } else {
            "judged by the second largest with 5 or more fitted figures"
        },
        manifest["stopped"].as_str().unwrap_or(""),
    );
    out.push_str("| figure | used | observed ± sd | plausible sets: simulated range | held out: how it came out | source |\n|---|---|---|---|---|---|\n");
    for t in manifest["targets"].as_array().map_or(&[][..], Vec::as_slice) {
        let held = t["use"] == "validate";
        let (v, sd) = (f(&t["value"]), f(&t["sd"]));
        let r = t["plausible_range"].as_array().filter(|r| r.len() == 2).map(|r| (f(&r[0]), f(&r[1])));
        let share = t["plausible_share_within_2sd"].as_f64();
        let outcome = match (held, r, share) {
            (false, _, _) => String::new(),
            (true, None, _) | (true, _, None) => "no plausible set".into(),
            (true, Some(_), Some(x)) if x >= 0.5 => {
                format!("reproduced by {:.0}% of the plausible sets (within ± 2 sd)", 100.0 * x)
            }
            (true, Some(_), Some(x)) if x > 0.0 => {
                format!("**mostly missed**: only {:.0}% of the plausible sets within ± 2 sd", 100.0 * x)
            }
            (true, Some((_, b)), Some(_)) => format!(
                "**missed** by every plausible set (their range {} it)",
                if b < v { "falls short of" } else { "lies above" }
            ),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} ± {} | {} | {} | {} |\n",
            t["label"].as_str().unwrap_or("?"),
            if held { "held out" } else { "fitted" },
            n(v),
            n(sd),
            r.map_or("–".into(), |(a, b)| format!("{} to {}", n(a), n(b))),
            outcome,
            t["source"].as_str().unwrap_or("")
        ));
    }
    out.push_str(
        "\n| parameter | prior | plausible range | central member | the scenario's value |\n|---|---|---|---|---|\n",
    );
    let central = &manifest["central_member"]["values"];
    let own = &manifest["scenario_values"]["values"];
    for p in manifest["parameters"].as_array().map_or(&[][..], Vec::as_slice) {
        let key = p["key"].as_str().unwrap_or("?");
        let r = p["plausible_range"].as_array().filter(|r| r.len() == 2).map(|r| (f(&r[0]), f(&r[1])));
        out.push_str(&format!(
            "| `{key}` | {} to {}{} | {} | {} | {} |\n",
            n(f(&p["lower"])),
            n(f(&p["upper"])),
            if p["scale"] == "log" { " (log)" } else { "" },
            r.map_or("–".into(), |(a, b)| format!("{} to {}", n(a), n(b))),
            n(f(&central[key])),
            n(f(&own[key])),
        ));
    }
    out
}
