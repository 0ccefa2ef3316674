//! `spsim analyze sobol|morris DIR`.

use std::path::Path;
use std::process::ExitCode;

use spsim::analyze::{self, Bootstrap};
use spsim::report::{self, sweep as out};

use crate::cli::Method;

fn fmt(x: f64) -> String {
    if x.is_finite() { format!("{x:.4}") } else { "-".into() }
}

/// `spsim analyze`.
pub fn analyze(
    method: Method,
    dir: &Path,
    metrics: &[String],
    boot: Bootstrap,
    levels: Option<u32>,
    quiet: bool,
) -> ExitCode {
    if !(boot.level > 0.0 && boot.level < 1.0) {
        eprintln!("error: --confidence {} must be between 0 and 1 (e.g. 0.95)", boot.level);
        return ExitCode::from(2);
    }
    let needs = "(analyze needs a finished sweep folder: run `spsim sweep` or `spsim merge` first)";
    if let Err(e) = report::folder::settle(dir) {
        eprintln!("error: {e}");
        return ExitCode::from(e.exit_code());
    }
    let manifest = match out::read_manifest(dir) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}\n{needs}");
            return ExitCode::from(2);
        }
    };
    if manifest[report::folder::MARKER] != "sweep" {
        eprintln!("error: {} was not written by `spsim sweep` or `spsim merge`\n{needs}", dir.display());
        return ExitCode::from(2);
    }
    let table = match out::read_points(dir) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}\n{needs}");
            return ExitCode::from(2);
        }
    };
    // Every point of the sweep, and only those: a points.csv with rows missing or added
    // would give indices of another design.
    if let Some(n) = manifest["points"].as_u64()
        && n != table.x.len() as u64
    {
        eprintln!(
            "error: {}: {} point row(s), but the sweep has {n} points (points.csv was changed after spsim wrote it; \
             rebuild it with `spsim merge`)",
            dir.join("points.csv").display(),
            table.x.len()
        );
        return ExitCode::from(2);
    }
    let design = manifest["design"].as_str().unwrap_or("");
    let (wanted, file) = match method {
        Method::Sobol => ("sobol", "sobol.csv"),
        Method::Morris => ("morris", "morris.csv"),
    };
    if design != wanted && design != "file" {
        eprintln!(
            "error: {} holds a {design} sweep; `analyze {wanted}` needs design = \"{wanted}\" (or a {wanted} design file)",
            dir.display()
        );
        return ExitCode::from(2);
    }
    for m in metrics {
        if !table.metrics.contains(m) {
            eprintln!("error: unknown metric `{m}`; the sweep has: {}", table.metrics.join(", "));
            return ExitCode::from(2);
        }
    }
    let levels = levels.or(manifest["morris_levels"].as_u64().map(|l| l as u32)).unwrap_or(4);
    if method == Method::Morris && (levels < 2 || levels % 2 == 1) {
        eprintln!("error: --levels {levels}: Morris levels must be even and at least 2");
        return ExitCode::from(2);
    }
    let x: Option<Vec<Vec<f64>>> = table.x.iter().map(|r| r.iter().copied().collect()).collect();
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let header: &[&str] = match method {
        Method::Sobol => &["metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"],
        Method::Morris => &["metric", "parameter", "mu", "mu_star", "sigma", "mu_star_conf"],
    };
    w.write_record(header).expect("write to memory");
    let mut printed = Vec::new();
    let mut skipped = Vec::new();
    for (k, metric) in table.metrics.iter().enumerate() {
        if !metrics.is_empty() && !metrics.contains(metric) {
            continue;
        }
        let y: Vec<f64> = table.y.iter().map(|r| r[k].unwrap_or(f64::NAN)).collect();
        let rows: Result<Vec<[f64; 4]>, String> = match method {
            Method::Sobol => analyze::sobol(&y, table.parameters.len(), boot)
                .map(|v| v.iter().map(|s| [s.s1, s.s1_conf, s.st, s.st_conf]).collect()),
            Method::Morris => match &x {
                Some(x) => analyze::morris(x, &y, levels, boot)
                    .map(|v| v.iter().map(|m| [m.mu, m.mu_star, m.sigma, m.mu_star_conf]).collect()),
                None => Err("the swept parameters are not all numbers".into()),
            },
        };
        match rows {
            Ok(rows) => {
                for (p, r) in table.parameters.iter().zip(&rows) {
                    w.write_record([
                        metric.clone(),
                        p.clone(),
                        r[0].to_string(),
                        r[1].to_string(),
                        r[2].to_string(),
                        r[3].to_string(),
                    ])
                    .expect("write to memory");
                    printed.push((metric.clone(), p.clone(), *r));
                }
            }
            Err(e) => skipped.push(format!("{metric}: {e}")),
        }
    }
    if printed.is_empty() {
        // Nothing to write: say why once per distinct reason, and leave the folder as it was.
        let mut reasons: Vec<String> = Vec::new();
        for s in &skipped {
            let why = s.split_once(": ").map_or(s.as_str(), |(_, w)| w).to_string();
            if !reasons.contains(&why) {
                reasons.push(why);
            }
        }
        // At most three reasons, each cut to 300 characters.
        let why: Vec<String> = reasons.iter().take(3).map(|w| w.chars().take(300).collect()).collect();
        eprintln!(
            "error: {} cannot be analysed with `analyze {wanted}`: no metric could be analysed ({}{}); nothing written",
            dir.display(),
            why.join("; "),
            if reasons.len() > 3 { "; ..." } else { "" }
        );
        return ExitCode::from(2);
    }
    let path = dir.join(file);
    // Under the folder's lock (no sweep or merge replaces it meanwhile): the indices, then
    // the report rebuilt with them.
    let bytes = w.into_inner().expect("flush to memory");
    let page_path = dir.join("report.html");
    let written = report::folder::lock_output(dir).and_then(|_lock| {
        // Still the sweep's own folder (an existing sobol.csv or morris.csv included).
        report::folder::check_folder(dir, report::folder::Kind::Sweep, &[])?;
        report::folder::write_file_atomically(&path, &bytes)?;
        let page = report::html::folder_report(dir)
            .map_err(|e| report::OutputError::Io(format!("rebuilding {}: {e}", page_path.display())))?;
        report::folder::check_file(&page_path)?;
        report::folder::write_file_atomically(&page_path, page.as_bytes())
    });
    if let Err(e) = written {
        eprintln!("error: {e}");
        return ExitCode::from(e.exit_code());
    }
    if !quiet {
        let h: Vec<&str> = header[2..].to_vec();
        println!("{:<36} {:<40} {:>9} {:>9} {:>9} {:>9}", "metric", "parameter", h[0], h[1], h[2], h[3]);
        for (m, p, r) in &printed {
            println!("{m:<36} {p:<40} {:>9} {:>9} {:>9} {:>9}", fmt(r[0]), fmt(r[1]), fmt(r[2]), fmt(r[3]));
        }
        for s in &skipped {
            println!("skipped {s}");
        }
        println!(
            "{} bootstrap resamples, {:.0}% intervals (*_conf = half-width); written to {} (and {} rebuilt)",
            boot.resamples,
            boot.level * 100.0,
            path.display(),
            page_path.display()
        );
    }
    ExitCode::SUCCESS
}
