//! Which tracked files may differ from the index, from the stat data git recorded: one
//! `lstat` per entry and no directory walk. git refreshes that data before it runs the
//! pre-commit hook, so for a clean tree nothing is suspect and nothing is read. Suspects (a
//! stat mismatch, an entry written in the same instant as the index, a smudged size) are only
//! candidates: libgit2's diff, with filters, decides about them.

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::index_file::{GITLINK, IndexEntry, IndexFile};

/// Entries per thread below which the pass stays on one thread.
const PER_THREAD: usize = 8192;
/// git's id of the empty blob: a size of 0 is only trusted for it.
const EMPTY_BLOB: [u8; 20] = [
    0xe6, 0x9d, 0xe2, 0x9b, 0xb2, 0xd1, 0xd6, 0x43, 0x4b, 0x8b, 0x29, 0xae, 0x77, 0x5a, 0xd8, 0xc2,
    0xe4, 0x8c, 0x53, 0x91,
];

/// How git compares stat data here.
#[derive(Debug, Clone, Copy)]
pub struct StatRules {
    /// `core.filemode`: the executable bit counts.
    pub trust_mode: bool,
}

/// Indices of the entries whose worktree file may differ from the index (assume-unchanged,
/// skip-worktree and gitlink entries are left out, as git's diffs leave them out); `None`
/// when the worktree root cannot be opened.
pub fn suspects(root: &Path, index: &IndexFile, rules: StatRules) -> Option<Vec<usize>> {
    let dir = open_dir(root)?;
    let entries = index.entries();
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(entries.len() / PER_THREAD)
        .clamp(1, 8);
    if threads == 1 {
        return Some(check(&dir, index, 0..entries.len(), rules));
    }
    let chunk = entries.len().div_ceil(threads);
    let dir = &dir;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let range = t * chunk..((t + 1) * chunk).min(entries.len());
                scope.spawn(move || check(dir, index, range, rules))
            })
            .collect();
        let mut all = Vec::new();
        for handle in handles {
            all.extend(handle.join().ok()?);
        }
        Some(all)
    })
}

fn check(
    dir: &OwnedFd,
    index: &IndexFile,
    range: std::ops::Range<usize>,
    rules: StatRules,
) -> Vec<usize> {
    let entries = index.entries();
    let mut out = Vec::new();
    let mut name = Vec::with_capacity(256);
    for at in range {
        let entry = &entries[at];
        if entry.hidden_from_diffs() || entry.mode == GITLINK {
            continue;
        }
        name.clear();
        name.extend_from_slice(index.path(entry));
        name.push(0);
        let Ok(c_name) = std::ffi::CStr::from_bytes_with_nul(&name) else {
            out.push(at);
            continue;
        };
        // SAFETY: `stat` is plain data that fstatat fills; `c_name` is NUL-terminated and
        // `dir` an open directory descriptor.
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        let rc = unsafe {
            libc::fstatat(
                dir.as_raw_fd(),
                c_name.as_ptr(),
                &raw mut stat,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        if rc != 0 || !matches(entry, &stat, index.stamp, rules) {
            out.push(at);
        }
    }
    out
}

/// git's `ce_match_stat_basic` with every check on (nanoseconds, ctime, inode, device,
/// owner), plus its racy-timestamp rule: stricter than git at worst, which only makes more
/// suspects.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "git stores stat fields truncated to 32 bits"
)]
fn matches(entry: &IndexEntry, stat: &libc::stat, stamp: (i64, i64), rules: StatRules) -> bool {
    let kind = stat.st_mode & libc::S_IFMT;
    let type_ok = match entry.mode & 0o170_000 {
        0o100_000 => {
            kind == libc::S_IFREG && (!rules.trust_mode || (entry.mode ^ stat.st_mode) & 0o100 == 0)
        }
        0o120_000 => kind == libc::S_IFLNK,
        _ => false,
    };
    let mtime = (stat.st_mtime as u32, stat.st_mtime_nsec as u32);
    let ctime = (stat.st_ctime as u32, stat.st_ctime_nsec as u32);
    let same = type_ok
        && entry.mtime == mtime
        && entry.ctime == ctime
        && entry.ino == stat.st_ino as u32
        && entry.dev == stat.st_dev as u32
        && entry.uid == stat.st_uid
        && entry.gid == stat.st_gid
        && entry.size == stat.st_size as u32
        && (entry.size != 0 || entry.id.as_bytes() == EMPTY_BLOB);
    // Written in the same instant as the index (or after): git could not tell a later edit
    // from the one it recorded.
    let racy = (i64::from(entry.mtime.0), i64::from(entry.mtime.1)) >= stamp;
    same && !racy
}

fn open_dir(root: &Path) -> Option<OwnedFd> {
    let path = CString::new(root.as_os_str().as_bytes()).ok()?;
    // SAFETY: a NUL-terminated path; the descriptor returned is owned below.
    let fd = unsafe {
        libc::open(
            path.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return None;
    }
    // SAFETY: `fd` is a fresh descriptor nobody else owns.
    Some(unsafe { std::os::fd::FromRawFd::from_raw_fd(fd) })
}

impl super::Repo {
    /// Paths of the tracked files that may differ from the index being committed (see the
    /// module doc); `None` when the index needs libgit2's scan instead.
    pub fn stat_suspects(&self) -> Option<Vec<Vec<u8>>> {
        let index = self.parsed_index()?;
        if index.unusual {
            return None;
        }
        let trust_mode = self
            .inner
            .config()
            .and_then(|c| c.get_bool("core.filemode"))
            .unwrap_or(true);
        let found = self.scan(|| suspects(&self.root, &index, StatRules { trust_mode }))?;
        *self
            .stat_pass
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((index.entries().len(), found.len()));
        Some(
            found
                .into_iter()
                .map(|at| index.path(&index.entries()[at]).to_vec())
                .collect(),
        )
    }
}

impl super::Repo {
    /// What the stat pass since the last call looked at: (index entries, suspects); `None`
    /// when none ran (the index needed libgit2's full diff). For `-v` output and tests.
    pub fn take_stat_pass(&self) -> Option<(usize, usize)> {
        self.stat_pass
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::{StatRules, suspects};
    use crate::git::Repo;
    use crate::git::index_file::IndexFile;

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

    fn changed(root: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
        let repo = Repo::discover(root).unwrap();
        let full = repo
            .worktree_changes(&repo.index().unwrap(), false, &[])
            .unwrap();
        let repo = Repo::discover(root).unwrap();
        let (fast, _) = repo.unstaged_changes(&[]).unwrap();
        let mut fast: Vec<PathBuf> = fast.into_iter().map(|c| c.path).collect();
        let mut full: Vec<PathBuf> = full.into_iter().map(|c| c.path).collect();
        fast.sort();
        full.sort();
        (fast, full)
    }

    /// A repo whose index holds `name` with the file's exact stat data, and the index bytes
    /// with the entry's id replaced by `id_in_index` (what a same-instant edit, or git
    /// smudging a racy entry, leaves behind); also the entry's mtime.
    fn index_naming(content: &str, id_in_index: &str) -> (tempfile::TempDir, Vec<u8>, (i64, i64)) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        std::fs::write(root.join("f.txt"), content).unwrap();
        git(root, &["add", "f.txt"]);
        let mut bytes = std::fs::read(root.join(".git/index")).unwrap();
        let now = git2::Oid::hash_object(git2::ObjectType::Blob, content.as_bytes()).unwrap();
        let other = git2::Oid::hash_object(git2::ObjectType::Blob, id_in_index.as_bytes()).unwrap();
        let at = bytes.windows(20).position(|w| w == now.as_bytes()).unwrap();
        bytes[at..at + 20].copy_from_slice(other.as_bytes());
        let parsed = IndexFile::parse(&bytes, (0, 0)).unwrap();
        let (seconds, nanos) = parsed.entries()[0].mtime;
        (dir, bytes, (i64::from(seconds), i64::from(nanos)))
    }

    fn suspects_at(root: &Path, bytes: &[u8], stamp: (i64, i64)) -> Vec<usize> {
        let index = IndexFile::parse(bytes, stamp).unwrap();
        suspects(root, &index, StatRules { trust_mode: true }).unwrap()
    }

    #[test]
    fn an_entry_as_new_as_the_index_is_read_by_content() {
        // Same size, exact stat data, another id: only the content tells them apart.
        let (dir, bytes, mtime) = index_naming("XTAGED\n", "STAGED\n");
        assert_eq!(
            suspects_at(dir.path(), &bytes, mtime),
            [0],
            "written in the same instant as the index"
        );
        let earlier = (mtime.0 - 1, mtime.1);
        assert_eq!(suspects_at(dir.path(), &bytes, earlier), [0], "index older");
        // The control: an index written later is trusted, as git trusts it.
        let later = (mtime.0 + 5, mtime.1);
        assert!(suspects_at(dir.path(), &bytes, later).is_empty());
    }

    #[test]
    fn a_smudged_size_is_read_by_content() {
        // git writes a racy entry whose content differs with size 0; the file is now empty.
        let (dir, bytes, mtime) = index_naming("", "STAGED\n");
        let later = (mtime.0 + 5, mtime.1);
        assert_eq!(suspects_at(dir.path(), &bytes, later), [0]);
        // The control: size 0 with the empty blob's id is a clean empty file.
        let (dir, bytes, mtime) = index_naming("", "");
        let later = (mtime.0 + 5, mtime.1);
        assert!(suspects_at(dir.path(), &bytes, later).is_empty());
    }

    #[test]
    fn the_stat_pass_finds_what_a_full_scan_finds() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        git(root, &["config", "core.autocrlf", "input"]);
        for name in [
            "same.txt",
            "edit.txt",
            "gone.txt",
            "mode.sh",
            "link",
            "crlf.txt",
            "touch.txt",
        ] {
            std::fs::write(root.join(name), format!("{name}\n")).unwrap();
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-qm", "base"]);
        // Let the index be older than any later write, so entries are not racily clean.
        std::thread::sleep(std::time::Duration::from_millis(20));
        git(root, &["update-index", "--refresh"]);
        let (fast, full) = changed(root);
        assert!(fast.is_empty() && full.is_empty(), "{fast:?} {full:?}");
        let repo = Repo::discover(root).unwrap();
        assert_eq!(
            repo.stat_suspects(),
            Some(Vec::new()),
            "a clean tree has no suspects"
        );

        std::fs::write(root.join("edit.txt"), "edit.txx\n").unwrap(); // same size
        std::fs::remove_file(root.join("gone.txt")).unwrap();
        std::fs::set_permissions(
            root.join("mode.sh"),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        std::fs::remove_file(root.join("link")).unwrap();
        std::os::unix::fs::symlink("same.txt", root.join("link")).unwrap();
        // Only the line ending differs: with autocrlf the content git sees is unchanged.
        std::fs::write(root.join("crlf.txt"), "crlf.txt\r\n").unwrap();
        // A new mtime, the same bytes.
        std::fs::write(root.join("touch.txt"), "touch.txt\n").unwrap();
        let (fast, full) = changed(root);
        // libgit2 calls the file whose bytes differ only by a filtered line ending changed
        // or not depending on timestamps (as `git status` and `git diff` disagree about it);
        // setting it aside is harmless either way, and the gates then see the committed bytes.
        let without_crlf = |paths: &[PathBuf]| -> Vec<String> {
            paths
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .filter(|p| p != "crlf.txt")
                .collect()
        };
        assert_eq!(
            without_crlf(&fast),
            ["edit.txt", "gone.txt", "link", "mode.sh"]
        );
        assert_eq!(without_crlf(&full), without_crlf(&fast));
    }
}
