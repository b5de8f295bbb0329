//! One defect, the way a user meets it: a bad change is blocked (by `git commit`, or by
//! `git push` for the test suites that `init` keeps off the commit path), the Claude Stop hook
//! blocks with feedback naming the file and line, `--format sarif` and `--format junit` carry
//! the same place; then a good version of the change passes all of them.

use std::collections::BTreeSet;
use std::time::Instant;

use crate::project::{Project, assert_success, text};

/// A replacement in one file of the project: `from` (which occurs exactly once) becomes `to`.
pub struct Edit {
    pub path: &'static str,
    pub from: &'static str,
    pub to: &'static str,
}

/// Where the failure is reported: the line holding this text.
pub enum Line {
    /// In the broken file.
    Broken(&'static str),
    /// In the file as it was before the change (a deleted test has no line after it).
    Before(&'static str),
}

/// Which git hook must refuse the bad change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    /// The gate runs on pre-commit: `git commit` is refused.
    Commit,
    /// A test suite: `init` puts it on pre-push, stop and ci, not on every commit, so the
    /// commit goes through and `git push` is refused.
    Push,
}

/// A defect of one kind, and a good version of the same change.
pub struct Case {
    /// What kind of defect, for messages.
    pub name: &'static str,
    /// The bad change.
    pub defect: &'static [Edit],
    /// The good change (applied to the files as they were before the defect).
    pub fix: &'static [Edit],
    /// Every gate the defect makes fail; the first is the one that must point at `file`.
    pub failing: &'static [&'static str],
    /// The file the first failing gate must name.
    pub file: &'static str,
    /// And the line.
    pub line: Line,
    /// Words the diagnostic's message must contain (the reason it failed).
    pub says: &'static [&'static str],
    /// Which hook refuses it.
    pub hook: Hook,
}

/// A case being checked: where its failure must be reported, and names for messages.
struct Place<'a> {
    case: &'a Case,
    /// The expected line.
    line: usize,
    /// `file:line`.
    location: String,
    /// `example / case (file:line)`, for messages.
    what: String,
}

/// Runs every check of one case; the project is left with the good change committed.
pub fn check(project: &Project, case: &Case) {
    // `BACKSTOP_E2E_ONLY=broken` runs only the cases whose name holds the text (each case
    // starts from the last one's good change, so any subset works).
    if let Ok(only) = std::env::var("BACKSTOP_E2E_ONLY")
        && !case.name.contains(&only)
    {
        eprintln!(
            "skipped {} / {} (BACKSTOP_E2E_ONLY)",
            project.example, case.name
        );
        return;
    }
    let started = Instant::now();
    let paths: BTreeSet<&str> = case.defect.iter().chain(case.fix).map(|e| e.path).collect();
    let before: Vec<(&str, String)> = paths.iter().map(|p| (*p, project.read(p))).collect();
    apply(project, case.defect);
    let line = match case.line {
        Line::Broken(marker) => line_of(&project.read(case.file), marker),
        Line::Before(marker) => {
            let (_, text) = before
                .iter()
                .find(|(p, _)| *p == case.file)
                .expect("a Line::Before file is among the edited ones");
            line_of(text, marker)
        }
    };
    let location = format!("{}:{line}", case.file);
    let place = Place {
        case,
        line,
        what: format!("{} / {} ({location})", project.example, case.name),
        location,
    };

    stop_is_sent_back(project, &place);
    let timer = Instant::now();
    let (code, sarif, junit) = run_formats(project);
    eprintln!("   run: {:.1}s", timer.elapsed().as_secs_f64());
    assert_eq!(code, Some(1), "{}: backstop run did not fail", place.what);
    sarif_has(&sarif, &place);
    junit_fails(&junit, &place);
    hook_refuses(project, &place);

    for (path, text) in &before {
        project.write(path, text);
    }
    apply(project, case.fix);
    fix_passes(project, &place);
    eprintln!(
        "ok {} in {:.1}s",
        place.what,
        started.elapsed().as_secs_f64()
    );
}

/// An agent that stops now is sent back, with feedback that names the file and line.
fn stop_is_sent_back(project: &Project, place: &Place<'_>) {
    let (case, what, location) = (place.case, &place.what, &place.location);
    let timer = Instant::now();
    let reason = stop_blocks(project, what);
    eprintln!("   stop: {:.1}s", timer.elapsed().as_secs_f64());
    eprintln!("-- {what}: the Stop hook blocked with:\n{reason}");
    assert_eq!(
        failed_gates(&reason),
        set(case.failing),
        "{what}: the Stop feedback names other failed gates:\n{reason}"
    );
    // A diagnostic is `path:line:col: message`; a deleted test, which has no line any more,
    // is `path: deleted-test: ... (line N in the base)`, and a test judged under its new name
    // (renamed in place) is at its line in the base, naming the old name.
    let lines: Vec<&str> = reason.lines().collect();
    let at = lines
        .iter()
        .position(|l| {
            let l = l.trim_start();
            match case.line {
                Line::Broken(_) => l.starts_with(&format!("{location}:")),
                Line::Before(_) => {
                    (l.starts_with(&format!("{}: ", case.file))
                        && l.ends_with(&format!("(line {} in the base)", place.line)))
                        || l.starts_with(&format!("{location}: "))
                }
            }
        })
        .unwrap_or_else(|| panic!("{what}: the Stop feedback does not name {location}:\n{reason}"));
    // The diagnostic: its line and the indented lines of its message after it.
    let diagnostic = std::iter::once(lines[at])
        .chain(
            lines[at + 1..]
                .iter()
                .copied()
                .take_while(|l| l.starts_with("      ")),
        )
        .collect::<Vec<_>>()
        .join("\n");
    for word in case.says {
        assert!(
            diagnostic.contains(word),
            "{what}: the feedback at {location} does not say `{word}`:\n{reason}"
        );
    }
}

/// The real git hook refuses the change: `git commit`, or `git push` for a test suite.
fn hook_refuses(project: &Project, place: &Place<'_>) {
    let (case, what) = (place.case, &place.what);
    project.git(&["add", "-A"]);
    let head = project.rev("HEAD");
    let remote = project.remote_main();
    let commit = project.git_output(&["commit", "-q", "-m", case.name]);
    match case.hook {
        Hook::Commit => {
            refused(&commit, case, what, "git commit");
            assert_eq!(project.rev("HEAD"), head, "{what}: a commit was made");
        }
        Hook::Push => {
            assert_success(
                &commit,
                &format!("{what}: git commit (the suite is not on pre-commit)"),
            );
            let push = project.git_output(&["push", "-q", "origin", "main"]);
            refused(&push, case, what, "git push");
            assert_eq!(
                project.remote_main(),
                remote,
                "{what}: the push went through"
            );
        }
    }
}

/// The good version of the change passes the Stop hook, the CI formats, and the git hooks.
fn fix_passes(project: &Project, place: &Place<'_>) {
    let (case, what) = (place.case, &place.what);
    let stopped = project.claude_stop();
    assert_success(&stopped, &format!("{what}: the Stop hook after the fix"));
    assert_eq!(
        text(&stopped.stdout),
        "",
        "{what}: the Stop hook still blocks after the fix\nstderr:\n{}",
        text(&stopped.stderr)
    );
    let (code, sarif, junit) = run_formats(project);
    assert_eq!(
        code,
        Some(0),
        "{what}: backstop run fails after the fix:\n{sarif:#}"
    );
    let errors = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "error")
        .count();
    assert_eq!(errors, 0, "{what}: SARIF errors after the fix:\n{sarif:#}");
    let document = roxmltree::Document::parse(&junit).unwrap();
    assert!(
        !document.descendants().any(|n| n.has_tag_name("failure")),
        "{what}: JUnit failures after the fix:\n{junit}"
    );
    project.git(&["add", "-A"]);
    let commit = project.git_output(&["commit", "-q", "-m", &format!("{} (fixed)", case.name)]);
    assert_success(&commit, &format!("{what}: git commit after the fix"));
    if case.hook == Hook::Push {
        let push = project.git_output(&["push", "-q", "origin", "main"]);
        assert_success(&push, &format!("{what}: git push after the fix"));
        assert_eq!(project.remote_main(), project.rev("HEAD"));
    }
}

fn apply(project: &Project, edits: &[Edit]) {
    for edit in edits {
        let text = project.read(edit.path);
        assert_eq!(
            text.matches(edit.from).count(),
            1,
            "{}: `{}` must occur exactly once",
            edit.path,
            edit.from
        );
        project.write(edit.path, &text.replacen(edit.from, edit.to, 1));
    }
}

/// The 1-based line where `marker` (which may span lines) starts; it must occur once.
fn line_of(text: &str, marker: &str) -> usize {
    assert_eq!(
        text.matches(marker).count(),
        1,
        "`{marker}` must occur exactly once"
    );
    text[..text.find(marker).unwrap()].matches('\n').count() + 1
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// The gates the feedback's first line names: `backstop: N of M gates failed: a, b`.
fn failed_gates(reason: &str) -> BTreeSet<String> {
    let first = reason.lines().next().unwrap_or_default();
    let names = first
        .split_once(" gates failed: ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .1;
    names.split(", ").map(str::to_owned).collect()
}

/// Runs the Claude Stop hook and returns the block reason; checks the block object's shape.
fn stop_blocks(project: &Project, what: &str) -> String {
    let stop = project.claude_stop();
    assert_success(&stop, &format!("{what}: the Stop hook"));
    let answer: serde_json::Value = serde_json::from_slice(&stop.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: the Stop hook printed no JSON ({e}):\n{}\nstderr:\n{}",
            text(&stop.stdout),
            text(&stop.stderr)
        )
    });
    let keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["decision", "reason"], "{what}: {answer}");
    assert_eq!(answer["decision"], "block", "{what}: {answer}");
    answer["reason"].as_str().unwrap().to_owned()
}

/// `backstop run --format sarif --output F --format junit --output G`: the exit code, the
/// SARIF document and the `JUnit` XML.
fn run_formats(project: &Project) -> (Option<i32>, serde_json::Value, String) {
    let sarif = project.scratch("report.sarif");
    let junit = project.scratch("report.xml");
    let run = project.backstop(&[
        "run",
        "--format",
        "sarif",
        "--output",
        sarif.to_str().unwrap(),
        "--format",
        "junit",
        "--output",
        junit.to_str().unwrap(),
    ]);
    let sarif_text = std::fs::read_to_string(&sarif).unwrap_or_else(|e| {
        panic!(
            "no SARIF report ({e})\nstdout:\n{}\nstderr:\n{}",
            text(&run.stdout),
            text(&run.stderr)
        )
    });
    (
        run.status.code(),
        serde_json::from_str(&sarif_text).unwrap(),
        std::fs::read_to_string(&junit).unwrap(),
    )
}

/// SARIF has an error of the first failing gate at the file (and, where the place has a line
/// after the change, at the line), saying the words (or naming them as its rule).
fn sarif_has(sarif: &serde_json::Value, place: &Place<'_>) {
    let case = place.case;
    let gate = case.failing[0];
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let found = results.iter().any(|r| {
        let rule = r["ruleId"].as_str().unwrap_or_default();
        let at = &r["locations"][0]["physicalLocation"];
        let line_ok = match case.line {
            Line::Broken(_) => at["region"]["startLine"] == place.line,
            // A deleted test has no line in the target; the finding is placed on its file.
            Line::Before(_) => true,
        };
        (rule == gate || rule.starts_with(&format!("{gate}/")))
            && r["level"] == "error"
            && at["artifactLocation"]["uri"] == case.file
            && line_ok
            // The words are in the message, or name the tool's rule (`<gate>/<rule>`).
            && case.says.iter().all(|w| {
                r["message"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(w)
                    || rule.strip_prefix(&format!("{gate}/")) == Some(*w)
            })
    });
    assert!(
        found,
        "{}: no SARIF error of {gate} at {} saying {:?}; the results:\n{:#}",
        place.what, place.location, case.says, sarif["runs"][0]["results"]
    );
}

/// `JUnit`: exactly the failing gates have a `<failure>`, and the first one's names the place.
fn junit_fails(junit: &str, place: &Place<'_>) {
    let (case, what, location) = (place.case, &place.what, &place.location);
    let document = roxmltree::Document::parse(junit).unwrap();
    let failed: BTreeSet<String> = document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter(|n| n.children().any(|c| c.has_tag_name("failure")))
        .map(|n| n.attribute("name").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(failed, set(case.failing), "{what}:\n{junit}");
    let case_node = document
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(case.failing[0]))
        .unwrap();
    let failure = case_node
        .children()
        .find(|c| c.has_tag_name("failure"))
        .unwrap();
    let body = failure.text().unwrap_or_default();
    assert!(
        body.contains(&format!("{location}:")),
        "{what}: the JUnit failure of {} does not name {location}:\n{junit}",
        case.failing[0]
    );
}

/// A hook refused the change, and said which gate and where.
fn refused(output: &std::process::Output, case: &Case, what: &str, how: &str) {
    // git gives a pre-commit hook's stdout to stderr, but a pre-push hook keeps both.
    let stderr = text(&output.stdout) + &text(&output.stderr);
    assert!(
        !output.status.success(),
        "{what}: {how} was not refused\n{stderr}"
    );
    // The verdict names the gate; gates of other triggers (a test suite at commit) do not run.
    let verdict = stderr
        .lines()
        .find(|l| l.starts_with("backstop: ") && l.contains(" gates failed: "))
        .unwrap_or_else(|| panic!("{what}: {how} printed no verdict:\n{stderr}"));
    let named = failed_gates(verdict);
    assert!(
        named.contains(case.failing[0]) && named.is_subset(&set(case.failing)),
        "{what}: {how} names other failed gates than {:?}:\n{stderr}",
        case.failing
    );
    // People get the tool's own output there (`src/x.ts(18,9)`, `--> src/x.rs:18:9`): it
    // names the file in its own way.
    let file_name = case.file.rsplit('/').next().unwrap();
    assert!(
        stderr.contains(file_name),
        "{what}: {how} output does not name {}:\n{stderr}",
        case.file
    );
}
