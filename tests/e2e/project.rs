//! `Project`: one of `examples/` copied into a temporary git repository with a bare `origin`,
//! an isolated HOME and git config, backstop's git and Claude hooks installed as a person
//! would install them, and the real tools of the project on PATH.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The directory of the examples in this repository.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Installed dependencies that live inside an example (git-ignored there) and are linked into
/// the copy rather than copied: the manifest that asks for them, the directory, and how
/// `.ci/run` installs it.
const INSTALLED: &[(&str, &str, &str)] = &[
    (
        "package-lock.json",
        "node_modules",
        "npm ci (in examples/web)",
    ),
    (
        "requirements-dev.txt",
        ".venv",
        "python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt (in examples/python)",
    ),
];

/// A copy of an example in a scratch repository; removed when dropped.
pub struct Project {
    dir: tempfile::TempDir,
    /// The example's name under `examples/`.
    pub example: &'static str,
    port: u16,
}

impl Project {
    /// Copies `examples/<example>` (its tracked and untracked-not-ignored files), links its
    /// installed dependencies, checks that `backstop init` writes the committed gates.toml,
    /// commits and pushes it, installs the git and Claude hooks and commits those, checks
    /// that every gate passes on the untouched project, and starts a Claude session.
    pub fn new(example: &'static str) -> Project {
        let dir = tempfile::Builder::new()
            .prefix(&format!("backstop-e2e-{example}-"))
            .tempdir()
            .unwrap();
        let project = Project {
            dir,
            example,
            port: free_port(),
        };
        std::fs::create_dir_all(project.home()).unwrap();
        std::fs::create_dir_all(project.root()).unwrap();
        std::fs::write(
            project.home().join(".gitconfig"),
            "[user]\n\tname = E2E\n\temail = e2e@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
        )
        .unwrap();
        project.copy_example();
        project.git(&["init", "-q", "-b", "main"]);
        project.git_in(
            project.dir.path(),
            &["init", "-q", "--bare", "-b", "main", "origin.git"],
        );
        project.git(&["remote", "add", "origin", "../origin.git"]);

        // gates.toml is what `backstop init` writes for the project.
        let committed = project.read("gates.toml");
        std::fs::remove_file(project.root().join("gates.toml")).unwrap();
        let init = project.backstop(&["init"]);
        assert_success(&init, "backstop init");
        assert_eq!(
            project.read("gates.toml"),
            committed,
            "examples/{example}/gates.toml is not what `backstop init` writes for it"
        );
        project.git(&["add", "-A"]);
        project.git(&["commit", "-q", "-m", "the project"]);
        project.git(&["push", "-q", "-u", "origin", "main"]);

        let install = project.backstop(&["install", "--git", "--claude"]);
        assert_success(&install, "backstop install --git --claude");
        // The hooks' own config is protected: committing it needs a person's approval.
        project.git(&["add", "-A"]);
        let blocked = project.git_output(&["commit", "-q", "-m", "backstop hooks"]);
        assert!(
            !blocked.status.success() && text(&blocked.stderr).contains("protected-path"),
            "committing .claude/settings.json without approval was not blocked:\n{}",
            text(&blocked.stderr)
        );
        assert_success(&project.backstop(&["approve"]), "backstop approve");
        project.git(&["commit", "-q", "-m", "backstop hooks"]);
        project.git(&["push", "-q", "origin", "main"]);
        // The control: the project as it is passes every gate, so a failure later is the defect's.
        let green = project.backstop(&["run", "--all-files"]);
        assert_success(
            &green,
            &format!("examples/{example}: backstop run --all-files"),
        );
        // One agent session for every case: it starts here, which is the base of its stops.
        let start = project.claude_hook("SessionStart", "claude-session-start.json");
        assert_success(&start, "the SessionStart hook");
        assert_eq!(
            text(&start.stdout),
            "",
            "the SessionStart hook said something"
        );
        project
    }

    /// The worktree root.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn copy_example(&self) {
        let source = examples().join(self.example);
        let listed = Command::new("git")
            .args([
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
                ".",
            ])
            .current_dir(&source)
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .output()
            .unwrap();
        assert_success(&listed, "git ls-files in the example");
        let files: Vec<&[u8]> = listed
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .collect();
        assert!(
            files.len() > 5,
            "examples/{} has almost no files",
            self.example
        );
        for file in files {
            let relative = Path::new(std::str::from_utf8(file).unwrap());
            // `git ls-files` lists deleted-but-tracked files too.
            if !source.join(relative).exists() {
                continue;
            }
            let target = self.root().join(relative);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(source.join(relative), &target).unwrap();
        }
        for (manifest, name, how) in INSTALLED {
            let installed = source.join(name);
            if source.join(manifest).exists() {
                assert!(
                    installed.is_dir(),
                    "{} is missing: {how}; `bash .ci/run` installs it",
                    installed.display()
                );
                std::os::unix::fs::symlink(&installed, self.root().join(name)).unwrap();
            }
        }
    }

    /// A command with the isolated environment, in the worktree.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        isolated(program, &self.home(), &self.root(), self.port)
    }

    /// Runs git in the worktree; panics with its output when it fails.
    pub fn git(&self, args: &[&str]) -> String {
        let output = self.git_output(args);
        assert_success(&output, &format!("git {}", args.join(" ")));
        text(&output.stdout)
    }

    fn git_in(&self, dir: &Path, args: &[&str]) {
        let mut command = self.command("git");
        let output = command.args(args).current_dir(dir).output().unwrap();
        assert_success(&output, &format!("git {}", args.join(" ")));
    }

    /// Runs git in the worktree and returns what happened (the hooks run as usual).
    pub fn git_output(&self, args: &[&str]) -> Output {
        self.command("git").args(args).output().unwrap()
    }

    /// The commit a ref names in the worktree's repository.
    pub fn rev(&self, name: &str) -> String {
        self.git(&["rev-parse", name]).trim().to_owned()
    }

    /// The commit `main` names in `origin`.
    pub fn remote_main(&self) -> String {
        let output = self
            .command("git")
            .args(["rev-parse", "main"])
            .current_dir(self.dir.path().join("origin.git"))
            .output()
            .unwrap();
        assert_success(&output, "git rev-parse main in origin");
        text(&output.stdout).trim().to_owned()
    }

    /// Runs backstop (found on PATH, as the hooks find it).
    pub fn backstop(&self, args: &[&str]) -> Output {
        self.command(binary()).args(args).output().unwrap()
    }

    /// Runs the Stop hook exactly as Claude Code would: the command that `install --claude`
    /// wrote into .claude/settings.json, through `sh -c`, with a Stop payload on stdin.
    pub fn claude_stop(&self) -> Output {
        self.claude_hook("Stop", "claude-stop.json")
    }

    /// Runs one hook of .claude/settings.json with the payload of `fixture` (under
    /// tests/fixtures/agents/), this project as `cwd` and the project's session id.
    fn claude_hook(&self, event: &str, fixture: &str) -> Output {
        let settings: serde_json::Value =
            serde_json::from_str(&self.read(".claude/settings.json")).unwrap();
        let hook = settings["hooks"][event][0]["hooks"][0]["command"]
            .as_str()
            .unwrap_or_else(|| panic!("no {event} hook in .claude/settings.json"))
            .to_owned();
        assert!(
            hook.contains("backstop hook claude "),
            "unexpected {event} hook: {hook}"
        );
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/agents")
            .join(fixture);
        let mut payload: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
        payload["cwd"] = self.root().to_string_lossy().into_owned().into();
        payload["session_id"] = format!("e2e-{}", self.example).into();
        let mut child = self
            .command("sh")
            .args(["-c", &hook])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(payload.to_string().as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    /// A file of the worktree as text.
    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root().join(path))
            .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
    }

    /// Writes a file of the worktree.
    pub fn write(&self, path: &str, content: &str) {
        std::fs::write(self.root().join(path), content).unwrap();
    }

    /// A scratch path outside the worktree (for report files).
    pub fn scratch(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Project {
    /// `BACKSTOP_E2E_KEEP=1` keeps the scratch directory to look at after a failure.
    fn drop(&mut self) {
        if std::env::var_os("BACKSTOP_E2E_KEEP").is_some() {
            let kept = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
            eprintln!("kept {}", kept.keep().display());
        }
    }
}

/// A command with an isolated HOME and git config, the project's tools and backstop on PATH,
/// and none of the outer `cargo test`'s variables, running in `root`.
pub fn isolated(
    program: impl AsRef<std::ffi::OsStr>,
    home: &Path,
    root: &Path,
    port: u16,
) -> Command {
    let mut command = Command::new(program);
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        // Git's and backstop's own variables, and what the outer `cargo test` set (a
        // target directory, the package being tested) must not reach the project's tools.
        if name.starts_with("GIT_")
            || name.starts_with("BACKSTOP_")
            || (name.starts_with("CARGO_") && name != "CARGO_HOME")
            || name == "RUSTFLAGS"
        {
            command.env_remove(&key);
        }
    }
    let real_home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    let mut path = OsString::from(binary().parent().unwrap());
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    command
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PATH", path)
        .env("LC_ALL", "C.UTF-8")
        .env("NO_COLOR", "1")
        // rustup finds its toolchains under the real HOME.
        .env(
            "RUSTUP_HOME",
            std::env::var_os("RUSTUP_HOME")
                .unwrap_or_else(|| Path::new(&real_home).join(".rustup").into()),
        )
        .env(
            "CARGO_HOME",
            std::env::var_os("CARGO_HOME")
                .unwrap_or_else(|| Path::new(&real_home).join(".cargo").into()),
        )
        // Standard library only: no module download, ever; a build cache kept between runs.
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOTELEMETRY", "off")
        .env("GOPATH", home.join("go"))
        .env(
            "GOCACHE",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-go-build"),
        )
        // The web app's port (playwright.config.ts reads it): one no other process holds.
        .env("PORT", port.to_string())
        .stdin(Stdio::null())
        .current_dir(root);
    command
}

/// The backstop binary under test.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_backstop"))
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Panics with the output when a command failed.
pub fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({})\nstdout:\n{}\nstderr:\n{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// A TCP port that nothing listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
