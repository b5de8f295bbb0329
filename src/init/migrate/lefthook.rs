//! `lefthook.yml`: each hook's `commands`, `jobs` (and groups) and `scripts` as gates, with
//! `glob`, `exclude`, `root`, `env` and the file templates (`{staged_files}`, `{files}`,
//! `{all_files}`, `{push_files}` → the gate's files; `{1}` → `"$1"`). A job that runs
//! lint-staged is converted from lint-staged's own config instead.

use std::path::Path;

use serde_yaml_ng::Value;

use super::{Migrated, biome_reporting, split_fix, tool_of, triggers_for};
use crate::init::GateDraft;

const FILES: [&str; 6] = [
    "lefthook.yml",
    ".lefthook.yml",
    "lefthook.yaml",
    ".lefthook.yaml",
    ".config/lefthook.yml",
    ".config/lefthook.yaml",
];

/// Top-level keys that are settings, not hooks.
const SETTINGS: [&str; 16] = [
    "assert_lefthook_installed",
    "colors",
    "extends",
    "lefthook",
    "min_version",
    "no_tty",
    "output",
    "rc",
    "remotes",
    "skip_output",
    "skip_lfs",
    "source_dir",
    "source_dir_local",
    "templates",
    "ai",
    "glob_matcher",
];

/// Converts the repository's lefthook config, if it has one.
#[expect(clippy::too_many_lines, reason = "each hook, then each job, in order")]
pub fn convert(root: &Path, migrated: &mut Migrated) {
    for other in [
        "lefthook.toml",
        "lefthook.json",
        "lefthook.jsonc",
        ".lefthook.toml",
        ".lefthook.json",
    ] {
        if root.join(other).exists() {
            migrated.not_converted(
                other,
                "the whole config",
                "only YAML lefthook configs are read; convert it by hand",
            );
        }
    }
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
    let Some(hooks) = config.as_mapping() else {
        return;
    };
    let mut gates = Vec::new();
    for (name, hook) in hooks {
        let Some(name) = name.as_str() else { continue };
        if SETTINGS.contains(&name) {
            continue;
        }
        let Some(triggers) = triggers_for(name) else {
            migrated.not_converted(file, name, "backstop runs no gates on that git hook");
            continue;
        };
        for key in hook_keys_not_converted(hook) {
            migrated.not_converted(
                file,
                &format!("{name} `{key}`"),
                "a hook-level setting backstop has no equivalent for; the hook's jobs are converted without it",
            );
        }
        let mut jobs: Vec<(String, Value)> = Vec::new();
        collect_jobs(hook, &mut jobs);
        if let Some(scripts) = hook.get("scripts").and_then(Value::as_mapping) {
            for (script, options) in scripts {
                let script = script.as_str().unwrap_or("?");
                let runner = options
                    .get("runner")
                    .and_then(Value::as_str)
                    .unwrap_or("sh");
                let mut job = options.clone();
                if let Value::Mapping(map) = &mut job {
                    map.insert(
                        Value::from("run"),
                        Value::from(format!("{runner} .lefthook/{name}/{script}")),
                    );
                }
                jobs.push((script.to_owned(), job));
            }
        }
        for (job_name, job) in jobs {
            let item = format!("{name} {job_name}");
            if job
                .get("run")
                .and_then(Value::as_str)
                .is_some_and(super::runs_backstop)
            {
                migrated.lines.push(format!(
                    "{file}: {item}: runs backstop itself: left as it is (it runs the gates)"
                ));
                continue;
            }
            match convert_job(&job_name, &job) {
                Ok(None) => migrated.lines.push(format!(
                    "{file}: {item}: runs lint-staged, converted from lint-staged's own config (below)"
                )),
                Ok(Some(mut gate)) => {
                    for key in job_keys_not_converted(&job) {
                        migrated.lines.push(format!(
                            "{file}: {item}: `{key}` not converted: backstop has no equivalent"
                        ));
                    }
                    gate.gate.on = triggers.value();
                    if name == "commit-msg" {
                        gate.gate.pass_files = false;
                    }
                    gate.note = Some(format!("from {file}: {name} {job_name}"));
                    gate.name = migrated.unique(&gates, &gate.name);
                    migrated.converted(file, &item, &gate.name);
                    gates.push(gate);
                }
                Err(why) => migrated.not_converted(file, &item, &why),
            }
        }
    }
    migrated.add("lefthook", "", gates);
}

/// Hook-level keys that change which jobs run or on what, and that no gate carries over.
fn hook_keys_not_converted(hook: &Value) -> Vec<String> {
    const KNOWN: [&str; 6] = ["commands", "jobs", "scripts", "parallel", "piped", "follow"];
    hook.as_mapping()
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.as_str())
        .filter(|k| !KNOWN.contains(k))
        .map(str::to_owned)
        .collect()
}

/// Job-level keys a converted gate does not carry over.
fn job_keys_not_converted(job: &Value) -> Vec<String> {
    const KNOWN: [&str; 13] = [
        "run",
        "name",
        "glob",
        "exclude",
        "root",
        "env",
        "stage_fixed",
        "script",
        "runner",
        "priority",
        "fail_text",
        "group",
        "skip_output",
    ];
    job.as_mapping()
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.as_str())
        .filter(|k| !KNOWN.contains(k))
        .filter(|k| !matches!(*k, "skip" | "only" | "interactive" | "use_stdin"))
        .map(str::to_owned)
        .collect()
}

/// The jobs of a hook: `commands` (a map), `jobs` (a list, with nested `group`s).
fn collect_jobs(hook: &Value, out: &mut Vec<(String, Value)>) {
    if let Some(commands) = hook.get("commands").and_then(Value::as_mapping) {
        for (name, command) in commands {
            out.push((name.as_str().unwrap_or("?").to_owned(), command.clone()));
        }
    }
    for (i, job) in hook
        .get("jobs")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(group) = job.get("group") {
            collect_jobs(group, out);
            continue;
        }
        let name = job
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("job-{}", i + 1), str::to_owned);
        let mut job = job.clone();
        if let (Some(script), Value::Mapping(map)) = (
            job.get("script").and_then(Value::as_str).map(str::to_owned),
            &mut job,
        ) {
            let runner = map
                .get("runner")
                .and_then(Value::as_str)
                .unwrap_or("sh")
                .to_owned();
            map.insert(
                Value::from("run"),
                Value::from(format!("{runner} .lefthook/{script}")),
            );
        }
        out.push((name, job));
    }
}

/// One job as a gate; `Ok(None)` for a job that runs lint-staged.
#[expect(clippy::too_many_lines, reason = "each key of a job, in order")]
fn convert_job(name: &str, job: &Value) -> Result<Option<GateDraft>, String> {
    let run = job
        .get("run")
        .and_then(Value::as_str)
        .ok_or("it has no `run`")?
        .trim();
    if run.split_whitespace().any(|w| w == "lint-staged") {
        return Ok(None);
    }
    for key in ["skip", "only", "interactive", "use_stdin"] {
        if job.get(key).is_some() {
            return Err(format!(
                "`{key}` has no backstop equivalent; convert it by hand"
            ));
        }
    }
    let mut command = run.replace("{1}", "\"$1\"");
    let mut pass_files = false;
    for template in ["{staged_files}", "{files}", "{all_files}", "{push_files}"] {
        if let Some(before) = command.strip_suffix(template) {
            command = before.trim_end().to_owned();
            pass_files = true;
        } else if command.contains(template) {
            return Err(format!("{template} is not at the end of the command"));
        }
    }
    if command.contains('{') && command.contains('}') && command.contains("{0}") {
        return Err("{0} (all arguments) has no backstop equivalent".to_owned());
    }
    let forms = crate::init::rewriters::forms(&command);
    let fixes = job.get("stage_fixed").and_then(Value::as_bool) == Some(true);
    if fixes && !forms.writes {
        return Err(
            "it fixes files (stage_fixed) and backstop knows no check form of it".to_owned(),
        );
    }
    let (check, fix) = split_fix(&command)?;
    let mut gate = GateDraft {
        name: crate::init::project::prefix(name),
        tool: tool_of(&check),
        ..GateDraft::default()
    };
    gate.gate.run = check;
    gate.gate.fix = fix;
    gate.gate.pass_files = pass_files;
    match job.get("glob") {
        Some(Value::String(glob)) => gate.gate.files = Some(vec![glob.clone()]),
        Some(Value::Sequence(globs)) => {
            gate.gate.files = Some(
                globs
                    .iter()
                    .filter_map(|g| g.as_str().map(str::to_owned))
                    .collect(),
            );
        }
        _ => {}
    }
    match job.get("exclude") {
        Some(Value::String(regex)) => gate.gate.exclude_regex = Some(regex.clone()),
        Some(Value::Sequence(globs)) => {
            gate.gate.exclude = Some(
                globs
                    .iter()
                    .filter_map(|g| g.as_str().map(str::to_owned))
                    .collect(),
            );
        }
        _ => {}
    }
    if let Some(root) = job.get("root").and_then(Value::as_str) {
        let root = root.trim_start_matches("./").trim_end_matches('/');
        if !root.is_empty() {
            gate.gate.cwd = Some(root.to_owned());
        }
    }
    if let Some(env) = job.get("env").and_then(Value::as_mapping) {
        for (key, value) in env {
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => String::new(),
                _ => {
                    return Err(format!(
                        "env {}: a value that is not a scalar",
                        key.as_str().unwrap_or("?")
                    ));
                }
            };
            if let Some(key) = key.as_str() {
                gate.gate.env.insert(key.to_owned(), value);
            }
        }
    }
    if let Some(glob) = gate
        .gate
        .files
        .iter()
        .flatten()
        .chain(gate.gate.exclude.iter().flatten())
        .find(|g| crate::glob::compile(g).is_err())
    {
        return Err(format!("the glob {glob:?} is not one backstop reads"));
    }
    super::pyregex::settle(&mut gate.gate)?;
    biome_reporting(&mut gate);
    Ok(Some(gate))
}
