//! The report of a sweep: Sobol' or Morris indices when analysed (bars for the headline
//! metrics, a shaded table for all), and each metric against each swept parameter.

use serde_json::Value;

use super::parts::{Section, Table, esc, figure_or_note, fmt, glossary, number};
use super::plot;
use crate::metrics::defs::{GROUPS, group};
use crate::metrics::summary::stats_of;
use crate::report::points::{PointsTable, parse_points};

/// A sweep folder read back.
#[derive(Debug, Clone)]
pub struct SweepData {
    /// `manifest.json`.
    pub manifest: Value,
    /// `points.csv`.
    pub points: PointsTable,
    /// `sobol.csv`, when analysed.
    pub sobol: Option<Table>,
    /// `morris.csv`, when analysed.
    pub morris: Option<Table>,
}

impl SweepData {
    /// Read the files of a sweep folder.
    pub fn read(
        manifest: Value,
        need: &dyn Fn(&str) -> Result<Vec<u8>, String>,
        file: &dyn Fn(&str) -> Option<Vec<u8>>,
    ) -> Result<SweepData, String> {
        let points = parse_points(&need("points.csv")?).map_err(|e| format!("points.csv: {e}"))?;
        let sobol = file("sobol.csv").map(|b| Table::parse("sobol.csv", &b)).transpose()?;
        let morris = file("morris.csv").map(|b| Table::parse("morris.csv", &b)).transpose()?;
        Ok(SweepData { manifest, points, sobol, morris })
    }
}

/// Metrics whose sensitivity bars are drawn (the rest are in the table).
const BARS_FOR: &[&str] = &[
    "wait_weeks_mean",
    "connected_rate",
    "caseload_per_lw_year",
    "lw_burnout_mean",
    "lw_turnover_annual",
    "lw_vacancy_rate",
];

/// The sections of a sweep's report.
pub fn sections(d: &SweepData, p: &str) -> Vec<Section> {
    let shown: Vec<&str> = d.points.metrics.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    out.push(Section { id: format!("{p}design"), title: "Design".into(), html: design(d) });
    out.push(Section { id: format!("{p}sensitivity"), title: "Sensitivity".into(), html: sensitivity(d, p) });
    // Heat maps for grids (a Morris or Latin hypercube design has no cells to fill).
    let pairs = if d.manifest["design"] == "grid" { two_at_a_time(d, p) } else { String::new() };
    if !pairs.is_empty() {
        out.push(Section { id: format!("{p}pairs"), title: "Two parameters at a time".into(), html: pairs });
    }
    out.push(Section {
        id: format!("{p}parameters"),
        title: "Each metric against each swept parameter".into(),
        html: against(d, p),
    });
    out.push(Section { id: format!("{p}glossary"), title: "Glossary".into(), html: glossary(&shown, &[]) });
    out
}

fn design(d: &SweepData) -> String {
    let m = &d.manifest;
    let mut out = format!(
        "<p>{} design: {} points × {} replications = {} runs ({} failed). Swept:</p>\n<table><tr><th>parameter</th><th>from</th><th>to</th></tr>\n",
        esc(m["design"].as_str().unwrap_or("?")),
        m["points"].as_u64().unwrap_or(d.points.x.len() as u64),
        m["replications"].as_u64().unwrap_or(0),
        m["runs"].as_u64().unwrap_or(0),
        m["failed_runs"].as_u64().unwrap_or(0)
    );
    for (j, name) in d.points.parameters.iter().enumerate() {
        let xs: Vec<f64> = d.points.x.iter().filter_map(|r| r.get(j).copied().flatten()).collect();
        let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        out.push_str(&format!(
            "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
            esc(name),
            fmt(lo),
            fmt(hi)
        ));
    }
    out.push_str("</table>\n");
    out
}

/// Indices of one method: (metric, parameter, first index, second index).
fn indices(t: &Table, a: &str, b: &str) -> Vec<(String, String, f64, f64)> {
    let (Ok(m), Ok(pc), Ok(ia), Ok(ib)) = (t.col("metric", ""), t.col("parameter", ""), t.col(a, ""), t.col(b, ""))
    else {
        return Vec::new();
    };
    t.rows
        .iter()
        .map(|r| {
            (
                r.get(m).cloned().unwrap_or_default(),
                r.get(pc).cloned().unwrap_or_default(),
                number(r, ia),
                number(r, ib),
            )
        })
        .collect()
}

fn sensitivity(d: &SweepData, p: &str) -> String {
    let mut out = String::new();
    let methods: Vec<(&str, &Table, &str, &str, &str)> = [
        d.sobol.as_ref().map(|t| ("Sobol'", t, "S1", "ST", "first-order (S1) and total (ST) Sobol' index")),
        d.morris
            .as_ref()
            .map(|t| ("Morris", t, "mu_star", "sigma", "Morris μ* (mean absolute elementary effect) and σ")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if methods.is_empty() {
        return "<p class=\"note\">Not analysed: run <code>spsim analyze sobol DIR</code> or <code>spsim analyze morris DIR</code> \
                on a Sobol' or Morris sweep, and the report is rebuilt with the indices.</p>\n"
            .into();
    }
    for (name, t, a, b, what) in methods {
        let rows = indices(t, a, b);
        let status = statuses(t);
        let status_of = |m: &str| status.iter().find(|s| s.0 == m).map(|s| (s.1.as_str(), s.2));
        let noise = |m: &str| status_of(m).is_some_and(|s| s.0 == "noise");
        let params: Vec<String> = {
            let mut v: Vec<String> = Vec::new();
            for r in &rows {
                if !v.contains(&r.1) {
                    v.push(r.1.clone());
                }
            }
            v
        };
        out.push_str(&format!(
            "<h3>{name}</h3>\n<p>Bars: {what}, for the main metrics; the table has every metric.</p>\n"
        ));
        for (k, metric) in BARS_FOR.iter().enumerate() {
            let mine: Vec<&(String, String, f64, f64)> = rows.iter().filter(|r| r.0 == *metric).collect();
            if mine.is_empty() || noise(metric) || mine.iter().all(|r| !r.2.is_finite() && !r.3.is_finite()) {
                continue;
            }
            let labels: Vec<String> = mine.iter().map(|r| r.1.clone()).collect();
            let groups = [(a, mine.iter().map(|r| r.2).collect::<Vec<_>>()), (b, mine.iter().map(|r| r.3).collect())];
            out.push_str(&figure_or_note(
                plot::bars(
                    &format!("{p}{}-{}", name.trim_end_matches('\'').to_lowercase(), k + 1),
                    metric,
                    "index",
                    &labels,
                    &groups,
                    |_, _, v| fmt(v),
                ),
                &format!("{name} indices of <code>{}</code>.", esc(metric)),
            ));
        }
        // Every metric: the second index (ST or σ)… shaded by its share of the row's largest.
        let key = if name == "Morris" { a } else { b };
        let noisy: Vec<&str> = status.iter().filter(|s| s.1 == "noise").map(|s| s.0.as_str()).collect();
        if !noisy.is_empty() {
            out.push_str(&format!(
                "<p class=\"note\"><b>Not told from noise</b> (greyed in the table, no bars): no index of {} can be told \
                 from 0, because replication noise is at least half of the point means' variance. Run the sweep with \
                 more replications (the <code>replications_needed</code> column of the CSV) or larger regions before \
                 reading them.</p>\n",
                noisy.iter().map(|m| format!("<code>{}</code>", esc(m))).collect::<Vec<_>>().join(", ")
            ));
        }
        let with_status = !status.is_empty();
        out.push_str(&format!("<table><tr><th>metric ({key})</th>"));
        for pn in &params {
            out.push_str(&format!("<th><code>{}</code></th>", esc(pn)));
        }
        if with_status {
            out.push_str("<th>status</th><th>noise (share of a run's variance)</th>");
        }
        out.push_str("</tr>\n");
        let mut metrics: Vec<&str> = Vec::new();
        for r in &rows {
            if !metrics.contains(&r.0.as_str()) {
                metrics.push(&r.0);
            }
        }
        for m in metrics {
            let vals: Vec<f64> = params
                .iter()
                .map(|pn| {
                    rows.iter().find(|r| r.0 == m && r.1 == *pn).map_or(f64::NAN, |r| if key == a { r.2 } else { r.3 })
                })
                .collect();
            if vals.iter().all(|v| !v.is_finite()) {
                continue;
            }
            let max = vals.iter().copied().filter(|v| v.is_finite()).fold(0.0, f64::max);
            let grey = noise(m);
            let style = if grey { " style=\"color:#999\"" } else { "" };
            out.push_str(&format!("<tr{style}><td><code>{}</code></td>", esc(m)));
            for v in vals {
                let a = if max > 0.0 && v.is_finite() && !grey { (v / max).clamp(0.0, 1.0) * 0.75 } else { 0.0 };
                out.push_str(&format!("<td class=\"n\" style=\"background:rgba(0,114,178,{a:.2})\">{}</td>", fmt(v)));
            }
            if with_status {
                let (st, share) = status_of(m).unwrap_or(("", f64::NAN));
                let share = if share.is_finite() { format!("{:.0}%", 100.0 * share) } else { "–".into() };
                out.push_str(&format!("<td>{}</td><td class=\"n\">{share}</td>", esc(st)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    out
}

/// Each metric's status and noise share (of one run's variance) from an analysis file
/// that has them (written since the noise is measured), in file order.
fn statuses(t: &Table) -> Vec<(String, String, f64)> {
    let (Ok(m), Ok(st), Ok(ns)) = (t.col("metric", ""), t.col("status", ""), t.col("noise_share", "")) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String, f64)> = Vec::new();
    for r in &t.rows {
        let metric = r.get(m).cloned().unwrap_or_default();
        if !out.iter().any(|o| o.0 == metric) {
            out.push((metric, r.get(st).cloned().unwrap_or_default(), number(r, ns)));
        }
    }
    out
}

/// Levels of a swept parameter: its distinct values when at most this many, else this
/// many equal-width bins.
pub const LEVELS: usize = 10;

/// A metric's mean per level of parameter `j`: (x, mean, 95% low, high) over the points
/// in each level (x: the level's mean value).
pub fn by_level(t: &PointsTable, j: usize, metric: usize) -> Vec<(f64, f64, f64, f64)> {
    let pairs: Vec<(f64, f64)> =
        t.x.iter()
            .zip(&t.y)
            .filter_map(|(x, y)| Some((x.get(j).copied().flatten()?, y.get(metric).copied().flatten()?)))
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
    if pairs.is_empty() {
        return Vec::new();
    }
    let mut distinct: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let (lo, hi) = (distinct[0], distinct[distinct.len() - 1]);
    let bins = if distinct.len() <= LEVELS { distinct.len() } else { LEVELS };
    let bin_of = |x: f64| -> usize {
        if distinct.len() <= LEVELS {
            distinct.iter().position(|d| *d == x).unwrap_or(0)
        } else {
            (((x - lo) / (hi - lo) * bins as f64) as usize).min(bins - 1)
        }
    };
    let mut groups: Vec<Vec<(f64, f64)>> = vec![Vec::new(); bins];
    for p in pairs {
        groups[bin_of(p.0)].push(p);
    }
    groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|g| {
            let x = g.iter().map(|p| p.0).sum::<f64>() / g.len() as f64;
            let y: Vec<f64> = g.iter().map(|p| p.1).collect();
            let st = stats_of("level", &y).expect("levels are not empty");
            (x, st.mean, st.ci_low, st.ci_high)
        })
        .collect()
}

/// Metrics drawn two parameters at a time.
const HEAT_FOR: &[&str] = &[
    "dropout_waiting_rate",
    "wait_weeks_mean",
    "connected_rate",
    "lw_burnout_mean",
    "lw_intention_to_leave_share",
    "lw_turnover_annual",
];

/// Most levels a parameter may have to be drawn as a heat map axis (a grid's, not a
/// Latin hypercube's).
const HEAT_LEVELS: usize = 12;

/// A level's label: "none" for an interval of 0 weeks (no supervision), else its value.
pub fn level_label(param: &str, v: f64) -> String {
    if param.ends_with("interval_weeks") && v == 0.0 { "none".into() } else { plot::tick(v) }
}

/// For every pair of swept parameters with few levels each (a grid): heat maps of the
/// headline metrics, each cell the mean over the points at those two levels.
fn two_at_a_time(d: &SweepData, p: &str) -> String {
    let t = &d.points;
    let levels = |j: usize| -> Option<Vec<f64>> {
        let mut v: Vec<f64> =
            t.x.iter().filter_map(|x| x.get(j).copied().flatten()).filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        (v.len() >= 2 && v.len() <= HEAT_LEVELS).then_some(v)
    };
    let mut out = String::new();
    for a in 0..t.parameters.len() {
        for b in (a + 1)..t.parameters.len() {
            let (Some(xa), Some(xb)) = (levels(a), levels(b)) else { continue };
            let (pa, pb) = (&t.parameters[a], &t.parameters[b]);
            out.push_str(&format!(
                "<h3>{} × {}</h3>\n<p>Each cell: the metric's mean over the points at those two levels (and over \
                 the other swept parameters' levels, if any); darker is higher.</p>\n<div class=\"pair\">\n",
                esc(pa),
                esc(pb)
            ));
            let xs: Vec<String> = xa.iter().map(|v| level_label(pa, *v)).collect();
            let ys: Vec<String> = xb.iter().map(|v| level_label(pb, *v)).collect();
            for metric in HEAT_FOR {
                let Some(mi) = t.metrics.iter().position(|m| m == metric) else { continue };
                let cells: Vec<Vec<f64>> = xb
                    .iter()
                    .map(|vb| {
                        xa.iter()
                            .map(|va| {
                                let vals: Vec<f64> =
                                    t.x.iter()
                                        .zip(&t.y)
                                        .filter(|(x, _)| {
                                            x.get(a).copied().flatten() == Some(*va)
                                                && x.get(b).copied().flatten() == Some(*vb)
                                        })
                                        .filter_map(|(_, y)| y.get(mi).copied().flatten())
                                        .filter(|v| v.is_finite())
                                        .collect();
                                if vals.is_empty() { f64::NAN } else { vals.iter().sum::<f64>() / vals.len() as f64 }
                            })
                            .collect()
                    })
                    .collect();
                out.push_str(&figure_or_note(
                    plot::heatmap(
                        &format!("{p}heat-{}-{}-{metric}", a + 1, b + 1),
                        &crate::metrics::defs::words(metric),
                        (pa, &xs),
                        (pb, &ys),
                        &cells,
                    ),
                    "",
                ));
            }
            out.push_str("</div>\n");
        }
    }
    out
}

fn against(d: &SweepData, p: &str) -> String {
    let t = &d.points;
    let mut out = format!(
        "<p>For each metric (points.csv's mean over replications at each point) and each swept parameter: the mean \
         over the points at each level of the parameter (its values, or {LEVELS} equal-width bins), with the 95% \
         interval over those points, which includes the spread due to the other parameters. Metrics constant across \
         the sweep are left out.</p>\n"
    );
    for g in GROUPS {
        let mut any = false;
        for (mi, metric) in t.metrics.iter().enumerate() {
            if group(metric) != *g {
                continue;
            }
            let ys: Vec<f64> =
                t.y.iter().filter_map(|r| r.get(mi).copied().flatten()).filter(|v| v.is_finite()).collect();
            let varies = ys.iter().any(|v| (v - ys[0]).abs() > 1e-12 * ys[0].abs().max(1.0));
            if !varies {
                continue;
            }
            if !any {
                out.push_str(&format!("<h3>{g}</h3>\n"));
                any = true;
            }
            out.push_str("<div class=\"pair\">\n");
            for (j, param) in t.parameters.iter().enumerate() {
                let pts = by_level(t, j, mi);
                out.push_str(&figure_or_note(
                    plot::points_with(
                        &format!("{p}x-{metric}-{}", j + 1),
                        (
                            &crate::metrics::defs::words(metric),
                            param,
                            crate::metrics::defs::find(metric).map_or("mean", |d| d.unit),
                        ),
                        &pts,
                        &|v| level_label(param, v),
                    ),
                    "",
                ));
            }
            out.push_str("</div>\n");
        }
    }
    out
}
