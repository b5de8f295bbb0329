//! What the agent guard and `doctor` ask a repository: the remotes (a branch named
//! `<remote>/...` would shadow a remote-tracking ref), git's aliases (`git ci -n` is
//! `git commit -n` when `alias.ci` is `commit`), and whether a path is tracked or ignored.

use super::Repo;

impl Repo {
    /// The configured remotes' names.
    pub fn remote_names(&self) -> Vec<String> {
        self.inner
            .remotes()
            .map(|names| {
                names
                    .iter()
                    .flatten()
                    .flatten()
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// git's aliases as git resolves them here (every config level): `(name, value)`.
    pub fn aliases(&self) -> Vec<(String, String)> {
        let Ok(config) = self.inner.config() else {
            return Vec::new();
        };
        let Ok(entries) = config.entries(Some("alias\\..*")) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut entries = entries;
        while let Some(Ok(entry)) = entries.next() {
            if let (Ok(name), Ok(value)) = (entry.name(), entry.value())
                && let Some(alias) = name.strip_prefix("alias.")
            {
                out.push((alias.to_owned(), value.to_owned()));
            }
        }
        out
    }
}

/// How git sees a path of the worktree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathStatus {
    /// In the index.
    Tracked,
    /// Ignored (`.gitignore`, `info/exclude`, `core.excludesFile`).
    Ignored,
    /// Neither.
    Untracked,
}

impl Repo {
    /// Whether a path (relative to the root) is tracked, ignored or neither.
    pub fn path_status(&self, relative: &std::path::Path) -> PathStatus {
        if self
            .inner
            .index()
            .ok()
            .is_some_and(|i| i.get_path(relative, 0).is_some())
        {
            PathStatus::Tracked
        } else if self.inner.is_path_ignored(relative).unwrap_or(false) {
            PathStatus::Ignored
        } else {
            PathStatus::Untracked
        }
    }
}
