//! Committing exactly what is committed, and never losing work: real `git commit` through the
//! installed shim, with the worktree and the index compared byte for byte before and after.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::TestRepo;

/// A gate that fails when any staged text file contains BAD, and prints what it saw.
const NO_BAD: &str =
    "[gates.no-bad]\nrun = \"! grep -l BAD\"\nfiles = [\"*.txt\"]\npass_files = true\n";

/// Everything a user could lose: each worktree file's bytes, mode or link target, the index
/// entries, and both diffs in binary form.
#[derive(Debug, PartialEq, Eq)]
struct State {
    files: BTreeMap<String, (Vec<u8>, u32)>,
    index: String,
    staged: String,
    unstaged: String,
}

fn state(repo: &TestRepo) -> State {
    let mut files = BTreeMap::new();
    collect(&repo.root(), &repo.root(), &mut files);
    State {
        files,
        index: repo.git(&["ls-files", "--stage"]),
        staged: repo.git(&["diff", "--cached", "--binary"]),
        unstaged: repo.git(&["diff", "--binary"]),
    }
}

fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<String, (Vec<u8>, u32)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if name == ".git" {
            continue;
        }
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).unwrap();
            out.insert(
                name,
                (
                    target.to_string_lossy().into_owned().into_bytes(),
                    0o120_000,
                ),
            );
        } else if meta.is_dir() {
            collect(root, &path, out);
        } else {
            out.insert(
                name,
                (
                    std::fs::read(&path).unwrap(),
                    meta.permissions().mode() & 0o777,
                ),
            );
        }
    }
}

fn git_command(repo: &TestRepo, args: &[&str]) -> Command {
    let mut command = Command::new("git");
    repo.isolate(&mut command);
    command.args(args);
    command
}

fn commit(repo: &TestRepo, args: &[&str]) -> Output {
    let mut all = vec!["commit"];
    all.extend(args);
    git_command(repo, &all).output().unwrap()
}

fn head(repo: &TestRepo) -> String {
    repo.git(&["rev-parse", "HEAD"]).trim().to_owned()
}

/// A repository with backstop's hooks and awkward files committed: binary, CRLF, no final
/// newline, executable, and a symlink.
fn awkward_repo(config: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.config(config)
        .write("binary.dat", [0u8, 159, 146, 150, 255, 0, 10, 13])
        .write("crlf.txt", "one\r\ntwo\r\n")
        .write("no-newline.txt", "no final newline")
        .write("run.sh", "#!/bin/sh\necho hi\n")
        .write("deleted-in-worktree.txt", "here\n");
    std::os::unix::fs::symlink("crlf.txt", repo.root().join("link")).unwrap();
    repo.commit_all("base");
    repo.run(&["install"]).expect_code(0);
    repo
}

/// Unstaged changes to every awkward file, and one untracked file.
fn unstaged_changes(repo: &TestRepo, text: &str) {
    repo.write("binary.dat", [1u8, 0, 255, 254, 0])
        .write("crlf.txt", format!("one\r\n{text}\r\n"))
        .write("no-newline.txt", format!("still none {text}"))
        .write("untracked.txt", "not part of any commit BAD\n");
    std::fs::set_permissions(
        repo.root().join("run.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::fs::remove_file(repo.root().join("deleted-in-worktree.txt")).unwrap();
    std::fs::remove_file(repo.root().join("link")).unwrap();
    std::os::unix::fs::symlink("no-newline.txt", repo.root().join("link")).unwrap();
}

#[test]
fn good_staged_with_bad_unstaged_passes_and_the_unstaged_work_is_intact() {
    let repo = awkward_repo(NO_BAD);
    repo.write("crlf.txt", "one\r\nstaged good\r\n")
        .write("no-newline.txt", "staged good");
    repo.git(&["add", "crlf.txt", "no-newline.txt"]);
    // Unstaged on top of staged: the partially staged case.
    unstaged_changes(&repo, "BAD unstaged");
    let before = state(&repo);
    let output = commit(&repo, &["-m", "good"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let after = state(&repo);
    assert_eq!(
        before.files, after.files,
        "the worktree is byte for byte what it was"
    );
    assert_eq!(
        before.unstaged, after.unstaged,
        "the unstaged diff is unchanged"
    );
    assert_eq!(
        repo.git(&["show", "HEAD:crlf.txt"]),
        "one\r\nstaged good\r\n",
        "the commit holds the staged version"
    );
    assert_eq!(repo.git(&["show", "HEAD:no-newline.txt"]), "staged good");
    assert!(repo.git(&["diff", "--cached", "--name-only"]).is_empty());
}

#[test]
fn bad_staged_with_good_unstaged_is_blocked_and_nothing_changes() {
    let repo = awkward_repo(NO_BAD);
    let base = head(&repo);
    repo.write("crlf.txt", "one\r\nBAD staged\r\n")
        .write("no-newline.txt", "BAD staged");
    repo.git(&["add", "crlf.txt", "no-newline.txt"]);
    unstaged_changes(&repo, "good unstaged");
    let before = state(&repo);
    let output = commit(&repo, &["-m", "bad"]);
    assert!(!output.status.success());
    // git sends a hook's stdout to stderr.
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        said.contains("no-bad") && said.contains("crlf.txt") && said.contains("no-newline.txt"),
        "{said}"
    );
    assert!(
        !said.contains("untracked.txt"),
        "untracked files are not part of the commit: {said}"
    );
    assert_eq!(head(&repo), base, "no commit was made");
    assert_eq!(
        before,
        state(&repo),
        "worktree, index and both diffs are unchanged"
    );
}

#[test]
fn commit_all_judges_the_temporary_index_and_is_blocked_by_bad_content() {
    let repo = awkward_repo(NO_BAD);
    let base = head(&repo);
    repo.write("crlf.txt", "one\r\nBAD via -a\r\n");
    let before = state(&repo);
    let output = commit(&repo, &["-a", "-m", "all"]);
    assert!(
        !output.status.success(),
        "commit -a with BAD must be blocked"
    );
    assert_eq!(head(&repo), base);
    assert_eq!(before, state(&repo));
    repo.write("crlf.txt", "one\r\ngood via -a\r\n");
    let output = commit(&repo, &["-a", "-m", "all"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn commit_with_paths_judges_only_those_paths() {
    let repo = awkward_repo(NO_BAD);
    let base = head(&repo);
    // BAD is staged in another file; `git commit crlf.txt` does not commit it.
    repo.write("no-newline.txt", "BAD staged elsewhere");
    repo.git(&["add", "no-newline.txt"]);
    repo.write("crlf.txt", "one\r\ngood path commit\r\n");
    let output = commit(&repo, &["crlf.txt", "-m", "path"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(
        repo.git(&["show", "HEAD:no-newline.txt"]),
        "no final newline"
    );
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]).trim(),
        "no-newline.txt",
        "the other staged change stays staged"
    );

    repo.write("crlf.txt", "one\r\nBAD path commit\r\n");
    let before = state(&repo);
    let output = commit(&repo, &["crlf.txt", "-m", "bad path"]);
    assert!(!output.status.success());
    assert_ne!(head(&repo), base);
    assert_eq!(before, state(&repo));
}

#[test]
fn the_first_commit_is_gated_and_partially_staged_work_survives() {
    let repo = TestRepo::new();
    repo.config(NO_BAD);
    repo.run(&["install"]).expect_code(0);
    repo.write("a.txt", "good\n");
    repo.git(&["add", "a.txt", "gates.toml"]);
    repo.write("a.txt", "good\nBAD later\n");
    let before = state(&repo);
    let output = commit(&repo, &["-m", "first"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(before.files, state(&repo).files);
    assert_eq!(repo.git(&["show", "HEAD:a.txt"]), "good\n");
}

#[test]
fn hide_untracked_sets_untracked_files_aside_while_gates_run() {
    let repo = awkward_repo(&format!(
        "[settings]\nhide_untracked = true\n{NO_BAD}[gates.sees]\nrun = \"test ! -e untracked.txt\"\n"
    ));
    repo.write("crlf.txt", "one\r\ngood\r\n");
    repo.git(&["add", "crlf.txt"]);
    repo.write("untracked.txt", "BAD but untracked\n")
        .write("new/dir/also.txt", "x\n");
    let before = state(&repo);
    let output = commit(&repo, &["-m", "x"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(before.files, state(&repo).files);
}

#[test]
fn fixers_restage_fully_staged_files_and_block_on_partially_staged_ones() {
    let config = "[settings]\nfix = true\n[gates.upper]\nrun = \"! grep -l lower\"\nfix = \"sed -i s/lower/UPPER/\"\nfiles = [\"*.txt\"]\npass_files = true\n";
    let repo = awkward_repo(config);
    repo.write("crlf.txt", "one\r\nlower\r\n");
    repo.git(&["add", "crlf.txt"]);
    let output = commit(&repo, &["-m", "fixed"]);
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        repo.git(&["show", "HEAD:crlf.txt"]),
        "one\r\nUPPER\r\n",
        "the fixed version was committed"
    );
    assert!(
        repo.git(&["status", "--porcelain"]).is_empty(),
        "worktree and index agree after re-staging"
    );

    repo.write("no-newline.txt", "lower staged");
    repo.git(&["add", "no-newline.txt"]);
    repo.write("no-newline.txt", "lower staged, more unstaged");
    let before = state(&repo);
    let base = head(&repo);
    let output = commit(&repo, &["-m", "partial"]);
    assert!(
        !output.status.success(),
        "a fixer touching a partially staged file blocks the commit"
    );
    assert_eq!(head(&repo), base);
    assert_eq!(
        before,
        state(&repo),
        "the user's versions are back in place"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let kept = stderr
        .lines()
        .find_map(|l| l.split("kept at ").nth(1))
        .unwrap_or_else(|| panic!("no kept path in: {stderr}"));
    assert_eq!(
        std::fs::read_to_string(kept.trim()).unwrap(),
        "UPPER staged",
        "the fixer's version is kept too"
    );
}

fn slow_repo(gate_pid: &Path) -> TestRepo {
    let config = format!(
        "[gates.slow]\nrun = \"echo $PPID > '{}.backstop'; echo $$ > '{}'; sleep 60\"\nfiles = [\"*.txt\"]\n",
        gate_pid.display(),
        gate_pid.display()
    );
    let repo = awkward_repo(&config);
    repo.write("crlf.txt", "one\r\nstaged\r\n")
        .write("no-newline.txt", "staged");
    repo.git(&["add", "crlf.txt", "no-newline.txt"]);
    unstaged_changes(&repo, "unstaged");
    repo
}

fn read_pid(path: &Path) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(pid) = text.trim().parse()
        {
            return pid;
        }
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts a commit, waits for the slow gate, and signals backstop in the middle of it.
fn interrupt_commit(repo: &TestRepo, gate_pid: &Path, signal: i32) -> Output {
    let child = git_command(repo, &["commit", "-m", "slow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let backstop = read_pid(&gate_pid.with_extension("pid.backstop"));
    let gate = read_pid(gate_pid);
    // The worktree now holds the index versions: the work is set aside.
    assert_eq!(
        std::fs::read_to_string(repo.root().join("no-newline.txt")).unwrap(),
        "staged"
    );
    // SAFETY: signalling processes this test started.
    unsafe { libc::kill(backstop, signal) };
    let output = child.wait_with_output().unwrap();
    // SAFETY: as above; the gate's group may outlive a SIGKILLed backstop.
    unsafe { libc::kill(-gate, libc::SIGKILL) };
    output
}

fn interrupted_commit_restores_everything(signal: i32) {
    let gate_pid = tempfile::tempdir().unwrap().keep().join("gate.pid");
    let repo = slow_repo(&gate_pid);
    let base = head(&repo);
    let before = state(&repo);
    let output = interrupt_commit(&repo, &gate_pid, signal);
    assert!(
        !output.status.success(),
        "an interrupted hook blocks the commit"
    );
    assert_eq!(head(&repo), base);
    assert_eq!(
        before,
        state(&repo),
        "every byte of work is back after signal {signal}"
    );
}

#[test]
fn sigint_during_a_commit_restores_the_unstaged_work() {
    interrupted_commit_restores_everything(libc::SIGINT);
}

#[test]
fn sigterm_during_a_commit_restores_the_unstaged_work() {
    interrupted_commit_restores_everything(libc::SIGTERM);
}

#[test]
fn sighup_during_a_commit_restores_the_unstaged_work() {
    interrupted_commit_restores_everything(libc::SIGHUP);
}

#[test]
fn after_sigkill_every_command_refuses_until_recover_puts_the_work_back() {
    let gate_pid = tempfile::tempdir().unwrap().keep().join("gate.pid");
    let repo = slow_repo(&gate_pid);
    let before = state(&repo);
    let output = interrupt_commit(&repo, &gate_pid, libc::SIGKILL);
    assert!(!output.status.success());
    assert_ne!(
        before.files,
        state(&repo).files,
        "SIGKILL left the index versions in place"
    );

    for args in [&["run"][..], &["run", "pre-commit"], &["install"]] {
        let run = repo.run(args);
        run.expect_code(2);
        assert!(
            run.stderr().contains("hint: run `backstop recover`"),
            "{args:?}: {}",
            run.stderr()
        );
    }
    let blocked = commit(&repo, &["-m", "again"]);
    assert!(!blocked.status.success(), "the hook refuses too");
    assert!(String::from_utf8_lossy(&blocked.stderr).contains("backstop recover"));

    let recovered = repo.run(&["recover"]);
    recovered.expect_code(0);
    assert!(
        recovered.stdout().contains("recovered"),
        "{}",
        recovered.stdout()
    );
    assert_eq!(before, state(&repo), "recover put every byte back");
    repo.run(&["recover"]).expect_code(0);
    assert!(
        repo.run(&["recover"])
            .stdout()
            .contains("nothing to recover")
    );
}

#[test]
fn recover_keeps_a_copy_of_anything_changed_since_the_crash() {
    let gate_pid = tempfile::tempdir().unwrap().keep().join("gate.pid");
    let repo = slow_repo(&gate_pid);
    let before = state(&repo);
    interrupt_commit(&repo, &gate_pid, libc::SIGKILL);
    // Someone edits a set-aside file before recovering.
    repo.write("crlf.txt", "edited after the crash\n");
    let recovered = repo.run(&["recover"]);
    recovered.expect_code(0);
    assert_eq!(before.files, state(&repo).files);
    let kept = recovered
        .stderr()
        .lines()
        .find_map(|l| l.split("kept at ").nth(1).map(str::to_owned))
        .expect("a kept copy is named");
    assert_eq!(
        std::fs::read_to_string(kept.trim()).unwrap(),
        "edited after the crash\n"
    );
}

#[test]
fn a_panic_while_work_is_set_aside_still_puts_it_back() {
    let repo = awkward_repo(NO_BAD);
    repo.write("crlf.txt", "one\r\nstaged\r\n");
    repo.git(&["add", "crlf.txt"]);
    unstaged_changes(&repo, "unstaged");
    let before = state(&repo);
    let output = git_command(&repo, &["commit", "-m", "x"])
        .env("BACKSTOP_FAILPOINT", "panic-after-setaside")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("failpoint"),
        "the panic happened"
    );
    assert_eq!(
        before,
        state(&repo),
        "the unwinding guard restored everything"
    );
    repo.run(&["run", "pre-commit"]).expect_code(0);
}

#[test]
fn merge_commits_are_gated() {
    let repo = awkward_repo(NO_BAD);
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("topic.txt", "BAD on topic\n")
        .commit_all("topic");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.txt", "main\n").commit_all("main");
    repo.git(&["merge", "--no-ff", "--no-commit", "topic"]);
    let output = commit(&repo, &["-m", "merge"]);
    assert!(!output.status.success(), "the merge brings BAD in");
    repo.write("topic.txt", "fixed in the merge\n");
    repo.git(&["add", "topic.txt"]);
    let output = commit(&repo, &["-m", "merge"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        repo.git(&["rev-list", "--parents", "-n", "1", "HEAD"])
            .split_whitespace()
            .count(),
        3,
        "a merge commit"
    );
}

#[test]
fn detached_head_submodules_and_lfs_pointers_commit_normally() {
    let repo = awkward_repo(NO_BAD);
    let sub = repo.home().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let mut init = Command::new("git");
    repo.isolate(&mut init);
    assert!(
        init.current_dir(&sub)
            .args(["init", "-q"])
            .status()
            .unwrap()
            .success()
    );
    std::fs::write(sub.join("f"), "f").unwrap();
    for args in [&["add", "f"][..], &["commit", "-q", "-m", "sub"]] {
        let mut command = Command::new("git");
        repo.isolate(&mut command);
        assert!(
            command
                .current_dir(&sub)
                .args(args)
                .status()
                .unwrap()
                .success()
        );
    }
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        sub.to_str().unwrap(),
        "vendored",
    ]);
    repo.write(".gitattributes", "*.bin filter=lfs diff=lfs merge=lfs -text\n").write(
        "model.bin",
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
    );
    repo.git(&["add", "-A"]);
    std::fs::write(repo.root().join("vendored/f"), "dirty submodule worktree").unwrap();
    let output = commit(&repo, &["-m", "submodule and lfs"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(repo.root().join("vendored/f")).unwrap(),
        "dirty submodule worktree"
    );

    repo.git(&["checkout", "-q", "--detach"]);
    repo.write("crlf.txt", "detached\r\n");
    repo.git(&["add", "crlf.txt"]);
    repo.write("crlf.txt", "detached\r\nBAD unstaged\r\n");
    let output = commit(&repo, &["-m", "detached"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(repo.read("crlf.txt"), b"detached\r\nBAD unstaged\r\n");
}

#[test]
fn worktrees_do_not_wait_for_each_other() {
    let gate_pid = tempfile::tempdir().unwrap().keep().join("gate.pid");
    let repo = slow_repo(&gate_pid);
    let linked = repo.home().join("linked");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "other",
        linked.to_str().unwrap(),
    ]);
    let slow = git_command(&repo, &["commit", "-m", "slow"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    read_pid(&gate_pid);
    // The main worktree holds its lock for a minute; the linked one commits meanwhile.
    std::fs::write(linked.join("README.md"), "docs\n").unwrap();
    let mut add = Command::new("git");
    repo.isolate(&mut add);
    assert!(
        add.current_dir(&linked)
            .args(["add", "README.md"])
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    let mut other = Command::new("git");
    repo.isolate(&mut other);
    let output = other
        .current_dir(&linked)
        .args(["commit", "-m", "meanwhile"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the linked worktree waited for the main one"
    );
    let backstop = read_pid(&gate_pid.with_extension("pid.backstop"));
    // SAFETY: signalling processes this test started.
    unsafe { libc::kill(backstop, libc::SIGTERM) };
    let _ = slow.wait_with_output();
}

// Second review: gates and the index, fixers and files outside the commit, sparse checkouts,
// symlinked directories, clean merges.

#[test]
fn a_gate_running_git_elsewhere_cannot_touch_the_commit_index() {
    let config = format!(
        "{NO_BAD}[gates.suite]\nrun = \"d=$(mktemp -d); cd $d && git init -q && echo j > j.txt && git add j.txt && git reset -q; true\"\nfiles = [\"*.txt\"]\n"
    );
    let repo = awkward_repo(&config);
    repo.write("crlf.txt", "one\r\nstaged\r\n");
    repo.git(&["add", "crlf.txt"]);
    repo.write("crlf.txt", "one\r\nunstaged\r\n");
    let output = commit(&repo, &["-m", "x"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(repo.git(&["show", "HEAD:crlf.txt"]), "one\r\nstaged\r\n");
    assert!(
        repo.git(&["ls-files"]).contains("gates.toml"),
        "nothing was unstaged"
    );
}

#[test]
fn a_gate_that_stages_files_is_blocked_and_the_index_put_back() {
    let config =
        format!("{NO_BAD}[gates.sneaky]\nrun = \"git add -A . ; true\"\nfiles = [\"*.txt\"]\n");
    let repo = awkward_repo(&config);
    repo.write("crlf.txt", "one\r\nstaged\r\n");
    repo.git(&["add", "crlf.txt"]);
    repo.write("other.txt", "never staged\n");
    let base = head(&repo);
    // commit -a: git holds the real index lock, the gate sees no GIT_INDEX_FILE; either the
    // gate's git fails on the lock, or backstop finds the index changed and blocks.
    let output = commit(&repo, &["-m", "x"]);
    if output.status.success() {
        assert!(
            !repo
                .git(&["show", "--name-only", "HEAD"])
                .contains("other.txt"),
            "a gate staged a file into the commit"
        );
    } else {
        assert_eq!(head(&repo), base);
    }
    assert!(
        !repo
            .git(&["diff", "--cached", "--name-only"])
            .contains("other.txt")
    );
}

#[test]
fn a_whole_tree_fixer_does_not_pull_other_files_into_the_commit() {
    let config = "[settings]\nfix = true\n[gates.upper]\nrun = \"! grep -l lower\"\nfix = \"sed -i s/lower/UPPER/ *.txt\"\nfiles = [\"*.txt\"]\npass_files = false\n";
    let repo = awkward_repo(config);
    repo.write("other.txt", "lower but committed earlier\n")
        .commit_all("other");
    repo.write("crlf.txt", "one\r\nlower\r\n");
    let output = commit(&repo, &["-m", "path only", "crlf.txt"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let committed = repo.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(
        committed.trim(),
        "crlf.txt",
        "only the named path was committed"
    );
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("other.txt, which is not part of this commit")
    );
}

#[test]
fn sparse_checkout_paths_are_not_written_out() {
    let repo = awkward_repo(NO_BAD);
    repo.write("big/a.txt", "a\n")
        .write("big/b.txt", "b\n")
        .write("small/c.txt", "c\n")
        .commit_all("dirs");
    repo.git(&["sparse-checkout", "set", "small"]);
    assert!(!repo.root().join("big").exists());
    repo.write("small/c.txt", "staged\n");
    repo.git(&["add", "small/c.txt"]);
    repo.write("small/c.txt", "unstaged\n");
    let output = commit(&repo, &["-m", "sparse"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !repo.root().join("big").exists(),
        "excluded paths stay out of the worktree"
    );
    assert_eq!(repo.read("small/c.txt"), b"unstaged\n");
}

#[test]
fn nothing_is_written_through_a_symlinked_directory() {
    let repo = awkward_repo(NO_BAD);
    repo.write("d/x.txt", "tracked\n").commit_all("d");
    let elsewhere = repo.home().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::remove_dir_all(repo.root().join("d")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, repo.root().join("d")).unwrap();
    repo.write("crlf.txt", "one\r\nstaged\r\n");
    repo.git(&["add", "crlf.txt"]);
    // The gate fails if, while it runs, a file appeared outside the repository.
    let watcher = format!(
        "{NO_BAD}[gates.look]\nrun = \"test ! -e '{}'\"\n",
        elsewhere.join("x.txt").display()
    );
    std::fs::write(repo.root().join("gates.toml"), &watcher).unwrap();
    repo.git(&["add", "gates.toml"]);
    let output = commit(&repo, &["-m", "x"]);
    assert!(
        output.status.success(),
        "the file outside was overwritten during the run: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !elsewhere.join("x.txt").exists(),
        "nothing was left outside the repository"
    );
}

#[test]
fn a_clean_merge_runs_the_pre_commit_gates() {
    let repo = awkward_repo(NO_BAD);
    assert!(
        repo.root().join(".git/hooks/pre-merge-commit").exists(),
        "install adds pre-merge-commit"
    );
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("topic.txt", "BAD on topic\n")
        .commit_all("topic");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.txt", "main\n").commit_all("main");
    let base = head(&repo);
    let merge = git_command(&repo, &["merge", "--no-edit", "topic"])
        .output()
        .unwrap();
    assert!(
        !merge.status.success(),
        "a clean merge bringing BAD in is blocked"
    );
    assert_eq!(head(&repo), base);
    let _ = git_command(&repo, &["merge", "--abort"]).output();
}

// Third review: what gates can read of the commit, fixers outside the commit, skip-worktree.

#[test]
fn gates_reading_the_staged_diff_see_the_commit_of_commit_a() {
    let repo = awkward_repo("[gates.staged-diff]\nrun = \"! git diff --cached | grep -q BAD\"\n");
    let base = head(&repo);
    repo.write("crlf.txt", "one\r\nBAD via -a\r\n");
    let output = commit(&repo, &["-a", "-m", "x"]);
    assert!(
        !output.status.success(),
        "the gate sees the temporary index of commit -a"
    );
    assert_eq!(head(&repo), base);
    repo.write("crlf.txt", "one\r\ngood via -a\r\n");
    assert!(commit(&repo, &["-a", "-m", "x"]).status.success());
}

#[test]
fn gates_refreshing_the_index_do_not_block_a_good_commit() {
    let repo = awkward_repo(
        "[gates.status]\nrun = \"git status --porcelain >/dev/null && git diff --quiet --cached HEAD -- nothing\"\n",
    );
    repo.git(&["config", "core.untrackedCache", "true"]);
    repo.write("crlf.txt", "one\r\nstaged\r\n");
    repo.git(&["add", "crlf.txt"]);
    repo.write("crlf.txt", "one\r\nunstaged\r\n");
    let output = commit(&repo, &["-m", "x"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn checks_judge_the_committed_version_of_files_a_fixer_changed_outside_the_commit() {
    let config = "[settings]\nfix = true\n[gates.generated]\nrun = \"cmp -s schema.txt gen.out\"\nfix = \"cp schema.txt gen.out\"\n";
    let repo = awkward_repo(config);
    repo.write("schema.txt", "v1\n")
        .write("gen.out", "v1\n")
        .commit_all("generated");
    repo.write("schema.txt", "v2\n");
    repo.git(&["add", "schema.txt"]);
    let base = head(&repo);
    let output = commit(&repo, &["-m", "schema only"]);
    assert!(
        !output.status.success(),
        "gen.out v1 is what would be committed, and it no longer matches"
    );
    assert_eq!(head(&repo), base);
    assert_eq!(
        repo.read("gen.out"),
        b"v1\n",
        "the worktree keeps what the user had"
    );
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("gen.out, which is not part of this commit")
    );
}

#[test]
fn skip_worktree_and_assume_unchanged_paths_in_the_commit_are_judged_as_committed() {
    let repo = awkward_repo(NO_BAD);
    repo.write("flagged.txt", "good\n").commit_all("flagged");
    // Stage BAD, then hide the worktree file behind assume-unchanged with good content.
    repo.write("flagged.txt", "BAD\n");
    repo.git(&["add", "flagged.txt"]);
    repo.git(&["update-index", "--assume-unchanged", "flagged.txt"]);
    repo.write("flagged.txt", "good again\n");
    let base = head(&repo);
    let output = commit(&repo, &["-m", "hidden"]);
    assert!(
        !output.status.success(),
        "the staged BAD is what is committed"
    );
    assert_eq!(head(&repo), base);
    assert_eq!(repo.read("flagged.txt"), b"good again\n");
}

#[test]
fn a_committed_path_behind_a_symlinked_directory_blocks_the_commit() {
    let repo = awkward_repo(NO_BAD);
    repo.write("d/f.txt", "good\n").commit_all("d");
    repo.write("d/f.txt", "BAD\n");
    repo.git(&["add", "d/f.txt"]);
    let elsewhere = repo.home().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("f.txt"), "good\n").unwrap();
    std::fs::remove_dir_all(repo.root().join("d")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, repo.root().join("d")).unwrap();
    let output = commit(&repo, &["-m", "x"]);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("a directory on its path is a symlink")
    );
}

#[test]
fn ctrl_c_while_waiting_for_the_worktree_lock_exits_130() {
    let gate_pid = tempfile::tempdir().unwrap().keep().join("gate.pid");
    let repo = slow_repo(&gate_pid);
    let slow = git_command(&repo, &["commit", "-m", "slow"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let holder = read_pid(&gate_pid.with_extension("pid.backstop"));
    let mut waiting = repo
        .backstop()
        .args(["hook", "git", "pre-commit"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    // SAFETY: signalling processes this test started.
    unsafe { libc::kill(i32::try_from(waiting.id()).unwrap(), libc::SIGINT) };
    let started = Instant::now();
    let status = waiting.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(started.elapsed() < Duration::from_secs(5));
    // SAFETY: as above.
    unsafe { libc::kill(holder, libc::SIGTERM) };
    let _ = slow.wait_with_output();
}
