//! Git hook shims: written into the hooks directory git really uses, chaining any hook that
//! was there before, idempotent, and reversible byte for byte.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::GatesConfig;
use crate::error::usage;
use crate::git::{HooksSource, Repo};
use crate::trigger::{GitHook, Trigger};

use super::managers::{self, Manager, Refused};
use super::reach;

pub use super::reach::{MARKER, is_executable, is_husky, is_ours};
/// Suffix of a foreign hook kept beside the shim and run first.
pub const CHAINED_SUFFIX: &str = ".backstop-chained";
const TEMPLATE: &str = include_str!("../../hooks/git-hook.sh");

/// The hooks that some gate (or the protected gate) runs on.
pub fn hooks_for(config: &GatesConfig) -> Vec<GitHook> {
    let mut triggers: Vec<Trigger> = config
        .gates
        .values()
        .flat_map(crate::config::GateConfig::triggers)
        .collect();
    if let Some(protect) = &config.protect {
        triggers.extend(protect.on.clone().unwrap_or_else(Trigger::default_on));
    }
    GitHook::ALL
        .into_iter()
        .filter(|hook| triggers.contains(&hook.trigger()))
        .collect()
}

/// The shim for `hook`, calling the backstop at `binary` first and `backstop` on PATH second.
pub fn shim(hook: GitHook, binary: &Path) -> String {
    TEMPLATE
        .replace("{{VERSION}}", env!("CARGO_PKG_VERSION"))
        .replace("{{HOOK}}", hook.as_str())
        .replace("{{BACKSTOP_PATH}}", &shell_quote(&binary.to_string_lossy()))
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Installs shims for `hooks`; returns one line per hook saying what happened.
#[expect(
    clippy::too_many_lines,
    reason = "each case of an existing hook, in order"
)]
pub fn install(repo: &Repo, hooks: &[GitHook], force: bool) -> Result<Vec<String>> {
    let dir = repo.hooks_dir()?;
    if let (HooksSource::UserWide(scope), false) = (&dir.source, force) {
        let value = dir.configured.clone().unwrap_or_default();
        let flag = if scope == "system" {
            "--system"
        } else {
            "--global"
        };
        return Err(usage(
            format!(
                "core.hooksPath is set in your {scope} git config ({value}): git runs every repository's \
                 hooks from there, so hooks installed in this repository would never run"
            ),
            format!(
                "remove it with `git config {flag} --unset core.hooksPath` (if a tool such as husky set it, \
                 use its uninstall), or override it for this repository with `git config --local core.hooksPath \
                 \"$(git rev-parse --path-format=absolute --git-common-dir)/hooks\"`, then install again; or pass --force to install \
                 into {}",
                dir.path.display()
            ),
        ));
    }
    let managers = managers::detect(repo.root(), &dir.path);
    if let Some(Manager::Husky(husky)) = managers.iter().find(|m| matches!(m, Manager::Husky(_)))
        && !force
    {
        // The hooks are wanted even though the person wires them: every run then checks that
        // husky's hooks reach backstop (in this worktree too).
        reach::record(repo, hooks)?;
        let husky_shown = husky
            .strip_prefix(repo.root())
            .unwrap_or(husky)
            .display()
            .to_string();
        let now = if is_husky(&dir.path) {
            format!(
                "husky runs this repository's hooks from {}",
                dir.path.display()
            )
        } else {
            "husky will run this repository's hooks (its `prepare` script sets core.hooksPath to .husky/_ on npm install)".to_owned()
        };
        return Err(usage(
            format!(
                "{now}: it rewrites that directory on every npm install, and its hooks find their scripts by \
                 their own file name, so a hook backstop put there would silently stop running"
            ),
            format!(
                "call backstop from husky's own hook files instead: add the line {} (or pass --force)",
                managers::husky_lines(&husky_shown, hooks)
            ),
        ));
    }
    let mut said = Vec::new();
    let mut owners: Vec<&Manager> = Vec::new();
    for manager in &managers {
        match manager {
            Manager::Lefthook(path) | Manager::PreCommit(path) => {
                said.push(wire_manager(repo, manager, path, hooks, force)?);
                owners.push(manager);
            }
            Manager::Husky(_) => {}
        }
    }
    std::fs::create_dir_all(&dir.path)
        .with_context(|| format!("cannot create {}", dir.path.display()))?;
    let binary = std::env::current_exe().context("cannot find the backstop binary")?;
    let binary = binary.canonicalize().unwrap_or(binary);
    for &hook in hooks {
        let path = dir.path.join(hook.as_str());
        if let Some(owner) = owners.iter().find(|m| reach::manager_shim(&path, m)) {
            said.push(format!(
                "{hook}: runs backstop through {} ({})",
                owner.name(),
                path.display()
            ));
            continue;
        }
        if let Some(owner) = owners.iter().find(|m| matches!(m, Manager::PreCommit(_))) {
            // pre-commit would keep a hook of ours as `.legacy` and run it first, and run
            // backstop again from its config: its own hook is the one to install.
            said.push(format!(
                "{hook}: not installed by backstop; run `{}` so {}'s hook runs backstop",
                owner.reinstall(hooks),
                owner.name()
            ));
            continue;
        }
        let chained = chained_path(&path);
        let wanted = shim(hook, &binary);
        let action = match std::fs::symlink_metadata(&path) {
            Err(_) => "installed",
            Ok(meta) => {
                if meta.file_type().is_symlink() && is_ours(&path) {
                    // A link to a backstop shim (set up by hand): chaining it would run the gates twice.
                    said.push(format!(
                        "{hook}: already runs backstop through a symlink ({})",
                        path.display()
                    ));
                    continue;
                }
                let ours = !meta.file_type().is_symlink() && is_ours(&path);
                if ours
                    && std::fs::read(&path).is_ok_and(|b| b == wanted.as_bytes())
                    && is_executable(&path)
                {
                    said.push(format!("{hook}: already installed ({})", path.display()));
                    continue;
                }
                if ours {
                    "updated"
                } else {
                    if std::fs::symlink_metadata(&chained).is_ok() {
                        bail!(
                            "{} is not backstop's, and {} already holds an earlier hook; move one of them aside and install again",
                            path.display(),
                            chained.display()
                        );
                    }
                    std::fs::rename(&path, &chained)
                        .with_context(|| format!("cannot move {} aside", path.display()))?;
                    "installed; the hook that was there runs first"
                }
            }
        };
        write_executable(&path, wanted.as_bytes())?;
        said.push(format!("{hook}: {action} ({})", path.display()));
    }
    reach::record(repo, hooks)?;
    if let HooksSource::UserWide(scope) = &dir.source {
        said.push(format!(
            "note: installed into the {scope} core.hooksPath, which every repository uses"
        ));
    }
    if let (HooksSource::Repository, Some(value)) = (&dir.source, &dir.configured)
        && !Path::new(value).is_absolute()
    {
        said.push(format!(
            "warning: core.hooksPath is relative ({value}): each linked worktree looks for hooks in its own \
             {value}, where these shims are not; commit them there, or make core.hooksPath absolute: \
             git config core.hooksPath \"{}\"",
            dir.path.display()
        ));
    }
    Ok(said)
}

/// Adds backstop to a manager's config (lefthook.yml, .pre-commit-config.yaml) for `hooks`;
/// refuses with the exact lines to add where the file cannot be edited safely.
fn wire_manager(
    repo: &Repo,
    manager: &Manager,
    path: &Path,
    hooks: &[GitHook],
    force: bool,
) -> Result<String> {
    let shown = path
        .strip_prefix(repo.root())
        .unwrap_or(path)
        .display()
        .to_string();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
    let edited = match (manager, yaml) {
        (Manager::Lefthook(_), true) => managers::wire_lefthook(&text, hooks),
        (Manager::PreCommit(_), true) => {
            managers::wire_pre_commit(&text, hooks).map_err(Refused::Unsafe)
        }
        _ => Err(Refused::Unsafe(format!(
            "backstop edits only YAML configs, not {shown}"
        ))),
    };
    let edited = match edited {
        // Not even with --force: backstop beside a parallel fixer blocks every commit.
        Err(Refused::Parallel { why, yaml }) => {
            return Err(usage(
                format!("{shown}: {why}"),
                format!(
                    "run backstop after the other jobs: make the hook in {shown} read\n\n{yaml}\nthen run `{}`",
                    manager.reinstall(hooks)
                ),
            ));
        }
        Err(Refused::Unsafe(why)) => Err(why),
        Ok(new) => Ok(new),
    };
    match edited {
        Ok(new) if new == text => Ok(format!(
            "{}: {shown} already runs backstop ({})",
            manager.name(),
            hooks
                .iter()
                .map(|h| h.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Ok(new) => {
            std::fs::write(path, &new).with_context(|| format!("cannot write {shown}"))?;
            Ok(format!(
                "{}: added backstop to {shown} for {}, so `{}` keeps it; commit {shown}",
                manager.name(),
                hooks
                    .iter()
                    .map(|h| h.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                manager.reinstall(hooks)
            ))
        }
        Err(why) if force => Ok(format!(
            "{}: {shown} was left alone ({why}); with --force the shims are installed directly",
            manager.name()
        )),
        Err(why) => Err(usage(
            format!(
                "{} runs this repository's hooks and {shown} cannot be edited safely: {why}",
                manager.name()
            ),
            format!(
                "make {} run backstop: for each of {}, add a command that runs `backstop hook git <hook>` \
                 (commit-msg: with the message file, pre-push: with git's stdin); then run `{}`",
                manager.name(),
                hooks
                    .iter()
                    .map(|h| h.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                manager.reinstall(hooks)
            ),
        )),
    }
}

/// Removes backstop's shims and moves chained hooks back; returns what it did.
pub fn uninstall(repo: &Repo) -> Result<Vec<String>> {
    let dir = repo.hooks_dir()?;
    let mut said = Vec::new();
    for manager in managers::detect(repo.root(), &dir.path) {
        if let Manager::Lefthook(path) | Manager::PreCommit(path) = &manager
            && let Ok(text) = std::fs::read_to_string(path)
            && text.contains(managers::ADDED)
        {
            std::fs::write(path, managers::unwire(&text))
                .with_context(|| format!("cannot write {}", path.display()))?;
            said.push(format!(
                "{}: removed backstop from {}",
                manager.name(),
                path.display()
            ));
        }
    }
    reach::forget(repo);
    for hook in GitHook::ALL {
        // A manager that took the hook over kept backstop's aside (lefthook `.old`, pre-commit
        // `.legacy`) and would put it back on its own uninstall, blocking every commit then.
        for kept in [".old", ".legacy"] {
            let path = dir.path.join(format!("{hook}{kept}"));
            let regular = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file());
            if regular && is_ours(&path) {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
                said.push(format!(
                    "{hook}: removed backstop's hook kept aside ({})",
                    path.display()
                ));
            }
        }
        let path = dir.path.join(hook.as_str());
        // Only the regular files install wrote; a symlink was never backstop's to remove.
        let regular = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file());
        if !regular || !is_ours(&path) {
            continue;
        }
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        let chained = chained_path(&path);
        if std::fs::symlink_metadata(&chained).is_ok() {
            std::fs::rename(&chained, &path)
                .with_context(|| format!("cannot put back {}", chained.display()))?;
            said.push(format!(
                "{hook}: removed; the earlier hook is back ({})",
                path.display()
            ));
        } else {
            said.push(format!("{hook}: removed ({})", path.display()));
        }
    }
    if said.is_empty() {
        said.push(format!("no backstop hooks in {}", dir.path.display()));
    }
    Ok(said)
}

/// The foreign hook kept beside a shim.
pub fn chained_path(hook: &Path) -> PathBuf {
    let mut name = hook.file_name().unwrap_or_default().to_os_string();
    name.push(CHAINED_SUFFIX);
    hook.with_file_name(name)
}

fn write_executable(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::fsio::write_replacing(path, bytes, Some(0o755))
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shim_quotes_the_binary_path_and_names_the_hook() {
        let text = shim(GitHook::PrePush, Path::new("/opt/it's here/backstop"));
        assert!(text.contains("hook_name=pre-push"));
        assert!(text.contains(r"recorded='/opt/it'\''s here/backstop'"));
        assert!(text.starts_with("#!/bin/sh\n") && text.contains(MARKER));
        assert!(!text.contains("{{"), "every placeholder is filled");
    }
}
