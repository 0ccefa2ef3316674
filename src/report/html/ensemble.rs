//! The "across the plausible set" sections of run and compare reports, from the folder's
//! `ensemble.csv` (written by `run --ensemble` and `compare --ensemble`).

use super::parts::{Section, Table, esc, figure_or_note, fmt, number};
use super::plot::{self, Interval};

/// A run's ensemble section: for each shown metric, the run at the scenario's own
/// coefficients (`default`: metric → mean) against the plausible sets' median, 90% range
/// and combined interval.
pub fn run_section(t: &Table, default: &dyn Fn(&str) -> Option<f64>, shown: &[&str], p: &str) -> Section {
    let f = "ensemble.csv";
    let cols = (t.col("metric", f), t.col("median", f), t.col("low", f), t.col("high", f), t.col("sets", f));
    let (Ok(m), Ok(med), Ok(lo), Ok(hi), Ok(sets)) = cols else {
        return Section {
            id: format!("{p}ensemble"),
            title: "Across the plausible set".into(),
            html: "<p class=\"note\">ensemble.csv lacks its columns.</p>".into(),
        };
    };
    let (clo, chi) = (t.col("combined_low", f).ok(), t.col("combined_high", f).ok());
    let n_sets = t.rows.first().map_or(f64::NAN, |r| number(r, sets));
    let mut html = format!(
        "<p>The same scenario at each of {} plausible parameter set(s) from a calibration, with the same seeds and \
         replications (common random numbers). <b>Median</b> and <b>90% range</b>: the 5th to 95th percentile of \
         the sets' means (parameter uncertainty). <b>Combined</b>: the 5th to 95th percentile when each set's \
         mean is also uncertain by its standard error over replications (parameter and stochastic uncertainty \
         together). The first column is this run, at the scenario's own coefficients.</p>\n",
        fmt(n_sets)
    );
    html.push_str(
        "<table><tr><th>metric</th><th>this run</th><th>plausible sets: median</th><th>90% range</th>\
         <th>combined 90%</th></tr>\n",
    );
    let mut rows = Vec::new();
    for r in &t.rows {
        let name = r.get(m).map(String::as_str).unwrap_or("");
        if !shown.contains(&name) {
            continue;
        }
        let (a, b, c) = (number(r, med), number(r, lo), number(r, hi));
        let combined = match (clo, chi) {
            (Some(x), Some(y)) => format!("{} to {}", fmt(number(r, x)), fmt(number(r, y))),
            _ => "–".into(),
        };
        let d = default(name).unwrap_or(f64::NAN);
        html.push_str(&format!(
            "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} to {}</td>\
             <td class=\"n\">{combined}</td></tr>\n",
            esc(name),
            fmt(d),
            fmt(a),
            fmt(b),
            fmt(c)
        ));
        if d.is_finite() && d != 0.0 && a.is_finite() {
            let pct = |x: f64| 100.0 * (x - d) / d.abs();
            let label = crate::metrics::defs::words(name);
            rows.push(Interval { label, mean: pct(a), low: pct(b), high: pct(c), marked: true });
        }
    }
    html.push_str("</table>\n");
    if !rows.is_empty() {
        html.push_str(&figure_or_note(
            plot::forest(
                &format!("{p}ensemble-plot"),
                "Plausible sets against this run",
                "% difference from this run's mean",
                &rows,
            ),
            "Each row: the plausible sets' median (dot) and 90% range (line) of a metric, as a % difference from \
             the run at the scenario's own coefficients (0).",
        ));
    }
    Section { id: format!("{p}ensemble"), title: "Across the plausible set".into(), html }
}

/// A comparison's ensemble section: each alternative's paired differences across the
/// plausible sets, with how robust their sign is; those that flip sign are said so.
pub fn compare_section(t: &Table, p: &str) -> Section {
    let f = "ensemble.csv";
    let cols = (
        t.col("scenario", f),
        t.col("metric", f),
        t.col("median", f),
        t.col("low", f),
        t.col("high", f),
        t.col("sets", f),
        t.col("same_sign_share", f),
    );
    let (Ok(sc), Ok(m), Ok(med), Ok(lo), Ok(hi), Ok(sets), Ok(share)) = cols else {
        return Section {
            id: format!("{p}ensemble"),
            title: "Across the plausible set".into(),
            html: "<p class=\"note\">ensemble.csv lacks its columns.</p>".into(),
        };
    };
    let mut html = String::from(
        "<p>Each comparison repeated at every plausible parameter set (same seeds and replications in every set \
         and scenario). For each metric: the median of the sets' paired mean differences, their 90% range, and \
         the share of sets whose difference has the median's sign. <span class=\"out\">Flips sign</span>: in \
         some plausible sets the difference goes the other way, so the answer depends on coefficients the \
         published figures do not pin down (or is within noise).</p>\n",
    );
    let mut scenarios: Vec<String> = Vec::new();
    for r in &t.rows {
        if let Some(s) = r.get(sc)
            && !scenarios.contains(s)
        {
            scenarios.push(s.clone());
        }
    }
    for s in &scenarios {
        let mut rows: Vec<&Vec<String>> = t
            .rows
            .iter()
            .filter(|r| r.get(sc) == Some(s) && number(r, med).is_finite() && number(r, med) != 0.0)
            .collect();
        rows.sort_by(|a, b| {
            let z = |r: &Vec<String>| {
                let w = (number(r, hi) - number(r, lo)).abs();
                if w > 0.0 { (number(r, med) / w).abs() } else { f64::INFINITY }
            };
            z(b).total_cmp(&z(a))
        });
        html.push_str(&format!(
            "<h3>{}</h3>\n<table><tr><th>metric</th><th>median difference</th><th>90% range</th><th>sign</th></tr>\n",
            esc(s)
        ));
        let mut plot_rows = Vec::new();
        for r in rows.iter().take(25) {
            let name = r.get(m).map(String::as_str).unwrap_or("");
            let sh = number(r, share);
            let flips = sh < 1.0;
            let verdict = if flips {
                format!(
                    "<span class=\"out\">flips sign</span>: same sign in {:.0}% of {} sets",
                    (100.0 * sh).floor(),
                    fmt(number(r, sets))
                )
            } else {
                format!("<span class=\"in\">robust</span>: same sign in all {} sets", fmt(number(r, sets)))
            };
            html.push_str(&format!(
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{} to {}</td><td>{verdict}</td></tr>\n",
                esc(name),
                fmt(number(r, med)),
                fmt(number(r, lo)),
                fmt(number(r, hi))
            ));
            let w = (number(r, hi) - number(r, lo)).abs().max(1e-12);
            plot_rows.push(Interval {
                label: format!("{}{}", crate::metrics::defs::words(name), if flips { " (flips sign)" } else { "" }),
                mean: number(r, med) / w,
                low: number(r, lo) / w,
                high: number(r, hi) / w,
                marked: !flips,
            });
        }
        html.push_str("</table>\n");
        if !plot_rows.is_empty() {
            html.push_str(&figure_or_note(
                plot::forest(
                    &format!("{p}ensemble-{}", scenarios.iter().position(|x| x == s).unwrap_or(0)),
                    &format!("{s}: differences across the plausible set"),
                    "difference ÷ width of its 90% range across sets",
                    &plot_rows,
                ),
                "Each row: the median paired difference (dot) and its 90% range across plausible sets (line), \
                 scaled by the range's width so every metric fits one axis. Filled: the same sign in every set; \
                 hollow: flips sign.",
            ));
        }
    }
    Section { id: format!("{p}ensemble"), title: "Across the plausible set".into(), html }
}
