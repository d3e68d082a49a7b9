//! Date formats of the apps' journal pages (SPEC §11): a format is compiled
//! once into tokens, then matched against a whole file name or link text.
//! Obsidian writes its formats in moment.js tokens (`YYYY-MM-DD`, `Do`),
//! Logseq in date-fns tokens (`MMM do, yyyy`); both compile to the same
//! [`Token`]s here, so the matcher is one.

use chrono::NaiveDate;

/// One piece of a date format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Year4,
    /// Two digits, read as 20YY.
    Year2,
    /// Month number, exactly two digits.
    Month2,
    /// Month number, one or two digits.
    Month1,
    /// `Jan` … `Dec`.
    MonthShort,
    /// `January` … `December`.
    MonthLong,
    Day2,
    Day1,
    /// `1st`, `2nd`, `10th`.
    DayOrdinal,
    /// A weekday name, short or long: any run of letters.
    Weekday,
    Literal(String),
}

/// A compiled date format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format(pub Vec<Token>);

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

impl Format {
    /// Compiles `fmt` with `table`: (token text, token), longest first;
    /// `quote` opens and closes literal text (`[` `]` in moment, `'` in
    /// date-fns). Anything else is literal.
    pub fn compile(fmt: &str, table: &[(&str, Token)], quote: (char, char)) -> Format {
        let mut out: Vec<Token> = Vec::new();
        let mut rest = fmt;
        while let Some(c) = rest.chars().next() {
            if c == quote.0 {
                let body = &rest[c.len_utf8()..];
                let end = body.find(quote.1).unwrap_or(body.len());
                push_literal(&mut out, &body[..end]);
                rest = body.get(end + quote.1.len_utf8()..).unwrap_or("");
            } else if let Some((t, tok)) = table.iter().find(|(t, _)| rest.starts_with(t)) {
                out.push(tok.clone());
                rest = &rest[t.len()..];
            } else {
                push_literal(&mut out, &rest[..c.len_utf8()]);
                rest = &rest[c.len_utf8()..];
            }
        }
        Format(out)
    }

    /// The date `s` names when all of it matches the format.
    pub fn parse(&self, s: &str) -> Option<NaiveDate> {
        let (mut y, mut m, mut d) = (None, None, None);
        let mut rest = s;
        for tok in &self.0 {
            let (n, used) = match tok {
                Token::Literal(l) => {
                    let head = rest.get(..l.len())?;
                    (head.eq_ignore_ascii_case(l).then_some(0)?, l.len())
                }
                Token::Weekday => {
                    let n = rest
                        .find(|c: char| !c.is_alphabetic())
                        .unwrap_or(rest.len());
                    (0, Some(n).filter(|&n| n > 0)?)
                }
                Token::MonthShort | Token::MonthLong => month_name(rest, tok == &Token::MonthLong)?,
                Token::DayOrdinal => {
                    let (n, used) = digits(rest, 1, 2)?;
                    let suffix = rest.get(used..used + 2)?;
                    if !["st", "nd", "rd", "th"].contains(&suffix.to_ascii_lowercase().as_str()) {
                        return None;
                    }
                    (n, used + 2)
                }
                Token::Year4 => digits(rest, 4, 4)?,
                Token::Year2 => digits(rest, 2, 2).map(|(n, u)| (n + 2000, u))?,
                Token::Month2 | Token::Day2 => digits(rest, 2, 2)?,
                Token::Month1 | Token::Day1 => digits(rest, 1, 2)?,
            };
            match tok {
                Token::Year4 | Token::Year2 => y = Some(n),
                Token::Month2 | Token::Month1 | Token::MonthShort | Token::MonthLong => m = Some(n),
                Token::Day2 | Token::Day1 | Token::DayOrdinal => d = Some(n),
                _ => {}
            }
            rest = &rest[used..];
        }
        if !rest.is_empty() {
            return None;
        }
        NaiveDate::from_ymd_opt(i32::try_from(y?).ok()?, m?, d?)
    }
}

fn push_literal(out: &mut Vec<Token>, s: &str) {
    if let Some(Token::Literal(l)) = out.last_mut() {
        l.push_str(s);
    } else if !s.is_empty() {
        out.push(Token::Literal(s.to_string()));
    }
}

/// `min..=max` ASCII digits at the start of `s`: value and length.
fn digits(s: &str, min: usize, max: usize) -> Option<(u32, usize)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    Some((s[..n].parse().ok()?, n))
}

/// A month name at the start of `s` (three letters, or the full name).
fn month_name(s: &str, long: bool) -> Option<(u32, usize)> {
    MONTHS.iter().zip(1..).find_map(|(name, n)| {
        let want = if long { name } else { &name[..3] };
        let head = s.get(..want.len())?;
        head.eq_ignore_ascii_case(want).then_some((n, want.len()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(tokens: Vec<Token>) -> Format {
        Format(tokens)
    }

    #[test]
    fn spec11_date_format_matcher() {
        let f = fmt(vec![
            Token::MonthShort,
            Token::Literal(" ".into()),
            Token::DayOrdinal,
            Token::Literal(", ".into()),
            Token::Year4,
        ]);
        assert_eq!(
            f.parse("Nov 10th, 2026"),
            NaiveDate::from_ymd_opt(2026, 11, 10)
        );
        assert_eq!(
            f.parse("nov 1st, 2026"),
            NaiveDate::from_ymd_opt(2026, 11, 1)
        );
        assert_eq!(f.parse("Nov 10th, 2026 x"), None);
        assert_eq!(f.parse("Nov 31st, 2026"), None);
        assert_eq!(f.parse("Nox 10th, 2026"), None);
        let w = fmt(vec![
            Token::Weekday,
            Token::Literal(" ".into()),
            Token::Year4,
        ]);
        assert_eq!(w.parse("€ 2026"), None);
        assert_eq!(w.parse(""), None);
    }
}
