//! The checks themselves: read each file once, report `path:line: message`, fix in fix mode.
//! Binary files (a NUL in the first 8 KiB) are left to the checks that mean them (large files,
//! private keys, case conflicts).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{Builtin, Input, LineEnding};

/// What one run found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// One line per problem (`path:line: message`), then one per fixed file.
    pub output: String,
    /// Whether a problem remains.
    pub failed: bool,
    /// Files the fix mode rewrote, relative to `cwd`.
    pub changed: Vec<PathBuf>,
}

/// At most this many problems are listed per file; a count says how many more.
const PER_FILE: usize = 20;

/// Runs `builtin` over the input's files.
pub fn run(builtin: &Builtin, input: &Input<'_>) -> Outcome {
    let mut outcome = Outcome::default();
    if *builtin == Builtin::CaseConflict {
        case_conflicts(input, &mut outcome);
        return outcome;
    }
    for path in input.files {
        if !builtin.applies_to(path) {
            continue;
        }
        let full = input.cwd.join(path);
        let Ok(meta) = std::fs::symlink_metadata(&full) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        if let Builtin::LargeFiles { max_kb, .. } = builtin {
            let kb = meta.len().div_ceil(1024);
            if kb > *max_kb && !input.exempt.contains(path) {
                problem(
                    &mut outcome,
                    path,
                    None,
                    &format!("{kb} KiB is larger than {max_kb} KiB"),
                );
            }
            continue;
        }
        let Ok(bytes) = std::fs::read(&full) else {
            problem(&mut outcome, path, None, "cannot be read");
            continue;
        };
        if *builtin == Builtin::PrivateKey {
            private_key(path, &bytes, &mut outcome);
            continue;
        }
        if bytes[..bytes.len().min(8192)].contains(&0) {
            continue;
        }
        let fixed = check_text(builtin, path, &bytes, input.fix, &mut outcome);
        if let Some(new) = fixed
            && new != bytes
        {
            match std::fs::write(&full, &new) {
                Ok(()) => {
                    let _ = writeln!(outcome.output, "fixed {}", path.display());
                    outcome.changed.push(path.clone());
                }
                Err(e) => problem(&mut outcome, path, None, &format!("cannot be fixed: {e}")),
            }
        }
    }
    outcome
}

/// The checks that read a text file's bytes; in fix mode, the fixed bytes.
fn check_text(
    builtin: &Builtin,
    path: &Path,
    bytes: &[u8],
    fix: bool,
    outcome: &mut Outcome,
) -> Option<Vec<u8>> {
    match builtin {
        Builtin::TrailingWhitespace { markdown } => {
            trailing_whitespace(path, bytes, markdown, fix, outcome)
        }
        Builtin::EndOfFile => end_of_file(path, bytes, fix, outcome),
        Builtin::MergeConflict => {
            merge_conflict(path, bytes, outcome);
            None
        }
        Builtin::Yaml { multiple_documents } => {
            yaml(path, bytes, *multiple_documents, outcome);
            None
        }
        Builtin::Json => {
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(bytes) {
                problem(
                    outcome,
                    path,
                    Some(e.line()),
                    &format!("not valid JSON: {e}"),
                );
            }
            None
        }
        Builtin::Toml => {
            toml_syntax(path, bytes, outcome);
            None
        }
        Builtin::MixedLineEnding(mode) => line_endings(path, bytes, *mode, fix, outcome),
        Builtin::ByteOrderMarker => {
            if !bytes.starts_with(b"\xef\xbb\xbf") {
                None
            } else if fix {
                Some(bytes[3..].to_vec())
            } else {
                problem(
                    outcome,
                    path,
                    Some(1),
                    "starts with a UTF-8 byte-order mark",
                );
                None
            }
        }
        Builtin::DebugStatements => {
            debug_statements(path, bytes, outcome);
            None
        }
        Builtin::LargeFiles { .. } | Builtin::PrivateKey | Builtin::CaseConflict => None,
    }
}

fn problem(outcome: &mut Outcome, path: &Path, line: Option<usize>, message: &str) {
    outcome.failed = true;
    match line {
        Some(line) => {
            let _ = writeln!(outcome.output, "{}:{line}: {message}", path.display());
        }
        None => {
            let _ = writeln!(outcome.output, "{}: {message}", path.display());
        }
    }
}

/// Lines with their endings (`\n`, `\r\n`, or none for the last).
fn lines(bytes: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    bytes.split_inclusive(|b| *b == b'\n').map(|line| {
        if let Some(body) = line.strip_suffix(b"\r\n") {
            (body, &b"\r\n"[..])
        } else if let Some(body) = line.strip_suffix(b"\n") {
            (body, &b"\n"[..])
        } else {
            (line, &b""[..])
        }
    })
}

fn trailing_whitespace(
    path: &Path,
    bytes: &[u8],
    markdown: &[String],
    fix: bool,
    outcome: &mut Outcome,
) -> Option<Vec<u8>> {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let keeps_breaks = markdown
        .iter()
        .any(|m| m == "*" || m.trim_start_matches('.').eq_ignore_ascii_case(extension));
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\x0b' | b'\x0c' | b'\r');
    let mut out = Vec::with_capacity(bytes.len());
    let mut found = 0;
    for (number, (body, ending)) in lines(bytes).enumerate() {
        let kept = body.len() - body.iter().rev().take_while(|b| is_space(b)).count();
        let mut new_body = &body[..kept];
        let hard_break = keeps_breaks
            && body.len() - kept >= 2
            && body[kept..].iter().all(|b| *b == b' ')
            && !body[..kept].iter().all(&is_space);
        if hard_break {
            new_body = &body[..kept + 2];
        }
        if new_body.len() != body.len() {
            found += 1;
            if !fix && found <= PER_FILE {
                problem(outcome, path, Some(number + 1), "trailing whitespace");
            }
        }
        out.extend_from_slice(new_body);
        out.extend_from_slice(ending);
    }
    more(outcome, path, found, fix);
    fix.then_some(out)
}

fn more(outcome: &mut Outcome, path: &Path, found: usize, fix: bool) {
    if !fix && found > PER_FILE {
        let _ = writeln!(
            outcome.output,
            "{}: and {} more",
            path.display(),
            found - PER_FILE
        );
    }
}

fn end_of_file(path: &Path, bytes: &[u8], fix: bool, outcome: &mut Outcome) -> Option<Vec<u8>> {
    if bytes.is_empty() {
        return None;
    }
    let body_len = bytes.len()
        - bytes
            .iter()
            .rev()
            .take_while(|b| matches!(b, b'\n' | b'\r'))
            .count();
    let ending: &[u8] = if bytes[body_len..].starts_with(b"\r\n") {
        b"\r\n"
    } else {
        b"\n"
    };
    let wanted: Vec<u8> = if body_len == 0 {
        Vec::new()
    } else {
        [&bytes[..body_len], ending].concat()
    };
    if wanted == bytes {
        return None;
    }
    if fix {
        return Some(wanted);
    }
    let line = lines(bytes).count();
    let message = if bytes.len() > wanted.len() {
        "blank lines at the end of the file"
    } else {
        "no newline at the end of the file"
    };
    problem(outcome, path, Some(line), message);
    None
}

/// Conflict markers: `<<<<<<< `, `=======`, `>>>>>>> ` at the start of a line. A file counts
/// only when it has both an opening and a closing marker, so a reStructuredText underline of
/// equals signs is not a conflict.
fn merge_conflict(path: &Path, bytes: &[u8], outcome: &mut Outcome) {
    let marked: Vec<(usize, &[u8])> = lines(bytes)
        .enumerate()
        .filter(|(_, (body, _))| {
            body.starts_with(b"<<<<<<< ")
                || *body == b"<<<<<<<"
                || body.starts_with(b">>>>>>> ")
                || *body == b">>>>>>>"
                || *body == b"======="
                || body.starts_with(b"======= ")
        })
        .map(|(n, (body, _))| (n + 1, body))
        .collect();
    let opens = marked.iter().any(|(_, b)| b.starts_with(b"<<<<<<<"));
    let closes = marked.iter().any(|(_, b)| b.starts_with(b">>>>>>>"));
    if opens && closes {
        for (line, body) in marked.iter().take(PER_FILE) {
            let kind = String::from_utf8_lossy(&body[..7]).into_owned();
            problem(
                outcome,
                path,
                Some(*line),
                &format!("merge conflict marker `{kind}`"),
            );
        }
    }
}

const PRIVATE_KEYS: [&[u8]; 10] = [
    b"BEGIN RSA PRIVATE KEY",
    b"BEGIN DSA PRIVATE KEY",
    b"BEGIN EC PRIVATE KEY",
    b"BEGIN OPENSSH PRIVATE KEY",
    b"BEGIN PRIVATE KEY",
    b"PuTTY-User-Key-File-2",
    b"BEGIN SSH2 ENCRYPTED PRIVATE KEY",
    b"BEGIN PGP PRIVATE KEY BLOCK",
    b"BEGIN ENCRYPTED PRIVATE KEY",
    b"BEGIN OpenVPN Static key V1",
];

fn private_key(path: &Path, bytes: &[u8], outcome: &mut Outcome) {
    for (number, (body, _)) in lines(bytes).enumerate() {
        if let Some(kind) = PRIVATE_KEYS
            .iter()
            .find(|k| body.windows(k.len()).any(|w| w == **k))
        {
            problem(
                outcome,
                path,
                Some(number + 1),
                &format!("private key ({})", String::from_utf8_lossy(kind)),
            );
            return;
        }
    }
}

fn yaml(path: &Path, bytes: &[u8], multiple: bool, outcome: &mut Outcome) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        problem(outcome, path, None, "YAML that is not UTF-8");
        return;
    };
    let mut documents = 0;
    for document in serde_yaml_ng::Deserializer::from_str(text) {
        documents += 1;
        if let Err(e) = <serde_yaml_ng::Value as serde::Deserialize>::deserialize(document) {
            let line = e.location().map(|l| l.line());
            problem(outcome, path, line, &format!("not valid YAML: {e}"));
            return;
        }
    }
    if documents > 1 && !multiple {
        problem(
            outcome,
            path,
            None,
            "several YAML documents in one file (allow them with --allow-multiple-documents)",
        );
    }
}

fn toml_syntax(path: &Path, bytes: &[u8], outcome: &mut Outcome) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        problem(outcome, path, None, "TOML that is not UTF-8");
        return;
    };
    if let Err(e) = text.parse::<toml::Table>() {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let message = e.message().to_owned();
        problem(outcome, path, line, &format!("not valid TOML: {message}"));
    }
}

fn line_endings(
    path: &Path,
    bytes: &[u8],
    mode: LineEnding,
    fix: bool,
    outcome: &mut Outcome,
) -> Option<Vec<u8>> {
    let (mut lf, mut crlf) = (0usize, 0usize);
    for (_, ending) in lines(bytes) {
        match ending {
            b"\n" => lf += 1,
            b"\r\n" => crlf += 1,
            _ => {}
        }
    }
    let wanted: &[u8] = match mode {
        LineEnding::Lf if crlf > 0 => b"\n",
        LineEnding::Crlf if lf > 0 => b"\r\n",
        LineEnding::Auto | LineEnding::No if lf > 0 && crlf > 0 => {
            if crlf > lf {
                b"\r\n"
            } else {
                b"\n"
            }
        }
        _ => return None,
    };
    if fix && mode != LineEnding::No {
        let mut out = Vec::with_capacity(bytes.len());
        for (body, ending) in lines(bytes) {
            out.extend_from_slice(body);
            if !ending.is_empty() {
                out.extend_from_slice(wanted);
            }
        }
        return Some(out);
    }
    let message = match mode {
        LineEnding::Lf => format!("{crlf} line(s) end in CRLF; this file must use LF"),
        LineEnding::Crlf => format!("{lf} line(s) end in LF; this file must use CRLF"),
        _ => format!("mixed line endings: {lf} LF and {crlf} CRLF"),
    };
    problem(outcome, path, None, &message);
    None
}

/// Debugger modules whose import (or `breakpoint()`) must not be committed, as
/// pre-commit-hooks' debug-statements knows them.
const DEBUGGERS: [&str; 10] = [
    "bpdb",
    "ipdb",
    "pdb",
    "pdbr",
    "pudb",
    "pydevd_pycharm",
    "q",
    "rdb",
    "rpdb",
    "wdb",
];

fn debug_statements(path: &Path, bytes: &[u8], outcome: &mut Outcome) {
    let text = String::from_utf8_lossy(bytes);
    let mut in_string: Option<&str> = None;
    for (number, line) in text.lines().enumerate() {
        // Lines inside a triple-quoted string are text, not code.
        let code = match in_string {
            Some(quote) => {
                if let Some(end) = line.find(quote) {
                    in_string = None;
                    &line[end + 3..]
                } else {
                    continue;
                }
            }
            None => line,
        };
        let code = code.split('#').next().unwrap_or("");
        for quote in ["\"\"\"", "'''"] {
            if code.matches(quote).count() % 2 == 1 {
                in_string = Some(quote);
            }
        }
        let trimmed = code.trim_start();
        // `import os, pdb` and `import pdb as p`: every module of the statement.
        let modules: Vec<&str> = trimmed
            .strip_prefix("import ")
            .map(|rest| {
                rest.split(',')
                    .filter_map(|m| m.split_whitespace().next())
                    .collect()
            })
            .or_else(|| {
                trimmed
                    .strip_prefix("from ")
                    .and_then(|rest| rest.split_whitespace().next())
                    .map(|m| vec![m])
            })
            .unwrap_or_default();
        let debugger = modules
            .iter()
            .map(|m| m.split('.').next().unwrap_or(m).trim())
            .find(|m| DEBUGGERS.contains(m));
        let code_only = without_string_literals(code);
        if let Some(module) = debugger {
            problem(
                outcome,
                path,
                Some(number + 1),
                &format!("debugger `{module}` imported"),
            );
        } else if code_only.contains("breakpoint()")
            && !code_only.contains("def breakpoint")
            && !code_only.contains(".breakpoint()")
        {
            problem(outcome, path, Some(number + 1), "`breakpoint()` called");
        }
    }
}

/// A line of Python with its one-line string literals blanked (`"breakpoint()"` is text).
fn without_string_literals(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in code.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
                out.push(c);
            }
        } else {
            if c == '"' || c == '\'' {
                quote = Some(c);
            }
            out.push(c);
        }
    }
    out
}

/// Files of the input whose path differs only in case from another tracked path, or from
/// another file of the input (directories count too).
fn case_conflicts(input: &Input<'_>, outcome: &mut Outcome) {
    let mut seen: HashMap<String, String> = HashMap::new();
    let add = |path: &Path, seen: &mut HashMap<String, String>| {
        let text = path.to_string_lossy().into_owned();
        let mut prefix = String::new();
        for part in text.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            seen.entry(prefix.to_lowercase())
                .or_insert_with(|| prefix.clone());
        }
    };
    let mine: std::collections::HashSet<&PathBuf> = input.files.iter().collect();
    for path in input.tracked.iter().filter(|p| !mine.contains(p)) {
        add(path, &mut seen);
    }
    for path in input.files {
        let text = path.to_string_lossy().into_owned();
        let mut prefix = String::new();
        for part in text.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            if let Some(other) = seen.get(&prefix.to_lowercase())
                && *other != prefix
            {
                problem(
                    outcome,
                    path,
                    None,
                    &format!("`{prefix}` differs only in case from `{other}`"),
                );
                break;
            }
        }
        add(path, &mut seen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(builtin: &str, name: &str, content: &[u8]) -> (Outcome, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), content).unwrap();
        let files = vec![PathBuf::from(name)];
        let builtin = Builtin::parse(builtin).unwrap();
        let checked = run(
            &builtin,
            &Input {
                cwd: dir.path(),
                files: &files,
                tracked: &[],
                exempt: &[],
                fix: false,
            },
        );
        let fixed = run(
            &builtin,
            &Input {
                cwd: dir.path(),
                files: &files,
                tracked: &[],
                exempt: &[],
                fix: true,
            },
        );
        assert!(!fixed.failed || !builtin.fixes(), "{}", fixed.output);
        (checked, std::fs::read(dir.path().join(name)).unwrap())
    }

    #[test]
    fn whitespace_and_file_ends_are_found_and_fixed() {
        let (out, fixed) = check(
            "trailing-whitespace",
            "a.py",
            b"x = 1  \ny = 2\r\n\tz\t\r\n",
        );
        assert!(out.failed);
        assert_eq!(
            out.output,
            "a.py:1: trailing whitespace\na.py:3: trailing whitespace\n"
        );
        assert_eq!(fixed, b"x = 1\ny = 2\r\n\tz\r\n");
        let (out, fixed) = check(
            "trailing-whitespace --markdown-linebreak-ext=md",
            "r.md",
            b"hard  \nsoft \n",
        );
        assert_eq!(out.output, "r.md:2: trailing whitespace\n");
        assert_eq!(fixed, b"hard  \nsoft\n");
        let (out, fixed) = check("end-of-file", "a.txt", b"no newline");
        assert_eq!(out.output, "a.txt:1: no newline at the end of the file\n");
        assert_eq!(fixed, b"no newline\n");
        let (out, fixed) = check("end-of-file", "a.txt", b"x\n\n\n");
        assert!(out.failed);
        assert_eq!(fixed, b"x\n");
        let (out, _) = check("end-of-file", "a.txt", b"fine\n");
        assert!(!out.failed);
        let (out, _) = check("end-of-file", "empty.txt", b"");
        assert!(!out.failed);
    }

    #[test]
    fn syntax_checks_report_the_line() {
        let (out, _) = check("yaml", "a.yml", b"a: 1\nb: [2\n");
        assert!(
            out.failed && out.output.starts_with("a.yml:"),
            "{}",
            out.output
        );
        let (out, _) = check("yaml", "a.yml", b"a: 1\n---\nb: 2\n");
        assert!(out.failed);
        let (out, _) = check("yaml -m", "a.yml", b"a: 1\n---\nb: 2\n");
        assert!(!out.failed);
        let (out, _) = check("json", "a.json", b"{\n  \"a\": 1,\n}\n");
        assert!(
            out.output.starts_with("a.json:3: not valid JSON"),
            "{}",
            out.output
        );
        let (out, _) = check("toml", "a.toml", b"a = 1\nb = \n");
        assert!(
            out.output.starts_with("a.toml:2: not valid TOML"),
            "{}",
            out.output
        );
        let (out, _) = check("json", "a.txt", b"not json");
        assert!(!out.failed, "only .json files are read");
    }

    #[test]
    fn conflicts_keys_debuggers_boms_and_line_endings() {
        let (out, _) = check(
            "merge-conflict",
            "a.txt",
            b"<<<<<<< HEAD\na\n=======\nb\n>>>>>>> topic\n",
        );
        assert_eq!(out.output.lines().count(), 3, "{}", out.output);
        let (out, _) = check("merge-conflict", "a.rst", b"Title\n=======\n");
        assert!(!out.failed, "an underline is not a conflict");
        let (out, _) = check(
            "private-key",
            "id",
            b"x\n-----BEGIN OPENSSH PRIVATE KEY-----\n",
        );
        assert_eq!(
            out.output,
            "id:2: private key (BEGIN OPENSSH PRIVATE KEY)\n"
        );
        let (out, _) = check(
            "debug-statements",
            "a.py",
            b"import os\nimport pdb\n# import ipdb\nx = \"\"\"\nimport pdb\n\"\"\"\nbreakpoint()\n",
        );
        assert_eq!(
            out.output,
            "a.py:2: debugger `pdb` imported\na.py:7: `breakpoint()` called\n"
        );
        // Several modules on one import line; `breakpoint()` inside a string is text.
        let (out, _) = check(
            "debug-statements",
            "b.py",
            b"import os, pdb\nprint(\"breakpoint()\")\nimport ipdb as d\n",
        );
        assert_eq!(
            out.output,
            "b.py:1: debugger `pdb` imported\nb.py:3: debugger `ipdb` imported\n"
        );
        let (out, fixed) = check("byte-order-marker", "a.txt", b"\xef\xbb\xbfhi\n");
        assert!(out.failed);
        assert_eq!(fixed, b"hi\n");
        let (out, fixed) = check("mixed-line-ending", "a.txt", b"a\r\nb\nc\n");
        assert!(out.failed);
        assert_eq!(fixed, b"a\nb\nc\n");
        let (out, _) = check("mixed-line-ending", "a.txt", b"a\r\nb\r\n");
        assert!(!out.failed);
        let (out, _) = check("large-files --maxkb=1", "big.bin", &[b'x'; 2048]);
        assert_eq!(out.output, "big.bin: 2 KiB is larger than 1 KiB\n");
    }

    #[test]
    fn case_conflicts_with_tracked_paths_and_directories() {
        let files = vec![PathBuf::from("Docs/readme.md"), PathBuf::from("b.txt")];
        let tracked = vec![PathBuf::from("docs/index.md"), PathBuf::from("B.TXT")];
        let mut outcome = Outcome::default();
        case_conflicts(
            &Input {
                cwd: Path::new("."),
                files: &files,
                tracked: &tracked,
                exempt: &[],
                fix: false,
            },
            &mut outcome,
        );
        assert_eq!(
            outcome.output,
            "Docs/readme.md: `Docs` differs only in case from `docs`\nb.txt: `b.txt` differs only in case from `B.TXT`\n"
        );
    }
}
