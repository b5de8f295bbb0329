//! What a remote has, as the remote itself says (`git ls-remote`), not as this repository's
//! remote-tracking refs say: those are local files anyone who can run git here can move.

use std::ffi::OsStr;

use anyhow::{Result, bail};
use git2::Oid;

use super::Repo;

/// The commits a remote advertises.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Advertised {
    /// What its `HEAD` (the default branch) points at, when it says.
    pub head: Option<Oid>,
    /// Every ref's commit (branches, tags), `HEAD` included.
    pub all: Vec<Oid>,
}

impl Repo {
    /// Asks the remote at `url` (as git push was given it) for its refs. Never prompts: a
    /// remote that needs a password it cannot get is an error.
    pub fn advertised(&self, url: &OsStr) -> Result<Advertised> {
        let output = std::process::Command::new("git")
            .args(["ls-remote", "--symref", "--"])
            .arg(url)
            .current_dir(self.root())
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(std::process::Stdio::null())
            .output()?;
        if !output.status.success() {
            bail!(
                "git ls-remote failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(parse(&String::from_utf8_lossy(&output.stdout)))
    }

    /// Whether `commit` has `ancestor` in its history.
    pub fn is_descendant_of(&self, commit: Oid, ancestor: Oid) -> bool {
        self.inner
            .graph_descendant_of(commit, ancestor)
            .unwrap_or(false)
    }
}

fn parse(text: &str) -> Advertised {
    let mut advertised = Advertised::default();
    for line in text.lines().filter(|l| !l.starts_with("ref:")) {
        let Some((sha, name)) = line.split_once('\t') else {
            continue;
        };
        let Ok(id) = Oid::from_str(sha.trim()) else {
            continue;
        };
        if name == "HEAD" {
            advertised.head = Some(id);
        }
        if !advertised.all.contains(&id) {
            advertised.all.push(id);
        }
    }
    advertised
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_and_every_ref_are_read_and_symref_lines_skipped() {
        let a = "a820ee312e19f713d3e0d802b0509f832f56da92";
        let b = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        let text = format!(
            "ref: refs/heads/main\tHEAD\n{a}\tHEAD\n{a}\trefs/heads/main\n{b}\trefs/tags/v1\n"
        );
        let found = parse(&text);
        assert_eq!(found.head, Some(Oid::from_str(a).unwrap()));
        assert_eq!(found.all.len(), 2);
    }
}
