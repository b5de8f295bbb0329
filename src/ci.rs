//! What the CI system says a `backstop ci` run is about: the base the change merges into and
//! the commit the run was started for (SPEC §1 ci).
//!
//! The pushed commit controls its own gates.toml (`settings.base`) and the agent that made it
//! may have moved refs (`refs/remotes/origin/main`), so neither may choose the base in CI: an
//! empty range would judge nothing and pass. The base comes from the CI system (GitHub Actions'
//! event, GitLab's merge request variables), else from `--base`; `settings.base` only outside
//! CI. `HEAD` must be the commit the CI system runs for, and an empty range is an error.

use anyhow::Result;
use serde_json::Value;

use crate::error::usage;
use crate::git::{Oid, Repo};
use crate::snapshot::{FileSelection, Snapshot};
use crate::trigger::Trigger;

/// The event payload is read bounded, like every input backstop does not control.
const EVENT_LIMIT: u64 = 64 * 1024 * 1024;

/// What a CI system tells about this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiRun {
    /// The CI system, for messages.
    pub system: &'static str,
    /// The base it names (a commit id, or a ref of the clone), when this kind of run has one.
    pub base: Option<String>,
    /// Where the base came from, for messages.
    pub base_from: String,
    /// Commits `HEAD` may be: the commit the run is for, or the change's head. Empty: unknown.
    pub heads: Vec<String>,
    /// The repository's default branch, when the CI system says (the base of last resort).
    pub default_branch: Option<String>,
}

/// The remote-tracking ref of a branch of `origin`, named in full: never a tag or a local
/// branch of the same name (`Repo::commit_id`).
fn tracking(branch: &str) -> String {
    format!("refs/remotes/origin/{branch}")
}

/// Whether backstop runs in CI: `CI` is set (GitHub Actions, GitLab, `CircleCI`, Travis,
/// Buildkite, Azure Pipelines' `TF_BUILD`, Jenkins' `JENKINS_URL`...).
pub fn in_ci(env: &dyn Fn(&str) -> Option<String>) -> bool {
    let set = |key: &str| env(key).is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
    set("CI") || set("TF_BUILD") || set("JENKINS_URL") || set("GITHUB_ACTIONS") || set("GITLAB_CI")
}

/// The CI system this runs in, when backstop knows it; `Err` when it is known but what it says
/// cannot be read (a missing event payload).
pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<CiRun>> {
    let is = |key: &str| env(key).as_deref() == Some("true");
    if is("GITHUB_ACTIONS") {
        return github(env).map(Some);
    }
    if is("GITLAB_CI") {
        return Ok(Some(gitlab(env)));
    }
    Ok(None)
}

/// The process's environment, as `detect` and `in_ci` read it.
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

fn non_zero(sha: Option<&str>) -> Option<String> {
    sha.filter(|s| !s.is_empty() && !s.bytes().all(|b| b == b'0'))
        .map(str::to_owned)
}

/// GitHub Actions: the event payload names the base of a pull request, a merge group or a
/// push; `GITHUB_SHA` the commit the run is for.
fn github(env: &dyn Fn(&str) -> Option<String>) -> Result<CiRun> {
    let event_name = env("GITHUB_EVENT_NAME").unwrap_or_default();
    let path = env("GITHUB_EVENT_PATH").filter(|p| !p.is_empty()).ok_or_else(|| {
        usage(
            "GITHUB_ACTIONS is set but GITHUB_EVENT_PATH is not, so the base of this run is unknown",
            "run backstop ci as a step of the workflow (the runner sets GITHUB_EVENT_PATH)",
        )
    })?;
    let bytes = crate::fsio::read_regular(std::path::Path::new(&path), EVENT_LIMIT)
        .map_err(|e| usage(format!("cannot read the GitHub event payload: {e}"), "run backstop ci as a step of the workflow; no earlier step may replace $GITHUB_EVENT_PATH"))?;
    let event: Value = serde_json::from_slice(&bytes).map_err(|e| {
        usage(
            format!("the GitHub event payload {path} is not JSON: {e}"),
            "no earlier step of the job may rewrite $GITHUB_EVENT_PATH",
        )
    })?;
    let text = |pointer: &str| event.pointer(pointer).and_then(Value::as_str);
    let mut heads: Vec<String> = env("GITHUB_SHA").into_iter().collect();
    let (base, base_from) = if let Some(base) = text("/pull_request/base/sha") {
        heads.extend(text("/pull_request/head/sha").map(str::to_owned));
        (
            Some(base.to_owned()),
            format!("the pull request's base commit (GitHub event `{event_name}`)"),
        )
    } else if let Some(base) = text("/merge_group/base_sha") {
        heads.extend(text("/merge_group/head_sha").map(str::to_owned));
        (
            Some(base.to_owned()),
            "the merge group's base commit (GitHub event `merge_group`)".to_owned(),
        )
    } else if event_name == "push" {
        heads.extend(text("/after").map(str::to_owned));
        let default = text("/repository/default_branch");
        let to_default = default.is_some_and(|d| text("/ref") == Some(&format!("refs/heads/{d}")));
        match (non_zero(text("/before")), default) {
            // A push to the default branch: what it added there.
            (Some(before), Some(_)) if to_default => (
                Some(before),
                "the commit before the push (GitHub event `push` to the default branch)".to_owned(),
            ),
            // Any other branch: everything it would bring to the default branch, never only
            // what this push added (an earlier push's violation would pass unseen).
            (_, Some(default)) => (
                Some(tracking(default)),
                format!("the default branch `{default}` (GitHub event `push` to another branch)"),
            ),
            (_, None) => (None, String::new()),
        }
    } else {
        (None, String::new())
    };
    Ok(CiRun {
        system: "GitHub Actions",
        default_branch: text("/repository/default_branch").map(str::to_owned),
        base,
        base_from: if base_from.is_empty() {
            format!("GitHub event `{event_name}`")
        } else {
            base_from
        },
        heads,
    })
}

/// GitLab CI: a merge request pipeline's diff base; for a branch pipeline, the commit before
/// the push on the default branch, and the default branch for any other branch.
fn gitlab(env: &dyn Fn(&str) -> Option<String>) -> CiRun {
    let heads: Vec<String> = env("CI_COMMIT_SHA").into_iter().collect();
    let default = env("CI_DEFAULT_BRANCH").filter(|d| !d.is_empty());
    let branch = env("CI_COMMIT_BRANCH").filter(|b| !b.is_empty());
    let (base, base_from) = if let Some(base) =
        non_zero(env("CI_MERGE_REQUEST_DIFF_BASE_SHA").as_deref())
    {
        (
            Some(base),
            "the merge request's diff base (CI_MERGE_REQUEST_DIFF_BASE_SHA)".to_owned(),
        )
    } else {
        match (&branch, &default) {
            (Some(branch), Some(default)) if branch == default => {
                match non_zero(env("CI_COMMIT_BEFORE_SHA").as_deref()) {
                    Some(before) => (
                        Some(before),
                        "the commit before the push to the default branch (CI_COMMIT_BEFORE_SHA)"
                            .to_owned(),
                    ),
                    None => (
                        None,
                        "this pipeline (the default branch, no earlier commit)".to_owned(),
                    ),
                }
            }
            (Some(_), Some(default)) => (
                Some(tracking(default)),
                format!("the default branch `{default}` (CI_DEFAULT_BRANCH; a branch pipeline)"),
            ),
            _ => (
                None,
                "this pipeline (no merge request, no branch and default branch)".to_owned(),
            ),
        }
    };
    CiRun {
        system: "GitLab CI",
        base,
        base_from,
        heads,
        default_branch: default,
    }
}

/// The default branch as the clone has it, for a CI run that names no base: what the CI
/// system says, else `refs/remotes/origin/HEAD` (which `git clone` sets from the remote).
fn default_branch_base(repo: &Repo, run: Option<&CiRun>) -> Option<(String, String)> {
    if let Some(branch) = run.and_then(|r| r.default_branch.clone()) {
        let from = format!(
            "the default branch `{branch}` ({} names no base for {})",
            run.map_or("the CI system", |r| r.system),
            run.map_or(String::new(), |r| r.base_from.clone())
        );
        return Some((tracking(&branch), from));
    }
    let target = repo.symbolic_target("refs/remotes/origin/HEAD")?;
    Some((
        target.clone(),
        format!("the remote's default branch ({target}, from refs/remotes/origin/HEAD)"),
    ))
}

/// The snapshot `backstop ci` judges: `HEAD` against the merge-base of the base the CI system
/// names (else `--base`, else, outside CI only, `settings.base`). `HEAD` must be the commit the
/// CI system runs for; an empty range is an error (with `--all-files`, every file is judged
/// whatever the range, and in CI without any base there is none).
pub fn snapshot(
    repo: &Repo,
    files: &FileSelection,
    flag: Option<&str>,
    setting: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Snapshot> {
    if let FileSelection::Range { .. } = files {
        return crate::snapshot::resolve(repo, Trigger::Ci, files, flag.unwrap_or(setting));
    }
    let head = repo.head().ok_or_else(|| {
        usage(
            "HEAD has no commit yet",
            "commit something before running the ci gates",
        )
    })?;
    let run = detect(env)?;
    if let Some(run) = &run {
        check_head(repo, run, head)?;
    }
    let all_files_base = matches!(files, FileSelection::AllFiles)
        .then(|| default_branch_base(repo, run.as_ref()))
        .flatten();
    let (rev, from) = match (run.as_ref().and_then(|r| r.base.clone()), flag) {
        (Some(base), flag) => {
            let from = run
                .as_ref()
                .map(|r| r.base_from.clone())
                .unwrap_or_default();
            if let Some(flag) = flag
                && let (Ok(named), Ok(given)) = (repo.commit_id(&base), repo.commit_id(flag))
                && repo.merge_base(named, head).ok() != repo.merge_base(given, head).ok()
            {
                eprintln!(
                    "warning: --base {flag} is not where this change starts; the CI system names {from}, which is used"
                );
            }
            (base, from)
        }
        (None, Some(flag)) => (flag.to_owned(), "--base".to_owned()),
        // Every file is judged, and gates.toml still against the branch the change would
        // merge into: without a base nothing could tell a weakened config from the old one.
        (None, None)
            if in_ci(env)
                && let Some(found) = all_files_base.clone() =>
        {
            found
        }
        (None, None) if in_ci(env) => {
            if matches!(files, FileSelection::AllFiles) {
                return Err(usage(
                    "backstop ci --all-files in CI still judges gates.toml against the branch the change merges into, and no default branch is known here (no base from the CI system, no refs/remotes/origin/HEAD)",
                    "pass --base with the branch this change merges into (e.g. --base refs/remotes/origin/main)",
                ));
            }
            let which = run.as_ref().map_or_else(
                || {
                    "this CI system is not one backstop reads (GitHub Actions, GitLab CI)"
                        .to_owned()
                },
                |r| format!("{} names no base for {}", r.system, r.base_from),
            );
            return Err(usage(
                format!(
                    "backstop ci in CI takes the base from the CI system, and {which}; it never takes it from the pushed gates.toml"
                ),
                "pass --base with the commit or branch this change merges into, from your CI system's variables (docs/ci.md lists them), or judge every file with --all-files",
            ));
        }
        (None, None) => (setting.to_owned(), "settings.base".to_owned()),
    };
    let base = repo.commit_id(&rev).map_err(|e| {
        if let Some(ambiguous) = e.downcast_ref::<crate::git::AmbiguousRef>() {
            return usage(
                format!("{} (the base: {from})", ambiguous.message),
                ambiguous.hint.clone(),
            );
        }
        // The fix depends on who named the base: a CI system's base is fetched, never
        // replaced by --base (which it overrides).
        let hint = if run.as_ref().is_some_and(|r| r.base.is_some()) {
            match rev.strip_prefix("refs/remotes/origin/") {
                Some(branch) => format!(
                    "fetch the whole history and the base branch: actions/checkout with fetch-depth: 0 (GitLab: GIT_DEPTH: 0), then `git fetch origin {branch}`"
                ),
                None => "fetch the whole history so the base commit is in the clone: actions/checkout with fetch-depth: 0 (GitLab: GIT_DEPTH: 0); after a force push the old commit may be gone from the remote".to_owned(),
            }
        } else if from == "--base" {
            "fetch the base branch (e.g. `git fetch origin main`; actions/checkout with fetch-depth: 0), or pass --base with a ref that exists here".to_owned()
        } else {
            "fetch the base branch (e.g. `git fetch origin main`; actions/checkout with fetch-depth: 0), or pass --base REF".to_owned()
        };
        usage(format!("{e} (the base: {from})"), hint)
    })?;
    let merge_base = repo.merge_base(base, head).map_err(|e| {
        usage(
            e.to_string(),
            "fetch more history (actions/checkout with fetch-depth: 0, or `git fetch --unshallow`)",
        )
    })?;
    if merge_base == head && !matches!(files, FileSelection::AllFiles) {
        return Err(usage(
            format!(
                "the range to judge is empty: HEAD {} is already contained in the base `{rev}` ({from}), so no change would be judged",
                &head.to_string()[..12]
            ),
            "pass --base with the branch this change merges into (a ref the change cannot move), or judge every file with --all-files",
        ));
    }
    Snapshot::of_commit(repo, Trigger::Ci, Some(merge_base), head, files)
}

/// `HEAD` must be a commit the CI system says this run is for: a job that checked out
/// something else (or had it moved by an earlier step) would judge the wrong commit.
fn check_head(repo: &Repo, run: &CiRun, head: Oid) -> Result<()> {
    if run.heads.is_empty() {
        return Ok(());
    }
    let matches = run
        .heads
        .iter()
        .any(|h| repo.commit_id(h).is_ok_and(|id| id == head));
    if matches {
        return Ok(());
    }
    Err(usage(
        format!(
            "HEAD {} is not the commit {} runs for ({})",
            head,
            run.system,
            run.heads.join(" or ")
        ),
        "check out the commit the CI run is for (actions/checkout does), and let no earlier step move HEAD",
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |key| map.get(key).cloned()
    }

    fn github_with(event_name: &str, payload: &Value) -> CiRun {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event.json");
        std::fs::write(&path, payload.to_string()).unwrap();
        let env = env_of(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", event_name),
            ("GITHUB_EVENT_PATH", path.to_str().unwrap()),
            ("GITHUB_SHA", "merge"),
        ]);
        detect(&env).unwrap().unwrap()
    }

    #[test]
    fn github_names_the_base_of_pull_requests_merge_groups_and_pushes() {
        let pr = github_with(
            "pull_request",
            &serde_json::json!({"pull_request": {"base": {"sha": "b1"}, "head": {"sha": "h1"}}}),
        );
        assert_eq!(pr.base.as_deref(), Some("b1"));
        assert_eq!(pr.heads, ["merge", "h1"]);
        let queue = github_with(
            "merge_group",
            &serde_json::json!({"merge_group": {"base_sha": "b2", "head_sha": "h2"}}),
        );
        assert_eq!(queue.base.as_deref(), Some("b2"));
        let push = github_with(
            "push",
            &serde_json::json!({"ref": "refs/heads/main", "before": "b3", "after": "h3", "repository": {"default_branch": "main"}}),
        );
        assert_eq!(push.base.as_deref(), Some("b3"));
        let new_branch = github_with(
            "push",
            &serde_json::json!({"before": "0000000000000000000000000000000000000000", "after": "h4", "repository": {"default_branch": "trunk"}}),
        );
        assert_eq!(
            new_branch.base.as_deref(),
            Some("refs/remotes/origin/trunk")
        );
        let feature = github_with(
            "push",
            &serde_json::json!({"ref": "refs/heads/topic", "before": "b5", "after": "h5", "repository": {"default_branch": "main"}}),
        );
        assert_eq!(feature.base.as_deref(), Some("refs/remotes/origin/main"));
        let manual = github_with("workflow_dispatch", &serde_json::json!({"inputs": {}}));
        assert_eq!(manual.base, None);
    }

    #[test]
    fn github_without_its_payload_is_an_error_and_gitlab_reads_its_variables() {
        let env = env_of(&[("GITHUB_ACTIONS", "true")]);
        assert!(detect(&env).is_err());
        let env = env_of(&[
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_SHA", "h"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "b"),
            (
                "CI_COMMIT_BEFORE_SHA",
                "0000000000000000000000000000000000000000",
            ),
        ]);
        let run = detect(&env).unwrap().unwrap();
        assert_eq!(
            (run.base.as_deref(), run.heads),
            (Some("b"), vec!["h".to_owned()])
        );
        let env = env_of(&[("GITLAB_CI", "true"), ("CI_COMMIT_BEFORE_SHA", "0000")]);
        assert_eq!(detect(&env).unwrap().unwrap().base, None);
        assert_eq!(detect(&env_of(&[("CI", "true")])).unwrap(), None);
        assert!(in_ci(&env_of(&[("CI", "true")])));
        assert!(!in_ci(&env_of(&[("CI", "false")])));
        assert!(!in_ci(&env_of(&[])));
    }
}
