//! Rust: `#[test]` and friends (`tokio::test`, `rstest`, `test_case`...), modules for names,
//! `#[ignore]` as a marker, `#[should_panic]` as an assertion (or, without a message of its
//! own, as what makes a failing test pass), `mod name;` declarations.

use super::{FileTests, ModuleDecl, code, matching, test_case};
use crate::protected::analysis::{Assertion, Strength};
use crate::protected::lexer::{Kind, Token};

const TEST_ATTRS: [&str; 7] = [
    "test",
    "rstest",
    "test_case",
    "wasm_bindgen_test",
    "quickcheck",
    "proptest",
    "test_log",
];

/// A module: its name, where it ends, and the markers its attributes put on its tests.
type Module = (String, usize, Vec<(String, u32)>);

#[expect(
    clippy::too_many_lines,
    reason = "one pass over the tokens: attributes, modules, functions"
)]
pub(super) fn extract(all: &[Token], test_path: bool) -> FileTests {
    let tokens = code(all);
    let mut found = FileTests::default();
    // Modules: name, where they end, and the markers their attributes put on every test inside.
    let mut modules: Vec<Module> = Vec::new();
    // `#![cfg(...)]` at the top of a file switches the whole file off.
    let mut file_markers: Vec<(String, u32)> = Vec::new();
    let mut attributes: Vec<(String, u32)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        modules.retain(|(_, end, _)| *end > i);
        let token = &tokens[i];
        if token.is('#') && tokens.get(i + 1).is_some_and(|t| t.is('[') || t.is('!')) {
            let open = if tokens[i + 1].is('!') { i + 2 } else { i + 1 };
            let close = matching(&tokens, open);
            let text: String = tokens[(open + 1).min(close)..close]
                .iter()
                .map(|t| t.text.as_str())
                .collect();
            if tokens[i + 1].is('!') {
                if disables(&text) {
                    file_markers.push((format!("#![{text}]"), token.line));
                }
            } else {
                attributes.push((text, token.line));
            }
            i = close + 1;
            continue;
        }
        // `mod name;`: its tests live in another file, compiled only through this line.
        if token.is_ident("mod")
            && tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Ident)
            && tokens.get(i + 2).is_some_and(|t| t.is(';'))
        {
            let path = attributes
                .iter()
                .find_map(|(a, _)| a.strip_prefix("path=").map(|p| super::unquote(p.trim())));
            found.modules.push(ModuleDecl {
                name: tokens[i + 1].text.clone(),
                line: token.line,
                disabled: attributes.iter().any(|(a, _)| disables(a)),
                path,
            });
            attributes.clear();
            i += 3;
            continue;
        }
        if token.is_ident("mod") && tokens.get(i + 2).is_some_and(|t| t.is('{')) {
            let end = matching(&tokens, i + 2);
            let markers = attributes
                .iter()
                .filter(|(a, _)| disables(a))
                .map(|(a, l)| (format!("#[{a}]"), *l))
                .collect();
            modules.push((tokens[i + 1].text.clone(), end, markers));
            attributes.clear();
            i += 3;
            continue;
        }
        if token.is_ident("fn") && tokens.get(i + 1).is_some() {
            let name = tokens[i + 1].text.clone();
            let Some(open) =
                (i + 2..tokens.len()).find(|&j| tokens[j].is('{') || tokens[j].is(';'))
            else {
                break;
            };
            if tokens[open].is(';') {
                attributes.clear();
                i = open + 1;
                continue;
            }
            let close = matching(&tokens, open);
            let body = tokens[(open + 1).min(close)..close].to_vec();
            let is_test = attributes.iter().any(|(a, _)| is_test_attribute(a));
            if is_test {
                let start = attributes.first().map_or(token.line, |(_, l)| *l);
                let path: Vec<&str> = modules.iter().map(|(m, _, _)| m.as_str()).collect();
                let qualified = if path.is_empty() {
                    name
                } else {
                    format!("{}::{name}", path.join("::"))
                };
                let mut markers: Vec<(String, u32)> = file_markers.clone();
                markers.extend(modules.iter().flat_map(|(_, _, m)| m.clone()));
                markers.extend(
                    attributes
                        .iter()
                        .filter(|(a, _)| a.starts_with("ignore") || disables(a))
                        .map(|(a, l)| (format!("#[{a}]"), *l)),
                );
                let mut test = test_case(qualified, start, tokens[close].line, body, markers);
                test.declared = attributes
                    .iter()
                    .filter(|(a, _)| a.starts_with("should_panic"))
                    .map(|(a, _)| {
                        // `should_panic(expected = "...")` checks the message; bare, any panic passes.
                        let (strength, precision) = if a.contains("expected") {
                            (Strength::Strong, 200)
                        } else {
                            (Strength::Weak, 100)
                        };
                        Assertion::declared(strength, precision, a.clone())
                    })
                    .collect();
                // A `should_panic` whose message is not one the code under test produces
                // (none, or an assertion's own) turns every failing assertion into a pass.
                test.inverted = attributes
                    .iter()
                    .filter(|(a, _)| a.starts_with("should_panic") && inverts(a, &test.body))
                    .map(|(a, _)| format!("#[{a}]"))
                    .collect();
                found.tests.push(test);
            } else {
                // Library code under test is not a test helper: its asserts check callers.
                if test_path || !modules.is_empty() {
                    found.helpers.insert(name, body);
                }
            }
            attributes.clear();
            // Functions nested in a test are part of its body, not tests of their own.
            i = if is_test { close + 1 } else { open + 1 };
            continue;
        }
        if !matches!(
            token.text.as_str(),
            "pub" | "async" | "unsafe" | "const" | "extern" | "crate" | "(" | ")" | "\"C\""
        ) {
            attributes.clear();
        }
        i += 1;
    }
    found
}

/// Whether a `should_panic` attribute passes on a failed assertion: no expected message, or
/// one an assertion prints (`assertion`, `left == right`) or the test's own messages.
fn inverts(attribute: &str, body: &[Token]) -> bool {
    let Some(expected) = attribute
        .split_once("expected")
        .and_then(|(_, rest)| rest.split('"').nth(1))
    else {
        return true;
    };
    let lower = expected.to_ascii_lowercase();
    lower.is_empty()
        || lower.contains("assert")
        || lower.contains("left")
        || lower.contains("right")
        || body.iter().any(|t| {
            t.kind == Kind::Str && t.text.contains(expected) && !expected.trim().is_empty()
        })
}

fn is_test_attribute(attribute: &str) -> bool {
    let path = attribute.split('(').next().unwrap_or_default();
    let last = path.rsplit("::").next().unwrap_or_default();
    TEST_ATTRS.contains(&last) || TEST_ATTRS.contains(&path)
}

/// A `cfg` that is not plain `cfg(test)` (on a test or its module it can only switch tests
/// off: `cfg(any())`, `cfg(false)`, `cfg(all(test, feature = "never"))`), or a
/// `cfg_attr(..., ignore)`.
fn disables(attribute: &str) -> bool {
    (attribute.starts_with("cfg(") && attribute != "cfg(test)")
        || (attribute.starts_with("cfg_attr(") && attribute.contains("ignore"))
}
