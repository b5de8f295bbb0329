//! `backstop run [TRIGGER]` and `backstop ci`: resolve the settings and the snapshot, then the
//! pipeline.

use anyhow::Result;

use crate::pipeline::{self, GateInputs};
use crate::runner::signals;
use crate::settings::{FileRequest, GlobalOptions, RunOptions, RunSettings, Workspace};
use crate::trigger::Trigger;

/// Runs the gates of `trigger` on the files asked for; `base_override` is `ci --base`.
pub fn run(
    global: &GlobalOptions,
    trigger: Trigger,
    files: &FileRequest,
    options: &RunOptions,
    base_override: Option<&str>,
) -> Result<u8> {
    let started = std::time::Instant::now();
    signals::install()?;
    let workspace = Workspace::open(global)?;
    crate::setaside::refuse_if_interrupted(&workspace.repo)?;
    // ci judges HEAD, so it reads the config HEAD stores, never what is on disk.
    let config = if trigger == Trigger::Ci {
        workspace.load_config_of_head()?
    } else {
        workspace.load_config()?
    };
    let settings = RunSettings::resolve(
        &workspace,
        &config,
        global,
        trigger,
        files,
        options,
        base_override,
    )?;
    let repo = &workspace.repo;
    for problem in crate::install::reach::unreached(repo) {
        eprintln!("warning: {problem}");
    }
    let snapshot = if trigger == Trigger::Ci {
        // The CI base comes from the CI system, never from what the pushed commit says.
        crate::ci::snapshot(
            repo,
            &settings.files,
            base_override,
            &config.settings.base,
            &crate::ci::process_env,
        )?
    } else {
        crate::snapshot::resolve(repo, trigger, &settings.files, &settings.base_ref)?
    };
    let plan = pipeline::plan(repo, &config, &settings, snapshot, repo.root())?;
    if let (Some(shard), false) = (&plan.shard, global.quiet) {
        let balanced = match &settings.sharding {
            Some(s) if !s.durations.is_empty() => "by earlier durations",
            _ => "by count",
        };
        eprintln!(
            "backstop: shard {}: {} of the {} planned gates (balanced {balanced}; merge the shards' JSON reports with `backstop report merge`)",
            shard.shard,
            plan.gates.len(),
            shard.planned.len()
        );
    }
    let report = pipeline::judge(repo, &plan, &settings, GateInputs::default(), started)?;
    pipeline::finish(&report, &settings)
}
