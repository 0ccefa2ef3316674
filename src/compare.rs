//! Paired scenario comparison under common random numbers: every scenario is run with the
//! baseline's seed and replications, so replication r of each sees the same patients,
//! and differences are taken replication by replication before averaging.

use crate::metrics::summary::{self, RunSummary};
use crate::run::RunResult;

/// The paired difference of one metric between an alternative and the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedDiff {
    /// Alternative scenario name.
    pub scenario: String,
    /// Metric name.
    pub metric: &'static str,
    /// Baseline mean over the paired replications.
    pub base_mean: f64,
    /// Alternative mean over the paired replications.
    pub alt_mean: f64,
    /// Mean of the per-replication differences (alternative − baseline).
    pub diff_mean: f64,
    /// Lower end of its 95% t-interval (NaN with n < 2).
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Standard deviation of the differences.
    pub sd: f64,
    /// Replications where the metric is defined in both.
    pub n: usize,
}

/// Paired differences of every metric of `alt` against `base` (same replications).
pub fn paired(scenario: &str, base: &RunResult, alt: &RunResult) -> Vec<PairedDiff> {
    let runs = |r: &RunResult| -> Vec<RunSummary> { r.replications.iter().map(|x| x.summary.clone()).collect() };
    let (b, a) = (runs(base), runs(alt));
    let Some(first) = b.first() else { return Vec::new() };
    let mut out = Vec::new();
    for (i, (name, _)) in first.metrics.iter().enumerate() {
        let pairs: Vec<(f64, f64)> = b
            .iter()
            .zip(&a)
            .filter_map(|(x, y)| {
                let bx = x.metrics.get(i).and_then(|m| m.1)?;
                let ay = y.metrics.iter().find(|m| m.0 == *name).and_then(|m| m.1)?;
                Some((bx, ay))
            })
            .collect();
        if pairs.is_empty() {
            continue;
        }
        let n = pairs.len();
        let mean = |f: &dyn Fn(&(f64, f64)) -> f64| pairs.iter().map(f).sum::<f64>() / n as f64;
        let diff_mean = mean(&|p| p.1 - p.0);
        let (sd, half) = if n >= 2 {
            let var = pairs.iter().map(|p| (p.1 - p.0 - diff_mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            (var.sqrt(), summary::t_975(n - 1) * var.sqrt() / (n as f64).sqrt())
        } else {
            (f64::NAN, f64::NAN)
        };
        out.push(PairedDiff {
            scenario: scenario.to_string(),
            metric: name,
            base_mean: mean(&|p| p.0),
            alt_mean: mean(&|p| p.1),
            diff_mean,
            ci_low: diff_mean - half,
            ci_high: diff_mean + half,
            sd,
            n,
        });
    }
    out
}
