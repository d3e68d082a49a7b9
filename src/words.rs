//! Words as `who` compares them (SPEC §12): the text in Unicode NFC, split
//! on Unicode word boundaries (UAX #29, so `Rust's` and `Rusty` are words
//! of their own, never `rust`), each word in lower case. An entry's words
//! are kept as one string, words joined by spaces, with a barrier token
//! ([`BARRIER`]) wherever text that is never matched (code, URLs, task
//! metadata) was cut out, so a phrase cannot match across it. The parser
//! makes these strings for the entries `who` can use ([`SearchEntry`]),
//! the index keeps them in its full-text table, and a plain scan reads
//! them directly: both answer from the same words.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

use chrono::NaiveDate;
use regex::Regex;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
use unicode_segmentation::UnicodeSegmentation;

use crate::model::Mention;

/// Stands where unmatched text was cut out. Never a word: a word holds a
/// letter or digit.
pub const BARRIER: &str = "|";

/// What `who` needs of one entry that mentions someone or stands on a
/// person page: made at parse time, before pruning, and not kept in the
/// note's stored facts (the full-text index keeps it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchEntry {
    pub line: u32,
    /// The date it counts from (SPEC §12: a done task by its done date).
    pub date: Option<NaiveDate>,
    /// The displayed text, as shown in the evidence.
    pub text: String,
    /// Its words and barriers, space-separated ([`entry_words`]).
    pub words: String,
    /// Its tags and their parents (`a/b` also gives `a`), space-separated.
    pub tags: String,
    pub mentions: Vec<Mention>,
}

/// What `who` needs of one note: its entries, and for a person page the
/// words and tags of its front matter values `org`, `circles`, `tags` and
/// `topics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Searchable {
    pub entries: Vec<SearchEntry>,
    pub page: Option<(String, String)>,
}

/// `s` in NFC and lower case, with the typographic apostrophe (U+2019)
/// read as `'` (so `Rust’s` and `Rust's` are one word).
pub fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(s.to_ascii_lowercase());
        }
        return Cow::Borrowed(s);
    }
    let lower = nfc(s).to_lowercase();
    let lower = if lower.contains('\u{2019}') {
        lower.replace('\u{2019}', "'")
    } else {
        lower
    };
    Cow::Owned(nfc(&lower).into_owned())
}

/// `s` in NFC, not copied when the quick check says it already is.
fn nfc(s: &str) -> Cow<'_, str> {
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfc().collect())
    }
}

/// Appends the words of `text` to `out`, space-separated.
///
/// The last space of a run followed by an ASCII character is a sure
/// break: no rule of UAX #29 joins across it (WB3d joins spaces only to
/// spaces, WB4 attaches marks and format characters only to what precedes
/// them), NFC composes nothing with it, and lower case (the final sigma)
/// looks no further than it. So non-ASCII text is read in the pieces
/// between such spaces, the ASCII ones (most of them) by a byte scan.
pub fn push_words(out: &mut String, text: &str) {
    if text.is_ascii() {
        push_ascii_words(out, text.as_bytes());
        return;
    }
    let b = text.as_bytes();
    let mut from = 0;
    for i in 0..b.len() {
        if b[i] == b' ' && b.get(i + 1).is_none_or(|&c| c.is_ascii() && c != b' ') {
            push_piece(out, &text[from..i]);
            from = i + 1;
        }
    }
    push_piece(out, &text[from..]);
}

/// The words of a piece of text between sure breaks.
fn push_piece(out: &mut String, piece: &str) {
    if piece.is_ascii() {
        push_ascii_words(out, piece.as_bytes());
        return;
    }
    let folded = fold(piece);
    for w in folded.unicode_words() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
}

/// A byte that a UAX #29 word is made of in ASCII: ALetter, Numeric or
/// ExtendNumLet (`_`); WB5, WB8–WB10, WB13a and WB13b join any two.
fn ascii_core(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `mid` joins `prev` and `next` inside a word: MidLetter (`:`)
/// and MidNumLetQ (`.`, `'`) between letters (WB6, WB7); MidNum (`,`,
/// `;`) and MidNumLetQ between digits (WB11, WB12).
fn ascii_infix(prev: u8, mid: u8, next: u8) -> bool {
    match mid {
        b'.' | b'\'' => {
            (prev.is_ascii_alphabetic() && next.is_ascii_alphabetic())
                || (prev.is_ascii_digit() && next.is_ascii_digit())
        }
        b':' => prev.is_ascii_alphabetic() && next.is_ascii_alphabetic(),
        b',' | b';' => prev.is_ascii_digit() && next.is_ascii_digit(),
        _ => false,
    }
}

/// [`push_words`] for ASCII text, which is its own NFC: UAX #29 by a byte
/// scan (the rules that can apply to ASCII; every other byte is a break,
/// WB999), each word lower-cased as it is appended. Only words holding a
/// letter or digit are kept, as `unicode_words` keeps them.
fn push_ascii_words(out: &mut String, b: &[u8]) {
    let mut i = 0;
    while i < b.len() {
        if !ascii_core(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < b.len() {
            if ascii_core(b[i]) {
                i += 1;
            } else if i + 1 < b.len() && ascii_infix(b[i - 1], b[i], b[i + 1]) {
                i += 2;
            } else {
                break;
            }
        }
        let word = &b[start..i];
        if word.iter().any(u8::is_ascii_alphanumeric) {
            if !out.is_empty() {
                out.push(' ');
            }
            let at = out.len();
            // ASCII bytes are chars: the slice is valid UTF-8.
            out.push_str(std::str::from_utf8(word).unwrap_or_default());
            out[at..].make_ascii_lowercase();
        }
    }
}

/// The words of `text`, in order.
pub fn words(text: &str) -> Vec<String> {
    fold(text).unicode_words().map(str::to_string).collect()
}

/// Appends a barrier, unless `out` is empty or already ends with one.
fn barrier(out: &mut String) {
    if !out.is_empty() && !out.ends_with(BARRIER) {
        out.push(' ');
        out.push_str(BARRIER);
    }
}

/// Byte ranges of task metadata in a task's text (SPEC §5, §12): `due:`,
/// `done:`, the Tasks plugin's fields with their values and priorities,
/// Logseq priorities and `SCHEDULED:`/`DEADLINE:`; never matched.
pub fn task_metadata(text: &str) -> Vec<Range<usize>> {
    if text.is_ascii() {
        return ascii_task_metadata(text.as_bytes());
    }
    metadata_regex()
        .find_iter(text)
        .map(|m| m.range())
        .collect()
}

/// Task metadata as a pattern: what [`task_metadata`] finds.
fn metadata_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?x)
            \b(?:due|done):\S*
          | [📅⏳🛫✅❌➕]\x{FE0F}?\s*\d{4}-\d{2}-\d{2}
          | 🔁\x{FE0F}?[^📅⏳🛫✅❌➕⏫🔼🔽🔺⏬]*
          | [⏫🔼🔽🔺⏬]\x{FE0F}?
          | \[\#[A-C]\]
          | \b(?:SCHEDULED|DEADLINE):\s*<[^>]*>?
            ",
        )
        .expect("static regex")
    })
}

/// [`task_metadata`] for ASCII text, where only `due:`/`done:`, `[#A]`
/// and the planning keywords can match (the rest are emoji): the same
/// leftmost-first matches, by a byte scan. `\w`, `\s` and `\S` of ASCII
/// are `[0-9A-Za-z_]`, `[\t-\r ]` and the rest.
fn ascii_task_metadata(b: &[u8]) -> Vec<Range<usize>> {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let space = |c: u8| matches!(c, b'\t'..=b'\r' | b' ');
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let boundary = i == 0 || !word(b[i - 1]);
        let key = [&b"due:"[..], b"done:", b"SCHEDULED:", b"DEADLINE:"]
            .into_iter()
            .find(|k| boundary && rest.starts_with(k));
        let end = match key {
            Some(k) if k[0] == b'd' => {
                let at = i + k.len();
                Some(at + b[at..].iter().take_while(|&&c| !space(c)).count())
            }
            Some(k) => {
                let at = i + k.len();
                let at = at + b[at..].iter().take_while(|&&c| space(c)).count();
                (b.get(at) == Some(&b'<')).then(|| {
                    b[at..]
                        .iter()
                        .position(|&c| c == b'>')
                        .map_or(b.len(), |n| at + n + 1)
                })
            }
            None => (rest.len() >= 4
                && rest.starts_with(b"[#")
                && matches!(rest[2], b'A'..=b'C')
                && rest[3] == b']')
                .then_some(i + 4),
        };
        match end {
            Some(e) => {
                out.push(i..e);
                i = e;
            }
            None => i += 1,
        }
    }
    out
}

/// The words of an entry's `text` without the `hidden` byte ranges (code,
/// URLs, metadata: sorted or not, overlapping or not), then those of the
/// wikilink targets it links to (page names: the last path part, without a
/// `#heading`), each part between barriers.
pub fn entry_words(text: &str, hidden: &[Range<usize>], links: &[&str]) -> String {
    let mut cuts: Vec<Range<usize>> = hidden.to_vec();
    cuts.sort_by_key(|r| r.start);
    let named: usize = links.iter().map(|l| l.len() + 3).sum();
    let mut out = String::with_capacity(text.len() + named + 4);
    let mut pos = 0;
    for r in cuts {
        if r.end <= pos {
            continue;
        }
        if let Some(seg) = text.get(pos..r.start.max(pos)) {
            push_words(&mut out, seg);
        }
        barrier(&mut out);
        pos = r.end;
    }
    if let Some(seg) = text.get(pos..) {
        push_words(&mut out, seg);
    }
    for link in links {
        let page = link.split('#').next().unwrap_or(link);
        let name = page.rsplit('/').next().unwrap_or(page);
        barrier(&mut out);
        push_words(&mut out, name);
    }
    out
}

/// Tag tokens: each tag NFC and lower case, with its parents (`a/b/c`
/// gives `a`, `a/b` and `a/b/c`), space-separated, unique.
pub fn tag_tokens<'t>(tags: impl IntoIterator<Item = &'t str>) -> String {
    let mut all: Vec<String> = Vec::new();
    for t in tags {
        let t = fold(t.trim().trim_start_matches('#'));
        let t = t.trim_matches('/');
        if t.is_empty() {
            continue;
        }
        for (i, _) in t.match_indices('/') {
            all.push(t[..i].to_string());
        }
        all.push(t.to_string());
    }
    all.sort();
    all.dedup();
    all.join(" ")
}

/// The words and tags of a person page's front matter values (SPEC §12):
/// `org`, `circles`, `tags` and `topics`, every string and every string in
/// a list, each read as text (between barriers). `values` yields
/// `(key, value)`.
pub fn page_words<'v>(values: impl IntoIterator<Item = (&'v str, &'v str)>) -> (String, String) {
    let mut words = String::new();
    let mut tags: Vec<&str> = Vec::new();
    for (key, value) in values {
        barrier(&mut words);
        push_words(&mut words, value);
        if key == "tags" {
            tags.extend(
                value
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|t| !t.is_empty()),
            );
        }
    }
    if words == BARRIER {
        words.clear();
    }
    (words, tag_tokens(tags))
}

/// The front matter keys whose values a person page is found by.
pub const PAGE_KEYS: [&str; 4] = ["org", "circles", "tags", "topics"];

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> Vec<String> {
        words(text)
    }

    #[test]
    fn spec12_words_are_uax29_words_in_lower_case() {
        assert_eq!(
            w("Rust's Rusty trust rust."),
            ["rust's", "rusty", "trust", "rust"]
        );
        assert_eq!(w("node.js, e-mail & C++"), ["node.js", "e", "mail", "c"]);
        assert_eq!(w("Rust’s"), ["rust's"]);
        assert_eq!(w("3.14 and 1,000"), ["3.14", "and", "1,000"]);
    }

    /// The words of `text` by the general UAX #29 segmenter (never the
    /// ASCII path), folded: what [`push_ascii_words`] must agree with.
    fn by_unicode(text: &str) -> String {
        let folded = fold(text);
        let words: Vec<&str> = folded
            .split_word_bounds()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .collect();
        words.join(" ")
    }

    fn by_ascii(text: &str) -> String {
        let mut out = String::new();
        push_ascii_words(&mut out, text.as_bytes());
        out
    }

    #[test]
    fn spec12_ascii_words_match_the_unicode_segmenter() {
        for text in [
            "Rust's Rusty trust rust.",
            "node.js, e-mail & C++",
            "3.14 and 1,000",
            "a:b a.1 1.a 1'2 1;2 a;b a,b _ __a a_ _1_ a_.b 1_,2",
            "e.g. http://x.y Don't 'quoted' ..a.. 1..2 a::b",
            "\r\n\t\x0b\x0c  a\x7fb \"x\"",
        ] {
            assert_eq!(by_ascii(text), by_unicode(text), "{text:?}");
        }
        let alphabet = [
            "a", "Z", "k", "0", "9", ".", "_", "'", ":", ",", ";", "-", " ", "1", "A", "\t", "\"",
            "/", "@", "#",
        ];
        for text in crate::testgen::strings(&alphabet, 20_000) {
            assert_eq!(by_ascii(&text), by_unicode(&text), "{text:?}");
        }
    }

    #[test]
    fn spec12_words_of_mixed_text_match_the_whole_text_read_at_once() {
        let alphabet = [
            "a",
            "Z",
            "1",
            ".",
            "'",
            ":",
            ",",
            " ",
            " ",
            "_",
            "é",
            "e\u{301}",
            "Σ",
            "İ",
            "\u{2019}",
            "한",
            "\u{1100}\u{1161}",
            "\u{200d}",
            "👍",
            "\u{345}",
            "ß",
            "ﬀ",
            "Å",
            "\u{301}",
            "王",
        ];
        for text in crate::testgen::strings(&alphabet, 20_000) {
            let mut out = String::new();
            push_words(&mut out, &text);
            assert_eq!(out, by_unicode(&text), "{text:?}");
        }
    }

    #[test]
    fn spec12_ascii_task_metadata_matches_the_pattern() {
        let alphabet = [
            "due:",
            "done:",
            "d",
            "x",
            "_",
            "1",
            " ",
            " ",
            "\t",
            "\n",
            "[#",
            "A",
            "C",
            "D",
            "]",
            "SCHEDULED:",
            "DEADLINE:",
            "<",
            ">",
            ":",
            "-",
        ];
        for text in crate::testgen::strings(&alphabet, 20_000) {
            let slow: Vec<Range<usize>> = metadata_regex()
                .find_iter(&text)
                .map(|m| m.range())
                .collect();
            assert_eq!(task_metadata(&text), slow, "{text:?}");
        }
    }

    #[test]
    fn spec12_fold_is_nfc_of_the_lower_case_of_nfc() {
        for s in [
            "José",
            "Jose\u{301}",
            "ÉMILE Rust\u{2019}s",
            "İstanbul",
            "Ǆ ﬀ Å Ω K",
            "e\u{301}\u{2019}",
            "한국어 한",
            "ΣΑΣ",
        ] {
            let lower: String = s.nfc().collect::<String>().to_lowercase();
            let slow: String = lower.replace('\u{2019}', "'").nfc().collect();
            assert_eq!(fold(s), slow, "{s:?}");
        }
    }

    #[test]
    fn spec12_words_in_nfc_with_diacritics() {
        // A decomposed José is the composed one; Jose is another word.
        assert_eq!(w("Jose\u{301}"), w("José"));
        assert_ne!(w("José"), w("Jose"));
        assert_eq!(w("ÉMILE"), ["émile"]);
    }

    #[test]
    fn spec12_hidden_text_is_cut_out_with_a_barrier() {
        let text = "use `rust` daily";
        let code = Range { start: 4, end: 10 };
        let words = entry_words(text, &[code], &[]);
        assert_eq!(words, "use | daily");
        assert_eq!(
            entry_words("a b", &[], &["Berlin Office#Rooms", "x/Rust"]),
            "a b | berlin office | rust"
        );
        assert_eq!(entry_words("`x` y", &[0..3, 1..2], &[]), "y");
    }

    #[test]
    fn spec12_task_metadata_is_found() {
        let t = "send deck due:2026-11-25 📅 2026-11-21 ✅2026-11-22 ⏫ [#A] done:x";
        let cut: Vec<&str> = task_metadata(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(
            cut,
            [
                "due:2026-11-25",
                "📅 2026-11-21",
                "✅2026-11-22",
                "⏫",
                "[#A]",
                "done:x"
            ]
        );
        assert_eq!(entry_words(t, &task_metadata(t), &[]), "send deck |");
    }

    #[test]
    fn spec12_tags_with_parents() {
        assert_eq!(tag_tokens(["Lang/Rust", "#go"]), "go lang lang/rust");
        assert_eq!(tag_tokens(["", "/"]), "");
    }

    #[test]
    fn spec12_page_values_are_text_between_barriers() {
        let (words, tags) = page_words([("org", "Mozilla Corp"), ("tags", "rust, #wasm")]);
        assert_eq!(words, "mozilla corp | rust wasm");
        assert_eq!(tags, "rust wasm");
    }
}
