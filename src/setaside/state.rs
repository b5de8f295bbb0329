//! The state of one worktree path, captured byte for byte and put back exactly.

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// What was at a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PathState {
    /// A regular file: its content's fingerprint and permission bits.
    File {
        /// `git::blob_id` of the bytes.
        id: String,
        /// Unix mode bits.
        mode: u32,
    },
    /// A symbolic link and its target.
    Symlink {
        /// The raw target bytes.
        target: Vec<u8>,
    },
    /// Nothing.
    Missing,
}

/// Reads the state of `path`; a directory there is an error (nothing is set aside then).
pub fn read(path: &Path) -> Result<(PathState, Option<Vec<u8>>)> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((PathState::Missing, None));
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    if metadata.file_type().is_symlink() {
        let target = std::fs::read_link(path)?
            .into_os_string()
            .as_bytes()
            .to_vec();
        return Ok((PathState::Symlink { target }, None));
    }
    if metadata.is_dir() {
        bail!(
            "{} is a directory where git expects a file; move it and commit again",
            path.display()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let state = PathState::File {
        id: crate::git::blob_id(&bytes),
        mode: metadata.permissions().mode() & 0o7777,
    };
    Ok((state, Some(bytes)))
}

/// Puts `state` at `path`; `bytes` are the file's content for [`PathState::File`].
/// Files are written beside the target and renamed over it, so a crash leaves old or new.
pub fn write(path: &Path, state: &PathState, bytes: Option<&[u8]>) -> Result<()> {
    remove_if_link_or_missing_dir(path)?;
    match state {
        PathState::Missing => match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("cannot remove {}", path.display()))
            }
            _ => Ok(()),
        },
        PathState::Symlink { target } => {
            let _ = std::fs::remove_file(path);
            create_parent(path)?;
            std::os::unix::fs::symlink(OsStr::from_bytes(target), path)
                .with_context(|| format!("cannot restore the link {}", path.display()))
        }
        PathState::File { mode, .. } => {
            let bytes = bytes.context("file content missing from the backup")?;
            create_parent(path)?;
            let name = path.file_name().context("a file path has a name")?;
            let mut temporary = name.to_os_string();
            temporary.push(".backstop-restore");
            let temporary = path.with_file_name(temporary);
            let mut file = std::fs::File::create(&temporary)
                .with_context(|| format!("cannot write {}", temporary.display()))?;
            file.write_all(bytes)?;
            file.set_permissions(std::fs::Permissions::from_mode(*mode))?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&temporary, path)
                .with_context(|| format!("cannot restore {}", path.display()))
        }
    }
}

fn remove_if_link_or_missing_dir(path: &Path) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        std::fs::remove_file(path)
            .with_context(|| format!("cannot replace the link {}", path.display()))?;
    }
    Ok(())
}

fn create_parent(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    Ok(())
}

/// Writes bytes to `path` and flushes them to disk.
pub fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()
        .with_context(|| format!("cannot flush {}", path.display()))
}

/// Flushes a directory's entries (new and renamed files) to disk.
pub fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot flush {}", dir.display()))
}
