//! JavaScript and TypeScript: Jest, Vitest, Mocha, node:test and Playwright calls:
//! `describe`/`it`/`test` with modifiers (`.skip`, `.only`, `.todo`, `.each`, `.fixme`,
//! `.skipIf`), `x`/`f` prefixes, nested describes, `function`/arrow helpers; skips from
//! elsewhere: aliases (`const later = it.skip`, `CI ? it.skip : it`), hooks that skip
//! (`beforeEach(function () { this.skip(); })`).

use std::collections::HashMap;

use super::{FileTests, code, matching, test_case, unquote};
use crate::protected::lexer::{Kind, Token};

/// An enclosing `describe`: its name, where it ends, its markers, and its `.each` rows.
type Scope = (String, usize, Vec<(String, u32)>, u32);

const SUITES: [&str; 5] = ["describe", "context", "suite", "xdescribe", "fdescribe"];
const TESTS: [&str; 8] = [
    "it", "test", "specify", "xit", "fit", "xtest", "xspecify", "bench",
];
const MARKERS: [&str; 8] = [
    "skip", "only", "todo", "fixme", "fail", "failing", "skipIf", "runIf",
];
const HOOKS: [&str; 6] = [
    "beforeEach",
    "beforeAll",
    "before",
    "setup",
    "suiteSetup",
    "beforeEachTest",
];

/// A name bound to a test or suite function: whether it is a suite, and the markers its
/// definition carries (`later = it.skip` → `it.skip`).
#[derive(Clone)]
struct Alias {
    suite: bool,
    markers: Vec<String>,
}

#[expect(
    clippy::too_many_lines,
    reason = "one pass over the tokens: suites, tests, hooks, helpers"
)]
pub(super) fn extract(all: &[Token]) -> FileTests {
    let tokens = code(all);
    let mut found = FileTests::default();
    let aliases = aliases(&tokens);
    let mut suites: Vec<Scope> = Vec::new();
    // Markers that hooks put on every test of their suite path ("" for the file).
    let mut hook_markers: Vec<(String, (String, u32))> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        suites.retain(|(_, end, _, _)| *end > i);
        let token = &tokens[i];
        let after_dot = i > 0 && tokens[i - 1].is('.');
        let path: Vec<&str> = suites.iter().map(|(n, _, _, _)| n.as_str()).collect();
        let path = path.join(" > ");
        // `beforeEach(function () { this.skip(); })`: every test of the suite is skipped.
        if token.kind == Kind::Ident
            && !after_dot
            && HOOKS.contains(&token.text.as_str())
            && tokens.get(i + 1).is_some_and(|t| t.is('('))
        {
            let close = matching(&tokens, i + 1);
            let body = &tokens[(i + 2).min(close)..close];
            for (skip, line) in conditional_skips(body) {
                hook_markers.push((
                    path.clone(),
                    (format!("{}() calls {skip}", token.text), line),
                ));
            }
            assignments(body, &mut found.setup);
            i = close + 1;
            continue;
        }
        // Playwright `test.skip(({ browserName }) => ..., 'why')` or `test.skip(cond)` outside
        // a test: every test of the scope is skipped under the condition.
        if (token.is_ident("test") || token.is_ident("it"))
            && !after_dot
            && tokens.get(i + 1).is_some_and(|t| t.is('.'))
            && tokens
                .get(i + 2)
                .is_some_and(|t| t.is_ident("skip") || t.is_ident("fixme"))
            && tokens.get(i + 3).is_some_and(|t| t.is('('))
            && !tokens.get(i + 4).is_some_and(|t| t.kind == Kind::Str)
        {
            let close = matching(&tokens, i + 3);
            hook_markers.push((
                path.clone(),
                (
                    format!("{}.{}(condition)", token.text, tokens[i + 2].text),
                    token.line,
                ),
            ));
            i = close + 1;
            continue;
        }
        let alias = (token.kind == Kind::Ident && !after_dot)
            .then(|| aliases.get(&token.text))
            .flatten();
        let known = SUITES.contains(&token.text.as_str()) || TESTS.contains(&token.text.as_str());
        // `(process.env.CI ? describe.skip : describe)('name', ...)`: an inline alias.
        let inline = (token.is('(')
            && !after_dot
            && tokens[i + 1..tokens.len().min(i + 16)].iter().any(|t| {
                t.kind == Kind::Ident
                    && (SUITES.contains(&t.text.as_str()) || TESTS.contains(&t.text.as_str()))
            }))
        .then(|| inline_alias(&tokens, i))
        .flatten();
        if (token.kind == Kind::Ident && !after_dot && (known || alias.is_some()))
            || inline.is_some()
        {
            let start = inline.as_ref().map_or(i, |(_, close)| *close);
            let Some(call) = call_at(&tokens, start, inline.is_some()) else {
                i += 1;
                continue;
            };
            let definition = inline
                .as_ref()
                .map(|(a, _)| a.clone())
                .or_else(|| alias.cloned());
            let suite = SUITES.contains(&token.text.as_str())
                || call.chain.iter().any(|c| c == "describe")
                || definition.as_ref().is_some_and(|a| a.suite);
            let mut markers: Vec<(String, u32)> =
                suites.iter().flat_map(|(_, _, m, _)| m.clone()).collect();
            let base = &call.chain[0];
            if definition.is_none() && (base.starts_with('x') || base.starts_with('f')) {
                markers.push((base.clone(), token.line));
            }
            if let Some(definition) = &definition {
                markers.extend(definition.markers.iter().map(|m| (m.clone(), token.line)));
            }
            markers.extend(
                call.chain
                    .iter()
                    .skip(1)
                    .filter(|c| MARKERS.contains(&c.as_str()))
                    .map(|c| (format!("{base}.{c}"), token.line)),
            );
            if suite {
                let own: Vec<(String, u32)> = markers
                    .iter()
                    .filter(|(_, l)| *l == token.line)
                    .cloned()
                    .collect();
                suites.push((call.name.clone(), call.end, own, call.rows));
                i = call.open + 1;
                continue;
            }
            let name = if path.is_empty() {
                call.name.clone()
            } else {
                format!("{path} > {}", call.name)
            };
            let body = call
                .body
                .map(|(open, close)| tokens[(open + 1).min(close)..close].to_vec())
                .unwrap_or_default();
            // A test without a body (`test.todo("...")`) is a placeholder: a marker.
            if call.body.is_none() && !markers.iter().any(|(_, l)| *l == token.line) {
                markers.push((format!("{base} without a body"), token.line));
            }
            let body_markers = conditional_skips(&body);
            markers.extend(body_markers);
            let mut test = test_case(name, token.line, tokens[call.end].line, body, markers);
            // Rows of an enclosing `describe.each` count as cases of this test.
            test.cases = call.rows + suites.iter().map(|(_, _, _, rows)| rows).sum::<u32>();
            found.tests.push(test);
            i = call.end + 1;
            continue;
        }
        if let Some((name, open)) = helper_at(&tokens, i) {
            let close = matching(&tokens, open);
            found
                .helpers
                .insert(name, tokens[(open + 1).min(close)..close].to_vec());
        } else if matches!(token.text.as_str(), "const" | "let" | "var")
            && token.kind == Kind::Ident
            && tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Ident)
            && tokens.get(i + 2).is_some_and(|t| t.is('='))
        {
            // `const expected = formatPrice(...)`: a value a test may compare with.
            let end = (i + 3..tokens.len())
                .find(|&e| tokens[e].is(';') || tokens[e].line > tokens[i].line)
                .unwrap_or(tokens.len());
            if tokens[(i + 3).min(end)..end].iter().any(|t| t.is('(')) {
                found.setup.insert(
                    tokens[i + 1].text.clone(),
                    tokens[(i + 3).min(end)..end].to_vec(),
                );
            }
        }
        i += 1;
    }
    for test in &mut found.tests {
        for (path, marker) in &hook_markers {
            if path.is_empty() || test.name.starts_with(&format!("{path} > ")) {
                test.markers.push(marker.clone());
            }
        }
    }
    found
}

/// Whether the tokens name a test or suite function, and the skip markers among them.
fn alias_of(expr: &[Token]) -> Option<Alias> {
    let mut refers = false;
    let mut suite = false;
    let mut markers = Vec::new();
    for (k, t) in expr.iter().enumerate() {
        if t.kind != Kind::Ident || (k > 0 && expr[k - 1].is('.')) {
            continue;
        }
        let name = t.text.as_str();
        if !(SUITES.contains(&name) || TESTS.contains(&name)) {
            continue;
        }
        refers = true;
        suite |= SUITES.contains(&name);
        if name.starts_with('x') || name.starts_with('f') {
            markers.push(name.to_owned());
        }
        let mut j = k + 1;
        while expr.get(j).is_some_and(|n| n.is('.'))
            && expr.get(j + 1).is_some_and(|n| n.kind == Kind::Ident)
        {
            let modifier = &expr[j + 1].text;
            if MARKERS.contains(&modifier.as_str()) {
                markers.push(format!("{name}.{modifier}"));
            }
            j += 2;
        }
    }
    refers.then_some(Alias { suite, markers })
}

/// `const later = it.skip;`, `const maybe = CI ? it.skip : it;`,
/// `const itIf = (c) => (c ? it : it.skip);`: names that declare tests.
fn aliases(tokens: &[Token]) -> HashMap<String, Alias> {
    let mut found = HashMap::new();
    for i in 0..tokens.len() {
        if !(matches!(tokens[i].text.as_str(), "const" | "let" | "var")
            && tokens[i].kind == Kind::Ident
            && tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Ident)
            && tokens.get(i + 2).is_some_and(|t| t.is('=')))
        {
            continue;
        }
        let mut end = i + 3;
        while end < tokens.len() && !tokens[end].is(';') && tokens[end].line == tokens[i].line {
            if tokens[end].is('(') || tokens[end].is('[') || tokens[end].is('{') {
                end = matching(tokens, end);
            }
            end += 1;
        }
        let expr = &tokens[i + 3..end.min(tokens.len())];
        // A value built from a call on a test function is a test's result, not an alias.
        let called = expr.len() > 1
            && expr.last().is_some_and(|t| t.is(')'))
            && !expr.iter().any(|t| t.is('?') || t.is('>'));
        if let Some(alias) = alias_of(expr).filter(|a| !called || !a.markers.is_empty()) {
            let shown: String = expr
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let markers = if alias.markers.is_empty() {
                Vec::new()
            } else {
                vec![format!("{} = {shown}", tokens[i + 1].text)]
            };
            found.insert(
                tokens[i + 1].text.clone(),
                Alias {
                    suite: alias.suite,
                    markers,
                },
            );
        }
    }
    found
}

/// A parenthesized expression at `open` that chooses a test function, called right after:
/// the alias and the index of its closing `)`.
fn inline_alias(tokens: &[Token], open: usize) -> Option<(Alias, usize)> {
    let close = matching(tokens, open);
    if !tokens.get(close + 1).is_some_and(|t| t.is('('))
        || !tokens.get(close + 2).is_some_and(|t| t.kind == Kind::Str)
    {
        return None;
    }
    let alias = alias_of(&tokens[(open + 1).min(close)..close])?;
    let shown: String = tokens[open..=close]
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let markers = if alias.markers.is_empty() {
        Vec::new()
    } else {
        vec![shown]
    };
    Some((
        Alias {
            suite: alias.suite,
            markers,
        },
        close,
    ))
}

/// `NAME = value` statements in a hook body: values a test may compare with.
fn assignments(body: &[Token], setup: &mut HashMap<String, Vec<Token>>) {
    for k in 0..body.len() {
        if body[k].kind == Kind::Ident
            && body.get(k + 1).is_some_and(|t| t.is('='))
            && !body.get(k + 2).is_some_and(|t| t.is('=') || t.is('>'))
            && (k == 0 || !body[k - 1].is('.') || body[k - 2].is_ident("this"))
        {
            let end = (k + 2..body.len())
                .find(|&e| body[e].is(';') || body[e].line > body[k].line)
                .unwrap_or(body.len());
            setup.insert(body[k].text.clone(), body[(k + 2).min(end)..end].to_vec());
        }
    }
}

struct Call {
    chain: Vec<String>,
    /// Rows of an `.each([...])` table.
    rows: u32,
    name: String,
    open: usize,
    end: usize,
    body: Option<(usize, usize)>,
}

/// `it.only.each(table)("name", fn)` and friends, starting at the first identifier (or, for
/// an inline alias, at the `)` that closes it).
fn call_at(tokens: &[Token], start: usize, inline: bool) -> Option<Call> {
    let mut chain = vec![if inline {
        "test".to_owned()
    } else {
        tokens[start].text.clone()
    }];
    let mut j = start + 1;
    while !inline
        && tokens.get(j).is_some_and(|t| t.is('.'))
        && tokens.get(j + 1).is_some_and(|t| t.kind == Kind::Ident)
    {
        chain.push(tokens[j + 1].text.clone());
        j += 2;
    }
    let mut rows = 0;
    if chain.iter().any(|c| c == "each") {
        // `.each(table)(...)` or `.each\`table\`(...)`
        match tokens.get(j) {
            Some(t) if t.is('(') => {
                let close = matching(tokens, j);
                rows = table_rows(&tokens[(j + 1).min(close)..close]);
                j = close + 1;
            }
            Some(t) if t.kind == Kind::Str => j += 1,
            _ => return None,
        }
    }
    // `it.skipIf(cond)("name", fn)`, `itIf(cond)("name", fn)`: a condition, then the call.
    if tokens.get(j).is_some_and(|t| t.is('(')) {
        let close = matching(tokens, j);
        let conditional = chain
            .iter()
            .any(|c| matches!(c.as_str(), "skipIf" | "runIf" | "if"))
            || (!TESTS.contains(&chain[0].as_str())
                && !SUITES.contains(&chain[0].as_str())
                && !inline);
        if conditional
            && tokens.get(close + 1).is_some_and(|t| t.is('('))
            && tokens.get(close + 2).is_some_and(|t| t.kind == Kind::Str)
        {
            j = close + 1;
        }
    }
    if !tokens.get(j)?.is('(') {
        return None;
    }
    let open = j;
    let end = matching(tokens, open);
    let first = tokens.get(open + 1)?;
    let name = match first.kind {
        Kind::Str => unquote(&first.text),
        Kind::Ident => first.text.clone(),
        _ => return None,
    };
    // The body: the block after `=>` or after `function (...)` among the call's arguments.
    let mut body = None;
    let mut k = open + 1;
    while k < end {
        let t = &tokens[k];
        if t.is('=')
            && tokens.get(k + 1).is_some_and(|n| n.is('>'))
            && tokens.get(k + 2).is_some_and(|n| n.is('{'))
        {
            body = Some((k + 2, matching(tokens, k + 2)));
            break;
        }
        if t.is_ident("function")
            && let Some(paren) = (k + 1..end).find(|&p| tokens[p].is('('))
        {
            let after = matching(tokens, paren) + 1;
            if tokens.get(after).is_some_and(|n| n.is('{')) {
                body = Some((after, matching(tokens, after)));
                break;
            }
        }
        k += 1;
    }
    Some(Call {
        chain,
        rows,
        name,
        open,
        end,
        body,
    })
}

/// The top-level elements of an array literal `[a, b, c]` (trailing comma allowed).
fn table_rows(table: &[Token]) -> u32 {
    if !table.first().is_some_and(|t| t.is('[')) {
        return 0;
    }
    let mut depth = 0;
    let mut rows = 0;
    let mut pending = false;
    for t in table {
        match t.text.as_str() {
            "[" | "(" | "{" => {
                if depth == 1 {
                    pending = true;
                }
                depth += 1;
            }
            "]" | ")" | "}" => depth -= 1,
            "," if depth == 1 => {
                rows += u32::from(pending);
                pending = false;
            }
            _ if depth == 1 => pending = true,
            _ => {}
        }
    }
    rows + u32::from(pending)
}

/// `test.skip(cond, ...)` inside a test body (Playwright), `this.skip()` (Mocha),
/// `ctx.skip()` (Vitest).
fn conditional_skips(body: &[Token]) -> Vec<(String, u32)> {
    body.windows(3)
        .filter(|w| {
            matches!(
                w[0].text.as_str(),
                "test" | "this" | "t" | "ctx" | "context"
            ) && w[0].kind == Kind::Ident
                && w[1].is('.')
                && (w[2].is_ident("skip") || w[2].is_ident("fixme") || w[2].is_ident("todo"))
        })
        .map(|w| (format!("{}.{}", w[0].text, w[2].text), w[0].line))
        .collect()
}

/// `function name(...) {` or `const name = (...) => {` / `= function (...) {`.
fn helper_at(tokens: &[Token], i: usize) -> Option<(String, usize)> {
    let t = &tokens[i];
    if t.is_ident("function") {
        let name = tokens.get(i + 1).filter(|n| n.kind == Kind::Ident)?;
        let paren = (i + 2..tokens.len()).find(|&p| tokens[p].is('('))?;
        let after = (matching(tokens, paren) + 1..tokens.len())
            .find(|&p| tokens[p].is('{') || tokens[p].is(';'))?;
        return tokens[after].is('{').then(|| (name.text.clone(), after));
    }
    if matches!(t.text.as_str(), "const" | "let" | "var") && t.kind == Kind::Ident {
        let name = tokens.get(i + 1).filter(|n| n.kind == Kind::Ident)?;
        if !tokens.get(i + 2)?.is('=') {
            return None;
        }
        // `= (params) => {`, `= async (params) => {`, `= param => {`, `= function (...) {`.
        let mut at = i + 3;
        if tokens.get(at).is_some_and(|t| t.is_ident("async")) {
            at += 1;
        }
        let first = tokens.get(at)?;
        if first.is_ident("function") {
            let paren = (at + 1..tokens.len().min(at + 4)).find(|&p| tokens[p].is('('))?;
            let open = matching(tokens, paren) + 1;
            return tokens
                .get(open)
                .filter(|n| n.is('{'))
                .map(|_| (name.text.clone(), open));
        }
        let arrow = if first.is('(') {
            matching(tokens, at) + 1
        } else if first.kind == Kind::Ident {
            at + 1
        } else {
            return None;
        };
        // A return type annotation (`): number =>`) may sit between.
        let arrow = (arrow..tokens.len().min(arrow + 8))
            .find(|&p| tokens[p].is('=') && tokens.get(p + 1).is_some_and(|n| n.is('>')))?;
        return tokens
            .get(arrow + 2)
            .filter(|n| n.is('{'))
            .map(|_| (name.text.clone(), arrow + 2));
    }
    None
}
