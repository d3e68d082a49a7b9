//! A file the daemon publishes (the report; the calendar can be a second
//! one): a path and its bytes, written only where the user meant. Every
//! write walks from `/` to the file's folder one component at a time with
//! `O_NOFOLLOW` (`openat`), so a symlink anywhere on the way, put there
//! before start or swapped in later, is refused and never followed; the
//! file is replaced by `renameat` in that held folder (a link at the file's
//! own name is refused too), through a temp file of our own, fsynced, so a
//! reader never sees half a file. Temp files carry the target's name, the
//! marker `relnotes-tmp` and the writer's pid; start-up removes only those
//! whose writer is dead.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Component, Path, PathBuf};

/// The marker in our temp files' names.
const TEMP_MARK: &str = ".relnotes-tmp-";

/// One published file.
#[derive(Debug, Clone)]
pub struct Published {
    /// Where it goes (absolute), for the log.
    pub path: PathBuf,
    /// Relative to the root when it is inside it: its events are ours.
    pub rel: Option<String>,
    /// Link prefix from its folder to the root.
    pub base: String,
    /// Its folder's components from `/`, none of them a link when written.
    dir: Vec<OsString>,
    name: OsString,
}

/// Why a published file was not written.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{}: not written: `{}` is a symbolic link or not a folder (relnotes never writes through a link)", path.display(), at.display())]
    Link { path: PathBuf, at: PathBuf },
    #[error("{}: not written: it is a symbolic link or not a regular file", path.display())]
    NotFile { path: PathBuf },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl Published {
    /// The file at `path`: with `from_config`, a config value (relative,
    /// inside `root`); without, the path the user gave on the command line
    /// (its folder is taken as meant; only the file name itself must not
    /// be a link). `root` is canonical.
    pub fn new(root: &Path, path: &Path, from_config: bool) -> Result<Published, String> {
        let abs = if from_config {
            if path.is_absolute()
                || path
                    .components()
                    .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
            {
                return Err(format!(
                    "{}: a report path in the config must stay inside the notes root (no `..`, not absolute)",
                    path.display()
                ));
            }
            root.join(path)
        } else {
            let abs = crate::output::lexical_absolute(path);
            match (abs.parent(), abs.file_name()) {
                (Some(dir), Some(name)) => dir
                    .canonicalize()
                    .unwrap_or_else(|_| dir.to_path_buf())
                    .join(name),
                _ => abs,
            }
        };
        let name = abs
            .file_name()
            .ok_or_else(|| format!("{}: not a file name", path.display()))?
            .to_os_string();
        let dir: Vec<OsString> = abs
            .parent()
            .map(|p| {
                p.components()
                    .filter_map(|c| match c {
                        Component::Normal(s) => Some(s.to_os_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let rel = abs
            .strip_prefix(root)
            .ok()
            .map(|r| r.to_string_lossy().replace('\\', "/"));
        Ok(Published {
            base: crate::output::link_base(root, &abs),
            rel,
            path: abs,
            dir,
            name,
        })
    }

    /// Writes `bytes` unless the file already holds exactly them; true
    /// when it wrote.
    pub fn write_if_changed(&self, bytes: &[u8]) -> Result<bool, PublishError> {
        imp::write_if_changed(self, bytes)
    }

    /// Removes temp files a killed daemon left beside the file (ours only:
    /// our marker, this file's name, a writer that is gone); how many.
    pub fn clean_stale_temps(&self) -> usize {
        imp::clean_stale_temps(self)
    }

    fn temp_prefix(&self) -> OsString {
        let mut s = OsString::from(".");
        s.push(&self.name);
        s.push(TEMP_MARK);
        s
    }

    fn io(&self, source: io::Error) -> PublishError {
        PublishError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

/// The pid in one of our temp names (`.<name>.relnotes-tmp-<pid>-<rand>.tmp`).
fn temp_pid(prefix: &OsStr, name: &OsStr) -> Option<u32> {
    let name = name.to_str()?;
    let rest = name.strip_prefix(prefix.to_str()?)?.strip_suffix(".tmp")?;
    let (pid, rand) = rest.split_once('-')?;
    (rand.len() == 16 && rand.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| pid.parse().ok())
        .flatten()
}

/// Sixteen hex digits that differ between calls and processes.
fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", h.finish())
}

#[cfg(unix)]
mod imp {
    use std::ffi::{CString, OsStr};
    use std::fs::File;
    use std::io::{self, Read, Write};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::path::PathBuf;

    use super::{PublishError, Published};

    fn cstr(s: &OsStr) -> io::Result<CString> {
        CString::new(s.as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
    }

    fn openat(dir: &OwnedFd, name: &OsStr, flags: i32, mode: u32) -> io::Result<OwnedFd> {
        let c = cstr(name)?;
        // SAFETY: a valid dir fd and a NUL-terminated name; the returned fd
        // is owned by the caller.
        let fd =
            unsafe { libc::openat(dir.as_raw_fd(), c.as_ptr(), flags | libc::O_CLOEXEC, mode) };
        if fd < 0 {
            Err(io::Error::last_os_error())
        } else {
            // SAFETY: fd was just returned by openat and is ours.
            Ok(unsafe { OwnedFd::from_raw_fd(fd) })
        }
    }

    fn unlinkat(dir: &OwnedFd, name: &OsStr) {
        if let Ok(c) = cstr(name) {
            // SAFETY: a valid dir fd and a NUL-terminated name.
            unsafe {
                libc::unlinkat(dir.as_raw_fd(), c.as_ptr(), 0);
            }
        }
    }

    /// The file's folder, opened from `/` without following any link.
    fn open_dir(p: &Published) -> Result<OwnedFd, PublishError> {
        let dirflags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW;
        let mut fd = File::open("/").map(OwnedFd::from).map_err(|e| p.io(e))?;
        let mut at = PathBuf::from("/");
        for c in &p.dir {
            at.push(c);
            fd = match openat(&fd, c, dirflags, 0) {
                Ok(f) => f,
                Err(e) if matches!(e.raw_os_error(), Some(libc::ELOOP | libc::ENOTDIR)) => {
                    return Err(PublishError::Link {
                        path: p.path.clone(),
                        at,
                    })
                }
                Err(e) => return Err(p.io(e)),
            };
        }
        Ok(fd)
    }

    /// What the file holds now; `None` when it does not exist.
    fn current(p: &Published, dir: &OwnedFd) -> Result<Option<Vec<u8>>, PublishError> {
        let flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK;
        let fd = match openat(dir, &p.name, flags, 0) {
            Ok(fd) => fd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(PublishError::NotFile {
                    path: p.path.clone(),
                })
            }
            Err(e) => return Err(p.io(e)),
        };
        let mut f = File::from(fd);
        if !f.metadata().map_err(|e| p.io(e))?.is_file() {
            return Err(PublishError::NotFile {
                path: p.path.clone(),
            });
        }
        let mut old = Vec::new();
        f.read_to_end(&mut old).map_err(|e| p.io(e))?;
        Ok(Some(old))
    }

    pub fn write_if_changed(p: &Published, bytes: &[u8]) -> Result<bool, PublishError> {
        let dir = open_dir(p)?;
        if current(p, &dir)?.is_some_and(|old| old == bytes) {
            return Ok(false);
        }
        let mut tmp = p.temp_prefix();
        tmp.push(format!(
            "{}-{}.tmp",
            std::process::id(),
            super::random_hex()
        ));
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW;
        let fd = openat(&dir, &tmp, flags, 0o644).map_err(|e| p.io(e))?;
        let mut f = File::from(fd);
        let written = (|| {
            use std::os::unix::fs::PermissionsExt;
            f.write_all(bytes)?;
            f.set_permissions(std::fs::Permissions::from_mode(0o644))?;
            f.sync_all()?;
            let (from, to) = (cstr(&tmp)?, cstr(&p.name)?);
            // SAFETY: one valid dir fd for both NUL-terminated names.
            let r = unsafe {
                libc::renameat(dir.as_raw_fd(), from.as_ptr(), dir.as_raw_fd(), to.as_ptr())
            };
            if r != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        })();
        if let Err(e) = written {
            // A full disk must not keep our half file.
            unlinkat(&dir, &tmp);
            return Err(p.io(e));
        }
        // The rename is durable once the folder is.
        File::from(dir).sync_all().map_err(|e| p.io(e))?;
        Ok(true)
    }

    pub fn clean_stale_temps(p: &Published) -> usize {
        let Ok(dir) = open_dir(p) else { return 0 };
        let Ok(entries) = std::fs::read_dir(format!("/proc/self/fd/{}", dir.as_raw_fd()))
            .or_else(|_| std::fs::read_dir(p.path.parent().unwrap_or(&p.path)))
        else {
            return 0;
        };
        let prefix = p.temp_prefix();
        let mut n = 0;
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name();
            let Some(pid) = super::temp_pid(&prefix, &name) else {
                continue;
            };
            if !e.file_type().is_ok_and(|t| t.is_file()) || alive(pid) {
                continue;
            }
            unlinkat(&dir, &name);
            n += 1;
        }
        n
    }

    /// Whether process `pid` exists.
    fn alive(pid: u32) -> bool {
        let Ok(pid) = i32::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only checks that the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
}

#[cfg(not(unix))]
mod imp {
    use super::{PublishError, Published};

    pub fn write_if_changed(p: &Published, bytes: &[u8]) -> Result<bool, PublishError> {
        if std::fs::symlink_metadata(&p.path).is_ok_and(|m| !m.is_file()) {
            return Err(PublishError::NotFile {
                path: p.path.clone(),
            });
        }
        crate::output::write_if_changed(&p.path, bytes).map_err(|e| p.io(e))
    }

    pub fn clean_stale_temps(_: &Published) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec9_a_published_file_is_never_written_through_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("notes");
        std::fs::create_dir_all(root.join("real")).unwrap();
        let root = root.canonicalize().unwrap();
        let victim = tmp.path().join("victim.txt");
        std::fs::write(&victim, "mine").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&victim, root.join("R.md")).unwrap();
            std::os::unix::fs::symlink(tmp.path(), root.join("out")).unwrap();
            let p = Published::new(&root, Path::new("R.md"), true).unwrap();
            assert!(p.write_if_changed(b"x").is_err());
            let p = Published::new(&root, Path::new("out/victim.txt"), true).unwrap();
            assert!(p.write_if_changed(b"x").is_err());
            assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
        }
        assert!(Published::new(&root, Path::new("../victim.txt"), true).is_err());
        let p = Published::new(&root, Path::new("real/R.md"), true).unwrap();
        assert!(p.write_if_changed(b"one").unwrap());
        assert!(!p.write_if_changed(b"one").unwrap());
        assert_eq!(std::fs::read(root.join("real/R.md")).unwrap(), b"one");
        assert_eq!(p.rel.as_deref(), Some("real/R.md"));
    }

    #[test]
    fn start_up_removes_only_our_own_dead_temp_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let p = Published::new(&root, Path::new("R.md"), true).unwrap();
        let dead = ".R.md.relnotes-tmp-999999999-0123456789abcdef.tmp";
        let live = format!(
            ".R.md.relnotes-tmp-{}-0123456789abcdef.tmp",
            std::process::id()
        );
        for n in [
            dead,
            &live,
            ".relnotes-mine.tmp",
            ".R.md.relnotes-tmp-notes.tmp",
        ] {
            std::fs::write(root.join(n), "x").unwrap();
        }
        assert_eq!(p.clean_stale_temps(), usize::from(cfg!(unix)));
        assert!(!root.join(dead).exists() || cfg!(not(unix)));
        assert!(root.join(&live).exists());
        assert!(root.join(".relnotes-mine.tmp").exists());
        assert!(root.join(".R.md.relnotes-tmp-notes.tmp").exists());
    }
}
