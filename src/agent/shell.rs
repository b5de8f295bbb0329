//! Enough of the POSIX shell grammar to see which commands a command line runs: words with
//! quoting and escapes, `;` `&&` `||` `|` `&` and newlines, subshells and groups, `$(...)` and
//! backquotes, redirections, comments, and `sh -c '...'` / `eval` (parsed recursively).

/// One simple command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    /// `NAME=value` words before the command.
    pub assignments: Vec<(String, String)>,
    /// The command and its arguments, unquoted.
    pub words: Vec<String>,
    /// Redirection targets (`> file`, `>> file`, `2> file`...).
    pub redirects: Vec<String>,
}

/// Every simple command in `script`, nested ones (subshells, substitutions, `sh -c`) included.
pub fn commands(script: &str) -> Vec<Command> {
    let mut out = Vec::new();
    parse(script, &mut out, 0);
    out
}

#[expect(
    clippy::too_many_lines,
    reason = "one character loop: the grammar reads best in one place"
)]
fn parse(script: &str, out: &mut Vec<Command>, depth: usize) {
    if depth > 8 {
        return;
    }
    let chars: Vec<char> = script.chars().collect();
    let mut current = Command::default();
    let mut word = String::new();
    let mut in_word = false;
    let mut pending_redirect = false;
    // Here-document delimiters waiting for the end of the line; their bodies are data.
    let mut heredocs: Vec<(String, bool)> = Vec::new();
    let mut i = 0;
    let finish_word = |word: &mut String,
                       in_word: &mut bool,
                       current: &mut Command,
                       pending_redirect: &mut bool| {
        if !*in_word {
            return;
        }
        let text = std::mem::take(word);
        *in_word = false;
        if *pending_redirect {
            current.redirects.push(text);
            *pending_redirect = false;
        } else if current.words.is_empty() && is_assignment(&text) {
            let (name, value) = text.split_once('=').unwrap_or_default();
            current
                .assignments
                .push((name.to_owned(), value.to_owned()));
        } else {
            current.words.push(text);
        }
    };
    let finish_command = |current: &mut Command, out: &mut Vec<Command>, depth: usize| {
        let command = std::mem::take(current);
        if command.words.is_empty()
            && command.assignments.is_empty()
            && command.redirects.is_empty()
        {
            return;
        }
        // `sh -c '...'`, `bash -lc "..."`, `eval ...`: the string is a script of its own.
        let program = command
            .words
            .first()
            .map(|w| w.rsplit('/').next().unwrap_or(w).to_owned())
            .unwrap_or_default();
        if matches!(program.as_str(), "sh" | "bash" | "zsh" | "dash" | "ksh") {
            if let Some(at) = command
                .words
                .iter()
                .position(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('c'))
                && let Some(inner) = command.words.get(at + 1)
            {
                parse(inner, out, depth + 1);
            }
        } else if program == "eval" {
            parse(&command.words[1..].join(" "), out, depth + 1);
        }
        out.push(command);
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                if chars[i + 1] != '\n' {
                    word.push(chars[i + 1]);
                    in_word = true;
                }
                i += 2;
                continue;
            }
            '\'' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    word.push(chars[i]);
                    i += 1;
                }
            }
            '"' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\'
                        && i + 1 < chars.len()
                        && matches!(chars[i + 1], '"' | '\\' | '$' | '`')
                    {
                        i += 1;
                    } else if chars[i] == '$' && chars.get(i + 1) == Some(&'(') {
                        let (inner, end) = balanced(&chars, i + 1, '(', ')');
                        parse(&inner, out, depth + 1);
                        word.push_str("$(...)");
                        i = end;
                        continue;
                    } else if chars[i] == '`' {
                        let end = (i + 1..chars.len())
                            .find(|&k| chars[k] == '`')
                            .unwrap_or(chars.len());
                        parse(
                            &chars[i + 1..end].iter().collect::<String>(),
                            out,
                            depth + 1,
                        );
                        i = end + 1;
                        continue;
                    }
                    word.push(chars[i]);
                    i += 1;
                }
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                let (inner, end) = balanced(&chars, i + 1, '(', ')');
                parse(&inner, out, depth + 1);
                word.push_str("$(...)");
                in_word = true;
                i = end;
                continue;
            }
            '`' => {
                let end = (i + 1..chars.len())
                    .find(|&k| chars[k] == '`')
                    .unwrap_or(chars.len());
                parse(
                    &chars[i + 1..end].iter().collect::<String>(),
                    out,
                    depth + 1,
                );
                word.push_str("`...`");
                in_word = true;
                i = end + 1;
                continue;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '(' if !in_word => {
                finish_command(&mut current, out, depth);
                let (inner, end) = balanced(&chars, i, '(', ')');
                parse(&inner, out, depth + 1);
                i = end;
                continue;
            }
            ';' | '&' | '|' | '\n' | ')' if c != '\n' || heredocs.is_empty() => {
                finish_word(&mut word, &mut in_word, &mut current, &mut pending_redirect);
                // `&>` and `>&` are redirections, not separators.
                if c == '&' && chars.get(i + 1) == Some(&'>') {
                    pending_redirect = true;
                    i += 2;
                    continue;
                }
                finish_command(&mut current, out, depth);
            }
            '<' if chars.get(i + 1) == Some(&'<') && chars.get(i + 2) != Some(&'<') => {
                finish_word(&mut word, &mut in_word, &mut current, &mut pending_redirect);
                i += 2;
                let strip_tabs = chars.get(i) == Some(&'-');
                if strip_tabs {
                    i += 1;
                }
                while chars.get(i).is_some_and(|c| *c == ' ' || *c == '\t') {
                    i += 1;
                }
                let mut delimiter = String::new();
                while let Some(&d) = chars.get(i) {
                    if d.is_whitespace() || matches!(d, ';' | '&' | '|' | '<' | '>' | '(' | ')') {
                        break;
                    }
                    if !matches!(d, '\'' | '"' | '\\') {
                        delimiter.push(d);
                    }
                    i += 1;
                }
                heredocs.push((delimiter, strip_tabs));
                continue;
            }
            '\n' if !heredocs.is_empty() => {
                finish_word(&mut word, &mut in_word, &mut current, &mut pending_redirect);
                finish_command(&mut current, out, depth);
                // Skip each body up to its delimiter line.
                i += 1;
                for (delimiter, strip_tabs) in std::mem::take(&mut heredocs) {
                    loop {
                        let end = (i..chars.len())
                            .find(|&k| chars[k] == '\n')
                            .unwrap_or(chars.len());
                        let line: String = chars[i..end].iter().collect();
                        i = (end + 1).min(chars.len());
                        let line = if strip_tabs {
                            line.trim_start_matches('\t').to_owned()
                        } else {
                            line
                        };
                        if line == delimiter || i >= chars.len() {
                            break;
                        }
                    }
                }
                continue;
            }
            '>' | '<' => {
                // A file descriptor number just before (`2>`) belongs to the redirection.
                if in_word && word.chars().all(|d| d.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                }
                finish_word(&mut word, &mut in_word, &mut current, &mut pending_redirect);
                // A here-string (`<<< text`) is one operator: its last two `<` must not start a
                // here-document that would swallow the rest of the script.
                if chars[i] == '<' && chars.get(i + 1) == Some(&'<') {
                    i += 2;
                }
                while i + 1 < chars.len() && matches!(chars[i + 1], '>' | '|' | '&') {
                    i += 1;
                }
                // `>&2` duplicates a descriptor: no file, and the number is not a word.
                let duplicates = chars[i] == '&'
                    && chars
                        .get(i + 1)
                        .is_some_and(|d| d.is_ascii_digit() || *d == '-');
                if duplicates {
                    while chars
                        .get(i + 1)
                        .is_some_and(|d| d.is_ascii_digit() || *d == '-')
                    {
                        i += 1;
                    }
                }
                pending_redirect = !duplicates;
            }
            c if c.is_whitespace() => {
                finish_word(&mut word, &mut in_word, &mut current, &mut pending_redirect);
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
        i += 1;
    }
    finish_word(&mut word, &mut in_word, &mut current, &mut pending_redirect);
    finish_command(&mut current, out, depth);
}

/// The text inside the bracket opened at `open`, and the index after its closing bracket.
fn balanced(chars: &[char], open: usize, left: char, right: char) -> (String, usize) {
    let mut depth = 0;
    let mut i = open;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '\\') => i += 1,
            (None, _) if c == left => depth += 1,
            (None, _) if c == right => {
                depth -= 1;
                if depth == 0 {
                    return (chars[open + 1..i].iter().collect(), i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    (
        chars[(open + 1).min(chars.len())..].iter().collect(),
        chars.len(),
    )
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(script: &str) -> Vec<Vec<String>> {
        commands(script).into_iter().map(|c| c.words).collect()
    }

    #[test]
    fn quoting_compound_commands_and_substitutions() {
        assert_eq!(
            words("git commit -m 'a; b' && git push"),
            vec![vec!["git", "commit", "-m", "a; b"], vec!["git", "push"]]
        );
        assert_eq!(
            words("echo \"$(git rev-parse HEAD)\" | tee x"),
            vec![
                vec!["git", "rev-parse", "HEAD"],
                vec!["echo", "$(...)"],
                vec!["tee", "x"]
            ]
        );
        assert_eq!(
            words("(cd sub && make) ; ls # git commit -n"),
            vec![vec!["cd", "sub"], vec!["make"], vec!["ls"]]
        );
        assert_eq!(
            words("bash -lc \"git commit --no-verify -m x\""),
            vec![
                vec!["git", "commit", "--no-verify", "-m", "x"],
                vec!["bash", "-lc", "git commit --no-verify -m x"]
            ]
        );
    }

    #[test]
    fn assignments_and_redirections() {
        let parsed = commands("BACKSTOP_SKIP=lint FOO=1 git commit > out.txt 2>&1");
        assert_eq!(
            parsed[0].assignments,
            vec![
                ("BACKSTOP_SKIP".into(), "lint".into()),
                ("FOO".into(), "1".into())
            ]
        );
        assert_eq!(parsed[0].words, vec!["git", "commit"]);
        assert_eq!(parsed[0].redirects, vec!["out.txt"]);
        assert_eq!(
            commands("echo x >> .git/hooks/pre-commit")[0].redirects,
            vec![".git/hooks/pre-commit"]
        );
        // A here-string is one operator, not a here-document hiding the rest of the script.
        assert_eq!(
            words("cat <<< x; git commit -n\ngit push --no-verify"),
            vec![
                vec!["cat"],
                vec!["git", "commit", "-n"],
                vec!["git", "push", "--no-verify"]
            ]
        );
    }
}
