//! Python: pytest functions and `Test*` classes, `unittest.TestCase` methods, decorators as
//! markers (`skip`, `skipif`, `xfail`, `unittest.skip*`, `expectedFailure`, and names bound to
//! them), `parametrize` cases; skips from elsewhere: `setUp`/`setup_method`/autouse fixtures
//! that skip, `pytestmark`, module-level `importorskip`, `__test__ = False`.

use std::collections::HashMap;

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

/// Methods and functions that run before each test of their scope.
const HOOKS: [&str; 8] = [
    "setUp",
    "setUpClass",
    "setup_method",
    "setup_class",
    "setup",
    "setup_function",
    "setup_module",
    "setUpModule",
];

/// An enclosing class: name, indentation, whether it holds tests, its markers.
type Class = (String, u32, bool, Vec<(String, u32)>);

struct Line {
    indent: u32,
    tokens: Vec<Token>,
}

impl Line {
    fn texts(&self) -> Vec<&str> {
        self.tokens.iter().map(|t| t.text.as_str()).collect()
    }

    fn joined(&self) -> String {
        self.tokens.iter().map(|t| t.text.as_str()).collect()
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "one pass over logical lines: decorators, classes, functions, scopes"
)]
pub(super) fn extract(all: &[Token]) -> FileTests {
    let lines = logical_lines(all);
    let mut found = FileTests::default();
    let mut classes: Vec<Class> = Vec::new();
    let mut decorators: Vec<&Line> = Vec::new();
    let (mut file_markers, aliases) = module_level(&lines);
    found.skip_aliases.clone_from(&aliases);
    for line in lines.iter().filter(|l| l.indent == 0) {
        let t = &line.tokens;
        if t.len() > 3
            && t[0].kind == Kind::Ident
            && t[1].is('=')
            && !t[2].is('=')
            && t.iter().any(|x| x.is('('))
        {
            found.setup.insert(t[0].text.clone(), t[2..].to_vec());
        }
    }
    // Markers that a scope (a class path; "" for the module) puts on every test in it.
    let mut scope_markers: HashMap<String, Vec<(String, u32)>> = HashMap::new();
    // Each test's class path, to apply scope markers found after it.
    let mut test_scopes: Vec<String> = Vec::new();
    // Each class's bases (a `setUp` that skips in a base class skips its subclasses' tests).
    let mut bases_of: HashMap<String, Vec<String>> = HashMap::new();
    let mut test_classes: Vec<String> = Vec::new();
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
        let scope = classes
            .iter()
            .map(|c| c.0.as_str())
            .collect::<Vec<_>>()
            .join("::");
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
            let is_test = name.starts_with("Test")
                || bases
                    .iter()
                    .any(|b| b.ends_with("TestCase") || test_classes.iter().any(|c| c == b));
            if is_test {
                test_classes.push(name.clone());
            }
            bases_of.insert(
                name.clone(),
                bases
                    .iter()
                    .filter(|b| b.chars().next().is_some_and(char::is_alphabetic))
                    .map(|b| (*b).to_owned())
                    .collect(),
            );
            let markers = skip_markers(&decorators, &aliases);
            classes.push((name, line.indent, is_test, markers));
            decorators.clear();
            i += 1;
            continue;
        }
        // `__test__ = False` in a class body switches the class off.
        if !classes.is_empty() && line.texts().starts_with(&["__test__", "=", "False"]) {
            scope_markers
                .entry(scope.clone())
                .or_default()
                .push(("__test__ = False".to_owned(), first.line));
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
                    Some(_) => format!("{scope}::{name}"),
                    None => name.clone(),
                };
                let mut markers: Vec<(String, u32)> = file_markers.clone();
                markers.extend(classes.iter().flat_map(|c| c.3.clone()));
                markers.extend(skip_markers(&decorators, &aliases));
                markers.extend(body_skips(&body));
                let start = decorators.first().map_or(first.line, |d| d.tokens[0].line);
                let last = lines
                    .get(end.saturating_sub(1))
                    .map_or(first.line, |l| l.tokens[0].line);
                let mut test = test_case(qualified, start, last.max(first.line), body, markers);
                test.cases = parametrize_cases(&decorators);
                test.decorations = decorators
                    .iter()
                    .map(|d| (decorator_name(d), d.tokens[0].line))
                    .collect();
                // Fixtures it asks for, by parameter or `usefixtures`: one that skips skips it.
                let params = line
                    .tokens
                    .iter()
                    .skip_while(|t| !t.is('('))
                    .filter(|t| t.kind == Kind::Ident && t.text != "self" && t.text != "cls");
                let used = decorators
                    .iter()
                    .filter(|d| d.tokens.iter().any(|t| t.is_ident("usefixtures")))
                    .flat_map(|d| d.tokens.iter().filter(|t| t.kind == Kind::Str));
                test.decorations.extend(params.chain(used).map(|t| {
                    (
                        format!("fixture {}", crate::protected::extract::unquote(&t.text)),
                        t.line,
                    )
                }));
                found.tests.push(test);
                test_scopes.push(scope.clone());
            } else {
                let autouse = decorators.iter().any(|d| {
                    let t = d.texts();
                    t.contains(&"fixture") && t.contains(&"autouse") && t.contains(&"True")
                });
                if (HOOKS.contains(&name.as_str()) || autouse)
                    && let Some(skip) = body_skips(&body).into_iter().next()
                {
                    let why = format!("{name}() calls {}", skip.0);
                    if scope.is_empty() {
                        file_markers.push((why.clone(), skip.1));
                    }
                    scope_markers
                        .entry(scope.clone())
                        .or_default()
                        .push((why, skip.1));
                }
                if HOOKS.contains(&name.as_str()) {
                    setup_values(&lines[i + 1..end], &mut found.setup);
                }
                found.helpers.insert(name, body);
            }
            decorators.clear();
            i = end;
            continue;
        }
        decorators.clear();
        i += 1;
    }
    // A class inherits the scope markers of its bases (same file).
    let inherited: Vec<(String, Vec<(String, u32)>)> = bases_of
        .iter()
        .flat_map(|(class, bases)| {
            bases
                .iter()
                .filter_map(|b| scope_markers.get(b).map(|m| (class.clone(), m.clone())))
                .collect::<Vec<_>>()
        })
        .collect();
    for (class, markers) in inherited {
        scope_markers.entry(class).or_default().extend(markers);
    }
    for (test, scope) in found.tests.iter_mut().zip(&test_scopes) {
        for (prefix, markers) in &scope_markers {
            let inside =
                prefix.is_empty() || scope == prefix || scope.starts_with(&format!("{prefix}::"));
            if inside {
                for marker in markers {
                    if !test.markers.contains(marker) {
                        test.markers.push(marker.clone());
                    }
                }
            }
        }
    }
    found
}

/// Module-level lines that switch the whole module off (`pytestmark = pytest.mark.skip`,
/// `pytest.skip(..., allow_module_level=True)`, `__test__ = False`, `pytest.importorskip(...)`),
/// and names bound to a skip mark (`later = pytest.mark.skip(reason=...)`).
fn module_level(lines: &[Line]) -> (Vec<(String, u32)>, Vec<String>) {
    let mut markers = Vec::new();
    let mut aliases = Vec::new();
    for line in lines.iter().filter(|l| l.indent == 0) {
        let text = line.texts();
        // `EXPECTED = total(LINES)`: a value a test may compare with.
        let is_skip = text.iter().any(|t| SKIPS.contains(t));
        if (text.first() == Some(&"pytestmark") && is_skip)
            || (text.starts_with(&["pytest", ".", "skip"]) && text.contains(&"allow_module_level"))
            || text.starts_with(&["__test__", "=", "False"])
        {
            markers.push((line.joined(), line.tokens[0].line));
        }
        if let Some(at) = text.iter().position(|t| *t == "importorskip")
            && text.get(at + 1) == Some(&"(")
            && let Some(module) = line.tokens.get(at + 2).filter(|t| t.kind == Kind::Str)
        {
            markers.push((
                format!("pytest.importorskip({})", module.text),
                line.tokens[0].line,
            ));
        }
        if text.len() > 3
            && line.tokens[0].kind == Kind::Ident
            && text[1] == "="
            && text[2] != "="
            && is_skip
            && (text.contains(&"mark") || text.contains(&"unittest"))
        {
            aliases.push(text[0].to_owned());
        }
    }
    (markers, aliases)
}

/// `self.name = value` in a setup method: the value a test may compare with.
fn setup_values(lines: &[Line], setup: &mut HashMap<String, Vec<Token>>) {
    for line in lines {
        let t = &line.tokens;
        if t.len() > 4
            && (t[0].is_ident("self") || t[0].is_ident("cls"))
            && t[1].is('.')
            && t[2].kind == Kind::Ident
            && t[3].is('=')
            && !t[4].is('=')
        {
            setup.insert(t[2].text.clone(), t[4..].to_vec());
        }
    }
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

/// `@pytest.mark.skip(reason=...)` -> `pytest.mark.skip`.
fn decorator_name(decorator: &Line) -> String {
    decorator
        .tokens
        .iter()
        .skip(1)
        .take_while(|t| !t.is('('))
        .map(|t| t.text.as_str())
        .collect()
}

fn skip_markers(decorators: &[&Line], aliases: &[String]) -> Vec<(String, u32)> {
    decorators
        .iter()
        .filter(|d| {
            d.tokens
                .iter()
                .any(|t| t.kind == Kind::Ident && SKIPS.contains(&t.text.as_str()))
                || aliases.contains(&decorator_name(d))
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

/// `pytest.skip(...)`, `self.skipTest(...)`, `pytest.xfail(...)`, `raise SkipTest(...)`
/// inside the body.
fn body_skips(body: &[Token]) -> Vec<(String, u32)> {
    body.windows(3)
        .filter_map(|w| {
            let dotted = (w[0].is_ident("pytest") || w[0].is_ident("self"))
                && w[1].is('.')
                && matches!(w[2].text.as_str(), "skip" | "skipTest" | "xfail");
            if dotted {
                return Some((format!("{}.{}", w[0].text, w[2].text), w[0].line));
            }
            let raised = w[0].is_ident("raise")
                && (w[1].text.ends_with("SkipTest")
                    || (w[2].is_ident("SkipTest") || w[2].is_ident("skip"))
                        && w[1].kind == Kind::Ident);
            raised.then(|| ("raise SkipTest".to_owned(), w[0].line))
        })
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
