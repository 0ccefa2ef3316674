//! The report of a comparison: a forest plot of paired differences per group, the time
//! series of every scenario overlaid, and "through which mechanism": the ledger rates
//! that changed most, with intervals.

use serde_json::Value;

use super::parts::{
    OVER_TIME, Overlay, Section, Table, changes, esc, figure_or_note, fmt, glossary, number, period_words, with_ci,
    year_of,
};
use super::plot::{self, Interval};
use super::series::{self, Band};
use crate::metrics::defs::{GROUPS, group};

/// One row of `compare.csv`.
#[derive(Debug, Clone)]
pub struct DiffRow {
    /// Alternative.
    pub scenario: String,
    /// Period (`all` in files without the column).
    pub period: String,
    /// Metric.
    pub metric: String,
    /// Baseline mean.
    pub base: f64,
    /// Alternative mean.
    pub alt: f64,
    /// Mean paired difference.
    pub diff: f64,
    /// 95% interval.
    pub low: f64,
    /// 95% interval.
    pub high: f64,
    /// Standard deviation of the differences.
    pub sd: f64,
    /// Pairs.
    pub n: f64,
    /// Unit (mechanism rates; empty for metrics).
    pub unit: String,
}

impl DiffRow {
    /// Whether its interval excludes 0.
    pub fn real(&self) -> bool {
        crate::compare::excludes_zero(self.low, self.high)
    }

    /// Standardised difference (diff ÷ sd), for sorting; ±∞ with no spread.
    pub fn z(&self) -> f64 {
        crate::compare::standardised_value(self.diff, self.sd)
    }

    /// The difference and its interval as % of the baseline mean (None when that is 0),
    /// the interval kept where the alternative's value can lie: a rate or count cannot
    /// fall by more than 100%, a share cannot rise past 1.
    pub fn relative(&self) -> Option<(f64, f64, f64)> {
        (self.base.is_finite() && self.base != 0.0).then(|| {
            let k = 100.0 / self.base.abs();
            // Mechanism rows (with a unit) are rates, at least 0.
            let (lo, hi) =
                if self.unit.is_empty() { crate::metrics::defs::range(&self.metric) } else { (0.0, f64::INFINITY) };
            let (dlo, dhi) = (lo - self.base, hi - self.base);
            (self.diff * k, self.low.max(dlo) * k, self.high.min(dhi) * k)
        })
    }
}

/// A comparison folder read back.
#[derive(Debug, Clone)]
pub struct CompareData {
    /// `manifest.json`.
    pub manifest: Value,
    /// `compare.csv`, period `all`.
    pub diffs: Vec<DiffRow>,
    /// `compare.csv`, the other periods (each year, around each scheduled change).
    pub by_period: Vec<DiffRow>,
    /// `series.csv` (absent in folders of older versions).
    pub series: Option<Vec<(String, Vec<Band>)>>,
    /// `mechanisms.csv` (absent in folders of older versions).
    pub mechanisms: Option<Vec<DiffRow>>,
    /// `ensemble.csv`, when the comparison was made across a plausible set.
    pub ensemble: Option<Table>,
}

fn read_diffs(name: &str, bytes: &[u8], key: &str) -> Result<Vec<DiffRow>, String> {
    let t = Table::parse(name, bytes)?;
    let c = |col: &str| t.col(col, name);
    let (sc, k, d, lo, hi, sd, n) =
        (c("scenario")?, c(key)?, c("diff_mean")?, c("ci_low")?, c("ci_high")?, c("sd")?, c("n")?);
    let (b, a) = match (t.col("base_mean", name), t.col("alt_mean", name)) {
        (Ok(b), Ok(a)) => (b, a),
        _ => (c("base_rate")?, c("alt_rate")?),
    };
    let unit = t.col("unit", name).ok();
    let rule = t.col("rule", name).ok();
    let period = t.col("period", name).ok();
    let rows = t
        .rows
        .iter()
        .map(|r| DiffRow {
            scenario: r.get(sc).cloned().unwrap_or_default(),
            period: period.and_then(|p| r.get(p).cloned()).unwrap_or_else(|| "all".into()),
            metric: match rule {
                Some(i) => format!("{} {}", r.get(i).map_or("", String::as_str), r.get(k).map_or("", String::as_str)),
                None => r.get(k).cloned().unwrap_or_default(),
            },
            base: number(r, b),
            alt: number(r, a),
            diff: number(r, d),
            low: number(r, lo),
            high: number(r, hi),
            sd: number(r, sd),
            n: number(r, n),
            unit: unit.and_then(|u| r.get(u).cloned()).unwrap_or_default(),
        })
        .collect();
    Ok(rows)
}

impl CompareData {
    /// Read the files of a comparison folder.
    pub fn read(
        manifest: Value,
        need: &dyn Fn(&str) -> Result<Vec<u8>, String>,
        file: &dyn Fn(&str) -> Option<Vec<u8>>,
    ) -> Result<CompareData, String> {
        let (diffs, by_period): (Vec<DiffRow>, Vec<DiffRow>) =
            read_diffs("compare.csv", &need("compare.csv")?, "metric")?.into_iter().partition(|d| d.period == "all");
        let series = match file("series.csv") {
            Some(b) => Some(series::read_series_csv(&b).map_err(|e| format!("series.csv: {e}"))?),
            None => None,
        };
        let mechanisms = file("mechanisms.csv").map(|b| read_diffs("mechanisms.csv", &b, "mechanism")).transpose()?;
        let ensemble = file("ensemble.csv").map(|b| Table::parse("ensemble.csv", &b)).transpose()?;
        Ok(CompareData { manifest, diffs, by_period, series, mechanisms, ensemble })
    }

    /// Scenario names, baseline first.
    pub fn scenarios(&self) -> Vec<String> {
        let mut names: Vec<String> = self.manifest["scenarios"]
            .as_array()
            .map(|l| l.iter().filter_map(|s| s["name"].as_str().map(String::from)).collect())
            .unwrap_or_default();
        if names.is_empty() {
            names.push(self.manifest["baseline"].as_str().unwrap_or("baseline").to_string());
            for d in &self.diffs {
                if !names.contains(&d.scenario) {
                    names.push(d.scenario.clone());
                }
            }
        }
        names
    }

    /// "baseline vs a, b".
    pub fn title(&self) -> String {
        let names = self.scenarios();
        match names.split_first() {
            Some((base, rest)) if !rest.is_empty() => format!("{base} vs {}", rest.join(", ")),
            _ => "comparison".into(),
        }
    }
}

/// The sections of a comparison's report.
pub fn sections(d: &CompareData, p: &str) -> Vec<Section> {
    let mut shown: Vec<&str> = Vec::new();
    for r in &d.diffs {
        if !shown.contains(&r.metric.as_str()) {
            shown.push(&r.metric);
        }
    }
    let mut out = vec![Section {
        id: format!("{p}differences"),
        title: format!("Differences from {}", d.scenarios().first().map_or("the first scenario", String::as_str)),
        html: differences(d, p),
    }];
    if let Some(t) = &d.ensemble {
        out.push(super::ensemble::compare_section(t, p));
    }
    if d.diffs.iter().any(|r| r.metric == "cost_total_per_pcn_year") {
        out.push(Section { id: format!("{p}pays"), title: "Hours and costs: does it pay?".into(), html: pays(d) });
    }
    if !d.by_period.is_empty() {
        out.push(Section {
            id: format!("{p}when"),
            title: "When it shows, and whether it lasts".into(),
            html: when_it_shows(d, p),
        });
    }
    out.extend(vec![
        Section { id: format!("{p}time-series"), title: "Over time, every scenario".into(), html: time_series(d, p) },
        Section { id: format!("{p}mechanisms"), title: "Through which mechanism".into(), html: mechanisms(d, p) },
        Section {
            id: format!("{p}glossary"),
            title: "Glossary".into(),
            html: glossary(&shown, &series::SERIES.iter().map(|s| s.id).collect::<Vec<_>>()),
        },
    ]);
    out
}

/// Per alternative: where the link workers' hours went, what it cost, and the cost per
/// additional patient connected and per leaver avoided (ratios of mean paired
/// differences, given only when the outcome's interval excludes 0).
fn pays(d: &CompareData) -> String {
    let base = d.scenarios().first().cloned().unwrap_or_default();
    let mut out = String::from(
        "<p>Hours are per link-worker year, money per PCN-year at the scenario's unit costs (<code>[costs]</code>, \
         documented with their sources in the scenario reference). Incremental cost and outcomes are paired \
         differences (alternative − baseline) with 95% intervals; a cost per additional outcome is the ratio of \
         their means, shown when the outcome's interval excludes 0.</p>\n",
    );
    let words = |m: &str| crate::metrics::defs::find(m).map_or(m.to_string(), |d| d.meaning.to_string());
    for alt in alternatives(d) {
        let row = |m: &str| d.diffs.iter().find(|r| r.scenario == alt && r.metric == m);
        out.push_str(&format!("<h3>{} − {}</h3>\n", esc(&alt), esc(&base)));
        let mut lines = Vec::new();
        let cost = row("cost_total_per_pcn_year");
        for (outcome, what, sign) in [
            ("connections_per_pcn_year", "per additional patient connected", 1.0),
            ("lw_leavers_per_pcn_year", "per leaver avoided", -1.0),
        ] {
            let (Some(c), Some(o)) = (cost, row(outcome)) else { continue };
            let gained = sign * o.diff;
            let line = if o.real() && gained > 0.0 {
                format!("£{} {what}", fmt(c.diff / gained))
            } else if o.real() {
                format!("{what}: none (the alternative does worse on it)")
            } else {
                format!("{what}: no clear difference in the outcome, so no ratio")
            };
            lines.push(format!("<li>{}</li>", esc(&line)));
        }
        if !lines.is_empty() {
            out.push_str(&format!("<ul>{}</ul>\n", lines.join("")));
        }
        let mut table = String::from(
            "<table><tr><th>measure</th><th>baseline</th><th>alternative</th><th>difference [95% CI]</th></tr>\n",
        );
        for r in d
            .diffs
            .iter()
            .filter(|r| r.scenario == alt && (r.metric.starts_with("hours_") || group(&r.metric) == "costs"))
        {
            table.push_str(&format!(
                "<tr{}><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                if r.real() { " class=\"real\"" } else { "" },
                esc(&words(&r.metric)),
                fmt(r.base),
                fmt(r.alt),
                with_ci(r.diff, r.low, r.high)
            ));
        }
        table.push_str("</table>\n");
        out.push_str(&table);
    }
    out
}

/// Per alternative: the paired difference of each followed measure year by year (a plot
/// each), and a table of every period (each year, and the year before and each year
/// after each scheduled change).
fn when_it_shows(d: &CompareData, p: &str) -> String {
    let base = d.scenarios().first().cloned().unwrap_or_default();
    let mut out = String::from(
        "<p>The paired difference (alternative − baseline) in each reported year, and in the year before and \
         each year after every scheduled change, with its 95% interval: when an effect shows, and whether it \
         lasts or recovers. Weeks are reported weeks (after the warm-up).</p>\n",
    );
    let mut periods: Vec<&str> = Vec::new();
    for r in &d.by_period {
        if !periods.contains(&r.period.as_str()) {
            periods.push(&r.period);
        }
    }
    for (k, alt) in alternatives(d).iter().enumerate() {
        out.push_str(&format!("<h3>{} − {}</h3>\n<div class=\"pair\">\n", esc(alt), esc(&base)));
        let rows = |metric: &'static str| d.by_period.iter().filter(move |r| r.scenario == *alt && r.metric == metric);
        for (i, (metric, words)) in OVER_TIME.iter().enumerate() {
            let pts: Vec<(f64, f64, f64, f64)> =
                rows(metric).filter_map(|r| Some((year_of(&r.period)?, r.diff, r.low, r.high))).collect();
            if pts.is_empty() {
                continue;
            }
            let id = format!("{p}when-{}-{}", k + 1, i + 1);
            out.push_str(&figure_or_note(
                plot::points(&id, words, "year", "difference", &pts),
                &format!("{words}: {alt} − {base}, by year, 95% intervals."),
            ));
        }
        out.push_str("</div>\n");
        let mut table = String::from("<table><tr><th>measure</th>");
        for period in &periods {
            table.push_str(&format!("<th>{}</th>", esc(&period_words(period))));
        }
        table.push_str("</tr>\n");
        for (metric, words) in OVER_TIME {
            table.push_str(&format!("<tr><td>{}</td>", esc(words)));
            for period in &periods {
                match rows(metric).find(|r| r.period == *period) {
                    Some(r) => table.push_str(&format!(
                        "<td class=\"n{}\">{}</td>",
                        if r.real() { " real" } else { "" },
                        with_ci(r.diff, r.low, r.high)
                    )),
                    None => table.push_str("<td></td>"),
                }
            }
            table.push_str("</tr>\n");
        }
        table.push_str("</table>\n");
        out.push_str(&details(&format!("{alt}: every period (bold: the interval excludes 0)"), &table));
    }
    out
}

fn alternatives(d: &CompareData) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in &d.diffs {
        if !out.contains(&r.scenario) {
            out.push(r.scenario.clone());
        }
    }
    out
}

/// A table folded under a summary line (opened on click, no script needed); the plot
/// above it carries the same rows.
fn details(summary: &str, body: &str) -> String {
    format!("<details><summary>{}</summary>\n{body}</details>\n", esc(summary))
}

fn diff_table(rows: &[&DiffRow]) -> String {
    let mut out = String::from(
        "<table><tr><th></th><th>metric</th><th>baseline</th><th>alternative</th><th>difference [95% CI]</th><th>n</th></tr>\n",
    );
    for r in rows {
        let u = &r.unit;
        out.push_str(&format!(
            "<tr{}><td>{}</td><td>{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
            if r.real() { " class=\"real\"" } else { "" },
            if r.real() { "*" } else { "" },
            esc(&r.metric),
            if u.is_empty() { String::new() } else { format!(" <span class=\"unit\">({})</span>", esc(u)) },
            fmt(r.base),
            fmt(r.alt),
            with_ci(r.diff, r.low, r.high),
            fmt(r.n)
        ));
    }
    out.push_str("</table>\n");
    out
}

/// Forest rows: the relative difference (% of the baseline mean) with its interval.
fn forest_rows(rows: &[&DiffRow]) -> Vec<Interval> {
    rows.iter()
        .filter_map(|r| {
            let (m, lo, hi) = r.relative()?;
            // In words (mechanism rows are named in words already).
            let label = if r.unit.is_empty() { crate::metrics::defs::words(&r.metric) } else { r.metric.clone() };
            Some(Interval { label, mean: m, low: lo, high: hi, marked: r.real() })
        })
        .collect()
}

fn differences(d: &CompareData, p: &str) -> String {
    let mut out = String::from(
        "<p>Paired differences (alternative − baseline) under common random numbers: replication r of every scenario \
         sees the same patients. Each plot shows the difference as a percentage of the baseline mean with its 95% \
         interval, largest standardised difference (difference ÷ its sd) first; filled points and bold rows (*) are \
         differences whose interval excludes 0.</p>\n",
    );
    for (k, alt) in alternatives(d).iter().enumerate() {
        out.push_str(&format!(
            "<h3>{} − {}</h3>\n",
            esc(alt),
            esc(&d.scenarios().first().cloned().unwrap_or_default())
        ));
        for g in GROUPS {
            let mut rows: Vec<&DiffRow> =
                d.diffs.iter().filter(|r| r.scenario == *alt && group(&r.metric) == *g).collect();
            if rows.is_empty() {
                continue;
            }
            rows.sort_by(|a, b| b.z().abs().total_cmp(&a.z().abs()).then(a.metric.cmp(&b.metric)));
            let id = format!("{p}forest-{}-{}", k + 1, g.replace(' ', "-"));
            let caption = format!(
                "{g}: paired differences as % of the first scenario's mean, 95% intervals (metrics with a mean of 0 \
                 there only in the table)."
            );
            for f in plot::forests(
                &id,
                &format!("{alt}: {g}"),
                "difference, % of the first scenario's mean",
                &forest_rows(&rows),
            ) {
                out.push_str(&figure_or_note(f, &caption));
            }
            out.push_str(&details(&format!("{g}: the table"), &diff_table(&rows)));
        }
    }
    out
}

fn time_series(d: &CompareData, p: &str) -> String {
    let Some(series) = &d.series else {
        return "<p class=\"note\">This folder has no series.csv (written by an older spsim): re-run the comparison for time series.</p>\n".into();
    };
    let changes_of = |name: &str| -> Vec<(f64, String)> {
        d.manifest["scenarios"]
            .as_array()
            .and_then(|l| l.iter().find(|s| s["name"].as_str() == Some(name)))
            .map(|s| changes(s).into_iter().map(|(w, what)| (w, format!("{name}: {what}"))).collect())
            .unwrap_or_default()
    };
    let runs: Vec<Overlay> = series
        .iter()
        .map(|(name, bands)| Overlay { name: name.clone(), bands: bands.clone(), changes: changes_of(name) })
        .collect();
    super::parts::time_series(&runs, p)
}

/// Mechanism rows of one alternative that changed most: real differences first, by the
/// size of the relative change, at most `limit`.
pub fn top_mechanisms<'a>(d: &'a CompareData, alt: &str, limit: usize) -> Vec<&'a DiffRow> {
    let Some(rows) = &d.mechanisms else { return Vec::new() };
    let mut mine: Vec<&DiffRow> = rows.iter().filter(|r| r.scenario == alt).collect();
    let size = |r: &DiffRow| r.relative().map_or(0.0, |x| x.0.abs());
    mine.sort_by(|a, b| b.real().cmp(&a.real()).then(size(b).total_cmp(&size(a))).then(a.metric.cmp(&b.metric)));
    mine.truncate(limit);
    mine
}

/// Mechanisms shown per alternative.
pub const TOP_MECHANISMS: usize = 15;

fn mechanisms(d: &CompareData, p: &str) -> String {
    if d.mechanisms.is_none() {
        return "<p class=\"note\">This folder has no mechanisms.csv (written by an older spsim): re-run the comparison.</p>\n".into();
    }
    let mut out = format!(
        "<p>Which rules' mechanisms fired more or less often in each alternative: the paired difference of each \
         mechanism's rate (patient mechanisms per 100 GP referrals; those about link workers, posts and organisations \
         per PCN per year), replication by replication. The {TOP_MECHANISMS} that changed most (relative to the \
         baseline rate, intervals excluding 0 first) are shown; mechanisms.csv holds them all.</p>\n"
    );
    for (k, alt) in alternatives(d).iter().enumerate() {
        let rows = top_mechanisms(d, alt, TOP_MECHANISMS);
        if rows.is_empty() {
            continue;
        }
        out.push_str(&format!("<h3>{}</h3>\n", esc(alt)));
        for f in plot::forests(
            &format!("{p}mechanisms-{}", k + 1),
            &format!("{alt}: mechanisms that changed most"),
            "rate difference, % of the first scenario's rate",
            &forest_rows(&rows),
        ) {
            out.push_str(&figure_or_note(
                f,
                "Mechanism rates: paired difference as % of the first scenario's rate, 95% intervals; filled: \
                 interval excludes 0.",
            ));
        }
        out.push_str(&details("the table", &diff_table(&rows)));
    }
    out
}
