//! The assertion forms of each language family: where an assertion starts and ends, how much it
//! proves (its strength), and how exactly it pins the value (its precision: an exact equality
//! over a partial match over a mere existence check, wildcards and broad exception types
//! counting down), so that a looser matcher in place of a stricter one is seen.

use super::{Strength, TOP, args_text, compares, parts};
use crate::protected::lexer::{Kind, Language, Token};

/// Precision levels: how much of the value an assertion pins.
const EXACT: i16 = 300;
const PARTIAL: i16 = 200;
const EXISTS: i16 = 100;

/// One recognised assertion.
pub(super) struct Recognized {
    pub strength: Strength,
    /// Level (exact, partial, existence) plus detail (matchers chained, minus wildcards).
    pub precision: i16,
    /// What it checks: the subject it is about, for pairing base and target assertions.
    pub subject: String,
    /// Index of its last token.
    pub end: usize,
    /// How many checks it makes (an `AssertJ` chain makes one per matcher).
    pub checks: usize,
}

/// The assertion starting at `i`, if one does.
pub(super) fn assertion_at(code: &[&Token], i: usize, language: Language) -> Option<Recognized> {
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
    match language {
        Language::Rust => rust_assertion(code, i),
        Language::Python => python_assertion(code, i),
        Language::Js => js_assertion(code, i),
        Language::Go => go_assertion(code, i),
        Language::Java | Language::Kotlin => jvm_assertion(code, i),
    }
}

fn recognized(strength: Strength, precision: i16, subject: String, end: usize) -> Recognized {
    let precision = if strength == Strength::Trivial {
        0
    } else {
        precision
    };
    Recognized {
        strength,
        precision,
        subject,
        end,
        checks: 1,
    }
}

/// The precision of a single condition (`assert!(c)`, `assert c`, `assertTrue(c)`): an
/// equality pins the value, a relation or membership pins part of it, anything else only
/// says it holds.
fn condition_precision(args: &[String]) -> i16 {
    let condition = parts(args).into_iter().next().unwrap_or_default();
    let equality = condition.contains("= =") && !condition.contains("! =");
    // `a == 3 or a == 4`: either value passes.
    let either = condition.contains(" or ") || condition.contains("| |");
    if (equality || condition.ends_with("is None") || condition.contains("is_none ( )")) && !either
    {
        EXACT
    } else if compares(args) && !condition.contains("! =") {
        PARTIAL
    } else {
        EXISTS
    }
}

/// Arguments that match anything: `expect.anything()`, `mock.ANY`, Mockito's `any()`.
fn wildcards(args: &[String]) -> i16 {
    let count = parts(args)
        .iter()
        .filter(|p| {
            let p = p.as_str();
            p.starts_with("expect . any")
                || p.starts_with("expect . objectContaining")
                || p.starts_with("expect . arrayContaining")
                || p.starts_with("expect . stringContaining")
                || p.starts_with("expect . stringMatching")
                || p.starts_with("jasmine . any")
                || p == "ANY"
                || p == "mock . ANY"
                || p == "unittest . mock . ANY"
                || p.starts_with("any (")
                || p.starts_with("any <")
                || (p.starts_with("any") && p.contains('(') && !p.contains(' ') && p.len() < 24)
                || (p.starts_with("any") && p.split(' ').nth(1) == Some("("))
                || p == "mock . anything ( )"
                || p == "gomock . Any ( )"
                || p == "mock . Anything"
        })
        .count();
    i16::try_from(count).unwrap_or(i16::MAX)
}

/// Exception types that catch (almost) everything: a check for them says little.
fn broad_exception(text: &str) -> bool {
    let last = text
        .trim_end_matches(". class")
        .trim_end_matches(":: class . java")
        .trim()
        .rsplit(['.', ' '])
        .next()
        .unwrap_or_default()
        .to_owned();
    matches!(
        last.as_str(),
        "Exception" | "BaseException" | "Throwable" | "Error" | "RuntimeException" | "object"
    )
}

fn rust_assertion(code: &[&Token], i: usize) -> Option<Recognized> {
    let t = code[i];
    let name = t.text.as_str();
    if !(name.starts_with("assert")
        || name.starts_with("debug_assert")
        || name.starts_with("prop_assert"))
        || !code.get(i + 1)?.is('!')
    {
        return None;
    }
    let (args, end) = args_text(code, i + 2);
    let subject = parts(&args).into_iter().next().unwrap_or_default();
    let (strength, precision) = if name.ends_with("assert") {
        if trivially_true(&args) {
            (Strength::Trivial, 0)
        } else if compares(&args) {
            (Strength::Strong, condition_precision(&args))
        } else {
            (Strength::Weak, EXISTS)
        }
    } else if name.contains("_eq") && same_two_args(&args) {
        (Strength::Trivial, 0)
    } else if name.contains("_ne") {
        (Strength::Strong, EXISTS)
    } else if name.contains("matches") {
        (Strength::Strong, PARTIAL)
    } else {
        (Strength::Strong, EXACT)
    };
    Some(recognized(strength, precision, subject, end))
}

/// For single-condition forms (`assert!`, `assertTrue`, `assert x`, `assert.True`): the
/// condition is always true: a literal, `x == x`, or `... || true` / `... or True`.
pub(super) fn trivially_true(args: &[String]) -> bool {
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

/// The receiver of a method call ending just before `i` (`self.transport.send` before
/// `.assert_called_once_with`), as text.
fn receiver(code: &[&Token], i: usize) -> String {
    let mut start = i;
    while start >= 2
        && code[start - 1].is('.')
        && matches!(code[start - 2].kind, Kind::Ident)
        && code[start - 2].line == code[i].line
    {
        start -= 2;
    }
    code[start..i.saturating_sub(1)]
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[expect(clippy::too_many_lines, reason = "one table of Python forms")]
fn python_assertion(code: &[&Token], i: usize) -> Option<Recognized> {
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
        let subject = args
            .iter()
            .take_while(|a| !matches!(a.as_str(), "=" | "!" | "<" | ">" | "in" | "is" | "not"))
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        let (strength, precision) = if trivially_true(&args) {
            (Strength::Trivial, 0)
        } else if compares(&args)
            || args
                .iter()
                .any(|a| a == "isinstance" || a == "all" || a == "any")
        {
            let precision = if args.iter().any(|a| a == "isinstance") {
                PARTIAL
            } else {
                condition_precision(&args)
            };
            (Strength::Strong, precision)
        } else {
            (Strength::Weak, EXISTS)
        };
        return Some(recognized(strength, precision, subject, end));
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
        let first = parts(&args).into_iter().next().unwrap_or_default();
        let precision = match name {
            // A message check (`match=`) is a substring search: as exact as `in str(e)`.
            "raises" | "warns" | "assertRaises" | "assertWarns" => {
                if broad_exception(&first) {
                    EXISTS
                } else if args.iter().any(|a| a == "match") {
                    PARTIAL
                } else {
                    PARTIAL - 50
                }
            }
            "assertTrue" | "assertFalse" | "assert_" => condition_precision(&args),
            "assertIsNotNone" | "assertNotEqual" | "assertNotIn" | "assert_called"
            | "assertIsNot" => EXISTS,
            "assert_called_once" | "assert_any_call" | "assertIn" | "assertRegex"
            | "assertRaisesRegex" | "assertWarnsRegex" | "assertGreater" | "assertGreaterEqual"
            | "assertLess" | "assertLessEqual" | "assertIsInstance" => PARTIAL,
            _ => EXACT,
        } - wildcards(&args);
        let subject = if name.starts_with("assert_") || name.starts_with("assert_called") {
            receiver(code, i)
        } else if equality {
            parts(&args).get(1).cloned().unwrap_or(first)
        } else {
            first
        };
        return Some(recognized(strength, precision, subject, end));
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

/// How exactly a Jest/Vitest/Playwright/chai matcher pins the value.
fn js_precision(matcher: &str, args: &[String], negated: bool) -> i16 {
    if negated {
        return EXISTS;
    }
    let count = parts(args).iter().filter(|p| !p.is_empty()).count();
    let first = parts(args).into_iter().next().unwrap_or_default();
    let level = match matcher {
        "toBe"
        | "toEqual"
        | "toStrictEqual"
        | "toHaveLength"
        | "toHaveBeenCalledTimes"
        | "toBeCalledTimes"
        | "toHaveBeenCalledWith"
        | "toBeCalledWith"
        | "toHaveBeenLastCalledWith"
        | "lastCalledWith"
        | "toHaveBeenNthCalledWith"
        | "nthCalledWith"
        | "toHaveReturnedWith"
        | "toHaveReturnedTimes"
        | "toHaveLastReturnedWith"
        | "toHaveNthReturnedWith"
        | "toHaveBeenCalledOnce"
        | "toHaveBeenCalledExactlyOnceWith"
        | "toMatchSnapshot"
        | "toMatchInlineSnapshot"
        | "toThrowErrorMatchingSnapshot"
        | "toThrowErrorMatchingInlineSnapshot"
        | "toMatchFileSnapshot"
        | "toHaveScreenshot"
        | "toHaveText"
        | "toHaveValue"
        | "toHaveURL"
        | "toHaveTitle"
        | "toHaveCount"
        | "toBeNull"
        | "toBeUndefined"
        | "toBeNaN"
        | "toBeCloseTo"
        | "equal"
        | "equals"
        | "eql"
        | "deepEqual"
        | "strictEqual"
        | "deepStrictEqual"
        | "lengthOf"
        | "calledOnceWith"
        | "calledWith"
        | "calledOnce"
        | "callCount" => EXACT,
        "toThrow" | "toThrowError" | "throw" | "throws" | "rejects" | "rejectedWith" => {
            if count == 0 || broad_exception(&first) {
                EXISTS
            } else if first.starts_with(['"', '\'', '`', '/']) {
                EXACT
            } else {
                PARTIAL
            }
        }
        "toHaveProperty" | "toHaveAttribute" | "property" => {
            if count >= 2 {
                EXACT
            } else {
                EXISTS
            }
        }
        "toBeTruthy" | "toBeFalsy" | "toBeDefined" | "toHaveBeenCalled" | "toBeCalled"
        | "toHaveReturned" | "toBeVisible" | "toBeEnabled" | "toBeChecked" | "toBeAttached"
        | "toBeHidden" | "toBeEmpty" | "ok" | "exist" | "called" | "true" | "false" | "isOk"
        | "isDefined" | "isNotNull" | "isTrue" | "exists" => EXISTS,
        _ => PARTIAL,
    };
    level - wildcards(args)
}

#[expect(
    clippy::too_many_lines,
    reason = "expect chains and node:assert in one place"
)]
fn js_assertion(code: &[&Token], i: usize) -> Option<Recognized> {
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
        // A chai chain may end in a property: `expect(spy).to.have.been.calledOnce`.
        let mut last_property = String::new();
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
            last_property = name;
        }
        let chained = matcher.is_empty() && !last_property.is_empty();
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
        // `expect(x === y).toBe(true)`: the condition inside decides.
        let precision = if chained {
            js_precision(&last_property, &[], negated)
        } else if matches!(matcher.as_str(), "toBe" | "toEqual")
            && literal(&matcher_args)
            && matches!(matcher_args[0].as_str(), "true" | "false")
        {
            condition_precision(&subject)
        } else {
            js_precision(&matcher, &matcher_args, negated)
        };
        let subject = subject.join(" ");
        return Some(recognized(strength, precision, subject, end));
    }
    // node:assert and chai-style assert.*
    if t.is_ident("assert") {
        if code.get(i + 1)?.is('(') {
            let (args, end) = args_text(code, i + 1);
            let (strength, precision) = if trivially_true(&args) {
                (Strength::Trivial, 0)
            } else if compares(&args) {
                (Strength::Strong, condition_precision(&args))
            } else {
                (Strength::Weak, EXISTS)
            };
            let subject = parts(&args).into_iter().next().unwrap_or_default();
            return Some(recognized(strength, precision, subject, end));
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
                let precision = if single {
                    condition_precision(&args)
                } else {
                    js_precision(method, &args, method.starts_with("not"))
                };
                let subject = parts(&args).into_iter().next().unwrap_or_default();
                return Some(recognized(strength, precision, subject, end));
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

fn go_precision(method: &str) -> i16 {
    match method {
        "Equal"
        | "EqualValues"
        | "Exactly"
        | "JSONEq"
        | "YAMLEq"
        | "Len"
        | "Empty"
        | "Nil"
        | "NoError"
        | "Zero"
        | "Same"
        | "EqualError"
        | "ElementsMatch"
        | "PanicsWithValue"
        | "PanicsWithError"
        | "InDelta"
        | "InEpsilon"
        | "InDeltaSlice"
        | "WithinDuration"
        | "EqualExportedValues" => EXACT,
        "True" | "False" | "NotNil" | "NotEmpty" | "NotZero" | "Error" | "NotEqual"
        | "NotEqualValues" | "Panics" | "Condition" | "Eventually" | "NotSame" => EXISTS,
        _ => PARTIAL,
    }
}

/// gomock: `m.EXPECT().Save(x).Return(nil).Times(1)`; how many calls it pins and with what.
fn gomock(code: &[&Token], i: usize) -> Option<Recognized> {
    if !(code[i].is_ident("EXPECT") && code.get(i + 1)?.is('(') && code.get(i + 2)?.is(')')) {
        return None;
    }
    let mut end = i + 2;
    let mut level = EXACT;
    let mut call_args = Vec::new();
    let mut first = true;
    while code.get(end + 1).is_some_and(|n| n.is('.'))
        && code.get(end + 2).is_some_and(|n| n.kind == Kind::Ident)
        && code.get(end + 3).is_some_and(|n| n.is('('))
    {
        let method = code[end + 2].text.as_str();
        let (args, close) = args_text(code, end + 3);
        if first {
            call_args = args;
            first = false;
        } else {
            match method {
                "AnyTimes" => level = EXISTS,
                "MinTimes" | "MaxTimes" => level = PARTIAL,
                _ => {}
            }
        }
        end = close;
    }
    let subject = i
        .checked_sub(2)
        .map(|k| code[k].text.clone())
        .unwrap_or_default();
    Some(recognized(
        Strength::Strong,
        level - wildcards(&call_args),
        subject,
        end,
    ))
}

fn go_assertion(code: &[&Token], i: usize) -> Option<Recognized> {
    if let Some(found) = gomock(code, i) {
        return Some(found);
    }
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
            let (_, end) = args_text(code, i + 1);
            return Some(recognized(Strength::Weak, EXISTS, String::new(), end));
        }
        let (_, end) = args_text(code, i + 1);
        return Some(recognized(Strength::Strong, EXACT, String::new(), end));
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
        let precision = if single || method == "False" {
            condition_precision(&after_t)
        } else {
            go_precision(&method) - wildcards(&after_t)
        };
        let operands = parts(&after_t);
        let subject = if equality {
            operands.get(1).cloned()
        } else {
            operands.first().cloned()
        }
        .unwrap_or_default();
        return Some(recognized(strength, precision, subject, end));
    }
    None
}

fn assertj_precision(matcher: &str) -> i16 {
    match matcher {
        "isEqualTo"
        | "containsExactly"
        | "containsExactlyInAnyOrder"
        | "hasSize"
        | "isNull"
        | "isEqualByComparingTo"
        | "isSameAs"
        | "hasMessage"
        | "isExactlyInstanceOf"
        | "isEmpty"
        | "isZero"
        | "isCloseTo"
        | "isEqualToComparingFieldByField"
        | "usingRecursiveComparison"
        | "containsOnly"
        | "isEqualToIgnoringCase" => EXACT,
        "isNotNull" | "isNotEmpty" | "isNotBlank" | "isTrue" | "isFalse" | "isPresent"
        | "isNotEqualTo" | "notNullValue" | "isNotZero" | "isNotSameAs" | "isNotPresent" => EXISTS,
        _ => PARTIAL,
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "JUnit, AssertJ, Mockito and Kotlin forms"
)]
fn jvm_assertion(code: &[&Token], i: usize) -> Option<Recognized> {
    let t = code[i];
    let name = t.text.as_str();
    // Kotlin passes a trailing lambda: `assertThatThrownBy { ... }.isInstanceOf(...)`.
    let opener = code.get(i + 1)?;
    if (name.starts_with("assert") || name == "verify" || name == "fail")
        && (opener.is('(') || (opener.is('{') && name.starts_with("assert")))
    {
        let (args, mut end) = args_text(code, i + 1);
        if name.starts_with("assertThat") {
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
            let precision = if matchers.is_empty() {
                // Hamcrest: `assertThat(x, is(y))`, `assertThat(x, notNullValue())`.
                let matcher = parts(&args).get(1).cloned().unwrap_or_default();
                let head = matcher.split(' ').next().unwrap_or_default();
                match head {
                    "is" | "equalTo" | "contains" | "hasSize" | "nullValue" | "closeTo" => EXACT,
                    "notNullValue" | "anything" | "not" => EXISTS,
                    _ => PARTIAL,
                }
            } else {
                let best = matchers
                    .iter()
                    .map(|m| assertj_precision(m))
                    .max()
                    .unwrap_or(EXISTS);
                let pinning = matchers
                    .iter()
                    .filter(|m| assertj_precision(m) > EXISTS)
                    .count();
                best + i16::try_from(pinning.clamp(1, 9)).unwrap_or(9) - 1
            };
            let subject = parts(&args).into_iter().next().unwrap_or_default();
            let mut found = recognized(strength, precision, subject, end);
            // Each matcher that pins something is a check; `isNotNull()` before `hasSize(3)`
            // adds nothing.
            found.checks = matchers
                .iter()
                .filter(|m| assertj_precision(m) > EXISTS)
                .count()
                .max(1);
            return Some(found);
        }
        if name == "verify" {
            // Mockito: `verify(mock, times(2)).charge(a, b)`; the mode and the arguments.
            let mode = parts(&args).get(1).cloned().unwrap_or_default();
            let mut call_args = Vec::new();
            if code.get(end + 1).is_some_and(|n| n.is('.'))
                && code.get(end + 2).is_some_and(|n| n.kind == Kind::Ident)
                && code.get(end + 3).is_some_and(|n| n.is('('))
            {
                let (a, close) = args_text(code, end + 3);
                call_args = a;
                end = close;
            }
            let level = match mode.split(' ').next().unwrap_or_default() {
                "" | "times" | "never" | "only" => EXACT,
                "atLeast" | "atMost" => PARTIAL,
                _ => EXISTS,
            };
            let subject = parts(&args).into_iter().next().unwrap_or_default();
            return Some(recognized(
                Strength::Strong,
                level - wildcards(&call_args),
                subject,
                end,
            ));
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
        let operands = parts(&args);
        let first = operands.first().cloned().unwrap_or_default();
        let precision = match name {
            "assertTrue" | "assertFalse" => condition_precision(&args),
            "assertThrows" | "assertFailsWith" => {
                if broad_exception(&first) {
                    EXISTS
                } else {
                    PARTIAL
                }
            }
            "assertNotNull" | "assertNotEquals" | "assertDoesNotThrow" | "assertFails"
            | "assertNotSame" | "assertTimeout" => EXISTS,
            // `fail(...)` after a call that must throw: the `catch` holds the real check.
            "assertInstanceOf" | "assertContains" | "assertIs" | "fail" => PARTIAL,
            _ => EXACT,
        } - wildcards(&args);
        let subject = if equality {
            operands.get(1).cloned().unwrap_or(first)
        } else {
            first
        };
        return Some(recognized(strength, precision, subject, end));
    }
    // Kotlin generic forms: `assertFailsWith<X> { }`, `assertThrows<X> { }`.
    if matches!(name, "assertFailsWith" | "assertThrows") && code.get(i + 1)?.is('<') {
        let close = (i + 1..code.len()).find(|&k| code[k].is('>'))?;
        let kind: String = code[(i + 2).min(close)..close]
            .iter()
            .map(|t| t.text.as_str())
            .collect();
        let level = if broad_exception(&kind) {
            EXISTS
        } else {
            PARTIAL
        };
        return Some(recognized(Strength::Strong, level, kind, close));
    }
    // Kotlin infix: `x shouldBe y`
    if matches!(
        name,
        "shouldBe" | "shouldEqual" | "shouldContain" | "shouldHaveSize" | "shouldThrow"
    ) {
        let level = if matches!(name, "shouldContain" | "shouldThrow") {
            PARTIAL
        } else {
            EXACT
        };
        let subject = code
            .get(i.wrapping_sub(1))
            .map(|t| t.text.clone())
            .unwrap_or_default();
        return Some(recognized(Strength::Strong, level, subject, i));
    }
    if matches!(name, "shouldNotBeNull" | "shouldNotBe") {
        return Some(recognized(Strength::Weak, EXISTS, String::new(), i));
    }
    None
}
