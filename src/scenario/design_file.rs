//! Design files: a sample matrix written by another tool (SALib's `salib sample ...`
//! or `np.savetxt`), one row per point, one column per swept parameter, separated by
//! spaces, tabs or commas. Blank lines and lines starting with `#` are skipped.

use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::error::ScenarioError;
use super::source::{Loc, SourceFile};

/// The rows of a design file and the SHA-256 of its contents.
pub fn read(path: &Path) -> Result<(Vec<Vec<f64>>, String), ScenarioError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::plain(format!("cannot read design file {}: {e}", path.display())))?;
    let sha: String = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let file = Arc::new(SourceFile { path: path.to_path_buf(), text });
    let mut rows = Vec::new();
    let mut offset = 0usize;
    for line in file.text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if body.trim().is_empty() || body.trim_start().starts_with('#') {
            continue;
        }
        let mut row = Vec::new();
        let mut pos = 0usize;
        for field in body.split(|c: char| c == ',' || c.is_whitespace()) {
            let at = pos;
            pos += field.len() + 1;
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
        if let Some(first) = rows.first().map(|r: &Vec<f64>| r.len())
            && first != row.len()
        {
            return Err(ScenarioError::at(
                Loc { file: file.clone(), offset: start },
                None,
                format!("this row has {} value(s); the first row has {first}", row.len()),
            ));
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(ScenarioError::plain(format!("design file {} holds no rows", path.display())));
    }
    Ok((rows, sha))
}
