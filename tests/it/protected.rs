//! The protected gate end to end: a real commit deleting a test is blocked with the test's
//! name and line; after `backstop approve` the same commit passes; new tampering is blocked.

use std::process::{Command, Output};

use crate::support::{TestRepo, gate};

const TESTS: &str =
    "def test_add():\n    assert 1 + 1 == 2\n\n\ndef test_sub():\n    assert 2 - 1 == 1\n";

fn commit(repo: &TestRepo, message: &str) -> Output {
    let mut command = Command::new("git");
    repo.isolate(&mut command);
    command
        .args(["commit", "-q", "-m", message])
        .output()
        .unwrap()
}

fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_deleted_test_is_blocked_then_approved_then_new_tampering_is_blocked_again() {
    let repo = TestRepo::new();
    repo.config("[protect]\n")
        .write("tests/test_calc.py", TESTS)
        .commit_all("base");
    repo.run(&["install"]).expect_code(0);

    repo.write(
        "tests/test_calc.py",
        "def test_add():\n    assert 1 + 1 == 2\n",
    );
    repo.git(&["add", "-A"]);
    let blocked = commit(&repo, "drop a test");
    assert!(!blocked.status.success());
    let text = said(&blocked);
    assert!(
        text.contains("tests/test_calc.py:5: deleted-test: test `test_sub` was deleted"),
        "{text}"
    );

    let show = repo.run(&["approve", "--show"]);
    show.expect_code(0);
    assert!(show.stdout().contains("test_sub"), "{}", show.stdout());
    let blocked_again = commit(&repo, "drop a test");
    assert!(!blocked_again.status.success(), "--show approves nothing");

    repo.run(&["approve"]).expect_code(0);
    let passed = commit(&repo, "drop a test");
    assert!(passed.status.success(), "{}", said(&passed));

    repo.write(
        "tests/test_calc.py",
        "import pytest\n\n\n@pytest.mark.skip\ndef test_add():\n    assert 1 + 1 == 2\n",
    );
    repo.git(&["add", "-A"]);
    let skipped = commit(&repo, "skip it");
    assert!(
        !skipped.status.success(),
        "a new finding needs a new approval"
    );
    assert!(
        said(&skipped).contains(
            "skipped-test: test `test_add` gained the skip/focus marker `@pytest.mark.skip`"
        ),
        "{}",
        said(&skipped)
    );
}

#[test]
fn findings_are_in_the_json_report_and_allow_protected_passes_them_in_ci() {
    let repo = TestRepo::new();
    repo.config("[protect]\n")
        .write("tests/test_calc.py", TESTS)
        .commit_all("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(
        "tests/test_calc.py",
        "def test_add():\n    assert 1 + 1\n\n\ndef test_sub():\n    assert 2 - 1 == 1\n",
    )
    .commit_all("weaken");
    let (run, report) = repo.report(&["ci", "--base", "main"]);
    run.expect_code(1);
    assert_eq!(gate(&report, "protected")["status"], "failed");
    let finding = &report["protected"][0];
    assert_eq!(finding["kind"], "weakened-assertion");
    assert_eq!(finding["file"], "tests/test_calc.py");
    assert_eq!(finding["base_line"], 1);
    assert_eq!(finding["target_line"], 1);
    assert_eq!(
        finding["removed"],
        serde_json::json!(["    assert 1 + 1 == 2"])
    );
    assert_eq!(finding["added"], serde_json::json!(["    assert 1 + 1"]));
    crate::report::assert_valid(&report);

    let (run, report) = repo.report(&["ci", "--base", "main", "--allow-protected"]);
    run.expect_code(0);
    assert_eq!(gate(&report, "protected")["status"], "passed");
    assert_eq!(
        report["protected"].as_array().unwrap().len(),
        1,
        "still reported"
    );
}

#[test]
fn gates_toml_weakening_and_protected_paths_are_findings() {
    let repo = TestRepo::new();
    repo.config("[gates.test]\nrun = \"pytest\"\n[protect]\n")
        .write(".claude/settings.json", "{}\n")
        .commit_all("base");
    repo.config("[gates.test]\nrun = \"true\"\n[protect]\n")
        .write(".claude/settings.json", "{\"hooks\": {}}\n");
    let (run, report) = repo.report(&["run", "--gate", "protected"]);
    run.expect_code(1);
    let kinds: Vec<&str> = report["protected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["protected-path", "gate-weakened"], "{report:#}");
    assert!(
        report["protected"][1]["why"]
            .as_str()
            .unwrap()
            .contains("the command of gate `test` changed")
    );
}

#[test]
fn skipping_the_protected_gate_by_name_and_a_missing_table() {
    let repo = TestRepo::new();
    repo.config("[gates.a]\nrun = \"true\"\n")
        .write("tests/test_calc.py", TESTS)
        .commit_all("base");
    repo.write("tests/test_calc.py", "");
    let (_, report) = repo.report(&["run"]);
    assert!(
        report["gates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["name"] != "protected"),
        "no [protect], no gate"
    );
    let run = repo.run(&["run", "--gate", "protected"]);
    run.expect_code(2);
    repo.config("[gates.a]\nrun = \"true\"\n[protect]\n");
    let (_, report) = repo.report(&["run", "--skip", "protected"]);
    assert!(
        report["gates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["name"] != "protected")
    );
}

#[test]
fn a_change_cannot_switch_off_its_own_protection() {
    let repo = TestRepo::new();
    repo.config("[gates.a]\nrun = \"true\"\n[protect]\n")
        .write("tests/test_calc.py", TESTS)
        .commit_all("base");
    repo.run(&["install"]).expect_code(0);
    // One commit removes [protect] and deletes a test.
    repo.config("[gates.a]\nrun = \"true\"\n").write(
        "tests/test_calc.py",
        "def test_add():\n    assert 1 + 1 == 2\n",
    );
    repo.git(&["add", "-A"]);
    let blocked = commit(&repo, "quietly");
    assert!(
        !blocked.status.success(),
        "the base's [protect] still judges this commit"
    );
    let text = said(&blocked);
    assert!(
        text.contains("deleted-test") && text.contains("gate-weakened"),
        "{text}"
    );

    // Narrowing `on` and allowing the kind in the same change does not help either.
    repo.config(
        "[gates.a]\nrun = \"true\"\n[protect]\non = [\"ci\"]\nallow = [\"deleted-test\"]\n",
    );
    repo.git(&["add", "-A"]);
    let blocked = commit(&repo, "quietly");
    assert!(!blocked.status.success());
    assert!(
        said(&blocked).contains("deleted-test"),
        "{}",
        said(&blocked)
    );
}

/// One file before and after, and the finding kind expected (`None`: a legitimate change).
fn judged(path: &str, before: &str, after: &str) -> Vec<String> {
    let repo = TestRepo::new();
    repo.config("[protect]\n")
        .write(path, before)
        .commit_all("base");
    repo.write(path, after);
    let (_, report) = repo.report(&["run", "--gate", "protected"]);
    report["protected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn review_evasions_are_caught() {
    let cases: [(&str, &str, &str, &str); 12] = [
        // A test renamed with an identical body, gaining a skip marker.
        (
            "tests/test_a.py",
            "def test_add():\n    assert add(1, 2) == 3\n",
            "import pytest\n\n@pytest.mark.skip\ndef test_add_numbers():\n    assert add(1, 2) == 3\n",
            "skipped-test",
        ),
        (
            "a.test.js",
            "it('adds', () => {\n  expect(add(1, 2)).toBe(3);\n});\n",
            "it.skip('adds numbers', () => {\n  expect(add(1, 2)).toBe(3);\n});\n",
            "skipped-test",
        ),
        // An early return inside a block.
        (
            "a.test.js",
            "test('adds', () => {\n  expect(add(1, 2)).toBe(3);\n});\n",
            "test('adds', () => {\n  if (process.env.CI) { return; }\n  expect(add(1, 2)).toBe(3);\n});\n",
            "weakened-assertion",
        ),
        (
            "tests/a.rs",
            "#[test]\nfn adds() {\n    assert_eq!(add(1, 2), 3);\n}\n",
            "#[test]\nfn adds() {\n    if std::env::var(\"CI\").is_ok() {\n        return;\n    }\n    assert_eq!(add(1, 2), 3);\n}\n",
            "weakened-assertion",
        ),
        // Always true.
        (
            "tests/test_a.py",
            "def test_x():\n    assert x == 3\n",
            "def test_x():\n    assert x == 3 or True\n",
            "weakened-assertion",
        ),
        (
            "a.test.js",
            "test('x', () => {\n  expect(x).toBe(3);\n});\n",
            "test('x', () => {\n  expect(x).toBe(x);\n});\n",
            "weakened-assertion",
        ),
        (
            "tests/test_a.py",
            "def test_add():\n    assert add(2, 3) == 5\n",
            "def test_add():\n    assert add(2, 3)\n",
            "weakened-assertion",
        ),
        // Whole files switched off.
        (
            "a_test.go",
            "package a\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif add(1, 2) != 3 {\n\t\tt.Fatal(\"bad\")\n\t}\n}\n",
            "//go:build ignore\n\npackage a\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif add(1, 2) != 3 {\n\t\tt.Fatal(\"bad\")\n\t}\n}\n",
            "skipped-test",
        ),
        (
            "src/lib.rs",
            "#[cfg(test)]\nmod tests {\n    #[test]\n    fn adds() {\n        assert_eq!(1 + 1, 2);\n    }\n}\n",
            "#[cfg(any())]\nmod tests {\n    #[test]\n    fn adds() {\n        assert_eq!(1 + 1, 2);\n    }\n}\n",
            "skipped-test",
        ),
        (
            "tests/test_a.py",
            "def test_add():\n    assert add(1, 2) == 3\n",
            "import pytest\n\npytestmark = pytest.mark.skip\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
            "skipped-test",
        ),
        (
            "a_test.go",
            "package a\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif add(1, 2) != 3 {\n\t\tt.Fatal(\"bad\")\n\t}\n}\n",
            "package a\n\nimport \"testing\"\n\nfunc TestMain(m *testing.M) {}\n\nfunc TestAdd(t *testing.T) {\n\tif add(1, 2) != 3 {\n\t\tt.Fatal(\"bad\")\n\t}\n}\n",
            "skipped-test",
        ),
        (
            "tests/a.rs",
            "#[test]\n#[should_panic(expected = \"overflow\")]\nfn overflows() {\n    add(u8::MAX, 1);\n}\n",
            "#[test]\n#[should_panic]\nfn overflows() {\n    add(u8::MAX, 1);\n}\n",
            "weakened-assertion",
        ),
    ];
    for (path, before, after, expected) in cases {
        let kinds = judged(path, before, after);
        assert!(
            kinds.iter().any(|k| k == expected),
            "{path}: expected {expected}, got {kinds:?}\n{after}"
        );
    }
}

#[test]
fn review_false_positives_are_gone() {
    let cases: [(&str, &str, &str); 5] = [
        // An expected value changed to 1 or true is not "trivially true".
        (
            "tests/a.rs",
            "#[test]\nfn counts() {\n    assert_eq!(2, count());\n}\n",
            "#[test]\nfn counts() {\n    assert_eq!(1, count());\n}\n",
        ),
        (
            "tests/test_a.py",
            "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_x(self):\n        self.assertEqual(2, x())\n",
            "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_x(self):\n        self.assertEqual(1, x())\n",
        ),
        (
            "a_test.go",
            "package a\n\nimport (\n\t\"testing\"\n\t\"github.com/stretchr/testify/require\"\n)\n\nfunc TestX(t *testing.T) {\n\trequire.Equal(t, 2, got())\n}\n",
            "package a\n\nimport (\n\t\"testing\"\n\t\"github.com/stretchr/testify/require\"\n)\n\nfunc TestX(t *testing.T) {\n\trequire.Equal(t, 1, got())\n}\n",
        ),
        // A closure's own return is not the test's.
        (
            "a.test.js",
            "test('maps', () => {\n  expect([1].map((x) => x * 2)).toEqual([2]);\n});\n",
            "test('maps', () => {\n  expect([1].map((x) => { return x * 2; })).toEqual([2]);\n});\n",
        ),
        // A tuple-looking comparison is a comparison.
        (
            "tests/test_a.py",
            "def test_pair():\n    assert pair() == (1, 2)\n",
            "def test_pair():\n    assert (pair()[0], pair()[1]) == (1, 2)\n",
        ),
    ];
    for (path, before, after) in cases {
        let kinds = judged(path, before, after);
        assert!(
            kinds.is_empty(),
            "{path}: a legitimate change reported {kinds:?}\n{after}"
        );
    }
}

#[test]
fn a_test_moved_to_a_file_its_runner_ignores_is_deleted() {
    let repo = TestRepo::new();
    repo.config("[protect]\n")
        .write(
            "tests/test_calc.py",
            "def test_add():\n    assert add(1, 2) == 3\n",
        )
        .commit_all("base");
    repo.git(&["mv", "tests/test_calc.py", "tests/calc_check.py"]);
    let (_, report) = repo.report(&["run", "--gate", "protected"]);
    let kinds: Vec<&str> = report["protected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"deleted-test-file") || kinds.contains(&"deleted-test"),
        "{kinds:?}"
    );
}

#[test]
fn an_approval_does_not_cover_a_later_change_beyond_the_lines_shown() {
    let repo = TestRepo::new();
    repo.config("[protect]\npaths = [\"ci/**\"]\n")
        .write("ci/pipeline.yml", "steps: []\n")
        .commit_all("base");
    let many = (0..13).fold(String::new(), |text, n| text + &format!("step{n}: run\n"));
    repo.write("ci/pipeline.yml", format!("steps: []\n{many}"));
    repo.run(&["approve"]).expect_code(0);
    repo.run(&["run", "--gate", "protected"]).expect_code(0);
    repo.write(
        "ci/pipeline.yml",
        format!("steps: []\n{many}tests: skip-all\n"),
    );
    repo.run(&["run", "--gate", "protected"]).expect_code(1);
}

#[test]
fn a_weakened_runner_configuration_is_blocked_then_approved() {
    let repo = TestRepo::new();
    repo.config("[protect]\n")
        .write("pytest.ini", "[pytest]\naddopts = -ra\n")
        .write("tests/test_calc.py", TESTS)
        .commit_all("base");
    repo.run(&["install"]).expect_code(0);

    repo.write("pytest.ini", "[pytest]\naddopts = -ra -k 'not sub'\n");
    repo.git(&["add", "-A"]);
    let blocked = commit(&repo, "deselect a test");
    assert!(!blocked.status.success());
    let text = said(&blocked);
    assert!(
        text.contains("pytest.ini:2: test-config-weakened: pytest.ini: pytest addopts `-k not sub` now filters the tests: `-k not sub`"),
        "{text}"
    );
    let (_, report) = repo.report(&["run", "--gate", "protected"]);
    let finding = &report["protected"][0];
    assert_eq!(finding["kind"], "test-config-weakened");
    assert_eq!(finding["file"], "pytest.ini");
    assert_eq!(finding["target_line"], 2);
    crate::report::assert_valid(&report);

    repo.run(&["approve"]).expect_code(0);
    let passed = commit(&repo, "deselect a test");
    assert!(passed.status.success(), "{}", said(&passed));
}

/// Files of a base: (path, content).
type Files<'a> = Vec<(&'a str, &'a str)>;
/// Files of a target: (path, content; `None` deletes).
type Changes<'a, T> = Vec<(&'a str, Option<T>)>;

/// The finding kinds for a repository `base` changed into `target` (a `None` content deletes).
fn judged_tree(base: &[(&str, &str)], target: &[(&str, Option<&str>)]) -> Vec<String> {
    let repo = TestRepo::new();
    repo.config("[protect]\n");
    for (path, content) in base {
        repo.write(path, content);
    }
    repo.commit_all("base");
    for (path, content) in target {
        match content {
            Some(content) => {
                repo.write(path, content);
            }
            None => std::fs::remove_file(repo.root().join(path)).unwrap(),
        }
    }
    let (_, report) = repo.report(&["run", "--gate", "protected"]);
    report["protected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect()
}

const JEST_TEST: &str = "test('adds', () => {\n  expect(add(1, 2)).toBe(3);\n});\n";
const CARGO: &str = "[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
const RUST_TEST: &str = "#[test]\nfn adds() {\n    assert_eq!(calc::add(1, 2), 3);\n}\n";
const GO_TEST: &str = "package calc\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal(\"bad\")\n\t}\n}\n";

#[test]
fn tampering_around_the_tests_is_caught() {
    let workflow = |run: &str| {
        format!("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - {run}\n")
    };
    let go_workflow = workflow("run: go test ./...");
    let cases: Vec<(Files<'_>, Changes<'_, String>, &str)> = vec![
        (
            vec![("package.json", "{\"scripts\": {\"test\": \"jest\"}}\n"), ("src/a.test.js", JEST_TEST)],
            vec![("package.json", Some("{\"scripts\": {\"test\": \"jest || true\"}}\n".into()))],
            "test-config-weakened",
        ),
        (
            vec![("Cargo.toml", CARGO), ("tests/add.rs", RUST_TEST)],
            vec![("Cargo.toml", Some(format!("{CARGO}\n[[test]]\nname = \"add\"\nharness = false\n")))],
            "test-config-weakened",
        ),
        (
            vec![(".github/workflows/ci.yml", go_workflow.as_str()), ("calc_test.go", GO_TEST)],
            vec![(".github/workflows/ci.yml", Some(workflow("run: go test ./...\n        continue-on-error: true")))],
            "test-config-weakened",
        ),
        (
            vec![("tests/conftest.py", "import pytest\n"), ("tests/test_calc.py", TESTS)],
            vec![("tests/conftest.py", Some("import pytest\n\ncollect_ignore = [\"test_calc.py\"]\n".into()))],
            "test-config-weakened",
        ),
        (
            vec![("calc_test.go", GO_TEST)],
            vec![("calc_test.go", Some(format!("//go:build integration\n\n{GO_TEST}")))],
            "skipped-test",
        ),
        (
            vec![("src/a.test.js", "test('sends', () => {\n  send();\n  expect(mail).toHaveBeenCalledTimes(1);\n});\n")],
            vec![("src/a.test.js", Some("test('sends', () => {\n  send();\n  expect(mail).toHaveBeenCalled();\n});\n".into()))],
            "weakened-assertion",
        ),
        (
            vec![("tests/test_m.py", "import pytest\n\n\ndef test_mean():\n    assert mean([1, 2]) == pytest.approx(1.5, rel=1e-6)\n")],
            vec![("tests/test_m.py", Some("import pytest\n\n\ndef test_mean():\n    assert mean([1, 2]) == pytest.approx(1.5, rel=0.5)\n".into()))],
            "weakened-assertion",
        ),
        (
            vec![("tests/test_m.py", "def test_mean():\n    assert mean([1, 2]) == 1.5\n")],
            vec![("tests/test_m.py", Some("def test_mean():\n    try:\n        assert mean([1, 2]) == 1.5\n    except AssertionError:\n        pass\n".into()))],
            "weakened-assertion",
        ),
        (
            vec![("testdata/report.golden", "a 1\n"), ("calc_test.go", GO_TEST)],
            vec![("testdata/report.golden", Some("a 2\n".into()))],
            "snapshot-changed",
        ),
    ];
    for (base, target, expected) in cases {
        let target: Vec<(&str, Option<&str>)> =
            target.iter().map(|(p, c)| (*p, c.as_deref())).collect();
        let kinds = judged_tree(&base, &target);
        assert!(
            kinds.iter().any(|k| k == expected),
            "{target:?}: expected {expected}, got {kinds:?}"
        );
    }
}

#[test]
fn look_alikes_around_the_tests_are_not_findings() {
    let cases: Vec<(Files<'_>, Changes<'_, &str>)> = vec![
        // Build output left out of Jest: no test file is lost.
        (
            vec![
                (
                    "jest.config.js",
                    "module.exports = { testPathIgnorePatterns: ['/node_modules/'] };\n",
                ),
                ("src/a.test.js", JEST_TEST),
            ],
            vec![(
                "jest.config.js",
                Some(
                    "module.exports = { testPathIgnorePatterns: ['/node_modules/', '/dist/'] };\n",
                ),
            )],
        ),
        // pytest's settings moved from setup.cfg to pyproject.toml.
        (
            vec![
                (
                    "setup.cfg",
                    "[metadata]\nname = calc\n\n[tool:pytest]\naddopts = -ra -k 'not slow'\n",
                ),
                ("pyproject.toml", "[project]\nname = \"calc\"\n"),
                ("tests/test_calc.py", TESTS),
            ],
            vec![
                ("setup.cfg", Some("[metadata]\nname = calc\n")),
                (
                    "pyproject.toml",
                    Some(
                        "[project]\nname = \"calc\"\n\n[tool.pytest.ini_options]\naddopts = \"-ra -k 'not slow'\"\n",
                    ),
                ),
            ],
        ),
        // A test renamed in place with its body, as the behaviour it checks changed (the code
        // it tests changes in the same change).
        (
            vec![
                ("tests/test_calc.py", TESTS),
                ("src/calc.py", "def sub(a, b):\n    return a - b\n"),
            ],
            vec![
                (
                    "tests/test_calc.py",
                    Some(
                        "def test_add():\n    assert 1 + 1 == 2\n\n\ndef test_sub_rounds():\n    assert sub(2, 1.5) == 0.5\n",
                    ),
                ),
                (
                    "src/calc.py",
                    Some("def sub(a, b):\n    return round(a - b, 1)\n"),
                ),
            ],
        ),
        // A tolerance tightened.
        (
            vec![(
                "tests/test_m.py",
                "import pytest\n\n\ndef test_mean():\n    assert mean([1, 2]) == pytest.approx(1.5, rel=1e-3)\n",
            )],
            vec![(
                "tests/test_m.py",
                Some(
                    "import pytest\n\n\ndef test_mean():\n    assert mean([1, 2]) == pytest.approx(1.5, rel=1e-9)\n",
                ),
            )],
        ),
        // The CI test job moved to its own workflow file.
        (
            vec![
                (
                    ".github/workflows/ci.yml",
                    "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: go test ./...\n",
                ),
                ("calc_test.go", GO_TEST),
            ],
            vec![
                (
                    ".github/workflows/ci.yml",
                    Some(
                        "on: push\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: go vet ./...\n",
                    ),
                ),
                (
                    ".github/workflows/test.yml",
                    Some(
                        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: go test ./...\n",
                    ),
                ),
            ],
        ),
    ];
    for (base, target) in cases {
        let kinds = judged_tree(&base, &target);
        assert!(kinds.is_empty(), "{target:?}: reported {kinds:?}");
    }
}

#[test]
fn a_test_swapped_in_place_for_another_with_no_code_changed_is_a_deletion() {
    // The test that failed is replaced, at its place and with a similar body, by a test of
    // something else; nothing it tests changed, so this is no behaviour change's rename.
    let base = "import pytest\n\n\ndef test_too_many_cells():\n    with pytest.raises(ValueError, match=\"expected 2 cells, found 3\"):\n        read(\"name,exam\\nAda,95,96\\n\")\n\n\ndef test_ok():\n    assert read(\"a\\n1\\n\")\n";
    let target = "import pytest\n\n\ndef test_too_few_cells():\n    with pytest.raises(ValueError, match=\"expected 3 cells, found 2\"):\n        read(\"name,homework,exam\\nAda,95\\n\")\n\n\ndef test_ok():\n    assert read(\"a\\n1\\n\")\n";
    let kinds = judged_tree(
        &[
            ("tests/test_read.py", base),
            ("src/read.py", "def read(t):\n    return t\n"),
        ],
        &[("tests/test_read.py", Some(target))],
    );
    assert_eq!(kinds, vec!["deleted-test"]);
    // A comment in the code it calls, or an edit to code it does not call, changes nothing.
    for code in [
        "def read(t):\n    return t  # tidy\n",
        "def read(t):\n    return t\n\n\ndef other(x):\n    return x.match(1)\n",
    ] {
        let kinds = judged_tree(
            &[
                ("tests/test_read.py", base),
                ("src/read.py", "def read(t):\n    return t\n"),
            ],
            &[
                ("tests/test_read.py", Some(target)),
                ("src/read.py", Some(code)),
            ],
        );
        assert_eq!(kinds, vec!["deleted-test"], "{code}");
    }
    // The same swap with the code it tests changed is a rename, judged body against body.
    let kinds = judged_tree(
        &[
            ("tests/test_read.py", base),
            ("src/read.py", "def read(t):\n    return t\n"),
        ],
        &[
            ("tests/test_read.py", Some(target)),
            ("src/read.py", Some("def read(t):\n    return t.strip()\n")),
        ],
    );
    assert!(kinds.is_empty(), "{kinds:?}");
}
