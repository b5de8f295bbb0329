//! Flags, environment and gates.toml resolved once into the settings a run uses.
//! Precedence: flag > environment > gates.toml > default.

mod options;
mod workspace;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;

pub use options::{ColorChoice, FileRequest, GlobalOptions, RunOptions};
pub use workspace::Workspace;

use crate::config::{self, GatesConfig};
use crate::error::usage;
use crate::plan::{Selection, Sharding};
use crate::render::human::{Sink, Style};
use crate::render::{Destination, Format};
use crate::runner::RunnerSettings;
use crate::snapshot::FileSelection;
use crate::trigger::Trigger;

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
    /// `ci --shard I/N`: this runner's share of the gates, and what balances the shards.
    pub sharding: Option<Sharding>,
}

impl RunSettings {
    /// Resolves flags, environment and config for a run.
    pub fn resolve(
        workspace: &Workspace,
        config: &GatesConfig,
        global: &GlobalOptions,
        trigger: Trigger,
        selection_args: &FileRequest,
        options: &RunOptions,
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
        let mut env_skip: Vec<String> = std::env::var("BACKSTOP_SKIP")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        // In CI any earlier step (the change's own code among them) can set the job's
        // environment: nothing there may switch a gate off. `--skip` is the workflow's own.
        if trigger == Trigger::Ci && !env_skip.is_empty() {
            eprintln!(
                "warning: BACKSTOP_SKIP ({}) is ignored by backstop ci: in CI a gate is only skipped with --skip in the workflow",
                env_skip.join(",")
            );
            env_skip.clear();
        }
        for name in &env_skip {
            if !config.gates.contains_key(name) {
                eprintln!(
                    "warning: BACKSTOP_SKIP names `{name}`, which is not a gate in gates.toml"
                );
            }
        }
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let jobs = match options.jobs.unwrap_or(config.settings.jobs) {
            0 => cores,
            n => n,
        };
        let output = OutputSettings::resolve(global, &workspace.cwd, &options.destinations);
        Ok(RunSettings {
            trigger,
            files,
            base_ref: base_override.map_or_else(|| config.settings.base.clone(), str::to_owned),
            selection: Selection {
                only: options.gates.clone(),
                skip: options.skip.clone(),
                env_skip,
                fix: options.fix || (config.settings.fix && trigger == Trigger::PreCommit),
                allow_protected: options.allow_protected,
                config_file: workspace.config_in_tree(),
            },
            runner: RunnerSettings {
                jobs,
                fail_fast: options.fail_fast || config.settings.fail_fast,
                machine_jobs: match config.settings.machine_jobs {
                    0 => cores,
                    n => n,
                },
            },
            cache: config.settings.cache && !options.no_cache,
            destinations: output.destinations,
            style: output.style,
            human_sink: Some(output.human_sink),
            feedback_lines: config.settings.feedback_lines,
            step_summary: output.step_summary,
            sharding: options.shard.map(|shard| Sharding {
                shard,
                durations: options
                    .durations
                    .as_ref()
                    .map(|file| durations(&workspace.cwd.join(file)))
                    .unwrap_or_default(),
            }),
        })
    }
}

/// How a report is written, resolved from `--format`/`--output` pairs, the global options
/// and the environment (shared by runs and `report merge`).
pub struct OutputSettings {
    /// Each requested format and where it goes (files relative to `cwd`).
    pub destinations: Vec<(Format, Destination)>,
    /// Human display style.
    pub style: Style,
    /// Where human lines go: stderr when a machine format owns stdout.
    pub human_sink: Sink,
    /// `$GITHUB_STEP_SUMMARY`: where `--format github` appends its Markdown summary.
    pub step_summary: Option<PathBuf>,
}

impl OutputSettings {
    /// Resolves the pairs of `--format` and `--output` (relative to `cwd`).
    pub fn resolve(
        global: &GlobalOptions,
        cwd: &std::path::Path,
        pairs: &[(Format, Option<PathBuf>)],
    ) -> OutputSettings {
        let destinations: Vec<(Format, Destination)> = pairs
            .iter()
            .map(|(format, file)| {
                (
                    *format,
                    file.as_ref()
                        .map_or(Destination::Stdout, |f| Destination::File(cwd.join(f))),
                )
            })
            .collect();
        let stdout_taken = destinations
            .iter()
            .any(|(f, d)| *f != Format::Human && *d == Destination::Stdout);
        OutputSettings {
            destinations,
            style: Style {
                color: color_enabled(global.color, stdout_taken),
                quiet: global.quiet,
                verbose: global.verbose > 0,
            },
            human_sink: if stdout_taken {
                Sink::Stderr
            } else {
                Sink::Stdout
            },
            step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }
}

impl RunSettings {
    /// The settings of a hook's run: no flags, the human display on stdout (hooks that own
    /// stdout take it away), and no fixing (pre-commit runs fixers in a phase of its own).
    pub fn for_hook(
        workspace: &Workspace,
        config: &GatesConfig,
        global: &GlobalOptions,
        trigger: Trigger,
    ) -> Result<RunSettings> {
        let mut settings = RunSettings::resolve(
            workspace,
            config,
            global,
            trigger,
            &FileRequest::default(),
            &RunOptions {
                destinations: vec![(Format::Human, None)],
                ..RunOptions::default()
            },
            None,
        )?;
        settings.selection.fix = false;
        Ok(settings)
    }
}

/// The gates' durations in an earlier JSON report, to balance shards. A missing or empty file
/// is no durations (the first run has none); an unreadable one is a warning, never an error:
/// durations only balance the shards, every shard still runs its share.
fn durations(file: &std::path::Path) -> std::collections::HashMap<String, u64> {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            eprintln!(
                "warning: --durations {}: {e}; shards are balanced by gate count",
                file.display()
            );
            Vec::new()
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return std::collections::HashMap::new();
    }
    crate::plan::shard::durations_from(&bytes).unwrap_or_else(|why| {
        eprintln!(
            "warning: --durations {}: {why}; shards are balanced by gate count",
            file.display()
        );
        std::collections::HashMap::new()
    })
}

fn check_gate_name(config: &GatesConfig, name: &str) -> Result<()> {
    if config.gates.contains_key(name)
        || (name == config::PROTECTED_GATE && config.protect.is_some())
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
pub fn color_enabled(choice: ColorChoice, stdout_taken: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
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
