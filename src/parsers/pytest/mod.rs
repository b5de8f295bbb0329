//! `parser = "pytest"`: pytest's plain output. The short summary (`FAILED tests/x.py::test_y -
//! msg`, `ERROR tests/x.py`) names what failed; the matching section of FAILURES or ERRORS gives
//! the line (`tests/x.py:7: AssertionError`, or `tests/x.py:7: in test_y` with `--tb=short`)
//! and the `E   ` lines give the message. (Its `JUnit` XML goes through `parser = "junit"`.)
//!
//! Test ids are free text: a parametrized id can hold spaces, ` - `, `::` and `\n` (escaped),
//! and pytest prints a section title wider than the terminal between single underscores. So a
//! summary line is split at the end of a known section title, never at the first space, and
//! each section serves one summary line. Without titles (`--tb=line`), failures and sections
//! are paired in order.

mod sections;

use std::sync::LazyLock;

use regex::Regex;

use super::Place;
use crate::diagnostic::{Diagnostic, Severity};
use sections::{Section, sections};

/// `FAILED tests/x.py::test_y[id] - message` or `ERROR tests/x.py - message`.
static SUMMARY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<outcome>FAILED|ERROR) (?P<rest>\S.*)$").expect("a valid pattern")
});

/// What an ERROR section's title starts with, before the test or the file it is about.
const ERROR_TITLES: [&str; 3] = [
    "ERROR at setup of ",
    "ERROR at teardown of ",
    "ERROR collecting ",
];

/// The test (or, for a collection error, the file) a section is about, without the prefix of
/// an error's title (`ERROR at setup of `) or a doctest's (`[doctest] `).
fn subject(section: &Section) -> Option<&str> {
    let title = section.title.as_deref()?;
    Some(
        ERROR_TITLES
            .iter()
            .chain(&["[doctest] "])
            .find_map(|prefix| title.strip_prefix(prefix))
            .unwrap_or(title),
    )
}

fn collecting(section: &Section) -> Option<&str> {
    section.title.as_deref()?.strip_prefix("ERROR collecting ")
}

/// A diagnostic per failed test and per collection error.
pub fn parse(output: &str, place: &Place<'_>) -> Vec<Diagnostic> {
    let sections = sections(output, last_summary_header(output));
    let summary = summary_lines(output);
    if summary.is_empty() {
        // `-r N` or a cut-off output: the sections alone.
        return sections
            .iter()
            .map(|s| from_section(s, None, None, place))
            .collect();
    }
    let mut used = vec![false; sections.len()];
    summary
        .iter()
        .map(|(outcome, rest)| {
            let error = *outcome == "ERROR";
            if let Some((index, node_len)) = find_section(&sections, &used, rest, error, place) {
                used[index] = true;
                let message = rest[node_len..].strip_prefix(" - ");
                return from_section(&sections[index], Some(&rest[..node_len]), message, place);
            }
            let (node, message) = split_node(rest);
            if let Some(index) = untitled(&sections, &used, node, error, place) {
                used[index] = true;
                return from_section(&sections[index], Some(node), message, place);
            }
            let (file, test) = split_file(node);
            let what = if test.is_empty() { file } else { test };
            let said = match message {
                Some(m) => format!("{what}: {m}"),
                None => format!("{what} failed"),
            };
            Diagnostic::new(Some(Severity::Error), said).at(place, file, None, None)
        })
        .collect()
}

/// The first unused section without a title (`--tb=line`) of the same kind, one whose
/// traceback passes through the node's file first.
fn untitled(
    sections: &[Section],
    used: &[bool],
    node: &str,
    error: bool,
    place: &Place<'_>,
) -> Option<usize> {
    let own = place.relative(split_file(node).0);
    let open: Vec<usize> = (0..sections.len())
        .filter(|&i| !used[i] && sections[i].title.is_none() && sections[i].error == error)
        .collect();
    open.iter()
        .copied()
        .find(|&i| {
            own.is_some()
                && sections[i]
                    .entries
                    .iter()
                    .any(|(f, _)| place.relative(f) == own)
        })
        .or(open.first().copied())
}

/// The `FAILED`/`ERROR` lines of the short test summary (anywhere, when the output has no
/// summary header: a cut output), as (outcome, the rest of the line).
fn summary_lines(output: &str) -> Vec<(&str, &str)> {
    // The last header: a test's captured output can hold a whole inner run (pytester).
    let after_header = last_summary_header(output);
    output
        .lines()
        .skip(after_header.map_or(0, |i| i + 1))
        .filter_map(|line| {
            let c = SUMMARY.captures(line)?;
            let outcome = c.name("outcome")?.as_str();
            Some((outcome, c.name("rest")?.as_str()))
        })
        .collect()
}

/// `Class::test[id]` as `Class.test[id]`: the id (from the first `[`) is the test's own text,
/// `::` and all.
fn dotted(test: &str) -> String {
    let (name, id) = test.split_at(test.find('[').unwrap_or(test.len()));
    format!("{}{id}", name.replace("::", "."))
}

/// The index of the line of the last `=== short test summary info ===` header.
fn last_summary_header(output: &str) -> Option<usize> {
    output
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with('=') && l.contains(" short test summary info "))
        .last()
        .map(|(i, _)| i)
}

/// The first unused section that a summary line's node names, with the length of the node id
/// in the line: one whose traceback passes through the node's file first (two files can hold
/// tests of the same name), then the longest title (`test[a` is a prefix of `test[a - b]`).
fn find_section(
    sections: &[Section],
    used: &[bool],
    rest: &str,
    error: bool,
    place: &Place<'_>,
) -> Option<(usize, usize)> {
    let (file, test) = split_file(rest);
    let test_start = rest.len() - test.len();
    let matches: Vec<(usize, usize)> = sections
        .iter()
        .enumerate()
        .filter(|(i, section)| !used[*i] && section.error == error)
        .filter_map(|(i, section)| {
            if let Some(collected) = collecting(section) {
                // `ERROR tests/x.py` for `ERROR collecting tests/x.py`.
                let len = node_end(rest, collected)?;
                return Some((i, len));
            }
            if test.is_empty() {
                return None;
            }
            let len = node_end(test, subject(section)?)?;
            Some((i, test_start + len))
        })
        .collect();
    let own = place.relative(file);
    let in_own = |i: usize| {
        own.is_some()
            && sections[i]
                .entries
                .iter()
                .any(|(f, _)| place.relative(f) == own)
    };
    matches
        .into_iter()
        .min_by_key(|&(i, len)| (!in_own(i), std::cmp::Reverse(len), i))
}

/// How many bytes of `text` the node `title` takes: the title as the section prints it (`.`
/// between a class and its test, where the node id has `::`), then the end of the line or
/// ` - ` before the message.
fn node_end(text: &str, title: &str) -> Option<usize> {
    let mut at = 0;
    for expected in title.chars() {
        let rest = &text[at..];
        if expected == '.' && rest.starts_with("::") {
            at += 2;
        } else if rest.starts_with(expected) {
            at += expected.len_utf8();
        } else {
            return None;
        }
    }
    let after = &text[at..];
    (after.is_empty() || after.starts_with(" - ")).then_some(at)
}

/// `tests/x.py::Test::test_y[id]` as (`tests/x.py`, `Test::test_y[id]`); a collection error's
/// node is the file alone.
fn split_file(node: &str) -> (&str, &str) {
    node.split_once("::").unwrap_or((node, ""))
}

/// A summary line's node and message without a known section title: a parametrized id ends
/// at the `]` before ` - ` (or the end of the line), any other node at the first ` - `.
fn split_node(rest: &str) -> (&str, Option<&str>) {
    let search_from = rest.find('[').unwrap_or(0);
    let end = if rest.contains('[') {
        rest[search_from..]
            .find("] - ")
            .map(|i| search_from + i + 1)
    } else {
        rest.find(" - ")
    };
    match end {
        Some(end) => (&rest[..end], Some(&rest[end + 3..])),
        None => (rest, None),
    }
}

/// The diagnostic of a section: at the last traceback entry in the test's own file (where the
/// test failed), naming the deepest entry when the error was raised elsewhere. The message is
/// the `E` lines; else the exception that ends a native traceback; else the summary's; else
/// the lines before the last entry (a doctest's `Expected:` and `Got:`).
fn from_section(
    section: &Section,
    node: Option<&str>,
    summary_message: Option<&str>,
    place: &Place<'_>,
) -> Diagnostic {
    let collecting = collecting(section);
    let (test_file, test) = node.map_or((None, ""), |n| {
        let (file, test) = split_file(n);
        (Some(file), test)
    });
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
    let error = if !section.errors.is_empty() {
        section.errors.join("\n")
    } else if let Some(exception) = section.native_exception() {
        exception
    } else if let Some(said) = summary_message {
        said.to_owned()
    } else if !section.before.is_empty() {
        let from = section.before.len().saturating_sub(4);
        let lines: Vec<&str> = section.before[from..].iter().map(|l| l.trim()).collect();
        lines.join("\n")
    } else {
        "failed".to_owned()
    };
    let what = match (collecting, &section.title) {
        (Some(file), _) => format!("collecting {file}"),
        (None, Some(title)) => title.clone(),
        (None, None) if !test.is_empty() => dotted(test),
        (None, None) => own_file.unwrap_or("pytest").to_owned(),
    };
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

    /// click 8.5.1's own suite with two bugs: four failures of a test whose parametrized ids
    /// hold spaces and `\n` (pytest prints their long section titles between single
    /// underscores), and two of another file.
    fn click(name: &str) -> Vec<String> {
        let fixture = Fixture::new("pytest-click");
        lines(&parse(&fixture.output(name), &fixture.place()))
    }

    const HELP: [&str; 4] = [
        "name_specs0-  -h, --help  Show this message and exit.\\n-True",
        "name_specs0-  -h, --help  Show this message and exit.\\n-False",
        "name_specs1-  -h      Show this message and exit.\\n  --help  Show this message and exit.\\n-True",
        "name_specs1-  -h      Show this message and exit.\\n  --help  Show this message and exit.\\n-False",
    ];

    /// Review A4: a test's captured output holding an inner pytest run (pytester): the inner
    /// short summary was read as this run's (two phantom failures on `test_inner.py`), and its
    /// block titles hid the next real failure's section (its line was lost).
    #[test]
    fn an_inner_run_in_captured_output_is_not_this_runs() {
        let fixture = Fixture::new("pytest-nested");
        let found = lines(&parse(&fixture.output("nested.txt"), &fixture.place()));
        assert_eq!(
            found,
            [
                "error tests/test_outer.py:11 test_inner_run_fails: assert <ExitCode.TESTS_FAILED: 1> == 0⏎+  where <ExitCode.TESTS_FAILED: 1> = <RunResult ret=1 len(stdout.lines)=29 len(stderr.lines)=0 duration=0.07s>.ret",
                "error tests/test_outer.py:16 test_real: assert 3 == 4",
            ]
        );
    }

    /// Review A11: `test_ids[a::b]` was shown as `test_ids[a.b]`.
    #[test]
    fn an_id_keeps_its_double_colons() {
        assert_eq!(dotted("TestX::test_ids[a::b]"), "TestX.test_ids[a::b]");
        assert_eq!(dotted("TestX::test_y"), "TestX.test_y");
    }

    #[test]
    fn parametrized_ids_with_spaces_map_one_to_one() {
        for name in ["q.txt", "plain.txt", "tb-short.txt", "vv.txt"] {
            let found = click(name);
            assert_eq!(found.len(), 6, "{name}: {found:#?}");
            for (i, id) in HELP.iter().enumerate() {
                let wanted = format!(
                    "error tests/test_options.py:1251 test_help_option_custom_names_and_class[{id}]: AssertionError: assert "
                );
                assert!(
                    found[i].starts_with(&wanted),
                    "{name}: {}\n{wanted}",
                    found[i]
                );
                // The message is this test's alone.
                assert_eq!(
                    found[i].matches("AssertionError").count(),
                    1,
                    "{name}: {}",
                    found[i]
                );
            }
            assert!(
                found[4].starts_with("error tests/test_types/test_IntRange.py:21 test_range[type7-0-1]: AssertionError: assert -1 == 1⏎+  where -1 = convert('0', None, None)"),
                "{name}: {}",
                found[4]
            );
            assert!(
                found[5].starts_with("error tests/test_types/test_IntRange.py:21 test_range[type8-5-4]: AssertionError: assert 6 == 4"),
                "{name}: {}",
                found[5]
            );
        }
    }

    /// Every traceback style on one run: a doctest, an id with ` - `, a class, a fixture that
    /// fails at setup. `--tb=line` prints no headers; `--tb=native` no `E` lines.
    #[test]
    fn every_traceback_style() {
        let fixture = Fixture::new("pytest-forms");
        let read = |name| lines(&parse(&fixture.output(name), &fixture.place()));
        let long = [
            "error src/mod.py:3 [doctest] mod.double: Expected:⏎5⏎Got:⏎4",
            "error tests/test_x.py:5 test_v[a - b]: AssertionError: assert 'a - b' == 'c'⏎- c⏎+ a - b",
            "error tests/test_x.py:9 TestK.test_m: assert 1 == 2",
            "error tests/test_x.py:13 ERROR at setup of test_uses: RuntimeError: no db",
        ];
        assert_eq!(read("long.txt"), long);
        assert_eq!(read("short-q.txt"), long);
        assert_eq!(
            read("native.txt"),
            [
                long[0],
                long[1],
                "error tests/test_x.py:9 TestK.test_m: AssertionError: assert 1 == 2",
                long[3],
            ]
        );
        assert_eq!(
            read("line.txt"),
            [
                "error src/mod.py:3 mod.double: Expected:⏎5⏎Got:⏎4",
                // The diff under the `E` line is not marked in this style.
                "error tests/test_x.py:5 test_v[a - b]: AssertionError: assert 'a - b' == 'c'",
                "error tests/test_x.py:9 TestK.test_m: assert 1 == 2",
                // The setup error keeps its header, but `--tb=line` prints no place for it.
                "error tests/test_x.py ERROR at setup of test_uses: RuntimeError: no db",
            ]
        );
    }

    #[test]
    fn section_headers_and_traceback_separators() {
        use sections::section_title;
        assert_eq!(section_title("_ test_x[a b] _"), Some("test_x[a b]"));
        assert_eq!(section_title("____ test_y ____"), Some("test_y"));
        assert_eq!(section_title("____ test_y _____"), Some("test_y"));
        assert_eq!(section_title("___ test_z_ ___"), Some("test_z_"));
        assert_eq!(section_title("_ _ _ _ _ _ _ _ _ _"), None);
        assert_eq!(section_title("__________"), None);
        assert_eq!(section_title("_ short _______________"), None);
        assert_eq!(section_title("x = _ y _"), None);
    }

    #[test]
    fn summary_lines_split_at_a_known_title() {
        // A title with ` - ` inside its id, a class method, a title that is a prefix of another.
        assert_eq!(node_end("test_a[x - y] - boom", "test_a[x - y]"), Some(13));
        assert_eq!(node_end("TestK::test_b - boom", "TestK.test_b"), Some(13));
        // A shorter title may match too: `find_section` takes the longest.
        assert_eq!(node_end("test_a[x - y]", "test_a[x"), Some(8));
        assert_eq!(node_end("test_ab", "test_a"), None);
        // Without a section: a parametrized id ends at its `]`.
        assert_eq!(
            split_node("t.py::test_a[x - y] - boom"),
            ("t.py::test_a[x - y]", Some("boom"))
        );
        assert_eq!(
            split_node("t.py::test_b - boom - more"),
            ("t.py::test_b", Some("boom - more"))
        );
        assert_eq!(split_node("t.py::test_c"), ("t.py::test_c", None));
    }

    #[test]
    fn tests_of_the_same_name_in_two_files_keep_their_own_sections() {
        let fixture = Fixture::new("pytest");
        let output =
            "=================================== FAILURES ===================================
___________________________________ test_same ___________________________________

    def test_same():
>       assert 1 == 2
E       assert 1 == 2

tests/test_b.py:2: AssertionError
___________________________________ test_same ___________________________________

    def test_same():
>       assert 3 == 4
E       assert 3 == 4

tests/test_a.py:5: AssertionError
=========================== short test summary info ============================
FAILED tests/test_a.py::test_same - assert 3 == 4
FAILED tests/test_b.py::test_same - assert 1 == 2
";
        assert_eq!(
            lines(&parse(output, &fixture.place())),
            [
                "error tests/test_a.py:5 test_same: assert 3 == 4",
                "error tests/test_b.py:2 test_same: assert 1 == 2",
            ]
        );
    }

    #[test]
    fn errors_at_setup_map_to_their_section() {
        let fixture = Fixture::new("pytest");
        let output =
            "==================================== ERRORS ====================================
_________________________ ERROR at setup of test_db __________________________
file /tmp/backstop-capture/pytest/tests/test_calc.py, line 30
  def test_db(database):
E       fixture 'database' not found
>       available fixtures: cache, capfd

/tmp/backstop-capture/pytest/tests/test_calc.py:30
=========================== short test summary info ============================
ERROR tests/test_calc.py::test_db
";
        assert_eq!(
            lines(&parse(output, &fixture.place())),
            ["error tests/test_calc.py:30 ERROR at setup of test_db: fixture 'database' not found"]
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
