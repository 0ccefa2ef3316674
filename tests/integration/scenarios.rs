//! Every shipped scenario validates and runs; scenario comparisons show the mechanisms.

use crate::{load, metric, repo, run_with_threads};

#[test]
fn every_shipped_scenario_validates() {
    let mut n = 0;
    for entry in std::fs::read_dir(repo("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let s = load(&path);
            assert!(s.region_count() >= 1, "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 3, "expected the shipped scenarios, found {n}");
}

#[test]
fn baseline_runs_and_lands_in_plausible_ranges() {
    let mut s = load(&repo("scenarios/baseline.toml"));
    s.run.replications = 4;
    let r = run_with_threads(&s, 2);
    assert_eq!(r.replications.len(), 4);
    assert_eq!(r.replications[0].weekly.len(), s.reported_weeks() as usize);
    let uptake = metric(&r, "uptake_rate");
    assert!((0.5..1.0).contains(&uptake), "uptake {uptake}");
    assert!(metric(&r, "referrals_per_lw_year") > 50.0);
    assert!(metric(&r, "connected_rate") > 0.0);
    // Uncontrolled before/after falls (regression to the mean) more than the controlled effect.
    assert!(metric(&r, "gp_nonmedical_change_uncontrolled") < metric(&r, "gp_nonmedical_effect_controlled"));
    // Workforce metrics (R13–R16) are present and bounded.
    let burnout = metric(&r, "lw_burnout_mean");
    assert!((0.0..1.0).contains(&burnout), "burnout {burnout}");
    assert!(metric(&r, "lw_turnover_annual") >= 0.0);
}

#[test]
fn high_deprivation_has_more_structural_holding_and_less_connection_than_baseline() {
    let mut base = load(&repo("scenarios/baseline.toml"));
    let mut high = load(&repo("scenarios/high_deprivation.toml"));
    base.run.replications = 4;
    high.run.replications = 4;
    let (b, h) = (run_with_threads(&base, 2), run_with_threads(&high, 2));
    assert!(metric(&h, "presentations_per_1000_year") > metric(&b, "presentations_per_1000_year"));
    assert!(metric(&h, "ever_held_share") > metric(&b, "ever_held_share"));
    assert!(metric(&h, "connected_rate") < metric(&b, "connected_rate"));
}

#[test]
fn england_runs_end_to_end_on_a_short_horizon() {
    let mut s = load(&repo("scenarios/england.toml"));
    assert_eq!(s.region_count(), 1250);
    let population: u64 = s.regions.iter().map(|r| r.count as u64 * r.population as u64).sum();
    assert!((60_000_000..66_000_000).contains(&population), "population {population}");
    let lws: u64 = s.regions.iter().map(|r| r.count as u64 * r.lw_posts as u64).sum();
    assert!((2_700..3_300).contains(&lws), "link workers {lws}");
    s.run.years = 0.25;
    s.run.warmup_weeks = 4;
    let r = run_with_threads(&s, 2);
    assert_eq!(r.replications[0].weekly.len(), 13 * s.regions.len());
    assert!(r.replications[0].weekly.iter().all(|w| w.regions > 0.0));
}

#[test]
fn more_link_worker_posts_shorten_waits() {
    let mut few = load(&repo("scenarios/baseline.toml"));
    few.run.replications = 4;
    let mut many = few.clone();
    many.regions[0].lw_posts = 4;
    let (f, m) = (run_with_threads(&few, 2), run_with_threads(&many, 2));
    assert!(metric(&m, "wait_weeks_mean") < metric(&f, "wait_weeks_mean"));
    assert!(metric(&m, "dropout_waiting_rate") < metric(&f, "dropout_waiting_rate"));
}

#[test]
fn forbidding_holding_removes_held_patients_and_ends_more_episodes_abruptly() {
    let mut s = load(&repo("scenarios/baseline.toml"));
    s.run.replications = 3;
    let with = run_with_threads(&s, 2);
    s.policy.holding_allowed = false;
    let without = run_with_threads(&s, 2);
    assert!(metric(&with, "held_share") > 0.05);
    assert_eq!(metric(&without, "held_share"), 0.0);
    assert!(metric(&without, "tapered_ending_share") < metric(&with, "tapered_ending_share"));
}
