//! Single flight: a gate about to run with a cache key that another run (another worktree or
//! process) is already running waits for that result instead of running it again; if that run
//! fails or dies, it runs the gate itself. Twin gates of one run (the same definition and
//! files) both run, as they always did.
//!
//! The runner of a key holds an exclusive `flock` on `<common>/backstop/flights/<key>.lock`
//! from before it waits for a job slot until its pass is stored (the kernel drops it if the
//! runner dies). A waiter holds a shared lock on `<key>.wait` and polls the flight; once it
//! gets it, it looks in the cache again. Passes are stored when a run ends, so a run holding a
//! finished pass checks the `.wait` files of its flights while its other gates run and, when
//! someone waits, stores its passes early and lets go: two runs waiting on each other's gates
//! never wait for each other's end. Lock files are unlinked by the releasing holder; whoever
//! locks one checks that it is still the file at its path, else opens it again.

use std::collections::HashSet;
use std::fs::{File, TryLockError};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::budget::{Holder, POLL, open};
use crate::process::interrupted;

/// Lock files older than this are leftovers of crashed runs when nobody holds them.
const STALE: Duration = Duration::from_hours(24);

/// The flights of one run: where they live and the finished passes it still holds.
#[derive(Debug)]
pub struct Flights {
    dir: PathBuf,
    held: Mutex<Vec<Flight>>,
    /// Keys this run leads: a twin gate of the same run does not wait for its twin.
    led: Mutex<HashSet<String>>,
}

/// The right to run the gate of one key; dropping it lets the next waiter in.
#[derive(Debug)]
pub struct Flight {
    lock: File,
    dir: PathBuf,
    key: String,
}

/// How boarding a flight ended.
#[derive(Debug)]
pub enum Boarded {
    /// Run the gate (holding the flight, when one could be taken).
    Lead(Option<Flight>),
    /// The run that held the flight stored a pass: the gate need not run. The holder last
    /// seen, if any.
    Answered(Option<Holder>),
    /// The run was interrupted while waiting.
    Interrupted,
}

impl Flights {
    /// The flights of the repository whose git common dir is `common_dir`.
    pub fn new(common_dir: &Path) -> Flights {
        Flights {
            dir: common_dir.join("backstop").join("flights"),
            held: Mutex::new(Vec::new()),
            led: Mutex::new(HashSet::new()),
        }
    }

    /// Takes the flight of `key` for `me`, waiting while another run holds it. `waiting`
    /// hears the holder when the wait starts or the holder changes; `answered` says whether
    /// the cache has a pass for `key` now (asked once the flight is taken).
    pub fn board(
        &self,
        key: &str,
        me: &Holder,
        mut waiting: impl FnMut(Option<&Holder>),
        answered: impl Fn() -> bool,
        until: Option<std::time::Instant>,
    ) -> Boarded {
        let first = self
            .led
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key.to_owned());
        if !first || std::fs::create_dir_all(&self.dir).is_err() {
            return Boarded::Lead(None);
        }
        let lock_path = self.dir.join(format!("{key}.lock"));
        let wait_path = self.dir.join(format!("{key}.wait"));
        let mut announced: Option<Option<Holder>> = None;
        let mut waiter: Option<File> = None;
        loop {
            if interrupted().is_some() {
                return Boarded::Interrupted;
            }
            match lock_at(&lock_path, false) {
                Ok(Some(lock)) => {
                    drop(waiter);
                    let flight = Flight {
                        lock,
                        dir: self.dir.clone(),
                        key: key.to_owned(),
                    };
                    if answered() {
                        return Boarded::Answered(announced.flatten());
                    }
                    me.write_to(&flight.lock);
                    return Boarded::Lead(Some(flight));
                }
                Ok(None) => {}
                // Single flight saves work; it must never stop a gate from running.
                Err(_) => return Boarded::Lead(None),
            }
            // Past `until` (a Stop hook's margin), the gate runs itself.
            if until.is_some_and(|until| std::time::Instant::now() >= until) {
                return Boarded::Lead(None);
            }
            if waiter.is_none() {
                waiter = lock_at(&wait_path, true).ok().flatten();
            }
            let holder = File::open(&lock_path)
                .ok()
                .and_then(|mut f| Holder::from_file(&mut f));
            if announced.as_ref() != Some(&holder) {
                waiting(holder.as_ref());
                announced = Some(holder);
            }
            std::thread::sleep(POLL);
        }
    }

    /// Keeps a finished pass's flight until its pass is stored.
    pub fn hold(&self, flight: Flight) {
        self.held().push(flight);
    }

    /// When another run waits for a pass this run holds: `confirm` (which stores this run's
    /// passes so far, if the content did not change), then let every held flight go.
    pub fn serve_waiters(&self, confirm: &dyn Fn()) {
        let mut held = self.held();
        if held.iter().any(Flight::has_waiters) {
            confirm();
            held.clear();
        }
    }

    /// Lets every held flight go (once the run's passes are stored), and removes lock files
    /// that crashed runs left behind.
    pub fn release_all(&self) {
        self.held().clear();
        prune(&self.dir);
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Vec<Flight>> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Flight {
    fn path(&self, suffix: &str) -> PathBuf {
        self.dir.join(format!("{}.{suffix}", self.key))
    }

    /// Whether another run holds the shared lock of this key's `.wait` file.
    fn has_waiters(&self) -> bool {
        let Ok(file) = File::open(self.path("wait")) else {
            return false;
        };
        matches!(file.try_lock(), Err(TryLockError::WouldBlock))
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        // Unlinked while still locked: a waiter that locks the old file sees it is gone.
        let wait = self.path("wait");
        if let Ok(Some(_nobody)) = lock_at_existing(&wait) {
            let _ = std::fs::remove_file(&wait);
        }
        let _ = std::fs::remove_file(self.path("lock"));
        // Unlocked, not only closed: a gate being spawned in another thread holds a copy of
        // every descriptor until its exec, and the lock would live on in that copy.
        let _ = self.lock.unlock();
    }
}

/// Locks the file at `path` (created if missing) without blocking: exclusive, or shared.
/// `None` when someone else holds it. The lock is on the file that is at `path` when it is
/// taken (a holder unlinks it before letting go).
fn lock_at(path: &Path, shared: bool) -> std::io::Result<Option<File>> {
    loop {
        let file = open(path)?;
        let locked = if shared {
            file.try_lock_shared()
        } else {
            file.try_lock()
        };
        match locked {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(error)) => return Err(error),
        }
        if same_file(&file, path) {
            return Ok(Some(file));
        }
    }
}

/// Locks an existing file exclusively without blocking; `None` when someone holds it.
fn lock_at_existing(path: &Path) -> std::io::Result<Option<File>> {
    let file = File::open(path)?;
    match file.try_lock() {
        Ok(()) if same_file(&file, path) => Ok(Some(file)),
        Ok(()) | Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(error)) => Err(error),
    }
}

fn same_file(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(held), Ok(now)) => held.ino() == now.ino() && held.dev() == now.dev(),
        _ => false,
    }
}

/// Removes lock files nobody holds that are older than [`STALE`].
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > STALE);
        if old && let Ok(Some(_unused)) = lock_at_existing(&entry.path()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn me(worktree: &str) -> Holder {
        Holder::me("test", Path::new(worktree))
    }

    #[test]
    fn the_first_leads_and_a_second_waits_then_finds_the_pass() {
        let dir = tempfile::tempdir().unwrap();
        let flights = Flights::new(dir.path());
        let Boarded::Lead(Some(flight)) = flights.board("k", &me("/a"), |_| {}, || false, None)
        else {
            panic!("the first takes the flight");
        };
        let stored = AtomicBool::new(false);
        let heard = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| {
                let other = Flights::new(dir.path());
                other.board(
                    "k",
                    &me("/b"),
                    |h| heard.lock().unwrap().push(h.cloned()),
                    || stored.load(Ordering::SeqCst),
                    None,
                )
            });
            while heard.lock().unwrap().is_empty() {
                std::thread::sleep(Duration::from_millis(5));
            }
            assert!(flight.has_waiters(), "the waiter holds the .wait file");
            flights.hold(flight);
            flights.serve_waiters(&|| stored.store(true, Ordering::SeqCst));
            match waiter.join().unwrap() {
                Boarded::Answered(Some(holder)) => assert_eq!(holder, me("/a")),
                other => panic!("the waiter should find the pass: {other:?}"),
            }
        });
        assert_eq!(heard.into_inner().unwrap(), vec![Some(me("/a"))]);
        flights.release_all();
        let left: Vec<_> = std::fs::read_dir(dir.path().join("backstop/flights"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert!(left.is_empty(), "lock files are removed: {left:?}");
    }

    #[test]
    fn a_waiter_leads_when_the_holder_lets_go_without_a_pass() {
        let dir = tempfile::tempdir().unwrap();
        let flights = Flights::new(dir.path());
        let Boarded::Lead(Some(flight)) = flights.board("k", &me("/a"), |_| {}, || false, None)
        else {
            panic!("the first takes the flight");
        };
        let waiting = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| {
                let other = Flights::new(dir.path());
                other.board(
                    "k",
                    &me("/b"),
                    |_| waiting.store(true, Ordering::SeqCst),
                    || false,
                    None,
                )
            });
            while !waiting.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
            drop(flight);
            assert!(matches!(waiter.join().unwrap(), Boarded::Lead(Some(_))));
        });
    }

    #[test]
    fn a_twin_gate_of_the_same_run_does_not_wait() {
        let dir = tempfile::tempdir().unwrap();
        let flights = Flights::new(dir.path());
        let Boarded::Lead(Some(_flight)) = flights.board("k", &me("/a"), |_| {}, || false, None)
        else {
            panic!("the first takes the flight");
        };
        assert!(matches!(
            flights.board("k", &me("/a"), |_| panic!("no wait"), || false, None),
            Boarded::Lead(None)
        ));
    }

    #[test]
    fn serving_without_waiters_keeps_the_flights() {
        let dir = tempfile::tempdir().unwrap();
        let flights = Flights::new(dir.path());
        let Boarded::Lead(Some(flight)) = flights.board("k", &me("/a"), |_| {}, || false, None)
        else {
            panic!("the first takes the flight");
        };
        flights.hold(flight);
        flights.serve_waiters(&|| panic!("nobody waits: nothing to confirm"));
        assert_eq!(flights.held().len(), 1);
    }
}
