//! The hooks directory git itself will use (`git rev-parse --git-path hooks`), and where
//! `core.hooksPath` was set, so that a user-wide setting can be refused with the fix.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use super::Repo;

/// Where `core.hooksPath` came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HooksSource {
    /// Not set: `<common-dir>/hooks`, shared by every worktree.
    Default,
    /// Set in this repository's (or this worktree's) config.
    Repository,
    /// Set in a user-wide config (global, XDG or system), with the scope git names.
    UserWide(String),
}

/// The hooks directory and why it is that one.
#[derive(Debug, Clone)]
pub struct HooksDir {
    /// Absolute path.
    pub path: PathBuf,
    /// Where the setting came from.
    pub source: HooksSource,
    /// The configured value, when set.
    pub configured: Option<String>,
}

impl Repo {
    /// Asks git itself, so that every rule git applies (relative paths, worktrees, includes,
    /// `GIT_CONFIG_GLOBAL`) is applied here too.
    pub fn hooks_dir(&self) -> Result<HooksDir> {
        let path = self.git_text(&["rev-parse", "--git-path", "hooks"])?;
        let path = self.root.join(path.trim_end_matches('\n'));
        let scoped = self.git_output(&["config", "--show-scope", "--get", "core.hooksPath"])?;
        let (source, configured) = if scoped.status.success() {
            let line = String::from_utf8_lossy(&scoped.stdout)
                .trim_end()
                .to_owned();
            let (scope, value) = line.split_once('\t').unwrap_or(("local", line.as_str()));
            let source = match scope {
                "local" | "worktree" | "command" => HooksSource::Repository,
                other => HooksSource::UserWide(other.to_owned()),
            };
            (source, Some(value.to_owned()))
        } else {
            (HooksSource::Default, None)
        };
        Ok(HooksDir {
            path,
            source,
            configured,
        })
    }

    /// Runs git in the worktree root and returns its stdout; a failure is an error.
    pub fn git_text(&self, args: &[&str]) -> Result<String> {
        let output = self.git_output(args)?;
        if !output.status.success() {
            bail!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Runs git in the worktree root.
    pub fn git_output(&self, args: &[&str]) -> Result<std::process::Output> {
        std::process::Command::new("git")
            .args(args)
            .current_dir(&self.root)
            .stdin(std::process::Stdio::null())
            .output()
            .with_context(|| format!("cannot run git {}", args.join(" ")))
    }
}
