//! The mechanism ledger (docs/ODD.md §4): every firing of a rule's mechanism, counted with
//! its context, so an analyst can check that a policy works *through* the mechanism
//! they think. Each region keeps a fixed array of counters (mechanism × patient
//! complexity band); deprivation and the supervision level are added as context when
//! the ledger is written.

/// Declares [`Mechanism`] with its rule, its name and, where it has one, the weekly
/// column it feeds (`=> column`): firing it counts in both ([`Mechanism::count`]).
macro_rules! mechanisms {
    ($($(#[doc = $doc:literal])+ $variant:ident = ($rule:literal, $name:literal) $(=> $column:ident)?,)*) => {
        /// A mechanism that can fire.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Mechanism {
            $($(#[doc = $doc])+ $variant,)*
        }
        impl Mechanism {
            /// Every mechanism, in output order.
            pub const ALL: &'static [Mechanism] = &[$(Mechanism::$variant),*];
            /// The rule it belongs to (docs/ODD.md §7).
            pub fn rule(self) -> &'static str {
                match self { $(Mechanism::$variant => $rule),* }
            }
            /// Its name in `mechanisms.csv`.
            pub fn name(self) -> &'static str {
                match self { $(Mechanism::$variant => $name),* }
            }
            /// The `weekly.csv` column it feeds, if any.
            pub fn column(self) -> Option<&'static str> {
                match self { $(Mechanism::$variant => None$(.or(Some(stringify!($column))))?),* }
            }
            /// Count one firing in the week's column it feeds (if any).
            #[inline]
            pub fn count(self, counts: &mut crate::metrics::WeekCounts) {
                match self { $(Mechanism::$variant => { $(counts.$column += 1.0;)? })* }
            }
        }
    };
}

mechanisms! {
    /// A patient presented to a GP with non-medical needs.
    Presented = ("R1", "presented at a crisis") => presented,
    /// The GP referred the patient.
    Referred = ("R2", "referred by GP") => referrals,
    /// The GP referred a patient whose needs belong with statutory services.
    InappropriateReferral = ("R2", "inappropriate referral under statutory pressure"),
    /// A feedback report reached the GPs.
    FeedbackReport = ("R2", "feedback report to GP"),
    /// The link worker declined an inappropriate referral.
    TriageDeclined = ("R3", "declined inappropriate referral") => triage_declined,
    /// The patient accepted the referral.
    Accepted = ("R4", "accepted referral") => accepted,
    /// The patient declined the referral.
    PatientDeclined = ("R4", "patient declined referral") => patient_declined,
    /// The patient lost momentum while waiting.
    LostMomentum = ("R5", "lost momentum while waiting") => dropped_waiting,
    /// The first appointment was missed.
    MissedFirst = ("R5", "missed first appointment") => dna,
    /// The patient was lost after missing the first appointment.
    LostAfterMissed = ("R5", "lost after missed first appointment") => dna_lost,
    /// First session with a link worker.
    FirstSession = ("R6", "first session") => first_sessions,
    /// The patient stopped coming before trust formed.
    Drifted = ("R6", "stopped coming before trust formed") => drifted,
    /// A life shock set readiness back.
    LifeShock = ("R6", "life shock set readiness back"),
    /// The link worker proposed VCSE support.
    Proposed = ("R7", "proposed VCSE support"),
    /// Proposed to a patient not actually ready.
    PushedTooEarly = ("R7", "pushed too early") => pushed_too_early,
    /// Pushed too early, and the patient disengaged.
    PushedDisengaged = ("R7", "pushed too early -> disengaged") => disengaged,
    /// No suitable known open service for the patient's needs.
    NoSuitableService = ("R7", "no suitable service") => no_suitable_service,
    /// The organisation declined the referral (full or unwilling); both sides pay for the closed door.
    OrgDeclined = ("R7", "organisation declined referral") => vcse_full_blocked,
    /// Connected to a VCSE organisation: the place started.
    Connected = ("R7", "connected to VCSE (place started)") => connected,
    /// Joined a full organisation's waiting list (waiting, not connected).
    JoinedVcseQueue = ("R7", "joined VCSE waiting list") => vcse_waitlisted,
    /// A place came free for a patient on an organisation's waiting list.
    QueuePlaceStarted = ("R7", "VCSE waiting list -> place started"),
    /// Gave up waiting for a VCSE place.
    LeftVcseQueue = ("R7", "VCSE waiting list -> gave up") => vcse_queue_dropped,
    /// The organisation closed while the patient waited; back to the link worker.
    QueueOrgClosed = ("R7", "VCSE waiting list -> organisation closed"),
    /// Holding started.
    HoldingStarted = ("R8", "holding started") => held_started,
    /// Holding started because the patient was not ready (readiness or capacity low).
    HoldStartNotReady = ("R8", "holding started, reason: not ready"),
    /// Holding started because every need was structural.
    HoldStartStructural = ("R8", "holding started, reason: structural need"),
    /// Holding started for a ready patient waiting for services (no open door, or a VCSE waiting list).
    HoldStartWaiting = ("R8", "holding started, reason: waiting for services"),
    /// One week held, not ready (end-of-week stock: held patient-weeks).
    HeldWeekNotReady = ("R8", "held patient-week, reason: not ready"),
    /// One week held with only structural needs.
    HeldWeekStructural = ("R8", "held patient-week, reason: structural need"),
    /// One week held while waiting for services.
    HeldWeekWaiting = ("R8", "held patient-week, reason: waiting for services"),
    /// Released from holding back to active work.
    HoldingReleased = ("R8", "released from holding"),
    /// The link worker's check found an open suitable service for a patient held while waiting: back to active work to propose it.
    HoldingServiceFound = ("R8", "held while waiting -> service found, back to active work"),
    /// The holding limit ended the link worker's contact with a patient on a VCSE waiting list (the place on the list stays).
    HoldingContactEnded = ("R8", "holding limit on a VCSE waiting list -> contact ends"),
    /// A structural need was resolved by another agency.
    StructuralResolved = ("R8", "structural need resolved elsewhere") => structural_resolved,
    /// Holding limit reached: discharged.
    HoldingLimit = ("R8", "holding limit reached -> discharged"),
    /// A review discharged a held patient who cannot connect.
    HoldingReview = ("R8", "holding review -> discharged (cannot connect)"),
    /// Every need resolved elsewhere: discharged.
    NeedsResolved = ("R8", "all needs resolved elsewhere -> discharged"),
    /// Not ready and holding not allowed: discharged.
    NotHeldDischarged = ("R8", "not ready, holding not allowed -> discharged"),
    /// Journey (a): connected without being held (an episode that reached a first session).
    JourneyConnectedDirectly = ("R7", "journey a: connected directly") => journey_connected_directly,
    /// Journey (b): held, then connected.
    JourneyHeldThenConnected = ("R8", "journey b: held, then connected") => journey_held_then_connected,
    /// Journey (c): held, never connected.
    JourneyHeldUnconnected = ("R8", "journey c: held, not connected") => journey_held_unconnected,
    /// Neither held nor connected.
    JourneyNeither = ("R6", "episode neither held nor connected"),
    /// Journey (a) episode that started with a structural need.
    StartStructuralA = ("R8", "journey a, started with: structural need"),
    /// Journey (b) episode that started with a structural need.
    StartStructuralB = ("R8", "journey b, started with: structural need"),
    /// Journey (c) episode that started with a structural need.
    StartStructuralC = ("R8", "journey c, started with: structural need"),
    /// Neither-journey episode that started with a structural need.
    StartStructuralNeither = ("R8", "neither, started with: structural need"),
    /// Journey (a) episode that started with capacity below the holding threshold.
    StartLowCapacityA = ("R8", "journey a, started with: low capacity"),
    /// Journey (b) episode that started with low capacity.
    StartLowCapacityB = ("R8", "journey b, started with: low capacity"),
    /// Journey (c) episode that started with low capacity.
    StartLowCapacityC = ("R8", "journey c, started with: low capacity"),
    /// Neither-journey episode that started with low capacity.
    StartLowCapacityNeither = ("R8", "neither, started with: low capacity"),
    /// Journey (c) blocked by a structural need.
    BlockedStructural = ("R8", "journey c blocked by: structural need"),
    /// Journey (c) blocked by low capacity.
    BlockedCapacity = ("R8", "journey c blocked by: low capacity"),
    /// Journey (c) blocked by no open service.
    BlockedNoService = ("R7", "journey c blocked by: no open service"),
    /// Journey (c) ended by the session limit.
    BlockedSessionLimit = ("R10", "journey c blocked by: session limit"),
    /// Journey (c) ended by the holding limit or a review.
    BlockedHoldingLimit = ("R8", "journey c blocked by: holding limit or review"),
    /// Journey (c) ended when the patient stopped coming.
    BlockedDrifted = ("R6", "journey c blocked by: drifted away"),
    /// Journey (c) ended with goals met without a connection.
    BlockedGoalsMet = ("R10", "journey c ended: goals met unconnected"),
    /// Journey (c) still held, readiness still low, at the end of the run.
    BlockedStillHeld = ("R8", "journey c blocked by: readiness still low at end of run"),
    /// A hidden medical need surfaced and was escalated to the GP.
    MedicalEscalated = ("R9", "medical need escalated") => medical_escalations,
    /// Goals met.
    GoalsMet = ("R10", "goals met"),
    /// Session limit reached.
    SessionLimit = ("R10", "session limit reached"),
    /// Discharged with a tapered ending.
    DischargedTapered = ("R10", "discharged with tapered ending") => discharged_tapered,
    /// Discharged abruptly.
    DischargedAbrupt = ("R10", "discharged abruptly"),
    /// Relapsed after discharge.
    Relapsed = ("R10", "relapsed after discharge"),
    /// Relapsed and re-referred.
    Rereferred = ("R10", "re-referred after relapse") => rereferred,
    /// Community work discovered an organisation.
    OrgDiscovered = ("R11", "community work discovered organisation") => orgs_discovered,
    /// A patient taken on from the waiting list at the target's pace.
    IntakeAtPace = ("R12", "taken on at the target's pace"),
    /// A patient taken on beyond the pace because the waiting list was long.
    IntakeBeyondPace = ("R12", "taken on beyond the pace (long waiting list)") => intake_beyond_pace,
    /// A patient-week left waiting because every link worker had used up the intake pace.
    WaitingPaceUsed = ("R12", "left waiting: intake pace used up"),
    /// A link worker week under caseload-target pressure.
    UnderTargetPressure = ("R12", "link worker week under target pressure"),
    /// A link worker week with a caseload beyond what the hours allow.
    Overloaded = ("R12", "link worker week overloaded (caseload beyond hours)"),
    /// A link worker week whose main stress was the complexity of held patients.
    StressHeld = ("R13", "main stress: held complex patients"),
    /// ... was overload.
    StressOverload = ("R13", "main stress: overload"),
    /// ... was caseload-target pressure.
    StressTarget = ("R13", "main stress: target pressure"),
    /// ... was isolation.
    StressIsolation = ("R13", "main stress: isolation"),
    /// ... was funding uncertainty.
    StressFunding = ("R13", "main stress: funding uncertainty"),
    /// ... was disillusionment (no suitable service).
    StressDisillusion = ("R13", "main stress: no suitable service"),
    /// A link worker week with burnout above the threshold.
    HighBurnout = ("R13", "link worker week with high burnout"),
    /// A link worker week in which satisfaction rose.
    SatisfactionRose = ("R14", "satisfaction rose"),
    /// A link worker week in which satisfaction fell.
    SatisfactionFell = ("R14", "satisfaction fell"),
    /// A link worker week with satisfaction below 0.4.
    LowSatisfaction = ("R14", "link worker week with low satisfaction"),
    /// A link worker week bolted on (embeddedness < 0.33).
    BoltedOn = ("R15", "link worker week bolted on"),
    /// A link worker week belonging (embeddedness ≥ 0.66).
    Belonging = ("R15", "link worker week belonging"),
    /// Left for burnout (reason drawn in proportion to its share of the intention).
    LeftBurnout = ("R16", "left (burnout)") => leavers_burnout,
    /// Left for dissatisfaction, including lack of supervision.
    LeftDissatisfaction = ("R16", "left (dissatisfaction)") => leavers_dissatisfaction,
    /// Left for perceived job insecurity.
    LeftFunding = ("R16", "left (funding)") => leavers_funding,
    /// A leaver's knowledge map was lost.
    KnowledgeLost = ("R16", "knowledge lost"),
    /// A leaver's patient moved to a colleague (trust reset).
    MovedToColleague = ("R16", "patient moved to colleague"),
    /// A leaver's patient returned to the waiting list.
    ReturnedToWaiting = ("R16", "patient returned to waiting list") => returned_to_waiting,
    /// A new link worker started in a vacant post.
    Recruited = ("R16", "recruited into vacant post") => recruited,
    /// A link worker contract was renewed.
    ContractRenewed = ("R17", "contract renewed") => posts_renewed,
    /// A link worker post was cut.
    PostCut = ("R17", "post cut") => posts_cut,
    /// A link worker post was commissioned (a cut post reinstated, or a new post).
    PostCommissioned = ("R17", "post commissioned") => posts_commissioned,
    /// A VCSE grant was renewed.
    GrantRenewed = ("R18", "VCSE grant renewed"),
    /// A VCSE organisation closed.
    OrgClosed = ("R18", "VCSE organisation closed") => vcse_closures,
    /// A new VCSE organisation opened.
    OrgOpened = ("R18", "VCSE organisation opened") => vcse_new,
    /// A supervision session took place.
    SupervisionSession = ("R19", "supervision session"),
    /// A reported week of one PCN, counted at the supervision level in force: the
    /// denominator of rates per PCN-year in each supervision context.
    PcnWeek = ("R19", "PCN-week at this supervision level"),
}

/// Complexity bands of the ledger context; `None` for mechanisms not about a patient.
pub const BANDS: [&str; 4] = ["-", "low", "medium", "high"];

/// Band index of a patient's complexity (low < 0.33 ≤ medium < 0.66 ≤ high).
#[inline]
pub fn band(complexity: f32) -> usize {
    // Without branches: complexity is random per patient, so a branch mispredicts often.
    // (Complexity is never NaN: it is clamped to 0–1 when the patient is created.)
    1 + (complexity >= 0.33) as usize + (complexity >= 0.66) as usize
}

/// Supervision levels of the ledger context, by index: none, low (< 0.5 effective), good.
pub const LEVELS: [&str; 3] = ["none", "low", "good"];

/// Index in [`LEVELS`] of an effective supervision (0–1).
pub fn supervision_index(effective: f64) -> usize {
    if effective <= 0.0 {
        0
    } else if effective < 0.5 {
        1
    } else {
        2
    }
}

/// Supervision level of the context: none, low (< 0.5 effective), good.
pub fn supervision_level(effective: f64) -> &'static str {
    LEVELS[supervision_index(effective)]
}

/// Counters of one region (or a sum of regions), by supervision level in force when the
/// mechanism fired (scheduled changes can move a run between levels), mechanism and band.
/// A level's counters are allocated when something first fires at it (a run mostly stays
/// at one level, and every PCN keeps a ledger).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ledger {
    /// Per level, `counts[mechanism * 4 + band]`; empty until something fires at it.
    levels: [Vec<u64>; LEVELS.len()],
}

#[inline]
fn slot(m: Mechanism, band: usize) -> usize {
    m as usize * BANDS.len() + band
}

impl Ledger {
    /// The counters of `level`, allocated on first use.
    #[inline]
    fn at(&mut self, level: usize) -> &mut Vec<u64> {
        let l = &mut self.levels[level];
        if l.is_empty() {
            l.resize(Mechanism::ALL.len() * BANDS.len(), 0);
        }
        l
    }

    /// Count a patient mechanism with the patient's complexity, at a supervision level.
    #[inline]
    pub fn patient(&mut self, m: Mechanism, complexity: f32, level: usize) {
        self.at(level)[slot(m, band(complexity))] += 1;
    }

    /// Count `n` firings of a patient mechanism in complexity band `band` ([`band`]).
    #[inline]
    pub fn patients_in_band(&mut self, m: Mechanism, band: usize, level: usize, n: u64) {
        self.at(level)[slot(m, band)] += n;
    }

    /// Count a mechanism that is not about one patient, at a supervision level.
    #[inline]
    pub fn system(&mut self, m: Mechanism, level: usize) {
        self.at(level)[slot(m, 0)] += 1;
    }

    /// Add another ledger.
    pub fn add(&mut self, o: &Ledger) {
        for (level, theirs) in o.levels.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
            for (a, b) in self.at(level).iter_mut().zip(theirs) {
                *a += b;
            }
        }
    }

    /// Take away counts of an earlier moment (every count only grows).
    pub fn sub(&mut self, o: &Ledger) {
        for (level, theirs) in o.levels.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
            for (a, b) in self.at(level).iter_mut().zip(theirs) {
                *a -= b;
            }
        }
    }

    /// Count of a mechanism at a supervision level in a band.
    pub fn count(&self, level: usize, m: Mechanism, band: usize) -> u64 {
        self.levels[level].get(slot(m, band)).copied().unwrap_or(0)
    }

    /// Count of a mechanism in a band, over every supervision level.
    pub fn band_total(&self, m: Mechanism, band: usize) -> u64 {
        (0..LEVELS.len()).map(|l| self.count(l, m, band)).sum()
    }

    /// Total count of a mechanism over all levels and bands.
    pub fn total(&self, m: Mechanism) -> u64 {
        (0..BANDS.len()).map(|b| self.band_total(m, b)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_go_to_their_band_and_add_up() {
        let mut a = Ledger::default();
        a.patient(Mechanism::Connected, 0.1, 1);
        a.patient(Mechanism::Connected, 0.9, 1);
        a.patient(Mechanism::Connected, 0.9, 0);
        a.system(Mechanism::PostCut, 2);
        let mut b = Ledger::default();
        b.add(&a);
        b.add(&a);
        assert_eq!(b.total(Mechanism::Connected), 6);
        assert_eq!(b.count(1, Mechanism::Connected, 3), 2);
        assert_eq!(b.count(0, Mechanism::Connected, 3), 2);
        assert_eq!(b.band_total(Mechanism::Connected, 3), 4);
        assert_eq!(b.count(2, Mechanism::PostCut, 0), 2);
        assert_eq!(b.total(Mechanism::PostCut), 2);
        assert_eq!(b.total(Mechanism::Presented), 0);
        assert_eq!(supervision_level(0.0), "none");
        assert_eq!(supervision_level(0.7), "good");
        for m in Mechanism::ALL {
            assert!(m.rule().starts_with('R'));
        }
    }
}

#[cfg(test)]
mod column_tests {
    use super::*;
    use crate::metrics::WeekCounts;

    #[test]
    fn firing_a_mechanism_counts_one_in_exactly_the_column_it_declares() {
        for &m in Mechanism::ALL {
            let mut c = WeekCounts::default();
            m.count(&mut c);
            let moved: Vec<&str> = WeekCounts::COLUMNS
                .iter()
                .zip(c.values())
                .filter(|(_, v)| *v != 0.0)
                .map(|(name, v)| {
                    assert_eq!(v, 1.0, "{m:?}");
                    *name
                })
                .collect();
            assert_eq!(moved, m.column().into_iter().collect::<Vec<_>>(), "{m:?}");
        }
        // Every column a mechanism feeds is fed by one mechanism only.
        let mut fed: Vec<&str> = Mechanism::ALL.iter().filter_map(|m| m.column()).collect();
        let n = fed.len();
        fed.sort_unstable();
        fed.dedup();
        assert_eq!(fed.len(), n);
    }
}
