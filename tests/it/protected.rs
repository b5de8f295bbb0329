//! The protected gate end to end: a real commit deleting a test is blocked with the test's
//! name and line; after `backstop approve` the same commit passes; new tampering is blocked.

use std::process::{Command, Output};

use crate::support::{TestRepo, gate};

const TESTS: &str =
    "def test_add():\n    assert 1 + 1 == 2\n\n\ndef test_sub():\n    assert 2 - 1 == 1\n";

fn commit(repo: &TestRepo, message: &str) -> Output {
    let mut command = Command::new("git");
    repo.isolate(&mut command);
    command
        .args(["commit", "-q", "-m", message])
        .output()
        .unwrap()
}

fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_deleted_test_is_blocked_then_approved_then_new_tampering_is_blocked_again() {
    let repo = TestRepo::new();
    repo.config("[protect]\n")
        .write("tests/test_calc.py", TESTS)
        .commit_all("base");
    repo.run(&["install"]).expect_code(0);

    repo.write(
        "tests/test_calc.py",
        "def test_add():\n    assert 1 + 1 == 2\n",
    );
    repo.git(&["add", "-A"]);
    let blocked = commit(&repo, "drop a test");
    assert!(!blocked.status.success());
    let text = said(&blocked);
    assert!(
        text.contains("tests/test_calc.py:5: deleted-test: test `test_sub` was deleted"),
        "{text}"
    );

    let show = repo.run(&["approve", "--show"]);
    show.expect_code(0);
    assert!(show.stdout().contains("test_sub"), "{}", show.stdout());
    let blocked_again = commit(&repo, "drop a test");
    assert!(!blocked_again.status.success(), "--show approves nothing");

    repo.run(&["approve"]).expect_code(0);
    let passed = commit(&repo, "drop a test");
    assert!(passed.status.success(), "{}", said(&passed));

    repo.write(
        "tests/test_calc.py",
        "import pytest\n\n\n@pytest.mark.skip\ndef test_add():\n    assert 1 + 1 == 2\n",
    );
    repo.git(&["add", "-A"]);
    let skipped = commit(&repo, "skip it");
    assert!(
        !skipped.status.success(),
        "a new finding needs a new approval"
    );
    assert!(
        said(&skipped).contains(
            "skipped-test: test `test_add` gained the skip/focus marker `@pytest.mark.skip`"
        ),
        "{}",
        said(&skipped)
    );
}

#[test]
fn findings_are_in_the_json_report_and_allow_protected_passes_them_in_ci() {
    let repo = TestRepo::new();
    repo.config("[protect]\n")
        .write("tests/test_calc.py", TESTS)
        .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(
        "tests/test_calc.py",
        "def test_add():\n    assert 1 + 1\n\n\ndef test_sub():\n    assert 2 - 1 == 1\n",
    )
    .commit_all("weaken");
    let (run, report) = repo.report(&["ci", "--base", "main"]);
    run.expect_code(1);
    assert_eq!(gate(&report, "protected")["status"], "failed");
    let finding = &report["protected"][0];
    assert_eq!(finding["kind"], "weakened-assertion");
    assert_eq!(finding["file"], "tests/test_calc.py");
    assert_eq!(finding["base_line"], 1);
    assert_eq!(finding["target_line"], 1);
    assert_eq!(
        finding["removed"],
        serde_json::json!(["    assert 1 + 1 == 2"])
    );
    assert_eq!(finding["added"], serde_json::json!(["    assert 1 + 1"]));
    crate::report::assert_valid(&report);

    let (run, report) = repo.report(&["ci", "--base", "main", "--allow-protected"]);
    run.expect_code(0);
    assert_eq!(gate(&report, "protected")["status"], "passed");
    assert_eq!(
        report["protected"].as_array().unwrap().len(),
        1,
        "still reported"
    );
}

#[test]
fn gates_toml_weakening_and_protected_paths_are_findings() {
    let repo = TestRepo::new();
    repo.config("[gates.test]\nrun = \"pytest\"\n[protect]\n")
        .write(".claude/settings.json", "{}\n")
        .commit_all("base");
    repo.config("[gates.test]\nrun = \"true\"\n[protect]\n")
        .write(".claude/settings.json", "{\"hooks\": {}}\n");
    let (run, report) = repo.report(&["run", "--gate", "protected"]);
    run.expect_code(1);
    let kinds: Vec<&str> = report["protected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["protected-path", "gate-weakened"], "{report:#}");
    assert!(
        report["protected"][1]["why"]
            .as_str()
            .unwrap()
            .contains("the command of gate `test` changed")
    );
}

#[test]
fn skipping_the_protected_gate_by_name_and_a_missing_table() {
    let repo = TestRepo::new();
    repo.config("[gates.a]\nrun = \"true\"\n")
        .write("tests/test_calc.py", TESTS)
        .commit_all("base");
    repo.write("tests/test_calc.py", "");
    let (_, report) = repo.report(&["run"]);
    assert!(
        report["gates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["name"] != "protected"),
        "no [protect], no gate"
    );
    let run = repo.run(&["run", "--gate", "protected"]);
    run.expect_code(2);
    repo.config("[gates.a]\nrun = \"true\"\n[protect]\n");
    let (_, report) = repo.report(&["run", "--skip", "protected"]);
    assert!(
        report["gates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["name"] != "protected")
    );
}

#[test]
fn a_change_cannot_switch_off_its_own_protection() {
    let repo = TestRepo::new();
    repo.config("[gates.a]\nrun = \"true\"\n[protect]\n")
        .write("tests/test_calc.py", TESTS)
        .commit_all("base");
    repo.run(&["install"]).expect_code(0);
    // One commit removes [protect] and deletes a test.
    repo.config("[gates.a]\nrun = \"true\"\n").write(
        "tests/test_calc.py",
        "def test_add():\n    assert 1 + 1 == 2\n",
    );
    repo.git(&["add", "-A"]);
    let blocked = commit(&repo, "quietly");
    assert!(
        !blocked.status.success(),
        "the base's [protect] still judges this commit"
    );
    let text = said(&blocked);
    assert!(
        text.contains("deleted-test") && text.contains("gate-weakened"),
        "{text}"
    );

    // Narrowing `on` and allowing the kind in the same change does not help either.
    repo.config(
        "[gates.a]\nrun = \"true\"\n[protect]\non = [\"ci\"]\nallow = [\"deleted-test\"]\n",
    );
    repo.git(&["add", "-A"]);
    let blocked = commit(&repo, "quietly");
    assert!(!blocked.status.success());
    assert!(
        said(&blocked).contains("deleted-test"),
        "{}",
        said(&blocked)
    );
}
