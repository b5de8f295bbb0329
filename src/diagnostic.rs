//! A problem a tool reported, pinned to a place in a file: the one shape every parser produces
//! and every renderer reads.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Severity of a diagnostic, most severe first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the gate.
    Error,
    /// Worth a look.
    Warning,
    /// Information.
    Note,
}

/// A problem pinned to a place in a file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Diagnostic {
    /// Repository-relative path, or null.
    pub file: Option<String>,
    /// 1-based line.
    pub line: Option<u32>,
    /// 1-based column.
    pub column: Option<u32>,
    /// Last line of the span.
    pub end_line: Option<u32>,
    /// Last column of the span.
    pub end_column: Option<u32>,
    /// error, warning or note.
    pub severity: Option<Severity>,
    /// What the tool said.
    pub message: String,
    /// The tool's rule or code, like `clippy::needless_return` or `E0308`.
    pub rule: Option<String>,
    /// Whether the same problem was reported at the base (the baseline run): true for an old
    /// problem, false for one the change brought; null when the gate had no baseline.
    pub at_base: Option<bool>,
}

impl Diagnostic {
    /// A diagnostic with a message and nothing located yet.
    pub fn new(severity: Option<Severity>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: None,
            line: None,
            column: None,
            end_line: None,
            end_column: None,
            severity,
            message: message.into(),
            rule: None,
            at_base: None,
        }
    }

    /// Sets the end of the span when it is a real position after the start.
    #[must_use]
    pub fn until(mut self, end_line: Option<u32>, end_column: Option<u32>) -> Diagnostic {
        if let (Some(line), Some(end)) = (self.line, end_line.filter(|e| *e > 0))
            && end >= line
        {
            self.end_line = Some(end);
            self.end_column = end_column.filter(|c| *c > 0);
        }
        self
    }

    /// Sets the tool's rule or code.
    #[must_use]
    pub fn rule(mut self, rule: Option<impl Into<String>>) -> Diagnostic {
        self.rule = rule.map(Into::into).filter(|r: &String| !r.is_empty());
        self
    }
}

/// A severity word as tools print it (`error`, `Warning`, `[warn]`, `E`, `info`...).
pub fn severity_from(word: &str) -> Option<Severity> {
    // "fatal error" and "error" alike: the first word decides.
    let word = word
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_ascii_lowercase();
    match word.as_str() {
        "e" | "error" | "err" | "fatal" | "failure" | "critical" | "crit" => Some(Severity::Error),
        "w" | "warning" | "warn" => Some(Severity::Warning),
        "n" | "i" | "note" | "info" | "information" | "hint" | "notice" | "help" | "message" => {
            Some(Severity::Note)
        }
        _ => None,
    }
}
