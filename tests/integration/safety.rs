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
