//! Whether a command line runs something in the background (`&`) or in a pipeline (`|`):
//! outside quotes, comments and here-documents, and not as part of `&&`, `||`, `>&`, `&>`, `|&`.

/// Whether `script` has a `&` that runs something in the background, and a `|` pipeline,
/// outside quotes, comments and here-documents (`&&`, `||`, `>&`, `&>`, `|&`... are not).
pub fn operators(script: &str) -> (bool, bool) {
    #[derive(Clone, Copy, PartialEq)]
    enum Context {
        Code,
        Single,
        Double,
        Backquote,
    }
    let chars: Vec<char> = script.chars().collect();
    // Each `$(` or `(` inside code opens a nested code context (closed by its `)`).
    let mut stack: Vec<Context> = vec![Context::Code];
    let mut heredocs: Vec<(String, bool)> = Vec::new();
    let (mut background, mut pipes) = (false, false);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let context = *stack.last().unwrap_or(&Context::Code);
        match context {
            Context::Single => {
                if c == '\'' {
                    stack.pop();
                }
            }
            Context::Double => match c {
                '\\' => i += 1,
                '"' => {
                    stack.pop();
                }
                '$' if next == Some('(') => {
                    stack.push(Context::Code);
                    i += 1;
                }
                '`' => stack.push(Context::Backquote),
                _ => {}
            },
            Context::Code | Context::Backquote => match c {
                '\\' => i += 1,
                '\'' => stack.push(Context::Single),
                '"' => stack.push(Context::Double),
                '`' if context == Context::Backquote => {
                    stack.pop();
                }
                '`' => stack.push(Context::Backquote),
                '(' => stack.push(Context::Code),
                ')' if stack.len() > 1 => {
                    stack.pop();
                }
                '#' if previous.is_none_or(char::is_whitespace) => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                    continue;
                }
                // A here-string (`<<< text`), not a here-document.
                '<' if next == Some('<') && chars.get(i + 2) == Some(&'<') => {
                    i += 3;
                    continue;
                }
                '<' if next == Some('<') => {
                    i += 2;
                    heredocs.push(delimiter(&chars, &mut i));
                    continue;
                }
                '\n' if !heredocs.is_empty() => {
                    i += 1;
                    for (delimiter, strip_tabs) in std::mem::take(&mut heredocs) {
                        skip_body(&chars, &mut i, &delimiter, strip_tabs);
                    }
                    continue;
                }
                '&' => {
                    if next == Some('&') {
                        i += 1;
                    } else if next != Some('>') && !matches!(previous, Some('>' | '<' | '|')) {
                        background = true;
                    }
                }
                '|' => {
                    if next == Some('|') {
                        i += 1;
                    } else if previous != Some('>') {
                        pipes = true;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    (background, pipes)
}

/// A here-document's delimiter, read from `i` (after `<<`), and whether `<<-` strips tabs.
fn delimiter(chars: &[char], i: &mut usize) -> (String, bool) {
    let strip_tabs = chars.get(*i) == Some(&'-');
    if strip_tabs {
        *i += 1;
    }
    while chars.get(*i).is_some_and(|c| *c == ' ' || *c == '\t') {
        *i += 1;
    }
    let mut delimiter = String::new();
    while let Some(&d) = chars.get(*i) {
        if d.is_whitespace() || matches!(d, ';' | '&' | '|' | '<' | '>' | '(' | ')') {
            break;
        }
        if !matches!(d, '\'' | '"' | '\\') {
            delimiter.push(d);
        }
        *i += 1;
    }
    (delimiter, strip_tabs)
}

/// Skips a here-document's body, from `i` to after its delimiter line.
fn skip_body(chars: &[char], i: &mut usize, delimiter: &str, strip_tabs: bool) {
    loop {
        let end = (*i..chars.len())
            .find(|&k| chars[k] == '\n')
            .unwrap_or(chars.len());
        let text: String = chars[*i..end].iter().collect();
        *i = (end + 1).min(chars.len());
        let text = if strip_tabs {
            text.trim_start_matches('\t')
        } else {
            &text
        };
        if text == delimiter || *i >= chars.len() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background_and_pipes_outside_quotes_and_here_documents() {
        assert_eq!(
            operators("a && b || c; d 2>&1 >/dev/null &> x"),
            (false, false)
        );
        assert_eq!(operators("sleep 1 && git commit &"), (true, false));
        assert_eq!(operators("git commit | tail"), (false, true));
        assert_eq!(operators("git commit -m 'a & b | c'"), (false, false));
        assert_eq!(
            operators("git commit -m \"$(cat <<'EOF'\nDon't & | \"x\"\nEOF\n)\""),
            (false, false)
        );
        assert_eq!(operators("cat <<EOF\na & b\nEOF\nx &"), (true, false));
        assert_eq!(operators("echo $(a | b) # c & d"), (false, true));
        // A here-string starts no here-document: the next line is read.
        assert_eq!(operators("cat <<< x\ngit commit -am x &"), (true, false));
        assert_eq!(operators("grep -q a <<< \"$X\" && b | c"), (false, true));
    }
}
