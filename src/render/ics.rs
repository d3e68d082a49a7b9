//! Reminders and birthdays as an iCalendar file (RFC 5545): all-day events,
//! stable UIDs, `DTSTAMP` from today, CRLF lines folded at 75 octets, so a
//! calendar app that subscribes to it sees the same events until the notes
//! (or the day) change. Each event has a display alarm at the config's
//! `alarm` time on its day; a keep-in-touch event's description carries the
//! last interaction. A calendar with no reminders holds a UTC `VTIMEZONE`,
//! because RFC 5545 wants at least one component and calendar apps show
//! nothing for it.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::query::{Answers, ReminderKind};

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line at 75 octets (on char boundaries) and ends it
/// with CRLF.
fn fold(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// A short stable hash (FNV-1a) for UIDs.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A display alarm `minutes` after the start of the event's day: for an
/// all-day event that is local time on that day (RFC 5545 §3.8.6.3).
fn alarm(s: &mut String, minutes: u32, text: &str) {
    fold(s, "BEGIN:VALARM");
    fold(s, "ACTION:DISPLAY");
    fold(s, &format!("DESCRIPTION:{}", escape(text)));
    let (h, m) = (minutes / 60, minutes % 60);
    let trigger = match (h, m) {
        (0, 0) => "PT0S".to_string(),
        (h, 0) => format!("PT{h}H"),
        (0, m) => format!("PT{m}M"),
        (h, m) => format!("PT{h}H{m}M"),
    };
    fold(s, &format!("TRIGGER;RELATED=START:{trigger}"));
    fold(s, "END:VALARM");
}

/// The component an empty calendar still needs (RFC 5545 §3.6: one or
/// more): UTC as a time zone, which no app shows as an entry.
fn empty_component(s: &mut String) {
    for line in [
        "BEGIN:VTIMEZONE",
        "TZID:UTC",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0000",
        "TZOFFSETTO:+0000",
        "TZNAME:UTC",
        "END:STANDARD",
        "END:VTIMEZONE",
    ] {
        fold(s, line);
    }
}

pub fn export(out: &mut dyn Write, a: &Answers<'_>) -> io::Result<()> {
    let mut s = String::new();
    fold(&mut s, "BEGIN:VCALENDAR");
    fold(&mut s, "VERSION:2.0");
    fold(&mut s, "PRODID:-//relnotes//relnotes//EN");
    fold(&mut s, "CALSCALE:GREGORIAN");
    let stamp = format!("{}T000000Z", a.today.format("%Y%m%d"));
    let mut events = 0;
    for r in a.reminders() {
        let key = format!(
            "{}|{}|{}|{}",
            r.kind.as_str(),
            r.people.join(","),
            r.file.as_deref().unwrap_or(""),
            r.line.unwrap_or(0)
        );
        let leap_day = r.kind == ReminderKind::Birthday
            && r.people
                .first()
                .and_then(|h| a.person(h))
                .and_then(|p| p.birthday.as_deref())
                .is_some_and(|b| b.ends_with("02-29"));
        let (start, rrule) = match r.kind {
            // 29 February recurs on the last day of February: the 28th in
            // common years, the 29th in leap years.
            ReminderKind::Birthday if leap_day => {
                (r.due, Some("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1"))
            }
            // A birthday recurs; anchor it on its next occurrence.
            ReminderKind::Birthday => (r.due, Some("RRULE:FREQ=YEARLY")),
            _ => (r.due, None),
        };
        let end = start.succ_opt().unwrap_or(start);
        fold(&mut s, "BEGIN:VEVENT");
        fold(
            &mut s,
            &format!("UID:{:016x}-{}@relnotes", fnv(&key), r.kind.as_str()),
        );
        fold(&mut s, &format!("DTSTAMP:{stamp}"));
        fold(
            &mut s,
            &format!("DTSTART;VALUE=DATE:{}", start.format("%Y%m%d")),
        );
        fold(
            &mut s,
            &format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")),
        );
        if let Some(rule) = rrule {
            fold(&mut s, rule);
        }
        fold(&mut s, &format!("SUMMARY:{}", escape(&r.text)));
        let mut desc = format!(
            "{} with {}",
            r.kind.as_str(),
            crate::render::handles(&r.people)
        );
        if let (Some(f), Some(l)) = (&r.file, r.line) {
            let _ = write!(desc, " ({f}:{l})");
        }
        if let Some(t) = r.last.as_ref().and_then(crate::query::LastFields::touch) {
            let _ = write!(
                desc,
                "\nlast: {} — {} ({}:{})",
                crate::dates::iso(t.date),
                t.text,
                t.file,
                t.line
            );
        }
        fold(&mut s, &format!("DESCRIPTION:{}", escape(&desc)));
        fold(&mut s, &format!("CATEGORIES:{}", r.kind.as_str()));
        if let Some(minutes) = a.cfg.alarm {
            alarm(&mut s, minutes, &r.text);
        }
        fold(&mut s, "END:VEVENT");
        events += 1;
    }
    if events == 0 {
        empty_component(&mut s);
    }
    fold(&mut s, "END:VCALENDAR");
    out.write_all(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec7_ics_lines_fold_at_75_octets() {
        let mut s = String::new();
        fold(&mut s, &"x".repeat(160));
        for line in s.split("\r\n") {
            assert!(line.len() <= 75, "{}", line.len());
        }
        assert_eq!(escape("a,b;c\\d"), "a\\,b\\;c\\\\d");
    }
}
