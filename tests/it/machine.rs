//! Many runs on one machine: the machine-wide job budget (`settings.machine_jobs`) and single
//! flight, through the real binary in linked worktrees. Concurrency is read from what the
//! gates record (start and end times, rendezvous files), never from wall-clock thresholds;
//! a wait is made certain by gates that block until the test releases them.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::{Run, TestRepo, gate};

/// Generous: only a broken build waits this long.
const PATIENCE: Duration = Duration::from_mins(2);

/// A linked worktree of `repo` on a new branch at `HEAD`, beside the main one.
fn linked(repo: &TestRepo, name: &str) -> PathBuf {
    let path = repo.root().parent().unwrap().join(name);
    repo.git(&["worktree", "add", "-q", "-b", name, path.to_str().unwrap()]);
    path
}

/// A backstop run whose standard output is read line by line as it comes.
struct Live {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Live {
    fn start(repo: &TestRepo, dir: &Path, args: &[&str]) -> Live {
        let mut child = repo
            .backstop()
            .current_dir(dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        Live {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first line (seen so far or still to come) that starts with `prefix`.
    fn line_starting(&mut self, prefix: &str) -> String {
        if let Some(line) = self.seen.iter().find(|l| l.starts_with(prefix)) {
            return line.clone();
        }
        loop {
            match self.lines.recv_timeout(PATIENCE) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.starts_with(prefix) {
                        return line;
                    }
                }
                Err(why) => panic!(
                    "no line starting with {prefix:?} ({why}); saw {:?}",
                    self.seen
                ),
            }
        }
    }

    /// Waits for the end; the exit code and everything printed.
    fn finish(mut self) -> (i32, String) {
        let status = self.child.wait().unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut stderr).unwrap();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        let text = format!("{}\n--- stderr\n{stderr}", self.seen.join("\n"));
        (status.code().unwrap_or(-1), text)
    }
}

/// Waits until `path` has at least `n` lines.
fn wait_for_lines(path: &Path, n: usize) {
    let deadline = std::time::Instant::now() + PATIENCE;
    while std::fs::read_to_string(path).map_or(0, |t| t.lines().count()) < n {
        assert!(
            std::time::Instant::now() < deadline,
            "{} never got {n} lines",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A gate that logs its start (with its worktree), blocks until `release` exists, logs its
/// end, and then runs `then`.
fn holding_gate(log: &Path, release: &Path, then: &str) -> String {
    format!(
        "[gates.hold]\nrun = '''echo \"start $(pwd)\" >> '{log}'; while [ ! -f '{release}' ]; do sleep 0.02; done; echo \"end $(pwd)\" >> '{log}'; {then}'''\n",
        log = log.display(),
        release = release.display()
    )
}

#[test]
fn a_gate_waiting_for_a_job_slot_says_for_whom_and_starts_when_it_is_free() {
    let repo = TestRepo::new();
    let log = repo.home().join("log");
    let release = repo.home().join("release");
    repo.config(&format!(
        "[settings]\nmachine_jobs = 1\n{}",
        holding_gate(&log, &release, "true")
    ))
    .write("a.txt", "a\n")
    .commit_all("base");
    let other = linked(&repo, "other");
    let first = Live::start(&repo, &repo.root(), &["run", "--all-files", "--no-cache"]);
    wait_for_lines(&log, 1);
    let mut second = Live::start(&repo, &other, &["run", "--all-files", "--no-cache"]);
    let waiting = second.line_starting("waiting");
    let holder = format!(
        "hold in {} (pid {})",
        repo.root().display(),
        first.child.id()
    );
    assert!(
        waiting.contains("for a job slot, all 1 in use (settings.machine_jobs)")
            && waiting.contains(&holder),
        "the wait names the budget and its holder ({holder}): {waiting}"
    );
    std::fs::write(&release, "").unwrap();
    let (code, text) = first.finish();
    assert_eq!(code, 0, "{text}");
    let (code, text) = second.finish();
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("passed    hold"), "{text}");
    let root = repo.root().display().to_string();
    let other = other.display().to_string();
    assert_eq!(
        lines(&log),
        [
            format!("start {root}"),
            format!("end {root}"),
            format!("start {other}"),
            format!("end {other}")
        ],
        "one slot: the second gate started after the first ended"
    );
}

#[test]
fn the_same_check_at_the_same_content_runs_once() {
    let repo = TestRepo::new();
    let log = repo.home().join("log");
    let release = repo.home().join("release");
    repo.config(&holding_gate(&log, &release, "true"))
        .write("a.txt", "a\n")
        .commit_all("base");
    let other = linked(&repo, "other");
    let first = Live::start(&repo, &repo.root(), &["run", "--all-files"]);
    wait_for_lines(&log, 1);
    let mut second = Live::start(
        &repo,
        &other,
        &[
            "run",
            "--all-files",
            "--format",
            "human",
            "--format",
            "json",
            "--output",
            "r.json",
        ],
    );
    let waiting = second.line_starting("waiting");
    assert!(
        waiting.contains(&format!(
            "for the same check at the same content: hold in {} (pid {})",
            repo.root().display(),
            first.child.id()
        )),
        "{waiting}"
    );
    std::fs::write(&release, "").unwrap();
    let (code, text) = first.finish();
    assert_eq!(code, 0, "{text}");
    let (code, text) = second.finish();
    assert_eq!(code, 0, "{text}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(other.join("r.json")).unwrap()).unwrap();
    let hold = gate(&report, "hold");
    assert_eq!(hold["status"], "cached", "{report:#}");
    assert_eq!(
        hold["reason"],
        format!(
            "cached pass of the same check, run meanwhile in {}",
            repo.root().display()
        )
    );
    assert_eq!(lines(&log).len(), 2, "the gate ran once: {:?}", lines(&log));
}

#[test]
fn when_the_run_it_waited_for_fails_a_waiter_runs_the_gate_itself() {
    let repo = TestRepo::new();
    let log = repo.home().join("log");
    let release = repo.home().join("release");
    // The first run fails (it is alone in the log when it checks); the second passes.
    let then = format!("[ $(grep -c start '{}') -ge 2 ]", log.display());
    repo.config(&holding_gate(&log, &release, &then))
        .write("a.txt", "a\n")
        .commit_all("base");
    let other = linked(&repo, "other");
    let first = Live::start(&repo, &repo.root(), &["run", "--all-files"]);
    wait_for_lines(&log, 1);
    let mut second = Live::start(&repo, &other, &["run", "--all-files"]);
    second.line_starting("waiting");
    std::fs::write(&release, "").unwrap();
    let (code, text) = first.finish();
    assert_eq!(code, 1, "{text}");
    let (code, text) = second.finish();
    assert_eq!(code, 0, "the waiter ran the gate itself and passed: {text}");
    assert!(text.contains("passed    hold"), "{text}");
    assert_eq!(lines(&log).len(), 4, "{:?}", lines(&log));
}

#[test]
fn a_killed_run_frees_its_job_slot_and_its_flight() {
    let repo = TestRepo::new();
    let log = repo.home().join("log");
    let release = repo.home().join("release");
    repo.config(&format!(
        "[settings]\nmachine_jobs = 1\n{}",
        holding_gate(&log, &release, "true")
    ))
    .write("a.txt", "a\n")
    .commit_all("base");
    let other = linked(&repo, "other");
    let mut first = Live::start(&repo, &repo.root(), &["run", "--all-files"]);
    wait_for_lines(&log, 1);
    let mut second = Live::start(&repo, &other, &["run", "--all-files"]);
    second.line_starting("waiting");
    // SIGKILL: no unwinding, no cleanup; only the kernel lets go of the locks. The gate's own
    // process group lives on (blocked) and must hold neither.
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    wait_for_lines(&log, 2);
    std::fs::write(&release, "").unwrap();
    let (code, text) = second.finish();
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("passed    hold"), "{text}");
    assert!(
        lines(&log).contains(&format!("start {}", other.display())),
        "the waiter ran the gate itself: {:?}",
        lines(&log)
    );
}

#[test]
fn a_budget_of_two_lets_two_gates_run_together() {
    // A rendezvous: the first two gates wait for each other, so passing proves they ran at
    // once; with a budget of one the first would give up and fail.
    let repo = TestRepo::new();
    let log = repo.home().join("log");
    repo.config(&format!(
        "[settings]\nmachine_jobs = 2\n[gates.meet]\nrun = '''echo start >> '{log}'; for i in $(seq 1000); do [ $(grep -c start '{log}') -ge 2 ] && exit 0; sleep 0.02; done; exit 1'''\n",
        log = log.display()
    ))
    .write("a.txt", "a\n")
    .commit_all("base");
    let worktrees: Vec<PathBuf> = (1..=3).map(|n| linked(&repo, &format!("w{n}"))).collect();
    let runs: Vec<Live> = worktrees
        .iter()
        .map(|w| Live::start(&repo, w, &["run", "--all-files", "--no-cache"]))
        .collect();
    for run in runs {
        let (code, text) = run.finish();
        assert_eq!(code, 0, "{text}");
    }
    assert_eq!(lines(&log).len(), 3);
}

/// One Stop hook of Claude Code for the worktree `cwd`, started now.
fn stop_hook(repo: &TestRepo, cwd: &Path, session: &str) -> Child {
    let mut child = repo
        .backstop()
        .current_dir(cwd)
        // What Claude Code sets for each worktree's session (review B3: it made the cache
        // keys of two worktrees at the same content differ).
        .env("CLAUDE_PROJECT_DIR", cwd)
        .args(["hook", "claude", "stop"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let payload = serde_json::json!({
        "session_id": session,
        "cwd": cwd,
        "hook_event_name": "Stop",
        "stop_hook_active": false,
    });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(payload.to_string().as_bytes())
        .unwrap();
    child
}

/// The most gates running at one instant, from `start end` pairs in nanoseconds.
fn peak(intervals: &[(u128, u128)]) -> usize {
    let mut events: Vec<(u128, i32)> = intervals
        .iter()
        .flat_map(|(start, end)| [(*start, 1), (*end, -1)])
        .collect();
    // An end before a start at the same instant: touching intervals do not overlap.
    events.sort_unstable();
    let mut now = 0;
    let mut most = 0;
    for (_, step) in events {
        now += step;
        most = most.max(now);
    }
    usize::try_from(most).unwrap()
}

#[test]
fn four_worktrees_stopping_together_share_a_budget_of_two() {
    let repo = TestRepo::new();
    let log = repo.home().join("intervals");
    // CPU-bound: a shell loop, timed by the gate itself.
    repo.config(&format!(
        "[settings]\nbase = \"main\"\nmachine_jobs = 2\n[gates.cpu]\nrun = '''s=$(date +%s%N); i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; e=$(date +%s%N); echo \"$s $e $(pwd)\" >> '{}' '''\non = [\"stop\"]\n",
        log.display()
    ))
    .write("a.txt", "a\n")
    .commit_all("base");
    let worktrees: Vec<PathBuf> = (1..=4)
        .map(|n| linked(&repo, &format!("agent{n}")))
        .collect();
    // agent1 and agent2 stay at the same content; agent3 and agent4 each change a file.
    std::fs::write(worktrees[2].join("a.txt"), "three\n").unwrap();
    std::fs::write(worktrees[3].join("a.txt"), "four\n").unwrap();
    let hooks: Vec<Child> = worktrees
        .iter()
        .enumerate()
        .map(|(n, w)| stop_hook(&repo, w, &format!("session-{n}")))
        .collect();
    for hook in hooks {
        let output = Run(hook.wait_with_output().unwrap());
        output.expect_code(0);
        assert_eq!(
            output.stdout(),
            "",
            "every stop passes: {}",
            output.stderr()
        );
    }
    let recorded = lines(&log);
    let intervals: Vec<(u128, u128)> = recorded
        .iter()
        .map(|line| {
            let mut parts = line.split(' ');
            let start = parts.next().unwrap().parse().unwrap();
            let end = parts.next().unwrap().parse().unwrap();
            (start, end)
        })
        .collect();
    assert!(
        peak(&intervals) <= 2,
        "more than 2 gates at once: {recorded:?}"
    );
    let mut ran: Vec<&str> = recorded
        .iter()
        .map(|l| l.splitn(3, ' ').nth(2).unwrap())
        .collect();
    ran.sort_unstable();
    let name = |n: usize| worktrees[n].display().to_string();
    assert_eq!(
        ran.len(),
        3,
        "agent1 and agent2 are at the same content: the gate ran once for both: {recorded:?}"
    );
    assert!(ran.contains(&name(2).as_str()) && ran.contains(&name(3).as_str()));
    assert!(ran.contains(&name(0).as_str()) || ran.contains(&name(1).as_str()));
}

#[test]
fn the_interval_count_sees_overlap() {
    // The check above must be able to fail.
    assert_eq!(peak(&[(0, 10), (5, 15), (6, 7)]), 3);
    assert_eq!(peak(&[(0, 10), (10, 20)]), 1);
}
