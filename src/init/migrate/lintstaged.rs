//! lint-staged: its config in package.json, `.lintstagedrc*` or `lint-staged.config.*` (an
//! object literal read without running JavaScript), at the root and in subprojects. Each glob's
//! commands become gates in the config's directory, with the staged files passed; a parent
//! config leaves out directories that have their own (lint-staged uses the nearest config).

use std::path::Path;

use super::extglob::{Selection, translate};
use super::{Migrated, biome_reporting, split_fix, tool_of};
use crate::init::GateDraft;
use crate::init::project::read_json;

/// The file names lint-staged reads, in its order.
const FILES: [&str; 11] = [
    ".lintstagedrc",
    ".lintstagedrc.json",
    ".lintstagedrc.yaml",
    ".lintstagedrc.yml",
    ".lintstagedrc.mjs",
    ".lintstagedrc.js",
    ".lintstagedrc.cjs",
    "lint-staged.config.mjs",
    "lint-staged.config.js",
    "lint-staged.config.cjs",
    "lint-staged.config.ts",
];

/// A config's entries (glob, and its tasks or why they cannot be read), or why the config
/// cannot be read at all.
type Entries = Result<Vec<(String, Result<Vec<Task>, String>)>, String>;

/// One task of a glob: a command given the files, or a function's command given none.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Task {
    WithFiles(String),
    Alone(String),
}

/// Converts every lint-staged config of the repository.
pub fn convert(root: &Path, migrated: &mut Migrated) {
    let dirs: Vec<String> = crate::init::project::directories(root);
    let found: Vec<(String, String, Entries)> = dirs
        .iter()
        .filter_map(|dir| {
            let place = if dir.is_empty() {
                root.to_path_buf()
            } else {
                root.join(dir)
            };
            read_config(&place).map(|(file, config)| (dir.clone(), file, config))
        })
        .collect();
    let config_dirs: Vec<String> = found.iter().map(|(d, _, _)| d.clone()).collect();
    for (dir, file, config) in found {
        let source = if dir.is_empty() {
            file.clone()
        } else {
            format!("{dir}/{file}")
        };
        let entries = match config {
            Ok(entries) => entries,
            Err(why) => {
                migrated.not_converted(&source, "the whole config", &why);
                continue;
            }
        };
        // Directories below this one with a config of their own are theirs, not this one's.
        let nested: Vec<String> = config_dirs
            .iter()
            .filter(|d| **d != dir && (dir.is_empty() || d.starts_with(&format!("{dir}/"))))
            .map(|d| {
                let below = if dir.is_empty() {
                    d.as_str()
                } else {
                    &d[dir.len() + 1..]
                };
                format!("{below}/")
            })
            .collect();
        let (exec, _) =
            crate::init::project::Context::new(root, &dir).package_manager(&root.join(&dir));
        let mut gates = Vec::new();
        for (pattern, tasks) in entries {
            let tasks = match tasks {
                Ok(tasks) => tasks,
                Err(why) => {
                    migrated.not_converted(&source, &format!("\"{pattern}\""), &why);
                    continue;
                }
            };
            let selection = match translate(&pattern).and_then(|s| valid(s, &pattern)) {
                Ok(selection) => selection,
                Err(why) => {
                    migrated.not_converted(&source, &format!("\"{pattern}\""), &why);
                    continue;
                }
            };
            for task in tasks {
                let (command, with_files) = match &task {
                    Task::WithFiles(c) => (c.as_str(), true),
                    Task::Alone(c) => (c.as_str(), false),
                };
                let item = format!("\"{pattern}\": {command}");
                if command.split_whitespace().take(2).eq(["git", "add"]) {
                    migrated.lines.push(format!(
                        "{source}: {item}: dropped: lint-staged stages what its tasks change itself (since v10), and a gate must not stage files"
                    ));
                    continue;
                }
                let resolved = resolve(command, exec);
                let (check, fix) = match split_fix(&resolved) {
                    Ok(split) => split,
                    Err(why) => {
                        migrated.not_converted(&source, &item, &why);
                        continue;
                    }
                };
                let name = tool_of(&check).map_or_else(
                    || "lint-staged".to_owned(),
                    |t| t.strip_prefix("script ").unwrap_or(&t).to_owned(),
                );
                let mut gate = GateDraft {
                    name: crate::init::project::prefix(&name),
                    tool: tool_of(&check),
                    note: Some(format!(
                        "from {source}: \"{pattern}\": {}",
                        command.replace('\n', " ")
                    )),
                    ..GateDraft::default()
                };
                gate.gate.run = check;
                gate.gate.fix = fix;
                gate.gate.pass_files = with_files;
                match &selection {
                    Selection::Glob(glob) if glob == "*" || glob == "**" || glob == "**/*" => {}
                    Selection::Glob(glob) => gate.gate.files = Some(vec![glob.clone()]),
                    Selection::Regex(regex) => gate.gate.files_regex = Some(regex.clone()),
                    Selection::AllBut(regex) => gate.gate.exclude_regex = Some(regex.clone()),
                }
                if !nested.is_empty() {
                    gate.gate.exclude = Some(nested.clone());
                }
                if !dir.is_empty() {
                    gate.gate.cwd = Some(dir.clone());
                    gate.name = format!("{}-{}", crate::init::project::prefix(&dir), gate.name);
                }
                biome_reporting(&mut gate);
                gate.name = migrated.unique(&gates, &gate.name);
                migrated.converted(&source, &item, &gate.name);
                gates.push(gate);
            }
        }
        migrated.add("lint-staged", &dir, gates);
    }
}

/// A command as a gate runs it: lint-staged puts `node_modules/.bin` on PATH, a gate resolves
/// the tool through the package manager (package scripts and plain commands stay as they are).
fn resolve(command: &str, exec: &str) -> String {
    let first = command.split_whitespace().next().unwrap_or("");
    let plain = matches!(
        first,
        "npm"
            | "pnpm"
            | "yarn"
            | "bun"
            | "npx"
            | "bunx"
            | "node"
            | "git"
            | "sh"
            | "bash"
            | "true"
            | "false"
    ) || first.contains('/')
        || first.contains('=');
    if plain {
        command.to_owned()
    } else {
        format!("{exec} {command}")
    }
}

/// The config in `dir`: the file it came from and its entries (or why they cannot be read).
fn read_config(dir: &Path) -> Option<(String, Entries)> {
    if let Some(value) =
        read_json(&dir.join("package.json")).and_then(|m| m.get("lint-staged").cloned())
    {
        return Some(("package.json (lint-staged)".to_owned(), from_json(&value)));
    }
    for name in FILES {
        let path = dir.join(name);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let javascript = Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "js" | "mjs" | "cjs" | "ts"));
        let parsed = if javascript {
            from_js(&text)
        } else {
            serde_yaml_ng::from_str::<serde_json::Value>(&text)
                .map_err(|e| format!("cannot read it: {e}"))
                .and_then(|v| from_json(&v))
        };
        return Some((name.to_owned(), parsed));
    }
    None
}

fn from_json(value: &serde_json::Value) -> Entries {
    let object = value
        .as_object()
        .ok_or("the config is not an object of globs")?;
    object
        .iter()
        .map(|(pattern, tasks)| {
            let tasks = match tasks {
                serde_json::Value::String(c) => Ok(vec![Task::WithFiles(c.clone())]),
                serde_json::Value::Array(list) => list
                    .iter()
                    .map(|c| {
                        c.as_str()
                            .map(|c| Task::WithFiles(c.to_owned()))
                            .ok_or_else(|| "a task that is not a command".to_owned())
                    })
                    .collect::<Result<_, _>>(),
                _ => Err("a task that is not a command".to_owned()),
            };
            Ok((pattern.clone(), tasks))
        })
        .collect()
}

/// The object literal after `export default` or `module.exports =`: string keys, and values
/// that are a command, a list of commands, or an arrow function returning a command.
fn from_js(text: &str) -> Entries {
    let tokens = tokens(text)?;
    let start = tokens
        .windows(2)
        .position(|w| {
            matches!((&w[0], &w[1]), (Token::Word(a), Token::Word(b)) if a == "export" && b == "default")
        })
        .map(|p| p + 2)
        .or_else(|| {
            tokens
                .windows(3)
                .position(|w| {
                    matches!((&w[0], &w[1], &w[2]), (Token::Word(m), Token::Punct('.'), Token::Word(e)) if m == "module" && e == "exports")
                })
                .map(|p| p + 4)
        })
        .ok_or("no `export default` or `module.exports =` object")?;
    let mut at = start;
    let expect = |at: &mut usize, wanted: char| -> Result<(), String> {
        match tokens.get(*at) {
            Some(Token::Punct(c)) if *c == wanted => {
                *at += 1;
                Ok(())
            }
            other => Err(format!(
                "expected `{wanted}`, found {other:?}: the config is not a plain object"
            )),
        }
    };
    expect(&mut at, '{')?;
    let mut entries = Vec::new();
    loop {
        match tokens.get(at) {
            Some(Token::Punct('}')) => break,
            Some(Token::Str(key) | Token::Word(key)) => {
                let key = key.clone();
                at += 1;
                expect(&mut at, ':')?;
                match value(&tokens, at, &key) {
                    Ok((tasks, next)) => {
                        entries.push((key, Ok(tasks)));
                        at = next;
                    }
                    Err(why) => {
                        // This entry is JavaScript backstop cannot read; the others still are.
                        entries.push((key, Err(why)));
                        at = skip_value(&tokens, at)
                            .ok_or("an unclosed value in the config object")?;
                    }
                }
                if let Some(Token::Punct(',')) = tokens.get(at) {
                    at += 1;
                }
            }
            other => return Err(format!("unexpected {other:?} in the config object")),
        }
    }
    Ok(entries)
}

/// The token after the value starting at `at` (at its `,` or the object's closing `}`).
fn skip_value(tokens: &[Token], at: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, token) in tokens.iter().enumerate().skip(at) {
        match token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct('}' | ',') if depth == 0 => return Some(i),
            Token::Punct(')' | ']' | '}') => depth -= 1,
            _ => {}
        }
    }
    None
}

/// A translated pattern, checked the way gates.toml checks its globs and regexes.
fn valid(selection: Selection, pattern: &str) -> Result<Selection, String> {
    let checked = match &selection {
        Selection::Glob(glob) => crate::glob::compile(glob).map(|_| ()),
        Selection::Regex(regex) | Selection::AllBut(regex) => ::regex::bytes::Regex::new(regex)
            .map(|_| ())
            .map_err(|e| e.to_string()),
    };
    checked.map_err(|e| {
        format!(
            "the pattern {pattern:?} cannot be read: {}",
            e.lines().last().unwrap_or(&e)
        )
    })?;
    Ok(selection)
}

fn value(tokens: &[Token], at: usize, key: &str) -> Result<(Vec<Task>, usize), String> {
    match tokens.get(at) {
        Some(Token::Str(command)) => Ok((vec![Task::WithFiles(command.clone())], at + 1)),
        Some(Token::Punct('[')) => {
            let mut tasks = Vec::new();
            let mut i = at + 1;
            loop {
                match tokens.get(i) {
                    Some(Token::Punct(']')) => return Ok((tasks, i + 1)),
                    Some(Token::Punct(',')) => i += 1,
                    Some(_) => {
                        let (more, next) = value(tokens, i, key)?;
                        tasks.extend(more);
                        i = next;
                    }
                    None => return Err(format!("\"{key}\": an unclosed list")),
                }
            }
        }
        Some(Token::Punct('(')) => {
            // `() => "cmd"`: a command given no files. A function of the files is JavaScript
            // backstop cannot run.
            match (tokens.get(at + 1), tokens.get(at + 2), tokens.get(at + 3)) {
                (Some(Token::Punct(')')), Some(Token::Arrow), Some(Token::Str(command))) => {
                    Ok((vec![Task::Alone(command.clone())], at + 4))
                }
                _ => Err(format!(
                    "\"{key}\": a function of the staged files builds its commands in JavaScript; write them as gates by hand"
                )),
            }
        }
        other => Err(format!(
            "\"{key}\": a value backstop cannot read ({other:?})"
        )),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Punct(char),
    Arrow,
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if matches!(c, '"' | '\'' | '`') {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                if c == '`' && chars[i] == '$' && chars.get(i + 1) == Some(&'{') {
                    return Err(
                        "a template string with `${...}` is JavaScript backstop cannot run"
                            .to_owned(),
                    );
                }
                s.push(chars[i]);
                i += 1;
            }
            i += 1;
            out.push(Token::Str(s));
        } else if c == '=' && chars.get(i + 1) == Some(&'>') {
            out.push(Token::Arrow);
            i += 2;
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut word = String::new();
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                word.push(chars[i]);
                i += 1;
            }
            out.push(Token::Word(word));
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remedas_typescript_config_is_read_without_running_it() {
        let text = r#"import type { Configuration } from "lint-staged";

export default {
  // The Typescript compiler can't type-check a single file
  "*.ts?(x)": () => "npm run check",

  // Javascript and Typescript
  "*.@(js|jsx|ts|tsx|cjs|mjs)": ["eslint --fix", "prettier --write"],

  "!(*.@(js|jsx|ts|tsx|cjs|mjs))": "prettier --ignore-unknown --write",
} satisfies Configuration;
"#;
        let entries = from_js(text).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[0].1,
            Ok(vec![Task::Alone("npm run check".to_owned())])
        );
        assert_eq!(
            entries[1].1,
            Ok(vec![
                Task::WithFiles("eslint --fix".to_owned()),
                Task::WithFiles("prettier --write".to_owned())
            ])
        );
        // A function of the files is one entry not read; the others still are.
        let entries =
            from_js("export default { '*.js': (files) => files.map((f) => 'x ' + f), '*.md': 'prettier --write' }")
                .unwrap();
        assert!(entries[0].1.is_err());
        assert_eq!(
            entries[1].1,
            Ok(vec![Task::WithFiles("prettier --write".to_owned())])
        );
    }
}
