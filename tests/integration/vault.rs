//! Independent value checks on `fixtures/vault`, transcribed from the
//! hand-derived answers in `fixtures/vault-expected.md` (not from the
//! snapshots), plus determinism of the report, `report --output`, and the
//! promise that relnotes never writes into the notes folder.

use serde_json::{json, Value};

use crate::util::{handles, person, Vault, TODAY};

/// One row of the "People (14, sorted by handle)" table.
struct Expected {
    handle: &'static str,
    page: Option<&'static str>,
    mentions: u64,
    interactions: u64,
    gave: u64,
    got: u64,
    first_contact: Option<&'static str>,
    last_contact: Option<&'static str>,
    last_gave: Option<&'static str>,
    cadence: Option<&'static str>,
    next_due: Option<&'static str>,
    overdue_days: Option<i64>,
    last_got: Option<&'static str>,
    birthday: Option<&'static str>,
    name: &'static str,
}

#[rustfmt::skip]
const PEOPLE: &[Expected] = &[
    Expected { handle: "alcie", page: None, mentions: 1, interactions: 1, gave: 0, got: 1, first_contact: Some("2026-11-22"), last_contact: Some("2026-11-22"), last_gave: None, cadence: None, next_due: None, overdue_days: None, last_got: Some("2026-11-22"), birthday: None, name: "alcie" },
    Expected { handle: "alice", page: Some("people/Alice Chen.md"), mentions: 7, interactions: 10, gave: 5, got: 3, first_contact: Some("2025-09-15"), last_contact: Some("2026-11-20"), last_gave: Some("2026-11-18"), cadence: Some("1m"), next_due: Some("2026-12-20"), overdue_days: Some(-27), last_got: Some("2026-11-20"), birthday: Some("1985-11-25"), name: "Alice Chen" },
    Expected { handle: "bob-okafor", page: Some("people/Bob Okafor.md"), mentions: 9, interactions: 8, gave: 3, got: 0, first_contact: Some("2026-10-12"), last_contact: Some("2026-11-20"), last_gave: Some("2026-11-20"), cadence: Some("2w"), next_due: Some("2026-12-04"), overdue_days: Some(-11), last_got: None, birthday: Some("11-23"), name: "Bob Okafor" },
    Expected { handle: "carol-diaz", page: Some("people/carol-diaz.md"), mentions: 8, interactions: 5, gave: 3, got: 3, first_contact: Some("2026-09-30"), last_contact: Some("2026-11-18"), last_gave: Some("2026-11-18"), cadence: Some("30d"), next_due: Some("2026-12-18"), overdue_days: Some(-25), last_got: Some("2026-11-18"), birthday: None, name: "Carol Díaz" },
    Expected { handle: "dana", page: Some("people/dana.md"), mentions: 2, interactions: 0, gave: 0, got: 0, first_contact: None, last_contact: None, last_gave: None, cadence: Some("2w"), next_due: Some("2026-11-23"), overdue_days: Some(0), last_got: None, birthday: None, name: "Dana Whitfield" },
    Expected { handle: "jen", page: None, mentions: 6, interactions: 5, gave: 0, got: 4, first_contact: Some("2026-10-12"), last_contact: Some("2026-11-18"), last_gave: None, cadence: None, next_due: None, overdue_days: None, last_got: Some("2026-11-18"), birthday: None, name: "jen" },
    Expected { handle: "kenji", page: Some("people/kenji.md"), mentions: 3, interactions: 3, gave: 1, got: 0, first_contact: Some("2026-08-24"), last_contact: Some("2026-11-12"), last_gave: Some("2026-08-24"), cadence: Some("3m"), next_due: Some("2027-02-12"), overdue_days: Some(-81), last_got: None, birthday: None, name: "Kenji Watanabe" },
    Expected { handle: "lena", page: None, mentions: 1, interactions: 1, gave: 0, got: 1, first_contact: Some("2025-11-23"), last_contact: Some("2025-11-23"), last_gave: None, cadence: None, next_due: None, overdue_days: None, last_got: Some("2025-11-23"), birthday: None, name: "lena" },
    Expected { handle: "marcus", page: Some("people/marcus.md"), mentions: 2, interactions: 3, gave: 1, got: 1, first_contact: Some("2026-06-10"), last_contact: Some("2026-11-05"), last_gave: Some("2026-06-10"), cadence: Some("2w"), next_due: Some("2026-11-19"), overdue_days: Some(4), last_got: Some("2026-11-05"), birthday: None, name: "Marcus Webb" },
    Expected { handle: "omar", page: None, mentions: 3, interactions: 2, gave: 1, got: 0, first_contact: Some("2026-08-25"), last_contact: Some("2026-11-02"), last_gave: Some("2026-08-25"), cadence: None, next_due: None, overdue_days: None, last_got: None, birthday: None, name: "omar" },
    Expected { handle: "priya-raman", page: Some("people/Priya_Raman.md"), mentions: 7, interactions: 6, gave: 3, got: 0, first_contact: Some("2026-10-05"), last_contact: Some("2026-11-19"), last_gave: Some("2026-11-19"), cadence: Some("2w"), next_due: Some("2026-12-03"), overdue_days: Some(-10), last_got: None, birthday: Some("02-29"), name: "Priya Raman" },
    Expected { handle: "sam", page: None, mentions: 2, interactions: 0, gave: 0, got: 0, first_contact: None, last_contact: None, last_gave: None, cadence: None, next_due: None, overdue_days: None, last_got: None, birthday: None, name: "sam" },
    Expected { handle: "tom", page: None, mentions: 2, interactions: 2, gave: 1, got: 1, first_contact: Some("2025-09-15"), last_contact: Some("2025-10-02"), last_gave: Some("2025-09-15"), cadence: None, next_due: None, overdue_days: None, last_got: Some("2025-10-02"), birthday: None, name: "tom" },
    Expected { handle: "yusuf", page: None, mentions: 2, interactions: 2, gave: 0, got: 0, first_contact: Some("2026-11-12"), last_contact: Some("2026-11-21"), last_gave: None, cadence: None, next_due: None, overdue_days: None, last_got: None, birthday: None, name: "yusuf" },
];

fn opt(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |s| json!(s))
}

#[test]
fn people_match_the_hand_derived_table() {
    let vault = Vault::fixture("vault");
    let people = vault.json(&["people"]);
    assert_eq!(people["today"], TODAY);
    let expected_handles: Vec<&str> = PEOPLE.iter().map(|p| p.handle).collect();
    assert_eq!(
        handles(&people),
        expected_handles,
        "the 14 people, sorted by handle (no example/dave/erin/frank/binary…)"
    );
    for e in PEOPLE {
        let p = person(&people, e.handle).unwrap();
        let h = e.handle;
        assert_eq!(p["page"], opt(e.page), "{h}.page");
        assert_eq!(p["name"], e.name, "{h}.name");
        assert_eq!(p["mentions"], e.mentions, "{h}.mentions");
        assert_eq!(p["interactions"], e.interactions, "{h}.interactions");
        assert_eq!(p["gave"], e.gave, "{h}.gave");
        assert_eq!(p["got"], e.got, "{h}.got");
        assert_eq!(
            p["first_contact"],
            opt(e.first_contact),
            "{h}.first_contact"
        );
        assert_eq!(p["last_contact"], opt(e.last_contact), "{h}.last_contact");
        assert_eq!(p["last_gave"], opt(e.last_gave), "{h}.last_gave");
        assert_eq!(p["last_got"], opt(e.last_got), "{h}.last_got");
        assert_eq!(p["cadence"], opt(e.cadence), "{h}.cadence");
        assert_eq!(p["next_due"], opt(e.next_due), "{h}.next_due");
        assert_eq!(
            p["overdue_days"],
            e.overdue_days.map_or(Value::Null, |d| json!(d)),
            "{h}.overdue_days"
        );
        assert_eq!(p["birthday"], opt(e.birthday), "{h}.birthday");
    }
}

#[test]
fn people_aliases_and_circles() {
    let vault = Vault::fixture("vault");
    let people = vault.json(&["people"]);
    let bob = person(&people, "bob-okafor").unwrap();
    // The page alias and the config `[aliases]` one, sorted.
    assert_eq!(bob["aliases"], json!(["bob", "bobby"]));
    assert_eq!(bob["circles"], json!(["client"]));
    let priya = person(&people, "priya-raman").unwrap();
    assert_eq!(priya["circles"], json!(["client", "peer"]));
    let jen = person(&people, "jen").unwrap();
    assert_eq!(jen["aliases"], json!([]));
    assert_eq!(jen["circles"], json!([]));
}

/// (kind, people, due, overdue_days, file, line) in SPEC §7 order.
type Reminder = (
    &'static str,
    &'static [&'static str],
    &'static str,
    i64,
    Option<&'static str>,
    Option<u64>,
);

const DUE_NOW: &[Reminder] = &[
    ("cadence", &["marcus"], "2026-11-19", 4, None, None),
    (
        "commitment",
        &["bob-okafor"],
        "2026-11-20",
        3,
        Some("meetings/acme-kickoff.md"),
        Some(21),
    ),
    (
        "commitment",
        &["marcus"],
        "2026-11-21",
        2,
        Some("people/marcus.md"),
        Some(16),
    ),
    ("birthday", &["bob-okafor"], "2026-11-23", 0, None, None),
    ("cadence", &["dana"], "2026-11-23", 0, None, None),
    (
        "commitment",
        &["priya-raman"],
        "2026-11-23",
        0,
        Some("journal/2026-11-20.md"),
        Some(5),
    ),
];

const WITHIN_14D_EXTRA: &[Reminder] = &[
    ("birthday", &["alice"], "2026-11-25", -2, None, None),
    (
        "commitment",
        &["bob-okafor"],
        "2026-11-25",
        -2,
        Some("meetings/acme-kickoff.md"),
        Some(20),
    ),
    (
        "commitment",
        &["carol-diaz"],
        "2026-12-02",
        -9,
        Some("journal/2026/11/18.md"),
        Some(5),
    ),
    ("cadence", &["priya-raman"], "2026-12-03", -10, None, None),
    ("cadence", &["bob-okafor"], "2026-12-04", -11, None, None),
];

fn assert_reminders(answer: &Value, expected: &[Reminder]) {
    assert_eq!(answer["today"], TODAY);
    let got = answer["reminders"].as_array().expect("reminders");
    let got_rows: Vec<Value> = got
        .iter()
        .map(|r| {
            json!([
                r["kind"],
                r["people"],
                r["due"],
                r["overdue_days"],
                r["file"],
                r["line"]
            ])
        })
        .collect();
    let want_rows: Vec<Value> = expected
        .iter()
        .map(|(kind, people, due, overdue, file, line)| {
            json!([kind, people, due, overdue, file, line])
        })
        .collect();
    assert_eq!(
        got_rows, want_rows,
        "[kind, people, due, overdue_days, file, line] in SPEC order"
    );
    for r in got {
        assert!(!r["text"].as_str().unwrap_or("").is_empty(), "text: {r}");
    }
}

#[test]
fn due_matches_the_hand_derived_list() {
    let vault = Vault::fixture("vault");
    assert_reminders(&vault.json(&["due"]), DUE_NOW);
}

#[test]
fn due_within_14d_matches_the_hand_derived_list() {
    let vault = Vault::fixture("vault");
    let expected: Vec<Reminder> = DUE_NOW.iter().chain(WITHIN_14D_EXTRA).copied().collect();
    assert_reminders(&vault.json(&["due", "--within", "14d"]), &expected);
    // A bare number is days (SPEC §5), and 2w is 14 days.
    assert_reminders(&vault.json(&["due", "--within", "14"]), &expected);
    assert_reminders(&vault.json(&["due", "--within", "2w"]), &expected);
}

#[test]
fn report_not_helped_in_section_6_order() {
    let vault = Vault::fixture("vault");
    let report = vault.json(&["report"]);
    assert_eq!(report["today"], TODAY);
    let rows: Vec<Value> = report["not_helped"]
        .as_array()
        .expect("not_helped")
        .iter()
        .map(|r| {
            json!([
                r["handle"],
                r["last_gave"],
                r["last_contact"],
                r["gave"],
                r["got"]
            ])
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            json!(["jen", null, "2026-11-18", 0, 4]),
            json!(["alcie", null, "2026-11-22", 0, 1]),
            json!(["lena", null, "2025-11-23", 0, 1]),
            json!(["yusuf", null, "2026-11-21", 0, 0]),
            json!(["dana", null, null, 0, 0]),
            json!(["marcus", "2026-06-10", "2026-11-05", 1, 1]),
            json!(["kenji", "2026-08-24", "2026-11-12", 1, 0]),
        ],
        "[handle, last_gave, last_contact, gave, got]; omar (exactly 90 days) and tom, sam are out"
    );
}

#[test]
fn check_reports_the_three_expected_warnings() {
    let vault = Vault::fixture("vault");
    let run = vault.run(&["check"]);
    run.assert_code(0);
    let mut got: Vec<(String, String)> = run
        .stdout
        .lines()
        .map(|line| {
            let mut parts = line.splitn(4, ':');
            let path = parts.next().unwrap().to_owned();
            let line_no = parts.next().unwrap().to_owned();
            let _col = parts.next();
            let rest = parts.next().unwrap_or("").trim_start().to_owned();
            (format!("{path}:{line_no}"), rest)
        })
        .collect();
    got.sort();
    let places: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        places,
        ["ideas.md:5", "ideas.md:6", "journal/2026-11-22.md:11"],
        "check output:\n{}",
        run.stdout
    );
    for (place, rest) in &got {
        assert!(rest.starts_with("warning: "), "{place}: {rest}");
    }
    assert!(got[1].1.contains("2026-02-30"), "{:?}", got[1]);
    assert!(
        got[2].1.contains("alcie") && got[2].1.contains("alice"),
        "{:?}",
        got[2]
    );
}

#[test]
fn show_alice_timeline_and_counts() {
    let vault = Vault::fixture("vault");
    let show = vault.json(&["show", "alice"]);
    assert_eq!(show["person"]["handle"], "alice");
    assert_eq!(show["person"]["interactions"], 10);
    let timeline = show["timeline"].as_array().expect("timeline");
    let rows: Vec<Value> = timeline
        .iter()
        .map(|t| json!([t["date"], t["kinds"], t["file"], t["line"]]))
        .collect();
    // Newest first, then file, then line; the 2026-11-26 plan is not there.
    assert_eq!(
        rows,
        vec![
            json!(["2026-11-20", ["got"], "journal/2026-11-20.md", 3]),
            json!(["2026-11-18", ["gave"], "journal/2026/11/18.md", 4]),
            json!(["2026-11-12", ["gave"], "daily.journal.2026.11.12.md", 13]),
            json!(["2026-11-10", ["gave"], "log.md", 46]),
            json!(["2026-11-04", [], "meetings/acme-kickoff.md", 10]),
            json!(["2026-11-01", ["got"], "people/Alice Chen.md", 18]),
            json!(["2026-10-10", ["gave"], "people/Alice Chen.md", 22]),
            json!(["2026-10-10", [], "people/Alice Chen.md", 23]),
            json!(["2026-09-14", ["gave"], "people/Alice Chen.md", 17]),
            json!(["2025-09-15", ["got"], "log.md", 7]),
        ]
    );
    assert_eq!(show["commitments"], json!([]));
}

#[test]
fn show_finds_a_person_by_alias_and_name() {
    let vault = Vault::fixture("vault");
    let by_handle = vault.json(&["show", "alice"]);
    for query in ["ali", "Ali Chen", "ALICE", "Alice Chen"] {
        let other = vault.json(&["show", query]);
        assert_eq!(other, by_handle, "show {query:?}");
    }
    let bob = vault.json(&["show", "bobby"]);
    assert_eq!(bob["person"]["handle"], "bob-okafor");
}

#[test]
fn show_carol_commitments_and_undated_mention() {
    let vault = Vault::fixture("vault");
    let show = vault.json(&["show", "carol"]);
    assert_eq!(show["person"]["handle"], "carol-diaz");
    let commitments: Vec<Value> = show["commitments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!([c["due"], c["file"], c["line"]]))
        .collect();
    let mut commitments_sorted = commitments.clone();
    commitments_sorted.sort_by_key(|v| v.to_string());
    assert_eq!(
        commitments_sorted,
        vec![
            json!(["2026-12-02", "journal/2026/11/18.md", 5]),
            json!([null, "journal/2026-11-20.md", 6]),
        ]
    );
    // The undated bio line on Bob's page is a mention: it shows, undated.
    let timeline = show["timeline"].as_array().unwrap();
    assert!(timeline
        .iter()
        .any(|t| t["date"].is_null() && t["file"] == "people/Bob Okafor.md" && t["line"] == 13));
    // The cancelled task (log.md:47) is neither interaction nor commitment.
    assert!(!commitments.iter().any(|c| c[1] == "log.md"));
}

// ---------------------------------------------------------------------------
// Determinism and `report --output`.

#[test]
fn report_is_byte_for_byte_deterministic() {
    let vault = Vault::fixture("vault");
    let first = vault.ok(&["report"]);
    let second = vault.ok(&["report"]);
    assert_eq!(first.stdout_bytes, second.stdout_bytes);
    assert!(first.stdout.starts_with("<!-- relnotes:report -->\n"));
    let json1 = vault.ok(&["report", "--format", "json"]);
    let json2 = vault.ok(&["report", "--format", "json"]);
    assert_eq!(json1.stdout_bytes, json2.stdout_bytes);
}

#[test]
fn report_output_at_the_root_equals_stdout_and_is_not_read_back() {
    let vault = Vault::fixture("vault");
    let people_before = vault.ok(&["people", "--format", "json"]).stdout;
    let stdout_report = vault.ok(&["report"]).stdout;
    let before: Vec<String> = vault.snapshot_files().into_keys().collect();

    let out = vault.path("RELNOTES.md");
    let out_arg = out.to_str().unwrap();
    let run = vault.ok(&["report", "--output", out_arg]);
    run.assert_no_root(&vault);

    let written = vault.read("RELNOTES.md");
    assert!(written.starts_with("<!-- relnotes:report -->\n"));
    assert_eq!(
        written, stdout_report,
        "--output at the root writes the stdout report"
    );

    // Exactly one new file: no temp file left behind by the atomic write.
    let mut after: Vec<String> = vault.snapshot_files().into_keys().collect();
    after.retain(|p| p != "RELNOTES.md");
    assert_eq!(after, before);

    // The report is not read as a note: the same answers as before.
    assert_eq!(
        vault.ok(&["people", "--format", "json"]).stdout,
        people_before
    );
    // And writing it again gives the same bytes.
    vault.ok(&["report", "--output", out_arg]);
    assert_eq!(vault.read("RELNOTES.md"), written);
}

#[test]
fn report_output_relative_path_is_taken_from_the_working_directory() {
    let vault = Vault::fixture("vault");
    let mut cmd = vault.command();
    cmd.current_dir(vault.root())
        .args(["report", "--output", "RELNOTES.md"]);
    let run = crate::util::Run::from_command(&mut cmd, "report --output RELNOTES.md".into());
    run.assert_code(0);
    assert!(vault
        .read("RELNOTES.md")
        .starts_with("<!-- relnotes:report -->"));
}

#[test]
fn report_output_in_a_subfolder_links_up() {
    let vault = Vault::fixture("vault");
    let root_report = vault.ok(&["report"]).stdout;
    let out = vault.path("reports/RELNOTES.md");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    vault.ok(&["report", "--output", out.to_str().unwrap()]);
    let written = vault.read("reports/RELNOTES.md");
    assert!(written.starts_with("<!-- relnotes:report -->\n"));
    let link = regex::Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let targets: Vec<String> = link
        .captures_iter(&written)
        .map(|c| c[1].to_owned())
        .collect();
    assert!(targets.len() >= 10, "links in the report: {targets:?}");
    for target in &targets {
        assert!(
            target.starts_with("../"),
            "link {target} is not prefixed ../"
        );
        let file = target.split('#').next().unwrap().replace("%20", " ");
        assert!(
            vault.path("reports").join(&file).is_file(),
            "link {target} does not resolve from reports/"
        );
    }
    // Apart from the links, the same report.
    assert_eq!(written.replace("](../", "]("), root_report);
}

#[test]
fn configured_report_path_is_never_read_as_a_note() {
    // SPEC §1: the configured `report` path is skipped even without the marker.
    let vault = Vault::fixture("vault");
    let before = vault.ok(&["people", "--format", "json"]).stdout;
    vault.write(
        "RELNOTES.md",
        "# hand-edited report\n\n- 2026-11-01 lunch with @ghost #gave\n",
    );
    vault.write(
        "journal/old-report.md",
        "<!-- relnotes:report -->\n- 2026-11-01 lunch with @phantom #gave\n",
    );
    assert_eq!(vault.ok(&["people", "--format", "json"]).stdout, before);
}

// ---------------------------------------------------------------------------
// Notes are never written.

#[test]
fn no_command_writes_into_the_notes_folder() {
    let vault = Vault::fixture("vault");
    vault.age_files();
    let before = vault.snapshot_files();
    assert!(before.len() > 20);
    for args in [
        &["report"][..],
        &["report", "--format", "json"],
        &["people"],
        &["people", "--format", "md"],
        &["people", "--format", "json"],
        &["due"],
        &["due", "--within", "14d"],
        &["due", "--format", "json"],
        &["check"],
        &["show", "alice"],
        &["show", "carol", "--format", "md"],
        &["show", "bob-okafor", "--format", "json"],
        &["export", "--format", "json"],
        &["export", "--format", "ics"],
    ] {
        let run = vault.run(args);
        assert!(
            run.code == 0,
            "`relnotes {}` failed: {}",
            run.args,
            run.stderr
        );
        let after = vault.snapshot_files();
        let new: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
        assert!(new.is_empty(), "`relnotes {}` created {new:?}", run.args);
        for (path, state) in &before {
            let now = after
                .get(path)
                .unwrap_or_else(|| panic!("`relnotes {}` removed {path}", run.args));
            assert!(
                now.bytes == state.bytes,
                "`relnotes {}` changed the bytes of {path}",
                run.args
            );
            assert_eq!(
                now.modified, state.modified,
                "`relnotes {}` touched the mtime of {path}",
                run.args
            );
        }
    }
}

#[test]
fn global_options_may_follow_the_command() {
    let vault = Vault::fixture("vault");
    let before = vault.json(&["people"]);
    let mut cmd = vault.bare_command();
    cmd.args(["people", "--format", "json", "--today", TODAY, "--dir"])
        .arg(vault.root());
    let run = crate::util::Run::from_command(&mut cmd, "people … --dir".into());
    run.assert_code(0);
    assert_eq!(run.json(), before);
}

#[test]
fn environment_gives_root_and_today() {
    let vault = Vault::fixture("vault");
    let before = vault.json(&["people"]);
    let mut cmd = vault.bare_command();
    cmd.env("RELNOTES_DIR", vault.root())
        .env("RELNOTES_TODAY", TODAY)
        .current_dir(vault.home())
        .args(["people", "--format", "json"]);
    let run = crate::util::Run::from_command(&mut cmd, "people (env)".into());
    run.assert_code(0);
    assert_eq!(run.json(), before);
}

#[test]
fn root_is_found_from_a_subfolder() {
    // SPEC §1: the nearest ancestor holding `.relnotes.toml`.
    let vault = Vault::fixture("vault");
    let before = vault.json(&["people"]);
    let mut cmd = vault.bare_command();
    cmd.current_dir(vault.path("journal/2026/11"))
        .args(["--today", TODAY, "people", "--format", "json"]);
    let run = crate::util::Run::from_command(&mut cmd, "people (from journal/2026/11)".into());
    run.assert_code(0);
    assert_eq!(run.json(), before);
}

// ---------------------------------------------------------------------------
// Entry lines.

/// SPEC §3: every entry keeps its own 1-based line. vault-expected.md cites
/// the tab-indented nested item as `journals/2026_11_16.md:2`.
#[test]
fn tab_indented_nested_item_keeps_its_own_line() {
    let vault = Vault::with_files(&[(
        "tab.md",
        "- 2026-11-01 parent with @p\n\t- child with @c #gave\n- 2026-11-02 next with @n\n",
    )]);
    let export = vault.json(&["export"]);
    let lines: Vec<Value> = export["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!([e["people"], e["line"], e["date"]]))
        .collect();
    assert_eq!(
        lines,
        vec![
            json!([["p"], 1, "2026-11-01"]),
            json!([["c"], 2, "2026-11-01"]),
            json!([["n"], 3, "2026-11-02"]),
        ]
    );
    let fixture = Vault::fixture("vault");
    let export = fixture.json(&["export"]);
    let walked = export["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["text"]
                .as_str()
                .unwrap()
                .starts_with("Walked him through")
        })
        .expect("the nested Logseq item");
    assert_eq!(walked["file"], "journals/2026_11_16.md");
    assert_eq!(walked["line"], 2, "{walked}");
}

#[test]
fn space_indented_nested_item_keeps_its_own_line_and_parent_date() {
    let vault = Vault::with_files(&[(
        "sp.md",
        "- 2026-11-01 parent with @p\n  - child with @c #gave\n    - grandchild with @g\n",
    )]);
    let export = vault.json(&["export"]);
    let lines: Vec<Value> = export["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!([e["people"], e["line"], e["date"]]))
        .collect();
    assert_eq!(
        lines,
        vec![
            json!([["p"], 1, "2026-11-01"]),
            json!([["c"], 2, "2026-11-01"]),
            json!([["g"], 3, "2026-11-01"]),
        ]
    );
}

#[test]
fn root_is_found_from_a_git_checkout() {
    // SPEC §1: no `.relnotes.toml`, so the nearest ancestor holding `.git`.
    let vault = Vault::with_files(&[
        (".git/HEAD", "ref: refs/heads/main\n"),
        ("top.md", "- 2026-11-01 lunch with @top\n"),
        ("notes/deep/a.md", "- 2026-11-02 call with @deep\n"),
    ]);
    let mut cmd = vault.bare_command();
    cmd.current_dir(vault.path("notes/deep"))
        .args(["--today", TODAY, "people", "--format", "json"]);
    let run = crate::util::Run::from_command(&mut cmd, "people (from notes/deep)".into());
    run.assert_code(0);
    assert_eq!(handles(&run.json()), ["deep", "top"]);
    // The `.git` folder is hidden: nothing in it is a note, and nothing is
    // written into it.
    assert_eq!(
        vault.snapshot_files().keys().collect::<Vec<_>>(),
        [".git/HEAD", "notes/deep/a.md", "top.md"]
    );
}
