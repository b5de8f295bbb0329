//! How runners name their tests: glob patterns (with micromatch's extglobs `?(a|b)`,
//! `+(..)`, `@(..)`), regexes, path prefixes and directory names, matched against the test
//! files of the tree; and which test files the tree holds, per language family.

use std::path::Path;

use regex::Regex;

/// How a runner reads a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matcher {
    /// A glob, matched against the whole relative path or any tail of it (`**/x` and `x`).
    Glob,
    /// A regex searched in `/` + the relative path (Jest's `testPathIgnorePatterns`).
    Regex,
    /// A path or a directory prefix (`--ignore=tests/slow`, `testpaths`).
    Prefix,
    /// A glob over directory names (`norecursedirs`).
    DirName,
    /// A glob over file names (`python_files`).
    FileName,
}

/// The language families whose test files the tree is searched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `test_*.py`, `*_test.py`.
    Python,
    /// `*.test.*`, `*.spec.*`, `__tests__/`, Mocha's `test/`.
    Js,
    /// `*_test.go`.
    Go,
    /// `tests/*.rs` and sources with `#[test]`.
    Rust,
    /// `src/test/**` classes named `*Test`, `*Tests`, `*IT`, `Test*`.
    Jvm,
}

/// Whether `path` looks like a test file of `family`.
pub fn is_test_file(path: &Path, family: Family) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let under = |dir: &str| path.components().any(|c| c.as_os_str() == dir);
    match family {
        Family::Python => ext == "py" && (name.starts_with("test_") || name.ends_with("_test.py")),
        Family::Js => {
            matches!(
                ext,
                "js" | "jsx" | "ts" | "tsx" | "mjs" | "cjs" | "mts" | "cts"
            ) && (name.contains(".test.")
                || name.contains(".spec.")
                || under("__tests__")
                || under("test")
                || under("tests")
                || under("e2e"))
        }
        Family::Go => name.ends_with("_test.go"),
        Family::Rust => ext == "rs" && under("tests"),
        Family::Jvm => {
            matches!(ext, "java" | "kt" | "groovy" | "scala")
                && (under("test") || under("androidTest"))
                && ["Test.", "Tests.", "IT.", "TestCase.", "Spec."]
                    .iter()
                    .any(|s| name.contains(s))
                || name.starts_with("Test") && matches!(ext, "java" | "kt")
        }
    }
}

/// Whether a test file's text declares tests (a name can mislead: `TestData.java`).
pub fn holds_tests(family: Family, text: &str) -> bool {
    match family {
        Family::Python => {
            text.contains("def test") || text.contains("class Test") || text.contains("TestCase")
        }
        Family::Js => [
            "it(",
            "test(",
            "describe(",
            "it.",
            "test.",
            "describe.",
            "specify(",
        ]
        .iter()
        .any(|s| text.contains(s)),
        Family::Go => {
            text.contains("func Test")
                || text.contains("func Example")
                || text.contains("func Benchmark")
                || text.contains("func Fuzz")
        }
        Family::Rust => {
            text.contains("#[test]") || text.contains("test]") || text.contains("fn main")
        }
        Family::Jvm => {
            text.contains("@Test")
                || text.contains("@ParameterizedTest")
                || text.contains("@RepeatedTest")
                || text.contains("@TestFactory")
                || text.contains("extends TestCase")
                || text.contains("Spec")
        }
    }
}

/// A glob as an anchored regex: `**`, `*`, `?`, `[...]`, `{a,b}` and the extglobs.
pub fn glob_regex(glob: &str) -> Option<Regex> {
    let mut out = String::from("^");
    let chars: Vec<char> = glob.chars().collect();
    let mut i = 0;
    // Open groups: true for a brace group (`,` separates), false for an extglob (`|`).
    let mut groups: Vec<(bool, char)> = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '?' | '*' | '+' | '@' | '!' if next == Some('(') => {
                groups.push((false, c));
                out.push_str("(?:");
                i += 2;
                continue;
            }
            ')' if groups.last().is_some_and(|(brace, _)| !brace) => {
                let (_, kind) = groups.pop().unwrap_or((false, '@'));
                out.push(')');
                match kind {
                    '?' => out.push('?'),
                    '*' => out.push('*'),
                    '+' => out.push('+'),
                    '!' => out.push_str("?[^/]*"),
                    _ => {}
                }
            }
            '|' if groups.last().is_some_and(|(brace, _)| !brace) => out.push('|'),
            '{' => {
                groups.push((true, '{'));
                out.push_str("(?:");
            }
            '}' if groups.last().is_some_and(|(brace, _)| *brace) => {
                groups.pop();
                out.push(')');
            }
            ',' if groups.last().is_some_and(|(brace, _)| *brace) => out.push('|'),
            '*' if next == Some('*') => {
                if chars.get(i + 2) == Some(&'/') {
                    out.push_str("(?:.*/)?");
                    i += 3;
                } else {
                    out.push_str(".*");
                    i += 2;
                }
                continue;
            }
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            '[' => {
                let end = chars[i..].iter().position(|d| *d == ']').map(|p| p + i)?;
                let class: String = chars[i + 1..end].iter().collect();
                out.push('[');
                out.push_str(&class.replace('!', "^").replace('\\', "\\\\"));
                out.push(']');
                i = end + 1;
                continue;
            }
            _ => out.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    out.push('$');
    Regex::new(&out).ok()
}

/// A pattern ready to match relative paths.
pub struct Pattern {
    matcher: Matcher,
    text: String,
    regex: Option<Regex>,
}

impl Pattern {
    /// `text` read as `matcher` says. `<rootDir>/`, `./` and trailing `/` are dropped where
    /// they mean "relative to the configuration".
    pub fn new(matcher: Matcher, text: &str) -> Pattern {
        let cleaned = text
            .trim()
            .trim_start_matches("<rootDir>")
            .trim_start_matches("./")
            .to_owned();
        let regex = match matcher {
            Matcher::Regex => {
                let js = cleaned.trim_start_matches('/');
                let body = if text.trim().starts_with('/')
                    && text.trim().len() > 1
                    && text.trim().ends_with('/')
                    && !text.contains("<rootDir>")
                {
                    js.trim_end_matches('/').to_owned()
                } else {
                    cleaned.clone()
                };
                Regex::new(&body)
                    .ok()
                    .or_else(|| Regex::new(&regex::escape(&body)).ok())
            }
            Matcher::Glob | Matcher::DirName | Matcher::FileName => {
                glob_regex(cleaned.trim_start_matches('/').trim_end_matches('/'))
            }
            Matcher::Prefix => None,
        };
        Pattern {
            matcher,
            text: cleaned,
            regex,
        }
    }

    /// Whether the pattern matches `path` (relative to the configuration's directory).
    pub fn matches(&self, path: &str) -> bool {
        match self.matcher {
            Matcher::Prefix => {
                let prefix = self.text.trim_start_matches('/').trim_end_matches('/');
                prefix.is_empty()
                    || prefix == "."
                    || path == prefix
                    || path.starts_with(&format!("{prefix}/"))
                    || (prefix.contains('*')
                        && glob_regex(prefix).is_some_and(|r| {
                            let parts: Vec<&str> = path.split('/').collect();
                            (1..=parts.len()).any(|n| r.is_match(&parts[..n].join("/")))
                        }))
            }
            Matcher::Regex => self
                .regex
                .as_ref()
                .is_some_and(|r| r.is_match(&format!("/{path}"))),
            Matcher::Glob => self.regex.as_ref().is_some_and(|r| {
                // The whole path, any tail of it, and `.class` for a compiled class.
                let class = Path::new(path).with_extension("class");
                let class = class.to_string_lossy();
                let tails = |p: &str| {
                    std::iter::once(p.to_owned())
                        .chain(p.match_indices('/').map(|(at, _)| p[at + 1..].to_owned()))
                        .collect::<Vec<_>>()
                };
                tails(path)
                    .iter()
                    .chain(tails(&class).iter())
                    .any(|t| r.is_match(t))
            }),
            Matcher::DirName => self.regex.as_ref().is_some_and(|r| {
                let parts: Vec<&str> = path.split('/').collect();
                parts[..parts.len().saturating_sub(1)]
                    .iter()
                    .any(|d| r.is_match(d))
            }),
            Matcher::FileName => self
                .regex
                .as_ref()
                .is_some_and(|r| r.is_match(path.rsplit('/').next().unwrap_or(path))),
        }
    }
}

/// Words that name where tests live or which tests they are.
const TEST_WORDS: [&str; 14] = [
    "test",
    "tests",
    "spec",
    "specs",
    "e2e",
    "integration",
    "slow",
    "flaky",
    "unit",
    "functional",
    "acceptance",
    "smoke",
    "__tests__",
    "it",
];

/// Places that hold no tests to lose: build output, dependencies, caches, fixtures.
const NOT_TESTS: [&str; 33] = [
    "node_modules",
    "dist",
    "build",
    "out",
    "target",
    "coverage",
    "vendor",
    ".venv",
    "venv",
    "env",
    ".tox",
    ".nox",
    ".git",
    ".cache",
    "tmp",
    "temp",
    "site-packages",
    "fixtures",
    "__fixtures__",
    "__mocks__",
    "mocks",
    "helpers",
    "support",
    "utils",
    "testdata",
    "__snapshots__",
    "snapshots",
    "docs",
    "examples",
    ".next",
    "generated",
    "lib-cov",
    "egg-info",
];

/// Whether an exclusion pattern reads as one that leaves tests out: its last meaningful
/// part is not a known non-test place, and it names tests.
pub fn names_tests(pattern: &str) -> bool {
    let parts: Vec<String> = pattern
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '-'))
        .map(|p| p.trim_matches('.').to_ascii_lowercase())
        .filter(|p| !p.is_empty() && p != "rootdir" && !p.chars().all(|c| c == '*'))
        .collect();
    let Some(last) = parts.last() else {
        return false;
    };
    if NOT_TESTS.iter().any(|n| last == n || last.ends_with(n)) {
        return false;
    }
    parts.iter().any(|p| {
        TEST_WORDS.contains(&p.as_str())
            || p.contains("test")
            || p.contains("spec")
            || std::path::Path::new(p)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("py"))
            || p.contains("integration")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_with_extglobs_and_braces() {
        let jest = glob_regex("**/?(*.)+(spec|test).[jt]s?(x)").unwrap();
        assert!(jest.is_match("src/cart.test.ts"));
        assert!(jest.is_match("a/b.spec.jsx"));
        assert!(!jest.is_match("src/cart.ts"));
        let vitest = glob_regex("**/*.{test,spec}.?(c|m)[jt]s?(x)").unwrap();
        assert!(vitest.is_match("src/notify/queue.test.ts"));
        assert!(!vitest.is_match("src/notify/queue.ts"));
        assert!(
            glob_regex("src/**/*.test.ts")
                .unwrap()
                .is_match("src/a/b/c.test.ts")
        );
        assert!(
            glob_regex("src/**/*.test.ts")
                .unwrap()
                .is_match("src/c.test.ts")
        );
    }

    #[test]
    fn patterns_by_matcher() {
        assert!(
            Pattern::new(Matcher::Regex, "<rootDir>/src/legacy/").matches("src/legacy/a.test.ts")
        );
        assert!(!Pattern::new(Matcher::Regex, "/node_modules/").matches("src/a.test.ts"));
        assert!(
            Pattern::new(Matcher::Prefix, "tests/integration")
                .matches("tests/integration/test_x.py")
        );
        assert!(!Pattern::new(Matcher::Prefix, "tests/int").matches("tests/integration/test_x.py"));
        assert!(Pattern::new(Matcher::DirName, "integ*").matches("tests/integration/test_x.py"));
        assert!(
            Pattern::new(Matcher::Glob, "**/*IntegrationTest*")
                .matches("src/test/kotlin/a/RenderIntegrationTest.kt")
        );
        assert!(
            Pattern::new(Matcher::Glob, "**/Slow*.class").matches("src/test/java/a/SlowTest.java")
        );
    }

    #[test]
    fn exclusions_that_name_tests() {
        assert!(names_tests("<rootDir>/tests/integration/"));
        assert!(names_tests("**/*.spec.ts"));
        assert!(!names_tests("/dist/"));
        assert!(!names_tests("tests/fixtures"));
        assert!(!names_tests(".venv"));
    }
}
