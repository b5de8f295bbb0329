//! One run per worktree at a time: an advisory lock (flock) that the kernel releases when the
//! holder dies, so a leftover backup with a free lock means its run crashed.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Held while a run may touch the worktree; released on drop (or by the kernel on death).
#[derive(Debug)]
pub struct WorktreeLock {
    _file: File,
}

impl WorktreeLock {
    /// Takes the lock, waiting (and saying so) while another run holds it.
    pub fn acquire(dir: &Path) -> Result<WorktreeLock> {
        if let Some(lock) = WorktreeLock::try_acquire(dir)? {
            return Ok(lock);
        }
        eprintln!("backstop: waiting for another backstop run in this worktree to finish…");
        // Polling, not a blocking flock, so that Ctrl-C still ends the wait at once.
        loop {
            std::thread::sleep(std::time::Duration::from_millis(100));
            if let Some(signal) = crate::process::interrupted() {
                bail!("interrupted (signal {signal}) while waiting for the worktree lock");
            }
            if let Some(lock) = WorktreeLock::try_acquire(dir)? {
                return Ok(lock);
            }
        }
    }

    /// Takes the lock if it is free.
    pub fn try_acquire(dir: &Path) -> Result<Option<WorktreeLock>> {
        let file = open(dir)?;
        // SAFETY: as above.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(Some(WorktreeLock { _file: file }));
        }
        let error = std::io::Error::last_os_error();
        if error.raw_os_error() == Some(libc::EWOULDBLOCK) {
            Ok(None)
        } else {
            Err(error).context("cannot lock the worktree")
        }
    }
}

fn open(dir: &Path) -> Result<File> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("lock"))
        .with_context(|| format!("cannot open the lock in {}", dir.display()))
}
