//! Tokens of a shell command line: words (as pieces: literal text, variables, unknown values
//! and the command substitutions they run), operators, and redirections with their targets and
//! here-document bodies. Quoting is decided here, once; nothing is expanded yet.

use super::expand::ansi_c;

/// How deep substitutions may nest (`$(...)` in `$(...)`...); deeper is unreadable.
pub(super) const MAX_DEPTH: usize = 16;

/// The longest arithmetic expression read as one.
const MAX_ARITHMETIC: usize = 1024;

/// Part of a word, before expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    /// Literal text.
    Text { text: String, quoted: bool },
    /// `$NAME` or `${NAME}`.
    Var { name: String, quoted: bool },
    /// A value nothing here can know (`$1`, `${x%y}`, `$((...))`).
    Unknown { quoted: bool },
    /// The output of a command substitution, whose commands are the word's `runs[run]`.
    Sub { run: usize, quoted: bool },
}

/// A word: its pieces, and the scripts its expansion runs (command substitutions).
#[derive(Debug, Clone, Default)]
pub(super) struct Word {
    pub pieces: Vec<Piece>,
    pub runs: Vec<Vec<Token>>,
}

impl Word {
    /// The word as written, when it is plain unquoted text (how reserved words are told).
    pub fn plain(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [
                Piece::Text {
                    text,
                    quoted: false,
                },
            ] if self.runs.is_empty() => Some(text),
            _ => None,
        }
    }

    /// Whether any part of the word was quoted (so an empty `""` is still a word).
    pub fn has_quotes(&self) -> bool {
        self.pieces.iter().any(|p| match p {
            Piece::Text { quoted, .. }
            | Piece::Var { quoted, .. }
            | Piece::Unknown { quoted }
            | Piece::Sub { quoted, .. } => *quoted,
        })
    }

    fn push_char(&mut self, c: char, quoted: bool) {
        if let Some(Piece::Text { text, quoted: q }) = self.pieces.last_mut()
            && *q == quoted
        {
            text.push(c);
            return;
        }
        self.pieces.push(Piece::Text {
            text: c.to_string(),
            quoted,
        });
    }

    /// Marks the word as quoted even when the quotes held nothing.
    fn mark_quoted(&mut self) {
        self.pieces.push(Piece::Text {
            text: String::new(),
            quoted: true,
        });
    }

    fn push_run(&mut self, run: Vec<Token>, quoted: bool) {
        self.runs.push(run);
        self.pieces.push(Piece::Sub {
            run: self.runs.len() - 1,
            quoted,
        });
    }
}

/// A token of the command line.
#[derive(Debug, Clone)]
pub(super) enum Token {
    Word(Word),
    Op(Op),
    Redirect(Redirect),
    /// `(( ... ))`: arithmetic; only the substitutions in it (the word's runs) run.
    Arith(Word),
}

/// Control operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Semi,
    Newline,
    Amp,
    And,
    Or,
    Pipe,
    Open,
    Close,
    /// `;;`, `;&`, `;;&`: the end of a `case` item.
    CaseEnd,
}

/// A redirection and what it names.
#[derive(Debug, Clone)]
pub(super) struct Redirect {
    pub kind: RedirectKind,
    /// The file; for here-documents and here-strings, the text itself.
    pub target: Word,
}

/// What a redirection does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RedirectKind {
    /// Opens the file for writing (`>`, `>>`, `>|`, `<>`, `&>`, `>&file`).
    Write,
    /// Reads the file as stdin (`<`).
    Read,
    /// Stdin is the text (here-document, here-string).
    Text,
    /// Duplicates a descriptor (`2>&1`, `<&0`, `>&-`): no file.
    Dup,
}

/// The tokens of a script, and whether it nests deeper than [`MAX_DEPTH`].
pub(super) struct Lexed {
    pub tokens: Vec<Token>,
    pub too_deep: bool,
}

/// Tokenizes `script` at nesting `depth`.
pub(super) fn tokenize(script: &str, depth: usize) -> Lexed {
    let chars: Vec<char> = script.chars().collect();
    let mut lexer = Lexer::new(&chars, depth);
    let tokens = lexer.tokens(false);
    Lexed {
        tokens,
        too_deep: lexer.too_deep,
    }
}

struct PendingHeredoc {
    token: usize,
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
}

struct Lexer<'a> {
    chars: &'a [char],
    pos: usize,
    depth: usize,
    too_deep: bool,
    heredocs: Vec<PendingHeredoc>,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl<'a> Lexer<'a> {
    fn new(chars: &'a [char], depth: usize) -> Lexer<'a> {
        Lexer {
            chars,
            pos: 0,
            depth,
            too_deep: false,
            heredocs: Vec::new(),
        }
    }

    fn at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    /// Tokens up to the end, or (`until_close`) up to an unmatched `)`, which is left unread.
    fn tokens(&mut self, until_close: bool) -> Vec<Token> {
        let mut tokens = Vec::new();
        let mut parens = 0usize;
        loop {
            self.skip_blanks();
            let Some(c) = self.at(0) else { break };
            match c {
                '#' => {
                    while self.at(0).is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                '\n' => {
                    self.pos += 1;
                    tokens.push(Token::Op(Op::Newline));
                    self.heredoc_bodies(&mut tokens);
                }
                ';' => {
                    let op = match (self.at(1), self.at(2)) {
                        (Some(';'), Some('&')) => {
                            self.pos += 3;
                            Op::CaseEnd
                        }
                        (Some(';' | '&'), _) => {
                            self.pos += 2;
                            Op::CaseEnd
                        }
                        _ => {
                            self.pos += 1;
                            Op::Semi
                        }
                    };
                    tokens.push(Token::Op(op));
                }
                '&' => match self.at(1) {
                    Some('&') => {
                        self.pos += 2;
                        tokens.push(Token::Op(Op::And));
                    }
                    Some('>') => {
                        self.pos += 2;
                        if self.at(0) == Some('>') {
                            self.pos += 1;
                        }
                        let target = self.target();
                        tokens.push(Token::Redirect(Redirect {
                            kind: RedirectKind::Write,
                            target,
                        }));
                    }
                    _ => {
                        self.pos += 1;
                        tokens.push(Token::Op(Op::Amp));
                    }
                },
                '|' => {
                    let op = if self.at(1) == Some('|') {
                        self.pos += 2;
                        Op::Or
                    } else {
                        self.pos += if self.at(1) == Some('&') { 2 } else { 1 };
                        Op::Pipe
                    };
                    tokens.push(Token::Op(op));
                }
                '(' => {
                    if self.at(1) == Some('(')
                        && let Some(end) = self.arithmetic_end(self.pos + 2)
                    {
                        let inner = &self.chars[self.pos + 2..end - 2];
                        let word = self.substitutions_in(inner);
                        self.pos = end;
                        tokens.push(Token::Arith(word));
                    } else {
                        parens += 1;
                        self.pos += 1;
                        tokens.push(Token::Op(Op::Open));
                    }
                }
                ')' => {
                    if until_close && parens == 0 {
                        break;
                    }
                    parens = parens.saturating_sub(1);
                    self.pos += 1;
                    tokens.push(Token::Op(Op::Close));
                }
                '<' | '>' if self.at(1) != Some('(') => self.redirect(&mut tokens),
                '{' if self.fd_variable_redirect() => self.redirect(&mut tokens),
                d if d.is_ascii_digit() && self.fd_redirect() => self.redirect(&mut tokens),
                _ => {
                    let word = self.word();
                    tokens.push(Token::Word(word));
                }
            }
        }
        tokens
    }

    fn skip_blanks(&mut self) {
        loop {
            match (self.at(0), self.at(1)) {
                (Some(' ' | '\t' | '\r'), _) => self.pos += 1,
                (Some('\\'), Some('\n')) => self.pos += 2,
                _ => return,
            }
        }
    }

    /// `2>`, `10<`: digits right before a redirection operator name a descriptor.
    fn fd_redirect(&mut self) -> bool {
        let mut j = self.pos;
        while self.chars.get(j).is_some_and(char::is_ascii_digit) {
            j += 1;
        }
        if matches!(self.chars.get(j), Some('<' | '>')) && self.chars.get(j + 1) != Some(&'(') {
            self.pos = j;
            return true;
        }
        false
    }

    /// `{fd}>file` (bash's named descriptors).
    fn fd_variable_redirect(&mut self) -> bool {
        let mut j = self.pos + 1;
        while self.chars.get(j).is_some_and(|c| is_name(*c)) {
            j += 1;
        }
        if j > self.pos + 1
            && self.chars.get(j) == Some(&'}')
            && matches!(self.chars.get(j + 1), Some('<' | '>'))
        {
            self.pos = j + 1;
            return true;
        }
        false
    }

    fn redirect(&mut self, tokens: &mut Vec<Token>) {
        let first = self.at(0).unwrap_or('>');
        self.pos += 1;
        let op: &str = match (first, self.at(0), self.at(1)) {
            ('>', Some('>'), _) => ">>",
            ('>', Some('|'), _) => ">|",
            ('>', Some('&'), _) => ">&",
            ('<', Some('<'), Some('<')) => "<<<",
            ('<', Some('<'), Some('-')) => "<<-",
            ('<', Some('<'), _) => "<<",
            ('<', Some('>'), _) => "<>",
            ('<', Some('&'), _) => "<&",
            ('>', ..) => ">",
            _ => "<",
        };
        self.pos += op.len() - 1;
        let (kind, target) = match op {
            ">" | ">>" | ">|" | "<>" => (RedirectKind::Write, self.target()),
            "<" => (RedirectKind::Read, self.target()),
            "<<<" => (RedirectKind::Text, self.target()),
            "<<" | "<<-" => {
                let (delimiter, quoted) = self.delimiter();
                self.heredocs.push(PendingHeredoc {
                    token: tokens.len(),
                    delimiter,
                    strip_tabs: op == "<<-",
                    quoted,
                });
                (RedirectKind::Text, Word::default())
            }
            _ => {
                let target = self.target();
                let duplicates = target.plain().is_some_and(|t| {
                    !t.is_empty() && t.trim_end_matches('-').chars().all(|c| c.is_ascii_digit())
                });
                match (duplicates, op) {
                    (true, _) => (RedirectKind::Dup, target),
                    (false, ">&") => (RedirectKind::Write, target),
                    (false, _) => (RedirectKind::Read, target),
                }
            }
        };
        tokens.push(Token::Redirect(Redirect { kind, target }));
    }

    fn target(&mut self) -> Word {
        self.skip_blanks();
        match self.at(0) {
            None | Some('\n' | ';' | '&' | '|' | ')') => Word::default(),
            _ => self.word(),
        }
    }

    /// A here-document's delimiter with quotes removed, and whether it was quoted.
    fn delimiter(&mut self) -> (String, bool) {
        self.skip_blanks();
        let mut text = String::new();
        let mut quoted = false;
        while let Some(c) = self.at(0) {
            match c {
                ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>' => break,
                '\'' | '"' => {
                    quoted = true;
                    self.pos += 1;
                    while let Some(d) = self.at(0) {
                        self.pos += 1;
                        if d == c {
                            break;
                        }
                        text.push(d);
                    }
                }
                '\\' => {
                    quoted = true;
                    if let Some(d) = self.at(1) {
                        text.push(d);
                    }
                    self.pos += 2;
                }
                _ => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        (text, quoted)
    }

    /// After a newline: the bodies of the here-documents its line started.
    fn heredoc_bodies(&mut self, tokens: &mut [Token]) {
        for pending in std::mem::take(&mut self.heredocs) {
            let mut body = String::new();
            while self.pos < self.chars.len() {
                let end = (self.pos..self.chars.len())
                    .find(|&k| self.chars[k] == '\n')
                    .unwrap_or(self.chars.len());
                let line: String = self.chars[self.pos..end].iter().collect();
                self.pos = (end + 1).min(self.chars.len());
                let line = if pending.strip_tabs {
                    line.trim_start_matches('\t').to_owned()
                } else {
                    line
                };
                if line == pending.delimiter {
                    break;
                }
                body.push_str(&line);
                body.push('\n');
            }
            let word = if pending.quoted {
                Word {
                    pieces: vec![Piece::Text {
                        text: body,
                        quoted: true,
                    }],
                    runs: Vec::new(),
                }
            } else {
                let chars: Vec<char> = body.chars().collect();
                let mut inner = Lexer::new(&chars, self.depth);
                let mut word = Word::default();
                inner.double_quoted(&mut word, true);
                self.too_deep |= inner.too_deep;
                word
            };
            if let Some(Token::Redirect(redirect)) = tokens.get_mut(pending.token) {
                redirect.target = word;
            }
        }
    }

    fn word(&mut self) -> Word {
        let mut word = Word::default();
        while let Some(c) = self.at(0) {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | ')' => break,
                '(' => {
                    // `NAME=(...)`: an array; its elements expand (and may run substitutions).
                    let array = word.plain().is_some_and(|t| {
                        t.strip_suffix('=')
                            .map(|n| n.strip_suffix('+').unwrap_or(n))
                            .is_some_and(|n| {
                                n.chars().next().is_some_and(is_name_start)
                                    && n.chars().all(|c| is_name(c) || c == '[' || c == ']')
                            })
                    });
                    if !array {
                        break;
                    }
                    self.pos += 1;
                    let inner = self.nested();
                    self.pos += 1;
                    word.pieces.push(Piece::Unknown { quoted: false });
                    word.runs.extend(runs_of(inner));
                }
                '<' | '>' => {
                    if self.at(1) != Some('(') {
                        break;
                    }
                    // Process substitution: its commands run; the word is a /dev/fd path.
                    self.pos += 2;
                    let inner = self.nested();
                    self.pos += 1;
                    word.push_run(inner, false);
                }
                '\\' => {
                    match self.at(1) {
                        Some('\n') => {}
                        Some(next) => word.push_char(next, true),
                        None => word.push_char('\\', false),
                    }
                    self.pos += 2;
                }
                '\'' => {
                    self.pos += 1;
                    word.mark_quoted();
                    while let Some(d) = self.at(0) {
                        self.pos += 1;
                        if d == '\'' {
                            break;
                        }
                        word.push_char(d, true);
                    }
                }
                '"' => {
                    self.pos += 1;
                    self.double_quoted(&mut word, false);
                }
                '$' => self.dollar(&mut word, false),
                '`' => self.backquote(&mut word, false),
                _ => {
                    word.push_char(c, false);
                    self.pos += 1;
                }
            }
        }
        word
    }

    /// The inside of double quotes (after the opening one), or of an unquoted here-document.
    fn double_quoted(&mut self, word: &mut Word, heredoc: bool) {
        word.mark_quoted();
        while let Some(c) = self.at(0) {
            match c {
                '"' if !heredoc => {
                    self.pos += 1;
                    return;
                }
                '\\' => {
                    match self.at(1) {
                        Some('\n') => {}
                        Some(n @ ('$' | '`' | '\\')) => word.push_char(n, true),
                        Some('"') if !heredoc => word.push_char('"', true),
                        Some(n) => {
                            word.push_char('\\', true);
                            word.push_char(n, true);
                        }
                        None => word.push_char('\\', true),
                    }
                    self.pos += 2;
                }
                '$' => self.dollar(word, true),
                '`' => self.backquote(word, true),
                _ => {
                    word.push_char(c, true);
                    self.pos += 1;
                }
            }
        }
    }

    fn dollar(&mut self, word: &mut Word, quoted: bool) {
        match self.at(1) {
            Some('\'') if !quoted => {
                self.pos += 2;
                let mut raw = Vec::new();
                while let Some(c) = self.at(0) {
                    self.pos += 1;
                    if c == '\'' {
                        break;
                    }
                    raw.push(c);
                    if c == '\\'
                        && let Some(n) = self.at(0)
                    {
                        raw.push(n);
                        self.pos += 1;
                    }
                }
                word.mark_quoted();
                for c in ansi_c(&raw).chars() {
                    word.push_char(c, true);
                }
            }
            Some('"') if !quoted => {
                self.pos += 2;
                self.double_quoted(word, false);
            }
            Some('(') => {
                if self.at(2) == Some('(')
                    && let Some(end) = self.arithmetic_end(self.pos + 3)
                {
                    let inner = &self.chars[self.pos + 3..end - 2];
                    let found = self.substitutions_in(inner);
                    self.pos = end;
                    word.runs.extend(found.runs);
                    word.pieces.push(Piece::Unknown { quoted });
                    return;
                }
                self.pos += 2;
                let inner = self.nested();
                self.pos += 1;
                word.push_run(inner, quoted);
            }
            Some('{') => {
                let start = self.pos + 2;
                let end = self.brace_end(start);
                let inner = &self.chars[start..end.min(self.chars.len())];
                self.pos = (end + 1).min(self.chars.len());
                let text: String = inner.iter().collect();
                let positional = !text.is_empty()
                    && (text.chars().all(|c| c.is_ascii_digit()) || text == "@" || text == "*");
                if positional
                    || (text.chars().next().is_some_and(is_name_start) && text.chars().all(is_name))
                {
                    word.pieces.push(Piece::Var { name: text, quoted });
                } else {
                    // `${X:-word}`, `${X/a/b}`, `${#X}`...: unknown, but what it runs, runs.
                    // `${A[@]}`, `${@:2}`, `${!P@}`: one word per element, quoted or not.
                    let elements = text.starts_with(['@', '*'])
                        || text.contains("[@]")
                        || text.contains("[*]")
                        || (text.starts_with('!') && text.ends_with(['@', '*']));
                    let found = self.substitutions_in(inner);
                    word.runs.extend(found.runs);
                    word.pieces.push(Piece::Unknown {
                        quoted: quoted && !elements,
                    });
                }
            }
            Some(c) if is_name_start(c) => {
                let start = self.pos + 1;
                let mut end = start;
                while self.chars.get(end).is_some_and(|c| is_name(*c)) {
                    end += 1;
                }
                let name: String = self.chars[start..end].iter().collect();
                self.pos = end;
                word.pieces.push(Piece::Var { name, quoted });
            }
            Some(c) if c.is_ascii_digit() || c == '@' || c == '*' => {
                // Positional parameters: known after `set --` or in `sh -c TEXT ARGS`.
                self.pos += 2;
                word.pieces.push(Piece::Var {
                    name: c.to_string(),
                    quoted,
                });
            }
            Some(c) if "#?$!-".contains(c) => {
                self.pos += 2;
                word.pieces.push(Piece::Unknown { quoted });
            }
            _ => {
                word.push_char('$', quoted);
                self.pos += 1;
            }
        }
    }

    fn backquote(&mut self, word: &mut Word, quoted: bool) {
        self.pos += 1;
        let mut inner = String::new();
        while let Some(c) = self.at(0) {
            if c == '`' {
                self.pos += 1;
                break;
            }
            if c == '\\'
                && let Some(n @ ('$' | '`' | '\\')) = self.at(1)
            {
                inner.push(n);
                self.pos += 2;
                continue;
            }
            inner.push(c);
            self.pos += 1;
        }
        let run = self.script(&inner);
        word.push_run(run, quoted);
    }

    /// Tokens of a separate text one level deeper (backquotes).
    fn script(&mut self, text: &str) -> Vec<Token> {
        if self.depth + 1 > MAX_DEPTH {
            self.too_deep = true;
            return Vec::new();
        }
        let lexed = tokenize(text, self.depth + 1);
        self.too_deep |= lexed.too_deep;
        lexed.tokens
    }

    /// Tokens from here to the matching `)` (left unread), one level deeper.
    fn nested(&mut self) -> Vec<Token> {
        if self.depth + 1 > MAX_DEPTH {
            self.too_deep = true;
            self.pos = self.paren_end(self.pos);
            return Vec::new();
        }
        let mut inner = Lexer::new(self.chars, self.depth + 1);
        inner.pos = self.pos;
        let tokens = inner.tokens(true);
        self.pos = inner.pos;
        self.too_deep |= inner.too_deep;
        tokens
    }

    /// The index of the `)` closing the group that starts at `from`, skipping quotes.
    fn paren_end(&self, from: usize) -> usize {
        let mut depth = 0usize;
        let mut i = from;
        while i < self.chars.len() {
            match self.chars[i] {
                '\\' => i += 1,
                '\'' | '"' => {
                    let q = self.chars[i];
                    i += 1;
                    while i < self.chars.len() && self.chars[i] != q {
                        i += 1;
                    }
                }
                '(' => depth += 1,
                ')' if depth == 0 => return i,
                ')' => depth -= 1,
                _ => {}
            }
            i += 1;
        }
        self.chars.len()
    }

    /// The index of the `}` closing a `${` whose inside starts at `from`.
    fn brace_end(&self, from: usize) -> usize {
        let mut depth = 0usize;
        let mut i = from;
        while i < self.chars.len() {
            match self.chars[i] {
                '\\' => i += 1,
                '\'' => {
                    i += 1;
                    while i < self.chars.len() && self.chars[i] != '\'' {
                        i += 1;
                    }
                }
                '{' => depth += 1,
                '}' if depth == 0 => return i,
                '}' => depth -= 1,
                _ => {}
            }
            i += 1;
        }
        self.chars.len()
    }

    /// For `((` at `from - 2`: the index after the closing `))`, when there is one within
    /// [`MAX_ARITHMETIC`] characters (a longer one is read as nested subshells: each `((` is
    /// looked at once, so the scan stays linear).
    fn arithmetic_end(&self, from: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut i = from;
        let limit = self.chars.len().min(from + MAX_ARITHMETIC);
        while i < limit {
            match self.chars[i] {
                '(' => depth += 1,
                ')' if depth == 0 => {
                    return (self.chars.get(i + 1) == Some(&')')).then_some(i + 2);
                }
                ')' => depth -= 1,
                '\'' | '"' | '`' | '\n' => return None,
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// The command substitutions inside a text that is not itself a command (arithmetic,
    /// `${...}` operands, array elements), as a word of one unknown value. One linear scan:
    /// `${` and `$((` are stepped into, not read again as a whole.
    fn substitutions_in(&mut self, text: &[char]) -> Word {
        let mut inner = Lexer::new(text, self.depth);
        let mut word = Word::default();
        while let Some(c) = inner.at(0) {
            match (c, inner.at(1), inner.at(2)) {
                ('\'', ..) => {
                    inner.pos += 1;
                    while inner.at(0).is_some_and(|d| d != '\'') {
                        inner.pos += 1;
                    }
                    inner.pos += 1;
                }
                ('\\', ..) => inner.pos += 2,
                ('$', Some('('), Some('(')) => inner.pos += 3,
                ('$', Some('('), _) => {
                    inner.pos += 2;
                    let run = inner.nested();
                    inner.pos += 1;
                    word.runs.push(run);
                }
                ('`', ..) => inner.backquote(&mut word, true),
                _ => inner.pos += 1,
            }
        }
        self.too_deep |= inner.too_deep;
        Word {
            pieces: vec![Piece::Unknown { quoted: false }],
            runs: word.runs,
        }
    }
}

/// The substitutions run by the words of `tokens` (array elements), as scripts.
fn runs_of(tokens: Vec<Token>) -> Vec<Vec<Token>> {
    let mut runs = Vec::new();
    for token in tokens {
        match token {
            Token::Word(word) | Token::Arith(word) => runs.extend(word.runs),
            Token::Redirect(redirect) => runs.extend(redirect.target.runs),
            Token::Op(_) => {}
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(script: &str) -> Vec<String> {
        tokenize(script, 0)
            .tokens
            .iter()
            .map(|t| match t {
                Token::Word(w) => format!("w:{:?}", w.pieces),
                Token::Op(op) => format!("{op:?}"),
                Token::Redirect(r) => format!("r{:?}:{:?}", r.kind, r.target.pieces),
                Token::Arith(w) => format!("arith:{}", w.runs.len()),
            })
            .collect()
    }

    #[test]
    fn operators_redirections_and_here_documents() {
        let k = kinds("a && b || c | d |& e ; f & g ;; h");
        assert_eq!(
            k.iter()
                .filter(|t| !t.starts_with("w:"))
                .collect::<Vec<_>>(),
            ["And", "Or", "Pipe", "Pipe", "Semi", "Amp", "CaseEnd"]
        );
        let k = kinds("x 2>&1 >out <in 1<>rw &>both >&err >|clobber");
        assert!(k[1].starts_with("rDup"), "{k:?}");
        assert!(k[2].starts_with("rWrite") && k[2].contains("out"), "{k:?}");
        assert!(k[3].starts_with("rRead"), "{k:?}");
        assert!(k[4].starts_with("rWrite") && k[4].contains("rw"), "{k:?}");
        assert!(
            k[5].starts_with("rWrite") && k[6].starts_with("rWrite"),
            "{k:?}"
        );
        assert!(
            k[7].starts_with("rWrite") && k[7].contains("clobber"),
            "{k:?}"
        );
        let k = kinds("cat <<'EOF' >x\n$(not run)\nEOF\nnext");
        assert!(k[1].contains("$(not run)"), "{k:?}");
        assert_eq!(
            k.last().unwrap(),
            "w:[Text { text: \"next\", quoted: false }]"
        );
        let k = kinds("cat <<EOF\n$(run)\nEOF\n");
        assert!(k[1].contains("Sub"), "{k:?}");
        let k = kinds("f <<< \"a b\"");
        assert!(k[1].starts_with("rText") && k[1].contains("a b"), "{k:?}");
    }

    #[test]
    fn quoting_and_substitutions() {
        let lexed = tokenize(
            "echo $'\\x2dn' \"$(a \"$(b)\")\" `c \\`d\\`` ${X:-$(e)} $((1+$(f)))",
            0,
        );
        assert!(!lexed.too_deep);
        let Token::Word(w) = &lexed.tokens[1] else {
            panic!()
        };
        assert!(
            w.pieces
                .iter()
                .any(|p| matches!(p, Piece::Text { text, quoted: true } if text == "-n")),
            "{w:?}"
        );
        let runs: usize = lexed
            .tokens
            .iter()
            .map(|t| match t {
                Token::Word(w) => w.runs.len(),
                _ => 0,
            })
            .sum();
        assert_eq!(runs, 4);
        let deep = format!("{}x{}", "$(".repeat(40), ")".repeat(40));
        assert!(tokenize(&deep, 0).too_deep);
        assert!(
            tokenize(&format!("{}x{}", "`".repeat(3), "`"), 0)
                .tokens
                .len()
                <= 2
        );
    }

    #[test]
    fn arithmetic_and_arrays() {
        assert_eq!(kinds("(( $(x) ))"), ["arith:1"]);
        assert_eq!(kinds("((a)); (b)")[0], "arith:0");
        let k = kinds("A=(x $(y)) z");
        assert_eq!(k.len(), 2, "{k:?}");
    }
}
