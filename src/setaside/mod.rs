//! Setting work aside while gates judge a snapshot, and putting it back byte for byte.
//!
//! The backup (copied bytes, then a manifest renamed into place) is flushed to disk under
//! `<git-common-dir>/backstop/<worktree>/setaside/` before the worktree is touched: the
//! manifest is the commit point. Restore runs from a guard on success, failure, panic and
//! signals; after SIGKILL the manifest stays and `backstop recover` puts the work back.

mod lock;
mod state;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::error::usage;
use crate::git::{Index, Repo};
pub use lock::{Wait, WorktreeLock};
use state::PathState;

const MANIFEST: &str = "manifest.json";
const WRITTEN: &str = "written.json";
/// The largest manifest read (far beyond any real set-aside).
const STATE_LIMIT: u64 = 256 * 1024 * 1024;

/// backstop's private directory for this worktree, shared by no other worktree.
pub fn area(repo: &Repo) -> PathBuf {
    repo.common_dir()
        .join("backstop")
        .join(repo.worktree_name())
}

/// Refuses to touch a worktree whose last set-aside was never put back (its run was killed),
/// unless that run is still alive and holding the lock.
pub fn refuse_if_interrupted(repo: &Repo) -> Result<()> {
    let dir = area(repo).join("setaside");
    if !dir.join(MANIFEST).exists() {
        return Ok(());
    }
    if WorktreeLock::try_acquire(&area(repo))?.is_none() {
        return Ok(());
    }
    Err(usage(
        format!(
            "an earlier backstop run was killed while it had set your uncommitted changes aside; \
             they are safe in {}",
            dir.display()
        ),
        "run `backstop recover` to put them back, then try again",
    ))
}

/// Whether work is set aside in this worktree right now (a run holds it, or one was killed).
pub fn set_aside(repo: &Repo) -> bool {
    area(repo).join("setaside").join(MANIFEST).exists()
}

/// Refuses, for a caller that holds the worktree lock, when set-aside work was never put back
/// (its run was killed): the same answer as [`refuse_if_interrupted`].
pub fn refuse_if_left_aside(repo: &Repo) -> Result<()> {
    if !set_aside(repo) {
        return Ok(());
    }
    Err(usage(
        format!(
            "an earlier backstop run was killed while it had set your uncommitted changes aside; \
             they are safe in {}",
            area(repo).join("setaside").display()
        ),
        "run `backstop recover` to put them back, then try again",
    ))
}

/// Where the commit's snapshot comes from.
pub enum Snapshot<'a> {
    /// The index being committed (pre-commit).
    Index(&'a mut Index),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    path: Vec<u8>,
    state: PathState,
    /// File name of the copied bytes in `blobs/`, for files.
    blob: Option<String>,
    /// Directories on the way to a missing path that did not exist either (deepest first):
    /// writing the snapshot creates them, restoring removes them again.
    #[serde(default)]
    absent_dirs: Vec<Vec<u8>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    version: u32,
    created_unix: u64,
    entries: Vec<Entry>,
    /// The tags of the processes that write temporaries beside the entries (the one that set
    /// the work aside, then each `recover`): what a killed one left is removed by its tag.
    #[serde(default)]
    temporary_tags: Vec<String>,
}

/// Copies that restore kept because a path had changed since it was set aside.
#[derive(Debug, Default)]
pub struct Restored {
    /// (path in the worktree, where its other version was kept).
    pub kept: Vec<(PathBuf, PathBuf)>,
}

/// Work set aside; dropping it puts the work back.
pub struct SetAside {
    root: PathBuf,
    area: PathBuf,
    entries: Vec<Entry>,
    written: Vec<Option<PathState>>,
    done: bool,
    /// Tags of processes whose temporaries beside the entries are removed once the work is
    /// back (after a crash; a live process removes its own).
    leftovers: Vec<String>,
}

impl SetAside {
    /// Backs up `paths` and then makes them match the snapshot. Nothing in the worktree is
    /// touched until the backup is on disk.
    pub fn begin(
        repo: &Repo,
        paths: &[PathBuf],
        untracked: &[PathBuf],
        snapshot: Snapshot<'_>,
    ) -> Result<SetAside> {
        // Writing below a directory that is now a symlink would write outside the worktree;
        // git itself treats such paths as gone, so they are left alone.
        let (paths, skipped): (Vec<PathBuf>, Vec<PathBuf>) = paths
            .iter()
            .cloned()
            .partition(|p| !behind_symlink(repo.root(), p));
        let (untracked, more): (Vec<PathBuf>, Vec<PathBuf>) = untracked
            .iter()
            .cloned()
            .partition(|p| !behind_symlink(repo.root(), p));
        for path in skipped.iter().chain(&more) {
            eprintln!(
                "backstop: {} is behind a symlinked directory; left as it is",
                path.display()
            );
        }
        let (paths, untracked) = (paths.as_slice(), untracked.as_slice());
        let area = area(repo);
        let dir = area.join("setaside");
        if dir.join(MANIFEST).exists() {
            bail!(
                "an earlier set-aside is still pending in {}; run `backstop recover`",
                dir.display()
            );
        }
        // No manifest: a backup that never reached its commit point; the worktree was not touched.
        let _ = std::fs::remove_dir_all(&dir);
        let manifest = back_up(repo, &area, &dir, paths, untracked).map_err(|error| {
            // Nothing in the worktree was touched yet: drop the partial backup, say so.
            let _ = std::fs::remove_dir_all(&dir);
            usage(
                format!(
                    "could not write the backup of your uncommitted changes under {} ({error:#}); nothing in your working tree was touched",
                    dir.display()
                ),
                "free some disk space there (or fix its permissions), then try again",
            )
        })?;

        let mut aside = SetAside {
            root: repo.root().to_path_buf(),
            area,
            entries: manifest.entries,
            written: Vec::new(),
            done: false,
            leftovers: Vec::new(),
        };
        // From here on, dropping `aside` (an error, a panic) restores.
        match snapshot {
            Snapshot::Index(index) => repo.write_index_versions(index, paths)?,
        }
        for path in untracked {
            let full = repo.root().join(path);
            if std::fs::symlink_metadata(&full).is_ok() {
                std::fs::remove_file(&full)
                    .with_context(|| format!("cannot set aside {}", path.display()))?;
            }
        }
        aside.written = aside
            .entries
            .iter()
            .map(|e| state::read(&aside.root.join(bytes_path(&e.path))).ok())
            .collect();
        crate::fsio::write_replacing(
            &dir.join(WRITTEN),
            &serde_json::to_vec(&aside.written)?,
            None,
        )
        .with_context(|| format!("cannot write {}", dir.join(WRITTEN).display()))?;
        Ok(aside)
    }

    /// The paths set aside.
    pub fn paths(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.entries
            .iter()
            .map(|e| bytes_path(&e.path).to_path_buf())
    }

    /// Puts everything back; a path changed since it was set aside is kept aside first.
    pub fn restore(mut self) -> Result<Restored> {
        self.done = true;
        self.restore_all()
    }

    fn restore_all(&self) -> Result<Restored> {
        let dir = self.area.join("setaside");
        // Kept copies go to a directory of their own, created when first needed and never
        // one an earlier run kept copies in.
        let mut kept_dir: Option<PathBuf> = None;
        let mut restored = Restored::default();
        let mut failures = Vec::new();
        let mut touched_dirs = std::collections::BTreeSet::new();
        for (n, entry) in self.entries.iter().enumerate() {
            let relative = bytes_path(&entry.path);
            let full = self.root.join(relative);
            let result = (|| -> Result<()> {
                let current = state::read(&full)?;
                if current == entry.state {
                    return Ok(());
                }
                let written = self.written.get(n).cloned().flatten();
                if written.as_ref() != Some(&current) && current != PathState::Missing {
                    // Changed since we set it aside (a fixer, a person): keep that version too.
                    let kept = if let Some(dir) = &kept_dir {
                        dir.clone()
                    } else {
                        let stem = format!("{}-{}", now(), std::process::id());
                        let made = crate::fsio::new_directory(&self.area.join("kept"), &stem)
                            .context("cannot create a directory for kept copies")?;
                        kept_dir.insert(made).clone()
                    };
                    let copy = kept.join(relative);
                    state::write(&copy, &current, Some(&full))?;
                    restored.kept.push((relative.to_path_buf(), copy));
                }
                let source = entry.blob.as_ref().map(|blob| dir.join("blobs").join(blob));
                state::write(&full, &entry.state, source.as_deref())?;
                for absent in &entry.absent_dirs {
                    // Only empty ones: anything else in them is someone's work.
                    let _ = std::fs::remove_dir(self.root.join(bytes_path(absent)));
                }
                if let Some(parent) = full.parent() {
                    touched_dirs.insert(parent.to_path_buf());
                }
                Ok(())
            })();
            if let Err(error) = result {
                failures.push(format!("{}: {error:#}", relative.display()));
            }
        }
        // What killed runs left beside the entries (a temporary of tens of megabytes that
        // `git add -A` would commit), found by their tags and nothing else.
        for entry in &self.entries {
            if !self.leftovers.is_empty() {
                crate::fsio::remove_temporaries_beside(
                    &self.root.join(bytes_path(&entry.path)),
                    &self.leftovers,
                );
            }
        }
        if !failures.is_empty() {
            return Err(usage(
                format!(
                    "could not put back every set-aside change ({}); they are safe in {}",
                    failures.join("; "),
                    dir.display()
                ),
                "fix the cause, then run `backstop recover`",
            ));
        }
        // Restored files must be on disk before the manifest that could restore them goes.
        for touched in &touched_dirs {
            let _ = state::sync_dir(touched);
        }
        std::fs::remove_file(dir.join(MANIFEST)).context("cannot remove the set-aside manifest")?;
        state::sync_dir(&dir)?;
        let _ = std::fs::remove_dir_all(&dir);
        Ok(restored)
    }
}

/// Copies every path into the backup and writes the manifest, flushed to disk: the commit
/// point after which the worktree may be touched. Files stream through a small buffer.
fn back_up(
    repo: &Repo,
    area: &Path,
    dir: &Path,
    paths: &[PathBuf],
    untracked: &[PathBuf],
) -> Result<Manifest> {
    let blobs = dir.join("blobs");
    std::fs::create_dir_all(&blobs)
        .with_context(|| format!("cannot create {}", blobs.display()))?;
    let mut entries = Vec::new();
    for (n, path) in paths.iter().chain(untracked).enumerate() {
        let name = n.to_string();
        let state = state::back_up(&repo.root().join(path), &blobs.join(&name))?;
        let blob = matches!(state, PathState::File { .. }).then_some(name);
        let absent_dirs = if state == PathState::Missing {
            path.ancestors()
                .skip(1)
                .filter(|a| {
                    !a.as_os_str().is_empty()
                        && std::fs::symlink_metadata(repo.root().join(a)).is_err()
                })
                .map(|a| a.as_os_str().as_bytes().to_vec())
                .collect()
        } else {
            Vec::new()
        };
        entries.push(Entry {
            path: path.as_os_str().as_bytes().to_vec(),
            state,
            blob,
            absent_dirs,
        });
    }
    state::sync_dir(&blobs)?;
    let manifest = Manifest {
        version: 1,
        created_unix: now(),
        entries,
        temporary_tags: vec![crate::fsio::process_tag().to_owned()],
    };
    crate::fsio::write_replacing(&dir.join(MANIFEST), &serde_json::to_vec(&manifest)?, None)
        .with_context(|| format!("cannot write {}", dir.join(MANIFEST).display()))?;
    // The manifest must survive a power loss: flush every directory down to it.
    state::sync_dir(dir)?;
    state::sync_dir(area)?;
    if let Some(parent) = area.parent() {
        state::sync_dir(parent)?;
    }
    Ok(manifest)
}

impl Drop for SetAside {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.done = true;
        match self.restore_all() {
            Ok(restored) => report_kept(&restored),
            Err(error) => crate::error::print(&error),
        }
    }
}

/// Tells the person where versions kept during restore are.
pub fn report_kept(restored: &Restored) {
    for (path, copy) in &restored.kept {
        eprintln!(
            "backstop: {} changed while it was set aside; that version is kept at {}",
            path.display(),
            copy.display()
        );
    }
}

/// `backstop recover`: puts back what a killed run set aside. Returns what it did.
pub fn recover(repo: &Repo) -> Result<Option<Restored>> {
    let area = area(repo);
    let _lock = WorktreeLock::acquire(&area)?;
    // Temporary push worktrees of a killed pre-push (the lock says none is running): remove
    // exactly those, and nothing else the user registered.
    if let Ok(entries) = std::fs::read_dir(&area) {
        for entry in entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("push-"))
        {
            if repo.remove_worktree(&entry.path()).is_err() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = area.join("setaside");
    // State an agent can write: never a FIFO or an endless file.
    let text = match crate::fsio::read_regular(&dir.join(MANIFEST), STATE_LIMIT) {
        Ok(text) => text,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e).context("cannot read the set-aside manifest"),
    };
    let mut manifest: Manifest =
        serde_json::from_slice(&text).context("the set-aside manifest is damaged")?;
    // This process writes temporaries beside the entries too: recorded first, so a recover
    // that is itself killed leaves nothing the next one cannot find.
    let leftovers = manifest.temporary_tags.clone();
    let own = crate::fsio::process_tag().to_owned();
    if !manifest.temporary_tags.contains(&own) {
        manifest.temporary_tags.push(own);
        crate::fsio::write_replacing(&dir.join(MANIFEST), &serde_json::to_vec(&manifest)?, None)
            .with_context(|| format!("cannot write {}", dir.join(MANIFEST).display()))?;
    }
    let written: Vec<Option<PathState>> =
        crate::fsio::read_regular(&dir.join(WRITTEN), STATE_LIMIT)
            .ok()
            .and_then(|w| serde_json::from_slice(&w).ok())
            .unwrap_or_default();
    let aside = SetAside {
        root: repo.root().to_path_buf(),
        area,
        entries: manifest.entries,
        written,
        done: true,
        leftovers,
    };
    aside.restore_all().map(Some)
}

/// Whether a directory on the way to `path` (inside `root`) is a symlink.
pub fn behind_symlink(root: &Path, path: &Path) -> bool {
    path.ancestors()
        .skip(1)
        .filter(|a| !a.as_os_str().is_empty())
        .any(|a| std::fs::symlink_metadata(root.join(a)).is_ok_and(|m| m.file_type().is_symlink()))
}

fn bytes_path(bytes: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(bytes))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
