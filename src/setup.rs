//! What `relnotes init` finds in a notes folder (SPEC §7, §11) and the
//! config it writes to fit it: which app's vault it is (Obsidian, Logseq or
//! a plain folder), the people folder that exists in whatever case, and the
//! template and backup folders, listed in `exclude` so a reader of the
//! config sees them (the walk skips them whatever `exclude` says).

use std::path::Path;

use crate::config::TEMPLATE;
use crate::parse::settings::VaultSettings;

/// The default people folder (SPEC §10).
const PEOPLE: &str = "people";

/// Logseq's folders of page copies.
const LOGSEQ_COPIES: [&str; 2] = ["logseq/bak", "logseq/version-files"];

/// What `init` found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub settings: VaultSettings,
    /// The people folder as it is spelled on disk, if one exists.
    pub people_dir: Option<String>,
    /// Template folders: the app's settings, else a top-level `templates`
    /// folder in any case.
    pub templates: Vec<String>,
    /// Folders of copies to skip (Logseq's backups).
    pub backups: Vec<String>,
}

/// Looks at `root` the way `init` does.
pub fn detect(root: &Path) -> Detected {
    let settings = VaultSettings::read(root);
    let top = folder_names(root);
    let mut templates = settings.templates.clone();
    if templates.is_empty() {
        templates.extend(
            top.iter()
                .find(|n| n.eq_ignore_ascii_case("templates"))
                .cloned(),
        );
    }
    let backups = if settings.logseq.is_some() {
        LOGSEQ_COPIES.iter().map(|s| (*s).to_string()).collect()
    } else {
        Vec::new()
    };
    Detected {
        people_dir: people_dir(root, &top),
        settings,
        templates,
        backups,
    }
}

/// Names of the folders directly in `dir` that a walk would enter, sorted.
fn folder_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// The people folder: `people` in any case at the top, else one level
/// down (`Areas/People`), the first in path order.
fn people_dir(root: &Path, top: &[String]) -> Option<String> {
    let is_people = |n: &str| n.eq_ignore_ascii_case(PEOPLE);
    if let Some(n) = top.iter().find(|n| is_people(n)) {
        return Some(n.clone());
    }
    top.iter().find_map(|parent| {
        folder_names(&root.join(parent))
            .into_iter()
            .find(|n| is_people(n))
            .map(|n| format!("{parent}/{n}"))
    })
}

impl Detected {
    /// The `exclude` globs: template folders, then backup folders.
    pub fn exclude(&self) -> Vec<String> {
        self.templates
            .iter()
            .chain(&self.backups)
            .map(|f| format!("{}/**", globset::escape(f)))
            .collect()
    }

    /// The commented config, fitted to what was found.
    pub fn config_text(&self) -> String {
        let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
        let people = self.people_dir.as_deref().unwrap_or(PEOPLE);
        let exclude: Vec<String> = self.exclude().iter().map(|g| quote(g)).collect();
        TEMPLATE
            .replacen(
                "people_dir = \"people\"\n",
                &format!("people_dir = {}\n", quote(people)),
                1,
            )
            .replacen(
                "exclude = [\"templates/**\"]\n",
                &format!("exclude = [{}]\n", exclude.join(", ")),
                1,
            )
    }

    /// One line saying what was found.
    pub fn summary(&self) -> String {
        let mut kinds = Vec::new();
        if let Some(d) = &self.settings.daily {
            let folder = if d.folder.is_empty() {
                "the top folder".to_string()
            } else {
                format!("{}/", d.folder)
            };
            kinds.push(format!(
                "Obsidian vault (daily notes {} in {folder})",
                d.format
            ));
        }
        if let Some(l) = &self.settings.logseq {
            kinds.push(format!(
                "Logseq graph (journals {} in {}/)",
                l.file_name_format, l.journals_dir
            ));
        }
        if kinds.is_empty() {
            kinds.push("plain folder of notes".to_string());
        }
        let people = match &self.people_dir {
            Some(p) => format!("people folder {p}/"),
            None => format!("no people folder yet ({PEOPLE}/ in any case, or pages tagged person)"),
        };
        let list = |v: &[String]| {
            v.iter()
                .map(|f| format!("{f}/"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut skipped = Vec::new();
        if !self.templates.is_empty() {
            skipped.push(format!("templates {}", list(&self.templates)));
        }
        if !self.backups.is_empty() {
            skipped.push(format!("backups {}", list(&self.backups)));
        }
        let skipped = if skipped.is_empty() {
            "no templates".to_string()
        } else {
            format!("skipping {}", skipped.join(" and "))
        };
        format!("detected: {}; {people}; {skipped}", kinds.join(" and "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn folder(files: &[&str]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for f in files {
            let p = tmp.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "{}").unwrap();
        }
        tmp
    }

    fn config(d: &Detected) -> Config {
        Config::from_toml(&d.config_text(), Path::new(".relnotes.toml")).unwrap()
    }

    #[test]
    fn spec7_init_template_has_the_lines_it_fits() {
        assert!(TEMPLATE.contains("people_dir = \"people\"\n"));
        assert!(TEMPLATE.contains("exclude = [\"templates/**\"]\n"));
    }

    #[test]
    fn spec7_init_fits_an_obsidian_vault() {
        let v = folder(&[
            ".obsidian/templates.json",
            "People/Alice Chen.md",
            "Templates/Daily.md",
            "Daily/01.11.2026.md",
        ]);
        std::fs::write(
            v.path().join(".obsidian/templates.json"),
            r#"{"folder": "Templates"}"#,
        )
        .unwrap();
        std::fs::write(
            v.path().join(".obsidian/daily-notes.json"),
            r#"{"folder": "Daily", "format": "DD.MM.YYYY"}"#,
        )
        .unwrap();
        let d = detect(v.path());
        assert_eq!(d.people_dir.as_deref(), Some("People"));
        assert_eq!(d.templates, ["Templates"]);
        assert!(d.backups.is_empty());
        let cfg = config(&d);
        assert_eq!(cfg.parse.people_dir, "People");
        assert_eq!(cfg.exclude_globs, ["Templates/**"]);
        assert_eq!(
            d.summary(),
            "detected: Obsidian vault (daily notes DD.MM.YYYY in Daily/); people folder People/; \
             skipping templates Templates/"
        );
    }

    #[test]
    fn spec7_init_fits_a_logseq_graph() {
        let v = folder(&[
            "logseq/config.edn",
            "logseq/bak/pages/x.md",
            "pages/people___Grace Hopper.md",
            "journals/2026_11_10.md",
        ]);
        let d = detect(v.path());
        assert_eq!(d.people_dir, None);
        let cfg = config(&d);
        assert_eq!(cfg.parse.people_dir, "people");
        assert_eq!(
            cfg.exclude_globs,
            ["logseq/bak/**", "logseq/version-files/**"]
        );
        assert!(cfg.exclude.is_match("logseq/bak/pages/x.md"));
        assert!(d.summary().starts_with(
            "detected: Logseq graph (journals yyyy_MM_dd in journals/); no people folder yet"
        ));
        assert!(d
            .summary()
            .ends_with("skipping backups logseq/bak/, logseq/version-files/"));
    }

    #[test]
    fn spec7_init_fits_a_plain_folder() {
        let v = folder(&["notes/a.md", "Areas/People/Bob.md", "TEMPLATES/t.md"]);
        let d = detect(v.path());
        assert_eq!(d.people_dir.as_deref(), Some("Areas/People"));
        assert_eq!(d.templates, ["TEMPLATES"]);
        assert_eq!(config(&d).exclude_globs, ["TEMPLATES/**"]);
        assert_eq!(
            d.summary(),
            "detected: plain folder of notes; people folder Areas/People/; skipping templates TEMPLATES/"
        );
        let empty = folder(&[]);
        let d = detect(empty.path());
        assert!(config(&d).exclude_globs.is_empty());
        assert!(d.summary().ends_with("; no templates"), "{}", d.summary());
    }

    #[test]
    fn spec7_init_quotes_odd_folder_names() {
        let v = folder(&[".obsidian/templates.json", "My \"Tpl\" [x]/t.md"]);
        std::fs::write(
            v.path().join(".obsidian/templates.json"),
            r#"{"folder": "My \"Tpl\" [x]"}"#,
        )
        .unwrap();
        let d = detect(v.path());
        let cfg = config(&d);
        assert!(cfg.exclude.is_match("My \"Tpl\" [x]/t.md"));
        assert!(!cfg.exclude.is_match("My \"Tpl\" x/t.md"));
    }
}
