//! Facts read from a note's path: its date (SPEC §3 rule 4) and the handle a
//! person page gets from its file name.

use chrono::NaiveDate;

use super::inline::dates_anywhere;

/// What the path says about the date.
#[derive(Debug, PartialEq, Eq)]
pub enum PathDate {
    None,
    Date(NaiveDate),
    /// Shaped like a date but impossible.
    Impossible(String),
}

fn stem_of(file_name: &str) -> &str {
    file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _ext)| stem)
}

fn ymd(y: &str, m: &str, d: &str) -> Option<PathDate> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|c| c.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return None;
    }
    let date = y
        .parse()
        .ok()
        .zip(m.parse().ok())
        .zip(d.parse().ok())
        .and_then(|((y, m), d)| NaiveDate::from_ymd_opt(y, m, d));
    Some(match date {
        Some(d) => PathDate::Date(d),
        None => PathDate::Impossible(format!("{y}-{m}-{d}")),
    })
}

/// The date in a relative path (with `/`): an ISO date anywhere in the file
/// name, `YYYY/MM/DD.md`, Logseq `YYYY_MM_DD.md`, Dendron `….YYYY.MM.DD.md`.
/// Folder names alone give no date.
pub fn path_date(rel: &str) -> PathDate {
    let mut parts = rel.rsplit('/');
    let file = parts.next().unwrap_or(rel);
    let stem = stem_of(file);
    if let Some((_, text, date)) = dates_anywhere(stem).into_iter().next() {
        return match date {
            Some(d) => PathDate::Date(d),
            None => PathDate::Impossible(text.to_string()),
        };
    }
    // Logseq: 2026_11_20
    let under: Vec<&str> = stem.split('_').collect();
    if let [y, m, d] = under.as_slice() {
        if let Some(pd) = ymd(y, m, d) {
            return pd;
        }
    }
    // Dendron: daily.journal.2026.11.20
    let dots: Vec<&str> = stem.rsplitn(4, '.').collect();
    if let [d, m, y, ..] = dots.as_slice() {
        if let Some(pd) = ymd(y, m, d) {
            return pd;
        }
    }
    // Folders: 2026/11/20.md
    if let (Some(m), Some(y)) = (parts.next(), parts.next()) {
        if let Some(pd) = ymd(y, m, stem) {
            return pd;
        }
    }
    PathDate::None
}

/// The slug of a path's file stem (SPEC §2 ⟨1.1⟩, see
/// [`super::handle::slug`]): `people/Alice Chen.md` → `alice-chen`.
pub fn slug(rel: &str) -> String {
    let file = rel.rsplit('/').next().unwrap_or(rel);
    super::handle::slug(stem_of(file))
}

/// The path without its extension, lower case: what a wikilink names.
pub fn link_key(rel: &str) -> String {
    match rel.rsplit_once('.') {
        Some((stem, ext)) if !ext.contains('/') => stem.to_lowercase(),
        _ => rel.to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(rel: &str) -> Option<String> {
        match path_date(rel) {
            PathDate::Date(d) => Some(d.to_string()),
            _ => None,
        }
    }

    #[test]
    fn spec3_rule4_dates_in_paths() {
        assert_eq!(date("2026-11-20.md").as_deref(), Some("2026-11-20"));
        assert_eq!(
            date("j/2026-11-20 standup.md").as_deref(),
            Some("2026-11-20")
        );
        assert_eq!(
            date("j/standup 2026-11-20.md").as_deref(),
            Some("2026-11-20")
        );
        assert_eq!(date("2026/11/20.md").as_deref(), Some("2026-11-20"));
        assert_eq!(
            date("notes/2026/11/20.markdown").as_deref(),
            Some("2026-11-20")
        );
        assert_eq!(
            date("journals/2026_11_20.md").as_deref(),
            Some("2026-11-20")
        );
        assert_eq!(
            date("daily.journal.2026.11.20.md").as_deref(),
            Some("2026-11-20")
        );
    }

    #[test]
    fn spec3_rule4_folder_names_alone_give_no_date() {
        assert_eq!(date("2026-11-20/notes.md"), None);
        assert_eq!(date("2026/11/notes.md"), None);
        assert_eq!(date("meeting.md"), None);
        assert_eq!(
            path_date("2026-02-30.md"),
            PathDate::Impossible("2026-02-30".into())
        );
        assert_eq!(
            path_date("2026_02_30.md"),
            PathDate::Impossible("2026-02-30".into())
        );
    }

    #[test]
    fn spec2_page_handle_is_slug_of_stem() {
        assert_eq!(slug("people/Alice Chen.md"), "alice-chen");
        assert_eq!(slug("people/Bob__ _Smith.md"), "bob-smith");
        assert_eq!(slug("people/ÉMILE.md"), "émile");
        assert_eq!(slug("Conan O'Brien"), "conan-o-brien");
        assert_eq!(link_key("people/Alice Chen.md"), "people/alice chen");
    }
}
