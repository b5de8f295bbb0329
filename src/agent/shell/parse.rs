//! From tokens to the simple commands a script runs, in order: compound commands (`if`,
//! loops, `case`, groups, subshells, functions, `[[ ]]`, `(( ))`) are read for the commands in
//! them; words are expanded with the variables the script sets where that is certain; the
//! substitutions a word runs and the scripts a command hands a shell are read too.

use std::collections::HashMap;

use super::expand::{self, Ch, Kind};
use super::lex::{self, Op, Piece, RedirectKind, Token, Word};
use super::{Command, NAME, Reading, SPLIT, Script, Stdin, UNKNOWN};

/// The most commands one reading holds; a script with more is unreadable.
const MAX_COMMANDS: usize = 20_000;

/// How deep compound commands may nest; deeper is unreadable.
const MAX_FRAMES: usize = 256;

/// The most text variable values may add to one reading's words; beyond it the script is
/// unreadable (`C="$B$B$B..."` chains grow without bound otherwise).
const MAX_EXPANSION: usize = 512 << 10;

/// Shell variables as far as they are known.
#[derive(Debug, Clone, Default)]
pub(super) struct Vars {
    /// `Some(value)` where certain; `None` where set in a way that cannot be followed.
    values: HashMap<String, Option<String>>,
    /// After a function definition, `eval`, `source` or an `IFS` change, nothing is certain.
    poisoned: bool,
    /// `$0` and `$1 ...` when certain (`sh -c TEXT NAME ARGS`, `set -- ARGS`).
    positional: Option<Vec<String>>,
}

impl Vars {
    /// The variables a script run as `sh -c TEXT $0 $1...` starts with.
    pub(super) fn with_args(&self, args: Option<Vec<String>>) -> Vars {
        let mut vars = self.clone();
        if let Some(args) = args {
            vars.positional = Some(args);
        }
        vars
    }
}

/// Reads `tokens` (a script at nesting `depth`) into `out`.
pub(super) fn read(tokens: &[Token], depth: usize, vars: Vars, out: &mut Reading) {
    let mut parser = Parser {
        tokens,
        out,
        vars,
        depth,
        frames: Vec::new(),
        mode: Mode::Normal,
        pending: Pending::default(),
        after_pipe: false,
        conditional: false,
        skip_options: false,
        expanded: 0,
    };
    parser.run();
}

/// Reads a script's text (what `sh -c` or `eval` is given) one level deeper.
pub(super) fn read_text(text: &str, depth: usize, vars: Vars, out: &mut Reading) {
    if depth > lex::MAX_DEPTH {
        out.unreadable(format!(
            "it nests scripts more than {} levels deep",
            lex::MAX_DEPTH
        ));
        return;
    }
    let lexed = lex::tokenize(text, depth);
    if lexed.too_deep {
        out.unreadable(format!(
            "it nests substitutions more than {} levels deep",
            lex::MAX_DEPTH
        ));
    }
    read(&lexed.tokens, depth, vars, out);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    If,
    Loop,
    Case { patterns: bool },
    Brace,
    Subshell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Normal,
    ForName,
    ForList,
    CaseWord,
    Test,
    FunctionName,
}

#[derive(Default)]
struct Pending<'t> {
    assignments: Vec<(String, Word)>,
    words: Vec<&'t Word>,
    redirects: Vec<&'t lex::Redirect>,
}

impl Pending<'_> {
    fn is_empty(&self) -> bool {
        self.assignments.is_empty() && self.words.is_empty() && self.redirects.is_empty()
    }
}

struct Parser<'o, 't> {
    tokens: &'t [Token],
    out: &'o mut Reading,
    vars: Vars,
    depth: usize,
    frames: Vec<Frame>,
    mode: Mode,
    pending: Pending<'t>,
    /// The command being read gets its stdin from a pipe.
    after_pipe: bool,
    /// The command being read runs only if an earlier one succeeded or failed (`&&`, `||`).
    conditional: bool,
    /// After `time`: its options (`-p`) are not the command.
    skip_options: bool,
    /// Text variable values have added to words so far (bounded by [`MAX_EXPANSION`]).
    expanded: usize,
}

impl<'t> Parser<'_, 't> {
    fn run(&mut self) {
        let tokens = self.tokens;
        let mut i = 0;
        while i < tokens.len() {
            if self.out.commands.len() > MAX_COMMANDS {
                self.out
                    .unreadable("it holds too many commands to read".to_owned());
                return;
            }
            if self.frames.len() > MAX_FRAMES {
                self.out.unreadable(format!(
                    "it nests compound commands more than {MAX_FRAMES} levels deep"
                ));
                return;
            }
            match &tokens[i] {
                Token::Word(word) => self.word(word),
                Token::Redirect(redirect) => {
                    if self.mode == Mode::Normal && !self.in_patterns() {
                        self.pending.redirects.push(redirect);
                    } else {
                        self.expand(&redirect.target, false);
                    }
                }
                Token::Arith(word) => {
                    self.expand(word, false);
                    if self.mode == Mode::ForName {
                        // `for ((i = 0; i < n; i++))`
                        self.mode = Mode::ForList;
                    }
                }
                Token::Op(Op::Open)
                    if self.pending.words.len() == 1
                        && self.pending.assignments.is_empty()
                        && self.pending.redirects.is_empty()
                        && matches!(tokens.get(i + 1), Some(Token::Op(Op::Close))) =>
                {
                    // `name () body`: a function. Its body is read like any commands; once
                    // functions exist, a call may set any variable.
                    if let Some(name) = self.pending.words[0].plain() {
                        self.out.functions.push(name.to_owned());
                    }
                    self.pending = Pending::default();
                    self.vars.poisoned = true;
                    i += 1;
                }
                Token::Op(op) => self.op(*op),
            }
            i += 1;
        }
        self.finish(None);
    }

    fn in_patterns(&self) -> bool {
        matches!(self.frames.last(), Some(Frame::Case { patterns: true }))
    }

    fn set_patterns(&mut self, value: bool) {
        if let Some(Frame::Case { patterns }) = self.frames.last_mut() {
            *patterns = value;
        }
    }

    fn pop(&mut self, kind: fn(&Frame) -> bool) {
        if let Some(at) = self.frames.iter().rposition(kind) {
            self.frames.truncate(at);
        }
    }

    #[expect(
        clippy::too_many_lines,
        reason = "one arm per reserved word: the grammar reads best in one place"
    )]
    fn word(&mut self, word: &'t Word) {
        let plain = word.plain();
        match self.mode {
            Mode::ForName => {
                if let Some(name) = plain {
                    self.vars.values.insert(name.to_owned(), None);
                }
                self.mode = Mode::ForList;
                return;
            }
            Mode::ForList => {
                if plain == Some("do") {
                    self.mode = Mode::Normal;
                } else {
                    self.expand(word, false);
                }
                return;
            }
            Mode::CaseWord => {
                if plain == Some("in") {
                    self.set_patterns(true);
                    self.mode = Mode::Normal;
                } else {
                    self.expand(word, false);
                }
                return;
            }
            Mode::Test => {
                if plain == Some("]]") {
                    self.mode = Mode::Normal;
                } else {
                    self.expand(word, false);
                }
                return;
            }
            Mode::FunctionName => {
                if let Some(name) = plain {
                    self.out.functions.push(name.to_owned());
                }
                self.mode = Mode::Normal;
                return;
            }
            Mode::Normal => {}
        }
        if self.in_patterns() {
            if plain == Some("esac") {
                self.pop(|f| matches!(f, Frame::Case { .. }));
            } else {
                self.expand(word, false);
            }
            return;
        }
        let at_start = self.pending.words.is_empty();
        if at_start && self.pending.assignments.is_empty() && self.pending.redirects.is_empty() {
            if self.skip_options && plain.is_some_and(|p| p.starts_with('-')) {
                return;
            }
            self.skip_options = false;
            if let Some(reserved) = plain {
                let known = match reserved {
                    "if" => {
                        self.frames.push(Frame::If);
                        true
                    }
                    "while" | "until" => {
                        self.frames.push(Frame::Loop);
                        true
                    }
                    "for" | "select" => {
                        self.frames.push(Frame::Loop);
                        self.mode = Mode::ForName;
                        true
                    }
                    "case" => {
                        self.frames.push(Frame::Case { patterns: false });
                        self.mode = Mode::CaseWord;
                        true
                    }
                    "{" => {
                        self.frames.push(Frame::Brace);
                        true
                    }
                    "fi" => {
                        self.pop(|f| *f == Frame::If);
                        true
                    }
                    "done" => {
                        self.pop(|f| *f == Frame::Loop);
                        true
                    }
                    "esac" => {
                        self.pop(|f| matches!(f, Frame::Case { .. }));
                        true
                    }
                    "}" => {
                        self.pop(|f| *f == Frame::Brace);
                        true
                    }
                    "[[" => {
                        self.mode = Mode::Test;
                        true
                    }
                    "function" => {
                        self.vars.poisoned = true;
                        self.mode = Mode::FunctionName;
                        true
                    }
                    "time" => {
                        self.skip_options = true;
                        true
                    }
                    "then" | "else" | "elif" | "do" | "!" | "coproc" => true,
                    _ => false,
                };
                if known {
                    return;
                }
            }
        }
        if at_start && let Some((name, value)) = assignment(word) {
            self.pending.assignments.push((name, value));
            return;
        }
        self.pending.words.push(word);
    }

    fn op(&mut self, op: Op) {
        match self.mode {
            Mode::ForList if matches!(op, Op::Semi | Op::Newline) => {
                self.mode = Mode::Normal;
                return;
            }
            Mode::ForName | Mode::ForList | Mode::CaseWord | Mode::Test | Mode::FunctionName => {
                if op == Op::Open || op == Op::Close || self.mode == Mode::Test {
                    return;
                }
            }
            Mode::Normal => {}
        }
        if self.in_patterns() {
            // `(` before a pattern, `|` between patterns, `)` after them.
            if op == Op::Close {
                self.set_patterns(false);
            }
            return;
        }
        match op {
            Op::Open => {
                self.finish(None);
                self.frames.push(Frame::Subshell);
            }
            Op::Close => {
                self.finish(None);
                self.pop(|f| *f == Frame::Subshell);
            }
            Op::CaseEnd => {
                self.finish(Some(op));
                self.set_patterns(true);
            }
            Op::Semi | Op::Newline | Op::Amp | Op::And | Op::Or | Op::Pipe => {
                self.finish(Some(op));
            }
        }
        match op {
            Op::And | Op::Or => self.conditional = true,
            Op::Pipe => self.after_pipe = true,
            Op::Semi | Op::Newline | Op::Amp | Op::CaseEnd => {
                self.conditional = false;
                self.after_pipe = false;
            }
            Op::Open | Op::Close => {}
        }
    }

    /// Ends the command being read: expands it, records it, reads what it runs, and applies
    /// what it does to variables.
    fn finish(&mut self, terminator: Option<Op>) {
        if self.pending.is_empty() {
            if terminator != Some(Op::Pipe) {
                self.after_pipe = false;
            }
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        let in_pipeline = self.after_pipe || terminator == Some(Op::Pipe);
        let plain = self.depth == 0
            && self.frames.is_empty()
            && !in_pipeline
            && !self.conditional
            && terminator != Some(Op::Amp);
        let mut words: Vec<String> = Vec::new();
        for word in &pending.words {
            words.extend(self.expand(word, true));
        }
        let mut stdin = if self.after_pipe {
            Stdin::Pipe
        } else {
            Stdin::Inherited
        };
        let mut redirects = Vec::new();
        for redirect in &pending.redirects {
            match redirect.kind {
                RedirectKind::Write => redirects.extend(self.expand(&redirect.target, false)),
                RedirectKind::Read => stdin = Stdin::File(self.expand_one(&redirect.target)),
                RedirectKind::Text => stdin = Stdin::Text(self.expand_one(&redirect.target)),
                RedirectKind::Dup => {}
            }
        }
        let mut assignments = Vec::new();
        for (name, value) in &pending.assignments {
            let value = self.expand_one(value);
            if words.is_empty() {
                // Assignments alone set shell variables, one after the other.
                self.set(name, &value, plain);
            }
            assignments.push((name.clone(), value));
        }
        let command = Command {
            assignments,
            words,
            redirects,
            stdin,
            plain,
        };
        let scripts = super::scripts(&command);
        let program = command
            .words
            .first()
            .map(|w| super::program_name(w).to_owned())
            .unwrap_or_default();
        self.effects(&command, plain);
        self.out.commands.push(command);
        for script in scripts {
            match script {
                Script::Text {
                    text,
                    same_shell,
                    args,
                } => {
                    if text.contains([UNKNOWN, SPLIT]) {
                        let shown: String = text
                            .chars()
                            .take(60)
                            .map(|c| if c == UNKNOWN || c == NAME { '…' } else { c })
                            .collect();
                        self.out.unreadable(format!(
                            "`{program}` runs shell text that is only known when it runs \
                             (`{shown}`)"
                        ));
                        continue;
                    }
                    let vars = self.child_vars().with_args(args);
                    read_text(&text, self.depth + 1, vars, self.out);
                    if same_shell {
                        self.vars.poisoned = true;
                    }
                }
                Script::Unreadable(why) => self.out.unreadable(why),
                Script::File(_) | Script::Stdin => {}
            }
        }
        if terminator != Some(Op::Pipe) {
            self.after_pipe = false;
        }
    }

    /// What a command does to the shell's variables.
    fn effects(&mut self, command: &Command, plain: bool) {
        let mut words = command.words.as_slice();
        while let Some(first) = words.first()
            && matches!(first.as_str(), "builtin" | "command")
        {
            words = &words[1..];
        }
        let Some(program) = words.first() else { return };
        let args = &words[1..];
        match program.as_str() {
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                for arg in args {
                    if arg.starts_with('-') {
                        if arg.contains('n') {
                            self.vars.poisoned = true;
                        }
                    } else if let Some((name, value)) = arg.split_once('=') {
                        let bare = name.trim_end_matches('+');
                        let value = if name.contains('[') {
                            UNKNOWN.to_string()
                        } else if name.ends_with('+') {
                            let before = self.lookup(bare).unwrap_or_else(|| UNKNOWN.to_string());
                            format!("{before}{value}")
                        } else {
                            value.to_owned()
                        };
                        let bare = bare.split('[').next().unwrap_or(bare);
                        self.set(bare, &value, plain);
                    }
                }
            }
            "read" | "mapfile" | "readarray" | "getopts" | "unset" => {
                for arg in args.iter().filter(|a| !a.starts_with('-')) {
                    self.vars.values.insert(arg.clone(), None);
                }
            }
            "printf" if args.first().is_some_and(|a| a == "-v") => {
                if let Some(name) = args.get(1) {
                    self.vars.values.insert(name.clone(), None);
                }
            }
            "eval" | "source" | "." | "alias" | "enable" => self.vars.poisoned = true,
            "set" => {
                let operands: Vec<&String> = match args.first().map(String::as_str) {
                    Some("--") => args[1..].iter().collect(),
                    Some(a) if !a.starts_with(['-', '+']) => args.iter().collect(),
                    _ => return,
                };
                let zero = self
                    .vars
                    .positional
                    .as_ref()
                    .and_then(|p| p.first().cloned())
                    .unwrap_or_else(|| UNKNOWN.to_string());
                self.vars.positional = (plain && !operands.iter().any(|o| o.contains(UNKNOWN)))
                    .then(|| {
                        std::iter::once(zero)
                            .chain(operands.into_iter().cloned())
                            .collect()
                    });
            }
            "shift" => {
                let n = args.first().and_then(|a| a.parse().ok()).unwrap_or(1);
                if let Some(positional) = &mut self.vars.positional
                    && plain
                    && positional.len() > n
                {
                    positional.drain(1..=n);
                } else {
                    self.vars.positional = None;
                }
            }
            _ => {}
        }
    }

    fn set(&mut self, name: &str, value: &str, plain: bool) {
        if name == "IFS" {
            self.vars.poisoned = true;
        }
        let known = plain && !value.contains(UNKNOWN);
        self.vars
            .values
            .insert(name.to_owned(), known.then(|| value.to_owned()));
    }

    /// [`Parser::lookup`] for a value a word takes in: within the reading's budget, else
    /// unknown (and the script unreadable).
    fn expansion(&mut self, name: &str) -> Option<String> {
        let value = self.lookup(name)?;
        self.expanded += value.len();
        if self.expanded > MAX_EXPANSION {
            self.out.unreadable(format!(
                "its variables expand to more than {} KiB of text",
                MAX_EXPANSION >> 10
            ));
            return None;
        }
        Some(value)
    }

    fn lookup(&self, name: &str) -> Option<String> {
        if self.vars.poisoned || self.frames.contains(&Frame::Loop) {
            return None;
        }
        if let Ok(n) = name.parse::<usize>() {
            let positional = self.vars.positional.as_ref()?;
            return Some(positional.get(n).cloned().unwrap_or_default());
        }
        if name == "@" || name == "*" {
            return self.vars.positional.as_ref().map(|p| p[1..].join(" "));
        }
        match self.vars.values.get(name) {
            Some(value) => value.clone(),
            None if name == "HOME" => std::env::var("HOME").ok(),
            None => None,
        }
    }

    /// Variables a nested script starts with: these, unless a loop makes them uncertain.
    fn child_vars(&self) -> Vars {
        let mut vars = self.vars.clone();
        vars.poisoned |= self.frames.contains(&Frame::Loop);
        vars
    }

    /// Reads the substitutions a word runs, then expands it: to its fields (`split`, with
    /// brace expansion), or to every brace alternative unsplit.
    fn expand(&mut self, word: &Word, split: bool) -> Vec<String> {
        self.runs(word);
        let mut chars: Vec<Ch> = Vec::new();
        for piece in &word.pieces {
            match piece {
                Piece::Text { text, quoted } => {
                    chars.extend(text.chars().map(|c| Ch::literal(c, *quoted)));
                }
                Piece::Var { name, quoted } => {
                    // `"$@"` is one word per parameter, quoted or not.
                    let quoted = *quoted && name != "@";
                    match self.expansion(name) {
                        Some(value) => chars.extend(value.chars().map(|c| value_char(c, quoted))),
                        None => chars.push(unknown(false, !quoted)),
                    }
                }
                Piece::Unknown { quoted } => chars.push(unknown(false, !quoted)),
                Piece::Sub { run, quoted } => {
                    let name = word.runs.get(*run).is_some_and(|r| names_a_commit(r));
                    chars.push(unknown(name, !quoted && !name));
                }
            }
        }
        let chars = self.tilde(chars);
        // Past its bounds a brace expansion is unreadable (denied), never an unknown word: an
        // unknown write target would pass the guard.
        let alternatives = expand::braces_bounded(chars).unwrap_or_else(|| {
            self.out.unreadable(
                "a brace expansion in it makes more words than backstop reads".to_owned(),
            );
            vec![vec![unknown(false, false)]]
        });
        if split {
            let quoted = word.has_quotes();
            alternatives
                .into_iter()
                .flat_map(|w| expand::fields(w, quoted))
                .map(|w| expand::render(&w))
                .collect()
        } else {
            alternatives.iter().map(|w| expand::render(w)).collect()
        }
    }

    /// A word expanded to one text (assignment values, here-documents, stdin files).
    fn expand_one(&mut self, word: &Word) -> String {
        self.runs(word);
        let mut text = String::new();
        for piece in &word.pieces {
            match piece {
                Piece::Text { text: t, .. } => text.push_str(t),
                Piece::Var { name, .. } => match self.expansion(name) {
                    Some(value) => text.push_str(&value.replace(SPLIT, &UNKNOWN.to_string())),
                    None => text.push(UNKNOWN),
                },
                Piece::Unknown { .. } => text.push(UNKNOWN),
                Piece::Sub { run, .. } => {
                    let names = word.runs.get(*run).is_some_and(|r| names_a_commit(r));
                    text.push(if names { NAME } else { UNKNOWN });
                }
            }
        }
        text
    }

    /// Reads the command substitutions a word runs.
    fn runs(&mut self, word: &Word) {
        for run in &word.runs {
            if self.depth + 1 > lex::MAX_DEPTH {
                self.out.unreadable(format!(
                    "it nests substitutions more than {} levels deep",
                    lex::MAX_DEPTH
                ));
                return;
            }
            read(run, self.depth + 1, self.child_vars(), self.out);
        }
    }

    /// `~` and `~/...` at the start of a word: the home directory.
    fn tilde(&self, chars: Vec<Ch>) -> Vec<Ch> {
        if chars.first() != Some(&Ch::literal('~', false)) {
            return chars;
        }
        let end = chars.iter().position(|c| c.c == '/').unwrap_or(chars.len());
        let mut out: Vec<Ch> = if end == 1 {
            match self.lookup("HOME") {
                Some(home) => home.chars().map(|c| value_char(c, true)).collect(),
                None => vec![unknown(false, false)],
            }
        } else {
            // `~user`: someone's home directory.
            vec![unknown(false, false)]
        };
        out.extend_from_slice(&chars[end..]);
        out
    }
}

fn unknown(name: bool, split: bool) -> Ch {
    Ch {
        c: if name { NAME } else { UNKNOWN },
        kind: Kind::Unknown { name, split },
    }
}

/// A character of a variable's value (which may itself hold unknown parts).
fn value_char(c: char, quoted: bool) -> Ch {
    match c {
        UNKNOWN | SPLIT => unknown(false, !quoted),
        NAME => unknown(true, false),
        _ => Ch {
            c,
            kind: Kind::Expanded { quoted },
        },
    }
}

/// `NAME=value` (also `NAME+=`, `NAME[i]=`): the name and the value's word. `NAME+=v` is
/// `NAME=$NAME` followed by `v`; after `NAME[i]=v`, `$NAME` is only known when it runs.
fn assignment(word: &Word) -> Option<(String, Word)> {
    let Some(Piece::Text {
        text,
        quoted: false,
    }) = word.pieces.first()
    else {
        return None;
    };
    let (name, rest) = text.split_once('=')?;
    let bare = name.strip_suffix('+').unwrap_or(name);
    let bare = bare.split('[').next().unwrap_or(bare);
    if bare.is_empty()
        || bare.starts_with(|c: char| c.is_ascii_digit())
        || !bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    let mut value = word.clone();
    value.pieces[0] = Piece::Text {
        text: rest.to_owned(),
        quoted: false,
    };
    if name.contains('[') {
        value.pieces.insert(0, Piece::Unknown { quoted: true });
    } else if name.ends_with('+') {
        value.pieces.insert(
            0,
            Piece::Var {
                name: bare.to_owned(),
                quoted: true,
            },
        );
    }
    Some((bare.to_owned(), value))
}

/// Whether a substitution prints a ref name or a commit id (`git branch --show-current`,
/// `git rev-parse --abbrev-ref HEAD`): git refuses names that start with `-`, so its output is
/// never an option.
fn names_a_commit(run: &[Token]) -> bool {
    let words: Option<Vec<&str>> = run
        .iter()
        .filter(|t| !matches!(t, Token::Op(Op::Newline)))
        .map(|t| match t {
            Token::Word(w) => w.plain(),
            _ => None,
        })
        .collect();
    let operands = |rest: &[&str], flags: &[&str]| {
        rest.iter()
            .all(|a| flags.contains(a) || !a.starts_with('-'))
    };
    match words.as_deref() {
        Some(["git", "branch", "--show-current"]) => true,
        Some(["git", "rev-parse", rest @ ..]) => {
            !rest.is_empty()
                && operands(
                    rest,
                    &[
                        "--abbrev-ref",
                        "--short",
                        "--verify",
                        "-q",
                        "--quiet",
                        "--symbolic-full-name",
                    ],
                )
        }
        Some(["git", "symbolic-ref", rest @ ..]) => operands(rest, &["--short", "-q", "--quiet"]),
        Some(["git", "merge-base", rest @ ..]) => operands(rest, &[]),
        _ => false,
    }
}
