//! The bypass guard (`PreToolUse` / `BeforeTool`): denies what would skip or disable the gates,
//! with a reason that says what to do instead, and lets everything else through untouched.

use std::path::{Component, Path, PathBuf};

use super::shell::{Command, commands};
use crate::glob::GlobList;

/// What the agent is about to do.
#[derive(Debug, Clone)]
pub enum ToolCall {
    /// A shell command line.
    Shell(String),
    /// Writing or editing these files.
    Edit(Vec<PathBuf>),
    /// A Codex `apply_patch` body.
    Patch(String),
    /// Anything else (reads, searches): never denied.
    Other,
}

/// Where the agent works and what is protected.
pub struct GuardContext<'a> {
    /// The directory the tool runs in.
    pub cwd: &'a Path,
    /// The worktree root.
    pub root: &'a Path,
    /// `protect.paths` (or their defaults), relative to the root.
    pub protected: &'a GlobList,
}

const NO_VERIFY: &str = "backstop: `--no-verify` skips the gates this repository requires. Run them \
     (`backstop run pre-commit`), fix what they report, and commit again without --no-verify.";
const HOOKS_PATH: &str = "backstop: changing core.hooksPath would switch off this repository's git hooks. \
     Leave it as it is and make the gates pass instead.";
const HOOK_FILES: &str = "backstop: the git hooks run the gates this repository requires; do not change \
     anything under .git/hooks. Fix the code so the gates pass.";
const SKIP: &str = "backstop: BACKSTOP_SKIP is for a person to skip a gate. Fix what the gate reports \
     instead (`backstop run` shows it).";
const HOOK_BY_HAND: &str = "backstop: backstop's hooks are run by the agent tool itself; calling them \
     by hand changes what the gates compare against. Fix the code so the gates pass.";
const PERSON_ONLY: &str = "backstop: approving protected changes and removing the hooks are a person's \
     decisions. Explain the change and let the person run it.";

const HOOK_SWITCH: &str = "backstop: that variable makes a hook manager (husky, lefthook, pre-commit) skip the git \
     hooks, and backstop with them, like --no-verify. Run the gates (`backstop run pre-commit`), fix what they \
     report, and commit without it.";

/// Whether `NAME=value` switches hooks off: husky's `HUSKY=0`, lefthook's `LEFTHOOK=0`, hk's
/// `HK=0`, overcommit's `OVERCOMMIT_DISABLE=1`, pre-commit's config-less run, and skip lists
/// (`SKIP`, `PREK_SKIP`, `LEFTHOOK_EXCLUDE`, `LEFTHOOK_SKIP`) naming backstop.
fn switches_hooks_off(name: &str, value: &str) -> bool {
    let off = matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "0" | "false" | "off" | "no"
    );
    match name {
        "HUSKY" | "LEFTHOOK" | "HK" => off,
        "OVERCOMMIT_DISABLE" | "PRE_COMMIT_ALLOW_NO_CONFIG" => !off && !value.is_empty(),
        "SKIP" | "PREK_SKIP" | "LEFTHOOK_EXCLUDE" | "LEFTHOOK_SKIP" => {
            value.to_ascii_lowercase().contains("backstop")
        }
        _ => false,
    }
}

/// Allow (`None`) or deny with the reason.
pub fn check(call: &ToolCall, context: &GuardContext<'_>) -> Option<String> {
    match call {
        ToolCall::Shell(script) => {
            // `cd` changes where later commands of the same line write.
            let mut cwd = context.cwd.to_path_buf();
            commands(script).iter().find_map(|c| {
                if c.words.first().is_some_and(|w| w == "cd")
                    && let Some(dir) = c.words.get(1)
                {
                    cwd = normalise(&cwd.join(dir));
                    return None;
                }
                check_command(
                    c,
                    &GuardContext {
                        cwd: &cwd,
                        ..*context
                    },
                )
            })
        }
        ToolCall::Edit(paths) => paths.iter().find_map(|p| protected_write(p, context)),
        ToolCall::Patch(patch) => patch
            .lines()
            .filter_map(|l| {
                [
                    "*** Update File: ",
                    "*** Add File: ",
                    "*** Delete File: ",
                    "*** Move to: ",
                ]
                .iter()
                .find_map(|h| l.strip_prefix(h))
            })
            .find_map(|p| protected_write(Path::new(p.trim()), context)),
        ToolCall::Other => None,
    }
}

fn check_command(command: &Command, context: &GuardContext<'_>) -> Option<String> {
    if command
        .assignments
        .iter()
        .any(|(name, _)| name == "BACKSTOP_SKIP")
    {
        return Some(SKIP.to_owned());
    }
    if command
        .assignments
        .iter()
        .any(|(name, value)| switches_hooks_off(name, value))
    {
        return Some(HOOK_SWITCH.to_owned());
    }
    // GIT_CONFIG_PARAMETERS, GIT_CONFIG_COUNT/KEY_n/VALUE_n: git config from the environment.
    let git_config_env = command
        .assignments
        .iter()
        .any(|(name, _)| name.starts_with("GIT_CONFIG_"));
    if git_config_env
        && command
            .assignments
            .iter()
            .any(|(_, value)| value.to_ascii_lowercase().contains("hookspath"))
    {
        return Some(HOOKS_PATH.to_owned());
    }
    let words = unwrap_wrappers(&command.words);
    for target in &command.redirects {
        if let Some(reason) = write_target(target, context) {
            return Some(reason);
        }
    }
    let program = words.first().map(|w| w.rsplit('/').next().unwrap_or(w))?;
    let args = &words[1..];
    match program {
        "export" | "env" | "declare" | "typeset"
            if args.iter().any(|a| a.starts_with("BACKSTOP_SKIP=")) =>
        {
            Some(SKIP.to_owned())
        }
        "export" | "env" | "declare" | "typeset"
            if args.iter().any(|a| {
                a.split_once('=')
                    .is_some_and(|(name, value)| switches_hooks_off(name, value))
            }) =>
        {
            Some(HOOK_SWITCH.to_owned())
        }
        "git" => check_git(args, context),
        "backstop" => {
            // Skip global options and their values: `backstop -C . approve` is still approve.
            let mut rest = args.iter();
            let sub = loop {
                let arg = rest.next()?;
                match arg.as_str() {
                    "-C" | "--config" | "--color" => {
                        rest.next();
                    }
                    a if a.starts_with('-') => {}
                    a => break a.to_owned(),
                }
            };
            match sub.as_str() {
                "approve" if !args.iter().any(|a| a == "--show") => Some(PERSON_ONLY.to_owned()),
                "uninstall" => Some(PERSON_ONLY.to_owned()),
                "hook" => Some(HOOK_BY_HAND.to_owned()),
                _ => None,
            }
        }
        "python" | "python3" | "node" | "php" | "deno" | "bun" => args
            .iter()
            .any(|a| {
                a.contains(".git/hooks") || a.contains(".git/config") || a.contains(".git/backstop")
            })
            .then(|| HOOK_FILES.to_owned()),
        "rm" | "mv" | "cp" | "chmod" | "chown" | "ln" | "tee" | "truncate" | "touch"
        | "install" | "unlink" | "dd" | "rsync" => {
            // `cp a b` writes only b; `mv a b` changes both.
            let mut operands = args
                .iter()
                .filter(|a| !a.starts_with('-'))
                .map(String::as_str);
            let targets: Vec<&str> = match program {
                "cp" | "install" | "ln" | "rsync" => operands.next_back().into_iter().collect(),
                "dd" => args.iter().filter_map(|a| a.strip_prefix("of=")).collect(),
                _ => operands.collect(),
            };
            targets.iter().find_map(|t| write_target(t, context))
        }
        "sed" | "perl" | "ruby"
            if args
                .iter()
                .any(|a| a.starts_with("-i") || a == "--in-place" || a.starts_with("-pi")) =>
        {
            args.iter()
                .filter(|a| !a.starts_with('-'))
                .find_map(|t| write_target(t, context))
        }
        _ => None,
    }
}

/// `env X=1 cmd`, `sudo cmd`, `command cmd`, `nohup cmd`, `time cmd`, `exec cmd`: the command.
pub(super) fn unwrap_wrappers(words: &[String]) -> Vec<String> {
    let mut rest = words;
    loop {
        let Some(first) = rest.first() else {
            return Vec::new();
        };
        match first.as_str() {
            "sudo" | "command" | "nohup" | "time" | "exec" | "builtin" => rest = &rest[1..],
            "env" => {
                let skip = rest[1..]
                    .iter()
                    .take_while(|w| w.starts_with('-') || w.contains('='))
                    .count();
                if rest[1..]
                    .iter()
                    .take(skip)
                    .any(|w| w.starts_with("BACKSTOP_SKIP="))
                {
                    return vec!["export".to_owned(), "BACKSTOP_SKIP=".to_owned()];
                }
                if let Some(switch) = rest[1..].iter().take(skip).find(|w| {
                    w.split_once('=')
                        .is_some_and(|(name, value)| switches_hooks_off(name, value))
                }) {
                    return vec!["export".to_owned(), switch.clone()];
                }
                rest = &rest[1 + skip..];
            }
            "timeout" | "nice" => {
                rest = &rest[rest
                    .iter()
                    .skip(1)
                    .position(|w| {
                        !w.starts_with('-') && w.parse::<f64>().is_err() && !w.ends_with('s')
                    })
                    .map_or(rest.len(), |p| p + 1)..];
            }
            _ => return rest.to_vec(),
        }
    }
}

/// Options of `git commit` whose value is the next word (so `-m -n` is a message, not -n).
const COMMIT_VALUE_OPTIONS: [&str; 12] = [
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
];

fn check_git(args: &[String], context: &GuardContext<'_>) -> Option<String> {
    let mut i = 0;
    // Global options before the subcommand.
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "-c" => {
                if args
                    .get(i + 1)
                    .is_some_and(|kv| kv.to_ascii_lowercase().starts_with("core.hookspath"))
                {
                    return Some(HOOKS_PATH.to_owned());
                }
                i += 2;
            }
            "-C" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path" | "--config-env" => {
                i += 2;
            }
            a if a.starts_with("--config-env")
                && a.to_ascii_lowercase().contains("core.hookspath") =>
            {
                return Some(HOOKS_PATH.to_owned());
            }
            a if a.starts_with('-') => i += 1,
            _ => break,
        }
    }
    let sub = args.get(i)?.as_str();
    let rest = &args[i + 1..];
    match sub {
        "commit" => commit_skips_hooks(rest).then(|| NO_VERIFY.to_owned()),
        "push" | "merge" | "pull" | "cherry-pick" | "revert" | "rebase" | "am" => rest
            .iter()
            .take_while(|a| *a != "--")
            .fold(false, |off, a| match a.as_str() {
                "--verify" => false,
                a if is_no_verify(a) => true,
                _ => off,
            })
            .then(|| NO_VERIFY.to_owned()),
        "checkout" | "restore" => {
            // Paths after `--` (checkout) or the operands (restore) are written.
            let paths: Vec<&String> = match rest.iter().position(|a| a == "--") {
                Some(at) => rest[at + 1..].iter().collect(),
                None if sub == "restore" => rest.iter().filter(|a| !a.starts_with('-')).collect(),
                None => Vec::new(),
            };
            paths.iter().find_map(|t| write_target(t, context))
        }
        "config" => {
            let reads = rest.iter().any(|a| {
                matches!(
                    a.as_str(),
                    "--get" | "--get-all" | "--get-regexp" | "-l" | "--list" | "get"
                )
            });
            let operands: Vec<&String> = rest.iter().filter(|a| !a.starts_with('-')).collect();
            let key_is_hooks_path = operands
                .first()
                .is_some_and(|k| k.eq_ignore_ascii_case("core.hookspath"));
            // `git config core.hooksPath` alone reads it; with a value or --unset it writes.
            let writes = !reads
                && (operands.len() > 1
                    || rest
                        .iter()
                        .any(|a| a.starts_with("--unset") || a == "--replace-all" || a == "--add"));
            let alias_skips = operands
                .first()
                .is_some_and(|k| k.to_ascii_lowercase().starts_with("alias."))
                && operands
                    .iter()
                    .skip(1)
                    .any(|v| v.split_whitespace().any(|w| is_no_verify(w) || w == "-n"));
            if key_is_hooks_path && writes {
                Some(HOOKS_PATH.to_owned())
            } else if alias_skips {
                Some(NO_VERIFY.to_owned())
            } else {
                None
            }
        }
        "rm" | "mv" => rest
            .iter()
            .filter(|a| !a.starts_with('-'))
            .find_map(|t| write_target(t, context)),
        _ => None,
    }
}

/// `--no-verify` or an abbreviation git accepts for it (`--no-veri`...).
fn is_no_verify(arg: &str) -> bool {
    arg.len() >= "--no-ve".len() && "--no-verify".starts_with(arg)
}

/// Whether `git commit` arguments skip the hooks: `--no-verify`, or `-n` alone or inside a
/// cluster of short flags (`-an`, `-nm msg`), but not inside an option's value.
fn commit_skips_hooks(args: &[String]) -> bool {
    // The last of --no-verify/-n and --verify wins, as in git.
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
        } else if COMMIT_VALUE_OPTIONS.contains(&arg.as_str()) {
            i += 2;
            continue;
        } else if let Some(cluster) = arg
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

/// A reason to deny writing `target`: a git hook file, or a protected path.
fn write_target(target: &str, context: &GuardContext<'_>) -> Option<String> {
    let path = normalise(&context.cwd.join(target));
    if inside_git_dir(&path) {
        return Some(HOOK_FILES.to_owned());
    }
    protected_write(&path, context)
}

fn protected_write(path: &Path, context: &GuardContext<'_>) -> Option<String> {
    let absolute = normalise(&context.cwd.join(path));
    if inside_git_dir(&absolute) {
        return Some(HOOK_FILES.to_owned());
    }
    if let Some(reason) = agent_config(&absolute, context) {
        return Some(reason);
    }
    let relative = absolute.strip_prefix(context.root).ok()?;
    context.protected.is_match(relative).then(|| {
        format!(
            "backstop: {} is protected (protect.paths in gates.toml): changing it needs a person's approval. \
             Leave it as it is, or ask the person to make this change.",
            relative.display()
        )
    })
}

/// `.git/hooks`, `.git/config` (hooksPath, aliases) and `.git/backstop` (sessions, approvals,
/// set-aside work): the machinery the gates stand on.
fn inside_git_dir(path: &Path) -> bool {
    let parts: Vec<_> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts
        .windows(2)
        .any(|w| w[0] == ".git" && matches!(w[1].as_str(), "hooks" | "config" | "backstop"))
        || parts.last().is_some_and(|l| l == "config")
            && parts
                .iter()
                .rev()
                .nth(1)
                .is_some_and(|d| d == "worktrees" || d == ".git")
}

/// Where agents read their hooks (or a switch that turns them all off): the project's files
/// and the user's, whatever `protect.paths` says.
fn agent_config(path: &Path, context: &GuardContext<'_>) -> Option<String> {
    // git's own user-wide config can set core.hooksPath for every repository.
    const GIT_HOME: [&str; 2] = [".gitconfig", ".config/git/config"];
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let in_project = path.strip_prefix(context.root).ok().is_some_and(|r| {
        super::ALL
            .iter()
            .flat_map(|a| a.project_files())
            .any(|p| r.starts_with(p))
    });
    let in_home = home
        .as_ref()
        .and_then(|h| path.strip_prefix(h).ok())
        .is_some_and(|r| {
            super::ALL
                .iter()
                .flat_map(|a| a.home_files())
                .chain(&GIT_HOME)
                .any(|p| r == Path::new(p))
        });
    (in_project || in_home).then(|| {
        format!(
            "backstop: {} configures the agent's hooks or git itself; changing it could switch the gates off. \
             Leave it as it is, or ask the person to make this change.",
            path.display()
        )
    })
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

    fn verdict(script: &str) -> Option<String> {
        let protected =
            GlobList::new(&["gates.toml".to_owned(), ".claude/settings.json".to_owned()]).unwrap();
        let context = GuardContext {
            cwd: Path::new("/repo/sub"),
            root: Path::new("/repo"),
            protected: &protected,
        };
        check(&ToolCall::Shell(script.to_owned()), &context)
    }

    #[test]
    fn bypass_attempts_are_denied() {
        let denied = [
            "git commit --no-verify -m 'wip'",
            "git commit -n -m wip",
            "git commit -nm wip",
            "git commit -anm 'all of it'",
            "git commit -am wip --no-verify",
            "cd .. && git commit -q --no-verify",
            "git -c core.hooksPath=/dev/null commit -m x",
            "git config core.hooksPath /tmp/nothing",
            "git config --local core.hookspath .nohooks",
            "git push --no-verify origin main",
            "git push -u origin HEAD --no-verify",
            "BACKSTOP_SKIP=clippy git commit -m x",
            "export BACKSTOP_SKIP=tests",
            "env BACKSTOP_SKIP=all git push",
            "rm -f ../.git/hooks/pre-commit",
            "echo 'exit 0' > /repo/.git/hooks/pre-push",
            "chmod -x .git/hooks/pre-commit",
            "backstop approve",
            "backstop uninstall --git",
            "sed -i 's/cargo test/true/' ../gates.toml",
            "echo '[gates]' > ../gates.toml",
            "sh -c 'git commit --no-verify -m x'",
            "bash -lc \"git commit -n -m x\"",
            "(git commit --no-verify -m x)",
            "echo $(git commit --no-verify -m x)",
            "git merge --no-verify topic",
            "sudo git commit -n -m x",
            "git rm ../gates.toml",
            "cp /tmp/mine.json ../.claude/settings.json",
            "HUSKY=0 git commit -m x",
            "LEFTHOOK=0 git commit -m x",
            "LEFTHOOK=false git push",
            "env HUSKY=0 git commit -m x",
            "export HUSKY=0; git commit -m x",
            "SKIP=backstop-pre-commit git commit -m x",
            "LEFTHOOK_EXCLUDE=backstop git commit -m x",
            "PRE_COMMIT_ALLOW_NO_CONFIG=1 git commit -m x",
        ];
        for script in denied {
            assert!(verdict(script).is_some(), "should be denied: {script}");
        }
    }

    #[test]
    fn look_alikes_are_allowed() {
        let allowed = [
            "git commit -m 'do not use --no-verify'",
            "git commit -m \"fix: handle -n flag in parser\"",
            "git commit -m -n",
            "git commit -F notes-about--no-verify.txt",
            "git commit -- -n",
            "git push -n origin main",
            "git push --dry-run",
            "git log --grep=no-verify",
            "git config --get core.hooksPath",
            "grep -rn 'no-verify' docs/",
            "echo BACKSTOP_SKIP is for people",
            "cat ../.git/hooks/pre-commit",
            "ls -la .git/hooks",
            "backstop approve --show",
            "backstop run --all-files",
            "cargo test -- --nocapture",
            "cp ../gates.toml /tmp/backup.toml",
            "sed -n 1,20p ../gates.toml",
            "npm test -- -n 4",
            "git commit -m \"$(cat msg.txt)\"",
            "HUSKY=1 git commit -m x",
            "SKIP=codespell git commit -m x",
            "echo HUSKY=0 is what the docs say",
        ];
        for script in allowed {
            assert_eq!(verdict(script), None, "should be allowed: {script}");
        }
    }

    #[test]
    fn edits_and_patches_of_protected_paths_are_denied() {
        let protected = GlobList::new(&["gates.toml".to_owned()]).unwrap();
        let context = GuardContext {
            cwd: Path::new("/repo"),
            root: Path::new("/repo"),
            protected: &protected,
        };
        assert!(
            check(
                &ToolCall::Edit(vec![PathBuf::from("/repo/gates.toml")]),
                &context
            )
            .is_some()
        );
        assert!(
            check(
                &ToolCall::Edit(vec![PathBuf::from("/repo/src/lib.rs")]),
                &context
            )
            .is_none()
        );
        assert!(
            check(
                &ToolCall::Patch(
                    "*** Begin Patch\n*** Update File: gates.toml\n@@\n-x\n+y\n*** End Patch"
                        .into()
                ),
                &context
            )
            .is_some()
        );
        assert!(
            check(
                &ToolCall::Patch(
                    "*** Begin Patch\n*** Add File: src/new.rs\n+fn x() {}\n*** End Patch".into()
                ),
                &context
            )
            .is_none()
        );
    }
}

#[cfg(test)]
mod review_tests {
    use super::*;

    fn verdict(script: &str) -> Option<String> {
        let protected = GlobList::new(&["gates.toml".to_owned()]).unwrap();
        let context = GuardContext {
            cwd: Path::new("/repo"),
            root: Path::new("/repo"),
            protected: &protected,
        };
        check(&ToolCall::Shell(script.to_owned()), &context)
    }

    #[test]
    fn second_review_bypasses_are_denied() {
        for script in [
            "backstop -C . approve",
            "backstop --config gates.toml approve",
            "echo '{\"session_id\":\"x\"}' | backstop hook claude session-start",
            "rm -rf .git/backstop",
            "printf '[core]\\n\\thooksPath=/x\\n' >> .git/config",
            "echo '{\"disableAllHooks\": true}' > .claude/settings.local.json",
            "GIT_CONFIG_PARAMETERS=\"'core.hooksPath'='/dev/null'\" git commit -m x",
            "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.hooksPath GIT_CONFIG_VALUE_0=/x git commit -m x",
            "git config alias.ci 'commit --no-verify'",
            "git push --no-veri",
            "python3 -c \"open('.git/hooks/pre-commit','w')\"",
            "cd .git/hooks && rm pre-commit",
            "git checkout HEAD~3 -- gates.toml",
            "git restore gates.toml",
            "git commit --verify --no-verify -m x",
        ] {
            assert!(verdict(script).is_some(), "should be denied: {script}");
        }
    }

    #[test]
    fn second_review_false_denials_are_allowed() {
        for script in [
            "git commit -uno -m wip",
            "git config core.hooksPath",
            "git commit --no-verify --verify -m x",
            "git commit -F- <<EOF\nexport BACKSTOP_SKIP=x is for people\nEOF",
            "cat <<-'END'\n\tgit commit --no-verify\n\tEND\necho done",
            "git checkout main",
            "git restore src/lib.rs",
        ] {
            assert_eq!(verdict(script), None, "should be allowed: {script}");
        }
    }
}
