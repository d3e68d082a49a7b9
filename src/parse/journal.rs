//! Journal days (SPEC §3, §11 ⟨1.1⟩): which link targets name a day
//! (`[[2026-11-10]]`, `[[Nov 10th, 2026]]`, the vault's own formats) and
//! which file paths are a day's journal page by the vault's settings
//! (Obsidian daily notes, Logseq journals). Compiled once from the
//! [`VaultSettings`] and shared by every parse.

use chrono::NaiveDate;

use super::dateformat::Format;
use super::settings::VaultSettings;
use super::{logseq, obsidian};

/// The vault's journal formats, compiled.
#[derive(Debug, Clone)]
pub struct Journal {
    /// Formats a link target may be written in (ISO is always tried first).
    titles: Vec<Format>,
    /// Obsidian's daily notes: folder, settings and compiled format.
    daily: Option<(super::settings::DailyNotes, Format)>,
    /// Logseq's journals folder and file-name format.
    journals: Option<(String, Format)>,
}

impl Journal {
    pub fn new(vault: &VaultSettings) -> Journal {
        let mut titles = vec![logseq::format(logseq::DEFAULT_TITLE_FORMAT)];
        let journals = vault.logseq.as_ref().map(|l| {
            titles.push(logseq::format(&l.page_title_format));
            (
                l.journals_dir.trim_matches('/').to_string(),
                logseq::format(&l.file_name_format),
            )
        });
        let daily = vault.daily.as_ref().map(|d| {
            let f = obsidian::format(&d.format);
            // A link names the note by its file name: the format's last part.
            let last = d.format.rsplit('/').next().unwrap_or(&d.format);
            titles.push(obsidian::format(last));
            (d.clone(), f)
        });
        titles.dedup();
        Journal {
            titles,
            daily,
            journals,
        }
    }

    /// The day a wikilink target names, if it is a journal link.
    pub fn link_date(&self, target: &str) -> Option<NaiveDate> {
        let whole = target.trim();
        if !whole.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        let last = whole.rsplit('/').next().unwrap_or(whole);
        if last.len() == 10 {
            if let Some(d) = crate::dates::parse_iso(last) {
                return Some(d);
            }
        }
        self.titles
            .iter()
            .find_map(|f| f.parse(whole).or_else(|| f.parse(last)))
    }

    /// The day of a journal page by the vault's own settings.
    pub fn path_date(&self, rel: &str) -> Option<NaiveDate> {
        if let Some((daily, fmt)) = &self.daily {
            if let Some(d) = obsidian::daily_date(rel, daily, fmt) {
                return Some(d);
            }
        }
        let (dir, fmt) = self.journals.as_ref()?;
        let inside = rel.strip_prefix(dir.as_str())?.strip_prefix('/')?;
        let stem = inside.strip_suffix(".md")?;
        fmt.parse(stem)
    }
}

impl Default for Journal {
    fn default() -> Journal {
        Journal::new(&VaultSettings::default())
    }
}

#[cfg(test)]
mod tests {
    use super::super::settings::{DailyNotes, LogseqJournals};
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn spec11_journal_links_in_every_vault() {
        let j = Journal::default();
        assert_eq!(j.link_date("2026-11-10"), day(2026, 11, 10));
        assert_eq!(j.link_date("Nov 10th, 2026"), day(2026, 11, 10));
        assert_eq!(j.link_date("journals/2026-11-10"), day(2026, 11, 10));
        assert_eq!(j.link_date("Alice Chen"), None);
        assert_eq!(j.link_date("20.11.2026"), None);
    }

    #[test]
    fn spec11_vault_formats_for_links_and_paths() {
        let v = VaultSettings {
            daily: Some(DailyNotes {
                folder: "Daily".into(),
                format: "YYYY/DD.MM.YYYY".into(),
            }),
            templates: vec![],
            logseq: Some(LogseqJournals {
                journals_dir: "journals".into(),
                file_name_format: "yyyy_MM_dd".into(),
                page_title_format: "EEEE, dd.MM.yyyy".into(),
            }),
        };
        let j = Journal::new(&v);
        assert_eq!(j.link_date("20.11.2026"), day(2026, 11, 20));
        assert_eq!(j.link_date("Friday, 20.11.2026"), day(2026, 11, 20));
        assert_eq!(j.path_date("Daily/2026/20.11.2026.md"), day(2026, 11, 20));
        assert_eq!(j.path_date("journals/2026_11_20.md"), day(2026, 11, 20));
        assert_eq!(j.path_date("pages/2026_11_20.md"), None);
    }
}
