//! Dynamics: one file per rule family of docs/ODD.md §7, small functions plus the
//! weekly [`step::step_region`] that applies them in a fixed, documented phase order.
//!
//! Rules do no IO and cannot fail; every random draw comes from the random streams of
//! the region being stepped.

pub mod caseload;
pub mod community;
pub mod connection;
pub mod endings;
pub mod funding;
pub mod holding;
pub mod leaving;
pub mod pathway;
pub mod presentation;
pub mod referral;
pub mod sessions;
pub mod staffing;
pub mod step;
pub mod supervision;
pub mod vcse;
pub mod waiting;
pub mod wellbeing;

pub use crate::world::rng::{chance, gamma2, logit_normal};

use rand::rngs::ChaCha8Rng;

use crate::metrics::ledger::Mechanism;
use crate::metrics::{RegionTotals, WeekCounts};
use crate::params::{Behaviour, Funding, Policy};

/// What every rule may read: parameters and the clock.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// `[policy]`.
    pub policy: &'a Policy,
    /// `[funding]`.
    pub funding: &'a Funding,
    /// `[behaviour]`.
    pub b: &'a Behaviour,
    /// Current week (0-based, warm-up included).
    pub week: u32,
    /// First reported week (end of warm-up).
    pub report_from: u32,
    /// Whether the counterfactual arm is computed.
    pub counterfactual: bool,
    /// Tables computed once per run.
    pub tables: &'a Tables,
}

/// Weeks waited covered by [`Tables::drop_waiting`].
pub const DROP_WAITING_WEEKS: usize = 104;

/// Values computed once per run from the parameters, so hot loops do no transcendental math.
#[derive(Debug, Clone)]
pub struct Tables {
    /// exp(-k / crisis_decay_weeks) for k = 0..=26 (R1, R9).
    pub crisis_decay: [f64; presentation::FOLLOW_UP_WEEKS as usize + 1],
    /// Weekly probability of leaving the waiting list after k weeks waited, for k below
    /// [`DROP_WAITING_WEEKS`] (R5; [`waiting::p_drop_waiting`] beyond).
    pub drop_waiting: [f64; DROP_WAITING_WEEKS],
    /// The crisis sums of the GP-use windows (R1, R9).
    pub crisis_sums: presentation::CrisisSums,
    /// Effective supervision, 0–1 (R19; [`supervision::effective`]).
    pub supervision: f64,
    /// Its level in the ledger's context ([`crate::metrics::ledger::LEVELS`]).
    pub supervision_level: usize,
    /// The log-odds of the attribute medians by deprivation (R1).
    pub medians: presentation::Medians,
}

impl Tables {
    /// Build the tables for a behaviour table and a policy.
    pub fn new(b: &Behaviour, policy: &Policy) -> Self {
        let mut crisis_decay = [0.0; presentation::FOLLOW_UP_WEEKS as usize + 1];
        for (k, x) in crisis_decay.iter_mut().enumerate() {
            *x = (-(k as f64) / b.crisis_decay_weeks).exp();
        }
        let drop_waiting = std::array::from_fn(|k| waiting::drop_waiting_hazard(b, k as u32));
        let supervision = supervision::effective(policy, b.supervision_saturation_weeks);
        Tables {
            crisis_decay,
            drop_waiting,
            crisis_sums: presentation::CrisisSums::new(b),
            supervision,
            supervision_level: crate::metrics::ledger::supervision_index(supervision),
            medians: presentation::Medians::new(b),
        }
    }
}

impl Ctx<'_> {
    /// Whether this week is reported (after the warm-up).
    #[inline]
    pub fn reported(&self) -> bool {
        self.week >= self.report_from
    }

    /// Effective supervision, 0–1, with diminishing returns to frequency (R19 feeding
    /// R3, R7, R13, R14, R16).
    #[inline]
    pub fn supervision(&self) -> f64 {
        self.tables.supervision
    }
}

/// What a region's rules write to as the week goes: its service random stream, the
/// week's counts and the run's totals (with the mechanism ledger), passed as one.
#[derive(Debug)]
pub struct Week<'a> {
    /// The region's stream for everything the service does.
    pub rng: &'a mut ChaCha8Rng,
    /// This week's counts.
    pub counts: &'a mut WeekCounts,
    /// The run's totals after the warm-up.
    pub totals: &'a mut RegionTotals,
}

impl Week<'_> {
    /// A mechanism about a patient (of `complexity`) fired: counted in the weekly column
    /// it feeds (every week) and in the ledger (reported weeks only), from its one
    /// declaration ([`Mechanism`]).
    #[inline]
    pub fn fire(&mut self, ctx: &Ctx, m: Mechanism, complexity: f32) {
        m.count(self.counts);
        if ctx.reported() {
            self.totals.ledger.patient(m, complexity, ctx.tables.supervision_level);
        }
    }

    /// A mechanism not about one patient (a post, an organisation, a PCN-week) fired.
    #[inline]
    pub fn fire_system(&mut self, ctx: &Ctx, m: Mechanism) {
        m.count(self.counts);
        if ctx.reported() {
            self.totals.ledger.system(m, ctx.tables.supervision_level);
        }
    }
}

/// Logistic function.
#[inline]
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Log-odds of p (clamped away from 0 and 1).
#[inline]
pub fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

/// Poisson quantile function: the smallest k with P(X ≤ k) ≥ u. Used with a shared `u`
/// so the actual and counterfactual arms use common random numbers.
pub fn poisson_quantile(lambda: f64, u: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda > 200.0 {
        // Normal approximation for very large means (never reached with default parameters).
        let z = normal_quantile(u);
        return (lambda + z * lambda.sqrt()).round().max(0.0) as u32;
    }
    let mut p = (-lambda).exp();
    let mut cdf = p;
    let mut k = 0u32;
    let limit = (lambda * 10.0 + 100.0) as u32;
    while u > cdf && k < limit {
        k += 1;
        p *= lambda / k as f64;
        cdf += p;
    }
    k
}

/// Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] =
        [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let pl = 0.02425;
    if p < pl {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - pl {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

/// Σ_{k=k1}^{k2} q^k (0 when k1 > k2).
#[inline]
pub fn geometric_sum(q: f64, k1: u32, k2: u32) -> f64 {
    if k1 > k2 {
        return 0.0;
    }
    let n = (k2 - k1 + 1) as i32;
    if (1.0 - q).abs() < 1e-12 {
        return n as f64;
    }
    q.powi(k1 as i32) * (1.0 - q.powi(n)) / (1.0 - q)
}

/// Shared fixtures for the rules' unit tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::params::{Deprivation, Employment};
    use crate::world::init::{Recruit, new_link_worker};
    use crate::world::rng::{Stream, stream};
    use crate::world::{LinkWorker, Patient};

    /// Run `f` with a context built from `policy` and default funding and behaviour.
    pub fn with_policy<R>(policy: Policy, f: impl FnOnce(&Ctx) -> R) -> R {
        with_params(policy, Funding::default(), f)
    }

    /// Run `f` with a context built from `policy`, `funding` and default behaviour.
    pub fn with_params<R>(policy: Policy, funding: Funding, f: impl FnOnce(&Ctx) -> R) -> R {
        let b = Behaviour::default();
        let tables = Tables::new(&b, &policy);
        f(&Ctx {
            policy: &policy,
            funding: &funding,
            b: &b,
            week: 0,
            report_from: 0,
            counterfactual: true,
            tables: &tables,
        })
    }

    /// Run `f` with the default context.
    pub fn with_defaults<R>(f: impl FnOnce(&Ctx) -> R) -> R {
        with_policy(Policy::default(), f)
    }

    /// A medium-deprivation patient drawn from stream `seed`.
    pub fn patient(seed: u64) -> Patient {
        let mut rng = stream(seed, 0, 0, Stream::Arrivals);
        presentation::draw_patient(&mut rng, Deprivation::Medium, &Behaviour::default(), 0)
    }

    /// A link worker in post (the real recruit constructor, 0.5 skill and embeddedness,
    /// no burnout) with the given committed and available session hours.
    /// The outside inputs of a link worker's week (R13, R14) at a supervision level.
    pub fn work(supervision: f64) -> crate::rules::wellbeing::WorkContext {
        crate::rules::wellbeing::WorkContext { supervision, gp_buy_in: 0.5, colleagues: 1.0 }
    }

    pub fn link_worker(committed_hours: f32, session_hours: f32) -> LinkWorker {
        let b = Behaviour::default();
        let recruit = Recruit { employment: Employment::Pcn, practices: 1, hours: 37.5, experience: 0 };
        let mut lw = new_link_worker(&mut stream(0, 0, 0, Stream::Init), &b, recruit, 0, 0.0);
        lw.skill = 0.5;
        lw.embeddedness = 0.5;
        lw.burnout = 0.0;
        lw.stress_sensitivity = 1.0;
        lw.recovery_trait = 1.0;
        lw.committed_hours = committed_hours;
        lw.session_hours = session_hours;
        lw
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::rng::{Stream, stream};
    use rand::RngExt;

    #[test]
    fn logistic_is_monotone_and_bounded() {
        assert!(logistic(-50.0) >= 0.0 && logistic(50.0) <= 1.0);
        assert!(logistic(0.1) > logistic(0.0));
        assert!((logistic(logit(0.3)) - 0.3).abs() < 1e-9);
    }

    #[test]
    fn poisson_quantile_matches_mean() {
        let mut rng = stream(7, 0, 0, Stream::Service);
        let n = 20000;
        let mean: f64 = (0..n).map(|_| poisson_quantile(2.5, rng.random::<f64>()) as f64).sum::<f64>() / n as f64;
        assert!((mean - 2.5).abs() < 0.05, "mean {mean}");
        assert_eq!(poisson_quantile(0.0, 0.9), 0);
        assert!(poisson_quantile(3.0, 0.99) > poisson_quantile(3.0, 0.5));
    }

    #[test]
    fn geometric_sum_matches_loop() {
        let q: f64 = (-1.0f64 / 8.0).exp();
        let direct: f64 = (3..=26).map(|k| q.powi(k)).sum();
        assert!((geometric_sum(q, 3, 26) - direct).abs() < 1e-12);
        assert_eq!(geometric_sum(q, 5, 4), 0.0);
    }

    #[test]
    fn normal_quantile_is_symmetric() {
        assert!(normal_quantile(0.5).abs() < 1e-9);
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-5);
        assert!((normal_quantile(0.01) + normal_quantile(0.99)).abs() < 1e-9);
    }
}
