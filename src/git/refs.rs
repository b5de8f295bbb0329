//! Branch names a base can come from: the remote's default branch (`refs/remotes/<r>/HEAD`),
//! the current branch's upstream, and local branches, all read from git's own refs.

use super::Repo;

impl Repo {
    /// The remote the current branch tracks, else `origin`, else the only remote.
    pub fn main_remote(&self) -> Option<String> {
        let names: Vec<String> = self
            .inner
            .remotes()
            .ok()?
            .iter()
            .filter_map(|name| name.ok().flatten().map(str::to_owned))
            .collect();
        if let Some(branch) = self.current_branch()
            && let Ok(remote) = self
                .inner
                .config()
                .and_then(|c| c.get_string(&format!("branch.{branch}.remote")))
            && names.contains(&remote)
        {
            return Some(remote);
        }
        if names.iter().any(|n| n == "origin") {
            return Some("origin".to_owned());
        }
        match names.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        }
    }

    /// The remote's default branch as `<remote>/<branch>`: what `refs/remotes/<remote>/HEAD`
    /// points at (set by `git clone` and `git remote set-head`), else whichever of
    /// `<remote>/main` and `<remote>/master` exists (exactly one of them).
    pub fn remote_default_branch(&self) -> Option<String> {
        let remote = self.main_remote()?;
        if let Ok(head) = self
            .inner
            .find_reference(&format!("refs/remotes/{remote}/HEAD"))
            && let Ok(Some(target)) = head.symbolic_target()
            && let Some(short) = target.strip_prefix("refs/remotes/")
            && self.inner.find_reference(target).is_ok()
        {
            return Some(short.to_owned());
        }
        let existing: Vec<String> = ["main", "master"]
            .iter()
            .map(|b| format!("{remote}/{b}"))
            .filter(|r| {
                self.inner
                    .find_reference(&format!("refs/remotes/{r}"))
                    .is_ok()
            })
            .collect();
        match existing.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        }
    }

    /// The upstream of the current branch (`origin/feature`), when it has one that exists.
    pub fn upstream(&self) -> Option<String> {
        let branch = self.current_branch()?;
        let local = self
            .inner
            .find_branch(&branch, git2::BranchType::Local)
            .ok()?;
        let upstream = local.upstream().ok()?;
        upstream.name().ok().flatten().map(str::to_owned)
    }

    /// Whether the local branch `name` exists.
    pub fn has_local_branch(&self, name: &str) -> bool {
        self.inner
            .find_reference(&format!("refs/heads/{name}"))
            .is_ok()
    }
}
