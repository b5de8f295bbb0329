//! Renderers: turn a report into what a person or a program reads.

pub mod human;
pub mod json;

use std::io::Write;

use anyhow::{Context, Result};

use crate::report::Report;

/// An output format of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The human summary (default).
    Human,
    /// The versioned JSON report (schema/report.schema.json).
    Json,
}

/// Where a rendered format goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Standard output.
    Stdout,
    /// A file (created or replaced).
    File(std::path::PathBuf),
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
