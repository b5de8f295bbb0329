//! Writing large index versions into the worktree without holding them in memory: libgit2's
//! checkout reads a whole blob (and, for a loose object, maps its compressed file) before it
//! writes, so a 200 MB file set aside cost 400 MB. Large regular files that no checkout filter
//! applies to are streamed from `git cat-file blob` (which streams too) into a temporary beside
//! the target, renamed over it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use git2::{AttrCheckFlags, AttrValue, Index};

use super::Repo;

/// Blobs at least this large are streamed; smaller ones are written by libgit2's checkout.
const STREAM_FROM: usize = 8 * 1024 * 1024;

impl Repo {
    /// Splits `paths` into those to stream (large regular files in `index` that no filter
    /// converts, as libgit2 would write them byte for byte) and the rest.
    pub(super) fn streamable(
        &self,
        index: &Index,
        paths: &[PathBuf],
    ) -> (Vec<(PathBuf, git2::Oid, u32)>, Vec<PathBuf>) {
        let mut streamed = Vec::new();
        let mut rest = Vec::new();
        let autocrlf = self
            .inner
            .config()
            .ok()
            .and_then(|c| c.get_bool("core.autocrlf").ok())
            .unwrap_or(false);
        let odb = self.inner.odb().ok();
        for path in paths {
            let candidate = index.get_path(path, 0).filter(|entry| {
                matches!(entry.mode, 0o100_644 | 0o100_755)
                    && !autocrlf
                    && odb
                        .as_ref()
                        .and_then(|o| o.read_header(entry.id).ok())
                        .is_some_and(|(size, _)| size >= STREAM_FROM)
                    && ["text", "eol", "crlf", "ident"].iter().all(|name| {
                        self.inner
                            .get_attr_bytes(path, name, AttrCheckFlags::FILE_THEN_INDEX)
                            .map(AttrValue::from_bytes)
                            .is_ok_and(|v| matches!(v, AttrValue::Unspecified | AttrValue::False))
                    })
            });
            match candidate {
                Some(entry) => streamed.push((path.clone(), entry.id, entry.mode)),
                None => rest.push(path.clone()),
            }
        }
        (streamed, rest)
    }

    /// Writes blob `id` to `path` with `mode`, streamed through `git cat-file`.
    pub(super) fn stream_blob(&self, id: git2::Oid, path: &Path, mode: u32) -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let full = self.root().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let mut child = std::process::Command::new("git")
            .args(["cat-file", "blob", &id.to_string()])
            .current_dir(self.root())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .context("cannot run git cat-file")?;
        let mut temporary = crate::fsio::temporary_beside(&full)
            .with_context(|| format!("cannot write beside {}", full.display()))?;
        let mut stdout = child.stdout.take().context("git cat-file has a stdout")?;
        let copied = std::io::copy(&mut stdout, &mut temporary);
        let output = child.wait_with_output()?;
        copied.with_context(|| format!("cannot write {}", full.display()))?;
        crate::fsio::failpoint("kill-while-streaming");
        if !output.status.success() {
            bail!(
                "git cat-file blob {id} failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        temporary
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode & 0o777))?;
        // A symlink at the path is replaced, never written through.
        if std::fs::symlink_metadata(&full).is_ok_and(|m| m.file_type().is_symlink()) {
            std::fs::remove_file(&full)?;
        }
        temporary
            .persist(&full)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", full.display()))?;
        Ok(())
    }
}
