//! The protected gate over the corpus in tests/fixtures/protected: recall on tampering and the
//! false-positive rate on legitimate changes, through the real binary. Run with `--nocapture`
//! to see the figures and every miss.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::TestRepo;

#[derive(serde::Deserialize)]
struct Case {
    description: String,
    language: String,
    kinds: Vec<String>,
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn clear_worktree(root: &Path) {
    for entry in std::fs::read_dir(root).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == ".git" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            std::fs::remove_dir_all(entry.path()).unwrap();
        } else {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
}

/// The finding kinds backstop reports for one case.
fn reported(dir: &Path) -> Vec<String> {
    let repo = TestRepo::new();
    let has_config = dir.join("base/gates.toml").exists();
    copy_tree(&dir.join("base"), &repo.root());
    if !has_config {
        repo.config("[protect]\n");
    }
    repo.commit_all("base");
    clear_worktree(&repo.root());
    if dir.join("target").exists() {
        copy_tree(&dir.join("target"), &repo.root());
    }
    if !has_config {
        repo.config("[protect]\n");
    }
    let (run, report) = repo.report(&["run", "--gate", "protected"]);
    assert!(
        matches!(run.code(), 0 | 1),
        "{}: exit {}\n{}",
        dir.display(),
        run.code(),
        run.stderr()
    );
    let mut kinds: Vec<String> = report["protected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.dedup();
    kinds
}

/// Recall, false-positive rate and case count over one corpus directory, printing every miss.
fn measure(corpus: &str) -> (f64, f64, usize, Vec<String>) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(corpus);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.toml").exists())
        .collect();
    dirs.sort();
    let (mut tampering, mut caught, mut legitimate, mut false_positives) = (0, 0, 0, 0);
    // Cases 126 to 333 (issue 17: tampering around the tests, fixed before tuning) and 334 on
    // (written after tuning, from probing), also measured on their own.
    let mut groups: BTreeMap<&str, (u32, u32, u32, u32)> = BTreeMap::new();
    let mut per_language: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut misses = Vec::new();
    for dir in &dirs {
        let case: Case =
            toml::from_str(&std::fs::read_to_string(dir.join("case.toml")).unwrap()).unwrap();
        let kinds = reported(dir);
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let number = name
            .split('-')
            .next()
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0);
        let group = match number {
            _ if corpus != "protected" => None,
            126..=333 => Some("cases 126-333 (around the tests, fixed before tuning)"),
            334.. => Some("cases 334+ (around the tests, written after tuning)"),
            _ => None,
        };
        let mut tally = |k: usize| {
            if let Some(g) = group {
                let e = groups.entry(g).or_default();
                match k {
                    0 => e.0 += 1,
                    1 => e.1 += 1,
                    2 => e.2 += 1,
                    _ => e.3 += 1,
                }
            }
        };
        let entry = per_language.entry(case.language.clone()).or_default();
        entry.0 += 1;
        if case.kinds.is_empty() {
            legitimate += 1;
            tally(2);
            if kinds.is_empty() {
                entry.1 += 1;
            } else {
                false_positives += 1;
                tally(3);
                misses.push(format!(
                    "FALSE POSITIVE {name} ({}): reported {kinds:?}",
                    case.description
                ));
            }
        } else {
            tampering += 1;
            tally(0);
            if case.kinds.iter().all(|k| kinds.contains(k)) {
                caught += 1;
                tally(1);
                entry.1 += 1;
            } else {
                misses.push(format!(
                    "MISSED {name} ({}): expected {:?}, reported {kinds:?}",
                    case.description, case.kinds
                ));
            }
        }
    }
    let recall = f64::from(caught) / f64::from(tampering.max(1));
    let fp_rate = f64::from(false_positives) / f64::from(legitimate.max(1));
    println!(
        "{corpus}: {} cases ({tampering} tampering, {legitimate} legitimate)",
        dirs.len()
    );
    println!(
        "recall {:.1}% ({caught}/{tampering}), false positives {:.1}% ({false_positives}/{legitimate})",
        recall * 100.0,
        fp_rate * 100.0
    );
    for (group, (t, c, l, f)) in &groups {
        println!(
            "  {group}: recall {:.1}% ({c}/{t}), false positives {:.1}% ({f}/{l})",
            f64::from(*c) * 100.0 / f64::from((*t).max(1)),
            f64::from(*f) * 100.0 / f64::from((*l).max(1))
        );
    }
    for (language, (total, right)) in &per_language {
        println!("  {language:<8} {right}/{total} right");
    }
    for miss in &misses {
        println!("  {miss}");
    }
    (recall, fp_rate, dirs.len(), misses)
}

#[test]
fn corpus_recall_and_false_positive_rate_meet_the_targets() {
    let (recall, fp_rate, cases, misses) = measure("protected");
    assert!(
        cases >= 205,
        "the corpus needs its 125 first cases and at least 80 of round two"
    );
    assert!(
        recall >= 0.95,
        "recall {recall:.3} is under 95%:\n{}",
        misses.join("\n")
    );
    assert!(
        fp_rate <= 0.05,
        "false-positive rate {fp_rate:.3} is over 5%:\n{}",
        misses.join("\n")
    );
}

/// The held-out corpus was written without seeing the engine; its blind figures (85.7%
/// recall, 10.5% false positives) are in the README. It must stay at the targets (issue 17).
#[test]
fn held_out_corpus_does_not_regress() {
    let (recall, fp_rate, _, misses) = measure("protected-holdout");
    assert!(
        recall >= 0.95,
        "held-out recall {recall:.3} fell:\n{}",
        misses.join("\n")
    );
    assert!(
        fp_rate <= 0.05,
        "held-out false positives {fp_rate:.3} rose:\n{}",
        misses.join("\n")
    );
}
