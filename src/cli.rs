//! Command-line arguments. The only module that imports clap's parser; everything it
//! produces is resolved into settings before any work starts.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{
    Arg, ArgAction, ArgMatches, Args, Command, CommandFactory, FromArgMatches, Parser, Subcommand,
    ValueEnum,
};

use crate::agent::{self, Agent, Event};
use crate::plan::Shard;
use crate::render::Format;
use crate::settings::{ColorChoice, FileRequest, GlobalOptions, RunOptions};
use crate::trigger::{GitHook, Trigger};

/// Deterministic quality gates for code written by people and by coding agents.
#[derive(Debug, Parser)]
#[command(
    name = "backstop",
    version,
    about,
    after_help = "Examples:\n  backstop init\n  backstop run\n  backstop run pre-commit --format json --output report.json\n  backstop list"
)]
pub struct CliArgs {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: CommandArgs,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Run as if started in DIR.
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub directory: Option<PathBuf>,
    /// Use this gates.toml instead of the one at the worktree root.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Print only failures and the verdict.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more: commands, file counts.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// When to use colours (`NO_COLOR` is honoured in auto).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, global = true)]
    pub color: ColorArg,
}

impl GlobalArgs {
    /// The options as the rest of backstop takes them.
    pub fn options(&self) -> GlobalOptions {
        GlobalOptions {
            directory: self.directory.clone(),
            config: self.config.clone(),
            quiet: self.quiet,
            verbose: self.verbose,
            color: match self.color {
                ColorArg::Auto => ColorChoice::Auto,
                ColorArg::Always => ColorChoice::Always,
                ColorArg::Never => ColorChoice::Never,
            },
        }
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour on a terminal unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum CommandArgs {
    /// Write gates.toml for the kinds of project found here.
    #[command(after_help = "Example:\n  backstop init && backstop run --all-files")]
    Init(InitArgs),
    /// Run the gates of a trigger (default: manual) on the files in question.
    #[command(
        after_help = "Examples:\n  backstop run                      # manual: what changed since the base\n  backstop run pre-commit           # the staged files\n  backstop run --all-files --gate clippy\n  backstop run --from origin/main --to HEAD --format json --output report.json"
    )]
    Run(RunArgs),
    /// Run the ci gates on what HEAD changed since its merge-base with the base.
    #[command(
        after_help = "Examples:\n  backstop ci --base origin/main --format json --output backstop.json\n  backstop ci --format github --format sarif --output backstop.sarif --format junit --output backstop.xml\n  backstop ci --shard 2/4 --durations previous.json --format json --output shard-2.json"
    )]
    Ci(CiArgs),
    /// Work with JSON reports: merge the reports of CI shards into one.
    #[command(
        subcommand,
        after_help = "Example:\n  backstop report merge shard-*.json --format github --format sarif --output backstop.sarif"
    )]
    Report(ReportArgs),
    /// Install git hooks (the default) into this repository; every worktree shares them.
    #[command(
        after_help = "Examples:\n  backstop install\n  backstop install --git --hook pre-commit,pre-push"
    )]
    Install(InstallArgs),
    /// Remove exactly what install added and put back the hooks it moved.
    #[command(after_help = "Example:\n  backstop uninstall --git")]
    Uninstall(UninstallArgs),
    /// Entry of the hooks backstop installs (git calls it; people rarely do).
    #[command(
        subcommand,
        after_help = "Example (what the pre-commit shim runs):\n  backstop hook git pre-commit"
    )]
    Hook(HookArgs),
    /// Approve the protected gate's current findings (a person's decision; agents may not).
    #[command(
        after_help = "Examples:\n  backstop approve --show   # only list what would be approved\n  backstop approve"
    )]
    Approve(ApproveArgs),
    /// Put back work that an interrupted run set aside.
    #[command(after_help = "Example:\n  backstop recover")]
    Recover,
    /// Show the wiring (git hooks, other hook managers, agent files, base, cache) and what to fix.
    #[command(after_help = "Example:\n  backstop doctor")]
    Doctor,
    /// Show the gates, their triggers, and what each would run on now.
    #[command(after_help = "Example:\n  backstop list")]
    List(ListArgs),
    /// Validate gates.toml or print its JSON Schema.
    #[command(
        subcommand,
        after_help = "Examples:\n  backstop config check\n  backstop config schema > gates.schema.json"
    )]
    Config(ConfigArgs),
    /// Manage the result cache (passes stored under the git common dir).
    #[command(subcommand, after_help = "Example:\n  backstop cache clear")]
    Cache(CacheArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  backstop completions bash > ~/.local/share/bash-completion/completions/backstop"
    )]
    Completions(CompletionsArgs),
    /// Computes baseline records at a base (what `SessionStart` starts in the background).
    #[command(name = "baseline-worker", hide = true)]
    BaselineWorker {
        /// The base commit.
        base: String,
    },
}

/// `backstop install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Git hooks (the default when no selector is given).
    #[arg(long)]
    pub git: bool,
    /// Which agents to install hooks for.
    #[command(flatten)]
    pub agents: AgentSelection,
    /// Which git hooks (default: those some gate is `on`).
    #[arg(long = "hook", value_delimiter = ',')]
    pub hooks: Vec<GitHook>,
    /// Install even where a user-wide core.hooksPath would otherwise make install refuse.
    #[arg(long)]
    pub force: bool,
}

impl InstallArgs {
    /// What to wire, as the install command takes it.
    pub fn wiring(&self) -> crate::commands::install::Wiring {
        crate::commands::install::Wiring {
            git: self.git,
            agents: self.agents.agents.clone(),
            hooks: self.hooks.clone(),
            force: self.force,
        }
    }
}

/// `backstop approve`.
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// Show the findings without approving them.
    #[arg(long)]
    pub show: bool,
}

/// `backstop uninstall`.
#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Git hooks (the default when no selector is given).
    #[arg(long)]
    pub git: bool,
    /// Which agents to remove hooks from.
    #[command(flatten)]
    pub agents: AgentSelection,
}

impl UninstallArgs {
    /// What to unwire, as the uninstall command takes it.
    pub fn wiring(&self) -> crate::commands::install::Wiring {
        crate::commands::install::Wiring {
            git: self.git,
            agents: self.agents.agents.clone(),
            ..crate::commands::install::Wiring::default()
        }
    }
}

/// `--claude --codex ...`: one flag per agent of the registry ([`agent::ALL`]).
#[derive(Debug, Clone, Default)]
pub struct AgentSelection {
    /// The agents selected, in registry order.
    pub agents: Vec<&'static dyn Agent>,
}

impl FromArgMatches for AgentSelection {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(AgentSelection {
            agents: agent::ALL
                .iter()
                .copied()
                .filter(|a| matches.get_flag(a.name()))
                .collect(),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for AgentSelection {
    fn augment_args(command: Command) -> Command {
        agent::ALL.iter().fold(command, |command, a| {
            command.arg(
                Arg::new(a.name())
                    .long(a.name())
                    .action(ArgAction::SetTrue)
                    .help(format!("{}: {}", a.title(), a.hooks_file())),
            )
        })
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}

/// `backstop hook`: `git <name> [ARGS]`, or `<agent> <event>` for each agent of the registry.
#[derive(Debug)]
pub enum HookArgs {
    /// A git hook, with git's arguments.
    Git {
        /// The hook, parsed from the name git calls it by.
        hook: GitHook,
        /// The arguments git passed.
        args: Vec<OsString>,
    },
    /// An agent's hook (JSON on stdin).
    Agent {
        /// Which agent.
        agent: &'static dyn Agent,
        /// Which event.
        event: Event,
    },
}

impl FromArgMatches for HookArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let missing = || clap::Error::new(clap::error::ErrorKind::MissingSubcommand);
        match matches.subcommand() {
            Some(("git", sub)) => Ok(HookArgs::Git {
                hook: *sub.get_one::<GitHook>("name").ok_or_else(missing)?,
                args: sub
                    .get_many::<OsString>("args")
                    .map(|values| values.cloned().collect())
                    .unwrap_or_default(),
            }),
            Some((name, sub)) => Ok(HookArgs::Agent {
                agent: agent::by_name(name).ok_or_else(missing)?,
                event: sub.get_one::<EventArg>("event").ok_or_else(missing)?.0,
            }),
            None => Err(missing()),
        }
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Subcommand for HookArgs {
    fn augment_subcommands(command: Command) -> Command {
        let git = Command::new("git")
            .about("A git hook: pre-commit, pre-push or commit-msg, with git's arguments")
            .arg(
                Arg::new("name")
                    .required(true)
                    .value_name("NAME")
                    .value_parser(parse_git_hook)
                    .help("The hook's name"),
            )
            .arg(
                Arg::new("args")
                    .num_args(0..)
                    .value_name("ARGS")
                    .action(ArgAction::Append)
                    .trailing_var_arg(true)
                    .allow_hyphen_values(true)
                    .value_parser(clap::value_parser!(OsString))
                    .help("The arguments git passed"),
            );
        agent::ALL
            .iter()
            .fold(command.subcommand(git), |command, a| {
                command.subcommand(
                    Command::new(a.name())
                        .about(format!("{} (JSON on stdin)", a.title()))
                        .arg(
                            Arg::new("event")
                                .required(true)
                                .value_name("EVENT")
                                .value_parser(clap::value_parser!(EventArg))
                                .help("The event"),
                        ),
                )
            })
    }

    fn augment_subcommands_for_update(command: Command) -> Command {
        Self::augment_subcommands(command)
    }

    fn has_subcommand(name: &str) -> bool {
        name == "git" || agent::by_name(name).is_some()
    }
}

/// A git hook's name, as the shims pass it; any other name is a broken install.
fn parse_git_hook(name: &str) -> Result<GitHook, String> {
    GitHook::from_name(name).ok_or_else(|| {
        format!("backstop has no `{name}` hook; reinstall with `backstop install --git`")
    })
}

/// An agent hook event.
#[derive(Debug, Clone, Copy)]
pub struct EventArg(pub Event);

impl ValueEnum for EventArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            EventArg(Event::SessionStart),
            EventArg(Event::Stop),
            EventArg(Event::SubagentStop),
            EventArg(Event::PreToolUse),
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.as_str()))
    }
}

/// `backstop init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Replace an existing gates.toml.
    #[arg(long)]
    pub force: bool,
}

/// Which files a run is about.
#[derive(Debug, Args, Clone, Default)]
pub struct FileSelectionArgs {
    /// Every tracked file.
    #[arg(long, conflicts_with_all = ["files", "from", "to"])]
    pub all_files: bool,
    /// Exactly these files.
    #[arg(long, num_args = 1.., value_name = "PATH", conflicts_with_all = ["from", "to"])]
    pub files: Vec<PathBuf>,
    /// Compare from this commit...
    #[arg(long, value_name = "REF", requires = "to")]
    pub from: Option<String>,
    /// ...to this commit.
    #[arg(long, value_name = "REF", requires = "from")]
    pub to: Option<String>,
}

impl FileSelectionArgs {
    /// The request as the rest of backstop takes it.
    pub fn request(&self) -> FileRequest {
        FileRequest {
            all_files: self.all_files,
            files: self.files.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

/// Options of a gate run.
#[derive(Debug, Args, Clone, Default)]
pub struct RunOptionsArgs {
    /// Run only this gate (repeatable); bypasses the gate's `on`.
    #[arg(long = "gate", value_name = "NAME")]
    pub gates: Vec<String>,
    /// Skip this gate (repeatable).
    #[arg(long = "skip", value_name = "NAME")]
    pub skip: Vec<String>,
    /// Output format (repeatable; pair each with an --output).
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    pub formats: Vec<Format>,
    /// Where the preceding --format goes (default: standard output).
    #[arg(long = "output", value_name = "FILE")]
    pub outputs: Vec<PathBuf>,
    /// Gates at once (default: settings.jobs, 0 = cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Do not reuse cached passes.
    #[arg(long)]
    pub no_cache: bool,
    /// Start no new gate after the first failure.
    #[arg(long)]
    pub fail_fast: bool,
    /// Run each gate's `fix` before its check.
    #[arg(long)]
    pub fix: bool,
    /// Report protected-gate findings without failing (for a CI workflow to set from a
    /// maintainer's approval, e.g. a label).
    #[arg(long)]
    pub allow_protected: bool,
    /// Where each --format goes, paired by position; filled in after parsing.
    #[arg(skip)]
    pub destinations: Vec<(Format, Option<PathBuf>)>,
}

impl RunOptionsArgs {
    /// The options as the rest of backstop takes them.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            gates: self.gates.clone(),
            skip: self.skip.clone(),
            destinations: self.destinations.clone(),
            jobs: self.jobs,
            no_cache: self.no_cache,
            fail_fast: self.fail_fast,
            fix: self.fix,
            allow_protected: self.allow_protected,
            shard: None,
            durations: None,
        }
    }
}

/// `backstop run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Why the gates run (default: manual).
    #[arg(value_enum)]
    pub trigger: Option<Trigger>,
    /// Which files.
    #[command(flatten)]
    pub selection: FileSelectionArgs,
    /// How to run and report.
    #[command(flatten)]
    pub options: RunOptionsArgs,
}

/// `backstop ci`.
#[derive(Debug, Args)]
pub struct CiArgs {
    /// The branch the change will merge into, where the CI system names none (GitHub Actions
    /// and GitLab CI do); outside CI the default is settings.base.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Every tracked file instead of the change.
    #[arg(long)]
    pub all_files: bool,
    /// Run only shard I of N: a disjoint share of the gates (gates whose `run` names
    /// `BACKSTOP_SHARD` run on every shard and shard themselves); merge the shards' JSON
    /// reports with `backstop report merge`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// An earlier JSON report whose gate durations balance the shards (missing or empty:
    /// balanced by count). Give every shard the same file.
    #[arg(long, value_name = "FILE", requires = "shard")]
    pub durations: Option<PathBuf>,
    /// How to run and report.
    #[command(flatten)]
    pub options: RunOptionsArgs,
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    text.parse()
}

/// `backstop report`.
#[derive(Debug, Subcommand)]
pub enum ReportArgs {
    /// Combine the JSON reports of `backstop ci --shard I/N` (one per shard) into the report
    /// one unsharded run would write, in any format.
    #[command(
        after_help = "Example:\n  backstop report merge shard-1.json shard-2.json --format github --format sarif --output backstop.sarif"
    )]
    Merge(MergeArgs),
}

/// `backstop report merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' JSON reports, each shard once.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format (repeatable; pair each with an --output).
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    pub formats: Vec<Format>,
    /// Where the preceding --format goes (default: standard output).
    #[arg(long = "output", value_name = "FILE")]
    pub outputs: Vec<PathBuf>,
    /// Where each --format goes, paired by position; filled in after parsing.
    #[arg(skip)]
    pub destinations: Vec<(Format, Option<PathBuf>)>,
}

/// `backstop list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Show what the gates would run on for this trigger (default: manual).
    #[arg(value_enum)]
    pub trigger: Option<Trigger>,
}

/// `backstop config`.
#[derive(Debug, Subcommand)]
pub enum ConfigArgs {
    /// Validate gates.toml and report every problem with its line.
    Check,
    /// Print the JSON Schema of gates.toml.
    Schema,
}

/// `backstop cache`.
#[derive(Debug, Subcommand)]
pub enum CacheArgs {
    /// Delete every stored pass of this repository (all its worktrees share them).
    Clear,
}

/// `backstop completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

impl ValueEnum for Trigger {
    fn value_variants<'a>() -> &'a [Self] {
        &Trigger::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            Trigger::PreCommit => "`git commit`: the index being committed",
            Trigger::PrePush => "`git push`: each pushed commit range",
            Trigger::CommitMsg => "`git commit`: the commit message file",
            Trigger::Stop => "a coding agent wants to end its turn: the working tree",
            Trigger::Ci => "pre-merge: HEAD against the merge-base of the base branch",
            Trigger::Manual => "a person at the terminal: the working tree",
        };
        Some(PossibleValue::new(self.as_str()).help(help))
    }
}

impl ValueEnum for GitHook {
    fn value_variants<'a>() -> &'a [Self] {
        &GitHook::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &Format::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            Format::Human => "the human summary (default)",
            Format::Json => "the versioned JSON report (schema/report.schema.json)",
            Format::Sarif => "SARIF 2.1.0, for GitHub code scanning",
            Format::Junit => "JUnit XML: a testcase per gate, for CI test reports",
            Format::Github => {
                "GitHub Actions annotations; also appends a summary to $GITHUB_STEP_SUMMARY"
            }
            Format::Agent => "the feedback text for a coding agent (settings.feedback_lines)",
        };
        Some(PossibleValue::new(self.as_str()).help(help))
    }
}

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> String {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut CliArgs::command(), "backstop", &mut script);
    String::from_utf8_lossy(&script).trim_end().to_owned()
}

/// Parses the process arguments; on bad usage clap prints the error and exits 2.
pub fn parse() -> CliArgs {
    let matches = CliArgs::command().get_matches();
    let mut args = CliArgs::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let sub = matches.subcommand().map(|(_, m)| m);
    let paired = match (&mut args.command, sub) {
        (CommandArgs::Report(ReportArgs::Merge(merge)), Some(sub)) => sub
            .subcommand()
            .map(|(_, m)| pair_destinations(m, &merge.formats, &merge.outputs))
            .map(|pairs| (pairs, &mut merge.destinations)),
        (command, Some(sub)) => command.run_options_mut().map(|options| {
            (
                pair_destinations(sub, &options.formats, &options.outputs),
                &mut options.destinations,
            )
        }),
        _ => None,
    };
    match paired {
        Some((Ok(pairs), destinations)) => *destinations = pairs,
        Some((Err(message), _)) => CliArgs::command()
            .error(clap::error::ErrorKind::ArgumentConflict, message)
            .exit(),
        None => {}
    }
    args
}

impl CommandArgs {
    fn run_options_mut(&mut self) -> Option<&mut RunOptionsArgs> {
        match self {
            CommandArgs::Run(run) => Some(&mut run.options),
            CommandArgs::Ci(ci) => Some(&mut ci.options),
            _ => None,
        }
    }
}

/// Each `--output` belongs to the nearest `--format` before it that has none yet (or, when
/// none precedes it, the next one after). Formats left without a file go to stdout.
fn pair_destinations(
    matches: &clap::ArgMatches,
    formats: &[Format],
    outputs: &[PathBuf],
) -> Result<Vec<(Format, Option<PathBuf>)>, String> {
    let format_at: Vec<usize> = matches
        .indices_of("formats")
        .map(Iterator::collect)
        .unwrap_or_default();
    let output_at: Vec<usize> = matches
        .indices_of("outputs")
        .map(Iterator::collect)
        .unwrap_or_default();
    let mut pairs: Vec<(Format, Option<PathBuf>)> = formats.iter().map(|f| (*f, None)).collect();
    if pairs.is_empty() {
        pairs.push((Format::Human, None));
        if output_at.len() > 1 {
            return Err(
                "several --output files but no --format: give each --output its --format"
                    .to_owned(),
            );
        }
        pairs[0].1 = outputs.first().cloned();
        return Ok(pairs);
    }
    for (output, at) in outputs.iter().zip(&output_at) {
        let before = (0..pairs.len())
            .rev()
            .find(|i| format_at[*i] < *at && pairs[*i].1.is_none());
        let slot = before
            .or_else(|| (0..pairs.len()).find(|i| format_at[*i] > *at && pairs[*i].1.is_none()));
        match slot {
            Some(i) => pairs[i].1 = Some(output.clone()),
            None => {
                return Err(format!(
                    "--output {} has no --format to go with",
                    output.display()
                ));
            }
        }
    }
    if pairs.iter().filter(|(_, file)| file.is_none()).count() > 1 {
        return Err(
            "only one --format can go to standard output; give the others an --output FILE"
                .to_owned(),
        );
    }
    Ok(pairs)
}
