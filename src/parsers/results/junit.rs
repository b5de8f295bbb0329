//! `JUnit` XML (`report = ...`): every `<testcase>`, failed by a `<failure>` or `<error>`,
//! skipped by a `<skipped>` (pytest's xfail is a skip of type `pytest.xfail`), passed otherwise.
//! Vitest, Jest, Playwright, pytest, Go's and Java's reporters all write it.

use super::{Place, Request};
use crate::parsers::junit::file_from_classname;
use crate::parsers::report;
use crate::test_result::{TestResult, TestStatus};

/// The report's test cases, named `<classname>::<name>`; `None` when the report is missing,
/// stale or not XML (the diagnostics say so).
pub fn read(request: &Request<'_>, place: &Place<'_>) -> Option<Vec<TestResult>> {
    let text = report::read(request, place, "JUnit").ok()??;
    let document = roxmltree::Document::parse(&text).ok()?;
    let mut found = Vec::new();
    for case in document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
    {
        let name = case.attribute("name").unwrap_or("test");
        let classname = case.attribute("classname").unwrap_or_default();
        let child = |tag: &str| case.children().find(|n| n.has_tag_name(tag));
        let status = if child("failure").is_some() || child("error").is_some() {
            TestStatus::Failed
        } else if let Some(skipped) = child("skipped") {
            if skipped
                .attribute("type")
                .is_some_and(|t| t.contains("xfail"))
            {
                TestStatus::Xfailed
            } else {
                TestStatus::Skipped
            }
        } else {
            TestStatus::Passed
        };
        let file = case
            .attribute("file")
            .and_then(|f| place.relative(f))
            .or_else(|| file_from_classname(classname, place));
        found.push(TestResult {
            id: if classname.is_empty() {
                name.to_owned()
            } else {
                format!("{classname}::{name}")
            },
            file,
            status,
        });
    }
    Some(found)
}
