//! How long the agent lets its pre-tool hook run, when an older `backstop install` wrote less
//! than the commit gates may take: the agent kills a hook at its timeout and then runs the
//! command anyway, so the gates must finish first, or refuse the command, never let it through
//! unjudged.

use std::time::Duration;

use serde_json::Value;

use crate::agent::{Agent, Event};
use crate::config::GatesConfig;
use crate::git::Repo;

/// The installed pre-tool hook's timeout, when it is shorter than what `install` writes for
/// this configuration now (`None`: long enough, or not found).
pub fn short_limit(agent: &dyn Agent, repo: &Repo, config: &GatesConfig) -> Option<Duration> {
    let timeouts = crate::install::agents::timeouts(config);
    let command = format!(
        "backstop hook {} {}",
        agent.name(),
        Event::PreToolUse.as_str()
    );
    let key = agent.handler_command_key();
    let expected = agent
        .hooks(&timeouts, config)
        .into_iter()
        .map(|entry| entry.handler)
        .find(|h| {
            h.get(key)
                .and_then(Value::as_str)
                .is_some_and(|c| c.contains(&command))
        })?;
    let path = repo.root().join(agent.hooks_file());
    let bytes = crate::fsio::read_regular(&path, 4 * 1024 * 1024).ok()?;
    let file: Value = serde_json::from_slice(&bytes).ok()?;
    let installed = find(&file, key, &command)?;
    // The handler's numbers that grow with the timeout (`timeout`, `timeoutSec`), in the
    // agent's own unit: seconds, or milliseconds for Gemini CLI.
    expected.as_object()?.iter().find_map(|(name, value)| {
        let want = value.as_u64().filter(|w| *w >= timeouts.pre_tool)?;
        let have = installed.get(name)?.as_u64()?;
        let unit = want / timeouts.pre_tool;
        (have < want && unit > 0).then(|| Duration::from_secs(have / unit))
    })
}

/// The handler object in `value` whose `key` runs `command`.
fn find<'a>(value: &'a Value, key: &str, command: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => {
            if map
                .get(key)
                .and_then(Value::as_str)
                .is_some_and(|c| c.contains(command))
            {
                return Some(value);
            }
            map.values().find_map(|v| find(v, key, command))
        }
        Value::Array(items) => items.iter().find_map(|v| find(v, key, command)),
        _ => None,
    }
}
