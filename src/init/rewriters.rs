//! Commands that rewrite files, and the form of each that only checks. A check gate must never
//! rewrite what it judges (at Stop it would silently fix the agent's files and pass), so every
//! command init writes as a `run` goes through [`forms`]: a known fixer gets its check form (and
//! keeps its writing form as `fix`), a known or suspected rewriter with no check form is not
//! converted, and a formatter that only prints (`gofmt -l`, `prettier` without a flag) gets the
//! form that fails on what it finds.

/// What a command becomes as a gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forms {
    /// The command that checks (`Ok`), or why there is none (`Err`).
    pub check: Result<String, String>,
    /// The command that fixes, when known.
    pub fix: Option<String>,
    /// Whether the command as given rewrites files (or may: a suspected rewriter).
    pub writes: bool,
}

impl Forms {
    fn check(command: &str) -> Forms {
        Forms {
            check: Ok(command.to_owned()),
            fix: None,
            writes: false,
        }
    }
}

/// Words that run a tool rather than being it (`npx`, `uv run`, `python -m`, ...).
const RUNNERS: [&str; 14] = [
    "npx", "pnpm", "yarn", "bunx", "bun", "uv", "uvx", "poetry", "pdm", "pipenv", "pipx", "hatch",
    "rye", "env",
];
const RUNNER_WORDS: [&str; 10] = [
    "exec",
    "dlx",
    "run",
    "x",
    "--no-install",
    "-y",
    "--yes",
    "--",
    "--frozen",
    "-q",
];

/// Flags that make an unknown tool a suspected rewriter.
const WRITE_FLAGS: [&str; 12] = [
    "--fix",
    "--write",
    "--write-changes",
    "--in-place",
    "--inplace",
    "--apply",
    "--apply-unsafe",
    "--autofix",
    "--auto-fix",
    "--autocorrect",
    "--fix-only",
    "--unsafe-fixes",
];

/// The check and fix forms of `command` (a shell command line, perhaps `a && b`).
pub fn forms(command: &str) -> Forms {
    let trimmed = command.trim();
    if trimmed.contains("||") || has_pipe(trimmed) {
        // A pipeline or fallback: only whole, and only when nothing in it writes.
        let parts: Vec<&str> = trimmed.split(['|', ';', '&']).collect();
        if let Some(why) = parts.iter().find_map(|p| single(p.trim()).check.err()) {
            return Forms {
                check: Err(why),
                fix: None,
                writes: true,
            };
        }
        if parts.iter().any(|p| single(p.trim()).writes) {
            return Forms {
                check: Err(
                    "it rewrites files inside a pipeline or `||`; write its check by hand"
                        .to_owned(),
                ),
                fix: None,
                writes: true,
            };
        }
        return Forms::check(command);
    }
    // `a && b; c`: each command on its own.
    let mut checks = Vec::new();
    let mut fixes = Vec::new();
    let mut writes = false;
    let mut any_fix = false;
    for (part, separator) in split_list(trimmed) {
        let forms = single(part);
        let check = match forms.check {
            Ok(check) => check,
            Err(why) => {
                return Forms {
                    check: Err(why),
                    fix: None,
                    writes: true,
                };
            }
        };
        writes |= forms.writes;
        any_fix |= forms.fix.is_some();
        checks.push(format!("{check}{separator}"));
        fixes.push(format!(
            "{}{separator}",
            forms.fix.unwrap_or_else(|| part.to_owned())
        ));
    }
    let check = checks.concat();
    let fix = any_fix.then(|| fixes.concat());
    if check == trimmed && fix.is_none() {
        return Forms::check(command);
    }
    Forms {
        check: Ok(check),
        fix,
        writes,
    }
}

/// Whether `command` rewrites files (or may).
pub fn writes(command: &str) -> bool {
    forms(command).writes
}

fn has_pipe(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, b)| {
        *b == b'|' && bytes.get(i + 1) != Some(&b'|') && (i == 0 || bytes[i - 1] != b'|')
    })
}

/// `a && b; c` as (`a`, `&&` with its spaces), (`b`, `;` and a space), (`c`, nothing).
fn split_list(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let separator = if text[i..].starts_with("&&") {
            2
        } else {
            usize::from(bytes[i] == b';')
        };
        if separator > 0 {
            let part = &text[start..i];
            let mut end = i + separator;
            while end < bytes.len() && bytes[end] == b' ' {
                end += 1;
            }
            let trimmed = part.trim_end();
            out.push((trimmed, &text[start + trimmed.len()..end]));
            start = end;
            i = end;
        } else {
            i += 1;
        }
    }
    out.push((&text[start..], ""));
    out
}

/// The tool a command runs: its position among the words and its name (`ruff`, `cargo fmt`).
fn tool(words: &[&str]) -> Option<(usize, String)> {
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let base = word.rsplit('/').next().unwrap_or(word);
        if word.contains('=') && !word.starts_with('-') {
            i += 1;
        } else if RUNNERS.contains(&base) {
            i += 1;
            while i < words.len() && RUNNER_WORDS.contains(&words[i]) {
                i += 1;
            }
        } else if base.starts_with("python") {
            i += 1;
            if words.get(i) == Some(&"-m") {
                i += 1;
            }
        } else {
            let next = words.get(i + 1).copied().unwrap_or("");
            let name = match base {
                "cargo" | "go" | "terraform" | "tofu" | "deno" | "dprint" | "taplo" | "mix"
                | "zig" | "sqlfluff" | "php-cs-fixer" | "ruff" | "biome" | "npm" => {
                    format!("{base} {next}")
                }
                _ => base.to_owned(),
            };
            return Some((i, name));
        }
    }
    None
}

/// The words with `remove` taken out (and a value after those in `with_value`).
fn without(words: &[&str], remove: &[&str], with_value: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = false;
    for word in words {
        if std::mem::take(&mut skip) {
            continue;
        }
        let key = word.split('=').next().unwrap_or(word);
        if with_value.contains(&key) {
            skip = !word.contains('=');
            continue;
        }
        if remove.contains(word) {
            continue;
        }
        out.push((*word).to_owned());
    }
    out
}

/// `words` with `flag` put right after the tool (position `at`, plus `sub` words).
fn with_flag(words: &[String], at: usize, flag: &str) -> String {
    let mut out = words.to_vec();
    out.insert((at + 1).min(out.len()), flag.to_owned());
    out.join(" ")
}

fn has(words: &[&str], flags: &[&str]) -> bool {
    words
        .iter()
        .any(|w| flags.contains(&w.split('=').next().unwrap_or(w)))
}

/// One simple command.
#[expect(
    clippy::too_many_lines,
    reason = "one table of tools, read top to bottom"
)]
fn single(command: &str) -> Forms {
    let words: Vec<&str> = command.split_whitespace().collect();
    let Some((at, name)) = tool(&words) else {
        return Forms::check(command);
    };
    let joined = |w: &[String]| w.join(" ");
    let owned: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
    let fixer = |check: String| Forms {
        check: Ok(check),
        fix: Some(command.to_owned()),
        writes: true,
    };
    // A check that fails on what it finds, with the command that fixes.
    let checker = |check: String, fix: String| Forms {
        check: Ok(check),
        fix: Some(fix),
        writes: false,
    };
    let no_check = |why: String| Forms {
        check: Err(why),
        fix: Some(command.to_owned()),
        writes: true,
    };
    match name.as_str() {
        "prettier" => {
            if has(&words, &["--check", "-c", "--list-different", "-l"]) {
                Forms::check(command)
            } else if has(&words, &["--write", "-w"]) {
                let rest = without(&words, &["--write", "-w"], &[]);
                fixer(with_flag(&rest, at, "--check"))
            } else {
                checker(
                    with_flag(&owned, at, "--check"),
                    with_flag(&owned, at, "--write"),
                )
            }
        }
        "eslint" | "stylelint" | "markdownlint" | "markdownlint-cli2" | "oxlint" | "standard"
        | "xo" | "ts-standard" | "standardrb" | "ktlint" | "rubocop" | "codespell" => {
            let flags: &[&str] = match name.as_str() {
                "ktlint" => &["-F", "--format"],
                "rubocop" => &[
                    "-a",
                    "-A",
                    "--autocorrect",
                    "--autocorrect-all",
                    "--auto-correct",
                    "--auto-correct-all",
                ],
                "codespell" => &["-w", "--write-changes"],
                _ => &["--fix"],
            };
            if has(&words, flags) {
                fixer(joined(&without(&words, flags, &["--fix-type"])))
            } else {
                Forms::check(command)
            }
        }
        "biome check" | "biome lint" | "biome format" | "biome ci" => {
            let flags = [
                "--write",
                "--apply",
                "--apply-unsafe",
                "--fix",
                "--unsafe",
                "--staged",
            ];
            if has(&words, &flags[..5]) {
                fixer(joined(&without(&words, &flags[..5], &[])))
            } else {
                Forms::check(command)
            }
        }
        "ruff format" => {
            if has(&words, &["--check", "--diff"]) {
                Forms::check(command)
            } else {
                fixer(with_flag(&owned, at + 1, "--check"))
            }
        }
        _ if name.starts_with("ruff ") || name == "ruff" => {
            // `ruff check` (or the old `ruff PATH`): never fix, whatever `fix = true` says.
            let flags = [
                "--fix",
                "--unsafe-fixes",
                "--fix-only",
                "--exit-non-zero-on-fix",
                "--no-fix",
            ];
            let wrote = has(&words, &flags[..3]);
            let rest = without(&words, &flags, &[]);
            let sub = usize::from(name == "ruff check");
            let check = with_flag(&rest, at + sub, "--no-fix");
            if wrote {
                fixer(check)
            } else {
                let fix = with_flag(&rest, at + sub, "--fix");
                checker(check, fix)
            }
        }
        "black" | "isort" | "autoflake" | "docformatter" | "pycln" => {
            let (checks, flag, write): (&[&str], &str, &[&str]) = match name.as_str() {
                "black" => (&["--check", "--diff"], "--check", &[]),
                "isort" => (
                    &["--check-only", "--check", "-c", "--diff"],
                    "--check-only",
                    &[],
                ),
                _ => (&["--check", "--diff"], "--check", &["-i", "--in-place"]),
            };
            if has(&words, checks) {
                Forms::check(command)
            } else {
                fixer(with_flag(&without(&words, write, &[]), at, flag))
            }
        }
        "autopep8" | "yapf" | "clang-format" => {
            let (check, write): (&str, &[&str]) = match name.as_str() {
                "autopep8" => ("--diff --exit-code", &["-i", "--in-place"]),
                "yapf" => ("--diff", &["-i", "--in-place"]),
                _ => ("--dry-run -Werror", &["-i"]),
            };
            if has(&words, &["--diff", "--dry-run", "-n"]) {
                Forms::check(command)
            } else if has(&words, write) {
                fixer(with_flag(&without(&words, write, &[]), at, check))
            } else {
                let fix = with_flag(&owned, at, write[0]);
                checker(with_flag(&owned, at, check), fix)
            }
        }
        "gofmt" | "goimports" => {
            // `-l` lists and `-w` writes; neither fails: the check fails when anything is listed.
            let args = without(&words[at + 1..], &["-w", "-l", "-d"], &[]);
            if args.iter().any(|a| {
                !a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-./_=".contains(c))
            }) {
                return no_check(format!(
                    "{name} with these arguments has no check form here"
                ));
            }
            let prefix = joined(&owned[..at]);
            let list = std::iter::once(format!("{name} -l"))
                .chain(args.iter().cloned())
                .collect::<Vec<_>>()
                .join(" ");
            let check = format!(
                "{}sh -c 'out=$({list} \"$@\"); [ -z \"$out\" ] || {{ printf \"not {name}-formatted (run {name} -w):\\n%s\\n\" \"$out\"; exit 1; }}' {name}",
                if prefix.is_empty() {
                    String::new()
                } else {
                    format!("{prefix} ")
                }
            );
            let fix = std::iter::once(format!("{name} -w"))
                .chain(args)
                .collect::<Vec<_>>()
                .join(" ");
            Forms {
                check: Ok(check),
                fix: Some(format!(
                    "{}{fix}",
                    if prefix.is_empty() {
                        String::new()
                    } else {
                        format!("{prefix} ")
                    }
                )),
                writes: has(&words, &["-w"]),
            }
        }
        "shfmt" => {
            if has(&words, &["-d", "--diff"]) {
                Forms::check(command)
            } else {
                let rest = without(&words, &["-w", "--write", "-l", "--list"], &[]);
                let check = with_flag(&rest, at, "-d");
                if has(&words, &["-w", "--write"]) {
                    fixer(check)
                } else {
                    checker(check, with_flag(&rest, at, "-w"))
                }
            }
        }
        "cargo fmt" | "rustfmt" | "stylua" | "taplo fmt" | "taplo format" | "deno fmt"
        | "zig fmt" | "nixfmt" | "alejandra" => {
            let (flag, sub) = match name.as_str() {
                "cargo fmt" | "taplo fmt" | "taplo format" | "deno fmt" | "zig fmt" => {
                    ("--check", 1)
                }
                _ => ("--check", 0),
            };
            if has(&words, &["--check", "-c"]) {
                Forms::check(command)
            } else {
                // `cargo fmt -- ARGS`: the flag goes before `--`.
                fixer(with_flag(&owned, at + sub, flag))
            }
        }
        "terraform fmt" | "tofu fmt" => {
            if has(&words, &["-check"]) {
                Forms::check(command)
            } else {
                fixer(with_flag(
                    &without(&words, &["-write=true"], &[]),
                    at + 1,
                    "-check",
                ))
            }
        }
        "mix format" => {
            if has(&words, &["--check-formatted"]) {
                Forms::check(command)
            } else {
                fixer(with_flag(&owned, at + 1, "--check-formatted"))
            }
        }
        "dprint fmt" => {
            let mut rest = owned.clone();
            "check".clone_into(&mut rest[at + 1]);
            fixer(joined(&rest))
        }
        "sqlfluff fix" => {
            let mut rest = without(&words, &["--force", "-f"], &[]);
            "lint".clone_into(&mut rest[at + 1]);
            fixer(joined(&rest))
        }
        "php-cs-fixer fix" => {
            if has(&words, &["--dry-run"]) {
                Forms::check(command)
            } else {
                fixer(with_flag(&owned, at + 1, "--dry-run"))
            }
        }
        "cargo clippy" => {
            let flags = ["--fix", "--allow-dirty", "--allow-staged", "--allow-no-vcs"];
            if has(&words, &["--fix"]) {
                fixer(joined(&without(&words, &flags, &[])))
            } else {
                Forms::check(command)
            }
        }
        "go mod" if words.get(at + 2) == Some(&"tidy") => {
            if has(&words, &["-diff"]) {
                Forms::check(command)
            } else {
                fixer(with_flag(&owned, at + 2, "-diff"))
            }
        }
        "pyupgrade"
        | "add-trailing-comma"
        | "reorder-python-imports"
        | "django-upgrade"
        | "absolufy-imports"
        | "sed"
        | "perl"
        | "tsx-sort"
        | "sort-package-json"
            if name != "sed" && name != "perl"
                || has(&words, &["-i", "-pi", "--in-place"])
                || words.iter().any(|w| w.starts_with("-i")) =>
        {
            no_check(format!(
                "`{name}` rewrites files and has no mode that only checks; keep it as a fixer by hand"
            ))
        }
        "git" => match words.get(at + 1).copied() {
            Some("add" | "commit" | "stash" | "checkout" | "reset" | "restore" | "rm" | "mv") => {
                Forms {
                    check: Err(format!(
                        "`git {}` changes the index or the worktree; backstop stages fixers' changes itself",
                        words[at + 1]
                    )),
                    fix: None,
                    writes: true,
                }
            }
            _ => Forms::check(command),
        },
        _ if name.starts_with("npm ") || name == "npm" => script_forms(command, &words, at),
        _ => {
            if name == "lint-staged" {
                return Forms {
                    check: Err("lint-staged runs fixers and stages what they change".to_owned()),
                    fix: None,
                    writes: true,
                };
            }
            let sub = words.get(at + 1).copied().unwrap_or("");
            if has(&words[at..], &WRITE_FLAGS) || matches!(sub, "fmt" | "format" | "fix" | "write")
            {
                no_check(format!(
                    "`{}` looks like it rewrites files, and backstop knows no check form of `{name}`",
                    words[at..].join(" ")
                ))
            } else {
                Forms::check(command)
            }
        }
    }
}

/// `npm run NAME` (and pnpm/yarn/bun, which [`tool`] skips): a script whose name says it fixes
/// or formats is a suspected rewriter.
fn script_forms(command: &str, words: &[&str], at: usize) -> Forms {
    let script = match words.get(at + 1).copied() {
        Some("run" | "run-script") => words.get(at + 2).copied().unwrap_or(""),
        Some(other) => other,
        None => "",
    };
    suspected_script(command, script)
}

fn suspected_script(command: &str, script: &str) -> Forms {
    let lower = script.to_ascii_lowercase();
    let fixes = lower.contains("fix") || lower.contains("write");
    let formats = (lower.contains("format") || lower.contains("fmt") || lower.contains("prettify"))
        && !lower.contains("check")
        && !lower.contains("lint")
        && !lower.contains("verify");
    if fixes || formats {
        Forms {
            check: Err(format!(
                "the script `{script}` looks like it rewrites files; name its check instead"
            )),
            fix: Some(command.to_owned()),
            writes: true,
        }
    } else {
        Forms::check(command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(command: &str) -> String {
        forms(command).check.unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn fixers_get_their_check_forms() {
        assert_eq!(
            check("npx --no-install prettier --write --ignore-unknown"),
            "npx --no-install prettier --check --ignore-unknown"
        );
        assert_eq!(
            check("prettier --ignore-unknown"),
            "prettier --check --ignore-unknown"
        );
        assert_eq!(
            check("eslint --fix --max-warnings=0"),
            "eslint --max-warnings=0"
        );
        assert_eq!(check("ruff check --fix"), "ruff check --no-fix");
        assert_eq!(check("ruff check"), "ruff check --no-fix");
        assert_eq!(
            check(".venv/bin/python -m ruff check --force-exclude"),
            ".venv/bin/python -m ruff check --no-fix --force-exclude"
        );
        assert_eq!(check("ruff format"), "ruff format --check");
        assert_eq!(
            check("uv run ruff format --diff"),
            "uv run ruff format --diff"
        );
        assert_eq!(check("black ."), "black --check .");
        assert_eq!(check("isort src"), "isort --check-only src");
        assert_eq!(check("cargo fmt --all"), "cargo fmt --check --all");
        assert_eq!(
            check("cargo fmt -- --edition 2021"),
            "cargo fmt --check -- --edition 2021"
        );
        assert_eq!(check("rustfmt"), "rustfmt --check");
        assert_eq!(check("shfmt -w -i 2"), "shfmt -d -i 2");
        assert_eq!(check("shfmt -l ."), "shfmt -d .");
        assert_eq!(check("clang-format -i"), "clang-format --dry-run -Werror");
        assert_eq!(
            check("terraform fmt -recursive"),
            "terraform fmt -check -recursive"
        );
        assert_eq!(
            check("biome check --write --no-errors-on-unmatched"),
            "biome check --no-errors-on-unmatched"
        );
        assert_eq!(check("codespell -w"), "codespell");
        assert_eq!(
            check("cargo clippy --fix --allow-dirty -- -D warnings"),
            "cargo clippy -- -D warnings"
        );
        assert_eq!(
            check("go mod tidy"),
            "go mod -diff tidy".replace("-diff tidy", "tidy -diff")
        );
        let gofmt = check("gofmt -w");
        assert!(
            gofmt.starts_with("sh -c 'out=$(gofmt -l \"$@\"); [ -z \"$out\" ] ||"),
            "{gofmt}"
        );
        assert!(check("gofmt -l .").contains("gofmt -l . \"$@\""));
        assert_eq!(
            check("cd web && prettier --write ."),
            "cd web && prettier --check ."
        );
        assert!(forms("prettier --write .").writes);
        assert!(!forms("prettier .").writes);
        assert_eq!(
            forms("ruff check --fix").fix.as_deref(),
            Some("ruff check --fix")
        );
    }

    #[test]
    fn rewriters_without_a_check_form_are_refused() {
        for command in [
            "pyupgrade --py310-plus",
            "sed -i s/x/X/",
            "git add -u",
            "npm run lint:fix",
            "npm run format",
            "mytool --fix",
            "mytool fmt",
            "prettier --write . || true",
            "npx lint-staged",
        ] {
            assert!(forms(command).check.is_err(), "{command}");
            assert!(forms(command).writes, "{command}");
        }
        for command in [
            "npm run check",
            "npm run format:check",
            "mypy src",
            "sed -n 1p",
            "grep -i x",
            "npx tsc --noEmit",
        ] {
            assert_eq!(forms(command), Forms::check(command), "{command}");
        }
    }
}
