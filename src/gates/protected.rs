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
/// kind and the id of the bytes the analysis will read (what a symlink points at included, as
/// the analysis reads it). A commit target is named by its id in the definition already.
pub fn read_fingerprint(repo: &Repo, job: &ProtectJob) -> Option<String> {
    let contents = match job.target {
        Side::Commit(_) => None,
        side => Some(repo.contents(side).ok()?),
    };
    let mut text = String::new();
    for change in &job.changes {
        let read = contents
            .as_ref()
            .and_then(|c| c.read(&change.path))
            .map_or_else(|| "-".to_owned(), |bytes| blob_id(&bytes));
        text.push_str(&format!(
            "{}\0{:?}\0{}\0{read}\n",
            change.path.display(),
            change.kind,
            change.submodule
        ));
    }
    Some(text)
}
