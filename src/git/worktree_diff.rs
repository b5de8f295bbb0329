//! The working tree against a base commit without libgit2's full diff: the base's tree
//! against the parsed index (cache-tree, see `staged`), the index against the worktree from
//! its stat data (see `stat`), and the untracked files (see `untracked`), combined path by
//! path. Only taken when no filter can change bytes between the worktree and git (no
//! attributes anywhere, no `core.autocrlf`), no submodule, a case-sensitive repository: then
//! a file's blob id is the hash of its bytes, and the result equals libgit2's diff (a test
//! compares the two). Anything else takes libgit2's path.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Result;
use git2::Oid;

use super::index_file::{GITLINK, IndexFile};
use super::{ChangeKind, FileChange, FileSet, Repo};

/// A path's state on one side: mode and blob id.
type State = Option<(u32, Oid)>;

impl Repo {
    /// [`Repo::changed_since`] from the parsed index and stat data, or `None` when this
    /// repository needs libgit2's diff.
    pub(super) fn changed_since_fast(&self, base: Option<Oid>) -> Result<Option<FileSet>> {
        let Some(index) = self.parsed_index() else {
            return Ok(None);
        };
        if index.unusual
            || index
                .entries()
                .iter()
                .any(|e| e.mode == GITLINK || e.hidden_from_diffs())
            || self.filters_possible(&index)
        {
            return Ok(None);
        }
        let base_tree = base.map(|b| self.tree_of(b)).transpose()?;
        let Some(staged) = self.staged_from(&index, base_tree.as_ref())? else {
            return Ok(None);
        };
        let Some(suspects) = self.stat_suspects() else {
            return Ok(None);
        };
        let untracked = self.untracked_files(&index)?;
        if untracked.iter().any(|p| p.ends_with(".gitattributes")) {
            return Ok(None);
        }
        let trust_mode = self
            .inner
            .config()
            .and_then(|c| c.get_bool("core.filemode"))
            .unwrap_or(true);
        // The index against the worktree: suspects read from disk, untracked files added.
        let mut unstaged: BTreeMap<Vec<u8>, ChangeKind> = BTreeMap::new();
        for path in suspects {
            let Some(entry) = index.get(&path) else {
                continue;
            };
            let relative = Path::new(OsStr::from_bytes(&path));
            let kind = match self.on_disk(relative, Some((entry.mode, entry.id)), trust_mode) {
                None => ChangeKind::Deleted,
                Some((mode, id)) if mode == entry.mode && id == entry.id => continue,
                Some((mode, _)) if mode & 0o170_000 != entry.mode & 0o170_000 => {
                    ChangeKind::TypeChanged
                }
                Some(_) => ChangeKind::Modified,
            };
            unstaged.insert(path, kind);
        }
        for path in &untracked {
            unstaged.insert(path.as_os_str().as_bytes().to_vec(), ChangeKind::Added);
        }
        // The two diffs composed as libgit2 (and git) compose them for `git diff <base>`.
        let mut set = FileSet::default();
        for change in staged.changes {
            let key = change.path.as_os_str().as_bytes().to_vec();
            let kind = match (change.kind, unstaged.remove(&key)) {
                (kind, None) | (kind @ ChangeKind::Deleted, _) => kind,
                (ChangeKind::Added, Some(ChangeKind::Deleted)) => continue,
                (_, Some(ChangeKind::Deleted)) => ChangeKind::Deleted,
                (kind, Some(_)) => kind,
            };
            set.changes.push(FileChange { kind, ..change });
        }
        set.changes
            .extend(unstaged.into_iter().map(|(path, kind)| FileChange {
                path: PathBuf::from(OsStr::from_bytes(&path)),
                kind,
                submodule: false,
            }));
        set.normalise();
        Ok(Some(set))
    }

    /// A worktree file's mode and blob id as git would record them (`None`: no file there).
    /// Without `core.filemode`, the index's executable bit stands, as git keeps it.
    fn on_disk(&self, path: &Path, in_index: State, trust_mode: bool) -> State {
        let metadata = std::fs::symlink_metadata(self.root.join(path)).ok()?;
        let mode = if metadata.file_type().is_symlink() {
            0o120_000
        } else if !metadata.is_file() {
            return None;
        } else if trust_mode {
            if metadata.permissions().mode() & 0o100 != 0 {
                0o100_755
            } else {
                0o100_644
            }
        } else {
            in_index.map_or(0o100_644, |(mode, _)| mode)
        };
        Some((mode, self.worktree_blob_id(path)?))
    }

    /// Whether attributes or configuration could make git store other bytes than a file
    /// holds (line endings, filters, encodings): then only libgit2 computes blob ids right.
    fn filters_possible(&self, index: &IndexFile) -> bool {
        let config = self.inner.config().ok();
        let autocrlf = config
            .as_ref()
            .and_then(|c| c.get_string("core.autocrlf").ok())
            .is_some_and(|v| v != "false");
        let attributes_file = config
            .as_ref()
            .and_then(|c| c.get_path("core.attributesFile").ok())
            .or_else(|| {
                let home = std::env::var_os("XDG_CONFIG_HOME")
                    .map(PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config"))
                    })?;
                Some(home.join("git").join("attributes"))
            });
        autocrlf
            || attributes_file.is_some_and(|f| f.exists())
            || self.common_dir().join("info").join("attributes").exists()
            || index.entries().iter().any(|e| {
                let path = index.path(e);
                path == b".gitattributes" || path.ends_with(b"/.gitattributes")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    fn write(root: &Path, path: &str, text: &str) {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    #[test]
    fn the_fast_worktree_diff_equals_libgit2s() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        for path in [
            ".gitignore",
            "keep.txt",
            "edit.txt",
            "gone.txt",
            "mode.sh",
            "link",
            "staged-then-reverted.txt",
            "unstaged-from-index.txt",
            "to-dir",
            "dir-to-file/x.txt",
            "removed-cached.txt",
            "deep/a/b.txt",
        ] {
            write(root, path, &format!("{path}\n"));
        }
        std::fs::write(root.join(".gitignore"), "*.log\n").unwrap();
        git(root, &["add", "-A"]);
        git(root, &["commit", "-qm", "base"]);
        write(root, "committed-later.txt", "c\n");
        write(root, "deep/a/b.txt", "changed in the second commit\n");
        git(root, &["add", "-A"]);
        git(root, &["commit", "-qm", "second"]);

        write(root, "edit.txt", "edited\n");
        std::fs::remove_file(root.join("gone.txt")).unwrap();
        std::fs::set_permissions(root.join("mode.sh"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        std::fs::remove_file(root.join("link")).unwrap();
        std::os::unix::fs::symlink("keep.txt", root.join("link")).unwrap();
        write(root, "staged-then-reverted.txt", "staged\n");
        git(root, &["add", "staged-then-reverted.txt"]);
        write(
            root,
            "staged-then-reverted.txt",
            "staged-then-reverted.txt\n",
        );
        write(root, "unstaged-from-index.txt", "staged\n");
        git(root, &["add", "unstaged-from-index.txt"]);
        write(root, "unstaged-from-index.txt", "and then edited\n");
        std::fs::remove_file(root.join("to-dir")).unwrap();
        write(root, "to-dir/inner.txt", "x\n");
        std::fs::remove_dir_all(root.join("dir-to-file")).unwrap();
        write(root, "dir-to-file", "now a file\n");
        git(root, &["rm", "-q", "--cached", "removed-cached.txt"]);
        write(root, "new/untracked.txt", "u\n");
        write(root, "ignored.log", "i\n");

        let repo = Repo::discover(root).unwrap();
        let head = repo.head().unwrap();
        let first = repo.commit_id("HEAD~1").unwrap();
        for base in [Some(head), Some(first), None] {
            let fast = repo
                .changed_since_fast(base)
                .unwrap()
                .expect("no filters here");
            assert_eq!(
                fast,
                repo.changed_since_by_libgit2(base).unwrap(),
                "base {base:?}"
            );
        }
        let fast = repo.changed_since_fast(Some(head)).unwrap().unwrap();
        assert!(fast.changes.len() >= 10, "{fast:?}");
        // Attributes could change bytes: libgit2's path.
        write(root, ".gitattributes", "*.txt text\n");
        let repo = Repo::discover(root).unwrap();
        assert!(repo.changed_since_fast(Some(head)).unwrap().is_none());
    }
}
