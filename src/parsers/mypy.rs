//! `parser = "mypy"`: mypy's output, plain or `pretty = true`.
//!
//! Each problem starts with `file:line[:col[:end_line:end_col]]: error|warning|note: message`
//! and ends in `  [code]` (the rule). `pretty = true` wraps the message at the terminal width
//! (the code may land alone on the next line) and adds the source line, indented by four
//! spaces, with a `^~~~` marker under the span: the lines are joined back, and the marker gives
//! the column when `show_column_numbers` is off. The notes that follow an error at the same
//! place (hints, overload variants, links) belong to it and join its message; a note anywhere
//! else (`reveal_type`) is a diagnostic of its own.

use std::sync::LazyLock;

use regex::Regex;

use super::{Place, number, severity_from};
use crate::diagnostic::{Diagnostic, Severity};

/// The first line of a problem.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?P<file>(?:[A-Za-z]:[\\/])?[^:\s][^:]*?):(?:(?P<line>\d+):(?:(?P<col>\d+):(?:(?P<end_line>\d+):(?P<end_col>\d+):)?)?)? (?P<severity>error|warning|note): (?P<message>.*)$",
    )
    .expect("a valid pattern")
});

/// The error code that ends a message: `  [arg-type]`.
static CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s+\[(?P<code>[a-z][a-z0-9-]*)\]$").expect("a valid pattern"));

/// The closing line: `Found 3 errors in 1 file (checked 29 source files)`, `Success: ...`.
static CLOSING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:Found \d+ errors? in \d+ files?|Success: no issues found)")
        .expect("a valid pattern")
});

/// Notes that only say where the next problems are (`--show-error-context`, and the import
/// chain of a module checked through another).
const CONTEXT_NOTES: [&str; 5] = [
    "In function ",
    "In member ",
    "In class ",
    "At top level:",
    "In module imported here",
];

/// A problem as it is read, before its place is resolved.
struct Item {
    file: String,
    line: Option<u32>,
    column: Option<u32>,
    /// The end of the span, exclusive.
    end: Option<(u32, u32)>,
    severity: Severity,
    /// The message, wrapped lines joined.
    message: String,
    /// The notes that followed it at the same place.
    notes: Vec<String>,
    /// The source line pretty mode showed (without its four-space indent), and then whether
    /// the `^~~~` marker under it was read.
    source: Option<String>,
    marked: bool,
}

/// A diagnostic per error and warning, and per note that follows none.
pub fn parse(output: &str, place: &Place<'_>) -> Vec<Diagnostic> {
    let mut items: Vec<Item> = Vec::new();
    // Whether the last item may still take wrapped lines of its message.
    let mut wrapping = false;
    // Only pretty mode wraps messages (and it shows source lines with markers): in plain mode a
    // stray line after a problem is not part of its message.
    let pretty = output.lines().any(is_marker);
    for line in output.lines() {
        if let Some(c) = HEADER.captures(line) {
            wrapping = pretty;
            let severity = severity_from(&c["severity"]).unwrap_or(Severity::Error);
            let message = c["message"].trim_end().to_owned();
            let line_number = number(c.name("line").map(|m| m.as_str()));
            if severity == Severity::Note {
                if CONTEXT_NOTES.iter().any(|p| message.starts_with(p)) {
                    wrapping = false;
                    continue;
                }
                if let Some(last) = items.last_mut()
                    && last.severity != Severity::Note
                    && last.file == c["file"]
                    && last.line == line_number
                {
                    last.notes.push(message);
                    continue;
                }
            }
            // `--show-error-end` prints the last column; reports give the one after it.
            let end = number(c.name("end_line").map(|m| m.as_str()))
                .zip(number(c.name("end_col").map(|m| m.as_str())))
                .map(|(line, column)| (line, column + 1));
            items.push(Item {
                file: c["file"].to_owned(),
                line: line_number,
                column: number(c.name("col").map(|m| m.as_str())),
                end,
                severity,
                message,
                notes: Vec::new(),
                source: None,
                marked: false,
            });
            continue;
        }
        let Some(item) = items.last_mut() else {
            continue;
        };
        if line.trim().is_empty() || CLOSING.is_match(line) {
            wrapping = false;
        } else if let Some(source) = line.strip_prefix("    ")
            && item.source.is_none()
            && item.severity != Severity::Note
        {
            item.source = Some(source.to_owned());
            wrapping = false;
        } else if item.source.is_some() && !item.marked && is_marker(line) {
            item.marked = true;
            if item.column.is_none() {
                read_marker(item, line, place);
            }
        } else if wrapping && item.notes.is_empty() && item.source.is_none() {
            // A wrapped line of the message (pretty mode breaks at spaces).
            item.message.push(' ');
            item.message.push_str(line.trim());
        } else {
            wrapping = false;
        }
    }
    items.iter().map(|item| diagnostic(item, place)).collect()
}

/// `    ^~~~~` under a source line.
fn is_marker(line: &str) -> bool {
    let mark = line.trim();
    mark.starts_with('^') && mark.chars().skip(1).all(|c| c == '~')
}

/// The column and span of the marker under the shown source line. A long line is shown cut,
/// with `...` at either end: the shown part is found in the file's line to count the columns.
fn read_marker(item: &mut Item, marker: &str, place: &Place<'_>) {
    let Some(source) = &item.source else { return };
    let caret = marker
        .chars()
        .take_while(|c| *c == ' ')
        .count()
        .saturating_sub(4);
    let width = marker.trim().chars().count();
    let shown: Vec<char> = source.chars().collect();
    let cut_left = source.starts_with("...");
    let cut_right = source.len() > 3 && source.ends_with("...");
    let offset = if cut_left {
        // `....` is cut at both ends with nothing between: no column to find.
        let end = shown.len().saturating_sub(if cut_right { 3 } else { 0 });
        let Some(visible) = shown.get(3..end) else {
            return;
        };
        let visible: String = visible.iter().collect();
        let Some(start) = file_line(item, place).and_then(|text| {
            let at = text.find(&visible)?;
            Some(text[..at].chars().count())
        }) else {
            return;
        };
        // The marker's place in the shown line, less the `...`, plus where the shown part starts.
        match caret.checked_sub(3) {
            Some(caret) => start + caret,
            None => return,
        }
    } else {
        caret
    };
    let column = u32::try_from(offset + 1).ok();
    item.column = column;
    let ends_in_cut = cut_right && caret + width > shown.len().saturating_sub(3);
    if let (Some(line), Some(column), false) = (item.line, column, ends_in_cut) {
        let width = u32::try_from(width).unwrap_or(0);
        item.end = Some((line, column + width));
    } else {
        item.end = None;
    }
}

/// The text of the item's line in its file, if the file can be read.
fn file_line(item: &Item, place: &Place<'_>) -> Option<String> {
    let relative = place.relative(&item.file)?;
    let text = place.files.read(&place.root.join(relative))?;
    let index = usize::try_from(item.line?.checked_sub(1)?).ok()?;
    text.lines().nth(index).map(str::to_owned)
}

fn diagnostic(item: &Item, place: &Place<'_>) -> Diagnostic {
    let (message, code) = match CODE.captures(&item.message) {
        Some(c) => {
            let start = c.get(0).map_or(item.message.len(), |m| m.start());
            (item.message[..start].to_owned(), Some(c["code"].to_owned()))
        }
        None => (item.message.clone(), None),
    };
    let mut text = message;
    for note in &item.notes {
        text.push('\n');
        text.push_str(note);
    }
    let end = item.end;
    Diagnostic::new(Some(item.severity), text)
        .rule(code)
        .at(place, &item.file, item.line, item.column)
        .until(end.map(|e| e.0), end.map(|e| e.1))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, lines};
    use super::*;

    fn read(name: &str) -> Vec<String> {
        let fixture = Fixture::new("mypy");
        lines(&parse(&fixture.output(name), &fixture.place()))
    }

    /// The six errors of the capture, with their notes; `columns` says where each starts.
    fn expected(columns: bool) -> Vec<String> {
        let at = |line: u32, span: Option<(u32, u32)>| match (columns, span) {
            (true, Some((column, end))) => format!("{line}:{column}-{line}:{end}"),
            _ => line.to_string(),
        };
        vec![
            format!(
                "error src/click/formatting.py:{} [import-untyped] Library stubs not installed for \"yaml\"⏎Hint: \"python3 -m pip install types-PyYAML\"⏎(or run \"mypy --install-types\" to install all missing stub packages)⏎See https://mypy.readthedocs.io/en/stable/running_mypy.html#missing-imports",
                at(7, Some((1, 2)))
            ),
            format!(
                "error src/click/formatting.py:{} [call-overload] No overload variant of \"int\" matches argument types \"str\", \"str\"⏎Possible overload variants:⏎    def int(str | Buffer | SupportsInt | SupportsIndex | SupportsTrunc = ..., /) -> int⏎    def int(str | bytes | bytearray, /, base: SupportsIndex) -> int",
                at(21, Some((66, 89)))
            ),
            format!(
                "error src/click/formatting.py:{} [return-value] Incompatible return value type (got \"tuple[str, int]\", expected \"tuple[str, bool]\")",
                at(322, Some((12, 48)))
            ),
            format!(
                "error tests/typing/typing_options.py:{} [assignment] Incompatible types in assignment (expression has type \"int | None\", variable has type \"int\")",
                at(20, Some((18, 38)))
            ),
            format!(
                "error tests/typing/typing_options.py:{} [no-any-return] Returning Any from function declared to return \"int\"",
                at(21, Some((5, 42)))
            ),
            format!(
                "error tests/typing/typing_options.py:{} [misc] \"None\" not callable",
                at(21, Some((12, 42)))
            ),
        ]
    }

    #[test]
    fn plain_output_with_notes_and_codes() {
        assert_eq!(read("plain.txt"), expected(false));
    }

    #[test]
    fn column_numbers_and_error_ends() {
        assert_eq!(read("columns.txt"), expected(true));
    }

    #[test]
    fn pretty_messages_are_joined_and_the_marker_gives_the_column() {
        // click sets `pretty = true`: the message was cut at its first line before.
        let found = read("pretty.txt");
        let mut wanted = expected(true);
        // The marker under a cut line ends in the cut: the span's end is unknown.
        wanted[1] = wanted[1].replace("21:66-21:89", "21:66");
        assert_eq!(found, wanted);
    }

    #[test]
    fn pretty_with_column_numbers() {
        assert_eq!(read("pretty-columns.txt"), expected(true));
    }

    #[test]
    fn context_notes_are_not_problems() {
        let found = read("context.txt");
        let mut wanted = expected(true);
        wanted[1] = wanted[1].replace("21:66-21:89", "21:66");
        assert_eq!(found, wanted);
    }

    /// Review A9: a Windows path matched no header (the error was lost), and in plain mode a
    /// stray line after a problem was glued onto its message.
    #[test]
    fn windows_paths_and_stray_lines_in_plain_mode() {
        let fixture = Fixture::new("mypy");
        let output = "C:\\proj\\m.py:4: error: Bad thing  [misc]\nsrc/click/formatting.py:15: error: Name \"x\" is not defined  [name-defined]\nsome tool's stray line\nFound 2 errors in 2 files (checked 2 source files)\n";
        assert_eq!(
            lines(&parse(output, &fixture.place())),
            [
                // On Linux a backslash is part of a file name: the path is taken as printed.
                "error C:\\proj\\m.py:4 [misc] Bad thing",
                "error src/click/formatting.py:15 [name-defined] Name \"x\" is not defined",
            ]
        );
    }

    /// A shown line of only dots (`....`) with a marker under it panicked (review A6).
    #[test]
    fn a_source_line_of_dots_does_not_panic() {
        let fixture = Fixture::new("mypy");
        for dots in ["....", ".....", "...", "......"] {
            let output = format!(
                "src/click/formatting.py:15: error: Name \"x\" is not defined  [name-defined]\n    {dots}\n    ^~~\nFound 1 error in 1 file (checked 1 source file)\n"
            );
            assert_eq!(
                lines(&parse(&output, &fixture.place())),
                ["error src/click/formatting.py:15 [name-defined] Name \"x\" is not defined"],
                "{dots}"
            );
        }
    }

    #[test]
    fn a_note_of_its_own_stays_a_note() {
        let fixture = Fixture::new("mypy");
        let output = "src/click/formatting.py:14: note: Revealed type is \"builtins.int\"\nsrc/click/formatting.py:15: error: Name \"x\" is not defined  [name-defined]\nsrc/click/formatting.py:16: note: Revealed type is \"builtins.str\"\nFound 1 error in 1 file (checked 1 source file)\n";
        assert_eq!(
            lines(&parse(output, &fixture.place())),
            [
                "note src/click/formatting.py:14 Revealed type is \"builtins.int\"",
                "error src/click/formatting.py:15 [name-defined] Name \"x\" is not defined",
                "note src/click/formatting.py:16 Revealed type is \"builtins.str\"",
            ]
        );
    }
}
