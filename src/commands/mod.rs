//! The subcommands that need more than a few lines, and the helpers they share.

pub mod analyze;
pub mod bench;
pub mod calibrate;
pub mod ensemble;
pub mod report;
pub mod sweep;

use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

/// A rayon pool of `threads` workers (default: all cores), or the exit code after
/// reporting why it could not start.
pub fn worker_pool(threads: Option<u16>) -> Result<(usize, rayon::ThreadPool), ExitCode> {
    let threads = threads.map(usize::from).unwrap_or_else(cores);
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(p) => Ok((threads, p)),
        Err(e) => {
            eprintln!("error: cannot start {threads} worker threads: {e}");
            Err(ExitCode::from(1))
        }
    }
}

/// This machine's cores (the default thread count).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A progress bar on stderr counting `unit`s (hidden with `--quiet`): done, rate, ETA.
pub fn progress_bar(total: u64, quiet: bool, label: &str, unit: &str) -> ProgressBar {
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(total) };
    let template = format!("{{spinner}} {{msg}} [{{bar:40}}] {{pos}}/{{len}} {unit}, {{per_sec}}, ETA {{eta}}");
    bar.set_style(ProgressStyle::with_template(&template).expect("valid template").progress_chars("=> "));
    bar.set_message(label.to_string());
    bar
}
