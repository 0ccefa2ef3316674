//! History matching in waves (Vernon et al. 2010; Andrianakis et al. 2015): run a
//! space-filling design of parameter sets, replicated with common random numbers, on
//! every target's scenario; rule out each set whose simulated means are implausibly far
//! from the observed figures; fit emulators to what was simulated and sample the next
//! wave only where they say the space is not yet ruled out; stop at the last wave or when
//! a wave rules out almost nothing new. The sets never ruled out are the plausible set,
//! across which `run` and `compare` answer (see [`crate::ensemble`]).
//!
//! Pure computation: the command streams each finished wave to disk and feeds the waves
//! read back from disk in again, so a killed calibration resumes to identical files.

pub mod emulator;

use std::path::PathBuf;

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::params::calibration::{CalParam, CalTarget, CalibrationSpec, Use};
use crate::run::run_replication;
use crate::scenario::Scenario;
use emulator::Emulator;

/// Reference points over the prior on which the share of the space left is estimated.
const REFERENCE_POINTS: usize = 4096;
/// Candidate batches tried when designing a wave before topping up near plausible points.
const CANDIDATE_BATCHES: u64 = 12;

/// A calibration ready to run: the scenario, its `[calibration]`, and every scenario a
/// target is measured on (the calibration scenario first).
#[derive(Debug, Clone)]
pub struct Plan {
    /// The calibration scenario (its `[calibration]` removed).
    pub base: Scenario,
    /// The `[calibration]` table.
    pub spec: CalibrationSpec,
    /// Scenarios targets are measured on; index 0 is `base`. Each runs with `base`'s
    /// seed and replications (common random numbers across all of them).
    pub scenarios: Vec<Scenario>,
    /// Display name of each scenario (its file as written).
    pub scenario_names: Vec<String>,
    /// For each target, the index of its scenario.
    pub scenario_of: Vec<usize>,
}

/// One simulation's values of the targets measured on its scenario: (target, value).
type TargetValues = Vec<(usize, Option<f64>)>;

/// One simulated parameter set.
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    /// Wave (1-based).
    pub wave: u32,
    /// Point number over the whole calibration (0-based).
    pub id: u64,
    /// Parameter values, in `[calibration.parameters]` order.
    pub values: Vec<f64>,
    /// Per target: simulated mean over replications (NaN when never defined).
    pub mean: Vec<f64>,
    /// Per target: standard deviation over replications (0 with one replication).
    pub sd: Vec<f64>,
    /// Per target: implausibility.
    pub implausibility: Vec<f64>,
    /// The implausibility the point is judged by ([`CalibrationSpec::judged`]).
    pub max_implausibility: f64,
}

impl PointResult {
    /// Not ruled out.
    pub fn plausible(&self, cutoff: f64) -> bool {
        self.max_implausibility <= cutoff
    }
}

/// What one wave did.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveSummary {
    /// Wave (1-based).
    pub wave: u32,
    /// Points simulated.
    pub points: usize,
    /// Share of this wave's points ruled out.
    pub ruled_out_share: f64,
    /// Points not ruled out so far (all waves).
    pub plausible_so_far: usize,
    /// Share of the prior space the emulators fitted after this wave do not rule out.
    pub space_left: f64,
    /// Per fit target, the R² of its emulator after this wave.
    pub emulator_r2: Vec<f64>,
}

/// The emulators fitted after one wave, one per target (held-out targets too, unused
/// for screening).
#[derive(Debug, Clone)]
struct WaveEmulators {
    emulators: Vec<Emulator>,
    /// Per target, the mean simulation variance of a point's mean (sd² ÷ replications).
    sim_var: Vec<f64>,
}

/// Everything done so far: the points of every finished wave and what each wave did.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Every simulated point, in order.
    pub points: Vec<PointResult>,
    /// One summary per finished wave.
    pub waves: Vec<WaveSummary>,
    emulators: Vec<WaveEmulators>,
}

impl Plan {
    /// A plan from the calibration scenario and the scenarios its targets name (loaded
    /// by the caller: `(path as resolved in the target, scenario)`).
    pub fn new(base: Scenario, loaded: Vec<(PathBuf, Scenario)>) -> Result<Plan, String> {
        let mut base = base;
        let spec = base.calibration.take().ok_or("the scenario has no [calibration] table")?;
        base.sweep = None;
        let mut scenarios = vec![base.clone()];
        let mut scenario_names = vec![base.path.display().to_string()];
        let mut paths: Vec<PathBuf> = Vec::new();
        let mut scenario_of = Vec::with_capacity(spec.targets.len());
        for t in &spec.targets {
            let Some(p) = &t.scenario else {
                scenario_of.push(0);
                continue;
            };
            if let Some(i) = paths.iter().position(|q| q == p) {
                scenario_of.push(i + 1);
                continue;
            }
            let (_, s) = loaded
                .iter()
                .find(|(q, _)| q == p)
                .ok_or_else(|| format!("target scenario {} was not loaded", p.display()))?;
            let mut s = s.clone();
            s.calibration = None;
            s.sweep = None;
            s.run.seed = base.run.seed;
            s.run.replications = base.run.replications;
            for prm in &spec.parameters {
                s.sweepable_spec(&prm.key)
                    .map_err(|e| format!("{}: `{}` cannot be set on it: {e}", p.display(), prm.key))?;
            }
            paths.push(p.clone());
            scenario_names.push(p.display().to_string());
            scenarios.push(s);
            scenario_of.push(paths.len());
        }
        Ok(Plan { base, spec, scenarios, scenario_names, scenario_of })
    }

    /// Replications per point and scenario.
    pub fn replications(&self) -> u32 {
        self.base.run.replications
    }

    /// Parameter count.
    pub fn dims(&self) -> usize {
        self.spec.parameters.len()
    }

    /// SHA-256 over every scenario, the parameters and the targets: a folder holding
    /// waves of another identity is not resumed.
    pub fn identity(&self) -> String {
        let mut h = Sha256::new();
        for s in &self.scenarios {
            h.update(s.resolved_toml().as_bytes());
            h.update([0]);
        }
        // Target scenarios by their index (their content is hashed above), not by the
        // path as typed, so the same calibration resumes from another folder.
        let mut spec = self.spec.clone();
        for t in &mut spec.targets {
            t.scenario = None;
        }
        h.update(format!("{spec:?} {:?}", self.scenario_of).as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Scenario `j` with the parameter values set.
    pub fn scenario_at(&self, j: usize, values: &[f64]) -> Result<Scenario, String> {
        let mut s = self.scenarios[j].clone();
        for (p, &x) in self.spec.parameters.iter().zip(values) {
            s.set_dotted(&p.key, &p.raw(x)).map_err(|e| format!("`{}` = {x}: {e}", p.key))?;
        }
        if let Some(why) = s.changes_beyond_run() {
            return Err(why);
        }
        s.check_all_periods().map_err(|e| e.join("; "))?;
        Ok(s)
    }

    /// Simulate parameter sets (unit coordinates) as wave `wave`, numbering them from
    /// `first_id`: every set on every target scenario, every replication, in parallel,
    /// collected in order. `done` is called once per finished simulation.
    pub fn simulate(&self, wave: u32, first_id: u64, units: &[Vec<f64>], done: &(dyn Fn() + Sync)) -> Vec<PointResult> {
        self.simulate_values(wave, first_id, self.values_of(units), done)
    }

    /// The parameter values of unit-coordinate points.
    pub fn values_of(&self, units: &[Vec<f64>]) -> Vec<Vec<f64>> {
        units.iter().map(|u| self.spec.parameters.iter().zip(u).map(|(p, &x)| p.value_at(x)).collect()).collect()
    }

    /// [`Plan::simulate`] at parameter values given as they are (not mapped from the unit
    /// cube, so values outside the priors run as given).
    pub fn simulate_values(
        &self,
        wave: u32,
        first_id: u64,
        values: Vec<Vec<f64>>,
        done: &(dyn Fn() + Sync),
    ) -> Vec<PointResult> {
        self.simulate_reporting(wave, first_id, values, done).0
    }

    /// [`Plan::simulate_values`], also returning why simulations failed (a scenario that
    /// cannot be built at those values, or an engine panic), in job order: such a run
    /// gives no value, so its set is ruled out, and the caller should say why.
    pub fn simulate_reporting(
        &self,
        wave: u32,
        first_id: u64,
        values: Vec<Vec<f64>>,
        done: &(dyn Fn() + Sync),
    ) -> (Vec<PointResult>, Vec<String>) {
        let reps = self.replications() as usize;
        let ns = self.scenarios.len();
        // For each scenario, the targets measured on it.
        let wanted: Vec<Vec<(usize, &str)>> = (0..ns)
            .map(|j| {
                self.spec
                    .targets
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| self.scenario_of[*i] == j)
                    .map(|(i, t)| (i, t.metric.as_str()))
                    .collect()
            })
            .collect();
        let jobs = values.len() * ns * reps;
        let out: Vec<(TargetValues, Option<String>)> = (0..jobs)
            .into_par_iter()
            .map(|k| {
                let (p, rest) = (k / (ns * reps), k % (ns * reps));
                let (j, r) = (rest / reps, rest % reps);
                let none = || wanted[j].iter().map(|(i, _)| (*i, None)).collect();
                let got = if wanted[j].is_empty() {
                    (Vec::new(), None)
                } else {
                    match self.scenario_at(j, &values[p]) {
                        Ok(s) => {
                            let rep = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                run_replication(&s, r as u32, &|_| {}).summary
                            }));
                            match rep {
                                Ok(sum) => (
                                    wanted[j]
                                        .iter()
                                        .map(|(i, m)| (*i, sum.metrics.iter().find(|x| x.0 == *m).and_then(|x| x.1)))
                                        .collect(),
                                    None,
                                ),
                                Err(_) => (none(), Some(format!("{}: the engine stopped", self.scenario_names[j]))),
                            }
                        }
                        Err(e) => (none(), Some(format!("{}: {e}", self.scenario_names[j]))),
                    }
                };
                done();
                got
            })
            .collect();
        let nt = self.spec.targets.len();
        let points = (0..values.len())
            .map(|p| {
                let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(reps); nt];
                for (job, _) in &out[p * ns * reps..(p + 1) * ns * reps] {
                    for (i, v) in job {
                        if let Some(v) = v
                            && v.is_finite()
                        {
                            samples[*i].push(*v);
                        }
                    }
                }
                let (mut mean, mut sd) = (vec![f64::NAN; nt], vec![0.0; nt]);
                for (i, xs) in samples.iter().enumerate() {
                    if !xs.is_empty() {
                        let m = xs.iter().sum::<f64>() / xs.len() as f64;
                        mean[i] = m;
                        if xs.len() > 1 {
                            let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64;
                            sd[i] = v.sqrt();
                        }
                    }
                }
                self.judge(wave, first_id + p as u64, values[p].clone(), mean, sd)
            })
            .collect();
        (points, out.into_iter().filter_map(|(_, e)| e).collect())
    }

    /// A point's implausibilities from its simulated means and sds.
    pub fn judge(&self, wave: u32, id: u64, values: Vec<f64>, mean: Vec<f64>, sd: Vec<f64>) -> PointResult {
        let reps = self.replications();
        let implausibility: Vec<f64> = self
            .spec
            .targets
            .iter()
            .enumerate()
            .map(
                |(i, t)| {
                    if mean[i].is_finite() { t.implausibility(mean[i], sd[i] * sd[i], reps) } else { f64::INFINITY }
                },
            )
            .collect();
        let max_implausibility = self.spec.judged(&implausibility);
        PointResult { wave, id, values, mean, sd, implausibility, max_implausibility }
    }

    fn units_of(&self, values: &[f64]) -> Vec<f64> {
        self.spec.parameters.iter().zip(values).map(|(p, &x)| p.unit_of(x)).collect()
    }

    /// Emulator implausibility of unit point `u` under one wave's emulators (fit targets
    /// only; held-out targets count as 0).
    fn emulated(&self, em: &WaveEmulators, u: &[f64]) -> f64 {
        let per: Vec<f64> = self
            .spec
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if t.use_ != Use::Fit {
                    return 0.0;
                }
                let e = &em.emulators[i];
                // The residual variance of a fit to simulated means holds their own noise
                // (sd² ÷ replications) plus the surface's misfit; the larger of the two
                // terms is what a prediction is uncertain by, as a simulated mean is by
                // its noise (adding both would count the noise twice).
                let var = t.sd * t.sd + t.discrepancy_sd * t.discrepancy_sd + e.residual_var.max(em.sim_var[i]);
                let d = (t.value - e.predict(u)).abs();
                if var > 0.0 { d / var.sqrt() } else { d * f64::INFINITY }
            })
            .collect();
        self.spec.judged(&per)
    }

    fn passes_all(&self, h: &History, u: &[f64]) -> bool {
        h.emulators.iter().all(|em| self.emulated(em, u) <= self.spec.cutoff)
    }

    /// Record a finished wave: its points join the history, emulators are fitted to
    /// every point so far, and the share of the space left is estimated.
    pub fn record_wave(&self, h: &mut History, wave: u32, results: Vec<PointResult>) {
        let cutoff = self.spec.cutoff;
        let n = results.len();
        let out = results.iter().filter(|p| !p.plausible(cutoff)).count();
        h.points.extend(results);
        // Refocusing (Vernon et al. 2010): each wave's emulators are fitted where that
        // wave sampled (the space the earlier waves left) together with the earlier
        // points not ruled out, so they are accurate where it matters; a point must pass
        // every wave's emulators.
        let fit_on: Vec<&PointResult> =
            h.points.iter().filter(|p| p.wave == wave || (p.wave < wave && p.plausible(cutoff))).collect();
        let xs: Vec<Vec<f64>> = fit_on.iter().map(|p| self.units_of(&p.values)).collect();
        let reps = self.replications().max(1) as f64;
        let mut emulators = Vec::with_capacity(self.spec.targets.len());
        let mut sim_var = Vec::with_capacity(self.spec.targets.len());
        for i in 0..self.spec.targets.len() {
            let (px, py): (Vec<Vec<f64>>, Vec<f64>) = xs
                .iter()
                .zip(&fit_on)
                .filter(|(_, p)| p.mean[i].is_finite())
                .map(|(x, p)| (x.clone(), p.mean[i]))
                .unzip();
            emulators.push(Emulator::fit(&px, &py, self.dims()));
            let vs: Vec<f64> =
                fit_on.iter().filter(|p| p.mean[i].is_finite()).map(|p| p.sd[i] * p.sd[i] / reps).collect();
            sim_var.push(if vs.is_empty() { 0.0 } else { vs.iter().sum::<f64>() / vs.len() as f64 });
        }
        let emulator_r2 = self.spec.fit_targets().iter().map(|&i| emulators[i].r2).collect();
        h.emulators.push(WaveEmulators { emulators, sim_var });
        let reference = crate::sweep::design::lhs(REFERENCE_POINTS, self.dims(), self.spec.seed ^ 0x5eed_5eed);
        let left = reference.chunks(self.dims()).filter(|u| self.passes_all(h, u)).count();
        h.waves.push(WaveSummary {
            wave,
            points: n,
            ruled_out_share: if n > 0 { out as f64 / n as f64 } else { 0.0 },
            plausible_so_far: h.points.iter().filter(|p| p.plausible(cutoff)).count(),
            space_left: left as f64 / REFERENCE_POINTS as f64,
            emulator_r2,
        });
    }

    /// Why the calibration stops after the waves in `h`, or `None` to go on.
    pub fn stop_reason(&self, h: &History) -> Option<String> {
        let last = h.waves.last()?;
        if h.waves.len() as u32 >= self.spec.waves {
            return Some(format!("reached the last wave ({})", self.spec.waves));
        }
        if last.plausible_so_far == 0 {
            return Some(
                "every point is ruled out: no parameter set in the ranges matches the targets within the cut-off \
                 (widen the ranges, check the targets, or raise the discrepancy)"
                    .into(),
            );
        }
        if h.waves.len() >= 2 && last.ruled_out_share < self.spec.stop_below {
            return Some(format!(
                "wave {} ruled out {:.1}% of its points, below stop_below ({:.1}%)",
                last.wave,
                100.0 * last.ruled_out_share,
                100.0 * self.spec.stop_below
            ));
        }
        None
    }

    /// The unit-coordinate design of the next wave: a Latin hypercube over the prior for
    /// wave 1; afterwards, Latin hypercube candidates over the box around the points not
    /// yet ruled out (widened by a tenth of the range each side) that every wave's
    /// emulators keep, topped up with small perturbations of plausible points (not
    /// screened) if too few candidates survive.
    pub fn next_design(&self, h: &History) -> Vec<Vec<f64>> {
        let (n, d) = (self.spec.points as usize, self.dims());
        let wave = h.waves.len() as u64 + 1;
        if h.waves.is_empty() {
            return crate::sweep::design::lhs(n, d, self.spec.seed).chunks(d).map(|c| c.to_vec()).collect();
        }
        let cutoff = self.spec.cutoff;
        let kept: Vec<Vec<f64>> =
            h.points.iter().filter(|p| p.plausible(cutoff)).map(|p| self.units_of(&p.values)).collect();
        let mut lo = vec![1.0f64; d];
        let mut hi = vec![0.0f64; d];
        for u in &kept {
            for k in 0..d {
                lo[k] = lo[k].min(u[k]);
                hi[k] = hi[k].max(u[k]);
            }
        }
        for k in 0..d {
            let margin = 0.1f64.max(0.1 * (hi[k] - lo[k]));
            lo[k] = (lo[k] - margin).max(0.0);
            hi[k] = (hi[k] + margin).min(1.0);
        }
        let mut chosen: Vec<Vec<f64>> = Vec::with_capacity(n);
        let batch = (10 * n).max(2000);
        for attempt in 0..CANDIDATE_BATCHES {
            let seed = self.spec.seed.wrapping_add(wave.wrapping_mul(1_000_003)).wrapping_add(attempt);
            for c in crate::sweep::design::lhs(batch, d, seed).chunks(d) {
                let u: Vec<f64> = (0..d).map(|k| lo[k] + c[k] * (hi[k] - lo[k])).collect();
                if self.passes_all(h, &u) {
                    chosen.push(u);
                    if chosen.len() == n {
                        return chosen;
                    }
                }
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.spec.seed);
        rng.set_stream(wave);
        let mut i = 0usize;
        while chosen.len() < n && !kept.is_empty() {
            let base = &kept[i % kept.len()];
            let u: Vec<f64> = (0..d)
                .map(|k| {
                    let z: f64 = rng.sample(rand_distr::StandardNormal);
                    (base[k] + 0.05 * (hi[k] - lo[k]) * z).clamp(0.0, 1.0)
                })
                .collect();
            chosen.push(u);
            i += 1;
        }
        chosen
    }
}

/// The plausible parameter sets of a finished history, as `(values, max_implausibility)`.
pub fn plausible(h: &History, cutoff: f64) -> Vec<&PointResult> {
    h.points.iter().filter(|p| p.plausible(cutoff)).collect()
}

/// The central member of the plausible set: of the members that match every fitted
/// figure comfortably (judged implausibility at most half the cut-off; all members if
/// none do), the one nearest the whole set's per-parameter medians, each parameter
/// measured in units of its plausible interquartile range on its prior's unit scale (so
/// no parameter dominates by its units). Nearest the medians alone can sit at the edge of
/// what the figures allow when the plausible set is a curved region.
pub fn central<'a>(plan: &Plan, h: &'a History) -> Option<&'a PointResult> {
    let pts = plausible(h, plan.spec.cutoff);
    if pts.is_empty() {
        return None;
    }
    let units: Vec<Vec<f64>> = pts.iter().map(|p| plan.units_of(&p.values)).collect();
    let d = plan.dims();
    let mut centre = vec![0.0; d];
    let mut spread = vec![1.0; d];
    for k in 0..d {
        let mut col: Vec<f64> = units.iter().map(|u| u[k]).collect();
        col.sort_by(f64::total_cmp);
        centre[k] = crate::ensemble::percentile(&col, 0.5);
        let iqr = crate::ensemble::percentile(&col, 0.75) - crate::ensemble::percentile(&col, 0.25);
        spread[k] = if iqr > 1e-9 { iqr } else { 1.0 };
    }
    let dist = |u: &Vec<f64>| (0..d).map(|k| ((u[k] - centre[k]) / spread[k]).powi(2)).sum::<f64>();
    let comfortable: Vec<usize> =
        (0..pts.len()).filter(|&i| pts[i].max_implausibility <= plan.spec.cutoff / 2.0).collect();
    let pool: Vec<usize> = if comfortable.is_empty() { (0..pts.len()).collect() } else { comfortable };
    let best = pool.into_iter().min_by(|&a, &b| dist(&units[a]).total_cmp(&dist(&units[b])).then(a.cmp(&b)))?;
    Some(pts[best])
}

impl Plan {
    /// The calibration scenario's own value of each calibrated parameter (its defaults,
    /// unless the file sets them), and whether each lies inside its prior range.
    pub fn own_values(&self) -> Vec<(f64, bool)> {
        self.spec
            .parameters
            .iter()
            .map(|p| {
                let x = self.base.get_dotted_number(&p.key).unwrap_or(f64::NAN);
                (x, x >= p.lower && x <= p.upper)
            })
            .collect()
    }

    /// Unit coordinates of parameter values (clamped to the prior).
    pub fn unit_point(&self, values: &[f64]) -> Vec<f64> {
        self.units_of(values)
    }
}

/// Per target, the range of the plausible set's simulated means (min, max), or `None`
/// when the set is empty.
pub fn plausible_ranges(h: &History, cutoff: f64, targets: &[CalTarget]) -> Vec<Option<(f64, f64)>> {
    (0..targets.len())
        .map(|i| {
            let xs: Vec<f64> = plausible(h, cutoff).iter().map(|p| p.mean[i]).filter(|x| x.is_finite()).collect();
            (!xs.is_empty()).then(|| {
                (xs.iter().copied().fold(f64::INFINITY, f64::min), xs.iter().copied().fold(f64::NEG_INFINITY, f64::max))
            })
        })
        .collect()
}

/// Per parameter, the plausible set's range (min, max).
pub fn parameter_ranges(h: &History, cutoff: f64, params: &[CalParam]) -> Vec<Option<(f64, f64)>> {
    (0..params.len())
        .map(|k| {
            let xs: Vec<f64> = plausible(h, cutoff).iter().map(|p| p.values[k]).collect();
            (!xs.is_empty()).then(|| {
                (xs.iter().copied().fold(f64::INFINITY, f64::min), xs.iter().copied().fold(f64::NEG_INFINITY, f64::max))
            })
        })
        .collect()
}
