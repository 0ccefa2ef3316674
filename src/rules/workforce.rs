//! The link worker workforce: R11 community work and knowledge, R12 caseload-target
//! pressure, R13 burnout, R14 satisfaction, R15 embeddedness, R16 turnover, R17 link
//! worker funding, R19 supervision and training.
//!
//! Functions here take one link worker and the context, and change only that link
//! worker (and, for R11, read the region's organisations). The step applies them once a
//! week after sessions, and handles what a departure does to patients.

use rand::RngExt;
use rand::rngs::ChaCha8Rng;

use super::{Ctx, logistic};
use crate::params::Employment;
use crate::world::{LinkWorker, VcseOrg};

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

/// R11/R12: community time share after target pressure squeezes it (community time goes first).
pub fn community_share(ctx: &Ctx, pressure: f64) -> f64 {
    ctx.policy.community_time_share * (1.0 - ctx.b.pressure_community_squeeze * pressure).clamp(0.0, 1.0)
}

/// R12: the session limit a pressured link worker actually works to (shorter engagements).
pub fn session_limit(ctx: &Ctx, pressure: f64) -> u32 {
    let cut = (1.0 - ctx.b.pressure_session_cut * pressure).clamp(0.0, 1.0);
    ((ctx.policy.max_sessions as f64 * cut).round() as u32).max(1)
}

/// R8/R12: the readiness estimate below which a pressured link worker still holds.
pub fn hold_threshold(ctx: &Ctx, pressure: f64) -> f64 {
    ctx.b.hold_readiness_threshold * (1.0 - ctx.b.pressure_hold_squeeze * pressure).clamp(0.0, 1.0)
}

/// R11: a week of community work. Discovering an organisation and learning more about
/// known ones both scale with community hours; knowledge decays without it. Returns
/// whether a new organisation was discovered.
pub fn community_work(rng: &mut ChaCha8Rng, ctx: &Ctx, lw: &mut LinkWorker, orgs: &[VcseOrg], hours: f64) -> bool {
    let b = ctx.b;
    let decay = b.knowledge_decay_per_week as f32;
    let mut known = 0usize;
    for (k, org) in lw.knowledge.iter_mut().zip(orgs) {
        if *k > 0.0 {
            *k = (*k * (1.0 - decay)).max(0.01);
            if org.open {
                known += 1;
            }
        }
    }
    if known > 0 && hours > 0.0 {
        let gain = (b.community_learning_per_hour * hours / known as f64) as f32;
        for (k, org) in lw.knowledge.iter_mut().zip(orgs) {
            if *k > 0.0 && org.open {
                *k += gain.min(1.0) * (1.0 - *k);
            }
        }
    }
    let p_discover = 1.0 - (-b.community_discovery_per_hour * hours).exp();
    if hours > 0.0 && rng.random::<f64>() < p_discover {
        let unknown = lw.knowledge.iter().zip(orgs).filter(|(k, o)| **k <= 0.0 && o.open).count();
        if unknown > 0 {
            let pick = rng.random_range(0..unknown);
            let slot =
                lw.knowledge.iter_mut().zip(orgs).filter(|(k, o)| **k <= 0.0 && o.open).nth(pick).map(|(k, _)| k);
            if let Some(k) = slot {
                *k = b.knowledge_new_quality as f32;
                return true;
            }
        }
    }
    false
}

/// Inputs to the weekly burnout and satisfaction updates that come from outside the LW.
#[derive(Debug, Clone, Copy)]
pub struct WorkContext {
    /// Effective supervision, 0–1.
    pub supervision: f64,
    /// GP buy-in of the region.
    pub gp_buy_in: f64,
}

/// The main source of a link worker's stress in a week (R13), for the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stress {
    /// Complexity of held patients.
    Held,
    /// Committed hours beyond session hours.
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
/// supervision, peer support). Returns the main source of stress.
pub fn update_burnout(ctx: &Ctx, lw: &mut LinkWorker, w: WorkContext) -> Stress {
    let b = ctx.b;
    let overload =
        if lw.session_hours > 0.0 { (lw.committed_hours as f64 / lw.session_hours as f64 - 1.0).max(0.0) } else { 0.0 };
    let parts = [
        (Stress::Held, b.burnout_held_complexity * lw.held_complexity as f64),
        (Stress::Overload, b.burnout_overload * overload),
        (Stress::Target, b.burnout_target_pressure * lw.pressure as f64),
        (Stress::Isolation, b.burnout_isolation * (1.0 - ctx.policy.peer_support) * (1.0 - lw.embeddedness as f64)),
        (Stress::Funding, b.burnout_funding * lw.funding_uncertainty as f64),
        (Stress::Disillusion, b.burnout_disillusion * lw.disillusion_week as f64),
    ];
    let stress: f64 = parts.iter().map(|p| p.1).sum();
    let main = parts.iter().fold(parts[0], |m, p| if p.1 > m.1 { *p } else { m }).0;
    let recovery = b.burnout_recovery_base
        + b.burnout_recovery_supervision * w.supervision
        + b.burnout_recovery_peer * ctx.policy.peer_support;
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

/// Why a link worker leaves (R16): the largest term of the hazard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveReason {
    /// Burnout dominates.
    Burnout,
    /// Dissatisfaction (including lack of supervision) dominates.
    Dissatisfaction,
    /// Funding uncertainty dominates.
    Funding,
}

/// R16: weekly hazard of leaving, rising with burnout, low satisfaction, funding
/// uncertainty and lack of supervision; with the dominant reason.
pub fn leave_hazard(ctx: &Ctx, lw: &LinkWorker, supervision: f64) -> (f64, LeaveReason) {
    let b = ctx.b;
    let burn = b.leave_burnout * lw.burnout as f64;
    let dissat =
        b.leave_dissatisfaction * (1.0 - lw.satisfaction as f64) + b.leave_no_supervision * (1.0 - supervision);
    let fund = b.leave_funding * lw.funding_uncertainty as f64;
    let hazard = b.leave_base_per_week * (burn + dissat + fund).exp();
    let reason = if burn >= dissat && burn >= fund {
        LeaveReason::Burnout
    } else if dissat >= fund {
        LeaveReason::Dissatisfaction
    } else {
        LeaveReason::Funding
    };
    (hazard.min(1.0), reason)
}

/// Probability of leaving within a year at a weekly hazard.
pub fn annual_leave_probability(weekly_hazard: f64) -> f64 {
    1.0 - (-52.0 * weekly_hazard).exp()
}

/// What happened to a post's funding this week (R17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundingEvent {
    /// Nothing decided this week.
    None,
    /// The contract was renewed.
    Renewed,
    /// The contract ended without renewal: the post is cut.
    Cut,
}

/// R17: funding uncertainty rises through the window before the contract end; at the end
/// the contract is renewed with the scenario probability, else the post is cut (000 1.3).
pub fn update_funding(rng: &mut ChaCha8Rng, ctx: &Ctx, lw: &mut LinkWorker) -> FundingEvent {
    let f = ctx.funding;
    let week = ctx.week;
    if week >= lw.contract_end_week {
        lw.funding_uncertainty = 0.0;
        if rng.random::<f64>() < f.lw_renewal_probability {
            lw.contract_end_week = week + contract_weeks(ctx);
            return FundingEvent::Renewed;
        }
        return FundingEvent::Cut;
    }
    let left = lw.contract_end_week - week;
    let window = f.lw_uncertainty_window_weeks;
    lw.funding_uncertainty = if window > 0 && left <= window { 1.0 - left as f32 / window as f32 } else { 0.0 };
    FundingEvent::None
}

/// Length of a link worker contract in weeks.
pub fn contract_weeks(ctx: &Ctx) -> u32 {
    (ctx.funding.lw_contract_years * 52.0).round().max(1.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Policy;
    use crate::rules::fixtures::{link_worker, with_policy};
    use crate::world::rng::{Stream, stream};
    use crate::world::{Need, PLACEMENT_RING};

    fn w(supervision: f64) -> WorkContext {
        WorkContext { supervision, gp_buy_in: 0.5 }
    }

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
    fn burnout_rises_with_held_complexity_overload_and_isolation_and_falls_with_supervision() {
        let calm = settle(Policy::default(), |_| {}, 0.5);
        let heavy = settle(Policy::default(), |l| l.held_complexity = 10.0, 0.5);
        let over = settle(Policy::default(), |l| l.committed_hours = 30.0, 0.5);
        let pressed = settle(Policy::default(), |l| l.pressure = 0.5, 0.5);
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
    fn leaving_rises_with_burnout_dissatisfaction_funding_and_no_supervision() {
        with_policy(Policy::default(), |ctx| {
            let base = link_worker(0.0, 20.0);
            let h0 = leave_hazard(ctx, &base, 0.5).0;
            let mut burnt = base.clone();
            burnt.burnout = 0.9;
            assert_eq!(leave_hazard(ctx, &burnt, 0.5).1, LeaveReason::Burnout);
            assert!(leave_hazard(ctx, &burnt, 0.5).0 > h0);
            let mut unfunded = base.clone();
            unfunded.funding_uncertainty = 1.0;
            unfunded.satisfaction = 0.9;
            assert!(leave_hazard(ctx, &unfunded, 0.5).0 > h0);
            assert_eq!(leave_hazard(ctx, &unfunded, 1.0).1, LeaveReason::Funding);
            assert!(leave_hazard(ctx, &base, 0.0).0 > h0);
            assert!(annual_leave_probability(0.01) > annual_leave_probability(0.001));
        });
    }

    #[test]
    fn funding_uncertainty_builds_in_the_window_then_renewal_or_cut() {
        let mut rng = stream(1, 0, 0, Stream::Service);
        let run = |prob: f64, rng: &mut ChaCha8Rng| {
            let funding = crate::params::Funding { lw_renewal_probability: prob, ..Default::default() };
            let (policy, b) = (Policy::default(), crate::params::Behaviour::default());
            let tables = crate::rules::Tables::new(&b);
            let mut lw = link_worker(0.0, 20.0);
            lw.contract_end_week = 100;
            let mut seen = Vec::new();
            for week in 60..=100 {
                let ctx = Ctx {
                    policy: &policy,
                    funding: &funding,
                    b: &b,
                    week,
                    report_from: 0,
                    counterfactual: true,
                    tables: &tables,
                };
                seen.push((update_funding(rng, &ctx, &mut lw), lw.funding_uncertainty));
            }
            (seen, lw)
        };
        let (seen, lw) = run(1.0, &mut rng);
        assert_eq!(seen[0].1, 0.0, "no uncertainty before the window");
        assert!(seen[35].1 > seen[20].1 && seen[35].1 > 0.5, "uncertainty rises toward the end");
        assert_eq!(seen.last().unwrap().0, FundingEvent::Renewed);
        assert!(lw.contract_end_week > 100);
        let (seen, _) = run(0.0, &mut rng);
        assert_eq!(seen.last().unwrap().0, FundingEvent::Cut);
    }

    #[test]
    fn community_time_discovers_organisations_and_knowledge_decays_without_it() {
        with_policy(Policy::default(), |ctx| {
            let orgs: Vec<VcseOrg> = (0..10)
                .map(|_| VcseOrg {
                    category: Need::Isolation,
                    capacity: 10,
                    users: 0,
                    buy_in: 1.0,
                    open: true,
                    background: 0,
                    grant_end_week: 1000,
                    ends: [0; PLACEMENT_RING],
                })
                .collect();
            let mut rng = stream(4, 0, 0, Stream::Service);
            let mut busy = link_worker(0.0, 20.0);
            busy.knowledge = vec![0.0; 10];
            busy.knowledge[0] = 0.5;
            let mut idle = busy.clone();
            for _ in 0..52 {
                community_work(&mut rng, ctx, &mut busy, &orgs, 6.0);
                community_work(&mut rng, ctx, &mut idle, &orgs, 0.0);
            }
            let known = |l: &LinkWorker| l.knowledge.iter().filter(|k| **k > 0.0).count();
            assert!(known(&busy) > known(&idle));
            assert!(busy.knowledge[0] > 0.5 && idle.knowledge[0] < 0.5);
        });
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
