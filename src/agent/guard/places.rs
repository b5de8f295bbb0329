//! The places an agent must not write, and how a written name is resolved to one: the git
//! directory (every file in it: hooks, refs, `HEAD`, attributes, config, backstop's state),
//! `protect.paths`, the agents' hook configs and git's user config, the shell start-up files the
//! hooks' shells read, and backstop's own binary (and any file named `backstop` on `PATH`).

use std::path::{Component, Path, PathBuf};

use super::GuardContext;
use crate::agent::shell::{NAME, SPLIT, UNKNOWN};

/// Files under the home directory that shells read before running a hook's command.
const STARTUP_FILES: [&str; 11] = [
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".kshrc",
    ".mkshrc",
    ".config/fish",
];

/// The git hooks that gate a change: a file of these names is a hook wherever it is.
pub(super) const GATING_HOOKS: [&str; 8] = [
    "pre-commit",
    "pre-merge-commit",
    "prepare-commit-msg",
    "commit-msg",
    "pre-push",
    "pre-applypatch",
    "applypatch-msg",
    "pre-rebase",
];

/// git's user-wide config files (they can set `core.hooksPath` for every repository).
const GIT_HOME: [&str; 2] = [".gitconfig", ".config/git/config"];

/// The most entries looked at under a removed directory for protected files.
const WALK_LIMIT: usize = 4_000;

/// A name an agent writes, resolved as far as it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    /// A path; components after the known start may hold unknown parts.
    Known(PathBuf),
    /// Only the end is known (`$DIR/hooks/pre-commit`): unknown parts as [`UNKNOWN`].
    Tail(String),
    /// Nothing is known.
    Unknown,
}

/// Where things are, for one tool call.
pub(super) struct Places<'a> {
    pub context: &'a GuardContext<'a>,
    roots: Vec<PathBuf>,
    git_dirs: Vec<PathBuf>,
    home: Option<PathBuf>,
    path_dirs: Vec<PathBuf>,
    binaries: Vec<PathBuf>,
}

fn marked(text: &str) -> bool {
    crate::agent::shell::unknown(text)
}

/// `a/./b/../c` → `a/c`, without touching the disk.
pub(super) fn normalise(path: &Path) -> PathBuf {
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

/// The path with symlinks of the part that exists resolved (what a write really reaches).
fn resolved(path: &Path) -> Option<PathBuf> {
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return Some(out);
        }
        rest.push(existing.file_name()?.to_owned());
        existing = existing.parent()?;
    }
}

impl<'a> Places<'a> {
    pub fn new(context: &'a GuardContext<'a>) -> Places<'a> {
        let both = |p: &Path| {
            let mut v = vec![normalise(p)];
            if let Ok(real) = p.canonicalize()
                && !v.contains(&real)
            {
                v.push(real);
            }
            v
        };
        let roots = both(context.root);
        let mut git_dirs: Vec<PathBuf> = context.git_dirs.iter().flat_map(|d| both(d)).collect();
        for root in &roots {
            git_dirs.push(root.join(".git"));
        }
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        let path_dirs: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|d| d.is_absolute())
            .flat_map(|d| both(&d))
            .collect();
        let mut binaries: Vec<PathBuf> = std::env::current_exe()
            .ok()
            .into_iter()
            .flat_map(|b| both(&b))
            .collect();
        for dir in &path_dirs {
            let candidate = dir.join("backstop");
            if candidate.exists() {
                binaries.extend(both(&candidate));
            }
        }
        Places {
            context,
            roots,
            git_dirs,
            home,
            path_dirs,
            binaries,
        }
    }

    /// The backstop binaries the hooks may run (for telling a copy of backstop by its path).
    pub fn binaries(&self) -> &[PathBuf] {
        &self.binaries
    }

    /// `PATH`'s directories.
    pub fn path_dirs(&self) -> &[PathBuf] {
        &self.path_dirs
    }

    /// Resolves a word naming a file, in `cwd` (`None`: not known).
    #[expect(
        clippy::unused_self,
        reason = "asked of the places, beside what they say about the target"
    )]
    pub fn target(&self, cwd: Option<&Path>, word: &str) -> Target {
        if word.is_empty() {
            return Target::Unknown;
        }
        let starts_unknown = word.starts_with([UNKNOWN, NAME, SPLIT]);
        if starts_unknown || (cwd.is_none() && !word.starts_with('/')) {
            let tail = word.trim_start_matches([UNKNOWN, NAME, SPLIT]);
            return if tail.trim_matches('/').is_empty() && starts_unknown {
                Target::Unknown
            } else {
                Target::Tail(word.to_owned())
            };
        }
        let path = Path::new(word);
        let full = match cwd {
            Some(cwd) if path.is_relative() => cwd.join(path),
            _ => path.to_path_buf(),
        };
        Target::Known(normalise(&full))
    }

    /// Why writing `target` is denied, if it is.
    pub fn written(&self, target: &Target) -> Option<String> {
        match target {
            Target::Known(path) => globbed(path)
                .iter()
                .find_map(|p| {
                    self.sensitive(p)
                        .or_else(|| resolved(p).and_then(|r| self.sensitive(&r)))
                })
                .or_else(|| {
                    // A known directory with an unknown part below it: what follows counts too.
                    let text = path.to_string_lossy();
                    marked(&text).then(|| self.sensitive_tail(&text)).flatten()
                }),
            Target::Tail(tail) => self.sensitive_tail(tail),
            Target::Unknown => None,
        }
    }

    /// Why removing or moving `target` away is denied: writing it, or removing a directory that
    /// holds a place the gates need.
    pub fn removed(&self, target: &Target) -> Option<String> {
        if let Some(reason) = self.written(target) {
            return Some(reason);
        }
        let Target::Known(path) = target else {
            return None;
        };
        globbed(path)
            .iter()
            .flat_map(|p| [Some(p.clone()), resolved(p)])
            .flatten()
            .find_map(|p| self.holds_sensitive(&p))
    }

    fn inside_git_dir(&self, path: &Path) -> bool {
        self.git_dirs.iter().any(|d| path.starts_with(d))
            || self.roots.iter().any(|root| {
                path.strip_prefix(root)
                    .is_ok_and(|rel| rel.components().any(|c| c.as_os_str() == ".git"))
            })
    }

    /// Why `path` must not be written, if it must not.
    fn sensitive(&self, path: &Path) -> Option<String> {
        if self.inside_git_dir(path) {
            return Some(format!(
                "backstop: {} is inside the git directory (hooks, refs, HEAD, attributes, config, \
                 backstop's own state), which the gates stand on. Leave it to git and backstop; fix \
                 the code so the gates pass.",
                path.display()
            ));
        }
        if self.binaries.iter().any(|b| b == path)
            || (path.file_name().is_some_and(|n| n == "backstop")
                && path
                    .parent()
                    .is_some_and(|d| self.path_dirs.iter().any(|p| p == d)))
        {
            return Some(format!(
                "backstop: {} is the backstop the hooks run (or would be found on PATH before it). \
                 Leave it as it is; fix the code so the gates pass.",
                path.display()
            ));
        }
        if let Some(reason) = self.configures_hooks(path) {
            return Some(reason);
        }
        self.roots.iter().find_map(|root| {
            let relative = path.strip_prefix(root).ok()?;
            self.context
                .protected
                .is_match(relative)
                .then(|| protected_reason(relative))
        })
    }

    /// Whether `path` is one of the user's shell start-up files (which the guard keeps agents
    /// from writing, so what they hold is the person's).
    pub fn startup_file(&self, path: &Path) -> bool {
        self.home
            .as_ref()
            .and_then(|h| path.strip_prefix(h).ok())
            .is_some_and(|r| STARTUP_FILES.iter().any(|s| r.starts_with(s)))
    }

    /// Where agents read their hooks, git its user config, and shells their start-up files.
    fn configures_hooks(&self, path: &Path) -> Option<String> {
        let project_files = crate::agent::ALL.iter().flat_map(|a| a.project_files());
        let in_project = self.roots.iter().any(|root| {
            path.strip_prefix(root)
                .is_ok_and(|r| project_files.clone().any(|p| r.starts_with(p)))
        });
        let home_relative = self.home.as_ref().and_then(|h| path.strip_prefix(h).ok());
        let in_home = home_relative.is_some_and(|r| {
            crate::agent::ALL
                .iter()
                .flat_map(|a| a.home_files())
                .chain(&GIT_HOME)
                .any(|p| r == Path::new(p))
        });
        let startup = home_relative.is_some_and(|r| STARTUP_FILES.iter().any(|s| r.starts_with(s)))
            || ["BASH_ENV", "ENV", "ZDOTDIR"]
                .iter()
                .filter_map(std::env::var_os)
                .any(|v| path.starts_with(Path::new(&v)));
        if in_project || in_home {
            return Some(format!(
                "backstop: {} configures the agent's hooks or git itself; changing it could switch \
                 the gates off. Leave it as it is, or ask the person to make this change.",
                path.display()
            ));
        }
        startup.then(|| {
            format!(
                "backstop: {} is read by the shells the hooks run in; changing it could change what \
                 the hooks run. Leave it as it is, or ask the person to make this change.",
                path.display()
            )
        })
    }

    /// Why a name of which only the end is known must not be written, if it could be a place.
    fn sensitive_tail(&self, tail: &str) -> Option<String> {
        let parts: Vec<&str> = tail
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        let known_from = parts.iter().rposition(|p| marked(p)).map_or(0, |at| at + 1);
        let known = &parts[known_from..];
        let shown = tail.replace([UNKNOWN, NAME, SPLIT], "…");
        let git_file = parts.contains(&".git")
            || (known_from > 0 && known.last().is_some_and(|l| GATING_HOOKS.contains(l)))
            || match known {
                ["hooks" | "refs" | "backstop", ..] => true,
                ["info", "attributes" | "exclude"] | ["packed-refs" | "HEAD" | "config"] => {
                    known_from > 0
                }
                _ => false,
            };
        if git_file {
            return Some(format!(
                "backstop: {shown} could be inside the git directory (hooks, refs, HEAD, attributes, \
                 config, backstop's own state), which the gates stand on. Name the file outright if \
                 it is elsewhere; do not change the git directory."
            ));
        }
        if known.last() == Some(&"backstop") && known_from > 0 {
            return Some(format!(
                "backstop: {shown} could be the backstop the hooks run. Leave it as it is."
            ));
        }
        let joined_from = |i: usize| known[i..].join("/");
        let project = crate::agent::ALL
            .iter()
            .flat_map(|a| a.project_files())
            .chain(&GIT_HOME)
            .chain(&STARTUP_FILES);
        let configures = project
            .clone()
            .any(|p| (0..known.len()).any(|i| joined_from(i) == *p));
        let protected =
            (0..known.len()).any(|i| self.context.protected.is_match(Path::new(&joined_from(i))));
        (configures || protected).then(|| {
            format!(
                "backstop: {shown} could be a protected file or one that configures the hooks \
                 (protect.paths in gates.toml, the agents' hook files, git's and the shell's \
                 start-up files). Name the file outright if it is another one; a protected file \
                 needs a person's approval to change."
            )
        })
    }

    /// A directory that holds a place the gates need (removing or moving it removes that).
    fn holds_sensitive(&self, dir: &Path) -> Option<String> {
        let needed =
            self.git_dirs
                .iter()
                .chain(&self.binaries)
                .cloned()
                .chain(self.roots.iter().flat_map(|root| {
                    crate::agent::ALL
                        .iter()
                        .flat_map(|a| a.project_files())
                        .map(|p| root.join(p))
                        .chain([root.join(crate::config::FILE_NAME)])
                        .collect::<Vec<_>>()
                }));
        if let Some(place) = needed
            .into_iter()
            .find(|p| p.starts_with(dir) && p != dir && p.exists())
        {
            return Some(format!(
                "backstop: {} holds {}, which the gates need. Remove or move only what you mean to.",
                dir.display(),
                place.display()
            ));
        }
        // Protected files below it, as far as a short walk finds them.
        let root = self.roots.iter().find(|r| dir.starts_with(r))?;
        let mut stack = vec![dir.to_path_buf()];
        let mut seen = 0;
        while let Some(current) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&current) else {
                continue;
            };
            for entry in entries.flatten() {
                seen += 1;
                if seen > WALK_LIMIT {
                    return None;
                }
                let path = entry.path();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    if entry.file_name() != ".git" {
                        stack.push(path);
                    }
                } else if let Ok(relative) = path.strip_prefix(root)
                    && self.context.protected.is_match(relative)
                {
                    return Some(format!(
                        "backstop: {} holds {}, which is protected (protect.paths in gates.toml). \
                         Remove or move only what you mean to; a protected file needs a person's \
                         approval to change.",
                        dir.display(),
                        relative.display()
                    ));
                }
            }
        }
        None
    }
}

/// A path with shell patterns (`.g*`, `*.toml`) matched against the disk, plus itself.
fn globbed(path: &Path) -> Vec<PathBuf> {
    let text = path.to_string_lossy();
    let mut out = vec![path.to_path_buf()];
    if !text.contains(['*', '?', '[']) {
        return out;
    }
    let mut current = vec![PathBuf::from("/")];
    for part in path.components().skip(1) {
        let name = part.as_os_str().to_string_lossy();
        if !name.contains(['*', '?', '[']) {
            for p in &mut current {
                p.push(name.as_ref());
            }
            continue;
        }
        let Ok(glob) = globset::GlobBuilder::new(&name)
            .literal_separator(true)
            .build()
            .map(|g| g.compile_matcher())
        else {
            return out;
        };
        let mut next = Vec::new();
        for dir in &current {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten().take(WALK_LIMIT) {
                let file = entry.file_name();
                let file = file.to_string_lossy();
                if (!file.starts_with('.') || name.starts_with('.')) && glob.is_match(&*file) {
                    next.push(dir.join(&*file));
                }
            }
        }
        current = next;
        if current.len() > WALK_LIMIT {
            break;
        }
    }
    out.extend(current);
    out
}

/// The reason for a protected path (the wording agents and people already know).
pub(super) fn protected_reason(relative: &Path) -> String {
    format!(
        "backstop: {} is protected (protect.paths in gates.toml): changing it needs a person's approval. \
         Leave it as it is, or ask the person to make this change.",
        relative.display()
    )
}
