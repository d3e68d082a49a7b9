//! One daemon per notes root: an OS lock (`flock`) on the root folder
//! itself (one daemon per root, whatever the environment or index path),
//! on a file beside the index (`index.sqlite.lock`: one daemon per index)
//! and on one named for the root in the runtime folder (`$XDG_RUNTIME_DIR`,
//! else the temp folder; it holds the pid a second daemon names). The OS releases
//! them when the process dies, however it dies, so a SIGKILLed daemon never
//! blocks the next one. Each file holds the holder's pid and root, for the
//! message a second daemon prints.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A held lock; released on drop (and by the OS on exit).
#[derive(Debug)]
pub struct Lock {
    _file: File,
    pub path: PathBuf,
}

/// The locks a daemon holds.
#[derive(Debug)]
pub struct Locks {
    /// The root folder itself, opened and locked.
    pub folder: File,
    pub index: Lock,
    pub root: Option<Lock>,
}

/// The per-root lock file: in the runtime folder, named for the root's
/// canonical path and the user.
pub fn root_lock_path(root: &Path) -> PathBuf {
    let dir = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    #[cfg(unix)]
    // SAFETY: getuid has no preconditions and cannot fail.
    let user = unsafe { libc::getuid() };
    #[cfg(not(unix))]
    let user = 0;
    let hash = blake3::hash(root.to_string_lossy().as_bytes());
    dir.join(format!("relnotes-{user}-{}.lock", &hash.to_hex()[..16]))
}

/// Takes both locks for watching `root` with the index at `index`. The
/// per-root one is skipped (with a warning) where the runtime folder cannot
/// be written; the index lock alone still keeps two daemons off one index.
pub fn acquire_all(index: &Path, root: &Path) -> Result<Locks, LockError> {
    let folder = lock_folder(root)?;
    let index = acquire_at(&lock_path(index), root)?;
    let root = match acquire_at(&root_lock_path(root), root) {
        Ok(l) => Some(l),
        Err(e @ LockError::Held { .. }) => return Err(e),
        Err(e) => {
            tracing::warn!("{e}; only the index's lock keeps other daemons away");
            None
        }
    };
    Ok(Locks {
        folder,
        index,
        root,
    })
}

/// After the root came back: keeps `held` when the root is still that
/// folder, else locks the folder now at `root` (a root deleted and made
/// again is a new folder, and the lock on the old one kept no one away).
pub fn relock_folder(held: &mut File, root: &Path) -> Result<(), LockError> {
    if !same_folder(held, root) {
        *held = lock_folder(root)?;
    }
    Ok(())
}

/// Whether `held` is the folder at `root` (not another one by that name).
fn same_folder(held: &File, root: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (held.metadata(), std::fs::metadata(root)) {
            (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (held, root);
        true
    }
}

/// Locks the root folder itself: whatever index or runtime folder another
/// daemon was given, it locked this same folder.
fn lock_folder(root: &Path) -> Result<File, LockError> {
    let io = |source| LockError::Io {
        path: root.to_path_buf(),
        source,
    };
    let folder = File::open(root).map_err(io)?;
    match folder.try_lock() {
        Ok(()) => Ok(folder),
        Err(TryLockError::WouldBlock) => {
            // The holder's pid is in its runtime lock file, if it could
            // write one where we look.
            let path = root_lock_path(root);
            let holder = std::fs::read_to_string(&path)
                .ok()
                .and_then(|t| t.split_whitespace().next().map(str::to_string))
                .filter(|pid| pid.chars().all(|c| c.is_ascii_digit()))
                .unwrap_or_else(|| "(pid unknown)".to_string());
            Err(LockError::Held {
                root: root.display().to_string(),
                holder,
                path: root.to_path_buf(),
            })
        }
        Err(TryLockError::Error(e)) => Err(io(e)),
    }
}

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{root}: already watched by relnotes process {holder} (lock {})", path.display())]
    Held {
        root: String,
        holder: String,
        path: PathBuf,
    },
    #[error("{}: cannot take the daemon lock: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The lock file of the index at `index`.
pub fn lock_path(index: &Path) -> PathBuf {
    let mut s = index.as_os_str().to_os_string();
    s.push(".lock");
    PathBuf::from(s)
}

/// Takes the lock for the index at `index` (watching `root`), or says who
/// holds it.
pub fn acquire(index: &Path, root: &Path) -> Result<Lock, LockError> {
    acquire_at(&lock_path(index), root)
}

/// Takes the lock file at `path` for a daemon watching `root`.
fn acquire_at(path: &Path, root: &Path) -> Result<Lock, LockError> {
    let path = path.to_path_buf();
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if dir.ancestors().any(Path::is_file) {
            return Err(io(std::io::Error::other(
                "a file is in the way of the index's folder: give --index a path whose folders are folders",
            )));
        }
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {
            let me = format!("{} {}\n", std::process::id(), root.display());
            file.set_len(0)
                .and_then(|()| file.rewind())
                .and_then(|()| file.write_all(me.as_bytes()))
                .map_err(io)?;
            Ok(Lock { _file: file, path })
        }
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            let holder = text
                .split_whitespace()
                .next()
                .filter(|pid| pid.chars().all(|c| c.is_ascii_digit()))
                .map_or_else(|| "(unknown pid)".to_string(), str::to_string);
            Err(LockError::Held {
                root: root.display().to_string(),
                holder,
                path,
            })
        }
        Err(TryLockError::Error(e)) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec9_one_daemon_per_root_and_the_lock_goes_with_its_holder() {
        let tmp = tempfile::tempdir().unwrap();
        let index = tmp.path().join("cache/index.sqlite");
        let first = acquire(&index, Path::new("/notes")).unwrap();
        let again = acquire(&index, Path::new("/notes")).unwrap_err();
        let msg = again.to_string();
        assert!(
            msg.starts_with("/notes: already watched by relnotes process "),
            "{msg}"
        );
        assert!(msg.contains(&std::process::id().to_string()), "{msg}");
        drop(first);
        assert!(acquire(&index, Path::new("/notes")).is_ok());
    }

    #[test]
    fn spec9_two_indexes_still_one_daemon_per_root() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("notes");
        std::fs::create_dir_all(&root).unwrap();
        let a = acquire_all(&tmp.path().join("a/index.sqlite"), &root).unwrap();
        let err = acquire_all(&tmp.path().join("b/index.sqlite"), &root).unwrap_err();
        assert!(err.to_string().contains("already watched"), "{err}");
        drop(a);
        assert!(acquire_all(&tmp.path().join("b/index.sqlite"), &root).is_ok());
    }
}
