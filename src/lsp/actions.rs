//! Code actions: replace a likely typo with the person it is near
//! (`@alcie` → `@alice`), and create the person page of a handle that has
//! none. Both are edits the editor applies: relnotes itself writes nothing
//! into the notes.

use serde_json::{json, Value};

use super::diagnose::{self, handle_len};
use super::position::{Encoding, Text};
use super::workspace::{Doc, Workspace};

/// The actions for the byte range `from..to` of `doc` (at `uri`).
pub fn actions(
    ws: &Workspace,
    uri: &str,
    doc: &Doc,
    from: usize,
    to: usize,
    enc: Encoding,
) -> Value {
    let mut out = Vec::new();
    let Some(facts) = doc.facts.as_ref() else {
        return Value::Array(out);
    };
    let (_, typos) = diagnose::check(&ws.saved, facts);
    for t in typos {
        let (s, e) = diagnose::span(&doc.text, t.line, t.col);
        if e < from || s > to {
            continue;
        }
        // Replace the handle after `@`, keeping the `@`.
        let hs = s + 1;
        let he = hs + handle_len(&doc.text.text[hs..e]);
        out.push(json!({
            "title": format!("Replace @{} with @{}", t.written, t.target),
            "kind": "quickfix",
            "isPreferred": true,
            "diagnostics": [{
                "range": doc.text.range(s, e, enc),
                "severity": 2,
                "source": "relnotes",
                "message": format!("@{} looks like a typo of @{}", t.written, t.target),
            }],
            "edit": {"changes": {uri: [{"range": doc.text.range(hs, he, enc), "newText": t.target}]}},
        }));
    }
    let resolver = ws.saved.resolver();
    let mut offered = Vec::new();
    for m in facts.entries.iter().flat_map(|e| &e.mentions) {
        let (s, e) = diagnose::span(&doc.text, m.line, m.col);
        if e < from || s > to {
            continue;
        }
        let Some(h) = resolver.resolve(m) else {
            continue;
        };
        let known = ws.saved.person(h);
        if known.is_some_and(|p| p.page.is_some()) || offered.contains(&h.to_string()) {
            continue;
        }
        offered.push(h.to_string());
        let name = known.map_or(h, |p| p.name.as_str());
        out.push(create_page(ws, h, name));
    }
    Value::Array(out)
}

/// A workspace edit creating `people/<handle>.md` with front matter.
fn create_page(ws: &Workspace, handle: &str, name: &str) -> Value {
    let dir = ws.cfg.parse.people_dir.trim_matches('/');
    let rel = if dir.is_empty() {
        format!("{handle}.md")
    } else {
        format!("{dir}/{handle}.md")
    };
    let uri = super::uri::from_path(&ws.abs(&rel));
    let name = if name == handle {
        handle.to_string()
    } else {
        name.to_string()
    };
    let body = format!(
        "---\nname: {}\nhandle: {handle}\n---\n\n",
        yaml_scalar(&name)
    );
    let empty = Text::default();
    json!({
        "title": format!("Create person page {rel} for @{handle}"),
        "kind": "quickfix",
        "edit": {"documentChanges": [
            {"kind": "create", "uri": uri, "options": {"ignoreIfExists": true}},
            {"textDocument": {"uri": uri, "version": null},
             "edits": [{"range": empty.range(0, 0, Encoding::Utf16), "newText": body}]},
        ]},
    })
}

/// A YAML scalar for a name: quoted when plain text could be read as
/// something else.
fn yaml_scalar(s: &str) -> String {
    let plain = s
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_' | '\''))
        && !s.starts_with(['-', '.', ' ', '\''])
        && !s.ends_with(' ');
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}
