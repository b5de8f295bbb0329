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

/// Which paths are a gate's: the globs and regular expressions of its config together.
#[derive(Debug, Clone)]
pub struct FileFilter {
    files: Option<GlobList>,
    exclude: Option<GlobList>,
    files_regex: Option<regex::bytes::Regex>,
    exclude_regex: Option<regex::bytes::Regex>,
}

impl FileFilter {
    /// Compiles the four keys; absent ones select (or exclude) nothing.
    pub fn new(
        files: Option<&[String]>,
        exclude: Option<&[String]>,
        files_regex: Option<&str>,
        exclude_regex: Option<&str>,
    ) -> Result<FileFilter, String> {
        let regex = |r: Option<&str>| {
            r.map(|r| regex::bytes::Regex::new(r).map_err(|e| format!("{r:?}: {e}")))
                .transpose()
        };
        Ok(FileFilter {
            files: files.map(GlobList::new).transpose()?,
            exclude: exclude.map(GlobList::new).transpose()?,
            files_regex: regex(files_regex)?,
            exclude_regex: regex(exclude_regex)?,
        })
    }

    /// Whether the filter narrows the file set at all (a gate without one also runs on an
    /// empty file set).
    pub fn selects(&self) -> bool {
        self.files.is_some() || self.files_regex.is_some()
    }

    /// Whether `path` (relative, `/`-separated) is selected.
    pub fn is_match(&self, path: &Path) -> bool {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        self.files.as_ref().is_none_or(|g| g.is_match(path))
            && self.files_regex.as_ref().is_none_or(|r| r.is_match(bytes))
            && !self.exclude.as_ref().is_some_and(|g| g.is_match(path))
            && !self
                .exclude_regex
                .as_ref()
                .is_some_and(|r| r.is_match(bytes))
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
    fn globs_and_regexes_select_together() {
        let filter = FileFilter::new(
            Some(&["*.py".to_owned()]),
            Some(&["vendor/".to_owned()]),
            None,
            Some(r"^(src/click/testing\.py|tests/test_testing\.py)$"),
        )
        .unwrap();
        assert!(filter.is_match(Path::new("src/click/core.py")));
        assert!(!filter.is_match(Path::new("src/click/testing.py")));
        assert!(!filter.is_match(Path::new("vendor/x.py")));
        assert!(!filter.is_match(Path::new("README.md")));
        let regex_only = FileFilter::new(None, None, Some(r"\.ya?ml$"), None).unwrap();
        assert!(regex_only.selects());
        assert!(regex_only.is_match(Path::new("a/b.yml")));
        assert!(!regex_only.is_match(Path::new("a/b.json")));
        assert!(
            !FileFilter::new(None, Some(&["x".to_owned()]), None, None)
                .unwrap()
                .selects()
        );
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert!(compile("src/[a").is_err());
        assert!(compile("{a,b").is_err());
        assert!(compile("").is_err());
    }
}
