//! Config errors: exit 2, with file, line, column, key, and a hint that fixes it.

use crate::support::TestRepo;

/// Writes `config`, runs `config check` and `run`, and checks both fail alike.
fn config_error(config: &str) -> String {
    let repo = TestRepo::new();
    repo.config(config);
    let check = repo.run(&["config", "check"]);
    check.expect_code(2);
    let run = repo.run(&["run"]);
    run.expect_code(2);
    assert_eq!(
        check.stderr(),
        run.stderr(),
        "`run` reports config errors like `config check`"
    );
    assert!(check.stdout().is_empty());
    check.stderr()
}

fn assert_has(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
}

#[test]
fn unknown_key_names_the_line_and_suggests_the_nearest_key() {
    let err = config_error("[gates.lint]\nrun = \"true\"\ntiemout = \"5m\"\n");
    assert_has(
        &err,
        &[
            "error: gates.toml:3:1: `gates.lint.tiemout`: unknown key `tiemout`",
            "hint: did you mean `timeout`?",
        ],
    );
    let err = config_error("[setings]\njobs = 2\n");
    assert_has(
        &err,
        &["gates.toml:1:2: `setings`", "did you mean `settings`?"],
    );
    let err = config_error("[settings]\nfail-fast = true\n");
    assert_has(
        &err,
        &[
            "gates.toml:2:1: `settings.fail-fast`",
            "did you mean `fail_fast`?",
        ],
    );
}

#[test]
fn wrong_types_and_values_name_the_key() {
    let err = config_error("[settings]\njobs = \"four\"\n");
    assert_has(
        &err,
        &[
            "gates.toml:2:8: `settings.jobs`: invalid type: string \"four\"",
            "hint:",
        ],
    );
    let err = config_error("[gates.lint]\nrun = \"true\"\non = [\"stop\", \"precommit\"]\n");
    assert_has(
        &err,
        &[
            "gates.toml:3:15: `gates.lint.on[1]`: unknown value `precommit`",
            "did you mean `pre-commit`?",
        ],
    );
    let err = config_error("[gates.lint]\nfiles = [\"*.rs\"]\n");
    assert_has(
        &err,
        &[
            "`gates.lint`: missing key `run`",
            "hint: give `gates.lint` a command: run = \"...\"",
        ],
    );
}

#[test]
fn bad_globs_are_errors() {
    let err = config_error("[gates.lint]\nrun = \"true\"\nfiles = [\"*.rs\", \"src/[a\"]\n");
    assert_has(
        &err,
        &[
            "gates.toml:3:18: `gates.lint.files[1]`: bad glob \"src/[a\"",
            "hint: globs use globset syntax",
        ],
    );
    let err = config_error("[protect]\npaths = [\"{a,b\"]\n");
    assert_has(&err, &["`protect.paths[0]`: bad glob"]);
}

#[test]
fn after_cycles_and_unknown_targets_are_errors() {
    let err = config_error(
        "[gates.a]\nrun = \"true\"\nafter = [\"b\"]\n[gates.b]\nrun = \"true\"\nafter = [\"c\"]\n[gates.c]\nrun = \"true\"\nafter = [\"a\"]\n",
    );
    assert_has(
        &err,
        &[
            "gates.toml:3:10: `gates.a.after[0]`: `after` forms a cycle: a → b → c → a",
            "hint: remove one of these",
        ],
    );
    let err = config_error(
        "[gates.a]\nrun = \"true\"\nafter = [\"lnt\"]\n[gates.lint]\nrun = \"true\"\n",
    );
    assert_has(
        &err,
        &[
            "gates.toml:3:10: `gates.a.after[0]`: unknown gate \"lnt\"",
            "did you mean \"lint\"?",
        ],
    );
    let err = config_error("[gates.a]\nrun = \"true\"\nafter = [\"a\"]\n");
    assert_has(&err, &["a gate cannot run after itself"]);
}

#[test]
fn bad_durations_are_errors() {
    for (value, column) in [("\"5 parsecs\"", 11), ("\"10\"", 11), ("\"0s\"", 11)] {
        let err = config_error(&format!("[gates.a]\nrun = \"true\"\ntimeout = {value}\n"));
        assert_has(
            &err,
            &[
                &format!("gates.toml:3:{column}: `gates.a.timeout`: bad duration"),
                "hint: write a number with a unit",
            ],
        );
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let err = config_error(
        "[gates.a]\nrun = \"true\"\ntimeout = \"soon\"\nfiles = [\"[\"]\n[gates.protected]\nrun = \"true\"\n",
    );
    assert_eq!(err.matches("error: ").count(), 3, "{err}");
    assert_has(&err, &["`gates.protected`", "built-in protected gate"]);
}

#[test]
fn toml_syntax_errors_are_located() {
    let err = config_error("[gates.a]\nrun = \"unterminated\n");
    assert_has(&err, &["gates.toml:2:", "not valid TOML", "hint:"]);
}

#[test]
fn parser_keys_must_fit_together() {
    let err = config_error("[gates.a]\nrun = \"true\"\nparser = \"junit\"\n");
    assert_has(
        &err,
        &["`gates.a.parser`: parser = \"junit\" needs `report`"],
    );
    let err =
        config_error("[gates.a]\nrun = \"true\"\nparser = \"regex\"\npattern = \"(?P<file>.*\"\n");
    assert_has(&err, &["`gates.a.pattern`: bad regex"]);
    let err = config_error("[gates.a]\nrun = \"true\"\npattern = \"x\"\n");
    assert_has(&err, &["`pattern` is only read with parser = \"regex\""]);
    let err = config_error("[gates.a]\nrun = \"true\"\nparser = \"eslint\"\nreport = \"x.json\"\n");
    assert_has(
        &err,
        &["`report` is only read with parser = \"junit\", \"sarif\", \"checkstyle\" or \"rdjson\""],
    );
}

#[test]
fn standard_formats_read_a_report_or_the_output_and_regex_needs_no_pattern() {
    let repo = TestRepo::new();
    repo.config(
        "[gates.a]\nrun = \"true\"\nparser = \"sarif\"\nreport = \"out.sarif\"\n[gates.b]\nrun = \"true\"\nparser = \"checkstyle\"\n[gates.c]\nrun = \"true\"\nparser = \"rdjson\"\n[gates.d]\nrun = \"true\"\nparser = \"regex\"\n[gates.e]\nrun = \"true\"\nparser = \"mypy\"\n",
    );
    repo.run(&["config", "check"]).expect_code(0);
}

#[test]
fn a_valid_config_checks_clean() {
    let repo = TestRepo::new();
    repo.config("[settings]\njobs = 2\n[gates.a]\nrun = \"true\"\nfiles = [\"*.rs\"]\ntimeout = \"90s\"\n[protect]\n");
    let run = repo.run(&["config", "check"]);
    run.expect_code(0);
    assert!(
        run.stdout().contains("ok (1 gates, [protect])"),
        "{}",
        run.stdout()
    );
    let run = repo.run(&["--config", "elsewhere.toml", "config", "check"]);
    run.expect_code(2);
    assert!(run.stderr().contains("elsewhere.toml"), "{}", run.stderr());
}

#[test]
fn pass_files_commands_whose_end_would_detach_the_files_are_errors() {
    for (run, why) in [
        ("\"echo linting;\"", "ends with `;`"),
        ("\"lint &\"", "ends with `&`"),
        ("\"ruff check # strict\"", "`#` comment"),
    ] {
        let err = config_error(&format!("[gates.a]\nrun = {run}\npass_files = true\n"));
        assert_has(
            &err,
            &[
                "gates.toml:2:7: `gates.a.run`: with pass_files the files are appended",
                why,
                "hint:",
            ],
        );
    }
}

#[test]
fn cwd_must_be_a_directory_inside_the_worktree() {
    let err = config_error("[gates.a]\nrun = \"true\"\ncwd = \"nope\"\n");
    assert_has(
        &err,
        &[
            "gates.toml:3:7: `gates.a.cwd`: `nope` is not a directory of the worktree",
            "hint:",
        ],
    );
    let err = config_error("[gates.a]\nrun = \"true\"\ncwd = \"../elsewhere\"\n");
    assert_has(&err, &["`gates.a.cwd`: `../elsewhere` leaves the worktree"]);

    let repo = TestRepo::new();
    std::os::unix::fs::symlink("/", repo.root().join("escape")).unwrap();
    repo.config("[gates.a]\nrun = \"true\"\ncwd = \"escape\"\n");
    let run = repo.run(&["config", "check"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("leads outside the worktree"),
        "{}",
        run.stderr()
    );
}

#[test]
fn gate_names_must_start_with_a_letter_digit_or_underscore() {
    let err = config_error("[gates.\"..\"]\nrun = \"true\"\n");
    assert_has(&err, &["gate name `..` must start with a letter"]);
}

#[test]
fn comments_and_here_documents_are_recognised_and_quoted_hashes_are_not() {
    for run in [
        "\"printf x ;#c\"",
        "'''cat <<EOF\nhello\nEOF'''",
        "\"tool\\t# why\"",
    ] {
        let err = config_error(&format!("[gates.a]\nrun = {run}\npass_files = true\n"));
        assert_has(&err, &["`gates.a.run`: with pass_files"]);
    }
    let repo = TestRepo::new();
    repo.config("[gates.a]\nrun = \"grep -e 'a # b' -e \\\"#c\\\" -e x#y\"\npass_files = true\n");
    repo.run(&["config", "check"]).expect_code(0);
}

#[test]
fn a_symlinked_cwd_inside_the_worktree_is_refused_with_the_real_name() {
    let repo = TestRepo::new();
    repo.write("web/a.ts", "a");
    std::os::unix::fs::symlink("web", repo.root().join("wl")).unwrap();
    repo.config("[gates.a]\nrun = \"true\"\ncwd = \"wl\"\n");
    let run = repo.run(&["config", "check"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("`wl` is a symlink"),
        "{}",
        run.stderr()
    );
}

#[test]
fn inputs_that_leave_the_gates_cwd_are_rejected() {
    let repo = TestRepo::new();
    std::fs::create_dir_all(repo.root().join("web")).unwrap();
    repo.config(
        "[gates.web]\nrun = \"true\"\ncwd = \"web\"\ninputs = [\"**\", \"../shared/**\"]\n",
    );
    let check = repo.run(&["config", "check"]);
    check.expect_code(2);
    let text = format!("{}{}", check.stdout(), check.stderr());
    assert!(
        text.contains("../shared/**") && text.contains("leave `inputs` out"),
        "{text}"
    );
}
