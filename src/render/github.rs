//! GitHub Actions: `::error`/`::warning`/`::notice` workflow commands that become annotations,
//! and the Markdown summary for `$GITHUB_STEP_SUMMARY`.
//!
//! GitHub shows at most 10 errors and 10 warnings per step and 50 annotations per job, so the
//! order matters: errors first, taken in turn from each failed gate and the protected findings
//! (one clippy error per gate before a second one), then warnings, then notes.

use std::collections::{HashSet, VecDeque};

use super::problems::{self, Problem};
use crate::report::{GateStatus, Report, Severity};

/// Annotations per job that GitHub keeps; the last slot says how many more there are.
pub const MAX_ANNOTATIONS: usize = 50;

/// Diagnostics listed per gate in the step summary.
const SUMMARY_DIAGNOSTICS: usize = 20;

/// The annotations, one workflow command per line.
pub fn render(report: &Report) -> Vec<u8> {
    let mut seen = HashSet::new();
    let lines: Vec<String> = ordered(&problems::problems(report))
        .iter()
        .map(command)
        .filter(|line| seen.insert(line.clone()))
        .collect();
    let mut out = String::new();
    let shown = if lines.len() > MAX_ANNOTATIONS {
        MAX_ANNOTATIONS - 1
    } else {
        lines.len()
    };
    for line in &lines[..shown] {
        out.push_str(line);
        out.push('\n');
    }
    if shown < lines.len() {
        out.push_str(&format!(
            "::notice title={}::{}\n",
            property("backstop"),
            data(&format!(
                "{} more problems are not annotated (GitHub keeps {MAX_ANNOTATIONS} per job); the SARIF or JSON report has them all",
                lines.len() - shown
            ))
        ));
    }
    out.into_bytes()
}

/// Errors before warnings before notes; within each, round-robin over the gates (and the
/// protected findings) in report order.
fn ordered<'a>(problems: &[Problem<'a>]) -> Vec<Problem<'a>> {
    let mut out = Vec::with_capacity(problems.len());
    for level in [Severity::Error, Severity::Warning, Severity::Note] {
        let mut queues: Vec<(String, VecDeque<Problem<'_>>)> = Vec::new();
        for problem in problems.iter().filter(|p| p.level == level) {
            let source = problem
                .gate
                .map_or_else(|| "\0protected".to_owned(), |g| g.name.clone());
            match queues.iter_mut().find(|(s, _)| *s == source) {
                Some((_, queue)) => queue.push_back(problem.clone()),
                None => queues.push((source, VecDeque::from([problem.clone()]))),
            }
        }
        // A located problem says more than an unlocated one of the same gate.
        for (_, queue) in &mut queues {
            queue.make_contiguous().sort_by_key(|p| p.file.is_none());
        }
        while queues.iter().any(|(_, q)| !q.is_empty()) {
            for (_, queue) in &mut queues {
                if let Some(problem) = queue.pop_front() {
                    out.push(problem);
                }
            }
        }
    }
    out
}

/// One workflow command.
fn command(problem: &Problem<'_>) -> String {
    let kind = match problem.level {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut properties: Vec<String> = Vec::new();
    if let Some(file) = problem.file {
        properties.push(format!("file={}", property(file)));
        if let Some(line) = problem.line {
            properties.push(format!("line={line}"));
            if let Some(end) = problem.end_line {
                properties.push(format!("endLine={end}"));
            }
            // GitHub reads columns only within one line.
            if problem.end_line.is_none_or(|end| end == line)
                && let Some(column) = problem.column
            {
                properties.push(format!("col={column}"));
                if let Some(end) = problem.end_column {
                    properties.push(format!("endColumn={end}"));
                }
            }
        }
    }
    properties.push(format!("title={}", property(&problem.title)));
    let mut message = problem.message.clone();
    for line in problems::fix_lines(problem.file, problem.fixes) {
        message.push('\n');
        message.push_str(&line);
    }
    format!("::{kind} {}::{}", properties.join(","), data(&message))
}

/// Escapes a command's message: `%`, carriage returns and newlines.
pub fn data(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as [`data`], plus `:` and `,`, which end a property.
pub fn property(value: &str) -> String {
    data(value).replace(':', "%3A").replace(',', "%2C")
}

/// The Markdown summary of the run: the verdict, a table of gates, the diagnostics of failed
/// gates, and the protected findings.
pub fn step_summary(report: &Report) -> String {
    let failed = problems::failed_names(report);
    // A blank line first: the file collects every step's summary.
    let mut md = if failed.is_empty() {
        format!(
            "\n### ✅ backstop ({}): {} gates passed\n\n",
            report.trigger.as_str(),
            problems::ran(report)
        )
    } else {
        format!(
            "\n### ❌ backstop ({}): {} of {} gates failed: {}\n\n",
            report.trigger.as_str(),
            failed.len(),
            problems::ran(report),
            failed.join(", ")
        )
    };
    md.push_str("| gate | status | time | diagnostics |\n|---|---|---|---|\n");
    for gate in &report.gates {
        let icon = match gate.status {
            GateStatus::Passed | GateStatus::Cached => "✅",
            GateStatus::Skipped => "⏭️",
            GateStatus::TimedOut => "⏱️",
            GateStatus::Failed | GateStatus::Error => "❌",
        };
        let time = if gate.status == GateStatus::Skipped {
            String::new()
        } else {
            format!(
                "{:.2}s",
                std::time::Duration::from_millis(gate.duration_ms).as_secs_f64()
            )
        };
        md.push_str(&format!(
            "| `{}` | {icon} {} | {time} | {} |\n",
            cell(&gate.name),
            cell(&problems::status_phrase(gate)),
            gate.diagnostics.len()
        ));
    }
    // A failed protected gate is its findings, listed below.
    for gate in report
        .failures()
        .filter(|g| !problems::explained_by_findings(report, g))
    {
        let listed: Vec<String> = gate
            .diagnostics
            .iter()
            .take(SUMMARY_DIAGNOSTICS)
            .map(|d| {
                let at = problems::location(d.file.as_deref(), d.line, d.column)
                    .map(|l| format!("`{l}` "))
                    .unwrap_or_default();
                format!("- {at}{}\n", html(&one_line(&d.message)))
            })
            .collect();
        md.push_str(&format!(
            "\n<details><summary><code>{}</code>: {}</summary>\n\n",
            html(&gate.name),
            html(&problems::status_phrase(gate))
        ));
        if listed.is_empty() {
            let tail = problems::output_tail(gate, problems::TAIL_LINES);
            md.push_str("```text\n");
            for line in tail {
                md.push_str(&line.replace("```", "'''"));
                md.push('\n');
            }
            md.push_str("```\n");
        } else {
            md.extend(listed);
            if gate.diagnostics.len() > SUMMARY_DIAGNOSTICS {
                md.push_str(&format!(
                    "- … {} more\n",
                    gate.diagnostics.len() - SUMMARY_DIAGNOSTICS
                ));
            }
        }
        md.push_str("\n</details>\n");
    }
    if !report.protected.is_empty() {
        md.push_str("\n**Protected findings** (tests and protected files changed; fix the code, not the tests)\n\n");
        for finding in &report.protected {
            md.push_str(&format!(
                "- {}\n",
                html(&one_line(&problems::finding_line(finding)))
            ));
        }
    }
    md
}

/// A table cell: no pipes or newlines.
fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|").replace('`', "'")
}

fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_escape_percent_and_line_breaks() {
        assert_eq!(
            data("100% done\r\nnext: a, b"),
            "100%25 done%0D%0Anext: a, b"
        );
    }

    #[test]
    fn properties_also_escape_colons_and_commas() {
        assert_eq!(property("src/a:b,c%.rs\nx"), "src/a%3Ab%2Cc%25.rs%0Ax");
        // `%` first: an escape is never escaped twice.
        assert_eq!(property("%3A"), "%253A");
    }
}
