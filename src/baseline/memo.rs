//! Which gates name tests: a gate whose output never named a test (a linter that happens to
//! use the `cargo` or `go` parser) needs no baseline for the test census. Learnt from every
//! run and kept beside the records, so `SessionStart` computes ahead only what a Stop will use.

use std::collections::BTreeMap;
use std::path::Path;

use crate::git::blob_id;

/// The memo's file in the baseline directory.
pub const FILE_NAME: &str = "names-tests.json";

/// Gate definitions (by digest) and whether their runs named tests.
#[derive(Debug, Default)]
pub struct Memo {
    known: BTreeMap<String, bool>,
    changed: bool,
}

impl Memo {
    /// The memo on record (empty when there is none).
    pub fn load(dir: &Path) -> Memo {
        let known = std::fs::read(dir.join(FILE_NAME))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Memo {
            known,
            changed: false,
        }
    }

    /// Whether a gate with this definition named tests when it last ran (`None`: never seen).
    pub fn names_tests(&self, definition: &str) -> Option<bool> {
        self.known.get(&blob_id(definition.as_bytes())).copied()
    }

    /// Notes what a run of the gate showed.
    pub fn learn(&mut self, definition: &str, named_tests: bool) {
        let digest = blob_id(definition.as_bytes());
        if self.known.get(&digest) != Some(&named_tests) {
            self.known.insert(digest, named_tests);
            self.changed = true;
        }
    }

    /// Writes the memo if it learnt something (by rename).
    pub fn save(&self, dir: &Path) {
        if !self.changed || std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let temporary = dir.join(format!(".{FILE_NAME}.{}", std::process::id()));
        if let Ok(bytes) = serde_json::to_vec(&self.known)
            && std::fs::write(&temporary, bytes).is_ok()
            && std::fs::rename(&temporary, dir.join(FILE_NAME)).is_err()
        {
            let _ = std::fs::remove_file(&temporary);
        }
    }
}
