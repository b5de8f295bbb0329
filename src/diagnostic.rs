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
#[serde(deny_unknown_fields)]
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
    /// Column just after the span on its last line (exclusive, as in SARIF).
    pub end_column: Option<u32>,
    /// error, warning or note.
    pub severity: Option<Severity>,
    /// What the tool said.
    pub message: String,
    /// The tool's rule or code, like `clippy::needless_return` or `E0308`.
    pub rule: Option<String>,
    /// Fixes the tool suggests (alternatives; each one's edits go together).
    pub fixes: Vec<Fix>,
    /// Whether the same problem was reported at the base (the baseline run): true for an old
    /// problem, false for one the change brought; null when the gate had no baseline.
    pub at_base: Option<bool>,
}

/// A fix a tool suggests: edits that resolve the diagnostic when applied together.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("additionalProperties" = false))]
pub struct Fix {
    /// What the fix does, when the tool says.
    pub description: Option<String>,
    /// The edits, in the tool's order.
    pub edits: Vec<Edit>,
}

/// One edit of a fix: the text from `line:column` up to `end_line:end_column` (exclusive)
/// replaced by `text`; an insertion when the two places are the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("additionalProperties" = false))]
pub struct Edit {
    /// Repository-relative path.
    pub file: String,
    /// 1-based first line.
    pub line: u32,
    /// 1-based first column.
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Column just after the replaced text (exclusive).
    pub end_column: u32,
    /// The new text.
    pub text: String,
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
            fixes: Vec::new(),
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

    /// Adds the fixes whose edits survived (an edit outside the repository is dropped).
    #[must_use]
    pub fn fixes(mut self, fixes: impl IntoIterator<Item = Fix>) -> Diagnostic {
        self.fixes
            .extend(fixes.into_iter().filter(|f| !f.edits.is_empty()));
        self
    }

    /// Sets the tool's rule or code.
    #[must_use]
    pub fn rule(mut self, rule: Option<impl Into<String>>) -> Diagnostic {
        self.rule = rule.map(Into::into).filter(|r: &String| !r.is_empty());
        self
    }
}

impl Fix {
    /// One line for text formats: `replace 3:5-3:12 with "x"`, `insert "y" at 4:1`,
    /// `delete 2:1-3:1`; edits in another file than `file` name it; edits joined by `; `, in
    /// parentheses after the description when there is one.
    pub fn summary(&self, file: Option<&str>) -> String {
        let edits: Vec<String> = self
            .edits
            .iter()
            .map(|edit| {
                let mut at = String::new();
                if file != Some(edit.file.as_str()) {
                    at.push_str(&edit.file);
                    at.push(':');
                }
                at.push_str(&format!("{}:{}", edit.line, edit.column));
                let span = if (edit.end_line, edit.end_column) == (edit.line, edit.column) {
                    None
                } else {
                    Some(format!("{at}-{}:{}", edit.end_line, edit.end_column))
                };
                match (span, edit.text.is_empty()) {
                    (None, _) => format!("insert {} at {at}", quoted(&edit.text)),
                    (Some(span), true) => format!("delete {span}"),
                    (Some(span), false) => format!("replace {span} with {}", quoted(&edit.text)),
                }
            })
            .collect();
        match &self.description {
            Some(description) if edits.is_empty() => description.clone(),
            Some(description) => format!("{description} ({})", edits.join("; ")),
            None => edits.join("; "),
        }
    }
}

/// Text in double quotes, escaped, cut at 80 characters.
fn quoted(text: &str) -> String {
    const WIDTH: usize = 80;
    let escaped: String = text.escape_debug().collect();
    if escaped.chars().count() <= WIDTH {
        return format!("\"{escaped}\"");
    }
    let cut: String = escaped.chars().take(WIDTH - 1).collect();
    format!("\"{cut}…\"")
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
