//! Nothing is lost and nothing foreign is touched: locks between processes, interrupts,
//! and a manifest's resolved scenario re-running to identical files.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{repo, spsim};

fn start(args: &[&str], cwd: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_spsim"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill").args(["-s", name, &child.id().to_string()]).status().unwrap().success();
    assert!(ok, "kill -s {name}");
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let t = Instant::now();
    while !cond() {
        assert!(t.elapsed() < Duration::from_secs(120), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// A scenario long enough to interrupt (a few seconds), short to write.
const SLOW: &str = "[run]\nyears = 20\nwarmup_weeks = 0\nreplications = 100\n[[region]]\nname = \"a\"\n";

#[test]
fn ctrl_c_stops_a_run_cleanly_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("s.toml"), SLOW).unwrap();
    for sig in ["INT", "TERM"] {
        let child = start(&["run", "s.toml", "--out", "out", "--quiet", "--threads", "1"], t.path());
        std::thread::sleep(Duration::from_millis(300));
        signal(&child, sig);
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(130), "SIG{sig}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stderr).contains("interrupted"));
        assert_eq!(names(t.path()), ["s.toml"], "SIG{sig}: no output, temporary folder or lock left");
    }
}

#[test]
fn an_interrupted_sweep_says_how_to_resume_and_resumes_to_identical_files() {
    let t = tempfile::tempdir().unwrap();
    let small = repo("tests/data/sweep_small.toml");
    let small = small.to_str().unwrap();
    assert!(
        spsim(&["sweep", small, "--out", t.path().join("whole").to_str().unwrap(), "--quiet", "--replications", "100"])
            .status
            .success()
    );
    let child =
        start(&["sweep", small, "--out", "cut", "--quiet", "--threads", "1", "--replications", "100"], t.path());
    let partial = t.path().join("cut/shards/runs-1-of-1.csv.partial");
    wait_for("the first block on disk", || {
        std::fs::read(&partial).is_ok_and(|b| b.iter().filter(|&&c| c == b'\n').count() > 2)
    });
    signal(&child, "INT");
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("run the same command again to resume"), "{err}");
    assert!(!t.path().join("cut/shards/runs-1-of-1.lock").exists(), "the lock is released");
    let o =
        spsim(&["sweep", small, "--out", t.path().join("cut").to_str().unwrap(), "--quiet", "--replications", "100"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["runs.csv", "points.csv", "manifest.json"] {
        assert_eq!(
            std::fs::read(t.path().join("whole").join(f)).unwrap(),
            std::fs::read(t.path().join("cut").join(f)).unwrap(),
            "{f}"
        );
    }
    assert_eq!(names(t.path()), ["cut", "whole"]);
}

#[test]
fn a_second_writer_is_refused_with_the_holders_pid() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("s.toml"), SLOW).unwrap();
    // Another process holding the folder's lock (taken here as a writer takes it): a
    // run on the same folder is refused at once, before simulating, and writes nothing.
    let lock = t.path().join(".out.spsim-lock");
    let held = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock).unwrap();
    held.try_lock().unwrap();
    std::fs::write(&lock, "4242\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_spsim"))
        .args(["run", "s.toml", "--out", "out", "--quiet"])
        .current_dir(t.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("being written by another spsim process (pid 4242)"), "{err}");
    assert!(!t.path().join("out").exists());
    drop(held);
    // A sweep shard being run elsewhere: the same shard is refused, another one runs.
    let small = repo("tests/data/sweep_small.toml");
    let small = small.to_str().unwrap();
    assert!(
        spsim(&["sweep", small, "--out", t.path().join("sw").to_str().unwrap(), "--quiet", "--shard", "1/2"])
            .status
            .success()
    );
    let shard_lock = t.path().join("sw/shards/runs-2-of-2.lock");
    let held = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&shard_lock).unwrap();
    held.try_lock().unwrap();
    std::fs::write(&shard_lock, "777\n").unwrap();
    let o = spsim(&["sweep", small, "--out", t.path().join("sw").to_str().unwrap(), "--quiet", "--shard", "2/2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("pid 777"), "{}", String::from_utf8_lossy(&o.stderr));
    drop(held);
    let o = spsim(&["sweep", small, "--out", t.path().join("sw").to_str().unwrap(), "--quiet", "--shard", "2/2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_manifests_resolved_scenario_reruns_to_identical_files() {
    let t = tempfile::tempdir().unwrap();
    let first = t.path().join("first");
    let o = spsim(&[
        "run",
        repo("tests/data/tiny.toml").to_str().unwrap(),
        "--out",
        first.to_str().unwrap(),
        "--seed",
        "9223372036854775807",
        "--replications",
        "2",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(first.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 9223372036854775807u64);
    let resolved = t.path().join("resolved.toml");
    std::fs::write(&resolved, manifest["resolved_scenario"].as_str().unwrap()).unwrap();
    let again = t.path().join("again");
    let o = spsim(&["run", resolved.to_str().unwrap(), "--out", again.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["summary.csv", "weekly.csv", "mechanisms.csv"] {
        assert_eq!(std::fs::read(first.join(f)).unwrap(), std::fs::read(again.join(f)).unwrap(), "{f}");
    }
}

/// Every file under `dir`, with its path relative to `dir` and its bytes, in order.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    crate::files_under(dir)
        .into_iter()
        .map(|p| (p.strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

/// Run spsim in `cwd`, stopped (as by a kill) at `fault` when one is given.
fn spsim_at(cwd: &Path, args: &[&str], fault: Option<&str>) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spsim"));
    c.args(args).current_dir(cwd);
    if let Some(step) = fault {
        c.env(spsim::report::folder::FAULT_ENV, step);
    }
    c.output().unwrap()
}

fn ok(o: &std::process::Output, what: &str) -> String {
    assert!(o.status.success(), "{what}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_kill_at_any_step_of_a_replacement_is_finished_by_the_next_command() {
    use spsim::report::folder::REPLACE_STEPS;
    let tiny = "[run]\nyears = 0.2\nwarmup_weeks = 2\nreplications = 2\n[[region]]\nname = \"a\"\npopulation = 5000\n";
    let other = format!("{tiny}[policy]\ncaseload_target_per_year = 300\n");
    let small = repo("tests/data/sweep_small.toml");
    let small = small.to_str().unwrap().to_string();
    // (label, commands that set the folder up, the command a kill stops, the folders left)
    type Case<'a> = (&'a str, Vec<Vec<&'a str>>, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        // Replacing an existing run folder.
        (
            "run",
            vec![vec!["run", "s.toml", "--out", "out", "--quiet"]],
            vec!["run", "s.toml", "--out", "out", "--quiet"],
        ),
        (
            "compare",
            vec![vec!["compare", "s.toml", "b.toml", "--out", "out", "--quiet"]],
            vec!["compare", "s.toml", "b.toml", "--out", "out", "--quiet"],
        ),
        // A sweep's own merge, in place, at its end.
        ("sweep", vec![], vec!["sweep", &small, "--out", "out"]),
        // A merge in place of a sharded sweep.
        (
            "merge",
            vec![
                vec!["sweep", &small, "--out", "out", "--quiet", "--shard", "1/2"],
                vec!["sweep", &small, "--out", "out", "--quiet", "--shard", "2/2"],
            ],
            vec!["merge", "out", "--out", "out"],
        ),
    ];
    for (label, setup, command) in &cases {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("s.toml"), tiny).unwrap();
        std::fs::write(t.path().join("b.toml"), &other).unwrap();
        let fresh = |t: &Path| {
            let _ = std::fs::remove_dir_all(t.join("out"));
            for s in setup {
                ok(&spsim_at(t, s, None), &format!("{label}: setup"));
            }
        };
        fresh(t.path());
        ok(&spsim_at(t.path(), command, None), label);
        let reference = tree(&t.path().join("out"));
        let expected_names = names(t.path());
        for step in REPLACE_STEPS {
            if *label == "sweep" || *label == "merge" {
                fresh(t.path());
            }
            let o = spsim_at(t.path(), command, Some(step));
            assert!(!o.status.success(), "{label} at {step}: the fault point stops it");
            assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("stopped at {step}")), "{label} at {step}");
            // The next command on the folder: the same one, as a user or a requeued job would.
            let said = ok(&spsim_at(t.path(), command, None), &format!("{label} after a kill at {step}"));
            if *label == "sweep" {
                assert!(
                    said.contains("already complete") || said.contains("(0 made now"),
                    "sweep after a kill at {step}: no finished run is made again: {said}"
                );
            }
            assert_eq!(names(t.path()), expected_names, "{label} at {step}: nothing of spsim's left beside the folder");
            assert!(
                tree(&t.path().join("out")) == reference,
                "{label} at {step}: the folder differs from an unkilled one"
            );
        }
    }
}

#[test]
fn a_folder_whose_replacement_was_killed_is_read_whole_by_report() {
    // Killed after the old folder was set aside and before the new one is in place: the
    // folder's name is missing until the next command finishes the replacement.
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("s.toml"), "[run]\nyears = 0.2\nwarmup_weeks = 2\n[[region]]\nname = \"a\"\n")
        .unwrap();
    let run = ["run", "s.toml", "--out", "out", "--quiet", "--replications", "2"];
    ok(&spsim_at(t.path(), &run, None), "first run");
    let reference = tree(&t.path().join("out"));
    assert!(!spsim_at(t.path(), &run, Some("replace:set-aside")).status.success());
    assert!(!t.path().join("out").exists(), "the kill left the folder set aside");
    ok(&spsim_at(t.path(), &["report", "out"], None), "report after the kill");
    let after = tree(&t.path().join("out"));
    let without_report =
        |v: &[(String, Vec<u8>)]| v.iter().filter(|(n, _)| n != "report.html").cloned().collect::<Vec<_>>();
    assert_eq!(without_report(&after), without_report(&reference));
    assert_eq!(names(t.path()), ["out", "s.toml"]);
}

/// Run spsim to the end and return its exit status and peak resident memory in bytes
/// (as it reports it itself: a child's rusage would count this test's memory, inherited
/// through fork).
fn peak_of(args: &[&str], cwd: &Path) -> (i32, u64) {
    let o = Command::new(env!("CARGO_BIN_EXE_spsim"))
        .args(args)
        .current_dir(cwd)
        .env("SPSIM_REPORT_PEAK", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let peak = err
        .lines()
        .find_map(|l| l.strip_prefix("peak resident memory: ")?.strip_suffix(" bytes")?.parse().ok())
        .unwrap_or_else(|| panic!("no peak reported: {err}"));
    (o.status.code().unwrap_or(-1), peak)
}

/// The estimate `spsim validate` prints on its line starting with `what` ("run:" or "sweep:").
fn estimated(file: &Path, what: &str) -> u64 {
    let o = spsim(&["validate", file.to_str().unwrap(), "--threads", "2"]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let line = text
        .lines()
        .find(|l| l.starts_with(what) && l.contains("about "))
        .unwrap_or_else(|| panic!("no {what} line:\n{text}"));
    let about = line.split("about ").nth(1).unwrap();
    let mut words = about.split(' ');
    let n: f64 = words.next().unwrap().parse().unwrap();
    let unit = words.next().unwrap();
    // Printed rounded: the estimate is at least the printed value less half its last digit.
    let (scale, half) = match unit {
        "MiB" => ((1u64 << 20) as f64, 0.5),
        "GiB" => ((1u64 << 30) as f64, 0.05),
        u => panic!("unit {u}"),
    };
    ((n - half) * scale) as u64
}

/// The memory estimate that `--max-memory` and the machine's memory are checked against
/// errs high: at least the measured peak of every shipped scenario (England included),
/// of a scheduled change that raises post growth tenfold, and of a sweep.
#[test]
fn the_memory_estimate_is_at_least_the_measured_peak() {
    let t = tempfile::tempdir().unwrap();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(repo("scenarios"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let growth = t.path().join("growth.toml");
    std::fs::write(
        &growth,
        "[run]\nyears = 6\nwarmup_weeks = 26\nreplications = 4\n[[region]]\nname = \"a\"\npopulation = 60000\n\
         lw_posts = 3\n[funding]\nlw_post_growth_per_year = 0.1\n[[change]]\nweek = 40\n\
         \"funding.lw_post_growth_per_year\" = 1.0\n\"funding.vcse_new_orgs_per_year\" = 10\n",
    )
    .unwrap();
    files.push(growth);
    let mut checked = Vec::new();
    for f in &files {
        let est = estimated(f, "run:");
        let (code, peak) =
            peak_of(&["run", f.to_str().unwrap(), "--out", "out", "--quiet", "--threads", "2"], t.path());
        assert_eq!(code, 0, "{}", f.display());
        assert!(est >= peak, "{}: estimated {est} bytes, measured peak {peak}", f.display());
        checked.push(format!(
            "{}: {:.0}/{:.0} MiB",
            f.file_name().unwrap().to_string_lossy(),
            est as f64 / 1048576.0,
            peak as f64 / 1048576.0
        ));
        std::fs::remove_dir_all(t.path().join("out")).unwrap();
    }
    let sweep = repo("tests/data/sweep_small.toml");
    let est = estimated(&sweep, "sweep:");
    let (code, peak) =
        peak_of(&["sweep", sweep.to_str().unwrap(), "--out", "sw", "--quiet", "--threads", "2"], t.path());
    assert_eq!(code, 0);
    assert!(est >= peak, "sweep: estimated {est} bytes, measured peak {peak}");
    eprintln!("estimate/peak: {}", checked.join(", "));
}
