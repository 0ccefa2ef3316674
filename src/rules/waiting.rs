//! R5 Waiting and momentum: loss of momentum while waiting, assignment to the least
//! loaded link worker with room, and missed first appointments.
//!
//! 002: "not having to wait is crucial to prevent a patient losing momentum"; a link
//! worker serving many practices has a longer effective wait (fewer session hours).

use super::{Ctx, logistic};
use crate::world::{LinkWorker, LwId, Patient, Stage};

/// Probability of dropping out this week after `weeks_waited` weeks on the list: the
/// weekly hazard grows linearly with time waited.
pub fn p_drop_waiting(ctx: &Ctx, weeks_waited: u32) -> f64 {
    let h = ctx.b.dropout_wait_base + ctx.b.dropout_wait_slope * weeks_waited as f64;
    1.0 - (-h).exp()
}

/// Expected session hours per week a patient in `stage` takes from their link worker.
pub fn hours_per_week(ctx: &Ctx, stage: Stage) -> f64 {
    let b = ctx.b;
    let interval = match stage {
        Stage::Engaged | Stage::Waiting => b.engaged_interval_weeks,
        Stage::Held => b.held_interval_weeks,
        Stage::Tapering => b.taper_interval_weeks,
        Stage::Relapsing | Stage::Done => return 0.0,
    };
    b.session_hours / interval as f64
}

/// The least loaded link worker in post (committed hours relative to session hours)
/// who can take `need` more hours per week; ties go to the lowest index.
pub fn pick_link_worker(lws: &[LinkWorker], need: f64) -> Option<LwId> {
    let mut best: Option<(f64, usize)> = None;
    for (i, lw) in lws.iter().enumerate() {
        let cap = lw.assign_hours as f64;
        if !lw.in_post || cap <= 0.0 || lw.committed_hours as f64 + need > cap + 1e-9 {
            continue;
        }
        let load = lw.committed_hours as f64 / cap;
        if best.is_none_or(|(l, _)| load < l) {
            best = Some((load, i));
        }
    }
    best.map(|(_, i)| LwId(i as u16))
}

/// Probability the first appointment is missed: lower with readiness and capacity,
/// higher the longer the wait.
pub fn p_dna(ctx: &Ctx, p: &Patient, weeks_waited: u32) -> f64 {
    let b = ctx.b;
    logistic(
        b.dna_intercept
            + b.dna_readiness * p.readiness as f64
            + b.dna_capacity * p.capacity as f64
            + b.dna_wait * weeks_waited as f64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::{link_worker, with_defaults};

    #[test]
    fn dropout_hazard_grows_with_weeks_waited_and_is_a_probability() {
        with_defaults(|ctx| {
            let (a, b) = (p_drop_waiting(ctx, 0), p_drop_waiting(ctx, 10));
            assert!(b > a && a > 0.0 && b < 1.0);
        });
    }

    #[test]
    fn assignment_prefers_the_least_loaded_with_room() {
        let lws = vec![link_worker(10.0, 20.0), link_worker(5.0, 20.0), link_worker(19.9, 20.0)];
        assert_eq!(pick_link_worker(&lws, 0.5), Some(LwId(1)));
        // Load is relative to session hours: 5 of 6 is fuller than 10 of 20.
        let uneven = vec![link_worker(10.0, 20.0), link_worker(5.0, 6.0)];
        assert_eq!(pick_link_worker(&uneven, 0.5), Some(LwId(0)));
        let full = vec![link_worker(20.0, 20.0), link_worker(19.8, 20.0)];
        assert_eq!(pick_link_worker(&full, 0.5), None);
        let mut vacant = vec![link_worker(0.0, 20.0)];
        vacant[0].in_post = false;
        assert_eq!(pick_link_worker(&vacant, 0.5), None);
    }

    #[test]
    fn missed_first_appointments_fall_with_readiness_and_rise_with_wait() {
        with_defaults(|ctx| {
            let mut p = crate::rules::fixtures::patient(1);
            p.readiness = 0.2;
            let unready = p_dna(ctx, &p, 2);
            p.readiness = 0.8;
            assert!(p_dna(ctx, &p, 2) < unready);
            assert!(p_dna(ctx, &p, 12) > p_dna(ctx, &p, 2));
        });
    }
}
