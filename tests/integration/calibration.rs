//! The default coefficients land inside every calibration range (docs/ODD.md §1)
//! (the same table as `results/calibration.md`).

use spsim::report::calibration::{self, On};

use crate::{load, repo, run_with_threads};

#[test]
fn baseline_lands_inside_every_calibration_range() {
    let checked = calibration::check(|on: On| {
        let mut s = load(&repo(on.file()));
        s.run.replications = 40;
        run_with_threads(&s, 2).summary
    });
    let failures: Vec<String> = checked
        .iter()
        .filter(|c| !c.passes())
        .map(|c| {
            format!(
                "{} on {}: {:?} not in {:?}",
                c.target.metric,
                c.target.on.file(),
                c.stats.as_ref().map(|s| s.mean),
                c.target.range
            )
        })
        .collect();
    assert!(failures.is_empty(), "calibration targets missed:\n{}", failures.join("\n"));
    assert_eq!(checked.len(), calibration::TARGETS.len());
}
