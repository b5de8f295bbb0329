//! Checks serde cannot express: globs, `after` targets and cycles, durations, parser keys.

use std::collections::HashMap;
use std::path::Path;

use super::locate::{Locator, Step};
use super::{ConfigError, GatesConfig, ParserKind, parse_duration};

/// The name the built-in protected gate has in reports; no command gate may take it.
pub const PROTECTED_GATE: &str = "protected";

/// Every semantic problem in the config, in file order as far as possible.
pub(super) fn validate(
    config: &GatesConfig,
    at: &Locator<'_>,
    root: Option<&Path>,
) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    for (name, gate) in &config.gates {
        check_gate(&mut errors, at, config, name, gate, root);
    }
    if let Some(cycle) = find_cycle(config) {
        let first = &cycle[0];
        let index = config.gates[first]
            .after
            .iter()
            .position(|a| *a == cycle[1])
            .unwrap_or(0);
        errors.push(at.error(
            &[
                Step::Key("gates"),
                Step::Key(first),
                Step::Key("after"),
                Step::Index(index),
            ],
            false,
            format!("`after` forms a cycle: {}", cycle.join(" → ")),
            Some("remove one of these `after` entries so the gates can be ordered".to_owned()),
        ));
    }
    if let Some(protect) = &config.protect {
        check_globs(
            &mut errors,
            at,
            &[Step::Key("protect"), Step::Key("tests")],
            protect.tests.as_deref(),
        );
        check_globs(
            &mut errors,
            at,
            &[Step::Key("protect"), Step::Key("paths")],
            protect.paths.as_deref(),
        );
        check_globs(
            &mut errors,
            at,
            &[Step::Key("protect"), Step::Key("exclude")],
            protect.exclude.as_deref(),
        );
    }
    errors
}

fn check_gate(
    errors: &mut Vec<ConfigError>,
    at: &Locator<'_>,
    config: &GatesConfig,
    name: &str,
    gate: &super::GateConfig,
    root: Option<&Path>,
) {
    let here = |key: &'static str| [Step::Key("gates"), Step::Key(name), Step::Key(key)];
    if name == PROTECTED_GATE {
        errors.push(at.error(
            &[Step::Key("gates"), Step::Key(name)],
            true,
            "`protected` is the built-in protected gate".to_owned(),
            Some("configure it in a [protect] table, or rename this gate".to_owned()),
        ));
    } else if !valid_name(name) {
        errors.push(at.error(
            &[Step::Key("gates"), Step::Key(name)],
            true,
            format!(
                "gate name `{name}` must start with a letter, digit or `_` and use only letters, digits, `-`, `_` and `.`"
            ),
            Some("rename the gate, e.g. [gates.unit-tests]".to_owned()),
        ));
    }
    check_command_and_patterns(errors, at, name, gate);
    check_globs(
        errors,
        at,
        &[Step::Key("gates"), Step::Key(name), Step::Key("inputs")],
        gate.inputs.as_deref(),
    );
    if let Some(outside) = gate
        .inputs
        .iter()
        .flatten()
        .find(|p| p.split('/').any(|part| part == ".."))
    {
        errors.push(at.error(
            &here("inputs"),
            false,
            format!("input {outside:?} leaves the gate's cwd; inputs are globs relative to it"),
            Some("to depend on files outside `cwd`, leave `inputs` out: the key then covers the whole tree".to_owned()),
        ));
    }
    if let Some(timeout) = &gate.timeout
        && let Err(problem) = parse_duration(timeout)
    {
        errors.push(at.error(
            &here("timeout"),
            false,
            format!("bad duration {timeout:?}: {problem}"),
            Some("write a number with a unit: \"90s\", \"5m\", \"1h30m\"".to_owned()),
        ));
    }
    if let Some(cwd) = &gate.cwd
        && let Some(problem) = cwd_problem(cwd, gate.cwd_path().as_deref(), root)
    {
        errors.push(at.error(
            &here("cwd"),
            false,
            problem,
            Some("create the directory, or make `cwd` a directory of the worktree, relative to its root".to_owned()),
        ));
    }
    check_parser(errors, at, name, gate);
    if gate.pass_files {
        for (key, command) in [("run", Some(&gate.run)), ("fix", gate.fix.as_ref())] {
            if let Some(problem) = command.and_then(|c| files_detached(c)) {
                errors.push(at.error(
                    &here(key),
                    false,
                    format!("with pass_files the files are appended as \"$@\" after the command, but {problem}"),
                    Some("end the command with the tool that takes the files, e.g. run = \"ruff check\"; or use \"$BACKSTOP_FILES\" instead of pass_files".to_owned()),
                ));
            }
        }
    }
    check_after(errors, at, config, name, gate);
    check_env(errors, at, name, gate);
    check_strings(errors, at, name, gate);
}

/// Environment entries: a name without `=` or NUL, a value without NUL, and no entry longer
/// than the OS passes in one variable.
fn check_env(
    errors: &mut Vec<ConfigError>,
    at: &Locator<'_>,
    name: &str,
    gate: &super::GateConfig,
) {
    for (key, value) in &gate.env {
        let env_key = [
            Step::Key("gates"),
            Step::Key(name),
            Step::Key("env"),
            Step::Key(key),
        ];
        if key.is_empty() || key.contains('=') || key.contains('\0') {
            errors.push(at.error(
                &[Step::Key("gates"), Step::Key(name), Step::Key("env")],
                false,
                format!("bad environment variable name {key:?}"),
                Some("names must be non-empty, without `=` or NUL bytes".to_owned()),
            ));
        } else if value.contains('\0') {
            errors.push(at.error(
                &env_key,
                false,
                format!(
                    "the value of {key} contains a NUL byte, which no environment variable can hold"
                ),
                Some("remove the \\u0000 from the value".to_owned()),
            ));
        } else if key.len() + 1 + value.len() > super::MAX_ARGUMENT_BYTES {
            errors.push(
                at.error(
                    &env_key,
                    false,
                    format!(
                        "{key} is {} long; the OS passes at most {} in one environment variable",
                        crate::fsio::size((key.len() + 1 + value.len()) as u64),
                        crate::fsio::size(super::MAX_ARGUMENT_BYTES as u64)
                    ),
                    Some(
                        "put the value in a file the gate reads, and name the file in the variable"
                            .to_owned(),
                    ),
                ),
            );
        }
    }
}

/// Strings that become a process's argument, working directory or file name: no NUL byte (no
/// C string can hold one), and commands no longer than the OS passes in one argument.
fn check_strings(
    errors: &mut Vec<ConfigError>,
    at: &Locator<'_>,
    name: &str,
    gate: &super::GateConfig,
) {
    let here = |key: &'static str| [Step::Key("gates"), Step::Key(name), Step::Key(key)];
    let fields = [
        ("run", Some(&gate.run)),
        ("fix", gate.fix.as_ref()),
        ("cwd", gate.cwd.as_ref()),
        ("report", gate.report.as_ref()),
    ];
    for (key, value) in fields {
        let Some(value) = value else { continue };
        if value.contains('\0') {
            errors.push(at.error(
                &here(key),
                false,
                format!("`{key}` contains a NUL byte, which no command or path can hold"),
                Some("remove the \\u0000".to_owned()),
            ));
        } else if matches!(key, "run" | "fix") && value.len() > super::MAX_ARGUMENT_BYTES {
            errors.push(at.error(
                &here(key),
                false,
                format!(
                    "`{key}` is {} long; `sh -c` gets it as one argument, and the OS passes at most {} in one argument (it would fail with \"Argument list too long\")",
                    crate::fsio::size(value.len() as u64),
                    crate::fsio::size(super::MAX_ARGUMENT_BYTES as u64)
                ),
                Some(format!("put the commands in a script in the repository and run that, e.g. {key} = \"sh scripts/{name}.sh\"")),
            ));
        }
    }
}

fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_alphanumeric() || c == '_')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn cwd_problem(cwd: &str, cleaned: Option<&Path>, root: Option<&Path>) -> Option<String> {
    if cwd.starts_with('/') {
        return Some(format!("`{cwd}` is absolute"));
    }
    if cwd.split(['/', '\\']).any(|part| part == "..") {
        return Some(format!("`{cwd}` leaves the worktree"));
    }
    let (Some(root), Some(cleaned)) = (root, cleaned) else {
        return None;
    };
    let inside = root
        .join(cleaned)
        .canonicalize()
        .ok()
        .filter(|dir| dir.is_dir());
    match inside {
        None => Some(format!(
            "`{cwd}` is not a directory of the worktree {}",
            root.display()
        )),
        // A symlink could lead a gate out of the worktree.
        Some(dir)
            if !dir.starts_with(root.canonicalize().unwrap_or_else(|_| root.to_path_buf())) =>
        {
            Some(format!(
                "`{cwd}` leads outside the worktree (to {})",
                dir.display()
            ))
        }
        // Paths in the file set use real names; a symlinked cwd would never match them.
        Some(dir)
            if dir
                != root
                    .canonicalize()
                    .unwrap_or_else(|_| root.to_path_buf())
                    .join(cleaned) =>
        {
            Some(format!(
                "`{cwd}` is a symlink (to {}); name the real directory",
                dir.display()
            ))
        }
        Some(_) => None,
    }
}

/// Why files appended after `command` would not reach its last tool, if they would not.
fn files_detached(command: &str) -> Option<String> {
    let trimmed = command.trim_end();
    let last_line = trimmed.lines().last().unwrap_or_default();
    if let Some(end) = trimmed
        .chars()
        .last()
        .filter(|c| matches!(c, ';' | '&' | '|' | '\\' | '(' | '{'))
    {
        return Some(format!(
            "the command ends with `{end}`, so they would run as a command of their own"
        ));
    }
    if trimmed.contains("<<") {
        return Some("a here-document (`<<`) would swallow them".to_owned());
    }
    starts_comment(last_line)
        .then(|| "the last line ends in a `#` comment, which would swallow them".to_owned())
}

/// Whether a shell line has a comment: a `#` that begins a word, outside quotes.
fn starts_comment(line: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    let mut escaped = false;
    for c in line.chars() {
        match (quote, c) {
            _ if escaped => escaped = false,
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('"') | None, '\\') => escaped = true,
            (None, '\'' | '"') => quote = Some(c),
            (None, '#')
                if previous.is_whitespace() || matches!(previous, ';' | '&' | '|' | '(' | ')') =>
            {
                return true;
            }
            _ => {}
        }
        previous = c;
    }
    false
}

/// `run` or `builtin` (exactly one, and a builtin that exists), and the file patterns.
fn check_command_and_patterns(
    errors: &mut Vec<ConfigError>,
    at: &Locator<'_>,
    name: &str,
    gate: &super::GateConfig,
) {
    let here = |key: &'static str| [Step::Key("gates"), Step::Key(name), Step::Key(key)];
    match (&gate.builtin, gate.run.trim().is_empty()) {
        (None, true) => errors.push(at.error(
            &[Step::Key("gates"), Step::Key(name)],
            true,
            "missing key `run` (the command), or `builtin` (a built-in check)".to_owned(),
            Some(format!(
                "give `gates.{name}` a command: run = \"...\" (or a built-in check: builtin = \"trailing-whitespace\")"
            )),
        )),
        (Some(_), false) => errors.push(at.error(
            &here("builtin"),
            false,
            "a gate has either `run` or `builtin`, not both".to_owned(),
            Some("keep one of them; a built-in check needs no command".to_owned()),
        )),
        (Some(spec), true) => {
            if let Err(problem) = crate::builtin::Builtin::parse(spec) {
                errors.push(at.error(
                    &here("builtin"),
                    false,
                    problem,
                    Some(format!(
                        "built-in checks: {}",
                        crate::builtin::NAMES.join(", ")
                    )),
                ));
            }
        }
        (None, false) => {}
    }
    for key in ["files", "exclude"] {
        let globs = if key == "files" {
            gate.files.as_deref()
        } else {
            gate.exclude.as_deref()
        };
        check_globs(
            errors,
            at,
            &[Step::Key("gates"), Step::Key(name), Step::Key(key)],
            globs,
        );
    }
    for (key, pattern) in [
        ("files_regex", &gate.files_regex),
        ("exclude_regex", &gate.exclude_regex),
    ] {
        if let Some(pattern) = pattern
            && let Err(e) = regex::bytes::Regex::new(pattern)
        {
            errors.push(at.error(
                &here(key),
                false,
                format!("bad regex: {e}"),
                Some("use Rust regex syntax (no look-around), e.g. '^src/.*\\.py$'".to_owned()),
            ));
        }
    }
}

fn check_globs(
    errors: &mut Vec<ConfigError>,
    at: &Locator<'_>,
    key: &[Step<'_>],
    globs: Option<&[String]>,
) {
    for (i, glob) in globs.unwrap_or_default().iter().enumerate() {
        if let Err(problem) = crate::glob::compile(glob) {
            let mut path = key.to_vec();
            path.push(Step::Index(i));
            errors.push(at.error(
                &path,
                false,
                format!("bad glob {glob:?}: {problem}"),
                Some("globs use globset syntax: `*`, `**`, `?`, `[abc]`, `{a,b}`".to_owned()),
            ));
        }
    }
}

fn check_after(
    errors: &mut Vec<ConfigError>,
    at: &Locator<'_>,
    config: &GatesConfig,
    name: &str,
    gate: &super::GateConfig,
) {
    for (i, target) in gate.after.iter().enumerate() {
        let path = [
            Step::Key("gates"),
            Step::Key(name),
            Step::Key("after"),
            Step::Index(i),
        ];
        if target == name {
            errors.push(at.error(
                &path,
                false,
                "a gate cannot run after itself".to_owned(),
                Some(format!("remove \"{target}\" from `after`")),
            ));
        } else if !config.gates.contains_key(target) {
            let hint = match super::error::nearest(target, config.gates.keys().map(String::as_str))
            {
                Some(fix) => format!("did you mean \"{fix}\"?"),
                None => format!(
                    "`after` names gates of this file: {}",
                    config.gates.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            };
            errors.push(at.error(
                &path,
                false,
                format!("unknown gate \"{target}\""),
                Some(hint),
            ));
        }
    }
}

fn check_parser(
    errors: &mut Vec<ConfigError>,
    at: &Locator<'_>,
    name: &str,
    gate: &super::GateConfig,
) {
    let here = |key: &'static str| [Step::Key("gates"), Step::Key(name), Step::Key(key)];
    match (gate.parser, &gate.pattern) {
        (Some(ParserKind::Regex), Some(pattern)) => match regex::Regex::new(pattern) {
            Err(e) => errors.push(at.error(&here("pattern"), false, format!("bad regex: {e}"), Some("use Rust regex syntax with named groups, e.g. (?P<file>[^:]+):(?P<line>\\d+): (?P<message>.*)".to_owned()))),
            Ok(re) => {
                let names: Vec<&str> = re.capture_names().flatten().collect();
                if !names.contains(&"file") || !names.contains(&"message") {
                    errors.push(at.error(&here("pattern"), false, "the pattern needs named groups `file` and `message`".to_owned(), Some("add (?P<file>...) and (?P<message>...); `line`, `col` and `severity` are optional".to_owned())));
                }
            }
        },
        (_, None) => {}
        (_, Some(_)) => errors.push(at.error(&here("pattern"), true, "`pattern` is only read with parser = \"regex\"".to_owned(), Some("set parser = \"regex\", or remove `pattern`".to_owned()))),
    }
    match (gate.parser, &gate.report) {
        (Some(ParserKind::Junit), None) => errors.push(at.error(
            &here("parser"),
            false,
            "parser = \"junit\" needs `report`, the XML file the command writes".to_owned(),
            Some("add report = \"path/to/junit.xml\"".to_owned()),
        )),
        (
            Some(ParserKind::Junit | ParserKind::Sarif | ParserKind::Checkstyle | ParserKind::Rdjson),
            _,
        )
        | (_, None) => {}
        (_, Some(_)) => errors.push(at.error(
            &here("report"),
            true,
            "`report` is only read with parser = \"junit\", \"sarif\", \"checkstyle\" or \"rdjson\"".to_owned(),
            Some("set one of those parsers, or remove `report`".to_owned()),
        )),
    }
}

/// A cycle of `after` edges, as gate names with the first repeated at the end.
fn find_cycle(config: &GatesConfig) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit<'a>(
        name: &'a str,
        config: &'a GatesConfig,
        marks: &mut HashMap<&'a str, Mark>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match marks.get(name) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => {
                let start = stack.iter().position(|n| *n == name).unwrap_or(0);
                let mut cycle: Vec<String> =
                    stack[start..].iter().map(|s| (*s).to_owned()).collect();
                cycle.push(name.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(name, Mark::Visiting);
        stack.push(name);
        for next in &config.gates.get(name)?.after {
            if config.gates.contains_key(next)
                && let Some(cycle) = visit(next, config, marks, stack)
            {
                return Some(cycle);
            }
        }
        stack.pop();
        marks.insert(name, Mark::Done);
        None
    }
    let mut marks = HashMap::new();
    config
        .gates
        .keys()
        .find_map(|name| visit(name, config, &mut marks, &mut Vec::new()))
}
