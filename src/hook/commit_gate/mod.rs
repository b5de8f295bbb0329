//! Commits, merges and pushes an agent runs through its shell, gated before they run when git
//! will not send them through backstop's own hook: Gemini CLI's shell switches git hooks off
//! for every command, and a project may have agent hooks without backstop's git hooks.
//!
//! Once, not twice: a `git commit` / `git merge` / `git push` is left to git when the agent's
//! shell leaves git hooks on ([`Agent::shell_runs_git_hooks`]), the call is plain (no `-c`,
//! `--config-env`, git config or hook-manager switches from the environment, no alias, not run
//! by another program), and the hook git will run reaches backstop ([`hook_reaches_backstop`]:
//! backstop's shim, a hook manager's file or config naming `backstop hook git <hook>`).
//! Otherwise the gates run here, and git runs none.
//!
//! Exactly what the command would commit, or a refusal that says what to run instead: the
//! pre-tool hook runs before any of the line, so a line that changes files, the index or refs
//! before its commit (anything but a few read-only commands and a `git add`/`git rm`, which are
//! replayed), a commit run in the background or through `xargs`, a directory or repository that
//! cannot be told before the line runs, a message or pathspec read from standard input: each is
//! refused ("run `git commit` as a command of its own"). What is judged is a scratch copy of
//! the index with the line's earlier `git add`/`git rm` replayed, then `-a`, `-i PATHS` or
//! `PATHS` applied with git's own pathspec rules (a merge: git's own merge of the trees),
//! handed to the pre-commit machinery itself (`backstop hook git pre-commit` with
//! `GIT_INDEX_FILE`, as git hands it over for `git commit -a`), checks only (`BACKSTOP_NO_FIX`:
//! a fixer never runs from here); then the commit-msg gates on the message. A push hands the
//! pre-push hook the ref lines git would send, the remote's side from remote-tracking refs git
//! itself set (no network from a hook).

mod content;
mod deadline;
mod push;
mod reach;
mod refusal;
mod resolve;

use std::ffi::OsString;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use content::{
    backstop, commit_index, commit_message, commit_msg_gates, configured_repo, staged_config,
};
use reach::{hook_reaches_backstop, why_here};
use refusal::refusal;
use resolve::{Resolved, location_env, plain, resolve};

use push::pushed_refs;

use crate::agent::Agent;
use crate::agent::git_command::{CommitArgs, GitAction, MergeArgs, PushArgs, read_line};
use crate::git::Repo;
use crate::process::Exit;
use crate::trigger::GitHook;

/// The shell command an agent is about to run.
pub struct ShellRun<'a> {
    /// The command line.
    pub script: &'a str,
    /// Where it starts (the payload's `cwd`, or the tool's own directory argument).
    pub cwd: &'a Path,
    /// Whether the agent runs it in the background (a tool argument).
    pub background: bool,
}

/// The reason to deny the command, if a commit, merge or push in it fails its gates or cannot
/// be judged.
pub fn check(agent: &dyn Agent, run: &ShellRun<'_>) -> Option<String> {
    let line = read_line(run.script, run.cwd);
    let mut steps: Vec<Resolved<'_>> = line.steps.iter().map(resolve).collect();
    // A subcommand git does not know may be an alias the line itself defines first.
    for at in 0..steps.len() {
        let step = &steps[at];
        if let Some(GitAction::Unknown(sub)) = &step.action
            && let Some(change) = steps[..at].iter().find_map(|s| s.changes.clone())
        {
            steps[at].hidden = Some(format!(
                "`git {sub}` is no git command backstop knows, and {change} runs before it"
            ));
        }
    }
    let gate = Gate {
        agent,
        started: Instant::now(),
        steps: &steps,
        background: run.background || line.background,
        pipes: line.pipes,
        start: run.cwd,
    };
    let mut committed = false;
    for (at, step) in steps.iter().enumerate() {
        let verdict = gate.judge(at, committed);
        if matches!(
            step.action,
            Some(GitAction::Commit(ref args)) if !args.dry_run
        ) {
            committed = true;
        }
        match verdict {
            Ok(None) => {}
            Ok(Some(reason)) => return Some(reason),
            Err(error) => {
                return Some(format!(
                    "backstop: could not judge this command before it runs: {error:#}\n\
                     Run `git commit` (or `git push`) as a command of its own; if this persists, ask the person."
                ));
            }
        }
    }
    None
}

/// Where a commit, merge or push is judged.
enum Place {
    /// Not a repository backstop gates: nothing to do.
    Skip,
    /// It cannot be judged: refuse it, with this reason.
    Deny(String),
    /// In this repository.
    Repo(Repo),
}

struct Gate<'a> {
    agent: &'a dyn Agent,
    /// When the pre-tool hook started (the agent's timeout counts from there).
    started: Instant,
    steps: &'a [Resolved<'a>],
    background: bool,
    pipes: bool,
    /// Where the line starts.
    start: &'a Path,
}

impl Gate<'_> {
    /// The agent's limit on this hook, when an older install made it shorter than the gates
    /// may take.
    fn limit(&self, repo: &Repo) -> Option<Duration> {
        staged_config(repo, None)
            .and_then(|config| deadline::short_limit(self.agent, repo, &config))
    }

    /// Runs `backstop hook git ARGS` for `repo`, within that limit (a hook the agent kills lets
    /// the command through).
    fn child(
        &self,
        repo: &Repo,
        args: &[&str],
        env: &[(OsString, OsString)],
        stdin: &[u8],
    ) -> Result<(Exit, Vec<u8>)> {
        let deadline = self.limit(repo).map(|limit| {
            let margin = (limit / 10).max(Duration::from_secs(2));
            self.started + limit.saturating_sub(margin)
        });
        backstop(repo, args, env, stdin, deadline)
    }

    /// The agent's reason when the child hook refused (or ran out of the agent's time).
    fn refused(
        &self,
        repo: &Repo,
        exit: &Exit,
        output: &[u8],
        what: &str,
        hook: &str,
        config: Option<&crate::config::GatesConfig>,
    ) -> Option<String> {
        if *exit == Exit::TimedOut
            && let Some(limit) = self.limit(repo)
        {
            return Some(format!(
                "backstop: this {what} was not made: {}'s pre-tool hook may run only {} s here \
                 ({}, written by an older `backstop install`), and the {hook} gates did not finish \
                 in that time, so the {what} was not judged. Ask the person to run `backstop \
                 install --{}` again (it gives the hook the time the gates need), then run the \
                 command again.",
                self.agent.title(),
                limit.as_secs(),
                self.agent.hooks_file(),
                self.agent.name()
            ));
        }
        refusal(self.agent, repo, exit, output, what, hook, config)
    }

    fn judge(&self, at: usize, committed: bool) -> Result<Option<String>> {
        let resolved = &self.steps[at];
        if let Some(why) = &resolved.hidden {
            return Ok(self.configured_around().then(|| {
                format!(
                    "backstop: {why}, so backstop cannot judge what it would commit or push before \
                     the command runs. Run the git command itself (`git commit ...`), as a command of its own."
                )
            }));
        }
        let Some(action) = &resolved.action else {
            return Ok(None);
        };
        match action {
            GitAction::Commit(args) if !args.dry_run => self.commit(at, args),
            GitAction::Merge(args) if !args.no_commit => self.merge(at, args),
            GitAction::Pull(args) => Ok(self.pull(at, args)),
            GitAction::Push(args) if !args.dry_run && !args.delete => {
                self.push(at, args, committed)
            }
            _ => Ok(None),
        }
    }

    /// Whether the line starts in (or the agent works on) a repository backstop gates.
    fn configured_around(&self) -> bool {
        // The nearest directory that exists (a tool directory may not).
        let start = self
            .start
            .ancestors()
            .find(|d| d.is_dir())
            .unwrap_or(self.start);
        configured_repo(start).is_some()
            || crate::agent::payload::project_dir().is_some_and(|d| configured_repo(&d).is_some())
    }

    fn place(&self, at: usize, what: &str) -> Place {
        let resolved = &self.steps[at];
        let call = resolved.call.as_ref().expect("git steps have a call");
        let cwd = match &resolved.step.cwd {
            Ok(cwd) => cwd,
            Err(why) => {
                return if self.configured_around() {
                    Place::Deny(format!(
                        "backstop: backstop judges this {what} before the command runs, and cannot \
                         tell where {why} leads until then. Run `git {what}` with a literal \
                         directory (`cd path/to/repo && git {what} ...`), as a command of its own."
                    ))
                } else {
                    Place::Skip
                };
            }
        };
        let located = call
            .location_options
            .first()
            .cloned()
            .or_else(|| location_env(call).map(|(name, value)| format!("{name}={value}")));
        if let Some(location) = located {
            let named = |value: &str| {
                !value.contains(['$', '`', '~']) && configured_repo(&cwd.join(value)).is_some()
            };
            let values = call
                .location_options
                .iter()
                .map(|o| o.split_once(['=', ' ']).map_or("", |(_, v)| v).to_owned())
                .chain(call.env.iter().map(|(_, v)| v.clone()));
            let relevant = self.configured_around()
                || configured_repo(cwd).is_some()
                || values.into_iter().any(|v| v.is_empty() || named(&v));
            return if relevant {
                Place::Deny(format!(
                    "backstop: backstop judges this {what} before the command runs, and `{location}` \
                     makes git use another repository, work tree or index than the directory's. \
                     Run `git {what}` in the repository's own directory, without it."
                ))
            } else {
                Place::Skip
            };
        }
        configured_repo(cwd).map_or(Place::Skip, Place::Repo)
    }

    /// Whether git itself runs backstop's `hook` for this step.
    fn git_runs(&self, at: usize, repo: &Repo, hook: GitHook) -> bool {
        self.agent.shell_runs_git_hooks()
            && plain(&self.steps[at])
            && hook_reaches_backstop(repo, hook)
    }

    /// Why the line cannot be judged exactly before it runs, if it cannot.
    fn unjudgeable(&self, at: usize, what: &str) -> Option<String> {
        if self.background {
            return Some(format!(
                "backstop: backstop judges this {what} before the command runs, and it would run in \
                 the background, later. Run `git {what}` in the foreground, as a command of its own."
            ));
        }
        // With a pipeline, every command of the line may run at the same time as this one.
        let before = if self.pipes {
            self.steps
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != at)
                .collect::<Vec<_>>()
        } else {
            self.steps[..at].iter().enumerate().collect()
        };
        before.iter().find_map(|(_, s)| s.changes.as_ref()).map(|change| {
            format!(
                "backstop: backstop judges this {what} before the command line runs, and {change} \
                 runs {} on the same line and may change what it contains. Run `git {what}` \
                 as a command of its own, after it.",
                if self.pipes { "beside it" } else { "before it" }
            )
        })
    }

    fn commit(&self, at: usize, args: &CommitArgs) -> Result<Option<String>> {
        let repo = match self.place(at, "commit") {
            Place::Skip => return Ok(None),
            Place::Deny(reason) => return Ok(Some(reason)),
            Place::Repo(repo) => repo,
        };
        let pre_commit_here = !self.git_runs(at, &repo, GitHook::PreCommit);
        let commit_msg_here = !self.git_runs(at, &repo, GitHook::CommitMsg);
        let judged_here = pre_commit_here
            || (commit_msg_here && commit_msg_gates(staged_config(&repo, None).as_ref()));
        if !judged_here {
            return Ok(None);
        }
        if let Some(reason) = self.unjudgeable(at, "commit") {
            return Ok(Some(reason));
        }
        let cwd = self.steps[at].step.cwd.clone().unwrap_or_default();
        if args.interactive {
            return Ok(Some(
                "backstop: `git commit -p` picks what to commit when it runs, and backstop judges \
                 the commit before that. Stage what you mean to commit with `git add`, then run \
                 `git commit` without -p."
                    .to_owned(),
            ));
        }
        if let Some((file, _)) = &args.pathspec_from_file
            && (file == "-" || !cwd.join(file).is_file())
        {
            return Ok(Some(format!(
                "backstop: backstop judges this commit before the command runs, and cannot read the \
                 paths it commits from `{file}` then. Name the paths on the command line \
                 (`git commit -m MESSAGE -- PATH...`), or write the list to a file first, in a \
                 command of its own."
            )));
        }
        let scratch = tempfile::Builder::new()
            .prefix("backstop-commit-")
            .tempdir()
            .context("cannot create a temporary directory")?;
        let Some(index) = commit_index(&repo, &self.steps[..at], &cwd, args, scratch.path())?
        else {
            // git will refuse the command itself (a pathspec that matches nothing).
            return Ok(None);
        };
        let config = staged_config(&repo, Some(&index));
        let env = [(
            OsString::from("GIT_INDEX_FILE"),
            index.clone().into_os_string(),
        )];
        if pre_commit_here {
            let (exit, output) = self.child(&repo, &["pre-commit"], &env, b"")?;
            if let Some(reason) = self.refused(
                &repo,
                &exit,
                &output,
                "commit",
                "pre-commit",
                config.as_ref(),
            ) {
                return Ok(Some(reason));
            }
        }
        if !commit_msg_here || !commit_msg_gates(config.as_ref()) {
            return Ok(None);
        }
        let Some(message) = commit_message(&repo, &cwd, args) else {
            return Ok(Some(
                "backstop: backstop runs this repository's commit-msg gates before the command runs, \
                 and cannot read this commit's message until it runs. Give the message with \
                 `-m MESSAGE` (or `-F FILE` naming a file that already exists), as a command of its own."
                    .to_owned(),
            ));
        };
        let file = scratch.path().join("COMMIT_EDITMSG");
        std::fs::write(&file, message).context("cannot write the commit message")?;
        let file = file.display().to_string();
        let (exit, output) = self.child(&repo, &["commit-msg", &file], &env, b"")?;
        Ok(self.refused(
            &repo,
            &exit,
            &output,
            "commit",
            "commit-msg",
            config.as_ref(),
        ))
    }

    fn merge(&self, at: usize, args: &MergeArgs) -> Result<Option<String>> {
        let repo = match self.place(at, "merge") {
            Place::Skip => return Ok(None),
            Place::Deny(reason) => return Ok(Some(reason)),
            Place::Repo(repo) => repo,
        };
        if self.git_runs(at, &repo, GitHook::PreMergeCommit) {
            return Ok(None);
        }
        if let Some(reason) = self.unjudgeable(at, "merge") {
            return Ok(Some(reason));
        }
        let Some(head) = repo.head() else {
            return Ok(None);
        };
        let merge_ff = repo.config_value("merge.ff");
        if merge_ff.as_deref() == Some("only") {
            return Ok(None);
        }
        let no_ff = args.no_ff || merge_ff.as_deref() == Some("false");
        let revision = match args.revisions.as_slice() {
            [] => "@{upstream}".to_owned(),
            [one] => one.clone(),
            _ => {
                return Ok(Some(
                    "backstop: backstop judges a merge before the command runs, one branch at a \
                     time. Merge each branch with a `git merge` of its own."
                        .to_owned(),
                ));
            }
        };
        if revision.contains(['$', '`']) {
            return Ok(Some(format!(
                "backstop: backstop judges this merge before the command runs, and cannot tell \
                 which commit `{revision}` names until then. Name the branch or commit literally."
            )));
        }
        let Ok(theirs) = repo.commit_id(&revision) else {
            return Ok(None); // git refuses it
        };
        let base = repo.merge_base(head, theirs).ok();
        if base == Some(theirs) || (!no_ff && base == Some(head)) {
            return Ok(None); // already merged, or a fast-forward: no merge commit
        }
        let merged = repo.git_output(&[
            "merge-tree",
            "--write-tree",
            &head.to_string(),
            &theirs.to_string(),
        ])?;
        let tree = String::from_utf8_lossy(&merged.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        match merged.status.code() {
            Some(0) => {}
            // Conflicts: git stops without a commit; the commit that follows is judged.
            Some(1) => return Ok(None),
            _ => {
                return Ok(Some(
                    "backstop: backstop could not work out this merge before it runs (git \
                     merge-tree). Run `git merge --no-commit ...`, then `git commit`, each as a \
                     command of its own: the commit is judged."
                        .to_owned(),
                ));
            }
        }
        let scratch = tempfile::Builder::new()
            .prefix("backstop-merge-")
            .tempdir()
            .context("cannot create a temporary directory")?;
        let index = scratch.path().join("index");
        repo.git_on_index(&index, repo.root(), &["read-tree", &tree], b"")?;
        let config = staged_config(&repo, Some(&index));
        let env = [(OsString::from("GIT_INDEX_FILE"), index.into_os_string())];
        let (exit, output) = self.child(&repo, &["pre-merge-commit"], &env, b"")?;
        Ok(self.refused(
            &repo,
            &exit,
            &output,
            "merge",
            "pre-commit",
            config.as_ref(),
        ))
    }

    fn pull(&self, at: usize, args: &[String]) -> Option<String> {
        let repo = match self.place(at, "pull") {
            Place::Skip => return None,
            Place::Deny(reason) => return Some(reason),
            Place::Repo(repo) => repo,
        };
        if self.git_runs(at, &repo, GitHook::PreMergeCommit) {
            return None;
        }
        let no_merge = args.iter().any(|a| {
            matches!(a.as_str(), "--ff-only" | "-r" | "--squash" | "--no-commit")
                || (a.starts_with("--rebase") && a != "--rebase=false")
        });
        let configured = repo.config_value("pull.ff").as_deref() == Some("only")
            || repo
                .config_value("pull.rebase")
                .is_some_and(|v| v != "false");
        if no_merge || configured {
            return None;
        }
        Some(
            "backstop: `git pull` may make a merge commit, from what it fetches, and backstop judges \
             commits before the command runs. Run `git pull --ff-only` (or `git pull --rebase`), \
             or `git fetch` and then `git merge`, which backstop judges."
                .to_owned(),
        )
    }

    fn push(&self, at: usize, args: &PushArgs, committed: bool) -> Result<Option<String>> {
        let repo = match self.place(at, "push") {
            Place::Skip => return Ok(None),
            Place::Deny(reason) => return Ok(Some(reason)),
            Place::Repo(repo) => repo,
        };
        if self.git_runs(at, &repo, GitHook::PrePush) {
            return Ok(None);
        }
        if committed {
            return Ok(Some(format!(
                "backstop: {}, so backstop judges `git push` before the command runs, and this push \
                 follows a commit on the same command line that does not exist yet. Run `git push` as a \
                 command of its own, after the commit.",
                why_here(self.agent, &repo, GitHook::PrePush)
            )));
        }
        if let Some(reason) = self.unjudgeable(at, "push") {
            return Ok(Some(reason));
        }
        let branch = repo.current_branch();
        let remote = args.remote.clone().unwrap_or_else(|| {
            let configured = |key: String| repo.config_value(&key);
            branch
                .as_ref()
                .and_then(|b| configured(format!("branch.{b}.pushRemote")))
                .or_else(|| repo.config_value("remote.pushDefault"))
                .or_else(|| {
                    branch
                        .as_ref()
                        .and_then(|b| configured(format!("branch.{b}.remote")))
                })
                .unwrap_or_else(|| "origin".to_owned())
        });
        if remote.contains(['$', '`']) {
            return Ok(Some(format!(
                "backstop: backstop judges this push before the command runs, and cannot tell which \
                 remote `{remote}` names until then. Name the remote literally."
            )));
        }
        let url = repo
            .config_value(&format!("remote.{remote}.url"))
            .unwrap_or_else(|| remote.clone());
        let lines = match pushed_refs(&repo, &remote, args, branch.as_deref()) {
            Ok(lines) => lines,
            Err(reason) => return Ok(Some(reason)),
        };
        if lines.is_empty() {
            return Ok(None);
        }
        let config = staged_config(&repo, None);
        let (exit, output) =
            self.child(&repo, &["pre-push", &remote, &url], &[], lines.as_bytes())?;
        Ok(self.refused(&repo, &exit, &output, "push", "pre-push", config.as_ref()))
    }
}
