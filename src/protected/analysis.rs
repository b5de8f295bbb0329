//! What a test body checks: its assertions and how strong they are, and the tricks that make
//! a test pass without checking (an early `return`, a never-true guard).

use std::collections::HashMap;

use super::lexer::{Kind, Language, Token};

/// How much an assertion proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// Always true: `assert!(true)`, `expect(true).toBe(true)`.
    Trivial,
    /// Checks little: `assert!(x.is_ok())`, `toBeDefined()`, `assertNotNull(x)`, `assert x`.
    Weak,
    /// Compares with an expected value, or expects a specific error.
    Strong,
}

/// One assertion in a body.
#[derive(Debug, Clone)]
pub struct Assertion {
    /// How much it proves.
    pub strength: Strength,
    /// Its code, normalized (for matching a test split into two).
    pub text: String,
}

/// What a test body does.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Assertions in the body, and calls to helpers that assert (counted by their assertions).
    pub assertions: Vec<Assertion>,
    /// Lines of `return`s that leave the body before its end.
    pub early_returns: Vec<u32>,
    /// Lines of `if false` / `if (false)` / `if False:` / `if 0` guards.
    pub never_true: Vec<u32>,
}

impl Analysis {
    /// Assertions of each strength.
    pub fn count(&self, strength: Strength) -> usize {
        self.assertions
            .iter()
            .filter(|a| a.strength == strength)
            .count()
    }
}

/// Analyses a body, counting calls to `helpers` (same-file functions) by their assertions.
pub fn analyse(
    body: &[Token],
    language: Language,
    helpers: &HashMap<String, Vec<Token>>,
) -> Analysis {
    let mut analysis = Analysis::default();
    let mut depth = 0i32;
    let code: Vec<&Token> = body.iter().filter(|t| t.kind != Kind::Comment).collect();
    let mut i = 0;
    while i < code.len() {
        let t = code[i];
        if t.is('{') {
            depth += 1;
        } else if t.is('}') {
            depth -= 1;
        }
        if let Some((assertion, next)) = assertion_at(&code, i, language) {
            analysis.assertions.push(assertion);
            i = next;
            continue;
        }
        if t.kind == Kind::Ident
            && code.get(i + 1).is_some_and(|n| n.is('('))
            && (i == 0 || !code[i - 1].is('.'))
        {
            if let Some(helper) = helpers.get(&t.text) {
                let inner = analyse(helper, language, &HashMap::new());
                analysis.assertions.extend(inner.assertions);
            } else if helper_name(&t.text) {
                analysis.assertions.push(Assertion {
                    strength: Strength::Strong,
                    text: t.text.clone(),
                });
            }
        }
        if t.is_ident("return") && depth == 0 && returns_early(&code, i, language) {
            analysis.early_returns.push(t.line);
        }
        if t.is_ident("if") && never_true(&code[i + 1..]) {
            analysis.never_true.push(t.line);
        }
        i += 1;
    }
    analysis
}

/// Helpers named like assertions (`assert_valid(x)`, `check_user(u)`, `verifyAll()`) count as one.
fn helper_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["assert", "check", "verify", "expect_", "ensure"]
        .iter()
        .any(|p| lower.starts_with(p))
        && name != "expect"
}

/// A `return` with more code after its statement (at the body's top level).
fn returns_early(code: &[&Token], at: usize, language: Language) -> bool {
    let line = code[at].line;
    let rest = &code[at + 1..];
    if language == Language::Python {
        rest.iter()
            .any(|t| t.line > line && t.kind != Kind::Newline)
    } else {
        let Some(end) = rest.iter().position(|t| t.is(';') || t.line > line) else {
            return false;
        };
        rest[end..].iter().any(|t| !t.is(';') && !t.is('}'))
    }
}

fn never_true(after_if: &[&Token]) -> bool {
    let condition: Vec<&str> = after_if.iter().take(4).map(|t| t.text.as_str()).collect();
    matches!(
        condition.as_slice(),
        ["false" | "False" | "0", ..]
            | ["(", "false" | "0", ")", ..]
            | ["!", "true", ..]
            | ["(", "!", "true", ")"]
    )
}

fn args_text(code: &[&Token], open: usize) -> (Vec<String>, usize) {
    let mut depth = 0;
    let mut args = Vec::new();
    for (k, t) in code.iter().enumerate().skip(open) {
        if t.is('(') || t.is('[') || t.is('{') {
            depth += 1;
            if depth == 1 {
                continue;
            }
        } else if t.is(')') || t.is(']') || t.is('}') {
            depth -= 1;
            if depth == 0 {
                return (args, k);
            }
        }
        args.push(t.text.clone());
    }
    (args, code.len().saturating_sub(1))
}

fn compares(args: &[String]) -> bool {
    let joined = args.join(" ");
    [
        "= =",
        "! =",
        "<",
        ">",
        " in ",
        " is ",
        "matches",
        "contains",
        "starts_with",
        "ends_with",
        "Equal",
        "equals",
    ]
    .iter()
    .any(|op| joined.contains(op))
}

fn trivially_true(args: &[String]) -> bool {
    let first: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .take_while(|a| *a != ",")
        .collect();
    matches!(
        first.as_slice(),
        ["true" | "True" | "1"] | ["!", "false"] | ["not", "False"]
    ) || (first.len() == 3 && (first[1] == "==" || (first[1] == "=")) && first[0] == first[2])
        || (first.len() == 4 && first[1] == "=" && first[2] == "=" && first[0] == first[3])
}

/// The assertion starting at `i`, and where to continue after it.
fn assertion_at(code: &[&Token], i: usize, language: Language) -> Option<(Assertion, usize)> {
    let t = code[i];
    if t.kind != Kind::Ident
        || (i > 0
            && code[i - 1].is('.')
            && !matches!(
                language,
                Language::Go | Language::Js | Language::Java | Language::Kotlin | Language::Python
            ))
    {
        return None;
    }
    let make = |strength, end: usize| {
        let text = code[i..=end.min(code.len() - 1)]
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Some((Assertion { strength, text }, end + 1))
    };
    match language {
        Language::Rust => {
            let name = t.text.as_str();
            if !(name.starts_with("assert")
                || name.starts_with("debug_assert")
                || name.starts_with("prop_assert"))
                || !code.get(i + 1)?.is('!')
            {
                return None;
            }
            let (args, end) = args_text(code, i + 2);
            let strength = if name.ends_with("assert") {
                if trivially_true(&args) {
                    Strength::Trivial
                } else if compares(&args) {
                    Strength::Strong
                } else {
                    Strength::Weak
                }
            } else if trivially_true(&args) || (name.contains("_eq") && same_two_args(&args)) {
                Strength::Trivial
            } else {
                Strength::Strong
            };
            make(strength, end)
        }
        Language::Python => python_assertion(code, i).and_then(|(s, end)| make(s, end)),
        Language::Js => js_assertion(code, i).and_then(|(s, end)| make(s, end)),
        Language::Go => go_assertion(code, i).and_then(|(s, end)| make(s, end)),
        Language::Java | Language::Kotlin => {
            jvm_assertion(code, i).and_then(|(s, end)| make(s, end))
        }
    }
}

fn same_two_args(args: &[String]) -> bool {
    let parts: Vec<String> = args.split(|a| a == ",").map(|p| p.join(" ")).collect();
    parts.len() >= 2 && !parts[0].is_empty() && parts[0] == parts[1]
}

fn python_assertion(code: &[&Token], i: usize) -> Option<(Strength, usize)> {
    let t = code[i];
    if t.is_ident("assert") {
        let end = (i + 1..code.len())
            .find(|&k| code[k].line > t.line && (code[k].indent <= t.indent))
            .map_or(code.len() - 1, |k| k - 1);
        // The message starts at the first comma outside brackets: `assert f(a, b) in c, "msg"`.
        let mut depth = 0i32;
        let args: Vec<String> = code[i + 1..=end]
            .iter()
            .take_while(|a| {
                match a.text.as_str() {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => depth -= 1,
                    _ => {}
                }
                !(depth == 0 && a.is(','))
            })
            .map(|a| a.text.clone())
            .collect();
        let strength = if trivially_true(&args) {
            Strength::Trivial
        } else if compares(&args)
            || args
                .iter()
                .any(|a| a == "isinstance" || a == "all" || a == "any")
        {
            Strength::Strong
        } else {
            Strength::Weak
        };
        return Some((strength, end));
    }
    // self.assertX(...), pytest.raises(...), mock.assert_called_with(...)
    let dotted = i >= 2 && code[i - 1].is('.');
    let name = t.text.as_str();
    if dotted
        && (name.starts_with("assert") || name == "raises" || name == "warns")
        && code.get(i + 1)?.is('(')
    {
        let (args, end) = args_text(code, i + 1);
        let strength = if trivially_true(&args) {
            Strength::Trivial
        } else if matches!(
            name,
            "assertTrue"
                | "assertFalse"
                | "assertIsNotNone"
                | "assertIsNone"
                | "assert_called"
                | "assert_any_call"
        ) && !compares(&args)
        {
            Strength::Weak
        } else {
            Strength::Strong
        };
        return Some((strength, end));
    }
    None
}

const JS_STRONG: [&str; 22] = [
    "toBe",
    "toEqual",
    "toStrictEqual",
    "toMatch",
    "toContain",
    "toContainEqual",
    "toHaveLength",
    "toThrow",
    "toThrowError",
    "toHaveBeenCalledWith",
    "toHaveBeenLastCalledWith",
    "toMatchObject",
    "toBeCloseTo",
    "toHaveProperty",
    "toMatchSnapshot",
    "toMatchInlineSnapshot",
    "toHaveText",
    "toHaveURL",
    "toHaveTitle",
    "toHaveCount",
    "toHaveValue",
    "toBeGreaterThan",
];

fn js_assertion(code: &[&Token], i: usize) -> Option<(Strength, usize)> {
    let t = code[i];
    if i > 0 && code[i - 1].is('.') {
        return None;
    }
    if t.is_ident("expect") && code.get(i + 1)?.is('(') {
        let (subject, mut end) = args_text(code, i + 1);
        // The matcher chain: expect(x).not.toBe(y), expect(p).resolves.toEqual(v)
        let mut matcher = String::new();
        let mut matcher_args = Vec::new();
        let mut negated = false;
        while code.get(end + 1).is_some_and(|n| n.is('.'))
            && code.get(end + 2).is_some_and(|n| n.kind == Kind::Ident)
        {
            let name = code[end + 2].text.clone();
            end += 2;
            if name == "not" {
                negated = true;
            }
            if code.get(end + 1).is_some_and(|n| n.is('(')) {
                let (args, close) = args_text(code, end + 1);
                matcher = name;
                matcher_args = args;
                end = close;
                break;
            }
        }
        let literal = |v: &[String]| {
            v.len() == 1
                && matches!(
                    v[0].as_str(),
                    "true" | "false" | "1" | "0" | "null" | "undefined"
                )
                || v.len() == 1 && v[0].starts_with(['"', '\''])
        };
        let strength = if literal(&subject) && literal(&matcher_args) && subject == matcher_args {
            Strength::Trivial
        } else if JS_STRONG.contains(&matcher.as_str())
            && !(negated
                && matches!(matcher.as_str(), "toBe" | "toEqual")
                && matcher_args.iter().any(|a| a == "null" || a == "undefined"))
        {
            Strength::Strong
        } else {
            Strength::Weak
        };
        return Some((strength, end));
    }
    // node:assert and chai-style assert.*
    if t.is_ident("assert") {
        if code.get(i + 1)?.is('(') {
            let (args, end) = args_text(code, i + 1);
            let strength = if trivially_true(&args) {
                Strength::Trivial
            } else if compares(&args) {
                Strength::Strong
            } else {
                Strength::Weak
            };
            return Some((strength, end));
        }
        if code.get(i + 1)?.is('.') {
            let method = code.get(i + 2)?.text.as_str();
            if code.get(i + 3)?.is('(') {
                let (args, end) = args_text(code, i + 3);
                let strength = if trivially_true(&args) {
                    Strength::Trivial
                } else if matches!(
                    method,
                    "ok" | "isOk" | "exists" | "isDefined" | "isNotNull" | "isTrue"
                ) {
                    Strength::Weak
                } else {
                    Strength::Strong
                };
                return Some((strength, end));
            }
        }
    }
    None
}

const GO_STRONG: [&str; 16] = [
    "Equal",
    "EqualValues",
    "Exactly",
    "Len",
    "Contains",
    "ElementsMatch",
    "ErrorIs",
    "ErrorAs",
    "JSONEq",
    "Subset",
    "InDelta",
    "Regexp",
    "EqualError",
    "ErrorContains",
    "Greater",
    "Less",
];

fn go_assertion(code: &[&Token], i: usize) -> Option<(Strength, usize)> {
    let t = code[i];
    // t.Errorf / t.Fatal: a failure report, guarded by the check before it.
    if i > 0
        && code[i - 1].is('.')
        && matches!(
            t.text.as_str(),
            "Error" | "Errorf" | "Fatal" | "Fatalf" | "Fail" | "FailNow"
        )
        && code.get(i + 1)?.is('(')
    {
        let owner = code.get(i.checked_sub(2)?)?.text.as_str();
        if owner == "assert" || owner == "require" {
            let (args, end) = args_text(code, i + 1);
            let _ = args;
            return Some((Strength::Weak, end));
        }
        let (_, end) = args_text(code, i + 1);
        return Some((Strength::Strong, end));
    }
    if (t.is_ident("assert") || t.is_ident("require")) && code.get(i + 1)?.is('.') {
        let method = code.get(i + 2)?.text.clone();
        if !code.get(i + 3)?.is('(') {
            return None;
        }
        let (args, end) = args_text(code, i + 3);
        let after_t: Vec<String> = args
            .iter()
            .skip_while(|a| *a != ",")
            .skip(1)
            .cloned()
            .collect();
        let strength = if trivially_true(&after_t) || (method == "Equal" && same_two_args(&after_t))
        {
            Strength::Trivial
        } else if GO_STRONG.contains(&method.as_str())
            || ((method == "True" || method == "False") && compares(&after_t))
        {
            Strength::Strong
        } else {
            Strength::Weak
        };
        return Some((strength, end));
    }
    None
}

fn jvm_assertion(code: &[&Token], i: usize) -> Option<(Strength, usize)> {
    let t = code[i];
    let name = t.text.as_str();
    if (name.starts_with("assert") || name == "verify" || name == "fail")
        && code.get(i + 1)?.is('(')
    {
        let (args, mut end) = args_text(code, i + 1);
        if name == "assertThat" {
            // AssertJ / Hamcrest: the strength is in the matcher.
            let mut matchers = Vec::new();
            while code.get(end + 1).is_some_and(|n| n.is('.'))
                && code.get(end + 2).is_some_and(|n| n.kind == Kind::Ident)
                && code.get(end + 3).is_some_and(|n| n.is('('))
            {
                matchers.push(code[end + 2].text.clone());
                end = args_text(code, end + 3).1;
            }
            let weak = [
                "isNotNull",
                "isNotEmpty",
                "isNotBlank",
                "isTrue",
                "isInstanceOf",
                "isNotEqualTo",
                "notNullValue",
            ];
            let strength = if matchers.is_empty() {
                if compares(&args) {
                    Strength::Strong
                } else {
                    Strength::Weak
                }
            } else if matchers.iter().all(|m| weak.contains(&m.as_str())) {
                Strength::Weak
            } else {
                Strength::Strong
            };
            return Some((strength, end));
        }
        let strength = if trivially_true(&args) {
            Strength::Trivial
        } else if matches!(
            name,
            "assertNotNull" | "assertNull" | "assertTrue" | "assertFalse"
        ) && !compares(&args)
        {
            Strength::Weak
        } else {
            Strength::Strong
        };
        return Some((strength, end));
    }
    // Kotlin infix: `x shouldBe y`
    if matches!(
        name,
        "shouldBe" | "shouldEqual" | "shouldContain" | "shouldHaveSize" | "shouldThrow"
    ) {
        return Some((Strength::Strong, i));
    }
    if matches!(name, "shouldNotBeNull" | "shouldNotBe") {
        return Some((Strength::Weak, i));
    }
    None
}
