//! The command gate: `sh -c` with the gate's files, batched under the argument limit, and its
//! output read for diagnostics.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use super::GateStatus;
use crate::capture::Capture;
use crate::parsers;
use crate::plan::Job;
use crate::plan::shard::{self, Shard};
use crate::process::{Exit, ShellCommand, run_shell};

use super::{GateContext, GateOutcome};

/// Runs the gate and reads its diagnostics, whether it passed or failed (a passing linter's
/// warnings are diagnostics too).
pub fn run(job: &Job, context: &GateContext) -> GateOutcome {
    let started_at = SystemTime::now();
    let report_before = job
        .report
        .as_ref()
        .and_then(|report| std::fs::metadata(job.cwd.join(report)).ok())
        .and_then(|metadata| metadata.modified().ok());
    let mut capture = Capture::default();
    let mut outcome = execute(job, context, &mut capture);
    if let Some(output) = &outcome.output {
        let request = parsers::Request {
            kind: job.parser,
            pattern: job.pattern.as_deref(),
            report: job.report.as_deref(),
            started: Some(started_at),
            report_before,
        };
        let place = parsers::Place {
            root: &job.root,
            cwd: &job.cwd,
            files: &parsers::RealFiles,
        };
        outcome.diagnostics = parsers::parse(&request, output, &place);
        outcome.tests = parsers::test_results(&request, output, &place, !capture.was_cut());
    }
    outcome
}

/// Runs the gate's fixer (when asked) and then its check, batch by batch.
fn execute(job: &Job, context: &GateContext, capture: &mut Capture) -> GateOutcome {
    let started = Instant::now();
    let outcome = |status, exit_code, reason: Option<String>, capture: &Capture| GateOutcome {
        status,
        exit_code,
        duration: started.elapsed(),
        diagnostics: Vec::new(),
        output: Some(capture.text()),
        reason,
        findings: Vec::new(),
        tests: None,
    };
    let files_list = context.scratch.join(format!("{}.files", job.name));
    match write_files_list(&files_list, &job.files) {
        Ok(()) => {}
        Err(e) => {
            return outcome(
                GateStatus::Error,
                None,
                Some(format!("cannot write the file list: {e}")),
                capture,
            );
        }
    }
    let env = environment(job, context, files_list.into_os_string());
    let files: Vec<OsString> = if job.pass_files {
        job.files.iter().map(|f| as_argument(f)).collect()
    } else {
        Vec::new()
    };

    // The files follow the command as "$@", never spliced into the command string.
    let with_files = |command: &str| {
        if job.pass_files {
            format!("{} \"$@\"", command.trim_end())
        } else {
            command.to_owned()
        }
    };
    let mut steps: Vec<String> = Vec::new();
    if let (true, Some(fix)) = (job.fix_first, &job.fix) {
        steps.push(with_files(fix));
    }
    steps.push(with_files(&job.run));
    for script in &steps {
        let deadline = job.timeout.saturating_sub(started.elapsed());
        for batch in batches(&files, argument_budget(script, &env)) {
            // Every batch gets the run's own arguments (commit-msg: the message file) first.
            let args: Vec<OsString> = context.args.iter().chain(batch).cloned().collect();
            let exit = run_shell(
                &ShellCommand {
                    script,
                    args: &args,
                    cwd: &job.cwd,
                    env: &env,
                    timeout: deadline,
                },
                capture,
            );
            match exit {
                Exit::Code(0) => {}
                Exit::Code(code) => return outcome(GateStatus::Failed, Some(code), None, capture),
                Exit::Signal(signal) => {
                    return outcome(
                        GateStatus::Failed,
                        Some(128 + signal),
                        Some(format!("killed by signal {signal}")),
                        capture,
                    );
                }
                Exit::TimedOut => {
                    return outcome(
                        GateStatus::TimedOut,
                        None,
                        Some(format!(
                            "timed out after {}",
                            humantime::format_duration(job.timeout)
                        )),
                        capture,
                    );
                }
                Exit::Interrupted => {
                    return outcome(
                        GateStatus::Error,
                        None,
                        Some("interrupted".to_owned()),
                        capture,
                    );
                }
                Exit::SpawnFailed(why) => {
                    return outcome(GateStatus::Error, None, Some(why), capture);
                }
            }
        }
    }
    outcome(GateStatus::Passed, Some(0), None, capture)
}

fn environment(
    job: &Job,
    context: &GateContext,
    files_list: OsString,
) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = vec![
        ("BACKSTOP_TRIGGER".into(), context.trigger.as_str().into()),
        (
            "BACKSTOP_BASE".into(),
            context.base.clone().unwrap_or_default().into(),
        ),
        ("BACKSTOP_FILES".into(), files_list),
    ];
    // The whole run, unless the plan gave a self-sharding gate its shard (in `job.env`; the
    // first setting of a name wins, so it is set once).
    if !job.env.iter().any(|(name, _)| name == shard::VARIABLE) {
        env.push((shard::VARIABLE.into(), Shard::WHOLE.to_string().into()));
    }
    env.extend(context.env.iter().cloned());
    env.extend(job.env.iter().map(|(k, v)| (k.into(), v.into())));
    env
}

/// A file as a gate gets it: `./path`, so that no name (`-e.py`, `--exclude=*.py`, `+x`,
/// `@args`, `-`) can be read as an option, a response file or standard input, whatever the
/// tool. Paths are relative to the gate's `cwd`, never absolute.
fn as_argument(path: &std::path::Path) -> OsString {
    let mut argument = OsString::from("./");
    argument.push(path.as_os_str());
    argument
}

/// The gate's files, NUL-separated, in the file that `BACKSTOP_FILES` names (as `./path`, like
/// the arguments: a list handed to `xargs` must not inject options either).
fn write_files_list(target: &std::path::Path, files: &[PathBuf]) -> std::io::Result<()> {
    let mut bytes = Vec::new();
    for path in files {
        bytes.extend_from_slice(as_argument(path).as_bytes());
        bytes.push(0);
    }
    std::fs::write(target, bytes)
}

/// Bytes left for file arguments once the environment and the script are counted.
/// `BACKSTOP_ARG_MAX` sets the budget directly (tests use it to force small batches).
fn argument_budget(script: &str, extra_env: &[(OsString, OsString)]) -> usize {
    if let Some(budget) = std::env::var("BACKSTOP_ARG_MAX")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        return budget.max(1);
    }
    let env_bytes: usize = std::env::vars_os()
        .chain(extra_env.iter().cloned())
        .map(|(k, v)| k.len() + v.len() + 2 + size_of::<usize>())
        .sum();
    let fixed = env_bytes + script.len() + 64 + 4096;
    system_arg_max().saturating_sub(fixed).max(1)
}

fn system_arg_max() -> usize {
    // SAFETY: sysconf only reads a system limit.
    let value = unsafe { libc::sysconf(libc::_SC_ARG_MAX) };
    usize::try_from(value)
        .unwrap_or(128 * 1024)
        .clamp(32 * 1024, 1024 * 1024)
}

/// Splits arguments into runs whose summed cost (bytes + NUL + pointer) fits the budget.
/// One argument always forms a batch of its own, whatever its size. No arguments: one empty batch.
fn batches(args: &[OsString], budget: usize) -> Vec<&[OsString]> {
    if args.is_empty() {
        return vec![args];
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for (i, arg) in args.iter().enumerate() {
        let cost = arg.len() + 1 + size_of::<usize>();
        if i > start && used + cost > budget {
            out.push(&args[start..i]);
            start = i;
            used = 0;
        }
        used += cost;
    }
    out.push(&args[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(names: &[&str]) -> Vec<OsString> {
        names.iter().map(OsString::from).collect()
    }

    #[test]
    fn every_file_is_passed_as_a_relative_path_no_tool_reads_as_an_option() {
        for name in [
            "-e.py",
            "--exclude=*.py",
            "+x",
            "@args",
            "-",
            "a.py",
            "dir/-n",
        ] {
            let argument = as_argument(std::path::Path::new(name));
            assert_eq!(argument, OsString::from(format!("./{name}")));
        }
    }

    #[test]
    fn batches_respect_the_budget_and_keep_order() {
        let all = args(&["aaaa", "bbbb", "cccc", "dddd", "e"]);
        let per = 4 + 1 + size_of::<usize>();
        let split = batches(&all, per * 2);
        assert_eq!(split, vec![&all[0..2], &all[2..4], &all[4..5]]);
        assert_eq!(split.concat(), all);
    }

    #[test]
    fn an_oversized_argument_still_runs_alone_and_no_files_is_one_run() {
        let all = args(&["x".repeat(100).as_str(), "y"]);
        assert_eq!(batches(&all, 10).len(), 2);
        assert_eq!(batches(&[], 10), vec![&[] as &[OsString]]);
    }
}
