//! An expected value computed by the code under test: `expected = total(xs)` then
//! `assert_eq!(total(xs), expected)`, a fixture returning `invoice_total(...)`, a `beforeEach`
//! that sets `expected = formatPrice(...)`, a table row `want: Sum(...)`. The equality then
//! compares the function with itself and cannot fail.

use std::collections::{HashMap, HashSet};

use super::{Context, matching};

/// The two compared expressions of an equality, as token ranges.
pub(super) type Operands = ((usize, usize), (usize, usize));
use crate::protected::lexer::{Kind, Language, Token};

/// Calls that compute nothing under test: conversions, constructors, containers, the standard
/// library's helpers.
const NEUTRAL: [&str; 64] = [
    "len",
    "str",
    "int",
    "float",
    "bool",
    "list",
    "dict",
    "set",
    "tuple",
    "sorted",
    "sum",
    "min",
    "max",
    "abs",
    "round",
    "repr",
    "type",
    "range",
    "enumerate",
    "zip",
    "map",
    "filter",
    "Decimal",
    "Some",
    "Ok",
    "Err",
    "vec",
    "format",
    "from",
    "to_string",
    "to_owned",
    "into",
    "clone",
    "unwrap",
    "expect",
    "iter",
    "collect",
    "new",
    "of",
    "asList",
    "valueOf",
    "toString",
    "String",
    "Number",
    "parseInt",
    "parseFloat",
    "Sprintf",
    "loads",
    "dumps",
    "Path",
    "read_text",
    "readFileSync",
    "ReadFile",
    "open",
    "listOf",
    "mapOf",
    "setOf",
    "arrayOf",
    "BigDecimal",
    "toBigDecimal",
    "stringify",
    "parse",
    "join",
    "keys",
];

/// The calls (dotted callee text) in a token range, without the neutral ones.
fn callees(
    code: &[&Token],
    from: usize,
    to: usize,
    local: &HashMap<String, Vec<Token>>,
    depth: u8,
) -> HashSet<String> {
    let mut found = HashSet::new();
    for k in from..to.min(code.len()) {
        let t = code[k];
        if t.kind != Kind::Ident || !code.get(k + 1).is_some_and(|n| n.is('(') || n.is('!')) {
            continue;
        }
        if NEUTRAL.contains(&t.text.as_str())
            || t.text.starts_with("assert")
            || t.text.starts_with("expect")
        {
            continue;
        }
        // A helper of the tests stands for what it calls (`expected_total()` calling `total`).
        if let Some(helper) = local.get(&t.text) {
            if depth < 2 {
                let tokens: Vec<&Token> =
                    helper.iter().filter(|t| t.kind != Kind::Comment).collect();
                found.extend(callees(&tokens, 0, tokens.len(), local, depth + 1));
            }
            continue;
        }
        // The dotted path before the name: `Discounts.apply`, `calc.add`, `ledger::total`.
        let mut start = k;
        loop {
            if start >= 2 && code[start - 1].is('.') && code[start - 2].kind == Kind::Ident {
                start -= 2;
            } else if start >= 3
                && code[start - 1].is(':')
                && code[start - 2].is(':')
                && code[start - 3].kind == Kind::Ident
            {
                start -= 3;
            } else {
                break;
            }
        }
        let name: String = code[start..=k].iter().map(|t| t.text.as_str()).collect();
        let args: String = if code[k + 1].is('(') {
            let close = matching(code, k + 1);
            code[(k + 2).min(close)..close]
                .iter()
                .map(|t| t.text.as_str())
                .collect()
        } else {
            String::new()
        };
        found.insert(format!("{name}({args})"));
    }
    found
}

/// The value assigned to each name in the body: `let x = ...`, `x := ...`, `x = ...`,
/// `const x = ...`, `want: ...` (struct fields of table rows; every row's value).
fn assignments(code: &[&Token], language: Language) -> HashMap<String, Vec<(usize, usize, bool)>> {
    let mut found: HashMap<String, Vec<(usize, usize, bool)>> = HashMap::new();
    for k in 0..code.len() {
        let t = code[k];
        if t.kind != Kind::Ident {
            continue;
        }
        let next = code.get(k + 1);
        let assign = next.is_some_and(|n| n.is('='))
            && !code.get(k + 2).is_some_and(|n| n.is('=') || n.is('>'))
            && !(k > 0 && (code[k - 1].is('=') || code[k - 1].is('!') || code[k - 1].is('<')));
        let walrus = next.is_some_and(|n| n.is(':')) && code.get(k + 2).is_some_and(|n| n.is('='));
        let field = language == Language::Go
            && next.is_some_and(|n| n.is(':'))
            && !walrus
            && k > 0
            && (code[k - 1].is('{') || code[k - 1].is(','));
        if !(assign || walrus || field) {
            continue;
        }
        let from = k + if walrus { 3 } else { 2 };
        let to = expression_end(code, from, language);
        found
            .entry(t.text.clone())
            .or_default()
            .push((from, to, field));
    }
    found
}

/// Where the expression starting at `from` ends: a `;`, `,` or closing bracket at its depth,
/// or (Python) the end of its line.
fn expression_end(code: &[&Token], from: usize, language: Language) -> usize {
    let line = code.get(from).map_or(0, |t| t.line);
    let mut k = from;
    while k < code.len() {
        let t = code[k];
        if t.is('(') || t.is('[') || t.is('{') {
            k = matching(code, k) + 1;
            continue;
        }
        if t.is(')') || t.is(']') || t.is('}') || t.is(';') || t.is(',') {
            break;
        }
        if language == Language::Python && t.line > line {
            break;
        }
        if language != Language::Python
            && t.line > line
            && k > from
            && !code[k - 1].is('.')
            && !t.is('.')
        {
            break;
        }
        k += 1;
    }
    k
}

/// The calls a range reaches: directly, through a local assignment, and through a value set
/// outside the test's own statements (a fixture, a `beforeEach`/`setUp` field, a table row).
#[derive(Default)]
struct Reach {
    direct: HashSet<String>,
    local: HashSet<String>,
    external: HashSet<String>,
}

fn reached(
    code: &[&Token],
    range: (usize, usize),
    locals: &HashMap<String, Vec<(usize, usize, bool)>>,
    context: &Context<'_>,
    local_helpers: &HashMap<String, Vec<Token>>,
) -> Reach {
    let mut reach = Reach {
        direct: callees(code, range.0, range.1, local_helpers, 0),
        ..Reach::default()
    };
    for k in range.0..range.1.min(code.len()) {
        let t = code[k];
        if t.kind != Kind::Ident || code.get(k + 1).is_some_and(|n| n.is('(') || n.is('.')) {
            continue;
        }
        for &(from, to, field) in locals.get(&t.text).map_or(&[][..], Vec::as_slice) {
            if from > range.1 || to < range.0 {
                let found = callees(code, from, to, local_helpers, 0);
                if field {
                    reach.external.extend(found);
                } else {
                    reach.local.extend(found);
                }
            }
        }
        for source in [context.setup.get(&t.text), context.fixture(&t.text)]
            .into_iter()
            .flatten()
        {
            let tokens: Vec<&Token> = source.iter().collect();
            reach
                .external
                .extend(callees(&tokens, 0, tokens.len(), local_helpers, 0));
        }
    }
    reach
}

/// For each equality in the body whose expected side is derived from a call the other side
/// makes: the call.
pub(super) fn derived(
    code: &[&Token],
    language: Language,
    equalities: &[Operands],
    context: &Context<'_>,
) -> Vec<String> {
    if equalities.is_empty() {
        return Vec::new();
    }
    let locals = assignments(code, language);
    let helpers = context.helpers;
    let mut found = Vec::new();
    for &(left, right) in equalities {
        let l = reached(code, left, &locals, context, helpers);
        let r = reached(code, right, &locals, context, helpers);
        // One side calls it (directly or through a local), the other gets its expected value
        // from the same call made elsewhere; or one side calls it inline and the other reads
        // a local computed by it. Two locals computed by the same call (a round trip) are not.
        // Through a fixture, a setup value or a table row, the same function counts (its
        // arguments are the row's); within the test, the same call with the same arguments
        // (a relative check such as `price(100, 0.1) == base * 0.9` is not one).
        let name = |call: &String| call.split('(').next().unwrap_or_default().to_owned();
        let names = |set: &HashSet<String>| set.iter().map(name).collect::<HashSet<String>>();
        let own = |x: &Reach| names(&x.direct.union(&x.local).cloned().collect());
        let shared = own(&l)
            .intersection(&names(&r.external))
            .chain(own(&r).intersection(&names(&l.external)))
            .next()
            .cloned()
            .or_else(|| {
                l.direct
                    .intersection(&r.local)
                    .chain(r.direct.intersection(&l.local))
                    .next()
                    .map(name)
            });
        if let Some(call) = shared {
            found.push(call);
        }
    }
    found
}

/// The two operands of every equality in the body: `a == b`, `a != b` (a guard), and the
/// equality assertions (`assert_eq!(a, b)`, `assertEquals(a, b)`, `expect(a).toBe(b)`,
/// `assert.Equal(t, a, b)`).
pub(super) fn equalities(code: &[&Token], language: Language) -> Vec<Operands> {
    let mut found = Vec::new();
    for k in 0..code.len() {
        let t = code[k];
        // Binary `==`, `===`, `!=`, `!==`.
        let equal = t.is('=')
            && code.get(k + 1).is_some_and(|n| n.is('='))
            && k > 0
            && !matches!(code[k - 1].text.as_str(), "=" | "!" | "<" | ">");
        let unequal = t.is('!') && code.get(k + 1).is_some_and(|n| n.is('=')) && k > 0;
        if equal || unequal {
            let op_start = k;
            let mut right_from = k + 2;
            if code.get(right_from).is_some_and(|n| n.is('=')) {
                right_from += 1;
            }
            let left = (operand_start(code, op_start, language), op_start);
            let right = (right_from, expression_end(code, right_from, language));
            if left.0 < left.1 && right.0 < right.1 {
                found.push((left, right));
            }
            continue;
        }
        if t.kind != Kind::Ident {
            continue;
        }
        let name = t.text.as_str();
        let call = |open: usize, skip: usize| -> Option<Operands> {
            let (args, _) = super::arg_ranges(code, open);
            let a = *args.get(skip)?;
            let b = *args.get(skip + 1)?;
            Some((a, b))
        };
        let pair = match name {
            "assert_eq" | "debug_assert_eq" | "prop_assert_eq"
                if code.get(k + 1).is_some_and(|n| n.is('!')) =>
            {
                call(k + 2, 0)
            }
            "assertEquals" | "assertEqual" | "assertSame" | "assertArrayEquals"
                if code.get(k + 1).is_some_and(|n| n.is('(')) =>
            {
                call(k + 1, 0)
            }
            "Equal" | "EqualValues" | "Exactly"
                if k >= 2 && code[k - 1].is('.') && code.get(k + 1).is_some_and(|n| n.is('(')) =>
            {
                call(k + 1, 1)
            }
            "expect" if code.get(k + 1).is_some_and(|n| n.is('(')) => {
                let close = matching(code, k + 1);
                let subject = (k + 2, close);
                // `.toBe(` / `.toEqual(` / `.toStrictEqual(` right after.
                (code.get(close + 1).is_some_and(|n| n.is('.'))
                    && code.get(close + 2).is_some_and(|n| {
                        matches!(n.text.as_str(), "toBe" | "toEqual" | "toStrictEqual")
                    })
                    && code.get(close + 3).is_some_and(|n| n.is('(')))
                .then(|| (subject, (close + 4, matching(code, close + 3))))
            }
            "assertThat" if code.get(k + 1).is_some_and(|n| n.is('(')) => {
                let close = matching(code, k + 1);
                (code.get(close + 2).is_some_and(|n| n.is_ident("isEqualTo"))
                    && code.get(close + 3).is_some_and(|n| n.is('(')))
                .then(|| ((k + 2, close), (close + 4, matching(code, close + 3))))
            }
            _ => None,
        };
        if let Some(pair) = pair {
            found.push(pair);
        }
    }
    found
}

/// Where the left operand of a binary operator at `op` starts.
fn operand_start(code: &[&Token], op: usize, language: Language) -> usize {
    let line = code[op].line;
    let mut depth = 0i32;
    let mut k = op;
    while k > 0 {
        let t = code[k - 1];
        if t.is(')') || t.is(']') || t.is('}') {
            depth += 1;
        } else if t.is('(') || t.is('[') || t.is('{') {
            if depth == 0 {
                return k;
            }
            depth -= 1;
        } else if depth == 0
            && (t.is(';')
                || t.is(',')
                || t.is('&')
                || t.is('|')
                || t.is_ident("assert")
                || t.is_ident("if")
                || t.is_ident("return")
                || t.is_ident("and")
                || t.is_ident("or")
                || (language == Language::Python && t.line < line))
        {
            return k;
        }
        k -= 1;
    }
    0
}
