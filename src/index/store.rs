//! The ledger in the index: read back whole on a run that needs answers,
//! written whole after a full parse, and row by row (the people, days,
//! commitments and mention keys a change touched) after an incremental
//! sync. The `people` table's counts are also kept as of the last sync's
//! day, for people's own SQL questions.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};

use super::codec;
use crate::config::Config;
use crate::ledger::{Ledger, OpenTask, PersonState, Tally};
use crate::model::{Diagnostic, PageFacts};
use crate::query::Answers;
use crate::resolve::{Claims, Person};

/// A blob that does not decode, as the SQL error the sync reports.
pub fn damaged(e: codec::CodecError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(e))
}

fn date(s: Option<String>) -> rusqlite::Result<Option<NaiveDate>> {
    match s {
        None => Ok(None),
        Some(s) => crate::dates::parse_iso(&s).map(Some).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("bad date `{s}` in the index").into(),
            )
        }),
    }
}

fn iso(d: Option<NaiveDate>) -> Option<String> {
    d.map(crate::dates::iso)
}

/// Every person page's front matter, in path order.
pub fn load_pages(conn: &Connection) -> rusqlite::Result<Vec<(String, PageFacts)>> {
    let mut stmt = conn.prepare("SELECT path, data FROM pages ORDER BY path")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let path: String = r.get(0)?;
        let data: Vec<u8> = r.get(1)?;
        out.push((path, codec::decode_page(&data).map_err(damaged)?));
    }
    Ok(out)
}

/// The claims of the pages the index holds.
pub fn claims(pages: &[(String, PageFacts)], cfg: &Config) -> Claims {
    Claims::new(pages.iter().map(|(p, f)| (p.as_str(), f)), cfg)
}

/// Reads the ledger; `None` when the index holds none (never written).
pub fn load_ledger(conn: &Connection, claims: &Claims) -> rusqlite::Result<Option<Ledger>> {
    let written: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'ledger'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if written.as_deref() != Some("1") {
        return Ok(None);
    }
    let mut l = Ledger::default();
    {
        let mut stmt = conn.prepare("SELECT handle, mentions, days FROM people")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let handle: String = r.get(0)?;
            let days: Vec<u8> = r.get(2)?;
            l.people.insert(
                handle.clone(),
                PersonState {
                    person: Person::mentioned(&handle),
                    mentions: r.get(1)?,
                    days: codec::decode_days(&days).map_err(damaged)?,
                },
            );
        }
    }
    {
        let mut stmt = conn.prepare("SELECT day, interactions, gave, got FROM days")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let day = date(Some(r.get(0)?))?.unwrap_or_default();
            l.days.insert(
                day,
                Tally {
                    n: r.get(1)?,
                    gave: r.get(2)?,
                    got: r.get(3)?,
                },
            );
        }
    }
    {
        let mut stmt =
            conn.prepare("SELECT file, line, people, due, date, text FROM commitments")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let file: String = r.get(0)?;
            let line: u32 = r.get(1)?;
            let people: String = r.get(2)?;
            l.tasks.insert(
                (file.clone(), line),
                OpenTask {
                    people: people.split(',').map(str::to_string).collect(),
                    due: date(r.get(3)?)?,
                    date: date(r.get(4)?)?,
                    text: r.get(5)?,
                    file,
                    line,
                },
            );
        }
    }
    {
        let mut stmt = conn.prepare("SELECT key, wikilink, n FROM mention_keys")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            l.keys.insert((r.get(0)?, r.get(1)?), r.get(2)?);
        }
    }
    let errors: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'note_errors'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let errors: Vec<Diagnostic> = errors
        .and_then(|e| serde_json::from_str(&e).ok())
        .unwrap_or_default();
    for d in errors {
        l.note_errors.entry(d.path.clone()).or_default().push(d);
    }
    l.finish(claims);
    Ok(Some(l))
}

/// What an incremental sync touched, to write back.
#[derive(Debug, Default)]
pub struct Touched {
    pub people: BTreeSet<String>,
    pub days: BTreeSet<NaiveDate>,
    pub keys: BTreeSet<(String, bool)>,
    /// Paths whose commitments are rewritten.
    pub files: BTreeSet<String>,
}

impl Touched {
    /// Records what a note's contribution touches.
    pub fn note(&mut self, n: &crate::model::NoteFacts, c: &crate::ledger::Contribution<'_>) {
        self.people.extend(c.handles().map(str::to_string));
        self.days.extend(c.days());
        self.files.insert(n.path.clone());
        for m in n.entries.iter().flat_map(|e| &e.mentions) {
            self.keys.insert((m.key.clone(), m.wikilink));
        }
    }
}

/// Writes the whole ledger, replacing what the index held.
pub fn save_full(
    conn: &Connection,
    l: &Ledger,
    cfg: &Config,
    today: NaiveDate,
) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DELETE FROM people; DELETE FROM aliases; DELETE FROM commitments;
         DELETE FROM days; DELETE FROM mention_keys;",
    )?;
    let all = Touched {
        people: l.people.keys().cloned().collect(),
        days: l.days.keys().copied().collect(),
        keys: l.keys.keys().cloned().collect(),
        files: BTreeSet::new(),
    };
    write(conn, l, &all, cfg, today)?;
    let mut ins = conn.prepare(
        "INSERT INTO commitments (file, line, people, due, date, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for t in l.tasks.values() {
        ins.execute(params![
            t.file,
            t.line,
            t.people.join(","),
            iso(t.due),
            iso(t.date),
            t.text
        ])?;
    }
    let mut ins = conn.prepare("INSERT OR IGNORE INTO aliases (alias, handle) VALUES (?1, ?2)")?;
    for p in l.people.values() {
        for a in &p.person.aliases {
            ins.execute(params![a, p.person.handle])?;
        }
    }
    write_meta(conn, l)
}

/// Writes what an incremental sync touched.
pub fn save_delta(
    conn: &Connection,
    l: &Ledger,
    touched: &Touched,
    cfg: &Config,
    today: NaiveDate,
) -> rusqlite::Result<()> {
    write(conn, l, touched, cfg, today)?;
    let mut del = conn.prepare("DELETE FROM commitments WHERE file = ?1")?;
    let mut ins = conn.prepare(
        "INSERT OR REPLACE INTO commitments (file, line, people, due, date, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for f in &touched.files {
        del.execute([f])?;
        for t in l
            .tasks
            .range((f.clone(), 0)..=(f.clone(), u32::MAX))
            .map(|(_, t)| t)
        {
            ins.execute(params![
                t.file,
                t.line,
                t.people.join(","),
                iso(t.due),
                iso(t.date),
                t.text
            ])?;
        }
    }
    write_meta(conn, l)
}

/// Rewrites every person's counts as of `today` (a new day).
pub fn refresh_people(
    conn: &Connection,
    l: &Ledger,
    cfg: &Config,
    today: NaiveDate,
) -> rusqlite::Result<()> {
    let all = Touched {
        people: l.people.keys().cloned().collect(),
        ..Touched::default()
    };
    write(conn, l, &all, cfg, today)
}

fn write(
    conn: &Connection,
    l: &Ledger,
    touched: &Touched,
    cfg: &Config,
    today: NaiveDate,
) -> rusqlite::Result<()> {
    let answers = Answers::new(l, cfg, today);
    let mut put = conn.prepare(
        "INSERT OR REPLACE INTO people (handle, name, page, circles, cadence, birthday, org, email,
             mentions, interactions, gave, got, first_contact, last_contact, last_gave, last_got,
             next_due, days)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?;
    let mut del = conn.prepare("DELETE FROM people WHERE handle = ?1")?;
    for h in &touched.people {
        let (Some(ps), Some(p)) = (l.people.get(h), answers.person(h)) else {
            del.execute([h])?;
            continue;
        };
        put.execute(params![
            p.handle,
            p.name,
            p.page,
            p.circles.join(","),
            p.cadence,
            p.birthday,
            p.org,
            p.email,
            p.mentions,
            p.interactions,
            p.gave,
            p.got,
            iso(p.first_contact),
            iso(p.last_contact),
            iso(p.last_gave),
            iso(p.last_got),
            iso(p.next_due),
            codec::encode_days(&ps.days)
        ])?;
    }
    let mut put = conn.prepare(
        "INSERT OR REPLACE INTO days (day, interactions, gave, got) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut del = conn.prepare("DELETE FROM days WHERE day = ?1")?;
    for d in &touched.days {
        let day = crate::dates::iso(*d);
        match l.days.get(d) {
            Some(t) => put.execute(params![day, t.n, t.gave, t.got])?,
            None => del.execute([day])?,
        };
    }
    let mut put =
        conn.prepare("INSERT OR REPLACE INTO mention_keys (key, wikilink, n) VALUES (?1, ?2, ?3)")?;
    let mut del = conn.prepare("DELETE FROM mention_keys WHERE key = ?1 AND wikilink = ?2")?;
    for k in &touched.keys {
        match l.keys.get(k) {
            Some(n) => put.execute(params![k.0, k.1, n])?,
            None => del.execute(params![k.0, k.1])?,
        };
    }
    Ok(())
}

fn write_meta(conn: &Connection, l: &Ledger) -> rusqlite::Result<()> {
    let note_errors: Vec<&Diagnostic> = l.note_errors.values().flatten().collect();
    let errors: Vec<&Diagnostic> = l.errors().collect();
    let mut set = conn.prepare(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
    )?;
    set.execute(params![
        "note_errors",
        serde_json::to_string(&note_errors).unwrap_or_else(|_| "[]".into())
    ])?;
    set.execute(params![
        "errors",
        serde_json::to_string(&errors).unwrap_or_else(|_| "[]".into())
    ])?;
    set.execute(params!["ledger", "1"])?;
    Ok(())
}
