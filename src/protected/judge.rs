//! Judging one test against its counterpart: new skip markers (on the test, through a helper it
//! calls, or from a setup hook), lost cases, fewer assertions, and the ways a test keeps its
//! assertions but stops checking (trivially true, looser matchers, looser tolerances, an
//! expected value computed by the code under test, a declaration that inverts it, an early
//! return, a never-true guard).

use std::collections::HashMap;
use std::path::Path;

use similar::{ChangeTag, TextDiff};

use super::analysis::{Analysis, Assertion, Strength};
use super::extract::TestCase;
use super::lexer::Language;
use super::side::Side;
use crate::finding::{FindingKind, FindingReport};

/// Assertion texts of the tests that are new in the target, as a multiset.
pub type Pool = HashMap<String, usize>;

/// Whether every text of `lost` (as a multiset) is in `pool`.
pub fn covered(lost: &[String], pool: &Pool) -> bool {
    let mut wanted: HashMap<&str, usize> = HashMap::new();
    for text in lost {
        *wanted.entry(text.as_str()).or_default() += 1;
    }
    wanted
        .iter()
        .all(|(text, n)| pool.get(*text).is_some_and(|have| have >= n))
}

/// Judges a base test against the target test it became; pushes what is wrong.
#[expect(
    clippy::too_many_lines,
    reason = "the findings in order of precedence, one return each"
)]
pub fn judge(
    base: &Side,
    target: &Side,
    (b, bl): (&TestCase, Language),
    (t, tl): (&TestCase, Language),
    new_assertions: &Pool,
    findings: &mut Vec<FindingReport>,
) {
    let before = base.analyse(b, bl);
    let mut after = target.analyse(t, tl);
    // A test judged under a new name (renamed in place, moved) is named by both, so the
    // finding says which test of the base it is.
    let named = if b.name == t.name {
        format!("`{}`", t.name)
    } else {
        format!("`{}` (was `{}`)", t.name, b.name)
    };
    let diff = || {
        diff_lines(
            &base.lines(&b.file, b.start_line, b.end_line),
            &target.lines(&t.file, t.start_line, t.end_line),
        )
    };
    let old_markers: Vec<String> = base
        .markers(b, bl)
        .into_iter()
        .map(|(m, _)| m)
        .chain(before.skips.iter().cloned())
        .collect();
    let new_markers: Vec<(String, u32)> = target
        .markers(t, tl)
        .into_iter()
        .chain(after.skips.iter().map(|s| (s.clone(), t.start_line)))
        .collect();
    if let Some((marker, line)) = new_markers.iter().find(|(m, _)| !old_markers.contains(m)) {
        let (removed, _) = diff();
        let added = target.lines(&t.file, *line, *line);
        let why = if after.skips.contains(marker) {
            format!("test {named} now calls {marker}, which skips it")
        } else {
            format!("test {named} gained the skip/focus marker `{marker}`")
        };
        findings.push(finding(
            FindingKind::SkippedTest,
            &t.file,
            Some(b.start_line),
            Some(*line),
            removed,
            added,
            why,
        ));
        return;
    }
    let (removed, added) = diff();
    if t.cases < b.cases {
        let why = format!(
            "{} of the cases of table-driven test {named} were removed ({} left)",
            b.cases - t.cases,
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
                "test {named} has {} assertions, {} before",
                after.assertions.len(),
                before.assertions.len()
            ),
        ));
        return;
    }
    let inverted = t.inverted.iter().find(|d| !b.inverted.contains(d));
    let why = inverted
        .map(|d| format!("`{d}` makes it pass when its assertions fail"))
        .or_else(|| weakening(&before, &after));
    if let Some(why) = why {
        findings.push(finding(
            FindingKind::WeakenedAssertion,
            &t.file,
            Some(b.start_line),
            Some(t.start_line),
            removed,
            added,
            format!("test {named} was weakened: {why}"),
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

/// Base and target assertions paired: the same subject first, then in order.
fn pairs<'a>(
    before: &'a [Assertion],
    after: &'a [Assertion],
) -> Vec<(&'a Assertion, &'a Assertion)> {
    let mut by_subject: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, a) in after.iter().enumerate().rev() {
        if !a.subject.is_empty() {
            by_subject.entry(a.subject.as_str()).or_default().push(j);
        }
    }
    let mut used = vec![false; after.len()];
    let mut paired: Vec<Option<usize>> = vec![None; before.len()];
    for (k, b) in before.iter().enumerate() {
        if let Some(at) = by_subject.get_mut(b.subject.as_str()).and_then(Vec::pop) {
            used[at] = true;
            paired[k] = Some(at);
        }
    }
    let mut next = 0;
    for slot in &mut paired {
        if slot.is_none() {
            while next < after.len() && used[next] {
                next += 1;
            }
            if next < after.len() {
                used[next] = true;
                *slot = Some(next);
            }
        }
    }
    before
        .iter()
        .zip(paired)
        .filter_map(|(b, at)| at.map(|j| (b, &after[j])))
        .collect()
}

/// Why a test that kept its assertion count is weaker now, if it is.
fn weakening(before: &Analysis, after: &Analysis) -> Option<String> {
    if after.count(Strength::Trivial) > before.count(Strength::Trivial) {
        return Some("an assertion is now trivially true or its failure is swallowed".to_owned());
    }
    if after.count(Strength::Strong) < before.count(Strength::Strong) {
        return Some(format!(
            "{} of its assertions compare with an expected value, {} before",
            after.count(Strength::Strong),
            before.count(Strength::Strong)
        ));
    }
    if after.derived.len() > before.derived.len() {
        let call = after.derived.last().cloned().unwrap_or_default();
        return Some(format!(
            "its expected value is now computed by `{call}`, the code under test"
        ));
    }
    for (b, a) in pairs(&before.assertions, &after.assertions) {
        if a.precision < b.precision && a.text != b.text {
            return Some(format!("`{}` became the looser `{}`", b.text, a.text));
        }
    }
    // Tolerances paired by form, in order.
    let mut used = vec![false; after.tolerances.len()];
    for b in &before.tolerances {
        let Some(k) =
            (0..after.tolerances.len()).find(|&k| !used[k] && after.tolerances[k].form == b.form)
        else {
            continue;
        };
        used[k] = true;
        let a = &after.tolerances[k];
        if a.looser_than(b) {
            return Some(format!(
                "the tolerance of `{}` went from {} to {}",
                a.form, b.value, a.value
            ));
        }
    }
    // A tolerance where there was none (an exact comparison made approximate) is a finding
    // only when it is wide: more than 5% (or 0.05), or fewer than two digits.
    for (k, a) in after.tolerances.iter().enumerate() {
        let new = !used[k]
            && !a.form.contains("bound")
            && !before.tolerances.iter().any(|b| b.form == a.form);
        let percent = a.form.contains("Percentage");
        let wide = if a.larger_is_looser {
            a.value > if percent { 5.0 } else { 0.05 }
        } else {
            a.value <= 1.0
        };
        if new && wide {
            return Some(format!(
                "a comparison now accepts a tolerance of {} (`{}`)",
                a.value, a.form
            ));
        }
    }
    if after.early_returns.len() > before.early_returns.len() {
        Some("its body now returns before it finishes checking".to_owned())
    } else if after.never_true.len() > before.never_true.len() {
        Some("its body is now behind a condition that is never true".to_owned())
    } else {
        None
    }
}
