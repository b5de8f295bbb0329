//! Result-cache keys for one run: what every gate of the run shares (trigger, base, who asked,
//! the inherited environment) and the content ids of what the gates see, read again after the
//! run so that a pass is stored only if nothing changed meanwhile.

use std::os::unix::ffi::OsStrExt;

use super::GatesSee;
use crate::gates::GateContext;
use crate::git::{FileSet, Oid, Repo, Side, Uncacheable};
use crate::plan::Plan;
use crate::runner::cache::{Cache, SeenContents};

/// The result cache for this run, or `None` when the content the gates see cannot be keyed
/// (a submodule, whose checkout the key cannot see; an unreadable tree: the run goes on
/// without the cache).
pub(super) fn result_cache(
    repo: &Repo,
    plan: &Plan,
    context: &GateContext,
    sees: GatesSee,
    from_hook: bool,
) -> Option<Cache> {
    let contents = seen_contents(repo, plan, sees)?;
    let mut run_context = format!(
        "trigger {}\nbase {}\nfrom {}\nsees {sees:?}\n",
        context.trigger,
        context.base.as_deref().unwrap_or("-"),
        if from_hook { "hook" } else { "command line" }
    )
    .into_bytes();
    // Gates inherit backstop's environment: a pass got with `FAKE=0` or another PATH must
    // not stand for a run without. Variables a shell changes on its own are left out.
    let mut inherited: Vec<(std::ffi::OsString, std::ffi::OsString)> = std::env::vars_os()
        .filter(|(name, _)| !VOLATILE_VARIABLES.iter().any(|v| name == v))
        .collect();
    inherited.sort();
    for (name, value) in inherited.iter().chain(&context.env) {
        // The pre-commit hook's index copy has a new path every time; its content is the
        // index, which the content ids already cover.
        if name != "GIT_INDEX_FILE" {
            run_context.extend_from_slice(name.as_bytes());
            run_context.push(b'=');
            run_context.extend_from_slice(value.as_bytes());
            run_context.push(0);
        }
    }
    Some(Cache::new(repo.common_dir(), contents, run_context))
}

/// Environment variables that differ between otherwise equal invocations and that no gate's
/// verdict should depend on.
const VOLATILE_VARIABLES: &[&str] = &[
    "_",
    "SHLVL",
    "OLDPWD",
    "PWD",
    "GIT_INDEX_FILE",
    // git hands a commit's hooks the commit's date, new every second.
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_DATE",
    "BACKSTOP_HOOK_SCRIPT",
    "SSH_AUTH_SOCK",
    "SSH_AGENT_PID",
    "WINDOWID",
    "TMUX_PANE",
    "TERM_SESSION_ID",
    "ITERM_SESSION_ID",
    "INVOCATION_ID",
    "JOURNAL_STREAM",
    "GPG_TTY",
];

/// What the gates saw when the run ended, read afresh (the working tree's diff too), so a
/// pass is stored only if nothing changed while gates ran.
pub(super) fn contents_after_the_run(
    repo: &Repo,
    plan: &Plan,
    sees: GatesSee,
) -> Option<SeenContents> {
    let result = match (sees, plan.snapshot.worktree_diff()) {
        // A commit's tree cannot change.
        (GatesSee::TargetCommit, _) => return seen_contents(repo, plan, sees),
        // The gates saw the working tree with unstaged work set aside: every tracked file
        // must still be what the index holds (untracked files are not in the key), and the
        // index what it was.
        (GatesSee::Index, _) => match repo.tracked_files_match_index() {
            Ok(true) => read_contents(repo, plan, sees, Some(&repo.staged().ok()?)),
            Ok(false) => return None,
            Err(error) => Err(error),
        },
        (GatesSee::WorkingTree, Some((base, _))) => repo
            .changed_since(base)
            .and_then(|changes| worktree_after(repo, plan, base, &changes)),
        (GatesSee::WorkingTree, None) => whole_worktree(repo, plan),
    };
    result.ok()
}

/// The content of what the gates of this run see.
fn seen_contents(repo: &Repo, plan: &Plan, sees: GatesSee) -> Option<SeenContents> {
    match read_contents(repo, plan, sees, None) {
        Ok(contents) => Some(contents),
        Err(error) if error.is::<Uncacheable>() => None,
        Err(error) => {
            eprintln!("backstop: running without the result cache: {error:#}");
            None
        }
    }
}

/// Reads the content the gates see: one digest from the base and the run's complete diff
/// where there is one (what git already hashed: the index's ids; for the working tree only
/// the changed files), and the list of every file only when a gate's `inputs` need it.
/// `staged_now` replaces the snapshot's staged file set (read again after the run).
fn read_contents(
    repo: &Repo,
    plan: &Plan,
    sees: GatesSee,
    staged_now: Option<&FileSet>,
) -> anyhow::Result<SeenContents> {
    let snapshot = &plan.snapshot;
    match (sees, snapshot.worktree_diff()) {
        (GatesSee::TargetCommit, _) => repo.content_ids(snapshot.target).map(SeenContents::listed),
        (GatesSee::Index, _) if snapshot.complete_diff && snapshot.target == Side::Index => {
            let staged = staged_now.unwrap_or(&snapshot.file_set);
            let whole = repo.content_digest_after(Side::Index, snapshot.base, staged)?;
            let files = if needs_files(plan) {
                Some(repo.content_ids(Side::Index)?)
            } else {
                None
            };
            Ok(SeenContents { whole, files })
        }
        (GatesSee::Index, _) => repo.content_ids(Side::Index).map(SeenContents::listed),
        (GatesSee::WorkingTree, Some((base, changes))) => worktree_after(repo, plan, base, changes),
        (GatesSee::WorkingTree, None) => whole_worktree(repo, plan),
    }
}

/// The working tree when the run has no complete diff of it (`run pre-commit` judges the
/// index but its gates see the working tree; `--files`): `HEAD` plus what may differ.
/// Paths the person named (`--files`) count too, ignored ones included: gates read them.
fn whole_worktree(repo: &Repo, plan: &Plan) -> anyhow::Result<SeenContents> {
    if !needs_files(plan)
        && let Some(whole) = repo.worktree_digest(repo.head(), &plan.snapshot.file_set)?
    {
        return Ok(SeenContents { whole, files: None });
    }
    repo.content_ids_naming(&plan.snapshot.file_set)
        .map(SeenContents::listed)
}

fn worktree_after(
    repo: &Repo,
    plan: &Plan,
    base: Option<Oid>,
    changes: &FileSet,
) -> anyhow::Result<SeenContents> {
    let whole = repo.content_digest_after(Side::WorkTree, base, changes)?;
    let files = if needs_files(plan) {
        Some(repo.content_ids_after(base, changes)?)
    } else {
        None
    };
    Ok(SeenContents { whole, files })
}

/// Whether a gate keys on part of the content (`inputs`), which needs every file's id.
fn needs_files(plan: &Plan) -> bool {
    plan.jobs().any(|job| job.inputs.is_some())
}
