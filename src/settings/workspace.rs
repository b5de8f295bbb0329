//! The repository and config a command works on.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};

use super::GlobalOptions;
use crate::config::{self, GatesConfig};
use crate::error::usage;
use crate::git::Repo;

/// The repository and config a command works on.
pub struct Workspace {
    /// The repository, seen from the current worktree.
    pub repo: Repo,
    /// The directory the command runs in (after `-C`).
    pub cwd: PathBuf,
    /// gates.toml (or `--config`), absolute.
    pub config_path: PathBuf,
}

impl Workspace {
    /// Opens the repository around `-C DIR` (or the current directory) and finds gates.toml.
    pub fn open(global: &GlobalOptions) -> Result<Workspace> {
        let here = std::env::current_dir().context("cannot read the current directory")?;
        let cwd = match &global.directory {
            Some(dir) => here.join(dir),
            None => here,
        };
        if !cwd.is_dir() {
            return Err(usage(
                format!("-C {}: no such directory", cwd.display()),
                "name an existing directory inside a git repository",
            ));
        }
        let cwd = cwd.canonicalize().unwrap_or(cwd);
        let repo = Repo::discover(&cwd).map_err(|e| {
            usage(
                e.to_string(),
                "run backstop inside a git worktree (git init; for a bare repository, git worktree add), or pass -C DIR",
            )
        })?;
        let config_path = match &global.config {
            Some(file) => cwd.join(file),
            None => repo.root().join(config::FILE_NAME),
        };
        Ok(Workspace {
            repo,
            cwd,
            config_path,
        })
    }

    /// Loads and validates gates.toml; errors name the file as the user would.
    pub fn load_config(&self) -> Result<GatesConfig> {
        if !self.config_path.exists() {
            return Err(usage(
                format!("no config at {}", self.config_path.display()),
                "create one with `backstop init`, or name one with `--config FILE`",
            ));
        }
        let shown = self
            .config_path
            .strip_prefix(&self.cwd)
            .map_or_else(|_| self.config_path.clone(), Path::to_path_buf);
        Ok(config::load_file(
            &self.config_path,
            &shown,
            Some(self.repo.root()),
        )?)
    }

    /// A path the user typed, as a worktree-relative path.
    pub fn relative_path(&self, typed: &Path) -> Result<PathBuf> {
        let mut absolute = normalise(&self.cwd.join(typed));
        // Resolve symlinked directories on the way (the root is canonical), not the file itself.
        if absolute.is_dir() {
            absolute = absolute.canonicalize().unwrap_or(absolute);
        } else if let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name())
            && let Ok(parent) = parent.canonicalize()
        {
            absolute = parent.join(name);
        }
        let relative = absolute.strip_prefix(self.repo.root()).map_err(|_| {
            usage(
                format!(
                    "{} is outside the worktree {}",
                    typed.display(),
                    self.repo.root().display()
                ),
                "name files inside the repository",
            )
        })?;
        if std::fs::symlink_metadata(&absolute).is_err() {
            return Err(usage(
                format!("{}: no such file", typed.display()),
                "check the path; --files takes existing files",
            ));
        }
        Ok(relative.to_path_buf())
    }
}

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
