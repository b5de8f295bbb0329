//! Why gates run: the trigger vocabulary shared by config, plan and reports.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Why a run happens; each trigger has its own target and base (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// `git commit`: the index being committed.
    PreCommit,
    /// `git push`: each pushed commit range.
    PrePush,
    /// `git commit`: the commit message file.
    CommitMsg,
    /// A coding agent wants to end its turn: the working tree.
    Stop,
    /// Pre-merge: `HEAD` against the merge-base of the base branch.
    Ci,
    /// A person at the terminal: the working tree.
    Manual,
}

impl Trigger {
    /// Every trigger, in the order the docs list them.
    pub const ALL: [Trigger; 6] = [
        Trigger::PreCommit,
        Trigger::PrePush,
        Trigger::CommitMsg,
        Trigger::Stop,
        Trigger::Ci,
        Trigger::Manual,
    ];

    /// The triggers a gate runs on when its `on` is not given: all but commit-msg.
    pub fn default_on() -> Vec<Trigger> {
        Self::ALL
            .into_iter()
            .filter(|t| *t != Trigger::CommitMsg)
            .collect()
    }

    /// The kebab-case name used in config, reports and the environment.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::PreCommit => "pre-commit",
            Trigger::PrePush => "pre-push",
            Trigger::CommitMsg => "commit-msg",
            Trigger::Stop => "stop",
            Trigger::Ci => "ci",
            Trigger::Manual => "manual",
        }
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
