//! Scenario errors: what is wrong, where (file, line, column), and what is allowed.

use std::fmt;

use super::source::Loc;

/// One problem found in a scenario.
#[derive(Debug, Clone)]
pub struct ScenarioError {
    /// Where it is, when there is a place to point at.
    pub loc: Option<Loc>,
    /// The dotted key concerned (e.g. `policy.supervision_quality`, `region[2].deprivation`).
    pub key: Option<String>,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl ScenarioError {
    /// An error with a location.
    pub fn at(loc: Loc, key: Option<String>, message: impl Into<String>) -> Self {
        ScenarioError { loc: Some(loc), key, message: message.into() }
    }

    /// An error without a location (e.g. a file that cannot be read).
    pub fn plain(message: impl Into<String>) -> Self {
        ScenarioError { loc: None, key: None, message: message.into() }
    }

    /// `file:line:column`, when known.
    pub fn position(&self) -> Option<(String, usize, usize)> {
        self.loc.as_ref().map(|loc| {
            let (line, col) = loc.line_col();
            (loc.file.path.display().to_string(), line, col)
        })
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: ")?;
        if let Some((file, line, col)) = self.position() {
            write!(f, "{file}:{line}:{col}: ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "`{key}`: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(loc) = &self.loc {
            let (line, col) = loc.line_col();
            let gutter = line.to_string().len();
            // Quote at most QUOTED characters of a long line, around the column.
            const QUOTED: usize = 120;
            let full = loc.line_text();
            let (text, col) = if full.chars().count() > QUOTED {
                let start = col.saturating_sub(QUOTED / 2 + 1);
                let window: String = full.chars().skip(start).take(QUOTED).collect();
                let lead = if start > 0 { "…" } else { "" };
                (format!("{lead}{window}…"), col - start + lead.chars().count())
            } else {
                (full.to_string(), col)
            };
            let pad: String =
                text.chars().take(col.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
            write!(f, "\n{:gutter$} |\n{line} | {text}\n{:gutter$} | {pad}^", "", "")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Every problem found in a scenario (validation reports them all, not just the first).
#[derive(Debug, Clone)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{e}")?;
        }
        let n = self.0.len();
        write!(f, "{n} error{} in scenario", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for ScenarioErrors {}

impl From<ScenarioError> for ScenarioErrors {
    fn from(e: ScenarioError) -> Self {
        ScenarioErrors(vec![e])
    }
}
