//! Gates: run one planned gate and return its outcome. Gates never print.

pub mod command;

use std::time::Duration;

use crate::report::{Diagnostic, GateStatus};
use crate::trigger::Trigger;

/// What every gate of a run shares.
#[derive(Debug, Clone)]
pub struct GateContext {
    /// Why the gates run.
    pub trigger: Trigger,
    /// The base commit id (or the empty tree id), for `BACKSTOP_BASE`.
    pub base: Option<String>,
    /// A private directory for this run (file lists), removed when the run ends.
    pub scratch: std::path::PathBuf,
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
        }
    }
}
