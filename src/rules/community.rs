//! R11 community work: time in the community discovers VCSE organisations and deepens
//! what a link worker knows of them; knowledge decays without it.

use rand::RngExt;
use rand::rngs::ChaCha8Rng;

use super::Ctx;
use crate::params::Employment;
use crate::world::{LinkWorker, VcseOrg};

/// R11: a week of community work. Discovering an organisation and learning more about
/// known ones both scale with community hours; knowledge decays without it. Returns
/// whether a new organisation was discovered.
pub fn community_work(rng: &mut ChaCha8Rng, ctx: &Ctx, lw: &mut LinkWorker, orgs: &[VcseOrg], hours: f64) -> bool {
    let b = ctx.b;
    let decay = b.knowledge_decay_per_week as f32;
    let mut known = 0usize;
    for (k, org) in lw.knowledge.iter_mut().zip(orgs) {
        if *k > 0.0 {
            *k = (*k * (1.0 - decay)).max(0.01);
            if org.open {
                known += 1;
            }
        }
    }
    if known > 0 && hours > 0.0 {
        let gain = (b.community_learning_per_hour * hours / known as f64) as f32;
        for (k, org) in lw.knowledge.iter_mut().zip(orgs) {
            if *k > 0.0 && org.open {
                *k += gain.min(1.0) * (1.0 - *k);
            }
        }
    }
    let hosted = if lw.employer == Employment::Vcse { b.vcse_host_discovery_multiplier } else { 1.0 };
    let p_discover = 1.0 - (-b.community_discovery_per_hour * hosted * hours).exp();
    if hours > 0.0 && rng.random::<f64>() < p_discover {
        let unknown = lw.knowledge.iter().zip(orgs).filter(|(k, o)| **k <= 0.0 && o.open).count();
        if unknown > 0 {
            let pick = rng.random_range(0..unknown);
            let slot =
                lw.knowledge.iter_mut().zip(orgs).filter(|(k, o)| **k <= 0.0 && o.open).nth(pick).map(|(k, _)| k);
            if let Some(k) = slot {
                *k = b.knowledge_new_quality as f32;
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Policy;
    use crate::rules::fixtures::{link_worker, with_policy};
    use crate::world::rng::{Stream, stream};
    use crate::world::{Need, PLACEMENT_RING};

    #[test]
    fn community_time_discovers_organisations_and_knowledge_decays_without_it() {
        with_policy(Policy::default(), |ctx| {
            let orgs: Vec<VcseOrg> = (0..10)
                .map(|_| VcseOrg {
                    category: Need::Isolation,
                    capacity: 10,
                    users: 0,
                    buy_in: 1.0,
                    open: true,
                    background: 0,
                    queued: 0,
                    grant_end_week: 1000,
                    ends: Box::new([0; PLACEMENT_RING]),
                })
                .collect();
            let mut rng = stream(4, 0, 0, Stream::Service);
            let mut busy = link_worker(0.0, 20.0);
            busy.knowledge = vec![0.0; 10];
            busy.knowledge[0] = 0.5;
            let mut idle = busy.clone();
            for _ in 0..52 {
                community_work(&mut rng, ctx, &mut busy, &orgs, 6.0);
                community_work(&mut rng, ctx, &mut idle, &orgs, 0.0);
            }
            let known = |l: &LinkWorker| l.knowledge.iter().filter(|k| **k > 0.0).count();
            assert!(known(&busy) > known(&idle));
            assert!(busy.knowledge[0] > 0.5 && idle.knowledge[0] < 0.5);
        });
    }
}
