//! What a run judges: the base, the target and the file set between them (SPEC §1).

use anyhow::Result;

use crate::error::usage;
use crate::git::{EMPTY_TREE, FileSet, Oid, Repo, Side};
use crate::settings::FileSelection;
use crate::trigger::Trigger;

/// The base, target and file set of one run.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The base commit id, the empty tree id before the first commit, or `None`.
    pub base: Option<String>,
    /// A commit id, `index` or `worktree`.
    pub target: String,
    /// The paths in question.
    pub file_set: FileSet,
    /// The base commit (`None`: the empty tree).
    pub base_commit: Option<Oid>,
    /// Which version of the files is judged.
    pub side: Side,
    /// Whether `file_set` is every path that differs between the base and the target (not a
    /// listed or --all-files selection), so the target's content is the base's plus it.
    pub complete_diff: bool,
}

impl Snapshot {
    /// For a working-tree target described by a complete diff: the base and the changes, from
    /// which the cache reads the target's content ids without scanning the tree again.
    pub fn worktree_diff(&self) -> Option<(Option<Oid>, FileSet)> {
        (self.side == Side::WorkTree && self.complete_diff)
            .then(|| (self.base_commit, self.file_set.clone()))
    }
}

/// Decides base and target for the trigger and lists the files between them.
pub fn resolve(
    repo: &Repo,
    trigger: Trigger,
    files: &FileSelection,
    base_ref: &str,
) -> Result<Snapshot> {
    if let FileSelection::Range { from, to } = files {
        let from_id = repo.commit_id(from).map_err(|e| {
            usage(
                e.to_string(),
                "pass --from a branch, tag or commit that exists here (git fetch it first)",
            )
        })?;
        let to_id = repo.commit_id(to).map_err(|e| {
            usage(
                e.to_string(),
                "pass --to a branch, tag or commit that exists here",
            )
        })?;
        return Ok(Snapshot {
            base: Some(from_id.to_string()),
            target: to_id.to_string(),
            file_set: repo.changed_between(Some(from_id), to_id)?,
            base_commit: Some(from_id),
            side: Side::Commit(to_id),
            complete_diff: true,
        });
    }
    let head = repo.head();
    let (base, target) = match trigger {
        Trigger::PreCommit | Trigger::CommitMsg => (head, Side::Index),
        Trigger::Ci => {
            let head = head.ok_or_else(|| {
                usage(
                    "HEAD has no commit yet",
                    "commit something before running the ci gates",
                )
            })?;
            let base = repo.commit_id(base_ref).map_err(|e| {
                usage(e.to_string(), format!("fetch the base branch (e.g. `git fetch origin main`) or pass --base REF; settings.base is `{base_ref}`"))
            })?;
            let merge_base = repo.merge_base(base, head).map_err(|e| {
                usage(e.to_string(), "fetch more history (actions/checkout with fetch-depth: 0, or `git fetch --unshallow`)")
            })?;
            (Some(merge_base), Side::Commit(head))
        }
        Trigger::PrePush => (
            branch_base(repo, base_ref).or(head),
            head.map_or(Side::WorkTree, Side::Commit),
        ),
        Trigger::Stop | Trigger::Manual => (branch_base(repo, base_ref).or(head), Side::WorkTree),
    };
    let file_set = match (files, &target) {
        (FileSelection::Listed(paths), _) => repo.listed(paths)?,
        (FileSelection::AllFiles, Side::Index) => repo.tracked(false)?,
        (FileSelection::AllFiles, Side::WorkTree) => repo.tracked(true)?,
        (FileSelection::AllFiles, Side::Commit(id)) => repo.tracked_in_commit(*id)?,
        (_, Side::Index) if trigger == Trigger::CommitMsg => FileSet::default(),
        (_, Side::Index) => repo.staged()?,
        (_, Side::WorkTree) => repo.changed_since(base)?,
        (_, Side::Commit(id)) => repo.changed_between(base, *id)?,
    };
    let base_commit = base;
    let side = target;
    let complete_diff = matches!(files, FileSelection::Trigger) && trigger != Trigger::CommitMsg;
    let base = Some(base.map_or_else(|| EMPTY_TREE.to_owned(), |b| b.to_string()));
    let target = match target {
        Side::Index => "index".to_owned(),
        Side::WorkTree => "worktree".to_owned(),
        Side::Commit(id) => id.to_string(),
    };
    Ok(Snapshot {
        base,
        target,
        file_set,
        base_commit,
        side,
        complete_diff,
    })
}

/// The merge-base with the configured base branch. A base the user chose that does not
/// resolve is worth a warning; the default `origin/main` missing (no remote yet) is not.
fn branch_base(repo: &Repo, base_ref: &str) -> Option<Oid> {
    let found = repo.merge_base_with(base_ref);
    if found.is_none()
        && base_ref != crate::config::SettingsConfig::default().base
        && repo.head().is_some()
    {
        eprintln!(
            "warning: settings.base `{base_ref}` does not resolve here; comparing with HEAD (fix the ref, or git fetch it)"
        );
    }
    found
}

/// The working tree against a given base commit (an agent session's recorded base).
pub fn since(repo: &Repo, base: Oid) -> Result<Snapshot> {
    Ok(Snapshot {
        base: Some(base.to_string()),
        target: "worktree".to_owned(),
        file_set: repo.changed_since(Some(base))?,
        base_commit: Some(base),
        side: Side::WorkTree,
        complete_diff: true,
    })
}
