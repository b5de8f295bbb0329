//! `backstop init`: find the kinds of project here and write a gates.toml whose gates work on
//! the project as it is.
//!
//! Detection reads manifests and each tool's own config (one file per ecosystem: [`rust`],
//! [`node`], [`python`], [`go`]) at the root, one directory down, and in the members of npm,
//! yarn and pnpm workspaces and of a `go.work`; a project below the root gets `cwd`. Hook
//! configs of other managers are converted into gates ([`migrate`]). The document is the
//! config types serialised by serde ([`render`]).

mod base;
mod go;
mod migrate;
mod node;
mod project;
mod python;
mod render;
pub mod rewriters;
mod rust;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::config::{self, GateConfig};
use crate::error::usage;
use crate::git::{DiscoverError, Repo};
use crate::settings::GlobalOptions;
use crate::trigger::Trigger;

pub use render::render;

/// One gate that init writes: its name and its config.
#[derive(Debug, Clone, Default)]
pub struct GateDraft {
    /// Gate name (prefixed with the directory for projects below the root).
    pub name: String,
    /// The gate as gates.toml will hold it.
    pub gate: GateConfig,
    /// A comment written above the gate's table (where a migrated gate came from).
    pub note: Option<String>,
    /// The tool the gate runs (`ruff-check`, `prettier`...): a detected gate whose tool a
    /// migrated gate already runs is left out.
    pub tool: Option<String>,
}

/// A detected project: its kind and the gates for it.
#[derive(Debug, Clone)]
pub struct Detected {
    /// "rust", "node", "python", "go", or the hook config a migration came from.
    pub kind: String,
    /// Directory relative to the root ("" for the root).
    pub dir: String,
    /// Gates for it.
    pub gates: Vec<GateDraft>,
}

/// The triggers for slow gates (test suites): not on every commit.
const SLOW: [Trigger; 4] = [
    Trigger::PrePush,
    Trigger::Stop,
    Trigger::Ci,
    Trigger::Manual,
];

/// A gate running `run`, for changes to `files` (none: any change), tagged with its tool.
fn draft(name: &str, run: &str, files: &[&str]) -> GateDraft {
    GateDraft {
        name: name.to_owned(),
        gate: GateConfig {
            run: run.to_owned(),
            files: (!files.is_empty()).then(|| files.iter().map(|f| (*f).to_owned()).collect()),
            ..GateConfig::default()
        },
        note: None,
        tool: Some(name.to_owned()),
    }
}

/// Writes gates.toml for what is found; refuses to overwrite without `force`.
/// The hook managers' files at `root` that decide whether git's hooks run backstop: an edit
/// there (commenting out backstop's entry, `skip: true`) switches the gates off, so the
/// protected gate reports it like an edit of gates.toml.
fn hook_manager_files(root: &Path) -> Vec<String> {
    const FILES: [&str; 14] = [
        "lefthook.yml",
        ".lefthook.yml",
        "lefthook.yaml",
        ".lefthook.yaml",
        ".config/lefthook.yml",
        ".config/lefthook.yaml",
        "lefthook-local.yml",
        ".lefthook-local.yml",
        "lefthook-local.yaml",
        ".lefthook-local.yaml",
        ".pre-commit-config.yaml",
        ".pre-commit-config.yml",
        "prek.toml",
        ".husky/",
    ];
    FILES
        .iter()
        .filter(|f| root.join(f.trim_end_matches('/')).exists())
        .map(|f| format!("/{f}"))
        .collect()
}

/// Whether the converted gate `converted` can stand in for the detected gate `detected` of
/// the same tool: it runs on every trigger the detected one runs on (a hook converted from
/// pre-push or `manual` does not stand in at commits or stops). Its check is a real check (see
/// [`rewriters`]); which files it is given does not make it weaker, since a linter or
/// formatter given the changed files judges the change as the whole-project run would.
fn at_least_as_strong(converted: &GateConfig, detected: &GateConfig) -> bool {
    let triggers = converted.triggers();
    detected.triggers().iter().all(|t| triggers.contains(t))
}

pub fn run(global: &GlobalOptions, force: bool) -> Result<u8> {
    let (root, target) = init_paths(global)?;
    if target.exists() && !force {
        return Err(usage(
            format!("{} already exists", target.display()),
            "keep it, or pass --force to replace it",
        ));
    }
    let migrated = migrate::all(&root);
    for line in &migrated.lines {
        crate::say!("{line}");
    }
    let mut projects = migrated.projects;
    let converted: Vec<&GateDraft> = projects.iter().flat_map(|p| p.gates.iter()).collect();
    let mut kept_beside: Vec<String> = Vec::new();
    let mut detected = detect(&root);
    for project in &mut detected {
        project.gates.retain(|gate| {
            let here = gate.gate.cwd.clone().unwrap_or_default();
            let Some(tool) = &gate.tool else { return true };
            let same: Vec<&&GateDraft> = converted
                .iter()
                .filter(|c| {
                    c.tool.as_ref() == Some(tool) && c.gate.cwd.clone().unwrap_or_default() == here
                })
                .collect();
            let taken = same.iter().any(|c| at_least_as_strong(&c.gate, &gate.gate));
            if !taken && !same.is_empty() {
                kept_beside.push(gate.name.clone());
            }
            if taken {
                crate::say!(
                    "{}: left out, the converted hooks already run {tool}{}",
                    gate.name,
                    if here.is_empty() {
                        String::new()
                    } else {
                        format!(" in {here}/")
                    }
                );
            }
            !taken
        });
    }
    for name in kept_beside {
        crate::say!(
            "{name}: kept beside the converted hook of the same tool, which runs on fewer triggers"
        );
    }
    projects.extend(detected.into_iter().filter(|p| !p.gates.is_empty()));
    unique_names(&mut projects);
    let base = base::default_branch(&root);
    let text = render(&projects, &base, &hook_manager_files(&root));
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
        let resolves = Repo::discover(&root).is_ok_and(|repo| repo.commit_id(&base).is_ok());
        if resolves {
            crate::say!("base: {base}");
        } else {
            crate::say!(
                "base: {base} (it does not resolve here yet: no such remote branch; until it does, runs compare with the remote's default branch, the upstream or local main/master, else judge every tracked file)"
            );
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

/// Finds projects at `root`, in its direct subdirectories and in workspace members.
pub fn detect(root: &Path) -> Vec<Detected> {
    let mut found = Vec::new();
    for dir in project::directories(root) {
        let path = if dir.is_empty() {
            root.to_path_buf()
        } else {
            root.join(&dir)
        };
        let context = project::Context::new(root, &dir);
        for (kind, gates) in [
            ("rust", rust::gates(&path)),
            ("node", node::gates(&path, &context)),
            ("python", python::gates(&path)),
            ("go", go::gates(&path, &dir)),
        ] {
            let Some(mut gates) = gates.filter(|g| !g.is_empty()) else {
                continue;
            };
            if !dir.is_empty() {
                if context.covered_by_root(kind) {
                    continue;
                }
                if kind == "node" {
                    // A member of the root's workspace keeps the tools the root does not run.
                    let root_tools: Vec<String> = found
                        .iter()
                        .filter(|p: &&Detected| p.kind == "node" && p.dir.is_empty())
                        .flat_map(|p| p.gates.iter().filter_map(|g| g.tool.clone()))
                        .collect();
                    gates.retain(|g| g.tool.as_ref().is_none_or(|t| !root_tools.contains(t)));
                    if gates.is_empty() {
                        continue;
                    }
                }
                let prefix = project::prefix(&dir);
                for gate in &mut gates {
                    gate.name = format!("{prefix}-{}", gate.name);
                    gate.gate.cwd = Some(dir.clone());
                }
            }
            found.push(Detected {
                kind: kind.to_owned(),
                dir: dir.clone(),
                gates,
            });
        }
    }
    unique_names(&mut found);
    found
}

/// Directories like `a b` and `a-b` give the same prefix; keep every gate name unique.
fn unique_names(projects: &mut [Detected]) {
    let mut taken = std::collections::HashSet::new();
    for gate in projects.iter_mut().flat_map(|p| p.gates.iter_mut()) {
        let mut name = gate.name.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{}-{n}", gate.name);
            n += 1;
        }
        gate.name = name;
    }
}
