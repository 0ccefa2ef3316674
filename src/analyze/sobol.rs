//! Sobol' indices from Saltelli's scheme, on the point means, corrected for their noise.

use super::{
    Bootstrap, Noise, Replicated, Sizing, Status, TARGET_HALF_WIDTH, debiased, half_width, noise, resamples, sd,
    t_scale, variance_of, z_of,
};

/// Sobol' indices of one parameter. `*_conf` is the half-width of the bootstrap
/// interval (normal approximation: z · sd of the resampled estimates, as SALib reports).
/// `None` where the parameters' variance corrected for noise is not above 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndex {
    /// First-order index.
    pub s1: Option<f64>,
    /// Half-width of its interval.
    pub s1_conf: f64,
    /// Total index.
    pub st: Option<f64>,
    /// Half-width of its interval.
    pub st_conf: f64,
}

impl SobolIndex {
    /// The interval of the total index lies above 0 (the parameter matters).
    pub fn clear(&self) -> bool {
        self.st.is_some_and(|st| st - self.st_conf > 0.0)
    }
}

/// One metric's Sobol' analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolAnalysis {
    /// Per parameter, in the design's order.
    pub indices: Vec<SobolIndex>,
    /// The metric's noise.
    pub noise: Noise,
    /// How to size the sweep for every interval's half-width to reach
    /// [`TARGET_HALF_WIDTH`] (base samples); `None` with one replication (unknown) or
    /// where a metric is constant.
    pub sizing: Option<Sizing>,
}

/// First-order and total indices of `d` parameters from `y`, the outputs of a Saltelli
/// design in its row order (A, AB_1..AB_d, B for each base sample). Errors when `y` does
/// not have that shape.
pub fn sobol(y: &Replicated, d: usize, boot: Bootstrap) -> Result<SobolAnalysis, String> {
    let rows = d + 2;
    if d == 0 || y.is_empty() || !y.len().is_multiple_of(rows) {
        return Err(format!("{} outputs is not a multiple of parameters + 2 = {rows} (a Saltelli design)", y.len()));
    }
    let noise = noise(y, rows, boot);
    if noise.status == Status::Constant {
        let zero = SobolIndex { s1: Some(0.0), s1_conf: 0.0, st: Some(0.0), st_conf: 0.0 };
        return Ok(SobolAnalysis { indices: vec![zero; d], noise, sizing: None });
    }
    let n = y.len() / rows;
    let (parts, alone) = y.standardised();
    let r = y.replications();
    let replicated = r >= 2;
    // With replications, the variance is taken over every row of the design (each row is
    // a uniform draw of the parameters): steadier than the A and B rows alone once the
    // noise is subtracted. With one, SALib's estimator exactly.
    let forms = |idx| forms(idx, d, replicated);
    // (S1, ST) of parameter j from the forms. The means are standardised to variance 1, so
    // a variance left below 1e-9 of it is rounding, and apportions nothing.
    let ratio =
        |f: &[f64], j: usize| if f[0] > 1e-9 { (f[1 + j] / f[0], f[1 + d + j] / f[0]) } else { (f64::NAN, f64::NAN) };
    let all: Vec<usize> = (0..n).collect();
    let samples = resamples(n, boot, 0);
    let level = boot.level;
    let zq = z_of(level);
    let estimate = debiased(&parts, forms(&all)).0;
    let resampled: Vec<Vec<f64>> = samples.iter().map(|idx| debiased(&parts, forms(idx)).0).collect();
    // Noise that a whole replication shares moves its indices together (under common
    // random numbers it is a function of the parameters, not only a shift), which the
    // bootstrap over base samples cannot see: its part of an interval is the variance,
    // across replications, of each replication's own indices, over R.
    let per_replication: Vec<Vec<f64>> =
        if replicated { alone.iter().map(|z| forms(&all)(z)).collect() } else { Vec::new() };
    let widen = |h: f64, own: &[f64]| {
        if replicated { (h * h + (t_scale(r) * zq).powi(2) * sd(own).powi(2) / r as f64).sqrt() } else { h }
    };
    let mut sizings: Vec<Option<Sizing>> = Vec::new();
    let indices: Vec<SobolIndex> = (0..d)
        .map(|j| {
            let (s1, st) = ratio(&estimate, j);
            let (r1, rt): (Vec<f64>, Vec<f64>) = resampled.iter().map(|f| ratio(f, j)).unzip();
            let (o1, ot): (Vec<f64>, Vec<f64>) = per_replication.iter().map(|f| ratio(f, j)).unzip();
            let s1_conf = widen(half_width(&r1, level, replicated), &o1);
            let st_conf = widen(half_width(&rt, level, replicated), &ot);
            for conf in [s1_conf, st_conf] {
                sizings.push(Sizing::new(variance_of(conf, level), r, noise.share_means, n, level, TARGET_HALF_WIDTH));
            }
            let defined = |x: f64, conf: f64| (x.is_finite() && conf.is_finite()).then_some(x);
            SobolIndex { s1: defined(s1, s1_conf), s1_conf, st: defined(st, st_conf), st_conf }
        })
        .collect();
    let sizing = if replicated { Sizing::hardest(&sizings) } else { None };
    let noise = noise.judge(indices.iter().any(SobolIndex::clear));
    Ok(SobolAnalysis { indices, noise, sizing })
}

/// The quadratic forms over the base samples `idx` of a design with `d` parameters:
/// the variance of the A and B outputs (of every row with `every_row`), then the
/// numerators of the first-order indices of each parameter, then of the total indices.
fn forms(idx: &[usize], d: usize, every_row: bool) -> impl Fn(&[f64]) -> Vec<f64> + '_ {
    let rows = d + 2;
    move |z: &[f64]| -> Vec<f64> {
        let a = |i: usize| z[i * rows];
        let b = |i: usize| z[i * rows + d + 1];
        let k = idx.len() as f64;
        let var = if every_row {
            let rows_of = |i: usize| &z[i * rows..(i + 1) * rows];
            let m = idx.iter().map(|&i| rows_of(i).iter().sum::<f64>()).sum::<f64>() / (rows as f64 * k);
            idx.iter().map(|&i| rows_of(i).iter().map(|v| (v - m).powi(2)).sum::<f64>()).sum::<f64>()
                / (rows as f64 * k)
        } else {
            let mean_ab = idx.iter().map(|&i| a(i) + b(i)).sum::<f64>() / (2.0 * k);
            idx.iter().map(|&i| (a(i) - mean_ab).powi(2) + (b(i) - mean_ab).powi(2)).sum::<f64>() / (2.0 * k)
        };
        let mut out = vec![0.0; 1 + 2 * d];
        out[0] = var;
        for j in 0..d {
            let ab = |i: usize| z[i * rows + 1 + j];
            out[1 + j] = idx.iter().map(|&i| b(i) * (ab(i) - a(i))).sum::<f64>() / k;
            out[1 + d + j] = 0.5 * idx.iter().map(|&i| (a(i) - ab(i)).powi(2)).sum::<f64>() / k;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::design;
    use rand::rngs::ChaCha8Rng;
    use rand::{RngExt, SeedableRng};

    /// Ishigami function, the standard test of Sobol' estimators: S1 ≈ (0.314, 0.442, 0),
    /// ST ≈ (0.558, 0.442, 0.244) for inputs uniform on [−π, π].
    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u.iter().map(|v| -std::f64::consts::PI + 2.0 * std::f64::consts::PI * v).collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    const S1: [f64; 3] = [0.314, 0.442, 0.0];
    const ST: [f64; 3] = [0.558, 0.442, 0.244];

    #[test]
    fn a_metric_constant_up_to_rounding_gets_zero_indices_not_nan() {
        let boot = Bootstrap { resamples: 20, level: 0.95, seed: 1 };
        let y: Vec<f64> = (0..40).map(|i| 28.5832 + if i % 3 == 0 { 3.5e-15 } else { 0.0 }).collect();
        let s = sobol(&Replicated::single(y).unwrap(), 2, boot).unwrap();
        assert_eq!(s.noise.status, Status::Constant);
        assert!(s.indices.iter().all(|i| i.s1 == Some(0.0) && i.st == Some(0.0) && i.st_conf == 0.0));
    }

    #[test]
    fn sobol_recovers_the_ishigami_indices() {
        let u = design::saltelli(4096, 3);
        let y: Vec<f64> = u.chunks(3).map(ishigami).collect();
        let s = sobol(&Replicated::single(y).unwrap(), 3, Bootstrap { resamples: 200, ..Default::default() }).unwrap();
        assert_eq!(s.noise.status, Status::Unmeasured);
        for j in 0..3 {
            let i = s.indices[j];
            assert!((i.s1.unwrap() - S1[j]).abs() < 0.03, "S1[{j}] = {:?}", i.s1);
            assert!((i.st.unwrap() - ST[j]).abs() < 0.03, "ST[{j}] = {:?}", i.st);
            assert!(i.s1_conf > 0.0 && i.s1_conf < 0.1);
        }
    }

    #[test]
    fn with_noise_added_the_indices_on_the_means_are_recovered_and_the_noise_share_reported() {
        // Ishigami (variance 13.84) plus noise of variance 13.84: half of one run's
        // variance is noise. Uncorrected, the noise inflates every total index (the
        // inert third parameter's interaction share included) and deflates S1.
        let u = design::saltelli(1024, 3);
        let f: Vec<f64> = u.chunks(3).map(ishigami).collect();
        let var_f: f64 = 13.84;
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let runs: Vec<Vec<f64>> = (0..4)
            .map(|_| f.iter().map(|v| v + var_f.sqrt() * rng.sample::<f64, _>(rand_distr::StandardNormal)).collect())
            .collect();
        let boot = Bootstrap { resamples: 200, ..Default::default() };
        let y = Replicated::new(runs).unwrap();
        let s = sobol(&y, 3, boot).unwrap();
        assert_eq!(s.noise.status, Status::Signal);
        assert!((s.noise.share_runs.unwrap() - 0.5).abs() < 0.05, "{:?}", s.noise);
        for j in 0..3 {
            let i = s.indices[j];
            assert!((i.st.unwrap() - ST[j]).abs() < 0.06, "ST[{j}] = {:?}", i.st);
            assert!((i.s1.unwrap() - S1[j]).abs() < 0.08, "S1[{j}] = {:?}", i.s1);
        }
        let raw = sobol(&Replicated::single(y.means().to_vec()).unwrap(), 3, boot).unwrap();
        assert!(raw.indices[2].st.unwrap() > ST[2] + 0.03, "uncorrected, noise inflates ST: {:?}", raw.indices[2]);
        // The noise makes replications worth having, and a bigger design needs fewer.
        // The sizing agrees with the intervals it has: at 4 replications and 1,024 base
        // samples, the widest half-width h needs 1,024 (h / 0.1)^2 base samples at least
        // as many replications, and more at 2.
        let sizing = s.sizing.unwrap();
        let widest = s.indices.iter().flat_map(|i| [i.s1_conf, i.st_conf]).fold(0.0, f64::max);
        let at_4 = 1024.0 * (widest / 0.1).powi(2);
        assert!(sizing.units_at_2 as f64 >= at_4.floor(), "{sizing:?} against {at_4} ({widest})");
        assert!(sizing.units_at_2 as f64 <= 2.0 * at_4.ceil(), "{sizing:?} against {at_4} ({widest})");
        assert_eq!(sizing.replications.is_some_and(|r| r <= 4), widest <= 0.1, "{sizing:?}, widest {widest}");
    }

    #[test]
    fn noise_that_a_whole_replication_shares_does_not_make_an_inert_parameter_matter() {
        // Common random numbers can make a replication's noise a function of the
        // parameters: here each replication has its own slope in the inert third
        // parameter. Its mean over replications is a real-looking effect in the means that
        // the bootstrap over base samples cannot tell from one; the interval must.
        let u = design::saltelli(256, 3);
        let mut false_clear = 0;
        for seed in 0..20 {
            let mut rng = ChaCha8Rng::seed_from_u64(100 + seed);
            let runs: Vec<Vec<f64>> = (0..3)
                .map(|_| {
                    let slope = 0.7 * rng.sample::<f64, _>(rand_distr::StandardNormal);
                    u.chunks(3)
                        .map(|x| {
                            x[0] + 2.0 * x[1]
                                + slope * (x[2] - 0.5)
                                + 0.2 * rng.sample::<f64, _>(rand_distr::StandardNormal)
                        })
                        .collect()
                })
                .collect();
            let s =
                sobol(&Replicated::new(runs).unwrap(), 3, Bootstrap { resamples: 200, ..Default::default() }).unwrap();
            assert!(s.indices[0].clear() && s.indices[1].clear());
            false_clear += s.indices[2].clear() as u32;
        }
        assert!(false_clear <= 3, "the inert parameter called clear in {false_clear} of 20 designs");
    }

    #[test]
    fn a_pure_noise_metric_is_flagged() {
        let u = design::saltelli(256, 3);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let runs: Vec<Vec<f64>> =
            (0..2).map(|_| u.chunks(3).map(|_| rng.sample::<f64, _>(rand_distr::StandardNormal)).collect()).collect();
        let s = sobol(&Replicated::new(runs).unwrap(), 3, Bootstrap { resamples: 200, ..Default::default() }).unwrap();
        assert_eq!(s.noise.status, Status::Noise);
        assert!(s.indices.iter().all(|i| !i.clear()), "{:?}", s.indices);
    }

    #[test]
    fn sobol_rejects_a_design_of_the_wrong_shape() {
        assert!(sobol(&Replicated::single(vec![1.0; 7]).unwrap(), 3, Bootstrap::default()).is_err());
    }
}
