//! Dispatch: parse arguments, run the command, turn the result into an exit status.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, Result};

use crate::cli::{
    self, CacheArgs, CliArgs, CommandArgs, ConfigArgs, FileSelectionArgs, GlobalArgs, HookArgs,
    ListArgs,
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
            ExitCode::from(signals::interrupted().map_or(EXIT_ERROR, signals::exit_status))
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
        CommandArgs::Install(install) => install_hooks(&args.global, install),
        CommandArgs::Uninstall(uninstall) => uninstall_hooks(&args.global, uninstall),
        CommandArgs::Hook(HookArgs::Git {
            name,
            args: hook_args,
        }) => crate::hook::git::run(&args.global, name, hook_args),
        CommandArgs::Hook(hook) => {
            let (agent, event) = hook.agent().expect("every other hook is an agent's");
            Ok(crate::hook::agent::run(&args.global, agent, event))
        }
        CommandArgs::Approve(approve) => approve_findings(&args.global, approve.show),
        CommandArgs::Cache(CacheArgs::Clear) => {
            let workspace = Workspace::open(&args.global)?;
            let removed = runner::cache::clear(workspace.repo.common_dir()).context(
                "cannot delete the result cache; check the permissions of .git/backstop",
            )?;
            crate::say!("cache cleared: {removed} stored passes removed");
            Ok(EXIT_OK)
        }
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
    let mut plan = Plan::build(
        &config,
        workspace.repo.root(),
        trigger,
        &snapshot.file_set,
        &settings.selection,
        snapshot.base.clone(),
        snapshot.target.clone(),
    )?;
    plan.worktree_diff = snapshot.worktree_diff();
    plan.protect = crate::protected::plan_for(
        &workspace.repo,
        &config,
        trigger,
        &settings.selection,
        snapshot.base_commit,
        snapshot.side,
        &snapshot.file_set,
    );
    let report = run_plan(
        &workspace.repo,
        &plan,
        &settings,
        GateInputs::default(),
        started,
    )?;
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
    /// What the gates see, which decides whose content ids key the cache.
    pub sees: GatesSee,
    /// Whether a hook (git's or an agent's) asked: a person's or an agent's own `backstop run`
    /// never answers a hook from the cache, so a pass obtained with a doctored environment
    /// cannot stand in for the hook's verdict.
    pub from_hook: bool,
}

/// What the gates of a run see on disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GatesSee {
    /// The user's working tree as it is.
    #[default]
    WorkingTree,
    /// The working tree with unstaged work set aside: the index (the pre-commit hook).
    Index,
    /// A fresh checkout of the target commit (a push judged in a temporary worktree).
    TargetCommit,
}

/// Runs a plan with the live display and returns the report.
pub fn run_plan(
    repo: &crate::git::Repo,
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
    let (sees, from_hook) = (inputs.sees, inputs.from_hook);
    let context = GateContext {
        scratch: scratch.path().to_path_buf(),
        trigger: plan.trigger,
        base: plan.base.clone(),
        args: inputs.args,
        env: inputs.env,
    };
    let names: Vec<&str> = plan.gates.iter().map(|g| g.name.as_str()).collect();
    let display = human::LiveDisplay::new(settings.style, settings.human_sink, &names);
    // The protected gate reads git objects in-process and takes milliseconds: it runs first.
    let protected = plan
        .protect
        .as_ref()
        .map(|p| run_protected(repo, p, settings.allow_protected, &display));
    // A commit message is new every time and is not part of the target: a run that hands
    // gates such arguments (commit-msg) is never answered from the cache. A fixer changes
    // files after the content ids are read: a run with fixers neither reads nor writes it.
    let cache = if settings.cache
        && !plan.runs_nothing()
        && context.args.is_empty()
        && !plan.jobs().any(|job| job.fix_first)
    {
        result_cache(repo, plan, &context, sees, from_hook)
    } else {
        None
    };
    let outcomes = runner::run(plan, &context, settings.runner, &display, cache.as_ref());
    if let Some(cache) = &cache
        && cache.has_pending()
        && let Some(contents) = contents_after_the_run(repo, plan, sees)
    {
        cache.commit(&contents);
    }
    let mut report = Report::new(plan, outcomes, started.elapsed());
    if let Some((outcome, findings)) = protected {
        report.add_protected(outcome, findings);
    }
    Ok(report)
}

/// The protected gate's outcome and its unapproved findings.
fn run_protected(
    repo: &crate::git::Repo,
    plan: &crate::protected::ProtectPlan,
    allow: bool,
    display: &dyn runner::Observer,
) -> (
    crate::gates::GateOutcome,
    Vec<crate::finding::FindingReport>,
) {
    use crate::gates::{GateOutcome, GateStatus};
    use crate::protected::{self, approve};
    let started = Instant::now();
    let (mut outcome, findings) = match protected::run(repo, plan) {
        Err(error) => (GateOutcome::error(format!("{error:#}")), Vec::new()),
        Ok(all) => {
            let approved = approve::approved(repo);
            let total = all.len();
            let open: Vec<_> = all
                .into_iter()
                .filter(|f| !approved.contains(&approve::fingerprint(f)))
                .collect();
            let settled = total - open.len();
            let mut outcome = GateOutcome::skipped("");
            outcome.output = Some(protected::describe(&open));
            outcome.reason = (settled > 0).then(|| format!("{settled} approved finding(s)"));
            outcome.status = if open.is_empty() {
                GateStatus::Passed
            } else if allow {
                outcome.reason = Some(format!(
                    "{} finding(s) allowed by --allow-protected",
                    open.len()
                ));
                GateStatus::Passed
            } else {
                let text = outcome.output.take().unwrap_or_default();
                outcome.output = Some(format!(
                    "{text}These change or remove tests or protected files. Fix the code, not the tests; \
                     if the change is intended, a person approves it with `backstop approve`.\n"
                ));
                GateStatus::Failed
            };
            (outcome, open)
        }
    };
    outcome.duration = started.elapsed();
    display.finished(crate::protected::GATE_NAME, &outcome);
    (outcome, findings)
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

/// Shows (and unless `show`, approves) the findings of the staged changes and of the working
/// tree against its base: what the next commit, stop or manual run would report.
fn approve_findings(global: &GlobalArgs, show: bool) -> Result<u8> {
    use crate::protected::{self, approve};
    let workspace = Workspace::open(global)?;
    let config = workspace.load_config()?;
    let mut findings = Vec::new();
    for trigger in [Trigger::PreCommit, Trigger::Manual] {
        let snapshot = snapshot::resolve(
            &workspace.repo,
            trigger,
            &FileSelection::Trigger,
            &config.settings.base,
        )?;
        let Some(plan) = protected::plan_any_trigger(
            &workspace.repo,
            &config,
            snapshot.base_commit,
            snapshot.side,
            &snapshot.file_set,
        ) else {
            continue;
        };
        for finding in protected::run(&workspace.repo, &plan)? {
            if !findings
                .iter()
                .any(|f| approve::fingerprint(f) == approve::fingerprint(&finding))
            {
                findings.push(finding);
            }
        }
    }
    if findings.is_empty() {
        crate::say!("no protected findings to approve");
        return Ok(EXIT_OK);
    }
    crate::say!("{}", protected::describe(&findings).trim_end());
    if show {
        crate::say!(
            "{} finding(s); run `backstop approve` to approve them",
            findings.len()
        );
        return Ok(EXIT_OK);
    }
    let added = approve::approve(&workspace.repo, &findings)?;
    crate::say!(
        "approved {} finding(s) ({added} new); they pass until the change differs",
        findings.len()
    );
    Ok(EXIT_OK)
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

fn install_hooks(global: &GlobalArgs, install: &cli::InstallArgs) -> Result<u8> {
    let workspace = Workspace::open(global)?;
    crate::setaside::refuse_if_interrupted(&workspace.repo)?;
    let agents = install.agents.agents();
    if !agents.is_empty() {
        let config = if workspace.config_path.exists() {
            workspace.load_config()?
        } else {
            crate::config::GatesConfig::default()
        };
        for agent in &agents {
            crate::say!(
                "{}",
                crate::install::agents::install(&workspace.repo, &config, *agent)?
            );
            if let Some(steps) = crate::install::agents::next_steps(&workspace.repo, *agent) {
                crate::say!("{steps}");
            }
        }
        if !install.git {
            return Ok(EXIT_OK);
        }
    }
    let hooks: Vec<&str> = if install.hooks.is_empty() {
        let config = workspace.load_config()?;
        let hooks = crate::install::git::hooks_for(&config);
        if hooks.is_empty() {
            vec!["pre-commit"]
        } else {
            hooks
        }
    } else {
        let mut hooks: Vec<&str> = install.hooks.iter().map(String::as_str).collect();
        // A merge without conflicts runs pre-merge-commit instead of pre-commit.
        if hooks.contains(&"pre-commit") && !hooks.contains(&"pre-merge-commit") {
            hooks.push("pre-merge-commit");
        }
        hooks
    };
    for line in crate::install::git::install(&workspace.repo, &hooks, install.force)? {
        crate::say!("{line}");
    }
    Ok(EXIT_OK)
}

fn uninstall_hooks(global: &GlobalArgs, uninstall: &cli::UninstallArgs) -> Result<u8> {
    let workspace = Workspace::open(global)?;
    let agents = uninstall.agents.agents();
    for agent in &agents {
        crate::say!(
            "{}",
            crate::install::agents::uninstall(&workspace.repo, *agent)?
        );
    }
    if !agents.is_empty() && !uninstall.git {
        return Ok(EXIT_OK);
    }
    for line in crate::install::git::uninstall(&workspace.repo)? {
        crate::say!("{line}");
    }
    Ok(EXIT_OK)
}

/// The result cache for this run, or `None` when the content the gates see cannot be keyed
/// (a submodule, whose checkout the key cannot see; an unreadable tree: the run goes on
/// without the cache).
fn result_cache(
    repo: &crate::git::Repo,
    plan: &Plan,
    context: &GateContext,
    sees: GatesSee,
    from_hook: bool,
) -> Option<runner::cache::Cache> {
    use std::os::unix::ffi::OsStrExt;
    let contents = seen_contents(repo, plan, sees)?;
    let mut run_context = format!(
        "trigger {}\nbase {}\nfrom {}\nsees {sees:?}\n",
        context.trigger,
        context.base.as_deref().unwrap_or("-"),
        if from_hook { "hook" } else { "command line" }
    )
    .into_bytes();
    // Gates inherit backstop's environment: a pass got with `FAKE=0` or another PATH must
    // not stand for a run without. Variables a shell changes on its own are left out.
    let mut inherited: Vec<(std::ffi::OsString, std::ffi::OsString)> = std::env::vars_os()
        .filter(|(name, _)| !VOLATILE_VARIABLES.iter().any(|v| name == v))
        .collect();
    inherited.sort();
    for (name, value) in inherited.iter().chain(&context.env) {
        // The pre-commit hook's index copy has a new path every time; its content is the
        // index, which the content ids already cover.
        if name != "GIT_INDEX_FILE" {
            run_context.extend_from_slice(name.as_bytes());
            run_context.push(b'=');
            run_context.extend_from_slice(value.as_bytes());
            run_context.push(0);
        }
    }
    Some(runner::cache::Cache::new(
        repo.common_dir(),
        contents,
        run_context,
    ))
}

/// Environment variables that differ between otherwise equal invocations and that no gate's
/// verdict should depend on.
const VOLATILE_VARIABLES: &[&str] = &[
    "_",
    "SHLVL",
    "OLDPWD",
    "PWD",
    "GIT_INDEX_FILE",
    "BACKSTOP_HOOK_SCRIPT",
    "SSH_AUTH_SOCK",
    "SSH_AGENT_PID",
    "WINDOWID",
    "TMUX_PANE",
    "TERM_SESSION_ID",
    "ITERM_SESSION_ID",
    "INVOCATION_ID",
    "JOURNAL_STREAM",
    "GPG_TTY",
];

/// What the gates saw when the run ended, read afresh (the working tree's diff too), so a
/// pass is stored only if nothing changed while gates ran.
fn contents_after_the_run(
    repo: &crate::git::Repo,
    plan: &Plan,
    sees: GatesSee,
) -> Option<Vec<(std::path::PathBuf, git2::Oid)>> {
    use crate::git::Side;
    let result = match (sees, &plan.worktree_diff) {
        // A commit's tree cannot change.
        (GatesSee::TargetCommit, _) => return seen_contents(repo, plan, sees),
        // The gates saw the working tree with unstaged work set aside: every tracked file
        // must still be what the index holds (untracked files are not in the key).
        (GatesSee::Index, _) => match repo.tracked_files_match_index() {
            Ok(true) => repo.content_ids(Side::Index),
            Ok(false) => return None,
            Err(error) => Err(error),
        },
        (GatesSee::WorkingTree, Some((base, _))) => repo
            .changed_since(*base)
            .and_then(|changes| repo.content_ids_after(*base, &changes)),
        (GatesSee::WorkingTree, None) => repo.content_ids(Side::WorkTree),
    };
    result.ok()
}

/// The content ids of what the gates of this run see.
fn seen_contents(
    repo: &crate::git::Repo,
    plan: &Plan,
    sees: GatesSee,
) -> Option<Vec<(std::path::PathBuf, git2::Oid)>> {
    use crate::git::Side;
    let result = match (sees, &plan.worktree_diff) {
        (GatesSee::Index, _) => repo.content_ids(Side::Index),
        (GatesSee::TargetCommit, _) => git2::Oid::from_str(&plan.target)
            .map_err(anyhow::Error::from)
            .and_then(|commit| repo.content_ids(Side::Commit(commit))),
        (GatesSee::WorkingTree, Some((base, changes))) => repo.content_ids_after(*base, changes),
        (GatesSee::WorkingTree, None) => repo.content_ids(Side::WorkTree),
    };
    match result {
        Ok(contents) => Some(contents),
        Err(error) if error.is::<crate::git::Uncacheable>() => None,
        Err(error) => {
            eprintln!("backstop: running without the result cache: {error:#}");
            None
        }
    }
}
