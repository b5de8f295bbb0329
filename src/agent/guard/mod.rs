//! The bypass guard (`PreToolUse` / `BeforeTool`): denies what would skip or disable the gates,
//! with a reason that says what to do instead, and lets everything else through untouched.
//!
//! Shell is read with [`shell`](super::shell) (variables, compound commands, substitutions,
//! scripts handed to shells); what cannot be read with certainty is denied. A command whose
//! program is only known when it runs is denied when any program it could be would be. An
//! unknown *file name* is checked by what is known of it and otherwise allowed: the Stop hook
//! judges every file, so a write the guard cannot see is still caught there. [`places`] says
//! which paths are off limits, [`git`] which git commands skip hooks or move the base's refs,
//! [`programs`] what other programs write, [`code`] what inline interpreter code does.

mod code;
mod git;
mod places;
mod programs;

use std::path::{Path, PathBuf};

use super::shell::{self, Command, Script, UNKNOWN};
use crate::glob::GlobList;
use places::{Places, Target};

/// What the agent is about to do.
#[derive(Debug, Clone)]
pub enum ToolCall {
    /// A shell command line.
    Shell(String),
    /// Writing or editing these files.
    Edit(Vec<PathBuf>),
    /// A Codex `apply_patch` body.
    Patch(String),
    /// Anything else (reads, searches): never denied.
    Other,
}

/// Where the agent works and what is protected.
pub struct GuardContext<'a> {
    /// The directory the tool runs in.
    pub cwd: &'a Path,
    /// The worktree root.
    pub root: &'a Path,
    /// `protect.paths` (or their defaults), relative to the root.
    pub protected: &'a GlobList,
    /// The repository's git directory and common directory (`<root>/.git` is always included).
    pub git_dirs: &'a [PathBuf],
    /// The repository's remotes (a branch named `<remote>/...` would shadow a tracking ref).
    pub remotes: &'a [String],
    /// git aliases from the repository's config (`alias.ci` = `commit -n`).
    pub aliases: &'a [(String, String)],
}

/// How many script files deep (a script that runs a script...) the guard reads.
const MAX_SCRIPT_DEPTH: usize = 8;

/// The largest script file the guard reads.
const MAX_SCRIPT_BYTES: u64 = 256 * 1024;

const NO_VERIFY: &str = "backstop: `--no-verify` skips the gates this repository requires. Run them \
     (`backstop run pre-commit`), fix what they report, and commit again without --no-verify.";
const HOOKS_PATH: &str = "backstop: changing core.hooksPath (or including another config file) would \
     switch off this repository's git hooks. Leave git's configuration as it is and make the gates pass instead.";
const SKIP: &str = "backstop: BACKSTOP_SKIP is for a person to skip a gate. Fix what the gate reports \
     instead (`backstop run` shows it).";
const HOOK_BY_HAND: &str = "backstop: backstop's hooks are run by the agent tool itself; calling them \
     by hand changes what the gates compare against. Fix the code so the gates pass.";
const PERSON_ONLY: &str = "backstop: approving protected changes and removing the hooks are a person's \
     decisions. Explain the change and let the person run it.";
const REFS: &str = "backstop: the gates compare your work with the remote-tracking refs and the main \
     branch; moving, creating or deleting those refs (or changing the remotes) changes what is judged. \
     Leave them to `git fetch` and `git push`, and commit on your own branch.";
const HOOK_SWITCH: &str = "backstop: that variable makes a hook manager (husky, lefthook, pre-commit) skip the git \
     hooks, and backstop with them, like --no-verify. Run the gates (`backstop run pre-commit`), fix what they \
     report, and commit without it.";
const CONFIG_ENV: &str = "backstop: that variable changes which git configuration, and so which hooks, \
     git uses for this command. Run git without it.";

/// Allow (`None`) or deny with the reason.
pub fn check(call: &ToolCall, context: &GuardContext<'_>) -> Option<String> {
    let places = Places::new(context);
    match call {
        ToolCall::Shell(script) => Checker::new(&places).script(script, 0),
        ToolCall::Edit(paths) => paths
            .iter()
            .find_map(|p| places.written(&places.target(Some(context.cwd), &p.to_string_lossy()))),
        ToolCall::Patch(patch) => patch
            .lines()
            .filter_map(|l| {
                [
                    "*** Update File: ",
                    "*** Add File: ",
                    "*** Delete File: ",
                    "*** Move to: ",
                ]
                .iter()
                .find_map(|h| l.strip_prefix(h))
            })
            .find_map(|p| places.written(&places.target(Some(context.cwd), p.trim()))),
        ToolCall::Other => None,
    }
}

/// The reason for what cannot be read with certainty.
fn unreadable(why: &str) -> String {
    format!(
        "backstop: cannot read this command with certainty: {why}. Run the commands it stands for \
         directly, so they can be checked (write a script to a file first, then run it with `sh FILE`)."
    )
}

fn unknown(word: &str) -> bool {
    shell::unknown(word)
}

/// One command line being checked: where it is, and what it has written so far.
struct Checker<'p> {
    places: &'p Places<'p>,
    /// The directory the next command runs in (`None` after a `cd` that cannot be followed).
    cwd: Option<PathBuf>,
    /// Files the line writes before the command being checked.
    written: Vec<PathBuf>,
    /// Functions and aliases the line defines: their arguments may be run (`"$@"`).
    functions: Vec<String>,
    /// Shell aliases the line defines (`alias g=git`): name and text.
    shell_aliases: Vec<(String, String)>,
    /// git aliases the line defines (`git -c alias.co=commit`, `git config alias.co commit`).
    git_aliases: Vec<(String, String)>,
    /// Whether the line runs a git command that runs hooks.
    runs_hooks: bool,
    /// Whether the command being checked does (any reading of it).
    command_runs_hooks: bool,
}

impl<'p> Checker<'p> {
    fn new(places: &'p Places<'p>) -> Checker<'p> {
        Checker {
            places,
            cwd: Some(places.context.cwd.to_path_buf()),
            written: Vec::new(),
            functions: Vec::new(),
            shell_aliases: Vec::new(),
            git_aliases: Vec::new(),
            runs_hooks: false,
            command_runs_hooks: false,
        }
    }

    fn target(&self, word: &str) -> Target {
        self.places.target(self.cwd.as_deref(), word)
    }

    /// Checks a write, remembering it (a script written on the line cannot be read before).
    fn write(&mut self, word: &str, remove: bool) -> Option<String> {
        let target = self.target(word);
        let reason = if remove {
            self.places.removed(&target)
        } else {
            self.places.written(&target)
        };
        if let Target::Known(path) = target {
            self.written.push(path);
        }
        reason
    }

    fn script(&mut self, text: &str, depth: usize) -> Option<String> {
        if depth > MAX_SCRIPT_DEPTH {
            return Some(unreadable(&format!(
                "it runs scripts that run scripts more than {MAX_SCRIPT_DEPTH} levels deep"
            )));
        }
        let reading = shell::read_nested(text, depth);
        if let Some(why) = reading.unreadable.first() {
            return Some(unreadable(why));
        }
        self.functions.extend(reading.functions.iter().cloned());
        for command in &reading.commands {
            self.runs_hooks |= git::runs_hooks(&command.words);
            if let Some(name) = defined_name(command) {
                self.functions.push(name);
            }
            self.shell_aliases.extend(alias_definitions(command));
        }
        for command in &reading.commands {
            if let Some(reason) = self.command(command, depth) {
                return Some(reason);
            }
            self.follow_cd(command);
        }
        None
    }

    fn command(&mut self, command: &Command, depth: usize) -> Option<String> {
        let runs_hooks = git::runs_hooks(&command.words);
        self.command_runs_hooks = runs_hooks;
        for (name, value) in &command.assignments {
            let applies = runs_hooks || (command.words.is_empty() && self.runs_hooks);
            if let Some(reason) = env(name, value, applies) {
                return Some(reason);
            }
        }
        for target in &command.redirects {
            if let Some(reason) = self.write(target, false) {
                return Some(reason);
            }
        }
        let words = &command.words;
        let first = words.first()?;
        // xargs and parallel append what they read to the command they run.
        let feeds = matches!(shell::program_name(first), "xargs" | "parallel");
        for (i, view) in shell::views(words).into_iter().enumerate() {
            if i > 0 && !self.interesting(view) {
                continue;
            }
            let wrapper = shell::WRAPPERS.contains(&shell::program_name(&view[0]));
            let reason = if feeds && i > 0 && !wrapper {
                // What they read replaces their replace-string (`-I{}`) or follows the command.
                let mut fed: Vec<String> = match replace_string(&words[1..]) {
                    Some(marker) => view
                        .iter()
                        .map(|w| w.replace(&marker, &UNKNOWN.to_string()))
                        .collect(),
                    None => view.to_vec(),
                };
                fed.push(UNKNOWN.to_string());
                fed_scripts(&fed).or_else(|| self.view(&fed, command, depth))
            } else {
                self.view(view, command, depth)
            };
            if reason.is_some() {
                return reason;
            }
        }
        for script in shell::scripts(command) {
            if let Script::File(file) = script
                && let Some(reason) = self.script_file(&file, depth)
            {
                return Some(reason);
            }
        }
        self.executed_file(first, depth)
    }

    /// One reading of a command: `view[0]` is the program.
    fn view(&mut self, view: &[String], command: &Command, depth: usize) -> Option<String> {
        if depth > MAX_SCRIPT_DEPTH {
            return Some(unreadable(&format!(
                "it runs commands that run commands more than {MAX_SCRIPT_DEPTH} levels deep"
            )));
        }
        let program = view.first()?;
        let args = &view[1..];
        if program.contains(shell::SPLIT) {
            return Some(unreadable(
                "the command itself is only known when it runs (an unquoted variable or \
                 substitution can hold the program and its options)",
            ));
        }
        let tail = program
            .rsplit(['/', UNKNOWN, shell::NAME])
            .next()
            .unwrap_or(program);
        if let Some(sub) = tail.strip_prefix("git-").filter(|s| !s.is_empty()) {
            // `git-commit`, `$(git --exec-path)/git-commit`: git's own programs.
            let mut words = vec![sub.to_owned()];
            words.extend(args.iter().cloned());
            if let Some(reason) = git::check(self, &words, &command.stdin, depth) {
                return Some(reason);
            }
        }
        if unknown(program) || program.contains(['*', '?', '[']) && program != "[" {
            return self.unknown_program(args, depth);
        }
        let name = shell::program_name(program);
        if let Some((_, text)) = self.shell_aliases.iter().rev().find(|(n, _)| n == program) {
            // An alias is its text followed by the arguments (`alias g=git; g commit -n`).
            let mut text = text.clone();
            for word in args {
                text.push(' ');
                text.push_str(&shell::quote(word));
            }
            if let Some(reason) = self.script(&text, depth + 1) {
                return Some(reason);
            }
        }
        if self.is_function(name) {
            // A function's arguments may be run as a command (`"$@"`).
            for start in 0..args.len() {
                let inner = &args[start..];
                if self.interesting(inner)
                    && !self.is_function(shell::program_name(&inner[0]))
                    && let Some(reason) = self.view(inner, command, depth)
                {
                    return Some(reason);
                }
            }
        }
        if shell::WRAPPERS.contains(&name) {
            // `sudo -u x HOME=/y git commit`: assignments among the wrapper's own options.
            let applies = self.command_runs_hooks;
            let mut after_option = false;
            for arg in args {
                if let Some((key, value)) = arg.split_once('=')
                    && is_name(key)
                {
                    if let Some(reason) = env(key, value, applies) {
                        return Some(reason);
                    }
                } else if arg.starts_with('-') {
                    after_option = true;
                    continue;
                } else if !after_option {
                    break;
                }
                after_option = false;
            }
        }
        if matches!(name, "env" | "unset")
            && let Some(reason) = self.unsets(name, args)
        {
            return Some(reason);
        }
        let reason = match name {
            "git" => git::check(self, args, &command.stdin, depth),
            "backstop" => backstop(args),
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                args.iter().find_map(|arg| {
                    let (key, value) = arg.split_once('=')?;
                    env(key.trim_end_matches('+'), value, self.runs_hooks)
                })
            }
            _ => programs::check(self, name, args, command, depth),
        };
        reason.or_else(|| self.copy_of_backstop(program, args))
    }

    /// `env -i`, `env -u HOME`, `unset HOME` around a git command that runs hooks: git then
    /// reads other config (none of the user's), and so may run other hooks.
    fn unsets(&self, name: &str, args: &[String]) -> Option<String> {
        let applies = if name == "env" {
            self.command_runs_hooks
        } else {
            self.runs_hooks
        };
        if !applies {
            return None;
        }
        let mut removed: Vec<&str> = Vec::new();
        for (i, arg) in args.iter().enumerate() {
            match arg.as_str() {
                "-i" | "--ignore-environment" | "-" if name == "env" => removed.push("HOME"),
                "-u" | "--unset" if name == "env" => {
                    removed.extend(args.get(i + 1).map(String::as_str));
                }
                a if name == "env" && a.starts_with("--unset=") => removed.push(&a[8..]),
                a if name == "unset" && !a.starts_with('-') => removed.push(a),
                _ => {}
            }
        }
        removed.iter().find_map(|key| env(key, "", true))
    }

    fn is_function(&self, name: &str) -> bool {
        self.functions.iter().any(|f| f == name)
    }

    /// Whether a reading of a command names a program the guard has rules for (other readings
    /// of a wrapper's arguments are words, not programs).
    fn interesting(&self, view: &[String]) -> bool {
        let Some(program) = view.first() else {
            return false;
        };
        if unknown(program) || program.contains(['/', '*', '?', '[']) {
            return true;
        }
        let name = shell::program_name(program);
        self.is_function(name)
            || matches!(
                name,
                "git"
                    | "backstop"
                    | "eval"
                    | "source"
                    | "."
                    | "export"
                    | "declare"
                    | "typeset"
                    | "local"
                    | "readonly"
            )
            || shell::SHELLS.contains(&name)
            || shell::WRAPPERS.contains(&name)
            || programs::handles(name)
            || view
                .get(1)
                .is_some_and(|a| matches!(a.as_str(), "approve" | "uninstall" | "hook"))
    }

    /// A program only known when it runs: denied when any program it could be would be.
    fn unknown_program(&mut self, args: &[String], depth: usize) -> Option<String> {
        let as_git = git::check(self, args, &shell::Stdin::Inherited, depth);
        let as_backstop = || backstop(args);
        let as_writer = || {
            args.iter()
                .filter(|a| !a.starts_with('-'))
                .find_map(|a| self.places.removed(&self.target(a)))
        };
        let text = args
            .iter()
            .position(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('c'))
            .and_then(|at| args.get(at + 1))
            .cloned();
        let reason = as_git
            .or_else(as_backstop)
            .or_else(as_writer)
            .or_else(|| text.and_then(|t| self.script(&t, depth + 1)))?;
        Some(format!(
            "backstop: the program this command runs is only known when it runs (a variable, a \
             substitution or a pattern), and read as a program it could be, it is denied. {}",
            reason.trim_start_matches("backstop: ")
        ))
    }

    /// `sh FILE`, `source FILE`, `bash < FILE`: the file is read and checked like the line.
    fn script_file(&mut self, file: &str, depth: usize) -> Option<String> {
        if unknown(file) {
            return Some(unreadable(
                "it runs a script whose name or content is only known when it runs",
            ));
        }
        let Target::Known(path) = self.target(file) else {
            return None;
        };
        if self.written.contains(&path) {
            return Some(unreadable(&format!(
                "it runs {file}, which the same command line writes first"
            )));
        }
        if self.places.startup_file(&path) {
            // The person's own start-up file (agents may not write it): what it runs is theirs.
            return None;
        }
        match read_script(&path) {
            ScriptFile::Text(text) => {
                let cwd = self.cwd.clone();
                let reason = self.script(&text, depth + 1);
                self.cwd = cwd;
                reason.map(|r| r.replacen("backstop: ", &format!("backstop: in {file}: "), 1))
            }
            ScriptFile::Missing | ScriptFile::Binary => None,
            ScriptFile::Unreadable(why) => Some(unreadable(&format!("{file} {why}"))),
        }
    }

    /// `./script.sh`, `scripts/run`: a shell script run by its path is read like `sh FILE`.
    fn executed_file(&mut self, program: &str, depth: usize) -> Option<String> {
        if !program.contains('/') || unknown(program) {
            return None;
        }
        let Target::Known(path) = self.target(program) else {
            return None;
        };
        if self.written.contains(&path) {
            return Some(unreadable(&format!(
                "it runs {program}, which the same command line writes first"
            )));
        }
        let ScriptFile::Text(text) = read_script(&path) else {
            return None;
        };
        let interpreter = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("#!"))
            .map(|l| {
                let mut words = l.split_whitespace();
                let first = words.next().map(shell::program_name).unwrap_or_default();
                if first == "env" {
                    words.find(|w| !w.starts_with('-')).unwrap_or_default()
                } else {
                    first
                }
                .to_owned()
            });
        match interpreter.as_deref() {
            None => self.script(&text, depth + 1),
            Some(i) if shell::SHELLS.contains(&i) => self.script(&text, depth + 1),
            Some(i) => code::check_text(self, i, &text),
        }
    }

    /// A program other than `backstop` given backstop's person-only commands: denied when it is
    /// backstop under another name (a copy, a link), or cannot be found to tell.
    fn copy_of_backstop(&self, program: &str, args: &[String]) -> Option<String> {
        let name = shell::program_name(program);
        if name == "backstop" {
            return None;
        }
        let sub = args.iter().find(|a| !a.starts_with('-'))?;
        if !matches!(sub.as_str(), "approve" | "uninstall" | "hook")
            || args.iter().any(|a| a == "--show")
        {
            return None;
        }
        let found = if program.contains('/') {
            match self.target(program) {
                Target::Known(path) => Some(path).filter(|p| p.exists()),
                _ => None,
            }
        } else {
            self.places
                .path_dirs()
                .iter()
                .map(|d| d.join(program))
                .find(|p| p.is_file())
        };
        let Some(found) = found else {
            return Some(format!(
                "backstop: cannot tell what `{program}` is, and `{sub}` is one of backstop's \
                 commands for a person. Run a program that exists, by its usual name."
            ));
        };
        let real = found.canonicalize().unwrap_or(found);
        let same = self.places.binaries().iter().any(|b| {
            *b == real
                || std::fs::metadata(b).ok().map(|m| m.len())
                    == std::fs::metadata(&real).ok().map(|m| m.len())
                    && std::fs::read(b).ok() == std::fs::read(&real).ok()
        });
        same.then(|| backstop(args).unwrap_or_else(|| PERSON_ONLY.to_owned()))
    }

    /// `cd DIR` moves the rest of the line; one that cannot be followed makes it unknown.
    fn follow_cd(&mut self, command: &Command) {
        let mut words = command.words.as_slice();
        while words
            .first()
            .is_some_and(|w| w == "builtin" || w == "command")
        {
            words = &words[1..];
        }
        let Some(program) = words.first() else { return };
        if !matches!(program.as_str(), "cd" | "pushd" | "popd" | "chdir") {
            return;
        }
        let operands: Vec<&String> = words[1..]
            .iter()
            .filter(|a| !matches!(a.as_str(), "-L" | "-P" | "-e" | "-@" | "--"))
            .collect();
        let next = match (program.as_str(), operands.as_slice()) {
            ("cd", []) => std::env::var_os("HOME").map(PathBuf::from),
            ("cd" | "pushd" | "chdir", [dir]) if dir.as_str() != "-" => match self.target(dir) {
                Target::Known(path) if !unknown(&path.to_string_lossy()) => Some(path),
                _ => None,
            },
            _ => None,
        };
        self.cwd = if command.plain { next } else { None };
    }
}

/// Shell text a command fed by `xargs` runs (`xargs sh -c`, `xargs -I{} sh -c {}`): the
/// text it reads is only known when it runs.
fn fed_scripts(fed: &[String]) -> Option<String> {
    let command = Command {
        words: fed.to_vec(),
        ..Command::default()
    };
    for script in shell::scripts(&command) {
        match script {
            Script::Text { text, .. } if unknown(&text) => {
                return Some(unreadable(&format!(
                    "`{}` runs shell text it reads when it runs",
                    shell::program_name(&fed[0])
                )));
            }
            Script::Unreadable(why) => return Some(unreadable(&why)),
            _ => {}
        }
    }
    None
}

/// The replace-string of `xargs`/`parallel` options (`-I{}`, `-I X`, `-i`, `--replace`).
fn replace_string(options: &[String]) -> Option<String> {
    let mut i = 0;
    while let Some(arg) = options.get(i) {
        match arg.as_str() {
            "-I" => return options.get(i + 1).cloned(),
            "-n" | "-P" | "-d" | "-a" | "-E" | "-s" | "-L" | "--max-args" | "--max-procs"
            | "--delimiter" | "--arg-file" | "--eof" | "--max-chars" | "--max-lines" => i += 1,
            "-i" | "--replace" => return Some("{}".to_owned()),
            a if a.starts_with("--replace=") => return Some(a["--replace=".len()..].to_owned()),
            a if a.starts_with("-I") => return Some(a[2..].to_owned()),
            a if a.starts_with("-i") => return Some(a[2..].to_owned()),
            a if !a.starts_with('-') => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The aliases a command defines (`alias g=git x='ls -l'`): name and text.
fn alias_definitions(command: &Command) -> Vec<(String, String)> {
    match command.words.split_first() {
        Some((alias, definitions)) if alias == "alias" => definitions
            .iter()
            .filter_map(|d| d.split_once('='))
            .map(|(n, t)| (n.to_owned(), t.to_owned()))
            .collect(),
        _ => Vec::new(),
    }
}

/// The name a command defines as a function or an alias, if it does.
fn defined_name(command: &Command) -> Option<String> {
    match command.words.as_slice() {
        [alias, definition, ..] if alias == "alias" => {
            definition.split_once('=').map(|(n, _)| n.to_owned())
        }
        _ => None,
    }
}

fn is_name(key: &str) -> bool {
    !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit())
}

/// Why setting `name=value` for a command is denied: it switches the gates off, or (`applies`:
/// for a git command that runs hooks) changes which config git reads.
fn env(name: &str, value: &str, applies: bool) -> Option<String> {
    if name == "BACKSTOP_SKIP" {
        return Some(SKIP.to_owned());
    }
    if switches_hooks_off(name, value) {
        return Some(HOOK_SWITCH.to_owned());
    }
    let lower = value.to_ascii_lowercase();
    if name.starts_with("GIT_CONFIG_")
        && !matches!(
            name,
            "GIT_CONFIG_GLOBAL" | "GIT_CONFIG_SYSTEM" | "GIT_CONFIG_NOSYSTEM"
        )
        && (lower.contains("hookspath") || lower.contains("include") || unknown(value))
    {
        return Some(HOOKS_PATH.to_owned());
    }
    let config_location = matches!(
        name,
        "GIT_CONFIG_GLOBAL"
            | "GIT_CONFIG_SYSTEM"
            | "GIT_CONFIG_NOSYSTEM"
            | "GIT_CONFIG"
            | "XDG_CONFIG_HOME"
            | "HOME"
            | "GIT_DIR"
            | "GIT_COMMON_DIR"
    );
    (config_location && applies).then(|| CONFIG_ENV.to_owned())
}

/// Whether `NAME=value` switches hooks off: husky's `HUSKY=0`, lefthook's `LEFTHOOK=0`, hk's
/// `HK=0`, overcommit's `OVERCOMMIT_DISABLE=1`, pre-commit's config-less run, and skip lists
/// (`SKIP`, `PREK_SKIP`, `LEFTHOOK_EXCLUDE`, `LEFTHOOK_SKIP`) naming backstop. A value only
/// known when the command runs could be any of them.
fn switches_hooks_off(name: &str, value: &str) -> bool {
    let off = matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "0" | "false" | "off" | "no"
    ) || unknown(value);
    match name {
        "HUSKY" | "LEFTHOOK" | "HK" => off,
        "OVERCOMMIT_DISABLE" | "PRE_COMMIT_ALLOW_NO_CONFIG" => {
            unknown(value) || (!off && !value.is_empty())
        }
        "SKIP" | "PREK_SKIP" | "LEFTHOOK_EXCLUDE" | "LEFTHOOK_SKIP" => {
            unknown(value) || value.to_ascii_lowercase().contains("backstop")
        }
        _ => false,
    }
}

/// `backstop ...`: the commands that are a person's, or that only the agent tool runs.
fn backstop(args: &[String]) -> Option<String> {
    let mut rest = args.iter();
    let sub = loop {
        let arg = rest.next()?;
        match arg.as_str() {
            "-C" | "--config" | "--color" => {
                rest.next();
            }
            a if a.starts_with('-') => {}
            a => break a,
        }
    };
    if unknown(sub) {
        return Some(
            "backstop: which backstop command this runs is only known when it runs; approving and \
             removing the hooks are a person's decisions. Run the command you mean, written out."
                .to_owned(),
        );
    }
    match sub {
        "approve" if !args.iter().any(|a| a == "--show") => Some(PERSON_ONLY.to_owned()),
        "uninstall" => Some(PERSON_ONLY.to_owned()),
        "hook" => Some(HOOK_BY_HAND.to_owned()),
        _ => None,
    }
}

enum ScriptFile {
    Text(String),
    Missing,
    Binary,
    Unreadable(&'static str),
}

/// A script file's text, read bounded, from regular files only.
fn read_script(path: &Path) -> ScriptFile {
    let Ok(metadata) = std::fs::metadata(path) else {
        return ScriptFile::Missing;
    };
    if !metadata.is_file() {
        return ScriptFile::Unreadable("is not a regular file");
    }
    if metadata.len() > MAX_SCRIPT_BYTES {
        return ScriptFile::Unreadable("is too large to check");
    }
    match std::fs::read(path) {
        Ok(bytes) if bytes.contains(&0) => ScriptFile::Binary,
        Ok(bytes) => ScriptFile::Text(String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => ScriptFile::Unreadable("cannot be read"),
    }
}

/// `env X=1 cmd`, `sudo cmd`, `command cmd`, `nohup cmd`, `time -p cmd`, `exec cmd`: the command
/// (the one reading [`git_command`](super::git_command) acts on).
pub(super) fn unwrap_wrappers(words: &[String]) -> Vec<String> {
    let mut rest = words;
    loop {
        let Some(first) = rest.first() else {
            return Vec::new();
        };
        match first.as_str() {
            "sudo" | "command" | "nohup" | "time" | "exec" | "builtin" => {
                rest = &rest[1..];
                while rest.first().is_some_and(|w| w.starts_with('-')) {
                    rest = &rest[1..];
                }
            }
            "env" => {
                let skip = rest[1..]
                    .iter()
                    .take_while(|w| w.starts_with('-') || w.contains('='))
                    .count();
                rest = &rest[1 + skip..];
            }
            "timeout" | "nice" => {
                rest = &rest[rest
                    .iter()
                    .skip(1)
                    .position(|w| {
                        !w.starts_with('-') && w.parse::<f64>().is_err() && !w.ends_with('s')
                    })
                    .map_or(rest.len(), |p| p + 1)..];
            }
            _ => return rest.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests;
