//! `relnotes who TERM…` (SPEC §12): who in my network knows about
//! something. Terms are parsed here ([`Terms`]); the entries that match
//! them come from the index's full-text table (`index::fts`) or, without
//! an index, from a plain scan of every note ([`scan`]); both give
//! [`Hit`]s, which [`rank`] turns into people ordered by score, each with
//! the evidence for it.

use std::cmp::Reverse;
use std::path::Path;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::index::fts;
use crate::ledger::Ledger;
use crate::model::{Mention, NoteFacts};
use crate::query::Answers;
use crate::resolve::{Claims, Resolver};
use crate::source::Source;
use crate::walk::{read_note, walk, Loaded};
use crate::words::{self, Searchable};

/// One term: a tag, or one word or a phrase of several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// `#tag`: the tag, lower case, without `#`.
    Tag(String),
    /// Words that must stand in this order, nothing but spaces or
    /// punctuation between them.
    Words(Vec<String>),
}

/// The terms of one question, as given and as parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub given: Vec<String>,
    pub terms: Vec<Term>,
}

/// Whether `tag` (without `#`) is a tag SPEC §4 would find in text.
fn valid_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '/'))
        && !tag.chars().all(|c| c.is_ascii_digit())
}

impl Terms {
    /// Parses the terms; an error (a usage error) names the bad term.
    pub fn parse(given: &[String]) -> Result<Terms, String> {
        if given.is_empty() {
            return Err("`who` needs at least one term".into());
        }
        let mut terms = Vec::with_capacity(given.len());
        for g in given {
            let t = g.trim();
            if let Some(tag) = t.strip_prefix('#') {
                let tag = tag.trim_end_matches('/');
                if !valid_tag(tag) {
                    return Err(format!(
                        "`{g}` is not a tag: `#` and then letters, digits, `_`, `-` or `/`"
                    ));
                }
                terms.push(Term::Tag(words::fold(tag).into_owned()));
                continue;
            }
            let w = words::words(t);
            if w.is_empty() {
                return Err(format!(
                    "the term `{g}` holds no word (letters or digits) to look for"
                ));
            }
            terms.push(Term::Words(w));
        }
        Ok(Terms {
            given: given.to_vec(),
            terms,
        })
    }

    /// Whether an entry's words and tags (as [`words::SearchEntry`] holds
    /// them) match every term: the plain scan's test.
    pub fn matches(&self, entry_words: &str, tags: &str) -> bool {
        self.matches_bytes(entry_words.as_bytes(), tags.as_bytes())
    }

    /// [`Terms::matches`] on the bytes of the words and tags (UTF-8 both,
    /// so equal bytes are equal words): the index matches rows with it
    /// without checking the UTF-8 of those that do not match.
    pub fn matches_bytes(&self, entry_words: &[u8], tags: &[u8]) -> bool {
        self.terms.iter().all(|t| match t {
            Term::Tag(tag) => tags.split(|&b| b == b' ').any(|x| x == tag.as_bytes()),
            Term::Words(w) => phrase_in(entry_words, w),
        })
    }
}

/// Whether the words of `phrase` stand in `words` (space-separated
/// tokens) one after the other.
fn phrase_in(words: &[u8], phrase: &[String]) -> bool {
    let mut from = words.split(|&b| b == b' ');
    loop {
        let mut rest = from.clone();
        let mut all = true;
        for w in phrase {
            match rest.next() {
                Some(t) if t == w.as_bytes() => {}
                Some(_) => {
                    all = false;
                    break;
                }
                None => return false,
            }
        }
        if all {
            return true;
        }
        from.next();
    }
}

/// An entry (or a person page's front matter) that matched: whom it is
/// evidence for and its date, which is all a score needs. `at` says where
/// the rest of it is (an index into what the scan or the index found with
/// it): only the evidence of the people in the answer is made whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub at: i64,
    /// Handles, sorted.
    pub people: Vec<String>,
    pub date: Option<NaiveDate>,
    /// The page's front matter, not an entry.
    pub page: bool,
}

/// A person's overall figures, as `people` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    pub name: String,
    pub circles: Vec<String>,
    pub last_contact: Option<NaiveDate>,
    pub gave: u32,
    pub got: u32,
}

/// One piece of evidence (SPEC §12 JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub date: Option<NaiveDate>,
    pub text: Option<String>,
    pub file: String,
    pub line: Option<u32>,
}

/// One person in the answer (SPEC §12 JSON, field order as written).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhoRow {
    pub handle: String,
    pub name: String,
    /// Rounded to 3 decimals.
    pub score: f64,
    pub last_contact: Option<NaiveDate>,
    pub gave: u32,
    pub got: u32,
    pub circles: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// Evidence left unread (text shows three).
    #[serde(skip)]
    pub more: usize,
}

/// What one piece of evidence counts (SPEC §12): `0.5 ^ (age / 365)` for a
/// dated entry, 0.5 undated or for the page itself; `None` for an entry
/// dated after today, which is no evidence at all.
pub fn weight(date: Option<NaiveDate>, today: NaiveDate) -> Option<f64> {
    match date {
        None => Some(0.5),
        Some(d) if d > today => None,
        Some(d) => {
            let age = crate::dates::days_between(d, today) as f64;
            Some(0.5f64.powf(age / 365.0))
        }
    }
}

/// The score as compared and shown: rounded to 3 decimals.
fn milli(score: f64) -> i64 {
    (score * 1000.0).round() as i64
}

/// Evidence order: dated newest first, then undated, ties by file and line;
/// the page itself last.
fn evidence_order(a: &Evidence, b: &Evidence) -> std::cmp::Ordering {
    let key = |e: &Evidence| (e.line.is_none(), e.date.is_none(), Reverse(e.date));
    key(a)
        .cmp(&key(b))
        .then_with(|| a.file.cmp(&b.file))
        .then_with(|| a.line.cmp(&b.line))
}

/// A person in the answer, before their evidence is read.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub handle: String,
    /// Rounded to 3 decimals.
    pub score: f64,
    pub info: Info,
    /// Indexes of their hits.
    pub hits: Vec<usize>,
}

/// The people in the answer from the hits (SPEC §12): each person's score,
/// people with none left out, in circle `circle` (if given), ordered by
/// score (to 3 decimals), then last contact (newest first, none last), then
/// handle, at most `limit`. `info` gives a person's overall figures; it is
/// asked only for the people that can be in the answer (those scoring at
/// least as much as the last one in it).
pub fn rank(
    hits: &[Hit],
    today: NaiveDate,
    circle: Option<&str>,
    limit: usize,
    mut info: impl FnMut(&str) -> Option<Info>,
) -> Vec<Ranked> {
    let mut by_person: rustc_hash::FxHashMap<&str, (f64, Vec<usize>)> =
        rustc_hash::FxHashMap::default();
    for (i, h) in hits.iter().enumerate() {
        let Some(w) = weight(h.date, today) else {
            continue;
        };
        for p in &h.people {
            let slot = by_person.entry(p.as_str()).or_default();
            slot.0 += w;
            slot.1.push(i);
        }
    }
    let mut cands: Vec<(i64, &str, Vec<usize>)> = by_person
        .into_iter()
        .map(|(h, (score, hits))| (milli(score), h, hits))
        .collect();
    cands.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let circle = circle.map(|c| c.trim().to_lowercase());
    let mut out: Vec<Ranked> = Vec::new();
    let mut rest = cands.into_iter().peekable();
    while out.len() < limit {
        let Some(first) = rest.next() else { break };
        let mut group = vec![first];
        while let Some(next) = rest.next_if(|c| c.0 == group[0].0) {
            group.push(next);
        }
        let mut ranked: Vec<Ranked> = group
            .into_iter()
            .filter_map(|(m, handle, hits)| {
                let i = info(handle)?;
                let in_circle = circle
                    .as_ref()
                    .is_none_or(|c| i.circles.iter().any(|x| x.to_lowercase() == *c));
                in_circle.then(|| Ranked {
                    handle: handle.to_string(),
                    score: m as f64 / 1000.0,
                    info: i,
                    hits,
                })
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.info
                .last_contact
                .cmp(&a.info.last_contact)
                .then_with(|| a.handle.cmp(&b.handle))
        });
        out.extend(ranked);
    }
    out.truncate(limit);
    out
}

/// Where a hit stands in evidence order before its file and line are known.
fn hit_order(h: &Hit) -> (bool, bool, Reverse<Option<NaiveDate>>) {
    (h.page, h.date.is_none(), Reverse(h.date))
}

/// The answer's rows: each ranked person with their evidence, read by
/// `evidence` and put in order; with `shown`, only the first that many
/// (the rest are counted in `more`, unread).
pub fn rows<E>(
    ranked: Vec<Ranked>,
    hits: &[Hit],
    shown: Option<usize>,
    mut evidence: impl FnMut(&Hit) -> Result<Evidence, E>,
) -> Result<Vec<WhoRow>, E> {
    let mut out = Vec::with_capacity(ranked.len());
    for mut r in ranked {
        r.hits.sort_by_key(|&i| hit_order(&hits[i]));
        let total = r.hits.len();
        // Read the first `shown`, and those tied with the last of them
        // (file and line decide among them).
        let read = match shown {
            Some(n) if n > 0 && total > n => {
                let last = hit_order(&hits[r.hits[n - 1]]);
                n + r.hits[n..]
                    .iter()
                    .take_while(|&&i| hit_order(&hits[i]) == last)
                    .count()
            }
            Some(0) => 0,
            _ => total,
        };
        let mut ev = Vec::with_capacity(read);
        for &i in &r.hits[..read] {
            ev.push(evidence(&hits[i])?);
        }
        ev.sort_by(evidence_order);
        ev.truncate(shown.unwrap_or(usize::MAX));
        out.push(WhoRow {
            handle: r.handle,
            name: r.info.name,
            score: r.score,
            last_contact: r.info.last_contact,
            gave: r.info.gave,
            got: r.info.got,
            circles: r.info.circles,
            more: total - ev.len(),
            evidence: ev,
        });
    }
    Ok(out)
}

/// The handles an entry is evidence for: those its mentions name, and the
/// page's person (`owner`), sorted and unique.
pub fn people_of<'a>(
    mentions: impl IntoIterator<Item = &'a Mention>,
    owner: Option<&'a str>,
    r: &'a Resolver<'_>,
) -> Vec<&'a str> {
    let mut people: Vec<&str> = mentions
        .into_iter()
        .filter_map(|m| r.resolve(m))
        .chain(owner)
        .collect();
    people.sort_unstable();
    people.dedup();
    people
}

/// A person's overall figures from the answers of the ledger.
pub fn info_from(answers: &Answers<'_>, handle: &str) -> Option<Info> {
    answers.person(handle).map(info_of)
}

/// A person's overall figures from their row.
fn info_of(p: &crate::query::PersonRow) -> Info {
    Info {
        name: p.name.clone(),
        circles: p.circles.clone(),
        last_contact: p.last_contact,
        gave: p.gave,
        got: p.got,
    }
}

/// Every note below `root`, parsed with what `who` needs, in path order.
pub fn load(root: &Path, cfg: &Config) -> Vec<(NoteFacts, Searchable)> {
    let w = walk(root, cfg);
    let mut notes: Vec<(NoteFacts, Searchable)> = w
        .files
        .par_iter()
        .filter_map(|f| match read_note(f) {
            Loaded::Text(text, _) => Some(crate::parse::parse_note_searchable(
                &f.rel, &text, &cfg.parse,
            )),
            _ => None,
        })
        .collect();
    notes.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    notes
}

/// The plain scan: every entry of every note tested against the terms,
/// with whom it is evidence for resolved against `ledger`'s people. Each
/// hit's `at` is its index in the evidence returned with it.
pub fn scan(
    notes: &[(NoteFacts, Searchable)],
    ledger: &Ledger,
    cfg: &Config,
    terms: &Terms,
) -> (Vec<Hit>, Vec<Evidence>) {
    let claims = Claims::new(
        notes
            .iter()
            .filter_map(|(n, _)| n.page.as_ref().map(|p| (n.path.as_str(), p))),
        cfg,
    );
    let r = Resolver::new(&claims, ledger.at_keys());
    let mut hits = Vec::new();
    let mut evidence = Vec::new();
    let mut push = |people: Vec<String>, e: Evidence| {
        hits.push(Hit {
            at: i64::try_from(evidence.len()).unwrap_or(i64::MAX),
            people,
            date: e.date,
            page: e.line.is_none(),
        });
        evidence.push(e);
    };
    for (n, s) in notes {
        let owner = n.page.as_ref().map(|p| p.handle.as_str());
        for e in &s.entries {
            if terms.matches(&e.words, &e.tags) {
                let ev = Evidence {
                    date: e.date,
                    text: Some(e.text.clone()),
                    file: n.path.clone(),
                    line: Some(e.line),
                };
                let people = people_of(&e.mentions, owner, &r);
                push(people.into_iter().map(str::to_string).collect(), ev);
            }
        }
        if let (Some(owner), Some((words, tags))) = (owner, &s.page) {
            if terms.matches(words, tags) {
                let ev = Evidence {
                    date: None,
                    text: None,
                    file: n.path.clone(),
                    line: None,
                };
                push(vec![owner.to_string()], ev);
            }
        }
    }
    (hits, evidence)
}

/// The answer from the index's full-text table.
fn from_index(
    idx: &crate::index::Index,
    info: impl FnMut(&str) -> Option<Info>,
    today: NaiveDate,
    terms: &Terms,
    circle: Option<&str>,
    limit: usize,
    shown: Option<usize>,
) -> rusqlite::Result<Vec<WhoRow>> {
    let lap = crate::lap::Lap::new();
    let found = fts::find(&idx.conn, terms)?;
    lap.done("who: full-text query and exact match");
    let ranked = rank(&found.hits, today, circle, limit, info);
    lap.done("who: rank");
    let rows = rows(ranked, &found.hits, shown, |h| found.evidence(&idx.conn, h));
    lap.done("who: read the evidence");
    rows
}

/// The answer to `who`: from the index's full-text table when there is an
/// index, else (or when that table cannot be read) from a plain scan of
/// every note. `shown`: how many pieces of evidence per person are read
/// (all: `None`).
#[allow(clippy::too_many_arguments)]
pub fn answer(
    src: &mut Source,
    root: &Path,
    cfg: &Config,
    today: NaiveDate,
    terms: &Terms,
    circle: Option<&str>,
    limit: usize,
    shown: Option<usize>,
    note: &mut dyn FnMut(String),
) -> Vec<WhoRow> {
    // A damaged index (a checksum that fails) is rebuilt and asked again;
    // one that cannot be read now (busy, say) leaves the scan. People's
    // figures come from the ledger, whose every chunk is checksummed.
    for attempt in 0..2 {
        if src.index.is_none() {
            break;
        }
        // Nothing loaded yet: each person ranked is read alone (not
        // everyone, on a vault of 200,000), unless the index cannot say.
        if let (0, true, Some(idx)) = (attempt, src.nothing_loaded(), &src.index) {
            let mut people = crate::index::store::People::new(&idx.conn, cfg, today);
            let info = |h: &str| people.row(h).map(|p| info_of(&p));
            if let (Ok(rows), true) = (
                from_index(idx, info, today, terms, circle, limit, shown),
                people.sure(),
            ) {
                if !people.read_whole() {
                    tracing::debug!("who: each person ranked read alone");
                }
                return rows;
            }
        }
        src.ledger(root, cfg, today, note);
        let Some(idx) = &src.index else { break };
        let answers = Answers::new(src.loaded().0, cfg, today);
        let info = |h: &str| info_from(&answers, h);
        match from_index(idx, info, today, terms, circle, limit, shown) {
            Ok(rows) => return rows,
            Err(e) if attempt == 0 && !crate::index::is_transient(&e) => {
                src.damaged(&e.to_string(), root, cfg, today, note);
            }
            Err(e) => {
                note(format!(
                    "{}: cannot read the full-text index ({e}); reading every note",
                    idx.path.display()
                ));
                break;
            }
        }
    }
    let notes = load(root, cfg);
    let ledger = src.ledger(root, cfg, today, note);
    let answers = Answers::new(ledger, cfg, today);
    let (hits, evidence) = scan(&notes, ledger, cfg, terms);
    let ranked = rank(&hits, today, circle, limit, |h| info_from(&answers, h));
    let found: Result<Vec<WhoRow>, std::convert::Infallible> = rows(ranked, &hits, shown, |h| {
        Ok(evidence[usize::try_from(h.at).unwrap_or(usize::MAX)].clone())
    });
    found.unwrap_or_default()
}

#[cfg(test)]
mod tests;
