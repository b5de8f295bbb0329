//! Every output format through the real binary, on one `ci` run with failing, passing, skipped
//! and timed-out gates, snapshotted (insta: a stale snapshot fails). SARIF is checked against
//! the official schema, `JUnit` is parsed back, annotations are checked for escaping.

use std::path::Path;

use regex::Regex;

use crate::support::TestRepo;

/// Gates for every status. `clippy` replays real clippy JSON, `unit` a real test panic (with
/// a multi-line message), `build` uses the default pattern (a path with a comma, a `%`),
/// `lint` passes with a warning from a user pattern, `tests` fails with nothing located.
const GATES: &str = r#"[settings]
base = "main"

[gates.clippy]
run = "cat clippy.jsonl; exit 101"
files = ["*.rs"]
parser = "cargo"

[gates.unit]
run = "cat unit.txt; exit 101"
parser = "cargo"

[gates.build]
run = "printf 'compiling\nsrc/a,b.rs:2:5: error: expected `u32`, found 50%%: see a, b\nsrc/lib.rs:7:1: warning: unused function\n'; exit 1"
files = ["*.rs"]

[gates.lint]
run = "echo 'src/lib.rs:1: [W] line too long: 120 > 100 (long-line)'"
parser = "regex"
pattern = '^(?P<file>[^:]+):(?P<line>\d+): \[(?P<severity>\w)\] (?P<message>.*) \((?P<rule>[^)]+)\)$'

[gates.tests]
run = "echo 'running 3 tests'; echo 'test result: FAILED. 1 passed; 2 failed'; exit 3"
parser = "none"

[gates.docs]
run = "true"
files = ["*.md"]

[gates.slow]
run = "echo 'waiting: for the server, at 50%'; sleep 30"
timeout = "300ms"
"#;

/// A real libtest failure, as `cargo test` prints it.
const UNIT: &str = "running 1 test\ntest tests::adds ... FAILED\n\nfailures:\n\n---- tests::adds stdout ----\n\nthread 'tests::adds' (4242) panicked at src/lib.rs:11:9:\nassertion `left == right` failed\n  left: 5\n right: 4\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";

const FORMATS: [(&str, &str); 5] = [
    ("json", "out/report.json"),
    ("sarif", "out/report.sarif"),
    ("junit", "out/junit.xml"),
    ("github", "out/annotations.txt"),
    ("agent", "out/agent.txt"),
];

/// A repository on a feature branch whose change runs every gate but `docs`.
fn ci_repo() -> TestRepo {
    let repo = TestRepo::new();
    let clippy =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parsers/cargo/clippy.jsonl");
    repo.config(GATES)
        .write("clippy.jsonl", std::fs::read(clippy).unwrap())
        .write("unit.txt", UNIT)
        .write("src/lib.rs", "pub fn f() {}\n")
        .write("README.md", "# demo\n")
        .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/lib.rs", "pub fn f() -> u32 { 1 }\n")
        .commit_all("change");
    repo
}

/// One `backstop ci` writing every format at once (and the human display on stdout).
fn run_every_format(repo: &TestRepo) -> (crate::support::Run, std::path::PathBuf) {
    let summary = repo.home().join("step-summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let mut args = vec!["ci", "--base", "main", "--jobs", "1"];
    for (format, file) in FORMATS {
        args.extend(["--format", format, "--output", file]);
    }
    args.extend(["--format", "human"]);
    let run = crate::support::Run(
        repo.backstop()
            .args(&args)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap(),
    );
    run.expect_code(1);
    (run, summary)
}

/// Durations, commit ids and the temporary directory replaced by stable values.
pub(crate) fn stable(text: &str) -> String {
    let rules = [
        (r#""duration_ms": \d+"#, r#""duration_ms": 0"#),
        (r#"time="\d+\.\d+""#, r#"time="0.000""#),
        (r"\b\d+\.\d\ds\b", "0.00s"),
        (r"\b[0-9a-f]{40}\b", "<sha>"),
    ];
    let mut text = text.to_owned();
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

#[test]
fn every_format_of_one_ci_run() {
    let repo = ci_repo();
    let (run, summary) = run_every_format(&repo);
    insta::assert_snapshot!("ci_human", stable(&run.stdout()));
    insta::assert_snapshot!("ci_json", stable(&read(&repo, "out/report.json")));
    insta::assert_snapshot!("ci_sarif", stable(&read(&repo, "out/report.sarif")));
    insta::assert_snapshot!("ci_junit", stable(&read(&repo, "out/junit.xml")));
    insta::assert_snapshot!("ci_github", read(&repo, "out/annotations.txt"));
    insta::assert_snapshot!("ci_agent", read(&repo, "out/agent.txt"));
    // Appended after what earlier steps wrote.
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(
        summary.starts_with("earlier step\n\n### ❌ backstop (ci)"),
        "{summary}"
    );
    insta::assert_snapshot!("ci_step_summary", stable(&summary));
}

#[test]
fn the_json_report_carries_each_gates_diagnostics() {
    let repo = ci_repo();
    run_every_format(&repo);
    let report: serde_json::Value = serde_json::from_str(&read(&repo, "out/report.json")).unwrap();
    crate::report::assert_valid(&report);
    let clippy = crate::support::gate(&report, "clippy");
    assert_eq!(clippy["diagnostics"].as_array().unwrap().len(), 3);
    assert_eq!(clippy["diagnostics"][1]["rule"], "clippy::needless_return");
    assert_eq!(clippy["diagnostics"][1]["file"], "crates/lints/src/lib.rs");
    assert_eq!(clippy["diagnostics"][1]["line"], 3);
    // A passing gate's warnings are read too.
    let lint = crate::support::gate(&report, "lint");
    assert_eq!(lint["status"], "passed");
    assert_eq!(lint["diagnostics"][0]["severity"], "warning");
    // `parser = "none"` reads nothing.
    assert_eq!(
        crate::support::gate(&report, "tests")["diagnostics"],
        serde_json::json!([])
    );
}

/// The official SARIF 2.1.0 schema (a copy of shared/data/sarif-schema-2.1.0.json).
pub fn assert_valid_sarif(sarif: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{sarif:#}");
}

#[test]
fn sarif_follows_the_official_schema_and_what_github_needs() {
    let repo = ci_repo();
    run_every_format(&repo);
    let sarif: serde_json::Value = serde_json::from_str(&read(&repo, "out/report.sarif")).unwrap();
    assert_valid_sarif(&sarif);
    check_github_rules(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rule_ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        rule_ids,
        [
            "clippy/unused_variables",
            "clippy/clippy::needless_return",
            "clippy/clippy::ptr_arg",
            "unit",
            "build",
            "build",
            "lint/long-line",
            // Failed gates with nothing located still get one result each.
            "tests",
            "slow",
        ]
    );
    // The schema's teeth: a result without a message is refused.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    let schema = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&serde_json::from_str(&schema).unwrap()).unwrap();
    assert!(!validator.is_valid(&broken));
}

/// What GitHub code scanning checks beyond the schema: every ruleId declared, rule indexes
/// right, each result located with a relative URI under SRCROOT, fingerprints present.
pub fn check_github_rules(sarif: &serde_json::Value) {
    let run = &sarif["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let mut unique = rules.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), rules.len(), "rule ids repeat: {rules:?}");
    for result in run["results"].as_array().unwrap() {
        let id = result["ruleId"].as_str().unwrap();
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index], id);
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        let uri = artifact["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.contains("://"), "{uri}");
        assert_eq!(artifact["uriBaseId"], "SRCROOT");
        assert!(
            result["partialFingerprints"]["backstop/v1"]
                .as_str()
                .unwrap()
                .len()
                == 16
        );
    }
}

#[test]
fn sarif_fingerprints_are_stable_across_runs_and_line_shifts() {
    let repo = ci_repo();
    run_every_format(&repo);
    let first: serde_json::Value = serde_json::from_str(&read(&repo, "out/report.sarif")).unwrap();
    // Another run, with the unit test's panic two lines lower and other timings.
    repo.write(
        "unit.txt",
        UNIT.replace("src/lib.rs:11:9", "src/lib.rs:13:9"),
    );
    repo.commit_all("move the test");
    run_every_format(&repo);
    let second: serde_json::Value = serde_json::from_str(&read(&repo, "out/report.sarif")).unwrap();
    let prints = |sarif: &serde_json::Value| -> Vec<String> {
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["backstop/v1"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(prints(&first), prints(&second));
    assert_ne!(
        first["runs"][0]["results"][3]["locations"],
        second["runs"][0]["results"][3]["locations"]
    );
    let mut unique = prints(&first);
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        prints(&first).len(),
        "each result has its own fingerprint"
    );
}

#[test]
fn junit_parses_back_with_a_testcase_per_gate() {
    let repo = ci_repo();
    run_every_format(&repo);
    let xml = read(&repo, "out/junit.xml");
    let document = roxmltree::Document::parse(&xml).unwrap();
    let suite = document
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("7"));
    assert_eq!(suite.attribute("failures"), Some("5"));
    assert_eq!(suite.attribute("skipped"), Some("1"));
    let cases: Vec<(&str, Option<&str>)> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|case| {
            assert_eq!(case.attribute("classname"), Some("backstop.ci"));
            let outcome = case
                .children()
                .find(roxmltree::Node::is_element)
                .map(|n| n.tag_name().name());
            (case.attribute("name").unwrap(), outcome)
        })
        .collect();
    assert_eq!(
        cases,
        [
            ("clippy", Some("failure")),
            ("unit", Some("failure")),
            ("build", Some("failure")),
            ("lint", None),
            ("tests", Some("failure")),
            ("docs", Some("skipped")),
            ("slow", Some("failure")),
        ]
    );
    let failure = |name: &str| {
        let case = suite
            .children()
            .find(|n| n.attribute("name") == Some(name))
            .unwrap();
        let failure = case.children().find(|n| n.has_tag_name("failure")).unwrap();
        (
            failure.attribute("message").unwrap().to_owned(),
            failure.text().unwrap_or_default().to_owned(),
        )
    };
    // Diagnostics as `path:line:col: message`, XML escapes undone by the parser.
    let (message, text) = failure("clippy");
    assert_eq!(message, "failed (exit 101)");
    assert!(
        text.contains("crates/lints/src/lib.rs:6:24: writing `&Vec` instead of `&[_]`"),
        "{text}"
    );
    // Nothing located: the output's tail.
    let (message, text) = failure("tests");
    assert_eq!(message, "failed (exit 3)");
    assert_eq!(
        text,
        "running 3 tests\ntest result: FAILED. 1 passed; 2 failed\n"
    );
    assert_eq!(failure("slow").0, "timed out after 300ms");
}

#[test]
fn annotations_are_escaped_deduplicated_and_ordered() {
    let repo = ci_repo();
    run_every_format(&repo);
    let annotations = read(&repo, "out/annotations.txt");
    let lines: Vec<&str> = annotations.lines().collect();
    // Property values escape `,` and `:` (the file name and the title); data escapes `%`
    // and newlines but keeps `:` and `,`.
    assert!(lines.contains(
        &"::error file=src/a%2Cb.rs,line=2,col=5,title=build::expected `u32`, found 50%25: see a, b"
    ), "{annotations}");
    assert!(lines.contains(
        &"::error file=src/lib.rs,line=11,col=9,title=unit::test tests::adds panicked: assertion `left == right` failed%0A  left: 5%0A right: 4"
    ), "{annotations}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("title=clippy (clippy%3A%3Aneedless_return)")),
        "{annotations}"
    );
    // Errors before warnings; the first error of every failed gate before any second one.
    let kinds: Vec<&str> = lines.iter().map(|l| l.split(' ').next().unwrap()).collect();
    let first_warning = kinds.iter().position(|k| *k == "::warning").unwrap();
    assert!(kinds[..first_warning].iter().all(|k| *k == "::error"));
    let titles: Vec<String> = lines[..5]
        .iter()
        .map(|l| Regex::new(r"title=([^:]+)::").unwrap().captures(l).unwrap()[1].to_owned())
        .collect();
    assert_eq!(
        titles,
        [
            "clippy (unused_variables)",
            "unit",
            "build",
            "tests failed",
            "slow timed out"
        ]
    );
    let mut unique = lines.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), lines.len());
}

#[test]
fn the_agent_text_fits_feedback_lines() {
    let repo = ci_repo();
    let capped = GATES.replace("base = \"main\"", "base = \"main\"\nfeedback_lines = 20");
    repo.config(&capped).commit_all("fewer lines");
    let run = repo.run(&["ci", "--format", "agent"]);
    run.expect_code(1);
    let text = run.stdout();
    assert_eq!(text.lines().count(), 20, "{text}");
    assert!(
        text.starts_with("backstop: 5 of 6 gates failed: clippy, unit, build, tests, slow\n"),
        "{text}"
    );
    assert!(
        text.contains("fix the code, not the tests")
            || text.contains("Fix the code, not the tests")
    );
    assert!(text.contains("more lines in the report"), "{text}");
}

#[test]
fn formats_are_listed_in_help() {
    let help = TestRepo::new().run(&["ci", "--help"]).stdout();
    for format in ["human", "json", "sarif", "junit", "github", "agent"] {
        assert!(help.contains(format), "{format} missing from:\n{help}");
    }
}

/// A stop run where the code passed but the tests were tampered with. The protected gate is
/// not a command gate, so its findings stand alone (the renderers must still show them).
fn report_with_findings() -> backstop::report::Report {
    use backstop::finding::FindingKind;
    use backstop::report::{Diagnostic, FindingReport, GateReport, GateStatus, Report, Severity};
    let gate = |name: &str, status, diagnostics, output: &str| GateReport {
        name: name.to_owned(),
        status,
        exit_code: Some(i32::from(status != GateStatus::Passed)),
        duration_ms: 1200,
        command: format!("run-{name}"),
        files: vec!["src/calc.py".to_owned()],
        diagnostics,
        output: Some(output.to_owned()),
        reason: None,
        only_new: false,
    };
    Report {
        schema: backstop::report::SCHEMA_ID.to_owned(),
        trigger: backstop::trigger::Trigger::Stop,
        base: Some("a".repeat(40)),
        target: "worktree".to_owned(),
        ok: false,
        duration_ms: 1500,
        gates: vec![
            gate("types", GateStatus::Passed, Vec::new(), "ok\n"),
            gate(
                "pytest",
                GateStatus::Failed,
                vec![Diagnostic {
                    file: Some("tests/test_calc.py".to_owned()),
                    line: Some(7),
                    column: None,
                    end_line: None,
                    end_column: None,
                    severity: Some(Severity::Error),
                    message: "test_add: assert 5 == 4".to_owned(),
                    rule: None,
                    fixes: Vec::new(),
                    at_base: None,
                }],
                "1 failed\n",
            ),
        ],
        protected: vec![
            FindingReport {
                kind: FindingKind::DeletedTest,
                file: "tests/test_calc.py".to_owned(),
                base_line: Some(12),
                target_line: None,
                removed: vec![
                    "def test_divide():".to_owned(),
                    "    assert divide(4, 2) == 2".to_owned(),
                ],
                added: Vec::new(),
                why: "the test `test_divide` existed in the base and exists nowhere now".to_owned(),
                identity: String::new(),
            },
            FindingReport {
                kind: FindingKind::SkippedTest,
                file: "tests/test_calc.py".to_owned(),
                base_line: Some(20),
                target_line: Some(18),
                removed: Vec::new(),
                added: vec!["@pytest.mark.skip(reason=\"flaky, <later>\")".to_owned()],
                why: "a new skip marker on `test_negative`".to_owned(),
                identity: String::new(),
            },
        ],
        shard: None,
    }
}

fn render(format: backstop::render::Format, report: &backstop::report::Report) -> String {
    let settings = backstop::render::RenderSettings {
        style: backstop::render::human::Style {
            color: false,
            quiet: false,
            verbose: false,
        },
        feedback_lines: 60,
    };
    String::from_utf8(backstop::render::render(format, report, &settings)).unwrap()
}

#[test]
fn protected_findings_in_every_format() {
    use backstop::render::Format;
    let report = report_with_findings();

    let sarif: serde_json::Value = serde_json::from_str(&render(Format::Sarif, &report)).unwrap();
    assert_valid_sarif(&sarif);
    check_github_rules(&sarif);
    let ids: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["pytest", "protected/deleted-test", "protected/skipped-test"]
    );
    insta::assert_snapshot!("protected_sarif", render(Format::Sarif, &report));

    let xml = render(Format::Junit, &report);
    let document = roxmltree::Document::parse(&xml).unwrap();
    let protected = document
        .descendants()
        .find(|n| n.attribute("name") == Some("protected"))
        .expect("a testcase named protected");
    assert_eq!(protected.attribute("classname"), Some("backstop.stop"));
    let failure = protected
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(
        failure
            .text()
            .unwrap()
            .contains("tests/test_calc.py: deleted-test: the test `test_divide` existed in the base and exists nowhere now (line 12 in the base)")
    );
    insta::assert_snapshot!("protected_junit", xml);

    insta::assert_snapshot!("protected_github", render(Format::Github, &report));
    insta::assert_snapshot!(
        "protected_step_summary",
        backstop::render::github::step_summary(&report)
    );
    let agent = render(Format::Agent, &report);
    assert!(
        agent.starts_with("backstop: 2 of 3 gates failed: pytest, protected\n"),
        "{agent}"
    );
    insta::assert_snapshot!("protected_agent", agent);
}

/// In a real run the protected gate is in the list, failed, with the findings as its output:
/// the feedback shows them once, in the findings section, and not again as quoted output.
#[test]
fn the_agent_text_shows_protected_findings_once() {
    use backstop::render::Format;
    use backstop::report::{GateReport, GateStatus};
    let mut report = report_with_findings();
    report.gates.push(GateReport {
        name: "protected".to_owned(),
        status: GateStatus::Failed,
        exit_code: None,
        duration_ms: 10,
        command: "(built-in)".to_owned(),
        files: Vec::new(),
        diagnostics: Vec::new(),
        output: Some(
            "tests/test_calc.py:12: deleted-test: the test `test_divide` existed in the base\n  - def test_divide():\n".to_owned(),
        ),
        reason: None,
        only_new: false,
    });
    let agent = render(Format::Agent, &report);
    assert!(
        agent.starts_with("backstop: 2 of 3 gates failed: pytest, protected\n"),
        "{agent}"
    );
    assert_eq!(agent.matches("test_divide").count(), 1, "{agent}");
    assert!(!agent.contains("protected failed"), "{agent}");
    assert!(
        agent.contains("protected: 2 finding(s) in tests or protected files:"),
        "{agent}"
    );
}

#[test]
fn the_agent_text_stays_under_ten_thousand_characters() {
    use backstop::report::{Diagnostic, Severity};
    let mut report = report_with_findings();
    let long = "x".repeat(5_000);
    report.gates[1].diagnostics = (1..=500)
        .map(|i| Diagnostic {
            file: Some(format!("src/{long}.rs")),
            line: Some(i),
            column: Some(1),
            end_line: None,
            end_column: None,
            severity: Some(Severity::Error),
            message: long.clone(),
            rule: None,
            fixes: Vec::new(),
            at_base: None,
        })
        .collect();
    for lines in [10, 60, 500] {
        let settings = backstop::render::RenderSettings {
            style: backstop::render::human::Style {
                color: false,
                quiet: false,
                verbose: false,
            },
            feedback_lines: lines,
        };
        let text = String::from_utf8(backstop::render::render(
            backstop::render::Format::Agent,
            &report,
            &settings,
        ))
        .unwrap();
        assert!(
            text.chars().count() < 10_000,
            "{} characters",
            text.chars().count()
        );
        assert!(
            text.lines().count() <= lines,
            "{} lines for a cap of {lines}",
            text.lines().count()
        );
        assert!(text.starts_with("backstop: 2 of 3 gates failed"));
        assert!(text.contains("Fix the code, not the tests"));
    }
}
