//! The report model: one shape for every renderer, every field always present (SPEC §7).

pub mod merge;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
pub use crate::finding::FindingReport;
use crate::gates::GateOutcome;
pub use crate::gates::GateStatus;
use crate::plan::{Action, Plan};
use crate::trigger::Trigger;

/// The version tag of the JSON report.
pub const SCHEMA_ID: &str = "backstop.report/v1";

/// The result of one run. `backstop report merge` reads it back.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
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
    /// For one shard of a sharded CI run (`backstop ci --shard I/N`): which shard, and the
    /// whole run's plan; null for a whole run (and for merged shards).
    pub shard: Option<ShardReport>,
}

/// What a shard's report says about the whole sharded run, so that `backstop report merge`
/// can check that the shards together ran every gate once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("additionalProperties" = false))]
pub struct ShardReport {
    /// This shard, from 1.
    pub index: usize,
    /// How many shards the run has.
    pub total: usize,
    /// Every gate the whole run planned, in plan order.
    pub planned: Vec<String>,
    /// The gates that shard themselves (their `run` names `BACKSTOP_SHARD`): they run on every
    /// shard.
    pub every: Vec<String>,
}

/// One gate's result.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
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
    /// Why the gate was skipped or is an error, or what the baseline decided; null otherwise.
    pub reason: Option<String>,
    /// Whether the gate fails only on new problems (`only_new`): its diagnostics marked
    /// `at_base` did not count, and only this report shows them.
    pub only_new: bool,
}

impl Report {
    /// Assembles the report from the plan and the outcomes, in plan order; the protected
    /// gate's findings go to `protected`.
    pub fn new(plan: &Plan, outcomes: Vec<GateOutcome>, duration: std::time::Duration) -> Report {
        let mut protected = Vec::new();
        let gates: Vec<GateReport> = plan
            .gates
            .iter()
            .zip(outcomes)
            .map(|(gate, mut outcome)| {
                protected.append(&mut outcome.findings);
                GateReport {
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
                        Action::Protect(_) | Action::Skip(_) => Vec::new(),
                    },
                    diagnostics: outcome.diagnostics,
                    output: outcome.output,
                    reason: outcome.reason,
                    only_new: match &gate.action {
                        Action::Run(job) => job.only_new,
                        Action::Protect(_) | Action::Skip(_) => false,
                    },
                }
            })
            .collect();
        Report {
            schema: SCHEMA_ID.to_owned(),
            trigger: plan.trigger(),
            base: Some(plan.snapshot.base_id()),
            target: plan.snapshot.target_name(),
            ok: gates.iter().all(|g| !g.status.is_failure()),
            duration_ms: millis(duration),
            gates,
            protected,
            shard: plan.shard.as_ref().map(|s| ShardReport {
                index: s.shard.index,
                total: s.shard.total,
                planned: s.planned.clone(),
                every: s.every.clone(),
            }),
        }
    }

    /// The report as every format but JSON shows it: without the old problems of `only_new`
    /// gates (they did not count, and only new problems are shown).
    #[must_use]
    pub fn shown(&self) -> Report {
        let mut shown = self.clone();
        for gate in shown.gates.iter_mut().filter(|g| g.only_new) {
            gate.diagnostics.retain(|d| d.at_base != Some(true));
        }
        shown
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
