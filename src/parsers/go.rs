//! `parser = "go"`: `go vet` and `go build` messages (`./main.go:7:2: msg`, relative to the
//! gate's `cwd`), and test failures from `go test -json` events or plain `go test` output:
//! `    calc_test.go:7: msg` (relative to the package's directory, found through go.mod) and
//! panics (the first stack frame inside the repository).

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use super::{Place, number};
use crate::diagnostic::{Diagnostic, Severity};

/// A `go test -json` event.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Event {
    action: String,
    package: Option<String>,
    test: Option<String>,
    output: Option<String>,
}

/// `./main.go:7:2: message` or `vet: ./main.go:7:2: message`.
static BUILD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:vet: )?(?P<file>[^\s:]+\.go):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<message>.+)$",
    )
    .expect("a valid pattern")
});

/// `    calc_test.go:7: message`: the file name only, in the package's directory.
static TEST_LOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<indent>\s+)(?P<file>[^\s:/]+\.go):(?P<line>\d+): (?P<message>.*)$")
        .expect("a valid pattern")
});

/// `=== RUN   TestAdd` (also `CONT` and `NAME`): `go test -v` names the test whose log
/// lines follow, before saying how it ended.
static RUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^=== (?:RUN|CONT|NAME)\s+(?P<test>\S+)").expect("a valid pattern")
});

/// `--- FAIL: TestAdd (0.00s)`.
static FAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*--- FAIL: (?P<test>\S+)").expect("a valid pattern"));

/// `FAIL<tab>example.com/shop/calc<tab>0.005s` or `ok<tab>example.com/shop`: the package line
/// that ends plain `go test` output for a package.
static PACKAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:FAIL|ok)\s+(?P<package>\S+)\s").expect("a valid pattern"));

/// A stack frame: a tab, an absolute path, a line, an offset.
static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\t(?P<file>/\S+\.go):(?P<line>\d+)(?: \+0x[0-9a-f]+)?$").expect("a valid pattern")
});

/// A test log line waiting for its package's directory (plain output names the package last).
struct Pending {
    /// Where in the output it was, to keep the tool's order.
    order: usize,
    package: Option<String>,
    test: Option<String>,
    file: String,
    line: u32,
    message: String,
    indent: usize,
}

/// Reads the output line by line, whether JSON events or plain text.
pub fn parse(output: &str, place: &Place<'_>) -> Vec<Diagnostic> {
    let mut reader = Reader::default();
    for raw in output.lines() {
        match raw
            .starts_with('{')
            .then(|| serde_json::from_str::<Event>(raw).ok())
            .flatten()
        {
            Some(event) => {
                if event.action == "fail"
                    && let Some(test) = &event.test
                {
                    reader.failed.push(test.clone());
                }
                if let Some(text) = &event.output {
                    for line in text.lines() {
                        reader.line(line, event.package.as_deref(), event.test.as_deref(), place);
                    }
                }
            }
            None => reader.line(raw, None, None, place),
        }
    }
    reader.finish(place)
}

#[derive(Default)]
struct Reader {
    /// Lines read so far (the order of diagnostics).
    seen: usize,
    /// Diagnostics with their place in the output and their test.
    found: Vec<(usize, Option<String>, Diagnostic)>,
    pending: Vec<Pending>,
    /// Tests that failed, from `fail` events or `--- FAIL` lines.
    failed: Vec<String>,
    /// The test the plain output is in (after its `--- FAIL` line).
    current_test: Option<String>,
    /// A `panic: ...` line waiting for its first frame in the repository.
    panic: Option<(Option<String>, String)>,
}

impl Reader {
    fn line(&mut self, line: &str, package: Option<&str>, test: Option<&str>, place: &Place<'_>) {
        self.seen += 1;
        let test = test
            .map(str::to_owned)
            .or_else(|| self.current_test.clone());
        if let Some(c) = FAIL.captures(line) {
            self.current_test = Some(c["test"].to_owned());
            self.failed.push(c["test"].to_owned());
        } else if let Some(c) = RUN.captures(line) {
            self.current_test = Some(c["test"].to_owned());
        } else if let Some(c) = PACKAGE.captures(line) {
            self.current_test = None;
            let package = c["package"].to_owned();
            for pending in self.pending.iter_mut().filter(|p| p.package.is_none()) {
                pending.package = Some(package.clone());
            }
        } else if let Some(c) = TEST_LOG.captures(line) {
            self.pending.push(Pending {
                order: self.seen,
                package: package.map(str::to_owned),
                test,
                file: c["file"].to_owned(),
                line: number(Some(&c["line"])).unwrap_or(0),
                message: c["message"].to_owned(),
                indent: c["indent"].len(),
            });
        } else if let Some(c) = BUILD.captures(line) {
            let diagnostic = Diagnostic::new(Some(Severity::Error), c["message"].trim()).at(
                place,
                &c["file"],
                number(Some(&c["line"])),
                number(c.name("col").map(|m| m.as_str())),
            );
            self.found.push((self.seen, None, diagnostic));
        } else if let Some(message) = line.strip_prefix("panic: ") {
            let message = message.trim_end_matches(" [recovered]").to_owned();
            self.panic = Some((test, message));
        } else if let Some(c) = FRAME.captures(line)
            && self.panic.is_some()
            && place.relative(&c["file"]).is_some()
        {
            let (test, message) = self.panic.take().unwrap_or_default();
            let said = match &test {
                Some(name) => format!("{name}: panic: {message}"),
                None => format!("panic: {message}"),
            };
            let diagnostic = Diagnostic::new(Some(Severity::Error), said).at(
                place,
                &c["file"],
                number(Some(&c["line"])),
                None,
            );
            self.found.push((self.seen, test, diagnostic));
        } else if let Some(last) = self.pending.last_mut()
            && !line.trim().is_empty()
            && line.len() - line.trim_start().len() > last.indent
        {
            // A deeper-indented line continues the test's last message.
            last.message.push('\n');
            last.message.push_str(line.trim());
        }
    }

    /// Locates the test logs, then adds a diagnostic for each failed test that has none (its
    /// failing subtests speak for a parent).
    fn finish(mut self, place: &Place<'_>) -> Vec<Diagnostic> {
        // `go test -v` (and `-json`) prints the logs of passing tests too; they are no problem.
        let failed = &self.failed;
        let failing = |test: &str| {
            failed
                .iter()
                .any(|f| f == test || f.starts_with(&format!("{test}/")))
        };
        let pending: Vec<Pending> = std::mem::take(&mut self.pending)
            .into_iter()
            .filter(|p| p.test.as_deref().is_none_or(failing))
            .collect();
        for pending in pending {
            let directory = pending
                .package
                .as_deref()
                .and_then(|p| package_directory(p, place))
                .unwrap_or_else(|| place.cwd.to_path_buf());
            let text = match &pending.test {
                Some(test) => format!("{test}: {}", pending.message),
                None => pending.message.clone(),
            };
            let file = directory.join(&pending.file);
            let diagnostic = Diagnostic::new(Some(Severity::Error), text).at(
                place,
                &file.to_string_lossy(),
                Some(pending.line),
                None,
            );
            self.found.push((pending.order, pending.test, diagnostic));
        }
        let mut unexplained: Vec<String> = Vec::new();
        for test in &self.failed {
            let explained = self.found.iter().any(|(_, t, _)| {
                t.as_deref()
                    .is_some_and(|t| t == test || t.starts_with(&format!("{test}/")))
            });
            if !explained && !unexplained.contains(test) {
                unexplained.push(test.clone());
            }
        }
        self.found.sort_by_key(|(order, _, _)| *order);
        let mut found: Vec<Diagnostic> = self.found.into_iter().map(|(_, _, d)| d).collect();
        found.extend(
            unexplained
                .into_iter()
                .map(|test| Diagnostic::new(Some(Severity::Error), format!("{test} failed"))),
        );
        found
    }
}

/// The directory of a package, from the `module` line of the nearest go.mod at or above the
/// gate's `cwd`.
pub(super) fn package_directory(package: &str, place: &Place<'_>) -> Option<PathBuf> {
    for directory in place
        .cwd
        .ancestors()
        .take_while(|d| d.starts_with(place.root))
    {
        let Some(text) = place.files.read(&directory.join("go.mod")) else {
            continue;
        };
        let module = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("module "))?
            .trim()
            .trim_matches('"');
        if package == module {
            return Some(directory.to_path_buf());
        }
        return package
            .strip_prefix(module)
            .and_then(|rest| rest.strip_prefix('/'))
            .map(|rest| directory.join(Path::new(rest)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, lines};
    use super::*;

    const VET: &str = "error main.go:7:2 fmt.Printf format %d has arg name of wrong type string";
    const TESTS: [&str; 3] = [
        "error calc/calc_test.go:7 TestAdd: Add(2, 2) = 5, want 4⏎second line of the message",
        "error calc/calc_test.go:15 TestAddTable/case: Add(0, 0) = 1, want 0",
        "error calc/calc_test.go:23 TestPanics: panic: assignment to entry in nil map",
    ];

    fn read(fixture: &Fixture, name: &str) -> Vec<String> {
        lines(&parse(&fixture.output(name), &fixture.place()))
    }

    #[test]
    fn go_vet() {
        assert_eq!(read(&Fixture::new("go"), "vet.txt"), [VET]);
    }

    #[test]
    fn go_test_json_events_are_located_in_the_package_directory() {
        // The test log names only `calc_test.go`; go.mod maps the package to `calc/`. A parent
        // test failing through its subtest, and a panic at its first frame in the repository.
        let mut expected = vec![VET];
        expected.extend(TESTS);
        assert_eq!(read(&Fixture::new("go"), "test.jsonl"), expected);
    }

    #[test]
    fn plain_go_test_output_gives_the_same() {
        let mut expected = vec![VET];
        expected.extend(TESTS);
        assert_eq!(read(&Fixture::new("go"), "test-plain.txt"), expected);
    }

    #[test]
    fn from_the_package_directory_as_cwd() {
        let fixture = Fixture::in_dir("go", "calc");
        let found = read(&fixture, "test.jsonl");
        assert_eq!(found[1..], TESTS);
    }

    #[test]
    fn a_failed_test_without_a_located_message_is_still_reported() {
        let fixture = Fixture::new("go");
        let output =
            "{\"Action\":\"fail\",\"Package\":\"example.com/shop/calc\",\"Test\":\"TestQuiet\"}\n";
        assert_eq!(
            lines(&parse(output, &fixture.place())),
            ["error - TestQuiet failed"]
        );
    }
}
