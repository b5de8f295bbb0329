//! Computing records: the asking gates run on the base commit in a temporary detached worktree
//! (hooks off, LFS smudge off, as a push judged elsewhere), on every tracked file of the base,
//! so one record serves every target. The worktree's installed dependencies are mirrored in.
//! The checkout lives in the system's temporary directory, not under `.git`: Jest ignores
//! every file whose path has a `.git` directory in it, and would find no test there.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::lock::Lock;
use super::record::{self, Record};
use crate::config::{GateConfig, GatesConfig};
use crate::gates::{GateContext, GateOutcome};
use crate::git::{Oid, Repo, Side};
use crate::plan::{Action, Job, Plan, Selection};
use crate::runner::{self, Observer, RunnerSettings, Shared, Wait};
use crate::snapshot::Snapshot;
use crate::trigger::Trigger;

/// Installed dependencies that live in a worktree without being tracked, mirrored into the
/// base's checkout (at the root and at each gate's `cwd`) so its gates can run at all.
const DEPENDENCIES: [&str; 3] = ["node_modules", ".venv", "venv"];

/// The name's start of the temporary directory that holds the base's checkout.
const HOLDER_PREFIX: &str = "backstop-baseline-checkout-";

/// What computing needs besides the gates: why they run and how many at once.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// The trigger the gates see (`BACKSTOP_TRIGGER`).
    pub trigger: Trigger,
    /// Gates at once.
    pub runner: RunnerSettings,
}

/// A gate whose record a run wants: on every file of the base, or (a `pass_files` linter a
/// run asks about) on the files that run judged, which is all it needs and far less at once.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// The gate's name.
    pub name: String,
    /// The files (relative to its `cwd`); `None`: every file of the base.
    pub files: Option<Vec<PathBuf>>,
}

/// The records of the wanted gates at `base`: those on record (a record of every file serves
/// a run that wants some), and the others computed now (one computation per repository at a
/// time; a run that finds another computing waits for it). A gate whose record cannot be had
/// is left out.
pub fn records(
    repo: &Repo,
    config: &GatesConfig,
    wanted: &[Wanted],
    base: Oid,
    run: Run,
) -> Result<HashMap<String, Record>> {
    let dir = record::directory(repo.common_dir());
    let tree = repo.tree_id(base)?;
    // Per gate: the key of a record of every file, and of the wanted files when not all.
    let keys: Vec<(&Wanted, String, Option<String>)> = wanted
        .iter()
        .filter_map(|w| {
            let gate = config.gates.get(&w.name)?;
            Some((
                w,
                record::key(gate, tree, None),
                w.files.as_deref().map(|f| record::key(gate, tree, Some(f))),
            ))
        })
        .collect();
    let mut found: HashMap<String, Record> = HashMap::new();
    let read = |found: &mut HashMap<String, Record>| {
        for (wanted, whole, some) in &keys {
            if found.contains_key(&wanted.name) {
                continue;
            }
            if let Some(record) = std::iter::once(whole)
                .chain(some)
                .find_map(|key| record::load(&dir, key))
            {
                found.insert(wanted.name.clone(), record);
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
    let missing: Vec<&Wanted> = keys
        .iter()
        .map(|(w, _, _)| *w)
        .filter(|w| !found.contains_key(&w.name))
        .collect();
    if missing.is_empty() {
        return Ok(found);
    }
    let names: Vec<String> = missing.iter().map(|w| w.name.clone()).collect();
    lock.announce(&names);
    eprintln!(
        "backstop: computing the baseline of {} at {} (once per base)…",
        names.join(", "),
        &base.to_string()[..12]
    );
    for (name, record) in at_base(repo, config, &missing, base, run, &dir)? {
        if let Some((_, whole, some)) = keys.iter().find(|(w, _, _)| w.name == name)
            && record.keep()
            && crate::runner::signals::interrupted().is_none()
        {
            record::store(&dir, some.as_ref().unwrap_or(whole), &record);
        }
        found.insert(name, record);
    }
    Ok(found)
}

/// Runs the named gates on the base commit in the baseline's checkout, then removes it.
fn at_base(
    repo: &Repo,
    config: &GatesConfig,
    wanted: &[&Wanted],
    base: Oid,
    run: Run,
    dir: &Path,
) -> Result<Vec<(String, Record)>> {
    // Where the last checkout was, until it is removed: one a crash left behind goes first.
    let marker = dir.join("checkout");
    if let Ok(stale) = std::fs::read_to_string(&marker) {
        remove_checkout(repo, Path::new(stale.trim()));
    }
    // A private directory (mode 0700, a random name) in the temporary directory ($TMPDIR).
    let holder = tempfile::Builder::new()
        .prefix(HOLDER_PREFIX)
        .tempdir()
        .context("cannot create a temporary directory for the baseline's checkout")?;
    let place = holder.path().join("baseline").join("checkout");
    std::fs::create_dir_all(holder.path().join("baseline"))
        .and_then(|()| std::fs::write(&marker, holder.path().to_string_lossy().as_bytes()))
        .context("cannot prepare the baseline's checkout")?;
    repo.add_detached_worktree(&place, base)
        .context("cannot check out the base for the baseline")?;
    let result = run_in(repo, config, wanted, base, run, dir, &place);
    remove_checkout(repo, holder.path());
    let _ = std::fs::remove_file(&marker);
    result
}

fn run_in(
    repo: &Repo,
    config: &GatesConfig,
    wanted: &[&Wanted],
    base: Oid,
    run: Run,
    dir: &Path,
    place: &Path,
) -> Result<Vec<(String, Record)>> {
    let names: Vec<String> = wanted.iter().map(|w| w.name.clone()).collect();
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
        config_base: Some(base),
        target: Side::Commit(base),
        file_set: repo.tracked_in_commit(base)?,
        complete_diff: false,
    };
    let selection = Selection {
        only: names.clone(),
        ..Selection::default()
    };
    let mut plan = Plan::build(repo, &only_these, snapshot, &selection, place)?;
    for gate in &mut plan.gates {
        let wanted_files = wanted
            .iter()
            .find(|w| w.name == gate.name)
            .and_then(|w| w.files.as_ref());
        if let (Action::Run(job), Some(files)) = (&mut gate.action, wanted_files) {
            job.files.retain(|f| files.contains(f));
            if job.files.is_empty() {
                gate.action = Action::Skip("none of the files exists at the base".to_owned());
            }
        }
    }
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
    let shared = Shared {
        cache: None,
        flights: None,
        confirm: &|| {},
    };
    let outcomes = runner::run(repo, &plan, &context, run.runner, &Quiet, shared);
    Ok(plan
        .gates
        .iter()
        .zip(outcomes)
        .map(|(gate, outcome)| (gate.name.clone(), Record::of(&outcome, place)))
        .collect())
}

/// Removes the baseline's checkout inside its `holder` directory, also one a crash left
/// behind, and the directory.
fn remove_checkout(repo: &Repo, holder: &Path) {
    let place = holder.join("baseline").join("checkout");
    if place.exists() && repo.remove_worktree(&place).is_err() {
        let _ = std::fs::remove_dir_all(&place);
    }
    let _ = repo.git_text(&["worktree", "prune"]);
    // Only a directory this code made.
    if holder
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with(HOLDER_PREFIX))
    {
        let _ = std::fs::remove_dir_all(holder);
    }
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
    fn waiting(&self, _: &Job, _: &Wait<'_>) {}
    fn started(&self, _: &Job) {}
    fn finished(&self, _: &str, _: &GateOutcome) {}
}
