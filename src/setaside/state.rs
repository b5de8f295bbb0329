//! The state of one worktree path, captured byte for byte and put back exactly.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
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

/// Reads the state of `path`; a directory there is an error (nothing is set aside then). A
/// file's content id is hashed in chunks, never read whole into memory.
pub fn read(path: &Path) -> Result<PathState> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(PathState::Missing),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    if metadata.file_type().is_symlink() {
        let target = std::fs::read_link(path)?
            .into_os_string()
            .as_bytes()
            .to_vec();
        return Ok(PathState::Symlink { target });
    }
    if metadata.is_dir() {
        bail!(
            "{} is a directory where git expects a file; move it and commit again",
            path.display()
        );
    }
    if !metadata.is_file() {
        bail!(
            "{} is not a regular file (a FIFO, a socket or a device); git cannot track it, so move it",
            path.display()
        );
    }
    Ok(PathState::File {
        id: hash_file(path)?,
        mode: metadata.permissions().mode() & 0o7777,
    })
}

/// Copies what is at `path` into `backup` (a new file, flushed to disk) and returns its state;
/// the content id is that of the copied bytes, so the record and the backup always agree. The
/// bytes stream through a small buffer whatever the file's size.
pub fn back_up(path: &Path, backup: &Path) -> Result<PathState> {
    let state = read(path)?;
    let PathState::File { mode, .. } = state else {
        return Ok(state);
    };
    let mut source = open_regular(path)?;
    let mut copy = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(backup)
        .with_context(|| format!("cannot write {}", backup.display()))?;
    std::io::copy(&mut source, &mut copy)
        .with_context(|| format!("cannot copy {} to {}", path.display(), backup.display()))?;
    copy.sync_all()
        .with_context(|| format!("cannot flush {}", backup.display()))?;
    Ok(PathState::File {
        id: hash_file(backup)?,
        mode,
    })
}

/// Puts `state` at `path`; a file's content is copied from `source`. Files are written to a
/// uniquely named temporary beside the target and renamed over it, so a crash leaves old or
/// new, and no other file (whatever its name) is ever written or removed.
pub fn write(path: &Path, state: &PathState, source: Option<&Path>) -> Result<()> {
    remove_if_link(path)?;
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
            let source = source.context("file content missing from the backup")?;
            create_parent(path)?;
            let mut content = open_regular(source)?;
            let mut temporary = crate::fsio::temporary_beside(path)
                .with_context(|| format!("cannot write beside {}", path.display()))?;
            std::io::copy(&mut content, &mut temporary)
                .with_context(|| format!("cannot write {}", path.display()))?;
            temporary
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(*mode))?;
            temporary.as_file().sync_all()?;
            crate::fsio::failpoint("kill-while-restoring");
            temporary
                .persist(path)
                .map_err(|e| e.error)
                .with_context(|| format!("cannot restore {}", path.display()))?;
            Ok(())
        }
    }
}

/// Opens a file for reading without blocking on a FIFO, and only if it is a regular file.
fn open_regular(path: &Path) -> Result<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if !file.metadata()?.is_file() {
        bail!("{} is no longer a regular file", path.display());
    }
    Ok(file)
}

/// The git blob id of a file's bytes, read in chunks.
fn hash_file(path: &Path) -> Result<String> {
    crate::git::blob_id_of_file(path).with_context(|| format!("cannot read {}", path.display()))
}

fn remove_if_link(path: &Path) -> Result<()> {
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

/// Flushes a directory's entries (new and renamed files) to disk.
pub fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot flush {}", dir.display()))
}
