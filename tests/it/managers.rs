//! Living with other hook managers (issue 13): backstop wired through lefthook's and
//! pre-commit's own configs, husky refused with the lines to add, uninstall giving the configs
//! back byte for byte, and every run saying when the git hooks no longer reach backstop.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;

use crate::support::TestRepo;

const GATES: &str =
    "[gates.ok]\nrun = \"true\"\n[gates.msg]\nrun = \"true\"\non = [\"commit-msg\"]\n";

const LEFTHOOK: &str = "# lefthook config\npre-commit:\n  commands:\n    lint-staged:\n      run: npx --no-install lint-staged\n\ncommit-msg:\n  commands:\n    commitlint:\n      run: npx --no-install commitlint --edit {1}\n";

#[test]
fn lefthook_runs_backstop_from_its_own_config_and_uninstall_gives_the_file_back() {
    let repo = TestRepo::new();
    repo.config(GATES)
        .write("lefthook.yml", LEFTHOOK)
        .commit_all("base");
    let run = repo.run(&["install", "--git"]);
    run.expect_code(0);
    assert!(
        run.stdout()
            .contains("lefthook: added backstop to lefthook.yml"),
        "{}",
        run.stdout()
    );
    let text = String::from_utf8(repo.read("lefthook.yml")).unwrap();
    assert!(text.contains("run: backstop hook git pre-commit"), "{text}");
    assert!(
        text.contains("run: backstop hook git commit-msg {1}"),
        "{text}"
    );
    assert!(
        text.starts_with("# lefthook config\n"),
        "comments are kept: {text}"
    );
    // lefthook's reinstall replaces backstop's shim with its own (and renames ours .old):
    // backstop still runs, because lefthook's config calls it.
    let hooks = repo.root().join(".git/hooks");
    std::fs::rename(hooks.join("pre-commit"), hooks.join("pre-commit.old")).unwrap();
    std::fs::write(
        hooks.join("pre-commit"),
        "#!/bin/sh\n# lefthook shim\nlefthook run pre-commit \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(
        hooks.join("pre-commit"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let doctor = repo.run(&["doctor"]);
    assert!(
        doctor.stdout().contains("pre-commit: runs backstop (.git/hooks/pre-commit is lefthook's, and its config runs backstop)"),
        "{}",
        doctor.stdout()
    );
    let again = repo.run(&["install", "--git"]);
    again.expect_code(0);
    assert!(
        again.stdout().contains("already runs backstop"),
        "{}",
        again.stdout()
    );
    assert_eq!(
        repo.read("lefthook.yml"),
        text.as_bytes(),
        "a second install changes nothing"
    );
    repo.run(&["uninstall", "--git"]).expect_code(0);
    assert_eq!(
        String::from_utf8(repo.read("lefthook.yml")).unwrap(),
        LEFTHOOK
    );
}

#[test]
fn a_hook_taken_over_by_another_tool_is_said_on_every_run_and_by_doctor() {
    let repo = TestRepo::new();
    repo.config(&format!("[settings]\nbase = \"main\"\n{GATES}"))
        .write("a.txt", "a\n")
        .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    repo.run(&["doctor"]).expect_code(0);
    let hooks = repo.root().join(".git/hooks");
    std::fs::rename(hooks.join("pre-commit"), hooks.join("pre-commit.old")).unwrap();
    std::fs::write(
        hooks.join("pre-commit"),
        "#!/bin/sh\n# lefthook shim\nexit 0\n",
    )
    .unwrap();
    std::fs::set_permissions(
        hooks.join("pre-commit"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let run = repo.run(&["run"]);
    assert!(
        run.stderr()
            .contains("warning: the git pre-commit hook no longer runs backstop"),
        "{}",
        run.stderr()
    );
    let doctor = repo.run(&["doctor"]);
    doctor.expect_code(1);
    assert!(
        doctor
            .stdout()
            .contains("pre-commit: does NOT run backstop"),
        "{}",
        doctor.stdout()
    );
    assert!(doctor.stdout().contains("to fix:"), "{}", doctor.stdout());
    // The Stop hook tells the person too (Claude's systemMessage), even when every gate passes.
    let mut child = repo
        .backstop()
        .args(["hook", "claude", "stop"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            serde_json::json!({"session_id": "s", "cwd": repo.root()})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("systemMessage") && text.contains("no longer runs backstop"),
        "{text}"
    );
}

#[test]
fn pre_commit_gets_a_local_hook_and_backstop_leaves_its_hooks_to_pre_commit() {
    let repo = TestRepo::new();
    let config = "repos:\n- repo: https://github.com/pre-commit/pre-commit-hooks\n  rev: v6.0.0\n  hooks:\n  - id: trailing-whitespace\n";
    repo.config(GATES)
        .write(".pre-commit-config.yaml", config)
        .commit_all("base");
    let run = repo.run(&["install", "--git"]);
    run.expect_code(0);
    assert!(
        run.stdout()
            .contains("run `pre-commit install --hook-type pre-commit"),
        "{}",
        run.stdout()
    );
    assert!(!repo.root().join(".git/hooks/pre-commit").exists());
    let text = String::from_utf8(repo.read(".pre-commit-config.yaml")).unwrap();
    assert!(
        text.contains("- repo: local # added by backstop install"),
        "{text}"
    );
    assert!(
        text.contains("entry: backstop hook git commit-msg"),
        "{text}"
    );
    repo.run(&["uninstall", "--git"]).expect_code(0);
    assert_eq!(
        String::from_utf8(repo.read(".pre-commit-config.yaml")).unwrap(),
        config
    );
}

#[test]
fn husky_is_refused_before_npm_install_sets_its_hooks_path() {
    let repo = TestRepo::new();
    repo.config(GATES)
        .write("package.json", "{\"scripts\": {\"prepare\": \"husky\"}}")
        .write(".husky/pre-commit", "lint-staged\n")
        .commit_all("base");
    let run = repo.run(&["install", "--git"]);
    run.expect_code(2);
    assert!(
        run.stderr()
            .contains("husky will run this repository's hooks"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("`backstop hook git pre-commit` to .husky/pre-commit"),
        "{}",
        run.stderr()
    );
}

#[test]
fn pre_push_through_pre_commit_reads_the_range_from_its_environment() {
    let repo = TestRepo::new();
    repo.config("[gates.no-bad]\nrun = \"! grep -Hn BAD\"\nfiles = [\"*.txt\"]\npass_files = true\non = [\"pre-push\"]\n")
        .write("a.txt", "fine\n")
        .commit_all("base");
    let from = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write("b.txt", "BAD\n").commit_all("pushed");
    let to = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let output = repo
        .backstop()
        .args(["hook", "git", "pre-push", "origin", "/nowhere"])
        .env("PRE_COMMIT_FROM_REF", &from)
        .env("PRE_COMMIT_TO_REF", &to)
        .env("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/main")
        .env("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("b.txt:1: BAD"), "{stdout}");
}
