//! What a command was asked, before gates.toml and the environment are applied: plain values
//! that `cli` fills from its flags and that hooks build for themselves.

use std::path::PathBuf;

use crate::plan::Shard;
use crate::render::Format;

/// Options every command takes.
#[derive(Debug, Clone, Default)]
pub struct GlobalOptions {
    /// `-C DIR`: run as if started there.
    pub directory: Option<PathBuf>,
    /// `--config FILE`: this gates.toml instead of the one at the worktree root.
    pub config: Option<PathBuf>,
    /// `-q`: only failures and the verdict.
    pub quiet: bool,
    /// `-v` (counted).
    pub verbose: u8,
    /// `--color`.
    pub color: ColorChoice,
}

/// When to use colours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Which files a run is about, as asked (`--all-files`, `--files`, `--from/--to`).
#[derive(Debug, Clone, Default)]
pub struct FileRequest {
    /// Every tracked file.
    pub all_files: bool,
    /// Exactly these files, as typed.
    pub files: Vec<PathBuf>,
    /// Compare from this revision...
    pub from: Option<String>,
    /// ...to this one.
    pub to: Option<String>,
}

/// How to run and report, as asked.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// `--gate`: run only these.
    pub gates: Vec<String>,
    /// `--skip`.
    pub skip: Vec<String>,
    /// Each `--format` with its `--output` (none: standard output).
    pub destinations: Vec<(Format, Option<PathBuf>)>,
    /// `--jobs`.
    pub jobs: Option<usize>,
    /// `--no-cache`.
    pub no_cache: bool,
    /// `--fail-fast`.
    pub fail_fast: bool,
    /// `--fix`.
    pub fix: bool,
    /// `--allow-protected`.
    pub allow_protected: bool,
    /// `ci --shard I/N`.
    pub shard: Option<Shard>,
    /// `ci --durations FILE`: an earlier JSON report whose durations balance the shards.
    pub durations: Option<PathBuf>,
}
