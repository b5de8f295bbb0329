//! Paths git's own diffs skip: index entries marked `skip-worktree` or `assume-unchanged`
//! (`git update-index --skip-worktree`), whose changes `git status` and `git diff` do not show.
//! A stop judges them by their bytes on disk.

use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use git2::{ObjectType, Oid};

use super::{ChangeKind, FileChange, Repo};

/// `assume-unchanged`, in an entry's flags.
const ASSUME_UNCHANGED: u16 = 0x8000;
/// `skip-worktree`, in the extended flags.
const SKIP_WORKTREE: u16 = 0x4000;
/// A gitlink (submodule) entry's mode.
const GITLINK: u32 = 0o160_000;

impl Repo {
    /// Flagged index entries whose file on disk differs from `base` (`None`: the empty tree).
    /// A skip-worktree file that is absent is outside a sparse checkout when sparse checkout
    /// is on, and deleted otherwise.
    pub(super) fn hidden_changes(&self, base: Option<Oid>) -> Vec<FileChange> {
        let Ok(index) = self.index() else {
            return Vec::new();
        };
        let flagged: Vec<(PathBuf, bool)> = index
            .iter()
            .filter(|e| e.mode != GITLINK && (e.flags >> 12).trailing_zeros() >= 2)
            .filter(|e| e.flags & ASSUME_UNCHANGED != 0 || e.flags_extended & SKIP_WORKTREE != 0)
            .map(|e| {
                let skip = e.flags_extended & SKIP_WORKTREE != 0;
                (PathBuf::from(std::ffi::OsString::from_vec(e.path)), skip)
            })
            .collect();
        if flagged.is_empty() {
            return Vec::new();
        }
        let sparse = self
            .inner
            .config()
            .and_then(|c| c.get_bool("core.sparseCheckout"))
            .unwrap_or(false);
        let tree = base.and_then(|b| self.inner.find_commit(b).ok()?.tree().ok());
        let mut out = Vec::new();
        for (path, skip) in flagged {
            let in_base = tree
                .as_ref()
                .and_then(|t| t.get_path(&path).ok())
                .map(|e| e.id());
            let on_disk = self.disk_blob_id(&path);
            let kind = match (in_base, on_disk) {
                (Some(a), Some(b)) if a != b => ChangeKind::Modified,
                (None, Some(_)) => ChangeKind::Added,
                (Some(_), None) if !(skip && sparse) => ChangeKind::Deleted,
                _ => continue,
            };
            out.push(FileChange {
                path: PathBuf::from(OsStr::from_bytes(path.as_os_str().as_bytes())),
                kind,
                submodule: false,
            });
        }
        out
    }

    /// The blob id of a file on disk as stored bytes (a symlink: its target).
    fn disk_blob_id(&self, path: &std::path::Path) -> Option<Oid> {
        let full = self.root.join(path);
        let metadata = std::fs::symlink_metadata(&full).ok()?;
        let content = if metadata.file_type().is_symlink() {
            std::fs::read_link(&full).ok()?.into_os_string().into_vec()
        } else if metadata.is_file() {
            std::fs::read(&full).ok()?
        } else {
            return None;
        };
        Oid::hash_object(ObjectType::Blob, &content).ok()
    }
}
