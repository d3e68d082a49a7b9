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
use crate::ledger::Ledger;
use crate::model::{Diagnostic, PageFacts};
use crate::resolve::Claims;

/// A blob that does not decode, as the SQL error the sync reports.
pub fn damaged(e: codec::CodecError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(e))
}

fn iso(d: Option<NaiveDate>) -> Option<String> {
    d.map(crate::dates::iso)
}

/// Every person page's front matter, in path order.
pub fn load_pages(conn: &Connection) -> rusqlite::Result<Vec<(String, PageFacts)>> {
    // The page's path is its file's: two copies that must agree.
    let mut stmt = conn.prepare(
        "SELECT p.path, p.data, f.path FROM pages p JOIN files f ON f.id = p.file_id ORDER BY p.path",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let path: String = r.get(0)?;
        let data: Vec<u8> = r.get(1)?;
        if r.get_ref(2)?.as_bytes()? != path.as_bytes() {
            return Err(damaged(codec::CodecError("page path mismatch")));
        }
        out.push((path, codec::decode_page(&data).map_err(damaged)?));
    }
    Ok(out)
}

/// The claims of the pages the index holds.
pub fn claims(pages: &[(String, PageFacts)], cfg: &Config) -> Claims {
    Claims::new(pages.iter().map(|(p, f)| (p.as_str(), f)), cfg)
}

/// The ledger's snapshot as stored, not yet finished with the claims;
/// `None` when the index holds none (never written).
fn read_ledger(conn: &Connection) -> rusqlite::Result<Option<Ledger>> {
    let data: Option<Vec<u8>> = conn
        .query_row("SELECT data FROM ledger WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    data.map(|d| codec::decode_ledger(&d).map_err(damaged))
        .transpose()
}

/// Reads the ledger; `None` when the index holds none (never written).
pub fn load_ledger(conn: &Connection, claims: &Claims) -> rusqlite::Result<Option<Ledger>> {
    let mut l = read_ledger(conn)?;
    if let Some(l) = &mut l {
        l.finish(claims);
    }
    Ok(l)
}

/// Reads the ledger and the claims of the pages it was finished with
/// (which, having handed their people's facts to the ledger, serve to
/// resolve mentions only: see [`Ledger::finish_taking`]); `None` when the
/// index holds no ledger (never written).
pub fn load_ledger_and_claims(
    conn: &Connection,
    cfg: &Config,
) -> rusqlite::Result<Option<(Ledger, Claims)>> {
    let lap = crate::lap::Lap::new();
    let pages = load_pages(conn)?;
    lap.done("read the pages");
    let mut claims = Claims::owned(pages, cfg);
    lap.done("claims of the pages");
    let Some(mut l) = read_ledger(conn)? else {
        return Ok(None);
    };
    l.finish_taking(&mut claims);
    lap.done("read the ledger");
    Ok(Some((l, claims)))
}

/// What an incremental sync touched, to write back.
#[derive(Debug, Default)]
pub struct Touched {
    pub people: BTreeSet<String>,
    pub days: BTreeSet<NaiveDate>,
    /// Paths whose commitments are rewritten.
    pub files: BTreeSet<String>,
}

impl Touched {
    /// Records what a note's contribution touches.
    pub fn note(&mut self, n: &crate::model::NoteFacts, c: &crate::ledger::Contribution<'_, &str>) {
        self.people.extend(c.handles().map(str::to_string));
        self.days.extend(c.days());
        self.files.insert(n.path.clone());
    }
}

/// Writes the whole ledger, replacing what the index held.
pub fn save_full(
    conn: &Connection,
    l: &Ledger,
    cfg: &Config,
    today: NaiveDate,
) -> rusqlite::Result<()> {
    conn.execute_batch("DELETE FROM people; DELETE FROM commitments; DELETE FROM days;")?;
    let all = Touched {
        people: l.people.keys().cloned().collect(),
        days: l.days.keys().copied().collect(),
        ..Touched::default()
    };
    write(conn, l, &all, cfg, today)?;
    let mut ins = conn.prepare(INSERT_TASK)?;
    for t in &l.tasks {
        insert_task(&mut ins, t)?;
    }
    write_aliases(conn, l)?;
    write_meta(conn, l)
}

/// The `aliases` table, whole: who exists (and so which aliases have a
/// person to name) can change with any note.
fn write_aliases(conn: &Connection, l: &Ledger) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM aliases", [])?;
    let mut ins = conn.prepare("INSERT OR IGNORE INTO aliases (alias, handle) VALUES (?1, ?2)")?;
    for p in l.people.values() {
        for a in &p.person.aliases {
            ins.execute(params![a, p.person.handle])?;
        }
    }
    Ok(())
}

const INSERT_TASK: &str = "INSERT OR REPLACE INTO commitments (file, line, people, due, date, text)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// One row of `commitments`, with `ins` [`INSERT_TASK`] prepared.
fn insert_task(
    ins: &mut rusqlite::Statement<'_>,
    t: &crate::ledger::OpenTask,
) -> rusqlite::Result<usize> {
    ins.execute(params![
        t.file,
        t.line,
        t.people.join(","),
        iso(t.due),
        iso(t.date),
        t.text
    ])
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
    let mut ins = conn.prepare(INSERT_TASK)?;
    for f in &touched.files {
        del.execute([f])?;
        let start = l.tasks.partition_point(|t| t.file < *f);
        for t in l.tasks[start..].iter().take_while(|t| t.file == *f) {
            insert_task(&mut ins, t)?;
        }
    }
    write_aliases(conn, l)?;
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
    let mut put = conn.prepare(
        "INSERT OR REPLACE INTO people (handle, name, page, circles, cadence, birthday, org, email,
             mentions, interactions, gave, got, first_contact, last_contact, last_gave, last_got,
             next_due)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?;
    let mut del = conn.prepare("DELETE FROM people WHERE handle = ?1")?;
    for h in &touched.people {
        // Only the rows of the people touched are made.
        let Some(p) = l.people.get(h).map(|ps| crate::query::row(ps, cfg, today)) else {
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
    Ok(())
}

/// The ledger's snapshot, and the errors every command reports (read
/// without loading the ledger when an answer comes from the store).
fn write_meta(conn: &Connection, l: &Ledger) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO ledger (id, data) VALUES (1, ?1)",
        [codec::encode_ledger(l)],
    )?;
    let errors: Vec<&Diagnostic> = l.errors().collect();
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('errors', ?1) ON CONFLICT(key) DO UPDATE SET value = ?1",
        [serde_json::to_string(&errors).unwrap_or_else(|_| "[]".into())],
    )?;
    Ok(())
}
