//! `parser = "eslint"`: the array `eslint --format json` prints (one result per file, with
//! absolute paths), found among whatever else the command printed. A message's `fix` and
//! `suggestions` (ranges of offsets into the file's source) become its fixes.

use serde::Deserialize;

use super::{Place, json_values};
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileResult {
    file_path: String,
    #[serde(default)]
    messages: Vec<Message>,
    /// The file's text, which the offsets of fixes count in.
    source: Option<String>,
}

#[derive(Deserialize)]
struct Suggestion {
    desc: Option<String>,
    fix: Replacement,
}

#[derive(Deserialize)]
struct Replacement {
    range: (usize, usize),
    text: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Message {
    rule_id: Option<String>,
    #[serde(default)]
    severity: u8,
    #[serde(rename = "message")]
    text: String,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
    fix: Option<Replacement>,
    #[serde(default)]
    suggestions: Vec<Suggestion>,
}

/// Every message of every file result.
pub fn parse(output: &str, place: &Place<'_>) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for value in json_values(output, '[') {
        let Ok(results) = serde_json::from_value::<Vec<FileResult>>(value) else {
            continue;
        };
        for result in results {
            let file = place.relative(&result.file_path);
            for message in result.messages {
                let severity = match message.severity {
                    2 => Severity::Error,
                    1 => Severity::Warning,
                    _ => Severity::Note,
                };
                let edit = |replacement: &Replacement| {
                    let file = file.clone()?;
                    let source = result.source.as_deref()?;
                    let (line, column) = position(source, replacement.range.0)?;
                    let (end_line, end_column) = position(source, replacement.range.1)?;
                    Edit::new(
                        file,
                        (line, column),
                        (end_line, end_column),
                        replacement.text.clone(),
                    )
                };
                // The autofix first, then the suggestions (alternatives a person picks from).
                let fixes: Vec<Fix> = message
                    .fix
                    .iter()
                    .map(|r| (None, r))
                    .chain(message.suggestions.iter().map(|s| (s.desc.clone(), &s.fix)))
                    .filter_map(|(description, replacement)| {
                        Some(Fix {
                            description,
                            edits: vec![edit(replacement)?],
                        })
                    })
                    .collect();
                found.push(
                    Diagnostic::new(Some(severity), message.text.trim())
                        .rule(message.rule_id)
                        .at(place, &result.file_path, message.line, message.column)
                        .until(message.end_line, message.end_column)
                        .fixes(fixes),
                );
            }
        }
    }
    found
}

/// The 1-based line and column of an offset into a JavaScript string (UTF-16 code units, as
/// eslint counts both its offsets and its columns).
fn position(source: &str, offset: usize) -> Option<(u32, u32)> {
    let (mut line, mut column, mut units) = (1_u32, 1_u32, 0_usize);
    for c in source.chars() {
        if units >= offset {
            break;
        }
        units += c.len_utf16();
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += u32::try_from(c.len_utf16()).ok()?;
        }
    }
    (units >= offset).then_some((line, column))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, lines};
    use super::*;

    #[test]
    fn every_message_with_rule_severity_and_span() {
        let fixture = Fixture::new("eslint");
        assert_eq!(
            lines(&parse(&fixture.output("eslint.json"), &fixture.place())),
            [
                "error src/app.js:1:7-1:13 [no-unused-vars] 'unused' is assigned a value but never used.",
                "error src/app.js:4:13-4:15 [eqeqeq] Expected '===' and instead saw '=='.",
                "error src/app.js:5:5-5:12 [no-undef] 'console' is not defined.",
                "warning src/app.js:5:5-5:16 [no-console] Unexpected console statement.",
                "error src/app.js:7:10-7:24 [no-undef] 'undefinedThing' is not defined.",
                // A parse error has no rule.
                "error src/syntax.js:2:3 Parsing error: Unexpected keyword 'return'",
            ]
        );
    }

    #[test]
    fn fixes_and_suggestions_from_source_offsets() {
        let fixture = Fixture::new("eslint");
        let found = parse(&fixture.output("eslint.json"), &fixture.place());
        assert_eq!(
            super::super::fixture::lines_with_fixes(&found)[..4],
            [
                "error src/app.js:1:7-1:13 [no-unused-vars] 'unused' is assigned a value but never used.",
                "  fix: Remove unused variable 'unused'. (delete 1:1-1:18)",
                "error src/app.js:4:13-4:15 [eqeqeq] Expected '===' and instead saw '=='.",
                "  fix: Use '===' instead of '=='. (replace 4:13-4:15 with \"===\")",
            ]
        );
        assert_eq!(position("a\n😀b", 4), Some((2, 3)));
        assert_eq!(position("ab", 3), None);
    }

    #[test]
    fn the_json_is_found_among_npm_noise() {
        let fixture = Fixture::new("eslint");
        let output = format!(
            "\n> web@1.0.0 lint\n> eslint --format json src\n\n{}\nnpm error Lifecycle script `lint` failed\n",
            fixture.output("eslint.json").trim_end()
        );
        assert_eq!(parse(&output, &fixture.place()).len(), 6);
    }
}
