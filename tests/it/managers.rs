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

// The review of issue 13: what git really runs (husky's stub and the script beside it, in each
// worktree), wiring read as the manager reads it, and refusals where wiring would misfire.

/// husky 9.1.7's `.husky/_/h`, as `npx husky` writes it.
const HUSKY_H: &str = "#!/usr/bin/env sh\n[ \"$HUSKY\" = \"2\" ] && set -x\nn=$(basename \"$0\")\ns=$(dirname \"$(dirname \"$0\")\")/$n\n\n[ ! -f \"$s\" ] && exit 0\n\ni=\"${XDG_CONFIG_HOME:-$HOME/.config}/husky/init.sh\"\n[ -f \"$i\" ] && . \"$i\"\n\n[ \"${HUSKY-}\" = \"0\" ] && exit 0\n\nexport PATH=\"node_modules/.bin:$PATH\"\nsh -e \"$s\" \"$@\"\nc=$?\n\n[ $c != 0 ] && echo \"husky - $n script failed (code $c)\"\n[ $c = 127 ] && echo \"husky - command not found in PATH=$PATH\"\nexit $c\n";

/// What `npx husky <dir>` does: `<dir>/_` with `h`, a stub per hook and a `.gitignore` of `*`,
/// and core.hooksPath pointing there.
fn husky_install(repo: &TestRepo, dir: &std::path::Path, hooks_path: &str) {
    let underscore = dir.join("_");
    std::fs::create_dir_all(&underscore).unwrap();
    std::fs::write(underscore.join(".gitignore"), "*\n").unwrap();
    std::fs::write(underscore.join("h"), HUSKY_H).unwrap();
    for hook in ["pre-commit", "pre-push", "commit-msg"] {
        let stub = underscore.join(hook);
        std::fs::write(&stub, "#!/usr/bin/env sh\n. \"$(dirname \"$0\")/h\"").unwrap();
        std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(underscore.join("h"), std::fs::Permissions::from_mode(0o755)).unwrap();
    repo.git(&["config", "core.hooksPath", hooks_path]);
}

fn backstop_in(repo: &TestRepo, dir: &std::path::Path, args: &[&str]) -> (String, String) {
    let out = repo
        .backstop()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn husky_in_a_linked_worktree_without_its_hooks_is_said_on_every_run() {
    let repo = TestRepo::new();
    repo.config(GATES)
        .write("package.json", "{\"scripts\": {\"prepare\": \"husky\"}}")
        .write(".husky/pre-commit", "backstop hook git pre-commit\n")
        .commit_all("base");
    husky_install(&repo, &repo.root().join(".husky"), ".husky/_");
    // install refuses husky, and still remembers the hook it was asked for.
    repo.run(&["install", "--git"]).expect_code(2);
    let doctor = repo.run(&["doctor"]);
    assert!(
        doctor.stdout().contains(
            "pre-commit: runs backstop (husky runs .husky/pre-commit, which calls backstop)"
        ),
        "{}",
        doctor.stdout()
    );
    // A linked worktree: .husky/_ is git-ignored, so git finds no hook there at all.
    repo.git(&["worktree", "add", "-q", "../wt"]);
    let wt = repo.root().parent().unwrap().join("wt");
    let (_, stderr) = backstop_in(&repo, &wt, &["run"]);
    assert!(
        stderr.contains("warning: the git pre-commit hook no longer runs backstop")
            && stderr.contains("husky has not installed its hooks in this worktree"),
        "{stderr}"
    );
    let (stdout, _) = backstop_in(&repo, &wt, &["doctor"]);
    assert!(
        stdout.contains("pre-commit: does NOT run backstop"),
        "{stdout}"
    );
    // The line that calls backstop gone: said in the main worktree too.
    repo.write(".husky/pre-commit", "npx lint-staged\n");
    let run = repo.run(&["run"]);
    assert!(
        run.stderr()
            .contains("warning: the git pre-commit hook no longer runs backstop"),
        "{}",
        run.stderr()
    );
}

#[test]
fn husky_in_a_subfolder_is_read_beside_its_hooks_directory() {
    let repo = TestRepo::new();
    repo.config(GATES)
        .write(
            "frontend/package.json",
            "{\"scripts\": {\"prepare\": \"cd .. && husky frontend/.husky\"}}",
        )
        .write(
            "frontend/.husky/pre-commit",
            "backstop hook git pre-commit\n",
        )
        .commit_all("base");
    husky_install(
        &repo,
        &repo.root().join("frontend/.husky"),
        "frontend/.husky/_",
    );
    let run = repo.run(&["install", "--git"]);
    run.expect_code(2);
    assert!(
        run.stderr()
            .contains("`backstop hook git pre-commit` to frontend/.husky/pre-commit"),
        "{}",
        run.stderr()
    );
    let doctor = repo.run(&["doctor"]);
    assert!(
        doctor.stdout().contains(
            "pre-commit: runs backstop (husky runs frontend/.husky/pre-commit, which calls backstop)"
        ),
        "{}",
        doctor.stdout()
    );
    let run = repo.run(&["run"]);
    assert!(
        !run.stderr()
            .contains("pre-commit hook no longer runs backstop"),
        "{}",
        run.stderr()
    );
}

#[test]
fn wiring_that_is_commented_out_or_swallowed_does_not_count() {
    let repo = TestRepo::new();
    repo.config(GATES)
        .write("lefthook.yml", LEFTHOOK)
        .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    let hooks = repo.root().join(".git/hooks");
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
    let wired = String::from_utf8(repo.read("lefthook.yml")).unwrap();
    let commented: String = wired
        .lines()
        .map(|l| {
            if l.contains("backstop") {
                format!("#{l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let skipped = wired.replace(
        "run: backstop hook git pre-commit",
        "run: backstop hook git pre-commit\n      skip: true",
    );
    assert_ne!(skipped, wired);
    for config in [commented.as_str(), skipped.as_str()] {
        repo.write("lefthook.yml", config);
        let doctor = repo.run(&["doctor"]);
        assert!(
            doctor
                .stdout()
                .contains("pre-commit: does NOT run backstop"),
            "{config}\n{}",
            doctor.stdout()
        );
    }
    // husky scripts that never let backstop block.
    let repo = TestRepo::new();
    repo.config(GATES)
        .write(".husky/pre-commit", "backstop hook git pre-commit\n")
        .commit_all("base");
    husky_install(&repo, &repo.root().join(".husky"), ".husky/_");
    repo.run(&["install", "--git"]).expect_code(2);
    for script in [
        "# backstop hook git pre-commit\nexit 0\n",
        "backstop hook git pre-commit || true\n",
        "exit 0\nbackstop hook git pre-commit\n",
    ] {
        repo.write(".husky/pre-commit", script);
        let doctor = repo.run(&["doctor"]);
        assert!(
            doctor
                .stdout()
                .contains("pre-commit: does NOT run backstop"),
            "{script:?}\n{}",
            doctor.stdout()
        );
    }
}

#[test]
fn lefthook_running_a_fixer_in_parallel_is_refused_with_the_lines_that_run_backstop_after_it() {
    let repo = TestRepo::new();
    let parallel = "pre-commit:\n  parallel: true\n  commands:\n    fmt:\n      glob: \"*.txt\"\n      run: sed -i s/x/X/ {staged_files}\n      stage_fixed: true\n";
    repo.config(GATES)
        .write("lefthook.yml", parallel)
        .commit_all("base");
    let run = repo.run(&["install", "--git"]);
    run.expect_code(2);
    for needle in [
        "parallel: true",
        "`fmt`",
        "piped: true",
        "backstop hook git pre-commit",
    ] {
        assert!(run.stderr().contains(needle), "{needle}: {}", run.stderr());
    }
    assert_eq!(repo.read("lefthook.yml"), parallel.as_bytes(), "left alone");
    // The YAML it prints is what lefthook reads: backstop after a parallel group.
    let yaml: String = run
        .stderr()
        .lines()
        .skip_while(|l| !l.starts_with("pre-commit:"))
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.to_owned() + "\n")
        .collect();
    let parsed: serde_yaml_ng::Value = serde_yaml_ng::from_str(&yaml).unwrap();
    let jobs = parsed["pre-commit"]["jobs"].as_sequence().unwrap();
    assert_eq!(
        parsed["pre-commit"]["piped"].as_bool(),
        Some(true),
        "{yaml}"
    );
    assert!(
        jobs[0]["group"]["parallel"].as_bool() == Some(true),
        "{yaml}"
    );
    assert_eq!(
        jobs.last().unwrap()["run"].as_str(),
        Some("backstop hook git pre-commit"),
        "{yaml}"
    );
    // Written as printed, install finds it wired.
    repo.write("lefthook.yml", &yaml);
    let again = repo.run(&["install", "--git"]);
    again.expect_code(0);
}

#[test]
fn pre_commit_config_with_a_document_marker_and_its_own_hook_types() {
    let repo = TestRepo::new();
    let config = "---\n# hooks of this project\ndefault_install_hook_types: [pre-commit]\nrepos:\n- repo: local\n  hooks:\n  - id: hello\n    name: hello\n    entry: \"true\"\n    language: system\n";
    repo.config(&format!(
        "{GATES}[gates.push]\nrun = \"true\"\non = [\"pre-push\"]\n"
    ))
    .write(".pre-commit-config.yaml", config)
    .commit_all("base");
    let run = repo.run(&["install", "--git"]);
    run.expect_code(0);
    let text = String::from_utf8(repo.read(".pre-commit-config.yaml")).unwrap();
    assert!(text.starts_with("---\n# hooks of this project\n"), "{text}");
    let parsed: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let types: Vec<&str> = parsed["default_install_hook_types"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    for hook in ["pre-commit", "pre-push", "commit-msg"] {
        assert!(types.contains(&hook), "{types:?}\n{text}");
    }
    repo.run(&["uninstall", "--git"]).expect_code(0);
    assert_eq!(
        String::from_utf8(repo.read(".pre-commit-config.yaml")).unwrap(),
        config
    );
}

#[test]
fn uninstall_gives_a_crlf_config_without_a_final_newline_back_byte_for_byte() {
    let repo = TestRepo::new();
    let config =
        "# lefthook config\r\npre-commit:\r\n  commands:\r\n    hello:\r\n      run: echo hello";
    repo.config(GATES)
        .write("lefthook.yml", config)
        .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    let wired = String::from_utf8(repo.read("lefthook.yml")).unwrap();
    assert!(
        wired.contains("backstop hook git pre-commit\r\n"),
        "{wired:?}"
    );
    assert!(!wired.replace("\r\n", "").contains('\n'), "{wired:?}");
    repo.run(&["uninstall", "--git"]).expect_code(0);
    assert_eq!(repo.read("lefthook.yml"), config.as_bytes());
}

#[test]
fn an_unchanged_run_does_not_ask_git_where_the_hooks_are_again() {
    let repo = TestRepo::new();
    repo.config(&format!("[settings]\nbase = \"main\"\n{GATES}"))
        .write("a.txt", "a\n")
        .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    // A git on PATH that logs its arguments before running the real one.
    let real_git = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let bin = repo.home().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = repo.home().join("git.log");
    std::fs::write(
        bin.join("git"),
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real_git.trim()
        ),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("git"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |expect_query: bool| {
        let _ = std::fs::remove_file(&log);
        let out = repo
            .backstop()
            .arg("run")
            .env("PATH", &path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        assert_eq!(
            logged.contains("--git-path hooks"),
            expect_query,
            "expected a hooks-dir query: {expect_query}; git calls:\n{logged}"
        );
    };
    run(true);
    run(false);
    run(false);
    // The hook changed: checked again, and said.
    std::fs::write(
        repo.root().join(".git/hooks/pre-commit"),
        "#!/bin/sh\nexit 0\n",
    )
    .unwrap();
    run(true);
}

#[test]
fn a_git_hook_on_a_terminal_prints_plain_lines_not_an_animation() {
    // lefthook runs hooks on a pseudo-terminal and replays it after the commit: a spinner's
    // every frame would be printed. `script` gives the hook a terminal the same way.
    let repo = TestRepo::new();
    repo.config("[gates.zz-slow-gate]\nrun = \"sleep 1.5\"\n")
        .write("a.txt", "a\n")
        .commit_all("base");
    repo.write("b.txt", "b\n");
    repo.git(&["add", "b.txt"]);
    let binary = assert_cmd::cargo::cargo_bin("backstop");
    let mut command = std::process::Command::new("script");
    repo.isolate(&mut command);
    let run = command
        .args(["-qec"])
        .arg(format!("'{}' hook git pre-commit", binary.display()))
        .arg("/dev/null")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{shown}");
    let times = shown.matches("zz-slow-gate").count();
    assert!(
        (1..=2).contains(&times),
        "the gate is shown {times} times (a spinner's frames):\n{shown:?}"
    );
}

#[test]
fn uninstall_removes_backstops_hook_a_manager_kept_aside() {
    let repo = TestRepo::new();
    repo.config(GATES).write("a.txt", "a\n").commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    // lefthook's install keeps an existing hook as `.old` (and its uninstall puts it back).
    let hooks = repo.root().join(".git/hooks");
    std::fs::rename(hooks.join("pre-commit"), hooks.join("pre-commit.old")).unwrap();
    std::fs::write(
        hooks.join("pre-commit"),
        "#!/bin/sh\n# lefthook shim\nlefthook run pre-commit \"$@\"\n",
    )
    .unwrap();
    repo.run(&["uninstall", "--git"]).expect_code(0);
    assert!(
        !hooks.join("pre-commit.old").exists(),
        "backstop's hook is still kept as pre-commit.old"
    );
    assert!(
        hooks.join("pre-commit").exists(),
        "lefthook's own hook stays"
    );
}

#[test]
fn the_index_changing_while_the_gates_run_is_not_blamed_on_a_gate_alone() {
    // lefthook's parallel jobs stage beside backstop; a process writing .git/index by its path
    // stands in for them here (the gates themselves get a copy through GIT_INDEX_FILE).
    let repo = TestRepo::new();
    repo.config(
        "[gates.stager]\nrun = \"echo x > extra.txt && GIT_INDEX_FILE=\\\"$(git rev-parse --absolute-git-dir)/index\\\" git add extra.txt\"\n",
    )
    .write("a.txt", "a\n")
    .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    repo.write("b.txt", "b\n");
    repo.git(&["add", "b.txt"]);
    let out = repo.git_output(&["commit", "-q", "-m", "b"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("changed while the gates ran") && stderr.contains("another process"),
        "{stderr}"
    );
}
