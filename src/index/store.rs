//! The ledger in the index: read back whole on a run that needs answers,
//! written whole after a full parse, and row by row (the people, days,
//! commitments and mention keys a change touched) after an incremental
//! sync. The `people` table's counts are also kept as of the last sync's
//! day, for people's own SQL questions.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rayon::prelude::*;
use rusqlite::{params, Connection, OptionalExtension};

use super::codec;
use crate::config::Config;
use crate::ledger::Ledger;
use crate::model::{Diagnostic, PageFacts};
use crate::resolve::{Claims, Person};

/// A blob that does not decode, as the SQL error the sync reports.
pub fn damaged(e: codec::CodecError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(e))
}

fn iso(d: Option<NaiveDate>) -> Option<String> {
    d.map(crate::dates::iso)
}

/// Every person page's front matter, in path order: the rows read in
/// order, their blobs decoded on every core.
pub fn load_pages(conn: &Connection) -> rusqlite::Result<Vec<(String, PageFacts)>> {
    // The page's path is its file's: two copies that must agree.
    let mut stmt = conn.prepare(
        "SELECT p.path, p.data, f.path FROM pages p JOIN files f ON f.id = p.file_id ORDER BY f.path",
    )?;
    let mut rows = stmt.query([])?;
    let mut blobs: Vec<u8> = Vec::new();
    let mut raw: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    while let Some(r) = rows.next()? {
        let path: String = r.get(0)?;
        if r.get_ref(2)?.as_bytes()? != path.as_bytes() {
            return Err(damaged(codec::CodecError("page path mismatch")));
        }
        let b = r.get_ref(1)?.as_blob()?;
        let at = blobs.len();
        blobs.extend_from_slice(b);
        raw.push((path, at..blobs.len()));
    }
    let mut out = Vec::with_capacity(raw.len());
    raw.into_par_iter()
        .map(|(path, at)| codec::decode_page(&blobs[at]).map(|p| (path, p)))
        .collect_into_vec(&mut out);
    out.into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(damaged)
}

/// The claims of the pages the index holds.
pub fn claims(pages: &[(String, PageFacts)], cfg: &Config) -> Claims {
    Claims::new(pages.iter().map(|(p, f)| (p.as_str(), f)), cfg)
}

/// The parts of the ledger, as the `ledger` table's `part` column says:
/// one row per person with mentions or days (keyed by handle), and one
/// with their latest interaction (read only for the people asked), per note
/// with open tasks with someone or errors (keyed by path), and the
/// ledger-wide totals (always there once a sync has written the ledger).
const PERSON: &str = "person";
const TASKS: &str = "tasks";
const ERRORS: &str = "errors";
const TOTALS: &str = "totals";
const LAST: &str = "last";
const CLAIMS: &str = "claims";

/// One row of the ledger, decoded.
enum Part {
    Person(String, Box<crate::ledger::PersonState>),
    Tasks(Vec<crate::ledger::OpenTask>),
    Errors(String, Vec<Diagnostic>),
}

/// The kinds of row a ledger read in whole decodes.
#[derive(Clone, Copy)]
enum Kind {
    Person,
    Tasks,
    Errors,
}

fn kind_of(part: &str) -> Result<Kind, codec::CodecError> {
    match part {
        PERSON => Ok(Kind::Person),
        TASKS => Ok(Kind::Tasks),
        ERRORS => Ok(Kind::Errors),
        _ => Err(codec::CodecError("unknown part of the ledger")),
    }
}

fn decode_part(kind: Kind, key: String, data: &[u8]) -> Result<Part, codec::CodecError> {
    Ok(match kind {
        Kind::Person => {
            let p = codec::decode_person(&key, data)?;
            Part::Person(key, Box::new(p))
        }
        Kind::Tasks => Part::Tasks(codec::decode_tasks(&key, data)?),
        Kind::Errors => {
            let e = codec::decode_errors(&key, data)?;
            Part::Errors(key, e)
        }
    })
}

/// The ledger-wide part alone (day totals and mention keys), the start of
/// a ledger read in part; `None` when the index holds no ledger.
pub fn read_totals(conn: &Connection) -> rusqlite::Result<Option<Ledger>> {
    let Some(data) = ledger_row(conn, TOTALS, codec::TOTALS)? else {
        return Ok(None);
    };
    let mut l = Ledger::default();
    codec::decode_totals(&data, &mut l).map_err(damaged)?;
    Ok(Some(l))
}

/// Adds to `l` (read in part) the rows of the people and notes `touched`
/// names, before a change is applied to them.
pub fn read_parts(conn: &Connection, l: &mut Ledger, touched: &Touched) -> rusqlite::Result<()> {
    let one = |part: &str, key: &str| -> rusqlite::Result<Option<Part>> {
        let kind = kind_of(part).map_err(damaged)?;
        ledger_row(conn, part, key)?
            .map(|d| decode_part(kind, key.to_string(), &d).map_err(damaged))
            .transpose()
    };
    for h in &touched.people {
        if let Some(Part::Person(h, p)) = one(PERSON, h)? {
            l.people.insert(h, *p);
        }
    }
    for f in &touched.files {
        if let Some(Part::Tasks(t)) = one(TASKS, f)? {
            l.tasks.extend(t);
        }
        if let Some(Part::Errors(f, e)) = one(ERRORS, f)? {
            l.note_errors.insert(f, e);
        }
    }
    let handles: Vec<String> = touched.people.iter().cloned().collect();
    for (h, t) in read_lasts(conn, &handles)? {
        if let Some(p) = l.people.get_mut(&h) {
            p.last = Some(t);
        }
    }
    Ok(())
}

/// One row's blob of the ledger, if it holds one.
fn ledger_row(conn: &Connection, part: &str, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.prepare_cached("SELECT data FROM ledger WHERE part = ?1 AND key = ?2")?
        .query_row([part, key], |r| r.get(0))
        .optional()
}

/// Every row of one part of the ledger, in key order: `each` is given its
/// key and blob.
fn each_row(
    conn: &Connection,
    part: &str,
    mut each: impl FnMut(&str, &[u8]) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let mut stmt =
        conn.prepare_cached("SELECT key, data FROM ledger WHERE part = ?1 ORDER BY key")?;
    let mut rows = stmt.query([part])?;
    while let Some(r) = rows.next()? {
        each(r.get_ref(0)?.as_str()?, r.get_ref(1)?.as_blob()?)?;
    }
    Ok(())
}

/// The latest interaction of each of `handles` the index keeps.
pub fn read_lasts(
    conn: &Connection,
    handles: &[String],
) -> rusqlite::Result<BTreeMap<String, crate::query::LastTouch>> {
    let mut out = BTreeMap::new();
    for h in handles {
        if let Some(d) = ledger_row(conn, LAST, h)? {
            out.insert(h.clone(), codec::decode_last(h, &d).map_err(damaged)?);
        }
    }
    Ok(out)
}

/// The whole ledger as stored (but the latest interactions: see
/// [`read_lasts`]), not yet finished with the claims: its rows
/// read in key order and decoded in parallel. `None` when the index holds
/// none (never written).
pub fn read_whole(conn: &Connection) -> rusqlite::Result<Option<Ledger>> {
    let Some(mut l) = read_totals(conn)? else {
        return Ok(None);
    };
    let mut stmt = conn.prepare(
        "SELECT part, key, data FROM ledger WHERE part NOT IN (?1, ?2, ?3) ORDER BY part, key",
    )?;
    let mut rows = stmt.query([TOTALS, LAST, CLAIMS])?;
    // Every key and blob in one buffer: no allocation per row on this
    // thread (200,000 people: ~130 ms with a key each); a person's key
    // becomes a String on the decoding threads.
    let mut buf: Vec<u8> = Vec::new();
    let mut put = |bytes: &[u8]| {
        let at = buf.len();
        buf.extend_from_slice(bytes);
        at..buf.len()
    };
    let mut people_at = Vec::new();
    let mut rest_at = Vec::new();
    while let Some(r) = rows.next()? {
        let kind = kind_of(r.get_ref(0)?.as_str()?).map_err(damaged)?;
        let key = put(r.get_ref(1)?.as_str()?.as_bytes());
        let data = put(r.get_ref(2)?.as_blob()?);
        match kind {
            Kind::Person => people_at.push((key, data)),
            _ => rest_at.push((kind, key, data)),
        }
    }
    let buf = buf;
    let key_at = |at: &std::ops::Range<usize>| {
        std::str::from_utf8(&buf[at.clone()]).map_err(|_| codec::CodecError("key not UTF-8"))
    };
    // Decoded straight into their place, in key order: not boxed, moved
    // or collected again (each was ~70 ms on 200,000 people).
    let failed = std::sync::Mutex::new(None);
    let mut people: Vec<(String, crate::ledger::PersonState)> = Vec::new();
    people_at
        .par_iter()
        .map(|(key, data)| {
            let person = key_at(key).and_then(|key| {
                Ok((
                    key.to_string(),
                    codec::decode_person(key, &buf[data.clone()])?,
                ))
            });
            person.unwrap_or_else(|e| {
                *failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                Default::default()
            })
        })
        .collect_into_vec(&mut people);
    if let Some(e) = failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(damaged(e));
    }
    let mut rest = Vec::with_capacity(rest_at.len());
    rest_at
        .par_iter()
        .map(|(kind, key, data)| decode_part(*kind, key_at(key)?.to_string(), &buf[data.clone()]))
        .collect_into_vec(&mut rest);
    drop(buf);
    // In key order: tasks by path then line.
    let mut tasks = 0;
    for p in &rest {
        match p {
            Ok(Part::Tasks(t)) => tasks += t.len(),
            Ok(_) => {}
            Err(e) => return Err(damaged(e.clone())),
        }
    }
    l.tasks.reserve_exact(tasks);
    for p in rest.into_iter().flatten() {
        match p {
            Part::Tasks(t) => l.tasks.extend(t),
            Part::Errors(f, e) => {
                l.note_errors.insert(f, e);
            }
            // Read above, with the people.
            Part::Person(..) => {}
        }
    }
    l.people = people.into_iter().collect();
    Ok(Some(l))
}

/// The handle of the person `query` finds, as [`crate::resolve::find`]
/// finds them in the finished ledger: a handle (in the `people` table),
/// else an alias (among the claimed `aliases`), else the first person in
/// handle order whose name or page it is (the `people` table).
fn find_handle(
    conn: &Connection,
    q: &crate::resolve::PersonQuery,
    aliases: &[(String, String)],
) -> rusqlite::Result<Option<String>> {
    let by_handle: Option<String> = conn
        .query_row(
            "SELECT handle FROM people WHERE handle = ?1",
            [&q.key],
            |r| r.get(0),
        )
        .optional()?;
    if by_handle.is_some() {
        return Ok(by_handle);
    }
    if let Ok(i) = aliases.binary_search_by(|(a, _)| a.as_str().cmp(&q.key)) {
        return Ok(Some(aliases[i].1.clone()));
    }
    // `name` is the handle for someone without one, which can only be
    // the query when the handle is (found above).
    let mut stmt = conn.prepare("SELECT handle, name, page FROM people ORDER BY handle")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let handle = r.get_ref(0)?.as_str()?;
        let name = r.get_ref(1)?.as_str()?;
        let page = r.get_ref(2)?.as_str_or_null()?;
        if q.names(handle, Some(name).filter(|n| *n != handle), page) {
            return Ok(Some(handle.to_string()));
        }
    }
    Ok(None)
}

/// The ledger as far as the person `query` finds is concerned (`show`),
/// with their handle: the totals, their row, latest interaction and facts
/// (finished as [`Ledger::finish`] would, without the claims), and the
/// open tasks with them (every note's task rows are read; only theirs are
/// kept).
///
/// The `people` table serves only to find them by handle, name or page
/// and to say where their page is; what it says is held against the
/// checksummed rows (the page's front matter, the ledger's). `None` when
/// the index holds no ledger, no one is found, or what the table says
/// does not hold: the caller then reads the whole ledger, which decides.
pub fn read_person(conn: &Connection, query: &str) -> rusqlite::Result<Option<(String, Ledger)>> {
    let q = crate::resolve::PersonQuery::new(query);
    let Some(aliases) = read_claimed_aliases(conn)? else {
        return Ok(None);
    };
    let Some(handle) = find_handle(conn, &q, &aliases)? else {
        return Ok(None);
    };
    let Some(mut l) = read_totals(conn)? else {
        return Ok(None);
    };
    let Some(mut state) = read_state(conn, &handle, &mut |h| Ok(l.at_name(h).map(str::to_string)))?
    else {
        return Ok(None);
    };
    let p = &mut state.person;
    p.aliases = aliases
        .into_iter()
        .filter(|(_, h)| *h == handle)
        .map(|(a, _)| a)
        .collect();
    let found = q.key == handle
        || p.aliases.contains(&q.key)
        || q.names(&handle, p.name.as_deref(), p.page.as_deref());
    if !found {
        return Ok(None);
    }
    l.people.insert(handle.clone(), state);
    each_row(conn, TASKS, |key, data| {
        let tasks = codec::decode_tasks(key, data).map_err(damaged)?;
        l.tasks
            .extend(tasks.into_iter().filter(|t| t.people.contains(&handle)));
        Ok(())
    })?;
    Ok(Some((handle, l)))
}

/// People's rows as the whole ledger makes them (`who`'s ranked people):
/// read one at a time, each from their own rows; past [`People::MOST`], or
/// for someone that cannot be read so, from the whole ledger, read then.
/// [`People::sure`] says whether every answer came one way or the other
/// (if not, the caller asks the whole ledger itself).
pub struct People<'c> {
    conn: &'c Connection,
    cfg: &'c Config,
    today: NaiveDate,
    /// The totals (for names from `[[@Full Name]]` links), read once, when
    /// someone without a page is asked for.
    totals: Option<Option<Ledger>>,
    asked: usize,
    /// The whole ledger, once reading one at a time stopped.
    whole: Option<Ledger>,
    sure: bool,
}

impl<'c> People<'c> {
    pub fn new(conn: &'c Connection, cfg: &'c Config, today: NaiveDate) -> People<'c> {
        People {
            conn,
            cfg,
            today,
            totals: None,
            asked: 0,
            whole: None,
            sure: true,
        }
    }

    /// How many rows are read one at a time (~0.1-0.3 ms each) before the
    /// whole ledger is read: a question whose candidates tie by the
    /// thousand (one note naming 200,000 people) took 4 s one at a time,
    /// against 1 s whole. A ranking of the default 10 reads a few dozen.
    pub const MOST: usize = 200;

    /// `handle`'s row, `None` for someone the ledger does not hold.
    pub fn row(&mut self, handle: &str) -> Option<crate::query::PersonRow> {
        self.asked += 1;
        if self.whole.is_none() && self.asked <= Self::MOST {
            if let Ok(Some(row)) = self.read(handle) {
                return Some(row);
            }
        }
        if self.whole.is_none() && self.sure {
            match load_ledger_and_claims(self.conn, self.cfg) {
                Ok(Some((l, _))) => {
                    tracing::debug!("who: the whole ledger, after {} people", self.asked - 1);
                    self.whole = Some(l);
                }
                _ => self.sure = false,
            }
        }
        let ps = self.whole.as_ref()?.people.get(handle)?;
        Some(crate::query::row(ps, self.cfg, self.today))
    }

    fn read(&mut self, handle: &str) -> rusqlite::Result<Option<crate::query::PersonRow>> {
        let (conn, totals) = (self.conn, &mut self.totals);
        let mut at_name = |h: &str| -> rusqlite::Result<Option<String>> {
            if totals.is_none() {
                *totals = Some(read_totals(conn)?);
            }
            let l = totals.as_ref().and_then(Option::as_ref);
            Ok(l.and_then(|l| l.at_name(h)).map(str::to_string))
        };
        let state = read_state(conn, handle, &mut at_name)?;
        Ok(state.map(|s| crate::query::row(&s, self.cfg, self.today)))
    }

    /// Whether the whole ledger was read.
    pub fn read_whole(&self) -> bool {
        self.whole.is_some()
    }

    /// Whether every row asked for was answered (one at a time or from
    /// the whole ledger).
    pub fn sure(&self) -> bool {
        self.sure
    }
}

/// A person's name from their `[[@Full Name]]` links, for someone without
/// a page ([`Ledger::at_name`] on the totals).
type AtName<'a> = dyn FnMut(&str) -> rusqlite::Result<Option<String>> + 'a;

/// `handle`'s state as a finished ledger holds it, but their aliases: their
/// row and latest interaction, and their facts ([`read_person_facts`]).
/// `None` when the index cannot say, or holds no such person (neither a
/// page nor a row).
fn read_state(
    conn: &Connection,
    handle: &str,
    at_name: &mut AtName<'_>,
) -> rusqlite::Result<Option<crate::ledger::PersonState>> {
    let Some(person) = read_person_facts(conn, handle, at_name)? else {
        return Ok(None);
    };
    let mut l = Ledger::default();
    let touched = Touched {
        people: BTreeSet::from([handle.to_string()]),
        ..Touched::default()
    };
    read_parts(conn, &mut l, &touched)?;
    let mut state = match l.people.remove(handle) {
        Some(s) => s,
        None if person.page.is_some() => crate::ledger::PersonState::default(),
        None => return Ok(None),
    };
    state.person = person;
    Ok(Some(state))
}

/// `handle`'s facts as a finished ledger holds them but their aliases:
/// their page's front matter (the page the `people` table names, if its
/// handle is theirs), else the name of their first `[[@Full Name]]` link
/// (the totals' mention keys). `None` when the table names no page of
/// theirs, or no such person.
fn read_person_facts(
    conn: &Connection,
    handle: &str,
    at_name: &mut AtName<'_>,
) -> rusqlite::Result<Option<Person>> {
    let page: Option<Option<String>> = conn
        .query_row("SELECT page FROM people WHERE handle = ?1", [handle], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(page) = page else {
        return Ok(None);
    };
    let mut p = Person::mentioned(handle);
    if let Some(path) = page {
        let data: Option<Vec<u8>> = conn
            .query_row(
                "SELECT p.data FROM files f JOIN pages p ON p.file_id = f.id WHERE f.path = ?1",
                [&path],
                |r| r.get(0),
            )
            .optional()?;
        let Some(data) = data else { return Ok(None) };
        let facts = codec::decode_page(&data).map_err(damaged)?;
        if facts.handle != handle {
            return Ok(None);
        }
        p.name = facts.name;
        p.circles = facts.circles;
        p.cadence = facts.cadence;
        p.birthday = facts.birthday;
        p.org = facts.org;
        p.email = facts.email;
        p.page = Some(path);
    } else {
        p.name = at_name(handle)?;
    }
    Ok(Some(p))
}

/// Checks every row of the ledger (`relnotes index --check`); how many.
pub fn verify_ledger(conn: &Connection) -> rusqlite::Result<usize> {
    Ok(read_totals(conn)?.map_or(0, |_| 1) + {
        let mut stmt = conn.prepare("SELECT part, key, data FROM ledger WHERE part <> ?1")?;
        let mut rows = stmt.query([TOTALS])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let part = r.get_ref(0)?.as_str()?;
            if part == LAST {
                let key = r.get_ref(1)?.as_str()?;
                codec::decode_last(key, r.get_ref(2)?.as_blob()?).map_err(damaged)?;
                n += 1;
                continue;
            }
            if part == CLAIMS {
                codec::decode_aliases(r.get_ref(2)?.as_blob()?).map_err(damaged)?;
                n += 1;
                continue;
            }
            let kind = kind_of(part).map_err(damaged)?;
            decode_part(kind, r.get(1)?, r.get_ref(2)?.as_blob()?).map_err(damaged)?;
            n += 1;
        }
        n
    })
}

/// Reads the ledger; `None` when the index holds none (never written).
pub fn load_ledger(conn: &Connection, claims: &Claims) -> rusqlite::Result<Option<Ledger>> {
    let mut l = read_whole(conn)?;
    if let Some(l) = &mut l {
        l.finish(claims);
    }
    Ok(l)
}

/// Reads the ledger, finished with `claims` (see
/// [`Ledger::finish_taking`]); `None` when the index holds no ledger.
pub fn load_ledger_taking(
    conn: &Connection,
    claims: &mut Claims,
) -> rusqlite::Result<Option<Ledger>> {
    let lap = crate::lap::Lap::new();
    let Some(mut l) = read_whole(conn)? else {
        return Ok(None);
    };
    lap.done("read the ledger");
    l.finish_taking(claims);
    lap.done("finish the ledger");
    Ok(Some(l))
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
    Ok(load_ledger_taking(conn, &mut claims)?.map(|l| (l, claims)))
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
    claims: &Claims,
    cfg: &Config,
    today: NaiveDate,
) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DELETE FROM people; DELETE FROM commitments; DELETE FROM days; DELETE FROM ledger;
         DELETE FROM aliases;",
    )?;
    let all = Touched {
        people: l.people.keys().cloned().collect(),
        days: l.days.keys().copied().collect(),
        files: l
            .tasks
            .iter()
            .map(|t| t.file.clone())
            .chain(l.note_errors.keys().cloned())
            .collect(),
    };
    write(conn, l, &all, cfg, today)?;
    write_parts(conn, l, &all, cfg, true)?;
    let mut ins = conn.prepare(INSERT_TASK)?;
    for t in &l.tasks {
        insert_task(&mut ins, t)?;
    }
    write_aliases(conn, l, &all.people, true)?;
    conn.execute(
        "INSERT INTO ledger (part, key, data) VALUES (?1, ?2, ?3)",
        params![CLAIMS, codec::ALIASES, codec::encode_aliases(&claims.keys)],
    )?;
    write_errors(conn, l)
}

/// Every alias claimed (by a page or the config) and the handle it names,
/// sorted by alias, as the last full sync's claims had them (they change
/// only with a page or the config, which makes the ledger anew): what
/// `show` finds an alias by, checksummed, where the `aliases` table is
/// not. `None` when the index holds none.
fn read_claimed_aliases(conn: &Connection) -> rusqlite::Result<Option<Vec<(String, String)>>> {
    ledger_row(conn, CLAIMS, codec::ALIASES)?
        .map(|d| codec::decode_aliases(&d).map_err(damaged))
        .transpose()
}

/// The rows of the ledger's parts `touched` names, and its totals:
/// written from `l`, or deleted when `l` holds nothing for them (none to
/// delete when the table was `emptied`). Encoded on every core first.
fn write_parts(
    conn: &Connection,
    l: &Ledger,
    touched: &Touched,
    cfg: &Config,
    emptied: bool,
) -> rusqlite::Result<()> {
    let people: Vec<&String> = touched.people.iter().collect();
    let files: Vec<&String> = touched.files.iter().collect();
    // (part, key, blob or none: delete).
    let mut rows: Vec<(&str, &str, Option<Vec<u8>>)> = people
        .par_iter()
        .flat_map_iter(|&h| {
            let p = l
                .people
                .get(h)
                .filter(|p| p.mentions > 0 || !p.days.is_empty());
            [
                (PERSON, h.as_str(), p.map(|p| codec::encode_person(h, p))),
                (
                    LAST,
                    h.as_str(),
                    p.filter(|p| keeps_last(p, cfg))
                        .and_then(|p| p.last.as_ref())
                        .map(|t| codec::encode_last(h, t)),
                ),
            ]
        })
        .collect();
    rows.par_extend(files.par_iter().flat_map_iter(|&f| {
        let start = l.tasks.partition_point(|t| t.file < *f);
        let n = l.tasks[start..].iter().take_while(|t| t.file == *f).count();
        [
            (
                TASKS,
                f.as_str(),
                (n > 0).then(|| codec::encode_tasks(f, &l.tasks[start..start + n])),
            ),
            (
                ERRORS,
                f.as_str(),
                l.note_errors.get(f).map(|e| codec::encode_errors(f, e)),
            ),
        ]
    }));
    rows.push((TOTALS, codec::TOTALS, Some(codec::encode_totals(l))));
    // In key order: each insert lands beside the one before.
    rows.par_sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut put = conn.prepare_cached(if emptied {
        "INSERT INTO ledger (part, key, data) VALUES (?1, ?2, ?3)"
    } else {
        "INSERT OR REPLACE INTO ledger (part, key, data) VALUES (?1, ?2, ?3)"
    })?;
    let mut del = conn.prepare_cached("DELETE FROM ledger WHERE part = ?1 AND key = ?2")?;
    for (part, key, blob) in rows {
        match blob {
            Some(b) => put.execute(params![part, key, b])?,
            None if emptied => 0,
            None => del.execute([part, key])?,
        };
    }
    Ok(())
}

/// Whether the index keeps `p`'s latest interaction: only a keep-in-touch
/// reminder shows it, so only for someone with a cadence (which only a
/// full parse can change: a page's front matter or the config).
pub fn keeps_last(p: &crate::ledger::PersonState, cfg: &Config) -> bool {
    crate::query::cadence_of(&p.person, cfg, NaiveDate::MIN).is_some()
}

/// The `aliases` rows of `handles`: who exists (and so which aliases have
/// a person to name) can change with any note.
/// `emptied`: the table was emptied before (nothing to delete).
fn write_aliases(
    conn: &Connection,
    l: &Ledger,
    handles: &BTreeSet<String>,
    emptied: bool,
) -> rusqlite::Result<()> {
    let mut del = conn.prepare_cached("DELETE FROM aliases WHERE handle = ?1")?;
    let mut ins =
        conn.prepare_cached("INSERT OR IGNORE INTO aliases (alias, handle) VALUES (?1, ?2)")?;
    for h in handles {
        if !emptied {
            del.execute([h])?;
        }
        for a in l.people.get(h).iter().flat_map(|p| &p.person.aliases) {
            ins.execute(params![a, h])?;
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

/// Writes what an incremental sync touched, from `l`: the whole ledger, or
/// one read in part that holds at least what `touched` names.
pub fn save_delta(
    conn: &Connection,
    l: &Ledger,
    touched: &Touched,
    cfg: &Config,
    today: NaiveDate,
) -> rusqlite::Result<()> {
    write(conn, l, touched, cfg, today)?;
    write_parts(conn, l, touched, cfg, false)?;
    let mut del = conn.prepare("DELETE FROM commitments WHERE file = ?1")?;
    let mut ins = conn.prepare(INSERT_TASK)?;
    for f in &touched.files {
        del.execute([f])?;
        let start = l.tasks.partition_point(|t| t.file < *f);
        for t in l.tasks[start..].iter().take_while(|t| t.file == *f) {
            insert_task(&mut ins, t)?;
        }
    }
    write_aliases(conn, l, &touched.people, false)?;
    write_errors(conn, l)
}

/// Brings every person's row of the `people` table from `before` (the day
/// the table was written for; `None`: not known) to `today`, a new day:
/// rewrites only the rows that move ([`crate::query::row_moves`]), and logs
/// how many.
pub fn refresh_people(
    conn: &Connection,
    l: &Ledger,
    cfg: &Config,
    before: Option<NaiveDate>,
    today: NaiveDate,
) -> rusqlite::Result<()> {
    let moved = Touched {
        people: l
            .people
            .iter()
            .filter(|(_, ps)| before.is_none_or(|b| crate::query::row_moves(ps, cfg, b, today)))
            .map(|(h, _)| h.clone())
            .collect(),
        ..Touched::default()
    };
    write(conn, l, &moved, cfg, today)?;
    tracing::debug!(
        "a new day: {} of {} people's rows rewritten",
        moved.people.len(),
        l.people.len()
    );
    Ok(())
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

/// The errors every command reports, read without loading the ledger
/// when an answer comes from the store: every note's (from the ledger's
/// rows, just written) and the claims' (in `l`, finished).
fn write_errors(conn: &Connection, l: &Ledger) -> rusqlite::Result<()> {
    let mut notes: Vec<Diagnostic> = Vec::new();
    each_row(conn, ERRORS, |key, data| {
        notes.extend(codec::decode_errors(key, data).map_err(damaged)?);
        Ok(())
    })?;
    let errors: Vec<&Diagnostic> = notes
        .iter()
        .chain(&l.claim_diagnostics)
        .filter(|d| d.severity == crate::model::Severity::Error)
        .collect();
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('errors', ?1) ON CONFLICT(key) DO UPDATE SET value = ?1",
        [serde_json::to_string(&errors).unwrap_or_else(|_| "[]".into())],
    )?;
    Ok(())
}
