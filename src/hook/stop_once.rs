//! One stop, judged once, when two agents' hook files deliver it: Cursor runs the hooks of
//! `.claude/settings.json` besides its own `.cursor/hooks.json` when its third-party hooks
//! setting is on, so with both installed one stop reaches `backstop hook cursor stop` and
//! `backstop hook claude stop`, possibly at the same time, both with Cursor's payload.
//!
//! Only such a stop takes part: a payload Cursor sent ([`crate::agent::PayloadFields::marks`]),
//! with backstop's stop hook in both files. It takes a lock per session (and subagent), then
//! reads the last judged stop of that session: when it was judged for the *other* agent, on the
//! same content (`HEAD` and every changed file's bytes), less than [`SAME_STOP`] ago, this is
//! the same stop delivered twice, and the recorded verdict is answered again in this agent's
//! shape without running a gate or counting a block (a note on stderr says so). (Answering the
//! same verdict, rather than nothing, keeps the outcome whatever precedence the agent gives its
//! hook sources.) A stop from the same agent is always judged: an agent that stops again
//! without changing anything is retrying, and the retry budget counts it. Every other stop (a
//! Claude Code session's, say) is judged without a record, so no record can answer for it.
//! Records and locks older than a day are removed.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::agent::payload::Payload;
use crate::agent::{Agent, Event};
use crate::git::Repo;
use crate::setaside::WorktreeLock;

/// How long after a judged stop the other agent's delivery of it counts as the same stop.
pub const SAME_STOP: Duration = Duration::from_mins(1);

/// What a stop answered, in no agent's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// All gates passed (or nothing to judge): print nothing.
    Pass,
    /// Keep the agent working, with this text.
    Block(String),
    /// The retry budget is spent: let it stop, telling the person this.
    GiveUp(String),
}

impl Verdict {
    /// This verdict in `agent`'s shape.
    pub fn answer(&self, agent: &dyn Agent) -> Option<Value> {
        match self {
            Verdict::Pass => None,
            Verdict::Block(text) => Some(agent.block(text)),
            Verdict::GiveUp(text) => agent.give_up(text),
        }
    }
}

/// The last judged stop of a session.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    agent: String,
    content: String,
    at: u64,
    verdict: Verdict,
}

/// Whether to judge this stop, or answer the verdict already given to the other agent.
pub enum Claim {
    /// Judge it; [`StopClaim::answer`] records the verdict.
    Judge(StopClaim),
    /// The same stop, already judged: answer this.
    Replay(Verdict),
}

/// The right to judge a stop, held (with the session's lock) until the verdict is recorded.
pub struct StopClaim {
    _lock: Option<WorktreeLock>,
    /// Where the verdict is recorded; `None` for a stop that cannot come twice.
    record: Option<PathBuf>,
    agent: &'static str,
    content: String,
}

/// How old a record or a lock may get before a stop removes it.
const PRUNE_AFTER: Duration = Duration::from_hours(24);

/// Whether this stop may reach backstop twice: Cursor sent it, and both Cursor's and Claude
/// Code's hook files carry backstop's stop hook.
pub fn may_come_twice(repo: &Repo, payload: &Payload) -> bool {
    let (Some(cursor), Some(claude)) = (
        crate::agent::by_name("cursor"),
        crate::agent::by_name("claude"),
    ) else {
        return false;
    };
    payload.sent_by(cursor)
        && [cursor, claude].iter().all(|agent| {
            let file = repo.root().join(agent.hooks_file());
            let command = format!("backstop hook {} {}", agent.name(), Event::Stop.as_str());
            crate::fsio::read_regular(&file, 1024 * 1024)
                .is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(&command))
        })
}

/// Takes the session's lock and decides whether this stop is to be judged (`twice`: it may be
/// delivered twice, [`may_come_twice`]; otherwise it is judged, and nothing is recorded).
pub fn claim(repo: &Repo, counter: &str, agent: &dyn Agent, twice: bool) -> Claim {
    let dir = repo.common_dir().join("backstop").join("sessions");
    prune(&dir);
    if !twice {
        return Claim::Judge(StopClaim {
            _lock: None,
            record: None,
            agent: agent.name(),
            content: String::new(),
        });
    }
    let lock = lock(&dir.join(format!("{counter}.stop-lock")));
    let record = dir.join(format!("{counter}.stop.json"));
    let content = content_key(repo);
    // State an agent can write: never a FIFO or an endless file.
    let last: Option<Record> = crate::fsio::read_regular(&record, 1024 * 1024)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    if let Some(last) = last
        && last.agent != agent.name()
        && last.content == content
        && now().saturating_sub(last.at) < SAME_STOP.as_secs()
    {
        eprintln!(
            "backstop: this stop was judged {}s ago through {}'s hook file, on the same content; \
             the same verdict again",
            now().saturating_sub(last.at),
            last.agent
        );
        return Claim::Replay(last.verdict);
    }
    Claim::Judge(StopClaim {
        _lock: lock,
        record: Some(record),
        agent: agent.name(),
        content,
    })
}

/// Removes stop records and locks older than [`PRUNE_AFTER`] (no stop is held that long).
fn prune(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > PRUNE_AFTER);
        if !old {
            continue;
        }
        if name.ends_with(".stop.json") {
            let _ = std::fs::remove_file(entry.path());
        } else if name.ends_with(".stop-lock") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl StopClaim {
    /// Records the verdict (for the other agent's delivery of this stop) and answers it.
    pub fn answer(self, agent: &dyn Agent, verdict: Verdict) -> Option<Value> {
        let record = Record {
            agent: self.agent.to_owned(),
            content: self.content.clone(),
            at: now(),
            verdict,
        };
        if let Some(path) = &self.record
            && let Ok(bytes) = serde_json::to_vec(&record)
        {
            let _ = crate::fsio::write_replacing(path, &bytes, None);
        }
        record.verdict.answer(agent)
    }
}

/// Waits for the session's lock; `None` when it cannot be taken at all (a read-only git dir
/// must not stop the gates from running) or the wait is interrupted.
fn lock(dir: &std::path::Path) -> Option<WorktreeLock> {
    loop {
        match WorktreeLock::try_acquire(dir) {
            Ok(Some(lock)) => return Some(lock),
            Ok(None) if crate::process::interrupted().is_none() => {
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => return None,
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What the stop is judged on: `HEAD` and the bytes of every path that differs from it.
fn content_key(repo: &Repo) -> String {
    let head = repo.head();
    let mut text = format!("{}\n", head.map(|h| h.to_string()).unwrap_or_default());
    if let Ok(changes) = repo.changed_since(head) {
        for change in &changes.changes {
            // Hashed in chunks, and never a FIFO (a read that would block the stop).
            let full = repo.root().join(&change.path);
            let id = std::fs::metadata(&full)
                .ok()
                .filter(std::fs::Metadata::is_file)
                .and_then(|_| crate::git::blob_id_of_file(&full).ok());
            text.push_str(&format!(
                "{} {}\n",
                change.path.display(),
                id.unwrap_or_else(|| "-".to_owned())
            ));
        }
    }
    crate::git::blob_id(text.as_bytes())
}
