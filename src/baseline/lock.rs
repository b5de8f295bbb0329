//! One baseline computation per repository at a time: an advisory lock (flock) under the
//! baseline directory, released by the kernel if its holder dies. A run that needs a record
//! another run is computing waits for it rather than computing it twice.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Held while a baseline is computed.
#[derive(Debug)]
pub struct Lock {
    file: File,
}

impl Lock {
    /// Takes the lock, waiting (and saying so once) while another run holds it.
    pub fn acquire(dir: &Path) -> Result<Lock> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(dir.join("lock"))
            .with_context(|| format!("cannot open the baseline lock in {}", dir.display()))?;
        let mut said = false;
        loop {
            // SAFETY: flock on a descriptor this function owns; no memory is involved.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc == 0 {
                return Ok(Lock { file });
            }
            let error = std::io::Error::last_os_error();
            if error.raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Err(error).context("cannot lock the baseline");
            }
            if !said {
                eprintln!("backstop: waiting for the baseline another run is computing…");
                said = true;
            }
            // Polling, not a blocking flock, so that Ctrl-C still ends the wait at once.
            std::thread::sleep(std::time::Duration::from_millis(100));
            if let Some(signal) = crate::process::interrupted() {
                bail!("interrupted (signal {signal}) while waiting for the baseline");
            }
        }
    }

    /// Says which gates this computation runs (in the lock file), for [`Lock::computing`].
    pub fn announce(&self, names: &[String]) {
        let mut file = &self.file;
        let _ = file.set_len(0);
        let _ = file.write_all(names.join("\n").as_bytes());
    }

    /// Whether another run holds the lock now (a computation under way).
    pub fn busy(dir: &Path) -> bool {
        Lock::computing(dir).is_some()
    }

    /// The gates a computation under way runs, if one is under way.
    pub fn computing(dir: &Path) -> Option<Vec<String>> {
        let file = File::open(dir.join("lock")).ok()?;
        // SAFETY: as above; a shared probe released when `file` closes.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) };
        if rc == 0 {
            return None;
        }
        let mut text = String::new();
        let _ = (&file).read_to_string(&mut text);
        Some(text.lines().map(str::to_owned).collect())
    }
}
