//! Per-run summary metrics (docs/ODD.md §4, Observation) and their mean, standard deviation and 95%
//! interval across replications. A metric that cannot be computed in a run (no events,
//! or a rule not built) is absent from that run, never faked.

use super::RegionTotals;
use super::defs::{COUNTERFACTUAL_ONLY, METRICS};
use crate::params::{Costs, Deprivation};

/// One replication's metrics, in a fixed order.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// `(name, value)`; `None` when undefined in this run.
    pub metrics: Vec<(&'static str, Option<f64>)>,
}

pub(crate) fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

/// Compute one replication's summary from every region's deprivation, population and
/// totals, in region order.
pub fn summarise(regions: &[(Deprivation, u32, &RegionTotals)], counterfactual: bool, costs: &Costs) -> RunSummary {
    summarise_pooled(&Pooled::of(regions), counterfactual, costs)
}

/// Every region's totals pooled: over all regions and by deprivation (what the summary
/// reads). Pooled totals of two moments subtract to a period's.
#[derive(Debug, Clone, Default)]
pub struct Pooled {
    /// Over all regions.
    pub all: RegionTotals,
    /// By deprivation (low, medium, high).
    pub by_dep: [RegionTotals; 3],
    /// Whether any region has each deprivation.
    pub has: [bool; 3],
    /// Population over all regions.
    pub population: f64,
    /// Regions (PCNs) pooled.
    pub pcns: f64,
}

impl Pooled {
    /// Pool regions' totals, in region order.
    pub fn of(regions: &[(Deprivation, u32, &RegionTotals)]) -> Pooled {
        let mut p = Pooled::default();
        for (dep, pop, t) in regions {
            p.population += *pop as f64;
            p.pcns += 1.0;
            p.all.add(t);
            let i = (dep.level() + 1.0) as usize;
            p.by_dep[i].add(t);
            p.has[i] = true;
        }
        p
    }

    /// What accumulated since `earlier` (the same regions' pooled totals then).
    pub fn since(&self, earlier: &Pooled) -> Pooled {
        let mut p = self.clone();
        p.all.sub(&earlier.all);
        for (a, b) in p.by_dep.iter_mut().zip(&earlier.by_dep) {
            a.sub(b);
        }
        p
    }
}

/// The summary of pooled totals.
pub fn summarise_pooled(p: &Pooled, counterfactual: bool, costs: &Costs) -> RunSummary {
    let x = Inputs::of(p, costs);
    let n = METRICS.len() - if counterfactual { 0 } else { COUNTERFACTUAL_ONLY };
    RunSummary { metrics: METRICS[..n].iter().map(|d| (d.name, (d.value)(&x))).collect() }
}

/// What the metrics of [`METRICS`] are computed from: a run's (or a period's) pooled
/// totals, and the quantities several metrics share.
#[derive(Debug)]
pub struct Inputs<'a> {
    /// Weekly counts summed over the reported weeks and every PCN.
    pub s: &'a super::WeekCounts,
    /// The pooled run totals.
    pub all: &'a RegionTotals,
    /// Registered population over all PCNs.
    pub population: f64,
    /// PCNs.
    pub pcns: f64,
    /// Link workers in post, in years.
    pub lw_years: f64,
    /// Link workers in post, in months.
    pub lw_months: f64,
    /// Patient-weeks on caseload (engaged, held, tapering).
    pub on_caseload: f64,
    /// Referrals not declined at triage.
    pub offered: f64,
    /// Episodes counted (ended, or open at the end of the run).
    pub episodes: f64,
    /// Episodes connected (journeys a and b).
    pub connected: f64,
    /// Access (first sessions per presentation) in high minus low deprivation, where the
    /// run has both.
    pub gap: Option<f64>,
    /// PCN-years.
    pub pcn_years: f64,
    /// Cost of the posts filled.
    pub staff: f64,
    /// Cost of the supervisors' hours.
    pub supervision: f64,
    /// Cost of filling vacancies.
    pub recruitment: f64,
    /// Cost of VCSE places.
    pub vcse: f64,
    /// All costs.
    pub total: f64,
    /// Non-medical GP consultations avoided against the counterfactual arm (26 weeks
    /// after referral).
    pub avoided: f64,
    /// The unit costs.
    pub costs: &'a Costs,
}

impl<'a> Inputs<'a> {
    /// The inputs of pooled totals at the scenario's unit costs.
    pub fn of(p: &'a Pooled, costs: &'a Costs) -> Self {
        let (all, by_dep, has) = (&p.all, &p.by_dep, p.has);
        let s = &all.sum;
        let access = |t: &RegionTotals| ratio(t.sum.first_sessions, t.sum.presented);
        let gap = if has[0] && has[2] {
            match (access(&by_dep[2]), access(&by_dep[0])) {
                (Some(h), Some(l)) => Some(h - l),
                _ => None,
            }
        } else {
            None
        };
        // Money: the hours and events at the scenario's unit costs.
        let staff = s.lw_in_post / 52.0 * costs.lw_post_per_year;
        let supervision = s.hours_supervision * costs.supervisor_per_hour;
        let recruitment = s.recruited * costs.recruitment_per_vacancy;
        let vcse = s.vcse_users * costs.vcse_place_week;
        Inputs {
            s,
            all,
            population: p.population,
            pcns: p.pcns,
            lw_years: s.lw_in_post / 52.0,
            lw_months: s.lw_in_post * 12.0 / 52.0,
            on_caseload: s.engaged + s.held + s.tapering,
            offered: s.referrals - s.triage_declined,
            episodes: s.episodes_ended,
            connected: s.journey_connected_directly + s.journey_held_then_connected,
            gap,
            pcn_years: all.weeks * p.pcns / 52.0,
            staff,
            supervision,
            recruitment,
            vcse,
            total: staff + supervision + recruitment + vcse,
            avoided: all.fu_after_cf - all.fu_after,
            costs,
        }
    }
}

/// A metric across replications.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricStats {
    /// Metric name.
    pub name: &'static str,
    /// Mean over the replications where it is defined.
    pub mean: f64,
    /// Lower end of the 95% interval of the mean (t distribution); NaN with n < 2.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Sample standard deviation; NaN with n < 2.
    pub sd: f64,
    /// Replications in which it is defined.
    pub n: usize,
}

/// Combine replications (in replication order) into per-metric statistics. Metrics
/// absent from every replication are left out. The 95% interval is the t interval
/// intersected with the metric's range ([`super::defs::range`]: shares in [0, 1], counts
/// at least 0): the true value lies in the range, so the intersection covers it as often.
pub fn combine(runs: &[RunSummary]) -> Vec<MetricStats> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, (name, _)) in first.metrics.iter().enumerate() {
        let values: Vec<f64> = runs.iter().filter_map(|r| r.metrics.get(i).and_then(|m| m.1)).collect();
        out.extend(stats_of(name, &values).map(|mut s| {
            let (lo, hi) = super::defs::range(name);
            s.ci_low = s.ci_low.clamp(lo, hi);
            s.ci_high = s.ci_high.clamp(lo, hi);
            s
        }));
    }
    out
}

/// Mean, standard deviation and 95% t interval of one metric's values; `None` when
/// there are none.
pub fn stats_of(name: &'static str, values: &[f64]) -> Option<MetricStats> {
    if values.is_empty() {
        return None;
    }
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n as f64;
    let (sd, half) = if n >= 2 {
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        (sd, t_975(n - 1) * sd / (n as f64).sqrt())
    } else {
        (f64::NAN, f64::NAN)
    };
    Some(MetricStats { name, mean, ci_low: mean - half, ci_high: mean + half, sd, n })
}

/// 97.5% quantile of Student's t with `df` degrees of freedom.
pub fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    if df == 0 {
        return f64::NAN;
    }
    if df <= 30 {
        return TABLE[df - 1];
    }
    // Cornish–Fisher expansion around the normal quantile.
    let z: f64 = 1.959963984540054;
    let v = df as f64;
    z + (z.powi(3) + z) / (4.0 * v) + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combine_gives_mean_sd_and_t_interval() {
        let runs: Vec<RunSummary> = [1.0, 2.0, 3.0, 4.0]
            .iter()
            .map(|&v| RunSummary { metrics: vec![("x", Some(v)), ("absent", None)] })
            .collect();
        let stats = combine(&runs);
        assert_eq!(stats.len(), 1, "a metric absent from every run is left out");
        let s = &stats[0];
        assert_eq!(s.n, 4);
        assert!((s.mean - 2.5).abs() < 1e-12);
        let sd = (5.0f64 / 3.0).sqrt();
        assert!((s.sd - sd).abs() < 1e-12);
        assert!((s.ci_high - (2.5 + 3.182 * sd / 2.0)).abs() < 1e-9);
    }

    #[test]
    fn every_metric_is_defined_once_and_the_counterfactual_ones_come_last() {
        let t = RegionTotals::default();
        let with = summarise(&[(Deprivation::Medium, 1000, &t)], true, &Costs::default());
        let without = summarise(&[(Deprivation::Medium, 1000, &t)], false, &Costs::default());
        let names = |r: &RunSummary| r.metrics.iter().map(|(n, _)| *n).collect::<Vec<_>>();
        let defined: Vec<&str> = METRICS.iter().map(|d| d.name).collect();
        assert_eq!(names(&with), defined);
        let mut unique = defined.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), defined.len(), "a metric defined twice");
        // The metrics left out without the counterfactual arm are those that read it.
        let dropped = &defined[names(&without).len()..];
        assert_eq!(dropped.len(), COUNTERFACTUAL_ONLY);
        for name in dropped {
            assert!(["effect_controlled", "avoided", "cost_net"].iter().any(|w| name.contains(w)), "{name}");
        }
        for name in names(&without) {
            assert!(!["effect_controlled", "avoided", "cost_net"].iter().any(|w| name.contains(w)), "{name}");
        }
    }

    #[test]
    fn t_quantile_is_continuous_at_the_table_end() {
        assert!((t_975(31) - 2.040).abs() < 0.002);
        assert!((t_975(1000) - 1.962).abs() < 0.002);
    }
}
