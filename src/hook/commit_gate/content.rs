//! What a commit is judged on: the repository (configured for backstop), the scratch index the
//! commit would have, its gates.toml and message, and the child `backstop hook git ...` run.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use super::resolve::Resolved;
use crate::agent::git_command::{CommitArgs, GitAction};
use crate::config::{self, GatesConfig};
use crate::git::Repo;
use crate::process::{self, Exit};
use crate::trigger::Trigger;

/// The repository a directory is in, when backstop is configured there (gates.toml in the
/// worktree, the index or `HEAD`: deleting it must not switch the gates off).
pub fn configured_repo(dir: &Path) -> Option<Repo> {
    let repo = Repo::discover(dir).ok()?;
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

/// The gates.toml a commit is judged by: the one in `index` (the scratch index, else the
/// repository's), else the worktree's; `None` when it cannot be read.
pub fn staged_config(repo: &Repo, index: Option<&Path>) -> Option<GatesConfig> {
    let name = Path::new(config::FILE_NAME);
    let staged = match index {
        Some(index) => repo.file_in_index_file(index, name),
        None => repo.index().ok().and_then(|i| repo.file_in_index(&i, name)),
    };
    let bytes = staged.or_else(|| std::fs::read(repo.root().join(name)).ok())?;
    let text = String::from_utf8(bytes).ok()?;
    config::parse_in(&text, name, Some(repo.root())).ok()
}

/// Whether commit-msg gates exist (or the config cannot be read, so they may).
pub fn commit_msg_gates(config: Option<&GatesConfig>) -> bool {
    config.is_none_or(|c| {
        c.gates
            .values()
            .any(|g| g.triggers().contains(&Trigger::CommitMsg))
    })
}

/// The message the commit would have, when it can be known before the command runs.
pub fn commit_message(repo: &Repo, cwd: &Path, args: &CommitArgs) -> Option<String> {
    if args.built_message {
        return None;
    }
    let unknown = |text: &str| text.contains(['$', '`']);
    if !args.messages.is_empty() {
        if args.messages.iter().any(|m| unknown(m)) {
            return None;
        }
        return Some(args.messages.join("\n\n") + "\n");
    }
    if let Some(file) = &args.message_file {
        if file == "-" || unknown(file) {
            return None;
        }
        return std::fs::read_to_string(cwd.join(file)).ok();
    }
    let reused = args
        .reuse
        .clone()
        .or_else(|| args.amend.then(|| "HEAD".to_owned()))?;
    if unknown(&reused) {
        return None;
    }
    repo.git_text(&["log", "-1", "--format=%B", &reused]).ok()
}

/// Builds the index the commit would have in `scratch`; `None` when git would refuse it.
pub fn commit_index(
    repo: &Repo,
    earlier: &[Resolved<'_>],
    cwd: &Path,
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
        let Ok(dir) = &before.step.cwd else { continue };
        let same_repo = Repo::discover(dir).is_ok_and(|r| r.root() == repo.root());
        match &before.action {
            Some(GitAction::Add(words)) if same_repo => {
                let mut add = vec!["add"];
                add.extend(words.iter().map(String::as_str));
                repo.git_on_index(&index, dir, &add, b"")?;
            }
            Some(GitAction::Rm(words)) if same_repo => {
                let mut rm = vec!["rm", "--cached", "-q"];
                rm.extend(
                    words
                        .iter()
                        .map(String::as_str)
                        .filter(|w| *w != "--cached"),
                );
                repo.git_on_index(&index, dir, &rm, b"")?;
            }
            _ => {}
        }
    }
    if args.all {
        repo.git_on_index(&index, repo.root(), &["add", "-u"], b"")?;
        return Ok(Some(index));
    }
    let mut pathspec = args.pathspec.clone();
    if let Some((file, nul)) = &args.pathspec_from_file {
        let bytes = std::fs::read(cwd.join(file)).context("cannot read the pathspec file")?;
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
        repo.git_on_index(&index, cwd, &add, &nul_list(&pathspec))?;
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
    let listed = repo.git_on_index(&index, cwd, &list, b"")?;
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

/// Runs this backstop's git hook entry, as git would, in the worktree root; killed at
/// `deadline` (the agent's own limit on the pre-tool hook, when it is short), as
/// [`Exit::TimedOut`].
pub fn backstop(
    repo: &Repo,
    hook_args: &[&str],
    env: &[(OsString, OsString)],
    stdin: &[u8],
    deadline: Option<Instant>,
) -> Result<(Exit, Vec<u8>)> {
    let program = std::env::current_exe().context("cannot find the backstop binary")?;
    let mut args: Vec<OsString> = vec!["hook".into(), "git".into()];
    args.extend(hook_args.iter().map(OsString::from));
    let mut env = env.to_vec();
    env.push(("NO_COLOR".into(), "1".into()));
    // Checks only: a fixer never writes the person's files from a pre-tool hook.
    env.push(("BACKSTOP_NO_FIX".into(), "1".into()));
    let Some(deadline) = deadline else {
        return Ok(process::run_captured(
            &program,
            &args,
            repo.root(),
            &env,
            stdin,
        ));
    };
    let timeout = deadline.saturating_duration_since(Instant::now());
    if timeout.is_zero() {
        return Ok((Exit::TimedOut, Vec::new()));
    }
    // A shell in a process group of its own, so that the timeout ends every gate it started.
    let input = tempfile::NamedTempFile::new().context("cannot create a temporary file")?;
    std::fs::write(input.path(), stdin).context("cannot write the hook's input")?;
    env.push(("BACKSTOP_HOOK_INPUT".into(), input.path().into()));
    let mut words = vec![program.into_os_string()];
    words.extend(args);
    let mut capture = crate::capture::Capture::default();
    let exit = process::run_shell(
        &process::ShellCommand {
            script: "p=$1; shift; exec \"$p\" \"$@\" < \"$BACKSTOP_HOOK_INPUT\"",
            args: &words,
            cwd: repo.root(),
            env: &env,
            timeout,
        },
        &mut capture,
    );
    Ok((exit, capture.text().into_bytes()))
}
