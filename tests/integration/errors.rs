//! Exit codes and error messages (SPEC §7): 0 success, 1 errors found by
//! `check`, 2 usage or I/O error with a one-line message naming the path,
//! flag value or config key at fault (bad flags: clap's whole message, with
//! its suggestions and the usage line). Also `init`, which must never
//! overwrite.

use crate::util::Vault;

#[test]
fn missing_dir_is_exit_2_naming_the_path() {
    let vault = Vault::new();
    let missing = vault.path("no/such/notes");
    let missing_str = missing.to_str().unwrap();
    for args in [&["people"][..], &["report"], &["check"], &["due"]] {
        let mut cmd = vault.bare_command();
        cmd.args(["--dir", missing_str, "--today", "2026-11-23"])
            .args(args);
        let run = crate::util::Run::from_command(&mut cmd, args.join(" "));
        run.assert_usage_error();
        assert!(
            run.stderr.contains(missing_str),
            "stderr does not name {missing_str}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn dir_that_is_a_file_is_exit_2() {
    let vault = Vault::with_files(&[("note.md", "- 2026-11-01 @a\n")]);
    let file = vault.path("note.md");
    let mut cmd = vault.bare_command();
    cmd.arg("--dir").arg(&file).arg("people");
    let run = crate::util::Run::from_command(&mut cmd, "--dir note.md people".into());
    run.assert_usage_error();
    assert!(
        run.stderr.contains(file.to_str().unwrap()),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_within_is_exit_2_naming_the_value() {
    let vault = Vault::fixture("vault");
    let run = vault.run(&["due", "--within", "soon"]);
    run.assert_clap_error();
    assert!(run.stderr.contains("soon"), "{}", run.stderr);
    for bad in ["-3d", "7x", "d", ""] {
        let run = vault.run(&["due", "--within", bad]);
        run.assert_clap_error();
    }
}

#[test]
fn impossible_today_is_exit_2() {
    let vault = Vault::fixture("vault");
    for bad in ["2026-02-30", "2026-13-01", "yesterday", "2026-11-23T10:00"] {
        let mut cmd = vault.bare_command();
        cmd.arg("--dir")
            .arg(vault.root())
            .args(["--today", bad, "people"]);
        let run = crate::util::Run::from_command(&mut cmd, format!("--today {bad} people"));
        run.assert_clap_error();
        assert!(run.stderr.contains(bad), "{}", run.stderr);
    }
    // The same through the environment.
    let mut cmd = vault.bare_command();
    cmd.arg("--dir")
        .arg(vault.root())
        .env("RELNOTES_TODAY", "2026-02-30")
        .arg("people");
    let run = crate::util::Run::from_command(&mut cmd, "RELNOTES_TODAY=2026-02-30 people".into());
    run.assert_clap_error();
    assert!(run.stderr.contains("RELNOTES_TODAY"), "{}", run.stderr);
}

#[test]
fn unknown_config_key_is_exit_2_naming_key_and_line() {
    let vault = Vault::with_files(&[
        (
            ".relnotes.toml",
            "people_dir = \"people\"\n\n# a comment\nhelp_windw = \"90d\"\n",
        ),
        ("log.md", "- 2026-11-01 @a\n"),
    ]);
    let run = vault.run(&["people"]);
    run.assert_usage_error();
    assert!(run.stderr.contains("help_windw"), "{}", run.stderr);
    assert!(run.stderr.contains(".relnotes.toml"), "{}", run.stderr);
    assert!(run.stderr.contains(":4"), "no line 4 in: {}", run.stderr);
}

#[test]
fn unknown_nested_config_key_is_exit_2_naming_key_and_line() {
    let vault = Vault::with_files(&[(
        ".relnotes.toml",
        "[kinds]\ngave = [\"gave\"]\ngot_pattern = []\n",
    )]);
    let run = vault.run(&["people"]);
    run.assert_usage_error();
    assert!(run.stderr.contains("got_pattern"), "{}", run.stderr);
    assert!(run.stderr.contains(":3"), "no line 3 in: {}", run.stderr);
}

#[test]
fn bad_config_value_is_exit_2_naming_the_key() {
    let vault = Vault::with_files(&[(
        ".relnotes.toml",
        "people_dir = \"people\"\nhelp_window = \"soon\"\n",
    )]);
    let run = vault.run(&["report"]);
    run.assert_usage_error();
    assert!(run.stderr.contains("help_window"), "{}", run.stderr);
    assert!(run.stderr.contains(":2"), "no line 2 in: {}", run.stderr);
    assert!(run.stdout.is_empty());

    for (toml, key) in [
        ("[cadence]\nmentor = \"monthly\"\n", "mentor"),
        ("active_window = \"-5d\"\n", "active_window"),
        ("exclude = [\"[z-a]\"]\n", "exclude"),
    ] {
        assert_bad_config_names_key(&vault, toml, key);
    }
}

fn assert_bad_config_names_key(vault: &Vault, toml: &str, key: &str) {
    vault.write(".relnotes.toml", toml);
    let run = vault.run(&["people"]);
    run.assert_usage_error();
    assert!(
        run.stderr.contains(key),
        "config {toml:?}: stderr does not name {key}: {}",
        run.stderr
    );
}

/// A value of the wrong TOML type is a bad value too: name the key.
#[test]
fn config_value_of_wrong_type_names_the_key() {
    let vault = Vault::new();
    for (toml, key) in [
        ("follow_symlinks = \"yes\"\n", "follow_symlinks"),
        ("birthday_notice = 7\n", "birthday_notice"),
        ("people_dir = 5\n", "people_dir"),
        ("[aliases]\nbobby = 3\n", "bobby"),
    ] {
        assert_bad_config_names_key(&vault, toml, key);
    }
}

/// SPEC §7: a usage error is a one-line message.
#[test]
fn bad_regex_in_config_is_a_one_line_error() {
    let vault = Vault::new();
    assert_bad_config_names_key(
        &vault,
        "[kinds]\ngave_patterns = [\"(unclosed\"]\n",
        "gave_patterns",
    );
}

/// SPEC §7 lists "a bad config" among `check`'s errors, and `check` exits 1
/// on errors with `path:line:col: error: …` lines.
#[test]
fn check_reports_a_bad_config_as_an_error() {
    let vault = Vault::with_files(&[(".relnotes.toml", "help_window = \"soon\"\n")]);
    let run = vault.run(&["check"]);
    run.assert_code(1);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with(".relnotes.toml:1:") && l.contains(": error: ")),
        "{}",
        run.stdout
    );
}

#[test]
fn check_on_nasty_is_exit_1_with_well_formed_lines() {
    let vault = Vault::fixture("nasty");
    let run = vault.run(&["check"]);
    run.assert_code(1);
    run.assert_no_root(&vault);
    let line_re = regex::Regex::new(r"^[^:]+:\d+:\d+: (error|warning): ").unwrap();
    assert!(!run.stdout.is_empty());
    for line in run.stdout.lines() {
        assert!(line_re.is_match(line), "malformed check line: {line:?}");
    }
    let broken = regex::Regex::new(r"(?m)^broken-front-matter\.md:\d+:\d+: error: ").unwrap();
    assert!(broken.is_match(&run.stdout), "{}", run.stdout);
    let dup = regex::Regex::new(r"(?m)^people/Dup Two\.md:\d+:\d+: error: .*dup").unwrap();
    assert!(dup.is_match(&run.stdout), "{}", run.stdout);
    // The first claimant in byte order wins: Dup One is never blamed.
    assert!(!run.stdout.contains("people/Dup One.md:"), "{}", run.stdout);
}

#[test]
fn show_unknown_person_is_exit_2() {
    let vault = Vault::fixture("vault");
    let run = vault.run(&["show", "nobody"]);
    run.assert_usage_error();
    assert!(run.stderr.contains("nobody"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn ics_is_only_for_export() {
    let vault = Vault::fixture("vault");
    for args in [
        &["--format", "ics", "people"][..],
        &["--format", "ics", "due"],
        &["--format", "ics", "report"],
        &["--format", "ics", "show", "alice"],
    ] {
        let run = vault.run(args);
        run.assert_clap_error();
        assert!(run.stderr.contains("[possible values: "), "{}", run.stderr);
        assert!(!run.stderr.contains(", ics]"), "{}", run.stderr);
    }
}

#[test]
fn unknown_command_and_flag_are_exit_2() {
    let vault = Vault::fixture("vault");
    vault.run(&["frobnicate"]).assert_code(2);
    vault.run(&["people", "--no-such-flag"]).assert_code(2);
    vault.run(&["--format", "xml", "people"]).assert_code(2);
    vault
        .run(&["--color", "sometimes", "people"])
        .assert_code(2);
}

#[test]
fn init_writes_config_once_and_never_overwrites() {
    let vault = Vault::with_files(&[("log.md", "- 2026-11-01 lunch with @ann #gave\n")]);
    let before = vault.snapshot_files();
    let run = vault.run(&["init"]);
    run.assert_code(0);
    let config = vault.path(".relnotes.toml");
    assert!(config.is_file(), "init wrote no .relnotes.toml");
    // Only the config was added.
    let after = vault.snapshot_files();
    let added: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert_eq!(added, [".relnotes.toml"]);

    // The written config is valid: commands still work.
    let people = vault.json(&["people"]);
    assert_eq!(crate::util::handles(&people), ["ann"]);
    vault.ok(&["check"]);

    // A second init refuses, exit 2, one line naming the file, file untouched.
    vault.write(".relnotes.toml", "# my own config\nhelp_window = \"30d\"\n");
    let mine = vault.snapshot_files()[".relnotes.toml"].clone();
    let again = vault.run(&["init"]);
    again.assert_usage_error();
    assert!(again.stderr.contains(".relnotes.toml"), "{}", again.stderr);
    assert_eq!(vault.snapshot_files()[".relnotes.toml"], mine);
}

#[test]
fn report_output_into_a_missing_folder_is_exit_2() {
    let vault = Vault::fixture("vault");
    let out = vault.path("no/such/folder/RELNOTES.md");
    let out_str = out.to_str().unwrap();
    let run = vault.run(&["report", "--output", out_str]);
    run.assert_usage_error();
    assert!(run.stderr.contains("RELNOTES.md"), "{}", run.stderr);
    assert!(!out.exists());
}
