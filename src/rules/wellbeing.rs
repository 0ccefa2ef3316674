//! The link worker's wellbeing at work: R13 burnout (with isolation, shared with R15),
//! R14 satisfaction, R15 embeddedness and the employment model.

use super::{Ctx, logistic};
use crate::params::Employment;
use crate::world::LinkWorker;

/// Inputs to the weekly burnout and satisfaction updates that come from outside the LW.
#[derive(Debug, Clone, Copy)]
pub struct WorkContext {
    /// Effective supervision, 0–1.
    pub supervision: f64,
    /// GP buy-in of the region.
    pub gp_buy_in: f64,
    /// Other link workers in post in the region (the team, R13).
    pub colleagues: f64,
}

/// R13/R15: isolation, 0–1: no peer support, not embedded in the practices, and few
/// colleagues (a PCN-employed link worker often works alone; a VCSE-hosted one sits in the
/// host organisation's team, 001 Table 4).
pub fn isolation(ctx: &Ctx, lw: &LinkWorker, colleagues: f64) -> f64 {
    let b = ctx.b;
    let hosted = if lw.employer == Employment::Vcse { b.vcse_host_peers } else { 0.0 };
    (1.0 - ctx.policy.peer_support) * (1.0 - b.isolation_embeddedness_relief * lw.embeddedness as f64)
        / (1.0 + b.isolation_team_relief * (colleagues + hosted))
}

/// The main source of a link worker's stress in a week (R13), for the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stress {
    /// Complexity of held patients.
    Held,
    /// Caseload beyond what the hours allow (R12 overload).
    Overload,
    /// Caseload-target pressure.
    Target,
    /// Isolation (no peers, bolted on).
    Isolation,
    /// Funding uncertainty.
    Funding,
    /// No suitable service for patients.
    Disillusion,
}

/// R13: weekly burnout change: stress (held complexity, overload, target pressure,
/// isolation, funding uncertainty, disillusionment) against recovery (baseline,
/// supervision, peer support), each scaled by the link worker's own trait (stress
/// sensitivity, recovery), so in like conditions some burn out and some do not.
/// Returns the main source of stress.
pub fn update_burnout(ctx: &Ctx, lw: &mut LinkWorker, w: WorkContext) -> Stress {
    let b = ctx.b;
    let parts = [
        (Stress::Held, b.burnout_held_complexity * lw.held_complexity as f64),
        (Stress::Overload, b.burnout_overload * lw.overload as f64),
        (Stress::Target, b.burnout_target_pressure * lw.target_pressure as f64),
        (Stress::Isolation, b.burnout_isolation * isolation(ctx, lw, w.colleagues)),
        (Stress::Funding, b.burnout_funding * lw.funding_uncertainty as f64),
        (Stress::Disillusion, b.burnout_disillusion * lw.disillusion_week as f64),
    ];
    let stress: f64 = parts.iter().map(|p| p.1).sum::<f64>() * lw.stress_sensitivity as f64;
    let main = parts.iter().fold(parts[0], |m, p| if p.1 > m.1 { *p } else { m }).0;
    let recovery = (b.burnout_recovery_base
        + b.burnout_recovery_supervision * w.supervision
        + b.burnout_recovery_peer * ctx.policy.peer_support)
        * lw.recovery_trait as f64;
    let x = lw.burnout as f64;
    let next = x + b.burnout_rate * (stress * (1.0 - x) - recovery * x);
    lw.burnout = next.clamp(0.0, 1.0) as f32;
    main
}

/// R14: satisfaction moves toward a level set by discretion with support, connections
/// seen, appreciation, and falls with discretion without support, structural cases held
/// and burnout (001 Tables 9–10, Paper 2).
pub fn update_satisfaction(ctx: &Ctx, lw: &mut LinkWorker, w: WorkContext) {
    let b = ctx.b;
    let d = ctx.policy.lw_discretion;
    let structural_share = if lw.caseload > 0 { lw.held_structural as f64 / lw.caseload as f64 } else { 0.0 };
    let target = logistic(
        b.satisfaction_intercept
            + b.satisfaction_discretion * d
            + b.satisfaction_connections * lw.connections_week as f64
            + b.satisfaction_appreciation * (lw.embeddedness as f64 + w.gp_buy_in) / 2.0
            + b.satisfaction_overwhelm * d * (1.0 - w.supervision)
            + b.satisfaction_structural * structural_share
            + b.satisfaction_burnout * lw.burnout as f64,
    );
    let s = lw.satisfaction as f64;
    lw.satisfaction = (s + b.satisfaction_adjust * (target - s)).clamp(0.0, 1.0) as f32;
}

/// R15: embeddedness grows with time in post, faster with GP buy-in and co-location,
/// slower the more practices a link worker serves (001 Table 4; 002; 004).
pub fn update_embeddedness(ctx: &Ctx, lw: &mut LinkWorker, gp_buy_in: f64, practices: u32) {
    let b = ctx.b;
    let colocated = if lw.employer == Employment::Pcn { 1.0 } else { 0.0 };
    let drive = b.embeddedness_growth
        * (1.0 + b.embeddedness_buy_in * gp_buy_in + b.embeddedness_colocation * colocated)
        / (1.0 + b.embeddedness_practices_drag * practices.saturating_sub(1) as f64);
    let e = lw.embeddedness as f64;
    lw.embeddedness = (e + drive * (1.0 - e)).clamp(0.0, 1.0) as f32;
}

/// Embeddedness band (R15): bolted on < 0.33 ≤ fitting in < 0.66 ≤ belonging.
pub fn embeddedness_band(e: f64) -> &'static str {
    if e < 0.33 {
        "bolted_on"
    } else if e < 0.66 {
        "fitting_in"
    } else {
        "belonging"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Policy;
    use crate::rules::fixtures::{link_worker, with_policy, work as w};

    fn settle(policy: Policy, f: impl Fn(&mut LinkWorker), sup: f64) -> LinkWorker {
        with_policy(policy, |ctx| {
            let mut lw = link_worker(10.0, 20.0);
            f(&mut lw);
            for _ in 0..2000 {
                update_burnout(ctx, &mut lw, w(sup));
                update_satisfaction(ctx, &mut lw, w(sup));
            }
            lw
        })
    }

    #[test]
    fn burnout_rises_with_held_complexity_overload_and_isolation_and_falls_with_supervision() {
        let calm = settle(Policy::default(), |_| {}, 0.5);
        let heavy = settle(Policy::default(), |l| l.held_complexity = 10.0, 0.5);
        let over = settle(Policy::default(), |l| l.overload = 0.5, 0.5);
        let pressed = settle(Policy::default(), |l| l.target_pressure = 0.5, 0.5);
        let alone = settle(Policy { peer_support: 0.0, ..Policy::default() }, |l| l.embeddedness = 0.0, 0.5);
        let unsupervised = settle(Policy::default(), |_| {}, 0.0);
        for (name, x) in [
            ("held", &heavy),
            ("overload", &over),
            ("target pressure", &pressed),
            ("isolation", &alone),
            ("no supervision", &unsupervised),
        ] {
            assert!(x.burnout > calm.burnout, "{name}: {} vs {}", x.burnout, calm.burnout);
        }
        assert!((0.0..=1.0).contains(&heavy.burnout));
        let funded = settle(Policy::default(), |l| l.funding_uncertainty = 1.0, 0.5);
        assert!(funded.burnout > calm.burnout);
    }

    #[test]
    fn satisfaction_falls_with_discretion_without_support_and_burnout() {
        let supported = settle(Policy { lw_discretion: 0.9, ..Policy::default() }, |_| {}, 0.9);
        let unsupported = settle(Policy { lw_discretion: 0.9, ..Policy::default() }, |_| {}, 0.0);
        assert!(supported.satisfaction > unsupported.satisfaction + 0.1);
        with_policy(Policy::default(), |ctx| {
            let mut a = link_worker(0.0, 20.0);
            let mut b = link_worker(0.0, 20.0);
            b.burnout = 0.9;
            a.connections_week = 3;
            for _ in 0..500 {
                update_satisfaction(ctx, &mut a, w(0.5));
                update_satisfaction(ctx, &mut b, w(0.5));
            }
            assert!(a.satisfaction > b.satisfaction);
        });
    }

    #[test]
    fn embeddedness_grows_slower_with_more_practices_and_when_hosted() {
        with_policy(Policy::default(), |ctx| {
            let grow = |practices, employer| {
                let mut lw = link_worker(0.0, 20.0);
                lw.embeddedness = 0.1;
                lw.employer = employer;
                for _ in 0..52 {
                    update_embeddedness(ctx, &mut lw, 0.5, practices);
                }
                lw.embeddedness
            };
            assert!(grow(1, Employment::Pcn) > grow(8, Employment::Pcn));
            assert!(grow(3, Employment::Pcn) > grow(3, Employment::Vcse));
            assert!(grow(3, Employment::Pcn) > 0.1 && grow(3, Employment::Pcn) < 1.0);
        });
        assert_eq!(embeddedness_band(0.2), "bolted_on");
        assert_eq!(embeddedness_band(0.5), "fitting_in");
        assert_eq!(embeddedness_band(0.8), "belonging");
    }

    #[test]
    fn isolation_falls_with_colleagues_peer_support_and_a_host_team() {
        with_policy(Policy { peer_support: 0.0, ..Policy::default() }, |ctx| {
            let alone = link_worker(0.0, 20.0);
            assert!(isolation(ctx, &alone, 0.0) > isolation(ctx, &alone, 2.0));
            let mut hosted = alone.clone();
            hosted.employer = Employment::Vcse;
            assert!(isolation(ctx, &hosted, 0.0) < isolation(ctx, &alone, 0.0));
        });
        with_policy(Policy { peer_support: 1.0, ..Policy::default() }, |ctx| {
            assert_eq!(isolation(ctx, &link_worker(0.0, 20.0), 0.0), 0.0);
        });
    }
}
