//! Cargo and its test tools: which targets of a package run their `#[test]` functions under
//! `cargo test` (the library unless `test = false`, `tests/*.rs` unless `autotests = false`,
//! declared `[[test]]`s unless `harness = false`, `test = false` or a `required-features` that
//! is not on by default); nextest's `default-filter` and `retries`; tarpaulin's `fail-under`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use toml::{Table, Value as Toml};

use super::facts::{Fact, Value};
use super::pytest::line_of;
use crate::protected::tree::{Tree, Version};

/// Whether a Rust source holds test functions.
fn has_tests(text: &str) -> bool {
    text.contains("#[test]")
        || text.contains("#[tokio::test")
        || text.contains("test]")
        || text.contains("#[rstest")
        || text.contains("#[test_case")
}

/// The package's targets whose `#[test]` functions run, named by their source file.
#[expect(
    clippy::too_many_lines,
    reason = "lib, bins and test targets, each with its switches"
)]
pub fn facts(path: &Path, text: &str, tree: &Tree<'_>, version: Version) -> Vec<Fact> {
    let Ok(doc) = text.parse::<Table>() else {
        return Vec::new();
    };
    if doc.get("package").is_none() {
        return Vec::new();
    }
    let dir = path.parent().unwrap_or(Path::new(""));
    let paths: BTreeSet<&PathBuf> = tree
        .paths(version)
        .iter()
        .filter(|p| p.starts_with(dir))
        .collect();
    let read = |p: &Path| tree.read(version, p).unwrap_or_default();
    let defaults: BTreeSet<String> = doc
        .get("features")
        .and_then(|f| f.get("default"))
        .and_then(Toml::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let off = |target: &Toml| -> bool {
        target.get("harness").and_then(Toml::as_bool) == Some(false)
            || target.get("test").and_then(Toml::as_bool) == Some(false)
            || target
                .get("required-features")
                .and_then(Toml::as_array)
                .is_some_and(|features| {
                    features
                        .iter()
                        .filter_map(Toml::as_str)
                        .any(|f| !defaults.contains(f))
                })
    };
    let mut units = BTreeSet::new();
    // The library: its root and the modules under src/ hold the unit tests.
    let lib = doc.get("lib");
    let lib_root = lib
        .and_then(|l| l.get("path"))
        .and_then(Toml::as_str)
        .map_or_else(|| dir.join("src/lib.rs"), |p| dir.join(p));
    if paths.contains(&lib_root) && !lib.is_some_and(&off) {
        let src = lib_root.parent().unwrap_or(dir).to_path_buf();
        let tested = paths
            .iter()
            .filter(|p| p.starts_with(&src) && p.extension().is_some_and(|e| e == "rs"))
            .filter(|p| {
                !p.to_string_lossy().contains("/bin/")
                    && p.file_name().is_none_or(|n| n != "main.rs")
            })
            .any(|p| has_tests(&read(p)));
        if tested {
            units.insert(format!("the unit tests of {}", lib_root.display()));
        }
        let doc_examples = read(&lib_root).contains("```");
        if doc_examples && lib.and_then(|l| l.get("doctest")).and_then(Toml::as_bool) != Some(false)
        {
            units.insert(format!("the doc tests of {}", lib_root.display()));
        }
    }
    // Declared [[bin]] targets with `test = false`.
    for bin in doc
        .get("bin")
        .and_then(Toml::as_array)
        .into_iter()
        .flatten()
    {
        let file = bin
            .get("path")
            .and_then(Toml::as_str)
            .map(|p| dir.join(p))
            .or_else(|| {
                bin.get("name")
                    .and_then(Toml::as_str)
                    .map(|n| dir.join(format!("src/bin/{n}.rs")))
            });
        if let Some(file) = file
            && paths.contains(&file)
            && !off(bin)
            && has_tests(&read(&file))
        {
            units.insert(format!("the tests of {}", file.display()));
        }
    }
    // Integration tests: discovered unless `autotests = false`, and the declared ones.
    let declared: Vec<&Toml> = doc
        .get("test")
        .and_then(Toml::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let declared_file = |t: &Toml| -> Option<PathBuf> {
        t.get("path")
            .and_then(Toml::as_str)
            .map(|p| dir.join(p))
            .or_else(|| {
                t.get("name")
                    .and_then(Toml::as_str)
                    .map(|n| dir.join(format!("tests/{n}.rs")))
            })
    };
    let autotests = doc
        .get("package")
        .and_then(|p| p.get("autotests"))
        .and_then(Toml::as_bool)
        != Some(false);
    let tests_dir = dir.join("tests");
    let discovered: Vec<PathBuf> = paths
        .iter()
        .filter(|p| {
            p.parent() == Some(tests_dir.as_path()) && p.extension().is_some_and(|e| e == "rs")
                || p.parent().and_then(Path::parent) == Some(tests_dir.as_path())
                    && p.file_name().is_some_and(|n| n == "main.rs")
        })
        .map(|p| (*p).clone())
        .collect();
    for file in discovered {
        let declaration = declared.iter().find(|t| {
            declared_file(t).as_deref() == Some(file.as_path()) || {
                let stem = file
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default();
                t.get("name").and_then(Toml::as_str) == Some(stem) && t.get("path").is_none()
            }
        });
        let runs = match declaration {
            Some(t) => !off(t),
            None => autotests,
        };
        if runs && has_tests(&read(&file)) {
            units.insert(format!("the tests of {}", file.display()));
        }
    }
    for t in &declared {
        if let Some(file) = declared_file(t)
            && file.parent() != Some(tests_dir.as_path())
            && paths.contains(&file)
            && !off(t)
            && has_tests(&read(&file))
        {
            units.insert(format!("the tests of {}", file.display()));
        }
    }
    vec![
        Fact::new("Cargo targets with tests", 1, Value::Units(units)).at(line_of(
            text,
            "[package]",
            1,
        )
        .max(1)),
    ]
}

/// nextest's profiles: `default-filter` and `retries`.
pub fn nextest_facts(text: &str) -> Vec<Fact> {
    let Ok(doc) = text.parse::<Table>() else {
        return Vec::new();
    };
    let mut facts = Vec::new();
    for (name, profile) in doc
        .get("profile")
        .and_then(Toml::as_table)
        .into_iter()
        .flatten()
    {
        let header = text
            .lines()
            .position(|l| l.trim() == format!("[profile.{name}]"))
            .map_or(1, |n| u32::try_from(n + 1).unwrap_or(1));
        if let Some(filter) = profile.get("default-filter").and_then(Toml::as_str) {
            facts.push(Fact::new(
                format!("nextest profile `{name}` default-filter"),
                line_of(text, "default-filter", header),
                Value::Filter(filter.to_owned()),
            ));
        }
        for (n, o) in profile
            .get("overrides")
            .and_then(Toml::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let count = o.get("retries").and_then(|r| {
                r.as_integer()
                    .or_else(|| r.get("count").and_then(Toml::as_integer))
            });
            if let Some(count) = count {
                let filter = o.get("filter").and_then(Toml::as_str).unwrap_or_default();
                facts.push(Fact::new(
                    format!(
                        "nextest profile `{name}` override {} ({filter}) retries",
                        n + 1
                    ),
                    line_of(text, "retries", header),
                    Value::Maximum(f64::from(i32::try_from(count).unwrap_or(i32::MAX))),
                ));
            }
        }
        let retries = profile.get("retries").and_then(|r| {
            r.as_integer()
                .or_else(|| r.get("count").and_then(Toml::as_integer))
        });
        if let Some(count) = retries {
            facts.push(Fact::new(
                format!("nextest profile `{name}` retries"),
                line_of(text, "retries", header),
                Value::Maximum(f64::from(i32::try_from(count).unwrap_or(i32::MAX))),
            ));
        }
    }
    facts
}

/// tarpaulin's `fail-under`, per section.
pub fn tarpaulin_facts(text: &str) -> Vec<Fact> {
    let Ok(doc) = text.parse::<Table>() else {
        return Vec::new();
    };
    doc.iter()
        .filter_map(|(name, section)| {
            let v = section.get("fail-under")?;
            let v = v.as_float().or_else(|| {
                v.as_integer()
                    .and_then(|i| i32::try_from(i).ok())
                    .map(f64::from)
            })?;
            Some(Fact::new(
                format!("tarpaulin [{name}] fail-under"),
                line_of(text, "fail-under", 1),
                Value::Minimum(v),
            ))
        })
        .collect()
}

impl Fact {
    /// The same fact on another line.
    fn at(mut self, line: u32) -> Fact {
        self.line = line;
        self
    }
}
