//! The names a change's code (not its tests) touches: the identifiers on its changed lines and
//! the definitions those lines sit in. A test renamed in place with a new body is the same
//! test only when it exercises one of them: the behaviour it checks changed with the code.
//! A test swapped for a test of something else, with no code of its own changed, is a deletion.

use std::collections::{HashMap, HashSet};

/// Changed names per language family.
#[derive(Debug, Default)]
pub struct ChangedNames {
    by_family: HashMap<u8, HashSet<String>>,
}

/// Files larger than this are not diffed (their names are not gathered): a rename in place
/// then needs another changed file of the family to exercise.
const LIMIT: usize = 1 << 20;

/// Lines a definition is looked for above a changed line.
const REACH: usize = 400;

/// Words every language has; they tie a test to no particular code.
const COMMON: &[&str] = &[
    "self",
    "this",
    "super",
    "return",
    "assert",
    "true",
    "false",
    "none",
    "null",
    "nil",
    "def",
    "func",
    "function",
    "let",
    "const",
    "var",
    "for",
    "while",
    "if",
    "else",
    "elif",
    "new",
    "public",
    "private",
    "protected",
    "static",
    "void",
    "int",
    "str",
    "string",
    "bool",
    "float",
    "async",
    "await",
    "import",
    "from",
    "export",
    "default",
    "class",
    "pub",
    "mut",
    "impl",
    "use",
    "mod",
    "crate",
    "and",
    "not",
    "the",
    "with",
    "pass",
    "raise",
    "throw",
    "try",
    "catch",
    "except",
    "finally",
    "yield",
    "lambda",
    "type",
    "interface",
    "package",
    "final",
    "val",
    "fun",
    "err",
    "len",
    "fmt",
    "expect",
    "test",
    "tests",
    "describe",
    "it",
];

/// Keywords that open a definition on their line.
const DEFINES: &[&str] = &[
    "def",
    "fn",
    "func",
    "function",
    "class",
    "struct",
    "enum",
    "trait",
    "impl",
    "interface",
    "fun",
    "object",
    "type",
];

impl ChangedNames {
    /// Adds what changed between `before` and `after` (either may be absent) in a code file of
    /// `family`.
    pub fn add(&mut self, family: u8, before: Option<&[u8]>, after: Option<&[u8]>) {
        let text = |b: Option<&[u8]>| {
            b.filter(|b| b.len() <= LIMIT)
                .map(|b| String::from_utf8_lossy(b).into_owned())
        };
        let (Some(old), Some(new)) = (
            text(before).or_else(|| before.is_none().then(String::new)),
            text(after).or_else(|| after.is_none().then(String::new)),
        ) else {
            return;
        };
        let names = self.by_family.entry(family).or_default();
        let (old_lines, new_lines): (Vec<&str>, Vec<&str>) =
            (old.lines().collect(), new.lines().collect());
        let diff = similar::TextDiff::configure()
            .timeout(std::time::Duration::from_millis(200))
            .diff_slices(&old_lines, &new_lines);
        for change in diff.iter_all_changes() {
            let (lines, at) = match (change.tag(), change.old_index(), change.new_index()) {
                (similar::ChangeTag::Delete, Some(at), _) => (&old_lines, at),
                (similar::ChangeTag::Insert, _, Some(at)) => (&new_lines, at),
                _ => continue,
            };
            if lines[at].trim().is_empty() {
                continue;
            }
            names.extend(identifiers(lines[at]));
            if let Some(definition) = enclosing_definition(lines, at) {
                names.extend(identifiers(definition));
            }
        }
    }

    /// Whether `body` (a test's tokens' texts) names code this change touched in `family`.
    pub fn exercised_by<'a>(&self, family: u8, body: impl Iterator<Item = &'a str>) -> bool {
        let Some(names) = self.by_family.get(&family) else {
            return false;
        };
        body.flat_map(identifiers).any(|word| names.contains(&word))
    }
}

/// The nearest line at or above `at` that opens a definition (within [`REACH`] lines).
fn enclosing_definition<'a>(lines: &[&'a str], at: usize) -> Option<&'a str> {
    (at.saturating_sub(REACH)..=at)
        .rev()
        .map(|n| lines[n])
        .find(|line| {
            line.split(|c: char| !c.is_alphanumeric() && c != '_')
                .take(6)
                .any(|word| DEFINES.contains(&word))
                || java_like_method(line)
        })
}

/// `public int total(List<Integer> xs) {`: a method declared by its modifiers.
fn java_like_method(line: &str) -> bool {
    let trimmed = line.trim_start();
    ["public ", "private ", "protected ", "static "]
        .iter()
        .any(|m| trimmed.starts_with(m))
        && trimmed.contains('(')
}

/// Identifiers of three or more characters, lowercased, without the words every language
/// has.
fn identifiers(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| w.len() >= 3 && !w.starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .filter(|w| !COMMON.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::ChangedNames;

    #[test]
    fn a_changed_body_names_its_function_and_an_added_function_names_only_itself() {
        let mut names = ChangedNames::default();
        names.add(
            1,
            Some(b"def total(xs):\n    return sum(xs)\n\n\ndef read_rows(t):\n    return t\n"),
            Some(b"def total(xs):\n    return sum(xs) + 1\n\n\ndef read_rows(t):\n    return t\n\n\ndef average(s):\n    return s\n"),
        );
        assert!(names.exercised_by(1, ["total", "(", "[", "1", "]", ")"].into_iter()));
        assert!(names.exercised_by(1, ["average"].into_iter()));
        // The function above an added one is not touched by it.
        assert!(!names.exercised_by(1, ["read_rows", "(", ")"].into_iter()));
        // Another family's code is not this family's.
        assert!(!names.exercised_by(2, ["total"].into_iter()));
    }
}
