//! Interpreters' code (`python -c`, `node -e`, `perl -e`, a here-document into `python3 -`, a
//! script file): code that names a place the gates need and can write files, or that runs a
//! command the guard would deny (a string run as shell, an argv list), is denied. Reading those
//! places passes. The code is not run or parsed as its language: paths it builds at run time
//! are beyond this (the Stop hook still judges the files).

use super::{Checker, read_script, unreadable};
use crate::agent::shell::{self, Stdin};

/// Words of code that can change files (matched in lowercase).
const WRITES: [&str; 24] = [
    "write",
    "unlink",
    "remove",
    "rename",
    "replace",
    "rmtree",
    "rmdir",
    "rmsync",
    "rm(",
    "truncate",
    "symlink",
    "link(",
    "chmod",
    "copy",
    "move",
    "mkdir",
    "touch",
    "put_contents",
    "append",
    "shutil",
    "sysopen",
    "cpsync",
    "dump(",
    "fs.rm",
];

/// Words of code that run other programs (matched in lowercase).
const SPAWNS: [&str; 11] = [
    "system",
    "popen",
    "subprocess",
    "spawn",
    "exec",
    "child_process",
    "check_output",
    "check_call",
    "proc_open",
    "passthru",
    "open3",
];

/// The language family of an interpreter's name (`python3.12` → python).
pub(super) fn interpreter(name: &str) -> Option<&'static str> {
    let family = |prefix: &str| {
        name.strip_prefix(prefix)
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    if family("python") || family("pypy") {
        Some("python")
    } else if matches!(name, "node" | "nodejs") {
        Some("node")
    } else if name == "deno" || name == "bun" {
        Some(if name == "deno" { "deno" } else { "node" })
    } else if family("perl") {
        Some("perl")
    } else if family("ruby") {
        Some("ruby")
    } else if family("php") {
        Some("php")
    } else if family("lua") || name == "luajit" {
        Some("lua")
    } else if matches!(name, "awk" | "gawk" | "mawk" | "nawk") {
        Some("awk")
    } else {
        None
    }
}

/// Why running `name ARGS` is denied: its inline code, script file or stdin program.
pub(super) fn check(
    checker: &mut Checker<'_>,
    name: &str,
    args: &[String],
    stdin: &Stdin,
    depth: usize,
) -> Option<String> {
    let family = interpreter(name)?;
    let mut inline: Vec<&String> = Vec::new();
    let mut file: Option<&String> = None;
    let mut module = false;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let next = args.get(i + 1);
        let code_option = match family {
            "python" => {
                arg == "-c"
                    || (arg.starts_with('-') && !arg.starts_with("--") && arg.ends_with('c'))
            }
            "node" => matches!(arg.as_str(), "-e" | "--eval" | "-p" | "--print"),
            "perl" | "ruby" => {
                arg.starts_with('-') && !arg.starts_with("--") && arg.ends_with(['e', 'E'])
            }
            "php" => arg == "-r",
            "lua" => arg == "-e",
            _ => false,
        };
        if code_option {
            inline.extend(next);
            i += 2;
            if matches!(family, "perl" | "ruby") {
                continue;
            }
            // After python's `-c CODE` (node's `-e`...) the rest is the program's arguments.
            break;
        }
        if family == "awk" {
            match arg.as_str() {
                "-F" | "-v" | "-i" | "--include" => i += 2,
                "-f" | "--file" => {
                    file = next;
                    i += 2;
                }
                a if a.starts_with('-') => i += 1,
                _ if file.is_some() => break,
                _ => {
                    inline.push(arg);
                    break;
                }
            }
            continue;
        }
        if arg.starts_with("--eval=") || arg.starts_with("--print=") {
            inline.push(arg);
            i += 1;
            continue;
        }
        if family == "python" && arg == "-m" {
            module = true;
            break;
        }
        if family == "deno" && arg == "eval" {
            inline.extend(next);
            break;
        }
        if arg == "-" {
            break;
        }
        if !arg.starts_with('-') {
            if family == "deno" && arg == "run"
                || family == "node" && matches!(arg.as_str(), "run" | "x")
            {
                i += 1;
                continue;
            }
            file = Some(arg);
            break;
        }
        i += 1;
    }
    // The program's other arguments (`sys.argv`, `process.argv`, awk's files) are often the
    // files it writes.
    let extra: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with('-') && !inline.contains(a) && file != Some(*a))
        .cloned()
        .collect();
    for code in &inline {
        let code = code
            .strip_prefix("--eval=")
            .or_else(|| code.strip_prefix("--print="))
            .unwrap_or(code);
        if let Some(reason) = check_code(checker, family, code, &extra, depth) {
            return Some(reason);
        }
    }
    if !inline.is_empty() || module {
        return None;
    }
    if let Some(file) = file {
        return script_file(checker, family, file, &extra, depth);
    }
    match stdin {
        Stdin::Text(text) => check_code(checker, family, text, &extra, depth),
        Stdin::File(file) => script_file(checker, family, file, &extra, depth),
        Stdin::Pipe => Some(unreadable(&format!(
            "{name} reads its program from a pipe, so backstop cannot see what it does"
        ))),
        Stdin::Inherited => None,
    }
}

/// A script file of an interpreter, read like its inline code.
fn script_file(
    checker: &mut Checker<'_>,
    family: &str,
    file: &str,
    extra: &[String],
    depth: usize,
) -> Option<String> {
    let super::places::Target::Known(path) = checker.target(file) else {
        return None;
    };
    if checker.written.contains(&path) {
        return Some(unreadable(&format!(
            "it runs {file}, which the same command line writes first"
        )));
    }
    match read_script(&path) {
        super::ScriptFile::Text(text) => check_code(checker, family, &text, extra, depth),
        _ => None,
    }
}

/// A script run by its path whose `#!` names an interpreter.
pub(super) fn check_text(
    checker: &mut Checker<'_>,
    interpreter_name: &str,
    text: &str,
) -> Option<String> {
    let family = interpreter(interpreter_name)?;
    check_code(checker, family, text, &[], 1)
}

/// Why a piece of code is denied, if it is.
fn check_code(
    checker: &mut Checker<'_>,
    family: &str,
    code: &str,
    extra: &[String],
    depth: usize,
) -> Option<String> {
    let lower = code.to_ascii_lowercase();
    let literals = literals(code, family);
    let writes = WRITES.iter().any(|w| lower.contains(w))
        || literals.iter().any(|l| write_mode(l, family))
        || (family == "awk" && code.contains('>'));
    let spawns = SPAWNS.iter().any(|w| lower.contains(w))
        || (matches!(family, "perl" | "ruby") && (code.contains('`') || lower.contains("qx")))
        || (family == "awk" && code.contains('|'))
        || lower.contains("%x");
    if !writes && !spawns {
        return None;
    }
    for literal in literals.iter().chain(extra) {
        let path = literal.trim_start_matches(['>', '+', '<', '|']).trim();
        if path.is_empty() || path.len() > 4096 || path.contains('\n') {
            continue;
        }
        let target = checker.target(path);
        if let Some(reason) = checker.places.removed(&target) {
            return Some(reason);
        }
    }
    if !spawns {
        return None;
    }
    // Strings run as shell, and argv lists (`["git", "commit", "-n"]`).
    for literal in &literals {
        let reading = shell::read_nested(literal, depth + 1);
        if reading.unreadable.is_empty()
            && reading
                .commands
                .iter()
                .any(|c| c.words.len() > 1 || c.words.first().is_some_and(|w| w.contains(' ')))
            && let Some(reason) = checker.script(literal, depth + 1)
        {
            return Some(reason);
        }
    }
    for (i, literal) in literals.iter().enumerate() {
        if matches!(shell::program_name(literal), "git" | "backstop") {
            let words: Vec<String> = literals[i..].to_vec();
            let command = shell::Command {
                words: words.clone(),
                ..shell::Command::default()
            };
            if let Some(reason) = checker.view(&words, &command, depth + 1) {
                return Some(reason);
            }
        }
    }
    None
}

/// A file mode that opens for writing (`'w'`, `"a+"`, `'wb'`; Perl's `">"`, `"+<"`, and its
/// two-argument `">file"`).
fn write_mode(literal: &str, family: &str) -> bool {
    let perl = family == "perl"
        && (literal.starts_with(['>', '|'])
            || literal.starts_with("+<")
            || literal.starts_with("+>"));
    perl || (!literal.is_empty()
        && literal.len() <= 4
        && literal.chars().all(|c| "rwxabt+U".contains(c))
        && literal.contains(['w', 'a', 'x', '+']))
}

/// The string literals of code in any of these languages: text between matching quotes, and
/// in Perl and Ruby their quote-like operators (`qq{...}`, `q(...)`, `qw[...]`, `%q(...)`).
fn literals(code: &str, family: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if matches!(family, "perl" | "ruby")
            && let Some((text, next)) = quote_like(&chars, i)
        {
            out.push(text);
            i = next;
            continue;
        }
        let quote = chars[i];
        if !matches!(quote, '\'' | '"' | '`') {
            i += 1;
            continue;
        }
        let mut text = String::new();
        i += 1;
        while i < chars.len() && chars[i] != quote {
            if chars[i] == '\\' && i + 1 < chars.len() {
                i += 1;
            }
            text.push(chars[i]);
            i += 1;
        }
        i += 1;
        out.push(text);
    }
    out
}

/// A Perl or Ruby quote-like operator starting at `at` (`qq{..}`, `q(..)`, `qw/../`, `qx[..]`,
/// `%q(..)`, `%Q{..}`, `%w[..]`, `%x(..)`): its text and where the code goes on after it.
fn quote_like(chars: &[char], at: usize) -> Option<(String, usize)> {
    let previous = at.checked_sub(1).map(|p| chars[p]);
    if previous.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '@') {
        return None;
    }
    let after_name = match chars.get(at..at + 2) {
        Some(['q', 'q' | 'w' | 'x' | 'r'] | ['%', 'q' | 'Q' | 'w' | 'W' | 'x' | 'i']) => at + 2,
        _ if chars.get(at) == Some(&'q') => at + 1,
        _ => return None,
    };
    let open = *chars.get(after_name)?;
    let close = match open {
        '{' => '}',
        '(' => ')',
        '[' => ']',
        '<' => '>',
        '/' | '|' | '!' | '#' | '~' => open,
        _ => return None,
    };
    let mut depth = 0usize;
    let mut text = String::new();
    let mut i = after_name + 1;
    while let Some(&c) = chars.get(i) {
        if c == '\\' && i + 1 < chars.len() {
            text.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == close && depth == 0 {
            return Some((text, i + 1));
        }
        if open != close && c == open {
            depth += 1;
        } else if open != close && c == close {
            depth -= 1;
        }
        text.push(c);
        i += 1;
    }
    None
}
