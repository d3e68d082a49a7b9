//! What of a note's body is data, not text (SPEC §2, §11): Obsidian
//! `%% comments %%`, Logseq macros `{{…}}`, `key:: value` properties,
//! `SCHEDULED:`/`DEADLINE:` lines, `:LOGBOOK:` drawers and callout markers
//! `[!note]`. One pass over the lines blanks them with spaces (so every
//! byte offset, line and column stays where it was) before Markdown is
//! read, and keeps what they say: the page's properties, the planning
//! lines of tasks, the callout title lines. A note with none of them is not
//! copied.

use std::borrow::Cow;

use super::logseq::{self, Planning};
use super::obsidian;

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

/// Whether `src` may hold anything to mask: most notes do not.
fn may_hold(src: &str) -> bool {
    [
        "::",
        "%%",
        "{{",
        "[!",
        "SCHEDULED:",
        "DEADLINE:",
        ":LOGBOOK:",
    ]
    .iter()
    .any(|p| src.contains(p))
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
    fence: Option<(u8, usize)>,
    comment: bool,
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
        fence: None,
        comment: false,
        drawer: false,
        top: Top::Start,
        block_props: Vec::new(),
        owner: first_line,
    };
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

impl Masker {
    fn blank(&mut self, from: usize, to: usize) {
        for b in &mut self.bytes[from..to] {
            *b = b' ';
        }
    }

    /// One line (without its line break) at byte `at`, line number `n`.
    fn line(&mut self, line: &str, at: usize, n: u32) {
        if self.in_fence(line) {
            return;
        }
        if self.drawer {
            self.drawer = line.trim() != ":END:";
            self.blank(at, at + line.len());
            return;
        }
        self.comments(line, at);
        let shown = String::from_utf8_lossy(&self.bytes[at..at + line.len()]).into_owned();
        self.data_line(&shown, at, n);
    }

    /// Tracks fenced code blocks, where nothing is masked.
    fn in_fence(&mut self, line: &str) -> bool {
        let t = line.trim_start_matches(' ');
        let indent = line.len() - t.len();
        let fence = t.bytes().next().filter(|&c| c == b'`' || c == b'~');
        let run = fence.map_or(0, |c| t.bytes().take_while(|&b| b == c).count());
        match (self.fence, fence) {
            (Some((c, len)), Some(f)) if f == c && run >= len && t[run..].trim().is_empty() => {
                self.fence = None;
                true
            }
            (Some(_), _) => true,
            (None, Some(c)) if indent < 4 && run >= 3 && !self.comment => {
                self.fence = Some((c, run));
                true
            }
            _ => false,
        }
    }

    /// Blanks `%% comments %%` on this line (a comment may span lines).
    fn comments(&mut self, line: &str, at: usize) {
        let mut from = if self.comment { Some(0) } else { None };
        for (i, _) in line.match_indices("%%") {
            match from {
                Some(f) if i >= f => {
                    self.blank(at + f, at + i + 2);
                    from = None;
                }
                Some(_) => {}
                None => from = Some(i),
            }
        }
        if let Some(f) = from {
            self.blank(at + f, at + line.len());
        }
        self.comment = from.is_some();
    }

    /// Drawers, planning lines, properties, macros and callout markers.
    fn data_line(&mut self, line: &str, at: usize, n: u32) {
        let trimmed = line.trim();
        self.track_top(line, n);
        if trimmed == ":LOGBOOK:" {
            self.drawer = true;
            self.blank(at, at + line.len());
        } else if let Some(p) = logseq::planning(trimmed) {
            self.out.planning.push((self.owner, p));
            self.blank(at, at + line.len());
        } else if logseq::property(line).is_some() {
            let start = line.len() - line.trim_start().len();
            let start = start
                + if line[start..].starts_with("- ") {
                    2
                } else {
                    0
                };
            self.blank(at + start, at + line.len());
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
        let mut i = 0;
        let b = line.as_bytes();
        let mut quoted = false;
        while i < b.len() && (b[i] == b'>' || b[i] == b' ') {
            quoted |= b[i] == b'>';
            i += 1;
        }
        if !quoted {
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

    #[test]
    fn spec2_comments_are_not_text() {
        let m = masked("a %%@x%% b\n%% start\n@y\nend %% c\n");
        assert_eq!(m.text, "a        b\n        \n  \n       c\n");
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
            m.text,
            format!("-{}\n{}\n- hello\n", " ".repeat(14), " ".repeat(14))
        );
        let m = masked("- type:: person\n  more text\n");
        assert!(m.page.is_empty());
        let m = masked("- hello\n  id:: 123\n");
        assert!(m.page.is_empty());
        assert_eq!(m.text, format!("- hello\n{}\n", " ".repeat(10)));
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
        assert_eq!(m.text, ">         Title\n> body\n");
        assert_eq!(m.callout_titles, [1]);
    }
}
