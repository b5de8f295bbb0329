//! The feedback TEXT for a coding agent (SPEC §6): what failed, where, and what to do, within
//! `settings.feedback_lines` lines and under 10,000 characters.

use super::problems;
use crate::config::PROTECTED_GATE;
use crate::report::{GateReport, Report};

/// The hard cap on the text's characters (agents truncate or refuse longer hook output).
pub const MAX_CHARS: usize = 10_000;

/// Room kept below [`MAX_CHARS`].
const CHAR_BUDGET: usize = MAX_CHARS - 200;

/// Characters of a line before it is clipped, and the narrowest a long text is clipped to.
const LINE_WIDTH: usize = 400;
const MIN_LINE_WIDTH: usize = 100;

/// Lines of one diagnostic's message (a test's left/right values) before it is cut.
const MESSAGE_LINES: usize = 4;

/// Output lines quoted for a gate with no diagnostics, at most.
const TAIL_LINES: usize = 20;

/// The last lines: what to do.
const ADVICE: &str = "Fix the code, not the tests: make the failing gates pass without deleting, skipping or weakening tests.";

/// The feedback text, at most `max_lines` lines (but never without the header and the advice).
pub fn render(report: &Report, max_lines: usize) -> String {
    let report = &report.shown();
    let failed = problems::failed_names(report);
    let ran = problems::ran(report);
    if failed.is_empty() {
        return format!("backstop: {ran} gates passed\n");
    }
    let header = format!(
        "backstop: {} of {ran} gates failed: {}",
        failed.len(),
        failed.join(", ")
    );
    let rerun = format!(
        "Then run `backstop run {}` to check.",
        report.trigger.as_str()
    );
    // The protected gate's output is its findings again; their own section says it once.
    let mut sections: Vec<Vec<String>> = report
        .failures()
        .filter(|g| g.name != PROTECTED_GATE || report.protected.is_empty())
        .map(gate_section)
        .collect();
    if !report.protected.is_empty() {
        sections.push(protected_section(report));
    }
    // The header, and the footer: a blank line, the advice, the rerun line. Each section takes
    // a blank line and at least its heading; sections that do not fit are left out (the header
    // still names every failed gate).
    let room = max_lines.saturating_sub(4);
    sections.truncate(room / 2);
    let mut budget = room.saturating_sub(sections.len());
    let wanted: Vec<usize> = sections.iter().map(Vec::len).collect();
    let footer = ["", ADVICE, rerun.as_str()];
    // Too many characters: narrower lines first, then fewer lines, then a hard cut.
    let mut width = LINE_WIDTH;
    loop {
        let shares = fair_shares(&wanted, budget);
        let text = assemble(&header, &sections, &shares, &footer, width);
        if text.chars().count() <= CHAR_BUDGET {
            return text;
        }
        if width > MIN_LINE_WIDTH {
            width = (width * 3 / 4).max(MIN_LINE_WIDTH);
        } else if budget > 0 {
            budget = budget * 3 / 4;
        } else {
            return hard_cut(&text, &footer);
        }
    }
}

/// Keeps the first lines that fit, then the footer.
fn hard_cut(text: &str, footer: &[&str]) -> String {
    let footer: String = footer.iter().flat_map(|l| [*l, "\n"]).collect();
    let room = CHAR_BUDGET.saturating_sub(footer.chars().count());
    let mut out = String::new();
    let mut used = 0;
    for line in text.lines() {
        let cost = line.chars().count() + 1;
        if used + cost > room {
            break;
        }
        out.push_str(line);
        out.push('\n');
        used += cost;
    }
    out + &footer
}

/// A gate's lines: a heading, then its diagnostics (errors first) or the tail of its output.
fn gate_section(gate: &GateReport) -> Vec<String> {
    let mut lines = vec![format!("{} {}:", gate.name, problems::status_phrase(gate))];
    let mut diagnostics: Vec<_> = gate.diagnostics.iter().collect();
    diagnostics.sort_by_key(|d| (problems::level(gate, d), d.file.is_none()));
    let located = diagnostics.iter().any(|d| d.file.is_some());
    if located {
        for d in diagnostics {
            let mut message: Vec<&str> = d.message.lines().take(MESSAGE_LINES).collect();
            if message.is_empty() {
                message.push("");
            }
            let rule = d
                .rule
                .as_deref()
                .map(|r| format!(" [{r}]"))
                .unwrap_or_default();
            let warning = problems::severity_prefix(problems::level(gate, d));
            // Someone else's problem: the agent need not chase it.
            let before = if d.at_base == Some(true) {
                " (failing before your change)"
            } else {
                ""
            };
            let first = match problems::location(d.file.as_deref(), d.line, d.column) {
                Some(at) => format!("  {at}: {warning}{}{rule}{before}", message[0]),
                None => format!("  {warning}{}{rule}{before}", message[0]),
            };
            lines.push(first);
            lines.extend(
                message[1..]
                    .iter()
                    .map(|m| format!("      {}", m.trim_end())),
            );
            lines.extend(
                problems::fix_lines(d.file.as_deref(), &d.fixes)
                    .into_iter()
                    .map(|fix| format!("      {fix}")),
            );
        }
        if !problems::has_located_error(gate) {
            // Warnings alone do not say why the gate failed (`--max-warnings=0`); its output does.
            lines.extend(
                problems::output_tail(gate, TAIL_LINES)
                    .into_iter()
                    .map(|l| format!("  | {l}")),
            );
        }
    } else {
        // Nothing located: the unlocated messages (a missing report), then the output's tail.
        for d in diagnostics {
            lines.push(format!(
                "  {}",
                d.message.lines().next().unwrap_or_default()
            ));
        }
        lines.extend(
            problems::output_tail(gate, TAIL_LINES)
                .into_iter()
                .map(|l| format!("  | {l}")),
        );
    }
    lines
}

fn protected_section(report: &Report) -> Vec<String> {
    let mut lines = vec![format!(
        "protected: {} finding(s) in tests or protected files:",
        report.protected.len()
    )];
    for finding in &report.protected {
        lines.push(format!("  {}", problems::finding_line(finding)));
    }
    lines.push(
        "  Put the tests back. If the change is intended, ask a person to run `backstop approve`."
            .to_owned(),
    );
    lines
}

/// Lines per section so that the total fits `budget`: every section gets its heading, small
/// sections keep all their lines, and what is left is shared evenly among the large ones.
fn fair_shares(wanted: &[usize], budget: usize) -> Vec<usize> {
    let mut shares = vec![0; wanted.len()];
    let mut left = budget;
    let mut open: Vec<usize> = (0..wanted.len()).collect();
    open.sort_by_key(|i| wanted[*i]);
    while let Some(&smallest) = open.first() {
        let even = left / open.len();
        if wanted[smallest] <= even {
            shares[smallest] = wanted[smallest];
            left -= wanted[smallest];
            open.remove(0);
        } else {
            for &i in &open {
                shares[i] = even;
            }
            // The remainder goes to the first sections in report order.
            let mut rest = left - even * open.len();
            open.sort_unstable();
            for &i in &open {
                if rest == 0 {
                    break;
                }
                shares[i] += 1;
                rest -= 1;
            }
            break;
        }
    }
    // A heading always shows, even past the budget.
    shares.iter().map(|s| (*s).max(1)).collect()
}

fn assemble(
    header: &str,
    sections: &[Vec<String>],
    shares: &[usize],
    footer: &[&str],
    width: usize,
) -> String {
    let mut out = String::new();
    let mut push = |line: &str| {
        out.push_str(&clip(line, width));
        out.push('\n');
    };
    push(header);
    for (lines, &share) in sections.iter().zip(shares) {
        push("");
        if lines.len() <= share {
            for line in lines {
                push(line);
            }
        } else {
            // The heading says how much is cut.
            let heading = lines[0].trim_end_matches(':');
            push(&format!(
                "{heading} ({} more lines in the report):",
                lines.len() - share
            ));
            for line in &lines[1..share] {
                push(line);
            }
        }
    }
    for line in footer {
        push(line);
    }
    out
}

/// A line cut to `width` characters.
fn clip(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_fit_the_budget_and_favour_nobody() {
        assert_eq!(fair_shares(&[3, 50, 50], 23), vec![3, 10, 10]);
        assert_eq!(fair_shares(&[3, 4], 100), vec![3, 4]);
        assert_eq!(fair_shares(&[10, 10, 10], 10), vec![4, 3, 3]);
        // Past the budget, each section still shows its heading.
        assert_eq!(fair_shares(&[5, 5], 0), vec![1, 1]);
    }

    #[test]
    fn many_failed_gates_in_few_lines() {
        use crate::report::{GateReport, GateStatus};
        let gates: Vec<GateReport> = (0..30)
            .map(|i| GateReport {
                name: format!("gate{i}"),
                status: GateStatus::Failed,
                exit_code: Some(1),
                duration_ms: 0,
                command: "false".to_owned(),
                files: Vec::new(),
                diagnostics: Vec::new(),
                output: Some("one\ntwo\n".to_owned()),
                reason: None,
                only_new: false,
            })
            .collect();
        let report = Report {
            schema: crate::report::SCHEMA_ID.to_owned(),
            trigger: crate::trigger::Trigger::Stop,
            base: None,
            target: "worktree".to_owned(),
            ok: false,
            duration_ms: 0,
            gates,
            protected: Vec::new(),
            shard: None,
        };
        for cap in [0, 5, 10, 11, 60] {
            let text = render(&report, cap);
            assert!(text.lines().count() <= cap.max(4), "{cap}:\n{text}");
            assert!(text.starts_with("backstop: 30 of 30 gates failed: gate0, gate1,"));
            assert!(text.contains(ADVICE));
        }
        // Ten lines: the header, three sections of a heading, and the footer.
        let text = render(&report, 10);
        assert!(
            text.contains("\ngate2 failed (exit 1) (2 more lines in the report):\n"),
            "{text}"
        );
        assert!(!text.contains("gate3 failed"), "{text}");
    }

    #[test]
    fn long_lines_are_clipped_with_a_mark() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
