//! The run path, written once: a snapshot is planned ([`plan`]), judged with the live display
//! and the result cache ([`judge`]), and the report written in every requested format and
//! turned into the exit status ([`finish`]). `run`, `ci`, every git hook and every agent hook
//! go through here.

mod cache_key;

use std::ffi::OsString;
use std::path::Path;
use std::time::Instant;

use anyhow::Result;

use crate::baseline;
use crate::config::GatesConfig;
use crate::error::{EXIT_FAILED, EXIT_OK};
use crate::gates::GateContext;
use crate::git::Repo;
use crate::plan::Plan;
use crate::render::{self, Destination, Format, human};
use crate::report::Report;
use crate::runner::flight::Flights;
use crate::runner::{self, Shared, signals};
use crate::settings::RunSettings;
use crate::snapshot::Snapshot;

/// What a caller adds to every gate of a run: positional arguments (commit-msg's `$1`) and
/// environment (the pre-commit hook's index copy), and what the gates see on disk.
#[derive(Debug, Clone, Default)]
pub struct GateInputs {
    /// Arguments before any files.
    pub args: Vec<OsString>,
    /// Extra environment.
    pub env: Vec<(OsString, OsString)>,
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

/// Plans the gates of `snapshot` with the run's selection; command gates run in `root` (the
/// worktree, or a temporary checkout of a pushed commit).
pub fn plan(
    repo: &Repo,
    config: &GatesConfig,
    settings: &RunSettings,
    snapshot: Snapshot,
    root: &Path,
) -> Result<Plan> {
    let plan = Plan::build(repo, config, snapshot, &settings.selection, root)?;
    Ok(match &settings.sharding {
        Some(sharding) => plan.shard(sharding),
        None => plan,
    })
}

/// Plans and judges `snapshot` in the worktree: the whole path for callers with nothing to do
/// between the two.
pub fn run(
    repo: &Repo,
    config: &GatesConfig,
    settings: &RunSettings,
    snapshot: Snapshot,
    inputs: GateInputs,
) -> Result<Report> {
    let started = Instant::now();
    let plan = plan(repo, config, settings, snapshot, repo.root())?;
    judge(repo, &plan, settings, inputs, started)
}

/// Runs a plan with the live display and the result cache; returns the report.
pub fn judge(
    repo: &Repo,
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
        trigger: plan.trigger(),
        base: Some(plan.snapshot.base_id()),
        args: inputs.args,
        env: inputs.env,
    };
    let names: Vec<&str> = plan.gates.iter().map(|g| g.name.as_str()).collect();
    let display = human::LiveDisplay::new(settings.style, settings.human_sink, &names);
    // A commit message is new every time and is not part of the target: a run that hands
    // gates such arguments (commit-msg) is never answered from the cache. A fixer changes
    // files after the content ids are read: a run with fixers neither reads nor writes it.
    let cache = if settings.cache
        && !plan.runs_nothing()
        && context.args.is_empty()
        && !plan.jobs().any(|job| job.fix_first)
    {
        cache_key::result_cache(repo, plan, &context, sees, from_hook)
    } else {
        None
    };
    // Passes are stored only while the content the gates judged is still there: at the end
    // of the run, or earlier when another run waits for one (single flight).
    let store_passes = || {
        if let Some(cache) = &cache {
            // Storing a pass costs a second look at the worktree (did it change while gates
            // ran?): worth it only for gates that take longer than that look.
            cache.drop_cheaper_than(repo.scan_cost());
            if cache.has_pending()
                && let Some(contents) = cache_key::contents_after_the_run(repo, plan, sees)
            {
                cache.commit(&contents);
            }
        }
    };
    let flights = cache.as_ref().map(|_| Flights::new(repo.common_dir()));
    // The baseline may still turn a failed `only_new` gate into a pass, or the protected gate
    // into a failure: their lines wait for its word.
    baseline::wait_for_the_same_gates(repo, plan);
    let held = baseline::Held::new(&display, plan);
    // Fixers write the files other gates read (and fix): two at once lose one's edits, and a
    // check beside a fixer judges a half-written file. A run with fixers runs one gate at a time.
    let runner_settings = if plan.jobs().any(|job| job.fix_first) {
        runner::RunnerSettings {
            jobs: 1,
            ..settings.runner
        }
    } else {
        settings.runner
    };
    let outcomes = runner::run(
        repo,
        plan,
        &context,
        runner_settings,
        &held,
        Shared {
            cache: cache.as_ref(),
            flights: flights.as_ref(),
            confirm: &store_passes,
        },
    );
    store_passes();
    if let Some(flights) = &flights {
        flights.release_all();
    }
    let outcomes = baseline::settle(repo, plan, settings.runner, outcomes);
    held.release(plan, &outcomes);
    Ok(Report::new(plan, outcomes, started.elapsed()))
}

/// Where and how a report is written: what [`deliver`] needs of the settings.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// Each requested format and where it goes.
    pub destinations: &'a [(Format, Destination)],
    /// Human display style.
    pub style: human::Style,
    /// Lines of the agent feedback text at most.
    pub feedback_lines: usize,
    /// `$GITHUB_STEP_SUMMARY`, where `--format github` appends its Markdown summary.
    pub step_summary: Option<&'a Path>,
}

/// Writes every requested format and turns the report into the exit status.
pub fn finish(report: &Report, settings: &RunSettings) -> Result<u8> {
    let delivery = Delivery {
        destinations: &settings.destinations,
        style: settings.style,
        feedback_lines: settings.feedback_lines,
        step_summary: settings.step_summary.as_deref(),
    };
    deliver(report, &delivery)
}

/// Writes every requested format of `report` (a run's, or shards' merged) and turns it into
/// the exit status.
pub fn deliver(report: &Report, settings: &Delivery<'_>) -> Result<u8> {
    let mut write_error = None;
    for (format, destination) in settings.destinations {
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
        settings.step_summary,
        settings
            .destinations
            .iter()
            .any(|(f, _)| *f == Format::Github),
    ) && let Err(error) = render::append(path, &render::github::step_summary(&report.shown()))
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
