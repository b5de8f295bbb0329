//! pytest, tox and coverage.py configuration: `[tool.pytest.ini_options]`/`[tool.pytest]`
//! (pyproject), `[pytest]` (pytest.ini, tox.ini), `[tool:pytest]` (setup.cfg); `addopts` read
//! as a pytest command line, `testpaths`, `python_files`/`_functions`/`_classes`,
//! `norecursedirs`, `xfail_strict`; tox `commands` (the `-` prefix) and `ignore_outcome`;
//! coverage `fail_under`; `conftest.py`: `collect_ignore[_glob]`, collection and run hooks
//! that deselect, skip, mark xfail or rewrite outcomes, autouse fixtures that skip.

use std::collections::BTreeSet;

use toml::Value as Toml;

use super::args;
use super::command::{self, Invocation, Shell};
use super::facts::{Fact, Value};
use super::ini;
use super::patterns::{Family, Matcher};
use crate::protected::lexer::{Kind, Language, Token, tokenize};

/// pytest's own `norecursedirs` when the configuration sets none.
const NORECURSE: [&str; 9] = [
    "*.egg",
    ".*",
    "_darcs",
    "build",
    "CVS",
    "dist",
    "node_modules",
    "venv",
    "{arch}",
];

/// A list value: a TOML array, or words separated by spaces or newlines.
fn list(value: &str) -> Vec<String> {
    value
        .split_whitespace()
        .map(|w| w.trim_matches(['"', '\'', ',', '[', ']']).to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The line of the first line that starts with `key` at or after `from` (1-based).
pub fn line_of(text: &str, key: &str, from: u32) -> u32 {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1) as usize)
        .find(|(_, l)| {
            let t = l.trim_start();
            t.starts_with(key) && t[key.len()..].trim_start().starts_with(['=', ':'])
        })
        .map_or(from.max(1), |(n, _)| {
            u32::try_from(n + 1).unwrap_or(u32::MAX)
        })
}

/// A value as words, as raw text, and its line.
type Option3 = Option<(Vec<String>, String, u32)>;

/// Facts of pytest's ini options, however they were written (`get` returns a value as text
/// or list and its line).
#[expect(clippy::too_many_lines, reason = "one fact per pytest option")]
fn options(get: &dyn Fn(&str) -> Option3, header: u32) -> Vec<Fact> {
    let mut facts = Vec::new();
    if let Some((words, _, line)) = get("addopts") {
        let split = args::split("pytest", &words);
        for filter in args::filters("pytest", &split) {
            if filter.starts_with("--ignore") {
                continue;
            }
            facts.push(Fact::new(
                format!("pytest addopts `{filter}`"),
                line,
                Value::Filter(filter),
            ));
        }
        let ignored: Vec<String> = split
            .flags
            .iter()
            .filter(|(n, _)| n == "--ignore")
            .filter_map(|(_, v)| v.clone())
            .collect();
        facts.push(Fact::new(
            "pytest addopts --ignore",
            line,
            Value::Exclude(Matcher::Prefix, Family::Python, ignored),
        ));
        let globs: Vec<String> = split
            .flags
            .iter()
            .filter(|(n, _)| n == "--ignore-glob")
            .filter_map(|(_, v)| v.clone())
            .collect();
        facts.push(Fact::new(
            "pytest addopts --ignore-glob",
            line,
            Value::Exclude(Matcher::Glob, Family::Python, globs),
        ));
        for (flag, value) in args::minimums(&split) {
            facts.push(Fact::new(
                format!("pytest addopts {flag}"),
                line,
                Value::Minimum(value),
            ));
        }
        for flag in args::disables("pytest", &split) {
            facts.push(Fact::new(
                format!("pytest addopts {flag}"),
                line,
                Value::Switch(true),
            ));
        }
        let mut units = BTreeSet::new();
        if split.flags.iter().any(|(n, _)| n == "--doctest-modules") {
            units.insert("doctests of the modules".to_owned());
        }
        if split.flags.iter().any(|(n, _)| n == "--doctest-glob") {
            units.insert("doctest files".to_owned());
        }
        facts.push(Fact::new("pytest addopts", line, Value::Units(units)));
        let paths = args::paths("pytest", &split);
        if !paths.is_empty() {
            facts.push(Fact::new(
                "pytest addopts paths",
                line,
                Value::Include(Matcher::Prefix, Family::Python, paths),
            ));
        }
    }
    let (paths, line) = get("testpaths").map_or((vec![String::new()], header), |(w, _, l)| (w, l));
    facts.push(Fact::new(
        "pytest testpaths",
        line,
        Value::Include(Matcher::Prefix, Family::Python, paths),
    ));
    let (files, line) = get("python_files").map_or(
        (vec!["test_*.py".to_owned(), "*_test.py".to_owned()], header),
        |(w, _, l)| (w, l),
    );
    facts.push(Fact::new(
        "pytest python_files",
        line,
        Value::Include(Matcher::FileName, Family::Python, files),
    ));
    for (key, default) in [("python_functions", "test"), ("python_classes", "Test")] {
        let (names, line) = get(key).map_or((vec![default.to_owned()], header), |(w, _, l)| (w, l));
        let prefixes = names
            .iter()
            .map(|n| n.trim_end_matches('*').trim_end_matches('_').to_owned())
            .collect();
        facts.push(Fact::new(
            format!("pytest {key}"),
            line,
            Value::Units(prefixes),
        ));
    }
    let (dirs, line) = get("norecursedirs").map_or(
        (NORECURSE.map(str::to_owned).to_vec(), header),
        |(w, _, l)| (w, l),
    );
    facts.push(Fact::new(
        "pytest norecursedirs",
        line,
        Value::Exclude(Matcher::DirName, Family::Python, dirs),
    ));
    let (strict, line) = get("xfail_strict").map_or((false, header), |(_, t, l)| {
        (t.trim().eq_ignore_ascii_case("true"), l)
    });
    facts.push(Fact::new(
        "pytest xfail_strict",
        line,
        Value::Switch(!strict),
    ));
    facts
}

/// Facts of an INI file (pytest.ini, tox.ini, setup.cfg, .coveragerc).
pub fn ini_facts(name: &str, text: &str) -> Vec<Fact> {
    let sections = ini::read(text);
    let mut facts = Vec::new();
    for section in &sections {
        let pytest = matches!(
            (name, section.name.as_str()),
            ("pytest.ini" | ".pytest.ini" | "tox.ini", "pytest") | ("setup.cfg", "tool:pytest")
        );
        if pytest {
            let get = |key: &str| {
                section.get(key).map(|e| {
                    let words = shell_words(&e.value);
                    (
                        if key == "addopts" {
                            words
                        } else {
                            list(&e.value)
                        },
                        e.value.clone(),
                        e.line,
                    )
                })
            };
            facts.extend(options(&get, section.line));
        }
        let coverage = matches!(
            section.name.as_str(),
            "report" | "coverage:report" | "tool:coverage:report"
        );
        if coverage
            && let Some(entry) = section.get("fail_under")
            && let Ok(v) = entry.value.parse()
        {
            facts.push(Fact::new(
                "coverage fail_under",
                entry.line,
                Value::Minimum(v),
            ));
        }
        if name == "tox.ini" && (section.name == "testenv" || section.name.starts_with("testenv:"))
        {
            if let Some(entry) = section.get("commands") {
                facts.push(Fact::new(
                    format!("tox [{}] commands", section.name),
                    entry.line,
                    Value::Commands(tox_commands(&entry.value, entry.line)),
                ));
            }
            let ignored = section
                .get("ignore_outcome")
                .is_some_and(|e| e.value.eq_ignore_ascii_case("true"));
            facts.push(Fact::new(
                format!("tox [{}] ignore_outcome", section.name),
                section
                    .get("ignore_outcome")
                    .map_or(section.line, |e| e.line),
                Value::Switch(ignored),
            ));
        }
    }
    facts
}

/// tox `commands`: one per line, `-` in front ignores its exit code.
fn tox_commands(value: &str, line: u32) -> Vec<Invocation> {
    let mut found = Vec::new();
    for (n, raw) in value.lines().enumerate() {
        let raw = raw.trim();
        let (ignored, command_text) = match raw.strip_prefix('-') {
            Some(rest) if rest.starts_with([' ', '\t']) || !rest.starts_with('-') => {
                (true, rest.trim())
            }
            _ => (false, raw),
        };
        // `{posargs}` is empty by default; `{posargs:tests}` defaults to `tests`.
        let mut text = command_text.replace("{posargs}", "");
        while let Some(start) = text.find("{posargs:") {
            let end = text[start..].find('}').map_or(text.len(), |e| start + e);
            let default = text[start + 9..end].to_owned();
            text.replace_range(start..=end.min(text.len() - 1), &default);
        }
        let at = line + u32::try_from(n).unwrap_or(0);
        for mut invocation in command::read(
            &text,
            at,
            Shell {
                errexit: true,
                pipefail: true,
            },
        ) {
            if ignored {
                invocation.swallowed = Some("tox's `-` prefix".to_owned());
            }
            found.push(invocation);
        }
    }
    found
}

/// Shell-like words of an `addopts` value.
fn shell_words(value: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut any = false;
    for c in value.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            _ => word.push(c),
        }
    }
    if any || !word.is_empty() {
        words.push(word);
    }
    words
}

/// Facts of a pyproject.toml's pytest and coverage tables.
pub fn pyproject_facts(text: &str) -> Vec<Fact> {
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut facts = Vec::new();
    let tool = doc.get("tool");
    let table = tool
        .and_then(|t| t.get("pytest"))
        .map(|p| p.get("ini_options").unwrap_or(p));
    if let Some(table) = table {
        let header = text
            .lines()
            .position(|l| l.trim_start().starts_with("[tool.pytest"))
            .map_or(1, |n| u32::try_from(n + 1).unwrap_or(1));
        let get = |key: &str| {
            let value = table.get(key)?;
            let line = line_of(text, key, header);
            let (words, raw) = match value {
                Toml::String(s) => (
                    if key == "addopts" {
                        shell_words(s)
                    } else {
                        list(s)
                    },
                    s.clone(),
                ),
                Toml::Array(items) => {
                    let words: Vec<String> = items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .flat_map(|s| {
                            if key == "addopts" {
                                shell_words(&s)
                            } else {
                                vec![s]
                            }
                        })
                        .collect();
                    (words.clone(), words.join(" "))
                }
                other => (vec![other.to_string()], other.to_string()),
            };
            Some((words, raw, line))
        };
        facts.extend(options(&get, header));
    }
    if let Some(v) = tool
        .and_then(|t| t.get("coverage"))
        .and_then(|c| c.get("report"))
        .and_then(|r| r.get("fail_under"))
        .and_then(|v| {
            v.as_float().or_else(|| {
                v.as_integer()
                    .and_then(|i| i32::try_from(i).ok())
                    .map(f64::from)
            })
        })
    {
        facts.push(Fact::new(
            "coverage fail_under",
            line_of(text, "fail_under", 1),
            Value::Minimum(v),
        ));
    }
    // `[tool.tox] legacy_tox_ini = """..."""`.
    if let Some(legacy) = tool
        .and_then(|t| t.get("tox"))
        .and_then(|t| t.get("legacy_tox_ini"))
        .and_then(Toml::as_str)
    {
        facts.extend(ini_facts("tox.ini", legacy));
    }
    facts
}

/// One `def` (or `async def`) at `at` in the tokens: its name, decorators' text, body range.
struct Function {
    name: String,
    decorators: String,
    body: std::ops::Range<usize>,
    line: u32,
}

fn functions(tokens: &[Token]) -> Vec<Function> {
    let mut found = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        if !t.is_ident("def") || !tokens.get(k + 1).is_some_and(|n| n.kind == Kind::Ident) {
            continue;
        }
        let line = t.line;
        let indent = t.indent;
        let end = (k + 1..tokens.len())
            .find(|&j| {
                let n = &tokens[j];
                n.kind != Kind::Newline
                    && n.kind != Kind::Comment
                    && n.line > line
                    && n.indent <= indent
                    && !n.is(')')
            })
            .unwrap_or(tokens.len());
        // Decorators: the `@` lines just above.
        let mut start = k;
        while start >= 2 && tokens[start - 1].kind == Kind::Newline {
            let previous = (0..start - 1)
                .rev()
                .find(|&j| tokens[j].kind == Kind::Newline)
                .map_or(0, |j| j + 1);
            if tokens.get(previous).is_some_and(|t| t.is('@')) {
                start = previous;
            } else {
                break;
            }
        }
        let decorators = tokens[start..k]
            .iter()
            .map(|t| t.text.as_str())
            .collect::<String>();
        found.push(Function {
            name: tokens[k + 1].text.clone(),
            decorators,
            body: k + 2..end,
            line,
        });
    }
    found
}

/// What a hook or fixture body does to the tests.
fn effects(body: &[Token]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let text: Vec<&str> = body
        .iter()
        .filter(|t| t.kind != Kind::Comment)
        .map(|t| t.text.as_str())
        .collect();
    let joined = text.join(" ");
    let has = |s: &str| joined.contains(s);
    if has("pytest_deselected")
        || has("items [ : ] =")
        || has("items . remove (")
        || has("items . pop (")
        || has("items . clear (")
        || has("del items [")
    {
        found.insert("deselects collected tests".to_owned());
    }
    let skip_mark = joined.contains("add_marker (")
        && (joined.contains("mark . skip") || joined.contains("skipif"));
    if skip_mark || has("pytest . skip (") || has("skipTest") {
        found.insert("skips tests".to_owned());
    }
    if has("xfail") {
        found.insert("marks tests xfail".to_owned());
    }
    if has("outcome =") || has("outcome=") || has(". outcome = ") || has("force_result") {
        found.insert("rewrites test outcomes".to_owned());
    }
    for option in ["markexpr", "keyword", "deselect", "ignore", "ignore_glob"] {
        if has(&format!("option . {option} =")) {
            found.insert(format!("sets the `{option}` option"));
        }
    }
    found
}

/// Facts of a `conftest.py`: what it keeps out of collection and what its hooks do.
pub fn conftest_facts(text: &str) -> Vec<Fact> {
    let tokens = tokenize(text, Language::Python);
    let mut facts = Vec::new();
    for (name, matcher) in [
        ("collect_ignore", Matcher::Prefix),
        ("collect_ignore_glob", Matcher::Glob),
    ] {
        let mut patterns = Vec::new();
        let mut line = 1;
        for (k, t) in tokens.iter().enumerate() {
            if !t.is_ident(name) || (k > 0 && tokens[k - 1].is('.')) {
                continue;
            }
            line = t.line;
            // `= [...]`, `+= [...]`, `.append("x")`, `.extend([...])`: the strings up to the
            // end of the statement.
            let mut depth = 0i32;
            for n in &tokens[k + 1..] {
                match n.text.as_str() {
                    "(" | "[" | "{" if n.kind == Kind::Punct => depth += 1,
                    ")" | "]" | "}" if n.kind == Kind::Punct => depth -= 1,
                    _ => {}
                }
                if n.kind == Kind::Newline && depth <= 0 {
                    break;
                }
                if n.kind == Kind::Str {
                    patterns.push(crate::protected::extract::unquote(&n.text));
                }
            }
        }
        facts.push(Fact::new(
            format!("conftest.py {name}"),
            line,
            Value::Exclude(matcher, Family::Python, patterns),
        ));
    }
    for function in functions(&tokens) {
        let hook = function.name.starts_with("pytest_");
        let fixture = function.decorators.contains("fixture");
        let autouse = fixture
            && function.decorators.contains("autouse")
            && function.decorators.contains("True");
        if !hook && !fixture {
            continue;
        }
        let mut found = effects(&tokens[function.body.clone()]);
        if function.name == "pytest_ignore_collect"
            && tokens[function.body.clone()].windows(2).any(|w| {
                w[0].is_ident("return") && !w[1].is_ident("None") && !w[1].is_ident("False")
            })
        {
            found.insert("leaves paths out of collection".to_owned());
        }
        let key = if hook {
            format!("conftest.py hook `{}`", function.name)
        } else if autouse {
            format!("conftest.py autouse fixture `{}`", function.name)
        } else {
            format!(
                "conftest.py fixture `{}` (for the tests that use it)",
                function.name
            )
        };
        facts.push(Fact::new(key, function.line, Value::Effects(found)));
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addopts_filters_and_ignores() {
        let facts = ini_facts(
            "pytest.ini",
            "[pytest]\naddopts = -ra -k 'not slow' --ignore=tests/e2e\ntestpaths = tests\n",
        );
        assert!(
            facts
                .iter()
                .any(|f| f.key == "pytest addopts `-k not slow`")
        );
        assert!(facts.iter().any(
            |f| matches!(&f.value, Value::Exclude(Matcher::Prefix, _, p) if p == &["tests/e2e"])
        ));
    }

    #[test]
    fn conftest_hooks_and_ignores() {
        let facts = conftest_facts(
            "collect_ignore = ['a.py']\n\ndef pytest_collection_modifyitems(config, items):\n    for item in items:\n        item.add_marker(pytest.mark.xfail(reason='x'))\n",
        );
        assert!(
            facts
                .iter()
                .any(|f| matches!(&f.value, Value::Exclude(_, _, p) if p == &["a.py"]))
        );
        assert!(
            facts
                .iter()
                .any(|f| matches!(&f.value, Value::Effects(e) if e.contains("marks tests xfail")))
        );
    }

    #[test]
    fn tox_dash_prefix() {
        let facts = ini_facts("tox.ini", "[testenv]\ncommands =\n    - pytest {posargs}\n");
        let Some(Value::Commands(commands)) = facts
            .iter()
            .find(|f| f.key.ends_with("commands"))
            .map(|f| &f.value)
        else {
            panic!("{facts:?}")
        };
        assert!(commands[0].swallowed.is_some());
    }
}
