//! `OpenAI` Codex CLI: `.codex/hooks.json` in Claude Code's shape, `apply_patch` bodies for the
//! guard, and hooks that run only once the person trusts the project and the hooks.

use std::path::Path;

use serde_json::{Value, json};

use super::{
    Agent, Event, HookEntry, PayloadFields, Timeouts, command_handler, hook_specific_deny,
};
use crate::config::GatesConfig;

/// Codex CLI.
#[derive(Debug)]
pub struct Codex;

impl Agent for Codex {
    fn name(&self) -> &'static str {
        "codex"
    }

    fn title(&self) -> &'static str {
        "Codex CLI"
    }

    fn hooks_file(&self) -> &'static str {
        ".codex/hooks.json"
    }

    fn protected_globs(&self) -> &'static [&'static str] {
        &[".codex/hooks.json"]
    }

    fn project_files(&self) -> &'static [&'static str] {
        &[".codex/hooks.json", ".codex/config.toml"]
    }

    fn home_files(&self) -> &'static [&'static str] {
        &[".codex/config.toml", ".codex/hooks.json"]
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
            entry(
                "PreToolUse",
                Some("Bash|apply_patch"),
                Event::PreToolUse,
                timeouts.pre_tool,
            ),
        ]
    }

    /// Codex loads a project's `.codex/hooks.json` only in a trusted project, and runs each hook
    /// only once the person has trusted it (by hash, so again after any change); an untrusted
    /// hook is skipped without a word. Checked with Codex CLI 0.169.0 (tests/clients).
    fn next_steps(&self, root: &Path) -> Option<String> {
        let config = std::env::var_os("CODEX_HOME").map_or_else(
            || "~/.codex/config.toml".to_owned(),
            |home| Path::new(&home).join("config.toml").display().to_string(),
        );
        let project = toml::Value::String(root.display().to_string());
        Some(format!(
            "codex: Codex skips these hooks, without a word, until you trust them:\n\
             \x20 1. trust this project: start `codex` here and accept, or add to {config}:\n\
             \x20      [projects.{project}]\n\
             \x20      trust_level = \"trusted\"\n\
             \x20 2. trust the hooks: in `codex`, open /hooks and trust backstop's SessionStart, Stop and\n\
             \x20    PreToolUse hooks (again after .codex/hooks.json changes: a changed hook is untrusted)\n\
             \x20 In automation, `codex exec --dangerously-bypass-hook-trust` replaces step 2."
        ))
    }

    fn payload_fields(&self) -> PayloadFields {
        PayloadFields {
            session: &["session_id", "thread-id"],
            // exec_command's `workdir` needs no key: Codex CLI 0.169.0 sends it as the payload's
            // `cwd` (tests/clients, ToolDirectory).
            patch: &["input", "patch"],
            ..PayloadFields::default()
        }
    }

    fn shell_tools(&self) -> &'static [&'static str] {
        &["Bash", "shell", "exec_command", "local_shell"]
    }

    fn edit_tools(&self) -> &'static [&'static str] {
        &[]
    }

    fn patch_tools(&self) -> &'static [&'static str] {
        &["apply_patch"]
    }

    fn block(&self, text: &str) -> Value {
        json!({"decision": "block", "reason": text})
    }

    fn give_up(&self, text: &str) -> Option<Value> {
        Some(json!({"systemMessage": text}))
    }

    /// Codex shows the model `Command blocked by PreToolUse hook: {reason}. Command: {cmd}`
    /// (seen with Codex CLI 0.169.0): a closing full stop of ours would double.
    fn deny(&self, reason: &str) -> Value {
        let reason = reason.trim_end();
        hook_specific_deny(reason.strip_suffix('.').unwrap_or(reason))
    }
}
