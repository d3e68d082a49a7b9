//! A Logseq graph's settings (SPEC §11), read once per run from
//! `logseq/config.edn`: `:journals-directory`, `:journal/file-name-format`
//! and `:journal/page-title-format`. The file is EDN (Clojure's data
//! syntax); it is read only as far as those keys need: the top-level map's
//! keys and the string values beside them. Everything else (comments,
//! nested maps and vectors, sets, reader tags, regexes, character literals)
//! is stepped over, never an error. A missing or odd file, or a key whose
//! value is not a usable string, means Logseq's default.

use std::path::Path;

use crate::parse::settings::{folder, read_small, LogseqJournals};

/// Deeper nesting than this ends the reading (the keys read so far stand):
/// real configs nest a handful of levels.
const MAX_DEPTH: usize = 128;

/// Reads `logseq/config.edn` below `root`.
pub fn read(root: &Path) -> LogseqJournals {
    let mut out = LogseqJournals::default();
    let Some(bytes) = read_small(&root.join("logseq/config.edn")) else {
        return out;
    };
    let text = String::from_utf8_lossy(&bytes);
    for (key, value) in top_level_strings(&text) {
        apply(&mut out, &key, &value);
    }
    out
}

/// Sets the field `key` names, when `value` is usable for it.
fn apply(out: &mut LogseqJournals, key: &str, value: &str) {
    let format = || {
        let v = value.trim();
        (!v.is_empty() && !v.chars().any(char::is_control)).then(|| v.to_string())
    };
    match key {
        "journals-directory" => {
            if let Some(f) = folder(value) {
                out.journals_dir = f;
            }
        }
        "journal/file-name-format" => {
            if let Some(f) = format() {
                out.file_name_format = f;
            }
        }
        "journal/page-title-format" => {
            if let Some(f) = format() {
                out.page_title_format = f;
            }
        }
        _ => {}
    }
}

/// The `(keyword, string)` pairs of the top-level map of an EDN text, in
/// order, keywords without their `:`. Pairs whose value is no string are
/// left out; reading stops quietly at the first thing that is not EDN.
pub fn top_level_strings(text: &str) -> Vec<(String, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = Reader {
        text,
        s: text.as_bytes(),
        i: 0,
    };
    let mut out = Vec::new();
    r.skip_blank();
    if r.peek() != Some(b'{') {
        return out;
    }
    r.i += 1;
    loop {
        let (Some(key), Some(value)) = (r.form(1), r.form(1)) else {
            return out;
        };
        match (key, value) {
            (Form::End, _) | (_, Form::End) => return out,
            (Form::Keyword(k), Form::Str(v)) => out.push((k, v)),
            _ => {}
        }
    }
}

/// One EDN form, as far as the settings reader cares.
#[derive(Debug, PartialEq, Eq)]
enum Form {
    Str(String),
    Keyword(String),
    /// Anything else: a number, a symbol, a collection, a tagged value.
    Other,
    /// The closing delimiter of the collection being read.
    End,
}

struct Reader<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Skips whitespace (commas are whitespace in EDN) and `;` comments.
    fn skip_blank(&mut self) {
        while let Some(c) = self.peek() {
            if c == b';' {
                while self.peek().is_some_and(|c| c != b'\n') {
                    self.i += 1;
                }
            } else if c.is_ascii_whitespace() || c == b',' {
                self.i += 1;
            } else {
                return;
            }
        }
    }

    /// Reads the next form at nesting `depth`; `None` at the end of the
    /// text, too deep, or on anything unreadable.
    fn form(&mut self, depth: usize) -> Option<Form> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_blank();
        let c = self.peek()?;
        match c {
            b'"' => {
                self.i += 1;
                self.string().map(Form::Str)
            }
            b'(' | b'[' | b'{' => {
                self.i += 1;
                self.collection(depth)
            }
            b')' | b']' | b'}' => {
                self.i += 1;
                Some(Form::End)
            }
            b'#' => self.dispatch(depth),
            b'\\' => {
                self.character();
                Some(Form::Other)
            }
            _ => {
                let token = self.token();
                match token.strip_prefix(':') {
                    Some(k) if !k.is_empty() => Some(Form::Keyword(k.to_string())),
                    _ if token.is_empty() => None,
                    _ => Some(Form::Other),
                }
            }
        }
    }

    /// After `#`: a set `#{…}`, a discarded form `#_`, a regex `#"…"`, a
    /// reader conditional `#?(…)`, or a tag `#inst "…"` with its value.
    /// The forms a `#_` or a tag reads count one level deeper, so a run of
    /// them (`#_#_#_…`, `#t #t #t …`) meets the depth bound too.
    fn dispatch(&mut self, depth: usize) -> Option<Form> {
        self.i += 1;
        match self.peek()? {
            b'{' => {
                self.i += 1;
                self.collection(depth)
            }
            b'_' => {
                self.i += 1;
                match self.form(depth + 1)? {
                    Form::End => Some(Form::End),
                    _ => self.form(depth + 1),
                }
            }
            b'"' => {
                self.i += 1;
                self.string().map(|_| Form::Other)
            }
            _ => {
                // `#?`, `#?@`, `#inst`, `#uuid`, `#my/tag`: a tag, then
                // the value it applies to.
                self.token();
                match self.form(depth + 1)? {
                    Form::End => Some(Form::End),
                    _ => Some(Form::Other),
                }
            }
        }
    }

    /// The forms of a collection up to its closing delimiter.
    fn collection(&mut self, depth: usize) -> Option<Form> {
        loop {
            if self.form(depth + 1)? == Form::End {
                return Some(Form::Other);
            }
        }
    }

    /// A string's text after its opening `"`, escapes resolved; `None` if
    /// it never closes.
    fn string(&mut self) -> Option<String> {
        let mut out = Vec::new();
        loop {
            let c = self.peek()?;
            self.i += 1;
            match c {
                b'"' => return Some(String::from_utf8_lossy(&out).into_owned()),
                b'\\' => {
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'u' => self.unicode_escape(&mut out),
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
    }

    /// `\uXXXX` inside a string (after the `u`); a bad one is dropped.
    fn unicode_escape(&mut self, out: &mut Vec<u8>) {
        let hex = self.s.get(self.i..self.i + 4).unwrap_or_default();
        let code = std::str::from_utf8(hex)
            .ok()
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        if let Some(ch) = code {
            self.i += 4;
            let mut buf = [0; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
    }

    /// A character literal: `\a`, `\(`, `\"`, `\newline`, `\u00e9`.
    fn character(&mut self) {
        self.i += 1;
        let Some(first) = self.text.get(self.i..).and_then(|r| r.chars().next()) else {
            self.i = self.s.len().min(self.i + 1);
            return;
        };
        self.i += first.len_utf8();
        if first.is_alphanumeric() {
            while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
                self.i += 1;
            }
        }
    }

    /// A symbol, number or keyword: up to whitespace, a delimiter or `;`.
    fn token(&mut self) -> String {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c.is_ascii_whitespace() || b",;\"()[]{}".contains(&c) {
                break;
            }
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(config: &[u8]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("logseq")).unwrap();
        std::fs::write(tmp.path().join("logseq/config.edn"), config).unwrap();
        tmp
    }

    /// A config written the way Logseq writes its own: comments, nested
    /// maps and vectors, sets, keywords as values, regex-like strings.
    const REAL: &str = r#";; This is the config file for your graph.
{:meta/version 1
 ;; Preferred date format, e.g. "yyyy-MM-dd" would be "2026-11-10"
 :preferred-format "Markdown"
 :hidden []
 :default-templates {:journals ""}
 :ui/show-brackets? true
 :feature/enable-journals? true
 :journal/page-title-format "EEE, dd.MM.yyyy" ; how journal pages are named
 :journal/file-name-format "yyyy-MM-dd"
 :journals-directory "daily/"
 :pages-directory "pages"
 :shortcuts {}
 :commands []
 :favorites ["people" "projects"]
 :macros {"poem" "Rose is $1, violet's $2. Life's ordered: Org assists you."}
 :default-queries
 {:journals
  [{:title "🔨 NOW"
    :query ([:find (pull ?h [*]) :in $ ?start ?today
             :where [?h :block/marker ?marker] [(contains? #{"NOW" "DOING"} ?marker)]])
    :inputs [:-14d :today]
    :result-transform (fn [result] (sort-by (fn [h] (get h :block/priority "Z")) result))
    :collapsed? false}]}
 :query/views {:pprint (fn [r] [:pre.code (pprint r)])}
 :graph/settings {:journal? true, :orphan-pages? false}
 :char-test [\a \( \" \{ \newline]
 :file/name-format :triple-lowbar}
"#;

    #[test]
    fn spec11_logseq_config_keys_are_read_from_a_real_config() {
        let g = graph(REAL.as_bytes());
        let s = read(g.path());
        assert_eq!(s.journals_dir, "daily");
        assert_eq!(s.file_name_format, "yyyy-MM-dd");
        assert_eq!(s.page_title_format, "EEE, dd.MM.yyyy");
    }

    #[test]
    fn spec11_logseq_only_top_level_keys_count() {
        let pairs = top_level_strings(
            r#"{:a {:journals-directory "nested"} :journals-directory "top" :b [:journals-directory "in-vector"] :c #{"x" :journals-directory} :d "s\"q\\"}"#,
        );
        assert_eq!(
            pairs,
            [
                ("journals-directory".to_string(), "top".to_string()),
                ("d".to_string(), "s\"q\\".to_string()),
            ]
        );
    }

    #[test]
    fn spec11_logseq_tags_discards_and_escapes_are_stepped_over() {
        let pairs = top_level_strings(
            "{#_ :journals-directory #_\"skipped\" :x #inst \"2026-01-01\" :re #\"[a-z]+\\\"\" \
             :cond #?(:clj 1 :cljs 2) :u \"caf\\u00e9 \\t;\" :journal/file-name-format \"yyyy_MM_dd\"}",
        );
        assert_eq!(
            pairs,
            [
                ("u".to_string(), "café \t;".to_string()),
                (
                    "journal/file-name-format".to_string(),
                    "yyyy_MM_dd".to_string()
                ),
            ]
        );
    }

    #[test]
    fn spec11_logseq_missing_config_keys_are_the_defaults() {
        let g = graph(b"{:meta/version 1}");
        assert_eq!(read(g.path()), LogseqJournals::default());
        assert_eq!(read(g.path()).journals_dir, "journals");
        assert_eq!(read(g.path()).file_name_format, "yyyy_MM_dd");
        assert_eq!(read(g.path()).page_title_format, "MMM do, yyyy");
    }

    #[test]
    fn spec11_logseq_odd_configs_are_the_defaults_never_an_error() {
        let deep = "[".repeat(100_000);
        let discards = format!("{{{}", "#_".repeat(100_000));
        let tags = format!("{{{}", "#t ".repeat(100_000));
        let odd: Vec<&[u8]> = vec![
            b"",
            b"{",
            b"}",
            b"[:journals-directory \"x\"]",
            b"{:journals-directory 42 :journal/file-name-format :yyyy :journal/page-title-format nil}",
            b"{:journals-directory \"\" :journal/file-name-format \"  \" :journal/page-title-format \"\\n\"}",
            b"{:journals-directory \"../../etc\"}",
            b"{:journals-directory \"unterminated",
            b"\x00\xff\xfe{\x00:journals\x01",
            b"{\\",
            b"{#",
            b"{#_",
            deep.as_bytes(),
            discards.as_bytes(),
            tags.as_bytes(),
            b"{:a (((((]]]]]] :journals-directory}",
        ];
        for bytes in odd {
            let g = graph(bytes);
            assert_eq!(
                read(g.path()),
                LogseqJournals::default(),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn spec11_logseq_other_keys_and_a_byte_order_mark_are_stepped_over() {
        let pairs = top_level_strings(
            "\u{feff}{\"str-key\" 1, 42 [:x], nil nil :journals-directory \"days\"}",
        );
        assert_eq!(
            pairs,
            [("journals-directory".to_string(), "days".to_string())]
        );
    }

    #[test]
    fn spec11_logseq_keys_before_a_broken_tail_stand() {
        let g = graph(b"{:journal/file-name-format \"yyyy-MM-dd\" :broken [1 2");
        assert_eq!(read(g.path()).file_name_format, "yyyy-MM-dd");
    }

    #[test]
    fn spec11_logseq_huge_config_is_the_default() {
        let mut big = b"{:journals-directory \"daily\" :pad \"".to_vec();
        big.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
        big.extend(b"\"}");
        let g = graph(&big);
        assert_eq!(read(g.path()), LogseqJournals::default());
    }
}
