//! The result cache: a pass is reused while nothing it depends on changed; failures never are.

use std::path::Path;

use crate::support::{TestRepo, gate};

/// A gate config whose command appends a line to `log` (outside the repository, so the log
/// itself is not an input) and then exits with `code`.
fn counting_gate(log: &Path, code: i32) -> String {
    format!(
        "[gates.check]\nrun = \"echo ran >> '{}'; exit {code}\"\npass_files = false\n",
        log.display()
    )
}

fn runs(log: &Path) -> usize {
    std::fs::read_to_string(log).map_or(0, |text| text.lines().count())
}

fn status(repo: &TestRepo, args: &[&str]) -> String {
    let (_, report) = repo.report(args);
    gate(&report, "check")["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_cached_pass_starts_no_process_and_shows_its_age() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&counting_gate(&log, 0))
        .write("src/lib.rs", "pub fn f() {}\n")
        .commit_all("base");
    repo.write("src/lib.rs", "pub fn f() { }\n");
    assert_eq!(status(&repo, &["run"]), "passed");
    assert_eq!(runs(&log), 1);
    assert_eq!(status(&repo, &["run"]), "cached");
    assert_eq!(runs(&log), 1, "a cached pass starts no process");
    let human = repo.run(&["run"]);
    human.expect_code(0);
    assert!(
        human.stdout().contains("cached pass, "),
        "{}",
        human.stdout()
    );
    assert!(human.stdout().contains(" old"), "{}", human.stdout());
    assert_eq!(runs(&log), 1);
}

#[test]
fn a_change_to_an_input_or_the_definition_runs_the_gate_again() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&counting_gate(&log, 0))
        .write("src/lib.rs", "a\n")
        .commit_all("base");
    repo.write("src/lib.rs", "b\n");
    repo.run(&["run"]).expect_code(0);
    repo.run(&["run"]).expect_code(0);
    assert_eq!(runs(&log), 1);

    // Content of a file in the target.
    repo.write("src/lib.rs", "c\n");
    assert_eq!(status(&repo, &["run"]), "passed");
    assert_eq!(runs(&log), 2);
    // A new untracked file is part of the working tree.
    repo.write("src/new.rs", "n\n");
    assert_eq!(status(&repo, &["run"]), "passed");
    assert_eq!(runs(&log), 3);
    // The gate's definition: its environment.
    repo.config(&format!(
        "{}env = {{ MODE = \"strict\" }}\n",
        counting_gate(&log, 0)
    ));
    assert_eq!(status(&repo, &["run"]), "passed");
    assert_eq!(runs(&log), 4);
    assert_eq!(status(&repo, &["run"]), "cached");
    // ... and its command.
    repo.config(&counting_gate(&log, 0).replace("exit 0", "exit 0 # v2"));
    assert_eq!(status(&repo, &["run"]), "passed");
    assert_eq!(runs(&log), 5);
}

#[test]
fn inputs_limit_what_invalidates_a_pass() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&format!(
        "{}files = [\"src/**\"]\ninputs = [\"src/**\"]\n",
        counting_gate(&log, 0)
    ))
    .write("src/lib.rs", "a\n")
    .write("README.md", "hello\n")
    .commit_all("base");
    repo.write("src/lib.rs", "b\n");
    repo.run(&["run"]).expect_code(0);
    repo.write("README.md", "hello again\n");
    assert_eq!(status(&repo, &["run"]), "cached");
    assert_eq!(
        runs(&log),
        1,
        "a file outside `inputs` does not invalidate the pass"
    );
    repo.write("src/lib.rs", "c\n");
    assert_eq!(status(&repo, &["run"]), "passed");
    assert_eq!(runs(&log), 2);
}

#[test]
fn a_failure_is_never_cached() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&counting_gate(&log, 3))
        .write("src/lib.rs", "a\n")
        .commit_all("base");
    repo.write("src/lib.rs", "b\n");
    for expected in 1..=3 {
        assert_eq!(status(&repo, &["run"]), "failed");
        assert_eq!(runs(&log), expected);
    }
}

#[test]
fn no_cache_the_setting_and_cache_clear_each_run_the_gate_again() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&counting_gate(&log, 0))
        .write("src/lib.rs", "a\n")
        .commit_all("base");
    repo.write("src/lib.rs", "b\n");
    repo.run(&["run"]).expect_code(0);
    assert_eq!(status(&repo, &["run", "--no-cache"]), "passed");
    assert_eq!(runs(&log), 2);
    assert_eq!(status(&repo, &["run"]), "cached");

    let cleared = repo.run(&["cache", "clear"]);
    cleared.expect_code(0);
    assert!(
        cleared.stdout().contains("cache cleared"),
        "{}",
        cleared.stdout()
    );
    assert_eq!(status(&repo, &["run"]), "passed");
    assert_eq!(runs(&log), 3);

    repo.config(&format!(
        "[settings]\ncache = false\n\n{}",
        counting_gate(&log, 0)
    ));
    repo.run(&["run"]).expect_code(0);
    repo.run(&["run"]).expect_code(0);
    assert_eq!(runs(&log), 5, "settings.cache = false runs every time");
}

#[test]
fn the_pre_commit_hook_keys_on_the_index_not_unstaged_edits() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&counting_gate(&log, 0).replace(
        "pass_files = false\n",
        "pass_files = false\non = [\"pre-commit\"]\n",
    ))
    .write("src/lib.rs", "a\n")
    .commit_all("base");
    repo.run(&["install"]).expect_code(0);
    repo.write("src/lib.rs", "b\n");
    repo.git(&["add", "src/lib.rs"]);
    repo.write("src/lib.rs", "b, then an unstaged edit\n");
    repo.git(&["commit", "-q", "-m", "b"]);
    assert_eq!(runs(&log), 1);
    // The same index committed again, with other unstaged work: the hook's pass stands, also
    // a second later (git hands the hook the commit's date in GIT_AUTHOR_DATE).
    repo.git(&["reset", "-q", "--soft", "HEAD~1"]);
    repo.write("src/lib.rs", "b, then another unstaged edit\n");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    repo.git(&["commit", "-q", "-m", "b again"]);
    assert_eq!(
        runs(&log),
        1,
        "the real hook answers the same index from the cache"
    );
    assert_eq!(repo.read("src/lib.rs"), b"b, then another unstaged edit\n");
    // A command-line pre-commit run sees the working tree, unstaged edit included: its own key.
    repo.git(&["reset", "-q", "--soft", "HEAD~1"]);
    assert_eq!(status(&repo, &["run", "pre-commit"]), "passed");
    assert_eq!(runs(&log), 2);
}

#[test]
fn worktrees_share_the_cache() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&counting_gate(&log, 0))
        .write("src/lib.rs", "a\n")
        .commit_all("base");
    repo.run(&["run", "--all-files"]).expect_code(0);
    let linked = repo.home().join("linked");
    repo.git(&["worktree", "add", "-q", linked.to_str().unwrap()]);
    let mut command = repo.backstop();
    command
        .current_dir(&linked)
        .args(["run", "--all-files", "--format", "json"]);
    let output = command.output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(gate(&report, "check")["status"], "cached", "{report:#}");
    assert_eq!(runs(&log), 1);
}

#[test]
fn concurrent_runs_do_not_corrupt_the_cache() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    let mut config = String::new();
    for n in 0..12 {
        config.push_str(&format!(
            "[gates.g{n}]\nrun = \"echo {n} >> '{}'\"\npass_files = false\n",
            log.display()
        ));
    }
    repo.config(&config)
        .write("src/lib.rs", "a\n")
        .commit_all("base");
    let children: Vec<_> = (0..4)
        .map(|_| {
            let mut command = repo.backstop();
            command
                .args(["run", "--all-files", "--format", "json"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            command.spawn().unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let (run, report) = repo.report(&["run", "--all-files"]);
    run.expect_code(0);
    for n in 0..12 {
        assert_eq!(
            gate(&report, &format!("g{n}"))["status"],
            "cached",
            "{report:#}"
        );
    }
    let cache = repo.root().join(".git/backstop/cache");
    let entries: Vec<_> = std::fs::read_dir(&cache).unwrap().flatten().collect();
    for entry in &entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            !name.starts_with('.'),
            "a temporary file was left behind: {name}"
        );
        assert_eq!(std::fs::read(entry.path()).unwrap(), b"pass\n");
    }
    assert_eq!(entries.len(), 12);
}

#[test]
fn a_commit_message_gate_is_never_answered_from_the_cache() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&format!(
        "[gates.check]\nrun = \"echo ran >> '{}'; grep -q '^feat' \\\"$1\\\"\"\non = [\"commit-msg\"]\npass_files = false\n",
        log.display()
    ))
    .write("src/lib.rs", "a\n")
    .commit_all("base");
    repo.run(&["install"]).expect_code(0);
    repo.write("src/lib.rs", "b\n");
    repo.git(&["add", "src/lib.rs"]);
    let good = repo.git_output(&["commit", "-q", "-m", "feat: b"]);
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    // The same tree with another message: only the message differs.
    let bad = repo.git_output(&["commit", "-q", "--allow-empty", "-m", "whatever"]);
    assert!(
        !bad.status.success(),
        "the second message is checked, not answered from a cache"
    );
    assert_eq!(runs(&log), 2);
}

#[test]
fn a_manual_run_never_answers_the_agents_stop_hook() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&counting_gate(&log, 0))
        .write("src/lib.rs", "a\n")
        .commit_all("base");
    repo.write("src/lib.rs", "b\n");
    // An agent could run this with a doctored environment; its pass must not become the hook's.
    repo.run(&["run", "stop"]).expect_code(0);
    assert_eq!(runs(&log), 1);
    let payload = format!(
        r#"{{"session_id":"s1","transcript_path":"/dev/null","cwd":"{}","hook_event_name":"Stop","stop_hook_active":false}}"#,
        repo.root().display()
    );
    for _ in 0..2 {
        let mut child = repo
            .backstop()
            .args(["hook", "claude", "stop"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), payload.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.stdout, b"", "a passing stop prints nothing");
    }
    assert_eq!(
        runs(&log),
        2,
        "the hook ran the gate itself once, then reused its own pass"
    );
}

#[test]
fn a_fix_run_neither_reads_nor_writes_the_cache() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&format!(
        "[gates.fmt]\nrun = \"true\"\nfix = \"sed -i s/bad/good/ src/lib.rs\"\npass_files = false\n{}after = [\"fmt\"]\n",
        counting_gate(&log, 0).replace("exit 0", "grep -q good src/lib.rs")
    ))
    .write("src/lib.rs", "a\n")
    .commit_all("base");
    repo.write("src/lib.rs", "bad\n");
    repo.run(&["run", "--fix"]).expect_code(0);
    assert_eq!(repo.read("src/lib.rs"), b"good\n");
    repo.write("src/lib.rs", "bad\n");
    assert_eq!(
        status(&repo, &["run"]),
        "failed",
        "the pre-fix content was never stored as a pass"
    );
}

#[test]
fn a_repository_with_submodules_is_never_answered_from_the_cache() {
    let library = TestRepo::new();
    library.write("lib.txt", "good\n").commit_all("good");
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&counting_gate(&log, 0)).commit_all("base");
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        library.root().to_str().unwrap(),
        "lib",
    ]);
    repo.git(&["commit", "-q", "-m", "submodule"]);
    repo.run(&["run", "--all-files"]).expect_code(0);
    repo.run(&["run", "--all-files"]).expect_code(0);
    assert_eq!(
        runs(&log),
        2,
        "a submodule's checkout is not in the key: no cache"
    );
}

#[test]
fn a_commit_judged_in_the_working_tree_is_keyed_by_what_the_gates_saw() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&counting_gate(&log, 0).replace("exit 0", "grep -q good src/lib.rs"))
        .write("src/lib.rs", "good\n")
        .commit_all("base");
    repo.write("src/lib.rs", "bad\n").commit_all("bad");
    // The commit is bad, the working tree holds the fix: the gates judge the working tree.
    repo.write("src/lib.rs", "good\n");
    assert_eq!(
        status(&repo, &["run", "--from", "HEAD~1", "--to", "HEAD"]),
        "passed"
    );
    repo.git(&["checkout", "-q", "src/lib.rs"]);
    assert_eq!(
        status(&repo, &["run", "--from", "HEAD~1", "--to", "HEAD"]),
        "failed",
        "a pass seen in a fixed working tree does not stand for the bad commit"
    );
}

#[test]
fn pushes_judged_in_a_temporary_worktree_key_on_the_pushed_commit() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&format!(
        "{}on = [\"pre-push\"]\n",
        counting_gate(&log, 0).replace("exit 0", "grep -q good src/lib.rs")
    ))
    .write("src/lib.rs", "start\n")
    .commit_all("base");
    let remote = repo.home().join("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    repo.git(&["push", "-q", "origin", "main"]);
    repo.run(&["install"]).expect_code(0);
    for (branch, content) in [("feat1", "good\n"), ("feat2", "bad\n")] {
        repo.git(&["checkout", "-q", "-b", branch, "main"]);
        repo.write("src/lib.rs", content).commit_all(branch);
    }
    repo.git(&["checkout", "-q", "main"]);
    // Uncommitted work on main: both pushes are judged in a temporary worktree.
    repo.write("notes.txt", "wip\n");
    assert!(
        repo.git_output(&["push", "-q", "origin", "feat1"])
            .status
            .success()
    );
    let bad = repo.git_output(&["push", "-q", "origin", "feat2"]);
    assert!(
        !bad.status.success(),
        "feat2's content differs: its push is judged, not cached"
    );
    assert_eq!(runs(&log), 2);
}

#[test]
fn a_file_created_while_the_gate_ran_voids_the_pass() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&counting_gate(&log, 0).replace("exit 0", "echo generated > src/generated.rs"))
        .write("src/lib.rs", "a\n")
        .commit_all("base");
    repo.write("src/lib.rs", "b\n");
    repo.run(&["run", "stop"]).expect_code(0);
    assert_eq!(
        status(&repo, &["run", "stop"]),
        "passed",
        "the first pass saw a tree that changed under it"
    );
    assert_eq!(
        status(&repo, &["run", "stop"]),
        "cached",
        "the second run left the tree as it found it"
    );
    assert_eq!(runs(&log), 2);
}

#[test]
fn the_inherited_environment_is_part_of_the_key() {
    let repo = TestRepo::new();
    repo.config("[gates.check]\nrun = \"exit ${FAKE_PASS:-1}\"\npass_files = false\n")
        .write("src/lib.rs", "a\n")
        .commit_all("base");
    repo.write("src/lib.rs", "b\n");
    let mut faked = repo.backstop();
    faked.args(["run", "stop"]).env("FAKE_PASS", "0");
    assert_eq!(faked.output().unwrap().status.code(), Some(0));
    assert_eq!(
        status(&repo, &["run", "stop"]),
        "failed",
        "a pass got with a doctored environment does not stand for a run without it"
    );
}

#[test]
fn files_git_is_told_to_ignore_changes_to_keep_the_cache_off() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&counting_gate(&log, 0).replace("exit 0", "grep -q good conf.yml"))
        .write("conf.yml", "good\n")
        .commit_all("base");
    repo.git(&["update-index", "--assume-unchanged", "conf.yml"]);
    repo.run(&["run", "--all-files"]).expect_code(0);
    repo.write("conf.yml", "bad\n");
    assert_eq!(status(&repo, &["run", "--all-files"]), "failed");
    assert_eq!(runs(&log), 2);
}

/// A repository whose protected gate watches `tests/` and whose one command gate always
/// passes, so the protected gate's verdict alone decides.
fn protected_repo(log: &Path) -> TestRepo {
    let repo = TestRepo::new();
    repo.config(&format!("{}[protect]\n", counting_gate(log, 0)))
        .write(
            "tests/test_a.py",
            "def test_a():\n    assert 1 == 1\n\ndef test_b():\n    assert 2 == 2\n",
        )
        .write("src/app.py", "x = 1\n")
        .commit_all("base");
    repo
}

fn protected_status(repo: &TestRepo, args: &[&str]) -> (i32, String) {
    let (run, report) = repo.report(args);
    let status = gate(&report, "protected")["status"]
        .as_str()
        .unwrap()
        .to_owned();
    (run.code(), status)
}

const WITHOUT_TEST_B: &str = "def test_a():\n    assert 1 == 1\n";
/// A legitimate change of the same file: one more test.
const WITH_TEST_C: &str = "def test_a():\n    assert 1 == 1\n\ndef test_b():\n    assert 2 == 2\n\ndef test_c():\n    assert 3 == 3\n";

#[test]
fn a_protected_pass_for_one_commit_never_answers_for_another() {
    let log = TempLog::new();
    let repo = protected_repo(&log.0);
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write("tests/test_a.py", WITHOUT_TEST_B)
        .commit_all("deletes test_b");
    let bad = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.git(&["reset", "-q", "--hard", &base]);
    repo.write("tests/test_a.py", WITH_TEST_C)
        .commit_all("adds test_c");
    let good = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    // Both ranges change the same path; the working tree is the same for both runs; only the
    // judged commit differs.
    assert_eq!(
        protected_status(&repo, &["run", "--from", &base, "--to", &good]),
        (0, "passed".to_owned())
    );
    assert_eq!(
        protected_status(&repo, &["run", "--from", &base, "--to", &bad]),
        (1, "failed".to_owned())
    );
}

#[test]
fn a_protected_ci_pass_never_answers_after_head_moved_under_the_same_worktree() {
    let log = TempLog::new();
    let repo = protected_repo(&log.0);
    repo.git(&["branch", "base"]);
    repo.write("tests/test_a.py", WITHOUT_TEST_B)
        .commit_all("deletes test_b");
    let bad = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.git(&["reset", "-q", "--hard", "base"]);
    repo.write("tests/test_a.py", WITH_TEST_C)
        .commit_all("adds test_c");
    assert_eq!(
        protected_status(&repo, &["ci", "--base", "base"]),
        (0, "passed".to_owned())
    );
    // HEAD now names the bad commit; the working tree still holds the good one's files.
    repo.git(&["reset", "-q", "--soft", &bad]);
    assert_eq!(
        protected_status(&repo, &["ci", "--base", "base"]),
        (1, "failed".to_owned())
    );
}

#[test]
fn a_protected_pass_of_the_working_tree_never_answers_for_the_index() {
    let log = TempLog::new();
    let repo = protected_repo(&log.0);
    repo.write("tests/test_a.py", WITH_TEST_C);
    repo.git(&["add", "tests/test_a.py"]);
    assert_eq!(
        protected_status(&repo, &["run", "pre-commit"]),
        (0, "passed".to_owned())
    );
    // Stage a version without test_b while the working tree keeps it.
    let staged = repo.home().join("staged.py");
    std::fs::write(&staged, WITHOUT_TEST_B).unwrap();
    let blob = repo
        .git(&["hash-object", "-w", staged.to_str().unwrap()])
        .trim()
        .to_owned();
    repo.git(&[
        "update-index",
        "--cacheinfo",
        &format!("100644,{blob},tests/test_a.py"),
    ]);
    assert_eq!(
        protected_status(&repo, &["run", "pre-commit"]),
        (1, "failed".to_owned())
    );
}

#[test]
fn findings_allowed_by_allow_protected_are_reported_on_every_run() {
    let log = TempLog::new();
    let repo = protected_repo(&log.0);
    repo.git(&["branch", "base"]);
    repo.write("tests/test_a.py", WITHOUT_TEST_B)
        .commit_all("deletes test_b");
    for _ in 0..2 {
        let (run, report) = repo.report(&["ci", "--base", "base", "--allow-protected"]);
        run.expect_code(0);
        assert_eq!(gate(&report, "protected")["status"], "passed");
        assert_eq!(
            report["protected"].as_array().unwrap().len(),
            1,
            "the allowed finding is reported again: {report}"
        );
    }
}

/// A log file outside any repository (its directory lives as long as the value).
struct TempLog(
    std::path::PathBuf,
    #[expect(dead_code, reason = "kept to keep the directory")] tempfile::TempDir,
);

impl TempLog {
    fn new() -> TempLog {
        let dir = tempfile::tempdir().unwrap();
        TempLog(dir.path().join("ran.log"), dir)
    }
}

#[test]
fn an_unchanged_protected_pass_is_answered_from_the_cache() {
    let log = TempLog::new();
    let repo = protected_repo(&log.0);
    repo.write("tests/test_a.py", WITH_TEST_C);
    assert_eq!(protected_status(&repo, &["run"]), (0, "passed".to_owned()));
    assert_eq!(protected_status(&repo, &["run"]), (0, "cached".to_owned()));
    // The pre-commit hook judges the index: its own passes, keyed by what it read there.
    repo.git(&["add", "tests/test_a.py"]);
    for expected in ["passed", "cached"] {
        let hook = repo.run(&["hook", "git", "pre-commit"]);
        hook.expect_code(0);
        let line = hook
            .stdout()
            .lines()
            .find(|l| l.contains("protected"))
            .map(str::to_owned)
            .unwrap_or_default();
        assert!(line.starts_with(expected), "{expected}: {}", hook.stdout());
    }
}

#[test]
fn a_protected_pass_through_a_symlink_never_answers_after_its_target_changed() {
    let log = TempLog::new();
    let repo = protected_repo(&log.0);
    // The test file becomes a link to an ignored copy, which the gate reads through the link.
    repo.write(".gitignore", "copy.py\n")
        .write("copy.py", WITH_TEST_C);
    std::fs::remove_file(repo.root().join("tests/test_a.py")).unwrap();
    std::os::unix::fs::symlink("../copy.py", repo.root().join("tests/test_a.py")).unwrap();
    // A test file swapped for a link is a finding (git stores only the link's text); a person
    // approves this one, which covers the link and what it leads to now.
    assert_eq!(protected_status(&repo, &["run"]), (1, "failed".to_owned()));
    repo.run(&["approve"]).expect_code(0);
    assert_eq!(protected_status(&repo, &["run"]), (0, "passed".to_owned()));
    repo.write("copy.py", WITHOUT_TEST_B);
    assert_eq!(protected_status(&repo, &["run"]), (1, "failed".to_owned()));
}

#[test]
fn a_protected_pass_never_answers_for_a_path_judged_as_another_kind_of_change() {
    let log = TempLog::new();
    let repo = protected_repo(&log.0);
    repo.git(&["rm", "-q", "--cached", "tests/test_a.py"]);
    repo.write("tests/test_a.py", WITHOUT_TEST_B);
    // Named through its directory, the untracked file is new; named itself, it is the
    // tracked test file with a test gone.
    assert_eq!(
        protected_status(&repo, &["run", "--files", "tests"]).0,
        0,
        "a new file is nothing to compare"
    );
    assert_eq!(
        protected_status(&repo, &["run", "--files", "tests/test_a.py"]),
        (1, "failed".to_owned())
    );
}

#[test]
fn an_ignored_file_named_with_files_is_part_of_the_key() {
    let repo = TestRepo::new();
    let log = repo.home().join("ran.log");
    repo.config(&format!(
        "[gates.check]\nrun = \"echo ran >> '{}'; ! grep -q BAD \\\"$@\\\"\"\npass_files = true\n",
        log.display()
    ))
    .write(".gitignore", "local.txt\n")
    .commit_all("base");
    repo.write("local.txt", "fine\n");
    assert_eq!(status(&repo, &["run", "--files", "local.txt"]), "passed");
    repo.write("local.txt", "BAD\n");
    assert_eq!(
        status(&repo, &["run", "--files", "local.txt"]),
        "failed",
        "the named file changed, so the pass does not stand"
    );
    assert_eq!(runs(&log), 2);
}
