//! What a configuration says about running tests, as facts with a direction, and the
//! comparison of base and target facts: a new exclusion that leaves out a test file, an
//! inclusion that no longer reaches one, a switch turned to its weak side, a lower minimum, a
//! higher allowance, a new filter, a lost or weakened test command.

use std::collections::BTreeSet;

use super::args;
use super::command::Invocation;
use super::patterns::{Family, Matcher, Pattern, names_tests};

/// One fact of a configuration.
#[derive(Debug, Clone)]
pub struct Fact {
    /// What it is about, unique in its file (`pytest addopts`, `jest testPathIgnorePatterns`,
    /// `scripts.test`, `jobs.test`).
    pub key: String,
    /// Line in its file.
    pub line: u32,
    /// What it says.
    pub value: Value,
    /// Which of the compared files it is in (set by the caller).
    pub file: usize,
}

/// What a fact says.
#[derive(Debug, Clone)]
pub enum Value {
    /// Patterns that keep tests out.
    Exclude(Matcher, Family, Vec<String>),
    /// Patterns that select the tests (a reader gives the runner's default when unset).
    Include(Matcher, Family, Vec<String>),
    /// A switch; true is the side that skips tests or stops them failing.
    Switch(bool),
    /// Lower is weaker (a coverage minimum).
    Minimum(f64),
    /// Higher is weaker (retries, reruns, a tolerated drop).
    Maximum(f64),
    /// A filter over test names, tags or markers: any new or changed value narrows.
    Filter(String),
    /// Test commands.
    Commands(Vec<Invocation>),
    /// Parts of the build that run tests (Cargo targets with their `#[test]`s).
    Units(BTreeSet<String>),
    /// What a hook does to collected tests (deselects, skips, marks xfail).
    Effects(BTreeSet<String>),
}

impl Fact {
    /// A fact.
    pub fn new(key: impl Into<String>, line: u32, value: Value) -> Fact {
        Fact {
            key: key.into(),
            line,
            value,
            file: 0,
        }
    }
}

/// The test files of the target, relative to the configuration's directory, per family.
pub struct TestFiles<'a> {
    /// (family, path relative to the configuration's directory).
    pub files: &'a [(Family, String)],
    /// Whether a file (by the same relative path) really holds tests: read only for the few
    /// files a change would leave out.
    pub holds_tests: &'a dyn Fn(Family, &str) -> bool,
    /// Whether another runner than the one named runs the file (Playwright specs a Jest
    /// config leaves out, integration tests Failsafe runs when Surefire excludes them).
    pub run_elsewhere: &'a dyn Fn(&str, Family, &str) -> bool,
}

impl TestFiles<'_> {
    fn of(&self, family: Family) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .filter(move |(f, _)| *f == family)
            .map(|(_, p)| p.as_str())
    }

    /// The files of `family` that `lost` selects, that hold tests, and that no other runner
    /// configured in the repository runs instead (the runner is the first word of `key`).
    fn lost(&self, key: &str, family: Family, lost: impl Fn(&str) -> bool) -> Vec<&str> {
        let runner = key.split(' ').next().unwrap_or_default();
        self.of(family)
            .filter(|f| lost(f))
            .filter(|f| (self.holds_tests)(family, f))
            .filter(|f| !(self.run_elsewhere)(runner, family, f))
            .collect()
    }

    fn any(&self, family: Family) -> bool {
        self.of(family).next().is_some()
    }
}

/// One weakening: why, and where in base and target (file index, line).
pub struct Weakening {
    /// One sentence.
    pub why: String,
    /// File and line in the base.
    pub base: Option<(usize, u32)>,
    /// File and line in the target.
    pub target: Option<(usize, u32)>,
}

fn show(list: &[&str]) -> String {
    let shown: Vec<&str> = list.iter().take(3).copied().collect();
    let more = list.len().saturating_sub(3);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// The weakenings between the facts of one file's two versions. `elsewhere` holds the
/// target's test commands in other places (another slot, another CI file) where a command
/// that left its place may have gone.
#[expect(clippy::too_many_lines, reason = "one comparison per kind of fact")]
pub fn compare(
    before: &[Fact],
    after: &[Fact],
    tests: &TestFiles<'_>,
    elsewhere: &[Invocation],
) -> Vec<Weakening> {
    let mut out = Vec::new();
    let find = |key: &str| after.iter().find(|f| f.key == key);
    for b in before {
        let a = find(&b.key);
        let mut push = |why: String| {
            out.push(Weakening {
                why,
                base: Some((b.file, b.line)),
                target: a.map(|a| (a.file, a.line)),
            });
        };
        match (&b.value, a.map(|a| &a.value)) {
            (Value::Exclude(matcher, family, old), Some(Value::Exclude(_, _, new))) => {
                let added: Vec<&String> = new.iter().filter(|p| !old.contains(p)).collect();
                for pattern in added {
                    let compiled = Pattern::new(*matcher, pattern);
                    let before: Vec<Pattern> =
                        old.iter().map(|p| Pattern::new(*matcher, p)).collect();
                    let lost = tests.lost(&b.key, *family, |f| {
                        compiled.matches(f) && !before.iter().any(|p| p.matches(f))
                    });
                    if !lost.is_empty() {
                        push(format!(
                            "{} now leaves out `{pattern}`, which holds tests ({})",
                            b.key,
                            show(&lost)
                        ));
                    } else if names_tests(pattern) && !tests.any(*family) {
                        push(format!("{} now leaves out `{pattern}`", b.key));
                    }
                }
            }
            (Value::Include(matcher, family, old), Some(Value::Include(new_matcher, _, new))) => {
                if old == new && matcher == new_matcher {
                    continue;
                }
                let compile = |m: Matcher, list: &[String]| -> Vec<Pattern> {
                    list.iter().map(|p| Pattern::new(m, p)).collect()
                };
                let (was, now) = (compile(*matcher, old), compile(*new_matcher, new));
                if tests.any(*family) {
                    let lost = tests.lost(&b.key, *family, |f| {
                        was.iter().any(|p| p.matches(f)) && !now.iter().any(|p| p.matches(f))
                    });
                    if !lost.is_empty() {
                        push(format!(
                            "{} no longer reaches {} ({})",
                            b.key,
                            if lost.len() == 1 {
                                "a test file"
                            } else {
                                "test files"
                            },
                            show(&lost)
                        ));
                    }
                } else {
                    let gone: Vec<&str> = old
                        .iter()
                        .filter(|p| !new.contains(p))
                        .map(String::as_str)
                        .collect();
                    if !gone.is_empty() {
                        push(format!("{} no longer includes {}", b.key, show(&gone)));
                    }
                }
            }
            (Value::Switch(false), Some(Value::Switch(true))) => {
                push(format!(
                    "{} now skips the tests or stops them failing",
                    b.key
                ));
            }
            (Value::Minimum(old), new) => {
                let now = match new {
                    Some(Value::Minimum(v)) => Some(*v),
                    _ => None,
                };
                match now {
                    Some(v) if v < *old => push(format!("{} was lowered from {old} to {v}", b.key)),
                    None => push(format!("{} ({old}) was removed", b.key)),
                    _ => {}
                }
            }
            (Value::Maximum(old), Some(Value::Maximum(v))) if v > old => {
                push(format!("{} was raised from {old} to {v}", b.key));
            }
            (Value::Units(old), new) => {
                let now = match new {
                    Some(Value::Units(v)) => v.clone(),
                    _ => BTreeSet::new(),
                };
                let lost: Vec<&str> = old.difference(&now).map(String::as_str).collect();
                if !lost.is_empty() {
                    push(format!("{} no longer run: {}", b.key, show(&lost)));
                }
            }
            (Value::Effects(old), Some(Value::Effects(new))) => {
                let added: Vec<&str> = new.difference(old).map(String::as_str).collect();
                if !added.is_empty() {
                    push(format!("{} now {}", b.key, added.join(" and ")));
                }
            }
            (Value::Commands(old), new) => {
                let now = match new {
                    Some(Value::Commands(v)) => v.as_slice(),
                    _ => &[],
                };
                for (why, base_line, line) in commands(old, now, elsewhere, tests) {
                    out.push(Weakening {
                        why: format!("{}: {why}", b.key),
                        base: Some((b.file, base_line)),
                        target: a.map(|a| (a.file, line.unwrap_or(a.line))),
                    });
                }
            }
            _ => {}
        }
    }
    // Facts new in the target: a switch on its weak side, a filter, a hook's effects, an
    // exclusion (judged against an empty base).
    for a in after {
        if before.iter().any(|b| b.key == a.key) {
            continue;
        }
        let mut push = |why: String| {
            out.push(Weakening {
                why,
                base: None,
                target: Some((a.file, a.line)),
            });
        };
        match &a.value {
            Value::Switch(true) => push(format!(
                "{} now skips the tests or stops them failing",
                a.key
            )),
            Value::Filter(filter) => push(format!("{} now filters the tests: `{filter}`", a.key)),
            Value::Maximum(v) if *v > 0.0 => push(format!("{} is now {v}", a.key)),
            // A new fixture that skips concerns only the tests that will ask for it (their
            // files show it); a new hook or autouse fixture concerns every test.
            Value::Effects(effects)
                if !effects.is_empty() && !a.key.contains("for the tests that use it") =>
            {
                let list: Vec<&str> = effects.iter().map(String::as_str).collect();
                push(format!("{} {}", a.key, list.join(" and ")));
            }
            Value::Exclude(matcher, family, patterns) => {
                for pattern in patterns {
                    let compiled = Pattern::new(*matcher, pattern);
                    let lost = tests.lost(&a.key, *family, |f| compiled.matches(f));
                    if !lost.is_empty() {
                        push(format!(
                            "{} leaves out `{pattern}`, which holds tests ({})",
                            a.key,
                            show(&lost)
                        ));
                    } else if names_tests(pattern) && !tests.any(*family) {
                        push(format!("{} leaves out `{pattern}`", a.key));
                    }
                }
            }
            _ => {}
        }
    }
    // Filters that changed value.
    for b in before {
        if let (Value::Filter(old), Some(a)) = (&b.value, after.iter().find(|f| f.key == b.key))
            && let Value::Filter(new) = &a.value
            && new != old
        {
            out.push(Weakening {
                why: format!("{} changed from `{old}` to `{new}`", b.key),
                base: Some((b.file, b.line)),
                target: Some((a.file, a.line)),
            });
        }
    }
    out
}

/// How close two invocations are (more shared arguments, closer).
fn closeness(a: &Invocation, b: &Invocation) -> usize {
    a.args.iter().filter(|x| b.args.contains(x)).count() + usize::from(a.runner == b.runner) * 100
}

/// The weakenings of test commands: lost ones, and what changed in the ones kept.
fn commands(
    old: &[Invocation],
    new: &[Invocation],
    elsewhere: &[Invocation],
    tests: &TestFiles<'_>,
) -> Vec<(String, u32, Option<u32>)> {
    let mut out = Vec::new();
    let mut used = vec![false; new.len()];
    for b in old {
        // A script run by name is the same only under the same name (or a pattern that
        // matches it: `run-s test:*`); a runner may stand in for another of its family.
        let same = |t: &Invocation| {
            if b.family() == "script" {
                t.runner == b.runner || covers(t, b)
            } else {
                t.family() == b.family()
            }
        };
        let best = (0..new.len())
            .filter(|&k| !used[k] && same(&new[k]))
            .max_by_key(|&k| closeness(b, &new[k]));
        let Some(k) = best else {
            let moved = new.iter().any(|t| b.family() == "script" && covers(t, b))
                || elsewhere
                    .iter()
                    .any(|e| same(e) && judge(b, e, tests).is_empty());
            if !moved {
                out.push((format!("no longer runs `{}`", shown(b)), b.line, None));
            }
            continue;
        };
        used[k] = true;
        for why in judge(b, &new[k], tests) {
            out.push((why, b.line, Some(new[k].line)));
        }
    }
    out
}

/// Whether a script pattern (`npm run test:*`) runs the script `b` names.
fn covers(t: &Invocation, b: &Invocation) -> bool {
    let name = |i: &Invocation| i.runner.rsplit(' ').next().unwrap_or_default().to_owned();
    t.family() == "script"
        && name(t).contains('*')
        && super::patterns::glob_regex(&name(t)).is_some_and(|r| r.is_match(&name(b)))
}

fn shown(i: &Invocation) -> String {
    format!("{} {}", i.runner, i.args.join(" "))
        .trim()
        .to_owned()
}

/// What makes `after` run fewer tests than `before`, or stop failing.
fn judge(before: &Invocation, after: &Invocation, tests: &TestFiles<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if let (None, Some(how)) = (&before.swallowed, &after.swallowed) {
        out.push(format!("`{}` can no longer fail (`{how}`)", shown(after)));
    }
    let (b, a) = (
        args::split(&before.runner, &before.args),
        args::split(&after.runner, &after.args),
    );
    let old_filters = args::filters(&before.runner, &b);
    for filter in args::filters(&after.runner, &a) {
        if !old_filters.contains(&filter) {
            out.push(format!(
                "`{}` now filters its tests with `{filter}`",
                shown(after)
            ));
        }
    }
    let old_disables = args::disables(&before.runner, &b);
    for flag in args::disables(&after.runner, &a) {
        if !old_disables.contains(&flag) {
            out.push(format!(
                "`{}` now skips tests or stops failing (`{flag}`)",
                shown(after)
            ));
        }
    }
    let new_minimums = args::minimums(&a);
    for (flag, old) in args::minimums(&b) {
        match new_minimums.iter().find(|(f, _)| *f == flag) {
            Some((_, v)) if v < &old => out.push(format!("`{flag}` was lowered from {old} to {v}")),
            None => out.push(format!("`{flag}` ({old}) was removed")),
            _ => {}
        }
    }
    let (old_sel, new_sel) = (
        args::selection(&before.runner, &b),
        args::selection(&after.runner, &a),
    );
    let lost: Vec<&str> = old_sel.difference(&new_sel).map(String::as_str).collect();
    if !lost.is_empty() && before.runner == after.runner {
        out.push(format!(
            "`{}` no longer runs {}",
            shown(after),
            lost.join(", ")
        ));
    }
    if before.runner == after.runner
        && let Some(why) = narrower_paths(
            &before.runner,
            &args::paths(&before.runner, &b),
            &args::paths(&after.runner, &a),
            tests,
        )
    {
        out.push(format!("`{}` {why}", shown(after)));
    }
    out
}

/// The family of test files a runner runs.
fn family_of(runner: &str) -> Option<Family> {
    match runner {
        "pytest" => Some(Family::Python),
        "jest" | "vitest" | "mocha" | "playwright test" | "ava" | "node --test" | "bun test"
        | "deno test" => Some(Family::Js),
        "go test" => Some(Family::Go),
        _ => None,
    }
}

/// Whether `now` reaches fewer test files than `was` (empty: everything).
fn narrower_paths(
    runner: &str,
    was: &[String],
    now: &[String],
    tests: &TestFiles<'_>,
) -> Option<String> {
    if was == now || now.is_empty() {
        return None;
    }
    let family = family_of(runner)?;
    let reaches = |list: &[String], file: &str| -> bool {
        list.is_empty()
            || list.iter().any(|p| {
                let p = p.trim_start_matches("./");
                if runner == "go test" {
                    let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
                    match p.strip_suffix("...") {
                        Some(prefix) => {
                            let prefix = prefix.trim_end_matches('/');
                            prefix.is_empty()
                                || prefix == "."
                                || dir == prefix
                                || dir.starts_with(&format!("{prefix}/"))
                        }
                        None => dir == p.trim_end_matches('/') || (p == "." && dir.is_empty()),
                    }
                } else if runner == "jest" {
                    Pattern::new(Matcher::Regex, p).matches(file)
                } else {
                    let p = p.trim_end_matches('/');
                    file == p
                        || file.starts_with(&format!("{p}/"))
                        || (p.contains('*') && Pattern::new(Matcher::Glob, p).matches(file))
                        || (runner != "pytest" && !p.contains('/') && file.contains(p))
                }
            })
    };
    if tests.any(family) {
        let lost = tests.lost(runner, family, |f| reaches(was, f) && !reaches(now, f));
        (!lost.is_empty()).then(|| {
            format!(
                "no longer reaches {} ({})",
                if lost.len() == 1 {
                    "a test file"
                } else {
                    "test files"
                },
                show(&lost)
            )
        })
    } else {
        let gone: Vec<&str> = if was.is_empty() {
            vec!["every test"]
        } else {
            was.iter()
                .filter(|p| !now.contains(p))
                .map(String::as_str)
                .collect()
        };
        (!gone.is_empty()).then(|| format!("no longer runs {}", show(&gone)))
    }
}
