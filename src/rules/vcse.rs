//! R18 VCSE funding and capacity: grants end and are renewed with a probability, or the
//! organisation closes; new organisations appear at a rate; persistent demand above
//! capacity lowers an organisation's willingness to take referrals (000 1.2; 001
//! "adequate resources … for VCSE"; 002).

use rand::RngExt;
use rand::rngs::ChaCha8Rng;

use super::Ctx;
use crate::params::Behaviour;
use crate::world::VcseOrg;

/// What happened to an organisation's grant this week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantEvent {
    /// Nothing decided.
    None,
    /// Renewed for another grant period.
    Renewed,
    /// Not renewed: the organisation closed.
    Closed,
}

/// Length of a VCSE grant in weeks.
pub fn grant_weeks(ctx: &Ctx) -> u32 {
    (ctx.funding.vcse_grant_years * 52.0).round().max(1.0) as u32
}

/// Places used by people not referred through social prescribing: around
/// `vcse_background_occupancy` of capacity, redrawn each grant period.
pub fn draw_background(rng: &mut ChaCha8Rng, b: &Behaviour, capacity: u32) -> u32 {
    let share = b.vcse_background_occupancy * rng.random_range(0.6..1.4);
    ((capacity as f64 * share).round() as u32).min(capacity)
}

/// Whether an organisation has no free place for a new referral: every place is taken,
/// or patients already wait on its list (they come first).
#[inline]
pub fn is_full(org: &VcseOrg) -> bool {
    org.users + org.background + org.queued >= org.capacity
}

/// R18 weekly update of one open organisation: grant renewal or closure, and buy-in
/// falling while full and recovering otherwise.
pub fn update_org(rng: &mut ChaCha8Rng, ctx: &Ctx, org: &mut VcseOrg) -> GrantEvent {
    if !org.open {
        return GrantEvent::None;
    }
    let b = ctx.b;
    if is_full(org) {
        org.buy_in = (org.buy_in as f64 - b.vcse_buy_in_drop).max(0.0) as f32;
    } else {
        let target = b.vcse_buy_in_initial;
        org.buy_in += (b.vcse_buy_in_recover * (target - org.buy_in as f64)) as f32;
    }
    if ctx.week < org.grant_end_week {
        return GrantEvent::None;
    }
    if rng.random::<f64>() < ctx.funding.vcse_renewal_probability {
        org.grant_end_week = ctx.week + grant_weeks(ctx);
        // Places taken by referred patients are kept; the rest is redrawn.
        org.background = draw_background(rng, b, org.capacity).min(org.capacity.saturating_sub(org.users));
        GrantEvent::Renewed
    } else {
        org.open = false;
        org.users = 0;
        org.background = 0;
        // Its waiting list is gone: the patients on it go back to their link workers.
        org.queued = 0;
        org.ends.fill(0);
        GrantEvent::Closed
    }
}

/// New organisations appearing this week in a region (R18): the scenario's absolute rate
/// plus a share of the organisations the region started with, so that default openings
/// balance default closures.
pub fn new_orgs_this_week(rng: &mut ChaCha8Rng, ctx: &Ctx, base_orgs: u32) -> u32 {
    let f = ctx.funding;
    let per_year = f.vcse_new_orgs_per_year + f.vcse_new_org_share_per_year * base_orgs as f64;
    crate::world::rng::small_count(rng, per_year / 52.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{Behaviour, Funding, Policy};
    use crate::rules::Tables;
    use crate::world::rng::{Stream, stream};
    use crate::world::{Need, PLACEMENT_RING};

    fn org(users: u32, background: u32) -> VcseOrg {
        VcseOrg {
            category: Need::Isolation,
            capacity: 10,
            users,
            buy_in: 0.8,
            open: true,
            background,
            queued: 0,
            grant_end_week: 50,
            ends: Box::new([0; PLACEMENT_RING]),
        }
    }

    fn at_week<R>(week: u32, renewal: f64, f: impl FnOnce(&Ctx) -> R) -> R {
        let (p, b) = (Policy::default(), Behaviour::default());
        let fu = Funding { vcse_renewal_probability: renewal, ..Funding::default() };
        let t = Tables::new(&b, &p);
        f(&Ctx { policy: &p, funding: &fu, b: &b, week, report_from: 0, counterfactual: true, tables: &t })
    }

    #[test]
    fn full_organisations_lose_buy_in_and_others_recover() {
        let mut rng = stream(1, 0, 0, Stream::Service);
        at_week(10, 1.0, |ctx| {
            let mut full = org(4, 6);
            let mut free = org(1, 2);
            free.buy_in = 0.5;
            for _ in 0..20 {
                update_org(&mut rng, ctx, &mut full);
                update_org(&mut rng, ctx, &mut free);
            }
            assert!(full.buy_in < 0.8);
            assert!(free.buy_in > 0.5);
        });
    }

    #[test]
    fn grants_end_in_renewal_or_closure() {
        let mut rng = stream(2, 0, 0, Stream::Service);
        let mut a = org(3, 3);
        assert_eq!(at_week(50, 1.0, |ctx| update_org(&mut rng, ctx, &mut a)), GrantEvent::Renewed);
        assert!(a.open && a.grant_end_week > 50);
        let mut c = org(3, 3);
        assert_eq!(at_week(50, 0.0, |ctx| update_org(&mut rng, ctx, &mut c)), GrantEvent::Closed);
        assert!(!c.open && c.users == 0);
        assert_eq!(at_week(60, 0.0, |ctx| update_org(&mut rng, ctx, &mut c)), GrantEvent::None);
    }

    #[test]
    fn new_organisations_arrive_at_the_yearly_rate() {
        let mut rng = stream(3, 0, 0, Stream::Service);
        // Default funding: 0.125 of the 20 organisations a region started with, 2.5 a year,
        // balancing the closures of 2-year grants renewed with probability 0.75.
        let n: u32 = at_week(0, 1.0, |ctx| (0..52 * 200).map(|_| new_orgs_this_week(&mut rng, ctx, 20)).sum());
        let per_year = n as f64 / 200.0;
        assert!((per_year - 2.5).abs() < 0.3, "{per_year}");
        let closures = 20.0 * (1.0 - Funding::default().vcse_renewal_probability) / Funding::default().vcse_grant_years;
        assert!((per_year - closures).abs() < 0.3, "openings {per_year} vs closures {closures}");
    }
}
