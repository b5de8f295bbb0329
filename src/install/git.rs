//! Git hook shims: written into the hooks directory git really uses, chaining any hook that
//! was there before, idempotent, and reversible byte for byte.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::GatesConfig;
use crate::error::usage;
use crate::git::{HooksSource, Repo};
use crate::trigger::{GitHook, Trigger};

/// The line that marks a hook as backstop's.
pub const MARKER: &str = "# backstop-managed-hook";
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
    if is_husky(&dir.path) && !force {
        return Err(usage(
            format!(
                "husky runs this repository's hooks from {}: it rewrites that directory on every npm \
                 install, and its hooks find their scripts by their own file name, so a chained husky \
                 hook would silently stop running",
                dir.path.display()
            ),
            "call backstop from husky's own hook files instead: add the line `backstop hook git pre-commit` \
             to .husky/pre-commit, `backstop hook git pre-push \"$@\"` to .husky/pre-push, and \
`backstop hook git commit-msg \"$1\"` to .husky/commit-msg, and `backstop hook git pre-merge-commit` \
             to .husky/pre-merge-commit (or pass --force)",
        ));
    }
    std::fs::create_dir_all(&dir.path)
        .with_context(|| format!("cannot create {}", dir.path.display()))?;
    let binary = std::env::current_exe().context("cannot find the backstop binary")?;
    let binary = binary.canonicalize().unwrap_or(binary);
    let mut said = Vec::new();
    for &hook in hooks {
        let path = dir.path.join(hook.as_str());
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

/// Removes backstop's shims and moves chained hooks back; returns what it did.
pub fn uninstall(repo: &Repo) -> Result<Vec<String>> {
    let dir = repo.hooks_dir()?;
    let mut said = Vec::new();
    for hook in GitHook::ALL {
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

/// husky's generated hooks directory (`.husky/_` in v9, `.husky` with `_/husky.sh` before).
fn is_husky(dir: &Path) -> bool {
    let name = |p: &Path| p.file_name().and_then(|n| n.to_str()).map(str::to_owned);
    let parent_is_husky = dir.parent().and_then(name).as_deref() == Some(".husky");
    (name(dir).as_deref() == Some("_") && parent_is_husky)
        || name(dir).as_deref() == Some(".husky")
        || dir.join("husky.sh").exists()
        || dir.join("_").join("husky.sh").exists()
}

/// The foreign hook kept beside a shim.
pub fn chained_path(hook: &Path) -> PathBuf {
    let mut name = hook.file_name().unwrap_or_default().to_os_string();
    name.push(CHAINED_SUFFIX);
    hook.with_file_name(name)
}

fn is_ours(path: &Path) -> bool {
    std::fs::read(path)
        .is_ok_and(|bytes| bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 == 0o111)
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
