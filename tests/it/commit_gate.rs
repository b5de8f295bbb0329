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
    verdict_with(repo, agent, cwd, command, &json!({}))
}

/// The same, with more fields in the tool's input (`is_background`, `dir_path`...).
fn verdict_with(
    repo: &TestRepo,
    agent: &str,
    cwd: &Path,
    command: &str,
    input: &Value,
) -> Option<String> {
    let mut sent = payload(agent, cwd, command);
    let key = match agent {
        "copilot" => "toolArgs",
        _ => "tool_input",
    };
    for (name, value) in input.as_object().unwrap() {
        sent[key][name] = value.clone();
    }
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
        .write_all(sent.to_string().as_bytes())
        .unwrap();
    // A hook that waits on an editor or a terminal is a failure, not a hung test.
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the pre-tool hook did not finish in 60 s: {command}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
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
    // `git status` may refresh the index's stat data first (racily clean entries): read the
    // bytes after it, so that only a real write shows.
    let status = repo.git(&["status", "--porcelain"]);
    (
        std::fs::read(repo.root().join(".git/index")).unwrap(),
        status,
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
    for agent in ["claude", "codex", "copilot"] {
        assert_eq!(verdict(&repo, agent, "git commit -am x"), None, "{agent}");
    }
    assert!(runs(&repo).is_empty(), "no gate ran in the pre-tool hook");
    // Whether Cursor's shell runs git hooks is not verified: its pre-tool hook judges.
    assert!(verdict(&repo, "cursor", "git commit -am x").is_some());
    clear_runs(&repo);
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
    repo.run(&["install", "--cursor"]).expect_code(0);
    let cursor = read(".cursor/hooks.json");
    assert_eq!(
        cursor["hooks"]["beforeShellExecution"][0]["timeout"],
        json!(1260)
    );
    let codex = read(".codex/hooks.json");
    assert_eq!(
        codex["hooks"]["PreToolUse"][0]["hooks"][0]["timeout"],
        json!(1260)
    );
}

// Review of the commit gate: each test below let a failing commit or push through before.

/// "Run it as a command of its own": the refusal of a line the gate cannot judge exactly.
const OWN: &str = "as a command of its own";

#[test]
fn a_line_that_changes_files_before_its_commit_is_refused_where_backstop_judges() {
    let repo = repo();
    repo.git(&["checkout", "-q", "-b", "bad"]);
    repo.write("a.txt", "BAD\n").commit_all("bad");
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        "p.diff",
        "--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-fine\n+BAD\n",
    );
    clear_runs(&repo);
    let before = state(&repo);
    for command in [
        "echo BAD > a.txt && git commit -am x",
        "printf 'BAD\\n' >> a.txt; git commit -am x",
        "sed -i s/fine/BAD/ a.txt && git commit -am x",
        "python3 -c 'open(\"a.txt\", \"w\").write(\"BAD\")' && git commit -am x",
        "git stash pop && git commit -am x",
        "git checkout bad -- a.txt && git commit -m x",
        "git apply --cached p.diff && git commit -m x",
        "git commit -qm first && git commit --amend -am x",
        // Backgrounded: judged now, committed later.
        "sleep 5 && git commit -am x &",
        "git commit -am x & sed -i s/fine/BAD/ a.txt",
        // A pipeline runs its commands at the same time.
        "git commit -am x | sed -i s/fine/BAD/ a.txt",
    ] {
        for agent in ["gemini", "claude"] {
            let reason = verdict(&repo, agent, command)
                .unwrap_or_else(|| panic!("{agent}: `{command}` let through"));
            assert!(reason.contains(OWN), "{agent}: {command}: {reason}");
        }
    }
    // The agent's own background switch (Gemini, Claude Code, Copilot).
    for (agent, input) in [
        ("gemini", json!({"is_background": true})),
        ("claude", json!({"run_in_background": true})),
        ("copilot", json!({"mode": "async"})),
    ] {
        let reason = verdict_with(&repo, agent, &repo.root(), "git commit -am x", &input)
            .unwrap_or_else(|| panic!("{agent}: a background commit let through"));
        assert!(reason.contains("background"), "{agent}: {reason}");
    }
    assert_eq!(state(&repo), before, "nothing ran, nothing changed");
    assert!(runs(&repo).is_empty(), "refused before any gate ran");
    // The plain forms agents use are judged, and let through when the gates pass.
    for (n, command) in [
        "git add -A && git commit -m msg",
        "git commit -am msg",
        "cd sub && git commit -am msg",
        "git status && git diff --stat && git add . && git commit -qm msg",
        "git commit -am \"$(cat <<'EOF'\nDon't break & pipe | \"here\"\n\nBody\nEOF\n)\"",
        "git commit -am msg 2>&1 | tail -5",
        "git add a.txt; git commit -m msg > /dev/null",
        "git add -A && git commit -m msg && git log --oneline -1",
        "git commit -am msg; echo BAD > a.txt",
    ]
    .iter()
    .enumerate()
    {
        // New content each time: a cached verdict would run no gate.
        repo.write("a.txt", format!("fine\ngood {n}\n"));
        clear_runs(&repo);
        assert_eq!(verdict(&repo, "gemini", command), None, "{command}");
        assert_eq!(runs(&repo), ["pre-commit"], "judged: {command}");
    }
    repo.write("a.txt", "BAD\n");
    let reason = verdict(&repo, "gemini", "git add -A && git commit -m msg").unwrap();
    assert!(reason.contains("a.txt:1: BAD"), "{reason}");
    // A here-string before the commit hides nothing after it (it once read as a here-document
    // that swallowed the rest of the line, the commit included): the failing commit is judged
    // (or the line refused), never let through.
    for command in [
        "cat <<< x; git commit -am x",
        "cat <<< x\ngit commit -am x",
        "grep -q fine <<< \"$(cat b.txt)\" && git commit -am x",
    ] {
        let reason =
            verdict(&repo, "gemini", command).unwrap_or_else(|| panic!("`{command}` let through"));
        assert!(
            reason.contains("a.txt:1: BAD") || reason.contains(OWN),
            "{command}: {reason}"
        );
    }
    // Where git runs backstop's hook, the line is left to git, whatever runs first.
    repo.run(&["install", "--git"]).expect_code(0);
    assert_eq!(
        verdict(&repo, "claude", "echo BAD > a.txt && git commit -am x"),
        None
    );
}

#[test]
fn with_fixers_on_the_pre_tool_gate_only_checks_and_changes_nothing() {
    let repo = TestRepo::new();
    let log = repo.home().join("runs.log");
    repo.config(&format!(
        "[settings]\nfix = true\n[gates.no-bad]\nrun = \"echo $BACKSTOP_TRIGGER >> '{}'; ! grep -Hn BAD \\\"$@\\\"\"\nfix = \"sed -i s/BAD/good/ \\\"$@\\\"\"\nfiles = [\"*.txt\"]\npass_files = true\non = [\"pre-commit\"]\n",
        log.display()
    ))
    .write("a.txt", "fine\n")
    .commit_all("base");
    repo.write("a.txt", "fine\nBAD\n");
    repo.git(&["add", "a.txt"]);
    let before = state(&repo);
    let reason = verdict(&repo, "gemini", "git commit -m x").expect("refused");
    assert!(reason.contains("a.txt:2: BAD"), "{reason}");
    assert!(
        reason.contains("backstop run pre-commit --fix"),
        "the way to run the fixers: {reason}"
    );
    assert_eq!(state(&repo), before, "no fixer ran on the person's files");
    assert_eq!(repo.git(&["status", "--porcelain"]), "M  a.txt\n");
    // Fixed by hand, it passes.
    repo.write("a.txt", "fine\ngood\n");
    repo.git(&["add", "a.txt"]);
    assert_eq!(verdict(&repo, "gemini", "git commit -m x"), None);
}

#[test]
fn a_git_call_that_is_not_plain_is_judged_here_even_with_backstops_git_hook() {
    let repo = repo();
    repo.run(&["install", "--git"]).expect_code(0);
    repo.write("x.cfg", "[core]\n\thooksPath = /dev/null\n");
    repo.write("a.txt", "BAD\n");
    clear_runs(&repo);
    assert_eq!(verdict(&repo, "claude", "git commit -am x"), None, "plain");
    assert!(runs(&repo).is_empty());
    for command in [
        "export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.hooksPath GIT_CONFIG_VALUE_0=/dev/null; git commit -am x",
        "env GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.hooksPath GIT_CONFIG_VALUE_0=/dev/null git commit -am x",
        "git --config-env core.hooksPath=PWD commit -am x",
        "git -c include.path=x.cfg commit -am x",
        "GIT_CONFIG_GLOBAL=x.cfg git commit -am x",
        "HOME=/tmp git commit -am x",
        ". ./env.sh && git commit -am x",
        "git -c alias.ci='!git commit --no-verify' ci -am x",
    ] {
        assert!(
            verdict(&repo, "claude", command).is_some(),
            "`{command}` left to a hook git may not run"
        );
    }
}

#[test]
fn aliases_wrappers_merges_pulls_and_messages_are_judged() {
    let repo = repo();
    repo.git(&["config", "alias.ci", "commit"]);
    repo.git(&["config", "alias.cia", "commit -a"]);
    repo.write("a.txt", "BAD\n");
    for command in [
        "git ci -am x",
        "git cia -m x",
        "git -c alias.co=commit co -am x",
    ] {
        let reason =
            verdict(&repo, "gemini", command).unwrap_or_else(|| panic!("`{command}` let through"));
        assert!(reason.contains("a.txt:1: BAD"), "{command}: {reason}");
    }
    for command in [
        "git config alias.cm commit && git cm -am x",
        "echo x.txt | xargs git commit -am",
        // The program or the subcommand known only when the line runs.
        "g=git; $g commit -am x",
        "$(which git) commit -am x",
        "git ${X:-commit} -am x",
        "find . -name a.txt -exec git commit -m x {} +",
    ] {
        assert!(
            verdict(&repo, "gemini", command).is_some(),
            "`{command}` let through"
        );
    }
    repo.git(&["checkout", "--", "a.txt"]);
    // A merge makes a commit: git judges it with pre-merge-commit; here, the gate.
    repo.git(&["checkout", "-q", "-b", "bad"]);
    repo.write("a.txt", "BAD\n").commit_all("bad");
    repo.git(&["checkout", "-q", "-b", "good", "main"]);
    repo.write("sub/c.txt", "fine\nmore\n").commit_all("good");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("b.txt", "fine\nmain\n")
        .commit_all("main moves on");
    clear_runs(&repo);
    for command in [
        "git merge --no-ff bad",
        "git merge bad -m x",
        "git merge --no-edit bad",
    ] {
        let reason =
            verdict(&repo, "gemini", command).unwrap_or_else(|| panic!("`{command}` let through"));
        assert!(reason.contains("a.txt:1: BAD"), "{command}: {reason}");
    }
    assert!(
        runs(&repo).iter().all(|r| r == "pre-commit"),
        "{:?}",
        runs(&repo)
    );
    for command in [
        "git merge --no-edit good",
        "git merge --squash bad",
        "git merge --no-commit bad",
        "git merge --ff-only bad",
    ] {
        assert_eq!(verdict(&repo, "gemini", command), None, "{command}");
    }
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "",
        "nothing merged into the person's tree"
    );
    let reason = verdict(&repo, "gemini", "git pull").expect("a pull may merge");
    assert!(reason.contains("--ff-only"), "{reason}");
    assert_eq!(verdict(&repo, "gemini", "git pull --ff-only"), None);
    assert_eq!(verdict(&repo, "gemini", "git pull --rebase"), None);
}

#[test]
fn commit_msg_gates_judge_the_message_of_a_commit_git_runs_no_hook_for() {
    let repo = TestRepo::new();
    repo.config("[gates.message]\nrun = 'grep -q \"^feat\" \"$1\"'\non = [\"commit-msg\"]\n")
        .write("a.txt", "fine\n")
        .commit_all("feat: base");
    repo.write("a.txt", "fine\nmore\n");
    let reason = verdict(&repo, "gemini", "git commit -am 'wip'").expect("refused");
    assert!(reason.contains("commit-msg"), "{reason}");
    assert_eq!(
        verdict(&repo, "gemini", "git commit -am 'feat: more'"),
        None
    );
    assert_eq!(
        verdict(&repo, "gemini", "git commit -a -m 'feat: more' -m 'Body'"),
        None
    );
    repo.write("msg.txt", "nope\n");
    assert!(verdict(&repo, "gemini", "git commit -a -F msg.txt").is_some());
    repo.write("msg.txt", "feat: from a file\n");
    assert_eq!(verdict(&repo, "gemini", "git commit -a -F msg.txt"), None);
    // --amend without a message keeps HEAD's.
    assert_eq!(
        verdict(&repo, "gemini", "git commit --amend -a --no-edit"),
        None
    );
    // A message backstop cannot read is refused, with what to do instead.
    let reason = verdict(&repo, "gemini", "git commit -a -F - <<EOF\nfeat: x\nEOF").unwrap();
    assert!(reason.contains("-m"), "{reason}");
}

#[test]
fn the_directory_a_commit_runs_in_is_read_or_the_commit_is_refused() {
    let repo = repo();
    repo.write("a.txt", "BAD\n");
    let root = repo.root().display().to_string();
    for command in [
        "cd \"$PWD\" && git commit -am x",
        "cd $(git rev-parse --show-toplevel) && git commit -am x",
        "git -C \"$PWD\" commit -am x",
        "cd sub; cd -; git commit -am x",
        "pushd sub && git commit -am x",
        "cd nowhere; git commit -am x",
        "GIT_INDEX_FILE=/tmp/other-index git commit -m x",
    ] {
        assert!(
            verdict(&repo, "gemini", command).is_some(),
            "`{command}` let through"
        );
    }
    // From outside any repository, into this one.
    let outside = tempfile::tempdir().unwrap();
    for command in [
        format!("GIT_DIR={root}/.git GIT_WORK_TREE={root} git commit -am x"),
        format!("git --git-dir={root}/.git --work-tree={root} commit -am x"),
    ] {
        assert!(
            verdict_in(&repo, "gemini", outside.path(), &command).is_some(),
            "`{command}` let through"
        );
    }
    // Gemini's shell takes the directory apart from the command (`dir_path`), relative to the
    // workspace (Codex sends its `workdir` as the payload's `cwd`).
    let workspace = repo.root().parent().unwrap().to_path_buf();
    for (agent, input) in [
        ("gemini", json!({"dir_path": "repo"})),
        ("gemini", json!({"dir_path": root})),
    ] {
        let reason = verdict_with(&repo, agent, &workspace, "git commit -am x", &input)
            .unwrap_or_else(|| panic!("{agent} {input}: let through"));
        assert!(reason.contains("a.txt:1: BAD"), "{reason}");
    }
    // A tool directory that does not exist cannot be judged: refused, not let through.
    let reason = verdict_with(
        &repo,
        "gemini",
        &repo.root(),
        "git commit -am x",
        &json!({"dir_path": "nowhere"}),
    );
    assert!(reason.is_some(), "a missing tool directory let through");
}

#[test]
fn a_pathspec_file_backstop_cannot_read_is_refused() {
    let repo = repo();
    repo.write("a.txt", "BAD\n");
    for command in [
        "echo a.txt | git commit --pathspec-from-file=- -m x",
        "printf 'a.txt\\n' > list.txt && git commit --pathspec-from-file=list.txt -m x",
        "git commit --pathspec-from-file=missing.txt -m x",
    ] {
        assert!(
            verdict(&repo, "gemini", command).is_some(),
            "`{command}` let through"
        );
    }
    repo.write("list.txt", "a.txt\n");
    let reason = verdict(
        &repo,
        "gemini",
        "git commit --pathspec-from-file=list.txt -m x",
    )
    .unwrap();
    assert!(reason.contains("a.txt:1: BAD"), "{reason}");
}

#[test]
fn a_push_is_judged_on_every_ref_it_pushes() {
    let (repo, _remote) = pushed();
    repo.write("a.txt", "BAD\n").commit_all("bad");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("b.txt", "fine\nmore\n")
        .commit_all("good on topic");
    for command in [
        "git push origin 'refs/heads/*:refs/heads/*'",
        "git push origin 'refs/heads/t*'",
        "git push origin :",
        "git push origin $(git rev-parse topic):refs/heads/x",
        "git push origin HEAD~1:refs/heads/y",
    ] {
        assert!(
            verdict(&repo, "gemini", command).is_some(),
            "`{command}` let through"
        );
    }
    // Tags: `--tags` pushes them all, whatever the branch.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["tag", "-a", "v1", "-m", "v1"]);
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    assert_eq!(verdict(&repo, "gemini", "git push"), None, "main is pushed");
    assert!(verdict(&repo, "gemini", "git push --tags").is_some());
    assert!(verdict(&repo, "gemini", "git push origin --tags").is_some());
    let reason = verdict(&repo, "gemini", "git push origin tag v1").expect("the tag is judged");
    assert!(reason.contains("a.txt:1: BAD"), "{reason}");
}

#[test]
fn a_remote_tracking_ref_git_did_not_set_is_not_trusted() {
    let (repo, _remote) = pushed();
    repo.write("a.txt", "BAD\n").commit_all("bad");
    assert!(verdict(&repo, "gemini", "git push").is_some());
    // An earlier command moved origin/main to the bad commit, as if it had been pushed.
    repo.git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
    let reason = verdict(&repo, "gemini", "git push").expect("the forged position is ignored");
    assert!(reason.contains("a.txt:1: BAD"), "{reason}");
    // A new branch is judged from its base, settings.base (origin/main): the same holds.
    repo.git(&["checkout", "-q", "-b", "newb"]);
    let reason =
        verdict(&repo, "gemini", "git push origin newb").expect("judged from the real base");
    assert!(reason.contains("a.txt:1: BAD"), "{reason}");
    // A fetch puts it back where the remote is, and it is trusted again.
    repo.git(&["fetch", "-q", "origin"]);
    assert!(verdict(&repo, "gemini", "git push origin newb").is_some());
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["reset", "-q", "--hard", "origin/main"]);
    assert_eq!(verdict(&repo, "gemini", "git push"), None);
}

/// husky 9.1.7's hooks directory: `.husky/_/<hook>` sources `h`, which runs `.husky/<hook>`
/// (the files `husky` writes; `h` copied from the npm package).
fn husky(repo: &TestRepo, pre_commit: &str) {
    let h = std::fs::read(format!(
        "{}/tests/fixtures/husky-9.1.7/h",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    repo.write(".husky/_/h", h);
    for hook in ["pre-commit", "pre-merge-commit", "commit-msg", "pre-push"] {
        let path = repo.root().join(".husky/_").join(hook);
        std::fs::write(&path, "#!/usr/bin/env sh\n. \"$(dirname \"$0\")/h\"").unwrap();
        let executable = std::os::unix::fs::PermissionsExt::from_mode(0o755);
        std::fs::set_permissions(&path, executable).unwrap();
    }
    repo.write(".husky/pre-commit", pre_commit);
    repo.git(&["config", "core.hooksPath", ".husky/_"]);
}

#[test]
fn husky_running_backstop_leaves_the_commit_to_git_once() {
    let repo = repo();
    let binary = assert_cmd::cargo::cargo_bin("backstop");
    husky(
        &repo,
        &format!("{} hook git pre-commit\n", binary.display()),
    );
    repo.write("a.txt", "BAD\n");
    clear_runs(&repo);
    assert_eq!(verdict(&repo, "claude", "git commit -am x"), None);
    assert!(runs(&repo).is_empty(), "no gate ran in the pre-tool hook");
    let commit = repo.git_output(&["commit", "-qam", "x"]);
    assert!(!commit.status.success(), "husky's hook refuses it");
    assert_eq!(
        runs(&repo),
        ["pre-commit"],
        "once, by git's hook through husky"
    );
    // A husky script without backstop: judged here, and the refusal says where to add it.
    husky(&repo, "npm test\n");
    let reason = verdict(&repo, "claude", "git commit -am x").expect("judged here");
    assert!(reason.contains(".husky/pre-commit"), "{reason}");
    assert!(!reason.contains("backstop install --git"), "{reason}");
}

#[test]
fn interactive_adds_are_refused_not_replayed() {
    let repo = repo();
    repo.write("a.txt", "fine\nBAD\n");
    for command in [
        "git add -e && git commit -m x",
        "git add -p && git commit -m x",
        "git add -i && git commit -m x",
        "git add --pathspec-from-file=- < list && git commit -m x",
        "git commit -p -m x",
    ] {
        let reason =
            verdict(&repo, "gemini", command).unwrap_or_else(|| panic!("`{command}` let through"));
        assert!(reason.contains("git"), "{reason}");
    }
}

#[test]
fn a_refusal_says_whether_the_gates_failed_or_could_not_run() {
    let repo = repo();
    repo.write("gates.toml", "[gates.broken]\nrun = \n");
    repo.git(&["add", "gates.toml"]);
    let reason = verdict(&repo, "gemini", "git commit -m x").expect("refused");
    assert!(reason.contains("could not judge"), "{reason}");
    assert!(!reason.contains("gates fail"), "{reason}");
}

#[test]
fn a_pre_tool_hook_an_older_install_left_short_refuses_before_the_agent_kills_it() {
    let repo = TestRepo::new();
    repo.config("[gates.slow]\nrun = \"sleep 30\"\non = [\"pre-commit\"]\n")
        .write("a.txt", "x\n")
        .commit_all("base");
    repo.run(&["install", "--claude"]).expect_code(0);
    // As a backstop from before the commit gate wrote it: 5 s for the pre-tool hook. Claude
    // Code kills the hook then, and runs the command unjudged.
    let path = repo.root().join(".claude/settings.json");
    let mut settings: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    settings["hooks"]["PreToolUse"][0]["hooks"][0]["timeout"] = json!(5);
    std::fs::write(&path, settings.to_string()).unwrap();
    repo.write("a.txt", "y\n");
    let before = state(&repo);
    let started = std::time::Instant::now();
    let reason = verdict(&repo, "claude", "git commit -am x").expect("refused");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "ended within the agent's limit, not after the 30 s gate"
    );
    assert!(reason.contains("backstop install --claude"), "{reason}");
    assert!(reason.contains("5 s"), "{reason}");
    assert_eq!(state(&repo).0, before.0, "the index is untouched");
    assert_eq!(repo.read("a.txt"), b"y\n", "the work is back in place");
}

#[test]
fn every_judged_form_leaves_the_index_and_the_files_as_they_were() {
    let repo = repo();
    repo.git(&["checkout", "-q", "-b", "bad"]);
    repo.write("a.txt", "BAD\n").commit_all("bad");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("b.txt", "fine\nmain\n")
        .commit_all("main moves on");
    // Staged, unstaged and untracked work, all different.
    repo.write("a.txt", "fine\nstaged\n");
    repo.git(&["add", "a.txt"]);
    repo.write("a.txt", "fine\nstaged\nBAD unstaged\n");
    repo.write("sub/c.txt", "fine\nBAD\n");
    repo.write("new.txt", "BAD untracked\n");
    let before = state(&repo);
    let untracked = repo.read("new.txt");
    for command in [
        "git commit -m x",
        "git commit -am x",
        "git commit -m x sub/c.txt",
        "git commit -i -m x sub/c.txt",
        "git add -A && git commit -m x",
        "git rm -q --cached a.txt && git commit -m x",
        "git commit --amend --no-edit -a",
        "git merge --no-ff bad",
    ] {
        let _ = verdict(&repo, "gemini", command);
        assert_eq!(state(&repo), before, "{command}");
        assert_eq!(repo.read("new.txt"), untracked, "{command}");
    }
}

/// A hook manager's shim in `.git/hooks/pre-commit` (`text`), executable.
fn manager_shim(repo: &TestRepo, text: &str) {
    let path = repo.root().join(".git/hooks/pre-commit");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    let executable = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(&path, executable).unwrap();
}

#[test]
fn lefthook_and_pre_commit_running_backstop_leave_the_commit_to_git() {
    // lefthook 1.x's shim and pre-commit 4.x's: both hand the hook to the manager, whose config
    // says what runs.
    let managers = [
        (
            "lefthook.yml",
            "pre-commit:\n  commands:\n    backstop:\n      run: backstop hook git pre-commit\n",
            "pre-commit:\n  commands:\n    lint:\n      run: npm test\n",
            "#!/bin/sh\n# lefthook shim\nlefthook run pre-commit \"$@\"\n",
        ),
        (
            ".pre-commit-config.yaml",
            "repos:\n- repo: local\n  hooks:\n  - id: backstop\n    name: backstop\n    entry: backstop hook git pre-commit\n    language: system\n    pass_filenames: false\n",
            "repos:\n- repo: local\n  hooks:\n  - id: lint\n    name: lint\n    entry: npm test\n    language: system\n",
            "#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\nexec python3 -mpre_commit hook-impl --hook-type=pre-commit \"$@\"\n",
        ),
    ];
    for (file, runs_backstop, other, shim) in managers {
        let repo = repo();
        repo.write(file, runs_backstop);
        manager_shim(&repo, shim);
        repo.write("a.txt", "BAD\n");
        clear_runs(&repo);
        assert_eq!(
            verdict(&repo, "claude", "git commit -am x"),
            None,
            "{file}: git's hook runs backstop"
        );
        assert!(
            runs(&repo).is_empty(),
            "{file}: no gate ran in the pre-tool hook"
        );
        // Gemini's shell runs no hook at all: judged there all the same.
        assert!(
            verdict(&repo, "gemini", "git commit -am x").is_some(),
            "{file}"
        );
        // The manager's config without backstop: judged here, and the refusal says why.
        repo.write(file, other);
        let reason = verdict(&repo, "claude", "git commit -am x")
            .unwrap_or_else(|| panic!("{file}: let through"));
        assert!(reason.contains("a.txt:1: BAD"), "{file}: {reason}");
        assert!(reason.contains("does not run backstop"), "{file}: {reason}");
    }
}
