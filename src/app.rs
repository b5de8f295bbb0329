//! Dispatch: parse arguments, run the command, turn the result into an exit status.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use crate::cli::{
    self, CliArgs, CommandArgs, ConfigArgs, FileSelectionArgs, GlobalArgs, HookArgs, ListArgs,
};
use crate::gates::GateContext;
use crate::plan::{Action, Plan};
use crate::render::{self, Destination, Format, human};
use crate::report::Report;
use crate::runner::{self, signals};
use crate::settings::{FileSelection, RunSettings, Workspace};
use crate::trigger::Trigger;
use crate::{config, init, snapshot};

use crate::error::{EXIT_ERROR, EXIT_FAILED, EXIT_OK};

/// The whole program: parse, dispatch, print errors, exit.
pub fn main() -> ExitCode {
    let args = cli::parse();
    match dispatch(&args) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            crate::error::print(&error);
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn dispatch(args: &CliArgs) -> Result<u8> {
    match &args.command {
        CommandArgs::Init(init_args) => init::run(&args.global, init_args.force),
        CommandArgs::Run(run) => {
            let trigger = run.trigger.unwrap_or(Trigger::Manual);
            run_gates(&args.global, trigger, &run.selection, &run.options, None)
        }
        CommandArgs::Ci(ci) => {
            let selection = FileSelectionArgs {
                all_files: ci.all_files,
                ..FileSelectionArgs::default()
            };
            run_gates(
                &args.global,
                Trigger::Ci,
                &selection,
                &ci.options,
                ci.base.as_deref(),
            )
        }
        CommandArgs::List(list) => list_gates(&args.global, list),
        CommandArgs::Install(install) => {
            let workspace = Workspace::open(&args.global)?;
            crate::setaside::refuse_if_interrupted(&workspace.repo)?;
            let hooks: Vec<&str> = if install.hooks.is_empty() {
                let config = workspace.load_config()?;
                let hooks = crate::install::git::hooks_for(&config);
                if hooks.is_empty() {
                    vec!["pre-commit"]
                } else {
                    hooks
                }
            } else {
                install.hooks.iter().map(String::as_str).collect()
            };
            for line in crate::install::git::install(&workspace.repo, &hooks, install.force)? {
                crate::say!("{line}");
            }
            Ok(EXIT_OK)
        }
        CommandArgs::Uninstall(_) => {
            let workspace = Workspace::open(&args.global)?;
            for line in crate::install::git::uninstall(&workspace.repo)? {
                crate::say!("{line}");
            }
            Ok(EXIT_OK)
        }
        CommandArgs::Hook(HookArgs::Git {
            name,
            args: hook_args,
        }) => crate::hook::git::run(&args.global, name, hook_args),
        CommandArgs::Recover => {
            let workspace = Workspace::open(&args.global)?;
            match crate::setaside::recover(&workspace.repo)? {
                None => crate::say!("nothing to recover in {}", workspace.repo.root().display()),
                Some(restored) => {
                    crate::setaside::report_kept(&restored);
                    crate::say!(
                        "recovered: the set-aside changes are back in {}",
                        workspace.repo.root().display()
                    );
                }
            }
            Ok(EXIT_OK)
        }
        CommandArgs::Config(ConfigArgs::Check) => {
            let workspace = Workspace::open(&args.global)?;
            let config = workspace.load_config()?;
            crate::say!(
                "{}: ok ({} gates{})",
                workspace.config_path.display(),
                config.gates.len(),
                if config.protect.is_some() {
                    ", [protect]"
                } else {
                    ""
                }
            );
            Ok(EXIT_OK)
        }
        CommandArgs::Config(ConfigArgs::Schema) => {
            crate::say!("{}", serde_json::to_string_pretty(&config::json_schema())?);
            Ok(EXIT_OK)
        }
        CommandArgs::Completions(completions) => {
            crate::say!("{}", cli::completions(completions.shell));
            Ok(EXIT_OK)
        }
    }
}

fn run_gates(
    global: &GlobalArgs,
    trigger: Trigger,
    selection: &FileSelectionArgs,
    options: &cli::RunOptionsArgs,
    base_override: Option<&str>,
) -> Result<u8> {
    let started = Instant::now();
    signals::install()?;
    let workspace = Workspace::open(global)?;
    crate::setaside::refuse_if_interrupted(&workspace.repo)?;
    let config = workspace.load_config()?;
    let settings = RunSettings::resolve(
        &workspace,
        &config,
        global,
        trigger,
        selection,
        options,
        base_override,
    )?;
    let snapshot = snapshot::resolve(
        &workspace.repo,
        trigger,
        &settings.files,
        &settings.base_ref,
    )?;
    let plan = Plan::build(
        &config,
        workspace.repo.root(),
        trigger,
        &snapshot.file_set,
        &settings.selection,
        snapshot.base.clone(),
        snapshot.target.clone(),
    )?;
    let report = run_plan(&plan, &settings, GateInputs::default(), started)?;
    finish(&report, &settings)
}

/// What a caller adds to every gate of a run: positional arguments (commit-msg's `$1`) and
/// environment (absolute `GIT_DIR` inside hooks).
#[derive(Debug, Clone, Default)]
pub struct GateInputs {
    /// Arguments before any files.
    pub args: Vec<std::ffi::OsString>,
    /// Extra environment.
    pub env: Vec<(std::ffi::OsString, std::ffi::OsString)>,
}

/// Runs a plan with the live display and returns the report.
pub fn run_plan(
    plan: &Plan,
    settings: &RunSettings,
    inputs: GateInputs,
    started: Instant,
) -> Result<Report> {
    let scratch = tempfile::Builder::new()
        .prefix("backstop-")
        .tempdir()
        .map_err(|e| {
            crate::error::usage(
                format!("cannot create a temporary directory: {e}"),
                "set TMPDIR to a writable directory",
            )
        })?;
    let context = GateContext {
        scratch: scratch.path().to_path_buf(),
        trigger: plan.trigger,
        base: plan.base.clone(),
        args: inputs.args,
        env: inputs.env,
    };
    let names: Vec<&str> = plan.gates.iter().map(|g| g.name.as_str()).collect();
    let display = human::LiveDisplay::new(settings.style, settings.human_sink, &names);
    let outcomes = runner::run(plan, &context, settings.runner, &display);
    Ok(Report::new(plan, outcomes, started.elapsed()))
}

/// Writes every requested format and turns the report into the exit status.
pub fn finish(report: &Report, settings: &RunSettings) -> Result<u8> {
    let mut write_error = None;
    for (format, destination) in &settings.destinations {
        let bytes = match (format, destination, settings.style.quiet) {
            // Quiet and green: nothing to say on the terminal.
            (Format::Human, Destination::Stdout, true) if report.ok => Vec::new(),
            _ => render::render(
                *format,
                report,
                &render::RenderSettings {
                    style: settings.style,
                    feedback_lines: settings.feedback_lines,
                },
            ),
        };
        if let Err(error) = render::write(destination, &bytes) {
            // Still tell the person the verdict before failing on the output file.
            write_error.get_or_insert(error);
        }
    }
    if let (Some(path), true) = (
        &settings.step_summary,
        settings
            .destinations
            .iter()
            .any(|(f, _)| *f == Format::Github),
    ) && let Err(error) = render::append(path, &render::github::step_summary(report))
    {
        // The annotations and the verdict matter more than the summary page.
        eprintln!("warning: GITHUB_STEP_SUMMARY: {error:#}");
    }
    let human_elsewhere = settings
        .destinations
        .iter()
        .all(|(f, d)| *f != Format::Human || *d != Destination::Stdout);
    if human_elsewhere && !(settings.style.quiet && report.ok) {
        // A machine format owns stdout: the person still gets the verdict on stderr.
        eprint!("{}", human::summary(report, &settings.style));
    }
    if let Some(error) = write_error {
        return Err(error);
    }
    if let Some(signal) = signals::interrupted() {
        eprintln!("backstop: interrupted by signal {signal}; running gates were stopped");
        return Ok(signals::exit_status(signal));
    }
    Ok(if report.ok { EXIT_OK } else { EXIT_FAILED })
}

fn list_gates(global: &GlobalArgs, list: &ListArgs) -> Result<u8> {
    let workspace = Workspace::open(global)?;
    let config = workspace.load_config()?;
    let trigger = list.trigger.unwrap_or(Trigger::Manual);
    let snapshot = snapshot::resolve(
        &workspace.repo,
        trigger,
        &FileSelection::Trigger,
        &config.settings.base,
    )?;
    let plan = Plan::build(
        &config,
        workspace.repo.root(),
        trigger,
        &snapshot.file_set,
        &crate::plan::Selection::default(),
        snapshot.base,
        snapshot.target,
    )?;
    let width = config
        .gates
        .keys()
        .map(String::len)
        .max()
        .unwrap_or(4)
        .max(4);
    crate::say!(
        "{:<width$}  {:<40}  now ({trigger}: {} changed paths)",
        "gate",
        "on",
        snapshot.file_set.changes.len()
    );
    for (name, gate) in &config.gates {
        let on = gate
            .triggers()
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let now = match plan
            .gates
            .iter()
            .find(|g| g.name == *name)
            .map(|g| &g.action)
        {
            Some(Action::Run(job)) if job.files.is_empty() => "would run".to_owned(),
            Some(Action::Run(job)) => format!("would run on {} files", job.files.len()),
            Some(Action::Skip(reason)) => format!("skip: {reason}"),
            None => format!("not on {trigger}"),
        };
        crate::say!("{name:<width$}  {on:<40}  {now}");
    }
    if let Some(protect) = &config.protect {
        let on = protect
            .on
            .clone()
            .unwrap_or_else(Trigger::default_on)
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(",");
        crate::say!("{:<width$}  {on:<40}  built-in protected gate", "protected");
    }
    Ok(EXIT_OK)
}
