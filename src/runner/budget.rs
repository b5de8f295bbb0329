//! The machine-wide job budget (`settings.machine_jobs`): every gate process of this user on
//! this machine, whatever its worktree or repository, holds one of N job slots while it runs.
//! A slot is an exclusive `flock` on `slot-K` in a per-user directory; the kernel drops it
//! when the holder's file closes, however the holder ends (a SIGKILL included), so a slot is
//! never leaked. Files are opened close-on-exec: a gate's leftover child never holds one.
//! The holder writes who it is into the file, so a waiting gate can say for whom it waits.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::process::interrupted;

/// How long a waiting gate sleeps between two looks at the slots.
pub const POLL: Duration = Duration::from_millis(50);

/// Who holds a slot (or runs a check): enough for a person to find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The backstop process.
    pub pid: u32,
    /// The gate's name.
    pub gate: String,
    /// The worktree the gate runs in.
    pub worktree: PathBuf,
}

impl Holder {
    /// This process, running `gate` in `worktree`.
    pub fn me(gate: &str, worktree: &Path) -> Holder {
        Holder {
            pid: std::process::id(),
            gate: gate.to_owned(),
            worktree: worktree.to_path_buf(),
        }
    }

    /// One line: pid, gate and worktree, separated by tabs (names hold no tab or newline
    /// that matters for a display).
    pub(super) fn to_line(&self) -> String {
        let clean = |s: &str| s.replace(['\t', '\n'], " ");
        format!(
            "{}\t{}\t{}\n",
            self.pid,
            clean(&self.gate),
            clean(&self.worktree.to_string_lossy())
        )
    }

    /// The holder a file names, if it names one.
    pub(super) fn from_file(file: &mut File) -> Option<Holder> {
        let mut text = String::new();
        file.read_to_string(&mut text).ok()?;
        let mut parts = text.trim_end_matches('\n').splitn(3, '\t');
        Some(Holder {
            pid: parts.next()?.parse().ok()?,
            gate: parts.next()?.to_owned(),
            worktree: PathBuf::from(parts.next()?),
        })
    }

    /// Records this holder in a file it holds locked.
    pub(super) fn write_to(&self, file: &File) {
        // Cosmetic: a waiter that cannot read it says less, nothing breaks.
        let _ = file
            .set_len(0)
            .and_then(|()| file.write_all_at(self.to_line().as_bytes(), 0));
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} in {} (pid {})",
            self.gate,
            self.worktree.display(),
            self.pid
        )
    }
}

/// The job slots of this machine and user, `size` of them for this run.
#[derive(Debug)]
pub struct Budget {
    dir: PathBuf,
    size: usize,
    /// A backstop run inside a gate (a gate running `backstop run`, a git hook a gate
    /// triggers): the slot its parent's gate holds, lent to one of its gates at a time, as
    /// make's jobserver gives every child one token for free. Without it the child would wait
    /// for a slot its own parent holds (with `machine_jobs = 1`, until the parent's timeout).
    inherited: Option<Arc<AtomicBool>>,
}

/// The variables a gate gets while it holds a slot: the slot file, and the backstop holding it.
pub const SLOT_VARIABLE: &str = "BACKSTOP_SLOT";
pub const HOLDER_VARIABLE: &str = "BACKSTOP_SLOT_HOLDER";

/// A slot held by a running gate; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot {
    file: Option<File>,
    path: Option<PathBuf>,
    /// The backstop holding the slot file's lock (this one, or the parent that lent it).
    holder: u32,
    /// The parent's slot, lent: given back on drop.
    lent: Option<Arc<AtomicBool>>,
}

impl Slot {
    /// What a gate holding this slot passes on to a backstop it starts.
    pub fn environment(&self) -> Vec<(String, String)> {
        match &self.path {
            Some(path) => vec![
                (SLOT_VARIABLE.to_owned(), path.display().to_string()),
                (HOLDER_VARIABLE.to_owned(), self.holder.to_string()),
            ],
            None => Vec::new(),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        // Unlocked, not only closed: a gate being spawned in another thread holds a copy of
        // every descriptor until its exec, and the lock would live on in that copy.
        if let Some(file) = &self.file {
            let _ = file.unlock();
        }
        if let Some(lent) = &self.lent {
            lent.store(true, Ordering::SeqCst);
        }
    }
}

/// A waiter's place in line; leaving the line (however the wait ends) removes it.
struct Ticket {
    name: String,
    path: PathBuf,
    file: File,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether this process runs inside a gate of a backstop that holds a slot: the slot file the
/// environment names is locked, by the backstop it names.
fn inside_a_gate() -> bool {
    let (Some(path), Some(pid)) = (
        std::env::var_os(SLOT_VARIABLE),
        std::env::var(HOLDER_VARIABLE)
            .ok()
            .and_then(|p| p.parse::<u32>().ok()),
    ) else {
        return false;
    };
    let Ok(mut file) = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
    else {
        return false;
    };
    let held = matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock));
    held && Holder::from_file(&mut file).is_some_and(|holder| holder.pid == pid)
}

impl Budget {
    /// The budget of `size` slots (at least 1) in this user's slot directory, or `None` (with
    /// a warning, once) when that directory cannot be used: gates then run unbudgeted rather
    /// than wait on something another user controls.
    pub fn new(size: usize) -> Option<Budget> {
        match directory() {
            Ok(dir) => Some(Budget {
                dir,
                size: size.max(1),
                inherited: inside_a_gate().then(|| Arc::new(AtomicBool::new(true))),
            }),
            Err(why) => {
                static WARNED: AtomicBool = AtomicBool::new(false);
                if !WARNED.swap(true, Ordering::SeqCst) {
                    let (what, hint) = why.split_once("\nhint: ").unwrap_or((why.as_str(), ""));
                    eprintln!("warning: no machine-wide job budget: {what}; gates run unbudgeted");
                    if !hint.is_empty() {
                        eprintln!("hint: {hint}");
                    }
                }
                None
            }
        }
    }

    /// How many slots this run's gates share with every other run.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Takes a free slot for `me`, waiting while all are taken; `waiting` hears the holders
    /// when the wait starts and whenever they change. `None` when the run was interrupted.
    /// Past `until`, the gate runs without a slot (with a warning) rather than wait on.
    pub fn acquire(
        &self,
        me: &Holder,
        mut waiting: impl FnMut(&[Holder]),
        until: Option<Instant>,
    ) -> Option<Slot> {
        let mut shown: Option<Vec<Holder>> = None;
        // Waiters are served in the order they began to wait (a ticket each), so a newcomer
        // polling at the right moment cannot starve an older waiter.
        let mut ticket: Option<Ticket> = None;
        loop {
            if interrupted().is_some() {
                return None;
            }
            if until.is_some_and(|until| Instant::now() >= until) {
                eprintln!(
                    "backstop: warning: {} waited too long for a job slot (settings.machine_jobs = {}); it runs unbudgeted so the agent's hook answers before its timeout",
                    me.gate, self.size
                );
                return Some(Slot {
                    file: None,
                    path: None,
                    holder: 0,
                    lent: None,
                });
            }
            if let Some(inherited) = &self.inherited
                && inherited.swap(false, Ordering::SeqCst)
            {
                return Some(Slot {
                    file: None,
                    path: std::env::var_os(SLOT_VARIABLE).map(PathBuf::from),
                    holder: std::env::var(HOLDER_VARIABLE)
                        .ok()
                        .and_then(|p| p.parse().ok())
                        .unwrap_or_default(),
                    lent: Some(Arc::clone(inherited)),
                });
            }
            let ahead = self.waiting_before(ticket.as_ref().map(|t| t.name.as_str()));
            match if ahead { Ok(None) } else { self.try_acquire() } {
                Ok(Some((file, path))) => {
                    me.write_to(&file);
                    return Some(Slot {
                        file: Some(file),
                        path: Some(path),
                        holder: std::process::id(),
                        lent: None,
                    });
                }
                Ok(None) => {}
                Err(error) => {
                    // A broken slot directory must not stop the gates.
                    eprintln!("warning: the machine-wide job budget failed: {error}");
                    return Some(Slot {
                        file: None,
                        path: None,
                        holder: 0,
                        lent: None,
                    });
                }
            }
            if ticket.is_none() {
                ticket = self.take_ticket();
            }
            let holders = self.holders();
            if shown.as_ref() != Some(&holders) {
                waiting(&holders);
                shown = Some(holders);
            }
            std::thread::sleep(POLL);
        }
    }

    /// A place in line: a file in `queue/` named by when the wait began, locked while its
    /// waiter lives (made under a hidden name, locked, then renamed, so it is never seen
    /// unlocked while alive). `None` when the queue cannot be written: the waiter polls as
    /// before.
    fn take_ticket(&self) -> Option<Ticket> {
        static SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let queue = self.dir.join("queue");
        match std::fs::DirBuilder::new().mode(0o700).create(&queue) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return None,
            _ => {}
        }
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos();
        let name = format!(
            "{since:024}-{:010}-{:08}",
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::SeqCst)
        );
        let hidden = queue.join(format!(".{name}"));
        let file = open(&hidden).ok()?;
        if file.try_lock().is_err() {
            let _ = std::fs::remove_file(&hidden);
            return None;
        }
        let path = queue.join(&name);
        if std::fs::rename(&hidden, &path).is_err() {
            let _ = std::fs::remove_file(&hidden);
            return None;
        }
        Some(Ticket { name, path, file })
    }

    /// Whether a live waiter took its ticket before `mine` (before now, without one). Tickets
    /// of waiters that died (unlocked) are removed.
    fn waiting_before(&self, mine: Option<&str>) -> bool {
        let Ok(entries) = std::fs::read_dir(self.dir.join("queue")) else {
            return false;
        };
        let mut earlier: Vec<(String, PathBuf)> = entries
            .flatten()
            .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
            .filter(|(name, _)| !name.starts_with('.'))
            .filter(|(name, _)| mine.is_none_or(|mine| name.as_str() < mine))
            .collect();
        earlier.sort();
        earlier.into_iter().any(|(_, path)| {
            let Ok(file) = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&path)
            else {
                return false;
            };
            match file.try_lock_shared() {
                Ok(()) => {
                    let _ = file.unlock();
                    let _ = std::fs::remove_file(&path);
                    false
                }
                Err(TryLockError::WouldBlock) => true,
                Err(TryLockError::Error(_)) => false,
            }
        })
    }

    /// A free slot, locked, or `None` when every slot is taken.
    fn try_acquire(&self) -> std::io::Result<Option<(File, PathBuf)>> {
        for k in 0..self.size {
            let path = self.slot(k);
            let file = open(&path)?;
            match file.try_lock() {
                Ok(()) => return Ok(Some((file, path))),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(error)) => return Err(error),
            }
        }
        Ok(None)
    }

    /// Who holds the slots now, as their files say.
    fn holders(&self) -> Vec<Holder> {
        (0..self.size)
            .filter_map(|k| Holder::from_file(&mut File::open(self.slot(k)).ok()?))
            .collect()
    }

    fn slot(&self, k: usize) -> PathBuf {
        self.dir.join(format!("slot-{k}"))
    }
}

/// Opens (creating) a lock file, readable and writable by this user only.
pub(super) fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        // A symlink planted in the directory must not make backstop truncate what it names.
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// This user's slot directory: under `$XDG_RUNTIME_DIR` (this machine's, this user's), else
/// `/tmp/backstop-<uid>`; refused when it is a symlink or belongs to someone else.
fn directory() -> Result<PathBuf, String> {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute() && owned_directory(dir, uid).is_ok());
    let base = match runtime {
        Some(dir) => dir.join("backstop"),
        None => PathBuf::from(format!("/tmp/backstop-{uid}")),
    };
    let slots = base.join("slots");
    for dir in [&base, &slots] {
        match std::fs::DirBuilder::new().mode(0o700).create(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                return Err(format!("cannot create {}: {e}", dir.display()));
            }
            _ => owned_directory(dir, uid)?,
        }
    }
    Ok(slots)
}

fn owned_directory(dir: &Path, uid: u32) -> Result<(), String> {
    let metadata = std::fs::symlink_metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let fix = format!(
        "\nhint: remove {} (backstop makes it again, private to you), or set XDG_RUNTIME_DIR to a directory of yours",
        dir.display()
    );
    if metadata.file_type().is_symlink() {
        return Err(format!("{} is a symlink{fix}", dir.display()));
    }
    if !metadata.is_dir() {
        return Err(format!("{} is not a directory{fix}", dir.display()));
    }
    if metadata.uid() != uid {
        return Err(format!(
            "{} belongs to another user (uid {}){fix}",
            dir.display(),
            metadata.uid()
        ));
    }
    if metadata.mode() & 0o022 != 0 {
        return Err(format!("{} is writable by others{fix}", dir.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(size: usize) -> (tempfile::TempDir, Budget) {
        let dir = tempfile::tempdir().unwrap();
        let budget = Budget {
            dir: dir.path().to_path_buf(),
            size,
            inherited: None,
        };
        (dir, budget)
    }

    #[test]
    fn slots_are_taken_up_to_the_size_and_freed_on_drop() {
        let (_dir, budget) = budget(2);
        let me = Holder::me("lint", Path::new("/wt/a"));
        let first = budget
            .acquire(&me, |_| panic!("a slot is free"), None)
            .unwrap();
        let second = budget
            .acquire(&me, |_| panic!("a slot is free"), None)
            .unwrap();
        assert!(
            budget.try_acquire().unwrap().is_none(),
            "both slots are held"
        );
        assert_eq!(budget.holders(), vec![me.clone(), me.clone()]);
        drop(first);
        assert!(
            budget.try_acquire().unwrap().is_some(),
            "a dropped slot is free"
        );
        drop(second);
    }

    #[test]
    fn a_waiter_hears_the_holders_and_gets_the_slot_when_it_is_freed() {
        let (_dir, budget) = budget(1);
        let holder = Holder::me("test", Path::new("/wt/b"));
        let slot = budget.acquire(&holder, |_| {}, None).unwrap();
        let heard = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| {
                budget.acquire(
                    &Holder::me("lint", Path::new("/wt/c")),
                    |holders| {
                        heard.lock().unwrap().push(holders.to_vec());
                    },
                    None,
                )
            });
            while heard.lock().unwrap().is_empty() {
                std::thread::sleep(Duration::from_millis(5));
            }
            drop(slot);
            assert!(waiter.join().unwrap().is_some());
        });
        assert_eq!(heard.into_inner().unwrap(), vec![vec![holder]]);
    }

    #[test]
    fn holders_survive_odd_names() {
        let holder = Holder {
            pid: 7,
            gate: "a\tb".into(),
            worktree: PathBuf::from("/w t/x\ny"),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("slot-0");
        holder.write_to(&open(&path).unwrap());
        let read = Holder::from_file(&mut File::open(&path).unwrap()).unwrap();
        assert_eq!(read.pid, 7);
        assert_eq!(read.gate, "a b");
        assert_eq!(read.worktree, PathBuf::from("/w t/x y"));
    }

    /// Review B9: a slot file that is a symlink was followed, and what it named truncated.
    #[test]
    fn a_symlinked_slot_file_is_not_followed() {
        let (dir, budget) = budget(1);
        let target = dir.path().join("precious");
        std::fs::write(&target, "keep").unwrap();
        std::os::unix::fs::symlink(&target, budget.slot(0)).unwrap();
        assert!(open(&budget.slot(0)).is_err());
        let me = Holder::me("g", Path::new("/w"));
        let _slot = budget.acquire(&me, |_| panic!("no wait"), None);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }

    /// Review B2: a Stop hook's wait for a slot had no bound, but the agent kills the hook at
    /// its timeout (and the stop goes through). Past the bound the gate runs unbudgeted.
    #[test]
    fn a_wait_with_a_bound_ends_without_a_slot() {
        let (_dir, budget) = budget(1);
        let me = Holder::me("g", Path::new("/w"));
        let _held = budget
            .acquire(&me, |_| panic!("a slot is free"), None)
            .unwrap();
        let until = Instant::now() + Duration::from_millis(200);
        let mut heard = 0;
        let slot = budget.acquire(&me, |_| heard += 1, Some(until)).unwrap();
        assert!(Instant::now() >= until);
        assert_eq!(heard, 1, "the wait was shown");
        assert!(slot.file.is_none() && slot.environment().is_empty());
    }

    /// Review B8: a symlinked slot directory was reported as "not a directory", with no fix.
    #[test]
    fn a_refused_slot_directory_says_why_and_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        // SAFETY: getuid has no preconditions.
        let uid = unsafe { libc::getuid() };
        let why = owned_directory(&link, uid).unwrap_err();
        assert!(why.contains("is a symlink"), "{why}");
        assert!(why.contains("\nhint: remove"), "{why}");
    }

    /// Review B2: waiters polled with no order, so one could starve. They are served in the
    /// order they began to wait.
    #[test]
    fn waiters_are_served_in_the_order_they_came() {
        let (_dir, budget) = budget(1);
        let held = budget
            .acquire(
                &Holder::me("first", Path::new("/w")),
                |_| panic!("free"),
                None,
            )
            .unwrap();
        let served = std::sync::Mutex::new(Vec::new());
        let heard = [AtomicBool::new(false), AtomicBool::new(false)];
        std::thread::scope(|scope| {
            let wait = |who: usize| {
                let (budget, served, heard) = (&budget, &served, &heard);
                move || {
                    let name = format!("w{who}");
                    let slot = budget
                        .acquire(
                            &Holder::me(&name, Path::new("/w")),
                            |_| heard[who].store(true, Ordering::SeqCst),
                            None,
                        )
                        .unwrap();
                    served.lock().unwrap().push(name);
                    std::thread::sleep(Duration::from_millis(120));
                    drop(slot);
                }
            };
            let first = scope.spawn(wait(0));
            while !heard[0].load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
            let second = scope.spawn(wait(1));
            while !heard[1].load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
            drop(held);
            first.join().unwrap();
            second.join().unwrap();
        });
        assert_eq!(*served.lock().unwrap(), ["w0", "w1"]);
        let left: Vec<_> = std::fs::read_dir(budget.dir.join("queue"))
            .unwrap()
            .collect();
        assert!(left.is_empty(), "tickets are removed: {left:?}");
    }

    /// A waiter that died left its ticket unlocked: it is passed over and removed.
    #[test]
    fn a_dead_waiters_ticket_holds_nobody_up() {
        let (_dir, budget) = budget(1);
        let queue = budget.dir.join("queue");
        std::fs::create_dir(&queue).unwrap();
        std::fs::write(
            queue.join("000000000000000000000001-0000000001-00000000"),
            "",
        )
        .unwrap();
        let me = Holder::me("g", Path::new("/w"));
        let slot = budget.acquire(&me, |_| panic!("no wait"), None).unwrap();
        assert!(slot.file.is_some());
        assert_eq!(std::fs::read_dir(&queue).unwrap().count(), 0);
    }
}
