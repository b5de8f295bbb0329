//! Spawning gate commands: own process group, bounded capture, timeout and group kill.
//! The only module that imports duct.

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::capture::Capture;

/// How long a process group gets between SIGTERM and SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_secs(2);

/// What git hands its hooks and gates must not inherit: with `GIT_INDEX_FILE` a gate that runs
/// git anywhere (a test suite in a temporary repository) would write the commit's index. The
/// worktree already holds the snapshot being judged, and git finds the repository from `cwd`.
const HIDDEN_FROM_GATES: [&str; 7] = [
    "GIT_INDEX_FILE",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
    "GIT_OBJECT_DIRECTORY",
    "BACKSTOP_HOOK_SCRIPT",
];

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this code.
    Code(i32),
    /// A signal ended it (not one backstop sent).
    Signal(i32),
    /// It outlived its timeout and its group was killed.
    TimedOut,
    /// backstop was interrupted and killed its group.
    Interrupted,
    /// It could not be started.
    SpawnFailed(String),
}

/// A shell command to run: `sh -c SCRIPT backstop ARGS...`.
pub struct ShellCommand<'a> {
    /// The script for `sh -c`.
    pub script: &'a str,
    /// Positional arguments (`$1`...), passed verbatim.
    pub args: &'a [OsString],
    /// Working directory.
    pub cwd: &'a Path,
    /// Variables added to the inherited environment.
    pub env: &'a [(OsString, OsString)],
    /// Kill the group after this long.
    pub timeout: Duration,
}

enum Event {
    Output(Vec<u8>),
    Done(Option<std::process::ExitStatus>),
}

/// Runs the command to its end, feeding its merged stdout and stderr into `capture`.
pub fn run_shell(command: &ShellCommand<'_>, capture: &mut Capture) -> Exit {
    let mut argv: Vec<OsString> = vec!["-c".into(), command.script.into(), "backstop".into()];
    argv.extend(command.args.iter().cloned());
    let mut expression = duct::cmd("sh", argv)
        .dir(command.cwd)
        .stdin_null()
        .stderr_to_stdout()
        .unchecked()
        .before_spawn(|cmd| {
            // A group of its own lets a timeout or Ctrl-C kill every descendant at once.
            cmd.process_group(0);
            Ok(())
        });
    // In duct the setting nearest the command wins, so only hide what is not set on purpose.
    for key in HIDDEN_FROM_GATES
        .iter()
        .filter(|k| !command.env.iter().any(|(name, _)| name == **k))
    {
        expression = expression.env_remove(key);
    }
    for (key, value) in command.env {
        expression = expression.env(key, value);
    }
    let handle = match expression.reader() {
        Ok(handle) => Arc::new(handle),
        Err(e) => return Exit::SpawnFailed(format!("cannot start `sh`: {e}")),
    };
    let pgid = handle
        .pids()
        .first()
        .copied()
        .map_or(0, |p| i32::try_from(p).unwrap_or(0));
    let _registration = register(pgid);

    let (sender, events) = mpsc::sync_channel::<Event>(16);
    let reader = Arc::clone(&handle);
    std::thread::spawn(move || {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match (&*reader).read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    if sender.send(Event::Output(chunk[..n].to_vec())).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let status = reader.try_wait().ok().flatten().map(|o| o.status);
        let _ = sender.send(Event::Done(status));
    });

    let mut phase = Phase::Running {
        deadline: Instant::now() + command.timeout,
    };
    let status = loop {
        let tick = Duration::from_millis(250);
        let wait = phase
            .deadline()
            .saturating_duration_since(Instant::now())
            .min(tick);
        match events.recv_timeout(wait) {
            Ok(Event::Output(bytes)) => capture.push(&bytes),
            Ok(Event::Done(status)) => break status,
            Err(RecvTimeoutError::Disconnected) => break None,
            Err(RecvTimeoutError::Timeout) => {
                if interrupted().is_some() && !matches!(phase, Phase::Interrupted { .. }) {
                    // The signal thread already sent SIGTERM; wait for the group to go.
                    phase = Phase::Interrupted {
                        deadline: Instant::now() + KILL_GRACE * 2,
                    };
                }
                if let Some(next) = phase.advance(pgid, &handle) {
                    phase = next;
                } else {
                    break None;
                }
            }
        }
    };
    let status = status.or_else(|| handle.try_wait().ok().flatten().map(|o| o.status));
    // Whatever the command left behind in its group would otherwise outlive the gate.
    kill_group(pgid, libc::SIGKILL);
    match phase {
        Phase::TimedOut { .. } => Exit::TimedOut,
        Phase::Interrupted { .. } => Exit::Interrupted,
        Phase::Running { .. } | Phase::Exited { .. } => match status {
            Some(s) => s
                .code()
                .map_or_else(|| Exit::Signal(s.signal().unwrap_or(0)), Exit::Code),
            None if interrupted().is_some() => Exit::Interrupted,
            None => Exit::SpawnFailed("lost track of the command".to_owned()),
        },
    }
}

/// Runs a program with its output going straight to ours (a chained hook the person should
/// see), feeding it `stdin`. It stays in backstop's process group: a hook that prompts on the
/// terminal must not be stopped as a background job, and the terminal's Ctrl-C reaches it.
pub fn run_attached(program: &Path, args: &[OsString], stdin: &[u8]) -> Exit {
    let expression = duct::cmd(program, args)
        .stdin_bytes(stdin.to_vec())
        .unchecked();
    let handle = match expression.start() {
        Ok(handle) => handle,
        Err(e) => return Exit::SpawnFailed(format!("cannot start {}: {e}", program.display())),
    };
    match handle.wait() {
        Ok(output) if interrupted().is_some() && !output.status.success() => Exit::Interrupted,
        Ok(output) => output.status.code().map_or_else(
            || Exit::Signal(output.status.signal().unwrap_or(0)),
            Exit::Code,
        ),
        Err(e) => Exit::SpawnFailed(e.to_string()),
    }
}

/// Runs a program in `cwd` with `env` added, feeding it `stdin`, and returns how it ended with
/// its stdout and stderr merged (a child backstop whose verdict becomes an agent's answer).
pub fn run_captured(
    program: &Path,
    args: &[OsString],
    cwd: &Path,
    env: &[(OsString, OsString)],
    stdin: &[u8],
) -> (Exit, Vec<u8>) {
    let mut expression = duct::cmd(program, args)
        .dir(cwd)
        .stdin_bytes(stdin.to_vec())
        .stderr_to_stdout()
        .stdout_capture()
        .unchecked();
    for (name, value) in env {
        expression = expression.env(name, value);
    }
    match expression.run() {
        Ok(output) => {
            let exit = output.status.code().map_or_else(
                || Exit::Signal(output.status.signal().unwrap_or(0)),
                Exit::Code,
            );
            (exit, output.stdout)
        }
        Err(e) => (
            Exit::SpawnFailed(format!("cannot start {}: {e}", program.display())),
            Vec::new(),
        ),
    }
}

/// Where a running command is on its way out.
#[derive(Clone, Copy)]
enum Phase {
    /// Normal running until the timeout.
    Running { deadline: Instant },
    /// The shell exited but something in its group still holds the output pipe open.
    Exited { deadline: Instant },
    /// SIGTERM sent at the timeout; SIGKILL at the deadline.
    TimedOut { deadline: Instant, killed: bool },
    /// Interrupted by the user; the signal thread does the killing.
    Interrupted { deadline: Instant },
}

impl Phase {
    fn deadline(&self) -> Instant {
        match self {
            Phase::Running { deadline }
            | Phase::Exited { deadline }
            | Phase::TimedOut { deadline, .. }
            | Phase::Interrupted { deadline } => *deadline,
        }
    }

    /// Moves on after a quiet tick; `None` means stop waiting for the reader.
    fn advance(&self, pgid: i32, handle: &duct::ReaderHandle) -> Option<Phase> {
        let now = Instant::now();
        match *self {
            Phase::Running { deadline } if now >= deadline => {
                kill_group(pgid, libc::SIGTERM);
                Some(Phase::TimedOut {
                    deadline: now + KILL_GRACE,
                    killed: false,
                })
            }
            Phase::Running { deadline } => match handle.try_wait() {
                // A grandchild (`cmd &`) holds the pipe: give it a moment, then end it.
                Ok(Some(_)) => Some(Phase::Exited {
                    deadline: (now + Duration::from_secs(1)).min(deadline),
                }),
                _ => Some(Phase::Running { deadline }),
            },
            Phase::Exited { deadline } if now >= deadline => {
                kill_group(pgid, libc::SIGKILL);
                None
            }
            Phase::TimedOut {
                deadline,
                killed: false,
            } if now >= deadline => {
                kill_group(pgid, libc::SIGKILL);
                Some(Phase::TimedOut {
                    deadline: now + KILL_GRACE,
                    killed: true,
                })
            }
            Phase::TimedOut {
                deadline,
                killed: true,
            }
            | Phase::Interrupted { deadline }
                if now >= deadline =>
            {
                None
            }
            other => Some(other),
        }
    }
}

static GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());
static INTERRUPTED: AtomicI32 = AtomicI32::new(0);

/// The signal that interrupted the run, if any.
pub fn interrupted() -> Option<i32> {
    match INTERRUPTED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Records an interruption and stops every running group: SIGTERM now, SIGKILL after
/// [`KILL_GRACE`]; a second signal means SIGKILL at once.
pub fn interrupt(signal: i32) {
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
        signal_all(libc::SIGKILL);
    }
}

/// Keeps a process group on the list of groups to stop on a signal while it lives.
struct Registration(i32);

fn register(pgid: i32) -> Registration {
    groups().push(pgid);
    if interrupted().is_some() {
        // Started in the instant the signal arrived: stop it too.
        kill_group(pgid, libc::SIGTERM);
    }
    Registration(pgid)
}

impl Drop for Registration {
    fn drop(&mut self) {
        groups().retain(|g| *g != self.0);
    }
}

fn signal_all(signal: i32) {
    for pgid in groups().iter() {
        kill_group(*pgid, signal);
    }
}

fn groups() -> std::sync::MutexGuard<'static, Vec<i32>> {
    GROUPS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Sends `signal` to every process of the group; a group already gone is fine.
pub fn kill_group(pgid: i32, signal: i32) {
    if pgid > 1 {
        // SAFETY: kill(2) with a negative pid only sends a signal; it touches no memory.
        unsafe {
            libc::kill(-pgid, signal);
        }
    }
}
