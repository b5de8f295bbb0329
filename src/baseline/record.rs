//! Baseline records: what one gate said about one base content (its status, diagnostics and
//! per-test results), stored under `<common-dir>/backstop/baseline/` and shared by every
//! worktree. Entries are written by rename, so readers never see half of one.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::config::GateConfig;
use crate::diagnostic::Diagnostic;
use crate::gates::{GateOutcome, GateStatus};
use crate::git::{Oid, blob_id};
use crate::test_result::TestRun;

/// Stands for the worktree root in recorded messages: a record serves every worktree.
pub const ROOT: &str = "<root>";

/// Records kept at most; the oldest go first.
const MAX_RECORDS: usize = 2000;
/// Records older than this are dropped.
const MAX_AGE: Duration = Duration::from_hours(30 * 24);

/// One gate's outcome at one base.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// How the gate ended at the base.
    pub status: GateStatus,
    /// Its exit code.
    pub exit_code: Option<i32>,
    /// Its diagnostics, with the root of the checkout it ran in written as [`ROOT`].
    pub diagnostics: Vec<Diagnostic>,
    /// The tests it named.
    pub tests: Option<TestRun>,
}

impl Record {
    /// The record of an outcome the gate had in a checkout at `root`.
    pub fn of(outcome: &GateOutcome, root: &Path) -> Record {
        Record {
            status: outcome.status,
            exit_code: outcome.exit_code,
            diagnostics: outcome
                .diagnostics
                .iter()
                .map(|d| Diagnostic {
                    message: rooted(&d.message, root),
                    ..d.clone()
                })
                .collect(),
            tests: outcome.tests.clone(),
        }
    }

    /// Whether the base's outcome is worth keeping: a gate that could not run, or was
    /// interrupted, may well run next time.
    pub fn keep(&self) -> bool {
        self.status != GateStatus::Error
    }

    /// Whether the gate failed at the base.
    pub fn failed(&self) -> bool {
        self.status.is_failure()
    }
}

/// A message with the worktree root it names written as [`ROOT`].
pub fn rooted(message: &str, root: &Path) -> String {
    let mut text = message.to_owned();
    for form in [Some(root.to_path_buf()), root.canonicalize().ok()]
        .into_iter()
        .flatten()
    {
        let shown = form.to_string_lossy().into_owned();
        if !shown.is_empty() && shown != "/" {
            text = text.replace(&shown, ROOT);
        }
    }
    text
}

/// Where the records (and the lock, the memo, the checkout) live.
pub fn directory(common_dir: &Path) -> PathBuf {
    common_dir.join("backstop").join("baseline")
}

/// The key of a gate's record at a base: backstop's version, the gate's definition without
/// `only_new` (which changes how the result is judged, not the result), the base content (its
/// tree, so two commits with the same files share a record), and the files it was given when
/// not all (`None`: every file of the base). The environment is not in it: `SessionStart` and
/// `Stop` hooks get different variables.
pub fn key(gate: &GateConfig, tree: Oid, files: Option<&[PathBuf]>) -> String {
    let definition = serde_json::to_string(&GateConfig {
        only_new: None,
        ..gate.clone()
    })
    .unwrap_or_default();
    let mut text = format!(
        "backstop {} baseline 1\n{definition}\n{tree}\n",
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes();
    if let Some(files) = files {
        text.extend_from_slice(b"files\n");
        for file in files {
            text.extend_from_slice(file.as_os_str().as_encoded_bytes());
            text.push(0);
        }
    }
    blob_id(&text)
}

/// The record stored under `key`, if there is one.
pub fn load(dir: &Path, key: &str) -> Option<Record> {
    let bytes = std::fs::read(dir.join(format!("{key}.json"))).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Whether a record is stored under `key` (without reading it).
pub fn exists(dir: &Path, key: &str) -> bool {
    dir.join(format!("{key}.json")).is_file()
}

/// Stores a record (by rename), then prunes old ones.
pub fn store(dir: &Path, key: &str, record: &Record) {
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(bytes) = serde_json::to_vec(record) else {
        return;
    };
    let temporary = dir.join(format!(".{key}.{}", std::process::id()));
    if std::fs::write(&temporary, bytes).is_ok()
        && std::fs::rename(&temporary, dir.join(format!("{key}.json"))).is_err()
    {
        let _ = std::fs::remove_file(&temporary);
    }
    prune(dir);
}

/// Forgets every record and the memo (a computation under way keeps its checkout); returns
/// how many records there were.
pub fn clear(common_dir: &Path) -> std::io::Result<usize> {
    let dir = directory(common_dir);
    let mut removed = 0;
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    for entry in entries.flatten() {
        if entry.path().extension().is_some_and(|x| x == "json") {
            std::fs::remove_file(entry.path())?;
            removed += usize::from(entry.file_name() != super::memo::FILE_NAME);
        }
    }
    Ok(removed)
}

/// Drops records past [`MAX_AGE`], then the oldest beyond [`MAX_RECORDS`].
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut all: Vec<(SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter(|e| e.file_name() != super::memo::FILE_NAME)
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    let now = SystemTime::now();
    all.retain(|(modified, path)| {
        let expired = now.duration_since(*modified).unwrap_or_default() > MAX_AGE;
        if expired {
            let _ = std::fs::remove_file(path);
        }
        !expired
    });
    if all.len() > MAX_RECORDS {
        all.sort();
        let excess = all.len() - MAX_RECORDS * 3 / 4;
        for (_, path) in all.into_iter().take(excess) {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(run: &str, only_new: Option<bool>) -> GateConfig {
        let mut gate: GateConfig = toml::from_str(&format!("run = {run:?}")).unwrap();
        gate.only_new = only_new;
        gate
    }

    #[test]
    fn the_key_follows_the_gate_and_the_content_but_not_only_new() {
        let tree = Oid::from_str(crate::git::EMPTY_TREE).unwrap();
        let other = Oid::from_str("0000000000000000000000000000000000000001").unwrap();
        let lint = key(&gate("lint", None), tree, None);
        assert_eq!(lint, key(&gate("lint", Some(true)), tree, None));
        assert_ne!(lint, key(&gate("lint --strict", None), tree, None));
        assert_ne!(lint, key(&gate("lint", None), other, None));
        let some = [PathBuf::from("a.py")];
        assert_ne!(lint, key(&gate("lint", None), tree, Some(&some)));
    }

    #[test]
    fn records_round_trip_with_the_root_written_out() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("checkout");
        let mut outcome = GateOutcome::skipped("");
        outcome.status = GateStatus::Failed;
        outcome.diagnostics = vec![Diagnostic::new(
            None,
            format!("cannot import {}/src/x.py", root.display()),
        )];
        let record = Record::of(&outcome, &root);
        assert_eq!(
            record.diagnostics[0].message,
            "cannot import <root>/src/x.py"
        );
        store(dir.path(), "k", &record);
        let back = load(dir.path(), "k").unwrap();
        assert_eq!(back.diagnostics, record.diagnostics);
        assert!(back.failed() && back.keep());
        assert!(exists(dir.path(), "k") && !exists(dir.path(), "other"));
    }
}
