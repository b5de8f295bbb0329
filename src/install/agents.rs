//! Agent hook configs: merged into each agent's project file in its own shape, other keys and
//! hooks kept in their order, a second install byte-identical, uninstall removing only
//! backstop's entries. Committed files name `backstop` on PATH, never a path of this machine.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};

use crate::agent::{Agent, Layout};
use crate::config::GatesConfig;
use crate::error::usage;
use crate::git::Repo;
use crate::trigger::Trigger;

/// Seconds a hook running the gates of `triggers` may take: their timeouts in a row, plus a
/// margin.
fn gate_seconds(config: &GatesConfig, triggers: &[Trigger]) -> u64 {
    let timeouts = || {
        config
            .gates
            .values()
            .filter(|g| g.triggers().iter().any(|t| triggers.contains(t)))
            .map(|g| g.timeout().as_secs())
    };
    let gates: u64 = timeouts().sum();
    // Never below one gate's own timeout: an agent that kills the hook lets the stop through.
    let longest = timeouts().max().unwrap_or(0);
    (gates + 60).clamp(600, 4 * 3600).max(longest + 60)
}

/// The timeouts install writes: a stop runs the stop gates; a pre-tool call may run the
/// pre-commit and pre-push gates for a `git commit` or `git push` (`hook/commit_gate.rs`).
pub fn timeouts(config: &GatesConfig) -> crate::agent::Timeouts {
    crate::agent::Timeouts {
        stop: gate_seconds(config, &[Trigger::Stop]),
        pre_tool: gate_seconds(config, &[Trigger::PreCommit, Trigger::PrePush]),
    }
}

/// Whether a handler is backstop's, for this agent.
fn ours(handler: &Value, agent: &dyn Agent) -> bool {
    let marker = format!("backstop hook {} ", agent.name());
    handler
        .get(agent.handler_command_key())
        .and_then(Value::as_str)
        .is_some_and(|c| c.contains(&marker))
}

/// Merges backstop's hooks into the agent's file; returns what happened.
pub fn install(repo: &Repo, config: &GatesConfig, agent: &dyn Agent) -> Result<String> {
    let path = repo.root().join(agent.hooks_file());
    let before = std::fs::read(&path).ok();
    let mut root = read(&path, before.as_deref())?;
    let object = root.as_object_mut().context("checked by read")?;
    if let Some(version) = agent.file_version()
        && !object.contains_key("version")
    {
        object.insert("version".to_owned(), json!(version));
    }
    let hooks = object.entry("hooks").or_insert_with(|| json!({}));
    let Some(hooks) = hooks.as_object_mut() else {
        return Err(usage(
            format!("{}: `hooks` is not an object", path.display()),
            "fix the file by hand, then install again",
        ));
    };
    for crate::agent::HookEntry {
        event,
        matcher,
        handler,
    } in agent.hooks(&timeouts(config), config)
    {
        let list = hooks.entry(event).or_insert_with(|| json!([]));
        let Some(list) = list.as_array_mut() else {
            return Err(usage(
                format!("{}: `hooks.{event}` is not a list", path.display()),
                "fix the file by hand, then install again",
            ));
        };
        if agent.layout() == Layout::Grouped {
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
            agent.name(),
            agent.hooks_file()
        ));
    }
    write(&path, &text)?;
    Ok(format!(
        "{}: installed ({})",
        agent.name(),
        agent.hooks_file()
    ))
}

/// Removes backstop's hooks from the agent's file, and nothing else.
pub fn uninstall(repo: &Repo, agent: &dyn Agent) -> Result<String> {
    let path = repo.root().join(agent.hooks_file());
    let Some(before) = std::fs::read(&path).ok() else {
        return Ok(format!(
            "{}: nothing to remove ({} does not exist)",
            agent.name(),
            agent.hooks_file()
        ));
    };
    let mut root = read(&path, Some(&before))?;
    if let Some(hooks) = root.get_mut("hooks").and_then(Value::as_object_mut) {
        for list in hooks.values_mut().filter_map(Value::as_array_mut) {
            if agent.layout() == Layout::Grouped {
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
    if agent.owns_file() && only_ours_left {
        // backstop's own file: nothing else was ever in it.
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        return Ok(format!("{}: removed {}", agent.name(), agent.hooks_file()));
    }
    let text = serde_json::to_string_pretty(&root)? + "\n";
    if text.as_bytes() == before.as_slice() {
        return Ok(format!(
            "{}: no backstop hooks in {}",
            agent.name(),
            agent.hooks_file()
        ));
    }
    write(&path, &text)?;
    Ok(format!(
        "{}: removed backstop's hooks from {}",
        agent.name(),
        agent.hooks_file()
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
    crate::fsio::write_replacing(path, text.as_bytes(), None)
        .with_context(|| format!("cannot write {}", path.display()))
}
