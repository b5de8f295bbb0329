//! A built-in check as a gate: runs [`crate::builtin`] in process on the gate's files (fix mode
//! first when the job asks), and reads its `path:line: message` lines like any gate's output.

use std::time::{Instant, SystemTime};

use super::{GateOutcome, GateStatus};
use crate::builtin::{self, Builtin, Input};
use crate::plan::Job;

/// Runs the check (after its fix, when `job.fix_first`).
pub fn run(job: &Job, check: &Builtin, context: &super::GateContext) -> GateOutcome {
    let started = Instant::now();
    let tracked = tracked_paths(job, check);
    let exempt = not_added(job, check, context.base.as_deref());
    let mut output = String::new();
    if job.fix_first && check.fixes() {
        output.push_str(&execute(job, check, &tracked, &exempt, true).output);
    }
    let checked = execute(job, check, &tracked, &exempt, false);
    output.push_str(&checked.output);
    let mut outcome = GateOutcome::skipped("");
    outcome.reason = None;
    outcome.status = if checked.failed {
        GateStatus::Failed
    } else {
        GateStatus::Passed
    };
    outcome.exit_code = Some(i32::from(checked.failed));
    outcome.duration = started.elapsed();
    let request = crate::parsers::Request {
        kind: None,
        pattern: None,
        report: None,
        started: Some(SystemTime::now()),
        report_before: None,
    };
    let place = crate::parsers::Place {
        root: &job.root,
        cwd: &job.cwd,
        files: &crate::parsers::RealFiles,
    };
    outcome.diagnostics = crate::parsers::parse(&request, &output, &place);
    outcome.output = Some(output);
    outcome
}

/// Runs only the fix mode (the pre-commit hook's fixer phase).
pub fn fix(job: &Job, check: &Builtin) -> GateOutcome {
    let started = Instant::now();
    let tracked = tracked_paths(job, check);
    let fixed = execute(job, check, &tracked, &[], true);
    let mut outcome = GateOutcome::skipped("");
    outcome.reason = None;
    outcome.status = GateStatus::Passed;
    outcome.exit_code = Some(0);
    outcome.duration = started.elapsed();
    outcome.output = Some(fixed.output);
    outcome
}

fn execute(
    job: &Job,
    check: &Builtin,
    tracked: &[std::path::PathBuf],
    exempt: &[std::path::PathBuf],
    fix: bool,
) -> builtin::Outcome {
    builtin::run(
        check,
        &Input {
            cwd: &job.cwd,
            files: &job.files,
            tracked,
            exempt,
            fix,
        },
    )
}

/// For large-files without `--enforce-all`, the files over the limit it leaves alone, as
/// pre-commit-hooks does: those the base already has (only modified here) and those Git LFS
/// stores (`filter=lfs`). Only oversized files are looked up.
fn not_added(job: &Job, check: &Builtin, base: Option<&str>) -> Vec<std::path::PathBuf> {
    let Builtin::LargeFiles {
        max_kb,
        enforce_all: false,
    } = check
    else {
        return Vec::new();
    };
    let oversized: Vec<&std::path::PathBuf> = job
        .files
        .iter()
        .filter(|f| {
            std::fs::metadata(job.cwd.join(f)).is_ok_and(|m| m.len().div_ceil(1024) > *max_kb)
        })
        .collect();
    if oversized.is_empty() {
        return Vec::new();
    }
    let Ok(repo) = crate::git::Repo::discover(&job.root) else {
        return Vec::new();
    };
    let prefix = job
        .cwd
        .strip_prefix(&job.root)
        .unwrap_or(std::path::Path::new(""))
        .to_path_buf();
    let base = base.and_then(|b| crate::git::Oid::from_str(b).ok());
    let from_root: Vec<std::path::PathBuf> = oversized.iter().map(|f| prefix.join(f)).collect();
    let lfs: Vec<std::path::PathBuf> = repo
        .attributes_in(repo.root(), &["filter"], &from_root)
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, pairs)| {
            pairs
                .iter()
                .any(|(name, value)| name == "filter" && value == "lfs")
        })
        .map(|(path, _)| path)
        .collect();
    oversized
        .into_iter()
        .zip(from_root)
        .filter(|(_, full)| {
            lfs.contains(full) || base.is_some_and(|b| repo.file_at(b, full).is_some())
        })
        .map(|(f, _)| f.clone())
        .collect()
}

/// Every tracked path relative to the gate's `cwd`, for case-conflict (the only check that
/// looks beyond its files).
fn tracked_paths(job: &Job, check: &Builtin) -> Vec<std::path::PathBuf> {
    if *check != Builtin::CaseConflict {
        return Vec::new();
    }
    let Ok(repo) = crate::git::Repo::discover(&job.root) else {
        return Vec::new();
    };
    let prefix = job
        .cwd
        .strip_prefix(&job.root)
        .unwrap_or(std::path::Path::new(""));
    repo.tracked(false)
        .map(|set| {
            set.changes
                .into_iter()
                .filter_map(|c| {
                    c.path
                        .strip_prefix(prefix)
                        .ok()
                        .map(std::path::Path::to_path_buf)
                })
                .collect()
        })
        .unwrap_or_default()
}
