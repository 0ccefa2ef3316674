//! R10 Endings: discharge after connection, goals met, or the session limit; tapering;
//! relapse and re-referral; and the 26-week GP-use follow-up of each referral.
//!
//! 001 Table 8: gradual tapering means the patient does not feel abandoned; 002: an
//! abrupt end raises the chance of returning to the GP as the familiar source of
//! support and of relapse; 003: if re-referral is allowed and the patient is told so,
//! endings are easier and a relapsed patient may return.

use super::presentation::{FOLLOW_UP_WEEKS, gp_expected_before, gp_expected_bump, gp_expected_natural};
use super::{Ctx, logistic};
use crate::world::{Patient, flag};

/// Why the patient left the pathway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Referred but never on the list (declined at triage or by the patient).
    NotEnrolled,
    /// Lost momentum while waiting (R5).
    DroppedWaiting,
    /// Lost after a missed first appointment (R5).
    DnaLost,
    /// Disengaged after being pushed too early (R7).
    Disengaged,
    /// Gave up waiting for a place on a VCSE organisation's waiting list (R7, R18).
    LeftVcseQueue,
    /// Discharged (R10); `tapered` when the ending was gradual.
    Discharged {
        /// Gradual ending.
        tapered: bool,
        /// Why the episode ended.
        why: Ending,
    },
}

/// Why a discharge happened (R8, R10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Connected, or goals met: a planned ending.
    Completed,
    /// Active sessions reached the session limit.
    SessionLimit,
    /// Held for the longest time the policy allows.
    HoldingLimit,
    /// Discharged at a review of a held patient who cannot connect.
    HoldingReview,
    /// Not ready and holding not allowed.
    NotHeld,
    /// Every need was resolved elsewhere.
    NeedsResolved,
}

/// The three journeys of an episode that reached a first session (003 Figure 1), plus
/// episodes that were neither held nor connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Journey {
    /// (a) Connected without being held.
    ConnectedDirectly,
    /// (b) Held, then connected.
    HeldThenConnected,
    /// (c) Held and never connected.
    HeldUnconnected,
    /// Neither held nor connected (stopped coming, goals met, session limit).
    Neither,
}

/// The journey of an episode, read when it ends (or at the end of the run).
pub fn journey(p: &Patient) -> Journey {
    match (p.has(flag::WAS_HELD), p.has(flag::CONNECTED)) {
        (false, true) => Journey::ConnectedDirectly,
        (true, true) => Journey::HeldThenConnected,
        (true, false) => Journey::HeldUnconnected,
        (false, false) => Journey::Neither,
    }
}

/// What kept a held patient from connecting (journey c), read when the episode ends;
/// `exit` is `None` for an episode still open at the end of the run. The blocks the
/// research names come first: structural need, low capacity, no open service; then
/// how the episode ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    /// Held at some point because every need was structural.
    Structural,
    /// Held at some point with capacity below the holding threshold.
    Capacity,
    /// A proposal found no open door (no suitable service, refused, waiting list left).
    NoOpenService,
    /// The session limit ended the episode.
    SessionLimit,
    /// The holding limit or a holding review ended the episode.
    HoldingLimit,
    /// Stopped coming.
    Drifted,
    /// Goals met without a connection.
    GoalsMet,
    /// Still held (readiness still low) at the end of the run.
    StillHeld,
}

/// Why journey c did not connect (see [`Blocked`]).
pub fn blocked(p: &Patient, exit: Option<Exit>) -> Blocked {
    if p.has(flag::HELD_STRUCTURAL) {
        return Blocked::Structural;
    }
    if p.has(flag::HELD_CAPACITY) {
        return Blocked::Capacity;
    }
    if p.has(flag::NO_SERVICE) {
        return Blocked::NoOpenService;
    }
    match exit {
        None => Blocked::StillHeld,
        Some(Exit::Discharged { why: Ending::SessionLimit, .. }) => Blocked::SessionLimit,
        Some(Exit::Discharged { why: Ending::HoldingLimit | Ending::HoldingReview | Ending::NotHeld, .. }) => {
            Blocked::HoldingLimit
        }
        Some(Exit::Discharged { why: Ending::Completed | Ending::NeedsResolved, .. }) => Blocked::GoalsMet,
        Some(_) => Blocked::Drifted,
    }
}

/// Goals met: hope and self-efficacy both above the threshold.
pub fn goals_met(ctx: &Ctx, p: &Patient) -> bool {
    let t = ctx.b.goals_met_threshold as f32;
    p.hope >= t && p.self_efficacy >= t
}

/// Probability of relapse within 26 weeks of discharge.
pub fn p_relapse(ctx: &Ctx, p: &Patient, tapered: bool) -> f64 {
    let b = ctx.b;
    let mut x = b.relapse_intercept + b.relapse_self_efficacy * p.self_efficacy as f64;
    if !tapered {
        x += b.relapse_abrupt;
    }
    if p.has(flag::CONNECTED) {
        x += b.relapse_connected;
    }
    if ctx.policy.rereferral_allowed {
        x += b.relapse_told_rereferral;
    }
    logistic(x)
}

/// Expected non-medical GP consultations of a referral's follow-up: before, after,
/// and after in the counterfactual arm (no link workers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FollowUp {
    /// 26 weeks before referral.
    pub before: f64,
    /// 26 weeks after referral, actual arm.
    pub after: f64,
    /// 26 weeks after referral, counterfactual arm.
    pub after_cf: f64,
}

/// Close the follow-up of a patient leaving the pathway in week `exit_week`: what was
/// accumulated on the pathway plus the natural rate for the rest of the window, plus the
/// bumps of an abrupt ending and of a relapse (week `relapse_week`, if any).
pub fn close_follow_up(ctx: &Ctx, p: &Patient, exit_week: u32, abrupt: bool, relapse_week: Option<u32>) -> FollowUp {
    let b = ctx.b;
    let k_exit = exit_week.saturating_sub(p.week_referred);
    // The exit week itself is not on the pathway any more (the weekly accumulation skips
    // patients who left), so the natural rate covers it: weeks k_exit..=26.
    let sums = &ctx.tables.crisis_sums;
    let mut after = p.gp_after as f64 + gp_expected_natural(p, k_exit.max(1), sums);
    if abrupt {
        after += gp_expected_bump(b.abrupt_gp_bump, k_exit + 1, sums);
    }
    if let Some(w) = relapse_week {
        after += gp_expected_bump(b.relapse_gp_bump, w.saturating_sub(p.week_referred).max(1), sums);
    }
    FollowUp { before: gp_expected_before(p, sums), after, after_cf: gp_expected_natural(p, 1, sums) }
}

/// Whether week `week` is inside the referral's 26-week follow-up window.
#[inline]
pub fn in_follow_up(p: &Patient, week: u32) -> Option<u32> {
    let k = week.checked_sub(p.week_referred)?;
    (1..=FOLLOW_UP_WEEKS).contains(&k).then_some(k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Policy;
    use crate::rules::fixtures::{patient, with_policy};

    #[test]
    fn tapering_connection_and_rereferral_lower_relapse() {
        let p = patient(8);
        let abrupt = with_policy(Policy::default(), |c| p_relapse(c, &p, false));
        let tapered = with_policy(Policy::default(), |c| p_relapse(c, &p, true));
        assert!(tapered < abrupt);
        let mut connected = p.clone();
        connected.flags |= flag::CONNECTED;
        assert!(with_policy(Policy::default(), |c| p_relapse(c, &connected, true)) < tapered);
        let untold = with_policy(Policy { rereferral_allowed: false, ..Policy::default() }, |c| p_relapse(c, &p, true));
        assert!(tapered < untold);
    }

    #[test]
    fn abrupt_endings_and_relapse_raise_gp_use_after_referral() {
        with_policy(Policy::default(), |ctx| {
            let p = patient(8);
            let smooth = close_follow_up(ctx, &p, 4, false, None);
            let abrupt = close_follow_up(ctx, &p, 4, true, None);
            let relapse = close_follow_up(ctx, &p, 4, false, Some(10));
            assert!(abrupt.after > smooth.after);
            assert!(relapse.after > smooth.after);
            // With nothing accumulated on the pathway and no bumps, the actual arm equals the counterfactual.
            let none = close_follow_up(ctx, &p, 0, false, None);
            assert!((none.after - none.after_cf).abs() < 1e-9);
        });
    }

    #[test]
    fn journeys_and_what_blocked_journey_c() {
        let mut p = patient(8);
        p.flags = flag::CONNECTED;
        assert_eq!(journey(&p), Journey::ConnectedDirectly);
        p.flags |= flag::WAS_HELD;
        assert_eq!(journey(&p), Journey::HeldThenConnected);
        p.flags = flag::WAS_HELD;
        assert_eq!(journey(&p), Journey::HeldUnconnected);
        let limit = Exit::Discharged { tapered: true, why: Ending::SessionLimit };
        assert_eq!(blocked(&p, Some(limit)), Blocked::SessionLimit);
        assert_eq!(blocked(&p, None), Blocked::StillHeld);
        assert_eq!(blocked(&p, Some(Exit::Disengaged)), Blocked::Drifted);
        // The blocks the research names come before how the episode ended.
        p.flags |= flag::NO_SERVICE;
        assert_eq!(blocked(&p, Some(limit)), Blocked::NoOpenService);
        p.flags |= flag::HELD_CAPACITY;
        assert_eq!(blocked(&p, Some(limit)), Blocked::Capacity);
        p.flags |= flag::HELD_STRUCTURAL;
        assert_eq!(blocked(&p, Some(limit)), Blocked::Structural);
        p.flags = 0;
        assert_eq!(journey(&p), Journey::Neither);
    }

    #[test]
    fn follow_up_window_is_weeks_1_to_26() {
        let mut p = patient(8);
        p.week_referred = 10;
        assert_eq!(in_follow_up(&p, 10), None);
        assert_eq!(in_follow_up(&p, 11), Some(1));
        assert_eq!(in_follow_up(&p, 36), Some(26));
        assert_eq!(in_follow_up(&p, 37), None);
    }
}
