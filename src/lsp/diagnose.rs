//! Live diagnostics: what `relnotes check` reports for one note, computed
//! on the editor's unsaved text. The note's own problems come from parsing
//! the buffer; the likely typos follow `check`'s rule with the mention
//! counts of the saved notes, this note's saved share replaced by the
//! buffer's; problems between notes (claims) and with the file on disk come
//! from the last sync. Each is given a range on the exact text it is about.

use rustc_hash::FxHashMap;
use serde_json::{json, Value};

use crate::model::{Diagnostic, NoteFacts, Severity};

use super::position::{Encoding, Text};
use super::workspace::Saved;

/// A likely typo: the mention and the handle it is near.
#[derive(Debug, Clone)]
pub struct Typo {
    pub line: u32,
    pub col: u32,
    pub written: String,
    pub target: String,
}

/// `check`'s diagnostics for the note `facts`, plus the typos found (for
/// code actions).
pub fn check(saved: &Saved, facts: &NoteFacts) -> (Vec<Diagnostic>, Vec<Typo>) {
    let mut diags: Vec<Diagnostic> = facts.diagnostics.clone();
    let own = |d: &&Diagnostic| d.path == facts.path;
    diags.extend(saved.file_diags.iter().filter(own).cloned());
    if let Some(v) = saved.vault() {
        diags.extend(v.diagnostics.iter().filter(own).cloned());
    }
    let found = typos(saved, facts);
    diags.extend(found.iter().map(|t| {
        Diagnostic::warning(
            &facts.path,
            t.line,
            t.col,
            format!("@{} looks like a typo of @{}", t.written, t.target),
        )
    }));
    diags.sort();
    diags.dedup();
    (diags, found)
}

/// Entries mentioning each handle in `facts`.
fn counts_in(saved: &Saved, facts: &NoteFacts) -> FxHashMap<String, i64> {
    let resolver = saved.resolver();
    let mut out: FxHashMap<String, i64> = FxHashMap::default();
    for e in &facts.entries {
        let mut hs: Vec<&str> = e
            .mentions
            .iter()
            .filter_map(|m| resolver.resolve(m))
            .collect();
        hs.sort_unstable();
        hs.dedup();
        for h in hs {
            *out.entry(h.to_string()).or_default() += 1;
        }
    }
    out
}

/// Entries mentioning each handle in the saved version of `path`.
fn saved_counts(saved: &Saved, path: &str) -> FxHashMap<String, i64> {
    let mut out = FxHashMap::default();
    let Some(v) = saved.vault() else {
        return out;
    };
    if let Ok(i) = v.notes.binary_search_by(|n| n.path.as_str().cmp(path)) {
        for r in &v.resolved[i] {
            for &id in &r.mentioned {
                *out.entry(v.handle(id).to_string()).or_default() += 1;
            }
        }
    }
    out
}

/// `check`'s typo rule: a handle mentioned only a little, with no page and
/// no alias, one edit away from a person with a page or more mentions.
fn typos(saved: &Saved, facts: &NoteFacts) -> Vec<Typo> {
    let before = saved_counts(saved, &facts.path);
    let now = counts_in(saved, facts);
    let count = |h: &str| -> i64 {
        i64::from(saved.counts.get(h).copied().unwrap_or(0)) - before.get(h).copied().unwrap_or(0)
            + now.get(h).copied().unwrap_or(0)
    };
    let mut verdict: FxHashMap<&str, Option<String>> = FxHashMap::default();
    let mut out = Vec::new();
    for e in &facts.entries {
        for m in e.mentions.iter().filter(|m| !m.wikilink) {
            let v = verdict
                .entry(m.key.as_str())
                .or_insert_with(|| near_person(saved, &m.key, &count));
            if let Some(target) = v {
                out.push(Typo {
                    line: m.line,
                    col: m.col,
                    written: m.key.clone(),
                    target: target.clone(),
                });
            }
        }
    }
    out
}

/// The better-known person `h` is one edit away from, if `h` is a suspect.
fn near_person(saved: &Saved, h: &str, count: &dyn Fn(&str) -> i64) -> Option<String> {
    if saved.claims.canonical(h) != h || h.chars().count() < 4 {
        return None;
    }
    if let Some(p) = saved.person(h) {
        if p.page.is_some() || !p.aliases.is_empty() {
            return None;
        }
    }
    let n = count(h);
    let mut candidates: Vec<usize> = crate::check::deletions(h)
        .iter()
        .filter_map(|v| saved.variants.get(v))
        .flatten()
        .copied()
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    candidates
        .into_iter()
        .map(|i| &saved.people[i])
        .filter(|o| o.handle != h && (o.page.is_some() || count(&o.handle) > n))
        .find(|o| {
            crate::check::near(h, &o.handle) || o.aliases.iter().any(|a| crate::check::near(h, a))
        })
        .map(|o| o.handle.clone())
}

/// The byte span of the text a diagnostic at `line:col` is about: a
/// mention, a wikilink, a date, else the word there; the first line for a
/// whole-file problem.
pub fn span(text: &Text, line: u32, col: u32) -> (usize, usize) {
    if line == 0 {
        let (s, e) = text.line_span(0);
        return (s, e);
    }
    let (_, line_end) = text.line_span(line as usize - 1);
    let start = text.offset_of_col(line, col);
    let rest = &text.text[start..line_end];
    let len = token_len(rest);
    (start, start + len.max(usize::from(start < line_end)))
}

/// The length of the token `rest` starts with.
pub fn token_len(rest: &str) -> usize {
    if let Some(after) = rest.strip_prefix('@') {
        return 1 + handle_len(after);
    }
    if rest.starts_with("[[") {
        return rest.find("]]").map_or(rest.len(), |i| i + 2);
    }
    let b = rest.as_bytes();
    if b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
    {
        return 10;
    }
    rest.find(char::is_whitespace).unwrap_or(rest.len())
}

/// The length of the handle `s` starts with: letters, marks, digits, `_`,
/// `-`, `.`, without trailing `.`, `-`, `_`.
pub fn handle_len(s: &str) -> usize {
    let end = s
        .char_indices()
        .find(|&(_, c)| !(is_handle_char(c)))
        .map_or(s.len(), |(i, _)| i);
    s[..end].trim_end_matches(['.', '-', '_']).len()
}

pub fn is_handle_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.') || is_mark(c)
}

/// Combining marks (the common blocks), part of a letter in a handle.
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0900..=0x0DFF | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// The LSP form of `diags` on `text`.
pub fn to_lsp(diags: &[Diagnostic], text: &Text, enc: Encoding) -> Vec<Value> {
    diags
        .iter()
        .map(|d| {
            let (s, e) = span(text, d.line, d.col);
            json!({
                "range": text.range(s, e, enc),
                "severity": if d.severity == Severity::Error { 1 } else { 2 },
                "source": "relnotes",
                "message": d.message,
            })
        })
        .collect()
}
