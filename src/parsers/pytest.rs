//! `parser = "pytest"`: pytest's plain output. The short summary (`FAILED tests/x.py::test_y -
//! msg`, `ERROR tests/x.py`) names what failed; the matching section of FAILURES or ERRORS gives
//! the line (`tests/x.py:7: AssertionError`, or `tests/x.py:7: in test_y` with `--tb=short`)
//! and the `E   ` lines give the message. (Its `JUnit` XML goes through `parser = "junit"`.)

use std::sync::LazyLock;

use regex::Regex;

use super::{Place, number};
use crate::diagnostic::{Diagnostic, Severity};

/// `____ test_add ____` or `____ ERROR collecting tests/x.py ____`.
static SECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^_{3,} (?P<name>.+?) _{3,}$").expect("a valid pattern"));

/// A traceback entry: `tests/test_calc.py:7: AssertionError`, `calc.py:6: in divide`.
static ENTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<file>[^\s:]+\.py):(?P<line>\d+):(?: .*)?$").expect("a valid pattern")
});

/// `FAILED tests/x.py::test_y - message` or `ERROR tests/x.py - message`.
static SUMMARY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<outcome>FAILED|ERROR) (?P<node>\S+)(?: - (?P<message>.*))?$")
        .expect("a valid pattern")
});

/// One section of FAILURES or ERRORS.
struct Section {
    name: String,
    /// Traceback entries, in order: file as printed, line.
    entries: Vec<(String, u32)>,
    /// The `E` lines, without the marker.
    errors: Vec<String>,
}

/// A diagnostic per failed test and per collection error.
pub fn parse(output: &str, place: &Place<'_>) -> Vec<Diagnostic> {
    let sections = sections(output);
    let summary: Vec<regex::Captures<'_>> =
        output.lines().filter_map(|l| SUMMARY.captures(l)).collect();
    if summary.is_empty() {
        // `-r N` or a cut-off output: the sections alone.
        return sections
            .iter()
            .map(|s| from_section(s, None, None, place))
            .collect();
    }
    summary
        .iter()
        .map(|c| {
            let node = &c["node"];
            let (file, test) = node.split_once("::").unwrap_or((node, ""));
            let wanted = if test.is_empty() {
                format!("ERROR collecting {file}")
            } else {
                test.replace("::", ".")
            };
            let message = c.name("message").map(|m| m.as_str());
            if let Some(section) = sections.iter().find(|s| s.name == wanted) {
                from_section(section, Some(file), message, place)
            } else {
                let what = if test.is_empty() { file } else { test };
                let said = match message {
                    Some(m) => format!("{what}: {m}"),
                    None => format!("{what} failed"),
                };
                Diagnostic::new(Some(Severity::Error), said).at(place, file, None, None)
            }
        })
        .collect()
}

fn sections(output: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut open = false;
    for line in output.lines() {
        if let Some(c) = SECTION.captures(line) {
            sections.push(Section {
                name: c["name"].to_owned(),
                entries: Vec::new(),
                errors: Vec::new(),
            });
            open = true;
        } else if line.starts_with("====") {
            open = false;
        } else if let (true, Some(section)) = (open, sections.last_mut()) {
            if let Some(c) = ENTRY.captures(line) {
                section
                    .entries
                    .push((c["file"].to_owned(), number(Some(&c["line"])).unwrap_or(0)));
            } else if let Some(error) = line.strip_prefix('E').filter(|r| r.starts_with(' ')) {
                // pytest separates a string comparison from its diff with an `E` line of spaces.
                if !error.trim().is_empty() {
                    section.errors.push(error.trim().to_owned());
                }
            }
        }
    }
    sections
}

/// The diagnostic of a section: at the last traceback entry in the test's own file (where the
/// test failed), naming the deepest entry when the error was raised elsewhere.
fn from_section(
    section: &Section,
    test_file: Option<&str>,
    summary_message: Option<&str>,
    place: &Place<'_>,
) -> Diagnostic {
    let collecting = section.name.strip_prefix("ERROR collecting ");
    let own_file = test_file.or(collecting);
    let in_repo = |(file, _): &&(String, u32)| place.relative(file).is_some();
    let deepest = section.entries.iter().rfind(in_repo);
    let in_test = own_file
        .and_then(|own| {
            let own = place.relative(own);
            section
                .entries
                .iter()
                .rfind(|(file, _)| place.relative(file) == own)
        })
        .or(deepest);
    let error = if section.errors.is_empty() {
        summary_message.unwrap_or("failed").to_owned()
    } else {
        section.errors.join("\n")
    };
    let what = collecting.map_or_else(|| section.name.clone(), |file| format!("collecting {file}"));
    let mut message = format!("{what}: {error}");
    if let (Some(raised), Some(at)) = (deepest, in_test)
        && raised != at
    {
        message.push_str(&format!(" (raised at {}:{})", raised.0, raised.1));
    }
    let diagnostic = Diagnostic::new(Some(Severity::Error), message);
    match (in_test, own_file) {
        (Some((file, line)), _) => diagnostic.at(place, file, Some(*line), None),
        (None, Some(file)) => diagnostic.at(place, file, None, None),
        (None, None) => diagnostic,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, lines};
    use super::*;

    const FAILURES: [&str; 4] = [
        "error tests/test_calc.py:7 test_add: assert 5 == 4⏎+  where 5 = add(2, 2)",
        "error tests/test_calc.py:11 test_divide_by_zero: ZeroDivisionError: division by zero (raised at calc.py:6)",
        "error tests/test_calc.py:17 TestAdd.test_negative: AssertionError: negative numbers add up⏎assert -1 == -2",
        "error tests/test_calc.py:25 test_table[1-1-2]: assert 3 == 2⏎+  where 3 = add(1, 1)",
    ];

    const COLLECTING: &str = "error tests/test_broken.py:1 collecting tests/test_broken.py: ImportError: cannot import name 'missing_name' from 'calc' (/tmp/backstop-capture/pytest/calc.py)";

    fn read(name: &str) -> Vec<String> {
        let fixture = Fixture::new("pytest");
        lines(&parse(&fixture.output(name), &fixture.place()))
    }

    #[test]
    fn failures_and_collection_errors_from_the_long_traceback() {
        let mut expected = FAILURES.to_vec();
        expected.push(COLLECTING);
        assert_eq!(read("plain.txt"), expected);
    }

    #[test]
    fn the_short_traceback_gives_the_same_places() {
        assert_eq!(read("tb-short.txt"), FAILURES);
    }

    #[test]
    fn an_interrupted_collection() {
        assert_eq!(read("collection-error.txt"), [COLLECTING]);
    }

    #[test]
    fn without_a_summary_the_sections_still_speak() {
        let fixture = Fixture::new("pytest");
        let output: String = fixture
            .output("plain.txt")
            .lines()
            .take_while(|l| !l.contains("short test summary info"))
            .flat_map(|l| [l, "\n"])
            .collect();
        let found = lines(&parse(&output, &fixture.place()));
        assert_eq!(found.len(), 5, "{found:#?}");
        assert_eq!(found[0], COLLECTING);
        assert_eq!(found[1], FAILURES[0]);
    }

    #[test]
    fn a_string_comparison_keeps_its_diff_without_the_blank_line() {
        // pytest 9.2.0 -q on examples/python with `letter` off by one (the e2e suite's case).
        let output =
            "=================================== FAILURES ===================================
_______________________ test_letters_at_their_boundaries _______________________

    def test_letters_at_their_boundaries() -> None:
        assert letter(100.0) == \"A\"
>       assert letter(90.0) == \"A\"
E       AssertionError: assert 'B' == 'A'
E         
E         - A
E         + B

tests/test_grades.py:18: AssertionError
=========================== short test summary info ============================
FAILED tests/test_grades.py::test_letters_at_their_boundaries - AssertionErro...
1 failed, 14 passed in 0.05s
";
        let fixture = Fixture::new("pytest");
        assert_eq!(
            lines(&parse(output, &fixture.place())),
            [
                "error tests/test_grades.py:18 test_letters_at_their_boundaries: AssertionError: assert 'B' == 'A'⏎- A⏎+ B"
            ]
        );
    }

    #[test]
    fn a_summary_line_without_its_section_names_the_file() {
        let fixture = Fixture::new("pytest");
        assert_eq!(
            lines(&parse(
                "FAILED tests/test_calc.py::test_gone - assert False\n",
                &fixture.place()
            )),
            ["error tests/test_calc.py test_gone: assert False"]
        );
    }
}
