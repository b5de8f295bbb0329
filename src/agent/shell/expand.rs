//! The expansions bash applies to a word that are certain without running anything: `$'...'`
//! decoding, brace expansion, tilde, and field splitting of unquoted variable values. A word is
//! a sequence of [`Ch`]: each character remembers how it came to be, since that decides which
//! expansions see it.

use super::{NAME, SPLIT, UNKNOWN};

/// The most words one word may expand to (`{a,b}{c,d}...`): more is read as unknown.
const MAX_BRACE_WORDS: usize = 256;

/// The most characters the alternatives of one brace expansion hold together.
const MAX_BRACE_CHARS: usize = 256 << 10;

/// One character of a word on its way through the expansions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Ch {
    pub c: char,
    pub kind: Kind,
}

/// Where a character came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Written in the command line; `quoted` takes part in no expansion.
    Literal { quoted: bool },
    /// From a variable's value; unquoted values are split into fields.
    Expanded { quoted: bool },
    /// A value that cannot be known here; `name` when it is a ref name or a commit id (never
    /// an option); `split` when it is unquoted, so it may become several words.
    Unknown { name: bool, split: bool },
}

impl Ch {
    pub fn literal(c: char, quoted: bool) -> Ch {
        Ch {
            c,
            kind: Kind::Literal { quoted },
        }
    }

    fn special(self, c: char) -> bool {
        self.c == c && self.kind == Kind::Literal { quoted: false }
    }
}

/// The text of `$'...'` (between the quotes) with its escapes decoded, as bash does.
pub(super) fn ansi_c(text: &[char]) -> String {
    let mut out = String::new();
    let mut at = 0;
    let digits = |from: usize, radix: u32, max: usize| -> (u32, usize) {
        let mut value = 0;
        let mut count = 0;
        while count < max
            && let Some(digit) = text.get(from + count).and_then(|c| c.to_digit(radix))
        {
            value = value * radix + digit;
            count += 1;
        }
        (value, count)
    };
    let some = |(value, count): (u32, usize)| (count > 0).then_some((value, count));
    while at < text.len() {
        let ch = text[at];
        if ch != '\\' || at + 1 >= text.len() {
            out.push(ch);
            at += 1;
            continue;
        }
        let escape = text[at + 1];
        at += 2;
        let simple = match escape {
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'e' | 'E' => Some('\u{1b}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            '\\' | '\'' | '"' | '?' => Some(escape),
            _ => None,
        };
        if let Some(decoded) = simple {
            out.push(decoded);
            continue;
        }
        let code = match escape {
            // The first octal digit is the escape itself.
            '0'..='7' => some(digits(at - 1, 8, 3)).map(|(v, count)| (v, count - 1)),
            'x' => some(digits(at, 16, 2)),
            'u' => some(digits(at, 16, 4)),
            'U' => some(digits(at, 16, 8)),
            'c' => text.get(at).map(|&k| (u32::from(k) & 0x1f, 1)),
            _ => None,
        };
        if let Some((value, used)) = code {
            // Bytes above 0x7f of `\x`/octal are not valid UTF-8 alone: read them as the
            // code point, which keeps an ASCII option (`\x2d`) exact.
            out.push(char::from_u32(value).unwrap_or(UNKNOWN));
            at += used;
        } else {
            out.push('\\');
            out.push(escape);
        }
    }
    out
}

/// Brace expansion (`a{b,c}d`, `{1..3}`) of unquoted literal braces, in bash's order; one
/// unknown word past the bounds.
#[cfg(test)]
pub(super) fn braces(word: Vec<Ch>) -> Vec<Vec<Ch>> {
    braces_bounded(word).unwrap_or_else(|| {
        vec![vec![Ch {
            c: UNKNOWN,
            kind: Kind::Unknown {
                name: false,
                split: false,
            },
        }]]
    })
}

/// Brace expansion (`a{b,c}d`, `{1..3}`) of unquoted literal braces, in bash's order; `None`
/// past [`MAX_BRACE_WORDS`] words or [`MAX_BRACE_CHARS`] characters (every alternative copies
/// the whole word), which the reader must treat as unreadable, never as unknown.
pub(super) fn braces_bounded(word: Vec<Ch>) -> Option<Vec<Vec<Ch>>> {
    let mut done = Vec::new();
    let mut todo = vec![word];
    while let Some(word) = todo.pop() {
        let words = done.len() + todo.len() + 1;
        if words > MAX_BRACE_WORDS || words.saturating_mul(word.len()) > MAX_BRACE_CHARS {
            return None;
        }
        match expand_one(&word) {
            Some(mut parts) => {
                parts.reverse();
                todo.extend(parts);
            }
            None => done.push(word),
        }
    }
    Some(done)
}

/// One brace group of `word` expanded (the first to close), or `None` when it has none. One
/// pass: a stack of the groups open, each with its commas.
fn expand_one(word: &[Ch]) -> Option<Vec<Vec<Ch>>> {
    let mut open: Vec<(usize, Vec<usize>)> = Vec::new();
    for (at, ch) in word.iter().enumerate() {
        if ch.special('{') && !(at > 0 && word[at - 1].c == '$') {
            open.push((at, Vec::new()));
        } else if ch.special(',') {
            if let Some((_, commas)) = open.last_mut() {
                commas.push(at);
            }
        } else if ch.special('}')
            && let Some((start, commas)) = open.pop()
        {
            let alternatives: Vec<Vec<Ch>> = if commas.is_empty() {
                let Some(items) = sequence(&word[start + 1..at]) else {
                    continue;
                };
                items
                    .into_iter()
                    .map(|s| s.chars().map(|c| Ch::literal(c, true)).collect())
                    .collect()
            } else {
                let mut bounds = vec![start];
                bounds.extend(&commas);
                bounds.push(at);
                bounds
                    .windows(2)
                    .map(|w| word[w[0] + 1..w[1]].to_vec())
                    .collect()
            };
            let (prefix, suffix) = (&word[..start], &word[at + 1..]);
            return Some(
                alternatives
                    .into_iter()
                    .map(|middle| {
                        let mut out = prefix.to_vec();
                        out.extend(middle);
                        out.extend_from_slice(suffix);
                        out
                    })
                    .collect(),
            );
        }
    }
    None
}

/// `1..3`, `a..e`, `10..1..3`: the items, when the text is such a sequence (bounded).
fn sequence(inner: &[Ch]) -> Option<Vec<String>> {
    let text: String = inner.iter().map(|c| c.c).collect();
    let parts: Vec<&str> = text.split("..").collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let step: i64 = match parts.get(2) {
        Some(s) => s.parse::<i64>().ok()?.abs().max(1),
        None => 1,
    };
    let span = |a: i64, b: i64| {
        let count = (a - b).unsigned_abs() / step.unsigned_abs() + 1;
        (count <= MAX_BRACE_WORDS as u64).then_some(())
    };
    if let (Ok(a), Ok(b)) = (parts[0].parse::<i64>(), parts[1].parse::<i64>()) {
        span(a, b)?;
        let mut items = Vec::new();
        let mut n = a;
        loop {
            items.push(n.to_string());
            if n == b || (a < b && n + step > b) || (a > b && n - step < b) {
                break;
            }
            n = if a < b { n + step } else { n - step };
        }
        return Some(items);
    }
    let single = |s: &str| {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_alphabetic() => Some(c),
            _ => None,
        }
    };
    let (a, b) = (single(parts[0])?, single(parts[1])?);
    let (a, b) = (i64::from(u32::from(a)), i64::from(u32::from(b)));
    span(a, b)?;
    let mut items = Vec::new();
    let mut n = a;
    loop {
        items.push(char::from_u32(u32::try_from(n).ok()?)?.to_string());
        if n == b || (a < b && n + step > b) || (a > b && n - step < b) {
            break;
        }
        n = if a < b { n + step } else { n - step };
    }
    Some(items)
}

/// Field splitting: unquoted variable values split at blanks; a word made only of an empty
/// unquoted value disappears (`quoted`: the word had quotes, so `""` stays a word).
pub(super) fn fields(word: Vec<Ch>, quoted: bool) -> Vec<Vec<Ch>> {
    let splits = |ch: &Ch| {
        matches!(ch.kind, Kind::Expanded { quoted: false }) && matches!(ch.c, ' ' | '\t' | '\n')
    };
    let keeps_empty = quoted
        || word.iter().any(|ch| {
            matches!(
                ch.kind,
                Kind::Literal { .. } | Kind::Expanded { quoted: true } | Kind::Unknown { .. }
            )
        });
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut had_split = false;
    for ch in word {
        if splits(&ch) {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            had_split = true;
        } else {
            current.push(ch);
        }
    }
    if !current.is_empty() || (keeps_empty && out.is_empty() && !had_split) {
        out.push(current);
    }
    out
}

/// The word as text: unknown values become [`UNKNOWN`] (or [`NAME`]).
pub(super) fn render(word: &[Ch]) -> String {
    word.iter()
        .map(|ch| match ch.kind {
            Kind::Unknown { name: true, .. } => NAME,
            Kind::Unknown { split: true, .. } => SPLIT,
            Kind::Unknown { .. } => UNKNOWN,
            _ => ch.c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(text: &str) -> Vec<Ch> {
        text.chars().map(|c| Ch::literal(c, false)).collect()
    }

    #[expect(
        clippy::needless_pass_by_value,
        reason = "reads best at the call sites"
    )]
    fn words(out: Vec<Vec<Ch>>) -> Vec<String> {
        out.iter().map(|w| render(w)).collect()
    }

    #[test]
    fn ansi_c_quoting_decodes_every_escape_bash_knows() {
        let decode = |s: &str| ansi_c(&s.chars().collect::<Vec<_>>());
        assert_eq!(decode(r"\x2dn"), "-n");
        assert_eq!(decode(r"\055\055no-verify"), "--no-verify");
        assert_eq!(decode(r"\u0076\U00000065"), "ve");
        assert_eq!(decode(r"a\tb\n\'\\"), "a\tb\n'\\");
        assert_eq!(decode(r"\q\x"), r"\q\x");
        assert_eq!(decode(r"\cA"), "\u{1}");
    }

    #[test]
    fn braces_expand_lists_and_sequences_but_not_parameters() {
        assert_eq!(
            words(braces(lit("gates.to{ml,}"))),
            ["gates.toml", "gates.to"]
        );
        assert_eq!(words(braces(lit("{a,b}{1..2}"))), ["a1", "a2", "b1", "b2"]);
        assert_eq!(words(braces(lit("{a..c}"))), ["a", "b", "c"]);
        assert_eq!(words(braces(lit("${x}"))), ["${x}"]);
        assert_eq!(words(braces(lit("{x}"))), ["{x}"]);
        let quoted: Vec<Ch> = "{a,b}".chars().map(|c| Ch::literal(c, true)).collect();
        assert_eq!(words(braces(quoted)), ["{a,b}"]);
        assert_eq!(words(braces(lit("{1..100000}"))), ["{1..100000}"]);
        assert_eq!(
            words(braces(lit(&"{a,b}".repeat(20)))),
            [UNKNOWN.to_string()]
        );
    }

    #[test]
    fn unquoted_values_split_into_fields() {
        let value = |text: &str, quoted: bool| -> Vec<Ch> {
            text.chars()
                .map(|c| Ch {
                    c,
                    kind: Kind::Expanded { quoted },
                })
                .collect()
        };
        assert_eq!(
            words(fields(value("git commit -n", false), false)),
            ["git", "commit", "-n"]
        );
        assert_eq!(
            words(fields(value("git commit", true), false)),
            ["git commit"]
        );
        assert!(fields(value("", false), false).is_empty());
        assert_eq!(words(fields(lit(""), true)), [""]);
    }
}
