//! Gemini CLI: `.gemini/settings.json`, `AfterAgent` as the stop and `BeforeTool` as the guard,
//! timeouts in milliseconds, `{"decision":"deny"}` for both blocking a stop and denying a tool.

use serde_json::{Value, json};

use super::{Agent, Event, HookEntry, PayloadFields, hook_command};
use crate::config::GatesConfig;

/// Gemini CLI.
#[derive(Debug)]
pub struct Gemini;

impl Agent for Gemini {
    fn name(&self) -> &'static str {
        "gemini"
    }

    fn title(&self) -> &'static str {
        "Gemini CLI"
    }

    fn hooks_file(&self) -> &'static str {
        ".gemini/settings.json"
    }

    fn protected_globs(&self) -> &'static [&'static str] {
        &[".gemini/settings.json"]
    }

    fn project_files(&self) -> &'static [&'static str] {
        &[".gemini/settings.json"]
    }

    fn home_files(&self) -> &'static [&'static str] {
        &[".gemini/settings.json"]
    }

    fn hooks(&self, stop_seconds: u64, _config: &GatesConfig) -> Vec<HookEntry> {
        let entry = |event, matcher, handler_event, name: &str, millis: u64| HookEntry {
            event,
            matcher,
            handler: json!({"type": "command", "command": hook_command(self, handler_event), "name": name, "timeout": millis}),
        };
        vec![
            entry(
                "SessionStart",
                None,
                Event::SessionStart,
                "backstop-session-start",
                30_000,
            ),
            entry(
                "AfterAgent",
                None,
                Event::Stop,
                "backstop-stop",
                stop_seconds * 1000,
            ),
            entry(
                "BeforeTool",
                Some("run_shell_command|write_file|replace"),
                Event::PreToolUse,
                "backstop-guard",
                30_000,
            ),
        ]
    }

    fn missing_backstop(&self, message: &str) -> String {
        format!("echo '{}'", json!({ "systemMessage": message }))
    }

    fn payload_fields(&self) -> PayloadFields {
        PayloadFields {
            project_dir_env: &["GEMINI_PROJECT_DIR"],
            ..PayloadFields::default()
        }
    }

    fn shell_tools(&self) -> &'static [&'static str] {
        &["run_shell_command"]
    }

    fn edit_tools(&self) -> &'static [&'static str] {
        &["write_file", "replace"]
    }

    fn block(&self, text: &str) -> Value {
        json!({"decision": "deny", "reason": text})
    }

    fn give_up(&self, text: &str) -> Option<Value> {
        Some(json!({"systemMessage": text}))
    }

    fn deny(&self, reason: &str) -> Value {
        json!({"decision": "deny", "reason": reason})
    }
}
