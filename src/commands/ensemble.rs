//! `--ensemble FILE` of `run` and `compare`: read a calibration's plausible sets (an
//! untrusted file: every key and value checked, errors located) and build one scenario
//! per set used.

use std::path::Path;

use spsim::ensemble::{self, ParameterSets};
use spsim::report::history;
use spsim::scenario::Scenario;

use super::Failure;

/// Largest ensemble file read (a million sets of a dozen parameters is far below).
const MAX_BYTES: u64 = 256 << 20;

/// Read and check the parameter sets of `path` against scenario `s` (exit 2 on any
/// problem, with file:line:column).
pub fn load_sets(path: &Path, s: &Scenario) -> Result<ParameterSets, Failure> {
    let fail = Failure::input;
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("{}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(fail(format!("{}: not a file (expected a calibration's plausible.csv)", path.display())));
    }
    if meta.len() > MAX_BYTES {
        return Err(fail(format!("{}: larger than {} MiB", path.display(), MAX_BYTES >> 20)));
    }
    let bytes =
        spsim::report::folder::read_back(path, MAX_BYTES).map_err(|e| fail(format!("{}: {e}", path.display())))?;
    let check_key = |k: &str| s.sweepable_spec(k).map(drop);
    let check_value = |k: &str, x: f64| ensemble::scenario_with(s, &[k.to_string()], &[x]).map(drop);
    history::read_parameter_sets(&bytes, &path.display().to_string(), &check_key, &check_value).map_err(fail)
}

/// One scenario per set used (`size` spread evenly over the file, or all).
pub fn scenarios_of(base: &Scenario, sets: &ParameterSets, size: Option<usize>) -> Result<Vec<Scenario>, Failure> {
    ensemble::choose(sets.rows.len(), size)
        .into_iter()
        .map(|i| {
            ensemble::scenario_with(base, &sets.keys, &sets.rows[i]).map_err(|e| {
                Failure::input(format!("parameter set {} (row {} of the ensemble file): {e}", i + 1, i + 2))
            })
        })
        .collect()
}

/// The `ensemble` entry of a manifest.
pub fn about(path: &Path, sets: &ParameterSets, used: usize, replications: u32) -> serde_json::Value {
    serde_json::json!({
        "file": path.display().to_string(),
        "parameters": sets.keys,
        "sets_in_file": sets.rows.len(),
        "sets_used": used,
        "chosen": if used < sets.rows.len() { "evenly spaced over the file's rows" } else { "every row" },
        "replications_per_set": replications,
        "intervals": "median and low/high: 50th, 5th and 95th percentiles of the sets' means (parameter \
                      uncertainty); combined_low/high: 5th and 95th percentiles of the equal-weight mixture of \
                      the sets' normal sampling distributions (parameter and stochastic uncertainty)",
    })
}
