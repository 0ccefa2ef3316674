//! Each policy scenario changes outcomes through the mechanism it is about (same seed, so
//! differences are not noise), and every rule R1–R19 fires in the ledger.

use std::collections::BTreeSet;

use spsim::metrics::ledger::Mechanism;
use spsim::run::RunResult;

use crate::{load, metric, repo, run_with_threads};

fn run(file: &str, replications: u32) -> RunResult {
    let mut s = load(&repo(file));
    s.run.replications = replications;
    run_with_threads(&s, 2)
}

fn fired(r: &RunResult, m: Mechanism) -> u64 {
    r.replications.iter().flat_map(|rep| rep.ledger.iter()).map(|l| l.total(m)).sum()
}

#[test]
fn supervision_lowers_burnout_intention_to_leave_and_turnover() {
    let (none, good) = (run("scenarios/supervision_none.toml", 10), run("scenarios/supervision_good.toml", 10));
    assert!(metric(&none, "lw_burnout_mean") > metric(&good, "lw_burnout_mean"));
    assert!(metric(&none, "lw_intention_to_leave_share") > metric(&good, "lw_intention_to_leave_share"));
    assert!(metric(&none, "lw_turnover_annual") > metric(&good, "lw_turnover_annual"));
    assert!(metric(&none, "lw_satisfaction_mean") < metric(&good, "lw_satisfaction_mean"));
    assert!(metric(&none, "triage_decline_rate") < metric(&good, "triage_decline_rate"));
    assert!(fired(&good, Mechanism::SupervisionSession) > 0 && fired(&none, Mechanism::SupervisionSession) == 0);
}

#[test]
fn a_high_caseload_target_squeezes_community_time_shortens_engagement_and_burns_out() {
    let (base, high) = (run("scenarios/baseline.toml", 10), run("scenarios/caseload_target_high.toml", 10));
    assert!(metric(&high, "lw_target_pressure_mean") > metric(&base, "lw_target_pressure_mean") + 0.1);
    assert!(metric(&high, "lw_known_orgs_share") < metric(&base, "lw_known_orgs_share"));
    assert!(metric(&high, "contacts_per_engaged_mean") < metric(&base, "contacts_per_engaged_mean"));
    assert!(metric(&high, "held_share") < metric(&base, "held_share"));
    assert!(metric(&high, "lw_burnout_mean") > metric(&base, "lw_burnout_mean"));
    assert!(fired(&high, Mechanism::UnderTargetPressure) > fired(&base, Mechanism::UnderTargetPressure));
}

#[test]
fn a_funding_cliff_cuts_posts_and_access_collapses() {
    let (base, cliff) = (run("scenarios/baseline.toml", 5), run("scenarios/funding_cliff.toml", 5));
    assert!(fired(&cliff, Mechanism::PostCut) > 0);
    assert!(metric(&cliff, "lw_posts_cut_per_year") > metric(&base, "lw_posts_cut_per_year"));
    let first_sessions =
        |r: &RunResult| -> f64 { r.replications.iter().flat_map(|x| &x.weekly).map(|w| w.first_sessions).sum() };
    assert!(first_sessions(&cliff) < 0.5 * first_sessions(&base));
}

#[test]
fn vcse_cuts_close_organisations_and_leave_patients_without_a_service() {
    let (base, cuts) = (run("scenarios/baseline.toml", 10), run("scenarios/vcse_cuts.toml", 10));
    assert!(metric(&cuts, "vcse_closures_per_year") > metric(&base, "vcse_closures_per_year"));
    assert!(metric(&cuts, "no_suitable_service_per_engaged") > metric(&base, "no_suitable_service_per_engaged"));
    assert!(metric(&cuts, "connected_rate") < metric(&base, "connected_rate"));
}

#[test]
fn capping_holding_ends_long_holding() {
    let (base, capped) = (run("scenarios/baseline.toml", 10), run("scenarios/holding_capped.toml", 10));
    assert!(metric(&capped, "held_26w_share") < 0.01, "{}", metric(&capped, "held_26w_share"));
    assert!(metric(&base, "held_26w_share") > metric(&capped, "held_26w_share"));
    assert!(fired(&capped, Mechanism::HoldingLimit) > 0 && fired(&base, Mechanism::HoldingLimit) == 0);
}

#[test]
fn every_rule_fires_in_the_ledger_across_the_policy_scenarios() {
    let mut rules = BTreeSet::new();
    for file in [
        "scenarios/baseline.toml",
        "scenarios/supervision_none.toml",
        "scenarios/caseload_target_high.toml",
        "scenarios/funding_cliff.toml",
        "scenarios/vcse_cuts.toml",
        "scenarios/holding_capped.toml",
    ] {
        let r = run(file, 3);
        for m in Mechanism::ALL {
            if fired(&r, *m) > 0 {
                rules.insert(m.rule());
            }
        }
    }
    let missing: Vec<String> = (1..=19).map(|i| format!("R{i}")).filter(|r| !rules.contains(r.as_str())).collect();
    assert!(missing.is_empty(), "rules that never fired: {missing:?}");
}

#[test]
fn the_counterfactual_arm_can_be_switched_off() {
    let mut s = load(&repo("scenarios/baseline.toml"));
    s.run.replications = 2;
    s.run.counterfactual = false;
    let r = run_with_threads(&s, 2);
    assert!(r.summary.iter().all(|m| m.name != "gp_nonmedical_effect_controlled"));
    assert!(r.summary.iter().any(|m| m.name == "gp_nonmedical_change_uncontrolled"));
}
