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

use rusqlite::{params, Connection};

use super::store;
use crate::config::Config;
use crate::ledger::Ledger;
use crate::model::Mention;
use crate::resolve::Resolver;
use crate::who::{people_of, Evidence, Hit, Info};
use crate::words::Searchable;

pub const CREATE: &str = r#"
-- `who`'s evidence: entries that mention someone or stand on a person
-- page; `line` NULL is the page's front matter. `keys` are the mention
-- keys as written (`@key` or `[key`, separated by U+001F); `people` the
-- handles they and the page's person (`owner`) name, one per line, NULL
-- until resolved.
CREATE TABLE entries (
    id      INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    line    INTEGER,
    date    TEXT,
    text    TEXT,
    keys    TEXT NOT NULL,
    owner   TEXT,
    people  TEXT
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
    let mut row = tx.prepare_cached(
        "INSERT INTO entries (file_id, line, date, text, keys, owner, people)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut words =
        tx.prepare_cached("INSERT INTO entry_words (rowid, words, tags) VALUES (?1, ?2, ?3)")?;
    // A row that mentions no one is its page's person's alone: nothing to
    // resolve.
    let alone = owner.unwrap_or_default();
    for e in &s.entries {
        let people = e.mentions.is_empty().then_some(alone);
        row.execute(params![
            file_id,
            e.line,
            e.date.map(crate::dates::iso),
            e.text,
            encode_keys(&e.mentions),
            owner,
            people
        ])?;
        words.execute(params![tx.last_insert_rowid(), e.words, e.tags])?;
    }
    if let (Some(owner), Some((w, t))) = (owner, &s.page) {
        if !w.is_empty() || !t.is_empty() {
            row.execute(params![
                file_id,
                None::<u32>,
                None::<String>,
                None::<String>,
                "",
                owner,
                owner
            ])?;
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
    let sql = if all {
        "SELECT id, keys, owner FROM entries WHERE keys != ''"
    } else {
        "SELECT id, keys, owner FROM entries WHERE people IS NULL"
    };
    let rows: Vec<(i64, String, Option<String>)> = tx
        .prepare(sql)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut set = tx.prepare("UPDATE entries SET people = ?2 WHERE id = ?1")?;
    for (id, keys, owner) in rows {
        let people = people_of(&decode_keys(&keys), owner.as_deref(), &r);
        set.execute(params![id, people.join("\n")])?;
    }
    Ok(())
}

/// The rows matching the FTS5 query `q`: whom each is evidence for, and
/// its date.
pub fn hits(conn: &Connection, q: &str) -> rusqlite::Result<Vec<Hit>> {
    let mut stmt = conn.prepare(
        "SELECT e.id, e.date, e.people, e.line IS NULL
         FROM entry_words w JOIN entries e ON e.id = w.rowid
         WHERE entry_words MATCH ?1",
    )?;
    let mut rows = stmt.query([q])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let date = r.get_ref(1)?.as_str_or_null()?;
        let people = r.get_ref(2)?.as_str_or_null()?.unwrap_or_default();
        out.push(Hit {
            at: r.get(0)?,
            people: people
                .split('\n')
                .filter(|h| !h.is_empty())
                .map(str::to_string)
                .collect(),
            date: date.and_then(crate::dates::parse_iso),
            page: r.get(3)?,
        });
    }
    Ok(out)
}

/// The evidence a hit stands for: its text, file and line.
pub fn evidence(conn: &Connection, h: &Hit) -> rusqlite::Result<Evidence> {
    conn.prepare_cached(
        "SELECT e.line, e.text, f.path FROM entries e JOIN files f ON f.id = e.file_id WHERE e.id = ?1",
    )?
    .query_row([h.at], |r| {
        Ok(Evidence {
            date: h.date,
            text: r.get(1)?,
            file: r.get(2)?,
            line: r.get(0)?,
        })
    })
}

/// A person's overall figures from the `people` table (as of the last
/// sync's day, which is today after a sync).
pub fn info(conn: &Connection, handle: &str) -> rusqlite::Result<Option<Info>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, circles, last_contact, gave, got FROM people WHERE handle = ?1",
    )?;
    let mut rows = stmt.query([handle])?;
    let Some(r) = rows.next()? else {
        return Ok(None);
    };
    let circles: String = r.get(1)?;
    let last: Option<String> = r.get(2)?;
    Ok(Some(Info {
        name: r.get(0)?,
        circles: circles
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
        last_contact: last.as_deref().and_then(crate::dates::parse_iso),
        gave: r.get(3)?,
        got: r.get(4)?,
    }))
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
