//! The context of keep-in-touch reminders read from the index: the last
//! interaction of a few people, found by decoding only the notes that hold
//! an interaction on their last-contact day (the `touch_days` table), not
//! every note. The ledger says each person's last-contact day and how many
//! interactions they had on it; an answer is given only when exactly that
//! many were found, so a `touch_days` row missing for any reason can never
//! change an answer: the caller then falls back to the whole vault
//! (`query::last_touches`, the reference this must equal).
//!
//! Also one person's timeline (`show`): only the notes that name them are
//! kept and resolved, not every note (`query::timeline` on the whole vault
//! is the reference).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use rayon::prelude::*;
use rusqlite::Connection;

use crate::ledger::{interaction_date, interactive, with_page_person, Ledger};
use crate::model::{Mention, NoteFacts};
use crate::query::{LastTouch, TimelineRow};
use crate::resolve::{Claims, Resolve, Resolver};
use crate::vault::Vault;

use super::{codec, store};

/// What is known of one wanted person before reading notes: their last
/// contact up to today and how many interactions they had that day.
struct Wanted {
    day: NaiveDate,
    count: u32,
}

/// The best touch found for a person so far and how many were seen.
struct Found<'n> {
    key: (NaiveDate, &'n str, u32, &'n str),
    seen: u32,
}

/// The last interaction up to `today` of each of `handles` who has one,
/// as `query::last_touches` gives it; `None` when the index could not
/// account for every interaction the ledger counts on a last-contact day.
pub fn last_touches(
    conn: &Connection,
    claims: &Claims,
    ledger: &Ledger,
    handles: &[String],
    today: NaiveDate,
) -> rusqlite::Result<Option<BTreeMap<String, LastTouch>>> {
    let wanted: BTreeMap<&str, Wanted> = handles
        .iter()
        .filter_map(|h| {
            let state = ledger.people.get(h)?;
            let (&day, tally) = state.days.range(..=today).next_back()?;
            Some((
                h.as_str(),
                Wanted {
                    day,
                    count: tally.n,
                },
            ))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(Some(BTreeMap::new()));
    }
    let days: BTreeSet<NaiveDate> = wanted.values().map(|w| w.day).collect();
    let notes = notes_on(conn, &days)?;
    let resolver = Resolver::new(claims, ledger.at_keys());
    let mut found: BTreeMap<&str, Found<'_>> = BTreeMap::new();
    for note in &notes {
        scan(note, &resolver, &wanted, today, &mut found);
    }
    let complete = wanted
        .iter()
        .all(|(h, w)| found.get(h).is_some_and(|f| f.seen == w.count));
    if !complete {
        return Ok(None);
    }
    Ok(Some(
        found
            .into_iter()
            .map(|(h, f)| {
                let (date, file, line, text) = f.key;
                let touch = LastTouch {
                    date,
                    text: text.to_string(),
                    file: file.to_string(),
                    line,
                };
                (h.to_string(), touch)
            })
            .collect(),
    ))
}

/// The facts of every note with an interaction on one of `days`, decoded
/// in parallel (each note once).
fn notes_on(conn: &Connection, days: &BTreeSet<NaiveDate>) -> rusqlite::Result<Vec<NoteFacts>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.file_id, x.data FROM touch_days t JOIN facts x ON x.file_id = t.file_id
         WHERE t.day = ?1",
    )?;
    let mut blobs: BTreeMap<i64, Vec<u8>> = BTreeMap::new();
    for day in days {
        let mut rows = stmt.query([crate::dates::iso(*day)])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            if let std::collections::btree_map::Entry::Vacant(slot) = blobs.entry(id) {
                slot.insert(r.get(1)?);
            }
        }
    }
    blobs
        .par_iter()
        .map(|(_, b)| codec::decode_note(b))
        .collect::<Result<Vec<_>, _>>()
        .map_err(store::damaged)
}

/// Notes decoded per batch: memory stays bounded by what is kept.
const BATCH: usize = 4096;

/// `handle`'s timeline (`query::timeline` on the whole vault, which this
/// equals): every note is decoded, but only those that name them (a
/// mention that resolves to them, or their page) are kept and resolved.
pub fn timeline(
    conn: &Connection,
    claims: &Claims,
    ledger: &Ledger,
    handle: &str,
    today: NaiveDate,
) -> rusqlite::Result<Vec<TimelineRow>> {
    let resolver = Resolver::new(claims, ledger.at_keys());
    timeline_by(conn, &resolver, handle, today)
}

/// [`timeline`] without the claims: each mention resolved as the ledger's
/// mention keys say (see `Ledger::kept_names`), so a vault of 200,000
/// person pages reads none of them. `None` when a note holds a key the
/// ledger does not (never, unless the index is out of step with itself):
/// the caller then resolves with the claims.
pub fn timeline_kept(
    conn: &Connection,
    ledger: &Ledger,
    handle: &str,
    today: NaiveDate,
) -> rusqlite::Result<Option<Vec<TimelineRow>>> {
    let kept = KeptNames {
        ledger,
        missing: AtomicBool::new(false),
    };
    let rows = timeline_by(conn, &kept, handle, today)?;
    Ok((!kept.missing.load(Ordering::Relaxed)).then_some(rows))
}

/// Mentions resolved by the ledger's keys, noting any key it lacks.
struct KeptNames<'l> {
    ledger: &'l Ledger,
    missing: AtomicBool,
}

impl Resolve for KeptNames<'_> {
    fn resolve<'a>(&'a self, m: &'a Mention) -> Option<&'a str> {
        self.ledger.kept_names(m).unwrap_or_else(|| {
            self.missing.store(true, Ordering::Relaxed);
            None
        })
    }
}

fn timeline_by(
    conn: &Connection,
    resolver: &(impl Resolve + Sync),
    handle: &str,
    today: NaiveDate,
) -> rusqlite::Result<Vec<TimelineRow>> {
    let names = |n: &NoteFacts| {
        n.page.as_ref().is_some_and(|p| p.handle == handle)
            || n.entries
                .iter()
                .flat_map(|e| &e.mentions)
                .any(|m| resolver.resolve(m) == Some(handle))
    };
    let mut kept: Vec<NoteFacts> = Vec::new();
    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(BATCH);
    let mut keep = |batch: &mut Vec<Vec<u8>>| -> rusqlite::Result<()> {
        let notes = batch
            .par_iter()
            .map(|b| codec::decode_note(b).map(|n| names(&n).then_some(n)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(store::damaged)?;
        kept.extend(notes.into_iter().flatten());
        batch.clear();
        Ok(())
    };
    let mut stmt = conn.prepare("SELECT data FROM facts")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        batch.push(r.get(0)?);
        if batch.len() == BATCH {
            keep(&mut batch)?;
        }
    }
    keep(&mut batch)?;
    let part = Vault::part(kept, resolver);
    Ok(crate::query::timeline(&part, handle, today))
}

/// Counts and ranks the touches in `note` of wanted people on their day,
/// by `query::touches`' rules: a dated interaction up to today, with the
/// people it mentions and, on a person page, that person.
fn scan<'n>(
    note: &'n NoteFacts,
    resolver: &Resolver<'_>,
    wanted: &BTreeMap<&'n str, Wanted>,
    today: NaiveDate,
    found: &mut BTreeMap<&'n str, Found<'n>>,
) {
    let page = note.page.as_ref().map(|p| p.handle.as_str());
    let mut people: Vec<&str> = Vec::new();
    for e in &note.entries {
        let Some(date) = interaction_date(e).filter(|&d| d <= today && interactive(e)) else {
            continue;
        };
        people.clear();
        people.extend(e.mentions.iter().filter_map(|m| resolver.resolve(m)));
        people.extend(page.filter(|_| with_page_person(e)));
        people.sort_unstable();
        people.dedup();
        let key = (date, note.path.as_str(), e.line, e.text.as_str());
        for &h in &people {
            let Some((&h, w)) = wanted.get_key_value(h) else {
                continue;
            };
            if w.day != date {
                continue;
            }
            let slot = found.entry(h).or_insert(Found { key, seen: 0 });
            slot.seen += 1;
            // Newest first, then the earliest file and line.
            if (Reverse(key.1), Reverse(key.2)) > (Reverse(slot.key.1), Reverse(slot.key.2)) {
                slot.key = key;
            }
        }
    }
}
