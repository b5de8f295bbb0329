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
        said(&commit).contains("checkout-encoding"),
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
        kinds(&report).contains(&"checkout-encoding".to_owned()),
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
        said(&commit).contains("checkout-encoding"),
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
        .filter(|f| f["kind"] == "checkout-encoding")
        .collect();
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["file"], "a.txt");
    assert!(
        found[0]["why"].as_str().unwrap().contains("UTF-16LE"),
        "{report:#}"
    );

    // A project whose files are meant to be UTF-16 allows the kind in its base's [protect]
    // (adding the allow is itself a gate-weakened change, judged by the base before it).
    let repo = TestRepo::new();
    let allowing = base_config().replace("[protect]", "[protect]\nallow = [\"checkout-encoding\"]");
    repo.config(&allowing)
        .write("a.txt", "fine\n")
        .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(".gitattributes", "*.rc working-tree-encoding=UTF-16LE\n")
        .write("app.rc", utf16le("STRINGTABLE\n"));
    repo.git(&["add", ".gitattributes", "app.rc"]);
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
