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
    // For each open brace: whether it is a function or closure body (its `return` is not the test's).
    let mut functions: Vec<bool> = Vec::new();
    let code: Vec<&Token> = body.iter().filter(|t| t.kind != Kind::Comment).collect();
    let mut i = 0;
    while i < code.len() {
        let t = code[i];
        if t.is('{') {
            depth += 1;
            functions.push(opens_function(&code, i));
        } else if t.is('}') {
            depth -= 1;
            functions.pop();
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
                // Named like a check but not found among the changed files: it counts, but
                // as weak, since what it checks (if anything) is unknown.
                analysis.assertions.push(Assertion {
                    strength: Strength::Weak,
                    text: t.text.clone(),
                });
            }
        }
        // A `return` of the test itself: at its top level with code after it, or inside an
        // `if`/loop block (`if (process.env.CI) { return; }`).
        let own = !functions.iter().any(|f| *f);
        if t.is_ident("return") && own && (depth > 0 || returns_early(&code, i, language)) {
            analysis.early_returns.push(t.line);
        }
        if t.is_ident("if") && never_true(&code[i + 1..]) {
            analysis.never_true.push(t.line);
        }
        i += 1;
    }
    analysis
}

/// Whether the brace at `open` starts a function or closure body rather than a block.
fn opens_function(code: &[&Token], open: usize) -> bool {
    let start = open.saturating_sub(16);
    let before = &code[start..open];
    let statement = before
        .iter()
        .rposition(|t| t.is(';') || t.is('{') || t.is('}'))
        .map_or(before, |at| &before[at + 1..]);
    before.last().is_some_and(|t| t.is('|'))
        || statement.iter().any(|t| {
            matches!(
                t.text.as_str(),
                "fn" | "function" | "func" | "class" | "lambda" | "object" | "fun"
            )
        })
        || statement.windows(2).any(|w| w[0].is('=') && w[1].is('>'))
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
        } else if depth == 1 && t.is(',') {
            args.push(TOP.to_owned());
            continue;
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

/// Marks a comma between arguments (not one nested inside an argument).
const TOP: &str = "\u{1f}";

/// The arguments, each as one normalized string.
fn parts(args: &[String]) -> Vec<String> {
    args.split(|a| a == TOP).map(|p| p.join(" ")).collect()
}

/// For single-condition forms (`assert!`, `assertTrue`, `assert x`, `assert.True`): the
/// condition is always true: a literal, `x == x`, or `... || true` / `... or True`.
fn trivially_true(args: &[String]) -> bool {
    let Some(condition) = parts(args).into_iter().next() else {
        return false;
    };
    let tokens: Vec<&str> = condition.split(' ').collect();
    matches!(tokens.as_slice(), ["true" | "True" | "1"] | ["!", "false"] | ["not", "False"])
        || condition.ends_with("| | true")
        || condition.ends_with("or True")
        || (tokens.len() == 4 && tokens[1] == "=" && tokens[2] == "=" && tokens[0] == tokens[3])
        || (tokens.len() == 3 && tokens[1] == "==" && tokens[0] == tokens[2])
        // `assert (x == 1, "msg")`: the whole condition is a non-empty tuple, always true.
        || whole_tuple(&tokens)
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
            } else if name.contains("_eq") && same_two_args(&args) {
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

/// Whether the tokens are one parenthesized group with a comma directly inside it.
fn whole_tuple(tokens: &[&str]) -> bool {
    if tokens.first() != Some(&"(") || tokens.last() != Some(&")") {
        return false;
    }
    let mut depth = 0;
    let mut comma = false;
    for (at, token) in tokens.iter().enumerate() {
        match *token {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => {
                depth -= 1;
                if depth == 0 && at + 1 != tokens.len() {
                    return false;
                }
            }
            "," if depth == 1 => comma = true,
            _ => {}
        }
    }
    comma
}

/// For equality forms: both sides are the same expression.
fn same_two_args(args: &[String]) -> bool {
    let parts = parts(args);
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
        let single = matches!(name, "assertTrue" | "assert_");
        let equality = matches!(
            name,
            "assertEqual"
                | "assertEquals"
                | "assertIs"
                | "assertAlmostEqual"
                | "assertCountEqual"
                | "assertListEqual"
                | "assertDictEqual"
        );
        let strength = if (single && trivially_true(&args)) || (equality && same_two_args(&args)) {
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
        // `expect(x).toBe(x)`, `expect(true).toBe(true)`: the subject checked against itself.
        let self_check = !subject.is_empty()
            && subject == matcher_args
            && matches!(matcher.as_str(), "toBe" | "toEqual" | "toStrictEqual");
        let strength = if (literal(&subject) && literal(&matcher_args) && subject == matcher_args)
            || self_check
        {
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
                let single = matches!(method, "ok" | "isOk" | "isTrue");
                let equality = matches!(
                    method,
                    "equal" | "strictEqual" | "deepEqual" | "deepStrictEqual" | "equals" | "eql"
                );
                let strength =
                    if (single && trivially_true(&args)) || (equality && same_two_args(&args)) {
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
            .skip_while(|a| *a != TOP)
            .skip(1)
            .cloned()
            .collect();
        let single = matches!(method.as_str(), "True");
        let equality = matches!(method.as_str(), "Equal" | "EqualValues" | "Exactly");
        let strength =
            if (single && trivially_true(&after_t)) || (equality && same_two_args(&after_t)) {
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
        let single = name == "assertTrue";
        let equality = matches!(
            name,
            "assertEquals" | "assertSame" | "assertArrayEquals" | "assertIterableEquals"
        );
        let strength = if (single && trivially_true(&args)) || (equality && same_two_args(&args)) {
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
