//! R2 GP referral (buy-in, legitimation, feedback loop), R3 LW triage
//! (micro-discretion) and R4 enrolment (patient buy-in).

use super::{Ctx, logistic};
use crate::world::{GpPractice, Patient, flag};

/// R2: probability that the GP refers a presenting patient.
///
/// Rises with buy-in, awareness and a champion (002 legitimation); falls with a long
/// waiting list per LW post and with the service's funding uncertainty (000 1.3:
/// referrers hold back). Patients whose needs belong with statutory services are
/// referred more when statutory waiting pressure is high (002 "supporting the
/// supporter"), which produces inappropriate referrals.
pub fn p_refer(
    ctx: &Ctx,
    gp: &GpPractice,
    p: &Patient,
    waiting_per_lw: f64,
    uncertainty: f64,
) -> f64 {
    let b = ctx.b;
    let mut x = b.refer_intercept
        + b.refer_buy_in * gp.buy_in as f64
        + b.refer_awareness * gp.awareness as f64
        + b.refer_complexity * p.complexity as f64
        + b.refer_waiting_per_lw * waiting_per_lw
        + b.refer_uncertainty * uncertainty;
    if gp.champion {
        x += b.refer_champion;
    }
    if p.has(flag::STATUTORY) {
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
/// (complexity; 003), GP credibility (buy-in; 003) and clarity about the role.
pub fn p_accept(ctx: &Ctx, gp: &GpPractice, p: &Patient) -> f64 {
    let b = ctx.b;
    logistic(
        b.accept_intercept
            + b.accept_complexity * p.complexity as f64
            + b.accept_gp_credibility * gp.buy_in as f64
            + b.accept_clarity * (gp.awareness as f64 - 0.5),
    )
}

/// R2 feedback loop: a LW feedback report on a referred patient raises buy-in and
/// awareness; embeddedness multiplies how much of it reaches GPs (002, 000 2.1).
pub fn feedback_report(ctx: &Ctx, gp: &mut GpPractice, embeddedness: f64) {
    let b = ctx.b;
    let reach = b.feedback_reach_bolted_on + (1.0 - b.feedback_reach_bolted_on) * embeddedness;
    gp.buy_in += (b.buy_in_feedback_gain * reach * (1.0 - gp.buy_in as f64)) as f32;
    gp.awareness += (b.awareness_feedback_gain * reach * (1.0 - gp.awareness as f64)) as f32;
}

/// R2: buy-in and awareness decay slowly toward a floor without feedback.
pub fn decay_buy_in(ctx: &Ctx, gp: &mut GpPractice) {
    let b = ctx.b;
    let floor = b.buy_in_floor as f32;
    let d = b.buy_in_decay_per_week as f32;
    gp.buy_in -= d * (gp.buy_in - floor);
    gp.awareness -= d * (gp.awareness - floor);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{Behaviour, Deprivation, Funding, Policy};
    use crate::rules::presentation::draw_patient;
    use crate::world::rng::{Stream, stream};

    fn gp(buy_in: f32) -> GpPractice {
        GpPractice {
            buy_in,
            awareness: 0.5,
            champion: false,
            statutory_pressure: 0.5,
        }
    }

    fn patient(statutory: bool) -> Patient {
        let b = Behaviour::default();
        let mut p = draw_patient(
            &mut stream(1, 0, 0, Stream::Arrivals),
            Deprivation::Medium,
            &b,
            0,
        );
        p.flags = if statutory { flag::STATUTORY } else { 0 };
        p
    }

    fn with<R>(policy: Policy, f: impl FnOnce(&Ctx) -> R) -> R {
        let b = Behaviour::default();
        let funding = Funding::default();
        let ctx = Ctx {
            policy: &policy,
            funding: &funding,
            b: &b,
            week: 0,
            report_from: 0,
            counterfactual: true,
        };
        f(&ctx)
    }

    #[test]
    fn referral_rises_with_buy_in_and_champion_and_falls_with_waiting() {
        with(Policy::default(), |ctx| {
            let p = patient(false);
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
        with(Policy::default(), |ctx| {
            let p = patient(true);
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
        let low = with(
            Policy {
                lw_discretion: 0.0,
                supervision_interval_weeks: 0,
                ..Policy::default()
            },
            |ctx| p_decline(ctx, &p, 0.4),
        );
        let high = with(
            Policy {
                lw_discretion: 1.0,
                supervision_quality: 1.0,
                ..Policy::default()
            },
            |ctx| p_decline(ctx, &p, 0.4),
        );
        assert!(high > low + 0.2, "{high} vs {low}");
        assert_eq!(
            with(Policy::default(), |ctx| p_decline(
                ctx,
                &patient(false),
                1.0
            )),
            0.0
        );
    }

    #[test]
    fn acceptance_rises_with_gp_credibility_and_urgency() {
        with(Policy::default(), |ctx| {
            let mut p = patient(false);
            assert!(p_accept(ctx, &gp(0.9), &p) > p_accept(ctx, &gp(0.1), &p));
            p.complexity = 0.1;
            let calm = p_accept(ctx, &gp(0.5), &p);
            p.complexity = 0.9;
            assert!(p_accept(ctx, &gp(0.5), &p) > calm);
        });
    }

    #[test]
    fn feedback_raises_buy_in_more_when_embedded_and_decay_lowers_it() {
        with(Policy::default(), |ctx| {
            let mut a = gp(0.4);
            let mut b = gp(0.4);
            feedback_report(ctx, &mut a, 0.0);
            feedback_report(ctx, &mut b, 1.0);
            assert!(b.buy_in > a.buy_in && a.buy_in > 0.4);
            let mut c = gp(0.8);
            decay_buy_in(ctx, &mut c);
            assert!(c.buy_in < 0.8 && c.buy_in > ctx.b.buy_in_floor as f32);
        });
    }
}
