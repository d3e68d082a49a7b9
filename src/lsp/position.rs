//! Positions in an open document. LSP counts a position's `character` in
//! UTF-16 code units unless client and server agree on UTF-8 bytes or
//! UTF-32 code points (`positionEncoding`); relnotes counts columns in code
//! points and works on byte offsets. A [`Text`] holds a document with its
//! line starts and converts between the three, clamping a position past the
//! end of a line or of the document to that end, and one inside a
//! character (half a surrogate pair, the middle of a UTF-8 sequence) to
//! the character's start: a client's bad position never panics.

use serde_json::{json, Value};

/// How a position's `character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    /// The name LSP gives it.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
            Encoding::Utf32 => "utf-32",
        }
    }

    /// The first encoding in the client's list (its order of preference)
    /// that relnotes speaks; UTF-16 when the client names none.
    pub fn negotiate(offered: Option<&Value>) -> Encoding {
        offered
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find_map(|v| match v.as_str() {
                Some("utf-8") => Some(Encoding::Utf8),
                Some("utf-16") => Some(Encoding::Utf16),
                Some("utf-32") => Some(Encoding::Utf32),
                _ => None,
            })
            .unwrap_or(Encoding::Utf16)
    }

    fn units(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
            Encoding::Utf32 => 1,
        }
    }
}

/// A document's text and where its lines start.
#[derive(Debug, Clone)]
pub struct Text {
    pub text: String,
    starts: Vec<usize>,
}

impl Default for Text {
    fn default() -> Text {
        Text::new(String::new())
    }
}

impl Text {
    pub fn new(text: String) -> Text {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Text { text, starts }
    }

    /// Bytes of line `line` (0-based) without its line break; empty past
    /// the end.
    pub fn line_span(&self, line: usize) -> (usize, usize) {
        let Some(&start) = self.starts.get(line) else {
            return (self.text.len(), self.text.len());
        };
        let end = self
            .starts
            .get(line + 1)
            .map_or(self.text.len(), |&next| next - 1);
        let end = if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        (start, end)
    }

    /// The text of line `line` (0-based).
    pub fn line(&self, line: usize) -> &str {
        let (s, e) = self.line_span(line);
        &self.text[s..e]
    }

    /// The byte offset of an LSP position, clamped into the document.
    pub fn offset(&self, line: u64, character: u64, enc: Encoding) -> usize {
        let Ok(line) = usize::try_from(line) else {
            return self.text.len();
        };
        if line >= self.starts.len() {
            return self.text.len();
        }
        let (start, end) = self.line_span(line);
        let mut units = 0u64;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= character {
                return start + i;
            }
            units += enc.units(c) as u64;
            if units > character {
                // Inside this character: its start.
                return start + i;
            }
        }
        end
    }

    /// The LSP position of a byte offset (clamped, and moved back to a
    /// character boundary).
    pub fn position(&self, offset: usize, enc: Encoding) -> Value {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.starts[line];
        let character: usize = self.text[start..offset].chars().map(|c| enc.units(c)).sum();
        json!({"line": line, "character": character})
    }

    /// The byte offset of a 1-based line and 1-based column counted in
    /// characters (what relnotes' facts and diagnostics hold); line 0 is the
    /// start of the document.
    pub fn offset_of_col(&self, line: u32, col: u32) -> usize {
        if line == 0 {
            return 0;
        }
        let (start, end) = self.line_span(line as usize - 1);
        self.text[start..end]
            .char_indices()
            .nth(col.saturating_sub(1) as usize)
            .map_or(end, |(i, _)| start + i)
    }

    /// An LSP range between two byte offsets.
    pub fn range(&self, from: usize, to: usize, enc: Encoding) -> Value {
        json!({"start": self.position(from, enc), "end": self.position(to, enc)})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(v: &Value) -> (u64, u64) {
        (
            v["line"].as_u64().unwrap(),
            v["character"].as_u64().unwrap(),
        )
    }

    #[test]
    fn utf16_counts_surrogate_pairs_and_combining_marks() {
        // 👋 is two UTF-16 units, four bytes; é here is e + U+0301.
        let t = Text::new("👋 @bob e\u{301}@ana\nnext".to_string());
        let at_bob = t.text.find("@bob").unwrap();
        assert_eq!(pos(&t.position(at_bob, Encoding::Utf16)), (0, 3));
        assert_eq!(pos(&t.position(at_bob, Encoding::Utf8)), (0, 5));
        assert_eq!(pos(&t.position(at_bob, Encoding::Utf32)), (0, 2));
        let at_ana = t.text.find("@ana").unwrap();
        assert_eq!(pos(&t.position(at_ana, Encoding::Utf16)), (0, 10));
        assert_eq!(t.offset(0, 10, Encoding::Utf16), at_ana);
        assert_eq!(t.offset(0, 3, Encoding::Utf16), at_bob);
        // Half a surrogate pair: the emoji's start.
        assert_eq!(t.offset(0, 1, Encoding::Utf16), 0);
    }

    #[test]
    fn positions_past_the_end_are_clamped() {
        let t = Text::new("ab\r\ncd".to_string());
        assert_eq!(t.offset(0, 99, Encoding::Utf16), 2);
        assert_eq!(t.offset(7, 0, Encoding::Utf16), 6);
        assert_eq!(t.offset(u64::MAX, u64::MAX, Encoding::Utf8), 6);
        assert_eq!(pos(&t.position(99, Encoding::Utf16)), (1, 2));
        assert_eq!(t.line(0), "ab");
        assert_eq!(t.offset_of_col(2, 9), 6);
        assert_eq!(t.offset_of_col(2, 2), 5);
        let empty = Text::default();
        assert_eq!(pos(&empty.position(3, Encoding::Utf16)), (0, 0));
        assert_eq!(empty.offset(2, 2, Encoding::Utf16), 0);
    }

    #[test]
    fn negotiation_takes_the_clients_first_known_encoding() {
        let v = json!(["utf-32", "utf-8"]);
        assert_eq!(Encoding::negotiate(Some(&v)), Encoding::Utf32);
        assert_eq!(Encoding::negotiate(Some(&json!(["x"]))), Encoding::Utf16);
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }
}
