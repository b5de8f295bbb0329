//! Diagnostic parsers: a gate's captured output (or its `JUnit` report) turned into located
//! problems, with paths made relative to the repository root. One file per tool; this module
//! picks the parser a gate names (`parser = ...`) and owns what they share.

mod cargo;
mod checkstyle;
mod eslint;
mod go;
mod junit;
mod mypy;
mod pattern;
mod place;
mod playwright;
mod pytest;
mod rdjson;
mod report;
mod results;
mod sarif;
mod tsc;

use std::collections::HashSet;
use std::path::Path;
use std::time::SystemTime;

pub use place::{Files, Place, RealFiles};
pub use results::read as test_results;

use crate::config::ParserKind;
pub use crate::diagnostic::severity_from;
use crate::diagnostic::{Diagnostic, Severity};

/// At most this many diagnostics are kept per gate; the rest are counted in a note.
pub const MAX_DIAGNOSTICS: usize = 1000;

/// What a gate asks of the parsers.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `parser = ...`; `None` selects the default `path:line[:col]: message` pattern.
    pub kind: Option<ParserKind>,
    /// `pattern = ...` (with `parser = "regex"`; without it, the default pattern).
    pub pattern: Option<&'a str>,
    /// `report = ...` (with `junit`, `sarif`, `checkstyle`, `rdjson`), relative to `cwd`.
    pub report: Option<&'a str>,
    /// When the gate started: a `JUnit` report older than this was left by an earlier run.
    pub started: Option<SystemTime>,
    /// When the report was last written before the gate started, if it existed: a report
    /// still carrying that time was not rewritten by this run (however close the runs were).
    pub report_before: Option<SystemTime>,
}

/// The diagnostics of one gate: deduplicated, in the tool's order, at most [`MAX_DIAGNOSTICS`].
pub fn parse(request: &Request<'_>, output: &str, place: &Place<'_>) -> Vec<Diagnostic> {
    let found = match request.kind {
        None => pattern::fallback(output, place),
        Some(ParserKind::None) => Vec::new(),
        Some(ParserKind::Cargo) => cargo::parse(output, place),
        Some(ParserKind::Tsc) => tsc::parse(output, place),
        Some(ParserKind::Eslint) => eslint::parse(output, place),
        Some(ParserKind::Pytest) => pytest::parse(output, place),
        Some(ParserKind::Mypy) => mypy::parse(output, place),
        Some(ParserKind::Go) => go::parse(output, place),
        Some(ParserKind::Playwright) => playwright::parse(output, place),
        Some(ParserKind::Junit) => junit::from_report(request, output, place),
        Some(ParserKind::Sarif) => report::document(request, output, place, "SARIF", sarif::parse),
        Some(ParserKind::Checkstyle) => {
            report::document(request, output, place, "Checkstyle XML", checkstyle::parse)
        }
        Some(ParserKind::Rdjson) => {
            report::document(request, output, place, "rdjson", rdjson::parse)
        }
        Some(ParserKind::Regex) => match request.pattern.map(regex::Regex::new) {
            Some(Ok(user)) => pattern::parse(&user, output, place),
            // SPEC §3: `regex` without a pattern reads the default pattern.
            None => pattern::fallback(output, place),
            // Config validation already refused a bad pattern.
            Some(Err(_)) => Vec::new(),
        },
    };
    finish(found)
}

/// Drops exact repeats (a lint reported for both the lib and its test build) and caps the count.
fn finish(found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = HashSet::new();
    let mut kept: Vec<Diagnostic> = found
        .into_iter()
        .filter(|d| seen.insert(d.clone()))
        .collect();
    if kept.len() > MAX_DIAGNOSTICS {
        let more = kept.len() - MAX_DIAGNOSTICS;
        kept.truncate(MAX_DIAGNOSTICS);
        kept.push(Diagnostic::new(
            Some(Severity::Note),
            format!("{more} more diagnostics were dropped; the gate's output has them all"),
        ));
    }
    kept
}

impl Diagnostic {
    /// Pins the diagnostic to `file` as the tool printed it (absolute, or relative to the gate's
    /// `cwd`). A file outside the repository cannot be pinned: its place goes into the message.
    #[must_use]
    pub fn at(
        mut self,
        place: &Place<'_>,
        file: &str,
        line: Option<u32>,
        column: Option<u32>,
    ) -> Diagnostic {
        let line = line.filter(|l| *l > 0);
        let column = column.filter(|c| *c > 0);
        if let Some(path) = place.relative(file) {
            self.file = Some(path);
            self.line = line;
            self.column = line.and(column);
        } else {
            let mut shown = file.to_owned();
            if let Some(line) = line {
                shown.push_str(&format!(":{line}"));
            }
            self.message = format!("{} (at {shown})", self.message);
        }
        self
    }
}

/// Every JSON value that starts at the beginning of a line with `opening` (`{` or `[`), parsed
/// up to its end: tools often print logs before or after their JSON.
fn json_values(text: &str, opening: char) -> Vec<serde_json::Value> {
    let mut values = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(at) = line_start_with(rest, opening) {
        let candidate = &rest[at..];
        let mut stream =
            serde_json::Deserializer::from_str(candidate).into_iter::<serde_json::Value>();
        match stream.next() {
            Some(Ok(value)) => {
                let used = stream.byte_offset();
                values.push(value);
                offset += at + used;
            }
            _ => offset += at + 1,
        }
        rest = &text[offset..];
    }
    values
}

/// Byte index of the first line of `text` whose first non-blank character is `opening`.
fn line_start_with(text: &str, opening: char) -> Option<usize> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with(opening) {
            return Some(start + (line.len() - trimmed.len()));
        }
        start += line.len();
    }
    None
}

/// Parses a decimal line or column number.
fn number(text: Option<&str>) -> Option<u32> {
    text.and_then(|t| t.trim().parse().ok())
}

/// Whether `path` names a file the repository could contain: it exists under the gate's
/// `cwd` or the root, or it has the extension of a source file.
fn looks_like_source(path: &str, place: &Place<'_>) -> bool {
    if path.contains("://") || path.chars().any(char::is_whitespace) {
        return false;
    }
    if place.exists(path) {
        return true;
    }
    let extension = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    SOURCE_EXTENSIONS.contains(&extension)
}

/// Extensions of files that tools report problems in.
const SOURCE_EXTENSIONS: &[&str] = &[
    "c", "cc", "cpp", "cs", "css", "cxx", "dart", "ex", "exs", "go", "h", "hpp", "html", "java",
    "js", "json", "jsx", "kt", "kts", "lua", "md", "mjs", "cjs", "php", "pl", "proto", "py", "rb",
    "rs", "scala", "scss", "sh", "sql", "svelte", "swift", "toml", "ts", "tsx", "vue", "xml",
    "yaml", "yml", "zig",
];

#[cfg(test)]
mod tests {
    use super::fixture::{Fixture, lines};
    use super::*;

    #[test]
    fn json_values_skip_logs_around_them() {
        let text = "building...\n[{\"a\": 1}]\ndone\n  {\"b\": [1,\n 2]}\nnot json {\n";
        let values = json_values(text, '[');
        assert_eq!(values, vec![serde_json::json!([{"a": 1}])]);
        let values = json_values(text, '{');
        assert_eq!(values, vec![serde_json::json!({"b": [1, 2]})]);
    }

    #[test]
    fn json_values_survive_a_truncated_document() {
        let text = "{\"cut\": [1, 2\n{\"whole\": true}\n";
        assert_eq!(
            json_values(text, '{'),
            vec![serde_json::json!({"whole": true})]
        );
    }

    #[test]
    fn severity_words() {
        assert_eq!(severity_from("[error]"), Some(Severity::Error));
        assert_eq!(severity_from("Warning"), Some(Severity::Warning));
        assert_eq!(severity_from("info"), Some(Severity::Note));
        assert_eq!(severity_from("W"), Some(Severity::Warning));
        assert_eq!(severity_from("convention"), None);
    }

    /// SPEC §3: `parser = "regex"` without `pattern` is the default pattern (it read nothing).
    #[test]
    fn regex_without_a_pattern_reads_the_default_pattern() {
        let fixture = Fixture::new("gcc");
        let request = Request {
            kind: Some(ParserKind::Regex),
            pattern: None,
            report: None,
            started: None,
            report_before: None,
        };
        let output = fixture.output("gcc.txt");
        let found = lines(&parse(&request, &output, &fixture.place()));
        assert_eq!(found.len(), 3, "{found:#?}");
        assert_eq!(
            found,
            lines(&parse(
                &Request {
                    kind: None,
                    ..request
                },
                &output,
                &fixture.place()
            ))
        );
    }

    #[test]
    fn repeats_are_dropped_and_the_count_is_capped() {
        let one = Diagnostic::new(Some(Severity::Error), "same");
        assert_eq!(finish(vec![one.clone(), one.clone()]).len(), 1);
        let many: Vec<Diagnostic> = (0..MAX_DIAGNOSTICS + 5)
            .map(|i| Diagnostic::new(None, format!("d{i}")))
            .collect();
        let kept = finish(many);
        assert_eq!(kept.len(), MAX_DIAGNOSTICS + 1);
        assert_eq!(
            kept.last().unwrap().message,
            "5 more diagnostics were dropped; the gate's output has them all"
        );
    }
}

/// Captured tool outputs under `tests/fixtures/parsers/<tool>/`, read as a gate would read them.
#[cfg(test)]
pub(crate) mod fixture {
    use std::path::{Path, PathBuf};

    use super::{Files, Place};
    use crate::diagnostic::Diagnostic;

    /// Where `capture.sh` ran each tool; the outputs name files under it.
    const CAPTURED_IN: &str = "/tmp/backstop-capture";

    /// A tool's capture directory as the repository root, with its files served from the
    /// committed `input/` copy (so tests do not depend on this machine's /tmp).
    pub struct Fixture {
        tool: &'static str,
        root: PathBuf,
        cwd: PathBuf,
    }

    impl Fixture {
        /// The gate ran at the root of the capture directory.
        pub fn new(tool: &'static str) -> Fixture {
            Fixture::in_dir(tool, "")
        }

        /// The gate ran in `cwd` below the root.
        pub fn in_dir(tool: &'static str, cwd: &str) -> Fixture {
            let root = Path::new(CAPTURED_IN).join(tool);
            Fixture {
                tool,
                cwd: if cwd.is_empty() {
                    root.clone()
                } else {
                    root.join(cwd)
                },
                root,
            }
        }

        /// The place the parsers see.
        pub fn place(&self) -> Place<'_> {
            Place {
                root: &self.root,
                cwd: &self.cwd,
                files: self,
            }
        }

        /// A captured output, ANSI codes stripped as the gate runner does.
        pub fn output(&self, name: &str) -> String {
            let bytes = std::fs::read(self.dir().join(name)).expect("a committed fixture");
            let mut capture = crate::capture::Capture::default();
            capture.push(&bytes);
            capture.text()
        }

        fn dir(&self) -> PathBuf {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/parsers")
                .join(self.tool)
        }

        fn mapped(&self, path: &Path) -> Option<PathBuf> {
            let rest = path.strip_prefix(&self.root).ok()?;
            Some(self.dir().join("input").join(rest))
        }
    }

    impl Files for Fixture {
        fn exists(&self, path: &Path) -> bool {
            self.mapped(path).is_some_and(|p| p.exists())
        }
        fn read(&self, path: &Path) -> Option<String> {
            std::fs::read_to_string(self.mapped(path)?).ok()
        }
        fn modified(&self, _: &Path) -> Option<std::time::SystemTime> {
            None
        }
    }

    /// [`lines`], each followed by its fixes as `  fix: ...`.
    pub fn lines_with_fixes(found: &[Diagnostic]) -> Vec<String> {
        lines(found)
            .into_iter()
            .zip(found)
            .flat_map(|(line, d)| {
                std::iter::once(line).chain(
                    d.fixes
                        .iter()
                        .map(|f| format!("  fix: {}", f.summary(d.file.as_deref()))),
                )
            })
            .collect()
    }

    /// One line per diagnostic: `severity file:line:col-end_line:end_col [rule] message`.
    pub fn lines(found: &[Diagnostic]) -> Vec<String> {
        found
            .iter()
            .map(|d| {
                let mut at = d.file.clone().unwrap_or_else(|| "-".to_owned());
                for (sep, n) in [
                    (":", d.line),
                    (":", d.column),
                    ("-", d.end_line),
                    (":", d.end_column),
                ] {
                    if let Some(n) = n {
                        at.push_str(&format!("{sep}{n}"));
                    }
                }
                let severity = d.severity.map_or("none", |s| match s {
                    crate::diagnostic::Severity::Error => "error",
                    crate::diagnostic::Severity::Warning => "warning",
                    crate::diagnostic::Severity::Note => "note",
                });
                let rule = d
                    .rule
                    .as_deref()
                    .map(|r| format!(" [{r}]"))
                    .unwrap_or_default();
                format!("{severity} {at}{rule} {}", d.message.replace('\n', "⏎"))
            })
            .collect()
    }
}
