//! R17 link worker funding: fixed-term contracts, perceived job insecurity as the end
//! nears, renewal or a cut.

use rand::RngExt;
use rand::rngs::ChaCha8Rng;

use super::Ctx;
use crate::world::LinkWorker;

/// What happened to a post's funding this week (R17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundingEvent {
    /// Nothing decided this week.
    None,
    /// The contract was renewed.
    Renewed,
    /// The contract ended without renewal: the post is cut.
    Cut,
}

/// R17: perceived job insecurity, 0–1: the real risk of a cut (1 − renewal probability)
/// × `insecurity_risk_scale`, capped at 1, felt at `insecurity_floor` outside the window
/// before the contract end and rising to full strength at the end (000 1.3).
pub fn perceived_insecurity(ctx: &Ctx, weeks_left: u32) -> f64 {
    let b = ctx.b;
    let risk = ((1.0 - ctx.funding.lw_renewal_probability) * b.insecurity_risk_scale).min(1.0);
    let window = ctx.funding.lw_uncertainty_window_weeks;
    let nearness = if window > 0 && weeks_left <= window { 1.0 - weeks_left as f64 / window as f64 } else { 0.0 };
    risk * (b.insecurity_floor + (1.0 - b.insecurity_floor) * nearness)
}

/// R17: perceived insecurity through the contract; at the end the contract is renewed with
/// the scenario probability, else the post is cut (000 1.3).
pub fn update_funding(rng: &mut ChaCha8Rng, ctx: &Ctx, lw: &mut LinkWorker) -> FundingEvent {
    let f = ctx.funding;
    let week = ctx.week;
    if week >= lw.contract_end_week {
        if rng.random::<f64>() < f.lw_renewal_probability {
            lw.contract_end_week = week + contract_weeks(ctx);
            lw.funding_uncertainty = perceived_insecurity(ctx, lw.contract_end_week - week) as f32;
            return FundingEvent::Renewed;
        }
        lw.funding_uncertainty = 0.0;
        return FundingEvent::Cut;
    }
    lw.funding_uncertainty = perceived_insecurity(ctx, lw.contract_end_week - week) as f32;
    FundingEvent::None
}

/// Length of a link worker contract in weeks.
pub fn contract_weeks(ctx: &Ctx) -> u32 {
    (ctx.funding.lw_contract_years * 52.0).round().max(1.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Policy;
    use crate::rules::fixtures::{link_worker, with_params};
    use crate::world::rng::{Stream, stream};

    #[test]
    fn perceived_insecurity_scales_with_the_real_risk_of_a_cut_and_nears_with_the_end() {
        let at = |renewal: f64, weeks_left: u32| {
            let funding = crate::params::Funding { lw_renewal_probability: renewal, ..Default::default() };
            with_params(Policy::default(), funding, |ctx| perceived_insecurity(ctx, weeks_left))
        };
        assert_eq!(at(1.0, 1), 0.0, "a post that is always renewed is secure");
        assert!(
            at(0.5, 100) > at(0.95, 100) && at(0.95, 100) > 0.0,
            "riskier posts feel less secure, even far from the end"
        );
        assert!(at(0.9, 2) > at(0.9, 20) && at(0.9, 20) > at(0.9, 100), "insecurity grows as the end nears");
    }

    #[test]
    fn funding_uncertainty_builds_in_the_window_then_renewal_or_cut() {
        let mut rng = stream(1, 0, 0, Stream::Service);
        let run = |prob: f64, rng: &mut ChaCha8Rng| {
            let funding = crate::params::Funding { lw_renewal_probability: prob, ..Default::default() };
            let (policy, b) = (Policy::default(), crate::params::Behaviour::default());
            let tables = crate::rules::Tables::new(&b, &policy);
            let mut lw = link_worker(0.0, 20.0);
            lw.contract_end_week = 100;
            let mut seen = Vec::new();
            for week in 60..=100 {
                let ctx = Ctx {
                    policy: &policy,
                    funding: &funding,
                    b: &b,
                    week,
                    report_from: 0,
                    counterfactual: true,
                    tables: &tables,
                };
                seen.push((update_funding(rng, &ctx, &mut lw), lw.funding_uncertainty));
            }
            (seen, lw)
        };
        let (seen, _) = run(0.8, &mut rng);
        assert!(seen[0].1 > 0.0, "some insecurity before the window when cuts are possible");
        assert!(seen[35].1 > seen[20].1 && seen[20].1 > seen[0].1, "insecurity rises toward the end");
        let (seen, lw) = run(1.0, &mut rng);
        assert!(seen.iter().all(|s| s.1 == 0.0), "no insecurity when renewal is certain");
        assert_eq!(seen.last().unwrap().0, FundingEvent::Renewed);
        assert!(lw.contract_end_week > 100);
        let (seen, _) = run(0.0, &mut rng);
        assert_eq!(seen.last().unwrap().0, FundingEvent::Cut);
    }
}
