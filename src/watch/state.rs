//! What the daemon keeps in the user's own state folder
//! (`$XDG_STATE_HOME/relnotes`, else the platform's, e.g.
//! `~/.local/state/relnotes`), outside the notes and apart from the index,
//! keyed by the root's canonical path:
//!
//! - `allowed/<root key>`: the config a user allowed to run `on_due` on
//!   this machine (`relnotes allow`), by content hash, with the root's path;
//! - `fired/<root key>`: the reminders `on_due` ran for today and
//!   yesterday, one `day hash` line each, so neither a restart nor an index
//!   rebuild runs a hook twice in a day (SPEC §9).
//!
//! Both are small files replaced atomically.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

/// The state folder, or `None` when there is no home to put it in.
pub fn dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(dirs::state_dir)
        .or_else(dirs::data_local_dir)
        .map(|d| d.join("relnotes"))
}

/// A root's file name in the state folder: a hash of its canonical path's
/// bytes.
fn root_key(root: &Path) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(root.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = root.to_string_lossy().as_bytes().to_vec();
    blake3::hash(&bytes).to_hex()[..32].to_string()
}

/// Where `root`'s record of kind `what` lives.
fn file(what: &str, root: &Path) -> Option<PathBuf> {
    dir().map(|d| d.join(what).join(root_key(root)))
}

/// Records that the config with hash `fingerprint` may run hooks for
/// `root`; returns the file it wrote.
pub fn allow(root: &Path, fingerprint: &str) -> std::io::Result<PathBuf> {
    let path = file("allowed", root).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no state folder (set XDG_STATE_HOME or HOME)",
        )
    })?;
    write(
        &path,
        format!("{fingerprint}\n{}\n", root.display()).as_bytes(),
    )?;
    Ok(path)
}

/// Whether the config with hash `fingerprint` was allowed for `root`.
pub fn is_allowed(root: &Path, fingerprint: &str) -> bool {
    file("allowed", root)
        .and_then(|p| std::fs::read_to_string(p).ok())
        .is_some_and(|t| t.lines().next() == Some(fingerprint))
}

fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    crate::output::write_atomic(path, bytes)
}

/// The reminders `on_due` ran for, by day and key hash.
#[derive(Debug, Default)]
pub struct Fired {
    path: Option<PathBuf>,
    set: BTreeSet<(NaiveDate, String)>,
}

impl Fired {
    /// Loads `root`'s record (empty when there is none yet).
    pub fn load(root: &Path) -> Fired {
        let path = file("fired", root);
        let set = path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let (day, key) = l.split_once(' ')?;
                Some((crate::dates::parse_iso(day)?, key.to_string()))
            })
            .collect();
        Fired { path, set }
    }

    /// Marks `keys` fired on `day`; for each, whether it is new. Days
    /// before yesterday are forgotten. An error means the record is in
    /// memory only.
    pub fn mark(&mut self, day: NaiveDate, keys: &[String]) -> (Vec<bool>, std::io::Result<()>) {
        let fresh: Vec<bool> = keys
            .iter()
            .map(|k| self.set.insert((day, hash(k))))
            .collect();
        let keep = day.pred_opt().unwrap_or(day);
        self.set.retain(|(d, _)| *d >= keep);
        let saved = if fresh.iter().any(|f| *f) {
            self.save()
        } else {
            Ok(())
        };
        (fresh, saved)
    }

    /// Forgets that `keys` fired on `day` (their hook never ran).
    pub fn unmark(&mut self, day: NaiveDate, keys: &[String]) -> std::io::Result<()> {
        for k in keys {
            self.set.remove(&(day, hash(k)));
        }
        self.save()
    }

    fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no state folder (set XDG_STATE_HOME or HOME)",
            ));
        };
        let mut text = String::new();
        for (d, k) in &self.set {
            text.push_str(&format!("{} {k}\n", crate::dates::iso(*d)));
        }
        write(path, text.as_bytes())
    }
}

fn hash(key: &str) -> String {
    blake3::hash(key.as_bytes()).to_hex()[..32].to_string()
}
