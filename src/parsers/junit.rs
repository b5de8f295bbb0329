//! `parser = "junit"`: the `JUnit` XML file a gate's command writes (`report = ...`), from any
//! runner: pytest, Playwright, Jest, Vitest, Go's and Java's reporters. Each `<failure>` and
//! `<error>` of a `<testcase>` is one diagnostic.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::{Place, Request, SOURCE_EXTENSIONS, number, pattern, report};
use crate::diagnostic::{Diagnostic, Severity};

/// `path/to/file.ext:12` or `:12:5` inside a failure's text.
static LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?P<file>[^\s:'"()\[\]<>]+\.[A-Za-z0-9]{1,8}):(?P<line>\d+)(?::(?P<col>\d+))?"#)
        .expect("a valid pattern")
});

/// Reads the report the gate wrote. A missing, stale (left by an earlier run) or unreadable
/// report is said in a note, and the output is read with the default pattern instead.
pub fn from_report(request: &Request<'_>, output: &str, place: &Place<'_>) -> Vec<Diagnostic> {
    let problem = match report::read(request, place, "JUnit") {
        Ok(None) => return pattern::fallback(output, place),
        Ok(Some(text)) => match parse_xml(&text, place) {
            Ok(found) => return found,
            Err(e) => format!(
                "the JUnit report {} is not valid XML: {e}",
                request.report.unwrap_or_default()
            ),
        },
        Err(problem) => problem,
    };
    let mut found = vec![Diagnostic::new(Some(Severity::Note), problem)];
    found.extend(pattern::fallback(output, place));
    found
}

/// The failures and errors of a `JUnit` XML document.
pub fn parse_xml(text: &str, place: &Place<'_>) -> Result<Vec<Diagnostic>, roxmltree::Error> {
    let document = roxmltree::Document::parse(text)?;
    // pytest writes the 0-based line of the test's `def`.
    let pytest = document
        .descendants()
        .filter(|n| n.has_tag_name("testsuites") || n.has_tag_name("testsuite"))
        .filter_map(|n| n.attribute("name"))
        .any(|name| name.starts_with("pytest"));
    let mut found = Vec::new();
    for case in document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
    {
        for problem in case
            .children()
            .filter(|n| n.has_tag_name("failure") || n.has_tag_name("error"))
        {
            found.push(diagnostic(case, problem, pytest, place));
        }
    }
    Ok(found)
}

fn diagnostic(
    case: roxmltree::Node<'_, '_>,
    problem: roxmltree::Node<'_, '_>,
    pytest: bool,
    place: &Place<'_>,
) -> Diagnostic {
    let name = case.attribute("name").unwrap_or("test");
    let classname = case.attribute("classname").unwrap_or_default();
    let body: String = problem
        .descendants()
        .filter(roxmltree::Node::is_text)
        .filter_map(|n| n.text())
        .collect();
    let headline = problem
        .attribute("message")
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            body.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| problem.tag_name().name().to_owned());
    // pytest's `E   ` lines say it best; other runners' message attribute does.
    let raised: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix('E').filter(|r| r.starts_with(' ')))
        .map(str::trim)
        .collect();
    let detail = if raised.is_empty() {
        headline
    } else {
        raised.join("\n")
    };
    let title = if classname.is_empty() || name.starts_with(classname) {
        name.to_owned()
    } else if is_source_file(classname) {
        // Playwright and Jest name the spec file as the class.
        format!("{classname} › {name}")
    } else {
        format!("{classname}.{name}")
    };
    let message = Diagnostic::new(Some(Severity::Error), format!("{title}: {detail}"));

    let own_file = case
        .attribute("file")
        .and_then(|f| place.relative(f))
        .or_else(|| file_from_classname(classname, place))
        // pytest names a module that failed to import by its dotted path, with no classname.
        .or_else(|| {
            classname
                .is_empty()
                .then(|| file_from_classname(name, place))
                .flatten()
        });
    let mentioned: Vec<(String, u32, Option<u32>)> = LOCATION
        .captures_iter(&body)
        .filter(|c| place.exists(&c["file"]))
        .filter_map(|c| {
            let file = place.relative(&c["file"])?;
            Some((
                file,
                number(Some(&c["line"]))?,
                number(c.name("col").map(|m| m.as_str())),
            ))
        })
        .collect();
    let in_own = mentioned.iter().rfind(|(f, _, _)| {
        own_file.as_deref() == Some(f.as_str())
            || (!classname.is_empty() && (f == classname || f.ends_with(&format!("/{classname}"))))
    });
    match (in_own.or(mentioned.last()), own_file) {
        (Some((file, line, column)), _) => {
            message.at(&root_place(place), file, Some(*line), *column)
        }
        (None, Some(file)) => {
            let line = number(case.attribute("line")).map(|l| if pytest { l + 1 } else { l });
            message.at(&root_place(place), &file, line, None)
        }
        (None, None) => message,
    }
}

fn is_source_file(name: &str) -> bool {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SOURCE_EXTENSIONS.contains(&e))
}

/// A place whose `cwd` is the root, for paths already made repository-relative.
fn root_place<'a>(place: &Place<'a>) -> Place<'a> {
    Place {
        root: place.root,
        cwd: place.root,
        files: place.files,
    }
}

/// `tests.test_calc` or `tests.test_calc.TestAdd` as a Python file, or a classname that is
/// itself a path (Playwright's `todo.spec.ts`).
pub(super) fn file_from_classname(classname: &str, place: &Place<'_>) -> Option<String> {
    if classname.is_empty() {
        return None;
    }
    if place.exists(classname) && Path::new(classname).extension().is_some() {
        return place.relative(classname);
    }
    let parts: Vec<&str> = classname.split('.').collect();
    (1..=parts.len()).rev().find_map(|n| {
        let candidate = format!("{}.py", parts[..n].join("/"));
        place
            .exists(&candidate)
            .then(|| place.relative(&candidate))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::fixture::{Fixture, lines};
    use super::*;

    fn read(tool: &'static str, name: &str) -> Vec<String> {
        let fixture = Fixture::new(tool);
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/parsers")
                .join(tool)
                .join(name),
        )
        .unwrap();
        lines(&parse_xml(&text, &fixture.place()).unwrap())
    }

    const PYTEST: [&str; 5] = [
        "error tests/test_broken.py:1 tests.test_broken: ImportError: cannot import name 'missing_name' from 'calc' (/tmp/backstop-capture/pytest/calc.py)",
        "error tests/test_calc.py:7 tests.test_calc.test_add: assert 5 == 4⏎+  where 5 = add(2, 2)",
        "error tests/test_calc.py:11 tests.test_calc.test_divide_by_zero: ZeroDivisionError: division by zero",
        "error tests/test_calc.py:17 tests.test_calc.TestAdd.test_negative: AssertionError: negative numbers add up⏎assert -1 == -2",
        "error tests/test_calc.py:25 tests.test_calc.test_table[1-1-2]: assert 3 == 2⏎+  where 3 = add(1, 1)",
    ];

    #[test]
    fn pytest_junit_xml_both_families() {
        // xunit2 (the default) has no file attribute: the classname names the module.
        assert_eq!(read("pytest", "junit.xml"), PYTEST);
        assert_eq!(read("pytest", "junit-xunit1.xml"), PYTEST);
    }

    #[test]
    fn playwright_junit_xml() {
        assert_eq!(
            read("playwright", "junit.xml"),
            [
                "error tests/todo.spec.ts:13:38 todo.spec.ts › todo list › counts the items: expect(locator).toHaveCount(expected) failed",
                "error tests/todo.spec.ts:19:56 todo.spec.ts › has a title: the page needs a title",
            ]
        );
    }

    #[test]
    fn a_file_attribute_without_a_location_in_the_text() {
        let fixture = Fixture::new("pytest");
        let xml = r#"<testsuite name="jest"><testcase classname="calc" name="adds" file="calc.py" line="3"><failure message="expected 4">no places here</failure></testcase><testcase name="ok"/><testcase name="skipped"><skipped/></testcase></testsuite>"#;
        assert_eq!(
            lines(&parse_xml(xml, &fixture.place()).unwrap()),
            ["error calc.py:3 calc.adds: expected 4"]
        );
    }

    #[test]
    fn missing_stale_and_broken_reports_fall_back_to_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let place = Place {
            root,
            cwd: root,
            files: &super::super::RealFiles,
        };
        std::fs::write(root.join("a.rs"), "").unwrap();
        let output = "a.rs:3:1: error: from the output\n";
        let request = |started| Request {
            kind: Some(crate::config::ParserKind::Junit),
            pattern: None,
            report: Some("out/junit.xml"),
            started,
            report_before: None,
        };
        assert_eq!(
            lines(&from_report(&request(None), output, &place)),
            [
                "note - no JUnit report at out/junit.xml: the command did not write it",
                "error a.rs:3:1 from the output",
            ]
        );
        std::fs::create_dir(root.join("out")).unwrap();
        std::fs::write(
            root.join("out/junit.xml"),
            "<testsuite><testcase name=\"t\"><failure message=\"m\"/></testcase></testsuite>",
        )
        .unwrap();
        assert_eq!(
            lines(&from_report(&request(None), output, &place)),
            ["error - t: m"]
        );
        let later = std::time::SystemTime::now() + Duration::from_mins(1);
        assert_eq!(
            lines(&from_report(&request(Some(later)), output, &place))[0],
            "note - the JUnit report out/junit.xml is older than this run; it was not read"
        );
        // Written a moment before this run started and not rewritten by it: stale, even
        // within the clock slack.
        let written = std::fs::metadata(root.join("out/junit.xml"))
            .unwrap()
            .modified()
            .unwrap();
        let unchanged = Request {
            report_before: Some(written),
            ..request(Some(written))
        };
        assert_eq!(
            lines(&from_report(&unchanged, output, &place))[0],
            "note - the JUnit report out/junit.xml is older than this run; it was not read"
        );
        std::fs::write(root.join("out/junit.xml"), "<testsuite>").unwrap();
        assert!(
            lines(&from_report(&request(None), output, &place))[0]
                .starts_with("note - the JUnit report out/junit.xml is not valid XML")
        );
    }
}
