//! JavaScript runners' configuration: Jest, Vitest, Mocha, Playwright, nyc and c8, written as
//! JS/TS modules (read as key paths over the JS lexer's tokens), JSON or YAML; and
//! package.json (`scripts` read as commands, `jest`/`mocha`/`nyc`/`c8` keys as configs).

use std::collections::BTreeSet;

use super::command::{self, Shell};
use super::facts::{Fact, Value};
use super::patterns::{Family, Matcher};
use super::yaml::{self, Node};
use crate::protected::extract::unquote;
use crate::protected::lexer::{Kind, Language, Token, tokenize};

/// A configuration value, flattened: a scalar's text or a list of texts.
#[derive(Debug, Clone, PartialEq)]
pub enum Flat {
    /// Text (a string without its quotes, or code as written).
    Scalar(String),
    /// Items' texts.
    List(Vec<String>),
}

/// Key paths (`test.coverage.thresholds.lines`) with their values and lines.
pub type Entries = Vec<(String, Flat, u32)>;

fn matching(tokens: &[Token], open: usize) -> usize {
    let mut depth = 0i32;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        if t.is('(') || t.is('[') || t.is('{') {
            depth += 1;
        } else if t.is(')') || t.is(']') || t.is('}') {
            depth -= 1;
            if depth == 0 {
                return k;
            }
        }
    }
    tokens.len().saturating_sub(1)
}

/// Top-level comma-separated parts of `tokens[from..to]`.
fn parts(tokens: &[Token], from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = from;
    let mut k = from;
    while k < to {
        let t = &tokens[k];
        if t.is('(') || t.is('[') || t.is('{') {
            k = matching(tokens, k) + 1;
            continue;
        }
        if t.is(',') {
            out.push((start, k));
            start = k + 1;
        }
        k += 1;
    }
    if start < to {
        out.push((start, to));
    }
    out
}

fn text_of(tokens: &[Token]) -> String {
    if let [one] = tokens
        && one.kind == Kind::Str
    {
        return unquote(&one.text);
    }
    tokens
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn object(tokens: &[Token], open: usize, prefix: &str, out: &mut Entries) {
    let close = matching(tokens, open);
    for (from, to) in parts(tokens, open + 1, close) {
        let Some(key_token) = tokens.get(from) else {
            continue;
        };
        if !tokens.get(from + 1).is_some_and(|t| t.is(':')) {
            continue;
        }
        let key = match key_token.kind {
            Kind::Str => unquote(&key_token.text),
            _ => key_token.text.clone(),
        };
        let path = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        let value = from + 2;
        if value >= to {
            continue;
        }
        let line = key_token.line;
        if tokens[value].is('{') && matching(tokens, value) + 1 >= to {
            object(tokens, value, &path, out);
        } else if tokens[value].is('[') && matching(tokens, value) + 1 >= to {
            let end = matching(tokens, value);
            let mut items = Vec::new();
            for (f, t) in parts(tokens, value + 1, end) {
                if tokens[f].is('{') {
                    object(tokens, f, &format!("{path}[]"), out);
                }
                items.push(text_of(&tokens[f..t]));
            }
            out.push((path, Flat::List(items), line));
        } else {
            out.push((path, Flat::Scalar(text_of(&tokens[value..to])), line));
        }
    }
}

/// Key paths of the object literals of a JS/TS configuration module.
pub fn from_module(text: &str) -> Entries {
    let tokens: Vec<Token> = tokenize(text, Language::Js)
        .into_iter()
        .filter(|t| t.kind != Kind::Comment)
        .collect();
    let mut out = Vec::new();
    let mut k = 0;
    while k < tokens.len() {
        let literal = tokens[k].is('{')
            && k > 0
            && (tokens[k - 1].is('=')
                || tokens[k - 1].is('(')
                || tokens[k - 1].is('[')
                || tokens[k - 1].is(',')
                || tokens[k - 1].is_ident("default")
                || tokens[k - 1].is_ident("return"));
        if literal {
            object(&tokens, k, "", &mut out);
            k = matching(&tokens, k) + 1;
            continue;
        }
        k += 1;
    }
    out
}

fn json_flatten(value: &serde_json::Value, path: &str, text: &str, out: &mut Entries) {
    let line = |key: &str| {
        let needle = format!("\"{key}\"");
        text.lines()
            .position(|l| l.contains(&needle))
            .map_or(1, |n| u32::try_from(n + 1).unwrap_or(1))
    };
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match v {
                    serde_json::Value::Object(_) => json_flatten(v, &child, text, out),
                    serde_json::Value::Array(items) => {
                        let texts = items
                            .iter()
                            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                            .collect();
                        out.push((child, Flat::List(texts), line(key)));
                    }
                    serde_json::Value::String(s) => {
                        out.push((child, Flat::Scalar(s.clone()), line(key)));
                    }
                    other => out.push((child, Flat::Scalar(other.to_string()), line(key))),
                }
            }
        }
        other => out.push((path.to_owned(), Flat::Scalar(other.to_string()), 1)),
    }
}

/// Key paths of a JSON document.
pub fn from_json(text: &str) -> Entries {
    let mut out = Vec::new();
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        json_flatten(&value, "", text, &mut out);
    }
    out
}

fn yaml_flatten(node: &Node, path: &str, line: u32, out: &mut Entries) {
    match node {
        Node::Map(entries) => {
            for (key, value, l) in entries {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                yaml_flatten(value, &child, *l, out);
            }
        }
        Node::Seq(items) => out.push((
            path.to_owned(),
            Flat::List(
                items
                    .iter()
                    .filter_map(|(n, _)| n.text().map(str::to_owned))
                    .collect(),
            ),
            line,
        )),
        Node::Scalar(s) => out.push((path.to_owned(), Flat::Scalar(s.clone()), line)),
    }
}

/// Key paths of a YAML document.
pub fn from_yaml(text: &str) -> Entries {
    let mut out = Vec::new();
    yaml_flatten(&yaml::read(text), "", 1, &mut out);
    out
}

struct Lookup<'a> {
    entries: &'a Entries,
    prefix: String,
    /// Line to report when a key is not set.
    fallback: u32,
}

impl Lookup<'_> {
    fn get(&self, key: &str) -> Option<(&Flat, u32)> {
        let full = if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        };
        self.entries
            .iter()
            .find(|(k, _, _)| *k == full)
            .map(|(_, v, l)| (v, *l))
    }

    fn list(&self, key: &str) -> Option<(Vec<String>, u32)> {
        self.get(key).map(|(v, l)| {
            (
                match v {
                    Flat::List(items) => items.clone(),
                    Flat::Scalar(s) => vec![s.clone()],
                },
                l,
            )
        })
    }

    fn scalar(&self, key: &str) -> Option<(String, u32)> {
        self.get(key).map(|(v, l)| {
            (
                match v {
                    Flat::Scalar(s) => s.clone(),
                    Flat::List(items) => items.join(" "),
                },
                l,
            )
        })
    }

    fn truthy(&self, key: &str) -> Option<(bool, u32)> {
        self.scalar(key).map(|(v, l)| (v == "true", l))
    }

    /// Numbers under a key (`coverageThreshold.global.lines`...): (full key, value, line).
    fn numbers_under(&self, key: &str) -> Vec<(String, f64, u32)> {
        let full = if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        };
        self.entries
            .iter()
            .filter(|(k, _, _)| *k == full || k.starts_with(&format!("{full}.")))
            .filter_map(|(k, v, l)| match v {
                Flat::Scalar(s) => s
                    .replace(['_', ' '], "")
                    .parse::<f64>()
                    .ok()
                    .map(|n| (k.clone(), n, *l)),
                Flat::List(_) => None,
            })
            .collect()
    }
}

fn include(
    facts: &mut Vec<Fact>,
    key: String,
    matcher: Matcher,
    found: Option<(Vec<String>, u32)>,
    default: &[&str],
    fallback: u32,
) {
    let (list, line) =
        found.unwrap_or_else(|| (default.iter().map(|s| (*s).to_owned()).collect(), fallback));
    facts.push(Fact::new(
        key,
        line,
        Value::Include(matcher, Family::Js, list),
    ));
}

fn exclude(
    facts: &mut Vec<Fact>,
    key: String,
    matcher: Matcher,
    found: Option<(Vec<String>, u32)>,
    default: &[&str],
    fallback: u32,
) {
    let (list, line) =
        found.unwrap_or_else(|| (default.iter().map(|s| (*s).to_owned()).collect(), fallback));
    // `...configDefaults.exclude`: the defaults, spread.
    let expanded = list
        .into_iter()
        .flat_map(|p| {
            if p.starts_with("...") {
                default.iter().map(|s| (*s).to_owned()).collect()
            } else {
                vec![p]
            }
        })
        .collect();
    facts.push(Fact::new(
        key,
        line,
        Value::Exclude(matcher, Family::Js, expanded),
    ));
}

const JEST_MATCH: [&str; 2] = [
    "**/__tests__/**/*.?([mc])[jt]s?(x)",
    "**/?(*.)+(spec|test).?([mc])[jt]s?(x)",
];
const VITEST_INCLUDE: [&str; 1] = ["**/*.{test,spec}.?(c|m)[jt]s?(x)"];
const VITEST_EXCLUDE: [&str; 6] = [
    "**/node_modules/**",
    "**/dist/**",
    "**/cypress/**",
    "**/.{idea,git,cache,output,temp}/**",
    "**/{karma,rollup,webpack,vite,vitest,jest,ava,babel,nyc,cypress,tsup,build,eslint,prettier}.config.*",
    "**/coverage/**",
];
const PLAYWRIGHT_MATCH: [&str; 1] = ["**/*.@(spec|test).?(c|m)[jt]s?(x)"];

fn jest(l: &Lookup<'_>, facts: &mut Vec<Fact>) {
    match l.list("testRegex") {
        Some(found) => include(
            facts,
            "jest testMatch".into(),
            Matcher::Regex,
            Some(found),
            &[],
            l.fallback,
        ),
        None => include(
            facts,
            "jest testMatch".into(),
            Matcher::Glob,
            l.list("testMatch"),
            &JEST_MATCH,
            l.fallback,
        ),
    }
    include(
        facts,
        "jest roots".into(),
        Matcher::Prefix,
        l.list("roots"),
        &[""],
        l.fallback,
    );
    exclude(
        facts,
        "jest testPathIgnorePatterns".into(),
        Matcher::Regex,
        l.list("testPathIgnorePatterns"),
        &["/node_modules/"],
        l.fallback,
    );
    exclude(
        facts,
        "jest modulePathIgnorePatterns".into(),
        Matcher::Regex,
        l.list("modulePathIgnorePatterns"),
        &[],
        l.fallback,
    );
    let (pass, line) = l.truthy("passWithNoTests").unwrap_or((false, l.fallback));
    facts.push(Fact::new("jest passWithNoTests", line, Value::Switch(pass)));
    if let Some((pattern, line)) = l.scalar("testNamePattern") {
        facts.push(Fact::new(
            "jest testNamePattern",
            line,
            Value::Filter(pattern),
        ));
    }
    for (key, value, line) in l.numbers_under("coverageThreshold") {
        facts.push(Fact::new(
            format!("jest {key}"),
            line,
            Value::Minimum(value),
        ));
    }
}

fn vitest(l: &Lookup<'_>, facts: &mut Vec<Fact>) {
    include(
        facts,
        "vitest test.include".into(),
        Matcher::Glob,
        l.list("include"),
        &VITEST_INCLUDE,
        l.fallback,
    );
    exclude(
        facts,
        "vitest test.exclude".into(),
        Matcher::Glob,
        l.list("exclude"),
        &VITEST_EXCLUDE,
        l.fallback,
    );
    include(
        facts,
        "vitest test.dir".into(),
        Matcher::Prefix,
        l.list("dir"),
        &[""],
        l.fallback,
    );
    for key in ["passWithNoTests", "allowOnly"] {
        let (on, line) = l.truthy(key).unwrap_or((false, l.fallback));
        facts.push(Fact::new(
            format!("vitest test.{key}"),
            line,
            Value::Switch(on),
        ));
    }
    if let Some((retry, line)) = l
        .scalar("retry")
        .and_then(|(v, l)| v.parse().ok().map(|v| (v, l)))
    {
        facts.push(Fact::new("vitest test.retry", line, Value::Maximum(retry)));
    }
    if let Some((pattern, line)) = l.scalar("testNamePattern") {
        facts.push(Fact::new(
            "vitest test.testNamePattern",
            line,
            Value::Filter(pattern),
        ));
    }
    for (key, value, line) in l.numbers_under("coverage") {
        let last = key.rsplit('.').next().unwrap_or_default();
        if matches!(
            last,
            "lines" | "branches" | "functions" | "statements" | "100"
        ) {
            facts.push(Fact::new(
                format!("vitest {key}"),
                line,
                Value::Minimum(value),
            ));
        }
    }
}

fn mocha(l: &Lookup<'_>, facts: &mut Vec<Fact>) {
    let recursive = l.truthy("recursive").is_some_and(|(r, _)| r);
    let default = if recursive {
        "test/**/*.{js,cjs,mjs}"
    } else {
        "test/*.{js,cjs,mjs}"
    };
    include(
        facts,
        "mocha spec".into(),
        Matcher::Glob,
        l.list("spec"),
        &[default],
        l.fallback,
    );
    for key in ["ignore", "exclude"] {
        exclude(
            facts,
            format!("mocha {key}"),
            Matcher::Glob,
            l.list(key),
            &[],
            l.fallback,
        );
    }
    let inverted = l.truthy("invert").is_some_and(|(v, _)| v);
    for key in ["grep", "fgrep"] {
        if let Some((pattern, line)) = l.scalar(key) {
            let shown = if inverted {
                format!("{pattern} (inverted)")
            } else {
                pattern
            };
            facts.push(Fact::new(
                format!("mocha {key}"),
                line,
                Value::Filter(shown),
            ));
        }
    }
    if let Some((retries, line)) = l
        .scalar("retries")
        .and_then(|(v, l)| v.parse().ok().map(|v| (v, l)))
    {
        facts.push(Fact::new("mocha retries", line, Value::Maximum(retries)));
    }
    let (forbid, line) = l.truthy("forbid-only").unwrap_or((false, l.fallback));
    facts.push(Fact::new("mocha forbid-only", line, Value::Switch(!forbid)));
}

fn playwright(l: &Lookup<'_>, facts: &mut Vec<Fact>) {
    for scope in ["", "projects[]."] {
        include(
            facts,
            format!("playwright {scope}testMatch"),
            Matcher::Glob,
            l.list(&format!("{scope}testMatch")),
            &PLAYWRIGHT_MATCH,
            l.fallback,
        );
        exclude(
            facts,
            format!("playwright {scope}testIgnore"),
            Matcher::Glob,
            l.list(&format!("{scope}testIgnore")),
            &[],
            l.fallback,
        );
        for key in ["grep", "grepInvert"] {
            if let Some((pattern, line)) = l.scalar(&format!("{scope}{key}")) {
                facts.push(Fact::new(
                    format!("playwright {scope}{key}"),
                    line,
                    Value::Filter(pattern),
                ));
            }
        }
    }
    include(
        facts,
        "playwright testDir".into(),
        Matcher::Prefix,
        l.list("testDir"),
        &[""],
        l.fallback,
    );
    if let Some((retries, line)) = l
        .scalar("retries")
        .and_then(|(v, l)| v.parse().ok().map(|v| (v, l)))
    {
        facts.push(Fact::new(
            "playwright retries",
            line,
            Value::Maximum(retries),
        ));
    }
    if let Some((forbid, line)) = l.scalar("forbidOnly") {
        facts.push(Fact::new(
            "playwright forbidOnly",
            line,
            Value::Switch(forbid == "false"),
        ));
    }
    for (key, value, line) in l.numbers_under("expect") {
        if key.contains("maxDiffPixel") || key.ends_with("threshold") {
            facts.push(Fact::new(
                format!("playwright {key}"),
                line,
                Value::Maximum(value),
            ));
        }
    }
}

fn coverage_tool(tool: &str, l: &Lookup<'_>, facts: &mut Vec<Fact>) {
    for key in ["lines", "branches", "functions", "statements"] {
        if let Some((v, line)) = l
            .scalar(key)
            .and_then(|(v, l)| v.parse::<f64>().ok().map(|v| (v, l)))
        {
            facts.push(Fact::new(format!("{tool} {key}"), line, Value::Minimum(v)));
        }
    }
    if let Some((check, line)) = l
        .truthy("check-coverage")
        .or_else(|| l.truthy("checkCoverage"))
    {
        facts.push(Fact::new(
            format!("{tool} check-coverage"),
            line,
            Value::Switch(!check),
        ));
    }
}

/// Which runner a configuration file belongs to, by its name.
pub fn runner_of(name: &str) -> Option<&'static str> {
    let stem = name.split('.').next().unwrap_or_default();
    match stem {
        "jest" if name.contains(".config.") => Some("jest"),
        "vitest" if name.contains(".config.") || name.contains(".workspace.") => Some("vitest"),
        "vite" if name.contains(".config.") => Some("vitest"),
        "playwright" if name.contains(".config.") => Some("playwright"),
        "" if name.starts_with(".mocharc") => Some("mocha"),
        "" if name.starts_with(".nycrc") => Some("nyc"),
        "" if name.starts_with(".c8rc") => Some("c8"),
        _ if name == "package.json" => Some("package.json"),
        _ => None,
    }
}

/// The facts of a JS runner's configuration file.
pub fn facts(name: &str, text: &str) -> Vec<Fact> {
    let Some(runner) = runner_of(name) else {
        return Vec::new();
    };
    let extension = std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let entries = if extension == "json" || name == ".nycrc" || name == ".c8rc" {
        from_json(text)
    } else if extension == "yml" || extension == "yaml" {
        from_yaml(text)
    } else {
        from_module(text)
    };
    let mut facts = Vec::new();
    let lookup = |prefix: &str| Lookup {
        entries: &entries,
        prefix: prefix.to_owned(),
        fallback: 1,
    };
    match runner {
        "jest" => jest(&lookup(""), &mut facts),
        "vitest" => {
            // Only a file with a `test` section configures Vitest (a plain vite.config does not).
            if entries
                .iter()
                .any(|(k, _, _)| k == "test" || k.starts_with("test."))
            {
                vitest(&lookup("test"), &mut facts);
            }
        }
        "mocha" => mocha(&lookup(""), &mut facts),
        "playwright" => playwright(&lookup(""), &mut facts),
        "nyc" | "c8" => coverage_tool(runner, &lookup(""), &mut facts),
        _ => package_json(&entries, &mut facts),
    }
    facts
}

fn package_json(entries: &Entries, facts: &mut Vec<Fact>) {
    for (key, value, line) in entries {
        let Some(script) = key.strip_prefix("scripts.") else {
            continue;
        };
        let Flat::Scalar(command_text) = value else {
            continue;
        };
        let invocations = command::read(command_text, *line, Shell::default());
        if invocations.is_empty() && !command::test_like(script) {
            continue;
        }
        facts.push(Fact::new(
            format!("package.json script `{script}`"),
            *line,
            Value::Commands(invocations),
        ));
    }
    let keys: BTreeSet<&str> = entries
        .iter()
        .filter_map(|(k, _, _)| k.split('.').next())
        .collect();
    let lookup = |prefix: &str| Lookup {
        entries,
        prefix: prefix.to_owned(),
        fallback: 1,
    };
    if keys.contains("jest") {
        jest(&lookup("jest"), facts);
    }
    if keys.contains("mocha") {
        mocha(&lookup("mocha"), facts);
    }
    for tool in ["nyc", "c8"] {
        if keys.contains(tool) {
            coverage_tool(tool, &lookup(tool), facts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_key_paths() {
        let entries = from_module(
            "import { configDefaults, defineConfig } from 'vitest/config';\nexport default defineConfig({\n  test: {\n    include: ['src/**/*.test.ts'],\n    exclude: [...configDefaults.exclude, 'e2e/**'],\n    coverage: { thresholds: { lines: 85 } },\n  },\n});\n",
        );
        assert!(entries.contains(&(
            "test.include".into(),
            Flat::List(vec!["src/**/*.test.ts".into()]),
            4
        )));
        assert!(
            entries
                .iter()
                .any(|(k, v, _)| k == "test.coverage.thresholds.lines"
                    && *v == Flat::Scalar("85".into()))
        );
    }

    #[test]
    fn package_scripts_are_commands() {
        let facts = facts(
            "package.json",
            "{\n  \"scripts\": {\n    \"test\": \"jest || true\"\n  }\n}\n",
        );
        let Some(Value::Commands(c)) = facts.first().map(|f| &f.value) else {
            panic!("{facts:?}")
        };
        assert!(c[0].swallowed.is_some());
        assert_eq!(facts[0].line, 3);
    }
}
