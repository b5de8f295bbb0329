//! Task runners: Makefile targets (prerequisites followed, `$(VAR)` expanded, the `-` prefix
//! that ignores a failure), justfile recipes (dependencies followed, `{{var}}` expanded) and
//! Taskfile tasks; each target's test commands, as `sh -c` runs them (no `set -e`).

use std::collections::HashMap;

use super::command::{self, Invocation, Shell};
use super::facts::{Fact, Value};
use super::yaml::{self, Node};

/// A target: its line, its prerequisites, and its recipe lines (text, line, failure ignored).
struct Target {
    line: u32,
    deps: Vec<String>,
    recipe: Vec<(String, u32, bool)>,
}

fn expand(text: &str, vars: &HashMap<String, String>, open: &str, close: &str) -> String {
    let mut out = text.to_owned();
    for _ in 0..4 {
        let mut changed = false;
        for (name, value) in vars {
            for pattern in [format!("{open}{name}{close}"), format!("${{{name}}}")] {
                if out.contains(&pattern) {
                    out = out.replace(&pattern, value);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    out
}

fn makefile(text: &str) -> (HashMap<String, Target>, HashMap<String, String>) {
    let mut targets: HashMap<String, Target> = HashMap::new();
    let mut vars = HashMap::new();
    let mut current: Vec<String> = Vec::new();
    let mut pending = String::new();
    let mut pending_line = 0;
    for (n, raw) in text.lines().enumerate() {
        let line = u32::try_from(n + 1).unwrap_or(u32::MAX);
        if let Some(recipe) = raw.strip_prefix('\t') {
            if current.is_empty() {
                continue;
            }
            if pending.is_empty() {
                pending_line = line;
            }
            pending.push_str(recipe.trim_end_matches('\\'));
            if raw.ends_with('\\') {
                pending.push(' ');
                continue;
            }
            let mut command = std::mem::take(&mut pending);
            let mut ignored = false;
            loop {
                let trimmed = command.trim_start();
                match trimmed.chars().next() {
                    Some('@' | '+') => command = trimmed[1..].to_owned(),
                    Some('-') if !trimmed.starts_with("--") => {
                        ignored = true;
                        command = trimmed[1..].to_owned();
                    }
                    _ => break,
                }
            }
            for name in &current {
                if let Some(t) = targets.get_mut(name) {
                    t.recipe
                        .push((command.trim().to_owned(), pending_line, ignored));
                }
            }
            continue;
        }
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let is_variable = match (trimmed.find('='), trimmed.find(':')) {
            (Some(a), Some(c)) => c + 1 == a || a < c,
            (Some(_), None) => true,
            _ => false,
        };
        if is_variable {
            let (name, value) = trimmed
                .split_once(":=")
                .or_else(|| trimmed.split_once("?="))
                .or_else(|| trimmed.split_once("+="))
                .or_else(|| trimmed.split_once('='))
                .unwrap_or_default();
            vars.insert(name.trim().to_owned(), value.trim().to_owned());
            current.clear();
            continue;
        }
        if let Some((names, deps)) = trimmed.split_once(':') {
            if names.starts_with('.')
                && names
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '.' || c == '_')
            {
                current.clear();
                continue;
            }
            let deps: Vec<String> = deps
                .split(';')
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            current = names.split_whitespace().map(str::to_owned).collect();
            for name in &current {
                targets.insert(
                    name.clone(),
                    Target {
                        line,
                        deps: deps.clone(),
                        recipe: Vec::new(),
                    },
                );
            }
            continue;
        }
        current.clear();
    }
    (targets, vars)
}

fn justfile(text: &str) -> (HashMap<String, Target>, HashMap<String, String>) {
    let mut targets: HashMap<String, Target> = HashMap::new();
    let mut vars = HashMap::new();
    let mut current: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = u32::try_from(n + 1).unwrap_or(u32::MAX);
        if raw.starts_with([' ', '\t']) {
            if let Some(t) = current.as_ref().and_then(|c| targets.get_mut(c)) {
                let body = raw.trim();
                if body.is_empty() || body.starts_with('#') {
                    continue;
                }
                let (ignored, body) = match body.strip_prefix('-') {
                    Some(rest) => (true, rest.trim_start_matches('@')),
                    None => (false, body.trim_start_matches('@').trim_start_matches('-')),
                };
                t.recipe.push((body.to_owned(), line, ignored));
            }
            continue;
        }
        let trimmed = raw.trim();
        if trimmed.is_empty()
            || trimmed.starts_with('#')
            || trimmed.starts_with('[')
            || trimmed.starts_with("set ")
        {
            continue;
        }
        if let Some((name, value)) = trimmed.split_once(":=") {
            vars.insert(
                name.trim().trim_start_matches("export ").to_owned(),
                value.trim().trim_matches(['"', '\'']).to_owned(),
            );
            current = None;
            continue;
        }
        if let Some((head, deps)) = trimmed.split_once(':') {
            let name = head
                .trim_start_matches('@')
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            targets.insert(
                name.clone(),
                Target {
                    line,
                    deps: deps.split_whitespace().map(str::to_owned).collect(),
                    recipe: Vec::new(),
                },
            );
            current = Some(name);
        }
    }
    (targets, vars)
}

/// A target's test invocations, its prerequisites' included.
fn effective(
    name: &str,
    targets: &HashMap<String, Target>,
    vars: &HashMap<String, String>,
    depth: usize,
    braces: bool,
) -> Vec<Invocation> {
    let Some(target) = targets.get(name) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    if depth < 6 {
        for dep in &target.deps {
            found.extend(effective(dep, targets, vars, depth + 1, braces));
        }
    }
    for (text, line, ignored) in &target.recipe {
        let text = if braces {
            expand(text, vars, "{{", "}}")
        } else {
            expand(text, vars, "$(", ")")
        };
        for mut invocation in command::read(&text, *line, Shell::default()) {
            if *ignored {
                invocation.swallowed = Some("the `-` prefix that ignores its failure".to_owned());
            }
            // `make test` inside a recipe: the target's own commands stand for it.
            if let Some(inner) = invocation
                .runner
                .strip_prefix("make ")
                .or_else(|| invocation.runner.strip_prefix("just "))
                && targets.contains_key(inner)
                && depth < 6
            {
                found.extend(effective(inner, targets, vars, depth + 1, braces));
                continue;
            }
            found.push(invocation);
        }
    }
    found
}

/// The test commands of each target of a Makefile or justfile.
pub fn facts(name: &str, text: &str) -> Vec<Fact> {
    if name.eq_ignore_ascii_case("taskfile.yml") || name.eq_ignore_ascii_case("taskfile.yaml") {
        return taskfile(text);
    }
    let braces = name.eq_ignore_ascii_case("justfile") || name.eq_ignore_ascii_case(".justfile");
    let (targets, vars) = if braces {
        justfile(text)
    } else {
        makefile(text)
    };
    let mut facts = Vec::new();
    for (target, info) in &targets {
        let invocations = effective(target, &targets, &vars, 0, braces);
        if invocations.is_empty() && !command::test_like(target) {
            continue;
        }
        let kind = if braces {
            "justfile recipe"
        } else {
            "Makefile target"
        };
        facts.push(Fact::new(
            format!("{kind} `{target}`"),
            info.line,
            Value::Commands(invocations),
        ));
    }
    facts
}

/// Taskfile (`task`): each task's `cmds`, its `deps` followed.
fn taskfile(text: &str) -> Vec<Fact> {
    let doc = yaml::read(text);
    let Some(Node::Map(tasks)) = doc.get("tasks") else {
        return Vec::new();
    };
    let mut facts = Vec::new();
    for (name, task, line) in tasks {
        let mut invocations = Vec::new();
        if let Some(Node::Seq(cmds)) = task.get("cmds") {
            for (cmd, l) in cmds {
                let (text, ignored) = match cmd {
                    Node::Scalar(s) => (s.clone(), false),
                    other => (
                        other
                            .get("cmd")
                            .and_then(Node::text)
                            .unwrap_or_default()
                            .to_owned(),
                        other.get("ignore_error").and_then(Node::text) == Some("true"),
                    ),
                };
                for mut invocation in command::read(&text, *l, Shell::default()) {
                    if ignored || task.get("ignore_error").and_then(Node::text) == Some("true") {
                        invocation.swallowed = Some("ignore_error".to_owned());
                    }
                    invocations.push(invocation);
                }
            }
        }
        if invocations.is_empty() && !command::test_like(name) {
            continue;
        }
        facts.push(Fact::new(
            format!("Taskfile task `{name}`"),
            *line,
            Value::Commands(invocations),
        ));
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn make_targets_follow_prerequisites_and_variables() {
        let text =
            "GOTEST = go test\n.PHONY: test\ntest: unit\n\nunit:\n\t-$(GOTEST) -race ./...\n";
        let facts = facts("Makefile", text);
        let target = facts
            .iter()
            .find(|f| f.key == "Makefile target `test`")
            .unwrap();
        let Value::Commands(c) = &target.value else {
            panic!()
        };
        assert_eq!(c[0].runner, "go test");
        assert!(c[0].swallowed.is_some());
    }

    #[test]
    fn just_recipes() {
        let facts = facts("justfile", "test:\n    cargo test --lib\n");
        let Value::Commands(c) = &facts[0].value else {
            panic!()
        };
        assert_eq!(c[0].args, ["--lib"]);
    }
}
