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

use std::collections::{BTreeMap, BTreeSet};
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
    // Dependencies, and test data: a project's fixtures may hold whole projects (Go's
    // `testdata/`, a corpus of cases), whose configuration is data, not this repository's.
    let data = path.components().any(|c| {
        matches!(
            c.as_os_str().to_str(),
            Some(
                "node_modules"
                    | "vendor"
                    | "testdata"
                    | "fixtures"
                    | "__fixtures__"
                    | "test-fixtures"
                    | "test_data"
            )
        )
    });
    if data {
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

/// A runner configured somewhere in the target: which files it runs.
struct Scope {
    runner: String,
    file: PathBuf,
    dir: PathBuf,
    family: Family,
    includes: Vec<Vec<patterns::Pattern>>,
    excludes: Vec<patterns::Pattern>,
}

impl Scope {
    fn runs(&self, path: &str) -> bool {
        let Ok(relative) = Path::new(path).strip_prefix(&self.dir) else {
            return false;
        };
        let relative = relative.to_string_lossy();
        self.includes
            .iter()
            .all(|any| any.iter().any(|p| p.matches(&relative)))
            && !self.excludes.iter().any(|p| p.matches(&relative))
    }
}

/// Every JS and JVM runner configured in the target, by runner and file.
fn scopes(tree: &Tree<'_>) -> Vec<Scope> {
    let mut out: Vec<Scope> = Vec::new();
    for path in tree.paths(Version::Target) {
        if !matches!(kind_of(path), Some(Kind::Js | Kind::Pom | Kind::Gradle)) {
            continue;
        }
        let Some(text) = tree.read(Version::Target, path) else {
            continue;
        };
        for fact in facts_of(path, &text, tree, Version::Target) {
            let runner = fact.key.split(' ').next().unwrap_or_default().to_owned();
            let (matcher, family, list, include) = match fact.value {
                Value::Include(m, f, l) => (m, f, l, true),
                Value::Exclude(m, f, l) => (m, f, l, false),
                _ => continue,
            };
            let existing = out
                .iter()
                .position(|s| s.runner == runner && s.file == *path);
            let at = existing.unwrap_or_else(|| {
                out.push(Scope {
                    runner,
                    file: path.clone(),
                    dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
                    family,
                    includes: Vec::new(),
                    excludes: Vec::new(),
                });
                out.len() - 1
            });
            let compiled: Vec<patterns::Pattern> = list
                .iter()
                .map(|p| patterns::Pattern::new(matcher, p))
                .collect();
            if include {
                out[at].includes.push(compiled);
            } else {
                out[at].excludes.extend(compiled);
            }
        }
    }
    out.retain(|s| !s.includes.is_empty());
    out
}

/// The configuration files compared together: every CI file, or the configuration files of
/// one directory (a pytest configuration moved from setup.cfg to pyproject.toml is one
/// configuration; so are jest.config.js and package.json's `jest`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Ci,
    Dir(PathBuf),
}

fn group_of(path: &Path) -> Group {
    if kind_of(path) == Some(Kind::Ci) {
        Group::Ci
    } else {
        Group::Dir(path.parent().map(Path::to_path_buf).unwrap_or_default())
    }
}

/// One file of a group: its path and both versions.
struct Member {
    path: PathBuf,
    before: Option<String>,
    after: Option<String>,
}

/// The `test-config-weakened` findings of the changed configuration files.
#[expect(
    clippy::too_many_lines,
    reason = "groups, their files, the comparison, the findings"
)]
pub fn weakened(changes: &[Change], tree: &Tree<'_>) -> Vec<FindingReport> {
    let all_tests = test_files(tree);
    let mut groups: BTreeMap<Group, Vec<Member>> = BTreeMap::new();
    for change in changes {
        groups
            .entry(group_of(&change.path))
            .or_default()
            .push(Member {
                path: change.path.clone(),
                before: change.before.clone(),
                after: change.after.clone(),
            });
    }
    // The unchanged configuration files of each group take part as they are.
    let mut listed: BTreeSet<&PathBuf> = tree.paths(Version::Target).iter().collect();
    listed.extend(tree.paths(Version::Base));
    for path in listed {
        if kind_of(path).is_none() {
            continue;
        }
        let Some(members) = groups.get_mut(&group_of(path)) else {
            continue;
        };
        if members.iter().any(|m| m.path == *path) {
            continue;
        }
        let text = tree
            .read(Version::Target, path)
            .or_else(|| tree.read(Version::Base, path));
        members.push(Member {
            path: path.clone(),
            before: text.clone(),
            after: text,
        });
    }
    let runners: std::cell::OnceCell<Vec<Scope>> = std::cell::OnceCell::new();
    let mut findings = Vec::new();
    for (group, mut members) in groups {
        members.sort_by(|a, b| a.path.cmp(&b.path));
        let read = |version: Version| -> Vec<Fact> {
            let mut all = Vec::new();
            for (n, member) in members.iter().enumerate() {
                let text = match version {
                    Version::Base => &member.before,
                    Version::Target => &member.after,
                };
                if let Some(text) = text {
                    for mut fact in facts_of(&member.path, text, tree, version) {
                        fact.file = n;
                        if group == Group::Ci {
                            fact.key = format!("{} {}", member.path.display(), fact.key);
                        }
                        all.push(fact);
                    }
                }
            }
            all
        };
        let (before, after) = (read(Version::Base), read(Version::Target));
        let dir = match &group {
            Group::Ci => PathBuf::new(),
            Group::Dir(dir) => dir.clone(),
        };
        // Test files relative to the configuration's directory.
        let relative: Vec<(Family, String)> = all_tests
            .iter()
            .filter_map(|(f, p)| {
                Path::new(p)
                    .strip_prefix(&dir)
                    .ok()
                    .map(|r| (*f, r.to_string_lossy().into_owned()))
            })
            .collect();
        let elsewhere: Vec<Invocation> = after
            .iter()
            .filter_map(|f| match &f.value {
                Value::Commands(list) => Some(list.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        let holds_tests = |family: Family, relative: &str| {
            tree.read(Version::Target, &dir.join(relative))
                .is_none_or(|text| patterns::holds_tests(family, &text))
        };
        let own: Vec<&PathBuf> = members.iter().map(|m| &m.path).collect();
        let run_elsewhere = |runner: &str, family: Family, relative: &str| {
            let path = dir.join(relative).to_string_lossy().into_owned();
            runners.get_or_init(|| scopes(tree)).iter().any(|s| {
                s.family == family
                    && (s.runner != runner || !own.contains(&&s.file))
                    && s.runs(&path)
            })
        };
        let tests = TestFiles {
            files: &relative,
            holds_tests: &holds_tests,
            run_elsewhere: &run_elsewhere,
        };
        for weakening in facts::compare(&before, &after, &tests, &elsewhere) {
            let line = |at: Option<(usize, u32)>, version: Version| -> Vec<String> {
                let Some((file, line)) = at else {
                    return Vec::new();
                };
                let text = match version {
                    Version::Base => &members[file].before,
                    Version::Target => &members[file].after,
                };
                text.as_ref()
                    .and_then(|t| t.lines().nth(line.saturating_sub(1) as usize))
                    .map(|l| vec![l.to_owned()])
                    .unwrap_or_default()
            };
            let removed = line(weakening.base, Version::Base);
            let added = line(weakening.target, Version::Target);
            let file = &members[weakening.target.or(weakening.base).map_or(0, |(f, _)| f)].path;
            let same_file = |at: Option<(usize, u32)>| {
                at.filter(|(f, _)| members[*f].path == *file)
                    .map(|(_, l)| l)
            };
            let (removed, added) = if removed == added {
                (Vec::new(), added)
            } else {
                (removed, added)
            };
            findings.push(finding(
                FindingKind::TestConfigWeakened,
                file,
                same_file(weakening.base),
                same_file(weakening.target),
                removed,
                added,
                format!("{}: {}", file.display(), weakening.why),
            ));
        }
    }
    findings
}

/// The facts of any configuration file that needs no tree (all but Cargo.toml), for tests.
#[cfg(test)]
pub(super) fn facts_without_tree(path: &Path, text: &str) -> usize {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let facts = match kind_of(path) {
        Some(Kind::Pyproject) => pytest::pyproject_facts(text),
        Some(Kind::Ini) => pytest::ini_facts(name, text),
        Some(Kind::Conftest) => pytest::conftest_facts(text),
        Some(Kind::Js) => js::facts(name, text),
        Some(Kind::Nextest) => cargo::nextest_facts(text),
        Some(Kind::Tarpaulin) => cargo::tarpaulin_facts(text),
        Some(Kind::Recipes) => recipes::facts(name, text),
        Some(Kind::Pom) => jvm::pom_facts(text),
        Some(Kind::Gradle) => jvm::gradle_facts(text),
        Some(Kind::Ci) => ci::facts(&path.to_string_lossy(), text),
        Some(Kind::Cargo) | None => Vec::new(),
    };
    facts.len()
}
