//! Coding agents: one file per agent ([`claude`], [`codex`], [`gemini`], [`cursor`],
//! [`copilot`]), each implementing [`Agent`]: where its hooks live and in what shape, which of
//! its tools the guard reads, and the objects it understands as answers. [`ALL`] is the
//! registry: the command line, `install`, the guard and the protected gate's defaults take the
//! agents from it, so adding one is a new file and a line here (docs/adding-an-agent.md).

pub mod claude;
pub mod codex;
pub mod copilot;
pub mod cursor;
pub mod gemini;
pub mod git_command;
pub mod guard;
pub mod payload;
pub mod session;
pub mod shell;

use std::path::Path;

use serde_json::Value;

use crate::config::GatesConfig;

/// Every agent backstop speaks to, in the order `--help` lists them.
pub static ALL: [&dyn Agent; 5] = [
    &claude::Claude,
    &codex::Codex,
    &gemini::Gemini,
    &cursor::Cursor,
    &copilot::Copilot,
];

/// The agent named `name` on the command line (`claude`, `codex`, ...).
pub fn by_name(name: &str) -> Option<&'static dyn Agent> {
    ALL.iter().copied().find(|a| a.name() == name)
}

/// One coding agent's hook protocol.
pub trait Agent: Sync {
    /// The name on the command line and in hook commands: `backstop hook <name> <event>`.
    fn name(&self) -> &'static str;

    /// What people call it (`Claude Code`), for `--help`.
    fn title(&self) -> &'static str;

    /// The project file `install` merges the hooks into, relative to the worktree root.
    fn hooks_file(&self) -> &'static str;

    /// `protect.paths` defaults for this agent: globs of the files its hooks live in.
    fn protected_globs(&self) -> &'static [&'static str];

    /// Project files (or folders) through which the agent's hooks can be changed or turned off;
    /// the guard denies writes to them whatever `protect.paths` says.
    fn project_files(&self) -> &'static [&'static str];

    /// The same under the user's home directory.
    fn home_files(&self) -> &'static [&'static str] {
        &[]
    }

    /// The hooks `install` writes, with the time each kind may take.
    fn hooks(&self, timeouts: &Timeouts, config: &GatesConfig) -> Vec<HookEntry>;

    /// The key of a handler object that holds its shell command.
    fn handler_command_key(&self) -> &'static str {
        "command"
    }

    /// How handlers sit under an event key in the hooks file.
    fn layout(&self) -> Layout {
        Layout::Grouped
    }

    /// The file's `version` key, for agents whose file has one.
    fn file_version(&self) -> Option<u64> {
        None
    }

    /// Whether the hooks file is backstop's alone (uninstall then removes it once empty).
    fn owns_file(&self) -> bool {
        false
    }

    /// The shell that tells the person backstop is missing, in a way this agent shows.
    fn missing_backstop(&self, message: &str) -> String {
        format!("echo '{message}' >&2")
    }

    /// What the person must still do before the agent runs the hooks (trust steps), if anything.
    fn next_steps(&self, _root: &Path) -> Option<String> {
        None
    }

    /// Whether git runs its hooks for the commands of the agent's shell tool. When it does not,
    /// the pre-tool hook runs the pre-commit and pre-push gates for `git commit` and `git push`
    /// itself (`hook/commit_gate.rs`).
    fn shell_runs_git_hooks(&self) -> bool {
        true
    }

    /// Where this agent's hook payloads keep each field.
    fn payload_fields(&self) -> PayloadFields {
        PayloadFields::default()
    }

    /// Tool names whose input is a shell command line.
    fn shell_tools(&self) -> &'static [&'static str];

    /// Tool names that write or edit the files named in their input.
    fn edit_tools(&self) -> &'static [&'static str];

    /// Tool names whose input is a patch (Codex's `apply_patch`).
    fn patch_tools(&self) -> &'static [&'static str] {
        &[]
    }

    /// The object that keeps the agent working, with `text` as its instructions.
    fn block(&self, text: &str) -> Value;

    /// What lets the agent stop while telling the person that gates still fail, if the agent
    /// has a way to show it (`None`: print nothing).
    fn give_up(&self, text: &str) -> Option<Value>;

    /// The object that denies a tool call, with the reason the agent reads.
    fn deny(&self, reason: &str) -> Value;
}

impl std::fmt::Debug for dyn Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq for dyn Agent {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

/// How long, in seconds, each kind of hook may take before the agent kills it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// A stop: every stop gate's timeout in a row, plus a margin.
    pub stop: u64,
    /// A pre-tool call: the guard, and the pre-commit and pre-push gates it runs for a
    /// `git commit` or `git push` that git itself will not send through backstop.
    pub pre_tool: u64,
}

/// The keys of an agent's hook payload (and of its environment) that backstop reads. Payloads
/// are read leniently: each field is looked up under every agent's keys (`payload.rs`).
#[derive(Debug, Clone, Copy)]
pub struct PayloadFields {
    /// The session id.
    pub session: &'static [&'static str],
    /// The subagent whose stop this is.
    pub subagent: &'static [&'static str],
    /// The agent that started this one: set on the stop a subagent fires as if it were a
    /// session of its own (Copilot's `agentStop` for a subagent).
    pub parent: &'static [&'static str],
    /// Where the agent works (a path).
    pub cwd: &'static [&'static str],
    /// Lists whose first entry is where the agent works (Cursor's `workspace_roots`).
    pub cwd_lists: &'static [&'static str],
    /// The tool a pre-tool hook is asked about.
    pub tool_name: &'static [&'static str],
    /// The tool's input: an object, or an object sent as a JSON string.
    pub tool_input: &'static [&'static str],
    /// A shell command line at the top level (a shell-only pre-tool hook).
    pub command: &'static [&'static str],
    /// Keys of an edit tool's input that name the files it writes.
    pub paths: &'static [&'static str],
    /// Keys of a patch tool's input that hold the patch (besides `command`).
    pub patch: &'static [&'static str],
    /// Keys of a shell tool's input that name the directory it runs in (relative to `cwd`).
    pub tool_dir: &'static [&'static str],
    /// Keys of a shell tool's input that run it in the background (`true`, or `"async"`).
    pub background: &'static [&'static str],
    /// Keys only this agent's payloads carry: a payload with one of them was sent by it, even
    /// to another agent's hook (Cursor runs `.claude/settings.json`'s hooks).
    pub marks: &'static [&'static str],
    /// Environment variables that name the project the agent was started in.
    pub project_dir_env: &'static [&'static str],
}

impl Default for PayloadFields {
    /// The shape Claude Code set and most agents follow.
    fn default() -> Self {
        PayloadFields {
            session: &["session_id"],
            subagent: &["agent_id"],
            parent: &[],
            cwd: &["cwd"],
            cwd_lists: &[],
            tool_name: &["tool_name"],
            tool_input: &["tool_input"],
            command: &[],
            paths: &["file_path"],
            patch: &[],
            tool_dir: &[],
            background: &["run_in_background"],
            marks: &[],
            project_dir_env: &[],
        }
    }
}

/// One hook `install` writes into an agent's file.
#[derive(Debug, Clone)]
pub struct HookEntry {
    /// The event key in the agent's file (`Stop`, `AfterAgent`, `agentStop`, ...).
    pub event: &'static str,
    /// The tool matcher, for agents that group handlers under one.
    pub matcher: Option<&'static str>,
    /// The handler object, with backstop's command in it.
    pub handler: Value,
}

/// How an agent's file lists handlers under an event key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `[{"matcher": ..., "hooks": [handler]}]` (Claude Code, Codex, Gemini CLI).
    Grouped,
    /// `[handler]` (Cursor, Copilot).
    Flat,
}

/// The shell command a hook runs: backstop on PATH, or the agent's way of saying it is missing.
pub fn hook_command(agent: &dyn Agent, event: Event) -> String {
    let run = format!("backstop hook {} {}", agent.name(), event.as_str());
    let missing = format!(
        "backstop is not installed here: install it from a backstop checkout (cargo install --locked --path .; see its README), or remove its hooks from {}",
        agent.hooks_file()
    );
    format!(
        "if command -v backstop >/dev/null 2>&1; then {run}; else {}; fi",
        agent.missing_backstop(&missing)
    )
}

/// `protect.paths` defaults: gates.toml and every agent's hook files.
pub fn protected_paths() -> Vec<&'static str> {
    let mut paths = vec![crate::config::FILE_NAME];
    for agent in ALL {
        paths.extend(agent.protected_globs());
    }
    paths
}

/// The agent events backstop handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A session starts: record its base.
    SessionStart,
    /// The agent wants to end its turn: run the stop gates.
    Stop,
    /// A subagent wants to end: run the stop gates too.
    SubagentStop,
    /// A tool is about to run: the bypass guard.
    PreToolUse,
}

impl Event {
    /// Every event.
    pub const ALL: [Event; 4] = [
        Event::SessionStart,
        Event::Stop,
        Event::SubagentStop,
        Event::PreToolUse,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::SessionStart => "session-start",
            Event::Stop => "stop",
            Event::SubagentStop => "subagent-stop",
            Event::PreToolUse => "pre-tool-use",
        }
    }
}

/// A handler in the `{"type": "command", "command": ..., "timeout": seconds}` shape that
/// Claude Code and Codex share.
pub fn command_handler(agent: &dyn Agent, event: Event, seconds: u64) -> Value {
    serde_json::json!({"type": "command", "command": hook_command(agent, event), "timeout": seconds})
}

/// The `{"hookSpecificOutput": ...}` denial that Claude Code and Codex share.
pub fn hook_specific_deny(reason: &str) -> Value {
    serde_json::json!({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny", "permissionDecisionReason": reason}})
}
