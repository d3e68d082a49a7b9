//! What a vault's own app says about its layout (SPEC §11): Obsidian's daily
//! notes and template folders, Logseq's journal formats. Read once per run
//! from the app's own settings files; a missing or odd file means the app's
//! defaults, never an error. The parser uses it to date journal files and
//! journal links; the walk uses it to skip template folders.
//!
//! Interface shared by the parser (`parse::obsidian`, `parse::logseq`) and
//! the settings readers. `VaultSettings::read` returns the defaults until
//! the readers land.

use std::path::Path;

/// Obsidian's daily-notes settings (`.obsidian/daily-notes.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyNotes {
    /// Folder relative to the root, `/`-separated, no leading or trailing
    /// `/`; `""` is the root itself.
    pub folder: String,
    /// moment.js format, default `YYYY-MM-DD`.
    pub format: String,
}

/// Logseq's journal settings (`logseq/config.edn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogseqJournals {
    /// `:journals-directory`, default `journals`.
    pub journals_dir: String,
    /// `:journal/file-name-format`, default `yyyy_MM_dd`.
    pub file_name_format: String,
    /// `:journal/page-title-format`, default `MMM do, yyyy`.
    pub page_title_format: String,
}

/// Everything relnotes reads from a vault's app settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VaultSettings {
    /// Set when the root is an Obsidian vault (holds `.obsidian/`).
    pub daily: Option<DailyNotes>,
    /// Template folders (Obsidian core templates, Templater), relative,
    /// `/`-separated; never read as notes.
    pub templates: Vec<String>,
    /// Set when the root is a Logseq graph (holds `logseq/config.edn`).
    pub logseq: Option<LogseqJournals>,
}

impl VaultSettings {
    /// Reads the settings files under `root`.
    pub fn read(_root: &Path) -> VaultSettings {
        VaultSettings::default()
    }
}
