//! Sensitivity analysis of a finished sweep, with the replication noise kept apart from
//! the parameters' effects. Pure functions of the design's outputs.
//!
//! A stochastic model's output at a design point is `y_r(x) = f(x) + e_r(x)`: the effect
//! of the parameters `f` and replication `r`'s noise `e_r`, replication `r` using the same
//! random streams at every point (common random numbers). The indices describe `f`, so
//! they are computed on the point means `ȳ(x)` (the replications averaged), and the
//! variance decomposition and Sobol' estimators, quadratic forms `Q` of the outputs, are
//! corrected for the noise the means still carry: `Q(ȳ) − Σ_r Q(y_r − ȳ) / (R (R − 1))` is
//! unbiased for `Q(f)` whatever the noise's covariance across points, as long as the
//! replications are independent of one another (common random numbers included; the U-statistic
//! correction; the same idea as the noise-corrected estimators of stochastic simulators,
//! Marrel et al. 2012, Reliab. Eng. Syst. Saf. 100:97–107). With one replication the
//! noise cannot be measured and the estimators are exactly those of SALib, the standard
//! Python library, so the numbers can be checked against it.
//!
//! - [`noise`]: how much of a metric's variance over the design is replication noise,
//!   and whether the parameters' share can be told from 0 ([`Status`]).
//! - [`sobol`]: first-order (Saltelli et al. 2010) and total (Jansen 1999) Sobol'
//!   indices from Saltelli's scheme without second-order rows (`N (d + 2)` points), with
//!   bootstrap intervals over the base samples.
//! - [`morris`]: Morris elementary effects per trajectory on the point means: mu, mu*
//!   (mean absolute effect, Campolongo et al. 2007) and sigma, not corrected (mu* is a
//!   mean of absolute values), but set against the mu* the noise alone would give, with a
//!   bootstrap interval for mu*.
//! - [`Sizing`]: how many replications per point (or design points) an index needs for
//!   its interval to reach a given half-width.

mod morris;
mod noise;
mod sobol;

pub use morris::{MorrisAnalysis, MorrisIndex, morris};
pub use noise::{Noise, Status, noise};
pub use sobol::{SobolAnalysis, SobolIndex, sobol};

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// Half-width the indices' 95% intervals should reach (on the 0–1 scale of Sobol'
/// indices; for Morris, a share of the largest mu* of the metric): what
/// [`Sizing`] sizes a sweep for. 0.1 tells a lever that explains a fifth of the
/// variance from one that explains none.
pub const TARGET_HALF_WIDTH: f64 = 0.1;

/// The main metrics of access and retention, by which a sweep is sized: the noisiest of
/// those a sweep has sets the replications it needs.
pub const MAIN_METRICS: &[&str] = &[
    "wait_weeks_mean",
    "dropout_waiting_rate",
    "connected_rate",
    "journey_connected_directly_share",
    "lw_burnout_mean",
    "lw_intention_to_leave_share",
    "lw_turnover_annual",
    "lw_vacancy_rate",
];

/// Settings of the bootstrap.
#[derive(Debug, Clone, Copy)]
pub struct Bootstrap {
    /// Resamples.
    pub resamples: usize,
    /// Confidence level of the interval (e.g. 0.95).
    pub level: f64,
    /// Seed of the resampling stream.
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap { resamples: 1000, level: 0.95, seed: 1 }
    }
}

/// One metric's outputs over a design: `runs[r][i]` is replication `r` at design row
/// `i`, every replication complete (a value at every row).
#[derive(Debug, Clone, PartialEq)]
pub struct Replicated {
    runs: Vec<Vec<f64>>,
    means: Vec<f64>,
}

impl Replicated {
    /// Replications of the same design rows. Errors when there is none, their lengths
    /// differ, or a value is not finite.
    pub fn new(runs: Vec<Vec<f64>>) -> Result<Self, String> {
        let len = runs.first().map_or(0, Vec::len);
        if len == 0 {
            return Err("no complete replication".into());
        }
        if runs.iter().any(|r| r.len() != len) {
            return Err("replications of different lengths".into());
        }
        if runs.iter().flatten().any(|v| !v.is_finite()) {
            return Err("undefined at some points".into());
        }
        let rr = runs.len() as f64;
        let means = (0..len).map(|i| runs.iter().map(|r| r[i]).sum::<f64>() / rr).collect();
        Ok(Replicated { runs, means })
    }

    /// Point values of a deterministic model, or means whose replications are not at
    /// hand (one replication: the noise cannot be measured).
    pub fn single(y: Vec<f64>) -> Result<Self, String> {
        Replicated::new(vec![y])
    }

    /// Replications.
    pub fn replications(&self) -> usize {
        self.runs.len()
    }

    /// Design rows.
    pub fn len(&self) -> usize {
        self.means.len()
    }

    /// No design rows (never: [`Replicated::new`] refuses them).
    pub fn is_empty(&self) -> bool {
        self.means.is_empty()
    }

    /// The point means.
    pub fn means(&self) -> &[f64] {
        &self.means
    }

    /// Every replication the same at every point up to rounding (a replication may differ
    /// from another by a shift common to all points, which no parameter causes): no
    /// variance to apportion.
    fn constant(&self) -> bool {
        self.runs.iter().all(|run| {
            let m = mean(run.iter().copied());
            let spread = run.iter().map(|v| (v - m).abs()).fold(0.0, f64::max);
            spread <= 1e-12 * m.abs().max(f64::MIN_POSITIVE)
        })
    }

    /// The vectors the estimators are evaluated on, standardised as SALib does (centred
    /// on their mean over the design, divided by the means' standard deviation):
    /// `[means, deviation of replication 1, …, of replication R]` and each replication
    /// alone `[replication 1, …]`.
    fn standardised(&self) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let n = self.len() as f64;
        let m = mean(self.means.iter().copied());
        let s = (self.means.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt();
        let s = if s > 0.0 { s } else { 1.0 };
        let mut parts = vec![self.means.iter().map(|v| (v - m) / s).collect::<Vec<f64>>()];
        let mut alone = Vec::new();
        for run in &self.runs {
            let dev: Vec<f64> = run.iter().zip(&self.means).map(|(y, ym)| y - ym).collect();
            let dm = mean(dev.iter().copied());
            parts.push(dev.iter().map(|d| (d - dm) / s).collect());
            let rm = mean(run.iter().copied());
            alone.push(run.iter().map(|v| (v - rm) / s).collect());
        }
        (parts, alone)
    }
}

/// A quadratic form evaluated on the means, corrected for their noise: `parts[0]` is the
/// means' vector and `parts[1..]` the replications' deviations ([`Replicated`]);
/// `q(v)` returns several forms at once. Returns (corrected, noise part).
fn debiased(parts: &[Vec<f64>], q: impl Fn(&[f64]) -> Vec<f64>) -> (Vec<f64>, Vec<f64>) {
    let on_means = q(&parts[0]);
    let r = parts.len() - 1;
    let mut noise = vec![0.0; on_means.len()];
    if r >= 2 {
        for dev in &parts[1..] {
            for (n, v) in noise.iter_mut().zip(q(dev)) {
                *n += v;
            }
        }
        for n in &mut noise {
            *n /= (r * (r - 1)) as f64;
        }
    }
    (on_means.iter().zip(&noise).map(|(m, n)| m - n).collect(), noise)
}

fn mean(x: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = x.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    s / n as f64
}

/// Sample standard deviation (n − 1) of the finite values.
fn sd(x: &[f64]) -> f64 {
    let v: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    let m = mean(v.iter().copied());
    (v.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0)).sqrt()
}

/// Standard normal quantile at (1 + level) / 2.
fn z_of(level: f64) -> f64 {
    crate::rules::normal_quantile(0.5 + level / 2.0)
}

/// Bootstrap resamples of `n` units (base samples, trajectories), from the stream
/// `stream` of the bootstrap's seed: stream 0 for the indices' intervals (as SALib
/// draws them), stream 1 for the noise's.
fn resamples(n: usize, boot: Bootstrap, stream: u64) -> Vec<Vec<usize>> {
    let mut rng = ChaCha8Rng::seed_from_u64(boot.seed);
    rng.set_stream(stream);
    (0..boot.resamples).map(|_| (0..n).map(|_| rng.random_range(0..n)).collect()).collect()
}

/// How to size a sweep so that an index's interval reaches a half-width, from the
/// variance its interval stands for on a design of `units` base samples or trajectories
/// with `r` replications per point (`var_r`) and the noise's share of the point means'
/// variance (`noise_share`). The variance falls as 1 / design size; its noise part, taken
/// as the noise's share of it, also as 1 / replications: `var = a + b / R`, `b / r` the
/// noise part now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizing {
    /// Replications per point at this design size (at least 1), or `None` when sampling
    /// alone is wider than asked: more base samples or trajectories are needed.
    pub replications: Option<u32>,
    /// Base samples or trajectories at 2 replications per point (the fewest that measure
    /// the noise; for a given number of runs, more points narrow the intervals more than
    /// more replications do).
    pub units_at_2: u64,
}

impl Sizing {
    /// The sizing of one index; `None` with fewer than 2 replications or an interval that
    /// could not be read.
    pub fn new(
        var_r: f64,
        r: usize,
        noise_share: Option<f64>,
        units: usize,
        level: f64,
        half_width: f64,
    ) -> Option<Sizing> {
        let share = noise_share?.clamp(0.0, 1.0);
        if r < 2 || !var_r.is_finite() || half_width.is_nan() || half_width <= 0.0 {
            return None;
        }
        let allowed = (half_width / z_of(level)).powi(2);
        let rr = r as f64;
        let b = share * var_r * rr;
        let a = (1.0 - share) * var_r;
        let replications = (a < allowed).then(|| ((b / (allowed - a)).ceil().min(u32::MAX as f64) as u32).max(1));
        let units_at_2 = ((units as f64 * (a + b / 2.0) / allowed).ceil().min(u64::MAX as f64 / 2.0) as u64).max(2);
        Some(Sizing { replications, units_at_2 })
    }

    /// The larger need of two indices (each must reach the width).
    pub fn max(self, other: Sizing) -> Sizing {
        let replications = self.replications.zip(other.replications).map(|(a, b)| a.max(b));
        Sizing { replications, units_at_2: self.units_at_2.max(other.units_at_2) }
    }

    /// What every index needs; `None` when one of them cannot be sized.
    pub fn hardest(all: &[Option<Sizing>]) -> Option<Sizing> {
        let all: Option<Vec<Sizing>> = all.iter().copied().collect();
        all?.into_iter().reduce(Sizing::max)
    }
}

/// Half-width of a bootstrap interval at `level`. With one replication, z times the
/// resamples' standard deviation (as SALib reports). With more, half the percentile
/// interval: a ratio whose noise-corrected denominator can near 0 has heavy tails that
/// would swamp a standard deviation. NaN when too many resamples left the index
/// undefined for the interval to be read.
fn half_width(resampled: &[f64], level: f64, replicated: bool) -> f64 {
    if !replicated {
        return z_of(level) * sd(resampled);
    }
    let mut v: Vec<f64> = resampled.iter().copied().filter(|x| x.is_finite()).collect();
    let tail = (1.0 - level) / 2.0;
    if v.len() < 2 || (resampled.len() - v.len()) as f64 > tail * resampled.len() as f64 {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((p * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
    (q(1.0 - tail) - q(tail)) / 2.0
}

/// How much wider than a normal interval a variance estimated from `r` replications
/// (r − 1 degrees of freedom) makes it: Student's t over the normal quantile at 95%, used
/// at every level.
fn t_scale(r: usize) -> f64 {
    crate::metrics::summary::t_975(r.saturating_sub(1).max(1)) / z_of(0.95)
}

/// The variance a half-width stands for (its normal-equivalent standard deviation squared).
fn variance_of(half_width: f64, level: f64) -> f64 {
    (half_width / z_of(level)).powi(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_noise_correction_is_unbiased_for_a_variance() {
        // f = 0 at every point, noise sd 1: the means' variance is about 1/R, the
        // corrected variance about 0 (averaged over many designs).
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (mut raw, mut corrected) = (0.0, 0.0);
        let var = |v: &[f64]| {
            let m = mean(v.iter().copied());
            vec![v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64]
        };
        for _ in 0..200 {
            let runs: Vec<Vec<f64>> =
                (0..4).map(|_| (0..50).map(|_| rng.sample::<f64, _>(rand_distr::StandardNormal)).collect()).collect();
            let y = Replicated::new(runs).unwrap();
            let parts: Vec<Vec<f64>> = std::iter::once(y.means.clone())
                .chain(y.runs.iter().map(|r| r.iter().zip(&y.means).map(|(a, b)| a - b).collect()))
                .collect();
            let (c, _) = debiased(&parts, var);
            raw += var(&y.means)[0] / 200.0;
            corrected += c[0] / 200.0;
        }
        assert!((raw - 0.25).abs() < 0.02, "means' variance {raw}");
        assert!(corrected.abs() < 0.02, "corrected {corrected}");
    }

    #[test]
    fn replications_needed_grow_with_the_noise_and_stop_at_the_sampling_floor() {
        // (0.1 / 1.96)^2 = 0.002603 allowed. At 2 replications and 100 base samples, a
        // variance of 0.004 of which 50% is noise: a = 0.002, b = 0.004; R = 0.004 /
        // 0.000603 = 6.6 → 7; at 2 replications 100 × 0.004 / 0.002603 = 153.7 → 154.
        let s = Sizing::new(0.004, 2, Some(0.5), 100, 0.95, 0.1).unwrap();
        assert_eq!(s, Sizing { replications: Some(7), units_at_2: 154 });
        // Wider than asked: more replications than the sweep has, never fewer.
        assert!(s.replications.unwrap() > 2);
        let quiet = Sizing::new(0.001, 2, Some(0.0), 100, 0.95, 0.1).unwrap();
        assert_eq!(quiet.replications, Some(1), "no noise, narrow enough: one replication");
        let wide = Sizing::new(0.5, 2, Some(0.2), 100, 0.95, 0.1).unwrap();
        assert_eq!(wide.replications, None, "sampling alone is too wide");
        assert!(wide.units_at_2 > 100 * 10, "{wide:?}");
        assert_eq!(Sizing::new(0.5, 1, Some(0.2), 100, 0.95, 0.1), None, "one replication measures no noise");
        assert_eq!(Sizing::hardest(&[Some(s), None]), None, "an index that cannot be sized");
        assert_eq!(Sizing::hardest(&[Some(s), Some(quiet)]), Some(s));
    }

    #[test]
    fn a_replicated_half_width_ignores_a_heavy_tail_but_not_missing_resamples() {
        let mut v: Vec<f64> = (0..1000).map(|i| (i as f64 - 499.5) / 1000.0).collect();
        v[0] = -1e6;
        let h = half_width(&v, 0.95, true);
        assert!((h - 0.475).abs() < 0.01, "{h}");
        assert!(half_width(&v, 0.95, false) > 100.0, "the sd is swamped");
        for x in v.iter_mut().take(30) {
            *x = f64::NAN;
        }
        assert!(half_width(&v, 0.95, true).is_nan(), "3% undefined, beyond a 2.5% tail");
    }
}
