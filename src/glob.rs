//! Gate globs: globset syntax where a pattern without `/` matches a file name at any depth.

use std::path::Path;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// Compiles one pattern with backstop's rules: no `/` → any depth (as in .gitignore), a
/// leading `/` or `./` anchors at the gate's `cwd`, a trailing `/` means everything below.
pub fn compile(pattern: &str) -> Result<Glob, String> {
    let trimmed = pattern.trim_start_matches("./");
    let anchored = trimmed.strip_prefix('/');
    let body = anchored.unwrap_or(trimmed);
    if body.is_empty() {
        return Err("empty pattern".to_owned());
    }
    let mut full = if anchored.is_none() && !body.trim_end_matches('/').contains('/') {
        format!("**/{body}")
    } else {
        body.to_owned()
    };
    if full.ends_with('/') {
        full.push_str("**");
    }
    GlobBuilder::new(&full)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| e.kind().to_string())
}

/// A list of patterns; a path matches when any pattern does.
#[derive(Debug, Clone)]
pub struct GlobList {
    set: GlobSet,
}

impl GlobList {
    /// Compiles every pattern; config validation has already reported bad ones.
    pub fn new(patterns: &[String]) -> Result<GlobList, String> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            builder.add(compile(pattern).map_err(|e| format!("{pattern:?}: {e}"))?);
        }
        Ok(GlobList {
            set: builder.build().map_err(|e| e.to_string())?,
        })
    }

    /// Whether `path` (relative, `/`-separated) matches.
    pub fn is_match(&self, path: &Path) -> bool {
        self.set.is_match(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, path: &str) -> bool {
        GlobList::new(&[pattern.to_owned()])
            .unwrap()
            .is_match(Path::new(path))
    }

    #[test]
    fn pattern_without_slash_matches_at_any_depth() {
        assert!(matches("*.rs", "main.rs"));
        assert!(matches("*.rs", "src/deep/lib.rs"));
        assert!(matches("Cargo.toml", "crates/a/Cargo.toml"));
        assert!(!matches("*.rs", "src/lib.rs.orig"));
    }

    #[test]
    fn pattern_with_slash_is_anchored_and_star_stays_in_one_directory() {
        assert!(matches("src/*.rs", "src/lib.rs"));
        assert!(!matches("src/*.rs", "src/a/lib.rs"));
        assert!(!matches("src/*.rs", "x/src/lib.rs"));
        assert!(matches("src/**/*.rs", "src/a/b/lib.rs"));
        assert!(matches("/Cargo.toml", "Cargo.toml"));
        assert!(!matches("/Cargo.toml", "a/Cargo.toml"));
    }

    #[test]
    fn braces_and_trailing_slash() {
        assert!(matches("*.{test,spec}.{js,ts}", "web/a.spec.ts"));
        assert!(matches("docs/", "docs/a/b.md"));
        assert!(!matches("docs/", "src/docs.md"));
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert!(compile("src/[a").is_err());
        assert!(compile("{a,b").is_err());
        assert!(compile("").is_err());
    }
}
