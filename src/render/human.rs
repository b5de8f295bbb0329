//! The human display: a live line per running gate on a terminal, plain lines elsewhere,
//! then the output of failed gates and a one-line verdict.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::problems;
use crate::gates::GateOutcome;
use crate::plan::Job;
use crate::report::{GateReport, GateStatus, Report};
use crate::runner::{Observer, Wait};

/// Lines of a failed gate's output shown before the rest is cut (the JSON report has it all).
const SHOWN_OUTPUT_LINES: usize = 200;

/// Colour and verbosity of the human display.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
    /// -q: only failures and the verdict.
    pub quiet: bool,
    /// -v: more detail.
    pub verbose: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn status(self, status: GateStatus) -> String {
        let (code, word) = match status {
            GateStatus::Passed => ("32", "passed"),
            GateStatus::Cached => ("32", "cached"),
            GateStatus::Skipped => ("2", "skipped"),
            GateStatus::Failed => ("31;1", "failed"),
            GateStatus::TimedOut => ("31;1", "timed out"),
            GateStatus::Error => ("31;1", "error"),
        };
        self.paint(code, &format!("{word:<9}"))
    }
}

/// Where the human lines go: stdout normally, stderr when a machine format owns stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Sink {
    fn write(self, text: &str) {
        let result = match self {
            Sink::Stdout => std::io::stdout().lock().write_all(text.as_bytes()),
            Sink::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
        };
        // A closed pipe is the reader's choice; there is nobody left to tell.
        drop(result);
    }

    fn is_terminal(self) -> bool {
        match self {
            Sink::Stdout => std::io::stdout().is_terminal(),
            Sink::Stderr => std::io::stderr().is_terminal(),
        }
    }
}

/// Shows gates as they run.
pub struct LiveDisplay {
    style: Style,
    name_width: usize,
    sink: Option<Sink>,
    bars: Option<(MultiProgress, Mutex<HashMap<String, ProgressBar>>)>,
}

impl LiveDisplay {
    /// A display on `sink`; `None` shows nothing while running. On a terminal it animates.
    pub fn new(style: Style, sink: Option<Sink>, names: &[&str]) -> LiveDisplay {
        let animate = sink.is_some_and(|s| s.is_terminal() && std::io::stderr().is_terminal())
            && !style.quiet;
        let bars = animate.then(|| {
            (
                MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                Mutex::new(HashMap::new()),
            )
        });
        let name_width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        LiveDisplay {
            style,
            name_width,
            sink: if style.quiet { None } else { sink },
            bars,
        }
    }

    fn line(&self, name: &str, outcome: &GateOutcome) -> String {
        let time = if outcome.status == GateStatus::Skipped {
            String::new()
        } else {
            seconds(outcome.duration)
        };
        let mut line = format!(
            "{} {name:<width$} {time:>7}",
            self.style.status(outcome.status),
            width = self.name_width
        );
        if let Some(reason) = &outcome.reason {
            line.push_str(&self.style.paint("2", &format!(" ({reason})")));
        } else if let (GateStatus::Failed, Some(code)) = (outcome.status, outcome.exit_code) {
            line.push_str(&self.style.paint("2", &format!(" (exit {code})")));
        }
        line.trim_end().to_owned() + "\n"
    }
}

impl LiveDisplay {
    /// The spinner of a gate, made when it first waits or starts.
    fn bar(&self, name: &str) -> Option<ProgressBar> {
        let (multi, bars) = self.bars.as_ref()?;
        let mut bars = bars
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bar = bars.entry(name.to_owned()).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .expect("a fixed template"),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Some(bar.clone())
    }
}

impl Observer for LiveDisplay {
    fn waiting(&self, job: &Job, wait: &Wait<'_>) {
        let name = job.name.as_str();
        if let Some(bar) = self.bar(name) {
            bar.set_message(format!("{name} (waiting {wait})"));
        } else if let Some(sink) = self.sink {
            let line = format!(
                "{} {name:<width$} {:>7} {}",
                self.style.paint("33", &format!("{:<9}", "waiting")),
                "",
                self.style.paint("2", &format!("({wait})")),
                width = self.name_width
            );
            sink.write(&format!("{line}\n"));
        }
    }

    fn started(&self, job: &Job) {
        let name = job.name.as_str();
        if self.style.verbose
            && self.bars.is_none()
            && let Some(sink) = self.sink
        {
            let files = if job.files.is_empty() {
                String::new()
            } else {
                format!(" ({} files)", job.files.len())
            };
            let mut lines = job.run.trim().lines();
            let first = lines.next().unwrap_or_default();
            let more = if lines.next().is_some() { " …" } else { "" };
            sink.write(&format!(
                "{:<9} {name}: $ {first}{more}{files}\n",
                "started"
            ));
        }
        if let Some(bar) = self.bar(name) {
            bar.set_message(name.to_owned());
            bar.reset_elapsed();
        }
    }

    fn finished(&self, name: &str, outcome: &GateOutcome) {
        let Some(sink) = self.sink else { return };
        let line = self.line(name, outcome);
        match &self.bars {
            Some((multi, bars)) => {
                let bar = bars
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(name);
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                    multi.remove(&bar);
                }
                multi.suspend(|| sink.write(&line));
            }
            None => sink.write(&line),
        }
    }
}

/// The end of the human display: what each failed gate reported, and the verdict.
///
/// The rule for a failed gate: its located diagnostics first (a parser read them, whatever
/// the tool printed: JSON, a test runner's report). When one of them is an error, they say
/// why the gate failed and replace the output (`-v` adds it). When none is (a linter failing
/// on warnings, a failure the parser does not know), the output follows them. The output is
/// shown less its JSON and XML documents (`super::machine`; all of it with `-v`).
pub fn summary(report: &Report, style: &Style) -> String {
    let report = &report.shown();
    let mut out = String::new();
    for gate in report.failures() {
        out.push_str(&format!(
            "\n{} {}\n",
            style.paint("31;1", "──"),
            style.paint("1", &format!("{} ({})", gate.name, gate.status.as_str()))
        ));
        if style.verbose {
            out.push_str(&format!("$ {}\n", gate.command));
        }
        let located = gate.diagnostics.iter().any(|d| d.file.is_some());
        if located {
            let lines = diagnostic_lines(gate, *style);
            out.push_str(&clip_lines(&lines.concat(), SHOWN_OUTPUT_LINES));
        }
        let output = gate.output.as_deref().unwrap_or_default();
        let explained = problems::has_located_error(gate);
        if located && explained && !style.verbose {
            let count = output.lines().filter(|l| !l.trim().is_empty()).count();
            if count > 0 {
                out.push_str(&style.paint(
                    "2",
                    &format!(
                        "({} of output not shown: -v shows them, --format json keeps them)\n",
                        lines_word(count)
                    ),
                ));
            }
        } else if !style.verbose {
            out.push_str(&clip_lines(
                &without_documents(output, *style),
                SHOWN_OUTPUT_LINES,
            ));
        } else {
            out.push_str(&clip_lines(output, SHOWN_OUTPUT_LINES));
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        if let Some(reason) = &gate.reason {
            out.push_str(&format!("{reason}\n"));
        }
    }
    out.push_str(&verdict(report, style));
    out
}

/// Each located diagnostic as `path:line:col: [warning: ]message [rule]`, its further message
/// lines and suggested fixes indented below it; then the unlocated ones (notes).
fn diagnostic_lines(gate: &GateReport, style: Style) -> Vec<String> {
    let mut ordered: Vec<_> = gate.diagnostics.iter().collect();
    ordered.sort_by_key(|d| d.file.is_none());
    ordered
        .into_iter()
        .map(|d| {
            let level = problems::level(gate, d);
            let at = problems::location(d.file.as_deref(), d.line, d.column)
                .map(|at| format!("{at}: "))
                .unwrap_or_default();
            let rule = d
                .rule
                .as_deref()
                .map(|r| style.paint("2", &format!(" [{r}]")))
                .unwrap_or_default();
            let mut message = d.message.lines();
            let mut text = format!(
                "{at}{}{}{rule}\n",
                problems::severity_prefix(level),
                message.next().unwrap_or_default()
            );
            for line in message {
                text.push_str(&format!("    {}\n", line.trim_end()));
            }
            for fix in problems::fix_lines(d.file.as_deref(), &d.fixes) {
                text.push_str(&format!("    {}\n", style.paint("36", &fix)));
            }
            text
        })
        .collect()
}

/// The output less its machine-readable documents, with a line saying how many lines.
fn without_documents(output: &str, style: Style) -> String {
    let mut kept = String::new();
    let mut dropped = 0;
    for (line, machine) in output.lines().zip(super::machine::lines(output)) {
        if machine {
            dropped += 1;
        } else {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    if dropped > 0 {
        kept.push_str(&style.paint(
            "2",
            &format!(
                "({} of JSON or XML not shown: --format json keeps them)\n",
                lines_word(dropped)
            ),
        ));
    }
    kept
}

/// `1 line`, `3 lines`.
fn lines_word(count: usize) -> String {
    if count == 1 {
        "1 line".to_owned()
    } else {
        format!("{count} lines")
    }
}

/// One line: how many gates failed, or that all passed.
pub fn verdict(report: &Report, style: &Style) -> String {
    let failed: Vec<&str> = report.failures().map(|g| g.name.as_str()).collect();
    let skipped = report
        .gates
        .iter()
        .filter(|g| g.status == GateStatus::Skipped)
        .count();
    let ran = report.ran();
    let line = if !failed.is_empty() {
        style.paint(
            "31;1",
            &format!(
                "backstop: {} of {ran} gates failed: {}",
                failed.len(),
                failed.join(", ")
            ),
        )
    } else if ran == 0 {
        format!("backstop: no gate ran ({skipped} skipped)")
    } else {
        let extra = if skipped > 0 {
            format!(", {skipped} skipped")
        } else {
            String::new()
        };
        style.paint(
            "32",
            &format!(
                "backstop: {ran} gate{} passed{extra} in {}",
                if ran == 1 { "" } else { "s" },
                seconds(Duration::from_millis(report.duration_ms))
            ),
        )
    };
    format!("{line}\n")
}

fn seconds(duration: Duration) -> String {
    format!("{:.2}s", duration.as_secs_f64())
}

fn clip_lines(text: &str, keep: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= keep {
        return text.to_owned();
    }
    let head = keep / 10;
    let tail = keep - head;
    let mut out = lines[..head].join("\n");
    out.push_str(&format!(
        "\n[… {} lines cut; the JSON report (--format json) has the rest …]\n",
        lines.len() - keep
    ));
    out.push_str(&lines[lines.len() - tail..].join("\n"));
    out.push('\n');
    out
}
