//! The report of a calibration folder (`spsim calibrate FILE --out DIR`): what was
//! matched and how each target came out across the plausible set (held-out targets
//! marked), how much of the space each wave left, each parameter's plausible range
//! against its prior, and pairs plots of the plausible set. Built from `manifest.json`
//! and `waves.csv` only.

use serde_json::Value;

use super::parts::{Section, Table, esc, figure, figure_or_note, fmt, number};
use super::plot::{self, Interval};

/// A calibration folder's files, read back.
#[derive(Debug, Clone)]
pub struct CalibrationData {
    /// `manifest.json`.
    pub manifest: Value,
    /// `waves.csv`.
    pub waves: Table,
}

/// Most parameters drawn in the pairs plots (their first pairs).
const PAIRS_PARAMS: usize = 6;

impl CalibrationData {
    /// Read from the folder's files.
    pub fn read(manifest: Value, need: &dyn Fn(&str) -> Result<Vec<u8>, String>) -> Result<CalibrationData, String> {
        let waves = Table::parse("waves.csv", &need("waves.csv")?)?;
        waves.col("plausible", "waves.csv")?;
        waves.col("max_implausibility", "waves.csv")?;
        Ok(CalibrationData { manifest, waves })
    }

    fn plausible_rows(&self) -> Vec<&Vec<String>> {
        let c = self.waves.col("plausible", "waves.csv").expect("checked");
        self.waves.rows.iter().filter(|r| r.get(c).map(String::as_str) == Some("1")).collect()
    }
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// The page's sections; ids start with `prefix`.
pub fn sections(d: &CalibrationData, prefix: &str) -> Vec<Section> {
    let m = &d.manifest;
    let plausible = d.plausible_rows();
    let total = d.waves.rows.len();
    let mut out = Vec::new();

    // Headline and targets.
    let mut html = format!(
        "<p>History matching: {} of {} simulated parameter set(s) are not ruled out (implausibility ≤ {}; {}). \
         {}.</p>\n",
        plausible.len(),
        total,
        fmt(f(&m["cutoff"])),
        if m["rule_out_by"] == "largest" {
            "a set is judged by its largest implausibility over the fitted targets"
        } else {
            "with 5 or more fitted targets a set is judged by its second-largest implausibility"
        },
        esc(m["stopped"].as_str().unwrap_or("")),
    );
    html.push_str(
        "<table><tr><th>target and its source</th><th>use</th><th>observed ± sd</th>\
         <th>plausible sets: simulated range</th></tr>\n",
    );
    for t in arr(&m["targets"]) {
        let label = t["label"].as_str().unwrap_or("?");
        let held = t["use"] == "validate";
        let col = d.waves.col(&format!("{label}:mean"), "waves.csv").ok();
        let xs: Vec<f64> =
            col.map_or_else(Vec::new, |c| plausible.iter().map(|r| number(r, c)).filter(|x| x.is_finite()).collect());
        let (lo, hi) =
            (xs.iter().copied().fold(f64::INFINITY, f64::min), xs.iter().copied().fold(f64::NEG_INFINITY, f64::max));
        let (v, sd) = (f(&t["value"]), f(&t["sd"]));
        // Held out: the share of plausible sets whose simulated mean lies within 2 sd.
        let near = xs.iter().filter(|x| (*x - v).abs() <= 2.0 * sd).count();
        let verdict = match (held, xs.is_empty()) {
            (true, false) if 2 * near >= xs.len() => format!(
                "<br><span class=\"in\">held out: reproduced by {:.0}% of the sets</span>",
                100.0 * near as f64 / xs.len() as f64
            ),
            (true, false) => format!(
                "<br><span class=\"out\">held out: missed by {:.0}% of the sets</span>",
                100.0 * (xs.len() - near) as f64 / xs.len() as f64
            ),
            _ => String::new(),
        };
        let observed = match t["range"].as_array() {
            Some(r) if r.len() == 2 => format!(
                "{} ± {}<br><span class=\"unit\">range {} to {}</span>",
                fmt(v),
                fmt(sd),
                fmt(f(&r[0])),
                fmt(f(&r[1]))
            ),
            _ => format!("{} ± {}", fmt(v), fmt(sd)),
        };
        html.push_str(&format!(
            "<tr><td><code>{}</code><br><span class=\"unit\">{}</span></td><td>{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}{verdict}</td></tr>\n",
            esc(label),
            esc(t["source"].as_str().unwrap_or("")),
            if held { "<b>held out</b>" } else { "fit" },
            observed,
            if xs.is_empty() { "–".into() } else { format!("{} to {}", fmt(lo), fmt(hi)) },
        ));
    }
    html.push_str("</table>\n");
    let rows: Vec<Interval> = arr(&m["targets"])
        .iter()
        .filter_map(|t| {
            let label = t["label"].as_str()?;
            let c = d.waves.col(&format!("{label}:mean"), "waves.csv").ok()?;
            let xs: Vec<f64> = plausible.iter().map(|r| number(r, c)).filter(|x| x.is_finite()).collect();
            if xs.is_empty() {
                return None;
            }
            let (v, sd) = (f(&t["value"]), f(&t["sd"]));
            let scale = if sd > 0.0 { sd } else { 1.0 };
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mid = (lo + hi) / 2.0;
            let held = t["use"] == "validate";
            Some(Interval {
                label: format!("{label}{}", if held { " (held out)" } else { "" }),
                mean: (mid - v) / scale,
                low: (lo - v) / scale,
                high: (hi - v) / scale,
                marked: !held,
            })
        })
        .collect();
    if !rows.is_empty() {
        html.push_str(&figure_or_note(
            plot::forest(
                &format!("{prefix}targets-plot"),
                "Plausible sets' simulated range against each figure",
                "(simulated − observed) ÷ observation sd",
                &rows,
            ),
            "Each row: the range of the simulated means across the plausible sets, in observation sds from the \
             published figure (0). Filled: fitted targets; hollow: held out (never used to rule sets out).",
        ));
    }
    out.push(Section { id: format!("{prefix}targets"), title: "Targets and the plausible set".into(), html });

    // Waves.
    let mut html = String::from(
        "<table><tr><th>wave</th><th>points</th><th>ruled out</th><th>plausible so far</th>\
         <th>space left (emulated)</th><th>emulator R² (lowest)</th></tr>\n",
    );
    let mut pts = Vec::new();
    for w in arr(&m["waves"]) {
        let r2 = arr(&w["emulator_r2"]).iter().map(f).fold(f64::INFINITY, f64::min);
        let left = f(&w["space_left"]);
        html.push_str(&format!(
            "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1}%</td><td class=\"n\">{}</td>\
             <td class=\"n\">{:.2}%</td><td class=\"n\">{}</td></tr>\n",
            w["wave"],
            w["points"],
            100.0 * f(&w["ruled_out_share"]),
            w["plausible_so_far"],
            100.0 * left,
            fmt(r2)
        ));
        pts.push((f(&w["wave"]), 100.0 * left, f64::NAN, f64::NAN));
    }
    html.push_str("</table>\n");
    html.push_str(&figure_or_note(
        plot::points(&format!("{prefix}space-left"), "Space not ruled out", "wave", "% of the prior space", &pts),
        "After each wave, the share of the prior space (4,096 Latin-hypercube reference points) that every wave's \
         emulators so far keep: the space the next wave samples.",
    ));
    out.push(Section { id: format!("{prefix}waves"), title: "Waves".into(), html });

    // Parameters.
    let params = arr(&m["parameters"]);
    let mut rows = Vec::new();
    let central = &m["central_member"]["values"];
    let own = &m["scenario_values"];
    let mut html = String::new();
    if own.is_object() {
        html.push_str(&format!(
            "<p>The scenario's own coefficients, simulated as one more set: implausibility {} — <span class=\"{}\">{}</span>. \
             The central member: of the sets whose implausibility is at most half the cut-off, the one nearest the \
             whole plausible set's per-parameter medians (each parameter in units of its plausible interquartile \
             range) — for the shipped calibration, spsim's defaults.</p>\n",
            fmt(f(&own["max_implausibility"])),
            if own["plausible"] == true { "in" } else { "out" },
            if own["plausible"] == true { "plausible" } else { "ruled out" },
        ));
    }
    html.push_str(
        "<table><tr><th>parameter</th><th>prior</th><th>scale</th><th>plausible (min to max)</th>\
         <th>central member</th><th>scenario's own</th></tr>\n",
    );
    let unit = |p: &Value, x: f64| -> f64 {
        let (lo, hi) = (f(&p["lower"]), f(&p["upper"]));
        if p["scale"] == "log" && lo > 0.0 && x > 0.0 {
            (x.ln() - lo.ln()) / (hi.ln() - lo.ln())
        } else {
            (x - lo) / (hi - lo)
        }
    };
    for p in params {
        let key = p["key"].as_str().unwrap_or("?");
        let c = d.waves.col(key, "waves.csv").ok();
        let xs: Vec<f64> =
            c.map_or_else(Vec::new, |c| plausible.iter().map(|r| number(r, c)).filter(|x| x.is_finite()).collect());
        let (lo, hi) =
            (xs.iter().copied().fold(f64::INFINITY, f64::min), xs.iter().copied().fold(f64::NEG_INFINITY, f64::max));
        html.push_str(&format!(
            "<tr><td><code>{}</code></td><td class=\"n\">{} to {}</td><td>{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
            esc(key),
            fmt(f(&p["lower"])),
            fmt(f(&p["upper"])),
            esc(p["scale"].as_str().unwrap_or("linear")),
            if xs.is_empty() { "–".into() } else { format!("{} to {}", fmt(lo), fmt(hi)) },
            fmt(f(&central[key])),
            fmt(f(&own["values"][key])),
        ));
        if !xs.is_empty() {
            let mut u: Vec<f64> = xs.iter().map(|&x| unit(p, x)).collect();
            u.sort_by(f64::total_cmp);
            rows.push(Interval {
                label: key.to_string(),
                mean: u[u.len() / 2],
                low: u[0],
                high: u[u.len() - 1],
                marked: true,
            });
        }
    }
    html.push_str("</table>\n");
    if !rows.is_empty() {
        html.push_str(&figure_or_note(
            plot::forest(
                &format!("{prefix}params-plot"),
                "Plausible range of each parameter within its prior",
                "position in the prior range (0 = lower end, 1 = upper end)",
                &rows,
            ),
            "Each row: the plausible sets' range of the parameter (line) and median (dot), on its prior range \
             (0 to 1, log scale where the prior is). A line spanning 0 to 1 means the targets do not constrain it.",
        ));
    }
    out.push(Section { id: format!("{prefix}parameters"), title: "Parameters: plausible against prior".into(), html });

    // Pairs.
    let n = params.len().min(PAIRS_PARAMS);
    let mut html = String::new();
    if n >= 2 {
        let pc = d.waves.col("plausible", "waves.csv").expect("checked");
        let cols: Vec<Option<usize>> =
            params[..n].iter().map(|p| d.waves.col(p["key"].as_str().unwrap_or(""), "waves.csv").ok()).collect();
        html.push_str("<div class=\"pair\">\n");
        for i in 0..n {
            for j in i + 1..n {
                let (Some(ci), Some(cj)) = (cols[i], cols[j]) else { continue };
                let (mut out_pts, mut in_pts) = (Vec::new(), Vec::new());
                for r in &d.waves.rows {
                    let pt = (unit(&params[i], number(r, ci)), unit(&params[j], number(r, cj)));
                    if r.get(pc).map(String::as_str) == Some("1") { in_pts.push(pt) } else { out_pts.push(pt) }
                }
                let short = |p: &Value| p["key"].as_str().unwrap_or("").rsplit('.').next().unwrap_or("").to_string();
                match plot::scatter(
                    &format!("{prefix}pair-{i}-{j}"),
                    &short(&params[i]),
                    &short(&params[j]),
                    &out_pts,
                    &in_pts,
                ) {
                    Ok(fig) => html.push_str(&figure(&fig, "")),
                    Err(e) => html.push_str(&format!("<p class=\"note\">{}</p>", esc(&e))),
                }
            }
        }
        html.push_str(
            "</div>\n<p class=\"note\">Each panel: two parameters as positions in their prior ranges; \
                       grey: every simulated set; blue: the plausible ones.</p>\n",
        );
        out.push(Section { id: format!("{prefix}pairs"), title: "Pairs plots of the plausible set".into(), html });
    }
    out
}

/// The report page of a calibration folder from its `manifest.json` and `waves.csv`.
pub fn page(manifest: &[u8], waves: &[u8]) -> Result<Vec<u8>, String> {
    let files = [("manifest.json", manifest.to_vec()), ("waves.csv", waves.to_vec())];
    super::report_of_files(&files)
}
