//! `backstop approve`: a person looks at the protected gate's findings and approves them.

use anyhow::Result;

use crate::error::EXIT_OK;
use crate::plan::protect;
use crate::protected::{self, approve};
use crate::settings::{GlobalOptions, Workspace};
use crate::snapshot::FileSelection;
use crate::trigger::Trigger;

/// Shows (and unless `show`, approves) the findings of the staged changes and of the working
/// tree against its base: what the next commit, stop or manual run would report, and the test
/// census of this worktree's latest run.
pub fn run(global: &GlobalOptions, show: bool) -> Result<u8> {
    let workspace = Workspace::open(global)?;
    let config = workspace.load_config()?;
    let mut findings = Vec::new();
    for trigger in [Trigger::PreCommit, Trigger::Manual] {
        let snapshot = crate::snapshot::resolve(
            &workspace.repo,
            trigger,
            &FileSelection::Trigger,
            &config.settings.base,
        )?;
        let config_file = workspace
            .config_in_tree()
            .unwrap_or_else(|| crate::config::FILE_NAME.into());
        let Some(job) = protect::any_trigger(
            &workspace.repo,
            &config,
            &snapshot,
            false,
            &config_file,
            workspace.repo.root(),
        ) else {
            continue;
        };
        for finding in protected::run(&workspace.repo, &job.scope())? {
            if !findings
                .iter()
                .any(|f| approve::fingerprint(f) == approve::fingerprint(&finding))
            {
                findings.push(finding);
            }
        }
    }
    // `test-not-run` findings come from running the tests: the latest run's census stands.
    for finding in crate::baseline::census::last(&workspace.repo) {
        if !findings
            .iter()
            .any(|f| approve::fingerprint(f) == approve::fingerprint(&finding))
        {
            findings.push(finding);
        }
    }
    if findings.is_empty() {
        crate::say!("no protected findings to approve");
        return Ok(EXIT_OK);
    }
    crate::say!("{}", protected::describe(&findings).trim_end());
    if show {
        crate::say!(
            "{} finding(s); run `backstop approve` to approve them",
            findings.len()
        );
        return Ok(EXIT_OK);
    }
    let added = approve::approve(&workspace.repo, &findings)?;
    crate::say!(
        "approved {} finding(s) ({added} new); they pass until the change differs",
        findings.len()
    );
    Ok(EXIT_OK)
}
