//! Tolerances of approximate comparisons, each with its direction: `approx(rel=...)`,
//! `isclose(abs_tol=...)`, `delta`, `epsilon`, `InDelta`, `within(...)`, `abs(a - b) < x` are
//! looser when larger; `toBeCloseTo` digits, `places`, `decimal` are looser when smaller.

use std::collections::HashMap;

use super::arg_ranges;
use crate::protected::lexer::{Kind, Language, Token};

/// One tolerance in a test body.
#[derive(Debug, Clone, PartialEq)]
pub struct Tolerance {
    /// Its value (digits for the forms where fewer is looser).
    pub value: f64,
    /// Whether a larger value accepts more.
    pub larger_is_looser: bool,
    /// The form it belongs to (`rel`, `toBeCloseTo`, `abs(a - b) <`).
    pub form: String,
}

impl Tolerance {
    /// Whether `self` (the target's) accepts more than `before` (the base's).
    pub fn looser_than(&self, before: &Tolerance) -> bool {
        let scale = before.value.abs().max(f64::MIN_POSITIVE);
        if self.larger_is_looser {
            self.value > before.value + scale * 1e-9
        } else {
            self.value < before.value - 1e-9
        }
    }
}

/// The value of a literal or a known constant (`1e-9`, `0.5`, `f64::EPSILON`, `EPS`,
/// `2 * EPS`).
pub(super) fn value(tokens: &[&Token], constants: &[&HashMap<String, f64>; 2]) -> Option<f64> {
    let text: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
    match text.as_slice() {
        [] => None,
        [one] => single(one, constants),
        ["-", rest @ ..] => value(&tokens[1..=rest.len()], constants).map(|v| -v),
        _ => {
            // `A * B`, `A / B`, `1e-9 * 4.0`, `f64::EPSILON * 10.0`, `EPS`.
            let joined = text.concat();
            if let Some(v) = single(&joined, constants) {
                return Some(v);
            }
            for op in ['*', '/'] {
                if let Some(at) = tokens.iter().rposition(|t| t.is(op)) {
                    let (l, r) = (
                        value(&tokens[..at], constants)?,
                        value(&tokens[at + 1..], constants)?,
                    );
                    return Some(if op == '*' { l * r } else { l / r });
                }
            }
            None
        }
    }
}

fn single(text: &str, constants: &[&HashMap<String, f64>; 2]) -> Option<f64> {
    let cleaned: String = text
        .trim_end_matches(['f', 'F', 'd', 'D', 'L'])
        .trim_end_matches("f64")
        .trim_end_matches("f32")
        .chars()
        .filter(|c| *c != '_')
        .collect();
    if let Ok(v) = cleaned.parse::<f64>() {
        return Some(v);
    }
    match text {
        "f64::EPSILON"
        | "Number.EPSILON"
        | "sys.float_info.epsilon"
        | "Double.MIN_VALUE"
        | "math.SmallestNonzeroFloat64"
        | "std::f64::EPSILON"
        | "Math.ulp(1.0)" => Some(f64::EPSILON),
        "f32::EPSILON" | "std::f32::EPSILON" | "Float.MIN_VALUE" => Some(f64::from(f32::EPSILON)),
        _ => {
            let last = text.rsplit(['.', ':']).next().unwrap_or(text);
            constants
                .iter()
                .find_map(|c| c.get(text).or_else(|| c.get(last)))
                .copied()
        }
    }
}

/// The named argument `name = value` (or `name: value`) among `args`, if given.
fn named(code: &[&Token], args: &[(usize, usize)], name: &str) -> Option<(usize, usize)> {
    args.iter().find_map(|&(from, to)| {
        (to > from + 2
            && code[from].is_ident(name)
            && (code[from + 1].is('=') || code[from + 1].is(':')))
        .then_some((from + 2, to))
    })
}

/// Every tolerance in a body, in order.
#[expect(
    clippy::too_many_lines,
    reason = "one table of tolerance forms over five languages"
)]
pub(super) fn tolerances(
    code: &[&Token],
    language: Language,
    constants: &[&HashMap<String, f64>; 2],
) -> Vec<Tolerance> {
    let mut found = Vec::new();
    let get = |range: (usize, usize)| value(&code[range.0..range.1], constants);
    // A bound on a count (`len(x) > 2`) is an expected value, updated with the code like any
    // other; a bound on a measure (`elapsed < 0.5`, `ratio > 0.95`) is a tolerance.
    let measure = |range: (usize, usize)| {
        let v = value(&code[range.0..range.1], constants)?;
        let float = code[range.0..range.1].iter().any(|t| {
            t.kind == Kind::Num && (t.text.contains('.') || t.text.contains(['e', 'E']))
                || t.kind == Kind::Ident
        });
        (float || v.fract() != 0.0).then_some(v)
    };
    let mut push = |v: Option<f64>, larger: bool, form: &str| {
        if let Some(value) = v {
            found.push(Tolerance {
                value,
                larger_is_looser: larger,
                form: form.to_owned(),
            });
        }
    };
    for i in 0..code.len() {
        let t = code[i];
        if t.kind != Kind::Ident {
            // `abs(a - b) < x`, `(a - b).abs() <= x`, `math.Abs(d) > x`: the bound after the
            // comparison that follows an absolute difference.
            if (t.is('<') || t.is('>'))
                && !absolute_before(code, i)
                && !code.get(i + 1).is_some_and(|n| n.is('>') || n.is('<'))
                && i > 0
                && !code[i - 1].is('=')
                && !code[i - 1].is('<')
                && !code[i - 1].is('-')
                && let Some(guard) = comparison_context(code, i, language)
            {
                let from = if code.get(i + 1).is_some_and(|n| n.is('=')) {
                    i + 2
                } else {
                    i + 1
                };
                let to = (from..code.len())
                    .find(|&k| {
                        let n = code[k];
                        n.is(')')
                            || n.is(',')
                            || n.is(';')
                            || n.is('{')
                            || n.is('&')
                            || n.is('|')
                            || n.kind == Kind::Newline
                            || n.line > t.line
                            || n.is_ident("and")
                            || n.is_ident("or")
                    })
                    .unwrap_or(code.len());
                // `x < 10` must hold: a higher ceiling accepts more; under `if` it is the
                // failure, the other way round.
                let upper = t.is('<') != guard;
                push(
                    measure((from, to)),
                    upper,
                    if upper { "< bound" } else { "> bound" },
                );
            }
            if (t.is('<') || t.is('>')) && absolute_before(code, i) {
                let from = if code.get(i + 1).is_some_and(|n| n.is('=')) {
                    i + 2
                } else {
                    i + 1
                };
                let to = (from..code.len())
                    .find(|&k| {
                        let n = code[k];
                        n.is(')')
                            || n.is(',')
                            || n.is(';')
                            || n.is('{')
                            || n.is('&')
                            || n.is('|')
                            || n.kind == Kind::Newline
                            || (n.line > t.line && language == Language::Python)
                            || n.is_ident("and")
                            || n.is_ident("or")
                    })
                    .unwrap_or(code.len());
                push(get((from, to)), true, "abs(a - b) <");
            }
            continue;
        }
        let name = t.text.as_str();
        let Some(open) = code.get(i + 1).filter(|n| n.is('(')).map(|_| i + 1) else {
            // Kotest infix `x plusOrMinus 0.1`.
            if name == "plusOrMinus" {
                push(get((i + 1, (i + 2).min(code.len()))), true, "plusOrMinus");
            }
            continue;
        };
        let (args, _) = arg_ranges(code, open);
        // Positional arguments only: `rel=1e-3` is named, not the second argument.
        let positional = |n: usize| {
            args.iter()
                .copied()
                .filter(|&(f, to)| {
                    to > f
                        && !(code[f].kind == Kind::Ident
                            && code.get(f + 1).is_some_and(|n| n.is('=') || n.is(':'))
                            && !code.get(f + 2).is_some_and(|n| n.is('=') || n.is(':')))
                })
                .nth(n)
        };
        match (language, name) {
            (Language::Python, "approx") => {
                let rel = named(code, &args, "rel").or_else(|| positional(1));
                push(rel.map_or(Some(1e-6), get), true, "approx rel");
                push(
                    named(code, &args, "abs").map_or(Some(1e-12), get),
                    true,
                    "approx abs",
                );
            }
            (Language::Python, "isclose" | "allclose" | "assert_allclose") => {
                let numpy = name != "isclose" || i >= 2 && code[i - 2].text != "math";
                let (rel, abs) = if numpy {
                    ("rtol", "atol")
                } else {
                    ("rel_tol", "abs_tol")
                };
                let default_rel = if name == "assert_allclose" {
                    1e-7
                } else if numpy {
                    1e-5
                } else {
                    1e-9
                };
                let default_abs = if (name == "isclose" && !numpy) || name == "assert_allclose" {
                    0.0
                } else {
                    1e-8
                };
                push(
                    named(code, &args, rel).map_or(Some(default_rel), get),
                    true,
                    rel,
                );
                push(
                    named(code, &args, abs).map_or(Some(default_abs), get),
                    true,
                    abs,
                );
            }
            (Language::Python, "assertAlmostEqual" | "assertNotAlmostEqual") => {
                if let Some(delta) = named(code, &args, "delta") {
                    push(get(delta), true, "delta");
                } else {
                    let places = named(code, &args, "places").or_else(|| positional(2));
                    push(places.map_or(Some(7.0), get), false, "places");
                }
            }
            (Language::Python, "assert_almost_equal" | "assert_array_almost_equal") => {
                let decimal = named(code, &args, "decimal").or_else(|| positional(2));
                let default = if name == "assert_almost_equal" {
                    7.0
                } else {
                    6.0
                };
                push(decimal.map_or(Some(default), get), false, "decimal");
            }
            (Language::Js, "toBeCloseTo") => {
                push(
                    positional(1).map_or(Some(2.0), get),
                    false,
                    "toBeCloseTo digits",
                );
            }
            // `expect(Math.abs(a - b)).toBeLessThan(x)`, and any upper or lower bound a
            // matcher sets: a higher ceiling or a lower floor accepts more.
            (Language::Js, "toBeLessThan" | "toBeLessThanOrEqual") => {
                if i >= 3 && absolute_subject(code, i) {
                    push(positional(0).and_then(get), true, name);
                } else {
                    push(positional(0).and_then(measure), true, "< bound");
                }
            }
            (Language::Python, "assertLess" | "assertLessEqual")
            | (Language::Go, "Less" | "LessOrEqual") => {
                let at = if language == Language::Go { 2 } else { 1 };
                push(positional(at).and_then(measure), true, "< bound");
            }
            (Language::Python, "assertGreater" | "assertGreaterEqual")
            | (Language::Go, "Greater" | "GreaterOrEqual") => {
                let at = if language == Language::Go { 2 } else { 1 };
                push(positional(at).and_then(measure), false, "> bound");
            }
            (
                Language::Java | Language::Kotlin,
                "isLessThan"
                | "isLessThanOrEqualTo"
                | "lessThan"
                | "lessThanOrEqualTo"
                | "shouldBeLessThan"
                | "shouldBeLessThanOrEqual",
            ) => {
                push(positional(0).and_then(measure), true, "< bound");
            }
            (
                Language::Java | Language::Kotlin,
                "isGreaterThan"
                | "isGreaterThanOrEqualTo"
                | "greaterThan"
                | "greaterThanOrEqualTo"
                | "shouldBeGreaterThan"
                | "shouldBeGreaterThanOrEqual",
            )
            | (Language::Js, "toBeGreaterThan" | "toBeGreaterThanOrEqual") => {
                push(positional(0).and_then(measure), false, "> bound");
            }
            (
                Language::Go,
                "InDelta" | "InEpsilon" | "InDeltaSlice" | "InDeltaMapValues" | "InEpsilonSlice",
            ) => {
                push(positional(3).and_then(get), true, name);
            }
            (Language::Go, "EquateApprox") => {
                push(positional(0).and_then(get), true, "EquateApprox fraction");
                push(positional(1).and_then(get), true, "EquateApprox margin");
            }
            // `assertEquals(expected, actual, delta)` for floating point.
            (
                Language::Java | Language::Kotlin,
                "assertEquals" | "assertArrayEquals" | "assertNotEquals",
            ) if args.len() >= 3 => {
                let third = positional(2);
                let is_message = third.is_some_and(|(f, _)| code[f].kind == Kind::Str);
                if !is_message {
                    push(third.and_then(get), true, "delta");
                }
            }
            (
                Language::Java | Language::Kotlin,
                "within" | "offset" | "byLessThan" | "withPercentage" | "withinPercentage",
            ) => {
                push(positional(0).and_then(get), true, name);
            }
            (Language::Java | Language::Kotlin, "closeTo")
            | (Language::Js, "closeTo" | "approximately") => {
                push(positional(1).and_then(get), true, name);
            }
            _ => {}
        }
    }
    // Rust `assert_relative_eq!(a, b, epsilon = x)`, `approx_eq!(f64, a, b, ulps = 2)`.
    if language == Language::Rust {
        for i in 0..code.len() {
            let t = code[i];
            if t.kind == Kind::Ident
                && (t.text.ends_with("relative_eq")
                    || t.text.ends_with("abs_diff_eq")
                    || t.text.ends_with("ulps_eq")
                    || t.text == "approx_eq")
                && code.get(i + 1).is_some_and(|n| n.is('!'))
                && code.get(i + 2).is_some_and(|n| n.is('('))
            {
                let (args, _) = arg_ranges(code, i + 2);
                for key in ["epsilon", "max_relative", "max_ulps", "ulps"] {
                    if let Some(v) = named(code, &args, key).and_then(get) {
                        found.push(Tolerance {
                            value: v,
                            larger_is_looser: true,
                            form: key.to_owned(),
                        });
                    }
                }
            }
        }
    }
    found
}

/// Whether a comparison at `at` is an assertion's condition (false) or the condition of an
/// `if` that fails the test (true); `None` elsewhere (a loop bound, a computation).
fn comparison_context(code: &[&Token], at: usize, language: Language) -> Option<bool> {
    let line = code[at].line;
    let mut k = at;
    while k > 0 {
        k -= 1;
        let t = code[k];
        if t.line < line && language == Language::Python {
            return None;
        }
        // Go's `if x := f(); x > 10 {`: the statement before `;` belongs to the `if`.
        let if_init = t.is(';')
            && language == Language::Go
            && code[..k]
                .iter()
                .rev()
                .take_while(|n| n.line == line)
                .any(|n| n.is_ident("if"));
        if (t.is(';') && !if_init) || t.is('{') || t.is('}') {
            return None;
        }
        match t.text.as_str() {
            "for" | "while" | "range" => return None,
            "assert" | "assert_" | "assertTrue" | "expect" | "debug_assert" | "prop_assert" => {
                return Some(false);
            }
            "True" if k > 0 && code[k - 1].is('.') => return Some(false),
            "assertFalse" | "False"
                if t.kind == Kind::Ident
                    && (t.text == "assertFalse" || k > 0 && code[k - 1].is('.')) =>
            {
                return Some(true);
            }
            "if" if t.kind == Kind::Ident => {
                // The block after the condition fails the test.
                let end = (at..code.len().min(at + 60)).find(|&j| {
                    code[j].is('{') || (language == Language::Python && code[j].is(':'))
                })?;
                let fails = code[end..code.len().min(end + 30)].iter().any(|n| {
                    matches!(
                        n.text.as_str(),
                        "Error"
                            | "Errorf"
                            | "Fatal"
                            | "Fatalf"
                            | "Fail"
                            | "FailNow"
                            | "fail"
                            | "panic"
                            | "raise"
                            | "throw"
                    )
                });
                return fails.then_some(true);
            }
            _ => {}
        }
    }
    None
}

/// Whether the comparison at `at` follows an absolute value: `abs(...)`, `.abs()`,
/// `Math.abs(...)`, `math.Abs(...)`, `fabs(...)`.
fn absolute_before(code: &[&Token], at: usize) -> bool {
    let Some(prev) = at.checked_sub(1).map(|k| code[k]) else {
        return false;
    };
    if !prev.is(')') {
        return false;
    }
    // Find the `(` that closes at `prev`, then look at the name before it.
    let mut depth = 0i32;
    let mut k = at - 1;
    loop {
        let t = code[k];
        if t.is(')') {
            depth += 1;
        } else if t.is('(') {
            depth -= 1;
            if depth == 0 {
                break;
            }
        }
        if k == 0 {
            return false;
        }
        k -= 1;
    }
    k.checked_sub(1)
        .map(|n| code[n])
        .is_some_and(|n| matches!(n.text.as_str(), "abs" | "Abs" | "fabs" | "absoluteValue"))
}

/// `expect(Math.abs(...))` right before `.toBeLessThan` at `at`.
fn absolute_subject(code: &[&Token], at: usize) -> bool {
    code.get(at.wrapping_sub(2)).is_some_and(|t| t.is(')')) && absolute_before(code, at - 1)
        || code[..at]
            .iter()
            .rev()
            .take(30)
            .any(|t| matches!(t.text.as_str(), "abs" | "Abs"))
}
