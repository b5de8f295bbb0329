//! What an agent's command line does, as far as a commit or a push it contains is concerned:
//! each command in order ([`Step`]), with the directory it runs in (`cd`, `git -C`, or why that
//! cannot be told), whether it could change what git commits or pushes, and for git commands
//! their global options, the environment the line gives them, the subcommand and its
//! arguments ([`action`] reads what those do); and whether anything on the line runs in the
//! background or in a pipeline ([`operators`]). Parsing only: `hook/commit_gate/` acts on it
//! (aliases need the repository: it resolves them, then reads the call with [`GitAction::of`]).

mod action;
mod operators;

use std::path::{Component, Path, PathBuf};

pub use action::{CommitArgs, GitAction, MergeArgs, PushArgs};

use super::shell::{Command, commands};

/// The command line, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    /// Every command, in the order the line runs them (substitutions first).
    pub steps: Vec<Step>,
    /// Whether something on the line runs in the background (`&`).
    pub background: bool,
    /// Whether the line has a pipeline (`|`): its commands run at the same time.
    pub pipes: bool,
}

/// One command of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Where it runs, or why that cannot be told before the line runs.
    pub cwd: Result<PathBuf, String>,
    /// What it is.
    pub kind: StepKind,
    /// The command as read (for messages).
    pub shown: String,
}

/// What a command can do to a commit that comes after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    /// `cd` (its directory is the next steps' `cwd`).
    Cd,
    /// Changes no file, index or ref (`echo`, `cat`, `git status`...), and sets no environment
    /// that matters to git.
    Harmless,
    /// Sets environment variables for the rest of the line (`export`, `X=1` alone).
    Sets(Vec<String>),
    /// Anything else: it may change files, the index, refs or the environment.
    Writes,
    /// A git command.
    Git(GitCall),
    /// git run by another program (`xargs git commit`, `find -exec git ...`): its arguments
    /// are only known when it runs.
    Hidden {
        /// The program that runs git.
        program: String,
        /// The git command as written (subcommand and what follows).
        words: Vec<String>,
    },
}

/// One git command, before aliases are resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitCall {
    /// `-c key=value` (and `--config-env`) options, as `key=value`.
    pub config: Vec<String>,
    /// Whether `--config-env` is among them (its value is read from the environment).
    pub config_env: bool,
    /// Options that choose another repository, work tree or index (`--git-dir`, `--work-tree`,
    /// `--namespace`, `--bare`).
    pub location_options: Vec<String>,
    /// Environment variables the line sets for it (on the command, through `env`, or
    /// exported earlier on the line), with their values as written (`""` when not given).
    pub env: Vec<(String, String)>,
    /// Whether an earlier command may have set any environment (`source`, `set -a`...).
    pub env_unknown: bool,
    /// The subcommand as written (`commit`, an alias...).
    pub sub: String,
    /// Its arguments.
    pub args: Vec<String>,
}

/// Programs that change nothing git commits or pushes, when they write to no file.
const HARMLESS: [&str; 24] = [
    "echo", "printf", "cat", "ls", "pwd", "true", "false", ":", "head", "tail", "wc", "grep", "rg",
    "sleep", "date", "test", "[", "[[", "which", "type", "sort", "uniq", "cut", "tr",
];

/// Shell builtins that set or export variables.
const SETTERS: [&str; 5] = ["export", "declare", "typeset", "readonly", "local"];

/// Programs that run a command given in their arguments, where the command's arguments can
/// come from elsewhere (standard input, found files) or the command runs later.
const RUNNERS: [&str; 8] = [
    "xargs", "find", "parallel", "watch", "flock", "setsid", "script", "entr",
];

/// Reads `script`, started in `cwd`.
pub fn read_line(script: &str, cwd: &Path) -> Line {
    let (background, pipes) = operators::operators(script);
    let mut reader = Reader {
        cwd: if cwd.is_dir() {
            Ok(cwd.to_path_buf())
        } else {
            Err(format!(
                "the directory {} (it does not exist now)",
                cwd.display()
            ))
        },
        exported: Vec::new(),
        env_unknown: false,
        steps: Vec::new(),
    };
    for command in commands(script) {
        reader.read(&command);
    }
    Line {
        steps: reader.steps,
        background,
        pipes,
    }
}

/// What the line has done so far, as far as the commands after it are concerned.
struct Reader {
    /// Where the next command runs.
    cwd: Result<PathBuf, String>,
    /// Variables exported (or set) so far.
    exported: Vec<(String, String)>,
    /// Whether a command may have set variables that cannot be told (`source`, `set -a`).
    env_unknown: bool,
    steps: Vec<Step>,
}

impl Reader {
    fn push(&mut self, cwd: Result<PathBuf, String>, kind: StepKind, shown: String) {
        self.steps.push(Step { cwd, kind, shown });
    }

    fn read(&mut self, command: &Command) {
        let shown = command.words.join(" ");
        let writes_file = !command.redirects.iter().all(|r| harmless_target(r));
        let words = super::guard::unwrap_wrappers(&command.words);
        let Some(program) = words.first().map(|w| w.rsplit('/').next().unwrap_or(w)) else {
            // `X=1` alone: a shell variable (exported if it already was).
            self.exported.extend(command.assignments.iter().cloned());
            let kind = if writes_file {
                StepKind::Writes
            } else {
                StepKind::Sets(names(&command.assignments))
            };
            self.push(self.cwd.clone(), kind, shown);
            return;
        };
        if program == "git" {
            let call = git_call(command, &words, &self.exported, self.env_unknown);
            let here = match &self.cwd {
                Ok(here) => with_c(here, &words),
                Err(why) => Err(why.clone()),
            };
            self.push(here, StepKind::Git(call), shown.clone());
            if writes_file {
                // Its output goes to a file: a write of its own, for what comes after.
                self.push(self.cwd.clone(), StepKind::Writes, shown);
            }
            return;
        }
        let kind = self.kind(program, &words, writes_file);
        self.push(self.cwd.clone(), kind, shown);
    }

    /// What a command other than git is (and what it does to the line's directory and
    /// environment).
    fn kind(&mut self, program: &str, words: &[String], writes_file: bool) -> StepKind {
        match program {
            "cd" => {
                self.cwd = match (&self.cwd, words.get(1)) {
                    (Ok(here), Some(dir)) => readable_dir(here, dir),
                    (Ok(_), None) => Err("`cd` without a directory".to_owned()),
                    (Err(why), _) => Err(why.clone()),
                };
                StepKind::Cd
            }
            "pushd" | "popd" => {
                self.cwd = Err(format!("`{program}`"));
                StepKind::Cd
            }
            _ if RUNNERS.contains(&program) || runs_git(words) && !quoting(program) => {
                match words
                    .iter()
                    .position(|w| w.rsplit('/').next() == Some("git"))
                {
                    Some(at) => StepKind::Hidden {
                        program: program.to_owned(),
                        words: words[at + 1..].to_vec(),
                    },
                    None => StepKind::Writes,
                }
            }
            _ if SETTERS.contains(&program) => {
                let set: Vec<(String, String)> = words[1..]
                    .iter()
                    .filter(|w| !w.starts_with('-'))
                    .map(|w| {
                        let (n, v) = w.split_once('=').unwrap_or((w, ""));
                        (n.to_owned(), v.to_owned())
                    })
                    .collect();
                let names = set.iter().map(|(n, _)| n.clone()).collect();
                self.exported.extend(set);
                if writes_file {
                    StepKind::Writes
                } else {
                    StepKind::Sets(names)
                }
            }
            "source" | "." | "set" => {
                self.env_unknown = true;
                StepKind::Writes
            }
            // An empty word runs nothing (`""`, what is left of a quoted text).
            _ if (program.is_empty() || HARMLESS.contains(&program)) && !writes_file => {
                StepKind::Harmless
            }
            _ => StepKind::Writes,
        }
    }
}

/// Whether a program only prints its arguments (`echo git commit` runs no git).
fn quoting(program: &str) -> bool {
    matches!(program, "echo" | "printf")
}

/// Whether some later word is `git` (a command run by the first one).
fn runs_git(words: &[String]) -> bool {
    words
        .iter()
        .skip(1)
        .any(|w| w.rsplit('/').next() == Some("git"))
}

/// A redirection that writes nothing git commits.
fn harmless_target(target: &str) -> bool {
    matches!(target, "/dev/null" | "/dev/stdout" | "/dev/stderr")
}

fn names(assignments: &[(String, String)]) -> Vec<String> {
    assignments.iter().map(|(n, _)| n.clone()).collect()
}

/// The directory `cd DIR` leads to from `here`, when it can be read before the line runs.
fn readable_dir(here: &Path, dir: &str) -> Result<PathBuf, String> {
    if dir == "-" || dir.starts_with('~') || dir.contains(['$', '`', '*', '?', '[']) {
        return Err(format!("`cd {dir}`"));
    }
    let path = normalise(&here.join(dir));
    if path.is_dir() {
        Ok(path)
    } else {
        Err(format!("`cd {dir}` (no such directory now)"))
    }
}

/// Where a git command runs: `here`, moved by each `-C DIR` before the subcommand.
fn with_c(here: &Path, words: &[String]) -> Result<PathBuf, String> {
    let mut here = here.to_path_buf();
    let mut i = 1;
    while let Some(arg) = words.get(i) {
        match arg.as_str() {
            "-C" => {
                let Some(dir) = words.get(i + 1) else {
                    return Ok(here);
                };
                here = readable_dir(&here, dir).map_err(|_| format!("`git -C {dir}`"))?;
                i += 2;
            }
            "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path" | "--config-env" => {
                i += 2;
            }
            a if a.starts_with('-') => i += 1,
            _ => break,
        }
    }
    Ok(here)
}

/// Reads a git command's global options, subcommand and arguments, with the environment the
/// line gives it (`exported`: set earlier on the line).
fn git_call(
    command: &Command,
    words: &[String],
    exported: &[(String, String)],
    env_unknown: bool,
) -> GitCall {
    let mut call = read_git(command, words);
    let mut env = exported.to_vec();
    env.append(&mut call.env);
    call.env = env;
    call.env_unknown |= env_unknown;
    call
}

/// Reads `words` (`git [global options] SUB ARGS`, as run by `command`): the global options,
/// the environment on the command itself, the subcommand and its arguments.
pub fn read_git(command: &Command, words: &[String]) -> GitCall {
    let mut call = GitCall {
        env: command.assignments.clone(),
        ..GitCall::default()
    };
    // `env NAME=value git ...`: the wrapper's assignments (unwrap_wrappers drops them).
    let at = command
        .words
        .iter()
        .position(|w| w.rsplit('/').next() == Some("git"))
        .unwrap_or(0);
    call.env.extend(
        command.words[..at]
            .iter()
            .filter(|w| w.contains('=') && !w.starts_with('-'))
            .filter_map(|w| w.split_once('='))
            .map(|(n, v)| (n.to_owned(), v.to_owned())),
    );
    if command.words[..at]
        .iter()
        .any(|w| w == "env" || w.ends_with("/env"))
        && command.words[..at].iter().any(|w| w.starts_with('-'))
    {
        // `env -i`, `env -u NAME`, `env -S`: the environment is not the line's.
        call.env_unknown = true;
    }
    let mut i = 1;
    while let Some(arg) = words.get(i) {
        let value = || words.get(i + 1).cloned().unwrap_or_default();
        match arg.as_str() {
            "-c" => {
                call.config.push(value());
                i += 2;
            }
            "--config-env" => {
                call.config.push(value());
                call.config_env = true;
                i += 2;
            }
            "--git-dir" | "--work-tree" | "--namespace" => {
                call.location_options.push(format!("{arg}={}", value()));
                i += 2;
            }
            "-C" | "--exec-path" => {
                i += 2;
            }
            a if a.starts_with("--config-env=") => {
                call.config
                    .push(a.trim_start_matches("--config-env=").to_owned());
                call.config_env = true;
                i += 1;
            }
            a if a.starts_with("--git-dir=")
                || a.starts_with("--work-tree=")
                || a.starts_with("--namespace=")
                || a == "--bare" =>
            {
                call.location_options.push(a.to_owned());
                i += 1;
            }
            a if a.starts_with('-') => i += 1,
            _ => break,
        }
    }
    call.sub = words.get(i).cloned().unwrap_or_default();
    call.args = words
        .get(i + 1..)
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    call
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

    fn git(step: &Step) -> &GitCall {
        match &step.kind {
            StepKind::Git(call) => call,
            other => panic!("not git: {other:?}"),
        }
    }

    #[test]
    fn steps_in_order_with_their_directories() {
        let root = std::env::temp_dir();
        let sub = root.join("backstop-git-command-test-sub");
        std::fs::create_dir_all(&sub).unwrap();
        let line = read_line(
            "cd backstop-git-command-test-sub && git add -A && git -C .. commit -qm 'a; b' && git push",
            &root,
        );
        assert!(!line.background && !line.pipes);
        assert_eq!(line.steps.len(), 4);
        assert_eq!(line.steps[0].kind, StepKind::Cd);
        assert_eq!(line.steps[1].cwd, Ok(sub.clone()));
        assert_eq!(git(&line.steps[1]).sub, "add");
        assert_eq!(line.steps[2].cwd, Ok(normalise(&root)));
        assert_eq!(git(&line.steps[2]).args, ["-qm", "a; b"]);
        assert_eq!(line.steps[3].cwd, Ok(sub.clone()));
        let line = read_line("git status && echo git commit", &root);
        assert_eq!(line.steps[1].kind, StepKind::Harmless);
        assert_eq!(
            GitAction::of("commit", &words("-a -m x")),
            GitAction::Commit(CommitArgs {
                all: true,
                messages: vec!["x".to_owned()],
                ..CommitArgs::default()
            })
        );
        let line = read_line("cd $(git rev-parse --show-toplevel); git commit", &root);
        assert!(line.steps.last().unwrap().cwd.is_err());
        let line = read_line("echo x | xargs git commit -am", &root);
        assert!(line.pipes);
        assert!(
            matches!(&line.steps[1].kind, StepKind::Hidden { program, .. } if program == "xargs")
        );
        let line = read_line("export GIT_DIR=x; env A=1 git -c k=v commit", &root);
        let call = git(&line.steps[1]);
        let names: Vec<&str> = call.env.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["GIT_DIR", "A"]);
        assert_eq!(call.config, ["k=v"]);
    }
}
