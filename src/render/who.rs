//! `who`'s answer (SPEC §12) as text for a person deciding whom to ask, and
//! as JSON for scripts.

use std::io::{self, Write};

use chrono::NaiveDate;
use serde::Serialize;

use super::{clean, opt_date, Style};
use crate::who::{Evidence, WhoRow};

/// Evidence lines shown per person in text.
pub const SHOWN: usize = 3;

fn where_(e: &Evidence) -> String {
    match e.line {
        Some(l) => format!("{}:{l}", clean(&e.file)),
        None => clean(&e.file).into_owned(),
    }
}

/// One block per person: `@handle  Name  score 1.23  last contact …  gave
/// 2 / got 1`, then up to three evidence lines (date, text, file:line),
/// newest first; the page itself reads `(page)`.
pub fn text(
    out: &mut dyn Write,
    style: Style,
    terms: &[String],
    rows: &[WhoRow],
) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "No one in your notes matches {}.", terms.join(" "));
    }
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(
            out,
            "{}  {}  score {:.2}  last contact {}  gave {} / got {}",
            style.cyan(&format!("@{}", r.handle)),
            style.bold(&clean(&r.name)),
            r.score,
            opt_date(r.last_contact),
            r.gave,
            r.got
        )?;
        for e in r.evidence.iter().take(SHOWN) {
            let text = match &e.text {
                Some(t) => clean(t).into_owned(),
                None => "(page)".to_string(),
            };
            writeln!(
                out,
                "  {:<10}  {}  {}",
                opt_date(e.date),
                text,
                style.dim(&where_(e))
            )?;
        }
        let more = r.more + r.evidence.len().saturating_sub(SHOWN);
        if more > 0 {
            writeln!(out, "  … {more} more")?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct Json<'a> {
    today: NaiveDate,
    terms: &'a [String],
    people: &'a [WhoRow],
}

pub fn json(
    out: &mut dyn Write,
    today: NaiveDate,
    terms: &[String],
    rows: &[WhoRow],
) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &Json {
            today,
            terms,
            people: rows,
        },
    )
    .map_err(io::Error::from)?;
    out.write_all(b"\n")
}
