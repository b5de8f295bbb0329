//! `parser = "eslint"`: the array `eslint --format json` prints (one result per file, with
//! absolute paths), found among whatever else the command printed.

use serde::Deserialize;

use super::{Place, json_values};
use crate::diagnostic::{Diagnostic, Severity};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileResult {
    file_path: String,
    #[serde(default)]
    messages: Vec<Message>,
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
}

/// Every message of every file result.
pub fn parse(output: &str, place: &Place<'_>) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for value in json_values(output, '[') {
        let Ok(results) = serde_json::from_value::<Vec<FileResult>>(value) else {
            continue;
        };
        for result in results {
            for message in result.messages {
                let severity = match message.severity {
                    2 => Severity::Error,
                    1 => Severity::Warning,
                    _ => Severity::Note,
                };
                found.push(
                    Diagnostic::new(Some(severity), message.text.trim())
                        .rule(message.rule_id)
                        .at(place, &result.file_path, message.line, message.column)
                        .until(message.end_line, message.end_column),
                );
            }
        }
    }
    found
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
    fn the_json_is_found_among_npm_noise() {
        let fixture = Fixture::new("eslint");
        let output = format!(
            "\n> web@1.0.0 lint\n> eslint --format json src\n\n{}\nnpm error Lifecycle script `lint` failed\n",
            fixture.output("eslint.json").trim_end()
        );
        assert_eq!(parse(&output, &fixture.place()).len(), 6);
    }
}
