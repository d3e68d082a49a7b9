//! Hover: the person card for the mention or person wikilink under the
//! cursor: name, org, circles, last contact, last gave, gave/got over the
//! help window, cadence and next due, open commitments with links to their
//! lines, and the birthday when it is near.

use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::config::Config;
use crate::dates::Birthday;
use crate::model::Mention;

use super::diagnose::span;
use super::workspace::{ago, Doc, Saved, Workspace};

/// At most this many open commitments on a card.
const MAX_COMMITMENTS: usize = 10;

/// The mention under the byte `offset` of an open note, and its span.
pub fn mention_at(doc: &Doc, offset: usize) -> Option<(&Mention, usize, usize)> {
    let facts = doc.facts.as_ref()?;
    facts
        .entries
        .iter()
        .flat_map(|e| &e.mentions)
        .find_map(|m| {
            let (s, e) = span(&doc.text, m.line, m.col);
            (s <= offset && offset <= e).then_some((m, s, e))
        })
}

/// The handle of the person under the cursor, with the mention's span.
pub fn person_at(saved: &Saved, doc: &Doc, offset: usize) -> Option<(String, usize, usize)> {
    let (m, s, e) = mention_at(doc, offset)?;
    let h = saved.resolver().resolve(m)?.to_string();
    Some((h, s, e))
}

/// The card of `handle`, in Markdown.
pub fn card(ws: &Workspace, handle: &str) -> Option<String> {
    let saved = &ws.saved;
    let today = ws.today;
    let p = saved.person(handle)?;
    let mut s = format!("**{}** `@{}`", p.name, p.handle);
    if let Some(org) = &p.org {
        let _ = write!(s, " · {org}");
    }
    s.push_str("\n\n");
    if !p.circles.is_empty() {
        let _ = writeln!(s, "circles: {}  ", p.circles.join(", "));
    }
    let when = |d: Option<NaiveDate>| {
        d.map_or_else(
            || "never".to_string(),
            |d| format!("{d} ({})", ago(d, today)),
        )
    };
    let _ = writeln!(s, "last contact: {}  ", when(p.last_contact));
    let _ = writeln!(s, "last gave: {}  ", when(p.last_gave));
    let (gave, got) = window_counts(ws, handle);
    let _ = writeln!(
        s,
        "gave {gave} · got {got} in the last {}  ",
        ws.cfg.help_window
    );
    if let Some(c) = &p.cadence {
        let _ = writeln!(s, "cadence {c} · next due {}  ", when(p.next_due));
    }
    if let Some(b) = birthday_near(p.birthday.as_deref(), &ws.cfg, today) {
        let _ = writeln!(s, "birthday: {b}  ");
    }
    let mut open: Vec<_> = saved
        .commitments
        .iter()
        .filter(|c| c.people.iter().any(|h| h == handle))
        .collect();
    // The most pressing first; a card, not a list of hundreds.
    open.sort_by_key(|c| (c.due.is_none(), c.due, &c.file, c.line));
    if !open.is_empty() {
        let _ = writeln!(s, "\nopen commitments ({}):\n", open.len());
        let more = open.len().saturating_sub(MAX_COMMITMENTS);
        for c in open.into_iter().take(MAX_COMMITMENTS) {
            let due = c.due.map(|d| format!("due {d}: ")).unwrap_or_default();
            let uri = super::uri::from_path(&ws.abs(&c.file));
            let _ = writeln!(
                s,
                "- {due}{} — [{}:{}]({uri}#L{})",
                c.text, c.file, c.line, c.line
            );
        }
        if more > 0 {
            let _ = writeln!(s, "- … and {more} more (`relnotes show {handle}`)");
        }
    }
    Some(s)
}

/// Gave and got over the help window, up to today.
fn window_counts(ws: &Workspace, handle: &str) -> (u32, u32) {
    let (ledger, _) = ws.saved.src.loaded();
    let Some(ps) = ledger.people.get(handle) else {
        return (0, 0);
    };
    let since = ws
        .cfg
        .help_window
        .before(ws.today)
        .unwrap_or(NaiveDate::MIN);
    ps.days
        .range(since..=ws.today)
        .fold((0, 0), |(g, r), (_, t)| (g + t.gave, r + t.got))
}

/// The birthday as written with how far off it is, when it falls within
/// `birthday_notice`.
fn birthday_near(b: Option<&str>, cfg: &Config, today: NaiveDate) -> Option<String> {
    let text = b?;
    let next = Birthday::parse(text)?.next_on_or_after(today)?;
    let limit = cfg.birthday_notice.after(today)?;
    (next <= limit).then(|| format!("{text} ({})", ago(next, today)))
}
