//! The persistent index (issue "Index"): incremental sync, change detection,
//! recovery from damage, kill -9 at any moment, and a differential test that
//! every answer from the index is byte-identical to the in-memory answer.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::corpus;
use crate::util::{Run, Vault};

/// An index path no process can create: the run answers from memory.
const NO_INDEX: &str = "/dev/null/relnotes-index.sqlite";

fn index_path(v: &Vault) -> PathBuf {
    v.cache().join("test-index.sqlite")
}

/// Runs with the index at [`index_path`].
fn with_index(v: &Vault, args: &[&str]) -> Run {
    let path = index_path(v);
    let mut all = vec!["--index", path.to_str().unwrap()];
    all.extend(args);
    v.run(&all)
}

/// Runs answering from memory (the core read path, no index).
fn from_memory(v: &Vault, args: &[&str]) -> Run {
    let mut all = vec!["--index", NO_INDEX];
    all.extend(args);
    let run = v.run(&all);
    assert!(
        run.stderr.contains("answering from memory"),
        "{}",
        run.stderr
    );
    run
}

/// A number from `relnotes index` output: `files: 3 seen, 1 parsed, …`.
fn stat(run: &Run, what: &str) -> usize {
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("files:"))
        .unwrap_or("");
    line.trim_start_matches("files:")
        .split(',')
        .find_map(|part| {
            let mut words = part.split_whitespace();
            let n = words.next()?;
            (words.next() == Some(what))
                .then(|| n.parse().ok())
                .flatten()
        })
        .unwrap_or_else(|| panic!("no `{what}` in {:?}", run.stdout))
}

fn set_mtime(path: &Path, t: SystemTime) {
    fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

const QUESTIONS: &[&[&str]] = &[
    &["report"],
    &["report", "--format", "json"],
    &["people", "--format", "json"],
    &["people"],
    &["due", "--within", "30d", "--format", "json"],
    &["export", "--format", "json"],
    &["export", "--format", "ics"],
    &["check"],
];

/// Every answer from the index equals the in-memory answer, twice (the
/// second time from the index's store of rendered answers).
fn assert_same_answers(v: &Vault, extra_people: &[&str]) {
    let mut questions: Vec<Vec<&str>> = QUESTIONS.iter().map(|q| q.to_vec()).collect();
    for p in extra_people {
        questions.push(vec!["show", p, "--format", "json"]);
    }
    for q in &questions {
        let mem = from_memory(v, q);
        for round in 0..2 {
            let idx = with_index(v, q);
            assert_eq!(idx.code, mem.code, "{q:?} round {round}: {}", idx.stderr);
            assert!(
                idx.stdout == mem.stdout,
                "{q:?} round {round}: index and memory differ"
            );
        }
    }
}

#[test]
fn differential_fixture_vault() {
    let v = Vault::fixture("vault");
    assert_same_answers(&v, &["alice", "bob-okafor", "dana", "jen"]);
}

#[test]
fn differential_nasty_inputs() {
    let v = Vault::fixture("nasty");
    assert_same_answers(&v, &["zed"]);
}

#[test]
fn differential_generated_corpus_and_after_changes() {
    let v = Vault::new();
    corpus::generate(v.root(), 400, 120, 7);
    assert_same_answers(&v, &["alice-chen", "bob-chen"]);
    // Edit, add, delete, rename; the index must follow exactly.
    let journal: Vec<PathBuf> = walk_md(&v.path("journal"));
    fs::write(
        &journal[0],
        "- 2026-11-20 new lunch with @newperson #gave\n",
    )
    .unwrap();
    fs::remove_file(&journal[1]).unwrap();
    fs::rename(&journal[2], v.path("moved 2026-11-19.md")).unwrap();
    v.write(
        "people/Zed New.md",
        "---\naliases: [alice-chen]\ncadence: 1w\n---\n- 2026-11-01 met\n",
    );
    assert_same_answers(&v, &["newperson", "zed-new"]);
}

fn walk_md(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect();
    out.sort();
    out
}

#[test]
fn index_lives_in_the_cache_and_reparses_only_changes() {
    let v = Vault::fixture("vault");
    let before = v.snapshot_files();
    let run = v.ok(&["index"]);
    let expected = v.cache().join("relnotes");
    assert!(
        run.stdout
            .contains(&format!("index: {}", expected.display())),
        "{}",
        run.stdout
    );
    let seen = stat(&run, "seen");
    assert_eq!(stat(&run, "parsed"), seen);
    let run = v.ok(&["index"]);
    assert_eq!(stat(&run, "parsed"), 0);
    assert_eq!(stat(&run, "seen"), seen);

    v.write("journal/2026-11-21.md", "- lunch with @alice #gave\n");
    let run = v.ok(&["index"]);
    assert_eq!((stat(&run, "parsed"), stat(&run, "removed")), (1, 0));
    fs::remove_file(v.path("journal/2026-11-21.md")).unwrap();
    let run = v.ok(&["index"]);
    assert_eq!((stat(&run, "parsed"), stat(&run, "removed")), (0, 1));
    let run = v.ok(&["index", "--rebuild"]);
    assert_eq!(stat(&run, "parsed"), seen);
    assert_eq!(v.snapshot_files(), before, "the notes folder was written");
}

#[test]
fn a_checkout_that_only_touches_mtimes_reparses_nothing() {
    let v = Vault::fixture("vault");
    v.ok(&["index"]);
    let now = SystemTime::now() - Duration::from_secs(3600);
    for p in walk_md(v.root()) {
        set_mtime(&p, now);
    }
    let run = v.ok(&["index"]);
    assert_eq!(stat(&run, "parsed"), 0);
    assert!(stat(&run, "re-hashed") > 10);
    // The refreshed stat makes the next run read nothing.
    let run = v.ok(&["index"]);
    assert_eq!((stat(&run, "parsed"), stat(&run, "re-hashed")), (0, 0));
}

#[test]
fn same_size_edit_with_restored_mtime_is_caught() {
    let v = Vault::with_files(&[("2026-11-20.md", "- lunch with @aaaa\n")]);
    let past = SystemTime::now() - Duration::from_secs(7200);
    set_mtime(&v.path("2026-11-20.md"), past);
    v.ok(&["index"]);
    v.ok(&["index"]);
    // Same size, same mtime (as `touch -d` or `rsync -t` would leave it).
    fs::write(v.path("2026-11-20.md"), "- lunch with @bbbb\n").unwrap();
    set_mtime(&v.path("2026-11-20.md"), past);
    let people = v.json(&["people"]);
    let handles: Vec<&str> = people["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["handle"].as_str().unwrap())
        .collect();
    assert_eq!(handles, ["bbbb"]);
}

#[test]
fn racy_same_second_edit_is_caught() {
    let v = Vault::with_files(&[("2026-11-20.md", "- lunch with @aaaa\n")]);
    v.ok(&["people"]);
    // Rewritten at once: same size, mtime within the same instant's grain.
    fs::write(v.path("2026-11-20.md"), "- lunch with @bbbb\n").unwrap();
    let out = v.ok(&["people", "--format", "json"]).stdout;
    assert!(
        out.contains("\"bbbb\"") && !out.contains("\"aaaa\""),
        "{out}"
    );
}

fn assert_recovers(v: &Vault, damage: impl FnOnce(&Path)) {
    let good = from_memory(v, &["people", "--format", "json"]).stdout;
    with_index(v, &["index"]).assert_code(0);
    damage(&index_path(v));
    let run = with_index(v, &["people", "--format", "json"]);
    run.assert_code(0);
    assert!(run.stdout == good, "answers after damage differ");
    assert!(run.stderr.contains("moved aside"), "{}", run.stderr);
    let aside = fs::read_dir(v.cache())
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().contains(".corrupt-"));
    assert!(aside, "the damaged index was not kept aside");
    // And the next run is quiet and right.
    let run = with_index(v, &["people", "--format", "json"]);
    assert!(run.stdout == good);
    assert!(!run.stderr.contains("moved aside"), "{}", run.stderr);
}

#[test]
fn garbage_index_is_moved_aside_and_rebuilt() {
    let v = Vault::fixture("vault");
    assert_recovers(&v, |p| fs::write(p, vec![0xA5u8; 64 * 1024]).unwrap());
}

#[test]
fn truncated_index_is_moved_aside_and_rebuilt() {
    let v = Vault::fixture("vault");
    assert_recovers(&v, |p| {
        let f = fs::OpenOptions::new().write(true).open(p).unwrap();
        f.set_len(100).unwrap();
    });
}

#[test]
fn index_from_the_future_is_moved_aside_and_rebuilt() {
    let v = Vault::fixture("vault");
    assert_recovers(&v, |p| {
        let c = rusqlite::Connection::open(p).unwrap();
        c.execute_batch("PRAGMA user_version = 999").unwrap();
    });
}

#[test]
fn damaged_pages_are_found_and_rebuilt() {
    let v = Vault::new();
    corpus::generate(v.root(), 300, 80, 3);
    assert_recovers(&v, |p| {
        // Overwrite pages in the middle of the file: facts, files, or both.
        let mut bytes = fs::read(p).unwrap();
        let len = bytes.len();
        for b in &mut bytes[len / 3..len / 3 + 16 * 4096] {
            *b = 0xFF;
        }
        fs::write(p, bytes).unwrap();
    });
}

#[test]
fn unwritable_cache_still_answers_from_memory() {
    let v = Vault::fixture("vault");
    let good = v.ok(&["people", "--format", "json"]).stdout;
    // A file where the cache folder should be: nothing can be created.
    let blocked = v.home().join("blocked");
    fs::write(&blocked, "not a folder").unwrap();
    let mut cmd = v.command();
    cmd.env("XDG_CACHE_HOME", &blocked)
        .args(["people", "--format", "json"]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), good);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("answering from memory"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn kill_9_mid_sync_then_next_sync_equals_a_clean_rebuild() {
    let v = Vault::new();
    corpus::generate(v.root(), 1500, 300, 11);
    let good = from_memory(&v, &["people", "--format", "json"]).stdout;
    let index = index_path(&v);
    for (i, delay_ms) in [5u64, 40, 90, 150, 250, 400].into_iter().enumerate() {
        let mut child = v
            .std_command()
            .args(["--index", index.to_str().unwrap(), "index", "--rebuild"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Change a note between kills, as a user might.
        v.write(
            &format!("kill-{i} 2026-11-2{i}.md"),
            format!("- met @killed{i} #gave\n"),
        );
        let good = from_memory(&v, &["people", "--format", "json"]).stdout;
        let run = with_index(&v, &["people", "--format", "json"]);
        run.assert_code(0);
        assert!(
            run.stdout == good,
            "after kill at {delay_ms} ms the answers differ"
        );
    }
    assert!(!good.is_empty());
}

#[test]
fn index_schema_is_queryable_with_sql() {
    let v = Vault::fixture("vault");
    with_index(&v, &["index"]).assert_code(0);
    let c = rusqlite::Connection::open(index_path(&v)).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let last: String = c
        .query_row(
            "SELECT last_contact FROM people WHERE handle = 'alice'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(last, "2026-11-20");
    let n: i64 = c
        .query_row(
            "SELECT count(*) FROM mentions m LEFT JOIN aliases a ON a.alias = m.key
             WHERE coalesce(a.handle, m.key) = 'bob-okafor' AND m.wikilink = 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(n >= 6, "{n}");
    let gave: i64 = c
        .query_row("SELECT count(*) FROM entries WHERE gave = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(gave > 5);
}

#[test]
fn index_that_fails_mid_sync_is_moved_aside_and_rebuilt() {
    let v = Vault::fixture("vault");
    with_index(&v, &["index"]).assert_code(0);
    {
        let c = rusqlite::Connection::open(index_path(&v)).unwrap();
        c.execute_batch("DROP VIEW entries; DROP VIEW mentions; DROP TABLE facts;")
            .unwrap();
    }
    // A change makes the sync write, and the write fails.
    v.write("journal/2026-11-21.md", "- lunch with @newbie #gave\n");
    let good = from_memory(&v, &["people", "--format", "json"]).stdout;
    let run = with_index(&v, &["people", "--format", "json"]);
    run.assert_code(0);
    assert!(run.stderr.contains("moved aside"), "{}", run.stderr);
    assert!(run.stdout == good, "answers after a failed sync differ");
    let run = with_index(&v, &["people", "--format", "json"]);
    assert!(
        run.stdout == good && run.stderr.is_empty(),
        "{}",
        run.stderr
    );
}
