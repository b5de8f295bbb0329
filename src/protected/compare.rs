//! Matching base and target tests by identity, not by file, and judging each change.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use similar::{ChangeTag, TextDiff};

use super::analysis::{Analysis, Strength, analyse};
use super::extract::{FileTests, TestCase};
use super::lexer::Language;
use crate::finding::{FindingKind, FindingReport};

/// One side (base or target) of the changed test files.
#[derive(Default)]
pub struct Side {
    /// Tests and helpers per file.
    pub files: HashMap<PathBuf, (Language, FileTests)>,
    /// Source text per file, for the lines a finding shows.
    pub sources: HashMap<PathBuf, String>,
    /// Helpers of every file, per language family, built once.
    helpers: std::cell::OnceCell<HashMap<u8, HashMap<String, Vec<super::lexer::Token>>>>,
}

impl Side {
    fn tests(&self) -> Vec<(&TestCase, Language)> {
        let mut all: Vec<(&TestCase, Language)> = self
            .files
            .values()
            .flat_map(|(l, f)| f.tests.iter().map(move |t| (t, *l)))
            .collect();
        all.sort_by(|a, b| (&a.0.file, a.0.start_line).cmp(&(&b.0.file, b.0.start_line)));
        all
    }

    fn analyse(&self, test: &TestCase, language: Language) -> Analysis {
        // Helpers of any changed file of the same family count: assertions moved into
        // `tests/common/mod.rs` still belong to the test.
        let all = self.helpers.get_or_init(|| {
            let mut all: HashMap<u8, HashMap<String, Vec<super::lexer::Token>>> = HashMap::new();
            for (l, file) in self.files.values() {
                let family_helpers = all.entry(family(*l)).or_default();
                for (name, body) in &file.helpers {
                    family_helpers
                        .entry(name.clone())
                        .or_insert_with(|| body.clone());
                }
            }
            all
        });
        let empty = HashMap::new();
        let mut analysis = analyse(
            &test.body,
            language,
            all.get(&family(language)).unwrap_or(&empty),
        );
        analysis.assertions.extend(test.declared.iter().cloned());
        analysis
    }

    fn lines(&self, file: &Path, from: u32, to: u32) -> Vec<String> {
        self.sources.get(file).map_or_else(Vec::new, |s| {
            s.lines()
                .skip(from.saturating_sub(1) as usize)
                .take((to + 1).saturating_sub(from) as usize)
                .map(str::to_owned)
                .collect()
        })
    }
}

/// Languages whose tests can move into each other's files (JS/TS, Java/Kotlin).
fn family(language: Language) -> u8 {
    match language {
        Language::Rust => 0,
        Language::Python => 1,
        Language::Js => 2,
        Language::Go => 3,
        Language::Java | Language::Kotlin => 4,
    }
}

/// Findings about tests: deleted, skipped, fewer or weaker assertions. `deleted_files` are
/// test files gone from the target; their lost tests become one deleted-test-file finding.
#[expect(
    clippy::too_many_lines,
    reason = "indexes, then matching by name, short name, body: one pass, in order"
)]
pub fn compare(
    base: &Side,
    target: &Side,
    deleted_files: &HashSet<PathBuf>,
) -> (Vec<FindingReport>, HashSet<PathBuf>) {
    let targets = target.tests();
    let mut matched = vec![false; targets.len()];
    // Indexes, so that matching thousands of tests stays linear.
    let mut by_name: HashMap<(u8, &str), Vec<usize>> = HashMap::new();
    let mut by_body: HashMap<(u8, String), Vec<usize>> = HashMap::new();
    let mut by_short: HashMap<(&Path, &str), Vec<usize>> = HashMap::new();
    for (k, (t, l)) in targets.iter().enumerate() {
        by_name
            .entry((family(*l), t.name.as_str()))
            .or_default()
            .push(k);
        by_body
            .entry((family(*l), t.body_key()))
            .or_default()
            .push(k);
        by_short
            .entry((t.file.as_path(), t.short_name()))
            .or_default()
            .push(k);
    }
    let take = |candidates: Option<&Vec<usize>>,
                matched: &[bool],
                prefer: &dyn Fn(usize) -> bool|
     -> Option<usize> {
        let free: Vec<usize> = candidates
            .map(|c| c.iter().copied().filter(|&k| !matched[k]).collect())
            .unwrap_or_default();
        free.iter()
            .copied()
            .find(|&k| prefer(k))
            .or_else(|| free.first().copied())
    };
    let mut pairs = Vec::new();
    let mut missing = Vec::new();
    for (b, language) in base.tests() {
        match take(
            by_name.get(&(family(language), b.name.as_str())),
            &matched,
            &|k| targets[k].0.file == b.file,
        ) {
            Some(k) => {
                matched[k] = true;
                pairs.push((b, language, k));
            }
            None => missing.push((b, language)),
        }
    }
    // Renamed or moved with an identical body, or the same test whose container changed (a
    // unittest class turned into pytest functions): still judged, markers and all.
    let mut unresolved = Vec::new();
    for (b, language) in missing {
        let same_short = by_short
            .get(&(b.file.as_path(), b.short_name()))
            .map(|c| {
                c.iter()
                    .copied()
                    .filter(|&k| !matched[k] && family(targets[k].1) == family(language))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let found = if let [k] = same_short.as_slice() {
            Some(*k)
        } else {
            take(
                by_body.get(&(family(language), b.body_key())),
                &matched,
                &|_| true,
            )
        };
        match found {
            Some(k) => {
                matched[k] = true;
                pairs.push((b, language, k));
            }
            None => unresolved.push((b, language)),
        }
    }
    // Assertions of tests that are new: where checks that left a test may have gone.
    let new_assertions: Vec<String> = (0..targets.len())
        .filter(|&k| !matched[k])
        .flat_map(|k| {
            target
                .analyse(targets[k].0, targets[k].1)
                .assertions
                .into_iter()
                .map(|a| a.text)
        })
        .collect();
    let mut findings = Vec::new();
    for (b, language, k) in pairs {
        judge(
            base,
            target,
            (b, language),
            targets[k],
            &new_assertions,
            &mut findings,
        );
    }
    let files_with_losses = lost_tests(
        base,
        target,
        unresolved,
        &new_assertions,
        deleted_files,
        &mut findings,
    );
    (findings, files_with_losses)
}

/// Tests of base with no counterpart: split into new tests, in a deleted file, commented out,
/// or deleted. Returns the deleted files that lost tests.
fn lost_tests(
    base: &Side,
    target: &Side,
    unresolved: Vec<(&TestCase, Language)>,
    new_assertions: &[String],
    deleted_files: &HashSet<PathBuf>,
    findings: &mut Vec<FindingReport>,
) -> HashSet<PathBuf> {
    let mut files_with_losses = HashSet::new();
    for (b, language) in unresolved {
        let lost: Vec<String> = base
            .analyse(b, language)
            .assertions
            .into_iter()
            .map(|a| a.text)
            .collect();
        if !lost.is_empty() && covered(&lost, new_assertions) {
            // Split or merged: every check of the lost test lives on in a new one.
            continue;
        }
        if deleted_files.contains(&b.file) {
            files_with_losses.insert(b.file.clone());
            continue;
        }
        let commented = target.files.get(&b.file).and_then(|(_, f)| {
            f.comments
                .iter()
                .find(|c| mentions(&c.text, b.short_name()))
        });
        let removed = base.lines(&b.file, b.start_line, b.end_line);
        match commented {
            Some(comment) => findings.push(finding(
                FindingKind::SkippedTest,
                &b.file,
                Some(b.start_line),
                Some(comment.line),
                removed,
                vec![comment.text.lines().next().unwrap_or_default().to_owned()],
                format!("test `{}` was turned into a comment", b.name),
            )),
            None => findings.push(finding(
                FindingKind::DeletedTest,
                &b.file,
                Some(b.start_line),
                None,
                removed,
                Vec::new(),
                format!(
                    "test `{}` was deleted and exists nowhere in the target",
                    b.name
                ),
            )),
        }
    }
    files_with_losses
}

/// Whether every text of `lost` (as a multiset) is in `pool`.
fn covered(lost: &[String], pool: &[String]) -> bool {
    let mut pool = pool.to_vec();
    lost.iter()
        .all(|text| match pool.iter().position(|p| p == text) {
            Some(at) => {
                pool.swap_remove(at);
                true
            }
            None => false,
        })
}

fn mentions(comment: &str, name: &str) -> bool {
    !name.is_empty() && comment.contains(name)
}

fn judge(
    base: &Side,
    target: &Side,
    (b, bl): (&TestCase, Language),
    (t, tl): (&TestCase, Language),
    new_assertions: &[String],
    findings: &mut Vec<FindingReport>,
) {
    let before = base.analyse(b, bl);
    let mut after = target.analyse(t, tl);
    let diff = || {
        diff_lines(
            &base.lines(&b.file, b.start_line, b.end_line),
            &target.lines(&t.file, t.start_line, t.end_line),
        )
    };
    let old_markers: Vec<&String> = b.markers.iter().map(|(m, _)| m).collect();
    if let Some((marker, line)) = t.markers.iter().find(|(m, _)| !old_markers.contains(&m)) {
        let (removed, _) = diff();
        let added = target.lines(&t.file, *line, *line);
        findings.push(finding(
            FindingKind::SkippedTest,
            &t.file,
            Some(b.start_line),
            Some(*line),
            removed,
            added,
            format!("test `{}` gained the skip/focus marker `{marker}`", t.name),
        ));
        return;
    }
    let (removed, added) = diff();
    if t.cases < b.cases {
        let why = format!(
            "{} of the cases of table-driven test `{}` were removed ({} left)",
            b.cases - t.cases,
            t.name,
            t.cases
        );
        findings.push(finding(
            FindingKind::DeletedTest,
            &t.file,
            Some(b.start_line),
            Some(t.start_line),
            removed,
            added,
            why,
        ));
        return;
    }
    // Checks that moved into a new test (a test split in two) were not removed.
    let mut remaining: Vec<String> = after.assertions.iter().map(|a| a.text.clone()).collect();
    let gone: Vec<String> = before
        .assertions
        .iter()
        .map(|a| a.text.clone())
        .filter(|text| match remaining.iter().position(|r| r == text) {
            Some(at) => {
                remaining.swap_remove(at);
                false
            }
            None => true,
        })
        .collect();
    let moved = !gone.is_empty() && covered(&gone, new_assertions);
    if moved {
        // They still check, elsewhere: judge strength as if they had stayed.
        let kept: Vec<_> = before
            .assertions
            .iter()
            .filter(|a| gone.contains(&a.text))
            .cloned()
            .collect();
        after.assertions.extend(kept);
    }
    if !moved && after.assertions.len() < before.assertions.len() {
        findings.push(finding(
            FindingKind::RemovedAssertion,
            &t.file,
            Some(b.start_line),
            Some(t.start_line),
            removed,
            added,
            format!(
                "test `{}` has {} assertions, {} before",
                t.name,
                after.assertions.len(),
                before.assertions.len()
            ),
        ));
        return;
    }
    let why = weakening(&before, &after);
    if let Some(why) = why {
        findings.push(finding(
            FindingKind::WeakenedAssertion,
            &t.file,
            Some(b.start_line),
            Some(t.start_line),
            removed,
            added,
            format!("test `{}` was weakened: {why}", t.name),
        ));
    }
}

/// Lines removed and added between two versions (at most a dozen of each).
pub fn diff_lines(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let old = before.join("\n") + "\n";
    let new = after.join("\n") + "\n";
    let diff = TextDiff::from_lines(&old, &new);
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches('\n').to_owned();
        match change.tag() {
            ChangeTag::Delete => removed.push(line),
            ChangeTag::Insert => added.push(line),
            ChangeTag::Equal => {}
        }
    }
    (removed, added)
}

/// A finding with its fields in order.
pub fn finding(
    kind: FindingKind,
    file: &Path,
    base_line: Option<u32>,
    target_line: Option<u32>,
    removed: Vec<String>,
    added: Vec<String>,
    why: String,
) -> FindingReport {
    let file = file.to_string_lossy().into_owned();
    let identity = crate::git::blob_id(
        format!(
            "{kind:?}\n{file}\n{why}\n{}\n--\n{}",
            removed.join("\n"),
            added.join("\n")
        )
        .as_bytes(),
    );
    FindingReport {
        kind,
        file,
        base_line,
        target_line,
        removed: cap(removed),
        added: cap(added),
        why,
        identity,
    }
}

fn cap(mut lines: Vec<String>) -> Vec<String> {
    lines.truncate(12);
    lines
}

/// Why a test that kept its assertion count is weaker now, if it is.
fn weakening(before: &Analysis, after: &Analysis) -> Option<String> {
    if after.count(Strength::Trivial) > before.count(Strength::Trivial) {
        Some("an assertion is now trivially true".to_owned())
    } else if after.count(Strength::Strong) < before.count(Strength::Strong) {
        Some(format!(
            "{} of its assertions compare with an expected value, {} before",
            after.count(Strength::Strong),
            before.count(Strength::Strong)
        ))
    } else if after.early_returns.len() > before.early_returns.len() {
        Some("its body now returns before it finishes checking".to_owned())
    } else if after.never_true.len() > before.never_true.len() {
        Some("its body is now behind a condition that is never true".to_owned())
    } else {
        None
    }
}
