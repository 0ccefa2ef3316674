//! Initialization: regions built from the `[[region]]` archetypes for one replication.
//! Link workers start with a spread of experience (an established service); VCSE
//! organisations with a category, capacity and willingness to take referrals; each
//! link worker knows a share of the local organisations (000 2.3).

use rand::RngExt;
use rand::rngs::ChaCha8Rng;

use super::rng::{Stream, stream};
use super::{GpPractice, LinkWorker, Need, PLACEMENT_RING, Region, VcseOrg};
use crate::metrics::{RegionTotals, WeekCounts};
use crate::params::{Behaviour, Employment, RegionSpec};

/// Build every region of one replication, in archetype order, `count` copies each.
pub fn build_regions(
    specs: &[RegionSpec],
    b: &Behaviour,
    lw_hours: f64,
    seed: u64,
    replication: u32,
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
                lw_hours,
                seed,
                replication,
            ));
            index += 1;
        }
    }
    regions
}

fn build_region(
    spec: &RegionSpec,
    archetype: u16,
    index: u32,
    b: &Behaviour,
    lw_hours: f64,
    seed: u64,
    replication: u32,
) -> Region {
    let mut rng = stream(seed, replication, index, Stream::Init);
    let orgs: Vec<VcseOrg> = (0..spec.vcse_orgs).map(|_| new_org(&mut rng, b)).collect();
    let lws = (0..spec.lw_posts)
        .map(|_| {
            let experience = rng.random_range(0..156u32);
            new_link_worker(&mut rng, b, spec, orgs.len(), lw_hours, experience)
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
            champion: spec.gp_champion,
            statutory_pressure: spec.statutory_pressure as f32,
        },
        lws,
        orgs,
        patients: Vec::new(),
        rng_arrivals: stream(seed, replication, index, Stream::Arrivals),
        rng_service: stream(seed, replication, index, Stream::Service),
        week: WeekCounts::default(),
        totals: RegionTotals::default(),
    }
}

/// A VCSE organisation with a category drawn by how common each need is.
pub fn new_org(rng: &mut ChaCha8Rng, b: &Behaviour) -> VcseOrg {
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
    let capacity = super::rng::gamma2(rng, b.vcse_capacity_mean)
        .round()
        .max(1.0) as u32;
    VcseOrg {
        category,
        capacity,
        users: 0,
        buy_in: b.vcse_buy_in_initial as f32,
        open: true,
        ends: [0; PLACEMENT_RING],
    }
}

/// A link worker in post with `experience` weeks, knowing a share of the organisations.
pub fn new_link_worker(
    rng: &mut ChaCha8Rng,
    b: &Behaviour,
    spec: &RegionSpec,
    n_orgs: usize,
    hours: f64,
    experience: u32,
) -> LinkWorker {
    let seasoned = 1.0 - (-(experience as f64) / b.skill_experience_weeks).exp();
    let knowledge = (0..n_orgs)
        .map(|_| {
            let known = rng.random::<f64>() < b.knowledge_initial_share;
            let quality = rng.random_range(0.3..1.0f32);
            if known { quality } else { 0.0 }
        })
        .collect();
    let hosted_penalty = if spec.employment == Employment::Vcse {
        0.1
    } else {
        0.0
    };
    let spread_penalty = 0.03 * spec.practices.saturating_sub(1) as f64;
    LinkWorker {
        in_post: true,
        hours: hours as f32,
        experience_weeks: experience,
        skill: (b.skill_initial + b.skill_experience_gain * seasoned).min(1.0) as f32,
        embeddedness: (0.2 + 0.5 * seasoned - hosted_penalty - spread_penalty).clamp(0.0, 1.0)
            as f32,
        burnout: 0.0,
        employer: spec.employment,
        knowledge,
        caseload: 0,
        held: 0,
        committed_hours: 0.0,
        session_hours: 0.0,
        hours_left: 0.0,
    }
}
