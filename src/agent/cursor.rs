//! Cursor: `.cursor/hooks.json` (version 1, handlers listed directly), a `stop` hook answered
//! with `followup_message`, and `beforeShellExecution` as the guard.

use serde_json::{Value, json};

use super::{Agent, Event, HookEntry, Layout, PayloadFields, Timeouts, hook_command};
use crate::config::GatesConfig;

/// Cursor.
#[derive(Debug)]
pub struct Cursor;

impl Agent for Cursor {
    fn name(&self) -> &'static str {
        "cursor"
    }

    fn title(&self) -> &'static str {
        "Cursor"
    }

    fn hooks_file(&self) -> &'static str {
        ".cursor/hooks.json"
    }

    fn protected_globs(&self) -> &'static [&'static str] {
        &[".cursor/hooks.json"]
    }

    fn project_files(&self) -> &'static [&'static str] {
        &[".cursor/hooks.json"]
    }

    fn home_files(&self) -> &'static [&'static str] {
        &[".cursor/hooks.json"]
    }

    fn hooks(&self, timeouts: &Timeouts, config: &GatesConfig) -> Vec<HookEntry> {
        vec![
            // Cursor stops following up after `loop_limit`; backstop's own retry budget decides first.
            HookEntry {
                event: "stop",
                matcher: None,
                handler: json!({"command": hook_command(self, Event::Stop), "loop_limit": config.settings.stop_retries + 1}),
            },
            HookEntry {
                event: "beforeShellExecution",
                matcher: None,
                // It may run the pre-commit and pre-push gates (`hook/commit_gate/`): seconds,
                // as Cursor's hook entries take them.
                handler: json!({"command": hook_command(self, Event::PreToolUse), "timeout": timeouts.pre_tool}),
            },
        ]
    }

    /// Not known: no real Cursor runs in tests/clients, so whether its shell leaves git hooks
    /// on is unverified, and the pre-tool hook judges every commit itself (the gates may run
    /// twice where git also runs backstop's hook; never not at all).
    fn shell_runs_git_hooks(&self) -> bool {
        false
    }

    fn layout(&self) -> Layout {
        Layout::Flat
    }

    fn file_version(&self) -> Option<u64> {
        Some(1)
    }

    fn payload_fields(&self) -> PayloadFields {
        PayloadFields {
            session: &["conversation_id"],
            cwd_lists: &["workspace_roots"],
            command: &["command"],
            marks: &["cursor_version", "conversation_id"],
            ..PayloadFields::default()
        }
    }

    fn shell_tools(&self) -> &'static [&'static str] {
        &["Shell", "shell"]
    }

    fn edit_tools(&self) -> &'static [&'static str] {
        &["Write", "Edit", "Delete"]
    }

    fn block(&self, text: &str) -> Value {
        json!({"followup_message": text})
    }

    fn give_up(&self, _text: &str) -> Option<Value> {
        None
    }

    fn deny(&self, reason: &str) -> Value {
        json!({"permission": "deny", "user_message": reason, "agent_message": reason})
    }
}
