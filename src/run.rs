//! Running a scenario: one replication steps every region week by week (regions in
//! parallel, reduced in region order); replications run in parallel and are collected
//! in replication order. Output is identical for any thread count.

use rayon::prelude::*;

use crate::metrics::WeekCounts;
use crate::metrics::ledger::Ledger;
use crate::metrics::summary::{self, MetricStats, Pooled, RunSummary};
use crate::rules::staffing::Tally;
use crate::rules::step::step_region;
use crate::rules::{Ctx, Tables};
use crate::scenario::{Epoch, Scenario};
use crate::world::Region;
use crate::world::init::build_regions;

/// Regions stepped per parallel task: enough work per task to amortise scheduling.
const REGIONS_PER_TASK: usize = 8;

/// Weeks each region is stepped in a row before the next region (temporal blocking: a
/// region's patients stay in cache from one week to the next). Blocks also end at
/// scheduled changes and period marks, so every week sees the same parameters and the
/// same totals as when regions were stepped week by week.
const WEEKS_PER_BLOCK: u32 = 8;

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
    /// Agent-weeks simulated: patients, link worker posts and VCSE organisations visited
    /// by each week's step, summed over weeks (agent updates, for throughput).
    pub agent_weeks: u64,
    /// Mechanism ledger over the reported weeks, by deprivation (low, medium, high).
    pub ledger: [Ledger; 3],
    /// Summary metrics of each period the run was asked for ([`Period`]), in order.
    pub periods: Vec<RunSummary>,
}

/// A span of reported weeks whose summary is reported on its own: each reported year,
/// and the year before and each year after a scheduled change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// Name in `periods.csv` and `compare.csv`: `year-K`, `before-week-W`,
    /// `after-week-W-year-K` (W the change's reported week).
    pub label: String,
    /// First reported week index (0-based) in the period.
    pub start: u32,
    /// One past the last.
    pub end: u32,
}

/// Shortest span reported as a period (a last part-year shorter than this is left out).
const MIN_PERIOD_WEEKS: u32 = 4;

/// The periods of a run of `reported` weeks with scheduled changes from the reported weeks
/// `change_weeks` (1-based): each year, then per change week the year before it and each
/// year from it on (a last part-year of at least [`MIN_PERIOD_WEEKS`] weeks included).
pub fn periods(reported: u32, change_weeks: &[u32]) -> Vec<Period> {
    let mut out = Vec::new();
    let years = |from: u32, label: &dyn Fn(u32) -> String, out: &mut Vec<Period>| {
        let mut k = 1;
        let mut start = from;
        while start < reported && reported - start >= MIN_PERIOD_WEEKS.min(reported - from) {
            out.push(Period { label: label(k), start, end: (start + 52).min(reported) });
            start += 52;
            k += 1;
        }
    };
    years(0, &|k| format!("year-{k}"), &mut out);
    let mut weeks: Vec<u32> = change_weeks.iter().copied().filter(|w| (1..=reported).contains(w)).collect();
    weeks.sort_unstable();
    weeks.dedup();
    for w in weeks {
        let at = w - 1;
        let mut around = Vec::new();
        if at > 0 {
            around.push(Period { label: format!("before-week-{w}"), start: at.saturating_sub(52), end: at });
        }
        years(at, &|k| format!("after-week-{w}-year-{k}"), &mut around);
        // A window that is exactly a reported year (a change at a year's start) is that year.
        around.retain(|p| !out.iter().any(|q: &Period| q.start == p.start && q.end == p.end));
        out.extend(around);
    }
    out
}

/// The periods of a run of `s` alone, or of several scenarios compared side by side (the
/// change weeks of every one of them, so that each period pairs like with like).
pub fn periods_of(scenarios: &[&Scenario]) -> Vec<Period> {
    let reported = scenarios.first().map_or(0, |s| s.reported_weeks());
    let weeks: Vec<u32> = scenarios.iter().flat_map(|s| s.changes.iter().map(|c| c.week)).collect();
    periods(reported, &weeks)
}

/// Result of a whole run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Replications, in order.
    pub replications: Vec<Replication>,
    /// Summary statistics across replications.
    pub summary: Vec<MetricStats>,
    /// The periods summarised on their own ([`periods_of`]).
    pub periods: Vec<Period>,
    /// Summary statistics of each period across replications, in the order of `periods`.
    pub period_summary: Vec<Vec<MetricStats>>,
}

/// Swap in the parameters of `epoch` and make the PCNs follow them: the region keys that
/// act during the run (every one not `fixed` on its declaration) and the capacity of the
/// VCSE organisations open now, which grows or shrinks with the mean (R7, R18; places in
/// use are kept: an organisation over its new capacity takes no one until places free up).
fn enter_epoch(epoch: &Epoch, before: &Epoch, regions: &mut [Region]) {
    let (old, new) = (before.behaviour.vcse_capacity_mean, epoch.behaviour.vcse_capacity_mean);
    let scale = (old > 0.0 && new != old).then(|| new / old);
    for r in regions.iter_mut() {
        r.follow(&epoch.regions[r.archetype as usize]);
        if let Some(scale) = scale {
            for o in r.orgs.iter_mut() {
                o.capacity = ((o.capacity as f64 * scale).round() as u32).max(1);
            }
        }
    }
}

/// Run one replication (no periods). `progress` is called once per simulated week.
pub fn run_replication(s: &Scenario, replication: u32, progress: &(dyn Fn(u64) + Sync)) -> Replication {
    run_replication_over(s, replication, &[], progress)
}

/// Run one replication, with the summary of each of `periods` too.
pub fn run_replication_over(
    s: &Scenario,
    replication: u32,
    periods: &[Period],
    progress: &(dyn Fn(u64) + Sync),
) -> Replication {
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
    let (mut patient_weeks, mut agent_weeks) = (0u64, 0u64);
    // The parameters in force: the scenario's, then each scheduled change's from its week
    // (validated when the scenario was loaded or changed).
    let epochs = s.schedule().unwrap_or_else(|p| panic!("the scenario was not validated: {}", p[0].1));
    let mut now = &epochs[0];
    let mut tables = Tables::new(&now.behaviour, &now.policy);
    let mut next_epoch = 1;
    // Pooled totals at each period's start and end (reported week index), for the periods.
    let mut marks: Vec<u32> = periods.iter().flat_map(|p| [p.start, p.end]).filter(|&w| w > 0).collect();
    marks.sort_unstable();
    marks.dedup();
    let mut pooled_at: Vec<(u32, Pooled)> = Vec::with_capacity(marks.len());
    // Each region's counts of the reported weeks of a block, region-major.
    let mut block: Vec<WeekCounts> = Vec::new();
    let mut week = 0;
    while week < total {
        if let Some(e) = epochs.get(next_epoch)
            && e.week == week
        {
            enter_epoch(e, now, &mut regions);
            now = e;
            tables = Tables::new(&now.behaviour, &now.policy);
            next_epoch += 1;
        }
        // A block ends before the next change, at the next period mark, and after at
        // most WEEKS_PER_BLOCK weeks.
        let mut end = (week + WEEKS_PER_BLOCK).min(total);
        if let Some(e) = epochs.get(next_epoch) {
            end = end.min(e.week);
        }
        if let Some(&m) = marks.iter().find(|&&m| report_from + m > week) {
            end = end.min(report_from + m);
        }
        let first_kept = week.max(report_from).min(end);
        let kept = (end - first_kept) as usize;
        // (At least one row per region, so that warm-up blocks pair every chunk of
        // regions with a chunk of rows too.)
        let row = kept.max(1);
        block.clear();
        block.resize(regions.len() * row, WeekCounts::default());
        let ctx = Ctx {
            policy: &now.policy,
            funding: &now.funding,
            b: &now.behaviour,
            week,
            report_from,
            counterfactual: s.run.counterfactual,
            tables: &tables,
        };
        let (stepped, agents): (u64, u64) = regions
            .par_chunks_mut(REGIONS_PER_TASK)
            .zip(block.par_chunks_mut(REGIONS_PER_TASK * row))
            .map(|(chunk, counts)| {
                let (mut patient_weeks, mut agent_weeks) = (0u64, 0u64);
                let mut ahead = Tally::default();
                for (i, r) in chunk.iter_mut().enumerate() {
                    // A tally for the first week of a block is never ahead (its week is
                    // another region's, or before a change): phase 1 takes its own.
                    ahead.week = u32::MAX;
                    for w in week..end {
                        let ctx = Ctx { week: w, ..ctx };
                        step_region(r, &ctx, &mut ahead);
                        if w + 1 == total && w >= report_from {
                            // End of the run: open episodes count in their journeys (not censored).
                            crate::rules::step::census_open_episodes(r, &ctx);
                        }
                        if w >= first_kept {
                            counts[i * row + (w - first_kept) as usize] = r.week.clone();
                        }
                        patient_weeks += r.patients.len() as u64;
                        agent_weeks += (r.patients.len() + r.lws.len() + r.orgs.len()) as u64;
                    }
                }
                (patient_weeks, agent_weeks)
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        patient_weeks += stepped;
        agent_weeks += agents;
        // Weekly counts summed in region order, week by week, as if stepped week-major.
        for k in 0..kept {
            let start = weekly.len();
            weekly.resize(start + archetypes, WeekCounts::default());
            for (i, r) in regions.iter().enumerate() {
                weekly[start + r.archetype as usize].add(&block[i * row + k]);
            }
        }
        for _ in week..end {
            progress(1);
        }
        let done = end.saturating_sub(report_from);
        if end > report_from && marks.binary_search(&done).is_ok() {
            let views: Vec<_> = regions.iter().map(|r| (r.deprivation, r.population, &r.totals)).collect();
            pooled_at.push((done, Pooled::of(&views)));
        }
        week = end;
    }
    let views: Vec<_> = regions.iter().map(|r| (r.deprivation, r.population, &r.totals)).collect();
    let summary = summary::summarise(&views, s.run.counterfactual, &s.costs);
    let at = |w: u32| pooled_at.iter().find(|p| p.0 == w).map(|p| &p.1);
    let periods = periods
        .iter()
        .map(|p| {
            let end = at(p.end).expect("pooled at every period's end");
            let pooled = match at(p.start) {
                Some(start) => end.since(start),
                None => end.clone(), // from the first reported week: nothing before
            };
            summary::summarise_pooled(&pooled, s.run.counterfactual, &s.costs)
        })
        .collect();
    let mut ledger = [Ledger::default(), Ledger::default(), Ledger::default()];
    for r in &regions {
        ledger[(r.deprivation.level() + 1.0) as usize].add(&r.totals.ledger);
    }
    Replication { index: replication, weekly, summary, patient_weeks, agent_weeks, ledger, periods }
}

/// Run every replication of a scenario (in parallel, collected in order).
pub fn run_scenario(s: &Scenario, progress: &(dyn Fn(u64) + Sync)) -> RunResult {
    run_scenario_over(s, &periods_of(&[s]), progress)
}

/// Run every replication of a scenario with the summary of each of `periods` too (a
/// comparison gives every scenario the same periods).
pub fn run_scenario_over(s: &Scenario, periods: &[Period], progress: &(dyn Fn(u64) + Sync)) -> RunResult {
    let replications: Vec<Replication> =
        (0..s.run.replications).into_par_iter().map(|r| run_replication_over(s, r, periods, progress)).collect();
    let runs: Vec<RunSummary> = replications.iter().map(|r| r.summary.clone()).collect();
    let summary = summary::combine(&runs);
    let period_summary = (0..periods.len())
        .map(|k| summary::combine(&replications.iter().map(|r| r.periods[k].clone()).collect::<Vec<_>>()))
        .collect();
    RunResult { replications, summary, periods: periods.to_vec(), period_summary }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_the_years_and_the_years_around_each_change() {
        let spans = |ps: &[Period]| ps.iter().map(|p| (p.label.clone(), p.start, p.end)).collect::<Vec<_>>();
        let s = |l: &str, a: u32, b: u32| (l.to_string(), a, b);
        assert_eq!(spans(&periods(104, &[])), vec![s("year-1", 0, 52), s("year-2", 52, 104)]);
        // A last part-year of fewer than 4 weeks is left out; a short run is one period.
        assert_eq!(spans(&periods(106, &[])), vec![s("year-1", 0, 52), s("year-2", 52, 104)]);
        assert_eq!(spans(&periods(10, &[])), vec![s("year-1", 0, 10)]);
        assert_eq!(
            spans(&periods(104, &[30, 30, 200])),
            vec![
                s("year-1", 0, 52),
                s("year-2", 52, 104),
                s("before-week-30", 0, 29),
                s("after-week-30-year-1", 29, 81),
                s("after-week-30-year-2", 81, 104),
            ]
        );
        // A change at a year's start: its windows are the years themselves, listed once.
        assert_eq!(spans(&periods(104, &[53])), vec![s("year-1", 0, 52), s("year-2", 52, 104)]);
    }
}
