//! The plan: which gates run for this snapshot, on which files, in what order. The built-in
//! protected gate is planned here too ([`protect`]), beside the command gates.

pub mod protect;
pub mod shard;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, bail};

pub use protect::ProtectJob;
pub use shard::{Shard, ShardPlan, Sharding};

use crate::config::{GateConfig, GatesConfig, ParserKind};
use crate::git::{FileSet, Repo};
use crate::snapshot::Snapshot;
use crate::trigger::Trigger;

/// Everything needed to run the gates of one snapshot.
#[derive(Debug, Clone)]
pub struct Plan {
    /// What is judged: trigger, base, target and file set.
    pub snapshot: Snapshot,
    /// Gates in config order; the protected gate, when it runs, last.
    pub gates: Vec<PlannedGate>,
    /// The config the gates were planned from (the baseline plans the same gates at the base).
    pub config: GatesConfig,
    /// For a CI shard: the shard and the whole run's plan (`None`: the whole run).
    pub shard: Option<ShardPlan>,
}

/// One gate of the plan, to run or already decided to skip.
#[derive(Debug, Clone)]
pub struct PlannedGate {
    /// The gate's name in gates.toml.
    pub name: String,
    /// The command as configured.
    pub command: String,
    /// Indices into `Plan::gates` that must finish first.
    pub after: Vec<usize>,
    /// Run it, or why not.
    pub action: Action,
}

/// What to do with a planned gate.
#[derive(Debug, Clone)]
pub enum Action {
    /// Start the job.
    Run(Box<Job>),
    /// Run the built-in protected gate (in-process: it reads git objects, starts no process).
    Protect(Box<ProtectJob>),
    /// Report the gate as skipped, with the reason.
    Skip(String),
}

/// What the result cache keys a planned gate by, beyond what every gate of the run shares.
#[derive(Debug, Clone, Copy)]
pub struct CacheScope<'a> {
    /// The gate's definition as configured (JSON).
    pub definition: &'a str,
    /// The gate's files.
    pub files: &'a [PathBuf],
    /// The gate's working directory, relative to the worktree root (`""` for the root).
    pub cwd: &'a Path,
    /// Globs whose content the key covers (`None`: the whole target tree).
    pub inputs: Option<&'a Vec<String>>,
    /// Whether the key covers the content ids of what the gates see (`inputs`, or the whole
    /// tree); `false` for a gate whose definition already names every byte it reads.
    pub tree: bool,
}

/// A gate ready to run.
#[derive(Debug, Clone)]
pub struct Job {
    /// The gate's name.
    pub name: String,
    /// The shell command.
    pub run: String,
    /// The gate's fixer, if it has one.
    pub fix: Option<String>,
    /// Run the fixer before the check (`--fix`).
    pub fix_first: bool,
    /// The worktree root the gate runs in (absolute); diagnostics are relative to it.
    pub root: PathBuf,
    /// Absolute working directory.
    pub cwd: PathBuf,
    /// The gate's files, relative to `cwd`.
    pub files: Vec<PathBuf>,
    /// Append `files` as arguments.
    pub pass_files: bool,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Kill the process group after this long.
    pub timeout: Duration,
    /// How to read diagnostics; `None` reads `path:line[:col]: message` lines.
    pub parser: Option<ParserKind>,
    /// The user's pattern, for `parser = "regex"`.
    pub pattern: Option<String>,
    /// The `JUnit` XML file the command writes (relative to `cwd`), for `parser = "junit"`.
    pub report: Option<String>,
    /// The gate's definition as configured, for the cache key.
    pub definition: String,
    /// Globs whose content the cache key covers (`None`: the whole target tree).
    pub inputs: Option<Vec<String>>,
    /// Fail only on problems absent at the base (`only_new`, with the settings' default).
    pub only_new: bool,
    /// A check built into backstop, run in-process instead of `run`.
    pub builtin: Option<crate::builtin::Builtin>,
}

/// Which gates the person chose, and how they run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `--gate`: run only these (whatever their `on`).
    pub only: Vec<String>,
    /// `--skip`.
    pub skip: Vec<String>,
    /// `BACKSTOP_SKIP`.
    pub env_skip: Vec<String>,
    /// Run each gate's `fix` before its check.
    pub fix: bool,
    /// Report protected findings without failing (`--allow-protected`, for CI).
    pub allow_protected: bool,
    /// The config's path in the worktree when it is not `gates.toml` (`--config`): the path
    /// the protected gate judges for weakening, and the base's `[protect]` is read from.
    pub config_file: Option<PathBuf>,
}

impl Selection {
    /// The worktree-relative path of the config in use.
    pub fn config_file(&self) -> &Path {
        self.config_file
            .as_deref()
            .unwrap_or(Path::new(crate::config::FILE_NAME))
    }
}

impl Job {
    /// What the result cache keys this job by.
    pub fn cache_scope(&self) -> CacheScope<'_> {
        CacheScope {
            definition: &self.definition,
            files: &self.files,
            cwd: self.cwd.strip_prefix(&self.root).unwrap_or(Path::new("")),
            inputs: self.inputs.as_ref(),
            tree: true,
        }
    }
}

impl Plan {
    /// Why the gates run.
    pub fn trigger(&self) -> Trigger {
        self.snapshot.trigger
    }

    /// The jobs that will run, in plan order.
    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.gates.iter().filter_map(|g| match &g.action {
            Action::Run(job) => Some(job.as_ref()),
            Action::Protect(_) | Action::Skip(_) => None,
        })
    }

    /// Whether no gate will start a process (the protected gate starts none).
    pub fn runs_nothing(&self) -> bool {
        self.jobs().next().is_none()
    }

    /// The protected gate's job, when it runs.
    pub fn protect(&self) -> Option<&ProtectJob> {
        self.gates.iter().find_map(|g| match &g.action {
            Action::Protect(job) => Some(job.as_ref()),
            _ => None,
        })
    }

    /// Selects gates for the snapshot's trigger and matches each against its file set; the
    /// command gates run in `root` (the worktree, or a temporary one for a push).
    pub fn build(
        repo: &Repo,
        config: &GatesConfig,
        snapshot: Snapshot,
        selection: &Selection,
        root: &Path,
    ) -> Result<Plan> {
        let trigger = snapshot.trigger;
        let file_set = &snapshot.file_set;
        let chosen: Vec<(&String, &GateConfig)> = config
            .gates
            .iter()
            .filter(|(name, gate)| {
                if selection.only.is_empty() {
                    gate.triggers().contains(&trigger)
                } else {
                    selection.only.contains(name)
                }
            })
            .collect();
        let mut gates = Vec::with_capacity(chosen.len());
        let names: Vec<&str> = chosen.iter().map(|(n, _)| n.as_str()).collect();
        let mut orders: Vec<Vec<usize>> = chosen
            .iter()
            .map(|(_, gate)| {
                gate.after
                    .iter()
                    .filter_map(|dep| names.iter().position(|n| n == dep))
                    .collect()
            })
            .collect();
        if let Some(base) = protect::base_gate_names(repo, &snapshot, selection.config_file()) {
            after_the_base_gates(&names, &base, &mut orders);
        }
        for ((name, gate), after) in chosen.iter().zip(orders) {
            let action = if selection.skip.contains(name) {
                Action::Skip("skipped by user (--skip)".to_owned())
            } else if selection.env_skip.contains(name) {
                Action::Skip("skipped by user (BACKSTOP_SKIP)".to_owned())
            } else {
                let only_new = gate.only_new.unwrap_or(config.settings.only_new);
                plan_job(name, gate, root, file_set, selection.fix, only_new)?
            };
            gates.push(PlannedGate {
                name: (*name).clone(),
                command: gate
                    .builtin
                    .as_ref()
                    .map_or_else(|| gate.run.clone(), |b| format!("(built-in) {b}")),
                after,
                action,
            });
        }
        if let Some(job) = protect::job(repo, config, &snapshot, selection, root) {
            gates.push(PlannedGate {
                name: crate::config::PROTECTED_GATE.to_owned(),
                command: "(built-in)".to_owned(),
                after: Vec::new(),
                action: Action::Protect(Box::new(job)),
            });
        }
        Ok(Plan {
            snapshot,
            gates,
            config: config.clone(),
            shard: None,
        })
    }
}

/// Gates the base's gates.toml does not have run after every gate it has, so a gate added by
/// the change being judged cannot change what the base's gates see (rewrite a file, replace a
/// tool) before they judge it. Ordering only: a later gate still runs if an earlier one fails.
/// An old gate that now waits for a new one keeps that order (its `after` changed, which the
/// protected gate reports), so no cycle is made.
fn after_the_base_gates(names: &[&str], base: &[String], orders: &mut [Vec<usize>]) {
    let old: Vec<usize> = (0..names.len())
        .filter(|&i| base.iter().any(|b| b == names[i]))
        .collect();
    if old.len() == names.len() {
        return;
    }
    // Whether gate `from` (transitively) waits for gate `to`.
    let waits_for = |orders: &[Vec<usize>], from: usize, to: usize| {
        let mut seen = vec![false; orders.len()];
        let mut stack = vec![from];
        while let Some(gate) = stack.pop() {
            if gate == to {
                return true;
            }
            if !std::mem::replace(&mut seen[gate], true) {
                stack.extend(&orders[gate]);
            }
        }
        false
    };
    for new in (0..names.len()).filter(|i| !old.contains(i)) {
        for &earlier in &old {
            if !orders[new].contains(&earlier) && !waits_for(orders, earlier, new) {
                orders[new].push(earlier);
            }
        }
    }
}

fn plan_job(
    name: &str,
    gate: &GateConfig,
    root: &Path,
    file_set: &FileSet,
    fix: bool,
    only_new: bool,
) -> Result<Action> {
    let cwd_rel = gate.cwd_path();
    let cwd = cwd_rel
        .as_ref()
        .map_or_else(|| root.to_path_buf(), |c| root.join(c));
    if !cwd.is_dir() {
        bail!(
            "gate `{name}`: its cwd {} is not a directory",
            cwd.display()
        );
    }
    let filter = gate
        .file_filter()
        .map_err(|e| anyhow::anyhow!("gate `{name}`: bad pattern {e}"))?;
    let builtin = gate
        .builtin
        .as_deref()
        .map(crate::builtin::Builtin::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("gate `{name}`: {e}"))?;
    // A gate without `files` runs on an empty file set (commit-msg, a clean tree); otherwise
    // every gate needs a change under its `cwd` that its patterns (if any) accept. A built-in
    // check reads files, so it needs some.
    let mut touched = !filter.selects() && builtin.is_none() && file_set.changes.is_empty();
    let mut files = Vec::new();
    for change in &file_set.changes {
        if change.submodule {
            continue;
        }
        let relative = match &cwd_rel {
            Some(prefix) => match change.path.strip_prefix(prefix) {
                Ok(rest) => rest,
                Err(_) => continue,
            },
            None => change.path.as_path(),
        };
        if filter.is_match(relative) {
            touched = true;
            if change.is_file() {
                files.push(relative.to_path_buf());
            }
        }
    }
    if !touched {
        return Ok(Action::Skip("no matching files".to_owned()));
    }
    if (gate.pass_files || builtin.is_some()) && files.is_empty() {
        let why = if file_set.changes.is_empty() {
            "no files to pass"
        } else {
            "no matching files (only deletions)"
        };
        return Ok(Action::Skip(why.to_owned()));
    }
    let (run, fixer) = match (&builtin, &gate.builtin) {
        (Some(check), Some(spec)) => (
            format!("(built-in) {spec}"),
            check.fixes().then(|| format!("(built-in) {spec} (fix)")),
        ),
        _ => (gate.run.clone(), gate.fix.clone()),
    };
    Ok(Action::Run(Box::new(Job {
        name: name.to_owned(),
        run,
        fix_first: fix && fixer.is_some(),
        fix: fixer,
        root: root.to_path_buf(),
        cwd,
        files,
        pass_files: gate.pass_files,
        env: gate
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        timeout: gate.timeout(),
        parser: gate.parser,
        definition: serde_json::to_string(gate).unwrap_or_default(),
        inputs: gate.inputs.clone(),
        pattern: gate.pattern.clone(),
        report: gate.report.clone(),
        only_new,
        builtin,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_gates_wait_for_the_base_gates_without_making_a_cycle() {
        let names = ["lint", "new", "test", "late"];
        let base = vec!["lint".to_owned(), "test".to_owned()];
        // `test` (an old gate) now waits for `late` (a new one): `late` must not wait for it.
        let mut orders = vec![vec![], vec![], vec![3], vec![]];
        after_the_base_gates(&names, &base, &mut orders);
        assert_eq!(orders, vec![vec![], vec![0, 2], vec![3], vec![0]]);
    }
}
