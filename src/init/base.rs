//! The `settings.base` init writes: the remote's real default branch.

use std::path::Path;

use crate::config::SettingsConfig;
use crate::git::Repo;

/// `refs/remotes/<remote>/HEAD` (else whichever of `<remote>/main`, `<remote>/master` exists);
/// the default `origin/main` when there is no remote yet.
pub fn default_branch(root: &Path) -> String {
    Repo::discover(root)
        .ok()
        .and_then(|repo| repo.remote_default_branch())
        .unwrap_or_else(|| SettingsConfig::default().base)
}
