//! The hook managers themselves, for real: lefthook 1.11.13 and husky 9.1.7 from npm
//! (`tools/package.json`), pre-commit 4.7.0 from `PyPI`. Whether backstop still runs is what git
//! really executes: husky in a linked worktree or a subfolder, wiring that is commented out or
//! whose failure is swallowed, lefthook running jobs in parallel with a fixer that stages, a
//! pre-commit config with a document marker and its own hook types, shims a manager kept aside.

use std::path::Path;

use crate::repo::{Real, holds, text};

/// A gate that fails on a `BAD` line in a `.txt` file, on commits (and pushes).
const GATES: &str = "[settings]\nbase = \"main\"\n\n[gates.no-bad]\nrun = \"! grep -Hn BAD\"\nfiles = [\"*.txt\"]\npass_files = true\n";

/// A repository with gates.toml and a first commit (made past any hook).
fn repository(name: &'static str, gates: &str) -> Real {
    let real = Real::empty(name);
    real.write("gates.toml", gates);
    real.write("a.txt", "fine\n");
    real.ok("git add -A && git commit -q --no-verify -m base");
    real
}

/// Stages `path` with `content` and commits; returns (committed, output).
fn commit_file(real: &Real, dir: &Path, path: &str, content: &str) -> (bool, String) {
    std::fs::write(dir.join(path), content).unwrap();
    let out = real
        .command("sh")
        .current_dir(dir)
        .args([
            "-c",
            &format!("git add {path} && git commit -q -m 'add {path}'"),
        ])
        .output()
        .unwrap();
    (out.status.success(), text(&out))
}

fn backstop_in(real: &Real, dir: &Path, args: &[&str]) -> String {
    let out = real
        .command(env!("CARGO_BIN_EXE_backstop"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    text(&out)
}

#[test]
#[ignore = "needs npm (husky); run by .ci/run"]
fn husky_in_a_linked_worktree_is_said_until_husky_has_run_there() {
    let real = repository("husky-worktree", GATES);
    real.write(
        "package.json",
        "{\"name\": \"x\", \"private\": true, \"scripts\": {\"prepare\": \"husky\"}}\n",
    );
    real.ok("husky");
    // install refuses, says what to add, and remembers the hook it was asked for.
    let install = real.backstop(&["install", "--git"]);
    assert_eq!(install.status.code(), Some(2), "{}", text(&install));
    holds(
        &text(&install),
        &["`backstop hook git pre-commit` to .husky/pre-commit"],
    );
    real.write(".husky/pre-commit", "backstop hook git pre-commit\n");
    real.ok("git add -A && git commit -q --no-verify -m husky");
    let root = real.root();
    let (committed, out) = commit_file(&real, &root, "bad.txt", "BAD\n");
    assert!(!committed, "husky ran backstop here: {out}");
    real.ok("git rm -q --cached bad.txt && rm bad.txt");

    // A linked worktree has no .husky/_ (git-ignored) until husky runs there: git runs no hook.
    real.ok("git worktree add -q ../wt");
    let wt = real.place().join("wt");
    let run = backstop_in(&real, &wt, &["run"]);
    holds(
        &run,
        &[
            "warning: the git pre-commit hook no longer runs backstop",
            ".husky/_/pre-commit",
        ],
    );
    let doctor = backstop_in(&real, &wt, &["doctor"]);
    holds(&doctor, &["pre-commit: does NOT run backstop", "husky"]);
    let (committed, out) = commit_file(&real, &wt, "bad.txt", "BAD\n");
    assert!(committed, "git ran a hook after all: {out}");

    // husky run in the worktree: its hooks are back, and so is backstop.
    let out = real.command("husky").current_dir(&wt).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let doctor = backstop_in(&real, &wt, &["doctor"]);
    holds(&doctor, &["pre-commit: runs backstop"]);
    let (committed, out) = commit_file(&real, &wt, "bad2.txt", "BAD\n");
    assert!(
        !committed,
        "husky did not run backstop in the worktree: {out}"
    );
}

#[test]
#[ignore = "needs npm (husky); run by .ci/run"]
fn husky_in_a_subfolder_runs_the_scripts_beside_its_hooks() {
    let real = repository("husky-subfolder", GATES);
    std::fs::create_dir_all(real.root().join("frontend")).unwrap();
    real.write(
        "frontend/package.json",
        "{\"name\": \"x\", \"private\": true, \"scripts\": {\"prepare\": \"cd .. && husky frontend/.husky\"}}\n",
    );
    real.ok("husky frontend/.husky");
    let install = real.backstop(&["install", "--git"]);
    assert_eq!(install.status.code(), Some(2), "{}", text(&install));
    holds(
        &text(&install),
        &["`backstop hook git pre-commit` to frontend/.husky/pre-commit"],
    );
    real.write(
        "frontend/.husky/pre-commit",
        "backstop hook git pre-commit\n",
    );
    real.ok("git add -A && git commit -q --no-verify -m husky");
    let doctor = text(&real.backstop(&["doctor"]));
    holds(
        &doctor,
        &[
            "pre-commit: runs backstop (husky runs frontend/.husky/pre-commit, which calls backstop)",
        ],
    );
    holds(&doctor, &["hook manager: husky (frontend/.husky/)"]);
    let root = real.root();
    let (committed, out) = commit_file(&real, &root, "bad.txt", "BAD\n");
    assert!(!committed, "husky did not run backstop: {out}");
}

#[test]
#[ignore = "needs npm (husky); run by .ci/run"]
fn a_husky_script_that_never_lets_backstop_block_is_not_wiring() {
    let real = repository("husky-swallowed", GATES);
    real.ok("husky");
    let _ = real.backstop(&["install", "--git"]);
    let root = real.root();
    for (n, script) in [
        "# backstop hook git pre-commit\nexit 0\n",
        "backstop hook git pre-commit || true\n",
        "exit 0\nbackstop hook git pre-commit\n",
    ]
    .iter()
    .enumerate()
    {
        real.write(".husky/pre-commit", script);
        let doctor = text(&real.backstop(&["doctor"]));
        holds(&doctor, &["pre-commit: does NOT run backstop"]);
        let run = text(&real.backstop(&["run"]));
        holds(
            &run,
            &["warning: the git pre-commit hook no longer runs backstop"],
        );
        // And it is so: git commits the failure.
        let (committed, out) = commit_file(&real, &root, &format!("bad{n}.txt"), "BAD\n");
        assert!(committed, "{script:?} blocked after all: {out}");
    }
    real.write(
        ".husky/pre-commit",
        "backstop hook git pre-commit && echo done\n",
    );
    let doctor = text(&real.backstop(&["doctor"]));
    holds(&doctor, &["pre-commit: runs backstop"]);
    let (committed, out) = commit_file(&real, &root, "bad9.txt", "BAD\n");
    assert!(!committed, "{out}");
}

const LEFTHOOK: &str = "pre-commit:\n  commands:\n    hello:\n      run: echo hello\n";

#[test]
#[ignore = "needs npm (lefthook); run by .ci/run"]
fn lefthook_wiring_that_is_commented_out_or_skipped_is_not_wiring() {
    let real = repository("lefthook-skipped", GATES);
    real.write("lefthook.yml", LEFTHOOK);
    real.ok("lefthook install");
    let install = real.backstop(&["install", "--git"]);
    assert!(install.status.success(), "{}", text(&install));
    real.ok("git add -A && git commit -q --no-verify -m wired");
    let wired = real.read("lefthook.yml");
    let root = real.root();
    let (committed, out) = commit_file(&real, &root, "bad.txt", "BAD\n");
    assert!(!committed, "{out}");
    real.ok("git rm -q --cached bad.txt && rm bad.txt");

    // The pre-commit entry commented out (its two lines), the rest as install wrote it.
    let entry =
        "    backstop: # added by backstop install\n      run: backstop hook git pre-commit\n";
    assert!(wired.contains(entry), "{wired}");
    let commented = wired.replace(
        entry,
        "#    backstop: # added by backstop install\n#      run: backstop hook git pre-commit\n",
    );
    let skipped = wired.replace(
        "run: backstop hook git pre-commit",
        "run: backstop hook git pre-commit\n      skip: true",
    );
    for (n, (file, config)) in [
        ("lefthook.yml", commented.as_str()),
        ("lefthook.yml", skipped.as_str()),
        (
            "lefthook-local.yml",
            "pre-commit:\n  commands:\n    backstop:\n      skip: true\n",
        ),
        ("lefthook-local.yml", "pre-commit:\n  skip: true\n"),
    ]
    .iter()
    .enumerate()
    {
        real.write("lefthook.yml", &wired);
        let _ = std::fs::remove_file(real.root().join("lefthook-local.yml"));
        real.write(file, config);
        let doctor = text(&real.backstop(&["doctor"]));
        holds(&doctor, &["pre-commit: does NOT run backstop"]);
        let (committed, out) = commit_file(&real, &root, &format!("bad{n}.txt"), "BAD\n");
        assert!(committed, "{file}: {config:?} blocked after all: {out}");
    }
}

#[test]
#[ignore = "needs npm (lefthook); run by .ci/run"]
fn lefthook_running_a_fixer_in_parallel_is_refused_with_the_lines_that_run_backstop_after_it() {
    let real = repository("lefthook-parallel", GATES);
    let parallel = "pre-commit:\n  parallel: true\n  commands:\n    fmt:\n      glob: \"*.txt\"\n      run: sed -i s/x/X/ {staged_files}\n      stage_fixed: true\n";
    real.write("lefthook.yml", parallel);
    real.ok("lefthook install");
    let install = real.backstop(&["install", "--git"]);
    assert_eq!(install.status.code(), Some(2), "{}", text(&install));
    holds(
        &text(&install),
        &[
            "parallel",
            "fmt",
            "piped: true",
            "backstop hook git pre-commit",
        ],
    );
    assert_eq!(real.read("lefthook.yml"), parallel, "left alone");
    // The lines install printed: the others in a parallel group, backstop after them.
    let message = text(&install);
    let yaml: String = message
        .lines()
        .skip_while(|l| !l.starts_with("pre-commit:"))
        .take_while(|l| !l.starts_with("hint:") && !l.is_empty())
        .map(|l| l.to_owned() + "\n")
        .collect();
    assert!(yaml.contains("backstop"), "{message}");
    real.write("lefthook.yml", &yaml);
    real.ok("lefthook install && git add -A && git commit -q --no-verify -m wired");
    let root = real.root();
    let (committed, out) = commit_file(&real, &root, "b.txt", "xyz\n");
    assert!(
        committed,
        "the fixer's staging was blamed on backstop: {out}"
    );
    assert_eq!(
        real.ok("git show HEAD:b.txt"),
        "Xyz\n",
        "the fixer's staging is kept"
    );
    let (committed, out) = commit_file(&real, &root, "bad.txt", "BAD\n");
    assert!(!committed, "{out}");
    holds(&out, &["no-bad"]);
}

#[test]
#[ignore = "needs npm (lefthook); run by .ci/run"]
fn under_lefthook_the_gates_are_plain_lines_not_an_animation() {
    let real = repository(
        "lefthook-display",
        "[gates.zz-slow-gate]\nrun = \"sleep 2\"\n",
    );
    real.write("lefthook.yml", LEFTHOOK);
    real.ok("lefthook install");
    real.ok("backstop install --git && git add -A && git commit -q --no-verify -m wired");
    let root = real.root();
    let (committed, out) = commit_file(&real, &root, "b.txt", "b\n");
    assert!(committed, "{out}");
    let shown = out.matches("zz-slow-gate").count();
    assert!(
        (1..=3).contains(&shown),
        "the gate is shown {shown} times (a spinner's frames replayed):\n{out}"
    );
}

#[test]
#[ignore = "needs npm (lefthook); run by .ci/run"]
fn uninstall_removes_backstops_hook_that_lefthook_kept_aside() {
    let real = repository("lefthook-old", GATES);
    real.ok("backstop install --git");
    real.write("lefthook.yml", LEFTHOOK);
    real.ok("lefthook install");
    assert!(real.root().join(".git/hooks/pre-commit.old").exists());
    real.ok("backstop uninstall --git");
    assert!(
        !real.root().join(".git/hooks/pre-commit.old").exists(),
        "backstop's hook is still kept as pre-commit.old"
    );
    // lefthook's uninstall would put a kept hook back; nothing of backstop's comes back.
    real.ok("lefthook uninstall && git rm -q gates.toml && git commit -q -m 'no gates'");
    let root = real.root();
    let (committed, out) = commit_file(&real, &root, "b.txt", "b\n");
    assert!(committed, "{out}");
}

#[test]
#[ignore = "needs pre-commit from PyPI; run by .ci/run"]
fn pre_commit_config_with_a_document_marker_and_its_own_hook_types() {
    let gates = format!(
        "{GATES}\n[gates.push-bad]\nrun = \"! grep -Hn PUSHBAD\"\nfiles = [\"*.txt\"]\npass_files = true\non = [\"pre-push\"]\n"
    );
    let real = repository("pre-commit-marker", &gates);
    let config = "---\n# hooks of this project\ndefault_install_hook_types: [pre-commit]\nrepos:\n- repo: local\n  hooks:\n  - id: hello\n    name: hello\n    entry: \"true\"\n    language: system\n";
    real.write(".pre-commit-config.yaml", config);
    real.ok("git add -A && git commit -q --no-verify -m pre-commit");
    let install = real.backstop(&["install", "--git"]);
    assert!(install.status.success(), "{}", text(&install));
    // pre-commit's own install (no --hook-type) installs what the config lists: pre-push too.
    real.ok("git add -A && git commit -q --no-verify -m wired && pre-commit install");
    assert!(
        real.root().join(".git/hooks/pre-push").exists(),
        "pre-commit install did not install pre-push:\n{}",
        real.read(".pre-commit-config.yaml")
    );
    let root = real.root();
    let (committed, out) = commit_file(&real, &root, "bad.txt", "BAD\n");
    assert!(!committed, "{out}");
    let doctor = text(&real.backstop(&["doctor"]));
    holds(
        &doctor,
        &["pre-commit: runs backstop", "pre-push: runs backstop"],
    );
    real.ok("backstop uninstall --git");
    assert_eq!(
        real.read(".pre-commit-config.yaml"),
        config,
        "uninstall gives it back"
    );
}
