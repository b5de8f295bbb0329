//! Renderers: turn a report into what a person or a program reads.

pub mod human;
pub mod json;

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
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 2] = [Format::Human, Format::Json];

    /// The name `--format` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
        }
    }
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
pub fn render(format: Format, report: &Report, style: &human::Style) -> Vec<u8> {
    match format {
        Format::Human => human::summary(report, style).into_bytes(),
        Format::Json => json::render(report),
    }
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
