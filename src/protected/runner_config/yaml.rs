//! A minimal YAML reader for CI files and `.mocharc.yml`: block mappings and sequences by
//! indentation, `- key: value` items, plain, quoted and block (`|`, `>`) scalars, flow
//! sequences `[a, b]` and flat flow mappings `{a: b}`, comments; with line numbers. Anchors
//! and aliases are kept as text. Enough to find steps, their commands and their flags.

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `key: value` pairs with the line of each key.
    Map(Vec<(String, Node, u32)>),
    /// Items with their lines.
    Seq(Vec<(Node, u32)>),
    /// A scalar's text (quotes removed; block scalars joined).
    Scalar(String),
}

impl Node {
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|(_, v, _)| v),
            _ => None,
        }
    }

    /// The line of `key` in a mapping.
    pub fn line_of(&self, key: &str) -> Option<u32> {
        match self {
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, _, l)| *l),
            _ => None,
        }
    }

    /// A scalar's text.
    pub fn text(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar, or a sequence of scalars joined by newlines (a `script:` list).
    pub fn script(&self) -> Option<String> {
        match self {
            Node::Scalar(s) => Some(s.clone()),
            Node::Seq(items) => Some(
                items
                    .iter()
                    .filter_map(|(n, _)| n.script())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Node::Map(_) => None,
        }
    }
}

struct Line {
    indent: usize,
    text: String,
    number: u32,
}

/// Strips a trailing comment that is outside quotes.
fn uncomment(text: &str) -> &str {
    let mut quote = None;
    let bytes: Vec<char> = text.chars().collect();
    let mut at_byte = 0;
    for (i, c) in bytes.iter().enumerate() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(*c),
            (Some(q), c) if *c == q => quote = None,
            (None, '#') if i == 0 || bytes[i - 1].is_whitespace() => {
                return text[..at_byte].trim_end();
            }
            _ => {}
        }
        at_byte += c.len_utf8();
    }
    text.trim_end()
}

fn unquote(text: &str) -> String {
    let t = text.trim();
    if t.len() >= 2
        && (t.starts_with('"') && t.ends_with('"') || t.starts_with('\'') && t.ends_with('\''))
    {
        t[1..t.len() - 1].to_owned()
    } else {
        t.to_owned()
    }
}

/// Splits `a, b, [c, d]` at top-level commas.
fn split_flow(inner: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote = None;
    let mut current = String::new();
    for c in inner.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        parts.push(current);
    }
    parts.into_iter().map(|p| p.trim().to_owned()).collect()
}

fn scalar(text: &str, line: u32) -> Node {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return Node::Seq(
            split_flow(inner)
                .into_iter()
                .map(|p| (scalar(&p, line), line))
                .collect(),
        );
    }
    if let Some(inner) = t.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        return Node::Map(
            split_flow(inner)
                .into_iter()
                .filter_map(|p| {
                    let (k, v) = p.split_once(':')?;
                    Some((unquote(k), scalar(v, line), line))
                })
                .collect(),
        );
    }
    Node::Scalar(unquote(t))
}

/// Where a mapping key ends: `key: value` or `key:` (not `http://`).
fn key_split(text: &str) -> Option<(String, String)> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') if i == 0 => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ':') => {
                let rest = &text[i + 1..];
                if rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t') {
                    return Some((unquote(&text[..i]), rest.trim().to_owned()));
                }
            }
            (None, '[' | '{') if i == 0 => return None,
            _ => {}
        }
    }
    None
}

/// Reads a YAML document (the first one).
pub fn read(text: &str) -> Node {
    let mut lines = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let number = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let content = uncomment(raw);
        if content.trim().is_empty() && !lines.is_empty() {
            // Kept for block scalars: an empty line inside one.
            lines.push(Line {
                indent: usize::MAX,
                text: String::new(),
                number,
            });
            continue;
        }
        if content.trim().is_empty() || content.trim() == "---" {
            continue;
        }
        let indent = content.len() - content.trim_start().len();
        lines.push(Line {
            indent,
            text: content.trim_start().to_owned(),
            number,
        });
    }
    let mut at = 0;
    skip_blank(&lines, &mut at);
    let indent = lines.get(at).map_or(0, |l| l.indent);
    block(&lines, &mut at, indent)
}

fn skip_blank(lines: &[Line], at: &mut usize) {
    while lines.get(*at).is_some_and(|l| l.indent == usize::MAX) {
        *at += 1;
    }
}

/// The block starting at `at` whose lines are indented `indent`.
fn block(lines: &[Line], at: &mut usize, indent: usize) -> Node {
    skip_blank(lines, at);
    let Some(first) = lines.get(*at) else {
        return Node::Scalar(String::new());
    };
    if first.text.starts_with("- ") || first.text == "-" {
        let mut items = Vec::new();
        while let Some(line) = lines.get(*at) {
            if line.indent == usize::MAX {
                *at += 1;
                continue;
            }
            if line.indent != indent || !(line.text.starts_with("- ") || line.text == "-") {
                break;
            }
            let number = line.number;
            let rest = line.text[1..].trim_start().to_owned();
            let inner_indent = indent + (line.text.len() - rest.len());
            *at += 1;
            let item = if rest.is_empty() {
                skip_blank(lines, at);
                match lines.get(*at) {
                    Some(next) if next.indent > indent => {
                        let ind = next.indent;
                        block(lines, at, ind)
                    }
                    _ => Node::Scalar(String::new()),
                }
            } else if key_split(&rest).is_some() {
                // `- key: value` then more keys at the item's column.
                mapping(lines, at, inner_indent, Some((rest, number)))
            } else {
                scalar(&rest, number)
            };
            items.push((item, number));
        }
        Node::Seq(items)
    } else {
        mapping(lines, at, indent, None)
    }
}

/// A mapping at `indent`; `first` is an entry already taken from a `- ` line.
fn mapping(lines: &[Line], at: &mut usize, indent: usize, first: Option<(String, u32)>) -> Node {
    let mut entries = Vec::new();
    let mut pending = first;
    loop {
        let (text, number) = if let Some(p) = pending.take() {
            p
        } else {
            skip_blank(lines, at);
            let Some(line) = lines.get(*at) else { break };
            if line.indent != indent || line.text.starts_with("- ") {
                break;
            }
            *at += 1;
            (line.text.clone(), line.number)
        };
        let Some((key, value)) = key_split(&text) else {
            continue;
        };
        let node = if value.is_empty() {
            skip_blank(lines, at);
            match lines.get(*at) {
                Some(next) if next.indent > indent => {
                    let ind = next.indent;
                    block(lines, at, ind)
                }
                // `key:` followed by `- item` at the same indentation.
                Some(next) if next.indent == indent && next.text.starts_with("- ") => {
                    block(lines, at, indent)
                }
                _ => Node::Scalar(String::new()),
            }
        } else if value.starts_with('|') || value.starts_with('>') {
            let folded = value.starts_with('>');
            let mut body: Vec<String> = Vec::new();
            let mut body_indent = None;
            while let Some(line) = lines.get(*at) {
                if line.indent != usize::MAX && line.indent <= indent {
                    break;
                }
                if line.indent == usize::MAX {
                    body.push(String::new());
                } else {
                    let base = *body_indent.get_or_insert(line.indent);
                    body.push(format!(
                        "{}{}",
                        " ".repeat(line.indent.saturating_sub(base)),
                        line.text
                    ));
                }
                *at += 1;
            }
            while body.last().is_some_and(String::is_empty) {
                body.pop();
            }
            Node::Scalar(body.join(if folded { " " } else { "\n" }))
        } else {
            scalar(&value, number)
        };
        entries.push((key, node, number));
    }
    Node::Map(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_steps() {
        let text = "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    continue-on-error: true\n    steps:\n      - uses: actions/checkout@v4\n      - name: Test # the suite\n        run: |\n          set -e\n          go test ./...\n      - run: echo done\n";
        let doc = read(text);
        let job = doc.get("jobs").unwrap().get("test").unwrap();
        assert_eq!(job.get("continue-on-error").unwrap().text(), Some("true"));
        let Node::Seq(steps) = job.get("steps").unwrap() else {
            panic!()
        };
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[1].0.get("name").unwrap().text(), Some("Test"));
        assert_eq!(
            steps[1].0.get("run").unwrap().text(),
            Some("set -e\ngo test ./...")
        );
        assert_eq!(steps[1].1, 9);
        assert_eq!(
            doc.get("on"),
            Some(&Node::Seq(vec![(Node::Scalar("push".into()), 2)]))
        );
    }

    #[test]
    fn lists_at_the_key_indentation_and_quotes() {
        let doc = read(
            "script:\n- pytest || true\n- 'echo \"a # b\"'\nspec: 'test/**/*.spec.js' # all\n",
        );
        assert_eq!(
            doc.get("script").unwrap().script().unwrap(),
            "pytest || true\necho \"a # b\""
        );
        assert_eq!(doc.get("spec").unwrap().text(), Some("test/**/*.spec.js"));
    }
}
