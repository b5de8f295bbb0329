//! Playwright's JSON reporter: every test of every spec (per project), with its status:
//! `expected` passed (or failed as `test.fail()` expects), `skipped`, `unexpected` failed,
//! `flaky` passed on a retry.

use std::path::Path;

use serde_json::Value;

use super::Place;
use crate::parsers::json_values;
use crate::test_result::{TestResult, TestStatus};

/// Every test, named `<file>::<describe titles › test title>` (and ` [project]` when named).
pub fn read(output: &str, place: &Place<'_>) -> Vec<TestResult> {
    let mut found = Vec::new();
    for report in json_values(output, '{') {
        let Some(suites) = report.get("suites").and_then(Value::as_array) else {
            continue;
        };
        let root = report
            .pointer("/config/rootDir")
            .and_then(Value::as_str)
            .map(Path::new);
        for suite in suites {
            walk(suite, &[], root, place, &mut found);
        }
    }
    found
}

fn walk(
    suite: &Value,
    titles: &[String],
    root: Option<&Path>,
    place: &Place<'_>,
    found: &mut Vec<TestResult>,
) {
    let text = |v: &Value, key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let title = text(suite, "title");
    // The file's own suite is titled with the file name; describe blocks are titled.
    let mut titles = titles.to_vec();
    if title != text(suite, "file") && !title.is_empty() {
        titles.push(title);
    }
    let empty = Vec::new();
    for spec in suite
        .get("specs")
        .and_then(Value::as_array)
        .unwrap_or(&empty)
    {
        let file = text(spec, "file");
        let shown = root.map_or_else(
            || file.clone(),
            |r| r.join(&file).to_string_lossy().into_owned(),
        );
        let mut path = titles.clone();
        path.push(text(spec, "title"));
        for test in spec
            .get("tests")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
        {
            let project = text(test, "projectName");
            let status = match text(test, "status").as_str() {
                "expected" if text(test, "expectedStatus") == "failed" => TestStatus::Xfailed,
                "expected" | "flaky" => TestStatus::Passed,
                "skipped" => TestStatus::Skipped,
                _ => TestStatus::Failed,
            };
            let mut id = format!("{file}::{}", path.join(" › "));
            if !project.is_empty() {
                id.push_str(&format!(" [{project}]"));
            }
            found.push(TestResult {
                id,
                file: place.relative(&shown),
                status,
            });
        }
    }
    for inner in suite
        .get("suites")
        .and_then(Value::as_array)
        .unwrap_or(&empty)
    {
        walk(inner, &titles, root, place, found);
    }
}
