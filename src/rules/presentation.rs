//! R1 Presentation: who presents to a GP with non-medical needs, with which attributes,
//! and the crisis component of their GP use.
//!
//! 002: up to one in five GP consultations are non-medical; 000, 001 Paper 1, 003: more
//! complexity, more structural needs, lower capacity and readiness where deprivation is
//! high. People present at a crisis: non-medical GP use is a stable baseline plus a
//! crisis component that built up before presentation and decays afterwards whatever
//! happens next, which makes uncontrolled before/after comparisons look good.

use rand::RngExt;
use rand::SeedableRng;
use rand::rngs::{ChaCha8Rng, Xoshiro256PlusPlus};

use super::{gamma2, geometric_sum};
use crate::params::{Behaviour, Deprivation};
use crate::world::rng::{log_odds, logit_normal_at};
use crate::world::{LwId, Need, OrgId, Patient, Stage, flag};

/// Follow-up window for GP use before and after referral (docs/ODD.md §4).
pub const FOLLOW_UP_WEEKS: u32 = 26;

/// Expected new presentations per week in a region (R1).
pub fn expected_presentations(population: u32, deprivation: Deprivation, b: &Behaviour) -> f64 {
    let mult = match deprivation {
        Deprivation::Low => b.presentation_multiplier_low,
        Deprivation::Medium => 1.0,
        Deprivation::High => b.presentation_multiplier_high,
    };
    population as f64 * b.gp_consults_per_person_week * b.nonmedical_share * b.new_episode_share * mult
}

/// The log-odds of the attribute medians that depend only on deprivation (R1), by
/// [`Deprivation::level`] order (low, medium, high): computed once per behaviour table
/// ([`super::Tables`]) instead of once per draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Medians {
    complexity: [f64; 3],
    readiness: [f64; 3],
    capacity: [f64; 3],
}

impl Medians {
    /// The medians of a behaviour table.
    pub fn new(b: &Behaviour) -> Self {
        let at = |d: Deprivation, mean: f64, sign: f64| {
            let shift = d.level() * b.deprivation_shift;
            log_odds((mean + sign * shift).clamp(0.01, 0.99))
        };
        let by = |mean: f64, sign: f64| {
            [Deprivation::Low, Deprivation::Medium, Deprivation::High].map(|d| at(d, mean, sign))
        };
        Medians {
            complexity: by(b.complexity_mean, 1.0),
            readiness: by(b.readiness_mean, -1.0),
            capacity: by(b.capacity_mean, -1.0),
        }
    }
}

fn index(d: Deprivation) -> usize {
    match d {
        Deprivation::Low => 0,
        Deprivation::Medium => 1,
        Deprivation::High => 2,
    }
}

/// What the GP sees at presentation (enough for the referral decision, R2), and the seed
/// of the patient's own attribute stream.
#[derive(Debug, Clone, Copy)]
pub struct Presentation {
    /// 0–1 complexity.
    pub complexity: f64,
    /// Needs belong with statutory services.
    pub statutory: bool,
    /// Seed of the patient's attribute stream (used only if the patient is referred).
    pub seed: u64,
}

/// Draw a presentation from the arrivals stream. Always makes the same draws whatever
/// the service does, so the arrivals stream stays aligned across scenarios (common
/// random numbers); attributes only referred patients need come from a per-patient
/// stream seeded here, so unreferred presentations cost three draws.
pub fn draw_presentation(rng: &mut ChaCha8Rng, deprivation: Deprivation, b: &Behaviour, m: &Medians) -> Presentation {
    let complexity = logit_normal_at(rng, m.complexity[index(deprivation)], b.attribute_sd);
    let statutory = rng.random::<f64>() < b.statutory_need_prob;
    Presentation { complexity, statutory, seed: rng.random::<u64>() }
}

/// Draw presentation and full attributes in one go (tests and tools).
pub fn draw_patient(rng: &mut ChaCha8Rng, deprivation: Deprivation, b: &Behaviour, week: u32) -> Patient {
    let m = Medians::new(b);
    let pres = draw_presentation(rng, deprivation, b, &m);
    complete_patient(&pres, deprivation, b, &m, week)
}

/// The full attributes of a referred patient, from their own stream (R1).
pub fn complete_patient(
    pres: &Presentation,
    deprivation: Deprivation,
    b: &Behaviour,
    m: &Medians,
    week: u32,
) -> Patient {
    let rng = &mut Xoshiro256PlusPlus::seed_from_u64(pres.seed);
    let level = deprivation.level();
    let sd = b.attribute_sd;
    let complexity = pres.complexity;
    let readiness = logit_normal_at(rng, m.readiness[index(deprivation)], sd);
    let capacity = logit_normal_at(rng, m.capacity[index(deprivation)], sd);

    // 1–4 needs: one plus a binomial(3, complexity) (003 Table 3), drawn by weight
    // without replacement.
    let mut n_needs = 1;
    for _ in 0..3 {
        if rng.random::<f64>() < complexity {
            n_needs += 1;
        }
    }
    let mut needs = 0u8;
    let total: f64 = Need::WEIGHTS.iter().sum();
    while needs.count_ones() < n_needs {
        let mut u = rng.random::<f64>() * total;
        let mut pick = Need::ALL.len() - 1;
        for (i, w) in Need::WEIGHTS.iter().enumerate() {
            if u < *w {
                pick = i;
                break;
            }
            u -= w;
        }
        needs |= Need::ALL[pick].bit();
    }

    let structural_p = (b.structural_share + level * b.structural_deprivation_shift).clamp(0.0, 1.0);
    let money_or_housing = needs & (Need::Financial.bit() | Need::Housing.bit()) != 0;
    let mut flags = 0u16;
    if rng.random::<f64>() < structural_p && money_or_housing {
        flags |= flag::STRUCTURAL;
    }
    if rng.random::<f64>() < b.hidden_medical_prob {
        flags |= flag::HIDDEN_MEDICAL;
    }
    if pres.statutory {
        flags |= flag::STATUTORY;
    }

    let gp_base = gamma2(rng, b.gp_baseline_rate_mean);
    let crisis_peak = gamma2(rng, b.crisis_peak_mean) * (0.5 + complexity);
    let outcome_median = (b.outcome_baseline_mean - b.outcome_complexity_effect * complexity).clamp(0.02, 0.98);
    let outcome = log_odds(outcome_median);
    let hope = logit_normal_at(rng, outcome, sd * 0.5);
    let self_efficacy = logit_normal_at(rng, outcome, sd * 0.5);
    let wellbeing = logit_normal_at(rng, outcome, sd * 0.5);
    let social_capital = logit_normal_at(rng, log_odds((outcome_median - 0.05 * level).clamp(0.02, 0.98)), sd * 0.5);

    Patient {
        stage: Stage::Waiting,
        needs,
        flags,
        sessions: 0,
        anchor_sessions: 0,
        seen_year: u16::MAX,
        org: OrgId(0),
        taper_left: 0,
        lw: LwId::NONE,
        week_referred: week,
        week_waiting: week,
        next_week: week,
        held_since: 0,
        queued_since: 0,
        complexity: complexity as f32,
        readiness: readiness as f32,
        capacity: capacity as f32,
        trust: 0.0,
        hope: hope as f32,
        self_efficacy: self_efficacy as f32,
        wellbeing: wellbeing as f32,
        social_capital: social_capital as f32,
        wellbeing_pre: (wellbeing + b.wellbeing_crisis_dip).min(1.0) as f32,
        start: [wellbeing as f32, self_efficacy as f32, social_capital as f32],
        gp_base: gp_base as f32,
        crisis_peak: crisis_peak as f32,
        gp_after: 0.0,
        gp_medical: 0,
    }
}

/// Expected non-medical GP consultations in week `k` after referral (k ≥ 1), before any
/// effect of the service: baseline plus the decaying crisis component.
#[inline]
pub fn natural_gp_rate(p: &Patient, k: u32, decay: &[f64]) -> f64 {
    p.gp_base as f64 + p.crisis_peak as f64 * decay[k as usize]
}

/// The crisis sums behind the GP-use windows, computed once per run ([`super::Tables`]).
#[derive(Debug, Clone)]
pub struct CrisisSums {
    /// Σ_{k=1}^{26} q_rise^k, q_rise = exp(−1 / `crisis_rise_weeks`).
    pub before: f64,
    /// Σ_{k=k1}^{26} q_decay^k for k1 = 0..=26, q_decay = exp(−1 / `crisis_decay_weeks`).
    pub tail: [f64; FOLLOW_UP_WEEKS as usize + 1],
    /// Σ_{k=0}^{n} q_decay^k for n = 0..=26.
    pub head: [f64; FOLLOW_UP_WEEKS as usize + 1],
}

impl CrisisSums {
    /// The sums for a behaviour table.
    pub fn new(b: &Behaviour) -> Self {
        let rise = (-1.0 / b.crisis_rise_weeks).exp();
        let decay = (-1.0 / b.crisis_decay_weeks).exp();
        CrisisSums {
            before: geometric_sum(rise, 1, FOLLOW_UP_WEEKS),
            tail: std::array::from_fn(|k1| geometric_sum(decay, k1 as u32, FOLLOW_UP_WEEKS)),
            head: std::array::from_fn(|n| geometric_sum(decay, 0, n as u32)),
        }
    }
}

/// Expected consultations in the 26 weeks before referral (the crisis building up).
pub fn gp_expected_before(p: &Patient, s: &CrisisSums) -> f64 {
    FOLLOW_UP_WEEKS as f64 * p.gp_base as f64 + p.crisis_peak as f64 * s.before
}

/// Expected natural consultations in weeks `k1..=26` after referral.
pub fn gp_expected_natural(p: &Patient, k1: u32, s: &CrisisSums) -> f64 {
    if k1 > FOLLOW_UP_WEEKS {
        return 0.0;
    }
    (FOLLOW_UP_WEEKS - k1 + 1) as f64 * p.gp_base as f64 + p.crisis_peak as f64 * s.tail[k1 as usize]
}

/// Expected consultations from a bump of `size` per week starting at week `k0` after
/// referral and decaying like a crisis, counted up to week 26.
pub fn gp_expected_bump(size: f64, k0: u32, s: &CrisisSums) -> f64 {
    if k0 > FOLLOW_UP_WEEKS || size <= 0.0 {
        return 0.0;
    }
    size * s.head[(FOLLOW_UP_WEEKS - k0) as usize]
}

/// Well-being `weeks` after referral with natural recovery only (the counterfactual arm).
pub fn wellbeing_counterfactual(p: &Patient, weeks: u32, b: &Behaviour) -> f64 {
    let w0 = p.start[0] as f64;
    let pre = p.wellbeing_pre as f64;
    pre - (pre - w0) * (1.0 - b.wellbeing_recovery_per_week).powi(weeks as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::rng::{Stream, stream};

    fn sample(dep: Deprivation, n: usize) -> Vec<Patient> {
        let b = Behaviour::default();
        let mut rng = stream(3, 0, 0, Stream::Arrivals);
        (0..n).map(|_| draw_patient(&mut rng, dep, &b, 0)).collect()
    }

    fn mean(v: &[Patient], f: impl Fn(&Patient) -> f64) -> f64 {
        v.iter().map(f).sum::<f64>() / v.len() as f64
    }

    #[test]
    fn deprivation_raises_complexity_and_structural_needs_and_lowers_readiness() {
        let low = sample(Deprivation::Low, 4000);
        let high = sample(Deprivation::High, 4000);
        assert!(mean(&high, |p| p.complexity as f64) > mean(&low, |p| p.complexity as f64) + 0.05);
        assert!(mean(&high, |p| p.readiness as f64) < mean(&low, |p| p.readiness as f64) - 0.05);
        assert!(mean(&high, |p| p.capacity as f64) < mean(&low, |p| p.capacity as f64) - 0.05);
        let structural = |v: &[Patient]| mean(v, |p| p.has(flag::STRUCTURAL) as u8 as f64);
        assert!(structural(&high) > structural(&low) + 0.03);
    }

    #[test]
    fn attributes_are_bounded_and_needs_are_one_to_four() {
        for p in sample(Deprivation::Medium, 2000) {
            for x in [p.complexity, p.readiness, p.capacity, p.hope, p.wellbeing, p.social_capital] {
                assert!((0.0..=1.0).contains(&x));
            }
            let n = p.needs.count_ones();
            assert!((1..=4).contains(&n), "needs {n}");
            assert!(p.gp_base >= 0.0 && p.crisis_peak >= 0.0);
        }
    }

    #[test]
    fn presentations_scale_with_population_and_deprivation() {
        let b = Behaviour::default();
        let m = expected_presentations(50_000, Deprivation::Medium, &b);
        assert!((expected_presentations(100_000, Deprivation::Medium, &b) - 2.0 * m).abs() < 1e-9);
        assert!(expected_presentations(50_000, Deprivation::High, &b) > m);
        assert!(expected_presentations(50_000, Deprivation::Low, &b) < m);
    }

    #[test]
    fn crisis_makes_gp_use_fall_after_referral_without_any_service() {
        // Regression to the mean: the natural after-window has less use than the before-window.
        let b = Behaviour::default();
        let pts = sample(Deprivation::Medium, 2000);
        let sums = CrisisSums::new(&b);
        let before: f64 = pts.iter().map(|p| gp_expected_before(p, &sums)).sum();
        let after: f64 = pts.iter().map(|p| gp_expected_natural(p, 1, &sums)).sum();
        assert!(after < before, "after {after} before {before}");
        // And the analytic window equals the sum of weekly rates.
        let p = &pts[0];
        let tables = crate::rules::Tables::new(&b, &crate::params::Policy::default());
        let direct: f64 = (1..=FOLLOW_UP_WEEKS).map(|k| natural_gp_rate(p, k, &tables.crisis_decay)).sum();
        assert!((direct - gp_expected_natural(p, 1, &sums)).abs() < 1e-9);
    }
}
