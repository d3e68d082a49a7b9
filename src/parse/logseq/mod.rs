//! Logseq's conventions in a note's text (SPEC §11): `key:: value`
//! properties, task markers (`TODO`, `DONE`, …) with `[#A]` priorities,
//! `SCHEDULED:`/`DEADLINE:` lines, namespaced page file names
//! (`people___Grace Hopper.md`, `%2F`) and journal title formats in
//! date-fns tokens. The generic extraction calls these; they hold no state.
//!
//! The graph's own settings (`logseq/config.edn`) are read in `settings`;
//! a newcomer adding another app makes a room like this one beside it.

pub mod settings;

use std::borrow::Cow;

use chrono::NaiveDate;
use unicode_normalization::char::is_combining_mark;

use super::dateformat::{Format, Token};
use crate::model::Task;

/// Compiles a Logseq (date-fns) date format.
pub fn format(fmt: &str) -> Format {
    let table = [
        ("yyyy", Token::Year4),
        ("yy", Token::Year2),
        ("MMMM", Token::MonthLong),
        ("MMM", Token::MonthShort),
        ("MM", Token::Month2),
        ("M", Token::Month1),
        ("do", Token::DayOrdinal),
        ("dd", Token::Day2),
        ("d", Token::Day1),
        ("EEEE", Token::Weekday),
        ("EEE", Token::Weekday),
        ("E", Token::Weekday),
    ];
    Format::compile(fmt, &table, ('\'', '\''))
}

/// Logseq's default journal page title format.
pub const DEFAULT_TITLE_FORMAT: &str = "MMM do, yyyy";

/// A page's name from its file stem: `%XX` escapes decoded, and `___` or a
/// decoded `%2F` read as the namespace separator `/`.
pub fn page_name(stem: &str) -> Cow<'_, str> {
    if !stem.contains('%') && !stem.contains("___") {
        return Cow::Borrowed(stem);
    }
    Cow::Owned(percent_decode(&stem.replace("___", "/")))
}

/// `%XX` escapes decoded; a bad escape or bad UTF-8 leaves the text as is.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(v) if b[i] == b'%' => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// A `key:: value` property line (after indentation and an optional list
/// marker): the key as written and the value, trimmed.
pub fn property(line: &str) -> Option<(&str, &str)> {
    let t = line.trim_start();
    let t = t.strip_prefix("- ").unwrap_or(t).trim_start();
    let (key, value) = t.split_once("::")?;
    let key_ok = key.chars().next().is_some_and(|c| c.is_alphanumeric())
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || is_combining_mark(c) || "-_/".contains(c));
    let value_ok = value.is_empty() || value.starts_with([' ', '\t']);
    (key_ok && value_ok).then(|| (key, value.trim()))
}

/// The markers of SPEC §4, as written there (upper case).
const MARKERS: [(&str, Task); 10] = [
    ("TODO", Task::Open),
    ("LATER", Task::Open),
    ("NOW", Task::Open),
    ("DOING", Task::Open),
    ("IN-PROGRESS", Task::Open),
    ("WAITING", Task::Waiting),
    ("WAIT", Task::Waiting),
    ("DONE", Task::Done),
    ("CANCELED", Task::Cancelled),
    ("CANCELLED", Task::Cancelled),
];

/// A task marker at the start of `text` (a list item's text), followed by a
/// space or the end, then an optional `[#A]` priority: the state and how
/// many bytes of `text` the marker and priority take.
pub fn marker(text: &str) -> Option<(Task, usize)> {
    let lead = text.len() - text.trim_start().len();
    let t = &text[lead..];
    let (word, task) = MARKERS.iter().find(|(m, _)| {
        t.strip_prefix(m)
            .is_some_and(|r| r.is_empty() || r.starts_with(char::is_whitespace))
    })?;
    let mut used = lead + word.len();
    let after = &text[used..];
    let ws = after.len() - after.trim_start().len();
    if let Some(p) = priority(&after[ws..]) {
        used += ws + p;
    }
    Some((*task, used))
}

/// A priority `[#A]` at the start of `s` followed by a space or the end:
/// its length.
pub fn priority(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let ok = b.len() >= 4
        && b.starts_with(b"[#")
        && b[2].is_ascii_alphabetic()
        && b[3] == b']'
        && b.get(4).is_none_or(|c| c.is_ascii_whitespace());
    ok.then_some(4)
}

/// What a `SCHEDULED:` or `DEADLINE:` line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planning {
    pub deadline: bool,
    /// The date, or the text that is no possible date.
    pub date: Result<NaiveDate, String>,
}

/// A `SCHEDULED: <2026-11-25 Wed>` or `DEADLINE: <…>` line.
pub fn planning(line: &str) -> Option<Planning> {
    let t = line.trim();
    let (deadline, rest) = match t.strip_prefix("SCHEDULED:") {
        Some(r) => (false, r),
        None => (true, t.strip_prefix("DEADLINE:")?),
    };
    let inner = rest.trim_start().strip_prefix('<')?;
    let day = inner.get(..10)?;
    let date = crate::dates::parse_iso(day).ok_or_else(|| day.to_string());
    Some(Planning { deadline, date })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec11_logseq_page_names() {
        assert_eq!(page_name("people___Grace Hopper"), "people/Grace Hopper");
        assert_eq!(page_name("people%2FKen Thompson"), "people/Ken Thompson");
        assert_eq!(page_name("Caf%C3%A9"), "Café");
        assert_eq!(page_name("100%"), "100%");
        assert_eq!(page_name("plain"), "plain");
    }

    #[test]
    fn spec11_logseq_properties() {
        assert_eq!(property("alias:: Dima"), Some(("alias", "Dima")));
        assert_eq!(property("- type:: person"), Some(("type", "person")));
        assert_eq!(property("  Tags:: a, b"), Some(("Tags", "a, b")));
        assert_eq!(property("empty::"), Some(("empty", "")));
        assert_eq!(property("see https://x.y::z"), None);
        assert_eq!(property("a::b"), None);
        assert_eq!(property("::x"), None);
    }

    #[test]
    fn spec11_logseq_task_markers() {
        assert_eq!(marker("TODO call"), Some((Task::Open, 4)));
        assert_eq!(marker("LATER [#A] call"), Some((Task::Open, 10)));
        assert_eq!(marker("WAIT"), Some((Task::Waiting, 4)));
        assert_eq!(marker("WAITING on x"), Some((Task::Waiting, 7)));
        assert_eq!(marker("IN-PROGRESS x"), Some((Task::Open, 11)));
        assert_eq!(marker("DONE x"), Some((Task::Done, 4)));
        assert_eq!(marker("CANCELLED x"), Some((Task::Cancelled, 9)));
        assert_eq!(marker("Later that day"), None);
        assert_eq!(marker("TODOS"), None);
        assert_eq!(marker("NOW [#a]"), Some((Task::Open, 8)));
    }

    #[test]
    fn spec11_logseq_planning_lines() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(
            planning("  SCHEDULED: <2026-11-25 Wed>"),
            Some(Planning {
                deadline: false,
                date: Ok(d)
            })
        );
        assert_eq!(
            planning("DEADLINE: <2026-11-25 Wed 10:00 .+1w>"),
            Some(Planning {
                deadline: true,
                date: Ok(d)
            })
        );
        assert_eq!(planning("SCHEDULED: soon"), None);
    }

    #[test]
    fn spec11_logseq_title_format() {
        let f = format(DEFAULT_TITLE_FORMAT);
        assert_eq!(
            f.parse("Nov 10th, 2026"),
            NaiveDate::from_ymd_opt(2026, 11, 10)
        );
        let f = format("yyyy_MM_dd");
        assert_eq!(f.parse("2026_11_10"), NaiveDate::from_ymd_opt(2026, 11, 10));
        let f = format("EEE, dd.MM.yyyy");
        assert_eq!(
            f.parse("Tue, 10.11.2026"),
            NaiveDate::from_ymd_opt(2026, 11, 10)
        );
    }
}
