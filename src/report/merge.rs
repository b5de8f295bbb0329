//! `backstop report merge`: the JSON reports of the shards of one CI run (`backstop ci
//! --shard I/N`) combined into the report one unsharded run would have written: every planned
//! gate in plan order, the protected findings, `ok` recomputed. It refuses (rather than pass)
//! anything that is not every shard of one run exactly once: a missing shard, a gate no shard
//! ran, shards of different commits or of different plans.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;

use super::{GateReport, GateStatus, Report, SCHEMA_ID, ShardReport};
use crate::error::usage;

/// Combines the shards' reports (each with the name it came from, for messages). One report
/// of a whole run is returned as it is, so a report can be rendered again in other formats.
pub fn merge(mut reports: Vec<(String, Report)>) -> Result<Report> {
    for (name, report) in &reports {
        if report.schema != SCHEMA_ID {
            return Err(usage(
                format!("{name}: a `{}` report, not `{SCHEMA_ID}`", report.schema),
                "merge reports written by this version of backstop",
            ));
        }
    }
    if reports.len() == 1 && reports[0].1.shard.is_none() {
        return Ok(reports.remove(0).1);
    }
    let shards: Vec<ShardReport> = reports
        .iter()
        .map(|(name, report)| {
            report.shard.clone().ok_or_else(|| {
                usage(
                    format!("{name} is the report of a whole run, not of a shard"),
                    "give only the reports that `backstop ci --shard I/N` wrote, one per shard",
                )
            })
        })
        .collect::<Result<_>>()?;
    check_one_run(&reports, &shards)?;
    let by_index = every_shard_once(&reports, &shards)?;
    let gates = gates_in_plan_order(&reports, &by_index, &shards[0])?;
    let first = &reports[0].1;
    let protected = by_index
        .values()
        .flat_map(|at| reports[*at].1.protected.iter().cloned())
        .collect();
    Ok(Report {
        schema: SCHEMA_ID.to_owned(),
        trigger: first.trigger,
        base: first.base.clone(),
        target: first.target.clone(),
        ok: gates.iter().all(|g| !g.status.is_failure()),
        duration_ms: reports
            .iter()
            .map(|(_, r)| r.duration_ms)
            .max()
            .unwrap_or(0),
        gates,
        protected,
        shard: None,
    })
}

/// Every report judged the same snapshot under the same plan.
fn check_one_run(reports: &[(String, Report)], shards: &[ShardReport]) -> Result<()> {
    let (first_name, first) = &reports[0];
    let plan = &shards[0];
    for ((name, report), shard) in reports.iter().zip(shards) {
        let same_run = report.trigger == first.trigger
            && report.base == first.base
            && report.target == first.target;
        if !same_run {
            return Err(usage(
                format!(
                    "{name} and {first_name} judged different things (trigger {} base {} target {} against trigger {} base {} target {})",
                    report.trigger,
                    report.base.as_deref().unwrap_or("-"),
                    report.target,
                    first.trigger,
                    first.base.as_deref().unwrap_or("-"),
                    first.target
                ),
                "merge the shards of one CI run: the same commit and the same base",
            ));
        }
        if shard.total != plan.total || shard.planned != plan.planned || shard.every != plan.every {
            return Err(usage(
                format!("{name} and {first_name} were planned differently"),
                "give every shard the same gates.toml and the same --durations file",
            ));
        }
    }
    Ok(())
}

/// Shard index → position in `reports`, when every shard 1..N is there exactly once.
fn every_shard_once(
    reports: &[(String, Report)],
    shards: &[ShardReport],
) -> Result<BTreeMap<usize, usize>> {
    let total = shards[0].total;
    let mut by_index = BTreeMap::new();
    for (at, ((name, _), shard)) in reports.iter().zip(shards).enumerate() {
        if by_index.insert(shard.index, at).is_some() {
            return Err(usage(
                format!("shard {}/{total} is given twice ({name})", shard.index),
                "give each shard's report once",
            ));
        }
    }
    let missing: Vec<String> = (1..=total)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| format!("{i}/{total}"))
        .collect();
    if !missing.is_empty() {
        return Err(usage(
            format!("no report of shard {}", missing.join(", ")),
            "every shard's report is needed (did a shard's job fail before it wrote its report? run it again)",
        ));
    }
    Ok(by_index)
}

/// Each planned gate from the one shard that ran it (a self-sharding gate from all of them,
/// combined), in plan order.
fn gates_in_plan_order(
    reports: &[(String, Report)],
    by_index: &BTreeMap<usize, usize>,
    plan: &ShardReport,
) -> Result<Vec<GateReport>> {
    let mut parts: HashMap<&str, Vec<&GateReport>> = HashMap::new();
    for at in by_index.values() {
        let (name, report) = &reports[*at];
        for gate in &report.gates {
            if !plan.planned.contains(&gate.name) {
                return Err(usage(
                    format!(
                        "{name} has a gate `{}` that the run did not plan",
                        gate.name
                    ),
                    "merge reports of one run, written by one version of backstop",
                ));
            }
            parts.entry(gate.name.as_str()).or_default().push(gate);
        }
    }
    let mut gates = Vec::with_capacity(plan.planned.len());
    for name in &plan.planned {
        let found = parts.remove(name.as_str()).unwrap_or_default();
        let everywhere = plan.every.contains(name);
        let expected = if everywhere { plan.total } else { 1 };
        if found.len() != expected {
            return Err(usage(
                format!(
                    "gate `{name}` is in {} shard reports, not {expected}",
                    found.len()
                ),
                "give every shard the same gates.toml and the same --durations file, so they agree on who runs what",
            ));
        }
        gates.push(if everywhere {
            combine(&found)
        } else {
            found[0].clone()
        });
    }
    Ok(gates)
}

/// One gate that ran on every shard, each on its own share of the tests: the worst status,
/// every diagnostic once, each shard's output under a heading.
fn combine(parts: &[&GateReport]) -> GateReport {
    let rank = |status: GateStatus| match status {
        GateStatus::Skipped => 0,
        GateStatus::Cached => 1,
        GateStatus::Passed => 2,
        GateStatus::Error => 3,
        GateStatus::Failed => 4,
        GateStatus::TimedOut => 5,
    };
    let worst = parts
        .iter()
        .copied()
        .reduce(|a, b| {
            if rank(b.status) > rank(a.status) {
                b
            } else {
                a
            }
        })
        .expect("a gate of every shard");
    let mut diagnostics = Vec::new();
    for diagnostic in parts.iter().flat_map(|p| &p.diagnostics) {
        if !diagnostics.contains(diagnostic) {
            diagnostics.push(diagnostic.clone());
        }
    }
    let total = parts.len();
    let output = if parts.iter().all(|p| p.output.is_none()) {
        None
    } else {
        Some(
            parts
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    let text = p.output.as_deref()?;
                    Some(format!("── shard {}/{total} ──\n{text}", i + 1))
                })
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    GateReport {
        duration_ms: parts.iter().map(|p| p.duration_ms).max().unwrap_or(0),
        diagnostics,
        output,
        ..worst.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trigger::Trigger;

    fn gate(name: &str, status: GateStatus) -> GateReport {
        GateReport {
            name: name.to_owned(),
            status,
            exit_code: Some(i32::from(status.is_failure())),
            duration_ms: 5,
            command: "true".to_owned(),
            files: Vec::new(),
            diagnostics: Vec::new(),
            output: Some(format!("{name} ran\n")),
            reason: None,
            only_new: false,
        }
    }

    fn shard(index: usize, total: usize, gates: Vec<GateReport>) -> (String, Report) {
        let planned = ["a", "b", "c"].map(str::to_owned).to_vec();
        (
            format!("shard-{index}.json"),
            Report {
                schema: SCHEMA_ID.to_owned(),
                trigger: Trigger::Ci,
                base: Some("b".repeat(40)),
                target: "t".repeat(40),
                ok: gates.iter().all(|g| !g.status.is_failure()),
                duration_ms: 10 * index as u64,
                gates,
                protected: Vec::new(),
                shard: Some(ShardReport {
                    index,
                    total,
                    planned,
                    every: vec!["c".to_owned()],
                }),
            },
        )
    }

    fn error_of(reports: Vec<(String, Report)>) -> String {
        let error = merge(reports).unwrap_err();
        let usage = error.downcast_ref::<crate::error::UsageError>().unwrap();
        format!(
            "{} | {}",
            usage.message,
            usage.hint.as_deref().unwrap_or("")
        )
    }

    #[test]
    fn shards_merge_into_the_plan_order_with_self_sharded_gates_combined() {
        let merged = merge(vec![
            shard(
                2,
                2,
                vec![gate("a", GateStatus::Failed), gate("c", GateStatus::Passed)],
            ),
            shard(
                1,
                2,
                vec![
                    gate("b", GateStatus::Passed),
                    gate("c", GateStatus::TimedOut),
                ],
            ),
        ])
        .unwrap();
        let names: Vec<&str> = merged.gates.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert!(!merged.ok);
        assert_eq!(merged.duration_ms, 20, "the longest shard");
        assert!(merged.shard.is_none());
        let c = &merged.gates[2];
        assert_eq!(c.status, GateStatus::TimedOut, "the worst of its shards");
        assert_eq!(
            c.output.as_deref(),
            Some("── shard 1/2 ──\nc ran\n\n── shard 2/2 ──\nc ran\n")
        );
    }

    #[test]
    fn a_missing_shard_is_an_error_not_a_pass() {
        let text = error_of(vec![
            shard(
                1,
                3,
                vec![gate("a", GateStatus::Passed), gate("c", GateStatus::Passed)],
            ),
            shard(
                3,
                3,
                vec![gate("b", GateStatus::Passed), gate("c", GateStatus::Passed)],
            ),
        ]);
        assert!(text.starts_with("no report of shard 2/3"), "{text}");
    }

    #[test]
    fn a_gate_no_shard_ran_or_two_shards_ran_is_an_error() {
        let text = error_of(vec![
            shard(
                1,
                2,
                vec![gate("a", GateStatus::Passed), gate("c", GateStatus::Passed)],
            ),
            shard(
                2,
                2,
                vec![gate("a", GateStatus::Passed), gate("c", GateStatus::Passed)],
            ),
        ]);
        assert!(
            text.starts_with("gate `a` is in 2 shard reports, not 1"),
            "{text}"
        );
    }

    #[test]
    fn shards_of_different_commits_or_given_twice_are_refused() {
        let (name, mut other) = shard(2, 2, vec![gate("b", GateStatus::Passed)]);
        other.target = "f".repeat(40);
        let text = error_of(vec![
            shard(1, 2, vec![gate("a", GateStatus::Passed)]),
            (name, other),
        ]);
        assert!(text.contains("judged different things"), "{text}");
        let text = error_of(vec![shard(1, 2, vec![]), shard(1, 2, vec![])]);
        assert!(text.starts_with("shard 1/2 is given twice"), "{text}");
    }

    #[test]
    fn one_whole_report_is_returned_as_it_is() {
        let (name, mut whole) = shard(1, 1, vec![gate("a", GateStatus::Passed)]);
        whole.shard = None;
        let merged = merge(vec![(name.clone(), whole.clone())]).unwrap();
        assert_eq!(merged.gates.len(), 1);
        let text = error_of(vec![(name, whole), shard(1, 2, vec![])]);
        assert!(text.contains("is the report of a whole run"), "{text}");
    }
}
