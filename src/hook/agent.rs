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
use super::stop_scope;
use crate::agent::guard::{self, GuardContext, ToolCall};
use crate::agent::payload::Payload;
use crate::agent::{Agent, Event, session};
use crate::glob::GlobList;
use crate::report::Report;
use crate::runner::signals;
use crate::settings::{GlobalOptions, Workspace};

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
                Event::Stop if payload.parent_agent_of(agent).is_some() => {
                    eprintln!(
                        "backstop: a subagent's {} stop; it is judged at its subagentStop, against the session's base",
                        agent.name()
                    );
                    None
                }
                Event::Stop | Event::SubagentStop => stop(global, agent, &payload),
                Event::PreToolUse => pre_tool(global, agent, &payload),
            }
        }
    };
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

/// `SessionStart`: remember `HEAD` as this session's base, and the worktree it starts in.
fn start(global: &GlobalOptions, payload: &Payload) {
    let Ok(workspace) = workspace_at(global, &payload.cwd()) else {
        return;
    };
    let session = payload.session();
    let mut state = session::load(&workspace.repo, &session);
    // SessionStart also fires on resume, clear and compaction: the first base stays, so work
    // committed earlier in the session is still judged. Only a session's start records one:
    // a record that went missing since is not replaced by today's `HEAD` (the stop then takes
    // SPEC §1's base, which still holds the session's commits).
    let starts = payload
        .value
        .get("source")
        .and_then(Value::as_str)
        .is_none_or(|source| matches!(source, "startup" | "new"));
    if state.base.is_none() && starts {
        state.base = workspace.repo.head().map(|h| h.to_string());
        state.worktree = Some(workspace.repo.root().to_path_buf());
        session::save(&workspace.repo, &session, &state);
    }
    // The first Stop compares with this base: its baseline is computed now, in the background.
    if let (Some(base), Ok(config)) = (
        session::base(&workspace.repo, &session),
        workspace.load_config(),
    ) {
        crate::baseline::start_in_background(&workspace.repo, &config, base);
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
    let recorded = session::base(&workspace.repo, &session);
    // Every worktree the session works in, not only the one its last `cd` names.
    let worktrees =
        stop_scope::worktrees(workspace, &session, |dir| workspace_at(global, dir).ok());
    let workspace = &worktrees[0];
    let repo = &workspace.repo;
    // The same stop delivered through a second agent's hook file is answered, not judged again.
    let twice = stop_once::may_come_twice(repo, payload);
    let claim = match stop_once::claim(repo, &counter, agent, twice) {
        Claim::Judge(claim) => claim,
        Claim::Replay(verdict) => return verdict.answer(agent),
    };
    // Hooks another tool took over: the person hears it on every stop, the agent with a block.
    let unreached = crate::install::reach::warnings(repo);
    let (failures, loop_settings) = judge_worktrees(global, &worktrees, recorded);
    if failures.is_empty() {
        let mut state = session::load(repo, &counter);
        state.fingerprint = None;
        state.blocks = 0;
        state.total = 0;
        session::save(repo, &counter, &state);
        return claim.answer(agent, passed(&unreached));
    }
    let mut text: String = failures.iter().map(|(_, t)| t.as_str()).collect();
    text.push_str(&unreached);
    let fingerprint = crate::git::blob_id(
        failures
            .iter()
            .map(|(report, text)| {
                report
                    .as_ref()
                    .map_or_else(|| crate::git::blob_id(text.as_bytes()), failure_fingerprint)
            })
            .collect::<Vec<_>>()
            .join("\n")
            .as_bytes(),
    );
    let retries = loop_settings.map_or(0, |s| s.retries);

    let mut state = session::load(repo, &counter);
    state.total += 1;
    let same = state.fingerprint.as_deref() == Some(fingerprint.as_str());
    // A failure that keeps changing without ever going green is bounded too.
    if (same && state.blocks >= retries) || state.total > retries.saturating_mul(3) {
        session::save(repo, &counter, &state);
        let names = failures
            .iter()
            .filter_map(|(report, _)| report.as_ref())
            .flat_map(|r| r.failures().map(|g| g.name.clone()))
            .collect::<Vec<_>>()
            .join(", ");
        let message = format!(
            "backstop: the agent was let stop after {} attempts, but gates still fail{}. See {}.",
            state.total - 1,
            if names.is_empty() {
                String::new()
            } else {
                format!(": {names}")
            },
            last_report_path(workspace).display()
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

/// Judges each worktree of a stop: the failures (the report, when there is one, and the
/// feedback text), and the first worktree's loop settings.
fn judge_worktrees(
    global: &GlobalOptions,
    worktrees: &[Workspace],
    recorded: Option<crate::git::Oid>,
) -> (
    Vec<(Option<Report>, String)>,
    Option<stop_scope::LoopSettings>,
) {
    let mut failures: Vec<(Option<Report>, String)> = Vec::new();
    let mut loop_settings = None;
    for (at, judged) in worktrees.iter().enumerate() {
        let base = stop_scope::session_base(&judged.repo, recorded, at == 0);
        let outcome = stop_scope::judge(global, judged, base);
        let judged_base = outcome
            .as_ref()
            .ok()
            .and_then(|r| r.base.as_deref())
            .and_then(|b| judged.repo.commit_id(b).ok())
            .or(base);
        let settings = stop_scope::loop_settings(judged, judged_base);
        let lines = settings.feedback_lines;
        if at == 0 {
            loop_settings = Some(settings);
        }
        let place = if worktrees.len() > 1 {
            format!("In the worktree {}:\n", judged.repo.root().display())
        } else {
            String::new()
        };
        match outcome {
            // The last report is this one, green: an old failure must not linger there.
            Ok(report) if report.ok => {
                write_report(judged, &report);
            }
            Ok(report) => {
                let path = write_report(judged, &report);
                let mut text = place + &crate::render::agent::render(&report, lines);
                text.push_str(&format!("Full report: {}\n", path.display()));
                failures.push((Some(report), text));
            }
            Err(error) => {
                let hint = error
                    .chain()
                    .find_map(|e| e.downcast_ref::<crate::error::UsageError>())
                    .and_then(|u| u.hint.clone())
                    .unwrap_or_default();
                let text = format!(
                    "{place}backstop could not check your work: {error:#}\n{hint}\nIf the fix is in a protected file (gates.toml) or needs `backstop recover`, ask the person.\n"
                );
                failures.push((None, text));
            }
        }
    }
    (failures, loop_settings)
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
    // Where the tool runs: the payload's `cwd`, or the directory the tool itself is given.
    let cwd = payload.tool_cwd();
    let call = payload.tool_call();
    let workspace = workspace_at(global, &cwd).or_else(|_| workspace_at(global, &payload.cwd()));
    if let Ok(workspace) = workspace {
        let paths = workspace
            .load_config()
            .ok()
            .and_then(|c| c.protect.and_then(|p| p.paths))
            .unwrap_or_else(crate::protected::default_paths);
        if let Ok(protected) = GlobList::new(&paths) {
            let repo = &workspace.repo;
            // The git directory, and the hooks directory git runs (`core.hooksPath`, e.g.
            // `.husky`).
            let mut git_dirs = vec![
                repo.git_dir().to_path_buf(),
                repo.common_dir().to_path_buf(),
            ];
            git_dirs.extend(repo.hooks_dir().ok().map(|h| h.path));
            let context = GuardContext {
                cwd: &cwd,
                root: repo.root(),
                protected: &protected,
                git_dirs: &git_dirs,
                remotes: &repo.remote_names(),
                aliases: &repo.aliases(),
            };
            if let Some(reason) = guard::check(&call, &context) {
                return Some(agent.deny(&reason));
            }
        }
    }
    // A commit, merge or push that git will not send through backstop's hook: judged here
    // (also from outside a repository: a workspace of several).
    let ToolCall::Shell(script) = &call else {
        return None;
    };
    let run = super::commit_gate::ShellRun {
        script,
        cwd: &cwd,
        background: payload.tool_background(),
    };
    super::commit_gate::check(agent, &run).map(|reason| agent.deny(&reason))
}
