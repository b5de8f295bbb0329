//! `TestRepo`: a real git repository in a temp dir with an isolated HOME and git config,
//! and the real binary run inside it.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;

/// A scratch repository; removed when dropped.
pub struct TestRepo {
    dir: tempfile::TempDir,
}

impl TestRepo {
    /// `git init` on branch main, with a user configured in an isolated global config.
    pub fn new() -> TestRepo {
        let dir = tempfile::Builder::new()
            .prefix("backstop-it-")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::create_dir_all(dir.path().join("repo")).unwrap();
        // This test's own machine-wide job budget (the slots live under XDG_RUNTIME_DIR), so
        // tests running at once do not share one.
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(dir.path().join("run"))
            .unwrap();
        std::fs::write(
            dir.path().join("home/.gitconfig"),
            "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[core]\n\tautocrlf = false\n",
        )
        .unwrap();
        let repo = TestRepo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// The worktree root.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// The isolated HOME.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// Applies the isolated environment to a command.
    pub fn isolate(&self, command: &mut Command) {
        for (key, _) in std::env::vars_os() {
            let key_bytes = key.as_bytes();
            // CI systems' variables too: `backstop ci` takes its base from them.
            let ci = key_bytes == b"CI"
                || [
                    &b"GITHUB_"[..],
                    b"GITLAB_",
                    b"CI_",
                    b"BUILDKITE",
                    b"SYSTEM_PULLREQUEST_",
                ]
                .iter()
                .any(|prefix| key_bytes.starts_with(prefix));
            if key_bytes.starts_with(b"GIT_") || key_bytes.starts_with(b"BACKSTOP_") || ci {
                command.env_remove(&key);
            }
        }
        command
            .env("HOME", self.home())
            .env("GIT_CONFIG_GLOBAL", self.home().join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .env("LC_ALL", "C")
            .env("XDG_RUNTIME_DIR", self.dir.path().join("run"))
            .current_dir(self.root());
    }

    /// Runs git and returns its output, whether it succeeded or not.
    pub fn git_output(&self, args: &[&str]) -> Output {
        let mut command = Command::new("git");
        command.args(args);
        self.isolate(&mut command);
        command.output().unwrap()
    }

    /// Runs git and returns its stdout; panics when it fails.
    pub fn git(&self, args: &[&str]) -> String {
        let mut command = Command::new("git");
        command.args(args);
        self.isolate(&mut command);
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Writes a file (creating directories); the path may be any bytes.
    pub fn write(&self, path: impl AsRef<Path>, content: impl AsRef<[u8]>) -> &TestRepo {
        let full = self.root().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
        self
    }

    /// Reads a file of the worktree.
    pub fn read(&self, path: impl AsRef<Path>) -> Vec<u8> {
        std::fs::read(self.root().join(path)).unwrap()
    }

    /// Writes gates.toml.
    pub fn config(&self, text: &str) -> &TestRepo {
        self.write("gates.toml", text)
    }

    /// `git add -A && git commit`.
    pub fn commit_all(&self, message: &str) -> &TestRepo {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--no-verify", "-m", message]);
        self
    }

    /// The backstop binary, isolated, in the worktree.
    pub fn backstop(&self) -> Command {
        let mut command = Command::cargo_bin("backstop").unwrap();
        self.isolate(&mut command);
        command
    }

    /// Runs backstop with these arguments.
    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.backstop().args(args).output().unwrap())
    }

    /// Runs backstop with `--format json` added and parses the report from stdout.
    pub fn report(&self, args: &[&str]) -> (Run, serde_json::Value) {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--format", "json"]);
        let run = self.run(&all);
        let report = serde_json::from_slice(&run.0.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not a JSON report ({e}):\n{}\nstderr:\n{}",
                run.stdout(),
                run.stderr()
            )
        });
        (run, report)
    }
}

/// The result of one backstop invocation.
pub struct Run(pub Output);

impl Run {
    /// Exit code (-1 when killed by a signal).
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }

    /// Standard output as text.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    /// Standard error as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    /// Asserts the exit code, showing the output when it differs.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code(),
            code,
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

/// The gate named `name` in a report.
pub fn gate<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("no gate {name} in {report:#}"))
}

/// A path made of raw bytes (for names that are not UTF-8).
pub fn bytes_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(bytes))
}
