//! File sets: staged, since a base, between commits, all files, listed files; renames,
//! deletions, submodules, the first commit.

use crate::support::{TestRepo, gate};

/// A config with one gate that lists its files, and that gate's files after a run.
fn files_of(repo: &TestRepo, args: &[&str]) -> Vec<String> {
    let (run, report) = repo.report(args);
    run.expect_code(0);
    let gate = gate(&report, "list");
    gate["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect()
}

const LIST: &str = "[gates.list]\nrun = \"true\"\n";

#[test]
fn pre_commit_judges_the_staged_files_only() {
    let repo = TestRepo::new();
    repo.config(LIST)
        .write("staged.txt", "1")
        .write("unstaged.txt", "1")
        .commit_all("base");
    repo.write("staged.txt", "2")
        .write("unstaged.txt", "2")
        .write("untracked.txt", "new");
    repo.git(&["add", "staged.txt"]);
    assert_eq!(files_of(&repo, &["run", "pre-commit"]), ["staged.txt"]);
}

#[test]
fn first_commit_compares_with_the_empty_tree() {
    let repo = TestRepo::new();
    repo.config(LIST).write("a.txt", "a");
    repo.git(&["add", "a.txt", "gates.toml"]);
    let (run, report) = repo.report(&["run", "pre-commit"]);
    run.expect_code(0);
    assert_eq!(report["base"], "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
    assert_eq!(report["target"], "index");
    assert_eq!(
        gate(&report, "list")["files"],
        serde_json::json!(["a.txt", "gates.toml"])
    );
}

#[test]
fn manual_run_sees_committed_staged_unstaged_and_untracked_changes_but_not_ignored_ones() {
    let repo = TestRepo::new();
    repo.config(&format!("[settings]\nbase = \"main\"\n{LIST}"))
        .write(".gitignore", "*.log\n")
        .write("old.txt", "o")
        .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("committed.txt", "c").commit_all("feature work");
    repo.write("staged.txt", "s");
    repo.git(&["add", "staged.txt"]);
    repo.write("old.txt", "changed")
        .write("untracked/deep.txt", "u")
        .write("noise.log", "ignored");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(0);
    let main = repo.git(&["rev-parse", "main"]).trim().to_owned();
    assert_eq!(
        report["base"], main,
        "manual compares with the merge-base of settings.base"
    );
    assert_eq!(report["target"], "worktree");
    assert_eq!(
        gate(&report, "list")["files"],
        serde_json::json!([
            "committed.txt",
            "old.txt",
            "staged.txt",
            "untracked/deep.txt"
        ])
    );
}

#[test]
fn deleted_files_select_gates_but_are_never_passed() {
    let repo = TestRepo::new();
    repo.config(
        "[gates.compile]\nrun = \"true\"\nfiles = [\"*.rs\"]\n[gates.lint]\nrun = \"true\"\nfiles = [\"*.rs\"]\npass_files = true\n",
    )
    .write("src/gone.rs", "x")
    .commit_all("base");
    repo.git(&["rm", "-q", "src/gone.rs"]);
    let (run, report) = repo.report(&["run", "pre-commit"]);
    run.expect_code(0);
    // Deleting a module can break the build: a whole-project gate still runs.
    assert_eq!(gate(&report, "compile")["status"], "passed");
    assert_eq!(gate(&report, "compile")["files"], serde_json::json!([]));
    assert_eq!(gate(&report, "lint")["status"], "skipped");
    assert_eq!(
        gate(&report, "lint")["reason"],
        "no matching files (only deletions)"
    );
}

#[test]
fn a_rename_passes_the_new_path_only() {
    let repo = TestRepo::new();
    repo.config(LIST)
        .write("before.txt", "content\n")
        .commit_all("base");
    repo.git(&["mv", "before.txt", "after.txt"]);
    assert_eq!(files_of(&repo, &["run", "pre-commit"]), ["after.txt"]);
}

#[test]
fn from_and_to_compare_two_commits() {
    let repo = TestRepo::new();
    repo.config(LIST).write("a.txt", "1").commit_all("one");
    let one = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write("b.txt", "2").commit_all("two");
    repo.write("c.txt", "3").commit_all("three");
    repo.write("dirty.txt", "not committed");
    let (run, report) = repo.report(&["run", "--from", &one, "--to", "HEAD~0"]);
    run.expect_code(0);
    assert_eq!(report["base"], one);
    assert_eq!(report["target"], repo.git(&["rev-parse", "HEAD"]).trim());
    assert_eq!(
        gate(&report, "list")["files"],
        serde_json::json!(["b.txt", "c.txt"])
    );

    let run = repo.run(&["run", "--from", "nope", "--to", "HEAD"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("cannot resolve `nope`") && run.stderr().contains("hint:"),
        "{}",
        run.stderr()
    );
}

#[test]
fn all_files_lists_every_tracked_file_present_in_the_worktree() {
    let repo = TestRepo::new();
    repo.config(LIST)
        .write("a.txt", "a")
        .write("b/c.txt", "c")
        .write("gone.txt", "g")
        .commit_all("base");
    std::fs::remove_file(repo.root().join("gone.txt")).unwrap();
    repo.write("untracked.txt", "u");
    assert_eq!(
        files_of(&repo, &["run", "--all-files"]),
        ["a.txt", "b/c.txt", "gates.toml"]
    );
}

#[test]
fn listed_files_are_relative_to_the_directory_given_with_c() {
    let repo = TestRepo::new();
    repo.config(LIST)
        .write("sub/a.txt", "a")
        .write("sub/b.txt", "b")
        .commit_all("base");
    let (run, report) = repo.report(&["-C", "sub", "run", "--files", "a.txt", "../sub/b.txt"]);
    run.expect_code(0);
    assert_eq!(
        gate(&report, "list")["files"],
        serde_json::json!(["sub/a.txt", "sub/b.txt"])
    );

    let run = repo.run(&["run", "--files", "missing.txt"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("missing.txt: no such file"),
        "{}",
        run.stderr()
    );
}

#[test]
fn ci_compares_head_with_its_merge_base() {
    let repo = TestRepo::new();
    repo.config(&format!("{LIST}on = [\"ci\"]\n"))
        .write("a.txt", "a")
        .commit_all("base");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("topic.txt", "t").commit_all("topic");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main-only.txt", "m").commit_all("main moves on");
    repo.git(&["checkout", "-q", "topic"]);
    let (run, report) = repo.report(&["ci", "--base", "main"]);
    run.expect_code(0);
    assert_eq!(report["trigger"], "ci");
    assert_eq!(report["base"], base);
    assert_eq!(
        gate(&report, "list")["files"],
        serde_json::json!(["topic.txt"])
    );

    let run = repo.run(&["ci", "--base", "origin/nowhere"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("hint: fetch the base branch"),
        "{}",
        run.stderr()
    );
}

#[test]
fn submodules_are_not_handed_to_gates_as_files() {
    let repo = TestRepo::new();
    let sub = repo.home().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let git = |dir: &std::path::Path, args: &[&str]| {
        let mut command = std::process::Command::new("git");
        repo.isolate(&mut command);
        assert!(
            command
                .current_dir(dir)
                .args(args)
                .status()
                .unwrap()
                .success()
        );
    };
    git(&sub, &["init", "-q", "-b", "main"]);
    std::fs::write(sub.join("f"), "f").unwrap();
    git(&sub, &["add", "f"]);
    git(&sub, &["commit", "-q", "-m", "sub"]);
    repo.config(LIST).write("a.txt", "a").commit_all("base");
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        sub.to_str().unwrap(),
        "vendored",
    ]);
    assert_eq!(files_of(&repo, &["run", "pre-commit"]), [".gitmodules"]);
}

#[test]
fn temporary_index_of_commit_a_is_the_target() {
    // `git commit -a` hands hooks GIT_INDEX_FILE: a copy of the index with the worktree's
    // changes added. That index, not .git/index, is judged.
    let repo = TestRepo::new();
    repo.config("[gates.list]\nrun = \"true\"\n[gates.any]\nrun = \"true\"\nfiles = [\"*\"]\npass_files = true\n")
        .write("a.txt", "1")
        .write("b.txt", "1")
        .commit_all("base");
    repo.write("a.txt", "2");
    let temp_index = repo.home().join("next-index");
    std::fs::copy(repo.root().join(".git/index"), &temp_index).unwrap();
    let mut command = std::process::Command::new("git");
    repo.isolate(&mut command);
    assert!(
        command
            .args(["add", "a.txt"])
            .env("GIT_INDEX_FILE", &temp_index)
            .status()
            .unwrap()
            .success()
    );
    let (_, report) = repo.report(&["run", "pre-commit"]);
    assert_eq!(
        gate(&report, "any")["status"],
        "skipped",
        "the real index has nothing staged"
    );
    let output = repo
        .backstop()
        .args(["run", "pre-commit", "--format", "json"])
        .env("GIT_INDEX_FILE", &temp_index)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        gate(&report, "any")["files"],
        serde_json::json!(["a.txt"]),
        "exactly the change, no phantom deletions"
    );
}

#[test]
fn listed_directories_expand_to_their_tracked_and_untracked_files() {
    let repo = TestRepo::new();
    repo.config("[gates.list]\nrun = \"true\"\n[gates.ts]\nrun = \"true\"\nfiles = [\"*.ts\"]\n")
        .write(".gitignore", "*.log\n")
        .write("web/a.ts", "a")
        .write("web/deep/b.ts", "b")
        .write("other.ts", "o")
        .commit_all("base");
    repo.write("web/new.ts", "n")
        .write("web/noise.log", "ignored");
    let (run, report) = repo.report(&["run", "--files", "web"]);
    run.expect_code(0);
    assert_eq!(
        gate(&report, "ts")["files"],
        serde_json::json!(["web/a.ts", "web/deep/b.ts", "web/new.ts"])
    );
    let (run, report) = repo.report(&["-C", "web", "run", "--files", "."]);
    run.expect_code(0);
    assert_eq!(
        gate(&report, "list")["files"],
        serde_json::json!(["web/a.ts", "web/deep/b.ts", "web/new.ts"])
    );
    let (_, report) = repo.report(&["run", "--files", "."]);
    let all = gate(&report, "list")["files"].as_array().unwrap().clone();
    assert!(
        all.iter().all(|f| !f.as_str().unwrap().is_empty()),
        "no empty path: {all:?}"
    );
    assert_eq!(all.len(), 6, "{all:?}");
}

#[test]
fn absolute_listed_paths_through_a_symlinked_directory_are_inside_the_worktree() {
    let repo = TestRepo::new();
    repo.config(LIST).write("a.txt", "a").commit_all("base");
    let link = repo.home().join("link");
    std::os::unix::fs::symlink(repo.root(), &link).unwrap();
    let typed = link.join("a.txt");
    let (run, report) = repo.report(&[
        "-C",
        link.to_str().unwrap(),
        "run",
        "--files",
        typed.to_str().unwrap(),
    ]);
    run.expect_code(0);
    assert_eq!(gate(&report, "list")["files"], serde_json::json!(["a.txt"]));
}

#[test]
fn cwd_written_with_dot_slash_matches_like_a_plain_one() {
    let repo = TestRepo::new();
    repo.config("[gates.web]\nrun = \"true\"\ncwd = \"./web/\"\nfiles = [\"*.ts\"]\n")
        .write("web/a.ts", "a");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(0);
    assert_eq!(gate(&report, "web")["files"], serde_json::json!(["a.ts"]));
}

#[test]
fn a_configured_base_that_does_not_resolve_is_warned_about() {
    let repo = TestRepo::new();
    repo.config(&format!("[settings]\nbase = \"mian\"\n{LIST}"))
        .commit_all("base");
    let run = repo.run(&["run"]);
    run.expect_code(0);
    assert!(
        run.stderr()
            .contains("settings.base `mian` does not resolve"),
        "{}",
        run.stderr()
    );
    // Nothing resolves (no remote, no other branch): every tracked file, and the run says why
    // (it never silently judges only uncommitted work).
    repo.config(LIST).commit_all("default base");
    let (run, report) = repo.report(&["run"]);
    assert!(
        run.stderr().contains("warning: no base to compare with")
            && run.stderr().contains("judging every tracked file"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        gate(&report, "list")["files"],
        serde_json::json!(["gates.toml"])
    );
    // With a local main beside the branch checked out, main is the base.
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("t.txt", "t").commit_all("on topic");
    let (run, report) = repo.report(&["run"]);
    assert!(
        run.stderr()
            .contains("comparing with `main` (a local branch)"),
        "{}",
        run.stderr()
    );
    assert_eq!(gate(&report, "list")["files"], serde_json::json!(["t.txt"]));
}

#[test]
fn a_cwd_gate_without_files_runs_only_for_changes_under_its_directory() {
    let repo = TestRepo::new();
    // The base is HEAD: only the uncommitted change is in question.
    repo.config("[settings]\nbase = \"HEAD\"\n[gates.web]\nrun = \"true\"\ncwd = \"web\"\n")
        .write("web/a.js", "a")
        .write("api/b.py", "b")
        .commit_all("base");
    repo.write("api/b.py", "changed");
    let (_, report) = repo.report(&["run", "--from", "HEAD", "--to", "HEAD"]);
    assert_eq!(
        gate(&report, "web")["status"],
        "passed",
        "an empty file set runs gates without files"
    );
    let (run, report) = repo.report(&["run"]);
    run.expect_code(0);
    assert_eq!(
        gate(&report, "web")["status"],
        "skipped",
        "a change outside web/ is not web's business"
    );
    repo.write("web/a.js", "changed");
    let (_, report) = repo.report(&["run"]);
    assert_eq!(gate(&report, "web")["files"], serde_json::json!(["a.js"]));
}

#[test]
fn a_listed_directory_whose_name_looks_like_a_glob_is_taken_literally() {
    let repo = TestRepo::new();
    repo.config(LIST)
        .write("[x]/tracked.py", "t")
        .write("x/other.py", "o")
        .commit_all("base");
    repo.write("[x]/untracked.py", "u");
    let (run, report) = repo.report(&["run", "--files", "[x]"]);
    run.expect_code(0);
    assert_eq!(
        gate(&report, "list")["files"],
        serde_json::json!(["[x]/tracked.py", "[x]/untracked.py"])
    );
}
