//! The test census: a test that passed at the base and, in the target's run of the same gate,
//! was skipped, marked as an expected failure, or is missing (deselected, filtered out, no
//! longer collected) is a `test-not-run` finding, however the change did it. Tests the diff
//! itself deletes or marks are left to the protected gate's own findings.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::finding::{FindingKind, FindingReport};
use crate::git::{Repo, blob_id};
use crate::test_result::{TestRun, TestStatus};

/// One gate's tests at the base and in the target.
#[derive(Debug, Clone, Copy)]
pub struct Census<'a> {
    /// The gate's name.
    pub gate: &'a str,
    /// Its tests at the base.
    pub base: &'a TestRun,
    /// Its tests in the target (`None`: the run named none).
    pub target: Option<&'a TestRun>,
    /// Whether the target's run is complete enough to say a test is missing: it passed
    /// (a failing run may stop early, as cargo does at the first failing test binary) and its
    /// output was not cut.
    pub complete: bool,
}

/// The findings, before approvals: one per test that passed at the base and does not now,
/// unless one of its names is `spoken_for` (the diff deleted or marked it).
pub fn findings(gates: &[Census<'_>], spoken_for: &BTreeSet<String>) -> Vec<FindingReport> {
    let mut found = Vec::new();
    for census in gates {
        let complete = census.complete && census.target.is_none_or(|t| t.whole);
        let now_by_id = census.target.map(TestRun::by_id).unwrap_or_default();
        for test in census
            .base
            .results
            .iter()
            .filter(|t| t.status == TestStatus::Passed)
        {
            let how = match now_by_id.get(test.id.as_str()).map(|t| t.status) {
                Some(TestStatus::Passed | TestStatus::Failed) => continue,
                Some(status) => status.phrase().to_owned(),
                None if complete => {
                    "is missing from the results (deselected, filtered out or no longer collected)"
                        .to_owned()
                }
                None => continue,
            };
            if test.names().iter().any(|n| spoken_for.contains(n)) {
                continue;
            }
            found.push(FindingReport {
                kind: FindingKind::TestNotRun,
                file: test
                    .file
                    .clone()
                    .unwrap_or_else(|| crate::config::FILE_NAME.to_owned()),
                base_line: None,
                target_line: None,
                removed: Vec::new(),
                added: Vec::new(),
                why: format!(
                    "test `{}` passed at the base and {how} in gate `{}`; the diff of the tests does not explain it",
                    test.id, census.gate
                ),
                identity: blob_id(
                    format!("test-not-run\n{}\n{}\n{how}", census.gate, test.id).as_bytes(),
                ),
            });
        }
    }
    found
}

/// A finding as kept for `backstop approve`.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    file: String,
    why: String,
    identity: String,
}

fn last_path(repo: &Repo) -> PathBuf {
    repo.git_dir().join("backstop").join("census.json")
}

/// Keeps this worktree's latest census findings (approved or not) for `backstop approve`,
/// which cannot run the tests itself.
pub fn keep_last(repo: &Repo, findings: &[FindingReport]) {
    let path = last_path(repo);
    if findings.is_empty() {
        let _ = std::fs::remove_file(&path);
        return;
    }
    let kept: Vec<Kept> = findings
        .iter()
        .map(|f| Kept {
            file: f.file.clone(),
            why: f.why.clone(),
            identity: f.identity.clone(),
        })
        .collect();
    let Some(dir) = path.parent() else { return };
    let temporary = path.with_extension(format!("json.{}", std::process::id()));
    if std::fs::create_dir_all(dir).is_ok()
        && let Ok(bytes) = serde_json::to_vec_pretty(&kept)
        && std::fs::write(&temporary, bytes).is_ok()
        && std::fs::rename(&temporary, &path).is_err()
    {
        let _ = std::fs::remove_file(&temporary);
    }
}

/// The census findings of this worktree's latest run that took a census.
pub fn last(repo: &Repo) -> Vec<FindingReport> {
    let kept: Vec<Kept> = std::fs::read(last_path(repo))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    kept.into_iter()
        .map(|k| FindingReport {
            kind: FindingKind::TestNotRun,
            file: k.file,
            base_line: None,
            target_line: None,
            removed: Vec::new(),
            added: Vec::new(),
            why: k.why,
            identity: k.identity,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_result::TestResult;

    fn run(tests: &[(&str, TestStatus)], whole: bool) -> TestRun {
        TestRun::new(
            tests
                .iter()
                .map(|(id, status)| TestResult {
                    id: (*id).to_owned(),
                    file: Some("tests/test_a.py".to_owned()),
                    status: *status,
                })
                .collect(),
            whole,
        )
    }

    fn whys(found: &[FindingReport]) -> Vec<&str> {
        found.iter().map(|f| f.why.as_str()).collect()
    }

    #[test]
    fn skipped_xfailed_and_missing_tests_that_passed_at_the_base() {
        let base = run(
            &[
                ("t::a", TestStatus::Passed),
                ("t::b", TestStatus::Passed),
                ("t::c", TestStatus::Passed),
                ("t::d", TestStatus::Passed),
                ("t::e", TestStatus::Passed),
                ("t::was_skipped", TestStatus::Skipped),
            ],
            true,
        );
        let target = run(
            &[
                ("t::a", TestStatus::Passed),
                ("t::b", TestStatus::Skipped),
                ("t::c", TestStatus::Xfailed),
                ("t::e", TestStatus::Failed),
                ("t::new", TestStatus::Skipped),
            ],
            true,
        );
        let census = Census {
            gate: "pytest",
            base: &base,
            target: Some(&target),
            complete: true,
        };
        let found = findings(&[census], &BTreeSet::new());
        assert_eq!(
            whys(&found),
            [
                "test `t::b` passed at the base and was skipped in gate `pytest`; the diff of the tests does not explain it",
                "test `t::c` passed at the base and was marked as an expected failure in gate `pytest`; the diff of the tests does not explain it",
                "test `t::d` passed at the base and is missing from the results (deselected, filtered out or no longer collected) in gate `pytest`; the diff of the tests does not explain it",
            ]
        );
        assert!(found.iter().all(|f| f.file == "tests/test_a.py"));
        // A failing (or cut) run may have stopped early: a missing test is not judged.
        let partial = Census {
            complete: false,
            ..census
        };
        assert_eq!(findings(&[partial], &BTreeSet::new()).len(), 2);
        // The diff deleted `d` (deleted-test says so) and marked `b` (skipped-test).
        let spoken: BTreeSet<String> = ["d", "b"].map(str::to_owned).into();
        assert_eq!(findings(&[census], &spoken).len(), 1);
    }

    #[test]
    fn identities_do_not_depend_on_the_commit() {
        let base = run(&[("t::a", TestStatus::Passed)], true);
        let census = Census {
            gate: "pytest",
            base: &base,
            target: None,
            complete: true,
        };
        let first = findings(&[census], &BTreeSet::new());
        assert_eq!(
            first.len(),
            1,
            "a run that names no test left out every test"
        );
        assert_eq!(
            first[0].identity,
            findings(&[census], &BTreeSet::new())[0].identity
        );
    }
}
