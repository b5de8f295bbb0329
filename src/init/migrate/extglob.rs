//! lint-staged's glob patterns (micromatch, with extglobs) as backstop selects files: plain
//! globs stay globs; extglobs (`?(x)`, `@(a|b)`, `*(x)`, `+(x)`) become a regular expression,
//! and a whole-pattern negation `!(x)` becomes an exclusion.

/// How a lint-staged pattern selects files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// A glob backstop's `files` reads as lint-staged does.
    Glob(String),
    /// A regular expression for `files_regex`.
    Regex(String),
    /// Every file except those the regular expression matches (`exclude_regex`).
    AllBut(String),
}

/// Translates a pattern; `Err` says why it cannot be.
pub fn translate(pattern: &str) -> Result<Selection, String> {
    if !pattern.contains(['(', ')']) {
        return Ok(Selection::Glob(pattern.to_owned()));
    }
    if let Some(inner) = pattern
        .strip_prefix("!(")
        .and_then(|rest| rest.strip_suffix(')'))
        .filter(|inner| balanced(inner))
    {
        return Ok(Selection::AllBut(anchored(inner)?));
    }
    if pattern.contains("!(") {
        return Err("a negation inside a pattern has no regular-expression form here".to_owned());
    }
    Ok(Selection::Regex(anchored(pattern)?))
}

fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

/// The regex of a pattern, matched against the whole path; a pattern without `/` matches the
/// file name at any depth (lint-staged's `matchBase`).
fn anchored(pattern: &str) -> Result<String, String> {
    let body = body(pattern)?;
    Ok(if pattern.contains('/') {
        format!("^{body}$")
    } else {
        format!("(^|/){body}$")
    })
}

fn body(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match (c, next) {
            ('?' | '@' | '*' | '+', Some('(')) => {
                let close = closing(&chars, i + 1)?;
                let inner: String = chars[i + 2..close].iter().collect();
                let alternatives: Vec<String> = split_top(&inner)
                    .iter()
                    .map(|a| body(a))
                    .collect::<Result<_, _>>()?;
                let group = format!("(?:{})", alternatives.join("|"));
                out.push_str(&group);
                out.push_str(match c {
                    '?' => "?",
                    '*' => "*",
                    '+' => "+",
                    _ => "",
                });
                i = close + 1;
                continue;
            }
            ('*', Some('*')) => {
                out.push_str(".*");
                i += 2;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                    out.push_str("/?");
                }
                continue;
            }
            ('*', _) => out.push_str("[^/]*"),
            ('?', _) => out.push_str("[^/]"),
            ('{', _) => {
                let close = chars[i..]
                    .iter()
                    .position(|c| *c == '}')
                    .ok_or("an unclosed `{`")?
                    + i;
                let inner: String = chars[i + 1..close].iter().collect();
                let alternatives: Vec<String> =
                    inner.split(',').map(body).collect::<Result<_, _>>()?;
                out.push_str(&format!("(?:{})", alternatives.join("|")));
                i = close + 1;
                continue;
            }
            ('[', _) => {
                let close = chars[i..]
                    .iter()
                    .position(|c| *c == ']')
                    .ok_or("an unclosed `[`")?
                    + i;
                let class: String = chars[i + 1..close].iter().collect();
                out.push('[');
                out.push_str(&class.replace('!', "^"));
                out.push(']');
                i = close + 1;
                continue;
            }
            ('(' | ')' | '|', _) => return Err(format!("an unexpected `{c}`")),
            _ => out.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    Ok(out)
}

fn closing(chars: &[char], open: usize) -> Result<usize, String> {
    let mut depth = 0;
    for (at, c) in chars.iter().enumerate().skip(open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(at);
                }
            }
            _ => {}
        }
    }
    Err("an unclosed `(`".to_owned())
}

/// `a|b(c|d)|e` → `a`, `b(c|d)`, `e`.
fn split_top(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '|' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().expect("never empty").push(c);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(selection: &Selection, path: &str) -> bool {
        match selection {
            Selection::Glob(g) => crate::glob::GlobList::new(std::slice::from_ref(g))
                .unwrap()
                .is_match(std::path::Path::new(path)),
            Selection::Regex(r) => regex::Regex::new(r).unwrap().is_match(path),
            Selection::AllBut(r) => !regex::Regex::new(r).unwrap().is_match(path),
        }
    }

    #[test]
    fn remedas_patterns_select_what_lint_staged_does() {
        let ts = translate("*.ts?(x)").unwrap();
        assert!(matches(&ts, "src/a.ts") && matches(&ts, "src/b.tsx"));
        assert!(!matches(&ts, "src/a.js") && !matches(&ts, "src/a.tsxx"));
        let js = translate("*.@(js|jsx|ts|tsx|cjs|mjs)").unwrap();
        assert!(matches(&js, "a.mjs") && matches(&js, "deep/x.ts") && !matches(&js, "a.md"));
        let rest = translate("!(*.@(js|jsx|ts|tsx|cjs|mjs))").unwrap();
        assert!(matches(&rest, "README.md") && matches(&rest, "docs/a.json"));
        assert!(!matches(&rest, "src/a.ts"));
        assert_eq!(translate("*"), Ok(Selection::Glob("*".to_owned())));
        assert!(translate("src/!(x)/*.js").is_err());
    }
}
