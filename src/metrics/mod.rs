//! Observation: weekly counts per region, run totals per region, and the per-run
//! summary metrics of docs/ODD.md §4 (Observation). Metrics read the world; they never change it.
//!
//! Core types: [`WeekCounts`] (one row of `weekly.csv`), [`RegionTotals`]
//! (post-warm-up accumulators), [`summary::RunSummary`] (one replication's metrics).

pub mod defs;
pub mod ledger;
pub mod summary;

/// Declares [`WeekCounts`]: every column of `weekly.csv` after the key columns.
macro_rules! week_counts {
    ($($(#[doc = $doc:literal])+ $field:ident,)*) => {
        /// One week of one region (or the sum over a region archetype).
        /// Flows count events in the week; stocks are read at the end of the week.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct WeekCounts {
            $($(#[doc = $doc])+ pub $field: f64,)*
        }
        impl WeekCounts {
            /// Column names, in output order.
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];
            /// Add another region's week into this one (fixed order by the caller).
            pub fn add(&mut self, o: &WeekCounts) {
                $(self.$field += o.$field;)*
            }
            /// Take away counts summed earlier (a cumulative total at a period's start).
            pub fn sub(&mut self, o: &WeekCounts) {
                $(self.$field -= o.$field;)*
            }
            /// Values in column order.
            pub fn values(&self) -> Vec<f64> {
                vec![$(self.$field),*]
            }
            /// Mutable references to the values, in column order (for reading a row back).
            pub fn values_mut(&mut self) -> Vec<&mut f64> {
                vec![$(&mut self.$field),*]
            }
        }
    };
}

week_counts! {
    /// Patients presenting to a GP with non-medical needs (R1).
    presented,
    /// GP referrals to the link worker service (R2).
    referrals,
    /// Inappropriate referrals declined at LW triage (R3).
    triage_declined,
    /// Referrals the patient declined (R4).
    patient_declined,
    /// Referrals accepted by the patient, joining the waiting list (R4).
    accepted,
    /// Relapsed patients returning through re-referral (R10).
    rereferred,
    /// Patients who left the waiting list having lost momentum (R5).
    dropped_waiting,
    /// Patients taken on from the waiting list by a link worker (R5, R12 intake).
    intake,
    /// Of which beyond the target's pace, because the waiting list was long (R12).
    intake_beyond_pace,
    /// First appointments missed (R5).
    dna,
    /// Patients lost after a missed first appointment (R5).
    dna_lost,
    /// First sessions held (patients reaching a LW).
    first_sessions,
    /// Of which in a re-referral episode (R10).
    first_sessions_rereferral,
    /// Weeks waited by patients whose first session was this week (sum).
    wait_weeks_sum,
    /// Sessions held (contacts).
    sessions,
    /// Episodes reaching their third session (the "3 contacts" step of the funnel).
    third_sessions,
    /// Patients seen in a session for the first time this reported year (weeks 1–52, 53–104, …): summed over a year, the distinct patients supported.
    patients_seen_new_in_year,
    /// Patients connected to a VCSE organisation: the place started (R7).
    connected,
    /// Proposals with no suitable known open service (R7).
    no_suitable_service,
    /// Proposals declined by the organisation (full or unwilling) (R7, R18).
    vcse_full_blocked,
    /// Patients who joined a full organisation's waiting list: waiting, not yet connected (R7, R18).
    vcse_waitlisted,
    /// Patients who gave up waiting for a VCSE place (R7, R18).
    vcse_queue_dropped,
    /// Patients pushed toward VCSE support before they were ready (R7).
    pushed_too_early,
    /// Patients who disengaged after being pushed too early (R7).
    disengaged,
    /// Engaged patients who stopped coming before trust formed (R6).
    drifted,
    /// Holding episodes started (R8).
    held_started,
    /// Of which for ready patients waiting for services: no open suitable service, or a VCSE waiting list (R8).
    held_started_waiting,
    /// Structural needs resolved by other agencies (R8).
    structural_resolved,
    /// Patients discharged (R10).
    discharged,
    /// Of which with a tapered ending (R10).
    discharged_tapered,
    /// Hidden medical needs surfaced and escalated to the GP (R9).
    medical_escalations,
    /// Episodes (referred after the warm-up) that reached a first session and ended this week; in the last reported week, also those still open at the end of the run.
    episodes_ended,
    /// Of which journey (a): connected without being held (003 Figure 1).
    journey_connected_directly,
    /// Of which journey (b): held, then connected.
    journey_held_then_connected,
    /// Of which journey (c): held, never connected.
    journey_held_unconnected,
    /// Patients waiting for a link worker (end of week).
    waiting,
    /// Patients engaged in active sessions (end of week).
    engaged,
    /// Patients held (end of week): in the held stage, or held while on a VCSE waiting list (those are also in `vcse_waiting`, see `vcse_waiting_held`).
    held,
    /// Patients held for 26 weeks or more (end of week).
    held_26w,
    /// Of the held, those held while waiting for services (end of week; R8).
    held_waiting,
    /// Of the held, those whose needs are all structural (end of week; R8).
    held_structural,
    /// Patients in tapering (end of week).
    tapering,
    /// Link worker posts.
    lw_posts,
    /// Link worker posts filled.
    lw_in_post,
    /// Open VCSE organisations.
    vcse_open,
    /// VCSE places in use.
    vcse_users,
    /// VCSE places in all.
    vcse_capacity,
    /// Open VCSE organisations at full capacity.
    vcse_full,
    /// Patients on VCSE organisations' waiting lists (end of week; R7, R18).
    vcse_waiting,
    /// Of which held by their link worker while they wait (anchor contact; also counted in `held`; R8).
    vcse_waiting_held,
    /// Expected non-medical GP consultations this week by patients in their 26-week follow-up while on the pathway (R9).
    gp_nonmedical,
    /// GP buy-in, summed over regions (divide by `regions` for the mean) (R2).
    gp_buy_in,
    /// Link worker posts vacant, waiting for a recruit (R16).
    lw_vacant,
    /// Burnout summed over link workers in post (divide by `lw_in_post`) (R13).
    lw_burnout,
    /// Link workers in post with burnout above `burnout_high_threshold` (R13).
    lw_burnout_high,
    /// Satisfaction summed over link workers in post (R14).
    lw_satisfaction,
    /// Embeddedness summed over link workers in post (R15).
    lw_embeddedness,
    /// Intention to leave summed over link workers in post: the expected number who would say yes to "do you intend to leave within a year?" (R16).
    lw_intending,
    /// Caseload-target pressure (target ÷ achievable − 1, at least 0) summed over link workers in post (R12).
    lw_pressure,
    /// Load (caseload hours ÷ session hours) summed over link workers in post (R12).
    lw_load,
    /// Link workers in post whose caseload exceeds what their hours allow (load > 1; R12 overload).
    lw_overloaded,
    /// Share of open VCSE organisations each link worker knows, summed over link workers in post (R11).
    lw_known_orgs,
    /// Link workers who left (R16).
    leavers,
    /// Of which for burnout (reason drawn in proportion to its share of the intention to leave).
    leavers_burnout,
    /// Of which for dissatisfaction, including lack of supervision.
    leavers_dissatisfaction,
    /// Of which for perceived job insecurity (funding).
    leavers_funding,
    /// Weeks in post of the link workers who left or whose post was cut (sum).
    leaver_tenure_weeks,
    /// Posts cut when funding was not renewed (R17).
    posts_cut,
    /// Contracts renewed (R17).
    posts_renewed,
    /// Link worker posts commissioned: cut posts reinstated and new posts (R17).
    posts_commissioned,
    /// New link workers starting in vacant posts (R16).
    recruited,
    /// Patients whose link worker left: moved to a colleague or back to the list (R16).
    continuity_breaks,
    /// Of which returned to the waiting list.
    returned_to_waiting,
    /// VCSE organisations discovered through community work (R11).
    orgs_discovered,
    /// VCSE organisations closed when their grant was not renewed (R18).
    vcse_closures,
    /// New VCSE organisations (R18).
    vcse_new,
    /// Hours contracted of link workers in post (R6).
    hours_contracted,
    /// Of which kept for community work (R11, squeezed by coping in R12).
    hours_community,
    /// Of which administration (R6).
    hours_admin,
    /// Of which supervision (R19).
    hours_supervision,
    /// Of which training (R19).
    hours_training,
    /// Of which travel and overhead between practices (R15).
    hours_practice_travel,
    /// Of which lost to burnout (R13).
    hours_lost_burnout,
    /// Of which first sessions with patients (R5, R6).
    hours_first_sessions,
    /// Of which follow-up sessions with patients in active work or tapering (R6, R10).
    hours_follow_up,
    /// Of which anchor sessions with held patients (R8).
    hours_holding,
    /// Of which finding another door after a VCSE organisation declined (R7).
    hours_vcse_refusals,
    /// Of which session hours left unused (no patient due).
    hours_unused,
    /// Hours of funded posts left vacant (R16).
    hours_vacant,
    /// Regions summed into this row.
    regions,
}

/// Bins of the wait histogram (weeks 0..=103, last bin = 104 or more).
pub const WAIT_BINS: usize = 105;
/// Bins of the contacts histogram (0..=199, last bin = 200 or more).
pub const CONTACT_BINS: usize = 201;

/// Accumulators of one region over the reported weeks (after the warm-up).
#[derive(Debug, Clone)]
pub struct RegionTotals {
    /// Weekly counts summed over reported weeks.
    pub sum: WeekCounts,
    /// Reported weeks observed.
    pub weeks: f64,
    /// First-session waits, in weeks.
    pub wait_hist: Vec<u32>,
    /// Contacts of patients who left the pathway after at least one session.
    pub contacts_hist: Vec<u32>,
    /// Patients leaving with at least one session (episodes referred after the warm-up).
    pub exits_engaged: f64,
    /// Patients who lost momentum on the waiting list, of those who joined it after the
    /// warm-up (the cohort `dropout_waiting_rate` divides by; the weekly flow also counts
    /// those who joined during the warm-up).
    pub dropped_waiting_reported: f64,
    /// Re-referrals, in the reported weeks, of patients whose previous episode started
    /// after the warm-up (and so was discharged in the reported weeks): the numerator of
    /// `rereferral_rate`, whose discharges are those of the reported weeks.
    pub rereferred_reported: f64,
    /// Of which with at least 3 contacts.
    pub exits_3_contacts: f64,
    /// Medical consultations arranged for them (R9).
    pub exits_medical: f64,
    /// Of them, patients whose link worker changed during the episode (R16).
    pub exits_continuity_break: f64,
    /// Sum over them of well-being change from referral to exit.
    pub wellbeing_change: f64,
    /// Same, in the counterfactual arm (natural recovery only).
    pub wellbeing_change_cf: f64,
    /// Sum of self-efficacy change.
    pub self_efficacy_change: f64,
    /// Sum of social capital change.
    pub social_capital_change: f64,
    /// Referred patients whose 26-week GP follow-up is complete.
    pub fu_n: f64,
    /// Their non-medical GP consultations in the 26 weeks before referral.
    pub fu_before: f64,
    /// Same, 26 weeks after.
    pub fu_after: f64,
    /// Same, 26 weeks after, in the counterfactual arm.
    pub fu_after_cf: f64,
    /// Patients whose consultations went up.
    pub fu_up: f64,
    /// Patients whose consultations went down.
    pub fu_down: f64,
    /// The mechanism ledger (docs/ODD.md §4).
    pub ledger: ledger::Ledger,
}

impl Default for RegionTotals {
    fn default() -> Self {
        RegionTotals {
            sum: WeekCounts::default(),
            weeks: 0.0,
            wait_hist: vec![0; WAIT_BINS],
            contacts_hist: vec![0; CONTACT_BINS],
            exits_engaged: 0.0,
            dropped_waiting_reported: 0.0,
            rereferred_reported: 0.0,
            exits_3_contacts: 0.0,
            exits_medical: 0.0,
            exits_continuity_break: 0.0,
            wellbeing_change: 0.0,
            wellbeing_change_cf: 0.0,
            self_efficacy_change: 0.0,
            social_capital_change: 0.0,
            fu_n: 0.0,
            fu_before: 0.0,
            fu_after: 0.0,
            fu_after_cf: 0.0,
            fu_up: 0.0,
            fu_down: 0.0,
            ledger: ledger::Ledger::default(),
        }
    }
}

impl RegionTotals {
    /// Add another region's totals (fixed order by the caller).
    pub fn add(&mut self, o: &RegionTotals) {
        self.sum.add(&o.sum);
        self.weeks = self.weeks.max(o.weeks);
        for (a, b) in self.wait_hist.iter_mut().zip(&o.wait_hist) {
            *a += b;
        }
        for (a, b) in self.contacts_hist.iter_mut().zip(&o.contacts_hist) {
            *a += b;
        }
        self.exits_engaged += o.exits_engaged;
        self.dropped_waiting_reported += o.dropped_waiting_reported;
        self.rereferred_reported += o.rereferred_reported;
        self.exits_3_contacts += o.exits_3_contacts;
        self.exits_medical += o.exits_medical;
        self.exits_continuity_break += o.exits_continuity_break;
        self.wellbeing_change += o.wellbeing_change;
        self.wellbeing_change_cf += o.wellbeing_change_cf;
        self.self_efficacy_change += o.self_efficacy_change;
        self.social_capital_change += o.social_capital_change;
        self.fu_n += o.fu_n;
        self.fu_before += o.fu_before;
        self.fu_after += o.fu_after;
        self.fu_after_cf += o.fu_after_cf;
        self.fu_up += o.fu_up;
        self.fu_down += o.fu_down;
        self.ledger.add(&o.ledger);
    }

    /// Take away the totals accumulated up to an earlier week (the same regions' totals
    /// then), leaving what accumulated since: a period's totals.
    pub fn sub(&mut self, o: &RegionTotals) {
        self.sum.sub(&o.sum);
        self.weeks -= o.weeks;
        for (a, b) in self.wait_hist.iter_mut().zip(&o.wait_hist) {
            *a -= b;
        }
        for (a, b) in self.contacts_hist.iter_mut().zip(&o.contacts_hist) {
            *a -= b;
        }
        self.exits_engaged -= o.exits_engaged;
        self.dropped_waiting_reported -= o.dropped_waiting_reported;
        self.rereferred_reported -= o.rereferred_reported;
        self.exits_3_contacts -= o.exits_3_contacts;
        self.exits_medical -= o.exits_medical;
        self.exits_continuity_break -= o.exits_continuity_break;
        self.wellbeing_change -= o.wellbeing_change;
        self.wellbeing_change_cf -= o.wellbeing_change_cf;
        self.self_efficacy_change -= o.self_efficacy_change;
        self.social_capital_change -= o.social_capital_change;
        self.fu_n -= o.fu_n;
        self.fu_before -= o.fu_before;
        self.fu_after -= o.fu_after;
        self.fu_after_cf -= o.fu_after_cf;
        self.fu_up -= o.fu_up;
        self.fu_down -= o.fu_down;
        self.ledger.sub(&o.ledger);
    }
}

/// Value at quantile `q` (0–1) of a histogram of whole numbers; `None` when empty.
pub fn hist_quantile(hist: &[u32], q: f64) -> Option<f64> {
    let n: u64 = hist.iter().map(|&c| c as u64).sum();
    if n == 0 {
        return None;
    }
    // Nearest-rank definition: smallest x with at least ceil(q·n) observations ≤ x.
    let rank = ((q * n as f64).ceil() as u64).max(1);
    let mut seen = 0u64;
    for (x, &c) in hist.iter().enumerate() {
        seen += c as u64;
        if seen >= rank {
            return Some(x as f64);
        }
    }
    Some((hist.len() - 1) as f64)
}

/// Mean of a histogram of whole numbers; `None` when empty.
pub fn hist_mean(hist: &[u32]) -> Option<f64> {
    let n: u64 = hist.iter().map(|&c| c as u64).sum();
    if n == 0 {
        return None;
    }
    let s: f64 = hist.iter().enumerate().map(|(x, &c)| x as f64 * c as f64).sum();
    Some(s / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_follow_nearest_rank() {
        let mut h = vec![0u32; 10];
        h[1] = 5;
        h[4] = 4;
        h[9] = 1;
        assert_eq!(hist_quantile(&h, 0.5), Some(1.0));
        assert_eq!(hist_quantile(&h, 0.9), Some(4.0));
        assert_eq!(hist_quantile(&h, 1.0), Some(9.0));
        assert_eq!(hist_quantile(&[0, 0], 0.5), None);
        assert!((hist_mean(&h).unwrap() - (5.0 + 16.0 + 9.0) / 10.0).abs() < 1e-12);
    }

    #[test]
    fn week_counts_add_every_column() {
        let mut a = WeekCounts { presented: 1.0, regions: 1.0, ..Default::default() };
        let b = WeekCounts { presented: 2.0, waiting: 3.0, regions: 1.0, ..Default::default() };
        a.add(&b);
        assert_eq!(a.presented, 3.0);
        assert_eq!(a.waiting, 3.0);
        assert_eq!(a.regions, 2.0);
        assert_eq!(WeekCounts::COLUMNS.len(), a.values().len());
    }
}
