//! `parser = "regex"` (a user pattern with named groups) and the default for gates without a
//! parser: lines shaped `path:line[:col]: [severity:] message`.

use std::sync::LazyLock;

use regex::Regex;

use super::{Place, looks_like_source, number, severity_from};
use crate::diagnostic::Diagnostic;

/// The default pattern. The path has no spaces or colons; a severity word is optional.
static DEFAULT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?P<file>[^\s:]+):(?P<line>\d+)(?::(?P<col>\d+))?:\s*(?:(?P<severity>fatal error|error|warning|warn|note|info|hint)(?:\[(?P<rule>[^\]]+)\])?\s*:\s*)?(?P<message>\S.*)$",
    )
    .expect("a valid pattern")
});

/// Applies a user pattern to each line. Named groups: `file` and `message` (required by config
/// validation), `line`, `col` (or `column`), `severity`, `rule` (optional).
pub fn parse(user: &Regex, output: &str, place: &Place<'_>) -> Vec<Diagnostic> {
    output
        .lines()
        .filter_map(|line| user.captures(line))
        .map(|c| {
            let text = |name: &str| c.name(name).map(|m| m.as_str());
            let severity = text("severity").and_then(severity_from);
            let diagnostic = Diagnostic::new(severity, text("message").unwrap_or_default().trim())
                .rule(text("rule"));
            match text("file").filter(|f| !f.is_empty()) {
                Some(file) => diagnostic.at(
                    place,
                    file,
                    number(text("line")),
                    number(text("col").or_else(|| text("column"))),
                ),
                None => diagnostic,
            }
        })
        .collect()
}

/// The default pattern, kept only where the path is a file of the repository or has a source
/// file's extension: a timestamp or `key: value` line is not a diagnostic.
pub fn fallback(output: &str, place: &Place<'_>) -> Vec<Diagnostic> {
    output
        .lines()
        .filter_map(|line| DEFAULT.captures(line))
        .filter(|c| looks_like_source(&c["file"], place))
        .map(|c| {
            let severity = c.name("severity").and_then(|s| severity_from(s.as_str()));
            Diagnostic::new(severity, c["message"].trim())
                .rule(c.name("rule").map(|r| r.as_str()))
                .at(
                    place,
                    &c["file"],
                    number(c.name("line").map(|m| m.as_str())),
                    number(c.name("col").map(|m| m.as_str())),
                )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, lines};
    use super::*;

    #[test]
    fn a_user_pattern_with_every_group() {
        let fixture = Fixture::new("regex");
        let user = Regex::new(
            r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): \[(?P<severity>\w+)\] (?P<message>.*) \((?P<rule>[^)]+)\)$",
        )
        .unwrap();
        assert_eq!(
            lines(&parse(
                &user,
                &fixture.output("yamllint.txt"),
                &fixture.place()
            )),
            [
                "warning config.yaml:1:1 [document-start] missing document start \"---\"",
                "error config.yaml:5:5 [key-duplicates] duplication of key \"image\" in mapping",
                "error config.yaml:6:13 [brackets] too many spaces inside brackets",
                "error config.yaml:6:16 [brackets] too many spaces inside brackets",
                "error config.yaml:7:16 [trailing-spaces] trailing spaces",
            ]
        );
    }

    #[test]
    fn a_user_pattern_with_only_file_and_message() {
        let fixture = Fixture::new("regex");
        let user = Regex::new(r"^(?P<file>\S+): (?P<message>.+)$").unwrap();
        assert_eq!(
            lines(&parse(&user, "config.yaml: bad\n", &fixture.place())),
            ["none config.yaml bad"]
        );
    }

    #[test]
    fn the_default_pattern_reads_gcc() {
        let fixture = Fixture::new("gcc");
        // `bad.c: In function 'main':` and the code frame are not diagnostics.
        assert_eq!(
            lines(&fallback(&fixture.output("gcc.txt"), &fixture.place())),
            [
                "warning bad.c:4:17 initialization of ‘int’ from ‘char *’ makes integer from pointer without a cast [-Wint-conversion]",
                "error bad.c:5:20 ‘cout’ undeclared (first use in this function); did you mean ‘count’?",
                "note bad.c:5:20 each undeclared identifier is reported only once for each function it appears in",
            ]
        );
    }

    #[test]
    fn the_default_pattern_reads_ruff_concise() {
        let fixture = Fixture::new("ruff");
        assert_eq!(
            lines(&fallback(&fixture.output("concise.txt"), &fixture.place())),
            [
                "none app.py:1:8 F401 [*] `os` imported but unused",
                "none app.py:2:8 F401 [*] `sys` imported but unused",
                "none app.py:6:11 F541 [*] f-string without any placeholders",
            ]
        );
    }

    #[test]
    fn the_default_pattern_leaves_colons_that_are_not_places_alone() {
        let fixture = Fixture::new("gcc");
        let output = "12:30:45: started\nhttp://localhost:8080: refused\nError: file.c:3 has no colon after\nnotes:10: not a source path\nbad.c:4: the file exists\nsrc/new.rs:9:1: warning[unused]: a source path\n";
        assert_eq!(
            lines(&fallback(output, &fixture.place())),
            [
                "none bad.c:4 the file exists",
                "warning src/new.rs:9:1 [unused] a source path"
            ]
        );
    }
}
