//! pytest's per-test lines: the short test summary of `-rA` (`PASSED tests/x.py::test_y`,
//! `XFAIL ...`, `FAILED ... - message`) and the lines of `-v`
//! (`tests/x.py::test_y SKIPPED (reason) [ 50%]`). (Its `JUnit` XML goes through the `junit`
//! reader.)

use std::sync::LazyLock;

use regex::Regex;

use super::Place;
use crate::test_result::{TestResult, TestStatus};

/// A summary line that names a test (`SKIPPED [1] file:line: reason` names none).
static SUMMARY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<outcome>PASSED|FAILED|ERROR|XFAIL|XPASS) (?P<id>\S+::.+?)(?: - .*)?$")
        .expect("a valid pattern")
});

/// A `-v` line: the node id, the outcome, maybe a reason and the progress.
static VERBOSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?P<id>\S+::.+?) (?P<outcome>PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)(?: \(.*\))?\s*(?:\[\s*\d+%\])?$",
    )
    .expect("a valid pattern")
});

/// Every test the summary or the verbose lines name.
pub fn read(output: &str, place: &Place<'_>) -> Vec<TestResult> {
    let mut found = Vec::new();
    let mut in_summary = false;
    for line in output.lines() {
        if line.starts_with('=') {
            in_summary = line.contains(" short test summary info ");
            continue;
        }
        let captures = if in_summary {
            SUMMARY.captures(line)
        } else {
            VERBOSE.captures(line)
        };
        let Some(c) = captures else { continue };
        let id = c["id"].trim().to_owned();
        let status = match &c["outcome"] {
            "PASSED" | "XPASS" => TestStatus::Passed,
            "SKIPPED" => TestStatus::Skipped,
            "XFAIL" => TestStatus::Xfailed,
            _ => TestStatus::Failed,
        };
        found.push(TestResult {
            file: id.split("::").next().and_then(|f| place.relative(f)),
            id,
            status,
        });
    }
    found
}
