//! The building blocks the report pages share: sections, escaping and number formats,
//! figures with their legends, tables read back from CSV, the glossary, scheduled
//! changes, and the time series panels of one or more scenarios overlaid.

use serde_json::Value;

use super::plot::{self, Line};
use super::series::{self, PANELS};
use crate::metrics::defs::METRICS;

/// One section of a report page.
#[derive(Debug, Clone)]
pub struct Section {
    /// HTML id (unique in the page).
    pub id: String,
    /// Heading.
    pub title: String,
    /// Body (HTML).
    pub html: String,
}

/// Escape text for HTML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number for tables: 4 significant figures, `–` when undefined.
pub fn fmt(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1000.0 {
        format!("{x:.0}")
    } else if a >= 100.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// A mean with its 95% interval: `0.563 [0.551, 0.575]`.
pub fn with_ci(mean: f64, low: f64, high: f64) -> String {
    if low.is_finite() && high.is_finite() {
        format!("{} <span class=\"ci\">[{}, {}]</span>", fmt(mean), fmt(low), fmt(high))
    } else {
        fmt(mean)
    }
}

/// A figure: the SVG in a `<figure>` whose attributes say what it holds, its legend
/// (beneath, so it never hides data) and caption.
pub fn figure(f: &plot::Figure, caption: &str) -> String {
    let mut legend = String::new();
    for (label, colour, dashed) in &f.legend {
        let c = plot::hex(plot::colour(*colour));
        let style = if *dashed { format!("border-top:2px dashed {c}") } else { format!("border-top:3px solid {c}") };
        legend.push_str(&format!(
            "<span class=\"key\"><span class=\"line\" style=\"{style}\"></span>{}</span>",
            esc(label)
        ));
    }
    if !legend.is_empty() {
        legend = format!("<div class=\"legend\">{legend}</div>");
    }
    format!(
        "<figure class=\"plot\" id=\"{}\" data-series=\"{}\" data-x-label=\"{}\" data-y-label=\"{}\">{}{legend}<figcaption>{}</figcaption></figure>\n",
        esc(&f.id),
        f.series,
        esc(&f.x_label),
        esc(&f.y_label),
        f.svg,
        caption
    )
}

/// A plot that could not be drawn: said in place, the rest of the report stands.
pub fn figure_or_note(f: Result<plot::Figure, String>, caption: &str) -> String {
    match f {
        Ok(f) => figure(&f, caption),
        Err(e) => format!("<p class=\"note\">{}</p>\n", esc(&e)),
    }
}

/// The glossary of the metrics named in `names` (in [`METRICS`] order), with the series
/// in `series` (ids of [`series::SERIES`]).
pub fn glossary(names: &[&str], series_ids: &[&str]) -> String {
    let mut out = String::from("<dl class=\"glossary\">\n");
    for m in METRICS.iter().filter(|m| names.contains(&m.name)) {
        out.push_str(&format!(
            "<dt id=\"m-{0}\"><code>{0}</code></dt><dd>{1} <span class=\"unit\">({2}; rules {3})</span></dd>\n",
            esc(m.name),
            esc(m.meaning),
            esc(m.unit),
            esc(m.rules)
        ));
    }
    for d in series::SERIES.iter().filter(|d| series_ids.contains(&d.id)) {
        out.push_str(&format!("<dt><code>{}</code> (time series)</dt><dd>{}</dd>\n", esc(d.label), esc(d.meaning)));
    }
    out.push_str("</dl>\n");
    out
}

/// The measures a commissioner follows over time, with a label in words.
pub const OVER_TIME: &[(&str, &str)] = &[
    ("connections_per_pcn_year", "patients connected to a VCSE organisation, per PCN-year"),
    ("first_sessions_per_pcn_year", "first sessions, per PCN-year"),
    ("wait_weeks_mean", "weeks waited for a first session"),
    ("dropout_waiting_rate", "share lost while waiting"),
    ("lw_burnout_mean", "link workers' mean burnout (0–1)"),
    ("lw_burnout_high_share", "share of link workers with high burnout"),
    ("lw_intention_to_leave_share", "share of link workers intending to leave"),
    ("lw_turnover_annual", "leavers per link-worker year"),
    ("lw_vacancy_rate", "share of posts vacant"),
    ("vcse_open_per_pcn", "VCSE organisations open, per PCN"),
];

/// The year number of a `year-K` period.
pub fn year_of(period: &str) -> Option<f64> {
    period.strip_prefix("year-")?.parse().ok()
}

/// A period's name in words: `year 2`, `the year before week 53`, `year 1 from week 53`.
pub fn period_words(period: &str) -> String {
    if let Some(k) = period.strip_prefix("year-") {
        return format!("year {k}");
    }
    if let Some(w) = period.strip_prefix("before-week-") {
        return format!("the year before week {w}");
    }
    if let Some((w, k)) = period.strip_prefix("after-week-").and_then(|r| r.split_once("-year-")) {
        return format!("year {k} from week {w}");
    }
    period.to_string()
}

/// A CSV file read back: header and rows of text.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Parse CSV bytes (`name` for errors).
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Table, String> {
        let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
        let header = r.headers().map_err(|e| format!("{name}: {e}"))?.iter().map(String::from).collect();
        let mut rows = Vec::new();
        for rec in r.records() {
            rows.push(rec.map_err(|e| format!("{name}: {e}"))?.iter().map(String::from).collect());
        }
        Ok(Table { header, rows })
    }

    /// Index of a column, or an error naming the file.
    pub fn col(&self, name: &str, file: &str) -> Result<usize, String> {
        self.header.iter().position(|h| h == name).ok_or_else(|| format!("{file}: no `{name}` column"))
    }
}

/// A cell as a number (NaN when empty or not a number).
pub fn number(row: &[String], i: usize) -> f64 {
    row.get(i).and_then(|c| c.parse().ok()).unwrap_or(f64::NAN)
}

/// The scheduled changes in a manifest: `(week, "key = value, …")`.
pub fn changes(manifest: &Value) -> Vec<(f64, String)> {
    manifest["changes"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| {
                    let week = c["week"].as_f64()?;
                    let set = c["set"].as_object()?;
                    let what: Vec<String> =
                        set.iter().map(|(k, v)| format!("{} = {v}", k.rsplit('.').next().unwrap_or(k))).collect();
                    Some((week, what.join(", ")))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One scenario's time series for the overlaid panels.
#[derive(Debug, Clone)]
pub struct Overlay {
    /// Scenario name.
    pub name: String,
    /// Its bands.
    pub bands: Vec<series::Band>,
    /// Its scheduled changes: (week, what).
    pub changes: Vec<(f64, String)>,
}

/// The time series panels of one or more runs, overlaid.
pub fn time_series(runs: &[Overlay], p: &str) -> String {
    let mut out = String::new();
    let several = runs.len() > 1;
    if several {
        out.push_str("<p>");
        for (k, Overlay { name, .. }) in runs.iter().enumerate() {
            out.push_str(&format!(
                "<span class=\"swatch\" style=\"background:{}\"></span>{} ",
                plot::hex(plot::colour(k)),
                esc(name)
            ));
        }
        out.push_str("</p>\n");
    }
    // Every scheduled change of every scenario, one mark per week (labels of one week joined).
    let mut marks: Vec<(f64, String)> = Vec::new();
    for Overlay { name, changes, .. } in runs {
        for (w, what) in changes {
            let what = if several { format!("{name}: {what}") } else { what.clone() };
            match marks.iter_mut().find(|m| m.0 == *w) {
                Some(m) => {
                    if !m.1.contains(&what) {
                        m.1.push_str(&format!("; {what}"));
                    }
                }
                None => marks.push((*w, format!("week {w}: {what}"))),
            }
        }
    }
    let caption = "Mean across replications (line) and the 95% interval of the mean (band). Dashed red lines: \
                   scheduled changes.";
    for panel in PANELS {
        if several {
            // Small multiples: one measure per panel, one colour per scenario, no dashes.
            for (j, id) in panel.series.iter().enumerate() {
                let def = series::series(id).expect("panel series are defined");
                let lines: Vec<Line> = runs
                    .iter()
                    .enumerate()
                    .filter_map(|(k, Overlay { name, bands, .. })| {
                        let b = bands.iter().find(|b| b.id == *id)?;
                        Some(Line {
                            label: name.clone(),
                            colour: k,
                            dashed: false,
                            mean: &b.mean,
                            low: &b.low,
                            high: &b.high,
                        })
                    })
                    .collect();
                let id = if panel.series.len() == 1 { panel.id.to_string() } else { format!("{}-{}", panel.id, j + 1) };
                out.push_str(&figure_or_note(
                    plot::lines(&format!("{p}{id}"), def.label, panel.y_label, &lines, &marks),
                    caption,
                ));
            }
            continue;
        }
        let mut lines = Vec::new();
        for Overlay { bands, .. } in runs {
            for (j, id) in panel.series.iter().enumerate() {
                let Some(b) = bands.iter().find(|b| b.id == *id) else { continue };
                let def = series::series(id).expect("panel series are defined");
                lines.push(Line {
                    label: def.label.to_string(),
                    colour: j,
                    dashed: false,
                    mean: &b.mean,
                    low: &b.low,
                    high: &b.high,
                });
            }
        }
        out.push_str(&figure_or_note(
            plot::lines(&format!("{p}{}", panel.id), panel.title, panel.y_label, &lines, &marks),
            caption,
        ));
    }
    out
}
