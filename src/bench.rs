//! Fixed, versioned benchmark workloads (`spsim bench`), for benchmark suites that
//! compare spsim versions and machines.
//!
//! Each workload is built from scenario text compiled into the binary, so it does not
//! depend on files on disk; [`WORKLOAD_VERSION`] changes whenever a workload's
//! definition does, and each workload also reports the SHA-256 of its resolved scenario
//! (which changes when the shipped scenario files it is built from change). A workload
//! runs the engine only: no output files are written.

use std::path::Path;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::run::{run_replication, run_scenario};
use crate::scenario::{self, Scenario};
use crate::sweep::Sweep;

/// Version of the workload definitions below: raised when any workload changes.
pub const WORKLOAD_VERSION: u32 = 1;

const BASELINE: &str = include_str!("../scenarios/baseline.toml");
const ENGLAND: &str = include_str!("../scenarios/england.toml");
const WORKFORCE_LHS: &str = include_str!("../scenarios/sweeps/workforce_lhs.toml");

/// A named workload.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Name on the command line and in the JSON.
    pub name: &'static str,
    /// What it runs, in words.
    pub description: &'static str,
    build: fn() -> Result<Job, String>,
}

/// What a workload runs.
#[derive(Debug, Clone)]
pub enum Job {
    /// Every replication of a scenario (as `spsim run`, without writing files).
    Run(Box<Scenario>),
    /// Every run of a sweep (as `spsim sweep`, without writing files).
    Sweep(Box<Sweep>),
}

/// The workloads, in the order `spsim bench` runs them.
pub const WORKLOADS: [Workload; 4] = [
    Workload {
        name: "pcn-20",
        description: "one PCN (scenarios/baseline.toml), 7 years (5 reported), 20 replications",
        build: || load(&[("baseline.toml", BASELINE)]).map(|s| Job::Run(Box::new(s))),
    },
    Workload {
        name: "pcn-100",
        description: "100 PCNs in England's proportions (32, 24, 12, 32 of its four archetypes), 11 years (10 reported), 1 replication",
        build: || {
            let mut s = load(&[("england.toml", ENGLAND), ("baseline.toml", BASELINE)])?;
            for r in &mut s.regions {
                // England's 400, 300, 150 and 400 PCNs, scaled to 100 in all.
                r.count = (r.count as f64 * 0.08).round() as u32;
            }
            s.run.name = "pcn-100".into();
            Ok(Job::Run(Box::new(s)))
        },
    },
    Workload {
        name: "england",
        description: "England: 1,250 PCNs (scenarios/england.toml), 11 years (10 reported), 1 replication",
        build: || load(&[("england.toml", ENGLAND), ("baseline.toml", BASELINE)]).map(|s| Job::Run(Box::new(s))),
    },
    Workload {
        name: "lhs-2000",
        description: "Latin hypercube sweep of the workforce levers on one PCN (scenarios/sweeps/workforce_lhs.toml): 500 points x 4 replications = 2,000 runs",
        build: || {
            let s = load(&[("workforce_lhs.toml", WORKFORCE_LHS), ("baseline.toml", BASELINE)])?;
            let spec = s.sweep.clone().ok_or("the workload scenario has no [sweep] table")?;
            Ok(Job::Sweep(Box::new(Sweep::native(s, spec))))
        },
    },
];

fn load(chain: &[(&str, &str)]) -> Result<Scenario, String> {
    let chain: Vec<(&Path, &str)> = chain.iter().map(|(n, t)| (Path::new(*n), *t)).collect();
    scenario::from_texts(&chain).map_err(|e| e.to_string())
}

impl Workload {
    /// The workload called `name`.
    pub fn named(name: &str) -> Option<Workload> {
        WORKLOADS.iter().find(|w| w.name == name).copied()
    }

    /// Build what it runs (parsing and validating its scenario).
    pub fn job(&self) -> Result<Job, String> {
        (self.build)()
    }
}

/// What one execution of a job simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Work {
    /// Runs (replications, or sweep runs).
    pub runs: u64,
    /// Patient-weeks: patients on the pathway summed over weeks.
    pub patient_weeks: u64,
    /// Agent updates: patients, link worker posts and VCSE organisations stepped, summed
    /// over weeks.
    pub agent_weeks: u64,
}

impl Job {
    /// SHA-256 of what the job runs: the resolved scenario (and, for a sweep, its points).
    pub fn identity(&self) -> String {
        match self {
            Job::Run(s) => {
                let h = Sha256::digest(s.resolved_toml().as_bytes());
                h.iter().map(|b| format!("{b:02x}")).collect()
            }
            Job::Sweep(sw) => sw.identity(),
        }
    }

    /// Runs in the job.
    pub fn runs(&self) -> u64 {
        match self {
            Job::Run(s) => s.run.replications as u64,
            Job::Sweep(sw) => sw.runs(),
        }
    }

    /// Execute the job on the current rayon pool.
    pub fn execute(&self) -> Result<Work, String> {
        match self {
            Job::Run(s) => {
                let r = run_scenario(s, &|_| {});
                Ok(Work {
                    runs: r.replications.len() as u64,
                    patient_weeks: r.replications.iter().map(|x| x.patient_weeks).sum(),
                    agent_weeks: r.replications.iter().map(|x| x.agent_weeks).sum(),
                })
            }
            Job::Sweep(sw) => {
                let reps = sw.replications() as u64;
                (0..sw.runs())
                    .into_par_iter()
                    .map(|k| {
                        let s = sw.scenario_at((k / reps) as usize)?;
                        let r = run_replication(&s, (k % reps) as u32, &|_| {});
                        Ok(Work { runs: 1, patient_weeks: r.patient_weeks, agent_weeks: r.agent_weeks })
                    })
                    .try_reduce(Work::default, |a, b| {
                        Ok(Work {
                            runs: a.runs + b.runs,
                            patient_weeks: a.patient_weeks + b.patient_weeks,
                            agent_weeks: a.agent_weeks + b.agent_weeks,
                        })
                    })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workload_builds_and_has_a_distinct_identity() {
        let mut ids = Vec::new();
        for w in WORKLOADS {
            let job = w.job().unwrap_or_else(|e| panic!("{}: {e}", w.name));
            assert!(job.runs() > 0);
            ids.push(job.identity());
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len());
        // The workloads are what their descriptions say.
        let regions = |name: &str| match Workload::named(name).unwrap().job().unwrap() {
            Job::Run(s) => (s.region_count(), s.run.replications),
            Job::Sweep(_) => panic!("{name} is a run"),
        };
        assert_eq!(regions("pcn-20"), (1, 20));
        assert_eq!(regions("pcn-100"), (100, 1));
        assert_eq!(regions("england"), (1250, 1));
        assert_eq!(Workload::named("lhs-2000").unwrap().job().unwrap().runs(), 2000);
    }

    #[test]
    fn a_workload_from_text_equals_the_shipped_file() {
        let from_file =
            scenario::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/england.toml"))).unwrap();
        let Job::Run(s) = Workload::named("england").unwrap().job().unwrap() else { panic!() };
        assert_eq!(s.resolved_toml(), from_file.resolved_toml());
    }
}
