//! `backstop list`: the gates, their triggers, and what each would run on now.

use anyhow::Result;

use crate::error::EXIT_OK;
use crate::plan::{Action, Plan, Selection};
use crate::settings::{GlobalOptions, Workspace};
use crate::snapshot::FileSelection;
use crate::trigger::Trigger;

/// Lists the gates, their triggers, and what each would run on now for `trigger`.
pub fn run(global: &GlobalOptions, trigger: Option<Trigger>) -> Result<u8> {
    let workspace = Workspace::open(global)?;
    let config = workspace.load_config()?;
    let trigger = trigger.unwrap_or(Trigger::Manual);
    let snapshot = crate::snapshot::resolve(
        &workspace.repo,
        trigger,
        &FileSelection::Trigger,
        &config.settings.base,
    )?;
    let changed = snapshot.file_set.changes.len();
    let plan = Plan::build(
        &workspace.repo,
        &config,
        snapshot,
        &Selection::default(),
        workspace.repo.root(),
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
        changed
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
            Some(Action::Protect(_)) => "built-in".to_owned(),
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
