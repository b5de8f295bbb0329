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
