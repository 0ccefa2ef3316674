//! `spsim analyze sobol|morris DIR`.

use std::path::Path;
use std::process::ExitCode;

use spsim::analyze::{self, Bootstrap, Noise, Replicated, Sizing, Status};
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
    let runs = match out::read_runs(dir, table.parameters.len()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}\n{needs}");
            return ExitCode::from(2);
        }
    };
    if runs.points.len() != table.x.len() || runs.metrics != table.metrics {
        eprintln!(
            "error: {}: {} point(s) and {} metric(s), but points.csv has {} and {} (a file was changed after spsim \
             wrote it; rebuild them with `spsim merge`)",
            dir.join("runs.csv").display(),
            runs.points.len(),
            runs.metrics.len(),
            table.x.len(),
            table.metrics.len()
        );
        return ExitCode::from(2);
    }
    let x: Option<Vec<Vec<f64>>> = table.x.iter().map(|r| r.iter().copied().collect()).collect();
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let indices: &[&str] = match method {
        Method::Sobol => &["S1", "S1_conf", "ST", "ST_conf"],
        Method::Morris => &["mu", "mu_star", "sigma", "mu_star_conf", "mu_star_noise"],
    };
    let mut header = vec!["metric", "parameter"];
    header.extend(indices);
    header.extend([
        "clear",
        "status",
        "noise_share",
        "noise_share_means",
        "replications",
        "replications_needed",
        "design_size_needed",
    ]);
    w.write_record(&header).expect("write to memory");
    let mut analysed: Vec<Analysed> = Vec::new();
    let mut skipped = Vec::new();
    for (k, metric) in table.metrics.iter().enumerate() {
        if !metrics.is_empty() && !metrics.contains(metric) {
            continue;
        }
        let (reps, left_out) = runs.replicated(k);
        if reps.is_empty() {
            skipped.push(format!("{metric}: undefined at some point in every replication"));
            continue;
        }
        // Per parameter, the index columns and whether it clearly matters; the noise; the sizing.
        type Rows = Vec<(Vec<Option<f64>>, bool)>;
        let result: Result<(Rows, Noise, Option<Sizing>), String> = Replicated::new(reps).and_then(|y| match method {
            Method::Sobol => analyze::sobol(&y, table.parameters.len(), boot).map(|a| {
                let rows = a.indices.iter().map(|i| (vec![i.s1, Some(i.s1_conf), i.st, Some(i.st_conf)], i.clear()));
                (rows.collect(), a.noise, a.sizing)
            }),
            Method::Morris => match &x {
                Some(x) => analyze::morris(x, &y, levels, boot).map(|a| {
                    let rows = a.indices.iter().map(|i| {
                        let values =
                            vec![Some(i.mu), Some(i.mu_star), Some(i.sigma), Some(i.mu_star_conf), i.mu_star_noise];
                        (values, i.clear())
                    });
                    (rows.collect(), a.noise, a.sizing)
                }),
                None => Err("the swept parameters are not all numbers".into()),
            },
        });
        let result =
            result.map(|(rows, noise, sizing)| Analysed { metric: metric.clone(), rows, noise, sizing, left_out });
        match result {
            Ok(mut a) => {
                if left_out > 0 && a.noise.status != Status::Constant {
                    a.noise.status = Status::Incomplete;
                }
                for (p, (values, clear)) in table.parameters.iter().zip(&a.rows) {
                    let mut rec = vec![metric.clone(), p.clone()];
                    // Not estimable (no variance left once the noise is removed): an empty cell.
                    rec.extend(
                        values.iter().map(|v| v.filter(|x| x.is_finite()).map_or(String::new(), |v| v.to_string())),
                    );
                    let clear = *clear && matches!(a.noise.status, Status::Signal | Status::Unmeasured);
                    rec.push(if clear { "yes" } else { "no" }.into());
                    rec.push(a.noise.status.as_str().into());
                    for share in [a.noise.share_runs, a.noise.share_means] {
                        rec.push(share.map_or(String::new(), |v| v.to_string()));
                    }
                    rec.push(a.noise.replications.to_string());
                    rec.extend(sizing_cells(a.sizing));
                    w.write_record(&rec).expect("write to memory");
                }
                analysed.push(a);
            }
            Err(e) => skipped.push(format!("{metric}: {e}")),
        }
    }
    if analysed.is_empty() {
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
        print_analysis(&header[2..2 + indices.len()], &table.parameters, &analysed, &skipped);
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

/// One metric's analysis, as written and printed.
struct Analysed {
    metric: String,
    /// Per parameter: the index columns and whether the parameter clearly matters.
    rows: Vec<(Vec<Option<f64>>, bool)>,
    noise: Noise,
    sizing: Option<Sizing>,
    /// Replications left out because they failed or the metric was undefined somewhere.
    left_out: usize,
}

/// The `replications_needed` cell (a count at this design size, or `more points` when
/// replications alone cannot narrow the intervals enough) and `design_size_needed` (base
/// samples or trajectories at 2 replications per point); empty when unknown (one
/// replication) or moot (a constant metric).
fn sizing_cells(sizing: Option<Sizing>) -> [String; 2] {
    match sizing {
        Some(s) => [s.replications.map_or("more points".into(), |r| r.to_string()), s.units_at_2.to_string()],
        None => [String::new(), String::new()],
    }
}

fn percent(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.0}%", 100.0 * v))
}

/// The indices of the metrics whose parameters' share can be told from noise, then the
/// noise of every metric, the noise-dominated ones listed apart.
fn print_analysis(columns: &[&str], parameters: &[String], analysed: &[Analysed], skipped: &[String]) {
    let table = |noise: bool| {
        print!("{:<36} {:<40}", "metric", "parameter");
        for c in columns {
            print!(" {c:>9}");
        }
        println!(" {:>5}", "clear");
        for a in analysed.iter().filter(|a| (a.noise.status == Status::Noise) == noise) {
            for (p, (values, clear)) in parameters.iter().zip(&a.rows) {
                print!("{:<36} {p:<40}", a.metric);
                for v in values {
                    print!(" {:>9}", v.filter(|x| x.is_finite()).map_or("-".into(), fmt));
                }
                let clear = *clear && matches!(a.noise.status, Status::Signal | Status::Unmeasured);
                println!(" {:>5}", if clear { "yes" } else { "no" });
            }
        }
    };
    table(false);
    let noisy: Vec<&str> =
        analysed.iter().filter(|a| a.noise.status == Status::Noise).map(|a| a.metric.as_str()).collect();
    if !noisy.is_empty() {
        println!(
            "\nnot told from noise (no index of these metrics can be told from 0, and replication noise is why; \
             status = noise in the CSV): {}",
            noisy.join(", ")
        );
        table(true);
    }
    let target = analyze::TARGET_HALF_WIDTH;
    println!(
        "\nreplication noise: its share of one run's variance over the design (common shifts excluded) and of the \
         point means' variance; for intervals of ±{target} (Morris: ±{target} × the largest mu*), the replications per \
         point at this design size, and the design size (base samples or trajectories) at 2 replications"
    );
    println!(
        "{:<36} {:>9} {:>9} {:>5} {:>12} {:>12}  status",
        "metric", "of a run", "of means", "reps", "reps needed", "size at 2"
    );
    for a in analysed {
        let [reps, size] = sizing_cells(a.sizing).map(|c| if c.is_empty() { "-".to_string() } else { c });
        let left = if a.left_out > 0 {
            format!(" ({} replication(s) left out: failed or undefined)", a.left_out)
        } else {
            String::new()
        };
        println!(
            "{:<36} {:>9} {:>9} {:>5} {:>12} {:>12}  {}{left}",
            a.metric,
            percent(a.noise.share_runs),
            percent(a.noise.share_means),
            a.noise.replications,
            reps,
            size,
            a.noise.status.as_str()
        );
    }
    // The noisiest main metric sizes the sweep.
    let noisiest = analysed
        .iter()
        .filter(|a| analyze::MAIN_METRICS.contains(&a.metric.as_str()))
        .filter_map(|a| Some((a, a.noise.share_runs?, a.sizing?)))
        .max_by(|x, y| x.1.total_cmp(&y.1));
    if let Some((a, share, sizing)) = noisiest {
        let reps = match sizing.replications {
            Some(r) => format!("{r} replication(s) per point at this design size"),
            None => "more points than replications can make up for at this design size".into(),
        };
        println!(
            "\nsweep size: the noisiest main metric, {} ({:.0}% of a run's variance is noise), needs {reps}, or {} \
             base samples (Sobol') or trajectories (Morris) at 2 replications, for intervals of ±{target}",
            a.metric,
            100.0 * share,
            sizing.units_at_2
        );
    }
    let unresolved: Vec<&str> =
        analysed.iter().filter(|a| a.noise.status == Status::Unresolved).map(|a| a.metric.as_str()).collect();
    if !unresolved.is_empty() {
        println!(
            "\nunresolved (no index can be told from 0 though the noise is small: the design has too few points): {}",
            unresolved.join(", ")
        );
    }
    let incomplete: Vec<&str> =
        analysed.iter().filter(|a| a.noise.status == Status::Incomplete).map(|a| a.metric.as_str()).collect();
    if !incomplete.is_empty() {
        println!(
            "\nincomplete (replications left out where a run failed or the metric was undefined at some point; the \
             indices use the complete ones, which may not be a random selection, so no lever is called clear): {}",
            incomplete.join(", ")
        );
    }
    if analysed.iter().any(|a| a.noise.status == Status::Unmeasured && a.left_out == 0) {
        println!(
            "\none replication per point: the noise was not measured, and the indices may be noise (sweep with --replications 2 or more)"
        );
    }
    for s in skipped {
        println!("skipped {s}");
    }
}
