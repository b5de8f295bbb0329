//! The reason an agent reads when the child hook refused a command: the gates failed (their
//! feedback, and how to run the fixers when settings.fix is on), or backstop could not judge.

use super::reach::why_here;
use crate::agent::Agent;
use crate::config::GatesConfig;
use crate::git::Repo;
use crate::process::Exit;
use crate::trigger::{GitHook, Trigger};

/// What an agent reads when a commit is refused, at most (agents cut at 10,000).
const MAX_CHARS: usize = 8_000;

/// The agent's reason when the child hook refused, or `None` when it let the command through.
pub fn refusal(
    agent: &dyn Agent,
    repo: &Repo,
    exit: &Exit,
    output: &[u8],
    what: &str,
    hook: &str,
    config: Option<&GatesConfig>,
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
    let git_hook = GitHook::from_name(hook).unwrap_or(GitHook::PreCommit);
    let why = why_here(agent, repo, git_hook);
    let failed = *exit == Exit::Code(i32::from(crate::error::EXIT_FAILED));
    if !failed {
        let how = match exit {
            Exit::Code(code) => format!("exit {code}"),
            Exit::Signal(signal) => format!("signal {signal}"),
            Exit::TimedOut => "timed out".to_owned(),
            Exit::Interrupted => "interrupted".to_owned(),
            Exit::SpawnFailed(why) => why.clone(),
        };
        return Some(format!(
            "backstop: this {what} was not made: backstop could not judge it ({how}). {why}, so \
             backstop judges the {what} before the command runs.\n{shown}\n\
             Fix what the output says; if it is in gates.toml (a protected file) or the \
             environment, ask the person."
        ));
    }
    let fixers = what == "commit"
        && hook == "pre-commit"
        && config.is_some_and(|c| {
            c.settings.fix
                && c.gates
                    .values()
                    .any(|g| g.fix.is_some() && g.triggers().contains(&Trigger::PreCommit))
        });
    let then = if fixers {
        "The gates' fixers (settings.fix) do not run before a command: run `backstop run \
         pre-commit --fix`, review and stage what they changed, fix the rest, then run the \
         same command again."
    } else {
        "Fix the code, not the tests, then run the same command again."
    };
    Some(format!(
        "backstop: this {what} was not made: its {hook} gates fail. {why}, so backstop judged the \
         {what} before the command ran.\n{shown}\n{then}"
    ))
}
