//! The report model: one shape for every renderer, every field always present (SPEC §7).

use schemars::JsonSchema;
use serde::Serialize;

use crate::finding::FindingKind;
use crate::gates::GateOutcome;
use crate::plan::{Action, Plan};
use crate::trigger::Trigger;

/// The version tag of the JSON report.
pub const SCHEMA_ID: &str = "backstop.report/v1";

/// The result of one run.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(title = "backstop report", extend("additionalProperties" = false))]
pub struct Report {
    /// Always "backstop.report/v1".
    #[schemars(extend("const" = SCHEMA_ID))]
    pub schema: String,
    /// Why the gates ran.
    pub trigger: Trigger,
    /// The commit the target was compared with (the empty tree id before the first commit),
    /// or null when there was none.
    pub base: Option<String>,
    /// What was judged: a commit id, "index" or "worktree".
    pub target: String,
    /// True when no gate failed, timed out or errored, and no unapproved finding remains.
    pub ok: bool,
    /// Wall time of the whole run.
    pub duration_ms: u64,
    /// Every gate that applied to the trigger, in config order.
    pub gates: Vec<GateReport>,
    /// Findings of the protected gate.
    pub protected: Vec<FindingReport>,
}

/// How a gate ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
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

/// One gate's result.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct GateReport {
    /// The gate's name in gates.toml.
    pub name: String,
    /// How it ended.
    pub status: GateStatus,
    /// The exit code; null when it did not exit on its own.
    pub exit_code: Option<i32>,
    /// Wall time.
    pub duration_ms: u64,
    /// The command as configured.
    pub command: String,
    /// The gate's files, relative to its `cwd`.
    pub files: Vec<String>,
    /// Located problems read from the output.
    pub diagnostics: Vec<Diagnostic>,
    /// Output with ANSI codes removed (head and tail of long output); null when nothing ran.
    pub output: Option<String>,
    /// Why the gate was skipped or is an error; null otherwise.
    pub reason: Option<String>,
}

/// Severity of a diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the gate.
    Error,
    /// Worth a look.
    Warning,
    /// Information.
    Note,
}

/// A problem pinned to a place in a file.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Diagnostic {
    /// Repository-relative path, or null.
    pub file: Option<String>,
    /// 1-based line.
    pub line: Option<u32>,
    /// 1-based column.
    pub column: Option<u32>,
    /// Last line of the span.
    pub end_line: Option<u32>,
    /// Last column of the span.
    pub end_column: Option<u32>,
    /// error, warning or note.
    pub severity: Option<Severity>,
    /// What the tool said.
    pub message: String,
    /// The tool's rule or code, like `clippy::needless_return` or `E0308`.
    pub rule: Option<String>,
}

/// A protected-gate finding.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct FindingReport {
    /// What kind of tampering.
    pub kind: FindingKind,
    /// Repository-relative path.
    pub file: String,
    /// Line in the base, or null.
    pub base_line: Option<u32>,
    /// Line in the target, or null.
    pub target_line: Option<u32>,
    /// Lines removed.
    pub removed: Vec<String>,
    /// Lines added.
    pub added: Vec<String>,
    /// One sentence of why this is a finding.
    pub why: String,
}

impl Report {
    /// Assembles the report from the plan and the outcomes, in plan order.
    pub fn new(plan: &Plan, outcomes: Vec<GateOutcome>, duration: std::time::Duration) -> Report {
        let gates: Vec<GateReport> = plan
            .gates
            .iter()
            .zip(outcomes)
            .map(|(gate, outcome)| GateReport {
                name: gate.name.clone(),
                status: outcome.status,
                exit_code: outcome.exit_code,
                duration_ms: millis(outcome.duration),
                command: gate.command.clone(),
                files: match &gate.action {
                    Action::Run(job) => job
                        .files
                        .iter()
                        .map(|f| f.to_string_lossy().into_owned())
                        .collect(),
                    Action::Skip(_) => Vec::new(),
                },
                diagnostics: outcome.diagnostics,
                output: outcome.output,
                reason: outcome.reason,
            })
            .collect();
        let protected = Vec::new();
        Report {
            schema: SCHEMA_ID.to_owned(),
            trigger: plan.trigger,
            base: plan.base.clone(),
            target: plan.target.clone(),
            ok: gates.iter().all(|g| !g.status.is_failure()),
            duration_ms: millis(duration),
            gates,
            protected,
        }
    }

    /// The gates that failed, timed out or errored.
    pub fn failures(&self) -> impl Iterator<Item = &GateReport> {
        self.gates.iter().filter(|g| g.status.is_failure())
    }

    /// How many gates ran (not skipped).
    pub fn ran(&self) -> usize {
        self.gates
            .iter()
            .filter(|g| g.status != GateStatus::Skipped)
            .count()
    }
}

/// The JSON Schema of the report (committed as schema/report.schema.json).
/// Every property is required: the report always has every field, `null` when unknown.
pub fn json_schema() -> serde_json::Value {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(Report)).expect("a schema is plain JSON");
    require_all(&mut schema);
    if let Some(defs) = schema.get_mut("$defs").and_then(|d| d.as_object_mut()) {
        defs.values_mut().for_each(require_all);
    }
    schema
}

fn require_all(object: &mut serde_json::Value) {
    let keys: Option<Vec<serde_json::Value>> = object
        .get("properties")
        .and_then(|p| p.as_object())
        .map(|p| p.keys().cloned().map(serde_json::Value::String).collect());
    if let Some(keys) = keys {
        object["required"] = serde_json::Value::Array(keys);
    }
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
