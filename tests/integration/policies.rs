//! Each policy scenario changes outcomes through the mechanism it is about (same seed, so
//! differences are not noise), and every rule R1–R19 matters: knocking out its mechanism
//! silences it and moves the rule's main output the way docs/ODD.md states.

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

/// Which way a metric must move when a rule is knocked out.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Moves {
    Up,
    Down,
}

/// One knock-out per rule: switching off the rule's mechanism through its parameters.
/// The mechanism it silences must fire in the reference run and never once knocked out,
/// and the rule's main output must move the way docs/ODD.md states; a rule whose code
/// was reversed would move it the other way.
struct KnockOut {
    rule: &'static str,
    apply: fn(&mut Scenario),
    silenced: &'static [Mechanism],
    metric: &'static str,
    moves: Moves,
}

const KNOCK_OUTS: &[KnockOut] = &[
    // R1: people with non-medical needs present to their GP at a crisis.
    KnockOut {
        rule: "R1",
        apply: |s| s.behaviour.nonmedical_share = 0.0,
        silenced: &[Mechanism::Presented],
        metric: "presentations_per_1000_year",
        moves: Moves::Down,
    },
    // R2: GPs refer patients whose needs belong with statutory services (more so under
    // statutory pressure); triage declines many of them (R3).
    KnockOut {
        rule: "R2",
        apply: |s| {
            s.behaviour.refer_statutory_penalty = -20.0;
            s.behaviour.refer_statutory_pressure = 0.0;
        },
        silenced: &[Mechanism::InappropriateReferral],
        metric: "triage_decline_rate",
        moves: Moves::Down,
    },
    // R3: the link worker declines referrals that belong elsewhere, sparing the caseload
    // their longer sessions and emotional load (R13).
    KnockOut {
        rule: "R3",
        apply: |s| s.behaviour.decline_intercept = -20.0,
        silenced: &[Mechanism::TriageDeclined],
        metric: "lw_burnout_mean",
        moves: Moves::Up,
    },
    // R4: a patient may decline the referral.
    KnockOut {
        rule: "R4",
        apply: |s| s.behaviour.accept_intercept = 20.0,
        silenced: &[Mechanism::PatientDeclined],
        metric: "uptake_rate",
        moves: Moves::Up,
    },
    // R5: momentum is lost while waiting.
    KnockOut {
        rule: "R5",
        apply: |s| {
            s.behaviour.dropout_wait_base = 0.0;
            s.behaviour.dropout_wait_slope = 0.0;
        },
        silenced: &[Mechanism::LostMomentum],
        metric: "dropout_waiting_rate",
        moves: Moves::Down,
    },
    // R6: patients stop coming before trust forms.
    KnockOut {
        rule: "R6",
        apply: |s| s.behaviour.drift_intercept = -20.0,
        silenced: &[Mechanism::Drifted],
        metric: "contacts_per_engaged_mean",
        moves: Moves::Up,
    },
    // R7: pushed to a service too early, a patient disengages.
    KnockOut {
        rule: "R7",
        apply: |s| s.behaviour.push_disengage = 0.0,
        silenced: &[Mechanism::PushedDisengaged],
        metric: "connected_rate",
        moves: Moves::Up,
    },
    // R8: link workers hold patients who are not ready.
    KnockOut {
        rule: "R8",
        apply: |s| s.policy.holding_allowed = false,
        silenced: &[Mechanism::HoldingStarted, Mechanism::JourneyHeldThenConnected],
        metric: "held_share",
        moves: Moves::Down,
    },
    // R9: hidden medical needs surface in sessions and the link worker arranges a GP visit.
    KnockOut {
        rule: "R9",
        apply: |s| s.behaviour.medical_surface_prob = 0.0,
        silenced: &[Mechanism::MedicalEscalated],
        metric: "gp_medical_facilitated_per_patient",
        moves: Moves::Down,
    },
    // R10: discharged patients relapse and are re-referred.
    KnockOut {
        rule: "R10",
        apply: |s| s.behaviour.relapse_intercept = -20.0,
        silenced: &[Mechanism::Relapsed, Mechanism::Rereferred],
        metric: "rereferral_rate",
        moves: Moves::Down,
    },
    // R11: community work finds organisations.
    KnockOut {
        rule: "R11",
        apply: |s| s.behaviour.community_discovery_per_hour = 0.0,
        silenced: &[Mechanism::OrgDiscovered],
        metric: "lw_known_orgs_share",
        moves: Moves::Down,
    },
    // R12: a long waiting list adds intake beyond the target's pace.
    KnockOut {
        rule: "R12",
        apply: |s| s.behaviour.intake_waiting_response = 0.0,
        silenced: &[Mechanism::IntakeBeyondPace],
        metric: "wait_weeks_mean",
        moves: Moves::Up,
    },
    // R13: holding complex patients burns link workers out.
    KnockOut {
        rule: "R13",
        apply: |s| s.behaviour.burnout_held_complexity = 0.0,
        silenced: &[Mechanism::StressHeld],
        metric: "lw_burnout_mean",
        moves: Moves::Down,
    },
    // R14: connections made raise satisfaction.
    KnockOut {
        rule: "R14",
        apply: |s| s.behaviour.satisfaction_connections = 0.0,
        silenced: &[],
        metric: "lw_satisfaction_mean",
        moves: Moves::Down,
    },
    // R15: link workers become embedded in their practices over time.
    KnockOut {
        rule: "R15",
        apply: |s| s.behaviour.embeddedness_growth = 0.0,
        silenced: &[Mechanism::Belonging],
        metric: "lw_embeddedness_mean",
        moves: Moves::Down,
    },
    // R16: link workers who intend to leave follow through.
    KnockOut {
        rule: "R16",
        apply: |s| s.behaviour.leave_follow_through = 0.0,
        silenced: &[Mechanism::LeftBurnout, Mechanism::LeftDissatisfaction, Mechanism::LeftFunding],
        metric: "lw_turnover_annual",
        moves: Moves::Down,
    },
    // R17: contracts end and may not be renewed (posts cut).
    KnockOut {
        rule: "R17",
        apply: |s| s.funding.lw_renewal_probability = 1.0,
        silenced: &[Mechanism::PostCut],
        metric: "lw_posts_cut_per_year",
        moves: Moves::Down,
    },
    // R18: VCSE grants end and organisations close.
    KnockOut {
        rule: "R18",
        apply: |s| s.funding.vcse_renewal_probability = 1.0,
        silenced: &[Mechanism::OrgClosed],
        metric: "vcse_closures_per_year",
        moves: Moves::Down,
    },
    // R19: supervision lowers burnout.
    KnockOut {
        rule: "R19",
        apply: |s| s.policy.supervision_interval_weeks = 0,
        silenced: &[Mechanism::SupervisionSession],
        metric: "lw_burnout_mean",
        moves: Moves::Up,
    },
];

#[test]
fn every_rule_matters_knocking_out_its_mechanism_silences_it_and_moves_its_output_the_documented_way() {
    let scenario = || {
        let mut s = load(&repo("scenarios/baseline.toml"));
        s.run.replications = 6;
        s
    };
    let reference = run_with_threads(&scenario(), 2);
    let rules: BTreeSet<&str> = KNOCK_OUTS.iter().map(|k| k.rule).collect();
    assert_eq!(rules.len(), 19, "one knock-out per rule R1-R19");
    let mut failures = Vec::new();
    for k in KNOCK_OUTS {
        let mut s = scenario();
        (k.apply)(&mut s);
        let r = run_with_threads(&s, 2);
        // The silenced mechanisms fired in the reference run, and none of them once knocked out.
        let before: u64 = k.silenced.iter().map(|&m| fired(&reference, m)).sum();
        if !k.silenced.is_empty() && before == 0 {
            failures.push(format!("{}: {:?} never fired in the reference run", k.rule, k.silenced));
        }
        for &m in k.silenced {
            assert_eq!(m.rule(), k.rule, "{}: {m:?} belongs to {}", k.rule, m.rule());
            if fired(&r, m) != 0 {
                failures.push(format!("{}: {} fired {} times knocked out", k.rule, m.name(), fired(&r, m)));
            }
        }
        let (before, after) = (metric(&reference, k.metric), metric(&r, k.metric));
        let moved = match k.moves {
            Moves::Up => after > before,
            Moves::Down => after < before,
        };
        if !moved {
            failures.push(format!("{}: {} should move {:?}: {before} -> {after}", k.rule, k.metric, k.moves));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
