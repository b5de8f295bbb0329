//! Lines followed through the diff: where a line of the base file is in the target file, so
//! an old problem on a line that moved (code inserted above it) is still recognised as old.
//! A line the change edited or removed has no place in the target.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::git::{Contents, Oid, Repo};

/// The base and target versions of files, read and diffed on demand.
pub struct Lines<'r> {
    repo: &'r Repo,
    base: Oid,
    target: Contents<'r>,
    /// Per file: for each base line (0-based), its 0-based line in the target, if it stayed.
    maps: RefCell<HashMap<PathBuf, Vec<Option<u32>>>>,
}

impl<'r> Lines<'r> {
    /// Lines of the `base` commit followed into `target`.
    pub fn new(repo: &'r Repo, base: Oid, target: Contents<'r>) -> Lines<'r> {
        Lines {
            repo,
            base,
            target,
            maps: RefCell::new(HashMap::new()),
        }
    }

    /// Where 1-based line `line` of `file` at the base is in the target, if it stayed.
    pub fn follow(&self, file: &str, line: u32) -> Option<u32> {
        let path = Path::new(file);
        let mut maps = self.maps.borrow_mut();
        let map = maps.entry(path.to_path_buf()).or_insert_with(|| {
            let read = |bytes: Option<Vec<u8>>| {
                bytes
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default()
            };
            let (before, after) = (
                read(self.repo.file_at(self.base, path)),
                read(self.target.read(path)),
            );
            if before == after {
                // Unchanged: every line stays (a file both sides lack maps nothing).
                return (0..before.lines().count())
                    .map(|l| u32::try_from(l).ok())
                    .collect();
            }
            map_lines(&before, &after)
        });
        let index = usize::try_from(line.checked_sub(1)?).ok()?;
        map.get(index).copied().flatten().map(|l| l + 1)
    }
}

/// For each line of `before` (0-based), its 0-based line in `after` when it is unchanged.
fn map_lines(before: &str, after: &str) -> Vec<Option<u32>> {
    let mut map = vec![
        None;
        before
            .lines()
            .count()
            .max(before.split_inclusive('\n').count())
    ];
    let diff = similar::TextDiff::from_lines(before, after);
    for op in diff.ops() {
        if let similar::DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = *op
        {
            for k in 0..len {
                if let (Some(slot), Ok(new)) =
                    (map.get_mut(old_index + k), u32::try_from(new_index + k))
                {
                    *slot = Some(new);
                }
            }
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_above_an_insertion_stay_below_it_they_move_and_edited_ones_go() {
        let before = "a\nb\nc\nd\n";
        let after = "a\nnew\nnew\nb\nC\nd\n";
        assert_eq!(map_lines(before, after), [Some(0), Some(3), None, Some(5)]);
        assert_eq!(map_lines("", "x\n"), Vec::<Option<u32>>::new());
    }
}
