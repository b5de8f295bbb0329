//! Hostile or broken tool output, and crashes of the judging code (the review of issues 15 and
//! 19): a report a gate writes is attacker-controlled text; whatever it holds, backstop answers,
//! and a crash never lets an agent's stop or tool call through.

use std::io::Write;
use std::process::Stdio;

use serde_json::{Value, json};

use crate::support::{TestRepo, gate};

/// The review's log: an artifact whose location names itself by index.
const CYCLIC_SARIF: &str = r#"{"runs":[{"artifacts":[{"location":{"index":0}}],"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"index":0},"region":{"startLine":1}}}]}]}]}"#;

/// A repository whose gate `g` prints `output` (from a committed file) and fails, read with
/// `parser`, on every trigger.
fn replaying(output: &str, parser: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write("out.txt", output)
        .config(&format!(
            "[gates.g]\nrun = \"cat out.txt; exit 1\"\nparser = \"{parser}\"\non = [\"stop\", \"ci\", \"manual\"]\n"
        ))
        .commit_all("base");
    repo
}

/// `backstop hook <agent> <event>` with `stdin`, `BACKSTOP_TEST_CRASH=crash` when given: the
/// exit code and the answer on stdout.
fn hook(
    repo: &TestRepo,
    agent: &str,
    event: &str,
    stdin: &Value,
    crash: Option<&str>,
) -> (Option<i32>, Option<Value>, String) {
    let mut command = repo.backstop();
    command
        .args(["hook", agent, event])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(crash) = crash {
        command.env("BACKSTOP_TEST_CRASH", crash);
    }
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let answer = (!text.trim().is_empty())
        .then(|| serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text:?}")));
    (
        output.status.code(),
        answer,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn stop_payload(repo: &TestRepo) -> Value {
    json!({"session_id": "s", "cwd": repo.root(), "hook_event_name": "Stop"})
}

/// A1: the index cycle used to overflow the stack: `ci` died with SIGABRT and no report, and
/// the Stop hook answered nothing, so the agent stopped.
#[test]
fn a_sarif_artifact_naming_itself_is_read_once() {
    let repo = replaying(CYCLIC_SARIF, "sarif");
    let (run, report) = repo.report(&["ci", "--all-files", "--base", "main"]);
    run.expect_code(1);
    let g = gate(&report, "g");
    assert_eq!(g["status"], "failed");
    assert_eq!(g["diagnostics"][0]["message"], "m");
    let (code, answer, stderr) = hook(&repo, "claude", "stop", &stop_payload(&repo), None);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(answer.expect("a block")["decision"], "block");
}

/// A1: whatever way the judging code crashes (an abort, a stack overflow, a panic), the stop
/// is blocked and the pre-tool-use call denied: an agent never passes unchecked.
#[test]
fn a_crash_while_judging_blocks_the_stop() {
    let repo = replaying("fine\n", "sarif");
    for crash in ["abort", "overflow", "panic"] {
        let (code, answer, stderr) =
            hook(&repo, "claude", "stop", &stop_payload(&repo), Some(crash));
        assert_eq!(code, Some(0), "{crash}: {stderr}");
        let answer = answer.unwrap_or_else(|| panic!("{crash}: no answer; {stderr}"));
        assert_eq!(answer["decision"], "block", "{crash}");
        let reason = answer["reason"].as_str().unwrap();
        assert!(
            reason.contains("backstop crashed") || reason.contains("crashed while running"),
            "{crash}: {reason}"
        );
        let (code, answer, stderr) = hook(
            &repo,
            "codex",
            "stop",
            &json!({"session_id": "c", "cwd": repo.root(), "hook_event_name": "Stop"}),
            Some(crash),
        );
        assert_eq!(code, Some(0), "{crash}: {stderr}");
        assert_eq!(answer.expect("codex: a block")["decision"], "block");
    }
}
