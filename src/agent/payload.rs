//! Reading what an agent sends, leniently: every field optional, unknown fields ignored, a
//! byte-order mark stripped, and every agent's dialect accepted from any of them (Cursor, for
//! one, runs the hooks Claude Code's file names).

use std::path::PathBuf;

use serde_json::{Value, json};

use super::PayloadFields;
use super::guard::ToolCall;

/// Every agent's keys for one field, in registry order, without repeats.
fn keys(field: fn(&PayloadFields) -> &'static [&'static str]) -> Vec<&'static str> {
    let mut all: Vec<&'static str> = Vec::new();
    for agent in super::ALL {
        for key in field(&agent.payload_fields()) {
            if !all.contains(key) {
                all.push(key);
            }
        }
    }
    all
}

/// A hook payload, whatever its dialect (`snake_case`, `camelCase`, Cursor's).
#[derive(Debug, Clone, Default)]
pub struct Payload {
    /// The parsed object (`{}` when the input was unreadable).
    pub value: Value,
}

impl Payload {
    /// Parses stdin bytes; unreadable input is an empty payload and a warning on stderr.
    pub fn parse(bytes: &[u8]) -> Payload {
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim_start_matches('\u{feff}').trim();
        if let Ok(value @ Value::Object(_)) = serde_json::from_str::<Value>(text) {
            return Payload { value };
        }
        let shown: String = text.chars().take(80).collect();
        eprintln!(
            "backstop: warning: the hook input is not a JSON object ({shown:?}); treating it as empty"
        );
        Payload { value: json!({}) }
    }

    fn text(&self, keys: &[&str]) -> Option<String> {
        keys.iter()
            .find_map(|k| {
                self.value
                    .get(*k)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .filter(|s| !s.is_empty())
    }

    /// The session (under any agent's key), or `unknown`.
    pub fn session(&self) -> String {
        let session = self
            .text(&keys(|f| f.session))
            .unwrap_or_else(|| "unknown".to_owned());
        // Session ids become file names: keep them tame.
        session
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(120)
            .collect()
    }

    /// The subagent this stop is for, if any.
    pub fn subagent(&self) -> Option<String> {
        self.text(&keys(|f| f.subagent)).map(|id| {
            id.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .take(80)
                .collect()
        })
    }

    /// Where the agent works: its `cwd` (or the first of Cursor's `workspace_roots`), or the
    /// process's directory.
    pub fn cwd(&self) -> PathBuf {
        self.text(&keys(|f| f.cwd))
            .or_else(|| {
                keys(|f| f.cwd_lists).iter().find_map(|k| {
                    self.value
                        .get(*k)
                        .and_then(|r| r.get(0))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
            })
            .map_or_else(
                || std::env::current_dir().unwrap_or_default(),
                PathBuf::from,
            )
    }

    /// The tool's input object (Copilot sends it as a JSON string).
    fn tool_input(&self) -> Value {
        let input = keys(|f| f.tool_input)
            .iter()
            .find_map(|k| self.value.get(*k))
            .cloned()
            .unwrap_or(Value::Null);
        match input {
            Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
            other => other,
        }
    }

    /// Where the tool runs: the directory its input names (Gemini's `dir_path`), relative to
    /// `cwd`, else `cwd`.
    pub fn tool_cwd(&self) -> PathBuf {
        let cwd = self.cwd();
        let input = self.tool_input();
        keys(|f| f.tool_dir)
            .iter()
            .find_map(|k| {
                input
                    .get(*k)
                    .and_then(Value::as_str)
                    .filter(|d| !d.is_empty())
            })
            .map_or(cwd.clone(), |dir| cwd.join(dir))
    }

    /// Whether the agent runs the tool in the background (`true`, or Copilot's `"async"`).
    pub fn tool_background(&self) -> bool {
        let input = self.tool_input();
        keys(|f| f.background).iter().any(|k| {
            input
                .get(*k)
                .is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("async"))
        })
    }

    /// Whether `agent` sent this payload (a key only its payloads carry).
    pub fn sent_by(&self, agent: &dyn super::Agent) -> bool {
        agent
            .payload_fields()
            .marks
            .iter()
            .any(|k| self.value.get(*k).is_some())
    }

    /// The agent that started this one, under `agent`'s own keys (only an agent whose payloads
    /// name a parent has subagents that stop as sessions of their own).
    pub fn parent_agent_of(&self, agent: &dyn super::Agent) -> Option<String> {
        self.text(agent.payload_fields().parent)
    }

    /// The tool call a pre-tool hook is asked about, in any agent's shape.
    pub fn tool_call(&self) -> ToolCall {
        let name = self.text(&keys(|f| f.tool_name)).unwrap_or_default();
        let mut input = keys(|f| f.tool_input)
            .iter()
            .find_map(|k| self.value.get(*k))
            .cloned()
            .unwrap_or(Value::Null);
        if let Value::String(text) = &input {
            // Copilot sends its arguments as a JSON string.
            input = serde_json::from_str(text).unwrap_or(Value::Null);
        }
        let field = |key: &str| input.get(key).and_then(Value::as_str).map(str::to_owned);
        // A shell-only hook (Cursor's beforeShellExecution): the command at the top level.
        if name.is_empty()
            && let Some(command) = self.text(&keys(|f| f.command))
        {
            return ToolCall::Shell(command);
        }
        let command = || match input.get("command") {
            // An argv: quote each word so the lexer sees exactly these words.
            Some(Value::Array(parts)) => Some(
                parts
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Some(Value::String(text)) => Some(text.clone()),
            _ => None,
        };
        let named = |tools: fn(&dyn super::Agent) -> &'static [&'static str]| {
            super::ALL
                .iter()
                .any(|a| tools(*a).contains(&name.as_str()))
        };
        if named(|a| a.shell_tools()) {
            command().map_or(ToolCall::Other, ToolCall::Shell)
        } else if named(|a| a.patch_tools()) {
            command()
                .or_else(|| keys(|f| f.patch).iter().find_map(|k| field(k)))
                .map_or(ToolCall::Other, ToolCall::Patch)
        } else if named(|a| a.edit_tools()) {
            let paths: Vec<PathBuf> = keys(|f| f.paths)
                .iter()
                .filter_map(|k| field(k))
                .map(PathBuf::from)
                .collect();
            if paths.is_empty() {
                ToolCall::Other
            } else {
                ToolCall::Edit(paths)
            }
        } else {
            ToolCall::Other
        }
    }
}

/// The project the agent was started in, from the environment an agent gives its hooks.
pub fn project_dir() -> Option<PathBuf> {
    keys(|f| f.project_dir_env)
        .iter()
        .find_map(|name| std::env::var_os(name).filter(|v| !v.is_empty()))
        .map(PathBuf::from)
}
