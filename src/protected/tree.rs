//! The whole repository as the protected gate sometimes needs it: every path of the base and
//! of the target (the base's tree with the change applied, no second walk of the working
//! tree), and any file's text on either side. Built only when a reading needs more than the
//! changed files (a runner configuration, a `mod` line, an `importorskip`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::git::{ChangeKind, Contents, FileChange};

/// Which version of the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// The base.
    Base,
    /// The version judged.
    Target,
}

/// Every path of both versions, and their contents.
pub struct Tree<'a> {
    base_paths: Vec<PathBuf>,
    target_paths: Vec<PathBuf>,
    base: &'a Contents<'a>,
    target: &'a Contents<'a>,
}

impl<'a> Tree<'a> {
    /// The tree of `base_paths` (the base commit's files) with `changes` applied.
    pub fn new(
        base_paths: Vec<PathBuf>,
        changes: &[FileChange],
        base: &'a Contents<'a>,
        target: &'a Contents<'a>,
    ) -> Tree<'a> {
        let mut target_paths: BTreeSet<PathBuf> = base_paths.iter().cloned().collect();
        for change in changes.iter().filter(|c| !c.submodule) {
            if change.kind == ChangeKind::Deleted {
                target_paths.remove(&change.path);
            } else {
                target_paths.insert(change.path.clone());
            }
        }
        Tree {
            base_paths,
            target_paths: target_paths.into_iter().collect(),
            base,
            target,
        }
    }

    /// Every path of a version, sorted.
    pub fn paths(&self, version: Version) -> &[PathBuf] {
        match version {
            Version::Base => &self.base_paths,
            Version::Target => &self.target_paths,
        }
    }

    /// A file's text in a version (lossy UTF-8), if it is there.
    pub fn read(&self, version: Version, path: &Path) -> Option<String> {
        let contents = match version {
            Version::Base => self.base,
            Version::Target => self.target,
        };
        contents
            .read(path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }
}
