//! One week of one region, in a fixed phase order:
//!
//! 1. loads: caseloads and committed hours recomputed from assignments; session hours (R6);
//! 2. presentation, referral, triage, enrolment (R1–R4);
//! 3. relapsed patients return through re-referral (R10);
//! 4. waiting list: loss of momentum, then assignment to the least loaded LW (R5);
//! 5. sessions: overdue patients first, then in list order, while LW hours last
//!    (R5 first appointments, R6, R7, R8, R9, R10);
//! 6. weekly patient updates: life shocks, natural recovery, holding limits, structural
//!    needs resolved, GP use in the follow-up window (R6, R8, R9);
//! 7. VCSE places freed, GP buy-in decay (R2, R7);
//! 8. leavers removed, stocks observed.

use rand::RngExt;
use rand::rngs::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};

use super::connection::{self, Judgement, ServiceSearch};
use super::endings::{self, Exit};
use super::presentation::{self, FOLLOW_UP_WEEKS};
use super::{Ctx, chance, poisson_quantile, referral, sessions, vcse, waiting, workforce};
use crate::metrics::ledger::Mechanism;
use crate::metrics::{CONTACT_BINS, RegionTotals, WAIT_BINS, WeekCounts};
use crate::world::{GpPractice, LinkWorker, LwId, PLACEMENT_RING, Patient, Region, Stage, VcseOrg, flag};

/// Advance a region by one week.
pub fn step_region(region: &mut Region, ctx: &Ctx) {
    let Region {
        population,
        deprivation,
        practices,
        gp,
        lws,
        orgs,
        patients,
        rng_arrivals,
        rng_service,
        week: counts,
        totals,
        ..
    } = region;
    *counts = WeekCounts { regions: 1.0, ..WeekCounts::default() };
    let week = ctx.week;
    let rng = rng_service;

    // 1. Loads and capacity.
    let uncertainty = refresh_loads(ctx, lws, patients, *practices);

    // 2. R1–R4.
    let mean = presentation::expected_presentations(*population, *deprivation, ctx.b);
    let n_new = if mean > 0.0 { Poisson::new(mean).map_or(0.0, |d| d.sample(rng_arrivals)) as u32 } else { 0 };
    let posts = lws.iter().filter(|l| !l.cut).count();
    let waiting_now = patients.iter().filter(|p| p.stage == Stage::Waiting).count();
    let waiting_per_lw = if posts > 0 { waiting_now as f64 / posts as f64 } else { 0.0 };
    let duty_skill = duty_skill(lws);
    for _ in 0..n_new {
        let pres = presentation::draw_presentation(rng_arrivals, *deprivation, ctx.b);
        counts.presented += 1.0;
        lp(ctx, totals, Mechanism::Presented, pres.complexity as f32);
        if posts == 0 || !chance(rng, referral::p_refer(ctx, gp, &pres, waiting_per_lw, uncertainty)) {
            continue;
        }
        counts.referrals += 1.0;
        lp(ctx, totals, Mechanism::Referred, pres.complexity as f32);
        if pres.statutory {
            lp(ctx, totals, Mechanism::InappropriateReferral, pres.complexity as f32);
        }
        let mut p = presentation::complete_patient(&pres, *deprivation, ctx.b, week);
        if ctx.reported() {
            p.flags |= flag::REPORTED;
        }
        if chance(rng, referral::p_decline(ctx, &p, duty_skill)) {
            counts.triage_declined += 1.0;
            lp(ctx, totals, Mechanism::TriageDeclined, p.complexity);
            leave(ctx, &mut p, Exit::NotEnrolled, None, rng, totals);
        } else if !chance(rng, referral::p_accept(ctx, gp, &p)) {
            counts.patient_declined += 1.0;
            lp(ctx, totals, Mechanism::PatientDeclined, p.complexity);
            leave(ctx, &mut p, Exit::NotEnrolled, None, rng, totals);
        } else {
            counts.accepted += 1.0;
            lp(ctx, totals, Mechanism::Accepted, p.complexity);
            patients.push(p);
        }
    }

    // 3. R10 re-referral of relapsed patients.
    for p in patients.iter_mut() {
        if p.stage == Stage::Relapsing && p.next_week <= week {
            counts.rereferred += 1.0;
            lp(ctx, totals, Mechanism::Rereferred, p.complexity);
            p.stage = Stage::Waiting;
            p.week_waiting = week;
            p.readiness *= ctx.b.rereferral_readiness_kept as f32;
            p.sessions = 0;
            p.flags &= !(flag::CONNECTED | flag::WAS_HELD | flag::OVERDUE);
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

    // 4. R5 waiting list, in arrival order.
    let need = waiting::hours_per_week(ctx, Stage::Engaged);
    for p in patients.iter_mut() {
        if p.stage != Stage::Waiting {
            continue;
        }
        let waited = week - p.week_waiting;
        if waited > 0 && chance(rng, waiting::p_drop_waiting(ctx, waited)) {
            counts.dropped_waiting += 1.0;
            lp(ctx, totals, Mechanism::LostMomentum, p.complexity);
            leave(ctx, p, Exit::DroppedWaiting, None, rng, totals);
            continue;
        }
        if let Some(id) = waiting::pick_link_worker(lws, need) {
            let lw = &mut lws[id.0 as usize];
            lw.committed_hours += need as f32;
            lw.caseload += 1;
            p.lw = id;
            p.stage = Stage::Engaged;
            p.next_week = week;
        }
    }

    // 5. Sessions: overdue first, then the rest, while hours last.
    for pass in 0..2 {
        for p in patients.iter_mut() {
            let on_caseload = matches!(p.stage, Stage::Engaged | Stage::Held | Stage::Tapering);
            if !on_caseload || p.next_week > week || (pass == 0) != p.has(flag::OVERDUE) {
                continue;
            }
            let lw = &mut lws[p.lw.0 as usize];
            let hours = ctx.b.session_hours as f32;
            if lw.hours_left < hours {
                p.flags |= flag::OVERDUE;
                continue;
            }
            lw.hours_left -= hours;
            p.flags &= !flag::OVERDUE;
            session(ctx, p, lw, orgs, gp, rng, counts, totals);
        }
    }

    // 6. Weekly patient updates.
    for p in patients.iter_mut() {
        match p.stage {
            Stage::Done | Stage::Relapsing => continue,
            Stage::Held => {
                let limit = ctx.policy.holding_max_weeks;
                if limit > 0 && week - p.held_since >= limit {
                    lp(ctx, totals, Mechanism::HoldingLimit, p.complexity);
                    discharge(ctx, p, &lws[p.lw.0 as usize], gp, false, rng, counts, totals);
                    continue;
                }
                if p.has(flag::STRUCTURAL) && chance(rng, ctx.b.structural_resolve_per_week) {
                    p.flags &= !flag::STRUCTURAL;
                    counts.structural_resolved += 1.0;
                    lp(ctx, totals, Mechanism::StructuralResolved, p.complexity);
                }
            }
            _ => {}
        }
        if sessions::life_shock(rng, ctx, p) {
            lp(ctx, totals, Mechanism::LifeShock, p.complexity);
        }
        sessions::natural_recovery(ctx, p);
        if !p.has(flag::REREFERRAL)
            && let Some(k) = endings::in_follow_up(p, week)
        {
            let rate = sessions::gp_rate_on_pathway(ctx, p, k);
            p.gp_after += rate as f32;
            counts.gp_nonmedical += rate;
        }
    }

    // 7. VCSE places freed, grants, new organisations (R18); GP buy-in decays (R2);
    //    the workforce: community work, learning, burnout, satisfaction, embeddedness,
    //    funding, turnover and recruitment (R11–R17, R19).
    let slot = week as usize % PLACEMENT_RING;
    for org in orgs.iter_mut() {
        org.users = org.users.saturating_sub(org.ends[slot] as u32);
        org.ends[slot] = 0;
        let event = vcse::update_org(rng, ctx, org);
        if event == vcse::GrantEvent::Renewed {
            ls(ctx, totals, Mechanism::GrantRenewed);
        }
        if event == vcse::GrantEvent::Closed {
            counts.vcse_closures += 1.0;
            ls(ctx, totals, Mechanism::OrgClosed);
        }
    }
    for _ in 0..vcse::new_orgs_this_week(rng, ctx) {
        let end = week + vcse::grant_weeks(ctx);
        orgs.push(crate::world::init::new_org(rng, ctx.b, end));
        for lw in lws.iter_mut() {
            lw.knowledge.push(0.0);
        }
        counts.vcse_new += 1.0;
        ls(ctx, totals, Mechanism::OrgOpened);
    }
    referral::decay_buy_in(ctx, gp);
    workforce_week(ctx, lws, orgs, gp, *practices, patients, rng, counts, totals);

    // 8. Leavers removed; stocks observed.
    patients.retain(|p| p.stage != Stage::Done);
    observe_stocks(ctx.b, week, lws, orgs, gp, patients, counts);
    if ctx.reported() {
        totals.sum.add(counts);
        totals.weeks += 1.0;
    }
}

/// Count a patient mechanism in the ledger (reported weeks only).
#[inline]
fn lp(ctx: &Ctx, totals: &mut RegionTotals, m: Mechanism, complexity: f32) {
    if ctx.reported() {
        totals.ledger.patient(m, complexity);
    }
}

/// Count a system mechanism in the ledger (reported weeks only).
#[inline]
fn ls(ctx: &Ctx, totals: &mut RegionTotals, m: Mechanism) {
    if ctx.reported() {
        totals.ledger.system(m);
    }
}

/// One week of the workforce (R11–R17, R19), then departures and their patients (R16).
#[allow(clippy::too_many_arguments)]
fn workforce_week(
    ctx: &Ctx,
    lws: &mut [LinkWorker],
    orgs: &[VcseOrg],
    gp: &GpPractice,
    practices: u32,
    patients: &mut [Patient],
    rng: &mut ChaCha8Rng,
    counts: &mut WeekCounts,
    totals: &mut RegionTotals,
) {
    let supervision = ctx.supervision();
    let interval = ctx.policy.supervision_interval_weeks;
    let supervision_week = interval > 0 && ctx.week.is_multiple_of(interval);
    let work = workforce::WorkContext { supervision, gp_buy_in: gp.buy_in as f64 };
    // Departures this week: (post, cut). Rare, so the list stays empty almost always.
    let mut departures: Vec<(usize, bool)> = Vec::new();
    for (i, lw) in lws.iter_mut().enumerate() {
        if lw.cut {
            continue;
        }
        match workforce::update_funding(rng, ctx, lw) {
            workforce::FundingEvent::Cut => {
                counts.posts_cut += 1.0;
                ls(ctx, totals, Mechanism::PostCut);
                departures.push((i, true));
                continue;
            }
            workforce::FundingEvent::Renewed => {
                counts.posts_renewed += 1.0;
                ls(ctx, totals, Mechanism::ContractRenewed);
            }
            workforce::FundingEvent::None => {}
        }
        if !lw.in_post {
            if ctx.week >= lw.vacant_until {
                recruit(ctx, lw, orgs.len(), practices, rng);
                counts.recruited += 1.0;
                ls(ctx, totals, Mechanism::Recruited);
            }
            continue;
        }
        let community_hours = lw.hours as f64 * workforce::community_share(ctx, lw.pressure as f64);
        if workforce::community_work(rng, ctx, lw, orgs, community_hours) {
            counts.orgs_discovered += 1.0;
            ls(ctx, totals, Mechanism::OrgDiscovered);
        }
        lw.experience_weeks += 1;
        if supervision_week {
            ls(ctx, totals, Mechanism::SupervisionSession);
        }
        let stress = workforce::update_burnout(ctx, lw, work);
        ls(
            ctx,
            totals,
            match stress {
                workforce::Stress::Held => Mechanism::StressHeld,
                workforce::Stress::Overload => Mechanism::StressOverload,
                workforce::Stress::Target => Mechanism::StressTarget,
                workforce::Stress::Isolation => Mechanism::StressIsolation,
                workforce::Stress::Funding => Mechanism::StressFunding,
                workforce::Stress::Disillusion => Mechanism::StressDisillusion,
            },
        );
        let satisfaction_before = lw.satisfaction;
        workforce::update_satisfaction(ctx, lw, work);
        if lw.satisfaction > satisfaction_before {
            ls(ctx, totals, Mechanism::SatisfactionRose);
        } else if lw.satisfaction < satisfaction_before {
            ls(ctx, totals, Mechanism::SatisfactionFell);
        }
        workforce::update_embeddedness(ctx, lw, gp.buy_in as f64, practices);
        workforce::learn(ctx, lw, supervision, skill_for_experience(ctx, lw.experience_weeks));
        let (hazard, reason) = workforce::leave_hazard(ctx, lw, supervision);
        if workforce::annual_leave_probability(hazard) >= ctx.b.intention_threshold {
            counts.lw_intending += 1.0;
        }
        lw.connections_week = 0;
        lw.disillusion_week = 0;
        for (fired, m) in [
            (lw.pressure > 0.0, Mechanism::UnderTargetPressure),
            (lw.burnout as f64 > ctx.b.burnout_high_threshold, Mechanism::HighBurnout),
            (lw.satisfaction < 0.4, Mechanism::LowSatisfaction),
            (lw.embeddedness < 0.33, Mechanism::BoltedOn),
            (lw.embeddedness >= 0.66, Mechanism::Belonging),
        ] {
            if fired {
                ls(ctx, totals, m);
            }
        }
        if chance(rng, hazard) {
            counts.leavers += 1.0;
            match reason {
                workforce::LeaveReason::Burnout => {
                    counts.leavers_burnout += 1.0;
                    ls(ctx, totals, Mechanism::LeftBurnout);
                }
                workforce::LeaveReason::Dissatisfaction => {
                    counts.leavers_dissatisfaction += 1.0;
                    ls(ctx, totals, Mechanism::LeftDissatisfaction);
                }
                workforce::LeaveReason::Funding => {
                    counts.leavers_funding += 1.0;
                    ls(ctx, totals, Mechanism::LeftFunding);
                }
            }
            departures.push((i, false));
        }
    }
    for (i, cut) in departures {
        depart(ctx, lws, i, cut, patients, counts, totals);
    }
}

/// A link worker leaves (or their post is cut): the post falls vacant for the recruitment
/// delay (or for good), their knowledge map is lost, and their patients move to a
/// colleague with room or back to the waiting list, with trust reset (R16; 001, 002).
fn depart(
    ctx: &Ctx,
    lws: &mut [LinkWorker],
    i: usize,
    cut: bool,
    patients: &mut [Patient],
    counts: &mut WeekCounts,
    totals: &mut RegionTotals,
) {
    let was_in_post = lws[i].in_post;
    {
        let lw = &mut lws[i];
        if was_in_post {
            counts.leaver_tenure_weeks += lw.experience_weeks as f64;
            if lw.knowledge.iter().any(|k| *k > 0.0) {
                ls(ctx, totals, Mechanism::KnowledgeLost);
            }
        }
        lw.in_post = false;
        lw.cut = cut;
        lw.vacant_until = ctx.week + ctx.funding.recruitment_weeks;
        lw.knowledge.iter_mut().for_each(|k| *k = 0.0);
        lw.caseload = 0;
        lw.committed_hours = 0.0;
    }
    let id = LwId(i as u16);
    for p in patients.iter_mut() {
        if p.lw != id || !matches!(p.stage, Stage::Engaged | Stage::Held | Stage::Tapering) {
            continue;
        }
        counts.continuity_breaks += 1.0;
        p.flags |= flag::CONTINUITY_BREAK;
        p.trust *= ctx.b.trust_kept_on_change as f32;
        let need = waiting::hours_per_week(ctx, p.stage);
        match waiting::pick_link_worker(lws, need) {
            Some(other) => {
                let o = &mut lws[other.0 as usize];
                o.committed_hours += need as f32;
                o.caseload += 1;
                p.lw = other;
                lp(ctx, totals, Mechanism::MovedToColleague, p.complexity);
            }
            None => {
                counts.returned_to_waiting += 1.0;
                lp(ctx, totals, Mechanism::ReturnedToWaiting, p.complexity);
                p.stage = Stage::Waiting;
                p.lw = LwId::NONE;
                p.week_waiting = ctx.week;
            }
        }
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

/// Skill of a link worker with `weeks` in post (R6; training and supervision add to it in R19).
pub fn skill_for_experience(ctx: &Ctx, weeks: u32) -> f64 {
    let b = ctx.b;
    (b.skill_initial + b.skill_experience_gain * (1.0 - (-(weeks as f64) / b.skill_experience_weeks).exp())).min(1.0)
}

fn duty_skill(lws: &[LinkWorker]) -> f64 {
    let (n, s) = lws.iter().filter(|l| l.in_post).fold((0, 0.0), |(n, s), l| (n + 1, s + l.skill as f64));
    if n == 0 { 0.0 } else { s / n as f64 }
}

/// Recompute each LW's caseload, held load and committed hours from the patients
/// assigned to them (so caseloads always match assignments); this week's target pressure
/// (R12), session hours (R6) and the hours the LW will commit to. Returns the mean
/// funding uncertainty of the posts in post (R17, read by GPs in R2).
fn refresh_loads(ctx: &Ctx, lws: &mut [LinkWorker], patients: &[Patient], practices: u32) -> f64 {
    let (mut uncertainty, mut in_post) = (0.0, 0);
    for lw in lws.iter_mut() {
        lw.caseload = 0;
        lw.held = 0;
        lw.held_complexity = 0.0;
        lw.held_structural = 0;
        lw.committed_hours = 0.0;
        let nominal = sessions::weekly_session_hours(ctx, lw, practices, ctx.policy.community_time_share);
        let pressure = workforce::target_pressure(ctx, nominal);
        lw.pressure = pressure as f32;
        let share = workforce::community_share(ctx, pressure);
        lw.session_hours = sessions::weekly_session_hours(ctx, lw, practices, share) as f32;
        lw.assign_hours = (lw.session_hours as f64 * (1.0 + ctx.b.pressure_overcommit * pressure)) as f32;
        lw.hours_left = lw.session_hours;
        if lw.in_post {
            uncertainty += lw.funding_uncertainty as f64;
            in_post += 1;
        }
    }
    for p in patients {
        if matches!(p.stage, Stage::Engaged | Stage::Held | Stage::Tapering) {
            let lw = &mut lws[p.lw.0 as usize];
            lw.caseload += 1;
            if p.stage == Stage::Held {
                lw.held += 1;
                lw.held_complexity += p.complexity;
                lw.held_structural += p.has(flag::STRUCTURAL) as u32;
            }
            lw.committed_hours += waiting::hours_per_week(ctx, p.stage) as f32;
        }
    }
    if in_post > 0 { uncertainty / in_post as f64 } else { 0.0 }
}

/// One session with a patient on the caseload (R5 first appointment, R6–R10).
#[allow(clippy::too_many_arguments)]
fn session(
    ctx: &Ctx,
    p: &mut Patient,
    lw: &mut LinkWorker,
    orgs: &mut [VcseOrg],
    gp: &mut GpPractice,
    rng: &mut ChaCha8Rng,
    counts: &mut WeekCounts,
    totals: &mut RegionTotals,
) {
    let b = ctx.b;
    let week = ctx.week;
    if p.sessions == 0 {
        let waited = week - p.week_waiting;
        if chance(rng, waiting::p_dna(ctx, p, waited)) {
            counts.dna += 1.0;
            lp(ctx, totals, Mechanism::MissedFirst, p.complexity);
            if chance(rng, b.dna_lost_prob) {
                counts.dna_lost += 1.0;
                lp(ctx, totals, Mechanism::LostAfterMissed, p.complexity);
                leave(ctx, p, Exit::DnaLost, None, rng, totals);
            } else {
                p.next_week = week + 1;
            }
            return;
        }
        counts.first_sessions += 1.0;
        lp(ctx, totals, Mechanism::FirstSession, p.complexity);
        counts.wait_weeks_sum += waited as f64;
        if ctx.reported() {
            totals.wait_hist[(waited as usize).min(WAIT_BINS - 1)] += 1;
        }
    }
    let fixable = p.fixable_needs();
    let options = connection::options_share(&lw.knowledge, orgs, fixable);
    let continuity = if p.has(flag::CONTINUITY_BREAK) { ctx.b.continuity_after_change } else { 1.0 };
    sessions::apply_session(ctx, p, lw.skill as f64, continuity, options);
    counts.sessions += 1.0;
    if sessions::medical_need_surfaces(rng, ctx, p) {
        counts.medical_escalations += 1.0;
        lp(ctx, totals, Mechanism::MedicalEscalated, p.complexity);
    }

    match p.stage {
        Stage::Engaged => {
            if chance(rng, sessions::p_drift(ctx, p)) {
                counts.drifted += 1.0;
                lp(ctx, totals, Mechanism::Drifted, p.complexity);
                leave(ctx, p, Exit::Disengaged, None, rng, totals);
                return;
            }
            if p.sessions as u32 >= workforce::session_limit(ctx, lw.pressure as f64) {
                lp(ctx, totals, Mechanism::SessionLimit, p.complexity);
                // A planned ending: tapered when the policy tapers.
                discharge(ctx, p, lw, gp, ctx.policy.tapering, rng, counts, totals);
                return;
            }
            if endings::goals_met(ctx, p) {
                lp(ctx, totals, Mechanism::GoalsMet, p.complexity);
                begin_ending(ctx, p, lw, gp, rng, counts, totals);
                return;
            }
            let estimate = connection::estimate_readiness(rng, ctx, p, lw.skill as f64);
            match connection::judge(ctx, p, estimate, workforce::hold_threshold(ctx, lw.pressure as f64)) {
                Judgement::Continue => {}
                Judgement::Hold => {
                    if ctx.policy.holding_allowed {
                        p.stage = Stage::Held;
                        p.held_since = week;
                        p.flags |= flag::WAS_HELD;
                        counts.held_started += 1.0;
                        lp(ctx, totals, Mechanism::HoldingStarted, p.complexity);
                    } else {
                        // Not ready and holding not allowed: discharged, abruptly.
                        lp(ctx, totals, Mechanism::NotHeldDischarged, p.complexity);
                        discharge(ctx, p, lw, gp, false, rng, counts, totals);
                        return;
                    }
                }
                Judgement::Propose => {
                    if propose(ctx, p, lw, orgs, gp, rng, counts, totals) {
                        return;
                    }
                }
            }
        }
        Stage::Held => {
            if endings::goals_met(ctx, p) {
                lp(ctx, totals, Mechanism::GoalsMet, p.complexity);
                begin_ending(ctx, p, lw, gp, rng, counts, totals);
                return;
            }
            let estimate = connection::estimate_readiness(rng, ctx, p, lw.skill as f64);
            if connection::release_from_holding(ctx, p, estimate) {
                lp(ctx, totals, Mechanism::HoldingReleased, p.complexity);
                p.stage = Stage::Engaged;
            }
        }
        Stage::Tapering => {
            p.taper_left = p.taper_left.saturating_sub(1);
            if p.taper_left == 0 {
                discharge(ctx, p, lw, gp, true, rng, counts, totals);
                return;
            }
        }
        Stage::Waiting | Stage::Relapsing | Stage::Done => {}
    }
    let interval = match p.stage {
        Stage::Held => b.held_interval_weeks,
        Stage::Tapering => b.taper_interval_weeks,
        _ => b.engaged_interval_weeks,
    };
    p.next_week = week + interval;
}

/// R7: propose VCSE support. Returns true when the patient left the pathway.
#[allow(clippy::too_many_arguments)]
fn propose(
    ctx: &Ctx,
    p: &mut Patient,
    lw: &mut LinkWorker,
    orgs: &mut [VcseOrg],
    gp: &mut GpPractice,
    rng: &mut ChaCha8Rng,
    counts: &mut WeekCounts,
    totals: &mut RegionTotals,
) -> bool {
    let b = ctx.b;
    lp(ctx, totals, Mechanism::Proposed, p.complexity);
    if (p.readiness as f64) < b.readiness_needed {
        counts.pushed_too_early += 1.0;
        lp(ctx, totals, Mechanism::PushedTooEarly, p.complexity);
        if chance(rng, connection::p_disengage_when_pushed(ctx, p)) {
            counts.disengaged += 1.0;
            lp(ctx, totals, Mechanism::PushedDisengaged, p.complexity);
            leave(ctx, p, Exit::Disengaged, None, rng, totals);
            return true;
        }
        return false;
    }
    let found = connection::find_service(&lw.knowledge, orgs, p.fixable_needs());
    match found {
        ServiceSearch::NoneSuitable => {
            counts.no_suitable_service += 1.0;
            lp(ctx, totals, Mechanism::NoSuitableService, p.complexity);
            lw.disillusion_week = lw.disillusion_week.saturating_add(1);
            let d = b.no_service_disillusion as f32;
            p.hope = (p.hope - d).max(0.0);
            p.trust = (p.trust - d * 0.5).max(0.0);
            false
        }
        ServiceSearch::Found(id) | ServiceSearch::AllFull(id) => {
            let full = matches!(found, ServiceSearch::AllFull(_));
            let org = &mut orgs[id.0 as usize];
            let accept = org.buy_in as f64 * if full { b.vcse_full_accept } else { 1.0 };
            if !chance(rng, accept) {
                counts.vcse_full_blocked += 1.0;
                lp(ctx, totals, Mechanism::OrgDeclined, p.complexity);
                return false;
            }
            let quality = lw.knowledge[id.0 as usize] as f64;
            if !chance(rng, connection::p_take_up(ctx, p, quality)) {
                return false;
            }
            let u: f64 = 1.0 - rng.random::<f64>();
            let weeks = (-u.ln() * b.placement_weeks_mean).round().clamp(1.0, (PLACEMENT_RING - 1) as f64) as usize;
            org.users += 1;
            org.ends[(ctx.week as usize + weeks) % PLACEMENT_RING] += 1;
            counts.connected += 1.0;
            lp(ctx, totals, Mechanism::Connected, p.complexity);
            if full {
                counts.vcse_waitlisted += 1.0;
                lp(ctx, totals, Mechanism::ConnectedWaitlist, p.complexity);
            }
            lw.connections_week = lw.connections_week.saturating_add(1);
            p.flags |= flag::CONNECTED;
            p.social_capital = (p.social_capital + b.connect_social_capital_gain as f32).min(1.0);
            p.self_efficacy = (p.self_efficacy + b.connect_self_efficacy_gain as f32).min(1.0);
            p.wellbeing = (p.wellbeing + b.connect_wellbeing_gain as f32).min(1.0);
            referral::feedback_report(ctx, gp, lw.embeddedness as f64);
            lp(ctx, totals, Mechanism::FeedbackReport, p.complexity);
            begin_ending(ctx, p, lw, gp, rng, counts, totals)
        }
    }
}

/// Start the ending: tapering when the policy tapers, otherwise discharge now.
/// Returns true when the patient left the pathway.
fn begin_ending(
    ctx: &Ctx,
    p: &mut Patient,
    lw: &LinkWorker,
    gp: &mut GpPractice,
    rng: &mut ChaCha8Rng,
    counts: &mut WeekCounts,
    totals: &mut RegionTotals,
) -> bool {
    if ctx.policy.tapering && ctx.policy.taper_sessions > 0 {
        p.stage = Stage::Tapering;
        p.taper_left = ctx.policy.taper_sessions.min(255) as u8;
        false
    } else {
        discharge(ctx, p, lw, gp, false, rng, counts, totals);
        true
    }
}

/// R10 discharge: feedback to the GP, relapse, re-referral.
#[allow(clippy::too_many_arguments)]
fn discharge(
    ctx: &Ctx,
    p: &mut Patient,
    lw: &LinkWorker,
    gp: &mut GpPractice,
    tapered: bool,
    rng: &mut ChaCha8Rng,
    counts: &mut WeekCounts,
    totals: &mut RegionTotals,
) {
    counts.discharged += 1.0;
    if tapered {
        counts.discharged_tapered += 1.0;
        lp(ctx, totals, Mechanism::DischargedTapered, p.complexity);
    } else {
        lp(ctx, totals, Mechanism::DischargedAbrupt, p.complexity);
    }
    referral::feedback_report(ctx, gp, lw.embeddedness as f64);
    lp(ctx, totals, Mechanism::FeedbackReport, p.complexity);
    let relapse_week = if chance(rng, endings::p_relapse(ctx, p, tapered)) {
        lp(ctx, totals, Mechanism::Relapsed, p.complexity);
        Some(ctx.week + rng.random_range(4..=FOLLOW_UP_WEEKS))
    } else {
        None
    };
    leave(ctx, p, Exit::Discharged { tapered }, relapse_week, rng, totals);
    if let Some(w) = relapse_week
        && ctx.policy.rereferral_allowed
    {
        p.stage = Stage::Relapsing;
        p.next_week = w;
        p.lw = LwId::NONE;
    }
}

/// Record a patient leaving the pathway (outcomes, GP follow-up) and mark them done.
fn leave(
    ctx: &Ctx,
    p: &mut Patient,
    exit: Exit,
    relapse_week: Option<u32>,
    rng: &mut ChaCha8Rng,
    totals: &mut RegionTotals,
) {
    p.stage = Stage::Done;
    if !p.has(flag::REPORTED) {
        return;
    }
    let abrupt = matches!(exit, Exit::Discharged { tapered: false });
    if !p.has(flag::REREFERRAL) {
        let fu = endings::close_follow_up(ctx, p, ctx.week, abrupt, relapse_week);
        let before = poisson_quantile(fu.before, rng.random::<f64>()) as f64;
        let u = rng.random::<f64>();
        let after = poisson_quantile(fu.after, u) as f64;
        totals.fu_n += 1.0;
        totals.fu_before += before;
        totals.fu_after += after;
        if ctx.counterfactual {
            totals.fu_after_cf += poisson_quantile(fu.after_cf, u) as f64;
        }
        if after > before {
            totals.fu_up += 1.0;
        } else if after < before {
            totals.fu_down += 1.0;
        }
    }
    if p.sessions > 0 {
        totals.exits_engaged += 1.0;
        totals.contacts_hist[(p.sessions as usize).min(CONTACT_BINS - 1)] += 1;
        if p.sessions >= 3 {
            totals.exits_3_contacts += 1.0;
        }
        if p.has(flag::CONNECTED) {
            totals.exits_connected += 1.0;
        }
        if p.has(flag::WAS_HELD) {
            totals.exits_held += 1.0;
        }
        totals.exits_medical += p.gp_medical as f64;
        if p.has(flag::CONTINUITY_BREAK) {
            totals.exits_continuity_break += 1.0;
        }
        totals.wellbeing_change += (p.wellbeing - p.start[0]) as f64;
        if ctx.counterfactual {
            let weeks = ctx.week.saturating_sub(p.week_waiting);
            let cf = presentation::wellbeing_counterfactual(p, weeks, ctx.b);
            totals.wellbeing_change_cf += cf - p.start[0] as f64;
        }
        totals.self_efficacy_change += (p.self_efficacy - p.start[1]) as f64;
        totals.social_capital_change += (p.social_capital - p.start[2]) as f64;
    }
}

fn observe_stocks(
    b: &crate::params::Behaviour,
    week: u32,
    lws: &[LinkWorker],
    orgs: &[VcseOrg],
    gp: &GpPractice,
    patients: &[Patient],
    counts: &mut WeekCounts,
) {
    for p in patients {
        match p.stage {
            Stage::Waiting => counts.waiting += 1.0,
            Stage::Engaged => counts.engaged += 1.0,
            Stage::Held => {
                counts.held += 1.0;
                if week - p.held_since >= 26 {
                    counts.held_26w += 1.0;
                }
            }
            Stage::Tapering => counts.tapering += 1.0,
            Stage::Relapsing | Stage::Done => {}
        }
    }
    counts.lw_posts = lws.iter().filter(|l| !l.cut).count() as f64;
    counts.lw_in_post = lws.iter().filter(|l| l.in_post).count() as f64;
    counts.lw_vacant = counts.lw_posts - counts.lw_in_post;
    let open_orgs = orgs.iter().filter(|o| o.open).count();
    for lw in lws.iter().filter(|l| l.in_post) {
        counts.lw_burnout += lw.burnout as f64;
        counts.lw_burnout_high += (lw.burnout as f64 > b.burnout_high_threshold) as u8 as f64;
        counts.lw_satisfaction += lw.satisfaction as f64;
        counts.lw_embeddedness += lw.embeddedness as f64;
        counts.lw_pressure += lw.pressure as f64;
        if open_orgs > 0 {
            let known = lw.knowledge.iter().zip(orgs).filter(|(k, o)| **k > 0.0 && o.open).count();
            counts.lw_known_orgs += known as f64 / open_orgs as f64;
        }
    }
    for org in orgs.iter().filter(|o| o.open) {
        counts.vcse_open += 1.0;
        counts.vcse_users += (org.users + org.background) as f64;
        counts.vcse_waiting += (org.users + org.background).saturating_sub(org.capacity) as f64;
        counts.vcse_capacity += org.capacity as f64;
        if vcse::is_full(org) {
            counts.vcse_full += 1.0;
        }
    }
    counts.gp_buy_in = gp.buy_in as f64;
}
