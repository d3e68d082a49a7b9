//! Calendar arithmetic shared by every stage: ISO dates as written in notes,
//! durations such as `30d`, `2w`, `1m`, `1y` (months are calendar months) and
//! the next occurrence of a birthday.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate};

/// Parses exactly `YYYY-MM-DD`. `None` for any other shape or for a date
/// that does not exist (`2026-02-30`).
pub fn parse_iso(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// Formats a date the one way relnotes writes dates.
pub fn iso(d: NaiveDate) -> String {
    let mut s = String::with_capacity(10);
    push_iso(&mut s, d);
    s
}

/// Appends `YYYY-MM-DD` (without going through chrono's format parser: the
/// report writes tens of thousands of dates).
pub fn push_iso(s: &mut String, d: NaiveDate) {
    use chrono::Datelike;
    let digit = |s: &mut String, v: u32| s.push(char::from_digit(v % 10, 10).unwrap_or('0'));
    match u32::try_from(d.year()) {
        Ok(y) if y <= 9999 => {
            for v in [y / 1000, y / 100, y / 10, y] {
                digit(s, v);
            }
            s.push('-');
            digit(s, d.month() / 10);
            digit(s, d.month());
            s.push('-');
            digit(s, d.day() / 10);
            digit(s, d.day());
        }
        _ => {
            use std::fmt::Write;
            let _ = write!(s, "{}", d.format("%Y-%m-%d"));
        }
    }
}

/// The unit of a [`Dur`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Unit {
    Days,
    Weeks,
    Months,
    Years,
}

/// A calendar duration as written in notes and config: `90d`, `2w`, `1m`, `1y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dur {
    pub n: u32,
    pub unit: Unit,
}

/// Why a duration did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a duration (expected a number and d, w, m or y, e.g. 30d, 2w, 6m, 1y)")]
pub struct BadDur(pub String);

impl Dur {
    pub const fn days(n: u32) -> Dur {
        Dur {
            n,
            unit: Unit::Days,
        }
    }

    /// Parses a duration; with `bare_days`, a bare number means days
    /// (`--within 7`).
    pub fn parse(s: &str, bare_days: bool) -> Result<Dur, BadDur> {
        let t = s.trim();
        let bad = || BadDur(s.to_string());
        let (digits, unit) = match t.char_indices().last() {
            Some((i, c)) if c.is_ascii_alphabetic() => {
                let unit = match c.to_ascii_lowercase() {
                    'd' => Unit::Days,
                    'w' => Unit::Weeks,
                    'm' => Unit::Months,
                    'y' => Unit::Years,
                    _ => return Err(bad()),
                };
                (&t[..i], unit)
            }
            Some(_) if bare_days => (t, Unit::Days),
            _ => return Err(bad()),
        };
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let n = digits.parse().map_err(|_| bad())?;
        Ok(Dur { n, unit })
    }

    /// `date + self`; months clamp to the end of the month (Jan 31 + 1m is
    /// Feb 28). `None` only past the end of the calendar.
    pub fn after(self, date: NaiveDate) -> Option<NaiveDate> {
        match self.unit {
            Unit::Days => date.checked_add_days(Days::new(u64::from(self.n))),
            Unit::Weeks => date.checked_add_days(Days::new(u64::from(self.n) * 7)),
            Unit::Months => date.checked_add_months(Months::new(self.n)),
            Unit::Years => date.checked_add_months(Months::new(self.n.checked_mul(12)?)),
        }
    }

    /// `date - self`, the mirror of [`Dur::after`].
    pub fn before(self, date: NaiveDate) -> Option<NaiveDate> {
        match self.unit {
            Unit::Days => date.checked_sub_days(Days::new(u64::from(self.n))),
            Unit::Weeks => date.checked_sub_days(Days::new(u64::from(self.n) * 7)),
            Unit::Months => date.checked_sub_months(Months::new(self.n)),
            Unit::Years => date.checked_sub_months(Months::new(self.n.checked_mul(12)?)),
        }
    }
}

impl FromStr for Dur {
    type Err = BadDur;
    fn from_str(s: &str) -> Result<Dur, BadDur> {
        Dur::parse(s, false)
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = match self.unit {
            Unit::Days => 'd',
            Unit::Weeks => 'w',
            Unit::Months => 'm',
            Unit::Years => 'y',
        };
        write!(f, "{}{}", self.n, u)
    }
}

/// A birthday as written on a person page: with or without the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Birthday {
    pub month: u32,
    pub day: u32,
}

impl Birthday {
    /// Reads `YYYY-MM-DD` or `MM-DD`; `02-29` is a valid birthday.
    pub fn parse(s: &str) -> Option<Birthday> {
        let s = s.trim();
        if let Some(d) = parse_iso(s) {
            return Some(Birthday {
                month: d.month(),
                day: d.day(),
            });
        }
        let b = s.as_bytes();
        if b.len() != 5 || b[2] != b'-' {
            return None;
        }
        let month: u32 = s[0..2].parse().ok()?;
        let day: u32 = s[3..5].parse().ok()?;
        // 2000 is a leap year, so 02-29 is accepted here.
        NaiveDate::from_ymd_opt(2000, month, day)?;
        Some(Birthday { month, day })
    }

    /// The day it falls on in `year`: 29 February falls on 28 February in
    /// common years.
    pub fn in_year(self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, self.month, self.day).or_else(|| {
            if self.month == 2 && self.day == 29 {
                NaiveDate::from_ymd_opt(year, 2, 28)
            } else {
                None
            }
        })
    }

    /// The next occurrence on or after `today`.
    pub fn next_on_or_after(self, today: NaiveDate) -> Option<NaiveDate> {
        let this_year = self.in_year(today.year())?;
        if this_year >= today {
            Some(this_year)
        } else {
            self.in_year(today.year() + 1)
        }
    }
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_iso(s).unwrap()
    }

    #[test]
    fn iso_is_chronos_format() {
        let mut day = NaiveDate::from_ymd_opt(-3, 12, 25).unwrap();
        for _ in 0..2000 {
            assert_eq!(iso(day), day.format("%Y-%m-%d").to_string());
            day += chrono::Duration::days(1337);
        }
    }

    #[test]
    fn spec3_impossible_date_is_no_date() {
        assert_eq!(parse_iso("2026-02-30"), None);
        assert_eq!(parse_iso("2026-13-01"), None);
        assert_eq!(parse_iso("0000-00-00"), None);
        assert_eq!(parse_iso("2026-11-2"), None);
        assert_eq!(
            parse_iso("2026-11-20"),
            NaiveDate::from_ymd_opt(2026, 11, 20)
        );
    }

    #[test]
    fn spec5_cadence_units_months_are_calendar_months() {
        assert_eq!(
            Dur::parse("1m", false).unwrap().after(d("2026-01-31")),
            Some(d("2026-02-28"))
        );
        assert_eq!(
            Dur::parse("2w", false).unwrap().after(d("2026-11-20")),
            Some(d("2026-12-04"))
        );
        assert_eq!(
            Dur::parse("1y", false).unwrap().after(d("2024-02-29")),
            Some(d("2025-02-28"))
        );
        assert_eq!(
            Dur::parse("30d", false).unwrap().after(d("2026-11-01")),
            Some(d("2026-12-01"))
        );
        assert_eq!(
            Dur::parse("1m", false).unwrap().before(d("2026-03-31")),
            Some(d("2026-02-28"))
        );
    }

    #[test]
    fn spec5_within_bare_number_is_days() {
        assert_eq!(Dur::parse("7", true), Ok(Dur::days(7)));
        assert!(Dur::parse("7", false).is_err());
        assert!(Dur::parse("soon", true).is_err());
        assert!(Dur::parse("", true).is_err());
        assert!(Dur::parse("d", true).is_err());
        assert!(Dur::parse("-3d", true).is_err());
        assert_eq!(Dur::parse("2w", true).unwrap().to_string(), "2w");
    }

    #[test]
    fn spec5_birthday_next_occurrence_and_feb_29() {
        let b = Birthday::parse("02-29").unwrap();
        assert_eq!(b.next_on_or_after(d("2026-11-23")), Some(d("2027-02-28")));
        assert_eq!(b.next_on_or_after(d("2028-01-01")), Some(d("2028-02-29")));
        let b = Birthday::parse("1985-11-25").unwrap();
        assert_eq!(b.next_on_or_after(d("2026-11-23")), Some(d("2026-11-25")));
        assert_eq!(b.next_on_or_after(d("2026-11-25")), Some(d("2026-11-25")));
        assert_eq!(b.next_on_or_after(d("2026-11-26")), Some(d("2027-11-25")));
        assert_eq!(Birthday::parse("02-30"), None);
        assert_eq!(Birthday::parse("13-01"), None);
    }
}
