//! State: regions (PCNs), each owning its patients, link workers, GP practice and VCSE
//! organisations, and its own random streams.
//!
//! Core types: [`Region`], [`Patient`], [`LinkWorker`], [`GpPractice`], [`VcseOrg`].
//! State is plain data; the dynamics live in [`crate::rules`].

pub mod init;
pub mod rng;

use rand::rngs::ChaCha8Rng;

use crate::metrics::{RegionTotals, WeekCounts};
use crate::params::{Deprivation, Employment};

/// Index of a link worker within its region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LwId(pub u16);

impl LwId {
    /// No link worker assigned.
    pub const NONE: LwId = LwId(u16::MAX);
}

/// Index of a VCSE organisation within its region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrgId(pub u16);

/// The kinds of non-medical need (003 Table 3), as bits of [`Patient::needs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Need {
    /// Low mood, anxiety.
    MentalHealth = 0,
    /// Loneliness and isolation.
    Isolation = 1,
    /// Debt and money.
    Financial = 2,
    /// Housing.
    Housing = 3,
    /// Family and relationships.
    Relationships = 4,
    /// Long-term physical conditions, inactivity.
    Somatic = 5,
}

impl Need {
    /// All needs, in bit order.
    pub const ALL: [Need; 6] =
        [Need::MentalHealth, Need::Isolation, Need::Financial, Need::Housing, Need::Relationships, Need::Somatic];
    /// Relative frequency among presenting patients (003 Table 3, rounded).
    pub const WEIGHTS: [f64; 6] = [0.28, 0.24, 0.16, 0.10, 0.10, 0.12];
    /// The needs that can be structural (a housing or money problem no VCSE organisation
    /// can fix, 003, 004), as bits.
    pub const STRUCTURAL: u8 = (1 << Need::Financial as u8) | (1 << Need::Housing as u8);
    /// This need as a bit.
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// Where a patient is on the pathway (docs/ODD.md §3). Patients who leave the pathway
/// are removed from the region after their outcomes are recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Stage {
    /// Accepted, waiting for a link worker with room (R5).
    Waiting,
    /// Assigned, in active sessions (R6, R7).
    Engaged,
    /// Held: anchor sessions, no push (R8).
    Held,
    /// On a VCSE organisation's waiting list: not yet connected; connected when the place
    /// starts, or may drop out while waiting (R7, R18). Stays assigned to the link worker.
    Queued,
    /// Connected or goals met; closing sessions spaced out (R10).
    Tapering,
    /// Discharged, will relapse and return at `next_week` (R10 re-referral).
    Relapsing,
    /// Left the pathway this week; removed at the end of the week.
    Done,
}

/// Patient flag bits ([`Patient::flags`]).
pub mod flag {
    /// A financial or housing need no VCSE organisation can fix (003, 004).
    pub const STRUCTURAL: u16 = 1;
    /// A medical need not yet known to the GP (001 Part 2).
    pub const HIDDEN_MEDICAL: u16 = 2;
    /// Needs belong with statutory services: an inappropriate referral (002).
    pub const STATUTORY: u16 = 4;
    /// Connected to a VCSE organisation this episode.
    pub const CONNECTED: u16 = 8;
    /// A session was due but the LW had no hours left; served first next week.
    pub const OVERDUE: u16 = 16;
    /// This episode is a re-referral.
    pub const REREFERRAL: u16 = 32;
    /// Ever held this episode.
    pub const WAS_HELD: u16 = 64;
    /// Referred after the warm-up: counts in per-patient outcomes.
    pub const REPORTED: u16 = 128;
    /// The patient's link worker changed this episode (R16 turnover).
    pub const CONTINUITY_BREAK: u16 = 256;
    /// This episode, a proposal found no suitable open service, or the organisation
    /// refused or its waiting list was left (R7: no open door). A cause of journey (c).
    pub const NO_SERVICE: u16 = 512;
    /// Held at some point this episode because every need was structural (R8).
    pub const HELD_STRUCTURAL: u16 = 1024;
    /// Held at some point this episode with capacity below the holding threshold (R8).
    pub const HELD_CAPACITY: u16 = 2048;
    /// At the first session of the episode, a need was structural (for whom journeys work).
    pub const STRUCTURAL_AT_START: u16 = 4096;
    /// At the first session of the episode, capacity was below the holding threshold.
    pub const LOW_CAPACITY_AT_START: u16 = 8192;
    /// Held now while waiting for services (R8, first function of holding): ready, but no
    /// open suitable service, or on a VCSE organisation's waiting list with the link
    /// worker keeping anchor contact.
    pub const HOLD_WAITING: u16 = 16384;
    /// The flags that describe one episode, cleared when a relapsed patient is re-referred.
    pub const EPISODE: u16 = CONNECTED
        | WAS_HELD
        | OVERDUE
        | NO_SERVICE
        | HELD_STRUCTURAL
        | HELD_CAPACITY
        | STRUCTURAL_AT_START
        | LOW_CAPACITY_AT_START
        | HOLD_WAITING;
}

/// A person with non-medical needs who was referred and accepted (docs/ODD.md §2).
/// Unreferred and declining patients are counted, not stored.
#[derive(Debug, Clone)]
pub struct Patient {
    /// Pathway stage.
    pub stage: Stage,
    /// Bit set of [`Need`].
    pub needs: u8,
    /// Bit set of [`flag`] constants.
    pub flags: u16,
    /// Sessions (contacts) this episode.
    pub sessions: u16,
    /// Reported year (0-based) in which the patient was last seen in a session; `u16::MAX`
    /// before any (distinct patients supported per year).
    pub seen_year: u16,
    /// Of which anchor sessions while held (R8); they do not use up the session limit
    /// unless `held_sessions_count_toward_limit`.
    pub anchor_sessions: u16,
    /// The VCSE organisation whose waiting list the patient is on (valid while queued).
    pub org: OrgId,
    /// Closing sessions left while tapering.
    pub taper_left: u8,
    /// Assigned link worker.
    pub lw: LwId,
    /// Week of referral (start of GP-use follow-up).
    pub week_referred: u32,
    /// Week the patient joined the waiting list.
    pub week_waiting: u32,
    /// Week of the next session (or of the relapse, when `Relapsing`).
    pub next_week: u32,
    /// Week holding started (valid while held).
    pub held_since: u32,
    /// Week the patient joined a VCSE waiting list (valid while queued).
    pub queued_since: u32,
    /// 0–1: number and severity of needs.
    pub complexity: f32,
    /// 0–1: motivation and headspace to act.
    pub readiness: f32,
    /// 0–1: ability to act (caring, transport, health).
    pub capacity: f32,
    /// 0–1: trust in the link worker.
    pub trust: f32,
    /// 0–1 outcome state.
    pub hope: f32,
    /// 0–1 outcome state.
    pub self_efficacy: f32,
    /// 0–1 outcome state.
    pub wellbeing: f32,
    /// 0–1 outcome state.
    pub social_capital: f32,
    /// Pre-crisis well-being, which natural recovery tends toward.
    pub wellbeing_pre: f32,
    /// Outcomes at referral: well-being, self-efficacy, social capital.
    pub start: [f32; 3],
    /// Baseline non-medical GP consultations per week.
    pub gp_base: f32,
    /// Crisis component of GP use at presentation (consultations per week).
    pub crisis_peak: f32,
    /// Expected non-medical GP consultations accumulated since referral.
    pub gp_after: f32,
    /// Medical GP consultations arranged by the LW (R9).
    pub gp_medical: u16,
}

impl Patient {
    /// Whether a flag is set.
    #[inline]
    pub fn has(&self, f: u16) -> bool {
        self.flags & f != 0
    }

    /// True when every need is structural (nothing a VCSE organisation can fix).
    pub fn only_structural(&self) -> bool {
        self.has(flag::STRUCTURAL) && self.fixable_needs() == 0
    }

    /// Whether the link worker books sessions with the patient: in active work, held,
    /// tapering, or held while on a VCSE waiting list (R6, R8).
    #[inline]
    pub fn in_contact(&self) -> bool {
        match self.stage {
            Stage::Engaged | Stage::Held | Stage::Tapering => true,
            Stage::Queued => self.has(flag::HOLD_WAITING),
            Stage::Waiting | Stage::Relapsing | Stage::Done => false,
        }
    }

    /// Held now (R8): in the held stage, or held while on a VCSE waiting list.
    #[inline]
    pub fn is_held(&self) -> bool {
        self.stage == Stage::Held || (self.stage == Stage::Queued && self.has(flag::HOLD_WAITING))
    }

    /// Why the patient is held (meaningful while [`Patient::is_held`]).
    pub fn hold_reason(&self) -> HoldReason {
        if self.has(flag::HOLD_WAITING) {
            HoldReason::WaitingForServices
        } else if self.only_structural() {
            HoldReason::Structural
        } else {
            HoldReason::NotReady
        }
    }

    /// Needs a VCSE organisation can address (structural financial/housing needs excluded).
    pub fn fixable_needs(&self) -> u8 {
        if self.has(flag::STRUCTURAL) { self.needs & !Need::STRUCTURAL } else { self.needs }
    }
}

/// Why a link worker holds a patient (R8; the functions of holding, 001 Paper 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldReason {
    /// Readiness or capacity too low to act yet: sustaining the patient as they prepare
    /// for change (second function).
    NotReady,
    /// Every need structural (housing, debt): nothing a VCSE organisation can fix until
    /// another agency acts.
    Structural,
    /// Ready, but waiting for services: no open suitable service, or a place on a VCSE
    /// waiting list (first function).
    WaitingForServices,
}

/// A social prescribing link worker post and the person in it (docs/ODD.md §2).
#[derive(Debug, Clone)]
pub struct LinkWorker {
    /// The post is filled (false while vacant or cut).
    pub in_post: bool,
    /// The post's funding was not renewed; it will not be filled again (R17).
    pub cut: bool,
    /// While vacant: the week a recruit starts (R16).
    pub vacant_until: u32,
    /// Week the post's funding contract ends (R17).
    pub contract_end_week: u32,
    /// 0–1 perceived job insecurity: the real risk of a cut (1 − renewal probability),
    /// felt more as the contract end nears (R16, R17).
    pub funding_uncertainty: f32,
    /// 0–1 propensity to say yes to "do you intend to leave within a year?" (R16).
    pub intention: f32,
    /// 0–1 job satisfaction (R14).
    pub satisfaction: f32,
    /// Skill gained from training and supervision (R19), on top of experience.
    pub learned: f32,
    /// Planning pressure this week (R11, R12): the larger of target pressure (target ÷
    /// achievable − 1) and smoothed overload; it squeezes community time. Sessions and
    /// holding are cut by overload alone.
    pub pressure: f32,
    /// Target pressure this week (R12): target ÷ achievable with the configured session
    /// pattern − 1, at least 0 (being expected to carry more than is sustainable).
    pub target_pressure: f32,
    /// Caseload hours ÷ session hours this week (R12): above 1 the caseload exceeds what
    /// the hours allow.
    pub load: f32,
    /// Smoothed excess of load over 1 (R12 overload, a stress in R13).
    pub overload: f32,
    /// New patients the link worker may still take on from the waiting list (R12 intake
    /// pace: target ÷ 52 a week, carried over up to `intake_carry_weeks`).
    pub intake_credit: f32,
    /// Sum of the complexity of held patients (R13 emotional load).
    pub held_complexity: f32,
    /// Held patients whose needs are structural (R14).
    pub held_structural: u32,
    /// Patients connected this week (R14).
    pub connections_week: u16,
    /// "No suitable service" events this week (R13).
    pub disillusion_week: u16,
    /// Contracted hours per week.
    pub hours: f32,
    /// Weeks in post.
    pub experience_weeks: u32,
    /// 0–1 interpersonal and assessment skill.
    pub skill: f32,
    /// 0–1 bolted on / fitting in / belonging.
    pub embeddedness: f32,
    /// 0–1 emotional exhaustion.
    pub burnout: f32,
    /// How strongly stress reaches this link worker (R13), drawn at hiring: log-normal
    /// with mean 1 and log-sd `lw_stress_sensitivity_sd`.
    pub stress_sensitivity: f32,
    /// How fast this link worker recovers (R13), drawn at hiring: log-normal with mean 1
    /// and log-sd `lw_recovery_sd`.
    pub recovery_trait: f32,
    /// Who employs the post.
    pub employer: Employment,
    /// Knowledge of each VCSE organisation of the region: 0 = unknown, up to 1.
    pub knowledge: Vec<f32>,
    /// Bit set of the needs ([`Need`]) for which this link worker knows an open
    /// organisation, refreshed at the start of each week (organisations open, close and
    /// are learned only after sessions, so it is exact during sessions).
    pub known_categories: u8,
    /// The open organisations this link worker knows, best known first (ties: lowest
    /// index first), refreshed with `known_categories`: a service search stops at the
    /// first matching organisation with room.
    pub ranked: Vec<u16>,
    /// Patients on caseload (engaged, held, tapering).
    pub caseload: u32,
    /// Of which held.
    pub held: u32,
    /// Expected session hours per week committed to the caseload.
    pub committed_hours: f32,
    /// Session hours available this week (R6).
    pub session_hours: f32,
    /// Session hours left this week.
    pub hours_left: f32,
}

/// The GP practices of a region, as one agent (docs/ODD.md §2).
#[derive(Debug, Clone)]
pub struct GpPractice {
    /// 0–1 legitimation of social prescribing.
    pub buy_in: f32,
    /// 0–1 awareness of the link worker role.
    pub awareness: f32,
    /// The region's own long-run buy-in level (`gp_buy_in`), around which feedback moves it.
    pub buy_in_level: f32,
    /// Feedback reports reaching GPs this week, weighted by reach (R2).
    pub feedback_week: f32,
    /// A social prescribing champion works here.
    pub champion: bool,
    /// Statutory-service waiting pressure, 0–1.
    pub statutory_pressure: f32,
}

/// Weeks of placement ends the ring buffer of a VCSE organisation can hold.
pub const PLACEMENT_RING: usize = 64;

/// A voluntary, community or social enterprise organisation (docs/ODD.md §2).
#[derive(Debug, Clone)]
pub struct VcseOrg {
    /// The need it supports.
    pub category: Need,
    /// Places.
    pub capacity: u32,
    /// Places in use.
    pub users: u32,
    /// 0–1 willingness to take social prescribing referrals.
    pub buy_in: f32,
    /// Open (false once closed).
    pub open: bool,
    /// Places used by people not referred through social prescribing (R18).
    pub background: u32,
    /// Patients referred through social prescribing on its waiting list (R18): a new
    /// referral finds no free place while anyone is queued.
    pub queued: u32,
    /// Week the current grant ends (R18).
    pub grant_end_week: u32,
    /// Places freed per future week, indexed by week modulo [`PLACEMENT_RING`]. Boxed so
    /// the fields read when searching for a service stay compact (one allocation per
    /// organisation, made when it opens).
    pub ends: Box<[u16; PLACEMENT_RING]>,
}

/// One PCN: everything in it, and its random streams.
#[derive(Debug)]
pub struct Region {
    /// Index of the `[[region]]` archetype it was made from.
    pub archetype: u16,
    /// Index among all regions of the run (stream derivation).
    pub index: u32,
    /// Registered population.
    pub population: u32,
    /// Area deprivation.
    pub deprivation: Deprivation,
    /// GP practices served by each LW.
    pub practices: u32,
    /// GP side.
    pub gp: GpPractice,
    /// Link worker posts (filled or vacant).
    pub lws: Vec<LinkWorker>,
    /// Link worker posts the region started with (R17 growth is a share of them).
    pub base_posts: u32,
    /// VCSE organisations the region started with (R18 openings are a share of them).
    pub base_orgs: u32,
    /// VCSE organisations.
    pub orgs: Vec<VcseOrg>,
    /// Patients on the pathway (waiting, on caseload, or due to return).
    pub patients: Vec<Patient>,
    /// Stream for who presents and their attributes (common across scenarios).
    pub rng_arrivals: ChaCha8Rng,
    /// Stream for everything the service does.
    pub rng_service: ChaCha8Rng,
    /// This week's counts (reset each week).
    pub week: WeekCounts,
    /// Run totals after the warm-up.
    pub totals: RegionTotals,
}

impl Region {
    /// Follow its archetype's `[[region]]` keys as a scheduled change left them: the keys
    /// that act during the run (every region key not `fixed` on its declaration).
    pub fn follow(&mut self, spec: &crate::params::RegionSpec) {
        self.population = spec.population;
        self.gp.buy_in_level = spec.gp_buy_in as f32;
        self.gp.champion = spec.gp_champion;
        self.gp.statutory_pressure = spec.statutory_pressure as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patient_stays_compact() {
        // Hot data: every weekly pass walks the patients of a region.
        let size = std::mem::size_of::<Patient>();
        assert!(size <= 100, "Patient is {size} bytes");
    }
}
