//! The git commands of an agent's command line that decide what a commit or a push contains:
//! `git add`/`stage`/`rm` before a commit, the commit's own options (`-a`, `-i`, `-o`, paths,
//! `--amend`, `--dry-run`), and the push's remote and refspecs, each with the directory it runs in
//! (`cd`, `git -C`). Parsing only: `hook/commit_gate.rs` acts on it.

use std::path::{Component, Path, PathBuf};

use super::shell::commands;

/// One git command of the line, in the order the line runs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitCall {
    /// Where it runs (after `cd` and `git -C`).
    pub cwd: PathBuf,
    /// What it does.
    pub action: GitAction,
}

/// The git commands that matter to a commit or a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitAction {
    /// `git add ARGS` / `git stage ARGS`: staged before the commit runs.
    Add(Vec<String>),
    /// `git rm ARGS`: removed from the index before the commit runs.
    Rm(Vec<String>),
    /// `git commit ...`.
    Commit(CommitArgs),
    /// `git push ...`.
    Push(PushArgs),
}

/// What `git commit`'s options say about the commit's content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitArgs {
    /// `-a`: every tracked file's working-tree version.
    pub all: bool,
    /// `-i`: the index plus the named paths.
    pub include: bool,
    /// `--amend`: replaces `HEAD` (same content rules).
    pub amend: bool,
    /// `--dry-run`: git commits nothing and runs no hook.
    pub dry_run: bool,
    /// `-p` / `--interactive`: the person picks hunks (the index is the best guess).
    pub interactive: bool,
    /// The pathspec (without `-i`: `--only` these paths).
    pub pathspec: Vec<String>,
    /// `--pathspec-from-file=FILE` (`-` is standard input), and whether it is NUL-separated.
    pub pathspec_from_file: Option<(String, bool)>,
}

/// What `git push`'s options say about what is pushed where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushArgs {
    /// The remote (name or URL), when given.
    pub remote: Option<String>,
    /// The refspecs given.
    pub refspecs: Vec<String>,
    /// `--all` / `--branches` / `--mirror`: every local branch.
    pub all_branches: bool,
    /// `--delete`: only deletions (nothing to judge).
    pub delete: bool,
    /// `--dry-run`: nothing is pushed.
    pub dry_run: bool,
}

/// The git calls of `script`, started in `cwd`.
pub fn git_calls(script: &str, cwd: &Path) -> Vec<GitCall> {
    let mut cwd = cwd.to_path_buf();
    let mut calls = Vec::new();
    for command in commands(script) {
        let words = super::guard::unwrap_wrappers(&command.words);
        let Some(program) = words.first().map(|w| w.rsplit('/').next().unwrap_or(w)) else {
            continue;
        };
        if program == "cd" {
            if let Some(dir) = words.get(1) {
                cwd = normalise(&cwd.join(dir));
            }
            continue;
        }
        if program != "git" {
            continue;
        }
        let mut here = cwd.clone();
        let mut i = 1;
        // Global options before the subcommand.
        while let Some(arg) = words.get(i) {
            match arg.as_str() {
                "-C" => {
                    if let Some(dir) = words.get(i + 1) {
                        here = normalise(&here.join(dir));
                    }
                    i += 2;
                }
                "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path"
                | "--config-env" => i += 2,
                a if a.starts_with('-') => i += 1,
                _ => break,
            }
        }
        let Some(sub) = words.get(i) else { continue };
        let rest = words[i + 1..].to_vec();
        let action = match sub.as_str() {
            "add" | "stage" => GitAction::Add(rest),
            "rm" => GitAction::Rm(rest),
            "commit" => GitAction::Commit(CommitArgs::parse(&rest)),
            "push" => GitAction::Push(PushArgs::parse(&rest)),
            _ => continue,
        };
        calls.push(GitCall { cwd: here, action });
    }
    calls
}

/// Long options of `git commit` that take a value (`--opt VALUE` or `--opt=VALUE`).
const COMMIT_VALUE_LONG: [&str; 12] = [
    "--message",
    "--file",
    "--reuse-message",
    "--reedit-message",
    "--fixup",
    "--squash",
    "--template",
    "--author",
    "--date",
    "--cleanup",
    "--trailer",
    "--pathspec-from-file",
];

/// Long options of `git commit` without a value that this module reads or must not mistake.
const COMMIT_FLAG_LONG: [&str; 30] = [
    "--all",
    "--include",
    "--only",
    "--amend",
    "--dry-run",
    "--patch",
    "--interactive",
    "--pathspec-file-nul",
    "--signoff",
    "--no-signoff",
    "--no-verify",
    "--verify",
    "--allow-empty",
    "--allow-empty-message",
    "--no-edit",
    "--edit",
    "--no-post-rewrite",
    "--null",
    "--quiet",
    "--verbose",
    "--short",
    "--branch",
    "--porcelain",
    "--long",
    "--status",
    "--no-status",
    "--reset-author",
    "--no-gpg-sign",
    "--untracked-files",
    "--gpg-sign",
];

/// The long option `arg` names, as git resolves an unambiguous prefix (`--am` is `--amend`).
fn long_option<'a>(arg: &str, known: &[&'a str]) -> Option<&'a str> {
    if let Some(exact) = known.iter().find(|k| **k == arg) {
        return Some(exact);
    }
    let mut matches = known.iter().filter(|k| k.starts_with(arg));
    match (matches.next(), matches.next()) {
        (Some(only), None) if arg.len() > 2 => Some(only),
        _ => None,
    }
}

impl CommitArgs {
    /// Reads `git commit`'s arguments (everything after `commit`).
    pub fn parse(args: &[String]) -> CommitArgs {
        let mut parsed = CommitArgs::default();
        let mut nul = false;
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            i += 1;
            if arg == "--" {
                parsed.pathspec.extend(args[i..].iter().cloned());
                break;
            }
            if arg.starts_with("--") {
                let (name, value) = match arg.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (arg.as_str(), None),
                };
                let all: Vec<&str> = COMMIT_VALUE_LONG
                    .iter()
                    .chain(&COMMIT_FLAG_LONG)
                    .copied()
                    .collect();
                let Some(option) = long_option(name, &all) else {
                    continue;
                };
                let value = if COMMIT_VALUE_LONG.contains(&option) && value.is_none() {
                    i += 1;
                    args.get(i - 1).cloned()
                } else {
                    value
                };
                match option {
                    "--all" => parsed.all = true,
                    "--include" => parsed.include = true,
                    "--only" => parsed.include = false,
                    "--amend" => parsed.amend = true,
                    "--dry-run" => parsed.dry_run = true,
                    "--patch" | "--interactive" => parsed.interactive = true,
                    "--pathspec-file-nul" => nul = true,
                    "--pathspec-from-file" => {
                        parsed.pathspec_from_file = value.map(|v| (v, false));
                    }
                    _ => {}
                }
                continue;
            }
            let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) else {
                parsed.pathspec.push(arg.clone());
                continue;
            };
            for (at, flag) in cluster.char_indices() {
                match flag {
                    'a' => parsed.all = true,
                    'i' => parsed.include = true,
                    'o' => parsed.include = false,
                    'p' => parsed.interactive = true,
                    // The rest of the cluster, or the next word, is this option's value.
                    'm' | 'F' | 'C' | 'c' | 't' => {
                        if at + 1 == cluster.len() {
                            i += 1;
                        }
                        break;
                    }
                    // Optional values, only attached: `-uno`, `-Skey`.
                    'u' | 'S' => break,
                    _ => {}
                }
            }
        }
        if let Some((_, file_nul)) = &mut parsed.pathspec_from_file {
            *file_nul = nul;
        }
        parsed
    }
}

const PUSH_VALUE_LONG: [&str; 5] = [
    "--push-option",
    "--receive-pack",
    "--exec",
    "--repo",
    "--recurse-submodules",
];

const PUSH_FLAG_LONG: [&str; 22] = [
    "--all",
    "--branches",
    "--mirror",
    "--tags",
    "--follow-tags",
    "--dry-run",
    "--porcelain",
    "--force",
    "--delete",
    "--prune",
    "--quiet",
    "--verbose",
    "--set-upstream",
    "--force-with-lease",
    "--force-if-includes",
    "--no-verify",
    "--verify",
    "--signed",
    "--atomic",
    "--thin",
    "--no-thin",
    "--progress",
];

impl PushArgs {
    /// Reads `git push`'s arguments (everything after `push`).
    pub fn parse(args: &[String]) -> PushArgs {
        let mut parsed = PushArgs::default();
        let mut operands = Vec::new();
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            i += 1;
            if arg == "--" {
                operands.extend(args[i..].iter().cloned());
                break;
            }
            if arg.starts_with("--") {
                let (name, value) = match arg.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (arg.as_str(), None),
                };
                let all: Vec<&str> = PUSH_VALUE_LONG
                    .iter()
                    .chain(&PUSH_FLAG_LONG)
                    .copied()
                    .collect();
                let Some(option) = long_option(name, &all) else {
                    continue;
                };
                // `--recurse-submodules` and the lease options only take an attached value.
                let value = if PUSH_VALUE_LONG.contains(&option)
                    && option != "--recurse-submodules"
                    && value.is_none()
                {
                    i += 1;
                    args.get(i - 1).cloned()
                } else {
                    value
                };
                match option {
                    "--all" | "--branches" | "--mirror" => parsed.all_branches = true,
                    "--delete" => parsed.delete = true,
                    "--dry-run" => parsed.dry_run = true,
                    "--repo" => parsed.remote = value,
                    _ => {}
                }
                continue;
            }
            let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) else {
                operands.push(arg.clone());
                continue;
            };
            for (at, flag) in cluster.char_indices() {
                match flag {
                    'n' => parsed.dry_run = true,
                    'd' => parsed.delete = true,
                    'o' => {
                        if at + 1 == cluster.len() {
                            i += 1;
                        }
                        break;
                    }
                    _ => {}
                }
            }
        }
        let mut operands = operands.into_iter();
        if let Some(remote) = operands.next() {
            parsed.remote = Some(remote);
        }
        parsed.refspecs = operands.collect();
        parsed
    }
}

fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn commit_options_that_change_the_content() {
        let parsed = CommitArgs::parse(&words("-am wip"));
        assert!(parsed.all && parsed.pathspec.is_empty());
        let parsed = CommitArgs::parse(&words("-m x src/a.rs -- -weird"));
        assert_eq!(parsed.pathspec, vec!["src/a.rs", "-weird"]);
        assert!(!parsed.include);
        let parsed = CommitArgs::parse(&words("-i -m x a b"));
        assert!(parsed.include);
        assert_eq!(parsed.pathspec, vec!["a", "b"]);
        let parsed = CommitArgs::parse(&words("--am --no-edit"));
        assert!(parsed.amend);
        let parsed = CommitArgs::parse(&words("--dry-run -a"));
        assert!(parsed.dry_run && parsed.all);
        let parsed = CommitArgs::parse(&words("-F msg.txt --author=x -C HEAD -uno -Skey"));
        assert_eq!(parsed, CommitArgs::default(), "values are not paths");
        let parsed = CommitArgs::parse(&words("--pathspec-from-file list --pathspec-file-nul"));
        assert_eq!(parsed.pathspec_from_file, Some(("list".to_owned(), true)));
        let parsed = CommitArgs::parse(&words("--message x --file=y -p"));
        assert!(parsed.interactive && parsed.pathspec.is_empty());
    }

    #[test]
    fn push_remote_refspecs_and_modes() {
        let parsed = PushArgs::parse(&words("-u origin HEAD:main"));
        assert_eq!(parsed.remote.as_deref(), Some("origin"));
        assert_eq!(parsed.refspecs, vec!["HEAD:main"]);
        assert!(PushArgs::parse(&words("--dry-run")).dry_run);
        assert!(PushArgs::parse(&words("-n origin")).dry_run);
        assert!(PushArgs::parse(&words("origin --delete topic")).delete);
        assert!(PushArgs::parse(&words("--all origin")).all_branches);
        let parsed = PushArgs::parse(&words("-o ci.skip --push-option x origin main"));
        assert_eq!(parsed.remote.as_deref(), Some("origin"));
        assert_eq!(parsed.refspecs, vec!["main"]);
    }

    #[test]
    fn calls_in_order_with_their_directories() {
        let calls = git_calls(
            "cd sub && git add -A && git -C .. commit -qm 'a; b' && git push",
            Path::new("/repo"),
        );
        assert_eq!(
            calls,
            vec![
                GitCall {
                    cwd: PathBuf::from("/repo/sub"),
                    action: GitAction::Add(vec!["-A".to_owned()])
                },
                GitCall {
                    cwd: PathBuf::from("/repo"),
                    action: GitAction::Commit(CommitArgs::default())
                },
                GitCall {
                    cwd: PathBuf::from("/repo/sub"),
                    action: GitAction::Push(PushArgs::default())
                },
            ]
        );
        assert!(git_calls("git status && echo git commit", Path::new("/r")).is_empty());
        assert_eq!(
            git_calls("sudo git commit -a -m x", Path::new("/r"))[0].action,
            GitAction::Commit(CommitArgs {
                all: true,
                ..CommitArgs::default()
            })
        );
    }
}
