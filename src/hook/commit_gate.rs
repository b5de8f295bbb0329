//! Commits and pushes an agent runs through its shell, gated before they run when git will not
//! send them through backstop's own hook: Gemini CLI's shell switches git hooks off for every
//! command, and a project may have agent hooks without backstop's git hooks.
//!
//! Once, not twice: for each `git commit` / `git push` of the command line, git runs backstop's
//! hook when the agent's shell leaves git hooks on ([`Agent::shell_runs_git_hooks`]) and the
//! hooks directory git uses holds an executable hook that calls backstop (backstop's shim, or a
//! hook manager's file naming `backstop hook git <hook>`). Then the command is left to git's hook;
//! otherwise the gates run here, and git runs none.
//!
//! What is judged is what the command would commit: a scratch copy of the index with the line's
//! earlier `git add`/`git rm` replayed, then `-a`, `-i PATHS` or `PATHS` applied with git's own
//! pathspec rules, handed to the pre-commit machinery itself (`backstop hook git pre-commit`
//! with `GIT_INDEX_FILE`, as git hands it over for `git commit -a`). A push hands the pre-push
//! hook the ref lines git would send, from the remote-tracking refs (no network from a hook).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::agent::Agent;
use crate::agent::git_command::{CommitArgs, GitAction, GitCall, PushArgs, git_calls};
use crate::config;
use crate::git::Repo;
use crate::process::{self, Exit};
use crate::trigger::GitHook;

/// What an agent reads when a commit is refused, at most (agents cut at 10,000).
const MAX_CHARS: usize = 8_000;

/// The reason to deny `script`, if a commit or push in it fails its gates.
pub fn check(agent: &dyn Agent, script: &str, cwd: &Path) -> Option<String> {
    let calls = git_calls(script, cwd);
    let mut committed = false;
    for (at, call) in calls.iter().enumerate() {
        let verdict = match &call.action {
            GitAction::Commit(args) if !args.dry_run => {
                let verdict = judge_commit(agent, &calls[..at], call, args);
                committed = true;
                verdict
            }
            GitAction::Push(args) if !args.dry_run && !args.delete => {
                judge_push(agent, call, args, committed)
            }
            _ => continue,
        };
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

/// The repository a git call works in, when backstop is configured there (gates.toml in the
/// worktree, the index or `HEAD`: deleting it must not switch the gates off).
fn configured_repo(call: &GitCall) -> Option<Repo> {
    let repo = Repo::discover(&call.cwd).ok()?;
    let name = Path::new(config::FILE_NAME);
    let configured = repo.root().join(name).exists()
        || repo
            .index()
            .ok()
            .and_then(|i| repo.file_in_index(&i, name))
            .is_some()
        || repo.head().and_then(|h| repo.file_at(h, name)).is_some();
    configured.then_some(repo)
}

/// Whether git itself will run backstop for `hook` when the agent runs this command.
pub fn git_runs_backstop(agent: &dyn Agent, repo: &Repo, hook: GitHook) -> bool {
    if !agent.shell_runs_git_hooks() {
        return false;
    }
    let Ok(dir) = repo.hooks_dir() else {
        return false;
    };
    let path = dir.path.join(hook.as_str());
    let executable = std::fs::metadata(&path)
        .is_ok_and(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0);
    let text = std::fs::read(&path).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    executable
        && (text.contains(crate::install::git::MARKER)
            || text.contains(&format!("backstop hook git {}", hook.as_str())))
}

fn judge_commit(
    agent: &dyn Agent,
    earlier: &[GitCall],
    call: &GitCall,
    args: &CommitArgs,
) -> Result<Option<String>> {
    let Some(repo) = configured_repo(call) else {
        return Ok(None);
    };
    if git_runs_backstop(agent, &repo, GitHook::PreCommit) {
        return Ok(None);
    }
    let scratch = tempfile::Builder::new()
        .prefix("backstop-commit-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let Some(index) = commit_index(&repo, earlier, call, args, scratch.path())? else {
        // git will refuse the command itself (a pathspec that matches nothing).
        return Ok(None);
    };
    let env = [(OsString::from("GIT_INDEX_FILE"), index.into_os_string())];
    let (exit, output) = backstop(&repo, &["pre-commit"], &env, b"")?;
    Ok(refusal(&exit, &output, agent, "commit", "pre-commit"))
}

/// Builds the index the commit would have in `scratch`; `None` when git would refuse it.
fn commit_index(
    repo: &Repo,
    earlier: &[GitCall],
    call: &GitCall,
    args: &CommitArgs,
    scratch: &Path,
) -> Result<Option<PathBuf>> {
    let index = scratch.join("index");
    let real = repo.index_path();
    if real.exists() {
        std::fs::copy(&real, &index).context("cannot copy the index")?;
    }
    for before in earlier {
        // Only what runs in this repository; a failing `git add` stops an `&&` chain, and then
        // the commit does not run either, so its failure needs no answer here.
        let same_repo = Repo::discover(&before.cwd).is_ok_and(|r| r.root() == repo.root());
        match &before.action {
            GitAction::Add(words) if same_repo => {
                let mut add = vec!["add"];
                add.extend(words.iter().map(String::as_str));
                repo.git_on_index(&index, &before.cwd, &add, b"")?;
            }
            GitAction::Rm(words) if same_repo => {
                let mut rm = vec!["rm", "--cached", "-q"];
                rm.extend(
                    words
                        .iter()
                        .map(String::as_str)
                        .filter(|w| *w != "--cached"),
                );
                repo.git_on_index(&index, &before.cwd, &rm, b"")?;
            }
            _ => {}
        }
    }
    if args.interactive {
        return Ok(Some(index));
    }
    if args.all {
        repo.git_on_index(&index, repo.root(), &["add", "-u"], b"")?;
        return Ok(Some(index));
    }
    let mut pathspec = args.pathspec.clone();
    if let Some((file, nul)) = &args.pathspec_from_file
        && file != "-"
        && let Ok(bytes) = std::fs::read(call.cwd.join(file))
    {
        let separator = if *nul { '\0' } else { '\n' };
        pathspec.extend(
            String::from_utf8_lossy(&bytes)
                .split(separator)
                .map(|p| p.trim_end_matches('\r'))
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
        );
    }
    if pathspec.is_empty() {
        return Ok(Some(index));
    }
    let nul_list = |paths: &[String]| {
        paths
            .iter()
            .flat_map(|p| p.bytes().chain([0]))
            .collect::<Vec<u8>>()
    };
    if args.include {
        let add = ["add", "-u", "--pathspec-from-file=-", "--pathspec-file-nul"];
        repo.git_on_index(&index, &call.cwd, &add, &nul_list(&pathspec))?;
        return Ok(Some(index));
    }
    // `git commit PATHS` commits HEAD's tree with only those paths taken from the working
    // tree: the paths git lists for the pathspec in the index overlaid with HEAD.
    let head = repo.head();
    // (`ls-files` reads no pathspec file; `--error-unmatch` fails as `git commit` will.)
    let mut list = vec!["ls-files", "-z", "--full-name", "--error-unmatch"];
    let with_tree = head.map(|h| format!("--with-tree={h}"));
    list.extend(with_tree.as_deref());
    list.push("--");
    list.extend(pathspec.iter().map(String::as_str));
    let listed = repo.git_on_index(&index, &call.cwd, &list, b"")?;
    let mut paths: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    paths.sort();
    paths.dedup();
    if !listed.status.success() || paths.is_empty() {
        return Ok(None);
    }
    let only = scratch.join("only-index");
    let base = head.map_or_else(|| "--empty".to_owned(), |h| h.to_string());
    repo.git_on_index(&only, repo.root(), &["read-tree", &base], b"")?;
    let add = [
        "--literal-pathspecs",
        "add",
        "-A",
        "--pathspec-from-file=-",
        "--pathspec-file-nul",
    ];
    repo.git_on_index(&only, repo.root(), &add, &nul_list(&paths))?;
    Ok(Some(only))
}

fn judge_push(
    agent: &dyn Agent,
    call: &GitCall,
    args: &PushArgs,
    committed_on_the_line: bool,
) -> Result<Option<String>> {
    let Some(repo) = configured_repo(call) else {
        return Ok(None);
    };
    if git_runs_backstop(agent, &repo, GitHook::PrePush) {
        return Ok(None);
    }
    if committed_on_the_line {
        return Ok(Some(format!(
            "backstop: {}, so backstop judges `git push` before the command runs, and this push \
             follows a commit on the same command line that does not exist yet. Run `git push` as a \
             command of its own, after the commit.",
            why_here(agent)
        )));
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
    let url = repo
        .config_value(&format!("remote.{remote}.url"))
        .unwrap_or_else(|| remote.clone());
    let lines = pushed_refs(&repo, &remote, args, branch.as_deref());
    if lines.is_empty() {
        return Ok(None);
    }
    let (exit, output) = backstop(&repo, &["pre-push", &remote, &url], &[], lines.as_bytes())?;
    Ok(refusal(&exit, &output, agent, "push", "pre-push"))
}

/// The lines git would write to the pre-push hook: `<local ref> <sha> <remote ref> <sha>`, the
/// remote's side from its remote-tracking ref (zeros for a branch it does not have yet).
fn pushed_refs(repo: &Repo, remote: &str, args: &PushArgs, branch: Option<&str>) -> String {
    const ZERO: &str = "0000000000000000000000000000000000000000";
    let mut pairs: Vec<(String, String)> = Vec::new();
    if args.all_branches {
        let listed = repo
            .git_text(&["for-each-ref", "--format=%(refname)", "refs/heads/"])
            .unwrap_or_default();
        pairs.extend(listed.lines().map(|r| (r.to_owned(), r.to_owned())));
    } else if args.refspecs.is_empty() {
        if let Some(branch) = branch {
            let upstream = repo
                .config_value(&format!("branch.{branch}.merge"))
                .unwrap_or_else(|| format!("refs/heads/{branch}"));
            pairs.push((format!("refs/heads/{branch}"), upstream));
        }
    } else {
        for spec in &args.refspecs {
            let spec = spec.trim_start_matches('+');
            let (source, destination) = spec.split_once(':').unwrap_or((spec, ""));
            if source.is_empty() {
                continue; // `:branch` deletes: nothing to judge
            }
            let local = match (source, branch) {
                ("HEAD" | "@", Some(b)) => format!("refs/heads/{b}"),
                _ => repo
                    .full_ref_name(source)
                    .unwrap_or_else(|| source.to_owned()),
            };
            let remote_ref = match destination {
                "" if local.starts_with("refs/") => local.clone(),
                "" => branch.map_or_else(|| "HEAD".to_owned(), |b| format!("refs/heads/{b}")),
                d if d.starts_with("refs/") => d.to_owned(),
                d => format!("refs/heads/{d}"),
            };
            pairs.push((local, remote_ref));
        }
    }
    let mut lines = String::new();
    for (local, remote_ref) in pairs {
        let Ok(local_id) = repo.commit_id(&local) else {
            continue;
        };
        let tracking = remote_ref
            .strip_prefix("refs/heads/")
            .map(|name| format!("refs/remotes/{remote}/{name}"));
        let remote_id = tracking
            .and_then(|t| repo.commit_id(&t).ok())
            .map_or_else(|| ZERO.to_owned(), |id| id.to_string());
        lines.push_str(&format!("{local} {local_id} {remote_ref} {remote_id}\n"));
    }
    lines
}

/// Runs this backstop's git hook entry, as git would, in the worktree root.
fn backstop(
    repo: &Repo,
    hook_args: &[&str],
    env: &[(OsString, OsString)],
    stdin: &[u8],
) -> Result<(Exit, Vec<u8>)> {
    let program = std::env::current_exe().context("cannot find the backstop binary")?;
    let mut args: Vec<OsString> = vec!["hook".into(), "git".into()];
    args.extend(hook_args.iter().map(OsString::from));
    let mut env = env.to_vec();
    env.push(("NO_COLOR".into(), "1".into()));
    Ok(process::run_captured(
        &program,
        &args,
        repo.root(),
        &env,
        stdin,
    ))
}

/// Why backstop, not git's hook, judges the command.
fn why_here(agent: &dyn Agent) -> &'static str {
    if agent.shell_runs_git_hooks() {
        "git will not run backstop's hooks here (`backstop install --git` adds them)"
    } else {
        "git runs no hooks in this agent's shell"
    }
}

/// The agent's reason when the child hook refused, or `None` when it let the command through.
fn refusal(
    exit: &Exit,
    output: &[u8],
    agent: &dyn Agent,
    what: &str,
    hook: &str,
) -> Option<String> {
    if *exit == Exit::Code(0) {
        return None;
    }
    let text = String::from_utf8_lossy(output);
    let text = text.trim();
    let chars: Vec<char> = text.chars().collect();
    let shown: String = if chars.len() > MAX_CHARS {
        let head: String = chars[..MAX_CHARS / 4].iter().collect();
        let tail: String = chars[chars.len() - MAX_CHARS * 3 / 4..].iter().collect();
        format!("{head}\n[… cut …]\n{tail}")
    } else {
        text.to_owned()
    };
    let how = match exit {
        Exit::SpawnFailed(why) => format!("\n{why}"),
        _ => String::new(),
    };
    Some(format!(
        "backstop: this {what} was not made: its {hook} gates fail. {}, so backstop judged the \
         {what} before the command ran.\n{shown}{how}\n\
         Fix the code, not the tests, then run the same command again.",
        why_here(agent)
    ))
}
