//! The test runner's configuration, base against target (`test-config-weakened`): a semantic
//! reading of each runner's, build tool's and CI system's configuration as facts with a
//! direction (what it excludes, includes, switches off, requires, retries, filters, and the
//! test commands it runs), judged against the repository's test files. Running fewer tests or
//! no longer failing on them is a finding; widening, tightening, new tests, dependencies,
//! versions and formatting are not.

mod args;
mod cargo;
mod ci;
mod command;
mod facts;
mod ini;
mod js;
mod jvm;
mod patterns;
mod pytest;
mod recipes;
mod yaml;

use std::path::{Path, PathBuf};

use super::judge::finding;
use super::tree::{Tree, Version};
use crate::finding::{FindingKind, FindingReport};
use command::Invocation;
use facts::{Fact, TestFiles, Value};
use patterns::Family;

/// A changed configuration file.
pub struct Change {
    /// Its path.
    pub path: PathBuf,
    /// The base's text.
    pub before: Option<String>,
    /// The target's text.
    pub after: Option<String>,
}

/// What kind of configuration a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pyproject,
    Ini,
    Conftest,
    Js,
    Cargo,
    Nextest,
    Tarpaulin,
    Recipes,
    Pom,
    Gradle,
    Ci,
}

fn kind_of(path: &Path) -> Option<Kind> {
    let name = path.file_name()?.to_str()?;
    let text = path.to_string_lossy();
    if text.contains("node_modules/") || text.contains("/vendor/") {
        return None;
    }
    if ci::system_of(&text).is_some() {
        return Some(Kind::Ci);
    }
    Some(match name {
        "pyproject.toml" => Kind::Pyproject,
        "pytest.ini" | ".pytest.ini" | "tox.ini" | "setup.cfg" | ".coveragerc" => Kind::Ini,
        "conftest.py" => Kind::Conftest,
        "Cargo.toml" => Kind::Cargo,
        "nextest.toml" if text.ends_with(".config/nextest.toml") => Kind::Nextest,
        "tarpaulin.toml" | ".tarpaulin.toml" => Kind::Tarpaulin,
        "Makefile" | "makefile" | "GNUmakefile" | "justfile" | "Justfile" | ".justfile"
        | "Taskfile.yml" | "Taskfile.yaml" | "taskfile.yml" => Kind::Recipes,
        "pom.xml" => Kind::Pom,
        "build.gradle" | "build.gradle.kts" => Kind::Gradle,
        _ if Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("mk")) =>
        {
            Kind::Recipes
        }
        _ if js::runner_of(name).is_some() => Kind::Js,
        _ => return None,
    })
}

/// Whether a path is a runner, build or CI configuration file.
pub fn is_config(path: &Path) -> bool {
    kind_of(path).is_some()
}

fn facts_of(path: &Path, text: &str, tree: &Tree<'_>, version: Version) -> Vec<Fact> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    match kind_of(path) {
        Some(Kind::Pyproject) => pytest::pyproject_facts(text),
        Some(Kind::Ini) => pytest::ini_facts(name, text),
        Some(Kind::Conftest) => pytest::conftest_facts(text),
        Some(Kind::Js) => js::facts(name, text),
        Some(Kind::Cargo) => cargo::facts(path, text, tree, version),
        Some(Kind::Nextest) => cargo::nextest_facts(text),
        Some(Kind::Tarpaulin) => cargo::tarpaulin_facts(text),
        Some(Kind::Recipes) => recipes::facts(name, text),
        Some(Kind::Pom) => jvm::pom_facts(text),
        Some(Kind::Gradle) => jvm::gradle_facts(text),
        Some(Kind::Ci) => ci::facts(&path.to_string_lossy(), text),
        None => Vec::new(),
    }
}

/// Every test file of the target, by family, with its path.
fn test_files(tree: &Tree<'_>) -> Vec<(Family, String)> {
    let mut out = Vec::new();
    for path in tree.paths(Version::Target) {
        for family in [
            Family::Python,
            Family::Js,
            Family::Go,
            Family::Rust,
            Family::Jvm,
        ] {
            if patterns::is_test_file(path, family) {
                out.push((family, path.to_string_lossy().into_owned()));
            }
        }
    }
    out
}

/// The commands of every CI configuration of the target (where a job that left one file
/// may have gone).
fn ci_commands(tree: &Tree<'_>) -> Vec<Invocation> {
    let mut out = Vec::new();
    for path in tree.paths(Version::Target) {
        if kind_of(path) == Some(Kind::Ci)
            && let Some(text) = tree.read(Version::Target, path)
        {
            for fact in ci::facts(&path.to_string_lossy(), &text) {
                if let Value::Commands(list) = fact.value {
                    out.extend(list);
                }
            }
        }
    }
    out
}

/// The `test-config-weakened` findings of the changed configuration files.
pub fn weakened(changes: &[Change], tree: &Tree<'_>) -> Vec<FindingReport> {
    let all_tests = test_files(tree);
    let mut ci_elsewhere: Option<Vec<Invocation>> = None;
    let mut findings = Vec::new();
    for change in changes {
        let kind = kind_of(&change.path);
        let before = match &change.before {
            Some(text) => facts_of(&change.path, text, tree, Version::Base),
            None => Vec::new(),
        };
        let after = match &change.after {
            Some(text) => facts_of(&change.path, text, tree, Version::Target),
            None if matches!(kind, Some(Kind::Ci | Kind::Recipes)) => Vec::new(),
            None => continue,
        };
        // Test files relative to the configuration's directory.
        let dir = change.path.parent().unwrap_or(Path::new(""));
        let dir = if kind == Some(Kind::Ci) {
            Path::new("")
        } else {
            dir
        };
        let relative: Vec<(Family, String)> = all_tests
            .iter()
            .filter_map(|(f, p)| {
                Path::new(p)
                    .strip_prefix(dir)
                    .ok()
                    .map(|r| (*f, r.to_string_lossy().into_owned()))
            })
            .collect();
        let mut elsewhere: Vec<Invocation> = after
            .iter()
            .filter_map(|f| match &f.value {
                Value::Commands(list) => Some(list.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        if kind == Some(Kind::Ci) {
            elsewhere.extend(
                ci_elsewhere
                    .get_or_insert_with(|| ci_commands(tree))
                    .iter()
                    .cloned(),
            );
        }
        let holds_tests = |family: Family, relative: &str| {
            tree.read(Version::Target, &dir.join(relative))
                .is_none_or(|text| patterns::holds_tests(family, &text))
        };
        let tests = TestFiles {
            files: &relative,
            holds_tests: &holds_tests,
        };
        for weakening in facts::compare(&before, &after, &tests, &elsewhere) {
            let line_of = |text: &Option<String>, line: Option<u32>| -> Vec<String> {
                match (text, line) {
                    (Some(text), Some(line)) => text
                        .lines()
                        .nth(line.saturating_sub(1) as usize)
                        .map(|l| vec![l.to_owned()])
                        .unwrap_or_default(),
                    _ => Vec::new(),
                }
            };
            let removed = line_of(&change.before, weakening.base_line);
            let added = line_of(&change.after, weakening.target_line);
            let (removed, added) = if removed == added {
                (Vec::new(), added)
            } else {
                (removed, added)
            };
            findings.push(finding(
                FindingKind::TestConfigWeakened,
                &change.path,
                weakening.base_line,
                weakening.target_line,
                removed,
                added,
                format!("{}: {}", change.path.display(), weakening.why),
            ));
        }
    }
    findings
}
