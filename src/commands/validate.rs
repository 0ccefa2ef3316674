//! `spsim validate`: check a scenario and estimate what running it needs.

use std::path::Path;

use spsim::budget;

use super::*;

pub fn validate(file: &Path, threads: Option<u16>, max_memory: Option<&str>) -> Result<(), Failure> {
    let s = load_scenario(file, false)?;
    println!(
        "{}: ok — scenario \"{}\", {} region archetype(s), {} PCN(s), {} week(s) of which {} warm-up",
        file.display(),
        s.run.name,
        s.regions.len(),
        s.region_count(),
        s.total_weeks(),
        s.run.warmup_weeks
    );
    let limit = memory_limit(max_memory)?;
    let threads = threads.map(usize::from).unwrap_or_else(crate::commands::cores);
    let run = budget::estimate_run(&s, threads);
    println!("run: {} on {threads} thread(s){}", run.describe(), limit_note(limit));
    fits(&run, limit, "`spsim run` of this scenario")?;
    if let Some(c) = &s.calibration {
        let scenarios = 1 + {
            let mut seen: Vec<&std::path::PathBuf> = Vec::new();
            for t in &c.targets {
                if let Some(p) = &t.scenario
                    && !seen.contains(&p)
                {
                    seen.push(p);
                }
            }
            seen.len()
        };
        println!(
            "calibration: {} parameter(s), {} target(s) ({} held out), up to {} wave(s) of {} point(s) × {} \
             replication(s) on {scenarios} scenario(s) = {} simulations a wave",
            c.parameters.len(),
            c.targets.len(),
            c.targets.len() - c.fit_targets().len(),
            c.waves,
            c.points,
            s.run.replications,
            c.points as u64 * s.run.replications as u64 * scenarios as u64
        );
    }
    if let Some(sw) = &s.sweep {
        println!(
            "sweep: {} design, {} parameter(s), {} point(s) × {} replication(s) = {} runs",
            sw.design.as_str(),
            sw.parameters.len(),
            sw.design_rows(),
            s.run.replications,
            sw.design_rows().saturating_mul(s.run.replications as u64)
        );
        let sweep = spsim::sweep::Sweep::native(s.clone(), sw.clone());
        let e = crate::commands::sweep::estimate(&sweep, threads);
        println!("sweep: {} on {threads} thread(s){}", e.describe(), limit_note(limit));
        fits(&e, limit, "`spsim sweep` of this scenario")?;
    }
    Ok(())
}
