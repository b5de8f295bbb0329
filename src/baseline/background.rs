//! Computing ahead: `SessionStart` starts the session base's records in a detached process (its
//! own process group, no terminal, output to a log under the baseline directory), so the first
//! Stop finds them ready instead of computing the base and the target in a row. The lock makes
//! the worker and a Stop that needs the same records compute them once.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Result;

use super::compute::{self, Run};
use super::lock::Lock;
use super::memo::Memo;
use super::record;
use crate::config::{GateConfig, GatesConfig, ParserKind};
use crate::error::EXIT_OK;
use crate::finding::FindingKind;
use crate::git::{Oid, Repo};
use crate::runner::RunnerSettings;
use crate::trigger::Trigger;

/// The worker's log is started afresh beyond this size.
const LOG_LIMIT: u64 = 1024 * 1024;

/// The hidden command the worker runs as.
pub const WORKER_COMMAND: &str = "baseline-worker";

/// The gates a Stop is expected to need records of: `only_new` gates, and with the test
/// census, gates whose runs named tests (or, never seen yet, whose parser reads a test
/// runner's output).
fn wanted(config: &GatesConfig, memo: &Memo) -> Vec<String> {
    let census = config.protect.as_ref().is_some_and(|p| {
        p.on.as_ref().is_none_or(|on| on.contains(&Trigger::Stop))
            && !p.allow.contains(&FindingKind::TestNotRun)
    });
    config
        .gates
        .iter()
        .filter(|(_, gate)| gate.triggers().contains(&Trigger::Stop))
        .filter(|(_, gate)| {
            gate.only_new.unwrap_or(config.settings.only_new) || (census && names_tests(gate, memo))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

fn names_tests(gate: &GateConfig, memo: &Memo) -> bool {
    let definition = serde_json::to_string(gate).unwrap_or_default();
    memo.names_tests(&definition).unwrap_or(matches!(
        gate.parser,
        Some(
            ParserKind::Cargo
                | ParserKind::Go
                | ParserKind::Pytest
                | ParserKind::Junit
                | ParserKind::Playwright
        )
    ))
}

/// Starts computing the records a Stop against `base` will want, unless they are on record,
/// being computed, or nothing wants any. Never waits for the worker.
pub fn start_in_background(repo: &Repo, config: &GatesConfig, base: Oid) {
    let dir = record::directory(repo.common_dir());
    let names = wanted(config, &Memo::load(&dir));
    let Ok(tree) = repo.tree_id(base) else { return };
    let missing = names
        .iter()
        .filter_map(|name| config.gates.get(name))
        .any(|gate| !record::exists(&dir, &record::key(gate, tree, None)));
    if !missing || Lock::busy(&dir) {
        return;
    }
    if let Err(error) = spawn(repo.root(), &dir, base) {
        eprintln!("backstop: warning: cannot start the baseline in the background: {error:#}");
    }
}

fn spawn(root: &Path, dir: &Path, base: Oid) -> Result<()> {
    use std::os::unix::process::CommandExt;
    std::fs::create_dir_all(dir)?;
    let log_path = dir.join("worker.log");
    // The log of the latest workers, not of every session ever.
    let too_big = std::fs::metadata(&log_path).is_ok_and(|m| m.len() > LOG_LIMIT);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(!too_big)
        .write(true)
        .truncate(too_big)
        .open(log_path)?;
    Command::new(std::env::current_exe()?)
        .arg("-C")
        .arg(root)
        .args([WORKER_COMMAND, &base.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        // Its own process group: the agent ending the hook's group leaves it running.
        .process_group(0)
        .spawn()?;
    Ok(())
}

/// The worker: computes the records of the wanted gates at `base` in `repo`.
pub fn worker(repo: &Repo, config: &GatesConfig, base: &str) -> Result<u8> {
    let base = repo.commit_id(base)?;
    let dir = record::directory(repo.common_dir());
    let names = wanted(config, &Memo::load(&dir));
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let or_cores = |n: usize| if n == 0 { cores } else { n };
    let run = Run {
        trigger: Trigger::Stop,
        runner: RunnerSettings {
            jobs: or_cores(config.settings.jobs),
            fail_fast: false,
            machine_jobs: or_cores(config.settings.machine_jobs),
        },
    };
    let wanted: Vec<compute::Wanted> = names
        .iter()
        .map(|name| compute::Wanted {
            name: name.clone(),
            files: None,
        })
        .collect();
    let records = compute::records(repo, config, &wanted, base, run)?;
    eprintln!(
        "backstop: baseline at {base}: {} of {} record(s) ready",
        records.len(),
        names.len()
    );
    Ok(EXIT_OK)
}
