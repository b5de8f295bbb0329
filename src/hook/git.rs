//! `backstop hook git <name>`: the chained hook first, then the gates of that trigger on
//! exactly what git is about to commit or push.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::config::GatesConfig;
use crate::error::{EXIT_OK, usage};
use crate::git::{Oid, Repo};
use crate::install::git::chained_path;
use crate::pipeline::{self, GateInputs, GatesSee};
use crate::plan::Plan;
use crate::runner::signals;
use crate::setaside::{self, SetAside, Snapshot, WorktreeLock};
use crate::settings::{GlobalOptions, RunSettings, Workspace};
use crate::trigger::{GitHook, Trigger};

/// Runs `hook` with git's arguments; returns the exit status for git.
pub fn run(global: &GlobalOptions, hook: GitHook, args: &[OsString]) -> Result<u8> {
    signals::install()?;
    let stdin = if hook == GitHook::PrePush {
        pushed_from_pre_commit(read_stdin()?)
    } else {
        Vec::new()
    };
    let workspace = Workspace::open(global)?;
    setaside::refuse_if_interrupted(&workspace.repo)?;
    let chained = run_chained(&workspace.repo, hook, args, &stdin)?;
    if chained != EXIT_OK {
        return Ok(chained);
    }
    let inputs = GateInputs {
        from_hook: true,
        ..GateInputs::default()
    };
    match hook {
        GitHook::PreCommit | GitHook::PreMergeCommit => pre_commit(&workspace, global, inputs),
        GitHook::CommitMsg => commit_msg(&workspace, global, inputs, args),
        GitHook::PrePush => pre_push(&workspace, global, &inputs, &stdin, args),
    }
}

/// Judges the message file (the gates get it as `$1`) with the staged gates.toml.
fn commit_msg(
    workspace: &Workspace,
    global: &GlobalOptions,
    inputs: GateInputs,
    args: &[OsString],
) -> Result<u8> {
    let repo = &workspace.repo;
    let config = config_for(workspace, crate::git::SmallFileAt::Staged, "staged")?;
    let settings = RunSettings::for_hook(workspace, &config, global, Trigger::CommitMsg)?;
    let message = args
        .first()
        .map(|m| workspace.cwd.join(m))
        .context("git passes commit-msg the message file")?;
    let snapshot = crate::snapshot::resolve(
        repo,
        Trigger::CommitMsg,
        &settings.files,
        &settings.base_ref,
    )?;
    let inputs = GateInputs {
        args: vec![message.into_os_string()],
        ..inputs
    };
    let report = pipeline::run(repo, &config, &settings, snapshot, inputs)?;
    pipeline::finish(&report, &settings)
}

/// The config a snapshot is judged by: the one it contains (staged, or in the pushed commit;
/// `label` names it), so an uncommitted edit cannot change the verdict; else the worktree's.
/// None at all blocks: deleting the config must not be a way past the gates.
fn config_for(
    workspace: &Workspace,
    at: crate::git::SmallFileAt<'_>,
    label: &str,
) -> Result<GatesConfig> {
    if let Some(config) = workspace.stored_config(at, label)? {
        return Ok(config);
    }
    if !workspace.config_path.exists() {
        return Err(usage(
            format!("the hook found no {}", workspace.config_path.display()),
            "restore gates.toml (git checkout -- gates.toml), or remove the hooks with `backstop uninstall --git`",
        ));
    }
    workspace.load_config()
}

fn pre_commit(workspace: &Workspace, global: &GlobalOptions, inputs: GateInputs) -> Result<u8> {
    let started = Instant::now();
    let repo = &workspace.repo;
    let config = &config_for(workspace, crate::git::SmallFileAt::Staged, "staged")?;
    let settings = &RunSettings::for_hook(workspace, config, global, Trigger::PreCommit)?;
    let snapshot = crate::snapshot::resolve(
        repo,
        Trigger::PreCommit,
        &settings.files,
        &settings.base_ref,
    )?;
    let plan = pipeline::plan(repo, config, settings, snapshot, repo.root())?;
    if plan.runs_nothing() {
        let report = pipeline::judge(repo, &plan, settings, inputs, started)?;
        return pipeline::finish(&report, settings);
    }
    let _lock = WorktreeLock::acquire(&setaside::area(repo))?;
    let committed = plan.snapshot.paths();
    let _ = repo.take_stat_pass();
    // Without untracked files to hide, the index's stat data says which files to look at
    // (none, for a clean tree); libgit2's index is loaded only when something needs it.
    let (changes, index) = if config.settings.hide_untracked {
        let index = repo.index()?;
        (
            repo.worktree_changes(&index, true, &committed)?,
            Some(index),
        )
    } else {
        repo.unstaged_changes(&committed)?
    };
    let (untracked, tracked): (Vec<_>, Vec<_>) = changes.into_iter().partition(|c| c.untracked);
    let tracked: Vec<PathBuf> = tracked.into_iter().map(|c| c.path).collect();
    // A committed path behind a directory that is now a symlink cannot be shown to the gates
    // as committed; failing closed is the only safe verdict.
    if let Some(path) = committed
        .iter()
        .find(|p| setaside::behind_symlink(repo.root(), p))
    {
        return Err(usage(
            format!(
                "{} is part of the commit, but a directory on its path is a symlink in the worktree",
                path.display()
            ),
            "replace the symlink with the real directory (or commit the symlink instead), then commit again",
        ));
    }
    let untracked: Vec<PathBuf> = untracked.into_iter().map(|c| c.path).collect();
    if global.verbose > 0 {
        say_how_unstaged_work_was_found(repo, tracked.len() + untracked.len());
    }
    let mut index = index;
    let aside = if tracked.is_empty() && untracked.is_empty() {
        None
    } else {
        let index = match &mut index {
            Some(index) => index,
            None => index.insert(repo.index()?),
        };
        Some(SetAside::begin(
            repo,
            &tracked,
            &untracked,
            Snapshot::Index(index),
        )?)
    };
    // Tests prove that a panic here still puts the work back (the guard restores on unwind).
    let failpoint =
        std::env::var_os("BACKSTOP_FAILPOINT").is_some_and(|f| f == "panic-after-setaside");
    assert!(!failpoint, "failpoint panic-after-setaside");
    // `BACKSTOP_NO_FIX`: checks only (the agent commit gate judges a commit before it is made,
    // and must not change the person's files).
    let fixers_run = config.settings.fix && std::env::var_os("BACKSTOP_NO_FIX").is_none();
    if fixers_run {
        let index = match &mut index {
            Some(index) => index,
            None => index.insert(repo.index()?),
        };
        let blocked = run_fixers(repo, &plan, &inputs, &tracked, index)?;
        if blocked {
            if let Some(aside) = aside {
                setaside::report_kept(&aside.restore()?);
            }
            return Ok(crate::error::EXIT_FAILED);
        }
    }
    // Unstaged work is set aside now: the gates see the index.
    let inputs = GateInputs {
        sees: GatesSee::Index,
        ..inputs
    };
    // Nothing set aside and no fixer ran: the look just taken found the worktree equal to the
    // index, so the guard needs no second one before the gates.
    let known_clean = aside.is_none() && !fixers_run;
    run_guarding_the_index(repo, &plan, settings, inputs, started, aside, known_clean)
}

/// `-v`: which path found the unstaged work (the index's stat data, or libgit2's full diff)
/// and how many files were set aside, so the fast path can be seen without timing it.
fn say_how_unstaged_work_was_found(repo: &Repo, set_aside: usize) {
    let found = match repo.take_stat_pass() {
        Some((entries, suspects)) => {
            format!("index stat data: {suspects} of {entries} tracked files to read")
        }
        None => "full worktree diff (libgit2)".to_owned(),
    };
    let aside = match set_aside {
        0 => "no set-aside".to_owned(),
        n => format!("{n} set aside"),
    };
    eprintln!("backstop: {found}; {aside}");
}

/// Runs the checks with a throwaway copy of the commit's index for the gates, then restores
/// the set-aside work; a gate that changed the real index has it put back and blocks.
fn run_guarding_the_index(
    repo: &Repo,
    plan: &Plan,
    settings: &RunSettings,
    inputs: GateInputs,
    started: Instant,
    aside: Option<SetAside>,
    known_clean: bool,
) -> Result<u8> {
    let index_file = repo.index_path();
    let index_before = std::fs::read(&index_file).ok();
    let entries_before = repo.mark_index(&index_file);
    // Gates that read the staged diff (`git diff --cached`) get a copy of the commit's index,
    // absolute, so nothing they run can write the real one.
    let copy = tempfile::Builder::new()
        .prefix("backstop-index-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let index_copy = copy.path().join("index");
    let mut inputs = inputs;
    if let Some(bytes) = &index_before {
        std::fs::write(&index_copy, bytes).context("cannot copy the index for the gates")?;
        inputs
            .env
            .push(("GIT_INDEX_FILE".into(), index_copy.into_os_string()));
    }
    let differing = if known_clean {
        Vec::new()
    } else {
        differing_from_index(repo)?
    };
    let report = pipeline::judge(repo, plan, settings, inputs, started);
    // A check must not change what is committed: put the staged version back, keep the
    // gate's, and block. Only a process can have written: a run answered wholly from the
    // cache (or skipped) is not scanned again.
    let processes_ran = report.as_ref().map_or(true, |report| {
        report.gates.iter().any(|g| {
            !matches!(
                g.status,
                crate::gates::GateStatus::Cached | crate::gates::GateStatus::Skipped
            )
        })
    });
    let rewritten = if processes_ran {
        put_back_what_gates_rewrote(repo, &differing)?
    } else {
        Vec::new()
    };
    // Entries, not bytes: git refreshing stat data or its untracked cache is not a change.
    let index_changed = repo.index_changed_since(&entries_before);
    if index_changed && let Some(bytes) = &index_before {
        // A gate wrote the index being committed: put git's bytes back and block.
        crate::fsio::write_replacing(&index_file, bytes, None)
            .context("cannot put back the index a gate changed")?;
    }
    if let Some(aside) = aside {
        setaside::report_kept(&aside.restore()?);
    }
    let report = report?;
    let mut status = pipeline::finish(&report, settings)?;
    if !rewritten.is_empty() {
        let writers: Vec<&str> = report
            .gates
            .iter()
            .filter(|g| {
                matches!(
                    g.status,
                    crate::gates::GateStatus::Passed | crate::gates::GateStatus::Failed
                ) && !g.command.starts_with("(built-in)")
            })
            .map(|g| g.name.as_str())
            .collect();
        let who = match writers.as_slice() {
            [one] => format!("gate `{one}`"),
            many => format!("one of the gates {}", many.join(", ")),
        };
        eprintln!(
            "backstop: {who} changed {} while checking it; a check must not change files, so the commit is blocked. \
             The staged version is back in place; the changed one is kept at {}. Give the gate a command that only \
             checks (its fixer goes in `fix`).",
            rewritten
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            kept_dir(repo).display()
        );
        status = status.max(crate::error::EXIT_FAILED);
    }
    if index_changed {
        eprintln!(
            "backstop: the index being committed ({}) changed while the gates ran; it was put back and the commit is blocked. \
             The gates had their own copy of it (GIT_INDEX_FILE), so another process staged files at the same time: \
             a hook manager running jobs in parallel (lefthook `parallel: true` with `stage_fixed`: run backstop after them, \
             in a piped hook), or a gate that writes to .git/index by its path. Gates must not stage files; use `fix` for fixers.",
            index_file.display()
        );
        return Ok(status.max(crate::error::EXIT_FAILED));
    }
    Ok(status)
}

fn kept_dir(repo: &Repo) -> PathBuf {
    setaside::area(repo)
        .join("kept")
        .join(format!("rewritten-{}", std::process::id()))
}

/// Tracked paths whose worktree content differs from the index, with that content's id. The
/// index's stat data narrows what is read (as for the set-aside): a clean tree costs one stat
/// per tracked file and no directory walk, so guarding against rewriting gates is cheap.
fn differing_from_index(repo: &Repo) -> Result<Vec<(PathBuf, String)>> {
    let (changes, _index) = repo.unstaged_changes(&[])?;
    Ok(changes
        .into_iter()
        .filter(|c| !c.untracked)
        .map(|c| {
            let id = worktree_id(&repo.root().join(&c.path));
            (c.path, id)
        })
        .collect())
}

/// A worktree file's mode and content id, as git would store it: a symlink is its target's
/// name (never followed), so a file and a link whose name is the file's text differ.
fn worktree_id(path: &std::path::Path) -> String {
    use std::os::unix::ffi::OsStrExt as _;
    use std::os::unix::fs::PermissionsExt as _;
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::read_link(path).map_or_else(
            |_| String::new(),
            |target| {
                format!(
                    "120000 {}",
                    crate::git::blob_id(target.as_os_str().as_bytes())
                )
            },
        ),
        Ok(m) if m.is_file() => std::fs::read(path).map_or_else(
            |_| String::new(),
            |bytes| {
                format!(
                    "{:o} {}",
                    m.permissions().mode() & 0o111,
                    crate::git::blob_id(&bytes)
                )
            },
        ),
        _ => String::new(),
    }
}

/// Tracked files a gate changed while the checks ran (they differ from the index now, and did
/// not before, or differently): each is copied under the kept directory and put back as
/// staged.
fn put_back_what_gates_rewrote(repo: &Repo, before: &[(PathBuf, String)]) -> Result<Vec<PathBuf>> {
    let changed: Vec<PathBuf> = differing_from_index(repo)?
        .into_iter()
        .filter(|now| !before.contains(now))
        .filter(|(path, _)| !setaside::behind_symlink(repo.root(), path))
        .map(|(path, _)| path)
        .collect();
    if changed.is_empty() {
        return Ok(changed);
    }
    let kept = kept_dir(repo);
    for path in &changed {
        let copy = kept.join(path);
        let Some(parent) = copy.parent() else {
            continue;
        };
        // A link is kept as a link (never followed: it may lead to a FIFO or /dev/zero).
        let on_disk = repo.root().join(path);
        match std::fs::symlink_metadata(&on_disk) {
            Ok(m) if m.file_type().is_symlink() => {
                std::fs::create_dir_all(parent)?;
                std::os::unix::fs::symlink(std::fs::read_link(&on_disk)?, &copy)?;
            }
            Ok(m) if m.is_file() => {
                std::fs::create_dir_all(parent)?;
                std::fs::copy(&on_disk, &copy)?;
            }
            _ => {}
        }
    }
    repo.write_index_versions(&mut repo.index()?, &changed)?;
    Ok(changed)
}

/// Runs every gate's fixer, re-stages the fully staged files they changed, and says whether
/// the commit must be blocked because a fixer changed a partially staged file.
fn run_fixers(
    repo: &Repo,
    plan: &Plan,
    inputs: &GateInputs,
    partially_staged: &[PathBuf],
    index: &mut crate::git::Index,
) -> Result<bool> {
    let scratch = tempfile::Builder::new()
        .prefix("backstop-fix-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let context = crate::gates::GateContext {
        trigger: plan.trigger(),
        base: Some(plan.snapshot.base_id()),
        scratch: scratch.path().to_path_buf(),
        args: inputs.args.clone(),
        env: inputs.env.clone(),
    };
    for job in plan.jobs() {
        let Some(outcome) = crate::gates::fix(job, &context) else {
            continue;
        };
        if outcome.status.is_failure() {
            eprintln!(
                "backstop: the fixer of `{}` failed ({}); its check will tell what is wrong",
                job.name,
                outcome.status.as_str()
            );
        }
    }
    let changed: Vec<PathBuf> = repo
        .worktree_changes(index, false, &[])?
        .into_iter()
        .map(|c| c.path)
        .collect();
    // Only files this commit contains are re-staged; a fixer that touched others (a whole-tree
    // formatter) does not pull them into the commit.
    let in_commit = |p: &PathBuf| plan.snapshot.contains(p);
    let (changed, outside): (Vec<PathBuf>, Vec<PathBuf>) = changed.into_iter().partition(in_commit);
    // Those files go back to their committed version, so the checks judge exactly what is
    // committed; the fixer's version is kept for the person.
    let kept = if outside.is_empty() {
        PathBuf::new()
    } else {
        // A directory of its own: never one an earlier run kept copies in.
        crate::fsio::new_directory(
            &setaside::area(repo).join("kept"),
            &format!("fixed-{}", std::process::id()),
        )
        .context("cannot create a directory for the fixed versions")?
    };
    for path in &outside {
        let copy = kept.join(path);
        if let Some(parent) = copy.parent()
            && repo.root().join(path).is_file()
        {
            std::fs::create_dir_all(parent)?;
            std::fs::copy(repo.root().join(path), &copy)
                .with_context(|| format!("cannot keep the fixed version of {}", path.display()))?;
        }
        eprintln!(
            "backstop: a fixer changed {}, which is not part of this commit; it is left out (the fixed version is kept at {})",
            path.display(),
            copy.display()
        );
    }
    repo.write_index_versions(index, &outside)?;
    let (conflicts, restage): (Vec<PathBuf>, Vec<PathBuf>) = changed
        .into_iter()
        .partition(|p| partially_staged.contains(p));
    repo.stage(&restage)?;
    for path in &restage {
        eprintln!("backstop: fixed and re-staged {}", path.display());
    }
    if conflicts.is_empty() {
        return Ok(false);
    }
    for path in &conflicts {
        eprintln!(
            "backstop: a fixer changed {}, which also has unstaged changes; the commit is blocked so neither version is lost",
            path.display()
        );
    }
    eprintln!(
        "backstop: your unstaged version goes back in place; the fixed version is kept (path below). Merge them, stage, and commit again."
    );
    Ok(true)
}

/// One pushed ref: `<local ref> <local sha> <remote ref> <remote sha>`.
struct PushedRef {
    local_ref: String,
    local: Oid,
    remote: Option<Oid>,
}

fn pre_push(
    workspace: &Workspace,
    global: &GlobalOptions,
    inputs: &GateInputs,
    stdin: &[u8],
    args: &[OsString],
) -> Result<u8> {
    let repo = &workspace.repo;
    // What the remote has, asked once and only when a new branch needs it.
    let mut advertised: Option<Result<crate::git::Advertised, String>> = None;
    // One run per worktree: recover must not remove a temporary worktree a push still uses.
    let _lock = WorktreeLock::acquire(&setaside::area(repo))?;
    let mut worst = EXIT_OK;
    for mut pushed in parse_pushed(stdin) {
        // A tag (annotated) names a tag object; what is judged is the commit it points at.
        let Ok(local) = repo.commit_id(&pushed.local.to_string()) else {
            println!(
                "backstop: pre-push {}: not a commit, nothing to judge",
                pushed.local_ref
            );
            continue;
        };
        pushed.local = local;
        pushed.remote = pushed
            .remote
            .and_then(|r| repo.commit_id(&r.to_string()).ok());
        let config = &config_for(
            workspace,
            crate::git::SmallFileAt::Commit(local),
            &format!("in {}", &local.to_string()[..12]),
        )?;
        let settings = &RunSettings::for_hook(workspace, config, global, Trigger::PrePush)?;
        let (base, config_base) = if let Some(remote) = pushed.remote {
            (Some(remote), Some(remote))
        } else {
            let remote = advertised.get_or_insert_with(|| ask_remote(repo, args));
            new_branch_base(repo, remote, pushed.local, args)?
        };
        let snapshot = crate::snapshot::Snapshot::pushed(repo, base, config_base, pushed.local)?;
        println!(
            "backstop: pre-push {} ({} changed paths)",
            pushed.local_ref,
            snapshot.file_set.changes.len()
        );
        // The user's worktree and index are never touched on push: the pushed commit is judged
        // in place only when it is exactly what is checked out, else in a temporary worktree.
        let untracked_matter = config.settings.hide_untracked
            && repo
                .worktree_changes(&repo.index()?, true, &[])?
                .iter()
                .any(|c| c.untracked);
        let in_place = repo.head() == Some(pushed.local)
            && repo.changes_since_head()?.is_empty()
            && !untracked_matter;
        let status = if in_place {
            let report = pipeline::run(repo, config, settings, snapshot, inputs.clone())?;
            pipeline::finish(&report, settings)?
        } else {
            push_elsewhere(repo, config, settings, inputs, snapshot)?
        };
        worst = worst.max(status);
    }
    Ok(worst)
}

/// What the remote git pushes to has (git passes its URL as the second argument), or `None`
/// with what went wrong when it cannot be asked.
fn ask_remote(repo: &Repo, args: &[OsString]) -> Result<crate::git::Advertised, String> {
    let url = args
        .get(1)
        .or_else(|| args.first())
        .ok_or_else(|| "git named no remote".to_owned())?;
    repo.advertised(url).map_err(|error| {
        format!(
            "cannot ask {} what it has ({error:#})",
            url.to_string_lossy()
        )
    })
}

/// The base of a new branch and the commit its gates.toml is judged against: the newest
/// commit of its history that the remote already has, as the remote says (its default branch
/// first), never a local ref such as `refs/remotes/origin/main` or the pushed gates.toml's
/// `settings.base`, which the pusher can move. A branch that shares no history with the remote
/// has every file judged (no base), and its gates.toml still judged against the remote's
/// default branch. A remote that cannot be asked, or whose commits are not here, is an error:
/// without a base nothing would tell a weakened gates.toml from the remote's.
fn new_branch_base(
    repo: &Repo,
    remote: &Result<crate::git::Advertised, String>,
    tip: Oid,
    args: &[OsString],
) -> Result<(Option<Oid>, Option<Oid>)> {
    let name = args.first().map_or_else(
        || "the remote".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let remote = remote.as_ref().map_err(|why| {
        usage(
            format!("{why}, so the new branch cannot be judged against what the remote has"),
            "check that the remote is reachable (git ls-remote works), then push again",
        )
    })?;
    if remote.all.is_empty() {
        // An empty remote: nothing to compare with, nothing to weaken.
        return Ok((None, None));
    }
    let local = |id: &Oid| repo.commit_id(&id.to_string()).ok();
    if let Some(head) = remote.head.as_ref().and_then(local)
        && let Ok(base) = repo.merge_base(head, tip)
    {
        return Ok((Some(base), Some(base)));
    }
    let mut best: Option<Oid> = None;
    for commit in remote.all.iter().filter_map(local) {
        let Ok(base) = repo.merge_base(commit, tip) else {
            continue;
        };
        if best.is_none_or(|b| repo.is_descendant_of(base, b)) {
            best = Some(base);
        }
    }
    if best.is_some() {
        return Ok((best, best));
    }
    // No history in common (an orphan branch): every file is judged, and gates.toml against
    // what the remote's default branch has.
    let Some(default) = remote.head.as_ref().or(remote.all.first()).and_then(local) else {
        return Err(usage(
            format!(
                "nothing {name} has is in this repository, so the new branch cannot be judged against it"
            ),
            format!("fetch first (`git fetch {name}`), then push again"),
        ));
    };
    println!(
        "backstop: this branch shares no history with {name}; every file is judged, and gates.toml against the remote's default branch"
    );
    Ok((None, Some(default)))
}

/// Judges a pushed commit that is not checked out, in a temporary detached worktree.
fn push_elsewhere(
    repo: &Repo,
    config: &GatesConfig,
    settings: &RunSettings,
    inputs: &GateInputs,
    snapshot: crate::snapshot::Snapshot,
) -> Result<u8> {
    let crate::git::Side::Commit(tip) = snapshot.target else {
        unreachable!("a pushed snapshot's target is the pushed commit")
    };
    let place = setaside::area(repo).join(format!("push-{}-{tip}", std::process::id()));
    repo.add_detached_worktree(&place, tip)?;
    let result = (|| {
        let started = Instant::now();
        let plan = pipeline::plan(repo, config, settings, snapshot, &place)?;
        let inputs = GateInputs {
            sees: GatesSee::TargetCommit,
            ..inputs.clone()
        };
        let report = pipeline::judge(repo, &plan, settings, inputs, started)?;
        pipeline::finish(&report, settings)
    })();
    if let Err(error) = repo.remove_worktree(&place) {
        eprintln!(
            "backstop: could not remove the temporary worktree {}: {error:#}",
            place.display()
        );
    }
    result
}

fn parse_pushed(stdin: &[u8]) -> Vec<PushedRef> {
    String::from_utf8_lossy(stdin)
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [local_ref, local, _remote_ref, remote] = fields[..] else {
                return None;
            };
            let local = Oid::from_str(local).ok().filter(|o| !o.is_zero())?;
            let remote = Oid::from_str(remote).ok().filter(|o| !o.is_zero());
            Some(PushedRef {
                local_ref: local_ref.to_owned(),
                local,
                remote,
            })
        })
        .collect()
}

/// Runs the hook that was installed before backstop, with the same arguments and stdin.
fn run_chained(repo: &Repo, hook: GitHook, args: &[OsString], stdin: &[u8]) -> Result<u8> {
    let name = hook.as_str();
    let script = match std::env::var_os("BACKSTOP_HOOK_SCRIPT") {
        Some(script) => PathBuf::from(script),
        None => repo.hooks_dir()?.path.join(name),
    };
    let chained = chained_path(&script);
    let Ok(metadata) = std::fs::metadata(&chained) else {
        return Ok(EXIT_OK);
    };
    if std::os::unix::fs::PermissionsExt::mode(&metadata.permissions()) & 0o111 == 0 {
        // git ignores a hook that is not executable; so does backstop, as before it came.
        return Ok(EXIT_OK);
    }
    let code = match crate::process::run_attached(&chained, args, stdin) {
        crate::process::Exit::Code(0) => return Ok(EXIT_OK),
        crate::process::Exit::Code(code) => u8::try_from(code).unwrap_or(1),
        crate::process::Exit::Interrupted => {
            return Ok(signals::exit_status(
                signals::interrupted().unwrap_or(libc::SIGINT),
            ));
        }
        crate::process::Exit::SpawnFailed(why) => {
            return Err(usage(
                format!("cannot run the earlier {name} hook: {why}"),
                "make it executable, or remove it",
            ));
        }
        _ => 1,
    };
    eprintln!(
        "backstop: the earlier {name} hook ({}) failed, so the gates did not run",
        chained.display()
    );
    Ok(code)
}

/// pre-commit and prek run a pre-push hook with git's stdin consumed and the range in
/// `PRE_COMMIT_FROM_REF`/`PRE_COMMIT_TO_REF`: that range as the line git would have written.
fn pushed_from_pre_commit(stdin: Vec<u8>) -> Vec<u8> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (stdin.is_empty(), var("PRE_COMMIT_TO_REF")) {
        (true, Some(to)) => {
            let zero = "0".repeat(40);
            let from = var("PRE_COMMIT_FROM_REF").unwrap_or(zero);
            let local = var("PRE_COMMIT_LOCAL_BRANCH").unwrap_or_else(|| "HEAD".to_owned());
            let remote = var("PRE_COMMIT_REMOTE_BRANCH").unwrap_or_else(|| local.clone());
            format!("{local} {to} {remote} {from}\n").into_bytes()
        }
        _ => stdin,
    }
}

/// git's ref lines for pre-push: a few hundred bytes per pushed ref, written at once. Bounded in
/// size and time, so a hook started by hand on an endless input cannot grow or hang.
fn read_stdin() -> Result<Vec<u8>> {
    const LIMIT: u64 = 16 * 1024 * 1024;
    match crate::fsio::read_stdin(LIMIT, std::time::Duration::from_mins(1)) {
        crate::fsio::Input::Complete(bytes) => Ok(bytes),
        crate::fsio::Input::TooLarge => Err(usage(
            format!(
                "the pre-push hook's input is larger than {}",
                crate::fsio::size(LIMIT)
            ),
            "git writes one line per pushed ref; run the hook through `git push`",
        )),
        crate::fsio::Input::TimedOut => Err(usage(
            "the pre-push hook's input did not end within 60 s",
            "git writes one line per pushed ref; run the hook through `git push`",
        )),
    }
}
