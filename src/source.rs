//! Where answers come from: the persistent index, brought up to date with
//! the notes, or (when it cannot be used) the notes parsed in memory. The
//! CLI opens one per run; the daemon keeps one open and re-syncs it per
//! batch of changes. Every problem is handed to a `note` callback as one
//! line, so the CLI can print it and the daemon can log it.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::config::Config;
use crate::index::{self, Index, SyncStats};
use crate::model::Diagnostic;
use crate::vault::Vault;

/// The index (or memory) a command answers from.
pub struct Source {
    pub index: Option<Index>,
    /// Loaded on first use (or handed over by a sync that built it).
    pub vault: Option<Vault>,
    /// Walk problems and per-file warnings.
    pub file_diags: Vec<Diagnostic>,
    pub stats: SyncStats,
    /// The last sync could not see everything (a folder vanished or could
    /// not be read, a file went away between walk and read): try again.
    pub incomplete: bool,
}

impl Source {
    /// Opens the index at `path` (`None`: no cache folder) and brings it up
    /// to date; falls back to memory when it cannot be used.
    pub fn open(
        path: Option<&Path>,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        rebuild: bool,
        progress: bool,
        note: &mut dyn FnMut(String),
    ) -> Source {
        let mut src = Source {
            index: None,
            vault: None,
            file_diags: Vec::new(),
            stats: SyncStats::default(),
            incomplete: false,
        };
        match path {
            None => note("no cache folder for the index; answering from memory".to_string()),
            Some(path) => match Index::open(path) {
                Err(e) => note(format!("cannot use the index: {e}; answering from memory")),
                Ok((idx, warnings)) => {
                    for w in warnings {
                        note(w);
                    }
                    src.index = Some(idx);
                    if src.sync(root, cfg, today, rebuild, progress, note) {
                        return src;
                    }
                }
            },
        }
        src.load_in_memory(root, cfg);
        src
    }

    /// Brings the open index up to date again (the daemon, after a batch of
    /// changes); without an index, parses the notes in memory again.
    pub fn resync(
        &mut self,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        note: &mut dyn FnMut(String),
    ) {
        self.vault = None;
        if self.index.is_none() || !self.sync(root, cfg, today, false, false, note) {
            self.load_in_memory(root, cfg);
        }
    }

    /// Syncs the open index; a damaged index is moved aside and rebuilt.
    /// False when there is no usable index afterwards.
    fn sync(
        &mut self,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        rebuild: bool,
        progress: bool,
        note: &mut dyn FnMut(String),
    ) -> bool {
        let Some(mut idx) = self.index.take() else {
            return false;
        };
        match index::sync(
            &mut idx,
            root,
            cfg,
            &cfg.fingerprint,
            rebuild,
            progress,
            today,
        ) {
            Ok(synced) => {
                self.take_synced(&idx, synced);
                self.index = Some(idx);
                true
            }
            Err(e) => {
                // A damaged index may fail mid-sync: move it aside and build
                // a new one before giving up.
                let path = idx.path.clone();
                drop(idx);
                self.rebuild(&path, root, cfg, today);
                if self.index.is_some() {
                    note(format!(
                        "{}: index was unusable ({e}); moved aside and rebuilt from the notes",
                        path.display()
                    ));
                    return true;
                }
                note(format!(
                    "cannot update the index at {}: {e}; answering from memory",
                    path.display()
                ));
                false
            }
        }
    }

    fn take_synced(&mut self, idx: &Index, synced: index::sync::Synced) {
        self.stats = synced.stats;
        self.incomplete = synced.incomplete;
        self.vault = synced.vault;
        self.file_diags = synced.walk_diagnostics;
        self.file_diags
            .extend(index::sync::file_warnings(&idx.conn).unwrap_or_default());
    }

    fn load_in_memory(&mut self, root: &Path, cfg: &Config) {
        let (vault, file_diags, st) = crate::load::load(root, cfg);
        self.vault = Some(vault);
        self.file_diags = file_diags;
        self.incomplete = false;
        self.stats = SyncStats {
            seen: st.seen,
            parsed: st.parsed,
            skipped: st.skipped,
            millis: st.millis,
            changed: true,
            full: true,
            ..SyncStats::default()
        };
    }

    /// The vault, loaded from the index on first use. An index whose facts
    /// cannot be read (damaged pages, bad JSON) is moved aside and rebuilt;
    /// if that fails too, the notes are parsed in memory.
    pub fn vault(
        &mut self,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        note: &mut dyn FnMut(String),
    ) -> &Vault {
        if self.vault.is_none() {
            if let Some(idx) = self.index.take() {
                match index::sync::load_vault(&idx.conn, cfg) {
                    Ok((v, _)) => {
                        self.vault = Some(v);
                        self.index = Some(idx);
                    }
                    Err(e) => {
                        let path = idx.path.clone();
                        drop(idx);
                        note(format!(
                            "{}: index was unusable ({e}); moved aside and rebuilt from the notes",
                            path.display()
                        ));
                        self.rebuild(&path, root, cfg, today);
                    }
                }
            }
        }
        if self.vault.is_none() {
            self.load_in_memory(root, cfg);
        }
        self.vault.get_or_insert_with(Vault::default)
    }

    /// Moves a damaged index aside and builds a new one; on failure the
    /// vault is left for `vault()` to load in memory.
    fn rebuild(&mut self, path: &Path, root: &Path, cfg: &Config, today: NaiveDate) {
        if index::move_aside(path).is_err() {
            return;
        }
        let Ok((mut idx, _)) = Index::open(path) else {
            return;
        };
        if let Ok(synced) = index::sync(&mut idx, root, cfg, &cfg.fingerprint, true, false, today) {
            self.take_synced(&idx, synced);
            self.index = Some(idx);
        }
    }

    /// What every command should hear about: files that could not be read
    /// and errors in notes. The rest waits for `relnotes check`.
    pub fn stderr_diags(&self) -> Vec<Diagnostic> {
        let mut out = self.file_diags.clone();
        match (&self.vault, &self.index) {
            (Some(v), _) => out.extend(v.errors().cloned()),
            (None, Some(idx)) => out.extend(index::sync::stored_errors(idx)),
            (None, None) => {}
        }
        out.sort();
        out.dedup();
        out
    }

    /// Where the index is, for messages.
    pub fn location(&self) -> Option<PathBuf> {
        self.index.as_ref().map(|i| i.path.clone())
    }
}
