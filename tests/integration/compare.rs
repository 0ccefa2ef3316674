//! `spsim compare`: paired differences under common random numbers.

use crate::{load, repo, run_with_threads, spsim};

#[test]
fn a_scenario_compared_with_itself_differs_by_exactly_zero() {
    let mut s = load(&repo("tests/data/tiny.toml"));
    s.run.replications = 4;
    let (a, b) = (run_with_threads(&s, 1), run_with_threads(&s, 2));
    let rows = spsim::compare::paired("same", &a, &b);
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!(r.diff_mean, 0.0, "{}", r.metric);
        assert!(r.sd == 0.0 || r.n < 2, "{}", r.metric);
    }
}

#[test]
fn paired_differences_are_alternative_minus_baseline_replication_by_replication() {
    let mut base = load(&repo("scenarios/baseline.toml"));
    base.run.replications = 12;
    base.policy.supervision_interval_weeks = 0;
    let mut alt = base.clone();
    alt.policy.supervision_interval_weeks = 2;
    alt.policy.supervision_quality = 0.9;
    let (b, a) = (run_with_threads(&base, 2), run_with_threads(&alt, 2));
    let rows = spsim::compare::paired("alt", &b, &a);
    let burnout = rows.iter().find(|r| r.metric == "lw_burnout_mean").unwrap();
    assert!((burnout.diff_mean - (burnout.alt_mean - burnout.base_mean)).abs() < 1e-12);
    assert!(burnout.ci_high < 0.0, "better supervision lowers burnout: {burnout:?}");
}

#[test]
fn the_compare_command_writes_compare_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    let o = spsim(&[
        "compare",
        repo("scenarios/baseline.toml").to_str().unwrap(),
        repo("scenarios/supervision_none.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--replications",
        "3",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert!(csv.starts_with("scenario,period,metric,base_mean,alt_mean,diff_mean,ci_low,ci_high,sd,n\n"));
    assert!(csv.contains("\nsupervision_none,all,lw_burnout_mean,"));
    assert!(csv.contains("\nsupervision_none,year-1,lw_burnout_mean,"));
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("When it shows, and whether it lasts"));
    assert!(report.contains("Hours and costs: does it pay?") && report.contains("per additional patient connected"));
    let bad = spsim(&["compare", repo("scenarios/baseline.toml").to_str().unwrap(), "missing.toml", "--out", "x"]);
    assert_eq!(bad.status.code(), Some(2));
}
