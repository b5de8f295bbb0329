//! `backstop install` / `uninstall`: git hooks and agent hooks, as asked.

use anyhow::Result;

use crate::agent::Agent;
use crate::error::EXIT_OK;
use crate::settings::{GlobalOptions, Workspace};
use crate::trigger::GitHook;

/// What `install` or `uninstall` was asked to wire.
#[derive(Debug, Clone, Default)]
pub struct Wiring {
    /// `--git`.
    pub git: bool,
    /// `--claude`, `--codex`, ...
    pub agents: Vec<&'static dyn Agent>,
    /// `--hook`: which git hooks (default: those some gate is `on`).
    pub hooks: Vec<GitHook>,
    /// `--force`.
    pub force: bool,
}

/// Installs the git hooks (the default when nothing is selected) and the agents' hooks.
pub fn install(global: &GlobalOptions, wiring: &Wiring) -> Result<u8> {
    let workspace = Workspace::open(global)?;
    crate::setaside::refuse_if_interrupted(&workspace.repo)?;
    if !wiring.agents.is_empty() {
        let config = if workspace.config_path.exists() {
            workspace.load_config()?
        } else {
            crate::config::GatesConfig::default()
        };
        for agent in &wiring.agents {
            crate::say!(
                "{}",
                crate::install::agents::install(&workspace.repo, &config, *agent)?
            );
            if let Some(steps) = agent.next_steps(workspace.repo.root()) {
                crate::say!("{steps}");
            }
        }
        if !wiring.git {
            return Ok(EXIT_OK);
        }
    }
    let hooks: Vec<GitHook> = if wiring.hooks.is_empty() {
        let config = workspace.load_config()?;
        let hooks = crate::install::git::hooks_for(&config);
        if hooks.is_empty() {
            vec![GitHook::PreCommit]
        } else {
            hooks
        }
    } else {
        let mut hooks = wiring.hooks.clone();
        // A merge without conflicts runs pre-merge-commit instead of pre-commit.
        if hooks.contains(&GitHook::PreCommit) && !hooks.contains(&GitHook::PreMergeCommit) {
            hooks.push(GitHook::PreMergeCommit);
        }
        hooks
    };
    for line in crate::install::git::install(&workspace.repo, &hooks, wiring.force)? {
        crate::say!("{line}");
    }
    Ok(EXIT_OK)
}

/// Removes what install added: the agents' hooks, and the git hooks (the default).
pub fn uninstall(global: &GlobalOptions, wiring: &Wiring) -> Result<u8> {
    let workspace = Workspace::open(global)?;
    for agent in &wiring.agents {
        crate::say!(
            "{}",
            crate::install::agents::uninstall(&workspace.repo, *agent)?
        );
    }
    if !wiring.agents.is_empty() && !wiring.git {
        return Ok(EXIT_OK);
    }
    for line in crate::install::git::uninstall(&workspace.repo)? {
        crate::say!("{line}");
    }
    Ok(EXIT_OK)
}
