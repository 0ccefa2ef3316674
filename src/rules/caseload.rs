//! R12 caseload target: what the session pattern allows, target pressure, the intake
//! pace and its credit (with the waiting list's extra intake, R5), load and overload,
//! and coping (community time squeezed first, shorter engagements, less holding, R8).
//! Each formula here is the only place it is computed.

use super::Ctx;
use crate::world::LinkWorker;

/// Patients a link worker can take on per year with the configured session pattern
/// (R12): nominal session hours × 52 ÷ (session hours × expected sessions per patient).
pub fn achievable_per_year(ctx: &Ctx, nominal_session_hours: f64) -> f64 {
    nominal_session_hours * 52.0 / (ctx.b.session_hours * ctx.b.expected_sessions_per_patient)
}

/// R12: target pressure = target ÷ achievable − 1, at least 0 (001 Table 12 item 4).
pub fn target_pressure(ctx: &Ctx, nominal_session_hours: f64) -> f64 {
    let achievable = achievable_per_year(ctx, nominal_session_hours);
    if achievable <= 0.0 {
        return 0.0;
    }
    (ctx.policy.caseload_target_per_year / achievable - 1.0).max(0.0)
}

/// R12: new patients a link worker is expected to take on this week: the caseload target
/// spread over the year, for the share of hours a burnt-out link worker still works (R13:
/// burnout costs hours, so burnout feeds back into waits).
pub fn intake_pace(ctx: &Ctx, lw: &LinkWorker) -> f64 {
    ctx.policy.caseload_target_per_year / 52.0 * (1.0 - lw.burnout as f64 * ctx.b.burnout_hours_impairment)
}

/// R12: this week's intake credit: last week's unused credit plus the pace, carried over up
/// to `intake_carry_weeks` of pace.
pub fn refill_intake(ctx: &Ctx, lw: &mut LinkWorker) {
    if !lw.in_post {
        lw.intake_credit = 0.0;
        return;
    }
    let pace = intake_pace(ctx, lw);
    lw.intake_credit = (lw.intake_credit as f64 + pace).min(intake_cap(ctx, lw)) as f32;
}

/// R12: the most intake credit a link worker can hold: `intake_carry_weeks` of pace (at
/// least one week's).
pub fn intake_cap(ctx: &Ctx, lw: &LinkWorker) -> f64 {
    intake_pace(ctx, lw) * ctx.b.intake_carry_weeks.max(1.0)
}

/// R5/R12: extra patients each link worker takes on this week beyond the pace because the
/// waiting list is long: `intake_waiting_response` × patients waiting per link worker in
/// post beyond one week's pace.
pub fn waiting_list_extra(ctx: &Ctx, waiting_per_lw: f64) -> f64 {
    let pace = ctx.policy.caseload_target_per_year / 52.0;
    ctx.b.intake_waiting_response * (waiting_per_lw - pace).max(0.0)
}

/// R12: this week's load (caseload hours ÷ session hours) and smoothed overload (the
/// excess of load over 1, what the hours cannot carry); then the coping pressure, the
/// larger of target pressure and overload.
pub fn update_load(ctx: &Ctx, lw: &mut LinkWorker) {
    let load = if lw.session_hours > 0.0 {
        lw.committed_hours as f64 / lw.session_hours as f64
    } else if lw.committed_hours > 0.0 {
        2.0
    } else {
        0.0
    };
    let excess = (load - 1.0).max(0.0);
    let o = lw.overload as f64;
    lw.load = load as f32;
    lw.overload = (o + ctx.b.overload_smoothing * (excess - o)) as f32;
    lw.pressure = lw.target_pressure.max(lw.overload);
}

/// R11/R12: community time share after coping pressure squeezes it (community time goes first).
pub fn community_share(ctx: &Ctx, pressure: f64) -> f64 {
    ctx.policy.community_time_share * (1.0 - ctx.b.pressure_community_squeeze * pressure).clamp(0.0, 1.0)
}

/// R12: the session limit an overloaded link worker actually works to (shorter
/// engagements). Called with overload, not target pressure: coping answers hours the
/// caseload cannot fit, so a higher target never shortens engagements by itself and
/// never relieves the load it adds (the relief shows as fewer connections).
pub fn session_limit(ctx: &Ctx, pressure: f64) -> u32 {
    let cut = (1.0 - ctx.b.pressure_session_cut * pressure).clamp(0.0, 1.0);
    ((ctx.policy.max_sessions as f64 * cut).round() as u32).max(1)
}

/// R8/R12: the readiness estimate below which a link worker holds: higher with the
/// discretion granted (micro-discretion, 001 Paper 2), lower under overload (called
/// with overload, like [`session_limit`]).
pub fn hold_threshold(ctx: &Ctx, pressure: f64) -> f64 {
    let b = ctx.b;
    let own = b.hold_readiness_threshold + b.discretion_hold_margin * (ctx.policy.lw_discretion - 0.5);
    own.clamp(0.0, 1.0) * (1.0 - b.pressure_hold_squeeze * pressure).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Policy;
    use crate::rules::fixtures::{link_worker, with_policy};

    #[test]
    fn target_pressure_appears_only_above_what_the_session_pattern_allows() {
        with_policy(Policy { caseload_target_per_year: 50.0, ..Policy::default() }, |ctx| {
            assert_eq!(target_pressure(ctx, 20.0), 0.0);
        });
        with_policy(Policy { caseload_target_per_year: 800.0, ..Policy::default() }, |ctx| {
            let p = target_pressure(ctx, 20.0);
            assert!(p > 0.5);
            assert!(community_share(ctx, p) < ctx.policy.community_time_share);
            assert!(session_limit(ctx, p) < ctx.policy.max_sessions);
            assert!(hold_threshold(ctx, p) < ctx.b.hold_readiness_threshold);
        });
    }

    #[test]
    fn overload_is_the_caseload_beyond_the_hours_smoothed_and_drives_coping() {
        with_policy(Policy::default(), |ctx| {
            let mut lw = link_worker(30.0, 20.0);
            for _ in 0..100 {
                update_load(ctx, &mut lw);
            }
            assert!((lw.load - 1.5).abs() < 1e-6 && (lw.overload - 0.5).abs() < 1e-3);
            assert!(lw.pressure >= lw.overload);
            let p = lw.pressure as f64;
            assert!(session_limit(ctx, p) < ctx.policy.max_sessions);
            assert!(community_share(ctx, p) < ctx.policy.community_time_share);
            let mut calm = link_worker(10.0, 20.0);
            update_load(ctx, &mut calm);
            assert_eq!(calm.overload, 0.0);
        });
    }

    #[test]
    fn intake_pace_follows_the_target_and_carries_over_a_few_weeks() {
        let credit_after = |target: f64, weeks: usize| {
            with_policy(Policy { caseload_target_per_year: target, ..Policy::default() }, |ctx| {
                let mut lw = link_worker(0.0, 20.0);
                for _ in 0..weeks {
                    refill_intake(ctx, &mut lw);
                }
                lw.intake_credit as f64
            })
        };
        assert!((credit_after(260.0, 1) - 5.0 * (1.0 - 0.0)).abs() < 1e-4);
        assert!(credit_after(200.0, 1) < credit_after(260.0, 1));
        let cap = 260.0 / 52.0 * crate::params::Behaviour::default().intake_carry_weeks;
        assert!((credit_after(260.0, 50) - cap).abs() < 1e-3, "unused intake carries over only so far");
        with_policy(Policy::default(), |ctx| {
            let mut lw = link_worker(0.0, 20.0);
            let fresh = intake_pace(ctx, &lw);
            lw.burnout = 0.8;
            assert!(intake_pace(ctx, &lw) < fresh, "burnout costs hours, so intake");
            assert_eq!(waiting_list_extra(ctx, 0.0), 0.0);
            assert!(waiting_list_extra(ctx, 30.0) > waiting_list_extra(ctx, 10.0));
        });
    }
}
