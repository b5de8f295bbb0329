//! Checks built into backstop (`builtin = "..."` on a gate): the pre-commit-hooks that most
//! repositories use, in process, with no Python. Each reads the gate's files and says what is
//! wrong as `path:line: message` lines (the default diagnostic pattern); the ones that can fix
//! what they find do so in fix mode (a gate's `fix`, `--fix`, `settings.fix`).

mod checks;

use std::path::{Path, PathBuf};

pub use checks::{Outcome, run};

/// The built-in checks, as `builtin` names them.
pub const NAMES: [&str; 12] = [
    "trailing-whitespace",
    "end-of-file",
    "merge-conflict",
    "large-files",
    "private-key",
    "yaml",
    "json",
    "toml",
    "mixed-line-ending",
    "case-conflict",
    "byte-order-marker",
    "debug-statements",
];

/// How `mixed-line-ending` settles a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    /// Mixed endings are a problem; the fix uses the most common one.
    Auto,
    /// Every line must end in `\n`.
    Lf,
    /// Every line must end in `\r\n`.
    Crlf,
    /// Mixed endings are reported, never fixed.
    No,
}

/// One built-in check with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Builtin {
    /// Spaces or tabs at the end of a line. Markdown files with one of these extensions keep a
    /// two-space hard line break.
    TrailingWhitespace {
        /// Extensions (without the dot) whose hard line breaks are kept; `*` for all.
        markdown: Vec<String>,
    },
    /// A non-empty file must end in exactly one newline.
    EndOfFile,
    /// Merge conflict markers left in a file.
    MergeConflict,
    /// Files larger than `max_kb` kilobytes that the change adds (as pre-commit-hooks: a file
    /// already in the base, or stored by Git LFS, is not judged unless `enforce_all`).
    LargeFiles {
        /// The limit in KiB (default 500, as pre-commit-hooks).
        max_kb: u64,
        /// `--enforce-all`: every file given, added or not.
        enforce_all: bool,
    },
    /// Private keys (PEM, `OpenSSH`, `PuTTY`, PGP, `OpenVPN`).
    PrivateKey,
    /// YAML that does not parse.
    Yaml {
        /// Allow several documents in one file (`---`).
        multiple_documents: bool,
    },
    /// JSON that does not parse.
    Json,
    /// TOML that does not parse.
    Toml,
    /// Lines ending in both `\n` and `\r\n` in one file.
    MixedLineEnding(LineEnding),
    /// Paths that differ only in case (they collide on macOS and Windows).
    CaseConflict,
    /// A UTF-8 byte-order mark at the start of a file.
    ByteOrderMarker,
    /// Debugger imports and calls left in Python code (`import pdb`, `breakpoint()`).
    DebugStatements,
}

impl Builtin {
    /// Parses `NAME [OPTIONS]` as gates.toml writes it; pre-commit-hooks' own names and
    /// options are accepted too (`end-of-file-fixer`, `--maxkb=1000`).
    pub fn parse(spec: &str) -> Result<Builtin, String> {
        let mut words = spec.split_whitespace();
        let name = words
            .next()
            .ok_or_else(|| "`builtin` is empty".to_owned())?;
        // pre-commit-hooks' own ids, as migrated configs name them.
        let name = match name {
            "trailing-whitespace-fixer" => "trailing-whitespace",
            "end-of-file-fixer" => "end-of-file",
            "check-merge-conflict" => "merge-conflict",
            "check-added-large-files" => "large-files",
            "detect-private-key" => "private-key",
            "check-yaml" => "yaml",
            "check-json" => "json",
            "check-toml" => "toml",
            "check-case-conflict" => "case-conflict",
            "fix-byte-order-marker" => "byte-order-marker",
            other => other,
        };
        let options: Vec<&str> = words.collect();
        let value = |option: &str| -> Option<String> {
            let mut iter = options.iter();
            while let Some(word) = iter.next() {
                if let Some(v) = word.strip_prefix(&format!("{option}=")) {
                    return Some(v.to_owned());
                }
                if *word == option {
                    return iter.next().map(|v| (*v).to_owned());
                }
            }
            None
        };
        let known_options: &[&str] = match name {
            "trailing-whitespace" => &["--markdown-linebreak-ext"],
            "large-files" => &["--maxkb", "--enforce-all"],
            "yaml" => &["--allow-multiple-documents", "-m", "--unsafe"],
            "mixed-line-ending" => &["--fix"],
            "merge-conflict" => &["--assume-in-merge"],
            _ => &[],
        };
        let mut skip_value = false;
        for option in &options {
            if std::mem::take(&mut skip_value) {
                continue;
            }
            let key = option.split('=').next().unwrap_or(option);
            if !known_options.contains(&key) {
                return Err(format!(
                    "built-in check `{name}` has no option `{option}`{}",
                    if known_options.is_empty() {
                        String::new()
                    } else {
                        format!(" (it takes {})", known_options.join(", "))
                    }
                ));
            }
            skip_value = !option.contains('=')
                && matches!(key, "--markdown-linebreak-ext" | "--maxkb" | "--fix");
        }
        Ok(match name {
            "trailing-whitespace" => Builtin::TrailingWhitespace {
                markdown: value("--markdown-linebreak-ext")
                    .map(|v| v.split(',').map(str::to_owned).collect())
                    .unwrap_or_default(),
            },
            "end-of-file" => Builtin::EndOfFile,
            "merge-conflict" => Builtin::MergeConflict,
            "large-files" => Builtin::LargeFiles {
                max_kb: match value("--maxkb") {
                    Some(v) => v
                        .parse()
                        .map_err(|_| format!("--maxkb takes a number of KiB, not {v:?}"))?,
                    None => 500,
                },
                enforce_all: options.contains(&"--enforce-all"),
            },
            "private-key" => Builtin::PrivateKey,
            "yaml" => Builtin::Yaml {
                multiple_documents: options
                    .iter()
                    .any(|o| *o == "--allow-multiple-documents" || *o == "-m"),
            },
            "json" => Builtin::Json,
            "toml" => Builtin::Toml,
            "mixed-line-ending" => Builtin::MixedLineEnding(match value("--fix").as_deref() {
                None | Some("auto") => LineEnding::Auto,
                Some("lf") => LineEnding::Lf,
                Some("crlf") => LineEnding::Crlf,
                Some("no") => LineEnding::No,
                Some(other) => {
                    return Err(format!("--fix takes auto, lf, crlf or no, not {other:?}"));
                }
            }),
            "case-conflict" => Builtin::CaseConflict,
            "byte-order-marker" => Builtin::ByteOrderMarker,
            "debug-statements" => Builtin::DebugStatements,
            other => return Err(format!("no built-in check named `{other}`")),
        })
    }

    /// Whether this check can fix what it finds.
    pub fn fixes(&self) -> bool {
        matches!(
            self,
            Builtin::TrailingWhitespace { .. }
                | Builtin::EndOfFile
                | Builtin::ByteOrderMarker
                | Builtin::MixedLineEnding(LineEnding::Auto | LineEnding::Lf | LineEnding::Crlf)
        )
    }

    /// Whether the check looks at this file at all (the syntax checks read their own kind).
    pub fn applies_to(&self, path: &Path) -> bool {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match self {
            Builtin::Yaml { .. } => matches!(extension.as_deref(), Some("yaml" | "yml")),
            Builtin::Json => matches!(extension.as_deref(), Some("json")),
            Builtin::Toml => matches!(extension.as_deref(), Some("toml")),
            Builtin::DebugStatements => matches!(extension.as_deref(), Some("py" | "pyi")),
            _ => true,
        }
    }
}

/// The files of one built-in run: the gate's, relative to `cwd`, and (for case-conflict) every
/// path the repository tracks, relative to `cwd` too.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// The gate's working directory.
    pub cwd: &'a Path,
    /// The gate's files, relative to `cwd`.
    pub files: &'a [PathBuf],
    /// Every tracked path (case-conflict compares the files with them).
    pub tracked: &'a [PathBuf],
    /// Files large-files leaves alone: in the base already, or stored by Git LFS.
    pub exempt: &'a [PathBuf],
    /// Fix what can be fixed instead of reporting it.
    pub fix: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_options_parse_in_both_spellings() {
        assert_eq!(Builtin::parse("end-of-file-fixer"), Ok(Builtin::EndOfFile));
        assert_eq!(
            Builtin::parse("large-files --maxkb=1000"),
            Ok(Builtin::LargeFiles {
                max_kb: 1000,
                enforce_all: false
            })
        );
        assert_eq!(
            Builtin::parse("check-added-large-files --maxkb 20"),
            Ok(Builtin::LargeFiles {
                max_kb: 20,
                enforce_all: false
            })
        );
        assert_eq!(
            Builtin::parse("mixed-line-ending --fix=lf"),
            Ok(Builtin::MixedLineEnding(LineEnding::Lf))
        );
        assert_eq!(
            Builtin::parse("trailing-whitespace --markdown-linebreak-ext=md"),
            Ok(Builtin::TrailingWhitespace {
                markdown: vec!["md".to_owned()]
            })
        );
        assert!(Builtin::parse("yaml --bogus").is_err());
        assert!(Builtin::parse("no-such-check").is_err());
        assert!(Builtin::parse("").is_err());
        for name in NAMES {
            assert!(Builtin::parse(name).is_ok(), "{name}");
        }
    }
}
