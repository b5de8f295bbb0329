//! `JUnit` XML: one testsuite per run, one testcase per gate (classname `backstop.<trigger>`),
//! and one named `protected` when the protected gate ran. CI systems (GitLab, Jenkins, Azure)
//! show it as a test report.

use super::problems;
use crate::config::PROTECTED_GATE;
use crate::report::{GateReport, GateStatus, Report};

/// Lines of output quoted in a failure, after its diagnostics.
const QUOTED_OUTPUT_LINES: usize = 40;

/// The report as a `JUnit` XML document.
pub fn render(report: &Report) -> Vec<u8> {
    let classname = format!("backstop.{}", report.trigger.as_str());
    let mut cases = Vec::new();
    let mut counts = Counts::default();
    let mut protected_done = false;
    for gate in &report.gates {
        let mut case = testcase(gate, &classname, &mut counts);
        if gate.name == PROTECTED_GATE {
            protected_done = true;
            case = with_findings(case, report, &mut counts, gate.status.is_failure());
        }
        cases.push(case);
    }
    if !protected_done && !report.protected.is_empty() {
        // Findings without a protected gate in the list: the gate ran and found them.
        let open = format!(
            "    <testcase name=\"{PROTECTED_GATE}\" classname=\"{}\" time=\"0.000\">\n    </testcase>\n",
            attribute(&classname)
        );
        counts.tests += 1;
        cases.push(with_findings(open, report, &mut counts, false));
    }
    let time = seconds(report.duration_ms);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"backstop\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time}\">\n",
        counts.tests, counts.failures, counts.errors, counts.skipped
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time}\">\n",
        attribute(&classname),
        counts.tests,
        counts.failures,
        counts.errors,
        counts.skipped
    ));
    xml.push_str(&format!(
        "    <properties>\n      <property name=\"target\" value=\"{}\"/>\n      <property name=\"base\" value=\"{}\"/>\n    </properties>\n",
        attribute(&report.target),
        attribute(report.base.as_deref().unwrap_or_default())
    ));
    for case in cases {
        xml.push_str(&case);
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml.into_bytes()
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

fn testcase(gate: &GateReport, classname: &str, counts: &mut Counts) -> String {
    counts.tests += 1;
    let mut case = format!(
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\">\n",
        attribute(&gate.name),
        attribute(classname),
        seconds(gate.duration_ms)
    );
    let phrase = problems::status_phrase(gate);
    match gate.status {
        GateStatus::Passed | GateStatus::Cached => {}
        GateStatus::Skipped => {
            counts.skipped += 1;
            case.push_str(&format!(
                "      <skipped message=\"{}\"/>\n",
                attribute(gate.reason.as_deref().unwrap_or("skipped"))
            ));
        }
        GateStatus::Failed | GateStatus::TimedOut => {
            counts.failures += 1;
            case.push_str(&format!(
                "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                attribute(&phrase),
                gate.status.as_str(),
                text(&failure_body(gate))
            ));
        }
        GateStatus::Error => {
            counts.errors += 1;
            case.push_str(&format!(
                "      <error message=\"{}\" type=\"error\">{}</error>\n",
                attribute(&phrase),
                text(&failure_body(gate))
            ));
        }
    }
    case.push_str("    </testcase>\n");
    case
}

/// The diagnostics (`path:line:col: message [rule]`), then the tail of the output when no
/// located error explains the failure.
fn failure_body(gate: &GateReport) -> String {
    let mut body = String::new();
    for diagnostic in &gate.diagnostics {
        let place = problems::location(
            diagnostic.file.as_deref(),
            diagnostic.line,
            diagnostic.column,
        );
        let severity = problems::severity_prefix(problems::level(gate, diagnostic));
        // The rule ends the first line, as in the agent text.
        let rule = diagnostic
            .rule
            .as_deref()
            .map(|r| format!(" [{r}]"))
            .unwrap_or_default();
        let message = match diagnostic.message.split_once('\n') {
            Some((first, rest)) => format!("{first}{rule}\n{rest}"),
            None => format!("{}{rule}", diagnostic.message),
        };
        match place {
            Some(place) => body.push_str(&format!("{place}: {severity}{message}\n")),
            None => body.push_str(&format!("{severity}{message}\n")),
        }
        for fix in problems::fix_lines(diagnostic.file.as_deref(), &diagnostic.fixes) {
            body.push_str(&format!("  {fix}\n"));
        }
    }
    // Nothing located, or only warnings: the output's tail says why the gate failed.
    if !problems::has_located_error(gate) {
        let tail = problems::output_tail(gate, QUOTED_OUTPUT_LINES);
        if !tail.is_empty() {
            body.push_str(&tail.join("\n"));
            body.push('\n');
        }
    }
    if let Some(reason) = &gate.reason {
        body.push_str(&format!("{reason}\n"));
    }
    body
}

/// Adds the protected findings to the `protected` testcase as a failure.
fn with_findings(
    case: String,
    report: &Report,
    counts: &mut Counts,
    already_failed: bool,
) -> String {
    if report.protected.is_empty() || already_failed {
        return case;
    }
    counts.failures += 1;
    let mut body = String::new();
    for finding in &report.protected {
        body.push_str(&problems::finding_line(finding));
        body.push('\n');
    }
    let failure = format!(
        "      <failure message=\"{} protected finding(s)\" type=\"protected\">{}</failure>\n",
        report.protected.len(),
        text(&body)
    );
    let close = case.rfind("    </testcase>").unwrap_or(case.len());
    format!("{}{failure}{}", &case[..close], &case[close..])
}

fn seconds(millis: u64) -> String {
    format!("{}.{:03}", millis / 1000, millis % 1000)
}

/// Text content: XML escapes, and characters XML 1.0 cannot hold replaced.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' => out.push(c),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// Attribute content: text escapes plus quotes, and newlines kept as references.
fn attribute(value: &str) -> String {
    text(value)
        .replace('"', "&quot;")
        .replace('\n', "&#10;")
        .replace('\t', "&#9;")
}

/// XML 1.0's `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_make_any_output_well_formed() {
        let nasty = "a < b && c > \"d\" \u{1b}[31m\u{0}\r\n\tend";
        let xml = format!("<r a=\"{}\">{}</r>", attribute(nasty), text(nasty));
        let document = roxmltree::Document::parse(&xml).unwrap();
        let root = document.root_element();
        assert_eq!(
            root.attribute("a"),
            Some("a < b && c > \"d\" \u{FFFD}[31m\u{FFFD}\r\n\tend")
        );
        assert_eq!(
            root.text(),
            Some("a < b && c > \"d\" \u{FFFD}[31m\u{FFFD}\r\n\tend")
        );
    }
}
