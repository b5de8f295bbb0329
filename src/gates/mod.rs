//! Gates: run one planned gate and return its outcome. Gates never print.

pub mod builtin;
pub mod command;
pub mod protected;

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::finding::FindingReport;
use crate::test_result::TestRun;
use crate::trigger::Trigger;

/// Runs a planned job: its built-in check in process, or its command.
pub fn run(job: &crate::plan::Job, context: &GateContext) -> GateOutcome {
    match &job.builtin {
        Some(check) => builtin::run(job, check),
        None => command::run(job, context),
    }
}

/// Runs only a job's fixer (the pre-commit hook's fixer phase); `None` when it has none.
pub fn fix(job: &crate::plan::Job, context: &GateContext) -> Option<GateOutcome> {
    let fix = job.fix.as_ref()?;
    Some(match &job.builtin {
        Some(check) => builtin::fix(job, check),
        None => command::run(
            &crate::plan::Job {
                run: fix.clone(),
                fix_first: false,
                ..job.clone()
            },
            context,
        ),
    })
}

/// What every gate of a run shares.
#[derive(Debug, Clone)]
pub struct GateContext {
    /// Why the gates run.
    pub trigger: Trigger,
    /// The base commit id (or the empty tree id), for `BACKSTOP_BASE`.
    pub base: Option<String>,
    /// A private directory for this run (file lists), removed when the run ends.
    pub scratch: std::path::PathBuf,
    /// Positional arguments every gate gets before its files (commit-msg: the message file).
    pub args: Vec<std::ffi::OsString>,
    /// Environment every gate gets.
    pub env: Vec<(std::ffi::OsString, std::ffi::OsString)>,
}

/// The result of one gate.
#[derive(Debug, Clone)]
pub struct GateOutcome {
    /// How the gate ended.
    pub status: GateStatus,
    /// The command's exit code, when it exited.
    pub exit_code: Option<i32>,
    /// Wall time.
    pub duration: Duration,
    /// Located problems read from the output.
    pub diagnostics: Vec<Diagnostic>,
    /// Output with ANSI codes removed, head and tail kept; `None` when nothing ran.
    pub output: Option<String>,
    /// Why the gate did not run, or why it is an error.
    pub reason: Option<String>,
    /// The protected gate's unapproved findings (empty for command gates).
    pub findings: Vec<FindingReport>,
    /// The tests the run named, when its parser reads a test runner's output.
    pub tests: Option<TestRun>,
}

impl GateOutcome {
    /// A gate that could not be run.
    pub fn error(reason: impl Into<String>) -> GateOutcome {
        GateOutcome {
            status: GateStatus::Error,
            ..GateOutcome::skipped(reason)
        }
    }

    /// A gate that did not run.
    pub fn skipped(reason: impl Into<String>) -> GateOutcome {
        GateOutcome {
            status: GateStatus::Skipped,
            exit_code: None,
            duration: Duration::ZERO,
            diagnostics: Vec::new(),
            output: None,
            reason: Some(reason.into()),
            findings: Vec::new(),
            tests: None,
        }
    }
}

/// How a gate ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GateStatus {
    /// Exit 0.
    Passed,
    /// Non-zero exit, or killed by a signal.
    Failed,
    /// Did not run: no matching files, skipped by the user, or fail-fast.
    Skipped,
    /// A pass reused from the cache; no process started.
    Cached,
    /// Killed at its timeout.
    TimedOut,
    /// Could not be run (spawn failure, interruption).
    Error,
}

impl GateStatus {
    /// Whether this status makes the run fail.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            GateStatus::Failed | GateStatus::TimedOut | GateStatus::Error
        )
    }

    /// The name used in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            GateStatus::Passed => "passed",
            GateStatus::Failed => "failed",
            GateStatus::Skipped => "skipped",
            GateStatus::Cached => "cached",
            GateStatus::TimedOut => "timed_out",
            GateStatus::Error => "error",
        }
    }
}
