//! What the language server knows: the notes root and its config, the
//! saved notes as the index sync last left them (the same `Source` every
//! command answers from), the answers derived from them for today, and the
//! documents open in the editor with the facts of their unsaved text. A
//! change to an open document re-parses that document only; a save or a
//! change on disk runs the index sync again and re-derives the rest.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::config::Config;
use crate::dates::days_between;
use crate::model::{Diagnostic, NoteFacts};
use crate::query::{Answers, Commitment, PersonRow};
use crate::resolve::{Claims, Resolver};
use crate::source::{OpenOptions, Source};
use crate::vault::Vault;

use super::position::Text;

/// One document open in the editor.
pub struct Doc {
    pub text: Text,
    pub version: i64,
    /// The facts of the unsaved text (notes only).
    pub facts: Option<NoteFacts>,
}

/// Where a person is first met: their page, else their first mention.
#[derive(Debug, Clone)]
pub struct Place {
    pub path: String,
    pub line: u32,
    pub col: u32,
}

/// The saved notes and what is derived from them.
#[derive(Default)]
pub struct Saved {
    pub src: Source,
    /// Everyone, sorted by handle (`people`'s rows, for today).
    pub people: Vec<PersonRow>,
    /// Indexes into `people`, most recently contacted first.
    pub recent: Vec<usize>,
    /// Open commitments, in file and line order.
    pub commitments: Vec<Commitment>,
    /// Handle → how many open commitments name them.
    pub open: FxHashMap<String, usize>,
    pub claims: Claims,
    /// Canonical handles someone `@`-mentions (for wikilink resolution).
    pub at_keys: Vec<String>,
    /// Handle → entries that mention them (what `check`'s typo rule counts).
    pub counts: FxHashMap<String, u32>,
    /// One-deletion variants of every handle and alias → indexes into
    /// `people` (the typo rule's symmetric-delete index).
    pub variants: FxHashMap<String, Vec<usize>>,
    /// Handle → where they are first met.
    pub first: FxHashMap<String, Place>,
    /// Tags used in the notes with how many entries use them, sorted.
    pub tags: Vec<(String, u32)>,
    /// Walk problems and per-file warnings of the last sync.
    pub file_diags: Vec<Diagnostic>,
}

impl Saved {
    /// The resolved notes (always loaded after a sync).
    pub fn vault(&self) -> Option<&Vault> {
        self.src.loaded().1
    }

    /// A resolver for mentions, built from the claims and mention keys of
    /// the saved notes.
    pub fn resolver(&self) -> Resolver<'_> {
        Resolver::new(&self.claims, self.at_keys.iter().map(String::as_str))
    }

    /// The row of a handle.
    pub fn person(&self, handle: &str) -> Option<&PersonRow> {
        self.people
            .binary_search_by(|r| r.handle.as_str().cmp(handle))
            .ok()
            .map(|i| &self.people[i])
    }
}

/// The server's whole state.
pub struct Workspace {
    pub root: PathBuf,
    pub cfg: Config,
    /// `--today`, if pinned; else the local date at each sync.
    pinned_today: Option<NaiveDate>,
    pub today: NaiveDate,
    index_path: Option<PathBuf>,
    pub saved: Saved,
    pub docs: FxHashMap<String, Doc>,
}

impl Workspace {
    pub fn new(
        root: PathBuf,
        cfg: Config,
        index: Option<PathBuf>,
        pinned_today: Option<NaiveDate>,
    ) -> Workspace {
        let index_path = index.or_else(|| crate::index::default_path(&root));
        Workspace {
            root,
            cfg,
            pinned_today,
            today: pinned_today.unwrap_or_else(|| chrono::Local::now().date_naive()),
            index_path,
            saved: Saved::default(),
            docs: FxHashMap::default(),
        }
    }

    /// Brings the index up to date with the notes (opening it the first
    /// time) and re-derives every answer. `changed`: the only paths that
    /// changed, when the client named them. Problems are handed to `note`.
    pub fn sync(&mut self, changed: Option<&[PathBuf]>, note: &mut dyn FnMut(String)) {
        self.today = self
            .pinned_today
            .unwrap_or_else(|| chrono::Local::now().date_naive());
        let lap = crate::lap::Lap::new();
        let src = std::mem::take(&mut self.saved.src);
        let mut src = if src.index.is_some() || src.ledger.is_some() {
            let mut src = src;
            src.resync(&self.root, &self.cfg, self.today, changed, note);
            src
        } else {
            Source::open(
                self.index_path.as_deref(),
                &self.root,
                &self.cfg,
                self.today,
                OpenOptions::default(),
                note,
            )
        };
        lap.done("lsp: index sync");
        src.ledger(&self.root, &self.cfg, self.today, note);
        lap.done("lsp: ledger");
        self.saved = derive(src, &self.cfg, self.today);
        lap.done("lsp: people and commitments");
    }

    /// Whether a sync has run.
    pub fn synced(&self) -> bool {
        self.saved.src.ledger.is_some()
    }

    /// Loads every saved note's facts (what diagnostics, navigation and
    /// hover need beyond the ledger), once per sync: completion does not
    /// wait for it.
    pub fn load_vault(&mut self, note: &mut dyn FnMut(String)) {
        if self.saved.vault().is_some() {
            return;
        }
        let lap = crate::lap::Lap::new();
        self.saved
            .src
            .vault(&self.root, &self.cfg, self.today, note);
        lap.done("lsp: every note's facts");
        let saved = &mut self.saved;
        if let Some(vault) = saved.src.loaded().1 {
            let claims = Claims::new(crate::ledger::pages(&vault.notes), &self.cfg);
            let mut index = VaultIndex::default();
            index_vault(&mut index, &claims, vault);
            saved.claims = claims;
            saved.at_keys = index.at_keys;
            saved.counts = index.counts;
            saved.first = index.first;
            saved.tags = index.tags;
        }
        saved.variants = typo_variants(&saved.people);
        lap.done("lsp: claims, counts, first mentions, tags, the typo index");
    }

    /// Reads the config again (after `.relnotes.toml` changed); a bad one
    /// keeps the one in use and says why.
    pub fn reload_config(&mut self) -> Result<(), String> {
        match Config::load(&self.root) {
            Ok(c) => {
                self.cfg = c;
                Ok(())
            }
            Err(e) => Err(format!(
                "{}: {} (keeping the config in use)",
                e.path.display(),
                e.message
            )),
        }
    }

    /// The path of a document relative to the root, when it is a note
    /// below it.
    pub fn rel_of(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.root).ok()?;
        let rel = rel.to_str()?.replace('\\', "/");
        let name = rel.rsplit('/').next().unwrap_or(&rel);
        (crate::walk::is_note_name(name) && !crate::walk::is_skipped(&self.cfg, &rel))
            .then_some(rel)
    }

    /// Opens or replaces a document and parses it if it is a note.
    pub fn set_doc(&mut self, uri: &str, text: String, version: i64) {
        let rel = super::uri::to_path(uri).and_then(|p| self.rel_of(&p));
        // A report relnotes wrote is no note (SPEC §1).
        let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let rel = rel.filter(|_| !body.starts_with(crate::walk::REPORT_MARKER));
        let facts = rel
            .as_deref()
            .map(|r| crate::load::note_facts(r, &text, &self.cfg));
        self.docs.insert(
            uri.to_string(),
            Doc {
                text: Text::new(text),
                version,
                facts,
            },
        );
    }

    /// The absolute path of a note.
    pub fn abs(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

/// What the ledger gives, derived once per sync.
fn derive(mut src: Source, cfg: &Config, today: NaiveDate) -> Saved {
    let (ledger, _) = src.loaded();
    let answers = Answers::new(ledger, cfg, today);
    let people = answers.people.clone();
    let commitments = answers.commitments();
    let mut open: FxHashMap<String, usize> = FxHashMap::default();
    for c in &commitments {
        for p in &c.people {
            *open.entry(p.clone()).or_default() += 1;
        }
    }
    let mut recent: Vec<usize> = (0..people.len()).collect();
    recent.sort_by_key(|&i| {
        let r = &people[i];
        (
            r.last_contact.is_none(),
            std::cmp::Reverse(r.last_contact),
            i,
        )
    });
    let file_diags = std::mem::take(&mut src.file_diags);
    Saved {
        src,
        people,
        recent,
        commitments,
        open,
        file_diags,
        ..Saved::default()
    }
}

/// What is read off the resolved notes.
#[derive(Default)]
struct VaultIndex {
    at_keys: Vec<String>,
    counts: FxHashMap<String, u32>,
    first: FxHashMap<String, Place>,
    tags: Vec<(String, u32)>,
}

/// Mention counts, first places, tags and `@` keys of the saved notes.
fn index_vault(saved: &mut VaultIndex, claims: &Claims, vault: &Vault) {
    let mut raw_keys: FxHashSet<&str> = FxHashSet::default();
    let mut tags: FxHashMap<&str, u32> = FxHashMap::default();
    let mut counts = vec![0u32; vault.handles.len()];
    for (e, r) in vault
        .notes
        .iter()
        .flat_map(|n| &n.entries)
        .zip(vault.resolved.iter().flatten())
    {
        for &id in &r.mentioned {
            counts[id as usize] += 1;
        }
        for t in &e.tags {
            *tags.entry(t.as_str()).or_default() += 1;
        }
        raw_keys.extend(
            e.mentions
                .iter()
                .filter(|m| !m.wikilink)
                .map(|m| m.key.as_str()),
        );
    }
    let at: FxHashSet<&str> = raw_keys.iter().map(|k| claims.canonical(k)).collect();
    let resolver = Resolver::new(claims, at.iter().copied());
    // Where each person is first met: the page, else the first mention
    // (notes in byte order of path, entries by line).
    let mut seen = vec![false; vault.handles.len()];
    for p in vault.people.values() {
        if let (Some(page), Some(id)) = (&p.page, vault.id(&p.handle)) {
            seen[id as usize] = true;
            let place = Place {
                path: page.clone(),
                line: 0,
                col: 0,
            };
            saved.first.insert(p.handle.clone(), place);
        }
    }
    for (note, resolved) in vault.notes.iter().zip(&vault.resolved) {
        for (e, r) in note.entries.iter().zip(resolved) {
            if r.mentioned.iter().all(|&id| seen[id as usize]) {
                continue;
            }
            for m in &e.mentions {
                let Some(h) = resolver.resolve(m) else {
                    continue;
                };
                let Some(id) = vault.id(h) else { continue };
                if !std::mem::replace(&mut seen[id as usize], true) {
                    let place = Place {
                        path: note.path.clone(),
                        line: m.line,
                        col: m.col,
                    };
                    saved.first.insert(h.to_string(), place);
                }
            }
        }
    }
    drop(resolver);
    saved.counts = counts
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .map(|(i, &n)| (vault.handles[i].clone(), n))
        .collect();
    let mut tags: Vec<(String, u32)> = tags.into_iter().map(|(t, n)| (t.to_string(), n)).collect();
    tags.sort();
    saved.tags = tags;
    let mut at: Vec<String> = at.into_iter().map(str::to_string).collect();
    at.sort();
    saved.at_keys = at;
}

/// The typo rule's index: every one-character deletion of every handle and
/// alias, pointing at the person.
fn typo_variants(people: &[PersonRow]) -> FxHashMap<String, Vec<usize>> {
    let mut variants: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (i, p) in people.iter().enumerate() {
        for name in std::iter::once(&p.handle).chain(&p.aliases) {
            for v in crate::check::deletions(name) {
                let slot = variants.entry(v).or_default();
                if slot.last() != Some(&i) {
                    slot.push(i);
                }
            }
        }
    }
    variants
}

/// `12d ago`, `today`, `in 3d`.
pub fn ago(date: NaiveDate, today: NaiveDate) -> String {
    let d = days_between(date, today);
    match d {
        0 => "today".to_string(),
        d if d > 0 => format!("{d}d ago"),
        d => format!("in {}d", -d),
    }
}
