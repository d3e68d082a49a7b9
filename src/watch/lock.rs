//! One daemon per notes root: an OS file lock on a file beside the index
//! (`index.sqlite.lock`). The OS releases it when the process dies, however
//! it dies, so a SIGKILLed daemon never blocks the next one. The file holds
//! the holder's pid and root, for the message a second daemon prints.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A held lock; released on drop (and by the OS on exit).
#[derive(Debug)]
pub struct Lock {
    _file: File,
    pub path: PathBuf,
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
    let path = lock_path(index);
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
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
}
