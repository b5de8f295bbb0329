//! Planning the built-in protected gate: whether it runs, and under which `[protect]`: the
//! base's and the target's together, so a change cannot narrow the protection of itself.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::config::{self, GatesConfig, ProtectConfig};
use crate::git::{FileChange, Oid, Repo, Side};
use crate::snapshot::Snapshot;
use crate::trigger::Trigger;

use super::Selection;

/// The protected gate of one run.
#[derive(Debug, Clone)]
pub struct ProtectJob {
    /// `[protect]` as the base and the target have it, combined.
    pub config: ProtectConfig,
    /// The base commit; `None` is the empty tree (nothing to protect yet).
    pub base: Option<Oid>,
    /// The commit whose config the target's is judged against (the base, or with no base the
    /// branch it would merge into).
    pub config_base: Option<Oid>,
    /// The config's path in the worktree.
    pub config_file: PathBuf,
    /// Where the gates read the files (the worktree, or a pushed commit's checkout).
    pub root: PathBuf,
    /// The version judged.
    pub target: Side,
    /// Every changed path, deletions included.
    pub changes: Vec<FileChange>,
    /// Report findings without failing (`--allow-protected`).
    pub allow: bool,
    /// The approvals on record when the run was planned: the key and the verdict read the
    /// same set.
    pub approved: BTreeSet<String>,
    /// The combined config, `allow`, the approvals and a commit target's id, for the cache key.
    definition: String,
}

impl ProtectJob {
    /// The gate's definition for the cache key: its combined config, `--allow-protected`, the
    /// approvals on record and a commit target's id. The key adds what the gate reads of the
    /// target (`gates::protected::read_fingerprint`); the base is the run's.
    pub fn definition(&self) -> &str {
        &self.definition
    }

    /// What the analysis compares.
    pub fn scope(&self) -> crate::protected::Scope<'_> {
        crate::protected::Scope {
            config: &self.config,
            base: self.base,
            config_base: self.config_base,
            config_file: &self.config_file,
            root: &self.root,
            target: self.target,
            changes: &self.changes,
        }
    }
}

/// The protected gate's job, when `[protect]` exists (at the base or the target), runs on the
/// snapshot's trigger, and the person did not skip it (`--gate` naming others, `--skip
/// protected`, `BACKSTOP_SKIP`).
pub fn job(
    repo: &Repo,
    config: &GatesConfig,
    snapshot: &Snapshot,
    selection: &Selection,
    root: &Path,
) -> Option<ProtectJob> {
    let job = any_trigger(
        repo,
        config,
        snapshot,
        selection.allow_protected,
        selection.config_file(),
        root,
    )?;
    let on = job.config.on.clone().unwrap_or_else(Trigger::default_on);
    let named = |list: &[String]| list.iter().any(|n| n == config::PROTECTED_GATE);
    let chosen = if selection.only.is_empty() {
        on.contains(&snapshot.trigger)
    } else {
        named(&selection.only)
    };
    (chosen && !named(&selection.skip) && !named(&selection.env_skip)).then_some(job)
}

/// The protected gate's job regardless of triggers and skips (for `backstop approve`), with
/// the same combined `[protect]` the runs use; `config_file` is the config's path in the
/// worktree and `root` where the gates read the files.
pub fn any_trigger(
    repo: &Repo,
    config: &GatesConfig,
    snapshot: &Snapshot,
    allow: bool,
    config_file: &Path,
    root: &Path,
) -> Option<ProtectJob> {
    let protect = effective(
        snapshot
            .config_base
            .and_then(|b| protect_at(repo, b, config_file)),
        config.protect.clone(),
    )?;
    let excluded = protect
        .exclude
        .as_ref()
        .and_then(|globs| crate::glob::GlobList::new(globs).ok());
    let changes: Vec<FileChange> = snapshot
        .file_set
        .changes
        .iter()
        .filter(|c| !excluded.as_ref().is_some_and(|g| g.is_match(&c.path)))
        .cloned()
        .collect();
    let approved = crate::protected::approve::approved(repo);
    // A commit's content is its id; for the index and the working tree, the key adds the
    // bytes the gate reads.
    let target = match snapshot.target {
        Side::Commit(id) => id.to_string(),
        Side::Index => "index".to_owned(),
        Side::WorkTree => "worktree".to_owned(),
    };
    let definition = serde_json::json!({
        "protect": protect,
        "allow": allow,
        "approved": approved,
        "target": target,
        "config_base": snapshot.config_base.map(|c| c.to_string()),
        "config_file": config_file,
    })
    .to_string();
    Some(ProtectJob {
        config: protect,
        base: snapshot.base,
        config_base: snapshot.config_base,
        config_file: config_file.to_path_buf(),
        root: root.to_path_buf(),
        target: snapshot.target,
        changes,
        allow,
        approved,
        definition,
    })
}

/// The gate names of the base's config, read leniently; `None` when the base has none (or
/// it does not parse, or is not a regular file), so there is nothing to tell new gates from
/// old ones.
pub fn base_gate_names(
    repo: &Repo,
    snapshot: &Snapshot,
    config_file: &Path,
) -> Option<Vec<String>> {
    let table = table_at(repo, snapshot.config_base?, config_file)?;
    Some(
        table
            .get("gates")
            .and_then(toml::Value::as_table)
            .map(|gates| gates.keys().cloned().collect())
            .unwrap_or_default(),
    )
}

/// The config of a commit as a TOML table, read leniently (bounded; unreadable, or not a
/// regular file, is absent).
fn table_at(repo: &Repo, commit: Oid, config_file: &Path) -> Option<toml::Table> {
    let text = repo
        .small_file(
            crate::git::SmallFileAt::Commit(commit),
            config_file,
            config::MAX_BYTES,
        )
        .ok()??;
    String::from_utf8_lossy(&text).parse().ok()
}

/// `[protect]` as the base commit had it, read leniently (an unreadable one counts as absent).
fn protect_at(repo: &Repo, commit: Oid, config_file: &Path) -> Option<ProtectConfig> {
    table_at(repo, commit, config_file)?
        .get("protect")?
        .clone()
        .try_into()
        .ok()
}

/// The protection a change is judged under: the base's and the target's together, so a change
/// cannot switch off or narrow the protection of itself (removing `[protect]`, narrowing `on`,
/// `tests` or `paths`, or allowing more kinds is itself reported, and judged by the base).
fn effective(base: Option<ProtectConfig>, target: Option<ProtectConfig>) -> Option<ProtectConfig> {
    let (base, target) = match (base, target) {
        (None, None) => return None,
        (Some(only), None) | (None, Some(only)) => return Some(only),
        (Some(base), Some(target)) => (base, target),
    };
    let default_paths = crate::protected::default_paths();
    let union = |a: Option<Vec<String>>,
                 b: Option<Vec<String>>,
                 defaults: &[String]|
     -> Option<Vec<String>> {
        if a.is_none() && b.is_none() {
            return None;
        }
        let mut all: Vec<String> = a.unwrap_or_else(|| defaults.to_vec());
        for item in b.unwrap_or_else(|| defaults.to_vec()) {
            if !all.contains(&item) {
                all.push(item);
            }
        }
        Some(all)
    };
    let on = {
        let mut on = base.on.unwrap_or_else(Trigger::default_on);
        for trigger in target.on.unwrap_or_else(Trigger::default_on) {
            if !on.contains(&trigger) {
                on.push(trigger);
            }
        }
        Some(on)
    };
    Some(ProtectConfig {
        tests: union(base.tests, target.tests, &[]),
        paths: union(base.paths, target.paths, &default_paths),
        // Only what both exclude stays excluded: a change cannot widen its own blind spot.
        exclude: match (base.exclude, target.exclude) {
            (Some(base), Some(target)) => {
                Some(base.into_iter().filter(|g| target.contains(g)).collect())
            }
            _ => None,
        },
        allow: base
            .allow
            .into_iter()
            .filter(|k| target.allow.contains(k))
            .collect(),
        on,
    })
}
