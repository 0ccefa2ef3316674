//! R2 GP referral (buy-in, legitimation, feedback loop), R3 LW triage
//! (micro-discretion) and R4 enrolment (patient buy-in).

use super::presentation::Presentation;
use super::{Ctx, logistic, logit};
use crate::world::{GpPractice, Patient, flag};

/// R2: probability that the GP refers a presenting patient.
///
/// Rises with buy-in, awareness and a champion (002 legitimation); falls with a long
/// waiting list per LW post and with the service's funding uncertainty (000 1.3:
/// referrers hold back). Patients whose needs belong with statutory services are
/// referred more when statutory waiting pressure is high (002 "supporting the
/// supporter"), which produces inappropriate referrals.
pub fn p_refer(ctx: &Ctx, gp: &GpPractice, p: &Presentation, waiting_per_lw: f64, uncertainty: f64) -> f64 {
    let b = ctx.b;
    let mut x = b.refer_intercept
        + b.refer_buy_in * gp.buy_in as f64
        + b.refer_awareness * gp.awareness as f64
        + b.refer_complexity * p.complexity
        + b.refer_waiting_per_lw * waiting_per_lw
        + b.refer_uncertainty * uncertainty;
    if gp.champion {
        x += b.refer_champion;
    }
    if p.statutory {
        x += b.refer_statutory_penalty + b.refer_statutory_pressure * gp.statutory_pressure as f64;
    }
    logistic(x)
}

/// R3: probability that a link worker declines an inappropriate referral.
/// Rises with discretion, supervision and skill (001 Table 9: "confidence to decline
/// referrals they see as inappropriate"). Appropriate referrals are never declined.
pub fn p_decline(ctx: &Ctx, p: &Patient, skill: f64) -> f64 {
    if !p.has(flag::STATUTORY) {
        return 0.0;
    }
    let b = ctx.b;
    logistic(
        b.decline_intercept
            + b.decline_discretion * ctx.policy.lw_discretion
            + b.decline_supervision * ctx.supervision()
            + b.decline_skill * skill,
    )
}

/// R4: probability that the patient accepts the referral. Rises with urgency
/// (complexity; 003), GP credibility (buy-in; 003) and clarity about the role; falls with
/// `uncertainty`, the mean perceived insecurity of the region's posts (a service that may
/// not last).
pub fn p_accept(ctx: &Ctx, gp: &GpPractice, p: &Patient, uncertainty: f64) -> f64 {
    let b = ctx.b;
    logistic(
        b.accept_intercept
            + b.accept_complexity * p.complexity as f64
            + b.accept_gp_credibility * gp.buy_in as f64
            + b.accept_clarity * (gp.awareness as f64 - 0.5)
            + b.accept_uncertainty * uncertainty,
    )
}

/// R2 feedback loop: a LW feedback report on a referred patient reaches GPs; embeddedness
/// multiplies how much of it does (002, 000 2.1).
pub fn feedback_report(ctx: &Ctx, gp: &mut GpPractice, embeddedness: f64) {
    let b = ctx.b;
    gp.feedback_week += (b.feedback_reach_bolted_on + (1.0 - b.feedback_reach_bolted_on) * embeddedness) as f32;
}

/// R2: the level buy-in (or awareness) tends to this week: the region's own level, moved
/// on the log-odds scale by feedback per post above or below the reference.
pub fn buy_in_target(ctx: &Ctx, level: f64, feedback_per_post: f64) -> f64 {
    let b = ctx.b;
    logistic(logit(level) + b.buy_in_feedback_effect * (feedback_per_post - b.feedback_reference_per_post))
}

/// R2: buy-in and awareness adjust toward the levels this week's feedback implies, so a
/// region with little feedback drifts below its own level and one with much drifts above
/// it; `gp_buy_in` is the long-run level, not only a start.
pub fn update_buy_in(ctx: &Ctx, gp: &mut GpPractice, posts: usize) {
    let per_post = if posts > 0 { gp.feedback_week as f64 / posts as f64 } else { 0.0 };
    let adjust = ctx.b.buy_in_adjust_per_week;
    let buy_in = buy_in_target(ctx, gp.buy_in_level as f64, per_post);
    let awareness = buy_in_target(ctx, ctx.b.awareness_initial, per_post);
    gp.buy_in = (gp.buy_in as f64 + adjust * (buy_in - gp.buy_in as f64)) as f32;
    gp.awareness = (gp.awareness as f64 + adjust * (awareness - gp.awareness as f64)) as f32;
    gp.feedback_week = 0.0;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Policy;
    use crate::rules::fixtures::{self, with_policy};

    fn gp(buy_in: f32) -> GpPractice {
        GpPractice {
            buy_in,
            awareness: 0.5,
            buy_in_level: buy_in,
            feedback_week: 0.0,
            champion: false,
            statutory_pressure: 0.5,
        }
    }

    fn patient(statutory: bool) -> Patient {
        let mut p = fixtures::patient(1);
        p.flags = if statutory { flag::STATUTORY } else { 0 };
        p
    }

    fn presentation(statutory: bool) -> Presentation {
        Presentation { complexity: 0.5, statutory, seed: 1 }
    }

    #[test]
    fn referral_rises_with_complexity() {
        with_policy(Policy::default(), |ctx| {
            let simple = Presentation { complexity: 0.1, statutory: false, seed: 1 };
            let complex = Presentation { complexity: 0.9, statutory: false, seed: 1 };
            assert!(p_refer(ctx, &gp(0.5), &complex, 0.0, 0.0) > p_refer(ctx, &gp(0.5), &simple, 0.0, 0.0));
        });
    }

    #[test]
    fn referral_rises_with_buy_in_and_champion_and_falls_with_waiting() {
        with_policy(Policy::default(), |ctx| {
            let p = presentation(false);
            assert!(p_refer(ctx, &gp(0.8), &p, 0.0, 0.0) > p_refer(ctx, &gp(0.2), &p, 0.0, 0.0));
            let mut champ = gp(0.5);
            champ.champion = true;
            assert!(p_refer(ctx, &champ, &p, 0.0, 0.0) > p_refer(ctx, &gp(0.5), &p, 0.0, 0.0));
            assert!(p_refer(ctx, &gp(0.5), &p, 30.0, 0.0) < p_refer(ctx, &gp(0.5), &p, 0.0, 0.0));
            assert!(p_refer(ctx, &gp(0.5), &p, 0.0, 1.0) < p_refer(ctx, &gp(0.5), &p, 0.0, 0.0));
        });
    }

    #[test]
    fn statutory_pressure_pushes_inappropriate_referrals() {
        with_policy(Policy::default(), |ctx| {
            let p = presentation(true);
            let mut low = gp(0.5);
            low.statutory_pressure = 0.0;
            let mut high = gp(0.5);
            high.statutory_pressure = 1.0;
            assert!(p_refer(ctx, &high, &p, 0.0, 0.0) > p_refer(ctx, &low, &p, 0.0, 0.0));
        });
    }

    #[test]
    fn triage_declines_more_with_discretion_and_supervision_and_never_appropriate_ones() {
        let p = patient(true);
        let low =
            with_policy(Policy { lw_discretion: 0.0, supervision_interval_weeks: 0, ..Policy::default() }, |ctx| {
                p_decline(ctx, &p, 0.4)
            });
        let high = with_policy(Policy { lw_discretion: 1.0, supervision_quality: 1.0, ..Policy::default() }, |ctx| {
            p_decline(ctx, &p, 0.4)
        });
        assert!(high > low + 0.2, "{high} vs {low}");
        assert_eq!(with_policy(Policy::default(), |ctx| p_decline(ctx, &patient(false), 1.0)), 0.0);
    }

    #[test]
    fn acceptance_rises_with_gp_credibility_and_urgency() {
        with_policy(Policy::default(), |ctx| {
            let mut p = patient(false);
            assert!(p_accept(ctx, &gp(0.9), &p, 0.0) > p_accept(ctx, &gp(0.1), &p, 0.0));
            p.complexity = 0.1;
            let calm = p_accept(ctx, &gp(0.5), &p, 0.0);
            p.complexity = 0.9;
            assert!(p_accept(ctx, &gp(0.5), &p, 0.0) > calm);
        });
    }

    #[test]
    fn feedback_moves_buy_in_around_the_regions_own_level() {
        with_policy(Policy::default(), |ctx| {
            // Reach grows with embeddedness.
            let (mut a, mut b) = (gp(0.4), gp(0.4));
            feedback_report(ctx, &mut a, 0.0);
            feedback_report(ctx, &mut b, 1.0);
            assert!(b.feedback_week > a.feedback_week && a.feedback_week > 0.0);
            // At the reference feedback, buy-in settles at the region's level, whatever it started at.
            let settle = |level: f32, start: f32, per_post: f32| {
                let mut g = gp(start);
                g.buy_in_level = level;
                for _ in 0..3000 {
                    g.feedback_week = per_post * 2.0;
                    update_buy_in(ctx, &mut g, 2);
                }
                g.buy_in
            };
            let reference = ctx.b.feedback_reference_per_post as f32;
            assert!((settle(0.3, 0.9, reference) - 0.3).abs() < 1e-3);
            assert!((settle(0.7, 0.1, reference) - 0.7).abs() < 1e-3);
            // More feedback than the reference lifts it above the level; none lowers it.
            assert!(settle(0.5, 0.5, reference + 2.0) > 0.6);
            assert!(settle(0.5, 0.5, 0.0) < 0.4);
        });
    }
}
