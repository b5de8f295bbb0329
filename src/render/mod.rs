//! Renderers: turn a report into what a person, a program, a CI system or an agent reads.

pub mod agent;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod machine;
pub mod problems;
pub mod sarif;

use std::io::Write;

use anyhow::{Context, Result};

use crate::report::Report;

/// An output format of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The human summary (default).
    Human,
    /// The versioned JSON report (schema/report.schema.json).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// `JUnit` XML: a testcase per gate.
    Junit,
    /// GitHub Actions annotations (and `$GITHUB_STEP_SUMMARY`).
    Github,
    /// The feedback text for a coding agent.
    Agent,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 6] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Github,
        Format::Agent,
    ];

    /// The name `--format` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Agent => "agent",
        }
    }
}

/// How to render: the human style and the agent text's cap.
#[derive(Debug, Clone, Copy)]
pub struct RenderSettings {
    /// Colour and verbosity of the human format.
    pub style: human::Style,
    /// Lines of the agent feedback text at most (`settings.feedback_lines`).
    pub feedback_lines: usize,
}

/// Where a rendered format goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Standard output.
    Stdout,
    /// A file (created or replaced).
    File(std::path::PathBuf),
}

/// Prints a line on stdout; a closed pipe (`| head`) ends the output quietly, never a panic.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::render::say_line(&format!($($arg)*))
    };
}

/// The function behind [`say!`].
pub fn say_line(text: &str) {
    let mut out = std::io::stdout().lock();
    // Nobody is left to tell about a failed write to stdout; the exit status still speaks.
    let _ = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"));
}

/// Renders `report` in `format` into bytes.
pub fn render(format: Format, report: &Report, settings: &RenderSettings) -> Vec<u8> {
    match format {
        Format::Human => human::summary(report, &settings.style).into_bytes(),
        Format::Json => json::render(report),
        // Only JSON carries the old problems of `only_new` gates (marked `at_base`).
        Format::Sarif => sarif::render(&report.shown()),
        Format::Junit => junit::render(&report.shown()),
        Format::Github => github::render(&report.shown()),
        Format::Agent => agent::render(report, settings.feedback_lines).into_bytes(),
    }
}

/// Appends to a file, creating it (`$GITHUB_STEP_SUMMARY` collects every step's summary).
pub fn append(path: &std::path::Path, text: &str) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Writes one rendered format to its destination.
pub fn write(destination: &Destination, bytes: &[u8]) -> Result<()> {
    match destination {
        Destination::Stdout => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|()| out.flush()) {
                // A closed pipe (`| head`) is the reader's choice, not our failure.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to standard output"),
            }
        }
        Destination::File(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
        }
    }
}
