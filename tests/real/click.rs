//! pallets/click: a Python package set up with uv (`uv sync`, its CONTRIBUTING), with pre-commit
//! hooks (ruff, uv-lock, codespell, pre-commit-hooks), mypy's own `files`, ruff's `fix = true`,
//! and pyright run by tox with `--verifytypes`.

use crate::repo::{Real, holds, text};

/// The pre-commit hooks of click's config and the defect each was there to catch: a file to
/// write and the gate (converted from that hook) that must fail on it.
const DEFECTS: [(&str, &str, &str); 8] = [
    ("ruff-check", "src/click/zz_lint.py", "import os\n"),
    ("ruff-format", "src/click/zz_format.py", "x=[1,\n 2]\n"),
    ("codespell", "docs/zz_typo.md", "Teh option is recieved.\n"),
    (
        "check-merge-conflict",
        "docs/zz_conflict.md",
        "<<<<<<< HEAD\na\n=======\nb\n>>>>>>> topic\n",
    ),
    ("debug-statements", "src/click/zz_debug.py", "import pdb\n"),
    ("fix-byte-order-marker", "docs/zz_bom.md", "\u{feff}text\n"),
    ("trailing-whitespace", "docs/zz_space.md", "text   \n"),
    ("end-of-file-fixer", "docs/zz_eof.md", "no newline"),
];

#[test]
#[ignore = "needs Python, uv and PyPI; run by .ci/run"]
#[expect(clippy::too_many_lines, reason = "one story, step by step")]
fn click_from_clone_to_green_with_its_pre_commit_hooks_migrated() {
    let real = Real::clone("click");
    // The documented setup, then the tool pre-commit used to install for the codespell hook.
    real.ok("uv sync --frozen --quiet && uv pip install --quiet --python .venv/bin/python codespell==2.4.2");
    let init = real.init();
    for hook in [
        "ruff-check",
        "ruff-format",
        "uv-lock",
        "codespell",
        "check-merge-conflict",
        "debug-statements",
        "fix-byte-order-marker",
        "trailing-whitespace",
        "end-of-file-fixer",
    ] {
        holds(&init, &[&format!(".pre-commit-config.yaml: {hook} (")]);
        assert!(
            init.lines().any(|l| l.contains(&format!("{hook} ("))
                && l.contains(&format!("converted to gate `{hook}`"))),
            "{hook} not converted:\n{init}"
        );
    }
    holds(
        &init,
        &[
            "ruff: left out, the converted hooks already run ruff-check",
            "found python: mypy, pyright, pytest",
        ],
    );
    let gates = real.read("gates.toml");
    holds(
        &gates,
        &[
            "run = \".venv/bin/python -m mypy\"",
            "run = \".venv/bin/python -m pyright --ignoreexternal --verifytypes click\"",
            "run = \".venv/bin/ruff check --no-fix --force-exclude\"",
            "exclude_regex = '^(src/click/testing\\.py|tests/test_testing\\.py)$'",
            "rev 2ccb47ff45ad361a21071a7eedda4c37e6ae8c5a (frozen: v2.4.2), hook codespell",
        ],
    );
    real.untouched_passes(&[]);

    // Each converted hook fails on the defect it was there for, alone.
    for (gate, path, content) in DEFECTS {
        real.write(path, content);
        let out = real.backstop(&["run", "--files", path, "--gate", gate]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{gate} passed on {path}:\n{}",
            text(&out)
        );
        std::fs::remove_file(real.root().join(path)).unwrap();
    }
    // uv-lock: a dependency added without locking.
    let pyproject = real.read("pyproject.toml");
    real.write(
        "pyproject.toml",
        &pyproject.replace(
            "requires-python = \">=3.10\"",
            "requires-python = \">=3.10\"\ndependencies = [\"colorama\"]",
        ),
    );
    let out = real.backstop(&["run", "--files", "pyproject.toml", "--gate", "uv-lock"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "uv-lock passed:\n{}",
        text(&out)
    );
    real.write("pyproject.toml", &pyproject);
    // debug-statements keeps the hook's exclusion: testing.py may import pdb.
    let out = real.backstop(&[
        "run",
        "--files",
        "src/click/testing.py",
        "--gate",
        "debug-statements",
    ]);
    assert!(out.status.success(), "{}", text(&out));

    // install wires backstop into .pre-commit-config.yaml; pre-commit's own hook runs it.
    let install = real.backstop(&["install", "--git", "--claude"]);
    assert!(install.status.success(), "{}", text(&install));
    holds(
        &text(&install),
        &["pre-commit: added backstop to .pre-commit-config.yaml"],
    );
    // Offline, pre-commit cannot fetch its remote hook repositories: keep its local repos only
    // (backstop's), as if pre-commit had them cached.
    let config = real.read(".pre-commit-config.yaml");
    let local = config
        .find("  - repo: local")
        .map(|at| {
            let head: String = config
                .lines()
                .take_while(|l| !l.starts_with("repos:"))
                .map(|l| l.to_owned() + "\n")
                .collect();
            format!("{head}repos:\n{}", &config[at..])
        })
        .expect("backstop's local repo");
    real.write(".pre-commit-config.yaml", &local);
    real.ok("git add -A && git commit -q --no-verify -m hooks && backstop approve && .venv/bin/pre-commit install --hook-type pre-commit --hook-type pre-push --hook-type commit-msg");

    // A lint error is refused by git commit (pre-commit -> backstop -> ruff).
    real.write("src/click/zz_lint.py", "import os\n");
    real.ok("git add src/click/zz_lint.py");
    let (committed, out) = real.commit("a lint error");
    assert!(!committed, "the lint error was committed:\n{out}");
    holds(&out, &["ruff-check", "F401"]);
    // pre-commit reinstalling itself keeps backstop.
    real.ok(".venv/bin/pre-commit install --hook-type pre-commit");
    let (committed, out) = real.commit("a lint error, again");
    assert!(
        !committed,
        "after pre-commit's reinstall the lint error was committed:\n{out}"
    );
    holds(&out, &["ruff-check"]);
    let doctor = text(&real.backstop(&["doctor"]));
    holds(
        &doctor,
        &[
            "pre-commit: runs backstop (.git/hooks/pre-commit is pre-commit's, and its config runs backstop)",
        ],
    );
    real.ok("git rm -q --cached src/click/zz_lint.py && rm src/click/zz_lint.py");

    // A failing test committed past the hooks still stops the agent.
    real.write(
        "tests/test_zz_sneaky.py",
        "def test_sneaky():\n    assert 1 + 1 == 3\n",
    );
    real.ok("git add tests/test_zz_sneaky.py && git commit -q --no-verify -m 'a failing test'");
    let answer = real.stop();
    holds(
        &answer,
        &[
            "\"decision\":\"block\"",
            "pytest",
            "tests/test_zz_sneaky.py",
        ],
    );
}
