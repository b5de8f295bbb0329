//! The result cache: a pass is stored under the git common dir, keyed by the gate's
//! definition, the backstop version, the gate's files and the content ids of its `inputs` in
//! the target. A hit starts no process. Failures are never stored.

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::sync::Mutex;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::git::{Oid, blob_id};
use crate::glob::GlobList;
use crate::plan::CacheScope;
use crate::test_result::TestRun;

/// Entries kept at most; the oldest go first.
const MAX_ENTRIES: usize = 4000;
/// Entries older than this are dropped.
const MAX_AGE: Duration = Duration::from_hours(30 * 24);

/// A gate's view of the target: its cwd (relative to its root) and its `inputs`.
type DigestScope = (PathBuf, Option<Vec<String>>);

/// The content of what a run's gates see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenContents {
    /// One digest of the whole content: what a gate without `inputs` depends on.
    pub whole: String,
    /// Every file with its content id, sorted by path bytes, when a gate has `inputs` (for
    /// the others, building it would cost more than the run: 100,000 paths in a large repo).
    pub files: Option<Vec<(PathBuf, Oid)>>,
}

impl SeenContents {
    /// The contents of this list of files, with its digest as the whole.
    pub fn listed(files: Vec<(PathBuf, Oid)>) -> SeenContents {
        SeenContents {
            whole: digest_of(&files, Path::new(""), None),
            files: Some(files),
        }
    }
}

/// The cache of one run: where entries live, the content of what the gates see, and what
/// else every gate of the run shares (trigger, base, who asked, environment).
pub struct Cache {
    dir: PathBuf,
    contents: SeenContents,
    run_context: Vec<u8>,
    /// Digests of `contents` seen from a cwd through `inputs`, computed once per distinct pair:
    /// most gates share one, and hashing every id of a large tree per gate would cost more
    /// than the run.
    digests: Mutex<HashMap<DigestScope, String>>,
    /// Passes of this run, how long each gate took and what each entry holds, written only
    /// once [`Cache::commit`] has seen that the content the gates judged did not change while
    /// they ran.
    pending: Mutex<Vec<(String, Duration, Vec<u8>)>>,
}

impl Cache {
    /// A cache under `<common_dir>/backstop/cache` for a target with these content ids.
    /// `run_context` is everything else a gate's verdict may depend on that all gates of the
    /// run share: trigger, base, whether a hook or a person asked, the extra environment.
    pub fn new(common_dir: &Path, contents: SeenContents, run_context: Vec<u8>) -> Cache {
        Cache {
            dir: directory(common_dir),
            contents,
            run_context,
            digests: Mutex::new(HashMap::new()),
            pending: Mutex::new(Vec::new()),
        }
    }

    /// The key of a gate: what must be equal for an earlier pass to stand.
    pub fn key(&self, scope: CacheScope<'_>) -> String {
        self.key_for_version(scope, env!("CARGO_PKG_VERSION"))
    }

    fn key_for_version(&self, scope: CacheScope<'_>, version: &str) -> String {
        let mut text = format!("backstop {version}\n{}\n", scope.definition).into_bytes();
        text.extend_from_slice(&self.run_context);
        text.push(b'\n');
        for file in scope.files {
            text.extend_from_slice(file.as_os_str().as_bytes());
            text.push(0);
        }
        text.push(b'\n');
        if scope.tree {
            text.extend_from_slice(self.contents_digest(scope.cwd, scope.inputs).as_bytes());
        }
        blob_id(&text)
    }

    /// The digest of the content ids a gate depends on: its `inputs` (relative to its cwd, as
    /// `files` are), or, without `inputs`, the whole target (a gate may read outside its cwd).
    fn contents_digest(&self, cwd: &Path, inputs: Option<&Vec<String>>) -> String {
        // Without the list of files, the whole content stands in for any part of it: a
        // change elsewhere runs the gate again, a change of its inputs always does.
        let (Some(inputs), Some(files)) = (inputs, &self.contents.files) else {
            return self.contents.whole.clone();
        };
        let memo = (cwd.to_path_buf(), Some(inputs.clone()));
        if let Some(digest) = self.digests.lock().ok().and_then(|d| d.get(&memo).cloned()) {
            return digest;
        }
        let digest = digest_of(files, cwd, Some(inputs));
        if let Ok(mut digests) = self.digests.lock() {
            digests.insert(memo, digest.clone());
        }
        digest
    }

    /// How long ago the pass with this key was stored, if it was.
    pub fn hit(&self, key: &str) -> Option<Duration> {
        let modified = std::fs::metadata(self.dir.join(key))
            .ok()?
            .modified()
            .ok()?;
        let age = SystemTime::now()
            .duration_since(modified)
            .unwrap_or_default();
        (age < MAX_AGE).then_some(age)
    }

    /// Notes a pass, how long its gate took and the tests it ran (a later hit answers the
    /// test census with them); it is written by [`Cache::commit`].
    pub fn store(&self, key: &str, took: Duration, tests: Option<&TestRun>) {
        let mut entry = b"pass\n".to_vec();
        if let Some(tests) = tests
            && let Ok(json) = serde_json::to_vec(tests)
        {
            entry.extend(json);
        }
        if let Ok(mut pending) = self.pending.lock() {
            pending.push((key.to_owned(), took, entry));
        }
    }

    /// Forgets the passes of gates that took less than `check`, what checking that nothing
    /// changed while they ran would cost: running such a gate again is cheaper than its entry.
    pub fn drop_cheaper_than(&self, check: Duration) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.retain(|(_, took, _)| *took >= check);
        }
    }

    /// The tests the pass stored under this key ran, if it named any.
    pub fn tests(&self, key: &str) -> Option<TestRun> {
        let entry = std::fs::read(self.dir.join(key)).ok()?;
        serde_json::from_slice(entry.strip_prefix(b"pass\n")?).ok()
    }

    /// Whether this run has passes to write.
    pub fn has_pending(&self) -> bool {
        self.pending.lock().is_ok_and(|p| !p.is_empty())
    }

    /// Writes this run's passes if the content the gates judged is still `contents_now` (an
    /// edit made while a gate ran was judged by the gate, not by the key); then prunes.
    /// Entries are written by rename: concurrent runs and worktrees share the directory.
    pub fn commit(&self, contents_now: &SeenContents) {
        let pending = std::mem::take(
            &mut *self
                .pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if pending.is_empty() || *contents_now != self.contents {
            return;
        }
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        for (key, _, entry) in pending {
            let temporary = self.dir.join(format!(".{key}.{}", std::process::id()));
            if std::fs::write(&temporary, entry).is_ok()
                && std::fs::rename(&temporary, self.dir.join(&key)).is_err()
            {
                let _ = std::fs::remove_file(&temporary);
            }
        }
        self.prune();
    }

    /// Drops entries past [`MAX_AGE`] (and temporary files a crash left), then the oldest
    /// beyond [`MAX_ENTRIES`].
    fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut all: Vec<(SystemTime, PathBuf)> = entries
            .flatten()
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
        if all.len() <= MAX_ENTRIES {
            return;
        }
        all.sort();
        let excess = all.len() - MAX_ENTRIES * 3 / 4;
        for (_, path) in all.into_iter().take(excess) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The digest of the files' ids seen from `cwd` through `inputs` (all files without them).
fn digest_of(files: &[(PathBuf, Oid)], cwd: &Path, inputs: Option<&Vec<String>>) -> String {
    let globs = inputs.and_then(|patterns| GlobList::new(patterns).ok());
    let mut bytes = Vec::with_capacity(files.len() * 64);
    for (path, id) in files {
        let relative = if cwd.as_os_str().is_empty() {
            path.as_path()
        } else {
            match path.strip_prefix(cwd) {
                Ok(relative) => relative,
                Err(_) => continue,
            }
        };
        if globs.as_ref().is_none_or(|g| g.is_match(relative)) {
            bytes.extend_from_slice(relative.as_os_str().as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(id.as_bytes());
        }
    }
    blob_id(&bytes)
}

fn directory(common_dir: &Path) -> PathBuf {
    common_dir.join("backstop").join("cache")
}

/// `backstop cache clear`: forgets every stored pass; returns how many there were.
pub fn clear(common_dir: &Path) -> std::io::Result<usize> {
    let dir = directory(common_dir);
    let count = std::fs::read_dir(&dir).map_or(0, Iterator::count);
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(count),
    }
}

/// "3s", "4m", "2h": how old a cached pass is, for the display.
pub fn age(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        3600..86_400 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Job;

    fn job(definition: &str, inputs: Option<Vec<String>>) -> Job {
        Job {
            name: "lint".into(),
            run: "lint".into(),
            fix: None,
            fix_first: false,
            root: PathBuf::from("/repo"),
            cwd: PathBuf::from("/repo"),
            files: vec![PathBuf::from("src/a.rs")],
            pass_files: true,
            env: Vec::new(),
            timeout: Duration::from_mins(1),
            parser: None,
            pattern: None,
            report: None,
            definition: definition.into(),
            inputs,
            only_new: false,
            builtin: None,
        }
    }

    fn ids(contents: &[(&str, &str)]) -> Vec<(PathBuf, Oid)> {
        contents
            .iter()
            .map(|(p, text)| {
                let id = Oid::from_str(&blob_id(text.as_bytes())).unwrap();
                (PathBuf::from(p), id)
            })
            .collect()
    }

    fn cache(contents: &[(&str, &str)], run_context: &str) -> Cache {
        Cache::new(
            Path::new("/nonexistent/.git"),
            SeenContents::listed(ids(contents)),
            run_context.as_bytes().to_vec(),
        )
    }

    #[test]
    fn the_key_covers_version_definition_environment_and_inputs() {
        let base = cache(&[("src/a.rs", "1"), ("README.md", "2")], "stop");
        let lint = job(r#"{"run":"lint"}"#, None);
        let key = base.key(lint.cache_scope());
        assert_eq!(
            key,
            base.key(lint.cache_scope()),
            "the key is deterministic"
        );
        assert_ne!(key, base.key_for_version(lint.cache_scope(), "0.0.0-other"));
        assert_ne!(
            key,
            base.key(job(r#"{"run":"lint --strict"}"#, None).cache_scope())
        );
        assert_ne!(
            key,
            cache(&[("src/a.rs", "1"), ("README.md", "3")], "stop").key(lint.cache_scope())
        );
        assert_ne!(
            key,
            cache(&[("src/a.rs", "1"), ("README.md", "2")], "pre-push").key(lint.cache_scope())
        );
        let mut other_files = job(r#"{"run":"lint"}"#, None);
        other_files.files.push(PathBuf::from("src/b.rs"));
        assert_ne!(key, base.key(other_files.cache_scope()));
    }

    #[test]
    fn inputs_narrow_what_the_key_covers() {
        let only_src = job(r#"{"run":"lint"}"#, Some(vec!["src/**".into()]));
        let before =
            cache(&[("src/a.rs", "1"), ("README.md", "2")], "stop").key(only_src.cache_scope());
        let docs_changed =
            cache(&[("src/a.rs", "1"), ("README.md", "9")], "stop").key(only_src.cache_scope());
        let source_changed =
            cache(&[("src/a.rs", "5"), ("README.md", "2")], "stop").key(only_src.cache_scope());
        assert_eq!(before, docs_changed);
        assert_ne!(before, source_changed);
    }

    #[test]
    fn without_the_file_list_inputs_fall_back_to_the_whole_content() {
        let only_src = job(r#"{"run":"lint"}"#, Some(vec!["src/**".into()]));
        let whole = |digest: &str| {
            Cache::new(
                Path::new("/nonexistent/.git"),
                SeenContents {
                    whole: digest.to_owned(),
                    files: None,
                },
                b"stop".to_vec(),
            )
            .key(only_src.cache_scope())
        };
        assert_eq!(whole("one"), whole("one"));
        assert_ne!(
            whole("one"),
            whole("two"),
            "any change of the whole content counts"
        );
    }

    #[test]
    fn a_gate_with_a_cwd_and_no_inputs_depends_on_the_whole_tree() {
        let mut web = job(r#"{"run":"lint","cwd":"web"}"#, None);
        web.cwd = PathBuf::from("/repo/web");
        let before =
            cache(&[("web/a.ts", "1"), ("shared/lib.ts", "2")], "stop").key(web.cache_scope());
        let shared_changed =
            cache(&[("web/a.ts", "1"), ("shared/lib.ts", "3")], "stop").key(web.cache_scope());
        assert_ne!(before, shared_changed);
    }

    #[test]
    fn passes_are_written_only_if_the_content_did_not_change_while_gates_ran() {
        let dir = tempfile::tempdir().unwrap();
        let contents = SeenContents::listed(ids(&[("src/a.rs", "1")]));
        let cache = Cache::new(dir.path(), contents.clone(), b"stop".to_vec());
        cache.store("k1", Duration::from_millis(5), None);
        cache.commit(&SeenContents::listed(ids(&[(
            "src/a.rs",
            "edited meanwhile",
        )])));
        assert!(
            cache.hit("k1").is_none(),
            "an edit during the run voids its passes"
        );
        let cache = Cache::new(dir.path(), contents.clone(), b"stop".to_vec());
        let tests = TestRun::new(
            vec![crate::test_result::TestResult {
                id: "t".into(),
                file: None,
                status: crate::test_result::TestStatus::Passed,
            }],
            true,
        );
        cache.store("k2", Duration::from_millis(5), Some(&tests));
        cache.commit(&contents);
        assert!(cache.hit("k2").is_some());
        assert_eq!(
            cache.tests("k2"),
            Some(tests),
            "a hit keeps the tests of its pass"
        );
        let leftovers: Vec<_> = std::fs::read_dir(directory(dir.path()))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn ages_read_like_a_person_would_say_them() {
        assert_eq!(age(Duration::from_secs(3)), "3s");
        assert_eq!(age(Duration::from_secs(150)), "2m");
        assert_eq!(age(Duration::from_secs(7300)), "2h");
        assert_eq!(age(Duration::from_secs(200_000)), "2d");
    }
}
