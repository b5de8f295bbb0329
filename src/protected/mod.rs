//! The built-in protected gate (SPEC §5): reads what changed between base and target and reports
//! test tampering (deleted, skipped, weakened tests, fewer assertions), changed snapshots,
//! changed protected paths, and a weakened gates.toml, each with file, lines and why.

mod analysis;
pub mod approve;
mod compare;
pub mod config_diff;
mod encoding;
mod extract;
mod lexer;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::config;
use crate::config::ProtectConfig;
use crate::finding::{FindingKind, FindingReport};
use crate::git::{ChangeKind, Repo, Side};
use crate::git::{FileChange, Oid};
use crate::glob::GlobList;
use compare::{diff_lines, finding};
use lexer::Language;

/// Where tests usually live, per language, beyond `protect.tests`.
const USUAL_TESTS: [&str; 19] = [
    "tests/**",
    "test/**",
    "**/tests/**",
    "**/test/**",
    "spec/**",
    "e2e/**",
    "**/__tests__/**",
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "*.test.*",
    "*.spec.*",
    "*_test.go",
    "src/test/**",
    "*Test.java",
    "*Tests.java",
    "*IT.java",
    "*Test.kt",
    "*Tests.kt",
];
/// Snapshot files of insta, Jest/Vitest and syrupy.
const SNAPSHOTS: [&str; 3] = ["*.snap", "**/__snapshots__/**", "*.ambr"];
/// What the protected gate compares: the `[protect]` it judges under, the base, the target and
/// every changed path (deletions included).
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// `[protect]` (the base's and the target's combined).
    pub config: &'a ProtectConfig,
    /// The base commit; `None` is the empty tree (nothing to protect yet).
    pub base: Option<Oid>,
    /// The version judged.
    pub target: Side,
    /// Every changed path.
    pub changes: &'a [FileChange],
}

/// `protect.paths` when not given: gates.toml and the hook files of every agent.
pub fn default_paths() -> Vec<String> {
    crate::agent::protected_paths()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Runs the gate: every finding, before approvals are applied.
#[expect(
    clippy::too_many_lines,
    reason = "one pass over the changed paths, each kind of finding in turn"
)]
pub fn run(repo: &Repo, scope: &Scope<'_>) -> Result<Vec<FindingReport>> {
    let Some(base_commit) = scope.base else {
        return Ok(Vec::new());
    };
    let base_files = repo.contents(Side::Commit(base_commit))?;
    let target_files = repo.contents(scope.target)?;
    let mut tests: Vec<String> = USUAL_TESTS.iter().map(|s| (*s).to_owned()).collect();
    tests.extend(scope.config.tests.clone().unwrap_or_default());
    let tests = GlobList::new(&tests).map_err(anyhow::Error::msg)?;
    let custom_tests = GlobList::new(&scope.config.tests.clone().unwrap_or_default())
        .map_err(anyhow::Error::msg)?;
    let paths = scope.config.paths.clone().unwrap_or_else(default_paths);
    let protected_paths = GlobList::new(&paths).map_err(anyhow::Error::msg)?;
    let snapshots = GlobList::new(&SNAPSHOTS.map(str::to_owned)).map_err(anyhow::Error::msg)?;

    let mut findings = Vec::new();
    let (mut base, mut target) = (compare::Side::default(), compare::Side::default());
    let mut deleted_test_files = HashSet::new();
    for change in scope.changes.iter().filter(|c| !c.submodule) {
        let path = &change.path;
        let before = (change.kind != ChangeKind::Added)
            .then(|| base_files.read(path))
            .flatten();
        let after = (change.kind != ChangeKind::Deleted)
            .then(|| target_files.read(path))
            .flatten();
        if before == after {
            continue;
        }
        if path == Path::new(config::FILE_NAME) {
            let text =
                |b: &Option<Vec<u8>>| b.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
            findings.extend(config_diff::weakened(
                path,
                text(&before).as_deref(),
                text(&after).as_deref(),
            ));
        } else if protected_paths.is_match(path) {
            findings.push(changed(
                FindingKind::ProtectedPath,
                path,
                before.as_deref(),
                after.as_deref(),
                "is a protected path",
            ));
        }
        if snapshots.is_match(path) && before.is_some() {
            findings.push(changed(
                FindingKind::SnapshotChanged,
                path,
                before.as_deref(),
                after.as_deref(),
                "is a snapshot of expected output",
            ));
        }
        let Some(language) = Language::of(path) else {
            continue;
        };
        let is_test_path = tests.is_match(path);
        if !is_test_path && language != Language::Rust {
            continue;
        }
        for (is_target, side, bytes) in [(false, &mut base, &before), (true, &mut target, &after)] {
            if let Some(bytes) = bytes {
                let source = String::from_utf8_lossy(bytes).into_owned();
                let mut found = extract::extract(path, &source, language, is_test_path);
                // A test moved to a file its runner no longer collects (`test_x.py` ->
                // `x_check.py`) is gone as far as the runner is concerned.
                if is_target && !collected(path, language, &custom_tests) {
                    found.tests.clear();
                }
                side.files.insert(path.clone(), (language, found));
                side.sources.insert(path.clone(), source);
            }
        }
        let had_tests = base
            .files
            .get(path)
            .is_some_and(|(_, f)| !f.tests.is_empty());
        if after.is_none() && (is_test_path || had_tests) {
            deleted_test_files.insert(path.clone());
        }
    }
    let (test_findings, files_with_losses) = compare::compare(&base, &target, &deleted_test_files);
    findings.extend(test_findings);
    for file in &deleted_test_files {
        let had_tests = base
            .files
            .get(file)
            .is_some_and(|(_, f)| !f.tests.is_empty());
        if files_with_losses.contains(file)
            || (!had_tests && !moved_elsewhere(file, &base, &target))
        {
            let removed: Vec<String> = base
                .sources
                .get(file)
                .map(|s| s.lines().take(12).map(str::to_owned).collect())
                .unwrap_or_default();
            let names: Vec<String> = base
                .files
                .get(file)
                .map(|(_, f)| f.tests.iter().map(|t| t.name.clone()).take(5).collect())
                .unwrap_or_default();
            let why = if names.is_empty() {
                "test file was deleted".to_owned()
            } else {
                format!(
                    "test file was deleted with its tests ({})",
                    names.join(", ")
                )
            };
            findings.push(finding(
                FindingKind::DeletedTestFile,
                file,
                Some(1),
                None,
                removed,
                Vec::new(),
                why,
            ));
        }
    }
    findings.extend(encoding::findings(repo, scope, &target_files)?);
    findings.retain(|f| !scope.config.allow.contains(&f.kind));
    findings.sort_by(|a, b| {
        (&a.file, a.target_line.or(a.base_line)).cmp(&(&b.file, b.target_line.or(b.base_line)))
    });
    Ok(findings)
}

/// Whether the language's usual runner collects tests from `path` by default (or the user
/// named it in `protect.tests`).
fn collected(path: &Path, language: Language, custom: &GlobList) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let under = |dir: &str| path.components().any(|c| c.as_os_str() == dir);
    custom.is_match(path)
        || match language {
            Language::Rust => true,
            Language::Python => name.starts_with("test_") || name.ends_with("_test.py"),
            // Jest/Vitest/Playwright need `.test`/`.spec` or `__tests__`; Mocha and node:test read `test/`.
            Language::Js => {
                name.contains(".test.")
                    || name.contains(".spec.")
                    || under("__tests__")
                    || under("test")
            }
            Language::Go => name.ends_with("_test.go"),
            Language::Java | Language::Kotlin => {
                under("test")
                    || ["Test.", "Tests.", "IT.", "TestCase."]
                        .iter()
                        .any(|s| name.contains(s))
                    || name.starts_with("Test")
            }
        }
}

/// Whether a deleted file's content reappears in an added file (a move).
fn moved_elsewhere(file: &PathBuf, base: &compare::Side, target: &compare::Side) -> bool {
    let Some(old) = base.sources.get(file) else {
        return false;
    };
    if target
        .sources
        .iter()
        .any(|(path, new)| path != file && new == old)
    {
        return true;
    }
    // Similar content only among a few likely candidates (same name or same directory), so a
    // move of thousands of files is not thousands squared of text diffs.
    let name = file.file_name();
    let parent = file.parent();
    target
        .sources
        .iter()
        .filter(|(path, _)| *path != file && (path.file_name() == name || path.parent() == parent))
        .take(10)
        .any(|(_, new)| similar::TextDiff::from_lines(old.as_str(), new.as_str()).ratio() > 0.6)
}

fn changed(
    kind: FindingKind,
    path: &Path,
    before: Option<&[u8]>,
    after: Option<&[u8]>,
    what: &str,
) -> FindingReport {
    let lines = |b: Option<&[u8]>| {
        b.map(|b| {
            String::from_utf8_lossy(b)
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    };
    let (removed, added) = diff_lines(&lines(before), &lines(after));
    let verb = match (before, after) {
        (None, _) => "was added",
        (_, None) => "was deleted",
        _ => "changed",
    };
    finding(
        kind,
        path,
        before.map(|_| 1),
        after.map(|_| 1),
        removed,
        added,
        format!("{} {what} and {verb}", path.display()),
    )
}

/// The findings as human lines: `file:line: kind: why` and the lines removed and added.
pub fn describe(findings: &[FindingReport]) -> String {
    let mut out = String::new();
    for f in findings {
        let line = f
            .target_line
            .or(f.base_line)
            .map_or_else(String::new, |l| format!(":{l}"));
        out.push_str(&format!(
            "{}{line}: {}: {}\n",
            f.file,
            kind_name(f.kind),
            f.why
        ));
        for l in f.removed.iter().take(6) {
            out.push_str(&format!("  - {l}\n"));
        }
        for l in f.added.iter().take(6) {
            out.push_str(&format!("  + {l}\n"));
        }
    }
    out
}

/// The kebab-case name of a finding kind.
pub fn kind_name(kind: FindingKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
