//! The notes on disk (SPEC §1): finding the root, walking it in sorted order
//! with hidden files, excludes, reports and symlink policy applied, and
//! reading one note's bytes into text with every problem as a warning that
//! names the path.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::model::Diagnostic;

/// The first line of every Markdown report relnotes writes.
pub const REPORT_MARKER: &str = "<!-- relnotes:report -->";

/// Notes larger than this are skipped with a warning: a guard against inputs
/// that make any Markdown parser slow.
pub const MAX_NOTE_BYTES: u64 = 4 * 1024 * 1024;

/// Finds the notes root: `dir` (from `--dir` or `RELNOTES_DIR`), else the
/// nearest ancestor of `cwd` holding `.relnotes.toml` or `.git`, else `cwd`.
pub fn find_root(dir: Option<&Path>, cwd: &Path) -> PathBuf {
    if let Some(d) = dir {
        return d.to_path_buf();
    }
    cwd.ancestors()
        .find(|a| a.join(crate::config::FILE_NAME).exists() || a.join(".git").exists())
        .unwrap_or(cwd)
        .to_path_buf()
}

/// One note found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteFile {
    /// Relative to the root, with `/`.
    pub rel: String,
    pub abs: PathBuf,
}

/// The result of a walk: notes in byte order of their relative paths, and
/// the problems met on the way.
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<NoteFile>,
    pub diagnostics: Vec<Diagnostic>,
    /// True when some folder could not be read: what it held is unknown.
    pub incomplete: bool,
}

fn rel_path(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        Some(rel.into_owned())
    } else {
        Some(rel.replace(std::path::MAIN_SEPARATOR, "/"))
    }
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

/// Whether a path relative to the root is one no walk enters: a hidden
/// file or folder on the way, or an excluded one.
pub fn is_skipped(cfg: &Config, rel: &str) -> bool {
    let mut end = 0;
    for part in rel.split('/') {
        if part.starts_with('.') {
            return true;
        }
        end += part.len();
        if excluded(cfg, &rel[..end]) {
            return true;
        }
        end += 1;
    }
    false
}

/// The walk's iterator: sorted by name, hidden and excluded entries pruned.
fn walker<'a>(
    root: &'a Path,
    cfg: &'a Config,
) -> impl Iterator<Item = walkdir::Result<walkdir::DirEntry>> + 'a {
    walkdir::WalkDir::new(root)
        .follow_links(cfg.follow_symlinks)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(move |e| {
            if e.depth() == 0 {
                return true;
            }
            if e.file_name().to_string_lossy().starts_with('.') {
                return false;
            }
            cfg.exclude_globs.is_empty()
                || rel_path(root, e.path()).is_none_or(|rel| !excluded(cfg, &rel))
        })
}

/// The folders a walk of `root` enters, the root first: what the daemon
/// watches.
pub fn folders(root: &Path, cfg: &Config) -> Vec<PathBuf> {
    walker(root, cfg)
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir())
        .map(walkdir::DirEntry::into_path)
        .collect()
}

/// Walks the notes below `root`.
pub fn walk(root: &Path, cfg: &Config) -> Walk {
    let mut out = Walk::default();
    let report = cfg.report.as_deref();
    for item in walker(root, cfg) {
        let entry = match item {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .and_then(|p| rel_path(root, p))
                    .unwrap_or_else(|| root.display().to_string());
                let message = if e.loop_ancestor().is_some() {
                    "symlink loop: not followed".to_string()
                } else {
                    out.incomplete = true;
                    match e.io_error() {
                        Some(io) => format!("cannot read: {io}"),
                        None => format!("cannot read: {e}"),
                    }
                };
                out.diagnostics
                    .push(Diagnostic::warning(&path, 0, 0, message));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if !is_note_name(&name) {
            continue;
        }
        let Some(rel) = rel_path(root, entry.path()) else {
            continue;
        };
        if Some(rel.as_str()) == report {
            continue;
        }
        out.files.push(NoteFile {
            rel,
            abs: entry.into_path(),
        });
    }
    // walkdir sorts each folder by name; a global byte order of the relative
    // paths makes every later step independent of folder structure.
    out.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.diagnostics.sort();
    out.diagnostics.dedup();
    out
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

/// Reads a note's bytes, refusing files over [`MAX_NOTE_BYTES`]; the error
/// is a warning naming the file.
pub fn read_bytes(file: &NoteFile) -> Result<Vec<u8>, Diagnostic> {
    let rel = file.rel.as_str();
    let open = std::fs::File::open(&file.abs).and_then(|f| {
        let len = f.metadata()?.len();
        Ok((f, len))
    });
    let (f, len) = open.map_err(|e| Diagnostic::warning(rel, 0, 0, format!("cannot read: {e}")))?;
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
        assert_eq!(find_root(None, &deep), deep);
        std::fs::write(tmp.path().join("a/.relnotes.toml"), "").unwrap();
        assert_eq!(find_root(None, &deep), tmp.path().join("a"));
        std::fs::create_dir(tmp.path().join("a/b/.git")).unwrap();
        assert_eq!(find_root(None, &deep), tmp.path().join("a/b"));
        assert_eq!(find_root(Some(Path::new("/x")), &deep), PathBuf::from("/x"));
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
            .map(|d| rel_path(root, &d).unwrap())
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
