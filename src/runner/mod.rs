//! The scheduler: starts gates whose `after` gates are done, at most `jobs` at once.

pub mod cache;
pub mod signals;

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

use crate::gates::GateStatus;
use crate::gates::{self, GateContext, GateOutcome};
use crate::git::Repo;
use crate::plan::{Action, CacheScope, Job, Plan};

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
            outcome.tests = cache.tests(&key);
            (Some(outcome), None)
        }
        None => (None, Some(key)),
    }
}

/// Where each gate starts: skipped gates and the protected gate are done (the protected gate
/// runs here, from the cache or in-process), command gates wait for the scheduler.
fn first_states(
    repo: &Repo,
    plan: &Plan,
    observer: &dyn Observer,
    cache: Option<&cache::Cache>,
) -> Vec<State> {
    plan.gates
        .iter()
        .map(|gate| match &gate.action {
            Action::Skip(reason) => {
                let outcome = GateOutcome::skipped(reason.clone());
                observer.finished(&gate.name, &outcome);
                State::Done(outcome)
            }
            Action::Protect(job) => {
                let outcome = match cached(cache, job.cache_scope()) {
                    (Some(hit), _) => hit,
                    (None, key) => {
                        let outcome = gates::protected::run(repo, job);
                        if let (Some(cache), Some(key), GateStatus::Passed) =
                            (cache, key, outcome.status)
                        {
                            cache.store(&key, None);
                        }
                        outcome
                    }
                };
                observer.finished(&gate.name, &outcome);
                State::Done(outcome)
            }
            Action::Run(_) => State::Waiting,
        })
        .collect()
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
                cache.store(key, outcome.tests.as_ref());
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
