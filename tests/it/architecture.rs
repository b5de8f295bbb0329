//! The shape of `src/`: data flows one way between top-level modules, and each outside crate
//! that defines a boundary (git2, clap, duct) is imported in one place only. A new import
//! cycle or a leak fails here with the path that closes it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.strip_prefix(&root).unwrap().to_path_buf(), text));
            }
        }
    }
    out.sort();
    out
}

/// The top-level module a file belongs to (`agent/claude.rs` → `agent`, `app.rs` → `app`).
fn module_of(path: &Path) -> String {
    let first = path
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// Code without comments and string literals (raw and byte strings included), so a word in a
/// doc comment or a string is not an import.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied();
    while i < chars.len() {
        let c = chars[i];
        let boundary = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '/' && at(i + 1) == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == Some('*') {
            // Block comments nest.
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == Some('*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == Some('/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if boundary && (c == 'r' || (c == 'b' && at(i + 1) == Some('r'))) && {
            let start = if c == 'b' { i + 2 } else { i + 1 };
            let mut j = start;
            while at(j) == Some('#') {
                j += 1;
            }
            at(j) == Some('"')
        } {
            // r"..", r#".."#, br#".."#: ends at a quote followed by as many hashes.
            let start = if c == 'b' { i + 2 } else { i + 1 };
            let mut j = start;
            while at(j) == Some('#') {
                j += 1;
            }
            let hashes = j - start;
            i = j + 1;
            while i < chars.len() {
                if chars[i] == '"' && (1..=hashes).all(|k| at(i + k) == Some('#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() {
                match chars[i] {
                    '\\' => i += 2,
                    '"' => {
                        i += 1;
                        break;
                    }
                    _ => i += 1,
                }
            }
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('"', '{', '\'') is skipped; a lifetime ('a) is kept.
            if at(i + 1) == Some('\\') {
                let mut j = i + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if at(i + 2) == Some('\'') {
                i += 3;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Every top-level module named through `crate::` in the text, `use crate::{a, b::c}` included.
fn crate_references(code: &str) -> BTreeSet<String> {
    references(code, "crate::")
}

/// The first path segment after every `prefix` in the text, groups included.
fn references(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        // `super::` inside `crate::a::super::` cannot happen; `xsuper::` is another word.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // Only the names at depth zero of the group are top-level modules.
            let mut depth = 0;
            let mut word = String::new();
            let mut take = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => take = true,
                    _ => {}
                }
                if depth == 0 && take {
                    if c.is_alphanumeric() || c == '_' {
                        word.push(c);
                    } else if !word.is_empty() {
                        found.insert(std::mem::take(&mut word));
                        take = false;
                    }
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// The module path of a file: `agent/claude.rs` → [agent, claude], `agent/mod.rs` → [agent].
fn module_path(path: &Path) -> Vec<String> {
    let mut parts: Vec<String> = path
        .components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned()
        })
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The top-level modules a file reaches: through `crate::`, through `super::` chains that climb
/// to the crate root, and through the crate's exported macros (`say!` lives in `render`).
fn top_level_references(
    path: &Path,
    code: &str,
    macros: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let mut found = crate_references(code);
    // As many `super::` as the file is deep reach the crate root.
    let depth = module_path(path).len();
    if depth > 0 {
        found.extend(references(code, &"super::".repeat(depth)));
    }
    for (name, home) in macros {
        let used = code.match_indices(&format!("{name}!")).any(|(at, _)| {
            !code[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        });
        if used {
            found.insert(home.clone());
        }
    }
    found
}

/// The crate's `#[macro_export]`ed macros and the module that defines each.
fn exported_macros() -> BTreeMap<String, String> {
    let mut macros = BTreeMap::new();
    for (path, text) in sources() {
        let code = code_only(&text);
        let mut rest = code.as_str();
        while let Some(at) = rest.find("#[macro_export]") {
            rest = &rest[at..];
            if let Some(start) = rest.find("macro_rules!") {
                let name: String = rest[start + "macro_rules!".len()..]
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                macros.insert(name, module_of(&path));
            }
            rest = &rest["#[macro_export]".len()..];
        }
    }
    macros
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> = sources().iter().map(|(p, _)| module_of(p)).collect();
    let macros = exported_macros();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in sources() {
        let from = module_of(&path);
        if from == "lib" || from == "main" {
            continue;
        }
        let edges = graph.entry(from.clone()).or_default();
        for to in top_level_references(&path, &code_only(&text), &macros) {
            if to != from && modules.contains(&to) {
                edges.insert(to);
            }
        }
    }
    graph
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_crate_is_named_crate() {
    // `use crate as x`, `use crate::{self as x}` or `extern crate self as x` would let
    // `x::hook::...` hide an edge from the scan; a re-export in lib.rs would too.
    for (path, text) in sources() {
        let code: String = code_only(&text)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let crate_groups = code.match_indices("crate::{").map(|(at, _)| {
            let group = &code[at..];
            &group[..group.find('}').unwrap_or(group.len())]
        });
        let aliased = code.contains("crate as ")
            || code.contains("extern crate self")
            || crate_groups.into_iter().any(|g| g.contains("self as "));
        assert!(
            !aliased,
            "{}: an alias of the crate hides imports from tests/it/architecture.rs",
            path.display()
        );
        if path == Path::new("lib.rs") {
            assert!(
                !code.contains("use "),
                "lib.rs only declares modules; a re-export there hides imports from the scan"
            );
        }
    }
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let graph = graph();
    assert!(graph.len() > 10, "the scan found the modules: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "an import cycle between top-level modules of src/: {}",
            cycle.join(" -> ")
        );
    }
}

/// Within each folder module, the files that reach each other through `super::` or
/// `crate::<folder>::` (a file's `mod tests` reaching its own items is no edge).
fn sibling_graphs() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut graphs: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let all = sources();
    for (path, text) in &all {
        let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
            continue;
        };
        let folder = parent.to_string_lossy().into_owned();
        let name = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if name == "mod" {
            continue;
        }
        // A sibling is a file, or a folder with a mod.rs, beside this file.
        let siblings: BTreeSet<String> = all
            .iter()
            .filter_map(|(p, _)| {
                let rest = p.strip_prefix(parent).ok()?;
                let mut parts = rest.components();
                let first = parts.next()?.as_os_str().to_string_lossy().into_owned();
                let stem = first.trim_end_matches(".rs").to_owned();
                match parts.next() {
                    None if stem != "mod" => Some(stem),
                    Some(next) if next.as_os_str() == "mod.rs" => Some(stem),
                    _ => None,
                }
            })
            .collect();
        let code = code_only(text);
        let mut edges: BTreeSet<String> = references(&code, "super::");
        edges.extend(references(
            &code,
            &format!("crate::{}::", folder.replace('/', "::")),
        ));
        edges.retain(|e| e != &name && siblings.contains(e));
        graphs
            .entry(folder.clone())
            .or_default()
            .insert(name, edges);
    }
    graphs
}

#[test]
fn no_import_cycle_between_files_of_a_folder() {
    let graphs = sibling_graphs();
    assert!(
        ["config", "agent", "protected/extract"]
            .iter()
            .all(|f| graphs.contains_key(*f)),
        "{:?}",
        graphs.keys()
    );
    for (folder, graph) in &graphs {
        if let Some(cycle) = find_cycle(graph) {
            panic!(
                "an import cycle between files of src/{folder}/: {}",
                cycle.join(" -> ")
            );
        }
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    // The check above must be able to fail.
    let mut graph = BTreeMap::new();
    graph.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    graph.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
    graph.insert("c".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        find_cycle(&graph).unwrap(),
        ["a", "b", "c", "a"].map(str::to_owned)
    );
    let refs = crate_references(&code_only(
        "use crate::{cli::{A, B}, git::Repo};\n// crate::plan in a comment\nlet x = crate::report::x(\"crate::y\");",
    ));
    assert_eq!(
        refs,
        BTreeSet::from(["cli", "git", "report"].map(str::to_owned))
    );
    // Raw strings, block comments and char literals hide nothing after them.
    let code = code_only(
        "let a = r#\"say \"hi\"\"#; /* crate::plan /* nested */ */ let q = '\"'; use crate::hook::x;",
    );
    assert_eq!(crate_references(&code), BTreeSet::from(["hook".to_owned()]));
    // `super::` from a folder's mod.rs is the crate root; from a file in a folder, it is not.
    let macros = BTreeMap::from([("say".to_owned(), "render".to_owned())]);
    assert_eq!(
        top_level_references(
            Path::new("git/mod.rs"),
            "use super::hook::x; say!(\"\");",
            &macros
        ),
        BTreeSet::from(["hook".to_owned(), "render".to_owned()])
    );
    assert_eq!(
        top_level_references(
            Path::new("git/fileset.rs"),
            "use super::Repo; essay!(x);",
            &macros
        ),
        BTreeSet::new(),
        "super:: from git/fileset.rs stays in git, and essay! is not say!"
    );
}

/// Files that may import `krate`: under `allowed` (a file, or a folder ending in `/`).
fn only_in(krate: &str, allowed: &str) {
    let pattern = format!("{krate}::");
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(path, _)| {
            let shown = path.to_string_lossy();
            if allowed.ends_with('/') {
                !shown.starts_with(allowed)
            } else {
                shown != allowed
            }
        })
        .filter(|(_, text)| {
            let code = code_only(text);
            code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .any(|word| word.starts_with(&pattern) || word == krate)
        })
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "{krate} is imported outside {allowed}: {offenders:?}"
    );
}

#[test]
fn git2_only_under_git() {
    only_in("git2", "git/");
}

#[test]
fn clap_only_in_cli() {
    only_in("clap", "cli.rs");
    only_in("clap_complete", "cli.rs");
}

#[test]
fn duct_only_in_process() {
    only_in("duct", "process.rs");
}

#[test]
fn app_is_dispatch_only() {
    let (_, app) = sources()
        .into_iter()
        .find(|(p, _)| p == Path::new("app.rs"))
        .unwrap();
    let code = code_only(&app);
    let functions = code.matches("fn ").count();
    let lines = code.lines().filter(|l| !l.trim().is_empty()).count();
    assert!(
        functions <= 3 && lines <= 90,
        "app.rs holds {functions} functions in {lines} lines; commands belong in src/commands/, the run path in src/pipeline/"
    );
}
