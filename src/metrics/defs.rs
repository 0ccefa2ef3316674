//! Every summary metric defined once: name, unit, rules, a one-line meaning and its
//! computation from a run's pooled totals ([`Inputs`]). The order is the order of
//! `summary.csv`; [`super::summary::summarise`] computes exactly these, and
//! `docs/metrics.md` is generated from this table (`spsim metrics`).
//!
//! Shared definitions: an *episode* is a referral (or re-referral) after the warm-up that
//! reached a first session, counted when it ends or, still open, at the end of the run;
//! an *exit* is an episode that ended during the run (outcomes are measured at exit);
//! *LW-years* are link workers in post summed over reported weeks ÷ 52.

use super::summary::{Inputs, ratio};
use super::{hist_mean, hist_quantile};

/// One summary metric: its description and how it is computed from a run's pooled
/// totals ([`Inputs`]), in one place.
#[derive(Clone, Copy)]
pub struct MetricDef {
    /// Name in `summary.csv`.
    pub name: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Rules whose mechanisms it reads (docs/ODD.md §7).
    pub rules: &'static str,
    /// What it counts, in one line.
    pub meaning: &'static str,
    /// Its value for a run (`None` where undefined, e.g. a rate of nothing).
    pub value: fn(&Inputs) -> Option<f64>,
}

impl std::fmt::Debug for MetricDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricDef").field("name", &self.name).field("unit", &self.unit).finish_non_exhaustive()
    }
}

const fn m(
    name: &'static str,
    unit: &'static str,
    rules: &'static str,
    meaning: &'static str,
    value: fn(&Inputs) -> Option<f64>,
) -> MetricDef {
    MetricDef { name, unit, rules, meaning, value }
}

/// Metrics at the end of [`METRICS`] that exist only with the counterfactual arm.
pub const COUNTERFACTUAL_ONLY: usize = 5;

/// The summary metrics, in output order, each with its computation. The last five exist
/// only with the counterfactual arm ([`COUNTERFACTUAL_ONLY`]).
pub const METRICS: &[MetricDef] = &[
    m(
        "presentations_per_1000_year",
        "per 1,000 people per year",
        "R1",
        "People presenting to a GP with non-medical needs.",
        |x| ratio(x.s.presented * 52.0 * 1000.0, x.all.weeks * x.population),
    ),
    m(
        "referrals_per_lw_year",
        "referrals per LW-year",
        "R2",
        "GP referrals to the service per link worker in post.",
        |x| ratio(x.s.referrals, x.lw_years),
    ),
    m(
        "triage_decline_rate",
        "share of referrals",
        "R3",
        "Referrals declined by the link worker at triage (inappropriate).",
        |x| ratio(x.s.triage_declined, x.s.referrals),
    ),
    m("uptake_rate", "share", "R4", "Referrals the patient accepted, of those not declined at triage.", |x| {
        ratio(x.s.accepted, x.offered)
    }),
    m("wait_weeks_mean", "weeks", "R5", "Mean weeks from joining the waiting list to the first session.", |x| {
        hist_mean(&x.all.wait_hist)
    }),
    m("wait_weeks_p90", "weeks", "R5", "90th percentile of the same wait.", |x| hist_quantile(&x.all.wait_hist, 0.9)),
    m(
        "dropout_waiting_rate",
        "share",
        "R5",
        "Patients who lost momentum on the waiting list, of those who joined it after the warm-up.",
        |x| ratio(x.all.dropped_waiting_reported, x.s.accepted + x.s.rereferred),
    ),
    m("dna_rate", "share", "R5", "First appointments missed, of first appointments due.", |x| {
        ratio(x.s.dna, x.s.first_sessions + x.s.dna)
    }),
    m("contacts_per_engaged_median", "sessions", "R6, R10", "Median sessions per exit.", |x| {
        hist_quantile(&x.all.contacts_hist, 0.5)
    }),
    m("contacts_per_engaged_mean", "sessions", "R6, R10", "Mean sessions per exit.", |x| {
        hist_mean(&x.all.contacts_hist)
    }),
    m(
        "reached_3_contacts_rate",
        "share",
        "R5, R6",
        "Exits with at least 3 sessions, of referrals and re-referrals.",
        |x| ratio(x.all.exits_3_contacts, x.s.referrals + x.s.rereferred),
    ),
    m(
        "connected_rate",
        "share of episodes",
        "R7",
        "Episodes in which a VCSE place started (journeys a + b); open episodes count.",
        |x| ratio(x.connected, x.episodes),
    ),
    m(
        "no_suitable_service_per_engaged",
        "per exit",
        "R7",
        "Proposals that found no suitable known open service, per exit.",
        |x| ratio(x.s.no_suitable_service, x.all.exits_engaged),
    ),
    m(
        "pushed_too_early_rate",
        "share",
        "R7",
        "Proposals to patients not actually ready, of those plus places started.",
        |x| ratio(x.s.pushed_too_early, x.s.pushed_too_early + x.s.connected),
    ),
    m(
        "held_share",
        "share of caseload",
        "R8",
        "Patients held (held while on a VCSE waiting list included), of patients engaged, held or tapering (weekly stocks).",
        |x| ratio(x.s.held, x.on_caseload),
    ),
    m("held_26w_share", "share of held", "R8", "Held patients held for 26 weeks or more (weekly stocks).", |x| {
        ratio(x.s.held_26w, x.s.held)
    }),
    m(
        "held_waiting_share",
        "share of held",
        "R8",
        "Held patients held while waiting for services: ready, with no open suitable service or on a VCSE waiting list (weekly stocks).",
        |x| ratio(x.s.held_waiting, x.s.held),
    ),
    m("ever_held_share", "share of episodes", "R8", "Episodes held at some point (journeys b + c).", |x| {
        ratio(x.s.journey_held_then_connected + x.s.journey_held_unconnected, x.episodes)
    }),
    m(
        "journey_connected_directly_share",
        "share of episodes",
        "R7",
        "Journey (a): connected without being held.",
        |x| ratio(x.s.journey_connected_directly, x.episodes),
    ),
    m(
        "journey_held_then_connected_share",
        "share of episodes",
        "R8, R7",
        "Journey (b): held until ready, then connected.",
        |x| ratio(x.s.journey_held_then_connected, x.episodes),
    ),
    m(
        "journey_held_unconnected_share",
        "share of episodes",
        "R8",
        "Journey (c): held, never connected (causes in mechanisms.csv).",
        |x| ratio(x.s.journey_held_unconnected, x.episodes),
    ),
    m(
        "rereferral_rate",
        "share",
        "R10",
        "Re-referrals, of discharges (re-referrals of episodes that began after the warm-up).",
        |x| ratio(x.all.rereferred_reported, x.s.discharged),
    ),
    m("tapered_ending_share", "share", "R10", "Discharges with a tapered ending.", |x| {
        ratio(x.s.discharged_tapered, x.s.discharged)
    }),
    m(
        "patients_per_lw_month",
        "referrals per LW-month",
        "R2",
        "New patients referred to each link worker in a month.",
        |x| ratio(x.s.referrals, x.lw_months),
    ),
    m(
        "caseload_per_lw_year",
        "patients per LW-year",
        "R12",
        "Distinct patients seen in a session in each reported year, per link worker.",
        |x| ratio(x.s.patients_seen_new_in_year, x.lw_years),
    ),
    m(
        "caseload_mean_per_lw",
        "patients",
        "R12",
        "Mean caseload (engaged, held, tapering) per link worker in post.",
        |x| ratio(x.on_caseload, x.s.lw_in_post),
    ),
    m(
        "vcse_full_share",
        "share of open organisations",
        "R18",
        "Open VCSE organisations with no free place for a new referral (weekly).",
        |x| ratio(x.s.vcse_full, x.s.vcse_open),
    ),
    m("vcse_utilisation", "share of places", "R18", "VCSE places in use, of all places.", |x| {
        ratio(x.s.vcse_users, x.s.vcse_capacity)
    }),
    m(
        "gp_nonmedical_change_uncontrolled",
        "relative change",
        "R1, R9",
        "Non-medical GP consultations, 26 weeks after vs before referral (first episodes).",
        |x| ratio(x.all.fu_after - x.all.fu_before, x.all.fu_before),
    ),
    m("gp_nonmedical_share_up", "share of patients", "R9", "Patients whose consultations rose after referral.", |x| {
        ratio(x.all.fu_up, x.all.fu_n)
    }),
    m(
        "gp_nonmedical_share_down",
        "share of patients",
        "R9",
        "Patients whose consultations fell after referral.",
        |x| ratio(x.all.fu_down, x.all.fu_n),
    ),
    m(
        "gp_medical_facilitated_per_patient",
        "per exit",
        "R9",
        "Medical GP appointments arranged by the link worker, per exit.",
        |x| ratio(x.all.exits_medical, x.all.exits_engaged),
    ),
    m("wellbeing_change_mean", "0–1 scale", "R6, R7", "Mean well-being change from referral to exit.", |x| {
        ratio(x.all.wellbeing_change, x.all.exits_engaged)
    }),
    m("self_efficacy_change_mean", "0–1 scale", "R6, R7", "Mean self-efficacy change from referral to exit.", |x| {
        ratio(x.all.self_efficacy_change, x.all.exits_engaged)
    }),
    m("social_capital_change_mean", "0–1 scale", "R7", "Mean social-capital change from referral to exit.", |x| {
        ratio(x.all.social_capital_change, x.all.exits_engaged)
    }),
    m(
        "access_gap_high_vs_low_deprivation",
        "difference of shares",
        "R1, R5",
        "First sessions per presentation, high- minus low-deprivation regions.",
        |x| x.gap,
    ),
    m("lw_burnout_mean", "0–1", "R13", "Mean burnout of link workers in post.", |x| {
        ratio(x.s.lw_burnout, x.s.lw_in_post)
    }),
    m(
        "lw_burnout_high_share",
        "share of LWs",
        "R13",
        "Link workers in post with burnout above the high threshold.",
        |x| ratio(x.s.lw_burnout_high, x.s.lw_in_post),
    ),
    m("lw_satisfaction_mean", "0–1", "R14", "Mean job satisfaction of link workers in post.", |x| {
        ratio(x.s.lw_satisfaction, x.s.lw_in_post)
    }),
    m("lw_embeddedness_mean", "0–1", "R15", "Mean embeddedness in primary care (bolted on → belonging).", |x| {
        ratio(x.s.lw_embeddedness, x.s.lw_in_post)
    }),
    m(
        "lw_intention_to_leave_share",
        "share of LWs",
        "R16",
        "Expected share who would say they intend to leave within a year.",
        |x| ratio(x.s.lw_intending, x.s.lw_in_post),
    ),
    m(
        "lw_target_pressure_mean",
        "ratio − 1",
        "R12",
        "Mean caseload-target pressure: target ÷ achievable − 1, at least 0.",
        |x| ratio(x.s.lw_pressure, x.s.lw_in_post),
    ),
    m("lw_load_mean", "ratio", "R12", "Mean load: caseload hours ÷ session hours.", |x| {
        ratio(x.s.lw_load, x.s.lw_in_post)
    }),
    m(
        "lw_overloaded_share",
        "share of LWs",
        "R12",
        "Link workers whose caseload exceeds what their hours allow (load > 1).",
        |x| ratio(x.s.lw_overloaded, x.s.lw_in_post),
    ),
    m(
        "lw_known_orgs_share",
        "share of open organisations",
        "R11",
        "Share of the open VCSE organisations each link worker knows.",
        |x| ratio(x.s.lw_known_orgs, x.s.lw_in_post),
    ),
    m(
        "lw_turnover_annual",
        "leavers per LW-year",
        "R16",
        "Link workers who left, per link worker in post per year.",
        |x| ratio(x.s.leavers, x.lw_years),
    ),
    m("lw_vacancy_rate", "share of posts", "R16", "Posts vacant, of posts not cut.", |x| {
        ratio(x.s.lw_vacant, x.s.lw_in_post + x.s.lw_vacant)
    }),
    m("lw_tenure_at_leaving_years", "years", "R16, R17", "Mean years in post of leavers and of posts cut.", |x| {
        ratio(x.s.leaver_tenure_weeks / 52.0, x.s.leavers + x.s.posts_cut)
    }),
    m("lw_posts_cut_per_year", "posts per year", "R17", "Posts cut when funding was not renewed.", |x| {
        ratio(x.s.posts_cut * 52.0, x.all.weeks)
    }),
    m(
        "lw_posts_commissioned_per_year",
        "posts per year",
        "R17",
        "Posts commissioned: cut posts reinstated and new posts.",
        |x| ratio(x.s.posts_commissioned * 52.0, x.all.weeks),
    ),
    m("continuity_break_share", "share of exits", "R16", "Exits whose link worker changed during the episode.", |x| {
        ratio(x.all.exits_continuity_break, x.all.exits_engaged)
    }),
    m(
        "vcse_closures_per_year",
        "organisations per year",
        "R18",
        "VCSE organisations closed when their grant was not renewed.",
        |x| ratio(x.s.vcse_closures * 52.0, x.all.weeks),
    ),
    m("vcse_new_per_year", "organisations per year", "R18", "New VCSE organisations.", |x| {
        ratio(x.s.vcse_new * 52.0, x.all.weeks)
    }),
    m(
        "connections_per_pcn_year",
        "patients per PCN-year",
        "R7",
        "Patients connected to a VCSE organisation (the place started), per PCN per year.",
        |x| ratio(x.s.connected * 52.0, x.all.weeks * x.pcns),
    ),
    m(
        "first_sessions_per_pcn_year",
        "patients per PCN-year",
        "R5",
        "First sessions with a link worker (patients reaching the service), per PCN per year.",
        |x| ratio(x.s.first_sessions * 52.0, x.all.weeks * x.pcns),
    ),
    m(
        "vcse_open_per_pcn",
        "organisations per PCN",
        "R18",
        "VCSE organisations open, per PCN (mean over the weeks).",
        |x| ratio(x.s.vcse_open, x.all.weeks * x.pcns),
    ),
    m(
        "lw_leavers_per_pcn_year",
        "leavers per PCN-year",
        "R16",
        "Link workers who left their post, per PCN per year.",
        |x| ratio(x.s.leavers * 52.0, x.all.weeks * x.pcns),
    ),
    m(
        "hours_first_sessions_per_lw_year",
        "hours per LW-year",
        "R5, R6",
        "Hours of first sessions with patients.",
        |x| ratio(x.s.hours_first_sessions, x.lw_years),
    ),
    m(
        "hours_follow_up_per_lw_year",
        "hours per LW-year",
        "R6, R10",
        "Hours of follow-up sessions with patients in active work or tapering.",
        |x| ratio(x.s.hours_follow_up, x.lw_years),
    ),
    m("hours_holding_per_lw_year", "hours per LW-year", "R8", "Hours of anchor sessions with held patients.", |x| {
        ratio(x.s.hours_holding, x.lw_years)
    }),
    m(
        "hours_community_per_lw_year",
        "hours per LW-year",
        "R11, R12",
        "Hours kept for community work (squeezed when coping with overload).",
        |x| ratio(x.s.hours_community, x.lw_years),
    ),
    m("hours_supervision_per_lw_year", "hours per LW-year", "R19", "Hours of supervision.", |x| {
        ratio(x.s.hours_supervision, x.lw_years)
    }),
    m("hours_training_per_lw_year", "hours per LW-year", "R19", "Hours of training.", |x| {
        ratio(x.s.hours_training, x.lw_years)
    }),
    m("hours_admin_per_lw_year", "hours per LW-year", "R6", "Hours of administration.", |x| {
        ratio(x.s.hours_admin, x.lw_years)
    }),
    m(
        "hours_practice_travel_per_lw_year",
        "hours per LW-year",
        "R15",
        "Hours of travel and overhead between the PCN's practices.",
        |x| ratio(x.s.hours_practice_travel, x.lw_years),
    ),
    m(
        "hours_vcse_refusals_per_lw_year",
        "hours per LW-year",
        "R7",
        "Hours spent finding another door after a VCSE organisation declined a patient.",
        |x| ratio(x.s.hours_vcse_refusals, x.lw_years),
    ),
    m("hours_lost_burnout_per_lw_year", "hours per LW-year", "R13", "Contracted hours lost to burnout.", |x| {
        ratio(x.s.hours_lost_burnout, x.lw_years)
    }),
    m(
        "hours_unused_per_lw_year",
        "hours per LW-year",
        "R6",
        "Session hours left unused because no patient was due.",
        |x| ratio(x.s.hours_unused, x.lw_years),
    ),
    m("hours_vacant_per_pcn_year", "hours per PCN-year", "R16", "Contracted hours of funded posts left vacant.", |x| {
        ratio(x.s.hours_vacant * 52.0, x.all.weeks * x.pcns)
    }),
    m(
        "cost_staff_per_pcn_year",
        "£ per PCN-year",
        "R6, R16",
        "Cost of filled link worker posts (costs.lw_post_per_year per post-year in post).",
        |x| ratio(x.staff, x.pcn_years),
    ),
    m(
        "cost_supervision_per_pcn_year",
        "£ per PCN-year",
        "R19",
        "Cost of the supervisors' time (supervision hours × costs.supervisor_per_hour).",
        |x| ratio(x.supervision, x.pcn_years),
    ),
    m(
        "cost_recruitment_per_pcn_year",
        "£ per PCN-year",
        "R16",
        "Cost of filling vacant posts (recruits × costs.recruitment_per_vacancy).",
        |x| ratio(x.recruitment, x.pcn_years),
    ),
    m(
        "cost_vcse_per_pcn_year",
        "£ per PCN-year",
        "R7, R18",
        "Cost of VCSE places used (place-weeks × costs.vcse_place_week; 0 by default).",
        |x| ratio(x.vcse, x.pcn_years),
    ),
    m(
        "cost_total_per_pcn_year",
        "£ per PCN-year",
        "R6, R7, R16, R19",
        "Staff, supervision, recruitment and VCSE costs.",
        |x| ratio(x.total, x.pcn_years),
    ),
    m(
        "cost_per_patient_supported",
        "£ per patient",
        "R5, R6",
        "Total cost per first session held (a patient reaching a link worker).",
        |x| ratio(x.total, x.s.first_sessions),
    ),
    m(
        "cost_per_patient_connected",
        "£ per patient",
        "R7",
        "Total cost per patient connected to a VCSE organisation.",
        |x| ratio(x.total, x.s.connected),
    ),
    m(
        "gp_consultations_avoided_per_pcn_year",
        "consultations per PCN-year",
        "R9",
        "Non-medical GP consultations in the 26 weeks after referral that the same patients had without link \
         workers and did not have with them (counterfactual arm; negative when they had more).",
        |x| ratio(x.avoided, x.pcn_years),
    ),
    m(
        "gp_value_avoided_per_pcn_year",
        "£ per PCN-year",
        "R9",
        "Value of the GP consultations avoided (at costs.gp_consultation each).",
        |x| ratio(x.avoided * x.costs.gp_consultation, x.pcn_years),
    ),
    m(
        "cost_net_per_pcn_year",
        "£ per PCN-year",
        "R6, R9",
        "Total cost less the value of GP consultations avoided (counterfactual arm).",
        |x| ratio(x.total - x.avoided * x.costs.gp_consultation, x.pcn_years),
    ),
    m(
        "gp_nonmedical_effect_controlled",
        "relative difference",
        "R9",
        "Non-medical GP consultations after referral vs the no-service arm (same patients).",
        |x| ratio(x.all.fu_after - x.all.fu_after_cf, x.all.fu_after_cf),
    ),
    m(
        "wellbeing_effect_controlled",
        "0–1 scale",
        "R6, R7",
        "Mean well-being change at exit minus the no-service arm's, per exit.",
        |x| ratio(x.all.wellbeing_change - x.all.wellbeing_change_cf, x.all.exits_engaged),
    ),
];

/// The definition of a metric by name.
pub fn find(name: &str) -> Option<&'static MetricDef> {
    METRICS.iter().find(|d| d.name == name)
}

/// A metric's name in words for plots: the first clause of its meaning (before a colon,
/// bracket or full stop), at most 60 characters; the code name when it has no definition.
pub fn words(name: &str) -> String {
    let Some(d) = find(name) else { return name.to_string() };
    let cut = d.meaning.find([':', '(', ';']).unwrap_or(d.meaning.len());
    let clause = d.meaning[..cut].trim().trim_end_matches(['.', ',']).trim();
    if clause.chars().count() <= 60 {
        clause.to_string()
    } else {
        let short: String = clause.chars().take(57).collect();
        format!("{}…", short.trim_end())
    }
}

/// The groups a comparison reads metrics in, in order.
pub const GROUPS: &[&str] = &["access", "retention", "hours", "costs", "outcomes", "VCSE sector"];

/// Which of [`GROUPS`] a summary metric belongs to: link worker metrics and continuity
/// are retention; GP use, well-being, self-efficacy and social capital are outcomes;
/// VCSE closures, openings, fullness and use are the sector; the rest (referral to
/// connection, waiting, holding, journeys, caseloads, the deprivation gap) is access.
pub fn group(name: &str) -> &'static str {
    if name.starts_with("hours_") {
        "hours"
    } else if name.starts_with("cost_") || name.contains("_avoided_") {
        "costs"
    } else if name.starts_with("lw_") || name == "continuity_break_share" {
        "retention"
    } else if ["gp_", "wellbeing_", "self_efficacy_", "social_capital_"].iter().any(|p| name.starts_with(p)) {
        "outcomes"
    } else if name.starts_with("vcse_") {
        "VCSE sector"
    } else {
        "access"
    }
}

/// The range a metric's value can take: shares in [0, 1]; counts, rates, durations and
/// costs at least 0; changes, effects, gaps, consultations avoided and net costs (which can
/// fall below 0) unbounded. Intervals are kept inside
/// it.
pub fn range(metric: &str) -> (f64, f64) {
    let signed = ["change", "effect", "gap", "_avoided_", "cost_net"].iter().any(|w| metric.contains(w));
    let share = find(metric).is_some_and(|d| d.unit.starts_with("share"));
    match (signed, share) {
        (true, _) => (f64::NEG_INFINITY, f64::INFINITY),
        (false, true) => (0.0, 1.0),
        (false, false) => (0.0, f64::INFINITY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_a_short_name_in_words_for_plots() {
        assert_eq!(words("lw_target_pressure_mean"), "Mean caseload-target pressure");
        assert_eq!(words("no_such_metric"), "no_such_metric");
        for d in METRICS {
            let w = words(d.name);
            assert!(!w.is_empty() && w.chars().count() <= 60 && w != d.name, "{}: {w:?}", d.name);
        }
    }
}
