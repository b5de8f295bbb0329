//! Fuzz targets (issue 14): gates.toml (parse, validate, the weakening analysis), each agent's
//! hook payload (what the hook entry reads from it and answers), the guard's shell reading,
//! and the hook entry itself through the real binary. No panic, no hang, bounded memory.
//!
//! `cargo test --test fuzz` runs each target for 2 s (a smoke run); `.ci/run` runs them for a
//! fixed time with `BACKSTOP_FUZZ_SECONDS`. Failing inputs are saved under
//! `target/tmp/fuzz-crashes/`; `BACKSTOP_FUZZ_SEED` replays a run.

mod engine;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use backstop::agent::guard::{GuardContext, ToolCall};
use backstop::agent::payload::Payload;

#[global_allocator]
static ALLOCATOR: engine::Counting = engine::Counting;

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Every file below `dir` (recursively) whose name is `name`.
fn files_named(dir: &Path, name: &str, out: &mut Vec<Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_named(&path, name, out);
        } else if path.file_name().is_some_and(|n| n == name) {
            out.extend(std::fs::read(&path));
        }
    }
}

const TOML_WORDS: &[&[u8]] = &[
    b"[gates.",
    b"]\n",
    b"[settings]\n",
    b"[protect]\n",
    b"run = ",
    b"files = ",
    b"on = ",
    b"cwd = ",
    b"pass_files = true",
    b"env = { A = \"1\" }",
    b"after = [\"x\"]",
    b"fix = ",
    b"inputs = ",
    b"timeout = \"5m\"",
    b"parser = \"regex\"",
    b"pattern = ",
    b"report = ",
    b"exclude = ",
    b"allow = [\"deleted-test\"]",
    b"base = ",
    b"stop_retries = ",
    b"\"\"\"",
    b"'''",
    b"[[",
    b"]]",
    b"{",
    b"}",
    b"=",
    b",",
    b"\\u0000",
    b"\\U0010FFFF",
    b"1e400",
    b"-9223372036854775809",
    b"0x7fffffffffffffff",
    b"1979-05-27T07:32:00Z",
    b"inf",
    b"nan",
    b"# comment\n",
    b"a.b.c = 1\n",
    b"\"\\",
    b"(?P<file>.*)",
    b"[a-",
    b"{a,b",
    b"**/",
    b"../",
];

#[test]
fn fuzz_gates_toml() {
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    for file in ["gates.toml", "gates.toml.example"] {
        seeds.extend(std::fs::read(repo_file(file)));
    }
    files_named(&repo_file("examples"), "gates.toml", &mut seeds);
    files_named(
        &repo_file("tests/fixtures/protected"),
        "gates.toml",
        &mut seeds,
    );
    seeds.push(b"[gates.a]\nrun = \"true\"\n".to_vec());
    seeds.push(Vec::new());
    let display = Path::new("gates.toml");
    engine::fuzz(
        "gates-toml",
        seeds,
        TOML_WORDS,
        256 * 1024,
        |input, other| {
            let text = String::from_utf8_lossy(input);
            let base = String::from_utf8_lossy(other);
            let parsed = backstop::config::parse_str(&text, display);
            if let Err(errors) = &parsed {
                // Located errors render (line, column, key, hint) whatever the input.
                let _ = errors.to_string();
            }
            let _ = backstop::protected::config_diff::weakened(display, Some(&base), Some(&text));
            let _ = backstop::protected::config_diff::weakened(display, Some(&text), Some(&base));
            weakening_properties(display, &text);
            parsed.is_ok()
        },
    );
}

/// What the weakening analysis must say of any config `text`: nothing against itself, nothing
/// against the same config written out again (formatting, key order, quoting), and nothing
/// when a gate is added (a new gate runs after every old one and is never a weakening).
fn weakening_properties(display: &Path, text: &str) {
    use backstop::protected::config_diff::weakened;
    let shown = |found: &[backstop::finding::FindingReport]| {
        found
            .iter()
            .map(|f| f.why.clone())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let same = weakened(display, Some(text), Some(text));
    assert!(same.is_empty(), "weakened(x, x): {}", shown(&same));
    let Ok(table) = text.parse::<toml::Table>() else {
        return;
    };
    if let Ok(again) = toml::to_string(&table) {
        let found = weakened(display, Some(text), Some(&again));
        assert!(
            found.is_empty(),
            "the same config written again is weakened: {}\n{again}",
            shown(&found)
        );
    }
    let mut more = table.clone();
    let gates = more
        .entry("gates")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let Some(gates) = gates.as_table_mut() else {
        return;
    };
    // One of these is free: the table has fewer keys than names tried.
    let Some(name) = (0..=gates.len())
        .map(|n| format!("added-by-the-fuzzer-{n}"))
        .find(|n| !gates.contains_key(n))
    else {
        return;
    };
    let mut gate = toml::Table::new();
    gate.insert("run".into(), "true".into());
    gates.insert(name, toml::Value::Table(gate));
    if let Ok(added) = toml::to_string(&more) {
        let found = weakened(display, Some(text), Some(&added));
        assert!(
            found.is_empty(),
            "adding a gate is weakened: {}\n{added}",
            shown(&found)
        );
    }
}

const JSON_WORDS: &[&[u8]] = &[
    b"\"session_id\":",
    b"\"sessionId\":",
    b"\"conversation_id\":",
    b"\"cwd\":",
    b"\"workspace_roots\":[",
    b"\"tool_name\":",
    b"\"toolName\":",
    b"\"tool_input\":{",
    b"\"toolArgs\":",
    b"\"command\":",
    b"\"file_path\":",
    b"\"notebook_path\":",
    b"\"path\":",
    b"\"filePath\":",
    b"\"agent_id\":",
    b"\"input\":",
    b"\"patch\":",
    b"\"Bash\"",
    b"\"Write\"",
    b"\"Edit\"",
    b"\"apply_patch\"",
    b"\"run_shell_command\"",
    b"\"shell\"",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b":",
    b"null",
    b"true",
    b"1e999",
    b"\"\\u0000\"",
    b"\"\\ud800\"",
    b"\"\\\\\"",
    b"\"../../.git/hooks/pre-commit\"",
    b"\"git commit --no-verify\"",
    b"\"gates.toml\"",
    b"\"*** Begin Patch\\n*** Update File: gates.toml\\n\"",
];

fn payload_seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    if let Ok(entries) = std::fs::read_dir(repo_file("tests/fixtures/agents")) {
        for entry in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                seeds.push(
                    text.replace("{{CWD}}", "/tmp/backstop-fuzz")
                        .replace("{{COMMAND}}", "git commit -m x")
                        .into_bytes(),
                );
            }
        }
    }
    seeds.push(b"{}".to_vec());
    seeds.push(Vec::new());
    seeds
}

#[test]
fn fuzz_hook_payloads() {
    let root = Path::new("/tmp/backstop-fuzz");
    let protected = backstop::glob::GlobList::new(&backstop::protected::default_paths()).unwrap();
    engine::fuzz(
        "payload",
        payload_seeds(),
        JSON_WORDS,
        256 * 1024,
        |input, _| {
            let payload = Payload::parse(input);
            let _ = (payload.session(), payload.subagent(), payload.cwd());
            let call = payload.tool_call();
            let context = GuardContext {
                cwd: root,
                root,
                protected: &protected,
                git_dirs: &[],
                remotes: &[],
                aliases: &[],
            };
            let reason = backstop::agent::guard::check(&call, &context);
            // Every agent answers with its own object, whatever text it carries.
            let text = String::from_utf8_lossy(input);
            for agent in backstop::agent::ALL {
                let _ = agent.block(&text);
                let _ = agent.give_up(&text);
                let _ = agent.deny(reason.as_deref().unwrap_or(&text));
            }
            payload.value.as_object().is_some_and(|o| !o.is_empty())
        },
    );
}

const SHELL_WORDS: &[&[u8]] = &[
    b"git ",
    b"commit ",
    b"push ",
    b"-n ",
    b"--no-verify ",
    b"-c core.hooksPath=x ",
    b"sh -c '",
    b"bash -c \"",
    b"eval ",
    b"$(",
    b")",
    b"`",
    b"'",
    b"\"",
    b"\\",
    b"&&",
    b"||",
    b";",
    b"|",
    b"&",
    b"\n",
    b"(",
    b"{ ",
    b" }",
    b"<<EOF\n",
    b"EOF\n",
    b"> ",
    b">> ",
    b"2>&1",
    b"$'\\x2d'",
    b"BACKSTOP_SKIP=a ",
    b"HUSKY=0 ",
    b"env ",
    b"command ",
    b"exec ",
    b"xargs ",
    b"backstop ",
    b"approve",
    b"uninstall",
    b"gates.toml",
    b".git/hooks/pre-commit",
    b"#",
    b"$((1+2))",
    b"${A:-b}",
    b"if true; then ",
    b"; fi",
    b"for a in b; do ",
    b"; done",
    b"f() { ",
    b"}",
    b"a=(",
    b"X+=",
    b"\"${a[@]}\"",
];

#[test]
fn fuzz_guard_shell_reading() {
    let seeds: Vec<Vec<u8>> = [
        "git commit -m 'x' --no-verify",
        "git -c core.hooksPath=/dev/null commit -nm msg",
        "sh -c \"git push --no-verify\"",
        "eval \"$(echo git commit -n)\"",
        "cd sub && (git commit -m \"a && b\"; echo done) | cat",
        "BACKSTOP_SKIP=lint git commit -m x",
        "cat <<'EOF' > gates.toml\n[gates]\nEOF\n",
        "echo $'\\x2dn' `backstop approve` # comment",
        "for f in *.py; do python -m ruff \"$f\"; done",
        "f() { git push -n; }; f",
        "B=backstop; $B approve && export C=\"$B\"; ${C:-x} {a,b}",
        "case $x in (a|b) git commit -n;; *) :;; esac",
        "bash <<'EOF'\ngit commit -n\nEOF\necho Z2l0 | base64 -d | sh",
        "find . -path ./.git/backstop -exec rm -rf {} + -delete",
        "python3 -c \"open('gates.toml','w')\"; node -e 'x' | xargs -0 git",
        "git -c alias.x='!sh -c y' x; git ci -n; git update-ref refs/remotes/o/m HEAD",
        "echo $(echo $(echo `echo \\`git push\\``)) $(( $(x) + 1 )) <(y) >(z)",
        "cp -t . a b; mv a ~/; ln x .git/hooks/p; tar -xf a -C .git; patch -p1 <<< '+++ b/x'",
        "",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let root = Path::new("/tmp/backstop-fuzz");
    let protected = backstop::glob::GlobList::new(&backstop::protected::default_paths()).unwrap();
    let git_dirs = [root.join(".git")];
    let remotes = ["origin".to_owned()];
    let aliases = [
        ("ci".to_owned(), "commit -n".to_owned()),
        ("x".to_owned(), "!x".to_owned()),
    ];
    engine::fuzz("shell", seeds, SHELL_WORDS, 64 * 1024, |input, _| {
        let script = String::from_utf8_lossy(input).into_owned();
        let commands = backstop::agent::shell::commands(&script);
        let context = GuardContext {
            cwd: root,
            root,
            protected: &protected,
            git_dirs: &git_dirs,
            remotes: &remotes,
            aliases: &aliases,
        };
        let _ = backstop::agent::guard::check(&ToolCall::Shell(script.clone()), &context);
        let _ = backstop::agent::guard::check(&ToolCall::Patch(script), &context);
        !commands.is_empty()
    });
}

/// The hook entry through the real binary: any payload, every agent and event, exit 0 and the
/// agent's protocol on stdout (nothing, or one JSON object), within the time limit.
#[test]
fn fuzz_the_hook_entry_through_the_binary() {
    let dir = tempfile::Builder::new()
        .prefix("backstop-fuzz-")
        .tempdir()
        .unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(args)
            .current_dir(&repo)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "f")
            .env("GIT_AUTHOR_EMAIL", "f@example.com")
            .env("GIT_COMMITTER_NAME", "f")
            .env("GIT_COMMITTER_EMAIL", "f@example.com")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(
        repo.join("gates.toml"),
        "[gates.ok]\nrun = \"true\"\n[protect]\n",
    )
    .unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);
    let binary = assert_cmd::cargo::cargo_bin("backstop");
    let root = repo.to_string_lossy().into_owned();
    let events = ["session-start", "stop", "subagent-stop", "pre-tool-use"];
    let mut seeds = payload_seeds();
    for seed in &mut seeds {
        *seed = String::from_utf8_lossy(seed)
            .replace("/tmp/backstop-fuzz", &root)
            .into_bytes();
    }
    let counter = std::sync::atomic::AtomicUsize::new(0);
    // Each run is a process this target kills after a minute (a failure naming the input);
    // the watchdog, which aborts the whole binary, waits longer than that.
    let hang = Duration::from_mins(2);
    engine::fuzz_with_hang(
        "hook-entry",
        seeds,
        JSON_WORDS,
        64 * 1024,
        hang,
        |input, _| {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let agent = backstop::agent::ALL[n % backstop::agent::ALL.len()].name();
            let event = events[(n / backstop::agent::ALL.len()) % events.len()];
            // Keep every run inside the scratch repository: a fuzzed `cwd` naming another
            // repository on this machine would run that repository's gates.
            let input = pinned_to(input, &root);
            let mut command = Command::new(&binary);
            // No agent's project directory: a fallback there would leave the scratch repository.
            for (key, _) in std::env::vars_os() {
                if key.to_string_lossy().ends_with("_PROJECT_DIR") {
                    command.env_remove(key);
                }
            }
            let mut child = command
                .args(["hook", agent, event])
                .current_dir(&repo)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let writer = std::thread::spawn(move || {
                let _ = stdin.write_all(&input);
            });
            let started = Instant::now();
            while child.try_wait().unwrap().is_none() {
                if started.elapsed() > Duration::from_mins(1) {
                    let _ = child.kill();
                    panic!("backstop hook {agent} {event} ran for a minute");
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            let output = child.wait_with_output().unwrap();
            let _ = writer.join();
            assert_eq!(
                output.status.code(),
                Some(0),
                "backstop hook {agent} {event} must exit 0: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let stdout = String::from_utf8_lossy(&output.stdout);
            if !stdout.trim().is_empty() {
                let answer: serde_json::Value =
                    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
                        panic!("stdout of {agent} {event} is not one JSON object ({e}): {stdout}")
                    });
                assert!(answer.is_object(), "{stdout}");
            }
            true
        },
    );
}

/// The payload with its directories (`cwd`, `workspace_roots`) set to `root` when it parses.
fn pinned_to(input: &[u8], root: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(input);
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    let Ok(serde_json::Value::Object(mut object)) = serde_json::from_str(trimmed) else {
        return input.to_vec();
    };
    if object.contains_key("cwd") {
        object.insert("cwd".into(), root.into());
    }
    if object.contains_key("workspace_roots") {
        object.insert("workspace_roots".into(), serde_json::json!([root]));
    }
    serde_json::Value::Object(object).to_string().into_bytes()
}

/// The engine itself: a panic and a runaway allocation are failures that name the input.
#[test]
fn the_engine_reports_panics_and_memory_with_the_input() {
    let panicked = std::panic::catch_unwind(|| {
        engine::fuzz(
            "self-test-panic",
            vec![b"a boom".to_vec()],
            &[],
            64,
            |input, _| {
                assert!(!input.windows(4).any(|w| w == b"boom"), "found it");
                true
            },
        )
    })
    .expect_err("a panicking target fails");
    let message = panicked
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("found it") && message.contains("fuzz-crashes"),
        "{message}"
    );

    let grew = std::panic::catch_unwind(|| {
        engine::fuzz("self-test-memory", vec![b"x".to_vec()], &[], 64, |_, _| {
            let big = vec![1u8; 300 << 20];
            std::hint::black_box(&big);
            true
        })
    })
    .expect_err("a target that grows without bound fails");
    let message = grew.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("grow by"), "{message}");
}
