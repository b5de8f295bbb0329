//! Facts about hook files and directories that both the managers and the reach check read
//! (a leaf: it imports neither).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Whether `dir` is a hooks directory husky wrote: v9's `.husky/_` (its stubs source `h`), or
/// a v4-8 `.husky` whose scripts source `_/husky.sh`.
pub fn is_husky(dir: &Path) -> bool {
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let parent_is_husky = dir
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == ".husky");
    (name == "_" && (parent_is_husky || dir.join("h").is_file() || dir.join("husky.sh").is_file()))
        || name == ".husky"
        || dir.join("_").join("husky.sh").exists()
}

/// Whether git would run the file at `path` (it follows symlinks).
pub fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 == 0o111)
}
