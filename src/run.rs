//! Running a scenario: one replication steps every region week by week (regions in
//! parallel, reduced in region order); replications run in parallel and are collected
//! in replication order. Output is identical for any thread count.

use rayon::prelude::*;

use crate::metrics::WeekCounts;
use crate::metrics::ledger::Ledger;
use crate::metrics::summary::{self, MetricStats, RunSummary};
use crate::params::spec::ParamTable;
use crate::params::{Behaviour, Funding, Policy, RegionSpec};
use crate::rules::step::step_region;
use crate::rules::{Ctx, Tables};
use crate::scenario::Scenario;
use crate::scenario::change::ChangeSet;
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

/// The parameters a week runs with (they change at scheduled changes).
struct Params {
    policy: Policy,
    funding: Funding,
    behaviour: Behaviour,
}

/// Apply one scheduled change: new values of policy, funding and behaviour keys, and of
/// the region keys that act during the run (population, GP buy-in level, champion,
/// statutory pressure) on every PCN of the archetypes concerned.
fn apply_change(c: &ChangeSet, now: &mut Params, specs: &mut [RegionSpec], regions: &mut [Region]) {
    for (key, value) in &c.sets {
        let (table, field) = key.split_once('.').expect("validated dotted key");
        let set = |r: Result<(), crate::params::spec::FieldError>| r.expect("validated value");
        match table {
            "policy" => set(now.policy.set(field, value)),
            "funding" => set(now.funding.set(field, value)),
            "behaviour" => set(now.behaviour.set(field, value)),
            _ => {
                let which: Option<usize> = table
                    .strip_prefix("region[")
                    .and_then(|t| t.strip_suffix(']'))
                    .and_then(|n| n.parse::<usize>().ok())
                    .map(|n| n - 1);
                for (a, spec) in specs.iter_mut().enumerate() {
                    if which.is_none_or(|w| w == a) {
                        set(spec.set(field, value));
                    }
                }
                for r in regions.iter_mut().filter(|r| which.is_none_or(|w| w == r.archetype as usize)) {
                    let spec = &specs[r.archetype as usize];
                    r.population = spec.population;
                    r.gp.buy_in_level = spec.gp_buy_in as f32;
                    r.gp.champion = spec.gp_champion;
                    r.gp.statutory_pressure = spec.statutory_pressure as f32;
                }
            }
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
    let mut now = Params { policy: s.policy.clone(), funding: s.funding.clone(), behaviour: s.behaviour.clone() };
    let mut specs = s.regions.clone();
    let mut tables = Tables::new(&now.behaviour, &now.policy);
    let changes = s.changes_in_order();
    let mut next_change = 0;
    for week in 0..total {
        while let Some(c) = changes.get(next_change)
            && report_from + c.week - 1 == week
        {
            apply_change(c, &mut now, &mut specs, &mut regions);
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
