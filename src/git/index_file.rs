//! The index file read as git writes it (versions 2 to 4), in one pass and without verifying
//! its SHA-1 trailer: git itself only checks that in `fsck`, and libgit2's check was most of
//! a hook's time (SHA-1 with collision detection over the whole file, on every read).
//!
//! Kept per entry: path, mode, blob id, flags and the stat data git refreshed; and the
//! cache-tree extension (`TREE`), which names the tree id of every directory whose entries
//! did not change since git last wrote a tree. Anything this reader does not know (another
//! hash length, a damaged file) is `None`: callers then take libgit2's slower path, which
//! answers as before. A split or a sparse index libgit2 cannot read either: runs refuse those
//! up front with the fix ([`UnsupportedIndex`]).

use std::collections::HashMap;
use std::path::Path;

use git2::Oid;

/// `assume-unchanged` (`git update-index --assume-unchanged`), in an entry's flags.
pub const ASSUME_VALID: u16 = 0x8000;
const EXTENDED: u16 = 0x4000;
/// `skip-worktree` (sparse checkouts), in the extended flags.
pub const SKIP_WORKTREE: u16 = 0x4000;
/// `git add --intent-to-add`, in the extended flags.
pub const INTENT_TO_ADD: u16 = 0x2000;
/// The mode of a gitlink (a submodule's commit).
pub const GITLINK: u32 = 0o160_000;
const HASH_LEN: usize = 20;

/// One entry of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    /// Seconds and nanoseconds of the last status change, as git saw them.
    pub ctime: (u32, u32),
    /// Seconds and nanoseconds of the last modification, as git saw them.
    pub mtime: (u32, u32),
    /// Device, inode, uid, gid and size (all truncated to 32 bits, as git stores them).
    pub dev: u32,
    /// Inode.
    pub ino: u32,
    /// Mode: 100644, 100755, 120000 or 160000.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Size in bytes.
    pub size: u32,
    /// The blob id (a commit id for a gitlink).
    pub id: Oid,
    /// Flags: assume-valid, extended, stage.
    pub flags: u16,
    /// Extended flags: skip-worktree, intent-to-add.
    pub flags_extended: u16,
    name: (u32, u32),
}

impl IndexEntry {
    /// The merge stage: 0 unless the path is conflicted.
    pub fn stage(&self) -> u16 {
        (self.flags >> 12) & 3
    }

    /// Whether git is told not to look at the worktree file (assume-unchanged, skip-worktree).
    pub fn hidden_from_diffs(&self) -> bool {
        self.flags & ASSUME_VALID != 0 || self.flags_extended & SKIP_WORKTREE != 0
    }
}

/// A parsed index file.
#[derive(Debug)]
pub struct IndexFile {
    entries: Vec<IndexEntry>,
    names: Vec<u8>,
    /// Valid cache-tree nodes: directory path (no trailing `/`, `""` for the root) to tree id.
    trees: HashMap<Vec<u8>, Oid>,
    /// The index file's own modification time: entries changed at or after it are racy.
    pub stamp: (i64, i64),
    /// Whether any entry is conflicted, intent-to-add or otherwise needs libgit2's handling
    /// in diffs.
    pub unusual: bool,
}

impl IndexFile {
    /// Reads and parses the index at `path`; `None` when it is missing or not understood.
    pub fn read(path: &Path) -> Option<IndexFile> {
        use std::io::Read;
        use std::os::unix::fs::MetadataExt;
        // One descriptor for the bytes and the time: git replaces the file, never edits it.
        let mut file = std::fs::File::open(path).ok()?;
        let metadata = file.metadata().ok()?;
        let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).ok()?);
        file.read_to_end(&mut bytes).ok()?;
        IndexFile::parse(&bytes, (metadata.mtime(), metadata.mtime_nsec()))
    }

    /// Parses index bytes; `None` when they are not an index this reader understands.
    pub fn parse(bytes: &[u8], stamp: (i64, i64)) -> Option<IndexFile> {
        IndexFile::parse_noting(bytes, stamp, &mut None)
    }

    /// [`IndexFile::parse`], noting in `refused` the signature of a mandatory extension
    /// (lower-case: a reader must understand it) that stopped it.
    fn parse_noting(
        bytes: &[u8],
        stamp: (i64, i64),
        refused: &mut Option<[u8; 4]>,
    ) -> Option<IndexFile> {
        if bytes.len() < 12 + HASH_LEN || &bytes[..4] != b"DIRC" {
            return None;
        }
        let version = be32(bytes, 4)?;
        if !(2..=4).contains(&version) {
            return None;
        }
        let count = be32(bytes, 8)? as usize;
        let end = bytes.len() - HASH_LEN;
        // The count is the file's word: an entry takes at least 62 bytes, so no more fit.
        let mut entries = Vec::with_capacity(count.min(bytes.len() / 62));
        let mut names: Vec<u8> = Vec::with_capacity(bytes.len());
        let mut previous: (usize, usize) = (0, 0);
        let mut at = 12;
        let mut unusual = false;
        for _ in 0..count {
            let field = |n: usize| be32(bytes, at + 4 * n);
            let id = Oid::from_bytes(bytes.get(at + 40..at + 40 + HASH_LEN)?).ok()?;
            let flags = be16(bytes, at + 60)?;
            let (flags_extended, name_at) = if flags & EXTENDED != 0 {
                if version < 3 {
                    return None;
                }
                (be16(bytes, at + 62)?, at + 64)
            } else {
                (0, at + 62)
            };
            let start = names.len();
            let next = if version == 4 {
                let (strip, used) = varint(bytes.get(name_at..end)?)?;
                let kept = previous.1.checked_sub(usize::try_from(strip).ok()?)?;
                names.extend_from_within(previous.0..previous.0 + kept);
                let suffix_at = name_at + used;
                let nul = bytes.get(suffix_at..end)?.iter().position(|&b| b == 0)?;
                names.extend_from_slice(&bytes[suffix_at..suffix_at + nul]);
                suffix_at + nul + 1
            } else {
                let nul = bytes.get(name_at..end)?.iter().position(|&b| b == 0)?;
                names.extend_from_slice(&bytes[name_at..name_at + nul]);
                // Entries are padded with NULs to a multiple of 8 bytes.
                at + ((name_at - at + nul + 8) & !7)
            };
            let name = (
                u32::try_from(start).ok()?,
                u32::try_from(names.len() - start).ok()?,
            );
            previous = (start, names.len() - start);
            let entry = IndexEntry {
                ctime: (field(0)?, field(1)?),
                mtime: (field(2)?, field(3)?),
                dev: field(4)?,
                ino: field(5)?,
                mode: field(6)?,
                uid: field(7)?,
                gid: field(8)?,
                size: field(9)?,
                id,
                flags,
                flags_extended,
                name,
            };
            unusual |= entry.stage() != 0 || flags_extended & INTENT_TO_ADD != 0;
            entries.push(entry);
            at = next;
            if at > end {
                return None;
            }
        }
        let mut trees = HashMap::new();
        while at + 8 <= end {
            let signature = &bytes[at..at + 4];
            let size = be32(bytes, at + 4)? as usize;
            let data = bytes.get(at + 8..(at + 8).checked_add(size)?)?;
            match signature {
                b"TREE" => cache_tree(data, &mut Vec::new(), &mut trees)?,
                // A split index keeps entries in another file; a sparse index has directory
                // entries: neither is read here (nor by libgit2), see `unsupported_index`.
                _ if signature[0].is_ascii_lowercase() => {
                    *refused = signature.try_into().ok();
                    return None;
                }
                _ => {}
            }
            at += 8 + size;
        }
        if at != end {
            return None;
        }
        Some(IndexFile {
            entries,
            names,
            trees,
            stamp,
            unusual,
        })
    }

    /// Every entry, sorted by path (then stage), as git keeps them.
    pub fn entries(&self) -> &[IndexEntry] {
        &self.entries
    }

    /// The path of an entry, relative to the worktree root, as raw bytes.
    pub fn path(&self, entry: &IndexEntry) -> &[u8] {
        &self.names[entry.name.0 as usize..(entry.name.0 + entry.name.1) as usize]
    }

    /// The stage-0 entry of `path`, if there is one.
    pub fn get(&self, path: &[u8]) -> Option<&IndexEntry> {
        let at = self
            .entries
            .binary_search_by(|e| self.path(e).cmp(path).then(e.stage().cmp(&0)))
            .ok()?;
        Some(&self.entries[at])
    }

    /// The tree id git recorded for a directory (`""` is the root), when still valid.
    pub fn cached_tree(&self, dir: &[u8]) -> Option<Oid> {
        self.trees.get(dir).copied()
    }

    /// What would be committed, as bytes to compare: each entry's path, mode, id and stage
    /// (stat data and caches that git refreshes freely left out).
    pub fn fingerprint(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.names.len() + self.entries.len() * 28);
        for entry in &self.entries {
            out.extend_from_slice(self.path(entry));
            out.push(0);
            out.extend_from_slice(&entry.mode.to_be_bytes());
            out.extend_from_slice(entry.id.as_bytes());
            out.extend_from_slice(&entry.stage().to_be_bytes());
        }
        out
    }
}

/// One node of the cache-tree extension and its subtrees: path component NUL, entry count
/// (-1: invalid), space, subtree count, newline, then the tree id when valid.
fn cache_tree(data: &[u8], prefix: &mut Vec<u8>, trees: &mut HashMap<Vec<u8>, Oid>) -> Option<()> {
    let mut rest = data;
    let mut pending_subtrees: Vec<(usize, usize)> = Vec::new();
    // Pre-order: a node, then its subtrees. An explicit stack of (prefix length, subtrees
    // left) keeps deep trees off the call stack.
    loop {
        let nul = rest.iter().position(|&b| b == 0)?;
        let name = &rest[..nul];
        rest = &rest[nul + 1..];
        let space = rest.iter().position(|&b| b == b' ')?;
        let count: i64 = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        rest = &rest[space + 1..];
        let newline = rest.iter().position(|&b| b == b'\n')?;
        let subtrees: usize = std::str::from_utf8(&rest[..newline]).ok()?.parse().ok()?;
        rest = &rest[newline + 1..];
        let parent_len = prefix.len();
        if !name.is_empty() {
            if !prefix.is_empty() {
                prefix.push(b'/');
            }
            prefix.extend_from_slice(name);
        }
        if count >= 0 {
            let id = Oid::from_bytes(rest.get(..HASH_LEN)?).ok()?;
            rest = &rest[HASH_LEN..];
            trees.insert(prefix.clone(), id);
        }
        pending_subtrees.push((parent_len, subtrees));
        // Leave every node whose subtrees are all read.
        while let Some((parent_len, left)) = pending_subtrees.last_mut() {
            if *left > 0 {
                *left -= 1;
                break;
            }
            prefix.truncate(*parent_len);
            pending_subtrees.pop();
        }
        if pending_subtrees.is_empty() {
            return rest.is_empty().then_some(());
        }
    }
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

/// git's offset varint (index v4 path prefixes): returns the value and the bytes used.
fn varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut used = 0;
    let mut byte = *bytes.first()?;
    used += 1;
    let mut value = u64::from(byte & 127);
    while byte & 128 != 0 {
        value = value.checked_add(1)?;
        byte = *bytes.get(used)?;
        used += 1;
        value = value.checked_mul(128)? + u64::from(byte & 127);
    }
    Some((value, used))
}

impl super::Repo {
    /// The index being committed, parsed; parsed again only when the file changed since the
    /// last call. `None` when it is missing or needs libgit2 (see the module doc).
    pub fn parsed_index(&self) -> Option<std::sync::Arc<IndexFile>> {
        let path = self.index_path();
        let stamp = index_stamp(&path)?;
        let mut cached = self
            .parsed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((seen, parsed)) = cached.as_ref()
            && *seen == stamp
        {
            return Some(std::sync::Arc::clone(parsed));
        }
        let parsed = std::sync::Arc::new(IndexFile::read(&path)?);
        *cached = Some((stamp, std::sync::Arc::clone(&parsed)));
        Some(parsed)
    }
}

/// An index layout neither this reader nor libgit2 can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsupportedIndex {
    /// A split index (`git update-index --split-index`, `core.splitIndex`): the `link`
    /// extension, with most entries in a shared index file.
    Split,
    /// A sparse index (`index.sparse`): the `sdir` extension, with directory entries.
    Sparse,
}

impl super::Repo {
    /// Whether the index being committed is split or sparse: libgit2 refuses those (an
    /// "unsupported mandatory extension"), so a run must stop with a fix before using it.
    pub fn unsupported_index(&self) -> Option<UnsupportedIndex> {
        if self.parsed_index().is_some() {
            return None;
        }
        let bytes = std::fs::read(self.index_path()).ok()?;
        let mut refused = None;
        IndexFile::parse_noting(&bytes, (0, 0), &mut refused);
        match &refused? {
            b"link" => Some(UnsupportedIndex::Split),
            b"sdir" => Some(UnsupportedIndex::Sparse),
            _ => None,
        }
    }
}

/// What an index file held at one moment, to tell later whether its entries changed.
pub struct IndexMark {
    path: std::path::PathBuf,
    stamp: Option<super::IndexStamp>,
    fingerprint: Option<Vec<u8>>,
}

impl super::Repo {
    /// Marks the index file at `path` as it is now (the parse this run already holds when it
    /// is that file, else a fresh read).
    pub fn mark_index(&self, path: &Path) -> IndexMark {
        let stamp = index_stamp(path);
        let fingerprint = match self.parsed_index() {
            Some(parsed) if path == self.index_path() && stamp == self.parsed_stamp() => {
                let mut fingerprint = b"parsed\n".to_vec();
                fingerprint.extend(parsed.fingerprint());
                Some(fingerprint)
            }
            _ => self.index_fingerprint(path),
        };
        IndexMark {
            path: path.to_path_buf(),
            stamp,
            fingerprint,
        }
    }

    /// Whether the entries (path, mode, id, stage) of the marked index changed since. git and
    /// libgit2 replace the file on every write (a new inode and times), so an unchanged stamp
    /// means unchanged bytes and nothing is read; otherwise the entries are compared, so git
    /// refreshing stat data or its caches is not a change.
    pub fn index_changed_since(&self, mark: &IndexMark) -> bool {
        if mark.stamp.is_some() && index_stamp(&mark.path) == mark.stamp {
            return false;
        }
        self.index_fingerprint(&mark.path) != mark.fingerprint
    }

    fn parsed_stamp(&self) -> Option<super::IndexStamp> {
        self.parsed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|(stamp, _)| *stamp)
    }
}

/// The stat data that tells versions of the index file apart.
fn index_stamp(path: &Path) -> Option<super::IndexStamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(super::IndexStamp {
        dev: m.dev(),
        ino: m.ino(),
        size: m.size(),
        mtime: (m.mtime(), m.mtime_nsec()),
        ctime: (m.ctime(), m.ctime_nsec()),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

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

    #[test]
    fn every_index_version_reads_as_libgit2_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        let long = format!("{}/{}.txt", "d".repeat(200), "n".repeat(240));
        for path in [
            "a.txt",
            "dir/b.txt",
            "dir/sub/c.txt",
            "dir2/d",
            "name with space",
            &long,
        ] {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, path).unwrap();
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-qm", "base"]);
        let repo = git2::Repository::open(root).unwrap();
        let head = repo.head().unwrap().peel_to_tree().unwrap();
        let fresh = IndexFile::read(&root.join(".git/index")).unwrap();
        assert_eq!(fresh.cached_tree(b""), Some(head.id()));
        git(root, &["update-index", "--skip-worktree", "dir2/d"]);
        for version in ["2", "3", "4"] {
            if version == "2" {
                git(root, &["update-index", "--no-skip-worktree", "dir2/d"]);
            }
            git(root, &["update-index", "--index-version", version]);
            let path = root.join(".git/index");
            let ours = IndexFile::read(&path).expect("parses");
            let theirs = git2::Index::open(&path).unwrap();
            assert_eq!(ours.entries().len(), theirs.len());
            for (mine, other) in ours.entries().iter().zip(theirs.iter()) {
                assert_eq!(ours.path(mine), &other.path[..], "version {version}");
                assert_eq!(mine.id, other.id);
                assert_eq!(mine.mode, other.mode);
                assert_eq!(mine.size, other.file_size);
                assert_eq!(mine.ino, other.ino);
                assert_eq!(mine.flags_extended, other.flags_extended);
            }
            assert_eq!(ours.get(b"dir/sub/c.txt").unwrap().size, 13);
            assert!(ours.get(b"dir/sub").is_none());
            // git wrote a tree on commit: the cache-tree names HEAD's trees (the root's was
            // invalidated by the flag change).
            let sub = head.get_path(Path::new("dir/sub")).unwrap().id();
            assert_eq!(ours.cached_tree(b"dir/sub"), Some(sub));
        }
    }

    #[test]
    fn what_it_does_not_understand_is_none() {
        assert!(IndexFile::parse(b"not an index at all, not at all", (0, 0)).is_none());
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        std::fs::write(root.join("a"), "a").unwrap();
        git(root, &["add", "a"]);
        let bytes = std::fs::read(root.join(".git/index")).unwrap();
        assert!(IndexFile::parse(&bytes, (0, 0)).is_some());
        let mut truncated = bytes.clone();
        truncated.truncate(bytes.len() - 30);
        assert!(IndexFile::parse(&truncated, (0, 0)).is_none());
        // A split index keeps its entries elsewhere.
        git(root, &["update-index", "--split-index"]);
        let split = std::fs::read(root.join(".git/index")).unwrap();
        assert!(IndexFile::parse(&split, (0, 0)).is_none());
        let repo = crate::git::Repo::discover(root).unwrap();
        assert_eq!(repo.unsupported_index(), Some(UnsupportedIndex::Split));
        git(root, &["update-index", "--no-split-index"]);
        assert_eq!(repo.unsupported_index(), None);
    }
}
