//! Running a scenario: one replication steps every region week by week (regions in
//! parallel, reduced in region order); replications run in parallel and are collected
//! in replication order. Output is identical for any thread count.

use rayon::prelude::*;

use crate::metrics::WeekCounts;
use crate::metrics::ledger::Ledger;
use crate::metrics::summary::{self, MetricStats, RunSummary};
use crate::rules::step::step_region;
use crate::rules::{Ctx, Tables};
use crate::scenario::Scenario;
use crate::world::init::build_regions;

/// Regions stepped per parallel task: enough work per task to amortise scheduling.
const REGIONS_PER_TASK: usize = 8;

/// Result of one replication.
#[derive(Debug, Clone)]
pub struct Replication {
    /// Replication index (0-based).
    pub index: u32,
    /// Reported weeks × archetypes, week-major: row `w * archetypes + a`.
    pub weekly: Vec<WeekCounts>,
    /// Summary metrics of this replication.
    pub summary: RunSummary,
    /// Patient-weeks simulated (patients on the pathway summed over weeks), for throughput.
    pub patient_weeks: u64,
    /// Mechanism ledger over the reported weeks, by deprivation (low, medium, high).
    pub ledger: [Ledger; 3],
}

/// Result of a whole run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Replications, in order.
    pub replications: Vec<Replication>,
    /// Summary statistics across replications.
    pub summary: Vec<MetricStats>,
}

/// Run one replication. `progress` is called once per simulated week.
pub fn run_replication(s: &Scenario, replication: u32, progress: &(dyn Fn(u64) + Sync)) -> Replication {
    let mut regions = build_regions(
        &s.regions,
        &s.behaviour,
        &s.funding,
        s.policy.lw_hours_per_week,
        s.run.seed,
        replication,
        s.run.warmup_weeks,
    );
    let archetypes = s.regions.len();
    let report_from = s.run.warmup_weeks;
    let total = s.total_weeks();
    let mut weekly = Vec::with_capacity(s.reported_weeks() as usize * archetypes);
    let mut patient_weeks = 0u64;
    let tables = Tables::new(&s.behaviour, &s.policy);
    for week in 0..total {
        let ctx = Ctx {
            policy: &s.policy,
            funding: &s.funding,
            b: &s.behaviour,
            week,
            report_from,
            counterfactual: s.run.counterfactual,
            tables: &tables,
        };
        regions.par_chunks_mut(REGIONS_PER_TASK).for_each(|chunk| {
            for r in chunk {
                step_region(r, &ctx);
            }
        });
        if week + 1 == total && week >= report_from {
            // End of the run: open episodes count in their journeys (not censored).
            for r in regions.iter_mut() {
                crate::rules::step::census_open_episodes(r, &ctx);
            }
        }
        if week >= report_from {
            let start = weekly.len();
            weekly.resize(start + archetypes, WeekCounts::default());
            for r in &regions {
                weekly[start + r.archetype as usize].add(&r.week);
            }
        }
        patient_weeks += regions.iter().map(|r| r.patients.len() as u64).sum::<u64>();
        progress(1);
    }
    let views: Vec<_> = regions.iter().map(|r| (r.deprivation, r.population, &r.totals)).collect();
    let summary = summary::summarise(&views, s.run.counterfactual);
    let mut ledger = [Ledger::default(), Ledger::default(), Ledger::default()];
    for r in &regions {
        ledger[(r.deprivation.level() + 1.0) as usize].add(&r.totals.ledger);
    }
    Replication { index: replication, weekly, summary, patient_weeks, ledger }
}

/// Run every replication of a scenario (in parallel, collected in order).
pub fn run_scenario(s: &Scenario, progress: &(dyn Fn(u64) + Sync)) -> RunResult {
    let replications: Vec<Replication> =
        (0..s.run.replications).into_par_iter().map(|r| run_replication(s, r, progress)).collect();
    let runs: Vec<RunSummary> = replications.iter().map(|r| r.summary.clone()).collect();
    let summary = summary::combine(&runs);
    RunResult { replications, summary }
}
