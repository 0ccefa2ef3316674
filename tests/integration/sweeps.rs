//! Sweeps: designs, validation of [sweep], streaming files in run order, resume after
//! SIGKILL, shards and merge, failing runs, design files, sensitivity analysis.

use std::path::{Path, PathBuf};
use std::process::Command;

use spsim::params::spec::RawValue;
use spsim::scenario;
use spsim::sweep::Sweep;

use crate::{repo, spsim};

const FILES: [&str; 6] = ["runs.csv", "points.csv", "manifest.json", "X.txt", "Y.txt", "problem.txt"];

fn small() -> String {
    repo("tests/data/sweep_small.toml").to_str().unwrap().to_string()
}

fn sweep_into(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["sweep".to_string(), small(), "--out".into(), out.to_str().unwrap().into(), "--quiet".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    spsim(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn assert_same_files(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        let (x, y) = (std::fs::read(a.join(f)), std::fs::read(b.join(f)));
        assert!(x.is_ok() && y.is_ok(), "{f} missing in {} or {}", a.display(), b.display());
        assert!(x.unwrap() == y.unwrap(), "{f} differs between {} and {}", a.display(), b.display());
    }
}

fn text_scenario(sweep: &str) -> Result<scenario::Scenario, String> {
    let text = format!(
        "[run]\nname = \"t\"\nyears = 1\nwarmup_weeks = 0\nreplications = 2\n\n[[region]]\nname = \"a\"\n\n\
         [[region]]\nname = \"b\"\n\n{sweep}"
    );
    scenario::from_text(Path::new("t.toml"), &text).map_err(|e| e.to_string())
}

#[test]
fn grid_runs_every_combination_with_the_last_key_fastest() {
    let s = text_scenario(
        "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\"policy.max_sessions\" = [6, 12]\n\
         \"region.lw_posts\" = { first = 1, step = 1, last = 3 }\n",
    )
    .unwrap();
    let spec = s.sweep.clone().unwrap();
    let sweep = Sweep::native(s, spec);
    let got: Vec<(i64, i64)> = sweep
        .points
        .iter()
        .map(|p| match (&p[0], &p[1]) {
            (RawValue::Int(a), RawValue::Int(b)) => (*a, *b),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, vec![(6, 1), (6, 2), (6, 3), (12, 1), (12, 2), (12, 3)]);
    let at = sweep.scenario_at(4).unwrap();
    assert_eq!(at.policy.max_sessions, 12);
    assert!(at.regions.iter().all(|r| r.lw_posts == 2), "region.<key> sets every region");
    assert_eq!(sweep.runs(), 12);
}

#[test]
fn region_n_sets_one_region_and_whole_number_ranges_are_rounded() {
    let s = text_scenario(
        "[sweep]\ndesign = \"lhs\"\npoints = 10\n[sweep.parameters]\n\"region[2].lw_posts\" = { lower = 1, upper = 4 }\n",
    )
    .unwrap();
    let spec = s.sweep.clone().unwrap();
    let sweep = Sweep::native(s, spec);
    for i in 0..10 {
        let at = sweep.scenario_at(i).unwrap();
        assert_eq!(at.regions[0].lw_posts, sweep.base.regions[0].lw_posts, "region[1] is untouched");
        assert!((1..=4).contains(&at.regions[1].lw_posts));
        assert!(matches!(sweep.points[i][0], RawValue::Int(_)));
    }
}

#[test]
fn invalid_sweeps_name_the_place_the_key_and_what_is_allowed() {
    let cases: &[(&str, &[&str])] = &[
        (
            "[sweep]\ndesign = \"latin\"\npoints = 4\n[sweep.parameters]\n\"policy.peer_support\" = [0.1]\n",
            &["t.toml:14:10", "\"grid\" | \"lhs\" | \"sobol\" | \"morris\""],
        ),
        (
            "[sweep]\ndesign = \"lhs\"\npoints = 4\n[sweep.parameters]\n\"policy.caseload_targt\" = { lower = 1, upper = 2 }\n",
            &["t.toml:17:1", "`policy.caseload_targt`", "allowed keys", "caseload_target_per_year"],
        ),
        (
            "[sweep]\ndesign = \"lhs\"\npoints = 4\n[sweep.parameters]\n\"policy.supervision_quality\" = { lower = 0.9, upper = 0.1 }\n",
            &["lower (0.9) is above upper (0.1)"],
        ),
        (
            "[sweep]\ndesign = \"lhs\"\npoints = 4\n[sweep.parameters]\n\"policy.supervision_quality\" = { lower = 0.1, upper = 1.5 }\n",
            &["value 1.5 is out of range; allowed: 0 to 1"],
        ),
        ("[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\"policy.max_sessions\" = []\n", &["empty list"]),
        (
            "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\"policy.peer_support\" = { lower = 0.1, upper = 0.2 }\n",
            &["a grid needs a list"],
        ),
        (
            "[sweep]\ndesign = \"sobol\"\n[sweep.parameters]\n\"policy.peer_support\" = { lower = 0.1, upper = 0.2 }\n",
            &["`sweep.points`: missing"],
        ),
        ("[sweep]\ndesign = \"lhs\"\npoints = 4\n[sweep.parameters]\n\"run.seed\" = [1, 2]\n", &["cannot be swept"]),
        (
            "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\"policy.tapering\" = [true, 3]\n",
            &["expected true or false, found an integer"],
        ),
        (
            "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\"region[3].lw_posts\" = [1]\n",
            &["region[N] with N from 1 to 2"],
        ),
        (
            "[sweep]\ndesign = \"lhs\"\npoints = 4\nlevels = 4\n[sweep.parameters]\n\"policy.peer_support\" = { lower = 0, upper = 1 }\n",
            &["only used by the morris design"],
        ),
    ];
    for (sweep, wanted) in cases {
        let e = text_scenario(sweep).expect_err(sweep);
        for w in *wanted {
            assert!(e.contains(w), "for\n{sweep}\nexpected {w:?} in:\n{e}");
        }
    }
}

#[test]
fn validate_reports_a_bad_sweep_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.toml");
    std::fs::write(
        &f,
        "extends = \"../missing.toml\"\n"
            .replace("../missing.toml", repo("tests/data/sweep_small.toml").to_str().unwrap())
            + "[sweep.parameters]\n\"policy.no_such_key\" = [1, 2]\n",
    )
    .unwrap();
    let o = spsim(&["validate", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml:3:1") && err.contains("policy.no_such_key"), "{err}");
}

#[test]
fn replication_r_sees_the_same_patients_at_every_point() {
    let s = scenario::load(&repo("tests/data/sweep_small.toml")).unwrap();
    let spec = s.sweep.clone().unwrap();
    let sweep = Sweep::native(s, spec);
    let presented = |run: u64| {
        let o = sweep.run_one(run);
        o.result.unwrap().metrics.iter().find(|m| m.0 == "presentations_per_1000_year").unwrap().1.unwrap()
    };
    // Runs 0 and 2 are replication 0 of points 0 and 1; run 1 is replication 1 of point 0.
    assert_eq!(presented(0), presented(2));
    assert_ne!(presented(0), presented(1));
}

#[test]
fn sweep_files_are_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert!(sweep_into(&a, &["--threads", "1"]).status.success());
    assert!(sweep_into(&b, &["--threads", "3"]).status.success());
    assert_same_files(&a, &b, &FILES);
    let runs = std::fs::read_to_string(a.join("runs.csv")).unwrap();
    let ids: Vec<u64> = runs.lines().skip(1).map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    assert_eq!(ids, (0..50).collect::<Vec<_>>(), "runs.csv is in run order");
    assert_eq!(std::fs::read_to_string(a.join("points.csv")).unwrap().lines().count(), 26);
    assert!(!a.join("shards").exists(), "the in-progress files are gone");
}

fn line_count(p: &Path) -> usize {
    std::fs::read(p).map(|b| b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(0)
}

#[test]
fn a_sweep_killed_with_sigkill_resumes_to_byte_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, killed) = (dir.path().join("whole"), dir.path().join("killed"));
    let reps = ["--replications", "200"];
    assert!(sweep_into(&whole, &reps).status.success());
    let partial: PathBuf = killed.join("shards/runs-1-of-1.csv.partial");
    let mut child = Command::new(env!("CARGO_BIN_EXE_spsim"))
        .args(["sweep", &small(), "--out", killed.to_str().unwrap(), "--quiet", "--threads", "1"])
        .args(reps)
        .spawn()
        .unwrap();
    // Kill as soon as the first block is on disk.
    while line_count(&partial) < 2 {
        assert!(child.try_wait().unwrap().is_none(), "the sweep finished before it could be killed");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done = line_count(&partial) - 1;
    assert!(done > 0 && done < 5000, "killed mid-sweep ({done} runs on disk)");
    // A kill in the middle of a write leaves half a line: resume must drop it.
    let mut f = std::fs::OpenOptions::new().append(true).open(&partial).unwrap();
    std::io::Write::write_all(&mut f, format!("{done},{},1,3,ok,17", done / 200).as_bytes()).unwrap();
    drop(f);
    let o = Command::new(env!("CARGO_BIN_EXE_spsim"))
        .args(["sweep", &small(), "--out", killed.to_str().unwrap(), "--threads", "2"])
        .args(reps)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("resuming after {done} finished runs")));
    assert_same_files(&whole, &killed, &FILES);
}

#[test]
fn four_shards_merge_into_exactly_the_unsharded_files() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, sharded, merged) = (dir.path().join("whole"), dir.path().join("sharded"), dir.path().join("merged"));
    assert!(sweep_into(&whole, &[]).status.success());
    for i in 1..=3 {
        let o = sweep_into(&sharded, &["--shard", &format!("{i}/4")]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = spsim(&["merge", sharded.to_str().unwrap(), "--out", merged.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "merge refuses while a shard is missing");
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard(s) 4 of 4 are not finished"));
    assert!(!merged.exists());
    // The last shard through Slurm's variables (array 1-4, so task 4 is shard 4 of 4).
    let o = Command::new(env!("CARGO_BIN_EXE_spsim"))
        .args(["sweep", &small(), "--out", sharded.to_str().unwrap(), "--quiet"])
        .env("SLURM_ARRAY_TASK_ID", "4")
        .env("SLURM_ARRAY_TASK_MIN", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "4")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = spsim(&["merge", sharded.to_str().unwrap(), "--out", merged.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_same_files(&whole, &merged, &FILES);
}

#[test]
fn kubernetes_completion_index_selects_the_shard() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("k8s");
    let run = |index: &str, shards: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_spsim"));
        c.args(["sweep", &small(), "--out", out.to_str().unwrap(), "--quiet"]).env("JOB_COMPLETION_INDEX", index);
        if let Some(n) = shards {
            c.args(["--shards", n]);
        }
        c.output().unwrap()
    };
    let o = run("1", None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--shards N"));
    // Kubernetes' index is 0-based: index 1 of 2 is shard 2/2.
    assert!(run("1", Some("2")).status.success());
    assert!(out.join("shards/runs-2-of-2.csv").exists());
}

#[test]
fn a_folder_holding_another_sweep_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x");
    assert!(sweep_into(&out, &["--shard", "1/2"]).status.success());
    let o = sweep_into(&out, &["--shard", "2/2", "--replications", "3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("different sweep"));
}

#[test]
fn a_folder_that_is_not_a_sweep_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mine");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "keep me").unwrap();
    let o = sweep_into(&out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("was not written by `spsim sweep`"));
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "keep me");
    assert!(!out.join("shards").exists());
    let sharded = dir.path().join("sharded");
    assert!(sweep_into(&sharded, &["--shard", "1/1"]).status.success());
    let o = spsim(&["merge", sharded.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "keep me");
}

#[test]
fn a_failing_run_is_reported_with_its_point_and_the_others_finish() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("fails.toml");
    // community time 0.85 + admin 0.15 leaves no time for patients: point 1 cannot run.
    let text = std::fs::read_to_string(repo("tests/data/sweep_small.toml")).unwrap();
    let base = &text[..text.find("[sweep]").unwrap()];
    std::fs::write(
        &f,
        format!(
            "{base}[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\"policy.community_time_share\" = [0.1, 0.85, 0.2]\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = spsim(&["sweep", f.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("(point 1, replication 0) failed") && err.contains("community_time_share"), "{err}");
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let status: Vec<&str> = runs.lines().skip(1).map(|l| l.split(',').nth(4).unwrap()).collect();
    assert_eq!(status.len(), 6);
    assert_eq!(status[0], "ok");
    assert!(status[2].starts_with("failed") && status[3].starts_with("failed"));
    assert_eq!(status[4], "ok");
    let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
    assert!(points.lines().nth(2).unwrap().starts_with("1,0.85,0,"), "point 1 has no successful run");
}

#[test]
fn design_file_rows_run_in_order_and_bad_files_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("X.txt");
    std::fs::write(&x, "# caseload interval quality\n200 4 0.5\n350.5 0 0.25\n\n160,12,0.9\n").unwrap();
    let out = dir.path().join("d");
    let o = sweep_into(&out, &["--design", x.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
    let firsts: Vec<String> =
        points.lines().skip(1).map(|l| l.split(',').take(4).collect::<Vec<_>>().join(",")).collect();
    assert_eq!(firsts, ["0,200,4,0.5", "1,350.5,0,0.25", "2,160,12,0.9"]);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"design\": \"file\""));

    std::fs::write(&x, "200 4 0.5\n300 4 zero\n").unwrap();
    let o = sweep_into(&dir.path().join("e1"), &["--design", x.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("X.txt:2:7") && err.contains("`zero` is not a number"), "{err}");
    std::fs::write(&x, "200 4 0.5\n300 4 2.0\n").unwrap();
    let err = String::from_utf8_lossy(&sweep_into(&dir.path().join("e2"), &["--design", x.to_str().unwrap()]).stderr)
        .into_owned();
    assert!(err.contains("X.txt:2:") && err.contains("outside its range 0.1 to 0.9"), "{err}");
    assert!(!dir.path().join("e1").exists() && !dir.path().join("e2").exists(), "no output for bad input");
}

#[test]
fn analyze_writes_sobol_and_morris_indices_for_their_designs_only() {
    let dir = tempfile::tempdir().unwrap();
    for (design, extra, method, file, cols) in [
        ("sobol", "points = 16", "sobol", "sobol.csv", "metric,parameter,S1,S1_conf,ST,ST_conf"),
        (
            "morris",
            "points = 6\nlevels = 4",
            "morris",
            "morris.csv",
            "metric,parameter,mu,mu_star,sigma,mu_star_conf,mu_star_noise",
        ),
    ] {
        let f = dir.path().join(format!("{design}.toml"));
        let text = std::fs::read_to_string(repo("tests/data/sweep_small.toml"))
            .unwrap()
            .replace("design = \"lhs\"\npoints = 25", &format!("design = \"{design}\"\n{extra}"));
        std::fs::write(&f, text).unwrap();
        let out = dir.path().join(design);
        let o = spsim(&["sweep", f.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let o = spsim(&[
            "analyze",
            method,
            out.to_str().unwrap(),
            "--metric",
            "caseload_per_lw_year",
            "--resamples",
            "200",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(stdout.contains("policy.caseload_target_per_year"), "{stdout}");
        let csv = std::fs::read_to_string(out.join(file)).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        let noise_cols =
            "clear,status,noise_share,noise_share_means,replications,replications_needed,design_size_needed";
        assert_eq!(lines[0], format!("{cols},{noise_cols}"));
        assert_eq!(lines.len(), 4, "one row per parameter:\n{csv}");
        let n_indices = cols.split(',').count() - 2;
        for l in &lines[1..] {
            let cells: Vec<&str> = l.split(',').collect();
            // Indices: finite numbers, or empty where the noise leaves them undefined.
            for c in &cells[2..2 + n_indices] {
                assert!(c.is_empty() || c.parse::<f64>().unwrap().is_finite(), "{l}");
            }
            let rest = &cells[2 + n_indices..];
            assert!(["yes", "no"].contains(&rest[0]), "{l}");
            assert!(
                ["signal", "noise", "unresolved", "constant"].contains(&rest[1]),
                "2 replications measure the noise: {l}"
            );
            for share in &rest[2..4] {
                let v: f64 = share.parse().unwrap();
                assert!((0.0..=1.0).contains(&v), "{l}");
            }
            assert_eq!(rest[4], "2", "{l}");
        }
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(stdout.contains("replication noise") && stdout.contains("caseload_per_lw_year"), "{stdout}");
        let other = if method == "sobol" { "morris" } else { "sobol" };
        let o = spsim(&["analyze", other, out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "analyze {other} refuses a {design} sweep");
    }
}

#[test]
fn merge_refuses_a_shard_whose_values_were_edited_to_non_finite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    for shard in ["1/2", "2/2"] {
        assert!(sweep_into(&out, &["--shard", shard]).status.success());
    }
    let shard = out.join("shards").join("runs-1-of-2.csv");
    let text = std::fs::read_to_string(&shard).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cells: Vec<String> = lines[1].split(',').map(String::from).collect();
    let last = cells.len() - 1;
    cells[last] = "inf".into();
    lines[1] = cells.join(",");
    std::fs::write(&shard, lines.join("\n") + "\n").unwrap();
    let o = spsim(&["merge", out.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is not finite") && err.contains("run 0"), "{err}");
    assert!(!out.join("points.csv").exists() && !out.join("Y.txt").exists(), "nothing merged");
}

#[test]
fn a_design_file_header_maps_columns_by_name_in_any_order() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s.toml");
    std::fs::write(
        &s,
        "[run]\nyears = 0.1\nwarmup_weeks = 1\nreplications = 1\n[[region]]\nname = \"a\"\npopulation = 5000\n\
         [sweep]\ndesign = \"lhs\"\npoints = 2\n[sweep.parameters]\n\
         \"policy.supervision_quality\" = { lower = 0.1, upper = 0.9 }\n\"policy.peer_support\" = { lower = 0, upper = 1 }\n",
    )
    .unwrap();
    let run = |design: &str, out: &str| {
        let d = dir.path().join(format!("{out}.txt"));
        std::fs::write(&d, design).unwrap();
        let o = dir.path().join(out);
        let args =
            ["sweep", s.to_str().unwrap(), "--design", d.to_str().unwrap(), "--out", o.to_str().unwrap(), "--quiet"];
        (spsim(&args), o)
    };
    // Columns named in the other order: read by name, not position.
    let (out, o) = run("# policy.peer_support policy.supervision_quality\n0.9 0.2\n0.1 0.8\n", "named");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let points = std::fs::read_to_string(o.join("points.csv")).unwrap();
    let row: Vec<&str> = points.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(
        points.lines().next().unwrap().split(',').take(3).collect::<Vec<_>>(),
        ["point", "policy.supervision_quality", "policy.peer_support"]
    );
    assert_eq!((row[1], row[2]), ("0.2", "0.9"), "supervision_quality 0.2, peer_support 0.9: {points}");
    // A header missing a swept key, or naming one twice: located errors.
    let (out, _) = run("policy.peer_support\n0.5\n", "short");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("but not `policy.supervision_quality`"));
    let (out, _) = run("# policy.peer_support policy.peer_support\n0.5 0.5\n", "twice");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("twice"));
}

#[test]
fn merge_refuses_a_shard_of_another_seed_or_range() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    for shard in ["1/2", "2/2"] {
        assert!(sweep_into(&out, &["--shard", shard]).status.success());
    }
    let shard = out.join("shards").join("runs-2-of-2.csv");
    let good = std::fs::read_to_string(&shard).unwrap();
    let edit = |f: &dyn Fn(&mut Vec<String>)| {
        let mut lines: Vec<String> = good.lines().map(String::from).collect();
        let mut cells: Vec<String> = lines[1].split(',').map(String::from).collect();
        f(&mut cells);
        lines[1] = cells.join(",");
        std::fs::write(&shard, lines.join("\n") + "\n").unwrap();
        let o = spsim(&["merge", out.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let e = edit(&|c| c[3] = "12345".into());
    assert!(e.contains("seed 12345 is not the sweep's"), "{e}");
    let e = edit(&|c| c[5] = "99".into());
    assert!(e.contains("outside the sweep's range") || e.contains("not one of the sweep's values"), "{e}");
    assert!(!out.join("runs.csv").exists(), "nothing merged");
    // The shard as written merges.
    std::fs::write(&shard, &good).unwrap();
    assert!(spsim(&["merge", out.to_str().unwrap(), "--out", out.to_str().unwrap()]).status.success());
}

/// Copy a folder's plain files (not sub-folders).
fn copy_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn the_shipped_sensitivity_analyses_regenerate_from_their_runs() {
    // Every shipped analysis (sobol.csv, morris.csv) is what `spsim analyze` computes from
    // the sweep's runs today: no index in results/ predates the noise correction.
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    let mut folders = Vec::new();
    for e in std::fs::read_dir(repo("results/sweeps")).unwrap() {
        let p = e.unwrap().path();
        if p.join("manifest.json").exists() {
            folders.push(p);
        } else {
            // A group of sweeps (the levers' Morris sweep at plausible parameter sets).
            folders.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()));
        }
    }
    for shipped in folders {
        for (method, file) in [("sobol", "sobol.csv"), ("morris", "morris.csv")] {
            if !shipped.join(file).exists() {
                continue;
            }
            let copy = dir.path().join(shipped.file_name().unwrap());
            copy_files(&shipped, &copy);
            let o = spsim(&["analyze", method, copy.to_str().unwrap(), "--quiet"]);
            assert!(o.status.success(), "{}: {}", shipped.display(), String::from_utf8_lossy(&o.stderr));
            let again = std::fs::read_to_string(copy.join(file)).unwrap();
            let before = std::fs::read_to_string(shipped.join(file)).unwrap();
            assert!(
                again == before,
                "{} is not what `spsim analyze {method}` writes today",
                shipped.join(file).display()
            );
            assert!(!before.contains("NaN") && !before.to_lowercase().contains(",nan"), "{}", shipped.display());
            checked += 1;
        }
    }
    assert!(checked >= 9, "the workforce and levers sweeps, and the levers at 5 plausible sets ({checked})");
}

#[test]
fn a_sweep_runs_at_one_plausible_set_and_refuses_a_set_not_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let sets = dir.path().join("plausible.csv");
    std::fs::write(&sets, "behaviour.intention_intercept,max_implausibility\n-6.0,1.0\n-1.0,1.2\n").unwrap();
    let file = repo("tests/data/sweep_small.toml");
    let at = |k: &str, out: &Path| {
        spsim(&[
            "sweep",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--ensemble",
            sets.to_str().unwrap(),
            "--ensemble-set",
            k,
            "--quiet",
        ])
    };
    let (low, high) = (dir.path().join("low"), dir.path().join("high"));
    for (k, out) in [("1", &low), ("2", &high)] {
        let o = at(k, out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
        let value = if k == "1" { "intention_intercept = -6.0" } else { "intention_intercept = -1.0" };
        assert!(manifest.contains(value), "the set's value is in the resolved scenario");
    }
    // The set acts: link workers intend to leave far more often at the higher intercept.
    let mean_of = |out: &Path| {
        let t = spsim::report::points::parse_points(&std::fs::read(out.join("points.csv")).unwrap()).unwrap();
        let k = t.metrics.iter().position(|m| m == "lw_intention_to_leave_share").unwrap();
        let v: Vec<f64> = t.y.iter().filter_map(|r| r[k]).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(mean_of(&high) > mean_of(&low) + 0.2, "{} against {}", mean_of(&high), mean_of(&low));
    let bad = dir.path().join("bad");
    let o = at("3", &bad);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("has 2 parameter set(s)"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!bad.exists(), "nothing written for bad input");
}

#[test]
fn point_intervals_stay_in_their_quantitys_range() {
    // Two replications give wide t intervals: a wait's lower end would fall below 0 and a
    // share's upper end above 1 without the range, as summary.csv has it.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    assert!(sweep_into(&out, &[]).status.success());
    let text = std::fs::read_to_string(out.join("points.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut checked = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        for (i, h) in header.iter().enumerate() {
            let Some(metric) = h.strip_suffix("_ci_low").or_else(|| h.strip_suffix("_ci_high")) else { continue };
            let Ok(v) = cells[i].parse::<f64>() else { continue };
            let (lo, hi) = spsim::metrics::defs::range(metric);
            assert!(v >= lo && v <= hi, "{h} = {v} outside [{lo}, {hi}]");
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
}
