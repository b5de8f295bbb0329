//! Command-line arguments. The only module that imports clap's parser; everything it
//! produces is resolved into settings before any work starts.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::render::Format;
use crate::trigger::Trigger;

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
        after_help = "Examples:\n  backstop ci --base origin/main --format json --output backstop.json\n  backstop ci --format github --format sarif --output backstop.sarif --format junit --output backstop.xml"
    )]
    Ci(CiArgs),
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
    #[arg(long = "hook", value_delimiter = ',', value_parser = ["pre-commit", "pre-merge-commit", "pre-push", "commit-msg"])]
    pub hooks: Vec<String>,
    /// Install even where a user-wide core.hooksPath would otherwise make install refuse.
    #[arg(long)]
    pub force: bool,
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

/// `--claude --codex --gemini --cursor --copilot`.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct AgentSelection {
    /// Claude Code: .claude/settings.json.
    #[arg(long)]
    pub claude: bool,
    /// Codex CLI: .codex/hooks.json.
    #[arg(long)]
    pub codex: bool,
    /// Gemini CLI: .gemini/settings.json.
    #[arg(long)]
    pub gemini: bool,
    /// Cursor: .cursor/hooks.json.
    #[arg(long)]
    pub cursor: bool,
    /// GitHub Copilot: .github/hooks/backstop.json.
    #[arg(long)]
    pub copilot: bool,
}

impl AgentSelection {
    /// The agents selected.
    pub fn agents(self) -> Vec<crate::agent::Agent> {
        use crate::agent::Agent;
        [
            (self.claude, Agent::Claude),
            (self.codex, Agent::Codex),
            (self.gemini, Agent::Gemini),
            (self.cursor, Agent::Cursor),
            (self.copilot, Agent::Copilot),
        ]
        .into_iter()
        .filter_map(|(on, agent)| on.then_some(agent))
        .collect()
    }
}

/// `backstop hook`.
#[derive(Debug, Subcommand)]
pub enum HookArgs {
    /// A git hook: pre-commit, pre-push or commit-msg, with git's arguments.
    Git {
        /// The hook's name.
        name: String,
        /// The arguments git passed.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
    /// Claude Code (JSON on stdin).
    Claude {
        /// The event.
        event: EventArg,
    },
    /// `OpenAI` Codex CLI (JSON on stdin).
    Codex {
        /// The event.
        event: EventArg,
    },
    /// Gemini CLI (JSON on stdin).
    Gemini {
        /// The event.
        event: EventArg,
    },
    /// Cursor (JSON on stdin).
    Cursor {
        /// The event.
        event: EventArg,
    },
    /// GitHub Copilot (JSON on stdin).
    Copilot {
        /// The event.
        event: EventArg,
    },
}

/// An agent hook event.
#[derive(Debug, Clone, Copy)]
pub struct EventArg(pub crate::agent::Event);

impl ValueEnum for EventArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            EventArg(crate::agent::Event::SessionStart),
            EventArg(crate::agent::Event::Stop),
            EventArg(crate::agent::Event::SubagentStop),
            EventArg(crate::agent::Event::PreToolUse),
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.as_str()))
    }
}

impl HookArgs {
    /// The agent and event of an agent hook; `None` for git.
    pub fn agent(&self) -> Option<(crate::agent::Agent, crate::agent::Event)> {
        use crate::agent::Agent;
        match self {
            HookArgs::Git { .. } => None,
            HookArgs::Claude { event } => Some((Agent::Claude, event.0)),
            HookArgs::Codex { event } => Some((Agent::Codex, event.0)),
            HookArgs::Gemini { event } => Some((Agent::Gemini, event.0)),
            HookArgs::Cursor { event } => Some((Agent::Cursor, event.0)),
            HookArgs::Copilot { event } => Some((Agent::Copilot, event.0)),
        }
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
    /// The branch the change will merge into (default: settings.base).
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Every tracked file instead of the change.
    #[arg(long)]
    pub all_files: bool,
    /// How to run and report.
    #[command(flatten)]
    pub options: RunOptionsArgs,
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
    if let (Some(sub), Some(options)) = (sub, args.command.run_options_mut()) {
        match pair_destinations(sub, options) {
            Ok(pairs) => options.destinations = pairs,
            Err(message) => CliArgs::command()
                .error(clap::error::ErrorKind::ArgumentConflict, message)
                .exit(),
        }
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
    options: &RunOptionsArgs,
) -> Result<Vec<(Format, Option<PathBuf>)>, String> {
    let format_at: Vec<usize> = matches
        .indices_of("formats")
        .map(Iterator::collect)
        .unwrap_or_default();
    let output_at: Vec<usize> = matches
        .indices_of("outputs")
        .map(Iterator::collect)
        .unwrap_or_default();
    let mut pairs: Vec<(Format, Option<PathBuf>)> =
        options.formats.iter().map(|f| (*f, None)).collect();
    if pairs.is_empty() {
        pairs.push((Format::Human, None));
        if output_at.len() > 1 {
            return Err(
                "several --output files but no --format: give each --output its --format"
                    .to_owned(),
            );
        }
        pairs[0].1 = options.outputs.first().cloned();
        return Ok(pairs);
    }
    for (output, at) in options.outputs.iter().zip(&output_at) {
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
