//! Where answers come from: the persistent index, brought up to date with
//! the notes, or (when it cannot be used) the notes parsed in memory. The
//! CLI opens one per run; the daemon keeps one open and re-syncs it per
//! batch of changes. Every problem is handed to a `note` callback as one
//! line, so the CLI can print it and the daemon can log it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::config::Config;
use crate::index::{self, Index, SyncStats};
use crate::ledger::Ledger;
use crate::model::{Diagnostic, NoteFacts};
use crate::query::{LastTouch, TimelineRow};
use crate::resolve::Claims;
use crate::vault::Vault;

/// How to open the index.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    /// Start from nothing: parse every note again.
    pub rebuild: bool,
    /// Draw a progress bar on stderr for a long parse.
    pub progress: bool,
    /// Check all of the index file, not only what every run reads.
    pub thorough: bool,
    /// A one-shot command's: what it loads, from the sync's walk on, is not
    /// freed one allocation at a time just before the process exits (a
    /// ledger and every note's facts are many small allocations); the OS
    /// takes it all back.
    pub one_shot: bool,
}

/// The index (or memory) a command answers from; the default has no index
/// and nothing loaded yet.
#[derive(Default)]
pub struct Source {
    pub index: Option<Index>,
    /// What `report`, `people` and `due` are answered from: handed over by
    /// the sync, or read from the index on first use.
    pub ledger: Option<Ledger>,
    /// The one person `ledger` was read for ([`Source::person`]): it holds
    /// their row, not everyone's, and is read whole when asked for.
    ledger_of: Option<String>,
    /// Who claims which handle and alias, when the ledger was read from
    /// the index (its pages are read once per run, not per question).
    claims: Option<Claims>,
    /// Every note's facts, when a sync or a load already has them.
    notes: Option<Vec<NoteFacts>>,
    /// Every note resolved, for `show`, `export` and `check`: built on
    /// first use.
    vault: Option<Vault>,
    /// Walk problems and per-file warnings.
    pub file_diags: Vec<Diagnostic>,
    /// The problems the last walk of the whole tree met, when this source's
    /// index was synced by one: a sync that only looks at the paths the OS
    /// named keeps them.
    walked: Option<Vec<Diagnostic>>,
    /// The notes the last sync walked (a path and a stat each, 202,000 on
    /// a contacts vault), kept by a one-shot command's source: freed before
    /// anything else is loaded (their memory serves it), else left to the
    /// exit with the rest.
    files: Vec<crate::walk::NoteFile>,
    /// A one-shot command's source: what it loaded is left to the OS to
    /// free at exit ([`OpenOptions::one_shot`]).
    one_shot: bool,
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
        opts: OpenOptions,
        note: &mut dyn FnMut(String),
    ) -> Source {
        let mut src = Source::default();
        src.one_shot = opts.one_shot;
        match path {
            None => note("no cache folder for the index; answering from memory".to_string()),
            Some(path) => match Index::open(path, opts.thorough) {
                Err(e) => note(format!("cannot use the index: {e}; answering from memory")),
                Ok((idx, warnings)) => {
                    for w in warnings {
                        note(w);
                    }
                    src.index = Some(idx);
                    let look = index::Look::Everywhere {
                        progress: opts.progress,
                    };
                    if src.sync(root, cfg, today, opts.rebuild, look, note) {
                        return src;
                    }
                }
            },
        }
        src.load_in_memory(root, cfg);
        src
    }

    /// Verifies every checksum in the open index; a damaged one is moved
    /// aside and rebuilt (and the note says so). The rows verified, or
    /// `None` when there was no index or it was rebuilt.
    pub fn verify(
        &mut self,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        note: &mut dyn FnMut(String),
    ) -> Option<usize> {
        let idx = self.index.take()?;
        match index::sync::verify(&idx.conn, cfg) {
            Ok(n) => {
                self.index = Some(idx);
                Some(n)
            }
            // Busy (a daemon's long sync), full or read-only says nothing
            // about the index: it is left as it is.
            Err(e) if index::is_transient(&e) => {
                note(format!(
                    "{}: could not check the index now ({e}); it is left as it is",
                    idx.path.display()
                ));
                self.index = Some(idx);
                None
            }
            Err(e) => {
                let path = idx.path.clone();
                drop(idx);
                self.release();
                self.rebuilt(&path, &e.to_string(), root, cfg, today, note);
                None
            }
        }
    }

    /// Drops `made` (something made from what was loaded), unless this is a
    /// one-shot command's source: then the OS takes it back at exit.
    pub fn done_with<T>(&self, made: T) {
        if self.one_shot {
            std::mem::forget(made);
        }
    }

    /// Forgets what was loaded (the daemon keeps little between batches).
    pub fn release(&mut self) {
        self.ledger = None;
        self.ledger_of = None;
        self.claims = None;
        self.notes = None;
        self.vault = None;
    }

    /// Brings the open index up to date again (the daemon, after a batch of
    /// changes); without an index, parses the notes in memory again.
    /// `changed`: the only paths that changed, when the OS said so (events
    /// that may have been lost, a folder that came or went: `None`, and the
    /// whole tree is walked).
    pub fn resync(
        &mut self,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        changed: Option<&[PathBuf]>,
        note: &mut dyn FnMut(String),
    ) {
        self.release();
        // Only a source whose index a walk of the whole tree synced, and
        // that saw everything, knows what the rest of the tree holds.
        let look = match changed {
            Some(paths) if self.walked.is_some() && !self.incomplete => index::Look::At(paths),
            _ => index::Look::Everywhere { progress: false },
        };
        if self.index.is_none() || !self.sync(root, cfg, today, false, look, note) {
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
        look: index::Look<'_>,
        note: &mut dyn FnMut(String),
    ) -> bool {
        let Some(mut idx) = self.index.take() else {
            return false;
        };
        match index::sync(&mut idx, root, cfg, &cfg.fingerprint, rebuild, look, today) {
            // Stored warnings are checked here: a damaged one is a damaged
            // index like any other.
            Ok(synced) => {
                let warnings = match index::sync::file_warnings(&idx.conn) {
                    Ok(w) => w,
                    Err(e) => {
                        let path = idx.path.clone();
                        drop(idx);
                        return self.rebuilt(&path, &e.to_string(), root, cfg, today, note);
                    }
                };
                self.take_synced(synced, warnings);
                idx.trim_wal();
                self.index = Some(idx);
                true
            }
            // Busy past the timeout, a full disk, a read-only or failing
            // file: the index is not damaged, only unusable now. Answer from
            // memory and leave it as it is.
            Err(e) if index::is_transient(&e) => {
                note(format!(
                    "cannot update the index at {}: {e}; answering from memory",
                    idx.path.display()
                ));
                false
            }
            Err(e) => {
                let path = idx.path.clone();
                drop(idx);
                self.rebuilt(&path, &e.to_string(), root, cfg, today, note)
            }
        }
    }

    /// A damaged index (`why`), which may fail mid-sync: moves it aside
    /// and builds a new one; false when that failed too.
    fn rebuilt(
        &mut self,
        path: &Path,
        why: &str,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        note: &mut dyn FnMut(String),
    ) -> bool {
        self.rebuild(path, root, cfg, today);
        if self.index.is_some() {
            note(format!(
                "{}: index was unusable ({why}); moved aside and rebuilt from the notes",
                path.display()
            ));
            return true;
        }
        note(format!(
            "cannot update the index at {}: {why}; answering from memory",
            path.display()
        ));
        false
    }

    fn take_synced(&mut self, synced: index::sync::Synced, warnings: Vec<Diagnostic>) {
        self.files = if self.one_shot {
            synced.files
        } else {
            Vec::new()
        };
        self.stats = synced.stats;
        self.incomplete = synced.incomplete;
        self.ledger = synced.ledger;
        self.ledger_of = None;
        self.claims = synced.claims;
        self.notes = synced.notes;
        self.vault = None;
        if !synced.stats.scoped {
            self.walked = Some(synced.walk_diagnostics);
        }
        self.file_diags = self.walked.clone().unwrap_or_default();
        self.file_diags.extend(warnings);
    }

    fn load_in_memory(&mut self, root: &Path, cfg: &Config) {
        self.files = Vec::new();
        let (notes, file_diags, st) = crate::load::load(root, cfg);
        self.ledger = Some(Ledger::derive(&notes, cfg));
        self.ledger_of = None;
        self.claims = None;
        self.notes = Some(notes);
        self.vault = None;
        self.file_diags = file_diags;
        self.walked = None;
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

    /// The ledger, read from the index on first use. An index that cannot
    /// be read is moved aside and rebuilt; if that fails too, the notes are
    /// parsed in memory.
    pub fn ledger(
        &mut self,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        note: &mut dyn FnMut(String),
    ) -> &Ledger {
        self.files = Vec::new();
        if self.ledger_of.take().is_some() {
            self.ledger = None;
        }
        // A rebuild below drops a vault loaded before: it is loaded again.
        let had_vault = self.vault.is_some();
        if self.ledger.is_none() {
            if let Some(notes) = &self.notes {
                self.ledger = Some(Ledger::derive(notes, cfg));
            } else if let Some(idx) = self.index.take() {
                // The claims the sync made, when it made them; else read.
                let loaded = match self.claims.take() {
                    Some(mut c) => index::store::load_ledger_taking(&idx.conn, &mut c)
                        .map(|l| l.map(|l| (l, c))),
                    None => index::store::load_ledger_and_claims(&idx.conn, cfg),
                };
                match loaded {
                    Ok(Some((l, claims))) => {
                        self.ledger = Some(l);
                        self.claims = Some(claims);
                        self.index = Some(idx);
                    }
                    Ok(None) => {
                        let e = "it holds no answers";
                        self.unusable(idx, e, root, cfg, today, note);
                    }
                    Err(e) => self.unusable(idx, &e.to_string(), root, cfg, today, note),
                }
            }
        }
        if self.ledger.is_none() {
            self.load_in_memory(root, cfg);
        }
        if had_vault && self.vault.is_none() {
            self.vault(root, cfg, today, note);
        }
        self.ledger.get_or_insert_with(Ledger::default)
    }

    /// The handle of the person `query` finds (`show`), with the ledger
    /// loaded for them: from the index, when nothing is loaded yet, their
    /// rows only (see `index::store::read_person`: no one else's page is
    /// read, on a vault of 200,000); else, or when that cannot tell, the
    /// whole ledger. `None`: no one by that name.
    pub fn person(
        &mut self,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        query: &str,
        note: &mut dyn FnMut(String),
    ) -> Option<String> {
        if self.nothing_loaded() {
            if let Some(idx) = &self.index {
                // An error here is met again reading the whole ledger,
                // which moves a damaged index aside.
                if let Ok(Some((h, l))) = index::store::read_person(&idx.conn, query) {
                    tracing::debug!("ledger: the rows of {h} alone");
                    self.ledger = Some(l);
                    self.ledger_of = Some(h.clone());
                    return Some(h);
                }
            }
        }
        let ledger = self.ledger(root, cfg, today, note);
        ledger.find(query).map(|p| p.handle.clone())
    }

    /// Every note resolved, built on first use from the notes the sync
    /// read, else from the index, else from the notes on disk.
    pub fn vault(
        &mut self,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        note: &mut dyn FnMut(String),
    ) -> &Vault {
        self.files = Vec::new();
        if self.vault.is_none() && self.notes.is_none() {
            if let Some(idx) = self.index.take() {
                match index::sync::load_notes(&idx.conn) {
                    Ok(n) => {
                        self.notes = Some(n);
                        self.index = Some(idx);
                    }
                    Err(e) => self.unusable(idx, &e.to_string(), root, cfg, today, note),
                }
            }
            if self.notes.is_none() {
                self.load_in_memory(root, cfg);
            }
        }
        if self.vault.is_none() {
            let notes = self.notes.take().unwrap_or_default();
            self.vault = Some(Vault::build(notes, cfg));
        }
        self.vault.get_or_insert_with(Vault::default)
    }

    /// The last interaction of each of `handles` who has one (see
    /// `query::last_touches`, whose answer this is): as the ledger keeps
    /// it, else found in the notes.
    pub fn last_touches(
        &mut self,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        handles: &[String],
        note: &mut dyn FnMut(String),
    ) -> BTreeMap<String, LastTouch> {
        let ledger = self.ledger(root, cfg, today, note);
        // Most are known to the ledger; the rest are found in the notes.
        let mut known = BTreeMap::new();
        let mut rest = Vec::new();
        for h in handles {
            match ledger.people.get(h).map(|p| p.last_as_of(today)) {
                Some(Some(Some(t))) => {
                    known.insert(h.clone(), t.clone());
                }
                Some(Some(None)) | None => {}
                Some(None) => rest.push(h.clone()),
            }
        }
        // A ledger read from the index holds the latest interactions of
        // no one: the index keeps them apart, read for those asked.
        if let (false, Some(idx)) = (rest.is_empty(), &self.index) {
            if let Ok(kept) = index::store::read_lasts(&idx.conn, &rest) {
                let ledger = self.ledger.as_ref();
                rest.retain(|h| {
                    let state = ledger.and_then(|l| l.people.get(h));
                    let day = state.and_then(|p| p.days.range(..=today).next_back());
                    match (day, kept.get(h)) {
                        (Some((&day, _)), Some(t)) if t.date == day => {
                            known.insert(h.clone(), t.clone());
                            false
                        }
                        _ => true,
                    }
                });
            }
        }
        tracing::debug!(
            "last interactions: {} kept in the ledger, {} to find",
            known.len(),
            rest.len()
        );
        if rest.is_empty() {
            return known;
        }
        let mut found = self.find_last_touches(root, cfg, today, &rest, note);
        let wanted: std::collections::BTreeSet<&String> = rest.iter().collect();
        found.retain(|h, _| wanted.contains(h));
        known.append(&mut found);
        known
    }

    /// The last interactions of `handles` the ledger does not
    /// know: from the vault when it is loaded or the notes are in memory;
    /// else from the index, reading only the notes of their last-contact
    /// days (`index::context`); else, should the index not account for
    /// them all, from the whole vault.
    fn find_last_touches(
        &mut self,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        handles: &[String],
        note: &mut dyn FnMut(String),
    ) -> BTreeMap<String, LastTouch> {
        if self.vault.is_none() && self.notes.is_none() {
            if let (Some(idx), Some(ledger)) = (&self.index, &self.ledger) {
                // An error here is met again loading the vault, which
                // moves a damaged index aside.
                let claims = claims_of(&mut self.claims, idx, cfg);
                if let Ok(Some(last)) = claims.and_then(|c| {
                    index::context::last_touches(&idx.conn, c, ledger, handles, today)
                }) {
                    tracing::debug!("last interactions: from the notes of their days");
                    return last;
                }
            }
        }
        tracing::debug!("last interactions: from every note");
        crate::query::last_touches(self.vault(root, cfg, today, note), today)
    }

    /// One person's timeline (see `query::timeline`, whose answer this
    /// is): from the vault when it is loaded or the notes are in memory;
    /// else from the index, keeping only the notes that name them
    /// (`index::context`); else from the whole vault.
    pub fn timeline(
        &mut self,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        handle: &str,
        note: &mut dyn FnMut(String),
    ) -> Vec<TimelineRow> {
        // One person's ledger will do: it holds every mention key.
        if self.ledger.is_none() {
            self.ledger(root, cfg, today, note);
        }
        if self.vault.is_none() && self.notes.is_none() {
            if let (Some(idx), Some(ledger)) = (&self.index, &self.ledger) {
                // Resolved as the ledger's keys say, else by the claims.
                if let Ok(Some(rows)) =
                    index::context::timeline_kept(&idx.conn, ledger, handle, today)
                {
                    tracing::debug!("timeline: from the notes that name them, by the kept keys");
                    return rows;
                }
                // An error here is met again loading the vault, which
                // moves a damaged index aside.
                let claims = claims_of(&mut self.claims, idx, cfg);
                if let Ok(rows) = claims
                    .and_then(|c| index::context::timeline(&idx.conn, c, ledger, handle, today))
                {
                    tracing::debug!("timeline: from the notes that name them");
                    return rows;
                }
            }
        }
        crate::query::timeline(self.vault(root, cfg, today, note), handle, today)
    }

    /// Frees the claims kept for resolving mentions (read again if asked
    /// for later).
    pub fn drop_claims(&mut self) {
        self.claims = None;
    }

    /// Whether nothing has been loaded from the index or the notes yet:
    /// the ledger, the notes, or the vault.
    pub fn nothing_loaded(&self) -> bool {
        self.ledger.is_none() && self.notes.is_none() && self.vault.is_none()
    }

    /// What has been loaded: the ledger (an empty one if none was asked
    /// for) and the vault, if it was asked for.
    pub fn loaded(&self) -> (&Ledger, Option<&Vault>) {
        static EMPTY: std::sync::OnceLock<Ledger> = std::sync::OnceLock::new();
        (
            self.ledger
                .as_ref()
                .unwrap_or_else(|| EMPTY.get_or_init(Ledger::default)),
            self.vault.as_ref(),
        )
    }

    /// The open index was found damaged while reading it (`why`): moved
    /// aside and rebuilt, with a note.
    pub fn damaged(
        &mut self,
        why: &str,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        note: &mut dyn FnMut(String),
    ) {
        if let Some(idx) = self.index.take() {
            self.release();
            self.unusable(idx, why, root, cfg, today, note);
        }
    }

    /// An index whose content cannot be read: moved aside and rebuilt.
    fn unusable(
        &mut self,
        idx: Index,
        why: &str,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        note: &mut dyn FnMut(String),
    ) {
        let path = idx.path.clone();
        drop(idx);
        note(format!(
            "{}: index was unusable ({why}); moved aside and rebuilt from the notes",
            path.display()
        ));
        self.rebuild(&path, root, cfg, today);
    }

    /// Moves a damaged index aside and builds a new one; on failure the
    /// vault is left for `vault()` to load in memory.
    fn rebuild(&mut self, path: &Path, root: &Path, cfg: &Config, today: NaiveDate) {
        if index::move_aside(path).is_err() {
            return;
        }
        let Ok((mut idx, _)) = Index::open(path, false) else {
            return;
        };
        if let Ok(synced) = index::sync(
            &mut idx,
            root,
            cfg,
            &cfg.fingerprint,
            true,
            index::Look::Everywhere { progress: false },
            today,
        ) {
            let warnings = index::sync::file_warnings(&idx.conn).unwrap_or_default();
            self.take_synced(synced, warnings);
            self.index = Some(idx);
        }
    }

    /// What every command should hear about: files that could not be read
    /// and errors in notes. The rest waits for `relnotes check`.
    pub fn stderr_diags(&self) -> Vec<Diagnostic> {
        let mut out = self.file_diags.clone();
        match (&self.ledger, &self.index) {
            (Some(l), _) => out.extend(l.errors().cloned()),
            (None, Some(idx)) => out.extend(index::sync::stored_errors(idx)),
            (None, None) => {}
        }
        out.sort();
        out.dedup();
        out
    }

    /// The index's state (see [`Index::state`]), if there is an index.
    pub fn state(&self) -> Option<String> {
        self.index.as_ref().and_then(Index::state)
    }

    /// Where the index is, for messages.
    pub fn location(&self) -> Option<PathBuf> {
        self.index.as_ref().map(|i| i.path.clone())
    }
}

/// The claims of the index's pages: `claims` when read already, else read
/// now (and kept there).
fn claims_of<'c>(
    claims: &'c mut Option<Claims>,
    idx: &Index,
    cfg: &Config,
) -> rusqlite::Result<&'c Claims> {
    if claims.is_none() {
        let pages = index::store::load_pages(&idx.conn)?;
        *claims = Some(Claims::owned(pages, cfg));
    }
    Ok(claims.get_or_insert_with(Claims::default))
}

impl Drop for Source {
    fn drop(&mut self) {
        if self.one_shot {
            std::mem::forget(self.ledger.take());
            std::mem::forget(self.claims.take());
            std::mem::forget(self.notes.take());
            std::mem::forget(self.vault.take());
            std::mem::forget(std::mem::take(&mut self.files));
        }
    }
}
