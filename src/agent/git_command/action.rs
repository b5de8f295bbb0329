//! What a git command does to a commit or a push ([`GitAction`]), from its subcommand and
//! arguments: `git commit`'s content and message options, `git merge`'s commit, `git push`'s
//! remote, refspecs and modes.

/// What a git command does to a commit or a push, once its alias is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitAction {
    /// `git add ARGS` / `git stage ARGS`: staged before the commit runs.
    Add(Vec<String>),
    /// `git rm ARGS`: removed from the index before the commit runs.
    Rm(Vec<String>),
    /// `git commit ...`.
    Commit(CommitArgs),
    /// `git merge ...`: a merge commit, unless it fast-forwards or stops.
    Merge(MergeArgs),
    /// `git pull ...`: a fetch, then a merge or a rebase.
    Pull(Vec<String>),
    /// `git push ...`.
    Push(PushArgs),
    /// Reads only (`status`, `diff`, `log`...).
    Reads,
    /// Anything else git does (it may change files, the index or refs).
    Writes,
    /// Not a git command: an alias, or an external `git-<name>`.
    Unknown(String),
}

/// What `git commit`'s options say about the commit's content and message.
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
    /// `-p` / `--interactive`: the person picks hunks (unknown before it runs).
    pub interactive: bool,
    /// The pathspec (without `-i`: `--only` these paths).
    pub pathspec: Vec<String>,
    /// `--pathspec-from-file=FILE` (`-` is standard input), and whether it is NUL-separated.
    pub pathspec_from_file: Option<(String, bool)>,
    /// `-m` / `--message` values, in order.
    pub messages: Vec<String>,
    /// `-F` / `--file`: the message file (`-` is standard input).
    pub message_file: Option<String>,
    /// `-C` / `-c` / `--reuse-message` / `--reedit-message`: the commit whose message is taken.
    pub reuse: Option<String>,
    /// `--fixup` / `--squash` / `--template`, or an editor: a message built when it runs.
    pub built_message: bool,
}

/// What `git merge`'s options say about the commit it makes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeArgs {
    /// The commits merged.
    pub revisions: Vec<String>,
    /// `--no-ff`: a merge commit even where it could fast-forward.
    pub no_ff: bool,
    /// `--ff-only`, `--squash`, `--no-commit`, `--abort`, `--continue`, `--quit`: no merge
    /// commit made from unjudged content (a squash or a stop leaves the commit to `git commit`).
    pub no_commit: bool,
}

/// What `git push`'s options say about what is pushed where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushArgs {
    /// The remote (name or URL), when given.
    pub remote: Option<String>,
    /// The refspecs given.
    pub refspecs: Vec<String>,
    /// `--all` / `--branches`: every local branch.
    pub all_branches: bool,
    /// `--mirror`: every ref.
    pub mirror: bool,
    /// `--tags`: every tag too.
    pub tags: bool,
    /// `--follow-tags`: annotated tags of the pushed commits too.
    pub follow_tags: bool,
    /// `--delete`: only deletions (nothing to judge).
    pub delete: bool,
    /// `--dry-run`: nothing is pushed.
    pub dry_run: bool,
}

/// git's own commands that read only (with these arguments).
fn reads_only(sub: &str, args: &[String]) -> bool {
    let writes_output = args.iter().any(|a| a.starts_with("--output"));
    match sub {
        "status" | "rev-parse" | "ls-files" | "ls-tree" | "describe" | "shortlog" | "blame"
        | "grep" | "cat-file" | "show-ref" | "rev-list" | "merge-base" | "name-rev" | "version"
        | "help" | "var" | "check-ignore" | "check-attr" => true,
        "diff" | "log" | "show" => !writes_output,
        "config" => args.iter().any(|a| {
            matches!(
                a.as_str(),
                "--get" | "--get-all" | "--get-regexp" | "-l" | "--list" | "get" | "list"
            )
        }),
        "branch" => args.iter().all(|a| {
            matches!(
                a.as_str(),
                "--show-current" | "-a" | "--all" | "-r" | "--remotes" | "-v" | "-vv" | "--list"
            )
        }),
        "remote" => args.is_empty() || args.iter().all(|a| a == "-v" || a == "--verbose"),
        "stash" => matches!(args.first().map(String::as_str), Some("list" | "show")),
        _ => false,
    }
}

/// git's commands that change files, the index or refs (built in: an alias of that name is
/// never used).
const BUILTIN_WRITES: [&str; 46] = [
    "am",
    "apply",
    "archive",
    "bisect",
    "branch",
    "checkout",
    "cherry-pick",
    "clean",
    "clone",
    "config",
    "fetch",
    "filter-branch",
    "format-patch",
    "gc",
    "init",
    "maintenance",
    "mv",
    "notes",
    "prune",
    "read-tree",
    "rebase",
    "reflog",
    "remote",
    "repack",
    "replace",
    "reset",
    "restore",
    "revert",
    "sparse-checkout",
    "stash",
    "submodule",
    "switch",
    "symbolic-ref",
    "tag",
    "update-index",
    "update-ref",
    "worktree",
    "write-tree",
    "commit-tree",
    "hash-object",
    "mktree",
    "merge-file",
    "merge-tree",
    "checkout-index",
    "send-email",
    "request-pull",
];

impl GitAction {
    /// What `git SUB ARGS` does, for a subcommand git knows.
    pub fn of(sub: &str, args: &[String]) -> GitAction {
        match sub {
            "add" | "stage" => GitAction::Add(args.to_vec()),
            "rm" => GitAction::Rm(args.to_vec()),
            "commit" => GitAction::Commit(CommitArgs::parse(args)),
            "merge" => GitAction::Merge(MergeArgs::parse(args)),
            "pull" => GitAction::Pull(args.to_vec()),
            "push" => GitAction::Push(PushArgs::parse(args)),
            "" => GitAction::Reads,
            _ if reads_only(sub, args) => GitAction::Reads,
            _ if BUILTIN_WRITES.contains(&sub) => GitAction::Writes,
            _ => GitAction::Unknown(sub.to_owned()),
        }
    }
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
        let mut edit = false;
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
                    "--message" => parsed.messages.extend(value),
                    "--file" => parsed.message_file = value,
                    "--reuse-message" | "--reedit-message" => parsed.reuse = value,
                    "--fixup" | "--squash" | "--template" => parsed.built_message = true,
                    "--edit" => edit = true,
                    "--no-edit" => edit = false,
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
                    'e' => edit = true,
                    // The rest of the cluster, or the next word, is this option's value.
                    'm' | 'F' | 'C' | 'c' | 't' => {
                        let value = if at + 1 == cluster.len() {
                            i += 1;
                            args.get(i - 1).cloned().unwrap_or_default()
                        } else {
                            cluster[at + 1..].to_owned()
                        };
                        match flag {
                            'm' => parsed.messages.push(value),
                            'F' => parsed.message_file = Some(value),
                            'C' | 'c' => parsed.reuse = Some(value),
                            _ => parsed.built_message = true,
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
        // `-e` opens an editor on the message: what it holds is known only then.
        parsed.built_message |= edit;
        parsed
    }
}

impl MergeArgs {
    /// Reads `git merge`'s arguments.
    pub fn parse(args: &[String]) -> MergeArgs {
        let mut parsed = MergeArgs::default();
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            i += 1;
            match arg.as_str() {
                "--no-ff" => parsed.no_ff = true,
                "--ff" => parsed.no_ff = false,
                "--ff-only" | "--squash" | "--no-commit" | "--abort" | "--continue" | "--quit" => {
                    parsed.no_commit = true;
                }
                "--commit" => parsed.no_commit = false,
                // Options with a value in the next word.
                "-m" | "-F" | "-s" | "-X" | "--strategy" | "--strategy-option" | "--file"
                | "--into-name" | "--cleanup" => i += 1,
                "--" => parsed.revisions.extend(args[i..].iter().cloned()),
                a if a.starts_with('-') => {
                    // `-mMSG`, `-sours`: attached values; other clusters are flags.
                }
                a => parsed.revisions.push(a.to_owned()),
            }
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
                    "--all" | "--branches" => parsed.all_branches = true,
                    "--mirror" => parsed.mirror = true,
                    "--tags" => parsed.tags = true,
                    "--follow-tags" => parsed.follow_tags = true,
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
        assert_eq!(parsed.messages, ["wip"]);
        let parsed = CommitArgs::parse(&words("-m x src/a.rs -- -weird"));
        assert_eq!(parsed.pathspec, vec!["src/a.rs", "-weird"]);
        assert!(!parsed.include);
        let parsed = CommitArgs::parse(&words("-i -m x a b"));
        assert!(parsed.include);
        assert_eq!(parsed.pathspec, vec!["a", "b"]);
        let parsed = CommitArgs::parse(&words("--am --no-edit"));
        assert!(parsed.amend && !parsed.built_message);
        let parsed = CommitArgs::parse(&words("--dry-run -a"));
        assert!(parsed.dry_run && parsed.all);
        let parsed = CommitArgs::parse(&words("-F msg.txt --author=x -C HEAD -uno -Skey"));
        assert!(
            parsed.pathspec.is_empty() && !parsed.all,
            "values are not paths"
        );
        assert_eq!(parsed.message_file.as_deref(), Some("msg.txt"));
        assert_eq!(parsed.reuse.as_deref(), Some("HEAD"));
        let parsed = CommitArgs::parse(&words("--pathspec-from-file list --pathspec-file-nul"));
        assert_eq!(parsed.pathspec_from_file, Some(("list".to_owned(), true)));
        let parsed = CommitArgs::parse(&words("--message x --file=y -p"));
        assert!(parsed.interactive && parsed.pathspec.is_empty());
        assert!(CommitArgs::parse(&words("-e -m x")).built_message);
        assert!(CommitArgs::parse(&words("--fixup HEAD")).built_message);
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
        assert!(PushArgs::parse(&words("--tags")).tags);
        assert!(PushArgs::parse(&words("--follow-tags origin")).follow_tags);
        let parsed = PushArgs::parse(&words("-o ci.skip --push-option x origin main"));
        assert_eq!(parsed.remote.as_deref(), Some("origin"));
        assert_eq!(parsed.refspecs, vec!["main"]);
    }

    #[test]
    fn merges_that_make_a_commit() {
        let parsed = MergeArgs::parse(&words("--no-ff -m 'x' topic"));
        assert!(parsed.no_ff && !parsed.no_commit);
        assert_eq!(parsed.revisions, ["topic"]);
        assert!(MergeArgs::parse(&words("--squash topic")).no_commit);
        assert!(MergeArgs::parse(&words("--abort")).no_commit);
    }
}
