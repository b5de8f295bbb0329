//! What a test runner said about each test it ran: the shape the per-test readers of
//! [`crate::parsers`] produce and the baseline's test census compares.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// How one test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    /// Ran and passed (an unexpected pass of an xfail counts too).
    Passed,
    /// Ran and failed, or errored.
    Failed,
    /// Collected but not run: skipped, ignored, todo.
    Skipped,
    /// Ran and failed as expected (pytest's xfail): it no longer checks anything.
    Xfailed,
}

impl TestStatus {
    /// What happened to a test that no longer passes, for a finding's sentence.
    pub fn phrase(self) -> &'static str {
        match self {
            TestStatus::Passed => "passed",
            TestStatus::Failed => "failed",
            TestStatus::Skipped => "was skipped",
            TestStatus::Xfailed => "was marked as an expected failure",
        }
    }
}

/// One test's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    /// The runner's own name for the test, unique within the gate's run
    /// (`tests/test_x.py::test_y`, `tests/api.rs::parses`, `example.com/m::TestA/one`).
    pub id: String,
    /// The repository-relative file (or package directory) it lives in, when the output says.
    pub file: Option<String>,
    /// How it ended.
    pub status: TestStatus,
}

impl TestResult {
    /// The names in the id below its file, package or class (the first `::` part), each
    /// group and test on its own, parameters left out: `tests/x.py::TestK::test_m[1]` →
    /// `TestK`, `test_m`; `example.com/m::TestA/one` → `TestA`, `one`;
    /// `src/list.test.ts::prices > formats cents` → `prices`, `formats cents`.
    pub fn names(&self) -> Vec<String> {
        let mut parts: Vec<&str> = self.id.split("::").collect();
        if parts.len() > 1 {
            parts.remove(0);
        }
        parts
            .iter()
            .flat_map(|part| part.split(['/', '>', '›']))
            .map(|piece| piece.split('[').next().unwrap_or_default().trim())
            .filter(|piece| !piece.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// The tests one gate run named.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRun {
    /// Every test the output (or report) named, in its order, one entry per id.
    pub results: Vec<TestResult>,
    /// Whether these are all the tests the run reported: false when the output was cut in
    /// the middle, so a test absent here may have run.
    pub whole: bool,
}

impl TestRun {
    /// A run from results that may repeat ids (a doc test's several examples, a retried
    /// test): one entry per id, passed only if every entry passed.
    pub fn new(found: Vec<TestResult>, whole: bool) -> TestRun {
        let mut results: Vec<TestResult> = Vec::with_capacity(found.len());
        let mut seen: HashMap<String, usize> = HashMap::with_capacity(found.len());
        for result in found {
            match seen.get(&result.id) {
                Some(&at) if results[at].status == TestStatus::Passed => {
                    results[at].status = result.status;
                }
                Some(_) => {}
                None => {
                    seen.insert(result.id.clone(), results.len());
                    results.push(result);
                }
            }
        }
        TestRun { results, whole }
    }

    /// The results by id, for looking many up.
    pub fn by_id(&self) -> HashMap<&str, &TestResult> {
        self.results.iter().map(|r| (r.id.as_str(), r)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(id: &str) -> Vec<String> {
        TestResult {
            id: id.to_owned(),
            file: None,
            status: TestStatus::Passed,
        }
        .names()
    }

    #[test]
    fn names_leave_files_and_parameters_out() {
        assert_eq!(
            named("tests/test_x.py::TestK::test_m[a b]"),
            ["TestK", "test_m"]
        );
        assert_eq!(named("example.com/m::TestA/one"), ["TestA", "one"]);
        assert_eq!(
            named("src/list.test.ts::prices > formats cents"),
            ["prices", "formats cents"]
        );
        assert_eq!(named("lonely"), ["lonely"]);
    }

    #[test]
    fn repeated_ids_pass_only_if_every_entry_passed() {
        let result = |status| TestResult {
            id: "doc::src/lib.rs - add".to_owned(),
            file: None,
            status,
        };
        let run = TestRun::new(
            vec![result(TestStatus::Passed), result(TestStatus::Skipped)],
            true,
        );
        assert_eq!(run.results.len(), 1);
        assert_eq!(run.results[0].status, TestStatus::Skipped);
    }
}
