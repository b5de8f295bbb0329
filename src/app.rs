//! Dispatch: parse arguments, hand each command its options, turn the result into an exit
//! status. Nothing else lives here: commands are in [`crate::commands`], hook entries in
//! [`crate::hook`], the run path in [`crate::pipeline`].

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{self, CacheArgs, CliArgs, CommandArgs, ConfigArgs, HookArgs, ReportArgs};
use crate::commands;
use crate::error::{EXIT_ERROR, EXIT_OK};
use crate::runner::signals;
use crate::trigger::Trigger;

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
    let global = args.global.options();
    match &args.command {
        CommandArgs::Init(init) => crate::init::run(&global, init.force),
        CommandArgs::Run(run) => commands::run::run(
            &global,
            run.trigger.unwrap_or(Trigger::Manual),
            &run.selection.request(),
            &run.options.options(),
            None,
        ),
        CommandArgs::Ci(ci) => commands::run::run(
            &global,
            Trigger::Ci,
            &crate::settings::FileRequest {
                all_files: ci.all_files,
                ..crate::settings::FileRequest::default()
            },
            &crate::settings::RunOptions {
                shard: ci.shard,
                durations: ci.durations.clone(),
                ..ci.options.options()
            },
            ci.base.as_deref(),
        ),
        CommandArgs::Report(ReportArgs::Merge(merge)) => {
            commands::report::merge(&global, &merge.files, &merge.destinations)
        }
        CommandArgs::List(list) => commands::list::run(&global, list.trigger),
        CommandArgs::Install(install) => commands::install::install(&global, &install.wiring()),
        CommandArgs::Uninstall(uninstall) => {
            commands::install::uninstall(&global, &uninstall.wiring())
        }
        CommandArgs::Hook(HookArgs::Git { hook, args }) => {
            crate::hook::git::run(&global, *hook, args)
        }
        CommandArgs::Hook(HookArgs::Agent { agent, event }) => {
            Ok(crate::hook::agent::run(&global, *agent, *event))
        }
        CommandArgs::Approve(approve) => commands::approve::run(&global, approve.show),
        CommandArgs::Cache(CacheArgs::Clear) => commands::maintenance::clear_cache(&global),
        CommandArgs::Recover => commands::maintenance::recover(&global),
        CommandArgs::Doctor => commands::doctor::run(&global),
        CommandArgs::Config(ConfigArgs::Check) => commands::maintenance::check_config(&global),
        CommandArgs::Config(ConfigArgs::Schema) => commands::maintenance::print_schema(),
        CommandArgs::BaselineWorker { base } => {
            commands::maintenance::baseline_worker(&global, base)
        }
        CommandArgs::Completions(completions) => {
            crate::say!("{}", cli::completions(completions.shell));
            Ok(EXIT_OK)
        }
    }
}
