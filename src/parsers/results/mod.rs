//! Per-test results: which tests a run named and how each ended, read from the same output
//! (or `JUnit` report) the diagnostic parsers read. One file per runner; the baseline's test
//! census compares them between the base and the target.

mod cargo;
mod go;
mod junit;
mod playwright;
mod pytest;

use super::{Place, Request};
use crate::config::ParserKind;
use crate::test_result::TestRun;

/// The tests the gate's run named, when its parser reads a test runner's output; `None` for
/// parsers of other tools, and when the output names no test at all.
///
/// `whole`: the output was captured whole (not cut in the middle).
pub fn read(
    request: &Request<'_>,
    output: &str,
    place: &Place<'_>,
    whole: bool,
) -> Option<TestRun> {
    let (found, whole) = match request.kind? {
        ParserKind::Cargo => (cargo::read(output, place), whole),
        ParserKind::Go => (go::read(output, place), whole),
        ParserKind::Pytest => (pytest::read(output, place), whole),
        ParserKind::Playwright => (playwright::read(output, place), whole),
        // The report file is read whole, whatever happened to the output.
        ParserKind::Junit => (junit::read(request, place)?, true),
        ParserKind::Tsc
        | ParserKind::Eslint
        | ParserKind::Mypy
        | ParserKind::Sarif
        | ParserKind::Checkstyle
        | ParserKind::Rdjson
        | ParserKind::Regex
        | ParserKind::None => {
            return None;
        }
    };
    (!found.is_empty()).then(|| TestRun::new(found, whole))
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::parsers::Files;
    use crate::test_result::TestStatus;

    /// A captured runner's output under `tests/fixtures/results/<tool>/`, with the capture
    /// directory as the repository root and its files served from `input/`.
    struct Fixture {
        root: PathBuf,
        input: PathBuf,
    }

    impl Fixture {
        fn new(tool: &str) -> Fixture {
            Fixture::under("tests/fixtures/results", "/tmp/backstop-results", tool)
        }

        fn under(fixtures: &str, captured_in: &str, tool: &str) -> Fixture {
            Fixture {
                root: Path::new(captured_in).join(tool),
                input: Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(fixtures)
                    .join(tool)
                    .join("input"),
            }
        }

        fn place(&self) -> Place<'_> {
            Place {
                root: &self.root,
                cwd: &self.root,
                files: self,
            }
        }

        fn text(&self, name: &str) -> String {
            let path = self.input.parent().unwrap().join(name);
            let mut capture = crate::capture::Capture::default();
            capture.push(&std::fs::read(path).expect("a committed fixture"));
            capture.text()
        }

        fn read(&self, kind: ParserKind, output: &str, report: Option<&str>) -> Vec<String> {
            let request = Request {
                kind: Some(kind),
                pattern: None,
                report,
                started: None,
                report_before: None,
            };
            let run = super::read(&request, output, &self.place(), true).expect("tests named");
            assert!(run.whole);
            run.results
                .iter()
                .map(|r| {
                    let status = match r.status {
                        TestStatus::Passed => "passed",
                        TestStatus::Failed => "failed",
                        TestStatus::Skipped => "skipped",
                        TestStatus::Xfailed => "xfailed",
                    };
                    format!("{status} {} @ {}", r.id, r.file.as_deref().unwrap_or("-"))
                })
                .collect()
        }
    }

    impl Files for Fixture {
        fn exists(&self, path: &Path) -> bool {
            path.strip_prefix(&self.root)
                .is_ok_and(|rest| self.input.join(rest).exists())
        }
        fn read(&self, path: &Path) -> Option<String> {
            let rest = path.strip_prefix(&self.root).ok()?;
            // A report the runner wrote sits beside input/, like the outputs.
            let beside = self.input.parent()?.join(rest);
            std::fs::read_to_string(self.input.join(rest))
                .or_else(|_| std::fs::read_to_string(beside))
                .ok()
        }
        fn modified(&self, _: &Path) -> Option<std::time::SystemTime> {
            None
        }
    }

    #[test]
    fn cargo_test_lines_under_their_target() {
        let fixture = Fixture::new("cargo");
        assert_eq!(
            fixture.read(ParserKind::Cargo, &fixture.text("test.txt"), None),
            [
                "passed src/lib.rs::tests::adds @ src/lib.rs",
                "skipped src/lib.rs::tests::adds_slowly @ src/lib.rs",
                "passed tests/api.rs::adds_from_outside @ tests/api.rs",
                "failed tests/api.rs::is_wrong @ tests/api.rs",
                // The example's line is left out of the name: it moves with every edit above.
                "passed doc-tests census::src/lib.rs - add @ src/lib.rs",
            ]
        );
    }

    #[test]
    fn go_test_verbose_and_json_name_the_same_tests() {
        let fixture = Fixture::new("go");
        let expected = [
            "passed example.com/census::TestTable/one @ -",
            "skipped example.com/census::TestTable/two @ -",
            "passed example.com/census::TestTable @ -",
            "skipped example.com/census::TestSkipped @ -",
            "passed example.com/census::TestLogs @ -",
            "failed example.com/census/sub::TestFails @ sub",
            "passed example.com/census/sub::TestPasses @ sub",
        ];
        let verbose = fixture.read(ParserKind::Go, &fixture.text("test-verbose.txt"), None);
        // The verbose output names a parent before its subtests; JSON ends the subtests first.
        let mut sorted = verbose.clone();
        sorted.sort();
        let mut json = fixture.read(ParserKind::Go, &fixture.text("test.jsonl"), None);
        json.sort();
        assert_eq!(sorted, json);
        let mut expected_sorted = expected.to_vec();
        expected_sorted.sort_unstable();
        assert_eq!(json, expected_sorted);
    }

    #[test]
    fn go_test_verbose_diagnostics_are_the_failures_alone() {
        // `go test -v` prints every test's log (a skip's reason, a passing test's t.Log);
        // only the failing test's lines are problems, named after their test.
        let fixture = Fixture::new("go");
        for name in ["test-verbose.txt", "test.jsonl"] {
            let request = Request {
                kind: Some(ParserKind::Go),
                pattern: None,
                report: None,
                started: None,
                report_before: None,
            };
            let found = crate::parsers::parse(&request, &fixture.text(name), &fixture.place());
            let lines: Vec<String> = found
                .iter()
                .map(|d| format!("{:?}:{:?} {}", d.file, d.line, d.message))
                .collect();
            assert_eq!(
                lines,
                [r#"Some("sub/sub_test.go"):Some(5) TestFails: got 1, want 2"#],
                "{name}"
            );
        }
    }

    #[test]
    fn pytest_summary_verbose_and_junit() {
        let fixture = Fixture::new("pytest");
        let summary = [
            "passed tests/test_census.py::test_passes @ tests/test_census.py",
            "passed tests/test_census.py::test_table[a] @ tests/test_census.py",
            "passed tests/test_census.py::test_table[b c] @ tests/test_census.py",
            "passed tests/test_census.py::TestGroup::test_method @ tests/test_census.py",
            "xfailed tests/test_census.py::test_xfails @ tests/test_census.py",
            "failed tests/test_census.py::test_fails @ tests/test_census.py",
        ];
        // `-rA` names no skipped test (`SKIPPED [1] file:line: reason`): it is simply absent.
        assert_eq!(
            fixture.read(ParserKind::Pytest, &fixture.text("rA.txt"), None),
            summary
        );
        let verbose = fixture.read(ParserKind::Pytest, &fixture.text("verbose.txt"), None);
        assert!(
            verbose.contains(
                &"skipped tests/test_census.py::test_skipped @ tests/test_census.py".to_owned()
            ),
            "{verbose:#?}"
        );
        for line in summary {
            assert!(verbose.contains(&line.to_owned()), "{line} in {verbose:#?}");
        }
        let junit = fixture.read(ParserKind::Junit, "", Some("junit.xml"));
        assert!(
            junit.contains(
                &"skipped tests.test_census::test_skipped @ tests/test_census.py".to_owned()
            ),
            "{junit:#?}"
        );
        assert!(
            junit.contains(
                &"xfailed tests.test_census::test_xfails @ tests/test_census.py".to_owned()
            ),
            "{junit:#?}"
        );
        assert_eq!(junit.len(), 7, "{junit:#?}");
    }

    #[test]
    fn vitest_junit() {
        let fixture = Fixture::new("vitest");
        assert_eq!(
            fixture.read(ParserKind::Junit, "", Some("junit.xml")),
            [
                "passed src/census.test.ts::prices > adds @ src/census.test.ts",
                "skipped src/census.test.ts::prices > rounds @ src/census.test.ts",
                "skipped src/census.test.ts::prices > formats @ src/census.test.ts",
                "failed src/census.test.ts::fails @ src/census.test.ts",
            ]
        );
    }

    #[test]
    fn jest_junit() {
        // jest-junit's defaults: the classname and the name are both "<describe> <title>",
        // and no file; a `test.todo` is written as a testcase without <skipped> (a pass).
        let fixture = Fixture::new("jest");
        assert_eq!(
            fixture.read(ParserKind::Junit, "", Some("junit.xml")),
            [
                "passed prices adds::prices adds @ -",
                "skipped prices rounds::prices rounds @ -",
                "skipped prices formats::prices formats @ -",
                "passed prices converts::prices converts @ -",
                "failed  fails:: fails @ -",
            ]
        );
    }

    #[test]
    fn playwright_json_report() {
        let fixture = Fixture::under(
            "tests/fixtures/parsers",
            "/tmp/backstop-capture",
            "playwright",
        );
        assert_eq!(
            fixture.read(ParserKind::Playwright, &fixture.text("report.json"), None),
            [
                "failed todo.spec.ts::has a title @ tests/todo.spec.ts",
                "skipped todo.spec.ts::not ready @ tests/todo.spec.ts",
                "passed todo.spec.ts::todo list › shows the heading @ tests/todo.spec.ts",
                "failed todo.spec.ts::todo list › counts the items @ tests/todo.spec.ts",
            ]
        );
    }

    #[test]
    fn playwright_junit_names_the_tests_as_its_json_reporter_does() {
        // The same run's JUnit report (@playwright/test 1.65.1): one id per test whichever
        // reporter a gate reads, so a census survives a switch between them.
        let fixture = Fixture::under(
            "tests/fixtures/parsers",
            "/tmp/backstop-capture",
            "playwright",
        );
        let mut junit = fixture.read(ParserKind::Junit, "", Some("junit.xml"));
        junit.sort();
        // Its classname is relative to Playwright's `testDir` (tests/), so the file stays
        // unknown (a finding then names gates.toml); the ids are what the census compares.
        assert_eq!(
            junit,
            [
                "failed todo.spec.ts::has a title @ -",
                "failed todo.spec.ts::todo list › counts the items @ -",
                "passed todo.spec.ts::todo list › shows the heading @ -",
                "skipped todo.spec.ts::not ready @ -",
            ]
        );
    }

    #[test]
    fn tools_that_name_no_tests_give_none() {
        let fixture = Fixture::new("cargo");
        let request = Request {
            kind: Some(ParserKind::Cargo),
            pattern: None,
            report: None,
            started: None,
            report_before: None,
        };
        assert!(
            read(
                &request,
                "warning: unused variable\n",
                &fixture.place(),
                true
            )
            .is_none()
        );
        let eslint = Request {
            kind: Some(ParserKind::Eslint),
            ..request
        };
        assert!(read(&eslint, "test a ... ok\n", &fixture.place(), true).is_none());
    }
}
