//! Tests the diff itself speaks for: removed from a changed file (deleted, renamed or moved
//! away) or newly marked to be skipped there. The baseline's test census leaves these to the
//! findings of this gate (`deleted-test`, `skipped-test`) and reports only tests that stopped
//! running for a reason the diff of the tests does not show.

use std::collections::BTreeSet;

use anyhow::Result;

use super::lexer::Language;
use super::{Scope, USUAL_TESTS, extract};
use crate::git::{ChangeKind, Repo};
use crate::glob::GlobList;

/// The short names (last segment: `test_add`, `one` of `TestTable/one`) of the tests that a
/// changed file had at the base and no longer has, or that gained a skip marker in it.
pub fn tests_the_diff_changes(repo: &Repo, scope: &Scope<'_>) -> Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    let Some(base) = scope.base else {
        return Ok(names);
    };
    let mut globs: Vec<String> = USUAL_TESTS.iter().map(|s| (*s).to_owned()).collect();
    globs.extend(scope.config.tests.clone().unwrap_or_default());
    let tests = GlobList::new(&globs).map_err(anyhow::Error::msg)?;
    let target = repo.contents(scope.target)?;
    for change in scope.changes.iter().filter(|c| !c.submodule) {
        let Some(language) = Language::of(&change.path) else {
            continue;
        };
        let is_test_path = tests.is_match(&change.path);
        if !is_test_path && language != Language::Rust {
            continue;
        }
        let read = |bytes: Option<Vec<u8>>| {
            bytes.map(|b| {
                let source = String::from_utf8_lossy(&b).into_owned();
                extract::extract(&change.path, &source, language, is_test_path).tests
            })
        };
        let before = read(
            (change.kind != ChangeKind::Added)
                .then(|| repo.file_at(base, &change.path))
                .flatten(),
        )
        .unwrap_or_default();
        let after = read(
            (change.kind != ChangeKind::Deleted)
                .then(|| target.read(&change.path))
                .flatten(),
        )
        .unwrap_or_default();
        for test in &before {
            match after.iter().find(|t| t.name == test.name) {
                None => {
                    names.insert(test.short_name().to_owned());
                }
                Some(now) if now.markers.len() > test.markers.len() => {
                    names.insert(test.short_name().to_owned());
                }
                Some(_) => {}
            }
        }
    }
    Ok(names)
}
