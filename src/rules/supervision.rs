//! R19 supervision and training: effective supervision (frequency with diminishing
//! returns, times quality), skill from experience, training and supervision.

use super::Ctx;
use crate::params::Policy;
use crate::world::LinkWorker;

/// R19: effective supervision, 0–1: quality × (1 − exp(−saturation ÷ interval)).
/// Diminishing returns: each halving of the interval adds less; 0 without supervision.
pub fn effective(policy: &Policy, saturation_weeks: f64) -> f64 {
    match policy.supervision_interval_weeks {
        0 => 0.0,
        interval => policy.supervision_quality * (1.0 - (-saturation_weeks / interval as f64).exp()),
    }
}

/// Skill of a link worker with `weeks` in post (R6, R19; training and supervision add
/// to it in [`learn`]).
pub fn skill_for_experience(ctx: &Ctx, weeks: u32) -> f64 {
    let b = ctx.b;
    (b.skill_initial + b.skill_experience_gain * (1.0 - (-(weeks as f64) / b.skill_experience_weeks).exp())).min(1.0)
}

/// R19: skill learned from training days and supervision this week.
pub fn learn(ctx: &Ctx, lw: &mut LinkWorker, supervision: f64, experience_skill: f64) {
    let b = ctx.b;
    let headroom = (1.0 - experience_skill - lw.learned as f64).max(0.0);
    let gain = (b.training_skill_gain * ctx.policy.training_days_per_year / 52.0
        + b.supervision_skill_gain * supervision)
        * headroom;
    lw.learned += gain as f32;
    lw.skill =
        (experience_skill + lw.learned as f64 - b.burnout_skill_impairment * lw.burnout as f64).clamp(0.0, 1.0) as f32;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Policy;
    use crate::rules::fixtures::{link_worker, with_policy};

    #[test]
    fn supervision_has_diminishing_returns_to_frequency() {
        let eff = |interval: u32| {
            let p = Policy { supervision_interval_weeks: interval, supervision_quality: 1.0, ..Policy::default() };
            effective(&p, crate::params::Behaviour::default().supervision_saturation_weeks)
        };
        assert_eq!(eff(0), 0.0);
        let (w1, w2, w4, w8) = (eff(1), eff(2), eff(4), eff(8));
        assert!(w1 > w2 && w2 > w4 && w4 > w8 && w8 > 0.0, "{w1} {w2} {w4} {w8}");
        assert!(w1 - w2 < w2 - w4 && w2 - w4 < w4 - w8 + 0.2, "each halving of the interval adds less");
        assert!(w1 <= 1.0);
    }

    #[test]
    fn training_and_supervision_raise_skill_and_burnout_lowers_it() {
        let skill_after = |days: f64, sup: f64, burnout: f32| {
            with_policy(Policy { training_days_per_year: days, ..Policy::default() }, |ctx| {
                let mut lw = link_worker(0.0, 20.0);
                lw.burnout = burnout;
                for _ in 0..104 {
                    learn(ctx, &mut lw, sup, 0.4);
                }
                lw.skill
            })
        };
        assert!(skill_after(10.0, 0.0, 0.0) > skill_after(0.0, 0.0, 0.0));
        assert!(skill_after(0.0, 1.0, 0.0) > skill_after(0.0, 0.0, 0.0));
        assert!(skill_after(5.0, 0.5, 0.8) < skill_after(5.0, 0.5, 0.0));
    }
}
