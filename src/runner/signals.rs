//! Ctrl-C, SIGTERM and SIGHUP: hand the signal to the process layer, which stops every running
//! gate's group, then let the run unwind normally so restore code and reports still run.

use std::sync::OnceLock;

use anyhow::{Context, Result};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

pub use crate::process::interrupted;

static INSTALLED: OnceLock<()> = OnceLock::new();

/// Starts the signal thread once per process.
pub fn install() -> Result<()> {
    if INSTALLED.get().is_some() {
        return Ok(());
    }
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .context("cannot install signal handlers")?;
    let _ = INSTALLED.set(());
    std::thread::spawn(move || {
        for signal in signals.forever() {
            crate::process::interrupt(signal);
        }
    });
    Ok(())
}

/// The exit status for an interrupted run: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.
pub fn exit_status(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(130)
}
