//! The result cache: a pass is stored under the git common dir, keyed by the gate's
//! definition, the backstop version, the gate's files and the content ids of its `inputs` in
//! the target. A hit starts no process. Failures are never stored.

use std::collections::HashMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::sync::Mutex;

use git2::Oid;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use crate::git::blob_id;
use crate::glob::GlobList;
use crate::plan::Job;

/// Entries kept at most; the oldest go first.
const MAX_ENTRIES: usize = 4000;
/// Entries older than this are dropped.
const MAX_AGE: Duration = Duration::from_hours(30 * 24);

/// A gate's view of the target: its cwd (relative to the root) and its `inputs`.
type DigestScope = (PathBuf, Option<Vec<String>>);

/// The cache of one run: where entries live and the target's content ids.
pub struct Cache {
    dir: PathBuf,
    root: PathBuf,
    contents: Vec<(PathBuf, Oid)>,
    environment: String,
    /// Digests of `contents` seen from a cwd through `inputs`, computed once per distinct pair:
    /// most gates share one, and hashing every id of a large tree per gate would cost more
    /// than the run.
    digests: Mutex<HashMap<DigestScope, String>>,
    /// Whether this run stored a pass, so pruning (a directory scan) runs once, at the end.
    stored: AtomicBool,
}

impl Cache {
    /// A cache under `<common_dir>/backstop/cache` for a target with these content ids and
    /// the environment every gate of the run gets.
    pub fn new(
        common_dir: &Path,
        root: &Path,
        contents: Vec<(PathBuf, Oid)>,
        environment: &[(OsString, OsString)],
    ) -> Cache {
        let environment = environment.iter().fold(String::new(), |mut text, (k, v)| {
            let _ = write!(text, "{}={}\0", k.to_string_lossy(), v.to_string_lossy());
            text
        });
        Cache {
            dir: directory(common_dir),
            root: root.to_path_buf(),
            contents,
            environment,
            digests: Mutex::new(HashMap::new()),
            stored: AtomicBool::new(false),
        }
    }

    /// The key of a job: what must be equal for an earlier pass to stand.
    pub fn key(&self, job: &Job) -> String {
        self.key_for_version(job, env!("CARGO_PKG_VERSION"))
    }

    fn key_for_version(&self, job: &Job, version: &str) -> String {
        let mut text = format!(
            "backstop {version}\n{}\n{}\n",
            job.definition, self.environment
        );
        for file in &job.files {
            text.push_str(&file.to_string_lossy());
            text.push('\0');
        }
        text.push('\n');
        let cwd = job.cwd.strip_prefix(&self.root).unwrap_or(Path::new(""));
        text.push_str(&self.contents_digest(cwd, job.inputs.as_ref()));
        blob_id(text.as_bytes())
    }

    /// The digest of the content ids a gate in `cwd` depends on: its `inputs`, relative to its
    /// cwd (as `files` are), or everything under the cwd.
    fn contents_digest(&self, cwd: &Path, inputs: Option<&Vec<String>>) -> String {
        let memo = (cwd.to_path_buf(), inputs.cloned());
        if let Some(digest) = self.digests.lock().ok().and_then(|d| d.get(&memo).cloned()) {
            return digest;
        }
        let globs = inputs.and_then(|patterns| GlobList::new(patterns).ok());
        let mut bytes = Vec::with_capacity(self.contents.len() * 64);
        for (path, id) in &self.contents {
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
        let digest = blob_id(&bytes);
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

    /// Records a pass (atomically: concurrent runs and worktrees share the directory).
    pub fn store(&self, key: &str) {
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let temporary = self.dir.join(format!(".{key}.{}", std::process::id()));
        if std::fs::write(&temporary, b"pass\n").is_ok()
            && std::fs::rename(&temporary, self.dir.join(key)).is_err()
        {
            let _ = std::fs::remove_file(&temporary);
        }
        self.stored.store(true, Ordering::Relaxed);
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

impl Drop for Cache {
    fn drop(&mut self) {
        if self.stored.load(Ordering::Relaxed) {
            self.prune();
        }
    }
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
        }
    }

    fn cache(contents: &[(&str, &str)], environment: &[(&str, &str)]) -> Cache {
        let contents = contents
            .iter()
            .map(|(p, id)| {
                (
                    PathBuf::from(p),
                    Oid::hash_object(git2::ObjectType::Blob, id.as_bytes()).unwrap(),
                )
            })
            .collect();
        let environment: Vec<(OsString, OsString)> = environment
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect();
        Cache::new(
            Path::new("/nonexistent/.git"),
            Path::new("/repo"),
            contents,
            &environment,
        )
    }

    #[test]
    fn the_key_covers_version_definition_environment_and_inputs() {
        let base = cache(&[("src/a.rs", "1"), ("README.md", "2")], &[]);
        let lint = job(r#"{"run":"lint"}"#, None);
        let key = base.key(&lint);
        assert_eq!(key, base.key(&lint), "the key is deterministic");
        assert_ne!(key, base.key_for_version(&lint, "0.0.0-other"));
        assert_ne!(key, base.key(&job(r#"{"run":"lint --strict"}"#, None)));
        assert_ne!(
            key,
            cache(&[("src/a.rs", "1"), ("README.md", "3")], &[]).key(&lint)
        );
        assert_ne!(
            key,
            cache(&[("src/a.rs", "1"), ("README.md", "2")], &[("CI", "1")]).key(&lint)
        );
        let mut other_files = job(r#"{"run":"lint"}"#, None);
        other_files.files.push(PathBuf::from("src/b.rs"));
        assert_ne!(key, base.key(&other_files));
    }

    #[test]
    fn inputs_narrow_what_the_key_covers() {
        let only_src = job(r#"{"run":"lint"}"#, Some(vec!["src/**".into()]));
        let before = cache(&[("src/a.rs", "1"), ("README.md", "2")], &[]).key(&only_src);
        let docs_changed = cache(&[("src/a.rs", "1"), ("README.md", "9")], &[]).key(&only_src);
        let source_changed = cache(&[("src/a.rs", "5"), ("README.md", "2")], &[]).key(&only_src);
        assert_eq!(before, docs_changed);
        assert_ne!(before, source_changed);
    }

    #[test]
    fn ages_read_like_a_person_would_say_them() {
        assert_eq!(age(Duration::from_secs(3)), "3s");
        assert_eq!(age(Duration::from_secs(150)), "2m");
        assert_eq!(age(Duration::from_secs(7300)), "2h");
        assert_eq!(age(Duration::from_secs(200_000)), "2d");
    }
}
