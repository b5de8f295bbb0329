//! Whether a hook script (or a manager's `run:` line) really runs backstop and lets its failure
//! block: read as `sh` reads it, not searched for a substring. A call that is commented out, comes
//! after an unconditional `exit`, is a condition (`if backstop ...`), is negated, runs in the
//! background, feeds a pipe, or whose failure is swallowed (`|| true`, `|| exit 0`, a later
//! command without `set -e`) does not count.

/// How a call's failure reaches the script's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// A simple command: its failure ends a `set -e` script, else only if nothing follows.
    Plain,
    /// The first command of an `&&` list: its failure is the script's only if nothing follows.
    List,
    /// `|| exit N` (N not 0): its failure ends the script, wherever it stands.
    Exits,
}

/// Whether the script `text` runs `command` so that its failure fails the script. `errexit`:
/// the script is run with `sh -e` (husky runs its scripts so). `Err` says why not.
pub fn calls(text: &str, command: &str, errexit: bool) -> Result<(), String> {
    let lines = logical_lines(text);
    let mut errexit = errexit
        || lines.first().is_some_and(|l| {
            l.starts_with("#!")
                && l.split_whitespace()
                    .skip(1)
                    .any(|w| w.starts_with('-') && w.contains('e'))
        });
    let mut depth = 0i32;
    let mut seen_in_comment = false;
    for (at, line) in lines.iter().enumerate() {
        let (code, comment) = split_comment(line);
        if comment.contains(command) {
            seen_in_comment = true;
        }
        let code = code.trim();
        if code.is_empty() {
            continue;
        }
        if let Some(flow) = call_site(code, command)? {
            let rest: Vec<&str> = lines[at + 1..]
                .iter()
                .map(|l| split_comment(l).0.trim())
                .filter(|l| !l.is_empty() && !is_closer(l))
                .collect();
            let last = match rest.as_slice() {
                [] => true,
                [only] => matches!(*only, "exit" | "exit $?" | "exit \"$?\""),
                _ => false,
            };
            return match flow {
                Flow::Exits => Ok(()),
                Flow::Plain if errexit || last => Ok(()),
                Flow::List if last => Ok(()),
                Flow::Plain => Err(format!(
                    "`{command}` is not the last command and the script has no `set -e`, so its failure is ignored"
                )),
                Flow::List => Err(format!(
                    "`{command}` starts an `&&` list that is not the last command, so its failure is ignored"
                )),
            };
        }
        let first = code.split_whitespace().next().unwrap_or("");
        if depth == 0
            && (first == "exit" || (first == "exec" && code.split_whitespace().count() > 1))
        {
            return Err(format!(
                "the script ends (`{code}`) before it calls `{command}`"
            ));
        }
        if depth == 0 && first == "set" {
            let words: Vec<&str> = code.split_whitespace().collect();
            if words
                .iter()
                .skip(1)
                .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('e'))
                || words.windows(2).any(|w| w == ["-o", "errexit"])
            {
                errexit = true;
            }
            if words
                .iter()
                .skip(1)
                .any(|w| w.starts_with('+') && w.contains('e'))
                || words.windows(2).any(|w| w == ["+o", "errexit"])
            {
                errexit = false;
            }
        }
        depth += block_change(code);
    }
    if seen_in_comment {
        Err(format!("the line that calls `{command}` is commented out"))
    } else {
        Err(format!("it does not call `{command}`"))
    }
}

/// Lines with `\`-continuations joined.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending = String::new();
    for raw in text.lines() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(body) = line.strip_suffix('\\') {
            pending.push_str(body);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        out.push(std::mem::take(&mut pending));
    }
    if !pending.is_empty() {
        out.push(pending);
    }
    out
}

/// The code of a line and its comment (a `#` at the start of a word, outside quotes).
fn split_comment(line: &str) -> (&str, &str) {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '#'
                && (previous.is_whitespace() || matches!(previous, ';' | '&' | '|')) =>
            {
                return (&line[..i], &line[i..]);
            }
            Some(_) | None => {}
        }
        previous = c;
    }
    (line, "")
}

fn is_closer(code: &str) -> bool {
    code.split([';', ' ', '\t'])
        .filter(|w| !w.is_empty())
        .all(|w| matches!(w, "fi" | "done" | "esac" | "}" | ")"))
}

/// How much a line opens (+) or closes (-) blocks: `if`/`case`/loops/`{` against `fi`/`esac`/
/// `done`/`}`.
fn block_change(code: &str) -> i32 {
    let mut change = 0;
    for word in code.split(|c: char| c.is_whitespace() || c == ';') {
        match word {
            "if" | "case" | "for" | "while" | "until" | "{" => change += 1,
            "fi" | "esac" | "done" | "}" => change -= 1,
            _ => {}
        }
    }
    if code.ends_with('{') && !code.split_whitespace().any(|w| w == "{") {
        change += 1;
    }
    change
}

/// Words that may stand before the command in its command position.
fn is_prefix_word(word: &str) -> bool {
    matches!(
        word,
        "exec"
            | "command"
            | "time"
            | "nice"
            | "env"
            | "npx"
            | "bunx"
            | "pnpm"
            | "yarn"
            | "--no-install"
            | "--no"
            | "-y"
            | "--yes"
            | "then"
            | "do"
            | "else"
            | "{"
            | "("
    ) || (word.contains('=') && !word.starts_with('='))
}

/// How the failure of `command` called on this line flows, if it is called there.
fn call_site(code: &str, command: &str) -> Result<Option<Flow>, String> {
    let (program, arguments) = command.split_once(' ').unwrap_or((command, ""));
    let mut search = 0;
    while let Some(found) = code[search..].find(arguments) {
        let start = search + found;
        search = start + arguments.len();
        // The program word just before the arguments: `backstop`, a path to it, quoted.
        let before = code[..start].trim_end();
        let word_start = match before.chars().last() {
            Some(q @ ('"' | '\'')) => before[..before.len() - 1].rfind(q).unwrap_or(0),
            _ => before
                .rfind(|c: char| {
                    c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | '{' | '`')
                })
                .map_or(0, |i| i + 1),
        };
        let word = before[word_start..].trim_matches(|c| c == '"' || c == '\'');
        if !(word == program || word.ends_with(&format!("/{program}"))) {
            continue;
        }
        let end_ok = code[search..]
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || matches!(c, ';' | '&' | '|' | ')' | '}'));
        if !end_ok {
            continue;
        }
        // What stands before it in the same command: keywords, prefixes, assignments.
        let head = &before[..word_start];
        let (separator, segment) = last_separator(head);
        let words: Vec<&str> = segment.split_whitespace().collect();
        if words
            .iter()
            .any(|w| matches!(*w, "if" | "elif" | "while" | "until"))
        {
            return Err(format!(
                "`{command}` is the condition of an `if` or a loop, so its failure does not fail the hook"
            ));
        }
        if words.contains(&"!") {
            return Err(format!("`{command}` is negated (`!`)"));
        }
        if words.iter().any(|w| !is_prefix_word(w)) {
            // `echo backstop hook git ...`: not a call.
            continue;
        }
        if separator == "||" {
            return Err(format!(
                "`{command}` runs only when the command before it fails"
            ));
        }
        return flow_after(&code[search..], command).map(Some);
    }
    Ok(None)
}

/// The last command separator in `head` and the text after it.
fn last_separator(head: &str) -> (&str, &str) {
    let mut best: Option<(usize, &str)> = None;
    for separator in ["&&", "||", ";", "|", "(", "`", "$("] {
        if let Some(at) = head.rfind(separator) {
            // `||` also holds `|`; keep the longest separator at the latest place.
            let better = match best {
                None => true,
                Some((b, s)) => at > b || (at == b && separator.len() > s.len()),
            };
            if better && !(separator == "|" && head[..=at].ends_with("||")) {
                best = Some((at, separator));
            }
        }
    }
    match best {
        Some((at, separator)) => (separator, &head[at + separator.len()..]),
        None => ("", head),
    }
}

/// How the failure of a call followed by `after` (its arguments, then whatever else) flows.
fn flow_after(after: &str, command: &str) -> Result<Flow, String> {
    let mut quote: Option<char> = None;
    let bytes: Vec<char> = after.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => match (c, next) {
                ('\'' | '"', _) => quote = Some(c),
                ('|', Some('|')) => {
                    let right: String = bytes[i + 2..].iter().collect();
                    let right = right.trim();
                    let mut words = right.split(|c: char| c.is_whitespace() || c == ';');
                    return if words.next() == Some("exit")
                        && words.next().is_none_or(|code| {
                            code.is_empty() || (code != "0" && !code.starts_with('#'))
                        }) {
                        Ok(Flow::Exits)
                    } else {
                        Err(format!(
                            "the failure of `{command}` is swallowed (`|| {right}`)"
                        ))
                    };
                }
                ('&', Some('&')) => return Ok(Flow::List),
                ('&', _) => {
                    return Err(format!(
                        "`{command}` runs in the background (`&`), so the hook does not wait for it"
                    ));
                }
                ('|', _) => {
                    return Err(format!(
                        "`{command}` feeds a pipe, whose status is the last command's"
                    ));
                }
                (';' | ')' | '}', _) => return Ok(Flow::Plain),
                _ => {}
            },
        }
        i += 1;
    }
    let words: Vec<&str> = after.split_whitespace().collect();
    if words.iter().any(|w| matches!(*w, "then" | "do")) {
        return Err(format!(
            "`{command}` is the condition of an `if` or a loop, so its failure does not fail the hook"
        ));
    }
    Ok(Flow::Plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALL: &str = "backstop hook git pre-commit";

    fn ok(script: &str, errexit: bool) -> bool {
        calls(script, CALL, errexit).is_ok()
    }

    #[test]
    fn a_plain_call_counts() {
        assert!(ok("backstop hook git pre-commit\n", false));
        assert!(ok(
            "#!/bin/sh\nset -e\nbackstop hook git pre-commit\nnpx lint-staged\n",
            false
        ));
        assert!(ok("backstop hook git pre-commit\nnpx lint-staged\n", true));
        assert!(ok(
            "npx --no-install backstop hook git pre-commit \"$@\"\n",
            false
        ));
        assert!(ok(
            "exec '/opt/my tools/backstop' hook git pre-commit \"$@\"\n",
            false
        ));
        assert!(ok("backstop hook git pre-commit && echo done\n", true));
        assert!(ok("lint-staged && backstop hook git pre-commit\n", false));
        assert!(ok(
            "backstop hook git pre-commit || exit 1\necho after\n",
            false
        ));
        assert!(ok(
            "if command -v backstop >/dev/null; then\n  backstop hook git pre-commit\nfi\n",
            false
        ));
        assert!(ok("backstop hook git pre-commit # the gates\n", false));
    }

    #[test]
    fn calls_that_cannot_block_do_not_count() {
        for script in [
            "# backstop hook git pre-commit\nexit 0\n",
            "backstop hook git pre-commit || true\n",
            "backstop hook git pre-commit || :\n",
            "backstop hook git pre-commit || exit 0\n",
            "exit 0\nbackstop hook git pre-commit\n",
            "backstop hook git pre-commit &\n",
            "backstop hook git pre-commit | tee log\n",
            "if backstop hook git pre-commit; then echo ok; fi\n",
            "! backstop hook git pre-commit\n",
            "echo backstop hook git pre-commit\n",
            "lint-staged || backstop hook git pre-commit\n",
            "backstop hook git pre-commit-msg\n",
            "npx lint-staged\n",
        ] {
            assert!(!ok(script, true), "{script:?} counted");
        }
        // Without `set -e`, only the last command's status is the hook's.
        assert!(!ok("backstop hook git pre-commit\necho done\n", false));
        assert!(!ok(
            "backstop hook git pre-commit && echo done\nnpx lint-staged\n",
            true
        ));
        assert!(
            calls("# backstop hook git pre-commit\n", CALL, true)
                .unwrap_err()
                .contains("commented out")
        );
    }
}
