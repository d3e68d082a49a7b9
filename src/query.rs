//! The answers (SPEC §4–§6), as plain rows with no formatting: per-person
//! summaries, commitments, reminders, who haven't I helped lately and the
//! give-and-take balance (from the [`Ledger`]), and timelines (from the
//! whole [`Vault`]). Everything here depends on "today", which is always
//! passed in.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::Config;
use crate::dates::{days_between, Birthday, Dur};
use crate::ledger::{interaction_date, interactive, with_page_person, Ledger, PersonState};
use crate::model::{Entry, NoteFacts, Task};
use crate::vault::{Person, PersonId, Vault};

/// One entry seen from the people it is with, for a given today.
pub struct Touch<'v> {
    pub note: &'v NoteFacts,
    pub entry: &'v Entry,
    /// The interaction date: a done task's done date, else the entry date.
    pub date: Option<NaiveDate>,
    /// Everyone the entry is with (mentioned, plus the page's person where
    /// SPEC §4 says so), sorted.
    pub people: Vec<PersonId>,
    /// Dated after today: a plan, which counts as a mention only.
    pub plan: bool,
}

/// Every entry that involves someone, plans for a later day included.
pub fn touches<'v>(vault: &'v Vault, today: NaiveDate) -> impl Iterator<Item = Touch<'v>> + 'v {
    vault.notes.iter().enumerate().flat_map(move |(i, note)| {
        let page = vault.page_of[i];
        note.entries
            .iter()
            .zip(&vault.resolved[i])
            .filter_map(move |(entry, res)| {
                let date = interaction_date(entry);
                let plan = date.is_some_and(|d| d > today);
                let active = !plan && interactive(entry);
                let implicit = page.filter(|_| active && with_page_person(entry));
                let mut people = res.mentioned.clone();
                if let Some(p) = implicit {
                    if let Err(at) = people.binary_search(&p) {
                        people.insert(at, p);
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
                    plan,
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
    Waiting,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::Birthday => "birthday",
            ReminderKind::Cadence => "cadence",
            ReminderKind::Commitment => "commitment",
            ReminderKind::Waiting => "waiting",
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
    /// A keep-in-touch reminder's last interaction with that person
    /// (SPEC §8 ⟨1.2⟩), when the answers were given it: all `null`s when
    /// there has been none. Absent for other kinds.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub last: Option<LastFields>,
}

/// The last interaction with someone: `show`'s first dated timeline item.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LastTouch {
    pub date: NaiveDate,
    pub text: String,
    pub file: String,
    pub line: u32,
}

/// [`LastTouch`] as a reminder's JSON fields (`null`s without one).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct LastFields {
    pub last_date: Option<NaiveDate>,
    pub last_text: Option<String>,
    pub last_file: Option<String>,
    pub last_line: Option<u32>,
}

impl LastFields {
    fn of(t: Option<&LastTouch>) -> LastFields {
        t.map_or_else(LastFields::default, |t| LastFields {
            last_date: Some(t.date),
            last_text: Some(t.text.clone()),
            last_file: Some(t.file.clone()),
            last_line: Some(t.line),
        })
    }

    /// The last interaction, if there was one.
    pub fn touch(&self) -> Option<LastTouch> {
        Some(LastTouch {
            date: self.last_date?,
            text: self.last_text.clone()?,
            file: self.last_file.clone()?,
            line: self.last_line?,
        })
    }
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
pub struct Answers<'l> {
    pub ledger: &'l Ledger,
    pub cfg: &'l Config,
    pub today: NaiveDate,
    /// Sorted by handle (the ledger's order).
    pub people: Vec<PersonRow>,
    /// Each person's last interaction, when it was looked up
    /// ([`Answers::with_last`]): keep-in-touch reminders carry it.
    pub last: Option<BTreeMap<String, LastTouch>>,
}

/// The people whose keep-in-touch reminders carry their last interaction
/// (those with a cadence and a next due date): the only ones it must be
/// looked up for, found without making every person's row.
pub fn cadence_handles(ledger: &Ledger, cfg: &Config, today: NaiveDate) -> Vec<String> {
    ledger
        .people
        .iter()
        .filter(|(_, ps)| {
            cadence_ref(&ps.person, cfg, today).is_some_and(|(dur, _)| {
                let last = ps.days.range(..=today).next_back().map(|(&d, _)| d);
                last.map_or(Some(today), |d| dur.after(d)).is_some()
            })
        })
        .map(|(h, _)| h.clone())
        .collect()
}

/// A person's row as of `today`: their interactions up to today (plans for
/// later days do not count yet).
pub fn row(ps: &PersonState, cfg: &Config, today: NaiveDate) -> PersonRow {
    let mut r = base_row(&ps.person, cfg, today);
    r.mentions = ps.mentions;
    for (&day, t) in ps.days.range(..=today) {
        r.interactions += t.n;
        r.gave += t.gave;
        r.got += t.got;
        r.first_contact.get_or_insert(day);
        r.last_contact = Some(day);
        if t.gave > 0 {
            r.last_gave = Some(day);
        }
        if t.got > 0 {
            r.last_got = Some(day);
        }
    }
    if let Some(dur) = r.cadence_dur {
        let due = r.last_contact.map_or(Some(today), |d| dur.after(d));
        r.next_due = due;
        r.overdue_days = due.map(|d| days_between(d, today));
    }
    r
}

/// Keeps the first `limit` (0: all) of `v` in `order`, sorted, and says
/// how many there were. The rest are only partitioned away, never sorted.
/// `order` must be total (no two equal): then the partial selection keeps
/// exactly the rows a full sort would put first.
fn keep_first<T>(
    v: &mut Vec<T>,
    limit: usize,
    mut order: impl FnMut(&T, &T) -> std::cmp::Ordering,
) -> usize {
    let total = v.len();
    if limit > 0 && limit < total {
        v.select_nth_unstable_by(limit, &mut order);
        v.truncate(limit);
    }
    v.sort_unstable_by(order);
    total
}

impl<'l> Answers<'l> {
    pub fn new(ledger: &'l Ledger, cfg: &'l Config, today: NaiveDate) -> Answers<'l> {
        let people = ledger
            .people
            .values()
            .map(|ps| row(ps, cfg, today))
            .collect();
        Answers {
            ledger,
            cfg,
            today,
            people,
            last: None,
        }
    }

    /// These answers with each person's last interaction (from
    /// [`last_touches`]), so keep-in-touch reminders carry it.
    #[must_use]
    pub fn with_last(mut self, last: BTreeMap<String, LastTouch>) -> Self {
        self.last = Some(last);
        self
    }

    pub fn person(&self, handle: &str) -> Option<&PersonRow> {
        self.people
            .binary_search_by(|r| r.handle.as_str().cmp(handle))
            .ok()
            .map(|i| &self.people[i])
    }

    /// Every open task with someone, in file and line order.
    pub fn commitments(&self) -> Vec<Commitment> {
        self.tasks(false)
    }

    /// Every waiting task with someone (SPEC §5 ⟨1.1⟩), in file and line
    /// order: what others owe me.
    pub fn waiting(&self) -> Vec<Commitment> {
        self.tasks(true)
    }

    /// The open tasks with someone opened on or after `since` (or
    /// undated), in file and line order, and how many were opened before:
    /// only the listed ones are copied out of the ledger.
    pub fn commitments_since(&self, since: NaiveDate) -> (Vec<Commitment>, usize) {
        let mut older = 0;
        let listed = self
            .ledger
            .tasks
            .iter()
            .filter(|t| !t.waiting)
            .filter(|t| {
                let listed = t.date.is_none_or(|d| d >= since);
                older += usize::from(!listed);
                listed
            })
            .map(|t| self.commitment(t))
            .collect();
        (listed, older)
    }

    fn tasks(&self, waiting: bool) -> Vec<Commitment> {
        self.ledger
            .tasks
            .iter()
            .filter(|t| t.waiting == waiting)
            .map(|t| self.commitment(t))
            .collect()
    }

    fn commitment(&self, t: &crate::ledger::OpenTask) -> Commitment {
        Commitment {
            people: t.people.clone(),
            due: t.due,
            date: t.date,
            age_days: t.date.map(|d| days_between(d, self.today)),
            text: t.text.clone(),
            file: t.file.clone(),
            line: t.line,
        }
    }

    /// Every dated reminder, in SPEC §7 order (due, kind, file, line, handle).
    pub fn reminders(&self) -> Vec<Reminder> {
        self.reminders_where(|_, _| true, 0).0
    }

    /// The first `limit` (0: all) of the reminders `keep` accepts (by due
    /// date and kind), in SPEC §7 order, and how many it accepts: the
    /// ones not shown are sorted by reference and never copied out.
    pub fn reminders_where(
        &self,
        keep: impl Fn(NaiveDate, ReminderKind) -> bool,
        limit: usize,
    ) -> (Vec<Reminder>, usize) {
        let today = self.today;
        // Where a reminder comes from, with its sort key by reference.
        enum From<'x> {
            Task(&'x crate::ledger::OpenTask),
            Cadence(&'x PersonRow),
            Birthday(&'x PersonRow),
        }
        type Key<'x> = (
            NaiveDate,
            ReminderKind,
            Option<&'x str>,
            Option<u32>,
            Option<&'x str>,
        );
        let mut keys: Vec<(Key<'_>, From<'_>)> = Vec::new();
        for t in &self.ledger.tasks {
            let Some(due) = t.due else { continue };
            let kind = if t.waiting {
                ReminderKind::Waiting
            } else {
                ReminderKind::Commitment
            };
            if keep(due, kind) {
                let key = (
                    due,
                    kind,
                    Some(t.file.as_str()),
                    Some(t.line),
                    t.people.first().map(String::as_str),
                );
                keys.push((key, From::Task(t)));
            }
        }
        for r in &self.people {
            let who = Some(r.handle.as_str());
            if let (Some(due), Some(_)) = (r.next_due, &r.cadence) {
                if keep(due, ReminderKind::Cadence) {
                    keys.push((
                        (due, ReminderKind::Cadence, None, None, who),
                        From::Cadence(r),
                    ));
                }
            }
            let next = r
                .birthday
                .as_deref()
                .and_then(Birthday::parse)
                .and_then(|b| b.next_on_or_after(today));
            if let Some(due) = next {
                if keep(due, ReminderKind::Birthday) {
                    keys.push((
                        (due, ReminderKind::Birthday, None, None, who),
                        From::Birthday(r),
                    ));
                }
            }
        }
        // Keys are unique (a task per file and line, a reminder of each
        // kind per person): a total order.
        let total = keep_first(&mut keys, limit, |a, b| a.0.cmp(&b.0));
        let out = keys
            .into_iter()
            .map(|((due, kind, ..), from)| {
                let overdue_days = days_between(due, today);
                match from {
                    From::Task(t) => Reminder {
                        kind,
                        people: t.people.clone(),
                        due,
                        overdue_days,
                        text: t.text.clone(),
                        file: Some(t.file.clone()),
                        line: Some(t.line),
                        last: None,
                    },
                    From::Cadence(r) => {
                        let cadence = r.cadence.as_deref().unwrap_or_default();
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
                        Reminder {
                            kind,
                            people: vec![r.handle.clone()],
                            due,
                            overdue_days,
                            text,
                            file: None,
                            line: None,
                            last: self.last.as_ref().map(|m| LastFields::of(m.get(&r.handle))),
                        }
                    }
                    From::Birthday(r) => Reminder {
                        kind,
                        people: vec![r.handle.clone()],
                        due,
                        overdue_days,
                        text: format!("birthday of @{}", r.handle),
                        file: None,
                        line: None,
                        last: None,
                    },
                }
            })
            .collect();
        (out, total)
    }

    /// Reminders with a date on or before `today + within`.
    pub fn due(&self, within: Dur) -> Vec<Reminder> {
        let until = within.after(self.today).unwrap_or(NaiveDate::MAX);
        self.reminders()
            .into_iter()
            .filter(|r| r.due <= until)
            .collect()
    }

    /// Who haven't I helped lately (SPEC §6), in the spec's order.
    pub fn not_helped(&self) -> Vec<NotHelped> {
        self.not_helped_first(0).0
    }

    /// The first `limit` (0: all) of [`Answers::not_helped`], and how many
    /// there are: the rest are ranked by reference and counted, never
    /// copied (200,000 person pages: the report sorted and copied them all
    /// to show 25).
    pub fn not_helped_first(&self, limit: usize) -> (Vec<NotHelped>, usize) {
        let today = self.today;
        let active_since = self
            .cfg
            .active_window
            .before(today)
            .unwrap_or(NaiveDate::MIN);
        let help_since = self.cfg.help_window.before(today).unwrap_or(NaiveDate::MIN);
        // Interactions within the active window, by person.
        let active: Vec<bool> = self
            .ledger
            .people
            .values()
            .map(|ps| ps.days.range(active_since..=today).next().is_some())
            .collect();
        let mut rows: Vec<&PersonRow> = self
            .people
            .iter()
            .zip(&active)
            .filter(|(r, &a)| r.page.is_some() || a)
            .map(|(r, _)| r)
            .filter(|r| r.last_gave.is_none_or(|d| d < help_since))
            .collect();
        // Handles are unique: a total order.
        let total = keep_first(&mut rows, limit, |a, b| {
            (a.last_gave.is_some(), a.last_gave)
                .cmp(&(b.last_gave.is_some(), b.last_gave))
                .then(b.got.cmp(&a.got))
                .then_with(|| b.last_contact.cmp(&a.last_contact))
                .then_with(|| a.handle.cmp(&b.handle))
        });
        let shown = rows
            .into_iter()
            .map(|r| NotHelped {
                handle: r.handle.clone(),
                last_gave: r.last_gave,
                last_contact: r.last_contact,
                gave: r.gave,
                got: r.got,
            })
            .collect();
        (shown, total)
    }

    /// Gave vs got over the `days` before today, overall and per person.
    pub fn balance(&self, days: u32) -> Balance {
        let since = Dur::days(days).before(self.today).unwrap_or(NaiveDate::MIN);
        let window = since..=self.today;
        let (gave, got) = self
            .ledger
            .days
            .range(window.clone())
            .fold((0, 0), |(g, r), (_, t)| (g + t.gave, r + t.got));
        // Per person: (gave, got, touched in the window).
        let per: Vec<(u32, u32, bool)> = self
            .ledger
            .people
            .values()
            .map(|ps| {
                ps.days
                    .range(window.clone())
                    .fold((0, 0, false), |(g, r, _), (_, t)| {
                        (g + t.gave, r + t.got, true)
                    })
            })
            .collect();
        let mut asked_more: Vec<BalanceRow> = per
            .into_iter()
            .enumerate()
            .filter(|(_, (g, r, touched))| *touched && r > g)
            .map(|(i, (g, r, _))| BalanceRow {
                handle: self.people[i].handle.clone(),
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

/// Sorts commitments most urgent first (SPEC §8 ⟨1.2⟩): by due date,
/// undated last; then by entry date (oldest first, none last); then file
/// and line.
pub fn by_urgency(rows: &mut [Commitment]) {
    rows.sort_by(|a, b| {
        let key = |c: &Commitment| (c.due.is_none(), c.due, c.date.is_none(), c.date);
        key(a)
            .cmp(&key(b))
            .then_with(|| (&a.file, a.line).cmp(&(&b.file, b.line)))
    });
}

/// Gave and got in one calendar month.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
    pub gave: u32,
    pub got: u32,
}

impl<'l> Answers<'l> {
    /// Gave and got per calendar month for the `n` months up to and
    /// including today's, oldest first; entries after today are plans and
    /// do not count.
    pub fn months(&self, n: u32) -> Vec<Month> {
        use chrono::Datelike;
        let index = |y: i32, m: u32| i64::from(y) * 12 + i64::from(m) - 1;
        let last = index(self.today.year(), self.today.month());
        let first = last - i64::from(n.max(1)) + 1;
        let mut out: Vec<Month> = (first..=last)
            .map(|i| Month {
                year: i32::try_from(i.div_euclid(12)).unwrap_or(0),
                month: u32::try_from(i.rem_euclid(12) + 1).unwrap_or(1),
                gave: 0,
                got: 0,
            })
            .collect();
        let start = out
            .first()
            .and_then(|m| NaiveDate::from_ymd_opt(m.year, m.month, 1))
            .unwrap_or(NaiveDate::MIN);
        for (day, t) in self.ledger.days.range(start..=self.today) {
            let at = usize::try_from(index(day.year(), day.month()) - first).unwrap_or(0);
            if let Some(m) = out.get_mut(at) {
                m.gave += t.gave;
                m.got += t.got;
            }
        }
        out
    }
}

/// Whether an entry belongs on a timeline: an interaction up to today, or
/// an undated mention (open and cancelled tasks and plans are not).
fn on_timeline(t: &Touch<'_>) -> bool {
    !t.plan && !matches!(t.entry.task, Some(Task::Open | Task::Cancelled))
}

/// Everyone's last interaction up to today, by handle: the first dated
/// item of their timeline (newest, then file, then line). One pass over
/// the vault.
pub fn last_touches(vault: &Vault, today: NaiveDate) -> BTreeMap<String, LastTouch> {
    let mut best: BTreeMap<PersonId, (NaiveDate, &str, u32, &str)> = BTreeMap::new();
    for t in touches(vault, today).filter(on_timeline) {
        let Some(date) = t.date else { continue };
        let key = (
            date,
            t.note.path.as_str(),
            t.entry.line,
            t.entry.text.as_str(),
        );
        for &p in &t.people {
            let slot = best.entry(p).or_insert(key);
            // Newest first, then the earliest file and line.
            if (key.0, Reverse(key.1), Reverse(key.2)) > (slot.0, Reverse(slot.1), Reverse(slot.2))
            {
                *slot = key;
            }
        }
    }
    best.into_iter()
        .map(|(p, (date, file, line, text))| {
            let touch = LastTouch {
                date,
                text: text.to_string(),
                file: file.to_string(),
                line,
            };
            (vault.handle(p).to_string(), touch)
        })
        .collect()
}

/// One person's timeline, newest first, then file, then line; undated
/// mentions last.
pub fn timeline(vault: &Vault, handle: &str, today: NaiveDate) -> Vec<TimelineRow> {
    let Some(id) = vault.id(handle) else {
        return Vec::new();
    };
    let mut rows: Vec<TimelineRow> = touches(vault, today)
        .filter(on_timeline)
        .filter(|t| t.people.contains(&id))
        .map(|t| TimelineRow {
            date: t.date,
            kinds: kinds(t.entry),
            text: t.entry.text.clone(),
            file: t.note.path.clone(),
            line: t.entry.line,
            people: t
                .people
                .iter()
                .map(|&p| vault.handle(p).to_string())
                .collect(),
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
    cadence_ref(p, cfg, today).map(|(d, t)| (d, t.to_string()))
}

/// [`cadence_of`], borrowed: which cadence applies can change with the day
/// (the shortest of `1m` and `30d` depends on the month).
fn cadence_ref<'a>(p: &'a Person, cfg: &'a Config, today: NaiveDate) -> Option<(Dur, &'a str)> {
    if let Some(text) = &p.cadence {
        if let Ok(d) = Dur::parse(text, false) {
            return Some((d, text.as_str()));
        }
    }
    let span = |d: Dur| d.after(today).unwrap_or(NaiveDate::MAX);
    p.circles
        .iter()
        .filter_map(|c| cfg.cadence.get(c))
        .min_by_key(|c| span(c.dur))
        .or_else(|| cfg.cadence.get("default"))
        .map(|c| (c.dur, c.text.as_str()))
}

/// Whether a person's [`row`] as of `a` and as of `b` can differ in what
/// the `people` table keeps of it (everything but `overdue_days`): only
/// when they interacted on a day after one and not after the other, when
/// the cadence that applies changes, or when they have a cadence and no
/// contact yet (then they are due on whatever today is). Allocates
/// nothing: a new day rewrites only these rows, not 200,000.
pub fn row_moves(ps: &PersonState, cfg: &Config, a: NaiveDate, b: NaiveDate) -> bool {
    use std::ops::Bound::{Excluded, Included};
    if a == b {
        return false;
    }
    let (lo, hi) = (a.min(b), a.max(b));
    if ps.days.range((Excluded(lo), Included(hi))).next().is_some() {
        return true;
    }
    let cadence = cadence_ref(&ps.person, cfg, a);
    if cadence != cadence_ref(&ps.person, cfg, b) {
        return true;
    }
    cadence.is_some() && ps.days.range(..=hi).next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Cadence;
    use crate::ledger::tests::ledger;
    use crate::vault::tests::vault;

    fn d(s: &str) -> NaiveDate {
        crate::dates::parse_iso(s).unwrap()
    }

    const TODAY: &str = "2026-11-23";

    fn rows(files: &[(&str, &str)], cfg: &Config) -> Vec<PersonRow> {
        let l = ledger(files, cfg);
        Answers::new(&l, cfg, d(TODAY)).people
    }

    fn row<'a>(rows: &'a [PersonRow], h: &str) -> &'a PersonRow {
        rows.iter().find(|r| r.handle == h).unwrap()
    }

    #[test]
    fn spec4_dated_mention_is_an_interaction_undated_is_a_mention() {
        let r = rows(
            &[
                ("2026-11-20.md", "- lunch @a #gave\n"),
                ("ideas.md", "- ask @a\n"),
            ],
            &Config::default(),
        );
        let a = row(&r, "a");
        assert_eq!((a.mentions, a.interactions, a.gave, a.got), (2, 1, 1, 0));
        assert_eq!(
            (a.first_contact, a.last_contact, a.last_gave),
            (
                Some(d("2026-11-20")),
                Some(d("2026-11-20")),
                Some(d("2026-11-20"))
            )
        );
    }

    #[test]
    fn spec4_future_entry_is_a_plan_not_an_interaction() {
        let r = rows(
            &[
                ("2026-11-30.md", "- lunch @a #gave\n"),
                ("2026-11-23.md", "- call @a\n"),
            ],
            &Config::default(),
        );
        let a = row(&r, "a");
        assert_eq!((a.mentions, a.interactions, a.gave), (2, 1, 0));
        assert_eq!(a.last_contact, Some(d(TODAY)));
    }

    #[test]
    fn spec4_person_page_entries_with_own_or_heading_date_are_interactions() {
        let page = "---\nname: P\ndate: 2026-01-01\n---\n# P\n\nBio paragraph.\n\n## 2026-01-02 heading only\n\n- 2026-11-01 coffee #got\n\n## 2026-11-10\n- helped move #helped\n- [x] sent book ✅ 2026-11-12\n- [x] undated done\n- [ ] open task\n- [-] cancelled\n";
        let r = rows(&[("people/p.md", page)], &Config::default());
        let p = row(&r, "p");
        assert_eq!((p.interactions, p.gave, p.got), (4, 1, 1), "{p:?}");
        assert_eq!(p.first_contact, Some(d("2026-11-01")));
        assert_eq!(p.last_contact, Some(d("2026-11-12")));
        assert_eq!(p.mentions, 0);
    }

    #[test]
    fn spec4_done_task_dated_by_done_date_open_and_cancelled_are_not_interactions() {
        let r = rows(
            &[("2026-11-01.md", "- [x] sent @a the deck ✅ 2026-11-05 #gave\n- [ ] call @b\n- [-] call @c\n- [x] met @d\n")],
            &Config::default(),
        );
        assert_eq!(row(&r, "a").last_gave, Some(d("2026-11-05")));
        assert_eq!((row(&r, "b").interactions, row(&r, "b").mentions), (0, 1));
        assert_eq!((row(&r, "c").interactions, row(&r, "c").mentions), (0, 1));
        assert_eq!(row(&r, "d").last_contact, Some(d("2026-11-01")));
    }

    #[test]
    fn spec5_cadence_page_then_shortest_circle_then_default() {
        let mut cfg = Config::default();
        let c = |t: &str| Cadence {
            dur: Dur::parse(t, false).unwrap(),
            text: t.into(),
        };
        cfg.cadence.insert("mentor".into(), c("1m"));
        cfg.cadence.insert("peer".into(), c("5w"));
        cfg.cadence.insert("default".into(), c("6m"));
        let r = rows(
            &[
                (
                    "people/a.md",
                    "---\ncadence: 10d\ncircles: [mentor]\n---\n- 2026-11-01 x\n",
                ),
                (
                    "people/b.md",
                    "---\ncircles: [peer, mentor]\n---\n- 2026-10-20 x\n",
                ),
                (
                    "people/c.md",
                    "---\ncircles: [other]\n---\n- 2026-05-31 x\n",
                ),
                ("people/n.md", "---\ncircles: [mentor]\n---\n"),
            ],
            &cfg,
        );
        let a = row(&r, "a");
        assert_eq!(
            (a.cadence.as_deref(), a.next_due, a.overdue_days),
            (Some("10d"), Some(d("2026-11-11")), Some(12))
        );
        let b = row(&r, "b");
        assert_eq!(
            (b.cadence.as_deref(), b.next_due, b.overdue_days),
            (Some("1m"), Some(d("2026-11-20")), Some(3))
        );
        let c = row(&r, "c");
        assert_eq!(
            (c.cadence.as_deref(), c.next_due),
            (Some("6m"), Some(d("2026-11-30")))
        );
        assert_eq!(c.overdue_days, Some(-7));
        let n = row(&r, "n");
        assert_eq!(
            (n.next_due, n.overdue_days),
            (Some(d(TODAY)), Some(0)),
            "never contacted: due today"
        );
        let none = rows(&[("people/z.md", "")], &Config::default());
        assert_eq!(
            (
                none[0].cadence.as_ref(),
                none[0].next_due,
                none[0].overdue_days
            ),
            (None, None, None)
        );
    }

    #[test]
    fn spec5_reminders_sorted_and_due_within() {
        let cfg = Config::default();
        let v = ledger(
            &[
                ("people/b.md", "---\nbirthday: 11-23\ncadence: 1w\n---\n- 2026-11-16 x\n- [ ] bring book due:2026-11-23\n"),
                ("people/feb.md", "---\nbirthday: 1992-02-29\n---\n"),
                ("2026-11-20.md", "- [ ] send @a plan due:+3d\n- [ ] send @c the thing due:2026-11-29\n- [ ] no due @a\n"),
            ],
            &cfg,
        );
        let a = Answers::new(&v, &cfg, d(TODAY));
        let due: Vec<_> = a
            .due(Dur::days(0))
            .iter()
            .map(|r| (r.kind.as_str(), r.people.join(","), r.due, r.overdue_days))
            .collect();
        assert_eq!(
            due,
            [
                ("birthday", "b".into(), d(TODAY), 0),
                ("cadence", "b".into(), d(TODAY), 0),
                ("commitment", "a".into(), d(TODAY), 0),
                ("commitment", "b".into(), d(TODAY), 0),
            ]
        );
        let within = a.due(Dur::days(6));
        assert_eq!(within.len(), 5);
        assert_eq!(within[4].overdue_days, -6);
        let all = a.reminders();
        let feb = all.iter().find(|r| r.people == ["feb"]).unwrap();
        assert_eq!(feb.due, d("2027-02-28"));
        assert_eq!(a.commitments().len(), 4);
        // A limited selection is the head of the full list, and counts it all.
        for limit in 0..=all.len() + 1 {
            let (head, total) = a.reminders_where(|_, _| true, limit);
            assert_eq!(total, all.len());
            let n = if limit == 0 {
                all.len()
            } else {
                limit.min(all.len())
            };
            assert_eq!(head, all[..n]);
        }
        let not_birthdays = |_: NaiveDate, k: ReminderKind| k != ReminderKind::Birthday;
        let (head, total) = a.reminders_where(not_birthdays, 2);
        let want: Vec<_> = all
            .iter()
            .filter(|r| r.kind != ReminderKind::Birthday)
            .collect();
        assert_eq!(
            (head.iter().collect::<Vec<_>>(), total),
            (want[..2].to_vec(), want.len())
        );
    }

    #[test]
    fn spec5_waiting_tasks_are_waiting_reminders_not_commitments() {
        let cfg = Config::default();
        let v = ledger(
            &[
                ("people/b.md", "- WAITING the signed contract\n  DEADLINE: <2026-11-22 Sun>\n"),
                ("2026-11-20.md", "- [ ] @a owes me the slides #waiting\n- [ ] send @c the deck due:2026-11-23\n- WAIT @d to reply\n"),
            ],
            &cfg,
        );
        let a = Answers::new(&v, &cfg, d(TODAY));
        let due: Vec<_> = a
            .due(Dur::days(0))
            .iter()
            .map(|r| (r.kind.as_str(), r.people.join(","), r.text.clone()))
            .collect();
        assert_eq!(
            due,
            [
                ("waiting", "b".into(), "the signed contract".into()),
                ("commitment", "c".into(), "send @c the deck".into()),
            ]
        );
        let waiting: Vec<_> = a.waiting().iter().map(|c| c.people.join(",")).collect();
        assert_eq!(waiting, ["a", "d", "b"]);
        assert_eq!(a.commitments().len(), 1);
        // Waiting tasks are no interactions.
        assert_eq!(a.person("a").map(|p| p.last_contact), Some(None));
    }

    #[test]
    fn spec6_not_helped_candidates_and_order() {
        let cfg = Config {
            help_window: Dur::days(90),
            active_window: Dur::days(365),
            ..Config::default()
        };
        let v = ledger(
            &[
                ("people/paged.md", ""),
                ("2024-01-01.md", "- @ancient #asked\n"),
                ("2025-11-23.md", "- @edge #asked\n"),
                ("2026-08-25.md", "- @exactly90 #gave\n"),
                ("2026-08-24.md", "- @over90 #gave\n- @over90b #gave\n- @over90b #got\n"),
                ("2026-11-01.md", "- @never1 #asked\n- @never2 #asked\n- @never2 #asked\n- @never3 x\n- @over90 x\n"),
                ("2026-11-02.md", "- @never4 x\n- @recent #helped\n"),
            ],
            &cfg,
        );
        let a = Answers::new(&v, &cfg, d(TODAY));
        let order: Vec<_> = a.not_helped().into_iter().map(|r| r.handle).collect();
        assert_eq!(
            order,
            ["never2", "never1", "edge", "never4", "never3", "paged", "over90b", "over90"]
        );
        // The first few, selected without sorting the rest: the same rows.
        for limit in 0..=order.len() + 1 {
            let (first, total) = a.not_helped_first(limit);
            let first: Vec<_> = first.into_iter().map(|r| r.handle).collect();
            let want = if limit == 0 {
                order.len()
            } else {
                limit.min(order.len())
            };
            assert_eq!(
                (first.as_slice(), total),
                (&order[..want], order.len()),
                "{limit}"
            );
        }
    }

    #[test]
    fn spec8_balance_over_window() {
        let cfg = Config::default();
        let v = ledger(
            &[
                (
                    "2026-11-01.md",
                    "- @a #asked\n- @a #asked\n- @a #gave\n- @a @b #intro\n",
                ),
                ("2026-01-01.md", "- @b #asked\n"),
            ],
            &cfg,
        );
        let b = Answers::new(&v, &cfg, d(TODAY)).balance(90);
        assert_eq!((b.gave, b.got), (2, 2));
        assert_eq!(b.asked_more.len(), 0, "a: gave 2 got 2");
        let v = ledger(
            &[("2026-11-01.md", "- @a #asked\n- @a #asked\n- @a #gave\n")],
            &cfg,
        );
        let b = Answers::new(&v, &cfg, d(TODAY)).balance(90);
        assert_eq!(
            b.asked_more,
            [BalanceRow {
                handle: "a".into(),
                gave: 1,
                got: 2
            }]
        );
    }

    #[test]
    fn spec7_show_timeline_newest_first_undated_last() {
        let cfg = Config::default();
        let v = vault(
            &[
                ("b.md", "- 2026-11-01 x @a\n- 2026-11-05 y @a #gave\n"),
                (
                    "a.md",
                    "- 2026-11-05 z @a\n- undated @a\n- 2026-12-01 plan @a\n- [ ] open @a\n",
                ),
            ],
            &cfg,
        );
        let t: Vec<_> = timeline(&v, "a", d(TODAY))
            .into_iter()
            .map(|r| (r.file, r.line, r.kinds))
            .collect();
        assert_eq!(
            t,
            [
                ("a.md".into(), 1, vec![]),
                ("b.md".into(), 2, vec!["gave"]),
                ("b.md".into(), 1, vec![]),
                ("a.md".into(), 2, vec![])
            ]
        );
    }
}
