//! Command-line arguments (definitions only; `main` acts on them).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// spsim — agent-based simulation of social prescribing in primary care.
///
/// Patients, link workers, GP practices and VCSE organisations follow the rules of the
/// model week by week in each PCN. Write a scenario file (TOML), run it, and read
/// summary.csv, weekly.csv and manifest.json in the output folder.
#[derive(Debug, Parser)]
#[command(name = "spsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and write summary.csv, weekly.csv, mechanisms.csv, manifest.json and
    /// report.html.
    ///
    /// summary.csv: each summary metric's mean, 95% CI, sd and n over replications
    /// (docs/metrics.md). weekly.csv: one row per replication, reported week and region
    /// archetype. mechanisms.csv: how often each rule's mechanism fired, by context.
    /// manifest.json: what wrote the folder, engine version, scenario hash and the fully
    /// resolved scenario (re-runs to identical files). report.html: the plots and tables an
    /// analyst reads first, in one file that opens in any browser (see `spsim report`). The folder must be new, empty or
    /// an earlier run's; anything else is refused and left untouched.
    /// Example: spsim run scenarios/baseline.toml --replications 20
    Run {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Output folder [default: results/<scenario name>/]. Replaced atomically, and only
        /// if new, empty or written by an earlier `spsim run`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replications (overrides [run] replications).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100000))]
        replications: Option<u32>,
        /// Master seed (overrides [run] seed): 0 to 9223372036854775807 (2^63 − 1), as in files.
        #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
        seed: Option<u64>,
        /// Also run the scenario at every parameter set of this file (a calibration's
        /// plausible.csv) with the same seeds and replications, and write ensemble.csv:
        /// each metric's median and 90% range across the sets, and an interval combining
        /// parameter and stochastic uncertainty.
        #[arg(long, value_name = "PLAUSIBLE_CSV")]
        ensemble: Option<PathBuf>,
        /// Use N sets spread evenly over the ensemble file instead of all of them.
        #[arg(long, value_name = "N", requires = "ensemble", value_parser = clap::value_parser!(u32).range(1..=1000000))]
        ensemble_size: Option<u32>,
        /// Threads, progress and the memory limit.
        #[command(flatten)]
        exec: Exec,
    },
    /// Compare scenarios with a baseline: paired differences under common random numbers.
    ///
    /// Every scenario runs with the baseline's seed and replications, so replication r of
    /// each sees the same patients. Writes compare.csv (per alternative and metric: means,
    /// mean paired difference, 95% CI, sd, n), mechanisms.csv (the same for each
    /// mechanism's rate), series.csv (every scenario's weekly series with 95% bands),
    /// manifest.json and report.html (forest plots, series overlaid, the mechanisms that
    /// changed most), and prints the main
    /// differences: those whose 95% interval excludes 0 (marked *), grouped into access,
    /// retention, outcomes and the VCSE sector, largest standardised difference first;
    /// --all prints every metric.
    /// Example: spsim compare scenarios/baseline.toml scenarios/supervision_good.toml --out runs/cmp
    Compare {
        /// Baseline scenario, then one or more alternatives.
        #[arg(required = true, num_args = 2..)]
        files: Vec<PathBuf>,
        /// Output folder: compare.csv, mechanisms.csv, series.csv, manifest.json and
        /// report.html (replaced atomically, and only if new, empty or written by an earlier
        /// `spsim compare`).
        #[arg(long)]
        out: PathBuf,
        /// Replications (overrides the baseline's [run] replications).
        #[arg(long, value_parser = clap::value_parser!(u32).range(2..=100000))]
        replications: Option<u32>,
        /// Print every metric, not only the differences whose interval excludes 0.
        #[arg(long)]
        all: bool,
        /// Also compare at every parameter set of this file (a calibration's
        /// plausible.csv) with the same seeds and replications, and write ensemble.csv:
        /// each paired difference's median and 90% range across the sets and the share of
        /// sets with the same sign (an answer that flips sign is said so).
        #[arg(long, value_name = "PLAUSIBLE_CSV")]
        ensemble: Option<PathBuf>,
        /// Use N sets spread evenly over the ensemble file instead of all of them.
        #[arg(long, value_name = "N", requires = "ensemble", value_parser = clap::value_parser!(u32).range(1..=1000000))]
        ensemble_size: Option<u32>,
        /// Threads, progress and the memory limit.
        #[command(flatten)]
        exec: Exec,
    },
    /// Run a parameter sweep ([sweep] table) and write runs.csv, points.csv, manifest.json.
    ///
    /// Runs are streamed to disk as they finish, in run order, so memory stays flat and a
    /// stopped sweep (even by SIGKILL) resumes where it stopped when the same command is
    /// run again; the final files are byte-identical to those of an uninterrupted sweep.
    /// With a shard (--shard I/N with I from 1 to N; or SLURM_ARRAY_TASK_ID,
    /// SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT; or the 0-based JOB_COMPLETION_INDEX
    /// with --shards N) only that shard's runs are made; join the shards with `spsim merge`.
    /// A second process on the same shard is refused (a lock names its pid); Ctrl-C stops
    /// cleanly and the same command resumes.
    /// Example: spsim sweep scenarios/sweeps/workforce_lhs.toml --out runs/lhs
    Sweep {
        /// Scenario file with a [sweep] table.
        file: PathBuf,
        /// Output folder (created; the same folder resumes a stopped sweep).
        #[arg(long)]
        out: PathBuf,
        /// Replications per point (overrides [run] replications).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100000))]
        replications: Option<u32>,
        /// Run the rows of this design file instead of the [sweep] design (e.g. a SALib
        /// sample matrix: one row per point, one column per [sweep.parameters] key, in order).
        #[arg(long)]
        design: Option<PathBuf>,
        /// Run only shard I of N, numbered from 1 to N, e.g. --shard 2/4.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Shard count N when the shard index comes from JOB_COMPLETION_INDEX (Kubernetes).
        #[arg(long, value_name = "N")]
        shards: Option<u64>,
        /// Run the sweep at one parameter set of this file (a calibration's plausible.csv)
        /// instead of the scenario's values of those keys (with --ensemble-set): to check
        /// that a sensitivity ranking holds across the plausible set. The manifest's
        /// resolved scenario holds the set's values.
        #[arg(long, requires = "ensemble_set")]
        ensemble: Option<PathBuf>,
        /// Which set of --ensemble: K from 1 to the number of sets (row K + 1 of the file).
        #[arg(long, value_name = "K", requires = "ensemble", value_parser = clap::value_parser!(u64).range(1..))]
        ensemble_set: Option<u64>,
        /// Threads, progress and the memory limit.
        #[command(flatten)]
        exec: Exec,
    },
    /// Join the finished shards of a sweep into runs.csv, points.csv and manifest.json.
    ///
    /// The result is byte-identical to an unsharded sweep. Example:
    /// spsim merge runs/lhs --out runs/lhs
    Merge {
        /// The --out folder the shards wrote into.
        dir: PathBuf,
        /// Output folder (replaced atomically; may be DIR itself).
        #[arg(long)]
        out: PathBuf,
    },
    /// Rebuild a folder's report.html, or combine several folders into one report.
    ///
    /// The report is one self-contained HTML file (inline SVG plots, no script, nothing
    /// fetched; open it in any browser, or print it): for a run, the headline metrics with
    /// their calibration targets, the funnel, the journeys, time series with 95% bands and
    /// scheduled changes marked, and the mechanism ledger by context; for a comparison, a
    /// forest plot of paired differences, the scenarios' time series overlaid and the
    /// mechanisms that changed most; for a sweep, sensitivity indices and each metric
    /// against each parameter. run, compare, sweep and analyze write it themselves.
    /// With one DIR and no --out, DIR/report.html is rebuilt in place.
    /// Example: spsim report results/baseline results/supervision_good --out both.html
    Report {
        /// Output folders of run, compare, sweep or merge.
        #[arg(required = true, num_args = 1..)]
        dirs: Vec<PathBuf>,
        /// The HTML file to write (new, or a report spsim wrote); required with several DIRs.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Sensitivity indices of a finished sweep: Sobol' (sobol design) or Morris (morris design).
    ///
    /// Reads every run (runs.csv) and keeps replication noise apart from the parameters'
    /// effects: the indices are computed on each point's mean over replications and,
    /// with 2 or more replications, corrected for the noise those means still carry.
    /// Writes sobol.csv (metric, parameter, S1, S1_conf, ST, ST_conf) or morris.csv
    /// (metric, parameter, mu, mu_star, sigma, mu_star_conf, mu_star_noise: the mu* of a
    /// parameter with no effect) into DIR, each row also with: clear (the parameter
    /// clearly matters), status (signal, noise: no index can be told from 0 because of
    /// replication noise, unresolved: too few points, constant, unmeasured: one
    /// replication, or incomplete: replications left out), noise_share (of one run's variance over the design), noise_share_means
    /// (of the point means' variance), replications, replications_needed (per point at
    /// this design size for intervals of ±0.1; Morris: ±0.1 × the largest mu*) and
    /// design_size_needed (base samples or trajectories at 2 replications). Prints the
    /// indices, the noise of every metric, and the noise-dominated metrics apart; *_conf
    /// is the half-width of the bootstrap interval. Example: spsim analyze sobol runs/sobol
    /// --metric lw_turnover_annual
    Analyze {
        /// Method.
        #[arg(value_enum)]
        method: Method,
        /// A finished sweep folder.
        dir: PathBuf,
        /// Metrics to analyse (repeatable) [default: every metric].
        #[arg(long)]
        metric: Vec<String>,
        /// Bootstrap resamples for the confidence intervals.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(2..=1000000))]
        resamples: u32,
        /// Confidence level of the intervals.
        #[arg(long, default_value_t = 0.95)]
        confidence: f64,
        /// Seed of the bootstrap: 0 to 2^63 − 1.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
        seed: u64,
        /// Morris grid levels [default: the sweep's levels, or 4 for a design file].
        #[arg(long)]
        levels: Option<u32>,
        /// Write the CSV only; print nothing.
        #[arg(long)]
        quiet: bool,
    },
    /// Check a scenario file without running it; print every problem with file:line:column.
    ///
    /// Also prints the estimated memory and work of `spsim run` on this machine's cores and
    /// refuses (exit 2) a scenario whose estimate exceeds the machine's memory.
    Validate {
        /// Scenario files (TOML): each is checked; the exit code is the first failing one's.
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        /// Threads to estimate memory for [default: all cores].
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
        threads: Option<u16>,
        /// Refuse to start when the estimated memory exceeds SIZE (e.g. 64G) instead of the
        /// machine's memory (or its container limit).
        #[arg(long, value_name = "SIZE")]
        max_memory: Option<String>,
    },
    /// Time the engine on fixed, versioned workloads, for benchmark suites.
    ///
    /// Workloads: pcn-20 (one PCN, 20 replications), pcn-100 (100 PCNs), england (1,250
    /// PCNs) and lhs-2000 (a 2,000-run Latin hypercube sweep of one PCN). Each is built from
    /// scenarios compiled into the binary and writes no files. For each: wall and CPU
    /// seconds, patient-weeks and agent updates (patients, link worker posts and VCSE
    /// organisations stepped per week) per second, peak memory, with the median and range
    /// over --repeat executions. Results do not depend on the thread count; the timings do.
    /// Example: spsim bench england --threads 1 --repeat 5 --json runs/bench.json
    Bench {
        /// Workloads to run, in this order [default: all of them].
        workloads: Vec<String>,
        /// Worker threads [default: all cores].
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
        threads: Option<u16>,
        /// Executions of each workload; the median and range are reported.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
        repeat: u32,
        /// Also write the results as JSON to FILE (replaced atomically, and only if new or
        /// written by an earlier `spsim bench`).
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// List the workloads and exit.
        #[arg(long)]
        list: bool,
    },
    /// Print the scenario reference (every key, default, unit, range and meaning) as Markdown.
    Reference,
    /// Print the summary metric reference (name, unit, rules, meaning) as Markdown.
    Metrics,
    /// History-match a scenario's [calibration] table, or check the defaults.
    ///
    /// With FILE: waves of parameter sets (a Latin hypercube, then sets the emulators keep)
    /// run with common random numbers on every target's scenario; a set is ruled out when
    /// its implausibility exceeds the cut-off; writes waves.csv (every set), plausible.csv
    /// (the sets not ruled out, for `run --ensemble` and `compare --ensemble`),
    /// manifest.json and report.html. Each finished wave is kept in DIR/waves/, so a killed
    /// calibration resumes with the same command.
    /// Example: spsim calibrate scenarios/calibration/national.toml --out results/calibration
    ///
    /// Without FILE: runs scenarios/baseline.toml, supervision_none.toml and
    /// supervision_good.toml (from the current folder) with the defaults and prints the
    /// table of published figures; exits with 1 if a target is missed.
    Calibrate {
        /// A scenario with a [calibration] table: history-match it and write waves.csv,
        /// plausible.csv, manifest.json and report.html into --out DIR. Without a file:
        /// check the default coefficients against the published figures (the shipped
        /// scenarios) and print the table.
        file: Option<PathBuf>,
        /// With a file: the output folder (created; the same folder resumes a killed
        /// calibration to identical files). Without: also write the table to this Markdown
        /// file (e.g. results/calibration.md).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replications per point (with a file; overrides [run] replications) or per
        /// scenario (without; default 40).
        #[arg(long, value_parser = clap::value_parser!(u32).range(2..=100000))]
        replications: Option<u32>,
        /// Threads, progress and the memory limit.
        #[command(flatten)]
        exec: Exec,
        /// Run only shard I of N of the next wave, e.g. --shard 2/4 (or from
        /// SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX as for sweeps); join a wave's shards
        /// with --merge, then run the shards of the next wave.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Shard count N when the shard index comes from JOB_COMPLETION_INDEX (Kubernetes).
        #[arg(long, value_name = "N")]
        shards: Option<u64>,
        /// Join the next wave's finished shards into it; when the calibration is over,
        /// write its files. Runs no simulation.
        #[arg(long)]
        merge: bool,
    },
}

/// Sensitivity-analysis methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// First-order and total Sobol' indices (needs a sobol design).
    Sobol,
    /// Morris elementary effects: mu, mu*, sigma (needs a morris design).
    Morris,
}

/// How a long command runs: worker threads, progress output and the memory limit
/// (shared by run, compare, sweep and calibrate).
#[derive(Debug, Clone, Args)]
pub struct Exec {
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// No progress bar and no summary table.
    #[arg(long)]
    pub quiet: bool,
    /// Refuse to start when the estimated memory exceeds SIZE (e.g. 64G) instead of the
    /// machine's memory (or its container limit).
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
}
