//! Where a gate ran: turns the paths tools print (absolute, relative to the gate's `cwd`, or
//! relative to a project root above it) into repository-relative paths.

use std::path::{Component, Path, PathBuf};

/// The file system as the parsers see it (tests map a capture directory onto fixtures).
pub trait Files {
    /// Whether a file or directory exists at this absolute path.
    fn exists(&self, path: &Path) -> bool;
    /// The text of the file at this absolute path, if it can be read.
    fn read(&self, path: &Path) -> Option<String>;
    /// When the file was last modified.
    fn modified(&self, path: &Path) -> Option<std::time::SystemTime>;
    /// The path with symlinks resolved, if it exists (fixtures: the path as it is).
    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        Some(path.to_path_buf())
    }
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFiles;

impl Files for RealFiles {
    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn read(&self, path: &Path) -> Option<String> {
        // A report or source a gate names is the gate's to write: never a FIFO, a device or an
        // endless file.
        const LIMIT: u64 = 256 * 1024 * 1024;
        let bytes = crate::fsio::read_regular(path, LIMIT).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn modified(&self, path: &Path) -> Option<std::time::SystemTime> {
        std::fs::metadata(path).and_then(|m| m.modified()).ok()
    }

    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path).ok()
    }
}

/// The repository root and the gate's working directory, both absolute.
pub struct Place<'a> {
    /// The worktree root that reports are relative to.
    pub root: &'a Path,
    /// The gate's `cwd`, where the tool ran.
    pub cwd: &'a Path,
    /// How to look at files.
    pub files: &'a dyn Files,
}

impl Place<'_> {
    /// The repository-relative path (with `/`) of a path a tool printed, or `None` when it is
    /// outside the repository. A relative path is tried against the gate's `cwd` and then each
    /// directory above it up to the root (rustc and cargo print paths relative to the workspace
    /// root); when none of those exists it is taken relative to `cwd`.
    pub fn relative(&self, printed: &str) -> Option<String> {
        let printed = printed.strip_prefix("file://").unwrap_or(printed).trim();
        if printed.is_empty() {
            return None;
        }
        let path = Path::new(printed);
        let absolute = if path.is_absolute() {
            normalise(path)
        } else {
            self.candidates(path)
                .find(|candidate| self.files.exists(candidate))
                .unwrap_or_else(|| normalise(&self.cwd.join(path)))
        };
        let relative = absolute.strip_prefix(self.root).ok()?;
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    /// Whether a repository-relative path is inside the repository once symlinks are resolved
    /// (the file, else its directory): a fix must not edit through a link to outside.
    pub fn resolves_inside(&self, relative: &str) -> bool {
        let path = self.root.join(relative);
        let real = self.files.canonical(&path).or_else(|| {
            let parent = self.files.canonical(path.parent()?)?;
            Some(parent.join(path.file_name()?))
        });
        let root = self.files.canonical(self.root);
        matches!((real, root), (Some(real), Some(root)) if real.starts_with(&root))
    }

    /// Whether a path a tool printed names an existing file inside the repository.
    pub fn exists(&self, printed: &str) -> bool {
        let path = Path::new(printed);
        if path.is_absolute() {
            let path = normalise(path);
            return path.starts_with(self.root) && self.files.exists(&path);
        }
        self.candidates(path).any(|c| self.files.exists(&c))
    }

    /// `cwd/path`, then the same under each directory above `cwd`, up to the root.
    fn candidates<'p>(&'p self, path: &'p Path) -> impl Iterator<Item = PathBuf> + 'p {
        self.cwd
            .ancestors()
            .take_while(|dir| dir.starts_with(self.root))
            .map(move |dir| normalise(&dir.join(path)))
            .filter(|candidate| candidate.starts_with(self.root))
    }
}

/// Removes `.` and resolves `..` without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Only(Vec<&'static str>);

    impl Files for Only {
        fn exists(&self, path: &Path) -> bool {
            self.0.iter().any(|p| Path::new(p) == path)
        }
        fn read(&self, _: &Path) -> Option<String> {
            None
        }
        fn modified(&self, _: &Path) -> Option<std::time::SystemTime> {
            None
        }
    }

    #[test]
    fn paths_become_repository_relative() {
        let files = Only(vec!["/repo/Cargo.toml", "/repo/crates/app/src/lib.rs"]);
        let place = Place {
            root: Path::new("/repo"),
            cwd: Path::new("/repo/crates/app"),
            files: &files,
        };
        // Relative to cwd (exists or not), to a directory above (exists), absolute, file URLs.
        assert_eq!(
            place.relative("src/lib.rs").as_deref(),
            Some("crates/app/src/lib.rs")
        );
        assert_eq!(
            place.relative("./src/new.rs").as_deref(),
            Some("crates/app/src/new.rs")
        );
        assert_eq!(
            place.relative("crates/app/src/lib.rs").as_deref(),
            Some("crates/app/src/lib.rs")
        );
        assert_eq!(
            place.relative("../../Cargo.toml").as_deref(),
            Some("Cargo.toml")
        );
        assert_eq!(place.relative("/repo/x/../y.rs").as_deref(), Some("y.rs"));
        assert_eq!(place.relative("file:///repo/z.ts").as_deref(), Some("z.ts"));
        // Outside the repository: no path.
        assert_eq!(place.relative("/usr/lib/go/src/testing.go"), None);
        assert_eq!(place.relative("../../../etc/passwd"), None);
        assert!(place.exists("../../Cargo.toml"));
        assert!(!place.exists("src/new.rs"));
    }
}
