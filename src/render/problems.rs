//! What the CI formats (SARIF, GitHub annotations) report: every diagnostic, one problem for a
//! failed gate that has no located error of its own (a failed protected gate's findings are
//! its problems), and every protected finding.

use crate::config::PROTECTED_GATE;
use crate::report::{Diagnostic, FindingReport, Fix, GateReport, GateStatus, Report, Severity};

/// Lines of a failed gate's output quoted when it has no located error.
pub const TAIL_LINES: usize = 10;

/// Characters of one quoted output line (a minified bundle or a cut JSON report is one line).
pub const TAIL_WIDTH: usize = 500;

/// One thing to report, wherever it came from.
#[derive(Debug, Clone)]
pub struct Problem<'a> {
    /// The gate it belongs to; `None` for a protected finding.
    pub gate: Option<&'a GateReport>,
    /// The finding, for a protected finding.
    pub finding: Option<&'a FindingReport>,
    /// `<gate>`, `<gate>/<tool rule>` or `protected/<kind>`.
    pub rule_id: String,
    /// How serious.
    pub level: Severity,
    /// Repository-relative file, if located.
    pub file: Option<&'a str>,
    /// 1-based line.
    pub line: Option<u32>,
    /// 1-based column.
    pub column: Option<u32>,
    /// Last line.
    pub end_line: Option<u32>,
    /// Last column.
    pub end_column: Option<u32>,
    /// What to say.
    pub message: String,
    /// Fixes the tool suggested.
    pub fixes: &'a [Fix],
    /// A short title: the gate and the tool's rule, or the finding's kind.
    pub title: String,
    /// Whether this stands for a failed gate that has no located error (identity for
    /// fingerprints must not depend on its output).
    pub gate_failure: bool,
}

/// Every problem of the report, in report order: each gate's diagnostics, then its failure
/// when nothing located explains it, then the protected findings.
pub fn problems(report: &Report) -> Vec<Problem<'_>> {
    let mut out = Vec::new();
    for gate in &report.gates {
        for diagnostic in &gate.diagnostics {
            out.push(from_diagnostic(gate, diagnostic));
        }
        if gate.status.is_failure()
            && !has_located_error(gate)
            && !explained_by_findings(report, gate)
        {
            out.push(gate_failure(gate));
        }
    }
    for finding in &report.protected {
        let kind = kind_name(finding);
        let mut message = finding_why(finding);
        for (sign, lines) in [("-", &finding.removed), ("+", &finding.added)] {
            for line in lines.iter().take(5) {
                message.push_str(&format!("\n{sign} {line}"));
            }
        }
        out.push(Problem {
            gate: None,
            finding: Some(finding),
            rule_id: format!("protected/{kind}"),
            level: Severity::Error,
            file: Some(finding.file.as_str()),
            line: finding.target_line,
            column: None,
            end_line: None,
            end_column: None,
            message,
            fixes: &[],
            title: format!("protected: {kind}"),
            gate_failure: false,
        });
    }
    out
}

/// Whether the gate is the protected gate and its findings are reported: they say why it
/// failed, each at its place, so a gate-level problem would only repeat them (on gates.toml,
/// as a bogus code scanning alert).
pub fn explained_by_findings(report: &Report, gate: &GateReport) -> bool {
    gate.name == PROTECTED_GATE && gate.status == GateStatus::Failed && !report.protected.is_empty()
}

/// The names of the failed gates, with `protected` when findings remain and no gate of that
/// name is in the list.
pub fn failed_names(report: &Report) -> Vec<&str> {
    let mut names: Vec<&str> = report.failures().map(|g| g.name.as_str()).collect();
    if protected_outside_gates(report) {
        names.push(PROTECTED_GATE);
    }
    names
}

/// How many gates ran, counting the protected gate when it reported findings.
pub fn ran(report: &Report) -> usize {
    report.ran() + usize::from(protected_outside_gates(report))
}

fn protected_outside_gates(report: &Report) -> bool {
    !report.protected.is_empty() && !report.gates.iter().any(|g| g.name == PROTECTED_GATE)
}

/// The severity a diagnostic counts with: its own, but never an error for a gate that did not
/// fail (a passing gate cannot block a merge), and an error when unknown in a failed gate.
pub fn level(gate: &GateReport, diagnostic: &Diagnostic) -> Severity {
    match (diagnostic.severity, gate.status.is_failure()) {
        (Some(Severity::Error) | None, false) => Severity::Warning,
        (Some(severity), _) => severity,
        (None, true) => Severity::Error,
    }
}

/// A finding's sentence; when it has no line in the target (a deleted test), it names the
/// line it had in the base, since that line number means nothing in the target's file.
pub fn finding_why(finding: &FindingReport) -> String {
    match (finding.target_line, finding.base_line) {
        (None, Some(base)) => format!("{} (line {base} in the base)", finding.why),
        _ => finding.why.clone(),
    }
}

/// A finding as `file:line: kind: why`.
pub fn finding_line(finding: &FindingReport) -> String {
    let at = location(Some(&finding.file), finding.target_line, None).unwrap_or_default();
    format!("{at}: {}: {}", kind_name(finding), finding_why(finding))
}

/// `""` for an error (the default reading), else `warning: ` or `note: `.
pub fn severity_prefix(level: Severity) -> &'static str {
    match level {
        Severity::Error => "",
        Severity::Warning => "warning: ",
        Severity::Note => "note: ",
    }
}

/// Whether some diagnostic of the gate is an error pinned to a file.
pub fn has_located_error(gate: &GateReport) -> bool {
    gate.diagnostics
        .iter()
        .any(|d| d.file.is_some() && level(gate, d) == Severity::Error)
}

/// The finding kind as the report spells it (`deleted-test`).
pub fn kind_name(finding: &FindingReport) -> String {
    serde_json::to_value(finding.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// "failed (exit 1)", "timed out after 200ms", "error: interrupted".
pub fn status_phrase(gate: &GateReport) -> String {
    match (gate.status, gate.exit_code, &gate.reason) {
        (GateStatus::TimedOut, _, Some(reason)) => reason.clone(),
        (GateStatus::Failed, Some(code), None) => format!("failed (exit {code})"),
        (GateStatus::Failed, Some(code), Some(reason)) => format!("failed (exit {code}, {reason})"),
        (GateStatus::Skipped, _, Some(reason)) => format!("skipped ({reason})"),
        (GateStatus::Error, _, Some(reason)) => format!("could not run: {reason}"),
        (status, _, _) => status.as_str().replace('_', " "),
    }
}

/// The last `count` non-blank lines of a gate's output, each cut at [`TAIL_WIDTH`]
/// characters, less the machine-readable documents in it (`super::machine`).
pub fn output_tail(gate: &GateReport, count: usize) -> Vec<String> {
    let Some(output) = &gate.output else {
        return Vec::new();
    };
    let lines: Vec<&str> = output
        .lines()
        .zip(super::machine::lines(output))
        .filter(|(_, machine)| !machine)
        .map(|(line, _)| line.trim_end())
        .collect();
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    let start = end.saturating_sub(count);
    lines[start..end]
        .iter()
        .map(|line| match line.char_indices().nth(TAIL_WIDTH) {
            Some((cut, _)) => format!("{}…", &line[..cut]),
            None => (*line).to_owned(),
        })
        .collect()
}

/// The fixes of a diagnostic as text lines (`fix: replace 3:5-3:9 with "x"`).
pub fn fix_lines(file: Option<&str>, fixes: &[Fix]) -> Vec<String> {
    fixes
        .iter()
        .map(|fix| format!("fix: {}", fix.summary(file)))
        .collect()
}

/// `path:line:col`, `path:line`, `path`, or nothing.
pub fn location(file: Option<&str>, line: Option<u32>, column: Option<u32>) -> Option<String> {
    let mut text = file?.to_owned();
    if let Some(line) = line {
        text.push_str(&format!(":{line}"));
        if let Some(column) = column {
            text.push_str(&format!(":{column}"));
        }
    }
    Some(text)
}

fn from_diagnostic<'a>(gate: &'a GateReport, diagnostic: &'a Diagnostic) -> Problem<'a> {
    let (rule_id, title) = match &diagnostic.rule {
        Some(rule) => (
            format!("{}/{rule}", gate.name),
            format!("{} ({rule})", gate.name),
        ),
        None => (gate.name.clone(), gate.name.clone()),
    };
    Problem {
        gate: Some(gate),
        finding: None,
        rule_id,
        level: level(gate, diagnostic),
        file: diagnostic.file.as_deref(),
        line: diagnostic.line,
        column: diagnostic.column,
        end_line: diagnostic.end_line,
        end_column: diagnostic.end_column,
        message: diagnostic.message.clone(),
        fixes: &diagnostic.fixes,
        title,
        gate_failure: false,
    }
}

fn gate_failure(gate: &GateReport) -> Problem<'_> {
    let mut message = format!("gate `{}` {}", gate.name, status_phrase(gate));
    let tail = output_tail(gate, TAIL_LINES);
    if !tail.is_empty() {
        message.push_str(":\n");
        message.push_str(&tail.join("\n"));
    }
    Problem {
        gate: Some(gate),
        finding: None,
        rule_id: gate.name.clone(),
        level: Severity::Error,
        file: None,
        line: None,
        column: None,
        end_line: None,
        end_column: None,
        message,
        fixes: &[],
        title: format!("{} {}", gate.name, gate.status.as_str().replace('_', " ")),
        gate_failure: true,
    }
}
