//! Agent hook configs: merged into each agent's project file in its own shape, other keys and
//! hooks kept in their order, a second install byte-identical, uninstall removing only
//! backstop's entries. Committed files name `backstop` on PATH, never a path of this machine.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};

use crate::agent::{Agent, Event};
use crate::config::GatesConfig;
use crate::error::usage;
use crate::git::Repo;
use crate::trigger::Trigger;

/// The project file an agent reads its hooks from.
pub fn file(agent: Agent) -> &'static str {
    match agent {
        Agent::Claude => ".claude/settings.json",
        Agent::Codex => ".codex/hooks.json",
        Agent::Gemini => ".gemini/settings.json",
        Agent::Cursor => ".cursor/hooks.json",
        Agent::Copilot => ".github/hooks/backstop.json",
    }
}

/// The shell command a hook runs: backstop on PATH, or a message saying how to get it.
fn command(agent: Agent, event: Event) -> String {
    let run = format!("backstop hook {} {}", agent.as_str(), event.as_str());
    let missing = format!(
        "backstop is not installed here: install it (cargo install --locked backstop, or see its README), or remove its hooks from {}",
        file(agent)
    );
    let fallback = match agent {
        // These show a `systemMessage` to the person.
        Agent::Claude | Agent::Gemini => format!("echo '{}'", json!({ "systemMessage": missing })),
        _ => format!("echo '{missing}' >&2"),
    };
    format!("if command -v backstop >/dev/null 2>&1; then {run}; else {fallback}; fi")
}

/// Seconds a stop hook may take: every stop gate's timeout in a row, plus a margin.
fn stop_seconds(config: &GatesConfig) -> u64 {
    let gates: u64 = config
        .gates
        .values()
        .filter(|g| g.triggers().contains(&Trigger::Stop))
        .map(|g| g.timeout().as_secs())
        .sum();
    // Never below one gate's own timeout: an agent that kills the hook lets the stop through.
    let longest = config
        .gates
        .values()
        .filter(|g| g.triggers().contains(&Trigger::Stop))
        .map(|g| g.timeout().as_secs())
        .max()
        .unwrap_or(0);
    (gates + 60).clamp(600, 4 * 3600).max(longest + 60)
}

/// (event key in the agent's file, matcher, handler) for each hook backstop adds.
fn wanted(agent: Agent, config: &GatesConfig) -> Vec<(&'static str, Option<&'static str>, Value)> {
    let stop = stop_seconds(config);
    let handler = |event: Event, seconds: u64| json!({"type": "command", "command": command(agent, event), "timeout": seconds});
    match agent {
        Agent::Claude => vec![
            ("SessionStart", None, handler(Event::SessionStart, 30)),
            ("Stop", None, handler(Event::Stop, stop)),
            ("SubagentStop", None, handler(Event::SubagentStop, stop)),
            (
                "PreToolUse",
                Some("Bash|Edit|Write|MultiEdit|NotebookEdit"),
                handler(Event::PreToolUse, 30),
            ),
        ],
        Agent::Codex => vec![
            ("SessionStart", None, handler(Event::SessionStart, 30)),
            ("Stop", None, handler(Event::Stop, stop)),
            (
                "PreToolUse",
                Some("Bash|apply_patch"),
                handler(Event::PreToolUse, 30),
            ),
        ],
        Agent::Gemini => {
            let gemini = |event: Event, name: &str, millis: u64| json!({"type": "command", "command": command(agent, event), "name": name, "timeout": millis});
            vec![
                (
                    "SessionStart",
                    None,
                    gemini(Event::SessionStart, "backstop-session-start", 30_000),
                ),
                (
                    "AfterAgent",
                    None,
                    gemini(Event::Stop, "backstop-stop", stop * 1000),
                ),
                (
                    "BeforeTool",
                    Some("run_shell_command|write_file|replace"),
                    gemini(Event::PreToolUse, "backstop-guard", 30_000),
                ),
            ]
        }
        Agent::Cursor => vec![
            // Cursor stops following up after `loop_limit`; backstop's own retry budget decides first.
            (
                "stop",
                None,
                json!({"command": command(agent, Event::Stop), "loop_limit": config.settings.stop_retries + 1}),
            ),
            (
                "beforeShellExecution",
                None,
                json!({"command": command(agent, Event::PreToolUse)}),
            ),
        ],
        Agent::Copilot => {
            let copilot = |event: Event, seconds: u64| json!({"type": "command", "bash": command(agent, event), "timeoutSec": seconds});
            vec![
                ("sessionStart", None, copilot(Event::SessionStart, 30)),
                ("agentStop", None, copilot(Event::Stop, stop)),
                ("subagentStop", None, copilot(Event::SubagentStop, stop)),
                ("preToolUse", None, copilot(Event::PreToolUse, 30)),
            ]
        }
    }
}

/// Whether a handler is backstop's, for this agent.
fn ours(handler: &Value, agent: Agent) -> bool {
    let marker = format!("backstop hook {} ", agent.as_str());
    ["command", "bash"].iter().any(|k| {
        handler
            .get(*k)
            .and_then(Value::as_str)
            .is_some_and(|c| c.contains(&marker))
    })
}

/// Cursor lists handlers directly under the event; the others group them under a matcher.
fn grouped(agent: Agent) -> bool {
    !matches!(agent, Agent::Cursor | Agent::Copilot)
}

/// Merges backstop's hooks into the agent's file; returns what happened.
pub fn install(repo: &Repo, config: &GatesConfig, agent: Agent) -> Result<String> {
    let path = repo.root().join(file(agent));
    let before = std::fs::read(&path).ok();
    let mut root = read(&path, before.as_deref())?;
    let object = root.as_object_mut().context("checked by read")?;
    if matches!(agent, Agent::Cursor | Agent::Copilot) && !object.contains_key("version") {
        object.insert("version".to_owned(), json!(1));
    }
    let hooks = object.entry("hooks").or_insert_with(|| json!({}));
    let Some(hooks) = hooks.as_object_mut() else {
        return Err(usage(
            format!("{}: `hooks` is not an object", path.display()),
            "fix the file by hand, then install again",
        ));
    };
    for (event, matcher, handler) in wanted(agent, config) {
        let list = hooks.entry(event).or_insert_with(|| json!([]));
        let Some(list) = list.as_array_mut() else {
            return Err(usage(
                format!("{}: `hooks.{event}` is not a list", path.display()),
                "fix the file by hand, then install again",
            ));
        };
        if grouped(agent) {
            let existing = list.iter_mut().find(|group| {
                group
                    .get("hooks")
                    .and_then(Value::as_array)
                    .is_some_and(|h| h.iter().any(|x| ours(x, agent)))
            });
            if let Some(group) = existing {
                if let Some(handlers) = group.get_mut("hooks").and_then(Value::as_array_mut) {
                    for h in handlers.iter_mut().filter(|h| ours(h, agent)) {
                        *h = handler.clone();
                    }
                }
                if let (Some(m), Some(g)) = (matcher, group.as_object_mut()) {
                    g.insert("matcher".to_owned(), json!(m));
                }
            } else {
                let mut group = Map::new();
                if let Some(m) = matcher {
                    group.insert("matcher".to_owned(), json!(m));
                }
                group.insert("hooks".to_owned(), json!([handler]));
                list.push(Value::Object(group));
            }
        } else if let Some(h) = list.iter_mut().find(|h| ours(h, agent)) {
            *h = handler;
        } else {
            list.push(handler);
        }
    }
    let text = serde_json::to_string_pretty(&root)? + "\n";
    if before.as_deref() == Some(text.as_bytes()) {
        return Ok(format!(
            "{}: already installed ({})",
            agent.as_str(),
            file(agent)
        ));
    }
    write(&path, &text)?;
    Ok(format!("{}: installed ({})", agent.as_str(), file(agent)))
}

/// What the person still has to do before the agent runs the hooks, when there is something.
///
/// Codex loads a project's `.codex/hooks.json` only in a trusted project, and runs each hook
/// only once the person has trusted it (by hash, so again after any change); an untrusted hook
/// is skipped without a word. Checked with Codex CLI 0.169.0 (tests/clients).
pub fn next_steps(repo: &Repo, agent: Agent) -> Option<String> {
    if agent != Agent::Codex {
        return None;
    }
    let config = std::env::var_os("CODEX_HOME").map_or_else(
        || "~/.codex/config.toml".to_owned(),
        |home| Path::new(&home).join("config.toml").display().to_string(),
    );
    let project = toml::Value::String(repo.root().display().to_string());
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

/// Removes backstop's hooks from the agent's file, and nothing else.
pub fn uninstall(repo: &Repo, agent: Agent) -> Result<String> {
    let path = repo.root().join(file(agent));
    let Some(before) = std::fs::read(&path).ok() else {
        return Ok(format!(
            "{}: nothing to remove ({} does not exist)",
            agent.as_str(),
            file(agent)
        ));
    };
    let mut root = read(&path, Some(&before))?;
    if let Some(hooks) = root.get_mut("hooks").and_then(Value::as_object_mut) {
        for list in hooks.values_mut().filter_map(Value::as_array_mut) {
            if grouped(agent) {
                for group in list.iter_mut() {
                    if let Some(handlers) = group.get_mut("hooks").and_then(Value::as_array_mut) {
                        handlers.retain(|h| !ours(h, agent));
                    }
                }
                list.retain(|g| {
                    g.get("hooks")
                        .and_then(Value::as_array)
                        .is_none_or(|h| !h.is_empty())
                });
            } else {
                list.retain(|h| !ours(h, agent));
            }
        }
        hooks.retain(|_, list| list.as_array().is_none_or(|l| !l.is_empty()));
    }
    let only_ours_left = root
        .get("hooks")
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
        && root
            .as_object()
            .is_some_and(|o| o.keys().all(|k| k == "hooks" || k == "version"));
    if agent == Agent::Copilot && only_ours_left {
        // backstop's own file: nothing else was ever in it.
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        return Ok(format!("{}: removed {}", agent.as_str(), file(agent)));
    }
    let text = serde_json::to_string_pretty(&root)? + "\n";
    if text.as_bytes() == before.as_slice() {
        return Ok(format!(
            "{}: no backstop hooks in {}",
            agent.as_str(),
            file(agent)
        ));
    }
    write(&path, &text)?;
    Ok(format!(
        "{}: removed backstop's hooks from {}",
        agent.as_str(),
        file(agent)
    ))
}

fn read(path: &Path, bytes: Option<&[u8]>) -> Result<Value> {
    let Some(bytes) = bytes else {
        return Ok(json!({}));
    };
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Ok(json!({}));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(usage(
            format!("{} is not a JSON object", path.display()),
            "fix the file by hand, then install again",
        )),
        Err(e) => Err(usage(
            format!("{} is not valid JSON: {e}", path.display()),
            "fix the file (comments are not JSON), then install again",
        )),
    }
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let temporary = path.with_extension("backstop-new");
    std::fs::write(&temporary, text)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("cannot write {}", path.display()))
}
