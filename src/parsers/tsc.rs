//! `parser = "tsc"`: the TypeScript compiler, in its plain form (`file(line,col): error TS2322:
//! ...`, what `--pretty false` and a pipe give) and its pretty form (`file:line:col - error
//! TS2322: ...`, colours already stripped by the capture).

use std::sync::LazyLock;

use regex::Regex;

use super::{Place, number, severity_from};
use crate::diagnostic::Diagnostic;

static PLAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<file>[^\s(][^(]*)\((?P<line>\d+),(?P<col>\d+)\): (?P<severity>error|warning|message) (?P<code>TS\d+): (?P<message>.*)$")
        .expect("a valid pattern")
});

static PRETTY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+) - (?P<severity>error|warning|message) (?P<code>TS\d+): (?P<message>.*)$")
        .expect("a valid pattern")
});

/// A problem with no file: `error TS5058: The specified path does not exist: ...`.
static GLOBAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<severity>error|warning|message) (?P<code>TS\d+): (?P<message>.*)$")
        .expect("a valid pattern")
});

/// Every located and global compiler message. Indented lines right after a message continue
/// it (tsc's chained explanations); the code frame of the pretty form follows a blank line and
/// is left out.
pub fn parse(output: &str, place: &Place<'_>) -> Vec<Diagnostic> {
    let lines: Vec<&str> = output.lines().collect();
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some(c) = PLAIN
            .captures(line)
            .or_else(|| PRETTY.captures(line))
            .or_else(|| GLOBAL.captures(line))
        else {
            continue;
        };
        let mut message = c["message"].trim_end().to_owned();
        for more in lines[index + 1..]
            .iter()
            .take_while(|l| l.starts_with(' ') && !l.trim().is_empty())
        {
            message.push('\n');
            message.push_str(more.trim());
        }
        let diagnostic =
            Diagnostic::new(severity_from(&c["severity"]), message).rule(Some(&c["code"]));
        found.push(match c.name("file") {
            Some(file) => diagnostic.at(
                place,
                file.as_str(),
                number(Some(&c["line"])),
                number(Some(&c["col"])),
            ),
            None => diagnostic,
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, lines};
    use super::*;

    const EXPECTED: [&str; 3] = [
        "error src/cart.ts:7:7 [TS2322] Type 'string' is not assignable to type 'number'.",
        "error src/cart.ts:9:17 [TS2339] Property 'cost' does not exist on type 'Item'.",
        "error src/cart.ts:14:14 [TS2741] Property 'price' is missing in type '{ name: string; }' but required in type 'Item'.",
    ];

    #[test]
    fn plain_and_pretty_forms_give_the_same_diagnostics() {
        let fixture = Fixture::new("tsc");
        assert_eq!(
            lines(&parse(
                &fixture.output("pretty-false.txt"),
                &fixture.place()
            )),
            EXPECTED
        );
        // The pretty form's related information ("'price' is declared here") is no diagnostic.
        assert_eq!(
            lines(&parse(&fixture.output("pretty.txt"), &fixture.place())),
            EXPECTED
        );
    }

    #[test]
    fn from_a_subdirectory_cwd_paths_keep_their_prefix() {
        let fixture = Fixture::in_dir("tsc", "src");
        let output =
            "cart.ts(7,7): error TS2322: Type 'string' is not assignable to type 'number'.\n";
        assert_eq!(lines(&parse(output, &fixture.place())), [EXPECTED[0]]);
    }

    #[test]
    fn chained_messages_and_global_errors() {
        let fixture = Fixture::new("tsc");
        let output = "src/a.ts(3,1): error TS2322: Type '{ a: string; }' is not assignable to type 'B'.\n  Types of property 'a' are incompatible.\nerror TS5058: The specified path does not exist: 'tsconfig.json'.\n";
        assert_eq!(
            lines(&parse(output, &fixture.place())),
            [
                "error src/a.ts:3:1 [TS2322] Type '{ a: string; }' is not assignable to type 'B'.⏎Types of property 'a' are incompatible.",
                "error - [TS5058] The specified path does not exist: 'tsconfig.json'.",
            ]
        );
    }
}
