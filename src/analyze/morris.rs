//! Morris elementary effects on the point means, with the mu* the noise alone would give.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

use super::{Bootstrap, Noise, Replicated, Sizing, Status, TARGET_HALF_WIDTH, mean, noise, sd, z_of};

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
    /// The mu* a parameter with no effect would show through the noise of the means
    /// (`sqrt(2/π)` times the noise's standard deviation of an elementary effect); `None`
    /// with one replication.
    pub mu_star_noise: Option<f64>,
    /// The design has at least [`MIN_TRAJECTORIES`] trajectories: few enough and the
    /// bootstrap over them understates the interval, so no parameter is called clear.
    pub resolvable: bool,
}

/// Trajectories below which no Morris parameter is called clear.
pub const MIN_TRAJECTORIES: usize = 10;

impl MorrisIndex {
    /// The interval of mu* lies above what the noise alone would give (the parameter
    /// matters).
    pub fn clear(&self) -> bool {
        self.resolvable && self.mu_star - self.mu_star_conf > self.mu_star_noise.unwrap_or(0.0)
    }
}

/// One metric's Morris analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisAnalysis {
    /// Per parameter, in the design's order.
    pub indices: Vec<MorrisIndex>,
    /// The metric's noise.
    pub noise: Noise,
    /// How to size the sweep for every mu* interval's half-width to reach
    /// [`TARGET_HALF_WIDTH`] times the largest mu* (trajectories); `None` with one
    /// replication or a constant metric.
    pub sizing: Option<Sizing>,
}

/// Morris statistics of `d` parameters from a design `x` (rows of parameter values, in
/// trajectories of `d + 1` rows) and its outputs `y`. An elementary effect is the output
/// change when a parameter moves up, divided by the unit step Δ = levels / (2 (levels − 1)).
pub fn morris(x: &[Vec<f64>], y: &Replicated, levels: u32, boot: Bootstrap) -> Result<MorrisAnalysis, String> {
    let d = x.first().map_or(0, |r| r.len());
    let rows = d + 1;
    if d == 0 || x.len() != y.len() || !x.len().is_multiple_of(rows) {
        return Err(format!("{} rows is not a whole number of trajectories of parameters + 1 = {rows}", x.len()));
    }
    let r = x.len() / rows;
    if r < 2 {
        return Err("at least 2 trajectories are needed".into());
    }
    let delta = crate::sweep::design::morris_delta(levels);
    // effects(v)[j][t]: elementary effect of parameter j in trajectory t of outputs v.
    let effects = |v: &[f64]| -> Vec<Vec<f64>> {
        let mut ee = vec![vec![0.0; r]; d];
        for (j, effects) in ee.iter_mut().enumerate() {
            for (t, e) in effects.iter_mut().enumerate() {
                for s in 0..d {
                    let (i0, i1) = (t * rows + s, t * rows + s + 1);
                    if x[i1][j] > x[i0][j] {
                        *e += (v[i1] - v[i0]) / delta;
                    } else if x[i1][j] < x[i0][j] {
                        *e += (v[i0] - v[i1]) / delta;
                    }
                }
            }
        }
        ee
    };
    let noise = noise(y, rows, boot);
    let ee = effects(y.means());
    let reps = y.replications();
    let per_run: Vec<Vec<Vec<f64>>> = if reps >= 2 { y.runs.iter().map(|v| effects(v)).collect() } else { Vec::new() };
    let mut rng = ChaCha8Rng::seed_from_u64(boot.seed);
    let zq = z_of(boot.level);
    let mut sizings = Vec::new();
    let indices: Vec<MorrisIndex> = ee
        .iter()
        .enumerate()
        .map(|(j, e)| {
            let resampled: Vec<f64> =
                (0..boot.resamples).map(|_| mean((0..r).map(|_| e[rng.random_range(0..r)].abs()))).collect();
            let mut mu_star_conf = zq * sd(&resampled);
            // Noise variance of an effect on the means: its variance over replications / R.
            let mu_star_noise = (reps >= 2).then(|| {
                let var = mean((0..r).map(|t| {
                    let one: Vec<f64> = per_run.iter().map(|ee| ee[j][t]).collect();
                    sd(&one).powi(2) / reps as f64
                }));
                (2.0 / std::f64::consts::PI).sqrt() * var.sqrt()
            });
            if reps >= 2 {
                // Noise a whole replication shares moves all its effects together, which
                // the bootstrap over trajectories cannot see: add the variance, across
                // replications, of each replication's own mu*, over R.
                let own: Vec<f64> = per_run.iter().map(|ee| mean(ee[j].iter().map(|v| v.abs()))).collect();
                let w = super::t_scale(reps) * zq;
                mu_star_conf = (mu_star_conf.powi(2) + w * w * sd(&own).powi(2) / reps as f64).sqrt();
            }
            MorrisIndex {
                mu: mean(e.iter().copied()),
                mu_star: mean(e.iter().map(|v| v.abs())),
                sigma: sd(e),
                mu_star_conf,
                mu_star_noise,
                resolvable: r >= MIN_TRAJECTORIES,
            }
        })
        .collect();
    // Sized for half-widths of a tenth of the largest mu*.
    let largest = indices.iter().map(|i| i.mu_star).fold(0.0, f64::max);
    for i in &indices {
        let var = super::variance_of(i.mu_star_conf, boot.level);
        sizings.push(Sizing::new(var, reps, noise.share_means, r, boot.level, TARGET_HALF_WIDTH * largest));
    }
    let sizing = if reps < 2 || noise.status == Status::Constant { None } else { Sizing::hardest(&sizings) };
    let noise = noise.judge(indices.iter().any(MorrisIndex::clear));
    Ok(MorrisAnalysis { indices, noise, sizing })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::design;

    /// Morris on y = 3 x0 - 2 x1 + 0 x2 over `trajectories` trajectories, no noise.
    fn linear(trajectories: usize) -> MorrisAnalysis {
        let u = design::morris(trajectories, 3, 4, 5);
        let x: Vec<Vec<f64>> = u.chunks(3).map(|r| r.to_vec()).collect();
        let y: Vec<f64> = x.iter().map(|r| 3.0 * r[0] - 2.0 * r[1]).collect();
        morris(&x, &Replicated::single(y).unwrap(), 4, Bootstrap::default()).unwrap()
    }

    #[test]
    fn morris_ranks_an_inert_parameter_last_and_finds_linear_effects_exactly() {
        // Every elementary effect of x0 is 3.
        let m = linear(30);
        let m = &m.indices;
        assert!((m[0].mu - 3.0).abs() < 1e-9 && (m[0].mu_star - 3.0).abs() < 1e-9 && m[0].sigma < 1e-9);
        assert!((m[1].mu + 2.0).abs() < 1e-9 && (m[1].mu_star - 2.0).abs() < 1e-9);
        assert_eq!(m[2].mu_star, 0.0);
    }

    #[test]
    fn with_too_few_trajectories_nothing_is_called_clear() {
        assert!(linear(30).indices[0].clear());
        let m = linear(4);
        assert!(m.indices.iter().all(|i| !i.clear()), "{:?}", m.indices);
    }

    #[test]
    fn with_noise_an_inert_parameter_stays_within_the_noise_and_the_others_clear_it() {
        let u = design::morris(40, 3, 4, 5);
        let x: Vec<Vec<f64>> = u.chunks(3).map(|r| r.to_vec()).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let runs: Vec<Vec<f64>> = (0..4)
            .map(|_| {
                x.iter()
                    .map(|r| 3.0 * r[0] - 2.0 * r[1] + 0.3 * rng.sample::<f64, _>(rand_distr::StandardNormal))
                    .collect()
            })
            .collect();
        let m = morris(&x, &Replicated::new(runs).unwrap(), 4, Bootstrap::default()).unwrap();
        assert_eq!(m.noise.status, Status::Signal);
        let [a, b, c] = [m.indices[0], m.indices[1], m.indices[2]];
        assert!(a.clear() && b.clear() && !c.clear(), "{:?}", m.indices);
        // Noise sd of an effect on means of 4: 0.3 · sqrt(2) / Δ / 2, Δ = 2/3.
        let expected = (2.0 / std::f64::consts::PI).sqrt() * 0.3 * 2f64.sqrt() / (2.0 / 3.0) / 2.0;
        // Within 12%: without the sqrt(2/π) it would be 25% off.
        assert!((c.mu_star_noise.unwrap() - expected).abs() < 0.12 * expected, "{c:?} against {expected}");
        assert!(c.mu_star < 2.0 * expected, "{c:?}");
    }
}
