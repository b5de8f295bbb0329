//! The baseline run with the real tools (ruff, mypy and pytest from examples/python's venv,
//! cargo, go, vitest from examples/web's `node_modules`), each in a small repository of its own:
//! lint and type debt at the base passes with `only_new`, also when its lines move; one new
//! problem fails and only it is reported; removing a function fails on its untouched callers;
//! a flag in a non-test module that skips a passing test is a `test-not-run` finding naming
//! the test (pytest, cargo, go, vitest); a new test or a deleted (and reported) test is no
//! census finding; a person's approval clears it; `SessionStart` computes the base ahead.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::project::{assert_success, examples, isolated, text};

/// A scratch repository with the isolated environment of the end-to-end suite.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    /// `files` committed as the base (with `gates.toml`), and the installed tools of an
    /// example linked in (`.venv`, `node_modules`).
    fn new(name: &str, files: &[(&str, &str)], links: &[(&str, &str)]) -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix(&format!("backstop-e2e-baseline-{name}-"))
            .tempdir()
            .unwrap();
        let scratch = Scratch { dir };
        std::fs::create_dir_all(scratch.home()).unwrap();
        std::fs::create_dir_all(scratch.root()).unwrap();
        std::fs::write(
            scratch.home().join(".gitconfig"),
            "[user]\n\tname = E2E\n\temail = e2e@example.com\n[init]\n\tdefaultBranch = main\n",
        )
        .unwrap();
        for (example, installed) in links {
            let source = examples().join(example).join(installed);
            assert!(
                source.is_dir(),
                "{} is missing; `bash .ci/run` installs it",
                source.display()
            );
            std::os::unix::fs::symlink(&source, scratch.root().join(installed)).unwrap();
        }
        let mut ignored: Vec<&str> = links.iter().map(|(_, i)| *i).collect();
        ignored.extend(["__pycache__/", ".*_cache/", "target/"]);
        scratch.write(".gitignore", &(ignored.join("\n") + "\n"));
        for (path, content) in files {
            scratch.write(path, content);
        }
        scratch.git(&["init", "-q", "-b", "main"]);
        scratch.commit("the base");
        scratch
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    fn write(&self, path: &str, content: &str) {
        let full = self.root().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }

    fn remove(&self, path: &str) {
        std::fs::remove_file(self.root().join(path)).unwrap();
    }

    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        isolated(program, &self.home(), &self.root(), 0)
    }

    fn git(&self, args: &[&str]) {
        let output = self.command("git").args(args).output().unwrap();
        assert_success(&output, &format!("git {}", args.join(" ")));
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--no-verify", "-m", message]);
    }

    fn backstop(&self, args: &[&str]) -> Output {
        self.command(crate::project::binary())
            .args(args)
            .output()
            .unwrap()
    }

    /// `backstop run --format json`: the exit code and the report.
    fn report(&self) -> (Option<i32>, Value) {
        let run = self.backstop(&["run", "--format", "json"]);
        let report = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| {
            panic!(
                "no JSON report ({e}):\n{}\n{}",
                text(&run.stdout),
                text(&run.stderr)
            )
        });
        (run.status.code(), report)
    }

    /// A Claude hook with its payload; returns stdout.
    fn hook(&self, event: &str, fixture: &str) -> String {
        let payload = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/agents")
                .join(format!("{fixture}.json")),
        )
        .unwrap()
        .replace("{{CWD}}", &self.root().display().to_string());
        let mut child = self
            .command(crate::project::binary())
            .args(["hook", "claude", event])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write as _;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(payload.as_bytes())
                .unwrap();
        }
        let output = child.wait_with_output().unwrap();
        assert_success(&output, &format!("the {event} hook"));
        text(&output.stdout)
    }

    /// Waits for a background baseline (started by `SessionStart`) to finish.
    fn wait_for_the_baseline(&self) {
        let dir = self.root().join(".git/backstop/baseline");
        let started = Instant::now();
        loop {
            let records = std::fs::read_dir(&dir).map_or(0, |entries| {
                entries
                    .flatten()
                    .filter(|e| {
                        e.path().extension().is_some_and(|x| x == "json")
                            && e.file_name() != "names-tests.json"
                    })
                    .count()
            });
            // The marker naming the checkout goes once the worker has removed it.
            if records > 0 && !dir.join("checkout").exists() {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_mins(5),
                "the background baseline did not finish: {}",
                std::fs::read_to_string(dir.join("worker.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::env::var_os("BACKSTOP_E2E_KEEP").is_some() {
            let kept = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
            eprintln!("kept {}", kept.keep().display());
        }
    }
}

fn gate<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("no gate {name} in {report:#}"))
}

fn findings<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    report["protected"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .collect()
}

/// The one test-not-run finding of a report; its sentence.
fn not_run(report: &Value) -> String {
    let found = findings(report, "test-not-run");
    assert_eq!(found.len(), 1, "{report:#}");
    found[0]["why"].as_str().unwrap().to_owned()
}

fn skip_unless_selected(name: &str) -> bool {
    if let Ok(only) = std::env::var("BACKSTOP_E2E_ONLY")
        && !name.contains(&only)
    {
        eprintln!("skipped baseline / {name} (BACKSTOP_E2E_ONLY)");
        return true;
    }
    false
}

const PYPROJECT: &str = "[project]\nname = \"shop\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\n\n[tool.ruff.lint]\nselect = [\"E\", \"F\"]\n\n[tool.mypy]\nmypy_path = \"src\"\n\n[tool.pytest.ini_options]\npythonpath = [\"src\"]\n";

const PYTHON_GATES: &str = r#"[gates.ruff]
run = ".venv/bin/python -m ruff check --force-exclude --output-format=concise"
files = ["*.py"]
pass_files = true
only_new = true

[gates.mypy]
run = ".venv/bin/python -m mypy src"
files = ["*.py", "pyproject.toml"]
only_new = true

[gates.pytest]
run = ".venv/bin/python -m pytest -q -rA"
files = ["*.py", "pyproject.toml"]
parser = "pytest"

[protect]
"#;

const LEGACY: &str =
    "import os\n\n\ndef price(cents: int) -> str:\n    return f\"{cents / 100:.2f}\"\n";

const TOTALS: &str =
    "def total(prices: list[int]) -> int:\n    return sum(prices)\n\n\nbroken: int = \"debt\"\n";

const REPORT: &str = "from shop import totals\n\n\ndef summary(prices: list[int]) -> str:\n    return f\"total {totals.total(prices)}\"\n";

const FEATURES: &str = "EXPORT = True\n";

const TESTS: &str = "import pytest\n\nfrom shop import features, legacy\n\n\ndef test_price() -> None:\n    assert legacy.price(250) == \"2.50\"\n\n\n@pytest.mark.skipif(not features.EXPORT, reason=\"export is off\")\ndef test_export() -> None:\n    assert legacy.price(100) == \"1.00\"\n";

fn python() -> Scratch {
    Scratch::new(
        "python",
        &[
            ("pyproject.toml", PYPROJECT),
            ("gates.toml", PYTHON_GATES),
            ("src/shop/__init__.py", ""),
            ("src/shop/legacy.py", LEGACY),
            ("src/shop/totals.py", TOTALS),
            ("src/shop/report.py", REPORT),
            ("src/shop/features.py", FEATURES),
            ("tests/test_shop.py", TESTS),
        ],
        &[("python", ".venv")],
    )
}

#[test]
#[ignore = "needs examples/python/.venv (bash .ci/run installs it)"]
fn python_ruff_debt_passes_with_only_new_and_a_new_problem_fails_alone() {
    if skip_unless_selected("ruff only_new") {
        return;
    }
    let repo = python();
    // The base has `import os` unused (F401). The change moves it down two lines.
    repo.write(
        "src/shop/legacy.py",
        &format!("\"\"\"Prices.\"\"\"\n\n{LEGACY}"),
    );
    let (code, report) = repo.report();
    let ruff = gate(&report, "ruff");
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(ruff["status"], "passed", "{ruff:#}");
    assert_eq!(ruff["reason"], "1 problem(s) already at the base, none new");
    assert_eq!(ruff["diagnostics"][0]["line"], 3, "{ruff:#}");
    assert_eq!(ruff["diagnostics"][0]["at_base"], true);
    // One new problem: only it is reported.
    repo.write(
        "src/shop/legacy.py",
        &format!("\"\"\"Prices.\"\"\"\n\nimport sys\n{LEGACY}"),
    );
    let (code, report) = repo.report();
    assert_eq!(code, Some(1));
    let ruff = gate(&report, "ruff");
    assert_eq!(ruff["status"], "failed");
    let agent = repo.backstop(&["run", "--format", "agent"]);
    let feedback = text(&agent.stdout);
    assert!(
        feedback.contains("src/shop/legacy.py:3:8: F401 [*] `sys` imported but unused"),
        "{feedback}"
    );
    assert!(!feedback.contains("`os` imported"), "{feedback}");
}

#[test]
#[ignore = "needs examples/python/.venv (bash .ci/run installs it)"]
fn python_mypy_removing_a_function_fails_on_its_untouched_caller() {
    if skip_unless_selected("mypy untouched caller") {
        return;
    }
    let repo = python();
    // The base's type debt (`broken: int = "debt"`) does not block a change elsewhere.
    repo.write(
        "src/shop/totals.py",
        &format!("\"\"\"Totals.\"\"\"\n\n{TOTALS}"),
    );
    let (code, report) = repo.report();
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(gate(&report, "mypy")["status"], "passed");
    // `total` removed: report.py, which the change does not touch, breaks.
    repo.write("src/shop/totals.py", "broken: int = \"debt\"\n");
    let (code, report) = repo.report();
    assert_eq!(code, Some(1), "{report:#}");
    let mypy = gate(&report, "mypy");
    assert_eq!(mypy["status"], "failed", "{mypy:#}");
    let new: Vec<&Value> = mypy["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["at_base"] == false)
        .collect();
    assert_eq!(new.len(), 1, "{mypy:#}");
    assert_eq!(new[0]["file"], "src/shop/report.py");
    assert!(
        new[0]["message"]
            .as_str()
            .unwrap()
            .contains("has no attribute \"total\""),
        "{mypy:#}"
    );
}

#[test]
#[ignore = "needs examples/python/.venv (bash .ci/run installs it)"]
fn pytest_a_flag_in_a_non_test_module_that_skips_a_test_is_a_finding_until_approved() {
    if skip_unless_selected("pytest census") {
        return;
    }
    let repo = python();
    // An agent session: SessionStart computes the base's records in the background.
    assert_eq!(repo.hook("session-start", "claude-session-start"), "");
    repo.wait_for_the_baseline();
    repo.write("src/shop/features.py", "EXPORT = False\n");
    let stop = repo.hook("stop", "claude-stop");
    let answer: Value = serde_json::from_str(&stop).unwrap();
    let reason = answer["reason"].as_str().unwrap();
    assert!(
        reason.contains(
            "test `tests/test_shop.py::test_export` passed at the base and is missing from the results"
        ),
        "{reason}"
    );
    let (code, report) = repo.report();
    assert_eq!(code, Some(1));
    assert_eq!(gate(&report, "pytest")["status"], "passed");
    assert!(not_run(&report).contains("tests/test_shop.py::test_export"));
    // A person decides it is intended.
    assert_success(&repo.backstop(&["approve"]), "backstop approve");
    let (code, report) = repo.report();
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(repo.hook("stop", "claude-stop"), "");
}

#[test]
#[ignore = "needs examples/python/.venv (bash .ci/run installs it)"]
fn pytest_a_new_test_or_a_deleted_test_is_no_census_finding() {
    if skip_unless_selected("pytest new and deleted") {
        return;
    }
    let repo = python();
    repo.write(
        "tests/test_more.py",
        "from shop import legacy\n\n\ndef test_zero() -> None:\n    assert legacy.price(0) == \"0.00\"\n",
    );
    let (code, report) = repo.report();
    assert_eq!(code, Some(0), "{report:#}");
    repo.remove("tests/test_more.py");
    // test_price deleted: the protected gate reports it; the census does not repeat it.
    repo.write(
        "tests/test_shop.py",
        &TESTS.replace(
            "def test_price() -> None:\n    assert legacy.price(250) == \"2.50\"\n\n\n",
            "",
        ),
    );
    let (code, report) = repo.report();
    assert_eq!(code, Some(1));
    assert_eq!(findings(&report, "deleted-test").len(), 1, "{report:#}");
    assert!(findings(&report, "test-not-run").is_empty(), "{report:#}");
}

#[test]
#[ignore = "needs cargo"]
fn cargo_a_feature_switched_off_in_cargo_toml_is_a_finding_naming_the_test() {
    if skip_unless_selected("cargo census") {
        return;
    }
    let repo = Scratch::new(
        "cargo",
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[features]\ndefault = [\"net\"]\nnet = []\n",
            ),
            (
                "src/lib.rs",
                "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n",
            ),
            (
                "tests/api.rs",
                "#[test]\nfn adds() {\n    assert_eq!(shop::add(1, 2), 3);\n}\n\n#[cfg(feature = \"net\")]\n#[test]\nfn fetches() {\n    assert_eq!(shop::add(2, 2), 4);\n}\n",
            ),
            (
                "gates.toml",
                "[gates.cargo-test]\nrun = \"cargo test\"\nparser = \"cargo\"\n\n[protect]\n",
            ),
        ],
        &[],
    );
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[features]\ndefault = []\nnet = []\n",
    );
    let (code, report) = repo.report();
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(gate(&report, "cargo-test")["status"], "passed");
    let why = not_run(&report);
    assert!(
        why.starts_with("test `tests/api.rs::fetches` passed at the base and is missing"),
        "{why}"
    );
}

#[test]
#[ignore = "needs go"]
fn go_a_flag_in_a_non_test_file_that_skips_a_test_is_a_finding() {
    if skip_unless_selected("go census") {
        return;
    }
    let repo = Scratch::new(
        "go",
        &[
            ("go.mod", "module example.com/shop\n\ngo 1.19\n"),
            (
                "flags.go",
                "package shop\n\nvar runSlow = true\n\nfunc Add(a, b int) int { return a + b }\n",
            ),
            (
                "shop_test.go",
                "package shop\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Error(\"wrong\")\n\t}\n}\n\nfunc TestSlow(t *testing.T) {\n\tif !runSlow {\n\t\tt.Skip(\"slow tests are off\")\n\t}\n}\n",
            ),
            (
                "gates.toml",
                "[gates.go-test]\nrun = \"go test -v ./...\"\nparser = \"go\"\n\n[protect]\n",
            ),
        ],
        &[],
    );
    repo.write(
        "flags.go",
        "package shop\n\nvar runSlow = false\n\nfunc Add(a, b int) int { return a + b }\n",
    );
    let (code, report) = repo.report();
    assert_eq!(code, Some(1), "{report:#}");
    let why = not_run(&report);
    assert!(
        why.starts_with("test `example.com/shop::TestSlow` passed at the base and was skipped"),
        "{why}"
    );
}

#[test]
#[ignore = "needs examples/web/node_modules (bash .ci/run installs it)"]
fn vitest_a_flag_in_a_non_test_module_that_skips_a_test_is_a_finding() {
    if skip_unless_selected("vitest census") {
        return;
    }
    let report_file = "node_modules/.cache/backstop/census-junit.xml";
    let repo = Scratch::new(
        "vitest",
        &[
            (
                "package.json",
                "{ \"name\": \"shop\", \"private\": true, \"type\": \"module\" }\n",
            ),
            ("src/flags.ts", "export const legacy = true;\n"),
            (
                "src/price.test.ts",
                "import { expect, it } from \"vitest\";\nimport { legacy } from \"./flags\";\n\nit(\"adds\", () => {\n  expect(1 + 2).toBe(3);\n});\n\nit.skipIf(!legacy)(\"formats the legacy way\", () => {\n  expect((2.5).toFixed(2)).toBe(\"2.50\");\n});\n",
            ),
            (
                "gates.toml",
                &format!(
                    "[gates.vitest]\nrun = \"npx --no-install vitest run --reporter=default --reporter=junit --outputFile.junit={report_file}\"\nparser = \"junit\"\nreport = \"{report_file}\"\n\n[protect]\n"
                ),
            ),
        ],
        &[("web", "node_modules")],
    );
    repo.write("src/flags.ts", "export const legacy = false;\n");
    let (code, report) = repo.report();
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(gate(&report, "vitest")["status"], "passed");
    let why = not_run(&report);
    assert!(
        why.starts_with(
            "test `src/price.test.ts::formats the legacy way` passed at the base and was skipped"
        ),
        "{why}"
    );
}
