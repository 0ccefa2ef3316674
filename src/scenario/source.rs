//! Scenario sources: TOML text parsed with spans into a located tree, and the
//! `extends` chain merged into one tree where every value remembers the file, line and
//! column it came from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::de::{DeTable, DeValue};

use super::error::ScenarioError;
use crate::params::spec::RawValue;

/// One scenario file's text, kept so errors can quote the offending line.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as given (joined with the including file's folder for `extends`).
    pub path: PathBuf,
    /// Whole file text.
    pub text: String,
}

/// A position in a scenario file.
#[derive(Debug, Clone)]
pub struct Loc {
    /// The file.
    pub file: Arc<SourceFile>,
    /// Byte offset into the file.
    pub offset: usize,
}

impl Loc {
    /// The offset, moved back to the start of the character it falls in (an offset inside
    /// a multi-byte character must never be sliced at).
    fn at(&self) -> usize {
        let text = &self.file.text;
        let mut at = self.offset.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    /// 1-based line and column (in characters).
    pub fn line_col(&self) -> (usize, usize) {
        let text = &self.file.text;
        let upto = &text[..self.at()];
        let line = upto.matches('\n').count() + 1;
        let line_start = upto.rfind('\n').map_or(0, |i| i + 1);
        let col = upto[line_start..].chars().count() + 1;
        (line, col)
    }

    /// The text of the line this location is on.
    pub fn line_text(&self) -> &str {
        let text = &self.file.text;
        let at = self.at();
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        text[start..end].trim_end_matches('\r')
    }
}

/// A value of the merged scenario tree.
#[derive(Debug, Clone)]
pub enum Node {
    /// A scalar.
    Scalar(RawValue),
    /// A table (sorted by key).
    Table(BTreeMap<String, Entry>),
    /// An array.
    Array(Vec<Entry>),
    /// A TOML date-time, which no parameter accepts.
    Datetime,
}

impl Node {
    /// The TOML type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Node::Scalar(v) => v.type_name(),
            Node::Table(_) => "a table",
            Node::Array(_) => "an array",
            Node::Datetime => "a date-time",
        }
    }
}

/// A located value: where its key and its value were written.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Location of the key (points at the value for array elements).
    pub key_loc: Loc,
    /// Location of the value.
    pub value_loc: Loc,
    /// The value.
    pub node: Node,
}

/// Largest scenario file read, in bytes (1 MiB; the largest shipped one is under 10 KiB).
pub const MAX_SCENARIO_BYTES: u64 = 1 << 20;
/// Longest `extends` chain (files extending files).
pub const MAX_EXTENDS_DEPTH: usize = 64;

/// Read a text input of at most `cap` bytes: refuses a folder, a device or fifo, a file
/// over the cap (before reading it) and text that is not UTF-8, saying which.
pub fn read_text_capped(path: &Path, what: &str, cap: u64) -> Result<String, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    if meta.is_dir() {
        return Err(format!("{} is a folder, not a {what}", path.display()));
    }
    if !meta.is_file() {
        return Err(format!("{} is not a regular file (a device, fifo or socket); give a {what}", path.display()));
    }
    if meta.len() > cap {
        return Err(format!("{} is {} bytes; a {what} may have at most {cap} bytes", path.display(), meta.len()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(cap + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    if bytes.len() as u64 > cap {
        return Err(format!("{} has more than {cap} bytes; a {what} may have at most {cap} bytes", path.display()));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{} is not a text file (invalid UTF-8 at byte {}); a {what} is TOML text",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    if let Some(at) = text.find('\0') {
        return Err(format!("{} holds a NUL byte at byte {at}: a binary file, not a {what}", path.display()));
    }
    Ok(text)
}

/// Read and parse one file into a located table.
pub fn parse_file(path: &Path) -> Result<BTreeMap<String, Entry>, ScenarioError> {
    let text = read_text_capped(path, "scenario file", MAX_SCENARIO_BYTES).map_err(ScenarioError::plain)?;
    parse_text(path, text)
}

/// Parse TOML text (named `path` in errors) into a located table.
pub fn parse_text(path: &Path, text: String) -> Result<BTreeMap<String, Entry>, ScenarioError> {
    let file = Arc::new(SourceFile { path: path.to_path_buf(), text });
    let parsed = DeTable::parse(&file.text);
    let table = match parsed {
        Ok(t) => t,
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start);
            let message = e.message().trim().to_string();
            return Err(ScenarioError::at(
                Loc { file: file.clone(), offset },
                None,
                format!("TOML syntax error: {message}"),
            ));
        }
    };
    let root = table.into_inner();
    convert_table(&file, &root)
}

fn convert_table(file: &Arc<SourceFile>, table: &DeTable<'_>) -> Result<BTreeMap<String, Entry>, ScenarioError> {
    let mut out = BTreeMap::new();
    for (k, v) in table.iter() {
        let key_loc = Loc { file: file.clone(), offset: k.span().start };
        let value_loc = Loc { file: file.clone(), offset: v.span().start };
        let node = convert_value(file, v.get_ref(), &value_loc)?;
        out.insert(k.get_ref().to_string(), Entry { key_loc, value_loc, node });
    }
    Ok(out)
}

fn convert_value(file: &Arc<SourceFile>, value: &DeValue<'_>, loc: &Loc) -> Result<Node, ScenarioError> {
    Ok(match value {
        DeValue::String(s) => Node::Scalar(RawValue::Str(s.to_string())),
        DeValue::Integer(i) => {
            let digits: String = i.as_str().chars().filter(|c| *c != '_').collect();
            let digits = digits.trim_start_matches('+');
            let digits = ["0x", "0o", "0b"].iter().fold(digits.to_string(), |d, p| d.trim_start_matches(p).to_string());
            let parsed = i64::from_str_radix(&digits, i.radix())
                .map_err(|_| ScenarioError::at(loc.clone(), None, format!("integer {i} does not fit in 64 bits")))?;
            Node::Scalar(RawValue::Int(parsed))
        }
        DeValue::Float(f) => {
            let text: String = f.as_str().chars().filter(|c| *c != '_').collect();
            let parsed = text
                .parse::<f64>()
                .map_err(|_| ScenarioError::at(loc.clone(), None, format!("cannot read float {text}")))?;
            Node::Scalar(RawValue::Float(parsed))
        }
        DeValue::Boolean(b) => Node::Scalar(RawValue::Bool(*b)),
        DeValue::Datetime(_) => Node::Datetime,
        DeValue::Array(a) => {
            let mut items = Vec::with_capacity(a.len());
            for item in a.iter() {
                let item_loc = Loc { file: file.clone(), offset: item.span().start };
                let node = convert_value(file, item.get_ref(), &item_loc)?;
                items.push(Entry { key_loc: item_loc.clone(), value_loc: item_loc, node });
            }
            Node::Array(items)
        }
        DeValue::Table(t) => Node::Table(convert_table(file, t)?),
    })
}

/// Merge `child` over `parent`: tables merge key by key, anything else (arrays of
/// `[[region]]` included) is replaced whole by the child's value.
pub fn merge(parent: &mut BTreeMap<String, Entry>, child: BTreeMap<String, Entry>) {
    for (key, entry) in child {
        match (parent.get_mut(&key), entry.node) {
            (Some(Entry { node: Node::Table(p), .. }), Node::Table(c)) => merge(p, c),
            // Scheduled changes add up along the chain: a child's [[change]] tables come
            // after its parent's, instead of replacing them (a setting changed twice in
            // one week is refused where the changes are checked).
            (Some(Entry { node: Node::Array(p), .. }), Node::Array(c)) if key == "change" => p.extend(c),
            (_, node) => {
                parent.insert(key, Entry { key_loc: entry.key_loc, value_loc: entry.value_loc, node });
            }
        }
    }
}

/// A located table: key → entry.
pub type Table = BTreeMap<String, Entry>;

/// What [`load_chain`] read: the merged tree, every file (root first, then its
/// ancestors) and warnings about the merge.
#[derive(Debug)]
pub struct Chain {
    /// The merged tree.
    pub tree: Table,
    /// Every file read.
    pub files: Vec<Arc<SourceFile>>,
    /// Things the user may not expect, e.g. a `[[region]]` list replacing the parent's.
    pub warnings: Vec<String>,
}

/// Load `path` and its `extends` chain (at most [`MAX_EXTENDS_DEPTH`] files deep, each at
/// most [`MAX_SCENARIO_BYTES`]).
pub fn load_chain(path: &Path) -> Result<Chain, ScenarioError> {
    let mut stack: Vec<PathBuf> = Vec::new();
    let mut chain = Chain { tree: Table::new(), files: Vec::new(), warnings: Vec::new() };
    chain.tree = load_recursive(path, None, &mut stack, &mut chain)?;
    Ok(chain)
}

fn at_or_plain(included_from: Option<&Loc>, msg: String) -> ScenarioError {
    match included_from {
        Some(loc) => ScenarioError::at(loc.clone(), Some("extends".into()), msg),
        None => ScenarioError::plain(msg),
    }
}

/// Keys of the tables in a `[[region]]` array.
fn region_keys(e: &Entry) -> Vec<(&Entry, Vec<&str>)> {
    match &e.node {
        Node::Array(items) => items
            .iter()
            .map(|i| {
                (i, if let Node::Table(t) = &i.node { t.keys().map(String::as_str).collect() } else { Vec::new() })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A child's `[[region]]` list replaces its parent's whole: warn, per child region, about
/// the keys the parent's regions write that it does not (they fall back to defaults).
fn region_warnings(child: &Path, parent: &Path, theirs: &Entry, ours: &Entry, warnings: &mut Vec<String>) {
    use crate::params::spec::ParamTable;
    let defaults = crate::params::RegionSpec::default().entries();
    // Keys the parent's regions set to something other than their default.
    let differs = |item: &Entry, k: &str| -> bool {
        let Node::Table(t) = &item.node else { return false };
        let Some(Entry { node: Node::Scalar(v), .. }) = t.get(k) else { return true };
        defaults.iter().find(|(d, _)| *d == k).is_none_or(|(_, dv)| match (v, dv) {
            (RawValue::Int(a), RawValue::Float(b)) => (*a as f64) != *b,
            (a, b) => a != b,
        })
    };
    let mut parent_keys: Vec<&str> = region_keys(theirs)
        .into_iter()
        .flat_map(|(item, keys)| keys.into_iter().filter(move |k| differs(item, k)))
        .collect();
    parent_keys.sort_unstable();
    parent_keys.dedup();
    for (i, (item, keys)) in region_keys(ours).into_iter().enumerate() {
        let missing: Vec<&str> = parent_keys.iter().copied().filter(|k| !keys.contains(k)).collect();
        if missing.is_empty() {
            continue;
        }
        let (line, col) = item.value_loc.line_col();
        warnings.push(format!(
            "warning: {}:{line}:{col}: region[{}] does not set {}, which {} sets (to a value other than the default) in its [[region]]: a child's \
             [[region]] list replaces the parent's whole, so these take their defaults, not {}'s values",
            child.display(),
            i + 1,
            missing.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
            parent.display(),
            parent.display()
        ));
    }
}

fn load_recursive(
    path: &Path,
    included_from: Option<&Loc>,
    stack: &mut Vec<PathBuf>,
    chain: &mut Chain,
) -> Result<BTreeMap<String, Entry>, ScenarioError> {
    let canonical = match std::fs::canonicalize(path) {
        Ok(c) => c,
        Err(e) => {
            let msg = format!("cannot read scenario file {}: {e}", path.display());
            let hint = if included_from.is_some() {
                "; `extends` takes a path relative to the file that names it"
            } else {
                ""
            };
            return Err(at_or_plain(included_from, format!("{msg}{hint}")));
        }
    };
    if let Some(pos) = stack.iter().position(|p| *p == canonical) {
        let cycle: Vec<String> = stack[pos..]
            .iter()
            .chain(std::iter::once(&canonical))
            .map(|p| p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into()))
            .collect();
        let msg = format!("`extends` cycle: {}; a scenario cannot extend itself", cycle.join(" -> "));
        return Err(at_or_plain(included_from, msg));
    }
    if stack.len() >= MAX_EXTENDS_DEPTH {
        return Err(at_or_plain(
            included_from,
            format!("the `extends` chain is more than {MAX_EXTENDS_DEPTH} files deep; at most {MAX_EXTENDS_DEPTH}"),
        ));
    }
    stack.push(canonical);
    let text =
        read_text_capped(path, "scenario file", MAX_SCENARIO_BYTES).map_err(|m| at_or_plain(included_from, m))?;
    let mut tree = parse_text(path, text)?;
    if let Some(first) = tree.values().next() {
        chain.files.push(first.key_loc.file.clone());
    } else {
        chain.files.push(Arc::new(SourceFile { path: path.to_path_buf(), text: String::new() }));
    }
    let result = match tree.remove("extends") {
        None => tree,
        Some(entry) => {
            let target = match &entry.node {
                Node::Scalar(RawValue::Str(s)) => s.clone(),
                other => {
                    return Err(ScenarioError::at(
                        entry.value_loc,
                        Some("extends".into()),
                        format!("expected a string (a path to another scenario file), found {}", other.type_name()),
                    ));
                }
            };
            let base = path.parent().unwrap_or_else(|| Path::new(".")).join(&target);
            let mut parent = load_recursive(&base, Some(&entry.value_loc), stack, chain)?;
            if let (Some(theirs), Some(ours)) = (parent.get("region"), tree.get("region")) {
                region_warnings(path, &base, theirs, ours, &mut chain.warnings);
            }
            merge(&mut parent, tree);
            parent
        }
    };
    stack.pop();
    Ok(result)
}
