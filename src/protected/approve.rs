//! Approvals: a person looks at the findings and approves them; their fingerprints are kept
//! under the git common dir, shared by every worktree, and an approved finding passes.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::finding::FindingReport;
use crate::git::{Repo, blob_id};

/// A finding's identity: what changed and where, not on which line it now sits.
pub fn fingerprint(finding: &FindingReport) -> String {
    if !finding.identity.is_empty() {
        return finding.identity.clone();
    }
    let text = format!(
        "{:?}\n{}\n{}\n{}\n{}",
        finding.kind,
        finding.file,
        finding.why,
        finding.removed.join("\n"),
        finding.added.join("\n")
    );
    blob_id(text.as_bytes())
}

fn store(repo: &Repo) -> PathBuf {
    repo.common_dir().join("backstop").join("approved.json")
}

/// The approved fingerprints.
pub fn approved(repo: &Repo) -> BTreeSet<String> {
    // State under .git an agent can write: never a FIFO or an endless file.
    crate::fsio::read_regular(&store(repo), 64 * 1024 * 1024)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Records the findings' fingerprints as approved; returns how many were new.
pub fn approve(repo: &Repo, findings: &[FindingReport]) -> Result<usize> {
    let mut all = approved(repo);
    let before = all.len();
    all.extend(findings.iter().map(fingerprint));
    let path = store(repo);
    std::fs::create_dir_all(path.parent().context("the store has a directory")?)?;
    crate::fsio::write_replacing(&path, &serde_json::to_vec_pretty(&all)?, None)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(all.len() - before)
}
