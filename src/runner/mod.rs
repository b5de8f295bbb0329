//! The scheduler: starts gates whose `after` gates are done, at most `jobs` at once.

pub mod cache;
pub mod signals;

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

use crate::gates::GateStatus;
use crate::gates::{self, GateContext, GateOutcome};
use crate::git::Repo;
use crate::plan::{Action, CacheScope, Job, Plan, ProtectJob};

/// Hears about gates as they start and finish (the live display).
pub trait Observer: Sync {
    /// A gate's process is about to start.
    fn started(&self, job: &Job);
    /// A gate finished (or was skipped).
    fn finished(&self, name: &str, outcome: &GateOutcome);
}

/// How the scheduler behaves.
#[derive(Debug, Clone, Copy)]
pub struct RunnerSettings {
    /// Gates at once (at least 1).
    pub jobs: usize,
    /// Start nothing new after a failure.
    pub fail_fast: bool,
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
        cache.store(&key);
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
    cache: Option<&cache::Cache>,
) -> Vec<GateOutcome> {
    let mut keys: Vec<Option<String>> = vec![None; plan.gates.len()];
    let mut states = first_states(repo, plan, observer, cache);
    let (sender, finished) = mpsc::channel::<(usize, GateOutcome)>();
    std::thread::scope(|scope| {
        let mut running = 0;
        let mut failed = false;
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
                        observer.started(job);
                        let sender = sender.clone();
                        scope.spawn(move || {
                            // A bug in one gate must not leave the scheduler waiting forever.
                            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| gates::command::run(job, context)))
                                .unwrap_or_else(|_| GateOutcome::error("backstop crashed while running this gate (a bug; please report it)"));
                            let _ = sender.send((index, outcome));
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
            let Ok((index, outcome)) = finished.recv() else {
                break;
            };
            running -= 1;
            failed |= !matches!(
                outcome.status,
                GateStatus::Passed | GateStatus::Skipped | GateStatus::Cached
            );
            observer.finished(&plan.gates[index].name, &outcome);
            if let (Some(cache), Some(key), GateStatus::Passed) =
                (cache, &keys[index], outcome.status)
            {
                cache.store(key);
            }
            states[index] = State::Done(outcome);
        }
    });
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
