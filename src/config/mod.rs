//! gates.toml: the serde types, their defaults, and loading with located errors.
//!
//! Doc comments on fields feed the generated JSON Schema (`backstop config schema`).

mod error;
mod load;
mod locate;
mod validate;

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::finding::FindingKind;
use crate::trigger::Trigger;

pub use error::{ConfigError, ConfigErrors};
pub use load::{load_file, parse_in, parse_str};
pub use validate::PROTECTED_GATE;

/// The file name backstop looks for at the root of the worktree.
pub const FILE_NAME: &str = "gates.toml";

/// The largest gates.toml backstop reads (1 MiB): far beyond any real config, and small enough
/// that reading one costs nothing.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// The longest `run`, `fix` or environment entry (`NAME=value`) the OS passes to a process:
/// Linux takes at most 128 KiB in one argument or variable (`MAX_ARG_STRLEN`), so `sh -c` could
/// never start a longer one.
pub const MAX_ARGUMENT_BYTES: usize = 128 * 1024 - 64;

/// The timeout of a gate that does not set one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_mins(10);

/// The whole of gates.toml.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "backstop gates.toml")]
pub struct GatesConfig {
    /// Settings that apply to every gate.
    #[serde(default)]
    pub settings: SettingsConfig,
    /// The gates, by name. Each is a shell command that passes on exit 0.
    #[serde(default)]
    pub gates: IndexMap<String, GateConfig>,
    /// The built-in protected gate; active only when this table exists.
    #[serde(default)]
    pub protect: Option<ProtectConfig>,
}

/// `[settings]`: behaviour shared by all gates.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SettingsConfig {
    /// Default base for stop, ci, manual and new branches on pre-push (a ref or commit).
    pub base: String,
    /// Gates run at once; 0 means the number of available cores.
    pub jobs: usize,
    /// Stop starting gates after the first failure.
    pub fail_fast: bool,
    /// Reuse passes whose inputs did not change.
    pub cache: bool,
    /// pre-commit runs each gate's `fix` first, then re-stages.
    pub fix: bool,
    /// pre-commit also sets untracked files aside while gates run.
    pub hide_untracked: bool,
    /// Cap on the lines of the agent feedback text.
    pub feedback_lines: usize,
    /// Blocks in a row on an unchanged failure before an agent may stop.
    pub stop_retries: u32,
    /// The default of every gate's `only_new`: fail only on problems absent at the base.
    pub only_new: bool,
    /// Gate processes at once across every worktree and repository of this user on this
    /// machine; 0 means the number of available cores.
    pub machine_jobs: usize,
}

impl Default for SettingsConfig {
    fn default() -> Self {
        SettingsConfig {
            base: "origin/main".to_owned(),
            jobs: 0,
            fail_fast: false,
            cache: true,
            fix: false,
            hide_untracked: false,
            feedback_lines: 60,
            stop_retries: 5,
            only_new: false,
            machine_jobs: 0,
        }
    }
}

/// `[gates.NAME]`: one check.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    /// The command, run with `sh -c` in the gate's `cwd`. The gate passes on exit 0.
    /// Required unless `builtin` names a check built into backstop.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub run: String,
    /// A check built into backstop instead of `run`, with its options:
    /// "trailing-whitespace", "end-of-file", "merge-conflict", "large-files --maxkb=500",
    /// "private-key", "yaml", "json", "toml", "mixed-line-ending --fix=auto",
    /// "case-conflict", "byte-order-marker", "debug-statements".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builtin: Option<String>,
    /// Globs; the gate runs only when the file set touches one of them. Absent: any file.
    /// A pattern without `/` matches a file name at any depth.
    #[serde(default)]
    pub files: Option<Vec<String>>,
    /// Globs of files that are never the gate's, even when `files` matches them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<Vec<String>>,
    /// A regular expression the path (relative to `cwd`) must match, as pre-commit's `files`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files_regex: Option<String>,
    /// A regular expression of paths (relative to `cwd`) that are never the gate's, as
    /// pre-commit's `exclude`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_regex: Option<String>,
    /// Triggers this gate runs on. Default: every trigger except commit-msg.
    #[serde(default)]
    pub on: Option<Vec<Trigger>>,
    /// How to read diagnostics (file, line, message) from the gate's output.
    #[serde(default)]
    pub parser: Option<ParserKind>,
    /// For `parser = "regex"`: a regex with named groups file, line, col, severity, message.
    /// Without it, `regex` reads the default `path:line[:col]: [severity:] message` lines.
    #[serde(default)]
    pub pattern: Option<String>,
    /// The file the command writes its results to, relative to `cwd`: required with
    /// `parser = "junit"`; with `sarif`, `checkstyle` or `rdjson`, read instead of the output.
    #[serde(default)]
    pub report: Option<String>,
    /// Gates that must finish before this one starts; otherwise gates run in parallel.
    #[serde(default)]
    pub after: Vec<String>,
    /// How long the gate may run, like "90s", "5m" or "1h30m". Default 10m. The whole
    /// process group is killed when it runs out.
    #[serde(default)]
    #[schemars(regex(pattern = r"^\s*[0-9]"))]
    pub timeout: Option<String>,
    /// Extra environment variables for the command.
    #[serde(default)]
    pub env: IndexMap<String, String>,
    /// Working directory, relative to the worktree root. Globs and passed files are
    /// relative to it; files outside it are ignored.
    #[serde(default)]
    pub cwd: Option<String>,
    /// Append the matching files as arguments, batched under the OS argument limit.
    #[serde(default)]
    pub pass_files: bool,
    /// Globs whose content forms the cache key. Default: the whole target tree.
    #[serde(default)]
    pub inputs: Option<Vec<String>>,
    /// A command that fixes what `run` checks (run first with `--fix` or `settings.fix`).
    #[serde(default)]
    pub fix: Option<String>,
    /// Pass when every problem the gate reports already existed at the base (same file, rule
    /// and message, lines followed through the diff); any new problem fails. A failure with
    /// no located problem stands. Default: `settings.only_new`.
    #[serde(default)]
    pub only_new: Option<bool>,
}

impl GateConfig {
    /// The triggers the gate runs on, with the default applied.
    pub fn triggers(&self) -> Vec<Trigger> {
        self.on.clone().unwrap_or_else(Trigger::default_on)
    }

    /// `cwd` as a clean relative path (`./web/` → `web`); `None` for the worktree root.
    pub fn cwd_path(&self) -> Option<PathBuf> {
        let cleaned: PathBuf = Path::new(self.cwd.as_deref()?)
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect();
        (!cleaned.as_os_str().is_empty()).then_some(cleaned)
    }

    /// Which of the paths (relative to `cwd`) are the gate's: `files` and `files_regex` (when
    /// set) match, `exclude` and `exclude_regex` do not. Validation reports bad patterns first.
    pub fn file_filter(&self) -> Result<crate::glob::FileFilter, String> {
        crate::glob::FileFilter::new(
            self.files.as_deref(),
            self.exclude.as_deref(),
            self.files_regex.as_deref(),
            self.exclude_regex.as_deref(),
        )
    }

    /// The timeout, with the default applied. Validation guarantees the string parses.
    pub fn timeout(&self) -> Duration {
        self.timeout
            .as_deref()
            .and_then(|t| parse_duration(t).ok())
            .unwrap_or(DEFAULT_TIMEOUT)
    }
}

/// The diagnostic parsers a gate can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ParserKind {
    /// `cargo ... --message-format=json` (build, clippy, test).
    Cargo,
    /// The TypeScript compiler.
    Tsc,
    /// `eslint --format json`.
    Eslint,
    /// pytest's plain output.
    Pytest,
    /// mypy's output, plain or `pretty = true`, with notes and error codes.
    Mypy,
    /// `go vet` and `go test -json`.
    Go,
    /// Playwright's JSON reporter.
    Playwright,
    /// A `JUnit` XML file named by `report`.
    Junit,
    /// SARIF 2.1.0 (semgrep, ruff, clippy-sarif, `CodeQL`, eslint's SARIF formatter...), from
    /// the output or `report`.
    Sarif,
    /// Checkstyle XML (ktlint, detekt, golangci-lint, phpcs, shellcheck...), from the output
    /// or `report`.
    Checkstyle,
    /// reviewdog's diagnostic format (rdjson or rdjsonl), from the output or `report`.
    Rdjson,
    /// A user `pattern`.
    Regex,
    /// No diagnostics; the tail of the output is shown.
    None,
}

/// `[protect]`: the built-in protected gate.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtectConfig {
    /// Globs of test files, in addition to the usual test locations of each language.
    #[serde(default)]
    pub tests: Option<Vec<String>>,
    /// Globs of files whose every change is a finding. Default: gates.toml and agent hook configs.
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    /// Globs of files the protected gate never looks at (generated tests, vendored code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<Vec<String>>,
    /// Finding kinds not to report.
    #[serde(default)]
    pub allow: Vec<FindingKind>,
    /// Triggers the protected gate runs on. Default: every trigger except commit-msg.
    #[serde(default)]
    pub on: Option<Vec<Trigger>>,
}

/// Parses a duration such as "90s", "5m", "1h30m" or "500ms".
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text.trim()).map_err(|e| e.to_string())?;
    if duration.is_zero() {
        return Err("a timeout of zero would kill every gate at once".to_owned());
    }
    Ok(duration)
}

/// The JSON Schema of gates.toml, as `backstop config schema` prints it.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(GatesConfig)).expect("a schema is plain JSON")
}

/// The gate name closest to a typo, if one is close enough.
pub fn nearest_gate<'a>(config: &'a GatesConfig, typo: &str) -> Option<&'a str> {
    error::nearest(typo, config.gates.keys().map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_zero_is_refused() {
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_mins(5));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_mins(90));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("five minutes").is_err());
        assert!(parse_duration("10").is_err());
    }
}
