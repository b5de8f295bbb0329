//! The built-in protected gate (SPEC §5): reads what changed between base and target and reports
//! test tampering (deleted, skipped, weakened tests, fewer assertions), tests switched off from
//! elsewhere, changed snapshots and golden files, changed protected paths, a weakened
//! gates.toml, and a test runner's configuration that runs fewer tests or stops failing, each
//! with file, lines and why.

mod analysis;
pub mod approve;
mod changed_code;
mod compare;
pub mod config_diff;
mod conversion;
mod elsewhere;
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
    /// The commit whose config the target's is judged against: the base, or with no base the
    /// branch the target would merge into (then only the config is compared).
    pub config_base: Option<Oid>,
    /// The config's path in the worktree (gates.toml, or `--config`'s).
    pub config_file: &'a Path,
    /// Where the gates read the files: the worktree, or a pushed commit's checkout.
    pub root: &'a Path,
    /// The version judged.
    pub target: Side,
    /// Every changed path.
    pub changes: &'a [FileChange],
}

/// `protect.paths` when not given: gates.toml, the hook files of every agent, and
/// `.gitattributes` at any depth (attributes decide what a checkout writes to disk, so what the
/// gates read).
pub fn default_paths() -> Vec<String> {
    let mut paths: Vec<String> = crate::agent::protected_paths()
        .into_iter()
        .map(str::to_owned)
        .collect();
    paths.push(".gitattributes".to_owned());
    paths
}

/// Runs the gate: every finding, before approvals are applied.
#[expect(
    clippy::too_many_lines,
    reason = "one pass over the changed paths, each kind of finding in turn"
)]
pub fn run(repo: &Repo, scope: &Scope<'_>) -> Result<Vec<FindingReport>> {
    let Some(base_commit) = scope.base else {
        // No base to compare tests with; the config is still judged against the branch the
        // target would merge into, when there is one.
        let Some(config_base) = scope.config_base else {
            return Ok(Vec::new());
        };
        let target = repo.contents(scope.target)?;
        let mut findings = config_findings(
            scope.config_file,
            repo.contents(Side::Commit(config_base))?
                .entry(scope.config_file)
                .as_ref(),
            target.entry(scope.config_file).as_ref(),
        );
        findings.retain(|f| !scope.config.allow.contains(&f.kind));
        return Ok(findings);
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
    // The names this change's code (not its tests) touches: a test renamed in place with a
    // new body is a behaviour change only where it exercises one of them.
    let mut code_changed = changed_code::ChangedNames::default();
    let mut configs = Vec::new();
    for change in scope.changes {
        let path = &change.path;
        // What git stores is a mode and bytes: a file and a symlink whose name is the file's
        // text are not the same, so "unchanged" needs both to agree.
        let before_entry = (change.kind != ChangeKind::Added)
            .then(|| base_files.entry(path))
            .flatten();
        let after_entry = (change.kind != ChangeKind::Deleted)
            .then(|| target_files.entry(path))
            .flatten();
        if before_entry == after_entry {
            continue;
        }
        if path == scope.config_file {
            findings.extend(config_findings(
                path,
                before_entry.as_ref(),
                after_entry.as_ref(),
            ));
        } else if protected_paths.is_match(path) {
            findings.push(changed_entry(
                FindingKind::ProtectedPath,
                path,
                before_entry.as_ref(),
                after_entry.as_ref(),
                "is a protected path",
            ));
        }
        if snapshots.is_match(path) && before_entry.is_some() && !is_source(path) {
            findings.push(changed_entry(
                FindingKind::SnapshotChanged,
                path,
                before_entry.as_ref(),
                after_entry.as_ref(),
                "is a snapshot or golden file of expected output",
            ));
        }
        let is_test_path = tests.is_match(path);
        // A test file that is now a symlink or a submodule (or a link pointed elsewhere): the
        // runner follows it to bytes this diff does not show.
        if is_test_path
            && let (Some(old), Some(new)) = (&before_entry, &after_entry)
            && !new.is_regular()
        {
            // What the link leads to where the gates read is part of the finding, so an
            // approval never covers a later change of that file.
            let leads_to = resolved(scope.root, path);
            findings.push(finding(
                FindingKind::DeletedTestFile,
                path,
                Some(1),
                None,
                shown(old).lines().take(12).map(str::to_owned).collect(),
                vec![shown(new), leads_to],
                format!(
                    "test file is now {} (it was {}): the test runner follows it to a file this change does not show",
                    new.describe(),
                    old.describe()
                ),
            ));
            continue;
        }
        // Only regular files are source text; anything else reads as gone.
        let regular = |e: &Option<crate::git::Stored>| {
            e.as_ref()
                .filter(|s| s.is_regular())
                .map(|s| s.bytes.clone())
        };
        let (before, after) = (regular(&before_entry), regular(&after_entry));
        if runner_config::is_config(path) {
            let text =
                |b: &Option<Vec<u8>>| b.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
            configs.push(runner_config::Change {
                path: path.clone(),
                before: text(&before),
                after: text(&after),
            });
        }
        if change.submodule && before.is_none() && after.is_none() {
            continue;
        }
        let Some(language) = Language::of(path) else {
            continue;
        };
        if !is_test_path && before != after {
            code_changed.add(language, before.as_deref(), after.as_deref());
        }
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
    let (test_findings, files_with_losses) =
        compare::compare(&base, &target, &deleted_test_files, &code_changed);
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
    findings.extend(conversion::findings(repo, scope, &target_files)?);
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

/// The config's findings between two versions of it: `gate-weakened` for every change that is
/// not provably stricter, and for a config that is no longer a regular file (the hooks and CI
/// refuse it; its blob is a name, not a config).
fn config_findings(
    path: &Path,
    before: Option<&crate::git::Stored>,
    after: Option<&crate::git::Stored>,
) -> Vec<FindingReport> {
    if before == after {
        return Vec::new();
    }
    let text = |e: Option<&crate::git::Stored>| {
        e.filter(|s| s.is_regular())
            .map(|s| String::from_utf8_lossy(&s.bytes).into_owned())
    };
    if let (Some(old), Some(new)) = (before, after)
        && old.is_regular()
        && !new.is_regular()
    {
        return vec![finding(
            FindingKind::GateWeakened,
            path,
            Some(1),
            None,
            Vec::new(),
            vec![shown(new)],
            format!(
                "{} is now {}: backstop reads a config only as a regular file, and a link's text is not the config",
                path.display(),
                new.describe()
            ),
        )];
    }
    config_diff::weakened(path, text(before).as_deref(), text(after).as_deref())
}

/// What `path` leads to in `root` when followed: the id of the file's bytes, for findings
/// about links (and their approvals) to change when the file they point at does.
pub fn resolved(root: &Path, path: &Path) -> String {
    let full = root.join(path);
    match std::fs::metadata(&full) {
        Ok(m) if m.is_file() => crate::git::blob_id_of_file(&full).map_or_else(
            |e| format!("which cannot be read here ({e})"),
            |id| format!("which leads to a file with blob id {id} here"),
        ),
        Ok(_) => "which leads to something other than a file here".to_owned(),
        Err(_) => "which leads nowhere here".to_owned(),
    }
}

/// An entry's content as lines show it: a file's text, or what a link or submodule is.
fn shown(entry: &crate::git::Stored) -> String {
    if entry.is_regular() {
        String::from_utf8_lossy(&entry.bytes).into_owned()
    } else {
        entry.describe()
    }
}

/// A changed path's finding, saying when what changed is the type or mode, not the text.
fn changed_entry(
    kind: FindingKind,
    path: &Path,
    before: Option<&crate::git::Stored>,
    after: Option<&crate::git::Stored>,
    what: &str,
) -> FindingReport {
    let bytes = |e: Option<&crate::git::Stored>| e.map(|s| shown(s).into_bytes());
    let (old, new) = (bytes(before), bytes(after));
    let mut report = changed(kind, path, old.as_deref(), new.as_deref(), what);
    if let (Some(b), Some(a)) = (before, after)
        && (b.mode != a.mode)
    {
        report.why = format!(
            "{} {what} and changed from {} to {}",
            path.display(),
            b.describe(),
            a.describe()
        );
    }
    report
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
