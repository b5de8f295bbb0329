//! Untracked files that are not ignored, found by reading each directory once and looking the
//! names up in the parsed index: no `lstat` of tracked files (the stat pass does that) and an
//! ignore check (libgit2's rules: `.gitignore`, `info/exclude`, `core.excludesFile`) only for
//! names the index does not have. Ignored directories and nested repositories are not
//! entered, as `git status -uall` does not enter them.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::Repo;
use super::index_file::{GITLINK, IndexEntry, IndexFile};

impl Repo {
    /// Untracked, not ignored files of the worktree (sorted), with `index` the parsed index.
    pub fn untracked_files(&self, index: &IndexFile) -> Result<Vec<PathBuf>> {
        let mut found = Vec::new();
        self.scan(|| self.untracked_in(index, &[], index.entries(), &mut found))?;
        found.sort_unstable_by(|a: &PathBuf, b| {
            a.as_os_str().as_bytes().cmp(b.as_os_str().as_bytes())
        });
        Ok(found)
    }

    /// Walks the directory `dir` (`""` is the root); `entries` are the index entries below it.
    fn untracked_in(
        &self,
        index: &IndexFile,
        dir: &[u8],
        entries: &[IndexEntry],
        found: &mut Vec<PathBuf>,
    ) -> Result<()> {
        let skip = if dir.is_empty() { 0 } else { dir.len() + 1 };
        let full = self.root.join(OsStr::from_bytes(dir));
        let Ok(listing) = std::fs::read_dir(&full) else {
            return Ok(());
        };
        for item in listing.flatten() {
            let name = item.file_name();
            let name = name.as_bytes();
            if name == b".git" {
                continue;
            }
            let Ok(kind) = item.file_type() else { continue };
            let below = tracked_below(index, entries, skip, name);
            if kind.is_dir() {
                match below {
                    Tracked::File(entry) if entry.mode == GITLINK => {}
                    Tracked::Dir(range) => {
                        self.untracked_in(index, &join(dir, name), &entries[range], found)?;
                    }
                    // Not in the index (or a tracked file replaced by a directory).
                    _ => self.untracked_dir(&join(dir, name), found)?,
                }
            } else if matches!(below, Tracked::No | Tracked::Dir(_)) {
                let path = join(dir, name);
                if !self.ignored(&path, false) {
                    found.push(PathBuf::from(OsStr::from_bytes(&path)));
                }
            }
        }
        Ok(())
    }

    /// Every file below an untracked directory, unless it or they are ignored.
    fn untracked_dir(&self, dir: &[u8], found: &mut Vec<PathBuf>) -> Result<()> {
        let full = self.root.join(OsStr::from_bytes(dir));
        if self.ignored(dir, true) || full.join(".git").exists() {
            return Ok(());
        }
        let Ok(listing) = std::fs::read_dir(&full) else {
            return Ok(());
        };
        for item in listing.flatten() {
            let name = item.file_name();
            let path = join(dir, name.as_bytes());
            match item.file_type() {
                Ok(kind) if kind.is_dir() => self.untracked_dir(&path, found)?,
                Ok(_) if !self.ignored(&path, false) => {
                    found.push(PathBuf::from(OsStr::from_bytes(&path)));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn ignored(&self, path: &[u8], dir: bool) -> bool {
        let mut path = path.to_vec();
        if dir {
            // libgit2 reads a trailing `/` as "a directory", for patterns such as `build/`.
            path.push(b'/');
        }
        self.inner
            .is_path_ignored(Path::new(OsStr::from_bytes(&path)))
            .unwrap_or(false)
    }
}

/// What the index has under a name of a directory.
enum Tracked<'i> {
    No,
    File(&'i IndexEntry),
    Dir(std::ops::Range<usize>),
}

/// Looks `name` up among `entries` (sorted, every one below the directory, `skip` bytes of
/// the directory's path with its `/` before the name).
fn tracked_below<'i>(
    index: &IndexFile,
    entries: &'i [IndexEntry],
    skip: usize,
    name: &[u8],
) -> Tracked<'i> {
    let rest = |e: &IndexEntry| index.path(e).get(skip..).unwrap_or_default();
    // The file `name` sorts right where `name` would; the directory `name/` after every
    // name that sorts before `name/`.
    let file_at = entries.partition_point(|e| rest(e) < name);
    if let Some(entry) = entries.get(file_at)
        && rest(entry) == name
    {
        return Tracked::File(entry);
    }
    let mut prefix = name.to_vec();
    prefix.push(b'/');
    let start = entries.partition_point(|e| rest(e) < prefix.as_slice());
    let end = start + entries[start..].partition_point(|e| rest(e).starts_with(&prefix));
    if start < end {
        Tracked::Dir(start..end)
    } else {
        Tracked::No
    }
}

fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut path = Vec::with_capacity(dir.len() + 1 + name.len());
    if !dir.is_empty() {
        path.extend_from_slice(dir);
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
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

    fn write(root: &Path, path: &str) {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, path).unwrap();
    }

    #[test]
    fn the_walk_lists_what_git_status_lists() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        for path in [
            ".gitignore",
            "src/a.rs",
            "src/deep/b.rs",
            "docs/x.md",
            "was-file",
            "a.b",
            "a-b/c",
        ] {
            write(root, path);
        }
        std::fs::write(root.join(".gitignore"), "*.log\nbuild/\n/top-only\n").unwrap();
        git(root, &["add", "-A"]);
        git(root, &["commit", "-qm", "base"]);
        for path in [
            "new.txt",
            "src/new.rs",
            "src/debug.log",
            "src/deep/deeper/n.rs",
            "build/out.o",
            "sub/build/x.o",
            "fresh/dir/f.txt",
            "fresh/dir/skip.log",
            "top-only",
            "src/top-only",
            "a.b.c",
            "a-b/d",
            "nested/repo/file",
        ] {
            write(root, path);
        }
        git(&root.join("nested/repo"), &["init", "-q"]);
        std::fs::remove_file(root.join("was-file")).unwrap();
        write(root, "was-file/inside.txt");
        std::os::unix::fs::symlink("new.txt", root.join("link")).unwrap();

        let repo = Repo::discover(root).unwrap();
        let parsed = repo.parsed_index().unwrap();
        let ours: Vec<String> = repo
            .untracked_files(&parsed)
            .unwrap()
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let mut options = git2::StatusOptions::new();
        options.include_untracked(true).recurse_untracked_dirs(true);
        let statuses = repo.inner.statuses(Some(&mut options)).unwrap();
        let mut theirs: Vec<String> = statuses
            .iter()
            .filter(|e| e.status().contains(git2::Status::WT_NEW))
            .map(|e| String::from_utf8_lossy(e.path_bytes()).into_owned())
            .filter(|p| !p.ends_with('/'))
            .collect();
        theirs.sort();
        assert_eq!(ours, theirs);
        assert!(ours.contains(&"src/top-only".to_owned()), "{ours:?}");
        assert!(
            !ours
                .iter()
                .any(|p| p.contains(".log") || p.contains("build/"))
        );
    }
}
