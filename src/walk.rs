//! The notes on disk (SPEC §1): finding the root, walking it with hidden
//! files, excludes, reports and symlink policy applied, and reading one
//! note's bytes into text with every problem as a warning that names the
//! path.
//!
//! The walk runs folders in parallel and stats each note relative to its
//! open folder (`fstatat`, through `std::fs::DirEntry::metadata`), so the
//! stat every run needs for change detection costs no path lookups; the
//! result is sorted by path, whatever order the folders finished in. (It
//! replaces walkdir + a `stat` per path: 10,000 notes went from ~28 ms to
//! ~12 ms on two cores.)

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::model::Diagnostic;

/// The first line of every Markdown report relnotes writes.
pub const REPORT_MARKER: &str = "<!-- relnotes:report -->";

/// Notes larger than this are skipped with a warning: a guard against inputs
/// that make any Markdown parser slow.
pub const MAX_NOTE_BYTES: u64 = 4 * 1024 * 1024;

/// How the notes root was chosen (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootChoice {
    /// `--dir` or `RELNOTES_DIR`.
    Given,
    /// The nearest ancestor holding a root marker.
    Marker,
    /// No marker anywhere above: the working directory itself.
    WorkingDir,
}

/// What marks a folder as a notes root, as the user would name them.
pub const ROOT_MARKERS: &str = ".relnotes.toml, .git, .obsidian/ or logseq/config.edn";

/// Whether `dir` holds one of the [`ROOT_MARKERS`].
pub fn has_root_marker(dir: &Path) -> bool {
    dir.join(crate::config::FILE_NAME).exists()
        || dir.join(".git").exists()
        || dir.join(".obsidian").is_dir()
        || dir.join("logseq/config.edn").is_file()
}

/// Finds the notes root: `dir` (from `--dir` or `RELNOTES_DIR`), else the
/// nearest ancestor of `cwd` holding a root marker, else `cwd`.
pub fn find_root(dir: Option<&Path>, cwd: &Path) -> (PathBuf, RootChoice) {
    if let Some(d) = dir {
        return (d.to_path_buf(), RootChoice::Given);
    }
    match cwd.ancestors().find(|a| has_root_marker(a)) {
        Some(a) => (a.to_path_buf(), RootChoice::Marker),
        None => (cwd.to_path_buf(), RootChoice::WorkingDir),
    }
}

/// Whether `dir` is a folder no one means as a notes root when they did
/// not name it (SPEC §1), and which: `/` or the home folder itself.
pub fn too_wide(dir: &Path, home: Option<&Path>) -> Option<&'static str> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let dir = canon(dir);
    if dir.parent().is_none() {
        Some("the filesystem root")
    } else if home.is_some_and(|h| canon(h) == dir) {
        Some("the home folder")
    } else {
        None
    }
}

/// A file's stat as change detection compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub size: i64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub inode: i64,
}

impl Stat {
    pub fn of(m: &std::fs::Metadata) -> Stat {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stat {
                size: i64::try_from(m.size()).unwrap_or(i64::MAX),
                mtime_ns: m
                    .mtime()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(m.mtime_nsec()),
                ctime_ns: m
                    .ctime()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(m.ctime_nsec()),
                inode: i64::try_from(m.ino()).unwrap_or(i64::MAX),
            }
        }
        #[cfg(not(unix))]
        {
            use std::time::{SystemTime, UNIX_EPOCH};
            let ns = |t: std::io::Result<SystemTime>| {
                t.ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            };
            Stat {
                size: i64::try_from(m.len()).unwrap_or(i64::MAX),
                mtime_ns: ns(m.modified()),
                ctime_ns: ns(m.created()),
                inode: 0,
            }
        }
    }
}

/// One note found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteFile {
    /// Relative to the root, with `/`.
    pub rel: String,
    pub abs: PathBuf,
    /// Its stat at walk time; `None` if it went away before it was stat'ed.
    pub stat: Option<Stat>,
}

/// The result of a walk: notes in byte order of their relative paths, and
/// the problems met on the way.
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<NoteFile>,
    /// Every folder entered, the root first, then in path order.
    pub folders: Vec<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
    /// Paths below the root (`""` for the root itself) whose contents are
    /// unknown: a folder that could not be read, a followed symlink that
    /// leads nowhere. What the index knew below them is kept.
    pub unseen: Vec<String>,
}

impl Walk {
    /// Whether a note at `rel` may exist though the walk did not see it.
    pub fn may_hold(&self, rel: &str) -> bool {
        self.unseen.iter().any(|u| {
            u.is_empty()
                || rel == u
                || (rel.len() > u.len()
                    && rel.starts_with(u.as_str())
                    && rel.as_bytes()[u.len()] == b'/')
        })
    }
}

/// A file name as text that tells every name apart: a UTF-8 name as it
/// is; in any other, each byte that is not UTF-8 becomes U+FFFD and its
/// two hex digits (`x\xff.md` is `x\u{FFFD}ff.md`, and `x\xfe.md` is a
/// different note), so notes are keyed by their raw bytes and shown
/// lossily. A U+FFFD the name itself holds is written twice, so the name
/// `x\u{FFFD}ff.md` is not taken for `x\xff.md`.
pub fn name_text(name: &std::ffi::OsStr) -> std::borrow::Cow<'_, str> {
    #[cfg(unix)]
    {
        use std::fmt::Write as _;
        use std::os::unix::ffi::OsStrExt;
        let bytes = name.as_bytes();
        match std::str::from_utf8(bytes) {
            Ok(s) if !s.contains('\u{FFFD}') => return std::borrow::Cow::Borrowed(s),
            _ => {}
        }
        let mut out = String::with_capacity(bytes.len() + 8);
        for chunk in bytes.utf8_chunks() {
            for c in chunk.valid().split_inclusive('\u{FFFD}') {
                out.push_str(c);
                if c.ends_with('\u{FFFD}') {
                    out.push('\u{FFFD}');
                }
            }
            for b in chunk.invalid() {
                let _ = write!(out, "\u{FFFD}{b:02x}");
            }
        }
        std::borrow::Cow::Owned(out)
    }
    #[cfg(not(unix))]
    name.to_string_lossy()
}

/// Whether a file name is a note's: `.md` or `.markdown`, any case.
pub fn is_note_name(name: &str) -> bool {
    let ends = |ext: &str| {
        name.len() > ext.len()
            && name.is_char_boundary(name.len() - ext.len())
            && name[name.len() - ext.len()..].eq_ignore_ascii_case(ext)
    };
    ends(".md") || ends(".markdown")
}

/// Whether `rel` (a file or folder) is excluded by the config's globs.
fn excluded(cfg: &Config, rel: &str) -> bool {
    !cfg.exclude_globs.is_empty() && cfg.exclude.is_match(rel)
}

/// Logseq's copies of pages (SPEC §1), below any folder named `logseq`.
const LOGSEQ_COPIES: [&str; 2] = ["logseq/bak", "logseq/version-files"];

/// Whether the folder `rel` is one no walk enters whatever `exclude` says
/// (SPEC §1): Logseq's copies of pages, which would count every interaction
/// twice, and the vault's template folders (§11, in any case, as the app
/// finds them on a case-insensitive disk).
pub fn always_skipped(cfg: &Config, rel: &str) -> bool {
    let ends_with = |tail: &str| {
        rel.ends_with(tail)
            && (rel.len() == tail.len() || rel.as_bytes()[rel.len() - tail.len() - 1] == b'/')
    };
    let same = |a: &str, b: &str| {
        a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
    };
    LOGSEQ_COPIES.iter().any(|t| ends_with(t))
        || cfg.parse.vault.templates.iter().any(|t| same(t, rel))
}

/// Whether a path relative to the root is one no walk enters: a hidden
/// file or folder on the way, an excluded one or one always skipped.
pub fn is_skipped(cfg: &Config, rel: &str) -> bool {
    let mut end = 0;
    for part in rel.split('/') {
        if part.starts_with('.') {
            return true;
        }
        end += part.len();
        if excluded(cfg, &rel[..end]) || always_skipped(cfg, &rel[..end]) {
            return true;
        }
        end += 1;
    }
    false
}

/// The folders a walk of `root` enters, the root first: what the daemon
/// watches.
pub fn folders(root: &Path, cfg: &Config) -> Vec<PathBuf> {
    walk_with(root, cfg, false).folders
}

/// What the walk of one folder found (its subfolders included).
#[derive(Default)]
struct Found {
    files: Vec<NoteFile>,
    folders: Vec<PathBuf>,
    diagnostics: Vec<Diagnostic>,
    unseen: Vec<String>,
}

impl Found {
    fn merge(mut self, other: Found) -> Found {
        self.files.extend(other.files);
        self.folders.extend(other.folders);
        self.diagnostics.extend(other.diagnostics);
        self.unseen.extend(other.unseen);
        self
    }

    fn cannot_read(&mut self, rel: &str, e: &std::io::Error) {
        self.unseen.push(rel.to_string());
        self.diagnostics
            .push(Diagnostic::warning(rel, 0, 0, format!("cannot read: {e}")));
    }
}

/// A folder to walk: its path, its path below the root, and the identities
/// of the folders above it.
type Subfolder = (PathBuf, String, Vec<(u64, u64)>);

/// A folder's identity, to find symlink loops.
#[cfg(unix)]
fn folder_id(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn folder_id(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// A folder with at least this many notes has them stat'ed in parallel.
const PARALLEL_STATS: usize = 256;

/// How many notes a batch stat'ed while the listing goes on holds.
const STAT_BATCH: usize = 2048;

/// Walks the folder `dir` (`rel` below the root; `ancestors` are the
/// folders above it, for loop detection) and, in parallel, its subfolders.
/// `stat`: stat each note (what change detection needs; the daemon's list
/// of folders does not).
fn walk_folder(
    cfg: &Config,
    stat: bool,
    dir: PathBuf,
    rel: String,
    ancestors: Vec<(u64, u64)>,
) -> Found {
    let mut found = Found::default();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => {
            found.cannot_read(&rel, &e);
            return found;
        }
    };
    found.folders.push(dir.clone());
    let join = |name: &str| {
        if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        }
    };
    let mut subfolders: Vec<Subfolder> = Vec::new();
    // The stat every run needs, an `fstatat` relative to the open folder.
    let of = |(entry, rel): (std::fs::DirEntry, String)| NoteFile {
        stat: if stat {
            entry.metadata().ok().map(|m| Stat::of(&m))
        } else {
            None
        },
        abs: entry.path(),
        rel,
    };
    // A big folder's notes are stat'ed on the other cores in batches
    // while the listing goes on (200,000 person pages: the listing and the
    // stats were ~190 and ~300 ms one after the other).
    let stated: std::sync::Mutex<Vec<Vec<NoteFile>>> = std::sync::Mutex::new(Vec::new());
    // Notes still to stat, with their relative paths.
    let mut unstated: Vec<(std::fs::DirEntry, String)> = Vec::new();
    rayon::scope(|batches| {
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    found.cannot_read(&rel, &e);
                    continue;
                }
            };
            let name = entry.file_name();
            let name = name_text(&name);
            if name.starts_with('.') {
                continue;
            }
            let child_rel = join(&name);
            if !cfg.exclude_globs.is_empty() && excluded(cfg, &child_rel) {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            // What the entry is once the symlink policy is applied.
            let (is_dir, meta) = if kind.is_symlink() {
                if !cfg.follow_symlinks {
                    continue;
                }
                match std::fs::metadata(entry.path()) {
                    Ok(m) => (m.is_dir(), Some(m)),
                    Err(e) => {
                        found.cannot_read(&child_rel, &e);
                        continue;
                    }
                }
            } else {
                (kind.is_dir(), None)
            };
            if is_dir {
                if always_skipped(cfg, &child_rel) {
                    continue;
                }
                let id = match &meta {
                    Some(m) => Some(folder_id(m)),
                    None if cfg.follow_symlinks => entry.metadata().ok().map(|m| folder_id(&m)),
                    None => None,
                };
                if let Some(id) = id {
                    if ancestors.contains(&id) {
                        found.diagnostics.push(Diagnostic::warning(
                            &child_rel,
                            0,
                            0,
                            "symlink loop: not followed",
                        ));
                        continue;
                    }
                }
                let mut up = ancestors.clone();
                up.extend(id);
                subfolders.push((entry.path(), child_rel, up));
                continue;
            }
            if !is_note_name(&name) || cfg.report.as_deref() == Some(child_rel.as_str()) {
                continue;
            }
            let is_file = meta
                .as_ref()
                .map_or_else(|| kind.is_file(), std::fs::Metadata::is_file);
            if !is_file {
                // A FIFO, device or socket: never opened (a FIFO would block).
                found.diagnostics.push(special(&child_rel));
                continue;
            }
            match meta {
                Some(m) if stat => found.files.push(NoteFile {
                    rel: child_rel,
                    abs: entry.path(),
                    stat: Some(Stat::of(&m)),
                }),
                _ => {
                    unstated.push((entry, child_rel));
                    if stat && unstated.len() == STAT_BATCH {
                        let batch = std::mem::take(&mut unstated);
                        let (of, stated) = (&of, &stated);
                        batches.spawn(move |_| {
                            let files = batch.into_iter().map(of).collect();
                            stated.lock().unwrap_or_else(|e| e.into_inner()).push(files);
                        });
                    }
                }
            }
        }
        // The rest: in parallel in a big folder.
        if stat && unstated.len() >= PARALLEL_STATS {
            found.files.par_extend(unstated.into_par_iter().map(of));
        } else {
            found.files.extend(unstated.into_iter().map(of));
        }
    });
    // In any order: the walk sorts every note by path.
    for files in stated.into_inner().unwrap_or_else(|e| e.into_inner()) {
        found.files.extend(files);
    }
    let below = subfolders
        .into_par_iter()
        .map(|(path, rel, up)| walk_folder(cfg, stat, path, rel, up))
        .reduce(Found::default, Found::merge);
    found.merge(below)
}

/// Walks the notes below `root`, each with its stat.
pub fn walk(root: &Path, cfg: &Config) -> Walk {
    walk_with(root, cfg, true)
}

fn walk_with(root: &Path, cfg: &Config, stat: bool) -> Walk {
    let ancestors = if cfg.follow_symlinks {
        std::fs::metadata(root)
            .map(|m| vec![folder_id(&m)])
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let found = walk_folder(cfg, stat, root.to_path_buf(), String::new(), ancestors);
    let mut out = Walk {
        files: found.files,
        folders: found.folders,
        diagnostics: found.diagnostics,
        unseen: found.unseen,
    };
    // A global byte order of the relative paths makes every later step
    // independent of folder structure and thread timing.
    out.files.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
    if let Some((first, rest)) = out.folders.split_first_mut() {
        if first.as_path() == root {
            rest.sort_unstable();
        } else {
            out.folders.sort_unstable();
        }
    }
    out.diagnostics.sort();
    out.diagnostics.dedup();
    out
}

/// What a sync looks at when the OS said which files changed (the daemon,
/// the language server): the notes among `paths`, each stat'ed alone
/// instead of walking the tree.
#[derive(Debug, Default)]
pub struct Looked {
    /// Every note path looked at, relative to the root, sorted and unique:
    /// those the index knows but `walk` does not hold are gone.
    pub rels: Vec<String>,
    /// The notes among them that are there, in the order of `rels`.
    pub walk: Walk,
}

/// The notes at `paths` (absolute), each stat'ed alone. Paths outside the
/// root, hidden, excluded, skipped or not named like a note are left out,
/// as a walk leaves them. `None` when one of them is not plainly a note or
/// plainly absent: a name that is not UTF-8, a symlink on the way or at
/// the end, a folder or a FIFO where the note was, a stat that failed but
/// for "not found". A full walk decides those, and says what it met.
pub fn notes_at(root: &Path, cfg: &Config, paths: &[PathBuf]) -> Option<Looked> {
    let mut out = Looked::default();
    for path in paths {
        let Ok(below) = path.strip_prefix(root) else {
            continue;
        };
        let mut parts = Vec::new();
        for c in below.components() {
            match c {
                // A name the walk would spell otherwise (`name_text`).
                std::path::Component::Normal(name) => match name.to_str() {
                    Some(n) if !n.contains('\u{FFFD}') => parts.push(n),
                    _ => return None,
                },
                _ => return None,
            }
        }
        let rel = parts.join("/");
        let name = parts.last().copied().unwrap_or_default();
        if rel.is_empty()
            || !is_note_name(name)
            || is_skipped(cfg, &rel)
            || cfg.report.as_deref() == Some(rel.as_str())
        {
            continue;
        }
        if let Some(file) = plain_note(root, &parts, rel.clone())? {
            out.walk.files.push(file);
        }
        out.rels.push(rel);
    }
    out.rels.sort_unstable();
    out.rels.dedup();
    out.walk.files.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
    out.walk.files.dedup_by(|a, b| a.rel == b.rel);
    Some(out)
}

/// The note at `parts` below `root`: `Some(None)` when it plainly is not
/// there (it or a folder on its way is gone), `None` when only a walk can
/// tell (see [`notes_at`]).
fn plain_note(root: &Path, parts: &[&str], rel: String) -> Option<Option<NoteFile>> {
    let mut at = root.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        at.push(part);
        let m = match std::fs::symlink_metadata(&at) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(None),
            Err(_) => return None,
        };
        let last = i + 1 == parts.len();
        let plain = if last { m.is_file() } else { m.is_dir() };
        if !plain {
            return None;
        }
        if last {
            return Some(Some(NoteFile {
                rel,
                abs: at,
                stat: Some(Stat::of(&m)),
            }));
        }
    }
    Some(None)
}

/// The outcome of reading one note.
#[derive(Debug)]
pub enum Loaded {
    /// The text, and a warning if it was not valid UTF-8.
    Text(String, Option<Diagnostic>),
    /// A report written by relnotes: not a note.
    Report,
    /// Not read: binary, too large or unreadable.
    Skipped(Diagnostic),
}

/// Reads one note, applying the binary, size, report and UTF-8 rules.
pub fn read_note(file: &NoteFile) -> Loaded {
    match read_bytes(file) {
        Ok(bytes) => decode(&file.rel, bytes),
        Err(d) => Loaded::Skipped(d),
    }
}

/// The warning for a note name that is a FIFO, device or socket.
fn special(rel: &str) -> Diagnostic {
    Diagnostic::warning(
        rel,
        0,
        0,
        "not a regular file (a FIFO, device or socket): never read",
    )
}

/// Reads a note's bytes, refusing files over [`MAX_NOTE_BYTES`]; the error
/// is a warning naming the file.
pub fn read_bytes(file: &NoteFile) -> Result<Vec<u8>, Diagnostic> {
    let rel = file.rel.as_str();
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    // A FIFO swapped in after the walk must not block the open.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut opts, libc::O_NONBLOCK);
    let open = opts.open(&file.abs).and_then(|f| {
        let m = f.metadata()?;
        Ok((f, m.len(), m.is_file()))
    });
    let (f, len, is_file) =
        open.map_err(|e| Diagnostic::warning(rel, 0, 0, format!("cannot read: {e}")))?;
    if !is_file {
        return Err(special(rel));
    }
    let too_big = || {
        Diagnostic::warning(
            rel,
            0,
            0,
            format!(
                "skipped: over the {} MiB limit for a note",
                MAX_NOTE_BYTES / (1024 * 1024)
            ),
        )
    };
    if len > MAX_NOTE_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    // Read at most one byte past the limit, in case the file grew.
    f.take(MAX_NOTE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Diagnostic::warning(rel, 0, 0, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_NOTE_BYTES {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Applies the binary, report and UTF-8 rules to a note's bytes.
pub fn decode(rel: &str, bytes: Vec<u8>) -> Loaded {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Loaded::Skipped(Diagnostic::warning(
            rel,
            0,
            0,
            "skipped: binary file (NUL byte in the first 8 KiB)",
        ));
    }
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    if body.starts_with(REPORT_MARKER.as_bytes()) {
        return Loaded::Report;
    }
    match String::from_utf8(bytes) {
        Ok(s) => Loaded::Text(s, None),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..valid]
                .iter()
                .filter(|&&c| c == b'\n')
                .count()
                + 1;
            let warn = Diagnostic::warning(
                rel,
                u32::try_from(line).unwrap_or(0),
                0,
                "not valid UTF-8: read with U+FFFD in place of bad bytes",
            );
            Loaded::Text(
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
                Some(warn),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_folder_stated_in_batches_while_listed_yields_every_note_once_with_its_stat() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("big")).unwrap();
        // Three full batches and a partial one, a subfolder and a non-note.
        let n = 3 * STAT_BATCH + PARALLEL_STATS + 7;
        for i in 0..n {
            std::fs::write(root.join(format!("big/p{i:05}.md")), i.to_string()).unwrap();
        }
        std::fs::create_dir(root.join("big/sub")).unwrap();
        std::fs::write(root.join("big/sub/s.md"), "s").unwrap();
        std::fs::write(root.join("big/x.png"), "x").unwrap();
        let w = walk(root, &Config::default());
        let rels: Vec<&str> = w.files.iter().map(|f| f.rel.as_str()).collect();
        let mut want: Vec<String> = (0..n).map(|i| format!("big/p{i:05}.md")).collect();
        want.push("big/sub/s.md".into());
        want.sort();
        assert_eq!(rels, want);
        for f in &w.files {
            let m = std::fs::metadata(&f.abs).unwrap();
            assert_eq!(f.stat, Some(Stat::of(&m)), "{}", f.rel);
        }
        // Without stats (the daemon's folders): the same folders.
        assert_eq!(folders(root, &Config::default()), w.folders);
    }

    #[test]
    #[cfg(unix)]
    fn notes_at_stats_plain_notes_alone_and_leaves_the_rest_to_a_walk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.md"), "a").unwrap();
        std::fs::write(root.join("sub/b.md"), "b").unwrap();
        std::fs::write(root.join("photo.png"), "p").unwrap();
        let cfg = Config::default();
        let at = |rels: &[&str]| {
            let paths: Vec<PathBuf> = rels.iter().map(|r| root.join(r)).collect();
            notes_at(root, &cfg, &paths)
        };
        // Present, gone (also below a gone folder), hidden, not a note.
        let l = at(&[
            "sub/b.md",
            "a.md",
            "gone.md",
            "nofolder/x.md",
            ".hidden/c.md",
            "photo.png",
        ])
        .unwrap();
        assert_eq!(l.rels, ["a.md", "gone.md", "nofolder/x.md", "sub/b.md"]);
        let found: Vec<&str> = l.walk.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(found, ["a.md", "sub/b.md"]);
        assert_eq!(l.walk.files[0].stat, walk(root, &cfg).files[0].stat);
        // What only a walk can tell.
        std::os::unix::fs::symlink(root.join("sub"), root.join("link")).unwrap();
        std::fs::create_dir(root.join("folder.md")).unwrap();
        std::os::unix::fs::symlink(root.join("a.md"), root.join("l.md")).unwrap();
        for rels in [["link/b.md"], ["folder.md"], ["l.md"], ["a.md/x.md"]] {
            assert!(at(&rels).is_none(), "{rels:?}");
        }
    }

    #[test]
    #[cfg(unix)]
    fn spec1_names_are_told_apart_by_their_bytes_even_with_u_fffd_in_them() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let text = |b: &[u8]| name_text(OsStr::from_bytes(b)).into_owned();
        assert_eq!(text(b"plain.md"), "plain.md");
        assert_eq!(text(b"x\xff.md"), "x\u{FFFD}ff.md");
        // The name `x\u{FFFD}ff.md` is another note than `x\xff.md`.
        assert_eq!(text("x\u{FFFD}ff.md".as_bytes()), "x\u{FFFD}\u{FFFD}ff.md");
        let names: [&[u8]; 6] = [
            b"x\xff.md",
            "x\u{FFFD}ff.md".as_bytes(),
            "x\u{FFFD}\u{FFFD}ff.md".as_bytes(),
            b"x\xff\xff.md",
            b"x\xef\xbf\xbd\xff.md",
            b"x\xef\xbf\xbd\xef.md",
        ];
        let all: std::collections::BTreeSet<String> = names.iter().map(|n| text(n)).collect();
        assert_eq!(all.len(), names.len(), "{all:?}");
    }

    #[test]
    fn spec1_binary_is_skipped_and_invalid_utf8_is_lossy() {
        assert!(matches!(
            decode("a.md", b"ab\0cd".to_vec()),
            Loaded::Skipped(_)
        ));
        match decode("a.md", b"@zed \xff\xfe\n".to_vec()) {
            Loaded::Text(s, Some(w)) => {
                assert!(s.contains('\u{fffd}'));
                assert_eq!(w.path, "a.md");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn spec1_report_marker_is_not_a_note() {
        let mut b = REPORT_MARKER.as_bytes().to_vec();
        b.extend_from_slice(b"\n# Report\n@alice\n");
        assert!(matches!(decode("r.md", b.clone()), Loaded::Report));
        let mut bom = "\u{feff}".as_bytes().to_vec();
        bom.extend(b);
        assert!(matches!(decode("r.md", bom), Loaded::Report));
        assert!(matches!(
            decode("r.md", b"x\n<!-- relnotes:report -->".to_vec()),
            Loaded::Text(..)
        ));
    }

    #[test]
    fn spec1_root_discovery() {
        let tmp = tempfile::tempdir().unwrap();
        let deep = tmp.path().join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(
            find_root(None, &deep),
            (deep.clone(), RootChoice::WorkingDir)
        );
        std::fs::write(tmp.path().join("a/.relnotes.toml"), "").unwrap();
        let marker = |p: PathBuf| (p, RootChoice::Marker);
        assert_eq!(find_root(None, &deep), marker(tmp.path().join("a")));
        std::fs::create_dir(tmp.path().join("a/b/.git")).unwrap();
        assert_eq!(find_root(None, &deep), marker(tmp.path().join("a/b")));
        assert_eq!(
            find_root(Some(Path::new("/x")), &deep),
            (PathBuf::from("/x"), RootChoice::Given)
        );
    }

    #[test]
    fn spec1_obsidian_and_logseq_folders_are_root_markers() {
        let tmp = tempfile::tempdir().unwrap();
        let deep = tmp.path().join("vault/Daily/2026");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir_all(tmp.path().join("vault/.obsidian")).unwrap();
        let found = find_root(None, &deep);
        assert_eq!(found, (tmp.path().join("vault"), RootChoice::Marker));
        let graph = tmp.path().join("vault/Daily/graph");
        std::fs::create_dir_all(graph.join("logseq")).unwrap();
        std::fs::create_dir_all(graph.join("pages")).unwrap();
        // A `logseq/` folder alone is no graph; its config.edn makes one.
        assert_eq!(
            find_root(None, &graph.join("pages")).0,
            tmp.path().join("vault")
        );
        std::fs::write(graph.join("logseq/config.edn"), "{}").unwrap();
        assert_eq!(find_root(None, &graph.join("pages")).0, graph);
    }

    #[test]
    fn spec1_root_and_home_are_too_wide() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(too_wide(Path::new("/"), None), Some("the filesystem root"));
        let home = Some("the home folder");
        assert_eq!(too_wide(tmp.path(), Some(tmp.path())), home);
        // The same folder by another spelling.
        assert_eq!(too_wide(&tmp.path().join("."), Some(tmp.path())), home);
        let notes = tmp.path().join("notes");
        std::fs::create_dir(&notes).unwrap();
        assert_eq!(too_wide(&notes, Some(tmp.path())), None);
        assert_eq!(too_wide(tmp.path(), Some(&notes)), None);
    }

    #[test]
    fn spec1_logseq_copies_and_template_folders_are_always_skipped() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for f in [
            "journals/2026_11_10.md",
            "pages/Alice.md",
            "logseq/bak/pages/Alice/2026-11-10T10_00_00.000Z.Desktop.md",
            "logseq/version-files/base/pages/Alice.md",
            "sub/graph/logseq/bak/journals/x.md",
            "bak/kept.md",
            "version-files/kept.md",
            "notlogseq/bak/kept.md",
            "Templates/Daily.md",
            "Meta/Templater/Person.md",
            "Meta/kept.md",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let mut cfg = Config::default();
        // `templates.json` says `templates`: the `Templates/` folder it is.
        cfg.parse.vault.templates = vec!["Meta/Templater".into(), "templates".into()];
        let rels: Vec<_> = walk(root, &cfg).files.into_iter().map(|f| f.rel).collect();
        assert_eq!(
            rels,
            [
                "Meta/kept.md",
                "bak/kept.md",
                "journals/2026_11_10.md",
                "notlogseq/bak/kept.md",
                "pages/Alice.md",
                "version-files/kept.md",
            ]
        );
        for rel in [
            "logseq/bak/pages/x.md",
            "logseq/version-files",
            "Templates/Daily.md",
            "Meta/Templater/Person.md",
        ] {
            assert!(is_skipped(&cfg, rel), "{rel}");
        }
        assert!(!is_skipped(&cfg, "Meta/Templater.md"));
        assert!(!is_skipped(&cfg, "notlogseq/bak/x.md"));
        // `exclude` cannot bring them back: it only adds.
        cfg.exclude_globs = vec!["nothing".into()];
        cfg.exclude = crate::config::build_excludes(&cfg.exclude_globs).unwrap();
        assert_eq!(walk(root, &cfg).files.len(), 6);
    }

    #[test]
    fn spec1_walk_skips_hidden_excluded_and_non_notes() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for f in [
            "b.md",
            "a.markdown",
            "c.txt",
            ".hidden.md",
            ".obsidian/w.md",
            "templates/daily.md",
            "x/templates/t.md",
            "sub/Z.MD",
            "RELNOTES.md",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let mut cfg = Config::default();
        cfg.exclude_globs = vec!["templates".into()];
        cfg.exclude = crate::config::build_excludes(&cfg.exclude_globs).unwrap();
        cfg.report = Some("RELNOTES.md".into());
        let w = walk(root, &cfg);
        let rels: Vec<_> = w.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["a.markdown", "b.md", "sub/Z.MD"]);
        let dirs: Vec<_> = folders(root, &cfg)
            .into_iter()
            .map(|d| d.strip_prefix(root).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(dirs, ["", "sub", "x"]);
        for rel in [
            ".hidden.md",
            ".obsidian/w.md",
            "templates/daily.md",
            "x/templates/t.md",
        ] {
            assert!(is_skipped(&cfg, rel), "{rel}");
        }
        for rel in ["b.md", "sub/Z.MD", "x/y.md", "templates.md"] {
            assert!(!is_skipped(&cfg, rel), "{rel}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn spec1_symlinks_not_followed_unless_configured_and_loops_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir(root.join("d")).unwrap();
        std::fs::write(root.join("d/n.md"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("d"), root.join("d/loop")).unwrap();
        std::os::unix::fs::symlink(root.join("d/n.md"), root.join("link.md")).unwrap();
        let mut cfg = Config::default();
        let w = walk(root, &cfg);
        assert_eq!(w.files.len(), 1);
        assert!(w.diagnostics.is_empty());
        cfg.follow_symlinks = true;
        let w = walk(root, &cfg);
        let rels: Vec<_> = w.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["d/n.md", "link.md"]);
        assert_eq!(w.diagnostics.len(), 1, "{:?}", w.diagnostics);
        assert!(w.diagnostics[0].message.contains("loop"));
    }
}
