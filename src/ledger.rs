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

use std::borrow::Borrow;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::config::Config;
use crate::model::{DateSource, Diagnostic, Entry, Mention, NoteFacts, Severity, Task};
use crate::query::LastTouch;
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
    /// Their latest interaction (plans included): on its day, the one in
    /// the first file, at the first line. The last interaction as of any
    /// today on or after its day (see [`PersonState::last_as_of`]). `None`
    /// when they have none, or when a change took it away and it is not
    /// known yet (the index finds it again in the notes of that day).
    pub last: Option<LastTouch>,
}

impl PersonState {
    /// Their last interaction up to `today`, when the ledger knows it:
    /// `Some(None)` when they have had none, `None` when it must be found
    /// in the notes (not known, or a plan after `today` hides it).
    pub fn last_as_of(&self, today: NaiveDate) -> Option<Option<&LastTouch>> {
        let Some((&day, _)) = self.days.range(..=today).next_back() else {
            return Some(None);
        };
        self.last.as_ref().filter(|t| t.date == day).map(Some)
    }

    /// Takes `(day, file, line, text)` as their latest interaction if it
    /// is (newest day first, then the first file and line).
    fn offer(&mut self, day: NaiveDate, file: &str, e: &Entry) {
        let better = self
            .last
            .as_ref()
            .is_none_or(|t| later((day, file, e.line), (t.date, &t.file, t.line)));
        if better {
            self.last = Some(LastTouch {
                date: day,
                text: e.text.clone(),
                file: file.to_string(),
                line: e.line,
            });
        }
    }
}

/// Whether the touch `a` (day, file, line) comes before `b` on a
/// timeline: newest day first, then the first file and line.
fn later(a: (NaiveDate, &str, u32), b: (NaiveDate, &str, u32)) -> bool {
    use std::cmp::Reverse;
    (a.0, Reverse(a.1), Reverse(a.2)) > (b.0, Reverse(b.1), Reverse(b.2))
}

/// How often a mention key is written, and whom it names each way: kept
/// so that one person's notes can be resolved without everyone's claims
/// (`index::context::timeline`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyUse {
    /// As `@key`.
    pub at: u32,
    /// As `[[key]]`.
    pub link: u32,
    /// Whom `@key` names (`Nobody` while `at` is 0).
    pub at_names: Names,
    /// Whom `[[key]]` names (`Nobody` while `link` is 0).
    pub link_names: Names,
}

/// Whom a mention key names, as the resolver said when the ledger was
/// made or a note changed it (who-is-who changing makes the ledger anew).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Names {
    #[default]
    Nobody,
    /// The handle the key is.
    Itself,
    Other(String),
}

impl Names {
    /// What `resolved` (from the resolver) is for `key`.
    pub fn of(key: &str, resolved: Option<&str>) -> Names {
        match resolved {
            None => Names::Nobody,
            Some(h) if h == key => Names::Itself,
            Some(h) => Names::Other(h.to_string()),
        }
    }

    /// The handle named by `key`, if anyone.
    pub fn handle<'k>(&'k self, key: &'k str) -> Option<&'k str> {
        match self {
            Names::Nobody => None,
            Names::Itself => Some(key),
            Names::Other(h) => Some(h),
        }
    }
}

/// An open task with someone (SPEC §5): my commitment, or (`waiting`)
/// what someone owes me.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTask {
    /// A waiting task (SPEC §4 ⟨1.1⟩), not a commitment.
    pub waiting: bool,
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
    /// Open commitments, sorted by file and line.
    pub tasks: Vec<OpenTask>,
    /// Every mention key as written and how many mentions use it, as an
    /// `@`-mention and as a wikilink: who is `@`-mentioned, and which
    /// wikilinks to check when that changes.
    pub keys: BTreeMap<String, KeyUse>,
    /// Errors in notes (front matter), by path.
    pub note_errors: BTreeMap<String, Vec<Diagnostic>>,
    /// Conflicting claims on handles and aliases.
    pub claim_diagnostics: Vec<Diagnostic>,
}

/// What one note adds to the ledger, with people as `P`: handles for an
/// incremental update, person numbers for a full derive.
#[derive(Debug)]
pub struct Contribution<'a, P> {
    path: &'a str,
    /// One per (entry, person mentioned).
    mentions: Vec<P>,
    /// One per (dated interactive entry, person it is with).
    touches: Vec<(P, NaiveDate, bool, bool)>,
    /// The entry of each touch, in the same order.
    touched_by: Vec<&'a Entry>,
    /// One per dated interactive entry with someone.
    days: Vec<(NaiveDate, bool, bool)>,
    /// Open tasks with someone: their people (sorted) and entry.
    tasks: Vec<(Vec<P>, &'a Entry)>,
    errors: Vec<Diagnostic>,
}

impl<'a, P: Copy> Contribution<'a, P> {
    /// The people this contribution touches in any way.
    pub fn handles(&self) -> impl Iterator<Item = P> + '_ {
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
pub fn contribution<'a>(note: &'a NoteFacts, r: &'a Resolver<'_>) -> Contribution<'a, &'a str> {
    let page = note.page.as_ref().map(|p| p.handle.as_str());
    contribution_with(note, page, |m| r.resolve(m))
}

/// [`contribution`] with people of any kind that sorts like their handles:
/// `resolve` is called once for every mention, in order; `page` is the
/// person whose page the note is.
pub fn contribution_with<'a, P: Copy + Ord>(
    note: &'a NoteFacts,
    page: Option<P>,
    mut resolve: impl FnMut(&'a Mention) -> Option<P>,
) -> Contribution<'a, P> {
    let mut c = Contribution {
        path: &note.path,
        mentions: Vec::new(),
        touches: Vec::new(),
        touched_by: Vec::new(),
        days: Vec::new(),
        tasks: Vec::new(),
        errors: Vec::new(),
    };
    let mut mentioned: Vec<P> = Vec::new();
    for e in &note.entries {
        mentioned.clear();
        mentioned.extend(e.mentions.iter().filter_map(&mut resolve));
        mentioned.sort_unstable();
        mentioned.dedup();
        c.mentions.extend_from_slice(&mentioned);
        if let Some(day) = interaction_date(e).filter(|_| interactive(e)) {
            let implicit = page.filter(|_| with_page_person(e));
            let with_page = implicit.filter(|p| mentioned.binary_search(p).is_err());
            if !mentioned.is_empty() || with_page.is_some() {
                for &p in mentioned.iter().chain(with_page.iter()) {
                    c.touches.push((p, day, e.gave, e.got));
                    c.touched_by.push(e);
                }
                c.days.push((day, e.gave, e.got));
            }
        }
        if matches!(e.task, Some(Task::Open | Task::Waiting)) {
            let people: Vec<P> = if mentioned.is_empty() {
                page.into_iter().collect()
            } else {
                mentioned.clone()
            };
            if !people.is_empty() {
                c.tasks.push((people, e));
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

/// An entry's interaction date (SPEC §4): a done task's done date, else
/// the entry's date.
pub fn interaction_date(e: &Entry) -> Option<NaiveDate> {
    match e.task {
        Some(Task::Done) => e.done.or(e.date),
        _ => e.date,
    }
}

/// Whether an entry can be an interaction: an open, waiting or cancelled
/// task is not.
pub fn interactive(e: &Entry) -> bool {
    !matches!(e.task, Some(Task::Open | Task::Cancelled | Task::Waiting))
}

/// Whether a dated, interactive entry on a person page is with that person
/// though it may name no one (SPEC §4): not a heading, and dated by its own
/// leading date or journal link, its heading, or a journal link in its
/// text, or a done task with a done date.
pub fn with_page_person(e: &Entry) -> bool {
    !e.heading
        && (matches!(
            e.date_source,
            Some(DateSource::Leading | DateSource::Heading | DateSource::Link)
        ) || (e.task == Some(Task::Done) && e.done.is_some()))
}

/// An open task as the ledger keeps it.
fn open_task(path: &str, people: Vec<String>, e: &Entry) -> OpenTask {
    OpenTask {
        waiting: e.task == Some(Task::Waiting),
        people,
        due: e.due,
        date: e.date,
        text: e.text.clone(),
        file: path.to_string(),
        line: e.line,
    }
}

/// Tallies by day from (day, gave, got) in day order.
fn tallies(sorted: impl Iterator<Item = (NaiveDate, bool, bool)>) -> BTreeMap<NaiveDate, Tally> {
    let mut out: Vec<(NaiveDate, Tally)> = Vec::new();
    for (day, gave, got) in sorted {
        match out.last_mut() {
            Some((d, t)) if *d == day => t.add(gave, got, true),
            _ => {
                let mut t = Tally::default();
                t.add(gave, got, true);
                out.push((day, t));
            }
        }
    }
    out.into_iter().collect()
}

/// The person pages among `notes` (owned or borrowed), in path order.
pub fn pages<N: Borrow<NoteFacts>>(notes: &[N]) -> Vec<(&str, &crate::model::PageFacts)> {
    let mut p: Vec<_> = notes
        .iter()
        .map(Borrow::borrow)
        .filter_map(|n| n.page.as_ref().map(|p| (n.path.as_str(), p)))
        .collect();
    p.sort_by(|a, b| a.0.cmp(b.0));
    p
}

impl Ledger {
    /// The ledger of all `notes`: what updating an empty ledger with each
    /// note would give, computed with every mention key resolved once and
    /// people as numbers (in handle order), not strings.
    pub fn derive(notes: &[NoteFacts], cfg: &Config) -> Ledger {
        Ledger::derive_with_claims(notes, cfg).0
    }

    /// [`Ledger::derive`], and the claims of the notes' pages it made on
    /// the way (who-is-who, which the sync's full-text rows resolve with).
    /// The notes owned or borrowed: a first sync derives from the parse's
    /// results while it writes them.
    pub fn derive_with_claims<N: Borrow<NoteFacts> + Sync>(
        notes: &[N],
        cfg: &Config,
    ) -> (Ledger, Claims) {
        let claims = Claims::new(pages(notes), cfg);
        // Every mention key, numbered, with its uses; every mention as the
        // number of its key (twice it, plus one for a wikilink).
        let mut key_number: FxHashMap<&str, u32> = FxHashMap::default();
        let mut keys: Vec<(&str, KeyUse)> = Vec::new();
        let mut flat: Vec<u32> = Vec::new();
        let mut offsets: Vec<usize> = Vec::with_capacity(notes.len());
        for n in notes.iter().map(Borrow::borrow) {
            offsets.push(flat.len());
            for m in n.entries.iter().flat_map(|e| &e.mentions) {
                let id = *key_number.entry(&m.key).or_insert_with(|| {
                    keys.push((&m.key, KeyUse::default()));
                    u32::try_from(keys.len() - 1).unwrap_or(u32::MAX)
                });
                let used = &mut keys[id as usize].1;
                if m.wikilink {
                    used.link += 1;
                } else {
                    used.at += 1;
                }
                flat.push(id * 2 + u32::from(m.wikilink));
            }
        }
        drop(key_number);
        let resolver = Resolver::new(
            &claims,
            keys.iter()
                .filter(|(k, u)| u.at > 0 || k.starts_with('@'))
                .map(|(k, _)| *k),
        );
        // Each key resolved once, as `@key` and as `[[key]]`.
        let resolved: Vec<Option<&str>> = keys
            .iter()
            .flat_map(|&(k, ref u)| {
                [
                    (u.at > 0).then(|| claims.canonical(k)),
                    (u.link > 0).then(|| resolver.resolve_link(k)).flatten(),
                ]
            })
            .collect();
        // People numbered in handle order, so numbers sort like handles.
        let mut handles: Vec<&str> = resolved
            .iter()
            .flatten()
            .copied()
            .chain(claims.pages.keys().map(String::as_str))
            .chain(pages(notes).into_iter().map(|(_, p)| p.handle.as_str()))
            .collect();
        handles.sort_unstable();
        handles.dedup();
        let number = |h: &str| {
            handles
                .binary_search(&h)
                .ok()
                .and_then(|i| u32::try_from(i).ok())
        };
        let person: Vec<Option<u32>> = resolved.iter().map(|h| h.and_then(number)).collect();
        let parts: Vec<Contribution<'_, u32>> = notes
            .par_iter()
            .zip(offsets.par_iter())
            .map(|(n, &at)| {
                let n: &NoteFacts = n.borrow();
                let page = n.page.as_ref().and_then(|p| number(&p.handle));
                let mut next = flat[at..].iter();
                contribution_with(n, page, |_| next.next().and_then(|&k| person[k as usize]))
            })
            .collect();
        // The sums `apply` would make, by person number.
        let mut l = Ledger::default();
        let mut mentions = vec![0u32; handles.len()];
        let mut touches: Vec<(u32, NaiveDate, bool, bool)> = Vec::new();
        let mut days: Vec<(NaiveDate, bool, bool)> = Vec::new();
        // Each person's latest touch: (day, file, entry), copied out at the end.
        let mut last: Vec<Option<(NaiveDate, &str, &Entry)>> = vec![None; handles.len()];
        for c in &parts {
            for &p in &c.mentions {
                mentions[p as usize] += 1;
            }
            for (t, &e) in c.touches.iter().zip(&c.touched_by) {
                let slot = &mut last[t.0 as usize];
                if slot.is_none_or(|(d, f, x)| later((t.1, c.path, e.line), (d, f, x.line))) {
                    *slot = Some((t.1, c.path, e));
                }
            }
            touches.extend_from_slice(&c.touches);
            days.extend_from_slice(&c.days);
        }
        touches.sort_unstable_by_key(|t| (t.0, t.1));
        days.sort_unstable_by_key(|d| d.0);
        l.days = tallies(days.iter().map(|&(d, gave, got)| (d, gave, got)));
        let mut per_person: Vec<BTreeMap<NaiveDate, Tally>> = vec![BTreeMap::new(); handles.len()];
        for run in touches.chunk_by(|a, b| a.0 == b.0) {
            per_person[run[0].0 as usize] =
                tallies(run.iter().map(|&(_, d, gave, got)| (d, gave, got)));
        }
        l.people = handles
            .iter()
            .zip(mentions.into_iter().zip(per_person).zip(last))
            .filter(|(_, ((m, d), _))| *m > 0 || !d.is_empty())
            .map(|(&h, ((mentions, days), last))| {
                (
                    h.to_string(),
                    PersonState {
                        person: Person::mentioned(h),
                        mentions,
                        days,
                        last: last.map(|(date, file, e)| LastTouch {
                            date,
                            text: e.text.clone(),
                            file: file.to_string(),
                            line: e.line,
                        }),
                    },
                )
            })
            .collect();
        l.keys = keys
            .into_iter()
            .zip(resolved.chunks_exact(2))
            .map(|((k, mut u), names)| {
                u.at_names = Names::of(k, names[0]);
                u.link_names = Names::of(k, names[1]);
                (k.to_string(), u)
            })
            .collect();
        for c in parts {
            for (people, e) in c.tasks {
                let people = people
                    .iter()
                    .map(|&p| handles[p as usize].to_string())
                    .collect();
                l.tasks.push(open_task(c.path, people, e));
            }
            if !c.errors.is_empty() {
                l.note_errors.insert(c.path.to_string(), c.errors);
            }
        }
        l.tasks
            .sort_by(|a, b| (a.file.as_str(), a.line).cmp(&(b.file.as_str(), b.line)));
        l.tasks
            .dedup_by(|a, b| a.file == b.file && a.line == b.line);
        l.finish(&claims);
        (l, claims)
    }

    /// Adds (`up`) or removes the mention keys `note` writes.
    pub fn count_keys(&mut self, note: &NoteFacts, up: bool) {
        for m in note.entries.iter().flat_map(|e| &e.mentions) {
            let slot = match self.keys.get_mut(m.key.as_str()) {
                Some(k) => k,
                None if up => self.keys.entry(m.key.clone()).or_default(),
                None => continue,
            };
            let (n, names) = if m.wikilink {
                (&mut slot.link, &mut slot.link_names)
            } else {
                (&mut slot.at, &mut slot.at_names)
            };
            *n = if up { *n + 1 } else { n.saturating_sub(1) };
            if *n == 0 {
                *names = Names::Nobody;
            }
            if slot.at == 0 && slot.link == 0 {
                self.keys.remove(m.key.as_str());
            }
        }
    }

    /// Records whom each mention key of `note` names, as `r` resolves
    /// it (after [`Ledger::count_keys`] counted them in).
    pub fn name_keys(&mut self, note: &NoteFacts, r: &Resolver<'_>) {
        for m in note.entries.iter().flat_map(|e| &e.mentions) {
            if let Some(slot) = self.keys.get_mut(m.key.as_str()) {
                let names = if m.wikilink {
                    &mut slot.link_names
                } else {
                    &mut slot.at_names
                };
                *names = Names::of(&m.key, r.resolve(m));
            }
        }
    }

    /// The handle `m` names, as the ledger's keys keep it: what a
    /// [`Resolver`] made from the claims says, without them. `None` (not
    /// `Some(None)`, no one) when the ledger does not hold the key.
    pub fn kept_names<'a>(&'a self, m: &'a Mention) -> Option<Option<&'a str>> {
        let (key, u) = self.keys.get_key_value(m.key.as_str())?;
        match (m.wikilink, u) {
            (
                true,
                KeyUse {
                    link: 1..,
                    link_names,
                    ..
                },
            ) => Some(link_names.handle(key)),
            (
                false,
                KeyUse {
                    at: 1.., at_names, ..
                },
            ) => Some(at_names.handle(key)),
            _ => None,
        }
    }

    /// The name the first of the `[[@Full Name]]` links that name
    /// `handle` gives them (in order of the names), as `Ledger::finish`
    /// gives it to someone without a page.
    pub fn at_name(&self, handle: &str) -> Option<&str> {
        self.at_link_keys()
            .find(|(k, u)| u.link_names.handle(k) == Some(handle))
            .map(|(k, _)| &k[1..])
    }

    /// The `[[@Full Name]]` keys (`@Full Name`), in order of the names.
    fn at_link_keys(&self) -> impl Iterator<Item = (&String, &KeyUse)> {
        self.keys
            .range::<str, _>((std::ops::Bound::Included("@"), std::ops::Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with('@'))
    }

    /// The `@`-mention keys in use.
    pub fn at_keys(&self) -> impl Iterator<Item = &str> {
        self.keys
            .iter()
            .filter(|(k, u)| u.at > 0 || k.starts_with('@'))
            .map(|(k, _)| k.as_str())
    }

    /// The wikilink targets in use.
    pub fn link_keys(&self) -> impl Iterator<Item = &str> {
        self.keys
            .iter()
            .filter(|(_, u)| u.link > 0)
            .map(|(k, _)| k.as_str())
    }

    /// Adds (`up`) or subtracts a note's contribution (not its keys: see
    /// [`Ledger::count_keys`]).
    pub fn apply(&mut self, c: &Contribution<'_, &str>, up: bool) {
        for &h in &c.mentions {
            let p = self.person_mut(h);
            p.mentions = if up {
                p.mentions + 1
            } else {
                p.mentions.saturating_sub(1)
            };
        }
        for (&(h, day, gave, got), e) in c.touches.iter().zip(&c.touched_by) {
            let p = self.person_mut(h);
            let t = p.days.entry(day).or_default();
            t.add(gave, got, up);
            if t.is_zero() {
                p.days.remove(&day);
            }
            // A touch added to a known last one keeps it known, as does
            // the only touch of the latest day; taking away the known one
            // makes it unknown.
            let only_latest = p
                .days
                .last_key_value()
                .is_some_and(|(&d, t)| d == day && t.n == 1);
            if up && (p.last.is_some() || only_latest) {
                p.offer(day, c.path, e);
            } else if !up
                && p.last
                    .as_ref()
                    .is_some_and(|t| t.date == day && t.line == e.line && t.file == c.path)
            {
                p.last = None;
            }
        }
        for &(day, gave, got) in &c.days {
            let t = self.days.entry(day).or_default();
            t.add(gave, got, up);
            if t.is_zero() {
                self.days.remove(&day);
            }
        }
        for (people, e) in &c.tasks {
            let at = self
                .tasks
                .binary_search_by(|x| (x.file.as_str(), x.line).cmp(&(c.path, e.line)));
            let task = || open_task(c.path, people.iter().map(|p| (*p).to_string()).collect(), e);
            match (at, up) {
                (Err(i), true) => self.tasks.insert(i, task()),
                (Ok(i), true) => self.tasks[i] = task(),
                (Ok(i), false) => {
                    self.tasks.remove(i);
                }
                (Err(_), false) => {}
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
        self.name_from_at_links(claims);
        self.claim_diagnostics.clone_from(&claims.diagnostics);
    }

    /// [`Ledger::finish`] for a ledger read in part (see
    /// `index::store::read_parts`): settles `handles` only, the people a
    /// change touched, whose rows are all it holds.
    pub fn finish_some(&mut self, claims: &Claims, handles: &std::collections::BTreeSet<String>) {
        let mut aliases: FxHashMap<&str, Vec<String>> = FxHashMap::default();
        for (alias, h) in &claims.keys {
            if alias != h && handles.contains(h) {
                aliases.entry(h.as_str()).or_default().push(alias.clone());
            }
        }
        for v in aliases.values_mut() {
            v.sort();
        }
        for h in handles {
            let active = self
                .people
                .get(h)
                .is_some_and(|p| p.mentions > 0 || !p.days.is_empty());
            if !active && !claims.pages.contains_key(h) {
                self.people.remove(h);
                continue;
            }
            self.person_mut(h).person = claims.person(h, &aliases);
        }
        self.name_from_at_links(claims);
        self.claim_diagnostics.clone_from(&claims.diagnostics);
    }

    /// [`Ledger::finish`], with each page person's facts moved out of
    /// `claims` rather than copied (what a run that reads 200,000 pages
    /// would otherwise hold twice). `claims.pages` keeps what resolving
    /// mentions reads (handle, name, page), not the rest: after this,
    /// `claims` serves a [`Resolver`] only, never [`Claims::person`].
    pub fn finish_taking(&mut self, claims: &mut Claims) {
        let mut aliases: FxHashMap<String, Vec<String>> = claims
            .aliases_of()
            .into_iter()
            .map(|(h, a)| (h.to_string(), a))
            .collect();
        let mut alias_of = |h: &str| aliases.remove(h).unwrap_or_default();
        let of_page = |page: &mut Person, aliases: Vec<String>| Person {
            handle: page.handle.clone(),
            name: page.name.clone(),
            page: page.page.clone(),
            circles: std::mem::take(&mut page.circles),
            cadence: page.cadence.take(),
            birthday: page.birthday.take(),
            org: page.org.take(),
            email: page.email.take(),
            aliases,
        };
        // Both sides are in handle order: one merge, and the map built
        // from it in one pass (not a lookup and an insert per page).
        let mut merged: Vec<(String, PersonState)> =
            Vec::with_capacity(self.people.len().max(claims.pages.len()));
        let mut pages = claims.pages.iter_mut().peekable();
        for (h, mut p) in std::mem::take(&mut self.people) {
            while let Some((ph, page)) = pages.next_if(|(ph, _)| ph.as_str() < h.as_str()) {
                let person = of_page(page, alias_of(ph));
                merged.push((
                    ph.clone(),
                    PersonState {
                        person,
                        ..PersonState::default()
                    },
                ));
            }
            p.person = match pages.next_if(|(ph, _)| **ph == h) {
                Some((_, page)) => of_page(page, alias_of(&h)),
                None if p.mentions > 0 || !p.days.is_empty() => {
                    let mut person = Person::mentioned(&h);
                    person.aliases = alias_of(&h);
                    person
                }
                None => continue,
            };
            merged.push((h, p));
        }
        for (ph, page) in pages {
            let person = of_page(page, alias_of(ph));
            merged.push((
                ph.clone(),
                PersonState {
                    person,
                    ..PersonState::default()
                },
            ));
        }
        self.people = merged.into_iter().collect();
        self.name_from_at_links(claims);
        self.claim_diagnostics.clone_from(&claims.diagnostics);
    }

    /// Names people without a page by their `[[@Full Name]]` links (SPEC
    /// §2 ⟨1.1⟩), when there are any.
    fn name_from_at_links(&mut self, claims: &Claims) {
        if self.at_link_keys().next().is_none() {
            return;
        }
        let r = Resolver::new(claims, self.at_keys());
        for (h, name) in r.at_names() {
            if let Some(p) = self.people.get_mut(h).filter(|p| p.person.name.is_none()) {
                p.person.name = Some(name.clone());
            }
        }
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

    /// Every `@`-mention key written in `notes`.
    fn at_keys(notes: &[NoteFacts]) -> impl Iterator<Item = &str> {
        notes
            .iter()
            .flat_map(|n| &n.entries)
            .flat_map(|e| &e.mentions)
            .filter(|m| !m.wikilink || m.key.starts_with('@'))
            .map(|m| m.key.as_str())
    }

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
        // Alice's latest interaction went with the note: not known until
        // the notes of her latest day are read (the index does).
        let alice = l.people.get_mut("alice").unwrap();
        assert_eq!(alice.last, None);
        assert_eq!(
            full.people["alice"].last.as_ref().unwrap().file,
            "2026-11-20.md"
        );
        alice.last.clone_from(&expected.people["alice"].last);
        assert_eq!(l, expected);
        // Added back, the newer one is known again.
        l.apply(&c, true);
        l.count_keys(&all[1], true);
        l.name_keys(&all[1], &r);
        l.finish(&claims);
        assert_eq!(l, full);
    }

    #[test]
    fn every_mention_key_keeps_whom_the_resolver_says_it_names() {
        let mut cfg = Config::default();
        cfg.aliases.insert("bobby".into(), "bob".into());
        let files = [
            (
                "people/Alice Chen.md",
                "---\nhandle: alice\naliases: [ali]\n---\n- 2026-11-02 met @bob\n",
            ),
            (
                "a.md",
                "- [[Alice Chen]] [[ali]] @ali @bobby [[bobby]] [[@Eve Stone]] [[nobody]]\n",
            ),
            (
                "b.md",
                "- @eve-stone [[eve-stone]] [[people/alice chen]] [[zed]] @zed\n",
            ),
        ];
        let all = notes(&files, &cfg);
        let l = Ledger::derive(&all, &cfg);
        let claims = Claims::new(pages(&all), &cfg);
        let r = Resolver::new(&claims, at_keys(&all));
        let mut named = 0;
        for m in all
            .iter()
            .flat_map(|n| &n.entries)
            .flat_map(|e| &e.mentions)
        {
            assert_eq!(l.kept_names(m), Some(r.resolve(m)), "{m:?}");
            named += usize::from(r.resolve(m).is_some());
        }
        assert!(named >= 10, "{named}");
        // A key the ledger does not hold is said to be unknown.
        let stranger = Mention {
            key: "stranger".into(),
            wikilink: false,
            ..all[1].entries[0].mentions[0].clone()
        };
        assert_eq!(l.kept_names(&stranger), None);
    }

    #[test]
    fn the_latest_interaction_is_kept_and_known_while_it_can_be() {
        let cfg = Config::default();
        let files = [
            ("b.md", "- 2026-11-20 call @ann\n- 2026-11-20 lunch @ann\n"),
            (
                "a.md",
                "- 2026-11-20 walk @ann\n- 2026-11-01 tea @ann\n- 2027-01-01 plan @ann\n",
            ),
            ("c.md", "- [ ] 2026-12-01 ask @ann\n- undated @ann\n"),
        ];
        let all = notes(&files, &cfg);
        let full = Ledger::derive(&all, &cfg);
        let ann = &full.people["ann"];
        // The newest day (a plan), first file, first line.
        let last = ann.last.as_ref().unwrap();
        assert_eq!(
            (last.file.as_str(), last.line, last.text.as_str()),
            ("a.md", 3, "2027-01-01 plan @ann")
        );
        let d = |s: &str| crate::dates::parse_iso(s).unwrap();
        assert_eq!(ann.last_as_of(d("2027-02-01")), Some(Some(last)));
        // As of a day before the plan, the notes must say.
        assert_eq!(ann.last_as_of(d("2026-11-25")), None);
        assert_eq!(ann.last_as_of(d("2026-10-01")), Some(None));
        // Taking away a touch that is not the latest keeps it known.
        let claims = Claims::new(pages(&all), &cfg);
        let r = Resolver::new(&claims, at_keys(&all));
        let mut l = full.clone();
        l.apply(&contribution(&all[0], &r), false);
        assert_eq!(l.people["ann"].last, full.people["ann"].last);
        // Taking away the latest makes it unknown; a newer one is known.
        l.apply(&contribution(&all[1], &r), false);
        assert_eq!(l.people["ann"].last, None);
        let newer = notes(&[("z.md", "- 2028-01-01 trip @ann\n")], &cfg);
        l.apply(&contribution(&newer[0], &r), true);
        assert_eq!(l.people["ann"].last.as_ref().unwrap().file, "z.md");
    }
}
