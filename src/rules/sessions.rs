//! R6 Sessions and connection-with, and R9 medical needs and GP use.
//!
//! R6: each week a link worker spends session hours on the caseload: hours × (1 −
//! community share − admin) minus supervision, training and the overhead of serving
//! several practices, reduced by burnout. A session raises trust (by skill and
//! continuity), hope (options exist, 001 Table 11) and lets readiness grow, faster when
//! held (001 Table 8). Readiness also takes random life shocks (003).
//!
//! R9: while engaged, non-medical GP use falls with trust (a trusted alternative, 001
//! Table 11); a hidden medical need can surface in a session and the link worker
//! arranges a GP appointment (advocacy). Both flows are counted separately.

use rand::RngExt;
use rand::rngs::ChaCha8Rng;

use super::Ctx;
use crate::world::{LinkWorker, Patient, Stage, flag};

/// Hours of patient sessions a link worker can give per week (R6), with `community_share`
/// of hours kept for community work (R11, squeezed by target pressure in R12).
pub fn weekly_session_hours(ctx: &Ctx, lw: &LinkWorker, practices: u32, community_share: f64) -> f64 {
    hours_split(ctx, lw, practices, community_share).sessions
}

/// Where a link worker's contracted week goes before any patient is seen (R6): community
/// work (R11), administration, supervision and training (R19), travel between practices
/// (R15), hours lost to burnout (R13), and what is left for sessions. The fixed items are
/// counted only up to the hours left for them, so the parts add up to the contract.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HoursSplit {
    /// Contracted hours.
    pub contracted: f64,
    /// Community work.
    pub community: f64,
    /// Administration.
    pub admin: f64,
    /// Supervision.
    pub supervision: f64,
    /// Training.
    pub training: f64,
    /// Travel and overhead between practices.
    pub travel: f64,
    /// Lost to burnout.
    pub burnout_lost: f64,
    /// Left for sessions with patients.
    pub sessions: f64,
}

/// The split of `lw`'s week ([`HoursSplit`]); all zero for a post not in post.
pub fn hours_split(ctx: &Ctx, lw: &LinkWorker, practices: u32, community_share: f64) -> HoursSplit {
    if !lw.in_post {
        return HoursSplit::default();
    }
    let p = ctx.policy;
    let b = ctx.b;
    let hours = lw.hours as f64;
    let supervision =
        if p.supervision_interval_weeks == 0 { 0.0 } else { b.supervision_hours / p.supervision_interval_weeks as f64 };
    let training = p.training_days_per_year * 7.5 / 52.0;
    let overhead = b.practice_overhead_hours * practices.saturating_sub(1) as f64;
    let available = hours * (1.0 - community_share - b.admin_share) - supervision - training - overhead;
    let sessions = (available * (1.0 - lw.burnout as f64 * b.burnout_hours_impairment)).max(0.0);
    let mut left = hours;
    let mut take = |want: f64| {
        let got = want.clamp(0.0, left);
        left -= got;
        got
    };
    let community = take(hours * community_share);
    let admin = take(hours * b.admin_share);
    let (supervision, training, travel) = (take(supervision), take(training), take(overhead));
    debug_assert!((left - available.max(0.0)).abs() < 1e-6 * hours.max(1.0) || available < 0.0);
    HoursSplit {
        contracted: hours,
        community,
        admin,
        supervision,
        training,
        travel,
        burnout_lost: available.max(0.0) * lw.burnout as f64 * b.burnout_hours_impairment,
        sessions,
    }
}

/// Apply one session's effects on the patient (R6). `continuity` is 1 when the patient
/// has kept the same link worker; `options` is the share of the patient's fixable needs
/// for which the link worker knows an open service.
pub fn apply_session(ctx: &Ctx, p: &mut Patient, skill: f64, continuity: f64, options: f64) {
    let b = ctx.b;
    let trust = p.trust as f64;
    p.trust = (trust + b.trust_gain * skill * continuity * (1.0 - trust)) as f32;
    let hope = p.hope as f64;
    p.hope = (hope + b.hope_gain * options * (1.0 - hope)) as f32;
    let held = p.is_held();
    let mult = if held { b.held_readiness_multiplier } else { 1.0 };
    // "Connection with" drives readiness: growth rises with trust and with skill (003).
    let with =
        (1.0 + b.readiness_trust_effect * (p.trust as f64 - 0.5) + b.readiness_skill_effect * (skill - 0.5)).max(0.0);
    let r = p.readiness as f64;
    p.readiness = (r + b.readiness_growth * mult * with * (1.0 - r)).min(1.0) as f32;
    let c = p.capacity as f64;
    p.capacity = (c + b.capacity_growth * mult * (1.0 - c)).min(1.0) as f32;
    let w = p.wellbeing as f64;
    p.wellbeing = (w + b.session_wellbeing_gain * p.trust as f64 * (1.0 - w)) as f32;
    let se = p.self_efficacy as f64;
    p.self_efficacy = (se + b.session_self_efficacy_gain * p.readiness as f64 * (1.0 - se)) as f32;
    p.sessions = p.sessions.saturating_add(1);
    if held {
        p.anchor_sessions = p.anchor_sessions.saturating_add(1);
    }
}

/// Sessions that count toward the session limit (R10): active sessions only, unless the
/// policy counts anchor sessions while held too (R8).
pub fn counted_sessions(ctx: &Ctx, p: &Patient) -> u32 {
    if ctx.policy.held_sessions_count_toward_limit {
        p.sessions as u32
    } else {
        p.sessions.saturating_sub(p.anchor_sessions) as u32
    }
}

/// R6: probability that an engaged patient stops coming after a session, falling as
/// trust ("connection with") and readiness grow (003).
pub fn p_drift(ctx: &Ctx, p: &Patient) -> f64 {
    let b = ctx.b;
    super::logistic(b.drift_intercept + b.drift_trust * p.trust as f64 + b.drift_readiness * p.readiness as f64)
}

/// Life shocks (003: decline in physical health): each patient-week independently with
/// probability `shock_prob`. Drawn as the gap to the next shocked patient-week
/// (geometric), which has the same distribution as one draw per patient-week at a
/// fraction of the random numbers.
#[derive(Debug, Clone, Copy)]
pub struct Shocks {
    /// Patient-weeks to pass before the next shock.
    skip: u64,
    /// ln(1 − shock_prob); 0 when shocks cannot happen.
    ln_q: f64,
}

impl Shocks {
    /// Start a week's shocks.
    pub fn new(rng: &mut ChaCha8Rng, ctx: &Ctx) -> Self {
        let p = ctx.b.shock_prob;
        let ln_q = if p > 0.0 && p < 1.0 { (1.0 - p).ln() } else { 0.0 };
        let mut s = Shocks { skip: 0, ln_q };
        s.skip = if p >= 1.0 { 0 } else { s.gap(rng) };
        s
    }

    fn gap(&self, rng: &mut ChaCha8Rng) -> u64 {
        if self.ln_q == 0.0 {
            return u64::MAX;
        }
        let u: f64 = 1.0 - rng.random::<f64>();
        (u.ln() / self.ln_q).floor().min(u64::MAX as f64 / 2.0) as u64
    }

    /// The next patient-week: whether it has a shock, which then sets readiness and
    /// capacity back.
    pub fn apply(&mut self, rng: &mut ChaCha8Rng, ctx: &Ctx, p: &mut Patient) -> bool {
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        if ctx.b.shock_prob < 1.0 {
            self.skip = self.gap(rng);
        }
        let s = ctx.b.shock_size as f32;
        p.readiness = (p.readiness - s).max(0.0);
        p.capacity = (p.capacity - s * ctx.b.shock_capacity_share as f32).max(0.0);
        true
    }
}

/// Weekly natural recovery of well-being as the crisis fades (same in both arms).
pub fn natural_recovery(ctx: &Ctx, p: &mut Patient) {
    let r = ctx.b.wellbeing_recovery_per_week as f32;
    p.wellbeing += r * (p.wellbeing_pre - p.wellbeing);
}

/// Expected non-medical GP consultations this week for a patient on the pathway (R9):
/// the natural rate, reduced with trust while the patient has a link worker.
pub fn gp_rate_on_pathway(ctx: &Ctx, p: &Patient, k: u32) -> f64 {
    let natural = super::presentation::natural_gp_rate(p, k, &ctx.tables.crisis_decay);
    match p.stage {
        Stage::Engaged | Stage::Held | Stage::Queued | Stage::Tapering => {
            natural * (1.0 - ctx.b.gp_engaged_reduction * p.trust as f64)
        }
        Stage::Waiting | Stage::Relapsing | Stage::Done => natural,
    }
}

/// R9: a hidden medical need surfaces in a session with probability rising with trust;
/// the link worker then arranges a GP appointment. Returns whether it surfaced.
pub fn medical_need_surfaces(rng: &mut ChaCha8Rng, ctx: &Ctx, p: &mut Patient) -> bool {
    if !p.has(flag::HIDDEN_MEDICAL) {
        return false;
    }
    if rng.random::<f64>() < ctx.b.medical_surface_prob * p.trust as f64 {
        p.flags &= !flag::HIDDEN_MEDICAL;
        p.gp_medical = p.gp_medical.saturating_add(1);
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Policy;
    use crate::rules::fixtures::{link_worker, patient, with_policy};
    use crate::world::rng::{Stream, stream};

    #[test]
    fn community_time_practices_and_burnout_reduce_session_hours() {
        with_policy(Policy::default(), |c| {
            let lw = link_worker(0.0, 0.0);
            let base = weekly_session_hours(c, &lw, 1, 0.15);
            assert!(weekly_session_hours(c, &lw, 1, 0.4) < base);
            assert!(weekly_session_hours(c, &lw, 8, 0.15) < base);
            let mut tired = link_worker(0.0, 0.0);
            tired.burnout = 0.8;
            assert!(weekly_session_hours(c, &tired, 1, 0.15) < base);
            let mut vacant = link_worker(0.0, 0.0);
            vacant.in_post = false;
            assert_eq!(weekly_session_hours(c, &vacant, 1, 0.15), 0.0);
        });
    }

    #[test]
    fn sessions_build_trust_hope_readiness_within_bounds_and_holding_speeds_readiness() {
        with_policy(Policy::default(), |ctx| {
            let mut p = patient(5);
            p.stage = Stage::Engaged;
            let (t0, r0) = (p.trust, p.readiness);
            for _ in 0..50 {
                apply_session(ctx, &mut p, 0.8, 1.0, 1.0);
            }
            assert!(p.trust > t0 && p.readiness > r0 && p.trust <= 1.0 && p.readiness <= 1.0);
            let mut engaged = patient(5);
            engaged.stage = Stage::Engaged;
            let mut held = engaged.clone();
            held.stage = Stage::Held;
            apply_session(ctx, &mut engaged, 0.5, 1.0, 0.5);
            apply_session(ctx, &mut held, 0.5, 1.0, 0.5);
            assert!(held.readiness > engaged.readiness);
            // Skill and continuity both drive trust.
            let mut a = patient(5);
            let mut b = patient(5);
            apply_session(ctx, &mut a, 0.9, 1.0, 0.5);
            apply_session(ctx, &mut b, 0.9, 0.3, 0.5);
            assert!(a.trust > b.trust);
        });
    }

    #[test]
    fn readiness_grows_faster_with_trust_and_skill() {
        with_policy(Policy::default(), |ctx| {
            let grow = |trust: f32, skill: f64| {
                let mut p = patient(5);
                p.stage = Stage::Engaged;
                p.trust = trust;
                p.readiness = 0.3;
                apply_session(ctx, &mut p, skill, 1.0, 0.5);
                p.readiness
            };
            assert!(grow(0.9, 0.5) > grow(0.1, 0.5));
            assert!(grow(0.5, 0.9) > grow(0.5, 0.1));
        });
    }

    #[test]
    fn life_shocks_hit_the_configured_share_of_patient_weeks_and_set_readiness_back() {
        with_policy(Policy::default(), |ctx| {
            let mut rng = stream(3, 0, 0, Stream::Service);
            let mut p = patient(5);
            let (mut hits, n) = (0u32, 200_000u32);
            for _ in 0..n / 100 {
                let mut shocks = Shocks::new(&mut rng, ctx);
                for _ in 0..100 {
                    p.readiness = 0.5;
                    if shocks.apply(&mut rng, ctx, &mut p) {
                        hits += 1;
                        assert!(p.readiness < 0.5);
                    } else {
                        assert_eq!(p.readiness, 0.5);
                    }
                }
            }
            let share = hits as f64 / n as f64;
            assert!((share - ctx.b.shock_prob).abs() < 0.002, "{share}");
        });
    }

    #[test]
    fn patients_drift_away_less_as_trust_and_readiness_grow() {
        with_policy(Policy::default(), |ctx| {
            let mut p = patient(5);
            p.trust = 0.1;
            p.readiness = 0.3;
            let early = p_drift(ctx, &p);
            p.trust = 0.8;
            let trusted = p_drift(ctx, &p);
            p.readiness = 0.9;
            assert!(early > trusted && trusted > p_drift(ctx, &p));
        });
    }

    #[test]
    fn engagement_lowers_non_medical_gp_use_with_trust() {
        with_policy(Policy::default(), |ctx| {
            let mut p = patient(5);
            p.stage = Stage::Waiting;
            let waiting = gp_rate_on_pathway(ctx, &p, 3);
            p.stage = Stage::Engaged;
            p.trust = 0.9;
            assert!(gp_rate_on_pathway(ctx, &p, 3) < waiting);
        });
    }

    #[test]
    fn hidden_medical_need_surfaces_once_and_only_when_present() {
        with_policy(Policy::default(), |ctx| {
            let mut rng = stream(9, 0, 0, Stream::Service);
            let mut p = patient(5);
            p.flags = flag::HIDDEN_MEDICAL;
            p.trust = 1.0;
            let surfaced = (0..200).filter(|_| medical_need_surfaces(&mut rng, ctx, &mut p)).count();
            assert_eq!(surfaced, 1);
            assert_eq!(p.gp_medical, 1);
            let mut q = patient(5);
            q.flags = 0;
            q.trust = 1.0;
            assert!(!(0..200).any(|_| medical_need_surfaces(&mut rng, ctx, &mut q)));
        });
    }
}
