//! Command-line arguments (definitions only; `main` acts on them).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

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
    /// Run a scenario and write summary.csv, weekly.csv and manifest.json.
    ///
    /// Example: spsim run scenarios/baseline.toml --replications 20
    Run {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Output folder [default: results/<scenario name>/]. Replaced atomically.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replications (overrides [run] replications).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100000))]
        replications: Option<u32>,
        /// Master seed (overrides [run] seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads [default: all cores]. Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
        threads: Option<u16>,
        /// No progress bar and no summary table.
        #[arg(long)]
        quiet: bool,
    },
    /// Compare scenarios with a baseline: paired differences under common random numbers.
    ///
    /// Every scenario runs with the baseline's seed and replications, so replication r of
    /// each sees the same patients. Writes compare.csv (per alternative and metric: means,
    /// mean paired difference, 95% CI, sd, n) and prints the main differences.
    /// Example: spsim compare scenarios/baseline.toml scenarios/supervision_good.toml --out runs/cmp
    Compare {
        /// Baseline scenario, then one or more alternatives.
        #[arg(required = true, num_args = 2..)]
        files: Vec<PathBuf>,
        /// Output folder (replaced atomically).
        #[arg(long)]
        out: PathBuf,
        /// Replications (overrides the baseline's [run] replications).
        #[arg(long, value_parser = clap::value_parser!(u32).range(2..=100000))]
        replications: Option<u32>,
        /// Worker threads [default: all cores].
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
        threads: Option<u16>,
        /// No progress bar and no table.
        #[arg(long)]
        quiet: bool,
    },
    /// Check a scenario file without running it; print every problem with file:line:column.
    Validate {
        /// Scenario file (TOML).
        file: PathBuf,
    },
    /// Print the scenario reference (every key, default, unit, range and meaning) as Markdown.
    Reference,
    /// Check the default coefficients against the public calibration targets (MODEL.md §8).
    ///
    /// Runs scenarios/baseline.toml, supervision_none.toml and supervision_good.toml (from the
    /// current folder) and prints the table; exits with 1 if a target is missed.
    Calibrate {
        /// Also write the table to this Markdown file (e.g. results/calibration.md).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replications per scenario.
        #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(2..=100000))]
        replications: u32,
    },
}
