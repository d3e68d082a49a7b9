//! The index's compact binary form of a note's facts, a page's front matter
//! and a person's days: varints, length-prefixed UTF-8, dates as day
//! numbers. About a third of the size of the JSON it replaced and an order
//! of magnitude faster to read back, which is what a sync that must load
//! every note's facts (a changed person page) costs. Hand-written rather
//! than serde-derived: the model's serde shape skips empty fields (fine for
//! JSON, fatal for a positional format) and writes dates as text.
//!
//! Every blob starts with [`FORMAT`], then holds its bytes in chunks of
//! [`CHUNK`], each followed by a checksum of its own (so a blob updated in
//! part, or a big one such as the ledger, keeps the guarantee chunk by
//! chunk). Any other format, a checksum that does not match, a truncated
//! blob or bad UTF-8 is an error, and the caller rebuilds the index from
//! the notes: a flipped bit is never an answer.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::ledger::{KeyUse, Ledger, Names, OpenTask, PersonState, Tally};
use crate::model::{DateSource, Diagnostic, Entry, Mention, NoteFacts, PageFacts, Severity, Task};
use crate::query::LastTouch;

/// The format of every blob; bump when the layout changes.
pub const FORMAT: u8 = 4;

/// Bytes per checksummed chunk of a blob.
const CHUNK: usize = 16 * 1024;
/// Bytes of each chunk's checksum (BLAKE3, truncated).
const SUM: usize = 8;

/// The checksum of chunk number `i` (`last`: the blob's last): its place
/// is part of it, so chunks that moved, or a blob cut at a chunk's end, do
/// not pass.
/// A keyed blob's key (the row it belongs in) is part of it too: a blob
/// under another row's key does not pass.
fn chunk_sum(i: usize, last: bool, key: &str, chunk: &[u8]) -> [u8; SUM] {
    let mut h = blake3::Hasher::new();
    h.update(&(i as u64).to_le_bytes());
    h.update(&[u8::from(last)]);
    if !key.is_empty() {
        h.update(&(key.len() as u64).to_le_bytes());
        h.update(key.as_bytes());
    }
    h.update(chunk);
    let mut out = [0; SUM];
    out.copy_from_slice(&h.finalize().as_bytes()[..SUM]);
    out
}

/// `payload` as a blob: the format byte, then each chunk and its checksum.
fn seal(payload: &[u8], key: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + payload.len() + (payload.len() / CHUNK + 1) * SUM);
    out.push(FORMAT);
    let n = payload.len().div_ceil(CHUNK).max(1);
    for i in 0..n {
        let c = &payload[(i * CHUNK).min(payload.len())..((i + 1) * CHUNK).min(payload.len())];
        out.extend_from_slice(c);
        out.extend_from_slice(&chunk_sum(i, i + 1 == n, key, c));
    }
    out
}

/// A blob's payload, every chunk's checksum verified. One chunk (most
/// blobs) is borrowed, not copied.
pub fn unseal(b: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    unseal_keyed(b, "")
}

/// [`unseal`] for a blob sealed with the key of its row.
fn unseal_keyed<'b>(b: &'b [u8], key: &str) -> Result<std::borrow::Cow<'b, [u8]>> {
    let rest = match b.split_first() {
        Some((&FORMAT, rest)) => rest,
        _ => return Err(CodecError("unknown format")),
    };
    let n = rest.len().div_ceil(CHUNK + SUM).max(1);
    let segment = |i: usize, seg: &'_ [u8]| -> Result<usize> {
        let body = seg.len().checked_sub(SUM).ok_or(CodecError("truncated"))?;
        if chunk_sum(i, i + 1 == n, key, &seg[..body]) != seg[body..] {
            return Err(CodecError("checksum mismatch"));
        }
        Ok(body)
    };
    if n == 1 {
        let body = segment(0, rest)?;
        return Ok(std::borrow::Cow::Borrowed(&rest[..body]));
    }
    let mut out = Vec::with_capacity(rest.len());
    for (i, seg) in rest.chunks(CHUNK + SUM).enumerate() {
        let body = segment(i, seg)?;
        out.extend_from_slice(&seg[..body]);
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// A blob that does not decode.
#[derive(Debug, Clone, thiserror::Error)]
#[error("damaged facts in the index: {0}")]
pub struct CodecError(pub(crate) &'static str);

type Result<T> = std::result::Result<T, CodecError>;

/// Builds a payload (`super::fts` writes its blobs with it too).
#[derive(Default)]
pub(super) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub(super) fn new() -> Writer {
        Writer { buf: Vec::new() }
    }
    /// The blob: sealed in checksummed chunks.
    pub(super) fn finish(self) -> Vec<u8> {
        seal(&self.buf, "")
    }
    /// The blob of the row keyed `key`: sealed with it.
    fn finish_keyed(self, key: &str) -> Vec<u8> {
        seal(&self.buf, key)
    }
    pub(super) fn u(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }
    pub(super) fn s(&mut self, s: &str) {
        self.raw(s.as_bytes());
    }
    /// Bytes, length first.
    pub(super) fn raw(&mut self, b: &[u8]) {
        self.u(b.len() as u64);
        self.buf.extend_from_slice(b);
    }
    /// Empties it, keeping its buffer.
    pub(super) fn clear(&mut self) {
        self.buf.clear();
    }
    /// The payload so far (unsealed).
    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.buf
    }
    pub(super) fn opt_s(&mut self, s: Option<&str>) {
        match s {
            None => self.u(0),
            Some(s) => {
                self.u(s.len() as u64 + 1);
                self.buf.extend_from_slice(s.as_bytes());
            }
        }
    }
    pub(super) fn strs(&mut self, v: &[String]) {
        self.u(v.len() as u64);
        for s in v {
            self.s(s);
        }
    }
    /// 0 is none; else the zigzagged day number plus one.
    pub(super) fn date(&mut self, d: Option<NaiveDate>) {
        match d {
            None => self.u(0),
            Some(d) => {
                let n = i64::from(d.num_days_from_ce());
                self.u(((n << 1) ^ (n >> 63)) as u64 + 1);
            }
        }
    }
}

/// Reads a payload back.
pub(super) struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads an unsealed payload.
    pub(super) fn new(b: &'a [u8]) -> Reader<'a> {
        Reader { b }
    }
    pub(super) fn u(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.b.split_first().ok_or(CodecError("truncated"))?;
            self.b = rest;
            v |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(v);
            }
        }
        Err(CodecError("bad varint"))
    }
    pub(super) fn u32(&mut self) -> Result<u32> {
        u32::try_from(self.u()?).map_err(|_| CodecError("number out of range"))
    }
    pub(super) fn len(&mut self) -> Result<usize> {
        let n = usize::try_from(self.u()?).map_err(|_| CodecError("length out of range"))?;
        if n > self.b.len() {
            return Err(CodecError("truncated"));
        }
        Ok(n)
    }
    pub(super) fn bytes(&mut self, n: usize) -> Result<&'a str> {
        if n > self.b.len() {
            return Err(CodecError("truncated"));
        }
        let (s, rest) = self.b.split_at(n);
        self.b = rest;
        std::str::from_utf8(s).map_err(|_| CodecError("bad UTF-8"))
    }
    /// Bytes written by `Writer::raw`, borrowed and unchecked.
    pub(super) fn raw(&mut self) -> Result<&'a [u8]> {
        let n = self.len()?;
        let (s, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(s)
    }
    /// A string, borrowed from the payload.
    pub(super) fn str(&mut self) -> Result<&'a str> {
        let n = self.len()?;
        self.bytes(n)
    }
    pub(super) fn s(&mut self) -> Result<String> {
        let n = self.len()?;
        self.bytes(n).map(str::to_string)
    }
    pub(super) fn opt_s(&mut self) -> Result<Option<String>> {
        match self.u()? {
            0 => Ok(None),
            n => {
                let n = usize::try_from(n - 1).map_err(|_| CodecError("length out of range"))?;
                self.bytes(n).map(|s| Some(s.to_string()))
            }
        }
    }
    pub(super) fn strs(&mut self) -> Result<Vec<String>> {
        let n = self.len()?;
        (0..n).map(|_| self.s()).collect()
    }
    pub(super) fn date(&mut self) -> Result<Option<NaiveDate>> {
        match self.u()? {
            0 => Ok(None),
            z => {
                let z = z - 1;
                let n = ((z >> 1) as i64) ^ -((z & 1) as i64);
                let n = i32::try_from(n).map_err(|_| CodecError("date out of range"))?;
                NaiveDate::from_num_days_from_ce_opt(n)
                    .map(Some)
                    .ok_or(CodecError("date out of range"))
            }
        }
    }
    pub(super) fn done(&self) -> Result<()> {
        if self.b.is_empty() {
            Ok(())
        } else {
            Err(CodecError("trailing bytes"))
        }
    }
}

fn write_page(w: &mut Writer, p: &PageFacts) {
    w.s(&p.handle);
    w.opt_s(p.name.as_deref());
    w.strs(&p.aliases);
    w.strs(&p.circles);
    w.opt_s(p.cadence.as_deref());
    w.opt_s(p.birthday.as_deref());
    w.opt_s(p.org.as_deref());
    w.opt_s(p.email.as_deref());
    w.u(u64::from(p.handle_line));
    w.u(u64::from(p.aliases_line));
}

fn read_page(r: &mut Reader<'_>) -> Result<PageFacts> {
    Ok(PageFacts {
        handle: r.s()?,
        name: r.opt_s()?,
        aliases: r.strs()?,
        circles: r.strs()?,
        cadence: r.opt_s()?,
        birthday: r.opt_s()?,
        org: r.opt_s()?,
        email: r.opt_s()?,
        handle_line: r.u32()?,
        aliases_line: r.u32()?,
    })
}

/// A page's front matter as a blob.
pub fn encode_page(p: &PageFacts) -> Vec<u8> {
    let mut w = Writer::new();
    write_page(&mut w, p);
    w.finish()
}

pub fn decode_page(b: &[u8]) -> Result<PageFacts> {
    let payload = unseal(b)?;
    let mut r = Reader::new(&payload);
    let p = read_page(&mut r)?;
    r.done()?;
    Ok(p)
}

const HEADING: u64 = 1;
const GAVE: u64 = 2;
const GOT: u64 = 4;

/// A note's facts as a blob.
pub fn encode_note(n: &NoteFacts) -> Vec<u8> {
    let mut w = Writer::new();
    w.s(&n.path);
    match &n.page {
        None => w.u(0),
        Some(p) => {
            w.u(1);
            write_page(&mut w, p);
        }
    }
    w.u(n.entries.len() as u64);
    for e in &n.entries {
        w.u(u64::from(e.line));
        w.s(&e.text);
        w.date(e.date);
        w.u(match e.date_source {
            None => 0,
            Some(DateSource::Leading) => 1,
            Some(DateSource::Heading) => 2,
            Some(DateSource::FrontMatter) => 3,
            Some(DateSource::Path) => 4,
            Some(DateSource::Link) => 5,
        });
        let mut flags = 0;
        for (on, bit) in [(e.heading, HEADING), (e.gave, GAVE), (e.got, GOT)] {
            if on {
                flags |= bit;
            }
        }
        w.u(flags);
        w.u(e.mentions.len() as u64);
        for m in &e.mentions {
            w.s(&m.key);
            w.u(u64::from(m.wikilink));
            w.u(u64::from(m.line));
            w.u(u64::from(m.col));
        }
        w.strs(&e.tags);
        w.u(match e.task {
            None => 0,
            Some(Task::Open) => 1,
            Some(Task::Done) => 2,
            Some(Task::Cancelled) => 3,
            Some(Task::Waiting) => 4,
        });
        w.date(e.due);
        w.date(e.done);
    }
    w.u(n.diagnostics.len() as u64);
    for d in &n.diagnostics {
        write_diag(&mut w, d);
    }
    w.finish()
}

pub fn decode_note(b: &[u8]) -> Result<NoteFacts> {
    let payload = unseal(b)?;
    let mut r = Reader::new(&payload);
    let path = r.s()?;
    let page = match r.u()? {
        0 => None,
        1 => Some(read_page(&mut r)?),
        _ => return Err(CodecError("bad page tag")),
    };
    let n = r.len()?;
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        let line = r.u32()?;
        let text = r.s()?;
        let date = r.date()?;
        let date_source = match r.u()? {
            0 => None,
            1 => Some(DateSource::Leading),
            2 => Some(DateSource::Heading),
            3 => Some(DateSource::FrontMatter),
            4 => Some(DateSource::Path),
            5 => Some(DateSource::Link),
            _ => return Err(CodecError("bad date source")),
        };
        let flags = r.u()?;
        let nm = r.len()?;
        let mut mentions = Vec::with_capacity(nm);
        for _ in 0..nm {
            mentions.push(Mention {
                key: r.s()?,
                wikilink: r.u()? != 0,
                line: r.u32()?,
                col: r.u32()?,
            });
        }
        let tags = r.strs()?;
        let task = match r.u()? {
            0 => None,
            1 => Some(Task::Open),
            2 => Some(Task::Done),
            3 => Some(Task::Cancelled),
            4 => Some(Task::Waiting),
            _ => return Err(CodecError("bad task")),
        };
        entries.push(Entry {
            line,
            text,
            date,
            date_source,
            heading: flags & HEADING != 0,
            mentions,
            tags,
            gave: flags & GAVE != 0,
            got: flags & GOT != 0,
            task,
            due: r.date()?,
            done: r.date()?,
        });
    }
    let nd = r.len()?;
    let mut diagnostics = Vec::with_capacity(nd);
    for _ in 0..nd {
        diagnostics.push(read_diag(&mut r)?);
    }
    r.done()?;
    Ok(NoteFacts {
        path,
        page,
        entries,
        diagnostics,
    })
}

fn write_diag(w: &mut Writer, d: &Diagnostic) {
    w.s(&d.path);
    w.u(u64::from(d.line));
    w.u(u64::from(d.col));
    w.u(u64::from(d.severity == Severity::Error));
    w.s(&d.message);
}

fn read_diag(r: &mut Reader<'_>) -> Result<Diagnostic> {
    let path = r.s()?;
    let line = r.u32()?;
    let col = r.u32()?;
    let severity = if r.u()? != 0 {
        Severity::Error
    } else {
        Severity::Warning
    };
    Ok(Diagnostic {
        path,
        line,
        col,
        severity,
        message: r.s()?,
    })
}

/// Days in order: the first as a date, each next one as the days since
/// the one before (a byte, mostly).
fn write_days(w: &mut Writer, days: &BTreeMap<NaiveDate, Tally>) {
    w.u(days.len() as u64);
    let mut prev: Option<i32> = None;
    for (&d, t) in days {
        let n = d.num_days_from_ce();
        match prev {
            None => w.date(Some(d)),
            Some(p) => w.u(u64::try_from(n - p).unwrap_or_default()),
        }
        prev = Some(n);
        w.u(u64::from(t.n));
        w.u(u64::from(t.gave));
        w.u(u64::from(t.got));
    }
}

fn read_days(r: &mut Reader<'_>) -> Result<BTreeMap<NaiveDate, Tally>> {
    let n = r.len()?;
    let mut v = Vec::with_capacity(n);
    let mut prev: Option<NaiveDate> = None;
    for _ in 0..n {
        let d = match prev {
            None => r.date()?.ok_or(CodecError("missing day"))?,
            Some(p) => {
                let step = r.u()?;
                if step == 0 {
                    return Err(CodecError("days out of order"));
                }
                p.checked_add_days(chrono::Days::new(step))
                    .ok_or(CodecError("date out of range"))?
            }
        };
        prev = Some(d);
        v.push((
            d,
            Tally {
                n: r.u32()?,
                gave: r.u32()?,
                got: r.u32()?,
            },
        ));
    }
    // Sorted (each step forward): built in one pass.
    Ok(v.into_iter().collect())
}

/// One person's part of the ledger (the row keyed by their handle): how
/// often they are mentioned and their days. Their other facts come from
/// the claims of the pages.
pub fn encode_person(handle: &str, p: &PersonState) -> Vec<u8> {
    let mut w = Writer::new();
    w.u(u64::from(p.mentions));
    write_days(&mut w, &p.days);
    w.finish_keyed(handle)
}

/// A person's part: their other facts come from the claims, their latest
/// interaction from its own row ([`decode_last`]), read only when asked.
pub fn decode_person(handle: &str, b: &[u8]) -> Result<PersonState> {
    let payload = unseal_keyed(b, handle)?;
    let mut r = Reader::new(&payload);
    let mentions = r.u32()?;
    let days = read_days(&mut r)?;
    r.done()?;
    Ok(PersonState {
        person: crate::resolve::Person::default(),
        mentions,
        days,
        last: None,
    })
}

/// A person's latest interaction (the row keyed by their handle).
pub fn encode_last(handle: &str, t: &LastTouch) -> Vec<u8> {
    let mut w = Writer::new();
    w.date(Some(t.date));
    w.s(&t.file);
    w.u(u64::from(t.line));
    w.s(&t.text);
    w.finish_keyed(handle)
}

pub fn decode_last(handle: &str, b: &[u8]) -> Result<LastTouch> {
    let payload = unseal_keyed(b, handle)?;
    let mut r = Reader::new(&payload);
    let t = LastTouch {
        date: r.date()?.ok_or(CodecError("missing day"))?,
        file: r.s()?,
        line: r.u32()?,
        text: r.s()?,
    };
    r.done()?;
    Ok(t)
}

/// One note's open tasks with someone (the row keyed by its path), in
/// line order.
pub fn encode_tasks(file: &str, tasks: &[OpenTask]) -> Vec<u8> {
    let mut w = Writer::new();
    w.u(tasks.len() as u64);
    for t in tasks {
        w.u(u64::from(t.waiting));
        w.strs(&t.people);
        w.date(t.due);
        w.date(t.date);
        w.s(&t.text);
        w.u(u64::from(t.line));
    }
    w.finish_keyed(file)
}

pub fn decode_tasks(file: &str, b: &[u8]) -> Result<Vec<OpenTask>> {
    let payload = unseal_keyed(b, file)?;
    let mut r = Reader::new(&payload);
    let n = r.len()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(OpenTask {
            waiting: r.u()? != 0,
            people: r.strs()?,
            due: r.date()?,
            date: r.date()?,
            text: r.s()?,
            file: file.to_string(),
            line: r.u32()?,
        });
    }
    if !out.windows(2).all(|w| w[0].line < w[1].line) {
        return Err(CodecError("tasks out of order"));
    }
    r.done()?;
    Ok(out)
}

/// One note's errors (the row keyed by its path).
pub fn encode_errors(file: &str, errors: &[Diagnostic]) -> Vec<u8> {
    let mut w = Writer::new();
    w.u(errors.len() as u64);
    for d in errors {
        write_diag(&mut w, d);
    }
    w.finish_keyed(file)
}

pub fn decode_errors(file: &str, b: &[u8]) -> Result<Vec<Diagnostic>> {
    let payload = unseal_keyed(b, file)?;
    let mut r = Reader::new(&payload);
    let n = r.len()?;
    let out = (0..n)
        .map(|_| read_diag(&mut r))
        .collect::<Result<Vec<_>>>()?;
    r.done()?;
    if out.iter().any(|d| d.path != file) {
        return Err(CodecError("error of another note"));
    }
    Ok(out)
}

/// The ledger-wide part: the day totals and every mention key's use.
pub fn encode_totals(l: &Ledger) -> Vec<u8> {
    let mut w = Writer::new();
    write_days(&mut w, &l.days);
    w.u(l.keys.len() as u64);
    for (k, u) in &l.keys {
        w.s(k);
        w.u(u64::from(u.at));
        w.u(u64::from(u.link));
        write_names(&mut w, &u.at_names);
        write_names(&mut w, &u.link_names);
    }
    w.finish_keyed(TOTALS)
}

/// Whom a mention key names: 0 no one, 1 the handle it is, 2 and a
/// handle.
fn write_names(w: &mut Writer, n: &Names) {
    match n {
        Names::Nobody => w.u(0),
        Names::Itself => w.u(1),
        Names::Other(h) => {
            w.u(2);
            w.s(h);
        }
    }
}

fn read_names(r: &mut Reader<'_>) -> Result<Names> {
    Ok(match r.u()? {
        0 => Names::Nobody,
        1 => Names::Itself,
        2 => Names::Other(r.s()?),
        _ => return Err(CodecError("bad names of a mention key")),
    })
}

/// The key of the row of claimed aliases.
pub const ALIASES: &str = "aliases";

/// Every alias `keys` (the claims' key → handle) holds, that is every key
/// that is not its own handle, sorted by alias.
pub fn encode_aliases(keys: &rustc_hash::FxHashMap<String, String>) -> Vec<u8> {
    let mut pairs: Vec<(&str, &str)> = keys
        .iter()
        .filter(|(k, h)| k != h)
        .map(|(k, h)| (k.as_str(), h.as_str()))
        .collect();
    pairs.sort_unstable();
    let mut w = Writer::new();
    w.u(pairs.len() as u64);
    for (a, h) in pairs {
        w.s(a);
        w.s(h);
    }
    w.finish_keyed(ALIASES)
}

pub fn decode_aliases(b: &[u8]) -> Result<Vec<(String, String)>> {
    let payload = unseal_keyed(b, ALIASES)?;
    let mut r = Reader::new(&payload);
    let n = r.len()?;
    let out = (0..n)
        .map(|_| Ok((r.s()?, r.s()?)))
        .collect::<Result<Vec<_>>>()?;
    r.done()?;
    if !out.windows(2).all(|w| w[0].0 < w[1].0) {
        return Err(CodecError("aliases out of order"));
    }
    Ok(out)
}

/// The key of the ledger-wide part's row.
pub const TOTALS: &str = "totals";

/// Reads the ledger-wide part into `l`.
pub fn decode_totals(b: &[u8], l: &mut Ledger) -> Result<()> {
    let payload = unseal_keyed(b, TOTALS)?;
    let mut r = Reader::new(&payload);
    l.days = read_days(&mut r)?;
    let n = r.len()?;
    let mut keys = Vec::with_capacity(n);
    for _ in 0..n {
        keys.push((
            r.s()?,
            KeyUse {
                at: r.u32()?,
                link: r.u32()?,
                at_names: read_names(&mut r)?,
                link_names: read_names(&mut r)?,
            },
        ));
    }
    if !keys.windows(2).all(|w| w[0].0 < w[1].0) {
        return Err(CodecError("keys out of order"));
    }
    l.keys = keys.into_iter().collect();
    r.done()
}

#[cfg(test)]
mod seal_tests {
    use super::*;

    #[test]
    fn every_chunk_is_checked_and_a_flipped_bit_never_decodes() {
        for len in [0, 5, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let blob = seal(&payload, "");
            assert_eq!(&*unseal(&blob).unwrap(), &payload[..]);
            for at in (0..blob.len()).step_by(997).chain([blob.len() - 1]) {
                let mut bad = blob.clone();
                bad[at] ^= 1 << (at % 8);
                assert!(unseal(&bad).is_err(), "len {len}, byte {at}");
            }
            // Cut at a chunk's end.
            if len > CHUNK {
                assert!(unseal(&blob[..1 + CHUNK + SUM]).is_err());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::parse::parse_note;

    #[test]
    fn notes_round_trip() {
        let cfg = Config::default();
        for (path, text) in [
            ("people/Alice Chen.md", "---\nname: Alice\naliases: [ali]\ncircles: [mentor]\ncadence: 1m\nbirthday: 02-29\n---\n# Alice\n- 2026-11-01 coffee @bob [[Carol]] #got\n## 2026-10-10\n- [x] sent ✅ 2026-10-12 #gave\n- [ ] call due:+3d\n| 2026-11-02 | lunch @zoë |\n"),
            ("journal/0001-01-01.md", "- [-] cancelled @x\n- undated @y\n"),
            ("bad.md", "---\nname: [unclosed\n---\n- @a\n"),
        ] {
            let n = parse_note(path, text, &cfg.parse);
            let b = encode_note(&n);
            assert_eq!(decode_note(&b).unwrap(), n, "{path}");
            // Every truncation is an error, never a panic or a wrong note.
            for cut in 0..b.len() {
                assert!(decode_note(&b[..cut]).is_err(), "{path}: cut at {cut}");
            }
            if let Some(p) = &n.page {
                assert_eq!(&decode_page(&encode_page(p)).unwrap(), p);
            }
        }
        assert!(decode_note(&[FORMAT + 1]).is_err());
    }

    #[test]
    fn ledger_parts_round_trip_and_belong_to_their_row() {
        let cfg = Config::default();
        let files = [
            (
                "people/a.md",
                "---\naliases: [ace]\n---\n- 2026-11-01 coffee #got\n- 2024-02-29 call #gave\n",
            ),
            (
                "2026-11-20.md",
                "- @ace @b #gave\n- [ ] send @b x due:+3d\n- [ ] ask @c #waiting\n",
            ),
            ("x.md", "---\nbad: [\n---\n- [[a]] and @c in 2027\n"),
        ];
        let notes = crate::ledger::tests::notes(&files, &cfg);
        let l = crate::ledger::Ledger::derive(&notes, &cfg);
        let mut blobs = Vec::new();
        for (h, p) in &l.people {
            let b = encode_person(h, p);
            let back = decode_person(h, &b).unwrap();
            assert_eq!((back.mentions, &back.days), (p.mentions, &p.days));
            assert_eq!(p.last.is_some(), !p.days.is_empty(), "{h}");
            if let Some(t) = &p.last {
                let b = encode_last(h, t);
                assert_eq!(&decode_last(h, &b).unwrap(), t);
                assert!(decode_last("zz", &b).is_err());
            }
            blobs.push((h.clone(), b));
        }
        let file = "2026-11-20.md";
        let tasks: Vec<OpenTask> = l.tasks.iter().filter(|t| t.file == file).cloned().collect();
        assert_eq!(tasks.len(), 2);
        let b = encode_tasks(file, &tasks);
        assert_eq!(decode_tasks(file, &b).unwrap(), tasks);
        blobs.push((file.to_string(), b));
        let (f, errors) = l.note_errors.iter().next().unwrap();
        let b = encode_errors(f, errors);
        assert_eq!(&decode_errors(f, &b).unwrap(), errors);
        let b = encode_totals(&l);
        let mut back = Ledger::default();
        decode_totals(&b, &mut back).unwrap();
        assert_eq!((back.days, back.keys), (l.days.clone(), l.keys.clone()));
        blobs.push((TOTALS.to_string(), b));
        // A row's blob under another row's key is damage, as is any cut.
        for (key, b) in &blobs {
            assert!(decode_person("zz", b).is_err() && decode_tasks("zz.md", b).is_err());
            for cut in 0..b.len() {
                assert!(unseal_keyed(&b[..cut], key).is_err(), "{key}: cut at {cut}");
            }
        }
    }
}
