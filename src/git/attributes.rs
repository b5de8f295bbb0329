//! gitattributes as git itself reads them (`git check-attr`): which attribute applies to which
//! path, with every source git uses (`.gitattributes` files of the tree, macros,
//! `info/attributes`, `core.attributesFile`, the system file).

use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use git2::Oid;

use super::Repo;

/// A path and the attributes set for it, as (name, value) pairs.
pub type PathAttributes = (PathBuf, Vec<(String, String)>);

/// Runs `command` with `input` on its stdin (written from a thread, so a large input cannot
/// block against a full stdout) and returns its stdout; a failure is an error with its stderr.
fn with_input(mut command: std::process::Command, input: Vec<u8>, what: &str) -> Result<Vec<u8>> {
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {what}"))?;
    let mut stdin = child.stdin.take().context("a piped stdin")?;
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child
        .wait_with_output()
        .with_context(|| format!("cannot run {what}"))?;
    let _ = writer.join();
    if !output.status.success() {
        bail!(
            "{what} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}

impl Repo {
    /// The attributes of `names` that apply to each of `paths`, as git reads them in the
    /// worktree at `dir` (its `.gitattributes` files and index, macros, `info/attributes`,
    /// `core.attributesFile`, the system file): for each path that has any, the ones that are
    /// set (`set`, or a value such as `crlf`, `UTF-16LE`, `auto`), never `unspecified` or
    /// `unset`.
    pub fn attributes_in(
        &self,
        dir: &Path,
        names: &[&str],
        paths: &[PathBuf],
    ) -> Result<Vec<PathAttributes>> {
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        let mut input = Vec::new();
        for path in paths {
            input.extend_from_slice(path.as_os_str().as_bytes());
            input.push(0);
        }
        let mut command = std::process::Command::new("git");
        command
            .args(["check-attr", "-z", "--stdin"])
            .args(names)
            .current_dir(dir);
        let stdout = with_input(command, input, "git check-attr")?;
        // `<path> NUL <attribute> NUL <info> NUL`, repeated, in input order.
        let fields: Vec<&[u8]> = stdout.split(|b| *b == 0).collect();
        let mut found: Vec<PathAttributes> = Vec::new();
        for chunk in fields.chunks(3).filter(|c| c.len() == 3) {
            if matches!(chunk[2], b"unspecified" | b"unset") {
                continue;
            }
            let path = PathBuf::from(std::ffi::OsString::from_vec(chunk[0].to_vec()));
            let pair = (
                String::from_utf8_lossy(chunk[1]).into_owned(),
                String::from_utf8_lossy(chunk[2]).into_owned(),
            );
            match found.last_mut() {
                Some((last, pairs)) if *last == path => pairs.push(pair),
                _ => found.push((path, vec![pair])),
            }
        }
        Ok(found)
    }

    /// The blob id `git add` would store for each of `paths` in the worktree at `dir`, with
    /// every conversion its attributes and config ask for (`git hash-object --stdin-paths`).
    pub fn ids_as_git_would_store(&self, dir: &Path, paths: &[PathBuf]) -> Result<Vec<Oid>> {
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        let mut input = Vec::new();
        for path in paths {
            let bytes = path.as_os_str().as_bytes();
            if bytes.contains(&b'\n') {
                bail!("{} has a newline in its name", path.display());
            }
            input.extend_from_slice(bytes);
            input.push(b'\n');
        }
        let mut command = std::process::Command::new("git");
        command
            .args(["hash-object", "--stdin-paths"])
            .current_dir(dir);
        let stdout = with_input(command, input, "git hash-object")?;
        let ids: Vec<Oid> = String::from_utf8_lossy(&stdout)
            .lines()
            .map(Oid::from_str)
            .collect::<std::result::Result<_, _>>()
            .context("git hash-object printed something other than ids")?;
        if ids.len() != paths.len() {
            bail!(
                "git hash-object printed {} ids for {} paths",
                ids.len(),
                paths.len()
            );
        }
        Ok(ids)
    }

    /// Whether `core.autocrlf` converts line endings here (`true` or `input`).
    pub fn autocrlf(&self) -> Option<String> {
        let config = self.inner.config().ok()?;
        let value = config.get_string("core.autocrlf").ok()?;
        let value = value.to_ascii_lowercase();
        matches!(value.as_str(), "true" | "yes" | "on" | "1" | "input").then_some(value)
    }

    /// The attribute files outside the tree that git reads: `info/attributes` of the common
    /// dir, `core.attributesFile` (or its XDG default) and the system file. Not all exist.
    pub fn attribute_files_outside_the_tree(&self) -> Vec<PathBuf> {
        let mut files = vec![self.common_dir().join("info").join("attributes")];
        let configured = self
            .inner
            .config()
            .ok()
            .and_then(|c| c.get_path("core.attributesFile").ok());
        if let Some(path) = configured {
            files.push(path);
        } else {
            let xdg = std::env::var_os("XDG_CONFIG_HOME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
            files.extend(xdg.map(|dir| dir.join("git").join("attributes")));
        }
        if std::env::var_os("GIT_ATTR_NOSYSTEM").is_none() {
            files.push(PathBuf::from("/etc/gitattributes"));
        }
        files
    }
}
