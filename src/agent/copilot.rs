//! GitHub Copilot (CLI and cloud agent): `.github/hooks/backstop.json`, a file of backstop's
//! own (version 1, handlers listed directly, commands under `bash`), arguments sent as a JSON
//! string.

use serde_json::{Value, json};

use super::{Agent, Event, HookEntry, Layout, PayloadFields, hook_command};
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

    fn hooks(&self, stop_seconds: u64, _config: &GatesConfig) -> Vec<HookEntry> {
        let entry = |event, handler_event, seconds| HookEntry {
            event,
            matcher: None,
            handler: json!({"type": "command", "bash": hook_command(self, handler_event), "timeoutSec": seconds}),
        };
        vec![
            entry("sessionStart", Event::SessionStart, 30),
            entry("agentStop", Event::Stop, stop_seconds),
            entry("subagentStop", Event::SubagentStop, stop_seconds),
            entry("preToolUse", Event::PreToolUse, 30),
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

    fn payload_fields(&self) -> PayloadFields {
        PayloadFields {
            session: &["sessionId"],
            subagent: &["agentId"],
            tool_name: &["toolName"],
            tool_input: &["toolArgs"],
            paths: &["path", "filePath"],
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
