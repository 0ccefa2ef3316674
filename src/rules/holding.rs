//! R8 holding: who is held and why (not ready or low capacity, every need structural, or
//! ready but waiting for services), when holding starts, a held patient's week (the
//! holding limit, reviews, structural needs resolved elsewhere, the check for an open
//! service) and release back to active work. The held stocks and held patient-weeks are
//! counted in [`super::step`]'s `Stocks`.

use super::connection::{self, ServiceSearch};
use super::endings::Ending;
use super::pathway::discharge;
use super::{Ctx, Week, chance};
use crate::metrics::ledger::Mechanism;
use crate::world::{GpPractice, HoldReason, LinkWorker, Need, Patient, Stage, VcseOrg, flag};

/// Capacity below the holding threshold: the patient cannot act yet (R8; 003).
#[inline]
pub fn low_capacity(ctx: &Ctx, p: &Patient) -> bool {
    (p.capacity as f64) < ctx.b.hold_capacity_threshold
}

/// Whether a held patient cannot connect whatever their readiness: every need is
/// structural, capacity is below the holding threshold, or the patient is held waiting
/// for services that have not opened (R8 review).
pub fn cannot_connect(ctx: &Ctx, p: &Patient) -> bool {
    p.only_structural() || low_capacity(ctx, p) || p.has(crate::world::flag::HOLD_WAITING)
}

/// Whether a held patient is released back to active work (R8).
pub fn release_from_holding(ctx: &Ctx, p: &Patient, estimate: f64) -> bool {
    !p.only_structural() && estimate >= ctx.b.release_readiness_threshold && !low_capacity(ctx, p)
}

/// R8: start holding for `reason`, noting what blocks the patient (for journey c). A
/// patient held while waiting for services stays in the held stage, or on the VCSE
/// waiting list they have just joined (`Stage::Queued`), with anchor contact.
pub fn start_holding(ctx: &Ctx, p: &mut Patient, reason: HoldReason, wk: &mut Week) {
    if p.stage != Stage::Queued {
        p.stage = Stage::Held;
    }
    p.held_since = ctx.week;
    p.flags |= flag::WAS_HELD;
    if p.only_structural() {
        p.flags |= flag::HELD_STRUCTURAL;
    }
    if low_capacity(ctx, p) {
        p.flags |= flag::HELD_CAPACITY;
    }
    wk.fire(ctx, Mechanism::HoldingStarted, p.complexity);
    let why = match reason {
        HoldReason::NotReady => Mechanism::HoldStartNotReady,
        HoldReason::Structural => Mechanism::HoldStartStructural,
        HoldReason::WaitingForServices => {
            p.flags |= flag::HOLD_WAITING;
            wk.counts.held_started_waiting += 1.0;
            Mechanism::HoldStartWaiting
        }
    };
    wk.fire(ctx, why, p.complexity);
}

/// R8, first function of holding: a ready patient with no open door (no suitable open
/// service, or the organisation declined) is held while waiting for services when the
/// policy lets link workers hold them; otherwise they wait in active work, as before.
/// Returns whether the patient is now held.
pub fn hold_while_waiting(ctx: &Ctx, p: &mut Patient, wk: &mut Week) -> bool {
    if !(ctx.policy.holding_allowed && ctx.policy.hold_while_waiting) {
        return false;
    }
    start_holding(ctx, p, HoldReason::WaitingForServices, wk);
    true
}

/// R8, one week of a held patient: the holding limit; a review of a patient who cannot
/// connect (every need structural, capacity too low, or still waiting for services); a
/// structural need resolved by another agency is removed from the patient's needs (and
/// with no need left the episode ends); for a patient held while waiting for services,
/// the link worker's check for an open suitable service with room every
/// `service_search_interval_weeks` (found: back to active work next week, where it is
/// proposed). Returns true when the patient left the pathway.
pub fn held_week(
    ctx: &Ctx,
    p: &mut Patient,
    lws: &[LinkWorker],
    orgs: &[VcseOrg],
    gp: &mut GpPractice,
    wk: &mut Week,
) -> bool {
    let b = ctx.b;
    let lw = &lws[p.lw.0 as usize];
    let held_for = ctx.week - p.held_since;
    if holding_limit_reached(ctx, p) {
        wk.fire(ctx, Mechanism::HoldingLimit, p.complexity);
        discharge(ctx, p, lw, gp, false, Ending::HoldingLimit, wk);
        return true;
    }
    let review = b.holding_review_weeks;
    if review > 0
        && held_for > 0
        && held_for.is_multiple_of(review)
        && cannot_connect(ctx, p)
        && chance(wk.rng, b.holding_review_discharge)
    {
        wk.fire(ctx, Mechanism::HoldingReview, p.complexity);
        discharge(ctx, p, lw, gp, ctx.policy.tapering, Ending::HoldingReview, wk);
        return true;
    }
    if p.has(flag::STRUCTURAL) && chance(wk.rng, b.structural_resolve_per_week) {
        p.flags &= !flag::STRUCTURAL;
        p.needs &= !Need::STRUCTURAL;
        wk.fire(ctx, Mechanism::StructuralResolved, p.complexity);
        if p.needs == 0 {
            wk.fire(ctx, Mechanism::NeedsResolved, p.complexity);
            discharge(ctx, p, lw, gp, ctx.policy.tapering, Ending::NeedsResolved, wk);
            return true;
        }
    }
    if p.has(flag::HOLD_WAITING) && held_for > 0 && held_for.is_multiple_of(b.service_search_interval_weeks) {
        let needs = p.fixable_needs();
        // A place with room: known, open, matching and not full (R7).
        let open_door = lw.known_categories & needs != 0
            && matches!(connection::find_service(&lw.ranked, orgs, needs), ServiceSearch::Found(_));
        if open_door {
            wk.fire(ctx, Mechanism::HoldingServiceFound, p.complexity);
            p.flags &= !flag::HOLD_WAITING;
            p.stage = Stage::Engaged;
            p.next_week = p.next_week.min(ctx.week + 1);
        }
    }
    false
}

/// Whether a held patient has been held for `holding_max_weeks` (0 = no limit; R8).
pub fn holding_limit_reached(ctx: &Ctx, p: &Patient) -> bool {
    let limit = ctx.policy.holding_max_weeks;
    limit > 0 && ctx.week - p.held_since >= limit
}
