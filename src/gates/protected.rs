//! The built-in protected gate as a gate: runs the analysis of [`crate::protected`], applies the
//! approvals on record and `--allow-protected`, and returns an outcome like any other gate.

use std::time::Instant;

use super::{GateOutcome, GateStatus};
use crate::git::{Repo, Side, blob_id};
use crate::plan::ProtectJob;
use crate::protected::{self, approve};

/// Runs the protected gate; its unapproved findings travel in the outcome.
pub fn run(repo: &Repo, job: &ProtectJob) -> GateOutcome {
    let started = Instant::now();
    let mut outcome = match protected::run(repo, &job.scope()) {
        Err(error) => GateOutcome::error(format!("{error:#}")),
        Ok(all) => {
            let total = all.len();
            let open: Vec<_> = all
                .into_iter()
                .filter(|f| !job.approved.contains(&approve::fingerprint(f)))
                .collect();
            let settled = total - open.len();
            let mut outcome = GateOutcome::skipped("");
            outcome.output = Some(protected::describe(&open));
            outcome.reason = (settled > 0).then(|| format!("{settled} approved finding(s)"));
            outcome.status = if open.is_empty() {
                GateStatus::Passed
            } else if job.allow {
                outcome.reason = Some(format!(
                    "{} finding(s) allowed by --allow-protected",
                    open.len()
                ));
                GateStatus::Passed
            } else {
                let text = outcome.output.take().unwrap_or_default();
                outcome.output = Some(format!(
                    "{text}These change or remove tests or protected files. Fix the code, not the tests; \
                     if the change is intended, a person approves it with `backstop approve`.\n"
                ));
                GateStatus::Failed
            };
            outcome.findings = open;
            outcome
        }
    };
    outcome.duration = started.elapsed();
    outcome
}

/// What the gate reads of its target, as text for the cache key: every changed path with its
/// kind, mode and the id of its bytes, and for a symlink what it leads to where the gates read
/// (its finding names that). A commit target's content is named by its id in the definition
/// already; only its links are added.
pub fn read_fingerprint(repo: &Repo, job: &ProtectJob) -> Option<String> {
    let contents = repo.contents(job.target).ok()?;
    let commit = matches!(job.target, Side::Commit(_));
    let mut text = String::new();
    for change in &job.changes {
        let entry = contents.entry(&change.path);
        // A link's finding names what it leads to where the gates read, whatever the target.
        let leads_to = entry
            .as_ref()
            .filter(|e| e.mode == crate::git::SYMLINK_MODE)
            .map(|_| protected::resolved(&job.root, &change.path))
            .unwrap_or_default();
        if commit && leads_to.is_empty() {
            continue;
        }
        let read = entry.map_or_else(
            || "-".to_owned(),
            |e| format!("{:o} {}", e.mode, blob_id(&e.bytes)),
        );
        text.push_str(&format!(
            "{}\0{:?}\0{}\0{read}\0{leads_to}\n",
            change.path.display(),
            change.kind,
            change.submodule
        ));
    }
    Some(text)
}
