//! Sensitivity analysis of a finished sweep, on the mean over replications of one metric
//! at each point. Pure functions of the design's outputs; the estimators are those of
//! SALib, the standard Python library, so the numbers can be checked against it.
//!
//! - [`sobol`]: first-order (Saltelli et al. 2010) and total (Jansen 1999) Sobol' indices
//!   from Saltelli's scheme without second-order rows (`N (d + 2)` outputs), with
//!   bootstrap confidence intervals. Outputs are standardised first, as SALib does.
//! - [`morris`]: Morris elementary effects per trajectory: mu, mu* (mean absolute
//!   effect, Campolongo et al. 2007), sigma, and a bootstrap interval for mu*.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

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

/// Sobol' indices of one parameter. `*_conf` is the half-width of the bootstrap
/// interval (normal approximation: z · sd of the resampled estimates, as SALib reports).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndex {
    /// First-order index.
    pub s1: f64,
    /// Half-width of its interval.
    pub s1_conf: f64,
    /// Total index.
    pub st: f64,
    /// Half-width of its interval.
    pub st_conf: f64,
}

/// Morris statistics of one parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisIndex {
    /// Mean elementary effect.
    pub mu: f64,
    /// Mean absolute elementary effect.
    pub mu_star: f64,
    /// Standard deviation of the elementary effects.
    pub sigma: f64,
    /// Half-width of the bootstrap interval of mu*.
    pub mu_star_conf: f64,
}

fn mean(x: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = x.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    s / n as f64
}

/// Sample standard deviation (n − 1).
fn sd(x: &[f64]) -> f64 {
    let m = mean(x.iter().copied());
    (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() as f64 - 1.0)).sqrt()
}

/// Standard normal quantile at (1 + level) / 2.
fn z_of(level: f64) -> f64 {
    crate::rules::normal_quantile(0.5 + level / 2.0)
}

/// First-order and total indices of `d` parameters from `y`, the outputs of a Saltelli
/// design in its row order (A, AB_1..AB_d, B for each base sample). Errors when `y` does
/// not have that shape, holds a non-finite value, or does not vary.
pub fn sobol(y: &[f64], d: usize, boot: Bootstrap) -> Result<Vec<SobolIndex>, String> {
    let rows = d + 2;
    if d == 0 || y.is_empty() || !y.len().is_multiple_of(rows) {
        return Err(format!("{} outputs is not a multiple of parameters + 2 = {rows} (a Saltelli design)", y.len()));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err("undefined at some points".into());
    }
    let n = y.len() / rows;
    let m = mean(y.iter().copied());
    let s = (y.iter().map(|v| (v - m).powi(2)).sum::<f64>() / y.len() as f64).sqrt();
    // Constant up to rounding (e.g. a metric the swept parameters cannot move, whose sums
    // differ in the last bits): no variance to apportion.
    if s <= 1e-12 * m.abs().max(f64::MIN_POSITIVE) {
        return Err("constant over the design".into());
    }
    let z: Vec<f64> = y.iter().map(|v| (v - m) / s).collect();
    let a = |i: usize| z[i * rows];
    let b = |i: usize| z[i * rows + d + 1];
    let ab = |i: usize, j: usize| z[i * rows + 1 + j];
    // Indices of parameter j over the base samples `idx`.
    let estimate = |idx: &[usize], j: usize| -> (f64, f64) {
        let k = idx.len() as f64;
        let mean_ab = idx.iter().map(|&i| a(i) + b(i)).sum::<f64>() / (2.0 * k);
        let var = idx.iter().map(|&i| (a(i) - mean_ab).powi(2) + (b(i) - mean_ab).powi(2)).sum::<f64>() / (2.0 * k);
        if var <= 0.0 {
            return (0.0, 0.0); // a resample with no variance apportions none
        }
        let first = idx.iter().map(|&i| b(i) * (ab(i, j) - a(i))).sum::<f64>() / k / var;
        let total = 0.5 * idx.iter().map(|&i| (a(i) - ab(i, j)).powi(2)).sum::<f64>() / k / var;
        (first, total)
    };
    let all: Vec<usize> = (0..n).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(boot.seed);
    let samples: Vec<Vec<usize>> =
        (0..boot.resamples).map(|_| (0..n).map(|_| rng.random_range(0..n)).collect()).collect();
    let zq = z_of(boot.level);
    Ok((0..d)
        .map(|j| {
            let (s1, st) = estimate(&all, j);
            let (r1, rt): (Vec<f64>, Vec<f64>) = samples.iter().map(|idx| estimate(idx, j)).unzip();
            SobolIndex { s1, s1_conf: zq * sd(&r1), st, st_conf: zq * sd(&rt) }
        })
        .collect())
}

/// Morris statistics of `d` parameters from a design `x` (rows of parameter values, in
/// trajectories of `d + 1` rows) and its outputs `y`. An elementary effect is the output
/// change when a parameter moves up, divided by the unit step Δ = levels / (2 (levels − 1)).
pub fn morris(x: &[Vec<f64>], y: &[f64], levels: u32, boot: Bootstrap) -> Result<Vec<MorrisIndex>, String> {
    let d = x.first().map_or(0, |r| r.len());
    let rows = d + 1;
    if d == 0 || x.len() != y.len() || !x.len().is_multiple_of(rows) {
        return Err(format!("{} rows is not a whole number of trajectories of parameters + 1 = {rows}", x.len()));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err("undefined at some points".into());
    }
    let r = x.len() / rows;
    if r < 2 {
        return Err("at least 2 trajectories are needed".into());
    }
    let delta = crate::sweep::design::morris_delta(levels);
    // ee[j][t]: elementary effect of parameter j in trajectory t.
    let mut ee = vec![vec![0.0; r]; d];
    for (j, effects) in ee.iter_mut().enumerate() {
        for (t, e) in effects.iter_mut().enumerate() {
            for s in 0..d {
                let (i0, i1) = (t * rows + s, t * rows + s + 1);
                if x[i1][j] > x[i0][j] {
                    *e += (y[i1] - y[i0]) / delta;
                } else if x[i1][j] < x[i0][j] {
                    *e += (y[i0] - y[i1]) / delta;
                }
            }
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(boot.seed);
    let zq = z_of(boot.level);
    Ok(ee
        .iter()
        .map(|e| {
            let resampled: Vec<f64> =
                (0..boot.resamples).map(|_| mean((0..r).map(|_| e[rng.random_range(0..r)].abs()))).collect();
            MorrisIndex {
                mu: mean(e.iter().copied()),
                mu_star: mean(e.iter().map(|v| v.abs())),
                sigma: sd(e),
                mu_star_conf: zq * sd(&resampled),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::design;

    /// Ishigami function, the standard test of Sobol' estimators: S1 ≈ (0.314, 0.442, 0),
    /// ST ≈ (0.558, 0.442, 0.244) for inputs uniform on [−π, π].
    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u.iter().map(|v| -std::f64::consts::PI + 2.0 * std::f64::consts::PI * v).collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    #[test]
    fn a_metric_constant_up_to_rounding_is_reported_constant_not_nan() {
        let boot = Bootstrap { resamples: 20, level: 0.95, seed: 1 };
        let y: Vec<f64> = (0..40).map(|i| 28.5832 + if i % 3 == 0 { 3.5e-15 } else { 0.0 }).collect();
        assert_eq!(sobol(&y, 2, boot).unwrap_err(), "constant over the design");
    }

    #[test]
    fn sobol_recovers_the_ishigami_indices() {
        let u = design::saltelli(4096, 3);
        let y: Vec<f64> = u.chunks(3).map(ishigami).collect();
        let s = sobol(&y, 3, Bootstrap { resamples: 200, ..Default::default() }).unwrap();
        let (s1, st) = ([0.314, 0.442, 0.0], [0.558, 0.442, 0.244]);
        for j in 0..3 {
            assert!((s[j].s1 - s1[j]).abs() < 0.03, "S1[{j}] = {}", s[j].s1);
            assert!((s[j].st - st[j]).abs() < 0.03, "ST[{j}] = {}", s[j].st);
            assert!(s[j].s1_conf > 0.0 && s[j].s1_conf < 0.1);
        }
    }

    #[test]
    fn sobol_rejects_a_design_of_the_wrong_shape_or_a_constant_output() {
        assert!(sobol(&[1.0; 7], 3, Bootstrap::default()).is_err());
        assert!(sobol(&[1.0; 10], 3, Bootstrap::default()).unwrap_err().contains("constant"));
    }

    #[test]
    fn morris_ranks_an_inert_parameter_last_and_finds_linear_effects_exactly() {
        // y = 3 x0 - 2 x1 + 0 x2 on the unit cube: every elementary effect of x0 is 3.
        let u = design::morris(30, 3, 4, 5);
        let x: Vec<Vec<f64>> = u.chunks(3).map(|r| r.to_vec()).collect();
        let y: Vec<f64> = x.iter().map(|r| 3.0 * r[0] - 2.0 * r[1]).collect();
        let m = morris(&x, &y, 4, Bootstrap::default()).unwrap();
        assert!((m[0].mu - 3.0).abs() < 1e-9 && (m[0].mu_star - 3.0).abs() < 1e-9 && m[0].sigma < 1e-9);
        assert!((m[1].mu + 2.0).abs() < 1e-9 && (m[1].mu_star - 2.0).abs() < 1e-9);
        assert_eq!(m[2].mu_star, 0.0);
    }
}
