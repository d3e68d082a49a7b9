//! Completion: people after `@` and inside `[[`, most recently contacted
//! first, each with a one-line detail (`Alice Chen · last contact 12d ago ·
//! 2 open`) and its handle, name and aliases as filter text; tags after
//! `#`: the kind tags first, then the tags the notes already use, most used
//! first. The list is filtered on the server (every typed character in
//! order, case-insensitively) and capped, so a large network stays fast;
//! a capped list says it is incomplete and the editor asks again.

use serde_json::{json, Value};

use crate::config::Config;

use super::diagnose::is_handle_char;
use super::position::{Encoding, Text};
use super::workspace::{ago, Saved};

/// At most this many items per answer.
const CAP: usize = 100;

/// What the cursor is completing, with the byte offset where the typed
/// word starts.
#[derive(Debug, PartialEq, Eq)]
pub enum Context {
    Mention(usize),
    Wikilink(usize),
    Tag(usize),
}

/// What the text before `offset` asks for.
pub fn context(text: &Text, offset: usize) -> Option<Context> {
    let before = &text.text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = &before[line_start..];
    if let Some(open) = line.rfind("[[") {
        let inside = &line[open + 2..];
        if !inside.contains("]]") && !inside.contains('|') {
            return Some(Context::Wikilink(line_start + open + 2));
        }
    }
    let word_start = line
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_handle_char(c) || c == '/')
        .last()
        .map_or(line.len(), |(i, _)| i);
    let lead = line[..word_start].chars().next_back()?;
    let prev = line[..word_start - lead.len_utf8()].chars().next_back();
    let word = &line[word_start..];
    match lead {
        '@' if !word.contains('/')
            && !prev.is_some_and(|p| p.is_alphanumeric() || "._-/+:`\\".contains(p)) =>
        {
            Some(Context::Mention(line_start + word_start))
        }
        '#' if !prev.is_some_and(char::is_alphanumeric) && !word.contains('.') => {
            Some(Context::Tag(line_start + word_start))
        }
        _ => None,
    }
}

/// Whether every character of `typed` appears in `hay`, in order
/// (`hay` is lower case already).
fn fuzzy(hay: &str, typed: &str) -> bool {
    let mut it = hay.chars();
    typed
        .chars()
        .flat_map(char::to_lowercase)
        .all(|c| it.any(|h| h == c))
}

/// The one-line detail of a person.
pub fn detail(saved: &Saved, i: usize, today: chrono::NaiveDate) -> String {
    let p = &saved.people[i];
    let mut s = p.name.clone();
    match p.last_contact {
        Some(d) => s.push_str(&format!(" · last contact {}", ago(d, today))),
        None => s.push_str(" · no contact yet"),
    }
    let open = saved.open.get(&p.handle).copied().unwrap_or(0);
    if open > 0 {
        s.push_str(&format!(" · {open} open"));
    }
    s
}

/// The completion list for `ctx` at `offset`.
pub fn complete(
    saved: &Saved,
    cfg: &Config,
    today: chrono::NaiveDate,
    text: &Text,
    offset: usize,
    ctx: &Context,
    enc: Encoding,
) -> Value {
    let start = match *ctx {
        Context::Mention(s) | Context::Wikilink(s) | Context::Tag(s) => s,
    };
    let typed = &text.text[start..offset];
    let range = text.range(start, offset, enc);
    let mut items = Vec::new();
    let mut more = false;
    match ctx {
        Context::Mention(_) | Context::Wikilink(_) => {
            let link = matches!(ctx, Context::Wikilink(_));
            let closed = text.text[offset..].starts_with("]]");
            let typed = typed.trim_start_matches('@');
            for (rank, &i) in saved.recent.iter().enumerate() {
                let p = &saved.people[i];
                let mut filter = p.handle.clone();
                for extra in std::iter::once(&p.name).chain(&p.aliases) {
                    filter.push(' ');
                    filter.push_str(extra);
                }
                let lower = filter.to_lowercase();
                if !fuzzy(&lower, typed) {
                    continue;
                }
                if items.len() == CAP {
                    more = true;
                    break;
                }
                let insert = if link {
                    let target = p.page.as_deref().map_or_else(
                        || format!("@{}", p.name),
                        |pg| {
                            let stem = pg.rsplit('/').next().unwrap_or(pg);
                            stem.rsplit_once('.').map_or(stem, |(s, _)| s).to_string()
                        },
                    );
                    if closed {
                        target
                    } else {
                        format!("{target}]]")
                    }
                } else {
                    p.handle.clone()
                };
                items.push(json!({
                    "label": if link { insert.trim_end_matches("]]").to_string() } else { p.handle.clone() },
                    "kind": 18,
                    "detail": detail(saved, i, today),
                    "sortText": format!("{rank:06}"),
                    "filterText": if link { format!("{} {filter}", insert.trim_end_matches("]]")) } else { filter },
                    "textEdit": {"range": range, "newText": insert},
                }));
            }
        }
        Context::Tag(_) => {
            let kinds = &cfg.parse.kinds;
            let mut seen = rustc_hash::FxHashSet::default();
            let mut tags: Vec<(String, String)> = Vec::new();
            for (list, kind) in [(&kinds.gave, "gave"), (&kinds.got, "got")] {
                for t in list {
                    if seen.insert(t.clone()) {
                        tags.push((t.clone(), format!("kind tag: {kind}")));
                    }
                }
            }
            let mut used: Vec<&(String, u32)> = saved.tags.iter().collect();
            used.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            for (t, n) in used {
                if seen.insert(t.clone()) {
                    tags.push((t.clone(), format!("used in {n} entries")));
                }
            }
            for (rank, (t, d)) in tags.into_iter().enumerate() {
                if !fuzzy(&t, typed) {
                    continue;
                }
                if items.len() == CAP {
                    more = true;
                    break;
                }
                items.push(json!({
                    "label": format!("#{t}"),
                    "kind": 14,
                    "detail": d,
                    "sortText": format!("{rank:06}"),
                    "filterText": t,
                    "textEdit": {"range": range, "newText": t},
                }));
            }
        }
    }
    json!({"isIncomplete": more, "items": items})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(s: &str) -> Option<Context> {
        let t = Text::new(s.to_string());
        context(&t, s.len())
    }

    #[test]
    fn contexts() {
        assert_eq!(ctx("- met @al"), Some(Context::Mention(7)));
        assert_eq!(ctx("@"), Some(Context::Mention(1)));
        assert_eq!(ctx("mail bob@ex"), None);
        assert_eq!(ctx("see [[Ali"), Some(Context::Wikilink(6)));
        assert_eq!(ctx("see [[Ali]] and"), None);
        assert_eq!(ctx("lunch #gi"), Some(Context::Tag(7)));
        assert_eq!(ctx("issue a#b"), None);
        assert_eq!(ctx("plain"), None);
    }

    #[test]
    fn fuzzy_is_in_order_and_case_blind() {
        assert!(fuzzy("alice alice chen", "ACh"));
        assert!(!fuzzy("bob", "ob b"));
        assert!(fuzzy("x", ""));
    }
}
