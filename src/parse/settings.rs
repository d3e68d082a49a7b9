//! What a vault's own app says about its layout (SPEC §11): Obsidian's daily
//! notes and template folders, Logseq's journal formats. Read once per run
//! from the app's own settings files; a missing or odd file means the app's
//! defaults, never an error. The parser uses it to date journal files and
//! journal links; the walk uses it to skip template folders.
//!
//! Interface shared by the parser (`parse::obsidian`, `parse::logseq`) and
//! the settings readers, which live with each app's other conventions
//! (`parse::obsidian::settings`, `parse::logseq::settings`).

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
    /// Reads the settings files under `root`: Obsidian's when `.obsidian/`
    /// is there, Logseq's when `logseq/config.edn` is. Never fails: a
    /// missing, unreadable or odd file gives that app's defaults.
    pub fn read(root: &Path) -> VaultSettings {
        let mut s = VaultSettings::default();
        if root.join(".obsidian").is_dir() {
            let o = super::obsidian::settings::read(root);
            s.daily = Some(o.daily);
            s.templates = o.templates;
        }
        if root.join("logseq/config.edn").is_file() {
            s.logseq = Some(super::logseq::settings::read(root));
        }
        s
    }

    /// A short, stable description of what was read, folded into the
    /// config's fingerprint so the index re-parses when it changes.
    pub fn fingerprint(&self) -> String {
        format!("{self:?}")
    }
}

impl Default for DailyNotes {
    fn default() -> DailyNotes {
        DailyNotes {
            folder: String::new(),
            format: "YYYY-MM-DD".to_string(),
        }
    }
}

impl Default for LogseqJournals {
    fn default() -> LogseqJournals {
        LogseqJournals {
            journals_dir: "journals".to_string(),
            file_name_format: "yyyy_MM_dd".to_string(),
            page_title_format: "MMM do, yyyy".to_string(),
        }
    }
}

/// The settings files read, relative to the root: a change to one is a
/// change of config, which the daemon re-reads. (It sees
/// `logseq/config.edn` change; `.obsidian/` is a hidden folder it does not
/// watch, so a change there is read with the next config change or start.)
pub const FILES: [&str; 4] = [
    ".obsidian/daily-notes.json",
    ".obsidian/templates.json",
    ".obsidian/plugins/templater-obsidian/data.json",
    "logseq/config.edn",
];

/// Settings files larger than this are not read (the app's defaults
/// stand): real ones are a few KiB.
pub(crate) const MAX_SETTINGS_BYTES: u64 = 1024 * 1024;

/// The bytes of a settings file, or `None` when it is missing, unreadable,
/// not a regular file or over [`MAX_SETTINGS_BYTES`].
pub(crate) fn read_small(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let (f, len) = open_regular(path).ok()?;
    if len > MAX_SETTINGS_BYTES {
        return None;
    }
    let mut bytes = Vec::new();
    f.take(MAX_SETTINGS_BYTES + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    (bytes.len() as u64 <= MAX_SETTINGS_BYTES).then_some(bytes)
}

/// Opens a file in the notes for reading, and its length, without ever
/// blocking: a FIFO is opened non-blocking, and a FIFO, device, socket or
/// folder is an error, never read (a `.obsidian/daily-notes.json` FIFO
/// hung every command).
pub(crate) fn open_regular(path: &Path) -> std::io::Result<(std::fs::File, u64)> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut opts, libc::O_NONBLOCK);
    let f = opts.open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, device, socket or folder)",
        ));
    }
    Ok((f, meta.len()))
}

/// A folder named in a settings file as a path below the root: `/`
/// separated, without leading `/` or `./`, trailing `/` or empty parts.
/// `None` for the root itself, or a path that leaves it (`..`) or holds
/// control characters: such a setting is ignored.
pub(crate) fn folder(raw: &str) -> Option<String> {
    let raw = raw.trim().replace('\\', "/");
    let mut parts = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p if p.chars().any(char::is_control) => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec11_settings_folder_is_normalised_and_never_the_root() {
        assert_eq!(folder("Daily").as_deref(), Some("Daily"));
        assert_eq!(folder("/Daily/Notes/").as_deref(), Some("Daily/Notes"));
        assert_eq!(
            folder("./Meta//Templates").as_deref(),
            Some("Meta/Templates")
        );
        assert_eq!(folder("Meta\\Templates").as_deref(), Some("Meta/Templates"));
        for root in ["", "/", " ", ".", "./"] {
            assert_eq!(folder(root), None, "{root:?}");
        }
        assert_eq!(folder("../elsewhere"), None);
        assert_eq!(folder("a/../../b"), None);
    }

    #[test]
    fn spec11_no_app_folder_means_no_app_settings() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(VaultSettings::read(tmp.path()), VaultSettings::default());
        // A file named like the marker folder is no vault.
        std::fs::write(tmp.path().join(".obsidian"), "x").unwrap();
        std::fs::create_dir(tmp.path().join("logseq")).unwrap();
        assert_eq!(VaultSettings::read(tmp.path()), VaultSettings::default());
    }

    #[test]
    fn spec11_app_folders_without_settings_give_the_app_defaults() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join(".obsidian")).unwrap();
        std::fs::create_dir_all(tmp.path().join("logseq")).unwrap();
        std::fs::write(tmp.path().join("logseq/config.edn"), "").unwrap();
        let s = VaultSettings::read(tmp.path());
        assert_eq!(s.daily, Some(DailyNotes::default()));
        assert!(s.templates.is_empty());
        assert_eq!(s.logseq, Some(LogseqJournals::default()));
    }

    #[test]
    fn spec11_settings_over_the_size_limit_are_not_read() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("big.json");
        let big = vec![b' '; usize::try_from(MAX_SETTINGS_BYTES).unwrap() + 1];
        std::fs::write(&p, big).unwrap();
        assert!(read_small(&p).is_none());
        assert!(read_small(tmp.path()).is_none(), "a folder is no file");
        std::fs::write(&p, b"{}").unwrap();
        assert_eq!(read_small(&p).as_deref(), Some(&b"{}"[..]));
    }
}
