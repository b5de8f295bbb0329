//! The baseline run through the real binary, with shell gates standing for the tools (the
//! real ruff, mypy, pytest, cargo, go and vitest are in tests/e2e/baseline.rs): `only_new`
//! verdicts and what each format shows, the record computed once and shared, computed ahead
//! by `SessionStart`, never computed when nothing asks, and the test census.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{TestRepo, gate};

/// A linter: `file:line: error: bad word in: <the line>` for every line holding BAD in a
/// .txt file; fails when there is one. Each run appends its directory to $RUNS.
const LINT: &str = r#"pwd >> "$RUNS"
found=$(grep -rn --include='*.txt' --exclude-dir=.git BAD . | sed 's|^\./||')
[ -z "$found" ] && exit 0
printf '%s\n' "$found" | while IFS=: read -r file line text; do
  echo "$file:$line: error: bad word in: $text"
done
exit 1
"#;

/// A test runner speaking libtest's lines: one test per `fn` of tests/suite.rs; a test
/// named in config.txt (a non-test file) as `skip NAME` is ignored; `fn broken` fails, and
/// so does the run when config.txt says `fail`.
const RUNNER: &str = r#"pwd >> "$RUNS"
echo "     Running tests/suite.rs (target/debug/deps/suite-0)"
status=0
for name in $(sed -n 's/^fn \([a-z_]*\).*/\1/p' tests/suite.rs); do
  if grep -qx "skip $name" config.txt 2>/dev/null; then
    echo "test $name ... ignored"
  elif [ "$name" = broken ]; then
    echo "test $name ... FAILED"
    echo "thread '$name' panicked at tests/suite.rs:1:1:"
    echo "boom"
    echo
    status=101
  else
    echo "test $name ... ok"
  fi
done
if grep -qx fail config.txt 2>/dev/null; then status=1; fi
exit $status
"#;

const SUITE: &str =
    "#[test]\nfn alpha() { assert_eq!(1, 1); }\n#[test]\nfn beta() { assert_eq!(2, 2); }\n";

/// A repository with the linter at the base: `a.txt` has one old problem (line 2).
fn linted(only_new: bool) -> (TestRepo, PathBuf) {
    let repo = TestRepo::new();
    let runs = repo.home().join("runs.log");
    repo.write("lint.sh", LINT)
        .write("a.txt", "fine\nBAD one\nfine\n")
        .write("b.txt", "fine\n")
        .config(&format!(
            "[gates.lint]\nrun = \"sh lint.sh\"\nonly_new = {only_new}\nenv = {{ RUNS = {:?} }}\n",
            runs.display().to_string()
        ))
        .commit_all("base with lint debt");
    (repo, runs)
}

/// The directories the gates ran in: the worktree, or the baseline's checkout.
fn runs(log: &Path) -> (usize, usize) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let at_base = text.lines().filter(|l| l.contains("/baseline/")).count();
    (text.lines().count() - at_base, at_base)
}

fn records(repo: &TestRepo) -> usize {
    std::fs::read_dir(repo.root().join(".git/backstop/baseline")).map_or(0, |entries| {
        entries
            .flatten()
            .filter(|e| {
                let path = e.path();
                path.extension().is_some_and(|x| x == "json") && e.file_name() != "names-tests.json"
            })
            .count()
    })
}

#[test]
fn lint_debt_at_the_base_passes_with_only_new_even_when_its_lines_move() {
    let (repo, log) = linted(true);
    // Two lines above the old problem: it moves to line 4.
    repo.write("a.txt", "new\nnew\nfine\nBAD one\nfine\n");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(0);
    let lint = gate(&report, "lint");
    assert_eq!(lint["status"], "passed", "{lint:#}");
    assert_eq!(lint["exit_code"], 1, "the exit status is still the tool's");
    assert_eq!(lint["only_new"], true);
    assert_eq!(
        lint["reason"], "1 problem(s) already at the base, none new",
        "{lint:#}"
    );
    assert_eq!(lint["diagnostics"][0]["line"], 4);
    assert_eq!(lint["diagnostics"][0]["at_base"], true);
    assert_eq!(runs(&log), (1, 1), "the base ran once, in its own checkout");
    let text = std::fs::read_to_string(&log).unwrap();
    let checkout = text
        .lines()
        .find(|l| l.contains("/baseline/"))
        .and_then(|l| l.split(' ').next())
        .unwrap();
    assert!(
        !checkout.contains("/.git/"),
        "outside .git, where Jest finds no test: {checkout}"
    );
    assert!(!Path::new(checkout).exists(), "the checkout is removed");
    assert!(
        !repo.root().join(".git/backstop/baseline/checkout").exists(),
        "its marker too"
    );
    // The same stop again: the record is kept, the base does not run again.
    repo.run(&["run"]).expect_code(0);
    assert_eq!(runs(&log), (2, 1));
}

#[test]
fn a_checkout_a_crash_left_behind_is_removed_before_the_next() {
    let (repo, _) = linted(true);
    let stale = repo.home().join("backstop-baseline-checkout-crashed");
    std::fs::create_dir_all(stale.join("baseline/checkout")).unwrap();
    std::fs::write(stale.join("baseline/checkout/a.txt"), "left\n").unwrap();
    let dir = repo.root().join(".git/backstop/baseline");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("checkout"), stale.display().to_string()).unwrap();
    repo.write("a.txt", "new\nfine\nBAD one\nfine\n");
    repo.run(&["run"]).expect_code(0);
    assert!(!stale.exists(), "the stale checkout is gone");
    assert!(!dir.join("checkout").exists());
}

#[test]
fn one_new_problem_fails_and_only_it_is_shown() {
    let (repo, _) = linted(true);
    repo.write("a.txt", "fine\nBAD one\nfine\nBAD two\n");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    let lint = gate(&report, "lint");
    assert_eq!(lint["status"], "failed");
    let marks: Vec<(&Value, &Value)> = lint["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (&d["line"], &d["at_base"]))
        .collect();
    assert_eq!(
        marks,
        [
            (&Value::from(2), &Value::from(true)),
            (&Value::from(4), &Value::from(false))
        ],
        "JSON keeps both, marked"
    );
    let agent = repo.run(&["run", "--format", "agent"]);
    assert!(
        agent.stdout().contains("a.txt:4: bad word in: BAD two"),
        "{}",
        agent.stdout()
    );
    assert!(!agent.stdout().contains("BAD one"), "{}", agent.stdout());
    let sarif = repo.run(&["run", "--format", "sarif"]).stdout();
    assert!(
        sarif.contains("BAD two") && !sarif.contains("BAD one"),
        "{sarif}"
    );
    let human = repo.run(&["run"]).stdout();
    assert!(
        human.contains("BAD two") && !human.contains("BAD one"),
        "{human}"
    );
}

#[test]
fn a_new_problem_on_an_untouched_file_is_new() {
    // Removing `def gone` from a.txt breaks its caller in b.txt, a file the change did not
    // touch: a filter on changed lines would miss it.
    let (repo, _) = linted(true);
    let checker = "if grep -q 'calls gone' b.txt && ! grep -q 'def gone' a.txt; then\n  echo 'b.txt:1: error: gone() is not defined'\n  exit 1\nfi\n";
    repo.write("lint.sh", format!("{checker}{LINT}"))
        .write("a.txt", "fine\nBAD one\ndef gone\n")
        .write("b.txt", "calls gone()\n")
        .commit_all("a caller of gone()");
    repo.write("a.txt", "fine\nBAD one\n");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    let lint = gate(&report, "lint");
    assert_eq!(lint["status"], "failed", "{lint:#}");
    assert_eq!(lint["diagnostics"][0]["file"], "b.txt", "{lint:#}");
    assert_eq!(lint["diagnostics"][0]["at_base"], false, "{lint:#}");
}

#[test]
fn a_failure_with_nothing_located_stands_and_asks_for_no_baseline() {
    let repo = TestRepo::new();
    repo.config("[gates.broken]\nrun = \"echo it broke; exit 1\"\nonly_new = true\n")
        .write("a.txt", "x\n")
        .commit_all("base");
    repo.write("a.txt", "y\n");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    assert_eq!(gate(&report, "broken")["status"], "failed");
    assert_eq!(records(&repo), 0);
}

#[test]
fn nothing_is_computed_when_nothing_asks() {
    let (repo, log) = linted(false);
    repo.write("a.txt", "BAD one\nBAD two\n");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    assert_eq!(runs(&log), (1, 0));
    assert!(!repo.root().join(".git/backstop/baseline").exists());
    assert_eq!(
        gate(&report, "lint")["diagnostics"][0]["at_base"],
        Value::Null
    );
}

#[test]
fn the_settings_default_turns_only_new_on_and_a_gate_can_turn_it_off() {
    let repo = TestRepo::new();
    let runs = repo.home().join("runs.log");
    repo.write("lint.sh", LINT)
        .write("a.txt", "BAD one\n")
        .config(&format!(
            "[settings]\nonly_new = true\n[gates.lint]\nrun = \"sh lint.sh\"\nenv = {{ RUNS = {:?} }}\n[gates.strict]\nrun = \"sh lint.sh\"\nonly_new = false\nenv = {{ RUNS = {:?} }}\n",
            runs.display().to_string(),
            runs.display().to_string()
        ))
        .commit_all("base");
    repo.write("b.txt", "fine\n");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    assert_eq!(gate(&report, "lint")["status"], "passed");
    assert_eq!(gate(&report, "strict")["status"], "failed");
}

#[test]
fn a_linked_worktree_shares_the_record() {
    let (repo, log) = linted(true);
    repo.write("a.txt", "fine\nBAD one\n");
    repo.run(&["run"]).expect_code(0);
    assert_eq!(runs(&log).1, 1);
    let linked = repo.home().join("linked");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "--detach",
        linked.to_str().unwrap(),
    ]);
    std::fs::write(linked.join("a.txt"), "BAD one\nfine\n").unwrap();
    let run = repo
        .backstop()
        .current_dir(&linked)
        .arg("run")
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    assert_eq!(
        runs(&log).1,
        1,
        "the record computed in the main worktree served"
    );
}

fn hook(repo: &TestRepo, event: &str, fixture: &str) -> std::process::Output {
    let payload = std::fs::read_to_string(format!(
        "{}/tests/fixtures/agents/{fixture}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("{{CWD}}", &repo.root().display().to_string());
    let mut child = repo
        .backstop()
        .args(["hook", "claude", event])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(payload.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Waits until the background worker has written `count` records.
fn wait_for_records(repo: &TestRepo, count: usize) {
    let started = Instant::now();
    while records(repo) < count {
        assert!(
            started.elapsed() < Duration::from_mins(1),
            "the background baseline never finished: {}",
            std::fs::read_to_string(repo.root().join(".git/backstop/baseline/worker.log"))
                .unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The worker removes its checkout (and the marker naming it) after writing the records.
    while repo.root().join(".git/backstop/baseline/checkout").exists() {
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn session_start_computes_the_base_in_the_background_and_the_stop_uses_it() {
    let (repo, log) = linted(true);
    let started = hook(&repo, "session-start", "claude-session-start");
    assert_eq!(started.status.code(), Some(0));
    assert!(started.stdout.is_empty(), "SessionStart says nothing");
    wait_for_records(&repo, 1);
    assert_eq!(runs(&log), (0, 1));
    // A second SessionStart (resume) finds the record and starts nothing.
    hook(&repo, "session-start", "claude-session-start");
    repo.write("a.txt", "moved\nfine\nBAD one\n");
    let stopped = hook(&repo, "stop", "claude-stop");
    assert!(
        stopped.stdout.is_empty(),
        "the stop passes on old debt: {}",
        String::from_utf8_lossy(&stopped.stdout)
    );
    assert_eq!(runs(&log), (1, 1), "the stop ran the target only");
    repo.write("b.txt", "BAD new\n");
    let blocked = hook(&repo, "stop", "claude-stop");
    let answer: Value = serde_json::from_slice(&blocked.stdout).unwrap();
    let reason = answer["reason"].as_str().unwrap();
    assert!(reason.contains("b.txt:1: bad word in: BAD new"), "{reason}");
    assert!(!reason.contains("BAD one"), "{reason}");
}

#[test]
fn session_start_computes_nothing_when_nothing_asks() {
    let (repo, _) = linted(false);
    hook(&repo, "session-start", "claude-session-start");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!repo.root().join(".git/backstop/baseline").exists());
}

/// A repository whose test runner passes alpha and beta at the base, with `[protect]`.
fn tested() -> (TestRepo, PathBuf) {
    let repo = TestRepo::new();
    let runs = repo.home().join("runs.log");
    repo.write("runner.sh", RUNNER)
        .write("tests/suite.rs", SUITE)
        .write("config.txt", "verbose\n")
        .config(&format!(
            "[gates.tests]\nrun = \"sh runner.sh\"\nparser = \"cargo\"\nenv = {{ RUNS = {:?} }}\n[protect]\n",
            runs.display().to_string()
        ))
        .commit_all("base: alpha and beta pass");
    (repo, runs)
}

fn findings<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    report["protected"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .collect()
}

#[test]
fn a_flag_in_a_non_test_file_that_skips_a_test_is_a_test_not_run_finding() {
    let (repo, _) = tested();
    repo.write("config.txt", "verbose\nskip beta\n");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    assert_eq!(gate(&report, "tests")["status"], "passed");
    assert_eq!(gate(&report, "protected")["status"], "failed");
    let found = findings(&report, "test-not-run");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["file"], "tests/suite.rs");
    assert!(
        found[0]["why"].as_str().unwrap().starts_with(
            "test `tests/suite.rs::beta` passed at the base and was skipped in gate `tests`"
        ),
        "{:#}",
        found[0]
    );
    // The test gate's pass is cached with its tests: the next run still takes the census.
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    assert_eq!(gate(&report, "tests")["status"], "cached");
    assert_eq!(findings(&report, "test-not-run").len(), 1, "{report:#}");
    // A person approves it; then it passes.
    let shown = repo.run(&["approve", "--show"]);
    assert!(
        shown.stdout().contains("test-not-run"),
        "{}",
        shown.stdout()
    );
    repo.run(&["approve"]).expect_code(0);
    let (run, report) = repo.report(&["run"]);
    run.expect_code(0);
    assert!(findings(&report, "test-not-run").is_empty());
}

#[test]
fn a_test_missing_from_the_results_is_a_finding_only_when_the_run_is_complete() {
    let (repo, _) = tested();
    // The runner now reads only the first test: beta is missing, not skipped.
    repo.write(
        "runner.sh",
        RUNNER.replace("tests/suite.rs); do", "tests/suite.rs | head -n 1); do"),
    );
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    let found = findings(&report, "test-not-run");
    assert_eq!(found.len(), 1, "{report:#}");
    assert!(
        found[0]["why"]
            .as_str()
            .unwrap()
            .contains("is missing from the results")
    );
    // A failing run may stop early: missing tests are not judged then.
    repo.write("config.txt", "fail\n");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    assert_eq!(gate(&report, "tests")["status"], "failed");
    assert!(findings(&report, "test-not-run").is_empty(), "{report:#}");
}

#[test]
fn a_new_test_and_a_deleted_test_are_no_census_finding() {
    let (repo, _) = tested();
    repo.write(
        "tests/suite.rs",
        format!("{SUITE}#[test]\nfn gamma() {{ assert_eq!(3, 3); }}\n"),
    );
    let (run, report) = repo.report(&["run"]);
    run.expect_code(0);
    assert!(
        report["protected"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
    // beta deleted: the protected gate's diff reports it, the census does not repeat it.
    repo.write(
        "tests/suite.rs",
        "#[test]\nfn alpha() { assert_eq!(1, 1); }\n",
    );
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    assert_eq!(findings(&report, "deleted-test").len(), 1, "{report:#}");
    assert!(findings(&report, "test-not-run").is_empty(), "{report:#}");
}

#[test]
fn allowing_test_not_run_turns_the_census_off() {
    let (repo, log) = tested();
    let config = std::fs::read_to_string(repo.root().join("gates.toml")).unwrap();
    repo.config(&config.replace("[protect]\n", "[protect]\nallow = [\"test-not-run\"]\n"))
        .commit_all("no census");
    repo.write("config.txt", "skip beta\n");
    repo.run(&["run"]).expect_code(0);
    assert_eq!(runs(&log).1, 0, "no baseline computed");
}

#[test]
fn a_failure_that_was_there_at_the_base_is_marked_for_the_agent() {
    let repo = TestRepo::new();
    let runs = repo.home().join("runs.log");
    repo.write("runner.sh", RUNNER)
        .write("tests/suite.rs", format!("{SUITE}#[test]\nfn broken() {{}}\n"))
        .config(&format!(
            "[gates.tests]\nrun = \"sh runner.sh\"\nparser = \"cargo\"\nenv = {{ RUNS = {:?} }}\n[protect]\n",
            runs.display().to_string()
        ))
        .commit_all("base: broken fails already");
    repo.write("config.txt", "unrelated\n");
    let agent = repo.run(&["run", "--format", "agent"]);
    agent.expect_code(1);
    assert!(
        agent.stdout().contains(
            "tests/suite.rs:1:1: test broken panicked: boom (failing before your change)"
        ),
        "{}",
        agent.stdout()
    );
}

#[test]
fn a_commit_judged_with_its_baseline_keeps_its_index() {
    // The pre-commit hook computes the baseline while git holds the commit's index in
    // GIT_INDEX_FILE (`git commit -a`): the base's checkout must not write it.
    let (repo, log) = linted(true);
    repo.run(&["install", "--git"]).expect_code(0);
    repo.write("a.txt", "moved\nfine\nBAD one\nfine\n")
        .write("b.txt", "fine\nmore\n");
    let commit = repo.git_output(&["commit", "-a", "-q", "-m", "old debt only"]);
    assert!(
        commit.status.success(),
        "{}",
        String::from_utf8_lossy(&commit.stderr)
    );
    assert_eq!(runs(&log).1, 1, "the base ran");
    let files = repo.git(&["show", "--stat", "--format=", "HEAD"]);
    assert!(
        files.contains("a.txt") && files.contains("b.txt"),
        "{files}"
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    assert_eq!(repo.git(&["show", "HEAD:b.txt"]), "fine\nmore\n");
}

#[test]
fn fail_fast_does_not_stop_at_a_failure_the_baseline_may_excuse() {
    let (repo, _) = linted(true);
    let config = std::fs::read_to_string(repo.root().join("gates.toml")).unwrap();
    repo.config(&format!(
        "[settings]\nfail_fast = true\njobs = 1\n{config}[gates.later]\nrun = \"true\"\nafter = [\"lint\"]\n"
    ))
    .commit_all("fail fast");
    repo.write("a.txt", "moved\nfine\nBAD one\nfine\n");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(0);
    assert_eq!(gate(&report, "lint")["status"], "passed");
    assert_eq!(gate(&report, "later")["status"], "passed", "{report:#}");
}

#[test]
fn ci_compares_with_the_merge_base() {
    let (repo, log) = linted(true);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("a.txt", "moved\nfine\nBAD one\nfine\n")
        .commit_all("the branch moves the old problem");
    let (run, report) = repo.report(&["ci", "--base", "main"]);
    run.expect_code(0);
    assert_eq!(gate(&report, "lint")["status"], "passed", "{report:#}");
    assert_eq!(runs(&log).1, 1, "the merge-base ran once");
    repo.write("b.txt", "BAD new\n").commit_all("a new problem");
    let (run, report) = repo.report(&["ci", "--base", "main"]);
    run.expect_code(1);
    assert_eq!(gate(&report, "lint")["status"], "failed", "{report:#}");
    assert_eq!(runs(&log).1, 1, "the same merge-base: its record served");
}

#[test]
fn a_run_waits_for_the_background_baseline_of_its_gates_instead_of_running_beside_it() {
    // A test server on a fixed port cannot run on the base and the target at once.
    let repo = TestRepo::new();
    let log = repo.home().join("runs.log");
    repo.write("a.txt", "fine\n")
        .config(&format!(
            "[gates.server]\nrun = \"echo start $PWD >> $RUNS; sleep 1; echo end >> $RUNS; exit 1\"\nonly_new = true\nenv = {{ RUNS = {:?} }}\n",
            log.display().to_string()
        ))
        .commit_all("base");
    hook(&repo, "session-start", "claude-session-start");
    // Give the worker the time to take the lock.
    let started = Instant::now();
    while !std::fs::read_to_string(&log).is_ok_and(|t| t.contains("start")) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the worker never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let run = repo.run(&["run"]);
    assert!(
        run.stderr().contains("waiting for the baseline"),
        "{}",
        run.stderr()
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].contains("/baseline/") && lines[1] == "end",
        "{text}"
    );
    assert!(!lines[2].contains("/baseline/"), "{text}");
}

#[test]
fn a_linter_handed_the_changed_files_is_compared_on_those_files_alone() {
    let repo = TestRepo::new();
    let log = repo.home().join("runs.log");
    let lint = "echo \"$PWD $*\" >> \"$RUNS\"\nstatus=0\nfor f in \"$@\"; do\n  grep -n BAD \"$f\" | while IFS=: read -r line text; do echo \"$f:$line: error: bad word in: $text\"; done\n  grep -q BAD \"$f\" && status=1\ndone\nexit $status\n";
    repo.write("lint.sh", lint)
        .write("a.txt", "BAD one\n")
        .write("c.txt", "BAD three\n")
        .config(&format!(
            // The base resolves (HEAD on main), so the run judges what changed.
            "[settings]\nbase = \"main\"\n[gates.lint]\nrun = \"sh lint.sh\"\nfiles = [\"*.txt\"]\npass_files = true\nonly_new = true\nenv = {{ RUNS = {:?} }}\n",
            log.display().to_string()
        ))
        .commit_all("base");
    repo.write("a.txt", "moved\nBAD one\n")
        .write("new.txt", "fine\n");
    repo.run(&["run"]).expect_code(0);
    let text = std::fs::read_to_string(&log).unwrap();
    let base_run = text.lines().find(|l| l.contains("/baseline/")).unwrap();
    assert!(
        base_run.ends_with("a.txt") && !base_run.contains("c.txt") && !base_run.contains("new.txt"),
        "the base got the changed file that it has, not c.txt nor new.txt: {text}"
    );
}
