//! The built-in protected gate as a gate: runs the analysis of [`crate::protected`], applies the
//! approvals on record and `--allow-protected`, and returns an outcome like any other gate.

use std::time::Instant;

use super::{GateOutcome, GateStatus};
use crate::git::Repo;
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
