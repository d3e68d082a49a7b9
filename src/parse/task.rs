//! Tasks (SPEC §4, §5 ⟨1.1⟩): the state a list item's text gives beyond a
//! CommonMark checkbox (`[-]`, `[/]`, Logseq markers), what its fields
//! change (`❌` cancels, `#waiting` makes an open task a waiting one), and
//! its text as shown everywhere: without the metadata relnotes read from
//! it.

use std::sync::OnceLock;

use regex::Regex;

use super::logseq;
use crate::model::Task;

/// The state given at the start of a list item's text that CommonMark
/// reads as text: Obsidian Tasks' `[-]` (cancelled) and `[/]` (in
/// progress), or a Logseq marker with its priority. Returns the state and
/// how many bytes of `text` to drop.
pub fn item_state(text: &str) -> Option<(Task, usize)> {
    let lead = text.len() - text.trim_start().len();
    let t = &text[lead..];
    for (box_, task) in [("[-]", Task::Cancelled), ("[/]", Task::Open)] {
        if let Some(rest) = t.strip_prefix(box_) {
            if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                return Some((task, lead + box_.len()));
            }
        }
    }
    logseq::marker(text)
}

/// The state after the task's own fields and tags: a `❌ date` cancels,
/// an open task tagged `#waiting` is waiting.
pub fn refine(task: Task, cancelled: bool, tags: &[String]) -> Task {
    match task {
        Task::Open | Task::Waiting if cancelled => Task::Cancelled,
        Task::Open if tags.iter().any(|t| t == "waiting") => Task::Waiting,
        t => t,
    }
}

fn metadata_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?x)
            (?:^|\s) (?:due|done): \S+
          | [📅⏳🛫✅❌➕] \x{FE0F}? \s* \d{4}-\d{2}-\d{2}
          | 🔁 \x{FE0F}? [^📅⏳🛫✅❌➕⏫🔼🔽🔺⏬]*
          | [⏫🔼🔽🔺⏬] \x{FE0F}?
          | (?:^|\s) \[\#[A-Za-z]\] (?:\s|$)
            ",
        )
        .expect("static regex")
    })
}

/// A task's text as shown: `text` without `due:`, `done:`, the Tasks
/// plugin's fields with their values, and priorities; whitespace collapsed.
pub fn shown(text: &str) -> String {
    if text.is_ascii() && !text.contains(":") && !text.contains("[#") {
        return text.to_string();
    }
    if text.is_ascii() {
        return super::collapse_ws(&ascii_stripped(text));
    }
    let stripped = metadata_regex().replace_all(text, " ");
    super::collapse_ws(&stripped)
}

/// What the metadata pattern's replacement makes of ASCII `text`, where
/// only `due:`/`done:` fields and priorities can match (the rest are
/// emoji): each match a space, found leftmost-first by a byte scan. A
/// match takes the whitespace before it, and a priority the one after it,
/// which then cannot start the next match.
fn ascii_stripped(text: &str) -> String {
    let b = text.as_bytes();
    let space = |c: u8| matches!(c, b'\t'..=b'\r' | b' ');
    let field_end = |at: usize| {
        let rest = &b[at..];
        let key = [&b"due:"[..], b"done:"]
            .into_iter()
            .find(|k| rest.starts_with(k))?;
        let from = at + key.len();
        let n = b[from..].iter().take_while(|&&c| !space(c)).count();
        (n > 0).then_some(from + n)
    };
    let priority_end = |at: usize| {
        let r = &b[at..];
        let ok = r.len() >= 4 && r.starts_with(b"[#") && r[2].is_ascii_alphabetic() && r[3] == b']';
        match b.get(at + 4) {
            _ if !ok => None,
            None => Some(at + 4),
            Some(&c) => space(c).then_some(at + 5),
        }
    };
    let mut out = String::with_capacity(text.len());
    let (mut i, mut kept) = (0, 0);
    while i < b.len() {
        let lead = if i == 0 && !space(b[0]) {
            Some(0)
        } else {
            space(b[i]).then_some(i + 1)
        };
        match lead.and_then(|at| field_end(at).or_else(|| priority_end(at))) {
            Some(end) => {
                out.push_str(&text[kept..i]);
                out.push(' ');
                (i, kept) = (end, end);
            }
            None => i += 1,
        }
    }
    out.push_str(&text[kept..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec4_in_progress_and_cancelled_boxes() {
        assert_eq!(item_state("[/] half done"), Some((Task::Open, 3)));
        assert_eq!(item_state(" [-] dropped"), Some((Task::Cancelled, 4)));
        assert_eq!(item_state("[-]x"), None);
        assert_eq!(item_state("TODO [#A] call"), Some((Task::Open, 9)));
        assert_eq!(item_state("Todo call"), None);
    }

    #[test]
    fn spec4_cancel_field_and_waiting_tag() {
        let w = ["waiting".to_string()];
        assert_eq!(refine(Task::Open, false, &w), Task::Waiting);
        assert_eq!(refine(Task::Open, true, &w), Task::Cancelled);
        assert_eq!(refine(Task::Done, false, &w), Task::Done);
        assert_eq!(refine(Task::Open, false, &[]), Task::Open);
    }

    #[test]
    fn spec5_ascii_task_text_matches_the_pattern() {
        let pieces = [
            "due:", "done:", "x", " ", " ", "\t", "[#", "A", "z", "1", "]", "d", ":",
        ];
        for text in crate::testgen::strings(&pieces, 20_000) {
            let slow = metadata_regex().replace_all(&text, " ");
            assert_eq!(ascii_stripped(&text), slow, "{text:?}");
        }
    }

    #[test]
    fn spec5_task_text_without_metadata() {
        assert_eq!(
            shown("Send @bob the deck 📅 2026-11-25 ➕ 2026-11-18"),
            "Send @bob the deck"
        );
        assert_eq!(shown("call due:2026-11-25 #waiting"), "call #waiting");
        assert_eq!(shown("x 🔁 every week 📅2026-11-25 ⏫"), "x");
        assert_eq!(shown("x [#A] y done:2026-01-01"), "x y");
        assert_eq!(shown("plain text"), "plain text");
        assert_eq!(shown("see https://x.y/a"), "see https://x.y/a");
    }
}
