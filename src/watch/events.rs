//! File events as hints: which paths a batch of events names, and whether
//! each could matter. An event never says what changed; it says where to
//! look. Editor temp and swap files, hidden and excluded paths and the
//! report file itself are noise and never make work; a note path is looked
//! at again; a folder that came or went makes the watcher reconcile.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use notify::event::{CreateKind, EventKind, ModifyKind, RemoveKind};

use crate::config::Config;

/// Editor temp, swap, lock and backup files (vim's `4913` probe and `x~`
/// backups, emacs `.#x` locks and `#x#` autosaves, vim/kate swap files,
/// JetBrains safe-write files, macOS `.DS_Store`): never a note, never a
/// reason to sync.
pub fn is_editor_noise(name: &str) -> bool {
    name == "4913"
        || name == ".DS_Store"
        || name.starts_with(".#")
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
        || name.ends_with('~')
        || [".swp", ".swx", ".swo", ".kate-swp"]
            .iter()
            .any(|ext| name.ends_with(ext))
        || (name.contains("___jb_") && name.ends_with("___"))
        || crate::output::is_temp_name(name)
}

/// What one path in an event is to the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// Nothing relnotes reads.
    Noise,
    /// A note (or where one was): sync.
    Note,
    /// A folder came, went or moved: reconcile the watches, then sync.
    Folder,
    /// `.relnotes.toml` at the root.
    Config,
    /// The report file went away or was moved: write it again.
    Report,
    /// The notes root itself.
    Root,
}

/// What a run of batches asks the daemon to do.
#[derive(Debug, Default)]
pub struct Pending {
    /// Notes named by events (absolute paths).
    pub notes: BTreeSet<PathBuf>,
    pub folders: bool,
    pub config: bool,
    pub report: bool,
    /// Events may have been lost (rescan flag, overflow, watcher error):
    /// sync everything and reconcile the watches.
    pub full: bool,
    /// Paths named by events that were not noise, for the log.
    pub paths: usize,
}

impl Pending {
    pub fn is_empty(&self) -> bool {
        self.notes.is_empty() && !self.folders && !self.config && !self.report && !self.full
    }
}

/// Classifies one path of an event of `kind`. `is_watched` says whether a
/// path is a folder being watched (a removed folder can no longer be
/// stat'ed); `published` are the files the daemon writes (report,
/// calendar), relative to the root.
pub fn classify(
    root: &Path,
    cfg: &Config,
    published: &[&str],
    path: &Path,
    kind: &EventKind,
    is_watched: &dyn Fn(&Path) -> bool,
) -> PathKind {
    let Ok(rel) = path.strip_prefix(root) else {
        return PathKind::Noise;
    };
    if rel.as_os_str().is_empty() {
        return PathKind::Root;
    }
    // The walk's text for the path: names that are not UTF-8 included.
    let rel = rel
        .components()
        .map(|c| crate::walk::name_text(c.as_os_str()))
        .collect::<Vec<_>>()
        .join("/");
    if rel == crate::config::FILE_NAME || crate::parse::settings::FILES.contains(&rel.as_str()) {
        return PathKind::Config;
    }
    let name = rel.rsplit('/').next().unwrap_or(&rel);
    if is_editor_noise(name) {
        return PathKind::Noise;
    }
    if published.contains(&rel.as_str()) {
        return if matches!(
            kind,
            EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
        ) {
            PathKind::Report
        } else {
            PathKind::Noise
        };
    }
    if crate::walk::is_skipped(cfg, &rel) {
        return PathKind::Noise;
    }
    if crate::walk::is_note_name(name) {
        return PathKind::Note;
    }
    let folder_event = matches!(
        kind,
        EventKind::Create(CreateKind::Folder) | EventKind::Remove(RemoveKind::Folder)
    );
    if folder_event || is_watched(path) || path.is_dir() {
        PathKind::Folder
    } else {
        PathKind::Noise
    }
}

/// Adds what one debounced event asks for to `pending`.
pub fn gather(
    root: &Path,
    cfg: &Config,
    published: &[&str],
    event: &notify::Event,
    is_watched: &dyn Fn(&Path) -> bool,
    pending: &mut Pending,
) {
    if event.need_rescan() {
        tracing::debug!("rescan flag: syncing everything");
        pending.full = true;
        return;
    }
    // Reads and closes change nothing on disk.
    if matches!(event.kind, EventKind::Access(_)) {
        return;
    }
    for path in &event.paths {
        let kind = classify(root, cfg, published, path, &event.kind, is_watched);
        tracing::trace!("{:?} {}: {kind:?}", event.kind, path.display());
        match kind {
            PathKind::Noise => continue,
            PathKind::Note => {
                pending.notes.insert(path.clone());
            }
            PathKind::Folder | PathKind::Root => pending.folders = true,
            PathKind::Config => pending.config = true,
            // Mostly our own rename over it: checked, not counted.
            PathKind::Report => {
                pending.report = true;
                continue;
            }
        }
        pending.paths += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::DataChange;

    #[test]
    fn spec9_editor_temp_files_are_noise() {
        for name in [
            "4913",
            ".DS_Store",
            ".#note.md",
            "#note.md#",
            "note.md~",
            ".note.md.swp",
            ".note.md.swx",
            "note.md.kate-swp",
            "note.md___jb_tmp___",
            "note.md___jb_old___",
            ".relnotes-a1b2c3.tmp",
        ] {
            assert!(is_editor_noise(name), "{name}");
        }
        for name in ["note.md", "#hashtag.md", "4913.md", "a~b.md", "swp.md"] {
            assert!(!is_editor_noise(name), "{name}");
        }
    }

    #[test]
    fn spec9_only_paths_a_walk_would_read_make_work() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        let mut cfg = Config::default();
        cfg.exclude_globs = vec!["templates".into()];
        cfg.exclude = crate::config::build_excludes(&cfg.exclude_globs).unwrap();
        let modify = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        let remove = EventKind::Remove(RemoveKind::Any);
        let none = |_: &Path| false;
        let kind = |rel: &str, k: &EventKind| {
            classify(root, &cfg, &["RELNOTES.md"], &root.join(rel), k, &none)
        };
        assert_eq!(kind("a.md", &modify), PathKind::Note);
        assert_eq!(kind("sub/b.markdown", &modify), PathKind::Note);
        assert_eq!(kind(".obsidian/workspace.md", &modify), PathKind::Noise);
        assert_eq!(kind("templates/daily.md", &modify), PathKind::Noise);
        assert_eq!(kind("sub/.a.md.swp", &modify), PathKind::Noise);
        assert_eq!(kind("picture.png", &modify), PathKind::Noise);
        assert_eq!(kind("RELNOTES.md", &modify), PathKind::Noise);
        assert_eq!(kind("RELNOTES.md", &remove), PathKind::Report);
        assert_eq!(kind(".relnotes.toml", &modify), PathKind::Config);
        // The vault's app settings are config too (SPEC §11).
        assert_eq!(kind("logseq/config.edn", &modify), PathKind::Config);
        assert_eq!(kind(".obsidian/templates.json", &modify), PathKind::Config);
        assert_eq!(kind(".obsidian/workspace.json", &modify), PathKind::Noise);
        assert_eq!(kind("sub", &modify), PathKind::Folder);
        assert_eq!(
            kind("gone", &EventKind::Remove(RemoveKind::Folder)),
            PathKind::Folder
        );
        assert_eq!(kind("gone", &remove), PathKind::Noise);
        let watched = |p: &Path| p.ends_with("gone");
        assert_eq!(
            classify(root, &cfg, &[], &root.join("gone"), &remove, &watched),
            PathKind::Folder
        );
        assert_eq!(
            classify(
                root,
                &cfg,
                &[],
                Path::new("/elsewhere/a.md"),
                &modify,
                &none
            ),
            PathKind::Noise
        );
    }
}
