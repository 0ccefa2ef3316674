//! Work and memory a scenario will need, estimated from its parameters before anything
//! runs, so that `validate`, `run`, `compare` and `sweep` can refuse a scenario that
//! would exhaust the machine instead of aborting hours in.
//!
//! The estimate adds, per simulated world (one replication of every region), the
//! regions' fixed state, their link workers and VCSE organisations at the end of the run
//! (posts and organisations only grow), and the patient pool, whose peak size scales with
//! the weekly flow of new non-medical episodes (population × consultations ×
//! non-medical share × new-episode share) times [`POOL_WEEKS`]; then the worlds held at
//! once (one per busy thread), plus what the replications keep (weekly rows, ledgers)
//! and the output text. Checked against measured peaks of the shipped scenarios (see
//! the tests): it errs on the high side, within a factor of about two.

use std::mem::size_of;

use crate::metrics::ledger::{BANDS, LEVELS, Mechanism};
use crate::metrics::{CONTACT_BINS, WAIT_BINS, WeekCounts};
use crate::params::RegionSpec;
use crate::scenario::Scenario;
use crate::world::{GpPractice, LinkWorker, PLACEMENT_RING, Patient, Region, VcseOrg};

/// Peak patients on the pathway (waiting, in work, held, queued, in follow-up) per new
/// non-medical episode per week: the measured mean of the shipped scenarios (about 8
/// weeks) doubled for the peak.
pub const POOL_WEEKS: f64 = 16.0;
/// Spare capacity of growing vectors (they double when full).
const GROWTH_SLACK: f64 = 1.5;
/// Memory of the process itself (code, thread stacks, allocator), in bytes.
const BASE_BYTES: u64 = 16 << 20;

/// Work and memory of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Peak memory, in bytes.
    pub bytes: u64,
    /// Patient-weeks simulated (patients on the pathway summed over weeks and replications).
    pub patient_weeks: f64,
}

impl Estimate {
    /// A line for users: memory and work.
    pub fn describe(&self) -> String {
        format!("about {} of memory and {:.2e} patient-weeks", human_bytes(self.bytes), self.patient_weeks)
    }
}

/// Bytes as MiB or GiB, for messages.
pub fn human_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= (1u64 << 30) as f64 {
        format!("{:.1} GiB", b / (1u64 << 30) as f64)
    } else {
        format!("{:.0} MiB", b / (1u64 << 20) as f64)
    }
}

/// Mean patients on the pathway in one region, per the module's rule.
fn pool(s: &Scenario, r: &RegionSpec) -> f64 {
    let b = &s.behaviour;
    r.population as f64 * b.gp_consults_per_person_week * b.nonmedical_share * b.new_episode_share * POOL_WEEKS
}

/// Bytes of one simulated world at its largest over the run: the largest of
/// [`state_bytes`] over the scenario as it starts and after each scheduled change (a
/// change that raises post growth or population grows the world; each state is sized as
/// if it held for the whole run, so the estimate errs high).
fn world_bytes(s: &Scenario) -> f64 {
    let mut state = s.clone();
    state.changes.clear();
    let mut worst = state_bytes(&state);
    for c in s.changes_in_order() {
        for (k, v) in &c.sets {
            // Values were checked when the scenario was loaded.
            let _ = state.set_dotted(k, v);
        }
        worst = worst.max(state_bytes(&state));
    }
    worst
}

/// Bytes of one simulated world (every region of one replication) at its largest, with
/// the parameters of `s` held all run long.
fn state_bytes(s: &Scenario) -> f64 {
    let years = s.total_weeks() as f64 / 52.0;
    let f = &s.funding;
    let fixed = (size_of::<Region>()
        + (WAIT_BINS + CONTACT_BINS) * 4
        + LEVELS.len() * Mechanism::ALL.len() * BANDS.len() * 8
        + size_of::<GpPractice>()) as f64;
    s.regions
        .iter()
        .map(|r| {
            let orgs = r.vcse_orgs as f64
                + (f.vcse_new_orgs_per_year + f.vcse_new_org_share_per_year * r.vcse_orgs as f64) * years;
            let posts = (r.lw_posts as f64 * (1.0 + f.lw_post_growth_per_year * years)).min(u16::MAX as f64);
            let org_bytes = orgs * (size_of::<VcseOrg>() + PLACEMENT_RING * 2) as f64;
            let lw_bytes = posts * (size_of::<LinkWorker>() as f64 + orgs * 6.0);
            let patients = pool(s, r) * size_of::<Patient>() as f64;
            r.count as f64 * (fixed + GROWTH_SLACK * (org_bytes + lw_bytes + patients))
        })
        .sum()
}

/// What one replication keeps after it ends: weekly rows (and their CSV text) and ledgers.
fn kept_bytes(s: &Scenario) -> f64 {
    let rows = s.reported_weeks() as f64 * s.regions.len() as f64;
    let row = size_of::<WeekCounts>() as f64;
    // The rows, their CSV text (about as long) and three ledgers.
    rows * row * 2.0 + (3 * LEVELS.len() * Mechanism::ALL.len() * BANDS.len() * 8) as f64
}

/// Estimate of `spsim run` of `s` with `threads` worker threads.
pub fn estimate_run(s: &Scenario, threads: usize) -> Estimate {
    let reps = s.run.replications as f64;
    let worlds = reps.min(threads.max(1) as f64);
    let bytes = BASE_BYTES as f64 + worlds * world_bytes(s) + reps * kept_bytes(s);
    let people_weeks: f64 = s.regions.iter().map(|r| r.count as f64 * pool(s, r) / 2.0).sum();
    Estimate { bytes: bytes.min(u64::MAX as f64) as u64, patient_weeks: reps * people_weeks * s.total_weeks() as f64 }
}

/// Estimate of one run (one point, one replication) of a sweep, when `threads` such runs
/// are in flight at once: sweep results are streamed to disk, so nothing accumulates.
pub fn estimate_sweep_run(point: &Scenario, threads: usize) -> Estimate {
    let mut one = point.clone();
    one.run.replications = 1;
    let e = estimate_run(&one, 1);
    let per_run = e.bytes.saturating_sub(BASE_BYTES);
    Estimate {
        bytes: BASE_BYTES.saturating_add(per_run.saturating_mul(threads.max(1) as u64)),
        patient_weeks: e.patient_weeks,
    }
}

/// The memory this process may use: the machine's physical memory, or the container's
/// limit (cgroup v2 `memory.max`, or v1 `memory.limit_in_bytes`) when lower. `None` when
/// neither can be read (then no limit is applied unless `--max-memory` is given).
pub fn machine_memory() -> Option<u64> {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .map(|kib| kib * 1024)
    });
    let cgroup = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok()?.trim().parse::<u64>().ok());
    match (total, cgroup) {
        (Some(t), Some(c)) => Some(t.min(c)),
        (t, c) => t.or(c),
    }
}

/// Parse a memory size such as `8G`, `512M`, `2GiB` or `1000000` (bytes).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let x: f64 = num.parse().map_err(|_| format!("--max-memory {text:?}: write a size such as 8G, 512M or 2GiB"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1u64,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => return Err(format!("--max-memory {text:?}: unknown unit {other:?}; use K, M, G or T")),
    };
    let bytes = x * mult as f64;
    if !(bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("--max-memory {text:?}: out of range"));
    }
    Ok(bytes as u64)
}

/// Refuse an estimate above `limit` (the machine's memory unless `--max-memory` says
/// otherwise): the message gives the estimate, the limit and what to change.
pub fn check(e: &Estimate, limit: Option<u64>, what: &str) -> Result<(), String> {
    let Some(limit) = limit else { return Ok(()) };
    if e.bytes <= limit {
        return Ok(());
    }
    Err(format!(
        "{what} needs {}, more than the {} this machine allows; lower replications, count, population, \
         years or --threads, or raise the limit with --max-memory SIZE (e.g. --max-memory 64G) if you know \
         better",
        e.describe(),
        human_bytes(limit)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(extra: &str) -> Scenario {
        let text = format!("[run]\nyears = 1\nreplications = 4\n{extra}\n[[region]]\ncount = 10\npopulation = 50000\n");
        crate::scenario::from_text(std::path::Path::new("t.toml"), &text).unwrap()
    }

    #[test]
    fn the_estimate_grows_with_every_size_key() {
        let base = estimate_run(&scenario(""), 2).bytes;
        assert!(estimate_run(&scenario(""), 4).bytes > base, "more threads hold more worlds");
        assert!(estimate_run(&scenario("").clone(), 1).bytes < base);
        let years = estimate_run(&scenario("").tap(|s| s.run.years = 50.0), 2).bytes;
        assert!(years > base);
        let pop = estimate_run(&scenario("").tap(|s| s.regions[0].population = 5_000_000), 2).bytes;
        assert!(pop > 5 * base, "{pop} vs {base}");
    }

    #[test]
    fn scheduled_changes_that_grow_the_world_raise_the_estimate() {
        let text = |change: &str| {
            format!(
                "[run]\nyears = 10\nreplications = 2\n[[region]]\ncount = 10\npopulation = 50000\nlw_posts = 2\n{change}"
            )
        };
        let load = |t: &str| crate::scenario::from_text(std::path::Path::new("t.toml"), t).unwrap();
        let none = estimate_run(&load(&text("")), 2).bytes;
        let grow = load(&text("[[change]]\nweek = 10\nfunding.lw_post_growth_per_year = 3.0\n"));
        assert!(estimate_run(&grow, 2).bytes > none, "post growth raised mid-run");
        let pop = load(&text("[[change]]\nweek = 10\nregion.population = 2000000\n"));
        let p = estimate_run(&pop, 2).bytes;
        assert!(p > 2 * none, "population raised mid-run: {p} vs {none}");
    }

    #[test]
    fn documented_maxima_are_refused_on_any_machine() {
        let huge = scenario("").tap(|s| {
            s.regions[0].count = 100_000;
            s.regions[0].population = 50_000_000;
            s.run.replications = 100_000;
            s.run.years = 200.0;
        });
        let e = estimate_run(&huge, 16);
        assert!(e.bytes > 1 << 45, "tens of terabytes: {}", e.bytes);
        let err = check(&e, Some(1 << 40), "this run").unwrap_err();
        assert!(err.contains("--max-memory"), "{err}");
        assert!(check(&estimate_run(&scenario(""), 2), Some(1 << 30), "x").is_ok());
    }

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_bytes("8G").unwrap(), 8 << 30);
        assert_eq!(parse_bytes("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_bytes("1.5g").unwrap(), 3 << 29);
        assert_eq!(parse_bytes("4096").unwrap(), 4096);
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("8X").is_err());
        assert!(parse_bytes("0").is_err());
    }

    trait Tap: Sized {
        fn tap(self, f: impl FnOnce(&mut Self)) -> Self;
    }
    impl Tap for Scenario {
        fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
            f(&mut self);
            self
        }
    }
}
