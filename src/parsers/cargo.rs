//! `parser = "cargo"`: rustc and clippy messages from `--message-format=json` (and, for gates
//! without it, rustc's human `error[E..]: ...` / `--> file:line:col` form), plus test failures
//! from libtest's `thread '...' panicked at file:line:col:` lines.

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use super::{Place, number};
use crate::diagnostic::{Diagnostic, Severity};

/// One line of `--message-format=json`; only compiler messages matter.
#[derive(Deserialize)]
struct Line {
    reason: String,
    message: Option<Message>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(rename = "message")]
    text: String,
    level: String,
    code: Option<Code>,
    #[serde(default)]
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct Code {
    code: String,
}

#[derive(Deserialize)]
struct Span {
    file_name: String,
    line_start: u32,
    line_end: u32,
    column_start: u32,
    column_end: u32,
    is_primary: bool,
    label: Option<String>,
    expansion: Option<Box<Expansion>>,
}

#[derive(Deserialize)]
struct Expansion {
    span: Span,
}

/// `thread 'name' (1234) panicked at src/lib.rs:11:9:` (Rust 1.73+; the id since 1.90).
static PANIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^thread '(?P<name>[^']*)'(?: \(\d+\))? panicked at (?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+):$")
        .expect("a valid pattern")
});

/// `thread 'name' panicked at 'message', src/lib.rs:11:9` (before Rust 1.73).
static OLD_PANIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^thread '(?P<name>[^']*)' panicked at '(?P<message>.*)', (?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+)$")
        .expect("a valid pattern")
});

/// rustc's human header: `error[E0308]: mismatched types`.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<level>error|warning)(?:\[(?P<code>[^\]]+)\])?: (?P<message>.+)$")
        .expect("a valid pattern")
});

/// rustc's human location line: ` --> src/lib.rs:3:5`.
static ARROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*--> (?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+)$").expect("a valid pattern")
});

/// The lint named in a human message's notes: `` `-D clippy::needless-return` implied `` or
/// `` `#[warn(unused_variables)]` on by default ``.
static LINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"= note: `(?:-[DW] |#\[(?:warn|deny)\()(?P<lint>[a-z0-9_:-]+)")
        .expect("a valid pattern")
});

/// Every compiler message and test failure in the output.
pub fn parse(output: &str, place: &Place<'_>) -> Vec<Diagnostic> {
    let lines: Vec<&str> = output.lines().collect();
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if line.starts_with('{') {
            if let Ok(Line {
                reason,
                message: Some(message),
            }) = serde_json::from_str(line)
                && reason == "compiler-message"
            {
                found.extend(compiler_message(&message, place));
            }
        } else if let Some(c) = PANIC.captures(line) {
            let message = panic_message(&lines[index + 1..]);
            found.push(panic(&c, &message, place));
        } else if let Some(c) = OLD_PANIC.captures(line) {
            found.push(panic(&c, &c["message"], place));
        } else if let Some(c) = HEADER.captures(line)
            && let Some(at) = lines.get(index + 1).and_then(|next| ARROW.captures(next))
        {
            let block = lines[index + 1..].iter().take_while(|l| !l.is_empty());
            let rule = c.name("code").map(|m| m.as_str().to_owned()).or_else(|| {
                block
                    .filter_map(|l| LINT.captures(l))
                    .map(|l| l["lint"].replace('-', "_"))
                    .next()
            });
            found.push(
                Diagnostic::new(Some(level(&c["level"])), &c["message"])
                    .rule(rule)
                    .at(
                        place,
                        &at["file"],
                        number(Some(&at["line"])),
                        number(Some(&at["col"])),
                    ),
            );
        }
    }
    found
}

fn compiler_message(message: &Message, place: &Place<'_>) -> Option<Diagnostic> {
    if message.level == "failure-note" || is_summary(message) {
        return None;
    }
    let mut diagnostic = Diagnostic::new(Some(level(&message.level)), message.text.clone())
        .rule(message.code.as_ref().map(|c| c.code.clone()));
    if let Some(span) = message.spans.iter().find(|s| s.is_primary) {
        let span = in_repository(span, place);
        if let Some(label) = span.label.as_deref().filter(|l| !l.is_empty()) {
            diagnostic.message = format!("{} ({label})", diagnostic.message);
        }
        diagnostic = diagnostic
            .at(
                place,
                &span.file_name,
                Some(span.line_start),
                Some(span.column_start),
            )
            .until(Some(span.line_end), Some(span.column_end));
    }
    Some(diagnostic)
}

/// "aborting due to 2 previous errors", "3 warnings emitted": counts, not problems.
fn is_summary(message: &Message) -> bool {
    message.spans.is_empty()
        && (message.text.starts_with("aborting due to")
            || message.text.ends_with("warning emitted")
            || message.text.ends_with("warnings emitted"))
}

/// A span inside a macro from elsewhere (std, a dependency) is reported where the macro was
/// called from in this repository.
fn in_repository<'s>(span: &'s Span, place: &Place<'_>) -> &'s Span {
    let mut current = span;
    while place.relative(&current.file_name).is_none() || current.file_name.starts_with('<') {
        match &current.expansion {
            Some(expansion) => current = &expansion.span,
            None => return span,
        }
    }
    current
}

fn level(level: &str) -> Severity {
    if level.starts_with("error") {
        Severity::Error
    } else if level == "warning" {
        Severity::Warning
    } else {
        Severity::Note
    }
}

/// The panic message: the lines after the `panicked at` line, up to libtest's note, a
/// backtrace, or a blank line.
fn panic_message(after: &[&str]) -> String {
    after
        .iter()
        .take_while(|l| {
            !l.is_empty()
                && !l.starts_with("note: ")
                && !l.starts_with("stack backtrace:")
                && !l.starts_with("thread '")
        })
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

fn panic(c: &regex::Captures<'_>, message: &str, place: &Place<'_>) -> Diagnostic {
    let message = message.trim_end();
    let who = match &c["name"] {
        "main" | "<unnamed>" => "panicked".to_owned(),
        name => format!("test {name} panicked"),
    };
    let text = if message.is_empty() {
        who
    } else {
        format!("{who}: {message}")
    };
    Diagnostic::new(Some(Severity::Error), text).at(
        place,
        &c["file"],
        number(Some(&c["line"])),
        number(Some(&c["col"])),
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, lines};
    use super::*;

    fn read(fixture: &Fixture, name: &str) -> Vec<String> {
        lines(&super::super::finish(parse(
            &fixture.output(name),
            &fixture.place(),
        )))
    }

    const CLIPPY: [&str; 3] = [
        "error crates/lints/src/lib.rs:2:9-2:15 [unused_variables] unused variable: `unused`",
        "error crates/lints/src/lib.rs:3:5-3:17 [clippy::needless_return] unneeded `return` statement",
        "error crates/lints/src/lib.rs:6:24-6:33 [clippy::ptr_arg] writing `&Vec` instead of `&[_]` involves a new object where a slice will do",
    ];

    #[test]
    fn a_type_error_has_its_code_span_and_label() {
        // The `failure-note` ("For more information...") and cargo's own lines are not problems.
        assert_eq!(
            read(&Fixture::new("cargo"), "build-error.jsonl"),
            [
                "error crates/broken/src/lib.rs:3:5-3:16 [E0308] mismatched types (expected `u32`, found `&str`)"
            ]
        );
    }

    #[test]
    fn warnings_stay_warnings_and_clippy_lints_are_rules() {
        assert_eq!(
            read(&Fixture::new("cargo"), "build-warnings.jsonl"),
            [
                "warning crates/lints/src/lib.rs:2:9-2:15 [unused_variables] unused variable: `unused`"
            ]
        );
        assert_eq!(read(&Fixture::new("cargo"), "clippy.jsonl"), CLIPPY);
    }

    #[test]
    fn paths_relative_to_the_workspace_root_are_found_from_a_member_cwd() {
        // rustc prints paths relative to the workspace root, not to the gate's cwd.
        assert_eq!(
            read(&Fixture::in_dir("cargo", "crates/lints"), "clippy.jsonl"),
            CLIPPY
        );
    }

    #[test]
    fn human_rustc_output_gives_the_same_places_and_lints() {
        let human: Vec<String> = CLIPPY
            .iter()
            .map(|l| {
                l.replace("-2:15", "")
                    .replace("-3:17", "")
                    .replace("-6:33", "")
            })
            .collect();
        assert_eq!(read(&Fixture::new("cargo"), "clippy-human.txt"), human);
    }

    #[test]
    fn test_failures_are_pinned_to_the_panic() {
        let expected = [
            "error crates/tested/src/lib.rs:11:9 test tests::adds panicked: assertion `left == right` failed⏎  left: 5⏎ right: 4",
            "error crates/tested/tests/api.rs:9:13 test unwraps_none panicked: the value is missing",
        ];
        assert_eq!(read(&Fixture::new("cargo"), "test-failures.txt"), expected);
        // A backtrace ends the message, and its frames (std, ./src) are not diagnostics.
        assert_eq!(
            read(&Fixture::new("cargo"), "test-backtrace.txt"),
            expected[..1]
        );
    }

    #[test]
    fn panics_before_rust_1_73_and_in_main() {
        let fixture = Fixture::new("cargo");
        let output = "thread 'it_works' panicked at 'boom', src/lib.rs:4:5\nthread 'main' panicked at src/main.rs:2:5:\nexplicit panic\n";
        assert_eq!(
            lines(&parse(output, &fixture.place())),
            [
                "error src/lib.rs:4:5 test it_works panicked: boom",
                "error src/main.rs:2:5 panicked: explicit panic"
            ]
        );
    }
}
