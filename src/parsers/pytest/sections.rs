//! The FAILURES and ERRORS blocks of pytest's output, cut into one section per failure: its
//! title (the header between runs of `_`), its traceback entries, its `E` lines, and the text
//! around its last entry. With `--tb=line` there are no headers: each entry line ends a section
//! of its own, with no title.

use std::sync::LazyLock;

use regex::Regex;

use crate::parsers::number;

/// A traceback entry: `tests/test_calc.py:7: AssertionError`, `calc.py:6: in divide`, or
/// where a fixture is missing (`/path/tests/test_calc.py:30`).
static ENTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<file>[^\s:]+\.py):(?P<line>\d+)(?::(?: .*)?)?$").expect("a valid pattern")
});

/// An entry of a `--tb=native` traceback: `  File "/path/tests/test_x.py", line 13, in broken`.
static NATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*File "(?P<file>[^"]+\.py)", line (?P<line>\d+)"#).expect("a valid pattern")
});

/// One failure of FAILURES or error of ERRORS.
pub struct Section {
    /// The header's title; `None` for a `--tb=line` failure.
    pub title: Option<String>,
    /// Whether it is an error (in ERRORS: setup, teardown, collection) rather than a failure.
    pub error: bool,
    /// Traceback entries, in order: file as printed, line.
    pub entries: Vec<(String, u32)>,
    /// The `E` lines, without the marker.
    pub errors: Vec<String>,
    /// The text lines (not blank, their indent kept) just before the last entry (a doctest's
    /// `Expected:`/`Got:`), and after it (the exception that ends a native traceback).
    pub before: Vec<String>,
    pub after: Vec<String>,
    /// Past `--- Captured stdout call ---`: the test's own output, not pytest's.
    captured: bool,
}

impl Section {
    /// The exception that ends a native traceback: after the last entry's source line (and
    /// its `^^^` marker), the lines from the first one that is not indented.
    pub fn native_exception(&self) -> Option<String> {
        if self.entries.is_empty() {
            return None;
        }
        let start = self.after.iter().position(|l| !l.starts_with(' '))?;
        let lines: Vec<&str> = self.after[start..].iter().map(|l| l.trim()).collect();
        Some(lines.join("\n"))
    }

    fn new(title: Option<String>, error: bool) -> Section {
        Section {
            title,
            error,
            entries: Vec::new(),
            errors: Vec::new(),
            before: Vec::new(),
            after: Vec::new(),
            captured: false,
        }
    }

    fn read(&mut self, line: &str) {
        if self.captured {
            return;
        }
        let entry = ENTRY.captures(line).or_else(|| NATIVE.captures(line));
        if let Some(c) = entry {
            self.entries
                .push((c["file"].to_owned(), number(Some(&c["line"])).unwrap_or(0)));
            self.before = std::mem::take(&mut self.after);
        } else if let Some(error) = line.strip_prefix('E').filter(|r| r.starts_with(' ')) {
            // pytest separates a string comparison from its diff with an `E` line of spaces.
            if !error.trim().is_empty() {
                self.errors.push(error.trim().to_owned());
            }
        } else if !line.trim().is_empty() {
            self.after.push(line.trim_end().to_owned());
        }
    }
}

/// Which `=== ... ===` block a line is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    /// Before any block header (an output cut at its start): sections are read.
    Unknown,
    Failures,
    Errors,
    /// Any other block (warnings summary, PASSES, the short summary): nothing is read.
    Other,
}

/// The sections of FAILURES and ERRORS, in order. `summary` is the line of the last short test
/// summary header: after a `--- Captured ... ---` line, a test's own output may hold a whole
/// inner run (pytester), whose block titles are not this run's. There only that header, and
/// FAILURES or ERRORS where this run's would come next, are block titles.
pub fn sections(output: &str, summary: Option<usize>) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut current: Option<Section> = None;
    let mut block = Block::Unknown;
    let mut captured = false;
    for (index, line) in output.lines().enumerate() {
        if let Some(name) = block_title(line) {
            let ours = !captured
                || Some(index) == summary
                || match name {
                    "ERRORS" => block == Block::Unknown,
                    "FAILURES" => matches!(block, Block::Unknown | Block::Errors),
                    _ => false,
                };
            if !ours {
                continue;
            }
            captured = false;
            sections.extend(
                current
                    .take()
                    .filter(|s| s.title.is_some() || !s.errors.is_empty()),
            );
            block = match name {
                "FAILURES" => Block::Failures,
                "ERRORS" => Block::Errors,
                _ => Block::Other,
            };
            continue;
        }
        if block == Block::Other {
            continue;
        }
        if let Some(title) = section_title(line) {
            sections.extend(current.take());
            let error = block == Block::Errors || title.starts_with("ERROR ");
            current = Some(Section::new(Some(title.to_owned()), error));
            continue;
        }
        if line.starts_with("----") && line.contains(" Captured ") {
            if let Some(section) = &mut current {
                section.captured = true;
            }
            captured = true;
            continue;
        }
        if block == Block::Unknown && current.is_none() {
            continue;
        }
        let section = current.get_or_insert_with(|| Section::new(None, block == Block::Errors));
        section.read(line);
        // Without headers (`--tb=line`), an entry line ends its failure.
        if section.title.is_none() && !section.entries.is_empty() {
            sections.extend(current.take());
        }
    }
    sections.extend(current.filter(|s| s.title.is_some() || !s.errors.is_empty()));
    sections
}

/// `FAILURES` of `=== FAILURES ===`.
fn block_title(line: &str) -> Option<&str> {
    let inner = line.strip_prefix("==")?.trim_start_matches('=');
    let inner = inner.strip_suffix("==")?.trim_end_matches('=');
    let title = inner.strip_prefix(' ')?.strip_suffix(' ')?;
    (!title.is_empty()).then_some(title)
}

/// A section header: its title between runs of `_`. pytest centres the title in a line of
/// `_` as wide as the terminal, keeping one `_` on each side when the title is wider, so the
/// two runs differ by one at most; `_ _ _ _` (between traceback entries) is no header.
pub fn section_title(line: &str) -> Option<&str> {
    let inner = line.trim_start_matches('_');
    let left = line.len() - inner.len();
    let inner = inner.trim_end_matches('_');
    let right = line.len() - left - inner.len();
    if left == 0 || right == 0 || left.abs_diff(right) > 1 {
        return None;
    }
    let title = inner.strip_prefix(' ')?.strip_suffix(' ')?;
    (!title.trim().is_empty() && !title.chars().all(|c| c == '_' || c == ' ')).then_some(title)
}
