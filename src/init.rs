//! `backstop init`: find the kinds of project here and write a gates.toml whose gates work.
//!
//! Detection reads manifests only (Cargo.toml, package.json, pyproject.toml and friends,
//! go.mod) at the root and one directory down; a project below the root gets `cwd`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::config::{self, GateConfig, GatesConfig, ParserKind, ProtectConfig};
use crate::error::usage;
use crate::git::{DiscoverError, Repo};
use crate::settings::GlobalOptions;
use crate::trigger::Trigger;

/// One gate that init writes: its name and its config.
#[derive(Debug, Clone)]
pub struct GateDraft {
    /// Gate name (prefixed with the directory for projects below the root).
    pub name: String,
    /// The gate as gates.toml will hold it.
    pub gate: GateConfig,
}

/// The triggers for slow gates (test suites): not on every commit.
const SLOW: [Trigger; 4] = [
    Trigger::PrePush,
    Trigger::Stop,
    Trigger::Ci,
    Trigger::Manual,
];

/// Where the vitest gate writes its `JUnit` report: under `node_modules/.cache`, which every
/// npm, pnpm and yarn project already ignores, so the report never shows up as a change.
const VITEST_REPORT: &str = "node_modules/.cache/backstop/vitest-junit.xml";

fn draft(name: &str, run: &str, files: &[&str]) -> GateDraft {
    GateDraft {
        name: name.to_owned(),
        gate: GateConfig {
            run: run.to_owned(),
            files: (!files.is_empty()).then(|| files.iter().map(|f| (*f).to_owned()).collect()),
            on: None,
            cwd: None,
            pass_files: false,
            timeout: None,
            fix: None,
            parser: None,
            report: None,
            pattern: None,
            after: Vec::new(),
            env: indexmap::IndexMap::new(),
            inputs: None,
        },
    }
}

/// A detected project: its kind and the gates for it.
#[derive(Debug, Clone)]
pub struct Detected {
    /// "rust", "node", "python" or "go".
    pub kind: &'static str,
    /// Directory relative to the root ("" for the root).
    pub dir: String,
    /// Gates for it.
    pub gates: Vec<GateDraft>,
}

/// Writes gates.toml for what is found; refuses to overwrite without `force`.
pub fn run(global: &GlobalOptions, force: bool) -> Result<u8> {
    let (root, target) = init_paths(global)?;
    if target.exists() && !force {
        return Err(usage(
            format!("{} already exists", target.display()),
            "keep it, or pass --force to replace it",
        ));
    }
    let projects = detect(&root);
    let text = render(&projects);
    // The file we write must load: a detection bug must not leave a broken config behind.
    config::parse_str(&text, Path::new(config::FILE_NAME))
        .map_err(|e| anyhow::anyhow!("init produced an invalid gates.toml (a bug): {e}"))?;
    std::fs::write(&target, &text).with_context(|| format!("cannot write {}", target.display()))?;
    if projects.is_empty() {
        crate::say!(
            "wrote {}: no Rust, Node, Python or Go project found; add gates by hand (see gates.toml.example)",
            target.display()
        );
    } else {
        for project in &projects {
            let names: Vec<&str> = project.gates.iter().map(|g| g.name.as_str()).collect();
            let place = if project.dir.is_empty() {
                String::new()
            } else {
                format!(" in {}/", project.dir)
            };
            crate::say!("found {}{place}: {}", project.kind, names.join(", "));
        }
        crate::say!(
            "wrote {}; try it: backstop run --all-files",
            target.display()
        );
    }
    Ok(crate::error::EXIT_OK)
}

/// Where `init` writes: the worktree root (or the directory given, outside a repository) and
/// the config path (`--config` relative to `-C`).
fn init_paths(global: &GlobalOptions) -> Result<(PathBuf, PathBuf)> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let start = global
        .directory
        .as_ref()
        .map_or_else(|| here.clone(), |d| here.join(d));
    if !start.is_dir() {
        return Err(usage(
            format!("-C {}: no such directory", start.display()),
            "name an existing directory",
        ));
    }
    let start = start.canonicalize().unwrap_or(start);
    let root = match Repo::discover(&start) {
        Ok(repo) => repo.root().to_path_buf(),
        Err(e @ DiscoverError::Bare(_)) => {
            return Err(usage(
                e.to_string(),
                "run init in a worktree of the repository (git worktree add)",
            ));
        }
        Err(_) => start.clone(),
    };
    let target = global
        .config
        .as_ref()
        .map_or_else(|| root.join(config::FILE_NAME), |c| start.join(c));
    Ok((root, target))
}

/// Finds projects at `root` and in its direct subdirectories.
pub fn detect(root: &Path) -> Vec<Detected> {
    let mut dirs: Vec<(PathBuf, String)> = vec![(root.to_path_buf(), String::new())];
    if let Ok(entries) = std::fs::read_dir(root) {
        let mut subdirs: Vec<(PathBuf, String)> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| Some((e.path(), e.file_name().into_string().ok()?)))
            .filter(|(_, name)| {
                !name.starts_with('.')
                    && !matches!(
                        name.as_str(),
                        "node_modules" | "target" | "vendor" | "dist" | "build" | "venv"
                    )
            })
            .collect();
        subdirs.sort();
        dirs.extend(subdirs);
    }
    let mut found = Vec::new();
    for (path, dir) in dirs {
        for (kind, gates) in [
            ("rust", rust(&path)),
            ("node", node(&path)),
            ("python", python(&path)),
            ("go", go(&path)),
        ] {
            let Some(mut gates) = gates.filter(|g| !g.is_empty()) else {
                continue;
            };
            // A member of the root's Cargo or npm workspace is covered by the root's gates
            // (`cargo clippy` and npm tools run over every member).
            if !dir.is_empty()
                && workspace_members(root, kind)
                    .iter()
                    .any(|m| m.is_match(&dir))
            {
                continue;
            }
            if !dir.is_empty() {
                // Gate names allow letters, digits, `-`, `_` and `.`; a directory may have more.
                let prefix: String = dir
                    .chars()
                    .map(|c| {
                        if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                            c
                        } else {
                            '-'
                        }
                    })
                    .collect::<String>()
                    .trim_start_matches(|c: char| !c.is_alphanumeric() && c != '_')
                    .to_owned();
                let prefix = if prefix.is_empty() {
                    "sub".to_owned()
                } else {
                    prefix
                };
                for gate in &mut gates {
                    gate.name = format!("{prefix}-{}", gate.name);
                    gate.gate.cwd = Some(dir.clone());
                }
            }
            found.push(Detected {
                kind,
                dir: dir.clone(),
                gates,
            });
        }
    }
    // Directories like `a b` and `a-b` give the same prefix; keep every gate name unique.
    let mut taken = std::collections::HashSet::new();
    for gate in found.iter_mut().flat_map(|p| p.gates.iter_mut()) {
        let mut name = gate.name.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{}-{n}", gate.name);
            n += 1;
        }
        gate.name = name;
    }
    found
}

/// The member patterns of the root's workspace: Cargo `[workspace] members`, or package.json
/// `workspaces` (a list, or `{ "packages": [...] }`).
fn workspace_members(root: &Path, kind: &str) -> Vec<globset::GlobMatcher> {
    let patterns: Vec<serde_json::Value> = match kind {
        "rust" => std::fs::read_to_string(root.join("Cargo.toml"))
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .and_then(|manifest| {
                serde_json::to_value(manifest.get("workspace")?.get("members")?).ok()
            })
            .and_then(|members| members.as_array().cloned())
            .unwrap_or_default(),
        "node" => std::fs::read_to_string(root.join("package.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|manifest| {
                let workspaces = manifest.get("workspaces")?;
                workspaces
                    .get("packages")
                    .unwrap_or(workspaces)
                    .as_array()
                    .cloned()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    patterns
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| globset::Glob::new(p.trim_start_matches("./").trim_end_matches('/')).ok())
        .map(|g| g.compile_matcher())
        .collect()
}

fn rust(dir: &Path) -> Option<Vec<GateDraft>> {
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    if !manifest.contains("[package]") && !manifest.contains("[workspace]") {
        return None;
    }
    let rs = ["*.rs", "Cargo.toml", "Cargo.lock"];
    let mut fmt = draft("rustfmt", "cargo fmt --all -- --check", &["*.rs"]);
    fmt.gate.fix = Some("cargo fmt --all".to_owned());
    let mut clippy = draft("clippy", "cargo clippy --all-targets -- -D warnings", &rs);
    clippy.gate.parser = Some(ParserKind::Cargo);
    let mut test = draft("cargo-test", "cargo test", &rs);
    test.gate.on = Some(SLOW.to_vec());
    test.gate.parser = Some(ParserKind::Cargo);
    Some(vec![fmt, clippy, test])
}

fn node(dir: &Path) -> Option<Vec<GateDraft>> {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).ok()?).ok()?;
    let has_dep = |name: &str| {
        ["dependencies", "devDependencies"]
            .iter()
            .any(|section| manifest.get(section).and_then(|s| s.get(name)).is_some())
    };
    let has_file = |prefixes: &[&str]| {
        std::fs::read_dir(dir).ok().is_some_and(|entries| {
            entries.flatten().any(|e| {
                e.file_name()
                    .to_str()
                    .is_some_and(|n| prefixes.iter().any(|p| n.starts_with(p)))
            })
        })
    };
    let exec = if dir.join("pnpm-lock.yaml").exists() {
        "pnpm exec"
    } else if dir.join("yarn.lock").exists() {
        "yarn"
    } else if dir.join("bun.lockb").exists() || dir.join("bun.lock").exists() {
        "bunx"
    } else {
        "npx --no-install"
    };
    let sources = ["*.{js,jsx,mjs,cjs,ts,tsx,mts,cts}"];
    let mut gates = Vec::new();
    if has_dep("prettier") {
        let mut fmt = draft(
            "prettier",
            &format!("{exec} prettier --check ."),
            &["*.{js,jsx,mjs,cjs,ts,tsx,mts,cts,json,css,scss,md,html,vue,svelte}"],
        );
        fmt.gate.fix = Some(format!("{exec} prettier --write ."));
        gates.push(fmt);
    }
    if has_dep("eslint") || has_file(&["eslint.config.", ".eslintrc"]) {
        // JSON: ESLint's own formats are not `path:line:col: message` lines.
        let mut eslint = draft(
            "eslint",
            &format!("{exec} eslint --max-warnings=0 --format json ."),
            &sources,
        );
        eslint.gate.fix = Some(format!("{exec} eslint --fix ."));
        eslint.gate.parser = Some(ParserKind::Eslint);
        gates.push(eslint);
    }
    if has_dep("typescript") && dir.join("tsconfig.json").exists() {
        let mut tsc = draft(
            "tsc",
            &format!("{exec} tsc --noEmit"),
            &["*.{ts,tsx,mts,cts}", "tsconfig*.json", "package.json"],
        );
        tsc.gate.parser = Some(ParserKind::Tsc);
        gates.push(tsc);
    }
    let unit = if has_dep("vitest") {
        // Vitest's own reporter says where a test failed only in a `❯ file:line:col` line
        // apart from the message; its JUnit report keeps the two together. People still get
        // the default reporter's output.
        let mut vitest = draft(
            "vitest",
            &format!(
                "{exec} vitest run --reporter=default --reporter=junit --outputFile.junit={VITEST_REPORT}"
            ),
            &[sources[0], "package.json"],
        );
        vitest.gate.parser = Some(ParserKind::Junit);
        vitest.gate.report = Some(VITEST_REPORT.to_owned());
        Some(vitest)
    } else if has_dep("jest") {
        Some(draft(
            "jest",
            &format!("{exec} jest"),
            &[sources[0], "package.json"],
        ))
    } else {
        let script = manifest
            .pointer("/scripts/test")
            .and_then(|s| s.as_str())
            .unwrap_or_default();
        (!script.is_empty() && !script.contains("no test specified"))
            .then(|| draft("npm-test", "npm test", &[sources[0], "package.json"]))
    };
    if let Some(mut unit) = unit {
        unit.gate.on = Some(SLOW.to_vec());
        gates.push(unit);
    }
    if has_dep("@playwright/test") || has_file(&["playwright.config."]) {
        // The list for people, then the JSON report that says where each failure is.
        let mut e2e = draft(
            "playwright",
            &format!("{exec} playwright test --reporter=list,json"),
            &[
                "*.{js,jsx,ts,tsx,html,css}",
                "playwright.config.*",
                "package.json",
            ],
        );
        e2e.gate.on = Some(SLOW.to_vec());
        e2e.gate.timeout = Some("20m".to_owned());
        e2e.gate.parser = Some(ParserKind::Playwright);
        gates.push(e2e);
    }
    Some(gates)
}

fn python(dir: &Path) -> Option<Vec<GateDraft>> {
    let manifests = [
        "pyproject.toml",
        "setup.py",
        "setup.cfg",
        "requirements.txt",
        "requirements-dev.txt",
    ];
    let text: String = manifests
        .iter()
        .filter_map(|m| std::fs::read_to_string(dir.join(m)).ok())
        .collect();
    if !manifests.iter().any(|m| dir.join(m).exists()) {
        return None;
    }
    let python = if dir.join(".venv/bin/python").exists() {
        ".venv/bin/python"
    } else {
        "python3"
    };
    let mentions = |tool: &str| text.contains(tool);
    let py = ["*.py", "pyproject.toml"];
    let mut gates = Vec::new();
    if mentions("ruff") {
        // SARIF: each problem with its rule, its end and ruff's fix (its text has no end).
        let mut check = draft(
            "ruff",
            &format!("{python} -m ruff check --force-exclude --output-format=sarif"),
            &["*.py"],
        );
        check.gate.pass_files = true;
        check.gate.parser = Some(ParserKind::Sarif);
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
    if mentions("mypy") {
        let targets: Vec<&str> = ["src", "tests"]
            .into_iter()
            .filter(|d| dir.join(d).is_dir())
            .collect();
        let targets = if targets.is_empty() {
            ".".to_owned()
        } else {
            targets.join(" ")
        };
        // mypy's own parser: messages wrapped by `pretty = true`, notes, error codes.
        let mut mypy = draft("mypy", &format!("{python} -m mypy {targets}"), &py);
        mypy.gate.parser = Some(ParserKind::Mypy);
        gates.push(mypy);
    }
    if mentions("pytest") || dir.join("tests").is_dir() {
        let mut pytest = draft("pytest", &format!("{python} -m pytest -q"), &py);
        pytest.gate.on = Some(SLOW.to_vec());
        pytest.gate.parser = Some(ParserKind::Pytest);
        gates.push(pytest);
    }
    Some(gates)
}

fn go(dir: &Path) -> Option<Vec<GateDraft>> {
    if !dir.join("go.mod").exists() {
        return None;
    }
    let mut fmt = draft(
        "gofmt",
        r#"out=$(xargs -0 -r gofmt -l < "$BACKSTOP_FILES"); [ -z "$out" ] || { printf 'not gofmt-formatted (run gofmt -w):\n%s\n' "$out"; exit 1; }"#,
        &["*.go"],
    );
    fmt.gate.fix = Some("gofmt -w .".to_owned());
    let mut vet = draft("go-vet", "go vet ./...", &["*.go", "go.mod", "go.sum"]);
    vet.gate.parser = Some(ParserKind::Go);
    let mut test = draft("go-test", "go test ./...", &["*.go", "go.mod", "go.sum"]);
    test.gate.on = Some(SLOW.to_vec());
    test.gate.parser = Some(ParserKind::Go);
    Some(vec![fmt, vet, test])
}

/// The gates.toml text for the detected projects: the config types serialised by serde, with
/// comments around the tables.
pub fn render(projects: &[Detected]) -> String {
    let mut out = String::from(
        "# backstop gates: written by `backstop init`; every key is described in gates.toml.example.\n",
    );
    let kinds: Vec<String> = projects
        .iter()
        .map(|p| {
            if p.dir.is_empty() {
                p.kind.to_owned()
            } else {
                format!("{} ({})", p.kind, p.dir)
            }
        })
        .collect();
    if !kinds.is_empty() {
        let _ = writeln!(out, "# Found: {}.", kinds.join(", "));
    }
    let mut settings = toml::Table::new();
    settings.insert(
        "base".to_owned(),
        GatesConfig::default().settings.base.into(),
    );
    let mut gates = toml::Table::new();
    for draft in projects.iter().flat_map(|p| &p.gates) {
        gates.insert(draft.name.clone(), shown(&draft.gate).into());
    }
    let mut document = toml::Table::new();
    document.insert("settings".to_owned(), settings.into());
    if !gates.is_empty() {
        document.insert("gates".to_owned(), gates.into());
    }
    out.push('\n');
    out.push_str(&toml::to_string(&document).expect("a table is plain TOML"));
    let protect = ProtectConfig {
        paths: Some(crate::protected::default_paths()),
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

/// The order keys are written in: what a reader looks for first.
const KEY_ORDER: [&str; 13] = [
    "run",
    "files",
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
