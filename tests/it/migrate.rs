//! `backstop init` converting other tools' hook configs (issue 13's review): a check gate never
//! rewrites files, a weaker converted gate never displaces a detected one, a config with what
//! backstop cannot read is converted around it (never aborted), and what is not carried over is
//! said one line each.

use std::os::unix::fs::PermissionsExt;

use crate::support::TestRepo;

fn init(repo: &TestRepo) -> (String, toml::Value) {
    let run = repo.run(&["init"]);
    run.expect_code(0);
    repo.run(&["config", "check"]).expect_code(0);
    let text = String::from_utf8(repo.read("gates.toml")).unwrap();
    (run.stdout(), toml::from_str(&text).unwrap())
}

/// Every gate's `run`, by name.
fn runs(config: &toml::Value) -> Vec<(String, String)> {
    config
        .get("gates")
        .and_then(toml::Value::as_table)
        .into_iter()
        .flatten()
        .map(|(name, gate)| {
            (
                name.clone(),
                gate.get("run")
                    .and_then(toml::Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect()
}

fn run_of<'a>(runs: &'a [(String, String)], needle: &str) -> &'a str {
    runs.iter()
        .find(|(_, run)| run.contains(needle))
        .map_or_else(
            || panic!("no gate runs {needle}: {runs:#?}"),
            |(_, run)| run.as_str(),
        )
}

const PRE_COMMIT: &str = "repos:
- repo: local
  hooks:
  - id: ruff-format
    name: ruff format
    entry: ruff format
    language: system
    types: [python]
  - id: ruff-check
    name: ruff check
    entry: ruff check
    language: system
    types: [python]
  - id: fmt
    name: cargo fmt
    entry: cargo fmt
    language: system
    pass_filenames: false
  - id: rustfmt
    name: rustfmt
    entry: rustfmt --edition 2021
    language: system
    types: [rust]
  - id: shfmt
    name: shfmt
    entry: shfmt -w -i 2
    language: system
    types: [shell]
  - id: pyupgrade
    name: pyupgrade
    entry: pyupgrade --py310-plus
    language: system
    types: [python]
";

#[test]
fn converted_hooks_that_rewrite_files_become_checks_or_are_not_converted() {
    let repo = TestRepo::new();
    repo.write(".pre-commit-config.yaml", PRE_COMMIT)
        .commit_all("base");
    let (said, config) = init(&repo);
    let runs = runs(&config);
    assert_eq!(run_of(&runs, "ruff format"), "ruff format --check");
    assert_eq!(run_of(&runs, "ruff check"), "ruff check --no-fix");
    assert_eq!(run_of(&runs, "cargo fmt"), "cargo fmt --check");
    assert_eq!(run_of(&runs, "rustfmt"), "rustfmt --check --edition 2021");
    assert_eq!(run_of(&runs, "shfmt"), "shfmt -d -i 2");
    assert!(
        !runs.iter().any(|(_, run)| run.contains("pyupgrade")),
        "{runs:#?}"
    );
    assert!(
        said.lines()
            .any(|l| l.contains("pyupgrade") && l.contains("not converted")),
        "{said}"
    );
}

#[test]
fn a_converted_gofmt_fails_on_what_it_lists_and_the_detected_one_is_not_displaced() {
    let repo = TestRepo::new();
    repo.write("go.mod", "module example.com/a\n\ngo 1.22\n")
        .write("a.go", "package a\n")
        .write(
            "lefthook.yml",
            "pre-commit:\n  commands:\n    gofmt:\n      glob: \"*.go\"\n      run: gofmt -w {staged_files}\n",
        )
        .commit_all("base");
    let (_, config) = init(&repo);
    // gofmt lists what is not formatted and exits 0 either way: a stand-in that does the same
    // for files holding `unformatted` (gofmt itself is not on the test machine's PATH).
    let bin = repo.home().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(
        bin.join("gofmt"),
        "#!/bin/sh\n[ \"$1\" = -l ] || exit 0\nshift\nfor f in \"$@\"; do grep -rl unformatted \"$f\"; done\nexit 0\n",
    )
    .unwrap();
    std::fs::set_permissions(bin.join("gofmt"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let gofmt_gates: Vec<String> = runs(&config)
        .into_iter()
        .filter(|(_, run)| run.contains("gofmt"))
        .map(|(name, _)| name)
        .collect();
    assert!(!gofmt_gates.is_empty(), "{config:#?}");
    for name in &gofmt_gates {
        let run = |args: &[&str]| {
            repo.backstop()
                .args(["run", "--all-files", "--gate", name])
                .args(args)
                .env("PATH", &path)
                .output()
                .unwrap()
        };
        repo.write("a.go", "package a\n");
        let clean = run(&[]);
        assert_eq!(clean.status.code(), Some(0), "{name}: {clean:?}");
        repo.write("a.go", "package a // unformatted\n");
        let dirty = run(&[]);
        assert_eq!(
            dirty.status.code(),
            Some(1),
            "{name} passed an unformatted file: {dirty:?}"
        );
    }
    repo.write("a.go", "package a\n");
}

#[test]
fn python_only_regexes_and_unreadable_globs_are_converted_around_not_aborted_on() {
    let repo = TestRepo::new();
    repo.write(
        ".pre-commit-config.yaml",
        "repos:\n- repo: local\n  hooks:\n  - id: only-src\n    name: only src\n    entry: grep -L x\n    language: system\n    exclude: '^(?!src/)'\n  - id: lookahead\n    name: lookahead\n    entry: grep -L y\n    language: system\n    files: 'foo(?=bar)'\n",
    )
    .write(
        "package.json",
        "{\"name\": \"x\", \"lint-staged\": {\"*.[]x\": \"eslint\", \"*.md\": \"prettier --write\"}}",
    )
    .commit_all("base");
    let (said, config) = init(&repo);
    let gates = config["gates"].as_table().unwrap();
    let only_src = gates
        .values()
        .find(|g| g.get("run").and_then(toml::Value::as_str) == Some("grep -L x"))
        .unwrap_or_else(|| panic!("{gates:#?}"));
    assert_eq!(
        only_src.get("files_regex").and_then(toml::Value::as_str),
        Some("^(?:src/)")
    );
    assert!(
        said.lines()
            .any(|l| l.contains("lookahead") && l.contains("not converted")),
        "{said}"
    );
    assert!(
        said.lines()
            .any(|l| l.contains("*.[]x") && l.contains("not converted")),
        "{said}"
    );
    assert!(
        gates.values().any(|g| g
            .get("run")
            .and_then(toml::Value::as_str)
            .is_some_and(|r| r.ends_with("prettier --check"))),
        "{gates:#?}"
    );
}

#[test]
fn settings_that_are_not_carried_over_are_said_one_line_each() {
    let repo = TestRepo::new();
    repo.write(
        ".pre-commit-config.yaml",
        "repos:\n- repo: local\n  hooks:\n  - id: types\n    name: types\n    entry: mypy\n    language: python\n    additional_dependencies: [types-requests]\n    types: [python]\n",
    )
    .write(
        "lefthook.yml",
        "pre-commit:\n  skip: merge\n  commands:\n    lint:\n      run: eslint {staged_files}\n      file_types: text\n      env:\n        RETRIES: 3\n",
    )
    .write(
        "lint-staged.config.mjs",
        "export default {\n  '*.js': (files) => files.map((f) => 'x ' + f),\n  '*.css': ['stylelint --fix', 'git add'],\n}\n",
    )
    .commit_all("base");
    let (said, config) = init(&repo);
    for (needle, why) in [
        ("types-requests", "additional_dependencies"),
        ("`skip`", "lefthook hook-level skip"),
        ("`file_types`", "lefthook job-level file_types"),
        ("git add", "lint-staged's git add"),
        ("\"*.js\"", "a function entry"),
    ] {
        assert!(said.contains(needle), "{why} not said:\n{said}");
    }
    let gates = config["gates"].as_table().unwrap();
    let lint = gates
        .values()
        .find(|g| g.get("run").and_then(toml::Value::as_str) == Some("eslint"))
        .unwrap_or_else(|| panic!("{gates:#?}"));
    assert_eq!(lint["env"]["RETRIES"].as_str(), Some("3"));
    assert!(
        gates.values().any(|g| g
            .get("run")
            .and_then(toml::Value::as_str)
            .is_some_and(|r| r.ends_with(" stylelint"))),
        "the rest of the lint-staged config is converted: {gates:#?}"
    );
    assert!(
        !gates.values().any(|g| g
            .get("run")
            .and_then(toml::Value::as_str)
            .is_some_and(|r| r.contains("git add"))),
        "{gates:#?}"
    );
}

#[test]
fn the_hook_managers_files_are_protected_like_gates_toml() {
    // Commenting out backstop's entry in lefthook.yml switches the gates off: the protected
    // gate reports the edit.
    let repo = TestRepo::new();
    repo.write(
        "lefthook.yml",
        "pre-commit:\n  commands:\n    backstop:\n      run: backstop hook git pre-commit\n",
    )
    .write(".husky/pre-push", "backstop hook git pre-push \"$@\"\n")
    .commit_all("base");
    let (_, config) = init(&repo);
    let paths: Vec<&str> = config["protect"]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(toml::Value::as_str)
        .collect();
    assert!(paths.contains(&"/lefthook.yml"), "{paths:?}");
    assert!(paths.contains(&"/.husky/"), "{paths:?}");
    // backstop's own entry is its wiring, not a gate (which would run the gates in a gate).
    assert!(
        !runs(&config)
            .iter()
            .any(|(_, run)| run.contains("backstop")),
        "{config:#?}"
    );
    repo.commit_all("gates");
    repo.git(&["checkout", "-q", "-b", "work"]);
    repo.write(
        "lefthook.yml",
        "pre-commit:\n  commands:\n#    backstop:\n#      run: backstop hook git pre-commit\n",
    );
    let run = repo.run(&["run"]);
    run.expect_code(1);
    assert!(run.stdout().contains("lefthook.yml"), "{}", run.stdout());
}

#[test]
fn a_converted_hook_on_fewer_triggers_does_not_displace_the_detected_gate() {
    // ruff only on pre-push: the detected ruff gate still runs at commits (and stops).
    let repo = TestRepo::new();
    repo.write("pyproject.toml", "[project]\nname = \"a\"\n\n[tool.ruff]\n")
        .write("a.py", "x = 1\n")
        .write(
            ".pre-commit-config.yaml",
            "repos:\n- repo: local\n  hooks:\n  - id: ruff\n    name: ruff\n    entry: ruff check\n    language: system\n    types: [python]\n    stages: [pre-push]\n",
        )
        .commit_all("base");
    let (said, config) = init(&repo);
    let runs = runs(&config);
    let ruff: Vec<&(String, String)> = runs
        .iter()
        .filter(|(_, r)| r.contains("ruff check"))
        .collect();
    assert_eq!(ruff.len(), 2, "{runs:#?}\n{said}");
    assert!(said.contains("kept beside"), "{said}");
}

#[test]
fn messages_name_a_missing_builtin_as_such_and_globs_are_not_repeated() {
    let repo = TestRepo::new();
    repo.write(
        ".pre-commit-config.yaml",
        "repos:\n- repo: https://github.com/pre-commit/pre-commit-hooks\n  rev: v6.0.0\n  hooks:\n  - id: no-commit-to-branch\n    args: [--branch, main]\n- repo: local\n  hooks:\n  - id: types\n    name: types\n    entry: mypy\n    language: system\n    types_or: [python, pyi]\n",
    )
    .commit_all("base");
    let (said, config) = init(&repo);
    assert!(
        said.contains("backstop has no built-in `no-commit-to-branch`"),
        "{said}"
    );
    let files: Vec<&str> = config["gates"]["types"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(toml::Value::as_str)
        .collect();
    let mut unique = files.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(files.len(), unique.len(), "{files:?}");
}
