//! Per-run summary metrics (docs/ODD.md §4, Observation) and their mean, standard deviation and 95%
//! interval across replications. A metric that cannot be computed in a run (no events,
//! or a rule not built) is absent from that run, never faked.

use super::{RegionTotals, hist_mean, hist_quantile};
use crate::params::{Costs, Deprivation};

/// One replication's metrics, in a fixed order.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// `(name, value)`; `None` when undefined in this run.
    pub metrics: Vec<(&'static str, Option<f64>)>,
}

fn ratio(a: f64, b: f64) -> Option<f64> {
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
    let (all, by_dep, has, population, pcns) = (&p.all, &p.by_dep, p.has, p.population, p.pcns);
    let s = &all.sum;
    let lw_years = s.lw_in_post / 52.0;
    let lw_months = s.lw_in_post * 12.0 / 52.0;
    let on_caseload = s.engaged + s.held + s.tapering;
    let access = |t: &RegionTotals| ratio(t.sum.first_sessions, t.sum.presented);
    let gap = if has[0] && has[2] {
        match (access(&by_dep[2]), access(&by_dep[0])) {
            (Some(h), Some(l)) => Some(h - l),
            _ => None,
        }
    } else {
        None
    };
    let offered = s.referrals - s.triage_declined;
    let episodes = s.episodes_ended;
    let connected = s.journey_connected_directly + s.journey_held_then_connected;
    let mut m: Vec<(&'static str, Option<f64>)> = vec![
        ("presentations_per_1000_year", ratio(s.presented * 52.0 * 1000.0, all.weeks * population)),
        ("referrals_per_lw_year", ratio(s.referrals, lw_years)),
        ("triage_decline_rate", ratio(s.triage_declined, s.referrals)),
        ("uptake_rate", ratio(s.accepted, offered)),
        ("wait_weeks_mean", hist_mean(&all.wait_hist)),
        ("wait_weeks_p90", hist_quantile(&all.wait_hist, 0.9)),
        ("dropout_waiting_rate", ratio(all.dropped_waiting_reported, s.accepted + s.rereferred)),
        ("dna_rate", ratio(s.dna, s.first_sessions + s.dna)),
        ("contacts_per_engaged_median", hist_quantile(&all.contacts_hist, 0.5)),
        ("contacts_per_engaged_mean", hist_mean(&all.contacts_hist)),
        ("reached_3_contacts_rate", ratio(all.exits_3_contacts, s.referrals + s.rereferred)),
        ("connected_rate", ratio(connected, episodes)),
        ("no_suitable_service_per_engaged", ratio(s.no_suitable_service, all.exits_engaged)),
        ("pushed_too_early_rate", ratio(s.pushed_too_early, s.pushed_too_early + s.connected)),
        ("held_share", ratio(s.held, on_caseload)),
        ("held_26w_share", ratio(s.held_26w, s.held)),
        ("held_waiting_share", ratio(s.held_waiting, s.held)),
        ("ever_held_share", ratio(s.journey_held_then_connected + s.journey_held_unconnected, episodes)),
        ("journey_connected_directly_share", ratio(s.journey_connected_directly, episodes)),
        ("journey_held_then_connected_share", ratio(s.journey_held_then_connected, episodes)),
        ("journey_held_unconnected_share", ratio(s.journey_held_unconnected, episodes)),
        ("rereferral_rate", ratio(all.rereferred_reported, s.discharged)),
        ("tapered_ending_share", ratio(s.discharged_tapered, s.discharged)),
        ("patients_per_lw_month", ratio(s.referrals, lw_months)),
        ("caseload_per_lw_year", ratio(s.patients_seen_new_in_year, lw_years)),
        ("caseload_mean_per_lw", ratio(on_caseload, s.lw_in_post)),
        ("vcse_full_share", ratio(s.vcse_full, s.vcse_open)),
        ("vcse_utilisation", ratio(s.vcse_users, s.vcse_capacity)),
        ("gp_nonmedical_change_uncontrolled", ratio(all.fu_after - all.fu_before, all.fu_before)),
        ("gp_nonmedical_share_up", ratio(all.fu_up, all.fu_n)),
        ("gp_nonmedical_share_down", ratio(all.fu_down, all.fu_n)),
        ("gp_medical_facilitated_per_patient", ratio(all.exits_medical, all.exits_engaged)),
        ("wellbeing_change_mean", ratio(all.wellbeing_change, all.exits_engaged)),
        ("self_efficacy_change_mean", ratio(all.self_efficacy_change, all.exits_engaged)),
        ("social_capital_change_mean", ratio(all.social_capital_change, all.exits_engaged)),
        ("access_gap_high_vs_low_deprivation", gap),
        ("lw_burnout_mean", ratio(s.lw_burnout, s.lw_in_post)),
        ("lw_burnout_high_share", ratio(s.lw_burnout_high, s.lw_in_post)),
        ("lw_satisfaction_mean", ratio(s.lw_satisfaction, s.lw_in_post)),
        ("lw_embeddedness_mean", ratio(s.lw_embeddedness, s.lw_in_post)),
        ("lw_intention_to_leave_share", ratio(s.lw_intending, s.lw_in_post)),
        ("lw_target_pressure_mean", ratio(s.lw_pressure, s.lw_in_post)),
        ("lw_load_mean", ratio(s.lw_load, s.lw_in_post)),
        ("lw_overloaded_share", ratio(s.lw_overloaded, s.lw_in_post)),
        ("lw_known_orgs_share", ratio(s.lw_known_orgs, s.lw_in_post)),
        ("lw_turnover_annual", ratio(s.leavers, lw_years)),
        ("lw_vacancy_rate", ratio(s.lw_vacant, s.lw_in_post + s.lw_vacant)),
        ("lw_tenure_at_leaving_years", ratio(s.leaver_tenure_weeks / 52.0, s.leavers + s.posts_cut)),
        ("lw_posts_cut_per_year", ratio(s.posts_cut * 52.0, all.weeks)),
        ("lw_posts_commissioned_per_year", ratio(s.posts_commissioned * 52.0, all.weeks)),
        ("continuity_break_share", ratio(all.exits_continuity_break, all.exits_engaged)),
        ("vcse_closures_per_year", ratio(s.vcse_closures * 52.0, all.weeks)),
        ("vcse_new_per_year", ratio(s.vcse_new * 52.0, all.weeks)),
        ("connections_per_pcn_year", ratio(s.connected * 52.0, all.weeks * pcns)),
        ("first_sessions_per_pcn_year", ratio(s.first_sessions * 52.0, all.weeks * pcns)),
        ("vcse_open_per_pcn", ratio(s.vcse_open, all.weeks * pcns)),
        ("lw_leavers_per_pcn_year", ratio(s.leavers * 52.0, all.weeks * pcns)),
        ("hours_first_sessions_per_lw_year", ratio(s.hours_first_sessions, lw_years)),
        ("hours_follow_up_per_lw_year", ratio(s.hours_follow_up, lw_years)),
        ("hours_holding_per_lw_year", ratio(s.hours_holding, lw_years)),
        ("hours_community_per_lw_year", ratio(s.hours_community, lw_years)),
        ("hours_supervision_per_lw_year", ratio(s.hours_supervision, lw_years)),
        ("hours_training_per_lw_year", ratio(s.hours_training, lw_years)),
        ("hours_admin_per_lw_year", ratio(s.hours_admin, lw_years)),
        ("hours_practice_travel_per_lw_year", ratio(s.hours_practice_travel, lw_years)),
        ("hours_vcse_refusals_per_lw_year", ratio(s.hours_vcse_refusals, lw_years)),
        ("hours_lost_burnout_per_lw_year", ratio(s.hours_lost_burnout, lw_years)),
        ("hours_unused_per_lw_year", ratio(s.hours_unused, lw_years)),
        ("hours_vacant_per_pcn_year", ratio(s.hours_vacant * 52.0, all.weeks * pcns)),
    ];
    // Money: the hours and events above at the scenario's unit costs, per PCN-year.
    let pcn_years = all.weeks * pcns / 52.0;
    let staff = s.lw_in_post / 52.0 * costs.lw_post_per_year;
    let supervision = s.hours_supervision * costs.supervisor_per_hour;
    let recruitment = s.recruited * costs.recruitment_per_vacancy;
    let vcse = s.vcse_users * costs.vcse_place_week;
    let total = staff + supervision + recruitment + vcse;
    m.extend([
        ("cost_staff_per_pcn_year", ratio(staff, pcn_years)),
        ("cost_supervision_per_pcn_year", ratio(supervision, pcn_years)),
        ("cost_recruitment_per_pcn_year", ratio(recruitment, pcn_years)),
        ("cost_vcse_per_pcn_year", ratio(vcse, pcn_years)),
        ("cost_total_per_pcn_year", ratio(total, pcn_years)),
        ("cost_per_patient_supported", ratio(total, s.first_sessions)),
        ("cost_per_patient_connected", ratio(total, s.connected)),
    ]);
    if counterfactual {
        // GP consultations the referred patients did not need, against the same patients
        // without link workers (their 26 weeks after referral), and what they are worth.
        let avoided = all.fu_after_cf - all.fu_after;
        m.push(("gp_consultations_avoided_per_pcn_year", ratio(avoided, pcn_years)));
        m.push(("gp_value_avoided_per_pcn_year", ratio(avoided * costs.gp_consultation, pcn_years)));
        m.push(("cost_net_per_pcn_year", ratio(total - avoided * costs.gp_consultation, pcn_years)));
        m.push(("gp_nonmedical_effect_controlled", ratio(all.fu_after - all.fu_after_cf, all.fu_after_cf)));
        m.push((
            "wellbeing_effect_controlled",
            ratio(all.wellbeing_change - all.wellbeing_change_cf, all.exits_engaged),
        ));
    }
    RunSummary { metrics: m }
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
    fn every_metric_computed_is_defined_once_in_order() {
        let t = RegionTotals::default();
        let run = summarise(&[(Deprivation::Medium, 1000, &t)], true, &Costs::default());
        let computed: Vec<&str> = run.metrics.iter().map(|(n, _)| *n).collect();
        let defined: Vec<&str> = super::super::defs::METRICS.iter().map(|d| d.name).collect();
        assert_eq!(computed, defined);
        let mut unique = defined.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), defined.len(), "a metric defined twice");
    }

    #[test]
    fn t_quantile_is_continuous_at_the_table_end() {
        assert!((t_975(31) - 2.040).abs() < 0.002);
        assert!((t_975(1000) - 1.962).abs() < 0.002);
    }
}
