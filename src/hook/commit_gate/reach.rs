//! Whether git itself runs backstop for a hook here, and the words that say why backstop judges
//! a command instead. The hook managers' side (husky, lefthook, pre-commit) is `install::reach`'s.

use crate::agent::Agent;
use crate::git::Repo;
use crate::install::reach;
use crate::trigger::GitHook;

/// Whether the hook git runs for `hook` here reaches backstop: backstop's shim, a hook
/// manager's hook whose script or config runs it (`install::reach`), or an executable hook of
/// the person's own that names `backstop hook git <hook>`.
pub fn hook_reaches_backstop(repo: &Repo, hook: GitHook) -> bool {
    if reach::reaches(repo, hook).is_ok() {
        return true;
    }
    let Ok(dir) = repo.hooks_dir() else {
        return false;
    };
    let slot = dir.path.join(hook.as_str());
    let executable = std::fs::metadata(&slot)
        .is_ok_and(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0);
    executable
        && std::fs::read(&slot).is_ok_and(|bytes| {
            String::from_utf8_lossy(&bytes).contains(crate::install::managers::command(hook))
        })
}

/// Why backstop, not git's hook, judges the command.
pub fn why_here(agent: &dyn Agent, repo: &Repo, hook: GitHook) -> String {
    if !agent.shell_runs_git_hooks() {
        return "git runs no hooks in this agent's shell (or backstop cannot tell that it does)"
            .to_owned();
    }
    match reach::reaches(repo, hook) {
        Ok(_) => "this call may keep git from running its hooks as they are (an alias, `-c`, or \
                  git config from the environment)"
            .to_owned(),
        Err(why) if reach::is_husky(&repo.hooks_dir().map(|d| d.path).unwrap_or_default()) => {
            format!("git will not run backstop here: {why} (a person can add that line)")
        }
        Err(why) if why.contains("'s, and") => format!("git will not run backstop here: {why}"),
        Err(why) => format!(
            "git will not run backstop's hooks here ({why}; `backstop install --git` adds them)"
        ),
    }
}
