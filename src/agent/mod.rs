//! Coding agents: their hook protocols, sessions, the stop gate's answers, the bypass guard.

pub mod guard;
pub mod protocol;
pub mod session;
pub mod shell;

/// The agents backstop speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    /// Claude Code.
    Claude,
    /// `OpenAI` Codex CLI.
    Codex,
    /// Gemini CLI.
    Gemini,
    /// Cursor.
    Cursor,
    /// GitHub Copilot (CLI and cloud agent).
    Copilot,
}

impl Agent {
    /// Every agent.
    pub const ALL: [Agent; 5] = [
        Agent::Claude,
        Agent::Codex,
        Agent::Gemini,
        Agent::Cursor,
        Agent::Copilot,
    ];

    /// The name used on the command line and in hook commands.
    pub fn as_str(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::Cursor => "cursor",
            Agent::Copilot => "copilot",
        }
    }
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
