//! How much of a metric's variance over a design is replication noise.

use super::{Bootstrap, Replicated, debiased, mean, resamples, sd, z_of};

/// What the analysis can say of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// At least one parameter clearly matters (its interval lies above 0, or above the
    /// noise for Morris): the indices describe the parameters' effects, each with its
    /// own interval.
    Signal,
    /// No index can be told from 0, and replication noise is why: the noise is at least
    /// half of the point means' variance. More replications (or larger regions) are
    /// needed.
    Noise,
    /// No index can be told from 0 though the noise is under half the means' variance:
    /// the design has too few points to apportion the variance.
    Unresolved,
    /// The metric does not vary over the design: every index is 0.
    Constant,
    /// One replication per point: the noise cannot be measured, and the indices may be
    /// noise (run the sweep with at least 2 replications).
    Unmeasured,
    /// Some replications were left out (a run failed, or the metric was undefined at some
    /// point): the indices use the complete ones only, a selection that may not be
    /// random, so no parameter is called clear.
    Incomplete,
}

impl Status {
    /// The word written in the CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Signal => "signal",
            Status::Noise => "noise",
            Status::Unresolved => "unresolved",
            Status::Constant => "constant",
            Status::Unmeasured => "unmeasured",
            Status::Incomplete => "incomplete",
        }
    }
}

/// A metric's variance over the design split into the parameters' share and the
/// replication noise's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise {
    /// Replications per point used.
    pub replications: usize,
    /// Share of one run's variance over the design that is noise, 0–1 (`None` with one
    /// replication). The noise common to every point of a replication (common random
    /// numbers) moves no index and is not counted.
    pub share_runs: Option<f64>,
    /// Share of the point means' variance that is noise, 0–1: what the indices see.
    pub share_means: Option<f64>,
    /// The verdict ([`Status`]); [`noise`] gives `Signal` when the parameters' share of
    /// the variance is clearly above 0, and [`Noise::judge`] refines it with the indices.
    pub status: Status,
}

impl Noise {
    /// The verdict once the indices are known: `any_clear` when at least one parameter
    /// clearly matters. Signal needs both the parameters' share of the variance and one
    /// index clearly above 0; otherwise the noise is to blame when it is at least half of
    /// the means' variance, and the design's size when not.
    pub fn judge(mut self, any_clear: bool) -> Noise {
        if matches!(self.status, Status::Signal | Status::Noise) && !(self.status == Status::Signal && any_clear) {
            let noisy = self.share_means.is_some_and(|s| s >= 0.5);
            self.status = if noisy { Status::Noise } else { Status::Unresolved };
        }
        self
    }
}

/// The noise of `y` over a design of units of `unit` rows each (a Sobol' base sample's
/// `d + 2` rows, a Morris trajectory's `d + 1`, or single points). The parameters' share
/// is the means' variance less its noise part (unbiased, [`super::debiased`]); it is
/// clear when its bootstrap interval over the units lies above 0.
pub fn noise(y: &Replicated, unit: usize, boot: Bootstrap) -> Noise {
    let r = y.replications();
    if y.constant() {
        let zero = (r >= 2).then_some(0.0);
        return Noise { replications: r, share_runs: zero, share_means: zero, status: Status::Constant };
    }
    if r < 2 {
        return Noise { replications: r, share_runs: None, share_means: None, status: Status::Unmeasured };
    }
    let (parts, _) = y.standardised();
    let units = y.len() / unit.max(1);
    let over = |idx| variance_over(idx, unit);
    let all: Vec<usize> = (0..units).collect();
    let (signal, noise_means) = debiased(&parts, over(&all[..]));
    let (signal, noise_means) = (signal[0], noise_means[0]);
    let total = signal + noise_means;
    let noise_run = noise_means * r as f64;
    let share_means = if total > 0.0 { (noise_means / total).clamp(0.0, 1.0) } else { 1.0 };
    let share_runs = if noise_run > 0.0 { (noise_run / (noise_run + signal.max(0.0))).clamp(0.0, 1.0) } else { 0.0 };
    let boots: Vec<f64> = resamples(units, boot, 1).iter().map(|idx| debiased(&parts, over(&idx[..])).0[0]).collect();
    let clear = signal - z_of(boot.level) * sd(&boots) > 0.0;
    Noise {
        replications: r,
        share_runs: Some(share_runs),
        share_means: Some(share_means),
        status: if clear { Status::Signal } else { Status::Noise },
    }
}

/// Population variance over the rows of the units in `idx`, as a quadratic form.
fn variance_over(idx: &[usize], unit: usize) -> impl Fn(&[f64]) -> Vec<f64> + '_ {
    move |v: &[f64]| {
        let rows = idx.iter().flat_map(|&u| u * unit..(u + 1) * unit);
        let m = mean(rows.clone().map(|i| v[i]));
        vec![mean(rows.map(|i| (v[i] - m).powi(2)))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::ChaCha8Rng;
    use rand::{RngExt, SeedableRng};

    fn design(signal_sd: f64, noise_sd: f64, reps: usize) -> Replicated {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let f: Vec<f64> = (0..400).map(|_| signal_sd * rng.sample::<f64, _>(rand_distr::StandardNormal)).collect();
        let runs = (0..reps)
            .map(|_| {
                // A shift common to the whole replication (common random numbers) moves no index.
                let shift = 5.0 * rng.sample::<f64, _>(rand_distr::StandardNormal);
                f.iter().map(|v| v + shift + noise_sd * rng.sample::<f64, _>(rand_distr::StandardNormal)).collect()
            })
            .collect();
        Replicated::new(runs).unwrap()
    }

    #[test]
    fn the_noise_share_it_was_given_is_recovered() {
        // Signal variance 1, noise variance 3: 75% of one run's variance is noise; with 4
        // replications the means carry 3/4 against 1, 43%.
        let n = noise(&design(1.0, 3f64.sqrt(), 4), 1, Bootstrap { resamples: 200, ..Default::default() });
        assert_eq!(n.status, Status::Signal);
        assert!((n.share_runs.unwrap() - 0.75).abs() < 0.05, "{n:?}");
        assert!((n.share_means.unwrap() - 3.0 / 7.0).abs() < 0.06, "{n:?}");
    }

    #[test]
    fn pure_noise_is_flagged_and_a_constant_is_not_nan() {
        let boot = Bootstrap { resamples: 200, ..Default::default() };
        let n = noise(&design(0.0, 1.0, 3), 1, boot);
        assert_eq!(n.status, Status::Noise);
        assert!(n.share_runs.unwrap() > 0.9, "{n:?}");
        let c = noise(&Replicated::new(vec![vec![2.0; 10], vec![2.0; 10]]).unwrap(), 1, boot);
        assert_eq!((c.status, c.share_runs), (Status::Constant, Some(0.0)));
        // Replications that differ only by a shift common to every point: still constant.
        let shifted = noise(&Replicated::new(vec![vec![2.0; 10], vec![3.0; 10]]).unwrap(), 1, boot);
        assert_eq!((shifted.status, shifted.share_runs), (Status::Constant, Some(0.0)));
        let one = noise(&Replicated::single(vec![1.0, 2.0, 3.0]).unwrap(), 1, boot);
        assert_eq!((one.status, one.share_runs), (Status::Unmeasured, None));
    }
}
