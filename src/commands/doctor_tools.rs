//! `backstop doctor`'s tools: where each gate's program resolves, as the gate's shell would find
//! it (its `cwd`, its `env`'s `PATH`, else backstop's), and what it is: inside the repository
//! (tracked, ignored like `.venv` and `node_modules`, or untracked), a link and its target, or
//! outside. Anything that can write the repository can replace an ignored tool; a tool that is
//! a script doing nothing but succeed (`exit 0`) passes every gate, and doctor says so.

use std::path::{Path, PathBuf};

use crate::agent::shell;
use crate::config::{GateConfig, GatesConfig};
use crate::git::{PathStatus, Repo};

/// The largest script read to tell whether it does anything.
const SCRIPT_LIMIT: u64 = 64 * 1024;

/// One gate's tools: the lines to print and what to fix.
pub struct ToolReport {
    /// `  gate: program -> path (what it is)` lines.
    pub lines: Vec<String>,
    /// What needs fixing (a tool that is missing or does nothing).
    pub fix: Vec<String>,
}

/// Where every gate's programs resolve.
pub fn report(repo: &Repo, config: &GatesConfig) -> ToolReport {
    let mut report = ToolReport {
        lines: Vec::new(),
        fix: Vec::new(),
    };
    for (name, gate) in &config.gates {
        if let Some(builtin) = &gate.builtin {
            report.lines.push(format!(
                "  {name}: built in ({builtin}), run by backstop itself"
            ));
            continue;
        }
        let cwd = gate.cwd.as_deref().map_or_else(
            || repo.root().to_path_buf(),
            |c| repo.root().join(c.trim_start_matches("./")),
        );
        let mut seen: Vec<String> = Vec::new();
        for program in programs(&gate.run) {
            if seen.contains(&program) {
                continue;
            }
            seen.push(program.clone());
            let (line, fix) = describe(repo, gate, &cwd, &program);
            report.lines.push(format!("  {name}: {program} {line}"));
            report.fix.extend(fix.map(|f| format!("gate {name}: {f}")));
        }
    }
    report
}

/// The programs a `run` starts: each simple command's program, past wrappers (`npx`, `uv run`,
/// `env`, `timeout`...), with what a package runner runs from the project (`npx eslint` is
/// `node_modules/.bin/eslint`; `uv run pytest` is `.venv/bin/pytest`).
fn programs(run: &str) -> Vec<String> {
    let mut out = Vec::new();
    for command in shell::commands(run) {
        let words = &command.words;
        let Some(at) = words.iter().position(|w| {
            let name = shell::program_name(w);
            !shell::WRAPPERS.contains(&name)
                && !w.starts_with('-')
                && !w.contains('=')
                && w.parse::<f64>().is_err()
                && !matches!(name, "run" | "exec" | "x")
        }) else {
            continue;
        };
        let program = &words[at];
        if shell::unknown(program) || shell::SHELLS.contains(&shell::program_name(program)) {
            continue;
        }
        if matches!(
            shell::program_name(program),
            "cd" | "exit" | "true" | "false" | "echo" | "test" | "[" | "export" | "set"
        ) {
            continue;
        }
        let runner = words[..at]
            .iter()
            .map(|w| shell::program_name(w))
            .find(|w| {
                matches!(
                    *w,
                    "npx" | "pnpx" | "bunx" | "uv" | "poetry" | "pipenv" | "pdm"
                )
            });
        match runner {
            Some("npx" | "pnpx" | "bunx") => {
                out.push(format!(
                    "node_modules/.bin/{}",
                    shell::program_name(program)
                ));
            }
            Some(_) => out.push(format!(".venv/bin/{}", shell::program_name(program))),
            None => out.push(program.clone()),
        }
    }
    out
}

/// Where `program` resolves for `gate`, what it is, and what to fix about it.
fn describe(repo: &Repo, gate: &GateConfig, cwd: &Path, program: &str) -> (String, Option<String>) {
    let found = if program.contains('/') {
        let path = cwd.join(program);
        path.exists().then_some((path, "a path"))
    } else {
        let path_var = gate
            .env
            .get("PATH")
            .cloned()
            .or_else(|| std::env::var("PATH").ok())
            .unwrap_or_default();
        path_var
            .split(':')
            .filter(|d| !d.is_empty())
            .map(|d| {
                let dir = Path::new(d);
                if dir.is_relative() {
                    cwd.join(dir)
                } else {
                    dir.to_path_buf()
                }
            })
            .map(|d| d.join(program))
            .find(is_executable)
            .map(|p| (p, "PATH"))
    };
    let Some((path, how)) = found else {
        return (
            "-> not found (the gate cannot run)".to_owned(),
            Some(format!("{program} is not installed where the gate looks")),
        );
    };
    let real = path.canonicalize().unwrap_or_else(|_| path.clone());
    let mut what = vec![how.to_owned()];
    if real != path {
        what.push(format!("a link to {}", shown(repo, &real)));
    }
    let place = |p: &Path| -> Option<String> {
        let root = repo
            .root()
            .canonicalize()
            .unwrap_or_else(|_| repo.root().to_path_buf());
        let relative = p
            .strip_prefix(&root)
            .or_else(|_| p.strip_prefix(repo.root()))
            .ok()?;
        Some(match repo.path_status(relative) {
            PathStatus::Tracked => "in the repository, tracked".to_owned(),
            PathStatus::Ignored => format!(
                "in the repository, ignored ({}): anything that can write here can replace it",
                relative.components().next().map_or_else(String::new, |c| c
                    .as_os_str()
                    .to_string_lossy()
                    .into_owned())
            ),
            PathStatus::Untracked => "in the repository, untracked".to_owned(),
        })
    };
    what.push(
        place(&real)
            .or_else(|| place(&path))
            .unwrap_or_else(|| "outside the repository".to_owned()),
    );
    let fix = does_nothing(&real).map(|body| {
        what.push(format!(
            "a script that only does `{body}`: it passes whatever it is given"
        ));
        format!(
            "{} does nothing but succeed; reinstall the tool",
            shown(repo, &path)
        )
    });
    (
        format!("-> {} ({})", shown(repo, &path), what.join("; ")),
        fix,
    )
}

/// A path as the person reads it: relative to the repository when inside it.
fn shown(repo: &Repo, path: &Path) -> String {
    path.strip_prefix(repo.root())
        .map_or_else(|_| path.display().to_string(), |r| r.display().to_string())
}

fn is_executable(path: &PathBuf) -> bool {
    std::fs::metadata(path).is_ok_and(|m| {
        m.is_file() && std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0
    })
}

/// For a script whose commands are only `exit 0`, `true` or `:` (or nothing), those commands.
fn does_nothing(path: &Path) -> Option<String> {
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_file() || metadata.len() > SCRIPT_LIMIT {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    if !text.starts_with("#!") && bytes.contains(&0) {
        return None;
    }
    let interpreter = text
        .lines()
        .next()
        .filter(|l| l.starts_with("#!"))
        .map(|l| {
            l.split_whitespace()
                .map(shell::program_name)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    if !interpreter.is_empty()
        && !shell::SHELLS
            .iter()
            .any(|s| interpreter.split(' ').any(|w| w == *s))
    {
        return None;
    }
    let commands: Vec<String> = shell::commands(text)
        .into_iter()
        .map(|c| c.words.join(" "))
        .collect();
    commands
        .iter()
        .all(|c| matches!(c.as_str(), "exit" | "exit 0" | "true" | ":" | ""))
        .then(|| {
            if commands.is_empty() {
                "nothing".to_owned()
            } else {
                commands.join("; ")
            }
        })
}
