//! Parameter sweeps: a design (grid, Latin hypercube, Saltelli/Sobol', Morris, or rows
//! read from a design file) turned into points, each point a scenario with some dotted
//! keys changed, each run one replication of one point.
//!
//! Runs are numbered point-major: run `k` is point `k / replications`, replication
//! `k % replications`. Replication r of every point uses the same random streams
//! (common random numbers), so differences between points are differences of
//! parameters, not of luck. [`Sweep::run_block`] runs a contiguous block of runs in
//! parallel and returns them in run order; the caller streams them to disk
//! ([`crate::report::sweep`]), so memory does not grow with the number of runs.

pub mod design;
pub mod sobol_seq;

use std::ops::Range;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::metrics::summary::{self, RunSummary};
use crate::params::spec::RawValue;
pub use crate::params::sweep::{Design, Domain, SweepParam, SweepSpec};
use crate::run::run_replication;
use crate::scenario::Scenario;

/// The design in the unit hypercube (row-major), for the sampled designs; grid points
/// are built from indices instead.
fn unit_design(spec: &SweepSpec) -> Vec<f64> {
    let (n, d) = (spec.points as usize, spec.parameters.len());
    match spec.design {
        Design::Grid => Vec::new(),
        Design::Lhs => design::lhs(n, d, spec.seed),
        Design::Sobol => design::saltelli(n, d),
        Design::Morris => design::morris(n, d, spec.levels, spec.seed),
    }
}

/// Where a sweep's points came from.
#[derive(Debug, Clone, PartialEq)]
pub enum DesignSource {
    /// Generated from `[sweep]`.
    Native(Design),
    /// Read from a design file (e.g. a SALib sample matrix), row by row.
    File {
        /// The file as given.
        path: String,
        /// SHA-256 of its contents.
        sha256: String,
    },
}

/// One finished (or failed) run.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Run id (0-based, point-major).
    pub run: u64,
    /// Point index (0-based).
    pub point: u64,
    /// Replication (0-based).
    pub replication: u32,
    /// The summary, or why the run failed.
    pub result: Result<RunSummary, String>,
}

/// A sweep ready to run: the base scenario, its `[sweep]` and every point's values.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The scenario every point starts from.
    pub base: Scenario,
    /// The `[sweep]` table.
    pub spec: SweepSpec,
    /// Where the points came from.
    pub source: DesignSource,
    /// Values of the swept parameters at each point (`points[i][j]` for parameter j).
    pub points: Vec<Vec<RawValue>>,
}

impl Sweep {
    /// The sweep that the scenario's `[sweep]` table describes.
    pub fn native(base: Scenario, spec: SweepSpec) -> Sweep {
        let points: Vec<Vec<RawValue>> = match spec.design {
            Design::Grid => {
                let lists: Vec<&[RawValue]> = spec
                    .parameters
                    .iter()
                    .map(|p| match &p.domain {
                        Domain::Values(v) => v.as_slice(),
                        Domain::Range { .. } => unreachable!("validation rejects ranges in a grid"),
                    })
                    .collect();
                let sizes: Vec<usize> = lists.iter().map(|l| l.len()).collect();
                design::grid_indices(&sizes)
                    .into_iter()
                    .map(|idx| idx.iter().zip(&lists).map(|(&i, l)| l[i].clone()).collect())
                    .collect()
            }
            _ => {
                let d = spec.parameters.len();
                unit_design(&spec)
                    .chunks(d)
                    .map(|row| row.iter().zip(&spec.parameters).map(|(&u, p)| p.domain.value_at(u)).collect())
                    .collect()
            }
        };
        Sweep { base, source: DesignSource::Native(spec.design), spec, points }
    }

    /// A sweep over the rows of a design matrix (one column per swept parameter, in
    /// `[sweep.parameters]` order, values in the parameters' own units). Every swept
    /// parameter must be a `{ lower, upper }` range; values outside it are refused.
    pub fn from_rows(
        base: Scenario,
        spec: SweepSpec,
        rows: Vec<Vec<f64>>,
        lines: &[usize],
        path: String,
        sha256: String,
    ) -> Result<Sweep, String> {
        let mut points = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            if row.len() != spec.parameters.len() {
                return Err(format!(
                    "{path}:{}:1: this row has {} value(s); the sweep has {} parameter(s) ({})",
                    lines.get(i).copied().unwrap_or(i + 1),
                    row.len(),
                    spec.parameters.len(),
                    spec.parameters.iter().map(|p| p.key.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
            let mut values = Vec::with_capacity(row.len());
            for (x, p) in row.iter().zip(&spec.parameters) {
                let Domain::Range { lower, upper, .. } = p.domain else {
                    return Err(format!(
                        "`{}`: a design file needs every swept parameter as a {{ lower, upper }} range",
                        p.key
                    ));
                };
                let tol = 1e-9 * (upper - lower).abs().max(1.0);
                if !x.is_finite() || *x < lower - tol || *x > upper + tol {
                    return Err(format!(
                        "{path}:{}: `{}` = {x} is outside its range {lower} to {upper} (column {} of the row)",
                        lines.get(i).copied().unwrap_or(i + 1),
                        p.key,
                        values.len() + 1
                    ));
                }
                values.push(p.domain.from_number(x.clamp(lower, upper)).expect("range domain"));
            }
            points.push(values);
        }
        Ok(Sweep { base, spec, source: DesignSource::File { path, sha256 }, points })
    }

    /// Replications per point.
    pub fn replications(&self) -> u32 {
        self.base.run.replications
    }

    /// Runs in all (points × replications).
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * self.replications() as u64
    }

    /// Names of the summary metrics every run reports, in output order.
    pub fn metric_names(&self) -> Vec<&'static str> {
        summary::summarise(&[], self.base.run.counterfactual, &self.base.costs).metrics.iter().map(|m| m.0).collect()
    }

    /// SHA-256 over the scenario, the swept keys and every point's values: two sweeps
    /// with the same identity produce the same runs.
    pub fn identity(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.base.resolved_toml().as_bytes());
        h.update(self.base.source_hash.as_bytes());
        for p in &self.spec.parameters {
            h.update(p.key.as_bytes());
            h.update([0]);
        }
        for row in &self.points {
            for v in row {
                h.update(v.to_string().as_bytes());
                h.update([0]);
            }
            h.update([1]);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The scenario of point `i`.
    pub fn scenario_at(&self, i: usize) -> Result<Scenario, String> {
        let mut s = self.base.clone();
        s.sweep = None;
        // run.* keys first: the length of the run bounds change weeks, whatever the order
        // of the keys in the file.
        let mut set: Vec<(&SweepParam, &RawValue)> = self.spec.parameters.iter().zip(&self.points[i]).collect();
        set.sort_by_key(|(p, _)| !p.key.starts_with("run."));
        for (p, v) in set {
            s.set_dotted(&p.key, v).map_err(|e| format!("`{}` = {v}: {e}", p.key))?;
        }
        if let Some(why) = s.changes_beyond_run() {
            return Err(why);
        }
        s.check_all_periods().map_err(|e| e.join("; "))?;
        Ok(s)
    }

    /// Run one run (never panics: a panic inside the engine becomes a failed run).
    pub fn run_one(&self, run: u64) -> RunOutcome {
        let reps = self.replications() as u64;
        let (point, replication) = (run / reps, (run % reps) as u32);
        let result = self.scenario_at(point as usize).and_then(|s| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_replication(&s, replication, &|_| {}).summary))
                .map_err(|e| {
                    let msg = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "unknown panic".into());
                    format!("internal error: {msg}")
                })
        });
        RunOutcome { run, point, replication, result }
    }

    /// Run a contiguous block of runs in parallel; results come back in run order.
    /// `done` is called once per finished run (for progress bars).
    pub fn run_block(&self, runs: Range<u64>, done: &(dyn Fn() + Sync)) -> Vec<RunOutcome> {
        runs.into_par_iter()
            .map(|k| {
                let out = self.run_one(k);
                done();
                out
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_domains_split_the_unit_interval_evenly() {
        let d = Domain::Values(vec![RawValue::Int(1), RawValue::Int(2), RawValue::Int(3)]);
        assert_eq!(d.value_at(0.0), RawValue::Int(1));
        assert_eq!(d.value_at(0.34), RawValue::Int(2));
        assert_eq!(d.value_at(0.999), RawValue::Int(3));
        assert_eq!(d.value_at(1.0), RawValue::Int(3));
    }

    #[test]
    fn ranges_map_linearly_and_round_whole_numbers() {
        let r = Domain::Range { lower: 100.0, upper: 300.0, integer: false };
        assert_eq!(r.value_at(0.25), RawValue::Float(150.0));
        let w = Domain::Range { lower: 0.0, upper: 12.0, integer: true };
        assert_eq!(w.value_at(0.5), RawValue::Int(6));
        assert_eq!(w.value_at(0.54), RawValue::Int(6));
        assert_eq!(w.value_at(0.55), RawValue::Int(7));
    }
}
