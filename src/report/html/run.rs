//! The report of one run: headline with calibration targets, funnel, journeys, time
//! series with bands and scheduled changes, the ledger "for whom", glossary.

use serde_json::Value;

use super::parts::{
    OVER_TIME, Overlay, Section, Table, changes, esc, figure_or_note, fmt, glossary, number, period_words, time_series,
    with_ci,
};
use super::plot;
use super::series::{self, Weekly};
use crate::report::calibration::TARGETS;

/// Access metrics of the headline: referred, took up, waited, reached 3 contacts,
/// connected, held, lost.
pub const ACCESS: &[&str] = &[
    "referrals_per_lw_year",
    "uptake_rate",
    "wait_weeks_mean",
    "wait_weeks_p90",
    "reached_3_contacts_rate",
    "connected_rate",
    "held_share",
    "ever_held_share",
    "dropout_waiting_rate",
    "dna_rate",
    "caseload_per_lw_year",
];

/// Retention metrics of the headline.
pub const RETENTION: &[&str] = &[
    "lw_burnout_mean",
    "lw_burnout_high_share",
    "lw_intention_to_leave_share",
    "lw_turnover_annual",
    "lw_vacancy_rate",
    "continuity_break_share",
];

/// The journey shares, in order (a, b, c).
pub const JOURNEYS: &[&str] =
    &["journey_connected_directly_share", "journey_held_then_connected_share", "journey_held_unconnected_share"];

/// One row of `summary.csv`.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    /// Metric.
    pub metric: String,
    /// Mean.
    pub mean: f64,
    /// 95% interval.
    pub low: f64,
    /// 95% interval.
    pub high: f64,
    /// Replications defining it.
    pub n: f64,
}

/// A run folder read back.
#[derive(Debug, Clone)]
pub struct RunData {
    /// `manifest.json`.
    pub manifest: Value,
    /// `summary.csv`.
    pub summary: Vec<SummaryRow>,
    /// `weekly.csv`, summed over archetypes.
    pub weekly: Weekly,
    /// `mechanisms.csv`.
    pub mechanisms: Table,
    /// `ensemble.csv`, when the run was made across a plausible set (`--ensemble`).
    pub ensemble: Option<Table>,
    /// `periods.csv` (absent in folders of older versions).
    pub periods: Option<Table>,
}

/// Read `summary.csv`.
pub fn read_summary(bytes: &[u8]) -> Result<Vec<SummaryRow>, String> {
    let t = Table::parse("summary.csv", bytes)?;
    let f = "summary.csv";
    let (m, mean, lo, hi, n) =
        (t.col("metric", f)?, t.col("mean", f)?, t.col("ci_low", f)?, t.col("ci_high", f)?, t.col("n", f)?);
    Ok(t.rows
        .iter()
        .map(|r| SummaryRow {
            metric: r.get(m).cloned().unwrap_or_default(),
            mean: number(r, mean),
            low: number(r, lo),
            high: number(r, hi),
            n: number(r, n),
        })
        .collect())
}

impl RunData {
    /// Read the files of a run folder.
    pub fn read(
        manifest: Value,
        need: &dyn Fn(&str) -> Result<Vec<u8>, String>,
        file: &dyn Fn(&str) -> Option<Vec<u8>>,
    ) -> Result<RunData, String> {
        Ok(RunData {
            manifest,
            summary: read_summary(&need("summary.csv")?)?,
            weekly: Weekly::from_csv(&need("weekly.csv")?).map_err(|e| format!("weekly.csv: {e}"))?,
            mechanisms: Table::parse("mechanisms.csv", &need("mechanisms.csv")?)?,
            ensemble: file("ensemble.csv").map(|b| Table::parse("ensemble.csv", &b)).transpose()?,
            periods: file("periods.csv").map(|b| Table::parse("periods.csv", &b)).transpose()?,
        })
    }

    /// A summary row by metric name.
    pub fn metric(&self, name: &str) -> Option<&SummaryRow> {
        self.summary.iter().find(|r| r.metric == name)
    }

    /// Reported years.
    pub fn years(&self) -> f64 {
        self.manifest["reported_weeks"].as_f64().unwrap_or(52.0) / 52.0
    }
}

/// The followed measures in each period of `periods.csv` (mean and 95% interval).
fn by_year(t: &Table) -> String {
    let (Ok(pc), Ok(mc), Ok(mean), Ok(lo), Ok(hi)) = (
        t.col("period", "periods.csv"),
        t.col("metric", "periods.csv"),
        t.col("mean", "periods.csv"),
        t.col("ci_low", "periods.csv"),
        t.col("ci_high", "periods.csv"),
    ) else {
        return "<p class=\"note\">periods.csv lacks its columns: re-run to rebuild it.</p>\n".into();
    };
    let mut periods: Vec<&str> = Vec::new();
    for r in &t.rows {
        if let Some(p) = r.get(pc)
            && !periods.contains(&p.as_str())
        {
            periods.push(p);
        }
    }
    let mut out = String::from(
        "<p>The headline measures in each reported year (and, with scheduled changes, the year before and each \
         year after each change): mean over the replications, 95% interval in brackets.</p>\n<table><tr><th>measure</th>",
    );
    for p in &periods {
        out.push_str(&format!("<th>{}</th>", esc(&period_words(p))));
    }
    out.push_str("</tr>\n");
    for (metric, words) in OVER_TIME {
        out.push_str(&format!("<tr><td>{}</td>", esc(words)));
        for p in &periods {
            let row = t
                .rows
                .iter()
                .find(|r| r.get(pc).map(String::as_str) == Some(*p) && r.get(mc).map(String::as_str) == Some(*metric));
            match row {
                Some(r) => out.push_str(&format!(
                    "<td class=\"n\">{}</td>",
                    with_ci(number(r, mean), number(r, lo), number(r, hi))
                )),
                None => out.push_str("<td></td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}

/// The sections of a run's report.
pub fn sections(d: &RunData, p: &str) -> Vec<Section> {
    let mut shown: Vec<&str> = ACCESS.iter().chain(RETENTION).chain(JOURNEYS).copied().collect();
    shown.push("connected_rate");
    let scenario = d.manifest["scenario_file"].as_str().unwrap_or("");
    let mut out = vec![
        Section {
            id: format!("{p}headline"),
            title: "Headline: access and retention".into(),
            html: headline(d, scenario),
        },
        Section { id: format!("{p}funnel"), title: "Funnel".into(), html: funnel(d, p) },
    ];
    if let Some(t) = &d.ensemble {
        let default = |m: &str| d.metric(m).map(|r| r.mean);
        out.insert(1, super::ensemble::run_section(t, &default, &shown, p));
    }
    if let Some(t) = &d.periods {
        out.insert(1, Section { id: format!("{p}by-year"), title: "Year by year".into(), html: by_year(t) });
    }
    out.extend(vec![
        Section {
            id: format!("{p}journeys"),
            title: "Journeys and what blocked connection".into(),
            html: journeys(d, p),
        },
        Section {
            id: format!("{p}time-series"),
            title: "Over time".into(),
            html: time_series(
                &[Overlay {
                    name: d.manifest["scenario_name"].as_str().unwrap_or("run").to_string(),
                    bands: bands_of(d),
                    changes: changes(&d.manifest),
                }],
                p,
            ),
        },
        Section { id: format!("{p}for-whom"), title: "For whom: the mechanism ledger".into(), html: for_whom(d) },
        Section {
            id: format!("{p}glossary"),
            title: "Glossary".into(),
            html: glossary(&shown, &series::SERIES.iter().map(|s| s.id).collect::<Vec<_>>()),
        },
    ]);
    out
}

fn bands_of(d: &RunData) -> Vec<series::Band> {
    series::bands(&d.weekly)
}

/// The calibration targets of a metric, as table cells: target and whether the run's
/// mean is in range (judged only on the scenario the target is set for).
fn target_cells(metric: &str, mean: f64, scenario_file: &str) -> (String, String) {
    let targets: Vec<_> = TARGETS.iter().filter(|t| t.metric == metric).collect();
    if targets.is_empty() {
        return (String::new(), String::new());
    }
    let mut text = Vec::new();
    let mut verdict = Vec::new();
    for t in targets {
        let on = t.on.file();
        let stem = on.rsplit('/').next().unwrap_or(on).trim_end_matches(".toml");
        text.push(format!("{} <span class=\"unit\">({stem})</span>", esc(t.target)));
        if scenario_file.ends_with(on) {
            let inside = mean >= t.range.0 && mean <= t.range.1;
            verdict.push(
                if inside { "<span class=\"in\">in range</span>" } else { "<span class=\"out\">outside</span>" }
                    .to_string(),
            );
        }
    }
    (text.join("<br>"), verdict.join("<br>"))
}

fn headline_table(d: &RunData, names: &[&str], scenario_file: &str) -> String {
    let mut out = String::from(
        "<table class=\"headline\"><tr><th>metric</th><th>mean [95% CI]</th><th>target (scenario it is set for)</th><th></th></tr>\n",
    );
    for name in names {
        let Some(r) = d.metric(name) else { continue };
        let (target, verdict) = target_cells(name, r.mean, scenario_file);
        out.push_str(&format!(
            "<tr><td><a href=\"#m-{0}\"><code>{0}</code></a></td><td class=\"n\">{1}</td><td>{2}</td><td>{3}</td></tr>\n",
            esc(name),
            with_ci(r.mean, r.low, r.high),
            target,
            verdict
        ));
    }
    out.push_str("</table>\n");
    out
}

fn headline(d: &RunData, scenario_file: &str) -> String {
    let mut out = String::from("<h3>Access</h3>\n");
    out.push_str(&headline_table(d, ACCESS, scenario_file));
    out.push_str("<h3>Retention</h3>\n");
    out.push_str(&headline_table(d, RETENTION, scenario_file));
    out.push_str(
        "<p class=\"note\">Means over replications with the 95% t-interval of the mean. Targets are the calibration \
         figures; each is checked on the shipped scenario named beside it, so \"in range\" appears only in that \
         scenario's report.</p>\n",
    );
    out
}

/// Funnel stages: the weekly count, and its label.
type Stage = (fn(&crate::metrics::WeekCounts) -> f64, &'static str);

const STAGES: &[Stage] = &[
    (|c| c.presented, "presented to a GP (non-medical need)"),
    (|c| c.referrals, "referred"),
    (|c| c.accepted, "accepted the referral"),
    (|c| c.first_sessions, "first session"),
    (|c| c.third_sessions, "3 contacts"),
    (|c| c.connected, "connected to VCSE"),
];

/// Per year, mean over replications of a weekly column's total.
fn per_year(d: &RunData, value: impl Fn(&crate::metrics::WeekCounts) -> f64) -> f64 {
    let reps = &d.weekly.reps;
    if reps.is_empty() {
        return f64::NAN;
    }
    let total: f64 = reps.iter().map(|r| r.iter().map(&value).sum::<f64>()).sum();
    total / reps.len() as f64 / d.years()
}

/// The funnel's values per year (mean over replications), in stage order.
pub fn funnel_values(d: &RunData) -> Vec<f64> {
    STAGES.iter().map(|(value, _)| per_year(d, value)).collect()
}

fn funnel(d: &RunData, p: &str) -> String {
    let values = funnel_values(d);
    let pcns = d.manifest["regions"].as_u64().unwrap_or(1);
    let annotate = |_: usize, i: usize, v: f64| {
        let of = if i > 0 && values[i - 1] > 0.0 {
            format!(" ({:.0}% of the step before)", 100.0 * v / values[i - 1])
        } else {
            String::new()
        };
        format!("{}{of}", fmt(v))
    };
    let mut out = figure_or_note(
        funnel_plot(&format!("{p}funnel-plot"), &values, annotate),
        &format!(
            "Patients per year at each step (all {} PCN(s), mean over replications). Re-referrals count again at \
             each step they reach; \"3 contacts\" counts episodes reaching their third session.",
            pcns
        ),
    );
    if values.iter().any(|v| v.is_nan()) {
        out.push_str("<p class=\"note\">A step is missing: this weekly.csv was written by an older spsim without its column.</p>\n");
    }
    out
}

/// Total count of a mechanism over every context in `mechanisms.csv`.
fn mechanism_total(t: &Table, name: &str) -> f64 {
    let (Ok(m), Ok(c)) = (t.col("mechanism", ""), t.col("count", "")) else { return f64::NAN };
    t.rows.iter().filter(|r| r.get(m).map(String::as_str) == Some(name)).map(|r| number(r, c)).sum()
}

fn journeys(d: &RunData, p: &str) -> String {
    let rows: Vec<&SummaryRow> = JOURNEYS.iter().filter_map(|j| d.metric(j)).collect();
    if rows.len() < JOURNEYS.len() || rows.iter().all(|r| r.mean.is_nan() || r.mean <= 0.0) {
        return "<p class=\"note\">No journeys in this run (no episode reached a first session after the warm-up).</p>\n".into();
    }
    let labels = ["(a) connected directly", "(b) held, then connected", "(c) held, not connected"];
    let mut out = String::from(
        "<p>Every episode that reached a first session ends in one of three journeys, or in neither (it ended \
         before being held or connected).</p>\n<table><tr><th>journey</th><th>share of episodes [95% CI]</th></tr>\n",
    );
    for (l, r) in labels.iter().zip(&rows) {
        out.push_str(&format!("<tr><td>{l}</td><td class=\"n\">{}</td></tr>\n", with_ci(r.mean, r.low, r.high)));
    }
    let neither = 1.0 - rows.iter().map(|r| r.mean).sum::<f64>();
    out.push_str(&format!("<tr><td>neither</td><td class=\"n\">{}</td></tr>\n</table>\n", fmt(neither)));
    let values: Vec<f64> = rows.iter().map(|r| r.mean).chain([neither]).collect();
    let mut names: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
    names.push("neither".into());
    out.push_str(&figure_or_note(
        plot::bars(
            &format!("{p}journeys-plot"),
            "Journeys",
            "share of episodes",
            &names,
            &[("share", values)],
            |_, _, v| format!("{:.1}%", 100.0 * v),
        ),
        "Share of episodes (referred after the warm-up, reaching a first session) by journey.",
    ));
    out.push_str(&held_by_reason(d));
    // What blocked connection in journey (c): the ledger's "journey c blocked by" entries.
    let c_total = mechanism_total(&d.mechanisms, "journey c: held, not connected");
    let blocked: Vec<(String, f64)> = crate::metrics::ledger::Mechanism::ALL
        .iter()
        .map(|m| m.name())
        .filter(|n| n.starts_with("journey c blocked by: ") || n.starts_with("journey c ended: "))
        .map(|n| (n.trim_start_matches("journey c blocked by: ").to_string(), mechanism_total(&d.mechanisms, n)))
        .filter(|(_, v)| *v > 0.0)
        .collect();
    if c_total > 0.0 && !blocked.is_empty() {
        let labels: Vec<String> = blocked.iter().map(|b| b.0.clone()).collect();
        let shares: Vec<f64> = blocked.iter().map(|b| b.1 / c_total).collect();
        out.push_str(&figure_or_note(
            plot::bars(
                &format!("{p}blocked-plot"),
                "Journey (c): what blocked connection",
                "share of journey (c) episodes",
                &labels,
                &[("share", shares)],
                |_, _, v| format!("{:.1}%", 100.0 * v),
            ),
            "Why held episodes never connected, from the mechanism ledger (all replications).",
        ));
    }
    out
}

/// Why patients are held (R8): holding starts and held patient-weeks by reason, from the
/// mechanism ledger.
fn held_by_reason(d: &RunData) -> String {
    let reasons = [
        ("not ready (readiness or capacity low)", "not ready"),
        ("waiting for services (no open suitable service, or a VCSE waiting list)", "waiting for services"),
        ("structural need only (housing, debt)", "structural need"),
    ];
    let starts: Vec<f64> =
        reasons.iter().map(|(_, r)| mechanism_total(&d.mechanisms, &format!("holding started, reason: {r}"))).collect();
    let weeks: Vec<f64> = reasons
        .iter()
        .map(|(_, r)| mechanism_total(&d.mechanisms, &format!("held patient-week, reason: {r}")))
        .collect();
    let (all_starts, all_weeks) = (starts.iter().sum::<f64>(), weeks.iter().sum::<f64>());
    if all_weeks.is_nan() || all_starts.is_nan() || all_weeks <= 0.0 || all_starts <= 0.0 {
        return String::new();
    }
    let mut out = String::from(
        "<p>Why patients are held. Link workers hold patients who are not ready yet, patients whose needs are all \
         structural, and ready patients who are waiting for services; from the mechanism ledger, all replications.</p>\n\
         <table><tr><th>held because</th><th>share of holding starts</th><th>share of held patient-weeks</th>\
         <th>held patient-weeks per start</th></tr>\n",
    );
    for (i, (label, _)) in reasons.iter().enumerate() {
        let per = if starts[i] > 0.0 { fmt(weeks[i] / starts[i]) } else { "–".into() };
        out.push_str(&format!(
            "<tr><td>{label}</td><td class=\"n\">{:.1}%</td><td class=\"n\">{:.1}%</td><td class=\"n\">{per}</td></tr>\n",
            100.0 * starts[i] / all_starts,
            100.0 * weeks[i] / all_weeks,
        ));
    }
    out.push_str("</table>\n");
    out
}

/// Sections comparing several runs (not paired: each with its own seed and replications):
/// their headlines in one table and their time series overlaid.
pub fn side_by_side(runs: &[&RunData], p: &str) -> Vec<Section> {
    let name = |d: &RunData| d.manifest["scenario_name"].as_str().unwrap_or("run").to_string();
    let mut table = String::from("<table><tr><th>metric</th>");
    for d in runs {
        table.push_str(&format!("<th>{}</th>", esc(&name(d))));
    }
    table.push_str("</tr>\n");
    for metric in ACCESS.iter().chain(RETENTION) {
        table.push_str(&format!("<tr><td><code>{}</code></td>", esc(metric)));
        for d in runs {
            let cell = d.metric(metric).map_or("–".to_string(), |r| with_ci(r.mean, r.low, r.high));
            table.push_str(&format!("<td class=\"n\">{cell}</td>"));
        }
        table.push_str("</tr>\n");
    }
    table.push_str(
        "</table>\n<p class=\"note\">Each run's mean with its 95% interval. These runs were not paired: for paired \
         differences under common random numbers use <code>spsim compare</code>.</p>\n",
    );
    let series: Vec<Overlay> =
        runs.iter().map(|d| Overlay { name: name(d), bands: bands_of(d), changes: changes(&d.manifest) }).collect();
    vec![
        Section { id: format!("{p}headline"), title: "Headlines".into(), html: table },
        Section { id: format!("{p}time-series"), title: "Over time".into(), html: time_series(&series, p) },
    ]
}

/// One context of `mechanisms.csv`.
fn context(text: &str) -> (String, String, String) {
    let mut d = (String::new(), String::new(), String::new());
    for part in text.split(';') {
        match part.split_once('=') {
            Some(("deprivation", v)) => d.0 = v.into(),
            Some(("complexity", v)) => d.1 = v.into(),
            Some(("supervision", v)) => d.2 = v.into(),
            _ => {}
        }
    }
    d
}

const LEVELS: [&str; 3] = ["low", "medium", "high"];

/// A cell shaded by its share of the row's largest rate.
fn shaded(rate: f64, max: f64) -> String {
    if rate.is_nan() || rate <= 0.0 {
        return "<td class=\"n\"></td>".into();
    }
    let a = if max > 0.0 { (rate / max).clamp(0.0, 1.0) * 0.75 } else { 0.0 };
    format!("<td class=\"n\" style=\"background:rgba(0,114,178,{a:.2})\">{}</td>", fmt(rate))
}

/// The mechanism counting PCN-weeks per context: the denominator of per PCN-year rates.
const PCN_WEEK: &str = "PCN-week at this supervision level";

fn for_whom(d: &RunData) -> String {
    use crate::metrics::ledger::LEVELS as SUPERVISION;
    let t = &d.mechanisms;
    let (Ok(rc), Ok(mc), Ok(cc), Ok(nc)) =
        (t.col("rule", ""), t.col("mechanism", ""), t.col("context", ""), t.col("count", ""))
    else {
        return "<p class=\"note\">mechanisms.csv has no rule, mechanism, context and count columns.</p>\n".into();
    };
    // Counts by mechanism (in file order) and context: (mechanism, supervision, deprivation, band (0 = none), count).
    let mut mechs: Vec<(String, String)> = Vec::new();
    let mut cells: Vec<(usize, usize, usize, usize, f64)> = Vec::new();
    for r in &t.rows {
        let key = (r.get(rc).cloned().unwrap_or_default(), r.get(mc).cloned().unwrap_or_default());
        let k = match mechs.iter().position(|m| *m == key) {
            Some(k) => k,
            None => {
                mechs.push(key);
                mechs.len() - 1
            }
        };
        let (dep, band, sup) = context(r.get(cc).map(String::as_str).unwrap_or(""));
        let si = SUPERVISION.iter().position(|l| *l == sup).unwrap_or(1);
        let di = LEVELS.iter().position(|l| *l == dep).unwrap_or(1);
        let bi = LEVELS.iter().position(|l| *l == band).map_or(0, |b| b + 1);
        cells.push((k, si, di, bi, number(r, nc)));
    }
    let total = |name: &str, si: usize, di: usize, bi: usize| -> f64 {
        let Some(k) = mechs.iter().position(|m| m.1 == name) else { return 0.0 };
        cells.iter().filter(|c| c.0 == k && c.1 == si && c.2 == di && c.3 == bi).map(|c| c.4).sum()
    };
    // Contexts present: supervision level × deprivation, in that order.
    let mut groups: Vec<(usize, usize)> = cells.iter().map(|c| (c.1, c.2)).collect();
    groups.sort_unstable();
    groups.dedup();
    let several = groups.iter().map(|g| g.0).collect::<std::collections::BTreeSet<_>>().len() > 1;
    let head = |si: usize, di: usize| {
        if several {
            format!("{} supervision, {} depr.", SUPERVISION[si], LEVELS[di])
        } else {
            format!("{} depr.", LEVELS[di])
        }
    };
    let levels: Vec<&str> =
        groups.iter().map(|g| SUPERVISION[g.0]).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let mut out = format!(
        "<p>How often each rule's mechanism fired, by context (supervision in force when it fired: {}). Patient \
         mechanisms: per 100 GP referrals of patients in the same context and complexity band; mechanisms about link \
         workers, posts and organisations: per PCN-year in the same context. Shading: share of the row's largest rate, \
         so a row reads across contexts.</p>\n",
        esc(&levels.join(", "))
    );
    out.push_str("<table class=\"ledger\"><tr><th>rule</th><th>mechanism (per 100 referrals)</th>");
    for &(si, di) in &groups {
        for b in LEVELS {
            out.push_str(&format!("<th>{}<br>{b} complexity</th>", head(si, di)));
        }
    }
    out.push_str("</tr>\n");
    let mut system_rows = String::new();
    for (k, (rule, name)) in mechs.iter().enumerate() {
        if name == PCN_WEEK {
            continue;
        }
        let mine: Vec<&(usize, usize, usize, usize, f64)> = cells.iter().filter(|c| c.0 == k).collect();
        let sum = |si: usize, di: usize, bi: usize| -> f64 {
            mine.iter().filter(|c| c.1 == si && c.2 == di && c.3 == bi).map(|c| c.4).sum()
        };
        let (rates, html) = if mine.iter().all(|c| c.3 == 0) {
            let rates: Vec<f64> = groups
                .iter()
                .map(|&(si, di)| {
                    let weeks = total(PCN_WEEK, si, di, 0);
                    if weeks > 0.0 { sum(si, di, 0) / (weeks / 52.0) } else { f64::NAN }
                })
                .collect();
            (rates, &mut system_rows)
        } else {
            let mut rates = Vec::new();
            for &(si, di) in &groups {
                for bi in 1..4 {
                    let base = total("referred by GP", si, di, bi);
                    rates.push(if base > 0.0 { 100.0 * sum(si, di, bi) / base } else { f64::NAN });
                }
            }
            (rates, &mut out)
        };
        let max = rates.iter().copied().filter(|r| r.is_finite()).fold(0.0, f64::max);
        html.push_str(&format!("<tr><td>{}</td><td>{}</td>", esc(rule), esc(name)));
        for r in rates {
            html.push_str(&shaded(r, max));
        }
        html.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    if !system_rows.is_empty() {
        out.push_str("<table class=\"ledger\"><tr><th>rule</th><th>mechanism (per PCN-year)</th>");
        for &(si, di) in &groups {
            out.push_str(&format!("<th>{}</th>", head(si, di)));
        }
        out.push_str("</tr>\n");
        out.push_str(&system_rows);
        out.push_str("</table>\n");
    }
    out
}

/// The funnel plot of per-year values in stage order (the golden test draws one).
pub fn funnel_plot(
    id: &str,
    values: &[f64],
    annotate: impl Fn(usize, usize, f64) -> String,
) -> Result<plot::Figure, String> {
    let labels: Vec<String> = STAGES.iter().map(|s| s.1.to_string()).collect();
    plot::bars(
        id,
        "From presentation to connection",
        "patients per year",
        &labels,
        &[("per year", values.to_vec())],
        annotate,
    )
}
