//! `relnotes who` (SPEC §12) on `fixtures/who`, with the answers derived by
//! hand in `fixtures/who-expected.md`; usage errors; and a differential
//! test: the index's full-text answer equals the plain scan of every note
//! (the answer from memory) on a generated corpus, before and after
//! changes.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::corpus;
use crate::index::{from_memory, index_path, with_index, with_index_traced};
use crate::util::{keys, Vault};

/// `(handle, score)` of each person in a `who` JSON answer.
fn scores(v: &Value) -> Vec<(String, f64)> {
    v["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["handle"].as_str().unwrap().to_string(),
                p["score"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// `file:line` (or `file` for the page itself) of each piece of evidence.
fn evidence(p: &Value) -> Vec<String> {
    p["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| match e["line"].as_u64() {
            Some(l) => format!("{}:{l}", e["file"].as_str().unwrap()),
            None => e["file"].as_str().unwrap().to_string(),
        })
        .collect()
}

fn owned(xs: &[(&str, f64)]) -> Vec<(String, f64)> {
    xs.iter().map(|(h, s)| ((*h).to_string(), *s)).collect()
}

#[test]
fn who_json_on_the_fixture_vault() {
    let v = Vault::fixture("who");
    let out = v.json(&["who", "rust"]);
    assert_eq!(keys(&out), ["people", "terms", "today"]);
    assert_eq!(out["today"], "2026-11-23");
    assert_eq!(out["terms"], json!(["rust"]));
    assert_eq!(
        scores(&out),
        owned(&[
            ("alice-chen", 3.0),
            ("dave", 1.704),
            ("erin", 0.904),
            ("carol", 0.717)
        ])
    );
    let alice = &out["people"][0];
    assert_eq!(
        keys(alice),
        [
            "circles",
            "evidence",
            "gave",
            "got",
            "handle",
            "last_contact",
            "name",
            "score"
        ]
    );
    assert_eq!(alice["name"], "Alice Chen");
    assert_eq!(alice["last_contact"], "2026-11-23");
    assert_eq!(
        (alice["gave"].as_u64(), alice["got"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(alice["circles"], json!(["mentor"]));
    assert_eq!(
        evidence(alice),
        [
            "journal/2026-11-23.md:3",
            "people/Alice Chen.md:11",
            "notes/ideas.md:1",
            "people/Alice Chen.md:9",
            "people/Alice Chen.md",
        ]
    );
    assert_eq!(
        alice["evidence"][4],
        json!({"date": null, "text": null, "file": "people/Alice Chen.md", "line": null})
    );
    assert_eq!(alice["evidence"][1]["date"], "2025-11-23");
    assert_eq!(alice["evidence"][2]["date"], Value::Null);
    let dave = &out["people"][1];
    assert_eq!(
        evidence(dave),
        ["meetings/standup.md:4", "journal/2026-06-01.md:2"]
    );
    assert_eq!(
        (dave["gave"].as_u64(), dave["got"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(out["people"][2]["evidence"][0]["date"], "2026-10-01");
}

#[test]
fn who_terms_tags_phrases_and_filters_on_the_fixture_vault() {
    let v = Vault::fixture("who");
    let ask = |args: &[&str]| {
        let mut all = vec!["who"];
        all.extend(args);
        scores(&v.json(&all))
    };
    assert_eq!(ask(&["berlin"]), owned(&[("dave", 1.0), ("bob", 1.0)]));
    assert_eq!(
        ask(&["machine learning"]),
        owned(&[("carol", 1.0), ("dave", 1.0)])
    );
    assert_eq!(ask(&["Berlin", "HIRING"]), owned(&[("dave", 1.0)]));
    assert_eq!(ask(&["#intro"]), owned(&[("alice-chen", 1.0)]));
    assert_eq!(ask(&["#rust"]), owned(&[("dave", 0.987)]));
    assert_eq!(ask(&["rust's"]), owned(&[("bob", 0.994)]));
    assert_eq!(ask(&["compilers"]), owned(&[("alice-chen", 0.5)]));
    assert_eq!(ask(&["rust", "--limit", "2"]).len(), 2);
    assert_eq!(
        ask(&["rust", "--circle", "Mentor"]),
        owned(&[("alice-chen", 3.0)])
    );
    assert!(ask(&["meetup"]).is_empty(), "a plan is no evidence");
    assert!(ask(&["internals", "rust"]).is_empty(), "code never matches");
}

#[test]
fn who_text_on_the_fixture_vault() {
    let v = Vault::fixture("who");
    let run = v.ok(&["who", "berlin"]);
    assert_eq!(
        run.stdout,
        "\
@dave  dave  score 1.00  last contact 2026-11-23  gave 0 / got 1
  2026-11-23  Asked @dave about machine-learning hiring in Berlin #asked  journal/2026-11-23.md:5

@bob  Bob Okafor  score 1.00  last contact 2026-11-20  gave 0 / got 0
  -           Berlin office lease with @bob  notes/ideas.md:2
  -           Knows everyone in Berlin.  people/bob.md:5
"
    );
    let run = v.ok(&["who", "rust", "--limit", "1"]);
    assert_eq!(
        run.stdout,
        "\
@alice-chen  Alice Chen  score 3.00  last contact 2026-11-23  gave 2 / got 0
  2026-11-23  Lunch with @alice-chen about the Rust rewrite #intro  journal/2026-11-23.md:3
  2025-11-23  2025-11-23 talked about Rust hiring #gave  people/Alice Chen.md:11
  -           Ask Alice about Rust governance  notes/ideas.md:1
  … 2 more
"
    );
    let run = v.ok(&["who", "quantum"]);
    assert_eq!(run.stdout, "No one in your notes matches quantum.\n");
}

#[test]
fn who_usage_errors() {
    let v = Vault::fixture("who");
    // Terms relnotes reads: its own one-line error.
    for args in [
        &["who", ""][..],
        &["who", "#"],
        &["who", "rust", "  "],
        &["who", "--", "..."],
    ] {
        v.run(args).assert_usage_error();
    }
    // What clap checks: clap's whole message, as for every command.
    for args in [
        &["who"][..],
        &["who", "rust", "--limit", "0"],
        &["who", "rust", "--format", "md"],
    ] {
        v.run(args).assert_clap_error();
    }
}

fn walk_md(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect();
    out.sort();
    out
}

/// The index's answer and the plain scan's are the same bytes, for terms
/// common and rare, words, phrases, tags and page values.
fn assert_same_who(v: &Vault, step: &str) {
    let mut found = 0;
    let mut alone = 0;
    for t in [
        &["hiring"][..],
        &["the", "roadmap"],
        &["hiring plan"],
        &["#gave"],
        &["#intro", "budget"],
        &["corp"],
        &["mentor"],
        &["git"],
        &["example"],
        &["alice"],
        &["newword"],
        &["Müller"],
    ] {
        let mut args = vec!["who"];
        args.extend(t);
        args.extend(["--limit", "100000", "--format", "json"]);
        let idx = with_index_traced(v, &args);
        let mem = from_memory(v, &args);
        idx.assert_code(0);
        // Each person ranked read alone, not the whole ledger, unless a
        // sync that changed something handed its ledger on.
        alone += usize::from(idx.stderr.contains("who: each person ranked read alone"));
        assert!(
            idx.stdout == mem.stdout,
            "{step}: who {t:?}: the index's answer differs from the scan's\n--- index\n{}\n--- scan\n{}",
            idx.stdout,
            mem.stdout
        );
        found += scores(&idx.json()).len();
    }
    assert!(found > 0, "{step}: the terms found no one");
    assert!(
        alone >= 10,
        "{step}: {alone} answers read each person alone"
    );
}

#[test]
fn differential_who_index_equals_a_scan_of_every_note() {
    let v = Vault::new();
    corpus::generate(v.root(), 300, 80, 5);
    assert_same_who(&v, "generated");
    // Edit, add, delete, rename, and a person page that changes who is who.
    let journal = walk_md(&v.path("journal"));
    fs::write(
        &journal[0],
        "- 2026-11-20 newword hiring plan with @newperson #gave\n- newword `hiring`\n",
    )
    .unwrap();
    fs::remove_file(&journal[1]).unwrap();
    fs::rename(&journal[2], v.path("moved 2026-11-19.md")).unwrap();
    v.write(
        "people/Zed New.md",
        "---\naliases: [newperson]\ntopics: [newword, hiring]\n---\nKnows the hiring plan.\n",
    );
    assert_same_who(&v, "after changes");
    let pages = walk_md(&v.path("people"));
    fs::write(
        &pages[0],
        "---\norg: Newword Corp\n---\n- 2026-11-01 roadmap\n",
    )
    .unwrap();
    assert_same_who(&v, "after a page changed");
}

/// `index --check` on `who`'s tables: a flipped bit in a note's blob (one
/// no question has read), a blob moved to another note, a full-text row
/// with no blob or a blob with no full-text row, is found and the index
/// rebuilt; the answer after it is the scan's.
#[test]
fn index_check_verifies_entries_and_the_full_text_index() {
    let v = Vault::fixture("who");
    let path = index_path(&v);
    let expected = from_memory(&v, &["who", "rust", "--format", "json"]).stdout;
    let damages = [
        "UPDATE search SET data = CAST(substr(data, 1, 4) || (CASE WHEN substr(data, 5, 1) = x'00' THEN x'01' ELSE x'00' END) || substr(data, 6) AS BLOB)
         WHERE file_id = (SELECT max(file_id) FROM search)",
        "PRAGMA foreign_keys = OFF; UPDATE search SET file_id = (SELECT max(id) + 1 FROM files) WHERE file_id = (SELECT min(file_id) FROM search)",
        "INSERT INTO search_words (rowid, words) VALUES (999999, 'rust')",
        "DELETE FROM search_words WHERE rowid = (SELECT min(file_id) FROM search)",
    ];
    for damage in damages {
        with_index(&v, &["index"]).assert_code(0);
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(damage)
            .unwrap();
        let check = with_index(&v, &["index", "--check"]);
        check.assert_code(0);
        assert!(
            check.stderr.contains("rebuilt"),
            "{damage}: {}",
            check.stderr
        );
        let again = with_index(&v, &["index", "--check"]);
        assert!(again.stdout.contains("all match"), "{}", again.stdout);
        let answer = with_index(&v, &["who", "rust", "--format", "json"]);
        assert_eq!(answer.stdout, expected, "{damage}");
    }
}

/// Candidates tied by the thousand (one note naming everyone) are not
/// read one at a time past `People::MOST` (200): the whole ledger, read
/// then, answers for the rest, the same as a scan.
#[test]
fn who_with_thousands_of_tied_people_reads_the_whole_ledger() {
    let names: Vec<String> = (0..2_100).map(|i| format!("@guest-{i:05}")).collect();
    let v = Vault::with_files(&[(
        "party.md",
        &format!("- 2026-11-20 met {} #gave\n", names.join(" ")),
    )]);
    with_index(&v, &["index"]).assert_code(0);
    let args = ["who", "met", "--limit", "5", "--format", "json"];
    let idx = with_index_traced(&v, &args);
    idx.assert_code(0);
    assert!(
        !idx.stderr.contains("who: each person ranked read alone")
            && idx
                .stderr
                .contains("who: the whole ledger, after 200 people"),
        "{}",
        idx.stderr
    );
    assert_eq!(idx.stdout, from_memory(&v, &args).stdout);
    assert_eq!(scores(&idx.json()).len(), 5);
}
