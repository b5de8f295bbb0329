//! Matching base and target tests by identity, not by file: by name, by the same short name in
//! the same file, by identical body, then by place (a test renamed in place whose body changed
//! with the code it tests is the same test, judged body against body); the rest is lost:
//! split into new tests, commented out, or deleted. Every index is built once, so matching
//! stays linear in the number of tests.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::path::{Path, PathBuf};

use super::changed_code::ChangedNames;
use super::extract::TestCase;
pub(super) use super::judge::finding;
use super::judge::{Pool, covered, judge};
use super::lexer::Language;
use super::side::{Side, family};
use crate::finding::{FindingKind, FindingReport};

/// Candidates per key, taken first-free-first; a cursor skips the ones already taken, so each
/// candidate is looked at a bounded number of times.
struct Index<K> {
    lists: HashMap<K, Vec<usize>>,
    cursors: HashMap<K, usize>,
}

impl<K: Hash + Eq + Clone> Index<K> {
    fn new() -> Self {
        Index {
            lists: HashMap::new(),
            cursors: HashMap::new(),
        }
    }

    fn add(&mut self, key: K, at: usize) {
        self.lists.entry(key).or_default().push(at);
    }

    /// The first candidate not yet matched.
    fn first_free(&mut self, key: &K, matched: &[bool]) -> Option<usize> {
        let list = self.lists.get(key)?;
        let cursor = self.cursors.entry(key.clone()).or_insert(0);
        while *cursor < list.len() && matched[list[*cursor]] {
            *cursor += 1;
        }
        list.get(*cursor).copied()
    }

    /// The only free candidate that satisfies `keep`, if exactly one does among the first few.
    fn only_free(
        &mut self,
        key: &K,
        matched: &[bool],
        keep: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let start = self.first_free(key, matched)?;
        let list = &self.lists[key];
        let from = list.iter().position(|&k| k == start).unwrap_or(0);
        let mut free = list[from..]
            .iter()
            .copied()
            .filter(|&k| !matched[k] && keep(k))
            .take(2);
        let first = free.next()?;
        free.next().is_none().then_some(first)
    }
}

/// Findings about tests: deleted, skipped, fewer or weaker assertions. `deleted_files` are
/// test files gone from the target; their lost tests become one deleted-test-file finding.
pub fn compare(
    base: &Side,
    target: &Side,
    deleted_files: &HashSet<PathBuf>,
    code_changed: &ChangedNames,
) -> (Vec<FindingReport>, HashSet<PathBuf>) {
    let targets = target.tests();
    let mut matched = vec![false; targets.len()];
    let mut by_name: Index<(u8, &str)> = Index::new();
    let mut by_name_in_file: Index<(u8, &str, &Path)> = Index::new();
    let mut by_body: Index<(u8, String)> = Index::new();
    let mut by_short: Index<(&Path, &str)> = Index::new();
    for (k, (t, l)) in targets.iter().enumerate() {
        by_name.add((family(*l), t.name.as_str()), k);
        by_name_in_file.add((family(*l), t.name.as_str(), t.file.as_path()), k);
        by_body.add((family(*l), t.body_key()), k);
        by_short.add((t.file.as_path(), t.short_name()), k);
    }
    let bases = base.tests();
    let mut pair_of: Vec<Option<usize>> = vec![None; bases.len()];
    for (n, (b, language)) in bases.iter().enumerate() {
        let f = family(*language);
        let found = by_name_in_file
            .first_free(&(f, b.name.as_str(), b.file.as_path()), &matched)
            .or_else(|| by_name.first_free(&(f, b.name.as_str()), &matched));
        if let Some(k) = found {
            matched[k] = true;
            pair_of[n] = Some(k);
        }
    }
    // Renamed or moved with an identical body, or the same test whose container changed (a
    // unittest class turned into pytest functions): still judged, markers and all.
    for (n, (b, language)) in bases.iter().enumerate() {
        if pair_of[n].is_some() {
            continue;
        }
        let f = family(*language);
        let found = by_short
            .only_free(&(b.file.as_path(), b.short_name()), &matched, |k| {
                family(targets[k].1) == f
            })
            .or_else(|| by_body.first_free(&(f, b.body_key()), &matched));
        if let Some(k) = found {
            matched[k] = true;
            pair_of[n] = Some(k);
        }
    }
    renamed_in_place(&bases, &targets, code_changed, &mut pair_of, &mut matched);
    // Assertions of tests that are new: where checks that left a test may have gone.
    let mut new_assertions: Pool = HashMap::new();
    for k in (0..targets.len()).filter(|&k| !matched[k]) {
        for a in target.analyse(targets[k].0, targets[k].1).assertions {
            *new_assertions.entry(a.text).or_default() += 1;
        }
    }
    let mut findings = Vec::new();
    let mut unresolved = Vec::new();
    for (n, (b, language)) in bases.iter().enumerate() {
        match pair_of[n] {
            Some(k) => judge(
                base,
                target,
                (b, *language),
                targets[k],
                &new_assertions,
                &mut findings,
            ),
            None => unresolved.push((*b, *language)),
        }
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

/// Lowercase words of a name (`test_rounds_half_up`, `roundsHalfUp`, `rounds half up`),
/// without the words every test shares.
fn words(name: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() || (c.is_uppercase() && previous_lower) {
            if word.len() >= 3 {
                out.insert(std::mem::take(&mut word));
            }
            word.clear();
        }
        if c.is_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    if word.len() >= 3 {
        out.insert(word);
    }
    for common in [
        "test", "tests", "should", "when", "the", "and", "with", "given", "then",
    ] {
        out.remove(common);
    }
    out
}

/// How alike two bodies are, token by token (0 to 1).
fn similarity(a: &TestCase, b: &TestCase) -> f32 {
    let left: Vec<&str> = a.body.iter().map(|t| t.text.as_str()).collect();
    let right: Vec<&str> = b.body.iter().map(|t| t.text.as_str()).collect();
    if left.is_empty() && right.is_empty() {
        return 1.0;
    }
    similar::TextDiff::configure()
        .timeout(std::time::Duration::from_millis(50))
        .diff_slices(&left, &right)
        .ratio()
}

/// A test renamed in place: in the same file, between the same matched neighbours, with a
/// similar body (and a name that shares a word, unless the bodies are nearly the same), that
/// exercises code the change touches (`code_changed`): a behaviour change renames its test
/// along with that code; a test swapped for a test of something else is a deletion.
fn renamed_in_place(
    bases: &[(&TestCase, Language)],
    targets: &[(&TestCase, Language)],
    code_changed: &ChangedNames,
    pair_of: &mut [Option<usize>],
    matched: &mut [bool],
) {
    // Positions of each file's tests (both lists are sorted by file, then line).
    fn runs<'a>(list: &[(&'a TestCase, Language)]) -> HashMap<&'a Path, (usize, usize)> {
        let mut runs: HashMap<&Path, (usize, usize)> = HashMap::new();
        for (k, (t, _)) in list.iter().enumerate() {
            runs.entry(t.file.as_path())
                .and_modify(|r| r.1 = k + 1)
                .or_insert((k, k + 1));
        }
        runs
    }
    let (base_runs, target_runs) = (runs(bases), runs(targets));
    for (file, &(from, to)) in &base_runs {
        let Some(&(t_from, t_to)) = target_runs.get(file) else {
            continue;
        };
        // The target slot of the nearest matched base test before and after each position.
        let in_file = |k: usize| (t_from..t_to).contains(&k);
        let mut previous = vec![t_from; to - from];
        let mut last = t_from;
        for n in from..to {
            previous[n - from] = last;
            if let Some(k) = pair_of[n].filter(|&k| in_file(k)) {
                last = k + 1;
            }
        }
        let mut next = vec![t_to; to - from];
        let mut upcoming = t_to;
        for n in (from..to).rev() {
            next[n - from] = upcoming;
            if let Some(k) = pair_of[n].filter(|&k| in_file(k)) {
                upcoming = k;
            }
        }
        for n in from..to {
            if pair_of[n].is_some() {
                continue;
            }
            let (b, language) = bases[n];
            let names = words(b.short_name());
            let found = (previous[n - from]..next[n - from].max(previous[n - from]))
                .filter(|&k| !matched[k] && family(targets[k].1) == family(language))
                .take(3)
                .find(|&k| {
                    let t = targets[k].0;
                    if !code_changed.exercised_by(family(language), &t.body) {
                        return false;
                    }
                    let shared = !names.is_disjoint(&words(t.short_name()));
                    let alike = similarity(b, t);
                    (shared && alike >= 0.4) || alike >= 0.75
                });
            if let Some(k) = found {
                matched[k] = true;
                pair_of[n] = Some(k);
            }
        }
    }
}

/// Tests of base with no counterpart: split into new tests, in a deleted file, commented out,
/// or deleted. Returns the deleted files that lost tests.
fn lost_tests(
    base: &Side,
    target: &Side,
    unresolved: Vec<(&TestCase, Language)>,
    new_assertions: &Pool,
    deleted_files: &HashSet<PathBuf>,
    findings: &mut Vec<FindingReport>,
) -> HashSet<PathBuf> {
    let mut files_with_losses = HashSet::new();
    let mut comments: HashMap<&Path, Comments<'_>> = HashMap::new();
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
        let commented = comments
            .entry(b.file.as_path())
            .or_insert_with(|| Comments::of(target, &b.file))
            .mentioning(b.short_name());
        let removed = base.lines(&b.file, b.start_line, b.end_line);
        match commented {
            Some((line, text)) => findings.push(finding(
                FindingKind::SkippedTest,
                &b.file,
                Some(b.start_line),
                Some(line),
                removed,
                vec![text.lines().next().unwrap_or_default().to_owned()],
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

/// A file's comments, indexed by the words in them.
struct Comments<'a> {
    all: Vec<(u32, &'a str)>,
    by_word: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Comments<'a> {
    fn of(side: &'a Side, file: &Path) -> Comments<'a> {
        let all: Vec<(u32, &str)> = side
            .files
            .get(file)
            .map(|(_, f)| {
                f.comments
                    .iter()
                    .map(|c| (c.line, c.text.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let mut by_word: HashMap<&str, Vec<usize>> = HashMap::new();
        for (k, (_, text)) in all.iter().enumerate() {
            for word in text
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
            {
                let list = by_word.entry(word).or_default();
                if list.last() != Some(&k) {
                    list.push(k);
                }
            }
        }
        Comments { all, by_word }
    }

    /// The first comment that contains `name`.
    fn mentioning(&self, name: &str) -> Option<(u32, &'a str)> {
        let longest = name
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .max_by_key(|w| w.len())
            .filter(|w| !w.is_empty())?;
        self.by_word
            .get(longest)?
            .iter()
            .map(|&k| self.all[k])
            .find(|(_, text)| text.contains(name))
    }
}
