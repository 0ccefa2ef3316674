//! One week of one region, in a fixed phase order. Each phase is one function here (or in
//! [`super::staffing`] for the workforce and [`super::pathway`] for a session), named
//! after what it does, with the rules it applies:
//!
//! 1. [`staffing::refresh_loads`]: caseloads and committed hours recomputed from
//!    assignments; session hours (R6); target pressure, load, overload, intake credit (R12);
//! 2. [`referrals`]: presentation, referral, triage, enrolment (R1–R4);
//! 3. [`rereferrals`]: relapsed patients return (R10);
//! 4. [`waiting_list`]: loss of momentum, then intake at the target's pace (R5, R12);
//! 5. [`sessions_week`]: overdue patients first, then in list order, while LW hours last
//!    ([`pathway::session`]: R5 first appointments, R6, R7, R8, R9, R10);
//! 6. [`patient_week`]: life shocks, natural recovery, holding limits, structural needs
//!    resolved, GP use in the follow-up window (R6, R8, R9);
//! 7. [`vcse_week`]: VCSE places freed, grants, new organisations (R18); GP buy-in decay
//!    (R2); [`staffing::workforce_week`]: every post (R11–R17, R19), departures (R16),
//!    posts commissioned (R17);
//! 8. leavers removed, stocks observed ([`observe_stocks`]).

use rand::rngs::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};

use super::endings::{self, Exit};
use super::pathway::{self, leave};
use super::{Ctx, Week, caseload, chance, holding, presentation, referral, sessions, staffing, vcse, waiting};
use crate::metrics::WeekCounts;
use crate::metrics::ledger::Mechanism;
use crate::params::Deprivation;
use crate::world::{GpPractice, HoldReason, LinkWorker, LwId, PLACEMENT_RING, Patient, Region, Stage, VcseOrg, flag};

/// Time spent in each phase of [`step_region`], summed over every region and week of the
/// process, for profiling: built with `--features phase-timing` (otherwise the phases are
/// not timed and cost nothing). `spsim run` prints the table at its end.
pub mod timing {
    /// The phases of the week, in order.
    #[derive(Debug, Clone, Copy)]
    pub enum Phase {
        /// 1: loads (R6, R12).
        Loads,
        /// 2: presentation to enrolment (R1–R4).
        Referrals,
        /// 3: re-referrals (R10).
        Rereferrals,
        /// 4: the waiting list (R5, R12).
        WaitingList,
        /// 5: sessions (R5–R10).
        Sessions,
        /// 6: every patient's week (R6, R8, R9), stocks and next week's tally.
        PatientWeek,
        /// 7a: VCSE organisations (R18).
        Vcse,
        /// 7b: the workforce (R11–R17, R19).
        Workforce,
        /// 8: stocks recorded, leavers removed.
        Stocks,
    }

    /// Every phase, in order.
    pub const PHASES: [Phase; 9] = [
        Phase::Loads,
        Phase::Referrals,
        Phase::Rereferrals,
        Phase::WaitingList,
        Phase::Sessions,
        Phase::PatientWeek,
        Phase::Vcse,
        Phase::Workforce,
        Phase::Stocks,
    ];

    #[cfg(feature = "phase-timing")]
    static NANOS: [std::sync::atomic::AtomicU64; 9] = [const { std::sync::atomic::AtomicU64::new(0) }; 9];

    /// Add time spent in a phase.
    #[cfg(feature = "phase-timing")]
    pub fn add(p: Phase, t: std::time::Duration) {
        NANOS[p as usize].fetch_add(t.as_nanos() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// The table of time per phase (seconds, share), or `None` when not built with the
    /// `phase-timing` feature.
    pub fn report() -> Option<String> {
        #[cfg(feature = "phase-timing")]
        {
            let secs: Vec<f64> =
                NANOS.iter().map(|n| n.load(std::sync::atomic::Ordering::Relaxed) as f64 * 1e-9).collect();
            let total: f64 = secs.iter().sum::<f64>().max(1e-12);
            let mut out = String::from("phase          seconds   share\n");
            for (p, s) in PHASES.iter().zip(&secs) {
                out.push_str(&format!("{:<14} {s:>8.3} {:>6.1}%\n", format!("{p:?}"), 100.0 * s / total));
            }
            Some(out)
        }
        #[cfg(not(feature = "phase-timing"))]
        None
    }
}

/// Run a phase of the week, timed when built with the `phase-timing` feature.
macro_rules! phase {
    ($p:ident, $e:expr) => {{
        #[cfg(feature = "phase-timing")]
        let start = std::time::Instant::now();
        let out = $e;
        #[cfg(feature = "phase-timing")]
        timing::add(timing::Phase::$p, start.elapsed());
        out
    }};
}

/// Advance a region by one week. `ahead` carries the patients' tally for the load pass
/// from one week to the next ([`staffing::Tally`]); a fresh (default) one is always
/// safe, and one from another region or week is never used.
pub fn step_region(region: &mut Region, ctx: &Ctx, ahead: &mut staffing::Tally) {
    let Region {
        population,
        deprivation,
        practices,
        gp,
        lws,
        base_posts,
        base_orgs,
        orgs,
        patients,
        rng_arrivals,
        rng_service,
        week: counts,
        totals,
        ..
    } = region;
    *counts = WeekCounts { regions: 1.0, ..WeekCounts::default() };
    let wk = &mut Week { rng: rng_service, counts, totals };
    wk.fire_system(ctx, Mechanism::PcnWeek);

    let loads = phase!(Loads, staffing::refresh_loads(ctx, lws, orgs, patients, *practices, Some(ahead)));
    loads.hours.record(wk.counts);
    let (uncertainty, waiting) = (loads.uncertainty, loads.waiting);
    let arrivals = Arrivals { population: *population, deprivation: *deprivation, uncertainty, waiting };
    phase!(Referrals, referrals(ctx, arrivals, gp, lws, patients, rng_arrivals, wk));
    if loads.rereferrals_due > 0 {
        phase!(Rereferrals, rereferrals(ctx, patients, wk));
    }
    // Everyone who joined the list this week joined it through phase 2 or 3.
    let waiting_now = waiting + (wk.counts.accepted + wk.counts.rereferred) as usize;
    let taken_on = phase!(WaitingList, waiting_list(ctx, lws, patients, waiting_now, wk));
    phase!(Sessions, sessions_week(ctx, lws, orgs, gp, patients, loads.priority_due + taken_on, wk));
    // Phase 8's stocks are counted in phase 6's pass; nothing in phase 7 changes a
    // patient unless a link worker departs, and then they are counted again.
    // The same pass takes next week's tally for phase 1.
    let next = staffing::Tallier::new(ctx, ctx.week + 1);
    let pcn = staffing::Pcn { practices: *practices, base_posts: *base_posts };
    ahead.reset(ctx.week + 1, lws.len());
    let mut stocks = phase!(PatientWeek, patient_week(ctx, lws, orgs, gp, patients, (&next, ahead), wk));
    // Session hours no patient used this week (before anyone leaves in phase 7b).
    wk.counts.hours_unused = lws.iter().filter(|l| l.in_post).map(|l| l.hours_left as f64).sum();
    phase!(Vcse, vcse_week(ctx, orgs, lws, *base_orgs, wk));
    referral::update_buy_in(ctx, gp, lws.iter().filter(|l| l.in_post).count());
    if phase!(Workforce, staffing::workforce_week(ctx, lws, pcn, orgs, gp, patients, wk)) {
        stocks = Stocks::default();
        ahead.reset(ctx.week + 1, lws.len());
        for p in patients.iter() {
            stocks.count(ctx, p);
            next.add(ahead, p);
        }
    }
    phase!(Stocks, {
        stocks.record(ctx, wk);
        if stocks.done > 0 {
            patients.retain(|p| p.stage != Stage::Done);
        }
        observe_stocks(ctx.b, lws, orgs, gp, wk.counts);
    });
    if ctx.reported() {
        wk.totals.sum.add(wk.counts);
        wk.totals.weeks += 1.0;
    }
}

/// What phase 2 needs to know of the region.
#[derive(Debug, Clone, Copy)]
struct Arrivals {
    population: u32,
    deprivation: Deprivation,
    /// Mean perceived insecurity of the posts in post (R2: referrers hold back).
    uncertainty: f64,
    /// Patients waiting at the start of the week (R2: long lists deter referrers).
    waiting: usize,
}

/// Phase 2 (R1–R4): who presents, whom the GP refers, whom the link worker declines at
/// triage, who accepts and joins the waiting list.
fn referrals(
    ctx: &Ctx,
    a: Arrivals,
    gp: &GpPractice,
    lws: &[LinkWorker],
    patients: &mut Vec<Patient>,
    rng_arrivals: &mut ChaCha8Rng,
    wk: &mut Week,
) {
    let mean = presentation::expected_presentations(a.population, a.deprivation, ctx.b);
    let n_new = if mean > 0.0 { Poisson::new(mean).map_or(0.0, |d| d.sample(rng_arrivals)) as u32 } else { 0 };
    let posts = lws.iter().filter(|l| !l.cut).count();
    let waiting_per_lw = if posts > 0 { a.waiting as f64 / posts as f64 } else { 0.0 };
    let duty_skill = staffing::duty_skill(lws);
    for _ in 0..n_new {
        let pres = presentation::draw_presentation(rng_arrivals, a.deprivation, ctx.b, &ctx.tables.medians);
        wk.fire(ctx, Mechanism::Presented, pres.complexity as f32);
        if posts == 0 || !chance(wk.rng, referral::p_refer(ctx, gp, &pres, waiting_per_lw, a.uncertainty)) {
            continue;
        }
        wk.fire(ctx, Mechanism::Referred, pres.complexity as f32);
        if pres.statutory {
            wk.fire(ctx, Mechanism::InappropriateReferral, pres.complexity as f32);
        }
        let mut p = presentation::complete_patient(&pres, a.deprivation, ctx.b, &ctx.tables.medians, ctx.week);
        if ctx.reported() {
            p.flags |= flag::REPORTED;
        }
        if chance(wk.rng, referral::p_decline(ctx, &p, duty_skill)) {
            wk.fire(ctx, Mechanism::TriageDeclined, p.complexity);
            leave(ctx, &mut p, Exit::NotEnrolled, None, wk);
        } else if !chance(wk.rng, referral::p_accept(ctx, gp, &p, a.uncertainty)) {
            wk.fire(ctx, Mechanism::PatientDeclined, p.complexity);
            leave(ctx, &mut p, Exit::NotEnrolled, None, wk);
        } else {
            wk.fire(ctx, Mechanism::Accepted, p.complexity);
            if patients.len() == patients.capacity() {
                // Grow by an eighth, not the default doubling: caseloads grow slowly,
                // and across England the doubling's slack was 40% of peak memory.
                patients.reserve_exact(patients.len() / 8 + 16);
            }
            patients.push(p);
        }
    }
}

/// Phase 3 (R10): relapsed patients due this week return to the waiting list, keeping part
/// of their trust and readiness.
fn rereferrals(ctx: &Ctx, patients: &mut [Patient], wk: &mut Week) {
    for p in patients.iter_mut() {
        if p.stage == Stage::Relapsing && p.next_week <= ctx.week {
            // Of a discharge in the reported weeks (its episode started after the warm-up).
            if ctx.reported() && p.has(flag::REPORTED) {
                wk.totals.rereferred_reported += 1.0;
            }
            wk.fire(ctx, Mechanism::Rereferred, p.complexity);
            p.stage = Stage::Waiting;
            p.week_waiting = ctx.week;
            p.readiness *= ctx.b.rereferral_readiness_kept as f32;
            p.sessions = 0;
            p.anchor_sessions = 0;
            p.flags &= !flag::EPISODE;
            p.flags |= flag::REREFERRAL;
            if ctx.reported() {
                p.flags |= flag::REPORTED;
            } else {
                p.flags &= !flag::REPORTED;
            }
            p.start = [p.wellbeing, p.self_efficacy, p.social_capital];
            p.trust *= ctx.b.rereferral_trust_kept as f32;
        }
    }
}

/// Phase 4 (R5, R12): the waiting list in arrival order. A patient may lose momentum;
/// otherwise the least loaded link worker with intake credit left takes them on, whether
/// or not the hours look spare (the caseload target sets the pace). A long list adds
/// intake beyond the pace; unused extra intake does not carry over.
fn waiting_list(
    ctx: &Ctx,
    lws: &mut [LinkWorker],
    patients: &mut [Patient],
    waiting_now: usize,
    wk: &mut Week,
) -> usize {
    let mut priority = 0;
    let in_post = lws.iter().filter(|l| l.in_post).count();
    let extra =
        if in_post > 0 { caseload::waiting_list_extra(ctx, waiting_now as f64 / in_post as f64) as f32 } else { 0.0 };
    for lw in lws.iter_mut().filter(|l| l.in_post) {
        lw.intake_credit += extra;
    }
    let need = waiting::hours_per_week(ctx, Stage::Engaged);
    // Nobody waiting: nothing to scan (the credit bookkeeping below still runs).
    let scan = if waiting_now > 0 { &mut *patients } else { &mut [] };
    for p in scan.iter_mut() {
        if p.stage != Stage::Waiting {
            continue;
        }
        let waited = ctx.week - p.week_waiting;
        if waited > 0 && chance(wk.rng, waiting::p_drop_waiting(ctx, waited)) {
            if p.has(flag::REPORTED) {
                wk.totals.dropped_waiting_reported += 1.0;
            }
            wk.fire(ctx, Mechanism::LostMomentum, p.complexity);
            leave(ctx, p, Exit::DroppedWaiting, None, wk);
            continue;
        }
        match waiting::pick_for_intake(lws) {
            Some(id) => {
                let lw = &mut lws[id.0 as usize];
                let beyond_pace = lw.intake_credit - extra < 1.0 - 1e-6;
                lw.intake_credit -= 1.0;
                lw.committed_hours += need as f32;
                lw.caseload += 1;
                p.lw = id;
                p.stage = Stage::Engaged;
                p.next_week = ctx.week;
                priority += (p.sessions == 0 || p.has(flag::OVERDUE)) as usize;
                wk.counts.intake += 1.0;
                if beyond_pace {
                    wk.fire(ctx, Mechanism::IntakeBeyondPace, p.complexity);
                } else {
                    wk.fire(ctx, Mechanism::IntakeAtPace, p.complexity);
                }
            }
            None => wk.fire(ctx, Mechanism::WaitingPaceUsed, p.complexity),
        }
    }
    for lw in lws.iter_mut().filter(|l| l.in_post) {
        let cap = caseload::intake_cap(ctx, lw) as f32;
        lw.intake_credit = (lw.intake_credit - extra).max(0.0).min(cap);
    }
    priority
}

/// Phase 5 (R5–R10): sessions while each link worker's session hours last: first
/// appointments of newly assigned patients and overdue patients first, newest first (R5:
/// not having to wait keeps momentum), then the rest in list order. A patient not seen is overdue, so
/// sessions are spaced out when the caseload exceeds the hours (R12).
fn sessions_week(
    ctx: &Ctx,
    lws: &mut [LinkWorker],
    orgs: &mut [VcseOrg],
    gp: &mut GpPractice,
    patients: &mut [Patient],
    priority_due: usize,
    wk: &mut Week,
) {
    let hours = ctx.b.session_hours as f32;
    let statutory_hours = hours * (1.0 + ctx.b.statutory_time_extra as f32);
    for pass in 0..2 {
        // The priority pass runs newest first: patients taken on this week (at the end of
        // the list) have their first appointment before older overdue sessions. It stops
        // once every priority patient due (counted in phases 1 and 4) has been visited.
        let mut left = if pass == 0 { priority_due } else { usize::MAX };
        let order: &mut dyn Iterator<Item = &mut Patient> =
            if pass == 0 { &mut patients.iter_mut().rev() } else { &mut patients.iter_mut() };
        for p in order {
            if left == 0 {
                break;
            }
            if !p.in_contact() || p.next_week > ctx.week {
                continue;
            }
            let priority = p.sessions == 0 || p.has(flag::OVERDUE);
            if (pass == 0) != priority {
                continue;
            }
            if pass == 0 {
                left -= 1;
            }
            let lw = &mut lws[p.lw.0 as usize];
            // An accepted statutory-need referral takes longer (R2, R3).
            let need = if p.has(flag::STATUTORY) { statutory_hours } else { hours };
            if lw.hours_left < need {
                p.flags |= flag::OVERDUE;
                continue;
            }
            lw.hours_left -= need;
            let kind = if p.sessions == 0 {
                &mut wk.counts.hours_first_sessions
            } else if p.is_held() {
                &mut wk.counts.hours_holding
            } else {
                &mut wk.counts.hours_follow_up
            };
            *kind += need as f64;
            p.flags &= !flag::OVERDUE;
            pathway::session(ctx, p, lw, orgs, gp, wk);
        }
    }
}

/// Phase 6 (R6–R9): the week of every patient still on the pathway: holding limit,
/// review and structural needs resolved elsewhere (R8), VCSE waiting lists (R7, R18), life
/// shocks and natural recovery (R6), GP use in the follow-up window (R9). A patient who
/// leaves here leaves before the week's GP use is added (the follow-up closes from the
/// exit week on). Returns the end-of-week stocks (phase 8) as they stand after it.
fn patient_week(
    ctx: &Ctx,
    lws: &mut [LinkWorker],
    orgs: &mut [VcseOrg],
    gp: &mut GpPractice,
    patients: &mut [Patient],
    (next, ahead): (&staffing::Tallier, &mut staffing::Tally),
    wk: &mut Week,
) -> Stocks {
    let mut shocks = sessions::Shocks::new(wk.rng, ctx);
    let mut stocks = Stocks::default();
    for p in patients.iter_mut() {
        let left = match p.stage {
            Stage::Done | Stage::Relapsing => true,
            Stage::Held => holding::held_week(ctx, p, lws, orgs, gp, wk),
            Stage::Queued => queued_week(ctx, p, lws, orgs, gp, wk),
            Stage::Waiting | Stage::Engaged | Stage::Tapering => false,
        };
        if left {
            stocks.count(ctx, p);
            next.add(ahead, p);
            continue;
        }
        if shocks.apply(wk.rng, ctx, p) {
            wk.fire(ctx, Mechanism::LifeShock, p.complexity);
        }
        sessions::natural_recovery(ctx, p);
        if !p.has(flag::REREFERRAL)
            && let Some(k) = endings::in_follow_up(p, ctx.week)
        {
            let rate = sessions::gp_rate_on_pathway(ctx, p, k);
            p.gp_after += rate as f32;
            wk.counts.gp_nonmedical += rate;
        }
        stocks.count(ctx, p);
        next.add(ahead, p);
    }
    stocks
}

/// R7, R18, one week of a patient on a VCSE waiting list (in list order, so earlier
/// referrals are served first): the organisation closed (back to active work with the
/// link worker); a place is free (connected now); or the patient gives up. A patient whose
/// link worker left with no colleague to take them returns to the link worker waiting
/// list. Returns true when the patient left the pathway.
fn queued_week(
    ctx: &Ctx,
    p: &mut Patient,
    lws: &mut [LinkWorker],
    orgs: &mut [VcseOrg],
    gp: &mut GpPractice,
    wk: &mut Week,
) -> bool {
    if p.has(flag::HOLD_WAITING) && holding::holding_limit_reached(ctx, p) {
        // The holding limit ends the anchor contact, not the place on the list (R8).
        wk.fire(ctx, Mechanism::HoldingContactEnded, p.complexity);
        p.flags &= !flag::HOLD_WAITING;
    }
    let org = &mut orgs[p.org.0 as usize];
    if !org.open {
        wk.fire(ctx, Mechanism::QueueOrgClosed, p.complexity);
        p.flags |= flag::NO_SERVICE;
        if p.has(flag::HOLD_WAITING) {
            // Still held, now waiting for another service to open (R8).
            p.stage = Stage::Held;
        } else {
            p.stage = Stage::Engaged;
            p.next_week = ctx.week + 1;
        }
        if p.lw == LwId::NONE {
            back_to_waiting(ctx, p);
        }
        return false;
    }
    if p.lw == LwId::NONE {
        org.queued = org.queued.saturating_sub(1);
        back_to_waiting(ctx, p);
        return false;
    }
    if org.users + org.background < org.capacity {
        org.queued = org.queued.saturating_sub(1);
        wk.fire(ctx, Mechanism::QueuePlaceStarted, p.complexity);
        let lw = &mut lws[p.lw.0 as usize];
        if pathway::connect(ctx, p, lw, org, gp, wk) {
            return true;
        }
        p.next_week = ctx.week + ctx.b.taper_interval_weeks;
        return false;
    }
    if chance(wk.rng, ctx.b.vcse_queue_dropout_per_week) {
        org.queued = org.queued.saturating_sub(1);
        wk.fire(ctx, Mechanism::LeftVcseQueue, p.complexity);
        p.flags |= flag::NO_SERVICE;
        leave(ctx, p, Exit::LeftVcseQueue, None, wk);
        return true;
    }
    false
}

/// A patient with no link worker goes back to the link worker waiting list.
fn back_to_waiting(ctx: &Ctx, p: &mut Patient) {
    p.stage = Stage::Waiting;
    p.flags &= !flag::HOLD_WAITING;
    p.week_waiting = ctx.week;
}

/// End of the run: every episode still open (referred after the warm-up, reached a first
/// session) is counted in its journey, so long holds are not censored out.
pub fn census_open_episodes(region: &mut Region, ctx: &Ctx) {
    let Region { patients, week: counts, totals, rng_service, .. } = region;
    let mut open = WeekCounts::default();
    // (Recording a journey draws nothing.)
    let wk = &mut Week { rng: rng_service, counts: &mut open, totals };
    for p in patients.iter() {
        if matches!(p.stage, Stage::Engaged | Stage::Held | Stage::Queued | Stage::Tapering | Stage::Waiting) {
            pathway::record_journey(ctx, p, None, wk);
        }
    }
    // The week was already added to the run totals: add what the census counted to both.
    counts.add(&open);
    totals.sum.add(&open);
}

/// Phase 7a (R18): VCSE places freed this week, grants renewed or organisations closed,
/// new organisations (which every link worker starts not knowing).
fn vcse_week(ctx: &Ctx, orgs: &mut Vec<VcseOrg>, lws: &mut [LinkWorker], base_orgs: u32, wk: &mut Week) {
    let slot = ctx.week as usize % PLACEMENT_RING;
    for org in orgs.iter_mut() {
        org.users = org.users.saturating_sub(org.ends[slot] as u32);
        org.ends[slot] = 0;
        match vcse::update_org(wk.rng, ctx, org) {
            vcse::GrantEvent::Renewed => wk.fire_system(ctx, Mechanism::GrantRenewed),
            vcse::GrantEvent::Closed => {
                wk.fire_system(ctx, Mechanism::OrgClosed);
            }
            vcse::GrantEvent::None => {}
        }
    }
    // Openings, like grants, run from the first reported week (the warm-up fills caseloads
    // against a sector at its starting size).
    let opening = if ctx.reported() { vcse::new_orgs_this_week(wk.rng, ctx, base_orgs) } else { 0 };
    for _ in 0..opening {
        let end = ctx.week + vcse::grant_weeks(ctx);
        orgs.push(crate::world::init::new_org(wk.rng, ctx.b, end));
        for lw in lws.iter_mut() {
            lw.knowledge.push(0.0);
        }
        wk.fire_system(ctx, Mechanism::OrgOpened);
    }
}

/// Phase 8: the pathway's stocks at the end of the week, patient by patient; a held
/// patient (in the held stage, or held while on a VCSE waiting list) also by why they are
/// held, in the stocks and as a held patient-week in the ledger (R8). Whole counts, so
/// the order of counting does not change a result.
#[derive(Debug, Clone, Copy, Default)]
struct Stocks {
    waiting: u32,
    engaged: u32,
    held: u32,
    held_26w: u32,
    held_structural: u32,
    held_waiting: u32,
    tapering: u32,
    vcse_waiting: u32,
    vcse_waiting_held: u32,
    /// Held patient-weeks by [`HoldReason`] (not ready, structural, waiting for services)
    /// and complexity band.
    held_weeks: [[u32; 4]; 3],
    /// Patients who left the pathway this week (removed at its end).
    done: u32,
}

impl Stocks {
    /// Count one patient as they stand.
    #[inline(always)]
    fn count(&mut self, ctx: &Ctx, p: &Patient) {
        match p.stage {
            Stage::Waiting => self.waiting += 1,
            Stage::Engaged => self.engaged += 1,
            Stage::Held => self.count_held(ctx, p),
            Stage::Tapering => self.tapering += 1,
            Stage::Queued => {
                self.vcse_waiting += 1;
                if p.has(flag::HOLD_WAITING) {
                    self.vcse_waiting_held += 1;
                    self.count_held(ctx, p);
                }
            }
            Stage::Done => self.done += 1,
            Stage::Relapsing => {}
        }
    }

    #[inline]
    fn count_held(&mut self, ctx: &Ctx, p: &Patient) {
        self.held += 1;
        self.held_26w += (ctx.week - p.held_since >= 26) as u32;
        let reason = p.hold_reason();
        self.held_structural += (reason == HoldReason::Structural) as u32;
        self.held_waiting += (reason == HoldReason::WaitingForServices) as u32;
        self.held_weeks[reason as usize][crate::metrics::ledger::band(p.complexity)] += 1;
    }

    /// Add the stocks to the week's counts and the held patient-weeks to the ledger.
    fn record(&self, ctx: &Ctx, wk: &mut Week) {
        wk.counts.waiting += self.waiting as f64;
        wk.counts.engaged += self.engaged as f64;
        wk.counts.held += self.held as f64;
        wk.counts.held_26w += self.held_26w as f64;
        wk.counts.held_structural += self.held_structural as f64;
        wk.counts.held_waiting += self.held_waiting as f64;
        wk.counts.tapering += self.tapering as f64;
        wk.counts.vcse_waiting += self.vcse_waiting as f64;
        wk.counts.vcse_waiting_held += self.vcse_waiting_held as f64;
        if !ctx.reported() {
            return;
        }
        // In the order of HoldReason.
        let held_week = [Mechanism::HeldWeekNotReady, Mechanism::HeldWeekStructural, Mechanism::HeldWeekWaiting];
        for (&m, bands) in held_week.iter().zip(&self.held_weeks) {
            for (band, &n) in bands.iter().enumerate().filter(|(_, n)| **n > 0) {
                wk.totals.ledger.patients_in_band(m, band, ctx.tables.supervision_level, n as u64);
            }
        }
    }
}

/// Phase 8: stocks at the end of the week (workforce, VCSE, GP; pathway stages are
/// counted by [`count_stage`]).
fn observe_stocks(
    b: &crate::params::Behaviour,
    lws: &[LinkWorker],
    orgs: &[VcseOrg],
    gp: &GpPractice,
    counts: &mut WeekCounts,
) {
    counts.lw_posts = lws.iter().filter(|l| !l.cut).count() as f64;
    counts.lw_in_post = lws.iter().filter(|l| l.in_post).count() as f64;
    counts.lw_vacant = counts.lw_posts - counts.lw_in_post;
    counts.hours_vacant = lws.iter().filter(|l| !l.cut && !l.in_post).map(|l| l.hours as f64).sum();
    let open_orgs = orgs.iter().filter(|o| o.open).count();
    for lw in lws.iter().filter(|l| l.in_post) {
        counts.lw_burnout += lw.burnout as f64;
        counts.lw_burnout_high += (lw.burnout as f64 > b.burnout_high_threshold) as u8 as f64;
        counts.lw_satisfaction += lw.satisfaction as f64;
        counts.lw_embeddedness += lw.embeddedness as f64;
        counts.lw_pressure += lw.target_pressure as f64;
        counts.lw_load += lw.load as f64;
        counts.lw_overloaded += (lw.load > 1.0) as u8 as f64;
        if open_orgs > 0 {
            let known = lw.knowledge.iter().zip(orgs).filter(|(k, o)| **k > 0.0 && o.open).count();
            counts.lw_known_orgs += known as f64 / open_orgs as f64;
        }
    }
    for org in orgs.iter().filter(|o| o.open) {
        counts.vcse_open += 1.0;
        counts.vcse_users += (org.users + org.background) as f64;
        counts.vcse_capacity += org.capacity as f64;
        if vcse::is_full(org) {
            counts.vcse_full += 1.0;
        }
    }
    counts.gp_buy_in = gp.buy_in as f64;
}
