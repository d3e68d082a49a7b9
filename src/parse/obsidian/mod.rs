//! Obsidian's conventions in a note's text and path (SPEC §11): daily-note
//! file names in moment.js tokens, `%% comments %%` and callout markers
//! `> [!note] Title`. The generic extraction calls these; they hold no
//! state.
//!
//! The app's own settings files are read in `settings`; a newcomer adding
//! another app (Bear, Foam) makes a room like this one beside it.

pub mod settings;

use chrono::NaiveDate;

use super::dateformat::{Format, Token};
use super::settings::DailyNotes;

/// Compiles a moment.js date format.
pub fn format(fmt: &str) -> Format {
    let table = [
        ("YYYY", Token::Year4),
        ("YY", Token::Year2),
        ("MMMM", Token::MonthLong),
        ("MMM", Token::MonthShort),
        ("MM", Token::Month2),
        ("M", Token::Month1),
        ("Do", Token::DayOrdinal),
        ("DD", Token::Day2),
        ("D", Token::Day1),
        ("dddd", Token::Weekday),
        ("ddd", Token::Weekday),
    ];
    Format::compile(fmt, &table, ('[', ']'))
}

/// The day a daily note at `rel` (relative, `/`-separated) is for, when it
/// lies in the daily-notes folder and its path there matches the format.
pub fn daily_date(rel: &str, daily: &DailyNotes, fmt: &Format) -> Option<NaiveDate> {
    let folder = daily.folder.trim_matches('/');
    let inside = if folder.is_empty() {
        rel
    } else {
        rel.strip_prefix(folder)?.strip_prefix('/')?
    };
    let stem = inside
        .strip_suffix(".md")
        .or_else(|| inside.strip_suffix(".markdown"))?;
    fmt.parse(stem)
}

/// The byte length of a callout marker `[!type]` (with `+`/`-`, and the
/// spaces after it) at the start of a block quote's text.
pub fn callout_marker(text: &str) -> Option<usize> {
    let body = text.strip_prefix("[!")?;
    let close = body.find(']')?;
    let kind = &body[..close];
    if kind.is_empty()
        || !kind
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    let mut used = 2 + close + 1;
    if text[used..].starts_with(['+', '-']) {
        used += 1;
    }
    let after = &text[used..];
    Some(used + (after.len() - after.trim_start_matches([' ', '\t']).len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn spec11_obsidian_daily_note_formats() {
        let daily = |folder: &str| DailyNotes {
            folder: folder.into(),
            format: String::new(),
        };
        let f = format("DD.MM.YYYY");
        assert_eq!(
            daily_date("Daily/20.11.2026.md", &daily("Daily"), &f),
            day(2026, 11, 20)
        );
        assert_eq!(daily_date("Other/20.11.2026.md", &daily("Daily"), &f), None);
        let f = format("YYYY/MM/dddd, MMMM Do YYYY");
        assert_eq!(
            daily_date("j/2026/11/Friday, November 20th 2026.md", &daily("j"), &f),
            day(2026, 11, 20)
        );
        let f = format("[Day] YYYY-MM-DD");
        assert_eq!(
            daily_date("Day 2026-11-20.md", &daily(""), &f),
            day(2026, 11, 20)
        );
        let f = format("YY-M-D");
        assert_eq!(daily_date("26-1-5.md", &daily(""), &f), day(2026, 1, 5));
    }

    #[test]
    fn spec11_obsidian_callout_marker() {
        assert_eq!(callout_marker("[!note] Title"), Some(8));
        assert_eq!(callout_marker("[!tip]- x"), Some(8));
        assert_eq!(callout_marker("[!info]"), Some(7));
        assert_eq!(callout_marker("[link] x"), None);
        assert_eq!(callout_marker("[!] x"), None);
    }
}
