//! What of a note's body is data, not text (SPEC §2, §11): Obsidian
//! `%% comments %%`, Logseq macros `{{…}}`, `key:: value` properties,
//! `SCHEDULED:`/`DEADLINE:` lines, `:LOGBOOK:` drawers and callout markers
//! `[!note]`. One pass over the lines blanks them with [`FILLER`] (so every
//! byte offset, line and column stays where it was) before Markdown is
//! read, and keeps what they say: the page's properties, the planning
//! lines of tasks, the callout title lines. A note with none of them is not
//! copied.

use std::borrow::Cow;

use super::logseq::{self, Planning};
use super::obsidian;

/// What blanks data: an inert ASCII character (DEL) that Markdown reads as
/// text, dropped from the shown text.
pub const FILLER: char = '\u{7f}';

/// A `key:: value` page property: key lower-cased, value, 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub key: String,
    pub value: String,
    pub line: u32,
}

/// A note's body with its data blanked out, and that data.
#[derive(Debug, Default)]
pub struct Masked<'a> {
    pub text: Cow<'a, str>,
    /// The page's properties (top lines or first block), in order.
    pub page: Vec<Property>,
    /// `SCHEDULED:`/`DEADLINE:` lines by the line of the list item (or
    /// line) they belong to.
    pub planning: Vec<(u32, Planning)>,
    /// Lines holding a callout's title: the title is an entry of its own.
    pub callout_titles: Vec<u32>,
}

/// Whether `src` may hold anything to mask: most notes do not. One pass
/// (the regex crate's multi-literal search), not one per pattern.
fn may_hold(src: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"::|%%|\{\{|\[!|SCHEDULED:|DEADLINE:|:LOGBOOK:").expect("static regex")
    })
    .is_match(src)
}

/// Where the page's properties are looked for.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Top {
    /// Before the first non-blank line.
    Start,
    /// In top-level property lines.
    Lines,
    /// In a first block whose lines are all properties so far.
    Block,
    Done,
}

/// The pass over the lines.
struct Masker {
    bytes: Vec<u8>,
    out: Masked<'static>,
    /// Code, HTML and math ranges (sorted, from Markdown as written).
    code: Vec<std::ops::Range<usize>>,
    /// `%% … %%` comments, outside code, paired in order (an unpaired
    /// last `%%` is text).
    comments: Vec<std::ops::Range<usize>>,
    drawer: bool,
    top: Top,
    /// The page properties of a first block, kept only if it is all
    /// properties.
    block_props: Vec<Property>,
    /// The line of the last list item (or text line) seen: planning lines
    /// belong to it.
    owner: u32,
}

/// Masks `src[base..]`; `first_line` is the 1-based line of `base`.
pub fn mask(src: &str, base: usize, first_line: u32) -> Masked<'_> {
    let body = &src[base..];
    if !may_hold(body) {
        return Masked {
            text: Cow::Borrowed(src),
            ..Masked::default()
        };
    }
    let mut m = Masker {
        bytes: src.as_bytes().to_vec(),
        out: Masked::default(),
        code: code_ranges(src, base),
        comments: Vec::new(),
        drawer: false,
        top: Top::Start,
        block_props: Vec::new(),
        owner: first_line,
    };
    let opens: Vec<usize> = body
        .match_indices("%%")
        .map(|(i, _)| base + i)
        .filter(|&i| !m.in_code(i))
        .collect();
    m.comments = opens.chunks_exact(2).map(|p| p[0]..p[1] + 2).collect();
    let mut at = base;
    for (i, line) in body.split_inclusive('\n').enumerate() {
        let n = first_line + u32::try_from(i).unwrap_or(u32::MAX - first_line);
        m.line(line.trim_end_matches(['\n', '\r']), at, n);
        at += line.len();
    }
    if m.top == Top::Block {
        m.out.page = std::mem::take(&mut m.block_props);
    }
    let Masker { bytes, out, .. } = m;
    Masked {
        text: Cow::Owned(String::from_utf8(bytes).unwrap_or_else(|_| src.to_string())),
        page: out.page,
        planning: out.planning,
        callout_titles: out.callout_titles,
    }
}

/// The length of a line's indentation, quote markers and list marker.
fn container_prefix(line: &str) -> usize {
    let b = line.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'>') {
            i += 1;
        }
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let marker = match b.get(i + digits) {
            Some(b'.' | b')') if digits > 0 => digits + 1,
            Some(b'-' | b'*' | b'+') if digits == 0 => 1,
            _ => return i,
        };
        if !matches!(b.get(i + marker), Some(b' ' | b'\t')) {
            return i;
        }
        i += marker;
    }
}

/// Code spans and blocks, HTML and math in `src[base..]`, as absolute
/// byte ranges sorted by start: masking never reaches into them.
fn code_ranges(src: &str, base: usize) -> Vec<std::ops::Range<usize>> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut out = Vec::new();
    let mut open = None;
    for (ev, r) in Parser::new_ext(&src[base..], super::markdown_options()).into_offset_iter() {
        let r = r.start + base..r.end + base;
        match ev {
            Event::Code(_)
            | Event::InlineMath(_)
            | Event::DisplayMath(_)
            | Event::InlineHtml(_)
            | Event::Html(_) => out.push(r),
            Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock) => open = Some(r.start),
            Event::End(TagEnd::CodeBlock | TagEnd::HtmlBlock) => {
                out.push(open.take().unwrap_or(r.start)..r.end);
            }
            _ => {}
        }
    }
    out.sort_by_key(|r| r.start);
    out
}

impl Masker {
    /// Blanks `from..to` with [`FILLER`], never inside code: the lines
    /// keep their structure (no line becomes blank and ends a paragraph,
    /// no text is indented into a code block).
    fn blank(&mut self, from: usize, to: usize) {
        for i in from..to {
            // Never into code: a comment does not cut a code span.
            if !self.in_code(i) {
                self.bytes[i] = FILLER as u8;
            }
        }
    }

    /// One line (without its line break) at byte `at`, line number `n`.
    fn line(&mut self, line: &str, at: usize, n: u32) {
        self.comments(line, at);
        let first = line.len() - line.trim_start().len();
        if self.in_code(at + first) {
            return;
        }
        if self.drawer {
            self.drawer = line.trim() != ":END:";
            self.blank(at + first, at + line.len());
            return;
        }
        let shown = String::from_utf8_lossy(&self.bytes[at..at + line.len()]).into_owned();
        self.data_line(&shown, at, n);
    }

    /// Whether byte `at` is inside code, HTML or math as Markdown reads
    /// the note: nothing there is masked.
    fn in_code(&self, at: usize) -> bool {
        let i = self.code.partition_point(|r| r.end <= at);
        self.code.get(i).is_some_and(|r| r.start <= at)
    }

    /// Blanks the parts of `%% comments %%` on this line (a comment may
    /// span lines).
    fn comments(&mut self, line: &str, at: usize) {
        let end = at + line.len();
        let i = self.comments.partition_point(|r| r.end <= at);
        // A comment's later lines keep their quote and list markers: the
        // note's structure stays as it was written.
        let from = at + container_prefix(line);
        let hits: Vec<_> = self.comments[i..]
            .iter()
            .take_while(|r| r.start < end)
            .map(|r| r.start.max(from)..r.end.min(end))
            .filter(|r| r.start < r.end)
            .collect();
        for r in hits {
            self.blank(r.start, r.end);
        }
    }

    /// Drawers, planning lines, properties, macros and callout markers.
    fn data_line(&mut self, line: &str, at: usize, n: u32) {
        let trimmed = line.trim();
        self.track_top(line, n);
        let first = line.len() - line.trim_start().len();
        if trimmed == ":LOGBOOK:" {
            self.drawer = true;
            self.blank(at + first, at + line.len());
        } else if let Some(p) = logseq::planning(trimmed) {
            self.out.planning.push((self.owner, p));
            self.blank(at + first, at + line.len());
        } else if logseq::property(line).is_some() {
            let t = line.trim_start();
            let key = t.strip_prefix("- ").unwrap_or(t).trim_start();
            self.blank(at + line.len() - key.len(), at + line.len());
        } else {
            let item = trimmed.starts_with(['-', '*', '+']);
            if item || (!trimmed.is_empty() && !line.starts_with([' ', '\t'])) {
                self.owner = n;
            }
            self.macros(line, at);
            self.callout(line, at, n);
        }
    }

    /// Collects the page's properties: the top lines, or a first block
    /// that is all properties.
    fn track_top(&mut self, line: &str, n: u32) {
        if self.top == Top::Done {
            return;
        }
        let prop = logseq::property(line).map(|(k, v)| Property {
            key: k.to_lowercase(),
            value: v.to_string(),
            line: n,
        });
        let item = line.trim_start().starts_with("- ");
        let top_level = !line.starts_with([' ', '\t']);
        self.top = match (self.top, prop) {
            (Top::Start, _) if line.trim().is_empty() => Top::Start,
            (Top::Start, Some(p)) if item && top_level => {
                self.block_props.push(p);
                Top::Block
            }
            (Top::Start | Top::Lines, Some(p)) if !item => {
                self.out.page.push(p);
                Top::Lines
            }
            (Top::Block, Some(p)) if !(item && top_level) => {
                self.block_props.push(p);
                Top::Block
            }
            (Top::Block, None) if line.trim().is_empty() || (item && top_level) => {
                self.out.page = std::mem::take(&mut self.block_props);
                Top::Done
            }
            _ => {
                self.block_props.clear();
                Top::Done
            }
        };
    }

    /// Blanks Logseq macros `{{…}}` on this line.
    fn macros(&mut self, line: &str, at: usize) {
        let mut from = 0;
        while let Some(open) = line[from..].find("{{") {
            let open = from + open;
            let Some(close) = line[open + 2..].find("}}") else {
                return;
            };
            let end = open + 2 + close + 2;
            self.blank(at + open, at + end);
            from = end;
        }
    }

    /// Blanks a callout marker `> [!note]` and records the title line.
    fn callout(&mut self, line: &str, at: usize, n: u32) {
        let i = container_prefix(line);
        if !line[..i].contains('>') {
            return;
        }
        if let Some(len) = obsidian::callout_marker(&line[i..]) {
            self.blank(at + i, at + i + len);
            if !line[i + len..].trim().is_empty() {
                self.out.callout_titles.push(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(src: &str) -> Masked<'_> {
        mask(src, 0, 1)
    }

    /// The masked text with the filler shown as spaces.
    fn shown(m: &Masked<'_>) -> String {
        m.text.replace(FILLER, " ")
    }

    #[test]
    fn spec2_comments_are_not_text() {
        let m = masked("a %%@x%% b\n%% start\n@y\nend %% c\n");
        assert_eq!(shown(&m), "a        b\n        \n  \n       c\n");
        let m = masked("```\n%% kept\n```\n");
        assert_eq!(m.text, "```\n%% kept\n```\n");
    }

    #[test]
    fn spec11_logseq_page_properties_top_lines_or_first_block() {
        let m = masked("alias:: Dima\nTags:: person\n\n- x:: y\n");
        let keys: Vec<_> = m.page.iter().map(|p| (p.key.as_str(), p.line)).collect();
        assert_eq!(keys, [("alias", 1), ("tags", 2)]);
        let m = masked("- type:: person\n  alias:: Dima\n- hello\n");
        let keys: Vec<_> = m.page.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["type", "alias"]);
        assert_eq!(
            shown(&m),
            format!("-{}\n{}\n- hello\n", " ".repeat(14), " ".repeat(14))
        );
        let m = masked("- type:: person\n  more text\n");
        assert!(m.page.is_empty());
        let m = masked("- hello\n  id:: 123\n");
        assert!(m.page.is_empty());
        assert_eq!(shown(&m), format!("- hello\n{}\n", " ".repeat(10)));
    }

    #[test]
    fn spec11_logseq_planning_logbook_and_macros() {
        let src = "- TODO call {{embed x}}\n  SCHEDULED: <2026-11-25 Wed>\n  :LOGBOOK:\n  CLOCK: x\n  :END:\n- next\n";
        let m = masked(src);
        assert_eq!(m.planning.len(), 1);
        assert_eq!(m.planning[0].0, 1);
        assert!(
            !m.text.contains("SCHEDULED") && !m.text.contains("CLOCK") && !m.text.contains("embed")
        );
        assert_eq!(m.text.len(), src.len());
        assert!(m.text.ends_with("- next\n"));
    }

    #[test]
    fn spec11_obsidian_callout_marker_is_not_text() {
        let m = masked("> [!note] Title\n> body\n");
        assert_eq!(
            m.text,
            "> \u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}Title\n> body\n"
        );
        assert_eq!(m.callout_titles, [1]);
    }
}
