//! The answers (SPEC §4–§6), as plain rows with no formatting: per-person
//! summaries, timelines, commitments, reminders, who haven't I helped lately,
//! and the give-and-take balance. Everything here depends on "today", which
//! is always passed in.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::Config;
use crate::dates::{days_between, Birthday, Dur};
use crate::model::{DateSource, Entry, NoteFacts, Task};
use crate::vault::{Person, Vault};

/// One entry seen from the people it is with, for a given today.
pub struct Touch<'v> {
    pub note: &'v NoteFacts,
    pub entry: &'v Entry,
    /// The interaction date: a done task's done date, else the entry date.
    pub date: Option<NaiveDate>,
    /// Everyone the entry is with (mentioned, plus the page's person where
    /// SPEC §4 says so), sorted.
    pub people: Vec<&'v str>,
    /// The mentioned people only.
    pub mentioned: &'v [String],
    /// Dated after today: a plan, which counts as a mention only.
    pub plan: bool,
    /// Whether this is an interaction (dated, not a plan, not an open or
    /// cancelled task).
    pub interaction: bool,
}

/// Every entry that involves someone, plans for a later day included.
pub fn touches<'v>(vault: &'v Vault, today: NaiveDate) -> impl Iterator<Item = Touch<'v>> + 'v {
    vault.notes.iter().enumerate().flat_map(move |(i, note)| {
        let page = vault.page_of[i].as_deref();
        note.entries
            .iter()
            .zip(&vault.resolved[i])
            .filter_map(move |(entry, res)| {
                let date = match entry.task {
                    Some(Task::Done) => entry.done.or(entry.date),
                    _ => entry.date,
                };
                let plan = date.is_some_and(|d| d > today);
                let active = !plan && !matches!(entry.task, Some(Task::Open | Task::Cancelled));
                let implicit = page.filter(|_| {
                    active
                        && !entry.heading
                        && (matches!(
                            entry.date_source,
                            Some(DateSource::Leading | DateSource::Heading)
                        ) || (entry.task == Some(Task::Done) && entry.done.is_some()))
                });
                let mut people: Vec<&str> = res.mentioned.iter().map(String::as_str).collect();
                if let Some(p) = implicit {
                    if !people.contains(&p) {
                        people.push(p);
                        people.sort_unstable();
                    }
                }
                if people.is_empty() {
                    return None;
                }
                Some(Touch {
                    note,
                    entry,
                    date,
                    people,
                    mentioned: &res.mentioned,
                    plan,
                    interaction: active && date.is_some(),
                })
            })
    })
}

/// One row of `people` (SPEC §7); field order is the JSON order.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PersonRow {
    pub handle: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub circles: Vec<String>,
    pub page: Option<String>,
    pub mentions: u32,
    pub interactions: u32,
    pub gave: u32,
    pub got: u32,
    pub first_contact: Option<NaiveDate>,
    pub last_contact: Option<NaiveDate>,
    pub last_gave: Option<NaiveDate>,
    pub last_got: Option<NaiveDate>,
    pub cadence: Option<String>,
    pub next_due: Option<NaiveDate>,
    pub overdue_days: Option<i64>,
    pub birthday: Option<String>,
    #[serde(skip)]
    pub org: Option<String>,
    #[serde(skip)]
    pub email: Option<String>,
    #[serde(skip)]
    pub cadence_dur: Option<Dur>,
}

/// What a reminder is about.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum ReminderKind {
    // Declared in name order: the order reminders sort in.
    Birthday,
    Cadence,
    Commitment,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::Birthday => "birthday",
            ReminderKind::Cadence => "cadence",
            ReminderKind::Commitment => "commitment",
        }
    }
}

/// A dated reminder (SPEC §5).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Reminder {
    pub kind: ReminderKind,
    pub people: Vec<String>,
    pub due: NaiveDate,
    pub overdue_days: i64,
    pub text: String,
    pub file: Option<String>,
    pub line: Option<u32>,
}

/// An open task with someone (SPEC §5), dated or not.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Commitment {
    pub people: Vec<String>,
    pub due: Option<NaiveDate>,
    /// The entry's date, from which an undated commitment is aged.
    pub date: Option<NaiveDate>,
    pub age_days: Option<i64>,
    pub text: String,
    pub file: String,
    pub line: u32,
}

/// One line of a person's timeline.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TimelineRow {
    pub date: Option<NaiveDate>,
    pub kinds: Vec<&'static str>,
    pub text: String,
    pub file: String,
    pub line: u32,
    pub people: Vec<String>,
}

/// A row of "who haven't I helped lately".
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NotHelped {
    pub handle: String,
    pub last_gave: Option<NaiveDate>,
    pub last_contact: Option<NaiveDate>,
    pub gave: u32,
    pub got: u32,
}

/// Give and take over a window.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Balance {
    pub since: NaiveDate,
    pub days: i64,
    /// Entries in the window marked `gave` / `got`.
    pub gave: u32,
    pub got: u32,
    /// People with more `got` than `gave` interactions in the window.
    pub asked_more: Vec<BalanceRow>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BalanceRow {
    pub handle: String,
    pub gave: u32,
    pub got: u32,
}

fn kinds(e: &Entry) -> Vec<&'static str> {
    let mut k = Vec::new();
    if e.gave {
        k.push("gave");
    }
    if e.got {
        k.push("got");
    }
    k
}

/// All answers for one today, computed once and shared by the commands.
pub struct Answers<'v> {
    pub vault: &'v Vault,
    pub cfg: &'v Config,
    pub today: NaiveDate,
    /// Sorted by handle.
    pub people: Vec<PersonRow>,
}

impl<'v> Answers<'v> {
    pub fn new(vault: &'v Vault, cfg: &'v Config, today: NaiveDate) -> Answers<'v> {
        let mut rows: BTreeMap<&str, PersonRow> = vault
            .people
            .iter()
            .map(|(h, p)| (h.as_str(), base_row(p, cfg, today)))
            .collect();
        for t in touches(vault, today) {
            for h in t.mentioned {
                if let Some(r) = rows.get_mut(h.as_str()) {
                    r.mentions += 1;
                }
            }
            let Some(date) = t.date.filter(|_| t.interaction) else {
                continue;
            };
            for h in &t.people {
                let Some(r) = rows.get_mut(h) else { continue };
                r.interactions += 1;
                r.first_contact = Some(r.first_contact.map_or(date, |d| d.min(date)));
                r.last_contact = Some(r.last_contact.map_or(date, |d| d.max(date)));
                if t.entry.gave {
                    r.gave += 1;
                    r.last_gave = Some(r.last_gave.map_or(date, |d| d.max(date)));
                }
                if t.entry.got {
                    r.got += 1;
                    r.last_got = Some(r.last_got.map_or(date, |d| d.max(date)));
                }
            }
        }
        let mut people: Vec<PersonRow> = rows.into_values().collect();
        for r in &mut people {
            if let Some(dur) = r.cadence_dur {
                let due = r.last_contact.map_or(Some(today), |d| dur.after(d));
                r.next_due = due;
                r.overdue_days = due.map(|d| days_between(d, today));
            }
        }
        Answers {
            vault,
            cfg,
            today,
            people,
        }
    }

    pub fn person(&self, handle: &str) -> Option<&PersonRow> {
        self.people
            .binary_search_by(|r| r.handle.as_str().cmp(handle))
            .ok()
            .map(|i| &self.people[i])
    }

    /// Every open task with someone, in file and line order.
    pub fn commitments(&self) -> Vec<Commitment> {
        let mut out = Vec::new();
        for (i, note) in self.vault.notes.iter().enumerate() {
            for (e, res) in note.entries.iter().zip(&self.vault.resolved[i]) {
                if e.task != Some(Task::Open) {
                    continue;
                }
                let people = if res.mentioned.is_empty() {
                    self.vault.page_of[i].iter().cloned().collect()
                } else {
                    res.mentioned.clone()
                };
                if people.is_empty() {
                    continue;
                }
                out.push(Commitment {
                    people,
                    due: e.due,
                    date: e.date,
                    age_days: e.date.map(|d| days_between(d, self.today)),
                    text: e.text.clone(),
                    file: note.path.clone(),
                    line: e.line,
                });
            }
        }
        out
    }

    /// Every dated reminder, in SPEC §7 order (due, kind, file, line, handle).
    pub fn reminders(&self) -> Vec<Reminder> {
        let today = self.today;
        let mut out: Vec<Reminder> = self
            .commitments()
            .into_iter()
            .filter_map(|c| {
                let due = c.due?;
                Some(Reminder {
                    kind: ReminderKind::Commitment,
                    people: c.people,
                    due,
                    overdue_days: days_between(due, today),
                    text: c.text,
                    file: Some(c.file),
                    line: Some(c.line),
                })
            })
            .collect();
        for r in &self.people {
            if let (Some(due), Some(cadence)) = (r.next_due, &r.cadence) {
                let text = match r.last_contact {
                    Some(d) => format!(
                        "keep in touch with @{} (every {cadence}, last contact {d})",
                        r.handle
                    ),
                    None => format!(
                        "keep in touch with @{} (every {cadence}, no contact yet)",
                        r.handle
                    ),
                };
                out.push(Reminder {
                    kind: ReminderKind::Cadence,
                    people: vec![r.handle.clone()],
                    due,
                    overdue_days: days_between(due, today),
                    text,
                    file: None,
                    line: None,
                });
            }
            let next = r
                .birthday
                .as_deref()
                .and_then(Birthday::parse)
                .and_then(|b| b.next_on_or_after(today));
            if let Some(due) = next {
                out.push(Reminder {
                    kind: ReminderKind::Birthday,
                    people: vec![r.handle.clone()],
                    due,
                    overdue_days: days_between(due, today),
                    text: format!("birthday of @{}", r.handle),
                    file: None,
                    line: None,
                });
            }
        }
        out.sort_by(|a, b| {
            (a.due, a.kind, &a.file, a.line, a.people.first()).cmp(&(
                b.due,
                b.kind,
                &b.file,
                b.line,
                b.people.first(),
            ))
        });
        out
    }

    /// Reminders with a date on or before `today + within`.
    pub fn due(&self, within: Dur) -> Vec<Reminder> {
        let until = within.after(self.today).unwrap_or(NaiveDate::MAX);
        self.reminders()
            .into_iter()
            .filter(|r| r.due <= until)
            .collect()
    }

    /// One person's timeline, newest first, then file, then line; undated
    /// mentions last.
    pub fn timeline(&self, handle: &str) -> Vec<TimelineRow> {
        let mut rows: Vec<TimelineRow> = touches(self.vault, self.today)
            .filter(|t| !t.plan && !matches!(t.entry.task, Some(Task::Open | Task::Cancelled)))
            .filter(|t| t.people.contains(&handle))
            .map(|t| TimelineRow {
                date: t.date,
                kinds: kinds(t.entry),
                text: t.entry.text.clone(),
                file: t.note.path.clone(),
                line: t.entry.line,
                people: t.people.iter().map(|s| (*s).to_string()).collect(),
            })
            .collect();
        rows.sort_by(|a, b| {
            let key = |r: &TimelineRow| (r.date.is_none(), Reverse(r.date));
            key(a)
                .cmp(&key(b))
                .then_with(|| (&a.file, a.line).cmp(&(&b.file, b.line)))
        });
        rows
    }

    /// Who haven't I helped lately (SPEC §6), in the spec's order.
    pub fn not_helped(&self) -> Vec<NotHelped> {
        let today = self.today;
        let active_since = self
            .cfg
            .active_window
            .before(today)
            .unwrap_or(NaiveDate::MIN);
        let help_since = self.cfg.help_window.before(today).unwrap_or(NaiveDate::MIN);
        // Interactions within the active window, by person.
        let mut active: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for t in touches(self.vault, today) {
            if t.interaction && t.date.is_some_and(|d| d >= active_since) {
                active.extend(t.people.iter().copied());
            }
        }
        let mut rows: Vec<&PersonRow> = self
            .people
            .iter()
            .filter(|r| r.page.is_some() || active.contains(r.handle.as_str()))
            .filter(|r| r.last_gave.is_none_or(|d| d < help_since))
            .collect();
        rows.sort_by(|a, b| {
            (a.last_gave.is_some(), a.last_gave)
                .cmp(&(b.last_gave.is_some(), b.last_gave))
                .then(b.got.cmp(&a.got))
                .then_with(|| b.last_contact.cmp(&a.last_contact))
                .then_with(|| a.handle.cmp(&b.handle))
        });
        rows.into_iter()
            .map(|r| NotHelped {
                handle: r.handle.clone(),
                last_gave: r.last_gave,
                last_contact: r.last_contact,
                gave: r.gave,
                got: r.got,
            })
            .collect()
    }

    /// Gave vs got over the `days` before today, overall and per person.
    pub fn balance(&self, days: u32) -> Balance {
        let since = Dur::days(days).before(self.today).unwrap_or(NaiveDate::MIN);
        let (mut gave, mut got) = (0, 0);
        let mut per: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
        for t in touches(self.vault, self.today) {
            if !t.interaction || t.date.is_none_or(|d| d < since) {
                continue;
            }
            gave += u32::from(t.entry.gave);
            got += u32::from(t.entry.got);
            for h in &t.people {
                let c = per.entry(h).or_default();
                c.0 += u32::from(t.entry.gave);
                c.1 += u32::from(t.entry.got);
            }
        }
        let mut asked_more: Vec<BalanceRow> = per
            .into_iter()
            .filter(|(_, (g, r))| r > g)
            .map(|(h, (g, r))| BalanceRow {
                handle: h.to_string(),
                gave: g,
                got: r,
            })
            .collect();
        asked_more.sort_by(|a, b| {
            (b.got - b.gave)
                .cmp(&(a.got - a.gave))
                .then_with(|| a.handle.cmp(&b.handle))
        });
        Balance {
            since,
            days: i64::from(days),
            gave,
            got,
            asked_more,
        }
    }
}

/// A person's row before counting: page facts and cadence.
fn base_row(p: &Person, cfg: &Config, today: NaiveDate) -> PersonRow {
    let cadence = cadence_of(p, cfg, today);
    PersonRow {
        handle: p.handle.clone(),
        name: p.name.clone().unwrap_or_else(|| p.handle.clone()),
        aliases: p.aliases.clone(),
        circles: p.circles.clone(),
        page: p.page.clone(),
        mentions: 0,
        interactions: 0,
        gave: 0,
        got: 0,
        first_contact: None,
        last_contact: None,
        last_gave: None,
        last_got: None,
        cadence: cadence.as_ref().map(|(_, t)| t.clone()),
        next_due: None,
        overdue_days: None,
        birthday: p.birthday.clone(),
        org: p.org.clone(),
        email: p.email.clone(),
        cadence_dur: cadence.map(|(d, _)| d),
    }
}

/// The cadence that applies to a person: the page's, else the shortest of
/// their circles', else the config's `default` (SPEC §5).
pub fn cadence_of(p: &Person, cfg: &Config, today: NaiveDate) -> Option<(Dur, String)> {
    if let Some(text) = &p.cadence {
        if let Ok(d) = Dur::parse(text, false) {
            return Some((d, text.clone()));
        }
    }
    let span = |d: Dur| d.after(today).unwrap_or(NaiveDate::MAX);
    p.circles
        .iter()
        .filter_map(|c| cfg.cadence.get(c))
        .min_by_key(|c| span(c.dur))
        .or_else(|| cfg.cadence.get("default"))
        .map(|c| (c.dur, c.text.clone()))
}
