//! A shell command line read as test-runner invocations: which runner (wrappers such as
//! `uv run`, `npx`, `poetry run`, `env X=1`, `timeout 60` stripped), its arguments, and whether
//! its failure is swallowed (`|| true`, `|| exit 0`, a pipe without `pipefail`, `; echo` where
//! no `set -e` holds, `set +e` before it).

/// One test-runner invocation in a command.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The runner: `pytest`, `jest`, `cargo test`, `go test`, `mvn`, `npm run test:unit`...
    pub runner: String,
    /// Its arguments, shell quoting removed.
    pub args: Vec<String>,
    /// How its failure is swallowed, if it is.
    pub swallowed: Option<String>,
    /// 1-based line within the file.
    pub line: u32,
}

impl Invocation {
    /// Runners that can stand in for each other (a Jest suite moved to Vitest).
    pub fn family(&self) -> &str {
        match self.runner.as_str() {
            "jest" | "vitest" | "mocha" | "ava" | "jasmine" | "tap" | "node --test"
            | "bun test" | "deno test" | "karma" => "js",
            "pytest" | "python -m unittest" => "python",
            "cargo test" | "cargo nextest" | "cargo llvm-cov" | "cargo tarpaulin" => "cargo",
            other if other.contains(" run ") => "script",
            other => other,
        }
    }
}

/// How the shell runs the command: whether a failing command stops it (`set -e`) and whether a
/// pipeline fails when any of its commands does (`pipefail`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Shell {
    /// `set -e` holds (GitHub Actions' `bash -e`, GitLab).
    pub errexit: bool,
    /// `set -o pipefail` holds.
    pub pipefail: bool,
}

/// Splits a line into words and operators, honouring quotes.
fn words(line: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    let flush = |word: &mut String, quoted: &mut bool, out: &mut Vec<(String, bool)>| {
        if !word.is_empty() || *quoted {
            out.push((std::mem::take(word), false));
        }
        *quoted = false;
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                quoted = true;
                for d in chars.by_ref() {
                    if d == c {
                        break;
                    }
                    word.push(d);
                }
            }
            '\\' => {
                if let Some(d) = chars.next() {
                    word.push(d);
                }
            }
            ' ' | '\t' => flush(&mut word, &mut quoted, &mut out),
            '#' if word.is_empty() => break,
            // Redirections (`2>&1`, `&>log`) are part of the command, not operators.
            '&' if word.ends_with('>') || chars.peek() == Some(&'>') => word.push(c),
            '&' | '|' | ';' => {
                flush(&mut word, &mut quoted, &mut out);
                let mut op = c.to_string();
                if chars.peek() == Some(&c) {
                    op.push(c);
                    chars.next();
                }
                out.push((op, true));
            }
            _ => word.push(c),
        }
    }
    flush(&mut word, &mut quoted, &mut out);
    out
}

/// Leading words that run the next word as the command.
fn wrapper(words: &[String]) -> usize {
    let first = words.first().map_or("", String::as_str);
    let second = words.get(1).map_or("", String::as_str);
    match (first, second) {
        ("uv" | "poetry" | "pipenv" | "pdm" | "rye" | "hatch", "run") => {
            // `hatch run test` names a script; `uv run pytest` a program.
            let mut at = 2;
            while words.get(at).is_some_and(|w| w.starts_with('-')) {
                at += 1;
            }
            at
        }
        ("conda" | "micromamba" | "mamba", "run") => {
            let mut at = 2;
            while words.get(at).is_some_and(|w| w.starts_with('-')) {
                at += if matches!(words[at].as_str(), "-n" | "--name" | "-p" | "--prefix") {
                    2
                } else {
                    1
                };
            }
            at
        }
        ("npx" | "bunx" | "pnpx", _) => {
            let mut at = 1;
            while words.get(at).is_some_and(|w| w.starts_with('-')) {
                at += 1;
            }
            at
        }
        ("pnpm" | "yarn", "exec" | "dlx") => 2,
        ("time" | "nice" | "exec" | "sudo" | "command" | "xvfb-run" | "stdbuf" | "nohup", _) => {
            let mut at = 1;
            while words.get(at).is_some_and(|w| w.starts_with('-')) {
                at += 1;
            }
            at
        }
        ("timeout", _) => {
            let mut at = 1;
            while words.get(at).is_some_and(|w| w.starts_with('-')) {
                at += 1;
            }
            at + 1
        }
        ("env" | "cross-env" | "dotenv", _) => {
            let mut at = 1;
            while words
                .get(at)
                .is_some_and(|w| w.contains('=') || w.starts_with('-'))
            {
                at += 1;
            }
            at
        }
        ("coverage", "run") => {
            let mut at = 2;
            while words.get(at).is_some_and(|w| w.starts_with('-')) {
                at += 1;
            }
            at
        }
        ("nyc" | "c8", _) => {
            let mut at = 1;
            while words.get(at).is_some_and(|w| w.starts_with('-')) {
                at += if words[at].contains('=') { 1 } else { 2 };
            }
            at
        }
        _ => 0,
    }
}

/// The runner a command's words start, and where its arguments begin.
fn runner(words: &[String]) -> Option<(String, usize)> {
    // `cargo +nightly test`: a toolchain, then the command.
    if words.first().is_some_and(|w| w == "cargo")
        && words.get(1).is_some_and(|w| w.starts_with('+'))
    {
        let mut rest = words.to_vec();
        rest.remove(1);
        return runner(&rest).map(|(r, at)| (r, at + 1));
    }
    let program = words.first()?.as_str();
    let program = program.rsplit('/').next().unwrap_or(program);
    let second = words.get(1).map_or("", String::as_str);
    let found = match program {
        "pytest" | "py.test" => ("pytest".to_owned(), 1),
        "python" | "python3" | "py" if second == "-m" => match words.get(2).map(String::as_str) {
            Some("pytest") => ("pytest".to_owned(), 3),
            Some("unittest") => ("python -m unittest".to_owned(), 3),
            Some("tox") => ("tox".to_owned(), 3),
            Some("nox") => ("nox".to_owned(), 3),
            _ => return None,
        },
        "tox" | "nox" => (program.to_owned(), 1),
        "jest" | "vitest" | "mocha" | "ava" | "jasmine" | "tap" | "karma" => {
            (program.to_owned(), 1)
        }
        "playwright" if second == "test" => ("playwright test".to_owned(), 2),
        "cypress" if second == "run" => ("cypress run".to_owned(), 2),
        "node" if words.iter().any(|w| w == "--test") => ("node --test".to_owned(), 1),
        "bun" | "deno" if second == "test" => (format!("{program} test"), 2),
        "cargo" => match second {
            "test" | "t" => ("cargo test".to_owned(), 2),
            "nextest" => ("cargo nextest".to_owned(), 3),
            "llvm-cov" => ("cargo llvm-cov".to_owned(), 2),
            "tarpaulin" => ("cargo tarpaulin".to_owned(), 2),
            "insta" if words.get(2).is_some_and(|w| w == "test") => ("cargo test".to_owned(), 3),
            _ => return None,
        },
        "go" if second == "test" => ("go test".to_owned(), 2),
        "gotestsum" => ("go test".to_owned(), 1),
        "mvn" | "mvnw" | "./mvnw" => ("mvn".to_owned(), 1),
        "gradle" | "gradlew" | "./gradlew" => ("gradle".to_owned(), 1),
        "npm" | "yarn" | "pnpm" | "bun" => {
            let script = match second {
                "test" | "t" => "test",
                "run" | "run-script" => words.get(2).map_or("", String::as_str),
                other if program != "npm" && !other.starts_with('-') => other,
                _ => return None,
            };
            if !test_like(script) {
                return None;
            }
            let skip = if matches!(second, "run" | "run-script") {
                3
            } else {
                2
            };
            (format!("{program} run {script}"), skip)
        }
        "make" | "just" | "task" | "$(MAKE)" | "${MAKE}" => {
            let program = if program.contains("MAKE") {
                "make"
            } else {
                program
            };
            let target = words
                .iter()
                .skip(1)
                .find(|w| !w.starts_with('-') && !w.contains('='))?;
            if !test_like(target) {
                return None;
            }
            (format!("{program} {target}"), words.len())
        }
        "ctest" | "rspec" | "phpunit" | "dotnet" if program != "dotnet" || second == "test" => {
            (program.to_owned(), 1)
        }
        _ => return None,
    };
    Some(found)
}

/// The scripts a monorepo or script runner runs, if the words are one.
fn delegated_scripts(words: &[String]) -> Vec<String> {
    let program = words.first().map_or("", String::as_str);
    let second = words.get(1).map_or("", String::as_str);
    let names: Vec<String> = match program {
        "run-s" | "run-p" | "npm-run-all" | "npm-run-all2" => words[1..]
            .iter()
            .filter(|w| !w.starts_with('-'))
            .cloned()
            .collect(),
        "turbo" => words[1..]
            .iter()
            .skip_while(|w| *w == "run")
            .take_while(|w| !w.starts_with('-'))
            .cloned()
            .collect(),
        "nx" if second == "run-many" => words
            .windows(2)
            .filter(|w| matches!(w[0].as_str(), "-t" | "--target" | "--targets"))
            .flat_map(|w| w[1].split(',').map(str::to_owned).collect::<Vec<_>>())
            .collect(),
        "nx" | "lerna" if second == "run" => words.get(2).cloned().into_iter().collect(),
        "nx" if !second.is_empty() && !second.starts_with('-') => vec![second.to_owned()],
        _ => Vec::new(),
    };
    names.into_iter().filter(|n| test_like(n)).collect()
}

/// A script, target or recipe name that runs tests.
pub fn test_like(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "test", "spec", "check", "verify", "ci", "e2e", "coverage", "cov",
    ]
    .iter()
    .any(|w| lower == *w || lower.split([':', '-', '_', '.']).any(|part| part == *w))
        || lower.contains("test")
}

/// Whether the command after `||` still fails (`exit 1`, `false`, `exit $?`).
fn still_fails(words: &[String]) -> bool {
    match words.first().map(String::as_str) {
        Some("false") => true,
        Some("exit" | "return") => words.get(1).is_some_and(|code| code != "0"),
        Some("{" | "(") => words.iter().any(|w| w == "exit" || w == "false"),
        Some("echo" | "printf" | ">&2") => {
            words.iter().any(|w| w == "exit" || w.starts_with("exit"))
        }
        _ => false,
    }
}

/// `${{ a b }}` as `${{a_b}}`: one word.
fn expressions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner: String = rest[start + 3..start + end]
            .trim()
            .chars()
            .map(|c| if c.is_whitespace() { '_' } else { c })
            .collect();
        out.push_str(&format!("${{{{{inner}}}}}"));
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// The invocations of a script (lines joined at `\`), `shell` saying how it runs.
pub fn read(script: &str, first_line: u32, shell: Shell) -> Vec<Invocation> {
    let mut found = Vec::new();
    let mut shell = shell;
    let mut ignore_errors = false;
    let joined = script.replace("\\\r\n", " ").replace("\\\n", " ");
    // CI expressions (`${{ matrix.os }}`) are one word.
    let joined = expressions(&joined);
    let total_lines = joined.lines().count();
    for (n, line) in joined.lines().enumerate() {
        let line_no = first_line + u32::try_from(n).unwrap_or(0);
        let tokens = words(line.trim());
        // Segments: (words, the operator after them).
        let mut segments: Vec<(Vec<String>, Option<String>)> = Vec::new();
        let mut current = Vec::new();
        for (word, op) in tokens {
            if op {
                segments.push((std::mem::take(&mut current), Some(word)));
            } else {
                current.push(word);
            }
        }
        segments.push((current, None));
        for (k, (segment, op)) in segments.iter().enumerate() {
            let mut words: Vec<String> = segment
                .iter()
                .skip_while(|w| {
                    w.contains('=')
                        && !w.starts_with('-')
                        && w.split('=').next().is_some_and(|n| {
                            n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        })
                })
                .cloned()
                .collect();
            if words.first().is_some_and(|w| w == "set") {
                for flag in &words[1..] {
                    if flag.starts_with('-') && flag.contains('e') || flag == "errexit" {
                        shell.errexit = true;
                    }
                    if flag == "+e" {
                        shell.errexit = false;
                        ignore_errors = true;
                    }
                    if flag == "pipefail" {
                        shell.pipefail = true;
                    }
                }
                continue;
            }
            loop {
                let skip = wrapper(&words);
                if skip == 0 || skip >= words.len() {
                    break;
                }
                words.drain(..skip);
            }
            // `run-s test:*`, `npm-run-all -p a b`, `turbo run test`, `nx run-many -t test`,
            // `lerna run test`: scripts run by name.
            let scripts = delegated_scripts(&words);
            if !scripts.is_empty() {
                for script in scripts {
                    found.push(Invocation {
                        runner: format!("npm run {script}"),
                        args: Vec::new(),
                        swallowed: None,
                        line: line_no,
                    });
                }
                continue;
            }
            let Some((runner, from)) = runner(&words) else {
                continue;
            };
            let next = segments
                .get(k + 1)
                .map(|(w, _)| w.clone())
                .unwrap_or_default();
            let later_lines = n + 1 < total_lines;
            let swallowed = match op.as_deref() {
                Some("||") if !still_fails(&next) => Some(format!("|| {}", next.join(" "))),
                Some("|") if !shell.pipefail => Some(format!("| {}", next.join(" "))),
                Some(";") if !shell.errexit && !next.is_empty() => {
                    Some(format!("; {}", next.join(" ")))
                }
                _ if ignore_errors && (k + 1 < segments.len() || later_lines) => {
                    Some("set +e".to_owned())
                }
                _ => None,
            };
            found.push(Invocation {
                runner,
                args: words[from.min(words.len())..].to_vec(),
                swallowed,
                line: line_no,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(script: &str, shell: Shell) -> Invocation {
        let found = read(script, 1, shell);
        assert_eq!(found.len(), 1, "{found:?}");
        found.into_iter().next().unwrap()
    }

    #[test]
    fn runners_behind_wrappers_and_variables() {
        let plain = Shell::default();
        assert_eq!(
            one("CI=1 uv run pytest -k 'not slow' tests", plain).runner,
            "pytest"
        );
        assert_eq!(
            one("CI=1 uv run pytest -k 'not slow' tests", plain).args,
            ["-k", "not slow", "tests"]
        );
        assert_eq!(one("npx jest --ci", plain).runner, "jest");
        assert_eq!(one("python -m pytest -x", plain).runner, "pytest");
        assert_eq!(
            one("./gradlew test -x integrationTest", plain).runner,
            "gradle"
        );
        assert_eq!(
            one("npm run test:unit -- --ci", plain).runner,
            "npm run test:unit"
        );
        assert!(read("npm run build", 1, plain).is_empty());
        assert_eq!(
            one("cargo nextest run --workspace", plain).args,
            ["--workspace"]
        );
    }

    #[test]
    fn swallowed_failures() {
        let plain = Shell::default();
        let strict = Shell {
            errexit: true,
            pipefail: true,
        };
        assert!(one("pytest || true", plain).swallowed.is_some());
        assert!(one("pytest || exit 1", plain).swallowed.is_none());
        assert!(
            one("go test ./... | tee out.txt", plain)
                .swallowed
                .is_some()
        );
        assert!(
            one("go test ./... | tee out.txt", strict)
                .swallowed
                .is_none()
        );
        assert!(one("jest; echo done", plain).swallowed.is_some());
        assert!(one("jest; echo done", strict).swallowed.is_none());
        assert!(
            one(
                "set -o pipefail\ngo test ./... | tee log",
                Shell {
                    errexit: true,
                    pipefail: false
                }
            )
            .swallowed
            .is_none()
        );
        assert!(one("vitest run; exit 0", plain).swallowed.is_some());
    }
}
