//! Output folders are spsim's only: the one place that decides whether a path may be
//! written, and the only code that replaces a folder.
//!
//! Every folder a command writes carries a marker in its `manifest.json`
//! (`"spsim_output": "<command>"`) and the list of files it wrote (`"files"`). A command
//! of kind K may replace an existing folder only when it is empty or carries K's marker
//! and holds nothing but the files listed (plus the kind's known extras). Anything else
//! — a non-empty folder of the user's, a file, a symbolic link, a device or fifo, the
//! current folder or one of its parents, a folder holding the command's own inputs — is
//! refused with [`OutputError::Refused`] before anything is written, and left untouched.
//!
//! Writers hold a lock (an advisory lock on `.<name>.spsim-lock` beside the folder, whose
//! text is the holder's pid) so two commands never write one folder at once. Temporary
//! folders (`.<name>.spsim-tmp-<pid>`, marked inside by [`TMP_MARKER`]) and folders set
//! aside during a replacement (`.<name>.spsim-old-<pid>`) that a killed process left
//! behind are removed (or restored) by the next command on that folder. The replacement
//! itself runs inside a critical section that an interrupt waits for, so Ctrl-C never
//! leaves a folder half-replaced ([`interrupt`]).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The key in `manifest.json` naming the command that wrote the folder.
pub const MARKER: &str = "spsim_output";
/// A file put first into every temporary folder, so a stale one is known to be ours.
pub const TMP_MARKER: &str = ".spsim-tmp";

/// Which command writes a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `spsim run`.
    Run,
    /// `spsim compare`.
    Compare,
    /// `spsim sweep` and `spsim merge` (and the files `spsim analyze` adds).
    Sweep,
    /// `spsim calibrate FILE --out DIR` (history matching).
    Calibration,
}

impl Kind {
    /// The marker's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Compare => "compare",
            Kind::Sweep => "sweep",
            Kind::Calibration => "calibration",
        }
    }

    /// Entries a folder of this kind may hold besides the files its manifest lists.
    fn extras(self) -> &'static [&'static str] {
        match self {
            // report.html: rebuilt by `spsim report` and `spsim analyze` in folders of any
            // version, including those written before reports were.
            Kind::Sweep => &["shards", "sobol.csv", "morris.csv", "report.html"],
            // ensemble.csv: present when the run or comparison was made across a plausible set.
            Kind::Run | Kind::Compare => &["report.html", "ensemble.csv"],
            // waves/: the finished waves a killed calibration resumes from.
            // waves.csv and plausible.csv: written just before manifest.json, so a kill
            // between them leaves them beside the waves.
            Kind::Calibration => &["waves", "waves.csv", "plausible.csv", "report.html"],
        }
    }
}

/// Why an output could not be written.
#[derive(Debug)]
pub enum OutputError {
    /// The target is not spsim's to replace, or is busy: the user must choose (exit 2).
    Refused(String),
    /// The file system failed (exit 1).
    Io(String),
}

impl OutputError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            OutputError::Refused(_) => 2,
            OutputError::Io(_) => 1,
        }
    }
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::Refused(m) | OutputError::Io(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for OutputError {}

fn io_error(what: &str, path: &Path) -> impl Fn(io::Error) -> OutputError {
    let m = format!("cannot {what} {}", path.display());
    move |e| OutputError::Io(format!("{m}: {e}"))
}

fn refuse(out: &Path, why: impl std::fmt::Display) -> OutputError {
    OutputError::Refused(format!(
        "{}: {why}; spsim writes only new or empty folders and folders it wrote itself, so it leaves this \
         one untouched: choose another --out",
        out.display()
    ))
}

/// The folder that holds `path` ("." for a bare name).
pub fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &Path) -> Result<String, OutputError> {
    match path.file_name() {
        Some(n) => Ok(n.to_string_lossy().into_owned()),
        None => Err(refuse(path, "names no folder (it ends in `..` or is a root)")),
    }
}

/// Read `dir/manifest.json` as JSON, if it is there and readable.
fn manifest(dir: &Path) -> Option<serde_json::Value> {
    let text = read_back(&dir.join("manifest.json"), 64 << 20).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Read a file spsim wrote and now reads back as untrusted input: a regular file only
/// (never a fifo, device or socket, which could hang or never end, also through a link),
/// at most `cap` bytes (a larger file is an error, not cut short).
pub fn read_back(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file (a fifo, device, socket or folder)"));
    }
    if meta.len() > cap {
        return Err(io::Error::other(format!("larger than {} bytes, more than spsim reads back", cap)));
    }
    let mut bytes = Vec::new();
    File::open(path)?.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(io::Error::other(format!("larger than {} bytes, more than spsim reads back", cap)));
    }
    Ok(bytes)
}

/// The first `n` bytes of a regular file (a marker line), refusing anything else.
fn read_head(path: &Path, n: u64) -> io::Result<Vec<u8>> {
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let mut bytes = Vec::new();
    File::open(path)?.take(n).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Whether `dir/manifest.json` (or, for a sweep in progress, `dir/shards/sweep.json`)
/// carries the marker of `kind`; returns the files it lists.
fn marked_files(dir: &Path, kind: Kind) -> Option<Vec<String>> {
    let listed = |m: &serde_json::Value| -> Vec<String> {
        m["files"].as_array().map_or_else(Vec::new, |a| a.iter().filter_map(|f| f.as_str().map(String::from)).collect())
    };
    if let Some(m) = manifest(dir) {
        return (m[MARKER] == kind.as_str()).then(|| listed(&m));
    }
    let progress = match kind {
        Kind::Sweep => dir.join("shards").join("sweep.json"),
        Kind::Calibration => dir.join("waves").join("calibration.json"),
        _ => return None,
    };
    let text = read_back(&progress, 64 << 20).ok()?;
    let m: serde_json::Value = serde_json::from_slice(&text).ok()?;
    (m[MARKER] == kind.as_str()).then(Vec::new)
}

/// Whether a name inside a calibration's `waves/` folder is one spsim writes there.
fn is_wave_entry(name: &str) -> bool {
    name == "calibration.json"
        || (name.starts_with("wave-") && name.ends_with(".csv"))
        || (name.starts_with(".wave-") && name.contains(".csv.spsim-tmp-"))
        || name.starts_with(".calibration.json.spsim-tmp-")
        || (name.starts_with("shard-") && name.ends_with(".lock"))
}

/// Whether a name inside a sweep's `shards/` folder is one spsim writes there.
fn is_shard_entry(name: &str) -> bool {
    name == "sweep.json"
        || (name.starts_with("runs-") && (name.ends_with(".csv") || name.ends_with(".csv.partial")))
        || (name.starts_with("runs-") && name.ends_with(".lock"))
        || (name.starts_with(".sweep.json.spsim-tmp-"))
}

/// Canonical form of `p` (for comparing folders), or `None` when it does not exist.
fn canonical(p: &Path) -> Option<PathBuf> {
    fs::canonicalize(p).ok()
}

/// Refuse `out` when it is the current folder, one of its parents, or a folder that
/// holds one of `inputs` (the command's scenario, design or source files).
fn check_not_protected(out: &Path, inputs: &[&Path]) -> Result<(), OutputError> {
    let Some(target) = canonical(out) else { return Ok(()) };
    if let Some(cwd) = std::env::current_dir().ok().and_then(|d| canonical(&d))
        && cwd.starts_with(&target)
    {
        return Err(refuse(out, "is the current folder or one of its parents"));
    }
    for input in inputs {
        if let Some(c) = canonical(input)
            && c.starts_with(&target)
            && c != target
        {
            return Err(refuse(out, format_args!("holds this command's input {}", input.display())));
        }
    }
    Ok(())
}

/// Check that a command of `kind` may write the folder `out` (creating or replacing
/// it). Nothing is written. `inputs` are the files the command reads; a folder that
/// holds one of them is refused.
pub fn check_folder(out: &Path, kind: Kind, inputs: &[&Path]) -> Result<(), OutputError> {
    let meta = match fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return file_name(out).map(drop),
        Err(e) => return Err(io_error("inspect", out)(e)),
    };
    let ft = meta.file_type();
    if ft.is_symlink() {
        return Err(refuse(out, "is a symbolic link"));
    }
    if ft.is_dir() {
        check_not_protected(out, inputs)?;
    }
    file_name(out)?;
    if ft.is_file() {
        return Err(refuse(out, "is a file, not a folder"));
    }
    if !ft.is_dir() {
        return Err(refuse(out, "is a device, fifo or socket, not a folder"));
    }
    let mut entries = Vec::new();
    for e in fs::read_dir(out).map_err(io_error("list", out))? {
        entries.push(e.map_err(io_error("list", out))?.file_name().to_string_lossy().into_owned());
    }
    if entries.is_empty() {
        return Ok(());
    }
    let Some(files) = marked_files(out, kind) else {
        return Err(refuse(
            out,
            format_args!(
                "exists and was not written by `spsim {}` (no spsim manifest.json of that kind)",
                kind.as_str()
            ),
        ));
    };
    let mut foreign: Vec<&str> = entries
        .iter()
        .map(String::as_str)
        .filter(|e| {
            let ours = |f: &str| *e == f || pid_suffix(e, &format!(".{f}.spsim-tmp-"));
            !files.iter().any(|f| ours(f)) && !kind.extras().iter().any(|f| ours(f))
        })
        .collect();
    if kind == Kind::Sweep
        && let Ok(list) = fs::read_dir(out.join("shards"))
    {
        for e in list.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !is_shard_entry(&name) {
                return Err(refuse(out, format_args!("shards/ holds {name}, which spsim did not write")));
            }
        }
    }
    if kind == Kind::Calibration
        && let Ok(list) = fs::read_dir(out.join("waves"))
    {
        for e in list.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !is_wave_entry(&name) {
                return Err(refuse(out, format_args!("waves/ holds {name}, which spsim did not write")));
            }
        }
    }
    foreign.sort_unstable();
    if !foreign.is_empty() {
        let shown: Vec<&str> = foreign.iter().take(5).copied().collect();
        return Err(refuse(
            out,
            format_args!(
                "holds {} that spsim did not write ({}{})",
                if foreign.len() == 1 { "an entry" } else { "entries" },
                shown.join(", "),
                if foreign.len() > 5 { ", ..." } else { "" }
            ),
        ));
    }
    Ok(())
}

/// The first line of every Markdown file spsim writes outside a folder of its own.
pub const FILE_MARKER: &str = "<!-- written by spsim";

/// Check that a command may write the single file `path`: it must not exist, or be a
/// regular file whose first line is [`FILE_MARKER`].
pub fn check_file(path: &Path) -> Result<(), OutputError> {
    file_name(path)?;
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error("inspect", path)(e)),
    };
    if !meta.file_type().is_file() {
        return Err(OutputError::Refused(format!(
            "{}: exists and is not a plain file (a folder, link, device or fifo); spsim leaves it untouched: \
             choose another --out",
            path.display()
        )));
    }
    let head = read_head(path, FILE_MARKER.len() as u64).map_err(io_error("read", path))?;
    if head != FILE_MARKER.as_bytes() {
        return Err(OutputError::Refused(format!(
            "{}: exists and was not written by spsim; spsim leaves it untouched: choose another --out",
            path.display()
        )));
    }
    Ok(())
}

/// Lock paths held by this process, removed by [`interrupt`]; the mutex is also held
/// for the whole of every folder replacement, so an interrupt waits for it to finish.
static HELD: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// What to tell the user when interrupted (e.g. how to resume a sweep).
static HINT: Mutex<String> = Mutex::new(String::new());

fn held() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    HELD.lock().unwrap_or_else(|e| e.into_inner())
}

/// Set the message [`interrupt`] returns.
pub fn set_interrupt_hint(hint: impl Into<String>) {
    *HINT.lock().unwrap_or_else(|e| e.into_inner()) = hint.into();
}

/// Called on SIGINT/SIGTERM: waits for a folder replacement in progress, removes this
/// process's lock files, and returns the hint to print before exiting. Temporary
/// folders never outlive the critical section, so none is left.
pub fn interrupt() -> String {
    let guard = held();
    for p in guard.iter() {
        let _ = fs::remove_file(p);
    }
    // Keep the guard: no further replacement starts before the process exits.
    std::mem::forget(guard);
    HINT.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// An advisory lock on a lock file; released (and the file removed) on drop.
#[derive(Debug)]
pub struct Lock {
    file: Option<File>,
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let mut h = held();
        h.retain(|p| *p != self.path);
        let _ = fs::remove_file(&self.path);
        drop(self.file.take());
    }
}

#[cfg(unix)]
fn same_file(f: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

/// Take the lock file `path` (created if needed), or say which process holds it.
pub fn lock_file(path: &Path, what: &str) -> Result<Lock, OutputError> {
    loop {
        let mut f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(io_error("create the lock file", path))?;
        match f.try_lock() {
            Ok(()) => {
                if !same_file(&f, path) {
                    continue; // removed by its previous holder after we opened it
                }
                f.set_len(0).map_err(io_error("write", path))?;
                f.write_all(format!("{}\n", std::process::id()).as_bytes()).map_err(io_error("write", path))?;
                held().push(path.to_path_buf());
                return Ok(Lock { file: Some(f), path: path.to_path_buf() });
            }
            Err(fs::TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = f.read_to_string(&mut pid);
                let pid = pid.trim();
                return Err(OutputError::Refused(format!(
                    "{what} is being written by another spsim process (pid {}); wait for it to finish or stop it",
                    if pid.is_empty() { "unknown" } else { pid }
                )));
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_error("lock", path)(e)),
        }
    }
}

/// The lock of the folder (or file) `out`: `.<name>.spsim-lock` beside it.
pub fn lock_output(out: &Path) -> Result<Lock, OutputError> {
    let parent = parent_of(out);
    fs::create_dir_all(&parent).map_err(io_error("create", &parent))?;
    let name = file_name(out)?;
    lock_file(&parent.join(format!(".{name}.spsim-lock")), &out.display().to_string())
}

fn pid_suffix(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix).is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Remove what killed processes left beside `out` (call with its lock held): temporary
/// folders carrying [`TMP_MARKER`], temporary files of an atomic file write, and old
/// folders set aside during a replacement — restored when `out` itself is missing.
/// Returns how many were cleaned.
pub fn clean_stale(out: &Path) -> usize {
    let parent = parent_of(out);
    let Ok(name) = file_name(out) else { return 0 };
    let Ok(list) = fs::read_dir(&parent) else { return 0 };
    let tmp = format!(".{name}.spsim-tmp-");
    let old = format!(".{name}.spsim-old-");
    let mut cleaned = 0;
    for entry in list.flatten() {
        let entry_name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if pid_suffix(&entry_name, &tmp) {
            if ft.is_dir() && path.join(TMP_MARKER).is_file() {
                cleaned += usize::from(fs::remove_dir_all(&path).is_ok());
            } else if ft.is_file() {
                cleaned += usize::from(fs::remove_file(&path).is_ok());
            }
        } else if pid_suffix(&entry_name, &old) && ft.is_dir() && manifest(&path).is_some_and(|m| m[MARKER].is_string())
        {
            let restored = !out.exists() && fs::rename(&path, out).is_ok();
            cleaned += usize::from(restored || fs::remove_dir_all(&path).is_ok());
        }
    }
    cleaned
}

/// A temporary folder beside `out`, marked as ours, to fill and then [`commit`].
fn temp_folder(out: &Path) -> Result<PathBuf, OutputError> {
    let parent = parent_of(out);
    let tmp = parent.join(format!(".{}.spsim-tmp-{}", file_name(out)?, std::process::id()));
    if tmp.join(TMP_MARKER).is_file() {
        fs::remove_dir_all(&tmp).map_err(io_error("remove", &tmp))?;
    }
    fs::create_dir(&tmp).map_err(io_error("create", &tmp))?;
    fs::write(tmp.join(TMP_MARKER), b"").map_err(io_error("write", &tmp))?;
    Ok(tmp)
}

/// Replace `out` by the filled temporary folder `tmp`: the old folder (already checked to
/// be ours) is set aside, `tmp` renamed into place, the old one removed.
fn commit(tmp: &Path, out: &Path) -> Result<(), OutputError> {
    fs::remove_file(tmp.join(TMP_MARKER)).map_err(io_error("finish", tmp))?;
    if fs::symlink_metadata(out).is_ok() {
        let old = parent_of(out).join(format!(".{}.spsim-old-{}", file_name(out)?, std::process::id()));
        fs::rename(out, &old).map_err(io_error("set aside", out))?;
        fs::rename(tmp, out).map_err(io_error("rename into place", tmp))?;
        fs::remove_dir_all(&old).map_err(io_error("remove", &old))?;
    } else {
        fs::rename(tmp, out).map_err(io_error("rename into place", tmp))?;
    }
    Ok(())
}

/// The right to write one output folder: checked to be ours to write, locked against
/// other spsim processes, cleaned of what a killed process left. Take it before long
/// work (a second command on the same folder is then refused at once), write with
/// [`Claim::write_with`] or [`Claim::write_files`]; dropping it releases the lock.
#[derive(Debug)]
pub struct Claim {
    out: PathBuf,
    kind: Kind,
    inputs: Vec<PathBuf>,
    _lock: Lock,
}

impl Claim {
    /// Check `out` for a command of `kind` ([`check_folder`]), lock it and clean stale
    /// leftovers beside it.
    pub fn take(out: &Path, kind: Kind, inputs: &[&Path]) -> Result<Claim, OutputError> {
        check_folder(out, kind, inputs)?;
        let lock = lock_output(out)?;
        clean_stale(out);
        Ok(Claim {
            out: out.to_path_buf(),
            kind,
            inputs: inputs.iter().map(|p| p.to_path_buf()).collect(),
            _lock: lock,
        })
    }

    /// Fill a temporary folder with `fill` and rename it into place, replacing the old
    /// folder. On any error nothing at the output path has changed.
    pub fn write_with(&self, fill: impl FnOnce(&Path) -> Result<(), OutputError>) -> Result<(), OutputError> {
        let inputs: Vec<&Path> = self.inputs.iter().map(PathBuf::as_path).collect();
        check_folder(&self.out, self.kind, &inputs)?; // again: it may have changed while we worked
        let _section = held();
        let tmp = temp_folder(&self.out)?;
        let result = fill(&tmp).and_then(|()| commit(&tmp, &self.out));
        if result.is_err() && tmp.join(TMP_MARKER).is_file() {
            let _ = fs::remove_dir_all(&tmp);
        }
        result
    }

    /// Write named files as the folder's whole content.
    pub fn write_files(&self, files: &[(&str, Vec<u8>)]) -> Result<(), OutputError> {
        self.write_with(|tmp| {
            for (name, bytes) in files {
                let p = tmp.join(name);
                fs::write(&p, bytes).map_err(io_error("write", &p))?;
            }
            Ok(())
        })
    }
}

/// Write a folder of kind `kind` at `out` atomically in one step (see [`Claim`]).
pub fn write_folder(
    out: &Path,
    kind: Kind,
    inputs: &[&Path],
    fill: impl FnOnce(&Path) -> Result<(), OutputError>,
) -> Result<(), OutputError> {
    Claim::take(out, kind, inputs)?.write_with(fill)
}

/// Write one file atomically (a temporary file beside it, then a rename), inside the
/// critical section. The caller has checked that `path` is ours to write.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let parent = parent_of(path);
    fs::create_dir_all(&parent).map_err(io_error("create", &parent))?;
    let tmp = parent.join(format!(".{}.spsim-tmp-{}", file_name(path)?, std::process::id()));
    let _section = held();
    let written = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.map_err(io_error("write", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(r: Result<(), OutputError>, fragment: &str) {
        match r {
            Err(OutputError::Refused(m)) => assert!(m.contains(fragment), "{m}"),
            other => panic!("expected a refusal containing {fragment:?}, got {other:?}"),
        }
    }

    fn ours(dir: &Path, kind: Kind, files: &[&str]) {
        fs::create_dir_all(dir).unwrap();
        for f in files {
            fs::write(dir.join(f), "x").unwrap();
        }
        let m = serde_json::json!({ MARKER: kind.as_str(), "files": files });
        fs::write(dir.join("manifest.json"), m.to_string()).unwrap();
    }

    #[test]
    fn only_new_empty_or_own_folders_may_be_written() {
        let t = tempfile::tempdir().unwrap();
        let p = |n: &str| t.path().join(n);
        // New and empty folders are fine.
        check_folder(&p("new"), Kind::Run, &[]).unwrap();
        fs::create_dir(p("empty")).unwrap();
        check_folder(&p("empty"), Kind::Run, &[]).unwrap();
        // A user's folder, a file, a link, a fifo: refused.
        fs::create_dir(p("user")).unwrap();
        fs::write(p("user/notes.txt"), "keep").unwrap();
        refused(check_folder(&p("user"), Kind::Run, &[]), "was not written by `spsim run`");
        fs::write(p("file.txt"), "keep").unwrap();
        refused(check_folder(&p("file.txt"), Kind::Run, &[]), "is a file");
        std::os::unix::fs::symlink(p("empty"), p("link")).unwrap();
        refused(check_folder(&p("link"), Kind::Run, &[]), "symbolic link");
        assert!(std::process::Command::new("mkfifo").arg(p("fifo")).status().unwrap().success());
        refused(check_folder(&p("fifo"), Kind::Run, &[]), "device, fifo or socket");
        // The current folder and its parents, and a folder holding an input.
        refused(check_folder(Path::new("."), Kind::Run, &[]), "current folder");
        refused(check_folder(Path::new(".."), Kind::Run, &[]), "current folder");
        ours(&p("inputs"), Kind::Run, &["summary.csv"]);
        fs::write(p("inputs/s.toml"), "").unwrap();
        refused(check_folder(&p("inputs"), Kind::Run, &[&p("inputs/s.toml")]), "holds this command's input");
        // Our own folder: only by the same kind, and only with nothing added.
        ours(&p("run"), Kind::Run, &["summary.csv", "manifest.json"]);
        check_folder(&p("run"), Kind::Run, &[]).unwrap();
        refused(check_folder(&p("run"), Kind::Compare, &[]), "was not written by `spsim compare`");
        fs::write(p("run/mine.txt"), "keep").unwrap();
        refused(check_folder(&p("run"), Kind::Run, &[]), "(mine.txt)");
        // Nothing was touched.
        assert_eq!(fs::read_to_string(p("user/notes.txt")).unwrap(), "keep");
        assert_eq!(fs::read_to_string(p("file.txt")).unwrap(), "keep");
    }

    #[test]
    fn a_single_file_is_replaced_only_when_it_carries_the_marker() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("c.md");
        check_file(&f).unwrap();
        fs::write(&f, "# my notes").unwrap();
        refused(check_file(&f), "was not written by spsim");
        fs::write(&f, format!("{FILE_MARKER} calibrate -->\n# table")).unwrap();
        check_file(&f).unwrap();
        refused(check_file(t.path()), "not a plain file");
    }

    #[test]
    fn writing_replaces_our_folder_whole_and_leaves_nothing_beside_it() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        let manifest =
            |k: Kind| serde_json::json!({ MARKER: k.as_str(), "files": ["a.csv", "manifest.json"] }).to_string();
        let write = |n: &[u8]| {
            Claim::take(&out, Kind::Run, &[])
                .unwrap()
                .write_files(&[("a.csv", n.to_vec()), ("manifest.json", manifest(Kind::Run).into())])
        };
        write(b"1").unwrap();
        write(b"2").unwrap();
        assert_eq!(fs::read_to_string(out.join("a.csv")).unwrap(), "2");
        let names: Vec<_> = fs::read_dir(t.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out")], "no lock, temporary or old folder left");
    }

    #[test]
    fn stale_leftovers_of_ours_are_cleaned_and_others_kept() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        let tmp = t.path().join(".out.spsim-tmp-4000000");
        fs::create_dir(&tmp).unwrap();
        fs::write(tmp.join(TMP_MARKER), "").unwrap();
        let not_ours = t.path().join(".out.spsim-tmp-4000001");
        fs::create_dir(&not_ours).unwrap();
        fs::write(not_ours.join("data"), "keep").unwrap();
        // A replacement killed after setting the old folder aside: it is restored.
        let old = t.path().join(".out.spsim-old-4000002");
        ours(&old, Kind::Run, &["summary.csv"]);
        assert_eq!(clean_stale(&out), 2);
        assert!(!tmp.exists());
        assert!(not_ours.join("data").exists(), "a folder without our marker is not ours");
        assert!(out.join("summary.csv").exists(), "the set-aside folder is put back");
    }

    #[test]
    fn a_held_lock_names_its_holder() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        let held = lock_output(&out).unwrap();
        // A second open file description (another process, as far as the lock goes).
        let e = lock_output(&out).unwrap_err();
        refused(Err(e), &format!("pid {}", std::process::id()));
        drop(held);
        let again = lock_output(&out).unwrap();
        drop(again);
        assert!(!t.path().join(".out.spsim-lock").exists(), "the lock file is removed on release");
    }
}
