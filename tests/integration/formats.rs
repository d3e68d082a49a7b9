//! Every output format on a copy of `fixtures/vault`, pinned as insta
//! snapshots (checked by hand against `fixtures/vault-expected.md` and the
//! SPEC), plus the structural rules each format must keep whatever the
//! snapshot says: JSON key sets (SPEC §7), relative paths, report links,
//! ICS line rules, and colour only when asked for.

use insta::assert_snapshot;

use crate::util::{keys, sorted, Run, Vault};

/// Runs `args` on a fresh copy of the example vault: exit 0, nothing on
/// stderr, no absolute temp path anywhere; returns stdout.
fn stdout_of(args: &[&str]) -> String {
    let vault = Vault::fixture("vault");
    let run = vault.ok(args);
    run.assert_quiet().assert_no_root(&vault);
    run.stdout
}

#[test]
fn snapshot_report_md() {
    assert_snapshot!("report_md", stdout_of(&["report"]));
}

#[test]
fn snapshot_report_json() {
    assert_snapshot!("report_json", stdout_of(&["report", "--format", "json"]));
}

#[test]
fn snapshot_people_text() {
    assert_snapshot!("people_text", stdout_of(&["people"]));
}

#[test]
fn snapshot_people_md() {
    assert_snapshot!("people_md", stdout_of(&["people", "--format", "md"]));
}

#[test]
fn snapshot_people_json() {
    assert_snapshot!("people_json", stdout_of(&["people", "--format", "json"]));
}

#[test]
fn snapshot_due_text() {
    assert_snapshot!("due_text", stdout_of(&["due"]));
}

#[test]
fn snapshot_due_json() {
    assert_snapshot!("due_json", stdout_of(&["due", "--format", "json"]));
}

#[test]
fn snapshot_due_within_14d_text() {
    assert_snapshot!(
        "due_within_14d_text",
        stdout_of(&["due", "--within", "14d"])
    );
}

#[test]
fn snapshot_due_within_14d_json() {
    assert_snapshot!(
        "due_within_14d_json",
        stdout_of(&["due", "--within", "14d", "--format", "json"])
    );
}

#[test]
fn snapshot_show_alice_text() {
    assert_snapshot!("show_alice_text", stdout_of(&["show", "alice"]));
}

#[test]
fn snapshot_show_alice_md() {
    assert_snapshot!(
        "show_alice_md",
        stdout_of(&["show", "alice", "--format", "md"])
    );
}

#[test]
fn snapshot_show_alice_json() {
    assert_snapshot!(
        "show_alice_json",
        stdout_of(&["show", "alice", "--format", "json"])
    );
}

#[test]
fn snapshot_check() {
    let vault = Vault::fixture("vault");
    let run = vault.run(&["check"]);
    run.assert_no_root(&vault);
    assert_snapshot!(
        "check",
        format!(
            "exit code: {}\n--- stdout\n{}--- stderr\n{}",
            run.code, run.stdout, run.stderr
        )
    );
}

#[test]
fn snapshot_export_json() {
    assert_snapshot!("export_json", stdout_of(&["export", "--format", "json"]));
}

#[test]
fn snapshot_export_ics() {
    assert_snapshot!("export_ics", stdout_of(&["export", "--format", "ics"]));
}

/// The same answers from two copies of the vault in different temp folders:
/// nothing in any output depends on where the notes live (ICS UIDs included).
#[test]
fn output_does_not_depend_on_the_root_path() {
    let a = Vault::fixture("vault");
    let b = Vault::fixture("vault");
    for args in [
        &["report"][..],
        &["people", "--format", "json"],
        &["export", "--format", "json"],
        &["export", "--format", "ics"],
        &["check"],
    ] {
        let left = a.run(args);
        let right = b.run(args);
        assert_eq!(
            left.stdout_bytes,
            right.stdout_bytes,
            "`relnotes {}` differs between two copies of the vault",
            args.join(" ")
        );
    }
}

// ---------------------------------------------------------------------------
// JSON shapes (SPEC §7): exact key sets.

const PERSON_KEYS: &[&str] = &[
    "handle",
    "name",
    "aliases",
    "circles",
    "page",
    "mentions",
    "interactions",
    "gave",
    "got",
    "first_contact",
    "last_contact",
    "last_gave",
    "last_got",
    "cadence",
    "next_due",
    "overdue_days",
    "birthday",
];

const REMINDER_KEYS: &[&str] = &[
    "kind",
    "people",
    "due",
    "overdue_days",
    "text",
    "file",
    "line",
];

#[test]
fn json_people_keys_match_spec() {
    let vault = Vault::fixture("vault");
    let people = vault.json(&["people"]);
    assert_eq!(keys(&people), sorted(&["today", "people"]));
    let rows = people["people"].as_array().expect("people array");
    assert!(!rows.is_empty());
    for row in rows {
        assert_eq!(keys(row), sorted(PERSON_KEYS), "people row {row}");
    }
}

#[test]
fn json_due_keys_match_spec() {
    let vault = Vault::fixture("vault");
    let due = vault.json(&["due", "--within", "14d"]);
    assert_eq!(keys(&due), sorted(&["today", "reminders"]));
    let rows = due["reminders"].as_array().expect("reminders array");
    let mut kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds, ["birthday", "cadence", "commitment"]);
    // ⟨1.2⟩ A keep-in-touch reminder adds the last interaction.
    let cadence_keys: Vec<&str> = REMINDER_KEYS
        .iter()
        .copied()
        .chain(["last_date", "last_text", "last_file", "last_line"])
        .collect();
    for row in rows {
        let want = if row["kind"] == "cadence" {
            &cadence_keys[..]
        } else {
            REMINDER_KEYS
        };
        assert_eq!(keys(row), sorted(want), "reminder {row}");
    }
}

#[test]
fn json_show_keys_match_spec() {
    let vault = Vault::fixture("vault");
    // carol-diaz has both timeline entries and open commitments.
    let show = vault.json(&["show", "carol-diaz"]);
    assert_eq!(
        keys(&show),
        sorted(&["today", "person", "timeline", "commitments"])
    );
    assert_eq!(keys(&show["person"]), sorted(PERSON_KEYS));
    let timeline = show["timeline"].as_array().expect("timeline");
    assert!(!timeline.is_empty());
    for row in timeline {
        assert_eq!(
            keys(row),
            sorted(&["date", "kinds", "text", "file", "line", "people"]),
            "timeline row {row}"
        );
    }
    let commitments = show["commitments"].as_array().expect("commitments");
    assert!(!commitments.is_empty());
    for row in commitments {
        let have = keys(row);
        for key in ["due", "text", "file", "line"] {
            assert!(
                have.iter().any(|k| k == key),
                "commitment without {key}: {row}"
            );
        }
    }
}

#[test]
fn json_report_keys_match_spec() {
    let vault = Vault::fixture("vault");
    let report = vault.json(&["report"]);
    assert_eq!(
        keys(&report),
        sorted(&[
            "today",
            "due",
            "keep_in_touch",
            "not_helped",
            "commitments",
            "waiting",
            "upcoming",
            "balance"
        ])
    );
    let not_helped = report["not_helped"].as_array().expect("not_helped");
    assert!(!not_helped.is_empty());
    for row in not_helped {
        assert_eq!(
            keys(row),
            sorted(&["handle", "last_gave", "last_contact", "gave", "got"]),
            "not_helped row {row}"
        );
    }
}

/// SPEC §7: dates are `YYYY-MM-DD` or null, paths relative with `/`.
#[test]
fn json_dates_and_paths_are_well_formed() {
    let vault = Vault::fixture("vault");
    let export = vault.json(&["export"]);
    let date = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}$").unwrap();
    let mut seen_dates = 0;
    let mut seen_paths = 0;
    visit(&export, &mut |key, value| {
        if matches!(
            key,
            "today"
                | "due"
                | "date"
                | "first_contact"
                | "last_contact"
                | "last_gave"
                | "last_got"
                | "next_due"
                | "done"
        ) {
            if let Some(s) = value.as_str() {
                assert!(date.is_match(s), "{key}: {s:?} is not YYYY-MM-DD");
                seen_dates += 1;
            } else {
                assert!(value.is_null(), "{key}: {value} is neither a date nor null");
            }
        }
        if matches!(key, "file" | "page" | "path") {
            if let Some(s) = value.as_str() {
                assert!(
                    !s.starts_with('/') && !s.contains('\\') && !s.starts_with("./"),
                    "{key}: {s:?} is not relative with /"
                );
                assert!(
                    vault.path(s).exists(),
                    "{key}: {s:?} does not name a file below the root"
                );
                seen_paths += 1;
            }
        }
    });
    assert!(seen_dates > 10 && seen_paths > 10);
}

fn visit(value: &serde_json::Value, f: &mut dyn FnMut(&str, &serde_json::Value)) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                f(k, v);
                visit(v, f);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                visit(v, f);
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Markdown report: every link is relative and resolves to a note.

#[test]
fn report_links_are_relative_and_resolve() {
    let vault = Vault::fixture("vault");
    let report = vault.ok(&["report"]).stdout;
    let link = regex::Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let mut n = 0;
    for cap in link.captures_iter(&report) {
        let target = &cap[1];
        assert!(
            !target.starts_with('/') && !target.contains("://"),
            "link {target} is not relative"
        );
        let file = target.split('#').next().unwrap().replace("%20", " ");
        assert!(
            vault.path(&file).is_file(),
            "link {target} does not resolve to a file"
        );
        n += 1;
    }
    assert!(n >= 10, "expected the report to link its items, found {n}");
}

// ---------------------------------------------------------------------------
// ICS (RFC 5545): CRLF line ends, lines folded at 75 octets on character
// boundaries, balanced BEGIN/END, one VEVENT per reminder.

#[test]
fn ics_follows_rfc5545_line_rules() {
    let vault = Vault::fixture("vault");
    let run = vault.ok(&["export", "--format", "ics"]);
    let bytes = &run.stdout_bytes;
    assert!(bytes.ends_with(b"\r\n"), "ICS must end with CRLF");
    let text = std::str::from_utf8(bytes).expect("ICS is UTF-8 (folding split a character?)");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines.last(), Some(&""));
    let lines = &lines[..lines.len() - 1];
    for line in lines {
        assert!(!line.contains('\n'), "bare LF inside {line:?}");
        assert!(line.len() <= 75, "line over 75 octets: {line:?}");
    }
    assert_eq!(lines.first(), Some(&"BEGIN:VCALENDAR"));
    assert_eq!(lines.last(), Some(&"END:VCALENDAR"));
    let begins = lines.iter().filter(|l| **l == "BEGIN:VEVENT").count();
    let ends = lines.iter().filter(|l| **l == "END:VEVENT").count();
    assert_eq!(begins, ends);
    // 11 dated reminders within 14 days, plus alice's and kenji's and
    // carol-diaz's cadence and priya-raman's birthday further out.
    assert_eq!(begins, 15, "one VEVENT per reminder and birthday");
    // Unfolded, every event has a UID, a DTSTART and a SUMMARY.
    let unfolded = text.replace("\r\n ", "");
    for event in unfolded.split("BEGIN:VEVENT").skip(1) {
        for field in ["UID:", "DTSTAMP:", "DTSTART;VALUE=DATE:", "SUMMARY:"] {
            assert!(event.contains(field), "event without {field}: {event}");
        }
    }
    assert!(unfolded.contains("SUMMARY:Send him the CI flake write-up\r\n"));
}

/// A birthday on 29 February must still fall on 29 February in leap years;
/// an event on 2027-02-28 with `RRULE:FREQ=YEARLY` puts it on 28 February
/// in 2028 too.
#[test]
fn ics_leap_day_birthday_recurs_on_leap_day() {
    let vault = Vault::fixture("vault");
    let ics = vault.ok(&["export", "--format", "ics"]).stdout;
    let unfolded = ics.replace("\r\n ", "");
    let event = unfolded
        .split("BEGIN:VEVENT")
        .find(|e| e.contains("SUMMARY:birthday of @priya-raman"))
        .expect("priya-raman's birthday event");
    let recurs_on_28th_every_year =
        event.contains("DTSTART;VALUE=DATE:20270228") && event.contains("RRULE:FREQ=YEARLY\r\n");
    assert!(
        !recurs_on_28th_every_year,
        "a 02-29 birthday recurs on 28 Feb every year:\n{event}"
    );
}

// ---------------------------------------------------------------------------
// Colour: only when asked for, never in machine formats.

const ESC: &str = "\x1b[";

#[test]
fn color_always_colours_text_output() {
    let vault = Vault::fixture("vault");
    for args in [&["people"][..], &["due"], &["show", "alice"], &["check"]] {
        let mut all = vec!["--color", "always"];
        all.extend_from_slice(args);
        // Without NO_COLOR, so that only the flag is under test.
        let mut cmd = vault.command();
        cmd.env_remove("NO_COLOR").args(&all);
        let run = Run::from_command(&mut cmd, all.join(" "));
        run.assert_code(0);
        assert!(
            run.stdout.contains(ESC),
            "`relnotes {}` has no colour:\n{}",
            all.join(" "),
            run.stdout
        );
    }
}

#[test]
fn no_color_and_piped_stdout_never_colour() {
    let vault = Vault::fixture("vault");
    for args in [
        &["people"][..],
        &["due", "--within", "14d"],
        &["show", "alice"],
        &["check"],
        &["report"],
        &["people", "--format", "md"],
    ] {
        // NO_COLOR=1 (set by the helper), default --color auto, piped stdout.
        let run = vault.run(args);
        assert!(
            !run.stdout.contains(ESC) && !run.stderr.contains(ESC),
            "`relnotes {}` coloured its output",
            args.join(" ")
        );
        // Piped stdout alone (no NO_COLOR) is enough to turn colour off.
        let mut cmd = vault.command();
        cmd.env_remove("NO_COLOR").args(args);
        let run = Run::from_command(&mut cmd, args.join(" "));
        assert!(
            !run.stdout.contains(ESC),
            "`relnotes {}` coloured piped output without NO_COLOR",
            args.join(" ")
        );
        // --color never, whatever the environment.
        let mut all = vec!["--color", "never"];
        all.extend_from_slice(args);
        assert!(!vault.run(&all).stdout.contains(ESC));
    }
}

#[test]
fn color_always_never_touches_machine_formats() {
    let vault = Vault::fixture("vault");
    for args in [
        &["people", "--format", "json"][..],
        &["report"],
        &["report", "--format", "json"],
        &["export", "--format", "ics"],
        &["export", "--format", "json"],
    ] {
        let mut all = vec!["--color", "always"];
        all.extend_from_slice(args);
        let mut cmd = vault.command();
        cmd.env_remove("NO_COLOR").args(&all);
        let run = Run::from_command(&mut cmd, all.join(" "));
        run.assert_code(0);
        assert!(
            !run.stdout.contains(ESC),
            "`relnotes {}` put escape codes in a machine format",
            all.join(" ")
        );
    }
}

/// Regression: JSON diagnostics once said `"severity": "Warning"` (Rust
/// enum names) where the text form says `warning`.
#[test]
fn json_diagnostic_severity_is_lower_case() {
    let vault = Vault::fixture("nasty");
    let run = vault.run(&["check", "--format", "json"]);
    run.assert_code(1);
    let diagnostics = run.json();
    let severities: Vec<&str> = diagnostics
        .as_array()
        .expect("a list of diagnostics")
        .iter()
        .map(|d| d["severity"].as_str().unwrap())
        .collect();
    assert!(
        severities.contains(&"error") && severities.contains(&"warning"),
        "{severities:?}"
    );
}
