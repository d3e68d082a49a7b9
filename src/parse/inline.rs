//! Scanners over an entry's displayed text: mentions, tags, the leading date,
//! dates inside headings, and task fields (`due:`, `📅`, `✅`, `done:`).
//!
//! The text comes with a sorted list of *opaque* byte ranges (code spans,
//! autolinks, URLs, wikilink labels) where no mention or tag may start, and
//! the offsets of characters that were backslash-escaped in the source.

use std::ops::Range;
use std::sync::OnceLock;

use chrono::NaiveDate;
use regex::Regex;

use super::handle;
use crate::dates::{parse_iso, Dur};

/// The displayed text of one entry and what may not be scanned in it.
pub struct Scan<'a> {
    pub text: &'a str,
    pub opaque: &'a [Range<usize>],
    pub escaped: &'a [usize],
}

impl Scan<'_> {
    fn is_opaque(&self, pos: usize) -> bool {
        // `opaque` is sorted by start and non-overlapping.
        let i = self.opaque.partition_point(|r| r.end <= pos);
        self.opaque.get(i).is_some_and(|r| r.start <= pos)
    }

    fn is_escaped(&self, pos: usize) -> bool {
        self.escaped.binary_search(&pos).is_ok()
    }

    /// The character before byte `pos`, if any.
    fn prev_char(&self, pos: usize) -> Option<char> {
        self.text[..pos].chars().next_back()
    }

    /// Reads a run of characters starting at `start` while `ok` holds and the
    /// text is not opaque; returns the end offset.
    fn run(&self, start: usize, ok: impl Fn(char) -> bool) -> usize {
        let mut end = start;
        for (i, c) in self.text[start..].char_indices() {
            let at = start + i;
            if !ok(c) || self.is_opaque(at) {
                break;
            }
            end = at + c.len_utf8();
        }
        end
    }

    /// Mentions as `(byte range from '@' to the handle's end, canonical
    /// handle)`, in text order (SPEC §2): see [`handle`] for what a handle
    /// is.
    pub fn mentions(&self) -> Vec<(Range<usize>, String)> {
        let mut out = Vec::new();
        for (at, _) in self.text.match_indices('@') {
            if self.is_opaque(at) || self.is_escaped(at) || !self.may_start(at) {
                continue;
            }
            if let Some((end, h)) = self.handle_at(at + 1) {
                out.push((at..end, h));
            }
        }
        out
    }

    /// Whether an `@` at `at` may start a mention by what precedes it: not
    /// a letter, digit or one of `` ._-/+:` ``, except that Han, kana and
    /// Hangul may directly precede one (`和@erin开会`).
    fn may_start(&self, at: usize) -> bool {
        match self.prev_char(at) {
            None => true,
            Some(p) if p.is_alphanumeric() => handle::script(p) != handle::Script::Spaced,
            Some(p) => !"._-/+:`".contains(p) && !unicode_normalization::char::is_combining_mark(p),
        }
    }

    /// The canonical handle starting at `start` (just after `@`), if the
    /// text there is a mention.
    fn handle_at(&self, start: usize) -> Option<(usize, String)> {
        if self.is_opaque(start) {
            return None;
        }
        let end = handle::run_end(self.text, start, |i| self.is_opaque(i));
        let rest = &self.text[end..];
        if rest.starts_with(['/', '(']) || rest.starts_with("://") {
            return None;
        }
        let raw = self.text[start..end].trim_end_matches(['.', '-', '_']);
        handle::canonical(raw).map(|h| (start + raw.len(), h))
    }

    /// Tags, lower-case, without `#` (SPEC §4): letters, digits, `_`, `-`,
    /// `/`, not all digits, not preceded by a letter or digit.
    pub fn tags(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (at, _) in self.text.match_indices('#') {
            if self.is_opaque(at) || self.is_escaped(at) {
                continue;
            }
            if self.prev_char(at).is_some_and(char::is_alphanumeric) {
                continue;
            }
            let start = at + 1;
            let end = self.run(start, |c| c.is_alphanumeric() || "_-/".contains(c));
            let tag = self.text[start..end].trim_end_matches('/');
            if !tag.is_empty() && !tag.chars().all(|c| c.is_ascii_digit()) {
                out.push(tag.to_lowercase());
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// What the start of an entry says about its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leading {
    None,
    Date(NaiveDate),
    /// Shaped like a date but impossible (`2026-02-30`): byte offset and text.
    Impossible(usize, String),
}

fn date_shape(b: &[u8]) -> bool {
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

fn time_shape(b: &[u8]) -> bool {
    b.len() >= 6
        && (b[0] == b' ' || b[0] == b'T')
        && b[1..3].iter().all(u8::is_ascii_digit)
        && b[3] == b':'
        && b[4..6].iter().all(u8::is_ascii_digit)
}

fn ends_date(rest: &str) -> bool {
    match rest.chars().next() {
        None => true,
        Some(c) => c.is_whitespace() || ":,.-–—".contains(c),
    }
}

/// A leading `YYYY-MM-DD`, optionally with ` HH:MM`, the whole optionally in
/// `[ ]`, followed by the end, `:`, `,`, `.`, `-`, `–`, `—` or whitespace
/// (SPEC §3 rule 1).
pub fn leading_date(text: &str) -> Leading {
    // DEL is what blanks data before text on its line (`parse::mask`).
    let t = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{7f}');
    let off = text.len() - t.len();
    let (bracket, body, body_off) = match t.strip_prefix('[') {
        Some(b) => (true, b, off + 1),
        None => (false, t, off),
    };
    let bytes = body.as_bytes();
    if !date_shape(bytes) {
        return Leading::None;
    }
    // The first ten bytes are ASCII, so these slices are on char boundaries.
    let after_date = &body[10..];
    let mut candidates = Vec::with_capacity(2);
    if time_shape(after_date.as_bytes()) {
        candidates.push(&after_date[6..]);
    }
    candidates.push(after_date);
    let ok = candidates.into_iter().any(|rest| {
        if bracket {
            rest.strip_prefix(']').is_some_and(ends_date)
        } else {
            ends_date(rest)
        }
    });
    if !ok {
        return Leading::None;
    }
    match parse_iso(&body[..10]) {
        Some(d) => Leading::Date(d),
        None => Leading::Impossible(body_off, body[..10].to_string()),
    }
}

/// Every `YYYY-MM-DD` in `text` not glued to other digits, with its byte
/// offset; `None` marks an impossible date.
pub fn dates_anywhere(text: &str) -> Vec<(usize, &str, Option<NaiveDate>)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 10 <= b.len() {
        if date_shape(&b[i..])
            && (i == 0 || !b[i - 1].is_ascii_digit())
            && b.get(i + 10).is_none_or(|c| !c.is_ascii_digit())
        {
            let s = &text[i..i + 10];
            out.push((i, s, parse_iso(s)));
            i += 10;
        } else {
            i += 1;
        }
    }
    out
}

/// A due or done field found in a task's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Due(NaiveDate),
    DueRelative(Dur),
    Done(NaiveDate),
    /// `⏳ date`: a due date when the task has no other.
    Scheduled(NaiveDate),
    /// `❌ date`: the task was cancelled.
    Cancelled(NaiveDate),
    /// A field whose date is impossible: byte offset and the text.
    Bad(usize, String),
}

fn field_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?x)
            (?:^|\s) due: (?P<due>\d{4}-\d{2}-\d{2}) (?:$|[\s,.;)])
          | (?:^|\s) due:\+ (?P<rel>\d+[dwmy]) (?:$|[\s,.;)])
          | 📅\x{FE0F}?\s* (?P<cal>\d{4}-\d{2}-\d{2})
          | ✅\x{FE0F}?\s* (?P<check>\d{4}-\d{2}-\d{2})
          | ⏳\x{FE0F}?\s* (?P<sched>\d{4}-\d{2}-\d{2})
          | ❌\x{FE0F}?\s* (?P<cancel>\d{4}-\d{2}-\d{2})
          | (?:^|\s) done: (?P<done>\d{4}-\d{2}-\d{2}) (?:$|[\s,.;)])
            ",
        )
        .expect("static regex")
    })
}

/// Task fields in `scan.text`, skipping opaque ranges.
pub fn task_fields(scan: &Scan<'_>) -> Vec<Field> {
    let mut out = Vec::new();
    for caps in field_regex().captures_iter(scan.text) {
        let Some((name, m)) = ["due", "rel", "cal", "check", "done", "sched", "cancel"]
            .iter()
            .find_map(|n| caps.name(n).map(|m| (*n, m)))
        else {
            continue;
        };
        if scan.is_opaque(m.start()) {
            continue;
        }
        let field = if name == "rel" {
            match Dur::parse(m.as_str(), false) {
                Ok(d) => Field::DueRelative(d),
                Err(_) => Field::Bad(m.start(), m.as_str().to_string()),
            }
        } else {
            match parse_iso(m.as_str()) {
                Some(d) if name == "check" || name == "done" => Field::Done(d),
                Some(d) if name == "sched" => Field::Scheduled(d),
                Some(d) if name == "cancel" => Field::Cancelled(d),
                Some(d) => Field::Due(d),
                None => Field::Bad(m.start(), m.as_str().to_string()),
            }
        };
        out.push(field);
    }
    out
}

/// Byte ranges of URLs (`scheme://…`, `www.…`, `mailto:…`) in `text`,
/// where no mention or tag may start, sorted by start (at one start, in
/// that order). A hand scanner that looks at each byte once: this runs on
/// every entry, and a regex with word boundaries was the parser's hot spot.
pub fn url_ranges(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let stop = |i: usize| {
        b[i..]
            .iter()
            .position(|&c| c.is_ascii_whitespace() || c == b'<' || c == b'>')
            .map_or(b.len(), |n| i + n)
    };
    let word_before = |i: usize| i > 0 && b[i - 1].is_ascii_alphanumeric();
    // Most entries hold no URL: two vectorised searches say so.
    if !b.contains(&b':') && !text.contains("www.") {
        return Vec::new();
    }
    // `(start, kind, end)`: kind orders the URLs that start at one byte.
    let mut found: Vec<(usize, u8, usize)> = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b':' => {
                if b[i..].starts_with(b"://") {
                    if let Some(start) = scheme_start(b, i) {
                        found.push((start, 0, stop(i)));
                    }
                }
                let at = i.wrapping_sub(6);
                if i >= 6 && &b[at..=i] == b"mailto:" && !word_before(at) && i + 1 < b.len() {
                    found.push((at, 2, stop(at)));
                }
            }
            b'w' if b[i..].starts_with(b"www.") && !word_before(i) && i + 4 < b.len() => {
                found.push((i, 1, stop(i)));
            }
            _ => {}
        }
    }
    found.sort_unstable();
    found.into_iter().map(|(s, _, e)| s..e).collect()
}

/// Where the scheme of the `://` at `at` starts: back over letters,
/// digits and `+.-`, then on to the first letter; none when empty.
fn scheme_start(b: &[u8], at: usize) -> Option<usize> {
    let mut start = at;
    while start > 0 && (b[start - 1].is_ascii_alphanumeric() || b"+.-".contains(&b[start - 1])) {
        start -= 1;
    }
    while start < at && !b[start].is_ascii_alphabetic() {
        start += 1;
    }
    (start < at).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mentions(text: &str) -> Vec<String> {
        let opaque = url_ranges(text);
        Scan {
            text,
            opaque: &opaque,
            escaped: &[],
        }
        .mentions()
        .into_iter()
        .map(|(_, h)| h)
        .collect()
    }

    fn tags(text: &str) -> Vec<String> {
        let opaque = url_ranges(text);
        Scan {
            text,
            opaque: &opaque,
            escaped: &[],
        }
        .tags()
    }

    fn d(s: &str) -> NaiveDate {
        parse_iso(s).unwrap()
    }

    /// The substring-search scanner `url_ranges` replaced: the reference.
    fn url_ranges_by_search(text: &str) -> Vec<Range<usize>> {
        let b = text.as_bytes();
        let stop = |i: usize| {
            b[i..]
                .iter()
                .position(|&c| c.is_ascii_whitespace() || c == b'<' || c == b'>')
                .map_or(b.len(), |n| i + n)
        };
        let word_before = |i: usize| i > 0 && b[i - 1].is_ascii_alphanumeric();
        let mut out: Vec<Range<usize>> = Vec::new();
        for (at, _) in text.match_indices("://") {
            if let Some(start) = scheme_start(b, at) {
                out.push(start..stop(at));
            }
        }
        for pat in ["www.", "mailto:"] {
            for (at, _) in text.match_indices(pat) {
                if !word_before(at) && at + pat.len() < b.len() {
                    out.push(at..stop(at));
                }
            }
        }
        out.sort_by_key(|r| r.start);
        out
    }

    #[test]
    fn spec2_url_ranges_match_the_substring_search() {
        let pieces = [
            "://", "www.", "w", "mailto:", "http", "x", "1", "+", ".", "-", " ", "<", ">", "é",
            ":", "/", "@",
        ];
        for text in crate::testgen::strings(&pieces, 20_000) {
            assert_eq!(url_ranges(&text), url_ranges_by_search(&text), "{text:?}");
        }
    }

    #[test]
    fn spec2_mention_handle_chars_and_trailing_punctuation() {
        assert_eq!(mentions("Thanks @alice."), ["alice"]);
        assert_eq!(
            mentions("@Bob_Smith- and @carol.d, @dan_"),
            ["bob_smith", "carol.d", "dan"]
        );
        assert_eq!(mentions("(@x) [@y] \"@zoë\""), ["x", "y", "zoë"]);
        assert_eq!(mentions("@Émile @李雷 @42"), ["émile", "李雷"]);
        assert_eq!(mentions("@_x @-y @ z @"), Vec::<String>::new());
    }

    #[test]
    fn spec2_mention_not_after_letter_digit_or_punct() {
        assert!(mentions("bob@example.com user@host").is_empty());
        assert!(mentions("https://x.com/@bob").is_empty());
        assert!(mentions("a.@b a_@b a-@b a/@b a+@b a:@b a`@b 1@b").is_empty());
        assert_eq!(mentions("@@bob"), ["bob"]);
    }

    #[test]
    fn spec2_mention_not_in_url_or_escaped() {
        assert!(mentions("see www.x.com/@bob and mailto:x@y").is_empty());
        let text = "@bob and @alice";
        let scan = Scan {
            text,
            opaque: &[],
            escaped: &[0],
        };
        assert_eq!(scan.mentions(), vec![(9..15, "alice".to_string())]);
        let opaque = [Range { start: 9, end: 15 }];
        let scan = Scan {
            text,
            opaque: &opaque,
            escaped: &[],
        };
        assert_eq!(scan.mentions(), vec![(0..4, "bob".to_string())]);
    }

    #[test]
    fn spec4_tags() {
        assert_eq!(
            tags("#Gave #intro/work #2026 #a1 x#no #under_score-x"),
            ["a1", "gave", "intro/work", "under_score-x"]
        );
        assert!(tags("https://x.com/#frag C# #").is_empty());
        assert_eq!(tags("(#helped)"), ["helped"]);
        assert_eq!(tags("#helped/"), ["helped"]);
    }

    #[test]
    fn spec3_rule1_leading_date_forms() {
        assert_eq!(
            leading_date("2026-11-20 lunch"),
            Leading::Date(d("2026-11-20"))
        );
        assert_eq!(
            leading_date("2026-11-20: lunch"),
            Leading::Date(d("2026-11-20"))
        );
        assert_eq!(leading_date("2026-11-20"), Leading::Date(d("2026-11-20")));
        assert_eq!(
            leading_date("2026-11-20 09:00 lunch"),
            Leading::Date(d("2026-11-20"))
        );
        assert_eq!(
            leading_date("2026-11-20T09:00 lunch"),
            Leading::Date(d("2026-11-20"))
        );
        assert_eq!(
            leading_date("[2026-11-20 09:00] lunch"),
            Leading::Date(d("2026-11-20"))
        );
        assert_eq!(
            leading_date("[2026-11-20] lunch"),
            Leading::Date(d("2026-11-20"))
        );
        assert_eq!(
            leading_date("2026-11-20 — lunch"),
            Leading::Date(d("2026-11-20"))
        );
        assert_eq!(
            leading_date("2026-11-20–lunch"),
            Leading::Date(d("2026-11-20"))
        );
        assert_eq!(
            leading_date("2026-11-20, lunch"),
            Leading::Date(d("2026-11-20"))
        );
        assert_eq!(
            leading_date("  2026-11-20. lunch"),
            Leading::Date(d("2026-11-20"))
        );
        assert_eq!(
            leading_date("2026-11-20 10:30am"),
            Leading::Date(d("2026-11-20"))
        );
    }

    #[test]
    fn spec3_rule1_not_a_leading_date() {
        assert_eq!(leading_date("lunch 2026-11-20"), Leading::None);
        assert_eq!(leading_date("2026-11-20x"), Leading::None);
        assert_eq!(leading_date("2026-11-201"), Leading::None);
        assert_eq!(leading_date("[2026-11-20 lunch"), Leading::None);
        assert_eq!(leading_date("2026/11/20 lunch"), Leading::None);
        assert_eq!(leading_date(""), Leading::None);
        assert_eq!(
            leading_date("2026-02-30 x"),
            Leading::Impossible(0, "2026-02-30".into())
        );
    }

    #[test]
    fn spec3_rule2_dates_anywhere_in_heading() {
        let found = dates_anywhere("Week of 2026-11-16 and 2026-02-30 and 12026-11-16");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].2, Some(d("2026-11-16")));
        assert_eq!(found[1].2, None);
    }

    #[test]
    fn spec5_due_fields() {
        let scan = |t: &'static str| {
            task_fields(&Scan {
                text: t,
                opaque: &[],
                escaped: &[],
            })
        };
        assert_eq!(
            scan("send due:2026-11-25"),
            vec![Field::Due(d("2026-11-25"))]
        );
        assert_eq!(
            scan("send 📅 2026-11-21"),
            vec![Field::Due(d("2026-11-21"))]
        );
        assert_eq!(scan("send due:+3d"), vec![Field::DueRelative(Dur::days(3))]);
        assert_eq!(scan("x ✅ 2026-11-19"), vec![Field::Done(d("2026-11-19"))]);
        assert_eq!(
            scan("x done:2026-11-10"),
            vec![Field::Done(d("2026-11-10"))]
        );
        assert_eq!(
            scan("x due:2026-02-30"),
            vec![Field::Bad(6, "2026-02-30".into())]
        );
        assert!(scan("overdue:2026-11-10 xdue:+3d").is_empty());
        assert_eq!(
            scan("x ⏳ 2026-11-20 ❌2026-11-21"),
            vec![
                Field::Scheduled(d("2026-11-20")),
                Field::Cancelled(d("2026-11-21"))
            ]
        );
    }
}
