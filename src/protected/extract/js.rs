//! JavaScript and TypeScript: Jest, Vitest, Mocha, node:test and Playwright calls:
//! `describe`/`it`/`test` with modifiers (`.skip`, `.only`, `.todo`, `.each`, `.fixme`),
//! `x`/`f` prefixes, nested describes, and `function`/arrow helpers.

use super::{FileTests, code, matching, test_case, unquote};
use crate::protected::lexer::{Kind, Token};

/// An enclosing `describe`: its name, where it ends, its markers, and its `.each` rows.
type Scope = (String, usize, Vec<(String, u32)>, u32);

const SUITES: [&str; 5] = ["describe", "context", "suite", "xdescribe", "fdescribe"];
const TESTS: [&str; 8] = [
    "it", "test", "specify", "xit", "fit", "xtest", "xspecify", "bench",
];
const MARKERS: [&str; 6] = ["skip", "only", "todo", "fixme", "fail", "failing"];

pub(super) fn extract(all: &[Token]) -> FileTests {
    let tokens = code(all);
    let mut found = FileTests::default();
    let mut suites: Vec<Scope> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        suites.retain(|(_, end, _, _)| *end > i);
        let token = &tokens[i];
        let after_dot = i > 0 && tokens[i - 1].is('.');
        if token.kind == Kind::Ident
            && !after_dot
            && (SUITES.contains(&token.text.as_str()) || TESTS.contains(&token.text.as_str()))
            && let Some(call) = call_at(&tokens, i)
        {
            let suite =
                SUITES.contains(&token.text.as_str()) || call.chain.iter().any(|c| c == "describe");
            let mut markers: Vec<(String, u32)> =
                suites.iter().flat_map(|(_, _, m, _)| m.clone()).collect();
            let base = &call.chain[0];
            if base.starts_with('x') || base.starts_with('f') {
                markers.push((base.clone(), token.line));
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
            let path: Vec<&str> = suites.iter().map(|(n, _, _, _)| n.as_str()).collect();
            let name = if path.is_empty() {
                call.name.clone()
            } else {
                format!("{} > {}", path.join(" > "), call.name)
            };
            let body = call
                .body
                .map(|(open, close)| tokens[open + 1..close].to_vec())
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
            found.helpers.insert(name, tokens[open + 1..close].to_vec());
        }
        i += 1;
    }
    found
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

/// `it.only.each(table)("name", fn)` and friends, starting at the first identifier.
fn call_at(tokens: &[Token], start: usize) -> Option<Call> {
    let mut chain = vec![tokens[start].text.clone()];
    let mut j = start + 1;
    while tokens.get(j).is_some_and(|t| t.is('.'))
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
                rows = table_rows(&tokens[j + 1..close]);
                j = close + 1;
            }
            Some(t) if t.kind == Kind::Str => j += 1,
            _ => return None,
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

/// `test.skip(cond, ...)` inside a test body (Playwright), `this.skip()` (Mocha).
fn conditional_skips(body: &[Token]) -> Vec<(String, u32)> {
    body.windows(3)
        .filter(|w| {
            (w[0].is_ident("test") || w[0].is_ident("this") || w[0].is_ident("t"))
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
        let arrow = (i + 3..tokens.len().min(i + 40))
            .find(|&p| tokens[p].is('=') && tokens.get(p + 1).is_some_and(|n| n.is('>')))?;
        return tokens
            .get(arrow + 2)
            .filter(|n| n.is('{'))
            .map(|_| (name.text.clone(), arrow + 2));
    }
    None
}
