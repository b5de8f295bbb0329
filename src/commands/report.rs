//! `backstop report merge FILE...`: the JSON reports of a sharded CI run's shards merged into
//! one report, written in every requested format as one unsharded run would write it (the
//! same renderers, the same `$GITHUB_STEP_SUMMARY`, the same verdict and exit status).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::config::SettingsConfig;
use crate::error::usage;
use crate::gates::GateOutcome;
use crate::pipeline::{self, Delivery};
use crate::render::Format;
use crate::render::human::LiveDisplay;
use crate::report::{GateReport, Report};
use crate::runner::Observer;
use crate::settings::{GlobalOptions, OutputSettings, Workspace};

/// Reads the shards' reports, merges them, and writes the merged report.
pub fn merge(
    global: &GlobalOptions,
    files: &[PathBuf],
    pairs: &[(Format, Option<PathBuf>)],
) -> Result<u8> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let cwd = global
        .directory
        .as_ref()
        .map_or_else(|| here.clone(), |dir| here.join(dir));
    let hint = "give the JSON reports that `backstop ci --shard I/N --format json --output FILE` wrote, one per shard";
    let mut reports = Vec::with_capacity(files.len());
    for file in files {
        let bytes = std::fs::read(cwd.join(file))
            .map_err(|e| usage(format!("cannot read {}: {e}", file.display()), hint))?;
        let report: Report = serde_json::from_slice(&bytes).map_err(|e| {
            usage(
                format!("{} is not a backstop JSON report: {e}", file.display()),
                hint,
            )
        })?;
        reports.push((file.display().to_string(), report));
    }
    let report = crate::report::merge::merge(reports)?;
    // The agent text's cap is the repository's, when the merge runs in its checkout.
    let feedback_lines = Workspace::open(global)
        .ok()
        .and_then(|w| w.load_config().ok())
        .map_or(SettingsConfig::default().feedback_lines, |c| {
            c.settings.feedback_lines
        });
    let output = OutputSettings::resolve(global, &cwd, pairs);
    // The lines a run prints as its gates finish, in plan order.
    let names: Vec<&str> = report.gates.iter().map(|g| g.name.as_str()).collect();
    let display = LiveDisplay::new(output.style, Some(output.human_sink), &names);
    for gate in &report.gates {
        display.finished(&gate.name, &outcome(gate));
    }
    pipeline::deliver(
        &report,
        &Delivery {
            destinations: &output.destinations,
            style: output.style,
            feedback_lines,
            step_summary: output.step_summary.as_deref(),
        },
    )
}

/// What the display shows of a gate of the report.
fn outcome(gate: &GateReport) -> GateOutcome {
    GateOutcome {
        status: gate.status,
        exit_code: gate.exit_code,
        duration: Duration::from_millis(gate.duration_ms),
        diagnostics: Vec::new(),
        output: None,
        reason: gate.reason.clone(),
        findings: Vec::new(),
        tests: None,
    }
}
