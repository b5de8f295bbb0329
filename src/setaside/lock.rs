//! One run per worktree at a time: an advisory lock (flock) that the kernel releases when the
//! holder dies, so a leftover backup with a free lock means its run crashed. The holder writes
//! its process id into the lock file, so a waiter can tell a run that is working from one that
//! is suspended (Ctrl-Z, SIGSTOP) and would hold the lock for ever.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{Duration, Instant};

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
            // Who holds it, for a waiter to look at (best effort: the lock holds either way).
            let id = format!("{:<20}\n", std::process::id());
            let _ = file.write_all_at(id.as_bytes(), 0);
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

/// The outcome of waiting a bounded time for the lock.
#[derive(Debug)]
pub enum Wait {
    /// Taken.
    Acquired(WorktreeLock),
    /// Its holder (this process id) is suspended: waiting would last until someone resumes it.
    Suspended(u32),
    /// Still held after the wait (by this process, when it said).
    TimedOut(Option<u32>),
}

impl WorktreeLock {
    /// Takes the lock, waiting at most `wait`, and not at all while its holder is suspended.
    pub fn acquire_within(dir: &Path, wait: Duration) -> Result<Wait> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(lock) = WorktreeLock::try_acquire(dir)? {
                return Ok(Wait::Acquired(lock));
            }
            let holder = holder(dir);
            if let Some(pid) = holder.filter(|p| suspended(*p)) {
                return Ok(Wait::Suspended(pid));
            }
            if Instant::now() >= deadline {
                return Ok(Wait::TimedOut(holder));
            }
            if let Some(signal) = crate::process::interrupted() {
                bail!("interrupted (signal {signal}) while waiting for the worktree lock");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The process holding the lock in `dir`, as it wrote itself there.
fn holder(dir: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(dir.join("lock")).ok()?;
    text.trim().parse().ok()
}

/// Whether a process is stopped (`T` or `t` in `/proc/<pid>/stat`). Elsewhere than Linux, or
/// for a process that is gone, it is not.
fn suspended(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // `pid (comm) S ...`: the state follows the last `)` (comm may hold spaces and parens).
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .is_some_and(|state| state == "T" || state == "t")
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
