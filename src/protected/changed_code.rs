//! The names a change's code (not its tests) touches: the identifiers on its changed lines and
//! the definitions those lines sit in. A test renamed in place with a new body is the same
//! test only when it exercises one of them: the behaviour it checks changed with the code.
//! A test swapped for a test of something else, with no code of its own changed, is a deletion.

use std::collections::{HashMap, HashSet};

use super::lexer::{Kind, Language, Token, tokenize};
use super::side::family;

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
    /// `language`. Lines are compared as code tokens, so a comment or whitespace edit changes
    /// nothing; what is gathered is the definitions the changed lines are (or sit in), never
    /// every word on them.
    pub fn add(&mut self, language: Language, before: Option<&[u8]>, after: Option<&[u8]>) {
        let code = |b: Option<&[u8]>| -> Option<Vec<String>> {
            match b {
                None => Some(Vec::new()),
                Some(b) if b.len() > LIMIT => None,
                Some(b) => Some(code_lines(&String::from_utf8_lossy(b), language)),
            }
        };
        let (Some(old_lines), Some(new_lines)) = (code(before), code(after)) else {
            return;
        };
        let names = self.by_family.entry(family(language)).or_default();
        let (old_strs, new_strs) = (as_strs(&old_lines), as_strs(&new_lines));
        let diff = similar::TextDiff::configure()
            .timeout(std::time::Duration::from_millis(200))
            .diff_slices(&old_strs, &new_strs);
        for change in diff.iter_all_changes() {
            let (lines, at) = match (change.tag(), change.old_index(), change.new_index()) {
                (similar::ChangeTag::Delete, Some(at), _) => (&old_lines, at),
                (similar::ChangeTag::Insert, _, Some(at)) => (&new_lines, at),
                _ => continue,
            };
            if let Some(definition) = enclosing_definition(lines, at) {
                names.extend(identifiers(definition));
            }
        }
    }

    /// Whether a test body (its code tokens) calls code this change touched in `family`: a
    /// changed definition's name followed by `(`.
    pub fn exercised_by(&self, family: u8, body: &[Token]) -> bool {
        let Some(names) = self.by_family.get(&family) else {
            return false;
        };
        body.windows(2).any(|pair| {
            pair[0].kind == Kind::Ident
                && pair[1].text == "("
                && names.contains(&pair[0].text.to_lowercase())
        })
    }
}

fn as_strs(lines: &[String]) -> Vec<&str> {
    lines.iter().map(String::as_str).collect()
}

/// The file's code, one string per line that has any (comments and blank lines left out).
fn code_lines(source: &str, language: Language) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current: Option<u32> = None;
    for token in tokenize(source, language) {
        if matches!(token.kind, Kind::Comment | Kind::Newline) {
            continue;
        }
        if current != Some(token.line) {
            current = Some(token.line);
            lines.push(String::new());
        }
        if let Some(line) = lines.last_mut() {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&token.text);
        }
    }
    lines
}

/// The nearest line at or above `at` that opens a definition (within [`REACH`] lines).
fn enclosing_definition(lines: &[String], at: usize) -> Option<&str> {
    (at.saturating_sub(REACH)..=at)
        .rev()
        .map(|n| lines[n].as_str())
        .find(|line| defines(line))
}

/// Whether a line of code opens a definition: a keyword (`def`, `fn`, `func`, `class`...),
/// a method declared by its modifiers, or a function bound to a name (`const f = (x) =>`).
fn defines(line: &str) -> bool {
    let words: Vec<&str> = line
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .take(6)
        .collect();
    words.iter().any(|word| DEFINES.contains(word))
        || java_like_method(line)
        || (line.contains("=>")
            && matches!(words.first(), Some(&("const" | "let" | "var" | "export"))))
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
    use crate::protected::lexer::{Language, tokenize};
    use crate::protected::side::family;

    fn calls(names: &ChangedNames, code: &str) -> bool {
        names.exercised_by(family(Language::Python), &tokenize(code, Language::Python))
    }

    #[test]
    fn a_changed_body_names_its_function_and_comments_change_nothing() {
        let base = "def total(xs):\n    return sum(xs)\n\n\ndef read_rows(t):\n    return t\n";
        let mut names = ChangedNames::default();
        names.add(
            Language::Python,
            Some(base.as_bytes()),
            Some(b"def total(xs):\n    return sum(xs) + 1\n\n\ndef read_rows(t):\n    return t  # tidy\n\n\ndef average(s):\n    return s\n"),
        );
        assert!(calls(&names, "assert total([1, 2]) == 4"));
        assert!(calls(&names, "assert average(3) == 3"));
        // A comment added to a function is no change to it; naming is not calling.
        assert!(!calls(&names, "assert read_rows(\"a\")"));
        assert!(!calls(&names, "f = total"));
        // Another family's code is not this family's.
        assert!(!names.exercised_by(family(Language::Go), &tokenize("total(1)", Language::Go)));
    }
}
