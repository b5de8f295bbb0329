//! Snapshot hygiene: every committed snapshot belongs to a test that still names it, and no
//! pending `.snap.new` is left behind (insta itself fails a test whose snapshot is stale).

use std::path::{Path, PathBuf};

fn snapshot_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && !path.ends_with("target") && !path.ends_with("fixtures") {
            snapshot_files(&path, found);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("snap" | "new")
        ) {
            found.push(path);
        }
    }
}

#[test]
fn every_snapshot_is_referenced_and_none_is_pending() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    snapshot_files(&root.join("src"), &mut files);
    snapshot_files(&root.join("tests"), &mut files);
    assert!(
        files.len() >= 7,
        "expected the committed snapshots, found {files:?}"
    );
    for file in files {
        let name = file.file_name().unwrap().to_str().unwrap();
        assert!(
            file.extension().is_some_and(|e| e == "snap"),
            "{} is a pending snapshot: review it (cargo insta review) and commit or delete it",
            file.display()
        );
        let text = std::fs::read_to_string(&file).unwrap();
        let source = text
            .lines()
            .find_map(|l| l.strip_prefix("source: "))
            .unwrap_or_else(|| panic!("{} has no source line", file.display()));
        let test_name = name.trim_end_matches(".snap").rsplit("__").next().unwrap();
        let code = std::fs::read_to_string(root.join(source.trim())).unwrap_or_default();
        assert!(
            code.contains(&format!("\"{test_name}\"")),
            "{} is not referenced by {source}: delete it",
            file.display()
        );
    }
}
