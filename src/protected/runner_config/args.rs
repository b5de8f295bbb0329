//! A test runner's arguments read by meaning: the filters that narrow which tests run (`-k`,
//! `-run`, `--skip`, `--testNamePattern`, `-Dtest=`), the switches that skip them or stop them
//! failing (`-DskipTests`, `-x test`, `--passWithNoTests`, `-fn`), coverage minimums, the paths
//! or packages they run, and the parts of the build that run tests (Cargo targets, Maven
//! phases, Gradle tasks, Go build tags, tox environments).

use std::collections::BTreeSet;

/// Arguments split into flags and positionals.
#[derive(Debug, Default)]
pub struct Args {
    /// `--flag value`, `--flag=value`, `-f`: name and value.
    pub flags: Vec<(String, Option<String>)>,
    /// Positional arguments before `--`.
    pub positional: Vec<String>,
    /// What follows `--` (passed on to a test binary or a script).
    pub rest: Vec<String>,
}

/// Flags that take a value, per runner (the rest are switches).
#[expect(clippy::too_many_lines, reason = "tables of flags")]
fn takes_value(runner: &str, flag: &str) -> bool {
    let common = [
        "-c",
        "--config",
        "--reporter",
        "--reporters",
        "--outputFile",
        "--output-file",
        "--maxWorkers",
        "-w",
        "--shard",
        "--timeout",
        "--testTimeout",
        "--seed",
        "--env",
        "--environment",
        "--project",
        "--selectProjects",
        "--coverageReporters",
        "--retries",
        "--retry",
        "--workers",
        "-j",
        "--jobs",
        "--package",
        "-p",
        "--features",
        "-F",
        "--target",
        "--manifest-path",
        "--profile",
        "--test-threads",
        "--format",
    ];
    let filters = [
        "-k",
        "-m",
        "--deselect",
        "--ignore",
        "--ignore-glob",
        "-t",
        "--testNamePattern",
        "--testPathPattern",
        "--testPathPatterns",
        "--testPathIgnorePatterns",
        "--grep",
        "-g",
        "--grep-invert",
        "--fgrep",
        "-f",
        "--exclude",
        "--skip",
        "-run",
        "-skip",
        "-tags",
        "--tags",
        "-E",
        "--filterset",
        "--filter-expr",
        "--tests",
        "-x",
        "--exclude-task",
        "-e",
        "-pl",
        "--projects",
        "--changedSince",
        "--exclude-tag",
        "--exclude-tags",
    ];
    let pytest = [
        "-p",
        "-c",
        "-o",
        "-W",
        "-r",
        "-n",
        "--rootdir",
        "--confcutdir",
        "--basetemp",
        "--cov",
        "--cov-report",
        "--cov-config",
        "--cov-fail-under",
        "--junitxml",
        "--junit-xml",
        "--maxfail",
        "--durations",
        "--tb",
        "--log-level",
        "--log-cli-level",
        "--reruns",
        "--reruns-delay",
        "--import-mode",
        "--color",
        "--capture",
        "--dist",
        "--randomly-seed",
        "--html",
        "--override-ini",
        "--numprocesses",
        "--doctest-glob",
    ];
    let go = [
        "-count",
        "-timeout",
        "-coverprofile",
        "-covermode",
        "-coverpkg",
        "-parallel",
        "-cpu",
        "-p",
        "-o",
        "-bench",
        "-benchtime",
        "-json",
        "-exec",
        "-vet",
        "-fuzz",
        "-fuzztime",
        "-shuffle",
        "-failfast",
        "--format",
        "--junitfile",
        "--jsonfile",
        "--packages",
    ];
    common.contains(&flag)
        || filters.contains(&flag)
        || (runner == "pytest" && pytest.contains(&flag))
        || (runner == "go test" && go.contains(&flag) && flag != "-failfast" && flag != "-json")
        || (runner == "mvn" && matches!(flag, "-f" | "--file" | "-P" | "-T" | "-s" | "-rf"))
}

/// Splits `args` for `runner`.
pub fn split(runner: &str, args: &[String]) -> Args {
    let mut out = Args::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            out.rest = args[i + 1..].to_vec();
            break;
        }
        if a.starts_with('-') && a.len() > 1 {
            if let Some(value) = a.strip_prefix("-D").filter(|_| runner == "mvn") {
                out.flags.push(("-D".to_owned(), Some(value.to_owned())));
            } else if let Some((name, value)) = a.split_once('=') {
                out.flags.push((name.to_owned(), Some(value.to_owned())));
            } else if takes_value(runner, a)
                && args
                    .get(i + 1)
                    .is_some_and(|v| !v.starts_with('-') || a == "-k" || a == "-m")
            {
                out.flags.push((a.clone(), args.get(i + 1).cloned()));
                i += 1;
            } else {
                out.flags.push((a.clone(), None));
            }
        } else {
            out.positional.push(a.clone());
        }
        i += 1;
    }
    out
}

impl Args {
    fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| n == name)
    }

    fn values(&self, names: &[&str]) -> Vec<String> {
        self.flags
            .iter()
            .filter(|(n, _)| names.contains(&n.as_str()))
            .map(|(n, v)| {
                format!("{n} {}", v.clone().unwrap_or_default())
                    .trim()
                    .to_owned()
            })
            .collect()
    }

    /// A `-Dname=value` property (Maven).
    fn property(&self, name: &str) -> Option<String> {
        self.flags.iter().find_map(|(n, v)| {
            let v = v.as_deref()?;
            (n == "-D").then(|| {
                let (key, value) = v.split_once('=').unwrap_or((v, "true"));
                (key == name).then(|| value.to_owned())
            })?
        })
    }
}

/// Filters that narrow which tests run, as text (compared between versions).
pub fn filters(runner: &str, args: &Args) -> Vec<String> {
    let mut found = match runner {
        "pytest" => {
            let mut f = args.values(&[
                "-k",
                "-m",
                "--deselect",
                "--lf",
                "--last-failed",
                "--sw",
                "--stepwise",
                "--co",
                "--collect-only",
                "--ignore",
                "--ignore-glob",
            ]);
            f.extend(args.positional.iter().filter(|p| p.contains("::")).cloned());
            f
        }
        "jest" | "vitest" | "npm" => args.values(&[
            "-t",
            "--testNamePattern",
            "--testPathPattern",
            "--testPathPatterns",
            "--testPathIgnorePatterns",
            "-o",
            "--onlyChanged",
            "--changedSince",
            "--changed",
            "--findRelatedTests",
            "--lastCommit",
            "--onlyFailures",
            "--exclude",
            "--related",
            "--selectProjects",
            "--project",
            "--dir",
        ]),
        "mocha" => args.values(&[
            "--grep",
            "-g",
            "--fgrep",
            "-f",
            "--invert",
            "-i",
            "--ignore",
            "--exclude",
        ]),
        "playwright test" | "cypress run" => args.values(&[
            "--grep",
            "-g",
            "--grep-invert",
            "--project",
            "--last-failed",
            "--only-changed",
            "--spec",
        ]),
        "go test" => args.values(&["-run", "-skip", "-short", "--run", "--skip", "--short"]),
        "cargo test" | "cargo nextest" | "cargo llvm-cov" | "cargo tarpaulin" => {
            let mut f = args.values(&["-E", "--filterset", "--filter-expr", "--exclude", "--skip"]);
            // `cargo test name`: a name filter; after `--`, libtest's own filters.
            f.extend(
                args.positional
                    .iter()
                    .filter(|p| p.as_str() != "run")
                    .map(|p| format!("filter {p}")),
            );
            let rest = split("libtest", &args.rest);
            f.extend(rest.values(&["--skip", "--ignored", "--exact"]));
            f.extend(rest.positional.iter().map(|p| format!("filter {p}")));
            f
        }
        "mvn" => [
            "test",
            "it.test",
            "groups",
            "excludedGroups",
            "surefire.excludesFile",
        ]
        .iter()
        .filter_map(|p| args.property(p).map(|v| format!("-D{p}={v}")))
        .collect(),
        "gradle" => args.values(&["--tests", "-x", "--exclude-task"]),
        "python -m unittest" => args.values(&["-k"]),
        _ => Vec::new(),
    };
    if runner.starts_with("npm run")
        || runner.starts_with("yarn run")
        || runner.starts_with("pnpm run")
        || runner.starts_with("bun run")
        || runner.starts_with("make ")
        || runner.starts_with("just ")
    {
        let rest = split("jest", &args.rest);
        found.extend(filters("jest", &rest));
        found.extend(
            filters("mocha", &rest)
                .into_iter()
                .filter(|f| f.starts_with("--grep") || f.starts_with("--invert")),
        );
    }
    found
}

/// Switches that skip the tests or stop them failing.
pub fn disables(runner: &str, args: &Args) -> Vec<String> {
    let mut found = Vec::new();
    let truthy = |v: Option<String>| v.is_some_and(|v| v != "false");
    match runner {
        "mvn" => {
            for p in [
                "skipTests",
                "maven.test.skip",
                "skipITs",
                "maven.test.failure.ignore",
                "testFailureIgnore",
                "jacoco.skip",
            ] {
                if truthy(args.property(p)) {
                    found.push(format!("-D{p}"));
                }
            }
            if args
                .property("jacoco.haltOnFailure")
                .is_some_and(|v| v == "false")
            {
                found.push("-Djacoco.haltOnFailure=false".to_owned());
            }
            for f in ["-fn", "--fail-never"] {
                if args.has(f) {
                    found.push(f.to_owned());
                }
            }
        }
        "gradle" => {
            if args
                .values(&["-x", "--exclude-task"])
                .iter()
                .any(|v| v.contains("test") || v.contains("Test") || v.contains("check"))
            {
                found.push("-x test".to_owned());
            }
        }
        _ => {
            for f in [
                "--passWithNoTests",
                "--pass-with-no-tests",
                "--no-fail-on-empty-test-suite",
                "--exit-zero",
                "--no-fail",
                "--continue-on-collection-errors",
                "--no-run",
                "--list",
                "--collect-only",
                "--co",
            ] {
                if args.has(f) || args.rest.iter().any(|r| r == f) {
                    found.push(f.to_owned());
                }
            }
        }
    }
    found
}

/// Coverage minimums given on the command line: (flag, value).
pub fn minimums(args: &Args) -> Vec<(String, f64)> {
    args.flags
        .iter()
        .filter(|(n, _)| {
            matches!(
                n.as_str(),
                "--cov-fail-under"
                    | "--fail-under"
                    | "--fail-under-lines"
                    | "--fail-under-functions"
                    | "--fail-under-regions"
                    | "--lines"
                    | "--branches"
                    | "--functions"
                    | "--statements"
                    | "--coverage.thresholds.lines"
                    | "--coverage.thresholds.branches"
                    | "--coverage.thresholds.functions"
                    | "--coverage.thresholds.statements"
            )
        })
        .filter_map(|(n, v)| {
            let value = v.as_deref()?.trim_end_matches('%').parse().ok()?;
            Some((n.clone(), value))
        })
        .collect()
}

/// The paths, packages or file filters the runner was given (empty: all of them).
pub fn paths(runner: &str, args: &Args) -> Vec<String> {
    let looks_like_path = |p: &&String| {
        p.contains('/') || p.contains('.') || p.contains('*') || !p.chars().any(char::is_uppercase)
    };
    match runner {
        "pytest" | "jest" | "vitest" | "mocha" | "playwright test" | "ava" | "node --test"
        | "bun test" | "deno test" => args
            .positional
            .iter()
            .filter(|p| !p.contains("::"))
            .filter(looks_like_path)
            .filter(|p| !matches!(p.as_str(), "run" | "watch" | "test" | "related"))
            .cloned()
            .collect(),
        "go test" => args.positional.clone(),
        _ => Vec::new(),
    }
}

/// What runs tests in the build: Cargo target kinds, Maven test phases, Gradle test tasks, Go
/// build tags, tox environments. Losing one runs fewer tests.
#[expect(clippy::too_many_lines, reason = "one arm per build tool")]
pub fn selection(runner: &str, args: &Args) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    match runner {
        "cargo test" | "cargo nextest" | "cargo llvm-cov" | "cargo tarpaulin" => {
            let chosen: Vec<&str> = [
                "--lib",
                "--bins",
                "--bin",
                "--tests",
                "--test",
                "--doc",
                "--examples",
                "--benches",
                "--all-targets",
            ]
            .into_iter()
            .filter(|f| args.has(f))
            .collect();
            if chosen.is_empty() {
                set.extend(["lib", "bins", "tests"].map(str::to_owned));
                if runner == "cargo test" {
                    set.insert("doc".to_owned());
                }
            }
            for f in chosen {
                match f {
                    "--all-targets" => set
                        .extend(["lib", "bins", "tests", "benches", "examples"].map(str::to_owned)),
                    "--test" => set.extend(args.values(&["--test"])),
                    "--bin" => set.extend(args.values(&["--bin"])),
                    other => {
                        set.insert(other.trim_start_matches('-').to_owned());
                    }
                }
            }
            if args.has("--tests") {
                set.insert("tests".to_owned());
            }
            for f in [
                "--workspace",
                "--all",
                "--all-features",
                "--include-ignored",
            ] {
                if args.has(f) || args.rest.iter().any(|r| r == f) {
                    set.insert(f.to_owned());
                }
            }
        }
        "mvn" => {
            let phases = [
                "test",
                "package",
                "integration-test",
                "verify",
                "install",
                "deploy",
            ];
            if args.positional.iter().any(|p| phases.contains(&p.as_str())) {
                set.insert("test phase".to_owned());
            }
            if args.positional.iter().any(|p| {
                matches!(
                    p.as_str(),
                    "verify" | "integration-test" | "install" | "deploy"
                )
            }) {
                set.insert("integration tests".to_owned());
            }
        }
        "gradle" => {
            for task in &args.positional {
                let last = task.rsplit(':').next().unwrap_or(task);
                if matches!(last, "check" | "build") {
                    set.insert("test".to_owned());
                    set.insert(format!("{last} (all verification)"));
                } else if last.to_ascii_lowercase().contains("test") {
                    set.insert(last.to_owned());
                }
            }
        }
        "go test" => {
            for tags in args.values(&["-tags", "--tags"]) {
                let list = tags
                    .trim_start_matches("-tags")
                    .trim_start_matches("--tags")
                    .trim();
                set.extend(
                    list.split([',', ' '])
                        .filter(|t| !t.is_empty())
                        .map(|t| format!("tag {t}")),
                );
            }
        }
        "tox" => {
            for envs in args.values(&["-e"]) {
                set.extend(
                    envs.trim_start_matches("-e")
                        .trim()
                        .split(',')
                        .map(|e| format!("env {}", e.trim())),
                );
            }
        }
        _ => {}
    }
    set
}
