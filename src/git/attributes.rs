//! gitattributes as git itself reads them (`git check-attr`): which attribute applies to which
//! path, with every source git uses (`.gitattributes` files of the tree, macros,
//! `info/attributes`, `core.attributesFile`, the system file).

use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use git2::Oid;

use super::Repo;

impl Repo {
    /// The value of attribute `name` for each path that has one (not `unspecified`, `unset` or
    /// a bare `set`), reading `.gitattributes` from `source`'s tree when given (a commit not
    /// checked out here), else from the worktree and the index, as a checkout here would.
    pub fn attribute_values(
        &self,
        name: &str,
        paths: &[PathBuf],
        source: Option<Oid>,
    ) -> Result<Vec<(PathBuf, String)>> {
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        let mut command = std::process::Command::new("git");
        command.arg("check-attr").arg("-z").arg("--stdin");
        if let Some(commit) = source {
            command.arg(format!("--source={commit}"));
        }
        let mut child = command
            .arg(name)
            .current_dir(self.root())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .context("cannot run git check-attr")?;
        let mut input = Vec::new();
        for path in paths {
            input.extend_from_slice(path.as_os_str().as_bytes());
            input.push(0);
        }
        let mut stdin = child.stdin.take().context("git check-attr has a stdin")?;
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let output = child
            .wait_with_output()
            .context("cannot run git check-attr")?;
        let _ = writer.join();
        if !output.status.success() {
            bail!(
                "git check-attr failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        // `<path> NUL <attribute> NUL <info> NUL`, repeated.
        let fields: Vec<&[u8]> = output.stdout.split(|b| *b == 0).collect();
        Ok(fields
            .chunks(3)
            .filter(|c| c.len() == 3)
            .filter(|c| !matches!(c[2], b"unspecified" | b"unset" | b"set"))
            .map(|c| {
                (
                    PathBuf::from(std::ffi::OsString::from_vec(c[0].to_vec())),
                    String::from_utf8_lossy(c[2]).into_owned(),
                )
            })
            .collect())
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
