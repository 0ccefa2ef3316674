//! R16 intention to leave and turnover: the survey measure, the weekly hazard of
//! leaving it implies, and the reason for leaving.

use super::{Ctx, logistic};
use crate::world::LinkWorker;

/// Why a link worker leaves (R16), drawn in proportion to each term's share of the
/// intention to leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveReason {
    /// Burnout.
    Burnout,
    /// Dissatisfaction (including lack of supervision).
    Dissatisfaction,
    /// Perceived job insecurity (funding).
    Funding,
}

/// R16: the intention to leave, a survey measure: the probability that a link worker says
/// yes to "do you intend to leave within a year?", graded by burnout, dissatisfaction, lack
/// of supervision and perceived insecurity. Returns it with the three reason terms
/// (burnout, dissatisfaction incl. no supervision, insecurity) on the log-odds scale.
pub fn intention_to_leave(ctx: &Ctx, lw: &LinkWorker, supervision: f64) -> (f64, [f64; 3]) {
    let b = ctx.b;
    let terms = [
        b.intention_burnout * lw.burnout as f64,
        b.intention_dissatisfaction * (1.0 - lw.satisfaction as f64) + b.intention_no_supervision * (1.0 - supervision),
        b.intention_insecurity * lw.funding_uncertainty as f64,
    ];
    (logistic(b.intention_intercept + terms.iter().sum::<f64>()), terms)
}

/// R16: weekly hazard of leaving for an intention to leave: P(leave within a year) =
/// `leave_follow_through` × intention.
pub fn leave_hazard(ctx: &Ctx, intention: f64) -> f64 {
    let annual = (ctx.b.leave_follow_through * intention).clamp(0.0, 1.0 - 1e-9);
    1.0 - (1.0 - annual).powf(1.0 / 52.0)
}

/// R16: the reason for leaving, drawn with `u` ∈ [0, 1) in proportion to each term's
/// positive share of the intention (dissatisfaction when no term is positive).
pub fn leave_reason(terms: [f64; 3], u: f64) -> LeaveReason {
    let w = terms.map(|t| t.max(0.0));
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return LeaveReason::Dissatisfaction;
    }
    let x = u * total;
    if x < w[0] {
        LeaveReason::Burnout
    } else if x < w[0] + w[1] {
        LeaveReason::Dissatisfaction
    } else {
        LeaveReason::Funding
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Policy;
    use crate::rules::fixtures::{link_worker, with_policy};

    /// Probability of leaving within a year at a weekly hazard.
    fn annual_leave_probability(weekly_hazard: f64) -> f64 {
        1.0 - (1.0 - weekly_hazard).powi(52)
    }

    #[test]
    fn intention_to_leave_is_graded_and_reasons_follow_each_terms_share() {
        with_policy(Policy::default(), |ctx| {
            let base = link_worker(0.0, 20.0);
            let (i0, _) = intention_to_leave(ctx, &base, 0.5);
            let mut burnt = base.clone();
            burnt.burnout = 0.9;
            let mut insecure = base.clone();
            insecure.funding_uncertainty = 1.0;
            let mut unhappy = base.clone();
            unhappy.satisfaction = 0.1;
            for (name, lw) in [("burnout", &burnt), ("insecurity", &insecure), ("dissatisfaction", &unhappy)] {
                assert!(intention_to_leave(ctx, lw, 0.5).0 > i0, "{name}");
            }
            // Graded: a little more burnout, a little more intention (no threshold).
            let mut a = base.clone();
            a.burnout = 0.30;
            let mut b = base.clone();
            b.burnout = 0.31;
            assert!(intention_to_leave(ctx, &b, 0.5).0 > intention_to_leave(ctx, &a, 0.5).0);
            assert!(intention_to_leave(ctx, &base, 0.0).0 > i0, "no supervision");
            // Turnover follows intention: P(leave in a year) = follow-through x intention.
            let h = leave_hazard(ctx, 0.4);
            assert!((annual_leave_probability(h) - ctx.b.leave_follow_through * 0.4).abs() < 1e-9);
            assert_eq!(leave_hazard(ctx, 0.0), 0.0);
            // Reasons in proportion: terms 1, 3, 0 give burnout a quarter of draws.
            let terms = [1.0, 3.0, 0.0];
            let n = 10_000;
            let burnout = (0..n).filter(|k| leave_reason(terms, *k as f64 / n as f64) == LeaveReason::Burnout).count();
            assert_eq!(burnout, n / 4);
            assert!((0..n).all(|k| leave_reason(terms, k as f64 / n as f64) != LeaveReason::Funding));
        });
    }
}
