//! `parser = "rdjson"`: reviewdog's diagnostic format, as a `DiagnosticResult` object (rdjson:
//! `{"source", "severity", "diagnostics": [...]}`) or one `Diagnostic` object per line
//! (rdjsonl). Each diagnostic has a message, a location (`path`, `range` with 1-based
//! `start`/`end` positions, the end exclusive), a severity (`ERROR`, `WARNING`, `INFO`, or
//! their numbers), a `code` (the rule) and `suggestions`: edits of the same file that fix it
//! together (ruff writes a fix of two edits as two suggestions).

use serde_json::Value;

use super::{Place, json_values};
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity, severity_from};

/// Every diagnostic of every rdjson result and rdjsonl line in `text`.
pub fn parse(text: &str, place: &Place<'_>) -> Result<Vec<Diagnostic>, String> {
    let mut found = Vec::new();
    let mut read_any = false;
    for value in json_values(text, '{') {
        if let Some(list) = value.get("diagnostics").and_then(Value::as_array) {
            read_any = true;
            let default = severity(value.get("severity"));
            found.extend(list.iter().map(|d| diagnostic(d, default, place)));
        } else if value.get("message").is_some() && value.get("location").is_some() {
            read_any = true;
            found.push(diagnostic(&value, None, place));
        }
    }
    if read_any {
        Ok(found)
    } else {
        Err("no rdjson result or rdjsonl diagnostic was found".to_owned())
    }
}

/// `ERROR`, `WARNING`, `INFO` or their enum numbers 1, 2, 3; `UNKNOWN_SEVERITY` (0) is none.
fn severity(value: Option<&Value>) -> Option<Severity> {
    match value? {
        Value::String(word) => severity_from(word),
        Value::Number(n) => match n.as_u64()? {
            1 => Some(Severity::Error),
            2 => Some(Severity::Warning),
            3 => Some(Severity::Note),
            _ => None,
        },
        _ => None,
    }
}

fn diagnostic(value: &Value, default: Option<Severity>, place: &Place<'_>) -> Diagnostic {
    let text = value
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let rule = value
        .pointer("/code/value")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let diagnostic =
        Diagnostic::new(severity(value.get("severity")).or(default), text.trim()).rule(rule);
    let Some(path) = value
        .pointer("/location/path")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
    else {
        return diagnostic;
    };
    let start = value.pointer("/location/range/start");
    let end = value.pointer("/location/range/end");
    let number = |position: Option<&Value>, key: &str| {
        position
            .and_then(|p| p.get(key))
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    let edits: Vec<Edit> = place
        .relative(path)
        .map(|file| {
            value
                .get("suggestions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| suggestion(s, &file))
                .collect()
        })
        .unwrap_or_default();
    let fix = Fix {
        description: None,
        edits,
    };
    diagnostic
        .at(place, path, number(start, "line"), number(start, "column"))
        .until(number(end, "line"), number(end, "column"))
        .fixes([fix])
}

/// A suggestion: its range (an insertion when it has no end; a missing column is the line's
/// start) replaced by its text.
fn suggestion(value: &Value, file: &str) -> Option<Edit> {
    let position = |key: &str| -> Option<(u32, u32)> {
        let at = value.pointer(&format!("/range/{key}"))?;
        let line = u32::try_from(at.get("line")?.as_u64()?).ok()?;
        let column = at
            .get("column")
            .and_then(Value::as_u64)
            .and_then(|c| u32::try_from(c).ok())
            .unwrap_or(1);
        (line > 0).then_some((line, column.max(1)))
    };
    let start = position("start")?;
    let end = position("end").unwrap_or(start);
    Edit::new(
        file.to_owned(),
        start,
        end,
        value
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, lines, lines_with_fixes};
    use super::*;

    fn read(name: &str) -> Vec<String> {
        let fixture = Fixture::new("rdjson");
        lines_with_fixes(&parse(&fixture.output(name), &fixture.place()).unwrap())
    }

    #[test]
    fn ruff_rdjson_with_the_results_severity_and_suggestions() {
        assert_eq!(
            read("ruff.json"),
            [
                "warning pkg/app.py:1:8-1:10 [F401] `os` imported but unused",
                "  fix: delete 1:1-2:1",
                "warning pkg/app.py:3:8-3:11 [F401] `sys` imported but unused",
                "  fix: delete 3:1-4:1",
                "warning pkg/app.py:6:23-6:25 [B006] Do not use mutable data structures for argument defaults",
                "  fix: replace 6:23-6:25 with \"None\"; insert \"    if args is None:\\n        args = []\\n\" at 7:1",
                "warning pkg/app.py:11:5-11:11 [E722] Do not use bare `except`",
                "warning pkg/app.py:11:5-12:13 [S110] `try`-`except`-`pass` detected, consider logging the exception",
                "warning pkg/app.py:13:11-13:18 [F541] f-string without any placeholders",
                "  fix: replace 13:11-13:18 with \"\\\"done\\\"\"",
            ]
        );
    }

    #[test]
    fn biome_rdjson_among_its_own_text() {
        assert_eq!(
            read("biome.json"),
            [
                "warning src/app.js:1:7-1:13 [lint/correctness/noUnusedVariables] This variable unused is unused.",
                "  fix: replace 1:7-1:13 with \"_unused\"",
                "error src/syntax.js:2:10-2:11 [parse] expected `:` but instead found `1`",
                "error src/syntax.js:2:11-2:12 [parse] expected `:` but instead found `;`",
                "error src/syntax.js:3:1-3:2 [parse] Expected a statement but instead found '}'.",
            ]
        );
    }

    #[test]
    fn rdjsonl_lines_and_numeric_severities() {
        let fixture = Fixture::new("rdjson");
        let output = r#"{"message": "a", "location": {"path": "src/app.js", "range": {"start": {"line": 2}}}, "severity": 1, "code": {"value": "R1"}}
{"message": "b", "location": {"path": "src/app.js"}, "severity": "WARNING"}
"#;
        assert_eq!(
            lines(&parse(output, &fixture.place()).unwrap()),
            ["error src/app.js:2 [R1] a", "warning src/app.js b"]
        );
        assert!(parse("no json here\n", &fixture.place()).is_err());
    }
}
