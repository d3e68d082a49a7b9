//! Obsidian's settings files (SPEC §11), read once per run: the daily
//! notes' folder and format (`.obsidian/daily-notes.json`) and the
//! template folders of the core Templates plugin
//! (`.obsidian/templates.json`) and of Templater
//! (`.obsidian/plugins/templater-obsidian/data.json`). Only the keys
//! relnotes needs are looked at; a missing file, invalid JSON, a value of
//! the wrong type or an empty one means Obsidian's default.

use std::path::Path;

use serde_json::Value;

use crate::parse::settings::{folder, read_small, DailyNotes};

/// What an Obsidian vault's settings say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObsidianSettings {
    pub daily: DailyNotes,
    /// Template folders, sorted, without duplicates.
    pub templates: Vec<String>,
}

/// Reads the settings of the Obsidian vault at `root`.
pub fn read(root: &Path) -> ObsidianSettings {
    let dot = root.join(".obsidian");
    let mut templates: Vec<String> = [
        (dot.join("templates.json"), "folder"),
        (
            dot.join("plugins/templater-obsidian/data.json"),
            "templates_folder",
        ),
    ]
    .iter()
    .filter_map(|(file, key)| string_key(file, key).and_then(|f| folder(&f)))
    .collect();
    templates.sort();
    templates.dedup();
    ObsidianSettings {
        daily: daily_notes(&dot.join("daily-notes.json")),
        templates,
    }
}

/// `.obsidian/daily-notes.json`: `"folder"` (default the root) and
/// `"format"` (default `YYYY-MM-DD`; Obsidian treats an empty one so too).
fn daily_notes(file: &Path) -> DailyNotes {
    let obj = object(file);
    let get = |key: &str| {
        obj.as_ref()
            .and_then(|o| o.get(key))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let mut daily = DailyNotes::default();
    if let Some(f) = get("folder").and_then(folder) {
        daily.folder = f;
    }
    if let Some(fmt) = get("format").filter(|f| !f.chars().any(char::is_control)) {
        daily.format = fmt.to_string();
    }
    daily
}

/// The JSON object in `file`, if it holds one.
fn object(file: &Path) -> Option<serde_json::Map<String, Value>> {
    let bytes = read_small(file)?;
    let json = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    match serde_json::from_slice(json).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The string at `key` of the JSON object in `file`.
fn string_key(file: &Path, key: &str) -> Option<String> {
    match object(file)?.remove(key)? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join(".obsidian")).unwrap();
        for (rel, bytes) in files {
            let p = tmp.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        tmp
    }

    #[test]
    fn spec11_obsidian_daily_notes_folder_and_format_are_read() {
        let v = vault(&[(
            ".obsidian/daily-notes.json",
            br#"{"folder": "Journal/Daily/", "format": "DD.MM.YYYY", "template": "Templates/Daily", "autorun": true}"#,
        )]);
        let s = read(v.path());
        assert_eq!(s.daily.folder, "Journal/Daily");
        assert_eq!(s.daily.format, "DD.MM.YYYY");
    }

    #[test]
    fn spec11_obsidian_template_folders_are_read_from_both_plugins() {
        let v = vault(&[
            (".obsidian/templates.json", br#"{"folder": "Templates"}"#),
            (
                ".obsidian/plugins/templater-obsidian/data.json",
                br#"{"command_timeout": 5, "templates_folder": "Meta/Templater", "trigger_on_file_creation": false}"#,
            ),
        ]);
        let s = read(v.path());
        assert_eq!(s.templates, ["Meta/Templater", "Templates"]);
        let v = vault(&[
            (".obsidian/templates.json", br#"{"folder": "/Templates/"}"#),
            (
                ".obsidian/plugins/templater-obsidian/data.json",
                br#"{"templates_folder": "Templates"}"#,
            ),
        ]);
        assert_eq!(read(v.path()).templates, ["Templates"]);
    }

    #[test]
    fn spec11_obsidian_settings_with_a_byte_order_mark_are_read() {
        let v = vault(&[(
            ".obsidian/daily-notes.json",
            b"\xef\xbb\xbf{\"folder\": \"Daily\"}",
        )]);
        assert_eq!(read(v.path()).daily.folder, "Daily");
    }

    #[test]
    fn spec11_obsidian_missing_settings_are_the_defaults() {
        let v = vault(&[]);
        assert_eq!(read(v.path()), ObsidianSettings::default());
        assert_eq!(read(v.path()).daily.format, "YYYY-MM-DD");
        assert_eq!(read(v.path()).daily.folder, "");
    }

    #[test]
    fn spec11_obsidian_odd_settings_are_the_defaults_never_an_error() {
        let odd: [&[u8]; 10] = [
            b"",
            b"{",
            b"not json at all",
            b"[\"folder\", \"Templates\"]",
            b"\"Templates\"",
            br#"{"folder": 42, "format": ["DD"], "templates_folder": null}"#,
            br#"{"folder": "", "format": "   ", "templates_folder": "/"}"#,
            br#"{"folder": "../outside", "templates_folder": "../../etc"}"#,
            b"\x00\x01\x02\xff\xfe binary \x00",
            br#"{"folder": {"nested": "Daily"}, "format": {"a": 1}}"#,
        ];
        for bytes in odd {
            let v = vault(&[
                (".obsidian/daily-notes.json", bytes),
                (".obsidian/templates.json", bytes),
                (".obsidian/plugins/templater-obsidian/data.json", bytes),
            ]);
            let s = read(v.path());
            assert_eq!(
                s,
                ObsidianSettings::default(),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn spec11_obsidian_huge_or_deep_settings_are_the_defaults() {
        let mut huge = br#"{"folder": "Daily", "pad": ""#.to_vec();
        huge.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
        huge.extend(b"\"}");
        // Deeper than serde_json's recursion limit: an error, not a crash.
        let deep = [b"[".repeat(100_000), b"]".repeat(100_000)].concat();
        for bytes in [huge, deep] {
            let v = vault(&[(".obsidian/daily-notes.json", &bytes)]);
            assert_eq!(read(v.path()).daily, DailyNotes::default());
        }
    }

    #[test]
    fn spec11_obsidian_settings_folder_as_a_directory_is_the_default() {
        let v = vault(&[]);
        std::fs::create_dir_all(v.path().join(".obsidian/templates.json")).unwrap();
        assert!(read(v.path()).templates.is_empty());
    }
}
