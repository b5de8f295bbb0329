//! What a run judges: the trigger, the base, the target and the file set between them
//! (SPEC §1), as typed values; the strings reports show are derived from them.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::error::usage;
use crate::git::{EMPTY_TREE, FileSet, Oid, Repo, Side, UnsupportedIndex};
use crate::trigger::Trigger;

/// Which files a run is about.
#[derive(Debug, Clone)]
pub enum FileSelection {
    /// The trigger's own file set (SPEC §1).
    Trigger,
    /// Every tracked file.
    AllFiles,
    /// Exactly these worktree-relative files.
    Listed(Vec<PathBuf>),
    /// What changed between two revisions.
    Range {
        /// From this revision.
        from: String,
        /// To this revision.
        to: String,
    },
}

/// The base, target and file set of one run.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Why the gates run.
    pub trigger: Trigger,
    /// The base commit; `None` is the empty tree (before the first commit).
    pub base: Option<Oid>,
    /// The commit whose gates.toml (and `[protect]`) the target's is judged against: the base,
    /// or when there is none (a pushed branch with no history in common with the remote) the
    /// branch it would merge into, so no run skips the weakening check for want of a base.
    pub config_base: Option<Oid>,
    /// Which version of the files is judged.
    pub target: Side,
    /// The paths in question.
    pub file_set: FileSet,
    /// Whether `file_set` is every path that differs between the base and the target (not a
    /// listed or --all-files selection), so the target's content is the base's plus it.
    pub complete_diff: bool,
}

impl Snapshot {
    /// The base as reports and `BACKSTOP_BASE` show it: a commit id, or the empty tree's id.
    pub fn base_id(&self) -> String {
        self.base
            .map_or_else(|| EMPTY_TREE.to_owned(), |b| b.to_string())
    }

    /// The target as reports show it: a commit id, `index` or `worktree`.
    pub fn target_name(&self) -> String {
        match self.target {
            Side::Index => "index".to_owned(),
            Side::WorkTree => "worktree".to_owned(),
            Side::Commit(id) => id.to_string(),
        }
    }

    /// For a working-tree target described by a complete diff: the base and the changes, from
    /// which the cache reads the target's content ids without scanning the tree again.
    pub fn worktree_diff(&self) -> Option<(Option<Oid>, &FileSet)> {
        (self.target == Side::WorkTree && self.complete_diff).then_some((self.base, &self.file_set))
    }

    /// Every path of the file set, relative to the worktree root.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.file_set
            .changes
            .iter()
            .map(|c| c.path.clone())
            .collect()
    }

    /// Whether `path` is part of the file set.
    pub fn contains(&self, path: &Path) -> bool {
        self.file_set.changes.iter().any(|c| c.path == path)
    }

    /// The working tree against a given base commit (an agent session's recorded base).
    pub fn since(repo: &Repo, trigger: Trigger, base: Oid) -> Result<Snapshot> {
        refuse_unsupported_index(repo)?;
        Ok(Snapshot {
            trigger,
            base: Some(base),
            config_base: Some(base),
            target: Side::WorkTree,
            file_set: repo.changed_since(Some(base))?,
            complete_diff: true,
        })
    }

    /// A commit (ci's `HEAD`) against a base already decided, with the files asked for.
    pub fn of_commit(
        repo: &Repo,
        trigger: Trigger,
        base: Option<Oid>,
        head: Oid,
        files: &FileSelection,
    ) -> Result<Snapshot> {
        let file_set = match files {
            FileSelection::Listed(paths) => repo.listed(paths)?,
            FileSelection::AllFiles => repo.tracked_in_commit(head)?,
            FileSelection::Trigger | FileSelection::Range { .. } => {
                repo.changed_between(base, head)?
            }
        };
        Ok(Snapshot {
            trigger,
            base,
            config_base: base,
            target: Side::Commit(head),
            file_set,
            complete_diff: matches!(files, FileSelection::Trigger),
        })
    }

    /// A pushed commit against the remote's old commit (or the merge-base of a new branch);
    /// its gates.toml is judged against `config_base`'s.
    pub fn pushed(
        repo: &Repo,
        base: Option<Oid>,
        config_base: Option<Oid>,
        tip: Oid,
    ) -> Result<Snapshot> {
        Ok(Snapshot {
            trigger: Trigger::PrePush,
            base,
            config_base,
            target: Side::Commit(tip),
            file_set: repo.changed_between(base, tip)?,
            complete_diff: true,
        })
    }
}

/// Stops before the index is used when it is split or sparse: libgit2 cannot read either
/// (nothing has been set aside yet, so the person's work is untouched).
fn refuse_unsupported_index(repo: &Repo) -> Result<()> {
    match repo.unsupported_index() {
        None => Ok(()),
        Some(UnsupportedIndex::Split) => Err(usage(
            format!(
                "{} is a split index (core.splitIndex or `git update-index --split-index`), which backstop cannot read",
                repo.index_path().display()
            ),
            "turn it off with `git config core.splitIndex false && git update-index --no-split-index`, then try again",
        )),
        Some(UnsupportedIndex::Sparse) => Err(usage(
            format!(
                "{} is a sparse index (index.sparse), which backstop cannot read",
                repo.index_path().display()
            ),
            "keep the sparse checkout with a full index: `git sparse-checkout init --no-sparse-index` (or `git config index.sparse false`), then try again",
        )),
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
            trigger,
            base: Some(from_id),
            config_base: Some(from_id),
            target: Side::Commit(to_id),
            file_set: repo.changed_between(Some(from_id), to_id)?,
            complete_diff: true,
        });
    }
    let head = repo.head();
    // Stop and manual with no base at all: every tracked file, never only uncommitted work.
    let mut judge_everything = false;
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
        Trigger::PrePush | Trigger::Stop | Trigger::Manual => {
            let found = find_base(repo, base_ref);
            let by_trigger = matches!(files, FileSelection::Trigger);
            // With no base, every tracked file (said), never nothing: a run of pre-push by hand
            // judged only an empty range before. `--all-files`/`--files` need no base: quiet.
            judge_everything =
                matches!(found, BaseLookup::Nothing { .. }) && head.is_some() && by_trigger;
            let base = if by_trigger {
                found.announce()
            } else {
                found.quietly()
            };
            let target = if trigger == Trigger::PrePush {
                head.map_or(Side::WorkTree, Side::Commit)
            } else {
                Side::WorkTree
            };
            (base.or(head), target)
        }
    };
    if !matches!(target, Side::Commit(_)) {
        refuse_unsupported_index(repo)?;
    }
    let file_set = match (files, &target) {
        (FileSelection::Listed(paths), _) => repo.listed(paths)?,
        (FileSelection::AllFiles, Side::Index) => repo.tracked(false)?,
        (FileSelection::AllFiles, Side::WorkTree) => repo.tracked(true)?,
        (FileSelection::AllFiles, Side::Commit(id)) => repo.tracked_in_commit(*id)?,
        (_, Side::WorkTree) if judge_everything => {
            // Every tracked file, and whatever changed beside them (new and deleted files).
            let mut all = repo.tracked(true)?;
            for change in repo.changed_since(base)?.changes {
                if !all.changes.iter().any(|c| c.path == change.path) {
                    all.changes.push(change);
                }
            }
            all
        }
        (_, Side::Index) if trigger == Trigger::CommitMsg => FileSet::default(),
        (_, Side::Index) => repo.staged()?,
        (_, Side::WorkTree) => repo.changed_since(base)?,
        (_, Side::Commit(id)) if judge_everything => repo.tracked_in_commit(*id)?,
        (_, Side::Commit(id)) => repo.changed_between(base, *id)?,
    };
    Ok(Snapshot {
        trigger,
        base,
        config_base: base,
        target,
        file_set,
        complete_diff: matches!(files, FileSelection::Trigger)
            && trigger != Trigger::CommitMsg
            && !judge_everything,
    })
}

/// What the base of a stop, manual or new-branch pre-push run is, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseLookup {
    /// The merge-base with `settings.base`.
    Configured(Oid),
    /// `settings.base` did not resolve; the merge-base with another branch, as a user would
    /// expect (the remote's default branch, the upstream, local main/master).
    Fallback {
        /// The merge-base.
        commit: Oid,
        /// The configured ref that did not resolve.
        configured: String,
        /// The ref used instead.
        used: String,
        /// What that ref is ("the remote's default branch", ...).
        what: &'static str,
    },
    /// Nothing resolves (no remote, no upstream, no other local main/master).
    Nothing {
        /// The configured ref.
        configured: String,
    },
    /// No commit yet: the base is the empty tree, and every file is new anyway.
    Unborn,
}

impl BaseLookup {
    /// The base commit, saying on stderr where it came from when it is not the configured one.
    pub fn announce(&self) -> Option<Oid> {
        match self {
            BaseLookup::Configured(commit) => Some(*commit),
            BaseLookup::Fallback {
                commit,
                configured,
                used,
                what,
            } => {
                eprintln!(
                    "warning: settings.base `{configured}` does not resolve here; comparing with `{used}` ({what}). \
                     Set base = \"{used}\" in gates.toml to make it the base."
                );
                Some(*commit)
            }
            BaseLookup::Nothing { configured } => {
                eprintln!(
                    "warning: no base to compare with: settings.base `{configured}` does not resolve, and there is no \
                     remote default branch, upstream or other local main/master; judging every tracked file. \
                     Set settings.base in gates.toml (or fetch the remote) to judge only what changed."
                );
                None
            }
            BaseLookup::Unborn => None,
        }
    }

    /// The base commit, without a word.
    pub fn quietly(&self) -> Option<Oid> {
        match self {
            BaseLookup::Configured(commit) | BaseLookup::Fallback { commit, .. } => Some(*commit),
            BaseLookup::Nothing { .. } | BaseLookup::Unborn => None,
        }
    }

    /// The ref the base came from, when one resolved.
    pub fn used(&self) -> Option<&str> {
        match self {
            BaseLookup::Fallback { used, .. } => Some(used),
            BaseLookup::Configured(_) | BaseLookup::Nothing { .. } | BaseLookup::Unborn => None,
        }
    }
}

/// `settings.base` as a ref: `<remote>/<branch>` names the remote-tracking branch only
/// (`refs/remotes/...`), never a local branch or tag of the same name, which git's own lookup
/// would prefer (`git tag origin/main` must not move the base).
fn qualified(repo: &Repo, configured: &str) -> String {
    let remote_named = configured.split_once('/').is_some_and(|(first, _)| {
        matches!(first, "origin" | "upstream") || repo.main_remote().as_deref() == Some(first)
    });
    if remote_named && !configured.starts_with("refs/") {
        format!("refs/remotes/{configured}")
    } else {
        configured.to_owned()
    }
}

/// The base a person would expect: the merge-base of `HEAD` with `settings.base`, else with the
/// remote's default branch, else with the current branch's upstream, else with local main or
/// master (never the branch checked out: its merge-base is `HEAD`, which would leave only
/// uncommitted work to judge).
pub fn find_base(repo: &Repo, configured: &str) -> BaseLookup {
    let Some(head) = repo.head() else {
        return BaseLookup::Unborn;
    };
    if let Some(commit) = repo.merge_base_with(&qualified(repo, configured)) {
        return BaseLookup::Configured(commit);
    }
    let current = repo.current_branch();
    // (full ref, as shown, what it is)
    let mut candidates: Vec<(String, String, &'static str)> = Vec::new();
    if let Some(default) = repo.remote_default_branch() {
        candidates.push((
            format!("refs/remotes/{default}"),
            default,
            "the remote's default branch",
        ));
    }
    if let Some(upstream) = repo.upstream() {
        let shown = upstream
            .strip_prefix("refs/remotes/")
            .or_else(|| upstream.strip_prefix("refs/heads/"))
            .unwrap_or(&upstream)
            .to_owned();
        candidates.push((upstream, shown, "the upstream of the current branch"));
    }
    for local in ["main", "master"] {
        if current.as_deref() != Some(local) && repo.has_local_branch(local) {
            candidates.push((
                format!("refs/heads/{local}"),
                local.to_owned(),
                "a local branch",
            ));
        }
    }
    for (full, name, what) in candidates {
        if name == configured {
            continue;
        }
        let Ok(commit) = repo.commit_id(&full) else {
            continue;
        };
        // A branch at HEAD or ahead of it (`git branch -f main HEAD`, `git branch master`)
        // would leave only uncommitted work to judge: not a base.
        if let Ok(merge_base) = repo.merge_base(commit, head)
            && merge_base != head
        {
            return BaseLookup::Fallback {
                commit: merge_base,
                configured: configured.to_owned(),
                used: name,
                what,
            };
        }
    }
    BaseLookup::Nothing {
        configured: configured.to_owned(),
    }
}
