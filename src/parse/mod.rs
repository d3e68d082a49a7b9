//! One note's text → its facts ([`NoteFacts`]). Pure: no I/O, no clock, no
//! knowledge of other files. Markdown is read with pulldown-cmark's offset
//! iterator so every entry, mention and diagnostic keeps its line and column.

mod dateformat;
mod entry;
pub mod frontmatter;
pub mod handle;
pub mod inline;
pub mod journal;
pub mod logseq;
mod mask;
pub mod obsidian;
pub mod page;
pub mod path;
pub mod settings;
mod task;
pub mod yaml;

use std::ops::Range;

use chrono::NaiveDate;
use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};
use regex::Regex;

use crate::model::{DateSource, Diagnostic, Entry, Mention, NoteFacts, Task};
use frontmatter::Split;
use inline::Leading;
use path::PathDate;

/// Tag lists and text patterns that give an entry its kinds (SPEC §4).
#[derive(Debug, Clone)]
pub struct Kinds {
    pub gave: Vec<String>,
    pub got: Vec<String>,
    pub gave_patterns: Vec<Regex>,
    pub got_patterns: Vec<Regex>,
}

impl Default for Kinds {
    fn default() -> Kinds {
        let list = |xs: &[&str]| xs.iter().map(|s| (*s).to_string()).collect();
        Kinds {
            gave: list(&["gave", "helped", "intro", "referral", "advice", "gift"]),
            got: list(&["got", "asked", "favor"]),
            gave_patterns: Vec::new(),
            got_patterns: Vec::new(),
        }
    }
}

/// `#intro` and the nested tag `#intro/work` both belong to `intro`.
fn tag_in(tags: &[String], list: &[String]) -> bool {
    tags.iter().any(|t| {
        list.iter().any(|k| {
            t == k
                || (t.len() > k.len() && t.starts_with(k.as_str()) && t.as_bytes()[k.len()] == b'/')
        })
    })
}

impl Kinds {
    fn classify(&self, tags: &[String], text: &str) -> (bool, bool) {
        let gave = tag_in(tags, &self.gave) || self.gave_patterns.iter().any(|r| r.is_match(text));
        let got = tag_in(tags, &self.got) || self.got_patterns.iter().any(|r| r.is_match(text));
        (gave, got)
    }
}

/// What parsing needs to know beyond the text.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// The people folder, relative, without a trailing `/`.
    pub people_dir: String,
    pub kinds: Kinds,
    /// What the vault's app settings say (SPEC §11).
    pub vault: settings::VaultSettings,
    /// Tags that make a note a person page anywhere (lower case, SPEC §2).
    pub person_tags: Vec<String>,
    /// Handles that are never people (canonical, SPEC §2).
    pub ignore: Vec<String>,
    /// The journal formats compiled on first use, with the settings they
    /// were compiled from (`vault` may be set after a clone).
    journal: std::sync::OnceLock<(settings::VaultSettings, journal::Journal)>,
}

/// `xs` as owned strings.
fn strings(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| (*s).to_string()).collect()
}

impl Default for ParseOptions {
    fn default() -> ParseOptions {
        ParseOptions {
            people_dir: "people".to_string(),
            kinds: Kinds::default(),
            vault: settings::VaultSettings::default(),
            person_tags: strings(&["person", "people", "contact"]),
            ignore: strings(&["here", "channel", "everyone", "all"]),
            journal: std::sync::OnceLock::new(),
        }
    }
}

impl ParseOptions {
    /// Whether the note at `rel` is a person page by where it lives (SPEC
    /// §2); a tagged page is one wherever it lives.
    pub fn is_person_page(&self, rel: &str) -> bool {
        page::in_people_dir(rel, &self.people_dir)
    }

    /// The vault's journal formats.
    pub fn journal(&self) -> std::borrow::Cow<'_, journal::Journal> {
        let (from, j) = self
            .journal
            .get_or_init(|| (self.vault.clone(), journal::Journal::new(&self.vault)));
        if *from == self.vault {
            std::borrow::Cow::Borrowed(j)
        } else {
            std::borrow::Cow::Owned(journal::Journal::new(&self.vault))
        }
    }
}

/// Byte offset → 1-based line and column (in characters).
struct Lines<'a> {
    src: &'a str,
    starts: Vec<usize>,
    /// The last answer `(offset, line, col)`: columns of later offsets on the
    /// same line are counted from there, so a huge one-line note with many
    /// mentions stays linear.
    last: std::cell::Cell<(usize, u32, u32)>,
}

impl<'a> Lines<'a> {
    fn new(src: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Lines {
            src,
            starts,
            last: std::cell::Cell::new((0, 1, 1)),
        }
    }

    fn line(&self, offset: usize) -> u32 {
        let i = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(i).unwrap_or(u32::MAX)
    }

    fn line_col(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.src.len());
        while !self.src.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line(offset);
        let start = self.starts[line as usize - 1];
        let (last_off, last_line, last_col) = self.last.get();
        let (from, base) = if last_line == line && last_off >= start && last_off <= offset {
            (last_off, last_col)
        } else {
            (start, 1)
        };
        let n = u32::try_from(self.src[from..offset].chars().count()).unwrap_or(u32::MAX);
        let col = base.saturating_add(n);
        self.last.set((offset, line, col));
        (line, col)
    }
}

/// A wikilink in a block.
struct Link {
    /// The target, without a heading or block part.
    target: String,
    /// Source offset of the link.
    src_at: usize,
    /// Where its text starts and ends in the block's text.
    text: Range<usize>,
    /// The day it names when it is a journal link.
    day: Option<NaiveDate>,
}

/// An entry being collected from Markdown events.
#[derive(Default)]
struct Block {
    /// Source offset where the block starts.
    start: usize,
    text: String,
    opaque: Vec<Range<usize>>,
    escaped: Vec<usize>,
    /// `(offset in text, offset in source)` at the start of each text piece.
    segs: Vec<(usize, usize)>,
    links: Vec<Link>,
    heading: Option<u8>,
    item: bool,
    task: Option<Task>,
    /// The leading date of the enclosing list item, if any.
    inherited: Option<NaiveDate>,
    /// People named by the people headers this block sits under.
    heads: Vec<Mention>,
    /// This block's own people-header mentions, once asked.
    header: Option<Vec<Mention>>,
    /// Its own mentions as found then, with the text's length at the time:
    /// reused when the text has not grown since.
    scanned: Option<(usize, Vec<Mention>)>,
}

impl Block {
    fn new(start: usize) -> Block {
        Block {
            start,
            ..Block::default()
        }
    }

    fn push(&mut self, s: &str, src_start: usize, opaque: bool) {
        let at = self.text.len();
        self.segs.push((at, src_start));
        self.text.push_str(s);
        if opaque {
            self.opaque.push(at..self.text.len());
        }
    }

    fn space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with(' ') {
            self.text.push(' ');
        }
    }

    /// The source offset of byte `at` of the text.
    fn src_offset(&self, at: usize) -> usize {
        let i = self.segs.partition_point(|&(t, _)| t <= at);
        match i.checked_sub(1).and_then(|i| self.segs.get(i)) {
            Some(&(t, s)) => s + (at - t),
            None => self.start,
        }
    }

    /// The journal link the text starts with (SPEC §3 rule 1 ⟨1.1⟩).
    fn lead_link(&self) -> Option<NaiveDate> {
        let first = self.links.first()?;
        let before = &self.text[..first.text.start];
        (before.trim().is_empty()).then_some(first.day).flatten()
    }

    /// Whether the block is a task, including by its text's marker.
    fn is_task(&self) -> bool {
        self.task.is_some() || (self.item && task::item_state(&self.text).is_some())
    }

    fn leading(&self) -> Option<NaiveDate> {
        match inline::leading_date(&self.text) {
            Leading::Date(d) => Some(d),
            _ => self
                .lead_link()
                .filter(|_| !self.is_task())
                .or(self.inherited),
        }
    }
}

/// What a container is, to decide whether a paragraph starts a new entry.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Container {
    Item,
    Other,
}

/// The state of a parse of one note.
struct NoteParser<'a> {
    path: &'a str,
    opts: &'a ParseOptions,
    lines: Lines<'a>,
    file_date: Option<(NaiveDate, DateSource)>,
    /// Enclosing headings: level, the date they hold, if any, and the
    /// people they name when they are people headers.
    headings: Vec<(u8, Option<NaiveDate>, Vec<Mention>)>,
    blocks: Vec<Block>,
    containers: Vec<Container>,
    entries: Vec<Entry>,
    diagnostics: Vec<Diagnostic>,
    /// Inside a code block, HTML block or similar: text is not entry text.
    skip: u32,
    /// Inside an autolink, image or wikilink: text shown but not scanned.
    opaque: u32,
    /// Keep every entry, not only those that can change an answer.
    keep_all: bool,
    /// Whether this note is a person page.
    page: bool,
    /// Whether the path dates this note: a day's journal page.
    journal_page: bool,
    /// `SCHEDULED:`/`DEADLINE:` lines by the line they belong to.
    planning: &'a [(u32, logseq::Planning)],
    /// Lines holding a callout's title.
    callout_titles: &'a [u32],
    /// What `who` needs, when asked for (see [`parse_note_searchable`]).
    search: Option<crate::words::Searchable>,
}

/// The Markdown extensions relnotes reads.
fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_WIKILINKS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_MATH
}

/// Parses one note. `rel` is its path relative to the root, with `/`.
pub fn parse_note(rel: &str, src: &str, opts: &ParseOptions) -> NoteFacts {
    parse(rel, src, opts, true, false).0
}

/// [`parse_note`] keeping only the entries that can change an answer (the
/// ones [`NoteFacts::prune`] keeps), and skipping the work on the rest:
/// most of a note is prose that names no one.
pub fn parse_note_pruned(rel: &str, src: &str, opts: &ParseOptions) -> NoteFacts {
    let mut facts = parse(rel, src, opts, false, false).0;
    facts.prune();
    facts
}

/// [`parse_note_pruned`], with what `who` needs of the note (SPEC §12):
/// the words of every entry that mentions someone or stands on a person
/// page, taken before pruning (which drops, say, a page's undated lines).
pub fn parse_note_searchable(
    rel: &str,
    src: &str,
    opts: &ParseOptions,
) -> (NoteFacts, crate::words::Searchable) {
    let (mut facts, search) = parse(rel, src, opts, false, true);
    facts.prune();
    (facts, search.unwrap_or_default())
}

fn parse(
    rel: &str,
    src: &str,
    opts: &ParseOptions,
    keep_all: bool,
    search: bool,
) -> (NoteFacts, Option<crate::words::Searchable>) {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut diagnostics = Vec::new();
    let (mut meta, body_start, first_line) = match frontmatter::split(src) {
        // An unclosed `---` is a thematic break (SPEC §1 ⟨1.1⟩): no front matter.
        Split::None | Split::Unclosed => (page::Meta::default(), 0, 1),
        Split::Block(fm) => {
            let first = src[..fm.body_start].matches('\n').count();
            let first = u32::try_from(first).unwrap_or(u32::MAX - 1) + 1;
            (
                front_matter(rel, &fm, &mut diagnostics),
                fm.body_start,
                first,
            )
        }
    };
    let masked = mask::mask(src, body_start, first_line);
    meta.add_properties(&masked.page);
    let is_page = page::is_page(rel, &meta, opts);
    let page = is_page.then(|| page::facts(rel, &meta, &mut diagnostics));
    let text: &str = &masked.text;
    let mut p = NoteParser {
        path: rel,
        opts,
        // Columns count the characters of the note as written.
        lines: Lines::new(src),
        file_date: None,
        journal_page: false,
        headings: Vec::new(),
        blocks: Vec::new(),
        containers: Vec::new(),
        entries: Vec::new(),
        diagnostics,
        skip: 0,
        opaque: 0,
        keep_all,
        page: is_page,
        planning: &masked.planning,
        callout_titles: &masked.callout_titles,
        search: search.then(|| crate::words::Searchable {
            entries: Vec::new(),
            page: is_page.then(|| page::words(&meta)),
        }),
    };
    p.file_date(&meta);
    p.body(text, body_start);
    p.entries.sort_by_key(|e| e.line);
    p.diagnostics.sort();
    p.diagnostics.dedup();
    if let Some(s) = &mut p.search {
        s.entries.sort_by_key(|e| e.line);
    }
    let facts = NoteFacts {
        path: rel.to_string(),
        page,
        entries: p.entries,
        diagnostics: p.diagnostics,
    };
    (facts, p.search)
}

/// Reads a front matter block; a problem goes to `diags` and leaves it
/// empty.
fn front_matter(
    rel: &str,
    fm: &frontmatter::FrontMatter<'_>,
    diags: &mut Vec<Diagnostic>,
) -> page::Meta {
    match frontmatter::load(fm) {
        Ok(hash) => page::Meta::from_yaml(&hash, |k| frontmatter::key_line(fm, k)),
        Err(e) => {
            diags.push(if e.fatal {
                Diagnostic::error(
                    rel,
                    e.line,
                    e.col,
                    format!("front matter is not valid YAML: {}", e.message),
                )
            } else {
                Diagnostic::warning(
                    rel,
                    e.line,
                    e.col,
                    format!("front matter is ignored: {}", e.message),
                )
            });
            page::Meta::default()
        }
    }
}

impl NoteParser<'_> {
    /// The file's own date: front matter (or property) `date:`, else the
    /// path (SPEC §3 rules 3 and 4), the vault's journal format first.
    fn file_date(&mut self, meta: &page::Meta) {
        if let Some(date) = meta.text("date") {
            let head = date.get(..10).unwrap_or(date);
            match crate::dates::parse_iso(head) {
                Some(d) => self.file_date = Some((d, DateSource::FrontMatter)),
                None => self.diagnostics.push(Diagnostic::warning(
                    self.path,
                    meta.line("date"),
                    1,
                    format!("front matter date `{date}` is not a possible YYYY-MM-DD date"),
                )),
            }
        }
        let by_vault = self.opts.journal().path_date(self.path);
        let by_path = match by_vault {
            Some(d) => Some(d),
            None => match path::path_date(self.path) {
                PathDate::Date(d) => Some(d),
                PathDate::Impossible(t) => {
                    self.diagnostics.push(Diagnostic::warning(
                        self.path,
                        0,
                        0,
                        format!("impossible date {t} in the file name"),
                    ));
                    None
                }
                PathDate::None => None,
            },
        };
        self.journal_page = by_path.is_some();
        if self.file_date.is_none() {
            self.file_date = by_path.map(|d| (d, DateSource::Path));
        }
    }

    fn body(&mut self, src: &str, base: usize) {
        let body = &src[base..];
        let bytes = src.as_bytes();
        for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
            let r = (range.start + base)..(range.end + base);
            match event {
                Event::Start(tag) => {
                    // A nested item after a tab-indented line starts its
                    // range at the previous newline: skip to its text.
                    let skip = bytes[r.start..r.end]
                        .iter()
                        .take_while(|c| c.is_ascii_whitespace())
                        .count();
                    self.start(tag, r.start + skip);
                }
                Event::End(tag) => self.end(tag),
                Event::Text(t) => {
                    if self.skip > 0 {
                        continue;
                    }
                    let opaque = self.opaque > 0;
                    let Some(b) = self.blocks.last_mut() else {
                        continue;
                    };
                    // A backslash escape shows as text starting right after an
                    // odd run of backslashes.
                    let escaped = r.start > 0
                        && bytes.get(r.start) == t.as_bytes().first()
                        && bytes[..r.start]
                            .iter()
                            .rev()
                            .take_while(|&&c| c == b'\\')
                            .count()
                            % 2
                            == 1;
                    if escaped {
                        b.escaped.push(b.text.len());
                    }
                    b.push(&t, r.start, opaque);
                }
                Event::Code(t) if self.skip == 0 => {
                    if let Some(b) = self.blocks.last_mut() {
                        b.push(&t, r.start + 1, true);
                    }
                }
                Event::SoftBreak | Event::HardBreak => self.line_break(r.start),
                Event::InlineMath(t) | Event::DisplayMath(t) if self.skip == 0 => {
                    if let Some(b) = self.blocks.last_mut() {
                        b.push(&t, r.start + 1, true);
                    }
                }
                Event::TaskListMarker(done) => {
                    if let Some(b) = self.blocks.last_mut() {
                        if b.item && b.text.is_empty() {
                            b.task = Some(if done { Task::Done } else { Task::Open });
                        }
                    }
                }
                _ => {}
            }
        }
        // Unbalanced events cannot happen with pulldown-cmark, but never lose
        // what was collected.
        while let Some(b) = self.blocks.pop() {
            self.finish(b);
        }
    }

    fn start(&mut self, tag: Tag<'_>, at: usize) {
        match tag {
            Tag::Paragraph => {
                if self.containers.last() == Some(&Container::Item) {
                    if let Some(b) = self.blocks.last_mut() {
                        b.space();
                    }
                } else {
                    self.open_block(at);
                }
            }
            Tag::Heading { level, .. } => {
                self.open_block(at).heading = Some(level as u8);
            }
            Tag::Item => {
                let inherited = self
                    .blocks
                    .iter()
                    .rev()
                    .find(|b| b.item)
                    .and_then(Block::leading);
                self.containers.push(Container::Item);
                let b = self.open_block(at);
                b.item = true;
                b.inherited = inherited;
            }
            Tag::BlockQuote(_) | Tag::FootnoteDefinition(_) | Tag::List(_) | Tag::Table(_) => {
                self.containers.push(Container::Other);
            }
            Tag::TableHead | Tag::TableRow => {
                self.open_block(at);
            }
            Tag::TableCell => {
                if let Some(b) = self.blocks.last_mut() {
                    if !b.text.is_empty() {
                        b.text.push_str(" | ");
                    }
                }
            }
            Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::MetadataBlock(_) => self.skip += 1,
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => {
                if let LinkType::WikiLink { .. } = link_type {
                    self.open_link(&dest_url, at);
                    self.opaque += 1;
                } else if matches!(link_type, LinkType::Autolink | LinkType::Email) {
                    self.opaque += 1;
                }
            }
            Tag::Image { .. } => self.opaque += 1,
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph if self.containers.last() != Some(&Container::Item) => {
                if let Some(b) = self.blocks.pop() {
                    self.finish(b);
                }
            }
            TagEnd::Heading(level) => {
                if let Some(mut b) = self.blocks.pop() {
                    let level = level as u8;
                    let date = inline::dates_anywhere(&b.text)
                        .into_iter()
                        .find_map(|(_, _, d)| d);
                    while self.headings.last().is_some_and(|h| h.0 >= level) {
                        self.headings.pop();
                    }
                    b.heads = self.heading_heads();
                    let people = self.header(&mut b);
                    self.headings.push((level, date, people));
                    self.finish(b);
                }
            }
            TagEnd::Item => {
                self.containers.pop();
                if let Some(b) = self.blocks.pop() {
                    self.finish(b);
                }
            }
            TagEnd::BlockQuote(_)
            | TagEnd::FootnoteDefinition
            | TagEnd::List(_)
            | TagEnd::Table => {
                self.containers.pop();
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(b) = self.blocks.pop() {
                    self.finish(b);
                }
            }
            TagEnd::CodeBlock | TagEnd::HtmlBlock | TagEnd::MetadataBlock(_) => {
                self.skip = self.skip.saturating_sub(1);
            }
            TagEnd::Link => {
                self.opaque = self.opaque.saturating_sub(1);
                if let Some(l) = self.blocks.last_mut().and_then(|b| {
                    let end = b.text.len();
                    b.links
                        .last_mut()
                        .filter(|l| l.text.end == usize::MAX)
                        .map(|l| (l, end))
                }) {
                    l.0.text.end = l.1;
                }
            }
            TagEnd::Image => self.opaque = self.opaque.saturating_sub(1),
            _ => {}
        }
    }
}

/// `s` with runs of whitespace made one space and the ends trimmed.
fn collapse_ws(s: &str) -> String {
    if collapsed(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut push = |word: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    };
    // Byte-wise when it can be: decoding every char to ask whether it is
    // whitespace was the parser's hottest loop. (ASCII whitespace for
    // `char::is_whitespace` adds only the vertical tab.)
    if s.contains(mask::FILLER) {
        s.split(|c: char| c.is_whitespace() || c == mask::FILLER)
            .filter(|w| !w.is_empty())
            .for_each(&mut push);
    } else if s.is_ascii() && !s.contains('\u{b}') {
        s.split_ascii_whitespace().for_each(&mut push);
    } else {
        s.split_whitespace().for_each(&mut push);
    }
    out
}

/// Whether `s` has nothing for [`collapse_ws`] to do: printable ASCII
/// only (so no filler), no space at either end, no two spaces in a row.
/// Vectorised passes, no copy; most entries' text is like that.
fn collapsed(s: &str) -> bool {
    let b = s.as_bytes();
    let printable = b
        .iter()
        .fold(true, |ok, &c| ok & (c >= b' ') & (c < mask::FILLER as u8));
    printable
        && b.first().is_some_and(|&c| c != b' ')
        && b.last().is_some_and(|&c| c != b' ')
        && !s.contains("  ")
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod collapse_tests {
    #[test]
    fn collapse_ws_matches_split_whitespace() {
        for s in [
            "",
            "  a  b\t\nc ",
            "a\u{b}b",
            "é  x",
            "a\u{a0}b",
            "\r\n x \x0c y",
            "a b",
            "a  b",
            " a",
            "a ",
            "ab c",
        ] {
            let slow: Vec<&str> = s.split_whitespace().collect();
            assert_eq!(super::collapse_ws(s), slow.join(" "), "{s:?}");
        }
        let pieces = [
            " ", " ", "a", "b", "\t", "\n", "é", "\u{b}", "\u{a0}", "~", "\u{1}",
        ];
        for s in crate::testgen::strings(&pieces, 20_000) {
            let slow: Vec<&str> = s.split_whitespace().collect();
            assert_eq!(super::collapse_ws(&s), slow.join(" "), "{s:?}");
        }
    }
}
