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
use unicode_normalization::UnicodeNormalization;
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
    let lower: String = s.nfc().collect::<String>().to_lowercase();
    Cow::Owned(lower.replace('\u{2019}', "'").nfc().collect())
}

/// Appends the words of `text` to `out`, space-separated.
pub fn push_words(out: &mut String, text: &str) {
    let folded = fold(text);
    for w in folded.unicode_words() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
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
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
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
    });
    re.find_iter(text).map(|m| m.range()).collect()
}

/// The words of an entry's `text` without the `hidden` byte ranges (code,
/// URLs, metadata: sorted or not, overlapping or not), then those of the
/// wikilink targets it links to (page names: the last path part, without a
/// `#heading`), each part between barriers.
pub fn entry_words(text: &str, hidden: &[Range<usize>], links: &[&str]) -> String {
    let mut cuts: Vec<Range<usize>> = hidden.to_vec();
    cuts.sort_by_key(|r| r.start);
    let mut out = String::new();
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
