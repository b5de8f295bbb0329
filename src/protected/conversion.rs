//! Files git converts on their way to disk: line endings (`text`, `eol`, `crlf`,
//! `core.autocrlf`), `ident`, a `filter` driver, `working-tree-encoding`. git stores one set of
//! bytes and every checkout (a CI's fresh clone included) writes another; gates read the disk,
//! so a conversion can hide a violation or break a gate's own script (`eol=crlf` on a shell
//! script makes `grep` look for `src\r`). Each judged file whose bytes on disk (where the gates
//! read them) differ from what git stores, and that a conversion applies to, is a
//! `checkout-conversion` finding.
//!
//! Which files: those of the file set; every file of the target when a `.gitattributes` is
//! part of the change, or an attribute file outside the tree names a conversion (so an
//! attribute added for files the change does not touch is reported too). What git stores: the
//! target's blob; for a working-tree target, what `git add` would store. Nothing is read, and
//! no process started, when no attribute source that can apply names a conversion and
//! `core.autocrlf` is off.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::Scope;
use crate::finding::{FindingKind, FindingReport};
use crate::git::{ChangeKind, Contents, Oid, Repo, Side};

/// The attributes that make git convert a file between what it stores and the disk.
const CONVERTING: [&str; 6] = [
    "text",
    "eol",
    "crlf",
    "ident",
    "filter",
    "working-tree-encoding",
];
/// Words whose absence from every attribute file proves no attribute converts anything
/// (`binary` and `-text` turn conversion off, so they need not be looked for).
const WORDS: [&str; 6] = ["text", "eol", "crlf", "ident", "filter", "encoding"];
/// Attribute files larger than this are not read for the quick check (git reads them anyway,
/// so such a file always counts as naming a conversion).
const ATTRIBUTES_LIMIT: u64 = 1024 * 1024;

/// The `checkout-conversion` findings of the files this run judges.
pub fn findings(
    repo: &Repo,
    scope: &Scope<'_>,
    target: &Contents<'_>,
) -> Result<Vec<FindingReport>> {
    let autocrlf = repo.autocrlf();
    let Some(paths) = files_to_check(repo, scope, target, autocrlf.is_some())? else {
        return Ok(Vec::new());
    };
    let converted = converting(repo, scope, &paths, autocrlf.as_deref())?;
    let stored: Vec<Option<Oid>> = match scope.target {
        Side::WorkTree => {
            let paths: Vec<PathBuf> = converted.iter().map(|(p, _)| p.clone()).collect();
            repo.ids_as_git_would_store(scope.root, &paths)?
                .into_iter()
                .map(Some)
                .collect()
        }
        Side::Index | Side::Commit(_) => converted
            .iter()
            .map(|(path, _)| {
                target
                    .entry(path)
                    .filter(crate::git::Stored::is_regular)
                    .map(|e| blob_oid(&e.bytes))
            })
            .collect(),
    };
    let mut findings = Vec::new();
    for ((path, applying), stored) in converted.iter().zip(stored) {
        let Some(stored) = stored else { continue };
        let Ok(read) = crate::git::blob_id_of_file(&scope.root.join(path)) else {
            continue;
        };
        if read == stored.to_string() {
            continue;
        }
        let file = path.to_string_lossy().into_owned();
        let applying = applying.join(", ");
        findings.push(FindingReport {
            kind: FindingKind::CheckoutConversion,
            why: format!(
                "git converts {file} on its way to disk ({applying}), so the gates read other bytes than git stores (blob {} on disk, {} in git)",
                &read[..12.min(read.len())],
                &stored.to_string()[..12]
            ),
            // An approval covers these bytes with these attributes, never a later change.
            identity: crate::git::blob_id(
                format!("checkout-conversion\n{file}\n{applying}\n{stored}\n{read}").as_bytes(),
            ),
            file,
            base_line: None,
            target_line: None,
            removed: Vec::new(),
            added: Vec::new(),
        });
    }
    Ok(findings)
}

/// The files to look at: the file set, or every file of the target when attributes changed
/// (or an attribute file outside the tree names a conversion); `None` when no attribute
/// source that can apply names a conversion and `core.autocrlf` is off.
fn files_to_check(
    repo: &Repo,
    scope: &Scope<'_>,
    target: &Contents<'_>,
    autocrlf: bool,
) -> Result<Option<Vec<PathBuf>>> {
    let mentions = |bytes: &[u8]| {
        WORDS
            .iter()
            .any(|word| bytes.windows(word.len()).any(|w| w == word.as_bytes()))
    };
    let on_disk = |path: &Path| match crate::fsio::read_regular(path, ATTRIBUTES_LIMIT) {
        Ok(bytes) => Ok(mentions(&bytes)),
        Err(e) if e.is_not_found() => Ok(false),
        // git would block on a FIFO too: say so rather than start it.
        Err(e @ crate::fsio::ReadError::NotRegular { .. }) => Err(anyhow::Error::new(e)),
        // Too large or unreadable here: git may still read it, so it counts.
        Err(_) => Ok(true),
    };
    let mut outside = false;
    for file in repo.attribute_files_outside_the_tree() {
        outside |= on_disk(&file)?;
    }
    let present: Vec<&PathBuf> = scope
        .changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Deleted && !c.submodule)
        .map(|c| &c.path)
        .collect();
    // `.gitattributes` files that can apply to a changed file: in its directory or above.
    let mut dirs: BTreeSet<&Path> = BTreeSet::new();
    dirs.insert(Path::new(""));
    for path in &present {
        dirs.extend(path.ancestors().skip(1));
    }
    let in_tree = |dir: &Path| {
        let file = dir.join(".gitattributes");
        let stored = target.read(&file).is_some_and(|b| mentions(&b));
        // The attribute files where the gates read (untracked or unstaged ones included)
        // apply to what git adds and checks out there.
        stored || on_disk(&scope.root.join(&file)).unwrap_or(true)
    };
    let changed_attributes = scope.changes.iter().any(|c| {
        c.path.file_name().is_some_and(|n| n == ".gitattributes")
            && (in_tree(c.path.parent().unwrap_or(Path::new(""))) || autocrlf)
    });
    let everything = outside || changed_attributes;
    if !everything && !autocrlf && !dirs.iter().any(|dir| in_tree(dir)) {
        return Ok(None);
    }
    let paths: Vec<PathBuf> = if everything {
        let mut all = match scope.target {
            Side::Commit(commit) => repo.tracked_in_commit(commit)?,
            Side::Index => repo.tracked(false)?,
            Side::WorkTree => repo.tracked(true)?,
        }
        .changes
        .into_iter()
        .filter(|c| !c.submodule)
        .map(|c| c.path)
        .collect::<Vec<_>>();
        all.extend(present.iter().map(|p| (*p).clone()));
        all.sort();
        all.dedup();
        all
    } else {
        present.iter().map(|p| (*p).clone()).collect()
    };
    Ok(Some(paths))
}

/// The regular files among `paths` (on disk where the gates read) that a conversion applies
/// to, each with the attributes (or `core.autocrlf`) that make it.
fn converting(
    repo: &Repo,
    scope: &Scope<'_>,
    paths: &[PathBuf],
    autocrlf: Option<&str>,
) -> Result<Vec<(PathBuf, Vec<String>)>> {
    let mut converted: Vec<(PathBuf, Vec<String>)> = repo
        .attributes_in(scope.root, &CONVERTING, paths)?
        .into_iter()
        .filter_map(|(path, found)| {
            let applying: Vec<String> = found
                .into_iter()
                .filter(|(name, value)| !(name == "working-tree-encoding" && is_utf8(value)))
                .map(|(name, value)| match value.as_str() {
                    "set" => name,
                    _ => format!("{name}={value}"),
                })
                .collect();
            (!applying.is_empty()).then_some((path, applying))
        })
        .collect();
    if let Some(value) = autocrlf {
        let named: BTreeSet<PathBuf> = converted.iter().map(|(p, _)| p.clone()).collect();
        converted.extend(
            paths
                .iter()
                .filter(|p| !named.contains(*p))
                .map(|p| (p.clone(), Vec::new())),
        );
        for (_, applying) in &mut converted {
            applying.push(format!("core.autocrlf={value}"));
        }
    }
    // What the gates read: the regular files on disk where they run.
    converted.retain(|(path, _)| {
        std::fs::symlink_metadata(scope.root.join(path)).is_ok_and(|m| m.file_type().is_file())
    });
    Ok(converted)
}

/// Whether an encoding name is UTF-8 (no re-encoding then).
fn is_utf8(encoding: &str) -> bool {
    encoding.to_ascii_lowercase().replace(['-', '_'], "") == "utf8"
}

/// The blob id of bytes, as git computes it.
fn blob_oid(bytes: &[u8]) -> Oid {
    Oid::from_str(&crate::git::blob_id(bytes)).unwrap_or(Oid::ZERO_SHA1)
}
