//! The full-text index `who` answers from (SPEC §12): one row in `entries`
//! per entry that mentions someone or stands on a person page (and one per
//! person page for its front matter values), and its words and tags in the
//! SQLite FTS5 table `entry_words`, which shares its rowid.
//!
//! Words are split by relnotes, not by SQLite: the parser stores each
//! entry's UAX #29 words, NFC and lower case, joined by spaces
//! (`words::entry_words`). FTS5's `ascii` tokenizer, with the ASCII
//! characters a word or tag may hold made token characters, then splits on
//! the spaces only and leaves every word whole (`rust's` stays one token,
//! so `rust` never matches it); non-ASCII characters are always token
//! characters to it. The table is contentless (`content=''`): the words are
//! kept only as the index, the text once, in `entries`.
//!
//! Rows are written when their note is parsed, and go with it (a trigger
//! deletes the words of a deleted row, and rows go with their file). Whom
//! an entry is evidence for depends on other notes (who a wikilink names),
//! so it is resolved after the ledger: new rows, or all of them when
//! who-is-who changed.
//!
//! Every row of `entries` carries a checksum of its columns (`sum`, as the
//! other tables' rows and chunks do), verified whenever the row is read: a
//! flipped bit is a damaged index, rebuilt, never evidence. FTS5 keeps no
//! checksum of its own; `relnotes index --check` runs its integrity check
//! and holds its rows against `entries`.

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection};

use super::store;
use crate::config::Config;
use crate::ledger::Ledger;
use crate::model::Mention;
use crate::resolve::Resolver;
use crate::who::{people_of, Evidence, Hit};
use crate::words::Searchable;

pub const CREATE: &str = r#"
-- `who`'s evidence: entries that mention someone or stand on a person
-- page; `line` NULL is the page's front matter. `keys` are the mention
-- keys as written (`@key` or `[key`, separated by U+001F); `people` the
-- handles they and the page's person (`owner`) name, one per line, NULL
-- until resolved. `sum`: relnotes' checksum of the row.
CREATE TABLE entries (
    id      INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    line    INTEGER,
    date    TEXT,
    text    TEXT,
    keys    TEXT NOT NULL,
    owner   TEXT,
    people  TEXT,
    sum     BLOB NOT NULL
);
CREATE INDEX entries_file ON entries (file_id);
CREATE INDEX entries_unresolved ON entries (id) WHERE people IS NULL;
CREATE VIRTUAL TABLE entry_words USING fts5(
    words, tags, content = '', contentless_delete = 1,
    tokenize = "ascii tokenchars '''.:,;_|/-'"
);
CREATE TRIGGER entries_gone AFTER DELETE ON entries BEGIN
    DELETE FROM entry_words WHERE rowid = old.id;
END;
"#;

/// A row of `entries` but its id and checksum.
struct Row<'r> {
    file_id: i64,
    line: Option<u32>,
    date: Option<&'r str>,
    text: Option<&'r str>,
    keys: &'r str,
    owner: Option<&'r str>,
    people: Option<&'r str>,
}

impl Row<'_> {
    /// The row's checksum: every column, each tagged and length-prefixed
    /// (a NULL is not an empty text), BLAKE3 truncated as elsewhere.
    fn sum(&self) -> [u8; 8] {
        let mut h = blake3::Hasher::new();
        h.update(&self.file_id.to_le_bytes());
        h.update(&self.line.map_or(-1, i64::from).to_le_bytes());
        for col in [
            self.date,
            self.text,
            Some(self.keys),
            self.owner,
            self.people,
        ] {
            match col {
                None => h.update(&[0]),
                Some(t) => h
                    .update(&[1])
                    .update(&(t.len() as u64).to_le_bytes())
                    .update(t.as_bytes()),
            };
        }
        let mut out = [0; 8];
        out.copy_from_slice(&h.finalize().as_bytes()[..8]);
        out
    }
}

/// The columns `SELECT`ed to read a row and check it, from `entries e`.
const ROW: &str = "e.file_id, e.line, e.date, e.text, e.keys, e.owner, e.people, e.sum";

/// Reads the row at column `at` on (see [`ROW`]) and checks its checksum.
fn checked<'r>(r: &'r rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Row<'r>> {
    let text = |i: usize| -> rusqlite::Result<Option<&'r str>> {
        Ok(r.get_ref(at + i)?.as_str_or_null()?)
    };
    let row = Row {
        file_id: r.get(at)?,
        line: r.get(at + 1)?,
        date: text(2)?,
        text: text(3)?,
        keys: r.get_ref(at + 4)?.as_str()?,
        owner: text(5)?,
        people: text(6)?,
    };
    match r.get_ref(at + 7)? {
        ValueRef::Blob(b) if b == row.sum() => Ok(row),
        _ => Err(store::damaged(crate::index::codec::CodecError(
            "entry checksum mismatch",
        ))),
    }
}

/// Mention keys as one column.
fn encode_keys(mentions: &[Mention]) -> String {
    let mut out = String::new();
    for m in mentions {
        if !out.is_empty() {
            out.push('\u{1f}');
        }
        out.push(if m.wikilink { '[' } else { '@' });
        out.push_str(&m.key);
    }
    out
}

fn decode_keys(keys: &str) -> Vec<Mention> {
    keys.split('\u{1f}')
        .filter_map(|k| {
            let mut chars = k.chars();
            let wikilink = match chars.next()? {
                '[' => true,
                '@' => false,
                _ => return None,
            };
            Some(Mention {
                key: chars.as_str().to_string(),
                wikilink,
                line: 0,
                col: 0,
            })
        })
        .collect()
}

/// Replaces the rows of the note with file id `file_id` by those of `s`;
/// `owner` is the handle of the person whose page it is.
pub fn put(
    tx: &Connection,
    file_id: i64,
    owner: Option<&str>,
    s: &Searchable,
) -> rusqlite::Result<()> {
    forget(tx, file_id)?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO entries (file_id, line, date, text, keys, owner, people, sum)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut row = |r: &Row<'_>| {
        insert.execute(params![
            r.file_id,
            r.line,
            r.date,
            r.text,
            r.keys,
            r.owner,
            r.people,
            r.sum()
        ])
    };
    let mut words =
        tx.prepare_cached("INSERT INTO entry_words (rowid, words, tags) VALUES (?1, ?2, ?3)")?;
    // A row that mentions no one is its page's person's alone: nothing to
    // resolve.
    let alone = owner.unwrap_or_default();
    for e in &s.entries {
        let date = e.date.map(crate::dates::iso);
        let keys = encode_keys(&e.mentions);
        row(&Row {
            file_id,
            line: Some(e.line),
            date: date.as_deref(),
            text: Some(&e.text),
            keys: &keys,
            owner,
            people: e.mentions.is_empty().then_some(alone),
        })?;
        words.execute(params![tx.last_insert_rowid(), e.words, e.tags])?;
    }
    if let (Some(owner), Some((w, t))) = (owner, &s.page) {
        if !w.is_empty() || !t.is_empty() {
            row(&Row {
                file_id,
                line: None,
                date: None,
                text: None,
                keys: "",
                owner: Some(owner),
                people: Some(owner),
            })?;
            words.execute(params![tx.last_insert_rowid(), w, t])?;
        }
    }
    Ok(())
}

/// Removes the rows of the note with file id `file_id`.
pub fn forget(tx: &Connection, file_id: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM entries WHERE file_id = ?1")?
        .execute([file_id])?;
    Ok(())
}

/// Resolves whom rows are evidence for against `l` and the pages the index
/// holds: the rows not yet resolved, or with `all` every row (who-is-who
/// changed).
pub fn resolve(tx: &Connection, l: &Ledger, cfg: &Config, all: bool) -> rusqlite::Result<()> {
    let pages = store::load_pages(tx)?;
    let claims = store::claims(&pages, cfg);
    let r = Resolver::new(&claims, l.at_keys());
    let which = if all { "keys != ''" } else { "people IS NULL" };
    let mut stmt = tx.prepare(&format!("SELECT e.id, {ROW} FROM entries e WHERE {which}"))?;
    let mut rows = stmt.query([])?;
    let mut resolved = Vec::new();
    while let Some(row) = rows.next()? {
        let e = checked(row, 1)?;
        let people = people_of(&decode_keys(e.keys), e.owner, &r).join("\n");
        let sum = Row {
            people: Some(&people),
            ..e
        }
        .sum();
        resolved.push((row.get::<_, i64>(0)?, people, sum));
    }
    let mut set = tx.prepare("UPDATE entries SET people = ?2, sum = ?3 WHERE id = ?1")?;
    for (id, people, sum) in resolved {
        set.execute(params![id, people, sum])?;
    }
    Ok(())
}

/// The rows matching the FTS5 query `q`: whom each is evidence for, and
/// its date.
pub fn hits(conn: &Connection, q: &str) -> rusqlite::Result<Vec<Hit>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT e.id, {ROW} FROM entry_words w JOIN entries e ON e.id = w.rowid
         WHERE entry_words MATCH ?1"
    ))?;
    let mut rows = stmt.query([q])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let e = checked(r, 1)?;
        out.push(Hit {
            at: r.get(0)?,
            people: e
                .people
                .unwrap_or_default()
                .split('\n')
                .filter(|h| !h.is_empty())
                .map(str::to_string)
                .collect(),
            date: e.date.and_then(crate::dates::parse_iso),
            page: e.line.is_none(),
        });
    }
    Ok(out)
}

/// The evidence a hit stands for: its text, file and line.
pub fn evidence(conn: &Connection, h: &Hit) -> rusqlite::Result<Evidence> {
    conn.prepare_cached(&format!(
        "SELECT f.path, {ROW} FROM entries e JOIN files f ON f.id = e.file_id WHERE e.id = ?1"
    ))?
    .query_row([h.at], |r| {
        let e = checked(r, 1)?;
        Ok(Evidence {
            date: h.date,
            text: e.text.map(str::to_string),
            file: r.get(0)?,
            line: e.line,
        })
    })
}

/// Verifies `who`'s tables (`relnotes index --check`): every row's
/// checksum, FTS5's integrity check of its index, and that the index holds
/// a row for each entry and no other. Returns how many rows were verified.
pub fn verify(conn: &Connection) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare(&format!("SELECT {ROW} FROM entries e"))?;
    let mut rows = stmt.query([])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        checked(r, 0)?;
        n += 1;
    }
    conn.execute(
        "INSERT INTO entry_words (entry_words) VALUES ('integrity-check')",
        [],
    )?;
    let (words, unmatched): (i64, i64) = conn.query_row(
        "SELECT (SELECT count(*) FROM entry_words),
                (SELECT count(*) FROM entry_words w WHERE w.rowid NOT IN (SELECT id FROM entries))",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if usize::try_from(words).ok() != Some(n) || unmatched != 0 {
        return Err(store::damaged(crate::index::codec::CodecError(
            "the full-text index differs from its entries",
        )));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT); INSERT INTO files VALUES (1, 'a.md');",
        )
        .unwrap();
        c.execute_batch(CREATE).unwrap();
        c
    }

    fn count(c: &Connection, q: &str) -> usize {
        hits(c, q).unwrap().len()
    }

    #[test]
    fn spec12_fts_keeps_every_word_whole() {
        let c = table();
        let s = Searchable {
            entries: vec![crate::words::SearchEntry {
                line: 1,
                date: None,
                text: String::new(),
                words: crate::words::entry_words("Rust's Rusty node.js trust 3,5 x_y", &[], &[]),
                tags: crate::words::tag_tokens(["lang/go"]),
                mentions: Vec::new(),
            }],
            page: None,
        };
        put(&c, 1, None, &s).unwrap();
        assert_eq!(count(&c, r#"words : "rust""#), 0);
        assert_eq!(count(&c, r#"words : "rust's""#), 1);
        assert_eq!(count(&c, r#"words : "node.js""#), 1);
        assert_eq!(count(&c, r#"words : "node""#), 0);
        assert_eq!(count(&c, r#"words : "3,5""#), 1);
        assert_eq!(count(&c, r#"words : "x_y""#), 1);
        assert_eq!(count(&c, r#"tags : "lang""#), 1);
        assert_eq!(count(&c, r#"tags : "lang/go""#), 1);
        assert_eq!(count(&c, r#"tags : "go""#), 0);
        // Deleting the rows deletes their words.
        forget(&c, 1).unwrap();
        assert_eq!(count(&c, r#"words : "trust""#), 0);
        let n: i64 = c
            .query_row(
                "SELECT count(*) FROM entry_words WHERE entry_words MATCH 'trust'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn keys_round_trip() {
        let m = |k: &str, w| Mention {
            key: k.into(),
            wikilink: w,
            line: 0,
            col: 0,
        };
        let ms = vec![m("alice", false), m("people/bob chen", true)];
        assert_eq!(decode_keys(&encode_keys(&ms)), ms);
        assert!(decode_keys("").is_empty());
    }
}
