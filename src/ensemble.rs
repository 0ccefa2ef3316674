//! Answers across the plausible set: a scenario (or a comparison of scenarios) run at
//! every parameter set a calibration did not rule out (or an evenly spaced subsample),
//! each set with the same replications and seeds (common random numbers), so that an
//! answer carries parameter uncertainty as well as stochastic noise.
//!
//! For a run, each metric gets the median and the 90% range (5th to 95th percentile) of
//! the sets' means: the parameter uncertainty. The combined interval takes each set's
//! mean as uncertain too (normal with its standard error over replications) and gives
//! the 5th and 95th percentiles of the equal-weight mixture over sets: parameter and
//! stochastic uncertainty together. For a comparison, each set gives a paired mean
//! difference; the median, 90% range and the share of sets whose difference has the
//! median's sign say how robust the answer is.

use rayon::prelude::*;

use crate::metrics::summary::RunSummary;
use crate::params::spec::RawValue;
use crate::run::run_replication;
use crate::scenario::Scenario;

/// Parameter sets: dotted keys and one row of values per set.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterSets {
    /// The dotted keys, in column order.
    pub keys: Vec<String>,
    /// One row per set.
    pub rows: Vec<Vec<f64>>,
}

/// Indices of the sets used: all of them, or `size` spread evenly over the file's order.
pub fn choose(total: usize, size: Option<usize>) -> Vec<usize> {
    match size {
        Some(n) if n < total => (0..n).map(|i| i * total / n).collect(),
        _ => (0..total).collect(),
    }
}

/// `base` with one set's values applied (whole-number keys rounded).
pub fn scenario_with(base: &Scenario, keys: &[String], values: &[f64]) -> Result<Scenario, String> {
    let mut s = base.clone();
    s.sweep = None;
    s.calibration = None;
    for (k, &x) in keys.iter().zip(values) {
        let spec = s.sweepable_spec(k)?;
        let raw = if spec.expected == <u32 as crate::params::spec::ParamValue>::EXPECTED {
            RawValue::Int(x.round() as i64)
        } else {
            RawValue::Float(x)
        };
        s.set_dotted(k, &raw).map_err(|e| format!("`{k}` = {x}: {e}"))?;
    }
    if let Some(why) = s.changes_beyond_run() {
        return Err(why);
    }
    s.check_all_periods().map_err(|e| e.join("; "))?;
    Ok(s)
}

/// Run every scenario (one per set) for `reps` replications, in parallel, collected in
/// order: `out[set][replication]`. `done` is called once per finished replication.
pub fn run_sets(scenarios: &[Scenario], reps: u32, done: &(dyn Fn() + Sync)) -> Vec<Vec<RunSummary>> {
    let r = reps as usize;
    let flat: Vec<RunSummary> = (0..scenarios.len() * r)
        .into_par_iter()
        .map(|k| {
            let out = run_replication(&scenarios[k / r], (k % r) as u32, &|_| {}).summary;
            done();
            out
        })
        .collect();
    flat.chunks(r).map(|c| c.to_vec()).collect()
}

/// One metric across the sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Metric name.
    pub metric: &'static str,
    /// Median of the sets' means.
    pub median: f64,
    /// 5th percentile of the sets' means.
    pub low: f64,
    /// 95th percentile.
    pub high: f64,
    /// Sets in which the metric was defined.
    pub sets: usize,
    /// 5th percentile of the mixture of the sets' sampling distributions.
    pub combined_low: f64,
    /// 95th percentile of it.
    pub combined_high: f64,
}

/// Percentile `q` (0–1) of sorted values, interpolated linearly between order statistics.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (i, frac) = (h.floor() as usize, h - h.floor());
    if i + 1 < sorted.len() { sorted[i] + frac * (sorted[i + 1] - sorted[i]) } else { sorted[i] }
}

/// Standard normal cumulative distribution (Abramowitz and Stegun 7.1.26, |error| < 1.5e-7).
pub fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 { 0.5 * (1.0 + erf) } else { 0.5 * (1.0 - erf) }
}

/// Quantile `q` of an equal-weight mixture of normals `(mean, sd)` (sd 0: a point mass),
/// by bisection on the mixture's distribution function.
pub fn mixture_quantile(parts: &[(f64, f64)], q: f64) -> f64 {
    if parts.is_empty() {
        return f64::NAN;
    }
    let cdf = |x: f64| -> f64 {
        parts
            .iter()
            .map(|&(m, s)| {
                if s > 0.0 {
                    normal_cdf((x - m) / s)
                } else if x >= m {
                    1.0
                } else {
                    0.0
                }
            })
            .sum::<f64>()
            / parts.len() as f64
    };
    let lo0 = parts.iter().map(|&(m, s)| m - 10.0 * s).fold(f64::INFINITY, f64::min);
    let hi0 = parts.iter().map(|&(m, s)| m + 10.0 * s).fold(f64::NEG_INFINITY, f64::max);
    let (mut lo, mut hi) = (lo0, hi0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < q {
            lo = mid
        } else {
            hi = mid
        }
        if hi - lo <= 1e-12 * (1.0 + mid.abs()) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// The range a metric's value can take: shares in [0, 1]; counts, rates and durations at
/// least 0; changes, effects and gaps (which can fall) unbounded. The combined interval is
/// kept inside it (a normal approximation can reach past a bound).
pub fn bounds(metric: &str) -> (f64, f64) {
    crate::metrics::defs::range(metric)
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = if xs.len() > 1 { xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    (m, v.sqrt())
}

/// Every metric across the sets (`per_set[set][replication]`), in output order.
pub fn summarise(per_set: &[Vec<RunSummary>]) -> Vec<Row> {
    let Some(first) = per_set.first().and_then(|s| s.first()) else { return Vec::new() };
    first
        .metrics
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let mut parts = Vec::new();
            for reps in per_set {
                let xs: Vec<f64> = reps.iter().filter_map(|r| r.metrics.get(i).and_then(|m| m.1)).collect();
                if !xs.is_empty() {
                    let (m, sd) = mean_sd(&xs);
                    parts.push((m, sd / (xs.len() as f64).sqrt()));
                }
            }
            let mut means: Vec<f64> = parts.iter().map(|p| p.0).collect();
            means.sort_by(f64::total_cmp);
            let (lo, hi) = bounds(name);
            Row {
                metric: name,
                median: percentile(&means, 0.5),
                low: percentile(&means, 0.05),
                high: percentile(&means, 0.95),
                sets: means.len(),
                combined_low: mixture_quantile(&parts, 0.05).clamp(lo, hi),
                combined_high: mixture_quantile(&parts, 0.95).clamp(lo, hi),
            }
        })
        .collect()
}

/// One metric's paired difference (alternative − baseline) across the sets.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffRow {
    /// Alternative scenario name.
    pub scenario: String,
    /// Metric name.
    pub metric: &'static str,
    /// Median of the sets' mean paired differences.
    pub median: f64,
    /// 5th percentile.
    pub low: f64,
    /// 95th percentile.
    pub high: f64,
    /// Sets in which the difference was defined.
    pub sets: usize,
    /// Share of those sets whose difference has the median's sign (1 when every set's
    /// difference is 0; 0 when the median is 0 and some are not).
    pub same_sign_share: f64,
}

impl DiffRow {
    /// Some sets give the opposite sign to the median: the answer flips inside the
    /// plausible set.
    pub fn flips(&self) -> bool {
        self.sets > 0 && self.same_sign_share < 1.0
    }

    /// "robust in 94% of plausible sets" or "flips sign: same sign in 61% of sets".
    pub fn verdict(&self) -> String {
        let pct = (100.0 * self.same_sign_share).floor();
        if self.median == 0.0 && !self.flips() {
            format!("no difference in any of {} sets", self.sets)
        } else if self.flips() {
            format!("flips sign: same sign in {pct:.0}% of {} sets", self.sets)
        } else {
            format!("same sign in all {} plausible sets", self.sets)
        }
    }
}

/// Paired differences of every metric of `alt` against `base`, set by set (same sets,
/// same replications), across the sets.
pub fn paired(scenario: &str, base: &[Vec<RunSummary>], alt: &[Vec<RunSummary>]) -> Vec<DiffRow> {
    let Some(first) = base.first().and_then(|s| s.first()) else { return Vec::new() };
    first
        .metrics
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let mut diffs = Vec::new();
            for (b, a) in base.iter().zip(alt) {
                let d: Vec<f64> =
                    b.iter().zip(a).filter_map(|(x, y)| Some(y.metrics.get(i)?.1? - x.metrics.get(i)?.1?)).collect();
                if !d.is_empty() {
                    diffs.push(d.iter().sum::<f64>() / d.len() as f64);
                }
            }
            diffs.sort_by(f64::total_cmp);
            let median = percentile(&diffs, 0.5);
            let same = if diffs.is_empty() {
                0.0
            } else if diffs.iter().all(|d| *d == 0.0) {
                1.0 // no difference in any set: nothing flips
            } else if median == 0.0 {
                0.0
            } else {
                diffs.iter().filter(|d| d.signum() == median.signum() && **d != 0.0).count() as f64 / diffs.len() as f64
            };
            DiffRow {
                scenario: scenario.to_string(),
                metric: name,
                median,
                low: percentile(&diffs, 0.05),
                high: percentile(&diffs, 0.95),
                sets: diffs.len(),
                same_sign_share: same,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_and_the_mixture_widens_the_range_of_means() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert!((percentile(&v, 0.05) - 1.2).abs() < 1e-12);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        // Point masses: the mixture's quantiles are those of the means.
        let pts: Vec<(f64, f64)> = v.iter().map(|&m| (m, 0.0)).collect();
        assert!((mixture_quantile(&pts, 0.5) - 3.0).abs() < 1e-6);
        // One normal: its own quantile.
        assert!((mixture_quantile(&[(10.0, 2.0)], 0.95) - (10.0 + 2.0 * 1.644_854)).abs() < 1e-4);
        // Noise around each mean widens the interval beyond the means' range.
        let noisy: Vec<(f64, f64)> = v.iter().map(|&m| (m, 1.0)).collect();
        assert!(mixture_quantile(&noisy, 0.05) < percentile(&v, 0.05));
        assert!(mixture_quantile(&noisy, 0.95) > percentile(&v, 0.95));
    }

    #[test]
    fn combined_intervals_stay_in_the_metric_range() {
        assert_eq!(bounds("lw_burnout_high_share"), (0.0, 1.0));
        assert_eq!(bounds("wait_weeks_mean"), (0.0, f64::INFINITY));
        assert_eq!(bounds("gp_nonmedical_effect_controlled").0, f64::NEG_INFINITY);
        // A share near 0 with wide noise: the mixture reaches below 0, the row does not.
        let sum = |x: f64| RunSummary { metrics: vec![("lw_burnout_high_share", Some(x))] };
        let sets: Vec<Vec<RunSummary>> = (0..5).map(|_| vec![sum(0.0), sum(0.02), sum(0.0), sum(0.3)]).collect();
        let r = &summarise(&sets)[0];
        assert!(r.combined_low >= 0.0 && r.combined_high <= 1.0, "{r:?}");
    }

    #[test]
    fn subsamples_are_spread_over_the_file() {
        assert_eq!(choose(10, Some(5)), vec![0, 2, 4, 6, 8]);
        assert_eq!(choose(3, Some(5)), vec![0, 1, 2]);
        assert_eq!(choose(4, None), vec![0, 1, 2, 3]);
    }

    #[test]
    fn a_difference_that_changes_sign_between_sets_says_so() {
        let sum = |x: f64| RunSummary { metrics: vec![("m", Some(x))] };
        let base: Vec<Vec<RunSummary>> = (0..4).map(|_| vec![sum(0.0), sum(0.0)]).collect();
        let alt: Vec<Vec<RunSummary>> = [1.0, 2.0, 3.0, -1.0].iter().map(|&d| vec![sum(d), sum(d)]).collect();
        let r = &paired("alt", &base, &alt)[0];
        assert_eq!(r.sets, 4);
        assert!((r.same_sign_share - 0.75).abs() < 1e-12);
        assert!(r.flips() && r.verdict().contains("75%"));
        let all_up: Vec<Vec<RunSummary>> = [1.0, 2.0, 3.0, 4.0].iter().map(|&d| vec![sum(d), sum(d)]).collect();
        assert!(!paired("alt", &base, &all_up)[0].flips());
    }
}
