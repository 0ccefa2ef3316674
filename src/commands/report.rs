//! `spsim report`: rebuild a folder's `report.html`, or combine folders into one page.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use spsim::report::folder;
use spsim::report::html::{self, Folder};

/// Rebuild DIR/report.html (one DIR, no `out`) or write the report of every DIR to `out`.
pub fn report(dirs: &[PathBuf], out: Option<&Path>) -> ExitCode {
    let target = match (out, dirs) {
        (Some(p), _) => p.to_path_buf(),
        (None, [one]) => one.join("report.html"),
        _ => {
            eprintln!("error: {} folders make one report: say where to write it with --out FILE.html", dirs.len());
            return ExitCode::from(2);
        }
    };
    for d in dirs {
        // A replacement a kill left half done is finished before the folder is read.
        if let Err(e) = folder::settle(d) {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    }
    let mut folders = Vec::new();
    for d in dirs {
        match Folder::read(d) {
            Ok(f) => folders.push((d.display().to_string(), f)),
            Err(e) => {
                eprintln!("error: {e}\n(spsim report reads output folders of run, compare, sweep or merge)");
                return ExitCode::from(2);
            }
        }
    }
    let title = match &folders[..] {
        [(_, f)] => html::title_of(f),
        many => format!("spsim report: {}", many.iter().map(|(_, f)| f.name()).collect::<Vec<_>>().join(", ")),
    };
    let page = html::render(&title, &folders);
    // In place: the folder's own lock (no run replaces it meanwhile); else the file's.
    let lock_on = if out.is_none() { dirs[0].clone() } else { target.clone() };
    let written = folder::lock_output(&lock_on).and_then(|_lock| {
        folder::clean_stale(&target);
        folder::check_file(&target)?;
        folder::write_file_atomically(&target, page.as_bytes())
    });
    match written {
        Ok(()) => {
            println!("report written to {} ({} KB)", target.display(), page.len().div_ceil(1024));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
