//! The plan: which gates run for this trigger, on which files, in what order.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, bail};

use crate::config::{GateConfig, GatesConfig, ParserKind};
use crate::git::FileSet;
use crate::glob::GlobList;
use crate::trigger::Trigger;

/// Everything needed to run the gates of one trigger.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Why the gates run.
    pub trigger: Trigger,
    /// The commit (or empty tree) the target is compared with; `None` when there is none.
    pub base: Option<String>,
    /// What is judged: a commit id, `index` or `worktree`.
    pub target: String,
    /// Gates in config order.
    pub gates: Vec<PlannedGate>,
    /// Every path of the file set (relative to the worktree root), for deciding what a fixer
    /// may re-stage.
    pub file_set_paths: Vec<PathBuf>,
    /// The built-in protected gate, when `[protect]` runs on this trigger.
    pub protect: Option<crate::protected::ProtectPlan>,
    /// For a working-tree target: the base and every change since it, when known, so the
    /// cache need not scan the tree a second time.
    pub worktree_diff: Option<(Option<git2::Oid>, FileSet)>,
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
    /// Report the gate as skipped, with the reason.
    Skip(String),
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
}

/// Who asked to skip a gate.
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
}

impl Plan {
    /// The jobs that will run, in plan order.
    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.gates.iter().filter_map(|g| match &g.action {
            Action::Run(job) => Some(job.as_ref()),
            Action::Skip(_) => None,
        })
    }

    /// Whether no gate will start a process.
    pub fn runs_nothing(&self) -> bool {
        self.jobs().next().is_none()
    }

    /// Selects gates for `trigger` and matches each against the file set.
    pub fn build(
        config: &GatesConfig,
        root: &Path,
        trigger: Trigger,
        file_set: &FileSet,
        selection: &Selection,
        base: Option<String>,
        target: String,
    ) -> Result<Plan> {
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
        for (name, gate) in &chosen {
            let after = gate
                .after
                .iter()
                .filter_map(|dep| chosen.iter().position(|(n, _)| *n == dep))
                .collect();
            let action = if selection.skip.contains(name) {
                Action::Skip("skipped by user (--skip)".to_owned())
            } else if selection.env_skip.contains(name) {
                Action::Skip("skipped by user (BACKSTOP_SKIP)".to_owned())
            } else {
                plan_job(name, gate, root, file_set, selection.fix)?
            };
            gates.push(PlannedGate {
                name: (*name).clone(),
                command: gate.run.clone(),
                after,
                action,
            });
        }
        Ok(Plan {
            trigger,
            base,
            target,
            gates,
            file_set_paths: file_set.changes.iter().map(|c| c.path.clone()).collect(),
            protect: None,
            worktree_diff: None,
        })
    }
}

fn plan_job(
    name: &str,
    gate: &GateConfig,
    root: &Path,
    file_set: &FileSet,
    fix: bool,
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
    let globs = match &gate.files {
        Some(patterns) => Some(
            GlobList::new(patterns).map_err(|e| anyhow::anyhow!("gate `{name}`: bad glob {e}"))?,
        ),
        None => None,
    };
    // A gate without `files` runs on an empty file set (commit-msg, a clean tree); otherwise
    // every gate needs a change under its `cwd` that its globs (if any) accept.
    let mut touched = globs.is_none() && file_set.changes.is_empty();
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
        if globs.as_ref().is_none_or(|g| g.is_match(relative)) {
            touched = true;
            if change.is_file() {
                files.push(relative.to_path_buf());
            }
        }
    }
    if !touched {
        return Ok(Action::Skip("no matching files".to_owned()));
    }
    if gate.pass_files && files.is_empty() {
        let why = if file_set.changes.is_empty() {
            "no files to pass"
        } else {
            "no matching files (only deletions)"
        };
        return Ok(Action::Skip(why.to_owned()));
    }
    Ok(Action::Run(Box::new(Job {
        name: name.to_owned(),
        run: gate.run.clone(),
        fix: gate.fix.clone(),
        fix_first: fix && gate.fix.is_some(),
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
    })))
}
