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

pub(crate) fn index_path(v: &Vault) -> PathBuf {
    v.cache().join("test-index.sqlite")
}

/// Runs with the index at [`index_path`].
pub(crate) fn with_index(v: &Vault, args: &[&str]) -> Run {
    let path = index_path(v);
    let mut all = vec!["--index", path.to_str().unwrap()];
    all.extend(args);
    v.run(&all)
}

/// Runs answering from memory (the core read path, no index).
pub(crate) fn from_memory(v: &Vault, args: &[&str]) -> Run {
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

/// [`with_index`], logging where the run's time goes (`RUST_LOG`).
pub(crate) fn with_index_traced(v: &Vault, args: &[&str]) -> Run {
    let path = index_path(v);
    let mut cmd = v.command();
    cmd.env("RUST_LOG", "relnotes=debug")
        .arg("--index")
        .arg(&path)
        .args(args);
    Run::from_command(&mut cmd, args.join(" "))
}

/// The last interactions in keep-in-touch reminders, read from the index
/// (only the notes of each person's last-contact day), equal those of the
/// whole vault in memory (`query::last_touches`); `step` names the state.
fn assert_same_last_touches(v: &Vault, step: &str) {
    for q in [
        &["due", "--within", "400d", "--format", "json"][..],
        &["report", "--format", "json"],
        &["report"],
    ] {
        let mem = from_memory(v, q);
        let idx = with_index_traced(v, q);
        assert_eq!(idx.code, mem.code, "{step}: {q:?}: {}", idx.stderr);
        // Kept in the ledger (most), or found in the notes of their days:
        // never by reading every note.
        let kept: usize = idx
            .stderr
            .split("last interactions: ")
            .nth(1)
            .and_then(|l| l.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(
            kept > 10 && !idx.stderr.contains("last interactions: from every note"),
            "{step}: {q:?}: the index did not answer: {}",
            idx.stderr
        );
        assert!(
            idx.stdout == mem.stdout,
            "{step}: {q:?}: the index's answer differs from memory's\n--- index\n{}\n--- memory\n{}",
            idx.stdout,
            mem.stdout
        );
    }
}

#[test]
fn differential_last_interactions_after_changes() {
    let v = Vault::new();
    corpus::generate(v.root(), 400, 120, 7);
    v.write(".relnotes.toml", "[cadence]\ndefault = \"1m\"\n");
    index_run(&v);
    let due: serde_json::Value = serde_json::from_str(
        &from_memory(&v, &["due", "--within", "400d", "--format", "json"]).stdout,
    )
    .unwrap();
    let with_context = due["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["last_text"].is_string())
        .count();
    assert!(with_context > 10, "too few reminders with context: {due}");
    assert_same_last_touches(&v, "generated corpus");
    // Each change is synced by the first question asked after it.
    type Change<'a> = (&'a str, Box<dyn Fn(&Vault)>);
    let steps: Vec<Change<'_>> = vec![
        (
            "two notes touch one person on one day: the earlier path wins",
            Box::new(|v: &Vault| {
                v.write("zz.md", "- 2026-11-22 late call with @alice-chen\n");
                v.write(
                    "aa.md",
                    "- 2026-11-22 coffee with @alice-chen #got\n- [ ] 2026-11-22 ask @bob-chen\n- 2026-12-01 plan with @bob-chen\n",
                );
            }),
        ),
        (
            "the earlier note goes",
            Box::new(|v: &Vault| fs::remove_file(v.path("aa.md")).unwrap()),
        ),
        (
            "a dated line on a person page names no one",
            Box::new(|v: &Vault| {
                let page = v.path("people/Alice Chen.md");
                let text = fs::read_to_string(&page).unwrap();
                fs::write(&page, format!("{text}\n- 2026-11-23 walked\n")).unwrap();
            }),
        ),
        (
            "a note is edited and another renamed",
            Box::new(|v: &Vault| {
                let journal = walk_md(&v.path("journal"));
                fs::write(&journal[0], "- 2026-11-21 lunch with @bob-chen\n").unwrap();
                fs::rename(&journal[1], v.path("moved.md")).unwrap();
            }),
        ),
        (
            "the last touch of someone goes",
            Box::new(|v: &Vault| fs::remove_file(v.path("zz.md")).unwrap()),
        ),
    ];
    for (what, change) in steps {
        change(&v);
        assert_same_last_touches(&v, what);
    }
}

/// `relnotes index` with the test index: how the last sync went.
fn index_run(v: &Vault) -> Run {
    let run = with_index(v, &["index"]);
    run.assert_code(0);
    run
}

/// Index and memory agree on the answers that come from the ledger.
fn assert_same_ledger_answers(v: &Vault, step: &str) {
    for q in [
        &["report"][..],
        &["report", "--format", "json"],
        &["people", "--format", "json"],
        &["due", "--within", "400d", "--format", "json"],
        // A timeline from the notes that name the person, not every note.
        &["show", "ali", "--format", "json"],
        &["show", "bob", "--format", "json"],
    ] {
        let mem = from_memory(v, q);
        let idx = with_index(v, q);
        assert_eq!(idx.code, mem.code, "{step}: {q:?}: {}", idx.stderr);
        assert!(
            idx.stdout == mem.stdout,
            "{step}: {q:?}: the index's answer differs from memory's\n--- index\n{}\n--- memory\n{}",
            idx.stdout,
            mem.stdout
        );
    }
}

/// A one-note change reads and rewrites only the ledger's rows of the
/// people and the note it touches (and the totals), not the whole ledger;
/// the answers stay those of memory.
#[test]
fn a_one_note_change_rewrites_only_the_ledger_rows_it_touches() {
    let v = Vault::new();
    corpus::generate(v.root(), 200, 60, 3);
    // Everyone has a cadence: everyone's latest interaction is kept.
    v.write(".relnotes.toml", "[cadence]\ndefault = \"1m\"\n");
    index_run(&v);
    let conn = rusqlite::Connection::open(index_path(&v)).unwrap();
    let persons = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row(
            "SELECT count(*) FROM ledger WHERE part = 'person'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let before = persons(&conn);
    assert!(before > 30, "{before} people");
    conn.execute_batch(
        "CREATE TABLE written (part TEXT, key TEXT);
         CREATE TRIGGER written_ins AFTER INSERT ON ledger
             BEGIN INSERT INTO written VALUES (new.part, new.key); END;
         CREATE TRIGGER written_del AFTER DELETE ON ledger
             BEGIN INSERT INTO written VALUES (old.part, old.key); END;",
    )
    .unwrap();
    v.write(
        "zz-new.md",
        "- 2026-11-20 coffee with @zed-new #gave\n- [ ] send @zed-new the plan\n",
    );
    let run = index_run(&v);
    assert_eq!(stat(&run, "parsed"), 1, "{}", run.stdout);
    let mut stmt = conn
        .prepare("SELECT DISTINCT part, key FROM written ORDER BY 1, 2")
        .unwrap();
    let written: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected = [
        ("last", "zed-new"),
        ("person", "zed-new"),
        ("tasks", "zz-new.md"),
        ("totals", "totals"),
    ];
    assert_eq!(
        written,
        expected.map(|(p, k)| (p.to_string(), k.to_string())),
        "rows written"
    );
    assert_eq!(persons(&conn), before + 1);
    drop(stmt);
    conn.execute_batch("DELETE FROM written").unwrap();
    // The note goes: its rows go with it, the others stay.
    fs::remove_file(v.path("zz-new.md")).unwrap();
    index_run(&v);
    assert_eq!(persons(&conn), before);
    assert_same_ledger_answers(&v, "a note came and went");
}

/// One change at a time, each through the incremental ledger update (or,
/// when who-is-who changes, a re-resolution), each checked against memory.
#[test]
fn differential_after_each_single_change() {
    let v = Vault::with_files(&[
        (
            "people/Alice Chen.md",
            "---\naliases: [ali]\ncadence: 2w\nbirthday: 11-25\n---\n- 2026-10-01 coffee #got\n",
        ),
        ("people/bob.md", "---\ncircles: [peer]\n---\n"),
        (
            "2026-11-20.md",
            "- lunch with @ali and @bob #gave\n- [ ] send @bob the plan due:+3d\n",
        ),
        (
            "ideas.md",
            "- ask [[carol]] about it\n- [[Alice Chen]] knows @dave\n",
        ),
        ("2026-12-24.md", "- party with @erin #gift\n"),
    ]);
    v.write(
        ".relnotes.toml",
        "[cadence]\npeer = \"1m\"\n[aliases]\nbobby = \"bob\"\n",
    );
    index_run(&v);
    assert_same_ledger_answers(&v, "start");
    // (description, change, whether people must be re-resolved)
    type Change<'a> = (&'a str, Box<dyn Fn(&Vault) + 'a>, bool);
    let steps: Vec<Change<'_>> = vec![
        (
            "edit a journal note",
            Box::new(|v: &Vault| {
                v.write("2026-11-20.md", "- lunch with @ali and @bobby #gave #asked\n- [ ] send @bob the plan due:+3d\n- [x] sent @dave the deck ✅ 2026-11-21\n");
            }),
            false,
        ),
        (
            "a dated line on a person page",
            Box::new(|v: &Vault| {
                v.write("people/bob.md", "---\ncircles: [peer]\n---\n## 2026-11-10\n- helped him move #helped\n- [ ] return his drill\n");
            }),
            false,
        ),
        (
            "a new note naming a new person",
            Box::new(|v: &Vault| {
                v.write("journal/2026/11/22.md", "- met @frank at the meetup\n- [ ] intro @frank to @ali due:2026-11-30 #intro\n");
            }),
            false,
        ),
        (
            "the first @-mention of a wikilinked name",
            Box::new(|v: &Vault| {
                v.write("2026-11-18.md", "- call with @carol #advice\n");
            }),
            true,
        ),
        (
            "the only note naming someone goes",
            Box::new(|v: &Vault| {
                fs::remove_file(v.path("journal/2026/11/22.md")).unwrap();
            }),
            false,
        ),
        (
            "a front-matter change on a page",
            Box::new(|v: &Vault| {
                v.write("people/bob.md", "---\ncircles: [peer]\naliases: [robert]\nname: Bob B\n---\n## 2026-11-10\n- helped him move #helped\n- [ ] return his drill\n");
            }),
            true,
        ),
        (
            "a renamed note",
            Box::new(|v: &Vault| {
                fs::rename(v.path("2026-11-18.md"), v.path("2026-11-17.md")).unwrap();
            }),
            false,
        ),
        (
            "a note with broken front matter",
            Box::new(|v: &Vault| {
                v.write(
                    "broken.md",
                    "---\nname: [unclosed\n---\n- 2026-11-01 @ali\n",
                );
            }),
            false,
        ),
        (
            "the broken front matter fixed",
            Box::new(|v: &Vault| {
                v.write("broken.md", "---\nname: fixed\n---\n- 2026-11-01 @ali\n");
            }),
            false,
        ),
        (
            "a new person page",
            Box::new(|v: &Vault| {
                v.write("people/dave.md", "---\ncadence: 1w\n---\n");
            }),
            true,
        ),
        (
            "the last mention of a handle a wikilink needed",
            Box::new(|v: &Vault| {
                fs::remove_file(v.path("2026-11-17.md")).unwrap();
            }),
            true,
        ),
    ];
    for (what, change, rederive) in steps {
        change(&v);
        let run = index_run(&v);
        assert_eq!(
            run.stdout.contains("(people re-resolved)"),
            rederive,
            "{what}: {}",
            run.stdout
        );
        assert!(
            !run.stdout.contains("(full parse)"),
            "{what}: {}",
            run.stdout
        );
        assert_same_ledger_answers(&v, what);
    }
    assert_same_answers(&v, &["ali", "bob", "carol", "dave"]);
}

/// Random edits to a generated corpus, one sync each, against memory.
#[test]
fn differential_random_edits() {
    let v = Vault::new();
    corpus::generate(v.root(), 150, 40, 3);
    index_run(&v);
    let mut rng = corpus::Rng::new(99);
    let handles = ["alice-chen", "bob-chen", "newbie", "carol-diaz", "zed"];
    let tags = ["#gave", "#got", "#intro", "#asked", "", ""];
    for step in 0..12 {
        let notes = walk_md(v.root());
        let pick = |rng: &mut corpus::Rng, n: usize| rng.below(n);
        match pick(&mut rng, 5) {
            0 | 1 => {
                // Append a line to some note.
                let p = &notes[pick(&mut rng, notes.len())];
                let mut text = fs::read_to_string(p).unwrap_or_default();
                let h = handles[pick(&mut rng, handles.len())];
                let t = tags[pick(&mut rng, tags.len())];
                let day = 10 + pick(&mut rng, 20);
                let line = match pick(&mut rng, 4) {
                    0 => format!("\n- 2026-11-{day:02} met @{h} {t}\n"),
                    1 => format!("\n- [ ] send [[{h}]] a note due:2026-12-{day:02}\n"),
                    2 => format!("\n- [x] did it for @{h} ✅ 2026-11-{day:02} {t}\n"),
                    _ => format!("\n## 2026-11-{day:02}\n- plan with @{h} {t}\n"),
                };
                text.push_str(&line);
                fs::write(p, text).unwrap();
            }
            2 => {
                let p = &notes[pick(&mut rng, notes.len())];
                fs::remove_file(p).unwrap();
            }
            3 => {
                let h = handles[pick(&mut rng, handles.len())];
                v.write(
                    &format!("people/{h}.md"),
                    format!(
                        "---\ncadence: {}w\n---\n- 2026-11-0{} chat\n",
                        1 + step % 3,
                        1 + step % 9
                    ),
                );
            }
            _ => {
                let p = &notes[pick(&mut rng, notes.len())];
                let to = v.path(&format!("moved/{step}.md"));
                fs::create_dir_all(to.parent().unwrap()).unwrap();
                fs::rename(p, to).unwrap();
            }
        }
        index_run(&v);
        assert_same_ledger_answers(&v, &format!("random step {step}"));
    }
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
    assert_recovers_by(v, &["people", "--format", "json"], damage);
}

/// [`assert_recovers`], with `first` the run that must find the damage
/// when `people` does not (`people` reads only the tables it needs; `index`
/// checks the whole file). Either way `people` on the damaged index
/// answers exactly.
fn assert_recovers_by(v: &Vault, first: &[&str], damage: impl FnOnce(&Path)) {
    let people = ["people", "--format", "json"];
    let good = from_memory(v, &people).stdout;
    with_index(v, &["index"]).assert_code(0);
    damage(&index_path(v));
    let answer = with_index(v, &people);
    answer.assert_code(0);
    assert!(answer.stdout == good, "answers after damage differ");
    if !answer.stderr.contains("moved aside") {
        let run = with_index(v, first);
        run.assert_code(0);
        assert!(run.stderr.contains("moved aside"), "{}", run.stderr);
        let answer = with_index(v, &people);
        assert!(answer.stdout == good, "answers after the rebuild differ");
    }
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
    // `index` checks every page: the middle of the file holds tables no
    // `people` run reads (facts, `who`'s entries and full-text pages).
    assert_recovers_by(&v, &["index"], |p| {
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

/// A sync alone never takes its own writes for another process's: a first
/// build (whose change of journal mode SQLite counts as a write) and a
/// change read each note once.
#[test]
fn a_sync_alone_reads_no_note_twice() {
    let v = Vault::fixture("vault");
    let first = with_index_traced(&v, &["people"]);
    first.assert_code(0);
    assert!(first.stderr.contains("sync: commit"), "{}", first.stderr);
    v.write("journal/2026-11-22.md", "- met @zed #gave\n");
    let change = with_index_traced(&v, &["people"]);
    change.assert_code(0);
    for run in [&first, &change] {
        assert!(
            !run.stderr.contains("another process wrote"),
            "{}",
            run.stderr
        );
    }
}

/// A first build writes through a rollback journal, not the WAL
/// (`Index::fresh_build`): killed at any moment, the journal left behind
/// is played back on the next open, and the index ends in WAL mode.
#[test]
fn kill_9_mid_first_build_then_next_run_equals_memory_and_the_index_is_wal_again() {
    let v = Vault::new();
    corpus::generate(v.root(), 1500, 300, 11);
    let good = from_memory(&v, &["people", "--format", "json"]).stdout;
    assert!(!good.is_empty());
    let index = index_path(&v);
    let remove_index = || {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = fs::remove_file(format!("{}{suffix}", index.display()));
        }
    };
    let first_build = || {
        v.std_command()
            .args(["--index", index.to_str().unwrap(), "index"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // Kills spread over the time a whole first build takes here, most in
    // its second half, where the transaction writes.
    let started = std::time::Instant::now();
    assert!(first_build().wait().unwrap().success());
    let whole = started.elapsed();
    let mut journals = 0;
    for part in [0.2, 0.4, 0.55, 0.65, 0.75, 0.85, 0.95] {
        remove_index();
        let mut child = first_build();
        std::thread::sleep(whole.mul_f64(part));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        journals += usize::from(Path::new(&format!("{}-journal", index.display())).exists());
        let run = with_index(&v, &["people", "--format", "json"]);
        run.assert_code(0);
        assert!(
            run.stdout == good,
            "after a kill {part} into a first build the answers differ"
        );
        let c = rusqlite::Connection::open(&index).unwrap();
        let mode: String = c
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal", "after a kill {part} into a first build");
    }
    assert!(
        journals > 0,
        "no kill landed in a first build's transaction"
    );
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
    // The README's example questions.
    let who_owes: Vec<(String, i64)> = c
        .prepare(
            "SELECT handle, count(*) FROM people p JOIN commitments c
               ON ',' || c.people || ',' LIKE '%,' || p.handle || ',%'
             GROUP BY handle ORDER BY count(*) DESC, handle",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        who_owes.iter().any(|(h, n)| h == "bob-okafor" && *n >= 1),
        "{who_owes:?}"
    );
    let (gave, got): (i64, i64) = c
        .query_row(
            "SELECT sum(gave), sum(got) FROM days WHERE day >= '2026-01-01'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(gave > 5 && got > 0, "{gave} {got}");
    let alias: String = c
        .query_row(
            "SELECT handle FROM aliases WHERE alias = 'bobby'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(alias, "bob-okafor");
}

#[test]
fn index_that_fails_mid_sync_is_moved_aside_and_rebuilt() {
    let v = Vault::fixture("vault");
    with_index(&v, &["index"]).assert_code(0);
    {
        let c = rusqlite::Connection::open(index_path(&v)).unwrap();
        c.execute_batch("DROP TABLE facts;").unwrap();
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

/// Regression: the public `aliases` table was only written by a full
/// rebuild, and drifted as people came and went note by note.
#[test]
fn the_aliases_table_follows_every_sync() {
    let v = Vault::with_files(&[("a.md", "- 2026-11-01 @ann\n")]);
    v.write(".relnotes.toml", "[aliases]\nbobby = \"bob\"\n");
    with_index(&v, &["index"]).assert_code(0);
    let aliases = || -> Vec<(String, String)> {
        let c = rusqlite::Connection::open(index_path(&v)).unwrap();
        let mut stmt = c
            .prepare("SELECT alias, handle FROM aliases ORDER BY alias")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert!(aliases().is_empty(), "bob is no one yet");
    v.write("b.md", "- 2026-11-02 @bob\n");
    let run = with_index(&v, &["index"]);
    assert!(!run.stdout.contains("(full parse)"), "{}", run.stdout);
    assert_eq!(aliases(), [("bobby".to_string(), "bob".to_string())]);
    fs::remove_file(v.path("b.md")).unwrap();
    with_index(&v, &["index"]).assert_code(0);
    assert!(aliases().is_empty(), "bob is gone");
}

/// `show` from the index reads one person (their rows, their page, the
/// notes that name them, each mention resolved as the ledger's keys say)
/// and answers as memory does: by handle, alias, name and page, `@`
/// included, people with and without a page, named by a `[[@Full Name]]`
/// link or a config alias, after each kind of change.
#[test]
fn show_from_the_index_reads_one_person_and_equals_memory() {
    let v = Vault::with_files(&[
        (".relnotes.toml", "[aliases]\nbobby = \"bob\"\n"),
        (
            "people/Alice Chen.md",
            "---\nhandle: alice\naliases: [ali, Ali C]\ncircles: [mentor, peer]\ncadence: 2w\nbirthday: 03-04\norg: Northwind\nemail: a@n.example\n---\n- 2026-11-02 call with @bob #gave\n",
        ),
        ("people/dana.md", "---\nname: Dana Whit\n---\nbio\n"),
        (
            "journal/2026-11-10.md",
            "- lunch with [[Alice Chen]] and @bobby #got\n- met [[@Eve Stone]] about [[nobody here]]\n- [ ] send @ali the deck due:2026-11-30\n",
        ),
        (
            "journal/2026-11-12.md",
            "- call with [[dana]], [[Dana Whit]] and @eve-stone #gave\n- [ ] @bob owes me a reply\n",
        ),
    ]);
    let asks = [
        "alice",
        "@alice",
        "ali",
        "Ali C",
        "Alice Chen",
        "people/alice chen",
        "bob",
        "bobby",
        "@Bob",
        "dana",
        "Dana Whit",
        "eve-stone",
        "Eve Stone",
        "nobody here",
        "zed",
    ];
    let check = |step: &str| {
        let mut one_person = 0;
        for who in asks {
            for format in ["json", "text", "md"] {
                let q = ["show", who, "--format", format];
                let mem = from_memory(&v, &q);
                let idx = with_index_traced(&v, &q);
                assert_eq!(idx.code, mem.code, "{step}: {q:?}: {}", idx.stderr);
                assert!(
                    idx.stdout == mem.stdout,
                    "{step}: {q:?}\n--- index\n{}\n--- memory\n{}",
                    idx.stdout,
                    mem.stdout
                );
                // Made from one person's rows, not everyone's, once the
                // sync changes nothing (the first after a change hands
                // its ledger on).
                let made = idx.stderr.contains("stored answer: none");
                let first = who == asks[0] && format == "json";
                if idx.code == 0 && made && !first {
                    assert!(
                        idx.stderr.contains("ledger: the rows of")
                            && idx.stderr.contains("by the kept keys"),
                        "{step}: {q:?}: {}",
                        idx.stderr
                    );
                    one_person += 1;
                }
            }
        }
        assert!(
            one_person >= 20,
            "{step}: {one_person} answers made from one person's rows"
        );
    };
    check("first build");
    // A note naming people anew (a new key, a key used a new way).
    v.write(
        "journal/2026-11-14.md",
        "- coffee with [[ali]], [[bobby]] and @dana #gave\n",
    );
    check("a note added");
    v.write("journal/2026-11-10.md", "- met [[@Eve Stone]] again\n");
    check("a note changed");
    fs::remove_file(v.path("journal/2026-11-12.md")).unwrap();
    check("a note removed");
    v.write(
        "people/Alice Chen.md",
        "---\nhandle: alice\naliases: [ali]\n---\nnow without a cadence\n",
    );
    check("a page changed");
}

/// A new day rewrites only the `people` rows that move (plans that became
/// the past, people due on whatever today is, a cadence whose shortest
/// choice changes with the month), and the table kept from day to day,
/// forwards and back, with and without a change, equals one built fresh
/// on that day.
#[test]
fn the_people_table_follows_each_new_day() {
    let v = Vault::with_files(&[
        (
            ".relnotes.toml",
            "[cadence]\nmonthly = \"1m\"\nthirty = \"30d\"\n",
        ),
        (
            "people/ann.md",
            "---\ncircles: [monthly, thirty]\n---\n## 2026-11-02\n- coffee #gave\n",
        ),
        ("people/nia.md", "---\ncadence: 2w\n---\nnever met yet\n"),
        (
            "people/ivo.md",
            "---\ncircles: [thirty, monthly]\n---\nno contact either\n",
        ),
        (
            "journal/2026-11-10.md",
            "- call with @bob #got\n- lunch with @cy and @bob\n",
        ),
        (
            "journal/plans.md",
            "- 2026-11-25 dinner with @fut #gave\n- 2026-12-01 hike with @bob and @fut\n- 2027-02-01 visit @far\n",
        ),
    ]);
    let table = |index: &Path| -> Vec<String> {
        let c = rusqlite::Connection::open(index).unwrap();
        let mut stmt = c.prepare("SELECT * FROM people ORDER BY handle").unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            let cols: Vec<String> = (0..n)
                .map(|i| match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into(),
                    other => format!("{other:?}"),
                })
                .collect();
            Ok(cols.join(" | "))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    let on = |day: &str, index: &Path| {
        let mut cmd = v.bare_command();
        cmd.env("RUST_LOG", "relnotes=debug")
            .arg("--dir")
            .arg(v.root())
            .args(["--today", day, "--index"])
            .arg(index)
            .arg("people");
        let run = Run::from_command(&mut cmd, format!("--today {day} people"));
        run.assert_code(0);
        run
    };
    let kept = index_path(&v);
    on(crate::util::TODAY, &kept);
    let everyone = table(&kept).len();
    assert_eq!(everyone, 7, "{:#?}", table(&kept));
    let days = [
        ("2026-11-24", None),
        ("2026-11-26", None),
        ("2026-11-30", Some("- 2026-11-29 tea with @cy #gave\n")),
        ("2026-12-01", None),
        ("2027-01-31", None),
        ("2027-03-01", Some("- [ ] send @dee the deck\n")),
        ("2026-11-20", None),
    ];
    for (n, (day, change)) in days.iter().enumerate() {
        if let Some(text) = change {
            v.write(&format!("journal/change-{n}.md"), text);
        }
        let run = on(day, &kept);
        let fresh = v.cache().join(format!("fresh-{n}.sqlite"));
        on(day, &fresh);
        assert_eq!(table(&kept), table(&fresh), "{day}: kept against fresh");
        let moved: usize = run
            .stderr
            .lines()
            .find_map(|l| l.split("a new day: ").nth(1))
            .and_then(|l| l.split(' ').next())
            .and_then(|m| m.parse().ok())
            .unwrap_or_else(|| panic!("{day}: no new day in the log: {}", run.stderr));
        assert!(
            moved < table(&kept).len(),
            "{day}: {moved} rows rewritten, not only those that move"
        );
    }
}
