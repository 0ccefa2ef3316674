//! The reports in a real browser: headless Chromium renders the report of a run, a
//! comparison and a sweep; the screenshot is not blank, the page logs nothing to the
//! console, every inline SVG of the file is in the rendered page, and in no plot does a
//! text overlap another (rendered bounding boxes).
//!
//! Chromium is found as `SPSIM_CHROMIUM`, else `chromium`, `chromium-browser` or
//! `google-chrome` on PATH. Without one the test says so and passes, unless
//! `SPSIM_REQUIRE_BROWSER=1` (set by CI, which installs Debian's `chromium`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{repo, spsim};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SPSIM_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Run headless Chromium on `page` with extra arguments; its stdout and stderr.
fn browse(bin: &Path, profile: &Path, page: &Path, args: &[&str]) -> (String, String) {
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let o = Command::new(bin)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--enable-logging=stderr", "--v=0"])
        .args(args)
        .arg(&url)
        .output()
        .expect("chromium starts");
    let (out, err) = (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned());
    assert!(o.status.success(), "chromium failed on {url}:\n{err}");
    (out, err)
}

/// Share of pixels that are not white, and the number of distinct colours.
fn ink(png_path: &Path) -> (f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png_path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let mut colours = std::collections::BTreeSet::new();
    let mut inked = 0usize;
    let mut total = 0usize;
    for px in pixels.chunks(channels) {
        total += 1;
        if px[..3.min(channels)].iter().any(|c| *c < 245) {
            inked += 1;
        }
        if colours.len() < 10_000 {
            colours.insert(px[..3.min(channels)].to_vec());
        }
    }
    (inked as f64 / total as f64, colours.len())
}

fn check(bin: &Path, work: &Path, report: &Path, what: &str) {
    let profile = work.join(format!("profile-{what}"));
    let shot = work.join(format!("{what}.png"));
    let (_, log) =
        browse(bin, &profile, report, &["--window-size=1000,2400", &format!("--screenshot={}", shot.display())]);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "{what} report logged to the console:\n{}", console.join("\n"));
    let (share, colours) = ink(&shot);
    assert!(
        share > 0.03 && colours > 20,
        "{what} screenshot looks blank: {:.1}% inked, {colours} colours",
        100.0 * share
    );
    let (dom, _) = browse(bin, &profile, report, &["--dump-dom"]);
    let html = std::fs::read_to_string(report).unwrap();
    let svgs = html.matches("<svg ").count();
    assert!(svgs > 0);
    assert_eq!(dom.matches("<svg ").count(), svgs, "{what}: every plot is in the rendered page");
    // Layout: in no plot does a text overlap another (labels, ticks, values, titles), by
    // the rendered bounding boxes; a copy of the page measures them and writes the pairs.
    let probe = work.join(format!("{}-probe.html", what.replace(' ', "-")));
    std::fs::write(&probe, format!("{html}{OVERLAP_PROBE}")).unwrap();
    let (dom, _) = browse(bin, &profile, &probe, &["--virtual-time-budget=10000", "--dump-dom"]);
    let found = dom
        .split_once("<pre id=\"overlaps\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(list, _)| list.to_string())
        .unwrap_or_else(|| panic!("{what}: the layout probe wrote nothing"));
    assert_eq!(found, "[]", "{what}: texts overlap in the plots: {found}");
}

/// Appended to a copy of a report: once laid out, every pair of non-empty `<text>`
/// elements of one SVG whose rendered boxes overlap by more than a pixel each way is
/// listed (figure id, both texts) as JSON in `<pre id="overlaps">`.
const OVERLAP_PROBE: &str = r#"<script>
window.addEventListener('load', () => {
  const out = [];
  document.querySelectorAll('svg').forEach((svg, k) => {
    const fig = svg.closest('figure');
    const id = fig ? fig.id : 'svg' + k;
    const boxes = [...svg.querySelectorAll('text')]
      .filter(t => t.textContent.trim())
      .map(t => [t.textContent.trim(), t.getBoundingClientRect()]);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i][1], b = boxes[j][1];
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) out.push(id + ': ' + boxes[i][0] + ' / ' + boxes[j][0]);
      }
    }
  });
  const pre = document.createElement('pre');
  pre.id = 'overlaps';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"#;

#[test]
fn reports_render_in_headless_chromium_without_console_errors() {
    let Some(bin) = chromium() else {
        assert!(
            std::env::var_os("SPSIM_REQUIRE_BROWSER").is_none(),
            "SPSIM_REQUIRE_BROWSER is set but no chromium was found (set SPSIM_CHROMIUM or install chromium)"
        );
        eprintln!("note: no chromium found; the browser test did not run (CI installs one)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    let s = |f: &str| repo(f).to_string_lossy().into_owned();
    let p = |f: &str| w.join(f).to_string_lossy().into_owned();
    let ok = |args: &[&str]| {
        let o = spsim(args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    ok(&["run", &s("scenarios/target_rise.toml"), "--out", &p("run"), "--replications", "3", "--quiet"]);
    ok(&[
        "compare",
        &s("scenarios/baseline.toml"),
        &s("scenarios/supervision_cut.toml"),
        "--out",
        &p("cmp"),
        "--replications",
        "3",
        "--quiet",
    ]);
    ok(&["sweep", &s("scenarios/sweeps/caseload_grid.toml"), "--out", &p("sweep"), "--replications", "1", "--quiet"]);
    for what in ["run", "cmp", "sweep"] {
        check(&bin, w, &w.join(what).join("report.html"), what);
    }
    // The shipped calibration and ensemble reports (regenerated by results/regenerate.sh).
    for (what, folder) in [
        ("calibration", "results/calibration"),
        ("ensemble run", "results/ensembles/baseline"),
        ("ensemble compare", "results/compares/ensemble"),
    ] {
        check(&bin, w, &repo(folder).join("report.html"), what);
    }
}
