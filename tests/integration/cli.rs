//! The command line: help, validate, run writes its files atomically, reference.

use crate::{repo, spsim};

#[test]
fn help_explains_the_commands() {
    let o = spsim(&["--help"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for word in ["run", "validate", "reference"] {
        assert!(text.contains(word), "{text}");
    }
    let run_help = String::from_utf8_lossy(&spsim(&["run", "--help"]).stdout).into_owned();
    for flag in ["--out", "--replications", "--seed", "--threads", "--quiet"] {
        assert!(run_help.contains(flag), "{run_help}");
    }
}

#[test]
fn validate_accepts_the_baseline() {
    let o = spsim(&["validate", repo("scenarios/baseline.toml").to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("ok"));
}

#[test]
fn run_writes_summary_weekly_and_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    let o = spsim(&[
        "run",
        repo("tests/data/tiny.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--replications",
        "2",
        "--seed",
        "99",
        "--threads",
        "2",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.starts_with("metric,mean,ci_low,ci_high,sd,n\n"));
    assert!(summary.contains("\nuptake_rate,"));
    let uptake = summary.lines().find(|l| l.starts_with("uptake_rate,")).unwrap();
    assert!(uptake.ends_with(",2"), "n = 2 replications: {uptake}");
    assert!(summary.lines().skip(1).all(|l| l.ends_with(",1") || l.ends_with(",2")), "{summary}");
    let weekly = std::fs::read_to_string(out.join("weekly.csv")).unwrap();
    // header + 2 replications × 52 weeks × 2 archetypes
    assert_eq!(weekly.lines().count(), 1 + 2 * 52 * 2);
    assert!(weekly.starts_with("replication,week,region,presented,"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 99);
    assert_eq!(manifest["replications"], 2);
    assert_eq!(manifest["spsim_output"], "run", "the folder is marked as a run's");
    assert!(manifest.get("threads").is_none() && manifest.get("wall_seconds").is_none(), "nothing machine-dependent");
    assert_eq!(manifest["scenario_sha256"].as_str().unwrap().len(), 64);
    assert!(manifest["resolved_scenario"].as_str().unwrap().contains("[behaviour]"));
    // Re-running replaces the folder whole, leaving no temporary folders.
    let o2 = spsim(&["run", repo("tests/data/tiny.toml").to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(o2.status.success());
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, vec!["res".to_string()], "no lock file or temporary folder left beside it");
}

#[test]
fn the_resolved_scenario_in_the_manifest_reloads_to_the_same_scenario() {
    let s = crate::load(&repo("scenarios/high_deprivation.toml"));
    let again = spsim::scenario::from_text(std::path::Path::new("resolved.toml"), &s.resolved_toml())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.policy, s.policy);
    assert_eq!(again.behaviour, s.behaviour);
    assert_eq!(again.regions, s.regions);
    assert_eq!(again.run, s.run);
}

#[test]
fn metrics_doc_matches_the_code() {
    let doc = std::fs::read_to_string(repo("docs/metrics.md")).expect("docs/metrics.md");
    assert!(
        doc == spsim::report::reference::metrics_reference(),
        "docs/metrics.md is stale: run `cargo run --release -- metrics > docs/metrics.md`"
    );
}

#[test]
fn scenario_reference_doc_matches_the_code() {
    let doc = std::fs::read_to_string(repo("docs/scenario-reference.md")).expect("docs/scenario-reference.md");
    assert!(
        doc == spsim::report::reference::scenario_reference(),
        "docs/scenario-reference.md is stale: run `cargo run --release -- reference > docs/scenario-reference.md`"
    );
}

#[test]
fn output_into_a_closed_pipe_ends_quietly_without_a_panic() {
    // `spsim reference | head -1`: the reader is gone before spsim writes.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_spsim"))
        .arg("reference")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked") && out.status.code() != Some(101), "{:?}: {err}", out.status);
}
