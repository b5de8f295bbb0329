//! Converting other hook managers' configs into gates: `.pre-commit-config.yaml`
//! ([`precommit`]), `lefthook.yml` ([`lefthook`]) and lint-staged ([`lintstaged`]). Every hook
//! is either converted or named with the reason it was not; nothing is dropped silently.
//! A check never rewrites files: a hook that fixes becomes a gate whose `run` checks and whose
//! `fix` fixes.

mod extglob;
mod lefthook;
mod lintstaged;
mod precommit;
mod pyregex;

use std::path::Path;

use super::{Detected, GateDraft};
use crate::config::ParserKind;
use crate::trigger::Trigger;

/// What the migration produced: gates grouped by the config they came from, and one line per
/// converted or unconverted item.
#[derive(Debug, Default)]
pub struct Migrated {
    /// Gates, one group per source config.
    pub projects: Vec<Detected>,
    /// `converted ...` / `not converted ...` lines for the person.
    pub lines: Vec<String>,
}

impl Migrated {
    fn converted(&mut self, source: &str, item: &str, gate: &str) {
        self.lines
            .push(format!("{source}: {item}: converted to gate `{gate}`"));
    }

    fn not_converted(&mut self, source: &str, item: &str, why: &str) {
        self.lines
            .push(format!("{source}: {item}: not converted: {why}"));
    }

    /// `name`, or `name-2`, `name-3`... when a gate converted before (or in `pending`) has it,
    /// so the line printed names the gate written.
    fn unique(&self, pending: &[GateDraft], name: &str) -> String {
        let taken = |candidate: &str| {
            self.projects
                .iter()
                .flat_map(|p| &p.gates)
                .chain(pending)
                .any(|g| g.name == candidate)
        };
        let mut candidate = name.to_owned();
        let mut n = 2;
        while taken(&candidate) {
            candidate = format!("{name}-{n}");
            n += 1;
        }
        candidate
    }

    fn add(&mut self, kind: &str, dir: &str, gates: Vec<GateDraft>) {
        if !gates.is_empty() {
            self.projects.push(Detected {
                kind: kind.to_owned(),
                dir: dir.to_owned(),
                gates,
            });
        }
    }
}

/// Every hook config found at `root`, converted. lint-staged configs are converted once, even
/// when a lefthook or husky hook is what runs lint-staged.
pub fn all(root: &Path) -> Migrated {
    let mut migrated = Migrated::default();
    precommit::convert(root, &mut migrated);
    lefthook::convert(root, &mut migrated);
    lintstaged::convert(root, &mut migrated);
    migrated
}

/// The triggers of a hook that ran on `stage`: a pre-commit check runs everywhere (the
/// default), a pre-push one everywhere but commits, a commit-msg one on commit-msg only.
fn triggers_for(stage: &str) -> Option<On> {
    match stage {
        "pre-commit" | "commit" | "pre-merge-commit" | "merge-commit" => Some(On::Default),
        "pre-push" | "push" => Some(On::Only(vec![
            Trigger::PrePush,
            Trigger::Stop,
            Trigger::Ci,
            Trigger::Manual,
        ])),
        "commit-msg" => Some(On::Only(vec![Trigger::CommitMsg])),
        "manual" => Some(On::Only(vec![Trigger::Manual])),
        _ => None,
    }
}

/// The `on` of a converted gate.
#[derive(Debug, Clone)]
enum On {
    /// The default triggers (every one but commit-msg).
    Default,
    /// Only these.
    Only(Vec<Trigger>),
}

impl On {
    fn value(&self) -> Option<Vec<Trigger>> {
        match self {
            On::Default => None,
            On::Only(triggers) => Some(triggers.clone()),
        }
    }
}

/// A word quoted for `sh` when it needs it.
fn quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=./:,@%+^".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Whether a hook's command runs backstop itself (its own wiring: never a gate, which would
/// run the gates from inside the gates).
fn runs_backstop(command: &str) -> bool {
    command
        .split_whitespace()
        .any(|w| w == "backstop" || w.ends_with("/backstop"))
}

/// A command as a gate: its check (never a rewriter: `Err` says why there is none) and fix.
fn split_fix(command: &str) -> Result<(String, Option<String>), String> {
    let forms = crate::init::rewriters::forms(command);
    Ok((forms.check?, forms.fix))
}

/// Biome commands report as GitHub annotations, which the regex parser reads.
fn biome_reporting(gate: &mut GateDraft) {
    let words: Vec<&str> = gate.gate.run.split_whitespace().collect();
    if words.iter().any(|w| *w == "biome" || w.ends_with("/biome"))
        && !gate.gate.run.contains("--reporter")
    {
        let at = words
            .iter()
            .position(|w| matches!(*w, "check" | "ci" | "lint" | "format"))
            .map_or(words.len(), |p| p + 1);
        let mut with = words[..at].to_vec();
        with.push("--reporter=github");
        with.extend(&words[at..]);
        gate.gate.run = with.join(" ");
        gate.gate.parser = Some(ParserKind::Regex);
        gate.gate.pattern = Some(
            r"^::(?P<severity>error|warning|notice) title=(?P<rule>[^,]*),file=(?P<file>[^,]+),line=(?P<line>\d+),endLine=\d+,col=(?P<col>\d+),endColumn=\d+::(?P<message>.*)$"
                .to_owned(),
        );
    }
}

/// The tool a command runs, as detection names it (`ruff check` → `ruff-check`), so that a
/// detected gate running the same tool in the same place is left out.
fn tool_of(command: &str) -> Option<String> {
    let words: Vec<&str> = command
        .split_whitespace()
        .filter(|w| {
            !matches!(
                *w,
                "npx" | "--no-install" | "pnpm" | "exec" | "yarn" | "bunx"
            )
        })
        .collect();
    let mut words = words.iter().map(|w| w.rsplit('/').next().unwrap_or(w));
    let first = words.next()?;
    let first = if first.starts_with("python") {
        words.by_ref().skip_while(|w| *w != "-m").nth(1)?
    } else {
        first
    };
    Some(match (first, words.next()) {
        ("ruff", Some("format")) => "ruff-format".to_owned(),
        ("ruff", _) => "ruff-check".to_owned(),
        ("npm" | "pnpm" | "yarn" | "bun", Some("run" | "run-script")) => {
            format!("script {}", words.next()?)
        }
        ("npm" | "pnpm" | "yarn" | "bun", Some(script)) => format!("script {script}"),
        (tool, _) => tool.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_flags_move_to_fix() {
        assert_eq!(
            split_fix("npx --no-install prettier --write --ignore-unknown"),
            Ok((
                "npx --no-install prettier --check --ignore-unknown".to_owned(),
                Some("npx --no-install prettier --write --ignore-unknown".to_owned())
            ))
        );
        assert_eq!(split_fix("eslint --fix").unwrap().0, "eslint");
        assert_eq!(
            split_fix("biome check --write --no-errors-on-unmatched")
                .unwrap()
                .0,
            "biome check --no-errors-on-unmatched"
        );
        assert_eq!(
            split_fix("codespell --write-changes --ignore-words-list=inout,te")
                .unwrap()
                .0,
            "codespell --ignore-words-list=inout,te"
        );
        assert_eq!(
            split_fix("npm run check"),
            Ok(("npm run check".to_owned(), None))
        );
        assert!(split_fix("pyupgrade --py310-plus").is_err());
        assert_eq!(
            tool_of(".venv/bin/python -m ruff format --check").as_deref(),
            Some("ruff-format")
        );
        assert_eq!(
            tool_of("npx --no-install eslint .").as_deref(),
            Some("eslint")
        );
    }
}
