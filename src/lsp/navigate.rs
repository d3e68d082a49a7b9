//! Go to definition (the person page, else the first mention in byte order
//! of path, then line), references (every entry that mentions the person,
//! by handle, alias or wikilink; open documents as they are in the editor)
//! and workspace symbols (people).

use serde_json::{json, Value};

use crate::model::NoteFacts;

use super::diagnose::span;
use super::position::{Encoding, Text};
use super::workspace::{Place, Workspace};

/// The text of note `rel`: the open document, else the file on disk read
/// lossily (a file that is not valid UTF-8 still gets locations).
fn text_of<'w>(ws: &'w Workspace, rel: &str) -> (String, std::borrow::Cow<'w, Text>) {
    let abs = ws.abs(rel);
    let uri = super::uri::from_path(&abs);
    let text = match ws.docs.get(&uri) {
        Some(d) => std::borrow::Cow::Borrowed(&d.text),
        None => {
            let bytes = std::fs::read(&abs).unwrap_or_default();
            std::borrow::Cow::Owned(Text::new(String::from_utf8_lossy(&bytes).into_owned()))
        }
    };
    (uri, text)
}

/// An LSP location of `line:col` (line 0: the start) in `text`.
fn location_in(uri: &str, text: &Text, line: u32, col: u32, enc: Encoding) -> Value {
    let range = if line == 0 {
        text.range(0, 0, enc)
    } else {
        let (s, e) = span(text, line, col);
        text.range(s, e, enc)
    };
    json!({"uri": uri, "range": range})
}

/// An LSP location of `line:col` in note `rel`.
fn location(ws: &Workspace, rel: &str, line: u32, col: u32, enc: Encoding) -> Value {
    if line == 0 {
        let uri = super::uri::from_path(&ws.abs(rel));
        return location_in(&uri, &Text::default(), 0, 0, enc);
    }
    let (uri, text) = text_of(ws, rel);
    location_in(&uri, &text, line, col, enc)
}

/// Where `handle` is defined.
pub fn definition(ws: &Workspace, handle: &str, enc: Encoding) -> Value {
    match ws.saved.first.get(handle) {
        Some(Place { path, line, col }) => location(ws, path, *line, *col, enc),
        None => Value::Null,
    }
}

/// Every mention of `handle` (its page first when asked for).
pub fn references(ws: &Workspace, handle: &str, with_page: bool, enc: Encoding) -> Value {
    let saved = &ws.saved;
    let resolver = saved.resolver();
    let open: rustc_hash::FxHashMap<&str, &NoteFacts> = ws
        .docs
        .values()
        .filter_map(|d| d.facts.as_ref())
        .map(|f| (f.path.as_str(), f))
        .collect();
    let mut notes: Vec<&NoteFacts> = saved
        .vault()
        .map(|v| {
            v.notes
                .iter()
                .filter(|n| !open.contains_key(n.path.as_str()))
                .collect()
        })
        .unwrap_or_default();
    notes.extend(open.values());
    notes.sort_by(|a, b| a.path.cmp(&b.path));
    let mut out = Vec::new();
    if with_page {
        if let Some(page) = saved.person(handle).and_then(|p| p.page.as_deref()) {
            out.push(location(ws, page, 0, 0, enc));
        }
    }
    for n in notes {
        let mut here: Vec<(u32, u32)> = n
            .entries
            .iter()
            .flat_map(|e| &e.mentions)
            .filter(|m| resolver.resolve(m) == Some(handle))
            .map(|m| (m.line, m.col))
            .collect();
        if here.is_empty() {
            continue;
        }
        here.sort_unstable();
        here.dedup();
        let (uri, text) = text_of(ws, &n.path);
        out.extend(
            here.into_iter()
                .map(|(l, c)| location_in(&uri, &text, l, c, enc)),
        );
    }
    Value::Array(out)
}

/// People matching `query` (every character in order, case-insensitively).
pub fn symbols(ws: &Workspace, query: &str, enc: Encoding) -> Value {
    let q: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    let mut out = Vec::new();
    for p in &ws.saved.people {
        let hay = format!("{} {}", p.handle, p.name).to_lowercase();
        let mut it = hay.chars();
        if !q.iter().all(|c| it.any(|h| h == *c)) {
            continue;
        }
        let Some(place) = ws.saved.first.get(&p.handle) else {
            continue;
        };
        out.push(json!({
            "name": p.name,
            "kind": 19,
            "containerName": format!("@{}", p.handle),
            "location": location(ws, &place.path, place.line, place.col, enc),
        }));
        if out.len() == 500 {
            break;
        }
    }
    Value::Array(out)
}
