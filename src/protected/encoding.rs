//! Files git writes to disk re-encoded: with `working-tree-encoding` (from `.gitattributes`,
//! `.git/info/attributes`, the global or system attributes, directly or through a macro) git
//! stores UTF-8 but every checkout, a CI's fresh clone included, writes the file as UTF-16 or
//! another encoding. Gates read the disk, so a violation hidden that way would pass every
//! trigger; each such file the run judges is a `checkout-encoding` finding instead.
//!
//! Which files: those of the file set; every file of the target when a changed
//! `.gitattributes`, or an attribute file outside the tree, names the attribute (so an attribute
//! added for files the change does not touch is reported too). Nothing is looked up, and no
//! process started, when no attribute file that can apply mentions it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::Scope;
use crate::finding::{FindingKind, FindingReport};
use crate::git::{ChangeKind, Contents, Repo, Side};

const ATTRIBUTE: &str = "working-tree-encoding";
/// Attribute files larger than this are not read for the quick check (git reads them anyway,
/// so such a file always counts as naming the attribute).
const ATTRIBUTES_LIMIT: u64 = 1024 * 1024;

/// The `checkout-encoding` findings of the files this run judges.
pub fn findings(
    repo: &Repo,
    scope: &Scope<'_>,
    target: &Contents<'_>,
) -> Result<Vec<FindingReport>> {
    let mentions = |bytes: &[u8]| {
        bytes
            .windows(ATTRIBUTE.len())
            .any(|w| w == ATTRIBUTE.as_bytes())
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
        // Untracked or unstaged attribute files apply to what git adds and checks out here.
        stored
            || (!matches!(scope.target, Side::Commit(_))
                && on_disk(&repo.root().join(&file)).unwrap_or(true))
    };
    let changed_attributes = present.iter().any(|p| {
        p.file_name().is_some_and(|n| n == ".gitattributes")
            && in_tree(p.parent().unwrap_or(Path::new("")))
    });
    let everything = outside || changed_attributes;
    if !everything && !dirs.iter().any(|dir| in_tree(dir)) {
        return Ok(Vec::new());
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
    // A commit that is not checked out here (a push judged in a temporary worktree) is read
    // with `--source` (git 2.40 or later); HEAD (ci, a push in place) from the checkout.
    let source = match scope.target {
        Side::Commit(commit) if repo.head() != Some(commit) => Some(commit),
        Side::Commit(_) | Side::Index | Side::WorkTree => None,
    };
    let mut findings = Vec::new();
    for (path, encoding) in repo.attribute_values(ATTRIBUTE, &paths, source)? {
        let normalised = encoding.to_ascii_lowercase().replace(['-', '_'], "");
        if normalised == "utf8" {
            continue;
        }
        let content = target
            .read(&path)
            .map(|b| crate::git::blob_id(&b))
            .unwrap_or_default();
        let file = path.to_string_lossy().into_owned();
        findings.push(FindingReport {
            kind: FindingKind::CheckoutEncoding,
            why: format!(
                "git stores {file} as UTF-8 but writes it to disk as {encoding} (working-tree-encoding), so the gates would judge other bytes than git stores"
            ),
            // An approval covers this content with this encoding, never a later change.
            identity: crate::git::blob_id(
                format!("checkout-encoding\n{file}\n{encoding}\n{content}").as_bytes(),
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
