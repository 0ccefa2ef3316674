//! The workforce phases of the week: loads and intake at the start (R6, R12), and at the
//! end each post through funding, recruitment, community work, learning, burnout,
//! satisfaction, embeddedness and intention to leave (R11–R17, R19), then departures and
//! what they do to patients (R16), then posts commissioned (R17).
//!
//! The rules for one link worker live in [`super::workforce`]; this file applies them to
//! a region's posts in a fixed order and keeps the books (weekly counts, ledger).

use rand::RngExt;
use rand::rngs::ChaCha8Rng;

use super::{Ctx, Week, caseload, chance, community, funding, leaving, sessions, supervision, waiting, wellbeing};
use crate::metrics::WeekCounts;
use crate::metrics::ledger::Mechanism;
use crate::world::{GpPractice, LinkWorker, LwId, Patient, Stage, VcseOrg, flag};

/// Phase 1: recompute each LW's caseload, held load and committed hours from the patients
/// assigned to them (so caseloads always match assignments); the needs they know an open
/// organisation for (R7, R11); this week's target pressure
/// (R12), session hours after coping squeezes community time (R6, R11), load and
/// overload (R12), and intake credit (R12). `ahead` is the patients' tally taken at the
/// end of last week's walk over them ([`Tally`]), when nothing has changed them since;
/// without it, they are tallied here.
pub fn refresh_loads(
    ctx: &Ctx,
    lws: &mut [LinkWorker],
    orgs: &[VcseOrg],
    patients: &[Patient],
    practices: u32,
    ahead: Option<&Tally>,
) -> Loads {
    let (mut uncertainty, mut in_post) = (0.0, 0);
    let mut hours = HoursWeek::default();
    for lw in lws.iter_mut() {
        let nominal = sessions::weekly_session_hours(ctx, lw, practices, ctx.policy.community_time_share);
        lw.target_pressure = caseload::target_pressure(ctx, nominal) as f32;
        lw.pressure = lw.target_pressure.max(lw.overload);
        let share = caseload::community_share(ctx, lw.pressure as f64);
        let split = sessions::hours_split(ctx, lw, practices, share);
        hours.add(&split);
        lw.session_hours = split.sessions as f32;
        lw.hours_left = lw.session_hours;
        caseload::refill_intake(ctx, lw);
        lw.known_categories = super::connection::rank_known(&lw.knowledge, orgs, &mut lw.ranked);
        if lw.in_post {
            uncertainty += lw.funding_uncertainty as f64;
            in_post += 1;
        }
    }
    let mut fresh = Tally::default();
    let tally = match ahead {
        Some(t) if t.week == ctx.week => t,
        _ => {
            let counter = Tallier::new(ctx, ctx.week);
            fresh.reset(ctx.week, lws.len());
            patients.iter().for_each(|p| counter.add(&mut fresh, p));
            &fresh
        }
    };
    for (i, lw) in lws.iter_mut().enumerate() {
        let t = tally.lws.get(i).copied().unwrap_or_default();
        lw.caseload = t.caseload;
        lw.held = t.held;
        lw.held_complexity = t.held_complexity;
        lw.held_structural = t.held_structural;
        lw.committed_hours = t.committed_hours;
    }
    for lw in lws.iter_mut().filter(|l| l.in_post) {
        caseload::update_load(ctx, lw);
    }
    Loads {
        uncertainty: if in_post > 0 { uncertainty / in_post as f64 } else { 0.0 },
        waiting: tally.waiting,
        rereferrals_due: tally.rereferrals_due,
        priority_due: tally.priority_due,
        hours,
    }
}

/// What phase 1 needs of the patients at the start of week `week`: per link worker,
/// caseload, held patients and their complexity, committed hours (R6, R8, R12); the
/// waiting list; re-referrals and priority sessions due. Taken in phase 1, or ahead at
/// the end of the week before while its last pass walks the patients.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// The week it is for.
    pub week: u32,
    /// Per link worker, by index.
    pub lws: Vec<LwTally>,
    /// Patients waiting.
    pub waiting: usize,
    /// Relapsed patients due back (R10).
    pub rereferrals_due: usize,
    /// Patients on caseload due a first or overdue session (R5, R12).
    pub priority_due: usize,
}

impl Tally {
    /// Empty, for `week`, with `lws` link workers.
    pub fn reset(&mut self, week: u32, lws: usize) {
        self.week = week;
        self.lws.clear();
        self.lws.resize(lws, LwTally::default());
        self.waiting = 0;
        self.rereferrals_due = 0;
        self.priority_due = 0;
    }
}

/// One link worker's part of a [`Tally`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LwTally {
    caseload: u32,
    held: u32,
    held_complexity: f32,
    held_structural: u32,
    committed_hours: f32,
}

/// Adds patients to a [`Tally`] (the parameters it needs, read once).
#[derive(Debug, Clone, Copy)]
pub struct Tallier {
    week: u32,
    statutory_time: f32,
    statutory_load: f32,
    hours_of: [f32; 5],
}

impl Tallier {
    /// For the tally of week `week`.
    pub fn new(ctx: &Ctx, week: u32) -> Self {
        let stages = [Stage::Waiting, Stage::Engaged, Stage::Held, Stage::Queued, Stage::Tapering];
        Tallier {
            week,
            statutory_time: 1.0 + ctx.b.statutory_time_extra as f32,
            statutory_load: ctx.b.statutory_emotional_load as f32,
            hours_of: stages.map(|s| waiting::hours_per_week(ctx, s) as f32),
        }
    }

    /// Add one patient as they stand.
    #[inline(always)]
    pub fn add(&self, t: &mut Tally, p: &Patient) {
        t.waiting += (p.stage == Stage::Waiting) as usize;
        t.rereferrals_due += (p.stage == Stage::Relapsing && p.next_week <= self.week) as usize;
        if matches!(p.stage, Stage::Engaged | Stage::Held | Stage::Queued | Stage::Tapering) && p.lw != LwId::NONE {
            let lw = &mut t.lws[p.lw.0 as usize];
            lw.caseload += 1;
            t.priority_due +=
                (p.in_contact() && p.next_week <= self.week && (p.sessions == 0 || p.has(flag::OVERDUE))) as usize;
            let held = p.is_held();
            if held {
                lw.held += 1;
                lw.held_complexity += p.complexity;
                lw.held_structural += p.has(flag::STRUCTURAL) as u32;
            }
            // Held while on a VCSE waiting list: anchor contact at the holding cadence (R8).
            let mut hours = self.hours_of[if held { Stage::Held } else { p.stage } as usize];
            if p.has(flag::STATUTORY) {
                // Needs that belong with statutory services: longer sessions and an
                // emotional load whatever the stage (R2, R3, R13).
                hours *= self.statutory_time;
                lw.held_complexity += self.statutory_load * p.complexity;
            }
            lw.committed_hours += hours;
        }
    }
}

/// What phase 1 learned of the region's patients and posts.
#[derive(Debug, Clone, Copy)]
pub struct Loads {
    /// Mean perceived insecurity of the posts in post (R17, read by GPs in R2 and by
    /// patients in R4).
    pub uncertainty: f64,
    /// Patients waiting at the start of the week (R2, R5).
    pub waiting: usize,
    /// Relapsed patients due back this week (R10).
    pub rereferrals_due: usize,
    /// Patients on caseload due a priority session this week: a first appointment or an
    /// overdue one (R5, R12).
    pub priority_due: usize,
    /// Where the link workers' contracted hours go this week, before sessions.
    pub hours: HoursWeek,
}

/// The [`sessions::HoursSplit`] of every link worker in post, summed.
#[derive(Debug, Clone, Copy, Default)]
pub struct HoursWeek(sessions::HoursSplit);

impl HoursWeek {
    fn add(&mut self, s: &sessions::HoursSplit) {
        let t = &mut self.0;
        t.contracted += s.contracted;
        t.community += s.community;
        t.admin += s.admin;
        t.supervision += s.supervision;
        t.training += s.training;
        t.travel += s.travel;
        t.burnout_lost += s.burnout_lost;
        t.sessions += s.sessions;
    }

    /// Record the week's split in `counts` (sessions are recorded as they are held).
    pub fn record(&self, counts: &mut WeekCounts) {
        let t = &self.0;
        counts.hours_contracted = t.contracted;
        counts.hours_community = t.community;
        counts.hours_admin = t.admin;
        counts.hours_supervision = t.supervision;
        counts.hours_training = t.training;
        counts.hours_practice_travel = t.travel;
        counts.hours_lost_burnout = t.burnout_lost;
    }
}

/// What phase 7b needs of the PCN's shape.
#[derive(Debug, Clone, Copy)]
pub struct Pcn {
    /// GP practices each link worker serves (R6, R15).
    pub practices: u32,
    /// Posts the PCN started with (R17 growth is a share of them).
    pub base_posts: u32,
}

/// What is the same for every link worker of a PCN in a week (R13–R16, R19).
#[derive(Debug, Clone, Copy)]
struct TeamWeek {
    work: wellbeing::WorkContext,
    practices: u32,
    /// A supervision session falls this week.
    supervision_week: bool,
}

/// Phase 7b: one week of the workforce (R11–R17, R19), then departures and their patients
/// (R16), then posts commissioned (R17). Returns whether anyone departed (their patients
/// may have moved or returned to the waiting list).
pub fn workforce_week(
    ctx: &Ctx,
    lws: &mut Vec<LinkWorker>,
    pcn: Pcn,
    orgs: &[VcseOrg],
    gp: &GpPractice,
    patients: &mut [Patient],
    wk: &mut Week,
) -> bool {
    let Pcn { practices, base_posts } = pcn;
    let supervision = ctx.supervision();
    let interval = ctx.policy.supervision_interval_weeks;
    let supervision_week = interval > 0 && ctx.week.is_multiple_of(interval);
    let team = lws.iter().filter(|l| l.in_post).count() as f64;
    let work = wellbeing::WorkContext { supervision, gp_buy_in: gp.buy_in as f64, colleagues: (team - 1.0).max(0.0) };
    let team_week = TeamWeek { work, practices, supervision_week };
    // Departures this week: (post, cut). Rare, so the list stays empty almost always.
    let mut departures: Vec<(usize, bool)> = Vec::new();
    for (i, lw) in lws.iter_mut().enumerate() {
        if lw.cut {
            continue;
        }
        match funding::update_funding(wk.rng, ctx, lw) {
            funding::FundingEvent::Cut => {
                wk.fire_system(ctx, Mechanism::PostCut);
                departures.push((i, true));
                continue;
            }
            funding::FundingEvent::Renewed => {
                wk.fire_system(ctx, Mechanism::ContractRenewed);
            }
            funding::FundingEvent::None => {}
        }
        if !lw.in_post {
            if ctx.week >= lw.vacant_until {
                recruit(ctx, lw, orgs.len(), practices, wk.rng);
                wk.fire_system(ctx, Mechanism::Recruited);
            }
            continue;
        }
        if let Some(reason) = link_worker_week(ctx, lw, orgs, gp, team_week, wk) {
            wk.counts.leavers += 1.0;
            let m = match reason {
                leaving::LeaveReason::Burnout => Mechanism::LeftBurnout,
                leaving::LeaveReason::Dissatisfaction => Mechanism::LeftDissatisfaction,
                leaving::LeaveReason::Funding => Mechanism::LeftFunding,
            };
            wk.fire_system(ctx, m);
            departures.push((i, false));
        }
    }
    let departed = !departures.is_empty();
    for (i, cut) in departures {
        depart(ctx, lws, i, cut, patients, wk);
    }
    commission_posts(ctx, lws, base_posts, wk);
    departed
}

/// One week of one link worker in post: community work (R11), learning (R19), burnout
/// (R13), satisfaction (R14), embeddedness (R15), intention to leave and leaving (R16).
/// Returns the reason when the link worker leaves this week.
fn link_worker_week(
    ctx: &Ctx,
    lw: &mut LinkWorker,
    orgs: &[VcseOrg],
    gp: &GpPractice,
    team: TeamWeek,
    wk: &mut Week,
) -> Option<leaving::LeaveReason> {
    let TeamWeek { work, practices, supervision_week } = team;
    let community_hours = lw.hours as f64 * caseload::community_share(ctx, lw.pressure as f64);
    if community::community_work(wk.rng, ctx, lw, orgs, community_hours) {
        wk.fire_system(ctx, Mechanism::OrgDiscovered);
    }
    lw.experience_weeks += 1;
    if supervision_week {
        wk.fire_system(ctx, Mechanism::SupervisionSession);
    }
    let stress = wellbeing::update_burnout(ctx, lw, work);
    wk.fire_system(
        ctx,
        match stress {
            wellbeing::Stress::Held => Mechanism::StressHeld,
            wellbeing::Stress::Overload => Mechanism::StressOverload,
            wellbeing::Stress::Target => Mechanism::StressTarget,
            wellbeing::Stress::Isolation => Mechanism::StressIsolation,
            wellbeing::Stress::Funding => Mechanism::StressFunding,
            wellbeing::Stress::Disillusion => Mechanism::StressDisillusion,
        },
    );
    let satisfaction_before = lw.satisfaction;
    wellbeing::update_satisfaction(ctx, lw, work);
    if lw.satisfaction > satisfaction_before {
        wk.fire_system(ctx, Mechanism::SatisfactionRose);
    } else if lw.satisfaction < satisfaction_before {
        wk.fire_system(ctx, Mechanism::SatisfactionFell);
    }
    wellbeing::update_embeddedness(ctx, lw, gp.buy_in as f64, practices);
    supervision::learn(ctx, lw, work.supervision, supervision::skill_for_experience(ctx, lw.experience_weeks));
    let (intention, terms) = leaving::intention_to_leave(ctx, lw, work.supervision);
    lw.intention = intention as f32;
    lw.connections_week = 0;
    lw.disillusion_week = 0;
    let band = wellbeing::embeddedness_band(lw.embeddedness as f64);
    for (fired, m) in [
        (lw.target_pressure > 0.0, Mechanism::UnderTargetPressure),
        (lw.load > 1.0, Mechanism::Overloaded),
        (lw.burnout as f64 > ctx.b.burnout_high_threshold, Mechanism::HighBurnout),
        (lw.satisfaction < 0.4, Mechanism::LowSatisfaction),
        (band == "bolted_on", Mechanism::BoltedOn),
        (band == "belonging", Mechanism::Belonging),
    ] {
        if fired {
            wk.fire_system(ctx, m);
        }
    }
    if chance(wk.rng, leaving::leave_hazard(ctx, intention)) {
        return Some(leaving::leave_reason(terms, wk.rng.random::<f64>()));
    }
    // Counted for the link workers still in post at the end of the week, the share's
    // denominator (a leaver's intention counted over a post no longer filled once gave a
    // share above 1).
    wk.counts.lw_intending += intention;
    None
}

/// A link worker leaves (or their post is cut): the post falls vacant for the recruitment
/// delay (or until it is commissioned again), their knowledge map is lost, and their
/// patients move to a colleague with room or back to the waiting list, with trust reset
/// (R16; 001, 002).
fn depart(ctx: &Ctx, lws: &mut [LinkWorker], i: usize, cut: bool, patients: &mut [Patient], wk: &mut Week) {
    let was_in_post = lws[i].in_post;
    {
        let lw = &mut lws[i];
        if was_in_post {
            wk.counts.leaver_tenure_weeks += lw.experience_weeks as f64;
            if lw.knowledge.iter().any(|k| *k > 0.0) {
                wk.fire_system(ctx, Mechanism::KnowledgeLost);
            }
        }
        lw.in_post = false;
        lw.cut = cut;
        lw.vacant_until = ctx.week + ctx.funding.recruitment_weeks;
        lw.knowledge.iter_mut().for_each(|k| *k = 0.0);
        lw.caseload = 0;
        lw.committed_hours = 0.0;
        lw.intake_credit = 0.0;
    }
    let id = LwId(i as u16);
    for p in patients.iter_mut() {
        if p.lw != id || !matches!(p.stage, Stage::Engaged | Stage::Held | Stage::Queued | Stage::Tapering) {
            continue;
        }
        if p.stage == Stage::Queued {
            // Waiting for a VCSE place: stays on its waiting list with a colleague as
            // link worker; with none in post, returns to the list when next looked at.
            p.lw = waiting::pick_colleague_with_room(lws, 0.0).unwrap_or(LwId::NONE);
            if p.lw == LwId::NONE {
                // No one to keep anchor contact: the holding ends, the place on the list stays.
                p.flags &= !flag::HOLD_WAITING;
            }
            continue;
        }
        wk.counts.continuity_breaks += 1.0;
        p.flags |= flag::CONTINUITY_BREAK;
        p.trust *= ctx.b.trust_kept_on_change as f32;
        let need = waiting::hours_per_week(ctx, p.stage);
        match waiting::pick_colleague_with_room(lws, need) {
            Some(other) => {
                let o = &mut lws[other.0 as usize];
                o.committed_hours += need as f32;
                o.caseload += 1;
                p.lw = other;
                wk.fire(ctx, Mechanism::MovedToColleague, p.complexity);
            }
            None => {
                wk.fire(ctx, Mechanism::ReturnedToWaiting, p.complexity);
                p.stage = Stage::Waiting;
                p.flags &= !flag::HOLD_WAITING;
                p.lw = LwId::NONE;
                p.week_waiting = ctx.week;
            }
        }
    }
}

/// R17: posts commissioned. A cut post is commissioned again after a mean of
/// `lw_recommission_weeks` (then recruited into); new posts appear at
/// `lw_post_growth_per_year` × the posts the region started with. Both start vacant,
/// with a fresh contract from the week a recruit can start.
fn commission_posts(ctx: &Ctx, lws: &mut Vec<LinkWorker>, base_posts: u32, wk: &mut Week) {
    let f = ctx.funding;
    let start = ctx.week + f.recruitment_weeks;
    let contract_end = start + funding::contract_weeks(ctx);
    if f.lw_recommission_weeks > 0 {
        let p = 1.0 / f.lw_recommission_weeks as f64;
        for lw in lws.iter_mut().filter(|l| l.cut) {
            if chance(wk.rng, p) {
                lw.cut = false;
                lw.vacant_until = start;
                lw.contract_end_week = contract_end;
                wk.fire_system(ctx, Mechanism::PostCommissioned);
            }
        }
    }
    // Growth, like contracts, runs from the first reported week.
    let growth = if ctx.reported() { f.lw_post_growth_per_year * base_posts as f64 / 52.0 } else { 0.0 };
    let new = crate::world::rng::small_count(wk.rng, growth);
    for _ in 0..new {
        if lws.is_empty() || lws.len() >= LwId::NONE.0 as usize {
            break;
        }
        let mut lw = lws[0].clone();
        lw.in_post = false;
        lw.cut = false;
        lw.vacant_until = start;
        lw.contract_end_week = contract_end;
        lw.caseload = 0;
        lw.committed_hours = 0.0;
        lw.intake_credit = 0.0;
        lw.knowledge.iter_mut().for_each(|k| *k = 0.0);
        lws.push(lw);
        wk.fire_system(ctx, Mechanism::PostCommissioned);
    }
}

/// A new link worker starts in a vacant post: inexperienced, bolted on, knowing few
/// organisations (R16). The post keeps its contract.
fn recruit(ctx: &Ctx, lw: &mut LinkWorker, n_orgs: usize, practices: u32, rng: &mut ChaCha8Rng) {
    let contract_end = lw.contract_end_week;
    let r = crate::world::init::Recruit { employment: lw.employer, practices, hours: lw.hours as f64, experience: 0 };
    *lw = crate::world::init::new_link_worker(rng, ctx.b, r, n_orgs, ctx.b.recruit_knowledge_share);
    lw.contract_end_week = contract_end;
}

/// Mean skill of the link workers in post (who does triage, R3).
pub fn duty_skill(lws: &[LinkWorker]) -> f64 {
    let (n, s) = lws.iter().filter(|l| l.in_post).fold((0, 0.0), |(n, s), l| (n + 1, s + l.skill as f64));
    if n == 0 { 0.0 } else { s / n as f64 }
}
