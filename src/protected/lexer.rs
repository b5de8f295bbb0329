//! A tokenizer per language family that knows exactly what the protected gate must not be
//! fooled by: comments, strings of every kind, and (for Python) lines and indentation.

/// The language families whose tests backstop understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// Rust.
    Rust,
    /// Python.
    Python,
    /// JavaScript and TypeScript.
    Js,
    /// Go.
    Go,
    /// Java.
    Java,
    /// Kotlin.
    Kotlin,
}

impl Language {
    /// The language of a file, by its extension.
    pub fn of(path: &std::path::Path) -> Option<Language> {
        match path.extension()?.to_str()? {
            "rs" => Some(Language::Rust),
            "py" => Some(Language::Python),
            "js" | "jsx" | "mjs" | "cjs" | "ts" | "tsx" | "mts" | "cts" => Some(Language::Js),
            "go" => Some(Language::Go),
            "java" => Some(Language::Java),
            "kt" | "kts" => Some(Language::Kotlin),
            _ => None,
        }
    }
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A name or keyword (Kotlin backtick names included, without the backticks).
    Ident,
    /// A string, char or template literal (its text includes the quotes).
    Str,
    /// A comment.
    Comment,
    /// A number.
    Num,
    /// One punctuation character.
    Punct,
    /// End of a line (Python only: its structure is lines and indentation).
    Newline,
}

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// Its text.
    pub text: String,
    /// 1-based line where it starts.
    pub line: u32,
    /// For Python tokens: the indentation of the line they are on.
    pub indent: u32,
}

impl Token {
    /// Whether this is the punctuation `c`.
    pub fn is(&self, c: char) -> bool {
        self.kind == Kind::Punct && self.text.len() == c.len_utf8() && self.text.starts_with(c)
    }

    /// Whether this is the identifier `name`.
    pub fn is_ident(&self, name: &str) -> bool {
        self.kind == Kind::Ident && self.text == name
    }
}

/// Splits source text into tokens.
pub fn tokenize(source: &str, language: Language) -> Vec<Token> {
    Lexer {
        chars: source.chars().collect(),
        at: 0,
        line: 1,
        language,
        tokens: Vec::new(),
        indent: 0,
        line_start: true,
        depth: 0,
    }
    .run()
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
    line: u32,
    language: Language,
    tokens: Vec<Token>,
    indent: u32,
    line_start: bool,
    /// Python: brackets open (newlines inside brackets do not end a logical line).
    depth: i32,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn starts(&self, text: &str) -> bool {
        text.chars()
            .enumerate()
            .all(|(i, c)| self.peek(i) == Some(c))
    }

    fn push(&mut self, kind: Kind, start: usize, line: u32) {
        let text: String = self.chars[start..self.at].iter().collect();
        self.tokens.push(Token {
            kind,
            text,
            line,
            indent: self.indent,
        });
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn run(mut self) -> Vec<Token> {
        while let Some(c) = self.peek(0) {
            if self.language == Language::Python && self.line_start {
                self.python_indent();
                continue;
            }
            let start = self.at;
            let line = self.line;
            if c == '\n' {
                self.bump();
                if self.language == Language::Python && self.depth <= 0 {
                    self.tokens.push(Token {
                        kind: Kind::Newline,
                        text: "\n".into(),
                        line,
                        indent: self.indent,
                    });
                    self.line_start = true;
                }
            } else if c.is_whitespace() {
                self.bump();
            } else if self.comment_start() {
                self.comment();
                self.push(Kind::Comment, start, line);
            } else if let Some(quote) = self.string_start() {
                self.string(&quote);
                self.push(Kind::Str, start, line);
            } else if c.is_alphabetic() || c == '_' || (c == '$' && self.language == Language::Js) {
                while self.peek(0).is_some_and(|c| {
                    c.is_alphanumeric() || c == '_' || (c == '$' && self.language == Language::Js)
                }) {
                    self.bump();
                }
                self.push(Kind::Ident, start, line);
            } else if c == '`' && self.language == Language::Kotlin {
                self.bump();
                let name_start = self.at;
                while self.peek(0).is_some_and(|c| c != '`' && c != '\n') {
                    self.bump();
                }
                let name: String = self.chars[name_start..self.at].iter().collect();
                self.bump();
                self.tokens.push(Token {
                    kind: Kind::Ident,
                    text: name,
                    line,
                    indent: self.indent,
                });
            } else if c.is_ascii_digit() {
                while self
                    .peek(0)
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    self.bump();
                }
                self.push(Kind::Num, start, line);
            } else {
                self.bump();
                if self.language == Language::Python {
                    match c {
                        '(' | '[' | '{' => self.depth += 1,
                        ')' | ']' | '}' => self.depth -= 1,
                        _ => {}
                    }
                }
                self.push(Kind::Punct, start, line);
            }
        }
        self.tokens
    }

    fn python_indent(&mut self) {
        let mut width = 0;
        while let Some(c) = self.peek(0) {
            match c {
                ' ' => width += 1,
                '\t' => width += 8 - width % 8,
                _ => break,
            }
            self.bump();
        }
        // Blank and comment-only lines do not set indentation.
        if !matches!(self.peek(0), Some('\n' | '#') | None) {
            self.indent = width;
        }
        self.line_start = false;
    }

    fn comment_start(&self) -> bool {
        match self.language {
            Language::Python => self.peek(0) == Some('#'),
            _ => self.starts("//") || self.starts("/*"),
        }
    }

    fn comment(&mut self) {
        if self.language == Language::Python || self.starts("//") {
            while self.peek(0).is_some_and(|c| c != '\n') {
                self.bump();
            }
            return;
        }
        let nests = matches!(self.language, Language::Rust | Language::Kotlin);
        let mut depth = 0;
        while self.peek(0).is_some() {
            if self.starts("/*") && (depth == 0 || nests) {
                depth += 1;
                self.bump();
                self.bump();
            } else if self.starts("*/") {
                depth -= 1;
                self.bump();
                self.bump();
                if depth == 0 {
                    return;
                }
            } else {
                self.bump();
            }
        }
    }

    /// The closing delimiter of a string starting here, if one does.
    fn string_start(&mut self) -> Option<String> {
        let c = self.peek(0)?;
        match self.language {
            Language::Rust => self.rust_string_start(),
            Language::Python => {
                let mut prefix = 0;
                while prefix < 2 && self.peek(prefix).is_some_and(|p| "rRbBuUfF".contains(p)) {
                    prefix += 1;
                }
                let quote = self.peek(prefix)?;
                if quote != '\'' && quote != '"' {
                    return None;
                }
                if prefix > 0
                    && self.tokens.last().is_some_and(|t| t.kind == Kind::Ident)
                    && self.at > 0
                    && self.chars[self.at - 1].is_alphanumeric()
                {
                    return None;
                }
                for _ in 0..prefix {
                    self.bump();
                }
                let triple: String = std::iter::repeat_n(quote, 3).collect();
                Some(if self.starts(&triple) {
                    triple
                } else {
                    quote.to_string()
                })
            }
            Language::Js => match c {
                '\'' | '"' | '`' => Some(c.to_string()),
                '/' if self.regex_allowed() => Some("/".to_owned()),
                _ => None,
            },
            Language::Go => matches!(c, '"' | '`' | '\'').then(|| c.to_string()),
            Language::Java | Language::Kotlin => match c {
                '"' if self.starts("\"\"\"") => Some("\"\"\"".to_owned()),
                '"' | '\'' => Some(c.to_string()),
                _ => None,
            },
        }
    }

    fn rust_string_start(&mut self) -> Option<String> {
        let c = self.peek(0)?;
        let raw_at = match c {
            'r' => 1,
            'b' if self.peek(1) == Some('r') => 2,
            'b' if matches!(self.peek(1), Some('"' | '\'')) => {
                self.bump();
                return self.rust_string_start();
            }
            '"' => return Some("\"".to_owned()),
            '\'' => {
                // A char literal ('a', '\n', '\u{..}'), or a lifetime ('a) which is code.
                let is_char = self.peek(1) == Some('\\') || self.peek(2) == Some('\'');
                return is_char.then(|| "'".to_owned());
            }
            _ => return None,
        };
        let mut hashes = 0;
        while self.peek(raw_at + hashes) == Some('#') {
            hashes += 1;
        }
        if self.peek(raw_at + hashes) != Some('"') {
            return None;
        }
        if self.at > 0
            && (self.chars[self.at - 1].is_alphanumeric() || self.chars[self.at - 1] == '_')
        {
            return None;
        }
        for _ in 0..raw_at + hashes {
            self.bump();
        }
        Some(format!("\"{}", "#".repeat(hashes)) + "R")
    }

    /// JS: a `/` starts a regex literal after an operator or keyword, a division otherwise.
    fn regex_allowed(&self) -> bool {
        if self.starts("//") || self.starts("/*") {
            return false;
        }
        match self.tokens.iter().rev().find(|t| t.kind != Kind::Comment) {
            None => true,
            Some(t) if t.kind == Kind::Punct => !matches!(t.text.as_str(), ")" | "]" | "}"),
            Some(t) if t.kind == Kind::Ident => matches!(
                t.text.as_str(),
                "return" | "typeof" | "case" | "in" | "of" | "delete" | "void" | "throw" | "new"
            ),
            Some(_) => false,
        }
    }

    fn string(&mut self, close: &str) {
        // Raw Rust strings: `"##R` means close with `"##`, no escapes.
        if let Some(raw) = close.strip_suffix('R') {
            self.bump();
            let end: String = raw.to_owned();
            while self.peek(0).is_some() && !self.starts(&end) {
                self.bump();
            }
            for _ in 0..end.chars().count() {
                self.bump();
            }
            return;
        }
        let open_len = close.chars().count();
        for _ in 0..open_len {
            self.bump();
        }
        let escapes = !(self.language == Language::Go && close == "`");
        let template = self.language == Language::Js && close == "`";
        while let Some(c) = self.peek(0) {
            if escapes && c == '\\' {
                self.bump();
                self.bump();
            } else if self.starts(close) {
                for _ in 0..open_len {
                    self.bump();
                }
                return;
            } else if template && self.starts("${") {
                self.bump();
                self.bump();
                self.template_expression();
            } else if c == '\n'
                && open_len == 1
                && close != "`"
                && !(self.language == Language::Js && close == "/")
            {
                // An unterminated one-line string ends at the line's end.
                return;
            } else if self.language == Language::Js && close == "/" && c == '[' {
                // A slash inside a character class does not end a regex.
                while let Some(d) = self.bump() {
                    if d == '\\' {
                        self.bump();
                    } else if d == ']' || d == '\n' {
                        break;
                    }
                }
            } else {
                self.bump();
            }
        }
    }

    /// Skips a `${ ... }` inside a template literal, strings and nested braces included.
    fn template_expression(&mut self) {
        let mut depth = 1;
        while let Some(c) = self.peek(0) {
            if let Some(quote) = matches!(c, '\'' | '"' | '`').then(|| c.to_string()) {
                self.string(&quote);
                continue;
            }
            self.bump();
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(source: &str, language: Language) -> Vec<String> {
        tokenize(source, language)
            .into_iter()
            .filter(|t| !matches!(t.kind, Kind::Comment | Kind::Str | Kind::Newline))
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn rust_comments_strings_chars_and_lifetimes() {
        let source = r###"/* outer /* nested #[test] */ still */ fn a<'a>(x: &'a str) -> char { let s = r##"assert!(x) "## ; let q = "say \"#[ignore]\""; '{' }"###;
        let tokens = code(source, Language::Rust);
        assert!(
            !tokens
                .iter()
                .any(|t| t == "assert" || t == "ignore" || t == "test"),
            "{tokens:?}"
        );
        assert!(tokens.contains(&"a".to_owned()), "lifetimes stay code");
        assert_eq!(
            tokens.iter().filter(|t| *t == "{").count(),
            1,
            "the char '{{' is not a brace: {tokens:?}"
        );
    }

    #[test]
    fn js_templates_regexes_and_comments() {
        let source = "const s = `it.skip(${fn({a: '}'})})`; const r = /\\/\\/ test(/g; // it.only(\nx = a / b / c;";
        let tokens = code(source, Language::Js);
        assert!(
            !tokens
                .iter()
                .any(|t| t == "skip" || t == "only" || t == "test"),
            "{tokens:?}"
        );
        assert_eq!(
            tokens.iter().filter(|t| *t == "/").count(),
            2,
            "divisions stay code: {tokens:?}"
        );
    }

    #[test]
    fn python_strings_comments_and_indentation() {
        let source = "def test_a():\n    s = '''\n    assert False\n    '''\n    # assert x\n    assert f\"{x}\" == 'y'\n";
        let tokens = tokenize(source, Language::Python);
        let asserts: Vec<&Token> = tokens.iter().filter(|t| t.is_ident("assert")).collect();
        assert_eq!(asserts.len(), 1);
        assert_eq!(asserts[0].line, 6);
        assert_eq!(asserts[0].indent, 4);
    }

    #[test]
    fn go_raw_strings_and_kotlin_backticks() {
        assert!(!code("s := `t.Skip()`", Language::Go).contains(&"Skip".to_owned()));
        let kotlin = tokenize(
            "@Test fun `adds two numbers`() { assertEquals(4, add(2, 2)) }",
            Language::Kotlin,
        );
        assert!(
            kotlin
                .iter()
                .any(|t| t.kind == Kind::Ident && t.text == "adds two numbers")
        );
    }
}
