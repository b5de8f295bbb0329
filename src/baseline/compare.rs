//! Old or new: each problem the gate reports on the target is matched against the problems
//! it reported at the base, by file, rule and message, with the base's line followed through
//! the diff. Each base problem stands for one target problem at most, so a second copy of an
//! old problem is new.

use std::path::Path;

use super::record::rooted;
use crate::diagnostic::{Diagnostic, Severity};

/// What the comparison found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Problems (notes aside) that existed at the base.
    pub old: usize,
    /// Problems (notes aside) the change brought.
    pub new: usize,
    /// Whether any problem is located in a file (otherwise nothing can be compared).
    pub located: bool,
}

/// Marks each of `target`'s diagnostics `at_base` (true: the base had it) and counts them.
/// `root` is where the target's gate ran (messages may name it); `follow` says where a base
/// line of a file is in the target.
pub fn mark(
    target: &mut [Diagnostic],
    base: &[Diagnostic],
    root: &Path,
    follow: &dyn Fn(&str, u32) -> Option<u32>,
) -> Verdict {
    let mut unused: Vec<&Diagnostic> = base.iter().collect();
    let mut verdict = Verdict::default();
    for diagnostic in target.iter_mut() {
        let message = rooted(&diagnostic.message, root);
        let found = unused.iter().position(|old| {
            old.file == diagnostic.file
                && old.rule == diagnostic.rule
                && old.message == message
                && match (old.line, diagnostic.line, old.file.as_deref()) {
                    (Some(was), Some(now), Some(file)) => follow(file, was) == Some(now),
                    (None, None, _) => true,
                    _ => false,
                }
        });
        let at_base = found.is_some();
        if let Some(index) = found {
            unused.swap_remove(index);
        }
        diagnostic.at_base = Some(at_base);
        verdict.located |= diagnostic.file.is_some();
        if diagnostic.severity != Some(Severity::Note) {
            if at_base {
                verdict.old += 1;
            } else {
                verdict.new += 1;
            }
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(file: &str, line: u32, message: &str) -> Diagnostic {
        let mut d = Diagnostic::new(Some(Severity::Error), message).rule(Some("E1"));
        d.file = Some(file.to_owned());
        d.line = Some(line);
        d
    }

    /// Two lines inserted at the top of a.py; b.py unchanged.
    #[expect(clippy::unnecessary_wraps, reason = "the shape `mark` takes")]
    fn follow(file: &str, line: u32) -> Option<u32> {
        if file == "a.py" {
            Some(line + 2)
        } else {
            Some(line)
        }
    }

    #[test]
    fn old_problems_on_moved_lines_are_old_and_a_second_copy_is_new() {
        let base = [at("a.py", 3, "unused x"), at("b.py", 7, "unused y")];
        let mut target = vec![
            at("a.py", 5, "unused x"),
            at("b.py", 7, "unused y"),
            at("b.py", 9, "unused y"),
        ];
        let verdict = mark(&mut target, &base, Path::new("/r"), &follow);
        assert_eq!(
            verdict,
            Verdict {
                old: 2,
                new: 1,
                located: true
            }
        );
        let marks: Vec<Option<bool>> = target.iter().map(|d| d.at_base).collect();
        assert_eq!(marks, [Some(true), Some(true), Some(false)]);
    }

    #[test]
    fn a_problem_that_did_not_follow_its_line_or_changed_its_words_is_new() {
        let base = [at("a.py", 3, "unused x")];
        // Still at line 3: but line 3 of the base is line 5 now.
        let mut stayed = vec![at("a.py", 3, "unused x")];
        assert_eq!(mark(&mut stayed, &base, Path::new("/r"), &follow).new, 1);
        let mut reworded = vec![at("a.py", 5, "unused z")];
        assert_eq!(mark(&mut reworded, &base, Path::new("/r"), &follow).new, 1);
    }

    #[test]
    fn notes_do_not_count_and_paths_of_the_checkout_do_not_differ() {
        let base = [Diagnostic::new(None, "cannot read <root>/x.toml")];
        let mut target = vec![
            Diagnostic::new(None, "cannot read /work/repo/x.toml"),
            Diagnostic::new(Some(Severity::Note), "see the docs"),
        ];
        let verdict = mark(&mut target, &base, Path::new("/work/repo"), &follow);
        assert_eq!(
            verdict,
            Verdict {
                old: 1,
                new: 0,
                located: false
            }
        );
    }
}
