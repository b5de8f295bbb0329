//! Gemini CLI: `.gemini/settings.json`, `AfterAgent` as the stop and `BeforeTool` as the guard,
//! timeouts in milliseconds, `{"decision":"deny"}` for both blocking a stop and denying a tool.

use std::path::Path;

use serde_json::{Value, json};

use super::{Agent, Event, HookEntry, PayloadFields, Timeouts, hook_command};
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

    fn hooks(&self, timeouts: &Timeouts, _config: &GatesConfig) -> Vec<HookEntry> {
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
                timeouts.stop * 1000,
            ),
            entry(
                "BeforeTool",
                Some("run_shell_command|write_file|replace"),
                Event::PreToolUse,
                "backstop-guard",
                timeouts.pre_tool * 1000,
            ),
        ]
    }

    /// Gemini CLI loads a project's `.gemini/settings.json`, hooks included, only in a trusted
    /// folder; headless runs in an untrusted one refuse to start, and `--skip-trust` starts them
    /// without the project's hooks, silently. New project hooks are listed once with a warning,
    /// then run. Checked with Gemini CLI 0.61.0 (tests/clients).
    fn next_steps(&self, root: &Path) -> Option<String> {
        let home = std::env::var_os("GEMINI_CLI_HOME").map_or_else(
            || "~".to_owned(),
            |home| Path::new(&home).display().to_string(),
        );
        let folder = json!({ root.display().to_string(): "TRUST_FOLDER" });
        Some(format!(
            "gemini: Gemini CLI loads these hooks only in a trusted folder:\n\
             \x20 trust this folder: start `gemini` here and accept the trust prompt, or add it to\n\
             \x20 {home}/.gemini/trustedFolders.json: {folder}\n\
             \x20 In automation (`gemini -p`), set GEMINI_CLI_TRUST_WORKSPACE=true; `--skip-trust` alone runs\n\
             \x20 without the project's hooks, without a word.\n\
             \x20 Gemini runs shell commands with git hooks switched off: backstop's BeforeTool hook runs the\n\
             \x20 pre-commit and pre-push gates itself for each `git commit` and `git push`."
        ))
    }

    /// Gemini's shell tool sets `core.hooksPath` to nothing for every command, through
    /// `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` (with `GIT_CONFIG_GLOBAL=/dev/null`): git runs no
    /// hook for the agent's commits (Gemini CLI 0.61.0, packages/core shell execution). Hooks
    /// themselves do not get these variables, so this cannot be read from the hook's environment.
    fn shell_runs_git_hooks(&self) -> bool {
        false
    }

    fn missing_backstop(&self, message: &str) -> String {
        format!("echo '{}'", json!({ "systemMessage": message }))
    }

    fn payload_fields(&self) -> PayloadFields {
        PayloadFields {
            project_dir_env: &["GEMINI_PROJECT_DIR"],
            // run_shell_command's `dir_path`, relative to the project root that is the payload's
            // `cwd` (Gemini CLI 0.61.0, tests/clients ToolDirectory), and `is_background`;
            // `directory` in older versions.
            tool_dir: &["dir_path", "directory"],
            background: &["is_background"],
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
