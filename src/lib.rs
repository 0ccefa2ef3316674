//! spsim: a parallel agent-based simulation of social prescribing in primary care.
//!
//! Patients, link workers, GP practices and VCSE organisations live in regions (PCNs)
//! and follow the rules of `docs/ODD.md` week by week. The core types are
//! [`scenario::Scenario`] (a validated scenario file), [`world::Region`] (one PCN's
//! state), [`rules::step::step_region`] (one week of dynamics) and [`run::RunResult`]
//! (replications and their summary).
//!
//! Data flows one way: `scenario` (TOML → validated parameters) → `world` (initial
//! state) → `rules` (weekly dynamics) → `metrics` (observation) → `run` (replications)
//! → `report` (files).
#![deny(missing_docs)]

pub mod analyze;
pub mod bench;
pub mod budget;
pub mod calibrate;
pub mod compare;
pub mod ensemble;
pub mod metrics;
pub mod params;
pub mod report;
pub mod rules;
pub mod run;
pub mod scenario;
pub mod sweep;
pub mod world;
