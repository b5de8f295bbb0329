//! Tests found in one file: their qualified names, lines, body tokens and markers, plus the
//! file's other functions (helpers a test may call instead of asserting inline).

mod go;
mod js;
mod jvm;
mod python;
mod rust;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::analysis::Assertion;
use super::lexer::{Kind, Language, Token, tokenize};

/// One test (a function, a case, a subtest).
#[derive(Debug, Clone)]
pub struct TestCase {
    /// The name that identifies it regardless of its file: module, class, describe or parent
    /// path, then its own name.
    pub name: String,
    /// The file it is in.
    pub file: PathBuf,
    /// First line (its attributes/decorators included).
    pub start_line: u32,
    /// Last line.
    pub end_line: u32,
    /// The body's code tokens (no comments), nested subtests left out.
    pub body: Vec<Token>,
    /// Skip, ignore, todo, xfail or focus markers: (marker text, line).
    pub markers: Vec<(String, u32)>,
    /// Assertions the test declares outside its body (`#[should_panic]`).
    pub declared: Vec<Assertion>,
    /// Cases of a table-driven test (`@pytest.mark.parametrize` entries, `.each` rows): each
    /// is a test of its own to the runner.
    pub cases: u32,
    /// Decorators and annotations by name (`@later`, `@Later`), resolved against the skip
    /// aliases of every changed file of the family.
    pub decorations: Vec<(String, u32)>,
    /// Declarations that make the test pass when its assertions fail (`#[should_panic]`,
    /// `@Test(expected = AssertionError.class)`).
    pub inverted: Vec<String>,
}

impl TestCase {
    /// The body's code as one normalized string: formatting and comments do not change it.
    pub fn body_key(&self) -> String {
        self.body
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The last segment of the name (what a comment would mention).
    pub fn short_name(&self) -> &str {
        self.name
            .rsplit([':', '>', '/', '.'])
            .next()
            .unwrap_or(&self.name)
            .trim()
    }
}

/// Everything the protected gate reads from one file.
#[derive(Debug, Clone, Default)]
pub struct FileTests {
    /// The tests.
    pub tests: Vec<TestCase>,
    /// Other functions by name, with their body tokens.
    pub helpers: HashMap<String, Vec<Token>>,
    /// The file's comments (to tell a test turned into a comment from a deleted one).
    pub comments: Vec<Token>,
    /// Values set outside the tests, by name: `beforeEach`/`setUp`/`@BeforeEach` assignments.
    pub setup: HashMap<String, Vec<Token>>,
    /// Numeric constants by name (`const EPS: f64 = 1e-9;`, `EPSILON = 1e-9`).
    pub constants: HashMap<String, f64>,
    /// Names that skip a test when put on it (`later = pytest.mark.skip`, an annotation
    /// declared `@Disabled`).
    pub skip_aliases: Vec<String>,
    /// The package's test entry point stops the tests before they run: a Go `TestMain` that
    /// returns or exits before `m.Run()` (why, line).
    pub entry_stops: Option<(String, u32)>,
    /// Rust `mod name;` declarations: (name, line, switched off by a `cfg`, `#[path]`).
    pub modules: Vec<ModuleDecl>,
}

/// A Rust `mod name;` declaration (its tests live in another file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleDecl {
    /// The module's name.
    pub name: String,
    /// Its line.
    pub line: u32,
    /// A `cfg` other than `cfg(test)` switches it off.
    pub disabled: bool,
    /// A `#[path = "..."]` attribute.
    pub path: Option<String>,
}

/// Finds the tests of one file.
/// `test_path`: the file is a test file by location; otherwise (Rust sources with inline tests)
/// only functions inside modules count as test helpers, not the library code under test.
pub fn extract(path: &Path, source: &str, language: Language, test_path: bool) -> FileTests {
    let tokens = tokenize(source, language);
    let comments = tokens
        .iter()
        .filter(|t| t.kind == Kind::Comment)
        .cloned()
        .collect();
    let mut found = match language {
        Language::Rust => rust::extract(&tokens, test_path),
        Language::Python => python::extract(&tokens),
        Language::Js => js::extract(&tokens),
        Language::Go => go::extract(&tokens),
        Language::Java | Language::Kotlin => jvm::extract(&tokens, language),
    };
    for test in &mut found.tests {
        test.file = path.to_path_buf();
    }
    found.comments = comments;
    found.constants = constants(&tokens);
    found
}

/// Names bound to a number anywhere in the file: `const EPS: f64 = 1e-9;`, `EPS = 1e-9`,
/// `static final double EPS = 1e-9;`, `const epsilon = 1e-9`.
fn constants(tokens: &[Token]) -> HashMap<String, f64> {
    let mut found = HashMap::new();
    for i in 1..tokens.len() {
        if !tokens[i].is('=')
            || tokens.get(i + 1).is_some_and(|n| n.is('=') || n.is('>'))
            || matches!(tokens[i - 1].text.as_str(), "=" | "!" | "<" | ">")
        {
            continue;
        }
        // `NAME =`, or `NAME: Type =` / `NAME Type =` (Go).
        let name = if tokens[i - 1].kind == Kind::Ident
            && i >= 3
            && tokens[i - 2].is(':')
            && tokens[i - 3].kind == Kind::Ident
        {
            &tokens[i - 3]
        } else if tokens[i - 1].kind == Kind::Ident {
            &tokens[i - 1]
        } else {
            continue;
        };
        let line = tokens[i].line;
        let numeric = |t: &Token| {
            t.line == line && (t.kind == Kind::Num || t.is('-') || t.is('+') || t.is('.'))
        };
        let count = tokens[i + 1..].iter().take_while(|t| numeric(t)).count();
        let ends = tokens.get(i + 1 + count).is_none_or(|t| {
            t.line != line || t.is(';') || t.is(',') || t.is(')') || t.kind == Kind::Newline
        });
        let value: String = tokens[i + 1..i + 1 + count]
            .iter()
            .map(|t| t.text.as_str())
            .collect();
        if let Some(v) = number(&value).filter(|_| ends) {
            found.insert(name.text.clone(), v);
        }
    }
    found
}

/// Code tokens only (comments dropped), as the extractors walk them.
pub(super) fn code(tokens: &[Token]) -> Vec<Token> {
    tokens
        .iter()
        .filter(|t| t.kind != Kind::Comment)
        .cloned()
        .collect()
}

/// The index of the token closing the bracket opened at `open` (or the last token).
pub(super) fn matching(tokens: &[Token], open: usize) -> usize {
    let Some(opener) = tokens.get(open) else {
        return tokens.len().saturating_sub(1);
    };
    let (left, right) = match opener.text.as_str() {
        "(" => ('(', ')'),
        "[" => ('[', ']'),
        "{" => ('{', '}'),
        "<" => ('<', '>'),
        _ => return open,
    };
    let mut depth = 0i32;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        if token.is(left) {
            depth += 1;
        } else if token.is(right) {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    tokens.len().saturating_sub(1)
}

/// A string literal's content without its quotes and prefixes.
pub(super) fn unquote(text: &str) -> String {
    let trimmed = text.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '#');
    let quote = trimmed.chars().next().unwrap_or('"');
    let inner = trimmed
        .trim_start_matches(quote)
        .trim_end_matches([quote, '#']);
    inner.to_owned()
}

/// A test with its placement filled in by the caller.
pub(super) fn test_case(
    name: String,
    start_line: u32,
    end_line: u32,
    body: Vec<Token>,
    markers: Vec<(String, u32)>,
) -> TestCase {
    TestCase {
        name,
        file: PathBuf::new(),
        start_line,
        end_line,
        body,
        markers,
        declared: Vec::new(),
        cases: 0,
        decorations: Vec::new(),
        inverted: Vec::new(),
    }
}

/// A number literal's value (`1e-9`, `0.5`, `1_000`, `2.0f64`).
pub(super) fn number(text: &str) -> Option<f64> {
    let cleaned: String = text
        .trim_end_matches("f64")
        .trim_end_matches("f32")
        .trim_end_matches(['f', 'F', 'd', 'D', 'L'])
        .chars()
        .filter(|c| *c != '_')
        .collect();
    cleaned.parse().ok()
}
