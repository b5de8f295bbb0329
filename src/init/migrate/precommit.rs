//! `.pre-commit-config.yaml` (pre-commit and prek): local, system and script hooks as the
//! commands they run, with their `files`/`exclude` regular expressions kept exact and their
//! `types` as globs; widely used remote hooks mapped to the tool's own command (the pinned
//! `rev` noted above the gate); pre-commit-hooks' checks as backstop's built-in ones.

use std::path::Path;

use serde_yaml_ng::Value;

use super::{Migrated, quote, split_fix, tool_of, triggers_for};
use crate::init::GateDraft;

const FILES: [&str; 2] = [".pre-commit-config.yaml", ".pre-commit-config.yml"];

/// Converts the repository's pre-commit config, if it has one.
#[expect(
    clippy::too_many_lines,
    reason = "each level of the config, top to bottom"
)]
pub fn convert(root: &Path, migrated: &mut Migrated) {
    let Some((file, text)) = FILES
        .iter()
        .find_map(|f| Some((*f, std::fs::read_to_string(root.join(f)).ok()?)))
    else {
        return;
    };
    let config: Value = match serde_yaml_ng::from_str(&text) {
        Ok(config) => config,
        Err(e) => {
            migrated.not_converted(file, "the whole config", &format!("it does not parse: {e}"));
            return;
        }
    };
    let top_files = config
        .get("files")
        .and_then(Value::as_str)
        .filter(|f| !f.is_empty());
    let top_exclude = config
        .get("exclude")
        .and_then(Value::as_str)
        .filter(|f| !f.is_empty() && *f != "^$");
    let default_stages: Vec<String> = strings(config.get("default_stages"));
    for key in unknown_keys(&config, TOP_KEYS) {
        migrated.not_converted(
            file,
            &format!("top-level `{key}`"),
            "backstop has no equivalent setting",
        );
    }
    if let Some(versions) = config.get("default_language_version") {
        migrated.lines.push(format!(
            "{file}: default_language_version {}: not converted: the gates run the tools installed where they run",
            serde_yaml_ng::to_string(versions).unwrap_or_default().trim().replace('\n', ", ")
        ));
    }
    let mut gates = Vec::new();
    for repo in config
        .get("repos")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let url = repo.get("repo").and_then(Value::as_str).unwrap_or("");
        let rev = repo.get("rev").and_then(Value::as_str).unwrap_or("");
        let pin = pinned(&text, rev);
        for key in unknown_keys(repo, &["repo", "rev", "hooks"]) {
            migrated.not_converted(
                file,
                &format!("{url}: `{key}`"),
                "backstop has no equivalent",
            );
        }
        for hook in repo
            .get("hooks")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            let id = hook.get("id").and_then(Value::as_str).unwrap_or("?");
            let item = format!("{id} ({})", if url.is_empty() { "?" } else { url });
            if hook
                .get("entry")
                .and_then(Value::as_str)
                .is_some_and(super::runs_backstop)
            {
                migrated.lines.push(format!(
                    "{file}: {item}: runs backstop itself: left as it is (it runs the gates)"
                ));
                continue;
            }
            let converted = match url {
                "local" => local(root, hook),
                "meta" => Err("a meta hook checks pre-commit's own config".to_owned()),
                _ => remote(root, url, id, hook),
            };
            let mut gate = match converted {
                Ok(gate) => gate,
                Err(why) => {
                    migrated.not_converted(file, &item, &why);
                    continue;
                }
            };
            if let Err(why) = apply_common(&mut gate, hook, top_files, top_exclude, &default_stages)
            {
                migrated.not_converted(file, &item, &why);
                continue;
            }
            let mut extra_lines = Vec::new();
            for key in unknown_keys(hook, HOOK_KEYS) {
                extra_lines.push(format!(
                    "{file}: {item}: `{key}` not converted: backstop has no equivalent"
                ));
            }
            let dependencies = strings(hook.get("additional_dependencies"));
            if !dependencies.is_empty() {
                let need = format!(
                    "additional_dependencies not converted: pre-commit installed {} beside the hook; install them where the gates run",
                    dependencies.join(", ")
                );
                extra_lines.push(format!("{file}: {item}: {need}"));
                gate.note = Some(
                    gate.note
                        .take()
                        .map_or_else(|| need.clone(), |n| format!("{n}\n{need}")),
                );
            }
            if let Some(version) = hook.get("language_version").and_then(Value::as_str) {
                extra_lines.push(format!(
                    "{file}: {item}: language_version {version} not converted: the gate runs the version installed where it runs"
                ));
            }
            gate.name = migrated.unique(
                &gates,
                &crate::init::project::prefix(
                    hook.get("alias").and_then(Value::as_str).unwrap_or(id),
                ),
            );
            let origin = if url == "local" {
                format!("from {file}: local hook {id}")
            } else {
                format!("from {file}: {url} rev {pin}, hook {id}")
            };
            gate.note = Some(match gate.note.take() {
                Some(more) => format!("{origin}\n{more}"),
                None => origin,
            });
            migrated.converted(file, &item, &gate.name);
            migrated.lines.extend(extra_lines);
            if url != "local"
                && let Some(need) = needs_install(root, &gate.gate.run, &pin)
            {
                migrated.lines.push(format!("{file}: {item}: {need}"));
                if let Some(note) = &mut gate.note {
                    note.push('\n');
                    note.push_str(&need);
                }
            }
            gates.push(gate);
        }
    }
    migrated.add("pre-commit", "", gates);
}

/// The `rev` with the comment pre-commit's `--freeze` writes beside it (`# frozen: v1.2`).
fn pinned(text: &str, rev: &str) -> String {
    if rev.is_empty() {
        return "(none)".to_owned();
    }
    text.lines()
        .find(|l| l.contains("rev:") && l.contains(rev))
        .and_then(|l| l.split_once('#'))
        .map_or_else(
            || rev.to_owned(),
            |(_, comment)| format!("{rev} ({})", comment.trim()),
        )
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// A local hook: its entry and args, as pre-commit would run them.
fn local(root: &Path, hook: &Value) -> Result<GateDraft, String> {
    let entry = hook
        .get("entry")
        .and_then(Value::as_str)
        .ok_or("it has no `entry`")?;
    let language = hook
        .get("language")
        .and_then(Value::as_str)
        .unwrap_or("system");
    let args: Vec<String> = strings(hook.get("args"));
    let args = args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ");
    let mut gate = GateDraft::default();
    let command = match language {
        "system" | "unsupported" => entry.to_owned(),
        "script" | "unsupported_script" => {
            if entry.starts_with('/') || entry.starts_with("./") {
                entry.to_owned()
            } else {
                format!("./{entry}")
            }
        }
        "fail" => {
            gate.gate.run = format!("printf '%s\\n' {} \"$@\"; exit 1", quote(entry));
            gate.gate.pass_files = true;
            return Ok(gate);
        }
        "pygrep" => {
            let negate = args.contains("--negate");
            let case = if args.contains("--ignore-case") {
                "i"
            } else {
                ""
            };
            // --multiline: the pattern spans lines; grep reads each file as one record (-z).
            let multiline = args.contains("--multiline");
            let (whole, record) = if multiline { ("z", "") } else { ("", "nH") };
            gate.gate.run = match (negate, multiline) {
                (true, _) => format!("! grep -L{whole}{case}P -- {}", quote(entry)),
                (false, true) => format!("! grep -l{whole}{case}P -- {}", quote(entry)),
                (false, false) => format!("! grep -{record}{case}P -- {}", quote(entry)),
            };
            gate.gate.pass_files = true;
            gate.note = Some(if multiline {
                "pygrep --multiline: Python's regex read by `grep -zP` (each file as one record; files are named, not lines)".to_owned()
            } else {
                "pygrep: Python's regex read by `grep -P`".to_owned()
            });
            return Ok(gate);
        }
        "python" | "node" | "golang" | "rust" | "ruby" | "docker" | "docker_image" | "conda"
        | "dotnet" | "lua" | "perl" | "r" | "swift" | "haskell" | "dart" | "coursier" | "julia" => {
            gate.note = Some(format!(
                "language {language}: pre-commit built an environment for it; `{}` must be installed where the gates run",
                entry.split_whitespace().next().unwrap_or(entry)
            ));
            resolve_python_tool(root, entry)
        }
        other => return Err(format!("language `{other}` has no direct command")),
    };
    let full = if args.is_empty() {
        command
    } else {
        format!("{command} {args}")
    };
    let (check, fix) = split_fix(&full)?;
    gate.tool = tool_of(&check);
    gate.gate.run = check;
    gate.gate.fix = fix;
    Ok(gate)
}

/// What a mapped remote hook's tool needs when it is not installed here: pre-commit installed
/// it for the hook, the gate runs it from the project (or PATH).
fn needs_install(root: &Path, run: &str, pin: &str) -> Option<String> {
    let first = run.split_whitespace().next()?;
    if first.contains('/') || first == "npx" {
        return None;
    }
    let on_path = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(first).is_file()));
    if on_path || root.join(".venv/bin").join(first).exists() {
        return None;
    }
    let version = pin
        .split(['(', ')', ' '])
        .map(|w| w.trim_start_matches("frozen:").trim())
        .find(|w| w.starts_with('v') && w[1..].starts_with(|c: char| c.is_ascii_digit()))
        .map(|v| format!("=={}", &v[1..]))
        .unwrap_or_default();
    Some(format!(
        "pre-commit installed `{first}` for this hook; install it where the gates run (e.g. `pip install {first}{version}` in the project's environment)"
    ))
}

/// `.venv/bin/<tool>` when the project has that venv, so the pinned tool runs.
fn resolve_python_tool(root: &Path, command: &str) -> String {
    let first = command.split_whitespace().next().unwrap_or("");
    if !first.contains('/') && root.join(".venv/bin").join(first).exists() {
        format!(".venv/bin/{command}")
    } else {
        command.to_owned()
    }
}

/// A remote hook backstop knows: the tool's own command (or a built-in check).
#[expect(
    clippy::too_many_lines,
    reason = "one table of known hooks, read top to bottom"
)]
fn remote(root: &Path, url: &str, id: &str, hook: &Value) -> Result<GateDraft, String> {
    let repo = url
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .rsplit('/')
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("/")
        .to_ascii_lowercase();
    let args: Vec<String> = strings(hook.get("args"));
    let mut gate = GateDraft::default();
    if repo == "pre-commit/pre-commit-hooks" {
        let spec = std::iter::once(id.to_owned())
            .chain(args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ");
        // The name first: an unknown check is "no built-in", not "has no option".
        crate::builtin::Builtin::parse(id).map_err(|_| {
            format!("backstop has no built-in `{id}`: install pre-commit-hooks and add a gate running `{id}`")
        })?;
        crate::builtin::Builtin::parse(&spec).map_err(|e| {
            format!("{e}; backstop has no built-in for it: install pre-commit-hooks and add a gate running `{id}`")
        })?;
        gate.gate.builtin = Some(spec);
        gate.tool = Some(id.to_owned());
        // pre-commit-hooks' own `types` for these checks.
        let types = match id {
            "check-yaml"
            | "check-json"
            | "check-toml"
            | "debug-statements"
            | "check-added-large-files"
            | "check-case-conflict" => None,
            _ => Some("text"),
        };
        if let Some(types) = types {
            gate.note = Some(format!(
                "types [{types}]: binary files are skipped by the check"
            ));
        }
        return Ok(gate);
    }
    let python = |tool: &str| resolve_python_tool(root, tool);
    let node = |tool: &str| format!("npx --no-install {tool}");
    let with_args = |command: String| {
        if args.is_empty() {
            command
        } else {
            format!(
                "{command} {}",
                args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ")
            )
        }
    };
    let python_files = || Some(vec!["*.{py,pyi}".to_owned()]);
    let (command, files, pass_files): (String, Option<Vec<String>>, bool) = match (
        repo.as_str(),
        id,
    ) {
        ("astral-sh/ruff-pre-commit", "ruff" | "ruff-check") => {
            let args: Vec<&String> = args
                .iter()
                .filter(|a| !matches!(a.as_str(), "--fix" | "--exit-non-zero-on-fix"))
                .collect();
            let rest: String = args.iter().map(|a| " ".to_owned() + &quote(a)).collect();
            gate.gate.fix = Some(format!(
                "{} check --fix --force-exclude{rest}",
                python("ruff")
            ));
            gate.tool = Some("ruff-check".to_owned());
            gate.gate.run = format!("{} check --no-fix --force-exclude{rest}", python("ruff"));
            gate.gate.files = Some(vec!["*.{py,pyi,ipynb}".to_owned()]);
            gate.gate.pass_files = true;
            return Ok(gate);
        }
        ("astral-sh/ruff-pre-commit", "ruff-format") => {
            let rest: String = args.iter().map(|a| " ".to_owned() + &quote(a)).collect();
            gate.gate.fix = Some(format!("{} format --force-exclude{rest}", python("ruff")));
            gate.tool = Some("ruff-format".to_owned());
            gate.gate.run = format!("{} format --check --force-exclude{rest}", python("ruff"));
            gate.gate.files = Some(vec!["*.{py,pyi,ipynb}".to_owned()]);
            gate.gate.pass_files = true;
            return Ok(gate);
        }
        ("psf/black" | "psf/black-pre-commit-mirror", "black" | "black-jupyter") => {
            (with_args(python("black")), python_files(), true)
        }
        ("pycqa/isort", "isort") => (with_args(python("isort")), python_files(), true),
        ("pycqa/flake8", "flake8") => (with_args(python("flake8")), python_files(), true),
        ("pre-commit/mirrors-mypy", "mypy") => (with_args(python("mypy")), python_files(), true),
        ("codespell-project/codespell", "codespell") => {
            (with_args(python("codespell")), None, true)
        }
        ("astral-sh/uv-pre-commit", "uv-lock") => {
            gate.gate.run = with_args(format!("{} lock --check", python("uv")));
            gate.gate.fix = Some(with_args(format!("{} lock", python("uv"))));
            gate.gate.files_regex = Some(r"(^|/)(uv\.lock|pyproject\.toml|uv\.toml)$".to_owned());
            gate.tool = Some("uv-lock".to_owned());
            return Ok(gate);
        }
        ("pre-commit/mirrors-prettier" | "rbubley/mirrors-prettier", "prettier") => (
            with_args(format!("{} --write --ignore-unknown", node("prettier"))),
            None,
            true,
        ),
        ("pre-commit/mirrors-eslint", "eslint") => (
            with_args(node("eslint")),
            Some(vec!["*.{js,jsx,mjs,cjs,ts,tsx}".to_owned()]),
            true,
        ),
        ("biomejs/pre-commit", id) if id.starts_with("biome-") => (
            with_args(format!(
                "{} {} --no-errors-on-unmatched",
                node("biome"),
                &id["biome-".len()..]
            )),
            None,
            true,
        ),
        _ => {
            return Err(format!(
                "a remote hook backstop does not know (rev {}); add a gate with the command it runs",
                hook.get("rev")
                    .and_then(Value::as_str)
                    .unwrap_or("as pinned")
            ));
        }
    };
    let (check, fix) = split_fix(&command)?;
    gate.tool = tool_of(&check);
    gate.gate.run = check;
    gate.gate.fix = fix.or(gate.gate.fix.take());
    gate.gate.files = files;
    gate.gate.pass_files = pass_files;
    Ok(gate)
}

/// The keys every hook has: files and exclude (with the top-level ones), types,
/// `pass_filenames`, `always_run`, stages.
fn apply_common(
    gate: &mut GateDraft,
    hook: &Value,
    top_files: Option<&str>,
    top_exclude: Option<&str>,
    default_stages: &[String],
) -> Result<(), String> {
    let hook_files = selection(hook.get("files"), "files")?;
    let hook_exclude = selection(hook.get("exclude"), "exclude")?;
    let files = match &hook_files {
        Selection::Regex(regex) => Some(regex.as_str()),
        Selection::Globs(globs) => {
            gate.gate.files = Some(globs.clone());
            None
        }
        Selection::None => None,
    };
    gate.gate.files_regex = match (top_files, files, gate.gate.files_regex.take()) {
        (None, None, own) => own,
        (Some(one), None, None) | (None, Some(one), None) => Some(one.to_owned()),
        (Some(a), Some(b), None) if a == b => Some(a.to_owned()),
        _ => {
            return Err(
                "both the top-level and the hook's `files` apply, and one regular expression cannot say both"
                    .to_owned(),
            );
        }
    };
    let own_exclude = match &hook_exclude {
        Selection::Regex(regex) => Some(regex.as_str()),
        Selection::Globs(globs) => {
            gate.gate
                .exclude
                .get_or_insert_with(Vec::new)
                .extend(globs.iter().cloned());
            None
        }
        Selection::None => None,
    };
    let excludes: Vec<&str> = [top_exclude, own_exclude]
        .into_iter()
        .flatten()
        .filter(|e| !e.is_empty() && *e != "^$")
        .collect();
    if !excludes.is_empty() {
        gate.gate.exclude_regex = Some(if excludes.len() == 1 {
            excludes[0].to_owned()
        } else {
            excludes
                .iter()
                .map(|e| format!("(?:{e})"))
                .collect::<Vec<_>>()
                .join("|")
        });
    }
    super::pyregex::settle(&mut gate.gate)?;
    // pre-commit passes the files unless told not to; a mapped remote hook says for itself.
    if let Some(pass) = hook.get("pass_filenames").and_then(Value::as_bool) {
        gate.gate.pass_files = pass && gate.gate.builtin.is_none();
    } else if hook.get("entry").is_some() && gate.gate.builtin.is_none() {
        gate.gate.pass_files = true;
    }
    types(gate, hook)?;
    if hook.get("always_run").and_then(Value::as_bool) == Some(true) && !gate.gate.pass_files {
        gate.gate.files = None;
        gate.gate.files_regex = None;
    }
    let stages = {
        let own = strings(hook.get("stages"));
        if own.is_empty() {
            default_stages.to_vec()
        } else {
            own
        }
    };
    if !stages.is_empty() {
        let mut on = Vec::new();
        for stage in &stages {
            match triggers_for(stage) {
                Some(super::On::Default) => {
                    gate.gate.on = None;
                    return Ok(());
                }
                Some(super::On::Only(triggers)) => on.extend(triggers),
                None => return Err(format!("stage `{stage}` has no backstop trigger")),
            }
        }
        on.dedup();
        if on.contains(&crate::trigger::Trigger::CommitMsg) {
            // pre-commit hands a commit-msg hook the message file; backstop gives it as $1.
            gate.gate.run = format!("{} \"$1\"", gate.gate.run);
            gate.gate.pass_files = false;
        }
        gate.gate.on = Some(on);
    }
    Ok(())
}

/// Keys of a hook that are converted, or have no effect on what a gate judges.
const HOOK_KEYS: &[&str] = &[
    "id",
    "name",
    "alias",
    "entry",
    "language",
    "args",
    "files",
    "exclude",
    "types",
    "types_or",
    "exclude_types",
    "pass_filenames",
    "always_run",
    "stages",
    "description",
    "verbose",
    "require_serial",
    "log_file",
    "minimum_pre_commit_version",
    "additional_dependencies",
    "language_version",
    "fail_fast",
    "priority",
];

/// Top-level keys that are converted, or say nothing about what is judged.
const TOP_KEYS: &[&str] = &[
    "repos",
    "default_stages",
    "default_install_hook_types",
    "files",
    "exclude",
    "fail_fast",
    "minimum_pre_commit_version",
    "ci",
    "default_language_version",
    "minimum_prek_version",
];

/// The keys of a mapping that are not in `known`.
fn unknown_keys(value: &Value, known: &[&str]) -> Vec<String> {
    value
        .as_mapping()
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.as_str())
        .filter(|k| !known.contains(k))
        .map(str::to_owned)
        .collect()
}

/// A `files` or `exclude` value: pre-commit's regex, or prek's `{glob: ...}` form.
enum Selection {
    None,
    Regex(String),
    Globs(Vec<String>),
}

fn selection(value: Option<&Value>, key: &str) -> Result<Selection, String> {
    match value {
        None | Some(Value::Null) => Ok(Selection::None),
        Some(Value::String(s)) if s.is_empty() => Ok(Selection::None),
        Some(Value::String(s)) => Ok(Selection::Regex(s.clone())),
        Some(Value::Mapping(map)) => {
            if let Some(regex) = map.get("regex").and_then(Value::as_str) {
                return Ok(Selection::Regex(regex.to_owned()));
            }
            let globs = strings(map.get("glob"));
            if globs.is_empty() {
                Err(format!("`{key}` has a form backstop does not read"))
            } else {
                for glob in &globs {
                    crate::glob::compile(glob)
                        .map_err(|e| format!("`{key}` glob {glob:?}: {e}"))?;
                }
                Ok(Selection::Globs(globs))
            }
        }
        Some(_) => Err(format!("`{key}` has a form backstop does not read")),
    }
}

/// pre-commit's `types` (all must hold), `types_or` (any) and `exclude_types`, as globs.
fn types(gate: &mut GateDraft, hook: &Value) -> Result<(), String> {
    let all = strings(hook.get("types"));
    let any = strings(hook.get("types_or"));
    let none = strings(hook.get("exclude_types"));
    let mut notes = Vec::new();
    let mut globs: Option<Vec<String>> = None;
    for tag in &all {
        match tag_globs(tag) {
            TagGlobs::Any => {}
            TagGlobs::Text => {
                notes.push("types [text]: binary files are not filtered out".to_owned());
            }
            TagGlobs::Globs(these, shebang) => {
                if shebang {
                    notes.push(format!(
                        "types [{tag}]: files recognised only by their shebang are not included"
                    ));
                }
                globs = Some(match globs {
                    None => these,
                    Some(before) => before.into_iter().filter(|g| these.contains(g)).collect(),
                });
            }
            TagGlobs::Unknown => return Err(format!("type `{tag}` has no glob form here")),
        }
    }
    if !any.is_empty() {
        let mut union = Vec::new();
        for tag in &any {
            match tag_globs(tag) {
                TagGlobs::Globs(these, _) => union.extend(these),
                TagGlobs::Any | TagGlobs::Text => {
                    union.clear();
                    break;
                }
                TagGlobs::Unknown => return Err(format!("type `{tag}` has no glob form here")),
            }
        }
        if !union.is_empty() {
            globs = Some(match globs {
                None => union,
                Some(before) => before.into_iter().filter(|g| union.contains(g)).collect(),
            });
        }
    }
    if let Some(mut globs) = globs {
        if globs.is_empty() {
            return Err("its types select no file".to_owned());
        }
        // `types_or: [python, pyi]` names `*.pyi` twice.
        let mut seen = std::collections::HashSet::new();
        globs.retain(|g| seen.insert(g.clone()));
        gate.gate.files = Some(globs);
    }
    for tag in &none {
        match tag_globs(tag) {
            TagGlobs::Globs(these, _) => {
                gate.gate.exclude.get_or_insert_with(Vec::new).extend(these);
            }
            _ => return Err(format!("exclude_types `{tag}` has no glob form here")),
        }
    }
    if !notes.is_empty() {
        gate.note = Some(notes.join("\n"));
    }
    Ok(())
}

enum TagGlobs {
    Any,
    Text,
    /// The globs, and whether the tag also covers files known by their shebang.
    Globs(Vec<String>, bool),
    Unknown,
}

/// identify's tags as globs, for the common ones.
fn tag_globs(tag: &str) -> TagGlobs {
    let globs: &[&str] = match tag {
        "file" | "non-executable" | "executable" | "directory" | "symlink" => return TagGlobs::Any,
        "text" => return TagGlobs::Text,
        "python" => &["*.py", "*.pyi"],
        "pyi" => &["*.pyi"],
        "python3" => &["*.py"],
        "jupyter" => &["*.ipynb"],
        "javascript" => &["*.js", "*.mjs", "*.cjs"],
        "jsx" => &["*.jsx"],
        "ts" => &["*.ts", "*.mts", "*.cts"],
        "tsx" => &["*.tsx"],
        "json" => &["*.json"],
        "jsonc" => &["*.jsonc"],
        "yaml" => &["*.yaml", "*.yml"],
        "toml" => &["*.toml"],
        "markdown" => &["*.md", "*.markdown"],
        "rst" => &["*.rst"],
        "rust" => &["*.rs"],
        "go" => &["*.go"],
        "shell" | "sh" | "bash" => &["*.sh", "*.bash"],
        "css" => &["*.css"],
        "scss" => &["*.scss"],
        "html" => &["*.html", "*.htm"],
        "xml" => &["*.xml"],
        "sql" => &["*.sql"],
        "c" => &["*.c", "*.h"],
        "c++" => &["*.cpp", "*.cc", "*.cxx", "*.hpp", "*.hh"],
        "java" => &["*.java"],
        "kotlin" => &["*.kt", "*.kts"],
        "ruby" => &["*.rb"],
        "php" => &["*.php"],
        "dockerfile" => &["Dockerfile", "*.dockerfile"],
        "ini" => &["*.ini"],
        "cfg" => &["*.cfg"],
        "vue" => &["*.vue"],
        "svelte" => &["*.svelte"],
        "lua" => &["*.lua"],
        "proto" => &["*.proto"],
        "swift" => &["*.swift"],
        "terraform" => &["*.tf"],
        "graphql" => &["*.graphql", "*.gql"],
        "plain-text" => &["*.txt"],
        "makefile" => &["Makefile", "makefile", "GNUmakefile", "*.mk"],
        _ => return TagGlobs::Unknown,
    };
    TagGlobs::Globs(
        globs.iter().map(|g| (*g).to_owned()).collect(),
        matches!(tag, "python" | "python3" | "shell" | "sh" | "bash" | "ruby"),
    )
}
