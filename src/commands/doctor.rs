//! `backstop doctor`: the whole wiring in one place: the config, where each gate's tool resolves
//! (`doctor_tools.rs`), git hooks (and whether each still reaches backstop), other hook
//! managers, agent hook files, the base a run would use, the cache, then what to fix. Exit 1
//! when something needs fixing.

use anyhow::Result;

use crate::error::{EXIT_FAILED, EXIT_OK};
use crate::install::managers::{self, Manager};
use crate::install::reach;
use crate::settings::{GlobalOptions, Workspace};
use crate::trigger::GitHook;

/// Prints the wiring and what to fix.
#[expect(clippy::too_many_lines, reason = "one report, section after section")]
pub fn run(global: &GlobalOptions) -> Result<u8> {
    let workspace = Workspace::open(global)?;
    let repo = &workspace.repo;
    let mut fix: Vec<String> = Vec::new();

    let config = match workspace.load_config() {
        Ok(config) => {
            crate::say!(
                "config: {} ({} gates{})",
                workspace.config_path.display(),
                config.gates.len(),
                if config.protect.is_some() {
                    ", protected gate on"
                } else {
                    ""
                }
            );
            Some(config)
        }
        Err(error) => {
            crate::say!("config: {error:#}");
            fix.push(
                "create or repair gates.toml (backstop init, backstop config check)".to_owned(),
            );
            None
        }
    };

    if let Some(config) = &config {
        // Where each gate's program resolves: a tool replaced by `exit 0` passes every gate.
        let tools = super::doctor_tools::report(repo, config);
        crate::say!("tools:");
        for line in &tools.lines {
            crate::say!("{line}");
        }
        fix.extend(tools.fix);
    }

    let dir = repo.hooks_dir()?;
    crate::say!("git hooks: {}", dir.path.display());
    let wanted: Vec<GitHook> = config.as_ref().map_or_else(
        || GitHook::ALL.to_vec(),
        |c| {
            let mut hooks = crate::install::git::hooks_for(c);
            if hooks.contains(&GitHook::PreCommit) {
                hooks.push(GitHook::PreMergeCommit);
            }
            hooks
        },
    );
    let recorded = reach::recorded(repo);
    for hook in GitHook::ALL {
        let needed = wanted.contains(&hook) || recorded.contains(&hook);
        match reach::reaches(repo, hook) {
            Ok(how) => crate::say!("  {hook}: runs backstop ({how})"),
            Err(why) if needed => {
                crate::say!("  {hook}: does NOT run backstop ({why})");
                fix.push(format!("the {hook} hook: backstop install --git ({why})"));
            }
            Err(why) => crate::say!("  {hook}: not needed by gates.toml ({why})"),
        }
    }

    let found = managers::detect(repo.root(), &dir.path);
    if found.is_empty() {
        crate::say!("hook managers: none");
    }
    for manager in &found {
        let calls: Vec<&str> = wanted
            .iter()
            .filter(|h| managers::wired(manager, **h))
            .map(|h| h.as_str())
            .collect();
        let place = match manager {
            Manager::Lefthook(p) | Manager::PreCommit(p) => p
                .strip_prefix(repo.root())
                .unwrap_or(p)
                .display()
                .to_string(),
            Manager::Husky(p) => format!("{}/", p.strip_prefix(repo.root()).unwrap_or(p).display()),
        };
        if calls.is_empty() {
            crate::say!(
                "hook manager: {} ({place}): does not run backstop",
                manager.name()
            );
        } else {
            crate::say!(
                "hook manager: {} ({place}): runs backstop for {}",
                manager.name(),
                calls.join(", ")
            );
        }
    }

    for agent in crate::agent::ALL {
        let file = repo.root().join(agent.hooks_file());
        let state = match std::fs::read_to_string(&file) {
            Err(_) => "not installed".to_owned(),
            Ok(text) if text.contains(&format!("backstop hook {}", agent.name())) => {
                format!("installed ({})", agent.hooks_file())
            }
            Ok(_) => format!("{} exists without backstop's hooks", agent.hooks_file()),
        };
        crate::say!("agent {}: {state}", agent.name());
    }

    let configured = config.as_ref().map_or_else(
        || crate::config::SettingsConfig::default().base,
        |c| c.settings.base.clone(),
    );
    match crate::snapshot::find_base(repo, &configured) {
        crate::snapshot::BaseLookup::Configured(commit) => {
            crate::say!(
                "base: {configured} (merge-base {})",
                short(&commit.to_string())
            );
        }
        crate::snapshot::BaseLookup::Fallback {
            commit, used, what, ..
        } => {
            crate::say!(
                "base: {configured} does not resolve; runs use {used} ({what}, merge-base {})",
                short(&commit.to_string())
            );
            fix.push(format!(
                "settings.base: set base = \"{used}\" in gates.toml"
            ));
        }
        crate::snapshot::BaseLookup::Nothing { .. } => {
            crate::say!(
                "base: {configured} does not resolve and nothing else does; stop and manual runs judge every tracked file"
            );
            fix.push("settings.base: name a branch that exists (or fetch the remote)".to_owned());
        }
        crate::snapshot::BaseLookup::Unborn => {
            crate::say!("base: no commit yet (every file is new)");
        }
    }

    let cache = repo.common_dir().join("backstop").join("cache");
    let (entries, bytes) = count(&cache);
    crate::say!(
        "cache: {entries} stored passes, {} KiB ({})",
        bytes.div_ceil(1024),
        cache.display()
    );

    if fix.is_empty() {
        crate::say!("nothing to fix");
        Ok(EXIT_OK)
    } else {
        crate::say!("to fix:");
        for line in &fix {
            crate::say!("  - {line}");
        }
        Ok(EXIT_FAILED)
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// Files and bytes below `dir`.
fn count(dir: &std::path::Path) -> (u64, u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (0, 0);
    };
    entries.flatten().fold((0, 0), |(n, b), entry| {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => {
                let (more, size) = count(&path);
                (n + more, b + size)
            }
            Ok(_) => (n + 1, b + entry.metadata().map_or(0, |m| m.len())),
            Err(_) => (n, b),
        }
    })
}
