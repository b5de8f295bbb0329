//! What a push would send, as the ref lines git writes to the pre-push hook: refspecs (globs,
//! `:`), `remote.<name>.push`, `push.default`, `--all`, `--mirror`, `--tags`, `--follow-tags`;
//! the remote's side from a remote-tracking ref only where git itself set it (its reflog), else
//! zeros, and the pre-push hook asks the remote (as for a new branch).

use crate::agent::git_command::PushArgs;
use crate::git::{Oid, Repo};

const ZERO: &str = "0000000000000000000000000000000000000000";

/// Every ref under `prefix`.
fn refs(repo: &Repo, prefix: &str) -> Vec<String> {
    repo.git_text(&["for-each-ref", "--format=%(refname)", prefix])
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The lines git would write to the pre-push hook: `<local ref> <sha> <remote ref> <sha>`;
/// `Err` with the reason to refuse when what is pushed, or where the remote is, cannot be told.
pub fn pushed_refs(
    repo: &Repo,
    remote: &str,
    args: &PushArgs,
    branch: Option<&str>,
) -> Result<String, String> {
    // `git push REMOTE tag NAME` is `refs/tags/NAME:refs/tags/NAME`.
    let mut specs: Vec<String> = Vec::new();
    let mut given = args.refspecs.iter();
    while let Some(spec) = given.next() {
        match (spec.as_str(), given.clone().next()) {
            ("tag", Some(name)) => {
                specs.push(format!("refs/tags/{name}"));
                given.next();
            }
            _ => specs.push(spec.clone()),
        }
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    let same = |r: String| (r.clone(), r);
    if args.mirror {
        pairs.extend(refs(repo, "refs/").into_iter().map(same));
    } else if args.all_branches {
        pairs.extend(refs(repo, "refs/heads/").into_iter().map(same));
    } else if specs.is_empty() && !args.tags {
        let configured = repo
            .git_text(&["config", "--get-all", &format!("remote.{remote}.push")])
            .unwrap_or_default();
        specs.extend(configured.lines().map(str::to_owned));
        if specs.is_empty() {
            match repo.config_value("push.default").as_deref() {
                Some("nothing") => {}
                Some("matching") => specs.push(":".to_owned()),
                Some("current") => specs.extend(branch.map(|b| format!("refs/heads/{b}"))),
                _ => {
                    if let Some(branch) = branch {
                        let upstream = repo
                            .config_value(&format!("branch.{branch}.merge"))
                            .unwrap_or_else(|| format!("refs/heads/{branch}"));
                        pairs.push((format!("refs/heads/{branch}"), upstream));
                    }
                }
            }
        }
    }
    if args.tags {
        pairs.extend(refs(repo, "refs/tags/").into_iter().map(same));
    }
    for spec in &specs {
        pairs.extend(spec_pairs(repo, remote, spec, branch)?);
    }
    if args.follow_tags {
        // Annotated tags that point into what is pushed.
        for (local, _) in pairs.clone() {
            let tags = repo
                .git_text(&[
                    "for-each-ref",
                    "--format=%(objecttype) %(refname)",
                    &format!("--merged={local}"),
                    "refs/tags/",
                ])
                .unwrap_or_default();
            pairs.extend(
                tags.lines()
                    .filter_map(|l| l.strip_prefix("tag "))
                    .map(|t| same(t.to_owned())),
            );
        }
    }
    Ok(lines(repo, remote, pairs))
}

/// The (local ref, remote ref) pairs one refspec pushes.
fn spec_pairs(
    repo: &Repo,
    remote: &str,
    spec: &str,
    branch: Option<&str>,
) -> Result<Vec<(String, String)>, String> {
    let spec = spec.trim_start_matches('+');
    let (source, destination) = spec.split_once(':').unwrap_or((spec, ""));
    if source.contains(['$', '`']) || destination.contains(['$', '`']) {
        return Err(format!(
            "backstop: backstop judges this push before the command runs, and cannot tell what \
             `{spec}` pushes until then. Name the branch or commit literally \
             (`git push {remote} BRANCH`)."
        ));
    }
    let mut pairs = Vec::new();
    if source.is_empty() {
        if destination.is_empty() {
            // `:` pushes the branches the remote has under the same name.
            let prefix = format!("refs/remotes/{remote}/");
            for tracking in refs(repo, &prefix) {
                let name = &tracking[prefix.len()..];
                let local = format!("refs/heads/{name}");
                if name != "HEAD" && repo.commit_id(&local).is_ok() {
                    pairs.push((local.clone(), local));
                }
            }
        }
        return Ok(pairs); // `:branch` deletes: nothing to judge
    }
    if source.contains('*') {
        let pattern = if source.starts_with("refs/") {
            source.to_owned()
        } else {
            format!("refs/heads/{source}")
        };
        let target = if destination.is_empty() {
            pattern.clone()
        } else {
            destination.to_owned()
        };
        let (before, after) = pattern.split_once('*').unwrap_or((&pattern, ""));
        for name in refs(repo, "refs/") {
            if let Some(middle) = name
                .strip_prefix(before)
                .and_then(|rest| rest.strip_suffix(after))
            {
                pairs.push((name.clone(), target.replacen('*', middle, 1)));
            }
        }
        return Ok(pairs);
    }
    let local = match (source, branch) {
        ("HEAD" | "@", Some(b)) => format!("refs/heads/{b}"),
        _ => repo
            .full_ref_name(source)
            .unwrap_or_else(|| source.to_owned()),
    };
    if repo.commit_id(&local).is_err() {
        return Err(format!(
            "backstop: backstop judges this push before the command runs, and `{source}` names \
             no commit here. Check the name (`git branch -a`), then push again."
        ));
    }
    let remote_ref = match destination {
        "" if local.starts_with("refs/") => local.clone(),
        "" => branch.map_or_else(|| "HEAD".to_owned(), |b| format!("refs/heads/{b}")),
        d if d.starts_with("refs/") => d.to_owned(),
        d if local.starts_with("refs/tags/") => format!("refs/tags/{d}"),
        d => format!("refs/heads/{d}"),
    };
    pairs.push((local, remote_ref));
    Ok(pairs)
}

/// The pre-push lines for these pairs, the remote's side of each from where git last saw it.
fn lines(repo: &Repo, remote: &str, mut pairs: Vec<(String, String)>) -> String {
    pairs.sort();
    pairs.dedup();
    let url = repo
        .config_value(&format!("remote.{remote}.url"))
        .unwrap_or_else(|| remote.to_owned());
    let mut lines = String::new();
    for (local, remote_ref) in pairs {
        let Ok(local_id) = repo.commit_id(&local) else {
            continue;
        };
        // A branch the remote has, as git last saw it there; else zeros, and the pre-push
        // hook asks the remote what it has (as for a new branch).
        let remote_id = remote_ref
            .strip_prefix("refs/heads/")
            .and_then(|name| {
                let tracking = format!("refs/remotes/{remote}/{name}");
                trusted_position(repo, &tracking, remote, &url)
            })
            .map_or_else(|| ZERO.to_owned(), |id| id.to_string());
        lines.push_str(&format!("{local} {local_id} {remote_ref} {remote_id}\n"));
    }
    lines
}

/// The newest position of `tracking` that git set by fetching from or pushing to `remote` (its
/// reflog), or `None` when it has none: an agent can move the ref itself (`git update-ref`),
/// and a push judged from there would skip what the remote lacks.
fn trusted_position(repo: &Repo, tracking: &str, remote: &str, url: &str) -> Option<Oid> {
    repo.commit_id(tracking).ok()?;
    let log = repo
        .git_text(&["log", "-g", "--format=%H%x09%gs", tracking, "--"])
        .unwrap_or_default();
    log.lines().find_map(|entry| {
        let (id, subject) = entry.split_once('\t').unwrap_or((entry, ""));
        set_by_git(subject, remote, url)
            .then(|| Oid::from_str(id).ok())
            .flatten()
    })
}

/// Whether a reflog subject is git's own record of a fetch from, a push to, or a clone of
/// `remote`: `update by push`, `clone: from URL`, `fetch [options] [remote ...]: ...`, `pull ...`.
fn set_by_git(subject: &str, remote: &str, url: &str) -> bool {
    if subject == "update by push" || subject.starts_with("clone: from ") {
        return true;
    }
    let Some((command, _)) = subject.split_once(": ") else {
        return false;
    };
    let mut words = command.split_whitespace();
    if !matches!(words.next(), Some("fetch" | "pull")) {
        return false;
    }
    words
        .find(|w| !w.starts_with('-'))
        .is_none_or(|w| w == remote || w == url)
}
