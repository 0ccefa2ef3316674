//! R7 Connection-to (readiness, capacity, open doors) and R8 Holding.
//!
//! R7: the link worker judges readiness with noise that shrinks with skill and
//! supervision; proposing to a patient who is not actually ready risks disengagement
//! (003 "putting pressure on … I'd probably have just left it"). Success needs
//! readiness, capacity, and a matching open VCSE organisation the link worker knows and
//! that has room (000 1.2 "open doors, open now"); no suitable service disillusions both.
//!
//! R8: a patient whose readiness or capacity is low, or whose needs are structural, is
//! held: kept on caseload with anchor sessions and no push (001 Paper 1; 004); so is a
//! ready patient waiting for services (no open door, or a VCSE waiting list: the first
//! function of holding, 001 Paper 1), see `pathway::hold_while_waiting`.

use rand::RngExt;
use rand::rngs::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::{Ctx, logistic};
use crate::world::{OrgId, Patient, VcseOrg};

/// Standard deviation of the link worker's readiness estimate (R7, R19).
pub fn judgement_noise(ctx: &Ctx, skill: f64) -> f64 {
    let b = ctx.b;
    b.readiness_noise_sd * (1.0 - b.noise_skill_effect * skill) * (1.0 - b.noise_supervision_effect * ctx.supervision())
}

/// The link worker's noisy estimate of the patient's readiness.
pub fn estimate_readiness(rng: &mut ChaCha8Rng, ctx: &Ctx, p: &Patient, skill: f64) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    p.readiness as f64 + judgement_noise(ctx, skill) * z
}

/// What the link worker decides after a session with an engaged patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// Keep working (anchoring, building trust).
    Continue,
    /// Hold: readiness or capacity too low, or needs structural (R8).
    Hold,
    /// Propose VCSE support (R7).
    Propose,
}

/// R7/R8 decision from the estimate; `hold_threshold` is the readiness estimate below
/// which the link worker holds (lowered by target pressure, R12).
pub fn judge(ctx: &Ctx, p: &Patient, estimate: f64, hold_threshold: f64) -> Judgement {
    let b = ctx.b;
    if p.only_structural() || estimate < hold_threshold || super::holding::low_capacity(ctx, p) {
        Judgement::Hold
    } else if p.sessions as u32 >= b.min_sessions_before_proposal && estimate >= proposal_threshold(ctx) {
        Judgement::Propose
    } else {
        Judgement::Continue
    }
}

/// The readiness estimate at which the link worker proposes VCSE support (R7): discretion
/// lets a link worker wait until confident (micro-discretion, 001 Paper 2).
pub fn proposal_threshold(ctx: &Ctx) -> f64 {
    let b = ctx.b;
    (b.proposal_threshold + b.discretion_proposal_margin * (ctx.policy.lw_discretion - 0.5)).clamp(0.0, 1.0)
}

/// Probability that a patient pushed before being ready disengages (R7): proportional
/// to the readiness shortfall; zero when actually ready.
pub fn p_disengage_when_pushed(ctx: &Ctx, p: &Patient) -> f64 {
    let shortfall = (ctx.b.readiness_needed - p.readiness as f64).max(0.0);
    (ctx.b.push_disengage * shortfall).min(1.0)
}

/// Probability a ready patient takes up the proposed support, by readiness, capacity and
/// how well the link worker knows the organisation (a warm handover, R11).
pub fn p_take_up(ctx: &Ctx, p: &Patient, knowledge: f64) -> f64 {
    let b = ctx.b;
    logistic(
        b.connect_intercept
            + b.connect_readiness * p.readiness as f64
            + b.connect_capacity * p.capacity as f64
            + b.connect_knowledge * knowledge,
    )
}

/// Result of looking for a service for a patient's needs among what the LW knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceSearch {
    /// An open, known, matching organisation with a free place (best known first).
    Found(OrgId),
    /// Known matching organisations exist but all are full; the best known of them
    /// (which may still take the patient onto its waiting list, R18).
    AllFull(OrgId),
    /// No known open organisation matches any fixable need.
    NoneSuitable,
}

/// Search the organisations the link worker knows, best known first (`ranked`, from
/// [`rank_known`]), for one that fits: the best known matching organisation with room,
/// else the best known matching one that is full (R7, R11: knowledge of a closed
/// organisation is useless).
pub fn find_service(ranked: &[u16], orgs: &[VcseOrg], needs: u8) -> ServiceSearch {
    let mut best_full = None;
    for &i in ranked {
        let org = &orgs[i as usize];
        if needs & org.category.bit() == 0 {
            continue;
        }
        if !super::vcse::is_full(org) {
            return ServiceSearch::Found(OrgId(i));
        }
        best_full.get_or_insert(OrgId(i));
    }
    best_full.map_or(ServiceSearch::NoneSuitable, ServiceSearch::AllFull)
}

/// Rank the open organisations a link worker knows, best known first (ties: lowest index
/// first), into `ranked` (its allocation is reused), and return the needs they cover as a
/// bit set (R7, R11).
pub fn rank_known(knowledge: &[f32], orgs: &[VcseOrg], ranked: &mut Vec<u16>) -> u8 {
    ranked.clear();
    let mut covered = 0u8;
    for (i, (k, org)) in knowledge.iter().zip(orgs).enumerate() {
        if org.open && *k > 0.0 {
            covered |= org.category.bit();
            ranked.push(i as u16);
        }
    }
    ranked.sort_by(|a, b| knowledge[*b as usize].total_cmp(&knowledge[*a as usize]).then(a.cmp(b)));
    covered
}

/// Share of the patient's fixable needs for which the LW knows an open service (hope, R6),
/// from the link worker's known categories ([`rank_known`]).
pub fn options_share(known: u8, needs: u8) -> f64 {
    let total = bits(needs);
    if total == 0 {
        return 0.0;
    }
    bits(known & needs) as f64 / total as f64
}

/// Set bits of a byte, from a table: a session asks twice, and without a population-count
/// instruction in the baseline x86-64 target `count_ones` is a dozen instructions.
#[inline]
fn bits(x: u8) -> u32 {
    const TABLE: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = (i as u8).count_ones() as u8;
            i += 1;
        }
        t
    };
    TABLE[x as usize] as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Policy;
    use crate::rules::fixtures::{self, with_policy};
    use crate::world::{Need, PLACEMENT_RING, flag};

    fn patient() -> Patient {
        let mut p = fixtures::patient(5);
        p.flags = 0;
        p.needs = Need::Isolation.bit();
        p.capacity = 0.8;
        p.sessions = 3;
        p
    }

    fn known_categories(knowledge: &[f32], orgs: &[VcseOrg]) -> u8 {
        rank_known(knowledge, orgs, &mut Vec::new())
    }

    fn org(category: Need, capacity: u32, users: u32) -> VcseOrg {
        VcseOrg {
            category,
            capacity,
            users,
            buy_in: 1.0,
            open: true,
            background: 0,
            queued: 0,
            grant_end_week: u32::MAX,
            ends: Box::new([0; PLACEMENT_RING]),
        }
    }

    #[test]
    fn judgement_is_less_noisy_with_skill_and_supervision() {
        let none =
            with_policy(Policy { supervision_interval_weeks: 0, ..Policy::default() }, |c| judgement_noise(c, 0.2));
        let good =
            with_policy(Policy { supervision_quality: 1.0, supervision_interval_weeks: 2, ..Policy::default() }, |c| {
                judgement_noise(c, 0.9)
            });
        assert!(good < none * 0.6, "{good} vs {none}");
    }

    #[test]
    fn low_readiness_low_capacity_or_structural_needs_lead_to_holding() {
        with_policy(Policy::default(), |ctx| {
            let p = patient();
            assert_eq!(judge(ctx, &p, 0.9, ctx.b.hold_readiness_threshold), Judgement::Propose);
            assert_eq!(judge(ctx, &p, 0.1, ctx.b.hold_readiness_threshold), Judgement::Hold);
            let mut weak = patient();
            weak.capacity = 0.05;
            assert_eq!(judge(ctx, &weak, 0.9, ctx.b.hold_readiness_threshold), Judgement::Hold);
            let mut structural = patient();
            structural.needs = Need::Housing.bit();
            structural.flags = flag::STRUCTURAL;
            assert_eq!(judge(ctx, &structural, 0.9, ctx.b.hold_readiness_threshold), Judgement::Hold);
            let mut early = patient();
            early.sessions = 0;
            assert_eq!(judge(ctx, &early, 0.9, ctx.b.hold_readiness_threshold), Judgement::Continue);
        });
    }

    #[test]
    fn pushing_too_early_risks_disengagement_only_when_not_ready() {
        with_policy(Policy::default(), |ctx| {
            let mut p = patient();
            p.readiness = 0.9;
            assert_eq!(p_disengage_when_pushed(ctx, &p), 0.0);
            p.readiness = 0.2;
            let far = p_disengage_when_pushed(ctx, &p);
            p.readiness = 0.4;
            assert!(far > p_disengage_when_pushed(ctx, &p) && far > 0.0);
        });
    }

    #[test]
    fn take_up_rises_with_readiness_and_capacity() {
        with_policy(Policy::default(), |ctx| {
            let mut p = patient();
            p.readiness = 0.4;
            let lo = p_take_up(ctx, &p, 0.5);
            p.readiness = 0.9;
            let hi = p_take_up(ctx, &p, 0.5);
            p.capacity = 0.2;
            assert!(hi > lo && hi > p_take_up(ctx, &p, 0.5));
        });
    }

    #[test]
    fn services_must_be_known_open_matching_and_have_room() {
        let needs = Need::Isolation.bit();
        let orgs = vec![org(Need::Isolation, 5, 5), org(Need::Isolation, 5, 1), org(Need::Housing, 5, 0)];
        let find = |knowledge: &[f32], orgs: &[VcseOrg]| {
            let mut ranked = Vec::new();
            rank_known(knowledge, orgs, &mut ranked);
            find_service(&ranked, orgs, needs)
        };
        assert_eq!(find(&[1.0, 0.5, 1.0], &orgs), ServiceSearch::Found(OrgId(1)));
        assert_eq!(find(&[1.0, 0.0, 1.0], &orgs), ServiceSearch::AllFull(OrgId(0)));
        assert_eq!(find(&[0.0, 0.0, 1.0], &orgs), ServiceSearch::NoneSuitable);
        let mut closed = orgs.clone();
        closed[1].open = false;
        assert_eq!(find(&[0.0, 1.0, 1.0], &closed), ServiceSearch::NoneSuitable);
        let known = known_categories(&[1.0, 1.0, 1.0], &orgs);
        assert_eq!(known, Need::Isolation.bit() | Need::Housing.bit());
        assert_eq!(options_share(known, needs | Need::Financial.bit()), 0.5);
        assert_eq!(
            known_categories(&[0.0, 1.0, 1.0], &closed),
            Need::Housing.bit(),
            "closed organisations do not count"
        );
    }
}
