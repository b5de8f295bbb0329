//! Each parser on a real tool's captured output (`tests/fixtures/parsers/`, the tool's version
//! beside it), through the real binary: a gate replays the capture in a repository holding the
//! captured project, and what every format says of it is snapshotted. Each failure the tool
//! reported is one diagnostic, at its file, line and column, in every format; SARIF made from
//! SARIF input follows the official schema.

use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::Value;

use crate::formats::{assert_valid_sarif, check_github_rules};
use crate::support::TestRepo;

/// Where `capture.sh` ran the tools: the captured outputs name files under it.
const CAPTURED_IN: &str = "/tmp/backstop-capture";

/// One captured output and the gate that reads it.
struct Case {
    /// The snapshot's name.
    name: &'static str,
    /// `tests/fixtures/parsers/<fixture>/`: the output and the project (`input/`).
    fixture: &'static str,
    output: &'static str,
    parser: &'static str,
    /// The gate's `cwd`, where the tool ran.
    cwd: Option<&'static str>,
    /// The tool wrote its report to this file (`report = ...`) rather than to the output.
    report: Option<&'static str>,
    /// What the tool reported, one diagnostic each.
    diagnostics: usize,
}

const CASES: [Case; 17] = [
    Case {
        name: "pytest_click",
        fixture: "pytest-click",
        output: "q.txt",
        parser: "pytest",
        cwd: None,
        report: None,
        diagnostics: 6,
    },
    Case {
        name: "pytest_native",
        fixture: "pytest-forms",
        output: "native.txt",
        parser: "pytest",
        cwd: None,
        report: None,
        diagnostics: 4,
    },
    Case {
        name: "mypy_pretty",
        fixture: "mypy",
        output: "pretty.txt",
        parser: "mypy",
        cwd: None,
        report: None,
        diagnostics: 6,
    },
    Case {
        name: "eslint_max_warnings",
        fixture: "eslint-warnings",
        output: "warnings.txt",
        parser: "eslint",
        cwd: None,
        report: None,
        diagnostics: 2,
    },
    Case {
        name: "sarif_ruff",
        fixture: "sarif",
        output: "ruff.sarif",
        parser: "sarif",
        cwd: None,
        report: None,
        diagnostics: 6,
    },
    Case {
        name: "sarif_semgrep",
        fixture: "sarif",
        output: "semgrep.sarif",
        parser: "sarif",
        cwd: None,
        report: Some("semgrep.sarif"),
        diagnostics: 3,
    },
    Case {
        name: "sarif_eslint",
        fixture: "sarif",
        output: "eslint.sarif",
        parser: "sarif",
        cwd: None,
        report: None,
        diagnostics: 6,
    },
    Case {
        name: "sarif_biome",
        fixture: "sarif",
        output: "biome.sarif",
        parser: "sarif",
        cwd: None,
        report: None,
        diagnostics: 4,
    },
    Case {
        name: "sarif_clippy",
        fixture: "sarif",
        output: "clippy.sarif",
        parser: "sarif",
        cwd: Some("crate"),
        report: None,
        diagnostics: 5,
    },
    Case {
        name: "checkstyle_eslint",
        fixture: "checkstyle",
        output: "eslint.xml",
        parser: "checkstyle",
        cwd: None,
        report: None,
        diagnostics: 6,
    },
    Case {
        name: "checkstyle_phpcs",
        fixture: "checkstyle",
        output: "phpcs.xml",
        parser: "checkstyle",
        cwd: None,
        report: Some("build/phpcs.xml"),
        diagnostics: 8,
    },
    Case {
        name: "checkstyle_shellcheck",
        fixture: "checkstyle",
        output: "shellcheck.xml",
        parser: "checkstyle",
        cwd: None,
        report: None,
        diagnostics: 6,
    },
    Case {
        name: "checkstyle_ktlint",
        fixture: "checkstyle",
        output: "ktlint.xml",
        parser: "checkstyle",
        cwd: None,
        report: None,
        diagnostics: 10,
    },
    Case {
        name: "checkstyle_biome",
        fixture: "checkstyle",
        output: "biome.xml",
        parser: "checkstyle",
        cwd: None,
        report: None,
        diagnostics: 4,
    },
    Case {
        name: "rdjson_ruff",
        fixture: "rdjson",
        output: "ruff.json",
        parser: "rdjson",
        cwd: None,
        report: None,
        diagnostics: 6,
    },
    Case {
        name: "rdjson_biome",
        fixture: "rdjson",
        output: "biome.json",
        parser: "rdjson",
        cwd: None,
        report: None,
        diagnostics: 4,
    },
    Case {
        name: "regex_default_pattern",
        fixture: "gcc",
        output: "gcc.txt",
        parser: "regex",
        cwd: None,
        report: None,
        diagnostics: 3,
    },
];

const FORMATS: [(&str, &str); 5] = [
    ("json", "out/report.json"),
    ("sarif", "out/report.sarif"),
    ("junit", "out/junit.xml"),
    ("github", "out/annotations.txt"),
    ("agent", "out/agent.txt"),
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parsers")
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The captured project committed on main, then a change on a branch; the gate replays the
/// capture (its paths moved from the capture directory to this repository) and fails.
fn repo_for(case: &Case) -> TestRepo {
    let repo = TestRepo::new();
    let dir = fixtures().join(case.fixture);
    copy_tree(&dir.join("input"), &repo.root());
    let root = repo.root().display().to_string();
    let captured = std::fs::read_to_string(dir.join(case.output))
        .unwrap()
        .replace(&format!("{CAPTURED_IN}/{}", case.fixture), &root);
    std::fs::write(repo.home().join("capture"), captured).unwrap();
    let replay = match case.report {
        Some(file) => {
            format!("mkdir -p \"$(dirname {file})\" && cp \"$HOME/capture\" {file}; exit 1")
        }
        None => "cat \"$HOME/capture\"; exit 1".to_owned(),
    };
    let mut gate = format!(
        "[gates.{}]\nrun = '{replay}'\nparser = \"{}\"\n",
        case.parser, case.parser
    );
    if let Some(cwd) = case.cwd {
        gate.push_str(&format!("cwd = \"{cwd}\"\n"));
    }
    if let Some(report) = case.report {
        gate.push_str(&format!("report = \"{report}\"\n"));
    }
    repo.config(&format!("[settings]\nbase = \"main\"\n\n{gate}"))
        .commit_all("the captured project");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    // A change where the gate runs (a gate with a `cwd` runs on changes under it).
    let changed = Path::new(case.cwd.unwrap_or_default()).join("CHANGES.md");
    repo.write(changed, "a change\n").commit_all("change");
    repo
}

/// Durations, commit ids and the repository's path replaced by stable values.
fn stable(text: &str, repo: &TestRepo) -> String {
    let rules = [
        (r#""duration_ms": \d+"#, r#""duration_ms": 0"#),
        (r#"time="\d+\.\d+""#, r#"time="0.000""#),
        (r"\b\d+\.\d\ds\b", "0.00s"),
        (r"\b[0-9a-f]{40}\b", "<sha>"),
    ];
    let mut text = text.replace(&repo.root().display().to_string(), "<repo>");
    for (pattern, replacement) in rules {
        text = Regex::new(pattern)
            .unwrap()
            .replace_all(&text, replacement)
            .into_owned();
    }
    text
}

fn read(repo: &TestRepo, path: &str) -> String {
    String::from_utf8(repo.read(path)).unwrap()
}

/// Every format of one `backstop ci` on the case, checked and put together for a snapshot.
fn every_format(case: &Case) -> String {
    let repo = repo_for(case);
    let mut args = vec!["ci", "--base", "main"];
    for (format, file) in FORMATS {
        args.extend(["--format", format, "--output", file]);
    }
    args.extend(["--format", "human"]);
    let run = repo.run(&args);
    run.expect_code(1);

    let report: Value = serde_json::from_str(&read(&repo, "out/report.json")).unwrap();
    crate::report::assert_valid(&report);
    let gate = crate::support::gate(&report, case.parser);
    let diagnostics = gate["diagnostics"].as_array().unwrap();
    let located = diagnostics.iter().filter(|d| d["file"].is_string()).count();
    assert_eq!(
        (diagnostics.len(), located),
        (case.diagnostics, case.diagnostics),
        "{}: one located diagnostic per reported problem:\n{diagnostics:#?}",
        case.name
    );

    let sarif: Value = serde_json::from_str(&read(&repo, "out/report.sarif")).unwrap();
    assert_valid_sarif(&sarif);
    check_github_rules(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let in_sarif = results
        .iter()
        .filter(|r| r["properties"]["unlocated"].is_null())
        .count();
    assert_eq!(in_sarif, case.diagnostics, "{}: SARIF results", case.name);

    let github = read(&repo, "out/annotations.txt");
    let annotated = github.lines().filter(|l| l.contains(" file=")).count();
    assert_eq!(
        annotated, case.diagnostics,
        "{}: annotations\n{github}",
        case.name
    );

    let junit = read(&repo, "out/junit.xml");
    roxmltree::Document::parse(&junit).unwrap();

    let mut out = String::new();
    out.push_str("== human\n");
    out.push_str(&run.stdout());
    out.push_str("\n== json: diagnostics\n");
    out.push_str(&serde_json::to_string_pretty(&gate["diagnostics"]).unwrap());
    out.push_str("\n\n== sarif: results\n");
    out.push_str(&serde_json::to_string_pretty(&sarif["runs"][0]["results"]).unwrap());
    out.push_str("\n\n== junit\n");
    out.push_str(&junit);
    out.push_str("\n== github\n");
    out.push_str(&github);
    out.push_str("\n== agent\n");
    out.push_str(&read(&repo, "out/agent.txt"));
    stable(&out, &repo)
}

#[test]
fn every_tool_in_every_format() {
    for case in &CASES {
        insta::assert_snapshot!(case.name, every_format(case));
    }
}

/// A failed protected gate is its findings: each one result in SARIF and one annotation, and
/// no second, gate-level result on gates.toml (code scanning would show it as an alert).
#[test]
fn a_failed_protected_gate_appears_once_in_sarif_and_github() {
    let repo = TestRepo::new();
    repo.config("[settings]\nbase = \"main\"\n[gates.ok]\nrun = \"true\"\n[protect]\n")
        .write(
            "tests/test_calc.py",
            "def test_add():\n    assert 1 + 1 == 2\n\n\ndef test_sub():\n    assert 2 - 1 == 1\n",
        )
        .commit_all("tests");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "tests/test_calc.py",
        "def test_add():\n    assert 1 + 1 == 2\n",
    )
    .commit_all("drop a test");
    let run = repo.run(&[
        "ci",
        "--base",
        "main",
        "--format",
        "sarif",
        "--output",
        "out/report.sarif",
        "--format",
        "github",
        "--output",
        "out/annotations.txt",
    ]);
    run.expect_code(1);
    let sarif: Value = serde_json::from_str(&read(&repo, "out/report.sarif")).unwrap();
    assert_valid_sarif(&sarif);
    let ids: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["protected/deleted-test"], "{sarif:#}");
    let github = read(&repo, "out/annotations.txt");
    assert_eq!(github.lines().count(), 1, "{github}");
    assert!(
        github.starts_with("::error file=tests/test_calc.py,title=protected%3A deleted-test::"),
        "{github}"
    );
}

/// pre-push showed a whole `cargo test` output (105 lines in the field) rather than the
/// failure the parser read from it.
#[test]
fn pre_push_shows_the_parsed_failure_not_the_whole_output() {
    let repo = TestRepo::new();
    let unit = std::fs::read_to_string(fixtures().join("cargo/test-failures.txt")).unwrap();
    std::fs::write(repo.home().join("capture"), unit).unwrap();
    repo.config(
        "[gates.cargo-test]\nrun = 'cat \"$HOME/capture\"; exit 101'\nparser = \"cargo\"\non = [\"pre-push\"]\n",
    )
    .write("src/lib.rs", "pub fn f() {}\n")
    .commit_all("initial");
    let remote = repo.home().join("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    repo.run(&["install", "--git"]).expect_code(0);
    let mut push = std::process::Command::new("git");
    push.args(["push", "-q", "origin", "main"]);
    repo.isolate(&mut push);
    let push = push.output().unwrap();
    assert!(!push.status.success(), "the push should be refused");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&push.stdout),
        String::from_utf8_lossy(&push.stderr)
    );
    let shown = text
        .split("── cargo-test (failed)\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no failure section:\n{text}"));
    let section: Vec<&str> = shown
        .lines()
        .take_while(|l| !l.starts_with("backstop:"))
        .collect();
    assert!(
        section[0].starts_with("crates/tested/src/lib.rs:") && section[0].contains("panicked"),
        "{text}"
    );
    assert!(
        !shown.contains("running 2 tests") && !shown.contains("failures:"),
        "{text}"
    );
    assert!(section.len() < 20, "{} lines:\n{text}", section.len());
    assert!(
        section
            .last()
            .unwrap()
            .contains("lines of output not shown: -v shows them"),
        "{text}"
    );
}

/// The plain display (not a terminal) keeps its columns whatever the status and the name:
/// the name after the status, the time right-aligned after the longest name, then the reason.
#[test]
fn plain_lines_keep_their_columns() {
    let repo = TestRepo::new();
    repo.config(
        "[gates.a]\nrun = \"true\"\n[gates.a-much-longer-name]\nrun = \"exit 3\"\n[gates.skipped-one]\nrun = \"true\"\nfiles = [\"*.none\"]\n[gates.slow]\nrun = \"sleep 5\"\ntimeout = \"100ms\"\n",
    )
    .commit_all("initial");
    repo.run(&["run", "--all-files"]).expect_code(1);
    // Once more: `a` is a cached pass now.
    let run = repo.run(&["run", "--all-files"]);
    let text = run.stdout();
    let lines: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "{text}");
    let time_end = "timed out ".len() + "a-much-longer-name".len() + 1 + "  0.00s".len();
    for line in &lines {
        assert_eq!(&line[9..10], " ", "the status takes 9 columns:\n{text}");
        assert_ne!(&line[10..11], " ", "the name starts in column 11:\n{text}");
        let (head, rest) = line.split_at(time_end.min(line.len()));
        assert!(
            rest.is_empty() || rest.starts_with(" ("),
            "the reason starts after the time column:\n{text}"
        );
        assert!(
            line.starts_with("skipped") || head.ends_with('s'),
            "the time ends the column:\n{text}"
        );
    }
}
