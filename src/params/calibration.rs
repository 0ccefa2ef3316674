//! The `[calibration]` table, validated: which parameters history matching may vary and
//! over which prior ranges, the published (or the user's own) figures to match, and the
//! settings of the waves. Running the waves is [`crate::calibrate`]'s job.

use std::path::PathBuf;

use super::spec::{RawValue, choice_enum};

choice_enum! {
    /// How a calibrated parameter's range is sampled.
    Scale {
        /// Uniform between lower and upper.
        Linear = "linear",
        /// Uniform in the logarithm (for rates known to within a factor; lower > 0).
        Log = "log",
    }
}

choice_enum! {
    /// What a target is used for.
    Use {
        /// Points are ruled out by it.
        Fit = "fit",
        /// Held out: reported against the plausible set, never used to rule points out.
        Validate = "validate",
    }
}

/// One calibrated parameter: a dotted scenario key and its prior range.
#[derive(Debug, Clone, PartialEq)]
pub struct CalParam {
    /// Dotted scenario key, e.g. `behaviour.burnout_rate`.
    pub key: String,
    /// Lower end of the prior range.
    pub lower: f64,
    /// Upper end (above `lower`).
    pub upper: f64,
    /// Linear or log sampling.
    pub scale: Scale,
    /// The key takes whole numbers (values are rounded).
    pub integer: bool,
}

impl CalParam {
    /// The value at unit coordinate `u` in [0, 1] (linear or log map).
    pub fn value_at(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let x = match self.scale {
            Scale::Linear => self.lower + u * (self.upper - self.lower),
            Scale::Log => (self.lower.ln() + u * (self.upper.ln() - self.lower.ln())).exp(),
        };
        let x = x.clamp(self.lower, self.upper);
        if self.integer { x.round() } else { x }
    }

    /// The unit coordinate of value `x` (inverse of [`CalParam::value_at`]).
    pub fn unit_of(&self, x: f64) -> f64 {
        let u = match self.scale {
            Scale::Linear => (x - self.lower) / (self.upper - self.lower),
            Scale::Log => (x.ln() - self.lower.ln()) / (self.upper.ln() - self.lower.ln()),
        };
        u.clamp(0.0, 1.0)
    }

    /// The value as a scenario value (whole numbers for whole-number keys).
    pub fn raw(&self, x: f64) -> RawValue {
        if self.integer { RawValue::Int(x.round() as i64) } else { RawValue::Float(x) }
    }
}

/// One calibration target: a summary metric, the figure it should match and how
/// uncertain that figure is.
#[derive(Debug, Clone, PartialEq)]
pub struct CalTarget {
    /// Summary metric (a `summary.csv` name).
    pub metric: String,
    /// Observed value (for a range: its midpoint unless `value` is given).
    pub value: f64,
    /// Observation standard deviation (for a range `[a, b]`: (b − a) ÷ 4, the range read
    /// as a 95% interval).
    pub sd: f64,
    /// The range as written, if the target was given as one.
    pub range: Option<(f64, f64)>,
    /// Model-discrepancy standard deviation: given, or the table's `discrepancy` × `sd`.
    pub discrepancy_sd: f64,
    /// Where the figure comes from.
    pub source: String,
    /// Scenario it is measured on (resolved against the file that names it); `None`:
    /// the calibration scenario itself.
    pub scenario: Option<PathBuf>,
    /// Fit or held out.
    pub use_: Use,
}

impl CalTarget {
    /// Implausibility of a simulated mean over `reps` replications with sample variance
    /// `sim_var`: |observed − simulated| ÷ √(observation variance + discrepancy variance +
    /// simulated variance ÷ replications) (Vernon et al. 2010; Andrianakis et al. 2015).
    pub fn implausibility(&self, sim_mean: f64, sim_var: f64, reps: u32) -> f64 {
        let var = self.sd * self.sd
            + self.discrepancy_sd * self.discrepancy_sd
            + if reps > 0 { sim_var.max(0.0) / reps as f64 } else { 0.0 };
        let d = (self.value - sim_mean).abs();
        if var > 0.0 {
            d / var.sqrt()
        } else if d == 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    }

    /// A short label: the metric, and the scenario file name when it is not the main one.
    pub fn label(&self) -> String {
        match &self.scenario {
            Some(p) => format!(
                "{} ({})",
                self.metric,
                p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
            ),
            None => self.metric.clone(),
        }
    }
}

/// The `[calibration]` table of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationSpec {
    /// At most this many waves.
    pub waves: u32,
    /// Model runs (points) per wave; each is simulated `replications` times on every
    /// target scenario.
    pub points: u32,
    /// Implausibility cut-off.
    pub cutoff: f64,
    /// Seed of the designs (the simulations use `[run] seed`).
    pub seed: u64,
    /// Default model discrepancy, as a multiple of each target's observation sd.
    pub discrepancy: f64,
    /// Stop when a wave rules out less than this share of its points.
    pub stop_below: f64,
    /// Judge a point by its second-largest implausibility when there are 5 or more fit
    /// targets (`rule_out_by = "second_largest"`, the default); `false`: always the
    /// largest (`rule_out_by = "largest"`, every fitted figure must be matched).
    pub second_largest: bool,
    /// Calibrated parameters, in file order.
    pub parameters: Vec<CalParam>,
    /// Targets, in file order.
    pub targets: Vec<CalTarget>,
}

impl CalibrationSpec {
    /// Default number of waves.
    pub const WAVES: u32 = 4;
    /// Default points per wave.
    pub const POINTS: u32 = 500;
    /// Default cut-off (Pukelsheim's three-sigma rule).
    pub const CUTOFF: f64 = 3.0;
    /// Default discrepancy multiple.
    pub const DISCREPANCY: f64 = 0.5;
    /// Default stopping share.
    pub const STOP_BELOW: f64 = 0.05;

    /// Indices of the targets that rule points out.
    pub fn fit_targets(&self) -> Vec<usize> {
        (0..self.targets.len()).filter(|&i| self.targets[i].use_ == Use::Fit).collect()
    }

    /// The implausibility a point is judged by: the largest over the fit targets, or the
    /// second largest when there are 5 or more and `second_largest` is set (one target may
    /// be missed by chance or by a discrepancy not modelled; Vernon et al. 2010).
    pub fn judged(&self, per_target: &[f64]) -> f64 {
        let mut fit: Vec<f64> = self.fit_targets().iter().map(|&i| per_target[i]).collect();
        fit.sort_by(|a, b| b.total_cmp(a));
        match fit.len() {
            0 => 0.0,
            n if n >= 5 && self.second_largest => fit[1],
            _ => fit[0],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(value: f64, sd: f64, disc: f64, use_: Use) -> CalTarget {
        CalTarget {
            metric: "m".into(),
            value,
            sd,
            range: None,
            discrepancy_sd: disc,
            source: "s".into(),
            scenario: None,
            use_,
        }
    }

    #[test]
    fn implausibility_matches_a_hand_computation() {
        // |0.82 − 0.70| / √(0.03² + 0.015² + 0.004 / 10) = 0.12 / √0.001525 = 3.0729…
        let t = target(0.82, 0.03, 0.015, Use::Fit);
        let i = t.implausibility(0.70, 0.004, 10);
        assert!((i - 0.12 / 0.001525f64.sqrt()).abs() < 1e-12, "{i}");
        assert!((i - 3.072_885).abs() < 1e-5);
        // More replications shrink the simulation term and raise I.
        assert!(t.implausibility(0.70, 0.004, 100) > i);
        assert_eq!(t.implausibility(0.82, 0.004, 10), 0.0);
    }

    #[test]
    fn points_are_judged_by_the_largest_or_second_largest_fit_target() {
        let mut spec = CalibrationSpec {
            waves: 1,
            points: 1,
            cutoff: 3.0,
            seed: 1,
            discrepancy: 0.5,
            stop_below: 0.05,
            second_largest: true,
            parameters: vec![],
            targets: (0..4).map(|_| target(0.0, 1.0, 0.0, Use::Fit)).collect(),
        };
        assert_eq!(spec.judged(&[1.0, 4.0, 2.0, 0.5]), 4.0);
        spec.targets.push(target(0.0, 1.0, 0.0, Use::Fit));
        assert_eq!(spec.judged(&[1.0, 4.0, 2.0, 0.5, 3.5]), 3.5);
        // Held-out targets never count.
        spec.targets.push(target(0.0, 1.0, 0.0, Use::Validate));
        assert_eq!(spec.judged(&[1.0, 4.0, 2.0, 0.5, 3.5, 99.0]), 3.5);
        // rule_out_by = "largest": every fitted target counts.
        spec.second_largest = false;
        assert_eq!(spec.judged(&[1.0, 4.0, 2.0, 0.5, 3.5, 99.0]), 4.0);
    }

    #[test]
    fn log_ranges_map_through_the_logarithm_and_back() {
        let p = CalParam { key: "k".into(), lower: 0.01, upper: 1.0, scale: Scale::Log, integer: false };
        assert!((p.value_at(0.5) - 0.1).abs() < 1e-12);
        assert!((p.unit_of(0.1) - 0.5).abs() < 1e-12);
        let w = CalParam { key: "k".into(), lower: 2.0, upper: 12.0, scale: Scale::Linear, integer: true };
        assert_eq!(w.value_at(0.52), 7.0);
    }
}
