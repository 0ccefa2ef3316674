//! Design files: a sample matrix written by another tool (SALib's `salib sample ...`
//! or `np.savetxt`), one row per point, one column per swept parameter, separated by
//! spaces, tabs or commas. Blank lines and lines starting with `#` are skipped. A
//! header before the first row — a line (commented or not) that names swept keys — maps
//! the columns by name: it must name every swept parameter once, and the columns are
//! read in its order whatever the order of `[sweep.parameters]`. Without a header the
//! columns are in `[sweep.parameters]` order.

use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::error::ScenarioError;
use super::source::{Loc, SourceFile};

/// Largest design file read, in bytes (256 MiB: about 10 million rows of 3 numbers).
pub const MAX_DESIGN_BYTES: u64 = 256 << 20;

/// A design file as read.
#[derive(Debug, Clone)]
pub struct DesignRows {
    /// One row per point, one value per swept parameter.
    pub rows: Vec<Vec<f64>>,
    /// The 1-based line of each row in the file (for errors).
    pub lines: Vec<usize>,
    /// SHA-256 of the file's contents.
    pub sha256: String,
}

/// Read a design file. `columns` is the number of swept parameters: a row with another
/// count is an error at its line.
pub fn read(path: &Path, keys: &[String]) -> Result<DesignRows, ScenarioError> {
    let columns = keys.len();
    let text = super::source::read_text_capped(path, "design file", MAX_DESIGN_BYTES).map_err(ScenarioError::plain)?;
    let sha: String = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let file = Arc::new(SourceFile { path: path.to_path_buf(), text });
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let mut offset = 0usize;
    // Column j of the file holds parameter order[j] (identity without a header).
    let mut order: Vec<usize> = (0..columns).collect();
    for (number, line) in file.text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if body.trim().is_empty() {
            continue;
        }
        if rows.is_empty() {
            let tokens: Vec<&str> = body
                .trim_start_matches('#')
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|t| !t.is_empty())
                .collect();
            let named: Vec<&str> = tokens.iter().copied().filter(|t| keys.iter().any(|k| k == t)).collect();
            let comment = body.trim_start().starts_with('#');
            // A header: a line naming swept keys (in a comment, among other words; or a
            // line of keys only).
            if !named.is_empty() && (comment || named.len() == tokens.len()) {
                let loc = Loc { file: file.clone(), offset: start };
                let mut seen = Vec::new();
                for t in &named {
                    if seen.contains(t) {
                        return Err(ScenarioError::at(loc, None, format!("the header names `{t}` twice")));
                    }
                    seen.push(t);
                }
                if let Some(missing) = keys.iter().find(|k| !named.contains(&k.as_str())) {
                    return Err(ScenarioError::at(
                        loc,
                        None,
                        format!(
                            "the header names {} of the {columns} swept parameter(s) but not `{missing}`; name every \
                             one (or none, for [sweep.parameters] order)",
                            named.len()
                        ),
                    ));
                }
                order = named.iter().map(|t| keys.iter().position(|k| k == t).expect("a swept key")).collect();
                continue;
            }
            if !comment && tokens.iter().any(|t| t.contains('.') && t.parse::<f64>().is_err()) {
                return Err(ScenarioError::at(
                    Loc { file: file.clone(), offset: start },
                    None,
                    format!(
                        "this header names keys that are not swept; the sweep's parameters are {}",
                        keys.join(", ")
                    ),
                ));
            }
        }
        if body.trim_start().starts_with('#') {
            continue;
        }
        let mut row = Vec::new();
        // Fields with their byte offsets in the line (separators may be multi-byte, e.g. a
        // no-break space).
        let fields = body
            .char_indices()
            .filter(|(_, c)| *c == ',' || c.is_whitespace())
            .map(|(i, c)| (i, i + c.len_utf8()))
            .chain(std::iter::once((body.len(), body.len())))
            .scan(0usize, |from, (sep, next)| {
                let field = (*from, &body[*from..sep]);
                *from = next;
                Some(field)
            });
        for (at, field) in fields {
            if field.is_empty() {
                continue;
            }
            match field.parse::<f64>() {
                Ok(x) if x.is_finite() => row.push(x),
                _ => {
                    return Err(ScenarioError::at(
                        Loc { file: file.clone(), offset: start + at },
                        None,
                        format!("`{field}` is not a number; a design file holds numbers separated by spaces or commas"),
                    ));
                }
            }
        }
        if row.len() != columns {
            return Err(ScenarioError::at(
                Loc { file: file.clone(), offset: start },
                None,
                format!(
                    "this row has {} value(s); the sweep has {columns} parameter(s), so every row needs {columns} \
                     (one per [sweep.parameters] key, in order)",
                    row.len()
                ),
            ));
        }
        if rows.len() as u64 >= super::MAX_SWEEP_POINTS {
            return Err(ScenarioError::at(
                Loc { file: file.clone(), offset: start },
                None,
                format!(
                    "more than {} rows; a sweep may have at most {} points",
                    super::MAX_SWEEP_POINTS,
                    super::MAX_SWEEP_POINTS
                ),
            ));
        }
        let mut ordered = vec![0.0; columns];
        for (j, x) in row.into_iter().enumerate() {
            ordered[order[j]] = x;
        }
        rows.push(ordered);
        lines.push(number + 1);
    }
    if rows.is_empty() {
        return Err(ScenarioError::plain(format!("design file {} holds no rows", path.display())));
    }
    Ok(DesignRows { rows, lines, sha256: sha })
}
