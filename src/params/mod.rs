//! Validated parameters: plain structs with a documented default for every field.
//!
//! The four scenario tables are [`RunParams`] (`[run]`), [`Policy`] (`[policy]`),
//! [`Funding`] (`[funding]`), [`RegionSpec`] (`[[region]]`) and [`Behaviour`]
//! (`[behaviour]`). Each is declared once with `param_table!`, which also yields the
//! reference metadata ([`spec::ParamSpec`]) that `docs/scenario-reference.md` is generated
//! from, so the documentation cannot drift from the code.

pub mod calibration;
pub mod spec;
pub mod sweep;

use spec::{choice_enum, param_table};

choice_enum! {
    /// Area deprivation of a region (PCN), docs/ODD.md §2; shifts patient attributes (R1).
    Deprivation {
        /// Affluent area.
        Low = "low",
        /// Middle of the distribution.
        Medium = "medium",
        /// Deprived area: more complexity, more structural needs, lower capacity and readiness.
        High = "high",
    }
}

impl Deprivation {
    /// -1 for low, 0 for medium, +1 for high: the direction attributes shift in.
    pub fn level(self) -> f64 {
        match self {
            Deprivation::Low => -1.0,
            Deprivation::Medium => 0.0,
            Deprivation::High => 1.0,
        }
    }
}

choice_enum! {
    /// Who employs the link workers of a region (001 Table 4).
    Employment {
        /// Employed by the Primary Care Network.
        Pcn = "pcn",
        /// Hosted by a VCSE organisation and contracted to the PCN.
        Vcse = "vcse",
    }
}

param_table! {
    /// `[run]`: what to simulate and how often.
    pub struct RunParams = "run" {
        /// Scenario name; also the default output folder `results/<name>/`.
        name: String = "scenario".to_string(), "text", "-";
        /// Simulated years reported after the warm-up.
        years: f64 = 5.0, "years", "-", [0.02, 200.0];
        /// Weeks simulated before reporting starts, so caseloads and waiting lists fill.
        warmup_weeks: u32 = 52, "weeks", "-", [0, 5200];
        /// Independent replications (different random streams, same scenario).
        replications: u32 = 10, "runs", "-", [1, 100000];
        /// Master seed; every random stream derives from (seed, replication, region, stream).
        seed: u64 = 20240601, "-", "-";
        /// Run the counterfactual arm: the same referred patients, same random numbers, no link workers (docs/ODD.md §4).
        counterfactual: bool = true, "-", "R1, R9";
    }
}

param_table! {
    /// `[policy]`: the levers a PCN or commissioner controls.
    pub struct Policy = "policy" {
        /// Caseload target: new patients each link worker is expected to take on per year (NHS England guidance 200–250, 001).
        caseload_target_per_year: f64 = 225.0, "patients/LW/year", "R12", [1.0, 5000.0];
        /// Session limit per episode: active sessions (not anchor sessions while held, unless `held_sessions_count_toward_limit`); a patient still in active work when it is reached and not judged ready to connect is discharged (R10).
        max_sessions: u32 = 12, "sessions", "R10", [1, 500];
        /// Anchor sessions while held count toward `max_sessions` (an administrative limit that ends long holds).
        held_sessions_count_toward_limit: bool = false, "-", "R8, R10";
        /// Whether link workers may hold patients who are not ready (001 Paper 1; 004).
        holding_allowed: bool = true, "-", "R8";
        /// Whether link workers may also hold ready patients while they wait for services: no open suitable service, or a place on a VCSE waiting list (first function of holding, 001 Paper 1: "while they were waiting for support in the VCSE sector to become available"). Needs `holding_allowed`; without it such patients wait in active work.
        hold_while_waiting: bool = true, "-", "R8";
        /// Longest a patient may be held; 0 = no limit. On a VCSE waiting list, reaching it ends the link worker's contact, not the place on the list.
        holding_max_weeks: u32 = 0, "weeks", "R8", [0, 5200];
        /// Taper endings with spaced-out closing sessions instead of stopping abruptly (001 Table 8).
        tapering: bool = true, "-", "R10";
        /// Discharged patients are told they may come back, and relapsed patients may be re-referred (003).
        rereferral_allowed: bool = true, "-", "R10";
        /// Share of contracted hours kept for community (VCSE) networking (001 recommendations).
        community_time_share: f64 = 0.15, "share of hours", "R6, R11", [0.0, 0.9];
        /// Weeks between clinical supervision sessions; 0 = no supervision.
        supervision_interval_weeks: u32 = 4, "weeks", "R19", [0, 520];
        /// Quality of supervision when it happens (0 = tick-box, 1 = reflective clinical supervision).
        supervision_quality: f64 = 0.5, "0–1", "R19", [0.0, 1.0];
        /// Strength of peer support among link workers (0 = none, 1 = regular peer group).
        peer_support: f64 = 0.3, "0–1", "R13", [0.0, 1.0];
        /// Training days per link worker per year.
        training_days_per_year: f64 = 5.0, "days/year", "R19", [0.0, 100.0];
        /// Autonomy the employer grants link workers (micro-discretion, 001 Paper 2): declining referrals, waiting until a patient is ready, holding.
        lw_discretion: f64 = 0.5, "0–1", "R3, R7, R8, R14", [0.0, 1.0];
        /// Contracted hours per link worker post.
        lw_hours_per_week: f64 = 37.5, "hours/week", "R6", [1.0, 60.0];
        /// Closing sessions used to taper an ending when `tapering` is on.
        taper_sessions: u32 = 2, "sessions", "R10", [0, 20];
    }
}

param_table! {
    /// `[costs]`: unit costs that turn hours and events into money, in pounds. Outputs only:
    /// no rule reads them. The defaults are in 2022/23 prices where a source gives them (the
    /// recruitment cost is a 2023/24 figure, said at the key); set your own for your area.
    pub struct Costs = "costs" {
        /// Cost of a filled whole-time link worker post per year, salary and employer on-costs: NHS England's maximum reimbursement for a social prescribing link worker under the Additional Roles Reimbursement Scheme in 2022/23 (£36,428; the cap for a band 5 post).
        lw_post_per_year: f64 = 36428.0, "£ per post-year", "R6, R16", [0.0, 10000000.0];
        /// Cost of one hour of the supervisor's time (the link worker's own supervision hours are in the post's cost): a senior link worker at the post's cost per paid hour (£36,428 ÷ (52 × 37.5) = £18.68); raise it for clinical supervision by a band 7.
        supervisor_per_hour: f64 = 18.68, "£ per hour", "R19", [0.0, 100000.0];
        /// Cost of filling a vacant post (advertising, interviews, induction): the average cost per hire of a care worker in social care, £3,600 (Skills for Care, 2023/24, as cited by Who Cares Wins, Unfair to Care 2024).
        recruitment_per_vacancy: f64 = 3600.0, "£ per post filled", "R16", [0.0, 10000000.0];
        /// Cost of a GP surgery consultation of 10 minutes, with direct care staff, without qualification costs: £42 (PSSRU Unit Costs of Health and Social Care 2023, Table 9.4.2, 2022/23 prices).
        gp_consultation: f64 = 42.0, "£ per consultation", "R9", [0.0, 100000.0];
        /// Cost to the commissioner of one VCSE place for one week. 0 by default: no sourced figure, and VCSE activities are often unfunded by the referrer (001); set it to count grants to the sector.
        vcse_place_week: f64 = 0.0, "£ per place-week", "R7, R18", [0.0, 100000.0];
    }
}

param_table! {
    /// `[funding]`: link worker contracts (R16, R17) and VCSE grants (R18).
    pub struct Funding = "funding" {
        /// Length of a link worker post's funding contract.
        lw_contract_years: f64 = 3.0, "years", "R17", [0.1, 50.0];
        /// Probability a post's funding is renewed at contract end (000 1.3).
        lw_renewal_probability: f64 = 0.95, "probability", "R17", [0.0, 1.0];
        /// Weeks before contract end during which funding uncertainty builds.
        lw_uncertainty_window_weeks: u32 = 26, "weeks", "R17", [0, 520];
        /// Weeks a vacated post stays empty before a new link worker starts.
        recruitment_weeks: u32 = 12, "weeks", "R16", [0, 520];
        /// Length of a VCSE organisation's grant.
        vcse_grant_years: f64 = 2.0, "years", "R18", [0.1, 50.0];
        /// Probability a VCSE grant is renewed (000 1.2).
        vcse_renewal_probability: f64 = 0.75, "probability", "R18", [0.0, 1.0];
        /// New VCSE organisations appearing per region per year, on top of `vcse_new_org_share_per_year`.
        vcse_new_orgs_per_year: f64 = 0.0, "orgs/region/year", "R18", [0.0, 1000.0];
        /// New VCSE organisations per year as a share of the organisations a region started with. The default, (1 − 0.75) ÷ 2, balances the closures of default grants (2 years, 75% renewed), so the sector is steady.
        vcse_new_org_share_per_year: f64 = 0.125, "share of initial orgs/year", "R18", [0.0, 10.0];
        /// Mean weeks before a cut link worker post is commissioned again (funding found anew, then recruitment); 0 = cut posts never return.
        lw_recommission_weeks: u32 = 26, "weeks", "R17", [0, 5200];
        /// New link worker posts commissioned per year, as a share of the posts a region started with (workforce growth, e.g. toward NHS England's 9,000).
        lw_post_growth_per_year: f64 = 0.0, "share of initial posts/year", "R17", [0.0, 10.0];
    }
}

param_table! {
    /// `[[region]]`: one PCN archetype, repeated `count` times.
    pub struct RegionSpec = "region" {
        /// Name of the archetype; rows of `weekly.csv` are per archetype (summed over `count`).
        name: String = String::new(), "text", "-" fixed "names the rows of weekly.csv";
        /// How many PCNs of this archetype.
        count: u32 = 1, "PCNs", "-", [1, 100000] fixed "sets how many PCNs the run has";
        /// Registered population of one PCN.
        population: u32 = 50000, "people", "R1", [1, 50000000];
        /// Area deprivation.
        deprivation: Deprivation = Deprivation::Medium, "-", "R1" fixed "shapes the population when the PCN is built";
        /// GP practices in the PCN; each link worker serves all of them.
        practices: u32 = 6, "practices", "R5, R15", [1, 200] fixed "sets the GP practices when the PCN is built";
        /// Funded link worker posts in the PCN.
        lw_posts: u32 = 2, "posts", "R5, R6", [0, 10000] fixed "sets the posts the PCN starts with; change funding.lw_post_growth_per_year instead";
        /// Employment model of the link workers (001 Table 4).
        employment: Employment = Employment::Pcn, "-", "R15" fixed "sets who employs the link workers when the PCN is built";
        /// VCSE organisations in the PCN's area.
        vcse_orgs: u32 = 20, "organisations", "R7, R18", [0, 10000] fixed "sets the organisations the area starts with; change funding.vcse_new_org_share_per_year instead";
        /// GP buy-in to social prescribing (legitimation, 002): where it starts and the long-run level that feedback moves it around (R2).
        gp_buy_in: f64 = 0.5, "0–1", "R2", [0.0, 1.0];
        /// A GP champion for social prescribing works in the PCN (002).
        gp_champion: bool = false, "-", "R2";
        /// Statutory-service waiting pressure (e.g. mental health waiting lists) that makes GPs refer cases they cannot place elsewhere (002).
        statutory_pressure: f64 = 0.5, "0–1", "R2", [0.0, 1.0];
    }
}

param_table! {
    /// `[behaviour]`: every coefficient of the rules (docs/ODD.md §7). Logistic
    /// coefficients act on the log-odds scale; a positive value raises the probability.
    pub struct Behaviour = "behaviour" {
        // ---------------- R1 presentation ----------------
        /// GP consultations per registered person per week (about 5 a year).
        gp_consults_per_person_week: f64 = 0.1, "consultations/person/week", "R1", [0.0, 5.0];
        /// Share of GP consultations that are for non-medical needs (002: up to one in five).
        nonmedical_share: f64 = 0.2, "share", "R1", [0.0, 1.0];
        /// Share of non-medical consultations that are a new presentation at a crisis (a new patient for the service).
        new_episode_share: f64 = 0.0275, "share", "R1", [0.0, 1.0];
        /// Presentation multiplier in low-deprivation regions (000: fewer non-medical needs).
        presentation_multiplier_low: f64 = 0.8, "multiplier", "R1", [0.0, 10.0];
        /// Presentation multiplier in high-deprivation regions (000).
        presentation_multiplier_high: f64 = 1.3, "multiplier", "R1", [0.0, 10.0];
        /// Mean complexity in a medium-deprivation region (000 1.1).
        complexity_mean: f64 = 0.45, "0–1", "R1", [0.01, 0.99];
        /// Mean readiness at presentation, medium deprivation (003 "readiness").
        readiness_mean: f64 = 0.45, "0–1", "R1", [0.01, 0.99];
        /// Mean capacity to act (caring duties, transport, health), medium deprivation (003).
        capacity_mean: f64 = 0.6, "0–1", "R1", [0.01, 0.99];
        /// Shift of the complexity, readiness and capacity means per deprivation step (high: complexity up, readiness and capacity down; 001 Paper 1).
        deprivation_shift: f64 = 0.08, "0–1 per level", "R1", [0.0, 0.4];
        /// Spread of patient attributes: standard deviation on the log-odds scale around the median (logit-normal).
        attribute_sd: f64 = 0.8, "log-odds", "R1", [0.0, 5.0];
        /// Probability that a financial or housing need is structural (no VCSE can fix it), medium deprivation (003, 004).
        structural_share: f64 = 0.45, "probability", "R1", [0.0, 1.0];
        /// Change of `structural_share` per deprivation step.
        structural_deprivation_shift: f64 = 0.12, "probability per level", "R1", [0.0, 0.5];
        /// Probability a patient has a hidden medical need that may surface in sessions (001 Part 2).
        hidden_medical_prob: f64 = 0.15, "probability", "R1, R9", [0.0, 1.0];
        /// Probability a presenting patient's needs belong with statutory services (an inappropriate referral if referred; 002).
        statutory_need_prob: f64 = 0.15, "probability", "R1, R2, R3", [0.0, 1.0];
        /// Mean baseline non-medical GP consultations per week, outside crises (Gamma, shape 2).
        gp_baseline_rate_mean: f64 = 0.05, "consultations/week", "R1, R9", [0.0, 5.0];
        /// Mean peak of the crisis component of GP use at presentation (Gamma, shape 2).
        crisis_peak_mean: f64 = 0.12, "consultations/week", "R1, R9", [0.0, 5.0];
        /// Time constant of the crisis build-up before presentation.
        crisis_rise_weeks: f64 = 10.0, "weeks", "R1", [0.1, 520.0];
        /// Time constant of the crisis decay after presentation, whatever happens next (regression to the mean).
        crisis_decay_weeks: f64 = 5.0, "weeks", "R1", [0.1, 520.0];
        /// Mean well-being, hope, self-efficacy and social capital at presentation, for complexity 0.
        outcome_baseline_mean: f64 = 0.5, "0–1", "R1", [0.01, 0.99];
        /// Reduction of those means per unit of complexity.
        outcome_complexity_effect: f64 = 0.3, "0–1", "R1", [0.0, 0.98];
        /// Weekly natural recovery of well-being as the crisis fades, toward the pre-crisis level (the counterfactual trajectory).
        wellbeing_recovery_per_week: f64 = 0.01, "share of gap/week", "R1", [0.0, 1.0];
        /// Pre-crisis well-being above presentation well-being.
        wellbeing_crisis_dip: f64 = 0.1, "0–1", "R1", [0.0, 1.0];

        // ---------------- R2 GP referral ----------------
        /// Intercept of P(GP refers a presenting patient).
        refer_intercept: f64 = -2.05, "log-odds", "R2", [-20.0, 20.0];
        /// Effect of GP buy-in (002 legitimation).
        refer_buy_in: f64 = 2.0, "log-odds per unit", "R2", [-20.0, 20.0];
        /// Effect of GP awareness of the link worker role.
        refer_awareness: f64 = 1.0, "log-odds per unit", "R2", [-20.0, 20.0];
        /// Effect of a GP champion (002).
        refer_champion: f64 = 0.5, "log-odds", "R2", [-20.0, 20.0];
        /// Effect of patient complexity (GPs refer people they cannot help medically).
        refer_complexity: f64 = 1.0, "log-odds per unit", "R2", [-20.0, 20.0];
        /// Effect per patient waiting per link worker post (long lists deter referrers, 000 1.3).
        refer_waiting_per_lw: f64 = -0.03, "log-odds per patient/LW", "R2", [-20.0, 20.0];
        /// Effect of the service's funding uncertainty (referrers hold back, 000 1.3).
        refer_uncertainty: f64 = -1.0, "log-odds per unit", "R2", [-20.0, 20.0];
        /// Penalty for a patient whose needs belong with statutory services.
        refer_statutory_penalty: f64 = -2.5, "log-odds", "R2", [-20.0, 20.0];
        /// Effect of statutory waiting pressure on referring such patients anyway (002 "supporting the supporter").
        refer_statutory_pressure: f64 = 3.0, "log-odds per unit", "R2", [-20.0, 20.0];
        /// Effect on the long-run GP buy-in and awareness (log-odds) per feedback report reaching GPs per link worker post per week, above or below `feedback_reference_per_post` (002 feedback loop).
        buy_in_feedback_effect: f64 = 0.3, "log-odds per report/post/week", "R2", [0.0, 20.0];
        /// Feedback reports reaching GPs per post per week at which buy-in and awareness sit at the region's own level (`gp_buy_in`, `awareness_initial`).
        feedback_reference_per_post: f64 = 5.0, "reports/post/week", "R2", [0.0, 1000.0];
        /// Weekly adjustment of buy-in and awareness toward the level this week's feedback implies.
        buy_in_adjust_per_week: f64 = 0.01, "share/week", "R2", [0.0, 1.0];
        /// Initial GP awareness of the link worker role.
        awareness_initial: f64 = 0.5, "0–1", "R2", [0.0, 1.0];
        /// How much of a feedback report reaches GPs at embeddedness 0 (scales up to 1 at full embeddedness; 000 2.1).
        feedback_reach_bolted_on: f64 = 0.3, "share", "R2", [0.0, 1.0];

        /// Extra session time an accepted statutory-need referral takes (complex needs that belong elsewhere, 002), as a share of a session.
        statutory_time_extra: f64 = 0.25, "share of a session", "R2, R3, R6", [0.0, 10.0];
        /// Emotional load of an accepted statutory-need patient on caseload, as a weight on their complexity added to the held patients' load (R13; 001 Paper 1 "too many complex cases").
        statutory_emotional_load: f64 = 0.5, "weight", "R2, R3, R13", [0.0, 10.0];

        // ---------------- R3 triage ----------------
        /// Intercept of P(LW declines an inappropriate referral).
        decline_intercept: f64 = -2.5, "log-odds", "R3", [-20.0, 20.0];
        /// Effect of discretion granted (001 Table 9 "confidence to decline").
        decline_discretion: f64 = 2.0, "log-odds per unit", "R3", [-20.0, 20.0];
        /// Effect of effective supervision.
        decline_supervision: f64 = 1.5, "log-odds per unit", "R3", [-20.0, 20.0];
        /// Effect of LW skill.
        decline_skill: f64 = 1.5, "log-odds per unit", "R3", [-20.0, 20.0];
        /// Saturation of supervision frequency: effective supervision = quality × (1 − exp(−this ÷ interval)), so more frequent supervision helps less and less (monthly 0.63, fortnightly 0.86, weekly 0.98 of quality).
        supervision_saturation_weeks: f64 = 4.0, "weeks", "R3, R7, R13, R14, R16, R19", [0.1, 520.0];

        // ---------------- R4 enrolment ----------------
        /// Intercept of P(patient accepts the referral). Calibrated: the central member of the plausible set (results/calibration/).
        accept_intercept: f64 = 0.54, "log-odds", "R4", [-20.0, 20.0];
        /// Effect of complexity (urgency: 003 "urgently seek solutions").
        accept_complexity: f64 = 1.5, "log-odds per unit", "R4", [-20.0, 20.0];
        /// Effect of GP credibility (buy-in; 003 "referred through a GP provides credibility").
        accept_gp_credibility: f64 = 1.0, "log-odds per unit", "R4", [-20.0, 20.0];
        /// Effect of clarity about the role (GP awareness, centred at 0.5).
        accept_clarity: f64 = 1.0, "log-odds per unit", "R4", [-20.0, 20.0];
        /// Effect of the service's uncertain future (mean perceived insecurity of the region's posts): patients hesitate to start with a service that may not last.
        accept_uncertainty: f64 = -1.5, "log-odds per unit", "R4", [-20.0, 20.0];

        // ---------------- R5 waiting ----------------
        /// Weekly hazard of dropping out while waiting, in the first week.
        dropout_wait_base: f64 = 0.05, "per week", "R5", [0.0, 10.0];
        /// Increase of that hazard per week already waited (002 "losing momentum").
        dropout_wait_slope: f64 = 0.015, "per week per week", "R5", [0.0, 10.0];
        /// Session hours a LW loses each week per practice served beyond the first (travel, fragmented presence; 002).
        practice_overhead_hours: f64 = 0.5, "hours/week/practice", "R5, R6", [0.0, 20.0];
        /// Intercept of P(first appointment missed).
        dna_intercept: f64 = 0.2, "log-odds", "R5", [-20.0, 20.0];
        /// Effect of readiness on missing the first appointment.
        dna_readiness: f64 = -1.5, "log-odds per unit", "R5", [-20.0, 20.0];
        /// Effect of capacity on missing the first appointment.
        dna_capacity: f64 = -1.0, "log-odds per unit", "R5", [-20.0, 20.0];
        /// Effect of each week waited on missing the first appointment.
        dna_wait: f64 = 0.05, "log-odds per week", "R5", [-20.0, 20.0];
        /// Probability a patient who missed the first appointment is then lost.
        dna_lost_prob: f64 = 0.5, "probability", "R5", [0.0, 1.0];

        // ---------------- R6 sessions ----------------
        /// Share of hours spent on administration and notes.
        admin_share: f64 = 0.15, "share of hours", "R6", [0.0, 0.9];
        /// LW hours per contact, including preparation and notes (many contacts are phone calls).
        session_hours: f64 = 0.6, "hours", "R6", [0.1, 10.0];
        /// Weeks between sessions for an engaged patient.
        engaged_interval_weeks: u32 = 1, "weeks", "R6", [1, 52];
        /// Weeks between anchor sessions for a held patient.
        held_interval_weeks: u32 = 3, "weeks", "R6, R8", [1, 52];
        /// Weeks between closing sessions while tapering.
        taper_interval_weeks: u32 = 2, "weeks", "R10", [1, 52];
        /// Share of session hours lost at burnout 1 (burnout lowers effective hours, R13).
        burnout_hours_impairment: f64 = 0.3, "share", "R6, R13", [0.0, 1.0];
        /// Hours of each supervision session.
        supervision_hours: f64 = 1.5, "hours", "R6, R19", [0.0, 40.0];
        /// Initial skill of a new link worker.
        skill_initial: f64 = 0.4, "0–1", "R6", [0.0, 1.0];
        /// Skill gained with experience (001 Table 4).
        skill_experience_gain: f64 = 0.3, "0–1", "R6", [0.0, 1.0];
        /// Time constant of skill growth with experience (about two years).
        skill_experience_weeks: f64 = 104.0, "weeks", "R6", [1.0, 5200.0];
        /// Trust gained per session, times skill and continuity, times (1 - trust) (003 "connection with").
        trust_gain: f64 = 0.3, "per session", "R6", [0.0, 1.0];
        /// Hope gained per session, times the share of the patient's needs the LW knows an open service for (001 Table 11).
        hope_gain: f64 = 0.06, "per session", "R6", [0.0, 1.0];
        /// Readiness growth per session, times (1 - readiness) (003). Calibrated: the central member of the plausible set (results/calibration/).
        readiness_growth: f64 = 0.043, "per session", "R6", [0.0, 1.0];
        /// Readiness growth rises with trust ("connection with" drives readiness, 003): growth × (1 + this × (trust − 0.5) + `readiness_skill_effect` × (skill − 0.5)), at least 0.
        readiness_trust_effect: f64 = 1.0, "per unit", "R6", [0.0, 10.0];
        /// Readiness growth rises with the link worker's skill (see `readiness_trust_effect`).
        readiness_skill_effect: f64 = 0.6, "per unit", "R6", [0.0, 10.0];
        /// Capacity growth per session, times (1 - capacity): practical help and anchoring make patients more able to act later (001 Table 8).
        capacity_growth: f64 = 0.01, "per session", "R6, R8", [0.0, 1.0];
        /// Multiplier of readiness growth for a held patient with space to offload (001 Table 8).
        held_readiness_multiplier: f64 = 2.0, "multiplier", "R6, R8", [0.0, 20.0];
        /// Weekly probability of a life shock (e.g. decline in physical health; 003).
        shock_prob: f64 = 0.02, "per week", "R6", [0.0, 1.0];
        /// Readiness lost in a life shock.
        shock_size: f64 = 0.2, "0–1", "R6", [0.0, 1.0];
        /// Capacity lost in a life shock, as a share of `shock_size`.
        shock_capacity_share: f64 = 0.5, "share", "R6", [0.0, 5.0];
        /// Intercept of P(patient stops coming after a session) while engaged: connection-with not yet formed (003).
        drift_intercept: f64 = -0.75, "log-odds", "R6", [-20.0, 20.0];
        /// Effect of trust in the link worker on stopping.
        drift_trust: f64 = -4.0, "log-odds per unit", "R6", [-20.0, 20.0];
        /// Effect of readiness on stopping.
        drift_readiness: f64 = -1.0, "log-odds per unit", "R6", [-20.0, 20.0];
        /// Well-being gained per session, times trust.
        session_wellbeing_gain: f64 = 0.015, "per session", "R6", [0.0, 1.0];
        /// Self-efficacy gained per session, times readiness.
        session_self_efficacy_gain: f64 = 0.01, "per session", "R6", [0.0, 1.0];

        // ---------------- R7 connection ----------------
        /// Anchoring sessions before a LW considers proposing VCSE support (003 anchor point).
        min_sessions_before_proposal: u32 = 2, "sessions", "R7", [0, 100];
        /// Estimated readiness at which the LW proposes VCSE support.
        proposal_threshold: f64 = 0.55, "0–1", "R7", [0.0, 1.0];
        /// Actual readiness below which a proposal is "pushing too early" (003).
        readiness_needed: f64 = 0.5, "0–1", "R7", [0.0, 1.0];
        /// Disengagement probability per unit of readiness shortfall when pushed too early.
        push_disengage: f64 = 1.2, "per unit shortfall", "R7", [0.0, 100.0];
        /// Standard deviation of the LW's readiness estimate for an unskilled, unsupervised LW.
        readiness_noise_sd: f64 = 0.25, "0–1", "R7", [0.0, 2.0];
        /// Share of that noise removed at full skill.
        noise_skill_effect: f64 = 0.5, "share", "R7", [0.0, 1.0];
        /// Share of that noise removed at full effective supervision.
        noise_supervision_effect: f64 = 0.4, "share", "R7", [0.0, 1.0];
        /// Intercept of P(patient takes up the proposed support).
        connect_intercept: f64 = -2.0, "log-odds", "R7", [-20.0, 20.0];
        /// Effect of readiness on taking up support.
        connect_readiness: f64 = 3.0, "log-odds per unit", "R7", [-20.0, 20.0];
        /// Effect of capacity on taking up support.
        connect_capacity: f64 = 2.5, "log-odds per unit", "R7", [-20.0, 20.0];
        /// Share of the region's VCSE organisations a link worker knows on starting (000 2.3).
        knowledge_initial_share: f64 = 0.5, "share", "R7, R11", [0.0, 1.0] fixed "only shapes the first link workers' knowledge";
        /// Mean places per VCSE organisation. Calibrated: the central member of the plausible set (results/calibration/).
        vcse_capacity_mean: f64 = 11.7, "places", "R7, R18", [1.0, 10000.0];
        /// Initial willingness of VCSE organisations to take referrals (002).
        vcse_buy_in_initial: f64 = 0.85, "probability", "R7, R18", [0.0, 1.0];
        /// Mean weeks a connected patient uses a VCSE place.
        placement_weeks_mean: f64 = 12.0, "weeks", "R7", [1.0, 60.0];
        /// Social capital gained on connection (002, 003).
        connect_social_capital_gain: f64 = 0.15, "0–1", "R7", [0.0, 1.0];
        /// Self-efficacy gained on connection (002).
        connect_self_efficacy_gain: f64 = 0.1, "0–1", "R7", [0.0, 1.0];
        /// Well-being gained on connection.
        connect_wellbeing_gain: f64 = 0.08, "0–1", "R7", [0.0, 1.0];
        /// Hope and trust lost when no suitable service exists (000 1.2 disillusionment).
        no_service_disillusion: f64 = 0.1, "0–1", "R7", [0.0, 1.0];
        /// Hope a patient loses when the organisation refuses the referral (a closed door, 000 1.2); the link worker loses `vcse_refusal_hours`.
        vcse_refusal_disillusion: f64 = 0.05, "0–1", "R7, R18", [0.0, 1.0];
        /// Link worker session hours spent on a refused referral (calls, finding another door).
        vcse_refusal_hours: f64 = 0.2, "hours", "R7, R18", [0.0, 40.0];
        /// Weekly probability that a patient on a VCSE waiting list gives up waiting (leaves the pathway unconnected).
        vcse_queue_dropout_per_week: f64 = 0.04, "per week", "R7, R18", [0.0, 1.0];
        /// Discretion lets a link worker wait until confident before proposing: the proposal threshold moves by this × (discretion − 0.5) (micro-discretion, 001 Paper 2).
        discretion_proposal_margin: f64 = 0.1, "0–1 per unit", "R7", [0.0, 1.0];

        // ---------------- R8 holding ----------------
        /// Estimated readiness below which the LW holds the patient rather than proposing.
        hold_readiness_threshold: f64 = 0.35, "0–1", "R8", [0.0, 1.0];
        /// Capacity below which the patient is held (cannot act yet; 003).
        hold_capacity_threshold: f64 = 0.25, "0–1", "R8", [0.0, 1.0];
        /// Weekly probability that a structural need (housing, debt) is resolved by another agency, unblocking a held patient (003 pathway c).
        structural_resolve_per_week: f64 = 0.03, "per week", "R8", [0.0, 1.0];
        /// Estimated readiness at which a held patient is released back to active work.
        release_readiness_threshold: f64 = 0.5, "0–1", "R8", [0.0, 1.0];
        /// Discretion lets a link worker hold rather than push: the holding threshold moves by this × (discretion − 0.5) (micro-discretion, 001 Paper 2).
        discretion_hold_margin: f64 = 0.1, "0–1 per unit", "R8", [0.0, 1.0];
        /// Weeks between the link worker's checks for an open suitable service for a patient held while waiting for services (a directory and contacts check, no session hours); assumption: the holding cadence, so each check falls near an anchor contact (001 Paper 1).
        service_search_interval_weeks: u32 = 3, "weeks", "R8", [1, 52];
        /// Weeks between reviews of a held patient; 0 = no review.
        holding_review_weeks: u32 = 26, "weeks", "R8", [0, 5200];
        /// Probability a review discharges a held patient who cannot connect (every need structural, capacity below the holding threshold, or waiting for services with none open); discharge keeps the re-referral route (R10).
        holding_review_discharge: f64 = 0.5, "probability", "R8", [0.0, 1.0];

        // ---------------- R9 GP use and medical needs ----------------
        /// Share of non-medical GP use avoided while engaged, times trust (001 Table 11).
        gp_engaged_reduction: f64 = 0.4, "share", "R9", [0.0, 1.0];
        /// Probability per session that a hidden medical need surfaces, times trust (001 Table 11 advocacy).
        medical_surface_prob: f64 = 0.15, "per session", "R9", [0.0, 1.0];

        // ---------------- R10 endings ----------------
        /// Hope and self-efficacy both above this count as goals met (discharge).
        goals_met_threshold: f64 = 0.6, "0–1", "R10", [0.0, 1.0];
        /// Intercept of P(relapse within 26 weeks of discharge).
        relapse_intercept: f64 = -1.0, "log-odds", "R10", [-20.0, 20.0];
        /// Effect of an abrupt (untapered) ending (001 Table 8, 002).
        relapse_abrupt: f64 = 0.8, "log-odds", "R10", [-20.0, 20.0];
        /// Effect of having been connected to community support.
        relapse_connected: f64 = -1.0, "log-odds", "R10", [-20.0, 20.0];
        /// Effect of self-efficacy at discharge.
        relapse_self_efficacy: f64 = -1.5, "log-odds per unit", "R10", [-20.0, 20.0];
        /// Effect of being told re-referral is possible (endings are easier, 003).
        relapse_told_rereferral: f64 = -0.4, "log-odds", "R10", [-20.0, 20.0];
        /// Non-medical GP consultations per week added at relapse (decays like a crisis).
        relapse_gp_bump: f64 = 0.08, "consultations/week", "R10", [0.0, 5.0];
        /// Non-medical GP consultations per week added after an abrupt ending (the GP as familiar support, 002).
        abrupt_gp_bump: f64 = 0.04, "consultations/week", "R10", [0.0, 5.0];
        /// Trust a re-referred patient keeps in the service from the last episode.
        rereferral_trust_kept: f64 = 0.5, "share", "R10", [0.0, 1.0];
        /// Readiness a re-referred patient keeps from the last episode.
        rereferral_readiness_kept: f64 = 0.5, "share", "R10", [0.0, 1.0];

        // ---------------- R11 community work and knowledge ----------------
        /// Probability per community hour of getting to know a new open VCSE organisation (000 2.3, 001 Table 11).
        community_discovery_per_hour: f64 = 0.03, "per hour", "R11", [0.0, 1.0];
        /// Knowledge quality gained per community hour, shared over the organisations known, times (1 - quality).
        community_learning_per_hour: f64 = 0.05, "per hour", "R11", [0.0, 10.0];
        /// Weekly decay of knowledge quality (organisations change, contacts move on).
        knowledge_decay_per_week: f64 = 0.004, "share/week", "R11", [0.0, 1.0];
        /// Quality of a newly discovered organisation in the knowledge map.
        knowledge_new_quality: f64 = 0.4, "0–1", "R11", [0.0, 1.0];
        /// Effect of the LW's knowledge quality of the organisation on take-up (a warm handover).
        connect_knowledge: f64 = 1.0, "log-odds per unit", "R7, R11", [-20.0, 20.0];

        // ---------------- R12 caseload-target pressure ----------------
        /// Sessions per patient the configured session pattern assumes when judging whether a target is achievable.
        expected_sessions_per_patient: f64 = 7.5, "sessions", "R12", [1.0, 100.0];
        /// Weeks of unused intake a link worker can catch up later (the target is a pace smoothed over weeks, not a weekly quota).
        intake_carry_weeks: f64 = 4.0, "weeks", "R5, R12", [0.0, 52.0];
        /// Extra patients taken on per week beyond the pace, per patient waiting per link worker beyond one week's pace (no link worker leaves a long list untouched; excess demand loads link workers).
        intake_waiting_response: f64 = 0.1, "per waiting patient/week", "R5, R12", [0.0, 1.0];
        /// Weekly smoothing of the workload a link worker copes with (share of the gap to this week's load closed each week).
        overload_smoothing: f64 = 0.25, "share/week", "R12, R13", [0.01, 1.0];
        /// Share of community time given up per unit of target pressure (community time is squeezed first).
        pressure_community_squeeze: f64 = 0.5, "share per unit", "R11, R12", [0.0, 10.0];
        /// Share of the session limit cut per unit of overload (shorter engagements when the caseload exceeds the hours; a target alone does not shorten them, so raising it never relieves load, R12). Calibrated: the central member of the plausible set (results/calibration/).
        pressure_session_cut: f64 = 0.48, "share per unit", "R12", [0.0, 10.0];
        /// Share of the holding threshold removed per unit of overload (holding less when the caseload exceeds the hours, R12).
        pressure_hold_squeeze: f64 = 0.4, "share per unit", "R8, R12", [0.0, 10.0];

        // ---------------- R13 burnout ----------------
        /// Speed of burnout change: burnout += rate × (stress × (1 - burnout) - recovery × burnout) each week. Calibrated: the central member of the plausible set (results/calibration/).
        burnout_rate: f64 = 0.016, "per week", "R13", [0.0, 1.0];
        /// Stress per unit of complexity held on the caseload (001 Paper 1: "take on too many complex cases").
        burnout_held_complexity: f64 = 0.03, "per unit", "R13", [0.0, 10.0];
        /// Stress per unit of overload: caseload hours above session hours, relative (the excess over a sustainable caseload). Calibrated: the central member of the plausible set (results/calibration/).
        burnout_overload: f64 = 2.05, "per unit", "R12, R13", [0.0, 20.0];
        /// Stress per unit of caseload-target pressure: being expected to carry more than is sustainable (R12; 001 Table 12).
        burnout_target_pressure: f64 = 0.5, "per unit", "R12, R13", [0.0, 20.0];
        /// Stress of isolation: times (1 − peer support) × (1 − relief × embeddedness) ÷ (1 + team relief × colleagues) (002; 004 "bolted on"; 001 Table 4 working alone).
        burnout_isolation: f64 = 0.4, "per unit", "R13", [0.0, 20.0];
        /// Isolation relieved per colleague in the team (other link workers in post in the PCN, plus the host organisation's team when VCSE-hosted).
        isolation_team_relief: f64 = 0.5, "per colleague", "R13, R15", [0.0, 20.0];
        /// Share of isolation relieved at full embeddedness in the practices.
        isolation_embeddedness_relief: f64 = 0.5, "share", "R13, R15", [0.0, 1.0];
        /// Stress of funding uncertainty (000 1.3).
        burnout_funding: f64 = 0.6, "per unit", "R13, R17", [0.0, 20.0];
        /// Stress per "no suitable service" event (000 1.2 disillusionment).
        burnout_disillusion: f64 = 0.04, "per event", "R13", [0.0, 10.0];
        /// Baseline recovery. Calibrated: the central member of the plausible set (results/calibration/).
        burnout_recovery_base: f64 = 0.74, "per unit", "R13", [0.0, 20.0];
        /// Recovery per unit of effective supervision (000 3.2, 001 Paper 1). Calibrated: the central member of the plausible set (results/calibration/).
        burnout_recovery_supervision: f64 = 1.12, "per unit", "R13, R19", [0.0, 20.0];
        /// Recovery per unit of peer support.
        burnout_recovery_peer: f64 = 0.5, "per unit", "R13", [0.0, 20.0];
        /// Skill lost at burnout 1 (burnout lowers skill).
        burnout_skill_impairment: f64 = 0.2, "0–1", "R13", [0.0, 1.0];
        /// Individual differences in how strongly stress reaches a link worker: log-sd of a mean-1 log-normal trait drawn at hiring. Burnout settles at s·stress ÷ (s·stress + r·recovery), so log(s/r) shifts its log-odds: 0.5 each gives a log-odds SD of 0.7, about two thirds of the spread of emotional-exhaustion scores between human-services workers (MBI-HSS norms: SD ≈ 0.5 × mean, about 0.8 on the log-odds scale; neuroticism correlates with burnout, Angelini, BMC Psychology 2023). 0 = every link worker alike. Calibrated: the central member of the plausible set (results/calibration/).
        lw_stress_sensitivity_sd: f64 = 0.59, "log-sd", "R13", [0.0, 2.0] fixed "is the spread of a trait each link worker is given when hired";
        /// Individual differences in recovery from stress (resilience): log-sd of a mean-1 log-normal trait drawn at hiring (see `lw_stress_sensitivity_sd`; 0 = every link worker alike).
        lw_recovery_sd: f64 = 0.5, "log-sd", "R13", [0.0, 2.0] fixed "is the spread of a trait each link worker is given when hired";
        /// Burnout of a newly recruited link worker.
        burnout_initial: f64 = 0.1, "0–1", "R13", [0.0, 1.0] fixed "sets a link worker's burnout when hired, not that of those in post (R13 moves it)";
        /// Burnout above which a link worker counts as highly burnt out in outputs.
        burnout_high_threshold: f64 = 0.6, "0–1", "R13", [0.0, 1.0];

        // ---------------- R14 satisfaction ----------------
        /// Weekly adjustment of satisfaction toward its current target level.
        satisfaction_adjust: f64 = 0.05, "share/week", "R14", [0.0, 1.0];
        /// Intercept of the satisfaction target (logistic).
        satisfaction_intercept: f64 = 0.2, "log-odds", "R14", [-20.0, 20.0];
        /// Effect of using skills and discretion (001 Tables 9–10).
        satisfaction_discretion: f64 = 1.0, "log-odds per unit", "R14", [-20.0, 20.0];
        /// Effect of seeing patients connect (per connection a week).
        satisfaction_connections: f64 = 0.3, "log-odds per connection/week", "R14", [-20.0, 20.0];
        /// Effect of being appreciated: mean of embeddedness and GP buy-in.
        satisfaction_appreciation: f64 = 1.5, "log-odds per unit", "R14", [-20.0, 20.0];
        /// Effect of discretion without support: discretion × (1 - supervision) (001 Paper 2 overwhelm).
        satisfaction_overwhelm: f64 = -2.0, "log-odds per unit", "R14, R19", [-20.0, 20.0];
        /// Effect of the share of the caseload held with structural needs (inability to help).
        satisfaction_structural: f64 = -1.5, "log-odds per unit", "R14", [-20.0, 20.0];
        /// Effect of burnout.
        satisfaction_burnout: f64 = -2.5, "log-odds per unit", "R14", [-20.0, 20.0];
        /// Satisfaction of a newly recruited link worker.
        satisfaction_initial: f64 = 0.6, "0–1", "R14", [0.0, 1.0] fixed "sets a link worker's satisfaction when hired, not that of those in post (R14 moves it)";

        // ---------------- R15 embeddedness ----------------
        /// Weekly embeddedness growth, times (1 - embeddedness) (004, 000 2.1).
        embeddedness_growth: f64 = 0.01, "per week", "R15", [0.0, 1.0];
        /// Multiplier of growth per unit of GP buy-in (MDT invitations follow buy-in).
        embeddedness_buy_in: f64 = 1.0, "per unit", "R15", [0.0, 20.0];
        /// Extra growth when employed by the PCN (co-located) rather than hosted by a VCSE.
        embeddedness_colocation: f64 = 0.5, "per unit", "R15", [0.0, 20.0];
        /// Growth divisor per practice served beyond the first (002 "hard to establish a presence").
        embeddedness_practices_drag: f64 = 0.2, "per practice", "R15", [0.0, 10.0];
        /// Share of the region's VCSE organisations a newly recruited link worker knows (knowledge is lost when a LW leaves; 002, 000 1.3).
        recruit_knowledge_share: f64 = 0.2, "share", "R11, R16", [0.0, 1.0];
        /// Share of the region's VCSE organisations a VCSE-hosted link worker knows on top of a PCN-employed one, on starting (001 Table 4: hosted link workers know the voluntary sector).
        vcse_host_knowledge_bonus: f64 = 0.25, "share", "R11, R15", [0.0, 1.0] fixed "sets the knowledge a VCSE-hosted link worker starts with when hired";
        /// Multiplier of community discovery for a VCSE-hosted link worker (the host's networks, 001 Table 4).
        vcse_host_discovery_multiplier: f64 = 1.5, "multiplier", "R11, R15", [0.0, 20.0];
        /// Colleagues a VCSE-hosted link worker has in the host organisation's team (less isolation, 001 Table 4).
        vcse_host_peers: f64 = 2.0, "colleagues", "R13, R15", [0.0, 100.0];
        /// Embeddedness of a newly recruited link worker (bolted on).
        embeddedness_initial: f64 = 0.1, "0–1", "R15", [0.0, 1.0] fixed "sets a link worker's embeddedness when hired, not that of those in post (R15 moves it)";

        // ---------------- R16 turnover ----------------
        /// Intercept of the intention to leave (log-odds that a link worker says yes to "do you intend to leave within a year?"). Calibrated: the central member of the plausible set (results/calibration/).
        intention_intercept: f64 = -4.13, "log-odds", "R16", [-20.0, 20.0];
        /// Effect of burnout on intention to leave (000 3.2; 001 Paper 1).
        intention_burnout: f64 = 3.0, "log-odds per unit", "R16", [-20.0, 20.0];
        /// Effect of dissatisfaction (1 − satisfaction) (001 Tables 9–10).
        intention_dissatisfaction: f64 = 2.0, "log-odds per unit", "R16", [-20.0, 20.0];
        /// Effect of perceived job insecurity (000 1.3).
        intention_insecurity: f64 = 2.0, "log-odds per unit", "R16, R17", [-20.0, 20.0];
        /// Effect of lacking supervision, times (1 − effective supervision) (001: quality of supervision a key reason for leaving). Calibrated: the central member of the plausible set (results/calibration/).
        intention_no_supervision: f64 = 1.05, "log-odds per unit", "R16, R19", [-20.0, 20.0];
        /// Share of link workers intending to leave who leave within the year (the weekly hazard is set so that P(leave in a year) = this × intention). Calibrated: the central member of the plausible set (results/calibration/).
        leave_follow_through: f64 = 0.52, "share", "R16", [0.0, 1.0];
        /// Perceived insecurity per unit of real risk of a cut (1 − renewal probability), capped at 1.
        insecurity_risk_scale: f64 = 4.0, "per unit risk", "R16, R17", [0.0, 100.0];
        /// Share of full perceived insecurity felt outside the window before contract end (fixed-term posts are never quite secure).
        insecurity_floor: f64 = 0.2, "share", "R16, R17", [0.0, 1.0];
        /// Trust a patient keeps when their link worker changes ("fractures the connection", 001).
        trust_kept_on_change: f64 = 0.3, "share", "R16", [0.0, 1.0];
        /// Trust-building continuity for a patient whose link worker changed (1 = same LW throughout).
        continuity_after_change: f64 = 0.6, "0–1", "R6, R16", [0.0, 1.0];

        // ---------------- R18 VCSE funding and capacity ----------------
        /// Mean share of an organisation's places used by people not referred through social prescribing.
        vcse_background_occupancy: f64 = 0.70, "share", "R18", [0.0, 1.0];
        /// Factor on buy-in for a full organisation taking a referral onto its waiting list (demand above capacity, 002).
        vcse_full_accept: f64 = 0.5, "share", "R7, R18", [0.0, 1.0];
        /// Weekly fall in VCSE buy-in while full (overstretched; 002).
        vcse_buy_in_drop: f64 = 0.01, "per week", "R18", [0.0, 1.0];
        /// Weekly recovery of VCSE buy-in toward its initial level while not full.
        vcse_buy_in_recover: f64 = 0.05, "share/week", "R18", [0.0, 1.0];

        // ---------------- R19 supervision and training ----------------
        /// Skill gained per training day, times (1 - skill).
        training_skill_gain: f64 = 0.01, "per day", "R19", [0.0, 1.0];
        /// Skill gained per week per unit of effective supervision, times (1 - skill).
        supervision_skill_gain: f64 = 0.001, "per week", "R19", [0.0, 1.0];
    }
}
