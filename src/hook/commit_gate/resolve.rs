//! The steps of a command line with their git commands resolved: aliases followed (`-c
//! alias.X` on the call, the repository's config), what each does, whether it could change
//! what a later commit contains, and whether a call is plain enough to be left to git's hook.

use std::path::Path;

use crate::agent::git_command::{GitAction, GitCall, Step, StepKind, read_git};
use crate::agent::shell::Command;

/// Environment variables that choose another repository, work tree or index.
pub const LOCATION_ENV: [&str; 5] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
];

/// A step of the line with its git command resolved (aliases followed).
pub struct Resolved<'a> {
    pub step: &'a Step,
    /// The git call (after alias expansion), for git steps.
    pub call: Option<GitCall>,
    /// What the git call does.
    pub action: Option<GitAction>,
    /// Whether an alias was followed.
    pub aliased: bool,
    /// Why it could change what a later commit contains (`None`: it cannot, or it is replayed).
    pub changes: Option<String>,
    /// Why it commits or pushes in a way that cannot be judged before it runs.
    pub hidden: Option<String>,
}

pub fn resolve(step: &Step) -> Resolved<'_> {
    let mut resolved = Resolved {
        step,
        call: None,
        action: None,
        aliased: false,
        changes: None,
        hidden: None,
    };
    let changes = || Some(format!("`{}`", step.shown));
    match &step.kind {
        StepKind::Cd | StepKind::Harmless | StepKind::Sets(_) => {}
        StepKind::Writes => {
            resolved.changes = changes();
            resolved.hidden = variable_git(&step.shown);
        }
        StepKind::Hidden { program, words } => {
            resolved.changes = changes();
            let sub = words.first().map_or("", String::as_str);
            let action = GitAction::of(sub, words.get(1..).unwrap_or_default());
            if !matches!(
                action,
                GitAction::Reads | GitAction::Add(_) | GitAction::Rm(_)
            ) {
                resolved.hidden = Some(format!(
                    "`{program}` runs `git {sub}` with arguments known only when it runs"
                ));
            }
        }
        StepKind::Git(call) => {
            let (call, action, aliased, shell_alias) = if let Ok(cwd) = &step.cwd {
                expand_alias(call, cwd)
            } else {
                let action = GitAction::of(&call.sub, &call.args);
                (call.clone(), action, false, None)
            };
            if let Some(alias) = shell_alias {
                resolved.changes = changes();
                if alias.contains("git") {
                    resolved.hidden =
                        Some(format!("the alias `git {}` runs a shell command", call.sub));
                }
            }
            let moved = !call.location_options.is_empty() || location_env(&call).is_some();
            resolved.changes = match &action {
                GitAction::Reads | GitAction::Push(_) if !moved => resolved.changes,
                GitAction::Add(args) if !moved => {
                    unreplayable_add(args).map(|why| format!("`{}` ({why})", step.shown))
                }
                GitAction::Rm(args) if !moved => {
                    unreplayable_add(args).map(|why| format!("`{}` ({why})", step.shown))
                }
                _ => changes(),
            };
            if let GitAction::Unknown(sub) = &action
                && (sub.contains(['$', '`']) || crate::agent::shell::unknown(sub))
            {
                resolved.hidden = Some(format!(
                    "`git {sub}` names its subcommand only when it runs"
                ));
            }
            resolved.call = Some(call);
            resolved.action = Some(action);
            resolved.aliased = aliased;
        }
    }
    resolved
}

/// Why a command whose program is a variable or a substitution (`$g commit -am x`) may be a
/// git commit, merge or push that cannot be judged before it runs.
fn variable_git(shown: &str) -> Option<String> {
    let mut words = shown.split_whitespace();
    let program = words.next()?;
    let commits = words.any(|w| matches!(w, "commit" | "merge" | "pull" | "push"));
    ((program.contains(['$', '`']) || crate::agent::shell::unknown(program)) && commits)
        .then(|| format!("`{program}` is known only when it runs, and may be git"))
}

/// Why a `git add`/`git rm` cannot be replayed on a scratch index before the line runs.
fn unreplayable_add(args: &[String]) -> Option<&'static str> {
    for arg in args.iter().take_while(|a| *a != "--") {
        let interactive = match arg.as_str() {
            "--patch" | "--interactive" | "--edit" => true,
            a if a.starts_with("--") => {
                if a == "--pathspec-from-file=-"
                    || (a == "--pathspec-from-file" && args.iter().any(|x| x == "-"))
                {
                    return Some("its paths come from standard input");
                }
                false
            }
            a => a
                .strip_prefix('-')
                .is_some_and(|cluster| cluster.contains(['p', 'i', 'e'])),
        };
        if interactive {
            return Some("it asks what to stage when it runs");
        }
    }
    None
}

/// Follows `git SUB` through aliases (`-c alias.SUB=...` on the call, then the repository's
/// config); git's own commands win over aliases of the same name. Returns the call as git runs
/// it, its action, whether an alias was followed, and a shell alias's command (`!...`).
fn expand_alias(call: &GitCall, cwd: &Path) -> (GitCall, GitAction, bool, Option<String>) {
    let mut call = call.clone();
    let mut aliased = false;
    for _ in 0..8 {
        let action = GitAction::of(&call.sub, &call.args);
        let GitAction::Unknown(sub) = &action else {
            return (call, action, aliased, None);
        };
        let key = format!("alias.{sub}");
        let from_line = call.config.iter().rev().find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, "true"));
            k.eq_ignore_ascii_case(&key).then(|| v.to_owned())
        });
        let Some(value) = from_line.or_else(|| crate::git::config_in(cwd, &key)) else {
            return (call, action, aliased, None);
        };
        aliased = true;
        if let Some(shell) = value.strip_prefix('!') {
            return (call, GitAction::Writes, true, Some(shell.to_owned()));
        }
        let words: Vec<String> = crate::agent::shell::commands(&value)
            .into_iter()
            .next()
            .map(|c| c.words)
            .unwrap_or_default();
        let mut all = vec!["git".to_owned()];
        all.extend(words);
        all.extend(call.args.iter().cloned());
        let command = Command {
            words: all.clone(),
            ..Command::default()
        };
        let inner = read_git(&command, &all);
        call.config.extend(inner.config);
        call.config_env |= inner.config_env;
        call.location_options.extend(inner.location_options);
        call.sub = inner.sub;
        call.args = inner.args;
    }
    (call, GitAction::Writes, true, None)
}

/// The first location variable set for the call, with its value.
pub fn location_env(call: &GitCall) -> Option<&(String, String)> {
    call.env
        .iter()
        .find(|(name, _)| LOCATION_ENV.contains(&name.as_str()))
}

/// Whether the environment or options of a call can change which hooks git runs.
pub fn plain(resolved: &Resolved<'_>) -> bool {
    let Some(call) = &resolved.call else {
        return false;
    };
    let switch = |name: &str| {
        name.starts_with("GIT_CONFIG")
            || name.starts_with("BACKSTOP_")
            || name.starts_with("HUSKY")
            || name.starts_with("LEFTHOOK")
            || name.starts_with("PRE_COMMIT")
            || matches!(
                name,
                "HOME" | "XDG_CONFIG_HOME" | "PATH" | "GIT_EXEC_PATH" | "SKIP" | "GIT_TEMPLATE_DIR"
            )
    };
    !resolved.aliased
        && call.config.is_empty()
        && !call.config_env
        && !call.env_unknown
        && !call.env.iter().any(|(name, _)| switch(name))
}
