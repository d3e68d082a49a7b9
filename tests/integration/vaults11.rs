//! Vaults as their apps leave them (SPEC v1.1 §1, §7, §11): the root found
//! by `.obsidian/` and `logseq/config.edn`, the notice and the refusal when
//! no root is marked, Logseq's backups and the vault's template folders
//! never read, the app's settings taking effect (and re-parsing when they
//! change), `init` fitting the folder it finds, and `check` saying when no
//! note is a person page.

use std::path::Path;

use serde_json::{json, Value};

use crate::util::{handles, person, Run, Vault, TODAY};

/// Runs `relnotes --today … <args>` in `cwd`, with no `--dir`: the root is
/// found the way a user at a shell would have it found.
fn run_in(vault: &Vault, cwd: &Path, args: &[&str]) -> Run {
    let mut cmd = vault.bare_command();
    cmd.current_dir(cwd).arg("--today").arg(TODAY).args(args);
    Run::from_command(&mut cmd, args.join(" "))
}

#[test]
fn spec1_obsidian_and_logseq_markers_make_the_root() {
    let vault = Vault::with_files(&[
        ("obsidian/.obsidian/app.json", "{}"),
        ("obsidian/Daily/2026-11-10.md", "- met @ana #gave\n"),
        ("obsidian/Daily/2026/x.md", "deep\n"),
        ("logseq-graph/logseq/config.edn", "{:meta/version 1}"),
        ("logseq-graph/journals/2026_11_10.md", "- met @lee #gave\n"),
        ("logseq-graph/pages/x.md", "- page\n"),
    ]);
    let run = run_in(
        &vault,
        &vault.path("obsidian/Daily/2026"),
        &["people", "--format", "json"],
    );
    run.assert_code(0).assert_quiet();
    assert_eq!(handles(&run.json()), ["ana"]);
    let run = run_in(
        &vault,
        &vault.path("logseq-graph/pages"),
        &["people", "--format", "json"],
    );
    run.assert_code(0).assert_quiet();
    assert_eq!(handles(&run.json()), ["lee"]);
}

#[test]
fn spec1_falling_back_to_the_working_directory_says_so_once() {
    let vault = Vault::with_files(&[("notes/log.md", "- 2026-11-10 met @ana\n")]);
    let cwd = vault.path("notes");
    let run = run_in(&vault, &cwd, &["people", "--format", "json"]);
    run.assert_code(0);
    assert_eq!(handles(&run.json()), ["ana"]);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].contains(&*cwd.to_string_lossy()), "{}", run.stderr);
    assert!(lines[0].contains("working directory"), "{}", run.stderr);
    // Named by --dir, or marked, it is quiet.
    vault.write("notes/.relnotes.toml", "");
    run_in(&vault, &cwd, &["people"])
        .assert_code(0)
        .assert_quiet();
}

#[test]
fn spec1_the_home_folder_itself_is_refused_as_a_fallback_root() {
    let vault = Vault::new();
    let home = vault.home();
    std::fs::write(home.join("todo.md"), "- 2026-11-10 met @ana\n").unwrap();
    for cmd in ["people", "report", "check", "due"] {
        let run = run_in(&vault, home, &[cmd]);
        run.assert_usage_error();
        assert!(run.stderr.contains("the home folder"), "{}", run.stderr);
        assert!(run.stderr.contains("--dir"), "{}", run.stderr);
        assert!(run.stderr.contains("relnotes init"), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
    // A folder below home is fine, and so is home named on purpose.
    std::fs::create_dir(home.join("notes")).unwrap();
    run_in(&vault, &home.join("notes"), &["people"]).assert_code(0);
    let mut cmd = vault.bare_command();
    cmd.current_dir(home)
        .args(["--dir", &home.to_string_lossy(), "people"]);
    Run::from_command(&mut cmd, "--dir HOME people".into()).assert_code(0);
    // As is home holding a marker (`relnotes init` there).
    run_in(&vault, home, &["init"]).assert_code(0);
    run_in(&vault, home, &["people"])
        .assert_code(0)
        .assert_quiet();
}

#[test]
fn spec1_the_filesystem_root_is_refused_as_a_fallback_root() {
    let slash = Path::new("/");
    let markers = [".relnotes.toml", ".git", ".obsidian", "logseq/config.edn"];
    if markers.iter().any(|m| slash.join(m).exists()) {
        return; // `/` is marked on this machine: it is a chosen root.
    }
    let vault = Vault::new();
    let run = run_in(&vault, slash, &["people"]);
    run.assert_usage_error();
    assert!(run.stderr.contains("the filesystem root"), "{}", run.stderr);
    assert!(run.stderr.contains("--dir"), "{}", run.stderr);
}

#[test]
fn spec1_logseq_backups_are_never_read_whatever_exclude_says() {
    let day = "- met @ana-silva #gave\n";
    let vault = Vault::with_files(&[
        ("logseq/config.edn", "{}"),
        (".relnotes.toml", "exclude = []\n"),
        ("journals/2026-11-10 call.md", day),
        (
            "logseq/bak/journals/2026-11-10 call/2026-11-10T10_00_00.000Z.Desktop.md",
            day,
        ),
        ("logseq/version-files/base/journals/2026-11-10 call.md", day),
    ]);
    let people = vault.json(&["people"]);
    let ana = person(&people, "ana-silva").expect("ana-silva");
    assert_eq!(ana["mentions"], 1);
    assert_eq!(ana["gave"], 1);
}

#[test]
fn spec11_obsidian_template_folders_are_never_read_and_settings_reparse() {
    let vault = Vault::with_files(&[
        (".obsidian/app.json", "{}"),
        ("Daily/2026-11-10.md", "- met @ana #gave\n"),
        (
            "Meta/Tpl/Daily.md",
            "- [ ] follow up with @template-person {{date}}\n",
        ),
    ]);
    // No templates setting yet: the folder is ordinary notes.
    let people = vault.json(&["people"]);
    assert_eq!(handles(&people), ["ana", "template-person"]);
    // Templates plugin points at it: gone, with the index re-parsed.
    vault.write(".obsidian/templates.json", r#"{"folder": "Meta/Tpl"}"#);
    assert_eq!(handles(&vault.json(&["people"])), ["ana"]);
    // Templater alone does the same.
    vault.write(".obsidian/templates.json", "{}");
    assert_eq!(handles(&vault.json(&["people"])).len(), 2);
    vault.write(
        ".obsidian/plugins/templater-obsidian/data.json",
        r#"{"templates_folder": "Meta/Tpl/"}"#,
    );
    assert_eq!(handles(&vault.json(&["people"])), ["ana"]);
    // Odd settings files are the defaults, never an error.
    vault.write(
        ".obsidian/plugins/templater-obsidian/data.json",
        "{not json",
    );
    vault.write(".obsidian/daily-notes.json", [0u8, 159, 146, 150]);
    vault.ok(&["check"]);
    assert_eq!(handles(&vault.json(&["people"])).len(), 2);
}

#[test]
fn spec7_init_fits_an_obsidian_vault_and_says_so() {
    let vault = Vault::with_files(&[
        (".obsidian/templates.json", r#"{"folder": "Templates"}"#),
        (
            ".obsidian/daily-notes.json",
            r#"{"folder": "Daily", "format": "DD.MM.YYYY"}"#,
        ),
        ("People/Ana Silva.md", "# Ana\n"),
        ("Templates/Daily.md", "- [ ] {{date}}\n"),
        ("Daily/10.11.2026.md", "- met @ana-silva #gave\n"),
    ]);
    let run = vault.ok(&["init"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(
        lines[0],
        "detected: Obsidian vault (daily notes DD.MM.YYYY in Daily/); people folder People/; \
         skipping templates Templates/"
    );
    assert!(lines[1].starts_with("wrote "), "{}", run.stdout);
    let config = vault.read(".relnotes.toml");
    assert!(config.contains("\npeople_dir = \"People\"\n"), "{config}");
    assert!(
        config.contains("\nexclude = [\"Templates/**\"]\n"),
        "{config}"
    );
    vault.ok(&["check"]);
}

#[test]
fn spec7_init_fits_a_logseq_graph_and_a_plain_folder() {
    let graph = Vault::with_files(&[
        (
            "logseq/config.edn",
            "{:journal/file-name-format \"yyyy-MM-dd\"}",
        ),
        ("journals/2026-11-10.md", "- met [[@Ana]]\n"),
        ("pages/people___Ana.md", "- tags:: person\n"),
    ]);
    let run = graph.ok(&["init"]);
    let first = run.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("detected: Logseq graph (journals yyyy-MM-dd in journals/)"),
        "{first}"
    );
    assert!(first.contains("logseq/bak/"), "{first}");
    let config = graph.read(".relnotes.toml");
    assert!(
        config.contains("\nexclude = [\"logseq/bak/**\", \"logseq/version-files/**\"]\n"),
        "{config}"
    );
    graph.ok(&["people"]);

    let plain = Vault::with_files(&[("log.md", "- 2026-11-10 met @ana\n")]);
    let run = plain.ok(&["init"]);
    assert!(
        run.stdout
            .starts_with("detected: plain folder of notes; no people folder yet"),
        "{}",
        run.stdout
    );
    let config = plain.read(".relnotes.toml");
    assert!(config.contains("\nexclude = []\n"), "{config}");
    assert!(config.contains("\npeople_dir = \"people\"\n"), "{config}");
}

#[test]
fn spec7_check_warns_when_mentions_have_no_person_pages() {
    let vault = Vault::with_files(&[
        (".relnotes.toml", "people_dir = \"contacts\"\n"),
        ("log.md", "- 2026-11-10 met @ana and @bo #gave\n"),
        ("persons/Ana.md", "# Ana\n"),
    ]);
    let run = vault.ok(&["check"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    assert!(
        lines[0].starts_with("contacts/:1:1: warning: "),
        "{}",
        lines[0]
    );
    for named in [
        "`contacts/`",
        "`person`",
        "`people`",
        "`contact`",
        "people_dir",
    ] {
        assert!(lines[0].contains(named), "{named} in {}", lines[0]);
    }
    let json = vault.json(&["check"]);
    assert_eq!(json[0]["severity"], "warning");
    assert_eq!(json[0]["path"], "contacts/");
    // `export` carries what `check` says.
    let export = vault.ok(&["export"]).json();
    let diags = export["diagnostics"].as_array().expect("diagnostics");
    assert!(diags.iter().any(|d| d["path"] == "contacts/"), "{diags:?}");
    // The configured person tags are the ones named.
    vault.write(
        ".relnotes.toml",
        "people_dir = \"contacts\"\nperson_tags = [\"friend\"]\n",
    );
    let run = vault.ok(&["check"]);
    assert!(run.stdout.contains("`friend`"), "{}", run.stdout);
    assert!(!run.stdout.contains("`person`"), "{}", run.stdout);
    // The folder named right: no warning.
    vault.write(".relnotes.toml", "people_dir = \"persons\"\n");
    let run = vault.ok(&["check"]);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    // No mentions at all: nothing to warn about.
    let quiet = Vault::with_files(&[("log.md", "- 2026-11-10 a walk #gave\n")]);
    assert!(quiet.ok(&["check"]).stdout.is_empty());
}

// ---------------------------------------------------------------------------
// The example vaults: every answer in fixtures/obsidian-expected.md and
// fixtures/logseq-expected.md, transcribed from those hand-derived files.
// Values differ from the files only where those describe markup: task texts
// are displayed text (a wikilink without its brackets).

/// One row of an expected file's people table.
struct Who {
    handle: &'static str,
    page: Option<&'static str>,
    name: &'static str,
    counts: [u64; 4],                   // mentions, interactions, gave, got
    contact: [Option<&'static str>; 4], // first, last, last_gave, last_got
    cadence: Option<&'static str>,
    next_due: Option<&'static str>,
    overdue_days: Option<i64>,
    birthday: Option<&'static str>,
    aliases: &'static [&'static str],
    circles: &'static [&'static str],
}

fn opt(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| json!(s))
}

fn assert_people(vault: &Vault, expected: &[Who]) {
    let people = vault.json(&["people"]);
    let want: Vec<&str> = expected.iter().map(|w| w.handle).collect();
    assert_eq!(handles(&people), want);
    for w in expected {
        let p = person(&people, w.handle).unwrap();
        let h = w.handle;
        assert_eq!(p["page"], opt(w.page), "{h}.page");
        assert_eq!(p["name"], w.name, "{h}.name");
        let counts = ["mentions", "interactions", "gave", "got"];
        for (key, n) in counts.iter().zip(w.counts) {
            assert_eq!(p[key], n, "{h}.{key}");
        }
        let dates = ["first_contact", "last_contact", "last_gave", "last_got"];
        for (key, d) in dates.iter().zip(w.contact) {
            assert_eq!(p[key], opt(d), "{h}.{key}");
        }
        assert_eq!(p["cadence"], opt(w.cadence), "{h}.cadence");
        assert_eq!(p["next_due"], opt(w.next_due), "{h}.next_due");
        assert_eq!(p["overdue_days"], json!(w.overdue_days), "{h}.overdue_days");
        assert_eq!(p["birthday"], opt(w.birthday), "{h}.birthday");
        assert_eq!(p["aliases"], json!(w.aliases), "{h}.aliases");
        assert_eq!(p["circles"], json!(w.circles), "{h}.circles");
    }
}

/// `(due, kind, people, overdue_days, file, line, text)`; file, line and
/// text are `None` for cadence and birthday reminders.
type Due = (
    &'static str,
    &'static str,
    &'static [&'static str],
    i64,
    Option<&'static str>,
    Option<u64>,
    Option<&'static str>,
);

fn assert_due(vault: &Vault, args: &[&str], expected: &[Due]) {
    let due = vault.json(args);
    let got = due["reminders"].as_array().expect("reminders");
    assert_eq!(got.len(), expected.len(), "{args:?}: {got:#?}");
    for (g, &(date, kind, people, overdue, file, line, text)) in got.iter().zip(expected) {
        let at = format!("{args:?} {date} {kind}");
        assert_eq!(g["due"], date, "{at}");
        assert_eq!(g["kind"], kind, "{at}");
        assert_eq!(g["people"], json!(people), "{at}");
        assert_eq!(g["overdue_days"], overdue, "{at}");
        assert_eq!(g["file"], opt(file), "{at}");
        assert_eq!(g["line"], json!(line), "{at}");
        if let Some(text) = text {
            assert_eq!(g["text"], text, "{at}");
        }
    }
}

/// `(file, line, people, due, date, age_days, text)` of a report list.
type Open = (
    &'static str,
    u64,
    &'static [&'static str],
    Option<&'static str>,
    Option<&'static str>,
    Option<i64>,
    &'static str,
);

fn assert_open(report: &Value, key: &str, expected: &[Open]) {
    let mut got: Vec<&Value> = report[key].as_array().expect(key).iter().collect();
    got.sort_by_key(|v| {
        (
            v["file"].as_str().unwrap_or("").to_string(),
            v["line"].as_u64(),
        )
    });
    assert_eq!(got.len(), expected.len(), "{key}: {got:#?}");
    for (g, &(file, line, people, due, date, age, text)) in got.iter().zip(expected) {
        let at = format!("{key} {file}:{line}");
        assert_eq!(g["file"], file, "{at}");
        assert_eq!(g["line"], line, "{at}");
        assert_eq!(g["people"], json!(people), "{at}");
        assert_eq!(g["due"], opt(due), "{at}");
        assert_eq!(g["date"], opt(date), "{at}");
        assert_eq!(g["age_days"], json!(age), "{at}");
        assert_eq!(g["text"], text, "{at}");
    }
}

fn assert_not_helped(report: &Value, expected: &[(&str, Option<&str>)]) {
    let rows: Vec<(String, Value)> = report["not_helped"]
        .as_array()
        .expect("not_helped")
        .iter()
        .map(|r| {
            (
                r["handle"].as_str().unwrap_or("").to_string(),
                r["last_gave"].clone(),
            )
        })
        .collect();
    let want: Vec<(String, Value)> = expected
        .iter()
        .map(|(h, g)| ((*h).to_string(), opt(*g)))
        .collect();
    assert_eq!(rows, want);
}

fn assert_clean_check(vault: &Vault) {
    let run = vault.ok(&["check"]);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[rustfmt::skip]
const OBSIDIAN_PEOPLE: &[Who] = &[
    Who { handle: "alice-chen", page: Some("People/Alice Chen.md"), name: "Alice Chen", counts: [9, 7, 1, 4], contact: [Some("2026-07-14"), Some("2026-11-22"), Some("2026-07-14"), Some("2026-11-22")], cadence: Some("1m"), next_due: Some("2026-12-22"), overdue_days: Some(-29), birthday: Some("1990-11-28"), aliases: &["ali", "alice c."], circles: &[] },
    Who { handle: "bob-martin", page: Some("People/Bob Martin.md"), name: "Bob Martin", counts: [8, 4, 2, 1], contact: [Some("2026-11-10"), Some("2026-11-20"), Some("2026-11-20"), Some("2026-11-20")], cadence: Some("2w"), next_due: Some("2026-12-04"), overdue_days: Some(-11), birthday: None, aliases: &[], circles: &[] },
    Who { handle: "josé", page: None, name: "josé", counts: [2, 2, 0, 1], contact: [Some("2026-11-17"), Some("2026-11-22"), None, Some("2026-11-22")], cadence: None, next_due: None, overdue_days: None, birthday: None, aliases: &[], circles: &[] },
    Who { handle: "priya-raman", page: Some("Contacts/Priya Raman.md"), name: "Priya Raman", counts: [4, 5, 1, 2], contact: [Some("2026-03-10"), Some("2026-11-22"), Some("2026-03-10"), Some("2026-11-22")], cadence: None, next_due: None, overdue_days: None, birthday: None, aliases: &[], circles: &["mentor"] },
    Who { handle: "sam-lee", page: None, name: "sam-lee", counts: [1, 1, 1, 0], contact: [Some("2026-11-21"), Some("2026-11-21"), Some("2026-11-21"), None], cadence: None, next_due: None, overdue_days: None, birthday: None, aliases: &[], circles: &[] },
    Who { handle: "लक्ष्मी", page: None, name: "लक्ष्मी", counts: [1, 1, 1, 0], contact: [Some("2026-11-10"), Some("2026-11-10"), Some("2026-11-10"), None], cadence: None, next_due: None, overdue_days: None, birthday: None, aliases: &[], circles: &[] },
    Who { handle: "王明", page: None, name: "王明", counts: [1, 1, 1, 0], contact: [Some("2026-11-22"), Some("2026-11-22"), Some("2026-11-22"), None], cadence: None, next_due: None, overdue_days: None, birthday: None, aliases: &[], circles: &[] },
];

#[rustfmt::skip]
const OBSIDIAN_DUE: &[Due] = &[
    ("2026-11-20", "commitment", &["alice-chen"], 3, Some("Daily/17.11.2026.md"), Some(3), Some("Send her the salary benchmarks")),
    ("2026-11-21", "commitment", &["bob-martin"], 2, Some("People/Bob Martin.md"), Some(7), Some("Ask about the renewal timeline")),
    ("2026-11-22", "waiting", &["bob-martin"], 1, Some("Daily/20.11.2026.md"), Some(10), Some("@bob-martin to send the signed order form #waiting")),
];

#[rustfmt::skip]
const OBSIDIAN_DUE_14D: &[Due] = &[
    ("2026-11-24", "commitment", &["alice-chen"], -1, Some("Daily/20.11.2026.md"), Some(11), Some("Draft the intro email for @ali")),
    ("2026-11-25", "commitment", &["bob-martin"], -2, Some("Daily/10.11.2026.md"), Some(4), Some("Send Bob Martin the slides")),
    ("2026-11-28", "birthday", &["alice-chen"], -5, None, None, None),
    ("2026-12-01", "commitment", &["alice-chen"], -8, Some("Daily/20.11.2026.md"), Some(13), Some("Monthly check-in with Alice Chen#Notes")),
    ("2026-12-04", "cadence", &["bob-martin"], -11, None, None, None),
];

#[rustfmt::skip]
const OBSIDIAN_COMMITMENTS: &[Open] = &[
    ("Daily/10.11.2026.md", 4, &["bob-martin"], Some("2026-11-25"), Some("2026-11-10"), Some(13), "Send Bob Martin the slides"),
    ("Daily/17.11.2026.md", 3, &["alice-chen"], Some("2026-11-20"), Some("2026-11-17"), Some(6), "Send her the salary benchmarks"),
    ("Daily/20.11.2026.md", 11, &["alice-chen"], Some("2026-11-24"), Some("2026-11-20"), Some(3), "Draft the intro email for @ali"),
    ("Daily/20.11.2026.md", 13, &["alice-chen"], Some("2026-12-01"), Some("2026-11-20"), Some(3), "Monthly check-in with Alice Chen#Notes"),
    ("People/Bob Martin.md", 7, &["bob-martin"], Some("2026-11-21"), None, None, "Ask about the renewal timeline"),
    ("Projects/Website.md", 4, &["bob-martin"], None, None, None, "Ask Bob Martin for the brand assets"),
];

#[rustfmt::skip]
const OBSIDIAN_WAITING: &[Open] = &[
    ("Daily/20.11.2026.md", 10, &["bob-martin"], Some("2026-11-22"), Some("2026-11-20"), Some(3), "@bob-martin to send the signed order form #waiting"),
];

#[test]

fn obsidian_people_match_the_hand_derived_table() {
    assert_people(&Vault::fixture("obsidian"), OBSIDIAN_PEOPLE);
}

#[test]

fn obsidian_due_matches_the_hand_derived_lists() {
    let vault = Vault::fixture("obsidian");
    assert_due(&vault, &["due"], OBSIDIAN_DUE);
    let within: Vec<Due> = OBSIDIAN_DUE
        .iter()
        .chain(OBSIDIAN_DUE_14D)
        .copied()
        .collect();
    assert_due(&vault, &["due", "--within", "14d"], &within);
}

#[test]

fn obsidian_report_commitments_waiting_and_not_helped() {
    let vault = Vault::fixture("obsidian");
    let report = vault.json(&["report"]);
    assert_open(&report, "commitments", OBSIDIAN_COMMITMENTS);
    assert_open(&report, "waiting", OBSIDIAN_WAITING);
    assert_not_helped(
        &report,
        &[
            ("josé", None),
            ("priya-raman", Some("2026-03-10")),
            ("alice-chen", Some("2026-07-14")),
        ],
    );
}

#[test]

fn obsidian_check_is_clean() {
    assert_clean_check(&Vault::fixture("obsidian"));
}

#[rustfmt::skip]
const LOGSEQ_PEOPLE: &[Who] = &[
    Who { handle: "alice-chen", page: Some("pages/Alice Chen.md"), name: "Alice Chen", counts: [5, 4, 2, 1], contact: [Some("2026-10-02"), Some("2026-11-20"), Some("2026-11-20"), Some("2026-11-10")], cadence: None, next_due: None, overdue_days: None, birthday: Some("1988-12-02"), aliases: &["ali"], circles: &[] },
    Who { handle: "carol-smith", page: None, name: "Carol Smith", counts: [6, 4, 0, 2], contact: [Some("2026-11-10"), Some("2026-11-22"), None, Some("2026-11-22")], cadence: None, next_due: None, overdue_days: None, birthday: None, aliases: &[], circles: &[] },
    Who { handle: "dmitri-volkov", page: Some("pages/Dmitri Volkov.md"), name: "Dmitri Volkov", counts: [7, 3, 1, 1], contact: [Some("2026-08-01"), Some("2026-11-22"), Some("2026-08-01"), Some("2026-11-22")], cadence: Some("3w"), next_due: Some("2026-12-13"), overdue_days: Some(-20), birthday: None, aliases: &["dima"], circles: &[] },
    Who { handle: "erin", page: None, name: "erin", counts: [1, 1, 0, 0], contact: [Some("2026-11-22"), Some("2026-11-22"), None, None], cadence: None, next_due: None, overdue_days: None, birthday: None, aliases: &[], circles: &[] },
    Who { handle: "grace-hopper", page: Some("pages/people___Grace Hopper.md"), name: "Grace Hopper", counts: [3, 3, 2, 1], contact: [Some("2026-11-18"), Some("2026-11-20"), Some("2026-11-20"), Some("2026-11-18")], cadence: None, next_due: None, overdue_days: None, birthday: None, aliases: &[], circles: &[] },
    Who { handle: "josé", page: None, name: "josé", counts: [2, 2, 0, 0], contact: [Some("2026-11-18"), Some("2026-11-20"), None, None], cadence: None, next_due: None, overdue_days: None, birthday: None, aliases: &[], circles: &[] },
    Who { handle: "लक्ष्मी", page: None, name: "लक्ष्मी", counts: [2, 2, 1, 0], contact: [Some("2026-11-20"), Some("2026-11-20"), Some("2026-11-20"), None], cadence: None, next_due: None, overdue_days: None, birthday: None, aliases: &[], circles: &[] },
];

#[rustfmt::skip]
const LOGSEQ_DUE: &[Due] = &[
    ("2026-11-21", "commitment", &["alice-chen"], 2, Some("journals/2026_11_10.md"), Some(3), Some("send her the deck")),
];

#[rustfmt::skip]
const LOGSEQ_DUE_14D: &[Due] = &[
    ("2026-11-25", "commitment", &["dmitri-volkov"], -2, Some("journals/2026_11_10.md"), Some(6), Some("Write up the migration notes for Dmitri Volkov")),
    ("2026-11-25", "commitment", &["dmitri-volkov"], -2, Some("journals/2026_11_20.md"), Some(2), Some("call @Dmitri Volkov Nov 25th, 2026")),
    ("2026-12-02", "birthday", &["alice-chen"], -9, None, None, None),
];

#[rustfmt::skip]
const LOGSEQ_COMMITMENTS: &[Open] = &[
    ("journals/2026_11_10.md", 3, &["alice-chen"], Some("2026-11-21"), Some("2026-11-10"), Some(13), "send her the deck"),
    ("journals/2026_11_10.md", 6, &["dmitri-volkov"], Some("2026-11-25"), Some("2026-11-10"), Some(13), "Write up the migration notes for Dmitri Volkov"),
    ("journals/2026_11_18.md", 7, &["dmitri-volkov"], None, Some("2026-11-18"), Some(5), "Prepare the workshop with @dima"),
    ("journals/2026_11_20.md", 2, &["dmitri-volkov"], Some("2026-11-25"), Some("2026-11-20"), Some(3), "call @Dmitri Volkov Nov 25th, 2026"),
    ("pages/people___Grace Hopper.md", 4, &["grace-hopper"], None, None, None, "Send her the photos from the talk"),
];

#[rustfmt::skip]
const LOGSEQ_WAITING: &[Open] = &[
    ("journals/2026_11_18.md", 5, &["dmitri-volkov"], None, Some("2026-11-18"), Some(5), "Dmitri Volkov to send the contract draft"),
    ("journals/2026_11_22.md", 3, &["carol-smith", "dmitri-volkov"], None, Some("2026-11-22"), Some(1), "ask them for the post-mortem #waiting"),
];

#[test]

fn logseq_people_match_the_hand_derived_table() {
    assert_people(&Vault::fixture("logseq"), LOGSEQ_PEOPLE);
}

#[test]

fn logseq_due_matches_the_hand_derived_lists() {
    let vault = Vault::fixture("logseq");
    assert_due(&vault, &["due"], LOGSEQ_DUE);
    let within: Vec<Due> = LOGSEQ_DUE.iter().chain(LOGSEQ_DUE_14D).copied().collect();
    assert_due(&vault, &["due", "--within", "14d"], &within);
}

#[test]

fn logseq_report_commitments_waiting_and_not_helped() {
    let vault = Vault::fixture("logseq");
    let report = vault.json(&["report"]);
    assert_open(&report, "commitments", LOGSEQ_COMMITMENTS);
    assert_open(&report, "waiting", LOGSEQ_WAITING);
    assert_not_helped(
        &report,
        &[
            ("carol-smith", None),
            ("erin", None),
            ("josé", None),
            ("dmitri-volkov", Some("2026-08-01")),
        ],
    );
}

#[test]

fn logseq_check_is_clean() {
    assert_clean_check(&Vault::fixture("logseq"));
}

/// What the example vaults show already, without the v1.1 parser: the
/// settings are read, the copies and templates are never notes.
#[test]
fn example_vaults_skip_their_templates_and_backups() {
    let obsidian = Vault::fixture("obsidian");
    let people = obsidian.json(&["people"]);
    assert!(person(&people, "template-person").is_none(), "{people}");
    let logseq = Vault::fixture("logseq");
    let people = logseq.json(&["people"]);
    assert!(person(&people, "bak-ghost").is_none(), "{people}");
    // The 2026-11-18 journal is read once: its backup copy is not.
    let index = logseq.ok(&["index"]).stdout;
    assert!(index.contains("files: 9 seen"), "{index}");
    let index = obsidian.ok(&["index"]).stdout;
    assert!(index.contains("files: 9 seen"), "{index}");
}
