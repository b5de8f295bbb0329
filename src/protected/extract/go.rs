//! Go: `func TestX(t *testing.T)`, subtests `t.Run("name", func(t *testing.T) {...})` named
//! `TestX/name`; `t.Skip` is a marker, and so is a build constraint that plain `go test` does
//! not satisfy; a `TestMain` that can end before `m.Run()` stops the package's tests.

use super::{FileTests, code, matching, test_case, unquote};
use crate::protected::lexer::{Kind, Token};

pub(super) fn extract(all: &[Token]) -> FileTests {
    let tokens = code(all);
    let mut found = FileTests::default();
    // A build constraint that plain `go test` does not satisfy (`//go:build ignore`,
    // `//go:build integration`) keeps the whole file out.
    let file_markers: Vec<(String, u32)> = constraint(all).into_iter().collect();
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
            if name == "TestMain" {
                let param = tokens[(i + 3).min(params_end)..params_end]
                    .first()
                    .filter(|t| t.kind == Kind::Ident)
                    .map_or("m", |t| t.text.as_str());
                found.entry_stops =
                    main_stops(&tokens[(open + 1).min(close)..close], param, tokens[i].line);
            }
            let is_test = name != "TestMain"
                && name.starts_with("Test")
                && tokens[(i + 2).min(params_end)..params_end]
                    .iter()
                    .any(|t| t.is_ident("testing"));
            if is_test {
                collect(&tokens, open, close, &name, tokens[i].line, &mut found);
            } else {
                found
                    .helpers
                    .insert(name, tokens[(open + 1).min(close)..close].to_vec());
            }
            i = close + 1;
            continue;
        }
        // `var want = Sum(...)`: a value a test may compare with.
        if tokens[i].is_ident("var")
            && tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Ident)
            && let Some(eq) = (i + 2..tokens.len().min(i + 8)).find(|&k| tokens[k].is('='))
        {
            let end = (eq + 1..tokens.len())
                .find(|&e| tokens[e].line > tokens[eq].line)
                .unwrap_or(tokens.len());
            found
                .setup
                .insert(tokens[i + 1].text.clone(), tokens[eq + 1..end].to_vec());
        }
        i += 1;
    }
    for test in &mut found.tests {
        test.markers.extend(file_markers.iter().cloned());
    }
    found
}

/// Whether `TestMain` can end before `m.Run()` runs the tests: no `m.Run()` at all, or a
/// `return` or `os.Exit(...)` ahead of it.
fn main_stops(body: &[Token], param: &str, line: u32) -> Option<(String, u32)> {
    let mut k = 0;
    while k < body.len() {
        let t = &body[k];
        // A function literal's `return` is its own.
        if t.is_ident("func") && body.get(k + 1).is_some_and(|n| n.is('(')) {
            let params = matching(body, k + 1);
            if let Some(open) = (params..body.len()).find(|&j| body[j].is('{')) {
                k = matching(body, open) + 1;
                continue;
            }
        }
        if t.is_ident(param)
            && body.get(k + 1).is_some_and(|n| n.is('.'))
            && body.get(k + 2).is_some_and(|n| n.is_ident("Run"))
        {
            return None;
        }
        if t.is_ident("return") {
            return Some(("TestMain returns before m.Run()".to_owned(), t.line));
        }
        if t.is_ident("Exit")
            && k > 0
            && body[k - 1].is('.')
            && body.get(k + 1).is_some_and(|n| n.is('('))
        {
            let close = matching(body, k + 1);
            let runs = body[k + 1..close].iter().any(|n| n.is_ident("Run"));
            // `os.Exit(1)` fails the package: not a way to pass without testing.
            let fails = close == k + 3 && body[k + 2].kind == Kind::Num && body[k + 2].text != "0";
            if !runs && !fails {
                return Some(("TestMain exits before m.Run()".to_owned(), t.line));
            }
        }
        k += 1;
    }
    Some(("TestMain without m.Run()".to_owned(), line))
}

/// The file's build constraint if plain `go test` leaves the file out: custom tags are off,
/// platform and release tags may hold.
fn constraint(all: &[Token]) -> Option<(String, u32)> {
    let mut verdict = Tri::True;
    let mut shown = None;
    for t in all.iter().take_while(|t| !t.is_ident("package")) {
        if t.kind != Kind::Comment {
            continue;
        }
        let text = t.text.trim_start_matches("//").trim();
        let value = if let Some(expr) = text.strip_prefix("go:build") {
            parse_expr(&lex(expr))
        } else if let Some(expr) = text.strip_prefix("+build") {
            // `// +build a b,!c`: spaces are OR, commas AND.
            expr.split_whitespace()
                .map(|term| {
                    term.split(',')
                        .map(|atom| match atom.strip_prefix('!') {
                            Some(tag) => tag_value(tag).not(),
                            None => tag_value(atom),
                        })
                        .fold(Tri::True, Tri::and)
                })
                .fold(Tri::False, Tri::or)
        } else {
            continue;
        };
        verdict = verdict.and(value);
        shown.get_or_insert((t.text.clone(), t.line));
    }
    (verdict == Tri::False).then_some(shown).flatten()
}

/// Three-valued truth: a platform tag may or may not hold where the tests run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    True,
    False,
    Maybe,
}

impl Tri {
    fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Maybe,
        }
    }

    fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Maybe,
        }
    }

    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Maybe => Tri::Maybe,
        }
    }
}

const PLATFORM: [&str; 44] = [
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
    "386",
    "amd64",
    "arm",
    "arm64",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "ppc64",
    "ppc64le",
    "riscv64",
    "s390x",
    "sparc64",
    "wasm",
    "unix",
    "cgo",
    "gc",
    "gccgo",
    "amd64p32",
    "armbe",
    "arm64be",
    "ppc",
    "riscv",
    "s390",
    "sparc",
];

fn tag_value(tag: &str) -> Tri {
    if tag.starts_with("go1") {
        Tri::True
    } else if PLATFORM.contains(&tag) || tag.starts_with("goexperiment.") {
        Tri::Maybe
    } else {
        Tri::False
    }
}

fn lex(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' || c == '.' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        match c {
            '&' | '|' => {
                chars.next();
                out.push(format!("{c}{c}"));
            }
            '!' | '(' | ')' => out.push(c.to_string()),
            _ => {}
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// `a || b && !(c)`, precedence: `!` over `&&` over `||`.
fn parse_expr(tokens: &[String]) -> Tri {
    fn or(t: &[String], at: &mut usize) -> Tri {
        let mut v = and(t, at);
        while t.get(*at).is_some_and(|s| s == "||") {
            *at += 1;
            v = v.or(and(t, at));
        }
        v
    }
    fn and(t: &[String], at: &mut usize) -> Tri {
        let mut v = unary(t, at);
        while t.get(*at).is_some_and(|s| s == "&&") {
            *at += 1;
            v = v.and(unary(t, at));
        }
        v
    }
    fn unary(t: &[String], at: &mut usize) -> Tri {
        match t.get(*at).map(String::as_str) {
            Some("!") => {
                *at += 1;
                unary(t, at).not()
            }
            Some("(") => {
                *at += 1;
                let v = or(t, at);
                if t.get(*at).is_some_and(|s| s == ")") {
                    *at += 1;
                }
                v
            }
            Some(tag) => {
                *at += 1;
                tag_value(tag)
            }
            None => Tri::Maybe,
        }
    }
    or(tokens, &mut 0)
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
