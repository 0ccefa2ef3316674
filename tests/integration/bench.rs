//! `spsim bench`: the workloads a benchmark suite times, and the JSON it reads.

use crate::{repo, spsim};

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn bench_reports_each_workload_and_counts_the_same_work_as_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bench.json");
    let o = spsim(&["bench", "pcn-20", "--repeat", "3", "--threads", "2", "--json", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("pcn-20"));
    let v = json(&out);
    assert_eq!(v["written_by"], "spsim bench");
    assert_eq!(v["spsim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["workload_version"], spsim::bench::WORKLOAD_VERSION);
    assert_eq!(v["threads"], 2);
    assert_eq!(v["repeat"], 3);
    let w = &v["workloads"][0];
    assert_eq!(w["name"], "pcn-20");
    assert_eq!(w["runs"], 20);
    for key in ["wall_s", "cpu_s", "patient_weeks_per_s", "agent_updates_per_s", "patient_weeks_per_cpu_s"] {
        let (lo, mid, hi) =
            (w[key]["min"].as_f64().unwrap(), w[key]["median"].as_f64().unwrap(), w[key]["max"].as_f64().unwrap());
        assert!(lo > 0.0 && lo <= mid && mid <= hi, "{key}: {}", w[key]);
    }
    // Throughput is the work over the time.
    let pw = w["patient_weeks"].as_f64().unwrap();
    let wall = w["wall_s"]["median"].as_f64().unwrap();
    let rate = w["patient_weeks_per_s"]["median"].as_f64().unwrap();
    assert!((rate * wall / pw - 1.0).abs() < 0.5, "{rate} x {wall} vs {pw}");
    assert!(w["agent_updates"].as_u64().unwrap() > w["patient_weeks"].as_u64().unwrap());
    // The workload is the shipped baseline: the same patient-weeks as `spsim run` of it.
    let run_dir = dir.path().join("run");
    let r = spsim(&[
        "run",
        repo("scenarios/baseline.toml").to_str().unwrap(),
        "--out",
        run_dir.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(json(&run_dir.join("manifest.json"))["patient_weeks"], w["patient_weeks"]);
    // A later bench replaces its own file.
    let again = spsim(&["bench", "pcn-20", "--json", out.to_str().unwrap()]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(json(&out)["repeat"], 1);
}

#[test]
fn bench_leaves_other_files_alone_and_names_the_workloads() {
    let dir = tempfile::tempdir().unwrap();
    let mine = dir.path().join("mine.json");
    std::fs::write(&mine, "{\"a\": 1}").unwrap();
    let o = spsim(&["bench", "pcn-20", "--json", mine.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not written by spsim"));
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "{\"a\": 1}");
    let bad = spsim(&["bench", "pcn-3"]);
    assert_eq!(bad.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&bad.stderr);
    for name in ["pcn-20", "pcn-100", "england", "lhs-2000"] {
        assert!(msg.contains(name), "{msg}");
    }
}
