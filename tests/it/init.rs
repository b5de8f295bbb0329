//! `backstop init`: what it detects, what it writes, and that the result is a working config.

use std::path::PathBuf;

use crate::support::{TestRepo, gate};

/// Runs `backstop init`, checks that `config check` accepts the result and that it has a
/// `[protect]` table, and returns the parsed gates.toml.
fn init(repo: &TestRepo) -> toml::Value {
    let run = repo.run(&["init"]);
    run.expect_code(0);
    assert!(
        run.stdout().contains("wrote "),
        "init did not say what it wrote: {}",
        run.stdout()
    );
    repo.run(&["config", "check"]).expect_code(0);
    let text = String::from_utf8(repo.read("gates.toml")).unwrap();
    let config: toml::Value =
        toml::from_str(&text).unwrap_or_else(|e| panic!("init wrote invalid TOML ({e}):\n{text}"));
    assert!(
        config.get("protect").is_some_and(toml::Value::is_table),
        "no [protect] table in:\n{text}"
    );
    config
}

/// The gate names, in file order.
fn gate_names(config: &toml::Value) -> Vec<String> {
    config
        .get("gates")
        .and_then(toml::Value::as_table)
        .map(|gates| gates.keys().cloned().collect())
        .unwrap_or_default()
}

/// A string key of one gate.
fn key<'a>(config: &'a toml::Value, gate: &str, key: &str) -> Option<&'a str> {
    config["gates"][gate].get(key).and_then(toml::Value::as_str)
}

/// A string-list key of one gate.
fn list(config: &toml::Value, gate: &str, key: &str) -> Vec<String> {
    config["gates"][gate]
        .get(key)
        .and_then(toml::Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|i| i.as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

const SLOW: [&str; 4] = ["pre-push", "stop", "ci", "manual"];

#[test]
fn detects_a_rust_crate() {
    let repo = TestRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    let config = init(&repo);
    assert_eq!(gate_names(&config), ["rustfmt", "clippy", "cargo-test"]);
    assert_eq!(
        key(&config, "rustfmt", "run"),
        Some("cargo fmt --all -- --check")
    );
    assert_eq!(key(&config, "rustfmt", "fix"), Some("cargo fmt --all"));
    assert_eq!(
        key(&config, "clippy", "run"),
        Some("cargo clippy --all-targets -- -D warnings")
    );
    assert_eq!(key(&config, "cargo-test", "run"), Some("cargo test"));
    assert_eq!(key(&config, "clippy", "parser"), Some("cargo"));
    assert_eq!(key(&config, "cargo-test", "parser"), Some("cargo"));
    assert!(config["gates"]["rustfmt"].get("parser").is_none());
    assert_eq!(list(&config, "cargo-test", "on"), SLOW);
    // Fast gates keep the default triggers.
    assert!(config["gates"]["clippy"].get("on").is_none());
    assert!(config["gates"]["rustfmt"].get("cwd").is_none());
}

#[test]
fn a_cargo_toml_without_package_or_workspace_is_not_a_crate() {
    let repo = TestRepo::new();
    repo.write("Cargo.toml", "# not a manifest yet\n");
    let config = init(&repo);
    assert!(gate_names(&config).is_empty(), "{config:#?}");
}

#[test]
fn detects_node_with_eslint_typescript_vitest_and_playwright() {
    let repo = TestRepo::new();
    repo.write(
        "package.json",
        r#"{
  "name": "web",
  "scripts": { "test": "vitest run" },
  "devDependencies": {
    "eslint": "^9.0.0",
    "typescript": "^5.5.0",
    "vitest": "^2.0.0",
    "@playwright/test": "^1.45.0"
  }
}
"#,
    )
    .write("tsconfig.json", "{}\n")
    .write("playwright.config.ts", "export default {};\n");
    let config = init(&repo);
    assert_eq!(
        gate_names(&config),
        ["eslint", "tsc", "vitest", "playwright"]
    );
    assert_eq!(
        key(&config, "eslint", "run"),
        Some("npx --no-install eslint --max-warnings=0 --format json .")
    );
    assert_eq!(key(&config, "eslint", "parser"), Some("eslint"));
    assert_eq!(key(&config, "tsc", "parser"), Some("tsc"));
    assert_eq!(key(&config, "playwright", "parser"), Some("playwright"));
    assert_eq!(
        key(&config, "eslint", "fix"),
        Some("npx --no-install eslint --fix .")
    );
    assert_eq!(
        key(&config, "tsc", "run"),
        Some("npx --no-install tsc --noEmit")
    );
    // JUnit: vitest's own output keeps the failure's place apart from its message.
    assert_eq!(
        key(&config, "vitest", "run"),
        Some(
            "npx --no-install vitest run --reporter=default --reporter=junit --outputFile.junit=node_modules/.cache/backstop/vitest-junit.xml"
        )
    );
    assert_eq!(key(&config, "vitest", "parser"), Some("junit"));
    assert_eq!(
        key(&config, "vitest", "report"),
        Some("node_modules/.cache/backstop/vitest-junit.xml")
    );
    assert_eq!(list(&config, "vitest", "on"), SLOW);
    assert_eq!(
        key(&config, "playwright", "run"),
        Some("npx --no-install playwright test --reporter=list,json")
    );
    assert_eq!(list(&config, "playwright", "on"), SLOW);
    assert_eq!(key(&config, "playwright", "timeout"), Some("20m"));
    assert!(list(&config, "playwright", "files").contains(&"playwright.config.*".to_owned()));
}

#[test]
fn node_uses_the_package_manager_of_the_lockfile_and_needs_tsconfig_for_tsc() {
    let repo = TestRepo::new();
    repo.write(
        "package.json",
        r#"{"devDependencies": {"typescript": "5", "prettier": "3", "jest": "29"}}"#,
    )
    .write("pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
    let config = init(&repo);
    // No tsconfig.json: tsc would have nothing to check.
    assert_eq!(gate_names(&config), ["prettier", "jest"]);
    assert_eq!(
        key(&config, "prettier", "run"),
        Some("pnpm exec prettier --check .")
    );
    assert_eq!(key(&config, "jest", "run"), Some("pnpm exec jest"));
}

#[test]
fn detects_python_with_ruff_mypy_and_pytest() {
    let repo = TestRepo::new();
    repo.write(
        "pyproject.toml",
        r#"[project]
name = "demo"
version = "0.1.0"

[project.optional-dependencies]
dev = ["ruff>=0.5", "mypy>=1.10", "pytest>=8"]
"#,
    )
    .write("src/demo/__init__.py", "")
    .write("tests/test_demo.py", "def test_ok():\n    assert True\n");
    let config = init(&repo);
    assert_eq!(
        gate_names(&config),
        ["ruff", "ruff-format", "mypy", "pytest"]
    );
    assert_eq!(
        key(&config, "ruff", "run"),
        Some("python3 -m ruff check --force-exclude --output-format=sarif")
    );
    assert_eq!(config["gates"]["ruff"]["pass_files"].as_bool(), Some(true));
    // Standard formats where the tool has one that says more than its text.
    assert_eq!(key(&config, "ruff", "parser"), Some("sarif"));
    assert_eq!(key(&config, "mypy", "parser"), Some("mypy"));
    assert_eq!(
        key(&config, "ruff-format", "run"),
        Some("python3 -m ruff format --check --force-exclude")
    );
    assert_eq!(
        key(&config, "mypy", "run"),
        Some("python3 -m mypy src tests")
    );
    assert_eq!(
        key(&config, "pytest", "run"),
        Some("python3 -m pytest -q -rA")
    );
    assert_eq!(key(&config, "pytest", "parser"), Some("pytest"));
    assert_eq!(list(&config, "pytest", "on"), SLOW);
}

#[test]
fn detects_a_go_module() {
    let repo = TestRepo::new();
    repo.write("go.mod", "module example.com/demo\n\ngo 1.22\n");
    let config = init(&repo);
    assert_eq!(gate_names(&config), ["gofmt", "go-vet", "go-test"]);
    assert_eq!(key(&config, "go-vet", "run"), Some("go vet ./..."));
    assert_eq!(key(&config, "go-vet", "parser"), Some("go"));
    assert_eq!(key(&config, "go-test", "run"), Some("go test -v ./..."));
    assert_eq!(list(&config, "go-test", "on"), SLOW);
    assert!(key(&config, "gofmt", "run").unwrap().contains("gofmt -l"));
    assert_eq!(key(&config, "gofmt", "fix"), Some("gofmt -w ."));
}

#[test]
fn a_project_in_a_subdirectory_gets_cwd_and_a_prefixed_name() {
    let repo = TestRepo::new();
    repo.write("backend/go.mod", "module example.com/backend\n\ngo 1.22\n")
        .write(
            "web/package.json",
            r#"{"devDependencies": {"eslint": "9"}}"#,
        )
        // Never descended into: dependencies and hidden directories.
        .write(
            "node_modules/left-pad/package.json",
            r#"{"devDependencies": {"eslint": "9"}}"#,
        )
        .write(".hidden/go.mod", "module example.com/hidden\n");
    let config = init(&repo);
    assert_eq!(
        gate_names(&config),
        [
            "backend-gofmt",
            "backend-go-vet",
            "backend-go-test",
            "web-eslint"
        ]
    );
    for name in ["backend-gofmt", "backend-go-vet", "backend-go-test"] {
        assert_eq!(key(&config, name, "cwd"), Some("backend"), "{name}");
    }
    assert_eq!(key(&config, "web-eslint", "cwd"), Some("web"));
    assert_eq!(
        key(&config, "web-eslint", "run"),
        Some("npx --no-install eslint --max-warnings=0 --format json .")
    );
}

#[test]
fn a_subdirectory_whose_name_is_not_a_bare_gate_name_still_gives_a_valid_config() {
    // A dot in a bare TOML key makes a nested table, and a space is not allowed in one.
    let repo = TestRepo::new();
    repo.write("site.v2/go.mod", "module example.com/site\n")
        .write("my app/go.mod", "module example.com/app\n");
    let config = init(&repo);
    let names = gate_names(&config);
    assert_eq!(names.len(), 6, "{names:?}");
    assert!(names.contains(&"site.v2-gofmt".to_owned()), "{names:?}");
    assert_eq!(key(&config, "site.v2-go-vet", "cwd"), Some("site.v2"));
    // The space becomes `-` in the name; `cwd` keeps the real directory.
    assert!(names.contains(&"my-app-gofmt".to_owned()), "{names:?}");
    assert_eq!(key(&config, "my-app-go-vet", "cwd"), Some("my app"));
}

#[test]
fn several_kinds_at_the_root_are_all_detected() {
    let repo = TestRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .write("go.mod", "module example.com/demo\n");
    let config = init(&repo);
    assert_eq!(
        gate_names(&config),
        [
            "rustfmt",
            "clippy",
            "cargo-test",
            "gofmt",
            "go-vet",
            "go-test"
        ]
    );
}

#[test]
fn refuses_to_overwrite_without_force() {
    let repo = TestRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    let mine = b"# my own gates\n[gates.mine]\nrun = \"true\"   \n\n".to_vec();
    repo.write("gates.toml", &mine);
    let run = repo.run(&["init"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("--force"),
        "stderr does not say to use --force: {}",
        run.stderr()
    );
    assert!(run.stderr().contains("already exists"), "{}", run.stderr());
    assert_eq!(repo.read("gates.toml"), mine);
}

#[test]
fn force_replaces_an_existing_file() {
    let repo = TestRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .write("gates.toml", "[gates.mine]\nrun = \"true\"\n");
    repo.run(&["init", "--force"]).expect_code(0);
    repo.run(&["config", "check"]).expect_code(0);
    let config: toml::Value =
        toml::from_str(&String::from_utf8(repo.read("gates.toml")).unwrap()).unwrap();
    assert_eq!(gate_names(&config), ["rustfmt", "clippy", "cargo-test"]);
    assert!(config.get("protect").is_some_and(toml::Value::is_table));
}

#[test]
fn no_project_still_writes_a_valid_config() {
    let repo = TestRepo::new();
    repo.write("README.md", "# nothing to build\n");
    let run = repo.run(&["init"]);
    run.expect_code(0);
    assert!(
        run.stdout()
            .contains("no Rust, Node, Python or Go project found"),
        "{}",
        run.stdout()
    );
    repo.run(&["config", "check"]).expect_code(0);
    let config: toml::Value =
        toml::from_str(&String::from_utf8(repo.read("gates.toml")).unwrap()).unwrap();
    assert!(gate_names(&config).is_empty());
    assert!(config.get("protect").is_some_and(toml::Value::is_table));
    // With no gates and nothing changed, a run passes.
    repo.run(&["run", "--all-files"]).expect_code(0);
}

#[test]
fn init_with_config_writes_that_file() {
    let repo = TestRepo::new();
    repo.write("go.mod", "module example.com/demo\n");
    repo.run(&["--config", "ci/gates.toml", "init"])
        .expect_code(2);
    // The directory does not exist: init fails without leaving a gates.toml behind.
    assert!(!repo.root().join("gates.toml").exists());
    repo.write("ci/.keep", "");
    repo.run(&["--config", "ci/gates.toml", "init"])
        .expect_code(0);
    assert!(!repo.root().join("gates.toml").exists());
    repo.run(&["--config", "ci/gates.toml", "config", "check"])
        .expect_code(0);
}

/// The real toolchain's homes: the fixture isolates HOME, and rustup needs these.
fn toolchain_env() -> [(&'static str, PathBuf); 2] {
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME is set"));
    let from_env = |name: &str, default: &str| {
        std::env::var_os(name).map_or_else(|| home.join(default), PathBuf::from)
    };
    [
        ("RUSTUP_HOME", from_env("RUSTUP_HOME", ".rustup")),
        ("CARGO_HOME", from_env("CARGO_HOME", ".cargo")),
    ]
}

#[test]
fn the_gates_init_writes_for_a_rust_crate_pass_and_catch_bad_formatting() {
    let repo = TestRepo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n",
    )
    .write(
        "src/lib.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn adds() {\n        assert_eq!(super::add(2, 2), 4);\n    }\n}\n",
    )
    .write(".gitignore", "/target\n")
    .commit_all("tiny crate");
    repo.run(&["init"]).expect_code(0);

    let target_dir = repo.root().parent().unwrap().join("cargo-target");
    let run = |args: &[&str]| {
        let mut command = repo.backstop();
        command
            .args(args)
            .args(["--format", "json"])
            .env("CARGO_TARGET_DIR", &target_dir)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET_DIR");
        for (name, value) in toolchain_env() {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
                panic!(
                    "stdout is not a JSON report ({e}):\n{}\nstderr:\n{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                )
            });
        (output.status.code(), report)
    };

    let (code, report) = run(&["run", "--all-files"]);
    assert_eq!(code, Some(0), "{report:#}");
    for name in ["rustfmt", "clippy", "cargo-test"] {
        assert_eq!(gate(&report, name)["status"], "passed", "{report:#}");
        assert_eq!(gate(&report, name)["exit_code"], 0, "{report:#}");
    }

    repo.write(
        "src/lib.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\npub fn  x( ){}\n",
    );
    let (code, report) = run(&["run", "--all-files", "--gate", "rustfmt"]);
    assert_eq!(code, Some(1), "{report:#}");
    let rustfmt = gate(&report, "rustfmt");
    assert_eq!(rustfmt["status"], "failed", "{report:#}");
    assert!(
        rustfmt["output"]
            .as_str()
            .is_some_and(|o| o.contains("pub fn x() {}")),
        "rustfmt's diff is not in the report: {report:#}"
    );
    assert_eq!(report["gates"].as_array().unwrap().len(), 1, "{report:#}");
}

#[test]
fn a_cargo_workspace_gets_one_set_of_gates_not_one_per_member() {
    let repo = TestRepo::new();
    repo.write("Cargo.toml", "[workspace]\nmembers = [\"core\", \"cli\"]\n");
    for member in ["core", "cli"] {
        repo.write(
            format!("{member}/Cargo.toml"),
            format!("[package]\nname = \"{member}\"\nversion = \"0.1.0\"\n"),
        );
    }
    repo.write(
        "-odd/package.json",
        "{\"devDependencies\": {\"vitest\": \"1\"}}",
    )
    .write("tooling/package.json", "{\"name\": \"no-known-tools\"}");
    let config = init(&repo);
    assert_eq!(
        gate_names(&config),
        ["rustfmt", "clippy", "cargo-test", "odd-vitest"]
    );
}

#[test]
fn nested_projects_outside_the_root_workspace_keep_their_own_gates() {
    let repo = TestRepo::new();
    repo.write("go.mod", "module example.com/root\n")
        .write("tools/go.mod", "module example.com/tools\n");
    repo.write(
        "package.json",
        "{\"devDependencies\": {\"eslint\": \"9\"}, \"workspaces\": [\"packages/*\"]}",
    )
    .write(
        "web/package.json",
        "{\"devDependencies\": {\"vitest\": \"1\"}}",
    );
    let names = gate_names(&init(&repo));
    for expected in [
        "gofmt",
        "tools-gofmt",
        "tools-go-vet",
        "eslint",
        "web-vitest",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
}

#[test]
fn directories_that_sanitise_to_the_same_prefix_get_unique_gate_names() {
    let repo = TestRepo::new();
    repo.write("a b/go.mod", "module a\n")
        .write("a-b/go.mod", "module b\n");
    let names = gate_names(&init(&repo));
    assert!(
        names.contains(&"a-b-gofmt".to_owned()) && names.contains(&"a-b-gofmt-2".to_owned()),
        "{names:?}"
    );
}

#[test]
fn biome_and_the_test_script_win_over_installed_but_unused_tools() {
    let repo = TestRepo::new();
    repo.write(
        "package.json",
        r#"{"scripts": {"test": "node --test dist/test/*.js", "lint": "biome check ."},
            "devDependencies": {"@biomejs/biome": "2", "prettier": "3", "jest": "30", "typescript": "5"}}"#,
    )
    .write("biome.jsonc", "{ // comments are fine\n}\n")
    .write("prettier.config.js", "export default {};\n")
    .write("tsconfig.json", "{\n  // a comment\n  \"compilerOptions\": {},\n}\n")
    .write("package-lock.json", "{}");
    let config = init(&repo);
    assert_eq!(gate_names(&config), ["biome", "tsc", "node-test"]);
    assert_eq!(
        key(&config, "biome", "run"),
        Some("npx --no-install biome ci --reporter=github --no-errors-on-unmatched .")
    );
    assert_eq!(key(&config, "biome", "parser"), Some("regex"));
    assert_eq!(key(&config, "node-test", "run"), Some("npm test"));
}

#[test]
fn python_tools_run_as_their_own_config_says() {
    let repo = TestRepo::new();
    repo.write(
        "pyproject.toml",
        r#"[project]
name = "demo"
[dependency-groups]
dev = ["ruff", "mypy", "pyright", "pytest"]
[tool.mypy]
files = ["src", "tests/typing"]
[tool.pyright]
include = ["src"]
[tool.ruff]
fix = true
[tool.tox.env.typing]
commands = [["mypy"], ["pyright", "--verifytypes", "demo"]]
"#,
    )
    .write("src/demo/__init__.py", "")
    .write("tests/test_demo.py", "");
    let config = init(&repo);
    assert_eq!(
        key(&config, "ruff", "run"),
        Some("python3 -m ruff check --no-fix --force-exclude --output-format=sarif"),
        "ruff's fix = true must not turn the check into a fixer"
    );
    assert_eq!(key(&config, "mypy", "run"), Some("python3 -m mypy"));
    assert_eq!(
        key(&config, "pyright", "run"),
        Some("python3 -m pyright --verifytypes demo")
    );
}

#[test]
fn workspace_members_at_any_depth_get_their_own_gates_for_tools_the_root_lacks() {
    let repo = TestRepo::new();
    repo.write(
        "package.json",
        r#"{"workspaces": ["packages/lib", "packages/docs"], "devDependencies": {"prettier": "3"}}"#,
    )
    .write("package-lock.json", "{}")
    .write(
        "packages/lib/package.json",
        r#"{"scripts": {"test": "vitest"}, "devDependencies": {"eslint": "10", "typescript": "6", "vitest": "4", "prettier": "3"}}"#,
    )
    .write("packages/lib/eslint.config.ts", "export default [];\n")
    .write("packages/lib/tsconfig.json", "{}")
    .write("packages/docs/package.json", r#"{"name": "docs"}"#);
    let config = init(&repo);
    assert_eq!(
        gate_names(&config),
        [
            "prettier",
            "packages-lib-eslint",
            "packages-lib-tsc",
            "packages-lib-vitest"
        ]
    );
    assert_eq!(
        key(&config, "packages-lib-eslint", "cwd"),
        Some("packages/lib")
    );
}

#[test]
fn go_work_modules_get_gates_and_fuzz_crates_and_underscore_dirs_none() {
    let repo = TestRepo::new();
    repo.write("go.work", "go 1.22\n\nuse (\n\t./svc/api\n\t./tools\n)\n")
        .write("svc/api/go.mod", "module api\n")
        .write("tools/go.mod", "module tools\n")
        .write("_examples/go.mod", "module examples\n")
        .write(
            "fuzz/Cargo.toml",
            "[package]\nname = \"x-fuzz\"\n[package.metadata]\ncargo-fuzz = true\n",
        );
    let names = gate_names(&init(&repo));
    assert!(names.contains(&"svc-api-go-vet".to_owned()), "{names:?}");
    assert!(names.contains(&"tools-go-vet".to_owned()), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n.contains("examples") || n.contains("fuzz")),
        "{names:?}"
    );
}

#[test]
fn the_base_is_the_remotes_default_branch() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a").commit_all("base");
    repo.git(&["remote", "add", "origin", "/nonexistent.git"]);
    repo.git(&["update-ref", "refs/remotes/origin/master", "HEAD"]);
    repo.git(&[
        "symbolic-ref",
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/master",
    ]);
    let config = init(&repo);
    assert_eq!(config["settings"]["base"].as_str(), Some("origin/master"));
}
