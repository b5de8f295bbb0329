//! Python: pytest functions and `Test*` classes, `unittest.TestCase` methods, decorators as
//! markers (`skip`, `skipif`, `xfail`, `unittest.skip*`, `expectedFailure`), `parametrize`
//! cases as declared assertions.

use super::{FileTests, test_case};
use crate::protected::lexer::{Kind, Token};

const SKIPS: [&str; 6] = [
    "skip",
    "skipif",
    "xfail",
    "skipIf",
    "skipUnless",
    "expectedFailure",
];

/// An enclosing class: name, indentation, whether it holds tests, its markers.
type Class = (String, u32, bool, Vec<(String, u32)>);

struct Line {
    indent: u32,
    tokens: Vec<Token>,
}

pub(super) fn extract(all: &[Token]) -> FileTests {
    let lines = logical_lines(all);
    let mut found = FileTests::default();
    // (name, indent, is a test class, markers from its decorators)
    let mut classes: Vec<Class> = Vec::new();
    let mut decorators: Vec<&Line> = Vec::new();
    // `pytestmark = pytest.mark.skip`, `pytest.skip(..., allow_module_level=True)`,
    // `__test__ = False` at the top level switch the whole module off.
    let file_markers: Vec<(String, u32)> = lines
        .iter()
        .filter(|l| l.indent == 0)
        .filter(|l| {
            let text: Vec<&str> = l.tokens.iter().map(|t| t.text.as_str()).collect();
            (text.first() == Some(&"pytestmark") && text.iter().any(|t| SKIPS.contains(t)))
                || (text.starts_with(&["pytest", ".", "skip"])
                    && text.contains(&"allow_module_level"))
                || text.starts_with(&["__test__", "=", "False"])
        })
        .map(|l| {
            (
                l.tokens.iter().map(|t| t.text.as_str()).collect::<String>(),
                l.tokens[0].line,
            )
        })
        .collect();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        let first = &line.tokens[0];
        if first.is('@') {
            decorators.push(line);
            i += 1;
            continue;
        }
        classes.retain(|(_, indent, _, _)| *indent < line.indent);
        let keyword_at = usize::from(first.is_ident("async"));
        let keyword = line.tokens.get(keyword_at);
        if keyword.is_some_and(|k| k.is_ident("class")) {
            let name = line
                .tokens
                .get(1)
                .map_or_else(String::new, |t| t.text.clone());
            let bases: Vec<&str> = line
                .tokens
                .iter()
                .skip(2)
                .map(|t| t.text.as_str())
                .collect();
            let is_test = name.starts_with("Test") || bases.iter().any(|b| b.ends_with("TestCase"));
            let markers = skip_markers(&decorators);
            classes.push((name, line.indent, is_test, markers));
            decorators.clear();
            i += 1;
            continue;
        }
        if keyword.is_some_and(|k| k.is_ident("def")) {
            let name = line
                .tokens
                .get(keyword_at + 1)
                .map_or_else(String::new, |t| t.text.clone());
            let end = (i + 1..lines.len())
                .find(|&j| lines[j].indent <= line.indent && !lines[j].tokens[0].is(')'))
                .unwrap_or(lines.len());
            let body: Vec<Token> = lines[i + 1..end]
                .iter()
                .flat_map(|l| l.tokens.iter().cloned())
                .collect();
            let in_class = classes.last();
            let is_test = name.starts_with("test")
                && in_class.is_none_or(|(_, _, test_class, _)| *test_class);
            if is_test {
                let qualified = match in_class {
                    Some(_) => format!(
                        "{}::{name}",
                        classes
                            .iter()
                            .map(|c| c.0.as_str())
                            .collect::<Vec<_>>()
                            .join("::")
                    ),
                    None => name.clone(),
                };
                let mut markers: Vec<(String, u32)> = file_markers.clone();
                markers.extend(classes.iter().flat_map(|c| c.3.clone()));
                markers.extend(skip_markers(&decorators));
                markers.extend(body_skips(&body));
                let start = decorators.first().map_or(first.line, |d| d.tokens[0].line);
                let last = lines
                    .get(end.saturating_sub(1))
                    .map_or(first.line, |l| l.tokens[0].line);
                let mut test = test_case(qualified, start, last.max(first.line), body, markers);
                test.cases = parametrize_cases(&decorators);
                found.tests.push(test);
            } else {
                found.helpers.insert(name, body);
            }
            decorators.clear();
            i = end;
            continue;
        }
        decorators.clear();
        i += 1;
    }
    found
}

fn logical_lines(all: &[Token]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    for token in all {
        match token.kind {
            Kind::Comment => {}
            Kind::Newline => {
                if !current.is_empty() {
                    lines.push(Line {
                        indent: current[0].indent,
                        tokens: std::mem::take(&mut current),
                    });
                }
            }
            _ => current.push(token.clone()),
        }
    }
    if !current.is_empty() {
        lines.push(Line {
            indent: current[0].indent,
            tokens: current,
        });
    }
    lines
}

fn skip_markers(decorators: &[&Line]) -> Vec<(String, u32)> {
    decorators
        .iter()
        .filter(|d| {
            d.tokens
                .iter()
                .any(|t| t.kind == Kind::Ident && SKIPS.contains(&t.text.as_str()))
        })
        .map(|d| {
            (
                d.tokens
                    .iter()
                    .take_while(|t| !t.is('('))
                    .map(|t| t.text.as_str())
                    .collect::<String>(),
                d.tokens[0].line,
            )
        })
        .collect()
}

/// `pytest.skip(...)`, `self.skipTest(...)`, `pytest.xfail(...)` inside the body.
fn body_skips(body: &[Token]) -> Vec<(String, u32)> {
    body.windows(3)
        .filter(|w| {
            (w[0].is_ident("pytest") || w[0].is_ident("self"))
                && w[1].is('.')
                && matches!(w[2].text.as_str(), "skip" | "skipTest" | "xfail")
        })
        .map(|w| (format!("{}.{}", w[0].text, w[2].text), w[0].line))
        .collect()
}

/// The number of cases in `@pytest.mark.parametrize("x", [a, b, c])`: each is a check.
fn parametrize_cases(decorators: &[&Line]) -> u32 {
    let mut cases = 0;
    for decorator in decorators
        .iter()
        .filter(|d| d.tokens.iter().any(|t| t.is_ident("parametrize")))
    {
        let Some(list) = decorator.tokens.iter().position(|t| t.is('[')) else {
            continue;
        };
        let mut depth = 0;
        let mut count = 0;
        let mut empty = true;
        for t in &decorator.tokens[list..] {
            match t.text.as_str() {
                "[" | "(" | "{" => {
                    if depth == 1 && t.text != "[" {
                        empty = false;
                    }
                    depth += 1;
                }
                "]" | ")" | "}" => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                "," if depth == 1 => count += 1,
                _ if depth >= 1 => empty = false,
                _ => {}
            }
        }
        cases += if empty { 0 } else { count + 1 };
    }
    cases
}
