//! Computing records: the asking gates run on the base commit in a temporary detached worktree
//! (hooks off, LFS smudge off, as a push judged elsewhere), on every tracked file of the base,
//! so one record serves every target. The worktree's installed dependencies are mirrored in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::lock::Lock;
use super::record::{self, Record};
use crate::config::{GateConfig, GatesConfig};
use crate::gates::{GateContext, GateOutcome};
use crate::git::{Oid, Repo, Side};
use crate::plan::{Job, Plan, Selection};
use crate::runner::{self, Observer, RunnerSettings};
use crate::snapshot::Snapshot;
use crate::trigger::Trigger;

/// Installed dependencies that live in a worktree without being tracked, mirrored into the
/// base's checkout (at the root and at each gate's `cwd`) so its gates can run at all.
const DEPENDENCIES: [&str; 3] = ["node_modules", ".venv", "venv"];

/// What computing needs besides the gates: why they run and how many at once.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// The trigger the gates see (`BACKSTOP_TRIGGER`).
    pub trigger: Trigger,
    /// Gates at once.
    pub runner: RunnerSettings,
}

/// The records of the named gates at `base`: those on record, and the others computed now
/// (one computation per repository at a time; a run that finds another computing waits for
/// it). A gate whose record cannot be had is left out.
pub fn records(
    repo: &Repo,
    config: &GatesConfig,
    names: &[String],
    base: Oid,
    run: Run,
) -> Result<HashMap<String, Record>> {
    let dir = record::directory(repo.common_dir());
    let tree = repo.tree_id(base)?;
    let keys: Vec<(String, String)> = names
        .iter()
        .filter_map(|name| Some((name.clone(), record::key(config.gates.get(name)?, tree))))
        .collect();
    let mut found: HashMap<String, Record> = HashMap::new();
    let read = |found: &mut HashMap<String, Record>| {
        for (name, key) in &keys {
            if !found.contains_key(name)
                && let Some(record) = record::load(&dir, key)
            {
                found.insert(name.clone(), record);
            }
        }
    };
    read(&mut found);
    if found.len() == keys.len() {
        return Ok(found);
    }
    let lock = Lock::acquire(&dir)?;
    // Another run may have computed them while this one waited.
    read(&mut found);
    let missing: Vec<String> = keys
        .iter()
        .map(|(name, _)| name.clone())
        .filter(|name| !found.contains_key(name))
        .collect();
    if missing.is_empty() {
        return Ok(found);
    }
    lock.announce(&missing);
    eprintln!(
        "backstop: computing the baseline of {} at {} (once per base)…",
        missing.join(", "),
        &base.to_string()[..12]
    );
    for (name, record) in at_base(repo, config, &missing, base, run, &dir)? {
        if let Some((_, key)) = keys.iter().find(|(n, _)| *n == name)
            && record.keep()
            && crate::runner::signals::interrupted().is_none()
        {
            record::store(&dir, key, &record);
        }
        found.insert(name, record);
    }
    Ok(found)
}

/// Runs the named gates on the base commit in the baseline's checkout, then removes it.
fn at_base(
    repo: &Repo,
    config: &GatesConfig,
    names: &[String],
    base: Oid,
    run: Run,
    dir: &Path,
) -> Result<Vec<(String, Record)>> {
    let place = dir.join("worktree");
    remove_checkout(repo, &place);
    repo.add_detached_worktree(&place, base)
        .context("cannot check out the base for the baseline")?;
    let result = run_in(repo, config, names, base, run, dir, &place);
    remove_checkout(repo, &place);
    result
}

fn run_in(
    repo: &Repo,
    config: &GatesConfig,
    names: &[String],
    base: Oid,
    run: Run,
    dir: &Path,
    place: &Path,
) -> Result<Vec<(String, Record)>> {
    let gates: indexmap::IndexMap<String, GateConfig> = config
        .gates
        .iter()
        .filter(|(name, _)| names.contains(name))
        .map(|(name, gate)| (name.clone(), gate.clone()))
        .collect();
    mirror_dependencies(repo.root(), place, &gates);
    let only_these = GatesConfig {
        settings: config.settings.clone(),
        gates,
        protect: None,
    };
    let snapshot = Snapshot {
        trigger: run.trigger,
        base: Some(base),
        target: Side::Commit(base),
        file_set: repo.tracked_in_commit(base)?,
        complete_diff: false,
    };
    let selection = Selection {
        only: names.to_vec(),
        ..Selection::default()
    };
    let plan = Plan::build(repo, &only_these, snapshot, &selection, place)?;
    let scratch = tempfile::Builder::new()
        .prefix("backstop-baseline-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let context = GateContext {
        trigger: run.trigger,
        base: Some(base.to_string()),
        scratch: scratch.path().to_path_buf(),
        args: Vec::new(),
        // Dependencies are built once for every base, apart from the worktree's own build.
        env: vec![("CARGO_TARGET_DIR".into(), dir.join("cargo-target").into())],
    };
    let outcomes = runner::run(repo, &plan, &context, run.runner, &Quiet, None);
    Ok(plan
        .gates
        .iter()
        .zip(outcomes)
        .map(|(gate, outcome)| (gate.name.clone(), Record::of(&outcome, place)))
        .collect())
}

/// Removes the baseline's checkout, also one a crash left behind.
fn remove_checkout(repo: &Repo, place: &Path) {
    if place.exists() && repo.remove_worktree(place).is_err() {
        let _ = std::fs::remove_dir_all(place);
    }
    let _ = repo.git_text(&["worktree", "prune"]);
}

/// Mirrors the worktree's installed dependency directories into the checkout: a directory of
/// links, one per entry, so what a gate writes there (`node_modules/.cache`, where a `JUnit`
/// report may go) stays private to the checkout.
fn mirror_dependencies(root: &Path, place: &Path, gates: &indexmap::IndexMap<String, GateConfig>) {
    let mut dirs: Vec<PathBuf> = vec![PathBuf::new()];
    dirs.extend(gates.values().filter_map(GateConfig::cwd_path));
    dirs.dedup();
    for dir in dirs {
        for name in DEPENDENCIES {
            let installed = root.join(&dir).join(name);
            let mirror = place.join(&dir).join(name);
            if !installed.is_dir()
                || !place.join(&dir).is_dir()
                || std::fs::symlink_metadata(&mirror).is_ok()
                || std::fs::create_dir(&mirror).is_err()
            {
                continue;
            }
            for entry in std::fs::read_dir(&installed)
                .into_iter()
                .flatten()
                .flatten()
            {
                if entry.file_name() != ".cache" {
                    let _ =
                        std::os::unix::fs::symlink(entry.path(), mirror.join(entry.file_name()));
                }
            }
        }
    }
}

/// The base's gates run without a display.
struct Quiet;

impl Observer for Quiet {
    fn started(&self, _: &Job) {}
    fn finished(&self, _: &str, _: &GateOutcome) {}
}
