//! Ctrl-C, SIGTERM and SIGHUP: stop every running gate's process group, then let the run
//! unwind normally so restore code and reports still run. Exit status 128 + signal.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, OnceLock};

use anyhow::{Context, Result};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

use crate::process::{KILL_GRACE, kill_group};

static GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());
static INTERRUPTED: AtomicI32 = AtomicI32::new(0);
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
            let first = INTERRUPTED
                .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok();
            if first {
                signal_all(libc::SIGTERM);
                std::thread::spawn(|| {
                    std::thread::sleep(KILL_GRACE);
                    signal_all(libc::SIGKILL);
                });
            } else {
                // A second Ctrl-C means now.
                signal_all(libc::SIGKILL);
            }
        }
    });
    Ok(())
}

/// The signal that interrupted the run, if any.
pub fn interrupted() -> Option<i32> {
    match INTERRUPTED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// The exit status for an interrupted run: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.
pub fn exit_status(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(130)
}

/// Keeps a process group on the list of groups to stop on a signal while it lives.
pub struct Registration(i32);

/// Puts a running group on the list; dropping the registration takes it off.
pub fn register(pgid: i32) -> Registration {
    lock().push(pgid);
    if interrupted().is_some() {
        // Started in the instant the signal arrived: stop it too.
        kill_group(pgid, libc::SIGTERM);
    }
    Registration(pgid)
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock().retain(|g| *g != self.0);
    }
}

fn signal_all(signal: i32) {
    for pgid in lock().iter() {
        kill_group(*pgid, signal);
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<i32>> {
    GROUPS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
