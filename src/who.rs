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

    /// The FTS5 query: every term, ANDed, each a quoted phrase in its
    /// column (`words` or `tags`).
    pub fn fts_query(&self) -> String {
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        self.terms
            .iter()
            .map(|t| match t {
                Term::Tag(tag) => format!("tags : {}", quote(tag)),
                Term::Words(w) => format!("words : {}", quote(&w.join(" "))),
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// Whether an entry's words and tags (as [`words::SearchEntry`] holds
    /// them) match every term: the plain scan's test.
    pub fn matches(&self, entry_words: &str, tags: &str) -> bool {
        let tokens: Vec<&str> = entry_words.split(' ').collect();
        self.terms.iter().all(|t| match t {
            Term::Tag(tag) => tags.split(' ').any(|x| x == tag),
            Term::Words(w) => tokens.windows(w.len()).any(|win| win == w.as_slice()),
        })
    }
}

/// An entry (or a person page's front matter) that matched, with the
/// people it is evidence for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Handles, sorted.
    pub people: Vec<String>,
    pub date: Option<NaiveDate>,
    /// `None` for the page itself.
    pub text: Option<String>,
    pub file: String,
    /// `None` for the page itself.
    pub line: Option<u32>,
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

/// The answer from the hits: each person's score and evidence, people with
/// none left out, in circle `circle` (if given), ordered by score (to 3
/// decimals), then last contact (newest first, none last), then handle, at
/// most `limit`. `info` gives a person's overall figures.
pub fn rank(
    hits: Vec<Hit>,
    today: NaiveDate,
    circle: Option<&str>,
    limit: usize,
    mut info: impl FnMut(&str) -> Option<Info>,
) -> Vec<WhoRow> {
    let mut by_person: std::collections::BTreeMap<String, (f64, Vec<Evidence>)> =
        std::collections::BTreeMap::new();
    for h in hits {
        let Some(w) = weight(h.date, today) else {
            continue;
        };
        for p in &h.people {
            let slot = by_person.entry(p.clone()).or_default();
            slot.0 += w;
            slot.1.push(Evidence {
                date: h.date,
                text: h.text.clone(),
                file: h.file.clone(),
                line: h.line,
            });
        }
    }
    let circle = circle.map(|c| c.trim().to_lowercase());
    let mut rows: Vec<WhoRow> = by_person
        .into_iter()
        .filter_map(|(handle, (score, mut evidence))| {
            let i = info(&handle)?;
            if let Some(c) = &circle {
                if !i.circles.iter().any(|x| x.to_lowercase() == *c) {
                    return None;
                }
            }
            evidence.sort_by(evidence_order);
            Some(WhoRow {
                handle,
                name: i.name,
                score: milli(score) as f64 / 1000.0,
                last_contact: i.last_contact,
                gave: i.gave,
                got: i.got,
                circles: i.circles,
                evidence,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        milli(b.score)
            .cmp(&milli(a.score))
            .then_with(|| b.last_contact.cmp(&a.last_contact))
            .then_with(|| a.handle.cmp(&b.handle))
    });
    rows.truncate(limit);
    rows
}

/// The handles an entry is evidence for: those its mentions name, and the
/// page's person (`owner`), sorted and unique.
pub fn people_of<'m>(
    mentions: impl IntoIterator<Item = &'m Mention>,
    owner: Option<&str>,
    r: &Resolver<'_>,
) -> Vec<String> {
    let mut people: Vec<String> = mentions
        .into_iter()
        .filter_map(|m| r.resolve(m))
        .chain(owner)
        .map(str::to_string)
        .collect();
    people.sort_unstable();
    people.dedup();
    people
}

/// A person's overall figures from the answers of the ledger.
pub fn info_from(answers: &Answers<'_>, handle: &str) -> Option<Info> {
    let p = answers.person(handle)?;
    Some(Info {
        name: p.name.clone(),
        circles: p.circles.clone(),
        last_contact: p.last_contact,
        gave: p.gave,
        got: p.got,
    })
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
/// with whom it is evidence for resolved against `ledger`'s people.
pub fn scan(
    notes: &[(NoteFacts, Searchable)],
    ledger: &Ledger,
    cfg: &Config,
    terms: &Terms,
) -> Vec<Hit> {
    let claims = Claims::new(
        notes
            .iter()
            .filter_map(|(n, _)| n.page.as_ref().map(|p| (n.path.as_str(), p))),
        cfg,
    );
    let r = Resolver::new(&claims, ledger.at_keys());
    let mut hits = Vec::new();
    for (n, s) in notes {
        let owner = n.page.as_ref().map(|p| p.handle.as_str());
        for e in &s.entries {
            if terms.matches(&e.words, &e.tags) {
                hits.push(Hit {
                    people: people_of(&e.mentions, owner, &r),
                    date: e.date,
                    text: Some(e.text.clone()),
                    file: n.path.clone(),
                    line: Some(e.line),
                });
            }
        }
        if let (Some(owner), Some((words, tags))) = (owner, &s.page) {
            if terms.matches(words, tags) {
                hits.push(Hit {
                    people: vec![owner.to_string()],
                    date: None,
                    text: None,
                    file: n.path.clone(),
                    line: None,
                });
            }
        }
    }
    hits
}

/// The answer to `who`: from the index's full-text table when there is an
/// index, else (or when that table cannot be read) from a plain scan of
/// every note.
#[allow(clippy::too_many_arguments)]
pub fn answer(
    src: &mut Source,
    root: &Path,
    cfg: &Config,
    today: NaiveDate,
    terms: &Terms,
    circle: Option<&str>,
    limit: usize,
    note: &mut dyn FnMut(String),
) -> Vec<WhoRow> {
    if let Some(idx) = &src.index {
        let lap = crate::lap::Lap::new();
        match fts::hits(&idx.conn, &terms.fts_query()) {
            Ok(hits) => {
                lap.done("who: full-text query");
                let rows = rank(hits, today, circle, limit, |h| {
                    fts::info(&idx.conn, h).ok().flatten()
                });
                lap.done("who: rank");
                return rows;
            }
            Err(e) => note(format!(
                "{}: cannot read the full-text index ({e}); reading every note",
                idx.path.display()
            )),
        }
    }
    let notes = load(root, cfg);
    let ledger = src.ledger(root, cfg, today, note);
    let answers = Answers::new(ledger, cfg, today);
    let hits = scan(&notes, ledger, cfg, terms);
    rank(hits, today, circle, limit, |h| info_from(&answers, h))
}

#[cfg(test)]
mod tests;
