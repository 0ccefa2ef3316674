//! The `[sweep]` table, validated: which design, how many points, and the values each
//! swept parameter (a dotted scenario key) may take. Generating and running the points
//! is [`crate::sweep`]'s job.

use super::spec::{RawValue, choice_enum};

/// Most dimensions of the Sobol' sequence the engine carries; a Saltelli design uses
/// two per swept parameter.
pub const SOBOL_MAX_DIMS: usize = 64;

choice_enum! {
    /// How the points of a sweep are chosen.
    Design {
        /// Cartesian product of every parameter's values, last parameter fastest.
        Grid = "grid",
        /// Latin hypercube: `points` points, one in each of `points` strata per parameter.
        Lhs = "lhs",
        /// Saltelli's scheme on the Sobol' sequence: `points` base samples × (parameters + 2)
        /// rows, for first-order and total Sobol' indices.
        Sobol = "sobol",
        /// Morris one-at-a-time: `points` trajectories × (parameters + 1) rows.
        Morris = "morris",
    }
}

/// The values a swept parameter may take.
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    /// An explicit list (from `[a, b, c]` or `{ first, step, last }`).
    Values(Vec<RawValue>),
    /// A continuous range `{ lower, upper }`; whole-number parameters are rounded.
    Range {
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
        /// The parameter takes whole numbers: values are rounded to the nearest one.
        integer: bool,
    },
}

impl Domain {
    /// The value at unit coordinate `u` in [0, 1]: a linear map onto a range, or the
    /// `floor(u · n)`-th element of a list.
    pub fn value_at(&self, u: f64) -> RawValue {
        match self {
            Domain::Values(v) => v[((u * v.len() as f64) as usize).min(v.len() - 1)].clone(),
            Domain::Range { lower, upper, .. } => {
                self.from_number(lower + u.clamp(0.0, 1.0) * (upper - lower)).expect("range domain")
            }
        }
    }

    /// A value given as a number (from a design file): rounded for whole-number ranges.
    /// `None` for a list domain.
    pub fn from_number(&self, x: f64) -> Option<RawValue> {
        match self {
            Domain::Values(_) => None,
            Domain::Range { integer: true, .. } => Some(RawValue::Int(x.round() as i64)),
            Domain::Range { .. } => Some(RawValue::Float(x)),
        }
    }
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepParam {
    /// Dotted scenario key, e.g. `policy.supervision_quality` or `region[2].lw_posts`.
    pub key: String,
    /// Its values.
    pub domain: Domain,
}

/// The `[sweep]` table of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    /// The design.
    pub design: Design,
    /// Points (lhs), base samples (sobol) or trajectories (morris); unused by grid.
    pub points: u32,
    /// Seed of the design (lhs, morris); the runs use `[run] seed`.
    pub seed: u64,
    /// Grid levels of a Morris design (even).
    pub levels: u32,
    /// Swept parameters, in file order.
    pub parameters: Vec<SweepParam>,
}

impl SweepSpec {
    /// Rows of the design (points of the sweep); saturates at `u64::MAX` instead of
    /// overflowing, so a design too large to run is refused rather than read as empty.
    pub fn design_rows(&self) -> u64 {
        let d = self.parameters.len() as u64;
        match self.design {
            Design::Grid => self
                .parameters
                .iter()
                .map(|p| match &p.domain {
                    Domain::Values(v) => v.len() as u64,
                    Domain::Range { .. } => 1,
                })
                .fold(1u64, u64::saturating_mul),
            Design::Lhs => self.points as u64,
            Design::Sobol => (self.points as u64).saturating_mul(d + 2),
            Design::Morris => (self.points as u64).saturating_mul(d + 1),
        }
    }
}
