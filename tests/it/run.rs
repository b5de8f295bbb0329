//! `backstop run`: verdicts, scheduling, timeouts, files handed to gates, output handling.

use std::os::unix::ffi::OsStrExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{TestRepo, bytes_path, gate};

/// Whether a process is still running (a zombie or a missing entry counts as gone).
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with(|c| c != 'Z'))
        })
        .unwrap_or(false)
}

fn wait_for_file(path: &std::path::Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} never appeared", path.display());
}

#[test]
fn passing_failing_and_skipped_gates() {
    let repo = TestRepo::new();
    repo.config(
        r#"
[gates.good]
run = "echo all good"
[gates.bad]
run = "echo 'src/lib.rs:3: broken' >&2; exit 3"
[gates.docs]
run = "true"
files = ["*.md"]
"#,
    );
    repo.write("src/lib.rs", "x");
    let human = repo.run(&["run"]);
    human.expect_code(1);
    let out = human.stdout();
    assert!(
        out.contains("src/lib.rs:3: broken"),
        "failed output shown:\n{out}"
    );
    assert!(out.contains("backstop: 1 of 2 gates failed: bad"), "{out}");
    assert!(
        !out.contains("all good"),
        "passing output is not shown:\n{out}"
    );

    // The human run above stored good's pass; this run must judge afresh to show `passed`.
    let (run, report) = repo.report(&["run", "--no-cache"]);
    run.expect_code(1);
    assert_eq!(report["ok"], false);
    assert_eq!(gate(&report, "good")["status"], "passed");
    assert_eq!(gate(&report, "good")["exit_code"], 0);
    assert_eq!(gate(&report, "bad")["status"], "failed");
    assert_eq!(gate(&report, "bad")["exit_code"], 3);
    assert_eq!(gate(&report, "bad")["output"], "src/lib.rs:3: broken\n");
    assert_eq!(gate(&report, "docs")["status"], "skipped");
    assert_eq!(gate(&report, "docs")["reason"], "no matching files");
    assert_eq!(gate(&report, "docs")["output"], serde_json::Value::Null);

    let (run, report) = repo.report(&["run", "--skip", "bad"]);
    run.expect_code(0);
    assert_eq!(report["ok"], true);
    assert_eq!(gate(&report, "bad")["reason"], "skipped by user (--skip)");
}

#[test]
fn backstop_skip_environment_variable_skips_for_a_person() {
    let repo = TestRepo::new();
    repo.config("[gates.bad]\nrun = \"exit 1\"\n[gates.good]\nrun = \"true\"\n")
        .write("a", "a");
    let output = repo
        .backstop()
        .args(["run", "--format", "json"])
        .env("BACKSTOP_SKIP", "bad")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(gate(&report, "bad")["status"], "skipped");
    assert_eq!(
        gate(&report, "bad")["reason"],
        "skipped by user (BACKSTOP_SKIP)"
    );
    assert_eq!(gate(&report, "good")["status"], "passed");
}

#[test]
fn timed_out_gate_has_its_whole_process_group_killed() {
    let repo = TestRepo::new();
    let pid_file = repo.home().join("child.pid");
    repo.config(&format!(
        "[gates.slow]\nrun = \"sleep 300 & echo $! > '{}'; sleep 300\"\ntimeout = \"1s\"\n",
        pid_file.display()
    ))
    .write("a", "a");
    let started = Instant::now();
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    assert!(
        started.elapsed() < Duration::from_mins(1),
        "the timeout did not stop the gate"
    );
    let slow = gate(&report, "slow");
    assert_eq!(slow["status"], "timed_out");
    assert_eq!(slow["exit_code"], serde_json::Value::Null);
    assert!(
        slow["reason"]
            .as_str()
            .unwrap()
            .contains("timed out after 1s"),
        "{slow}"
    );
    let child = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        !alive(&child),
        "the gate's background child {child} survived the timeout"
    );
}

#[test]
fn background_process_left_by_a_finished_gate_is_stopped() {
    let repo = TestRepo::new();
    let pid_file = repo.home().join("bg.pid");
    repo.config(&format!(
        "[gates.leaky]\nrun = \"sleep 300 & echo $! > '{}'\"\n",
        pid_file.display()
    ))
    .write("a", "a");
    let started = Instant::now();
    let (run, report) = repo.report(&["run"]);
    run.expect_code(0);
    assert_eq!(gate(&report, "leaky")["status"], "passed");
    assert!(started.elapsed() < Duration::from_secs(30));
    let child = std::fs::read_to_string(&pid_file).unwrap();
    assert!(!alive(&child), "the orphan {child} outlived its gate");
}

#[test]
fn after_orders_gates_and_the_rest_run_in_parallel() {
    let repo = TestRepo::new();
    repo.config(
        r#"
[settings]
jobs = 4
[gates.third]
run = "test -f second.done && touch third.done"
after = ["second"]
[gates.first]
run = "sleep 0.3 && touch first.done"
[gates.second]
run = "test -f first.done && touch second.done"
after = ["first"]
"#,
    )
    .write(".gitignore", "*.done\n");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(0);
    for name in ["first", "second", "third"] {
        assert_eq!(gate(&report, name)["status"], "passed", "{report:#}");
    }
    let names: Vec<&str> = report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["third", "first", "second"],
        "the report keeps config order"
    );
}

#[test]
fn independent_gates_run_at_the_same_time() {
    // A rendezvous: each gate waits until all four have started. Run one at a time, the
    // first would give up; so passing proves they overlapped, without timing anything.
    let repo = TestRepo::new();
    let meet = repo.home().join("meet");
    std::fs::create_dir(&meet).unwrap();
    // A budget of four, so a machine with fewer cores still starts them together.
    let mut config = String::from("[settings]\njobs = 4\nmachine_jobs = 4\n");
    for n in 1..=4 {
        config.push_str(&format!(
            "[gates.g{n}]\nrun = '''touch {dir}/{n}; for i in $(seq 200); do [ $(ls {dir} | wc -l) -ge 4 ] && exit 0; sleep 0.05; done; exit 1'''\n",
            dir = meet.display()
        ));
    }
    repo.config(&config).write("a", "a");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(0);
    assert_eq!(report["ok"], true, "{report:#}");
}

#[test]
fn four_one_second_gates_overlap_in_the_report_durations() {
    let repo = TestRepo::new();
    let mut config = String::from("[settings]\njobs = 4\nmachine_jobs = 4\n");
    for n in 1..=4 {
        config.push_str(&format!("[gates.sleep{n}]\nrun = \"sleep 1\"\n"));
    }
    repo.config(&config).write("a", "a");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(0);
    let sum: u64 = report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["duration_ms"].as_u64().unwrap())
        .sum();
    let total = report["duration_ms"].as_u64().unwrap();
    assert!(sum >= 4000, "each gate slept a second: {sum} ms in all");
    // Run one after another, the total would exceed the sum; overlapping, it is near one gate.
    assert!(
        total * 2 < sum,
        "total {total} ms for {sum} ms of gates: they did not overlap"
    );
}

#[test]
fn jobs_one_runs_gates_one_at_a_time() {
    let repo = TestRepo::new();
    let lock = repo.home().join("lock");
    let mut config = String::from("[settings]\njobs = 1\n");
    for n in 1..=3 {
        // mkdir is atomic: it fails if another gate holds the lock at the same time.
        config.push_str(&format!(
            "[gates.g{n}]\nrun = \"mkdir '{lock}' && sleep 0.2 && rmdir '{lock}'\"\n",
            lock = lock.display()
        ));
    }
    repo.config(&config).write("a", "a");
    repo.run(&["run"]).expect_code(0);
}

#[test]
fn fail_fast_starts_nothing_after_a_failure() {
    let repo = TestRepo::new();
    repo.config("[settings]\njobs = 1\n[gates.a]\nrun = \"exit 1\"\n[gates.b]\nrun = \"touch b.ran\"\n[gates.c]\nrun = \"true\"\nafter = [\"a\"]\n")
        .write("x", "x");
    let (run, report) = repo.report(&["run", "--fail-fast"]);
    run.expect_code(1);
    assert_eq!(gate(&report, "a")["status"], "failed");
    for name in ["b", "c"] {
        assert_eq!(gate(&report, name)["status"], "skipped");
        assert!(
            gate(&report, name)["reason"]
                .as_str()
                .unwrap()
                .contains("fail-fast")
        );
    }
    assert!(!repo.root().join("b.ran").exists());

    // Without fail-fast every gate runs, and `after` is ordering, not a dependency on success.
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    assert_eq!(gate(&report, "b")["status"], "passed");
    assert_eq!(gate(&report, "c")["status"], "passed");

    repo.config("[settings]\njobs = 1\nfail_fast = true\n[gates.a]\nrun = \"exit 1\"\n[gates.b]\nrun = \"true\"\n");
    let (_, report) = repo.report(&["run"]);
    assert_eq!(
        gate(&report, "b")["status"],
        "skipped",
        "settings.fail_fast works too"
    );
}

#[test]
fn awkward_file_names_reach_a_pass_files_gate_intact() {
    let repo = TestRepo::new();
    let args_out = repo.home().join("args.bin");
    let list_out = repo.home().join("list.bin");
    repo.config(&format!(
        "[settings]\nbase = \"HEAD\"\n[gates.names]\nrun = '''printf '%s\\0' \"$@\" > '{}'; cat \"$BACKSTOP_FILES\" > '{}'; printf x'''\npass_files = true\n",
        args_out.display(),
        list_out.display()
    ));
    let names: Vec<Vec<u8>> = vec![
        b"with space.txt".to_vec(),
        "ünïcødé ✓.txt".as_bytes().to_vec(),
        b"new\nline.txt".to_vec(),
        b"-leading-dash.txt".to_vec(),
        b"--".to_vec(),
        b"not-utf8-\xff\xfe.txt".to_vec(),
        b"quote'\"$(touch pwned).txt".to_vec(),
    ];
    for name in &names {
        repo.write(bytes_path(name), "x");
    }
    repo.commit_all("base");
    for name in &names {
        repo.write(bytes_path(name), "changed");
    }
    let (run, report) = repo.report(&["run"]);
    run.expect_code(0);
    assert_eq!(gate(&report, "names")["status"], "passed");

    let mut expected = names.clone();
    expected.sort();
    // Each name arrives whole, as `./name` (issue 14: no name is ever read as an option).
    let joined: Vec<u8> = expected
        .iter()
        .flat_map(|n| b"./".iter().chain(n.iter()).copied().chain([0]))
        .collect();
    let got_args = std::fs::read(&args_out).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&got_args),
        String::from_utf8_lossy(&joined),
        "\"$@\""
    );
    assert_eq!(got_args, joined);
    assert_eq!(std::fs::read(&list_out).unwrap(), joined, "BACKSTOP_FILES");
    assert!(
        !repo.root().join("pwned").exists(),
        "a file name was executed"
    );
}

#[test]
fn many_files_are_split_into_batches_that_together_cover_every_file() {
    let repo = TestRepo::new();
    let log = repo.home().join("batches");
    repo.config(&format!("[gates.count]\nrun = \"f() {{ echo $# >> '{}'; }}; f\"\npass_files = true\nfiles = [\"*.txt\"]\n", log.display()));
    for n in 0..300 {
        repo.write(format!("dir/file-{n:04}.txt"), "x");
    }
    let output = repo
        .backstop()
        .args(["run"])
        .env("BACKSTOP_ARG_MAX", "2000")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let counts: Vec<usize> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert!(counts.len() > 1, "expected several batches, got {counts:?}");
    assert_eq!(counts.iter().sum::<usize>(), 300);
}

#[test]
fn gate_environment_names_trigger_base_and_files() {
    let repo = TestRepo::new();
    let out = repo.home().join("env");
    repo.config(&format!(
        "[gates.env]\nrun = '''printf '%s|%s|%s|%s|%s' \"$BACKSTOP_TRIGGER\" \"$BACKSTOP_BASE\" \"$(tr '\\0' ',' < \"$BACKSTOP_FILES\")\" \"$GREETING\" \"$(pwd)\" > '{}' '''\nenv = {{ GREETING = \"hi there\" }}\n",
        out.display()
    ));
    repo.commit_all("base");
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write("b.txt", "b");
    repo.git(&["add", "b.txt"]);
    repo.run(&["run", "pre-commit"]).expect_code(0);
    let text = std::fs::read_to_string(&out).unwrap();
    let root = repo.root().canonicalize().unwrap();
    assert_eq!(
        text,
        format!("pre-commit|{head}|./b.txt,|hi there|{}", root.display())
    );
}

#[test]
fn cwd_reroots_globs_and_passed_files() {
    let repo = TestRepo::new();
    let out = repo.home().join("args");
    repo.config(&format!(
        "[gates.web]\nrun = '''f() {{ printf '%s;' \"$(pwd)\" \"$@\" > '{}'; }}; f'''\ncwd = \"web\"\nfiles = [\"src/*.ts\"]\npass_files = true\n",
        out.display()
    ));
    repo.write("web/src/a.ts", "a")
        .write("web/other.ts", "o")
        .write("src/b.ts", "b")
        .write("README.md", "r");
    repo.run(&["run"]).expect_code(0);
    let web = repo.root().canonicalize().unwrap().join("web");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!("{};./src/a.ts;", web.display())
    );
}

#[test]
fn huge_output_is_bounded_with_head_and_tail_kept_and_ansi_removed() {
    let repo = TestRepo::new();
    repo.config(
        "[gates.loud]\nrun = '''printf '\\033[31mSTART\\033[0m\\n'; head -c 30000000 /dev/zero | tr '\\0' 'x'; printf '\\nEND\\n'; exit 1'''\n",
    )
    .write("a", "a");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    let output = gate(&report, "loud")["output"].as_str().unwrap();
    assert!(
        output.starts_with("START\n"),
        "head kept, colour codes removed: {:?}",
        &output[..20]
    );
    assert!(output.ends_with("\nEND\n"), "tail kept");
    assert!(output.contains("bytes of output omitted"));
    assert!(output.len() < 300 * 1024, "kept {} bytes", output.len());
}

#[test]
fn formats_go_to_their_outputs() {
    let repo = TestRepo::new();
    repo.config("[gates.ok]\nrun = \"true\"\n").write("a", "a");
    let run = repo.run(&[
        "run",
        "--format",
        "json",
        "--output",
        "out/report.json",
        "--format",
        "human",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout().contains("backstop: 1 gate passed"),
        "{}",
        run.stdout()
    );
    let report: serde_json::Value = serde_json::from_slice(&repo.read("out/report.json")).unwrap();
    assert_eq!(report["schema"], "backstop.report/v1");

    let run = repo.run(&["run", "--format", "json", "--format", "human"]);
    run.expect_code(2);
    assert!(
        run.stderr()
            .contains("only one --format can go to standard output"),
        "{}",
        run.stderr()
    );
}

#[test]
fn unknown_gate_names_are_errors_with_a_suggestion() {
    let repo = TestRepo::new();
    repo.config("[gates.clippy]\nrun = \"true\"\n")
        .write("a", "a");
    let run = repo.run(&["run", "--gate", "clipy"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("no gate named `clipy`"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("hint: did you mean `clippy`?"),
        "{}",
        run.stderr()
    );
}

#[test]
fn gate_option_runs_a_gate_outside_its_triggers() {
    let repo = TestRepo::new();
    repo.config("[gates.ci-only]\nrun = \"true\"\non = [\"ci\"]\n[gates.other]\nrun = \"true\"\n")
        .write("a", "a");
    let (_, report) = repo.report(&["run"]);
    assert!(
        report["gates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["name"] != "ci-only"),
        "not on manual"
    );
    let (run, report) = repo.report(&["run", "--gate", "ci-only"]);
    run.expect_code(0);
    assert_eq!(report["gates"].as_array().unwrap().len(), 1);
    assert_eq!(gate(&report, "ci-only")["status"], "passed");
}

#[test]
fn errors_outside_a_repository_or_without_config_say_how_to_fix_them() {
    let repo = TestRepo::new();
    let run = repo.run(&["run"]);
    run.expect_code(2);
    assert!(
        run.stderr()
            .contains("hint: create one with `backstop init`"),
        "{}",
        run.stderr()
    );

    let outside = tempfile::tempdir().unwrap();
    let run = repo
        .backstop()
        .current_dir(outside.path())
        .arg("run")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("not inside a git repository") && stderr.contains("hint:"),
        "{stderr}"
    );
}

fn interrupt_during_a_slow_gate(signal: i32, expected_code: i32) {
    let repo = TestRepo::new();
    let pid_file = repo.home().join("gate.pid");
    repo.config(&format!(
        "[gates.slow]\nrun = \"sleep 300 & echo $! > '{}'; wait\"\n",
        pid_file.display()
    ))
    .write("a", "a");
    let mut child = repo
        .backstop()
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let gate_pid = wait_for_file(&pid_file);
    let sent = Instant::now();
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(i32::try_from(child.id()).unwrap(), signal) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(expected_code));
    assert!(
        sent.elapsed() < Duration::from_secs(5),
        "SPEC §2: interrupted runs end within 5 s"
    );
    assert!(
        !alive(&gate_pid),
        "the gate's process {gate_pid} outlived the interruption"
    );
}

#[test]
fn ctrl_c_stops_running_gates_and_exits_130() {
    interrupt_during_a_slow_gate(libc::SIGINT, 130);
}

#[test]
fn sigterm_stops_running_gates_and_exits_143() {
    interrupt_during_a_slow_gate(libc::SIGTERM, 143);
}

#[test]
fn list_shows_gates_triggers_and_what_they_would_run_on() {
    let repo = TestRepo::new();
    repo.config("[gates.lint]\nrun = \"true\"\nfiles = [\"*.rs\"]\n[gates.docs]\nrun = \"true\"\nfiles = [\"*.md\"]\non = [\"ci\"]\n");
    repo.write("src/a.rs", "a");
    let run = repo.run(&["list"]);
    run.expect_code(0);
    let out = run.stdout();
    assert!(
        out.lines()
            .any(|l| l.starts_with("lint") && l.contains("would run on 1 files")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("docs") && l.contains("ci") && l.contains("not on manual")),
        "{out}"
    );
}

#[test]
fn completions_are_printed_for_common_shells() {
    let repo = TestRepo::new();
    for shell in ["bash", "zsh", "fish"] {
        let run = repo.run(&["completions", shell]);
        run.expect_code(0);
        assert!(run.stdout().contains("backstop"), "{shell}");
        assert!(run.stdout().contains("all-files"), "{shell}");
    }
}

#[test]
fn help_of_every_command_shows_an_example() {
    let repo = TestRepo::new();
    for command in ["init", "run", "ci", "list", "config", "completions"] {
        let run = repo.run(&[command, "--help"]);
        run.expect_code(0);
        assert!(
            run.stdout().contains("Example"),
            "`backstop {command} --help` has no example"
        );
    }
}

#[test]
fn bytes_path_helper_keeps_raw_bytes() {
    assert_eq!(bytes_path(b"a\xff").as_os_str().as_bytes(), b"a\xff");
}

#[test]
fn a_multiline_run_still_hands_its_files_to_the_last_command() {
    let repo = TestRepo::new();
    let out = repo.home().join("args");
    repo.config(&format!(
        "[gates.lint]\nrun = '''\necho linting\nf() {{ printf '%s;' \"$@\" > '{}'; }}; f\n'''\npass_files = true\n",
        out.display()
    ))
    .write("a.sh", "#!/bin/sh\ntouch pwned\n");
    std::fs::set_permissions(
        repo.root().join("a.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    repo.run(&["run"]).expect_code(0);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "./a.sh;./gates.toml;"
    );
    assert!(
        !repo.root().join("pwned").exists(),
        "a changed file was executed"
    );
}

#[test]
fn gates_without_files_run_on_an_empty_file_set() {
    let repo = TestRepo::new();
    repo.config("[gates.msg]\nrun = \"true\"\non = [\"commit-msg\"]\n[gates.always]\nrun = \"true\"\n[gates.rust]\nrun = \"true\"\nfiles = [\"*.rs\"]\n");
    repo.commit_all("clean tree");
    let (run, report) = repo.report(&["run", "commit-msg"]);
    run.expect_code(0);
    assert_eq!(
        gate(&report, "msg")["status"],
        "passed",
        "commit-msg gates have no files to match"
    );
    let (_, report) = repo.report(&["run"]);
    assert_eq!(
        gate(&report, "always")["status"],
        "passed",
        "clean tree, gate without files"
    );
    assert_eq!(gate(&report, "rust")["status"], "skipped");
}

#[test]
fn environment_errors_exit_2_with_a_fix() {
    let repo = TestRepo::new();
    repo.config("[gates.a]\nrun = \"true\"\n").write("a", "a");
    let output = repo
        .backstop()
        .arg("run")
        .env("TMPDIR", "/nonexistent/backstop")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("hint: set TMPDIR to a writable directory"),
        "{stderr}"
    );
}

#[test]
fn a_closed_stdout_pipe_ends_quietly() {
    let repo = TestRepo::new();
    let mut config = String::new();
    for n in 0..3000 {
        config.push_str(&format!("[gates.g{n}]\nrun = \"true\"\n"));
    }
    repo.config(&config);
    let bin = assert_cmd::cargo::cargo_bin("backstop");
    for args in ["list", "completions bash", "config schema"] {
        let mut command = std::process::Command::new("sh");
        command
            .arg("-c")
            .arg(format!("(sleep 0.3; '{}' {args}) | true", bin.display()));
        repo.isolate(&mut command);
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("panicked"),
            "`backstop {args} | head` panicked: {stderr}"
        );
    }
}

#[test]
fn verbose_shows_each_gate_command_and_file_count() {
    let repo = TestRepo::new();
    repo.config("[gates.lint]\nrun = \"true\"\nfiles = [\"*.txt\"]\n")
        .write("a.txt", "a")
        .write("b.txt", "b");
    let run = repo.run(&["run", "-v"]);
    run.expect_code(0);
    assert!(
        run.stdout().contains("started   lint: $ true (2 files)"),
        "{}",
        run.stdout()
    );
}

/// A gate that ignores SIGTERM (and whose children inherit that), so only SIGKILL stops it.
fn stubborn_gate(repo: &TestRepo, timeout: &str) -> std::path::PathBuf {
    let pid_file = repo.home().join("stubborn.pid");
    repo.config(&format!(
        "[gates.stubborn]\nrun = \"trap '' TERM; sleep 300 & echo $! > '{}'; while :; do sleep 0.1; done\"\ntimeout = \"{timeout}\"\n",
        pid_file.display()
    ))
    .write("a", "a");
    pid_file
}

#[test]
fn a_timed_out_gate_that_ignores_sigterm_is_killed() {
    let repo = TestRepo::new();
    let pid_file = stubborn_gate(&repo, "1s");
    let started = Instant::now();
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    assert_eq!(gate(&report, "stubborn")["status"], "timed_out");
    assert!(started.elapsed() < Duration::from_secs(30));
    let child = std::fs::read_to_string(&pid_file).unwrap();
    // SIGKILL is delivered at once, but on a loaded machine the process may need a moment to
    // be scheduled and die.
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(&child) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(&child), "SIGKILL did not reach {child}");
}

fn interrupt_stubborn_gate(signal: i32, expected_code: i32) {
    let repo = TestRepo::new();
    let pid_file = stubborn_gate(&repo, "10m");
    let report_file = repo.home().join("report.json");
    let mut child = repo
        .backstop()
        .args([
            "run",
            "--format",
            "json",
            "--output",
            report_file.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let gate_pid = wait_for_file(&pid_file);
    let sent = Instant::now();
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(i32::try_from(child.id()).unwrap(), signal) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(expected_code));
    assert!(
        sent.elapsed() < Duration::from_secs(5),
        "SPEC §2: within 5 s, SIGKILL after 2 s"
    );
    assert!(!alive(&gate_pid), "{gate_pid} survived");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_file).unwrap()).unwrap();
    assert_eq!(gate(&report, "stubborn")["status"], "error");
    assert_eq!(gate(&report, "stubborn")["reason"], "interrupted");
    crate::report::assert_valid(&report);
}

#[test]
fn ctrl_c_kills_a_gate_that_ignores_sigterm_and_reports_it() {
    interrupt_stubborn_gate(libc::SIGINT, 130);
}

#[test]
fn sighup_stops_running_gates_and_exits_129() {
    interrupt_stubborn_gate(libc::SIGHUP, 129);
}

#[test]
fn color_is_used_when_asked_and_never_with_no_color() {
    let repo = TestRepo::new();
    repo.config("[gates.bad]\nrun = \"exit 1\"\n")
        .write("a", "a");
    let plain = repo.run(&["run"]);
    assert!(
        !plain.stdout().contains('\x1b'),
        "NO_COLOR is set in tests: {:?}",
        plain.stdout()
    );
    let colored = repo.run(&["run", "--color", "always"]);
    assert!(
        colored.stdout().contains("\x1b[31;1m"),
        "{:?}",
        colored.stdout()
    );
    let never = repo
        .backstop()
        .args(["run", "--color", "never"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&never.stdout).contains('\x1b'));
}
