//! File I/O that a repository's contents cannot turn against backstop: reads bounded in size
//! (and, for standard input, in time) that refuse anything but a regular file, and writes that
//! replace a file through a temporary whose name no user file can have.
//!
//! An agent controls the worktree: gates.toml may be a FIFO (an open that never returns), a
//! symlink to `/dev/zero` (a read that never ends), or a file of gigabytes; a user may have a file
//! named like any fixed temporary name. So every open of an untrusted file is non-blocking and
//! checked on the open descriptor (no race between the check and the read), and every temporary
//! is created exclusively under a random name beside its target.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a bounded read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The path names no regular file (a FIFO, a device, a directory, a socket).
    #[error("{} is not a regular file (it is {kind})", path.display())]
    NotRegular {
        /// The path as given.
        path: PathBuf,
        /// What it is instead.
        kind: &'static str,
    },
    /// More bytes than the limit.
    #[error("{} is larger than {} (backstop reads at most that much)", path.display(), size(*limit))]
    TooLarge {
        /// The path as given.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// The operating system refused.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path as given.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

impl ReadError {
    /// Whether the file does not exist at all.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// A byte count as people read it: `1 MiB`, `16 MiB`, `300 KiB`, `12 bytes`.
pub fn size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 {
        format!("{} KiB", bytes.div_ceil(1024))
    } else {
        format!("{bytes} bytes")
    }
}

fn kind_of(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

/// Reads a regular file (following symlinks) of at most `limit` bytes. The open never blocks
/// (a FIFO without a writer), and the type is checked on the opened descriptor.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if !metadata.file_type().is_file() {
        return Err(ReadError::NotRegular {
            path: path.to_path_buf(),
            kind: kind_of(metadata.file_type()),
        });
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // The file may grow while it is read: never past the limit.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

/// What came on standard input within the limits.
#[derive(Debug)]
pub enum Input {
    /// Everything, up to end of file.
    Complete(Vec<u8>),
    /// More than the size limit was sent; nothing is kept.
    TooLarge,
    /// The writer did not finish within the time limit; nothing is kept.
    TimedOut,
}

/// Reads standard input to its end, at most `limit` bytes and `wait` long. A reader still
/// blocked when time runs out is left behind (the process ends soon after), never waited on.
pub fn read_stdin(limit: u64, wait: Duration) -> Input {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let read = std::io::stdin()
            .lock()
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes);
        let input = if read.is_err() {
            // A closed or broken stdin: what arrived is all there is.
            Input::Complete(bytes)
        } else if bytes.len() as u64 > limit {
            Input::TooLarge
        } else {
            Input::Complete(bytes)
        };
        let _ = sender.send(input);
    });
    receiver.recv_timeout(wait).unwrap_or(Input::TimedOut)
}

/// Test support: when `BACKSTOP_FAILPOINT` names `point`, the process kills itself with
/// SIGKILL there (no destructor, no restore), as a crash or `kill -9` would.
pub fn failpoint(point: &str) {
    if std::env::var_os("BACKSTOP_FAILPOINT").is_some_and(|f| f == point) {
        // SAFETY: signalling this process; SIGKILL cannot be caught.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

/// This process's mark on its temporaries: random, so no user file can carry it, and
/// recorded where a crash must be cleaned up after (the set-aside manifest).
pub fn process_tag() -> &'static str {
    static TAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TAG.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff)
    })
}

/// The suffix of this process's temporaries.
fn temporary_suffix(tag: &str) -> String {
    format!(".{tag}.backstop-tmp")
}

/// A uniquely named file beside `target`, created exclusively (never an existing file), that
/// replaces `target` when persisted and removes itself when dropped. Its name carries
/// [`process_tag`], so what a killed process left can be found and only that.
pub fn temporary_beside(target: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut prefix = OsString::from(".");
    prefix.push(target.file_name().unwrap_or_default());
    prefix.push(".");
    // Created like `std::fs::write` would (0666 less the umask), not tempfile's 0600.
    tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(&temporary_suffix(process_tag()))
        .rand_bytes(8)
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile_in(dir)
}

/// Removes the temporaries that processes tagged `tags` left beside `target` (killed before
/// they could persist or drop them): files named `.<name>.<8 characters>.<tag>.backstop-tmp`.
/// Nothing else is touched, whatever its name.
pub fn remove_temporaries_beside(target: &Path, tags: &[String]) {
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let prefix = prefix.as_encoded_bytes().to_vec();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let bytes = file_name.as_encoded_bytes();
        let Some(rest) = bytes.strip_prefix(prefix.as_slice()) else {
            continue;
        };
        let ours = tags.iter().any(|tag| {
            let suffix = temporary_suffix(tag);
            rest.len() == 8 + suffix.len()
                && rest.ends_with(suffix.as_bytes())
                && rest[..8].iter().all(u8::is_ascii_alphanumeric)
        });
        if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Replaces `target` with `bytes` (and `mode`, when given), atomically: a crash leaves the old
/// or the new content, and no other file is ever written or removed.
pub fn write_replacing(target: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<()> {
    let mut temporary = temporary_beside(target)?;
    temporary.write_all(bytes)?;
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        temporary
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    temporary.as_file().sync_all()?;
    temporary.persist(target).map_err(|e| e.error)?;
    Ok(())
}

/// A new directory below `parent` whose name starts with `stem`, created exclusively: never
/// one that exists (an earlier run's kept copies stay as they are).
pub fn new_directory(parent: &Path, stem: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(parent)?;
    for n in 0u32.. {
        let name = if n == 0 {
            stem.to_owned()
        } else {
            format!("{stem}-{n}")
        };
        let candidate = parent.join(name);
        match std::fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    unreachable!("some name below u32::MAX is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_a_device_and_a_directory_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
        for (path, kind) in [
            (fifo.as_path(), "a FIFO"),
            (Path::new("/dev/zero"), "a character device"),
            (dir.path(), "a directory"),
        ] {
            match read_regular(path, 1024) {
                Err(ReadError::NotRegular { kind: found, .. }) => assert_eq!(found, kind),
                other => panic!("{}: {other:?}", path.display()),
            }
        }
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(matches!(
            read_regular(&link, 1024),
            Err(ReadError::NotRegular { .. })
        ));
    }

    #[test]
    fn files_over_the_limit_are_refused_and_others_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, vec![b'x'; 2048]).unwrap();
        assert!(matches!(
            read_regular(&file, 2047),
            Err(ReadError::TooLarge { limit: 2047, .. })
        ));
        assert_eq!(read_regular(&file, 2048).unwrap().len(), 2048);
        assert!(
            read_regular(&dir.path().join("missing"), 1)
                .unwrap_err()
                .is_not_found()
        );
    }

    #[test]
    fn replacing_never_touches_a_file_with_a_temporary_looking_name() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.txt");
        std::fs::write(&target, "old").unwrap();
        for name in [
            "a.txt.backstop-restore",
            ".a.txt.backstop-tmp",
            "a.backstop-new",
        ] {
            std::fs::write(dir.path().join(name), "mine").unwrap();
        }
        write_replacing(&target, b"new", Some(0o640)).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                ".a.txt.backstop-tmp",
                "a.backstop-new",
                "a.txt",
                "a.txt.backstop-restore"
            ]
        );
        for name in [
            "a.txt.backstop-restore",
            ".a.txt.backstop-tmp",
            "a.backstop-new",
        ] {
            assert_eq!(std::fs::read(dir.path().join(name)).unwrap(), b"mine");
        }
    }

    #[test]
    fn only_the_temporaries_of_the_tags_named_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.txt");
        let tag = process_tag().to_owned();
        let left = temporary_beside(&target).unwrap().keep().unwrap().1;
        let names = [
            ".a.txt.backstop-tmp".to_owned(),
            ".a.txt.ABCDEFGH.backstop-tmp".to_owned(),
            format!(".a.txt.ABCDEFGH.{tag}x.backstop-tmp"),
            ".a.txt.ABCDEFGH.000000000000.backstop-tmp".to_owned(),
            format!(".b.txt.ABCDEFGH.{tag}.backstop-tmp"),
            format!(".a.txt.ABC.{tag}.backstop-tmp"),
        ];
        for name in &names {
            std::fs::write(dir.path().join(name), "mine").unwrap();
        }
        remove_temporaries_beside(&target, std::slice::from_ref(&tag));
        assert!(!left.exists(), "the tagged temporary is gone");
        for name in &names {
            assert_eq!(
                std::fs::read(dir.path().join(name)).unwrap(),
                b"mine",
                "{name}"
            );
        }
    }

    #[test]
    fn new_directories_never_reuse_an_existing_one() {
        let dir = tempfile::tempdir().unwrap();
        let first = new_directory(dir.path(), "kept").unwrap();
        let second = new_directory(dir.path(), "kept").unwrap();
        assert_ne!(first, second);
        assert!(first.is_dir() && second.is_dir());
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size(1024 * 1024), "1 MiB");
        assert_eq!(size(16 * 1024 * 1024), "16 MiB");
        assert_eq!(size(131_072), "128 KiB");
        assert_eq!(size(12), "12 bytes");
    }
}
