//! The scheduler: starts gates whose `after` gates are done, at most `jobs` at once, each
//! holding a slot of the machine-wide budget while its process runs ([`budget`]), and never
//! running a check that another run is running at the same content ([`flight`]).

pub mod budget;
pub mod cache;
pub mod flight;
pub mod signals;

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use budget::{Budget, Holder};
use flight::{Boarded, Flight, Flights};

use crate::gates::GateStatus;
use crate::gates::{self, GateContext, GateOutcome};
use crate::git::Repo;
use crate::plan::{Action, CacheScope, Job, Plan, ProtectJob};

/// Hears about gates as they wait, start and finish (the live display).
pub trait Observer: Sync {
    /// A gate waits before it can start, for the reason given (said again when it changes).
    fn waiting(&self, job: &Job, wait: &Wait<'_>);
    /// A gate's process is about to start.
    fn started(&self, job: &Job);
    /// A gate finished (or was skipped).
    fn finished(&self, name: &str, outcome: &GateOutcome);
}

/// Why a gate waits before it starts.
#[derive(Debug, Clone, Copy)]
pub enum Wait<'a> {
    /// Every slot of the machine-wide budget is taken, by these.
    Slots {
        /// `machine_jobs`.
        budget: usize,
        /// Who holds the slots.
        holders: &'a [Holder],
    },
    /// Another run is running the same check at the same content; its pass will do.
    SameCheck {
        /// Who runs it, when known.
        holder: Option<&'a Holder>,
    },
}

/// "for a job slot, all 2 in use: ..." or "for the same check at the same content: ...".
impl std::fmt::Display for Wait<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Wait::Slots { budget, holders } => {
                write!(
                    f,
                    "for a job slot, all {budget} in use (settings.machine_jobs)"
                )?;
                let names: Vec<String> = holders.iter().map(ToString::to_string).collect();
                if !names.is_empty() {
                    write!(f, ": {}", names.join(", "))?;
                }
                Ok(())
            }
            Wait::SameCheck { holder } => {
                write!(f, "for the same check at the same content")?;
                if let Some(holder) = holder {
                    write!(f, ": {holder}")?;
                }
                Ok(())
            }
        }
    }
}

/// How the scheduler behaves.
#[derive(Debug, Clone, Copy)]
pub struct RunnerSettings {
    /// Gates at once (at least 1).
    pub jobs: usize,
    /// Start nothing new after a failure.
    pub fail_fast: bool,
    /// Gate processes at once across this user's runs on this machine (at least 1).
    pub machine_jobs: usize,
}

/// What a run shares with other runs: the result cache, the flights of its keys, and how to
/// store its passes early when another run waits for one.
#[derive(Clone, Copy)]
pub struct Shared<'a> {
    /// The result cache, when the run uses it.
    pub cache: Option<&'a cache::Cache>,
    /// Single flight, when the run uses the cache.
    pub flights: Option<&'a Flights>,
    /// Stores the run's passes so far if the content did not change (another run waits).
    pub confirm: &'a dyn Fn(),
}

enum State {
    Waiting,
    Running,
    Done(GateOutcome),
}

/// A cached pass of the gate with this cache scope, if there is one.
fn cached(
    cache: Option<&cache::Cache>,
    scope: CacheScope<'_>,
) -> (Option<GateOutcome>, Option<String>) {
    let Some(cache) = cache else {
        return (None, None);
    };
    let key = cache.key(scope);
    match cache.hit(&key) {
        Some(age) => {
            let mut outcome = GateOutcome::skipped(format!("cached pass, {} old", cache::age(age)));
            outcome.status = GateStatus::Cached;
            outcome.tests = cache.tests(&key);
            (Some(outcome), None)
        }
        None => (None, Some(key)),
    }
}

/// Where each gate starts: the protected gate is done first (from the cache or in-process, so
/// the display shows it first, as it is the fastest), then the skipped gates; command gates wait
/// for the scheduler.
fn first_states(
    repo: &Repo,
    plan: &Plan,
    observer: &dyn Observer,
    cache: Option<&cache::Cache>,
) -> Vec<State> {
    let mut states: Vec<State> = plan.gates.iter().map(|_| State::Waiting).collect();
    for (state, gate) in states.iter_mut().zip(&plan.gates) {
        let Action::Protect(job) = &gate.action else {
            continue;
        };
        let outcome = run_protected(repo, job, cache);
        observer.finished(&gate.name, &outcome);
        *state = State::Done(outcome);
    }
    for (state, gate) in states.iter_mut().zip(&plan.gates) {
        if let Action::Skip(reason) = &gate.action {
            let outcome = GateOutcome::skipped(reason.clone());
            observer.finished(&gate.name, &outcome);
            *state = State::Done(outcome);
        }
    }
    states
}

/// The protected gate, answered from the cache when what it reads is what an earlier pass
/// read. Its key names every byte it reads, so it never depends on what the command gates see.
fn run_protected(repo: &Repo, job: &ProtectJob, cache: Option<&cache::Cache>) -> GateOutcome {
    let read = cache.and_then(|_| gates::protected::read_fingerprint(repo, job));
    let definition = read
        .as_ref()
        .map(|read| format!("{}\n{read}", job.definition()));
    let scope = definition.as_deref().map(|definition| CacheScope {
        definition,
        files: &[],
        cwd: std::path::Path::new(""),
        inputs: None,
        tree: false,
    });
    let (hit, key) = match scope {
        Some(scope) => cached(cache, scope),
        None => (None, None),
    };
    if let Some(hit) = hit {
        return hit;
    }
    let outcome = gates::protected::run(repo, job);
    // A pass with findings (`--allow-protected`) must report them again; a pass is stored only
    // if what the gate read did not change while it ran.
    if let (Some(cache), Some(key), GateStatus::Passed, true) =
        (cache, key, outcome.status, outcome.findings.is_empty())
        && gates::protected::read_fingerprint(repo, job) == read
    {
        // Its key names what it read, checked again just above: no look at the worktree is
        // needed, so the pass is always worth storing.
        cache.store(&key, std::time::Duration::MAX, None);
    }
    outcome
}

/// Runs the plan and returns one outcome per planned gate, in plan order. The protected gate
/// runs first, in this thread (it reads `repo`'s objects and starts no process); command gates
/// run in threads of their own.
pub fn run(
    repo: &Repo,
    plan: &Plan,
    context: &GateContext,
    settings: RunnerSettings,
    observer: &dyn Observer,
    shared: Shared<'_>,
) -> Vec<GateOutcome> {
    let cache = shared.cache;
    let budget = if plan.runs_nothing() {
        None
    } else {
        Budget::new(settings.machine_jobs)
    };
    let mut keys: Vec<Option<String>> = vec![None; plan.gates.len()];
    let mut states = first_states(repo, plan, observer, cache);
    let (sender, finished) = mpsc::channel::<(usize, GateOutcome, Option<Flight>)>();
    std::thread::scope(|scope| {
        let mut running = 0;
        let mut failed = false;
        let mut served = Instant::now();
        loop {
            let stop_starting = signals::interrupted().is_some() || (settings.fail_fast && failed);
            // A cached pass finishes at once and may let later gates start: scan again.
            let mut progressed = false;
            if !stop_starting {
                for index in 0..plan.gates.len() {
                    if running >= settings.jobs.max(1) {
                        break;
                    }
                    let gate = &plan.gates[index];
                    let ready = matches!(states[index], State::Waiting)
                        && gate
                            .after
                            .iter()
                            .all(|dep| matches!(states[*dep], State::Done(_)));
                    if let (true, Action::Run(job)) = (ready, &gate.action) {
                        // A fixer changes files: its run is never answered from the cache.
                        let usable = cache.filter(|_| !job.fix_first);
                        match cached(usable, job.cache_scope()) {
                            (Some(mut hit), _) => {
                                hit.exit_code = Some(0);
                                observer.finished(&gate.name, &hit);
                                states[index] = State::Done(hit);
                                progressed = true;
                                continue;
                            }
                            (None, key) => keys[index] = key,
                        }
                        states[index] = State::Running;
                        running += 1;
                        let sender = sender.clone();
                        let start = Start {
                            job,
                            context,
                            key: keys[index].clone(),
                            cache: usable,
                            flights: shared.flights.filter(|_| usable.is_some()),
                            budget: budget.as_ref(),
                            observer,
                        };
                        scope.spawn(move || {
                            // A bug in one gate must not leave the scheduler waiting forever.
                            let (outcome, flight) = std::panic::catch_unwind(AssertUnwindSafe(|| start.run()))
                                .unwrap_or_else(|_| (GateOutcome::error("backstop crashed while running this gate (a bug; please report it)"), None));
                            let _ = sender.send((index, outcome, flight));
                        });
                    }
                }
            }
            if running == 0 {
                if progressed {
                    continue;
                }
                break;
            }
            let (index, outcome, flight) = match finished.recv_timeout(SERVE_EVERY) {
                Ok(message) => message,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    serve(shared, &mut served);
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            running -= 1;
            // An `only_new` gate's failure is not final: the baseline may find every problem
            // old. Fail-fast waits for a failure that is.
            let provisional = outcome.status == GateStatus::Failed
                && matches!(&plan.gates[index].action, Action::Run(job) if job.only_new);
            failed |= !provisional
                && !matches!(
                    outcome.status,
                    GateStatus::Passed | GateStatus::Skipped | GateStatus::Cached
                );
            observer.finished(&plan.gates[index].name, &outcome);
            if let (Some(cache), Some(key), GateStatus::Passed) =
                (cache, &keys[index], outcome.status)
            {
                cache.store(key, outcome.duration, outcome.tests.as_ref());
                // Held until the pass is stored, so a waiting run finds it.
                if let (Some(flights), Some(flight)) = (shared.flights, flight) {
                    flights.hold(flight);
                }
            }
            serve(shared, &mut served);
            states[index] = State::Done(outcome);
        }
    });
    outcomes(states, plan, observer)
}

/// One outcome per planned gate; gates that never finished are skipped, saying why.
fn outcomes(states: Vec<State>, plan: &Plan, observer: &dyn Observer) -> Vec<GateOutcome> {
    let leftover = if signals::interrupted().is_some() {
        "interrupted"
    } else {
        "not started: fail-fast after a failure"
    };
    states
        .into_iter()
        .zip(&plan.gates)
        .map(|(state, gate)| match state {
            State::Done(outcome) => outcome,
            State::Waiting | State::Running => {
                let outcome = GateOutcome::skipped(leftover);
                observer.finished(&gate.name, &outcome);
                outcome
            }
        })
        .collect()
}

/// How often a run with finished passes looks for runs waiting on them.
const SERVE_EVERY: Duration = Duration::from_millis(100);

/// Lets runs waiting for this run's passes have them (at most every [`SERVE_EVERY`]).
fn serve(shared: Shared<'_>, last: &mut Instant) {
    if let Some(flights) = shared.flights
        && last.elapsed() >= SERVE_EVERY
    {
        flights.serve_waiters(shared.confirm);
        *last = Instant::now();
    }
}

/// One command gate on its way to running, in a thread of its own.
struct Start<'a> {
    job: &'a Job,
    context: &'a GateContext,
    key: Option<String>,
    cache: Option<&'a cache::Cache>,
    flights: Option<&'a Flights>,
    budget: Option<&'a Budget>,
    observer: &'a dyn Observer,
}

impl Start<'_> {
    /// Waits for the same check run elsewhere, then for a job slot, then runs the gate.
    /// Returns the outcome and the flight of its key (held until its pass is stored).
    fn run(self) -> (GateOutcome, Option<Flight>) {
        let Start {
            job,
            context,
            key,
            cache,
            flights,
            budget,
            observer,
        } = self;
        let me = Holder::me(&job.name, &job.root);
        let flight = match (flights, key.as_deref(), cache) {
            (Some(flights), Some(key), Some(cache)) => match flights.board(
                key,
                &me,
                |holder| observer.waiting(job, &Wait::SameCheck { holder }),
                || cache.hit(key).is_some(),
            ) {
                Boarded::Lead(flight) => flight,
                Boarded::Answered(holder) => {
                    let mut outcome = GateOutcome::skipped(match holder {
                        Some(holder) => format!(
                            "cached pass of the same check, run meanwhile in {}",
                            holder.worktree.display()
                        ),
                        None => "cached pass of the same check, run meanwhile".to_owned(),
                    });
                    outcome.status = GateStatus::Cached;
                    outcome.exit_code = Some(0);
                    return (outcome, None);
                }
                Boarded::Interrupted => return (GateOutcome::skipped("interrupted"), None),
            },
            _ => None,
        };
        let slot = match budget {
            Some(budget) => {
                let waiting = |holders: &[Holder]| {
                    observer.waiting(
                        job,
                        &Wait::Slots {
                            budget: budget.size(),
                            holders,
                        },
                    );
                };
                match budget.acquire(&me, waiting) {
                    Some(slot) => Some(slot),
                    None => return (GateOutcome::skipped("interrupted"), flight),
                }
            }
            None => None,
        };
        observer.started(job);
        let outcome = gates::run(job, context);
        drop(slot);
        (outcome, flight)
    }
}
