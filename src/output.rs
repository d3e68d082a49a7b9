//! Files relnotes writes on request: the report (`report --output`) and
//! the small files of the user's state folder (the daemon's report goes
//! through `watch::publish`, which never follows a link). Written atomically (a temp file in the same
//! folder, fsync, rename, fsync the folder), so a reader or a sync tool
//! never sees half a report, and links inside it are made relative to the
//! folder it is written to.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// The temp files [`write_atomic`] leaves behind if it is killed: hidden, so
/// no walk reads them and no editor lists them.
const TEMP_PREFIX: &str = ".relnotes-";
const TEMP_SUFFIX: &str = ".tmp";

/// Writes `bytes` to `path` atomically: a temp file in the same folder,
/// fsync, rename over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_via_temp(path, bytes).map_err(plain)
}

/// `e` without the temp file's path that `tempfile` adds: a message names
/// the target the user asked for, not a file they never heard of.
fn plain(e: io::Error) -> io::Error {
    // tempfile wraps the OS error as "{error} at path {temp path:?}".
    let msg = e.to_string();
    match msg.find(" at path ") {
        Some(i) if e.get_ref().is_some() => io::Error::new(e.kind(), &msg[..i]),
        _ => e,
    }
}

fn write_via_temp(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    // The rename is durable only once the folder is.
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// Writes `bytes` to `path` atomically unless it already holds exactly
/// them; true when it wrote. An unchanged report keeps its mtime, so a
/// git-synced folder sees no churn.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    match std::fs::read(path) {
        Ok(old) if old == bytes => Ok(false),
        _ => write_atomic(path, bytes).map(|()| true),
    }
}

/// Whether `name` is one of [`write_atomic`]'s temp files.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

pub fn absolute(p: &Path) -> PathBuf {
    // Against the working folder (an absolute `p` stays as it is), links
    // resolved where the path exists, then `.` and `..` dropped.
    let abs = std::env::current_dir().unwrap_or_default().join(p);
    lexical_absolute(&abs.canonicalize().unwrap_or(abs))
}

/// `p` made absolute against the working folder, `.` and `..` resolved
/// textually (a link is never resolved here).
pub fn lexical_absolute(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The prefix that turns a root-relative note path into a link relative to
/// the folder a report is written in.
pub fn link_base(root: &Path, output: &Path) -> String {
    let root = absolute(root);
    let out_dir = absolute(
        output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    );
    let r: Vec<_> = root.components().collect();
    let o: Vec<_> = out_dir.components().collect();
    let common = r.iter().zip(&o).take_while(|(a, b)| a == b).count();
    let mut base = String::new();
    for _ in common..o.len() {
        base.push_str("../");
    }
    for c in &r[common..] {
        base.push_str(&c.as_os_str().to_string_lossy());
        base.push('/');
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec8_report_links_are_relative_to_the_report_file() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("notes");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        assert_eq!(link_base(&root, &root.join("R.md")), "");
        assert_eq!(link_base(&root, &root.join("sub/R.md")), "../");
        assert_eq!(link_base(&root, &tmp.path().join("R.md")), "notes/");
    }

    #[test]
    fn write_if_changed_keeps_an_unchanged_file() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("r.md");
        assert!(write_if_changed(&p, b"one").unwrap());
        assert!(!write_if_changed(&p, b"one").unwrap());
        assert!(write_if_changed(&p, b"two").unwrap());
    }

    #[test]
    fn write_atomic_errors_never_name_the_temp_file() {
        let tmp = tempfile::tempdir().unwrap();
        let e = write_atomic(&tmp.path().join("no/such/r.md"), b"x").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(!e.to_string().contains(TEMP_PREFIX), "{e}");
    }

    #[test]
    fn write_atomic_replaces_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("r.md");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
