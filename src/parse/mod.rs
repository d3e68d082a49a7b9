//! One note's text → its facts ([`NoteFacts`]). Pure: no I/O, no clock, no
//! knowledge of other files. Markdown is read with pulldown-cmark's offset
//! iterator so every entry, mention and diagnostic keeps its line and column.

pub mod frontmatter;
pub mod inline;
pub mod path;
pub mod settings;

use std::ops::Range;

use chrono::NaiveDate;
use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};
use regex::Regex;

use crate::dates::{Birthday, Dur};
use crate::model::{DateSource, Diagnostic, Entry, Mention, NoteFacts, PageFacts, Task};
use frontmatter::Split;
use inline::{Field, Leading, Scan};
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
}

impl Default for ParseOptions {
    fn default() -> ParseOptions {
        ParseOptions {
            people_dir: "people".to_string(),
            kinds: Kinds::default(),
            vault: settings::VaultSettings::default(),
        }
    }
}

impl ParseOptions {
    /// Whether the note at `rel` is a person page.
    pub fn is_person_page(&self, rel: &str) -> bool {
        let dir = self.people_dir.trim_matches('/');
        dir.is_empty()
            || rel
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/'))
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
    wikilinks: Vec<(String, usize)>,
    /// Text ranges shown for a wikilink (its label or target): matched by
    /// `who` as words, though no mention or tag starts there.
    labels: Vec<Range<usize>>,
    heading: Option<u8>,
    item: bool,
    task: Option<Task>,
    /// The leading date of the enclosing list item, if any.
    inherited: Option<NaiveDate>,
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

    fn leading(&self) -> Option<NaiveDate> {
        match inline::leading_date(&self.text) {
            Leading::Date(d) => Some(d),
            _ => self.inherited,
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
    /// Enclosing headings: level and the date they hold, if any.
    headings: Vec<(u8, Option<NaiveDate>)>,
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
    /// For each open link, whether it is a wikilink.
    links: Vec<bool>,
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
    let mut p = NoteParser {
        path: rel,
        opts,
        lines: Lines::new(src),
        file_date: None,
        headings: Vec::new(),
        blocks: Vec::new(),
        containers: Vec::new(),
        entries: Vec::new(),
        diagnostics: Vec::new(),
        skip: 0,
        opaque: 0,
        keep_all,
        page: opts.is_person_page(rel),
        links: Vec::new(),
        search: search.then(crate::words::Searchable::default),
    };
    let is_page = p.page;
    let mut page = is_page.then(|| PageFacts {
        handle: path::slug(rel),
        ..PageFacts::default()
    });

    let mut body_start = 0;
    match frontmatter::split(src) {
        Split::None => {}
        Split::Unclosed => p.diagnostics.push(Diagnostic::error(
            rel,
            1,
            1,
            "front matter starts with `---` but is never closed",
        )),
        Split::Block(fm) => {
            body_start = fm.body_start;
            p.front_matter(&fm, page.as_mut());
        }
    }
    if p.file_date.is_none() {
        match path::path_date(rel) {
            PathDate::Date(d) => p.file_date = Some((d, DateSource::Path)),
            PathDate::Impossible(t) => p.diagnostics.push(Diagnostic::warning(
                rel,
                0,
                0,
                format!("impossible date {t} in the file name"),
            )),
            PathDate::None => {}
        }
    }

    p.body(src, body_start);
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

impl NoteParser<'_> {
    fn front_matter(&mut self, fm: &frontmatter::FrontMatter<'_>, page: Option<&mut PageFacts>) {
        let hash = match frontmatter::load(fm) {
            Ok(h) => h,
            Err(e) => {
                self.diagnostics.push(Diagnostic::error(
                    self.path,
                    e.line,
                    e.col,
                    format!("front matter is not valid YAML: {}", e.message),
                ));
                return;
            }
        };
        let text = |key: &str| frontmatter::get(&hash, key).and_then(frontmatter::scalar);
        if let Some(date) = text("date") {
            let head = date.get(..10).unwrap_or(&date);
            match crate::dates::parse_iso(head) {
                Some(d) => self.file_date = Some((d, DateSource::FrontMatter)),
                None => self.diagnostics.push(Diagnostic::warning(
                    self.path,
                    frontmatter::key_line(fm, "date"),
                    1,
                    format!("front matter date `{date}` is not a possible YYYY-MM-DD date"),
                )),
            }
        }
        let Some(page) = page else { return };
        if let Some(s) = &mut self.search {
            let values: Vec<(&str, String)> = crate::words::PAGE_KEYS
                .iter()
                .flat_map(|&k| {
                    let v = frontmatter::get(&hash, k).map(frontmatter::list);
                    v.unwrap_or_default().into_iter().map(move |v| (k, v))
                })
                .collect();
            s.page = Some(crate::words::page_words(
                values.iter().map(|(k, v)| (*k, v.as_str())),
            ));
        }
        if let Some(h) = text("handle") {
            let h = h.trim().trim_start_matches('@').to_lowercase();
            if !h.is_empty() {
                page.handle = h;
            }
        }
        page.handle_line = frontmatter::key_line(fm, "handle");
        page.aliases_line = frontmatter::key_line(fm, "aliases");
        page.name = text("name").filter(|s| !s.trim().is_empty());
        let list = |key: &str| {
            frontmatter::get(&hash, key)
                .map(frontmatter::list)
                .unwrap_or_default()
        };
        page.aliases = list("aliases")
            .into_iter()
            .map(|a| a.trim().trim_start_matches('@').to_lowercase())
            .filter(|a| !a.is_empty())
            .collect();
        page.circles = list("circles")
            .into_iter()
            .map(|c| c.trim().to_lowercase())
            .collect();
        page.org = text("org");
        page.email = text("email");
        if let Some(c) = text("cadence") {
            if Dur::parse(&c, false).is_ok() {
                page.cadence = Some(c.trim().to_string());
            } else {
                self.diagnostics.push(Diagnostic::warning(
                    self.path,
                    frontmatter::key_line(fm, "cadence"),
                    1,
                    format!("cadence `{c}` is not a duration like 30d, 2w, 1m or 1y"),
                ));
            }
        }
        if let Some(b) = text("birthday") {
            if Birthday::parse(&b).is_some() {
                page.birthday = Some(b.trim().to_string());
            } else {
                self.diagnostics.push(Diagnostic::warning(
                    self.path,
                    frontmatter::key_line(fm, "birthday"),
                    1,
                    format!("birthday `{b}` is not a possible YYYY-MM-DD or MM-DD date"),
                ));
            }
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
                    let at = b.text.len();
                    b.push(&t, r.start, opaque);
                    if self.links.last() == Some(&true) {
                        b.labels.push(at..b.text.len());
                    }
                }
                Event::Code(t) if self.skip == 0 => {
                    if let Some(b) = self.blocks.last_mut() {
                        b.push(&t, r.start + 1, true);
                    }
                }
                Event::SoftBreak | Event::HardBreak => {
                    if let Some(b) = self.blocks.last_mut() {
                        b.space();
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
                    self.blocks.push(Block::new(at));
                }
            }
            Tag::Heading { level, .. } => {
                let mut b = Block::new(at);
                b.heading = Some(level as u8);
                self.blocks.push(b);
            }
            Tag::Item => {
                let inherited = self
                    .blocks
                    .iter()
                    .rev()
                    .find(|b| b.item)
                    .and_then(Block::leading);
                self.containers.push(Container::Item);
                let mut b = Block::new(at);
                b.item = true;
                b.inherited = inherited;
                self.blocks.push(b);
            }
            Tag::BlockQuote(_) | Tag::FootnoteDefinition(_) | Tag::List(_) | Tag::Table(_) => {
                self.containers.push(Container::Other);
            }
            Tag::TableHead | Tag::TableRow => self.blocks.push(Block::new(at)),
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
                self.links
                    .push(matches!(link_type, LinkType::WikiLink { .. }));
                if let LinkType::WikiLink { .. } = link_type {
                    if let Some(b) = self.blocks.last_mut() {
                        b.wikilinks.push((dest_url.to_string(), at));
                    }
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
                if let Some(b) = self.blocks.pop() {
                    let level = level as u8;
                    let date = inline::dates_anywhere(&b.text)
                        .into_iter()
                        .find_map(|(_, _, d)| d);
                    while self.headings.last().is_some_and(|&(l, _)| l >= level) {
                        self.headings.pop();
                    }
                    self.headings.push((level, date));
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
            TagEnd::Link | TagEnd::Image => {
                if matches!(tag, TagEnd::Link) {
                    self.links.pop();
                }
                self.opaque = self.opaque.saturating_sub(1);
            }
            _ => {}
        }
    }

    fn warn_at(&mut self, b: &Block, at: usize, message: String) {
        let (line, col) = self.lines.line_col(b.src_offset(at));
        self.diagnostics
            .push(Diagnostic::warning(self.path, line, col, message));
    }

    /// Turns a collected block into an entry.
    fn finish(&mut self, mut b: Block) {
        // Obsidian Tasks' cancelled task `- [-]`, which CommonMark reads as text.
        if b.item && b.task.is_none() {
            let t = b.text.trim_start();
            if let Some(rest) = t.strip_prefix("[-]") {
                if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                    let cut = b.text.len() - rest.len();
                    b.task = Some(Task::Cancelled);
                    b.text.replace_range(..cut, &" ".repeat(cut));
                }
            }
        }
        if b.text.trim().is_empty() {
            return;
        }
        let mut opaque = std::mem::take(&mut b.opaque);
        let urls = inline::url_ranges(&b.text);
        // What `who` never matches: what no mention is found in, but for
        // the text shown for a wikilink.
        let hidden: Option<Vec<Range<usize>>> = self.search.as_ref().map(|_| {
            let mut h: Vec<Range<usize>> = opaque
                .iter()
                .filter(|r| !b.labels.contains(r))
                .cloned()
                .collect();
            h.extend(urls.iter().cloned());
            if b.task.is_some() {
                h.extend(crate::words::task_metadata(&b.text));
            }
            h
        });
        opaque.extend(urls);
        opaque.sort_by_key(|r| r.start);
        // Merge overlaps (a URL inside a code span): `Scan` needs disjoint
        // ranges.
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(opaque.len());
        for r in opaque {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        let opaque = merged;
        let scan = Scan {
            text: &b.text,
            opaque: &opaque,
            escaped: &b.escaped,
        };

        // Date, most specific first (SPEC §3).
        let (mut date, mut source) = (None, None);
        match inline::leading_date(&b.text) {
            Leading::Date(d) => (date, source) = (Some(d), Some(DateSource::Leading)),
            Leading::Impossible(at, t) => {
                self.warn_at(&b, at, format!("impossible date {t}"));
            }
            Leading::None => {}
        }
        if date.is_none() && b.inherited.is_some() {
            (date, source) = (b.inherited, Some(DateSource::Leading));
        }
        if b.heading.is_some() {
            for (at, t, d) in inline::dates_anywhere(&b.text) {
                if d.is_none() && at != b.text.len() - b.text.trim_start().len() {
                    self.warn_at(&b, at, format!("impossible date {t}"));
                }
            }
        }
        // An entry that names no one, has no tag and no task, and is not a
        // line on a person page (nor, when `who`'s words are wanted, a
        // heading there) is pruned: all that matters of it is its date
        // warnings, given above. (`@` starts every mention, `#` every tag.)
        if !self.keep_all
            && b.task.is_none()
            && b.wikilinks.is_empty()
            && !(self.page && (b.heading.is_none() || self.search.is_some()))
            && !b.text.contains(['@', '#'])
        {
            return;
        }
        if date.is_none() {
            if let Some(d) = self.headings.iter().rev().find_map(|&(_, d)| d) {
                (date, source) = (Some(d), Some(DateSource::Heading));
            }
        }
        if date.is_none() {
            if let Some((d, s)) = self.file_date {
                (date, source) = (Some(d), Some(s));
            }
        }

        let mut mentions: Vec<Mention> = Vec::new();
        for (at, key) in scan.mentions() {
            let (line, col) = self.lines.line_col(b.src_offset(at));
            mentions.push(Mention {
                key,
                wikilink: false,
                line,
                col,
            });
        }
        for (target, at) in &b.wikilinks {
            // `[[Alice Chen#Notes]]` names the page `Alice Chen`.
            let target = target.split('#').next().unwrap_or(target).trim();
            if target.is_empty() {
                continue;
            }
            let (line, col) = self.lines.line_col(*at);
            mentions.push(Mention {
                key: target.to_lowercase(),
                wikilink: true,
                line,
                col,
            });
        }

        let tags = scan.tags();
        let (mut due, mut due_rel, mut done) = (None, None, None);
        if b.task.is_some() {
            for field in inline::task_fields(&scan) {
                match field {
                    Field::Due(d) => due = due.or(Some(d)),
                    Field::DueRelative(r) => due_rel = due_rel.or(Some(r)),
                    Field::Done(d) => done = done.or(Some(d)),
                    Field::Bad(at, t) => {
                        self.warn_at(&b, at, format!("impossible date {t} in a task"))
                    }
                }
            }
        }
        if due.is_none() {
            if let Some(rel) = due_rel {
                match date {
                    Some(d) => due = rel.after(d),
                    None => {
                        let line = self.lines.line(b.start);
                        self.diagnostics.push(Diagnostic::warning(
                            self.path,
                            line,
                            1,
                            format!("relative due:+{rel} but the entry has no date to count from"),
                        ));
                    }
                }
            }
        }

        let text = collapse_ws(&b.text);
        let (gave, got) = self.opts.kinds.classify(&tags, &text);
        if let (Some(s), Some(hidden)) = (&mut self.search, hidden) {
            if self.page || !mentions.is_empty() {
                let links: Vec<&str> = b.wikilinks.iter().map(|(t, _)| t.as_str()).collect();
                let date = match b.task {
                    Some(Task::Done) => done.or(date),
                    _ => date,
                };
                s.entries.push(crate::words::SearchEntry {
                    line: self.lines.line(b.start),
                    date,
                    text: text.clone(),
                    words: crate::words::entry_words(&b.text, &hidden, &links),
                    tags: crate::words::tag_tokens(tags.iter().map(String::as_str)),
                    mentions: mentions.clone(),
                });
            }
        }
        self.entries.push(Entry {
            line: self.lines.line(b.start),
            text,
            date,
            date_source: source,
            heading: b.heading.is_some(),
            mentions,
            tags,
            gave,
            got,
            task: b.task,
            due,
            done,
        });
    }
}

/// `s` with runs of whitespace made one space and the ends trimmed.
fn collapse_ws(s: &str) -> String {
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
    if s.is_ascii() && !s.contains('\u{b}') {
        s.split_ascii_whitespace().for_each(&mut push);
    } else {
        s.split_whitespace().for_each(&mut push);
    }
    out
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
        ] {
            let slow: Vec<&str> = s.split_whitespace().collect();
            assert_eq!(super::collapse_ws(s), slow.join(" "), "{s:?}");
        }
    }
}
