//! Go: `func TestX(t *testing.T)`, subtests `t.Run("name", func(t *testing.T) {...})` named
//! `TestX/name`; `t.Skip` is a marker.

use super::{FileTests, code, matching, test_case, unquote};
use crate::protected::lexer::{Kind, Token};

pub(super) fn extract(all: &[Token]) -> FileTests {
    let tokens = code(all);
    let mut found = FileTests::default();
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
            let is_test = name.starts_with("Test")
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
    found.tests.push(test_case(
        name.to_owned(),
        start_line,
        tokens[close].line,
        body,
        markers,
    ));
}
