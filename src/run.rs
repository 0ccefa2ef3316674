//! Running a scenario: one replication steps every region week by week (regions in
//! parallel, reduced in region order); replications run in parallel and are collected
//! in replication order. Output is identical for any thread count.

use rayon::prelude::*;

use crate::metrics::WeekCounts;
use crate::metrics::ledger::Ledger;
use crate::metrics::summary::{self, MetricStats, RunSummary};
use crate::rules::step::step_region;
use crate::rules::{Ctx, Tables};
use crate::scenario::change::ChangeSet;
use crate::scenario::{Scenario, region_index};
use crate::world::Region;
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

/// Apply one scheduled change to `now` (the parameters in force; values were checked at
/// load) and push the region keys that act during the run (population, GP buy-in level,
/// champion, statutory pressure) to every PCN of the archetypes concerned.
fn apply_change(c: &ChangeSet, now: &mut Scenario, regions: &mut [Region]) {
    for (key, value) in &c.sets {
        now.set_dotted(key, value).expect("validated when the scenario was loaded");
        let table = key.split_once('.').map_or(key.as_str(), |(t, _)| t);
        if !table.starts_with("region") {
            continue;
        }
        let which = (table != "region").then(|| region_index(table, now.regions.len()).expect("validated"));
        for r in regions.iter_mut().filter(|r| which.is_none_or(|w| w == r.archetype as usize)) {
            let spec = &now.regions[r.archetype as usize];
            r.population = spec.population;
            r.gp.buy_in_level = spec.gp_buy_in as f32;
            r.gp.champion = spec.gp_champion;
            r.gp.statutory_pressure = spec.statutory_pressure as f32;
        }
    }
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
    // The parameters in force: the scenario's, then each scheduled change from its week.
    let mut now = s.clone();
    let mut tables = Tables::new(&now.behaviour, &now.policy);
    let changes = s.changes_in_order();
    let mut next_change = 0;
    for week in 0..total {
        while let Some(c) = changes.get(next_change)
            && report_from + c.week - 1 == week
        {
            apply_change(c, &mut now, &mut regions);
            tables = Tables::new(&now.behaviour, &now.policy);
            next_change += 1;
        }
        let ctx = Ctx {
            policy: &now.policy,
            funding: &now.funding,
            b: &now.behaviour,
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
