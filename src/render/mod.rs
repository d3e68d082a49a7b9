//! Rows → bytes. One module per format: aligned text for people, Markdown
//! that renders on a git host, JSON for scripts (SPEC §7 shapes), and ICS.
//! Nothing here computes an answer; it only lays out what `query` found.

pub mod ics;
pub mod json;
pub mod markdown;
pub mod text;
pub mod who;

use std::borrow::Cow;

/// The output formats relnotes writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Md,
    Json,
    Ics,
}

impl Format {
    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Md => "md",
            Format::Json => "json",
            Format::Ics => "ics",
        }
    }
}

/// Terminal styling: ANSI colour, or nothing.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint<'a>(self, code: &str, s: &'a str) -> Cow<'a, str> {
        if self.color {
            Cow::Owned(format!("\x1b[{code}m{s}\x1b[0m"))
        } else {
            Cow::Borrowed(s)
        }
    }
    pub fn bold<'a>(self, s: &'a str) -> Cow<'a, str> {
        self.paint("1", s)
    }
    pub fn red<'a>(self, s: &'a str) -> Cow<'a, str> {
        self.paint("31", s)
    }
    pub fn yellow<'a>(self, s: &'a str) -> Cow<'a, str> {
        self.paint("33", s)
    }
    pub fn dim<'a>(self, s: &'a str) -> Cow<'a, str> {
        self.paint("2", s)
    }
    pub fn cyan<'a>(self, s: &'a str) -> Cow<'a, str> {
        self.paint("36", s)
    }
}

/// Control characters from notes never reach a terminal raw.
pub fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().any(char::is_control) {
        Cow::Owned(
            s.chars()
                .map(|c| if c.is_control() { '\u{fffd}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

/// `Some(date)` as `YYYY-MM-DD`, `None` as `-`.
pub fn opt_date(d: Option<chrono::NaiveDate>) -> String {
    d.map_or_else(|| "-".to_string(), crate::dates::iso)
}

/// "3d overdue", "due today", "in 4d".
pub fn overdue_text(days: i64) -> String {
    match days {
        0 => "due today".to_string(),
        d if d > 0 => format!("{d}d overdue"),
        d => format!("in {}d", -d),
    }
}

/// `1 time`, `2 times`: a count with the right form of its noun.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// How many columns `s` takes in a terminal (emoji and CJK take two).
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// `@a, @b`
pub fn handles(people: &[String]) -> String {
    people
        .iter()
        .map(|h| format!("@{h}"))
        .collect::<Vec<_>>()
        .join(", ")
}
