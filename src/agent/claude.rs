//! Claude Code: `.claude/settings.json`, hooks grouped under matchers, `{"decision":"block"}`
//! for `Stop` and `SubagentStop`, `hookSpecificOutput` denials for `PreToolUse`, `systemMessage` to
//! tell the person.

use serde_json::{Value, json};

use super::{
    Agent, Event, HookEntry, PayloadFields, Timeouts, command_handler, hook_specific_deny,
};
use crate::config::GatesConfig;

/// Claude Code.
#[derive(Debug)]
pub struct Claude;

impl Agent for Claude {
    fn name(&self) -> &'static str {
        "claude"
    }

    fn title(&self) -> &'static str {
        "Claude Code"
    }

    fn hooks_file(&self) -> &'static str {
        ".claude/settings.json"
    }

    fn protected_globs(&self) -> &'static [&'static str] {
        &[".claude/settings.json"]
    }

    fn project_files(&self) -> &'static [&'static str] {
        &[".claude/settings.json", ".claude/settings.local.json"]
    }

    fn home_files(&self) -> &'static [&'static str] {
        &[".claude/settings.json", ".claude/settings.local.json"]
    }

    fn hooks(&self, timeouts: &Timeouts, _config: &GatesConfig) -> Vec<HookEntry> {
        let entry = |event, matcher, handler_event, seconds| HookEntry {
            event,
            matcher,
            handler: command_handler(self, handler_event, seconds),
        };
        vec![
            entry("SessionStart", None, Event::SessionStart, 30),
            entry("Stop", None, Event::Stop, timeouts.stop),
            entry("SubagentStop", None, Event::SubagentStop, timeouts.stop),
            entry(
                "PreToolUse",
                Some("Bash|Edit|Write|MultiEdit|NotebookEdit"),
                Event::PreToolUse,
                timeouts.pre_tool,
            ),
        ]
    }

    fn missing_backstop(&self, message: &str) -> String {
        format!("echo '{}'", json!({ "systemMessage": message }))
    }

    fn payload_fields(&self) -> PayloadFields {
        PayloadFields {
            paths: &["file_path", "notebook_path"],
            project_dir_env: &["CLAUDE_PROJECT_DIR"],
            ..PayloadFields::default()
        }
    }

    fn shell_tools(&self) -> &'static [&'static str] {
        &["Bash", "PowerShell"]
    }

    fn edit_tools(&self) -> &'static [&'static str] {
        &["Edit", "Write", "MultiEdit", "NotebookEdit"]
    }

    fn block(&self, text: &str) -> Value {
        json!({"decision": "block", "reason": text})
    }

    fn give_up(&self, text: &str) -> Option<Value> {
        Some(json!({"systemMessage": text}))
    }

    fn deny(&self, reason: &str) -> Value {
        hook_specific_deny(reason)
    }
}
