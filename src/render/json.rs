//! JSON for scripts (SPEC §7): a stable interface. Fields may be added, never
//! renamed; dates are `YYYY-MM-DD` or `null`; paths are relative with `/`.

use std::io::{self, Write};

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::{Diagnostic, Task};
use crate::query::{Answers, Balance, Commitment, NotHelped, PersonRow, Reminder, TimelineRow};
use crate::vault::Vault;

/// Pretty JSON and a line end.
pub fn write(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct People<'a> {
    today: NaiveDate,
    people: &'a [PersonRow],
}

pub fn people(out: &mut dyn Write, a: &Answers<'_>) -> io::Result<()> {
    write(
        out,
        &People {
            today: a.today,
            people: &a.people,
        },
    )
}

#[derive(Serialize)]
struct Due<'a> {
    today: NaiveDate,
    reminders: &'a [Reminder],
}

pub fn due(out: &mut dyn Write, today: NaiveDate, reminders: &[Reminder]) -> io::Result<()> {
    write(out, &Due { today, reminders })
}

#[derive(Serialize)]
struct ShowCommitment<'a> {
    due: Option<NaiveDate>,
    text: &'a str,
    file: &'a str,
    line: u32,
    people: &'a [String],
}

#[derive(Serialize)]
struct Show<'a> {
    today: NaiveDate,
    person: &'a PersonRow,
    timeline: &'a [TimelineRow],
    commitments: Vec<ShowCommitment<'a>>,
}

pub fn show(
    out: &mut dyn Write,
    today: NaiveDate,
    person: &PersonRow,
    timeline: &[TimelineRow],
    commitments: &[Commitment],
) -> io::Result<()> {
    let commitments = commitments
        .iter()
        .map(|c| ShowCommitment {
            due: c.due,
            text: &c.text,
            file: &c.file,
            line: c.line,
            people: &c.people,
        })
        .collect();
    write(
        out,
        &Show {
            today,
            person,
            timeline,
            commitments,
        },
    )
}

#[derive(Serialize)]
struct KeepInTouch<'a> {
    handle: &'a str,
    cadence: &'a str,
    last_contact: Option<NaiveDate>,
    next_due: Option<NaiveDate>,
    overdue_days: Option<i64>,
}

#[derive(Serialize)]
struct Report<'a> {
    today: NaiveDate,
    due: Vec<&'a Reminder>,
    keep_in_touch: Vec<KeepInTouch<'a>>,
    not_helped: Vec<NotHelped>,
    commitments: Vec<Commitment>,
    waiting: Vec<Commitment>,
    upcoming: Vec<&'a Reminder>,
    balance: Balance,
}

pub fn report(out: &mut dyn Write, a: &Answers<'_>) -> io::Result<()> {
    let reminders = a.reminders();
    let mut keep: Vec<KeepInTouch<'_>> = a
        .people
        .iter()
        .filter_map(|r| {
            Some(KeepInTouch {
                handle: &r.handle,
                cadence: r.cadence.as_deref()?,
                last_contact: r.last_contact,
                next_due: r.next_due,
                overdue_days: r.overdue_days,
            })
        })
        .collect();
    keep.sort_by(|x, y| (x.next_due, x.handle).cmp(&(y.next_due, y.handle)));
    let report = Report {
        today: a.today,
        due: reminders
            .iter()
            .filter(|r| r.due <= a.today && r.kind != crate::query::ReminderKind::Birthday)
            .collect(),
        keep_in_touch: keep,
        not_helped: a.not_helped(),
        commitments: a.commitments(),
        waiting: a.waiting(),
        upcoming: super::markdown::upcoming(a, &reminders),
        balance: a.balance(super::markdown::BALANCE_DAYS),
    };
    write(out, &report)
}

#[derive(Serialize)]
struct ExportEntry<'a> {
    file: &'a str,
    line: u32,
    date: Option<NaiveDate>,
    text: &'a str,
    people: Vec<&'a str>,
    tags: &'a [String],
    kinds: Vec<&'static str>,
    task: Option<&'static str>,
    due: Option<NaiveDate>,
    done: Option<NaiveDate>,
}

#[derive(Serialize)]
struct Export<'a> {
    today: NaiveDate,
    people: &'a [PersonRow],
    reminders: Vec<Reminder>,
    commitments: Vec<Commitment>,
    entries: Vec<ExportEntry<'a>>,
    diagnostics: &'a [Diagnostic],
}

/// Everything: people, every reminder, every entry that names someone.
pub fn export(
    out: &mut dyn Write,
    a: &Answers<'_>,
    vault: &Vault,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    let mut entries = Vec::new();
    for (note, resolved) in vault.notes.iter().zip(&vault.resolved) {
        for (e, r) in note.entries.iter().zip(resolved) {
            if r.mentioned.is_empty() && e.tags.is_empty() && e.task.is_none() {
                continue;
            }
            let mut kinds = Vec::new();
            if e.gave {
                kinds.push("gave");
            }
            if e.got {
                kinds.push("got");
            }
            entries.push(ExportEntry {
                file: &note.path,
                line: e.line,
                date: e.date,
                text: &e.text,
                people: r.mentioned.iter().map(|&id| vault.handle(id)).collect(),
                tags: &e.tags,
                kinds,
                task: e.task.map(|t| match t {
                    Task::Open => "open",
                    Task::Done => "done",
                    Task::Cancelled => "cancelled",
                    Task::Waiting => "waiting",
                }),
                due: e.due,
                done: e.done,
            });
        }
    }
    write(
        out,
        &Export {
            today: a.today,
            people: &a.people,
            reminders: a.reminders(),
            commitments: a.commitments(),
            entries,
            diagnostics,
        },
    )
}
