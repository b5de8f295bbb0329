//! Per-session state under the git common dir: the base recorded at session start, and the
//! stop gate's retry counter keyed by the failure fingerprint.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::git::{Oid, Repo};

/// What backstop remembers about one agent session.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SessionState {
    /// `HEAD` when the session started.
    pub base: Option<String>,
    /// The last failure's fingerprint.
    pub fingerprint: Option<String>,
    /// Blocks in a row with that fingerprint.
    pub blocks: u32,
    /// Stops since the last green run, whatever their failures.
    #[serde(default)]
    pub total: u32,
    /// The worktree the session started in (its root): judged at every stop, wherever the
    /// agent's last `cd` left the payload's `cwd`.
    #[serde(default)]
    pub worktree: Option<PathBuf>,
}

fn path(repo: &Repo, session: &str) -> PathBuf {
    repo.common_dir()
        .join("backstop")
        .join("sessions")
        .join(format!("{session}.json"))
}

/// The state of `session` (empty when unknown).
pub fn load(repo: &Repo, session: &str) -> SessionState {
    // State under .git an agent can write: never a FIFO or an endless file.
    crate::fsio::read_regular(&path(repo, session), 1024 * 1024)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Saves the state (atomically: a crash leaves the old or the new one).
pub fn save(repo: &Repo, session: &str, state: &SessionState) {
    let target = path(repo, session);
    let Some(dir) = target.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let _ = crate::fsio::write_replacing(
        &target,
        &serde_json::to_vec(state).unwrap_or_default(),
        None,
    );
}

/// The session's base, when it was recorded and still names a commit here.
pub fn base(repo: &Repo, session: &str) -> Option<Oid> {
    load(repo, session)
        .base
        .and_then(|b| repo.commit_id(&b).ok())
}
