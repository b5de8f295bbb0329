//! Built-in checks (`builtin = "..."`), `exclude` and the regex forms of `files`, through the
//! real binary: what is selected, what fails where, what fix mode changes.

use crate::support::{TestRepo, gate};

#[test]
fn builtin_checks_fail_at_the_line_and_fix_mode_fixes() {
    let repo = TestRepo::new();
    repo.config(
        "[gates.ws]\nbuiltin = \"trailing-whitespace\"\n[gates.eof]\nbuiltin = \"end-of-file\"\n\
         [gates.yaml]\nbuiltin = \"yaml\"\n[gates.conflicts]\nbuiltin = \"merge-conflict\"\n",
    )
    .write("a.py", "x = 1   \ny = 2")
    .write("c.yml", "a: [1\n")
    .write("d.txt", "<<<<<<< ours\na\n=======\nb\n>>>>>>> theirs\n")
    .commit_all("base");
    let (run, report) = repo.report(&["run", "--all-files"]);
    run.expect_code(1);
    let ws = gate(&report, "ws");
    assert_eq!(ws["status"], "failed");
    assert_eq!(ws["diagnostics"][0]["file"], "a.py");
    assert_eq!(ws["diagnostics"][0]["line"], 1);
    assert_eq!(gate(&report, "eof")["diagnostics"][0]["file"], "a.py");
    assert_eq!(gate(&report, "yaml")["diagnostics"][0]["file"], "c.yml");
    assert_eq!(
        gate(&report, "conflicts")["diagnostics"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        gate(&report, "conflicts")["command"],
        "(built-in) merge-conflict"
    );

    let (run, _) = repo.report(&[
        "run",
        "--all-files",
        "--fix",
        "--gate",
        "ws",
        "--gate",
        "eof",
    ]);
    run.expect_code(0);
    assert_eq!(repo.read("a.py"), b"x = 1\ny = 2\n");
}

#[test]
fn the_pre_commit_hook_re_stages_what_a_builtin_fixer_fixed() {
    let repo = TestRepo::new();
    repo.config("[settings]\nfix = true\n[gates.eof]\nbuiltin = \"end-of-file\"\n")
        .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    repo.write("a.txt", "no newline");
    repo.git(&["add", "a.txt"]);
    let out = repo.git_output(&["commit", "-q", "-m", "x"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(repo.git(&["show", "HEAD:a.txt"]), "no newline\n");
}

#[test]
fn exclude_and_regexes_narrow_what_a_gate_gets() {
    let repo = TestRepo::new();
    repo.config(
        "[gates.py]\nrun = \"true\"\nfiles = [\"*.py\"]\nexclude = [\"vendor/\"]\n\
         exclude_regex = '^(src/testing\\.py|tests/test_testing\\.py)$'\npass_files = true\n\
         [gates.rx]\nrun = \"true\"\nfiles_regex = '\\.ya?ml$'\npass_files = true\n",
    )
    .write("src/core.py", "")
    .write("src/testing.py", "")
    .write("tests/test_testing.py", "")
    .write("vendor/lib.py", "")
    .write("ci.yml", "")
    .write("x.yaml", "")
    .write("x.json", "")
    .commit_all("base");
    let (run, report) = repo.report(&["run", "--all-files"]);
    run.expect_code(0);
    assert_eq!(
        gate(&report, "py")["files"],
        serde_json::json!(["src/core.py"])
    );
    assert_eq!(
        gate(&report, "rx")["files"],
        serde_json::json!(["ci.yml", "x.yaml"])
    );
}

#[test]
fn bad_builtins_and_patterns_are_config_errors() {
    let repo = TestRepo::new();
    repo.config(
        "[gates.a]\nrun = \"true\"\nbuiltin = \"yaml\"\n[gates.b]\nbuiltin = \"spellcheck\"\n\
         [gates.c]\nrun = \"true\"\nfiles_regex = '(unclosed'\n[gates.d]\nrun = \"true\"\nexclude = [\"src/[a\"]\n",
    );
    let run = repo.run(&["config", "check"]);
    run.expect_code(2);
    let err = run.stderr();
    for needle in [
        "`gates.a.builtin`: a gate has either `run` or `builtin`, not both",
        "`gates.b.builtin`: no built-in check named `spellcheck`",
        "`gates.c.files_regex`: bad regex",
        "`gates.d.exclude[0]`: bad glob",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
}

#[test]
fn protect_exclude_hides_paths_from_the_protected_gate() {
    let repo = TestRepo::new();
    repo.config("[gates.ok]\nrun = \"true\"\n[protect]\nexclude = [\"generated/**\"]\n")
        .write(
            "generated/test_gen.py",
            "def test_a():\n    assert 1 == 1\n",
        )
        .write("tests/test_real.py", "def test_b():\n    assert 2 == 2\n")
        .commit_all("base");
    std::fs::remove_file(repo.root().join("generated/test_gen.py")).unwrap();
    let (run, report) = repo.report(&["run", "--from", "HEAD", "--to", "HEAD"]);
    run.expect_code(0);
    repo.git(&["add", "-A"]);
    let (run, report2) = repo.report(&["run", "pre-commit"]);
    run.expect_code(0);
    assert_eq!(report2["protected"], serde_json::json!([]));
    let _ = report;
    std::fs::remove_file(repo.root().join("tests/test_real.py")).unwrap();
    repo.git(&["add", "-A"]);
    let (run, report) = repo.report(&["run", "pre-commit"]);
    run.expect_code(1);
    assert_eq!(report["protected"][0]["file"], "tests/test_real.py");
}

#[test]
fn a_check_gate_that_rewrites_a_committed_file_blocks_the_commit_and_is_named() {
    let repo = TestRepo::new();
    repo.config(
        "[settings]\nbase = \"main\"\n[gates.fixes-instead]\nrun = \"sed -i s/bad/good/ \\\"$@\\\"\"\nfiles = [\"*.py\"]\npass_files = true\n",
    )
    .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    repo.write("a.py", "bad\n");
    repo.git(&["add", "a.py"]);
    let out = repo.git_output(&["commit", "-q", "-m", "x"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the commit must be blocked: {stderr}"
    );
    assert!(
        stderr.contains("gate `fixes-instead` changed a.py while checking it"),
        "{stderr}"
    );
    assert_eq!(repo.read("a.py"), b"bad\n", "the staged version is back");
    assert_eq!(
        repo.git(&["diff", "--name-only"]),
        "",
        "worktree equals the index"
    );
}

#[test]
fn a_check_gate_that_rewrites_another_tracked_file_at_the_same_size_blocks_the_commit() {
    // The guard reads the index's stat data, not a full worktree diff: a rewrite that keeps
    // the size (and lands within the same second) must still be seen.
    let repo = TestRepo::new();
    repo.config(
        "[settings]\nbase = \"main\"\n[gates.writes-elsewhere]\nrun = \"printf 'BBBB\\\\n' > other.txt\"\nfiles = [\"*.py\"]\n",
    )
    .write("other.txt", "AAAA\n")
    .write("keep.txt", "kept\n")
    .commit_all("base");
    repo.run(&["install", "--git"]).expect_code(0);
    repo.write("a.py", "x = 1\n");
    repo.git(&["add", "a.py"]);
    // Unstaged work elsewhere: set aside and put back around the gate.
    repo.write("keep.txt", "kept, and edited\n");
    let out = repo.git_output(&["commit", "-q", "-m", "x"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the commit must be blocked: {stderr}"
    );
    assert!(
        stderr.contains("gate `writes-elsewhere` changed other.txt while checking it"),
        "{stderr}"
    );
    assert_eq!(
        repo.read("other.txt"),
        b"AAAA\n",
        "the committed version is back"
    );
    assert_eq!(
        repo.read("keep.txt"),
        b"kept, and edited\n",
        "unstaged work survives"
    );
}

#[test]
fn fixers_of_one_run_never_write_the_same_file_at_once() {
    // Each fixer reads the file, takes its time, and writes it back with its line added: run
    // side by side, one of the two edits is lost (as built-in whitespace and end-of-file fixers
    // once lost one another's on a loaded machine).
    let fixer = |line: &str| {
        format!("c=$(cat notes.txt); sleep 0.4; printf '%s\\\\n{line}\\\\n' \\\"$c\\\" > notes.txt")
    };
    let repo = TestRepo::new();
    repo.config(&format!(
        "[gates.first]\nrun = \"true\"\nfix = \"{}\"\n[gates.second]\nrun = \"true\"\nfix = \"{}\"\n",
        fixer("first"),
        fixer("second")
    ))
    .write("notes.txt", "start\n")
    .commit_all("base");
    repo.run(&["run", "--all-files", "--fix", "--jobs", "4"])
        .expect_code(0);
    let text = String::from_utf8(repo.read("notes.txt")).unwrap();
    assert!(
        text.contains("first") && text.contains("second"),
        "both fixers' edits are kept: {text:?}"
    );
}
