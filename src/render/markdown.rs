//! Markdown that renders on a git host: the report (SPEC §8) and the `md`
//! format of the other commands. Every item links to its source with a
//! relative link, and the same notes and today give the same bytes.

use std::fmt::Write as _;
use std::io::{self, Write};

use chrono::NaiveDate;

use super::count;
use super::{handles, opt_date, overdue_text};
use crate::dates::{iso, Dur};
use crate::query::{
    by_urgency, Answers, Commitment, LastFields, LastTouch, PersonRow, Reminder, ReminderKind,
    TimelineRow,
};
use crate::walk::REPORT_MARKER;

/// Days the report looks ahead in "Upcoming".
pub const UPCOMING_DAYS: u32 = 14;
/// Days "Give and take" looks back.
pub const BALANCE_DAYS: u32 = 90;

/// The index of the first char in `text` that `special` picks, scanning
/// bytes (ASCII is all that is special) and decoding only C1 controls.
fn find_special(text: &str, special: fn(u8) -> bool) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        // U+0080..U+009F (C1 controls) are 0xC2 0x80..0x9F in UTF-8.
        if special(c) || (c == 0xC2 && b.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n))) {
            return Some(i);
        }
        i += 1;
    }
    None
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `path`, percent-encoding what would break a Markdown link
/// destination (control characters included: a link never drops them).
fn push_url_path(s: &mut String, path: &str) {
    let special = |b: u8| {
        matches!(b, b' ' | b'(' | b')' | b'<' | b'>' | b'#' | b'%' | b'?') || b < 0x20 || b == 0x7f
    };
    let mut rest = path;
    while let Some(i) = find_special(rest, special) {
        s.push_str(&rest[..i]);
        // Every special byte is ASCII: one char, percent-encoded.
        let b = rest.as_bytes()[i];
        s.push('%');
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
        rest = &rest[i + 1..];
    }
    s.push_str(rest);
}

fn url_path(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    push_url_path(&mut s, path);
    s
}

/// Appends `text` escaped so it shows as written, not as Markdown.
fn push_esc(s: &mut String, text: &str) {
    let special = |b: u8| {
        matches!(
            b,
            b'\\' | b'`' | b'*' | b'_' | b'[' | b']' | b'<' | b'>' | b'|' | b'#'
        ) || b < 0x20
            || b == 0x7f
    };
    let mut rest = text;
    while let Some(i) = find_special(rest, special) {
        s.push_str(&rest[..i]);
        let c = rest[i..].chars().next().unwrap_or(' ');
        if c.is_control() {
            s.push(' ');
        } else {
            s.push('\\');
            s.push(c);
        }
        rest = &rest[i + c.len_utf8()..];
    }
    s.push_str(rest);
}

/// Escapes text so it shows as written, not as Markdown.
fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    push_esc(&mut s, text);
    s
}

/// Appends `[file:line](base/file#Lline)`, relative to where the output
/// lives.
fn push_link(s: &mut String, base: &str, file: &str, line: u32) {
    s.push('[');
    push_esc(s, file);
    let _ = write!(s, ":{line}](");
    s.push_str(base);
    push_url_path(s, file);
    let _ = write!(s, "#L{line})");
}

fn link(base: &str, file: &str, line: u32) -> String {
    let mut s = String::new();
    push_link(&mut s, base, file, line);
    s
}

/// Appends one reminder as a list item, with its line end.
fn push_reminder(s: &mut String, base: &str, r: &Reminder) {
    s.push_str("- **");
    crate::dates::push_iso(s, r.due);
    s.push_str("** ");
    s.push_str(&overdue_text(r.overdue_days));
    s.push_str(" — ");
    push_esc(s, &r.text);
    if let (Some(f), Some(l)) = (&r.file, r.line) {
        s.push_str(" (");
        push_link(s, base, f, l);
        s.push(')');
    }
    if let Some(t) = r.last.as_ref().and_then(LastFields::touch) {
        push_last(s, base, &t);
    }
    s.push('\n');
}

/// Appends ` — last: 2026-11-05 — Lunch (link)`: the last interaction a
/// keep-in-touch reminder carries.
fn push_last(s: &mut String, base: &str, t: &LastTouch) {
    s.push_str(" — last: ");
    crate::dates::push_iso(s, t.date);
    s.push_str(" — ");
    push_esc(s, &t.text);
    s.push_str(" (");
    push_link(s, base, &t.file, t.line);
    s.push(')');
}

/// Writes at most `limit` rows (0: all) with `item`, then one line saying
/// how many more there are and where they all are (SPEC §8 ⟨1.2⟩). Every
/// list section of the report goes through here; `table` for a table,
/// which needs a blank line before anything that is not a row.
fn push_limited<T>(
    s: &mut String,
    rows: &[T],
    limit: usize,
    table: bool,
    item: impl FnMut(&mut String, &T),
) {
    let shown = if limit == 0 {
        rows.len()
    } else {
        rows.len().min(limit)
    };
    push_shown(s, &rows[..shown], rows.len(), table, item);
}

/// `shown`, the first rows of `total`, and a line for the rest.
fn push_shown<T>(
    s: &mut String,
    shown: &[T],
    total: usize,
    table: bool,
    mut item: impl FnMut(&mut String, &T),
) {
    for r in shown {
        item(s, r);
    }
    let more = total - shown.len();
    if more > 0 {
        s.push_str(if table { "\n" } else { "- " });
        let _ = writeln!(s, "… and {more} more: {ALL_ROWS}");
    }
}

/// Where every row of a shortened section is.
const ALL_ROWS: &str = "`relnotes report --format json` has them all";

fn reminder_item(base: &str, r: &Reminder) -> String {
    let mut s = String::new();
    push_reminder(&mut s, base, r);
    s.pop();
    s
}

/// Appends one open commitment as a list item, with its line end.
fn push_commitment(s: &mut String, base: &str, c: &Commitment) {
    s.push_str("- ");
    for (i, h) in c.people.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('@');
        push_esc(s, h);
    }
    s.push_str(" · ");
    match (c.due, c.age_days) {
        (Some(d), _) => {
            s.push_str("due ");
            crate::dates::push_iso(s, d);
        }
        (None, Some(age)) => {
            let _ = write!(s, "open {age}d");
        }
        (None, None) => s.push_str("undated"),
    }
    s.push_str(" — ");
    push_esc(s, &c.text);
    s.push_str(" (");
    push_link(s, base, &c.file, c.line);
    s.push_str(")\n");
}

pub fn report(out: &mut dyn Write, a: &Answers<'_>, base: &str) -> io::Result<()> {
    let today = a.today;
    let limit = a.cfg.report_limit;
    let mut s = String::with_capacity(16 * 1024);
    let _ = writeln!(s, "{REPORT_MARKER}");
    let _ = writeln!(s, "# Relationship report — {}", iso(today));
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "_Generated by relnotes from the notes in this folder; do not edit._"
    );

    // Only the reminders shown are copied out of the ledger.
    let _ = writeln!(s, "\n## Due now\n");
    let (due_now, due_total) = a.reminders_where(
        |due, kind| due <= today && kind != ReminderKind::Birthday,
        limit,
    );
    if due_total == 0 {
        let _ = writeln!(s, "Nothing is due.");
    }
    push_shown(&mut s, &due_now, due_total, false, |s, r| {
        push_reminder(s, base, r);
    });

    let _ = writeln!(s, "\n## Who haven't I helped lately\n");
    not_helped(&mut s, a, base);

    let _ = writeln!(s, "\n## Open commitments\n");
    open_commitments(&mut s, a, base);

    let _ = writeln!(s, "\n## Waiting on\n");
    let waiting = a.waiting();
    if waiting.is_empty() {
        let _ = writeln!(s, "Nobody owes you anything.");
    }
    for c in &waiting {
        push_commitment(&mut s, base, c);
    }

    let _ = writeln!(s, "\n## Upcoming (next {UPCOMING_DAYS} days)\n");
    let (upcoming, upcoming_total) =
        a.reminders_where(|due, kind| is_upcoming(a, due, kind), limit);
    if upcoming_total == 0 {
        let _ = writeln!(s, "Nothing in the next {UPCOMING_DAYS} days.");
    }
    push_shown(&mut s, &upcoming, upcoming_total, false, |s, r| {
        push_reminder(s, base, r);
    });

    give_and_take(&mut s, a);
    out.write_all(s.as_bytes())
}

/// "Who haven't I helped lately" as a table, in SPEC §6 order.
fn not_helped(s: &mut String, a: &Answers<'_>, base: &str) {
    let (nh, total) = a.not_helped_first(a.cfg.report_limit);
    if total == 0 {
        let _ = writeln!(s, "Everyone has been helped within {}.", a.cfg.help_window);
        return;
    }
    let _ = writeln!(s, "| Person | Last gave | Last contact | Gave | Got |");
    let _ = writeln!(s, "| --- | --- | --- | ---: | ---: |");
    push_shown(s, &nh, total, true, |s, r| {
        let person = match a.person(&r.handle).and_then(|p| p.page.as_deref()) {
            Some(page) => format!("[@{}]({base}{})", esc(&r.handle), url_path(page)),
            None => format!("@{}", esc(&r.handle)),
        };
        let last_gave = r.last_gave.map_or_else(|| "never".to_string(), iso);
        let _ = writeln!(
            s,
            "| {person} | {last_gave} | {} | {} | {} |",
            opt_date(r.last_contact),
            r.gave,
            r.got
        );
    });
}

/// "Open commitments", most urgent first; those opened before the active
/// window are counted, not listed (SPEC §8 ⟨1.2⟩).
fn open_commitments(s: &mut String, a: &Answers<'_>, base: &str) {
    let since = a
        .cfg
        .active_window
        .before(a.today)
        .unwrap_or(NaiveDate::MIN);
    let (mut open, old) = a.commitments_since(since);
    if open.is_empty() && old == 0 {
        let _ = writeln!(s, "No open commitments.");
    }
    by_urgency(&mut open);
    push_limited(s, &open, a.cfg.report_limit, false, |s, c| {
        push_commitment(s, base, c);
    });
    if old > 0 {
        let _ = writeln!(
            s,
            "- {} more opened before {} (older than `active_window`, {}), counted, not listed: {ALL_ROWS}",
            old,
            iso(since),
            a.cfg.active_window
        );
    }
}

/// Months the "Give and take" chart spans.
pub const CHART_MONTHS: u32 = 12;

/// "Give and take": totals over the window, a chart of the last
/// [`CHART_MONTHS`] months, and the people asked more than given.
fn give_and_take(s: &mut String, a: &Answers<'_>) {
    let b = a.balance(BALANCE_DAYS);
    let _ = writeln!(s, "\n## Give and take (last {BALANCE_DAYS} days)\n");
    let _ = writeln!(
        s,
        "Since {}: gave {}, got {}.",
        iso(b.since),
        count(b.gave as usize, "time", "times"),
        count(b.got as usize, "time", "times")
    );
    chart(s, &a.months(CHART_MONTHS));
    if !b.asked_more.is_empty() {
        let _ = writeln!(s, "\nPeople you asked more than you gave:\n");
        push_limited(s, &b.asked_more, a.cfg.report_limit, false, |s, r| {
            let _ = writeln!(s, "- @{}: gave {}, got {}", esc(&r.handle), r.gave, r.got);
        });
    }
}

/// A Mermaid `xychart-beta` of gave (bars) and got (a line) per month,
/// which GitHub, GitLab, Gitea and Obsidian draw; other viewers show the
/// numbers as text.
pub fn chart(s: &mut String, months: &[crate::query::Month]) {
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return;
    };
    let label = |m: &crate::query::Month| format!("{:04}-{:02}", m.year, m.month);
    let list = |f: &dyn Fn(&crate::query::Month) -> String| {
        months.iter().map(f).collect::<Vec<_>>().join(", ")
    };
    let top = months
        .iter()
        .map(|m| m.gave.max(m.got))
        .max()
        .unwrap_or(0)
        .max(1);
    let _ = writeln!(
        s,
        "\n_Gave (bars) and got (line) per month, {} to {}:_\n",
        label(first),
        label(last)
    );
    let _ = writeln!(s, "```mermaid\nxychart-beta");
    let _ = writeln!(s, "    title \"Gave (bars) and got (line) per month\"");
    let _ = writeln!(s, "    x-axis [{}]", list(&|m| format!("\"{}\"", label(m))));
    let _ = writeln!(s, "    y-axis \"Entries\" 0 --> {top}");
    let _ = writeln!(s, "    bar [{}]", list(&|m| m.gave.to_string()));
    let _ = writeln!(s, "    line [{}]", list(&|m| m.got.to_string()));
    let _ = writeln!(s, "```");
}

/// Reminders after today within the upcoming window; birthdays from today
/// within `birthday_notice`.
pub fn upcoming<'r>(a: &Answers<'_>, reminders: &'r [Reminder]) -> Vec<&'r Reminder> {
    reminders
        .iter()
        .filter(|r| is_upcoming(a, r.due, r.kind))
        .collect()
}

/// Whether a reminder belongs in "Upcoming": in the next
/// [`UPCOMING_DAYS`], or a birthday within the notice.
fn is_upcoming(a: &Answers<'_>, due: NaiveDate, kind: ReminderKind) -> bool {
    let today = a.today;
    match kind {
        ReminderKind::Birthday => due <= a.cfg.birthday_notice.after(today).unwrap_or(today),
        _ => due > today && due <= Dur::days(UPCOMING_DAYS).after(today).unwrap_or(today),
    }
}

pub fn people(out: &mut dyn Write, rows: &[PersonRow], base: &str) -> io::Result<()> {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| Person | Name | Last contact | Last gave | Gave | Got | Cadence | Next due |"
    );
    let _ = writeln!(s, "| --- | --- | --- | --- | ---: | ---: | --- | --- |");
    for r in rows {
        let person = match &r.page {
            Some(p) => format!("[@{}]({base}{})", esc(&r.handle), url_path(p)),
            None => format!("@{}", esc(&r.handle)),
        };
        let _ = writeln!(
            s,
            "| {person} | {} | {} | {} | {} | {} | {} | {} |",
            esc(&r.name),
            opt_date(r.last_contact),
            opt_date(r.last_gave),
            r.gave,
            r.got,
            r.cadence.as_deref().unwrap_or("-"),
            opt_date(r.next_due)
        );
    }
    out.write_all(s.as_bytes())
}

pub fn reminders(out: &mut dyn Write, rows: &[Reminder], base: &str) -> io::Result<()> {
    let mut s = String::new();
    if rows.is_empty() {
        let _ = writeln!(s, "Nothing due.");
    }
    for r in rows {
        let _ = writeln!(
            s,
            "{} · {} · {}",
            reminder_item(base, r),
            r.kind.as_str(),
            esc(&handles(&r.people))
        );
    }
    out.write_all(s.as_bytes())
}

pub fn show(
    out: &mut dyn Write,
    p: &PersonRow,
    timeline: &[TimelineRow],
    commitments: &[Commitment],
    base: &str,
) -> io::Result<()> {
    let mut s = String::new();
    let _ = writeln!(s, "# {} (@{})\n", esc(&p.name), esc(&p.handle));
    if let Some(page) = &p.page {
        let _ = writeln!(s, "- Page: [{}]({base}{})", esc(page), url_path(page));
    }
    if !p.aliases.is_empty() {
        let _ = writeln!(s, "- Aliases: {}", esc(&p.aliases.join(", ")));
    }
    if !p.circles.is_empty() {
        let _ = writeln!(s, "- Circles: {}", esc(&p.circles.join(", ")));
    }
    let _ = writeln!(
        s,
        "- Mentions {}, interactions {}, last contact {}, gave {}, got {}, last gave {}",
        p.mentions,
        p.interactions,
        opt_date(p.last_contact),
        p.gave,
        p.got,
        opt_date(p.last_gave)
    );
    if let (Some(c), Some(d)) = (&p.cadence, p.next_due) {
        let _ = write!(s, "- Cadence {c}, next due {}", iso(d));
        if let Some((t, date)) = timeline.first().and_then(|t| Some((t, t.date?))) {
            let last = LastTouch {
                date,
                text: t.text.clone(),
                file: t.file.clone(),
                line: t.line,
            };
            push_last(&mut s, base, &last);
        }
        s.push('\n');
    }
    let _ = writeln!(s, "\n## Timeline\n");
    for t in timeline {
        let kinds = if t.kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", t.kinds.join(", "))
        };
        let _ = writeln!(
            s,
            "- **{}**{kinds} {} ({})",
            opt_date(t.date),
            esc(&t.text),
            link(base, &t.file, t.line)
        );
    }
    let _ = writeln!(s, "\n## Open commitments\n");
    for c in commitments {
        push_commitment(&mut s, base, c);
    }
    out.write_all(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec8_links_are_relative_and_encoded() {
        assert_eq!(
            link("", "people/Alice Chen.md", 3),
            "[people/Alice Chen.md:3](people/Alice%20Chen.md#L3)"
        );
        assert_eq!(link("../", "a(1).md", 1), "[a(1).md:1](../a%281%29.md#L1)");
        assert_eq!(esc("a|b *c*"), "a\\|b \\*c\\*");
    }
}
