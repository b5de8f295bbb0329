//! The baseline run: what the gates said about the base snapshot (diagnostics, and the tests
//! a test runner named), computed once per base content in a temporary worktree and kept under
//! the git common dir for every worktree. Two things read it: `only_new` (a failed gate passes
//! when every problem it reports existed at the base) and the test census (`test-not-run`:
//! a test that passed at the base no longer runs). Nothing is computed when nothing asks.

mod background;
pub mod census;
mod compare;
mod compute;
mod lines;
mod lock;
mod memo;
mod record;

use std::collections::BTreeSet;
use std::sync::Mutex;

pub use background::{start_in_background, worker};
pub use record::clear;

use crate::finding::FindingKind;
use crate::gates::{GateOutcome, GateStatus};
use crate::git::Repo;
use crate::plan::{Action, Job, Plan};
use crate::runner::{Observer, RunnerSettings, Wait};

/// What the protected gate says after the census found tests that stopped running.
const CENSUS_ADVICE: &str = "A test that passed at the base no longer runs or passes. Make it run again (look for a flag, a config or a fixture that switched it off); if that is intended, a person approves it with `backstop approve`.\n";

/// Whether the test census applies to this plan: the protected gate runs and does not allow
/// `test-not-run`.
fn census_active(plan: &Plan) -> bool {
    plan.protect()
        .is_some_and(|job| !job.config.allow.contains(&FindingKind::TestNotRun))
}

/// Waits while another process computes the baseline of a gate this run is about to run (the
/// worker `SessionStart` started): the same gate must not run on the base and on the target at
/// once (a test server's fixed port, a report file in a shared directory).
pub fn wait_for_the_same_gates(repo: &Repo, plan: &Plan) {
    let dir = record::directory(repo.common_dir());
    let Some(computing) = lock::Lock::computing(&dir) else {
        return;
    };
    if plan.jobs().any(|job| computing.contains(&job.name)) {
        drop(lock::Lock::acquire(&dir));
    }
}

/// Applies the baseline to the outcomes of a run: `only_new` verdicts, base marks on
/// diagnostics, and the test census (merged into the protected gate). Reads or computes the
/// records only for gates that ask; returns the outcomes unchanged when none does.
pub fn settle(
    repo: &Repo,
    plan: &Plan,
    runner: RunnerSettings,
    mut outcomes: Vec<GateOutcome>,
) -> Vec<GateOutcome> {
    let dir = record::directory(repo.common_dir());
    let census_on = census_active(plan);
    let mut memo = memo::Memo::load(&dir);
    let mut only_new = Vec::new();
    let mut census_gates = Vec::new();
    for (index, gate) in plan.gates.iter().enumerate() {
        let (Action::Run(job), Some(outcome)) = (&gate.action, outcomes.get(index)) else {
            continue;
        };
        let named = outcome
            .tests
            .as_ref()
            .is_some_and(|t| !t.results.is_empty());
        // Once a gate named tests it stays a test gate: a run that names none is suspect.
        if (named || (outcome.status == GateStatus::Passed && job.parser.is_some()))
            && memo.names_tests(&job.definition) != Some(true)
        {
            memo.learn(&job.definition, named);
        }
        if job.only_new
            && outcome.status == GateStatus::Failed
            && outcome.diagnostics.iter().any(|d| d.file.is_some())
        {
            only_new.push(index);
        }
        let ran = matches!(
            outcome.status,
            GateStatus::Passed | GateStatus::Failed | GateStatus::Cached
        );
        if census_on && ran && (named || memo.names_tests(&job.definition) == Some(true)) {
            census_gates.push(index);
        }
    }
    memo.save(&dir);
    let (Some(base), false) = (
        plan.snapshot.base,
        only_new.is_empty() && census_gates.is_empty(),
    ) else {
        return outcomes;
    };
    let mut wanted: Vec<compute::Wanted> = Vec::new();
    for &index in only_new.iter().chain(&census_gates) {
        let gate = &plan.gates[index];
        if wanted.iter().any(|w| w.name == gate.name) {
            continue;
        }
        // A linter handed the changed files is compared on those files alone (a test runner
        // of the census, on everything).
        let files = match &gate.action {
            Action::Run(job) if job.pass_files && !census_gates.contains(&index) => {
                Some(job.files.clone())
            }
            _ => None,
        };
        wanted.push(compute::Wanted {
            name: gate.name.clone(),
            files,
        });
    }
    let names: Vec<String> = wanted.iter().map(|w| w.name.clone()).collect();
    let run = compute::Run {
        trigger: plan.trigger(),
        runner,
    };
    let records = match compute::records(repo, &plan.config, &wanted, base, run) {
        Ok(records) => records,
        Err(error) => {
            eprintln!(
                "backstop: warning: no baseline for {}: {error:#}",
                names.join(", ")
            );
            return outcomes;
        }
    };
    let target = match repo.contents(plan.snapshot.target) {
        Ok(target) => target,
        Err(error) => {
            eprintln!("backstop: warning: cannot read the target for the baseline: {error:#}");
            return outcomes;
        }
    };
    let lines = lines::Lines::new(repo, base, target);
    let follow = |file: &str, line: u32| lines.follow(file, line);
    for (index, gate) in plan.gates.iter().enumerate() {
        let (Action::Run(job), Some(record)) = (&gate.action, records.get(&gate.name)) else {
            continue;
        };
        let outcome = &mut outcomes[index];
        let verdict = compare::mark(
            &mut outcome.diagnostics,
            &record.diagnostics,
            &job.root,
            &follow,
        );
        judge(job, outcome, verdict, record.failed());
    }
    if census_on {
        census(repo, plan, &census_gates, &records, &mut outcomes);
    }
    outcomes
}

/// The gate's verdict in the light of the base: an `only_new` gate whose every problem is
/// old passes; a failure with nothing located that failed at the base too says so.
fn judge(job: &Job, outcome: &mut GateOutcome, verdict: compare::Verdict, failed_at_base: bool) {
    if outcome.status != GateStatus::Failed {
        return;
    }
    if job.only_new && verdict.located {
        if verdict.new == 0 {
            outcome.status = GateStatus::Passed;
            outcome.reason = Some(format!(
                "{} problem(s) already at the base, none new",
                verdict.old
            ));
        } else if verdict.old > 0 {
            outcome.reason = Some(format!(
                "{} new problem(s); {} already at the base are not counted",
                verdict.new, verdict.old
            ));
        }
    } else if failed_at_base && !verdict.located {
        outcome.reason = Some("failing before your change: it failed at the base too".to_owned());
    }
}

/// Takes the census of the gates that ran tests and adds its unapproved findings to the
/// protected gate's outcome.
fn census(
    repo: &Repo,
    plan: &Plan,
    gates: &[usize],
    records: &std::collections::HashMap<String, record::Record>,
    outcomes: &mut [GateOutcome],
) {
    let taken: Vec<census::Census<'_>> = gates
        .iter()
        .filter_map(|&index| {
            let name = plan.gates[index].name.as_str();
            let outcome = &outcomes[index];
            Some(census::Census {
                gate: name,
                base: records.get(name)?.tests.as_ref()?,
                target: outcome.tests.as_ref(),
                complete: match outcome.status {
                    GateStatus::Passed => true,
                    GateStatus::Cached => outcome.tests.is_some(),
                    _ => false,
                },
            })
        })
        .collect();
    let mut found = census::findings(&taken, &BTreeSet::new());
    let Some(job) = plan.protect() else { return };
    if !found.is_empty() {
        // Only now worth reading the tests of the diff: which of these it deleted or marked.
        let spoken_for = crate::protected::tests_the_diff_changes(repo, &job.scope())
            .unwrap_or_else(|error| {
                eprintln!("backstop: warning: cannot read the tests of the diff: {error:#}");
                BTreeSet::new()
            });
        found = census::findings(&taken, &spoken_for);
    }
    census::keep_last(repo, &found);
    let approved = crate::protected::approve::approved(repo);
    let open: Vec<_> = found
        .into_iter()
        .filter(|f| !approved.contains(&crate::protected::approve::fingerprint(f)))
        .collect();
    let Some(index) = plan
        .gates
        .iter()
        .position(|g| matches!(g.action, Action::Protect(_)))
    else {
        return;
    };
    if open.is_empty() {
        return;
    }
    let outcome = &mut outcomes[index];
    let mut output = outcome.output.take().unwrap_or_default();
    output.push_str(&crate::protected::describe(&open));
    if job.allow {
        outcome.reason = Some(format!(
            "{} test-not-run finding(s) allowed by --allow-protected",
            open.len()
        ));
    } else {
        output.push_str(CENSUS_ADVICE);
        outcome.status = GateStatus::Failed;
        outcome.exit_code = None;
    }
    outcome.output = Some(output);
    outcome.findings.extend(open);
}

/// The live display while a baseline may still change verdicts: the lines of failed
/// `only_new` gates and of the protected gate (when the census applies) wait for
/// [`Held::release`], so the display shows each gate's final word once.
pub struct Held<'a> {
    inner: &'a dyn Observer,
    names: Vec<String>,
    waiting: Mutex<Vec<String>>,
}

impl<'a> Held<'a> {
    /// Holds back what the baseline may change in `plan`.
    pub fn new(inner: &'a dyn Observer, plan: &Plan) -> Held<'a> {
        let census_on = census_active(plan);
        let names = plan
            .gates
            .iter()
            .filter(|g| match &g.action {
                Action::Run(job) => job.only_new,
                Action::Protect(_) => census_on,
                Action::Skip(_) => false,
            })
            .map(|g| g.name.clone())
            .collect();
        Held {
            inner,
            names,
            waiting: Mutex::new(Vec::new()),
        }
    }

    /// Shows the held lines with the final outcomes.
    pub fn release(&self, plan: &Plan, outcomes: &[GateOutcome]) {
        let waiting = std::mem::take(
            &mut *self
                .waiting
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for (gate, outcome) in plan.gates.iter().zip(outcomes) {
            if waiting.contains(&gate.name) {
                self.inner.finished(&gate.name, outcome);
            }
        }
    }
}

impl Observer for Held<'_> {
    fn waiting(&self, job: &Job, wait: &Wait<'_>) {
        self.inner.waiting(job, wait);
    }

    fn started(&self, job: &Job) {
        self.inner.started(job);
    }

    fn finished(&self, name: &str, outcome: &GateOutcome) {
        let holding = self.names.iter().any(|h| h == name)
            && (name == crate::config::PROTECTED_GATE || outcome.status == GateStatus::Failed);
        if holding {
            self.waiting
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(name.to_owned());
        } else {
            self.inner.finished(name, outcome);
        }
    }
}
