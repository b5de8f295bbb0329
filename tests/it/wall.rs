//! The wall (issue 14): whatever a commit does to gates.toml, attributes, file names or refs, a
//! gate that would fail on it still fails; reads of gates.toml and hook payloads are bounded;
//! restoring set-aside work never touches a user's file; errors say what is wrong. Every test
//! runs the real binary (through `git commit`, `git push`, agent hooks and `backstop ci`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Run, TestRepo, gate};

/// Fails when a passed `*.txt` file contains BAD.
const NO_BAD: &str =
    "[gates.no-bad]\nrun = \"! grep -n BAD\"\nfiles = [\"*.txt\"]\npass_files = true\n";

/// The base every weakening is measured against: the no-bad gate, parallel jobs, protection.
fn base_config() -> String {
    format!("[settings]\nbase = \"main\"\njobs = 4\n\n{NO_BAD}\n[protect]\n")
}

fn git_command(repo: &TestRepo, args: &[&str]) -> Command {
    let mut command = Command::new("git");
    repo.isolate(&mut command);
    command.args(args).stdin(Stdio::null());
    command
}

fn git_out(repo: &TestRepo, args: &[&str]) -> Output {
    git_command(repo, args).output().unwrap()
}

fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn head(repo: &TestRepo) -> String {
    repo.git(&["rev-parse", "HEAD"]).trim().to_owned()
}

fn kinds(report: &Value) -> Vec<String> {
    report["protected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Runs a command with a deadline; a command still running then is killed and the test fails.
fn within(mut command: Command, stdin: Option<&[u8]>, limit: Duration) -> Output {
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!("still running after {limit:?}; killed\n{}", said(&output));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A backstop command under a 1 GiB address-space limit (a run that grows without bound
/// fails instead of taking the machine).
fn limited(repo: &TestRepo, args: &[&str]) -> Command {
    let binary = assert_cmd::cargo::cargo_bin("backstop");
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -v 1048576; exec \"$0\" \"$@\"")
        .arg(binary)
        .args(args);
    repo.isolate(&mut command);
    command
}

// ---------------------------------------------------------------------------------------------
// 1. gates.toml weakening is fail-closed.

/// A repository on branch `topic` whose last commit puts BAD into a.txt and changes gates.toml
/// from `base` to `target`, judged by `backstop ci --base main`.
fn weakened_in_ci(base: &str, target: &str) -> (Run, Value) {
    let repo = TestRepo::new();
    repo.config(base)
        .write("a.txt", "fine\n")
        .write("sub/keep.txt", "kept\n")
        .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.config(target)
        .write("a.txt", "BAD\n")
        .commit_all("weaken and violate");
    repo.report(&["ci", "--base", "main"])
}

fn with(extra_settings: &str, gate_extra: &str, more: &str) -> String {
    format!(
        "[settings]\nbase = \"main\"\njobs = 4\n{extra_settings}\n{NO_BAD}{gate_extra}\n{more}\n[protect]\n"
    )
}

#[test]
fn every_change_to_gates_toml_that_is_not_provably_stricter_is_gate_weakened() {
    let base = base_config();
    let cases: Vec<(&str, String, String)> = vec![
        (
            "pass_files off",
            base.clone(),
            base.replace("pass_files = true", "pass_files = false"),
        ),
        (
            "cwd moves the files out of reach",
            base.clone(),
            with("", "cwd = \"sub\"\n", ""),
        ),
        (
            "a new gate rewrites the file, and the check runs after it",
            base.clone(),
            with(
                "",
                "after = [\"prep\"]\n",
                "[gates.prep]\nrun = \"sed -i s/BAD/ok/ a.txt\"\n",
            ),
        ),
        (
            "a fixer",
            base.clone(),
            with("", "fix = \"sed -i s/BAD/ok/\"\n", ""),
        ),
        ("settings.fix", base.clone(), with("fix = true", "", "")),
        (
            "inputs",
            base.clone(),
            with("", "inputs = [\"sub/**\"]\n", ""),
        ),
        (
            "env",
            base.clone(),
            with("", "env = { LC_ALL = \"C\" }\n", ""),
        ),
        (
            "settings.base",
            base.clone(),
            base.replace("base = \"main\"", "base = \"HEAD\""),
        ),
        (
            "stop_retries lower",
            base.clone(),
            with("stop_retries = 0", "", ""),
        ),
        (
            "a longer timeout",
            base.clone(),
            with("", "timeout = \"2h\"\n", ""),
        ),
        (
            "the parser",
            base.clone(),
            with("", "parser = \"none\"\n", ""),
        ),
        (
            "the cache turned on",
            with("cache = false", "", ""),
            base.clone(),
        ),
        (
            "untracked files shown again",
            with("hide_untracked = true", "", ""),
            base.clone(),
        ),
        (
            "a new gate with a fixer",
            base.clone(),
            with(
                "",
                "",
                "[gates.fmt]\nrun = \"true\"\nfix = \"sed -i s/BAD/ok/ a.txt\"\n",
            ),
        ),
        (
            "ordering among the old gates",
            with("", "", "[gates.other]\nrun = \"true\"\n"),
            with(
                "",
                "after = [\"other\"]\n",
                "[gates.other]\nrun = \"true\"\n",
            ),
        ),
    ];
    let mut missed = Vec::new();
    for (name, base, target) in &cases {
        let (run, report) = weakened_in_ci(base, target);
        let found = kinds(&report).iter().any(|k| k == "gate-weakened");
        if run.code() != 1 || !found {
            missed.push(format!(
                "{name}: exit {}, findings {:?}\n{}",
                run.code(),
                kinds(&report),
                run.stderr()
            ));
        }
    }
    assert!(
        missed.is_empty(),
        "weakenings that got through:\n{}",
        missed.join("\n")
    );
}

#[test]
fn stricter_or_equivalent_changes_to_gates_toml_are_not_findings_and_the_gate_still_fails() {
    let base = base_config();
    let cases: Vec<(&str, String, String)> = vec![
        ("a new gate", base.clone(), with("", "", "[gates.extra]\nrun = \"true\"\n")),
        ("more triggers", with("", "on = [\"ci\"]\n", ""), with("", "on = [\"ci\", \"stop\"]\n", "")),
        ("wider globs", base.clone(), base.replace("[\"*.txt\"]", "[\"*.txt\", \"*.md\"]")),
        ("stricter protect", base.clone(), base.replace("[protect]", "[protect]\ntests = [\"checks/**\"]")),
        ("a shorter timeout", with("", "timeout = \"20m\"\n", ""), with("", "timeout = \"5m\"\n", "")),
        ("the cache turned off", base.clone(), with("cache = false", "", "")),
        ("more stop retries", base.clone(), with("stop_retries = 9", "", "")),
        ("untracked files hidden", base.clone(), with("hide_untracked = true", "", "")),
        ("a fixer removed", with("", "fix = \"true\"\n", ""), base.clone()),
        (
            "the same config, written differently",
            with("", "env = { A = \"1\", B = \"2\" }\ncwd = \"./\"\n", ""),
            "[protect]\n\n[gates.no-bad.env]\nB = \"2\"\nA = \"1\"\n\n[gates.no-bad]\nfiles = ['*.txt']\nrun = '! grep -n BAD'\npass_files = true\ncwd = \"\"\n\n[settings]\njobs = 4\nbase = 'main'\n"
                .to_owned(),
        ),
    ];
    let mut wrong = Vec::new();
    for (name, base, target) in &cases {
        let (run, report) = weakened_in_ci(base, target);
        let weakened = kinds(&report).iter().any(|k| k == "gate-weakened");
        if run.code() != 1 || weakened || gate(&report, "no-bad")["status"] != "failed" {
            wrong.push(format!(
                "{name}: exit {}, no-bad {}, findings {:?}\n{}",
                run.code(),
                gate(&report, "no-bad")["status"],
                report["protected"],
                run.stderr()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_new_gate_cannot_change_what_the_old_gates_see() {
    // The old gate takes its time; a new gate rewrites the file at once. Run side by side, the
    // old gate would judge the rewritten file.
    let slow = "[settings]\nbase = \"main\"\njobs = 4\n[gates.no-bad]\nrun = \"sleep 1 && ! grep -n BAD\"\nfiles = [\"*.txt\"]\npass_files = true\n[protect]\n";
    let (run, report) = weakened_in_ci(
        slow,
        &format!("{slow}\n[gates.prep]\nrun = \"sed -i s/BAD/ok/ a.txt\"\n"),
    );
    run.expect_code(1);
    assert_eq!(gate(&report, "no-bad")["status"], "failed", "{report:#}");
}

#[test]
fn a_weakened_gates_toml_blocks_the_commit_too() {
    let repo = TestRepo::new();
    repo.config(&base_config())
        .write("a.txt", "fine\n")
        .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    repo.config(&base_config().replace("pass_files = true", "pass_files = false"))
        .write("a.txt", "BAD\n");
    repo.git(&["add", "-A"]);
    let commit = git_out(&repo, &["commit", "-q", "-m", "weaken"]);
    assert!(!commit.status.success(), "{}", said(&commit));
    assert!(said(&commit).contains("gate-weakened"), "{}", said(&commit));
}

// ---------------------------------------------------------------------------------------------
// 2. working-tree-encoding: gates judge what git stores, or the attribute is a finding.

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A repository with the no-bad gate and protection, hooks installed.
fn protected_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.config(&base_config())
        .write("a.txt", "fine\n")
        .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    repo
}

#[test]
fn a_file_git_re_encodes_on_checkout_is_caught_on_commit_push_stop_and_in_a_fresh_clone() {
    let repo = protected_repo();
    let remote = repo.home().join("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(".gitattributes", "*.txt working-tree-encoding=UTF-16LE\n")
        .write("b.txt", utf16le("BAD\n"));
    repo.git(&["add", ".gitattributes", "b.txt"]);
    assert_eq!(
        repo.git(&["show", ":b.txt"]),
        "BAD\n",
        "git stores the file as UTF-8"
    );

    let commit = git_out(&repo, &["commit", "-q", "-m", "hidden"]);
    assert!(!commit.status.success(), "commit: {}", said(&commit));
    assert!(
        said(&commit).contains("checkout-conversion"),
        "{}",
        said(&commit)
    );

    let stop = stop_hook(&repo, &repo.root(), &repo.root());
    assert!(
        answer(&stop).is_some_and(|a| a["decision"] == "block"),
        "stop: {}",
        said(&stop)
    );

    repo.git(&["commit", "-q", "--no-verify", "-m", "hidden"]);
    let push = git_out(&repo, &["push", "-q", "origin", "topic"]);
    assert!(!push.status.success(), "push: {}", said(&push));

    repo.git(&["push", "-q", "--no-verify", "origin", "topic"]);
    let clone = repo.home().join("clone");
    repo.git(&[
        "clone",
        "-q",
        "-b",
        "topic",
        remote.to_str().unwrap(),
        clone.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(clone.join("b.txt")).unwrap(),
        utf16le("BAD\n"),
        "git writes UTF-16 on checkout"
    );
    let mut ci = repo.backstop();
    ci.current_dir(&clone)
        .args(["ci", "--base", "origin/main", "--format", "json"]);
    let ci = ci.output().unwrap();
    assert_eq!(ci.status.code(), Some(1), "ci: {}", said(&ci));
    let report: Value = serde_json::from_slice(&ci.stdout).unwrap();
    assert!(
        kinds(&report).contains(&"checkout-conversion".to_owned()),
        "{report:#}"
    );
}

#[test]
fn the_attribute_in_git_info_attributes_is_caught_too() {
    let repo = protected_repo();
    std::fs::create_dir_all(repo.root().join(".git/info")).unwrap();
    std::fs::write(
        repo.root().join(".git/info/attributes"),
        "[attr]sneaky working-tree-encoding=UTF-16LE\nb.txt sneaky\n",
    )
    .unwrap();
    repo.write("b.txt", utf16le("BAD\n"));
    repo.git(&["add", "b.txt"]);
    let commit = git_out(&repo, &["commit", "-q", "-m", "hidden"]);
    assert!(!commit.status.success(), "{}", said(&commit));
    assert!(
        said(&commit).contains("checkout-conversion"),
        "{}",
        said(&commit)
    );
}

#[test]
fn an_attribute_added_for_files_the_change_does_not_touch_is_reported_and_can_be_allowed() {
    let repo = TestRepo::new();
    repo.config(&base_config())
        .write("a.txt", "BAD\n")
        .commit_all("base (already bad, before the gate)");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    // Only the attribute changes; a fresh checkout would now hand the gates UTF-16.
    repo.write(
        ".gitattributes",
        "[attr]wide working-tree-encoding=UTF-16LE\n*.txt wide\n",
    )
    .commit_all("re-encode a.txt on checkout");
    let (run, report) = repo.report(&["ci", "--base", "main"]);
    run.expect_code(1);
    let found: Vec<&Value> = report["protected"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "checkout-conversion")
        .collect();
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["file"], "a.txt");
    assert!(
        found[0]["why"].as_str().unwrap().contains("UTF-16LE"),
        "{report:#}"
    );

    // A project whose files are meant to be UTF-16 allows the kind in its base's [protect]
    // (adding the allow is itself a gate-weakened change, judged by the base before it; so is
    // its `.gitattributes`, a protected path). The kind's first name is still read.
    let repo = TestRepo::new();
    let allowing = base_config().replace("[protect]", "[protect]\nallow = [\"checkout-encoding\"]");
    repo.config(&allowing)
        .write("a.txt", "fine\n")
        .write(".gitattributes", "*.rc working-tree-encoding=UTF-16LE\n")
        .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("app.rc", utf16le("STRINGTABLE\n"));
    repo.git(&["add", "app.rc"]);
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "a UTF-16 resource file",
    ]);
    let (run, report) = repo.report(&["ci", "--base", "main"]);
    run.expect_code(0);
    assert_eq!(kinds(&report), Vec::<String>::new(), "{report:#}");
}

// ---------------------------------------------------------------------------------------------
// 3. Option injection: no file name is read as an option.

#[test]
fn file_names_that_look_like_options_never_switch_a_gate_off() {
    for name in ["--exclude=*.txt", "-e.txt", "-v.txt"] {
        // Through `git commit` (the files as "$@").
        let repo = TestRepo::new();
        repo.config(NO_BAD)
            .write("a.txt", "fine\n")
            .commit_all("base");
        repo.run(&["install", "--git"]).expect_code(0);
        repo.write("bad.txt", "BAD\n").write(name, "fine\n");
        repo.git(&["add", "-A"]);
        let commit = git_out(&repo, &["commit", "-q", "-m", "inject"]);
        assert!(!commit.status.success(), "{name}: {}", said(&commit));

        // In ci, through BACKSTOP_FILES as well.
        let via_list = "[gates.no-bad]\nrun = '! xargs -0 grep -n BAD < \"$BACKSTOP_FILES\"'\nfiles = [\"*.txt\"]\n";
        let repo = TestRepo::new();
        repo.config(via_list)
            .write("a.txt", "fine\n")
            .commit_all("base");
        repo.git(&["checkout", "-q", "-b", "topic"]);
        repo.write("bad.txt", "BAD\n")
            .write(name, "fine\n")
            .commit_all("inject");
        let (run, report) = repo.report(&["ci", "--base", "main"]);
        assert_eq!(run.code(), 1, "{name}: {}", run.stderr());
        assert_eq!(gate(&report, "no-bad")["status"], "failed");
    }
}

// ---------------------------------------------------------------------------------------------
// 4. The CI base comes from the CI system; an empty or forged range is an error.

/// `main` pushed to a bare remote, then a clone on `topic` with a commit that fails no-bad.
fn ci_clone(config: &str) -> (TestRepo, PathBuf, String) {
    let repo = TestRepo::new();
    repo.config(config)
        .write("a.txt", "fine\n")
        .commit_all("base");
    let main = head(&repo);
    let remote = repo.home().join("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    repo.git(&["push", "-q", "origin", "main"]);
    repo.git(&["fetch", "-q", "origin"]);
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("b.txt", "BAD\n").commit_all("violation");
    (repo, remote, main)
}

fn ci_with(repo: &TestRepo, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut command = repo.backstop();
    command.arg("ci").args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    Run(command.output().unwrap())
}

#[test]
fn ci_without_base_never_trusts_a_ref_or_setting_the_commit_can_forge() {
    let config = format!("[settings]\nbase = \"origin/main\"\n{NO_BAD}");
    let (repo, _, main) = ci_clone(&config);
    // The agent points origin/main at its own commit: the range would be empty.
    repo.git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
    let run = ci_with(&repo, &[], &[]);
    assert_eq!(
        run.code(),
        2,
        "an empty range is an error:\n{}",
        run.stderr()
    );
    assert!(run.stderr().contains("empty"), "{}", run.stderr());

    // In GitHub Actions the base is the pull request's base commit from the event.
    let event = repo.home().join("event.json");
    std::fs::write(
        &event,
        json!({"pull_request": {"base": {"sha": main, "ref": "main"}, "head": {"sha": head(&repo)}}})
            .to_string(),
    )
    .unwrap();
    let github = [
        ("CI", "true"),
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
        ("GITHUB_BASE_REF", "main"),
    ];
    let head_sha = head(&repo);
    let mut env = github.to_vec();
    env.push(("GITHUB_SHA", &head_sha));
    let run = ci_with(&repo, &env, &["--format", "json"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let report: Value = serde_json::from_slice(&run.0.stdout).unwrap();
    assert_eq!(report["base"], main);
    assert_eq!(gate(&report, "no-bad")["status"], "failed");

    // A `--base` the agent chose does not override the CI system's.
    let run = ci_with(&repo, &env, &["--base", "HEAD"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());

    // HEAD that is not the commit CI runs for is refused.
    let mut wrong = github.to_vec();
    wrong.push(("GITHUB_SHA", &head_sha));
    repo.git(&["checkout", "-q", "--detach", &main]);
    let run = ci_with(&repo, &wrong, &[]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
}

#[test]
fn settings_base_head_in_the_pushed_gates_toml_is_an_empty_range_not_a_pass() {
    let config = format!("[settings]\nbase = \"HEAD\"\n{NO_BAD}");
    let (repo, _, _) = ci_clone(&config);
    let run = ci_with(&repo, &[], &[]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
}

#[test]
fn in_ci_without_a_base_from_the_ci_system_or_the_command_line_ci_refuses() {
    let config = format!("[settings]\nbase = \"origin/main\"\n{NO_BAD}");
    let (repo, _, _) = ci_clone(&config);
    let run = ci_with(&repo, &[("CI", "true")], &[]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("--base"), "{}", run.stderr());
    // With the base named, it judges.
    let run = ci_with(&repo, &[("CI", "true")], &["--base", "origin/main"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
}

#[test]
fn gitlab_merge_requests_take_the_diff_base() {
    let config = format!("[settings]\nbase = \"origin/main\"\n{NO_BAD}");
    let (repo, _, main) = ci_clone(&config);
    repo.git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
    let run = ci_with(
        &repo,
        &[
            ("CI", "true"),
            ("GITLAB_CI", "true"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", &main),
        ],
        &[],
    );
    assert_eq!(run.code(), 1, "{}", run.stderr());
}

#[test]
fn pushing_a_new_branch_takes_its_base_from_the_remote_not_a_forged_tracking_ref() {
    let config = format!("[settings]\nbase = \"origin/main\"\n{NO_BAD}");
    let (repo, remote, _) = ci_clone(&config);
    repo.run(&["install", "--git"]).expect_code(0);
    repo.git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
    let push = git_out(&repo, &["push", "-q", "origin", "topic"]);
    assert!(!push.status.success(), "{}", said(&push));
    let on_remote = Command::new("git")
        .args([
            "--git-dir",
            remote.to_str().unwrap(),
            "rev-parse",
            "--verify",
            "-q",
            "refs/heads/topic",
        ])
        .output()
        .unwrap();
    assert!(
        !on_remote.status.success(),
        "the bad branch reached the remote"
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Bounded reads: gates.toml and hook payloads.

fn claude_payload(cwd: &Path) -> String {
    json!({"session_id": "s1", "cwd": cwd, "hook_event_name": "Stop", "stop_hook_active": false})
        .to_string()
}

fn stop_hook(repo: &TestRepo, cwd: &Path, process_dir: &Path) -> Output {
    let mut command = repo.backstop();
    command
        .args(["hook", "claude", "stop"])
        .current_dir(process_dir);
    let output = within(
        command,
        Some(claude_payload(cwd).as_bytes()),
        Duration::from_mins(1),
    );
    assert_eq!(output.status.code(), Some(0), "{}", said(&output));
    output
}

fn answer(output: &Output) -> Option<Value> {
    let text = String::from_utf8_lossy(&output.stdout);
    (!text.trim().is_empty()).then(|| {
        serde_json::from_str(text.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {text}"))
    })
}

#[test]
fn gates_toml_that_is_not_a_regular_file_is_refused_at_once() {
    let repo = TestRepo::new();
    repo.write("a.txt", "x\n").commit_all("base");
    repo.config(NO_BAD)
        .run(&["install", "--git"])
        .expect_code(0);
    std::fs::remove_file(repo.root().join("gates.toml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", repo.root().join("gates.toml")).unwrap();
    let run = within(
        limited(&repo, &["run", "--all-files"]),
        None,
        Duration::from_secs(20),
    );
    assert_eq!(run.status.code(), Some(2), "{}", said(&run));
    assert!(said(&run).contains("not a regular file"), "{}", said(&run));

    std::fs::remove_file(repo.root().join("gates.toml")).unwrap();
    let fifo = repo.root().join("gates.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for args in [
        &["run", "--all-files"][..],
        &["config", "check"][..],
        &["list"][..],
    ] {
        let run = within(limited(&repo, args), None, Duration::from_secs(20));
        assert_eq!(run.status.code(), Some(2), "{args:?}: {}", said(&run));
        assert!(said(&run).contains("not a regular file"), "{}", said(&run));
    }
    // The agent hooks still speak their protocol, promptly.
    let mut stop = limited(&repo, &["hook", "claude", "stop"]);
    stop.current_dir(repo.root());
    let out = within(
        stop,
        Some(claude_payload(&repo.root()).as_bytes()),
        Duration::from_secs(20),
    );
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let block = answer(&out).expect("a stop that cannot check is not allowed silently");
    assert!(
        block["reason"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{block}"
    );
    let mut guard = limited(&repo, &["hook", "claude", "pre-tool-use"]);
    guard.current_dir(repo.root());
    let call = json!({"session_id": "s1", "cwd": repo.root(), "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": "ls"}});
    let out = within(
        guard,
        Some(call.to_string().as_bytes()),
        Duration::from_secs(20),
    );
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    // And `git commit` does not hang on it.
    repo.write("a.txt", "y\n");
    repo.git(&["add", "a.txt"]);
    let commit = git_command(&repo, &["commit", "-q", "-m", "x"]);
    let out = within(commit, None, Duration::from_secs(20));
    assert!(!out.status.success(), "{}", said(&out));
}

#[test]
fn a_report_file_a_gate_leaves_as_a_fifo_or_dev_zero_is_not_read() {
    let repo = TestRepo::new();
    repo.config(
        "[gates.fifo]\nrun = \"rm -f r.xml && mkfifo r.xml && exit 1\"\nparser = \"junit\"\nreport = \"r.xml\"\n\
         [gates.zero]\nrun = \"rm -f z.xml && ln -s /dev/zero z.xml && exit 1\"\nparser = \"junit\"\nreport = \"z.xml\"\n",
    )
    .write(".gitignore", "*.xml\n")
    .write("a.txt", "a\n")
    .commit_all("base");
    let out = within(
        limited(&repo, &["run", "--all-files"]),
        None,
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
}

#[test]
fn a_hook_payload_without_end_is_bounded_in_size() {
    let repo = TestRepo::new();
    repo.config(NO_BAD)
        .write("a.txt", "fine\n")
        .commit_all("base");
    // /dev/zero as stdin: endless bytes.
    let binary = assert_cmd::cargo::cargo_bin("backstop");
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -v 1048576; exec \"$0\" hook claude stop < /dev/zero")
        .arg(binary);
    repo.isolate(&mut command);
    let out = within(command, None, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("larger than"),
        "{}",
        said(&out)
    );
}

#[test]
fn a_tool_call_without_end_is_denied_not_waved_through() {
    let repo = TestRepo::new();
    repo.config(&format!("{NO_BAD}[protect]\n"))
        .commit_all("base");
    let binary = assert_cmd::cargo::cargo_bin("backstop");
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -v 1048576; exec \"$0\" hook claude pre-tool-use < /dev/zero")
        .arg(binary);
    repo.isolate(&mut command);
    let out = within(command, None, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let denial = answer(&out).expect("denied");
    assert_eq!(
        denial["hookSpecificOutput"]["permissionDecision"], "deny",
        "{denial}"
    );
}

// ---------------------------------------------------------------------------------------------
// 6. Restoring set-aside work never deletes or overwrites a user's file.

fn temp_name_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.config(NO_BAD)
        .write("a.txt", "fine\n")
        .write("b.txt", "fine\n")
        .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    // Unstaged work on a.txt, and the user's own files with backstop-looking names.
    repo.write("a.txt", "unstaged work\n")
        .write("a.txt.backstop-restore", "mine\n")
        .write(".a.txt.backstop-restore", "mine too\n");
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

fn assert_user_files_intact(repo: &TestRepo, path: &str) {
    assert_eq!(repo.read("a.txt.backstop-restore"), b"mine\n", "{path}");
    assert_eq!(
        repo.read(".a.txt.backstop-restore"),
        b"mine too\n",
        "{path}"
    );
    assert_eq!(repo.read("a.txt"), b"unstaged work\n", "{path}");
}

#[test]
fn restoring_never_touches_a_user_file_named_like_a_temporary() {
    // A passing commit.
    let repo = temp_name_repo();
    repo.write("b.txt", "good\n");
    repo.git(&["add", "b.txt"]);
    let out = git_out(&repo, &["commit", "-q", "-m", "good"]);
    assert!(out.status.success(), "{}", said(&out));
    assert_user_files_intact(&repo, "after a passing commit");

    // A blocked commit.
    let repo = temp_name_repo();
    repo.write("b.txt", "BAD\n");
    repo.git(&["add", "b.txt"]);
    let out = git_out(&repo, &["commit", "-q", "-m", "bad"]);
    assert!(!out.status.success());
    assert_user_files_intact(&repo, "after a blocked commit");

    // A panic while the work is set aside.
    let repo = temp_name_repo();
    repo.write("b.txt", "good\n");
    repo.git(&["add", "b.txt"]);
    let mut commit = git_command(&repo, &["commit", "-q", "-m", "panic"]);
    commit.env("BACKSTOP_FAILPOINT", "panic-after-setaside");
    let out = commit.output().unwrap();
    assert!(!out.status.success());
    assert_user_files_intact(&repo, "after a panic");

    // recover, after a run was killed with the work set aside.
    let repo = TestRepo::new();
    let marker = repo.home().join("gate.pid");
    repo.config(&format!(
        "[gates.slow]\nrun = \"echo $PPID > '{m}.backstop'; echo $$ > '{m}'; sleep 60\"\n",
        m = marker.display()
    ))
    .write("a.txt", "fine\n")
    .write("b.txt", "fine\n")
    .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    repo.write("a.txt", "unstaged work\n")
        .write("a.txt.backstop-restore", "mine\n")
        .write(".a.txt.backstop-restore", "mine too\n")
        .write("b.txt", "staged\n");
    repo.git(&["add", "b.txt"]);
    let child = git_command(&repo, &["commit", "-q", "-m", "killed"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let backstop = read_pid(&marker.with_extension("pid.backstop"));
    let gate = read_pid(&marker);
    // SAFETY: signalling processes this test started: backstop, then the gate's group.
    unsafe { libc::kill(backstop, libc::SIGKILL) };
    let _ = child.wait_with_output();
    unsafe { libc::kill(-gate, libc::SIGKILL) };
    assert_eq!(repo.read("a.txt"), b"fine\n", "the work was set aside");
    repo.run(&["recover"]).expect_code(0);
    assert_user_files_intact(&repo, "after recover");
}

#[test]
fn a_large_set_aside_file_streams_and_comes_back_byte_for_byte() {
    // Over the size from which the committed version is streamed rather than checked out.
    let committed = "committed line\n".repeat(700_000);
    let unstaged = "unstaged BAD line\n".repeat(600_000);
    let repo = TestRepo::new();
    repo.config("[gates.sees-the-commit]\nrun = \"! grep -q BAD big.dat && test -x big.dat\"\n")
        .write("big.dat", &committed)
        .write("a.txt", "a\n");
    std::fs::set_permissions(
        repo.root().join("big.dat"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    repo.commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    repo.write("big.dat", &unstaged).write("a.txt", "b\n");
    repo.git(&["add", "a.txt"]);
    let out = git_out(&repo, &["commit", "-q", "-m", "small change"]);
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(repo.read("big.dat"), unstaged.as_bytes());
    let mode = std::fs::metadata(repo.root().join("big.dat"))
        .unwrap()
        .permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o755
    );
    assert_eq!(repo.git(&["diff", "--name-only"]), "big.dat\n");
}

#[test]
fn install_never_replaces_a_user_file_named_like_its_temporary() {
    let repo = TestRepo::new();
    repo.config(NO_BAD).commit_all("base");
    repo.write(".claude/settings.backstop-new", "mine\n")
        .write(".claude/settings.json", "{}\n");
    std::fs::write(
        repo.root().join(".git/hooks/pre-commit.backstop-new"),
        "mine\n",
    )
    .unwrap();
    repo.run(&["install", "--git", "--claude"]).expect_code(0);
    assert_eq!(repo.read(".claude/settings.backstop-new"), b"mine\n");
    assert_eq!(
        std::fs::read(repo.root().join(".git/hooks/pre-commit.backstop-new")).unwrap(),
        b"mine\n"
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Clear errors.

#[test]
fn config_check_rejects_nul_bytes_and_commands_longer_than_the_os_takes() {
    let repo = TestRepo::new();
    repo.config("[gates.a]\nrun = \"echo a\\u0000b\"\n");
    let run = repo.run(&["config", "check"]);
    run.expect_code(2);
    assert!(run.stderr().contains("NUL"), "{}", run.stderr());

    repo.config("[gates.a]\nrun = \"true\"\nenv = { X = \"a\\u0000b\" }\n");
    let run = repo.run(&["config", "check"]);
    run.expect_code(2);
    assert!(run.stderr().contains("NUL"), "{}", run.stderr());

    // Over the OS limit for one argument (128 KiB): `sh -c` could never start.
    repo.config(&format!(
        "[gates.a]\nrun = \"true # {}\"\n",
        "x".repeat(200_000)
    ));
    let run = repo.run(&["config", "check"]);
    run.expect_code(2);
    assert!(run.stderr().contains("script"), "{}", run.stderr());
    // A run refuses it the same way, before any gate starts.
    let run = repo.run(&["run", "--all-files"]);
    run.expect_code(2);
    assert!(run.stderr().contains("`gates.a.run`"), "{}", run.stderr());

    // A config of megabytes is refused by its size, with the limit named.
    repo.config(&format!(
        "[gates.a]\nrun = \"true # {}\"\n",
        "x".repeat(5_000_000)
    ));
    let run = repo.run(&["config", "check"]);
    run.expect_code(2);
    assert!(run.stderr().contains("MiB"), "{}", run.stderr());
}

#[test]
fn a_full_disk_during_the_backup_says_nothing_was_touched() {
    // A real full disk: a 256 KiB tmpfs over the backup area, in a private mount namespace.
    let probe = Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !probe {
        eprintln!("skipped: this machine cannot create a user and mount namespace (unshare -rm)");
        return;
    }
    let repo = TestRepo::new();
    repo.config(NO_BAD)
        .write("a.txt", "fine\n")
        .write("big.txt", "small\n")
        .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    let big = "x".repeat(2 * 1024 * 1024);
    repo.write("big.txt", &big).write("a.txt", "good\n");
    repo.git(&["add", "a.txt"]);
    std::fs::create_dir_all(repo.root().join(".git/backstop")).unwrap();
    let mut command = Command::new("unshare");
    command.args([
        "-rm",
        "sh",
        "-c",
        "mount -t tmpfs -o size=256k tmpfs .git/backstop && exec git commit -q -m full",
    ]);
    repo.isolate(&mut command);
    let out = command.output().unwrap();
    assert!(!out.status.success(), "{}", said(&out));
    assert!(
        said(&out).contains("nothing in your working tree was touched"),
        "{}",
        said(&out)
    );
    assert_eq!(repo.read("big.txt"), big.as_bytes());
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "a.txt\n");
}

#[test]
fn a_bad_payload_cwd_does_not_silently_allow_the_stop() {
    let repo = TestRepo::new();
    repo.config(NO_BAD)
        .write("a.txt", "fine\n")
        .commit_all("base");
    repo.write("a.txt", "BAD\n");
    // The hook runs in the project; the payload names a directory that does not exist.
    let out = stop_hook(&repo, Path::new("/nonexistent/backstop/dir"), &repo.root());
    let block = answer(&out).expect("blocked");
    assert_eq!(block["decision"], "block", "{block}");
    // Nowhere to judge at all: the person is told, never silence.
    let nowhere = tempfile::tempdir().unwrap();
    let out = stop_hook(
        &repo,
        Path::new("/nonexistent/backstop/dir"),
        nowhere.path(),
    );
    let said_something = answer(&out);
    assert!(said_something.is_some(), "{}", said(&out));
}

// ---------------------------------------------------------------------------------------------
// 8. What the review of the wall found: modes, refs, conversions, push bases, skips, tool
// directories, runs without a base, killed set-asides, hints, `--config`.

/// A GitHub Actions environment for `backstop ci` with this event payload.
fn github_env(repo: &TestRepo, name: &str, event: &Value) -> Vec<(String, String)> {
    let path = repo.home().join(format!("event-{name}.json"));
    std::fs::write(&path, event.to_string()).unwrap();
    let sha = event["after"]
        .as_str()
        .or_else(|| event["pull_request"]["head"]["sha"].as_str())
        .map_or_else(|| head(repo), str::to_owned);
    vec![
        ("CI".into(), "true".into()),
        ("GITHUB_ACTIONS".into(), "true".into()),
        ("GITHUB_EVENT_NAME".into(), name.into()),
        ("GITHUB_EVENT_PATH".into(), path.to_str().unwrap().into()),
        ("GITHUB_SHA".into(), sha),
    ]
}

fn ci_in(dir: &Path, repo: &TestRepo, env: &[(String, String)], args: &[&str]) -> (Run, Value) {
    let mut command = repo.backstop();
    command
        .current_dir(dir)
        .args(args)
        .args(["--format", "json"]);
    for (key, value) in env {
        command.env(key, value);
    }
    let run = Run(command.output().unwrap());
    let report = serde_json::from_slice(&run.0.stdout).unwrap_or(Value::Null);
    (run, report)
}

fn found_kinds(report: &Value) -> Vec<String> {
    report["protected"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|f| {
                    format!(
                        "{} {}",
                        f["kind"].as_str().unwrap(),
                        f["file"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A bare remote holding `main` of `repo`, and a fresh clone of it checked out on `branch`.
fn publish(repo: &TestRepo, branch: &str) -> (PathBuf, PathBuf) {
    let remote = repo.home().join("remote.git");
    if !remote.exists() {
        repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
        repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    }
    let mut refs = vec!["main"];
    if branch != "main" {
        refs.push(branch);
    }
    let mut args = vec!["push", "-q", "--no-verify", "--tags", "origin"];
    args.extend(refs);
    repo.git(&args);
    let clone = repo.home().join(format!("clone-{branch}"));
    repo.git(&[
        "clone",
        "-q",
        "-b",
        branch,
        remote.to_str().unwrap(),
        clone.to_str().unwrap(),
    ]);
    (remote, clone)
}

#[test]
fn a_gates_toml_symlinked_to_the_base_text_is_refused_in_ci_and_on_commit() {
    // The link's text is exactly the base's gates.toml; the file it points at weakens it.
    let base = base_config();
    assert!(
        !base.contains('/') && base.len() < 255,
        "a link text of one file name"
    );
    let repo = TestRepo::new();
    repo.config(&base)
        .write("a.txt", "fine\n")
        .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    std::fs::remove_file(repo.root().join("gates.toml")).unwrap();
    repo.write(&base, "[settings]\nbase = \"main\"\n[protect]\n");
    std::os::unix::fs::symlink(&base, repo.root().join("gates.toml")).unwrap();
    repo.write("b.txt", "BAD\n")
        .commit_all("weaken through a link");
    assert_eq!(
        repo.git(&["show", "HEAD:gates.toml"]),
        base,
        "git stores the link text"
    );
    let run = repo.run(&["ci", "--base", "main"]);
    assert_eq!(run.code(), 2, "{}{}", run.stdout(), run.stderr());
    assert!(run.stderr().contains("symlink"), "{}", run.stderr());

    // The hooks read the staged or pushed gates.toml: a link there is refused too.
    repo.git(&["checkout", "-q", "main"]);
    repo.run(&["install", "--git"]).expect_code(0);
    repo.git(&["checkout", "-q", "topic", "--", "gates.toml", &base]);
    let commit = git_out(&repo, &["commit", "-q", "-m", "again"]);
    assert!(!commit.status.success(), "{}", said(&commit));
    assert!(said(&commit).contains("symlink"), "{}", said(&commit));
}

#[test]
fn a_test_file_swapped_for_a_symlink_or_a_submodule_is_a_finding() {
    let script = "! grep -rn BAD --include=*.txt .\n";
    let config = "[settings]\nbase = \"main\"\n[gates.checks]\nrun = \"find tests -name '*.sh' -type f -exec sh {} +\"\n[protect]\n";
    // A symlink whose text is the old script, to a file that passes whatever it sees.
    let repo = TestRepo::new();
    repo.config(config)
        .write("tests/check.sh", script)
        .write("a.txt", "fine\n")
        .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    std::fs::remove_file(repo.root().join("tests/check.sh")).unwrap();
    repo.write(Path::new("tests").join(script), "exit 0\n");
    std::os::unix::fs::symlink(script, repo.root().join("tests/check.sh")).unwrap();
    repo.write("b.txt", "BAD\n")
        .commit_all("swap the test for a link");
    let (run, report) = repo.report(&["ci", "--base", "main"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        found_kinds(&report).contains(&"deleted-test-file tests/check.sh".to_owned()),
        "{report:#}"
    );

    // A gitlink where the test was: a fresh clone has an empty directory there.
    let repo = TestRepo::new();
    repo.config(config)
        .write("tests/check.sh", script)
        .write("a.txt", "fine\n")
        .commit_all("base");
    let main = head(&repo);
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.git(&["rm", "-q", "--cached", "tests/check.sh"]);
    std::fs::remove_file(repo.root().join("tests/check.sh")).unwrap();
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{main},tests/check.sh"),
    ]);
    repo.write("b.txt", "BAD\n");
    repo.git(&["add", "b.txt"]);
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "a submodule where the test was",
    ]);
    let (run, report) = repo.report(&["ci", "--base", "main"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        found_kinds(&report).contains(&"deleted-test-file tests/check.sh".to_owned()),
        "{report:#}"
    );
}

#[test]
fn a_protected_path_swapped_for_a_symlink_with_its_text_is_a_finding() {
    let repo = TestRepo::new();
    repo.config(&base_config())
        .write(".claude/settings.json", "{}")
        .write("a.txt", "fine\n")
        .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    // The link's text is the file's old text; what it leads to has no hooks at all.
    std::fs::remove_file(repo.root().join(".claude/settings.json")).unwrap();
    repo.write(".claude/{}", "{\"hooks\": {}}\n");
    std::os::unix::fs::symlink("{}", repo.root().join(".claude/settings.json")).unwrap();
    repo.commit_all("swap the settings for a link");
    assert_eq!(repo.git(&["show", "HEAD:.claude/settings.json"]), "{}");
    let (run, report) = repo.report(&["ci", "--base", "main"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        found_kinds(&report).contains(&"protected-path .claude/settings.json".to_owned()),
        "{report:#}"
    );
}

#[test]
fn a_tag_named_like_the_base_branch_never_chooses_the_ci_base() {
    let repo = TestRepo::new();
    repo.config(&base_config())
        .write("a.txt", "fine\n")
        .commit_all("base");
    let (remote, _) = publish(&repo, "main");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    // A: the gate goes and the violation arrives; the tag makes `origin/main` mean A.
    repo.config("[settings]\nbase = \"main\"\n[protect]\n")
        .write("b.txt", "BAD\n")
        .commit_all("A");
    repo.git(&["tag", "origin/main", "HEAD"]);
    repo.write("c.txt", "clean\n").commit_all("B");
    repo.git(&["push", "-q", "--no-verify", "--tags", "origin", "topic"]);
    let clone = repo.home().join("fresh");
    repo.git(&[
        "clone",
        "-q",
        "-b",
        "topic",
        remote.to_str().unwrap(),
        clone.to_str().unwrap(),
    ]);
    let event = json!({"ref": "refs/heads/topic", "before": "0000000000000000000000000000000000000000",
        "after": head(&repo), "repository": {"default_branch": "main"}});
    let env = github_env(&repo, "push", &event);
    let (run, report) = ci_in(&clone, &repo, &env, &["ci"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        found_kinds(&report).contains(&"gate-weakened gates.toml".to_owned()),
        "{report:#}"
    );
    // `--base origin/main` (the docs' recipe for other CI systems) is ambiguous here: refused.
    let (run, _) = ci_in(&clone, &repo, &[], &["ci", "--base", "origin/main"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("refs/tags/origin/main"),
        "{}",
        run.stderr()
    );
    // Named in full, it is the branch.
    let (run, _) = ci_in(
        &clone,
        &repo,
        &[],
        &["ci", "--base", "refs/remotes/origin/main"],
    );
    assert_eq!(run.code(), 1, "{}", run.stderr());
}

/// `main` with the no-bad gate run from a script, published; `topic` adds `.gitattributes`
/// with `attributes` and `src/b.txt` holding BAD, published; a fresh clone of `topic`.
fn converted_script(attributes: &str, script: &str) -> (TestRepo, PathBuf) {
    let repo = TestRepo::new();
    repo.config(
        "[settings]\nbase = \"main\"\n[gates.no-bad]\nrun = \"sh scripts/no-bad.sh\"\n[protect]\n",
    )
    .write("scripts/no-bad.sh", script)
    .write("src/a.txt", "fine\n")
    .commit_all("base");
    publish(&repo, "main");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(".gitattributes", attributes)
        .write("src/b.txt", "BAD\n")
        .commit_all("convert");
    let (_, clone) = publish(&repo, "topic");
    (repo, clone)
}

#[test]
fn a_gate_script_git_converts_on_checkout_is_a_finding_in_a_fresh_clone() {
    let script = "! grep -rn BAD src\n";
    for attributes in ["*.sh text eol=crlf\n", "*.sh ident\n"] {
        let script = if attributes.contains("ident") {
            format!("# $Id$\n{script}")
        } else {
            script.to_owned()
        };
        let (repo, clone) = converted_script(attributes, &script);
        let on_disk = std::fs::read(clone.join("scripts/no-bad.sh")).unwrap();
        assert_ne!(
            on_disk,
            script.as_bytes(),
            "{attributes}: git converts on checkout"
        );
        let (run, report) = ci_in(&clone, &repo, &[], &["ci", "--base", "origin/main"]);
        assert_eq!(run.code(), 1, "{attributes}: {}", run.stderr());
        assert!(
            found_kinds(&report).contains(&"checkout-conversion scripts/no-bad.sh".to_owned()),
            "{attributes}: {report:#}"
        );
    }
    // Attributes that convert nothing in this tree (LF stays LF) are no finding of this kind.
    let (repo, clone) = converted_script("* text=auto eol=lf\n", script);
    let (run, report) = ci_in(&clone, &repo, &[], &["ci", "--base", "origin/main"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert_eq!(gate(&report, "no-bad")["status"], "failed", "{report:#}");
    assert!(
        !found_kinds(&report)
            .iter()
            .any(|k| k.starts_with("checkout-")),
        "{report:#}"
    );
    // `.gitattributes` is protected by default.
    assert!(
        found_kinds(&report).contains(&"protected-path .gitattributes".to_owned()),
        "{report:#}"
    );
}

/// `main` published with the no-bad gate; on `topic`, A adds BAD, B a clean file.
fn two_pushes() -> (TestRepo, String, String) {
    let repo = TestRepo::new();
    repo.config(&base_config())
        .write("a.txt", "fine\n")
        .commit_all("base");
    publish(&repo, "main");
    repo.git(&["fetch", "-q", "origin"]);
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("b.txt", "BAD\n").commit_all("A");
    let a = head(&repo);
    repo.write("c.txt", "clean\n").commit_all("B");
    let b = head(&repo);
    (repo, a, b)
}

#[test]
fn a_push_to_a_feature_branch_is_judged_from_where_it_would_merge() {
    let (repo, a, b) = two_pushes();
    let event = json!({"ref": "refs/heads/topic", "before": a, "after": b,
        "repository": {"default_branch": "main"}});
    let env = github_env(&repo, "push", &event);
    let (run, report) = ci_in(&repo.root(), &repo, &env, &["ci"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert_eq!(gate(&report, "no-bad")["status"], "failed", "{report:#}");

    let gitlab: Vec<(String, String)> = [
        ("CI", "true"),
        ("GITLAB_CI", "true"),
        ("CI_COMMIT_SHA", b.as_str()),
        ("CI_COMMIT_BEFORE_SHA", a.as_str()),
        ("CI_COMMIT_BRANCH", "topic"),
        ("CI_DEFAULT_BRANCH", "main"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let (run, _) = ci_in(&repo.root(), &repo, &gitlab, &["ci"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());

    // A push to the default branch is judged from the commit before it.
    let main = repo.git(&["rev-parse", "main"]).trim().to_owned();
    repo.git(&["checkout", "-q", "main"]);
    repo.write("d.txt", "fine\n").commit_all("on main");
    let event = json!({"ref": "refs/heads/main", "before": main, "after": head(&repo),
        "repository": {"default_branch": "main"}});
    let env = github_env(&repo, "push", &event);
    let (run, report) = ci_in(&repo.root(), &repo, &env, &["ci"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(report["base"], main.as_str());
}

#[test]
fn backstop_skip_does_not_switch_a_gate_off_in_ci() {
    let (repo, _, main) = ci_clone(&format!("[settings]\nbase = \"origin/main\"\n{NO_BAD}"));
    let mut command = repo.backstop();
    command
        .args(["ci", "--base", &main])
        .env("BACKSTOP_SKIP", "no-bad");
    let run = Run(command.output().unwrap());
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("BACKSTOP_SKIP"), "{}", run.stderr());
}

#[test]
fn init_protects_the_directories_its_tools_run_from() {
    let repo = TestRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"demo\"\n[tool.pytest.ini_options]\n",
    )
    .write(".gitignore", ".venv/\n")
    .write("tests/test_demo.py", "def test_ok():\n    assert 1 == 1\n")
    // The person's own venv (ignored), which init writes the gates' commands for.
    .write(".venv/bin/python", "#!/bin/sh\nexec python3 \"$@\"\n");
    repo.run(&["init"]).expect_code(0);
    let config = String::from_utf8(repo.read("gates.toml")).unwrap();
    assert!(config.contains("\".venv/**\""), "{config}");
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(".venv/bin/python", "#!/bin/sh\nexit 0\n");
    repo.git(&["add", "-f", ".venv/bin/python"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "a python that passes"]);
    let (run, report) = repo.report(&["ci", "--base", "main", "--gate", "protected"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        found_kinds(&report).contains(&"protected-path .venv/bin/python".to_owned()),
        "{report:#}"
    );
}

#[test]
fn ci_with_all_files_and_no_base_still_judges_the_weakening() {
    let repo = TestRepo::new();
    repo.config(&base_config())
        .write("a.txt", "fine\n")
        .commit_all("base");
    publish(&repo, "main");
    repo.git(&["fetch", "-q", "origin"]);
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.config("[settings]\nbase = \"main\"\n[gates.ok]\nrun = \"true\"\n[protect]\n")
        .write("b.txt", "BAD\n")
        .commit_all("the gate goes");
    // A manual run names no base; the repository's default branch is the one to compare with.
    let event =
        json!({"inputs": {}, "ref": "refs/heads/topic", "repository": {"default_branch": "main"}});
    let env = github_env(&repo, "workflow_dispatch", &event);
    let (run, report) = ci_in(&repo.root(), &repo, &env, &["ci", "--all-files"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        found_kinds(&report).contains(&"gate-weakened gates.toml".to_owned()),
        "{report:#}"
    );
    // Nothing says which branch is the default: refused, not judged without the check.
    let (run, _) = ci_in(
        &repo.root(),
        &repo,
        &[("CI".into(), "true".into())],
        &["ci", "--all-files"],
    );
    assert_eq!(run.code(), 2, "{}", run.stderr());
}

#[test]
fn pushing_a_branch_with_no_common_history_still_judges_its_gates_toml() {
    let repo = TestRepo::new();
    repo.config(&base_config())
        .write("a.txt", "fine\n")
        .commit_all("base");
    publish(&repo, "main");
    repo.run(&["install", "--git"]).expect_code(0);
    repo.git(&["checkout", "-q", "--orphan", "evil"]);
    repo.config("[settings]\nbase = \"main\"\n[gates.ok]\nrun = \"true\"\n[protect]\n")
        .write("b.txt", "BAD\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "orphan"]);
    let push = git_out(&repo, &["push", "-q", "origin", "evil"]);
    assert!(!push.status.success(), "{}", said(&push));
    assert!(said(&push).contains("gate-weakened"), "{}", said(&push));

    // A remote that cannot be asked what it has: the new branch is not judged without a base.
    let mut hook = repo.backstop();
    hook.args([
        "hook",
        "git",
        "pre-push",
        "origin",
        "/nonexistent/remote.git",
    ]);
    let tip = head(&repo);
    let line =
        format!("refs/heads/evil {tip} refs/heads/evil 0000000000000000000000000000000000000000\n");
    let out = within(hook, Some(line.as_bytes()), Duration::from_mins(1));
    assert_ne!(out.status.code(), Some(0), "{}", said(&out));
}

/// A repository with a large committed file and unstaged work on it, hooks installed.
fn big_unstaged() -> (TestRepo, String) {
    let committed = "committed line\n".repeat(700_000);
    let repo = TestRepo::new();
    repo.config("[gates.ok]\nrun = \"true\"\n")
        .write("big.dat", &committed)
        .write("a.txt", "a\n")
        .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    let unstaged = "unstaged line\n".repeat(600_000);
    repo.write("big.dat", &unstaged).write("a.txt", "b\n");
    repo.git(&["add", "a.txt"]);
    (repo, unstaged)
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("backstop-tmp"))
        .collect()
}

#[test]
fn recover_removes_the_temporaries_of_a_killed_set_aside() {
    for failpoint in ["kill-while-streaming", "kill-while-restoring"] {
        let (repo, unstaged) = big_unstaged();
        let mut commit = git_command(&repo, &["commit", "-q", "-m", "killed"]);
        commit.env("BACKSTOP_FAILPOINT", failpoint);
        let out = commit.output().unwrap();
        assert!(!out.status.success(), "{failpoint}: {}", said(&out));
        assert!(
            !temporaries(&repo.root()).is_empty(),
            "{failpoint}: the kill left a temporary"
        );
        repo.run(&["recover"]).expect_code(0);
        assert_eq!(
            temporaries(&repo.root()),
            Vec::<String>::new(),
            "{failpoint}"
        );
        assert_eq!(repo.read("big.dat"), unstaged.as_bytes(), "{failpoint}");
    }
}

#[test]
fn a_base_the_ci_system_names_but_the_clone_lacks_is_fixed_by_fetching_not_by_base() {
    let (repo, _, _) = ci_clone(&format!("[settings]\nbase = \"origin/main\"\n{NO_BAD}"));
    let event = json!({"pull_request": {"base": {"sha": "1234567890123456789012345678901234567890"},
        "head": {"sha": head(&repo)}}});
    let env = github_env(&repo, "pull_request", &event);
    let (run, _) = ci_in(&repo.root(), &repo, &env, &["ci"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("fetch-depth"), "{}", run.stderr());
    assert!(!run.stderr().contains("--base"), "{}", run.stderr());
}

#[test]
fn a_config_named_with_dash_dash_config_is_judged_for_weakening_too() {
    let repo = TestRepo::new();
    repo.write("ci/gates.toml", base_config())
        .write("a.txt", "fine\n")
        .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(
        "ci/gates.toml",
        base_config().replace("pass_files = true", "pass_files = false"),
    )
    .write("a.txt", "BAD\n")
    .commit_all("weaken the named config");
    let (run, report) = repo.report(&["--config", "ci/gates.toml", "ci", "--base", "main"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        found_kinds(&report).contains(&"gate-weakened ci/gates.toml".to_owned()),
        "{report:#}"
    );
    // And ci reads it from the commit judged, not from the disk.
    repo.write("ci/gates.toml", "[gates.ok]\nrun = \"true\"\n");
    let (run, report) = repo.report(&["--config", "ci/gates.toml", "ci", "--base", "main"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let names: Vec<&str> = report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["no-bad", "protected"], "{report:#}");
}

#[test]
fn a_cached_pass_never_answers_for_a_file_turned_into_a_link_with_its_text() {
    let repo = TestRepo::new();
    repo.config(
        "[gates.no-bad]\nrun = \"! grep -n BAD\"\nfiles = [\"b.txt\"]\npass_files = true\n",
    )
    .write("b.txt", "fine\n")
    .write("bad.txt", "BAD\n")
    .commit_all("base");
    // The file's text is a name; then the file becomes a link with that name as its target.
    repo.write("b.txt", "bad.txt");
    let (run, report) = repo.report(&["run"]);
    assert_eq!(run.code(), 0, "{report:#}");
    std::fs::remove_file(repo.root().join("b.txt")).unwrap();
    std::os::unix::fs::symlink("bad.txt", repo.root().join("b.txt")).unwrap();
    let (run, report) = repo.report(&["run"]);
    assert_eq!(run.code(), 1, "{report:#}");
    assert_eq!(gate(&report, "no-bad")["status"], "failed", "{report:#}");
}

#[test]
fn a_cached_pre_commit_pass_never_answers_for_a_staged_link_with_the_file_text() {
    let repo = TestRepo::new();
    repo.config(
        "[gates.no-bad]\nrun = \"! grep -n BAD\"\nfiles = [\"b.txt\"]\npass_files = true\non = [\"pre-commit\"]\n",
    )
    .write("b.txt", "fine\n")
    .write("bad.txt", "BAD\n")
    .commit_all("base");
    repo.run(&["install"]).expect_code(0);
    // The staged file's text is a name: the hook passes it (and keeps the pass).
    repo.write("b.txt", "bad.txt");
    repo.git(&["add", "b.txt"]);
    let commit = git_out(&repo, &["commit", "-q", "-m", "a name"]);
    assert!(commit.status.success(), "{}", said(&commit));
    // The same path staged as a link with that name as its target: the same blob id in the
    // index, another mode, and what the gate reads is bad.txt.
    repo.git(&["reset", "-q", "--soft", "HEAD~1"]);
    std::fs::remove_file(repo.root().join("b.txt")).unwrap();
    std::os::unix::fs::symlink("bad.txt", repo.root().join("b.txt")).unwrap();
    repo.git(&["add", "b.txt"]);
    let commit = git_out(&repo, &["commit", "-q", "-m", "a link"]);
    assert!(!commit.status.success(), "{}", said(&commit));
    assert!(said(&commit).contains("no-bad"), "{}", said(&commit));
}

#[test]
fn a_gate_that_turns_a_committed_file_into_a_link_is_put_back_without_writing_through_it() {
    let repo = TestRepo::new();
    repo.config(
        "[settings]\nbase = \"main\"\n[gates.swaps]\nrun = \"rm -f a.txt && ln -s other.txt a.txt\"\npass_files = false\non = [\"pre-commit\"]\n",
    )
    .write("a.txt", "fine\n")
    .write("other.txt", "precious\n")
    .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    repo.write("a.txt", "staged\n");
    repo.git(&["add", "a.txt"]);
    let out = git_out(&repo, &["commit", "-q", "-m", "x"]);
    let said = said(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("gate `swaps` changed a.txt while checking it"),
        "{said}"
    );
    assert_eq!(
        repo.read("a.txt"),
        b"staged\n",
        "the staged version is back"
    );
    assert!(
        !std::fs::symlink_metadata(repo.root().join("a.txt"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(repo.read("other.txt"), b"precious\n", "{said}");
    // The gate's version is kept as it was: a link, not what the link leads to.
    let kept = said
        .split("kept at ")
        .nth(1)
        .and_then(|rest| rest.split_once(". "))
        .map_or_else(|| panic!("{said}"), |(dir, _)| Path::new(dir).join("a.txt"));
    assert_eq!(std::fs::read_link(kept).unwrap(), Path::new("other.txt"));
}

#[test]
fn setting_aside_an_unstaged_link_never_writes_through_it() {
    let repo = TestRepo::new();
    repo.config("[gates.ok]\nrun = \"true\"\npass_files = false\non = [\"pre-commit\"]\n")
        .write("a.txt", "A\n")
        .write("other.txt", "precious\n")
        .write("b.txt", "b\n")
        .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    // Unstaged: a.txt is now a link to another file of the user's.
    std::fs::remove_file(repo.root().join("a.txt")).unwrap();
    std::os::unix::fs::symlink("other.txt", repo.root().join("a.txt")).unwrap();
    repo.write("b.txt", "b2\n");
    repo.git(&["add", "b.txt"]);
    let out = git_out(&repo, &["commit", "-q", "-m", "b2"]);
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(repo.read("other.txt"), b"precious\n", "{}", said(&out));
    assert_eq!(
        std::fs::read_link(repo.root().join("a.txt")).unwrap(),
        Path::new("other.txt")
    );
}

#[test]
fn a_gate_that_turns_a_committed_file_into_a_link_to_a_fifo_never_hangs_the_commit() {
    use std::os::unix::fs::OpenOptionsExt;
    let repo = TestRepo::new();
    repo.config(
        "[settings]\nbase = \"main\"\n[gates.swaps]\nrun = \"rm -f a.txt && mkfifo .fifo && ln -s .fifo a.txt\"\npass_files = false\non = [\"pre-commit\"]\n",
    )
    .write("a.txt", "fine\n")
    .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    repo.write("a.txt", "staged\n");
    repo.git(&["add", "a.txt"]);
    // Output to files: a hook stuck on the FIFO must not hold the test's pipes.
    let log = repo.home().join("commit.log");
    let mut command = git_command(&repo, &["commit", "-q", "-m", "x"]);
    command
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(repo.home().join("commit.err")).unwrap());
    let mut child = command.spawn().unwrap();
    let started = Instant::now();
    let mut hung = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_mins(1) {
            // Opening the FIFO for both ends lets whatever waits on it go on.
            hung = true;
            let _ = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(repo.root().join(".fifo"));
            if started.elapsed() > Duration::from_secs(90) {
                let _ = child.kill();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let said = std::fs::read_to_string(repo.home().join("commit.err")).unwrap();
    assert!(!hung, "the commit waited on the FIFO: {said}");
    assert!(!status.success(), "{said}");
    assert!(
        said.contains("gate `swaps` changed a.txt while checking it"),
        "{said}"
    );
    assert_eq!(
        repo.read("a.txt"),
        b"staged\n",
        "the staged version is back"
    );
}
