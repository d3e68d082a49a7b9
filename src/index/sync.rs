//! Bringing the index up to date: walk the notes (sorted), diff them against
//! the index (added / modified / removed), parse only what changed, in
//! parallel, and apply it all in one transaction.
//!
//! Change detection, cheapest first: size, mtime (ns), ctime and inode equal
//! and the mtime safely older than the last sync → unchanged, not even read.
//! Otherwise the bytes are hashed (BLAKE3): the same hash means only the
//! stat is refreshed (a git checkout that touched mtimes re-parses nothing).
//! A same-size edit within the timestamp granularity is caught by the racy
//! rule (git's): a file whose mtime is not older than the last sync is
//! always re-hashed. An edit whose mtime was put back (`touch -d`,
//! `rsync -t`) still changes the ctime.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use chrono::NaiveDate;
use rayon::prelude::*;
use rusqlite::fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::{params, Connection, OptionalExtension};

use super::store::{self, damaged, Touched};
use super::{codec, fts, schema, Index};
use crate::config::Config;
use crate::ledger::{contribution, Ledger};
use crate::model::{Diagnostic, NoteFacts};
use crate::resolve::Resolver;
use crate::walk::{decode, read_bytes, walk, Loaded, NoteFile, Stat};
use crate::words::Searchable;

/// Files whose mtime is within this of the last sync are re-hashed: the
/// coarsest common timestamp granularity (FAT, some network filesystems).
const RACY_NS: i64 = 2_000_000_000;

/// What a sync saw and did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SyncStats {
    pub seen: usize,
    pub parsed: usize,
    pub unchanged: usize,
    /// Read and hashed, found identical: only the stat was refreshed.
    pub rehashed: usize,
    pub removed: usize,
    /// Reports, binary, oversized or unreadable files among those parsed.
    pub skipped: usize,
    pub millis: u128,
    /// Whether any note's facts changed (the answers may differ).
    pub changed: bool,
    /// Whether everything was parsed again (new index, new relnotes, new config).
    pub full: bool,
    /// Whether the ledger had to be rebuilt from every note's facts (a
    /// person page's front matter changed, or who a wikilink names).
    pub rederived: bool,
    /// Whether only the paths the OS named were looked at ([`Look::At`]),
    /// not the whole tree: the walk's problems are those of the last walk.
    pub scoped: bool,
}

/// Where a sync looks for changes.
#[derive(Debug, Clone, Copy)]
pub enum Look<'a> {
    /// Walks the whole tree; with `progress`, a progress bar on a
    /// terminal for a long parse.
    Everywhere { progress: bool },
    /// Only at these paths (absolute), which the OS said changed (the
    /// daemon, the language server): each is stat'ed alone. The whole tree
    /// is walked when one of them needs a walk to tell
    /// ([`crate::walk::notes_at`]), and when everything is parsed again.
    At(&'a [std::path::PathBuf]),
}

/// The result of a sync.
pub struct Synced {
    pub stats: SyncStats,
    /// Problems met walking the notes (fresh on every sync).
    pub walk_diagnostics: Vec<Diagnostic>,
    /// The ledger, when the sync had it in hand (it changed, or the day did).
    pub ledger: Option<Ledger>,
    /// Every note's facts, when the sync had to read them all.
    pub notes: Option<Vec<NoteFacts>>,
    /// Who claims which handle, when the sync had it in hand (it changed
    /// something, or the day changed): a run that reads the ledger after
    /// need not read and claim every page again.
    pub claims: Option<crate::resolve::Claims>,
    /// The notes the walk found (their paths and stats), for the caller
    /// to drop or, a one-shot command, to leave to the exit.
    pub files: Vec<crate::walk::NoteFile>,
    /// A file went away between the walk and its read: what the index knew
    /// of it is kept, and a later sync settles it. (A folder that cannot be
    /// read is not this: it stays unreadable, and what the index knew below
    /// it is kept until it can be read.)
    pub incomplete: bool,
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// What reading a changed candidate found.
enum Outcome {
    /// Same bytes as indexed: refresh the stat only.
    Same,
    /// Gone between the walk and the read: left as the index knew it.
    Vanished,
    /// Could not be read, as last time: nothing to write (its row keeps
    /// its warning, and a size that makes the next sync try again).
    StillUnreadable,
    /// New content: kind, warning, facts (and their blob, made on the
    /// parsing thread).
    New {
        hash: Vec<u8>,
        kind: &'static str,
        warning: Option<Diagnostic>,
        facts: Option<Box<(NoteFacts, Vec<u8>, Searchable)>>,
    },
}

fn examine(file: &NoteFile, old_hash: Option<&[u8]>, cfg: &Config) -> Outcome {
    let bytes = match read_bytes(file) {
        Ok(b) => b,
        Err(_) if std::fs::symlink_metadata(&file.abs).is_err() => return Outcome::Vanished,
        Err(_) if old_hash.is_some_and(<[u8]>::is_empty) => return Outcome::StillUnreadable,
        Err(d) => {
            return Outcome::New {
                hash: Vec::new(),
                kind: "skipped",
                warning: Some(d),
                facts: None,
            }
        }
    };
    let hash = blake3::hash(&bytes).as_bytes().to_vec();
    if old_hash == Some(hash.as_slice()) {
        return Outcome::Same;
    }
    match decode(&file.rel, bytes) {
        Loaded::Text(text, warning) => {
            let (facts, search) = crate::parse::parse_note_searchable(&file.rel, &text, &cfg.parse);
            let blob = codec::encode_note(&facts);
            Outcome::New {
                hash,
                kind: "note",
                warning,
                facts: Some(Box::new((facts, blob, search))),
            }
        }
        Loaded::Report => Outcome::New {
            hash,
            kind: "report",
            warning: None,
            facts: None,
        },
        Loaded::Skipped(d) => Outcome::New {
            hash,
            kind: "skipped",
            warning: Some(d),
            facts: None,
        },
    }
}

fn progress_bar(n: usize, show: bool) -> Option<indicatif::ProgressBar> {
    if !show || n < 500 {
        return None;
    }
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(n as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    pb.set_style(
        indicatif::ProgressStyle::with_template("parsing notes {bar:40} {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(pb)
}

/// Brings the index up to date with the notes below `root`. With
/// `rebuild`, starts from nothing. `progress` draws a bar on stderr for a
/// long parse (only pass true when stderr is a terminal).
pub fn sync(
    idx: &mut Index,
    root: &Path,
    cfg: &Config,
    fingerprint: &str,
    rebuild: bool,
    look: Look<'_>,
    today: NaiveDate,
) -> rusqlite::Result<Synced> {
    let synced = sync_in_mode(idx, root, cfg, fingerprint, rebuild, look, today);
    // A first build leaves WAL mode (see `Index::fresh_build`); committed
    // or not, the index goes back to it.
    idx.end_fresh_build();
    synced
}

fn sync_in_mode(
    idx: &mut Index,
    root: &Path,
    cfg: &Config,
    fingerprint: &str,
    rebuild: bool,
    look: Look<'_>,
    today: NaiveDate,
) -> rusqlite::Result<Synced> {
    let started = Instant::now();
    let start_ns = now_ns();
    let mut stats = SyncStats::default();
    let full = rebuild
        || idx.meta("parser_version")?.as_deref() != Some(schema::PARSER_VERSION)
        || idx.meta("config")?.as_deref() != Some(fingerprint)
        || !idx.has_ledger()?;
    stats.full = full;
    let last_sync_ns: i64 = idx
        .meta("last_sync_ns")?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);

    let lap = crate::lap::Lap::new();
    let progress = matches!(look, Look::Everywhere { progress: true });
    let looked = match look {
        Look::At(paths) if !full => crate::walk::notes_at(root, cfg, paths),
        _ => None,
    };
    let (w, only) = match looked {
        Some(l) => (l.walk, Some(l.rels)),
        None => (walk(root, cfg), None),
    };
    stats.scoped = only.is_some();
    stats.seen = w.files.len();
    lap.done(if only.is_some() {
        "sync: stat the paths the OS named"
    } else {
        "sync: walk"
    });
    // The walk and the files table are both in byte order of the paths:
    // one merge finds what is unchanged, changed, new and gone, and copies
    // nothing for the unchanged.
    let mut incomplete = false;
    let mut candidates: Vec<(&NoteFile, Stat, Option<Vec<u8>>)> = Vec::new();
    let mut gone: Vec<String> = Vec::new();
    // A full sync always writes: into an empty index, through a rollback
    // journal. Set before `compared_at`, since SQLite counts the change of
    // journal mode as a write.
    if full {
        idx.fresh_build();
    }
    // What other connections had committed when the files table was read
    // (see `look_again`).
    let compared_at = data_version(&idx.conn)?;
    {
        // Served by the `files_scan` index alone, in path order; nothing to
        // compare with when everything is parsed again. Only the rows of
        // the paths looked at when the walk was scoped.
        let mut stmt = idx.conn.prepare(if only.is_some() {
            "SELECT path, size, mtime_ns, ctime_ns, inode, id FROM files
             WHERE path IN (SELECT value FROM json_each(?1)) ORDER BY path"
        } else {
            "SELECT path, size, mtime_ns, ctime_ns, inode, id FROM files WHERE ?1 ORDER BY path"
        })?;
        let mut hash_of = idx.conn.prepare("SELECT hash FROM files WHERE id = ?1")?;
        let mut rows = match &only {
            Some(rels) => stmt.query([serde_json::to_string(rels).unwrap_or_default()])?,
            None => stmt.query([!full])?,
        };
        rows.advance()?;
        for f in &w.files {
            // Rows before this file are gone from disk.
            let mut matched = None;
            while let Some(r) = rows.get() {
                let path = r.get_ref(0)?.as_str()?;
                match path.cmp(f.rel.as_str()) {
                    std::cmp::Ordering::Less => {
                        gone.push(path.to_string());
                        rows.advance()?;
                    }
                    std::cmp::Ordering::Equal => {
                        let st = Stat {
                            size: r.get(1)?,
                            mtime_ns: r.get(2)?,
                            ctime_ns: r.get(3)?,
                            inode: r.get(4)?,
                        };
                        let unchanged = f.stat == Some(st)
                            && st.mtime_ns.saturating_add(RACY_NS) < last_sync_ns;
                        matched = Some(if unchanged {
                            None
                        } else {
                            let id: i64 = r.get(5)?;
                            Some(hash_of.query_row([id], |h| h.get::<_, Vec<u8>>(0))?)
                        });
                        rows.advance()?;
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
            let Some(st) = f.stat else {
                // Gone between its folder's listing and its stat: its row
                // (if any) stays until a sync sees it settled.
                incomplete = true;
                continue;
            };
            match matched {
                Some(None) => stats.unchanged += 1,
                Some(Some(hash)) => candidates.push((f, st, Some(hash))),
                None => candidates.push((f, st, None)),
            }
        }
        while let Some(r) = rows.get() {
            gone.push(r.get_ref(0)?.as_str()?.to_string());
            rows.advance()?;
        }
    }
    lap.done("sync: compare with the files table");
    let pb = progress_bar(candidates.len(), progress);
    let mut outcomes: Vec<Outcome> = candidates
        .par_iter()
        .map(|(f, _, old_hash)| {
            let o = examine(f, old_hash.as_deref(), cfg);
            if let Some(pb) = &pb {
                pb.inc(1);
            }
            o
        })
        .collect();
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    lap.done("sync: read, hash and parse what changed");
    // What could not be seen is not known to be gone.
    let removed: Vec<&String> = gone.iter().filter(|p| !w.may_hold(p)).collect();
    stats.removed = removed.len();
    incomplete |= count_outcomes(&outcomes, full, &mut stats);
    let today_text = crate::dates::iso(today);
    let people_day = idx.meta("today")?;
    let people_stale = people_day.as_deref() != Some(today_text.as_str());
    // The day the `people` table was written for: a new day rewrites only
    // the rows that move from it.
    let people_day = people_day.as_deref().and_then(crate::dates::parse_iso);
    let must_write = stats.changed || stats.rehashed > 0 || people_stale;

    let mut ledger = None;
    // Whether `ledger` is all of it, not only the rows a change touched.
    let mut whole = true;
    let mut all_notes = None;
    // Who claims which handle, when the ledger's making had it at hand.
    let mut claims = None;
    // `who`'s rows of the new notes, when made ahead (a first sync).
    let mut made_rows = None;
    if must_write {
        let tx = idx
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if data_version(&tx)? != compared_at {
            incomplete |= look_again(&tx, &mut candidates, &mut outcomes, cfg, full, &mut stats)?;
        }
        // What the changed and removed notes said before: read before the
        // rows are overwritten.
        let mut old: Vec<NoteFacts> = Vec::new();
        if !full && stats.changed {
            let mut get = tx.prepare(
                "SELECT x.data FROM files f JOIN facts x ON x.file_id = f.id WHERE f.path = ?1",
            )?;
            let changed = candidates
                .iter()
                .zip(&outcomes)
                .filter(|(_, o)| matches!(o, Outcome::New { .. }))
                .map(|((f, _, _), _)| &f.rel);
            for path in changed.chain(removed.iter().copied()) {
                let data: Option<Vec<u8>> =
                    get.query_row([path], |r| r.get(0))
                        .map(Some)
                        .or_else(|e| match e {
                            rusqlite::Error::QueryReturnedNoRows => Ok(None),
                            e => Err(e),
                        })?;
                if let Some(d) = data {
                    old.push(codec::decode_note(&d).map_err(damaged)?);
                }
            }
        }
        // Who claims what before the change: needed when the ledger is
        // updated, not when a re-hash found every note the same.
        let pages_before = if full || !stats.changed {
            Vec::new()
        } else {
            store::load_pages(&tx)?
        };
        if full {
            forget_all_but_unseen(&tx, &w)?;
        }
        lap.done("sync: read the old facts and pages");
        // A first sync of all the notes (none below an unreadable folder
        // kept from before) derives the ledger from what it parsed on
        // another thread while this one writes the rows: the two take
        // ~100-200 ms each on 10,000 notes.
        let derive_now = full && w.unseen.is_empty();
        let (ids, derived) = std::thread::scope(|s| {
            let derived = derive_now.then(|| {
                s.spawn(|| {
                    let parsed: Vec<&NoteFacts> = outcomes
                        .iter()
                        .filter_map(|o| match o {
                            Outcome::New { facts: Some(b), .. } => Some(&b.0),
                            _ => None,
                        })
                        .collect();
                    Ledger::derive_with_claims(&parsed, cfg)
                })
            });
            let ids = write_files(&tx, &candidates, &outcomes, &removed, full);
            let derived =
                derived.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            (ids, derived)
        });
        let ids = ids?;
        lap.done(if derive_now {
            "sync: write files and facts, and derive the ledger"
        } else {
            "sync: write files and facts"
        });
        // `who`'s rows wait for the ledger, which says whom they name.
        let mut search = Vec::with_capacity(ids.len());
        let fresh: Vec<NoteFacts> = outcomes
            .into_iter()
            .filter_map(|o| match o {
                Outcome::New { facts: Some(b), .. } => Some(*b),
                _ => None,
            })
            .zip(ids)
            .map(|((facts, _, s), id)| {
                search.push(fts::Pending::new(id, &facts, s));
                facts
            })
            .collect();
        let set = |k: &str, v: &str| {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
                params![k, v],
            )
        };
        if full {
            // Notes below a folder that could not be read keep their facts.
            let notes = if w.unseen.is_empty() {
                fresh
            } else {
                load_all_notes(&tx, fresh)?
            };
            let (l, c) = match derived {
                Some(lc) => lc,
                None => Ledger::derive_with_claims(&notes, cfg),
            };
            lap.done("sync: derive the ledger");
            // `who`'s rows are resolved on another thread while this one
            // writes the ledger's.
            let (saved, rows) = std::thread::scope(|s| {
                let rows = s.spawn(|| fts::make(&l, &c, &search));
                let saved = store::save_full(&tx, &l, &c, cfg, today);
                let rows = rows.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
                (saved, rows)
            });
            saved?;
            made_rows = Some(rows);
            ledger = Some(l);
            claims = Some(c);
            all_notes = Some(notes);
        } else if stats.changed {
            let before = store::claims(&pages_before, cfg);
            lap.done("sync: claims");
            // A new day rewrites every person's row: the whole ledger is
            // read. Otherwise only the rows the change touches.
            let stored = if people_stale {
                store::read_whole(&tx)?
            } else {
                None
            };
            let read_whole = stored.is_some();
            match update(&tx, &before, cfg, &old, &fresh, stored)? {
                Some((l, touched)) => {
                    lap.done("sync: update the ledger");
                    store::save_delta(&tx, &l, &touched, cfg, today)?;
                    if read_whole {
                        store::refresh_people(&tx, &l, cfg, people_day, today)?;
                    }
                    ledger = Some(l);
                    whole = read_whole;
                    // No page changed: who-is-who is what it was.
                    claims = Some(before);
                }
                None => {
                    // Who is who changed: every note's facts are needed.
                    stats.rederived = true;
                    let notes = load_all_notes(&tx, fresh)?;
                    let (l, c) = Ledger::derive_with_claims(&notes, cfg);
                    store::save_full(&tx, &l, &c, cfg, today)?;
                    ledger = Some(l);
                    claims = Some(c);
                    all_notes = Some(notes);
                }
            }
        } else if people_stale {
            // A new day, nothing else: the ledger as an answer reads it,
            // handed on to it.
            if let Some((l, c)) = store::load_ledger_and_claims(&tx, cfg)? {
                store::refresh_people(&tx, &l, cfg, people_day, today)?;
                ledger = Some(l);
                claims = Some(c);
            }
        }
        lap.done("sync: update and write the ledger");
        // A changed sync made or read the ledger, and with it the claims.
        if let (true, Some(l), Some(c)) = (stats.changed, &ledger, &claims) {
            fts::write(&tx, l, c, &search, made_rows, full || stats.rederived)?;
            lap.done("sync: write the full-text rows");
        }
        if stats.changed {
            let generation: i64 = tx
                .query_row("SELECT value FROM meta WHERE key = 'generation'", [], |r| {
                    r.get::<_, String>(0)
                })
                .ok()
                .and_then(|g| g.parse().ok())
                .unwrap_or(0);
            set("generation", &(generation + 1).to_string())?;
            // A new state: answers stored for any other are never read.
            let state =
                blake3::hash(format!("{start_ns} {} {generation}", std::process::id()).as_bytes());
            set("state", &state.to_hex()[..16])?;
        }
        set("parser_version", schema::PARSER_VERSION)?;
        set("config", fingerprint)?;
        set("root", &root.to_string_lossy())?;
        set("today", &today_text)?;
        set("last_sync_ns", &start_ns.to_string())?;
        set("sum", &super::meta_sum(&tx)?)?;
        tx.commit()?;
        lap.done("sync: commit");
    }
    if stats.scoped {
        // What a walk would have seen: every file the index knows.
        let n: i64 = idx
            .conn
            .query_row("SELECT count(*) FROM files", [], |r| r.get(0))?;
        stats.seen = usize::try_from(n).unwrap_or_default();
    }
    stats.millis = started.elapsed().as_millis();
    Ok(Synced {
        stats,
        walk_diagnostics: w.diagnostics,
        files: w.files,
        ledger: ledger.filter(|_| whole),
        notes: all_notes,
        claims,
        incomplete,
    })
}

/// Before a full parse: forgets every file, but for those below a folder
/// the walk could not read.
fn forget_all_but_unseen(tx: &Connection, w: &crate::walk::Walk) -> rusqlite::Result<()> {
    if w.unseen.is_empty() {
        return tx.execute_batch(
            "DELETE FROM touch_days; DELETE FROM pages; DELETE FROM facts; DELETE FROM files;",
        );
    }
    let mut stmt = tx.prepare("SELECT id, path FROM files")?;
    let doomed: Vec<i64> = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .filter_map(Result::ok)
        .filter(|(_, path)| !w.may_hold(path))
        .map(|(id, _)| id)
        .collect();
    let mut del = tx.prepare("DELETE FROM files WHERE id = ?1")?;
    for id in doomed {
        del.execute([id])?;
    }
    Ok(())
}

/// Counts `outcomes` into `stats` (`removed` counted already), and
/// whether the sync changed anything (a `full` one always does); true when
/// a note went away before it could be read.
fn count_outcomes(outcomes: &[Outcome], full: bool, stats: &mut SyncStats) -> bool {
    let mut vanished = false;
    (stats.rehashed, stats.parsed, stats.skipped) = (0, 0, 0);
    for o in outcomes {
        match o {
            Outcome::Same => stats.rehashed += 1,
            Outcome::Vanished => vanished = true,
            Outcome::StillUnreadable => {}
            Outcome::New { kind, .. } => {
                stats.parsed += 1;
                if *kind != "note" {
                    stats.skipped += 1;
                }
            }
        }
    }
    stats.changed = full || stats.parsed > 0 || stats.removed > 0;
    vanished
}

/// What other connections have committed to the index, as SQLite counts
/// it for this one: it moves when another process writes.
fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
}

/// Another relnotes (the daemon and a one-shot command, say) committed
/// between this sync's compare and its write lock. What this one read may
/// then be older than what that one wrote, and writing it would put older
/// facts over newer ones, with a stat that hides it from the daemon until
/// the note changes again. So, under the lock, the notes this sync read are
/// stat'ed, held against the table's hashes (not in a `full` sync, which
/// parses every note whatever the table holds) and read again.
fn look_again(
    tx: &Connection,
    candidates: &mut [(&NoteFile, Stat, Option<Vec<u8>>)],
    outcomes: &mut Vec<Outcome>,
    cfg: &Config,
    full: bool,
    stats: &mut SyncStats,
) -> rusqlite::Result<bool> {
    let mut hash_of = tx.prepare("SELECT hash FROM files WHERE path = ?1")?;
    for (f, st, hash) in candidates.iter_mut() {
        if !full {
            *hash = hash_of
                .query_row([&f.rel], |r| r.get::<_, Vec<u8>>(0))
                .optional()?;
        }
        // (A note reached through a symlink keeps its walk's stat: it is
        // read again all the same.)
        if let Some(m) = std::fs::symlink_metadata(&f.abs)
            .ok()
            .filter(|m| m.is_file())
        {
            *st = Stat::of(&m);
        }
    }
    tracing::debug!(
        "sync: another process wrote the index meanwhile; {} note(s) read again",
        candidates.len()
    );
    *outcomes = candidates
        .par_iter()
        .map(|(f, _, old_hash)| examine(f, old_hash.as_deref(), cfg))
        .collect();
    Ok(count_outcomes(outcomes, full, stats))
}

/// Writes the rows of what changed: stats, hashes, facts, pages, the days
/// of each note's interactions. Returns the file ids of the outcomes with
/// facts, in order.
/// `emptied`: every row of the files written was forgotten before (a full
/// parse), so there is nothing to replace or delete: plain inserts.
fn write_files(
    tx: &Connection,
    candidates: &[(&NoteFile, Stat, Option<Vec<u8>>)],
    outcomes: &[Outcome],
    removed: &[&String],
    emptied: bool,
) -> rusqlite::Result<Vec<i64>> {
    let mut ids = Vec::new();
    let mut upsert = tx.prepare(if emptied {
        "INSERT INTO files (path, size, mtime_ns, ctime_ns, inode, hash, kind, warning, wsum)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         RETURNING id"
    } else {
        "INSERT INTO files (path, size, mtime_ns, ctime_ns, inode, hash, kind, warning, wsum)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(path) DO UPDATE SET size = ?2, mtime_ns = ?3, ctime_ns = ?4, inode = ?5,
             hash = ?6, kind = ?7, warning = ?8, wsum = ?9
         RETURNING id"
    })?;
    let mut put_facts =
        tx.prepare("INSERT OR REPLACE INTO facts (file_id, data) VALUES (?1, ?2)")?;
    let mut drop_facts = tx.prepare("DELETE FROM facts WHERE file_id = ?1")?;
    let mut put_page =
        tx.prepare("INSERT OR REPLACE INTO pages (file_id, path, data) VALUES (?1, ?2, ?3)")?;
    let mut drop_page = tx.prepare("DELETE FROM pages WHERE file_id = ?1")?;
    let mut put_day =
        tx.prepare("INSERT OR IGNORE INTO touch_days (day, file_id) VALUES (?1, ?2)")?;
    let mut drop_days = tx.prepare("DELETE FROM touch_days WHERE file_id = ?1")?;
    let mut restat = tx.prepare(
        "UPDATE files SET size = ?2, mtime_ns = ?3, ctime_ns = ?4, inode = ?5 WHERE path = ?1",
    )?;
    for ((f, st, _), o) in candidates.iter().zip(outcomes) {
        match o {
            Outcome::Vanished | Outcome::StillUnreadable => {}
            Outcome::Same => {
                restat.execute(params![f.rel, st.size, st.mtime_ns, st.ctime_ns, st.inode])?;
            }
            Outcome::New {
                hash,
                kind,
                warning,
                facts,
            } => {
                let warning = warning.as_ref().and_then(|d| serde_json::to_string(d).ok());
                let wsum = warning.as_deref().map(warning_sum);
                // A file that could not be read (no hash) gets a size no
                // stat has, so the next sync tries it again: a passing I/O
                // error must not keep a note out until it is touched.
                let size = if hash.is_empty() { -1 } else { st.size };
                let id: i64 = upsert.query_row(
                    params![
                        f.rel,
                        size,
                        st.mtime_ns,
                        st.ctime_ns,
                        st.inode,
                        hash,
                        kind,
                        warning,
                        wsum
                    ],
                    |r| r.get(0),
                )?;
                if !emptied {
                    drop_days.execute([id])?;
                }
                match facts {
                    Some(b) => {
                        put_facts.execute(params![id, b.1])?;
                        for day in touch_days(&b.0) {
                            put_day.execute(params![crate::dates::iso(day), id])?;
                        }
                        ids.push(id);
                        match &b.0.page {
                            Some(p) => {
                                put_page.execute(params![id, f.rel, codec::encode_page(p)])?;
                            }
                            None if emptied => {}
                            None => {
                                drop_page.execute([id])?;
                            }
                        }
                    }
                    None if emptied => {}
                    None => {
                        drop_facts.execute([id])?;
                        drop_page.execute([id])?;
                        fts::forget(tx, id)?;
                    }
                };
            }
        }
    }
    let mut delete = tx.prepare("DELETE FROM files WHERE path = ?1")?;
    for p in removed {
        delete.execute([p])?;
    }
    Ok(ids)
}

/// The days `note` holds a dated interaction on, whoever it is with (a
/// superset of the days of its touches): its `touch_days` rows.
fn touch_days(note: &NoteFacts) -> std::collections::BTreeSet<chrono::NaiveDate> {
    note.entries
        .iter()
        .filter(|e| crate::ledger::interactive(e))
        .filter_map(crate::ledger::interaction_date)
        .collect()
}

/// Updates the ledger note by note: `old` are the facts of the changed and
/// removed notes as the index held them, `new` those of the changed and
/// added notes. Reads only what the change touches: the ledger-wide
/// totals, then the rows of the people and notes the old and new facts
/// name (`whole`: the ledger read whole already, finished here for every
/// row). `None` when who-is-who changed (a person page's front matter, or
/// whom a wikilink names): the ledger must be derived again.
fn update(
    conn: &Connection,
    claims: &crate::resolve::Claims,
    cfg: &Config,
    old: &[NoteFacts],
    new: &[NoteFacts],
    whole: Option<Ledger>,
) -> rusqlite::Result<Option<(Ledger, Touched)>> {
    let old_pages: BTreeMap<&str, _> = old
        .iter()
        .filter_map(|n| n.page.as_ref().map(|p| (n.path.as_str(), p)))
        .collect();
    let new_pages: BTreeMap<&str, _> = new
        .iter()
        .filter_map(|n| n.page.as_ref().map(|p| (n.path.as_str(), p)))
        .collect();
    if old_pages != new_pages {
        return Ok(None);
    }
    let in_part = whole.is_none();
    let Some(mut l) = (match whole {
        Some(l) => Some(l),
        None => store::read_totals(conn)?,
    }) else {
        return Ok(None);
    };
    let before = Resolver::new(claims, l.at_keys());
    let old_c: Vec<_> = old.iter().map(|n| contribution(n, &before)).collect();
    for n in old {
        l.count_keys(n, false);
    }
    for n in new {
        l.count_keys(n, true);
    }
    let after = Resolver::new(claims, l.at_keys());
    if l.link_keys()
        .any(|k| before.resolve_link(k) != after.resolve_link(k))
    {
        return Ok(None);
    }
    // Every other key names whom it named: the claims are the same.
    for n in new {
        l.name_keys(n, &after);
    }
    let new_c: Vec<_> = new.iter().map(|n| contribution(n, &after)).collect();
    let mut touched = Touched::default();
    for (n, c) in old.iter().zip(&old_c).chain(new.iter().zip(&new_c)) {
        touched.note(n, c);
    }
    if in_part {
        store::read_parts(conn, &mut l, &touched)?;
    }
    for c in &old_c {
        l.apply(c, false);
    }
    for c in &new_c {
        l.apply(c, true);
    }
    drop((old_c, new_c));
    drop((before, after));
    if in_part {
        l.finish_some(claims, &touched.people);
    } else {
        l.finish(claims);
    }
    find_last_touches(conn, claims, cfg, &mut l, &touched)?;
    Ok(Some((l, touched)))
}

/// The latest interaction of each person with a keep-in-touch cadence
/// (the only ones the index keeps it for: see `store::keeps_last`) the
/// change touched and took it away from, found in the notes of their
/// latest day (the facts just written); left unknown should the index not
/// account for them all (the answer then reads the notes).
fn find_last_touches(
    conn: &Connection,
    claims: &crate::resolve::Claims,
    cfg: &Config,
    l: &mut Ledger,
    touched: &Touched,
) -> rusqlite::Result<()> {
    let unknown: Vec<String> = touched
        .people
        .iter()
        .filter(|h| {
            l.people.get(*h).is_some_and(|p| {
                p.last.is_none() && !p.days.is_empty() && store::keeps_last(p, cfg)
            })
        })
        .cloned()
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let found = super::context::last_touches(conn, claims, l, &unknown, NaiveDate::MAX)?;
    for (h, t) in found.into_iter().flatten() {
        if let Some(p) = l.people.get_mut(&h) {
            p.last = Some(t);
        }
    }
    Ok(())
}

/// Every note's facts: the fresh ones as parsed, the rest from the index.
fn load_all_notes(conn: &Connection, fresh: Vec<NoteFacts>) -> rusqlite::Result<Vec<NoteFacts>> {
    let mut fresh: HashMap<String, NoteFacts> =
        fresh.into_iter().map(|n| (n.path.clone(), n)).collect();
    let mut stmt = conn.prepare(
        "SELECT f.path, x.data FROM files f JOIN facts x ON x.file_id = f.id ORDER BY f.path",
    )?;
    let mut rows = stmt.query([])?;
    let mut notes = Vec::new();
    let mut blobs = Vec::new();
    while let Some(r) = rows.next()? {
        let path: String = r.get(0)?;
        match fresh.remove(&path) {
            Some(n) => notes.push(n),
            None => blobs.push(r.get::<_, Vec<u8>>(1)?),
        }
    }
    let decoded: Result<Vec<NoteFacts>, codec::CodecError> =
        blobs.par_iter().map(|b| codec::decode_note(b)).collect();
    notes.extend(decoded.map_err(damaged)?);
    notes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(notes)
}

/// Every note's facts as the index holds them.
pub fn load_notes(conn: &Connection) -> rusqlite::Result<Vec<NoteFacts>> {
    load_all_notes(conn, Vec::new())
}

/// The ledger as the index holds it (`None`: never written).
pub fn load_ledger(conn: &Connection, cfg: &Config) -> rusqlite::Result<Option<Ledger>> {
    let pages = store::load_pages(conn)?;
    store::load_ledger(conn, &store::claims(&pages, cfg))
}

/// Verifies every checksum the index holds (`relnotes index --check`):
/// the meta table, every note's facts, every page, every chunk of the
/// ledger, every warning, every note's blob of `who`'s evidence (and
/// FTS5's integrity check, and its tokens against the blobs); and that
/// the public tables are what the ledger makes of them. Returns how many
/// rows were verified.
pub fn verify(conn: &Connection, cfg: &Config) -> rusqlite::Result<usize> {
    if !super::meta_intact(conn)? {
        return Err(store::damaged(codec::CodecError("meta checksum mismatch")));
    }
    let mut n = 1;
    let mut stmt = conn.prepare("SELECT data FROM facts")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        codec::decode_note(r.get_ref(0)?.as_blob()?).map_err(store::damaged)?;
        n += 1;
    }
    n += store::load_pages(conn)?.len();
    n += store::verify_ledger(conn)?;
    n += file_warnings(conn)?.len();
    n += fts::verify(conn)?;
    n += verify_public(conn, cfg)?;
    Ok(n)
}

/// The public tables (`people`, `aliases`, `commitments`, `days`) hold no
/// checksum: written again from the ledger in a transaction that is rolled
/// back, they must not change. Returns how many rows they hold.
fn verify_public(conn: &Connection, cfg: &Config) -> rusqlite::Result<usize> {
    let claims = store::claims(&store::load_pages(conn)?, cfg);
    let Some(ledger) = store::load_ledger(conn, &claims)? else {
        return Ok(0);
    };
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let today = tx
        .query_row("SELECT value FROM meta WHERE key = 'today'", [], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .and_then(|t| crate::dates::parse_iso(&t));
    let Some(today) = today else {
        return Ok(0);
    };
    let (before, rows) = public_digest(&tx)?;
    store::save_full(&tx, &ledger, &claims, cfg, today)?;
    let (after, _) = public_digest(&tx)?;
    tx.rollback()?;
    if before != after {
        return Err(damaged(codec::CodecError(
            "the public tables differ from the ledger",
        )));
    }
    Ok(rows)
}

/// A hash of every row of the public tables, in key order, and their count.
fn public_digest(conn: &Connection) -> rusqlite::Result<(blake3::Hash, usize)> {
    let mut h = blake3::Hasher::new();
    let mut n = 0;
    for t in ["people", "aliases", "commitments", "days"] {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2"))?;
        let cols = stmt.column_count();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            n += 1;
            for i in 0..cols {
                let v = r.get_ref(i)?;
                let (tag, bytes): (u8, Vec<u8>) = match v {
                    rusqlite::types::ValueRef::Null => (0, Vec::new()),
                    rusqlite::types::ValueRef::Integer(x) => (1, x.to_le_bytes().to_vec()),
                    rusqlite::types::ValueRef::Real(x) => (2, x.to_le_bytes().to_vec()),
                    rusqlite::types::ValueRef::Text(b) => (3, b.to_vec()),
                    rusqlite::types::ValueRef::Blob(b) => (4, b.to_vec()),
                };
                h.update(&[tag]);
                h.update(&(bytes.len() as u64).to_le_bytes());
                h.update(&bytes);
            }
        }
    }
    Ok((h.finalize(), n))
}

/// A stored warning's checksum.
fn warning_sum(w: &str) -> Vec<u8> {
    blake3::hash(w.as_bytes()).as_bytes()[..8].to_vec()
}

/// The per-file warnings stored in the index, without loading any facts;
/// one whose checksum does not match is an error (the index is rebuilt).
pub fn file_warnings(conn: &Connection) -> rusqlite::Result<Vec<Diagnostic>> {
    let mut stmt =
        conn.prepare("SELECT warning, wsum FROM files WHERE warning IS NOT NULL ORDER BY path")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let w = r.get_ref(0)?.as_bytes()?;
        let sum = r.get_ref(1)?.as_bytes_or_null()?;
        if Some(blake3::hash(w).as_bytes()[..8].as_ref()) != sum {
            return Err(store::damaged(codec::CodecError(
                "warning checksum mismatch",
            )));
        }
        if let Ok(d) = serde_json::from_slice(w) {
            out.push(d);
        }
    }
    Ok(out)
}

/// The note errors recorded by the last sync that changed anything.
pub fn stored_errors(idx: &Index) -> Vec<Diagnostic> {
    idx.meta("errors")
        .ok()
        .flatten()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}
