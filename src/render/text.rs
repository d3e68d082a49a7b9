//! Human-readable text: aligned columns, colour only when asked for.

use std::io::{self, Write};

use super::{clean, handles, opt_date, overdue_text, width, Style};
use crate::model::Diagnostic;
use crate::query::{Answers, Commitment, LastFields, PersonRow, Reminder, TimelineRow};

/// Writes rows as aligned columns; the last column is not padded. Widths
/// are display widths (an emoji or a CJK character takes two columns), and
/// colour is applied after padding.
fn table(
    out: &mut dyn Write,
    style: Style,
    header: &[&str],
    rows: &[Vec<String>],
    paint: impl Fn(usize, usize, &str) -> String,
) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(width(c));
        }
    }
    let line = |cells: Vec<String>| -> String {
        let n = cells.len();
        let mut s = String::new();
        for (i, c) in cells.into_iter().enumerate() {
            if i + 1 < n {
                let pad = widths[i].saturating_sub(width(&c));
                s.push_str(&c);
                s.push_str(&" ".repeat(pad + 2));
            } else {
                s.push_str(&c);
            }
        }
        s.trim_end().to_string()
    };
    let head = line(header.iter().map(|h| (*h).to_string()).collect());
    writeln!(out, "{}", style.bold(&head))?;
    // One line buffer for every row: a table of 200,000 people is
    // written without allocating per cell.
    let mut s = String::new();
    for (ri, r) in rows.iter().enumerate() {
        s.clear();
        let n = r.len();
        for (ci, c) in r.iter().enumerate() {
            if ci > 0 {
                s.push_str("  ");
            }
            s.push_str(&paint(ri, ci, c));
            if ci + 1 < n {
                let pad = widths[ci].saturating_sub(width(c));
                s.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.write_all(s.trim_end().as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

pub fn people(out: &mut dyn Write, style: Style, rows: &[PersonRow]) -> io::Result<()> {
    let header = [
        "HANDLE",
        "NAME",
        "LAST CONTACT",
        "LAST GAVE",
        "GAVE",
        "GOT",
        "CADENCE",
        "NEXT DUE",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                format!("@{}", r.handle),
                clean(&r.name).into_owned(),
                opt_date(r.last_contact),
                opt_date(r.last_gave),
                r.gave.to_string(),
                r.got.to_string(),
                r.cadence.clone().unwrap_or_else(|| "-".into()),
                opt_date(r.next_due),
            ]
        })
        .collect();
    table(out, style, &header, &cells, |ri, ci, c| match ci {
        0 => style.cyan(c).into_owned(),
        7 if rows[ri].overdue_days.is_some_and(|d| d >= 0) => style.red(c).into_owned(),
        _ => c.to_string(),
    })
}

fn location(file: Option<&str>, line: Option<u32>) -> String {
    match (file, line) {
        (Some(f), Some(l)) => format!("{}:{l}", clean(f)),
        _ => String::new(),
    }
}

pub fn reminders(out: &mut dyn Write, style: Style, rows: &[Reminder]) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "Nothing due.");
    }
    let header = ["DUE", "WHEN", "KIND", "WHO", "WHAT", "WHERE"];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let last = r.last.as_ref().and_then(LastFields::touch);
            let (what, place) = match &last {
                // The reminder's text already has the date ("last contact
                // 2026-11-05"); WHERE is the last interaction's line.
                Some(t) => (
                    format!("{} — last: {}", clean(&r.text), clean(&t.text)),
                    location(Some(&t.file), Some(t.line)),
                ),
                None => (
                    clean(&r.text).into_owned(),
                    location(r.file.as_deref(), r.line),
                ),
            };
            vec![
                crate::dates::iso(r.due),
                overdue_text(r.overdue_days),
                r.kind.as_str().to_string(),
                handles(&r.people),
                what,
                place,
            ]
        })
        .collect();
    table(out, style, &header, &cells, |ri, ci, c| match ci {
        1 if rows[ri].overdue_days > 0 => style.red(c).into_owned(),
        1 if rows[ri].overdue_days == 0 => style.yellow(c).into_owned(),
        3 => style.cyan(c).into_owned(),
        5 => style.dim(c).into_owned(),
        _ => c.to_string(),
    })
}

pub fn show(
    out: &mut dyn Write,
    style: Style,
    p: &PersonRow,
    timeline: &[TimelineRow],
    commitments: &[Commitment],
) -> io::Result<()> {
    writeln!(
        out,
        "{} {}",
        style.bold(&clean(&p.name)),
        style.cyan(&format!("@{}", p.handle))
    )?;
    let mut facts: Vec<(&str, String)> = Vec::new();
    if let Some(page) = &p.page {
        facts.push(("page", clean(page).into_owned()));
    }
    if !p.aliases.is_empty() {
        facts.push(("aliases", p.aliases.join(", ")));
    }
    if !p.circles.is_empty() {
        facts.push(("circles", p.circles.join(", ")));
    }
    if let Some(org) = &p.org {
        facts.push(("org", clean(org).into_owned()));
    }
    if let Some(email) = &p.email {
        facts.push(("email", clean(email).into_owned()));
    }
    if let Some(b) = &p.birthday {
        facts.push(("birthday", b.clone()));
    }
    facts.push((
        "contact",
        format!(
            "{} mentions, {} interactions, first {}, last {}",
            p.mentions,
            p.interactions,
            opt_date(p.first_contact),
            opt_date(p.last_contact)
        ),
    ));
    facts.push((
        "give/take",
        format!(
            "gave {} (last {}), got {} (last {})",
            p.gave,
            opt_date(p.last_gave),
            p.got,
            opt_date(p.last_got)
        ),
    ));
    if let (Some(c), Some(due), Some(od)) = (&p.cadence, p.next_due, p.overdue_days) {
        let mut text = format!(
            "every {c}, next {} ({})",
            crate::dates::iso(due),
            overdue_text(od)
        );
        // The last interaction: what a follow-up picks up from.
        if let Some(t) = timeline.first().filter(|t| t.date.is_some()) {
            text.push_str(&format!(
                "; last: {} — {} ({}:{})",
                opt_date(t.date),
                clean(&t.text),
                clean(&t.file),
                t.line
            ));
        }
        facts.push(("cadence", text));
    }
    let w = facts.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in facts {
        writeln!(out, "  {}  {v}", style.dim(&format!("{k:<w$}")))?;
    }
    writeln!(out)?;
    writeln!(out, "{}", style.bold("Timeline"))?;
    if timeline.is_empty() {
        writeln!(out, "  (nothing yet)")?;
    }
    for t in timeline {
        let kinds = if t.kinds.is_empty() {
            String::new()
        } else {
            format!("[{}] ", t.kinds.join(","))
        };
        writeln!(
            out,
            "  {}  {}{}  {}",
            opt_date(t.date),
            style.yellow(&kinds),
            clean(&t.text),
            style.dim(&format!("{}:{}", clean(&t.file), t.line))
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", style.bold("Open commitments"))?;
    if commitments.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for c in commitments {
        let due = c
            .due
            .map_or_else(|| "no due date".to_string(), |d| format!("due {d}"));
        writeln!(
            out,
            "  {}  {}  {}",
            due,
            clean(&c.text),
            style.dim(&format!("{}:{}", clean(&c.file), c.line))
        )?;
    }
    Ok(())
}

pub fn diagnostics(out: &mut dyn Write, style: Style, diags: &[Diagnostic]) -> io::Result<()> {
    for d in diags {
        let sev = match d.severity {
            crate::model::Severity::Error => style.red("error"),
            crate::model::Severity::Warning => style.yellow("warning"),
        };
        writeln!(
            out,
            "{}:{}:{}: {sev}: {}",
            clean(&d.path),
            d.line.max(1),
            d.col.max(1),
            clean(&d.message)
        )?;
    }
    Ok(())
}

/// The report as plain text is its Markdown: it reads well either way.
pub fn report(out: &mut dyn Write, a: &Answers<'_>, link_base: &str) -> io::Result<()> {
    super::markdown::report(out, a, link_base)
}
