//! The full-text index `who` answers from (SPEC §12), one row per note
//! that holds any evidence (an entry that mentions someone or stands on a
//! person page, or a person page's front matter values): in `search`, the
//! note's entries in relnotes' binary form (line, date, text, words, tags,
//! mention keys and whom each is evidence for), sealed in checksummed
//! chunks as every blob is, so every read is verified; in the FTS5 table
//! `search_words` (rowid: the file id), the note's distinct words and its
//! tags as `#tag` tokens, without positions (`detail=none`).
//!
//! A question is answered in two steps: FTS5 finds the notes holding every
//! word of every term and every `#tag` (a superset of the answer), and each
//! such note's entries are matched exactly with [`Terms::matches_bytes`],
//! the plain scan's own test (on bytes, so a row that does not match is
//! never copied or checked for UTF-8), so the index and the scan agree by
//! construction (a phrase whose words stand in different entries of a
//! note is found by FTS5, and dropped by the match).
//!
//! Words are split by relnotes, not by SQLite: the parser stores each
//! entry's UAX #29 words, NFC and lower case (`words::entry_words`).
//! FTS5's `ascii` tokenizer, with the ASCII characters a word or tag may
//! hold made token characters, splits the tokens on spaces only and leaves
//! them whole (`rust's` stays one token, so `rust` never finds it); non-ASCII
//! characters are always token characters to it. A word holding some other
//! ASCII character (a Hebrew `"`) is split in two by it, in the note as in
//! the question, which keeps the superset a superset. The table is
//! contentless: the words are kept in the blob.
//!
//! Whom an entry is evidence for depends on other notes (who a wikilink
//! names), so blobs are written after the ledger, resolved against it; when
//! who-is-who changed every stored blob is resolved again. A trigger
//! deletes the FTS5 row of a blob that goes (and blobs go with their file).
//! FTS5 keeps no checksum of its own: `relnotes index --check` runs its
//! integrity check and holds its every token against the blobs.

use chrono::NaiveDate;
use rayon::prelude::*;
use rusqlite::{params, Connection};

use super::codec::{self, CodecError, Reader, Writer};
use super::store;
use crate::ledger::Ledger;
use crate::model::{Mention, NoteFacts};
use crate::resolve::{Claims, Resolver};
use crate::who::{people_of, Evidence, Hit, Term, Terms};
use crate::words::{Searchable, BARRIER};

pub const CREATE: &str = r#"
-- `who`'s evidence, one row per note that holds any: its entries (line,
-- date, text, words, tags, mention keys, the handles each is evidence
-- for) and a person page's front matter words, in relnotes' binary form
-- (checksummed chunks).
CREATE TABLE search (
    file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    data    BLOB NOT NULL
);
-- Each such note's distinct words and `#tag`s (rowid: the file id).
CREATE VIRTUAL TABLE search_words USING fts5(
    words, content = '', contentless_delete = 1, detail = none,
    tokenize = "ascii tokenchars '''.:,;_/-#'"
);
CREATE TRIGGER search_gone AFTER DELETE ON search BEGIN
    DELETE FROM search_words WHERE rowid = old.file_id;
END;
"#;

/// The ASCII characters, besides letters and digits, that the tokenizer
/// keeps in a token (as `CREATE` names them).
const TOKEN_CHARS: &[u8] = b"'.:,;_/-#";

/// The tokens FTS5 makes of one of relnotes' words or `#tag`s: itself,
/// unless it holds an ASCII character the tokenizer splits on.
fn fts_tokens(word: &str) -> impl Iterator<Item = &str> {
    word.split(|c: char| {
        c.is_ascii() && !c.is_ascii_alphanumeric() && !TOKEN_CHARS.contains(&(c as u8))
    })
    .filter(|t| !t.is_empty())
}

/// One entry as the blob keeps it (`line` `None`: the page's front matter).
struct Row<'a> {
    line: Option<u32>,
    date: Option<NaiveDate>,
    text: Option<&'a str>,
    words: &'a str,
    tags: &'a str,
    /// Mention keys as written: `(key, wikilink)`.
    keys: Vec<(&'a str, bool)>,
    /// Whom it is evidence for, sorted.
    people: Vec<&'a str>,
}

/// A note's blob: its file id (checked against the row's key) and rows.
struct Blob<'a> {
    file_id: i64,
    owner: Option<&'a str>,
    rows: Vec<Row<'a>>,
}

impl Blob<'_> {
    /// The blob. Each row holds what a question matches first (words and
    /// tags), then the rest with its length, so a row that does not match
    /// is stepped over unread.
    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u(self.file_id as u64);
        w.opt_s(self.owner);
        w.u(self.rows.len() as u64);
        let mut rest = Writer::new();
        for r in &self.rows {
            w.u(r.line.map_or(0, |l| u64::from(l) + 1));
            w.date(r.date);
            w.s(r.words);
            w.s(r.tags);
            rest.clear();
            rest.opt_s(r.text);
            rest.u(r.keys.len() as u64);
            for (k, link) in &r.keys {
                rest.s(k);
                rest.u(u64::from(*link));
            }
            rest.u(r.people.len() as u64);
            for p in &r.people {
                rest.s(p);
            }
            w.raw(rest.as_bytes());
        }
        w.finish()
    }

    /// Decodes an unsealed payload.
    fn decode(payload: &[u8]) -> Result<Blob<'_>, CodecError> {
        let (file_id, owner, heads) = heads(payload)?;
        let utf8 = |b| std::str::from_utf8(b).map_err(|_| CodecError("bad UTF-8"));
        let rows = heads
            .into_iter()
            .map(|h| {
                let (text, keys, people) = h.rest()?;
                Ok(Row {
                    line: h.line,
                    date: h.date,
                    text,
                    words: utf8(h.words)?,
                    tags: utf8(h.tags)?,
                    keys,
                    people,
                })
            })
            .collect::<Result<_, CodecError>>()?;
        Ok(Blob {
            file_id,
            owner,
            rows,
        })
    }

    /// The FTS5 row: every distinct word and `#tag`, barriers left out.
    fn tokens(&self) -> String {
        // Each once, in the order first met: a hash set, not a sort (this
        // runs over every word of every note in a cold index).
        let mut seen: rustc_hash::FxHashSet<(bool, &str)> = rustc_hash::FxHashSet::default();
        let mut out = String::new();
        for r in &self.rows {
            let words = r
                .words
                .split(' ')
                .filter(|w| *w != BARRIER)
                .map(|w| (false, w));
            let tags = r.tags.split(' ').map(|t| (true, t));
            for (tag, t) in words.chain(tags) {
                if t.is_empty() || !seen.insert((tag, t)) {
                    continue;
                }
                if !out.is_empty() {
                    out.push(' ');
                }
                if tag {
                    out.push('#');
                }
                out.push_str(t);
            }
        }
        out
    }
}

/// A row as a question first reads it: what it is matched on, as bytes
/// (UTF-8 checked only when it matches), and the rest unread.
struct Head<'a> {
    line: Option<u32>,
    date: Option<NaiveDate>,
    words: &'a [u8],
    tags: &'a [u8],
    rest: &'a [u8],
}

/// The rest of a row: text, mention keys, people.
type Rest<'a> = (Option<&'a str>, Vec<(&'a str, bool)>, Vec<&'a str>);

impl<'a> Head<'a> {
    fn rest(&self) -> Result<Rest<'a>, CodecError> {
        let mut r = Reader::new(self.rest);
        let text = opt_str(&mut r)?;
        let nk = r.len()?;
        let mut keys = Vec::with_capacity(nk);
        for _ in 0..nk {
            keys.push((r.str()?, r.u()? != 0));
        }
        let np = r.len()?;
        let mut people = Vec::with_capacity(np);
        for _ in 0..np {
            people.push(r.str()?);
        }
        r.done()?;
        Ok((text, keys, people))
    }
}

/// An unsealed payload's file id, owner and rows, each read only as far
/// as its head.
fn heads(payload: &[u8]) -> Result<(i64, Option<&str>, Vec<Head<'_>>), CodecError> {
    let mut r = Reader::new(payload);
    let file_id = i64::try_from(r.u()?).map_err(|_| CodecError("file id out of range"))?;
    let owner = opt_str(&mut r)?;
    let n = r.len()?;
    let mut rows = Vec::with_capacity(n);
    for _ in 0..n {
        let line = match r.u()? {
            0 => None,
            l => Some(u32::try_from(l - 1).map_err(|_| CodecError("line out of range"))?),
        };
        rows.push(Head {
            line,
            date: r.date()?,
            words: r.raw()?,
            tags: r.raw()?,
            rest: r.raw()?,
        });
    }
    r.done()?;
    Ok((file_id, owner, rows))
}

/// An optional string (as `Writer::opt_s` writes it), borrowed.
fn opt_str<'a>(r: &mut Reader<'a>) -> Result<Option<&'a str>, CodecError> {
    match r.u()? {
        0 => Ok(None),
        n => {
            let n = usize::try_from(n - 1).map_err(|_| CodecError("length out of range"))?;
            r.bytes(n).map(Some)
        }
    }
}

/// The rows of note `s`, whom each is evidence for resolved by `r`; a
/// person page's front matter only with its `owner`.
fn rows_of<'a>(s: &'a Searchable, owner: Option<&'a str>, r: &'a Resolver<'_>) -> Vec<Row<'a>> {
    let mut rows: Vec<Row<'a>> = s
        .entries
        .iter()
        .map(|e| Row {
            line: Some(e.line),
            date: e.date,
            text: Some(&e.text),
            words: &e.words,
            tags: &e.tags,
            keys: e
                .mentions
                .iter()
                .map(|m| (m.key.as_str(), m.wikilink))
                .collect(),
            people: people_of(&e.mentions, owner, r),
        })
        .collect();
    if let (Some(owner), Some((w, t))) = (owner, &s.page) {
        if !w.is_empty() || !t.is_empty() {
            rows.push(Row {
                line: None,
                date: None,
                text: None,
                words: w,
                tags: t,
                keys: Vec::new(),
                people: vec![owner],
            });
        }
    }
    rows
}

/// A note parsed by this sync, waiting for the ledger to say whom its
/// entries are evidence for.
pub struct Pending {
    file_id: i64,
    owner: Option<String>,
    search: Searchable,
}

impl Pending {
    pub fn new(file_id: i64, facts: &NoteFacts, search: Searchable) -> Pending {
        Pending {
            file_id,
            owner: facts.page.as_ref().map(|p| p.handle.clone()),
            search,
        }
    }

    /// Its blob and FTS5 row, resolved by `r`; `None` when it holds no
    /// evidence.
    fn made(&self, r: &Resolver<'_>) -> Option<(Vec<u8>, String)> {
        let b = Blob {
            file_id: self.file_id,
            owner: self.owner.as_deref(),
            rows: rows_of(&self.search, self.owner.as_deref(), r),
        };
        (!b.rows.is_empty()).then(|| (b.encode(), b.tokens()))
    }
}

/// Writes the blobs of the notes parsed by this sync (`fresh`), resolved
/// against `l` and `claims` (of the pages the index holds, as the sync made
/// or read them for the ledger), or as [`make`] made them ahead (`made`);
/// with `all` (who-is-who changed), every other stored blob is resolved
/// again too.
pub fn write(
    tx: &Connection,
    l: &Ledger,
    claims: &Claims,
    fresh: &[Pending],
    made: Option<Vec<Made>>,
    all: bool,
) -> rusqlite::Result<()> {
    let lap = crate::lap::Lap::new();
    let r = Resolver::new(claims, l.at_keys());
    if all {
        let skip: rustc_hash::FxHashSet<i64> = fresh.iter().map(|p| p.file_id).collect();
        resolve_stored(tx, &r, &skip)?;
    }
    lap.done("who: resolve the stored notes");
    let made = made.unwrap_or_else(|| fresh.par_iter().map(|p| p.made(&r)).collect());
    lap.done("who: resolve and encode the new notes");
    // Every old row first: a statement that may delete through the
    // trigger makes FTS5 flush what it holds in memory to disk, and one
    // between each insert would leave thousands of tiny segments to merge.
    for p in fresh {
        forget(tx, p.file_id)?;
    }
    let mut put = tx.prepare_cached("INSERT INTO search (file_id, data) VALUES (?1, ?2)")?;
    let mut words = tx.prepare_cached("INSERT INTO search_words (rowid, words) VALUES (?1, ?2)")?;
    for (p, m) in fresh.iter().zip(made) {
        if let Some((blob, tokens)) = m {
            put.execute(params![p.file_id, blob])?;
            words.execute(params![p.file_id, tokens])?;
        }
    }
    lap.done("who: write the new notes");
    Ok(())
}

/// A new note's row as [`write`] inserts it, when it has any evidence:
/// its blob and its words.
pub type Made = Option<(Vec<u8>, String)>;

/// The rows of the `fresh` notes, resolved with the ledger and claims
/// they are written with: made ahead of [`write`] on another thread while
/// a first sync writes the ledger.
pub fn make(l: &Ledger, claims: &Claims, fresh: &[Pending]) -> Vec<Made> {
    let r = Resolver::new(claims, l.at_keys());
    fresh.par_iter().map(|p| p.made(&r)).collect()
}

/// Resolves every stored blob but those in `skip` again with `r`,
/// rewriting those whose people changed (their words did not).
fn resolve_stored(
    tx: &Connection,
    r: &Resolver<'_>,
    skip: &rustc_hash::FxHashSet<i64>,
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare("SELECT file_id, data FROM search")?;
    let stored: Vec<(i64, Vec<u8>)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .filter(|x| x.as_ref().map_or(true, |(id, _)| !skip.contains(id)))
        .collect::<rusqlite::Result<_>>()?;
    let redone: Vec<Option<Vec<u8>>> = stored
        .par_iter()
        .map(|(id, data)| re_resolved(*id, data, r))
        .collect::<Result<_, _>>()
        .map_err(store::damaged)?;
    let mut set = tx.prepare_cached("UPDATE search SET data = ?2 WHERE file_id = ?1")?;
    for ((id, _), data) in stored.iter().zip(redone) {
        if let Some(data) = data {
            set.execute(params![id, data])?;
        }
    }
    Ok(())
}

/// Note `id`'s blob `data` with its people resolved again by `r`; `None`
/// when none changed.
fn re_resolved(id: i64, data: &[u8], r: &Resolver<'_>) -> Result<Option<Vec<u8>>, CodecError> {
    let payload = codec::unseal(data)?;
    let mut b = Blob::decode(&payload)?;
    if b.file_id != id {
        return Err(CodecError("blob of another note"));
    }
    let mentions: Vec<Vec<Mention>> = b.rows.iter().map(|row| mentions(&row.keys)).collect();
    let mut changed = false;
    for (row, ms) in b.rows.iter_mut().zip(&mentions) {
        if row.line.is_none() {
            continue;
        }
        let people = people_of(ms, b.owner, r);
        changed |= people != row.people;
        row.people = people;
    }
    Ok(changed.then(|| b.encode()))
}

/// Mention keys as the resolver reads them.
fn mentions(keys: &[(&str, bool)]) -> Vec<Mention> {
    keys.iter()
        .map(|&(key, wikilink)| Mention {
            key: key.to_string(),
            wikilink,
            line: 0,
            col: 0,
        })
        .collect()
}

/// Removes the blob (and so the FTS5 row) of the note with file id `file_id`.
pub fn forget(tx: &Connection, file_id: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM search WHERE file_id = ?1")?
        .execute([file_id])?;
    Ok(())
}

/// The FTS5 query for `terms`: every token of every word and every
/// `#tag`, ANDed, each quoted. It finds every note an entry of which
/// matches, and more.
fn query(terms: &Terms) -> String {
    let mut tokens: Vec<String> = Vec::new();
    for t in &terms.terms {
        match t {
            Term::Tag(tag) => tokens.extend(fts_tokens(&format!("#{tag}")).map(str::to_string)),
            Term::Words(w) => {
                for word in w {
                    tokens.extend(fts_tokens(word).map(str::to_string));
                }
            }
        }
    }
    tokens.sort_unstable();
    tokens.dedup();
    tokens
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Where a hit's evidence is: its note, line and text.
struct Place {
    file_id: i64,
    line: Option<u32>,
    text: Option<String>,
}

/// What a question found in the index: the hits, each `at` its place.
pub struct Found {
    pub hits: Vec<Hit>,
    places: Vec<Place>,
}

/// The entries (and pages' front matter) that match `terms`: the notes
/// FTS5 finds, each blob read once and every row of it matched exactly.
pub fn find(conn: &Connection, terms: &Terms) -> rusqlite::Result<Found> {
    let mut stmt = conn.prepare(
        "SELECT w.rowid, s.data FROM search_words w LEFT JOIN search s ON s.file_id = w.rowid
         WHERE search_words MATCH ?1",
    )?;
    let mut rows = stmt.query([query(terms)])?;
    let mut found = Found {
        hits: Vec::new(),
        places: Vec::new(),
    };
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let data = row
            .get_ref(1)?
            .as_blob_or_null()?
            .ok_or_else(|| store::damaged(CodecError("a full-text row without its note")))?;
        let payload = codec::unseal(data).map_err(store::damaged)?;
        let (file_id, _, rows) = heads(&payload).map_err(store::damaged)?;
        if file_id != id {
            return Err(store::damaged(CodecError("blob of another note")));
        }
        for h in rows.iter().filter(|h| terms.matches_bytes(h.words, h.tags)) {
            let (text, _, people) = h.rest().map_err(store::damaged)?;
            found.hits.push(Hit {
                at: i64::try_from(found.places.len()).unwrap_or(i64::MAX),
                people: people.into_iter().map(str::to_string).collect(),
                date: h.date,
                page: h.line.is_none(),
            });
            found.places.push(Place {
                file_id: id,
                line: h.line,
                text: text.map(str::to_string),
            });
        }
    }
    Ok(found)
}

impl Found {
    /// The evidence hit `h` stands for: its text, file and line.
    pub fn evidence(&self, conn: &Connection, h: &Hit) -> rusqlite::Result<Evidence> {
        let place = usize::try_from(h.at)
            .ok()
            .and_then(|i| self.places.get(i))
            .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        let file: String = conn
            .prepare_cached("SELECT path FROM files WHERE id = ?1")?
            .query_row([place.file_id], |r| r.get(0))?;
        Ok(Evidence {
            date: h.date,
            text: place.text.clone(),
            file,
            line: place.line,
        })
    }
}

/// Verifies `who`'s tables (`relnotes index --check`): every blob's
/// checksums and note, FTS5's integrity check of its index, and that the
/// index holds exactly each blob's tokens, and no other row. Returns how
/// many blobs were verified.
pub fn verify(conn: &Connection) -> rusqlite::Result<usize> {
    let mut expected: Vec<(String, i64)> = Vec::new();
    let mut blobs: Vec<i64> = Vec::new();
    let mut stmt = conn.prepare("SELECT file_id, data FROM search")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let payload = codec::unseal(r.get_ref(1)?.as_blob()?).map_err(store::damaged)?;
        let b = Blob::decode(&payload).map_err(store::damaged)?;
        if b.file_id != id {
            return Err(store::damaged(CodecError("blob of another note")));
        }
        let tokens = b.tokens();
        for t in tokens.split(' ').flat_map(fts_tokens) {
            expected.push((t.to_ascii_lowercase(), id));
        }
        blobs.push(id);
    }
    conn.execute(
        "INSERT INTO search_words (search_words) VALUES ('integrity-check')",
        [],
    )?;
    conn.execute_batch(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocab
         USING fts5vocab(main, search_words, instance)",
    )?;
    let indexed: rusqlite::Result<Vec<(String, i64)>> = conn
        .prepare("SELECT term, doc FROM temp.search_vocab")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect();
    let mut indexed = indexed?;
    let mut rowids: Vec<i64> = conn
        .prepare("SELECT rowid FROM search_words")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute_batch("DROP TABLE temp.search_vocab")?;
    for v in [&mut expected, &mut indexed] {
        v.sort_unstable();
        v.dedup();
    }
    rowids.sort_unstable();
    blobs.sort_unstable();
    if expected != indexed || rowids != blobs {
        return Err(store::damaged(CodecError(
            "the full-text index differs from its notes",
        )));
    }
    Ok(blobs.len())
}

#[cfg(test)]
mod tests;
