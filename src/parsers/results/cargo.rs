//! cargo test's (libtest's) per-test lines, `test tests::adds ... ok`, under the
//! `Running <target>` (or `Doc-tests <crate>`) line that names the test binary.

use std::sync::LazyLock;

use regex::Regex;

use super::Place;
use crate::test_result::{TestResult, TestStatus};

/// `     Running unittests src/lib.rs (target/debug/deps/ledger-0f1e)` or
/// `     Running tests/api.rs (target/debug/deps/api-9a8b)`.
static RUNNING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*Running (?:unittests )?(?P<target>\S+)(?: \(.*\))?$").expect("a valid pattern")
});

/// `   Doc-tests ledger`.
static DOC_TESTS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*Doc-tests (?P<krate>\S+)$").expect("a valid pattern"));

/// `test tests::adds ... ok`, `... FAILED`, `... ignored` or `... ignored, slow`.
static TEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^test (?P<name>.+?) \.\.\. (?P<result>ok|FAILED|ignored)(?:, .*)?$")
        .expect("a valid pattern")
});

/// A doc test's name ends with the line of its example, which moves with every edit above it.
static DOC_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r" \(line \d+\)$").expect("a valid pattern"));

/// Every test line, named `<target>::<test>` (a unit test and an integration test may share
/// a name).
pub fn read(output: &str, place: &Place<'_>) -> Vec<TestResult> {
    let mut target: Option<String> = None;
    let mut doc = false;
    let mut found = Vec::new();
    for line in output.lines() {
        if let Some(c) = RUNNING.captures(line) {
            target = Some(c["target"].to_owned());
            doc = false;
        } else if let Some(c) = DOC_TESTS.captures(line) {
            target = Some(format!("doc-tests {}", &c["krate"]));
            doc = true;
        } else if let Some(c) = TEST.captures(line) {
            let name = if doc {
                DOC_LINE.replace(&c["name"], "").into_owned()
            } else {
                c["name"].to_owned()
            };
            let status = match &c["result"] {
                "ok" => TestStatus::Passed,
                "ignored" => TestStatus::Skipped,
                _ => TestStatus::Failed,
            };
            let file = if doc {
                name.split(" - ").next().and_then(|f| place.relative(f))
            } else {
                target.as_deref().and_then(|t| place.relative(t))
            };
            found.push(TestResult {
                id: match &target {
                    Some(target) => format!("{target}::{name}"),
                    None => name,
                },
                file,
                status,
            });
        }
    }
    found
}
