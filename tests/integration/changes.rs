//! Scheduled policy changes (`[[change]]`): common random numbers before the change,
//! an effect after it, region keys, the manifest, re-running, sweeps and compare.

use std::path::Path;

use spsim::params::spec::RawValue;
use spsim::scenario::{self, Scenario};

use crate::{load, repo, run_with_threads, spsim};

fn text(s: &str) -> Scenario {
    scenario::from_text(Path::new("t.toml"), s).unwrap_or_else(|e| panic!("{e}"))
}

const BASE: &str = "[run]\nyears = 2\nwarmup_weeks = 26\nreplications = 2\nseed = 11\n\
                    [[region]]\nname = \"pcn\"\npopulation = 30000\nlw_posts = 2\nvcse_orgs = 12\n";

/// Weekly rows (replication-major, one archetype) as value vectors, with their week.
fn weeks(s: &Scenario) -> Vec<(usize, Vec<f64>)> {
    let r = run_with_threads(s, 2);
    r.replications.iter().flat_map(|rep| rep.weekly.iter().enumerate().map(|(i, w)| (i + 1, w.values()))).collect()
}

fn split_at_week(a: &Scenario, b: &Scenario, week: usize) -> (bool, usize) {
    let (x, y) = (weeks(a), weeks(b));
    assert_eq!(x.len(), y.len());
    let before = x.iter().zip(&y).filter(|(p, _)| p.0 < week).all(|(p, q)| p.1 == q.1);
    let after = x.iter().zip(&y).filter(|(p, q)| p.0 >= week && p.1 != q.1).count();
    (before, after)
}

#[test]
fn weekly_output_is_identical_before_a_change_and_differs_after() {
    let base = text(BASE);
    let changed = text(&format!("{BASE}[[change]]\nweek = 40\npolicy.caseload_target_per_year = 400\n"));
    let (same_before, differing_after) = split_at_week(&base, &changed, 40);
    assert!(same_before, "weeks 1-39 must equal the unchanged run (common random numbers)");
    assert!(differing_after > 20, "the change must act: {differing_after} weekly rows differ after week 40");
}

#[test]
fn a_change_to_the_value_in_force_changes_nothing() {
    // Applying a change is itself invisible: only the new value acts.
    let base = text(BASE);
    let same = text(&format!("{BASE}[[change]]\nweek = 10\npolicy.caseload_target_per_year = 225\n"));
    assert_eq!(weeks(&base), weeks(&same));
}

#[test]
fn region_keys_that_act_during_the_run_can_change() {
    let base = text(BASE);
    let pressure = text(&format!("{BASE}[[change]]\nweek = 30\n\"region[1].statutory_pressure\" = 1.0\n"));
    let (same_before, differing_after) = split_at_week(&base, &pressure, 30);
    assert!(same_before && differing_after > 0, "statutory pressure from week 30 changes referrals");
    let bigger = text(&format!("{BASE}[[change]]\nweek = 30\nregion.population = 60000\n"));
    let (same_before, differing_after) = split_at_week(&base, &bigger, 30);
    assert!(same_before && differing_after > 20, "a larger population from week 30 presents more");
}

#[test]
fn a_supervision_cut_and_return_shows_in_the_shipped_scenario() {
    let base = load(&repo("scenarios/baseline.toml"));
    let cut = load(&repo("scenarios/supervision_cut.toml"));
    assert_eq!(cut.changes.len(), 2);
    let mut base = base;
    let mut cut = cut;
    base.run.replications = 2;
    cut.run.replications = 2;
    let (same_before, differing_after) = split_at_week(&base, &cut, 53);
    assert!(same_before, "year 1 is the baseline's");
    assert!(differing_after > 100, "{differing_after}");
}

#[test]
fn changes_are_in_the_manifest_and_the_resolved_scenario_reruns_identically() {
    let t = tempfile::tempdir().unwrap();
    let first = t.path().join("a");
    let o = spsim(&[
        "run",
        repo("scenarios/target_rise.toml").to_str().unwrap(),
        "--out",
        first.to_str().unwrap(),
        "--replications",
        "2",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(first.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["changes"][0]["week"], 105);
    assert_eq!(m["changes"][0]["set"]["policy.caseload_target_per_year"], 300.0);
    let resolved = t.path().join("r.toml");
    std::fs::write(&resolved, m["resolved_scenario"].as_str().unwrap()).unwrap();
    let again = t.path().join("b");
    let o = spsim(&["run", resolved.to_str().unwrap(), "--out", again.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["summary.csv", "weekly.csv", "mechanisms.csv"] {
        assert_eq!(std::fs::read(first.join(f)).unwrap(), std::fs::read(again.join(f)).unwrap(), "{f}");
    }
}

#[test]
fn a_sweep_can_vary_a_changes_value_and_week() {
    let s = text(&format!(
        "{BASE}[[change]]\nweek = 40\npolicy.caseload_target_per_year = 300\n\
         [sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\
         \"change[1].policy.caseload_target_per_year\" = [225, 400]\n\"change[1].week\" = [20, 60]\n"
    ));
    let sw = s.sweep.clone().unwrap();
    let sweep = spsim::sweep::Sweep::native(s, sw);
    assert_eq!(sweep.points.len(), 4);
    let at = |i: usize| sweep.scenario_at(i).unwrap();
    let (target, week) = (|p: &Scenario| p.changes[0].sets[0].1.clone(), |p: &Scenario| p.changes[0].week);
    let all: Vec<(RawValue, u32)> = (0..4).map(|i| (target(&at(i)), week(&at(i)))).collect();
    assert!(all.contains(&(RawValue::Int(400), 20)) && all.contains(&(RawValue::Int(225), 60)), "{all:?}");
    // A point whose change keeps the value in force equals the unchanged run.
    let keep = (0..4).find(|&i| target(&at(i)) == RawValue::Int(225)).unwrap();
    let base = text(BASE);
    assert_eq!(weeks(&at(keep)), weeks(&base));
    // Errors name the change.
    let mut s2 = at(0);
    assert!(s2.set_dotted("change[2].week", &RawValue::Int(3)).unwrap_err().contains("no change[2]"));
    assert!(s2.set_dotted("change[1].policy.max_sessions", &RawValue::Int(3)).unwrap_err().contains("does not set"));
    assert!(s2.set_dotted("change[1].week", &RawValue::Int(5000)).unwrap_err().contains("outside the run"));
}

#[test]
fn compare_runs_a_scenario_with_changes_against_its_baseline() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("cmp");
    let o = spsim(&[
        "compare",
        repo("scenarios/baseline.toml").to_str().unwrap(),
        repo("scenarios/target_rise.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--replications",
        "4",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert!(csv.lines().any(|l| l.starts_with("target_rise,all,lw_burnout_mean,")), "{csv}");
    // When it shows: the target rises at reported week 105 (the start of year 3). Under
    // common random numbers the two runs are the same patients and link workers until
    // then, so every difference before it is exactly 0; from it, intake per link worker
    // rises (year 3, which is also the change's first year after).
    let diff = |period: &str, metric: &str| -> f64 {
        let line = csv
            .lines()
            .find(|l| l.starts_with(&format!("target_rise,{period},{metric},")))
            .unwrap_or_else(|| panic!("no {period} {metric} in\n{csv}"));
        line.split(',').nth(5).unwrap().parse().unwrap()
    };
    for metric in ["referrals_per_lw_year", "lw_burnout_mean", "connections_per_pcn_year", "wait_weeks_mean"] {
        for period in ["year-1", "year-2"] {
            assert_eq!(diff(period, metric), 0.0, "{metric} in {period}, before the change");
        }
    }
    assert!(diff("year-3", "referrals_per_lw_year") > 0.0, "the raised target shows in year 3");
    for window in ["before-week-105,", "after-week-105-year-1,"] {
        assert!(!csv.contains(window), "a window equal to a reported year is listed once, as the year");
    }
    // The run of the changed scenario alone reports each year too.
    let run = t.path().join("run");
    let o = spsim(&[
        "run",
        repo("scenarios/target_rise.toml").to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--replications",
        "2",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let periods = std::fs::read_to_string(run.join("periods.csv")).unwrap();
    assert!(periods.starts_with("period,first_week,last_week,metric,mean,ci_low,ci_high,sd,n\n"));
    assert!(periods.contains("\nyear-3,105,156,lw_burnout_mean,"), "{periods}");
    let report = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(report.contains("Year by year") && report.contains("<th>year 3</th>"));
}

#[test]
fn the_ledger_counts_each_mechanism_at_the_supervision_level_in_force_when_it_fired() {
    use spsim::metrics::ledger::{LEVELS, Mechanism};
    let cut = text(&format!(
        "{BASE}[policy]\nsupervision_interval_weeks = 4\nsupervision_quality = 0.9\n\
         [[change]]\nweek = 27\npolicy.supervision_interval_weeks = 0\n"
    ));
    let r = run_with_threads(&cut, 2);
    let (none, good) =
        (LEVELS.iter().position(|l| *l == "none").unwrap(), LEVELS.iter().position(|l| *l == "good").unwrap());
    for rep in &r.replications {
        let medium = &rep.ledger[1];
        // One PCN: reported weeks 1–26 with good supervision, 27–104 without.
        assert_eq!(medium.count(good, Mechanism::PcnWeek, 0), 26);
        assert_eq!(medium.count(none, Mechanism::PcnWeek, 0), 78);
        assert!(medium.count(good, Mechanism::SupervisionSession, 0) > 0);
        assert_eq!(medium.count(none, Mechanism::SupervisionSession, 0), 0, "no supervision session once it stopped");
    }
    let csv = String::from_utf8(spsim::report::mechanisms_csv(&r)).unwrap();
    assert!(csv.contains("supervision=none") && csv.contains("supervision=good"), "both contexts written:\n{csv}");
}

#[test]
fn a_child_scenario_adds_its_changes_after_its_parents_and_one_key_twice_a_week_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let parent = repo("scenarios/target_rise.toml");
    let child = dir.path().join("child.toml");
    std::fs::write(
        &child,
        format!(
            "extends = {:?}\n[run]\nname = \"child\"\n[[change]]\nweek = 157\npolicy.supervision_interval_weeks = 0\n",
            parent.display().to_string()
        ),
    )
    .unwrap();
    let s = load(&child);
    let weeks: Vec<u32> = s.changes.iter().map(|c| c.week).collect();
    assert_eq!(weeks, vec![105, 157], "the parent's rise at week 105 is kept");
    assert_eq!(s.changes[0].sets, vec![("policy.caseload_target_per_year".to_string(), RawValue::Int(300))]);
    // The same key at the parent's week: refused, located at the child's key.
    std::fs::write(
        &child,
        format!(
            "extends = {:?}\n[[change]]\nweek = 105\n\"policy.caseload_target_per_year\" = 350\n",
            parent.display().to_string()
        ),
    )
    .unwrap();
    let e = scenario::load(&child).unwrap_err().to_string();
    assert!(e.contains("child.toml:4:1") && e.contains("both set it at week 105"), "{e}");
    // The same key twice in one table.
    let twice = format!("{BASE}[[change]]\nweek = 3\n\"policy.peer_support\" = 0.1\npolicy.peer_support = 0.2\n");
    let e = scenario::from_text(Path::new("t.toml"), &twice).unwrap_err().to_string();
    assert!(e.contains("set twice in change[1]"), "{e}");
}

#[test]
fn the_resolved_scenario_is_valid_toml_for_any_region_name() {
    for name in ["a\u{200b}b", "quote \" and \\ backslash", "tab\tnew\nline", "é✓🙂", "\u{7f}\u{1}"] {
        let text = format!("[[region]]\nname = {}\npopulation = 20000\n", spsim::params::spec::toml_string(name));
        let s = scenario::from_text(Path::new("t.toml"), &text).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert_eq!(s.regions[0].name, name);
        let again = scenario::from_text(Path::new("r.toml"), &s.resolved_toml())
            .unwrap_or_else(|e| panic!("resolved scenario of {name:?} does not load: {e}"));
        assert_eq!(again.regions, s.regions);
    }
}

#[test]
fn a_swept_run_length_keeps_every_change_inside_the_run_whatever_the_key_order() {
    let base = "[run]\nyears = 3\nwarmup_weeks = 4\nreplications = 1\n[[region]]\nname = \"a\"\npopulation = 5000\n\
                [[change]]\nweek = 100\npolicy.peer_support = 0.9\n";
    // A run of 1 year would end before the change at week 100: refused at that value.
    let short = format!("{base}[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\"run.years\" = [1, 3]\n");
    let e = scenario::from_text(Path::new("t.toml"), &short).unwrap_err().to_string();
    assert!(e.contains("t.toml:14:") && e.contains("after the last reported week"), "{e}");
    // Swept together, the week and the length agree in either order of the keys.
    for order in [
        ["\"change[1].week\" = [120]", "\"run.years\" = [2.5]"],
        ["\"run.years\" = [2.5]", "\"change[1].week\" = [120]"],
    ] {
        let text = format!("{base}[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n{}\n{}\n", order[0], order[1]);
        let s = text_ok(&text);
        let spec = s.sweep.clone().unwrap();
        let sw = spsim::sweep::Sweep::native(s, spec);
        let at = sw.scenario_at(0).unwrap_or_else(|e| panic!("{order:?}: {e}"));
        assert_eq!((at.changes[0].week, at.reported_weeks()), (120, 130));
    }
}

fn text_ok(t: &str) -> Scenario {
    scenario::from_text(Path::new("t.toml"), t).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_change_after_the_base_run_is_allowed_when_every_swept_run_reaches_it() {
    // The base run (1 year) ends before the change at week 100, but the sweep only asks for
    // runs of 2 and 3 years: each point runs with the change. `run` of the same file is
    // refused (a corpus case): it would run without it.
    let text = "[run]\nyears = 1\nwarmup_weeks = 10\nreplications = 1\n[[region]]\nname = \"a\"\n\
                [[change]]\nweek = 100\n\"policy.caseload_target_per_year\" = 400\n\
                [sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\"run.years\" = [2, 3]\n";
    let s = scenario::from_text(Path::new("s.toml"), text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.changes.len(), 1);
    assert!(s.changes_beyond_run().is_some(), "the base run alone does not reach it");
    let mut base = s.clone();
    let spec = base.sweep.take().expect("a sweep");
    let sweep = spsim::sweep::Sweep::native(base, spec);
    for i in 0..2 {
        let point = sweep.scenario_at(i).unwrap_or_else(|e| panic!("{e}"));
        assert!(point.changes_beyond_run().is_none(), "point {i} reaches the change");
        let r = run_with_threads(&point, 2);
        // From week 100 the target is 400: target pressure appears (the base target of 225 gives none).
        let weekly = &r.replications[0].weekly;
        let pressure = |w: &[spsim::metrics::WeekCounts]| w.iter().map(|x| x.lw_pressure).sum::<f64>() / w.len() as f64;
        assert!(pressure(&weekly[99..]) > pressure(&weekly[..99]) + 0.05, "point {i}: the change took effect");
    }
}

#[test]
fn behaviour_keys_changed_mid_run_act_from_that_week_on_every_class_of_agent() {
    // One key per class of agent: patients (presenting from the change on), practices
    // (GP awareness moves toward the new level), link workers in post (burnout), VCSE
    // organisations open (capacity). Each: identical before week 40, differing after.
    let base = text(BASE);
    for set in [
        "behaviour.readiness_mean = 0.2",
        "behaviour.awareness_initial = 0.95",
        "behaviour.burnout_rate = 0.5",
        "behaviour.vcse_capacity_mean = 40",
    ] {
        let changed = text(&format!(
            "{BASE}[[change]]\nweek = 40\n\"{}\" = {}\n",
            set.split(" = ").next().unwrap(),
            set.split(" = ").nth(1).unwrap()
        ));
        let (same_before, differing_after) = split_at_week(&base, &changed, 40);
        assert!(
            same_before && differing_after > 0,
            "{set}: before identical {same_before}, {differing_after} rows differ after"
        );
    }
    // Capacity acts on the organisations already open: the week of the change, not as
    // new organisations replace old ones.
    let capacity = |s: &Scenario, week: usize| {
        let r = run_with_threads(s, 1);
        r.replications[0].weekly[week - 1].vcse_capacity
    };
    let doubled = text(&format!("{BASE}[[change]]\nweek = 40\n\"behaviour.vcse_capacity_mean\" = 40\n"));
    let (before, after) = (capacity(&doubled, 39), capacity(&doubled, 40));
    assert!(after > 1.6 * before, "capacity {before} -> {after} in the week of the change");
    // Keys that only set a link worker's state when hired are refused with the reason.
    let e = scenario::from_text(
        Path::new("t.toml"),
        &format!("{BASE}[[change]]\nweek = 40\n\"behaviour.burnout_initial\" = 0.5\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("cannot change mid-run") && e.contains("when hired"), "{e}");
}

#[test]
fn every_region_key_not_declared_fixed_acts_when_changed_mid_run() {
    // Whether a key may change mid-run is declared once, on its parameter; every region
    // key a change may set must then act on the PCN from that week on.
    use spsim::params::RegionSpec;
    use spsim::params::spec::ParamTable;
    let base = text(BASE);
    let open: Vec<_> = RegionSpec::specs().into_iter().filter(|p| p.fixed.is_none()).collect();
    assert!(open.len() >= 4, "{:?}", open.iter().map(|p| p.key).collect::<Vec<_>>());
    for p in open {
        let value = match (&base.regions[0].entries().into_iter().find(|(k, _)| *k == p.key).unwrap().1, p.range) {
            (RawValue::Bool(b), _) => RawValue::Bool(!b),
            (RawValue::Int(i), Some((_, hi))) => RawValue::Int((*i * 3).min(hi as i64)),
            (RawValue::Float(x), Some((lo, hi))) => RawValue::Float(if *x > (lo + hi) / 2.0 { lo } else { hi }),
            (v, r) => panic!("{}: no other value for {v:?} in {r:?}", p.key),
        };
        let changed = text(&format!("{BASE}[[change]]\nweek = 20\nregion.{} = {value}\n", p.key));
        let (same_before, differing_after) = split_at_week(&base, &changed, 20);
        assert!(same_before, "{}", p.key);
        assert!(differing_after > 0, "region.{} = {value} from week 20 changed nothing", p.key);
    }
}
