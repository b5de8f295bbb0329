//! `go test -v` and `go test -json`: every test's `--- PASS/FAIL/SKIP: TestX` (subtests too),
//! in its package (named by the `ok`/`FAIL` line that ends the package's output, or by the
//! JSON event). Plain `go test` names only failures.

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use super::Place;
use crate::parsers::go::package_directory;
use crate::test_result::{TestResult, TestStatus};

/// A `go test -json` event.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Event {
    action: String,
    package: Option<String>,
    test: Option<String>,
}

/// `--- PASS: TestA (0.00s)`, indented for a subtest.
static RESULT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*--- (?P<result>PASS|FAIL|SKIP): (?P<test>\S+)").expect("a valid pattern")
});

/// `ok <TAB> example.com/m <TAB> 0.002s` or `FAIL <TAB> example.com/m/sub <TAB> 0.001s`: the end
/// of a package.
static PACKAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:FAIL|ok)\s+(?P<package>\S+)\s").expect("a valid pattern"));

/// Every test result, named `<package>::<test>`.
pub fn read(output: &str, place: &Place<'_>) -> Vec<TestResult> {
    let mut found: Vec<(Option<String>, String, TestStatus)> = Vec::new();
    for line in output.lines() {
        if line.starts_with('{')
            && let Ok(event) = serde_json::from_str::<Event>(line)
        {
            let status = match event.action.as_str() {
                "pass" => TestStatus::Passed,
                "fail" => TestStatus::Failed,
                "skip" => TestStatus::Skipped,
                _ => continue,
            };
            if let Some(test) = event.test {
                found.push((event.package, test, status));
            }
            continue;
        }
        if let Some(c) = RESULT.captures(line) {
            let status = match &c["result"] {
                "PASS" => TestStatus::Passed,
                "SKIP" => TestStatus::Skipped,
                _ => TestStatus::Failed,
            };
            found.push((None, c["test"].to_owned(), status));
        } else if let Some(c) = PACKAGE.captures(line) {
            for (package, _, _) in found.iter_mut().filter(|(p, _, _)| p.is_none()) {
                *package = Some(c["package"].to_owned());
            }
        }
    }
    found
        .into_iter()
        .map(|(package, test, status)| {
            let file = package
                .as_deref()
                .and_then(|p| package_directory(p, place))
                .and_then(|dir| place.relative(&dir.to_string_lossy()));
            TestResult {
                id: match package {
                    Some(package) => format!("{package}::{test}"),
                    None => test,
                },
                file,
                status,
            }
        })
        .collect()
}
