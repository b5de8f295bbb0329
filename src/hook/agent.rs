//! `backstop hook <agent> <event>`: JSON on stdin, the agent's protocol on stdout, exit 0.
//! Stop runs the `stop` gates against the session base and the working tree, blocks with
//! feedback the agent can act on, and gives up (telling the person) after `stop_retries`
//! blocks on an unchanged failure.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use serde_json::Value;

use super::stop_once::{self, Claim, Verdict};
use crate::agent::guard::{self, GuardContext, ToolCall};
use crate::agent::payload::Payload;
use crate::agent::{Agent, Event, session};
use crate::config::SettingsConfig;
use crate::glob::GlobList;
use crate::pipeline::{self, GateInputs};
use crate::report::Report;
use crate::runner::signals;
use crate::settings::{GlobalOptions, RunSettings, Workspace};
use crate::snapshot::Snapshot;
use crate::trigger::Trigger;

/// How long to wait for the payload before treating it as empty.
const STDIN_WAIT: Duration = Duration::from_secs(10);

/// The largest payload read (a Write tool call carries the whole file): more is unreadable.
const PAYLOAD_LIMIT: u64 = 16 * 1024 * 1024;

/// Runs the hook; always exit 0 (the answer is on stdout).
pub fn run(global: &GlobalOptions, agent: &dyn Agent, event: Event) -> u8 {
    let answer = match (read_stdin(), event) {
        // A tool call backstop cannot read is one it cannot let through.
        (Err(why), Event::PreToolUse) => Some(agent.deny(&format!(
            "backstop cannot check this tool call: {why}. Make the call smaller (write a large file in parts)."
        ))),
        (input, event) => {
            let payload = Payload::parse(&input.unwrap_or_default());
            match event {
                Event::SessionStart => {
                    start(global, &payload);
                    None
                }
                // Copilot fires agentStop for a subagent too (the child's id as its session, the
                // parent in `parentAgentId`), then subagentStop: that one judges it, against the
                // parent's base.
                Event::Stop if payload.parent_agent().is_some() => None,
                Event::Stop | Event::SubagentStop => stop(global, agent, &payload),
                Event::PreToolUse => pre_tool(global, agent, &payload),
            }
        }
    };
    super::crash::disarm();
    if let Some(answer) = answer {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{answer}");
    }
    crate::error::EXIT_OK
}

/// Reads the payload, but never waits on a terminal or a writer that never closes, and never
/// holds more than [`PAYLOAD_LIMIT`]. `Err` says why the input could not be read (the caller
/// treats it as an empty payload, or denies a tool call).
fn read_stdin() -> Result<Vec<u8>, String> {
    if std::io::stdin().is_terminal() {
        return Ok(Vec::new());
    }
    let why = match crate::fsio::read_stdin(PAYLOAD_LIMIT, STDIN_WAIT) {
        crate::fsio::Input::Complete(bytes) => return Ok(bytes),
        crate::fsio::Input::TooLarge => format!(
            "the hook input is larger than {}",
            crate::fsio::size(PAYLOAD_LIMIT)
        ),
        crate::fsio::Input::TimedOut => {
            format!("no end of the hook input after {}s", STDIN_WAIT.as_secs())
        }
    };
    eprintln!("backstop: warning: {why}; treating it as empty");
    Err(why)
}

fn workspace_at(global: &GlobalOptions, cwd: &Path) -> Result<Workspace> {
    let at = GlobalOptions {
        directory: Some(
            global
                .directory
                .clone()
                .unwrap_or_else(|| cwd.to_path_buf()),
        ),
        ..global.clone()
    };
    Workspace::open(&at)
}

/// `SessionStart`: remember `HEAD` as this session's base.
fn start(global: &GlobalOptions, payload: &Payload) {
    let Ok(workspace) = workspace_at(global, &payload.cwd()) else {
        return;
    };
    let session = payload.session();
    let mut state = session::load(&workspace.repo, &session);
    // SessionStart also fires on resume, clear and compaction: the first base stays, so work
    // committed earlier in the session is still judged.
    if state.base.is_none() {
        state.base = workspace.repo.head().map(|h| h.to_string());
        session::save(&workspace.repo, &session, &state);
    }
}

/// `Stop` / `SubagentStop`: the block object, the give-up message, or nothing.
fn stop(global: &GlobalOptions, agent: &dyn Agent, payload: &Payload) -> Option<Value> {
    let _ = signals::install();
    let session = payload.session();
    // A subagent's stops have a budget of their own; the base is the session's.
    let counter = payload
        .subagent()
        .map_or_else(|| session.clone(), |id| format!("{session}-agent-{id}"));
    let workspace = match stop_workspace(global, payload) {
        Ok(workspace) => workspace,
        // No repository anywhere to judge: the stop goes through, but never silently.
        Err(error) => {
            let message = format!(
                "backstop did not check this stop: {error:#}. Run the hook from the project, or check its `cwd`."
            );
            eprintln!("backstop: {message}");
            return agent.give_up(&message);
        }
    };
    let repo = &workspace.repo;
    // The same stop delivered through a second agent's hook file is answered, not judged again.
    let claim = match stop_once::claim(repo, &counter, agent) {
        Claim::Judge(claim) => claim,
        Claim::Replay(verdict) => return verdict.answer(agent),
    };
    // Hooks another tool took over: the person hears it on every stop, the agent with a block.
    let unreached = crate::install::reach::warnings(repo);
    let (report, text) = match judge(global, &workspace, &session) {
        Ok(report) if report.ok => {
            // The last report is this one, green: an old failure must not linger there.
            write_report(&workspace, &report);
            let mut state = session::load(repo, &counter);
            state.fingerprint = None;
            state.blocks = 0;
            state.total = 0;
            session::save(repo, &counter, &state);
            return claim.answer(agent, passed(&unreached));
        }
        Ok(report) => {
            let path = write_report(&workspace, &report);
            let lines = workspace.load_config().map_or_else(
                |_| SettingsConfig::default().feedback_lines,
                |c| c.settings.feedback_lines,
            );
            let mut text = crate::render::agent::render(&report, lines);
            text.push_str(&format!("Full report: {}\n{unreached}", path.display()));
            (Some(report), text)
        }
        Err(error) => {
            let hint = error
                .chain()
                .find_map(|e| e.downcast_ref::<crate::error::UsageError>())
                .and_then(|u| u.hint.clone())
                .unwrap_or_default();
            let text = format!(
                "backstop could not check your work: {error:#}\n{hint}\nIf the fix is in a protected file (gates.toml) or needs `backstop recover`, ask the person.\n"
            );
            (None, text)
        }
    };
    let fingerprint = report
        .as_ref()
        .map_or_else(|| crate::git::blob_id(text.as_bytes()), failure_fingerprint);
    let retries = workspace.load_config().map_or_else(
        |_| SettingsConfig::default().stop_retries,
        |c| c.settings.stop_retries,
    );
    let mut state = session::load(repo, &counter);
    state.total += 1;
    let same = state.fingerprint.as_deref() == Some(fingerprint.as_str());
    // A failure that keeps changing without ever going green is bounded too.
    if (same && state.blocks >= retries) || state.total > retries.saturating_mul(3) {
        session::save(repo, &counter, &state);
        let names = report
            .as_ref()
            .map(|r| {
                r.failures()
                    .map(|g| g.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let message = format!(
            "backstop: the agent was let stop after {} attempts, but gates still fail{}. See {}.",
            state.total - 1,
            if names.is_empty() {
                String::new()
            } else {
                format!(": {names}")
            },
            last_report_path(&workspace).display()
        );
        return claim.answer(agent, Verdict::GiveUp(message));
    }
    if same {
        state.blocks += 1;
    } else {
        state.fingerprint = Some(fingerprint);
        state.blocks = 1;
    }
    session::save(repo, &counter, &state);
    claim.answer(agent, Verdict::Block(cap(&text)))
}

/// A green stop: nothing to say, or, when hooks no longer reach backstop, a word to the person.
fn passed(unreached: &str) -> Verdict {
    if unreached.is_empty() {
        Verdict::Pass
    } else {
        Verdict::GiveUp(format!("backstop: {unreached}"))
    }
}

/// The repository a stop judges: the payload's `cwd`; when that is no directory of a
/// repository (missing, a file, a scratch dir), the project the agent was started in (its
/// project-dir variable, `CLAUDE_PROJECT_DIR`...), then the directory the hook runs in (agents
/// start hooks in the project). An error only when none of them is a repository.
fn stop_workspace(global: &GlobalOptions, payload: &Payload) -> Result<Workspace> {
    let named = payload.cwd();
    let first = workspace_at(global, &named);
    if first.is_ok() {
        return first;
    }
    let fallbacks = [
        crate::agent::payload::project_dir(),
        std::env::current_dir().ok(),
    ];
    for dir in fallbacks.into_iter().flatten() {
        if let Ok(workspace) = workspace_at(global, &dir) {
            eprintln!(
                "backstop: warning: the hook input's cwd {} is not a directory of a repository; judging {}",
                named.display(),
                workspace.repo.root().display()
            );
            return Ok(workspace);
        }
    }
    first
}

/// Runs the stop gates on the working tree against the session base (else SPEC §1's).
fn judge(global: &GlobalOptions, workspace: &Workspace, session: &str) -> Result<Report> {
    crate::setaside::refuse_if_interrupted(&workspace.repo)?;
    let config = workspace.load_config()?;
    let mut settings = RunSettings::for_hook(workspace, &config, global, Trigger::Stop)?;
    // stdout belongs to the agent's protocol.
    settings.destinations.clear();
    settings.human_sink = None;
    let repo = &workspace.repo;
    let snapshot = match session::base(repo, session) {
        Some(base) => Snapshot::since(repo, Trigger::Stop, base)?,
        None => crate::snapshot::resolve(repo, Trigger::Stop, &settings.files, &settings.base_ref)?,
    };
    let inputs = GateInputs {
        from_hook: true,
        ..GateInputs::default()
    };
    pipeline::run(repo, &config, &settings, snapshot, inputs)
}

/// What makes two failures "the same": which gates failed how, where, and which findings.
/// Raw output is left out: temp names, ids and test order change every run, and a failure
/// that differs only by them must not count as progress.
fn failure_fingerprint(report: &Report) -> String {
    let mut text = String::new();
    for gate in report.failures() {
        text.push_str(&format!(
            "{}:{}:{:?}\n",
            gate.name,
            gate.status.as_str(),
            gate.exit_code
        ));
        for d in &gate.diagnostics {
            text.push_str(&format!("  {:?}:{:?}:{}\n", d.file, d.line, d.message));
        }
    }
    for finding in &report.protected {
        text.push_str(&crate::protected::approve::fingerprint(finding));
        text.push('\n');
    }
    crate::git::blob_id(text.as_bytes())
}

fn last_report_path(workspace: &Workspace) -> PathBuf {
    workspace
        .repo
        .git_dir()
        .join("backstop")
        .join("last-report.json")
}

fn write_report(workspace: &Workspace, report: &Report) -> PathBuf {
    let path = last_report_path(workspace);
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(&path, crate::render::json::render(report));
    path
}

/// Agents cut hook output at 10,000 characters; stay under.
fn cap(text: &str) -> String {
    const LIMIT: usize = 9_900;
    if text.chars().count() <= LIMIT {
        return text.to_owned();
    }
    let kept: String = text.chars().take(LIMIT - 60).collect();
    format!("{kept}\n[… cut; the full report file has everything …]\n")
}

/// `PreToolUse` / `BeforeTool`: deny a bypass with the reason, allow the rest (print nothing).
fn pre_tool(global: &GlobalOptions, agent: &dyn Agent, payload: &Payload) -> Option<Value> {
    let cwd = payload.cwd();
    let workspace = workspace_at(global, &cwd).ok()?;
    let paths = workspace
        .load_config()
        .ok()
        .and_then(|c| c.protect.and_then(|p| p.paths))
        .unwrap_or_else(crate::protected::default_paths);
    let protected = GlobList::new(&paths).ok()?;
    let context = GuardContext {
        cwd: &cwd,
        root: workspace.repo.root(),
        protected: &protected,
    };
    let call = payload.tool_call();
    if let Some(reason) = guard::check(&call, &context) {
        return Some(agent.deny(&reason));
    }
    // A commit or push that git will not send through backstop's hook: judged here.
    let ToolCall::Shell(script) = &call else {
        return None;
    };
    super::commit_gate::check(agent, script, &cwd).map(|reason| agent.deny(&reason))
}
