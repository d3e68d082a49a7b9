//! The machine-local index (SPEC §1): it lives under `$XDG_CACHE_HOME`,
//! never in the notes or `$HOME`, and it never makes an answer stale: every
//! run answers from the notes as they are now, whatever an earlier run
//! cached. Concurrent runs on one root agree.

use std::fs;
use std::time::{Duration, SystemTime};

use crate::util::{handles, person, wait_guarded, Run, Vault, TODAY};

fn list(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn machine_state_lives_in_the_cache_folder_only() {
    let vault = Vault::fixture("vault");
    let before = vault.snapshot_files();
    vault.ok(&["people"]);
    vault.ok(&["report"]);
    assert_eq!(
        vault.snapshot_files().keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    assert!(
        list(vault.home()).is_empty(),
        "wrote into $HOME: {:?}",
        list(vault.home())
    );
    let cached = list(vault.cache());
    assert!(
        cached.iter().all(|n| n == "relnotes"),
        "$XDG_CACHE_HOME holds more than relnotes/: {cached:?}"
    );
}

#[test]
fn answers_follow_added_changed_and_removed_notes() {
    let vault = Vault::with_files(&[
        ("a.md", "- 2026-11-01 lunch with @ann #gave\n"),
        ("b.md", "- 2026-11-02 call with @ben\n"),
    ]);
    assert_eq!(handles(&vault.json(&["people"])), ["ann", "ben"]);

    // Added.
    vault.write("c/new.md", "- 2026-11-03 coffee with @cat #got\n");
    assert_eq!(handles(&vault.json(&["people"])), ["ann", "ben", "cat"]);

    // Changed (a different size).
    vault.write(
        "a.md",
        "- 2026-11-01 lunch with @ann #gave\n- 2026-11-04 @ann again #got\n",
    );
    let people = vault.json(&["people"]);
    assert_eq!(person(&people, "ann").unwrap()["interactions"], 2);

    // Removed.
    fs::remove_file(vault.path("b.md")).unwrap();
    assert_eq!(handles(&vault.json(&["people"])), ["ann", "cat"]);

    // Renamed into an excluded place.
    vault.write(".relnotes.toml", "exclude = [\"c\"]\n");
    assert_eq!(handles(&vault.json(&["people"])), ["ann"]);
}

/// A `git checkout` can swap a file for another of the same size within the
/// same second; an index keyed on (size, mtime) alone would miss it.
#[test]
fn a_same_size_change_with_the_same_mtime_is_seen() {
    let vault = Vault::with_files(&[("a.md", "- 2026-11-01 lunch with @aaaa\n")]);
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let set_mtime = || {
        fs::OpenOptions::new()
            .write(true)
            .open(vault.path("a.md"))
            .unwrap()
            .set_modified(when)
            .unwrap();
    };
    set_mtime();
    assert_eq!(handles(&vault.json(&["people"])), ["aaaa"]);
    vault.write("a.md", "- 2026-11-01 lunch with @bbbb\n");
    set_mtime();
    assert_eq!(handles(&vault.json(&["people"])), ["bbbb"]);
}

#[test]
fn config_changes_are_seen_at_once() {
    let vault = Vault::fixture("vault");
    let people = vault.json(&["people"]);
    assert_eq!(person(&people, "alice").unwrap()["mentions"], 7);
    assert_eq!(person(&people, "alice").unwrap()["cadence"], "1m");
    // Include the templates and change the mentor cadence.
    let config = vault.read(".relnotes.toml");
    vault.write(
        ".relnotes.toml",
        config
            .replace("exclude = [\"templates/**\"]", "exclude = []")
            .replace("mentor = \"1m\"", "mentor = \"2m\""),
    );
    let people = vault.json(&["people"]);
    let alice = person(&people, "alice").unwrap();
    assert_eq!(alice["mentions"], 8, "templates/daily.md is read now");
    assert_eq!(alice["cadence"], "2m");
    assert_eq!(alice["next_due"], "2027-01-20");
}

#[test]
fn today_is_never_cached() {
    let vault = Vault::fixture("vault");
    let now = vault.json(&["people"]);
    assert_eq!(person(&now, "marcus").unwrap()["overdue_days"], 4);
    let mut cmd = vault.bare_command();
    cmd.arg("--dir").arg(vault.root()).args([
        "--today",
        "2026-11-30",
        "people",
        "--format",
        "json",
    ]);
    let later = Run::from_command(&mut cmd, "--today 2026-11-30 people".into());
    later.assert_code(0);
    let later = later.json();
    assert_eq!(later["today"], "2026-11-30");
    assert_eq!(person(&later, "marcus").unwrap()["overdue_days"], 11);
    // Never contacted: due on whatever today is.
    assert_eq!(person(&later, "dana").unwrap()["next_due"], "2026-11-30");
    // And back again.
    assert_eq!(vault.json(&["people"]), now);
    assert_eq!(now["today"], TODAY);
}

#[test]
fn concurrent_runs_on_one_root_agree() {
    let vault = Vault::fixture("vault");
    let expected = {
        // A separate vault with its own cache gives the reference answer.
        let other = Vault::fixture("vault");
        other.ok(&["people", "--format", "json"]).stdout
    };
    let children: Vec<_> = (0..6)
        .map(|_| {
            vault
                .std_command()
                .args(["people", "--format", "json"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let output = wait_guarded(child, "people --format json (concurrent)");
        let run = Run::from_output(output, "people --format json (concurrent)".into());
        run.assert_code(0);
        assert_eq!(run.stdout, expected);
    }
}

/// `files: 19 seen, 0 parsed, …` → the number before `word`.
fn count(stdout: &str, word: &str) -> u64 {
    let re = regex::Regex::new(&format!(r"(\d+) {word}\b")).unwrap();
    let caps = re
        .captures(stdout)
        .unwrap_or_else(|| panic!("no `<n> {word}` in:\n{stdout}"));
    caps[1].parse().unwrap()
}

#[test]
fn index_reports_where_it_is_and_what_changed() {
    let vault = Vault::fixture("vault");
    let first = vault.ok(&["index"]);
    first.assert_no_root(&vault);
    let cache = vault.cache().join("relnotes");
    let cache = cache.to_string_lossy();
    assert!(
        first.stdout.contains(cache.as_ref()),
        "`index` does not print a path under {cache}:\n{}",
        first.stdout
    );
    let seen = count(&first.stdout, "seen");
    assert!(seen >= 18, "{}", first.stdout);
    assert!(count(&first.stdout, "parsed") >= 18, "{}", first.stdout);
    assert!(first.stdout.contains("people"), "{}", first.stdout);
    assert!(first.stdout.contains("interactions"), "{}", first.stdout);

    // Nothing changed: nothing parsed again.
    let second = vault.ok(&["index"]);
    assert_eq!(count(&second.stdout, "seen"), seen);
    assert_eq!(count(&second.stdout, "parsed"), 0, "{}", second.stdout);
    // Files written just now may be re-hashed (git's racy-timestamp rule),
    // but none is parsed again.
    assert_eq!(
        count(&second.stdout, "unchanged") + count(&second.stdout, "re-hashed"),
        seen,
        "{}",
        second.stdout
    );

    // One note removed, one changed.
    fs::remove_file(vault.path("ideas.md")).unwrap();
    vault.write(
        "log.md",
        vault.read("log.md") + "\n- 2026-11-22 @omar again #got\n",
    );
    let third = vault.ok(&["index"]);
    assert_eq!(count(&third.stdout, "removed"), 1, "{}", third.stdout);
    assert_eq!(count(&third.stdout, "parsed"), 1, "{}", third.stdout);
    let omar = vault.json(&["people"]);
    assert_eq!(person(&omar, "omar").unwrap()["last_got"], "2026-11-22");
}

#[test]
fn index_flag_and_env_put_the_index_elsewhere() {
    let vault = Vault::fixture("vault");
    let expected = vault.json(&["people"]);
    for via_env in [false, true] {
        let place = tempfile::tempdir().unwrap();
        let file = place.path().join("my-index.sqlite");
        let mut cmd = vault.command();
        if via_env {
            cmd.env("RELNOTES_INDEX", &file);
        } else {
            cmd.arg("--index").arg(&file);
        }
        cmd.env("XDG_CACHE_HOME", place.path().join("unused-cache"))
            .args(["people", "--format", "json"]);
        let run = Run::from_command(&mut cmd, "--index … people".into());
        run.assert_code(0);
        assert_eq!(run.json(), expected);
        assert!(file.exists(), "no index at {}", file.display());
        assert!(
            !place.path().join("unused-cache").exists(),
            "the default cache was used despite --index/RELNOTES_INDEX"
        );
    }
}

/// The stored answers beside the index: `<index>.answers/*`.
fn stored_answers(vault: &Vault) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![vault.cache().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap().map(Result::unwrap) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if dir.to_string_lossy().ends_with(".answers") {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn a_stored_answer_is_used_only_while_nothing_changed() {
    let vault = Vault::with_files(&[("a.md", "- 2026-11-01 lunch with @ann #gave\n")]);
    let real = vault.ok(&["people"]).stdout;
    // A run whose sync changed nothing stores its answer.
    vault.ok(&["people"]);
    let stored = stored_answers(&vault);
    assert_eq!(stored.len(), 1, "{stored:?}");
    // The next identical run answers from the store, byte for byte: plant
    // an answer (with a valid checksum) to see that it is read.
    let planted = b"PLANTED\n".to_vec();
    let mut file = planted.clone();
    file.extend_from_slice(blake3::hash(&planted).as_bytes());
    fs::write(&stored[0], &file).unwrap();
    assert_eq!(vault.ok(&["people"]).stdout, "PLANTED\n");
    // Another question is not answered from it.
    assert!(vault
        .ok(&["people", "--format", "json"])
        .stdout
        .contains("ann"));
    // A damaged store is not believed.
    fs::write(&stored[0], b"PLANTED\nwith a bad checksum").unwrap();
    assert_eq!(vault.ok(&["people"]).stdout, real);
    // After an edit, the answer comes from the notes again.
    fs::write(&stored[0], &file).unwrap();
    vault.write("a.md", "- 2026-11-01 lunch with @bob #gave\n");
    let after = vault.ok(&["people"]).stdout;
    assert!(
        after.contains("@bob") && !after.contains("PLANTED"),
        "{after}"
    );
}

#[test]
fn a_big_answer_is_stored_while_it_is_written_and_read_back_whole() {
    // 20,000 people: `export` is several megabytes, past the size from which
    // the answer is stored on a thread of its own while it is written out.
    let mut note = String::from("## 2026-11-01\n");
    for i in 0..20_000 {
        note.push_str(&format!("- lunch with @p{i:05} #gave\n"));
    }
    let vault = Vault::with_files(&[("big.md", &note)]);
    let made = vault.ok(&["export"]).stdout;
    assert!(made.len() > 2 << 20, "export is only {} bytes", made.len());
    // The sync of the first run changed the index: nothing stored yet.
    assert!(stored_answers(&vault).is_empty());
    let again = vault.ok(&["export"]).stdout;
    assert_eq!(again, made);
    let stored = stored_answers(&vault);
    assert_eq!(stored.len(), 1, "{stored:?}");
    let bytes = fs::read(&stored[0]).unwrap();
    let body = bytes.len() - 32;
    assert_eq!(&bytes[..body], made.as_bytes(), "stored answer differs");
    assert_eq!(blake3::hash(&bytes[..body]).as_bytes(), &bytes[body..]);
    // And it is what the next run prints.
    assert_eq!(vault.ok(&["export"]).stdout, made);
}

#[test]
fn check_is_stored_like_any_answer_with_its_summary_and_exit_code() {
    let vault = Vault::with_files(&[
        ("a.md", "- 2026-11-01 lunch with @ann #gave\n"),
        ("broken.md", "---\ntitle: [unclosed\n---\n- @bob\n"),
    ]);
    let first = vault.run(&["check"]);
    first.assert_code(1);
    assert!(first.stdout.contains("broken.md:"), "{}", first.stdout);
    assert!(first.stderr.contains("1 error"), "{}", first.stderr);
    // The first run's sync changed the index: stored by the second.
    assert!(stored_answers(&vault).is_empty());
    let second = vault.run(&["check"]);
    let stored = stored_answers(&vault);
    assert_eq!(stored.len(), 1, "{stored:?}");
    // The third answers from the store: the same streams and exit code.
    for run in [&second, &vault.run(&["check"])] {
        run.assert_code(1);
        assert_eq!((&run.stdout, &run.stderr), (&first.stdout, &first.stderr));
    }
    // A planted answer (a valid checksum) is read: no problems, exit 0.
    let mut planted = vec![0u8];
    planted.extend_from_slice(&(14u32).to_le_bytes());
    planted.extend_from_slice(b"relnotes: hi!\nREPORT\n");
    let mut file = planted.clone();
    file.extend_from_slice(blake3::hash(&planted).as_bytes());
    fs::write(&stored[0], &file).unwrap();
    let run = vault.run(&["check"]);
    run.assert_code(0);
    assert_eq!(
        (run.stdout.as_str(), run.stderr.as_str()),
        ("REPORT\n", "relnotes: hi!\n")
    );
    // JSON is another question, and the fix is seen at once.
    assert!(vault
        .run(&["check", "--format", "json"])
        .stdout
        .contains("broken.md"));
    vault.write("broken.md", "- @bob\n");
    let fixed = vault.run(&["check"]);
    fixed.assert_code(0);
    assert!(fixed.stderr.contains("0 errors"), "{}", fixed.stderr);
    assert!(!fixed.stdout.contains("broken.md"), "{}", fixed.stdout);
}
