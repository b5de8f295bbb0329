//! The file a gate's command writes its results to (`report = ...`), read only when this run
//! wrote it, and the standard formats read from that file or from the output: when neither
//! holds a readable document, a note says why and the output is read with the default pattern.

use std::time::Duration;

use super::{Place, Request, pattern};
use crate::diagnostic::{Diagnostic, Severity};

/// Coarse file-system clocks: a report this much older than the gate's start still counts.
const CLOCK_SLACK: Duration = Duration::from_secs(2);

/// The text of the report file the gate names, `Ok(None)` when it names none, or why it
/// cannot be read (missing, or left by an earlier run). `format` names it in the note.
pub fn read(
    request: &Request<'_>,
    place: &Place<'_>,
    format: &str,
) -> Result<Option<String>, String> {
    let Some(report) = request.report else {
        return Ok(None);
    };
    let path = place.cwd.join(report);
    match (place.files.read(&path), place.files.modified(&path)) {
        (None, _) => Err(format!(
            "no {format} report at {report}: the command did not write it"
        )),
        (Some(_), Some(modified))
            if request.report_before == Some(modified)
                || request
                    .started
                    .is_some_and(|started| modified + CLOCK_SLACK < started) =>
        {
            Err(format!(
                "the {format} report {report} is older than this run; it was not read"
            ))
        }
        (Some(text), _) => Ok(Some(text)),
    }
}

/// The diagnostics of a document in a standard format, from the report file or else the
/// output. `parse` returns `Err` with the reason when the text holds no readable document;
/// then a note says so and the output is read with the default pattern.
pub fn document(
    request: &Request<'_>,
    output: &str,
    place: &Place<'_>,
    format: &str,
    parse: impl Fn(&str, &Place<'_>) -> Result<Vec<Diagnostic>, String>,
) -> Vec<Diagnostic> {
    let problem = match read(request, place, format) {
        Ok(Some(text)) => match parse(&text, place) {
            Ok(found) => return found,
            Err(why) => format!(
                "the {format} report {} could not be read: {why}",
                request.report.unwrap_or_default()
            ),
        },
        Ok(None) if output.trim().is_empty() => return Vec::new(),
        Ok(None) => match parse(output, place) {
            Ok(found) => return found,
            Err(why) => format!("no {format} in the output: {why}"),
        },
        Err(problem) => problem,
    };
    let mut found = vec![Diagnostic::new(Some(Severity::Note), problem)];
    found.extend(pattern::fallback(output, place));
    found
}

#[cfg(test)]
mod tests {
    use super::super::fixture::lines;
    use super::*;
    use crate::config::ParserKind;

    fn request(report: Option<&str>) -> Request<'_> {
        Request {
            kind: Some(ParserKind::Sarif),
            pattern: None,
            report,
            started: None,
            report_before: None,
        }
    }

    #[test]
    fn a_missing_or_unreadable_document_is_a_note_and_the_output_is_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.rs"), "").unwrap();
        let place = Place {
            root,
            cwd: root,
            files: &super::super::RealFiles,
        };
        let output = "a.rs:3:1: error: from the output\n";
        let parse = super::super::sarif::parse;
        assert_eq!(
            lines(&document(
                &request(Some("out.sarif")),
                output,
                &place,
                "SARIF",
                parse
            )),
            [
                "note - no SARIF report at out.sarif: the command did not write it",
                "error a.rs:3:1 from the output",
            ]
        );
        assert_eq!(
            lines(&document(&request(None), output, &place, "SARIF", parse)),
            [
                "note - no SARIF in the output: no SARIF log (a JSON object with `runs`) was found",
                "error a.rs:3:1 from the output",
            ]
        );
        std::fs::write(
            root.join("out.sarif"),
            "{\"runs\": [{\"results\": [{\"message\": {\"text\": \"m\"}, \"level\": \"error\"}]}]}",
        )
        .unwrap();
        assert_eq!(
            lines(&document(
                &request(Some("out.sarif")),
                output,
                &place,
                "SARIF",
                parse
            )),
            ["error - m"]
        );
        // A quiet tool (rdjsonl with nothing to say) says nothing.
        assert!(document(&request(None), " \n", &place, "SARIF", parse).is_empty());
    }
}
