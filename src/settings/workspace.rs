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

    /// The config's path relative to the worktree root, when it is inside the worktree (the
    /// default gates.toml, or a `--config` there): the version judged holds it.
    pub fn config_in_tree(&self) -> Option<PathBuf> {
        normalise(&self.config_path)
            .strip_prefix(self.repo.root())
            .ok()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
    }

    /// The config as the index or a commit holds it (`place` says which in errors: `staged`,
    /// `in HEAD`), parsed from
    /// the stored blob: what a commit is judged by, whatever the disk has. A symlink or a
    /// gitlink there is an error (its blob is a name, not the config), and so is a blob larger
    /// than any config (never read). `Ok(None)`: the config is outside the worktree, or not
    /// there.
    pub fn stored_config(
        &self,
        at: crate::git::SmallFileAt<'_>,
        place: &str,
    ) -> Result<Option<GatesConfig>> {
        let Some(relative) = self.config_in_tree() else {
            return Ok(None);
        };
        let label = format!("{} ({place})", relative.display());
        let bytes = match self.repo.small_file(at, &relative, config::MAX_BYTES) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Ok(None),
            Err(crate::git::NotSmallFile::TooLarge(size)) => {
                return Err(usage(
                    format!(
                        "{label} is {}, larger than any gates.toml needs ({} at most)",
                        crate::fsio::size(size),
                        crate::fsio::size(config::MAX_BYTES)
                    ),
                    "move long commands into scripts the gates run, and keep gates.toml small",
                ));
            }
            Err(crate::git::NotSmallFile::NotRegular(mode)) => {
                let what = match mode {
                    0o120_000 => "a symlink",
                    0o160_000 => "a submodule",
                    _ => "not a file",
                };
                return Err(usage(
                    format!(
                        "{label} is not a regular file (it is {what}): backstop reads the config as git stores it, and a link's text is not the config"
                    ),
                    format!("commit {} as a regular file", relative.display()),
                ));
            }
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| usage(format!("{label} is not UTF-8"), "save gates.toml as UTF-8"))?;
        Ok(Some(config::parse_in(
            &text,
            Path::new(&label),
            Some(self.repo.root()),
        )?))
    }

    /// The config `backstop ci` judges `HEAD` by: as `HEAD` stores it, else (not committed, or
    /// outside the worktree) from disk.
    pub fn load_config_of_head(&self) -> Result<GatesConfig> {
        if let Some(head) = self.repo.head()
            && let Some(config) =
                self.stored_config(crate::git::SmallFileAt::Commit(head), "in HEAD")?
        {
            return Ok(config);
        }
        self.load_config()
    }

    /// Loads and validates gates.toml; errors name the file as the user would.
    pub fn load_config(&self) -> Result<GatesConfig> {
        // In the worktree the config must be a file of its own: a symlink's text is what git
        // stores, and the file it points at is not what the hooks and CI read.
        if self.config_in_tree().is_some()
            && let Ok(target) = std::fs::read_link(&self.config_path)
        {
            return Err(usage(
                format!(
                    "{} is not a regular file (it is a symlink to `{}`): backstop reads the config as git stores it, and a link's text is not the config",
                    self.config_path.display(),
                    target.display()
                ),
                "replace the symlink with the file itself",
            ));
        }
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
