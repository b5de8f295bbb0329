//! Agent hooks through the real binary, fed the payloads each agent documents: the exact
//! block objects, silence on success, the retry budget, the session base, the guard, and
//! installing into existing configs.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use crate::support::{Run, TestRepo};

const FAILING: &str = "[settings]\nstop_retries = 2\n[gates.no-bad]\nrun = \"! grep -n BAD\"\nfiles = [\"*.txt\"]\npass_files = true\n[gates.no-ugly]\nrun = \"! grep -n UGLY\"\nfiles = [\"*.txt\"]\npass_files = true\n";

fn fixture(name: &str, repo: &TestRepo, command: &str) -> String {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/agents/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let escaped = serde_json::to_string(command).unwrap();
    text.replace("{{CWD}}", &repo.root().display().to_string())
        .replace("{{COMMAND}}", escaped.trim_matches('"'))
}

fn hook(repo: &TestRepo, agent: &str, event: &str, stdin: &str) -> Output {
    let mut child = repo
        .backstop()
        .args(["hook", agent, event])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "agent hooks always exit 0: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn answer(output: &Output) -> Option<Value> {
    let text = String::from_utf8_lossy(&output.stdout);
    (!text.trim().is_empty()).then(|| {
        serde_json::from_str(text.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {text}"))
    })
}

fn keys(value: &Value) -> Vec<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

fn repo_with(config: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.config(config)
        .write("a.txt", "fine\n")
        .commit_all("base");
    repo
}

#[test]
fn every_agent_gets_its_exact_block_object_and_silence_on_success() {
    let cases = [
        (
            "claude",
            "stop",
            "claude-stop",
            vec!["decision", "reason"],
            "block",
        ),
        (
            "claude",
            "subagent-stop",
            "claude-subagent-stop",
            vec!["decision", "reason"],
            "block",
        ),
        (
            "codex",
            "stop",
            "codex-stop",
            vec!["decision", "reason"],
            "block",
        ),
        (
            "gemini",
            "stop",
            "gemini-after-agent",
            vec!["decision", "reason"],
            "deny",
        ),
        (
            "cursor",
            "stop",
            "cursor-stop",
            vec!["followup_message"],
            "",
        ),
        (
            "copilot",
            "stop",
            "copilot-agent-stop",
            vec!["decision", "reason"],
            "block",
        ),
    ];
    for (agent, event, payload, expected_keys, decision) in cases {
        let repo = repo_with(FAILING);
        let stdin = fixture(payload, &repo, "");
        assert!(
            answer(&hook(&repo, agent, event, &stdin)).is_none(),
            "{agent}: all pass prints nothing"
        );
        repo.write("a.txt", "BAD line\n");
        let blocked = answer(&hook(&repo, agent, event, &stdin))
            .unwrap_or_else(|| panic!("{agent} was not blocked"));
        assert_eq!(keys(&blocked), expected_keys, "{agent}: exactly these keys");
        if !decision.is_empty() {
            assert_eq!(blocked["decision"], decision, "{agent}");
        }
        let text = blocked
            .get("reason")
            .or_else(|| blocked.get("followup_message"))
            .unwrap()
            .as_str()
            .unwrap();
        assert!(
            text.starts_with("backstop: 1 of 2 gates failed: no-bad"),
            "{agent}: {text}"
        );
        assert!(
            text.contains("a.txt") || text.contains("BAD"),
            "{agent}: names what failed: {text}"
        );
        assert!(
            text.contains(".git/backstop/last-report.json"),
            "{agent}: names the full report"
        );
        assert!(text.chars().count() < 10_000);
        let report: Value = serde_json::from_slice(
            &std::fs::read(repo.root().join(".git/backstop/last-report.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(report["ok"], false);
    }
}

#[test]
fn the_retry_budget_lets_the_agent_stop_and_tells_the_person() {
    let repo = repo_with(FAILING);
    repo.write("a.txt", "BAD\n");
    let stdin = fixture("claude-stop", &repo, "");
    for attempt in 1..=2 {
        let blocked = answer(&hook(&repo, "claude", "stop", &stdin)).unwrap();
        assert_eq!(blocked["decision"], "block", "attempt {attempt}");
    }
    let released = answer(&hook(&repo, "claude", "stop", &stdin)).unwrap();
    assert_eq!(keys(&released), ["systemMessage"]);
    assert!(
        released["systemMessage"]
            .as_str()
            .unwrap()
            .contains("gates still fail: no-bad")
    );
    // stop_hook_active neither resets nor is needed.
    let active = stdin.replace("\"stop_hook_active\": false", "\"stop_hook_active\": true");
    assert_eq!(
        keys(&answer(&hook(&repo, "claude", "stop", &active)).unwrap()),
        ["systemMessage"]
    );

    // A changed failure (another gate fails) blocks again; a green run resets.
    repo.write("a.txt", "UGLY\n");
    assert_eq!(
        answer(&hook(&repo, "claude", "stop", &stdin)).unwrap()["decision"],
        "block"
    );
    repo.write("a.txt", "fine\n");
    assert!(answer(&hook(&repo, "claude", "stop", &stdin)).is_none());
    repo.write("a.txt", "BAD\n");
    assert_eq!(
        answer(&hook(&repo, "claude", "stop", &stdin)).unwrap()["decision"],
        "block",
        "the count started over"
    );
}

#[test]
fn codex_gives_up_with_only_keys_codex_accepts() {
    let repo = repo_with(FAILING);
    repo.write("a.txt", "BAD\n");
    let stdin = fixture("codex-stop", &repo, "");
    for _ in 0..2 {
        assert_eq!(
            keys(&answer(&hook(&repo, "codex", "stop", &stdin)).unwrap()),
            ["decision", "reason"]
        );
    }
    assert_eq!(
        keys(&answer(&hook(&repo, "codex", "stop", &stdin)).unwrap()),
        ["systemMessage"]
    );
}

#[test]
fn unreadable_input_is_an_empty_payload_and_the_gates_still_run() {
    // Every garbage payload is the same `unknown` session: allow enough retries.
    let repo = repo_with(&FAILING.replace("stop_retries = 2", "stop_retries = 20"));
    repo.write("a.txt", "BAD\n");
    for garbage in [
        "",
        "not json",
        "{\"session_id\": \"x\", \"cwd\":",
        "\u{feff}[1, 2]",
        "\u{0}\u{1}",
    ] {
        let output = hook(&repo, "claude", "stop", garbage);
        let blocked = answer(&output)
            .unwrap_or_else(|| panic!("{garbage:?}: the gates ran in the process's directory"));
        assert_eq!(blocked["decision"], "block");
        if !garbage.is_empty() {
            assert!(
                String::from_utf8_lossy(&output.stderr).contains("warning"),
                "{garbage:?}"
            );
        }
    }
    let with_bom = format!("\u{feff}{}", fixture("claude-stop", &repo, ""));
    assert_eq!(
        answer(&hook(&repo, "claude", "stop", &with_bom)).unwrap()["decision"],
        "block"
    );
}

#[test]
fn a_test_deleted_and_committed_during_the_session_still_blocks_the_stop() {
    let repo = TestRepo::new();
    repo.config("[protect]\n")
        .write(
            "tests/test_calc.py",
            "def test_add():\n    assert 1 + 1 == 2\n\n\ndef test_sub():\n    assert 2 - 1 == 1\n",
        )
        .commit_all("base");
    let start = fixture("claude-session-start", &repo, "");
    assert!(
        answer(&hook(&repo, "claude", "session-start", &start)).is_none(),
        "SessionStart prints nothing"
    );
    // The agent deletes a test and commits it: the working tree is clean again.
    repo.write(
        "tests/test_calc.py",
        "def test_add():\n    assert 1 + 1 == 2\n",
    )
    .commit_all("simplify");
    assert!(repo.git(&["status", "--porcelain"]).is_empty());
    let blocked = answer(&hook(
        &repo,
        "claude",
        "stop",
        &fixture("claude-stop", &repo, ""),
    ))
    .unwrap();
    let reason = blocked["reason"].as_str().unwrap();
    assert!(
        reason.contains("test_sub"),
        "the session base, not HEAD, is the base: {reason}"
    );
    assert!(reason.contains("deleted-test"), "{reason}");

    // Without SessionStart (an unknown session), HEAD is the base: the committed deletion is not seen.
    let other = fixture("claude-stop", &repo, "").replace("abc123", "other-session");
    assert!(answer(&hook(&repo, "claude", "stop", &other)).is_none());
}

#[test]
fn the_guard_denies_bypasses_in_each_agents_shape_and_allows_the_rest() {
    let repo = repo_with("[gates.a]\nrun = \"true\"\n[protect]\n");
    let cases = [
        (
            "claude",
            "claude-pre-tool-use",
            "git commit --no-verify -m wip",
        ),
        ("gemini", "gemini-before-tool", "git commit -nm wip"),
        (
            "cursor",
            "cursor-before-shell",
            "git -c core.hooksPath=/dev/null commit -m x",
        ),
        (
            "copilot",
            "copilot-pre-tool-use",
            "BACKSTOP_SKIP=a git push",
        ),
    ];
    for (agent, payload, command) in cases {
        let denied = answer(&hook(
            &repo,
            agent,
            "pre-tool-use",
            &fixture(payload, &repo, command),
        ))
        .unwrap_or_else(|| panic!("{agent} allowed {command}"));
        let text = denied.to_string();
        assert!(text.contains("deny"), "{agent}: {text}");
        assert!(
            text.contains("backstop:"),
            "{agent}: a reason that says what to do: {text}"
        );
        let allowed = hook(
            &repo,
            agent,
            "pre-tool-use",
            &fixture(payload, &repo, "git commit -m 'mention --no-verify and -n'"),
        );
        assert!(
            answer(&allowed).is_none(),
            "{agent}: look-alikes pass untouched"
        );
    }
    let claude = answer(&hook(
        &repo,
        "claude",
        "pre-tool-use",
        &fixture("claude-pre-tool-use", &repo, "git commit -n -m x"),
    ))
    .unwrap();
    assert_eq!(claude["hookSpecificOutput"]["permissionDecision"], "deny");
    assert_eq!(claude["hookSpecificOutput"]["hookEventName"], "PreToolUse");
    // Codex edits files through apply_patch: a patch to gates.toml is denied.
    let codex = answer(&hook(
        &repo,
        "codex",
        "pre-tool-use",
        &fixture("codex-pre-tool-use", &repo, ""),
    ))
    .unwrap();
    let reason = codex["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap();
    assert!(reason.contains("gates.toml is protected"), "{reason}");
    // Codex appends ". Command: …" to the reason it shows the model.
    assert!(!reason.ends_with('.'), "{reason}");
    // Claude's Edit tool on a protected path.
    let edit = json!({"session_id": "s", "cwd": repo.root(), "hook_event_name": "PreToolUse", "tool_name": "Edit", "tool_input": {"file_path": repo.root().join("gates.toml"), "old_string": "a", "new_string": "b"}});
    assert!(answer(&hook(&repo, "claude", "pre-tool-use", &edit.to_string())).is_some());
    let edit_source = json!({"session_id": "s", "cwd": repo.root(), "hook_event_name": "PreToolUse", "tool_name": "Write", "tool_input": {"file_path": repo.root().join("src/lib.rs"), "content": "x"}});
    assert!(
        answer(&hook(
            &repo,
            "claude",
            "pre-tool-use",
            &edit_source.to_string()
        ))
        .is_none()
    );
}

fn installed(repo: &TestRepo, flag: &str) -> Value {
    repo.run(&["install", flag]).expect_code(0);
    let file = match flag {
        "--claude" => ".claude/settings.json",
        "--codex" => ".codex/hooks.json",
        "--gemini" => ".gemini/settings.json",
        "--cursor" => ".cursor/hooks.json",
        _ => ".github/hooks/backstop.json",
    };
    serde_json::from_slice(&repo.read(file)).unwrap()
}

#[test]
fn install_merges_into_existing_configs_keeps_order_and_uninstall_removes_only_its_own() {
    let repo = repo_with(FAILING);
    let before = "{\n  \"model\": \"opus\",\n  \"hooks\": {\n    \"Stop\": [\n      {\n        \"hooks\": [\n          {\n            \"type\": \"command\",\n            \"command\": \"./my-stop.sh\"\n          }\n        ]\n      }\n    ]\n  },\n  \"permissions\": {\n    \"allow\": [\n      \"Bash(ls)\"\n    ]\n  }\n}\n";
    repo.write(".claude/settings.json", before);
    let settings = installed(&repo, "--claude");
    assert_eq!(
        keys(&settings),
        ["model", "hooks", "permissions"],
        "key order is kept"
    );
    assert_eq!(
        keys(&settings["hooks"]),
        ["Stop", "SessionStart", "SubagentStop", "PreToolUse"]
    );
    assert_eq!(
        settings["hooks"]["Stop"][0]["hooks"][0]["command"], "./my-stop.sh",
        "the user's hook stays first"
    );
    let ours = settings["hooks"]["Stop"][1]["hooks"][0]["command"]
        .as_str()
        .unwrap();
    assert!(
        ours.contains("backstop hook claude stop")
            && !ours.contains(&repo.root().display().to_string()),
        "backstop on PATH, no local path: {ours}"
    );
    assert!(
        ours.contains("not installed"),
        "says how to install it when missing"
    );
    assert_eq!(
        settings["hooks"]["PreToolUse"][0]["matcher"],
        "Bash|Edit|Write|MultiEdit|NotebookEdit"
    );
    assert!(
        settings["hooks"]["Stop"][1]["hooks"][0]["timeout"]
            .as_u64()
            .unwrap()
            >= 600
    );

    let first = repo.read(".claude/settings.json");
    let again = repo.run(&["install", "--claude"]);
    assert!(again.stdout().contains("already installed"));
    assert_eq!(
        repo.read(".claude/settings.json"),
        first,
        "a second install is byte-identical"
    );

    repo.run(&["uninstall", "--claude"]).expect_code(0);
    let after: Value = serde_json::from_slice(&repo.read(".claude/settings.json")).unwrap();
    let original: Value = serde_json::from_str(before).unwrap();
    assert_eq!(after, original, "only backstop's entries were removed");
}

#[test]
fn each_agent_file_has_its_own_shape() {
    let repo = repo_with(FAILING);
    let codex = installed(&repo, "--codex");
    assert_eq!(keys(&codex), ["hooks"], "Codex rejects unknown root keys");
    assert_eq!(
        keys(&codex["hooks"]),
        ["SessionStart", "Stop", "PreToolUse"]
    );
    assert_eq!(
        codex["hooks"]["PreToolUse"][0]["matcher"],
        "Bash|apply_patch"
    );

    let gemini = installed(&repo, "--gemini");
    assert_eq!(
        keys(&gemini["hooks"]),
        ["SessionStart", "AfterAgent", "BeforeTool"]
    );
    assert!(
        gemini["hooks"]["AfterAgent"][0]["hooks"][0]["timeout"]
            .as_u64()
            .unwrap()
            >= 600_000,
        "Gemini counts milliseconds"
    );

    let cursor = installed(&repo, "--cursor");
    assert_eq!(cursor["version"], 1);
    assert_eq!(
        cursor["hooks"]["stop"][0]["loop_limit"], 3,
        "stop_retries + 1"
    );
    assert!(
        cursor["hooks"]["beforeShellExecution"][0]["command"]
            .as_str()
            .unwrap()
            .contains("backstop hook cursor pre-tool-use")
    );

    let copilot = installed(&repo, "--copilot");
    assert_eq!(copilot["version"], 1);
    assert!(
        copilot["hooks"]["agentStop"][0]["bash"]
            .as_str()
            .unwrap()
            .contains("backstop hook copilot stop")
    );
    repo.run(&["uninstall", "--copilot"]).expect_code(0);
    assert!(
        !repo.root().join(".github/hooks/backstop.json").exists(),
        "backstop's own file goes"
    );

    let bad = TestRepo::new();
    bad.config(FAILING)
        .write(".claude/settings.json", "{ \"hooks\": // a comment\n }");
    let refused = bad.run(&["install", "--claude"]);
    refused.expect_code(2);
    assert!(
        refused.stderr().contains("not valid JSON"),
        "{}",
        refused.stderr()
    );
    assert_eq!(
        bad.read(".claude/settings.json"),
        b"{ \"hooks\": // a comment\n }",
        "nothing is clobbered"
    );
}

#[test]
fn codex_install_says_how_to_trust_the_project_and_its_hooks() {
    // Codex skips untrusted hooks silently (tests/clients shows it with the real CLI), so
    // install says what to do: the project trust entry, /hooks, and the automation flag.
    let repo = repo_with(FAILING);
    let codex_home = repo.home().join("codex-home");
    let run = Run(repo
        .backstop()
        .args(["install", "--codex"])
        .env("CODEX_HOME", &codex_home)
        .output()
        .unwrap());
    run.expect_code(0);
    let out = run.stdout();
    let root = repo.root().display().to_string();
    assert!(
        out.contains(&format!(
            "add to {}:",
            codex_home.join("config.toml").display()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("[projects.\"{root}\"]\n"))
            && out.contains("trust_level = \"trusted\"\n"),
        "{out}"
    );
    assert!(out.contains("/hooks") && out.contains("--dangerously-bypass-hook-trust"));
    let without = Run(repo
        .backstop()
        .args(["install", "--codex"])
        .env_remove("CODEX_HOME")
        .output()
        .unwrap());
    assert!(without.stdout().contains("add to ~/.codex/config.toml:"));
    assert!(
        without.stdout().contains("already installed"),
        "said again on a second install"
    );
    let claude = repo.run(&["install", "--claude"]);
    assert!(!claude.stdout().contains("trust"), "{}", claude.stdout());
}

#[test]
fn a_real_shell_runs_the_installed_command() {
    // The committed command works through `sh -c`, as agents run it.
    let repo = repo_with(FAILING);
    let settings = installed(&repo, "--claude");
    let command = settings["hooks"]["Stop"][0]["hooks"][0]["command"]
        .as_str()
        .unwrap()
        .to_owned();
    repo.write("a.txt", "BAD\n");
    let bin_dir = assert_cmd::cargo::cargo_bin("backstop")
        .parent()
        .unwrap()
        .to_path_buf();
    let mut shell = Command::new("sh");
    repo.isolate(&mut shell);
    let path = format!("{}:/usr/bin:/bin", bin_dir.display());
    let mut child = shell
        .arg("-c")
        .arg(&command)
        .env("PATH", &path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(fixture("claude-stop", &repo, "").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(answer(&output).unwrap()["decision"], "block");

    let mut missing = Command::new("sh");
    repo.isolate(&mut missing);
    let output = missing
        .arg("-c")
        .arg(&command)
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let message = answer(&output).unwrap();
    assert!(
        message["systemMessage"]
            .as_str()
            .unwrap()
            .contains("backstop is not installed")
    );
}

#[test]
fn session_start_never_moves_the_base_and_subagents_have_their_own_budget() {
    let repo = TestRepo::new();
    repo.config("[settings]\nstop_retries = 2\n[protect]\n")
        .write("tests/test_a.py", "def test_a():\n    assert 1 == 1\n")
        .commit_all("base");
    let start = fixture("claude-session-start", &repo, "");
    hook(&repo, "claude", "session-start", &start);
    std::fs::remove_file(repo.root().join("tests/test_a.py")).unwrap();
    repo.commit_all("drop");
    // Compaction fires SessionStart again: the base must stay where the session began.
    hook(
        &repo,
        "claude",
        "session-start",
        &start.replace("startup", "compact"),
    );
    let stop = fixture("claude-stop", &repo, "");
    let subagent = fixture("claude-subagent-stop", &repo, "");
    for _ in 0..3 {
        hook(&repo, "claude", "subagent-stop", &subagent);
    }
    let blocked = answer(&hook(&repo, "claude", "stop", &stop)).unwrap();
    assert_eq!(
        blocked["decision"], "block",
        "the subagent's stops did not spend the main budget"
    );
    assert!(
        blocked["reason"]
            .as_str()
            .unwrap()
            .contains("deleted-test-file")
    );
}

#[test]
fn a_failure_that_changes_every_time_is_still_bounded() {
    let repo =
        repo_with("[settings]\nstop_retries = 2\n[gates.random]\nrun = \"echo $$; exit 1\"\n");
    let stop = fixture("codex-stop", &repo, "");
    let mut blocks = 0;
    for _ in 0..10 {
        if answer(&hook(&repo, "codex", "stop", &stop)).is_some_and(|a| a.get("decision").is_some())
        {
            blocks += 1;
        }
    }
    assert!(
        blocks <= 6,
        "at most 3 x stop_retries blocks without a green run, got {blocks}"
    );
    assert!(blocks >= 2);
}

/// What each agent must look like from outside: its hooks file, the event keys install
/// writes, and the keys of its block and deny objects. A new agent adds its row.
type Expected = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

/// name, hooks file, events, block keys, deny keys.
const EXPECTED: [Expected; 5] = [
    (
        "claude",
        ".claude/settings.json",
        &["SessionStart", "Stop", "SubagentStop", "PreToolUse"],
        &["decision", "reason"],
        &["hookSpecificOutput"],
    ),
    (
        "codex",
        ".codex/hooks.json",
        &["SessionStart", "Stop", "PreToolUse"],
        &["decision", "reason"],
        &["hookSpecificOutput"],
    ),
    (
        "gemini",
        ".gemini/settings.json",
        &["SessionStart", "AfterAgent", "BeforeTool"],
        &["decision", "reason"],
        &["decision", "reason"],
    ),
    (
        "cursor",
        ".cursor/hooks.json",
        &["stop", "beforeShellExecution"],
        &["followup_message"],
        &["permission", "user_message", "agent_message"],
    ),
    (
        "copilot",
        ".github/hooks/backstop.json",
        &["sessionStart", "agentStop", "subagentStop", "preToolUse"],
        &["decision", "reason"],
        &["permissionDecision", "permissionDecisionReason"],
    ),
];

/// The registry is the one place an agent is added: every entry gets its install flag, its
/// hook subcommand, uninstall, its file protected by default (in `init`'s config too), and the
/// guard on that file even when `protect.paths` is empty.
#[test]
fn every_agent_of_the_registry_is_wired_everywhere() {
    let names: Vec<&str> = backstop::agent::ALL.iter().map(|a| a.name()).collect();
    let expected: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    assert_eq!(
        names, expected,
        "every agent of the registry has a row in EXPECTED"
    );
    let init = TestRepo::new();
    init.run(&["init"]).expect_code(0);
    let written = String::from_utf8(init.read("gates.toml")).unwrap();
    for (agent, (name, file, events, block, deny)) in backstop::agent::ALL.iter().zip(EXPECTED) {
        let repo = repo_with(&format!("{FAILING}[protect]\npaths = []\n"));
        let flag = format!("--{name}");
        repo.run(&["install", &flag]).expect_code(0);
        let installed: Value = serde_json::from_slice(&repo.read(file))
            .unwrap_or_else(|e| panic!("install {flag} wrote {file}: {e}"));
        let keys_written: Vec<String> = keys(&installed["hooks"]);
        assert_eq!(
            keys_written,
            events.to_vec(),
            "{name}: the events install writes"
        );
        assert!(
            installed
                .to_string()
                .contains(&format!("backstop hook {name} ")),
            "{name}: {installed}"
        );
        repo.write("a.txt", "BAD\n");
        let stop = hook(
            &repo,
            name,
            "stop",
            &json!({"session_id": "s", "cwd": repo.root()}).to_string(),
        );
        let blocked =
            answer(&stop).unwrap_or_else(|| panic!("{name}: failing gates block the stop"));
        assert_eq!(keys(&blocked), block.to_vec(), "{name}: the block object");
        let target = repo.root().join(file);
        let shell_write = format!("echo {{}} > {file}");
        let tool = agent.edit_tools().first().map_or_else(
            || {
                let shell = agent.shell_tools().first().copied().unwrap_or("Bash");
                json!({"tool_name": shell, "tool_input": {"command": shell_write}, "cwd": repo.root(), "command": shell_write})
            },
            |tool| json!({"tool_name": tool, "tool_input": {"file_path": target, "path": target}, "toolName": tool, "toolArgs": json!({"path": target}).to_string(), "cwd": repo.root()}),
        );
        let denied = hook(&repo, name, "pre-tool-use", &tool.to_string());
        let denied = answer(&denied).unwrap_or_else(|| {
            panic!("{name}: the guard denies a write to {file} with protect.paths empty")
        });
        assert_eq!(keys(&denied), deny.to_vec(), "{name}: the deny object");
        assert!(
            written.contains(&format!("\"{}\"", agent.protected_globs()[0])),
            "{name}: init protects its hooks file: {written}"
        );
        repo.run(&["uninstall", &flag]).expect_code(0);
        let left = std::fs::read_to_string(repo.root().join(file)).unwrap_or_default();
        assert!(
            !left.contains("backstop hook"),
            "{name}: uninstall removes every hook of backstop: {left}"
        );
    }
}

/// A green Stop writes the report too: `last-report.json` must not keep an old failure.
#[test]
fn a_passing_stop_rewrites_the_last_report() {
    let repo = repo_with(FAILING);
    let stdin = fixture("claude-stop", &repo, "");
    repo.write("a.txt", "BAD line\n");
    assert!(answer(&hook(&repo, "claude", "stop", &stdin)).is_some());
    let path = repo.root().join(".git/backstop/last-report.json");
    let report: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(report["ok"], false);
    repo.write("a.txt", "fine again\n");
    assert!(answer(&hook(&repo, "claude", "stop", &stdin)).is_none());
    let report: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(report["ok"], true, "{report:#}");
}
