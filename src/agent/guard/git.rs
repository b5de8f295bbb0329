//! git commands the guard reads: those that skip the hooks (`--no-verify`, `-n`), change which
//! hooks or config git uses (`core.hooksPath`, includes, aliases), run other commands (aliases,
//! `rebase --exec`, `submodule foreach`, `bisect run`, config values that are commands), move
//! the refs a base is taken from (remote-tracking refs, main/master, remotes, replacements,
//! names that shadow them), and write files (`rm`, `mv`, `checkout`, `restore`, `apply`).

use super::places::Target;
use super::{Checker, HOOKS_PATH, NO_VERIFY, REFS, unknown};
use crate::agent::shell::{self, Command, SPLIT, Stdin, UNKNOWN};

/// Subcommands that run hooks guarding a change (and take `--no-verify`).
const HOOKED: [&str; 8] = [
    "commit",
    "push",
    "merge",
    "pull",
    "cherry-pick",
    "revert",
    "rebase",
    "am",
];

/// Options of `git commit` whose value is the next word (so `-m -n` is a message, not -n).
const COMMIT_VALUE_OPTIONS: [&str; 16] = [
    "-m",
    "--message",
    "-F",
    "--file",
    "-C",
    "--reuse-message",
    "-c",
    "--reedit-message",
    "-t",
    "--template",
    "--author",
    "--date",
    "--fixup",
    "--squash",
    "--cleanup",
    "--trailer",
];

/// Options of the other hooked subcommands whose value is the next word.
const VALUE_OPTIONS: [&str; 22] = [
    "-o",
    "--push-option",
    "--repo",
    "--receive-pack",
    "--upload-pack",
    "--exec",
    "-x",
    "-m",
    "--message",
    "-F",
    "--file",
    "-s",
    "--strategy",
    "-X",
    "--strategy-option",
    "--onto",
    "-C",
    "-p",
    "--directory",
    "--exclude",
    "--include",
    "--patch-format",
];

const HIDES: &str = "backstop: that hides files from git (and so from the gates): an excludes \
     file hides new files, a sparse checkout removes files from the disk. Work with the files as \
     they are; ask the person if the checkout should change.";

const STORES_OTHER: &str = "backstop: that changes how git turns files on disk into what it \
     stores (a filter driver, an attributes file outside the repository), so the gates would judge \
     other bytes than git commits. Leave git's configuration as it is; ask the person if it \
     should change.";

const GIT_DIR: &str = "backstop: `--git-dir` makes git use another repository's configuration \
     and hooks for this command (as GIT_DIR does). Run git in this repository without it.";

const UNKNOWN_ARGUMENT: &str = "backstop: this git command gets an argument whose value is only \
     known when it runs, in a place where an option such as --no-verify could be. Write the value \
     out (the branch name, the file), so the command can be checked.";

/// Whether any reading of `words` runs a git command that runs hooks.
pub(super) fn runs_hooks(words: &[String]) -> bool {
    shell::views(words).iter().any(|view| {
        view.first()
            .is_some_and(|p| shell::program_name(p) == "git")
            && subcommand(&view[1..]).is_some_and(|at| {
                let sub = &view[1 + at];
                HOOKED.contains(&sub.as_str()) || unknown(sub)
            })
    })
}

/// Where git's subcommand is, after the global options.
fn subcommand(args: &[String]) -> Option<usize> {
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "-c" | "-C" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path"
            | "--config-env" | "--super-prefix" | "--list-cmds" => i += 2,
            a if a.starts_with('-') => i += 1,
            _ => return Some(i),
        }
    }
    None
}

/// Why `git ARGS` is denied, if it is.
pub(super) fn check(
    checker: &mut Checker<'_>,
    args: &[String],
    stdin: &Stdin,
    depth: usize,
) -> Option<String> {
    let mut cwd = checker.cwd.clone();
    let mut other_git_dir = false;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "-c" => {
                if let Some(pair) = args.get(i + 1) {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, "true"));
                    if let Some(reason) = config(checker, key, value, depth) {
                        return Some(reason);
                    }
                }
                i += 2;
            }
            "-C" => {
                if let Some(dir) = args.get(i + 1) {
                    cwd = match checker.places.target(cwd.as_deref(), dir) {
                        Target::Known(path) => Some(path),
                        _ => None,
                    };
                }
                i += 2;
            }
            "--config-env" => {
                if args.get(i + 1).is_some_and(|kv| config_env_skips(kv)) {
                    return Some(HOOKS_PATH.to_owned());
                }
                i += 2;
            }
            a if a.starts_with("--config-env=") => {
                if config_env_skips(&a["--config-env=".len()..]) {
                    return Some(HOOKS_PATH.to_owned());
                }
                i += 1;
            }
            "--git-dir" => {
                other_git_dir = true;
                i += 2;
            }
            a if a.starts_with("--git-dir=") => {
                other_git_dir = true;
                i += 1;
            }
            "--work-tree" | "--namespace" | "--exec-path" | "--super-prefix" | "--list-cmds" => {
                i += 2;
            }
            a if a.starts_with('-') => i += 1,
            _ => break,
        }
    }
    let sub = args.get(i)?;
    let rest = &args[i + 1..];
    if other_git_dir && (HOOKED.contains(&sub.as_str()) || unknown(sub)) {
        return Some(GIT_DIR.to_owned());
    }
    let saved = std::mem::replace(&mut checker.cwd, cwd);
    let reason = subcommand_reason(checker, sub, rest, stdin, depth);
    checker.cwd = saved;
    reason
}

fn config_env_skips(pair: &str) -> bool {
    let key = pair.split_once('=').map_or(pair, |(k, _)| k);
    let key = key.to_ascii_lowercase();
    key == "core.hookspath" || key.starts_with("include") || unknown(&key)
}

#[expect(
    clippy::too_many_lines,
    reason = "one arm per subcommand: the rules read best side by side"
)]
fn subcommand_reason(
    checker: &mut Checker<'_>,
    sub: &str,
    rest: &[String],
    stdin: &Stdin,
    depth: usize,
) -> Option<String> {
    if unknown(sub) {
        // Any subcommand: denied if, as commit or push, the rest would skip the hooks.
        return (skips_hooks(rest, "n") || unknown_option(rest, &COMMIT_VALUE_OPTIONS, true))
            .then(|| NO_VERIFY.to_owned());
    }
    let defined = checker
        .git_aliases
        .iter()
        .rev()
        .find(|(name, _)| name.eq_ignore_ascii_case(sub))
        .or_else(|| {
            checker
                .places
                .context
                .aliases
                .iter()
                .find(|(name, _)| name == sub)
        });
    if let Some((_, value)) = defined {
        let value = value.clone();
        return alias(checker, &value, rest, depth);
    }
    let operands = || operands(rest, &VALUE_OPTIONS);
    match sub {
        "commit" => {
            if skips_hooks(rest, "n") {
                Some(NO_VERIFY.to_owned())
            } else if unknown_option(rest, &COMMIT_VALUE_OPTIONS, true) {
                Some(UNKNOWN_ARGUMENT.to_owned())
            } else {
                None
            }
        }
        "push" | "merge" | "pull" | "cherry-pick" | "revert" | "rebase" | "am" => {
            let letters = if sub == "am" { "n" } else { "" };
            if skips_hooks(rest, letters) {
                return Some(NO_VERIFY.to_owned());
            }
            for (i, arg) in rest.iter().enumerate() {
                let command = match arg.as_str() {
                    "-x" | "--exec" => rest.get(i + 1).map(String::as_str),
                    a => a.strip_prefix("--exec="),
                };
                if sub == "rebase"
                    && let Some(text) = command
                    && let Some(reason) = checker.script(text, depth + 1)
                {
                    return Some(reason);
                }
            }
            unknown_option(rest, &VALUE_OPTIONS, sub == "am").then(|| UNKNOWN_ARGUMENT.to_owned())
        }
        "config" => config_command(checker, rest, depth),
        "update-ref" => {
            let mut refs = rest.iter().filter(|a| !a.starts_with('-'));
            let named = rest
                .iter()
                .position(|a| a == "-m")
                .and_then(|at| rest.get(at + 1));
            let name = refs.find(|r| Some(*r) != named);
            let base_ref = name.is_none_or(|name| {
                unknown(name)
                    || !name.starts_with("refs/")
                    || [
                        "refs/heads/",
                        "refs/remotes/",
                        "refs/tags/",
                        "refs/replace/",
                    ]
                    .iter()
                    .any(|p| name.starts_with(p))
            });
            (base_ref || rest.iter().any(|a| a == "--stdin")).then(|| REFS.to_owned())
        }
        "symbolic-ref" => {
            let names: Vec<&String> = rest.iter().filter(|a| !a.starts_with('-')).collect();
            let changes = names.len() >= 2 || rest.iter().any(|a| a == "-d" || a == "--delete");
            let base_ref = names.first().is_some_and(|name| {
                unknown(name)
                    || ["refs/heads/", "refs/remotes/", "refs/tags/"]
                        .iter()
                        .any(|p| name.starts_with(p))
            });
            (changes && base_ref).then(|| REFS.to_owned())
        }
        "branch" | "tag" => {
            const LISTS: [&str; 14] = [
                "-l",
                "--list",
                "-a",
                "--all",
                "-r",
                "--remotes",
                "--show-current",
                "--contains",
                "--no-contains",
                "--merged",
                "--no-merged",
                "--points-at",
                "-v",
                "-vv",
            ];
            const UPSTREAM: [&str; 4] = ["-u", "--set-upstream-to", "--unset-upstream", "--track"];
            if rest.iter().any(|a| {
                LISTS.contains(&a.as_str())
                    || UPSTREAM
                        .iter()
                        .any(|u| a == u || a.starts_with(&format!("{u}=")))
            }) {
                return None;
            }
            let forced = rest.iter().any(|a| {
                matches!(
                    a.as_str(),
                    "-f" | "--force"
                        | "-d"
                        | "-D"
                        | "--delete"
                        | "-m"
                        | "-M"
                        | "--move"
                        | "-c"
                        | "-C"
                        | "--copy"
                )
            });
            let names: Vec<&String> = rest
                .iter()
                .filter(|a| !a.starts_with('-'))
                .take(if forced { usize::MAX } else { 1 })
                .collect();
            let tag_changes = sub == "tag" && forced;
            (tag_changes || names.iter().any(|n| base_name(checker, n))).then(|| REFS.to_owned())
        }
        "checkout" | "switch" | "worktree" => {
            for (i, arg) in rest.iter().enumerate() {
                if matches!(arg.as_str(), "-b" | "-B" | "-c" | "-C" | "--orphan")
                    && rest.get(i + 1).is_some_and(|n| base_name(checker, n))
                {
                    return Some(REFS.to_owned());
                }
            }
            if sub != "checkout" {
                return None;
            }
            // Paths after `--`, or after the tree-ish, or a file that exists: written.
            let paths: Vec<&String> = if let Some(at) = rest.iter().position(|a| a == "--") {
                rest[at + 1..].iter().collect()
            } else {
                let named = operands();
                match named.as_slice() {
                    [only] if matches!(checker.target(only), Target::Known(p) if p.is_file()) => {
                        named
                    }
                    [_, paths @ ..] => paths.to_vec(),
                    [] => Vec::new(),
                }
            };
            paths.iter().find_map(|t| checker.write(t, false))
        }
        "restore" => operands()
            .iter()
            .filter(|a| a.as_str() != "--")
            .find_map(|t| checker.write(t, false)),
        "rm" | "mv" => rest
            .iter()
            .filter(|a| !a.starts_with('-'))
            .find_map(|t| checker.write(t, true)),
        "fetch" => {
            let named = operands();
            let local = named.first().is_some_and(|source| {
                unknown(source)
                    || *source == "."
                    || ["/", "./", "../", "~", "file:"]
                        .iter()
                        .any(|p| source.starts_with(p))
            });
            let into_base_refs = named.iter().skip(1).any(|spec| {
                let destination = spec.trim_start_matches('+').split_once(':').map(|(_, d)| d);
                destination.is_some_and(|d| {
                    unknown(d)
                        || d.starts_with("refs/remotes/")
                        || d.starts_with("refs/heads/")
                        || d.starts_with("refs/tags/")
                        || matches!(d, "main" | "master")
                })
            });
            (local && into_base_refs).then(|| REFS.to_owned())
        }
        "remote" => rest
            .iter()
            .find(|a| !a.starts_with('-'))
            .is_some_and(|action| {
                matches!(
                    action.as_str(),
                    "add" | "set-url" | "rename" | "rm" | "remove" | "set-head" | "set-branches"
                )
            })
            .then(|| REFS.to_owned()),
        "replace" => {
            let lists = rest
                .iter()
                .any(|a| matches!(a.as_str(), "-l" | "--list" | "-d" | "--delete"));
            (!lists && !rest.is_empty()).then(|| REFS.to_owned())
        }
        "sparse-checkout" => rest
            .iter()
            .find(|a| !a.starts_with('-'))
            .is_some_and(|action| matches!(action.as_str(), "set" | "add" | "init" | "reapply"))
            .then(|| HIDES.to_owned()),
        "submodule" => {
            let at = rest.iter().position(|a| a == "foreach")?;
            let text: Vec<&str> = rest[at + 1..]
                .iter()
                .map(String::as_str)
                .skip_while(|a| a.starts_with('-'))
                .collect();
            checker.script(&text.join(" "), depth + 1)
        }
        "bisect" => {
            let at = rest.iter().position(|a| a == "run")?;
            let words = rest[at + 1..].to_vec();
            if words.is_empty() {
                return None;
            }
            let command = Command {
                words: words.clone(),
                ..Command::default()
            };
            checker.view(&words, &command, depth + 1)
        }
        "apply" => {
            let files = operands();
            let mut text = String::new();
            if files.is_empty() {
                if let Stdin::Text(t) = stdin {
                    text.push_str(t);
                }
            } else {
                for file in files {
                    if let Target::Known(path) = checker.target(file)
                        && let Ok(bytes) = std::fs::read(&path)
                    {
                        text.push_str(&String::from_utf8_lossy(&bytes));
                    }
                }
            }
            super::programs::diff_targets(&text)
                .iter()
                .find_map(|t| checker.write(t, false))
        }
        _ => None,
    }
}

/// A git alias: `!text` runs as shell, anything else as git arguments, with `rest` appended.
fn alias(checker: &mut Checker<'_>, value: &str, rest: &[String], depth: usize) -> Option<String> {
    if depth > super::MAX_SCRIPT_DEPTH {
        return None;
    }
    if let Some(text) = value.strip_prefix('!') {
        let mut text = text.to_owned();
        for word in rest {
            text.push(' ');
            text.push_str(&shell::quote(word));
        }
        return checker.script(&text, depth + 1);
    }
    let mut words = shell::commands(value)
        .into_iter()
        .next()
        .map(|c| c.words)
        .unwrap_or_default();
    words.extend(rest.iter().cloned());
    check(checker, &words, &Stdin::Inherited, depth + 1)
}

/// A name that would be (or shadow) a ref the base is taken from: main/master, a remote's
/// `<remote>/...` (a local branch or tag of that name is found before the tracking ref).
fn base_name(checker: &Checker<'_>, name: &str) -> bool {
    let name = name.trim_start_matches("refs/heads/");
    let remote_prefix = name.split_once('/').is_some_and(|(first, _)| {
        matches!(first, "origin" | "upstream")
            || checker.places.context.remotes.iter().any(|r| r == first)
    });
    unknown(name) || matches!(name, "main" | "master") || remote_prefix
}

/// `git config ...`: writes that switch hooks off, include other files, add skipping aliases or
/// change the remotes; `--edit` (an editor changes it unseen).
fn config_command(checker: &mut Checker<'_>, rest: &[String], depth: usize) -> Option<String> {
    const READS: [&str; 9] = [
        "--get",
        "--get-all",
        "--get-regexp",
        "--get-urlmatch",
        "-l",
        "--list",
        "get",
        "list",
        "--show-origin",
    ];
    const VALUES: [&str; 5] = ["-f", "--file", "--blob", "--type", "--default"];
    if rest
        .iter()
        .any(|a| a == "--edit" || a == "-e" || a == "edit")
    {
        return Some(
            "backstop: `git config --edit` changes git's configuration in an editor, where \
             backstop cannot see what changes (core.hooksPath, includes, aliases). Set the one \
             key you need with `git config KEY VALUE`."
                .to_owned(),
        );
    }
    let mut operands: Vec<&String> = operands(rest, &VALUES);
    if operands
        .first()
        .is_some_and(|o| matches!(o.as_str(), "set" | "unset" | "get" | "list"))
    {
        let verb = operands.remove(0);
        if verb == "get" || verb == "list" {
            return None;
        }
    }
    if rest.iter().any(|a| READS.contains(&a.as_str())) {
        return None;
    }
    let key = operands.first()?;
    let changes = operands.len() > 1
        || rest.iter().any(|a| {
            a.starts_with("--unset")
                || matches!(a.as_str(), "--replace-all" | "--add" | "unset")
                || a.starts_with("--rename-section")
                || a.starts_with("--remove-section")
        });
    if !changes {
        return None;
    }
    let value = operands.get(1).map_or("", |v| v.as_str());
    config(checker, key, value, depth)
}

/// Why setting `key` to `value` (with `git -c` or `git config`) is denied.
fn config(checker: &mut Checker<'_>, key: &str, value: &str, depth: usize) -> Option<String> {
    let lower = key.to_ascii_lowercase();
    if unknown(&lower)
        || lower == "core.hookspath"
        || lower == "include.path"
        || (lower.starts_with("includeif.") && lower.rsplit('.').next() == Some("path"))
    {
        return Some(HOOKS_PATH.to_owned());
    }
    if matches!(
        lower.as_str(),
        "core.excludesfile" | "core.sparsecheckout" | "core.sparsecheckoutcone"
    ) {
        return Some(HIDES.to_owned());
    }
    let filter_driver = lower.starts_with("filter.")
        && lower
            .rsplit('.')
            .next()
            .is_some_and(|k| matches!(k, "clean" | "smudge" | "process"));
    if filter_driver || lower == "core.attributesfile" {
        return Some(STORES_OTHER.to_owned());
    }
    if let Some(name) = key
        .get("alias.".len()..)
        .filter(|_| lower.starts_with("alias."))
    {
        // Its later uses on the line (`git -c alias.co=commit co -n`) run it with arguments.
        checker
            .git_aliases
            .push((name.to_owned(), value.to_owned()));
        return alias(checker, value, &[], depth);
    }
    if lower.starts_with("remote.")
        && [".url", ".pushurl", ".fetch"]
            .iter()
            .any(|s| lower.ends_with(s))
    {
        return Some(REFS.to_owned());
    }
    let runs = [
        "core.fsmonitor",
        "core.sshcommand",
        "core.pager",
        "core.editor",
        "core.askpass",
        "sequence.editor",
        "diff.external",
        "credential.helper",
        "gpg.program",
    ]
    .contains(&lower.as_str())
        || (lower.starts_with("filter.")
            && [".clean", ".smudge", ".process"]
                .iter()
                .any(|s| lower.ends_with(s)));
    if runs && !value.is_empty() {
        return checker.script(value.trim_start_matches('!'), depth + 1);
    }
    None
}

/// The non-option words, skipping the values of `value_options`, up to and after `--`.
fn operands<'w>(args: &'w [String], value_options: &[&str]) -> Vec<&'w String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            out.extend(&args[i + 1..]);
            break;
        }
        if value_options.contains(&arg.as_str()) {
            i += 2;
            continue;
        }
        if !arg.starts_with('-') {
            out.push(arg);
        }
        i += 1;
    }
    out
}

/// `--no-verify` or an abbreviation git accepts for it (`--no-veri`...).
fn is_no_verify(arg: &str) -> bool {
    arg.len() >= "--no-ve".len() && "--no-verify".starts_with(arg)
}

/// Whether an option spelled partly when the command runs (`--no-verify${X}`, `-$F`, `-a$F`)
/// could be one that skips the hooks: `--no-verify` or (`short_skip`) `-n` in a cluster, before
/// any letter that takes the rest as its value (`-m"$MSG"` is a message).
fn could_skip(arg: &str, short_skip: bool) -> bool {
    let Some(at) = arg.find([UNKNOWN, SPLIT]) else {
        return false;
    };
    let known = &arg[..at];
    if let Some(long) = known.strip_prefix("--") {
        return !long.contains('=') && "no-verify".starts_with(long);
    }
    let Some(cluster) = known.strip_prefix('-') else {
        return false;
    };
    if cluster.is_empty() {
        // `-$X`: `--no-verify` as much as `-n`.
        return true;
    }
    short_skip && !cluster.chars().any(|c| "mFCctuS".contains(c))
}

/// Whether the arguments skip the hooks: `--no-verify`, or (for commit and am) `-n` alone or
/// inside a cluster of short flags (`-an`, `-nm msg`), but not inside an option's value. The
/// last of them and `--verify` wins, as in git.
fn skips_hooks(args: &[String], letters: &str) -> bool {
    let commit = letters.contains('n');
    let mut skips = false;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            break;
        }
        if is_no_verify(arg) {
            skips = true;
        } else if arg == "--verify" {
            skips = false;
        } else if commit && COMMIT_VALUE_OPTIONS.contains(&arg.as_str()) {
            i += 2;
            continue;
        } else if commit
            && let Some(cluster) = arg
                .strip_prefix('-')
                .filter(|c| !c.starts_with('-') && !c.is_empty())
        {
            for (at, flag) in cluster.char_indices() {
                if flag == 'n' {
                    skips = true;
                }
                if "mFCct".contains(flag) {
                    // The rest of the cluster, or the next word, is this option's value.
                    if at + 1 == cluster.len() {
                        i += 1;
                    }
                    break;
                }
                if "uS".contains(flag) {
                    // Optional values, only attached: `-uno`, `-Skey`.
                    break;
                }
            }
        }
        i += 1;
    }
    skips
}

/// Whether an argument that is only known when it runs stands where an option could be.
fn unknown_option(args: &[String], value_options: &[&str], short_skip: bool) -> bool {
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            return false;
        }
        if value_options.contains(&arg.as_str()) {
            i += 2;
            continue;
        }
        if arg.starts_with([UNKNOWN, SPLIT]) || could_skip(arg, short_skip) {
            return true;
        }
        // `-am "$MSG"`: a cluster ending in a value option takes the next word.
        if let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.starts_with('-'))
            && cluster.ends_with(['m', 'F', 'C', 'c', 't'])
        {
            i += 2;
            continue;
        }
        i += 1;
    }
    false
}
