//! CI shards through the real binary: `backstop ci --shard I/N` runs a disjoint share of the
//! gates, the shards together run every gate once, and `backstop report merge` writes what one
//! unsharded run writes, in every format (durations and commit ids normalised).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::formats::stable;
use crate::support::{Run, TestRepo, gate};

/// Eleven command gates of every kind (and the protected gate: twelve): failing with located
/// diagnostics, failing with none, passing with a warning, skipped, timed out, ordered.
const GATES: &str = r#"[settings]
base = "main"

[gates.clippy]
run = "cat clippy.jsonl; exit 101"
files = ["*.rs"]
parser = "cargo"

[gates.build]
run = "printf 'src/lib.rs:2:5: error: expected `u32`, found 50%%: see a, b\nsrc/lib.rs:7:1: warning: unused function\n'; exit 1"
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
run = "echo 'waiting for the server'; sleep 30"
timeout = "300ms"

[gates.fmt]
run = "echo formatted"

[gates.types]
run = "echo 'types ok'"
after = ["fmt"]

[gates.count]
run = "echo files:"
files = ["*.rs", "*.py"]
pass_files = true

[gates.vet]
run = "echo 'src/lib.rs:3: note: consider a doc comment'"

[gates.deps]
run = "exit 0"

[protect]
"#;

const TESTS_BEFORE: &str =
    "def test_add():\n    assert 1 + 1 == 2\n\n\ndef test_sub():\n    assert 2 - 1 == 1\n";
const TESTS_AFTER: &str = "def test_add():\n    assert 1 + 1 == 2\n";

const PLANNED: [&str; 12] = [
    "clippy",
    "build",
    "lint",
    "tests",
    "docs",
    "slow",
    "fmt",
    "types",
    "count",
    "vet",
    "deps",
    "protected",
];

/// A feature branch that changes Rust and deletes a test (a protected finding).
fn repo_with_twelve_gates() -> TestRepo {
    let repo = TestRepo::new();
    let clippy =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parsers/cargo/clippy.jsonl");
    repo.config(GATES)
        .write("clippy.jsonl", std::fs::read(clippy).unwrap())
        .write("src/lib.rs", "pub fn f() {}\n")
        .write("README.md", "# demo\n")
        .write("tests/test_calc.py", TESTS_BEFORE)
        .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/lib.rs", "pub fn f() -> u32 { 1 }\n")
        .write("tests/test_calc.py", TESTS_AFTER)
        .commit_all("change");
    repo
}

/// Every format, each to a file under `dir`, and the human display on stdout.
fn every_format(dir: &str) -> Vec<String> {
    let mut args = Vec::new();
    for (format, file) in [
        ("json", "report.json"),
        ("sarif", "report.sarif"),
        ("junit", "junit.xml"),
        ("github", "annotations.txt"),
        ("agent", "agent.txt"),
        ("human", "human.txt"),
    ] {
        args.extend([
            "--format".to_owned(),
            format.to_owned(),
            "--output".to_owned(),
            format!("{dir}/{file}"),
        ]);
    }
    args
}

fn run_with_summary(repo: &TestRepo, args: &[String], summary: &str) -> Run {
    let summary = repo.root().join(summary);
    Run(repo
        .backstop()
        .args(args)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap())
}

fn json(repo: &TestRepo, path: &str) -> Value {
    serde_json::from_slice(&repo.read(path)).unwrap()
}

fn names(report: &Value) -> Vec<String> {
    report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_owned())
        .collect()
}

fn ci(shard: Option<&str>, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["ci", "--base", "main", "--no-cache"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    if let Some(shard) = shard {
        args.extend(["--shard".to_owned(), shard.to_owned()]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

/// The human lines of a run (one per gate, in finish order for a run): sorted, normalised.
fn gate_lines(stdout: &str) -> Vec<String> {
    let mut lines: Vec<String> = stable(stdout)
        .lines()
        .filter(|l| {
            PLANNED
                .iter()
                .any(|n| l.split_whitespace().nth(1) == Some(n))
        })
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

#[test]
fn three_shards_run_every_gate_once_and_merge_into_the_unsharded_report() {
    let repo = repo_with_twelve_gates();
    let whole = run_with_summary(
        &repo,
        &[ci(None, &[]), every_format("whole")].concat(),
        "whole.md",
    );
    whole.expect_code(1);
    let unsharded = json(&repo, "whole/report.json");
    assert_eq!(names(&unsharded), PLANNED);
    assert!(!unsharded["protected"].as_array().unwrap().is_empty());

    let mut ran: Vec<String> = Vec::new();
    for index in 1..=3 {
        let shard = format!("{index}/3");
        let output = format!("shard-{index}.json");
        let run = repo.run(
            &ci(Some(&shard), &["--format", "json", "--output", &output])
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        assert!(matches!(run.code(), 0 | 1), "{}", run.stderr());
        assert!(run.stderr().contains(&format!("backstop: shard {shard}: ")));
        let report = json(&repo, &output);
        crate::report::assert_valid(&report);
        assert_eq!(report["shard"]["index"], index);
        assert_eq!(report["shard"]["total"], 3);
        assert_eq!(report["shard"]["planned"], serde_json::json!(PLANNED));
        assert_eq!(report["shard"]["every"], serde_json::json!([]));
        let mine = names(&report);
        assert_eq!(mine.len(), 4, "12 gates by count: 4 each: {mine:?}");
        ran.extend(mine);
    }
    let distinct: BTreeSet<&String> = ran.iter().collect();
    assert_eq!(distinct.len(), ran.len(), "shards are disjoint: {ran:?}");
    assert_eq!(
        distinct,
        PLANNED
            .iter()
            .map(|n| (*n).to_owned())
            .collect::<Vec<_>>()
            .iter()
            .collect(),
        "together they ran every gate"
    );

    let merge: Vec<String> = [
        vec!["report".to_owned(), "merge".to_owned()],
        (1..=3).map(|i| format!("shard-{i}.json")).collect(),
        every_format("merged"),
    ]
    .concat();
    let merged = run_with_summary(&repo, &merge, "merged.md");
    merged.expect_code(1);
    let report = json(&repo, "merged/report.json");
    crate::report::assert_valid(&report);
    for name in PLANNED {
        let (a, b) = (gate(&report, name), gate(&unsharded, name));
        assert_eq!(a["status"], b["status"], "{name}");
        assert_eq!(a["diagnostics"], b["diagnostics"], "{name}");
    }
    for file in [
        "report.json",
        "report.sarif",
        "junit.xml",
        "annotations.txt",
        "agent.txt",
        "human.txt",
    ] {
        let read =
            |dir: &str| stable(&String::from_utf8(repo.read(format!("{dir}/{file}"))).unwrap());
        assert_same(&read("merged"), &read("whole"), file);
    }
    let summary = |name: &str| stable(&String::from_utf8(repo.read(name)).unwrap());
    assert_same(
        &summary("merged.md"),
        &summary("whole.md"),
        "the step summary",
    );
    assert!(summary("merged.md").contains("protected"));
    assert_eq!(
        gate_lines(&merged.stdout()),
        gate_lines(&whole.stdout()),
        "the human lines of the gates"
    );
}

/// Equal texts, or a failure that shows the first line where they part.
fn assert_same(merged: &str, whole: &str, what: &str) {
    if merged == whole {
        return;
    }
    let at = merged
        .lines()
        .zip(whole.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| merged.lines().count().min(whole.lines().count()));
    panic!(
        "{what}: the merged rendering differs from the unsharded one at line {}:\nmerged: {:?}\nwhole:  {:?}",
        at + 1,
        merged.lines().nth(at),
        whole.lines().nth(at)
    );
}

/// A report whose gates took these milliseconds.
fn durations(gates: &[(&str, u64)]) -> String {
    let gates: Vec<Value> = gates
        .iter()
        .map(|(name, ms)| serde_json::json!({"name": name, "status": "passed", "duration_ms": ms}))
        .collect();
    serde_json::json!({"schema": "backstop.report/v1", "gates": gates}).to_string()
}

fn shard_gates(repo: &TestRepo, shard: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["ci", "--base", "main", "--shard", shard];
    args.extend(extra);
    args.extend(["--format", "json", "--output", "shard.json"]);
    repo.run(&args).expect_code(0);
    names(&json(repo, "shard.json"))
}

#[test]
fn earlier_durations_balance_the_shards() {
    let repo = TestRepo::new();
    let mut config = String::from("[settings]\nbase = \"main\"\n");
    for name in ["a", "b", "c", "d"] {
        config.push_str(&format!("[gates.{name}]\nrun = \"true\"\n"));
    }
    repo.config(&config).write("x", "1\n").commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("x", "2\n").commit_all("change");
    // No durations: round robin in plan order.
    assert_eq!(shard_gates(&repo, "1/2", &[]), ["a", "c"]);
    assert_eq!(shard_gates(&repo, "2/2", &[]), ["b", "d"]);
    // `a` took as long as the rest together and more: it gets a shard of its own.
    std::fs::write(
        repo.home().join("previous.json"),
        durations(&[("a", 90_000), ("b", 20_000), ("c", 30_000), ("d", 25_000)]),
    )
    .unwrap();
    let previous = repo.home().join("previous.json");
    let with = ["--durations", previous.to_str().unwrap()];
    assert_eq!(shard_gates(&repo, "1/2", &with), ["a"]);
    assert_eq!(shard_gates(&repo, "2/2", &with), ["b", "c", "d"]);
    // A missing file is the first run: by count, silently.
    let missing = repo.home().join("none.json");
    let run = repo.run(&[
        "ci",
        "--base",
        "main",
        "--shard",
        "1/2",
        "--durations",
        missing.to_str().unwrap(),
    ]);
    run.expect_code(0);
    assert!(!run.stderr().contains("warning"), "{}", run.stderr());
    // A file that is not a report: a warning, and still by count.
    std::fs::write(&previous, "garbage").unwrap();
    let run = repo.run(&[
        "ci",
        "--base",
        "main",
        "--shard",
        "1/2",
        "--durations",
        previous.to_str().unwrap(),
    ]);
    run.expect_code(0);
    assert!(
        run.stderr().contains("warning: --durations"),
        "{}",
        run.stderr()
    );
}

#[test]
fn backstop_shard_reaches_the_gates_and_self_sharding_gates_run_on_every_shard() {
    let repo = TestRepo::new();
    repo.config(
        "[settings]\nbase = \"main\"\n[gates.suite]\nrun = 'echo \"suite $BACKSTOP_SHARD\"; [ \"$BACKSTOP_SHARD\" != 2/2 ] || echo \"src/x.rs:1: error: broken in shard 2\"; [ \"$BACKSTOP_SHARD\" != 2/2 ]'\n[gates.script]\nrun = \"sh show.sh\"\n[gates.other]\nrun = \"true\"\n",
    )
    .write("show.sh", "echo \"script $BACKSTOP_SHARD\"\n")
    .write("src/x.rs", "\n")
    .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/x.rs", "fn x() {}\n").commit_all("change");
    let mut outputs = String::new();
    for index in 1..=2 {
        let file = format!("s{index}.json");
        repo.run(&[
            "ci",
            "--base",
            "main",
            "--shard",
            &format!("{index}/2"),
            "--format",
            "json",
            "--output",
            &file,
        ]);
        let report = json(&repo, &file);
        assert_eq!(report["shard"]["every"], serde_json::json!(["suite"]));
        assert!(
            names(&report).contains(&"suite".to_owned()),
            "on every shard"
        );
        for g in report["gates"].as_array().unwrap() {
            outputs.push_str(g["output"].as_str().unwrap_or_default());
        }
    }
    assert!(
        outputs.contains("suite 1/2\n") && outputs.contains("suite 2/2\n"),
        "{outputs}"
    );
    assert!(
        outputs.contains("script 1/1\n"),
        "a gate that does not name BACKSTOP_SHARD runs once and whole: {outputs}"
    );
    let (run, merged) = {
        let run = repo.run(&["report", "merge", "s1.json", "s2.json", "--format", "json"]);
        let merged: Value = serde_json::from_str(&run.stdout()).unwrap();
        (run, merged)
    };
    run.expect_code(1);
    let suite = gate(&merged, "suite");
    assert_eq!(suite["status"], "failed", "the worst of its shards");
    assert_eq!(suite["diagnostics"][0]["message"], "broken in shard 2");
    assert_eq!(names(&merged), ["suite", "script", "other"]);
    assert_eq!(merged["shard"], Value::Null);
}

#[test]
fn a_merge_without_every_shard_or_across_commits_fails_with_what_to_do() {
    let repo = repo_with_twelve_gates();
    for index in 1..=3 {
        repo.run(&[
            "ci",
            "--base",
            "main",
            "--no-cache",
            "--shard",
            &format!("{index}/3"),
            "--format",
            "json",
            "--output",
            &format!("s{index}.json"),
        ]);
    }
    let run = repo.run(&["report", "merge", "s1.json", "s3.json", "--format", "sarif"]);
    run.expect_code(2);
    assert_eq!(run.stdout(), "", "no verdict without every shard");
    assert!(
        run.stderr().contains("error: no report of shard 2/3"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("hint: every shard's report is needed"),
        "{}",
        run.stderr()
    );
    // Shard 2 of another commit.
    repo.write("src/lib.rs", "pub fn f() -> u32 { 2 }\n")
        .commit_all("later");
    repo.run(&[
        "ci",
        "--base",
        "main",
        "--no-cache",
        "--shard",
        "2/3",
        "--format",
        "json",
        "--output",
        "s2.json",
    ]);
    let run = repo.run(&["report", "merge", "s1.json", "s2.json", "s3.json"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("judged different things"),
        "{}",
        run.stderr()
    );
    let run = repo.run(&["report", "merge", "nothing.json"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("error: cannot read nothing.json"),
        "{}",
        run.stderr()
    );
    let run = repo.run(&["ci", "--shard", "4/3"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("is not a shard: write I/N"),
        "{}",
        run.stderr()
    );
}

/// The items of `job`'s `script` in the GitLab pipeline of docs/ci.md that shards (the block
/// with `parallel:`), as the shell gets them: a folded item (`- >`) is one line.
fn gitlab_script(job: &str) -> Vec<String> {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md")).unwrap();
    let block = docs
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .find(|b| b.contains("parallel:"))
        .expect("docs/ci.md has a GitLab pipeline with parallel:");
    let lines: Vec<&str> = block.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == format!("{job}:"))
        .unwrap_or_else(|| panic!("no job {job}"));
    let script = start
        + lines[start..]
            .iter()
            .position(|l| l.trim() == "script:")
            .unwrap();
    let mut items: Vec<String> = Vec::new();
    for line in &lines[script + 1..] {
        if let Some(item) = line.strip_prefix("    - ") {
            let item = item.split("  #").next().unwrap().trim_end();
            items.push(if item == ">" {
                String::new()
            } else {
                item.to_owned()
            });
        } else if let Some(more) = line.strip_prefix("      ") {
            let last = items.last_mut().unwrap();
            last.push_str(if last.is_empty() { "" } else { " " });
            last.push_str(more.trim());
        } else {
            break;
        }
    }
    items
}

#[test]
fn the_gitlab_pipeline_of_docs_ci_md_runs_as_written() {
    let repo = TestRepo::new();
    let mut config = String::new();
    for n in 1..=6 {
        let run = if n == 4 {
            "echo 'src/a.rs:1:1: error: no'; exit 1"
        } else {
            "true"
        };
        config.push_str(&format!("[gates.g{n}]\nrun = \"{run}\"\n"));
    }
    repo.config(&config)
        .write("src/a.rs", "1\n")
        .commit_all("base");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/a.rs", "2\n").commit_all("change");
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    // What backstop-prepare leaves: the binary and an empty durations file.
    let bin = repo.root().join("backstop-bin/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin("backstop"),
        bin.join("backstop"),
    )
    .unwrap();
    std::fs::write(repo.root().join("backstop-durations.json"), "").unwrap();
    let run = |job: &str, node: usize| {
        let script: Vec<String> = gitlab_script(job)
            .into_iter()
            .filter(|line| !line.starts_with("git fetch"))
            .collect();
        let mut command = std::process::Command::new("sh");
        repo.isolate(&mut command);
        command
            .args(["-ec", &script.join("\n")])
            .env("CI", "true")
            .env("GITLAB_CI", "true")
            .env("CI_PIPELINE_SOURCE", "merge_request_event")
            .env("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base)
            .env("CI_COMMIT_SHA", &head)
            .env("CI_NODE_INDEX", node.to_string())
            .env("CI_NODE_TOTAL", "4");
        Run(command.output().unwrap())
    };
    for node in 1..=4 {
        let shard = run("backstop", node);
        assert!(matches!(shard.code(), 0 | 1), "{}", shard.stderr());
        let report = json(&repo, &format!("backstop-shard-{node}.json"));
        assert_eq!(report["shard"]["index"], node);
    }
    let merged = run("backstop-report", 0);
    merged.expect_code(1);
    let report = json(&repo, "backstop.json");
    assert_eq!(names(&report), ["g1", "g2", "g3", "g4", "g5", "g6"]);
    assert_eq!(gate(&report, "g4")["diagnostics"][0]["message"], "no");
    assert!(repo.root().join("backstop-junit.xml").exists());
    assert_eq!(
        repo.read("backstop-durations.json"),
        repo.read("backstop.json"),
        "the next run's durations"
    );
}
