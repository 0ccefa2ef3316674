//! Every summary metric defined once: name, unit, rules and a one-line meaning. The order
//! is the order of `summary.csv`; a test checks that [`super::summary::summarise`]
//! computes exactly these, and `docs/metrics.md` is generated from this table
//! (`spsim metrics`).
//!
//! Shared definitions: an *episode* is a referral (or re-referral) after the warm-up that
//! reached a first session, counted when it ends or, still open, at the end of the run;
//! an *exit* is an episode that ended during the run (outcomes are measured at exit);
//! *LW-years* are link workers in post summed over reported weeks ÷ 52.

/// One summary metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricDef {
    /// Name in `summary.csv`.
    pub name: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Rules whose mechanisms it reads (docs/ODD.md §7).
    pub rules: &'static str,
    /// What it counts, in one line.
    pub meaning: &'static str,
}

const fn m(name: &'static str, unit: &'static str, rules: &'static str, meaning: &'static str) -> MetricDef {
    MetricDef { name, unit, rules, meaning }
}

/// The summary metrics, in output order. The last two exist only with the counterfactual arm.
pub const METRICS: &[MetricDef] = &[
    m(
        "presentations_per_1000_year",
        "per 1,000 people per year",
        "R1",
        "People presenting to a GP with non-medical needs.",
    ),
    m("referrals_per_lw_year", "referrals per LW-year", "R2", "GP referrals to the service per link worker in post."),
    m(
        "triage_decline_rate",
        "share of referrals",
        "R3",
        "Referrals declined by the link worker at triage (inappropriate).",
    ),
    m("uptake_rate", "share", "R4", "Referrals the patient accepted, of those not declined at triage."),
    m("wait_weeks_mean", "weeks", "R5", "Mean weeks from joining the waiting list to the first session."),
    m("wait_weeks_p90", "weeks", "R5", "90th percentile of the same wait."),
    m(
        "dropout_waiting_rate",
        "share",
        "R5",
        "Patients who lost momentum on the waiting list, of those who joined it after the warm-up.",
    ),
    m("dna_rate", "share", "R5", "First appointments missed, of first appointments due."),
    m("contacts_per_engaged_median", "sessions", "R6, R10", "Median sessions per exit."),
    m("contacts_per_engaged_mean", "sessions", "R6, R10", "Mean sessions per exit."),
    m("reached_3_contacts_rate", "share", "R5, R6", "Exits with at least 3 sessions, of referrals and re-referrals."),
    m(
        "connected_rate",
        "share of episodes",
        "R7",
        "Episodes in which a VCSE place started (journeys a + b); open episodes count.",
    ),
    m(
        "no_suitable_service_per_engaged",
        "per exit",
        "R7",
        "Proposals that found no suitable known open service, per exit.",
    ),
    m(
        "pushed_too_early_rate",
        "share",
        "R7",
        "Proposals to patients not actually ready, of those plus places started.",
    ),
    m(
        "held_share",
        "share of caseload",
        "R8",
        "Patients held (held while on a VCSE waiting list included), of patients engaged, held or tapering (weekly stocks).",
    ),
    m("held_26w_share", "share of held", "R8", "Held patients held for 26 weeks or more (weekly stocks)."),
    m(
        "held_waiting_share",
        "share of held",
        "R8",
        "Held patients held while waiting for services: ready, with no open suitable service or on a VCSE waiting list (weekly stocks).",
    ),
    m("ever_held_share", "share of episodes", "R8", "Episodes held at some point (journeys b + c)."),
    m("journey_connected_directly_share", "share of episodes", "R7", "Journey (a): connected without being held."),
    m(
        "journey_held_then_connected_share",
        "share of episodes",
        "R8, R7",
        "Journey (b): held until ready, then connected.",
    ),
    m(
        "journey_held_unconnected_share",
        "share of episodes",
        "R8",
        "Journey (c): held, never connected (causes in mechanisms.csv).",
    ),
    m(
        "rereferral_rate",
        "share",
        "R10",
        "Re-referrals, of discharges (re-referrals of episodes that began after the warm-up).",
    ),
    m("tapered_ending_share", "share", "R10", "Discharges with a tapered ending."),
    m("patients_per_lw_month", "referrals per LW-month", "R2", "New patients referred to each link worker in a month."),
    m(
        "caseload_per_lw_year",
        "patients per LW-year",
        "R12",
        "Distinct patients seen in a session in each reported year, per link worker.",
    ),
    m("caseload_mean_per_lw", "patients", "R12", "Mean caseload (engaged, held, tapering) per link worker in post."),
    m(
        "vcse_full_share",
        "share of open organisations",
        "R18",
        "Open VCSE organisations with no free place for a new referral (weekly).",
    ),
    m("vcse_utilisation", "share of places", "R18", "VCSE places in use, of all places."),
    m(
        "gp_nonmedical_change_uncontrolled",
        "relative change",
        "R1, R9",
        "Non-medical GP consultations, 26 weeks after vs before referral (first episodes).",
    ),
    m("gp_nonmedical_share_up", "share of patients", "R9", "Patients whose consultations rose after referral."),
    m("gp_nonmedical_share_down", "share of patients", "R9", "Patients whose consultations fell after referral."),
    m(
        "gp_medical_facilitated_per_patient",
        "per exit",
        "R9",
        "Medical GP appointments arranged by the link worker, per exit.",
    ),
    m("wellbeing_change_mean", "0–1 scale", "R6, R7", "Mean well-being change from referral to exit."),
    m("self_efficacy_change_mean", "0–1 scale", "R6, R7", "Mean self-efficacy change from referral to exit."),
    m("social_capital_change_mean", "0–1 scale", "R7", "Mean social-capital change from referral to exit."),
    m(
        "access_gap_high_vs_low_deprivation",
        "difference of shares",
        "R1, R5",
        "First sessions per presentation, high- minus low-deprivation regions.",
    ),
    m("lw_burnout_mean", "0–1", "R13", "Mean burnout of link workers in post."),
    m("lw_burnout_high_share", "share of LWs", "R13", "Link workers in post with burnout above the high threshold."),
    m("lw_satisfaction_mean", "0–1", "R14", "Mean job satisfaction of link workers in post."),
    m("lw_embeddedness_mean", "0–1", "R15", "Mean embeddedness in primary care (bolted on → belonging)."),
    m(
        "lw_intention_to_leave_share",
        "share of LWs",
        "R16",
        "Expected share who would say they intend to leave within a year.",
    ),
    m(
        "lw_target_pressure_mean",
        "ratio − 1",
        "R12",
        "Mean caseload-target pressure: target ÷ achievable − 1, at least 0.",
    ),
    m("lw_load_mean", "ratio", "R12", "Mean load: caseload hours ÷ session hours."),
    m(
        "lw_overloaded_share",
        "share of LWs",
        "R12",
        "Link workers whose caseload exceeds what their hours allow (load > 1).",
    ),
    m(
        "lw_known_orgs_share",
        "share of open organisations",
        "R11",
        "Share of the open VCSE organisations each link worker knows.",
    ),
    m("lw_turnover_annual", "leavers per LW-year", "R16", "Link workers who left, per link worker in post per year."),
    m("lw_vacancy_rate", "share of posts", "R16", "Posts vacant, of posts not cut."),
    m("lw_tenure_at_leaving_years", "years", "R16, R17", "Mean years in post of leavers and of posts cut."),
    m("lw_posts_cut_per_year", "posts per year", "R17", "Posts cut when funding was not renewed."),
    m(
        "lw_posts_commissioned_per_year",
        "posts per year",
        "R17",
        "Posts commissioned: cut posts reinstated and new posts.",
    ),
    m("continuity_break_share", "share of exits", "R16", "Exits whose link worker changed during the episode."),
    m(
        "vcse_closures_per_year",
        "organisations per year",
        "R18",
        "VCSE organisations closed when their grant was not renewed.",
    ),
    m("vcse_new_per_year", "organisations per year", "R18", "New VCSE organisations."),
    m(
        "connections_per_pcn_year",
        "patients per PCN-year",
        "R7",
        "Patients connected to a VCSE organisation (the place started), per PCN per year.",
    ),
    m(
        "first_sessions_per_pcn_year",
        "patients per PCN-year",
        "R5",
        "First sessions with a link worker (patients reaching the service), per PCN per year.",
    ),
    m("vcse_open_per_pcn", "organisations per PCN", "R18", "VCSE organisations open, per PCN (mean over the weeks)."),
    m("lw_leavers_per_pcn_year", "leavers per PCN-year", "R16", "Link workers who left their post, per PCN per year."),
    m("hours_first_sessions_per_lw_year", "hours per LW-year", "R5, R6", "Hours of first sessions with patients."),
    m(
        "hours_follow_up_per_lw_year",
        "hours per LW-year",
        "R6, R10",
        "Hours of follow-up sessions with patients in active work or tapering.",
    ),
    m("hours_holding_per_lw_year", "hours per LW-year", "R8", "Hours of anchor sessions with held patients."),
    m(
        "hours_community_per_lw_year",
        "hours per LW-year",
        "R11, R12",
        "Hours kept for community work (squeezed when coping with overload).",
    ),
    m("hours_supervision_per_lw_year", "hours per LW-year", "R19", "Hours of supervision."),
    m("hours_training_per_lw_year", "hours per LW-year", "R19", "Hours of training."),
    m("hours_admin_per_lw_year", "hours per LW-year", "R6", "Hours of administration."),
    m(
        "hours_practice_travel_per_lw_year",
        "hours per LW-year",
        "R15",
        "Hours of travel and overhead between the PCN's practices.",
    ),
    m(
        "hours_vcse_refusals_per_lw_year",
        "hours per LW-year",
        "R7",
        "Hours spent finding another door after a VCSE organisation declined a patient.",
    ),
    m("hours_lost_burnout_per_lw_year", "hours per LW-year", "R13", "Contracted hours lost to burnout."),
    m("hours_unused_per_lw_year", "hours per LW-year", "R6", "Session hours left unused because no patient was due."),
    m("hours_vacant_per_pcn_year", "hours per PCN-year", "R16", "Contracted hours of funded posts left vacant."),
    m(
        "cost_staff_per_pcn_year",
        "£ per PCN-year",
        "R6, R16",
        "Cost of filled link worker posts (costs.lw_post_per_year per post-year in post).",
    ),
    m(
        "cost_supervision_per_pcn_year",
        "£ per PCN-year",
        "R19",
        "Cost of the supervisors' time (supervision hours × costs.supervisor_per_hour).",
    ),
    m(
        "cost_recruitment_per_pcn_year",
        "£ per PCN-year",
        "R16",
        "Cost of filling vacant posts (recruits × costs.recruitment_per_vacancy).",
    ),
    m(
        "cost_vcse_per_pcn_year",
        "£ per PCN-year",
        "R7, R18",
        "Cost of VCSE places used (place-weeks × costs.vcse_place_week; 0 by default).",
    ),
    m(
        "cost_total_per_pcn_year",
        "£ per PCN-year",
        "R6, R7, R16, R19",
        "Staff, supervision, recruitment and VCSE costs.",
    ),
    m(
        "cost_per_patient_supported",
        "£ per patient",
        "R5, R6",
        "Total cost per first session held (a patient reaching a link worker).",
    ),
    m("cost_per_patient_connected", "£ per patient", "R7", "Total cost per patient connected to a VCSE organisation."),
    m(
        "gp_consultations_avoided_per_pcn_year",
        "consultations per PCN-year",
        "R9",
        "Non-medical GP consultations in the 26 weeks after referral that the same patients had without link \
         workers and did not have with them (counterfactual arm; negative when they had more).",
    ),
    m(
        "gp_value_avoided_per_pcn_year",
        "£ per PCN-year",
        "R9",
        "Value of the GP consultations avoided (at costs.gp_consultation each).",
    ),
    m(
        "cost_net_per_pcn_year",
        "£ per PCN-year",
        "R6, R9",
        "Total cost less the value of GP consultations avoided (counterfactual arm).",
    ),
    m(
        "gp_nonmedical_effect_controlled",
        "relative difference",
        "R9",
        "Non-medical GP consultations after referral vs the no-service arm (same patients).",
    ),
    m(
        "wellbeing_effect_controlled",
        "0–1 scale",
        "R6, R7",
        "Mean well-being change at exit minus the no-service arm's, per exit.",
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
