//! `backstop install` / `uninstall` and the git hook entry, through real `git commit` and
//! `git push`: shims, chained foreign hooks, worktrees, `core.hooksPath`, pre-push refs,
//! commit-msg, a missing binary and a missing gates.toml.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::support::TestRepo;

/// One gate on the default triggers (so pre-commit and pre-push): fails when a staged or
/// pushed `*.txt` file contains `BAD`, and names the file.
const NO_BAD: &str = r#"
[gates.no-bad]
run = "! grep -l BAD --"
files = ["*.txt"]
pass_files = true
"#;

const MARKER: &str = "# backstop-managed-hook";

/// The binary the tests run, as install records it.
fn binary() -> PathBuf {
    let path = assert_cmd::cargo::cargo_bin("backstop");
    path.canonicalize().unwrap_or(path)
}

fn hooks_dir(repo: &TestRepo) -> PathBuf {
    repo.root().join(".git/hooks")
}

/// Runs git with the isolated environment in `cwd`, hooks enabled, and returns its output
/// (whatever the exit status).
fn git_in(repo: &TestRepo, cwd: &Path, args: &[&str]) -> Output {
    let mut command = Command::new("git");
    command.args(args);
    repo.isolate(&mut command);
    command.current_dir(cwd).stdin(Stdio::null());
    command.output().unwrap()
}

/// `git <args>` in the worktree root with hooks enabled.
fn hooked(repo: &TestRepo, args: &[&str]) -> Output {
    git_in(repo, &repo.root(), args)
}

/// Stdout and stderr together (git sends a hook's stdout to stderr anyway).
fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn expect_ok(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} should succeed\n{}",
        text(output)
    );
}

fn expect_blocked(output: &Output, what: &str) {
    assert!(
        !output.status.success(),
        "{what} should be blocked\n{}",
        text(output)
    );
}

/// The commit id of `rev` in the repository at `cwd`, or `None` when it does not resolve.
fn rev(repo: &TestRepo, cwd: &Path, rev: &str) -> Option<String> {
    let output = git_in(repo, cwd, &["rev-parse", "--verify", "-q", rev]);
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn head(repo: &TestRepo) -> Option<String> {
    rev(repo, &repo.root(), "HEAD")
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 == 0o111)
}

/// Every entry of a directory: name → (bytes or link target, mode).
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let bytes = if meta.file_type().is_symlink() {
                std::fs::read_link(&path)
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else {
                std::fs::read(&path).unwrap()
            };
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                (bytes, meta.permissions().mode() & 0o7777),
            )
        })
        .collect()
}

/// Asserts that `path` is a backstop shim for `hook` that calls this test's binary.
fn assert_shim(path: &Path, hook: &str) {
    let shim = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no shim at {} ({e})", path.display()));
    assert!(shim.starts_with("#!/bin/sh\n"), "{shim}");
    assert!(
        shim.contains(MARKER),
        "no marker in {}:\n{shim}",
        path.display()
    );
    assert!(
        shim.contains(&format!("hook_name={hook}\n")),
        "wrong hook in {}:\n{shim}",
        path.display()
    );
    let recorded = format!("recorded='{}'", binary().display());
    assert!(
        shim.contains(&recorded),
        "{} does not record the absolute binary path ({recorded}):\n{shim}",
        path.display()
    );
    assert!(
        is_executable(path),
        "{} is not executable ({:o})",
        path.display(),
        mode(path)
    );
}

/// A repository with `config` and a good `data.txt` committed, hooks installed.
fn installed(config: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.config(config).write("data.txt", "fine\n");
    repo.commit_all("initial");
    repo.run(&["install"]).expect_code(0);
    repo
}

/// Stages `path` with `content` and commits with hooks; returns git's output.
fn commit(repo: &TestRepo, path: &str, content: &str, message: &str) -> Output {
    repo.write(path, content);
    repo.git(&["add", "--", path]);
    hooked(repo, &["commit", "-q", "-m", message])
}

/// A bad commit is refused (HEAD unchanged, the gate named) and a good one is made.
fn assert_gated(repo: &TestRepo) {
    let before = head(repo);
    let blocked = commit(repo, "bad.txt", "BAD\n", "bad");
    expect_blocked(&blocked, "a commit of a bad file");
    assert_eq!(head(repo), before, "the bad commit was created");
    assert!(text(&blocked).contains("no-bad"), "{}", text(&blocked));
    let passed = commit(repo, "bad.txt", "good now\n", "good");
    expect_ok(&passed, "a commit of a good file");
    assert_ne!(head(repo), before, "the good commit was not created");
}

fn write_script(path: &Path, text: &str, mode: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

// 1. What install writes.

#[test]
fn install_writes_shims_for_the_hooks_gates_run_on() {
    let repo = TestRepo::new();
    repo.config(NO_BAD);
    let run = repo.run(&["install"]);
    run.expect_code(0);
    let hooks = hooks_dir(&repo);
    assert_shim(&hooks.join("pre-commit"), "pre-commit");
    assert_shim(&hooks.join("pre-push"), "pre-push");
    assert!(
        !hooks.join("commit-msg").exists(),
        "no gate runs on commit-msg, yet its hook was installed"
    );
    let out = run.stdout();
    assert!(out.contains("pre-commit: installed"), "{out}");
    assert!(out.contains("pre-push: installed"), "{out}");
}

#[test]
fn a_commit_msg_gate_adds_the_commit_msg_hook() {
    let repo = TestRepo::new();
    repo.config(&format!(
        "{NO_BAD}\n[gates.message]\nrun = \"true\"\non = [\"commit-msg\"]\n"
    ));
    repo.run(&["install", "--git"]).expect_code(0);
    let hooks = hooks_dir(&repo);
    for hook in ["pre-commit", "pre-push", "commit-msg"] {
        assert_shim(&hooks.join(hook), hook);
    }
}

#[test]
fn install_hook_pre_push_installs_only_that() {
    let repo = TestRepo::new();
    repo.config(NO_BAD);
    repo.run(&["install", "--git", "--hook", "pre-push"])
        .expect_code(0);
    let hooks = hooks_dir(&repo);
    assert_shim(&hooks.join("pre-push"), "pre-push");
    assert!(!hooks.join("pre-commit").exists());
    assert!(!hooks.join("commit-msg").exists());
}

#[test]
fn a_second_install_changes_nothing() {
    let repo = TestRepo::new();
    repo.config(&format!(
        "{NO_BAD}\n[gates.message]\nrun = \"true\"\non = [\"commit-msg\"]\n"
    ));
    repo.run(&["install"]).expect_code(0);
    let before = snapshot(&hooks_dir(&repo));
    let again = repo.run(&["install"]);
    again.expect_code(0);
    assert_eq!(
        snapshot(&hooks_dir(&repo)),
        before,
        "a second install changed the hooks directory"
    );
    let out = again.stdout();
    for hook in ["pre-commit", "pre-push", "commit-msg"] {
        assert!(
            out.contains(&format!("{hook}: already installed")),
            "{hook} not reported as already installed:\n{out}"
        );
    }
    assert!(!out.contains(": installed"), "{out}");
}

// 2. A real commit through the shim.

#[test]
fn a_bad_commit_is_blocked_and_a_good_one_passes() {
    let repo = installed(NO_BAD);
    let before = head(&repo);
    let blocked = commit(&repo, "bad.txt", "BAD\n", "bad");
    expect_blocked(&blocked, "a commit of a bad file");
    assert_eq!(head(&repo), before, "the bad commit was created");
    let out = text(&blocked);
    assert!(
        out.contains("no-bad"),
        "the failed gate is not named:\n{out}"
    );
    assert!(
        out.contains("bad.txt"),
        "the gate's output is not shown:\n{out}"
    );
    // Still staged: nothing was lost.
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "bad.txt\n");

    let passed = commit(&repo, "bad.txt", "good now\n", "good");
    expect_ok(&passed, "a commit of a good file");
    assert_ne!(head(&repo), before, "the good commit was not created");
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]), "good\n");
}

// 3. A foreign hook: chained, run first, restored byte for byte.

#[test]
fn a_foreign_hook_is_chained_run_first_and_restored() {
    let repo = TestRepo::new();
    repo.config(NO_BAD).write("data.txt", "fine\n");
    repo.commit_all("initial");
    let log = repo.home().join("foreign.log");
    let hook = hooks_dir(&repo).join("pre-commit");
    let original = format!(
        "#!/bin/sh\n# someone else's hook\necho \"foreign $#\" >> '{}'\nexit 0\n",
        log.display()
    );
    // An unusual mode, so that restoring it is a real check.
    write_script(&hook, &original, 0o750);

    let run = repo.run(&["install"]);
    run.expect_code(0);
    assert!(run.stdout().contains("runs first"), "{}", run.stdout());
    let chained = hooks_dir(&repo).join("pre-commit.backstop-chained");
    assert_eq!(std::fs::read_to_string(&chained).unwrap(), original);
    assert_eq!(mode(&chained), 0o750);
    assert_shim(&hook, "pre-commit");
    let installed = snapshot(&hooks_dir(&repo));
    let again = repo.run(&["install"]);
    again.expect_code(0);
    assert!(
        again.stdout().contains("pre-commit: already installed"),
        "{}",
        again.stdout()
    );
    assert_eq!(
        snapshot(&hooks_dir(&repo)),
        installed,
        "a second install changed the hooks"
    );

    let passed = commit(&repo, "ok.txt", "fine\n", "ok");
    expect_ok(&passed, "a good commit with a foreign hook");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "foreign 0\n",
        "the foreign hook did not run (with git's arguments)"
    );

    let before = head(&repo);
    let blocked = commit(&repo, "bad.txt", "BAD\n", "bad");
    expect_blocked(&blocked, "a bad commit with a passing foreign hook");
    assert_eq!(head(&repo), before);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "foreign 0\nforeign 0\n"
    );

    // Uninstall: the shims go, the original comes back exactly.
    let run = repo.run(&["uninstall", "--git"]);
    run.expect_code(0);
    assert_eq!(std::fs::read(&hook).unwrap(), original.as_bytes());
    assert_eq!(mode(&hook), 0o750, "the executable bits were not restored");
    assert!(std::fs::symlink_metadata(&chained).is_err());
    assert!(!hooks_dir(&repo).join("pre-push").exists());
    // Only the foreign hook runs now: the bad file goes through.
    let through = hooked(&repo, &["commit", "-q", "-m", "bad"]);
    expect_ok(&through, "a commit after uninstall");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "foreign 0\nforeign 0\nforeign 0\n"
    );
}

#[test]
fn a_failing_foreign_hook_blocks_even_when_gates_pass() {
    let repo = TestRepo::new();
    repo.config(NO_BAD).write("data.txt", "fine\n");
    repo.commit_all("initial");
    let hook = hooks_dir(&repo).join("pre-commit");
    write_script(
        &hook,
        "#!/bin/sh\necho 'foreign says no' >&2\nexit 1\n",
        0o755,
    );
    repo.run(&["install"]).expect_code(0);
    let before = head(&repo);
    let blocked = commit(&repo, "ok.txt", "fine\n", "ok");
    expect_blocked(&blocked, "a good commit with a failing foreign hook");
    assert_eq!(head(&repo), before);
    let out = text(&blocked);
    assert!(out.contains("foreign says no"), "{out}");
    assert!(out.contains("earlier pre-commit hook"), "{out}");
}

#[test]
fn a_foreign_symlink_hook_is_restored_as_the_same_symlink() {
    let repo = TestRepo::new();
    let log = repo.home().join("linked.log");
    repo.config(NO_BAD).write("data.txt", "fine\n");
    write_script(
        &repo.root().join("tools/hook.sh"),
        &format!("#!/bin/sh\necho linked >> '{}'\n", log.display()),
        0o755,
    );
    repo.commit_all("initial");
    let hook = hooks_dir(&repo).join("pre-commit");
    let target = Path::new("../../tools/hook.sh");
    std::os::unix::fs::symlink(target, &hook).unwrap();

    repo.run(&["install"]).expect_code(0);
    let chained = hooks_dir(&repo).join("pre-commit.backstop-chained");
    assert_eq!(std::fs::read_link(&chained).unwrap(), target);
    assert_shim(&hook, "pre-commit");
    let script = format!("#!/bin/sh\necho linked >> '{}'\n", log.display());
    assert_eq!(
        std::fs::read_to_string(repo.root().join("tools/hook.sh")).unwrap(),
        script,
        "install wrote through the symlink"
    );

    expect_ok(&commit(&repo, "ok.txt", "fine\n", "ok"), "a good commit");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "linked\n");
    expect_blocked(&commit(&repo, "bad.txt", "BAD\n", "bad"), "a bad commit");

    repo.run(&["uninstall"]).expect_code(0);
    let meta = std::fs::symlink_metadata(&hook).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "the hook is no longer a symlink"
    );
    assert_eq!(std::fs::read_link(&hook).unwrap(), target);
    assert!(std::fs::symlink_metadata(&chained).is_err());
    assert_eq!(
        std::fs::read_to_string(repo.root().join("tools/hook.sh")).unwrap(),
        script
    );
}

// 4. Linked worktrees share the hooks.

#[test]
fn a_linked_worktree_is_gated_too() {
    let repo = installed(NO_BAD);
    repo.git(&["worktree", "add", "-q", "../wt", "-b", "feature"]);
    let wt = repo.root().parent().unwrap().join("wt");
    let before = rev(&repo, &wt, "HEAD");

    std::fs::write(wt.join("bad.txt"), "BAD\n").unwrap();
    expect_ok(&git_in(&repo, &wt, &["add", "bad.txt"]), "git add");
    let blocked = git_in(&repo, &wt, &["commit", "-q", "-m", "bad"]);
    expect_blocked(&blocked, "a bad commit in a linked worktree");
    assert!(text(&blocked).contains("no-bad"), "{}", text(&blocked));
    assert_eq!(rev(&repo, &wt, "HEAD"), before);

    std::fs::write(wt.join("bad.txt"), "good\n").unwrap();
    expect_ok(&git_in(&repo, &wt, &["add", "bad.txt"]), "git add");
    let passed = git_in(&repo, &wt, &["commit", "-q", "-m", "good"]);
    expect_ok(&passed, "a good commit in a linked worktree");
    assert_ne!(rev(&repo, &wt, "HEAD"), before);
    assert_eq!(rev(&repo, &wt, "HEAD"), rev(&repo, &repo.root(), "feature"));
}

#[test]
fn install_from_a_linked_worktree_gates_the_main_one() {
    let repo = TestRepo::new();
    repo.config(NO_BAD).write("data.txt", "fine\n");
    repo.commit_all("initial");
    repo.git(&["worktree", "add", "-q", "../wt", "-b", "feature"]);
    let wt = repo.root().parent().unwrap().join("wt");
    let mut install = repo.backstop();
    install.current_dir(&wt).arg("install");
    let output = install.output().unwrap();
    expect_ok(&output, "install from a linked worktree");
    assert_shim(&hooks_dir(&repo).join("pre-commit"), "pre-commit");
    assert_gated(&repo);
}

#[test]
fn pushing_from_a_linked_worktree_is_gated() {
    let (repo, remote) = pushed(NO_BAD);
    repo.git(&["worktree", "add", "-q", "../wt", "-b", "feature"]);
    let wt = repo.root().parent().unwrap().join("wt");
    std::fs::write(wt.join("data.txt"), "BAD\n").unwrap();
    expect_ok(
        &git_in(&repo, &wt, &["commit", "-q", "--no-verify", "-am", "bad"]),
        "a commit without hooks",
    );
    let push = git_in(&repo, &wt, &["push", "-q", "origin", "feature"]);
    expect_blocked(&push, "pushing a bad branch from a linked worktree");
    assert_eq!(rev(&repo, &remote, "refs/heads/feature"), None);
    std::fs::write(wt.join("data.txt"), "fine again\n").unwrap();
    expect_ok(
        &git_in(&repo, &wt, &["commit", "-q", "--no-verify", "-am", "good"]),
        "a commit without hooks",
    );
    let push = git_in(&repo, &wt, &["push", "-q", "origin", "feature"]);
    expect_ok(&push, "pushing a good branch from a linked worktree");
    assert_eq!(
        rev(&repo, &remote, "refs/heads/feature"),
        rev(&repo, &wt, "HEAD")
    );
}

// 5. core.hooksPath.

#[test]
fn a_repository_core_hooks_path_is_honoured() {
    let repo = TestRepo::new();
    repo.config(NO_BAD).write("data.txt", "fine\n");
    repo.commit_all("initial");
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    repo.run(&["install"]).expect_code(0);
    assert_shim(&repo.root().join(".githooks/pre-commit"), "pre-commit");
    assert_shim(&repo.root().join(".githooks/pre-push"), "pre-push");
    assert!(!hooks_dir(&repo).join("pre-commit").exists());
    assert_gated(&repo);

    repo.run(&["uninstall"]).expect_code(0);
    assert!(!repo.root().join(".githooks/pre-commit").exists());
    assert!(!repo.root().join(".githooks/pre-push").exists());
}

#[test]
fn a_global_core_hooks_path_is_refused_unless_forced() {
    let repo = TestRepo::new();
    repo.config(NO_BAD).write("data.txt", "fine\n");
    repo.commit_all("initial");
    let global = repo.home().join("global-hooks");
    repo.git(&[
        "config",
        "--global",
        "core.hooksPath",
        global.to_str().unwrap(),
    ]);

    let refused = repo.run(&["install"]);
    refused.expect_code(2);
    let err = refused.stderr();
    assert!(
        err.contains("git config --global --unset core.hooksPath"),
        "the refusal does not say how to fix it:\n{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert!(!global.join("pre-commit").exists());
    assert!(!hooks_dir(&repo).join("pre-commit").exists());

    let forced = repo.run(&["install", "--force"]);
    forced.expect_code(0);
    assert_shim(&global.join("pre-commit"), "pre-commit");
    assert_shim(&global.join("pre-push"), "pre-push");
    assert!(!hooks_dir(&repo).join("pre-commit").exists());
    assert_gated(&repo);
}

// 6. pre-push.

/// A repository whose main (a good `data.txt`) is pushed to a bare `origin` in HOME, with
/// hooks installed before the push.
fn pushed(config: &str) -> (TestRepo, PathBuf) {
    let repo = TestRepo::new();
    repo.config(config).write("data.txt", "fine\n");
    repo.commit_all("initial");
    let remote = repo.home().join("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    repo.run(&["install"]).expect_code(0);
    let push = hooked(&repo, &["push", "-q", "-u", "origin", "main"]);
    expect_ok(&push, "the first push of a good main");
    (repo, remote)
}

fn worktree_count(repo: &TestRepo) -> usize {
    repo.git(&["worktree", "list", "--porcelain"])
        .lines()
        .filter(|l| l.starts_with("worktree "))
        .count()
}

#[test]
fn pre_push_rejects_a_pushed_bad_commit() {
    let (repo, remote) = pushed(NO_BAD);
    let remote_main = rev(&repo, &remote, "refs/heads/main");
    assert_eq!(remote_main, head(&repo));

    repo.write("data.txt", "BAD\n")
        .commit_all("bad, committed without hooks");
    let push = hooked(&repo, &["push", "-q", "origin", "main"]);
    expect_blocked(&push, "pushing a bad commit");
    assert!(text(&push).contains("no-bad"), "{}", text(&push));
    assert_eq!(
        rev(&repo, &remote, "refs/heads/main"),
        remote_main,
        "the remote ref moved"
    );

    repo.write("data.txt", "fine again\n").commit_all("fixed");
    let push = hooked(&repo, &["push", "-q", "origin", "main"]);
    expect_ok(&push, "pushing a fixed main");
    assert_eq!(rev(&repo, &remote, "refs/heads/main"), head(&repo));
}

#[test]
fn pre_push_judges_committed_content_not_the_working_tree() {
    let (repo, remote) = pushed(NO_BAD);
    repo.write("data.txt", "BAD\n").commit_all("bad");
    // A good working tree must not hide a bad commit.
    repo.write("data.txt", "fine in the working tree only\n");
    let push = hooked(&repo, &["push", "-q", "origin", "main"]);
    expect_blocked(&push, "pushing a bad commit from a good working tree");
    assert_ne!(rev(&repo, &remote, "refs/heads/main"), head(&repo));
    assert_eq!(
        repo.read("data.txt"),
        b"fine in the working tree only\n",
        "the uncommitted change was not put back"
    );
}

#[test]
fn deleting_a_remote_branch_runs_no_gates() {
    let always_fails = format!("{NO_BAD}\n[gates.never]\nrun = \"exit 1\"\non = [\"pre-push\"]\n");
    let repo = TestRepo::new();
    repo.config(&always_fails).write("data.txt", "fine\n");
    repo.commit_all("initial");
    let remote = repo.home().join("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    repo.git(&["branch", "b"]);
    repo.git(&["push", "-q", "--no-verify", "origin", "main", "b"]);
    repo.run(&["install"]).expect_code(0);
    // The gates would fail on anything pushed.
    expect_blocked(
        &hooked(&repo, &["push", "-q", "origin", "HEAD:refs/heads/c"]),
        "a push that runs the always-failing gate",
    );

    let delete = hooked(&repo, &["push", "-q", "origin", "--delete", "b"]);
    expect_ok(&delete, "deleting a remote branch");
    assert_eq!(rev(&repo, &remote, "refs/heads/b"), None);
    assert!(
        !text(&delete).contains("never"),
        "a gate ran for a deletion:\n{}",
        text(&delete)
    );
}

#[test]
fn pushing_a_branch_that_is_not_checked_out_judges_its_tip() {
    let (repo, remote) = pushed(NO_BAD);

    // `other` is bad, the checked-out main is good.
    repo.git(&["checkout", "-q", "-b", "other"]);
    repo.write("data.txt", "BAD\n").commit_all("bad on other");
    repo.git(&["checkout", "-q", "main"]);
    let push = hooked(&repo, &["push", "-q", "origin", "other"]);
    expect_blocked(&push, "pushing a bad branch that is not checked out");
    assert!(text(&push).contains("no-bad"), "{}", text(&push));
    assert_eq!(rev(&repo, &remote, "refs/heads/other"), None);
    assert_eq!(
        worktree_count(&repo),
        1,
        "a temporary worktree was left behind"
    );

    // Now `other` is good and the checked-out main is bad.
    repo.git(&["checkout", "-q", "other"]);
    repo.write("data.txt", "fine on other\n")
        .commit_all("fixed on other");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("data.txt", "BAD\n").commit_all("bad on main");
    let push = hooked(&repo, &["push", "-q", "origin", "other"]);
    expect_ok(
        &push,
        "pushing a good branch while a bad one is checked out",
    );
    assert_eq!(
        rev(&repo, &remote, "refs/heads/other"),
        rev(&repo, &repo.root(), "other")
    );
    assert_eq!(
        worktree_count(&repo),
        1,
        "a temporary worktree was left behind"
    );
    assert_eq!(repo.read("data.txt"), b"BAD\n");

    // And main itself is still refused.
    expect_blocked(
        &hooked(&repo, &["push", "-q", "origin", "main"]),
        "pushing the bad main",
    );
}

#[test]
fn a_chained_pre_push_hook_gets_the_same_stdin_and_arguments() {
    let repo = TestRepo::new();
    repo.config(NO_BAD).write("data.txt", "fine\n");
    repo.commit_all("initial");
    let remote = repo.home().join("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    let log = repo.home().join("push.log");
    write_script(
        &hooks_dir(&repo).join("pre-push"),
        &format!(
            "#!/bin/sh\n{{ echo \"args: $1 $2\"; cat; }} > '{}'\n",
            log.display()
        ),
        0o755,
    );
    repo.run(&["install"]).expect_code(0);
    let push = hooked(&repo, &["push", "-q", "origin", "main"]);
    expect_ok(&push, "a good push");
    let sha = head(&repo).unwrap();
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!(
            "args: origin {}\nrefs/heads/main {sha} refs/heads/main {}\n",
            remote.display(),
            "0".repeat(40)
        )
    );
}

// 7. commit-msg.

#[test]
fn a_commit_msg_gate_reads_the_message_file() {
    let repo = TestRepo::new();
    repo.config(
        r#"
[gates.conventional]
run = "grep -q '^feat' \"$1\""
on = ["commit-msg"]
"#,
    )
    .write("data.txt", "fine\n");
    repo.commit_all("initial");
    let run = repo.run(&["install"]);
    run.expect_code(0);
    assert_shim(&hooks_dir(&repo).join("commit-msg"), "commit-msg");

    let before = head(&repo);
    let blocked = commit(&repo, "more.txt", "more\n", "wip");
    expect_blocked(&blocked, "a commit with message `wip`");
    assert!(
        text(&blocked).contains("conventional"),
        "{}",
        text(&blocked)
    );
    assert_eq!(head(&repo), before);

    let passed = hooked(&repo, &["commit", "-q", "-m", "feat: x"]);
    expect_ok(&passed, "a commit with message `feat: x`");
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]), "feat: x\n");
}

// 8. backstop missing.

#[test]
fn a_missing_backstop_fails_the_hook_with_how_to_install_it() {
    let repo = installed(NO_BAD);
    let hook = hooks_dir(&repo).join("pre-commit");
    let shim = std::fs::read_to_string(&hook).unwrap();
    let recorded = format!("recorded='{}'", binary().display());
    assert!(shim.contains(&recorded), "{shim}");
    std::fs::write(
        &hook,
        shim.replace(&recorded, "recorded='/nonexistent/backstop'"),
    )
    .unwrap();
    assert!(is_executable(&hook));

    repo.write("ok.txt", "fine\n");
    repo.git(&["add", "ok.txt"]);
    let before = head(&repo);
    let mut command = Command::new("git");
    command.args(["commit", "-q", "-m", "ok"]);
    repo.isolate(&mut command);
    command.env("PATH", "/usr/bin:/bin").stdin(Stdio::null());
    let output = command.output().unwrap();
    expect_blocked(&output, "a commit whose hook cannot find backstop");
    assert_eq!(head(&repo), before);
    let out = text(&output);
    assert!(out.contains("not installed"), "{out}");
    assert!(out.contains("install it"), "{out}");
    assert!(out.contains("backstop uninstall --git"), "{out}");

    // Installing again brings the shim back to this binary.
    let again = repo.run(&["install"]);
    again.expect_code(0);
    assert!(
        again.stdout().contains("pre-commit: updated"),
        "{}",
        again.stdout()
    );
    assert_shim(&hook, "pre-commit");
    assert!(
        !hooks_dir(&repo)
            .join("pre-commit.backstop-chained")
            .exists()
    );
    expect_ok(
        &hooked(&repo, &["commit", "-q", "-m", "ok"]),
        "a commit after reinstalling",
    );
}

// 9. gates.toml deleted.

#[test]
fn deleting_gates_toml_does_not_open_the_gates() {
    let repo = installed(NO_BAD);
    let before = head(&repo);
    repo.git(&["rm", "-q", "gates.toml"]);
    repo.write("bad.txt", "BAD\n");
    repo.git(&["add", "bad.txt"]);
    let blocked = hooked(&repo, &["commit", "-q", "-m", "no more gates"]);
    expect_blocked(&blocked, "a commit that deletes gates.toml");
    assert_eq!(head(&repo), before);
    let out = text(&blocked);
    assert!(out.contains("gates.toml"), "{out}");
    assert!(out.contains("backstop uninstall --git"), "{out}");
}

#[test]
fn deleting_gates_toml_only_in_the_working_tree_does_not_open_the_gates() {
    // The commit still contains gates.toml, and is judged by it: a bad file is still blocked.
    let repo = installed(NO_BAD);
    let before = head(&repo);
    std::fs::remove_file(repo.root().join("gates.toml")).unwrap();
    let blocked = commit(&repo, "bad.txt", "BAD\n", "bad");
    expect_blocked(
        &blocked,
        "a bad commit with gates.toml missing only from the working tree",
    );
    assert_eq!(head(&repo), before);
    repo.git(&["rm", "-q", "--cached", "bad.txt"]);
    expect_ok(
        &commit(&repo, "ok.txt", "fine\n", "ok"),
        "a good commit judged by the staged gates.toml",
    );
}

// Bugs found while writing these tests (see the reasons).

#[test]

fn pushing_an_annotated_tag_is_judged_by_its_commit() {
    let (repo, remote) = pushed(NO_BAD);
    repo.git(&["tag", "-a", "v1", "-m", "release 1"]);
    let push = hooked(&repo, &["push", "-q", "origin", "v1"]);
    expect_ok(&push, "pushing an annotated tag of a good commit");
    assert_eq!(rev(&repo, &remote, "refs/tags/v1^{commit}"), head(&repo));
}

#[test]

fn pre_push_of_the_checked_out_tip_uses_the_pushed_gates_toml() {
    let (repo, remote) = pushed(NO_BAD);
    let pushed_main = rev(&repo, &remote, "refs/heads/main");
    repo.write("data.txt", "BAD\n").commit_all("bad");
    // Neutered in the working tree only: not part of what is pushed.
    repo.config("[gates.no-bad]\nrun = \"true\"\n");
    let push = hooked(&repo, &["push", "-q", "origin", "main"]);
    expect_blocked(
        &push,
        "pushing a bad commit with gates.toml weakened only on disk",
    );
    assert_eq!(rev(&repo, &remote, "refs/heads/main"), pushed_main);
}

#[test]

fn pre_commit_uses_the_staged_gates_toml() {
    let repo = installed(NO_BAD);
    let before = head(&repo);
    repo.config("[gates.no-bad]\nrun = \"true\"\n");
    let blocked = commit(&repo, "bad.txt", "BAD\n", "bad");
    expect_blocked(
        &blocked,
        "a bad commit with gates.toml weakened but not staged",
    );
    assert_eq!(head(&repo), before);
}

#[test]

fn a_foreign_hook_that_git_ignores_stays_ignored() {
    let repo = TestRepo::new();
    repo.config(NO_BAD).write("data.txt", "fine\n");
    repo.commit_all("initial");
    let hook = hooks_dir(&repo).join("pre-commit");
    write_script(&hook, "#!/bin/sh\nexit 1\n", 0o644);
    expect_ok(
        &commit(&repo, "a.txt", "fine\n", "before install"),
        "git ignores a hook that is not executable",
    );
    repo.run(&["install"]).expect_code(0);
    expect_ok(
        &commit(&repo, "b.txt", "fine\n", "after install"),
        "a good commit after install",
    );
    repo.run(&["uninstall"]).expect_code(0);
    assert_eq!(mode(&hook), 0o644);
}

#[test]

fn the_global_hooks_path_hint_keeps_linked_worktrees_gated() {
    let repo = TestRepo::new();
    repo.config(NO_BAD).write("data.txt", "fine\n");
    repo.commit_all("initial");
    let global = repo.home().join("global-hooks");
    repo.git(&[
        "config",
        "--global",
        "core.hooksPath",
        global.to_str().unwrap(),
    ]);
    let refused = repo.run(&["install"]);
    refused.expect_code(2);
    let err = refused.stderr();
    let command = err
        .split('`')
        .find(|part| part.starts_with("git config --local core.hooksPath"))
        .unwrap_or_else(|| panic!("no override command in the hint:\n{err}"));
    let mut shell = Command::new("sh");
    shell.args(["-c", command]);
    repo.isolate(&mut shell);
    assert!(shell.status().unwrap().success(), "`{command}` failed");
    repo.run(&["install"]).expect_code(0);

    repo.git(&["worktree", "add", "-q", "../wt", "-b", "feature"]);
    let wt = repo.root().parent().unwrap().join("wt");
    std::fs::write(wt.join("bad.txt"), "BAD\n").unwrap();
    expect_ok(&git_in(&repo, &wt, &["add", "bad.txt"]), "git add");
    let before = rev(&repo, &wt, "HEAD");
    let output = git_in(&repo, &wt, &["commit", "-q", "-m", "bad"]);
    expect_blocked(
        &output,
        "a bad commit in a linked worktree after following the hint",
    );
    assert_eq!(rev(&repo, &wt, "HEAD"), before);
}

#[test]

fn a_relative_core_hooks_path_still_gates_linked_worktrees() {
    let repo = TestRepo::new();
    repo.config(NO_BAD).write("data.txt", "fine\n");
    repo.commit_all("initial");
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let install = repo.run(&["install"]);
    install.expect_code(0);
    repo.git(&["worktree", "add", "-q", "../wt", "-b", "feature"]);
    let wt = repo.root().parent().unwrap().join("wt");
    std::fs::write(wt.join("bad.txt"), "BAD\n").unwrap();
    expect_ok(&git_in(&repo, &wt, &["add", "bad.txt"]), "git add");
    let output = git_in(&repo, &wt, &["commit", "-q", "-m", "bad"]);
    // Either the linked worktree is gated, or install warned that it would not be.
    assert!(
        !output.status.success()
            || install.stdout().contains("worktree")
            || install.stderr().contains("worktree"),
        "a bad commit in a linked worktree went through silently\ninstall said:\n{}{}",
        install.stdout(),
        install.stderr()
    );
}

// Second review: husky, pre-push never touches the worktree.

#[test]
fn husky_managed_hooks_are_refused_with_the_lines_to_add() {
    let repo = TestRepo::new();
    repo.config(NO_BAD)
        .write(".husky/_/h", "#!/usr/bin/env sh\n# husky\n")
        .write(".husky/pre-commit", "exit 1\n");
    repo.commit_all("husky");
    repo.git(&["config", "core.hooksPath", ".husky/_"]);
    let run = repo.run(&["install"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("husky runs this repository's hooks"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("backstop hook git pre-commit"),
        "{}",
        run.stderr()
    );
    assert!(
        !repo
            .root()
            .join(".husky/_/pre-commit.backstop-chained")
            .exists(),
        "nothing was moved"
    );
}

#[test]
fn pre_push_with_uncommitted_work_judges_the_commit_elsewhere_and_leaves_the_worktree_alone() {
    let (repo, remote) = pushed(NO_BAD);
    let seen = repo.home().join("seen");
    repo.config(&format!(
        "{NO_BAD}[gates.watch]\nrun = \"cat data.txt > '{}'; sleep 1\"\non = [\"pre-push\"]\n",
        seen.display()
    ));
    repo.write("data.txt", "committed\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "update"]);
    // Staged and unstaged work on top of the pushed commit.
    repo.write("data.txt", "staged\n");
    repo.git(&["add", "data.txt"]);
    repo.write("data.txt", "unstaged\n");
    let index_before = repo.git(&["ls-files", "--stage"]);
    let mut push = Command::new("git");
    repo.isolate(&mut push);
    let child = push
        .args(["push", "-q", "origin", "main"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // While the gate runs, the user's files are exactly theirs.
    for _ in 0..10 {
        assert_eq!(
            std::fs::read_to_string(repo.root().join("data.txt")).unwrap(),
            "unstaged\n"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    expect_ok(&output, "a good push with uncommitted work");
    assert_eq!(
        std::fs::read_to_string(&seen).unwrap(),
        "committed\n",
        "the gate saw the pushed commit"
    );
    assert_eq!(
        repo.git(&["ls-files", "--stage"]),
        index_before,
        "the index is untouched"
    );
    assert_eq!(rev(&repo, &remote, "main"), head(&repo));
    assert_eq!(worktree_count(&repo), 1, "the temporary worktree is gone");
}

#[test]
fn installing_pre_commit_also_installs_pre_merge_commit() {
    let repo = TestRepo::new();
    repo.config(NO_BAD)
        .write("data.txt", "fine\n")
        .commit_all("initial");
    repo.run(&["install", "--hook", "pre-commit"])
        .expect_code(0);
    assert!(hooks_dir(&repo).join("pre-merge-commit").exists());
}

#[test]
fn in_place_pre_push_does_not_judge_untracked_files_when_they_are_hidden() {
    let config = "[settings]\nhide_untracked = true\n[gates.script]\nrun = \"test ! -e main.sh || sh main.sh\"\non = [\"pre-push\"]\n";
    let (repo, remote) = pushed(config);
    repo.write("main.sh", ". ./lib.sh\n")
        .commit_all("main sources lib.sh, which is not committed");
    repo.write("lib.sh", "true\n");
    let push = hooked(&repo, &["push", "-q", "origin", "main"]);
    expect_blocked(&push, "a pushed commit that needs an untracked file");
    assert_ne!(rev(&repo, &remote, "main"), head(&repo));
}
