//! History matching and answers across the plausible set: a synthetic truth is recovered
//! (kept, while most of the space is ruled out), the files are the same for 1 and 2
//! threads and after a SIGKILL and resume, and `--ensemble` runs and comparisons say
//! how robust an answer is, including when it flips sign.

use std::path::{Path, PathBuf};
use std::process::Command;

use spsim::calibrate::{History, Plan};
use spsim::params::calibration::Use;

use crate::{metric, repo, run_with_threads, spsim};

/// A calibration scenario on the baseline PCN (short run), two parameters the figures
/// can identify at four replications (R4 acceptance, R6 readiness growth; burnout varies
/// too much between link workers and replications to be pinned down by so few), and
/// `targets` (metric, value, sd).
fn calibration_text(waves: u32, points: u32, targets: &[(&str, f64, f64)]) -> String {
    let mut t = format!(
        "[run]\nname = \"synthetic\"\nyears = 2\nwarmup_weeks = 52\nreplications = 4\nseed = 11\n\
         [[region]]\nname = \"pcn\"\npopulation = 50000\ndeprivation = \"medium\"\npractices = 6\nlw_posts = 2\n\
         vcse_orgs = 20\n\
         [calibration]\nwaves = {waves}\npoints = {points}\ncutoff = 3.0\nseed = 3\nstop_below = 0.0\n\
         [calibration.parameters]\n\
         \"behaviour.accept_intercept\" = {{ lower = -0.5, upper = 2.0 }}\n\
         \"behaviour.readiness_growth\" = {{ lower = 0.02, upper = 0.2, scale = \"log\" }}\n"
    );
    for (m, v, sd) in targets {
        t.push_str(&format!(
            "[[calibration.target]]\nmetric = \"{m}\"\nvalue = {v}\nsd = {sd}\nsource = \"synthetic truth\"\n"
        ));
    }
    t
}

const TRUTH: (f64, f64) = (0.7, 0.06);

/// Targets made by running the model at the synthetic truth: its means, with an sd of
/// 3% of each (a well-measured figure).
fn synthetic_targets() -> Vec<(&'static str, f64, f64)> {
    let mut s =
        spsim::scenario::from_text(Path::new("truth.toml"), &calibration_text(1, 2, &[("uptake_rate", 0.8, 0.1)]))
            .unwrap();
    s.calibration = None;
    s.behaviour.accept_intercept = TRUTH.0;
    s.behaviour.readiness_growth = TRUTH.1;
    let r = run_with_threads(&s, 2);
    ["uptake_rate", "pushed_too_early_rate", "contacts_per_engaged_mean"]
        .into_iter()
        .map(|m| {
            let v = metric(&r, m);
            (m, v, 0.03 * v.abs())
        })
        .collect()
}

#[test]
fn history_matching_keeps_a_synthetic_truth_and_rules_out_most_of_the_space() {
    let text = calibration_text(3, 60, &synthetic_targets());
    let s = spsim::scenario::from_text(Path::new("synthetic.toml"), &text).unwrap();
    let plan = Plan::new(s, Vec::new()).unwrap();
    assert!(plan.spec.targets.iter().all(|t| t.use_ == Use::Fit));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let mut h = History::default();
    pool.install(|| {
        while plan.stop_reason(&h).is_none() {
            let wave = h.waves.len() as u32 + 1;
            let design = plan.next_design(&h);
            let first = h.points.len() as u64;
            let results = plan.simulate(wave, first, &design, &|| {});
            plan.record_wave(&mut h, wave, results);
        }
    });
    assert_eq!(h.waves.len(), 3);
    // The truth itself is not ruled out (same seeds as the runs that made the targets).
    let truth_unit: Vec<f64> = plan.spec.parameters.iter().zip([TRUTH.0, TRUTH.1]).map(|(p, x)| p.unit_of(x)).collect();
    let at_truth = pool.install(|| plan.simulate(99, 0, &[truth_unit], &|| {}));
    assert!(at_truth[0].plausible(plan.spec.cutoff), "truth ruled out: I = {:?}", at_truth[0].implausibility);
    // Most of the space is ruled out: of wave 1's Latin hypercube over the prior (an
    // unbiased sample of it) by simulation, and by the emulators after the last wave.
    let left: Vec<f64> = h.waves.iter().map(|w| w.space_left).collect();
    assert!(h.waves[0].ruled_out_share > 0.5, "wave 1 ruled out {}", h.waves[0].ruled_out_share);
    assert!(left[2] < 0.4, "space left after 3 waves: {left:?}");
    assert!(left[2] <= left[0], "{left:?}");
    // The plausible ranges hold the truth.
    let ranges = spsim::calibrate::parameter_ranges(&h, plan.spec.cutoff, &plan.spec.parameters);
    for ((p, r), x) in plan.spec.parameters.iter().zip(ranges).zip([TRUTH.0, TRUTH.1]) {
        let (lo, hi) = r.expect("a plausible set");
        assert!(lo <= x && x <= hi, "{}: truth {x} outside the plausible range {lo} to {hi}", p.key);
        assert!(hi - lo < p.upper - p.lower, "{}: not constrained at all", p.key);
    }
    // Later waves sample where the space is left: more of their points are plausible.
    let share = |w: u32| {
        let pts: Vec<_> = h.points.iter().filter(|p| p.wave == w).collect();
        pts.iter().filter(|p| p.plausible(plan.spec.cutoff)).count() as f64 / pts.len() as f64
    };
    assert!(share(3) > share(1), "wave 3 {} vs wave 1 {}", share(3), share(1));
}

/// A small calibration file in a fresh temporary folder.
fn small_calibration(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let text = calibration_text(
        3,
        24,
        &[("lw_burnout_mean", 0.3, 0.03), ("ever_held_share", 0.4, 0.04), ("uptake_rate", 0.85, 0.03)],
    );
    let f = dir.join("cal.toml");
    std::fs::write(&f, text).unwrap();
    f
}

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["", "waves"] {
        let mut names: Vec<_> = std::fs::read_dir(dir.join(sub)).unwrap().flatten().collect();
        names.sort_by_key(|e| e.file_name());
        for e in names {
            if e.path().is_file() {
                out.push((format!("{sub}/{}", e.file_name().to_string_lossy()), std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out
}

fn calibrate(file: &Path, out: &Path, threads: &str) -> std::process::Output {
    spsim(&["calibrate", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet", "--threads", threads])
}

#[test]
fn calibration_files_are_identical_for_any_thread_count_and_after_a_kill_and_resume() {
    let root = std::env::temp_dir().join(format!("spsim-cal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let file = small_calibration(&root);
    let (one, two, killed) = (root.join("one"), root.join("two"), root.join("killed"));
    assert!(calibrate(&file, &one, "1").status.success());
    assert!(calibrate(&file, &two, "2").status.success());
    let reference = files_of(&one);
    assert!(reference.iter().any(|(n, _)| n == "/plausible.csv") && reference.iter().any(|(n, _)| n == "/report.html"));
    assert_eq!(reference, files_of(&two), "1 and 2 threads differ");
    // Each wave in two shards, joined with --merge: the same files (plus the parts).
    let sharded = root.join("sharded");
    let arg = |p: &Path| p.to_str().unwrap().to_string();
    for wave in 1..=3 {
        for shard in ["1/2", "2/2"] {
            let o = spsim(&["calibrate", &arg(&file), "--out", &arg(&sharded), "--quiet", "--shard", shard]);
            assert!(o.status.success(), "wave {wave} shard {shard}: {}", String::from_utf8_lossy(&o.stderr));
        }
        let o = spsim(&["calibrate", &arg(&file), "--out", &arg(&sharded), "--quiet", "--merge"]);
        assert!(o.status.success(), "merge of wave {wave}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let joined: Vec<(String, Vec<u8>)> =
        files_of(&sharded).into_iter().filter(|(n, _)| !n.contains(".part-")).collect();
    assert_eq!(reference, joined, "a sharded calibration differs from an unsharded one");
    // More shards than a wave has points: refused, not an empty part no merge can use.
    let o = spsim(&["calibrate", &arg(&file), "--out", &arg(&root.join("many")), "--quiet", "--shard", "1/30"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("every shard needs at least one"));
    // A merge with a shard missing says so and writes nothing.
    let lacking = root.join("lacking");
    assert!(spsim(&["calibrate", &arg(&file), "--out", &arg(&lacking), "--quiet", "--shard", "1/2"]).status.success());
    let o = spsim(&["calibrate", &arg(&file), "--out", &arg(&lacking), "--quiet", "--merge"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no complete set of shards"));
    assert!(!lacking.join("waves").join("wave-1.csv").exists());
    // SIGKILL as soon as the first wave is on disk, then the same command resumes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_spsim"))
        .args(["calibrate", file.to_str().unwrap(), "--out", killed.to_str().unwrap(), "--quiet", "--threads", "2"])
        .spawn()
        .unwrap();
    let wave1 = killed.join("waves").join("wave-1.csv");
    let started = std::time::Instant::now();
    while !wave1.exists() && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    let _ = child.wait();
    assert!(wave1.exists(), "the first wave was written before the kill");
    assert!(calibrate(&file, &killed, "2").status.success());
    assert_eq!(reference, files_of(&killed), "a resumed calibration differs from an uninterrupted one");
    // Killed between the final files (each written atomically, the manifest last): the
    // same command finishes them, identical to an uninterrupted calibration.
    let stopped = root.join("stopped");
    for name in ["waves.csv", "plausible.csv", "report.html", "manifest.json"] {
        let o = Command::new(env!("CARGO_BIN_EXE_spsim"))
            .args(["calibrate", &arg(&file), "--out", &arg(&stopped), "--quiet"])
            .env(spsim::report::folder::FAULT_ENV, format!("calibrate:wrote-{name}"))
            .output()
            .unwrap();
        assert!(!o.status.success(), "stopped after {name}");
        assert!(calibrate(&file, &stopped, "2").status.success(), "after a kill once {name} was written");
        assert_eq!(reference, files_of(&stopped), "killed once {name} was written");
    }
    // A wave file changed by hand is refused, not trusted.
    let w = killed.join("waves").join("wave-2.csv");
    let text = std::fs::read_to_string(&w).unwrap().replacen(",1\n", ",0\n", 1);
    std::fs::write(&w, text).unwrap();
    std::fs::remove_file(killed.join("manifest.json")).unwrap();
    let out = calibrate(&file, &killed, "2");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wave-2.csv"));
    // Another calibration is refused in a folder holding this one's waves.
    let other = root.join("other.toml");
    std::fs::write(&other, std::fs::read_to_string(&file).unwrap().replace("seed = 3", "seed = 4")).unwrap();
    let out = calibrate(&other, &one, "2");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another scenario"));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn an_ensemble_run_gives_ranges_across_sets_and_a_comparison_says_when_an_answer_flips_sign() {
    let root = std::env::temp_dir().join(format!("spsim-ens-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    // Sets in which not having supervision lowers or raises intention to leave.
    let sets = root.join("plausible.csv");
    std::fs::write(
        &sets,
        "behaviour.intention_no_supervision,max_implausibility\n-3.0,1.0\n-3.0,1.2\n3.0,0.5\n3.0,2.0\n3.0,2.1\n",
    )
    .unwrap();
    let run = root.join("run");
    let out = spsim(&[
        "run",
        repo("scenarios/supervision_none.toml").to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--quiet",
        "--replications",
        "4",
        "--ensemble",
        sets.to_str().unwrap(),
        "--ensemble-size",
        "3",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = std::fs::read_to_string(run.join("ensemble.csv")).unwrap();
    assert!(csv.starts_with("metric,median,low,high,sets,combined_low,combined_high\n"));
    let row: Vec<&str> =
        csv.lines().find(|l| l.starts_with("lw_intention_to_leave_share,")).unwrap().split(',').collect();
    let (med, lo, hi, n, clo, chi): (f64, f64, f64, &str, f64, f64) = (
        row[1].parse().unwrap(),
        row[2].parse().unwrap(),
        row[3].parse().unwrap(),
        row[4],
        row[5].parse().unwrap(),
        row[6].parse().unwrap(),
    );
    assert_eq!(n, "3");
    assert!(lo <= med && med <= hi && clo <= lo && chi >= hi, "{row:?}");
    assert!(hi - lo > 0.05, "the parameter moves intention to leave: {row:?}");
    let manifest = std::fs::read_to_string(run.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"sets_used\": 3") && manifest.contains("ensemble.csv"));
    assert!(std::fs::read_to_string(run.join("report.html")).unwrap().contains("Across the plausible set"));

    let cmp = root.join("cmp");
    // Compare no supervision with good supervision across the sets; the terminal line of
    // intention to leave in the table across the plausible set.
    let compare = || {
        let out = spsim(&[
            "compare",
            repo("scenarios/supervision_none.toml").to_str().unwrap(),
            repo("scenarios/supervision_good.toml").to_str().unwrap(),
            "--out",
            cmp.to_str().unwrap(),
            "--replications",
            "4",
            "--ensemble",
            sets.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        stdout.lines().find(|l| l.contains("lw_intention_to_leave_share") && l.contains("sign")).unwrap().to_string()
    };
    let line = compare();
    assert!(line.contains("flips sign") && line.starts_with("  !"), "{line}");
    let csv = std::fs::read_to_string(cmp.join("ensemble.csv")).unwrap();
    assert!(csv.starts_with("scenario,metric,median,low,high,sets,same_sign_share\n"));
    let row = csv.lines().find(|l| l.contains(",lw_intention_to_leave_share,")).unwrap();
    let share: f64 = row.rsplit(',').next().unwrap().parse().unwrap();
    assert!((share - 0.6).abs() < 1e-9, "{row}");
    let report = std::fs::read_to_string(cmp.join("report.html")).unwrap();
    assert!(report.contains("flips sign"));
    // With supervision's effect on leaving the same in every set, the answer is robust.
    std::fs::write(&sets, "behaviour.intention_no_supervision\n1.0\n1.5\n2.0\n").unwrap();
    let line = compare();
    assert!(line.contains("same sign in all 3"), "{line}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn sets_that_cannot_be_built_are_ruled_out_and_said_so() {
    // community_time_share + admin_share must stay below 0.95: the upper part of this range
    // cannot run, which the calibration must say rather than only rule those sets out.
    let root = std::env::temp_dir().join(format!("spsim-calfail-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let file = root.join("c.toml");
    std::fs::write(
        &file,
        "[run]\nyears = 0.2\nwarmup_weeks = 4\nreplications = 2\n[[region]]\nname = \"a\"\npopulation = 20000\n\
         [calibration]\nwaves = 1\npoints = 10\n[calibration.parameters]\n\
         \"policy.community_time_share\" = { lower = 0.1, upper = 0.9 }\n\
         [[calibration.target]]\nmetric = \"uptake_rate\"\nvalue = 0.8\nsd = 0.2\nsource = \"test\"\n",
    )
    .unwrap();
    let out = spsim(&["calibrate", file.to_str().unwrap(), "--out", root.join("o").to_str().unwrap(), "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("simulation(s) failed") && err.contains("0.95"), "{err}");
    let waves = std::fs::read_to_string(root.join("o").join("waves.csv")).unwrap();
    let high: Vec<&str> =
        waves.lines().skip(1).filter(|l| l.split(',').nth(2).unwrap().parse::<f64>().unwrap() > 0.8).collect();
    assert!(!high.is_empty() && high.iter().all(|l| l.ends_with(",0")), "sets that cannot run are ruled out");
    std::fs::remove_dir_all(&root).unwrap();
}
