//! For people (issue 10, SPEC §7, §8, §10 ⟨1.2⟩): a report that stays
//! readable however many notes there are, keep-in-touch reminders with the
//! last interaction, the give-and-take chart, a calendar with alarms that
//! a strict iCalendar parser reads, and the CLI's conventions (clap's full
//! errors, `--format` per command, completions, the man page, aligned
//! tables).

use insta::assert_snapshot;

use crate::util::Vault;

/// A journal with `n` people met and never helped, and an open commitment
/// to each, with no due date.
fn many_commitments(n: usize) -> Vault {
    let mut day = String::new();
    for i in 0..n {
        day.push_str(&format!("- [ ] send @p{i:03} the notes\n- met @p{i:03}\n"));
    }
    Vault::with_files(&[("2026-11-20.md", &day)])
}

fn count_lines(text: &str, prefix: &str) -> usize {
    text.lines().filter(|l| l.starts_with(prefix)).count()
}

#[test]
fn spec8_report_sections_stop_at_report_limit_and_say_how_many_more() {
    let vault = many_commitments(40);
    let md = vault.ok(&["report"]).stdout;
    let open = section(&md, "## Open commitments");
    assert_eq!(count_lines(open, "- @p"), 25, "{open}");
    assert!(
        open.contains("- … and 15 more: `relnotes report --format json` has them all"),
        "{open}"
    );
    // Most urgent first: here all alike, so file and line order.
    assert!(open.find("@p000").unwrap() < open.find("@p024").unwrap());
    assert!(!open.contains("@p025"), "{open}");
    // Who haven't I helped: a table, then a blank line, then the count.
    let nh = section(&md, "## Who haven't I helped lately");
    assert_eq!(count_lines(nh, "| @p"), 25, "{nh}");
    assert!(nh.contains("\n\n… and 15 more: "), "{nh}");
    // JSON stays complete.
    let json = vault.json(&["report"]);
    assert_eq!(json["commitments"].as_array().unwrap().len(), 40);
    assert_eq!(json["not_helped"].as_array().unwrap().len(), 40);
    // The limit is the config's; 0 is none.
    vault.write(".relnotes.toml", "report_limit = 3\n");
    let md = vault.ok(&["report"]).stdout;
    let open = section(&md, "## Open commitments");
    assert_eq!(count_lines(open, "- @p"), 3, "{open}");
    assert!(open.contains("… and 37 more"), "{open}");
    vault.write(".relnotes.toml", "report_limit = 0\n");
    let md = vault.ok(&["report"]).stdout;
    assert_eq!(count_lines(section(&md, "## Open commitments"), "- @p"), 40);
}

/// The text of one `## ` section of a report.
fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let start = md
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading} in {md}"));
    let rest = &md[start + heading.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn spec8_open_commitments_by_due_date_then_entry_date_and_old_ones_counted() {
    let vault = Vault::with_files(&[
        (
            "2026-11-01.md",
            "- [ ] undated newer @b\n- [ ] due late @c due:2026-12-20\n",
        ),
        (
            "2026-10-01.md",
            "- [ ] undated older @a\n- [ ] due soon @d due:2026-11-30\n",
        ),
        (
            "2024-01-01.md",
            "- [ ] ancient @e\n- [ ] ancient too @f due:2026-11-25\n",
        ),
        ("ideas.md", "- [ ] no date at all @g\n"),
    ]);
    let md = vault.ok(&["report"]).stdout;
    let open = section(&md, "## Open commitments");
    let order: Vec<&str> = open
        .lines()
        .filter(|l| l.starts_with("- @"))
        .map(|l| &l[3..4])
        .collect();
    assert_eq!(order, ["d", "c", "a", "b", "g"], "{open}");
    assert!(
        open.contains("- 2 more opened before 2025-11-23 (older than `active_window`, 365d)"),
        "{open}"
    );
    let json = vault.json(&["report"]);
    assert_eq!(json["commitments"].as_array().unwrap().len(), 7);
}

const CONTEXT: &[(&str, &str)] = &[
    (
        ".relnotes.toml",
        "report = \"RELNOTES.md\"\n[cadence]\ndefault = \"1m\"\n",
    ),
    (
        "people/marcus.md",
        "---\nname: Marcus Lee\n---\n# Marcus\n\n- 2026-09-01 Coffee at the station\n",
    ),
    (
        "journal/2026-10-05.md",
        "- Lunch with @marcus; he's moving to Berlin #got\n- Call with @marcus about the move\n",
    ),
    ("journal/2026-12-01.md", "- Plan: dinner with @marcus\n"),
    (
        "ideas.md",
        "- ask @marcus about Berlin\n- [ ] send @nora the link\n",
    ),
];

#[test]
fn spec8_keep_in_touch_reminders_carry_the_last_interaction() {
    let vault = Vault::with_files(CONTEXT);
    // The report: date, text and a link to the line.
    let md = vault.ok(&["report"]).stdout;
    let due = section(&md, "## Due now");
    assert!(
        due.contains("— last: 2026-10-05 — Lunch with @marcus; he's moving to Berlin \\#got ([journal/2026-10-05.md:1](journal/2026-10-05.md#L1))"),
        "{due}"
    );
    // @nora was never met: no last interaction.
    assert!(
        due.contains("keep in touch with @nora (every 1m, no contact yet)\n"),
        "{due}"
    );
    // `due` as JSON: the fields, or nulls.
    let json = vault.json(&["due"]);
    let rows = json["reminders"].as_array().unwrap();
    let marcus = rows.iter().find(|r| r["people"][0] == "marcus").unwrap();
    assert_eq!(
        marcus["last_text"],
        "Lunch with @marcus; he's moving to Berlin #got"
    );
    assert_eq!(marcus["last_file"], "journal/2026-10-05.md");
    assert_eq!(marcus["last_line"], 1);
    assert_eq!(marcus["last_date"], "2026-10-05");
    let nora = rows.iter().find(|r| r["people"][0] == "nora").unwrap();
    assert!(
        nora["last_text"].is_null() && nora["last_line"].is_null(),
        "{nora}"
    );
    // `due` as text, and `show`.
    let text = vault.ok(&["due"]).stdout;
    assert!(
        text.contains("last contact 2026-10-05) — last: Lunch with @marcus"),
        "{text}"
    );
    assert!(text.contains("journal/2026-10-05.md:1"), "{text}");
    let show = vault.ok(&["show", "marcus"]).stdout;
    assert!(
        show.contains("last: 2026-10-05 — Lunch with @marcus; he's moving to Berlin #got (journal/2026-10-05.md:1)"),
        "{show}"
    );
    // The calendar event's description.
    let ics = vault
        .ok(&["export", "--format", "ics"])
        .stdout
        .replace("\r\n ", "");
    assert!(
        ics.contains("last: 2026-10-05 — Lunch with @marcus\\; he's moving to Berlin #got (journal/2026-10-05.md:1)"),
        "{ics}"
    );
}

#[test]
fn snapshot_report_with_context_and_chart() {
    let vault = Vault::with_files(&[
        CONTEXT[0],
        CONTEXT[1],
        CONTEXT[2],
        CONTEXT[3],
        CONTEXT[4],
        (
            "journal/2026-11-02.md",
            "- Intro for @ann to a recruiter #intro\n",
        ),
        (
            "journal/2026-06-15.md",
            "- @ann lent me a book #got\n- Helped @bo move #helped\n",
        ),
        ("journal/2025-12-01.md", "- Advice to @bo #advice\n"),
        (
            "journal/2025-11-30.md",
            "- Too old for the chart @bo #gave\n",
        ),
    ]);
    assert_snapshot!("people_report_md", vault.ok(&["report"]).stdout);
}

#[test]
fn spec8_chart_spans_twelve_months_and_is_deterministic() {
    let vault = Vault::with_files(&[("2026-01-10.md", "- @a #gave\n- @a #gave\n- @b #got\n")]);
    let md = vault.ok(&["report"]).stdout;
    let chart = &md[md.find("```mermaid").unwrap()..];
    assert!(chart.contains("xychart-beta\n"), "{chart}");
    assert!(
        chart.contains(
            "x-axis [\"2025-12\", \"2026-01\", \"2026-02\", \"2026-03\", \"2026-04\", \"2026-05\", \"2026-06\", \"2026-07\", \"2026-08\", \"2026-09\", \"2026-10\", \"2026-11\"]"
        ),
        "{chart}"
    );
    assert!(
        chart.contains("bar [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"),
        "{chart}"
    );
    assert!(
        chart.contains("line [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"),
        "{chart}"
    );
    assert!(chart.contains("y-axis \"Entries\" 0 --> 2"), "{chart}");
    assert_eq!(md, vault.ok(&["report"]).stdout);
}

#[test]
fn plurals_are_right() {
    let vault = Vault::with_files(&[("2026-11-10.md", "- @a #gave\n- @a #got\n- @a #got\n")]);
    let md = vault.ok(&["report"]).stdout;
    assert!(md.contains(": gave 1 time, got 2 times."), "{md}");
    let vault = Vault::with_files(&[("ideas.md", "- @a\n")]);
    let check = vault.run(&["check"]);
    assert!(!check.stderr.contains("(s)"), "{}", check.stderr);
}

/// Parses `ics` with the `icalendar` crate's parser and returns the names
/// of the calendar's components.
fn parse_ics(ics: &str) -> Vec<String> {
    let unfolded = icalendar::parser::unfold(ics);
    let cal = icalendar::parser::read_calendar(&unfolded)
        .unwrap_or_else(|e| panic!("not a calendar: {e}\n{ics}"));
    cal.components.iter().map(|c| c.name.to_string()).collect()
}

#[test]
fn spec7_ics_with_reminders_parses_and_has_an_alarm_per_event() {
    let vault = Vault::fixture("vault");
    let ics = vault.ok(&["export", "--format", "ics"]).stdout;
    let names = parse_ics(&ics);
    let unfolded = ics.replace("\r\n ", "");
    let events = unfolded.matches("BEGIN:VEVENT").count();
    assert_eq!(names, vec!["VEVENT"; events]);
    assert!(events > 3, "{ics}");
    assert_eq!(unfolded.matches("BEGIN:VALARM").count(), events);
    assert_eq!(
        unfolded.matches("TRIGGER;RELATED=START:PT9H\r\n").count(),
        events
    );
    assert_eq!(unfolded.matches("ACTION:DISPLAY\r\n").count(), events);
    let unfolded_ics = icalendar::parser::unfold(&ics);
    let cal = icalendar::parser::read_calendar(&unfolded_ics).unwrap();
    let vevents: Vec<_> = cal
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    assert_eq!(vevents.len(), events);
    for e in vevents {
        assert!(e.components.iter().any(|c| c.name == "VALARM"));
        assert!(e.find_prop("UID").is_some() && e.find_prop("DTSTAMP").is_some());
    }
    // Byte-stable: the same notes and today, the same bytes.
    assert_eq!(ics, vault.ok(&["export", "--format", "ics"]).stdout);
}

#[test]
fn spec7_ics_alarm_follows_the_config() {
    let vault = Vault::with_files(&[
        (".relnotes.toml", "alarm = \"07:45\"\n"),
        ("2026-11-20.md", "- [ ] call @a due:2026-11-25\n"),
    ]);
    let ics = vault.ok(&["export", "--format", "ics"]).stdout;
    assert!(ics.contains("TRIGGER;RELATED=START:PT7H45M\r\n"), "{ics}");
    vault.write(".relnotes.toml", "alarm = \"\"\n");
    let ics = vault.ok(&["export", "--format", "ics"]).stdout;
    assert!(!ics.contains("VALARM"), "{ics}");
    assert!(ics.contains("BEGIN:VEVENT"), "{ics}");
    parse_ics(&ics);
}

#[test]
fn spec7_empty_ics_still_holds_a_component() {
    let vault = Vault::with_files(&[("ideas.md", "- nothing dated here\n")]);
    let ics = vault.ok(&["export", "--format", "ics"]).stdout;
    assert_eq!(parse_ics(&ics), ["VTIMEZONE"], "{ics}");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert_snapshot!("people_empty_ics", ics);
}

// CLI conventions.

#[test]
fn clap_errors_are_kept_in_full_and_exit_2() {
    let vault = Vault::fixture("vault");
    let run = vault.run(&["peple"]);
    run.assert_code(2);
    assert!(run.stderr.contains("similar subcommand"), "{}", run.stderr);
    assert!(run.stderr.contains("people"), "{}", run.stderr);
    let run = vault.run(&["show"]);
    run.assert_code(2);
    assert!(run.stderr.contains("<PERSON>"), "{}", run.stderr);
    let run = vault.run(&["people", "--format", "xml"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("[possible values: text, md, json]"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn spec7_format_is_checked_per_command_before_or_after_it() {
    let empty = Vault::new();
    let run = empty.run(&["init", "--format", "ics"]);
    run.assert_code(2);
    assert!(run.stderr.contains("--format"), "{}", run.stderr);
    assert!(!empty.path(".relnotes.toml").exists());
    let vault = Vault::fixture("vault");
    let run = vault.run(&["--format", "ics", "people"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("[possible values: text, md, json]"),
        "{}",
        run.stderr
    );
    let run = vault.run(&["export", "--format", "md"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("[possible values: json, ics]"),
        "{}",
        run.stderr
    );
    let before = vault.ok(&["--format", "json", "people"]).stdout;
    assert_eq!(before, vault.ok(&["people", "--format", "json"]).stdout);
    assert!(before.starts_with('{'));
}

#[test]
fn every_subcommand_help_has_examples() {
    let vault = Vault::new();
    for cmd in [
        "init",
        "index",
        "report",
        "people",
        "show",
        "due",
        "check",
        "export",
        "watch",
        "completions",
        "man",
    ] {
        let run = vault.ok(&[cmd, "--help"]);
        assert!(
            run.stdout.contains("Examples:"),
            "{cmd} --help:\n{}",
            run.stdout
        );
        assert!(run.stdout.contains(&format!("relnotes {cmd}")), "{cmd}");
    }
}

#[test]
fn completions_and_man_page() {
    let vault = Vault::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = vault.ok(&["completions", shell]).stdout;
        assert!(out.contains("relnotes"), "{shell}");
        assert!(out.contains("people"), "{shell}: no subcommand");
    }
    let bash = vault.ok(&["completions", "bash"]).stdout;
    assert!(bash.contains("text md json ics"), "{bash}");
    vault.run(&["completions", "tcsh"]).assert_code(2);
    let man = vault.ok(&["man"]).stdout;
    assert!(
        man.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        &man[..80.min(man.len())]
    );
    assert!(man.contains(".TH relnotes 1"), "{man}");
    assert!(man.contains("completions"), "{man}");
    // Neither needs a notes root nor writes anything.
    assert!(vault.snapshot_files().is_empty());
}

#[test]
fn tables_align_by_display_width() {
    let vault = Vault::with_files(&[
        (
            "people/ann.md",
            "---\nname: 안나 김\n---\n- 2026-11-01 coffee\n",
        ),
        (
            "people/bob.md",
            "---\nname: Bob 🎸 Okafor\n---\n- 2026-11-02 gig\n",
        ),
        (
            "people/cy.md",
            "---\nname: Cy\n---\n- 2026-11-03 call #gave\n",
        ),
    ]);
    let text = vault.ok(&["people"]).stdout;
    let cols: Vec<usize> = text
        .lines()
        .map(|l| {
            let at = l
                .find("2026-")
                .unwrap_or_else(|| l.find("LAST CONTACT").unwrap());
            unicode_width::UnicodeWidthStr::width(&l[..at])
        })
        .collect();
    assert!(cols.windows(2).all(|w| w[0] == w[1]), "{cols:?}\n{text}");
}

#[test]
fn relnotes_today_in_the_environment_is_named_when_bad() {
    let vault = Vault::fixture("vault");
    let mut cmd = vault.bare_command();
    cmd.arg("--dir")
        .arg(vault.root())
        .env("RELNOTES_TODAY", "bad")
        .arg("people");
    let run = crate::util::Run::from_command(&mut cmd, "RELNOTES_TODAY=bad people".into());
    run.assert_code(2);
    assert!(run.stderr.contains("RELNOTES_TODAY"), "{}", run.stderr);
    assert!(!run.stderr.contains("--today"), "{}", run.stderr);
}

#[test]
fn failed_output_names_the_target_not_a_temp_file() {
    let vault = Vault::fixture("vault");
    let out = vault.path("missing/RELNOTES.md");
    let run = vault.run(&["report", "--output", out.to_str().unwrap()]);
    run.assert_usage_error();
    assert!(run.stderr.contains("missing/RELNOTES.md"), "{}", run.stderr);
    assert!(!run.stderr.contains(".relnotes-"), "{}", run.stderr);
    assert!(!run.stderr.contains(".tmp"), "{}", run.stderr);
}

#[test]
fn index_format_json_prints_its_stats() {
    let vault = Vault::fixture("vault");
    let json = vault.json(&["index"]);
    for key in [
        "index",
        "seen",
        "parsed",
        "unchanged",
        "rehashed",
        "removed",
        "skipped",
        "full_parse",
        "rederived",
        "people",
        "interactions",
        "reminders",
        "sync_ms",
    ] {
        assert!(json.get(key).is_some(), "no {key} in {json}");
    }
    assert!(json["seen"].as_u64().unwrap() > 5, "{json}");
    assert!(json["people"].as_u64().unwrap() > 3, "{json}");
}
