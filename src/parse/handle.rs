//! What a handle is (SPEC §2 ⟨1.1⟩): letters of any script with the
//! combining marks that follow them, digits, `_`, `-`, `.`; at least one
//! letter; at most 64 code points; compared in NFC and lower case. Also the
//! script boundaries that end a handle (Han, kana, Hangul) and the slug a
//! page name becomes. Scripts come from regex's Unicode properties and marks
//! from `unicode-normalization`, never from hand-made tables.

use std::sync::OnceLock;

use regex::Regex;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// The longest handle, in code points.
pub const MAX_LEN: usize = 64;

/// The writing systems that matter to where a handle ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Written with spaces between words (Latin, Cyrillic, Devanagari, …).
    Spaced,
    /// Han, Hiragana or Katakana.
    Cjk,
    Hangul,
}

fn script_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\A(?:([\p{Han}\p{Hiragana}\p{Katakana}])|(\p{Hangul}))").expect("static regex")
    })
}

/// The script of `c` as far as handles care.
pub fn script(c: char) -> Script {
    if c.is_ascii() {
        return Script::Spaced;
    }
    let mut buf = [0u8; 4];
    match script_regex().captures(c.encode_utf8(&mut buf)) {
        Some(caps) if caps.get(1).is_some() => Script::Cjk,
        Some(_) => Script::Hangul,
        None => Script::Spaced,
    }
}

/// A character that may start a handle: a letter or a digit.
pub fn starts(c: char) -> bool {
    c.is_alphanumeric()
}

/// Whether `c` continues a handle begun in `first`'s script.
fn continues(first: Script, c: char) -> bool {
    if !(c.is_alphanumeric() || is_combining_mark(c) || matches!(c, '_' | '-' | '.')) {
        return false;
    }
    match (first, script(c)) {
        (Script::Spaced, s) => s == Script::Spaced,
        (Script::Cjk, _) => true,
        (Script::Hangul, s) => s != Script::Cjk,
    }
}

/// The end (byte offset in `text`) of the run of handle characters that
/// starts at `start`, stopping where `stop` says a byte may not be read.
pub fn run_end(text: &str, start: usize, stop: impl Fn(usize) -> bool) -> usize {
    let mut chars = text[start..].char_indices();
    let Some((_, first)) = chars.next().filter(|&(_, c)| starts(c)) else {
        return start;
    };
    let s = script(first);
    let mut end = start + first.len_utf8();
    for (i, c) in chars {
        let at = start + i;
        if !continues(s, c) || stop(at) {
            break;
        }
        end = at + c.len_utf8();
    }
    end
}

/// The canonical form of a handle as written (trailing `.`, `-`, `_`
/// already dropped): NFC, lower case; `None` when it is no handle (no
/// letter, or longer than [`MAX_LEN`]).
pub fn canonical(raw: &str) -> Option<String> {
    if !raw.chars().any(char::is_alphabetic) {
        return None;
    }
    let lower = raw.to_lowercase();
    let nfc = if lower.is_ascii() || is_nfc_quick(lower.chars()) == IsNormalized::Yes {
        lower
    } else {
        lower.nfc().collect()
    };
    (nfc.chars().count() <= MAX_LEN).then_some(nfc)
}

/// `s` in NFC, trimmed, case kept (a name as written).
pub fn nfc(s: &str) -> String {
    let t = s.trim();
    if t.is_ascii() {
        t.to_string()
    } else {
        t.nfc().collect()
    }
}

/// `s` compared as handles are: NFC, lower case (aliases, names, keys).
pub fn fold(s: &str) -> String {
    let lower = s.trim().to_lowercase();
    if lower.is_ascii() {
        lower
    } else {
        lower.nfc().collect()
    }
}

/// Whether `s` (already trimmed, without `@`) is a valid handle as a whole.
pub fn valid(s: &str) -> bool {
    let t = s.trim_end_matches(['.', '-', '_']);
    !t.is_empty()
        && t.len() == s.len()
        && run_end(s, 0, |_| false) == s.len()
        && canonical(s).is_some()
}

/// The slug of a page name (SPEC §2 ⟨1.1⟩): NFC, lower case, each run of
/// characters other than letters, combining marks, digits and `.` made one
/// `-`, and `-`, `.`, `_` trimmed from both ends.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.nfc() {
        if c.is_alphanumeric() || is_combining_mark(c) || c == '.' {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    let trimmed = out.trim_matches(['-', '.', '_']);
    if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec2_slug_rule() {
        assert_eq!(slug("Alice Chen"), "alice-chen");
        assert_eq!(slug("Dana_Scully"), "dana-scully");
        assert_eq!(slug("Conan O'Brien"), "conan-o-brien");
        assert_eq!(slug("Smith, John"), "smith-john");
        assert_eq!(slug(" .Dr. Who. "), "dr.-who");
        assert_eq!(slug("Jose\u{301}"), "josé");
        assert_eq!(slug("लक्ष्मी"), "लक्ष्मी");
    }

    #[test]
    fn spec2_handle_needs_a_letter_and_at_most_64_chars() {
        assert_eq!(canonical("12"), None);
        assert_eq!(canonical("a1").as_deref(), Some("a1"));
        assert!(canonical(&"a".repeat(64)).is_some());
        assert!(canonical(&"a".repeat(65)).is_none());
        assert_eq!(canonical("JOSE\u{301}").as_deref(), Some("josé"));
    }

    #[test]
    fn spec2_scripts_from_unicode_properties() {
        assert_eq!(script('a'), Script::Spaced);
        assert_eq!(script('ल'), Script::Spaced);
        assert_eq!(script('王'), Script::Cjk);
        assert_eq!(script('か'), Script::Cjk);
        assert_eq!(script('カ'), Script::Cjk);
        assert_eq!(script('한'), Script::Hangul);
    }

    #[test]
    fn spec2_valid_handles() {
        assert!(valid("ali"));
        assert!(valid("bob.smith"));
        assert!(!valid("bob smith"));
        assert!(!valid("42"));
        assert!(!valid("bob."));
        assert!(!valid(""));
    }
}
