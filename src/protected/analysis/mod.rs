//! What a test body checks: its assertions, how strong and how exact they are, their
//! tolerances, and the tricks that make a test pass without checking (an early `return`, a
//! never-true guard, a swallowed failure, an expected value computed by the code under test, a
//! skip inside a helper it calls).

mod derived;
mod forms;
mod regions;
mod tolerance;

use std::cell::RefCell;
use std::collections::HashMap;

pub use tolerance::Tolerance;

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
    /// How exactly it pins the value: exact (300s), partial (200s), existence (100s), trivial
    /// (0); within a level, chained matchers count up and wildcards down.
    pub precision: i16,
    /// What it checks, for pairing it with its counterpart in the other version.
    pub subject: String,
}

impl Assertion {
    /// An assertion declared outside a body (`#[should_panic(expected = "...")]`).
    pub fn declared(strength: Strength, precision: i16, text: String) -> Assertion {
        Assertion {
            strength,
            text,
            precision,
            subject: String::new(),
        }
    }
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
    /// Tolerances of approximate comparisons, in order.
    pub tolerances: Vec<Tolerance>,
    /// Equalities whose expected side is computed by the call under test (the call).
    pub derived: Vec<String>,
    /// Skips reached through helpers the test calls (`requireDb(t)` calling `t.Skip`).
    pub skips: Vec<String>,
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

/// What a body is read against: the functions, setup values and constants of the changed
/// files of its language family.
pub struct Context<'a> {
    /// Non-test functions by name (helpers, fixtures).
    pub helpers: &'a HashMap<String, Vec<Token>>,
    /// Values set outside the tests: `beforeEach`/`setUp`/`@BeforeEach` assignments, fields.
    pub setup: &'a HashMap<String, Vec<Token>>,
    /// Numeric constants (`const EPS: f64 = 1e-9;`), for tolerances: the test's own file
    /// first, then the family's.
    pub constants: [&'a HashMap<String, f64>; 2],
    /// The language family of the body.
    pub language: Language,
    /// Helpers already analysed (a helper called by many tests is read once).
    helper_cache: RefCell<HashMap<String, Analysis>>,
}

impl<'a> Context<'a> {
    /// A context over the given tables.
    pub fn new(
        helpers: &'a HashMap<String, Vec<Token>>,
        setup: &'a HashMap<String, Vec<Token>>,
        constants: [&'a HashMap<String, f64>; 2],
        language: Language,
    ) -> Context<'a> {
        Context {
            helpers,
            setup,
            constants,
            language,
            helper_cache: RefCell::new(HashMap::new()),
        }
    }

    /// A pytest fixture: a function the test names as a parameter.
    fn fixture(&self, name: &str) -> Option<&'a Vec<Token>> {
        (self.language == Language::Python)
            .then(|| self.helpers.get(name))
            .flatten()
    }

    /// What a helper checks and whether it skips, read once.
    fn helper(&self, name: &str) -> Option<Analysis> {
        if let Some(done) = self.helper_cache.borrow().get(name) {
            return Some(done.clone());
        }
        let body = self.helpers.get(name)?;
        let empty = HashMap::new();
        let inner = Context::new(&empty, self.setup, self.constants, self.language);
        let mut analysis = analyse(body, &inner);
        let code: Vec<&Token> = body.iter().filter(|t| t.kind != Kind::Comment).collect();
        if let Some(skip) = skip_call(&code, self.language) {
            analysis
                .skips
                .push(format!("`{name}()`, which calls `{skip}`"));
        }
        self.helper_cache
            .borrow_mut()
            .insert(name.to_owned(), analysis.clone());
        Some(analysis)
    }
}

/// The call that skips the running test in a function's body, if there is one.
pub fn skip_in(body: &[Token], language: Language) -> Option<String> {
    let code: Vec<&Token> = body.iter().filter(|t| t.kind != Kind::Comment).collect();
    skip_call(&code, language)
}

/// A call that skips the running test, in a helper's body.
fn skip_call(code: &[&Token], language: Language) -> Option<String> {
    code.windows(3).find_map(|w| {
        let (owner, method) = (w[0].text.as_str(), w[2].text.as_str());
        let dotted = w[1].is('.');
        let hit = match language {
            Language::Go => dotted && matches!(method, "Skip" | "Skipf" | "SkipNow"),
            Language::Python => {
                (dotted
                    && matches!(
                        (owner, method),
                        ("pytest", "skip" | "xfail") | ("self", "skipTest")
                    ))
                    || (owner == "raise"
                        && (w[1].text.ends_with("SkipTest") || method == "SkipTest"))
            }
            Language::Js => {
                dotted
                    && matches!(owner, "test" | "this" | "ctx" | "context" | "t" | "it")
                    && matches!(method, "skip" | "fixme")
            }
            Language::Java | Language::Kotlin => {
                matches!(owner, "assumeTrue" | "assumeFalse" | "assumeThat" | "abort")
                    && w[1].is('(')
            }
            Language::Rust => false,
        };
        hit.then(|| {
            if dotted {
                format!("{owner}.{method}")
            } else {
                owner.to_owned()
            }
        })
    })
}

/// Analyses a body, counting calls to helpers of the context by their assertions.
pub fn analyse(body: &[Token], context: &Context<'_>) -> Analysis {
    let language = context.language;
    let mut analysis = Analysis::default();
    let mut depth = 0i32;
    // For each open brace: whether it is a function or closure body (its `return` is not the test's).
    let mut functions: Vec<bool> = Vec::new();
    let code: Vec<&Token> = body.iter().filter(|t| t.kind != Kind::Comment).collect();
    let neutralised = regions::neutralised(&code, language);
    let times = loops(&code, language);
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
        if let Some(found) = forms::assertion_at(&code, i, language) {
            let end = found.end.min(code.len() - 1);
            let text = code[i..=end]
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let swallowed = neutralised[i];
            let assertion = Assertion {
                strength: if swallowed {
                    Strength::Trivial
                } else {
                    found.strength
                },
                text,
                precision: if swallowed { 0 } else { found.precision },
                subject: found.subject,
            };
            // An AssertJ chain checks once per matcher; a loop over a literal table once per row.
            for _ in 1..found.checks * times[i] as usize {
                analysis.assertions.push(assertion.clone());
            }
            analysis.assertions.push(assertion);
            i = end + 1;
            continue;
        }
        if t.kind == Kind::Ident
            && code.get(i + 1).is_some_and(|n| n.is('('))
            && (i == 0 || !code[i - 1].is('.'))
        {
            if let Some(inner) = context.helper(&t.text) {
                let swallowed = neutralised[i];
                analysis
                    .assertions
                    .extend(inner.assertions.into_iter().map(|mut a| {
                        if swallowed {
                            a.strength = Strength::Trivial;
                            a.precision = 0;
                        }
                        a
                    }));
                analysis.tolerances.extend(inner.tolerances);
                analysis.skips.extend(inner.skips);
            } else if helper_name(&t.text) {
                // Named like a check but not found among the changed files: it counts, but
                // as weak, since what it checks (if anything) is unknown.
                analysis.assertions.push(Assertion {
                    strength: if neutralised[i] {
                        Strength::Trivial
                    } else {
                        Strength::Weak
                    },
                    text: t.text.clone(),
                    precision: 100,
                    subject: t.text.clone(),
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
        .tolerances
        .extend(tolerance::tolerances(&code, language, &context.constants));
    let equalities = derived::equalities(&code, language);
    analysis.derived = derived::derived(&code, language, &equalities, context);
    analysis
}

/// How many times each token runs: once, or once per row of the literal table a loop walks
/// (`for x, want in [(1, 2), (2, 4)]:`, `for (const c of [...])`, `[...].forEach(`,
/// `for c in [..]`, `for (T c : List.of(..))`), so that asserts folded into a loop over the
/// same cases are not fewer asserts.
fn loops(code: &[&Token], language: Language) -> Vec<u32> {
    let mut times = vec![1u32; code.len()];
    let rows = |open: usize| -> u32 {
        let (ranges, _) = arg_ranges(code, open);
        u32::try_from(ranges.len()).unwrap_or(1).max(1)
    };
    for k in 0..code.len() {
        let t = code[k];
        let (count, body) = if t.is_ident("for") {
            // The literal after `in` / `of` / `:`.
            let line_end = (k + 1..code.len())
                .find(|&j| match language {
                    Language::Python => code[j].is(':') && code[j].line >= t.line,
                    _ => code[j].is('{'),
                })
                .unwrap_or(code.len());
            let Some(at) = (k + 1..line_end).find(|&j| {
                code[j].is_ident("in")
                    || code[j].is_ident("of")
                    || (code[j].is(':') && language != Language::Python)
            }) else {
                continue;
            };
            let mut open = at + 1;
            while code.get(open).is_some_and(|n| {
                n.is('&')
                    || n.is_ident("vec")
                    || n.is('!')
                    || n.is_ident("new")
                    || n.is_ident("List")
                    || n.is_ident("Arrays")
                    || n.is('.')
                    || n.is_ident("of")
                    || n.is_ident("asList")
                    || n.is_ident("listOf")
                    || n.kind == Kind::Ident
                        && code.get(open + 1).is_some_and(|m| m.is('[') || m.is('{'))
            }) {
                open += 1;
            }
            if !code
                .get(open)
                .is_some_and(|n| n.is('[') || n.is('(') || n.is('{'))
            {
                continue;
            }
            let count = rows(open);
            let body = if language == Language::Python {
                let end = (line_end + 1..code.len())
                    .find(|&j| code[j].line > code[line_end].line && code[j].indent <= t.indent)
                    .unwrap_or(code.len());
                (line_end + 1, end)
            } else {
                let block = (matching(code, open) + 1..code.len()).find(|&j| code[j].is('{'));
                match block {
                    Some(b) => (b, matching(code, b)),
                    None => continue,
                }
            };
            (count, body)
        } else if t.is('[')
            && code.get(matching(code, k) + 1).is_some_and(|n| n.is('.'))
            && code
                .get(matching(code, k) + 2)
                .is_some_and(|n| n.is_ident("forEach"))
            && code.get(matching(code, k) + 3).is_some_and(|n| n.is('('))
        {
            let call = matching(code, k) + 3;
            (rows(k), (call, matching(code, call)))
        } else {
            continue;
        };
        if count > 1 {
            for m in times.iter_mut().take(body.1.min(code.len())).skip(body.0) {
                *m = m.saturating_mul(count);
            }
        }
    }
    times
}

/// The index of the token closing the bracket opened at `open` (or the last token).
pub(super) fn matching(code: &[&Token], open: usize) -> usize {
    let Some(opener) = code.get(open) else {
        return code.len().saturating_sub(1);
    };
    let (left, right) = match opener.text.as_str() {
        "(" => ('(', ')'),
        "[" => ('[', ']'),
        "{" => ('{', '}'),
        "<" => ('<', '>'),
        _ => return open,
    };
    let mut depth = 0i32;
    for (i, token) in code.iter().enumerate().skip(open) {
        if token.is(left) {
            depth += 1;
        } else if token.is(right) {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    code.len().saturating_sub(1)
}

/// The top-level arguments of the call whose `(` is at `open`, as token ranges
/// (`start..end`), and the index of the closing `)`.
fn arg_ranges(code: &[&Token], open: usize) -> (Vec<(usize, usize)>, usize) {
    let close = matching(code, open);
    let mut ranges = Vec::new();
    let mut start = open + 1;
    let mut depth = 0i32;
    for (k, t) in code.iter().enumerate().take(close).skip(open + 1) {
        if t.is('(') || t.is('[') || t.is('{') {
            depth += 1;
        } else if t.is(')') || t.is(']') || t.is('}') {
            depth -= 1;
        } else if depth == 0 && t.is(',') {
            ranges.push((start, k));
            start = k + 1;
        }
    }
    if start < close {
        ranges.push((start, close));
    }
    (ranges, close)
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
