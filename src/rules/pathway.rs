//! The patient pathway at a session (docs/ODD.md §3): first appointment (R5), a session's
//! effects (R6) and medical needs (R9), the link worker's judgement — continue, hold or
//! propose (R7, R8) — and endings: tapering, discharge, relapse and re-referral (R10).
//! Leaving the pathway records outcomes and closes the GP-use follow-up.

use rand::RngExt;

use super::connection::{self, Judgement, ServiceSearch};
use super::endings::{self, Blocked, Ending, Exit, Journey};
use super::presentation::{self, FOLLOW_UP_WEEKS};
use super::{Ctx, Week, caseload, chance, holding, poisson_quantile, referral, sessions, waiting};
use crate::metrics::ledger::Mechanism;
use crate::metrics::{CONTACT_BINS, WAIT_BINS};
use crate::world::{GpPractice, HoldReason, LinkWorker, LwId, PLACEMENT_RING, Patient, Stage, VcseOrg, flag};

/// One session with a patient on the caseload (R5 first appointment, R6–R10).
pub fn session(
    ctx: &Ctx,
    p: &mut Patient,
    lw: &mut LinkWorker,
    orgs: &mut [VcseOrg],
    gp: &mut GpPractice,
    wk: &mut Week,
) {
    let b = ctx.b;
    let week = ctx.week;
    if p.sessions == 0 {
        let waited = week - p.week_waiting;
        if chance(wk.rng, waiting::p_dna(ctx, p, waited)) {
            wk.fire(ctx, Mechanism::MissedFirst, p.complexity);
            if chance(wk.rng, b.dna_lost_prob) {
                wk.fire(ctx, Mechanism::LostAfterMissed, p.complexity);
                // Never taken on: the place returns to the link worker's intake (R12).
                lw.intake_credit += 1.0;
                leave(ctx, p, Exit::DnaLost, None, wk);
            } else {
                p.next_week = week + 1;
            }
            return;
        }
        if p.has(flag::STRUCTURAL) {
            p.flags |= flag::STRUCTURAL_AT_START;
        }
        if holding::low_capacity(ctx, p) {
            p.flags |= flag::LOW_CAPACITY_AT_START;
        }
        if p.has(flag::REREFERRAL) {
            wk.counts.first_sessions_rereferral += 1.0;
        }
        wk.fire(ctx, Mechanism::FirstSession, p.complexity);
        wk.counts.wait_weeks_sum += waited as f64;
        if ctx.reported() {
            wk.totals.wait_hist[(waited as usize).min(WAIT_BINS - 1)] += 1;
        }
    }
    if ctx.reported() {
        let year = ((week - ctx.report_from) / 52).min(u16::MAX as u32 - 1) as u16;
        if p.seen_year != year {
            p.seen_year = year;
            wk.counts.patients_seen_new_in_year += 1.0;
        }
    }
    let fixable = p.fixable_needs();
    let options = connection::options_share(lw.known_categories, fixable);
    let continuity = if p.has(flag::CONTINUITY_BREAK) { ctx.b.continuity_after_change } else { 1.0 };
    sessions::apply_session(ctx, p, lw.skill as f64, continuity, options);
    wk.counts.sessions += 1.0;
    if p.sessions == 3 {
        wk.counts.third_sessions += 1.0;
    }
    if sessions::medical_need_surfaces(wk.rng, ctx, p) {
        wk.fire(ctx, Mechanism::MedicalEscalated, p.complexity);
    }

    match p.stage {
        Stage::Engaged => {
            if engaged_judgement(ctx, p, lw, orgs, gp, wk) {
                return;
            }
        }
        Stage::Held => {
            if endings::goals_met(ctx, p) {
                wk.fire(ctx, Mechanism::GoalsMet, p.complexity);
                if begin_ending(ctx, p, lw, gp, wk) {
                    return;
                }
            } else if !p.has(flag::HOLD_WAITING) {
                // Held while waiting for services: released by the service check
                // (phase 6), not by readiness, which is already there (R8).
                let estimate = connection::estimate_readiness(wk.rng, ctx, p, lw.skill as f64);
                if holding::release_from_holding(ctx, p, estimate) {
                    // Back to active work: judged for connection at the next session,
                    // before any session limit applies (R8, R10).
                    wk.fire(ctx, Mechanism::HoldingReleased, p.complexity);
                    p.stage = Stage::Engaged;
                }
            }
        }
        Stage::Tapering => {
            p.taper_left = p.taper_left.saturating_sub(1);
            if p.taper_left == 0 {
                discharge(ctx, p, lw, gp, true, Ending::Completed, wk);
                return;
            }
        }
        Stage::Waiting | Stage::Queued | Stage::Relapsing | Stage::Done => {}
    }
    let interval = match p.stage {
        // Anchor contact while on a VCSE waiting list keeps the holding cadence (R8).
        Stage::Held | Stage::Queued => b.held_interval_weeks,
        Stage::Tapering => b.taper_interval_weeks,
        _ => b.engaged_interval_weeks,
    };
    p.next_week = week + interval;
}

/// After a session in active work (R6–R8, R10): the patient may stop coming; goals met
/// start the ending; otherwise the link worker judges readiness and holds, proposes or
/// continues; only a patient still in active work who has used up the session limit is
/// then discharged. Returns true when the patient needs no further session booking (left
/// the pathway or joined a VCSE waiting list).
fn engaged_judgement(
    ctx: &Ctx,
    p: &mut Patient,
    lw: &mut LinkWorker,
    orgs: &mut [VcseOrg],
    gp: &mut GpPractice,
    wk: &mut Week,
) -> bool {
    if chance(wk.rng, sessions::p_drift(ctx, p)) {
        wk.fire(ctx, Mechanism::Drifted, p.complexity);
        leave(ctx, p, Exit::Disengaged, None, wk);
        return true;
    }
    if endings::goals_met(ctx, p) {
        wk.fire(ctx, Mechanism::GoalsMet, p.complexity);
        return begin_ending(ctx, p, lw, gp, wk);
    }
    let estimate = connection::estimate_readiness(wk.rng, ctx, p, lw.skill as f64);
    match connection::judge(ctx, p, estimate, caseload::hold_threshold(ctx, lw.overload as f64)) {
        Judgement::Continue => {}
        Judgement::Hold => {
            if ctx.policy.holding_allowed {
                let reason = if p.only_structural() { HoldReason::Structural } else { HoldReason::NotReady };
                holding::start_holding(ctx, p, reason, wk);
                return false;
            }
            // Not ready and holding not allowed: discharged, abruptly.
            wk.fire(ctx, Mechanism::NotHeldDischarged, p.complexity);
            discharge(ctx, p, lw, gp, false, Ending::NotHeld, wk);
            return true;
        }
        Judgement::Propose => {
            if propose(ctx, p, lw, orgs, gp, wk) {
                return true;
            }
            if p.stage != Stage::Engaged {
                return false;
            }
        }
    }
    if sessions::counted_sessions(ctx, p) >= caseload::session_limit(ctx, lw.overload as f64) {
        wk.fire(ctx, Mechanism::SessionLimit, p.complexity);
        // A planned ending: tapered when the policy tapers.
        discharge(ctx, p, lw, gp, ctx.policy.tapering, Ending::SessionLimit, wk);
        return true;
    }
    false
}

/// R7: propose VCSE support. Returns true when the patient left the pathway or joined an
/// organisation's waiting list (no session to book).
fn propose(
    ctx: &Ctx,
    p: &mut Patient,
    lw: &mut LinkWorker,
    orgs: &mut [VcseOrg],
    gp: &mut GpPractice,
    wk: &mut Week,
) -> bool {
    let b = ctx.b;
    wk.fire(ctx, Mechanism::Proposed, p.complexity);
    if (p.readiness as f64) < b.readiness_needed {
        wk.fire(ctx, Mechanism::PushedTooEarly, p.complexity);
        if chance(wk.rng, connection::p_disengage_when_pushed(ctx, p)) {
            wk.fire(ctx, Mechanism::PushedDisengaged, p.complexity);
            leave(ctx, p, Exit::Disengaged, None, wk);
            return true;
        }
        return false;
    }
    let needs = p.fixable_needs();
    let found = if lw.known_categories & needs == 0 {
        ServiceSearch::NoneSuitable
    } else {
        connection::find_service(&lw.ranked, orgs, needs)
    };
    match found {
        ServiceSearch::NoneSuitable => {
            wk.fire(ctx, Mechanism::NoSuitableService, p.complexity);
            lw.disillusion_week = lw.disillusion_week.saturating_add(1);
            p.flags |= flag::NO_SERVICE;
            let d = b.no_service_disillusion as f32;
            p.hope = (p.hope - d).max(0.0);
            p.trust = (p.trust - d * 0.5).max(0.0);
            holding::hold_while_waiting(ctx, p, wk);
            false
        }
        ServiceSearch::Found(id) | ServiceSearch::AllFull(id) => {
            let full = matches!(found, ServiceSearch::AllFull(_));
            let org = &mut orgs[id.0 as usize];
            let accept = org.buy_in as f64 * if full { b.vcse_full_accept } else { 1.0 };
            if !chance(wk.rng, accept) {
                // A closed door costs both sides: the patient's hope, the link worker's
                // time finding another door (000 1.2 "open doors, open now").
                wk.fire(ctx, Mechanism::OrgDeclined, p.complexity);
                p.flags |= flag::NO_SERVICE;
                p.hope = (p.hope - b.vcse_refusal_disillusion as f32).max(0.0);
                let spent = (b.vcse_refusal_hours as f32).min(lw.hours_left);
                lw.hours_left -= spent;
                wk.counts.hours_vcse_refusals += spent as f64;
                if full {
                    // Every suitable service the link worker knows is full and this one
                    // will not list the patient: no open door now (R8). An organisation
                    // with room that declines leaves others to try next session.
                    holding::hold_while_waiting(ctx, p, wk);
                }
                return false;
            }
            let quality = lw.knowledge[id.0 as usize] as f64;
            if !chance(wk.rng, connection::p_take_up(ctx, p, quality)) {
                return false;
            }
            if full {
                // On the organisation's waiting list: waiting, not connected (R18).
                org.queued += 1;
                p.stage = Stage::Queued;
                p.org = id;
                p.queued_since = ctx.week;
                wk.fire(ctx, Mechanism::JoinedVcseQueue, p.complexity);
                if holding::hold_while_waiting(ctx, p, wk) {
                    // Anchor contact while the place is awaited (R8).
                    p.next_week = ctx.week + b.held_interval_weeks;
                }
                return true;
            }
            connect(ctx, p, lw, org, gp, wk)
        }
    }
}

/// R7: the place starts: the patient is connected (social capital, self-efficacy and
/// well-being gains), GPs hear of it, and the ending begins. Returns true when the
/// patient left the pathway.
pub fn connect(
    ctx: &Ctx,
    p: &mut Patient,
    lw: &mut LinkWorker,
    org: &mut VcseOrg,
    gp: &mut GpPractice,
    wk: &mut Week,
) -> bool {
    let b = ctx.b;
    let u: f64 = 1.0 - wk.rng.random::<f64>();
    let weeks = (-u.ln() * b.placement_weeks_mean).round().clamp(1.0, (PLACEMENT_RING - 1) as f64) as usize;
    org.users += 1;
    org.ends[(ctx.week as usize + weeks) % PLACEMENT_RING] += 1;
    wk.fire(ctx, Mechanism::Connected, p.complexity);
    lw.connections_week = lw.connections_week.saturating_add(1);
    p.stage = Stage::Engaged;
    p.flags |= flag::CONNECTED;
    p.social_capital = (p.social_capital + b.connect_social_capital_gain as f32).min(1.0);
    p.self_efficacy = (p.self_efficacy + b.connect_self_efficacy_gain as f32).min(1.0);
    p.wellbeing = (p.wellbeing + b.connect_wellbeing_gain as f32).min(1.0);
    referral::feedback_report(ctx, gp, lw.embeddedness as f64);
    wk.fire(ctx, Mechanism::FeedbackReport, p.complexity);
    begin_ending(ctx, p, lw, gp, wk)
}

/// Start the ending: tapering when the policy tapers, otherwise discharge now.
/// Returns true when the patient left the pathway.
fn begin_ending(ctx: &Ctx, p: &mut Patient, lw: &LinkWorker, gp: &mut GpPractice, wk: &mut Week) -> bool {
    // Whatever held the patient while they waited is over (R8).
    p.flags &= !flag::HOLD_WAITING;
    if ctx.policy.tapering && ctx.policy.taper_sessions > 0 {
        p.stage = Stage::Tapering;
        p.taper_left = ctx.policy.taper_sessions.min(255) as u8;
        false
    } else {
        discharge(ctx, p, lw, gp, false, Ending::Completed, wk);
        true
    }
}

/// R10 discharge: feedback to the GP, relapse, re-referral.
pub fn discharge(
    ctx: &Ctx,
    p: &mut Patient,
    lw: &LinkWorker,
    gp: &mut GpPractice,
    tapered: bool,
    why: Ending,
    wk: &mut Week,
) {
    wk.counts.discharged += 1.0;
    if tapered {
        wk.fire(ctx, Mechanism::DischargedTapered, p.complexity);
    } else {
        wk.fire(ctx, Mechanism::DischargedAbrupt, p.complexity);
    }
    referral::feedback_report(ctx, gp, lw.embeddedness as f64);
    wk.fire(ctx, Mechanism::FeedbackReport, p.complexity);
    let relapse_week = if chance(wk.rng, endings::p_relapse(ctx, p, tapered)) {
        wk.fire(ctx, Mechanism::Relapsed, p.complexity);
        Some(ctx.week + wk.rng.random_range(4..=FOLLOW_UP_WEEKS))
    } else {
        None
    };
    leave(ctx, p, Exit::Discharged { tapered, why }, relapse_week, wk);
    if let Some(w) = relapse_week
        && ctx.policy.rereferral_allowed
    {
        p.stage = Stage::Relapsing;
        p.next_week = w;
        p.lw = LwId::NONE;
    }
}

/// Record a patient leaving the pathway (outcomes, journey, GP follow-up) and mark them
/// done.
pub fn leave(ctx: &Ctx, p: &mut Patient, exit: Exit, relapse_week: Option<u32>, wk: &mut Week) {
    p.stage = Stage::Done;
    if !p.has(flag::REPORTED) {
        return;
    }
    record_journey(ctx, p, Some(exit), wk);
    let abrupt = matches!(exit, Exit::Discharged { tapered: false, .. });
    if !p.has(flag::REREFERRAL) {
        let fu = endings::close_follow_up(ctx, p, ctx.week, abrupt, relapse_week);
        let before = poisson_quantile(fu.before, wk.rng.random::<f64>()) as f64;
        let u = wk.rng.random::<f64>();
        let after = poisson_quantile(fu.after, u) as f64;
        wk.totals.fu_n += 1.0;
        wk.totals.fu_before += before;
        wk.totals.fu_after += after;
        if ctx.counterfactual {
            wk.totals.fu_after_cf += poisson_quantile(fu.after_cf, u) as f64;
        }
        if after > before {
            wk.totals.fu_up += 1.0;
        } else if after < before {
            wk.totals.fu_down += 1.0;
        }
    }
    if p.sessions > 0 {
        wk.totals.exits_engaged += 1.0;
        wk.totals.contacts_hist[(p.sessions as usize).min(CONTACT_BINS - 1)] += 1;
        if p.sessions >= 3 {
            wk.totals.exits_3_contacts += 1.0;
        }
        wk.totals.exits_medical += p.gp_medical as f64;
        if p.has(flag::CONTINUITY_BREAK) {
            wk.totals.exits_continuity_break += 1.0;
        }
        wk.totals.wellbeing_change += (p.wellbeing - p.start[0]) as f64;
        if ctx.counterfactual {
            let weeks = ctx.week.saturating_sub(p.week_waiting);
            let cf = presentation::wellbeing_counterfactual(p, weeks, ctx.b);
            wk.totals.wellbeing_change_cf += cf - p.start[0] as f64;
        }
        wk.totals.self_efficacy_change += (p.self_efficacy - p.start[1]) as f64;
        wk.totals.social_capital_change += (p.social_capital - p.start[2]) as f64;
    }
}

/// Count the journey of an episode that reached a first session, when it ends (`exit`)
/// or, still open, at the end of the run (`None`); for journey (c), what blocked it.
pub fn record_journey(ctx: &Ctx, p: &Patient, exit: Option<Exit>, wk: &mut Week) {
    if p.sessions == 0 || !p.has(flag::REPORTED) {
        return;
    }
    wk.counts.episodes_ended += 1.0;
    let c = p.complexity;
    let journey = endings::journey(p);
    // For whom: how the episode started (structural need, low capacity), by journey.
    let (structural, low_capacity) = match journey {
        Journey::ConnectedDirectly => (Mechanism::StartStructuralA, Mechanism::StartLowCapacityA),
        Journey::HeldThenConnected => (Mechanism::StartStructuralB, Mechanism::StartLowCapacityB),
        Journey::HeldUnconnected => (Mechanism::StartStructuralC, Mechanism::StartLowCapacityC),
        Journey::Neither => (Mechanism::StartStructuralNeither, Mechanism::StartLowCapacityNeither),
    };
    if p.has(flag::STRUCTURAL_AT_START) {
        wk.fire(ctx, structural, c);
    }
    if p.has(flag::LOW_CAPACITY_AT_START) {
        wk.fire(ctx, low_capacity, c);
    }
    match journey {
        Journey::ConnectedDirectly => {
            wk.fire(ctx, Mechanism::JourneyConnectedDirectly, c);
        }
        Journey::HeldThenConnected => {
            wk.fire(ctx, Mechanism::JourneyHeldThenConnected, c);
        }
        Journey::HeldUnconnected => {
            wk.fire(ctx, Mechanism::JourneyHeldUnconnected, c);
            let cause = match endings::blocked(p, exit) {
                Blocked::Structural => Mechanism::BlockedStructural,
                Blocked::Capacity => Mechanism::BlockedCapacity,
                Blocked::NoOpenService => Mechanism::BlockedNoService,
                Blocked::SessionLimit => Mechanism::BlockedSessionLimit,
                Blocked::HoldingLimit => Mechanism::BlockedHoldingLimit,
                Blocked::Drifted => Mechanism::BlockedDrifted,
                Blocked::GoalsMet => Mechanism::BlockedGoalsMet,
                Blocked::StillHeld => Mechanism::BlockedStillHeld,
            };
            wk.fire(ctx, cause, c);
        }
        Journey::Neither => wk.fire(ctx, Mechanism::JourneyNeither, c),
    }
}
