//! Tests switched off from outside their files' test functions, where the answer needs more
//! than one file: a Go `TestMain` that ends before `m.Run()`, a Rust `mod name;` line removed
//! or gated so that its test file is no longer compiled, and a module-level
//! `pytest.importorskip` of a module that is neither local, a declared dependency nor part of
//! the standard library (it skips the module everywhere).

use std::path::{Path, PathBuf};

use super::extract::{self, ModuleDecl};
use super::judge::finding;
use super::lexer::Language;
use super::side::Side;
use super::tree::{Tree, Version};
use crate::finding::{FindingKind, FindingReport};

/// A Go package's `TestMain` that now ends before running its tests.
pub fn entry_points(base: &Side, target: &Side) -> Vec<FindingReport> {
    let mut findings = Vec::new();
    for (path, (language, found)) in &target.files {
        if *language != Language::Go {
            continue;
        }
        let Some((why, line)) = &found.entry_stops else {
            continue;
        };
        let before = base
            .files
            .get(path)
            .and_then(|(_, f)| f.entry_stops.as_ref());
        if before.is_some_and(|(w, _)| w == why) {
            continue;
        }
        let package = path
            .parent()
            .map_or_else(|| ".".to_owned(), |p| p.display().to_string());
        findings.push(finding(
            FindingKind::SkippedTest,
            path,
            None,
            Some(*line),
            Vec::new(),
            target.lines(path, *line, *line),
            format!(
                "{why}: no test of package `{}` runs",
                if package.is_empty() { "." } else { &package }
            ),
        ));
    }
    findings
}

/// The file a `mod name;` in `declaring` points at, as Rust resolves it.
fn module_file(declaring: &Path, decl: &ModuleDecl) -> Vec<PathBuf> {
    let dir = declaring.parent().unwrap_or(Path::new(""));
    if let Some(path) = &decl.path {
        return vec![dir.join(path)];
    }
    let stem = declaring
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    // `lib.rs`, `main.rs`, `mod.rs` and crate roots (`tests/x.rs`) look beside themselves;
    // other files in a directory named after them.
    let dirs = [dir.to_path_buf(), dir.join(stem)];
    dirs.iter()
        .flat_map(|d| {
            [
                d.join(format!("{}.rs", decl.name)),
                d.join(&decl.name).join("mod.rs"),
            ]
        })
        .collect()
}

/// Rust `mod name;` lines removed or switched off by a `cfg`, whose file still has tests.
pub fn modules<'t>(
    base: &Side,
    target: &Side,
    tree: &impl Fn() -> Option<&'t Tree<'t>>,
) -> Vec<FindingReport> {
    let mut findings = Vec::new();
    for (path, (language, before)) in &base.files {
        if *language != Language::Rust || before.modules.is_empty() {
            continue;
        }
        let Some((_, after)) = target.files.get(path) else {
            continue;
        };
        for decl in before.modules.iter().filter(|d| !d.disabled) {
            let now = after.modules.iter().find(|d| d.name == decl.name);
            if now.is_some_and(|d| !d.disabled) {
                continue;
            }
            let Some(tree) = tree() else {
                continue;
            };
            let Some((file, source)) = module_file(path, decl)
                .into_iter()
                .find_map(|f| tree.read(Version::Target, &f).map(|s| (f, s)))
            else {
                continue;
            };
            let tests = extract::extract(&file, &source, Language::Rust, true).tests;
            if tests.is_empty() {
                continue;
            }
            let names: Vec<&str> = tests.iter().take(5).map(|t| t.name.as_str()).collect();
            let (line, added) = match now {
                Some(d) => (Some(d.line), target.lines(path, d.line, d.line)),
                None => (None, Vec::new()),
            };
            findings.push(finding(
                FindingKind::SkippedTest,
                path,
                Some(decl.line),
                line,
                base.lines(path, decl.line, decl.line),
                added,
                format!(
                    "module `{}` ({}) is no longer compiled, so its {} tests ({}) do not run",
                    decl.name,
                    file.display(),
                    tests.len(),
                    names.join(", ")
                ),
            ));
        }
    }
    findings
}

/// Import names whose distribution is named differently.
const DISTRIBUTIONS: [(&str, &str); 16] = [
    ("yaml", "pyyaml"),
    ("PIL", "pillow"),
    ("sklearn", "scikit-learn"),
    ("skimage", "scikit-image"),
    ("cv2", "opencv"),
    ("bs4", "beautifulsoup4"),
    ("dateutil", "python-dateutil"),
    ("attr", "attrs"),
    ("jwt", "pyjwt"),
    ("serial", "pyserial"),
    ("zmq", "pyzmq"),
    ("Crypto", "pycryptodome"),
    ("OpenSSL", "pyopenssl"),
    ("dotenv", "python-dotenv"),
    ("git", "gitpython"),
    ("fitz", "pymupdf"),
];

/// The standard library's top-level modules that a test may `importorskip` (the optional
/// ones: compiled extensions a build may lack).
const STANDARD: [&str; 24] = [
    "sqlite3",
    "ssl",
    "tkinter",
    "curses",
    "readline",
    "zlib",
    "bz2",
    "lzma",
    "ctypes",
    "decimal",
    "dbm",
    "gzip",
    "hashlib",
    "multiprocessing",
    "resource",
    "fcntl",
    "grp",
    "pwd",
    "termios",
    "winreg",
    "msvcrt",
    "_winapi",
    "asyncio",
    "uuid",
];

/// Files that declare a Python project's dependencies.
fn declares_dependencies(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    matches!(
        name,
        "pyproject.toml"
            | "setup.cfg"
            | "setup.py"
            | "Pipfile"
            | "environment.yml"
            | "tox.ini"
            | "noxfile.py"
    ) || (name.starts_with("requirements")
        && Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("in")))
}

/// Whether a module can be imported where the tests run: standard library, the repository's
/// own code, or a dependency the project declares.
fn available(module: &str, tree: &Tree<'_>) -> bool {
    let top = module.split('.').next().unwrap_or(module);
    if STANDARD.contains(&top) {
        return true;
    }
    let paths = tree.paths(Version::Target);
    let local = paths.iter().any(|p| {
        p.file_stem().and_then(|s| s.to_str()) == Some(top)
            && p.extension()
                .is_some_and(|e| e == "py" || e == "pyi" || e == "so")
            || p.components().rev().skip(1).any(|c| c.as_os_str() == top)
    });
    if local {
        return true;
    }
    let normal = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let mut names = vec![normal(top)];
    names.extend(
        DISTRIBUTIONS
            .iter()
            .filter(|(import, _)| *import == top)
            .map(|(_, dist)| (*dist).to_owned()),
    );
    paths
        .iter()
        .filter(|p| declares_dependencies(p))
        .filter_map(|p| tree.read(Version::Target, p))
        .any(|text| {
            let text = normal(&text);
            names.iter().any(|n| {
                text.match_indices(n.as_str()).any(|(at, _)| {
                    let before = text[..at].chars().next_back();
                    let after = text[at + n.len()..].chars().next();
                    let boundary =
                        |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '-'));
                    boundary(before) && boundary(after)
                })
            })
        })
}

/// Drops `pytest.importorskip("x")` markers whose module is available: those skip nothing.
pub fn drop_available_imports<'t>(
    base: &mut Side,
    target: &mut Side,
    tree: &impl Fn() -> Option<&'t Tree<'t>>,
) {
    let marked = |side: &Side| {
        side.files.values().any(|(l, f)| {
            *l == Language::Python
                && f.tests.iter().any(|t| {
                    t.markers
                        .iter()
                        .any(|(m, _)| m.starts_with("pytest.importorskip("))
                })
        })
    };
    if !marked(base) && !marked(target) {
        return;
    }
    let Some(tree) = tree() else {
        return;
    };
    for side in [base, target] {
        for (_, found) in side.files.values_mut() {
            for test in &mut found.tests {
                test.markers.retain(|(m, _)| {
                    let Some(module) = m
                        .strip_prefix("pytest.importorskip(")
                        .map(|rest| rest.trim_end_matches(')'))
                    else {
                        return true;
                    };
                    !available(&extract::unquote(module), tree)
                });
            }
        }
    }
}
