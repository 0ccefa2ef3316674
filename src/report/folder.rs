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

use sha2::{Digest, Sha256};

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

/// What a folder's marker says: the files its manifest lists and their content hashes
/// (`None` for a folder still in progress, marked only by its progress file).
struct Marked {
    files: Vec<String>,
    hashes: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Whether `dir/manifest.json` (or, for a sweep or calibration in progress, its progress
/// file) carries the marker of `kind`; returns the files it lists and their hashes.
fn marked(dir: &Path, kind: Kind) -> Option<Marked> {
    if let Some(m) = manifest(dir) {
        let files = m["files"]
            .as_array()
            .map_or_else(Vec::new, |a| a.iter().filter_map(|f| f.as_str().map(String::from)).collect());
        let hashes = m[HASHES].as_object().cloned().unwrap_or_default();
        return (m[MARKER] == kind.as_str()).then_some(Marked { files, hashes: Some(hashes) });
    }
    let progress = match kind {
        Kind::Sweep => dir.join("shards").join("sweep.json"),
        Kind::Calibration => dir.join("waves").join("calibration.json"),
        _ => return None,
    };
    let text = read_back(&progress, 64 << 20).ok()?;
    let m: serde_json::Value = serde_json::from_slice(&text).ok()?;
    (m[MARKER] == kind.as_str()).then_some(Marked { files: Vec::new(), hashes: None })
}

/// The key in `manifest.json` holding the content hash of every file listed in `files`.
pub const HASHES: &str = "content_hashes";

/// The content hash spsim records for a file it wrote: SHA-256, in hex. It tells a file
/// spsim wrote from one put or changed there since.
pub fn content_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The content hash of the regular file `path` (streamed: any size).
fn hash_file(path: &Path) -> io::Result<String> {
    let meta = fs::symlink_metadata(path)?;
    if !meta.file_type().is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// `manifest` with the content hash of each of `files` recorded under [`HASHES`].
pub fn seal_manifest(manifest: &[u8], files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut m: serde_json::Value = serde_json::from_slice(manifest).expect("spsim's own manifest is JSON");
    let hashes: serde_json::Map<String, serde_json::Value> =
        files.iter().map(|(name, bytes)| (name.to_string(), content_hash(bytes).into())).collect();
    m[HASHES] = hashes.into();
    super::json_bytes(&m)
}

/// Record in `dir/manifest.json` the content hash of every other file it lists.
fn seal(dir: &Path) -> Result<(), OutputError> {
    let path = dir.join("manifest.json");
    if !path.exists() {
        return Ok(());
    }
    let bytes = fs::read(&path).map_err(io_error("read", &path))?;
    let m: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| OutputError::Io(format!("{}: {e}", path.display())))?;
    let mut hashes = serde_json::Map::new();
    for name in m["files"].as_array().into_iter().flatten().filter_map(|f| f.as_str()) {
        let p = dir.join(name);
        if name != "manifest.json" && p.exists() {
            hashes.insert(name.to_string(), hash_file(&p).map_err(io_error("read", &p))?.into());
        }
    }
    let mut m = m;
    m[HASHES] = hashes.into();
    fs::write(&path, super::json_bytes(&m)).map_err(io_error("write", &path))
}

/// Files a later command rebuilds in place (so their recorded hash may be out of date):
/// known instead by their first bytes, which only spsim writes.
fn signature(name: &str) -> Option<&'static [u8]> {
    match name {
        "report.html" => Some(FILE_MARKER.as_bytes()),
        // The columns every version of analyze has begun with (the noise columns follow).
        "sobol.csv" => Some(b"metric,parameter,S1,S1_conf,ST,ST_conf"),
        "morris.csv" => Some(b"metric,parameter,mu,mu_star,sigma,mu_star_conf"),
        _ => None,
    }
}

/// Why the file `name` in `dir` is not the one spsim wrote there, if it is not.
fn changed(dir: &Path, name: &str, hashes: Option<&serde_json::Map<String, serde_json::Value>>) -> Option<String> {
    let path = dir.join(name);
    let Ok(meta) = fs::symlink_metadata(&path) else { return None };
    if meta.is_dir() {
        return None; // shards/ and waves/: checked entry by entry
    }
    if !meta.file_type().is_file() {
        return Some(format!("{name} is a link, device or fifo, which spsim never writes"));
    }
    if let Some(sig) = signature(name) {
        return match read_head(&path, sig.len() as u64) {
            Ok(head) if head == sig => None,
            _ => Some(format!("{name} does not begin as spsim writes it")),
        };
    }
    let hashes = hashes?; // a folder in progress lists no files yet
    match hashes.get(name).and_then(|h| h.as_str()) {
        None if hashes.is_empty() => Some(format!(
            "its manifest.json records no content hashes (written by an older spsim), so spsim cannot tell \
             that {name} is its own"
        )),
        None => Some(format!("{name} has no content hash in manifest.json")),
        Some(h) if hash_file(&path).ok().as_deref() == Some(h) => None,
        Some(_) => Some(format!("{name} was changed since spsim wrote it (its content hash differs)")),
    }
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

/// Whether `a` and `b` are the same existing folder.
pub fn canonical_eq(a: &Path, b: &Path) -> bool {
    canonical(a).is_some_and(|a| Some(a) == canonical(b))
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
    let Some(Marked { files, hashes }) = marked(out, kind) else {
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
    if foreign.is_empty() {
        let listed = |e: &String| e != "manifest.json" && (files.contains(e) || kind.extras().contains(&e.as_str()));
        for e in entries.iter().filter(|e| listed(e)) {
            if let Some(why) = changed(out, e, hashes.as_ref()) {
                return Err(refuse(out, why));
            }
        }
    }
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
    check_file_marked(path, FILE_MARKER, "--out")
}

/// Check that a command may write the single file `path`: it must not exist, or be a
/// regular file that begins with `marker` (what that command writes first). `option` is
/// the command-line option that names the file, for the message.
pub fn check_file_marked(path: &Path, marker: &str, option: &str) -> Result<(), OutputError> {
    file_name(path)?;
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error("inspect", path)(e)),
    };
    if !meta.file_type().is_file() {
        return Err(OutputError::Refused(format!(
            "{}: exists and is not a plain file (a folder, link, device or fifo); spsim leaves it untouched: \
             choose another {option}",
            path.display()
        )));
    }
    let head = read_head(path, marker.len() as u64).map_err(io_error("read", path))?;
    if head != marker.as_bytes() {
        return Err(OutputError::Refused(format!(
            "{}: exists and was not written by spsim; spsim leaves it untouched: choose another {option}",
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

/// The environment variable that stops the process (as a kill would: no clean-up) at a
/// named step of a folder replacement. For the tests that kill spsim at every step.
pub const FAULT_ENV: &str = "SPSIM_FAULT_AT";

/// Stop the process here, as a kill would, when [`FAULT_ENV`] names `step`.
pub fn fault_point(step: &str) {
    if std::env::var_os(FAULT_ENV).is_some_and(|v| v == step) {
        eprintln!("stopped at {step} ({FAULT_ENV})");
        std::process::abort();
    }
}

/// The steps of a folder replacement, in order, at which [`fault_point`] may stop it.
pub const REPLACE_STEPS: &[&str] = &[
    "replace:filled",
    "replace:journal-written",
    "replace:unmarked",
    "replace:set-aside",
    "replace:in-place",
    "replace:old-half-removed",
    "replace:old-removed",
];

/// The journal of a folder replacement in progress: `.<name>.spsim-replace` beside `out`,
/// naming the finished temporary folder and the place the old folder is set aside.
fn journal_path(out: &Path) -> Result<PathBuf, OutputError> {
    Ok(parent_of(out).join(format!(".{}.spsim-replace", file_name(out)?)))
}

/// Replace `out` by the filled temporary folder `tmp`. Journaled, so a kill at any step
/// is finished by the next command on `out` ([`settle`]): the journal names the finished
/// `tmp` and where the old folder (already checked to be ours) is set aside; then `tmp`
/// loses its in-progress marker, the old folder is set aside, `tmp` renamed into place,
/// the old folder removed, and the journal last.
fn commit(tmp: &Path, out: &Path) -> Result<(), OutputError> {
    let name = file_name(out)?;
    let old = parent_of(out).join(format!(".{name}.spsim-old-{}", std::process::id()));
    let journal = journal_path(out)?;
    fault_point("replace:filled");
    let record = serde_json::json!({
        MARKER: "replace",
        "tmp": file_name(tmp)?,
        "old": file_name(&old)?,
    });
    write_replacing(&journal, record.to_string().as_bytes()).map_err(io_error("write", &journal))?;
    fault_point("replace:journal-written");
    fs::remove_file(tmp.join(TMP_MARKER)).map_err(io_error("finish", tmp))?;
    fault_point("replace:unmarked");
    if fs::symlink_metadata(out).is_ok() {
        fs::rename(out, &old).map_err(io_error("set aside", out))?;
        fault_point("replace:set-aside");
    }
    fs::rename(tmp, out).map_err(io_error("rename into place", tmp))?;
    fault_point("replace:in-place");
    if old.exists() {
        remove_old(&old)?;
    }
    fault_point("replace:old-removed");
    fs::remove_file(&journal).map_err(io_error("remove", &journal))
}

/// Remove a set-aside old folder (its manifest first, so the fault point between can
/// show that a half-removed folder is still finished by the journal).
fn remove_old(old: &Path) -> Result<(), OutputError> {
    let m = old.join("manifest.json");
    if m.is_file() {
        fs::remove_file(&m).map_err(io_error("remove", &m))?;
    }
    fault_point("replace:old-half-removed");
    fs::remove_dir_all(old).map_err(io_error("remove", old))
}

/// Write `bytes` to `path` through a temporary file and a rename (no lock taken: callers
/// hold the critical section).
fn write_replacing(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = parent_of(path).join(format!(
        ".{}.spsim-tmp-{}",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    let written = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Finish a replacement of `out` that a killed process left half done (call with the
/// folder's lock held). The journal names the finished temporary folder and the old
/// folder's place: the temporary folder is put in place (the old one set aside first if
/// it is still there), the old one removed, then the journal. Returns whether there was
/// one to finish. A journal that names folders other than spsim's own names is removed
/// and nothing else is touched.
fn finish_replace(out: &Path) -> Result<bool, OutputError> {
    let journal = journal_path(out)?;
    let Ok(bytes) = read_back(&journal, 1 << 16) else { return Ok(false) };
    let name = file_name(out)?;
    let parent = parent_of(out);
    let record: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let named = |key: &str, prefix: &str| {
        record[key].as_str().filter(|n| pid_suffix(n, &format!(".{name}.{prefix}-"))).map(|n| parent.join(n))
    };
    if let (Some(tmp), Some(old)) = (named("tmp", "spsim-tmp"), named("old", "spsim-old"))
        && record[MARKER] == "replace"
    {
        if fs::symlink_metadata(&tmp).is_ok_and(|m| m.is_dir()) {
            let marker = tmp.join(TMP_MARKER);
            if marker.is_file() {
                fs::remove_file(&marker).map_err(io_error("finish", &tmp))?;
            }
            if fs::symlink_metadata(out).is_ok() && !old.exists() {
                fs::rename(out, &old).map_err(io_error("set aside", out))?;
            }
            fs::rename(&tmp, out).map_err(io_error("rename into place", &tmp))?;
        }
        if fs::symlink_metadata(&old).is_ok_and(|m| m.is_dir()) {
            fs::remove_dir_all(&old).map_err(io_error("remove", &old))?;
        }
    }
    fs::remove_file(&journal).map_err(io_error("remove", &journal))?;
    Ok(true)
}

/// Finish any replacement of `out` a killed process left half done, under the folder's
/// lock, before a command reads or writes `out`. Nothing happens (and no lock is taken)
/// when there is none.
pub fn settle(out: &Path) -> Result<(), OutputError> {
    let Ok(journal) = journal_path(out) else { return Ok(()) };
    if fs::symlink_metadata(&journal).is_err() {
        return Ok(());
    }
    let _lock = lock_output(out)?;
    let _section = held();
    finish_replace(out).map(drop)
}

/// Remove temporary files of atomic writes that a killed process left inside our folder
/// `out` (`.<file>.spsim-tmp-<pid>` for a file the folder may hold).
fn clean_inside(out: &Path, kind: Kind) {
    let Ok(list) = fs::read_dir(out) else { return };
    let listed = marked(out, kind).map(|m| m.files).unwrap_or_default();
    for entry in list.flatten() {
        let n = entry.file_name().to_string_lossy().into_owned();
        let ours = listed
            .iter()
            .map(String::as_str)
            .chain(kind.extras().iter().copied())
            .chain(["manifest.json"])
            .any(|f| pid_suffix(&n, &format!(".{f}.spsim-tmp-")));
        if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
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
        settle(out)?;
        check_folder(out, kind, inputs)?;
        let lock = lock_output(out)?;
        clean_stale(out);
        clean_inside(out, kind);
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
        let result = fill(&tmp).and_then(|()| seal(&tmp)).and_then(|()| commit(&tmp, &self.out));
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
    file_name(path)?;
    let _section = held();
    write_replacing(path, bytes).map_err(io_error("write", path))
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
        seal(dir).unwrap();
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
    fn a_marker_is_trusted_only_for_files_whose_content_spsim_recorded() {
        let t = tempfile::tempdir().unwrap();
        let p = |n: &str| t.path().join(n);
        // A user's folder with a forged marker listing a file of theirs: refused, kept.
        fs::create_dir(p("forged")).unwrap();
        fs::write(p("forged/thesis.docx"), "years of work").unwrap();
        let m = serde_json::json!({ MARKER: "run", "files": ["thesis.docx", "manifest.json"] });
        fs::write(p("forged/manifest.json"), m.to_string()).unwrap();
        refused(check_folder(&p("forged"), Kind::Run, &[]), "records no content hashes");
        // With hashes recorded for other content: refused too.
        let m = serde_json::json!({ MARKER: "run", "files": ["thesis.docx", "manifest.json"], HASHES: { "thesis.docx": "00" } });
        fs::write(p("forged/manifest.json"), m.to_string()).unwrap();
        refused(check_folder(&p("forged"), Kind::Run, &[]), "thesis.docx was changed since spsim wrote it");
        assert!(Claim::take(&p("forged"), Kind::Run, &[]).is_err());
        assert_eq!(fs::read_to_string(p("forged/thesis.docx")).unwrap(), "years of work");
        // Our own folder: a listed file edited since, or a report that is not ours, stops it.
        ours(&p("run"), Kind::Run, &["summary.csv", "manifest.json"]);
        check_folder(&p("run"), Kind::Run, &[]).unwrap();
        fs::write(p("run/summary.csv"), "edited").unwrap();
        refused(check_folder(&p("run"), Kind::Run, &[]), "summary.csv was changed");
        ours(&p("run2"), Kind::Run, &["summary.csv", "manifest.json"]);
        fs::write(p("run2/report.html"), "<html>my page</html>").unwrap();
        refused(check_folder(&p("run2"), Kind::Run, &[]), "report.html does not begin as spsim writes it");
        fs::write(p("run2/report.html"), format!("{FILE_MARKER} report -->\n<html>")).unwrap();
        check_folder(&p("run2"), Kind::Run, &[]).unwrap();
        // A listed name that is a link (to a user's file) is not ours either.
        ours(&p("run3"), Kind::Run, &["summary.csv", "manifest.json"]);
        fs::remove_file(p("run3/summary.csv")).unwrap();
        std::os::unix::fs::symlink(p("forged/thesis.docx"), p("run3/summary.csv")).unwrap();
        refused(check_folder(&p("run3"), Kind::Run, &[]), "link, device or fifo");
    }

    #[test]
    fn a_replacement_stopped_at_any_step_is_finished_by_settle() {
        // The states a kill can leave, built by hand (the integration tests kill the
        // binary at each step): each is settled into the new folder, nothing left beside.
        let manifest = |v: &str| serde_json::json!({ MARKER: "run", "files": ["a.csv", "manifest.json"], "v": v });
        for state in ["journal", "unmarked", "set-aside", "in-place", "half-removed"] {
            let t = tempfile::tempdir().unwrap();
            let out = t.path().join("out");
            let tmp = t.path().join(".out.spsim-tmp-4000000");
            let old = t.path().join(".out.spsim-old-4000000");
            for (dir, v) in [(&out, "old"), (&tmp, "new")] {
                fs::create_dir(dir).unwrap();
                fs::write(dir.join("a.csv"), v).unwrap();
                fs::write(dir.join("manifest.json"), manifest(v).to_string()).unwrap();
                seal(dir).unwrap();
            }
            fs::write(tmp.join(TMP_MARKER), "").unwrap();
            let journal = serde_json::json!({ MARKER: "replace", "tmp": ".out.spsim-tmp-4000000", "old": ".out.spsim-old-4000000" });
            fs::write(t.path().join(".out.spsim-replace"), journal.to_string()).unwrap();
            let steps = ["journal", "unmarked", "set-aside", "in-place", "half-removed"];
            let reached = steps.iter().position(|s| *s == state).unwrap();
            if reached >= 1 {
                fs::remove_file(tmp.join(TMP_MARKER)).unwrap();
            }
            if reached >= 2 {
                fs::rename(&out, &old).unwrap();
            }
            if reached >= 3 {
                fs::rename(&tmp, &out).unwrap();
            }
            if reached >= 4 {
                fs::remove_file(old.join("manifest.json")).unwrap();
            }
            settle(&out).unwrap();
            assert_eq!(fs::read_to_string(out.join("a.csv")).unwrap(), "new", "{state}");
            assert!(!out.join(TMP_MARKER).exists(), "{state}");
            let names: Vec<_> = fs::read_dir(t.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert_eq!(names, vec![std::ffi::OsString::from("out")], "{state}: nothing left beside");
            check_folder(&out, Kind::Run, &[]).unwrap();
        }
        // A journal naming folders that are not spsim's is dropped; they are kept.
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        fs::create_dir(t.path().join("mine")).unwrap();
        let journal = serde_json::json!({ MARKER: "replace", "tmp": "mine", "old": "mine" });
        fs::write(t.path().join(".out.spsim-replace"), journal.to_string()).unwrap();
        settle(&out).unwrap();
        assert!(t.path().join("mine").is_dir() && !out.exists());
        assert!(!t.path().join(".out.spsim-replace").exists());
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
