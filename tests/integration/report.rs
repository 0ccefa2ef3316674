//! report.html: the sections and plots of a run, a compare and a sweep report, nothing
//! fetched from anywhere, a golden small SVG whose bars carry the data, and `spsim
//! report` rebuilding, combining and refusing what is not its own.

use std::path::Path;

use spsim::report::html::{plot, run::funnel_plot, series::PANELS, series::series};

use crate::{repo, spsim};

/// The text of every element `<tag ...>` ... `</tag>` whose opening tag contains `attr`.
fn elements<'a>(html: &'a str, tag: &str, attr: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag} "), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let from = &rest[i..];
        let end = from.find(&close).map_or(from.len(), |e| e + close.len());
        let head = &from[..from.find('>').unwrap_or(0)];
        if head.contains(attr) {
            out.push(&from[..end]);
        }
        rest = &from[end..];
    }
    out
}

/// The section with this id.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let s = elements(html, "section", &format!("id=\"{id}\""));
    assert_eq!(s.len(), 1, "one section {id}");
    s[0]
}

/// An attribute's value in an element's opening tag.
fn attr(element: &str, name: &str) -> String {
    let key = format!("{name}=\"");
    let i = element.find(&key).unwrap_or_else(|| panic!("no {name} in {}", &element[..200.min(element.len())]));
    let rest = &element[i + key.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The page loads nothing: no script, no external link, image, style or font; the only
/// URL is the SVG namespace.
fn assert_self_contained(html: &str) {
    for bad in ["<script", "<link", "<iframe", "<img", "@import", "url(", "src=", "href=\"http", "href=\"//"] {
        assert!(!html.contains(bad), "report contains {bad}");
    }
    let urls = html.matches("http://").count() + html.matches("https://").count();
    let namespaces = html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
    assert_eq!(urls, namespaces, "every URL in the report is the SVG namespace");
    assert!(html.starts_with(spsim::report::folder::FILE_MARKER), "first line marks the file as spsim's");
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

fn run_folder(scenario: &str, out: &Path, reps: &str) {
    let o = spsim(&[
        "run",
        &repo(scenario).to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--replications",
        reps,
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_run_report_has_every_section_with_its_plots() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run_folder("scenarios/target_rise.toml", &out, "4");
    let html = read(&out.join("report.html"));
    assert_self_contained(&html);
    let manifest: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert!(manifest["files"].as_array().unwrap().iter().any(|f| f == "report.html"), "listed in the manifest");

    let head = section(&html, "headline");
    for m in
        ["uptake_rate", "wait_weeks_mean", "connected_rate", "lw_burnout_mean", "lw_turnover_annual", "lw_vacancy_rate"]
    {
        assert!(head.contains(&format!("<code>{m}</code>")), "headline shows {m}");
    }
    assert!(head.contains("0.77–0.88"), "the uptake target is beside its metric");

    let funnel = elements(section(&html, "funnel"), "figure", "class=\"plot\"");
    assert_eq!(funnel.len(), 1);
    for stage in ["presented to a GP", "referred", "first session", "3 contacts", "connected to VCSE"] {
        assert!(funnel[0].contains(stage), "funnel stage {stage}");
    }
    assert_eq!(attr(funnel[0], "data-x-label"), "patients per year");
    assert!(funnel[0].contains("patients per year</text>") || funnel[0].contains(">\npatients per year\n</text>"));

    let journeys = section(&html, "journeys");
    assert!(journeys.contains("(b) held, then connected"));
    assert!(elements(journeys, "figure", "class=\"plot\"").len() >= 2, "journeys and what blocked connection");
    assert!(journeys.contains("what blocked connection"));
    // Why patients are held, by reason (R8), with the shares of starts summing to 100%.
    assert!(journeys.contains("Why patients are held"));
    assert!(journeys.contains("waiting for services"), "the first function of holding is shown");

    let ts = elements(section(&html, "time-series"), "figure", "class=\"plot\"");
    assert_eq!(ts.len(), PANELS.len(), "one plot per panel");
    for (fig, panel) in ts.iter().zip(PANELS) {
        assert_eq!(attr(fig, "id"), panel.id);
        assert_eq!(attr(fig, "data-series").parse::<usize>().unwrap(), panel.series.len(), "{}", panel.id);
        assert_eq!(attr(fig, "data-x-label"), "reported week");
        assert_eq!(attr(fig, "data-y-label"), panel.y_label);
        assert!(fig.contains("reported week"), "x-axis label drawn in {}", panel.id);
        assert!(fig.contains(panel.y_label), "y-axis label drawn in {}", panel.id);
        for id in panel.series {
            assert!(fig.contains(series(id).unwrap().label), "legend names {id}");
        }
        // The scheduled change is marked in every panel.
        assert!(fig.contains("week 105: caseload_target_per_year = 300"), "change marked in {}", panel.id);
        assert!(fig.contains("<polygon"), "bands drawn in {}", panel.id);
    }

    let ledger = section(&html, "for-whom");
    assert!(ledger.contains("referred by GP") && ledger.contains("rgba(0,114,178,"), "ledger table shaded by rate");
    let glossary = section(&html, "glossary");
    for m in ["uptake_rate", "journey_held_unconnected_share"] {
        assert!(glossary.contains(&format!("id=\"m-{m}\"")), "glossary defines {m}");
    }
    assert!(glossary.contains("per link worker in post"), "series meanings in the glossary");
}

#[test]
fn a_compare_report_has_forest_plots_overlaid_series_and_mechanisms() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    let o = spsim(&[
        "compare",
        &repo("scenarios/baseline.toml").to_string_lossy(),
        &repo("scenarios/supervision_cut.toml").to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--replications",
        "4",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = read(&out.join("report.html"));
    assert_self_contained(&html);
    let diffs = section(&html, "differences");
    let all_forests = elements(diffs, "figure", "id=\"forest-1-");
    // A group with effects far beyond the rest gets a second plot, on its own scale.
    let forests: Vec<_> = all_forests.iter().filter(|f| !attr(f, "id").ends_with("-large")).collect();
    assert!(forests.len() >= 2, "access and retention at least");
    assert!(attr(forests[0], "id").ends_with("access") && attr(forests[1], "id").ends_with("retention"));
    assert!(all_forests.iter().all(|f| f.contains("<circle") && f.contains("% of the first scenario")));
    assert!(!diffs.contains("off scale"), "no point is pinned at an edge");
    assert!(diffs.contains("class=\"real\""), "real differences are marked");

    // Small multiples: one panel per measure, one line (colour) per scenario.
    let ts = elements(section(&html, "time-series"), "figure", "class=\"plot\"");
    let measures: usize = PANELS.iter().map(|p| p.series.len()).sum();
    assert_eq!(ts.len(), measures);
    for fig in &ts {
        assert_eq!(attr(fig, "data-series").parse::<usize>().unwrap(), 2, "both scenarios in every panel");
        assert!(fig.contains("week 53: supervision_cut: "), "the alternative's changes are marked");
    }
    let mech = section(&html, "mechanisms");
    let plots = elements(mech, "figure", "class=\"plot\"");
    let main: Vec<_> = plots.iter().filter(|f| !attr(f, "id").ends_with("-large")).collect();
    assert_eq!(main.len(), 1, "one plot of the mechanisms (and one of the larger changes, if any)");
    assert!(plots.len() <= 2);
    assert!(mech.contains("R19 supervision session"), "supervision stopping shows in its mechanism:\n{mech}");
    let csv = read(&out.join("mechanisms.csv"));
    assert!(csv.starts_with("scenario,rule,mechanism,unit,base_rate,alt_rate,diff_mean,ci_low,ci_high,sd,n\n"));
    assert!(read(&out.join("series.csv")).starts_with("scenario,series,week,mean,ci_low,ci_high,n\n"));
}

#[test]
fn a_grid_sweep_report_has_a_heat_map_for_each_pair_with_none_as_a_category() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("grid.toml");
    std::fs::write(
        &file,
        "[run]\nyears = 0.5\nwarmup_weeks = 13\nreplications = 1\n[[region]]\nname = \"a\"\npopulation = 20000\n\
         [sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\"policy.caseload_target_per_year\" = [200, 300]\n\
         \"policy.supervision_interval_weeks\" = [0, 2, 4]\n",
    )
    .unwrap();
    let out = dir.path().join("grid");
    let o = spsim(&["sweep", &file.to_string_lossy(), "--out", &out.to_string_lossy(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = read(&out.join("report.html"));
    let pairs = section(&html, "pairs");
    let maps = elements(pairs, "figure", "class=\"plot\"");
    assert_eq!(maps.len(), 6, "one heat map per headline metric for the one pair");
    let burnout = maps.iter().find(|f| attr(f, "id") == "heat-1-2-lw_burnout_mean").expect("burnout heat map");
    assert_eq!(attr(burnout, "data-series"), "6", "2 × 3 cells filled");
    assert!(burnout.contains(">\nnone\n<") || burnout.contains(">none<"), "interval 0 is the category none");
    assert!(burnout.contains("Mean burnout of link workers in post"), "titled in words");
    // Against the interval alone, 0 is "none" on the axis too.
    let params = section(&html, "parameters");
    let against = elements(params, "figure", "class=\"plot\"");
    let interval =
        against.iter().find(|f| attr(f, "id") == "x-lw_burnout_mean-2").expect("burnout against the interval");
    assert!(interval.contains(">\nnone\n<") || interval.contains(">none<"), "the interval axis says none at 0");
}

#[test]
fn a_sweep_report_shows_the_design_each_metric_against_each_parameter_and_indices_once_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("morris");
    let o = spsim(&[
        "sweep",
        &repo("scenarios/sweeps/workforce_morris.toml").to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--replications",
        "1",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = read(&out.join("report.html"));
    assert_self_contained(&html);
    assert!(section(&html, "sensitivity").contains("Not analysed"));
    let params = section(&html, "parameters");
    let plots = elements(params, "figure", "class=\"plot\"");
    let first =
        plots.iter().find(|f| attr(f, "id") == "x-wait_weeks_mean-1").expect("wait against the first parameter");
    assert_eq!(attr(first, "data-x-label"), "policy.caseload_target_per_year");
    let swept = section(&html, "design").matches("<tr>").count() - 1;
    assert_eq!(swept, 7, "the design table lists the swept parameters");
    let wait: Vec<_> = plots.iter().filter(|f| attr(f, "id").starts_with("x-wait_weeks_mean-")).collect();
    assert_eq!(wait.len(), swept, "one plot per swept parameter");
    assert_eq!(plots.len() % swept, 0, "and so for each metric shown");

    let o = spsim(&["analyze", "morris", &out.to_string_lossy(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = read(&out.join("report.html"));
    let sens = section(&html, "sensitivity");
    let bars = elements(sens, "figure", "class=\"plot\"");
    assert!(!bars.is_empty(), "Morris bars once analysed");
    assert!(bars.iter().all(|b| attr(b, "data-series") == "2"), "mu_star and sigma");
    // The folder is still the sweep's: the same command finds it finished.
    let o = spsim(&[
        "sweep",
        &repo("scenarios/sweeps/workforce_morris.toml").to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--replications",
        "1",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Widths of the filled bars (`<rect>` with the first palette colour) in order.
fn bar_widths(svg: &str) -> Vec<f64> {
    let fill = plot::hex(plot::colour(0)).to_uppercase();
    svg.lines()
        .filter(|l| l.starts_with("<rect") && l.contains(&format!("fill=\"{fill}\"")))
        .map(|l| {
            let key = "width=\"";
            let i = l.find(key).unwrap() + key.len();
            l[i..i + l[i..].find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

#[test]
fn the_funnel_svg_matches_its_golden_file_and_its_bars_carry_the_data() {
    let values = [1000.0, 400.0, 320.0, 260.0, 200.0, 150.0];
    let f = funnel_plot("funnel-plot", &values, |_, _, v| format!("{v}")).unwrap();
    let widths = bar_widths(&f.svg);
    assert_eq!(widths.len(), values.len(), "one bar per stage");
    for (w, v) in widths.iter().zip(values) {
        let expected = widths[0] * v / values[0];
        assert!((w - expected).abs() <= 1.0, "bar widths proportional to the values: {widths:?}");
    }
    let path = repo("tests/golden/funnel.svg");
    if std::env::var_os("SPSIM_BLESS").is_some() {
        std::fs::write(&path, &f.svg).unwrap();
    }
    let want = std::fs::read_to_string(&path).expect("golden file exists (SPSIM_BLESS=1 to create)");
    assert!(f.svg == want, "funnel SVG differs from {}", path.display());
}

#[test]
fn spsim_report_rebuilds_combines_and_writes_only_its_own_files() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run_folder("scenarios/baseline.toml", &a, "2");
    run_folder("scenarios/supervision_good.toml", &b, "2");
    let original = read(&a.join("report.html"));
    std::fs::remove_file(a.join("report.html")).unwrap();
    let o = spsim(&["report", &a.to_string_lossy()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read(&a.join("report.html")), original, "rebuilt from the folder's files, identically");

    let both = dir.path().join("both.html");
    let o = spsim(&["report", &a.to_string_lossy(), &b.to_string_lossy(), "--out", &both.to_string_lossy()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = read(&both);
    assert_self_contained(&html);
    let together = elements(&html, "figure", "id=\"together-ts-");
    let measures: usize = PANELS.iter().map(|p| p.series.len()).sum();
    assert_eq!(together.len(), measures, "the runs' series side by side, a panel per measure");
    assert!(html.contains("id=\"f1-headline\"") && html.contains("id=\"f2-headline\""), "each folder's own sections");
    // Written again over its own file: fine.
    assert!(
        spsim(&["report", &a.to_string_lossy(), &b.to_string_lossy(), "--out", &both.to_string_lossy()])
            .status
            .success()
    );

    // Several folders need --out; a file of the user's is never replaced.
    assert_eq!(spsim(&["report", &a.to_string_lossy(), &b.to_string_lossy()]).status.code(), Some(2));
    let mine = dir.path().join("notes.html");
    std::fs::write(&mine, "<p>my notes</p>").unwrap();
    let o = spsim(&["report", &a.to_string_lossy(), "--out", &mine.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read(&mine), "<p>my notes</p>");
    // A folder spsim did not write is not a report's input.
    let user = dir.path().join("user");
    std::fs::create_dir(&user).unwrap();
    let o = spsim(&["report", &user.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!user.join("report.html").exists());
}
