//! Java and Kotlin: `JUnit` 4/5 (`@Test`, `@ParameterizedTest`, `@RepeatedTest`,
//! `@TestFactory`), class names for identity, `@Disabled`/`@Ignore` (on the method or the
//! class) as markers.

use super::{FileTests, code, matching, test_case};
use crate::protected::lexer::{Kind, Language, Token};

/// An enclosing class: its name, where it ends, and its markers.
type Scope = (String, usize, Vec<(String, u32)>);

const TEST_ANNOTATIONS: [&str; 6] = [
    "Test",
    "ParameterizedTest",
    "RepeatedTest",
    "TestFactory",
    "TestTemplate",
    "Property",
];
const SKIP_ANNOTATIONS: [&str; 3] = ["Disabled", "Ignore", "Ignored"];

pub(super) fn extract(all: &[Token], language: Language) -> FileTests {
    let tokens = code(all);
    let mut found = FileTests::default();
    let mut classes: Vec<Scope> = Vec::new();
    let mut annotations: Vec<(String, u32)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        classes.retain(|(_, end, _)| *end > i);
        let t = &tokens[i];
        if t.is('@') && tokens.get(i + 1).is_some_and(|n| n.kind == Kind::Ident) {
            let mut j = i + 1;
            let mut name = tokens[j].text.clone();
            while tokens.get(j + 1).is_some_and(|n| n.is('.'))
                && tokens.get(j + 2).is_some_and(|n| n.kind == Kind::Ident)
            {
                j += 2;
                name.clone_from(&tokens[j].text);
            }
            annotations.push((name, t.line));
            j += 1;
            if tokens.get(j).is_some_and(|n| n.is('(')) {
                j = matching(&tokens, j) + 1;
            }
            i = j;
            continue;
        }
        if matches!(t.text.as_str(), "class" | "object" | "interface")
            && t.kind == Kind::Ident
            && tokens.get(i + 1).is_some_and(|n| n.kind == Kind::Ident)
            && let Some(open) = (i + 2..tokens.len())
                .find(|&p| tokens[p].is('{') || tokens[p].is(';'))
                .filter(|&p| tokens[p].is('{'))
        {
            let skips = annotations
                .iter()
                .filter(|(a, _)| SKIP_ANNOTATIONS.contains(&a.as_str()))
                .map(|(a, l)| (format!("@{a}"), *l))
                .collect();
            classes.push((tokens[i + 1].text.clone(), matching(&tokens, open), skips));
            annotations.clear();
            i = open + 1;
            continue;
        }
        if let Some((name, open)) = method_at(&tokens, i, language) {
            let close = matching(&tokens, open);
            let body = tokens[open + 1..close].to_vec();
            if annotations
                .iter()
                .any(|(a, _)| TEST_ANNOTATIONS.contains(&a.as_str()))
            {
                let path: Vec<&str> = classes.iter().map(|(c, _, _)| c.as_str()).collect();
                let qualified = if path.is_empty() {
                    name
                } else {
                    format!("{}.{name}", path.join("."))
                };
                let mut markers: Vec<(String, u32)> =
                    classes.iter().flat_map(|(_, _, m)| m.clone()).collect();
                markers.extend(
                    annotations
                        .iter()
                        .filter(|(a, _)| SKIP_ANNOTATIONS.contains(&a.as_str()))
                        .map(|(a, l)| (format!("@{a}"), *l)),
                );
                let start = annotations.first().map_or(t.line, |(_, l)| *l);
                found.tests.push(test_case(
                    qualified,
                    start,
                    tokens[close].line,
                    body,
                    markers,
                ));
            } else {
                found.helpers.insert(name, body);
            }
            annotations.clear();
            i = close + 1;
            continue;
        }
        if t.is(';') || t.is('}') {
            annotations.clear();
        }
        i += 1;
    }
    found
}

/// A method declaration starting at `i`: its name and the index of its body's `{`.
fn method_at(tokens: &[Token], i: usize, language: Language) -> Option<(String, usize)> {
    let name_at = if language == Language::Kotlin {
        if !tokens[i].is_ident("fun") {
            return None;
        }
        let mut j = i + 1;
        if tokens.get(j)?.is('<') {
            j = matching(tokens, j) + 1;
        }
        // Extension functions: `fun Foo.bar(`.
        while tokens.get(j + 1).is_some_and(|t| t.is('.')) {
            j += 2;
        }
        j
    } else {
        let t = &tokens[i];
        if t.kind != Kind::Ident
            || !tokens.get(i + 1)?.is('(')
            || matches!(
                t.text.as_str(),
                "if" | "for"
                    | "while"
                    | "switch"
                    | "catch"
                    | "synchronized"
                    | "return"
                    | "new"
                    | "super"
                    | "this"
            )
        {
            return None;
        }
        // A declaration follows a type or modifier, not an operator or `.`.
        let previous = tokens.get(i.checked_sub(1)?)?;
        if !(previous.kind == Kind::Ident || previous.is('>') || previous.is(']'))
            || matches!(previous.text.as_str(), "new" | "return" | "throw")
        {
            return None;
        }
        i
    };
    let name = tokens
        .get(name_at)
        .filter(|t| t.kind == Kind::Ident)?
        .text
        .clone();
    let paren = name_at + 1;
    if !tokens.get(paren)?.is('(') {
        return None;
    }
    let after = matching(tokens, paren) + 1;
    let open = (after..tokens.len().min(after + 30))
        .find(|&p| tokens[p].is('{') || tokens[p].is(';') || tokens[p].is('='))?;
    tokens[open].is('{').then_some((name, open))
}
