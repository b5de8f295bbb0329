//! Where an assertion cannot fail its test: inside a `try` whose handler swallows the failure
//! (`except AssertionError: pass`, `catch {}`, `catch (AssertionError e)`), a `suppress(...)`,
//! `runCatching { }` or `catch_unwind(...)`, or under an expectation that the block fails
//! (`pytest.raises(AssertionError)`, `assertThrows(AssertionError.class, ...)`).

use super::matching;
use crate::protected::lexer::{Kind, Language, Token};

/// For each token of `code`, whether an assertion there is neutralised.
pub(super) fn neutralised(code: &[&Token], language: Language) -> Vec<bool> {
    let mut marks = vec![false; code.len()];
    match language {
        Language::Python => python(code, &mut marks),
        Language::Go => {}
        _ => braces(code, language, &mut marks),
    }
    marks
}

/// Exception types that an assertion failure is an instance of.
fn catches_failures(types: &[&str], language: Language) -> bool {
    types.iter().any(|t| {
        matches!(
            *t,
            "AssertionError"
                | "AssertionFailedError"
                | "ComparisonFailure"
                | "MultipleFailuresError"
                | "Throwable"
                | "Error"
                | "BaseException"
        ) || (language == Language::Python && *t == "Exception")
    })
}

/// Whether a handler block does something with the failure: checks, rethrows or fails.
fn handles(block: &[&Token]) -> bool {
    block.iter().any(|t| {
        t.kind == Kind::Ident
            && (matches!(
                t.text.as_str(),
                "throw" | "raise" | "fail" | "expect" | "verify" | "rethrow" | "panic" | "reject"
            ) || t.text.starts_with("assert")
                || t.text.starts_with("should"))
    })
}

fn mark(marks: &mut [bool], from: usize, to: usize) {
    let to = to.min(marks.len());
    for m in marks.iter_mut().take(to).skip(from) {
        *m = true;
    }
}

fn braces(code: &[&Token], language: Language, marks: &mut [bool]) {
    for i in 0..code.len() {
        let t = code[i];
        if t.is_ident("try") && code.get(i + 1).is_some_and(|n| n.is('{')) {
            let close = matching(code, i + 1);
            let mut k = close + 1;
            let mut swallowed = false;
            while code.get(k).is_some_and(|n| n.is_ident("catch")) {
                let mut open = k + 1;
                let mut types: Vec<&str> = Vec::new();
                if code.get(open).is_some_and(|n| n.is('(')) {
                    let end = matching(code, open);
                    types = code[(open + 1).min(end)..end]
                        .iter()
                        .filter(|t| t.kind == Kind::Ident)
                        .map(|t| t.text.as_str())
                        .collect();
                    open = end + 1;
                }
                if !code.get(open).is_some_and(|n| n.is('{')) {
                    break;
                }
                let end = matching(code, open);
                let any = language == Language::Js || catches_failures(&types, language);
                if any && !handles(&code[(open + 1).min(end)..end]) {
                    swallowed = true;
                }
                k = end + 1;
            }
            if swallowed {
                mark(marks, i + 2, close);
            }
        }
        // Kotlin `runCatching { ... }` whose result is not rethrown.
        if t.is_ident("runCatching") && code.get(i + 1).is_some_and(|n| n.is('{')) {
            let close = matching(code, i + 1);
            let rethrown = code
                .get(close + 2)
                .is_some_and(|n| n.is_ident("getOrThrow"));
            if !rethrown {
                mark(marks, i + 2, close);
            }
        }
        // Rust `catch_unwind(|| { ... })`.
        if t.is_ident("catch_unwind") && code.get(i + 1).is_some_and(|n| n.is('(')) {
            let close = matching(code, i + 1);
            mark(marks, i + 2, close);
        }
        // `assertThrows(AssertionError.class, () -> ...)`, `assertFailsWith<AssertionError> {`.
        if matches!(
            t.text.as_str(),
            "assertThrows" | "assertFailsWith" | "shouldThrow" | "assertThrowsExactly"
        ) {
            if let Some(open) = code.get(i + 1).filter(|n| n.is('<')).map(|_| i + 1) {
                let close = (open..code.len())
                    .find(|&k| code[k].is('>'))
                    .unwrap_or(open);
                let types: Vec<&str> = code[open..close].iter().map(|t| t.text.as_str()).collect();
                if catches_failures(&types, language)
                    && code.get(close + 1).is_some_and(|n| n.is('{'))
                {
                    let end = matching(code, close + 1);
                    mark(marks, close + 2, end);
                }
            } else if code.get(i + 1).is_some_and(|n| n.is('(')) {
                let end = matching(code, i + 1);
                let first: Vec<&str> = code[(i + 2).min(end)..end]
                    .iter()
                    .take_while(|t| !t.is(','))
                    .map(|t| t.text.as_str())
                    .collect();
                if catches_failures(&first, language) {
                    mark(marks, i + 2, end);
                }
            }
        }
        // JS promise chains: `p.then((v) => expect(v)...).catch(() => {})`.
        if language == Language::Js
            && t.is('.')
            && code.get(i + 1).is_some_and(|n| n.is_ident("catch"))
            && code.get(i + 2).is_some_and(|n| n.is('('))
        {
            let end = matching(code, i + 2);
            if !handles(&code[(i + 3).min(end)..end]) {
                let start = statement_start(code, i);
                mark(marks, start, i);
            }
        }
    }
}

/// The first token of the expression statement that contains `at` (brace languages).
fn statement_start(code: &[&Token], at: usize) -> usize {
    let mut depth = 0i32;
    let mut k = at;
    while k > 0 {
        let t = code[k - 1];
        if t.is(')') || t.is(']') || t.is('}') {
            depth += 1;
        } else if t.is('(') || t.is('[') || t.is('{') {
            if depth == 0 {
                return k;
            }
            depth -= 1;
        } else if t.is(';') && depth == 0 {
            return k;
        }
        k -= 1;
    }
    0
}

/// Python: logical lines (start index, indent), then blocks by indentation.
fn python(code: &[&Token], marks: &mut [bool]) {
    let mut starts = Vec::new();
    let mut depth = 0i32;
    for (i, t) in code.iter().enumerate() {
        if depth == 0 && (i == 0 || code[i - 1].line < t.line) {
            starts.push(i);
        }
        match t.text.as_str() {
            "(" | "[" | "{" if t.kind == Kind::Punct => depth += 1,
            ")" | "]" | "}" if t.kind == Kind::Punct => depth -= 1,
            _ => {}
        }
    }
    // The end (exclusive token index) of the block opened by the logical line `n`.
    let block_end = |n: usize| -> (usize, usize) {
        let indent = code[starts[n]].indent;
        let last = (n + 1..starts.len())
            .find(|&m| code[starts[m]].indent <= indent)
            .unwrap_or(starts.len());
        (last, starts.get(last).copied().unwrap_or(code.len()))
    };
    for n in 0..starts.len() {
        let first = code[starts[n]];
        let line_end = starts.get(n + 1).copied().unwrap_or(code.len());
        let line: Vec<&str> = code[starts[n]..line_end]
            .iter()
            .map(|t| t.text.as_str())
            .collect();
        if first.is_ident("try") {
            let (mut m, body_end) = block_end(n);
            let mut swallowed = false;
            while m < starts.len() && code[starts[m]].is_ident("except") {
                let clause_end = starts.get(m + 1).copied().unwrap_or(code.len());
                let types: Vec<&str> = code[starts[m] + 1..clause_end]
                    .iter()
                    .filter(|t| t.kind == Kind::Ident && t.text != "as")
                    .map(|t| t.text.as_str())
                    .collect();
                let bare = code.get(starts[m] + 1).is_some_and(|t| t.is(':'));
                let (next, handler_end) = block_end(m);
                if (bare || catches_failures(&types, Language::Python))
                    && !handles(&code[clause_end..handler_end])
                {
                    swallowed = true;
                }
                m = next;
            }
            if swallowed {
                let body_start = starts.get(n + 1).copied().unwrap_or(code.len());
                mark(marks, body_start, body_end);
            }
        }
        if first.is_ident("with") {
            // `with pytest.raises(AssertionError):`, `with suppress(Exception):`.
            let inverted = line
                .windows(2)
                .any(|w| matches!(w[0], "raises" | "assertRaises" | "suppress") && w[1] == "(");
            let types: Vec<&str> = line
                .iter()
                .copied()
                .filter(|t| t.chars().next().is_some_and(char::is_alphabetic))
                .collect();
            if inverted && catches_failures(&types, Language::Python) {
                let (_, end) = block_end(n);
                let body_start = starts.get(n + 1).copied().unwrap_or(code.len());
                mark(marks, body_start, end);
            }
        }
    }
}
