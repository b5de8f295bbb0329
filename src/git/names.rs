//! Names in a repository's config the agent guard reads: the remotes (a branch named
//! `<remote>/...` would shadow a remote-tracking ref) and git's aliases (`git ci -n` is
//! `git commit -n` when `alias.ci` is `commit`).

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
