//! The repository: discovery, revisions and file sets. The only module that imports git2.

mod attributes;
mod blob_stream;
mod fileset;
mod hidden;
mod hooks;
mod index_file;
mod names;
mod refs;
mod remote;
mod scratch;
mod staged;
mod stat;
mod untracked;
mod worktree;
mod worktree_diff;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow};
use git2::Repository;

pub use fileset::{
    ChangeKind, Contents, FileChange, FileSet, NotSmallFile, SYMLINK_MODE, Side, SmallFileAt,
    Stored, Uncacheable,
};
pub use git2::{Index, Oid};
pub use hooks::{HooksDir, HooksSource};
pub use index_file::{IndexFile, IndexMark, UnsupportedIndex};
pub use names::PathStatus;
pub use remote::Advertised;
pub use scratch::config_in;
pub use worktree::{WorktreeChange, blob_id, blob_id_of_file};

/// The id of git's empty tree: the base of a first commit.
pub const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// Why no worktree was found.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// No repository contains the directory.
    #[error("{} is not inside a git repository ({why})", start.display())]
    NotARepository {
        /// Where the search started.
        start: PathBuf,
        /// What git said.
        why: String,
    },
    /// The repository has no worktree.
    #[error("the repository at {} is bare; gates need a worktree", .0.display())]
    Bare(PathBuf),
}

/// A revision whose ref name could be read more than one way: what, and how to name it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AmbiguousRef {
    /// What is ambiguous.
    pub message: String,
    /// How to name it unambiguously.
    pub hint: String,
}

/// An open repository, seen from one worktree.
pub struct Repo {
    inner: Repository,
    root: PathBuf,
    /// The last parse of the index file and the stat data of the file it came from.
    parsed: Mutex<Option<(IndexStamp, Arc<IndexFile>)>>,
    /// The last staged file set, with the parsed index and `HEAD` it was read from.
    staged: Mutex<Option<StagedMemo>>,
    /// The processor time of the costliest look at the worktree so far (see [`Repo::scan_cost`]).
    scan_cost: Mutex<std::time::Duration>,
    /// The last stat pass not yet taken: (index entries, suspects) (see [`Repo::take_stat_pass`]).
    stat_pass: Mutex<Option<(usize, usize)>>,
}

/// A staged file set and what it was computed from.
type StagedMemo = (Arc<IndexFile>, Option<Oid>, FileSet);

/// What tells one version of an index file from another: git replaces the file (a new
/// inode) on every write, and the times and size change with any write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IndexStamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Repo {
    /// Finds the repository containing `start`, as git would (honouring `GIT_DIR` when set).
    pub fn discover(start: &Path) -> Result<Repo, DiscoverError> {
        // Re-hashing every object read is what git itself skips; on a hook's hot path it was
        // a tenth of the run (objects are still checked when written).
        git2::opts::strict_hash_verification(false);
        let inner = if std::env::var_os("GIT_DIR").is_some() {
            Repository::open_from_env()
        } else {
            Repository::discover(start)
        }
        .map_err(|e| DiscoverError::NotARepository {
            start: start.to_path_buf(),
            why: e.message().to_owned(),
        })?;
        let root = inner
            .workdir()
            .ok_or_else(|| DiscoverError::Bare(inner.path().to_path_buf()))?
            .to_path_buf();
        let root = root.canonicalize().unwrap_or(root);
        Ok(Repo {
            inner,
            root,
            parsed: Mutex::new(None),
            staged: Mutex::new(None),
            scan_cost: Mutex::new(std::time::Duration::ZERO),
            stat_pass: Mutex::new(None),
        })
    }

    /// What looking at the worktree again would cost: the processor time (all threads, the
    /// kernel's part included) of the costliest scan this process made, a stat pass, an
    /// untracked walk or a full diff. Processor time, not wall time: a busy machine delays a
    /// scan without making it more work.
    pub fn scan_cost(&self) -> std::time::Duration {
        *self
            .scan_cost
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs a scan of the worktree and keeps its cost for [`Repo::scan_cost`].
    fn scan<T>(&self, work: impl FnOnce() -> T) -> T {
        let started = process_time();
        let result = work();
        let took = process_time().saturating_sub(started);
        let mut cost = self
            .scan_cost
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *cost = (*cost).max(took);
        result
    }

    /// The root of the worktree (for a linked worktree, that worktree's root).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The git dir of this worktree (`.git`, or `.git/worktrees/NAME`).
    pub fn git_dir(&self) -> &Path {
        self.inner.path()
    }

    /// The directory shared by every worktree of the repository.
    pub fn common_dir(&self) -> &Path {
        self.inner.commondir()
    }

    /// The commit `HEAD` points at; `None` before the first commit.
    pub fn head(&self) -> Option<Oid> {
        self.inner
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .map(|c| c.id())
    }

    /// Resolves a revision (branch, tag, sha, `HEAD~2`) to a commit. Refs are never taken on
    /// the strength of git's lookup order alone (`refs/tags/x` before `refs/remotes/x`): a
    /// short name that two refs give different commits, or a `<remote>/<branch>` name that no
    /// remote-tracking branch gives, is an [`AmbiguousRef`] error, since anyone who can push a
    /// tag could otherwise choose what `origin/main` means in a fresh clone.
    pub fn commit_id(&self, rev: &str) -> Result<Oid> {
        self.refuse_ambiguous(rev)?;
        let object = self
            .inner
            .revparse_single(rev)
            .map_err(|e| anyhow!("cannot resolve `{rev}` to a commit: {}", e.message()))?;
        let commit = object
            .peel_to_commit()
            .with_context(|| format!("`{rev}` does not name a commit"))?;
        Ok(commit.id())
    }

    /// The refs git's lookup rules would try for the name that starts `rev` (before any `~`,
    /// `^`, `:` or `@{`), in git's order, with the commit each gives.
    fn candidates(&self, rev: &str) -> (String, Vec<(String, Option<Oid>)>) {
        let end = rev
            .find(['~', '^', ':'])
            .into_iter()
            .chain(rev.find("@{"))
            .min()
            .unwrap_or(rev.len());
        let name = &rev[..end];
        let full_id = matches!(name.len(), 40 | 64) && name.bytes().all(|b| b.is_ascii_hexdigit());
        if name.is_empty() || full_id {
            return (name.to_owned(), Vec::new());
        }
        let found = [
            name.to_owned(),
            format!("refs/{name}"),
            format!("refs/tags/{name}"),
            format!("refs/heads/{name}"),
            format!("refs/remotes/{name}"),
            format!("refs/remotes/{name}/HEAD"),
        ]
        .into_iter()
        .filter(|full| {
            full == "HEAD"
                || full.starts_with("refs/")
                || name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
        })
        .filter_map(|full| {
            let reference = self.inner.find_reference(&full).ok()?;
            let commit = reference.peel_to_commit().ok().map(|c| c.id());
            Some((full, commit))
        })
        .collect();
        (name.to_owned(), found)
    }

    /// Refuses a revision whose ref name git could read more than one way (see [`Repo::commit_id`]).
    fn refuse_ambiguous(&self, rev: &str) -> Result<()> {
        let (name, found) = self.candidates(rev);
        let mut commits: Vec<Option<Oid>> = found.iter().map(|(_, c)| *c).collect();
        commits.sort();
        commits.dedup();
        if commits.len() > 1 {
            let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
            return Err(AmbiguousRef {
                message: format!(
                    "`{name}` is ambiguous: {} name different commits",
                    names.join(" and ")
                ),
                hint: format!(
                    "name the one you mean in full ({}) or by its commit id",
                    names.join(", ")
                ),
            }
            .into());
        }
        // `origin/main` means the remote-tracking branch; a tag or another ref of that name
        // that stands in for a missing one is refused.
        let remote_name = name
            .split_once('/')
            .is_some_and(|(remote, _)| self.inner.find_remote(remote).is_ok());
        if remote_name
            && let Some((first, _)) = found.first()
            && !first.starts_with("refs/remotes/")
        {
            return Err(AmbiguousRef {
                message: format!(
                    "`{name}` names {first} here, not the remote-tracking branch refs/remotes/{name}"
                ),
                hint: format!(
                    "fetch the branch (`git fetch {}`), or name the ref in full",
                    name.replacen('/', " ", 1)
                ),
            }
            .into());
        }
        Ok(())
    }

    /// The best common ancestor of two commits.
    pub fn merge_base(&self, a: Oid, b: Oid) -> Result<Oid> {
        self.inner
            .merge_base(a, b)
            .map_err(|e| anyhow!("{a} and {b} have no common ancestor: {}", e.message()))
    }

    /// The full name of the ref a symbolic ref points at (`refs/remotes/origin/HEAD` ->
    /// `refs/remotes/origin/main`), when it is one.
    pub fn symbolic_target(&self, name: &str) -> Option<String> {
        let reference = self.inner.find_reference(name).ok()?;
        reference
            .symbolic_target()
            .ok()
            .flatten()
            .map(str::to_owned)
    }

    /// The id of a commit's tree: the same for every commit with the same content.
    pub fn tree_id(&self, commit: Oid) -> Result<Oid> {
        Ok(self
            .inner
            .find_commit(commit)
            .with_context(|| format!("cannot read commit {commit}"))?
            .tree_id())
    }

    /// The merge-base of `base_ref` and `HEAD`, when both resolve; `None` otherwise.
    pub fn merge_base_with(&self, base_ref: &str) -> Option<Oid> {
        let head = self.head()?;
        let base = self.commit_id(base_ref).ok()?;
        self.merge_base(base, head).ok()
    }
}

/// Processor time of this process so far (every thread, user and system).
fn process_time() -> std::time::Duration {
    // SAFETY: `now` is plain data that clock_gettime fills.
    let mut now: libc::timespec = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &raw mut now) };
    if rc != 0 {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}
