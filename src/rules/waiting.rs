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
    match ctx.tables.drop_waiting.get(weeks_waited as usize) {
        Some(p) => *p,
        None => drop_waiting_hazard(ctx.b, weeks_waited),
    }
}

/// The formula behind [`p_drop_waiting`] (tabulated once per run in [`super::Tables`]).
pub fn drop_waiting_hazard(b: &crate::params::Behaviour, weeks_waited: u32) -> f64 {
    let h = b.dropout_wait_base + b.dropout_wait_slope * weeks_waited as f64;
    1.0 - (-h).exp()
}

/// Expected session hours per week a patient in `stage` takes from their link worker.
pub fn hours_per_week(ctx: &Ctx, stage: Stage) -> f64 {
    let b = ctx.b;
    let interval = match stage {
        Stage::Engaged | Stage::Waiting => b.engaged_interval_weeks,
        Stage::Held => b.held_interval_weeks,
        Stage::Tapering => b.taper_interval_weeks,
        // On a VCSE waiting list: the link worker keeps the patient but holds no sessions.
        Stage::Queued | Stage::Relapsing | Stage::Done => return 0.0,
    };
    b.session_hours / interval as f64
}

/// R5/R12 intake: the least loaded link worker in post (caseload hours relative to
/// session hours) with at least one patient of intake credit left this week, whether or not
/// the hours look spare; ties go to the lowest index.
pub fn pick_for_intake(lws: &[LinkWorker]) -> Option<LwId> {
    least_loaded(lws, |lw| lw.intake_credit >= 1.0 - 1e-6)
}

/// R16 handover: the least loaded colleague in post who can take `need` more hours per
/// week within their session hours; ties go to the lowest index.
pub fn pick_colleague_with_room(lws: &[LinkWorker], need: f64) -> Option<LwId> {
    least_loaded(lws, |lw| lw.committed_hours as f64 + need <= lw.session_hours as f64 + 1e-9)
}

fn least_loaded(lws: &[LinkWorker], eligible: impl Fn(&LinkWorker) -> bool) -> Option<LwId> {
    let mut best: Option<(f64, usize)> = None;
    for (i, lw) in lws.iter().enumerate() {
        if !lw.in_post || lw.session_hours <= 0.0 || !eligible(lw) {
            continue;
        }
        let load = lw.committed_hours as f64 / lw.session_hours as f64;
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
    fn handover_prefers_the_least_loaded_colleague_with_room() {
        let lws = vec![link_worker(10.0, 20.0), link_worker(5.0, 20.0), link_worker(19.9, 20.0)];
        assert_eq!(pick_colleague_with_room(&lws, 0.5), Some(LwId(1)));
        // Load is relative to session hours: 5 of 6 is fuller than 10 of 20.
        let uneven = vec![link_worker(10.0, 20.0), link_worker(5.0, 6.0)];
        assert_eq!(pick_colleague_with_room(&uneven, 0.5), Some(LwId(0)));
        let full = vec![link_worker(20.0, 20.0), link_worker(19.8, 20.0)];
        assert_eq!(pick_colleague_with_room(&full, 0.5), None);
        let mut vacant = vec![link_worker(0.0, 20.0)];
        vacant[0].in_post = false;
        assert_eq!(pick_colleague_with_room(&vacant, 0.5), None);
    }

    #[test]
    fn intake_follows_credit_not_spare_hours() {
        // Both over their hours; only the one with intake credit left takes a patient.
        let mut lws = vec![link_worker(30.0, 20.0), link_worker(40.0, 20.0)];
        lws[0].intake_credit = 0.5;
        lws[1].intake_credit = 1.0;
        assert_eq!(pick_for_intake(&lws), Some(LwId(1)));
        lws[0].intake_credit = 2.0;
        assert_eq!(pick_for_intake(&lws), Some(LwId(0)), "least loaded among those with credit");
        lws.iter_mut().for_each(|l| l.intake_credit = 0.0);
        assert_eq!(pick_for_intake(&lws), None, "no credit: the patient waits even with spare hours");
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
