//! The ledger: everything the answers of `report`, `people` and `due` are
//! computed from, small enough to load on every run and updated note by
//! note. Each note makes a [`Contribution`] (its mentions, dated touches,
//! open tasks and errors, with every mention resolved to a handle); the
//! ledger is the sum of them. A changed note subtracts its old contribution
//! and adds its new one, so a sync costs what changed, not what exists.
//!
//! Nothing here depends on today: touches are kept by day, plans included,
//! and `query` reads them as of any today. Building the ledger from all
//! notes at once ([`Ledger::derive`]) and updating it note by note give the
//! same ledger; the index's differential tests hold it to that.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::config::Config;
use crate::model::{DateSource, Diagnostic, NoteFacts, Severity, Task};
use crate::resolve::{Claims, Person, Resolver};

/// Counts for one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Interactions (or entries, for the ledger-wide tally).
    pub n: u32,
    /// Of which marked `gave` / `got`.
    pub gave: u32,
    pub got: u32,
}

impl Tally {
    fn add(&mut self, gave: bool, got: bool, up: bool) {
        let step = |v: &mut u32, yes: bool| {
            if yes {
                *v = if up { *v + 1 } else { v.saturating_sub(1) };
            }
        };
        step(&mut self.n, true);
        step(&mut self.gave, gave);
        step(&mut self.got, got);
    }

    pub fn is_zero(&self) -> bool {
        self.n == 0
    }
}

/// One person's share of the ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonState {
    pub person: Person,
    /// Entries that mention them, dated or not (SPEC §4 `mentions`).
    pub mentions: u32,
    /// Their dated interactions by day, plans for later days included.
    pub days: BTreeMap<NaiveDate, Tally>,
}

/// An open task with someone (SPEC §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTask {
    /// Handles, sorted.
    pub people: Vec<String>,
    pub due: Option<NaiveDate>,
    /// The entry's date, from which an undated commitment is aged.
    pub date: Option<NaiveDate>,
    pub text: String,
    pub file: String,
    pub line: u32,
}

/// The sum of every note's contribution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    /// Everyone: people with a page, and everyone mentioned.
    pub people: BTreeMap<String, PersonState>,
    /// Entries that are dated interactions with someone, by day (each entry
    /// once, however many people it is with): give-and-take totals.
    pub days: BTreeMap<NaiveDate, Tally>,
    /// Open commitments by file and line.
    pub tasks: BTreeMap<(String, u32), OpenTask>,
    /// Every mention key as written (`(key, wikilink)`) and how many
    /// mentions use it: who is `@`-mentioned, and which wikilinks to check
    /// when that changes.
    pub keys: BTreeMap<(String, bool), u32>,
    /// Errors in notes (front matter), by path.
    pub note_errors: BTreeMap<String, Vec<Diagnostic>>,
    /// Conflicting claims on handles and aliases.
    pub claim_diagnostics: Vec<Diagnostic>,
}

/// What one note adds to the ledger.
#[derive(Debug, Default)]
pub struct Contribution<'a> {
    path: &'a str,
    /// One handle per (entry, person mentioned).
    mentions: Vec<&'a str>,
    /// One per (dated interactive entry, person it is with).
    touches: Vec<(&'a str, NaiveDate, bool, bool)>,
    /// One per dated interactive entry with someone.
    days: Vec<(NaiveDate, bool, bool)>,
    tasks: Vec<OpenTask>,
    errors: Vec<Diagnostic>,
}

impl<'a> Contribution<'a> {
    /// The handles this contribution touches in any way.
    pub fn handles(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.mentions
            .iter()
            .copied()
            .chain(self.touches.iter().map(|t| t.0))
    }

    /// The days whose ledger-wide tally this contribution changes.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.days.iter().map(|d| d.0)
    }
}

/// Resolves one note against `r` (SPEC §4, §5): whom each entry mentions,
/// which entries are interactions with whom (on a person page, dated lines
/// are with that person too), and its open commitments.
pub fn contribution<'a>(note: &'a NoteFacts, r: &'a Resolver<'_>) -> Contribution<'a> {
    let mut c = Contribution {
        path: &note.path,
        ..Contribution::default()
    };
    let page = note.page.as_ref().map(|p| p.handle.as_str());
    let mut mentioned: Vec<&str> = Vec::new();
    for e in &note.entries {
        mentioned.clear();
        mentioned.extend(e.mentions.iter().filter_map(|m| r.resolve(m)));
        mentioned.sort_unstable();
        mentioned.dedup();
        c.mentions.extend_from_slice(&mentioned);
        let date = match e.task {
            Some(Task::Done) => e.done.or(e.date),
            _ => e.date,
        };
        let interactive = !matches!(e.task, Some(Task::Open | Task::Cancelled));
        if let Some(day) = date.filter(|_| interactive) {
            let implicit = page.filter(|_| {
                !e.heading
                    && (matches!(
                        e.date_source,
                        Some(DateSource::Leading | DateSource::Heading)
                    ) || (e.task == Some(Task::Done) && e.done.is_some()))
            });
            let with_page = implicit.filter(|p| mentioned.binary_search(p).is_err());
            if !mentioned.is_empty() || with_page.is_some() {
                for &p in mentioned.iter().chain(with_page.iter()) {
                    c.touches.push((p, day, e.gave, e.got));
                }
                c.days.push((day, e.gave, e.got));
            }
        }
        if e.task == Some(Task::Open) {
            let people: Vec<String> = if mentioned.is_empty() {
                page.iter().map(|p| (*p).to_string()).collect()
            } else {
                mentioned.iter().map(|p| (*p).to_string()).collect()
            };
            if !people.is_empty() {
                c.tasks.push(OpenTask {
                    people,
                    due: e.due,
                    date: e.date,
                    text: e.text.clone(),
                    file: note.path.clone(),
                    line: e.line,
                });
            }
        }
    }
    c.errors = note
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    c
}

/// Every `@`-mention key written in `notes`.
fn at_keys(notes: &[NoteFacts]) -> impl Iterator<Item = &str> {
    notes
        .iter()
        .flat_map(|n| &n.entries)
        .flat_map(|e| &e.mentions)
        .filter(|m| !m.wikilink)
        .map(|m| m.key.as_str())
}

/// The person pages among `notes`, in path order.
pub fn pages(notes: &[NoteFacts]) -> Vec<(&str, &crate::model::PageFacts)> {
    let mut p: Vec<_> = notes
        .iter()
        .filter_map(|n| n.page.as_ref().map(|p| (n.path.as_str(), p)))
        .collect();
    p.sort_by(|a, b| a.0.cmp(b.0));
    p
}

impl Ledger {
    /// The ledger of all `notes`.
    pub fn derive(notes: &[NoteFacts], cfg: &Config) -> Ledger {
        let claims = Claims::new(pages(notes), cfg);
        let resolver = Resolver::new(&claims, at_keys(notes));
        let parts: Vec<Contribution<'_>> = notes
            .par_iter()
            .map(|n| contribution(n, &resolver))
            .collect();
        let mut l = Ledger::default();
        for n in notes {
            l.count_keys(n, true);
        }
        for c in &parts {
            l.apply(c, true);
        }
        l.finish(&claims);
        l
    }

    /// Adds (`up`) or removes the mention keys `note` writes.
    pub fn count_keys(&mut self, note: &NoteFacts, up: bool) {
        for m in note.entries.iter().flat_map(|e| &e.mentions) {
            let k = (m.key.clone(), m.wikilink);
            if up {
                *self.keys.entry(k).or_default() += 1;
            } else if let Some(n) = self.keys.get_mut(&k) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.keys.remove(&k);
                }
            }
        }
    }

    /// The `@`-mention keys in use.
    pub fn at_keys(&self) -> impl Iterator<Item = &str> {
        self.keys
            .iter()
            .filter(|((_, wikilink), n)| !wikilink && **n > 0)
            .map(|((k, _), _)| k.as_str())
    }

    /// The wikilink targets in use.
    pub fn link_keys(&self) -> impl Iterator<Item = &str> {
        self.keys
            .keys()
            .filter(|(_, wikilink)| *wikilink)
            .map(|(k, _)| k.as_str())
    }

    /// Adds (`up`) or subtracts a note's contribution (not its keys: see
    /// [`Ledger::count_keys`]).
    pub fn apply(&mut self, c: &Contribution<'_>, up: bool) {
        for &h in &c.mentions {
            let p = self.person_mut(h);
            p.mentions = if up {
                p.mentions + 1
            } else {
                p.mentions.saturating_sub(1)
            };
        }
        for &(h, day, gave, got) in &c.touches {
            let days = &mut self.person_mut(h).days;
            let t = days.entry(day).or_default();
            t.add(gave, got, up);
            if t.is_zero() {
                days.remove(&day);
            }
        }
        for &(day, gave, got) in &c.days {
            let t = self.days.entry(day).or_default();
            t.add(gave, got, up);
            if t.is_zero() {
                self.days.remove(&day);
            }
        }
        for t in &c.tasks {
            let key = (t.file.clone(), t.line);
            if up {
                self.tasks.insert(key, t.clone());
            } else {
                self.tasks.remove(&key);
            }
        }
        if up {
            if !c.errors.is_empty() {
                self.note_errors
                    .insert(c.path.to_string(), c.errors.clone());
            }
        } else {
            self.note_errors.remove(c.path);
        }
    }

    fn person_mut(&mut self, handle: &str) -> &mut PersonState {
        if !self.people.contains_key(handle) {
            self.people.insert(
                handle.to_string(),
                PersonState {
                    person: Person::mentioned(handle),
                    ..PersonState::default()
                },
            );
        }
        self.people.get_mut(handle).expect("inserted above")
    }

    /// Settles who exists (a page, or a mention: SPEC §2) and their page
    /// facts and aliases, from `claims`.
    pub fn finish(&mut self, claims: &Claims) {
        for h in claims.pages.keys() {
            self.person_mut(h);
        }
        self.people
            .retain(|h, p| claims.pages.contains_key(h) || p.mentions > 0 || !p.days.is_empty());
        let aliases = claims.aliases_of();
        for (h, p) in &mut self.people {
            p.person = claims.person(h, &aliases);
        }
        self.claim_diagnostics.clone_from(&claims.diagnostics);
    }

    /// Errors in the notes and between them (front matter, claims).
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.note_errors
            .values()
            .flatten()
            .chain(&self.claim_diagnostics)
            .filter(|d| d.severity == Severity::Error)
    }

    /// Finds a person by handle, alias, name or page name.
    pub fn find(&self, query: &str) -> Option<&Person> {
        crate::resolve::find(self.people.values().map(|p| &p.person), query)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::parse::parse_note;

    /// Parses `(path, text)` pairs.
    pub(crate) fn notes(files: &[(&str, &str)], cfg: &Config) -> Vec<NoteFacts> {
        files
            .iter()
            .map(|(p, s)| parse_note(p, s, &cfg.parse))
            .collect()
    }

    /// The ledger of `(path, text)` pairs.
    pub(crate) fn ledger(files: &[(&str, &str)], cfg: &Config) -> Ledger {
        Ledger::derive(&notes(files, cfg), cfg)
    }

    #[test]
    fn contributions_subtract_exactly() {
        let cfg = Config::default();
        let files = [
            (
                "people/alice.md",
                "---\naliases: [ali]\n---\n- 2026-11-01 coffee #got\n",
            ),
            (
                "2026-11-20.md",
                "- lunch @ali and @bob #gave\n- [ ] send @bob x due:+3d\n",
            ),
            ("ideas.md", "- ask [[alice]] about @carol\n"),
        ];
        let all = notes(&files, &cfg);
        let full = Ledger::derive(&all, &cfg);
        // Remove one note's contribution, then add it back.
        let claims = Claims::new(pages(&all), &cfg);
        let r = Resolver::new(&claims, at_keys(&all));
        let mut l = full.clone();
        let c = contribution(&all[1], &r);
        l.apply(&c, false);
        l.count_keys(&all[1], false);
        let without = Ledger::derive(&[all[0].clone(), all[2].clone()], &cfg);
        let mut expected = without.clone();
        // `bob` exists only through the removed note: finish drops him.
        l.finish(&claims);
        expected.finish(&claims);
        assert_eq!(l, expected);
        l.apply(&c, true);
        l.count_keys(&all[1], true);
        l.finish(&claims);
        assert_eq!(l, full);
    }
}
