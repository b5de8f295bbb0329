//! A small mutation fuzzer on stable Rust: seeds from the repository, byte and dictionary
//! mutations, and three checks per input: no panic (caught), no hang (a watchdog aborts the
//! process after [`HANG`], or a target's own limit), and bounded memory (a counting allocator
//! measures each input's peak and refuses to grow past [`HARD_CAP`] at all). A failing input is
//! saved under `target/tmp/fuzz-crashes/` and named in the failure; `BACKSTOP_FUZZ_SEED`
//! replays a run. The smoke run of `cargo test` uses a fixed seed, so it is the same run every
//! time; a timed run (`BACKSTOP_FUZZ_SECONDS`) takes a new seed each time unless one is given
//! (CI gives the commit's).
#![expect(
    clippy::cast_possible_truncation,
    reason = "random numbers and clocks are cut to the width they are used at, on purpose"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One input may take this long before the process is aborted as hung (in-process targets;
/// a target that runs a child process times it itself and sets a longer limit here).
pub const HANG: Duration = Duration::from_secs(10);
/// The seed of the smoke run.
const SMOKE_SEED: u64 = 0x5eed_0fba_c570;
/// No input may make the process hold more than this: past it, allocation fails (and aborts).
const HARD_CAP: usize = 1 << 30;
/// What one input may allocate above where it started, besides [`PER_INPUT_BYTE`] per byte.
const PER_INPUT: usize = 64 << 20;
/// Allowed growth per byte of input (a parsed document holds several copies of its text).
const PER_INPUT_BYTE: usize = 64;

/// Counts live bytes and their peak, so each input's memory is measured.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; the counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        if now > HARD_CAP {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: the caller's layout, as GlobalAlloc requires.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// One fuzz target runs at a time: the memory counters are process-wide.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The input being run, for the watchdog to save when it hangs.
static CURRENT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static STARTED_MS: AtomicU64 = AtomicU64::new(0);
/// The hang limit of the target running now, in milliseconds.
static HANG_MS: AtomicU64 = AtomicU64::new(10_000);
static RUNNING: AtomicBool = AtomicBool::new(false);
static WATCHDOG: std::sync::Once = std::sync::Once::new();

fn clock() -> u64 {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    u64::try_from(ORIGIN.get_or_init(Instant::now).elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn crash_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-crashes")
}

fn save(name: &str, input: &[u8]) -> PathBuf {
    let dir = crash_dir();
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{name}-{:016x}", fnv(input)));
    let _ = std::fs::write(&path, input);
    path
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn start_watchdog(name: &'static str) {
    WATCHDOG.call_once(|| {
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let elapsed = clock().saturating_sub(STARTED_MS.load(Ordering::SeqCst));
                let limit = HANG_MS.load(Ordering::SeqCst);
                if RUNNING.load(Ordering::SeqCst) && elapsed > limit {
                    let input = CURRENT.lock().map(|c| c.clone()).unwrap_or_default();
                    let path = save(&format!("{name}-hang"), &input);
                    eprintln!(
                        "fuzz: an input ran for more than {limit} ms (a hang); saved to {}",
                        path.display()
                    );
                    std::process::abort();
                }
            }
        });
    });
}

/// xorshift64*: small, fast, reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// How long each target runs: `BACKSTOP_FUZZ_SECONDS` (CI), else a short smoke run.
pub fn budget() -> Duration {
    let seconds = std::env::var("BACKSTOP_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(2);
    Duration::from_secs(seconds)
}

fn seed() -> u64 {
    if let Some(seed) = std::env::var("BACKSTOP_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return seed;
    }
    if std::env::var_os("BACKSTOP_FUZZ_SECONDS").is_none() {
        return SMOKE_SEED;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

/// Changes `input` by one to four random edits.
pub fn mutate(rng: &mut Rng, input: &mut Vec<u8>, dictionary: &[&[u8]], other: &[u8], max: usize) {
    for _ in 0..=rng.below(4) {
        let len = input.len();
        match rng.below(9) {
            0 if len > 0 => {
                let at = rng.below(len);
                input[at] ^= 1 << rng.below(8);
            }
            1 => {
                let at = rng.below(len + 1);
                input.insert(at, rng.next() as u8);
            }
            2 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(16)).min(len);
                input.drain(at..end);
            }
            3 if !dictionary.is_empty() => {
                let word = dictionary[rng.below(dictionary.len())];
                let at = rng.below(len + 1);
                input.splice(at..at, word.iter().copied());
            }
            4 if len > 0 => {
                // A chunk repeated many times: deep nesting, long lines, huge numbers.
                let at = rng.below(len);
                let end = (at + 1 + rng.below(8)).min(len);
                let chunk = input[at..end].to_vec();
                let most = if rng.below(8) == 0 { 20_000 } else { 64 };
                let times = 1 + rng.below(most);
                let repeated: Vec<u8> = chunk
                    .iter()
                    .copied()
                    .cycle()
                    .take(chunk.len() * times)
                    .collect();
                input.splice(at..at, repeated);
            }
            5 if !other.is_empty() => {
                // Splice in part of another input.
                let from = rng.below(other.len());
                let to = (from + 1 + rng.below(256)).min(other.len());
                let at = rng.below(len + 1);
                input.splice(at..at, other[from..to].iter().copied());
            }
            6 if len > 0 => input.truncate(rng.below(len)),
            7 if len > 1 => {
                let a = rng.below(len);
                let b = rng.below(len);
                input.swap(a, b);
            }
            _ => {
                let special: &[u8] = match rng.below(6) {
                    0 => b"\0",
                    1 => b"\xff\xfe",
                    2 => "\u{feff}".as_bytes(),
                    3 => b"\r\n",
                    4 => "\u{10ffff}".as_bytes(),
                    _ => b"\\",
                };
                let at = rng.below(len + 1);
                input.splice(at..at, special.iter().copied());
            }
        }
        input.truncate(max);
    }
}

/// Runs `target` on mutations of `seeds` for the budget. `target` gets the input and another
/// corpus entry, and says whether the input is worth keeping in the corpus.
pub fn fuzz(
    name: &'static str,
    seeds: Vec<Vec<u8>>,
    dictionary: &[&[u8]],
    max_len: usize,
    target: impl Fn(&[u8], &[u8]) -> bool,
) -> u64 {
    fuzz_with_hang(name, seeds, dictionary, max_len, HANG, target)
}

/// [`fuzz`] with a hang limit of its own: for a target that runs a child process and kills it
/// itself (a failure that names the input), after a time a loaded machine may need.
pub fn fuzz_with_hang(
    name: &'static str,
    seeds: Vec<Vec<u8>>,
    dictionary: &[&[u8]],
    max_len: usize,
    hang: Duration,
    target: impl Fn(&[u8], &[u8]) -> bool,
) -> u64 {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    HANG_MS.store(hang.as_millis() as u64, Ordering::SeqCst);
    start_watchdog(name);
    let seed = seed();
    let budget = budget();
    eprintln!("fuzz {name}: seed {seed} (BACKSTOP_FUZZ_SEED={seed} replays it), {budget:?}");
    let mut rng = Rng::new(seed);
    let mut corpus = seeds;
    assert!(!corpus.is_empty(), "{name}: no seeds");
    let deadline = Instant::now() + budget;
    let mut runs = 0u64;
    // Every seed as it is, first.
    let mut queue: Vec<Vec<u8>> = corpus.clone();
    while Instant::now() < deadline || !queue.is_empty() {
        let input = queue.pop().unwrap_or_else(|| {
            let mut input = corpus[rng.below(corpus.len())].clone();
            let other = corpus[rng.below(corpus.len())].clone();
            mutate(&mut rng, &mut input, dictionary, &other, max_len);
            input
        });
        let other = corpus[rng.below(corpus.len())].clone();
        if let Ok(mut current) = CURRENT.lock() {
            current.clear();
            current.extend_from_slice(&input);
        }
        let before = LIVE.load(Ordering::SeqCst);
        PEAK.store(before, Ordering::SeqCst);
        STARTED_MS.store(clock(), Ordering::SeqCst);
        RUNNING.store(true, Ordering::SeqCst);
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| target(&input, &other)));
        RUNNING.store(false, Ordering::SeqCst);
        let grew = PEAK.load(Ordering::SeqCst).saturating_sub(before);
        runs += 1;
        match outcome {
            Err(panic) => {
                let path = save(name, &input);
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                panic!(
                    "fuzz {name}: a panic ({why}) on input saved to {} (seed {seed}, run {runs})",
                    path.display()
                );
            }
            Ok(keep) => {
                let allowed = PER_INPUT + PER_INPUT_BYTE * input.len();
                if grew > allowed {
                    let path = save(&format!("{name}-memory"), &input);
                    panic!(
                        "fuzz {name}: an input of {} bytes made the process grow by {grew} bytes (allowed {allowed}); saved to {}",
                        input.len(),
                        path.display()
                    );
                }
                if keep && corpus.len() < 4096 && rng.below(8) == 0 {
                    corpus.push(input);
                }
            }
        }
    }
    eprintln!("fuzz {name}: {runs} inputs, corpus {}", corpus.len());
    runs
}
