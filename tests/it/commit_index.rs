//! The pre-commit hook on index files in their less usual shapes: racily clean entries (git's
//! stat data cannot tell a same-instant edit apart), split and sparse indexes; and the fast
//! path made visible with `-v`.

use std::process::Command;

use crate::support::TestRepo;

/// A gate that passes only when the committed `f.txt` (what the gate sees) says STAGED.
const SEES_STAGED: &str = "[gates.sees]\nrun = \"grep -q STAGED f.txt\"\npass_files = false\n";

/// Replaces the index entry's blob id `from` by `to` and writes a valid SHA-1 trailer.
fn swap_index_id(repo: &TestRepo, from: &str, to: &str) {
    let path = repo.root().join(".git/index");
    let mut bytes = std::fs::read(&path).unwrap();
    let from = hex(from);
    let at = bytes.windows(20).position(|w| w == from).unwrap();
    bytes[at..at + 20].copy_from_slice(&hex(to));
    bytes.truncate(bytes.len() - 20);
    let body = repo.home().join("index.body");
    std::fs::write(&body, &bytes).unwrap();
    let sum = Command::new("sha1sum").arg(&body).output().unwrap();
    bytes.extend(hex(&String::from_utf8_lossy(&sum.stdout)[..40]));
    let new = repo.root().join(".git/index.new");
    std::fs::write(&new, &bytes).unwrap();
    std::fs::rename(&new, &path).unwrap();
}

fn hex(text: &str) -> Vec<u8> {
    (0..40)
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// The blob id of `content`, written to the object store.
fn blob(repo: &TestRepo, content: &str) -> String {
    let file = repo.home().join("blob");
    std::fs::write(&file, content).unwrap();
    repo.git(&["hash-object", "-w", file.to_str().unwrap()])
        .trim()
        .to_owned()
}

#[test]
fn an_edit_in_the_same_instant_as_the_index_is_set_aside() {
    let repo = TestRepo::new();
    repo.config(SEES_STAGED)
        .write("f.txt", "base\n")
        .commit_all("base");
    // The index names STAGED for f.txt with the stat data of the file, which holds XTAGED
    // (same size): what an edit in the same clock tick as `git add` leaves behind.
    repo.write("f.txt", "XTAGED\n");
    repo.git(&["add", "f.txt"]);
    let staged = blob(&repo, "STAGED\n");
    let worktree = blob(&repo, "XTAGED\n");
    swap_index_id(&repo, &worktree, &staged);
    // The index written in the same instant as the file.
    let touched = Command::new("touch")
        .arg("-r")
        .arg(repo.root().join("f.txt"))
        .arg(repo.root().join(".git/index"))
        .status()
        .unwrap();
    assert!(touched.success());
    let run = repo.run(&["hook", "git", "pre-commit"]);
    // The gate saw the staged bytes, and the person's bytes are back.
    run.expect_code(0);
    assert_eq!(repo.read("f.txt"), b"XTAGED\n");
    assert!(repo.git(&["ls-files", "-s", "f.txt"]).contains(&staged));
}
