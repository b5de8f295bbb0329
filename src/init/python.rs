//! Python: ruff, mypy, pyright and pytest, each run the way the project's own config says
//! (`[tool.mypy] files`, ruff's `fix`, pyright's `include`, tox's commands).

use std::path::Path;

use super::{GateDraft, SLOW, draft};
use crate::config::ParserKind;

/// The gates of the Python project in `dir`, if there is one.
pub fn gates(dir: &Path) -> Option<Vec<GateDraft>> {
    let manifests = [
        "pyproject.toml",
        "setup.py",
        "setup.cfg",
        "requirements.txt",
        "requirements-dev.txt",
    ];
    if !manifests.iter().any(|m| dir.join(m).exists()) {
        return None;
    }
    let text: String = manifests
        .iter()
        .filter_map(|m| std::fs::read_to_string(dir.join(m)).ok())
        .collect();
    let pyproject: toml::Table = std::fs::read_to_string(dir.join("pyproject.toml"))
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_default();
    let tool = |name: &str| pyproject.get("tool").and_then(|t| t.get(name));
    let python = if dir.join(".venv/bin/python").exists() {
        ".venv/bin/python"
    } else {
        "python3"
    };
    let mentions = |name: &str| text.contains(name);
    let py = ["*.py", "pyproject.toml"];
    let mut gates = Vec::new();
    if mentions("ruff") || tool("ruff").is_some() || dir.join("ruff.toml").exists() {
        // A project's `fix = true` would make `ruff check` rewrite files: a check never does.
        let no_fix = if ruff_fixes(dir, tool("ruff")) {
            " --no-fix"
        } else {
            ""
        };
        // SARIF: each problem with its rule, its end and ruff's fix (its text has no end).
        let mut check = draft(
            "ruff",
            &format!("{python} -m ruff check{no_fix} --force-exclude --output-format=sarif"),
            &["*.py"],
        );
        check.gate.parser = Some(ParserKind::Sarif);
        check.tool = Some("ruff-check".to_owned());
        check.gate.pass_files = true;
        check.gate.fix = Some(format!("{python} -m ruff check --fix --force-exclude"));
        let mut format = draft(
            "ruff-format",
            &format!("{python} -m ruff format --check --force-exclude"),
            &["*.py"],
        );
        format.gate.pass_files = true;
        format.gate.fix = Some(format!("{python} -m ruff format --force-exclude"));
        gates.extend([check, format]);
    }
    let tox = tox_commands(dir, &pyproject);
    let mypy_configured = mypy_files(dir, tool("mypy"));
    if mentions("mypy") || tool("mypy").is_some() {
        let run = if let Some(args) = own_invocation(&tox, "mypy") {
            format!("{python} -m mypy{args}")
        } else if mypy_configured {
            // The project says which files: plain `mypy` checks exactly those.
            format!("{python} -m mypy")
        } else {
            let targets: Vec<&str> = ["src", "tests"]
                .into_iter()
                .filter(|d| dir.join(d).is_dir())
                .collect();
            let targets = if targets.is_empty() {
                ".".to_owned()
            } else {
                targets.join(" ")
            };
            format!("{python} -m mypy {targets}")
        };
        // mypy's own parser: messages wrapped by `pretty = true`, notes, error codes.
        let mut mypy = draft("mypy", &run, &py);
        mypy.gate.parser = Some(ParserKind::Mypy);
        gates.push(mypy);
    }
    let pyright_configured = tool("pyright").is_some() || dir.join("pyrightconfig.json").exists();
    if let Some(args) = own_invocation(&tox, "pyright") {
        gates.push(draft("pyright", &format!("{python} -m pyright{args}"), &py));
    } else if pyright_configured && !mentions("mypy") {
        gates.push(draft("pyright", &format!("{python} -m pyright"), &py));
    }
    if mentions("pytest") || dir.join("tests").is_dir() {
        let mut pytest = draft("pytest", &format!("{python} -m pytest -q -rA"), &py);
        pytest.gate.on = Some(SLOW.to_vec());
        pytest.gate.parser = Some(ParserKind::Pytest);
        gates.push(pytest);
    }
    Some(gates)
}

/// Whether ruff's own config turns fixing on (`fix = true` in `[tool.ruff]`, ruff.toml or
/// .ruff.toml).
fn ruff_fixes(dir: &Path, pyproject_ruff: Option<&toml::Value>) -> bool {
    let own = [".ruff.toml", "ruff.toml"].iter().find_map(|name| {
        std::fs::read_to_string(dir.join(name))
            .ok()?
            .parse::<toml::Table>()
            .ok()?
            .get("fix")?
            .as_bool()
    });
    own.or_else(|| pyproject_ruff?.get("fix")?.as_bool()) == Some(true)
}

/// Whether mypy's config names the files to check (`files` in `[tool.mypy]`, mypy.ini,
/// .mypy.ini or setup.cfg's `[mypy]`).
fn mypy_files(dir: &Path, pyproject_mypy: Option<&toml::Value>) -> bool {
    if pyproject_mypy.is_some_and(|m| m.get("files").is_some()) {
        return true;
    }
    ["mypy.ini", ".mypy.ini", "setup.cfg"].iter().any(|name| {
        std::fs::read_to_string(dir.join(name)).is_ok_and(|text| {
            let mut in_mypy = false;
            text.lines().any(|line| {
                let line = line.trim();
                if line.starts_with('[') {
                    in_mypy = line == "[mypy]";
                    return false;
                }
                in_mypy
                    && line
                        .split_once('=')
                        .is_some_and(|(key, _)| key.trim() == "files")
            })
        })
    })
}

/// The commands tox runs (`[tool.tox]` in pyproject.toml, or tox.ini), one string each.
fn tox_commands(dir: &Path, pyproject: &toml::Table) -> Vec<String> {
    let mut commands = Vec::new();
    let mut collect = |env: &toml::Value| {
        for command in env
            .get("commands")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(words) = command.as_array() {
                let words: Vec<&str> = words.iter().filter_map(toml::Value::as_str).collect();
                commands.push(words.join(" "));
            }
        }
    };
    if let Some(tox) = pyproject.get("tool").and_then(|t| t.get("tox")) {
        if let Some(base) = tox.get("env_run_base") {
            collect(base);
        }
        for env in tox
            .get("env")
            .and_then(toml::Value::as_table)
            .into_iter()
            .flat_map(|t| t.values())
        {
            collect(env);
        }
    }
    if let Ok(text) = std::fs::read_to_string(dir.join("tox.ini")) {
        let mut in_commands = false;
        for line in text.lines() {
            let trimmed = line.trim();
            if let Some(value) = trimmed
                .strip_prefix("commands")
                .and_then(|rest| rest.trim_start().strip_prefix('='))
            {
                in_commands = true;
                if !value.trim().is_empty() {
                    commands.push(value.trim().to_owned());
                }
                continue;
            }
            if in_commands && line.starts_with(char::is_whitespace) && !trimmed.is_empty() {
                commands.push(trimmed.to_owned());
            } else {
                in_commands = false;
            }
        }
    }
    commands
}

/// The arguments the project's own tox command gives `tool` (with a leading space), when it
/// runs it with only plain arguments (no tox substitutions).
fn own_invocation(commands: &[String], tool: &str) -> Option<String> {
    commands.iter().find_map(|command| {
        let mut words = command.split_whitespace();
        let first = words.next()?;
        if first != tool || command.contains('{') {
            return None;
        }
        Some(words.fold(String::new(), |mut out, w| {
            out.push(' ');
            out.push_str(w);
            out
        }))
    })
}
