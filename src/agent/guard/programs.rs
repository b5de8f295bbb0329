//! What programs other than git write: removers, copiers (into a directory too), links (a hard
//! link is a second name), editors, in-place editors (`sed -i`, `perl -pi`, `awk -i inplace`),
//! `dd`, downloaders' output files, `find -delete/-exec`, `patch`, archive extraction; and the
//! interpreters whose inline code is read by [`code`](super::code).

use super::{Checker, code, unknown};
use crate::agent::shell::{Command, Stdin, UNKNOWN};

const HARD_LINK: &str = "backstop: a link to that place is a second name for it, through which it \
     can be changed unseen (it is protected, or something the gates stand on). Leave it as it is, \
     or ask the person.";

/// Whether [`check`] has rules for the program `name`.
pub(super) fn handles(name: &str) -> bool {
    code::interpreter(name).is_some()
        || matches!(
            name,
            "rm" | "rmdir"
                | "unlink"
                | "shred"
                | "trash"
                | "trash-put"
                | "srm"
                | "mv"
                | "cp"
                | "install"
                | "rsync"
                | "ln"
                | "tee"
                | "sponge"
                | "chmod"
                | "chown"
                | "chgrp"
                | "chattr"
                | "setfacl"
                | "sudoedit"
                | "touch"
                | "truncate"
                | "ed"
                | "ex"
                | "vi"
                | "vim"
                | "nvim"
                | "view"
                | "nano"
                | "emacs"
                | "pico"
                | "micro"
                | "kak"
                | "hx"
                | "joe"
                | "dd"
                | "sed"
                | "awk"
                | "gawk"
                | "mawk"
                | "nawk"
                | "sudo"
                | "find"
                | "patch"
                | "tar"
                | "bsdtar"
                | "unzip"
                | "curl"
                | "wget"
                | "sort"
                | "uniq"
        )
}

/// Why the program `name` with `args` is denied, if it is.
#[expect(
    clippy::too_many_lines,
    reason = "one arm per program: what each writes reads best side by side"
)]
pub(super) fn check(
    checker: &mut Checker<'_>,
    name: &str,
    args: &[String],
    command: &Command,
    depth: usize,
) -> Option<String> {
    match name {
        "rm" | "rmdir" | "unlink" | "shred" | "trash" | "trash-put" | "srm" => operands(args, &[])
            .iter()
            .find_map(|t| checker.write(t, true)),
        "mv" | "cp" | "install" | "rsync" => copy(checker, name, args),
        "ln" => link(checker, args),
        "tee" | "sponge" | "chmod" | "chown" | "chgrp" | "chattr" | "setfacl" | "sudoedit" => {
            operands(args, &["--reference", "--from"])
                .iter()
                .find_map(|t| checker.write(t, false))
        }
        "touch" => operands(args, &["-d", "--date", "-t", "-r", "--reference"])
            .iter()
            .find_map(|t| checker.write(t, false)),
        "truncate" => operands(args, &["-s", "--size", "-r", "--reference"])
            .iter()
            .find_map(|t| checker.write(t, false)),
        "ed" | "ex" | "vi" | "vim" | "nvim" | "view" | "nano" | "emacs" | "pico" | "micro"
        | "kak" | "hx" | "joe" => operands(
            args,
            &[
                "-c", "--cmd", "-S", "-u", "-i", "-T", "-s", "-t", "-q", "-w", "-W",
            ],
        )
        .iter()
        .find_map(|t| checker.write(t, false)),
        "dd" => args
            .iter()
            .filter_map(|a| a.strip_prefix("of="))
            .find_map(|t| checker.write(t, false)),
        "sed" => sed_writes(checker, args)
            .iter()
            .find_map(|t| checker.write(t, false))
            .or_else(|| {
                in_place_sed(args)
                    .and_then(|files| files.iter().find_map(|t| checker.write(t, false)))
            }),
        "awk" | "gawk" | "mawk" | "nawk" => {
            let in_place = args.windows(2).any(|w| w[0] == "-i" && w[1] == "inplace")
                || args.iter().any(|a| a == "--include=inplace");
            if in_place {
                let mut files = operands(args, &["-f", "-v", "-F", "-i", "--include"]);
                if !args.iter().any(|a| a == "-f") && !files.is_empty() {
                    files.remove(0);
                }
                if let Some(reason) = files.iter().find_map(|t| checker.write(t, false)) {
                    return Some(reason);
                }
            }
            code::check(checker, name, args, &command.stdin, depth)
        }
        "sudo" => {
            if !args.iter().any(|a| a == "-e" || a == "--edit") {
                return None;
            }
            operands(
                args,
                &["-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-T", "-U"],
            )
            .iter()
            .find_map(|t| checker.write(t, false))
        }
        "find" => find(checker, args, depth),
        "patch" => patch(checker, args, &command.stdin),
        "tar" | "bsdtar" => {
            let extracts = args.iter().enumerate().any(|(i, a)| {
                matches!(a.as_str(), "-x" | "--extract" | "--get")
                    || (a.starts_with('-') && !a.starts_with("--") && a.contains('x'))
                    || (i == 0 && !a.starts_with('-') && a.contains('x'))
            });
            let dir = values(args, 'C', &["--directory"])
                .pop()
                .unwrap_or_else(|| ".".to_owned());
            if extracts {
                checker.write(&format!("{dir}/{UNKNOWN}"), false)
            } else {
                None
            }
        }
        "unzip" => {
            let dir = values(args, 'd', &[])
                .pop()
                .unwrap_or_else(|| ".".to_owned());
            checker.write(&format!("{dir}/{UNKNOWN}"), false)
        }
        "curl" => {
            let mut files = values(args, 'o', &["--output"]);
            if let Some(dir) = values(args, '\0', &["--output-dir"]).pop() {
                files.push(format!("{dir}/{UNKNOWN}"));
            }
            files.iter().find_map(|t| checker.write(t, false))
        }
        "wget" => {
            let mut files = values(args, 'O', &["--output-document"]);
            files.extend(values(args, 'o', &["--output-file"]));
            files.extend(values(args, 'a', &["--append-output"]));
            if let Some(dir) = values(args, 'P', &["--directory-prefix"]).pop() {
                files.push(format!("{dir}/{UNKNOWN}"));
            }
            files.iter().find_map(|t| checker.write(t, false))
        }
        "sort" => values(args, 'o', &["--output"])
            .iter()
            .find_map(|t| checker.write(t, false)),
        "uniq" => operands(args, &["-f", "-s", "-w"])
            .get(1)
            .and_then(|t| checker.write(t, false)),
        _ if code::interpreter(name).is_some() => {
            let in_place = matches!(name, "perl" | "ruby")
                && args.iter().any(|a| {
                    a.starts_with('-')
                        && !a.starts_with("--")
                        && a.chars()
                            .skip(1)
                            .take_while(|c| !"eEMmIx0l".contains(*c))
                            .any(|c| c == 'i')
                });
            if in_place {
                let mut files = operands(args, &["-e", "-E", "-I", "-M", "-m", "-x"]);
                if !args
                    .iter()
                    .any(|a| a.starts_with('-') && a.ends_with(['e', 'E']))
                    && !files.is_empty()
                {
                    files.remove(0);
                }
                if let Some(reason) = files.iter().find_map(|t| checker.write(t, false)) {
                    return Some(reason);
                }
            }
            code::check(checker, name, args, &command.stdin, depth)
        }
        _ => None,
    }
}

/// The non-option words, skipping the values of `value_options`; all words after `--`.
fn operands<'w>(args: &'w [String], value_options: &[&str]) -> Vec<&'w String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            out.extend(&args[i + 1..]);
            break;
        }
        if value_options.contains(&arg.as_str()) {
            i += 2;
            continue;
        }
        if !arg.starts_with('-') || arg == "-" {
            out.push(arg);
        }
        i += 1;
    }
    out
}

/// The values of an option: `-o V`, `-oV`, `-so V` (the short one ending a cluster), `--long V`,
/// `--long=V`. `short` `'\0'`: long forms only.
fn values(args: &[String], short: char, longs: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            break;
        }
        if longs.contains(&arg.as_str()) {
            out.extend(args.get(i + 1).cloned());
            i += 2;
            continue;
        }
        if let Some(value) = longs
            .iter()
            .find_map(|l| arg.strip_prefix(&format!("{l}=")))
        {
            out.push(value.to_owned());
        } else if short != '\0'
            && let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.starts_with('-'))
            && let Some(at) = cluster.find(short)
        {
            let attached = &cluster[at + short.len_utf8()..];
            if attached.is_empty() {
                out.extend(args.get(i + 1).cloned());
                i += 2;
                continue;
            }
            out.push(attached.to_owned());
        }
        i += 1;
    }
    out
}

/// `sed -i`: the files it edits (`None` when it does not edit in place).
fn in_place_sed(args: &[String]) -> Option<Vec<&String>> {
    let mut in_place = false;
    let mut script_given = false;
    for arg in args {
        if arg == "--" {
            break;
        }
        if arg == "--in-place" || arg.starts_with("--in-place=") {
            in_place = true;
        } else if matches!(arg.as_str(), "--expression" | "--file")
            || arg.starts_with("--expression=")
            || arg.starts_with("--file=")
        {
            script_given = true;
        } else if let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.starts_with('-')) {
            for c in cluster.chars() {
                if c == 'i' {
                    in_place = true;
                    break;
                }
                if "efl".contains(c) {
                    script_given |= c != 'l';
                    break;
                }
            }
        }
    }
    if !in_place {
        return None;
    }
    let mut files = operands(args, &["-e", "-f", "-l", "--expression", "--file"]);
    if !script_given && !files.is_empty() {
        files.remove(0);
    }
    Some(files)
}

/// Files a sed script writes with `w FILE` or `s/.../.../w FILE` (the script from `-e`, `-f
/// FILE` or the first operand).
fn sed_writes(checker: &Checker<'_>, args: &[String]) -> Vec<String> {
    let mut scripts = values(args, 'e', &["--expression"]);
    for file in values(args, 'f', &["--file"]) {
        if let super::places::Target::Known(path) = checker.target(&file)
            && let Ok(text) = std::fs::read_to_string(path)
        {
            scripts.push(text);
        }
    }
    if scripts.is_empty()
        && let Some(first) = operands(args, &["-l", "--line-length"]).first()
    {
        scripts.push((*first).clone());
    }
    let mut out = Vec::new();
    for script in scripts {
        for line in script.lines() {
            for command in line.split(';') {
                let command = command.trim().trim_start_matches(['{', '}', ' ']);
                // `w FILE`, `W FILE`, `5w FILE`, `/re/w FILE`; `s/a/b/gw FILE`.
                let body = command
                    .trim_start_matches(|c: char| c.is_ascii_digit() || c == ',' || c == '$');
                let file = body
                    .strip_prefix("w ")
                    .or_else(|| body.strip_prefix("W "))
                    .or_else(|| substitution_file(body));
                if let Some(file) = file {
                    out.push(file.trim().to_owned());
                }
            }
        }
    }
    out
}

/// The file of `s/PATTERN/REPLACEMENT/FLAGSw FILE` (any delimiter), if it writes one.
fn substitution_file(command: &str) -> Option<&str> {
    let mut chars = command.char_indices();
    if chars.next()?.1 != 's' {
        return None;
    }
    let (_, delimiter) = chars.next()?;
    let mut seen = 0;
    let mut escaped = false;
    for (at, c) in chars {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == delimiter {
            seen += 1;
            if seen == 2 {
                let flags = &command[at + c.len_utf8()..];
                let w = flags.find('w')?;
                return flags[..w]
                    .chars()
                    .all(|f| f.is_ascii_alphanumeric())
                    .then(|| flags[w + 1..].trim_start())
                    .filter(|f| !f.is_empty());
            }
        }
    }
    None
}

/// `cp`/`mv`/`install`/`rsync`: the destination, each source's name inside a destination
/// directory, the sources `mv` takes away, and the files `cp -l` links.
fn copy(checker: &mut Checker<'_>, name: &str, args: &[String]) -> Option<String> {
    let value_options: &[&str] = match name {
        "install" => &[
            "-m",
            "--mode",
            "-o",
            "--owner",
            "-g",
            "--group",
            "-t",
            "--target-directory",
            "-S",
            "--suffix",
        ],
        "rsync" => &[
            "-e",
            "--rsh",
            "--exclude",
            "--include",
            "--filter",
            "-f",
            "--files-from",
            "--password-file",
            "--chmod",
            "--chown",
            "-B",
            "--block-size",
            "--backup-dir",
            "--partial-dir",
            "--temp-dir",
            "-T",
            "--compare-dest",
            "--link-dest",
            "--copy-dest",
            "--log-file",
        ],
        _ => &["-t", "--target-directory", "-S", "--suffix"],
    };
    if name == "rsync"
        && let Some(reason) = values(args, '\0', &["--log-file"])
            .iter()
            .find_map(|t| checker.write(t, false))
    {
        return Some(reason);
    }
    let target_dir = values(args, 't', &["--target-directory"]).pop();
    let no_target_dir = args
        .iter()
        .any(|a| a == "-T" || a == "--no-target-directory");
    let named = operands(args, value_options);
    let (sources, destination): (Vec<&String>, Option<&String>) = match &target_dir {
        Some(_) => (named, None),
        None if named.len() >= 2 => (named[..named.len() - 1].to_vec(), named.last().copied()),
        None => return None,
    };
    if name == "mv"
        && let Some(reason) = sources.iter().find_map(|s| checker.write(s, true))
    {
        return Some(reason);
    }
    let links = name == "cp"
        && args.iter().any(|a| {
            a == "--link" || (a.starts_with('-') && !a.starts_with("--") && a.contains('l'))
        });
    if links
        && sources
            .iter()
            .any(|s| checker.places.written(&checker.target(s)).is_some())
    {
        return Some(HARD_LINK.to_owned());
    }
    if let Some(destination) = destination
        && let Some(reason) = checker.write(destination, false)
    {
        return Some(reason);
    }
    let into = target_dir.clone().or_else(|| {
        let destination = destination?;
        let is_dir = destination.ends_with('/')
            || unknown(destination)
            || sources.len() > 1
            || matches!(checker.target(destination), super::places::Target::Known(p) if p.is_dir());
        (is_dir && !no_target_dir).then(|| destination.clone())
    })?;
    sources.iter().find_map(|source| {
        let base = source
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(source);
        checker.write(&format!("{}/{base}", into.trim_end_matches('/')), false)
    })
}

/// `ln`: the link's name is written; a hard link's source gains a second name.
fn link(checker: &mut Checker<'_>, args: &[String]) -> Option<String> {
    let symbolic = args.iter().any(|a| {
        a == "--symbolic" || (a.starts_with('-') && !a.starts_with("--") && a.contains('s'))
    });
    let target_dir = values(args, 't', &["--target-directory"]).pop();
    let named = operands(args, &["-t", "--target-directory", "-S", "--suffix"]);
    let (sources, name): (Vec<&String>, Option<&String>) =
        if target_dir.is_none() && named.len() >= 2 {
            (named[..named.len() - 1].to_vec(), named.last().copied())
        } else {
            (named, None)
        };
    // A link (hard or symbolic) to a place is a second name through which it can be written
    // unseen. A symbolic link's target is relative to the link's directory.
    let link_dir = name
        .and_then(|n| n.rsplit_once('/').map(|(d, _)| d.to_owned()))
        .unwrap_or_else(|| ".".to_owned());
    let names_a_place = |source: &String| {
        let mut candidates = vec![source.clone()];
        if symbolic && !source.starts_with('/') {
            candidates.push(format!("{link_dir}/{source}"));
        }
        candidates
            .iter()
            .any(|c| checker.places.written(&checker.target(c)).is_some())
    };
    if sources.iter().any(|s| names_a_place(s)) {
        return Some(HARD_LINK.to_owned());
    }
    if let Some(name) = name
        && let Some(reason) = checker.write(name, false)
    {
        return Some(reason);
    }
    let dir = target_dir.or_else(|| {
        let name = name?;
        matches!(checker.target(name), super::places::Target::Known(p) if p.is_dir())
            .then(|| name.clone())
    })?;
    sources.iter().find_map(|source| {
        let base = source
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(source);
        checker.write(&format!("{}/{base}", dir.trim_end_matches('/')), false)
    })
}

/// Places that can lie below where `find` starts, to try its patterns on.
const REPRESENTATIVE_PLACES: [&str; 10] = [
    ".git/hooks/pre-commit",
    ".git/hooks/pre-push",
    ".git/config",
    ".git/HEAD",
    ".git/info/attributes",
    ".git/refs/remotes/origin/main",
    ".git/backstop/sessions/session.json",
    "gates.toml",
    ".claude/settings.json",
    ".git/packed-refs",
];

/// The places below `starts` that `find`'s patterns (`-path '*hooks*'`, `-name 'pre-*'`) match.
fn pattern_places(expressions: &[String], starts: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for (i, arg) in expressions.iter().enumerate() {
        let Some(pattern) = expressions
            .get(i + 1)
            .filter(|p| p.contains(['*', '?', '[']))
        else {
            continue;
        };
        let whole_path = matches!(
            arg.as_str(),
            "-path" | "-wholename" | "-ipath" | "-iwholename"
        );
        if !whole_path && !matches!(arg.as_str(), "-name" | "-iname") {
            continue;
        }
        let Ok(glob) = globset::GlobBuilder::new(pattern)
            .literal_separator(false)
            .case_insensitive(arg.starts_with("-i"))
            .build()
            .map(|g| g.compile_matcher())
        else {
            continue;
        };
        for start in starts {
            for place in REPRESENTATIVE_PLACES {
                let path = format!("{}/{place}", start.trim_end_matches('/'));
                let subject = if whole_path {
                    path.as_str()
                } else {
                    place.rsplit('/').next().unwrap_or(place)
                };
                if glob.is_match(subject) {
                    found.push(path);
                }
            }
        }
    }
    found
}

/// `find`: what `-delete` removes and what `-exec` commands get as `{}`: the paths `-path`
/// names, names `-name` matches under each start, and the start trees themselves.
fn find(checker: &mut Checker<'_>, args: &[String], depth: usize) -> Option<String> {
    let starts: Vec<String> = args
        .iter()
        .take_while(|a| !a.starts_with('-') && *a != "(" && *a != "!")
        .cloned()
        .collect();
    let starts = if starts.is_empty() {
        vec![".".to_owned()]
    } else {
        starts
    };
    let expressions = &args[starts.len().min(args.len())..];
    let mut found: Vec<String> = Vec::new();
    for (i, arg) in expressions.iter().enumerate() {
        let value = expressions.get(i + 1);
        match arg.as_str() {
            "-path" | "-wholename" | "-ipath" | "-iwholename" => found.extend(value.cloned()),
            "-name" | "-iname" => {
                if let Some(name) = value {
                    for start in &starts {
                        found.push(format!("{start}/{name}"));
                        found.push(format!("{start}/{UNKNOWN}/{name}"));
                    }
                }
            }
            "-fprint" | "-fprint0" | "-fprintf" | "-fls" => {
                if let Some(reason) = value.and_then(|f| checker.write(f, false)) {
                    return Some(reason);
                }
            }
            _ => {}
        }
    }
    found.extend(pattern_places(expressions, &starts));
    if found.is_empty() {
        found.extend(starts.iter().cloned());
    }
    // Whatever is found under a start is inside it.
    found.extend(starts.iter().map(|s| format!("{s}/{UNKNOWN}")));
    if expressions.iter().any(|a| a == "-delete")
        && let Some(reason) = found.iter().find_map(|f| checker.write(f, true))
    {
        return Some(reason);
    }
    let mut i = 0;
    while i < expressions.len() {
        if matches!(
            expressions[i].as_str(),
            "-exec" | "-execdir" | "-ok" | "-okdir"
        ) {
            let start = i + 1;
            let end = (start..expressions.len())
                .find(|&k| expressions[k] == ";" || expressions[k] == "+")
                .unwrap_or(expressions.len());
            for path in &found {
                let words: Vec<String> = expressions[start..end]
                    .iter()
                    .map(|w| w.replace("{}", path))
                    .collect();
                if words.is_empty() {
                    continue;
                }
                let command = Command {
                    words: words.clone(),
                    ..Command::default()
                };
                if let Some(reason) = checker.view(&words, &command, depth + 1) {
                    return Some(reason);
                }
            }
            i = end;
        }
        i += 1;
    }
    None
}

/// `patch`: the files a diff names (from stdin, `-i FILE` or the second operand), the file
/// operand, and `-o FILE`.
fn patch(checker: &mut Checker<'_>, args: &[String], stdin: &Stdin) -> Option<String> {
    let mut written: Vec<String> = values(args, 'o', &["--output"]);
    let named = operands(
        args,
        &[
            "-p",
            "-i",
            "--input",
            "-o",
            "--output",
            "-d",
            "--directory",
            "-B",
            "-r",
            "-D",
            "-F",
            "-z",
            "-V",
        ],
    );
    written.extend(named.first().map(|s| (*s).clone()));
    let input = values(args, 'i', &["--input"])
        .pop()
        .or_else(|| named.get(1).map(|s| (*s).clone()));
    let text = match (input, stdin) {
        (Some(file), _) => match checker.target(&file) {
            super::places::Target::Known(path) => std::fs::read(path)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default(),
            _ => String::new(),
        },
        (None, Stdin::Text(text)) => text.clone(),
        (None, Stdin::File(file)) => match checker.target(file) {
            super::places::Target::Known(path) => std::fs::read(path)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default(),
            _ => String::new(),
        },
        _ => String::new(),
    };
    written.extend(diff_targets(&text));
    written.iter().find_map(|t| checker.write(t, false))
}

/// The files a unified or git diff changes, with and without its first path component (`a/`,
/// `b/`), since `-p` decides which is meant.
pub(super) fn diff_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let names: Vec<&str> = if let Some(rest) = line.strip_prefix("diff --git ") {
            rest.split(' ').collect()
        } else if let Some(rest) = ["+++ ", "--- ", "rename to ", "copy to ", "*** "]
            .iter()
            .find_map(|p| line.strip_prefix(p))
        {
            vec![rest.split('\t').next().unwrap_or(rest).trim()]
        } else {
            continue;
        };
        for name in names {
            if name.is_empty() || name == "/dev/null" || name.starts_with("***") {
                continue;
            }
            out.push(name.to_owned());
            if let Some((_, stripped)) = name.split_once('/') {
                out.push(stripped.to_owned());
            }
        }
    }
    out
}
