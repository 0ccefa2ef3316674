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
    /// Discharged (R10); `tapered` when the ending was gradual.
    Discharged {
        /// Gradual ending.
        tapered: bool,
    },
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
    let mut after = p.gp_after as f64 + gp_expected_natural(p, k_exit + 1, b);
    if abrupt {
        after += gp_expected_bump(b.abrupt_gp_bump, k_exit + 1, b);
    }
    if let Some(w) = relapse_week {
        after += gp_expected_bump(b.relapse_gp_bump, w.saturating_sub(p.week_referred).max(1), b);
    }
    FollowUp { before: gp_expected_before(p, b), after, after_cf: gp_expected_natural(p, 1, b) }
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
    fn follow_up_window_is_weeks_1_to_26() {
        let mut p = patient(8);
        p.week_referred = 10;
        assert_eq!(in_follow_up(&p, 10), None);
        assert_eq!(in_follow_up(&p, 11), Some(1));
        assert_eq!(in_follow_up(&p, 36), Some(26));
        assert_eq!(in_follow_up(&p, 37), None);
    }
}
