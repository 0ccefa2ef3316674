//! Patient journeys and pathway fidelity (docs/ODD.md, Design concepts: Emergence and
//! Observation): the three journeys are outputs that move with deprivation and VCSE
//! supply; journey (c) comes from its causes, not from the session limit; a VCSE waiting
//! list is not a connection; the controlled GP effect is zero when the service cannot
//! change GP use. Each mechanism is switched off or reversed and the named output must move.

use spsim::metrics::ledger::Mechanism;
use spsim::run::RunResult;
use spsim::scenario::Scenario;

use crate::{load, metric, repo, run_with_threads};

fn scenario(file: &str, replications: u32) -> Scenario {
    let mut s = load(&repo(file));
    s.run.replications = replications;
    s
}

fn baseline(replications: u32) -> Scenario {
    scenario("scenarios/baseline.toml", replications)
}

fn with(mut s: Scenario, f: impl FnOnce(&mut Scenario)) -> Scenario {
    f(&mut s);
    s
}

fn run(s: &Scenario) -> RunResult {
    run_with_threads(s, 2)
}

fn fired(r: &RunResult, m: Mechanism) -> f64 {
    r.replications.iter().flat_map(|rep| rep.ledger.iter()).map(|l| l.total(m) as f64).sum()
}

const C: &str = "journey_held_unconnected_share";

#[test]
fn the_three_journeys_are_in_every_summary_and_partition_no_more_than_the_episodes() {
    let r = run(&baseline(10));
    let (a, b, c) = (
        metric(&r, "journey_connected_directly_share"),
        metric(&r, "journey_held_then_connected_share"),
        metric(&r, C),
    );
    assert!(a > 0.1 && b > 0.1 && c > 0.02, "{a} {b} {c}");
    assert!(a + b + c < 1.0);
    // connected_rate and ever_held_share share the journeys' denominator.
    assert!((metric(&r, "connected_rate") - (a + b)).abs() < 1e-9);
    assert!((metric(&r, "ever_held_share") - (b + c)).abs() < 1e-9);
}

#[test]
fn journey_c_rises_with_deprivation_and_vcse_cuts_more_than_with_the_session_limit() {
    let base = run(&baseline(20));
    let deprived = run(&scenario("scenarios/high_deprivation.toml", 20));
    let cuts = run(&scenario("scenarios/vcse_cuts.toml", 20));
    let short = run(&with(baseline(20), |s| s.policy.max_sessions = 6));
    let long = run(&with(baseline(20), |s| s.policy.max_sessions = 24));
    let c = |r: &RunResult| metric(r, C);
    let by_sessions = (c(&short) - c(&long)).abs();
    assert!(c(&deprived) - c(&base) > by_sessions, "deprivation {} vs {}", c(&deprived) - c(&base), by_sessions);
    assert!(c(&cuts) - c(&base) > by_sessions, "VCSE cuts {} vs {}", c(&cuts) - c(&base), by_sessions);
    assert!(metric(&deprived, "connected_rate") < metric(&base, "connected_rate"));
    // More VCSE places: more connect directly, fewer held unconnected.
    let more = run(&with(baseline(20), |s| s.behaviour.vcse_capacity_mean *= 2.0));
    assert!(c(&more) < c(&base));
    assert!(metric(&more, "journey_connected_directly_share") > metric(&base, "journey_connected_directly_share"));
}

#[test]
fn journey_c_is_explained_by_structural_need_capacity_or_no_open_service() {
    let r = run(&baseline(20));
    let c = fired(&r, Mechanism::JourneyHeldUnconnected);
    let explained = fired(&r, Mechanism::BlockedStructural)
        + fired(&r, Mechanism::BlockedCapacity)
        + fired(&r, Mechanism::BlockedNoService);
    assert!(explained / c > 0.5, "explained share {}", explained / c);
    assert!(fired(&r, Mechanism::BlockedSessionLimit) / c < 0.05);
    // For whom: structural need and low capacity at the start are commoner in (c).
    let share = |start: Mechanism, journey: Mechanism| fired(&r, start) / fired(&r, journey);
    let s_c = share(Mechanism::StartStructuralC, Mechanism::JourneyHeldUnconnected);
    let l_c = share(Mechanism::StartLowCapacityC, Mechanism::JourneyHeldUnconnected);
    for (s, l) in [
        (
            share(Mechanism::StartStructuralA, Mechanism::JourneyConnectedDirectly),
            share(Mechanism::StartLowCapacityA, Mechanism::JourneyConnectedDirectly),
        ),
        (
            share(Mechanism::StartStructuralB, Mechanism::JourneyHeldThenConnected),
            share(Mechanism::StartLowCapacityB, Mechanism::JourneyHeldThenConnected),
        ),
    ] {
        assert!(s_c > s && l_c > l, "structural {s_c} vs {s}, low capacity {l_c} vs {l}");
    }
}

#[test]
fn anchor_sessions_counted_toward_the_limit_end_holds_and_make_journey_c_administrative() {
    let off = run(&baseline(20));
    let on = run(&with(baseline(20), |s| s.policy.held_sessions_count_toward_limit = true));
    assert!(metric(&on, C) > metric(&off, C) + 0.01, "{} vs {}", metric(&on, C), metric(&off, C));
    let (b_on, b_off) = (fired(&on, Mechanism::BlockedSessionLimit), fired(&off, Mechanism::BlockedSessionLimit));
    assert!(b_on > 3.0 * b_off.max(1.0), "blocked by the session limit: {b_on} vs {b_off}");
}

#[test]
fn patients_who_can_never_connect_are_held_until_a_review_and_count_in_the_rates() {
    // Patients with structural needs only; those held while waiting for services (whom the
    // review also ends, and who connect once a service opens) are left out here.
    let structural = || with(baseline(10), |s| s.policy.hold_while_waiting = false);
    let never = |review: u32| {
        run(&with(structural(), |s| {
            s.behaviour.structural_resolve_per_week = 0.0;
            s.behaviour.holding_review_weeks = review;
        }))
    };
    let (reviewed, unreviewed) = (never(26), never(0));
    let base = run(&structural());
    // Long holds count: the unresolvable are in the denominator, so fewer connect.
    assert!(metric(&unreviewed, "connected_rate") < metric(&base, "connected_rate"));
    assert!(metric(&unreviewed, C) > metric(&base, C));
    // The review discharges those who cannot connect.
    assert!(fired(&reviewed, Mechanism::HoldingReview) > 0.0 && fired(&unreviewed, Mechanism::HoldingReview) == 0.0);
    assert!(metric(&reviewed, "held_26w_share") < metric(&unreviewed, "held_26w_share"));
    // Structural needs resolved elsewhere unblock patients (journey b rather than c).
    assert!(
        metric(&base, "journey_held_then_connected_share") > metric(&unreviewed, "journey_held_then_connected_share")
    );
}

#[test]
fn a_vcse_waiting_list_is_waiting_not_connection() {
    let cuts = scenario("scenarios/vcse_cuts.toml", 10);
    let r = run(&cuts);
    let joined = fired(&r, Mechanism::JoinedVcseQueue);
    assert!(joined > 0.0);
    // Every connection is a place that started: counted once, when it starts.
    let weekly_connected: f64 = r.replications.iter().flat_map(|x| x.weekly.iter()).map(|w| w.connected).sum();
    assert_eq!(fired(&r, Mechanism::Connected), weekly_connected);
    assert!(fired(&r, Mechanism::QueuePlaceStarted) < joined, "some wait in vain");
    // Patients who give up waiting: knocked out, more of those who queue connect.
    let patient = run(&with(cuts.clone(), |s| s.behaviour.vcse_queue_dropout_per_week = 0.0));
    assert_eq!(fired(&patient, Mechanism::LeftVcseQueue), 0.0);
    assert!(fired(&r, Mechanism::LeftVcseQueue) > 0.0);
    // More of those who queue get their place. (The connected rate overall does not
    // move beyond noise: longer queues also keep the organisation closed to new
    // referrals, so the service-wide effect has no fixed sign.)
    let started = |r: &RunResult| fired(r, Mechanism::QueuePlaceStarted) / fired(r, Mechanism::JoinedVcseQueue);
    assert!(started(&patient) > started(&r), "{} vs {}", started(&patient), started(&r));
}

#[test]
fn refusals_by_full_organisations_cost_link_worker_time_and_patient_hope() {
    let cuts = scenario("scenarios/vcse_cuts.toml", 10);
    let cost = |hours: f64, hope: f64| {
        run(&with(cuts.clone(), |s| {
            s.behaviour.vcse_refusal_hours = hours;
            s.behaviour.vcse_refusal_disillusion = hope;
        }))
    };
    let (free, timed, disheartened) = (cost(0.0, 0.0), cost(1.0, 0.0), cost(0.0, 0.2));
    assert!(fired(&free, Mechanism::OrgDeclined) > 0.0);
    // The link worker's time: fuller caseloads for the same hours.
    assert!(metric(&timed, "lw_load_mean") > metric(&free, "lw_load_mean"));
    // The patient's hope: switched on, the outputs change (how far is within noise at
    // these replications: a refusal is rare and hope recovers with sessions).
    assert_ne!(disheartened.summary, free.summary, "refusal disillusion must change an output");
}

#[test]
fn the_controlled_gp_effect_is_zero_when_the_service_cannot_change_gp_use() {
    let none = run(&with(baseline(10), |s| {
        s.behaviour.gp_engaged_reduction = 0.0;
        s.behaviour.abrupt_gp_bump = 0.0;
        s.behaviour.relapse_gp_bump = 0.0;
    }));
    let effect = metric(&none, "gp_nonmedical_effect_controlled");
    assert!(effect.abs() < 1e-6, "controlled effect {effect}");
    // The uncontrolled change still shows the crisis fading (regression to the mean).
    assert!(metric(&none, "gp_nonmedical_change_uncontrolled") < -0.1);
    // Removing the trusted alternative moves the controlled effect toward 0 (or above).
    let base = run(&baseline(10));
    let no_alternative = run(&with(baseline(10), |s| s.behaviour.gp_engaged_reduction = 0.0));
    assert!(metric(&base, "gp_nonmedical_effect_controlled") < -0.02);
    assert!(
        metric(&no_alternative, "gp_nonmedical_effect_controlled") > metric(&base, "gp_nonmedical_effect_controlled")
    );
}

#[test]
fn uncertainty_about_the_service_deters_patients_from_enrolling() {
    let cliff = |effect: f64| {
        run(&with(scenario("scenarios/funding_cliff.toml", 10), |s| s.behaviour.accept_uncertainty = effect))
    };
    assert!(metric(&cliff(-1.5), "uptake_rate") < metric(&cliff(0.0), "uptake_rate") - 0.005);
}

#[test]
fn discretion_lets_link_workers_wait_and_hold_rather_than_push() {
    let at = |discretion: f64, margins: f64| {
        run(&with(baseline(10), |s| {
            s.policy.lw_discretion = discretion;
            s.behaviour.discretion_proposal_margin = margins;
            s.behaviour.discretion_hold_margin = margins;
        }))
    };
    let (free, tight) = (at(0.9, 0.1), at(0.1, 0.1));
    assert!(metric(&free, "pushed_too_early_rate") < metric(&tight, "pushed_too_early_rate"));
    assert!(metric(&free, "ever_held_share") > metric(&tight, "ever_held_share"));
    // Knocked out: discretion no longer acts on the judgement or on holding.
    let (free0, tight0) = (at(0.9, 0.0), at(0.1, 0.0));
    let gap = |a: &RunResult, b: &RunResult| metric(b, "pushed_too_early_rate") - metric(a, "pushed_too_early_rate");
    assert!(gap(&free0, &tight0) < gap(&free, &tight));
}

#[test]
fn accepted_statutory_need_referrals_take_time_and_weigh_on_link_workers() {
    let pressured = |extra: f64, load: f64| {
        run(&with(baseline(10), |s| {
            s.regions[0].statutory_pressure = 1.0;
            s.behaviour.statutory_need_prob = 0.4;
            s.behaviour.statutory_time_extra = extra;
            s.behaviour.statutory_emotional_load = load;
        }))
    };
    let (heavy, light) = (pressured(1.0, 1.0), pressured(0.0, 0.0));
    assert!(metric(&heavy, "lw_load_mean") > metric(&light, "lw_load_mean"));
    assert!(metric(&heavy, "lw_burnout_mean") > metric(&light, "lw_burnout_mean"));
}

#[test]
fn readiness_grows_faster_with_trust_and_skill() {
    // Knock-out: without "connection with" driving readiness, a service whose link
    // workers build trust slowly loses less (the two effects are centred at 0.5).
    let slow_trust = |effect: f64| {
        run(&with(baseline(10), |s| {
            s.behaviour.trust_gain = 0.08;
            s.behaviour.readiness_trust_effect = effect;
        }))
    };
    assert!(metric(&slow_trust(2.0), "connected_rate") < metric(&slow_trust(0.0), "connected_rate"));
}

fn weekly_sum(r: &RunResult, f: fn(&spsim::metrics::WeekCounts) -> f64) -> f64 {
    r.replications.iter().flat_map(|x| x.weekly.iter()).map(f).sum()
}

#[test]
fn vcse_scarcity_shows_as_holding_while_waiting_for_services() {
    // R8, first function of holding: a ready patient with no open door is held while
    // waiting for services. Fewer VCSE organisations (grants rarely renewed), same seed.
    let plenty = with(baseline(20), |s| s.funding.vcse_renewal_probability = 0.95);
    let scarce = with(baseline(20), |s| s.funding.vcse_renewal_probability = 0.3);
    let (p, s) = (run(&plenty), run(&scarce));
    assert!(metric(&s, "vcse_closures_per_year") > metric(&p, "vcse_closures_per_year"));
    assert!(
        metric(&s, "held_share") > metric(&p, "held_share"),
        "{} vs {}",
        metric(&s, "held_share"),
        metric(&p, "held_share")
    );
    assert!(metric(&s, "held_waiting_share") > metric(&p, "held_waiting_share"));
    assert!(fired(&s, Mechanism::HoldStartWaiting) > fired(&p, Mechanism::HoldStartWaiting));
    // Counted once, by reason: the ledger's starts and held patient-weeks match the weekly
    // columns, and every hold has one reason.
    assert_eq!(fired(&s, Mechanism::HoldStartWaiting), weekly_sum(&s, |w| w.held_started_waiting));
    assert_eq!(fired(&s, Mechanism::HeldWeekWaiting), weekly_sum(&s, |w| w.held_waiting));
    assert_eq!(fired(&s, Mechanism::HeldWeekStructural), weekly_sum(&s, |w| w.held_structural));
    let by_reason = [Mechanism::HoldStartNotReady, Mechanism::HoldStartStructural, Mechanism::HoldStartWaiting];
    assert_eq!(by_reason.iter().map(|m| fired(&s, *m)).sum::<f64>(), fired(&s, Mechanism::HoldingStarted));
    let weeks = [Mechanism::HeldWeekNotReady, Mechanism::HeldWeekStructural, Mechanism::HeldWeekWaiting];
    assert_eq!(weeks.iter().map(|m| fired(&s, *m)).sum::<f64>(), weekly_sum(&s, |w| w.held));
    // Every patient who joins a VCSE waiting list is held there, and held patients find
    // their service when one opens.
    assert!(fired(&s, Mechanism::HoldStartWaiting) >= fired(&s, Mechanism::JoinedVcseQueue));
    assert!(fired(&s, Mechanism::HoldingServiceFound) > 0.0);

    // Knocked out (link workers do not hold patients waiting for services): those patients
    // wait in active work, retried session after session, and the held share no longer
    // rises with scarcity (today's behaviour before the rule: it fell).
    let off = |sc: &Scenario| run(&with(sc.clone(), |x| x.policy.hold_while_waiting = false));
    let (p_off, s_off) = (off(&plenty), off(&scarce));
    assert_eq!(fired(&s_off, Mechanism::HoldStartWaiting), 0.0);
    assert_eq!(metric(&s_off, "held_waiting_share"), 0.0);
    assert!(metric(&s_off, "held_share") < metric(&s, "held_share"));
    assert!(weekly_sum(&s_off, |w| w.engaged) > weekly_sum(&s, |w| w.engaged), "they wait in active work");
    assert!(fired(&s_off, Mechanism::NoSuitableService) > fired(&s, Mechanism::NoSuitableService), "searched weekly");
    assert!(
        metric(&s_off, "held_share") < metric(&p_off, "held_share"),
        "without the rule scarcity lowers the held share"
    );
    // Holding not allowed at all: no one is held, for any reason.
    let none = run(&with(scarce, |x| x.policy.holding_allowed = false));
    assert_eq!(fired(&none, Mechanism::HoldingStarted), 0.0);
}
