//! Initialization: regions built from the `[[region]]` archetypes for one replication.
//! Link workers start with a spread of experience (an established service); VCSE
//! organisations with a category, capacity and willingness to take referrals; each
//! link worker knows a share of the local organisations (000 2.3). Link worker contracts
//! and VCSE grants run from the end of the warm-up, each ending at a uniformly drawn
//! point within its first period, so funding decisions fall in the reported years.

use rand::RngExt;
use rand::rngs::ChaCha8Rng;

use super::rng::{Stream, stream};
use super::{GpPractice, LinkWorker, Need, PLACEMENT_RING, Region, VcseOrg};
use crate::metrics::{RegionTotals, WeekCounts};
use crate::params::{Behaviour, Employment, Funding, RegionSpec};

/// Build every region of one replication, in archetype order, `count` copies each.
pub fn build_regions(
    specs: &[RegionSpec],
    b: &Behaviour,
    funding: &Funding,
    lw_hours: f64,
    seed: u64,
    replication: u32,
    first_reported_week: u32,
) -> Vec<Region> {
    let mut regions = Vec::with_capacity(specs.iter().map(|s| s.count as usize).sum());
    let mut index = 0u32;
    for (a, spec) in specs.iter().enumerate() {
        for _ in 0..spec.count {
            regions.push(build_region(
                spec,
                a as u16,
                index,
                b,
                funding,
                lw_hours,
                seed,
                replication,
                first_reported_week,
            ));
            index += 1;
        }
    }
    regions
}

#[allow(clippy::too_many_arguments)]
fn build_region(
    spec: &RegionSpec,
    archetype: u16,
    index: u32,
    b: &Behaviour,
    funding: &Funding,
    lw_hours: f64,
    seed: u64,
    replication: u32,
    first_reported_week: u32,
) -> Region {
    let mut rng = stream(seed, replication, index, Stream::Init);
    let grant_weeks = (funding.vcse_grant_years * 52.0).round().max(1.0) as u32;
    let orgs: Vec<VcseOrg> = (0..spec.vcse_orgs)
        .map(|_| {
            let first_end = first_reported_week + rng.random_range(1..=grant_weeks);
            new_org(&mut rng, b, first_end)
        })
        .collect();
    let contract_weeks = (funding.lw_contract_years * 52.0).round().max(1.0) as u32;
    let lws = (0..spec.lw_posts)
        .map(|_| {
            let experience = rng.random_range(0..156u32);
            let mut lw = new_link_worker(
                &mut rng,
                b,
                Recruit { employment: spec.employment, practices: spec.practices, hours: lw_hours, experience },
                orgs.len(),
                b.knowledge_initial_share,
            );
            // An established service: experience has already embedded the post somewhat.
            let seasoned = 1.0 - (-(experience as f64) / b.skill_experience_weeks).exp();
            lw.embeddedness = (lw.embeddedness as f64 + 0.5 * seasoned * (1.0 - lw.embeddedness as f64)) as f32;
            lw.contract_end_week = first_reported_week + rng.random_range(1..=contract_weeks);
            lw
        })
        .collect();
    Region {
        archetype,
        index,
        population: spec.population,
        deprivation: spec.deprivation,
        practices: spec.practices,
        gp: GpPractice {
            buy_in: spec.gp_buy_in as f32,
            awareness: b.awareness_initial as f32,
            buy_in_level: spec.gp_buy_in as f32,
            feedback_week: 0.0,
            champion: spec.gp_champion,
            statutory_pressure: spec.statutory_pressure as f32,
        },
        base_posts: spec.lw_posts,
        base_orgs: spec.vcse_orgs,
        lws,
        orgs,
        patients: Vec::new(),
        rng_arrivals: stream(seed, replication, index, Stream::Arrivals),
        rng_service: stream(seed, replication, index, Stream::Service),
        week: WeekCounts::default(),
        totals: RegionTotals::default(),
    }
}

/// A VCSE organisation with a category drawn by how common each need is, a grant that
/// ends in week `grant_end_week`, and places partly used by people not referred (R18).
pub fn new_org(rng: &mut ChaCha8Rng, b: &Behaviour, grant_end_week: u32) -> VcseOrg {
    let total: f64 = Need::WEIGHTS.iter().sum();
    let mut u = rng.random::<f64>() * total;
    let mut category = Need::Somatic;
    for (need, w) in Need::ALL.iter().zip(Need::WEIGHTS) {
        if u < w {
            category = *need;
            break;
        }
        u -= w;
    }
    let capacity = super::rng::gamma2(rng, b.vcse_capacity_mean).round().max(1.0) as u32;
    let share = b.vcse_background_occupancy * rng.random_range(0.6..1.4);
    let background = ((capacity as f64 * share).round() as u32).min(capacity);
    VcseOrg {
        category,
        capacity,
        users: 0,
        buy_in: b.vcse_buy_in_initial as f32,
        open: true,
        background,
        queued: 0,
        grant_end_week,
        ends: Box::new([0; PLACEMENT_RING]),
    }
}

/// Who is being recruited into a post.
#[derive(Debug, Clone, Copy)]
pub struct Recruit {
    /// Employment model of the post.
    pub employment: Employment,
    /// Practices the post serves.
    pub practices: u32,
    /// Contracted hours.
    pub hours: f64,
    /// Weeks of experience already.
    pub experience: u32,
}

/// A link worker starting in post: skill from experience, bolted on, knowing a share of
/// the region's organisations (more when hosted by a VCSE organisation, R15). Contract
/// dates are the post's and are set by the caller.
pub fn new_link_worker(
    rng: &mut ChaCha8Rng,
    b: &Behaviour,
    r: Recruit,
    n_orgs: usize,
    knowledge_share: f64,
) -> LinkWorker {
    let seasoned = 1.0 - (-(r.experience as f64) / b.skill_experience_weeks).exp();
    let hosted = if r.employment == Employment::Vcse { b.vcse_host_knowledge_bonus } else { 0.0 };
    let knowledge_share = (knowledge_share + hosted).min(1.0);
    let knowledge = (0..n_orgs)
        .map(|_| {
            let known = rng.random::<f64>() < knowledge_share;
            let quality = rng.random_range(0.3..1.0f32);
            if known { quality } else { 0.0 }
        })
        .collect();
    let stress_sensitivity = crate::world::rng::mean_one_lognormal(rng, b.lw_stress_sensitivity_sd) as f32;
    let recovery_trait = crate::world::rng::mean_one_lognormal(rng, b.lw_recovery_sd) as f32;
    LinkWorker {
        in_post: true,
        cut: false,
        vacant_until: 0,
        contract_end_week: u32::MAX,
        funding_uncertainty: 0.0,
        intention: 0.0,
        satisfaction: b.satisfaction_initial as f32,
        learned: 0.0,
        pressure: 0.0,
        target_pressure: 0.0,
        load: 0.0,
        overload: 0.0,
        intake_credit: 0.0,
        held_complexity: 0.0,
        held_structural: 0,
        connections_week: 0,
        disillusion_week: 0,
        hours: r.hours as f32,
        experience_weeks: r.experience,
        skill: (b.skill_initial + b.skill_experience_gain * seasoned).min(1.0) as f32,
        embeddedness: b.embeddedness_initial as f32,
        burnout: b.burnout_initial as f32,
        stress_sensitivity,
        recovery_trait,
        employer: r.employment,
        knowledge,
        known_categories: 0,
        ranked: Vec::new(),
        caseload: 0,
        held: 0,
        committed_hours: 0.0,
        session_hours: 0.0,
        hours_left: 0.0,
    }
}
