//! The link worker workforce: R11 community work and knowledge, R12 caseload target
//! (intake pace, overload and coping), R13 burnout, R14 satisfaction, R15 embeddedness and
//! employment model, R16 intention to leave and turnover, R17 link worker funding, R19
//! supervision and training.
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
    let cap = pace * ctx.b.intake_carry_weeks.max(1.0);
    lw.intake_credit = (lw.intake_credit as f64 + pace).min(cap) as f32;
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
    let hosted = if lw.employer == Employment::Vcse { b.vcse_host_discovery_multiplier } else { 1.0 };
    let p_discover = 1.0 - (-b.community_discovery_per_hour * hosted * hours).exp();
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

/// R17: perceived job insecurity, 0–1: the real risk of a cut (1 − renewal probability)
/// × `insecurity_risk_scale`, capped at 1, felt at `insecurity_floor` outside the window
/// before the contract end and rising to full strength at the end (000 1.3).
pub fn perceived_insecurity(ctx: &Ctx, weeks_left: u32) -> f64 {
    let b = ctx.b;
    let risk = ((1.0 - ctx.funding.lw_renewal_probability) * b.insecurity_risk_scale).min(1.0);
    let window = ctx.funding.lw_uncertainty_window_weeks;
    let nearness = if window > 0 && weeks_left <= window { 1.0 - weeks_left as f64 / window as f64 } else { 0.0 };
    risk * (b.insecurity_floor + (1.0 - b.insecurity_floor) * nearness)
}

/// R17: perceived insecurity through the contract; at the end the contract is renewed with
/// the scenario probability, else the post is cut (000 1.3).
pub fn update_funding(rng: &mut ChaCha8Rng, ctx: &Ctx, lw: &mut LinkWorker) -> FundingEvent {
    let f = ctx.funding;
    let week = ctx.week;
    if week >= lw.contract_end_week {
        if rng.random::<f64>() < f.lw_renewal_probability {
            lw.contract_end_week = week + contract_weeks(ctx);
            lw.funding_uncertainty = perceived_insecurity(ctx, lw.contract_end_week - week) as f32;
            return FundingEvent::Renewed;
        }
        lw.funding_uncertainty = 0.0;
        return FundingEvent::Cut;
    }
    lw.funding_uncertainty = perceived_insecurity(ctx, lw.contract_end_week - week) as f32;
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
    use crate::rules::fixtures::{link_worker, with_params, with_policy};
    use crate::world::rng::{Stream, stream};
    use crate::world::{Need, PLACEMENT_RING};

    /// Probability of leaving within a year at a weekly hazard.
    fn annual_leave_probability(weekly_hazard: f64) -> f64 {
        1.0 - (1.0 - weekly_hazard).powi(52)
    }

    fn w(supervision: f64) -> WorkContext {
        WorkContext { supervision, gp_buy_in: 0.5, colleagues: 1.0 }
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

    #[test]
    fn perceived_insecurity_scales_with_the_real_risk_of_a_cut_and_nears_with_the_end() {
        let at = |renewal: f64, weeks_left: u32| {
            let funding = crate::params::Funding { lw_renewal_probability: renewal, ..Default::default() };
            with_params(Policy::default(), funding, |ctx| perceived_insecurity(ctx, weeks_left))
        };
        assert_eq!(at(1.0, 1), 0.0, "a post that is always renewed is secure");
        assert!(
            at(0.5, 100) > at(0.95, 100) && at(0.95, 100) > 0.0,
            "riskier posts feel less secure, even far from the end"
        );
        assert!(at(0.9, 2) > at(0.9, 20) && at(0.9, 20) > at(0.9, 100), "insecurity grows as the end nears");
    }

    #[test]
    fn supervision_has_diminishing_returns_to_frequency() {
        let eff = |interval: u32| {
            Policy { supervision_interval_weeks: interval, supervision_quality: 1.0, ..Policy::default() }
                .effective_supervision(crate::params::Behaviour::default().supervision_saturation_weeks)
        };
        assert_eq!(eff(0), 0.0);
        let (w1, w2, w4, w8) = (eff(1), eff(2), eff(4), eff(8));
        assert!(w1 > w2 && w2 > w4 && w4 > w8 && w8 > 0.0, "{w1} {w2} {w4} {w8}");
        assert!(w1 - w2 < w2 - w4 && w2 - w4 < w4 - w8 + 0.2, "each halving of the interval adds less");
        assert!(w1 <= 1.0);
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

    #[test]
    fn funding_uncertainty_builds_in_the_window_then_renewal_or_cut() {
        let mut rng = stream(1, 0, 0, Stream::Service);
        let run = |prob: f64, rng: &mut ChaCha8Rng| {
            let funding = crate::params::Funding { lw_renewal_probability: prob, ..Default::default() };
            let (policy, b) = (Policy::default(), crate::params::Behaviour::default());
            let tables = crate::rules::Tables::new(&b, &policy);
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
        let (seen, _) = run(0.8, &mut rng);
        assert!(seen[0].1 > 0.0, "some insecurity before the window when cuts are possible");
        assert!(seen[35].1 > seen[20].1 && seen[20].1 > seen[0].1, "insecurity rises toward the end");
        let (seen, lw) = run(1.0, &mut rng);
        assert!(seen.iter().all(|s| s.1 == 0.0), "no insecurity when renewal is certain");
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
                    queued: 0,
                    grant_end_week: 1000,
                    ends: Box::new([0; PLACEMENT_RING]),
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
