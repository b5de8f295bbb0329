//! Java and Kotlin: `JUnit` 4/5 and `TestNG` (`@Test`, `@ParameterizedTest`, `@RepeatedTest`,
//! `@TestFactory`), class names for identity, `@Disabled*`/`@Enabled*`/`@Ignore` (on the
//! method or the class), assumptions in a test or in its `@BeforeEach`, and annotations
//! declared `@Disabled` as markers; `@Test(expected = AssertionError.class)` inverts a test.

use std::collections::HashMap;

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
const HOOKS: [&str; 4] = ["BeforeEach", "BeforeAll", "Before", "BeforeClass"];

/// An annotation that can switch a test off: `@Disabled`, `@DisabledOnOs(...)`,
/// `@EnabledIfEnvironmentVariable(...)`, `@Ignore`.
fn skips(name: &str) -> bool {
    SKIP_ANNOTATIONS.contains(&name) || name.starts_with("Disabled") || name.starts_with("Enabled")
}

/// An assumption: the test is skipped, not failed, when it does not hold.
fn assumptions(body: &[Token]) -> Vec<(String, u32)> {
    body.iter()
        .enumerate()
        .filter(|(k, t)| {
            matches!(
                t.text.as_str(),
                "assumeTrue" | "assumeFalse" | "assumeThat" | "assumingThat" | "abort"
            ) && body.get(k + 1).is_some_and(|n| n.is('('))
        })
        .map(|(_, t)| (format!("{}(...)", t.text), t.line))
        .collect()
}

#[expect(
    clippy::too_many_lines,
    reason = "one pass over the tokens: annotations, classes, methods"
)]
pub(super) fn extract(all: &[Token], language: Language) -> FileTests {
    let tokens = code(all);
    let mut found = FileTests::default();
    let mut classes: Vec<Scope> = Vec::new();
    // (name, line, arguments as text)
    let mut annotations: Vec<(String, u32, String)> = Vec::new();
    // Markers a class's `@BeforeEach` puts on its tests, by class path.
    let mut class_markers: HashMap<String, Vec<(String, u32)>> = HashMap::new();
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
            j += 1;
            let mut args = String::new();
            if tokens.get(j).is_some_and(|n| n.is('(')) {
                let close = matching(&tokens, j);
                args = tokens[(j + 1).min(close)..close]
                    .iter()
                    .map(|t| t.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                j = close + 1;
            }
            // `@interface Later {}` declares an annotation: one put on it by `@Disabled` makes
            // it a skip of its own.
            if name == "interface" {
                if let Some(declared) = tokens.get(j).filter(|n| n.kind == Kind::Ident)
                    && annotations.iter().any(|(a, _, _)| skips(a))
                {
                    found.skip_aliases.push(declared.text.clone());
                }
                annotations.clear();
                i = j;
                continue;
            }
            annotations.push((name, t.line, args));
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
            let class_skips = annotations
                .iter()
                .filter(|(a, _, _)| skips(a))
                .map(|(a, l, _)| (format!("@{a}"), *l))
                .collect();
            classes.push((
                tokens[i + 1].text.clone(),
                matching(&tokens, open),
                class_skips,
            ));
            annotations.clear();
            i = open + 1;
            continue;
        }
        if let Some((name, open)) = method_at(&tokens, i, language) {
            let close = matching(&tokens, open);
            let body = tokens[(open + 1).min(close)..close].to_vec();
            let path: Vec<&str> = classes.iter().map(|(c, _, _)| c.as_str()).collect();
            let path = path.join(".");
            let test_annotation = annotations
                .iter()
                .find(|(a, _, _)| TEST_ANNOTATIONS.contains(&a.as_str()));
            if let Some((_, _, args)) = test_annotation {
                let qualified = if path.is_empty() {
                    name
                } else {
                    format!("{path}.{name}")
                };
                let mut markers: Vec<(String, u32)> =
                    classes.iter().flat_map(|(_, _, m)| m.clone()).collect();
                markers.extend(
                    annotations
                        .iter()
                        .filter(|(a, _, _)| skips(a))
                        .map(|(a, l, _)| (format!("@{a}"), *l)),
                );
                // TestNG `@Test(enabled = false)`.
                if args.contains("enabled = false") {
                    markers.push(("@Test(enabled = false)".to_owned(), t.line));
                }
                markers.extend(assumptions(&body));
                let start = annotations.first().map_or(t.line, |(_, l, _)| *l);
                let mut test = test_case(qualified, start, tokens[close].line, body, markers);
                // `@Test(expected = AssertionError.class)`: passes exactly when it fails.
                let expected = args
                    .split("expected")
                    .nth(1)
                    .or_else(|| args.split("expectedExceptions").nth(1))
                    .unwrap_or_default();
                if [
                    "AssertionError",
                    "AssertionFailedError",
                    "Throwable",
                    "Error .",
                    "ComparisonFailure",
                ]
                .iter()
                .any(|e| expected.contains(e))
                {
                    test.inverted.push(format!("@Test({args})"));
                }
                test.decorations = annotations
                    .iter()
                    .map(|(a, l, _)| (a.clone(), *l))
                    .collect();
                found.tests.push(test);
            } else {
                if annotations
                    .iter()
                    .any(|(a, _, _)| HOOKS.contains(&a.as_str()))
                {
                    for (assumption, line) in assumptions(&body) {
                        class_markers
                            .entry(path.clone())
                            .or_default()
                            .push((format!("{name}() calls {assumption}"), line));
                    }
                    setup_values(&body, &mut found.setup);
                }
                found.helpers.insert(name, body);
            }
            annotations.clear();
            i = close + 1;
            continue;
        }
        if t.is(';') || t.is('}') {
            annotations.clear();
        }
        // A field initialised in the class body: `private val expected = Calc.add(2, 3)`,
        // `private final int expected = Calc.add(2, 3);`.
        if !classes.is_empty()
            && t.kind == Kind::Ident
            && tokens.get(i + 1).is_some_and(|n| n.is('='))
            && !tokens.get(i + 2).is_some_and(|n| n.is('=') || n.is('>'))
            && i > 0
            && tokens[i - 1].kind == Kind::Ident
        {
            let end = (i + 2..tokens.len())
                .find(|&e| tokens[e].is(';') || tokens[e].line > t.line)
                .unwrap_or(tokens.len());
            if tokens[(i + 2).min(end)..end].iter().any(|n| n.is('(')) {
                found
                    .setup
                    .insert(t.text.clone(), tokens[(i + 2).min(end)..end].to_vec());
            }
        }
        i += 1;
    }
    for test in &mut found.tests {
        for (path, markers) in &class_markers {
            if test.name.starts_with(&format!("{path}.")) {
                test.markers.extend(markers.iter().cloned());
            }
        }
    }
    found
}

/// `name = value;` and `this.name = value;` in a setup method.
fn setup_values(body: &[Token], setup: &mut HashMap<String, Vec<Token>>) {
    for k in 0..body.len() {
        let at_start = k == 0
            || body[k - 1].is(';')
            || body[k - 1].is('{')
            || body[k - 1].is('}')
            || (k >= 2 && body[k - 1].is('.') && body[k - 2].is_ident("this"))
            || body[k - 1].line < body[k].line;
        if body[k].kind == Kind::Ident
            && at_start
            && body.get(k + 1).is_some_and(|t| t.is('='))
            && !body.get(k + 2).is_some_and(|t| t.is('='))
        {
            let end = (k + 2..body.len())
                .find(|&e| body[e].is(';') || body[e].line > body[k].line)
                .unwrap_or(body.len());
            setup.insert(body[k].text.clone(), body[(k + 2).min(end)..end].to_vec());
        }
    }
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
    if tokens[open].is('=') && language == Language::Kotlin {
        // `fun x() = runTest { ... }`: the block of the call is the body.
        tokens.get(open + 1).filter(|t| t.kind == Kind::Ident)?;
        let mut at = open + 2;
        if tokens.get(at).is_some_and(|t| t.is('(')) {
            at = matching(tokens, at) + 1;
        }
        return tokens.get(at).filter(|t| t.is('{')).map(|_| (name, at));
    }
    tokens[open].is('{').then_some((name, open))
}
