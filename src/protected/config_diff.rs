//! gates.toml, base against target: the changes that weaken the gates.

use std::path::Path;

use toml::{Table, Value};

use super::compare::finding;
use crate::finding::{FindingKind, FindingReport};
use crate::trigger::Trigger;

/// Gate-weakened findings between two versions of the config (either may be missing).
pub fn weakened(file: &Path, base: Option<&str>, target: Option<&str>) -> Vec<FindingReport> {
    let Some(base_text) = base else {
        return Vec::new();
    };
    let Ok(before) = base_text.parse::<Table>() else {
        return Vec::new();
    };
    let line_in = |text: &str, needle: &str| {
        text.lines()
            .position(|l| l.trim_start().starts_with(needle))
            .map(|n| u32::try_from(n + 1).unwrap_or(u32::MAX))
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
    let mut findings = Vec::new();
    let mut push = |why: String, header: &str, key: Option<&str>| {
        let base_line = line_in(base_text, header);
        let target_line = line_in(target_text, header).map(|h| {
            key.and_then(|k| {
                target_text
                    .lines()
                    .skip(h as usize)
                    .position(|l| l.trim_start().starts_with(k))
                    .map(|n| h + u32::try_from(n).unwrap_or(0) + 1)
            })
            .unwrap_or(h)
        });
        let removed = base_line
            .and_then(|l| base_text.lines().nth(l as usize - 1))
            .map(|l| vec![l.to_owned()])
            .unwrap_or_default();
        let added = target_line
            .and_then(|l| target_text.lines().nth(l as usize - 1))
            .map(|l| vec![l.to_owned()])
            .unwrap_or_default();
        findings.push(finding(
            FindingKind::GateWeakened,
            file,
            base_line,
            target_line,
            removed,
            added,
            why,
        ));
    };
    gates_weakened(&before, &after, &mut push);
    protect_weakened(&before, &after, &mut push);
    findings
}

/// Reports one weakening: why, the table header it is under, and the key within it.
type Push<'a> = dyn FnMut(String, &str, Option<&str>) + 'a;

fn gates_weakened(before: &Table, after: &Table, push: &mut Push<'_>) {
    let gates = |t: &Table| {
        t.get("gates")
            .and_then(Value::as_table)
            .cloned()
            .unwrap_or_default()
    };
    let (old_gates, new_gates) = (gates(before), gates(after));
    for (name, old) in &old_gates {
        let header = format!("[gates.{name}]");
        let Some(new) = new_gates.get(name) else {
            push(format!("gate `{name}` was removed"), &header, None);
            continue;
        };
        let text = |v: &Value, key: &str| v.get(key).map(ToString::to_string);
        if text(old, "run") != text(new, "run") {
            push(
                format!(
                    "the command of gate `{name}` changed from {} to {}",
                    text(old, "run").unwrap_or_default(),
                    text(new, "run").unwrap_or_else(|| "nothing".into())
                ),
                &header,
                Some("run"),
            );
        }
        let triggers = |v: &Value| -> Vec<String> {
            v.get("on").and_then(Value::as_array).map_or_else(
                || {
                    Trigger::default_on()
                        .iter()
                        .map(|t| t.as_str().to_owned())
                        .collect()
                },
                |a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect()
                },
            )
        };
        let lost: Vec<String> = triggers(old)
            .into_iter()
            .filter(|t| !triggers(new).contains(t))
            .collect();
        if !lost.is_empty() {
            push(
                format!("gate `{name}` no longer runs on {}", lost.join(", ")),
                &header,
                Some("on"),
            );
        }
        let globs = |v: &Value| {
            v.get("files").and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(|g| g.as_str().map(str::to_owned))
                    .collect::<Vec<_>>()
            })
        };
        match (globs(old), globs(new)) {
            (None, Some(now)) => push(
                format!("gate `{name}` now runs only for {}", now.join(", ")),
                &header,
                Some("files"),
            ),
            (Some(was), Some(now)) if was.iter().any(|g| !now.contains(g)) => {
                push(
                    format!(
                        "gate `{name}` no longer runs for {}",
                        was.iter()
                            .filter(|g| !now.contains(g))
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    &header,
                    Some("files"),
                );
            }
            _ => {}
        }
        narrowed_by_patterns(name, old, new, &header, push);
    }
}

/// `exclude`, `files_regex`, `exclude_regex` and `builtin`: a new exclusion, a new or changed
/// regex, or another built-in check can only be judged weaker (fail closed).
fn narrowed_by_patterns(name: &str, old: &Value, new: &Value, header: &str, push: &mut Push<'_>) {
    let list = |v: &Value| -> Vec<String> {
        v.get("exclude")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|g| g.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let added: Vec<String> = list(new)
        .into_iter()
        .filter(|g| !list(old).contains(g))
        .collect();
    if !added.is_empty() {
        push(
            format!("gate `{name}` now excludes {}", added.join(", ")),
            header,
            Some("exclude"),
        );
    }
    for key in ["files_regex", "exclude_regex", "builtin"] {
        let (was, now) = (old.get(key), new.get(key));
        if was != now && (now.is_some() || key != "exclude_regex") {
            push(
                format!(
                    "gate `{name}` changed its {key} from {} to {}",
                    was.map_or_else(|| "nothing".to_owned(), ToString::to_string),
                    now.map_or_else(|| "nothing".to_owned(), ToString::to_string)
                ),
                header,
                Some(key),
            );
        }
    }
}

/// `protect.exclude` hiding more than before.
fn exclude_widened(old: &Value, new: &Value, push: &mut Push<'_>) {
    let excluded = |v: &Value| {
        v.get("exclude")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|g| g.as_str().map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let hidden: Vec<String> = excluded(new)
        .into_iter()
        .filter(|g| !excluded(old).contains(g))
        .collect();
    if !hidden.is_empty() {
        push(
            format!("protect.exclude now hides {}", hidden.join(", ")),
            "[protect]",
            Some("exclude"),
        );
    }
}

fn protect_weakened(before: &Table, after: &Table, push: &mut Push<'_>) {
    let protect = |t: &Table| t.get("protect").cloned();
    match (protect(before), protect(after)) {
        (Some(_), None) => push(
            "the [protect] table was removed: the protected gate is off".to_owned(),
            "[protect]",
            None,
        ),
        (Some(old), Some(new)) => {
            for key in ["tests", "paths"] {
                let list = |v: &Value| {
                    v.get(key)
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|g| g.as_str().map(str::to_owned))
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default()
                };
                let uncovered: Vec<String> = list(&old)
                    .into_iter()
                    .filter(|g| !list(&new).contains(g))
                    .collect();
                if !uncovered.is_empty() {
                    push(
                        format!("protect.{key} no longer covers {}", uncovered.join(", ")),
                        "[protect]",
                        Some(key),
                    );
                }
            }
            exclude_widened(&old, &new, push);
            let allowed = |v: &Value| {
                v.get("allow")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|g| g.as_str().map(str::to_owned))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            };
            let more: Vec<String> = allowed(&new)
                .into_iter()
                .filter(|k| !allowed(&old).contains(k))
                .collect();
            if !more.is_empty() {
                push(
                    format!("protect.allow now lets through {}", more.join(", ")),
                    "[protect]",
                    Some("allow"),
                );
            }
            let on = |v: &Value| {
                v.get("on").and_then(Value::as_array).map_or_else(
                    || {
                        Trigger::default_on()
                            .iter()
                            .map(|t| t.as_str().to_owned())
                            .collect::<Vec<_>>()
                    },
                    |a| {
                        a.iter()
                            .filter_map(|t| t.as_str().map(str::to_owned))
                            .collect()
                    },
                )
            };
            let lost: Vec<String> = on(&old)
                .into_iter()
                .filter(|t| !on(&new).contains(t))
                .collect();
            if !lost.is_empty() {
                push(
                    format!("the protected gate no longer runs on {}", lost.join(", ")),
                    "[protect]",
                    Some("on"),
                );
            }
        }
        _ => {}
    }
}
