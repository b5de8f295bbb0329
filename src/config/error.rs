//! Config errors that name the file, line, column and key, and say how to fix them.

use std::fmt;
use std::path::PathBuf;

/// One problem in gates.toml, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file as the user named it (or as found).
    pub file: PathBuf,
    /// 1-based line of the offending key or value; 0 when unknown.
    pub line: usize,
    /// 1-based column; 0 when unknown.
    pub column: usize,
    /// Dotted path of the key, like `gates.clippy.timeout`; empty for the whole file.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if self.key.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": `{}`: {}", self.key, self.message)
        }
    }
}

/// Every problem found in one config file; loading reports them all at once.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
                f.write_str("error: ")?;
            }
            write!(f, "{error}")?;
            if let Some(hint) = &error.hint {
                write!(f, "\nhint: {hint}")?;
            }
        }
        Ok(())
    }
}

/// Turns a byte offset into a 1-based (line, column), counting columns in characters.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..source.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The candidate closest to `typo`, when it is close enough to be what the user meant.
pub fn nearest<'a>(typo: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(typo, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "a = 1\n[gates.x]\nrun = 'é'\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, text.find('\'').unwrap() + 1), (3, 8));
    }

    #[test]
    fn nearest_key_suggests_typos_only() {
        let keys = ["run", "files", "timeout", "pass_files"];
        assert_eq!(nearest("tiemout", keys), Some("timeout"));
        assert_eq!(nearest("pass-files", keys), Some("pass_files"));
        assert_eq!(nearest("zzz", keys), None);
    }
}
