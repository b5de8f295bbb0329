//! Stops delivered twice, judged once: Copilot's subagent stop (an `agentStop` with the child's
//! id as its session, then `subagentStop`), and Cursor running `.claude/settings.json`'s hooks
//! beside its own. And the trust steps `install` prints for Gemini CLI and Copilot CLI.
//! Payloads captured from Copilot CLI 1.0.102 (`tests/fixtures/agents/copilot-1.0.102-*`).

use std::io::Write;
use std::process::{Child, Output, Stdio};

use serde_json::Value;

use crate::support::TestRepo;

fn fixture(name: &str, repo: &TestRepo) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/agents/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("{{CWD}}", &repo.root().display().to_string())
}

fn spawn(repo: &TestRepo, agent: &str, event: &str, stdin: &str) -> Child {
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
    child
}

fn answer(output: &Output) -> Option<Value> {
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    (!text.trim().is_empty()).then(|| serde_json::from_str(text.trim()).unwrap())
}

fn hook(repo: &TestRepo, agent: &str, event: &str, stdin: &str) -> Option<Value> {
    answer(&spawn(repo, agent, event, stdin).wait_with_output().unwrap())
}

/// A stop gate that fails on any `BAD` line, logging each run; `delay` seconds before judging.
fn repo(delay: u32) -> TestRepo {
    let repo = TestRepo::new();
    let log = repo.home().join("runs.log");
    repo.config(&format!(
        "[gates.no-bad]\nrun = \"echo run >> '{}'; sleep {delay}; ! grep -Hn BAD \\\"$@\\\"\"\nfiles = [\"*.txt\"]\npass_files = true\non = [\"stop\"]\n",
        log.display()
    ))
    .write("a.txt", "fine\n")
    .commit_all("base");
    repo
}

fn runs(repo: &TestRepo) -> usize {
    std::fs::read_to_string(repo.home().join("runs.log"))
        .unwrap_or_default()
        .lines()
        .count()
}

fn sessions(repo: &TestRepo) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo.root().join(".git/backstop/sessions"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    // Session states, not the stop records (`<session>.stop.json`).
                    let path = std::path::Path::new(n);
                    path.extension().is_some_and(|e| e == "json")
                        && path.file_stem().is_some_and(|s| {
                            std::path::Path::new(s)
                                .extension()
                                .is_none_or(|e| e != "stop")
                        })
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_copilot_subagent_stop_is_judged_once_against_the_parent_sessions_base() {
    let repo = repo(0);
    let parent = "8cc1a125-3dd2-44ff-b022-de8a62b0b639";
    let child = "548fee0f-4a1f-40b0-8b78-b9377a55394b";
    assert_eq!(
        hook(
            &repo,
            "copilot",
            "session-start",
            &fixture("copilot-1.0.102-session-start", &repo)
        ),
        None
    );
    // The subagent commits a bad line: only the parent session's base still sees it.
    repo.write("a.txt", "BAD\n").commit_all("subagent's work");
    // Copilot first fires agentStop for the child, as if it were a session of its own...
    let echo = fixture("copilot-1.0.102-subagent-agent-stop", &repo);
    assert_eq!(hook(&repo, "copilot", "stop", &echo), None);
    assert_eq!(runs(&repo), 0, "the child's agentStop runs no gate");
    // ...then subagentStop, in the parent's session: judged here, against the parent's base.
    let stop = fixture("copilot-1.0.102-subagent-stop", &repo);
    let blocked = hook(&repo, "copilot", "subagent-stop", &stop).expect("blocked");
    assert_eq!(blocked["decision"], "block");
    assert!(
        blocked["reason"].as_str().unwrap().contains("a.txt:1: BAD"),
        "{blocked}"
    );
    assert_eq!(runs(&repo), 1, "one judgement for one subagent stop");
    assert_eq!(
        sessions(&repo),
        [
            format!("{parent}-agent-{child}.json"),
            format!("{parent}.json")
        ],
        "the subagent's budget is its own; the child id is no session"
    );
    // The parent's own stop is judged as usual.
    let main = fixture("copilot-1.0.102-agent-stop", &repo);
    assert!(hook(&repo, "copilot", "stop", &main).is_some());
    assert_eq!(runs(&repo), 2);
}

/// Cursor's and Claude Code's hook files, both with backstop's hooks (as Cursor with its
/// third-party hooks setting on runs them).
fn both_installed(repo: &TestRepo) {
    repo.run(&["install", "--cursor", "--claude"])
        .expect_code(0);
}

#[test]
fn cursor_running_claudes_hooks_too_judges_each_stop_once() {
    let repo = repo(0);
    both_installed(&repo);
    repo.write("a.txt", "BAD\n");
    let stop = fixture("cursor-stop", &repo);
    let cursor = hook(&repo, "cursor", "stop", &stop).expect("blocked");
    let text = cursor["followup_message"].as_str().unwrap().to_owned();
    assert!(text.contains("a.txt:1: BAD"), "{text}");
    assert_eq!(runs(&repo), 1);
    // The same stop through .claude/settings.json: the same verdict, in Claude's shape, no run.
    let claude = hook(&repo, "claude", "stop", &stop).expect("the same block");
    assert_eq!(claude["decision"], "block");
    assert_eq!(claude["reason"], text.as_str());
    assert_eq!(runs(&repo), 1, "judged once");
    // The agent stops again without changing anything: a new stop, judged (and counted).
    assert!(hook(&repo, "cursor", "stop", &stop).is_some());
    assert_eq!(runs(&repo), 2, "the same agent's stop is never a duplicate");
    assert!(hook(&repo, "claude", "stop", &stop).is_some());
    assert_eq!(runs(&repo), 2);
    let state: Value = serde_json::from_slice(
        &std::fs::read(repo.root().join(".git/backstop/sessions/c-1.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(state["blocks"], 2, "two stops, two blocks: {state}");
    // Fixed: whichever hook comes first judges, the other repeats its (empty) answer.
    repo.write("a.txt", "fine\nok\n");
    assert_eq!(hook(&repo, "claude", "stop", &stop), None);
    assert_eq!(hook(&repo, "cursor", "stop", &stop), None);
    assert_eq!(runs(&repo), 3);
}

#[test]
fn two_deliveries_of_one_stop_at_the_same_time_run_the_gates_once() {
    let repo = repo(1);
    both_installed(&repo);
    repo.write("a.txt", "BAD\n");
    let stop = fixture("cursor-stop", &repo);
    let first = spawn(&repo, "cursor", "stop", &stop);
    let second = spawn(&repo, "claude", "stop", &stop);
    let first = answer(&first.wait_with_output().unwrap()).expect("blocked");
    let second = answer(&second.wait_with_output().unwrap()).expect("blocked");
    assert_eq!(first["followup_message"], second["reason"]);
    assert_eq!(runs(&repo), 1);
}

#[test]
fn install_says_how_to_trust_gemini_and_copilot() {
    let repo = TestRepo::new();
    repo.config("[gates.t]\nrun = \"true\"\n")
        .commit_all("base");
    let root = repo.root().canonicalize().unwrap().display().to_string();
    let output = repo.run(&["install", "--gemini", "--copilot"]);
    output.expect_code(0);
    let text = output.stdout() + &output.stderr();
    // Each prints the JSON to add, valid and naming this folder.
    let object_after = |marker: &str| -> Value {
        let at = text
            .find(marker)
            .unwrap_or_else(|| panic!("{marker}: {text}"))
            + marker.len();
        let rest = &text[at..];
        let start = rest.find('{').unwrap();
        let mut stream = serde_json::Deserializer::from_str(&rest[start..]).into_iter::<Value>();
        stream.next().unwrap().unwrap()
    };
    let gemini = object_after("trustedFolders.json:");
    assert_eq!(gemini[&root], "TRUST_FOLDER", "{text}");
    let copilot = object_after("config.json:");
    assert_eq!(copilot["trustedFolders"][0], root.as_str(), "{text}");
    assert!(text.contains("GEMINI_CLI_TRUST_WORKSPACE=true"), "{text}");
    assert!(text.contains("--skip-trust"), "{text}");
    assert!(text.contains("--trust-folder"), "{text}");
    assert!(text.contains("git hooks switched off"), "{text}");
}

#[test]
fn only_a_stop_cursor_delivers_through_both_files_is_answered_from_the_record() {
    let repo = repo(0);
    repo.write("a.txt", "BAD\n");
    // Cursor's stop with only Cursor's hooks installed: nothing else will deliver it.
    repo.run(&["install", "--cursor"]).expect_code(0);
    let stop = fixture("cursor-stop", &repo);
    assert!(hook(&repo, "cursor", "stop", &stop).is_some());
    assert!(hook(&repo, "claude", "stop", &stop).is_some());
    assert_eq!(
        runs(&repo),
        2,
        "each judged: Claude's file runs no backstop here"
    );
    // With both installed, a Claude Code session's own stop (its payload, the same session id
    // as a record Cursor's stop left) is judged, never answered from that record.
    both_installed(&repo);
    let same_id = stop.replace("\"c-1\"", "\"abc123\"");
    assert!(hook(&repo, "cursor", "stop", &same_id).is_some());
    assert_eq!(runs(&repo), 3);
    let claude = fixture("claude-stop", &repo);
    let blocked = hook(&repo, "claude", "stop", &claude).expect("judged and blocked");
    assert_eq!(blocked["decision"], "block");
    assert_eq!(runs(&repo), 4, "a Claude Code stop is judged");
    // Old records and locks are removed.
    let sessions = repo.root().join(".git/backstop/sessions");
    let old = sessions.join("gone.stop.json");
    std::fs::write(&old, "{}").unwrap();
    std::fs::create_dir_all(sessions.join("gone.stop-lock")).unwrap();
    for path in [old.clone(), sessions.join("gone.stop-lock")] {
        let touched = std::process::Command::new("touch")
            .args(["-d", "2 days ago"])
            .arg(&path)
            .status()
            .unwrap();
        assert!(touched.success());
    }
    assert!(hook(&repo, "claude", "stop", &claude).is_some());
    assert!(!old.exists() && !sessions.join("gone.stop-lock").exists());
}

#[test]
fn a_parent_field_skips_only_a_copilot_stop_and_says_so() {
    let repo = repo(0);
    repo.write("a.txt", "BAD\n");
    // Another agent's stop with a `parentAgentId` key is judged as usual.
    let mut claude: Value = serde_json::from_str(&fixture("claude-stop", &repo)).unwrap();
    claude["parentAgentId"] = Value::from("someone");
    assert!(
        hook(&repo, "claude", "stop", &claude.to_string()).is_some(),
        "judged"
    );
    // Copilot's subagent agentStop is left to its subagentStop, with a note on stderr.
    let echo = fixture("copilot-1.0.102-subagent-agent-stop", &repo);
    let output = spawn(&repo, "copilot", "stop", &echo)
        .wait_with_output()
        .unwrap();
    assert_eq!(answer(&output), None);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("subagentStop"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
