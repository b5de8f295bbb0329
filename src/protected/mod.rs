//! The built-in protected gate (SPEC §5): reads what changed between base and target and reports
//! test tampering (deleted, skipped, weakened tests, fewer assertions), tests switched off from
//! elsewhere, changed snapshots and golden files, changed protected paths, a weakened
//! gates.toml, and a test runner's configuration that runs fewer tests or stops failing, each
//! with file, lines and why.

mod analysis;
pub mod approve;
mod compare;
pub mod config_diff;
mod elsewhere;
mod encoding;
mod extract;
mod judge;
mod lexer;
mod removed;
mod runner_config;
mod side;
mod tree;

use std::cell::OnceCell;
use std::collections::HashSet;
use std::path::Path;

use anyhow::Result;

use crate::config;
use crate::config::ProtectConfig;
use crate::finding::{FindingKind, FindingReport};
use crate::git::{ChangeKind, Repo, Side};
use crate::git::{FileChange, Oid};
use crate::glob::GlobList;
use judge::{diff_lines, finding};
use lexer::Language;
pub use removed::tests_the_diff_changes;
use tree::Tree;

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
/// Snapshot files of insta, Jest/Vitest and syrupy, and golden or expected-data files by
/// their usual names and places (snapshots by another name).
const SNAPSHOTS: [&str; 23] = [
    "*.snap",
    "**/__snapshots__/**",
    "*.ambr",
    "*.golden",
    "*.gold",
    "**/testdata/**",
    "**/golden/**",
    "**/goldens/**",
    "**/__fixtures__/**",
    "**/fixtures/expected/**",
    "**/expected/**",
    "**/expected_output/**",
    "**/expected-output/**",
    "*.expected",
    "*.expected.*",
    "*.approved.*",
    "*_expected.*",
    "**/expected_*",
    "**/expected.*",
    "**/*-snapshots/**",
    "**/__image_snapshots__/**",
    "*.stdout",
    "*.stderr",
];
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
    // The whole tree, listed only when a reading needs more than the changed files.
    let tree: OnceCell<Option<Tree<'_>>> = OnceCell::new();
    let whole_tree = || {
        tree.get_or_init(|| {
            let listed = repo.tracked_in_commit(base_commit).ok()?;
            let base_paths = listed.changes.into_iter().map(|c| c.path).collect();
            Some(Tree::new(
                base_paths,
                scope.changes,
                &base_files,
                &target_files,
            ))
        })
        .as_ref()
    };

    let mut findings = Vec::new();
    let (mut base, mut target) = (side::Side::default(), side::Side::default());
    let mut deleted_test_files = HashSet::new();
    let mut configs = Vec::new();
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
        let text =
            |b: &Option<Vec<u8>>| b.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
        if path == Path::new(config::FILE_NAME) {
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
        if snapshots.is_match(path) && before.is_some() && !is_source(path) {
            findings.push(changed(
                FindingKind::SnapshotChanged,
                path,
                before.as_deref(),
                after.as_deref(),
                "is a snapshot or golden file of expected output",
            ));
        }
        if runner_config::is_config(path) {
            configs.push(runner_config::Change {
                path: path.clone(),
                before: text(&before),
                after: text(&after),
            });
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
                side.add(path.clone(), language, found, source);
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
    elsewhere::drop_available_imports(&mut base, &mut target, &whole_tree);
    let (test_findings, files_with_losses) = compare::compare(&base, &target, &deleted_test_files);
    findings.extend(test_findings);
    findings.extend(elsewhere::entry_points(&base, &target));
    findings.extend(elsewhere::modules(&base, &target, &whole_tree));
    if !configs.is_empty()
        && let Some(tree) = whole_tree()
    {
        findings.extend(runner_config::weakened(&configs, tree));
    }
    for file in &deleted_test_files {
        let had_tests = base
            .files
            .get(file)
            .is_some_and(|(_, f)| !f.tests.is_empty());
        if files_with_losses.contains(file)
            || (!had_tests && !moved_elsewhere(file, &base, &target))
        {
            let removed: Vec<String> = base
                .source(file)
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

/// Source code in a golden-looking place (`testdata/helper.go` is still Go): judged as code.
fn is_source(path: &Path) -> bool {
    Language::of(path).is_some() && !path.to_string_lossy().contains("expected")
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
fn moved_elsewhere(file: &Path, base: &side::Side, target: &side::Side) -> bool {
    let Some(old) = base.source(file) else {
        return false;
    };
    // Similar content only among a few likely candidates (same name or same directory), so a
    // move of thousands of files is not thousands squared of text diffs.
    target
        .near(file)
        .into_iter()
        .any(|(_, new)| new == old || similar::TextDiff::from_lines(old, new).ratio() > 0.6)
        || target.has_source(old)
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::path::{Path, PathBuf};

    use super::lexer::Language;
    use super::{extract, runner_config, side};

    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }

    /// An agent stops mid-edit: every prefix of every corpus file is read without a panic
    /// (a panic would fail the gate on half-written code).
    #[test]
    fn partial_sources_never_panic() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut all = Vec::new();
        files(&root.join("protected"), &mut all);
        files(&root.join("protected-holdout"), &mut all);
        let mut seen = HashSet::new();
        for path in all {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if !seen.insert(text.clone()) {
                continue;
            }
            // The path inside the case (after base/ or target/), as the gate sees it.
            let shown = path.to_string_lossy();
            let inner = shown
                .split_once("/base/")
                .or_else(|| shown.split_once("/target/"))
                .map_or(shown.as_ref(), |(_, rest)| rest)
                .to_owned();
            let inner = Path::new(&inner);
            let step = (text.len() / 9).max(1);
            let cuts: Vec<usize> = (0..=text.len())
                .step_by(step)
                .chain([text.len()])
                .filter(|&c| text.is_char_boundary(c))
                .collect();
            for cut in cuts {
                let part = &text[..cut];
                runner_config::facts_without_tree(inner, part);
                let Some(language) = Language::of(inner) else {
                    continue;
                };
                let found = extract::extract(inner, part, language, true);
                let mut side = side::Side::default();
                side.add(inner.to_path_buf(), language, found, part.to_owned());
                for (test, language) in side.tests() {
                    let _ = side.analyse(test, language);
                    let _ = side.markers(test, language);
                }
            }
        }
    }
}
