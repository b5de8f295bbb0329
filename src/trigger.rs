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

/// The git hooks backstop installs and answers, each with the trigger it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GitHook {
    /// `git commit`, before the commit is made.
    PreCommit,
    /// What git runs instead of pre-commit for a merge without conflicts.
    PreMergeCommit,
    /// `git push`, with the pushed refs on stdin.
    PrePush,
    /// `git commit`, with the message file as `$1`.
    CommitMsg,
}

impl GitHook {
    /// Every hook, in the order install writes them.
    pub const ALL: [GitHook; 4] = [
        GitHook::PreCommit,
        GitHook::PreMergeCommit,
        GitHook::PrePush,
        GitHook::CommitMsg,
    ];

    /// The file name git looks for in its hooks directory.
    pub fn as_str(self) -> &'static str {
        match self {
            GitHook::PreCommit => "pre-commit",
            GitHook::PreMergeCommit => "pre-merge-commit",
            GitHook::PrePush => "pre-push",
            GitHook::CommitMsg => "commit-msg",
        }
    }

    /// The hook with this file name, if backstop has it.
    pub fn from_name(name: &str) -> Option<GitHook> {
        Self::ALL.into_iter().find(|h| h.as_str() == name)
    }

    /// The trigger whose gates the hook runs.
    pub fn trigger(self) -> Trigger {
        match self {
            GitHook::PreCommit | GitHook::PreMergeCommit => Trigger::PreCommit,
            GitHook::PrePush => Trigger::PrePush,
            GitHook::CommitMsg => Trigger::CommitMsg,
        }
    }
}

impl fmt::Display for GitHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
