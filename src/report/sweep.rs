//! Sweep outputs, streamed and resumable.
//!
//! While a sweep runs, each shard appends its runs, in run order, to
//! `DIR/shards/runs-I-of-N.csv.partial` and syncs it after every block; the file is
//! renamed to `runs-I-of-N.csv` when the shard is done. `DIR/shards/sweep.json` holds the
//! sweep's identity, so a shard never appends to another sweep's files. After a kill,
//! [`ShardWriter::open`] keeps the complete rows, cuts a half-written last line and
//! resumes at the first missing run. [`merge`] joins the shards, in order, into
//! `runs.csv`, derives `points.csv` (and the SALib files `problem.txt`, `X.txt`,
//! `Y.txt`) from it in one streaming pass, and writes `manifest.json`, all into a
//! temporary folder that then replaces the output folder. Nothing here depends on
//! timing or thread count, so the final files are byte-identical however the sweep was
//! run, stopped, resumed or sharded.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::folder::{self, Kind, Lock, OutputError};
pub use super::points::PointsTable;
use super::points::parse_points;
use super::{json_bytes, num};
use crate::metrics::summary;
use crate::params::spec::RawValue;
use crate::sweep::{DesignSource, Domain, RunOutcome, Sweep};

/// Folder of the in-progress shard files inside a sweep's output folder.
pub const SHARDS: &str = "shards";
const IDENTITY_FILE: &str = "sweep.json";

/// Why sweep files could not be written or merged.
#[derive(Debug)]
pub enum SweepIoError {
    /// The folder belongs to another sweep, or shards are missing: the user must act.
    Conflict(String),
    /// The file system failed.
    Io(String),
}

impl std::fmt::Display for SweepIoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SweepIoError::Conflict(m) | SweepIoError::Io(m) => f.write_str(m),
        }
    }
}

impl From<OutputError> for SweepIoError {
    fn from(e: OutputError) -> Self {
        match e {
            OutputError::Refused(m) => SweepIoError::Conflict(m),
            OutputError::Io(m) => SweepIoError::Io(m),
        }
    }
}

fn io_err(what: &str, path: &Path) -> impl Fn(io::Error) -> SweepIoError {
    let m = format!("cannot {what} {}", path.display());
    move |e| SweepIoError::Io(format!("{m}: {e}"))
}

/// Shard `index + 1` of `count`: users and file names number shards from 1 to N; the
/// index inside is 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0 (shown to users as `index + 1`).
    pub index: u64,
    /// Shards in all.
    pub count: u64,
}

impl Shard {
    /// The whole sweep in one shard.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// The contiguous block of run ids this shard runs.
    pub fn runs(&self, total: u64) -> std::ops::Range<u64> {
        let at = |i: u64| (total as u128 * i as u128 / self.count as u128) as u64;
        at(self.index)..at(self.index + 1)
    }

    /// The shard's number as users write it: 1 to N.
    pub fn number(&self) -> u64 {
        self.index + 1
    }

    fn file_name(&self) -> String {
        format!("runs-{}-of-{}.csv", self.number(), self.count)
    }
}

/// A value as written in CSV: strings bare, numbers shortest round-trip.
fn raw_cell(v: &RawValue) -> String {
    match v {
        RawValue::Str(s) => s.clone(),
        RawValue::Bool(b) => b.to_string(),
        RawValue::Int(i) => i.to_string(),
        RawValue::Float(x) => format!("{x}"),
    }
}

/// The header of `runs.csv`.
pub fn runs_header(sweep: &Sweep) -> Vec<String> {
    let mut h: Vec<String> = ["run", "point", "replication", "seed", "status"].iter().map(|s| s.to_string()).collect();
    h.extend(sweep.spec.parameters.iter().map(|p| p.key.clone()));
    h.extend(sweep.metric_names().iter().map(|m| m.to_string()));
    h
}

fn csv_line(fields: &[String]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    w.write_record(fields).expect("write to memory");
    w.into_inner().expect("flush to memory")
}

/// `runs.csv` rows of finished runs (in the order given).
pub fn runs_rows(sweep: &Sweep, outcomes: &[RunOutcome]) -> Vec<u8> {
    let mut out = Vec::new();
    let metrics = sweep.metric_names().len();
    let mut fields: Vec<String> = Vec::new();
    for o in outcomes {
        fields.clear();
        fields.push(o.run.to_string());
        fields.push(o.point.to_string());
        fields.push(o.replication.to_string());
        fields.push(sweep.base.run.seed.to_string());
        fields.push(match &o.result {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("failed: {e}"),
        });
        fields.extend(sweep.points[o.point as usize].iter().map(raw_cell));
        match &o.result {
            Ok(s) => fields.extend(s.metrics.iter().map(|m| m.1.map_or_else(String::new, num))),
            Err(_) => fields.extend((0..metrics).map(|_| String::new())),
        }
        out.extend(csv_line(&fields));
    }
    out
}

/// The sweep's description: written to `shards/sweep.json` when it starts and, with the
/// run counts and file list added, as `manifest.json` at the end. Deterministic.
pub fn sweep_description(sweep: &Sweep) -> serde_json::Value {
    let s = &sweep.base;
    let params: Vec<serde_json::Value> = sweep
        .spec
        .parameters
        .iter()
        .map(|p| match &p.domain {
            Domain::Range { lower, upper, integer } => {
                serde_json::json!({ "key": p.key, "lower": lower, "upper": upper, "whole_numbers": integer })
            }
            Domain::Values(v) => {
                serde_json::json!({ "key": p.key, "values": v.iter().map(raw_cell).collect::<Vec<_>>() })
            }
        })
        .collect();
    let (design, design_file) = match &sweep.source {
        DesignSource::Native(d) => (d.as_str().to_string(), serde_json::Value::Null),
        DesignSource::File { path, sha256 } => {
            ("file".to_string(), serde_json::json!({ "path": path, "sha256": sha256 }))
        }
    };
    serde_json::json!({
        "engine": "spsim",
        "engine_version": env!("CARGO_PKG_VERSION"),
        "kind": "sweep",
        folder::MARKER: Kind::Sweep.as_str(),
        "sweep_identity": sweep.identity(),
        "scenario_name": s.run.name,
        "scenario_file": s.path.display().to_string(),
        "scenario_sha256": s.source_hash,
        "design": design,
        "design_file": design_file,
        "base_samples": sweep.spec.points,
        "design_seed": sweep.spec.seed,
        "morris_levels": sweep.spec.levels,
        "points": sweep.points.len(),
        "replications": sweep.replications(),
        "runs": sweep.runs(),
        "seed": s.run.seed,
        "common_random_numbers": "replication r uses the same random streams at every point",
        "parameters": params,
        "metrics": sweep.metric_names(),
        "regions": s.region_count(),
        "warmup_weeks": s.run.warmup_weeks,
        "reported_weeks": s.reported_weeks(),
        "counterfactual": s.run.counterfactual,
        "changes": super::changes_json(s),
        "resolved_scenario": s.resolved_toml(),
    })
}

/// Appends a shard's runs to its partial file, in run order.
#[derive(Debug)]
pub struct ShardWriter {
    _lock: Lock,
    file: Option<File>,
    partial: PathBuf,
    done_path: PathBuf,
    next: u64,
    end: u64,
}

impl ShardWriter {
    /// Open (or resume) shard `shard` of `sweep` in `dir`. Refuses a folder that is not
    /// a sweep's (see [`folder::check_folder`]; `inputs` may not lie inside it) or holds a
    /// different sweep, and a shard that another process is running. Runs already on
    /// disk are kept; a cut-off last line is removed.
    pub fn open(dir: &Path, sweep: &Sweep, shard: Shard, inputs: &[&Path]) -> Result<ShardWriter, SweepIoError> {
        let shards = dir.join(SHARDS);
        let description = json_bytes(&sweep_description(sweep));
        folder::check_folder(dir, Kind::Sweep, inputs)?;
        if !shards.exists() && dir.join("manifest.json").exists() {
            check_finished(dir, sweep)?;
        }
        fs::create_dir_all(&shards).map_err(io_err("create", &shards))?;
        let lock = folder::lock_file(
            &shards.join(format!("runs-{}-of-{}.lock", shard.number(), shard.count)),
            &format!("shard {}/{} of {}", shard.number(), shard.count, dir.display()),
        )?;
        folder::clean_stale(&shards.join(IDENTITY_FILE));
        let id_path = shards.join(IDENTITY_FILE);
        match folder::read_back(&id_path, 64 << 20) {
            Ok(existing) if existing == description => {}
            Ok(_) => {
                return Err(SweepIoError::Conflict(format!(
                    "{} holds runs of a different sweep (another scenario, design or engine version); \
                     use a new --out folder or remove this one",
                    dir.display()
                )));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => folder::write_file_atomically(&id_path, &description)?,
            Err(e) => return Err(io_err("read", &id_path)(e)),
        }
        let range = shard.runs(sweep.runs());
        let done_path = shards.join(shard.file_name());
        let partial = shards.join(format!("{}.partial", shard.file_name()));
        let header = csv_line(&runs_header(sweep));
        if done_path.exists() {
            return Ok(ShardWriter { _lock: lock, file: None, partial, done_path, next: range.end, end: range.end });
        }
        let (file, next) = if partial.exists() {
            let (valid_len, rows) = valid_prefix(&partial, &header, range.start).map_err(io_err("read", &partial))?;
            let f = OpenOptions::new().write(true).open(&partial).map_err(io_err("open", &partial))?;
            f.set_len(valid_len).map_err(io_err("truncate", &partial))?;
            (f, range.start + rows)
        } else {
            let mut f = File::create(&partial).map_err(io_err("create", &partial))?;
            f.write_all(&header).map_err(io_err("write", &partial))?;
            (f, range.start)
        };
        let mut file = file;
        file.seek(SeekFrom::End(0)).map_err(io_err("seek", &partial))?;
        Ok(ShardWriter { _lock: lock, file: Some(file), partial, done_path, next: next.min(range.end), end: range.end })
    }

    /// The first run not yet on disk.
    pub fn next_run(&self) -> u64 {
        self.next
    }

    /// One past the last run of this shard.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Append finished runs (the next ones, in order) and sync them to disk.
    pub fn append(&mut self, sweep: &Sweep, outcomes: &[RunOutcome]) -> Result<(), SweepIoError> {
        debug_assert!(outcomes.first().is_none_or(|o| o.run == self.next));
        let Some(file) = self.file.as_mut() else { return Ok(()) };
        let bytes = runs_rows(sweep, outcomes);
        file.write_all(&bytes).map_err(io_err("write", &self.partial))?;
        file.sync_data().map_err(io_err("sync", &self.partial))?;
        self.next += outcomes.len() as u64;
        Ok(())
    }

    /// Mark the shard complete (rename the partial file).
    pub fn finish(mut self) -> Result<(), SweepIoError> {
        if let Some(file) = self.file.take() {
            assert_eq!(self.next, self.end, "finish before every run was written");
            file.sync_all().map_err(io_err("sync", &self.partial))?;
            drop(file);
            fs::rename(&self.partial, &self.done_path).map_err(io_err("rename", &self.partial))?;
        }
        Ok(())
    }
}

/// A finished sweep folder (no shards left) may only be "resumed" by the same sweep.
fn check_finished(dir: &Path, sweep: &Sweep) -> Result<(), SweepIoError> {
    if read_manifest(dir).is_ok_and(|m| m["sweep_identity"].as_str() == Some(sweep.identity().as_str())) {
        Ok(())
    } else {
        Err(SweepIoError::Conflict(format!(
            "{} already holds other results; use a new --out folder or remove this one",
            dir.display()
        )))
    }
}

/// Whether `dir` holds the finished output of exactly this sweep.
pub fn is_finished(dir: &Path, sweep: &Sweep) -> bool {
    !dir.join(SHARDS).exists() && dir.join("manifest.json").exists() && check_finished(dir, sweep).is_ok()
}

/// The run id at the start of a `runs.csv` line.
fn run_id(line: &[u8]) -> Option<u64> {
    line.split(|&b| b == b',').next().and_then(|f| std::str::from_utf8(f).ok()?.parse::<u64>().ok())
}

/// Length in bytes of the valid part of a partial shard file (the header and whole
/// rows numbered from `first_run` on) and the number of those rows.
fn valid_prefix(path: &Path, header: &[u8], first_run: u64) -> io::Result<(u64, u64)> {
    let mut r = BufReader::new(File::open(path)?);
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)?;
    if line != header {
        return Err(io::Error::other("its header differs from this sweep's (written by another version?)"));
    }
    let mut len = line.len() as u64;
    let mut rows = 0u64;
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line)?;
        if n == 0 || line.last() != Some(&b'\n') {
            break;
        }
        let id = run_id(&line);
        if id != Some(first_run + rows) {
            break;
        }
        len += n as u64;
        rows += 1;
    }
    Ok((len, rows))
}

/// What [`merge`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeReport {
    /// Runs in `runs.csv`.
    pub runs: u64,
    /// Runs that failed.
    pub failed: u64,
    /// Points in `points.csv`.
    pub points: u64,
}

/// Join the finished shards in `dir` into the final files in `out` (which may be `dir`).
pub fn merge(dir: &Path, out: &Path) -> Result<MergeReport, SweepIoError> {
    // A merge a kill left half done (in place, or into `out`) is finished first.
    folder::settle(dir)?;
    folder::settle(out)?;
    let shards = dir.join(SHARDS);
    let id_path = shards.join(IDENTITY_FILE);
    if !shards.exists()
        && folder::canonical_eq(dir, out)
        && let Ok(m) = read_manifest(dir)
        && m[folder::MARKER] == Kind::Sweep.as_str()
    {
        // Merged already (e.g. by the merge that a kill stopped after its last step).
        return Ok(MergeReport {
            runs: m["runs"].as_u64().unwrap_or(0),
            failed: m["failed_runs"].as_u64().unwrap_or(0),
            points: m["points"].as_u64().unwrap_or(0),
        });
    }
    let description: serde_json::Value = match folder::read_back(&id_path, 64 << 20) {
        Ok(b) => {
            serde_json::from_slice(&b).map_err(|e| SweepIoError::Conflict(format!("{}: {e}", id_path.display())))?
        }
        Err(_) => {
            return Err(SweepIoError::Conflict(format!(
                "{} holds no sweep shards (expected {}); run `spsim sweep ... --out {}` first",
                dir.display(),
                id_path.display(),
                dir.display()
            )));
        }
    };
    let count = shard_count(&shards)?;
    let total = description["runs"].as_u64().unwrap_or(0);
    let mut report = None;
    folder::write_folder(out, Kind::Sweep, &[dir], |tmp| {
        let runs = concat_shards(&shards, count, &tmp.join("runs.csv"), total, &description)?;
        let (points, failed) = derive_points(tmp, &description)?;
        let mut manifest = description.clone();
        let mut files = vec!["runs.csv", "points.csv", "manifest.json"];
        if tmp.join("Y.txt").exists() {
            files.extend(["Y.txt", "X.txt"]);
        }
        if let Some(problem) = salib_problem(&description) {
            let p = tmp.join("problem.txt");
            fs::write(&p, problem).map_err(io_err("write", &p))?;
            files.push("problem.txt");
        }
        files.push("report.html");
        manifest["failed_runs"] = failed.into();
        manifest["files"] = files.into();
        let m = tmp.join("manifest.json");
        fs::write(&m, json_bytes(&manifest)).map_err(io_err("write", &m))?;
        let page =
            super::html::folder_report(tmp).map_err(|e| SweepIoError::Io(format!("building report.html: {e}")))?;
        let r = tmp.join("report.html");
        fs::write(&r, page).map_err(io_err("write", &r))?;
        report = Some(MergeReport { runs, failed, points });
        Ok(())
    })?;
    Ok(report.expect("set when the folder was written"))
}

impl From<SweepIoError> for OutputError {
    fn from(e: SweepIoError) -> Self {
        match e {
            SweepIoError::Conflict(m) => OutputError::Refused(m),
            SweepIoError::Io(m) => OutputError::Io(m),
        }
    }
}

/// The shard count N shared by every `runs-I-of-N.csv` in the folder, after checking
/// that each of the N shards is complete.
fn shard_count(shards: &Path) -> Result<u64, SweepIoError> {
    let mut counts = std::collections::BTreeSet::new();
    let mut done = std::collections::BTreeSet::new();
    for entry in fs::read_dir(shards).map_err(io_err("list", shards))? {
        let name = entry.map_err(io_err("list", shards))?.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("runs-") else { continue };
        let (stem, complete) = match rest.strip_suffix(".csv") {
            Some(s) => (s, true),
            None => match rest.strip_suffix(".csv.partial") {
                Some(s) => (s, false),
                None => continue,
            },
        };
        let Some((i, n)) = stem.split_once("-of-") else { continue };
        let (Ok(i), Ok(n)) = (i.parse::<u64>(), n.parse::<u64>()) else { continue };
        counts.insert(n);
        if complete {
            done.insert(i);
        }
    }
    let n = match counts.len() {
        0 => return Err(SweepIoError::Conflict(format!("{} holds no shard files", shards.display()))),
        1 => *counts.first().expect("one"),
        _ => {
            return Err(SweepIoError::Conflict(format!(
                "{} mixes shard counts {:?}; every shard of one sweep must use the same N in --shard I/N",
                shards.display(),
                counts
            )));
        }
    };
    let missing: Vec<String> = (1..=n).filter(|i| !done.contains(i)).take(20).map(|i| i.to_string()).collect();
    if !missing.is_empty() {
        return Err(SweepIoError::Conflict(format!(
            "{}: shard(s) {} of {n} are not finished; run them (the same command resumes a stopped shard), \
             then merge",
            shards.display(),
            missing.join(", ")
        )));
    }
    Ok(n)
}

/// The `runs.csv` header a sweep's description implies.
fn expected_header(description: &serde_json::Value) -> Vec<String> {
    let mut h: Vec<String> = ["run", "point", "replication", "seed", "status"].iter().map(|s| s.to_string()).collect();
    if let Some(ps) = description["parameters"].as_array() {
        h.extend(ps.iter().filter_map(|p| p["key"].as_str().map(String::from)));
    }
    if let Some(ms) = description["metrics"].as_array() {
        h.extend(ms.iter().filter_map(|m| m.as_str().map(String::from)));
    }
    h
}

/// Whether a shard row is run `run` of the described sweep: its point and replication
/// follow from the run id, its seed is the sweep's, and each parameter value lies in its
/// range (or list).
fn check_run_row(
    line: &[u8],
    run: u64,
    reps: u64,
    seed: Option<u64>,
    description: &serde_json::Value,
) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line);
    let mut record = csv::StringRecord::new();
    if !reader.read_record(&mut record).map_err(|e| e.to_string())? {
        return Err("an empty row".into());
    }
    let field = |i: usize| record.get(i).unwrap_or("");
    if field(1) != (run / reps).to_string() || field(2) != (run % reps).to_string() {
        return Err(format!("point {} replication {} do not follow from the run id", field(1), field(2)));
    }
    if let Some(s) = seed
        && field(3) != s.to_string()
    {
        return Err(format!("seed {} is not the sweep's ({s})", field(3)));
    }
    for (j, p) in description["parameters"].as_array().map_or(&[][..], Vec::as_slice).iter().enumerate() {
        let cell = field(5 + j);
        let key = p["key"].as_str().unwrap_or("?");
        if let (Some(lo), Some(hi)) = (p["lower"].as_f64(), p["upper"].as_f64()) {
            let x: f64 = cell.parse().map_err(|_| format!("`{key}` = {cell:?} is not a number"))?;
            let tol = 1e-9 * (hi - lo).abs().max(1.0);
            if !(x >= lo - tol && x <= hi + tol) {
                return Err(format!("`{key}` = {x} is outside the sweep's range {lo} to {hi}"));
            }
        } else if let Some(values) = p["values"].as_array()
            && !values.iter().any(|v| v.as_str().map_or_else(|| *v == cell, |s| s == cell))
        {
            return Err(format!("`{key}` = {cell} is not one of the sweep's values"));
        }
    }
    Ok(())
}

/// Concatenate the shard files (header once) into `runs.csv`, checking run ids.
fn concat_shards(
    shards: &Path,
    count: u64,
    target: &Path,
    total: u64,
    description: &serde_json::Value,
) -> Result<u64, SweepIoError> {
    let mut w = BufWriter::new(File::create(target).map_err(io_err("create", target))?);
    let mut next = 0u64;
    let mut header: Option<Vec<u8>> = None;
    let mut line = Vec::new();
    let expected = expected_header(description);
    let reps = description["replications"].as_u64().unwrap_or(1).max(1);
    let seed = description["seed"].as_u64();
    for i in 0..count {
        let path = shards.join(Shard { index: i, count }.file_name());
        // A shard is a regular file spsim wrote: a fifo or device is refused, not read.
        if !fs::metadata(&path).map_err(io_err("open", &path))?.is_file() {
            return Err(SweepIoError::Conflict(format!("{}: not a regular file", path.display())));
        }
        let mut r = BufReader::new(File::open(&path).map_err(io_err("open", &path))?);
        line.clear();
        r.read_until(b'\n', &mut line).map_err(io_err("read", &path))?;
        match &header {
            None => {
                if line != csv_line(&expected) {
                    return Err(SweepIoError::Conflict(format!(
                        "{}: its header is not this sweep's (another sweep's shard, or a changed file)",
                        path.display()
                    )));
                }
                w.write_all(&line).map_err(io_err("write", target))?;
                header = Some(line.clone());
            }
            Some(h) if *h == line => {}
            Some(_) => return Err(SweepIoError::Conflict(format!("{}: header differs from shard 1", path.display()))),
        }
        loop {
            line.clear();
            if r.read_until(b'\n', &mut line).map_err(io_err("read", &path))? == 0 {
                break;
            }
            let id = run_id(&line);
            if id != Some(next) {
                return Err(SweepIoError::Conflict(format!(
                    "{}: expected run {next}, found {:?}; the shard files do not belong together",
                    path.display(),
                    String::from_utf8_lossy(&line[..line.len().min(40)])
                )));
            }
            if let Err(why) = check_run_row(&line, next, reps, seed, description) {
                return Err(SweepIoError::Conflict(format!(
                    "{}: run {next}: {why}; the shard does not belong to this sweep (or was changed)",
                    path.display()
                )));
            }
            w.write_all(&line).map_err(io_err("write", target))?;
            next += 1;
        }
    }
    if next != total {
        return Err(SweepIoError::Conflict(format!("the shards hold {next} runs; the sweep has {total}")));
    }
    w.flush().map_err(io_err("write", target))?;
    Ok(next)
}

/// One streaming pass over `runs.csv`: per point, the mean and 95% interval of every
/// metric over its successful replications → `points.csv`; the point means → `Y.txt`
/// and the parameter values → `X.txt` (when every parameter is numeric).
fn derive_points(dir: &Path, description: &serde_json::Value) -> Result<(u64, u64), SweepIoError> {
    let runs_path = dir.join("runs.csv");
    let mut reader = csv::Reader::from_path(&runs_path).map_err(|e| SweepIoError::Io(e.to_string()))?;
    let header: Vec<String> =
        reader.headers().map_err(|e| SweepIoError::Io(e.to_string()))?.iter().map(String::from).collect();
    let n_params = description["parameters"].as_array().map_or(0, |a| a.len());
    let fixed = ["run", "point", "replication", "seed", "status"];
    if header.len() < 5 + n_params || header[..5] != fixed {
        return Err(SweepIoError::Conflict(format!(
            "{}: the header is not a sweep's ({} then the {n_params} swept parameters and the metrics)",
            runs_path.display(),
            fixed.join(",")
        )));
    }
    let metrics: Vec<String> = header[5 + n_params..].to_vec();
    let params: Vec<String> = header[5..5 + n_params].to_vec();
    let numeric_params =
        description["parameters"].as_array().is_some_and(|a| a.iter().all(|p| p.get("lower").is_some()));

    let points_path = dir.join("points.csv");
    let mut points = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::new(File::create(&points_path).map_err(io_err("create", &points_path))?));
    let mut head = vec!["point".to_string()];
    head.extend(params.iter().cloned());
    head.push("runs_ok".into());
    for m in &metrics {
        head.extend([format!("{m}_mean"), format!("{m}_ci_low"), format!("{m}_ci_high")]);
    }
    points.write_record(&head).map_err(|e| SweepIoError::Io(e.to_string()))?;
    let (mut y, mut x) = if numeric_params {
        let open = |n: &str| -> Result<BufWriter<File>, SweepIoError> {
            let p = dir.join(n);
            Ok(BufWriter::new(File::create(&p).map_err(io_err("create", &p))?))
        };
        (Some(open("Y.txt")?), Some(open("X.txt")?))
    } else {
        (None, None)
    };
    if let Some(y) = y.as_mut() {
        writeln!(y, "# mean over replications of each metric, one row per point; columns: {}", metrics.join(" "))
            .map_err(|e| SweepIoError::Io(e.to_string()))?;
    }
    if let Some(x) = x.as_mut() {
        writeln!(x, "# one row per point; columns: {}", params.join(" "))
            .map_err(|e| SweepIoError::Io(e.to_string()))?;
    }

    let mut current: Option<(String, Vec<String>)> = None;
    // Successful replications of the current point: one value per metric.
    let mut group: Vec<Vec<Option<f64>>> = Vec::new();
    let (mut n_points, mut failed) = (0u64, 0u64);
    let mut flush = |point: &str, values: &[String], group: &mut Vec<Vec<Option<f64>>>| -> Result<(), SweepIoError> {
        let mut row = vec![point.to_string()];
        row.extend(values.iter().cloned());
        row.push(group.len().to_string());
        let mut means = Vec::with_capacity(metrics.len());
        for i in 0..metrics.len() {
            let defined: Vec<f64> = group.iter().filter_map(|g| g[i]).collect();
            match summary::stats_of("", &defined) {
                Some(s) => {
                    // The t interval within the metric's range, as in summary.csv.
                    let (lo, hi) = crate::metrics::defs::range(&metrics[i]);
                    row.extend([num(s.mean), num(s.ci_low.clamp(lo, hi)), num(s.ci_high.clamp(lo, hi))]);
                    means.push(format!("{}", s.mean));
                }
                None => {
                    row.extend([String::new(), String::new(), String::new()]);
                    means.push("nan".into());
                }
            }
        }
        points.write_record(&row).map_err(|e| SweepIoError::Io(e.to_string()))?;
        if let Some(y) = y.as_mut() {
            writeln!(y, "{}", means.join(" ")).map_err(|e| SweepIoError::Io(e.to_string()))?;
        }
        if let Some(x) = x.as_mut() {
            writeln!(x, "{}", values.join(" ")).map_err(|e| SweepIoError::Io(e.to_string()))?;
        }
        group.clear();
        Ok(())
    };
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(|e| SweepIoError::Io(e.to_string()))? {
        let point = record[1].to_string();
        if current.as_ref().is_none_or(|(p, _)| *p != point) {
            if let Some((p, values)) = current.take() {
                flush(&p, &values, &mut group)?;
                n_points += 1;
            }
            current = Some((point, record.iter().skip(5).take(n_params).map(String::from).collect()));
        }
        if &record[4] != "ok" {
            failed += 1;
            continue;
        }
        let mut values = Vec::with_capacity(metrics.len());
        for (i, v) in record.iter().skip(5 + n_params).enumerate() {
            let x = v.parse::<f64>().ok();
            if x.is_some_and(|x| !x.is_finite()) {
                return Err(SweepIoError::Conflict(format!(
                    "run {} (in its shard file): `{}` = {v} is not finite (spsim writes finite values or an empty \
                     cell); the shard was changed after spsim wrote it",
                    &record[0], metrics[i]
                )));
            }
            values.push(x);
        }
        group.push(values);
    }
    if let Some((p, values)) = current.take() {
        flush(&p, &values, &mut group)?;
        n_points += 1;
    }
    points.flush().map_err(|e| SweepIoError::Io(e.to_string()))?;
    for w in [y, x].into_iter().flatten() {
        w.into_inner().map_err(|e| SweepIoError::Io(e.to_string()))?;
    }
    Ok((n_points, failed))
}

/// SALib's problem file (`name,lower,upper` per line) when every parameter is a range.
fn salib_problem(description: &serde_json::Value) -> Option<String> {
    let params = description["parameters"].as_array()?;
    let mut out = String::new();
    for p in params {
        out.push_str(&format!("{},{},{}\n", p["key"].as_str()?, p["lower"].as_f64()?, p["upper"].as_f64()?));
    }
    Some(out)
}

/// Read `points.csv` of a finished sweep folder.
pub fn read_points(dir: &Path) -> Result<PointsTable, SweepIoError> {
    let path = dir.join("points.csv");
    let text = folder::read_back(&path, 1 << 30).map_err(io_err("read", &path))?;
    parse_points(&text).map_err(|e| SweepIoError::Conflict(format!("{}: {e}", path.display())))
}

/// Read `runs.csv` of a finished sweep folder with `n_params` swept parameters.
pub fn read_runs(dir: &Path, n_params: usize) -> Result<super::points::RunsTable, SweepIoError> {
    let path = dir.join("runs.csv");
    let text = folder::read_back(&path, 1 << 30).map_err(io_err("read", &path))?;
    super::points::parse_runs(&text, n_params).map_err(|e| SweepIoError::Conflict(format!("{}: {e}", path.display())))
}

/// A sweep folder's `manifest.json`.
pub fn read_manifest(dir: &Path) -> Result<serde_json::Value, SweepIoError> {
    let path = dir.join("manifest.json");
    let bytes = folder::read_back(&path, 64 << 20).map_err(io_err("read", &path))?;
    serde_json::from_slice(&bytes).map_err(|e| SweepIoError::Conflict(format!("{}: {e}", path.display())))
}
