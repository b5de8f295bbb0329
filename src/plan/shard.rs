//! CI shards (`backstop ci --shard I/N`): each of N runners runs a deterministic, disjoint
//! share of the planned gates, and together they run all of them. Gates are assigned longest
//! first to the least loaded shard (durations from an earlier report when given; an unknown
//! one counts as the median of the known), ties broken by plan order, so every runner computes
//! the same assignment from the same plan. A gate whose `run` names `BACKSTOP_SHARD` shards
//! itself (Playwright `--shard`, nextest `--partition`, pytest plugins): it runs on every shard
//! with `BACKSTOP_SHARD=I/N`; every other gate sees `1/1`, as in an unsharded run, so a script
//! that shards itself never drops tests when it runs on one shard only.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use super::{Action, Plan};

/// The variable that tells a gate which shard it runs on.
pub const VARIABLE: &str = "BACKSTOP_SHARD";

/// One shard of N: `index` counts from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 1.
    pub index: usize,
    /// How many shards.
    pub total: usize,
}

impl Shard {
    /// The whole run: what an unsharded run tells its gates.
    pub const WHOLE: Shard = Shard { index: 1, total: 1 };
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `I/N` with 1 <= I <= N.
    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("`{text}` is not a shard: write I/N, like 2/4 (from 1 to N)");
        let (index, total) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: usize = index.trim().parse().map_err(|_| bad())?;
        let total: usize = total.trim().parse().map_err(|_| bad())?;
        if index == 0 || total == 0 || index > total {
            return Err(bad());
        }
        Ok(Shard { index, total })
    }
}

/// A shard to run, and the durations (milliseconds, by gate name) that balance the shards.
#[derive(Debug, Clone)]
pub struct Sharding {
    /// This runner's shard.
    pub shard: Shard,
    /// Earlier durations by gate name; gates not named count as the median of these.
    pub durations: HashMap<String, u64>,
}

/// What a shard's plan says about the whole run, so that the reports of all shards can be
/// merged and checked for completeness.
#[derive(Debug, Clone)]
pub struct ShardPlan {
    /// This shard.
    pub shard: Shard,
    /// Every gate the whole run planned, in plan order.
    pub planned: Vec<String>,
    /// The gates that shard themselves (they run on every shard).
    pub every: Vec<String>,
    /// A digest of the whole run's plan ([`digest`]): shards merge only when theirs agree.
    pub digest: String,
}

/// What decides who runs what and how, hashed: each gate's name, command and action (for a
/// job: its definition, files relative to the root, cwd, timeout and environment; a skip's
/// reason), and the durations that balanced the shards. Shards run with different gates.toml
/// files, `--all-files` or `--durations` differ here.
fn digest(plan: &Plan, durations: &HashMap<String, u64>) -> String {
    let mut text = String::new();
    for gate in &plan.gates {
        text.push_str(&format!("gate {:?} {:?}\n", gate.name, gate.command));
        match &gate.action {
            Action::Run(job) => {
                let relative = |path: &std::path::Path| {
                    path.strip_prefix(&job.root)
                        .unwrap_or(path)
                        .display()
                        .to_string()
                };
                text.push_str(&format!(
                    "run {:?} cwd {:?} timeout {:?} env {:?} pass_files {}\n",
                    job.definition,
                    relative(&job.cwd),
                    job.timeout,
                    job.env,
                    job.pass_files
                ));
                for file in &job.files {
                    text.push_str(&format!("file {:?}\n", relative(file)));
                }
            }
            Action::Protect(_) => text.push_str("protect\n"),
            Action::Skip(reason) => text.push_str(&format!("skip {reason:?}\n")),
        }
    }
    let mut durations: Vec<(&String, &u64)> = durations.iter().collect();
    durations.sort();
    for (name, ms) in durations {
        text.push_str(&format!("duration {name:?} {ms}\n"));
    }
    crate::git::blob_id(text.as_bytes())
}

/// The durations (milliseconds, by gate name) of the gates that ran in a JSON report: passed,
/// failed or timed out (a cached or skipped gate's time says nothing about its cost).
pub fn durations_from(report: &[u8]) -> Result<HashMap<String, u64>, String> {
    let value: serde_json::Value =
        serde_json::from_slice(report).map_err(|e| format!("not a JSON report ({e})"))?;
    let gates = value["gates"]
        .as_array()
        .ok_or("not a backstop JSON report (no `gates`)")?;
    Ok(gates
        .iter()
        .filter(|g| {
            matches!(
                g["status"].as_str(),
                Some("passed" | "failed" | "timed_out")
            )
        })
        .filter_map(|g| Some((g["name"].as_str()?.to_owned(), g["duration_ms"].as_u64()?)))
        .collect())
}

impl Plan {
    /// This shard's share of the plan. Orderings (`after`) on gates of other shards are
    /// dropped: on another machine they order nothing.
    #[must_use]
    pub fn shard(mut self, sharding: &Sharding) -> Plan {
        let Sharding { shard, durations } = sharding;
        let digest = digest(&self, durations);
        let every: Vec<bool> = self
            .gates
            .iter()
            .map(|g| g.command.contains(VARIABLE))
            .collect();
        let costs: Vec<Option<u64>> = self
            .gates
            .iter()
            .map(|g| durations.get(&g.name).copied())
            .collect();
        let owner = assign(&costs, &every, shard.total);
        let planned: Vec<String> = self.gates.iter().map(|g| g.name.clone()).collect();
        let kept: Vec<bool> = (0..self.gates.len())
            .map(|i| every[i] || owner[i] == shard.index)
            .collect();
        // Old index → new index, for `after`.
        let mut renumber = vec![None; kept.len()];
        let mut next = 0;
        for (i, keep) in kept.iter().enumerate() {
            if *keep {
                renumber[i] = Some(next);
                next += 1;
            }
        }
        let gates = std::mem::take(&mut self.gates);
        self.gates = gates
            .into_iter()
            .zip(&kept)
            .filter(|(_, keep)| **keep)
            .map(|(mut gate, _)| {
                gate.after = gate.after.iter().filter_map(|d| renumber[*d]).collect();
                if let (Action::Run(job), true) =
                    (&mut gate.action, gate.command.contains(VARIABLE))
                {
                    job.env.push((VARIABLE.to_owned(), shard.to_string()));
                    // A self-sharded pass covers its share only: never a pass of another.
                    job.definition.push_str(&format!("\nshard {shard}"));
                }
                gate
            })
            .collect();
        self.shard = Some(ShardPlan {
            shard: *shard,
            every: planned
                .iter()
                .zip(&every)
                .filter(|(_, e)| **e)
                .map(|(n, _)| n.clone())
                .collect(),
            planned,
            digest,
        });
        self
    }
}

/// The shard (from 1) of each gate: longest first onto the shard with the least time (then
/// the fewest gates, then the lowest index). Unknown costs count as the median of the known.
/// Gates that shard themselves run everywhere and are left out (their owner is 0).
fn assign(costs: &[Option<u64>], every: &[bool], total: usize) -> Vec<usize> {
    let mut known: Vec<u64> = costs
        .iter()
        .zip(every)
        .filter(|(_, e)| !**e)
        .filter_map(|(c, _)| *c)
        .collect();
    known.sort_unstable();
    let default = known.get(known.len() / 2).copied().unwrap_or(1);
    let mut order: Vec<usize> = (0..costs.len()).filter(|i| !every[*i]).collect();
    // Stable: equal costs keep plan order.
    order.sort_by_key(|i| std::cmp::Reverse(costs[*i].unwrap_or(default)));
    let mut load = vec![(0u64, 0usize); total];
    let mut owner = vec![0; costs.len()];
    for i in order {
        let (shard, _) = load
            .iter()
            .enumerate()
            .min_by_key(|(k, l)| (**l, *k))
            .expect("at least one shard");
        // Durations come from a report file: `u64::MAX` twice must not overflow.
        load[shard].0 = load[shard].0.saturating_add(costs[i].unwrap_or(default));
        load[shard].1 += 1;
        owner[i] = shard + 1;
    }
    owner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_from_one_to_n() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, total: 4 }));
        assert_eq!("1/1".parse(), Ok(Shard::WHOLE));
        for bad in ["0/4", "5/4", "1/0", "2", "a/b", "-1/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(Shard { index: 3, total: 8 }.to_string(), "3/8");
    }

    #[test]
    fn without_durations_gates_go_round_robin_in_plan_order() {
        let owner = assign(&[None; 7], &[false; 7], 3);
        assert_eq!(owner, [1, 2, 3, 1, 2, 3, 1]);
    }

    #[test]
    fn the_longest_go_first_to_the_least_loaded_shard() {
        // 10 alone; 6 + 4 together; the rest by time, then count.
        let costs = [Some(1), Some(10), Some(6), Some(4), Some(1), Some(1)];
        let owner = assign(&costs, &[false; 6], 2);
        let mut load = [0; 2];
        for (cost, shard) in costs.iter().zip(&owner) {
            load[shard - 1] += cost.unwrap();
        }
        assert_eq!(owner[1], 1, "the longest goes first, to shard 1");
        assert_eq!(owner[2], 2);
        assert_eq!(owner[3], 2);
        assert_eq!(load, [12, 11]);
    }

    #[test]
    fn unknown_durations_count_as_the_median_and_self_sharding_gates_are_everywhere() {
        let costs = [Some(100), None, Some(1), Some(2), None];
        let every = [false, false, false, false, true];
        let owner = assign(&costs, &every, 2);
        assert_eq!(owner[4], 0, "runs on every shard");
        assert_eq!(owner[0], 1);
        // The unknown gate counts 2 (the median of 1, 2, 100): it goes next, to shard 2.
        assert_eq!(owner[1], 2);
        let again = assign(&costs, &every, 2);
        assert_eq!(owner, again, "deterministic");
    }

    /// Review B7: two `u64::MAX` durations on one shard overflowed (a panic in debug builds).
    #[test]
    fn huge_durations_do_not_overflow() {
        assert_eq!(
            assign(
                &[Some(u64::MAX), Some(u64::MAX), Some(u64::MAX)],
                &[false; 3],
                2
            ),
            [1, 2, 1]
        );
    }

    #[test]
    fn durations_are_read_from_gates_that_ran() {
        let report = br#"{"gates": [
            {"name": "a", "status": "passed", "duration_ms": 1200},
            {"name": "b", "status": "cached", "duration_ms": 0},
            {"name": "c", "status": "timed_out", "duration_ms": 600000},
            {"name": "d", "status": "skipped", "duration_ms": 0}
        ]}"#;
        let durations = durations_from(report).unwrap();
        assert_eq!(durations.len(), 2);
        assert_eq!(durations["a"], 1200);
        assert_eq!(durations["c"], 600_000);
        assert!(durations_from(b"{}").is_err());
        assert!(durations_from(b"not json").is_err());
    }

    #[test]
    fn every_gate_has_exactly_one_shard_whatever_n() {
        let costs: Vec<Option<u64>> = (0..12)
            .map(|i| (i % 3 != 0).then_some(i * 37 % 11))
            .collect();
        for total in 1..=13 {
            let owner = assign(&costs, &[false; 12], total);
            assert!(owner.iter().all(|o| (1..=total).contains(o)), "{owner:?}");
        }
    }
}
