//! Each policy scenario changes outcomes through the mechanism it is about (same seed, so
//! differences are not noise), and every rule R1–R19 matters: knocking out its mechanism
//! changes the outputs.

use std::collections::BTreeSet;

use spsim::metrics::ledger::Mechanism;
use spsim::run::RunResult;
use spsim::scenario::Scenario;

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
    let (base, high) = (run("scenarios/baseline.toml", 60), run("scenarios/caseload_target_high.toml", 60));
    assert!(metric(&high, "lw_target_pressure_mean") > metric(&base, "lw_target_pressure_mean") + 0.1);
    assert!(metric(&high, "lw_known_orgs_share") < metric(&base, "lw_known_orgs_share"));
    assert!(metric(&high, "lw_burnout_mean") > metric(&base, "lw_burnout_mean"));
    assert!(fired(&high, Mechanism::UnderTargetPressure) > fired(&base, Mechanism::UnderTargetPressure));
}

#[test]
fn where_the_caseload_exceeds_the_hours_link_workers_cope_by_shortening_engagements_and_holding_less() {
    // R12 coping answers overload (hours the caseload cannot fit), not the target alone:
    // on an overloaded PCN, switching coping off lengthens engagements and holds more.
    let mut s = load(&repo("tests/data/overloaded_pcn.toml"));
    s.run.replications = 10;
    s.policy.caseload_target_per_year = 400.0;
    let coping = run_with_threads(&s, 2);
    s.behaviour.pressure_session_cut = 0.0;
    s.behaviour.pressure_hold_squeeze = 0.0;
    let not = run_with_threads(&s, 2);
    assert!(metric(&coping, "lw_overloaded_share") > 0.3, "the PCN is overloaded");
    assert!(metric(&coping, "contacts_per_engaged_mean") < metric(&not, "contacts_per_engaged_mean"));
    assert!(metric(&coping, "lw_load_mean") < metric(&not, "lw_load_mean"), "coping relieves hours");
    // Holding less, alone: fewer episodes are ever held.
    s.behaviour.pressure_session_cut = 0.4;
    let holds = run_with_threads(&s, 2);
    assert!(metric(&coping, "ever_held_share") < metric(&holds, "ever_held_share"));
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

/// One knock-out per rule: switching off the rule's mechanism.
type KnockOut = (&'static str, fn(&mut Scenario));

const KNOCK_OUTS: &[KnockOut] = &[
    ("R1", |s| s.behaviour.nonmedical_share *= 0.5),
    ("R2", |s| s.behaviour.refer_buy_in = 0.0),
    ("R3", |s| s.behaviour.decline_intercept = -20.0),
    ("R4", |s| s.behaviour.accept_complexity = 0.0),
    ("R5", |s| {
        s.behaviour.dropout_wait_base = 0.0;
        s.behaviour.dropout_wait_slope = 0.0;
    }),
    ("R6", |s| s.behaviour.drift_trust = 0.0),
    ("R7", |s| s.behaviour.push_disengage = 0.0),
    ("R8", |s| s.policy.holding_allowed = false),
    ("R9", |s| s.behaviour.medical_surface_prob = 0.0),
    ("R10", |s| s.behaviour.relapse_connected = 0.0),
    ("R11", |s| s.behaviour.community_discovery_per_hour = 0.0),
    ("R12", |s| s.behaviour.intake_waiting_response = 0.0),
    ("R13", |s| s.behaviour.burnout_held_complexity = 0.0),
    ("R14", |s| s.behaviour.satisfaction_connections = 0.0),
    ("R15", |s| s.behaviour.embeddedness_growth = 0.0),
    ("R16", |s| s.behaviour.leave_follow_through = 0.0),
    ("R17", |s| s.behaviour.intention_insecurity = 0.0),
    ("R18", |s| s.funding.vcse_renewal_probability = 1.0),
    ("R19", |s| {
        s.behaviour.supervision_skill_gain = 0.0;
        s.behaviour.training_skill_gain = 0.0;
    }),
];

#[test]
fn every_rule_matters_knocking_out_its_mechanism_changes_the_outputs() {
    let base = |s: &mut Scenario| s.run.replications = 3;
    let mut reference = load(&repo("scenarios/baseline.toml"));
    base(&mut reference);
    let reference = run_with_threads(&reference, 2);
    let rules: BTreeSet<&str> = KNOCK_OUTS.iter().map(|(r, _)| *r).collect();
    assert_eq!(rules.len(), 19, "one knock-out per rule R1-R19");
    for (rule, knock_out) in KNOCK_OUTS {
        let mut s = load(&repo("scenarios/baseline.toml"));
        base(&mut s);
        knock_out(&mut s);
        let r = run_with_threads(&s, 2);
        let changed: Vec<&str> = reference
            .summary
            .iter()
            .zip(&r.summary)
            .filter(|(a, b)| a.name != b.name || a.mean != b.mean)
            .map(|(a, _)| a.name)
            .collect();
        assert!(!changed.is_empty(), "{rule}: knocking out its mechanism changed no output");
    }
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
