//! Worktree-level operations for setting work aside: what differs from the index being
//! committed, writing index versions back without touching any index, and re-staging.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use git2::build::CheckoutBuilder;
use git2::{Delta, DiffOptions, Index, Oid};

use super::Repo;

/// Index entry flag: not in the worktree (sparse checkout).
const SKIP_WORKTREE: u16 = 1 << 14;
/// Index entry flag: assume unchanged (`git update-index --assume-unchanged`).
const ASSUME_VALID: u16 = 0x8000;

/// A path whose worktree state is not what the commit holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorktreeChange {
    /// Relative to the worktree root.
    pub path: PathBuf,
    /// Not in the index at all.
    pub untracked: bool,
}

impl Repo {
    /// Tracked paths whose worktree content, mode or presence differs from `index` (filters
    /// applied, as `git diff` sees them), and with `untracked`, untracked files that are not
    /// ignored. Submodules are left alone.
    ///
    /// Paths in `committed` are the commit's own: those the index marks skip-worktree or
    /// assume-unchanged are included too (diffs skip them), so gates see what is committed.
    pub fn worktree_changes(
        &self,
        index: &Index,
        untracked: bool,
        committed: &[PathBuf],
    ) -> Result<Vec<WorktreeChange>> {
        self.worktree_changes_among(index, untracked, committed, None)
    }

    /// [`Repo::worktree_changes`] of the index being committed, without untracked files, that
    /// reads the worktree only where the index's stat data says a file may differ. Returns
    /// the changes and, when there are any, the libgit2 index they were read with.
    pub fn unstaged_changes(
        &self,
        committed: &[PathBuf],
    ) -> Result<(Vec<WorktreeChange>, Option<Index>)> {
        let Some(suspects) = self.stat_suspects() else {
            let index = self.index()?;
            let changes = self.worktree_changes(&index, false, committed)?;
            return Ok((changes, Some(index)));
        };
        let parsed = self.parsed_index().context("the index was just read")?;
        let hidden: Vec<&PathBuf> = committed
            .iter()
            .filter(|p| {
                parsed
                    .get(p.as_os_str().as_bytes())
                    .is_some_and(super::index_file::IndexEntry::hidden_from_diffs)
            })
            .collect();
        if suspects.is_empty() && hidden.is_empty() {
            return Ok((Vec::new(), None));
        }
        let index = self.index()?;
        let changes = if suspects.is_empty() {
            hidden
                .into_iter()
                .map(|path| WorktreeChange {
                    path: path.clone(),
                    untracked: false,
                })
                .collect()
        } else {
            self.worktree_changes_among(&index, false, committed, Some(&suspects))?
        };
        Ok((changes, Some(index)))
    }

    fn worktree_changes_among(
        &self,
        index: &Index,
        untracked: bool,
        committed: &[PathBuf],
        only: Option<&[Vec<u8>]>,
    ) -> Result<Vec<WorktreeChange>> {
        let mut options = DiffOptions::new();
        options.include_typechange(true).ignore_submodules(true);
        if untracked {
            options.include_untracked(true).recurse_untracked_dirs(true);
        }
        if let Some(paths) = only {
            for path in paths {
                options.pathspec(OsStr::from_bytes(path));
            }
            options.disable_pathspec_match(true);
        }
        let diff = self
            .inner
            .diff_index_to_workdir(Some(index), Some(&mut options))
            .context("cannot compare the working tree with the index")?;
        let mut changes = Vec::new();
        for delta in diff.deltas() {
            let untracked = match delta.status() {
                Delta::Untracked => true,
                Delta::Modified | Delta::Deleted | Delta::Typechange => false,
                _ => continue,
            };
            let file = if delta.status() == Delta::Deleted {
                delta.old_file()
            } else {
                delta.new_file()
            };
            let Some(bytes) = file.path_bytes() else {
                continue;
            };
            if bytes.ends_with(b"/") {
                continue;
            }
            let path = PathBuf::from(OsStr::from_bytes(bytes));
            // Sparse checkouts mark paths git does not keep in the worktree; they are absent on
            // purpose, not deleted, and must not be written out.
            if !untracked
                && index.get_path(&path, 0).is_some_and(|e| {
                    e.flags_extended & SKIP_WORKTREE != 0 || e.flags & ASSUME_VALID != 0
                })
            {
                continue;
            }
            changes.push(WorktreeChange { path, untracked });
        }
        for path in committed {
            let flagged = index.get_path(path, 0).is_some_and(|e| {
                e.flags_extended & SKIP_WORKTREE != 0 || e.flags & ASSUME_VALID != 0
            });
            if flagged && !changes.iter().any(|c| &c.path == path) {
                changes.push(WorktreeChange {
                    path: path.clone(),
                    untracked: false,
                });
            }
        }
        Ok(changes)
    }

    /// Tracked paths whose worktree state differs from `HEAD` (staged or not).
    pub fn changes_since_head(&self) -> Result<Vec<WorktreeChange>> {
        let Some(head) = self.head() else {
            return Ok(Vec::new());
        };
        let tree = self.inner.find_commit(head)?.tree()?;
        let mut options = DiffOptions::new();
        options.include_typechange(true).ignore_submodules(true);
        let diff = self
            .inner
            .diff_tree_to_workdir(Some(&tree), Some(&mut options))?;
        Ok(diff
            .deltas()
            .filter(|d| {
                matches!(
                    d.status(),
                    Delta::Modified | Delta::Deleted | Delta::Typechange | Delta::Added
                )
            })
            .filter_map(|d| {
                let file = if d.status() == Delta::Deleted {
                    d.old_file()
                } else {
                    d.new_file()
                };
                file.path_bytes().map(|b| WorktreeChange {
                    path: PathBuf::from(OsStr::from_bytes(b)),
                    untracked: false,
                })
            })
            .collect())
    }

    /// Writes the index's version of each path into the worktree (removing paths the index
    /// does not have), applying checkout filters, and writing no index.
    pub fn write_index_versions(&self, index: &mut Index, paths: &[PathBuf]) -> Result<()> {
        // Large files stream (libgit2 would hold each whole in memory).
        let (streamed, paths) = self.streamable(index, paths);
        for (path, id, mode) in &streamed {
            self.stream_blob(*id, path, *mode)
                .context("cannot write the committed versions into the working tree")?;
        }
        let paths = paths.as_slice();
        if paths.is_empty() {
            // An empty path list would mean every path to libgit2.
            return Ok(());
        }
        // libgit2's forced checkout opens a symlink at the path and writes through it (into
        // whatever it leads to: another file of the user's, a FIFO): remove the link first,
        // and the checkout writes the path afresh. Callers keep what was there.
        for path in paths {
            let on_disk = self.root.join(path);
            if std::fs::symlink_metadata(&on_disk).is_ok_and(|m| m.file_type().is_symlink()) {
                std::fs::remove_file(&on_disk)
                    .with_context(|| format!("cannot replace the link {}", path.display()))?;
            }
        }
        let mut checkout = CheckoutBuilder::new();
        checkout
            .force()
            .recreate_missing(true)
            .update_index(false)
            .disable_pathspec_match(true)
            .remove_untracked(false);
        for path in paths {
            checkout.path(path.as_path());
        }
        self.inner
            .checkout_index(Some(index), Some(&mut checkout))
            .context("cannot write the committed versions into the working tree")?;
        for path in paths {
            let in_index = index.get_path(path, 0).is_some();
            let on_disk = self.root.join(path);
            if !in_index && std::fs::symlink_metadata(&on_disk).is_ok() {
                std::fs::remove_file(&on_disk)
                    .with_context(|| format!("cannot set aside {}", path.display()))?;
            }
        }
        Ok(())
    }

    /// `git add` for paths a fixer changed: git's own CLI, so the index named by
    /// `GIT_INDEX_FILE` and its lock are handled exactly as git does.
    pub fn stage(&self, paths: &[PathBuf]) -> Result<()> {
        if paths.is_empty() {
            return Ok(());
        }
        let output = std::process::Command::new("git")
            .args(["--literal-pathspecs", "add", "--"])
            .args(paths)
            .current_dir(&self.root)
            .stdin(std::process::Stdio::null())
            .output()
            .context("cannot run git add")?;
        if !output.status.success() {
            bail!(
                "git add failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }

    /// A name for this worktree that is unique in the repository: `main` for the main
    /// worktree, the linked worktree's name otherwise.
    pub fn worktree_name(&self) -> String {
        if self.inner.is_worktree() {
            self.git_dir().file_name().map_or_else(
                || "linked".to_owned(),
                |n| format!("wt-{}", n.to_string_lossy()),
            )
        } else {
            "main".to_owned()
        }
    }

    /// Adds a detached worktree of `commit` at `path` (for judging a pushed ref that is not HEAD).
    pub fn add_detached_worktree(&self, path: &Path, commit: Oid) -> Result<()> {
        let path = path
            .to_str()
            .context("temporary worktree path is not UTF-8")?;
        // No post-checkout hooks and no LFS downloads for a throwaway checkout.
        let output = std::process::Command::new("git")
            .args([
                "-c",
                "core.hooksPath=/dev/null",
                "worktree",
                "add",
                "--detach",
                "--quiet",
                path,
                &commit.to_string(),
            ])
            .env("GIT_LFS_SKIP_SMUDGE", "1")
            // A hook's index and work tree are not the new worktree's: with them, git would
            // fill the commit's index with the checkout (the baseline runs in pre-commit).
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_PREFIX")
            .current_dir(&self.root)
            .stdin(std::process::Stdio::null())
            .output()
            .context("cannot run git worktree add")?;
        if !output.status.success() {
            bail!(
                "git worktree add failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }

    /// Removes a worktree added by [`Repo::add_detached_worktree`].
    pub fn remove_worktree(&self, path: &Path) -> Result<()> {
        let path = path
            .to_str()
            .context("temporary worktree path is not UTF-8")?;
        self.git_text(&["worktree", "remove", "--force", path])?;
        Ok(())
    }
}

/// The git blob id of a file's bytes (no filters), hashed in chunks rather than read whole.
pub fn blob_id_of_file(path: &Path) -> std::io::Result<String> {
    Oid::hash_file(git2::ObjectType::Blob, path)
        .map(|id| id.to_string())
        .map_err(|e| std::io::Error::other(e.message().to_owned()))
}

/// The git blob id of some bytes: a content fingerprint that needs no extra hashing crate.
pub fn blob_id(bytes: &[u8]) -> String {
    Oid::hash_object(git2::ObjectType::Blob, bytes)
        .map_or_else(|_| String::new(), |id| id.to_string())
}
