//! From a collected block to an [`Entry`]: its mentions (and the people
//! headers it sits under), its date by the rules of SPEC §3, its task
//! state, fields and due date (§4, §5), and its shown text. The Markdown
//! event handling that collects blocks is in the parent module.

use std::ops::Range;

use chrono::NaiveDate;

use super::inline::{self, Field, Leading, Scan};
use super::{collapse_ws, handle, task, Block, Link, NoteParser};
use crate::model::{DateSource, Diagnostic, Entry, Mention, Task};

/// A date and where it came from.
type Dated = (Option<NaiveDate>, Option<DateSource>);

/// A task's fields, read from its text and planning lines.
#[derive(Default)]
struct Fields {
    due: Option<NaiveDate>,
    scheduled: Option<NaiveDate>,
    relative: Option<crate::dates::Dur>,
    done: Option<NaiveDate>,
    cancelled: bool,
}

impl NoteParser<'_> {
    /// Opens a block at `at` under the people headers around it.
    pub(super) fn open_block(&mut self, at: usize) -> &mut Block {
        let mut b = Block::new(at);
        b.heads = match self.blocks.iter().rposition(|b| b.item) {
            Some(i) => {
                let mut parent = std::mem::take(&mut self.blocks[i]);
                let mut heads = parent.heads.clone();
                heads.extend(self.header(&mut parent));
                self.blocks[i] = parent;
                heads
            }
            None => self.heading_heads(),
        };
        self.blocks.push(b);
        self.blocks.last_mut().expect("just pushed")
    }

    /// The people named by the enclosing people headings.
    pub(super) fn heading_heads(&self) -> Vec<Mention> {
        self.headings
            .iter()
            .flat_map(|h| h.2.iter().cloned())
            .collect()
    }

    /// Records a wikilink starting at source offset `at`.
    pub(super) fn open_link(&mut self, dest: &str, at: usize) {
        let day = self.opts.journal().link_date(dest);
        let Some(b) = self.blocks.last_mut() else {
            return;
        };
        // `[[Alice Chen#Notes]]` and `[[Alice Chen#^b1]]` name `Alice Chen`.
        let target = dest.split('#').next().unwrap_or(dest).trim().to_string();
        let start = b.text.len();
        b.links.push(Link {
            target,
            src_at: at,
            text: start..usize::MAX,
            day,
        });
    }

    /// A line break: a space, or the end of a callout's title line, which
    /// is an entry of its own (SPEC §11).
    pub(super) fn line_break(&mut self, at: usize) {
        let line = self.lines.line(at);
        let title = self.callout_titles.binary_search(&line).is_ok()
            && self.containers.last() != Some(&super::Container::Item)
            && self
                .blocks
                .last()
                .is_some_and(|b| !b.item && b.heading.is_none());
        if title {
            if let Some(b) = self.blocks.pop() {
                self.finish(b);
            }
            let next = self.lines.starts.get(line as usize).copied().unwrap_or(at);
            self.open_block(next);
        } else if let Some(b) = self.blocks.last_mut() {
            b.space();
        }
    }

    /// The people a block names when it is a people header (SPEC §2): no
    /// task, and nothing but mentions separated by spaces, commas or `&`.
    /// Kept in the block, so asking twice costs nothing.
    pub(super) fn header(&mut self, b: &mut Block) -> Vec<Mention> {
        if let Some(h) = &b.header {
            return h.clone();
        }
        let mut people = Vec::new();
        if !b.is_task() && (b.text.contains('@') || !b.links.is_empty()) {
            let opaque = opaque_of(b, &inline::url_ranges(&b.text));
            let scan = Scan {
                text: &b.text,
                opaque: &opaque,
                escaped: &b.escaped,
            };
            let (mentions, covered) = self.own_mentions(b, &scan);
            if !b.is_task() && !mentions.is_empty() && only_separators(&b.text, covered) {
                people.clone_from(&mentions);
            }
            b.scanned = Some((b.text.len(), mentions));
        }
        b.header = Some(people.clone());
        people
    }

    /// The block's own mentions, and the text ranges they cover.
    fn own_mentions(&mut self, b: &Block, scan: &Scan<'_>) -> (Vec<Mention>, Vec<Range<usize>>) {
        let mut out = Vec::new();
        let mut covered = Vec::new();
        for (range, key) in scan.mentions() {
            if self.opts.ignore.contains(&key) {
                continue;
            }
            let (line, col) = self.lines.line_col(b.src_offset(range.start));
            covered.push(range);
            out.push(Mention {
                key,
                wikilink: false,
                line,
                col,
            });
        }
        for l in &b.links {
            let Some(key) = self.link_key(l) else {
                continue;
            };
            let (line, col) = self.lines.line_col(l.src_at);
            covered.push(l.text.start..l.text.end.min(b.text.len()));
            out.push(Mention {
                key,
                wikilink: true,
                line,
                col,
            });
        }
        (out, covered)
    }

    /// The mention key of a wikilink: its target in lower case; `@` and the
    /// name as written for `[[@Full Name]]` (SPEC §2 ⟨1.1⟩); none for a journal link,
    /// an empty target, or an `[[@…]]` that is no handle.
    fn link_key(&self, l: &Link) -> Option<String> {
        if l.day.is_some() || l.target.is_empty() {
            return None;
        }
        match l.target.strip_prefix('@') {
            Some(name) => {
                let slug = handle::slug(name);
                let ok = handle::valid(&slug) && !self.opts.ignore.contains(&slug);
                // The name as written: a person without a page is named by it.
                ok.then(|| format!("@{}", handle::nfc(name)))
            }
            None => Some(handle::fold(&l.target)),
        }
    }

    fn warn_at(&mut self, b: &Block, at: usize, message: String) {
        let (line, col) = self.lines.line_col(b.src_offset(at));
        self.diagnostics
            .push(Diagnostic::warning(self.path, line, col, message));
    }

    /// The task state a list item's text gives (`[-]`, `[/]`, Logseq
    /// markers), with that text blanked.
    fn item_state(b: &mut Block) {
        if !b.item || b.task.is_some() {
            return;
        }
        if let Some((t, cut)) = task::item_state(&b.text) {
            b.task = Some(t);
            b.text.replace_range(..cut, &" ".repeat(cut));
        }
    }

    /// Turns a collected block into an entry.
    pub(super) fn finish(&mut self, mut b: Block) {
        Self::item_state(&mut b);
        if b.text
            .trim_matches(|c: char| c.is_whitespace() || c == super::mask::FILLER)
            .is_empty()
        {
            return;
        }
        let own = self.own_date(&b);
        // An entry that names no one, has no tag and no task, is under no
        // people header, and is not a line on a person page (nor, when
        // `who`'s words are wanted, a heading there) is pruned: all that
        // matters of it is its date warnings, given above.
        if !self.keep_all
            && b.task.is_none()
            && b.links.is_empty()
            && b.heads.is_empty()
            && !(self.page && (b.heading.is_none() || self.search.is_some()))
            && !b.text.contains(['@', '#'])
        {
            return;
        }
        let urls = inline::url_ranges(&b.text);
        let opaque = opaque_of(&b, &urls);
        let scan = Scan {
            text: &b.text,
            opaque: &opaque,
            escaped: &b.escaped,
        };
        let mut mentions = match b.scanned.take() {
            Some((len, m)) if len == b.text.len() => m,
            _ => self.own_mentions(&b, &scan).0,
        };
        for h in &b.heads {
            if !mentions
                .iter()
                .any(|m| m.key == h.key && m.wikilink == h.wikilink)
            {
                mentions.push(h.clone());
            }
        }
        let tags = scan.tags();
        let fields = self.fields(&b, &scan);
        let task = b.task.map(|t| task::refine(t, fields.cancelled, &tags));
        let open = matches!(task, Some(Task::Open | Task::Waiting));
        let (date, source) = self.date(&b, own, open);
        let due = self.due(&b, &fields, date, open);
        let text = collapse_ws(&b.text);
        let text = if task.is_some() {
            task::shown(&text)
        } else {
            text
        };
        let (gave, got) = self.opts.kinds.classify(&tags, &text);
        let counted = match task {
            Some(Task::Done) => fields.done.or(date),
            _ => date,
        };
        self.search_entry(&b, &urls, (&text, &tags, &mentions), counted);
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
            task,
            due,
            done: fields.done,
        });
    }

    /// Records what `who` needs of the entry, when asked for (SPEC §12): an
    /// entry that mentions someone or stands on a person page, with the
    /// words of its text outside what is never matched, and a done task
    /// dated by its done date.
    fn search_entry(
        &mut self,
        b: &Block,
        urls: &[Range<usize>],
        (text, tags, mentions): (&str, &[String], &[Mention]),
        date: Option<NaiveDate>,
    ) {
        let page = self.page;
        let Some(s) = &mut self.search else { return };
        if !page && mentions.is_empty() {
            return;
        }
        let links: Vec<&str> = b.links.iter().map(|l| l.target.as_str()).collect();
        s.entries.push(crate::words::SearchEntry {
            line: self.lines.line(b.start),
            date,
            text: text.to_string(),
            words: crate::words::entry_words(&b.text, &hidden(b, urls), &links),
            tags: crate::words::tag_tokens(tags.iter().map(String::as_str)),
            mentions: mentions.to_vec(),
        });
    }

    /// The entry's own leading date (SPEC §3 rule 1), or its parent item's;
    /// warns of impossible dates.
    fn own_date(&mut self, b: &Block) -> Dated {
        if b.heading.is_some() {
            for (at, t, d) in inline::dates_anywhere(&b.text) {
                if d.is_none() && at != b.text.len() - b.text.trim_start().len() {
                    self.warn_at(b, at, format!("impossible date {t}"));
                }
            }
        }
        match inline::leading_date(&b.text) {
            Leading::Date(d) => return (Some(d), Some(DateSource::Leading)),
            Leading::Impossible(at, t) => self.warn_at(b, at, format!("impossible date {t}")),
            Leading::None => {}
        }
        (b.inherited, b.inherited.map(|_| DateSource::Leading))
    }

    /// The entry's date by SPEC §3: its own (a leading journal link too,
    /// unless it is an open task, whose links are due dates), a dated
    /// heading, then on a person page a journal link in the text before
    /// the file's date, elsewhere after it (not on a journal page).
    fn date(&self, b: &Block, own: Dated, open: bool) -> Dated {
        if own.0.is_some() {
            return own;
        }
        if let Some(d) = b.lead_link().filter(|_| !open) {
            return (Some(d), Some(DateSource::Leading));
        }
        if let Some(d) = self.headings.iter().rev().find_map(|h| h.1) {
            return (Some(d), Some(DateSource::Heading));
        }
        let link = b
            .links
            .iter()
            .find_map(|l| l.day)
            .filter(|_| !open && !self.journal_page)
            .map(|d| (Some(d), Some(DateSource::Link)));
        let file = self.file_date.map(|(d, s)| (Some(d), Some(s)));
        let order = if self.page {
            [link, file]
        } else {
            [file, link]
        };
        order.into_iter().flatten().next().unwrap_or((None, None))
    }

    /// A task's fields: from its text, and its `SCHEDULED:`/`DEADLINE:`
    /// lines; warns of impossible ones.
    fn fields(&mut self, b: &Block, scan: &Scan<'_>) -> Fields {
        let mut f = Fields::default();
        if b.task.is_none() {
            return f;
        }
        for field in inline::task_fields(scan) {
            match field {
                Field::Due(d) => f.due = f.due.or(Some(d)),
                Field::DueRelative(r) => f.relative = f.relative.or(Some(r)),
                Field::Done(d) => f.done = f.done.or(Some(d)),
                Field::Scheduled(d) => f.scheduled = f.scheduled.or(Some(d)),
                Field::Cancelled(_) => f.cancelled = true,
                Field::Bad(at, t) => self.warn_at(b, at, format!("impossible date {t} in a task")),
            }
        }
        let line = self.lines.line(b.start);
        let from = self.planning.partition_point(|p| p.0 < line);
        for (_, p) in self.planning[from..].iter().take_while(|p| p.0 == line) {
            match (&p.date, p.deadline) {
                (Ok(d), true) => f.due = f.due.or(Some(*d)),
                (Ok(d), false) => f.scheduled = f.scheduled.or(Some(*d)),
                (Err(t), _) => self.diagnostics.push(Diagnostic::warning(
                    self.path,
                    line,
                    1,
                    format!("impossible date {t} in a task"),
                )),
            }
        }
        f
    }

    /// A task's due date (SPEC §5): absolute, else scheduled, else relative
    /// to the entry's date, else (an open or waiting task) a journal link.
    fn due(
        &mut self,
        b: &Block,
        f: &Fields,
        date: Option<NaiveDate>,
        open: bool,
    ) -> Option<NaiveDate> {
        if let Some(d) = f.due.or(f.scheduled) {
            return Some(d);
        }
        if let Some(rel) = f.relative {
            let line = self.lines.line(b.start);
            let message = match date {
                Some(d) => match rel.after(d) {
                    Some(due) => return Some(due),
                    None => format!("relative due:+{rel} is too large to give a date"),
                },
                None => format!("relative due:+{rel} but the entry has no date to count from"),
            };
            self.diagnostics
                .push(Diagnostic::warning(self.path, line, 1, message));
            return None;
        }
        b.links.iter().find_map(|l| l.day).filter(|_| open)
    }
}

/// The block's opaque ranges with its URLs (`urls`, found in its text),
/// sorted and merged (`Scan` needs disjoint ranges: a URL inside a code
/// span).
fn opaque_of(b: &Block, urls: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut opaque = Vec::with_capacity(b.opaque.len() + urls.len());
    opaque.extend_from_slice(&b.opaque);
    opaque.extend_from_slice(urls);
    opaque.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(opaque.len());
    for r in opaque {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// What `who` never matches in a block (SPEC §12): what no mention is
/// found in (code, math, HTML, URLs, embeds), but for the text shown for
/// a wikilink; what the mask blanked (comments, properties, macros); and a
/// task's metadata. `urls` are the URLs in its text.
fn hidden(b: &Block, urls: &[Range<usize>]) -> Vec<Range<usize>> {
    let label = |r: &Range<usize>| {
        b.links
            .iter()
            .any(|l| l.text.start <= r.start && r.end <= l.text.end)
    };
    let mut h: Vec<Range<usize>> = b.opaque.iter().filter(|r| !label(r)).cloned().collect();
    h.extend_from_slice(urls);
    if b.task.is_some() {
        h.extend(crate::words::task_metadata(&b.text));
    }
    if b.text.contains(super::mask::FILLER) {
        let mut run: Option<usize> = None;
        for (i, c) in b.text.char_indices() {
            match (c == super::mask::FILLER, run) {
                (true, None) => run = Some(i),
                (false, Some(at)) => {
                    h.push(at..i);
                    run = None;
                }
                _ => {}
            }
        }
        if let Some(at) = run {
            h.push(at..b.text.len());
        }
    }
    h
}

/// Whether every character of `text` outside `covered` is a space, a comma
/// or `&`.
fn only_separators(text: &str, mut covered: Vec<Range<usize>>) -> bool {
    covered.sort_by_key(|r| r.start);
    let mut at = 0;
    let sep = |s: &str| {
        s.chars()
            .all(|c| c.is_whitespace() || c == ',' || c == '&' || c == super::mask::FILLER)
    };
    for r in covered {
        if r.start > at && !sep(&text[at..r.start]) {
            return false;
        }
        at = at.max(r.end);
    }
    sep(text.get(at..).unwrap_or(""))
}
