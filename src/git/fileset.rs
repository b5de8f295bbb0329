//! File sets: which paths differ between a base and a target (SPEC §1).
//!
//! Paths are kept as raw bytes turned into `PathBuf`, so names that are not UTF-8 survive.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use git2::{Delta, Diff, DiffOptions, FileMode, Index, Oid, Tree, TreeWalkMode, TreeWalkResult};

use super::Repo;

/// How a path changed between base and target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// New in the target (including untracked files for working-tree targets).
    Added,
    /// Content or mode changed, or listed without comparison (`--all-files`, `--files`).
    Modified,
    /// Gone from the target.
    Deleted,
    /// Changed type, e.g. a file became a symlink.
    TypeChanged,
}

/// One path of a file set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Relative to the worktree root, with `/` separators.
    pub path: PathBuf,
    /// How it changed.
    pub kind: ChangeKind,
    /// A gitlink (submodule), which is a commit id rather than a file.
    pub submodule: bool,
}

impl FileChange {
    /// Whether a command gate can be handed this path as a file.
    pub fn is_file(&self) -> bool {
        self.kind != ChangeKind::Deleted && !self.submodule
    }
}

/// A path as git stores it: its mode and its bytes (a symlink's are the name it points at, a
/// gitlink's the commit id in hex). Two versions are the same only when both agree: a file
/// and a symlink whose name is the file's text are different things to every tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// `0o100644`, `0o100755`, `0o120000` (symlink) or `0o160000` (gitlink).
    pub mode: u32,
    /// The content (see above).
    pub bytes: Vec<u8>,
}

/// The mode of a symlink.
pub const SYMLINK_MODE: u32 = 0o120_000;

impl Stored {
    /// Whether this is a regular file (executable or not).
    pub fn is_regular(&self) -> bool {
        matches!(self.mode, 0o100_644 | 0o100_755)
    }

    /// What it is, for messages: a symlink to its target, a submodule at its commit, a file.
    pub fn describe(&self) -> String {
        match self.mode {
            SYMLINK_MODE => format!(
                "a symlink to `{}`",
                String::from_utf8_lossy(&self.bytes).escape_debug()
            ),
            GITLINK_MODE => format!("a submodule at {}", String::from_utf8_lossy(&self.bytes)),
            0o100_755 => "an executable file".to_owned(),
            _ => "a file".to_owned(),
        }
    }
}

/// Why [`Repo::small_file`] did not read a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotSmallFile {
    /// The blob has this many bytes, more than the limit (read from the object header).
    TooLarge(u64),
    /// The path is not a regular file there: this mode (a symlink, a gitlink, a directory).
    NotRegular(u32),
}

/// Where [`Repo::small_file`] reads.
#[derive(Clone, Copy)]
pub enum SmallFileAt<'a> {
    /// The index.
    Index(&'a Index),
    /// The index being committed, read from the run's own parse of it when there is one.
    Staged,
    /// A commit's tree.
    Commit(Oid),
}

/// The paths a run is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSet {
    /// Sorted by path, one entry per path.
    pub changes: Vec<FileChange>,
}

impl FileSet {
    pub(super) fn normalise(&mut self) {
        self.changes.sort_by(|a, b| a.path.cmp(&b.path));
        self.changes.dedup_by(|a, b| a.path == b.path);
    }
}

impl Repo {
    /// The index being committed: `GIT_INDEX_FILE` when git hands one to a hook, else the
    /// worktree's index.
    pub fn index(&self) -> Result<Index> {
        match std::env::var_os("GIT_INDEX_FILE") {
            Some(path) => Index::open(std::path::Path::new(&path)).with_context(|| {
                format!(
                    "cannot read the index file {}",
                    PathBuf::from(path).display()
                )
            }),
            None => self.inner.index().context("cannot read the index"),
        }
    }

    /// The index file being committed: `GIT_INDEX_FILE` when git hands one over, else the
    /// worktree's index.
    pub fn index_path(&self) -> PathBuf {
        std::env::var_os("GIT_INDEX_FILE")
            .map_or_else(|| self.inner.path().join("index"), PathBuf::from)
    }

    /// A fingerprint of an index file's entries (path, mode, object, stage): what would be
    /// committed, ignoring the stat data and caches git refreshes freely.
    pub fn index_fingerprint(&self, path: &std::path::Path) -> Option<Vec<u8>> {
        if let Some(parsed) = super::IndexFile::read(path) {
            let mut fingerprint = b"parsed\n".to_vec();
            fingerprint.extend(parsed.fingerprint());
            return Some(fingerprint);
        }
        let index = Index::open(path).ok()?;
        let mut text = Vec::new();
        for entry in index.iter() {
            text.extend_from_slice(&entry.path);
            text.extend_from_slice(
                format!(
                    " {:o} {} {}\n",
                    entry.mode,
                    entry.id,
                    (entry.flags >> 12) & 3
                )
                .as_bytes(),
            );
        }
        Some(super::blob_id(&text).into_bytes())
    }

    /// Paths staged for commit: the index against `HEAD` (the empty tree before the first commit).
    pub fn staged(&self) -> Result<FileSet> {
        let head = self.head();
        let parsed = self.parsed_index();
        if let Some(parsed) = &parsed {
            let memo = self
                .staged
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // The same index file (not rewritten since) and the same HEAD: the same answer.
            if let Some((seen, seen_head, set)) = memo.as_ref()
                && std::sync::Arc::ptr_eq(seen, parsed)
                && *seen_head == head
            {
                return Ok(set.clone());
            }
        }
        let head_tree = head.map(|h| self.tree_of(h)).transpose()?;
        if let Some(parsed) = parsed
            && let Some(set) = self.staged_from(&parsed, head_tree.as_ref())?
        {
            *self
                .staged
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) =
                Some((parsed, head, set.clone()));
            return Ok(set);
        }
        self.staged_by_libgit2(head_tree.as_ref())
    }

    /// [`Repo::staged`] through libgit2's diff, which reads every tree of `HEAD`.
    pub(super) fn staged_by_libgit2(&self, head_tree: Option<&Tree<'_>>) -> Result<FileSet> {
        let index = self.index()?;
        let diff = self
            .inner
            .diff_tree_to_index(head_tree, Some(&index), Some(&mut diff_options()))
            .context("cannot compare the index with HEAD")?;
        Ok(collect(&diff))
    }

    /// Everything that differs between `base` and the working tree: committed, staged,
    /// unstaged and untracked-not-ignored changes. `None` means the empty tree.
    pub fn changed_since(&self, base: Option<Oid>) -> Result<FileSet> {
        if let Some(set) = self.changed_since_fast(base)? {
            return Ok(set);
        }
        self.changed_since_by_libgit2(base)
    }

    /// [`Repo::changed_since`] through libgit2's diff of the whole tree.
    pub(super) fn changed_since_by_libgit2(&self, base: Option<Oid>) -> Result<FileSet> {
        let tree = base.map(|b| self.tree_of(b)).transpose()?;
        let mut options = diff_options();
        options.include_untracked(true).recurse_untracked_dirs(true);
        self.scan(|| {
            let diff = self
                .inner
                .diff_tree_to_workdir_with_index(tree.as_ref(), Some(&mut options))
                .context("cannot compare the working tree with the base")?;
            let mut set = collect(&diff);
            // Changes git's diffs hide (skip-worktree, assume-unchanged) are changes all the
            // same (the fast path leaves such an index to this one).
            set.changes.extend(self.hidden_changes(base));
            set.normalise();
            Ok(set)
        })
    }

    /// Paths that differ between two commits.
    pub fn changed_between(&self, from: Option<Oid>, to: Oid) -> Result<FileSet> {
        let old = from.map(|f| self.tree_of(f)).transpose()?;
        let new = self.tree_of(to)?;
        let diff = self
            .inner
            .diff_tree_to_tree(old.as_ref(), Some(&new), Some(&mut diff_options()))
            .with_context(|| {
                format!(
                    "cannot compare {} with {to}",
                    from.map_or("the empty tree".to_owned(), |f| f.to_string())
                )
            })?;
        Ok(collect(&diff))
    }

    /// Every path in the index; with `on_disk`, only those present in the working tree.
    pub fn tracked(&self, on_disk: bool) -> Result<FileSet> {
        let index = self.index()?;
        let mut set = FileSet::default();
        for entry in index.iter() {
            let path = PathBuf::from(OsStr::from_bytes(&entry.path));
            if on_disk && std::fs::symlink_metadata(self.root.join(&path)).is_err() {
                continue;
            }
            set.changes.push(FileChange {
                path,
                kind: ChangeKind::Modified,
                submodule: entry.mode == u32::from(FileMode::Commit),
            });
        }
        set.normalise();
        Ok(set)
    }

    /// Listed paths as a file set: a directory stands for the tracked files below it that are
    /// present, plus its untracked files that are not ignored. `""` is the worktree root.
    pub fn listed(&self, paths: &[PathBuf]) -> Result<FileSet> {
        let mut set = FileSet::default();
        let mut tracked: Option<FileSet> = None;
        for path in paths {
            let on_disk = self.root.join(path);
            let is_dir = std::fs::symlink_metadata(&on_disk).is_ok_and(|m| m.is_dir());
            if !is_dir {
                set.changes.push(FileChange {
                    path: path.clone(),
                    kind: ChangeKind::Modified,
                    submodule: false,
                });
                continue;
            }
            let all = match &tracked {
                Some(all) => all,
                None => tracked.insert(self.tracked(true)?),
            };
            set.changes.extend(
                all.changes
                    .iter()
                    .filter(|c| c.path.starts_with(path))
                    .cloned(),
            );
            let mut options = git2::StatusOptions::new();
            options
                .include_untracked(true)
                .recurse_untracked_dirs(true)
                .include_ignored(false);
            if !path.as_os_str().is_empty() {
                // A directory named `[x]` is a name, not a pattern.
                options
                    .pathspec(path.as_os_str())
                    .disable_pathspec_match(true);
            }
            let statuses = self
                .inner
                .statuses(Some(&mut options))
                .context("cannot list untracked files")?;
            for entry in statuses
                .iter()
                .filter(|e| e.status().contains(git2::Status::WT_NEW))
            {
                let bytes = entry.path_bytes();
                if !bytes.ends_with(b"/")
                    && PathBuf::from(OsStr::from_bytes(bytes)).starts_with(path)
                {
                    set.changes.push(FileChange {
                        path: bytes_path(Some(bytes)),
                        kind: ChangeKind::Added,
                        submodule: false,
                    });
                }
            }
        }
        set.normalise();
        Ok(set)
    }

    /// The bytes of `path` as the index holds them.
    pub fn file_in_index(&self, index: &Index, path: &std::path::Path) -> Option<Vec<u8>> {
        let entry = index.get_path(path, 0)?;
        Some(self.inner.find_blob(entry.id).ok()?.content().to_vec())
    }

    /// The bytes of regular file `path` in the index (`Some(index)`, or the staged one) or in a
    /// commit, when the blob is at most `limit` bytes. Its size is read from the object header,
    /// so a huge blob is never loaded; a symlink, a gitlink or a directory there is refused by
    /// its mode (its blob is not the file a tool would read). `Ok(None)`: no such path.
    pub fn small_file(
        &self,
        at: SmallFileAt<'_>,
        path: &std::path::Path,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, NotSmallFile> {
        let found = match at {
            SmallFileAt::Index(index) => index.get_path(path, 0).map(|e| (e.id, e.mode)),
            SmallFileAt::Staged => match self.parsed_index() {
                Some(parsed) => parsed
                    .get(path.as_os_str().as_bytes())
                    .map(|e| (e.id, e.mode)),
                None => self
                    .index()
                    .ok()
                    .and_then(|index| index.get_path(path, 0).map(|e| (e.id, e.mode))),
            },
            SmallFileAt::Commit(commit) => self
                .tree_of(commit)
                .ok()
                .and_then(|t| t.get_path(path).ok())
                .map(|e| (e.id(), u32::try_from(e.filemode()).unwrap_or(0))),
        };
        let Some((id, mode)) = found else {
            return Ok(None);
        };
        if !matches!(mode, 0o100_644 | 0o100_755) {
            return Err(NotSmallFile::NotRegular(mode));
        }
        if let Ok((size, _)) = self.inner.odb().and_then(|odb| odb.read_header(id)) {
            let size = size as u64;
            if size > limit {
                return Err(NotSmallFile::TooLarge(size));
            }
        }
        Ok(self
            .inner
            .find_blob(id)
            .ok()
            .map(|blob| blob.content().to_vec()))
    }

    /// A reader of one version of the files: the index, the worktree, or a commit.
    pub fn contents(&self, side: Side) -> Result<Contents<'_>> {
        let index = if side == Side::Index {
            Some(self.index()?)
        } else {
            None
        };
        let file_mode = self
            .inner
            .config()
            .ok()
            .and_then(|c| c.get_bool("core.fileMode").ok())
            .unwrap_or(true);
        Ok(Contents {
            repo: self,
            side,
            index,
            file_mode,
        })
    }

    /// Every file of one version with its content id, sorted by path bytes: the cache key's
    /// input. For the worktree, the index's ids stand for files git's status finds unchanged
    /// (by size and mtime, so an unchanged tree is not re-read); changed and untracked files
    /// are hashed from disk.
    pub fn content_ids(&self, side: Side) -> Result<Vec<(PathBuf, Oid)>> {
        let mut ids: Vec<(PathBuf, Oid)> = Vec::new();
        if let Side::Commit(commit) = side {
            let tree = self.tree_of(commit)?;
            let mut submodule = false;
            tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
                if entry.kind() == Some(git2::ObjectType::Commit) {
                    submodule = true;
                    return TreeWalkResult::Abort;
                }
                if entry.kind() == Some(git2::ObjectType::Blob) {
                    let mut bytes = dir.as_bytes().to_vec();
                    bytes.extend_from_slice(entry.name_bytes());
                    let mode = u32::try_from(entry.filemode()).unwrap_or(0);
                    ids.push((
                        PathBuf::from(OsString::from_vec(bytes)),
                        with_mode(entry.id(), mode),
                    ));
                }
                TreeWalkResult::Ok
            })
            .or_else(|e| if submodule { Ok(()) } else { Err(e) })?;
            if submodule {
                return Err(Uncacheable(SUBMODULES).into());
            }
            sort_by_bytes(&mut ids);
            return Ok(ids);
        }
        if side == Side::Index
            && let Some(parsed) = self.parsed_index()
        {
            if let Some(reason) = uncacheable_parsed(&parsed) {
                return Err(Uncacheable(reason).into());
            }
            ids.extend(parsed.entries().iter().map(|entry| {
                let path = OsStr::from_bytes(parsed.path(entry));
                (PathBuf::from(path), with_mode(entry.id, entry.mode))
            }));
            ids.dedup_by(|later, earlier| later.0 == earlier.0);
            return Ok(ids);
        }
        let index = self.index()?;
        if let Some(reason) = uncacheable(&index) {
            return Err(Uncacheable(reason).into());
        }
        // Conflicted paths have several stages; the last one read stands for the path.
        ids.extend(index.iter().map(|entry| {
            (
                PathBuf::from(OsString::from_vec(entry.path)),
                with_mode(entry.id, entry.mode),
            )
        }));
        ids.dedup_by(|later, earlier| later.0 == earlier.0);
        if side == Side::Index {
            return Ok(ids);
        }
        let mut options = DiffOptions::new();
        options
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_typechange(true)
            .ignore_submodules(true);
        let diff = self
            .inner
            .diff_index_to_workdir(Some(&index), Some(&mut options))?;
        let mut on_disk: std::collections::HashMap<PathBuf, Option<Oid>> =
            std::collections::HashMap::new();
        for delta in diff.deltas() {
            let file = if delta.status() == Delta::Deleted {
                delta.old_file()
            } else {
                delta.new_file()
            };
            let Some(bytes) = file.path_bytes() else {
                continue;
            };
            let path = PathBuf::from(OsStr::from_bytes(bytes));
            let id = self.worktree_content_id(&path);
            on_disk.insert(path, id);
        }
        overlay(&mut ids, on_disk);
        Ok(ids)
    }

    /// The working tree's content ids plus those of `named` paths git leaves out (ignored
    /// files a person named with `--files`): gates read them, so the key must cover them.
    pub fn content_ids_naming(&self, named: &FileSet) -> Result<Vec<(PathBuf, Oid)>> {
        let mut ids = self.content_ids(Side::WorkTree)?;
        let missing: std::collections::HashMap<PathBuf, Option<Oid>> = named
            .changes
            .iter()
            .filter(|change| {
                ids.binary_search_by(|(path, _)| {
                    path.as_os_str()
                        .as_bytes()
                        .cmp(change.path.as_os_str().as_bytes())
                })
                .is_err()
            })
            .map(|change| (change.path.clone(), self.worktree_content_id(&change.path)))
            .collect();
        overlay(&mut ids, missing);
        Ok(ids)
    }

    /// Whether every tracked file in the working tree is what the index holds (untracked
    /// files aside): after the pre-commit set-aside, the gates saw exactly the index.
    pub fn tracked_files_match_index(&self) -> Result<bool> {
        let suspects = match self.stat_suspects() {
            Some(suspects) if suspects.is_empty() => return Ok(true),
            Some(suspects) => Some(suspects),
            None => None,
        };
        let index = self.index()?;
        let mut options = DiffOptions::new();
        options
            .include_untracked(false)
            .include_typechange(true)
            .ignore_submodules(true);
        for path in suspects.iter().flatten() {
            options.pathspec(OsStr::from_bytes(path));
        }
        if suspects.is_some() {
            options.disable_pathspec_match(true);
        }
        let diff = self
            .inner
            .diff_index_to_workdir(Some(&index), Some(&mut options))?;
        Ok(diff.deltas().len() == 0)
    }

    /// The working tree's content ids, read as `base`'s tree plus `changes` (every path that
    /// differs from it): only the changed files are read from disk. The result equals
    /// [`Repo::content_ids`] for the working tree, without a second scan of the whole tree.
    pub fn content_ids_after(
        &self,
        base: Option<Oid>,
        changes: &FileSet,
    ) -> Result<Vec<(PathBuf, Oid)>> {
        let mut ids = match base {
            Some(commit) => self.content_ids(Side::Commit(commit))?,
            None => Vec::new(),
        };
        if changes.changes.is_empty() {
            return Ok(ids);
        }
        if changes.changes.iter().any(|change| change.submodule) {
            return Err(Uncacheable(SUBMODULES).into());
        }
        if let Some(reason) = uncacheable(&self.index()?) {
            return Err(Uncacheable(reason).into());
        }
        let on_disk = changes
            .changes
            .iter()
            .map(|change| (change.path.clone(), self.worktree_content_id(&change.path)))
            .collect();
        overlay(&mut ids, on_disk);
        Ok(ids)
    }

    /// One digest of a version's whole content (the index, or the working tree), read as
    /// `base` plus `changes`, every path that differs from it: the ids the index holds for
    /// them, or their files hashed from disk. Equal content read the same way gives the same
    /// digest, and nothing else is read: not the base's tree, not the unchanged files.
    pub fn content_digest_after(
        &self,
        side: Side,
        base: Option<Oid>,
        changes: &FileSet,
    ) -> Result<String> {
        if changes.changes.iter().any(|change| change.submodule) {
            return Err(Uncacheable(SUBMODULES).into());
        }
        let parsed = self.parsed_index();
        let index = if let Some(parsed) = &parsed {
            if let Some(reason) = uncacheable_parsed(parsed) {
                return Err(Uncacheable(reason).into());
            }
            None
        } else {
            let index = self.index()?;
            if let Some(reason) = uncacheable(&index) {
                return Err(Uncacheable(reason).into());
            }
            Some(index)
        };
        let mut text = format!(
            "{side:?} after {}\n",
            base.map_or_else(|| EMPTY_TREE_NAME.to_owned(), |b| b.to_string())
        )
        .into_bytes();
        // For the working tree, a listed path whose bytes equal the base's is left out: the
        // digest then names the content, not how the list of candidates was found.
        let base_tree = match side {
            Side::WorkTree => base.map(|b| self.tree_of(b)).transpose()?,
            _ => None,
        };
        for change in &changes.changes {
            let id = match side {
                Side::WorkTree => {
                    let id = self.worktree_content_id(&change.path);
                    let base_id = base_tree
                        .as_ref()
                        .and_then(|t| t.get_path(&change.path).ok())
                        .map(|e| with_mode(e.id(), u32::try_from(e.filemode()).unwrap_or(0)));
                    if id == base_id {
                        continue;
                    }
                    id
                }
                Side::Index => match (&parsed, &index) {
                    (Some(parsed), _) => parsed
                        .get(change.path.as_os_str().as_bytes())
                        .map(|e| with_mode(e.id, e.mode)),
                    (None, Some(index)) => index
                        .get_path(&change.path, 0)
                        .map(|e| with_mode(e.id, e.mode)),
                    (None, None) => None,
                },
                Side::Commit(_) => bail!("a commit's content is its tree"),
            };
            text.extend_from_slice(change.path.as_os_str().as_bytes());
            text.push(0);
            text.extend_from_slice(
                id.map_or_else(|| "-".to_owned(), |id| id.to_string())
                    .as_bytes(),
            );
            text.push(b'\n');
        }
        Ok(super::blob_id(&text))
    }

    /// One digest of the working tree's whole content, read as `base` (the index's `HEAD`)
    /// plus every path that may differ from it: staged paths, tracked files whose stat data
    /// changed, untracked files that are not ignored and the `named` paths (which may be
    /// ignored), each hashed from disk. No list of
    /// every file and no full diff. `None` when the index needs libgit2's scan instead.
    pub fn worktree_digest(&self, base: Option<Oid>, named: &FileSet) -> Result<Option<String>> {
        let Some(parsed) = self.parsed_index().filter(|p| !p.unusual) else {
            return Ok(None);
        };
        let Some(suspects) = self.stat_suspects() else {
            return Ok(None);
        };
        let mut set = self.staged()?;
        let untracked = self.untracked_files(&parsed)?;
        set.changes.extend(named.changes.iter().cloned());
        set.changes.extend(
            suspects
                .into_iter()
                .map(|p| PathBuf::from(OsString::from_vec(p)))
                .chain(untracked)
                .map(|path| FileChange {
                    path,
                    kind: ChangeKind::Modified,
                    submodule: false,
                }),
        );
        set.normalise();
        self.content_digest_after(Side::WorkTree, base, &set)
            .map(Some)
    }

    /// The content id of a working-tree file for cache keys: its blob id with its mode (see
    /// [`with_mode`]), or `None` when there is no file.
    fn worktree_content_id(&self, path: &std::path::Path) -> Option<Oid> {
        let metadata = std::fs::symlink_metadata(self.root.join(path)).ok()?;
        let mode = if metadata.file_type().is_symlink() {
            SYMLINK_MODE
        } else if std::os::unix::fs::PermissionsExt::mode(&metadata.permissions()) & 0o111 != 0 {
            0o100_755
        } else {
            0o100_644
        };
        Some(with_mode(self.worktree_blob_id(path)?, mode))
    }

    /// The blob id of a working-tree file as git would store it (a symlink: its target),
    /// or `None` when there is no file.
    pub(super) fn worktree_blob_id(&self, path: &std::path::Path) -> Option<Oid> {
        let full = self.root.join(path);
        let metadata = std::fs::symlink_metadata(&full).ok()?;
        let content = if metadata.file_type().is_symlink() {
            std::fs::read_link(&full).ok()?.into_os_string().into_vec()
        } else if metadata.is_file() {
            std::fs::read(&full).ok()?
        } else {
            return None;
        };
        Oid::hash_object(git2::ObjectType::Blob, &content).ok()
    }

    /// The bytes of `path` in a commit.
    pub fn file_at(&self, commit: Oid, path: &std::path::Path) -> Option<Vec<u8>> {
        let entry = self.tree_of(commit).ok()?.get_path(path).ok()?;
        Some(self.inner.find_blob(entry.id()).ok()?.content().to_vec())
    }

    /// Every path in a commit's tree.
    pub fn tracked_in_commit(&self, commit: Oid) -> Result<FileSet> {
        let tree = self.tree_of(commit)?;
        let mut set = FileSet::default();
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() != Some(git2::ObjectType::Tree) {
                let mut bytes = dir.as_bytes().to_vec();
                bytes.extend_from_slice(entry.name_bytes());
                set.changes.push(FileChange {
                    path: PathBuf::from(OsStr::from_bytes(&bytes)),
                    kind: ChangeKind::Modified,
                    submodule: entry.filemode() == i32::from(FileMode::Commit),
                });
            }
            TreeWalkResult::Ok
        })
        .context("cannot list the commit's files")?;
        set.normalise();
        Ok(set)
    }

    #[cfg(test)]
    pub(super) fn head_tree(&self) -> Result<Option<Tree<'_>>> {
        self.head().map(|h| self.tree_of(h)).transpose()
    }

    pub(super) fn tree_of(&self, commit: Oid) -> Result<Tree<'_>> {
        self.inner
            .find_commit(commit)
            .and_then(|c| c.tree())
            .with_context(|| format!("cannot read the tree of {commit}"))
    }
}

fn diff_options() -> DiffOptions {
    let mut options = DiffOptions::new();
    options.include_typechange(true).ignore_submodules(false);
    options
}

fn collect(diff: &Diff<'_>) -> FileSet {
    let mut set = FileSet::default();
    for delta in diff.deltas() {
        let (file, kind) = match delta.status() {
            Delta::Deleted => (delta.old_file(), ChangeKind::Deleted),
            Delta::Added | Delta::Untracked | Delta::Copied => {
                (delta.new_file(), ChangeKind::Added)
            }
            Delta::Typechange => (delta.new_file(), ChangeKind::TypeChanged),
            Delta::Renamed => {
                // Without rename detection this does not occur; keep both sides if it ever does.
                set.changes.push(FileChange {
                    path: bytes_path(delta.old_file().path_bytes()),
                    kind: ChangeKind::Deleted,
                    submodule: delta.old_file().mode() == FileMode::Commit,
                });
                (delta.new_file(), ChangeKind::Added)
            }
            Delta::Modified | Delta::Conflicted => (delta.new_file(), ChangeKind::Modified),
            Delta::Unmodified | Delta::Ignored | Delta::Unreadable => continue,
        };
        let Some(bytes) = file.path_bytes() else {
            continue;
        };
        if bytes.ends_with(b"/") {
            // An untracked nested repository: a directory, not a file.
            continue;
        }
        set.changes.push(FileChange {
            path: PathBuf::from(OsStr::from_bytes(bytes)),
            kind,
            submodule: file.mode() == FileMode::Commit,
        });
    }
    set.normalise();
    set
}

fn bytes_path(bytes: Option<&[u8]>) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(bytes.unwrap_or_default()))
}

/// Which version of the files a run judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The index being committed.
    Index,
    /// The working tree.
    WorkTree,
    /// A commit.
    Commit(Oid),
}

/// Reads files of one [`Side`].
pub struct Contents<'r> {
    repo: &'r Repo,
    side: Side,
    index: Option<Index>,
    /// `core.fileMode`: whether the working tree's executable bits mean anything.
    file_mode: bool,
}

impl Contents<'_> {
    /// `path` on this side as git stores (or, for the working tree, would store) it: mode and
    /// bytes; a symlink is its target's name, never the file it points at.
    pub fn entry(&self, path: &std::path::Path) -> Option<Stored> {
        let from_blob = |id: Oid, mode: u32| {
            let bytes = if mode == GITLINK_MODE {
                id.to_string().into_bytes()
            } else {
                self.repo.inner.find_blob(id).ok()?.content().to_vec()
            };
            Some(Stored { mode, bytes })
        };
        match (self.side, &self.index) {
            (Side::Index, Some(index)) => {
                let entry = index.get_path(path, 0)?;
                from_blob(entry.id, entry.mode)
            }
            (Side::Commit(commit), _) => {
                let entry = self.repo.tree_of(commit).ok()?.get_path(path).ok()?;
                if entry.kind() == Some(git2::ObjectType::Tree) {
                    return None;
                }
                from_blob(entry.id(), u32::try_from(entry.filemode()).ok()?)
            }
            _ => {
                let full = self.repo.root.join(path);
                let metadata = std::fs::symlink_metadata(&full).ok()?;
                if metadata.file_type().is_symlink() {
                    let target = std::fs::read_link(&full).ok()?;
                    return Some(Stored {
                        mode: SYMLINK_MODE,
                        bytes: target.into_os_string().into_vec(),
                    });
                }
                if metadata.is_dir() {
                    // A submodule's checkout: what the index records for it.
                    let index = self.repo.index().ok()?;
                    let entry = index.get_path(path, 0).filter(|e| e.mode == GITLINK_MODE)?;
                    return from_blob(entry.id, GITLINK_MODE);
                }
                let executable =
                    std::os::unix::fs::PermissionsExt::mode(&metadata.permissions()) & 0o111 != 0;
                let bytes = crate::fsio::read_regular(&full, u64::MAX).ok()?;
                Some(Stored {
                    mode: if executable && self.file_mode {
                        0o100_755
                    } else {
                        0o100_644
                    },
                    bytes,
                })
            }
        }
    }

    /// The bytes of `path` on this side, if it is there.
    pub fn read(&self, path: &std::path::Path) -> Option<Vec<u8>> {
        match (self.side, &self.index) {
            (Side::Index, Some(index)) => self.repo.file_in_index(index, path),
            (Side::Commit(commit), _) => self.repo.file_at(commit, path),
            // Never a FIFO or a device: a read that blocks or never ends.
            _ => crate::fsio::read_regular(&self.repo.root.join(path), u64::MAX).ok(),
        }
    }
}

/// The index mode of a gitlink (a submodule's commit).
const GITLINK_MODE: u32 = 0o160_000;
/// `assume-unchanged` (`git update-index --assume-unchanged`), in an entry's flags.
const ASSUME_UNCHANGED: u16 = 0x8000;
/// `skip-worktree` (sparse checkouts, `git update-index --skip-worktree`), in the extended flags.
const SKIP_WORKTREE: u16 = 0x4000;
const EMPTY_TREE_NAME: &str = "the empty tree";
const SUBMODULES: &str = "the target has submodules, whose checkouts the cache key cannot see";

/// The content the gates see cannot be read as content ids: the run neither reads nor writes
/// the cache. Carries why.
#[derive(Debug, Clone, Copy)]
pub struct Uncacheable(pub &'static str);

impl std::fmt::Display for Uncacheable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Uncacheable {}

/// Why an index hides working-tree content from git's own diffs, if it does.
fn uncacheable(index: &Index) -> Option<&'static str> {
    index.iter().find_map(|entry| {
        if entry.mode == GITLINK_MODE {
            Some(SUBMODULES)
        } else if entry.flags & ASSUME_UNCHANGED != 0 || entry.flags_extended & SKIP_WORKTREE != 0 {
            Some("files marked assume-unchanged or skip-worktree differ from what git reports")
        } else {
            None
        }
    })
}

/// [`uncacheable`] for a parsed index.
fn uncacheable_parsed(index: &super::IndexFile) -> Option<&'static str> {
    index.entries().iter().find_map(|entry| {
        if entry.mode == GITLINK_MODE {
            Some(SUBMODULES)
        } else if entry.hidden_from_diffs() {
            Some("files marked assume-unchanged or skip-worktree differ from what git reports")
        } else {
            None
        }
    })
}

/// A content id that is also a mode's: a regular file's blob id as it is, and for a symlink or
/// an executable a different id, so a file and a link whose name is the file's text (or a
/// file that gained or lost its executable bit) never share a cache key.
fn with_mode(id: Oid, mode: u32) -> Oid {
    if mode == 0o100_644 {
        return id;
    }
    Oid::hash_object(git2::ObjectType::Blob, format!("{mode:o} {id}").as_bytes()).unwrap_or(id)
}

/// Applies what is on disk to a version's ids: a new id replaces the old, `None` (no file)
/// removes the path, paths the version lacks are added; the result is sorted again.
fn overlay(
    ids: &mut Vec<(PathBuf, Oid)>,
    mut on_disk: std::collections::HashMap<PathBuf, Option<Oid>>,
) {
    if on_disk.is_empty() {
        return;
    }
    ids.retain_mut(|(path, id)| match on_disk.remove(path) {
        Some(Some(current)) => {
            *id = current;
            true
        }
        Some(None) => false,
        None => true,
    });
    ids.extend(
        on_disk
            .into_iter()
            .filter_map(|(path, id)| Some((path, id?))),
    );
    sort_by_bytes(ids);
}

/// Sorts by the paths' bytes (git's order), much cheaper than comparing path components.
fn sort_by_bytes(ids: &mut [(PathBuf, Oid)]) {
    ids.sort_unstable_by(|a, b| a.0.as_os_str().as_bytes().cmp(b.0.as_os_str().as_bytes()));
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn git(dir: &std::path::Path, args: &[&str]) {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn the_worktree_read_from_a_diff_equals_a_full_scan() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        let write = |path: &str, text: &str| {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        };
        write(".gitignore", "*.log\n");
        write("src/a.rs", "a\n");
        write("src/b.rs", "b\n");
        write("docs/old.md", "old\n");
        git(root, &["add", "-A"]);
        git(root, &["commit", "-qm", "base"]);
        write("src/c.rs", "c\n");
        git(root, &["add", "-A"]);
        git(root, &["commit", "-qm", "second"]);

        write("src/a.rs", "a changed\n");
        std::fs::remove_file(root.join("docs/old.md")).unwrap();
        write("src/new.rs", "untracked\n");
        write("src/staged.rs", "staged\n");
        git(root, &["add", "src/staged.rs"]);
        write("src/staged.rs", "staged, then edited\n");
        write("build.log", "ignored\n");
        std::os::unix::fs::symlink("src/b.rs", root.join("link")).unwrap();

        let repo = Repo::discover(root).unwrap();
        let full_scan = repo.content_ids(Side::WorkTree).unwrap();
        assert!(full_scan.iter().any(|(p, _)| p == Path::new("link")));
        assert!(!full_scan.iter().any(|(p, _)| p == Path::new("build.log")));
        assert!(!full_scan.iter().any(|(p, _)| p == Path::new("docs/old.md")));
        let head = repo.head().unwrap();
        let first = repo.commit_id("HEAD~1").unwrap();
        for base in [Some(head), Some(first), None] {
            let changes = repo.changed_since(base).unwrap();
            assert_eq!(
                repo.content_ids_after(base, &changes).unwrap(),
                full_scan,
                "base {base:?}"
            );
        }
    }
}
