//! The base of stop and manual runs when `settings.base` does not resolve (issue 13): the
//! remote's default branch, then the upstream, then local main/master, said aloud; and every
//! tracked file when nothing resolves, never only uncommitted work.

use std::io::Write;
use std::process::Stdio;

use crate::support::{TestRepo, gate};

const NO_BAD: &str =
    "[gates.no-bad]\nrun = \"! grep -Hn BAD\"\nfiles = [\"*.txt\"]\npass_files = true\n";

/// A repository that looks like a clone of a remote whose default branch is `master`:
/// `origin/master` and `origin/HEAD` exist, `origin/main` does not.
fn cloned_with_master() -> TestRepo {
    let repo = TestRepo::new();
    repo.git(&["branch", "-m", "master"]);
    repo.config(NO_BAD)
        .write("a.txt", "fine\n")
        .commit_all("base");
    repo.git(&["remote", "add", "origin", "/nonexistent/upstream.git"]);
    repo.git(&["update-ref", "refs/remotes/origin/master", "HEAD"]);
    repo.git(&[
        "symbolic-ref",
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/master",
    ]);
    repo
}

fn stop(repo: &TestRepo, session: &str) -> String {
    let mut child = repo
        .backstop()
        .args(["hook", "claude", "stop"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let payload = serde_json::json!({
        "session_id": session,
        "cwd": repo.root(),
        "hook_event_name": "Stop",
    });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(payload.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_committed_failure_blocks_the_stop_with_no_session_record_when_the_remote_uses_master() {
    let repo = cloned_with_master();
    // The agent commits a failure past the hooks; no SessionStart ever ran.
    repo.write("b.txt", "BAD\n");
    repo.commit_all("sneaked in");
    let answer = stop(&repo, "never-started");
    assert!(
        answer.contains("\"decision\":\"block\"") && answer.contains("b.txt"),
        "the committed failure must block: {answer}"
    );
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    assert!(
        run.stderr().contains(
            "settings.base `origin/main` does not resolve here; comparing with `origin/master` (the remote's default branch)"
        ),
        "{}",
        run.stderr()
    );
    assert_eq!(
        gate(&report, "no-bad")["files"],
        serde_json::json!(["b.txt"])
    );
}

#[test]
fn a_configured_base_that_resolves_is_used_silently() {
    let repo = cloned_with_master();
    repo.config(&format!("[settings]\nbase = \"origin/master\"\n{NO_BAD}"))
        .commit_all("base set");
    repo.write("c.txt", "fine\n");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(0);
    assert!(!run.stderr().contains("warning"), "{}", run.stderr());
    assert_eq!(
        gate(&report, "no-bad")["files"],
        serde_json::json!(["c.txt"])
    );
}

#[test]
fn the_upstream_is_used_when_the_remote_has_no_default_branch() {
    let repo = TestRepo::new();
    repo.config(NO_BAD)
        .write("a.txt", "fine\n")
        .commit_all("base");
    repo.git(&["remote", "add", "upstream", "/nonexistent/upstream.git"]);
    repo.git(&["remote", "add", "fork", "/nonexistent/fork.git"]);
    repo.git(&["update-ref", "refs/remotes/fork/work", "HEAD"]);
    repo.git(&["branch", "--set-upstream-to", "fork/work"]);
    repo.write("b.txt", "BAD\n").commit_all("past the hooks");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    assert!(
        run.stderr()
            .contains("comparing with `fork/work` (the upstream of the current branch)"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        gate(&report, "no-bad")["files"],
        serde_json::json!(["b.txt"])
    );
}

#[test]
fn with_nothing_to_compare_with_stop_judges_every_tracked_file_and_says_why() {
    let repo = TestRepo::new();
    repo.config(NO_BAD)
        .write("old.txt", "BAD from long ago\n")
        .commit_all("everything in one commit");
    let answer = stop(&repo, "unknown-session");
    assert!(
        answer.contains("\"decision\":\"block\"") && answer.contains("old.txt"),
        "every tracked file is judged: {answer}"
    );
    let run = repo.run(&["run"]);
    run.expect_code(1);
    assert!(
        run.stderr().contains("judging every tracked file"),
        "{}",
        run.stderr()
    );
}

// The review of issue 13 (M1): an agent's branch commands cannot make a run judge only
// uncommitted work.

/// A repository with `main` at a clean commit, and a committed `BAD` on `work` past the hooks.
fn committed_failure_on_work() -> TestRepo {
    let repo = TestRepo::new();
    repo.config(NO_BAD)
        .write("a.txt", "fine\n")
        .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "work"]);
    repo.write("b.txt", "BAD\n")
        .commit_all("a failure, committed");
    repo
}

#[test]
fn a_fallback_branch_moved_to_head_is_not_a_base() {
    // `git branch -f main HEAD`: local main now at HEAD, its merge-base would be HEAD.
    let repo = committed_failure_on_work();
    repo.run(&["run"]).expect_code(1);
    repo.git(&["branch", "-f", "main", "HEAD"]);
    let run = repo.run(&["run"]);
    run.expect_code(1);
    assert!(run.stdout().contains("b.txt"), "{}", run.stdout());
    // An upstream set to a branch at HEAD.
    let repo = committed_failure_on_work();
    repo.git(&["branch", "x"]);
    repo.git(&["branch", "-u", "x"]);
    repo.run(&["run"]).expect_code(1);
    // On main with every tracked file judged, a new `master` at HEAD changes nothing.
    let repo = TestRepo::new();
    repo.config(NO_BAD)
        .write("old.txt", "BAD\n")
        .commit_all("base");
    repo.run(&["run"]).expect_code(1);
    repo.git(&["branch", "master"]);
    repo.run(&["run"]).expect_code(1);
}

#[test]
fn a_local_branch_or_tag_named_like_the_remote_base_is_not_the_base() {
    for kind in ["branch", "tag"] {
        let repo = committed_failure_on_work();
        repo.config(&format!("[settings]\nbase = \"origin/main\"\n{NO_BAD}"))
            .commit_all("settings");
        repo.git(&[kind, "origin/main"]);
        let run = repo.run(&["run"]);
        run.expect_code(1);
        assert!(run.stdout().contains("b.txt"), "{kind}: {}", run.stdout());
    }
}

#[test]
fn run_pre_push_with_no_base_judges_every_tracked_file_and_all_files_needs_no_base_warning() {
    let repo = TestRepo::new();
    repo.config(&format!("{NO_BAD}on = [\"pre-push\", \"manual\"]\n"))
        .write("old.txt", "BAD\n")
        .commit_all("everything in one commit");
    let run = repo.run(&["run", "pre-push"]);
    run.expect_code(1);
    assert!(run.stdout().contains("old.txt"), "{}", run.stdout());
    assert!(
        run.stderr().contains("judging every tracked file"),
        "{}",
        run.stderr()
    );
    let run = repo.run(&["run", "--all-files"]);
    run.expect_code(1);
    assert!(!run.stderr().contains("no base"), "{}", run.stderr());
}
