//! `report.html`: one self-contained page per output folder (inline SVG plots and CSS,
//! no script, nothing fetched), built only from the folder's own files, so `spsim report`
//! rebuilds it, or combines several folders, from what is on disk.
//!
//! [`Folder`] reads a folder's files (from disk or from the bytes about to be written);
//! [`run`], [`compare`] and [`sweep`] turn one into sections; [`render`] puts sections
//! into a page. The series and their bands are in [`series`], the plots in [`plot`].

pub mod calibration;
pub mod compare;
pub mod ensemble;
pub mod parts;
pub mod plot;
pub mod run;
pub mod series;
pub mod sweep;

use std::path::Path;

use serde_json::Value;

use crate::report::folder::{FILE_MARKER, Kind, MARKER};
use parts::{Section, esc};

/// A folder's files, read back.
#[derive(Debug, Clone)]
pub enum Folder {
    /// Written by `spsim run`.
    Run(run::RunData),
    /// Written by `spsim compare`.
    Compare(compare::CompareData),
    /// Written by `spsim sweep` or `spsim merge`.
    Sweep(sweep::SweepData),
    /// Written by `spsim calibrate FILE --out DIR`.
    Calibration(calibration::CalibrationData),
}

impl Folder {
    /// Read a folder of any kind through `file` (its files' bytes by name; `None` when
    /// absent).
    pub fn from_files(file: &dyn Fn(&str) -> Option<Vec<u8>>) -> Result<Folder, String> {
        let manifest_bytes = file("manifest.json").ok_or("no manifest.json: not a folder spsim wrote")?;
        let manifest: Value = serde_json::from_slice(&manifest_bytes).map_err(|e| format!("manifest.json: {e}"))?;
        let kind = manifest[MARKER].as_str().unwrap_or("");
        let need = |name: &str| file(name).ok_or_else(|| format!("{name} is missing"));
        if kind == Kind::Run.as_str() {
            Ok(Folder::Run(run::RunData::read(manifest, &need, file)?))
        } else if kind == Kind::Compare.as_str() {
            Ok(Folder::Compare(compare::CompareData::read(manifest, &need, file)?))
        } else if kind == Kind::Sweep.as_str() {
            Ok(Folder::Sweep(sweep::SweepData::read(manifest, &need, file)?))
        } else if kind == Kind::Calibration.as_str() {
            Ok(Folder::Calibration(calibration::CalibrationData::read(manifest, &need)?))
        } else {
            Err("manifest.json does not say which spsim command wrote the folder".into())
        }
    }

    /// Read the folder at `dir`.
    pub fn read(dir: &Path) -> Result<Folder, String> {
        /// Files larger than this are not read into a report (the run's CSVs are far smaller).
        const CAP: u64 = 1 << 30;
        let file = |name: &str| -> Option<Vec<u8>> { crate::report::folder::read_back(&dir.join(name), CAP).ok() };
        Folder::from_files(&file).map_err(|e| format!("{}: {e}", dir.display()))
    }

    /// The folder's name for titles (its scenario's, or the comparison's).
    pub fn name(&self) -> String {
        match self {
            Folder::Run(d) => d.manifest["scenario_name"].as_str().unwrap_or("run").to_string(),
            Folder::Compare(d) => d.title(),
            Folder::Sweep(d) => d.manifest["scenario_name"].as_str().unwrap_or("sweep").to_string(),
            Folder::Calibration(d) => d.manifest["scenario_file"].as_str().unwrap_or("calibration").to_string(),
        }
    }

    /// Its kind, in words.
    pub fn kind(&self) -> &'static str {
        match self {
            Folder::Run(_) => "run",
            Folder::Compare(_) => "comparison",
            Folder::Sweep(_) => "sweep",
            Folder::Calibration(_) => "calibration",
        }
    }

    /// Its sections; ids start with `prefix`.
    pub fn sections(&self, prefix: &str) -> Vec<Section> {
        match self {
            Folder::Run(d) => run::sections(d, prefix),
            Folder::Compare(d) => compare::sections(d, prefix),
            Folder::Sweep(d) => sweep::sections(d, prefix),
            Folder::Calibration(d) => calibration::sections(d, prefix),
        }
    }

    /// One line on what was run.
    pub fn provenance(&self) -> String {
        let m = match self {
            Folder::Run(d) => &d.manifest,
            Folder::Compare(d) => &d.manifest,
            Folder::Sweep(d) => &d.manifest,
            Folder::Calibration(d) => &d.manifest,
        };
        let mut parts = vec![format!("spsim {}", m["engine_version"].as_str().unwrap_or("?"))];
        if let Some(f) = m["scenario_file"].as_str() {
            parts.push(format!("scenario file {f}"));
        }
        if let Some(s) = m["seed"].as_u64() {
            parts.push(format!("seed {s}"));
        }
        if let Some(r) = m["replications"].as_u64() {
            parts.push(format!("{r} replications"));
        }
        if let Some(w) = m["reported_weeks"].as_u64() {
            parts
                .push(format!("{w} reported weeks after {} weeks of warm-up", m["warmup_weeks"].as_u64().unwrap_or(0)));
        }
        if let Some(p) = m["points"].as_u64() {
            parts.push(format!("{p} points"));
        }
        esc(&parts.join(" · "))
    }
}

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:820px;margin:0 auto;padding:16px 20px;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ccc;padding-bottom:.15em}h3{font-size:1.05em}
nav{font-size:.9em;background:#f4f6f8;padding:6px 10px;border-radius:4px}nav a{margin-right:.8em}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0;width:100%}th,td{border:1px solid #d6d6d6;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f2f4}th code{word-break:break-all}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ci{color:#666;font-size:.9em}.unit{color:#666}.note{color:#555;font-style:italic}
.in{color:#006b3c;font-weight:600}.out{color:#b00020;font-weight:600}.real{font-weight:700}
figure{margin:.8em 0;break-inside:avoid;page-break-inside:avoid}figure svg{max-width:100%;height:auto}figcaption{font-size:.85em;color:#444}
.pair{display:flex;flex-wrap:wrap;gap:8px}.pair figure{margin:.3em 0}
dl.glossary dt{font-weight:600;margin-top:.4em}dl.glossary dd{margin-left:1.2em}
.legend{font-size:.85em;margin:.1em 0 .3em 60px}.key{margin-right:1.2em;white-space:nowrap}.line{display:inline-block;width:1.6em;vertical-align:middle;margin-right:.35em}
.swatch{display:inline-block;width:.9em;height:.9em;vertical-align:middle;margin-right:.3em;border-radius:2px}
section{break-inside:auto}article{margin-bottom:2em}
details{margin:.2em 0 1em}summary{cursor:pointer;color:#0b5394;font-size:.9em}
@media print{nav{display:none}body{max-width:none;padding:0}h2{break-after:avoid}a{color:inherit;text-decoration:none}}
";

/// A whole page: the folders' sections (with a contents list), self-contained. The
/// first line is spsim's file marker, so `spsim report --out` may replace only its own
/// pages.
pub fn render(title: &str, folders: &[(String, Folder)]) -> String {
    let mut body = String::new();
    let mut nav = String::new();
    let several = folders.len() > 1;
    let runs: Vec<&run::RunData> =
        folders.iter().filter_map(|(_, f)| if let Folder::Run(d) = f { Some(d) } else { None }).collect();
    if runs.len() > 1 {
        body.push_str("<article id=\"together\">\n<h1>Runs side by side</h1>\n");
        nav.push_str("<a href=\"#together\">runs side by side</a>");
        for s in run::side_by_side(&runs, "together-") {
            body.push_str(&format!(
                "<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n",
                esc(&s.id),
                esc(&s.title),
                s.html
            ));
        }
        body.push_str("</article>\n");
    }
    for (k, (label, f)) in folders.iter().enumerate() {
        let prefix = if several { format!("f{}-", k + 1) } else { String::new() };
        let sections = f.sections(&prefix);
        if several {
            body.push_str(&format!(
                "<article id=\"{prefix}folder\">\n<h1>{} <span class=\"unit\">({}: {})</span></h1>\n<p class=\"unit\">{}</p>\n",
                esc(&f.name()),
                f.kind(),
                esc(label),
                f.provenance()
            ));
            nav.push_str(&format!("<a href=\"#{prefix}folder\">{}</a>", esc(&f.name())));
        } else {
            body.push_str(&format!("<p class=\"unit\">{}</p>\n", f.provenance()));
        }
        for s in &sections {
            if !several {
                nav.push_str(&format!("<a href=\"#{}\">{}</a>", esc(&s.id), esc(&s.title)));
            }
            body.push_str(&format!(
                "<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n",
                esc(&s.id),
                esc(&s.title),
                s.html
            ));
        }
        if several {
            body.push_str("</article>\n");
        }
    }
    format!(
        "{FILE_MARKER} report: rebuild with `spsim report` -->\n<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"spsim {}\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n<nav>{nav}</nav>\n{body}</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title),
        esc(title)
    )
}

/// The report of one folder at `dir` (its title from the folder).
pub fn folder_report(dir: &Path) -> Result<String, String> {
    let f = Folder::read(dir)?;
    Ok(render(&title_of(&f), &[(dir.display().to_string(), f)]))
}

/// The page title of a single folder's report.
pub fn title_of(f: &Folder) -> String {
    format!("spsim {} report: {}", f.kind(), f.name())
}

/// The report of a folder about to be written, from its files' bytes.
pub fn report_of_files(files: &[(&str, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let f = Folder::from_files(&|name: &str| files.iter().find(|(n, _)| *n == name).map(|(_, b)| b.clone()))?;
    Ok(render(&title_of(&f), &[(String::new(), f)]).into_bytes())
}
