//! `git commit` and `git push` seen by an agent's pre-tool hook: judged before they run, on
//! exactly what they would commit or push, when git will not run backstop's own hook for them
//! (Gemini CLI's shell turns git hooks off; a project may have no backstop git hooks); left to
//! git when it will, so the gates run once.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use serde_json::{Value, json};

use crate::support::TestRepo;

/// A pre-commit (and pre-push) gate that fails on any `BAD` line and logs each run.
fn gated(repo: &TestRepo) -> &TestRepo {
    let log = repo.home().join("runs.log");
    repo.config(&format!(
        "[gates.no-bad]\nrun = \"echo $BACKSTOP_TRIGGER >> '{}'; ! grep -Hn BAD \\\"$@\\\"\"\nfiles = [\"*.txt\"]\npass_files = true\non = [\"pre-commit\", \"pre-push\", \"stop\"]\n",
        log.display()
    ))
}

fn runs(repo: &TestRepo) -> Vec<String> {
    std::fs::read_to_string(repo.home().join("runs.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn clear_runs(repo: &TestRepo) {
    let _ = std::fs::remove_file(repo.home().join("runs.log"));
}

fn repo() -> TestRepo {
    let repo = TestRepo::new();
    gated(&repo)
        .write("a.txt", "fine\n")
        .write("b.txt", "fine\n")
        .write("sub/c.txt", "fine\n")
        .commit_all("base");
    clear_runs(&repo);
    repo
}

/// The payload each agent sends for a shell command, in `cwd`.
fn payload(agent: &str, cwd: &Path, command: &str) -> Value {
    let cwd = cwd.display().to_string();
    match agent {
        "gemini" => {
            let text = std::fs::read_to_string(format!(
                "{}/tests/fixtures/agents/gemini-0.61.0-before-tool.json",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
            .replace("{{CWD}}", &cwd)
            .replace("{{COMMAND}}", "x");
            let mut value: Value = serde_json::from_str(&text).unwrap();
            value["tool_input"]["command"] = json!(command);
            value
        }
        // Codex sends Claude's shape for its `Bash` tool.
        "claude" | "codex" => {
            json!({"session_id": "s", "cwd": cwd, "hook_event_name": "PreToolUse",
            "tool_name": "Bash", "tool_input": {"command": command}})
        }
        "copilot" => json!({"sessionId": "s", "timestamp": 1, "cwd": cwd, "toolName": "bash",
            "toolArgs": {"command": command, "description": "x"}}),
        "cursor" => json!({"conversation_id": "c", "hook_event_name": "beforeShellExecution",
            "command": command, "cwd": cwd, "workspace_roots": [cwd]}),
        other => panic!("no payload for {other}"),
    }
}

/// The deny reason the agent's pre-tool hook gives for `command`, or `None` when it allows it.
fn verdict_in(repo: &TestRepo, agent: &str, cwd: &Path, command: &str) -> Option<String> {
    let mut child = repo
        .backstop()
        .args(["hook", agent, "pre-tool-use"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(payload(agent, cwd, command).to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "agent hooks exit 0");
    let text = String::from_utf8_lossy(&output.stdout);
    if text.trim().is_empty() {
        return None;
    }
    let answer: Value = serde_json::from_str(text.trim()).unwrap();
    let reason = answer
        .pointer("/hookSpecificOutput/permissionDecisionReason")
        .or_else(|| answer.get("reason"))
        .or_else(|| answer.get("permissionDecisionReason"))
        .or_else(|| answer.get("agent_message"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("not a denial: {answer}"));
    Some(reason.to_owned())
}

fn verdict(repo: &TestRepo, agent: &str, command: &str) -> Option<String> {
    verdict_in(repo, agent, &repo.root(), command)
}

/// The index and every file, to show a judged commit left nothing changed.
fn state(repo: &TestRepo) -> (Vec<u8>, String, Vec<Vec<u8>>) {
    let files = ["a.txt", "b.txt", "sub/c.txt"]
        .iter()
        .map(|p| std::fs::read(repo.root().join(p)).unwrap_or_default())
        .collect();
    (
        std::fs::read(repo.root().join(".git/index")).unwrap(),
        repo.git(&["status", "--porcelain"]),
        files,
    )
}

#[test]
fn gemini_refuses_a_failing_commit_with_the_gate_feedback_and_lets_a_good_one_run() {
    let repo = repo();
    repo.write("a.txt", "fine\nBAD\n");
    let before = state(&repo);
    let reason = verdict(&repo, "gemini", "git commit -am 'Add a line'").expect("denied");
    assert!(reason.contains("a.txt:2: BAD"), "{reason}");
    assert!(
        reason.contains("this commit was not made") && reason.contains("git runs no hooks"),
        "{reason}"
    );
    assert_eq!(
        state(&repo),
        before,
        "the index and the files are untouched"
    );
    assert_eq!(runs(&repo), ["pre-commit"], "judged once, as a pre-commit");
    repo.write("a.txt", "fine\ngood\n");
    assert_eq!(
        verdict(&repo, "gemini", "git commit -am 'Add a line'"),
        None
    );
    // Nothing else is slowed down by the gate: only commits and pushes are judged.
    clear_runs(&repo);
    assert_eq!(verdict(&repo, "gemini", "git status && git diff"), None);
    assert!(runs(&repo).is_empty());
}

#[test]
fn exactly_what_the_commit_would_contain_is_judged() {
    let repo = repo();
    // Staged good, unstaged BAD: a plain commit takes only the staged version.
    repo.write("a.txt", "fine\ngood\n");
    repo.git(&["add", "a.txt"]);
    repo.write("a.txt", "fine\ngood\nBAD\n");
    assert_eq!(verdict(&repo, "gemini", "git commit -m x"), None);
    assert!(verdict(&repo, "gemini", "git commit -am x").is_some(), "-a");
    assert!(
        verdict(&repo, "gemini", "git commit --all -m x").is_some(),
        "--all"
    );
    assert!(
        verdict(&repo, "gemini", "git add a.txt && git commit -m x").is_some(),
        "an earlier git add on the line"
    );
    assert!(
        verdict(&repo, "gemini", "git commit -m x a.txt").is_some(),
        "the named path's working-tree version"
    );
    assert!(
        verdict(&repo, "gemini", "git commit --amend -a --no-edit").is_some(),
        "--amend"
    );
    assert_eq!(
        verdict(&repo, "gemini", "git commit --dry-run -am x"),
        None,
        "a dry run commits nothing"
    );
    repo.git(&["checkout", "--", "a.txt"]);
    // `git commit PATH` commits only PATH: BAD elsewhere, staged or not, is not part of it.
    repo.write("b.txt", "BAD\n");
    repo.git(&["add", "b.txt"]);
    repo.write("sub/c.txt", "fine\nmore\n");
    assert_eq!(verdict(&repo, "gemini", "git commit -m x sub/c.txt"), None);
    assert!(verdict(&repo, "gemini", "git commit -m x").is_some());
    assert!(
        verdict(&repo, "gemini", "git commit -i -m x sub/c.txt").is_some(),
        "-i keeps what is staged"
    );
    // From a subdirectory, with its relative path.
    assert_eq!(
        verdict_in(
            &repo,
            "gemini",
            &repo.root().join("sub"),
            "git commit -m x c.txt"
        ),
        None
    );
    assert_eq!(
        verdict(&repo, "gemini", "cd sub && git commit -m x -- c.txt"),
        None
    );
    // An untracked file is committed only once added.
    repo.git(&["reset", "-q"]);
    repo.git(&["checkout", "--", "."]);
    repo.write("new.txt", "BAD\n");
    assert_eq!(verdict(&repo, "gemini", "git commit -am x"), None);
    assert!(verdict(&repo, "gemini", "git add -A && git commit -m x").is_some());
    assert!(verdict(&repo, "gemini", "git add . ; git commit -qm x").is_some());
    // `git rm` before the commit takes the file out of it.
    repo.write("new.txt", "fine\n");
    repo.write("b.txt", "BAD\n");
    repo.git(&["add", "b.txt"]);
    assert!(verdict(&repo, "gemini", "git commit -m x").is_some());
    assert_eq!(
        verdict(
            &repo,
            "gemini",
            "git rm -q --cached b.txt && git commit -m x"
        ),
        None
    );
    // A pathspec that matches nothing: git itself refuses the command.
    assert_eq!(
        verdict(&repo, "gemini", "git commit -m x nothing.txt"),
        None
    );
    assert!(
        repo.git(&["status", "--porcelain"]).contains("M  b.txt"),
        "the person's index is never written"
    );
}

#[test]
fn with_backstops_git_hook_the_commit_is_left_to_git_so_the_gates_run_once() {
    let repo = repo();
    repo.run(&["install", "--git"]).expect_code(0);
    repo.write("a.txt", "BAD\n");
    clear_runs(&repo);
    // Claude's shell runs git hooks, and backstop's is installed: git's hook will judge it.
    for agent in ["claude", "codex", "copilot", "cursor"] {
        assert_eq!(verdict(&repo, agent, "git commit -am x"), None, "{agent}");
    }
    assert!(runs(&repo).is_empty(), "no gate ran in the pre-tool hook");
    let commit = repo.git_output(&["commit", "-qam", "x"]);
    assert!(!commit.status.success(), "git's hook refuses it");
    assert_eq!(runs(&repo), ["pre-commit"], "once, by git's hook");
    // Gemini's shell switches git hooks off: its pre-tool hook judges, and git runs none.
    clear_runs(&repo);
    assert!(verdict(&repo, "gemini", "git commit -am x").is_some());
    assert_eq!(runs(&repo), ["pre-commit"]);
    // A hook file that no longer reaches backstop counts as none.
    let hook = repo.root().join(".git/hooks/pre-commit");
    std::fs::write(&hook, "#!/bin/sh\nexit 0\n").unwrap();
    assert!(verdict(&repo, "claude", "git commit -am x").is_some());
}

#[test]
fn without_backstops_git_hooks_every_agent_judges_the_commit_itself() {
    let repo = repo();
    repo.write("a.txt", "BAD\n");
    for agent in ["claude", "codex", "gemini", "copilot", "cursor"] {
        let reason = verdict(&repo, agent, "git commit -am x")
            .unwrap_or_else(|| panic!("{agent} let it through"));
        assert!(reason.contains("a.txt:1: BAD"), "{agent}: {reason}");
    }
    // The guard still comes first: a bypass is denied for what it is.
    let reason = verdict(&repo, "claude", "git commit --no-verify -am x").unwrap();
    assert!(reason.contains("--no-verify"), "{reason}");
}

#[test]
fn a_repository_without_gates_toml_is_not_judged() {
    let repo = TestRepo::new();
    repo.write("a.txt", "BAD\n").commit_all("base");
    repo.write("a.txt", "BAD\nBAD\n");
    assert_eq!(verdict(&repo, "gemini", "git commit -am x"), None);
    // But deleting gates.toml does not switch the gates off: HEAD still has it.
    let repo = self::repo();
    repo.write("a.txt", "BAD\n");
    std::fs::remove_file(repo.root().join("gates.toml")).unwrap();
    assert!(verdict(&repo, "gemini", "git commit -am x").is_some());
}

fn pushed() -> (TestRepo, tempfile::TempDir) {
    let repo = repo();
    let remote = tempfile::tempdir().unwrap();
    repo.git(&["init", "-q", "--bare", &remote.path().display().to_string()]);
    repo.git(&[
        "remote",
        "add",
        "origin",
        &remote.path().display().to_string(),
    ]);
    repo.git(&["push", "-q", "-u", "origin", "main"]);
    (repo, remote)
}

#[test]
fn gemini_refuses_a_push_of_a_failing_commit() {
    let (repo, _remote) = pushed();
    repo.write("a.txt", "BAD\n").commit_all("bad");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("b.txt", "fine\nmore\n")
        .commit_all("good on topic");
    clear_runs(&repo);
    for command in [
        "git push",
        "git push origin topic",
        "git push -u origin HEAD",
        "git push origin main",
        "git push --all",
    ] {
        let reason =
            verdict(&repo, "gemini", command).unwrap_or_else(|| panic!("{command} let through"));
        assert!(reason.contains("a.txt:1: BAD"), "{command}: {reason}");
        assert!(reason.contains("this push was not made"), "{reason}");
    }
    assert!(
        runs(&repo).iter().all(|r| r == "pre-push"),
        "{:?}",
        runs(&repo)
    );
    for command in [
        "git push --dry-run",
        "git push origin --delete topic",
        "git push origin :topic",
    ] {
        assert_eq!(verdict(&repo, "gemini", command), None, "{command}");
    }
    // A commit and a push on one line: the pushed commit does not exist yet.
    repo.write("a.txt", "fine\n").commit_all("fixed");
    let reason = verdict(&repo, "gemini", "git commit -qam x && git push").unwrap();
    assert!(reason.contains("as a command of its own"), "{reason}");
    // Fixed on topic: its range ends with good content; main still has the bad commit.
    assert_eq!(verdict(&repo, "gemini", "git push origin topic"), None);
    assert!(verdict(&repo, "gemini", "git push origin main").is_some());
}

#[test]
fn install_gives_the_pre_tool_hook_time_for_the_commit_gates() {
    let repo = TestRepo::new();
    repo.config("[gates.slow]\nrun = \"true\"\ntimeout = \"20m\"\non = [\"pre-commit\"]\n[gates.stop-only]\nrun = \"true\"\ntimeout = \"30m\"\non = [\"stop\"]\n")
        .commit_all("base");
    repo.run(&["install", "--claude", "--gemini", "--copilot", "--codex"])
        .expect_code(0);
    let read = |path: &str| -> Value {
        serde_json::from_slice(&std::fs::read(repo.root().join(path)).unwrap()).unwrap()
    };
    let claude = read(".claude/settings.json");
    assert_eq!(
        claude["hooks"]["PreToolUse"][0]["hooks"][0]["timeout"],
        json!(1260)
    );
    assert_eq!(
        claude["hooks"]["Stop"][0]["hooks"][0]["timeout"],
        json!(1860)
    );
    let gemini = read(".gemini/settings.json");
    assert_eq!(
        gemini["hooks"]["BeforeTool"][0]["hooks"][0]["timeout"],
        json!(1_260_000)
    );
    let copilot = read(".github/hooks/backstop.json");
    assert_eq!(copilot["hooks"]["preToolUse"][0]["timeoutSec"], json!(1260));
    let codex = read(".codex/hooks.json");
    assert_eq!(
        codex["hooks"]["PreToolUse"][0]["hooks"][0]["timeout"],
        json!(1260)
    );
}
