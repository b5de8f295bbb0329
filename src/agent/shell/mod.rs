//! Reading a shell command line the way bash would, as far as that is certain: which simple
//! commands it runs (in compound commands, functions, substitutions, and the scripts it hands
//! to `sh -c`, `eval` or a shell's stdin), each with its words expanded where the value is
//! known, and where it is not, an [`UNKNOWN`] piece in the word. What cannot be read at all
//! (a script whose text is only known when it runs, nesting past the limit) is reported as
//! unreadable, never dropped: the guard denies it.
//!
//! [`lex`] decides quoting and splits tokens; [`parse`] walks the structure, keeps the
//! variables the script sets where that is certain, and expands words with [`expand`].

mod expand;
mod lex;
mod parse;

/// Stands for a part of a word whose value cannot be known before the command runs.
pub const UNKNOWN: char = '\u{FFFC}';

/// Stands for an unquoted part of a word whose value cannot be known before the command runs:
/// it may split into several words (`$CMD`, `$(...)` without quotes).
pub const SPLIT: char = '\u{E001}';

/// Whether a word holds a part only known when the command runs.
pub fn unknown(word: &str) -> bool {
    word.contains([UNKNOWN, NAME, SPLIT])
}

/// Stands for a part of a word that is unknown but is a ref name or commit id (`$(git branch
/// --show-current)`): git refuses names that start with `-`, so it is never an option.
pub const NAME: char = '\u{E000}';

/// One simple command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    /// `NAME=value` words before the command (or alone: shell variables).
    pub assignments: Vec<(String, String)>,
    /// The command and its arguments, expanded.
    pub words: Vec<String>,
    /// Files it opens for writing (`> file`, `>> file`, `&> file`, `<> file`...).
    pub redirects: Vec<String>,
    /// Where its standard input comes from.
    pub stdin: Stdin,
    /// Whether it runs in the shell itself, unconditionally (not in a subshell, a pipeline, a
    /// branch, a loop, the background, or a nested script): then `cd` and variables it sets
    /// hold for the commands after it.
    pub plain: bool,
}

/// A command's standard input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Stdin {
    /// Whatever the shell had.
    #[default]
    Inherited,
    /// The output of the command before it in a pipeline.
    Pipe,
    /// A here-document or here-string (unknown parts as [`UNKNOWN`]).
    Text(String),
    /// `< file`.
    File(String),
}

/// Everything read from a script.
#[derive(Debug, Default)]
pub struct Reading {
    /// Every simple command, nested ones included, in the order they run.
    pub commands: Vec<Command>,
    /// Why parts of it cannot be read with certainty (empty when all of it can).
    pub unreadable: Vec<String>,
    /// The functions it defines (a call's arguments may be run as a command: `"$@"`).
    pub functions: Vec<String>,
}

impl Reading {
    fn unreadable(&mut self, why: String) {
        if !self.unreadable.contains(&why) {
            self.unreadable.push(why);
        }
    }
}

/// Reads `script`.
pub fn read(script: &str) -> Reading {
    read_nested(script, 0)
}

/// Reads `script` as a script run from another at nesting `depth` (a script file, a command
/// text git runs), so that nesting stays bounded across them.
pub fn read_nested(script: &str, depth: usize) -> Reading {
    let mut out = Reading::default();
    parse::read_text(script, depth, parse::Vars::default(), &mut out);
    out
}

/// Every simple command in `script`, nested ones (subshells, substitutions, `sh -c`) included.
pub fn commands(script: &str) -> Vec<Command> {
    read(script).commands
}

/// The name a word runs (`/usr/bin/git` → `git`).
pub fn program_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Whether a word could be read as an option: it starts with `-` or with an unknown value.
pub fn could_be_option(word: &str) -> bool {
    word.starts_with('-') || word.starts_with(UNKNOWN) || word.starts_with(SPLIT)
}

/// Shells: `-c TEXT` runs the text; otherwise a file operand, else stdin, is the script.
pub const SHELLS: [&str; 11] = [
    "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh", "rbash", "busybox",
];

/// Programs that run a command given as their arguments (with options of their own before it).
pub const WRAPPERS: [&str; 46] = [
    "sudo",
    "doas",
    "env",
    "command",
    "builtin",
    "exec",
    "nohup",
    "setsid",
    "time",
    "nice",
    "ionice",
    "chrt",
    "taskset",
    "timeout",
    "stdbuf",
    "unbuffer",
    "caffeinate",
    "chronic",
    "flock",
    "xargs",
    "parallel",
    "watch",
    "strace",
    "ltrace",
    "valgrind",
    "chroot",
    "unshare",
    "nsenter",
    "firejail",
    "systemd-run",
    "runuser",
    "eatmydata",
    "fakeroot",
    "proxychains",
    "torsocks",
    "numactl",
    "uv",
    "uvx",
    "poetry",
    "pipenv",
    "pdm",
    "npx",
    "bunx",
    "pnpx",
    "bundle",
    "mise",
];

/// Every way the words can be read as a command: the words themselves, and for a wrapper,
/// each later word that could start the wrapped command (options of the wrapper cannot hide it
/// whatever they take); for `find`, each `-exec` command.
pub fn views(words: &[String]) -> Vec<&[String]> {
    let mut out: Vec<&[String]> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // (a reading, whether its wrapper's suffixes are still to be added): a suffix of a wrapper
    // needs none of its own, since every later suffix is already there (linear, not quadratic).
    let mut todo: std::collections::VecDeque<(&[String], bool)> =
        std::collections::VecDeque::from([(words, true)]);
    while let Some((view, expand)) = todo.pop_front() {
        if view.is_empty() || !seen.insert((view.as_ptr() as usize, view.len())) {
            continue;
        }
        out.push(view);
        let program = program_name(&view[0]);
        if program == "find" {
            let mut i = 0;
            while i < view.len() {
                if matches!(view[i].as_str(), "-exec" | "-execdir" | "-ok" | "-okdir") {
                    let start = i + 1;
                    let end = (start..view.len())
                        .find(|&k| view[k] == ";" || view[k] == "+")
                        .unwrap_or(view.len());
                    todo.push_back((&view[start..end], true));
                    i = end;
                }
                i += 1;
            }
        } else if expand && WRAPPERS.contains(&program) {
            for start in 1..view.len() {
                if !view[start].starts_with('-') && !view[start].contains('=') {
                    todo.push_back((&view[start..], false));
                }
            }
        }
    }
    out
}

/// A script a command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Script {
    /// Shell text (`sh -c TEXT`, `eval`, a here-document fed to a shell); `same_shell` when it
    /// runs in this shell (`eval`), so it can set this shell's variables.
    Text {
        /// The script.
        text: String,
        /// Whether it runs in the calling shell.
        same_shell: bool,
        /// Its `$0 $1 ...` (`sh -c TEXT NAME ARGS`), `None` when they are the caller's.
        args: Option<Vec<String>>,
    },
    /// A script file (`sh FILE`, `source FILE`, `bash < FILE`).
    File(String),
    /// A shell reading its own stdin from the terminal: nothing to read.
    Stdin,
    /// A script that cannot be read, and why.
    Unreadable(String),
}

/// The scripts a command runs as shell.
pub fn scripts(command: &Command) -> Vec<Script> {
    let mut out = Vec::new();
    for view in views(&command.words) {
        let program = program_name(&view[0]);
        let args = &view[1..];
        let script = match program {
            _ if SHELLS.contains(&program) => {
                let args = if program == "busybox" {
                    match args.first().map(String::as_str) {
                        Some(s) if SHELLS.contains(&s) => &args[1..],
                        _ => continue,
                    }
                } else {
                    args
                };
                shell_script(args, &command.stdin)
            }
            "eval" => Script::Text {
                text: args.join(" "),
                same_shell: true,
                args: None,
            },
            "source" | "." => match args.first() {
                Some(file) => sourced(file, &command.stdin),
                None => continue,
            },
            "env" => {
                let Some((text, rest)) = split_string(args) else {
                    continue;
                };
                let mut text = text;
                for word in rest {
                    text.push(' ');
                    text.push_str(&quote(word));
                }
                Script::Text {
                    text,
                    same_shell: false,
                    args: None,
                }
            }
            "alias" => {
                let Some((_, body)) = args.iter().find_map(|a| a.split_once('=')) else {
                    continue;
                };
                Script::Text {
                    text: body.to_owned(),
                    same_shell: false,
                    args: None,
                }
            }
            "su" | "runuser" | "script" | "flock" => {
                let Some(text) = option_value(args, &["-c", "--command"]) else {
                    continue;
                };
                Script::Text {
                    text,
                    same_shell: false,
                    args: None,
                }
            }
            "watch" => {
                let start = args
                    .iter()
                    .position(|a| !a.starts_with('-'))
                    .unwrap_or(args.len());
                let interval_value =
                    start > 0 && matches!(args[start - 1].as_str(), "-n" | "--interval" | "-q");
                let start = if interval_value { start + 1 } else { start };
                if start >= args.len() || args.iter().any(|a| a == "-x" || a == "--exec") {
                    continue;
                }
                Script::Text {
                    text: args[start..].join(" "),
                    same_shell: false,
                    args: None,
                }
            }
            _ => continue,
        };
        if !out.contains(&script) {
            out.push(script);
        }
    }
    out
}

/// What `source FILE` runs (`/dev/stdin` and the like read the command's stdin).
fn sourced(file: &str, stdin: &Stdin) -> Script {
    if !matches!(file, "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0") {
        return Script::File(file.to_owned());
    }
    match stdin {
        Stdin::Text(text) => Script::Text {
            text: text.clone(),
            same_shell: true,
            args: None,
        },
        Stdin::File(file) => Script::File(file.clone()),
        Stdin::Pipe => Script::Unreadable(PIPED.to_owned()),
        Stdin::Inherited => Script::Stdin,
    }
}

const PIPED: &str = "a shell reads its script from a pipe, so backstop cannot see what it runs";

/// What a shell with these arguments runs.
fn shell_script(args: &[String], stdin: &Stdin) -> Script {
    let mut i = 0;
    let mut command = false;
    let mut reads_stdin = false;
    while let Some(arg) = args.get(i) {
        if arg == "-" {
            reads_stdin = true;
            i += 1;
            break;
        }
        if arg == "--" {
            i += 1;
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            i += if matches!(long, "rcfile" | "init-file") {
                2
            } else {
                1
            };
            continue;
        }
        if (arg.starts_with('-') || arg.starts_with('+')) && arg.len() > 1 {
            let cluster = &arg[1..];
            if arg.starts_with('-') {
                command |= cluster.contains('c');
                reads_stdin |= cluster.contains('s');
            }
            i += if cluster.ends_with('o') || cluster.ends_with('O') {
                2
            } else {
                1
            };
            continue;
        }
        break;
    }
    if command {
        return args.get(i).map_or(Script::Stdin, |text| Script::Text {
            text: text.clone(),
            same_shell: false,
            args: Some(args[i + 1..].to_vec()),
        });
    }
    if !reads_stdin && let Some(file) = args.get(i) {
        return Script::File(file.clone());
    }
    let positional = std::iter::once(String::from("sh"))
        .chain(args[i.min(args.len())..].iter().cloned())
        .collect();
    match stdin {
        Stdin::Text(text) => Script::Text {
            text: text.clone(),
            same_shell: false,
            args: Some(positional),
        },
        Stdin::File(file) => Script::File(file.clone()),
        Stdin::Pipe => Script::Unreadable(PIPED.to_owned()),
        Stdin::Inherited => Script::Stdin,
    }
}

/// `env -S STRING`, `-SSTRING`, `--split-string=STRING`: the string, and the words after it.
fn split_string(args: &[String]) -> Option<(String, &[String])> {
    for (i, arg) in args.iter().enumerate() {
        if arg == "-S" || arg == "--split-string" {
            return Some((args.get(i + 1)?.clone(), args.get(i + 2..).unwrap_or(&[])));
        }
        if let Some(text) = arg
            .strip_prefix("--split-string=")
            .or_else(|| arg.strip_prefix("-S"))
        {
            return Some((text.to_owned(), &args[i + 1..]));
        }
        if !arg.starts_with('-') {
            return None;
        }
    }
    None
}

/// The value of the first of `names` (`-c VALUE`, `--command=VALUE`).
fn option_value(args: &[String], names: &[&str]) -> Option<String> {
    for (i, arg) in args.iter().enumerate() {
        if names.contains(&arg.as_str()) {
            return args.get(i + 1).cloned();
        }
        for name in names.iter().filter(|n| n.starts_with("--")) {
            if let Some(value) = arg.strip_prefix(&format!("{name}=")) {
                return Some(value.to_owned());
            }
        }
    }
    None
}

/// A word quoted so the shell reads it back as exactly this word.
pub fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(script: &str) -> Vec<Vec<String>> {
        commands(script).into_iter().map(|c| c.words).collect()
    }

    /// `?`: an unquoted unknown part.
    fn u(s: &str) -> String {
        s.replace('?', &SPLIT.to_string())
    }

    #[test]
    fn quoting_compound_commands_and_substitutions() {
        assert_eq!(
            words("git commit -m 'a; b' && git push"),
            vec![vec!["git", "commit", "-m", "a; b"], vec!["git", "push"]]
        );
        assert_eq!(
            words("echo \"$(git rev-parse HEAD)\" | tee x"),
            vec![
                vec!["git".to_owned(), "rev-parse".into(), "HEAD".into()],
                vec!["echo".to_owned(), NAME.to_string()],
                vec!["tee".to_owned(), "x".into()]
            ]
        );
        assert_eq!(
            words("(cd sub && make) ; ls # git commit -n"),
            vec![vec!["cd", "sub"], vec!["make"], vec!["ls"]]
        );
        assert_eq!(
            words("bash -lc \"git commit --no-verify -m x\""),
            vec![
                vec!["bash", "-lc", "git commit --no-verify -m x"],
                vec!["git", "commit", "--no-verify", "-m", "x"],
            ]
        );
    }

    #[test]
    fn assignments_and_redirections() {
        let parsed = commands("BACKSTOP_SKIP=lint FOO=1 git commit > out.txt 2>&1");
        assert_eq!(
            parsed[0].assignments,
            vec![
                ("BACKSTOP_SKIP".into(), "lint".into()),
                ("FOO".into(), "1".into())
            ]
        );
        assert_eq!(parsed[0].words, vec!["git", "commit"]);
        assert_eq!(parsed[0].redirects, vec!["out.txt"]);
        assert_eq!(
            commands("echo x >> .git/hooks/pre-commit")[0].redirects,
            vec![".git/hooks/pre-commit"]
        );
    }

    #[test]
    fn variables_are_followed_where_certain() {
        assert_eq!(words("B=backstop; $B approve")[1], ["backstop", "approve"]);
        assert_eq!(
            words("B=backstop && $B approve")[1],
            ["backstop", "approve"]
        );
        assert_eq!(
            words("C='git commit -n'; $C -m x")[1],
            ["git", "commit", "-n", "-m", "x"]
        );
        assert_eq!(words("C='a b'; echo \"$C\"")[1], ["echo", "a b"]);
        assert_eq!(words("export B=x; ${B}y")[1], ["xy"]);
        assert_eq!(words("E=; $E git push")[1], ["git", "push"]);
        // Set where it cannot be followed: unknown.
        assert_eq!(words("true && B=x; $B")[2], [u("?")]);
        assert_eq!(words("if c; then B=x; fi; $B")[2], [u("?")]);
        assert_eq!(words("B=x | cat; $B")[2], [u("?")]);
        assert_eq!(words("B=x & $B")[1], [u("?")]);
        assert_eq!(words("(B=x); $B")[1], [u("?")]);
        assert_eq!(words("read B; $B")[1], [u("?")]);
        assert_eq!(words("B=$(cat f); $B")[2], [u("?")]);
        assert_eq!(words("B=x; f() { B=y; }; f; $B")[3], [u("?")]);
        assert_eq!(words("B=x; for i in 1; do $B; B=y; done")[1], [u("?")]);
        assert_eq!(words("B=x; eval 'B=y'; $B").last().unwrap(), &[u("?")]);
        assert_eq!(words("$1 $@ ${x%y}")[0], [u("?"), u("?"), u("?")]);
        assert_eq!(words("$UNSET_ANYWHERE")[0], [u("?")]);
        let home = std::env::var("HOME").unwrap_or_default();
        assert_eq!(words("~/x $HOME")[0], [format!("{home}/x"), home.clone()]);
        assert_eq!(words("'~'/x")[0], ["~/x"]);
    }

    #[test]
    fn compound_commands_functions_and_reserved_words() {
        let all = |s: &str| words(s).into_iter().flatten().collect::<Vec<_>>().join(" ");
        assert_eq!(
            words("if a; then b; elif c; then d; else e; fi"),
            [["a"], ["b"], ["c"], ["d"], ["e"]]
        );
        assert_eq!(words("for i in 1 2; do x $i; done")[0][0], "x");
        assert_eq!(words("for ((i=0; i<2; i++)); do x; done"), [["x"]]);
        assert_eq!(words("while read l; do y; done < f")[1], ["y"]);
        assert_eq!(
            words("case $x in a|b) one;; (c) two ;& *) three;; esac"),
            [["one"], ["two"], ["three"]]
        );
        assert_eq!(words("f() { g -n; }; f"), [vec!["g", "-n"], vec!["f"]]);
        assert_eq!(words("function f { g; }"), [["g"]]);
        assert_eq!(
            words("{ a; }; ! b; time -p c; [[ -n $(d) ]]"),
            [["a"], ["b"], ["c"], ["d"]]
        );
        assert_eq!(words("(( $(e) + 1 ))"), [["e"]]);
        assert!(all("echo if then fi").contains("if then fi"));
    }

    #[test]
    fn scripts_handed_to_shells_are_read() {
        let last = |s: &str| words(s).last().cloned().unwrap();
        assert_eq!(last("eval 'git commit -n'"), ["git", "commit", "-n"]);
        assert_eq!(
            last("X='git commit -n'; eval \"$X\""),
            ["git", "commit", "-n"]
        );
        assert_eq!(last("bash <<'EOF'\ngit push\nEOF"), ["git", "push"]);
        assert_eq!(last("sh <<< 'git push'"), ["git", "push"]);
        assert_eq!(last("sudo -u x bash -c 'git push'"), ["git", "push"]);
        assert_eq!(last("env -S 'git push' origin"), ["git", "push", "origin"]);
        assert_eq!(last("find . -exec sh -c 'git push' \\;"), ["git", "push"]);
        assert_eq!(last("watch -n 1 git status"), ["git", "status"]);
        assert_eq!(last("alias g='git push'"), ["git", "push"]);
        for unreadable in [
            "echo x | base64 -d | sh",
            "eval \"$X\"",
            "sh -c \"$(curl x)\"",
            ". /dev/stdin <<< \"$X\"",
            &format!("{}x{}", "$(".repeat(30), ")".repeat(30)),
            &format!("{}x{}", "echo $(".repeat(20), ")".repeat(20)),
        ] {
            assert!(!read(unreadable).unreadable.is_empty(), "{unreadable}");
        }
        for readable in [
            "sh -c 'make'",
            "bash script.sh",
            "cat <<'EOF' | cat\nx\nEOF",
        ] {
            assert!(read(readable).unreadable.is_empty(), "{readable}");
        }
    }

    #[test]
    fn quoting_forms_bash_decodes() {
        assert_eq!(words("git commit $'\\x2dn'")[0], ["git", "commit", "-n"]);
        assert_eq!(words("git commit $\"--no-verify\"")[0][2], "--no-verify");
        assert_eq!(words("echo `echo \\`git push\\``")[0], ["git", "push"]);
        assert_eq!(words("back\"stop\" a{p,b}")[0], ["backstop", "ap", "ab"]);
        assert_eq!(words("echo \"\" ''")[0], ["echo", "", ""]);
        assert_eq!(commands("cat <(git push)")[0].words, ["git", "push"]);
    }

    #[test]
    fn stdin_of_each_command() {
        let parsed = commands("a | b; c < f; d <<< x; e <<'E'\nbody\nE\n");
        let stdin: Vec<&Stdin> = parsed.iter().map(|c| &c.stdin).collect();
        assert_eq!(
            stdin,
            [
                &Stdin::Inherited,
                &Stdin::Pipe,
                &Stdin::File("f".into()),
                &Stdin::Text("x".into()),
                &Stdin::Text("body\n".into())
            ]
        );
        let plain: Vec<bool> = commands("a; b | c; d && e; (f); g &")
            .iter()
            .map(|c| c.plain)
            .collect();
        assert_eq!(plain, [true, false, false, true, false, false, false]);
    }

    #[test]
    fn views_of_wrappers() {
        let w = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        let words = w("timeout -s KILL 5 git commit -n");
        let views: Vec<String> = views(&words).iter().map(|v| v.join(" ")).collect();
        assert!(views.contains(&"git commit -n".to_owned()), "{views:?}");
        assert_eq!(super::views(&w("echo git commit -n")).len(), 1);
    }

    #[test]
    fn variables_that_double_on_every_line_stay_bounded() {
        // Each line doubles the last value: 2^40 bytes if followed. What values add to words is
        // bounded: past it the script is unreadable (denied), and the last line is still read.
        let mut script = String::from("V0=backstop");
        for n in 1..=40 {
            script.push_str(&format!("; V{n}=\"$V{p}$V{p}\"", p = n - 1));
        }
        script.push_str("; $V40 approve; $V0 approve");
        let reading = read(&script);
        let last = reading.commands.last().unwrap();
        assert_eq!(
            last.words.len(),
            2,
            "the last line is still read: {:?}",
            last.words
        );
        let big = &reading.commands[reading.commands.len() - 2];
        assert!(unknown(&big.words[0]), "{:?}", big.words[0].len());
        assert!(
            !reading.unreadable.is_empty(),
            "past the budget: unreadable"
        );
        let many = format!("B=backstop; C={}", "\"$B\"".repeat(20_000));
        let reading = read(&many);
        assert!(
            reading
                .commands
                .iter()
                .all(|c| c.words.iter().all(|w| w.len() < 1 << 20))
        );
    }
}
