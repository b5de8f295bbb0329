//! GitHub Copilot (CLI and cloud agent): `.github/hooks/backstop.json`, a file of backstop's
//! own (version 1, handlers listed directly, commands under `bash`), arguments sent as a JSON
//! string.

use std::path::Path;

use serde_json::{Value, json};

use super::{Agent, Event, HookEntry, Layout, PayloadFields, Timeouts, hook_command};
use crate::config::GatesConfig;

/// GitHub Copilot.
#[derive(Debug)]
pub struct Copilot;

impl Agent for Copilot {
    fn name(&self) -> &'static str {
        "copilot"
    }

    fn title(&self) -> &'static str {
        "GitHub Copilot"
    }

    fn hooks_file(&self) -> &'static str {
        ".github/hooks/backstop.json"
    }

    fn protected_globs(&self) -> &'static [&'static str] {
        &[".github/hooks/**"]
    }

    fn project_files(&self) -> &'static [&'static str] {
        &[".github/hooks"]
    }

    fn hooks(&self, timeouts: &Timeouts, _config: &GatesConfig) -> Vec<HookEntry> {
        let entry = |event, handler_event, seconds| HookEntry {
            event,
            matcher: None,
            handler: json!({"type": "command", "bash": hook_command(self, handler_event), "timeoutSec": seconds}),
        };
        vec![
            entry("sessionStart", Event::SessionStart, 30),
            entry("agentStop", Event::Stop, timeouts.stop),
            entry("subagentStop", Event::SubagentStop, timeouts.stop),
            entry("preToolUse", Event::PreToolUse, timeouts.pre_tool),
        ]
    }

    fn handler_command_key(&self) -> &'static str {
        "bash"
    }

    fn layout(&self) -> Layout {
        Layout::Flat
    }

    fn file_version(&self) -> Option<u64> {
        Some(1)
    }

    fn owns_file(&self) -> bool {
        true
    }

    /// Copilot CLI runs a repository's hooks only in a trusted folder; otherwise it defers them
    /// and says nothing. Checked with Copilot CLI 1.0.102 (tests/clients): `--trust-folder`,
    /// `COPILOT_ALLOW_ALL=true`, and the folder in `trustedFolders` of the config each do it.
    fn next_steps(&self, root: &Path) -> Option<String> {
        let config = std::env::var_os("COPILOT_HOME").map_or_else(
            || "~/.copilot/config.json".to_owned(),
            |home| Path::new(&home).join("config.json").display().to_string(),
        );
        let folders = json!({ "trustedFolders": [root.display().to_string()] });
        Some(format!(
            "copilot: Copilot CLI skips these hooks, without a word, until you trust this folder:\n\
             \x20 start `copilot` here and choose to trust the folder (and remember it), or add it to\n\
             \x20 {config}: {folders}\n\
             \x20 In automation, `copilot -p ... --trust-folder` trusts it for that one session.\n\
             \x20 The cloud agent reads .github/hooks/ from the default branch: commit and merge this file."
        ))
    }

    fn payload_fields(&self) -> PayloadFields {
        PayloadFields {
            session: &["sessionId"],
            subagent: &["agentId"],
            parent: &["parentAgentId"],
            tool_name: &["toolName"],
            tool_input: &["toolArgs"],
            paths: &["path", "filePath"],
            // bash's `mode: "async"` runs it in the background (Copilot CLI 1.0.102).
            background: &["mode"],
            ..PayloadFields::default()
        }
    }

    fn shell_tools(&self) -> &'static [&'static str] {
        &["bash", "powershell"]
    }

    fn edit_tools(&self) -> &'static [&'static str] {
        &["create", "edit"]
    }

    fn block(&self, text: &str) -> Value {
        json!({"decision": "block", "reason": text})
    }

    fn give_up(&self, _text: &str) -> Option<Value> {
        None
    }

    fn deny(&self, reason: &str) -> Value {
        json!({"permissionDecision": "deny", "permissionDecisionReason": reason})
    }
}
