//! git's own CLI on a scratch index: staging what a commit would contain into a copy of the
//! index, so that git's pathspec rules (globs, `:/`, `--with-tree`) apply exactly as they will
//! when the commit runs, and the person's index is never written.

use std::path::Path;

use anyhow::{Context, Result};

use super::Repo;

impl Repo {
    /// Runs git in `cwd` with `GIT_INDEX_FILE` naming `index`, feeding it `stdin`.
    pub fn git_on_index(
        &self,
        index: &Path,
        cwd: &Path,
        args: &[&str],
        stdin: &[u8],
    ) -> Result<std::process::Output> {
        use std::io::Write;
        let mut child = std::process::Command::new("git")
            .args(args)
            .current_dir(cwd)
            .env("GIT_INDEX_FILE", index)
            // Never an editor or a prompt: nothing answers them in a hook.
            .env("GIT_EDITOR", "false")
            .env("GIT_SEQUENCE_EDITOR", "false")
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run git {}", args.join(" ")))?;
        if let Some(mut input) = child.stdin.take() {
            // git may exit before reading everything (a bad option): that is its answer.
            let _ = input.write_all(stdin);
        }
        child
            .wait_with_output()
            .with_context(|| format!("cannot run git {}", args.join(" ")))
    }

    /// The name of the branch `HEAD` is on (`main`), if it is on one.
    pub fn current_branch(&self) -> Option<String> {
        let output = self
            .git_output(&["symbolic-ref", "--short", "-q", "HEAD"])
            .ok()?;
        let name = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        (output.status.success() && !name.is_empty()).then_some(name)
    }

    /// A config value, as git resolves it here.
    pub fn config_value(&self, key: &str) -> Option<String> {
        let output = self.git_output(&["config", "--get", key]).ok()?;
        let value = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        (output.status.success() && !value.is_empty()).then_some(value)
    }

    /// The full name of a revision that names a ref (`main` is `refs/heads/main`).
    pub fn full_ref_name(&self, rev: &str) -> Option<String> {
        let output = self
            .git_output(&["rev-parse", "--symbolic-full-name", rev])
            .ok()?;
        let name = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        (output.status.success() && name.starts_with("refs/")).then_some(name)
    }
}

impl Repo {
    /// A file's bytes as the index file at `index` stages it.
    pub fn file_in_index_file(&self, index: &Path, path: &Path) -> Option<Vec<u8>> {
        let index = git2::Index::open(index).ok()?;
        self.file_in_index(&index, path)
    }
}

/// A config value as git resolves it in `dir` (inside a repository or not).
pub fn config_in(dir: &Path, key: &str) -> Option<String> {
    let output = std::process::Command::new("git")
        .args(["config", "--get", key])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    let value = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && !value.is_empty()).then_some(value)
}
