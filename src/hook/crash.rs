//! A crash of the judging code must not let an agent through. An agent reads a hook's answer
//! from stdout when it exits; a hook that dies on a signal (a stack overflow, a double panic:
//! both end in `abort`) or panics answers nothing, and every agent then lets the stop (or the
//! tool call) through. So before a hook judges, the answer for "backstop crashed" (a block, a
//! deny) is armed: a SIGABRT handler writes it and exits 0, and a panic that reaches the hook
//! entry is answered with it too. The real answer disarms it before it is written.

use std::sync::Once;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use serde_json::Value;

use crate::agent::{Agent, Event};

/// The armed answer, a leaked line of JSON (null when disarmed), and its length.
static ANSWER: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static LENGTH: AtomicUsize = AtomicUsize::new(0);
static HANDLER: Once = Once::new();

/// What the agent is told when the judging code crashed.
const CRASHED: &str = "backstop crashed while checking this (a bug in backstop), so the work was not checked and is not let through. Ask the person to run `backstop run --trigger stop` to see the crash, and to report it.";

/// Runs an agent hook with its crash answer armed; a panic is answered with it.
pub fn guarded(agent: &dyn Agent, event: Event, hook: impl FnOnce() -> u8) -> u8 {
    match event {
        Event::Stop | Event::SubagentStop => arm(&agent.block(CRASHED)),
        Event::PreToolUse => arm(&agent.deny(CRASHED)),
        Event::SessionStart => {}
    }
    let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(hook));
    let armed = disarm();
    let Ok(code) = code else {
        if let Some(line) = armed {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(line);
            let _ = out.flush();
        }
        return crate::error::EXIT_OK;
    };
    code
}

/// Makes `answer` what a crash from now on says.
fn arm(answer: &Value) {
    let mut line = answer.to_string().into_bytes();
    line.push(b'\n');
    let line: &'static mut [u8] = Box::leak(line.into_boxed_slice());
    LENGTH.store(line.len(), Ordering::SeqCst);
    ANSWER.store(line.as_mut_ptr(), Ordering::SeqCst);
    HANDLER.call_once(|| {
        // SAFETY: a zeroed sigaction is valid; the handler only calls async-signal-safe
        // functions (write, _exit) on memory that is never freed.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_abort as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_ONSTACK;
            libc::sigemptyset(&raw mut action.sa_mask);
            libc::sigaction(libc::SIGABRT, &raw const action, std::ptr::null_mut());
        }
    });
}

/// Disarms the crash answer (the real answer follows): what was armed, if anything.
pub fn disarm() -> Option<&'static [u8]> {
    let pointer = ANSWER.swap(std::ptr::null_mut(), Ordering::SeqCst);
    if pointer.is_null() {
        return None;
    }
    // SAFETY: a non-null pointer was leaked by `arm` with the length stored before it.
    Some(unsafe { std::slice::from_raw_parts(pointer, LENGTH.load(Ordering::SeqCst)) })
}

/// SIGABRT: write the armed answer and exit 0; unarmed, return (abort then ends the process).
extern "C" fn on_abort(_: libc::c_int) {
    let pointer = ANSWER.swap(std::ptr::null_mut(), Ordering::SeqCst);
    if pointer.is_null() {
        return;
    }
    let length = LENGTH.load(Ordering::SeqCst);
    let mut written = 0;
    while written < length {
        // SAFETY: the leaked answer lives for the whole process.
        let n = unsafe { libc::write(1, pointer.add(written).cast(), length - written) };
        match usize::try_from(n) {
            Ok(n) if n > 0 => written += n,
            _ => break,
        }
    }
    // SAFETY: _exit is async-signal-safe; nothing else may run after a crash.
    unsafe { libc::_exit(0) };
}
