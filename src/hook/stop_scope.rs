//! What a stop judges, decided from what the agent cannot cheaply change.
//!
//! - **Where**: the worktree of the payload's `cwd` (which follows the agent's last `cd`), and
//!   also the worktree the session started in (recorded at `SessionStart`, before the agent did
//!   anything) and the project the agent tool names in its environment (`CLAUDE_PROJECT_DIR`...,
//!   set by the tool, not the model). A failure in any of them blocks.
//! - **Against what**: the session's recorded base; without one (the record was deleted, the
//!   session never recorded), SPEC §1's chain with `settings.base` read from `HEAD`'s committed
//!   gates.toml (an uncommitted edit has passed no gate), never a ref that the agent's own
//!   commits move (`HEAD`, the branch checked out).
//! - **Under which loop settings**: `stop_retries` and `feedback_lines` from the base's
//!   gates.toml; an uncommitted value counts only where it is stricter.
//! - **When**: holding the worktree lock, so a stop never judges work a running pre-commit has
//!   set aside. It waits for such a run (at most [`LOCK_WAIT`]), and blocks with the reason
//!   when the run is suspended or the wait runs out.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;

use crate::agent::session;
use crate::config::{self, SettingsConfig};
use crate::error::usage;
use crate::git::{Oid, Repo, SmallFileAt};
use crate::pipeline::{self, GateInputs};
use crate::report::Report;
use crate::setaside::{self, Wait, WorktreeLock};
use crate::settings::{GlobalOptions, RunSettings, Workspace};
use crate::snapshot::Snapshot;
use crate::trigger::Trigger;

/// How long a stop waits for another backstop run in the worktree: within the minute the
/// installed stop hook's timeout leaves beyond the gates' own timeouts.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// The worktrees a stop judges: `primary` (the payload's) first, then the session's recorded
/// worktree and the agent's project dir when they are other worktrees where backstop is
/// configured.
pub fn worktrees(
    primary: Workspace,
    session: &str,
    open: impl Fn(&Path) -> Option<Workspace>,
) -> Vec<Workspace> {
    let recorded = session::load(&primary.repo, session).worktree;
    let mut out = vec![primary];
    let candidates: Vec<PathBuf> = recorded
        .into_iter()
        .chain(crate::agent::payload::project_dir())
        .collect();
    for dir in candidates {
        let Some(workspace) = open(&dir) else {
            continue;
        };
        let root = workspace.repo.root().to_path_buf();
        if out.iter().any(|w| same_dir(w.repo.root(), &root)) || !configured(&workspace.repo) {
            continue;
        }
        out.push(workspace);
    }
    out
}

fn same_dir(a: &Path, b: &Path) -> bool {
    a == b
        || a.canonicalize()
            .ok()
            .is_some_and(|a| Some(a) == b.canonicalize().ok())
}

/// Whether backstop is configured in a worktree: gates.toml in it, its index or `HEAD`
/// (deleting the file must not switch the gates off there).
fn configured(repo: &Repo) -> bool {
    let name = Path::new(config::FILE_NAME);
    repo.root().join(name).exists()
        || repo
            .index()
            .ok()
            .and_then(|i| {
                repo.small_file(SmallFileAt::Index(&i), name, config::MAX_BYTES)
                    .ok()
            })
            .flatten()
            .is_some()
        || repo
            .head()
            .and_then(|h| {
                repo.small_file(SmallFileAt::Commit(h), name, config::MAX_BYTES)
                    .ok()
            })
            .flatten()
            .is_some()
}

/// The session's base for a worktree: the recorded commit, for the worktree the record was
/// read from (`primary`) or another whose `HEAD` descends from it.
pub fn session_base(repo: &Repo, recorded: Option<Oid>, primary: bool) -> Option<Oid> {
    let base = recorded?;
    repo.commit_id(&base.to_string()).ok()?;
    let descends = repo
        .head()
        .is_some_and(|head| head == base || repo.is_descendant_of(head, base));
    (primary || descends).then_some(base)
}

/// Runs the stop gates of one worktree, holding its lock, against `base` (else the chain).
pub fn judge(global: &GlobalOptions, workspace: &Workspace, base: Option<Oid>) -> Result<Report> {
    let repo = &workspace.repo;
    let _lock = hold(repo)?;
    setaside::refuse_if_left_aside(repo)?;
    let config = workspace.load_config()?;
    let mut settings = RunSettings::for_hook(workspace, &config, global, Trigger::Stop)?;
    // stdout belongs to the agent's protocol.
    settings.destinations.clear();
    settings.human_sink = None;
    let snapshot = if let Some(base) = base {
        Snapshot::since(repo, Trigger::Stop, base)?
    } else {
        let base_ref = trusted_base_ref(repo);
        crate::snapshot::resolve(repo, Trigger::Stop, &settings.files, &base_ref)?
    };
    let inputs = GateInputs {
        from_hook: true,
        ..GateInputs::default()
    };
    pipeline::run(repo, &config, &settings, snapshot, inputs)
}

/// Takes the worktree lock for a stop, or says why it cannot be had now.
fn hold(repo: &Repo) -> Result<WorktreeLock> {
    let area = setaside::area(repo);
    let aside = || {
        if setaside::set_aside(repo) {
            ", with your uncommitted changes set aside"
        } else {
            ""
        }
    };
    match WorktreeLock::acquire_within(&area, LOCK_WAIT)? {
        Wait::Acquired(lock) => Ok(lock),
        Wait::Suspended(pid) => Err(usage(
            format!(
                "another backstop run (process {pid}, e.g. a `git commit`'s hook) holds this \
                 worktree and is suspended{}; backstop does not judge work while it is set aside",
                aside()
            ),
            format!(
                "resume it (`fg` in its terminal, or `kill -CONT {pid}`) or end it, then stop again"
            ),
        )),
        Wait::TimedOut(pid) => Err(usage(
            format!(
                "another backstop run{} has held this worktree for more than {} s{}; backstop \
                 does not judge work while it is set aside",
                pid.map(|p| format!(" (process {p})")).unwrap_or_default(),
                LOCK_WAIT.as_secs(),
                aside()
            ),
            "let it finish (a commit's gates may take a while), then stop again",
        )),
    }
}

/// `settings.base` as `HEAD`'s committed gates.toml has it (else the default), unless it names
/// what the agent's own commits move: then the default, and the chain goes on from there.
fn trusted_base_ref(repo: &Repo) -> String {
    let default = SettingsConfig::default().base;
    let committed = repo
        .head()
        .and_then(|head| committed_settings(repo, head))
        .and_then(|s| {
            s.get("base")
                .and_then(toml::Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| default.clone());
    let current = repo.current_branch();
    let moving = committed == "HEAD"
        || committed == "@"
        || committed.starts_with("HEAD~")
        || committed.starts_with("HEAD^")
        || committed.starts_with("@~")
        || committed.starts_with("@^")
        || current.as_deref().is_some_and(|branch| {
            committed == branch || committed == format!("refs/heads/{branch}")
        });
    if moving {
        eprintln!(
            "backstop: warning: settings.base `{committed}` moves with the commits being judged; \
             the stop compares with `{default}` (or the next base SPEC §1 names) instead"
        );
        default
    } else {
        committed
    }
}

/// The `[settings]` table of a commit's gates.toml, read leniently.
fn committed_settings(repo: &Repo, commit: Oid) -> Option<toml::Table> {
    let bytes = repo
        .small_file(
            SmallFileAt::Commit(commit),
            Path::new(config::FILE_NAME),
            config::MAX_BYTES,
        )
        .ok()??;
    let table: toml::Table = String::from_utf8_lossy(&bytes).parse().ok()?;
    table.get("settings")?.as_table().cloned()
}

/// How long the stop loop holds the agent, and how much it tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopSettings {
    /// Blocks in a row on an unchanged failure before the agent may stop.
    pub retries: u32,
    /// Lines of feedback.
    pub feedback_lines: usize,
}

/// The loop settings of the base's gates.toml (its defaults when it has none); the worktree's
/// count only where they are stricter (more retries, more lines).
pub fn loop_settings(workspace: &Workspace, base: Option<Oid>) -> LoopSettings {
    let defaults = SettingsConfig::default();
    let worktree = workspace.load_config().map(|c| c.settings).ok();
    let at_base = base.and_then(|b| committed_settings(&workspace.repo, b));
    let read = |key: &str| {
        at_base
            .as_ref()
            .and_then(|s| s.get(key))
            .and_then(toml::Value::as_integer)
            .and_then(|v| u64::try_from(v).ok())
    };
    let base_retries = read("stop_retries")
        .and_then(|v| u32::try_from(v).ok())
        .unwrap_or(defaults.stop_retries);
    let base_lines = read("feedback_lines")
        .and_then(|v| usize::try_from(v).ok())
        .unwrap_or(defaults.feedback_lines);
    LoopSettings {
        retries: worktree
            .as_ref()
            .map_or(base_retries, |w| w.stop_retries.max(base_retries)),
        feedback_lines: worktree
            .as_ref()
            .map_or(base_lines, |w| w.feedback_lines.max(base_lines)),
    }
}
