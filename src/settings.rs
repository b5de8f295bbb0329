//! Flags, environment and gates.toml resolved once into the settings a run uses.
//! Precedence: flag > environment > gates.toml > default.

use std::io::IsTerminal;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};

use crate::cli::{ColorArg, FileSelectionArgs, GlobalArgs, RunOptionsArgs};
use crate::config::{self, GatesConfig};
use crate::error::usage;
use crate::git::Repo;
use crate::plan::Selection;
use crate::render::human::{Sink, Style};
use crate::render::{Destination, Format};
use crate::runner::RunnerSettings;
use crate::trigger::Trigger;

/// The repository and config a command works on.
pub struct Workspace {
    /// The repository, seen from the current worktree.
    pub repo: Repo,
    /// The directory the command runs in (after `-C`).
    pub cwd: PathBuf,
    /// gates.toml (or `--config`), absolute.
    pub config_path: PathBuf,
}

impl Workspace {
    /// Opens the repository around `-C DIR` (or the current directory) and finds gates.toml.
    pub fn open(global: &GlobalArgs) -> Result<Workspace> {
        let here = std::env::current_dir().context("cannot read the current directory")?;
        let cwd = match &global.directory {
            Some(dir) => here.join(dir),
            None => here,
        };
        if !cwd.is_dir() {
            return Err(usage(
                format!("-C {}: no such directory", cwd.display()),
                "name an existing directory inside a git repository",
            ));
        }
        let cwd = cwd.canonicalize().unwrap_or(cwd);
        let repo = Repo::discover(&cwd).map_err(|e| {
            usage(
                e.to_string(),
                "run backstop inside a git worktree (git init; for a bare repository, git worktree add), or pass -C DIR",
            )
        })?;
        let config_path = match &global.config {
            Some(file) => cwd.join(file),
            None => repo.root().join(config::FILE_NAME),
        };
        Ok(Workspace {
            repo,
            cwd,
            config_path,
        })
    }

    /// Loads and validates gates.toml; errors name the file as the user would.
    pub fn load_config(&self) -> Result<GatesConfig> {
        if !self.config_path.exists() {
            return Err(usage(
                format!("no config at {}", self.config_path.display()),
                "create one with `backstop init`, or name one with `--config FILE`",
            ));
        }
        let shown = self
            .config_path
            .strip_prefix(&self.cwd)
            .map_or_else(|_| self.config_path.clone(), Path::to_path_buf);
        Ok(config::load_file(
            &self.config_path,
            &shown,
            Some(self.repo.root()),
        )?)
    }

    /// A path the user typed, as a worktree-relative path.
    pub fn relative_path(&self, typed: &Path) -> Result<PathBuf> {
        let mut absolute = normalise(&self.cwd.join(typed));
        // Resolve symlinked directories on the way (the root is canonical), not the file itself.
        if absolute.is_dir() {
            absolute = absolute.canonicalize().unwrap_or(absolute);
        } else if let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name())
            && let Ok(parent) = parent.canonicalize()
        {
            absolute = parent.join(name);
        }
        let relative = absolute.strip_prefix(self.repo.root()).map_err(|_| {
            usage(
                format!(
                    "{} is outside the worktree {}",
                    typed.display(),
                    self.repo.root().display()
                ),
                "name files inside the repository",
            )
        })?;
        if std::fs::symlink_metadata(&absolute).is_err() {
            return Err(usage(
                format!("{}: no such file", typed.display()),
                "check the path; --files takes existing files",
            ));
        }
        Ok(relative.to_path_buf())
    }
}

fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Where `init` writes: the worktree root (or the directory given, outside a repository) and
/// the config path (`--config` relative to `-C`).
pub fn init_paths(global: &GlobalArgs) -> Result<(PathBuf, PathBuf)> {
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
        Err(e) if e.to_string().contains("is bare") => {
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

/// Which files the run is about.
#[derive(Debug, Clone)]
pub enum FileSelection {
    /// The trigger's own file set (SPEC §1).
    Trigger,
    /// Every tracked file.
    AllFiles,
    /// Exactly these worktree-relative files.
    Listed(Vec<PathBuf>),
    /// What changed between two revisions.
    Range {
        /// From this revision.
        from: String,
        /// To this revision.
        to: String,
    },
}

/// Everything `backstop run` needs, resolved.
pub struct RunSettings {
    /// Why the gates run.
    pub trigger: Trigger,
    /// Which files.
    pub files: FileSelection,
    /// For ci: the branch to take the merge-base with.
    pub base_ref: String,
    /// Gate filters and fixing.
    pub selection: Selection,
    /// Scheduler knobs.
    pub runner: RunnerSettings,
    /// Reuse cached passes.
    pub cache: bool,
    /// Report protected findings without failing (`--allow-protected`, for CI).
    pub allow_protected: bool,
    /// Each requested format and where it goes.
    pub destinations: Vec<(Format, Destination)>,
    /// Human display style.
    pub style: Style,
    /// Where live human lines go; `None` when stdout belongs to a machine format and -q.
    pub human_sink: Option<Sink>,
    /// Lines of the agent feedback text at most.
    pub feedback_lines: usize,
    /// `$GITHUB_STEP_SUMMARY`: where `--format github` appends its Markdown summary.
    pub step_summary: Option<PathBuf>,
}

impl RunSettings {
    /// Resolves flags, environment and config for a run.
    pub fn resolve(
        workspace: &Workspace,
        config: &GatesConfig,
        global: &GlobalArgs,
        trigger: Trigger,
        selection_args: &FileSelectionArgs,
        options: &RunOptionsArgs,
        base_override: Option<&str>,
    ) -> Result<RunSettings> {
        let files = if selection_args.all_files {
            FileSelection::AllFiles
        } else if !selection_args.files.is_empty() {
            FileSelection::Listed(
                selection_args
                    .files
                    .iter()
                    .map(|f| workspace.relative_path(f))
                    .collect::<Result<_>>()?,
            )
        } else if let (Some(from), Some(to)) = (&selection_args.from, &selection_args.to) {
            FileSelection::Range {
                from: from.clone(),
                to: to.clone(),
            }
        } else {
            FileSelection::Trigger
        };
        for name in options.gates.iter().chain(&options.skip) {
            check_gate_name(config, name)?;
        }
        let env_skip: Vec<String> = std::env::var("BACKSTOP_SKIP")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        for name in &env_skip {
            if !config.gates.contains_key(name) {
                eprintln!(
                    "warning: BACKSTOP_SKIP names `{name}`, which is not a gate in gates.toml"
                );
            }
        }
        let jobs = match options.jobs.unwrap_or(config.settings.jobs) {
            0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            n => n,
        };
        let destinations: Vec<(Format, Destination)> = options
            .destinations
            .iter()
            .map(|(format, file)| {
                (
                    *format,
                    file.as_ref().map_or(Destination::Stdout, |f| {
                        Destination::File(workspace.cwd.join(f))
                    }),
                )
            })
            .collect();
        let stdout_taken = destinations
            .iter()
            .any(|(f, d)| *f != Format::Human && *d == Destination::Stdout);
        let style = Style {
            color: color_enabled(global.color, stdout_taken),
            quiet: global.quiet,
            verbose: global.verbose > 0,
        };
        let human_sink = Some(if stdout_taken {
            Sink::Stderr
        } else {
            Sink::Stdout
        });
        Ok(RunSettings {
            trigger,
            files,
            base_ref: base_override.map_or_else(|| config.settings.base.clone(), str::to_owned),
            selection: Selection {
                only: options.gates.clone(),
                skip: options.skip.clone(),
                env_skip,
                fix: options.fix || (config.settings.fix && trigger == Trigger::PreCommit),
            },
            runner: RunnerSettings {
                jobs,
                fail_fast: options.fail_fast || config.settings.fail_fast,
            },
            cache: config.settings.cache && !options.no_cache,
            allow_protected: options.allow_protected,
            destinations,
            style,
            human_sink,
            feedback_lines: config.settings.feedback_lines,
            step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        })
    }
}

fn check_gate_name(config: &GatesConfig, name: &str) -> Result<()> {
    if config.gates.contains_key(name)
        || (name == crate::protected::GATE_NAME && config.protect.is_some())
    {
        return Ok(());
    }
    let hint = match config::nearest_gate(config, name) {
        Some(fix) => format!("did you mean `{fix}`?"),
        None => format!(
            "gates in gates.toml: {}",
            config.gates.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
    };
    Err(usage(format!("no gate named `{name}`"), hint))
}

/// Colours on when asked, or in auto mode on a terminal without `NO_COLOR`.
pub fn color_enabled(choice: ColorArg, stdout_taken: bool) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let terminal = if stdout_taken {
                std::io::stderr().is_terminal()
            } else {
                std::io::stdout().is_terminal()
            };
            !no_color && terminal
        }
    }
}
