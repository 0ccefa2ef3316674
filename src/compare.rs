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
    /// The reported weeks compared: `all`, or a [`crate::run::Period`]'s label.
    pub period: String,
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

/// Paired differences of every metric of `alt` against `base` (same replications), over
/// all reported weeks (period `all`), then in each period both runs were given (the same
/// ones: see [`crate::run::periods_of`]).
pub fn paired(scenario: &str, base: &RunResult, alt: &RunResult) -> Vec<PairedDiff> {
    let runs = |r: &RunResult| -> Vec<RunSummary> { r.replications.iter().map(|x| x.summary.clone()).collect() };
    let mut out = paired_summaries(scenario, "all", &runs(base), &runs(alt));
    if base.periods == alt.periods {
        for (k, p) in base.periods.iter().enumerate() {
            let runs =
                |r: &RunResult| -> Vec<RunSummary> { r.replications.iter().map(|x| x.periods[k].clone()).collect() };
            out.extend(paired_summaries(scenario, &p.label, &runs(base), &runs(alt)));
        }
    }
    out
}

/// Paired differences of every metric between replication summaries `b` and `a`.
fn paired_summaries(scenario: &str, period: &str, b: &[RunSummary], a: &[RunSummary]) -> Vec<PairedDiff> {
    let Some(first) = b.first() else { return Vec::new() };
    let mut out = Vec::new();
    for (i, (name, _)) in first.metrics.iter().enumerate() {
        let pairs: Vec<(f64, f64)> = b
            .iter()
            .zip(a)
            .filter_map(|(x, y)| {
                let bx = x.metrics.get(i).and_then(|m| m.1)?;
                let ay = y.metrics.iter().find(|m| m.0 == *name).and_then(|m| m.1)?;
                Some((bx, ay))
            })
            .collect();
        if let Some(st) = PairedStats::of(&pairs) {
            out.push(PairedDiff {
                scenario: scenario.to_string(),
                period: period.to_string(),
                metric: name,
                base_mean: st.base_mean,
                alt_mean: st.alt_mean,
                diff_mean: st.diff_mean,
                ci_low: st.ci_low,
                ci_high: st.ci_high,
                sd: st.sd,
                n: st.n,
            });
        }
    }
    out
}

/// Means, mean difference and its 95% t-interval of paired values `(base, alt)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedStats {
    /// Mean of the base values.
    pub base_mean: f64,
    /// Mean of the alternative values.
    pub alt_mean: f64,
    /// Mean of the differences (alternative − base).
    pub diff_mean: f64,
    /// Lower end of its 95% t-interval (NaN with n < 2).
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Standard deviation of the differences (NaN with n < 2).
    pub sd: f64,
    /// Pairs.
    pub n: usize,
}

impl PairedStats {
    /// The statistics of `pairs`; `None` when there are none. Sums in the given order.
    pub fn of(pairs: &[(f64, f64)]) -> Option<PairedStats> {
        let diffs: Vec<f64> = pairs.iter().map(|p| p.1 - p.0).collect();
        let d = summary::stats_of("difference", &diffs)?;
        let n = pairs.len() as f64;
        Some(PairedStats {
            base_mean: pairs.iter().map(|p| p.0).sum::<f64>() / n,
            alt_mean: pairs.iter().map(|p| p.1).sum::<f64>() / n,
            diff_mean: d.mean,
            ci_low: d.ci_low,
            ci_high: d.ci_high,
            sd: d.sd,
            n: d.n,
        })
    }
}

/// The paired difference of one mechanism's rate between an alternative and the
/// baseline: "through which mechanism" a policy works.
#[derive(Debug, Clone, PartialEq)]
pub struct MechanismDiff {
    /// Alternative scenario name.
    pub scenario: String,
    /// Rule (R1–R19).
    pub rule: &'static str,
    /// Mechanism name, as in `mechanisms.csv`.
    pub mechanism: &'static str,
    /// Unit of the rate ([`RateUnit`]).
    pub unit: RateUnit,
    /// The statistics of the per-replication rates.
    pub stats: PairedStats,
}

/// How a mechanism's rate is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    /// Mechanisms about one patient: per 100 GP referrals.
    Per100Referrals,
    /// Mechanisms about link workers, posts or organisations: per PCN per year.
    PerPcnYear,
}

impl RateUnit {
    /// As written in `mechanisms.csv` of a comparison and in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            RateUnit::Per100Referrals => "per 100 referrals",
            RateUnit::PerPcnYear => "per PCN-year",
        }
    }
}

/// Each mechanism's rate in one replication: patient mechanisms per 100 GP referrals
/// (the ledger's "referred by GP"), the others per PCN per year.
fn mechanism_rates(rep: &crate::run::Replication, pcn_years: f64) -> Vec<(RateUnit, f64)> {
    use crate::metrics::ledger::{BANDS, Ledger, Mechanism};
    let mut total = Ledger::default();
    for l in &rep.ledger {
        total.add(l);
    }
    let referrals = total.total(Mechanism::Referred) as f64;
    Mechanism::ALL
        .iter()
        .map(|m| {
            let system = total.band_total(*m, 0) as f64;
            let patient: u64 = (1..BANDS.len()).map(|b| total.band_total(*m, b)).sum();
            if system > 0.0 {
                (RateUnit::PerPcnYear, system / pcn_years)
            } else {
                let rate = if referrals > 0.0 { 100.0 * patient as f64 / referrals } else { f64::NAN };
                (RateUnit::Per100Referrals, rate)
            }
        })
        .collect()
}

/// Paired differences of every mechanism's rate (see [`RateUnit`]) of `alt` against
/// `base`, replication by replication; mechanisms that never fired in either are left
/// out. `pcns` and `years`: the PCNs simulated and the reported years (the same in both
/// under a comparison).
pub fn mechanism_diffs(
    scenario: &str,
    base: &RunResult,
    alt: &RunResult,
    pcns: usize,
    years: f64,
) -> Vec<MechanismDiff> {
    use crate::metrics::ledger::Mechanism;
    let pcn_years = (pcns.max(1) as f64) * years;
    let b: Vec<Vec<(RateUnit, f64)>> = base.replications.iter().map(|r| mechanism_rates(r, pcn_years)).collect();
    let a: Vec<Vec<(RateUnit, f64)>> = alt.replications.iter().map(|r| mechanism_rates(r, pcn_years)).collect();
    let mut out = Vec::new();
    for (k, m) in Mechanism::ALL.iter().enumerate() {
        let system = b.iter().chain(&a).any(|r| r[k].0 == RateUnit::PerPcnYear);
        let unit = if system { RateUnit::PerPcnYear } else { RateUnit::Per100Referrals };
        let pairs: Vec<(f64, f64)> =
            b.iter().zip(&a).map(|(x, y)| (x[k].1, y[k].1)).filter(|p| p.0.is_finite() && p.1.is_finite()).collect();
        if pairs.iter().all(|p| p.0 == 0.0 && p.1 == 0.0) {
            continue;
        }
        if let Some(stats) = PairedStats::of(&pairs) {
            out.push(MechanismDiff {
                scenario: scenario.to_string(),
                rule: m.rule(),
                mechanism: m.name(),
                unit,
                stats,
            });
        }
    }
    out
}

/// Most rows per group in the default (not `--all`) table.
pub const MAIN_ROWS_PER_GROUP: usize = 10;

/// The standardised paired difference (mean ÷ sd of the differences), for sorting: a
/// difference with no spread counts as infinitely large, no difference as 0.
pub fn standardised(d: &PairedDiff) -> f64 {
    standardised_value(d.diff_mean, d.sd)
}

/// [`standardised`] of a difference and its sd.
pub fn standardised_value(diff: f64, sd: f64) -> f64 {
    if !diff.is_finite() || diff == 0.0 {
        0.0
    } else if sd.is_finite() && sd > 0.0 {
        diff / sd
    } else {
        f64::INFINITY.copysign(diff)
    }
}

/// Whether the 95% interval of the difference excludes 0 (a real difference).
pub fn is_real(d: &PairedDiff) -> bool {
    excludes_zero(d.ci_low, d.ci_high)
}

/// Whether an interval excludes 0.
pub fn excludes_zero(low: f64, high: f64) -> bool {
    (low.is_finite() && low > 0.0) || (high.is_finite() && high < 0.0)
}

/// The terminal table of `spsim compare`: per alternative, metrics grouped into access,
/// retention, outcomes and the VCSE sector, each group sorted by the size of the
/// standardised difference, real differences (95% interval excluding 0) marked `*`, with
/// n. Without `all`, only real differences are shown, at most [`MAIN_ROWS_PER_GROUP`] per
/// group, and a line says how many more `--all` shows.
pub fn table(base: &str, rows: &[PairedDiff], all: bool) -> String {
    use crate::metrics::defs::{GROUPS, group};
    let f = |x: f64| if x.is_finite() { format!("{x:.4}") } else { "-".into() };
    let width = rows.iter().map(|r| r.metric.len()).max().unwrap_or(6).max(6);
    let mut out = String::new();
    let mut scenarios: Vec<&str> = Vec::new();
    for r in rows {
        if !scenarios.contains(&r.scenario.as_str()) {
            scenarios.push(&r.scenario);
        }
    }
    let mut hidden = 0usize;
    for sc in scenarios {
        out.push_str(&format!("\n{sc} − {base}\n"));
        for g in GROUPS {
            let mut members: Vec<&PairedDiff> =
                rows.iter().filter(|r| r.scenario == sc && group(r.metric) == *g).collect();
            members
                .sort_by(|a, b| standardised(b).abs().total_cmp(&standardised(a).abs()).then(a.metric.cmp(b.metric)));
            let shown: Vec<&PairedDiff> = if all {
                members.clone()
            } else {
                members.iter().copied().filter(|r| is_real(r)).take(MAIN_ROWS_PER_GROUP).collect()
            };
            hidden += members.len() - shown.len();
            if shown.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "  {g}\n    {:<width$}  {:>11} {:>11} {:>11} {:>25} {:>8} {:>4}\n",
                "metric", "base", "alt", "diff", "95% CI", "diff/sd", "n"
            ));
            for r in shown {
                let z = standardised(r);
                out.push_str(&format!(
                    "  {} {:<width$}  {:>11} {:>11} {:>11} {:>25} {:>8} {:>4}\n",
                    if is_real(r) { "*" } else { " " },
                    r.metric,
                    f(r.base_mean),
                    f(r.alt_mean),
                    f(r.diff_mean),
                    format!("[{}, {}]", f(r.ci_low), f(r.ci_high)),
                    if z.is_finite() { format!("{z:.2}") } else { "inf".into() },
                    r.n
                ));
            }
        }
    }
    out.push_str("\n* the 95% interval of the paired difference excludes 0\n");
    if hidden > 0 {
        out.push_str(&format!("{hidden} more differences (intervals including 0, or beyond the first {MAIN_ROWS_PER_GROUP} of a group): --all shows them\n"));
    }
    out
}

/// The terminal table of a comparison across a plausible set: for each alternative, the
/// metrics the main table shows (those whose interval excludes 0 at the scenarios' own
/// coefficients; every metric with `all`), each with its paired difference there, the
/// median and 90% range across the plausible sets, and whether its sign holds in every
/// set ("robust") or flips.
pub fn ensemble_table(rows: &[PairedDiff], ens: &[crate::ensemble::DiffRow], all: bool) -> String {
    let f = |x: f64| if x.is_finite() { format!("{x:.4}") } else { "-".into() };
    let width = rows.iter().map(|r| r.metric.len()).max().unwrap_or(6).max(6);
    let mut out =
        String::from("\nacross the plausible set (median and 90% range of the paired difference over sets)\n");
    let mut flips = 0usize;
    let mut scenarios: Vec<&str> = Vec::new();
    for r in rows {
        if !scenarios.contains(&r.scenario.as_str()) {
            scenarios.push(&r.scenario);
        }
    }
    for sc in scenarios {
        out.push_str(&format!(
            "\n{sc} − baseline\n    {:<width$}  {:>11} {:>11} {:>25}  sign across sets\n",
            "metric", "diff", "median", "90% range"
        ));
        let mut shown: Vec<&PairedDiff> = rows.iter().filter(|r| r.scenario == sc && (all || is_real(r))).collect();
        shown.sort_by(|a, b| standardised(b).abs().total_cmp(&standardised(a).abs()).then(a.metric.cmp(b.metric)));
        for r in shown {
            let Some(e) = ens.iter().find(|e| e.scenario == sc && e.metric == r.metric) else { continue };
            flips += e.flips() as usize;
            out.push_str(&format!(
                "  {} {:<width$}  {:>11} {:>11} {:>25}  {}\n",
                if e.flips() { "!" } else { " " },
                r.metric,
                f(r.diff_mean),
                f(e.median),
                format!("[{}, {}]", f(e.low), f(e.high)),
                e.verdict()
            ));
        }
    }
    if flips > 0 {
        out.push_str(&format!(
            "\n! {flips} difference(s) flip sign inside the plausible set: the answer depends on coefficients the \
             targets do not pin down (or is within noise)\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(metric: &'static str, diff: f64, sd: f64, half: f64) -> PairedDiff {
        PairedDiff {
            scenario: "alt".into(),
            period: "all".into(),
            metric,
            base_mean: 1.0,
            alt_mean: 1.0 + diff,
            diff_mean: diff,
            ci_low: diff - half,
            ci_high: diff + half,
            sd,
            n: 20,
        }
    }

    #[test]
    fn the_table_groups_sorts_and_marks_real_differences() {
        let rows = vec![
            d("uptake_rate", 0.01, 0.1, 0.05),     // not real
            d("wait_weeks_mean", -0.5, 0.1, 0.05), // real, |z| = 5
            d("connected_rate", 0.2, 0.1, 0.05),   // real, |z| = 2
            d("lw_burnout_mean", 0.3, 0.05, 0.02), // retention, real
            d("a_very_long_metric_name_that_is_longer_than_the_column", 0.1, 0.01, 0.001),
        ];
        let t = table("base", &rows, false);
        let access = t.find("  access").unwrap();
        let retention = t.find("  retention").unwrap();
        assert!(access < retention, "{t}");
        let (w, c) = (t.find("wait_weeks_mean").unwrap(), t.find("connected_rate").unwrap());
        assert!(w < c, "sorted by |diff/sd|: {t}");
        assert!(!t.contains("uptake_rate"), "intervals including 0 are hidden by default");
        assert!(t.contains("1 more differences"), "{t}");
        assert!(t.lines().filter(|l| l.starts_with("  * ")).count() == 4, "{t}");
        // Columns stay aligned whatever the name length.
        let ends: Vec<usize> = t.lines().filter(|l| l.starts_with("  * ")).map(|l| l.len()).collect();
        assert!(ends.windows(2).all(|w| w[0] == w[1]), "{t}");
        let all = table("base", &rows, true);
        assert!(all.contains("uptake_rate") && !all.contains("more differences"), "{all}");
    }
}
