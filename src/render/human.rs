//! The human display: a live line per running gate on a terminal, plain lines elsewhere,
//! then the output of failed gates and a one-line verdict.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::gates::GateOutcome;
use crate::plan::Job;
use crate::report::{GateStatus, Report};
use crate::runner::Observer;

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

impl Observer for LiveDisplay {
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
        if let Some((multi, bars)) = &self.bars {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .expect("a fixed template"),
            );
            bar.set_message(name.to_owned());
            bar.enable_steady_tick(Duration::from_millis(100));
            bars.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(name.to_owned(), bar);
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

/// The end of the human display: failed gates' output and the verdict.
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
        let located: Vec<String> = gate
            .diagnostics
            .iter()
            .filter_map(|d| {
                let at = super::problems::location(d.file.as_deref(), d.line, d.column)?;
                let rule = d
                    .rule
                    .as_deref()
                    .map(|r| format!(" [{r}]"))
                    .unwrap_or_default();
                Some(format!("{at}: {}{rule}\n", d.message))
            })
            .collect();
        if !located.is_empty() && gate.only_new {
            // The output has the old problems too; only the new ones count.
            out.push_str(&clip_lines(&located.concat(), SHOWN_OUTPUT_LINES));
            out.push_str(&style.paint(
                "2",
                "(only_new: the problems new since the base; --format json has the output)\n",
            ));
        } else if !located.is_empty() && gate.output.as_deref().is_some_and(is_machine_output) {
            // JSON lines say nothing to a person; the diagnostics read from them do.
            out.push_str(&clip_lines(&located.concat(), SHOWN_OUTPUT_LINES));
            out.push_str(&style.paint("2", "(the tool printed JSON: --format json has it)\n"));
        } else if let Some(output) = &gate.output {
            out.push_str(&clip_lines(output, SHOWN_OUTPUT_LINES));
            if !output.is_empty() && !output.ends_with('\n') {
                out.push('\n');
            }
        }
        if let Some(reason) = &gate.reason {
            out.push_str(&format!("{reason}\n"));
        }
    }
    out.push_str(&verdict(report, style));
    out
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

/// Whether most lines of the output are JSON (`--message-format=json`, `--format json`).
fn is_machine_output(output: &str) -> bool {
    let lines: Vec<&str> = output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let json = lines
        .iter()
        .filter(|l| l.starts_with('{') || l.starts_with('['))
        .count();
    json * 2 > lines.len()
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
