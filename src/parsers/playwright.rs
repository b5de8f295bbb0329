//! `parser = "playwright"`: the JSON reporter (`--reporter=json` on stdout). Each failing spec
//! gives one diagnostic per error, at the error's location (the failing assertion) or else the
//! spec's own file and line, with the assertion message.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use serde::Deserialize;

use super::{Place, json_values};
use crate::diagnostic::{Diagnostic, Severity};

/// Lines of an error message kept before the rest is cut (the call log, the code frame).
const MESSAGE_LINES: usize = 8;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    #[serde(default)]
    config: Config,
    #[serde(default)]
    suites: Vec<Suite>,
    #[serde(default)]
    errors: Vec<TestError>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Config {
    root_dir: Option<String>,
}

#[derive(Deserialize)]
struct Suite {
    #[serde(default)]
    title: String,
    file: Option<String>,
    #[serde(default)]
    specs: Vec<Spec>,
    #[serde(default)]
    suites: Vec<Suite>,
}

#[derive(Deserialize)]
struct Spec {
    title: String,
    ok: bool,
    file: Option<String>,
    line: Option<u32>,
    column: Option<u32>,
    #[serde(default)]
    tests: Vec<Test>,
}

#[derive(Deserialize)]
struct Test {
    #[serde(default)]
    results: Vec<TestResult>,
}

#[derive(Deserialize)]
struct TestResult {
    status: String,
    #[serde(default)]
    errors: Vec<TestError>,
}

#[derive(Deserialize)]
struct TestError {
    message: Option<String>,
    location: Option<Location>,
}

#[derive(Deserialize)]
struct Location {
    file: String,
    line: u32,
    column: Option<u32>,
}

/// The failing specs of every JSON report in the output, and the run's own errors.
pub fn parse(output: &str, place: &Place<'_>) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for value in json_values(output, '{') {
        let Ok(report) = serde_json::from_value::<Report>(value) else {
            continue;
        };
        let root = report.config.root_dir.as_deref();
        for suite in &report.suites {
            walk(suite, &[], root, place, &mut found);
        }
        for error in &report.errors {
            found.push(error_diagnostic(error, "playwright", None, place));
        }
    }
    found
}

/// Recursive over nested suites: bounded, since `serde_json` refuses JSON nested more than 128
/// deep (`src/parsers` read attacker-controlled text: no recursion there without a bound).
fn walk(
    suite: &Suite,
    titles: &[&str],
    root: Option<&str>,
    place: &Place<'_>,
    found: &mut Vec<Diagnostic>,
) {
    let mut titles = titles.to_vec();
    // The file's own suite is titled with the file name, which the location already shows.
    if !suite.title.is_empty() && suite.file.as_deref() != Some(suite.title.as_str()) {
        titles.push(&suite.title);
    }
    for spec in suite.specs.iter().filter(|s| !s.ok) {
        let mut path = titles.clone();
        path.push(&spec.title);
        let title = path.join(" › ");
        let spec_file = spec.file.as_deref().map(|f| {
            root.map_or_else(
                || f.to_owned(),
                |r| Path::new(r).join(f).to_string_lossy().into_owned(),
            )
        });
        let failed = spec
            .tests
            .iter()
            .flat_map(|t| &t.results)
            .filter(|r| !matches!(r.status.as_str(), "passed" | "skipped"));
        let mut any = false;
        for result in failed {
            for error in &result.errors {
                any = true;
                let fallback = spec_file.as_deref().map(|f| (f, spec.line, spec.column));
                found.push(error_diagnostic(error, &title, fallback, place));
            }
            if result.errors.is_empty() {
                any = true;
                found.push(at_spec(
                    Diagnostic::new(Some(Severity::Error), format!("{title}: {}", result.status)),
                    spec_file.as_deref(),
                    spec,
                    place,
                ));
            }
        }
        if !any {
            found.push(at_spec(
                Diagnostic::new(Some(Severity::Error), format!("{title}: failed")),
                spec_file.as_deref(),
                spec,
                place,
            ));
        }
    }
    for child in &suite.suites {
        walk(child, &titles, root, place, found);
    }
}

fn at_spec(
    diagnostic: Diagnostic,
    file: Option<&str>,
    spec: &Spec,
    place: &Place<'_>,
) -> Diagnostic {
    match file {
        Some(file) => diagnostic.at(place, file, spec.line, spec.column),
        None => diagnostic,
    }
}

fn error_diagnostic(
    error: &TestError,
    title: &str,
    fallback: Option<(&str, Option<u32>, Option<u32>)>,
    place: &Place<'_>,
) -> Diagnostic {
    let message = error.message.as_deref().map(clean).unwrap_or_default();
    let text = if message.is_empty() {
        format!("{title}: failed")
    } else {
        format!("{title}: {message}")
    };
    let diagnostic = Diagnostic::new(Some(Severity::Error), text);
    match (&error.location, fallback) {
        (Some(at), _) => diagnostic.at(place, &at.file, Some(at.line), at.column),
        (None, Some((file, line, column))) => diagnostic.at(place, file, line, column),
        (None, None) => diagnostic,
    }
}

/// A code frame line (`  17 | test(...)`, `> 19 | ...`) or a stack line (`    at /x.ts:1:2`).
static FRAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:>?\s*\d+ \||\|\s|at )").expect("a valid pattern"));

/// The message without colours, the call log, the code frame or the stack, and at most
/// [`MESSAGE_LINES`] lines.
fn clean(message: &str) -> String {
    let plain =
        String::from_utf8_lossy(&strip_ansi_escapes::strip(message.as_bytes())).into_owned();
    let mut lines: Vec<&str> = plain
        .lines()
        .take_while(|l| !l.trim_start().starts_with("Call log:") && !FRAME.is_match(l))
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    lines.truncate(MESSAGE_LINES);
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, lines};
    use super::*;

    const EXPECTED: [&str; 2] = [
        "error tests/todo.spec.ts:19:56 has a title: Error: the page needs a title⏎expect(received).toBe(expected) // Object.is equality⏎Expected: \"Todos\"⏎Received: \"\"",
        "error tests/todo.spec.ts:13:38 todo list › counts the items: Error: expect(locator).toHaveCount(expected) failed⏎Locator:  locator('li')⏎Expected: 2⏎Received: 1⏎Timeout:  5000ms",
    ];

    #[test]
    fn failing_specs_at_their_assertion_with_the_message() {
        let fixture = Fixture::new("playwright");
        assert_eq!(
            lines(&parse(&fixture.output("report.json"), &fixture.place())),
            EXPECTED
        );
    }

    #[test]
    fn the_json_report_after_the_list_reporter() {
        // `--reporter=list,json`: people read the list, the parser finds the JSON after it.
        let fixture = Fixture::new("playwright");
        assert_eq!(
            lines(&parse(
                &fixture.output("list-and-json.txt"),
                &fixture.place()
            )),
            EXPECTED
        );
    }

    #[test]
    fn a_failure_without_an_error_location_falls_back_to_the_spec() {
        let fixture = Fixture::new("playwright");
        let report = serde_json::json!({
            "config": {"rootDir": "/tmp/backstop-capture/playwright/tests"},
            "suites": [{"title": "todo.spec.ts", "file": "todo.spec.ts", "specs": [{
                "title": "times out", "ok": false, "file": "todo.spec.ts", "line": 11, "column": 3,
                "tests": [{"results": [{"status": "timedOut", "errors": [{"message": "Test timeout of 30000ms exceeded."}]}]}]
            }]}],
            "errors": [{"message": "Error: No tests found"}]
        });
        assert_eq!(
            lines(&parse(&report.to_string(), &fixture.place())),
            [
                "error tests/todo.spec.ts:11:3 times out: Test timeout of 30000ms exceeded.",
                "error - playwright: Error: No tests found",
            ]
        );
    }
}
