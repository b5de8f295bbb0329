//! Go: `func TestX(t *testing.T)`, subtests `t.Run("name", func(t *testing.T) {...})` named
//! `TestX/name`; `t.Skip` is a marker.

use super::{FileTests, code, matching, test_case, unquote};
use crate::protected::lexer::{Kind, Token};

pub(super) fn extract(all: &[Token]) -> FileTests {
    let tokens = code(all);
    let mut found = FileTests::default();
    // `//go:build ignore` (or `// +build ignore`) keeps the whole file out of `go test`.
    let mut file_markers: Vec<(String, u32)> = all
        .iter()
        .filter(|t| {
            t.kind == Kind::Comment
                && (t.text.contains("go:build ignore") || t.text.contains("+build ignore"))
        })
        .map(|t| (t.text.clone(), t.line))
        .collect();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].is_ident("func")
            && tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Ident)
            && tokens.get(i + 2).is_some_and(|t| t.is('('))
        {
            let name = tokens[i + 1].text.clone();
            let params_end = matching(&tokens, i + 2);
            let Some(open) = (params_end..tokens.len()).find(|&j| tokens[j].is('{')) else {
                break;
            };
            let close = matching(&tokens, open);
            // A TestMain that never calls m.Run() runs no test of the package.
            if name == "TestMain" {
                let runs = tokens[open..close]
                    .windows(2)
                    .any(|w| w[0].is('.') && w[1].is_ident("Run"));
                if !runs {
                    file_markers.push(("TestMain without m.Run()".to_owned(), tokens[i].line));
                }
            }
            let is_test = name != "TestMain"
                && name.starts_with("Test")
                && tokens[i + 2..params_end]
                    .iter()
                    .any(|t| t.is_ident("testing"));
            if is_test {
                collect(&tokens, open, close, &name, tokens[i].line, &mut found);
            } else {
                found.helpers.insert(name, tokens[open + 1..close].to_vec());
            }
            i = close + 1;
            continue;
        }
        i += 1;
    }
    for test in &mut found.tests {
        test.markers.extend(file_markers.iter().cloned());
    }
    found
}

/// One test (or subtest) from `{` at `open` to `}` at `close`, its subtests found inside.
fn collect(
    tokens: &[Token],
    open: usize,
    close: usize,
    name: &str,
    start_line: u32,
    found: &mut FileTests,
) {
    let mut body = Vec::new();
    let mut markers = Vec::new();
    let mut j = open + 1;
    while j < close {
        let t = &tokens[j];
        // `<x>.Run("name", func(<x> *testing.T) {`
        if t.is('.')
            && tokens.get(j + 1).is_some_and(|n| n.is_ident("Run"))
            && tokens.get(j + 2).is_some_and(|n| n.is('('))
            && tokens.get(j + 3).is_some_and(|n| n.kind == Kind::Str)
        {
            let call_end = matching(tokens, j + 2);
            if let Some(sub_open) = (j + 3..call_end).find(|&k| tokens[k].is('{')) {
                let sub_close = matching(tokens, sub_open);
                let sub_name = format!("{name}/{}", unquote(&tokens[j + 3].text).replace(' ', "_"));
                collect(
                    tokens,
                    sub_open,
                    sub_close,
                    &sub_name,
                    tokens[j].line,
                    found,
                );
                body.extend_from_slice(&tokens[j - 1..=j + 3]);
                j = call_end + 1;
                continue;
            }
        }
        if t.is('.')
            && tokens
                .get(j + 1)
                .is_some_and(|n| matches!(n.text.as_str(), "Skip" | "Skipf" | "SkipNow"))
        {
            markers.push((format!("t.{}", tokens[j + 1].text), t.line));
        }
        body.push(t.clone());
        j += 1;
    }
    let mut test = test_case(
        name.to_owned(),
        start_line,
        tokens[close].line,
        body,
        markers,
    );
    test.cases = table_rows(&tokens[open..=close]);
    found.tests.push(test);
}

/// Rows of the table literals in a table-driven test: `[]struct{...}{ {...}, {...} }` and
/// `map[K]struct{...}{ "a": {...} }`; each row is a case of its own.
fn table_rows(body: &[Token]) -> u32 {
    let mut rows = 0;
    let mut i = 0;
    while i < body.len() {
        if body[i].is_ident("struct")
            && i > 0
            && body[..i].iter().rev().take(4).any(|t| t.is(']'))
            && body.get(i + 1).is_some_and(|t| t.is('{'))
        {
            let type_end = matching(body, i + 1);
            if body.get(type_end + 1).is_some_and(|t| t.is('{')) {
                let literal_end = matching(body, type_end + 1);
                let mut depth = 0;
                for t in &body[type_end + 1..=literal_end] {
                    if t.is('{') {
                        depth += 1;
                        if depth == 2 {
                            rows += 1;
                        }
                    } else if t.is('}') {
                        depth -= 1;
                    }
                }
                i = literal_end;
            }
        }
        i += 1;
    }
    rows
}
