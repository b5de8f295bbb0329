//! gates.toml, base against target: every change that is not provably stricter is a
//! `gate-weakened` finding (fail closed).
//!
//! A commit is judged by its own gates.toml, so a change that loosens it and a violation it lets
//! through arrive together. The two versions are compared as parsed TOML (so formatting, key
//! order and spelled-out defaults are not changes), key by key over the union of keys at every
//! level. A change passes only where a rule below proves it makes the gates stricter or cannot
//! change a verdict; everything else, keys this version does not know included, is reported with
//! both values. A new gate is stricter only because the plan runs it after every gate the base
//! had (`plan::Plan::build`), so it cannot change what they see; a new gate's fixer would run
//! before the checks, so it is reported.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use toml::{Table, Value};

use super::compare::finding;
use crate::config::{DEFAULT_TIMEOUT, SettingsConfig};
use crate::finding::{FindingKind, FindingReport};
use crate::trigger::Trigger;

/// One weakening: why, the table header it is under, and the key within it.
struct Weakening {
    why: String,
    header: String,
    key: Option<String>,
}

impl Weakening {
    fn new(why: String, header: &str, key: Option<&str>) -> Weakening {
        Weakening {
            why,
            header: header.to_owned(),
            key: key.map(str::to_owned),
        }
    }
}

/// Gate-weakened findings between two versions of the config (either may be missing).
pub fn weakened(file: &Path, base: Option<&str>, target: Option<&str>) -> Vec<FindingReport> {
    let Some(base_text) = base else {
        return Vec::new();
    };
    let Ok(before) = base_text.parse::<Table>() else {
        return Vec::new();
    };
    let Some(target_text) = target else {
        return vec![finding(
            FindingKind::GateWeakened,
            file,
            Some(1),
            None,
            Vec::new(),
            Vec::new(),
            "gates.toml was deleted: every gate is gone".to_owned(),
        )];
    };
    let Ok(after) = target_text.parse::<Table>() else {
        return vec![finding(
            FindingKind::GateWeakened,
            file,
            Some(1),
            Some(1),
            Vec::new(),
            Vec::new(),
            "gates.toml no longer parses, so no gate would run".to_owned(),
        )];
    };
    let mut found = Vec::new();
    compare(&before, &after, &mut found);
    found
        .into_iter()
        .map(|w| locate(file, base_text, target_text, w))
        .collect()
}

/// The finding for one weakening, placed at its table header (base) and key (target).
fn locate(file: &Path, base_text: &str, target_text: &str, w: Weakening) -> FindingReport {
    let line_in = |text: &str, needle: &str| {
        text.lines()
            .position(|l| l.trim_start().starts_with(needle))
            .map(|n| u32::try_from(n + 1).unwrap_or(u32::MAX))
    };
    let base_line = line_in(base_text, &w.header);
    let target_line = line_in(target_text, &w.header).map(|h| {
        w.key
            .as_deref()
            .and_then(|k| {
                target_text
                    .lines()
                    .skip(h as usize)
                    .position(|l| l.trim_start().starts_with(k))
                    .map(|n| h + u32::try_from(n).unwrap_or(0) + 1)
            })
            .unwrap_or(h)
    });
    let line = |text: &str, at: Option<u32>| {
        at.and_then(|l| text.lines().nth(l as usize - 1))
            .map(|l| vec![l.to_owned()])
            .unwrap_or_default()
    };
    finding(
        FindingKind::GateWeakened,
        file,
        base_line,
        target_line,
        line(base_text, base_line),
        line(target_text, target_line),
        w.why,
    )
}

fn compare(before: &Table, after: &Table, out: &mut Vec<Weakening>) {
    let table = |t: &Table, key: &str| t.get(key).and_then(Value::as_table).cloned();
    settings(
        &table(before, "settings").unwrap_or_default(),
        &table(after, "settings").unwrap_or_default(),
        out,
    );
    gates(
        &table(before, "gates").unwrap_or_default(),
        &table(after, "gates").unwrap_or_default(),
        out,
    );
    match (table(before, "protect"), table(after, "protect")) {
        (Some(_), None) => out.push(Weakening::new(
            "the [protect] table was removed: the protected gate is off".to_owned(),
            "[protect]",
            None,
        )),
        (Some(old), Some(new)) => protect(&old, &new, out),
        _ => {}
    }
    // Top-level keys this version does not know: any change is a weakening.
    for key in keys(before, after) {
        if matches!(key.as_str(), "settings" | "gates" | "protect") {
            continue;
        }
        let (old, new) = (before.get(&key), after.get(&key));
        if !same(old, new) {
            out.push(Weakening::new(
                format!("`{key}` changed from {} to {}", shown(old), shown(new)),
                &format!("[{key}]"),
                None,
            ));
        }
    }
}

/// `[settings]`: which way each key is stricter, with the defaults of `SettingsConfig`.
fn settings(before: &Table, after: &Table, out: &mut Vec<Weakening>) {
    let defaults = Value::try_from(SettingsConfig::default())
        .ok()
        .and_then(|v| v.as_table().cloned())
        .unwrap_or_default();
    let value = |t: &Table, key: &str| t.get(key).or_else(|| defaults.get(key)).cloned();
    for key in keys(before, after) {
        let (old, new) = (value(before, &key), value(after, &key));
        if same(old.as_ref(), new.as_ref()) {
            continue;
        }
        let flag = |v: &Option<Value>| v.as_ref().and_then(Value::as_bool).unwrap_or(false);
        let number = |v: &Option<Value>| v.as_ref().and_then(Value::as_integer);
        let stricter = match key.as_str() {
            // How many gates at once, when to stop starting them, how long the feedback is:
            // none of these changes whether a gate fails.
            "jobs" | "fail_fast" | "feedback_lines" | "machine_jobs" => true,
            // Cached passes, fixers and problems that existed at the base each let a run pass
            // that would otherwise fail; turning them off is stricter.
            "cache" | "fix" | "only_new" => !flag(&new),
            // Hiding untracked files judges exactly what is committed.
            "hide_untracked" => flag(&new),
            "stop_retries" => matches!((number(&old), number(&new)), (Some(o), Some(n)) if n >= o),
            // The base decides which files are judged; anything else is unknown here.
            _ => false,
        };
        if !stricter {
            out.push(Weakening::new(
                format!(
                    "settings.{key} changed from {} to {}",
                    shown(old.as_ref()),
                    shown(new.as_ref())
                ),
                "[settings]",
                Some(&key),
            ));
        }
    }
}

fn gates(before: &Table, after: &Table, out: &mut Vec<Weakening>) {
    for (name, old) in before {
        let header = format!("[gates.{name}]");
        let Some(new) = after.get(name) else {
            out.push(Weakening::new(
                format!("gate `{name}` was removed"),
                &header,
                None,
            ));
            continue;
        };
        let (Some(old), Some(new)) = (old.as_table(), new.as_table()) else {
            if !same(Some(old), Some(new)) {
                out.push(Weakening::new(
                    format!("gate `{name}` changed from {old} to {new}"),
                    &header,
                    None,
                ));
            }
            continue;
        };
        for key in keys(old, new) {
            if let Some(why) = gate_key(name, &key, old.get(&key), new.get(&key)) {
                out.push(Weakening::new(why, &header, Some(&key)));
            }
        }
    }
    for (name, new) in after {
        if before.contains_key(name) {
            continue;
        }
        if let Some(fix) = new.get("fix") {
            out.push(Weakening::new(
                format!(
                    "new gate `{name}` has a fixer ({fix}), which runs before the checks and can change what they judge"
                ),
                &format!("[gates.{name}]"),
                Some("fix"),
            ));
        }
    }
}

/// Why changing one key of a gate from `old` to `new` weakens it, if it does.
fn gate_key(name: &str, key: &str, old: Option<&Value>, new: Option<&Value>) -> Option<String> {
    if same(old, new) {
        return None;
    }
    let strings = |v: Option<&Value>| -> Option<BTreeSet<String>> {
        v.and_then(Value::as_array).map(|a| {
            a.iter()
                .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned))
                .collect()
        })
    };
    let default_on = || -> BTreeSet<String> {
        Trigger::default_on()
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect()
    };
    let missing = |was: &BTreeSet<String>, now: &BTreeSet<String>| -> Vec<String> {
        was.difference(now).cloned().collect()
    };
    match key {
        "on" => {
            let lost = missing(
                &strings(old).unwrap_or_else(default_on),
                &strings(new).unwrap_or_else(default_on),
            );
            (!lost.is_empty())
                .then(|| format!("gate `{name}` no longer runs on {}", lost.join(", ")))
        }
        // No `files`: every file; more globs: more files.
        "files" => match (strings(old), strings(new)) {
            (_, None) => None,
            (None, Some(now)) => Some(format!(
                "gate `{name}` now runs only for {}",
                now.into_iter().collect::<Vec<_>>().join(", ")
            )),
            (Some(was), Some(now)) => {
                let lost = missing(&was, &now);
                (!lost.is_empty())
                    .then(|| format!("gate `{name}` no longer runs for {}", lost.join(", ")))
            }
        },
        // Fewer exclusions: more files.
        "exclude" => {
            let added = missing(
                &strings(new).unwrap_or_default(),
                &strings(old).unwrap_or_default(),
            );
            (!added.is_empty())
                .then(|| format!("gate `{name}` now leaves out {}", added.join(", ")))
        }
        "cwd" => {
            let clean = |v: Option<&Value>| {
                v.and_then(Value::as_str)
                    .map(|c| {
                        Path::new(c)
                            .components()
                            .filter(|p| matches!(p, std::path::Component::Normal(_)))
                            .collect::<std::path::PathBuf>()
                    })
                    .unwrap_or_default()
            };
            (clean(old) != clean(new)).then(|| changed(name, key, old, new))
        }
        "pass_files" | "only_new" => {
            let flag = |v: Option<&Value>| v.and_then(Value::as_bool).unwrap_or(false);
            let stricter = key == "only_new" && !flag(new);
            (flag(old) != flag(new) && !stricter).then(|| changed(name, key, old, new))
        }
        // A shorter timeout fails sooner; a longer one lets a hanging gate finish.
        "timeout" => {
            let duration = |v: Option<&Value>| -> Option<Duration> {
                match v {
                    None => Some(DEFAULT_TIMEOUT),
                    Some(v) => crate::config::parse_duration(v.as_str()?).ok(),
                }
            };
            match (duration(old), duration(new)) {
                (Some(was), Some(now)) if now <= was => None,
                _ => Some(changed(name, key, old, new)),
            }
        }
        // Without its fixer the check judges the files as they are.
        "fix" if new.is_none() => None,
        // Ordering: which gates run before this one (a set).
        "after" => (strings(old).unwrap_or_default() != strings(new).unwrap_or_default())
            .then(|| changed(name, key, old, new)),
        // run, env, inputs, parser, pattern, report, fix and keys this version does not know:
        // equal, or a weakening.
        _ => (old != new).then(|| {
            if key == "run" {
                format!(
                    "the command of gate `{name}` changed from {} to {}",
                    shown(old),
                    new.map_or_else(|| "nothing".to_owned(), ToString::to_string)
                )
            } else {
                changed(name, key, old, new)
            }
        }),
    }
}

fn protect(before: &Table, after: &Table, out: &mut Vec<Weakening>) {
    let globs = |t: &Table, key: &str, default: &dyn Fn() -> Vec<String>| -> BTreeSet<String> {
        t.get(key)
            .and_then(Value::as_array)
            .map_or_else(default, |a| {
                a.iter()
                    .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned))
                    .collect()
            })
            .into_iter()
            .collect()
    };
    let nothing = Vec::new;
    let default_paths = super::default_paths;
    let default_on = || {
        Trigger::default_on()
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect()
    };
    for key in keys(before, after) {
        let why = match key.as_str() {
            "tests" | "paths" | "on" => {
                let default: &dyn Fn() -> Vec<String> = match key.as_str() {
                    "tests" => &nothing,
                    "paths" => &default_paths,
                    _ => &default_on,
                };
                let lost: Vec<String> = globs(before, &key, default)
                    .difference(&globs(after, &key, default))
                    .cloned()
                    .collect();
                (!lost.is_empty()).then(|| {
                    if key == "on" {
                        format!("the protected gate no longer runs on {}", lost.join(", "))
                    } else {
                        format!("protect.{key} no longer covers {}", lost.join(", "))
                    }
                })
            }
            "allow" => {
                let more: Vec<String> = globs(after, &key, &nothing)
                    .difference(&globs(before, &key, &nothing))
                    .cloned()
                    .collect();
                (!more.is_empty())
                    .then(|| format!("protect.allow now lets through {}", more.join(", ")))
            }
            _ => (!same(before.get(&key), after.get(&key))).then(|| {
                format!(
                    "protect.{key} changed from {} to {}",
                    shown(before.get(&key)),
                    shown(after.get(&key))
                )
            }),
        };
        if let Some(why) = why {
            out.push(Weakening::new(why, "[protect]", Some(&key)));
        }
    }
}

/// Whether two values are the same config: equal, or written the same (a `nan` equals
/// itself here). The same value is never a weakening, whatever a key's rule makes of it.
fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    a == b || a.map(ToString::to_string) == b.map(ToString::to_string)
}

/// Every key of either table, in first-seen order.
fn keys(a: &Table, b: &Table) -> Vec<String> {
    let mut all: Vec<String> = a.keys().cloned().collect();
    for key in b.keys() {
        if !a.contains_key(key) {
            all.push(key.clone());
        }
    }
    all
}

fn changed(name: &str, key: &str, old: Option<&Value>, new: Option<&Value>) -> String {
    format!(
        "`{key}` of gate `{name}` changed from {} to {}",
        shown(old),
        shown(new)
    )
}

/// A value as TOML shows it, or `nothing`; long values are cut.
fn shown(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "nothing".to_owned();
    };
    let text = value.to_string();
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(119).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whys(base: &str, target: &str) -> Vec<String> {
        weakened(Path::new("gates.toml"), Some(base), Some(target))
            .into_iter()
            .map(|f| f.why)
            .collect()
    }

    const BASE: &str = "[settings]\nbase = \"main\"\n[gates.lint]\nrun = \"ruff check\"\nfiles = [\"*.py\"]\npass_files = true\n[protect]\n";

    #[test]
    fn a_config_is_never_weaker_than_itself() {
        // Found by the fuzzer: a value a rule cannot read (a timeout that does not parse, a
        // `nan`) is still the same value on both sides.
        for text in [
            "[gates.test]\nrun = \"x\"\ntimeout = \"20\u{fffd}m\"\n",
            "[gates.test]\nrun = \"x\"\nodd = nan\n",
            "odd = nan\n[settings]\nodd = nan\n[protect]\nodd = nan\n",
            "[gates]\ntest = nan\n",
        ] {
            assert_eq!(whys(text, text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn each_loosening_key_is_named_with_both_values() {
        let cases = [
            (
                "pass_files = true",
                "pass_files = false",
                "`pass_files` of gate `lint` changed from true to false",
            ),
            (
                "pass_files = true",
                "pass_files = true\ncwd = \"web\"",
                "`cwd` of gate `lint` changed from nothing to \"web\"",
            ),
            (
                "pass_files = true",
                "pass_files = true\nenv = { A = \"1\" }",
                "`env` of gate `lint`",
            ),
            (
                "pass_files = true",
                "pass_files = true\ninputs = [\"x\"]",
                "`inputs` of gate `lint`",
            ),
            (
                "pass_files = true",
                "pass_files = true\nfix = \"ruff --fix\"",
                "`fix` of gate `lint`",
            ),
            (
                "pass_files = true",
                "pass_files = true\ntimeout = \"1h\"",
                "`timeout` of gate `lint`",
            ),
            (
                "pass_files = true",
                "pass_files = true\nparser = \"none\"",
                "`parser` of gate `lint`",
            ),
            (
                "pass_files = true",
                "pass_files = true\nbuiltin = \"x\"",
                "`builtin` of gate `lint`",
            ),
            (
                "base = \"main\"",
                "base = \"HEAD\"",
                "settings.base changed from \"main\" to \"HEAD\"",
            ),
            (
                "base = \"main\"",
                "base = \"main\"\nstop_retries = 1",
                "settings.stop_retries changed from 5 to 1",
            ),
            (
                "base = \"main\"",
                "base = \"main\"\nfix = true",
                "settings.fix changed from false to true",
            ),
            (
                "base = \"main\"",
                "base = \"main\"\nsurprise = 1",
                "settings.surprise changed from nothing to 1",
            ),
            (
                "[protect]",
                "[protect]\nexclude = [\"x\"]",
                "protect.exclude changed",
            ),
            ("[protect]", "[elsewhere]\n[protect]", "`elsewhere` changed"),
        ];
        for (from, to, want) in cases {
            let found = whys(BASE, &BASE.replace(from, to));
            assert!(found.iter().any(|w| w.starts_with(want)), "{to}: {found:?}");
        }
    }

    #[test]
    fn stricter_and_equivalent_changes_are_not_findings() {
        let same = [
            ("[protect]", "[protect]\n[gates.new]\nrun = \"true\""),
            ("files = [\"*.py\"]", "files = [\"*.pyi\", \"*.py\"]"),
            ("files = [\"*.py\"]\n", ""),
            (
                "base = \"main\"",
                "base = \"main\"\ncache = false\njobs = 3\nfail_fast = true",
            ),
            (
                "base = \"main\"",
                "base = \"main\"\nstop_retries = 50\nhide_untracked = true",
            ),
            (
                "pass_files = true",
                "pass_files = true\ncwd = \"./\"\ntimeout = \"10m\"",
            ),
            (
                "pass_files = true",
                "pass_files = true\non = [\"pre-commit\", \"pre-push\", \"stop\", \"ci\", \"manual\", \"commit-msg\"]",
            ),
            (
                "[protect]",
                "[protect]\ntests = [\"checks/**\"]\nallow = []",
            ),
            ("base = \"main\"", "base = 'main'"),
        ];
        for (from, to) in same {
            assert_eq!(
                whys(BASE, &BASE.replace(from, to)),
                Vec::<String>::new(),
                "{to}"
            );
        }
    }

    #[test]
    fn a_new_gate_with_a_fixer_is_reported() {
        let found = whys(
            BASE,
            &format!("{BASE}[gates.fmt]\nrun = \"true\"\nfix = \"sed -i x\"\n"),
        );
        assert!(
            found[0].starts_with("new gate `fmt` has a fixer"),
            "{found:?}"
        );
    }
}
