//! The kinds of protected-gate finding (SPEC §5), shared by config (`protect.allow`) and reports.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What kind of test tampering or protected change a finding reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A test file removed (a rename with similar content is not a deletion).
    DeletedTestFile,
    /// A test function or case in base that no longer exists anywhere in target.
    DeletedTest,
    /// A test that has fewer assertions than in base.
    RemovedAssertion,
    /// A new skip, ignore, todo, xfail or focus marker, or a test turned into a comment.
    SkippedTest,
    /// An assertion made trivially true or looser, or a test body that now returns early.
    WeakenedAssertion,
    /// A snapshot file changed.
    SnapshotChanged,
    /// A file in `protect.paths` changed.
    ProtectedPath,
    /// gates.toml changed in a way that is not provably stricter (fail closed).
    GateWeakened,
    /// A file git converts on its way to disk (`eol`, `text`, `ident`, a `filter`,
    /// `working-tree-encoding`, `core.autocrlf`), so gates would read other bytes than git
    /// stores. `checkout-encoding`, its first name, is still read.
    #[serde(alias = "checkout-encoding")]
    CheckoutConversion,
    /// A test runner, build or CI configuration change that runs fewer tests or stops failing
    /// on them.
    TestConfigWeakened,
    /// A test that passed at the base is missing from the target's results or no longer
    /// passes (skipped, xfailed, deselected), and the diff did not delete it (the baseline run).
    TestNotRun,
}

/// A protected-gate finding.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
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
    /// What the finding is about, in full (the lines above are capped): approvals fingerprint
    /// this, so an approval never covers a later, different change.
    #[serde(skip)]
    #[schemars(skip)]
    pub identity: String,
}
