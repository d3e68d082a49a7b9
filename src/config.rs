//! `.relnotes.toml` (SPEC §10) read with serde + toml and turned once into a
//! validated [`Config`]. An unknown key or a bad value is an error naming the
//! key and its line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::dates::Dur;
use crate::parse::settings::VaultSettings;
use crate::parse::ParseOptions;

/// The config file's name, at the notes root.
pub const FILE_NAME: &str = ".relnotes.toml";

/// Rows per report section unless `report_limit` says otherwise.
pub const DEFAULT_REPORT_LIMIT: usize = 25;
/// 09:00, in minutes after midnight.
pub const DEFAULT_ALARM: u32 = 9 * 60;

/// A file the daemon writes (`report`, `calendar`): a path relative to the
/// root that stays below it.
fn root_relative(text: &str) -> Option<String> {
    let rel = text.trim().trim_start_matches("./").to_string();
    let bad = rel.is_empty() || rel.starts_with('/') || rel.split('/').any(|p| p == "..");
    (!bad).then_some(rel)
}

/// `HH:MM` (24-hour) as minutes after midnight; `""` is no alarm.
fn parse_alarm(text: &str) -> Result<Option<u32>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || format!("`{t}` is not a time of day as HH:MM (09:00), or \"\" for none");
    let (h, m) = t.split_once(':').ok_or_else(bad)?;
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !(matches!(h.len(), 1 | 2) && h.bytes().all(|b| b.is_ascii_digit()) && two_digits(m)) {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(Some(h * 60 + m))
}

/// A config problem: the file, the 1-based line, and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    people_dir: Option<Spanned<String>>,
    person_tags: Option<Vec<String>>,
    ignore: Option<Vec<String>>,
    exclude: Option<Spanned<Vec<String>>>,
    follow_symlinks: Option<bool>,
    help_window: Option<Spanned<String>>,
    active_window: Option<Spanned<String>>,
    birthday_notice: Option<Spanned<String>>,
    report: Option<Spanned<String>>,
    report_limit: Option<Spanned<i64>>,
    calendar: Option<Spanned<String>>,
    alarm: Option<Spanned<String>>,
    on_due: Option<String>,
    kinds: Option<RawKinds>,
    cadence: Option<BTreeMap<String, Spanned<String>>>,
    aliases: Option<BTreeMap<String, Spanned<String>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawKinds {
    gave: Option<Vec<String>>,
    got: Option<Vec<String>>,
    gave_patterns: Option<Vec<Spanned<String>>>,
    got_patterns: Option<Vec<Spanned<String>>>,
}

/// A cadence as configured: the duration and the text it was written as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadence {
    pub dur: Dur,
    pub text: String,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub parse: ParseOptions,
    pub exclude: GlobSet,
    pub exclude_globs: Vec<String>,
    pub follow_symlinks: bool,
    pub help_window: Dur,
    pub active_window: Dur,
    pub birthday_notice: Dur,
    /// The report file, relative to the root.
    pub report: Option<String>,
    /// Rows per list section of the report (SPEC §8 ⟨1.2⟩); 0 is no limit.
    pub report_limit: usize,
    /// The daemon's calendar file, relative to the root.
    pub calendar: Option<String>,
    /// Minutes after midnight (local) of a reminder's day for its calendar
    /// alarm; `None` for no alarm.
    pub alarm: Option<u32>,
    pub on_due: Option<String>,
    /// Cadence by circle (lower case); `default` for everyone else.
    pub cadence: BTreeMap<String, Cadence>,
    /// alias (lower case) → canonical handle (lower case).
    pub aliases: BTreeMap<String, String>,
    /// Identifies the config text: the index re-parses every note when it
    /// changes.
    pub fingerprint: String,
    /// Identifies the `.relnotes.toml` text alone: what `relnotes allow`
    /// records (the vault's app settings, in `fingerprint` too, cannot
    /// add a command, and changing them needs no new `allow`).
    pub allow_key: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            parse: ParseOptions::default(),
            exclude: GlobSet::empty(),
            exclude_globs: Vec::new(),
            follow_symlinks: false,
            help_window: Dur::days(90),
            active_window: Dur::days(365),
            birthday_notice: Dur::days(7),
            report: None,
            report_limit: DEFAULT_REPORT_LIMIT,
            calendar: None,
            alarm: Some(DEFAULT_ALARM),
            on_due: None,
            cadence: BTreeMap::new(),
            aliases: BTreeMap::new(),
            fingerprint: "default".to_string(),
            allow_key: "default".to_string(),
        }
    }
}

fn line_of(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())].matches('\n').count() + 1
}

/// Builds the exclude matcher: a glob without `/` matches a name at any depth
/// (as in `.gitignore`); one with `/` is anchored at the root.
pub fn build_excludes(globs: &[String]) -> Result<GlobSet, (usize, String)> {
    let mut b = GlobSetBuilder::new();
    for (i, g) in globs.iter().enumerate() {
        let trimmed = g.trim().trim_end_matches('/');
        let anchored = trimmed.trim_start_matches('/');
        let pat = if trimmed.contains('/') {
            anchored.to_string()
        } else {
            format!("**/{anchored}")
        };
        // As in .gitignore, `*` and `?` never match a `/`; `**` does.
        let glob = GlobBuilder::new(&pat)
            .literal_separator(true)
            .build()
            .map_err(|e| (i, format!("exclude glob `{g}`: {e}")))?;
        b.add(glob);
    }
    b.build().map_err(|e| (0, format!("exclude globs: {e}")))
}

impl Config {
    /// Reads `.relnotes.toml` in `root`; no file is the default config.
    /// The vault's app settings (SPEC §11) are read too, never an error.
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        let path = root.join(FILE_NAME);
        let read = crate::parse::settings::open_regular(&path).and_then(|(mut f, _)| {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut bytes).map(|_| bytes)
        });
        let mut cfg = match read {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                Config::from_toml(&text, &path)?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => {
                return Err(ConfigError {
                    path,
                    line: 0,
                    message: format!("cannot read config: {e}"),
                })
            }
        };
        cfg.set_vault(VaultSettings::read(root));
        Ok(cfg)
    }

    /// Takes the vault's app settings into the config, and into its
    /// fingerprint: a changed daily-notes format or template folder
    /// re-parses every note, as a changed config does.
    pub fn set_vault(&mut self, vault: VaultSettings) {
        let both = format!("{}\n{}", self.fingerprint, vault.fingerprint());
        self.fingerprint = blake3::hash(both.as_bytes()).to_hex().to_string();
        self.parse.vault = vault;
    }

    /// Parses and validates config text; `path` is only used in errors.
    pub fn from_toml(src: &str, path: &Path) -> Result<Config, ConfigError> {
        let err = |offset: usize, message: String| ConfigError {
            path: path.to_path_buf(),
            line: line_of(src, offset),
            message,
        };
        let raw: RawConfig = toml::from_str(src).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            let mut message = e.message().trim().to_string();
            // Name the key when the message does not: the one on that line.
            let line = src[..offset.min(src.len())]
                .rsplit('\n')
                .next()
                .unwrap_or("");
            if let Some((key, _)) = line.split_once('=') {
                let key = key.trim().trim_matches('"');
                if !key.is_empty() && !message.contains(key) {
                    message = format!("`{key}`: {message}");
                }
            }
            err(offset, message)
        })?;
        let hash = blake3::hash(src.as_bytes()).to_hex().to_string();
        let mut cfg = Config {
            fingerprint: hash.clone(),
            allow_key: hash,
            ..Config::default()
        };
        let dur =
            |v: &Option<Spanned<String>>, key: &str, default: Dur| -> Result<Dur, ConfigError> {
                match v {
                    None => Ok(default),
                    Some(s) => Dur::parse(s.get_ref(), false)
                        .map_err(|e| err(s.span().start, format!("`{key}`: {e}"))),
                }
            };
        cfg.help_window = dur(&raw.help_window, "help_window", cfg.help_window)?;
        cfg.active_window = dur(&raw.active_window, "active_window", cfg.active_window)?;
        cfg.birthday_notice = dur(&raw.birthday_notice, "birthday_notice", cfg.birthday_notice)?;
        if let Some(dir) = &raw.people_dir {
            let d = dir.get_ref().trim().trim_matches('/');
            if d.contains("..") {
                return Err(err(
                    dir.span().start,
                    "`people_dir` must be a folder below the root".into(),
                ));
            }
            cfg.parse.people_dir = d.to_string();
        }
        if let Some(tags) = raw.person_tags {
            cfg.parse.person_tags = tags
                .iter()
                .map(|t| t.trim().trim_start_matches('#').to_lowercase())
                .filter(|t| !t.is_empty())
                .collect();
        }
        if let Some(ignore) = raw.ignore {
            cfg.parse.ignore = ignore
                .iter()
                .filter_map(|h| crate::parse::handle::canonical(h.trim().trim_start_matches('@')))
                .collect();
        }
        if let Some(ex) = &raw.exclude {
            cfg.exclude = build_excludes(ex.get_ref())
                .map_err(|(_, m)| err(ex.span().start, format!("`exclude`: {m}")))?;
            cfg.exclude_globs.clone_from(ex.get_ref());
        }
        cfg.follow_symlinks = raw.follow_symlinks.unwrap_or(false);
        if let Some(r) = &raw.report {
            let rel = root_relative(r.get_ref()).ok_or_else(|| {
                err(
                    r.span().start,
                    "`report` must be a file path relative to the root".into(),
                )
            })?;
            cfg.report = Some(rel);
        }
        if let Some(c) = &raw.calendar {
            let rel = root_relative(c.get_ref()).ok_or_else(|| {
                err(
                    c.span().start,
                    "`calendar` must be a file path relative to the root".into(),
                )
            })?;
            cfg.calendar = Some(rel);
        }
        if let Some(n) = &raw.report_limit {
            cfg.report_limit = usize::try_from(*n.get_ref()).map_err(|_| {
                err(
                    n.span().start,
                    format!(
                        "`report_limit`: {} is not a number of rows (0 for no limit)",
                        n.get_ref()
                    ),
                )
            })?;
        }
        if let Some(a) = &raw.alarm {
            cfg.alarm = parse_alarm(a.get_ref())
                .map_err(|e| err(a.span().start, format!("`alarm`: {e}")))?;
        }
        cfg.on_due = raw.on_due.filter(|s| !s.trim().is_empty());
        if let Some(k) = raw.kinds {
            let lower = |v: Vec<String>| {
                v.into_iter()
                    .map(|s| s.trim().trim_start_matches('#').to_lowercase())
                    .collect()
            };
            if let Some(g) = k.gave {
                cfg.parse.kinds.gave = lower(g);
            }
            if let Some(g) = k.got {
                cfg.parse.kinds.got = lower(g);
            }
            let regexes =
                |v: Option<Vec<Spanned<String>>>, key: &str| -> Result<Vec<Regex>, ConfigError> {
                    v.unwrap_or_default()
                        .into_iter()
                        .map(|s| {
                            Regex::new(s.get_ref()).map_err(|e| {
                                // regex errors span lines; a message is one.
                                let text = e.to_string();
                                let parts: Vec<&str> = text
                                    .lines()
                                    .map(str::trim)
                                    .filter(|l| !l.is_empty())
                                    .collect();
                                err(
                                    s.span().start,
                                    format!("`kinds.{key}`: bad regex: {}", parts.join(" ")),
                                )
                            })
                        })
                        .collect()
                };
            cfg.parse.kinds.gave_patterns = regexes(k.gave_patterns, "gave_patterns")?;
            cfg.parse.kinds.got_patterns = regexes(k.got_patterns, "got_patterns")?;
        }
        for (circle, text) in raw.cadence.unwrap_or_default() {
            let d = Dur::parse(text.get_ref(), false)
                .map_err(|e| err(text.span().start, format!("`cadence.{circle}`: {e}")))?;
            cfg.cadence.insert(
                circle.trim().to_lowercase(),
                Cadence {
                    dur: d,
                    text: text.get_ref().trim().to_string(),
                },
            );
        }
        for (alias, handle) in raw.aliases.unwrap_or_default() {
            let a = alias.trim().trim_start_matches('@').to_lowercase();
            let h = handle
                .get_ref()
                .trim()
                .trim_start_matches('@')
                .to_lowercase();
            if a.is_empty() || h.is_empty() {
                return Err(err(
                    handle.span().start,
                    format!("`aliases.{alias}`: alias and handle must not be empty"),
                ));
            }
            cfg.aliases.insert(a, h);
        }
        Ok(cfg)
    }
}

/// The commented config `relnotes init` writes.
pub const TEMPLATE: &str = r#"# relnotes configuration: every key is optional; the values shown are the
# defaults unless marked "example". See the README's config section.

# Person pages: every note under this folder (matched in any case) is a
# person page, and so is any note tagged with one of person_tags (in its
# front matter or Logseq page properties: tags, type or categories).
people_dir = "people"
person_tags = ["person", "people", "contact"]

# Handles that are never people (`@channel` in a pasted chat).
ignore = ["here", "channel", "everyone", "all"]

# Globs of notes to skip, relative to the root (as in .gitignore: a glob
# without `/` matches a file or folder name at any depth).
exclude = ["templates/**"]

# Follow symbolic links while walking the notes (loops are reported once).
follow_symlinks = false

# "Who haven't I helped lately": people not helped within help_window,
# among those with a page or an interaction within active_window.
help_window = "90d"
active_window = "365d"

# How far ahead birthdays show as upcoming.
birthday_notice = "7d"

# The daemon's report file, relative to the root (example).
# report = "RELNOTES.md"

# Rows per list section of the report (0: no limit); the JSON report and
# `export` always have every row.
report_limit = 25

# The daemon's calendar file, relative to the root (example).
# calendar = "relnotes.ics"

# The calendar alarm's time on a reminder's day (local, HH:MM); "" for none.
alarm = "09:00"

# A command run once per due reminder per day by `relnotes watch` (example).
# on_due = "notify-send relnotes \"$RELNOTES_TEXT\""

[kinds]
gave = ["gave", "helped", "intro", "referral", "advice", "gift"]
got = ["got", "asked", "favor"]
# Regexes matched against the entry text (example).
# gave_patterns = ["(?i)\\bintroduced\\b"]
gave_patterns = []
got_patterns = []

[cadence]
# Keep-in-touch by circle; `default` applies to everyone else (examples).
# default = "6m"
# mentor = "1m"

[aliases]
# alias = "canonical handle" (example)
# bobby = "bob"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn load(src: &str) -> Result<Config, ConfigError> {
        Config::from_toml(src, Path::new(".relnotes.toml"))
    }

    #[test]
    fn spec10_template_is_a_valid_config() {
        let cfg = load(TEMPLATE).unwrap();
        assert_eq!(cfg.help_window, Dur::days(90));
        assert!(cfg.report.is_none());
    }

    #[test]
    fn spec10_report_limit_calendar_and_alarm() {
        let cfg = load("report_limit = 5\ncalendar = \"./cal/relnotes.ics\"\nalarm = \"7:30\"\n")
            .unwrap();
        assert_eq!(cfg.report_limit, 5);
        assert_eq!(cfg.calendar.as_deref(), Some("cal/relnotes.ics"));
        assert_eq!(cfg.alarm, Some(7 * 60 + 30));
        let d = Config::default();
        assert_eq!((d.report_limit, d.alarm, d.calendar), (25, Some(540), None));
        assert_eq!(load("alarm = \"\"\n").unwrap().alarm, None);
        for (src, key, line) in [
            ("\nreport_limit = -1\n", "report_limit", 2),
            ("calendar = \"../x.ics\"\n", "calendar", 1),
            ("calendar = \"/etc/x.ics\"\n", "calendar", 1),
            ("\n\nalarm = \"24:00\"\n", "alarm", 3),
            ("alarm = \"9am\"\n", "alarm", 1),
            ("alarm = \"09:5\"\n", "alarm", 1),
        ] {
            let e = load(src).unwrap_err();
            assert!(e.message.contains(key), "{src}: {}", e.message);
            assert_eq!(e.line, line, "{src}");
        }
    }

    #[test]
    fn spec10_unknown_key_is_an_error_naming_key_and_line() {
        let e = load("help_window = \"90d\"\n\ncolour = true\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("colour"), "{}", e.message);
        let e = load("[kinds]\nhelped = []\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("helped"), "{}", e.message);
    }

    #[test]
    fn spec10_bad_value_is_an_error_naming_key_and_line() {
        let e = load("people_dir = \"p\"\nhelp_window = \"soon\"\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("help_window"), "{}", e.message);
        let e = load("[cadence]\nmentor = \"monthly\"\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("cadence.mentor"), "{}", e.message);
        let e = load("[kinds]\ngave_patterns = [\"(\"]\n").unwrap_err();
        assert!(e.message.contains("gave_patterns"), "{}", e.message);
        let e = load("follow_symlinks = \"yes\"\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("follow_symlinks"), "{}", e.message);
        let e = load("[kinds]\ngave_patterns = [\"(unclosed\"]\n").unwrap_err();
        assert!(!e.to_string().contains('\n'), "{e}");
    }

    #[test]
    fn spec11_vault_settings_are_loaded_and_fingerprinted() {
        let tmp = tempfile::tempdir().unwrap();
        let plain = Config::load(tmp.path()).unwrap();
        assert_eq!(plain.parse.vault, VaultSettings::default());
        std::fs::create_dir(tmp.path().join(".obsidian")).unwrap();
        let obsidian = Config::load(tmp.path()).unwrap();
        assert_eq!(
            obsidian.parse.vault.daily.as_ref().unwrap().format,
            "YYYY-MM-DD"
        );
        std::fs::write(
            tmp.path().join(".obsidian/daily-notes.json"),
            r#"{"format": "DD.MM.YYYY"}"#,
        )
        .unwrap();
        let dotted = Config::load(tmp.path()).unwrap();
        assert_eq!(
            dotted.parse.vault.daily.as_ref().unwrap().format,
            "DD.MM.YYYY"
        );
        // Each change of the settings is a change of the fingerprint.
        assert_ne!(plain.fingerprint, obsidian.fingerprint);
        assert_ne!(obsidian.fingerprint, dotted.fingerprint);
        assert_eq!(
            dotted.fingerprint,
            Config::load(tmp.path()).unwrap().fingerprint
        );
        // With a config file too.
        std::fs::write(tmp.path().join(FILE_NAME), "help_window = \"30d\"\n").unwrap();
        let both = Config::load(tmp.path()).unwrap();
        assert_eq!(both.parse.vault, dotted.parse.vault);
        assert_ne!(both.fingerprint, dotted.fingerprint);
    }

    #[test]
    fn spec10_values_are_read() {
        let cfg = load(
            "people_dir = \"folks/\"\nexclude = [\"templates/**\", \"draft*\"]\n[cadence]\nMentor = \"1m\"\n[aliases]\nBobby = \"@Bob\"\n[kinds]\ngave = [\"#Kudos\"]\n",
        )
        .unwrap();
        assert_eq!(cfg.parse.people_dir, "folks");
        let cfg2 = load("person_tags = [\"#Friend\"]\nignore = [\"@Team\", \"42\"]\n").unwrap();
        assert_eq!(cfg2.parse.person_tags, ["friend"]);
        assert_eq!(cfg2.parse.ignore, ["team"]);
        assert_eq!(cfg.cadence["mentor"].text, "1m");
        assert_eq!(cfg.aliases["bobby"], "bob");
        assert_eq!(cfg.parse.kinds.gave, ["kudos"]);
        assert_eq!(cfg.parse.kinds.got, ["got", "asked", "favor"]);
        assert!(cfg.exclude.is_match("templates/daily.md"));
        assert!(cfg.exclude.is_match("a/b/drafts"));
        assert!(!cfg.exclude.is_match("notes/templates.md"));
        // As in .gitignore, `*` stays within one folder.
        let cfg = load("exclude = [\"journal/*.md\", \"t*s\"]\n").unwrap();
        assert!(cfg.exclude.is_match("journal/a.md"));
        assert!(!cfg.exclude.is_match("journal/2026/deep.md"));
        assert!(cfg.exclude.is_match("x/tags"));
        assert!(!cfg.exclude.is_match("todo/ideas"));
    }
}
