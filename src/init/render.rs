//! The gates.toml text: the config types serialised by serde, with comments around the tables
//! (and a gate's note, such as where a migrated gate came from, above its own table).

use std::fmt::Write as _;

use super::Detected;
use crate::config::{GateConfig, ProtectConfig};

/// The gates.toml text for the detected projects, with `base` as `settings.base`.
pub fn render(projects: &[Detected], base: &str) -> String {
    let mut out = String::from(
        "# backstop gates: written by `backstop init`; every key is described in gates.toml.example.\n",
    );
    let kinds: Vec<String> = projects
        .iter()
        .map(|p| {
            if p.dir.is_empty() {
                p.kind.clone()
            } else {
                format!("{} ({})", p.kind, p.dir)
            }
        })
        .collect();
    if !kinds.is_empty() {
        let _ = writeln!(out, "# Found: {}.", kinds.join(", "));
    }
    let mut settings = toml::Table::new();
    settings.insert("base".to_owned(), base.into());
    let mut document = toml::Table::new();
    document.insert("settings".to_owned(), settings.into());
    out.push('\n');
    out.push_str(&toml::to_string(&document).expect("a table is plain TOML"));
    let drafts: Vec<_> = projects.iter().flat_map(|p| &p.gates).collect();
    for draft in drafts {
        let mut gate = toml::Table::new();
        gate.insert(draft.name.clone(), shown(&draft.gate).into());
        let mut gates = toml::Table::new();
        gates.insert("gates".to_owned(), gate.into());
        out.push('\n');
        if let Some(note) = &draft.note {
            for line in note.lines() {
                let _ = writeln!(out, "# {line}");
            }
        }
        out.push_str(&toml::to_string(&gates).expect("a table is plain TOML"));
    }
    let mut paths = crate::protected::default_paths();
    for path in tool_paths(projects) {
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    let protect = ProtectConfig {
        paths: Some(paths),
        ..ProtectConfig::default()
    };
    let mut table = toml::Table::new();
    table.insert(
        "protect".to_owned(),
        toml::Value::try_from(&protect)
            .map(prune)
            .expect("[protect] is plain TOML"),
    );
    let protect = toml::to_string(&table).expect("a table is plain TOML");
    out.push_str(
        "\n# The built-in protected gate: reports deleted or skipped tests, removed or weakened\n\
         # assertions, and edits to the files below. Remove the table to turn it off.\n",
    );
    let (header, rest) = protect.split_once('\n').unwrap_or((&protect, ""));
    let _ = write!(
        out,
        "{header}\n# tests = []   # test globs beyond the usual locations of each language\n{rest}"
    );
    out
}

/// Where the tools of the gates init wrote come from, when the commit could supply them: a
/// tool there that exits 0 would pass every gate, so each is a protected path. Python runs
/// `.venv/bin/python` and `python -m <tool>` (which imports `<tool>` from the gate's directory
/// first); Node's runners take `node_modules/.bin` and the package manager's own settings
/// (`.npmrc`, `.yarnrc.yml` with its `yarnPath`); cargo takes its toolchain from
/// `rust-toolchain.toml` (which may name a directory) and runners and wrappers from
/// `.cargo/config.toml`, in the project's directory and every one above it.
fn tool_paths(projects: &[Detected]) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    let mut add = |dir: &str, path: &str| {
        // A leading `/` anchors a name without `/` at the root, never at any depth.
        let full = if dir.is_empty() {
            if path.contains('/') {
                path.to_owned()
            } else {
                format!("/{path}")
            }
        } else {
            format!("{dir}/{path}")
        };
        if !paths.contains(&full) {
            paths.push(full);
        }
    };
    for project in projects {
        let dir = project.dir.as_str();
        let commands = project
            .gates
            .iter()
            .flat_map(|g| std::iter::once(&g.gate.run).chain(g.gate.fix.as_ref()));
        match project.kind.as_str() {
            "python" => {
                for command in commands {
                    if command.starts_with(".venv/") {
                        add(dir, ".venv/**");
                    }
                    let words: Vec<&str> = command.split_whitespace().collect();
                    for pair in words.windows(2) {
                        if pair[0] == "-m" {
                            add(dir, &format!("{}.py", pair[1]));
                            add(dir, &format!("{}/**", pair[1]));
                        }
                    }
                }
            }
            "node" => {
                for path in ["node_modules/**", ".npmrc", ".yarnrc", ".yarnrc.yml"] {
                    add(dir, path);
                }
            }
            "rust" => {
                for at in [dir, ""] {
                    for path in ["rust-toolchain", "rust-toolchain.toml", ".cargo/**"] {
                        add(at, path);
                    }
                }
            }
            _ => {}
        }
    }
    paths
}

/// The order keys are written in: what a reader looks for first.
const KEY_ORDER: [&str; 17] = [
    "run",
    "builtin",
    "files",
    "exclude",
    "files_regex",
    "exclude_regex",
    "on",
    "cwd",
    "pass_files",
    "timeout",
    "fix",
    "parser",
    "report",
    "pattern",
    "after",
    "env",
    "inputs",
];

/// A gate as init writes it: its serialised config without the keys that only repeat a
/// default (`false`, `[]`, `{}`), in [`KEY_ORDER`].
fn shown(gate: &GateConfig) -> toml::Table {
    let toml::Value::Table(mut all) =
        prune(toml::Value::try_from(gate).expect("a gate is plain TOML"))
    else {
        unreachable!("a gate serialises to a table")
    };
    let mut ordered = toml::Table::new();
    for key in KEY_ORDER {
        if let Some(value) = all.remove(key) {
            ordered.insert(key.to_owned(), value);
        }
    }
    ordered.extend(all);
    ordered
}

/// Drops the keys of a table whose values are `false`, empty lists or empty tables.
fn prune(value: toml::Value) -> toml::Value {
    match value {
        toml::Value::Table(table) => toml::Value::Table(
            table
                .into_iter()
                .filter(|(_, v)| match v {
                    toml::Value::Boolean(b) => *b,
                    toml::Value::Array(a) => !a.is_empty(),
                    toml::Value::Table(t) => !t.is_empty(),
                    _ => true,
                })
                .collect(),
        ),
        other => other,
    }
}
