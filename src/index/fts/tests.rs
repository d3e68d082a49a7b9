//! The full-text index on its own: the blob's encoding, the FTS5 query as
//! a superset of the answer and the exact match that cuts it down, rows
//! that go with their note, and `index --check`'s comparison.

use super::*;
use crate::words::SearchEntry;

fn index() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    c.execute_batch(super::super::schema::CREATE).unwrap();
    c.execute_batch(CREATE).unwrap();
    c
}

fn entry(line: u32, words: &str, tags: &str, mentions: &[&str]) -> SearchEntry {
    SearchEntry {
        line,
        date: None,
        text: format!("text {line}"),
        words: words.into(),
        tags: tags.into(),
        mentions: mentions
            .iter()
            .map(|k| Mention {
                key: (*k).into(),
                wikilink: false,
                line,
                col: 0,
            })
            .collect(),
    }
}

/// Adds note `id` at `path` with `entries`, as a sync writes it.
fn add(c: &Connection, id: i64, path: &str, entries: Vec<SearchEntry>) {
    c.execute(
        "INSERT INTO files (id, path, size, mtime_ns, ctime_ns, inode, hash, kind)
         VALUES (?1, ?2, 0, 0, 0, 0, x'', 'note')",
        params![id, path],
    )
    .unwrap();
    let p = Pending {
        file_id: id,
        owner: None,
        search: Searchable {
            entries,
            page: None,
        },
    };
    write(c, &Ledger::default(), &Claims::default(), &[p], None, false).unwrap();
}

fn terms(t: &[&str]) -> Terms {
    Terms::parse(&t.iter().map(|s| (*s).to_string()).collect::<Vec<_>>()).unwrap()
}

/// The matching entries, as `file:line`.
fn ask(c: &Connection, t: &[&str]) -> Vec<String> {
    let found = find(c, &terms(t)).unwrap();
    let mut out: Vec<String> = found
        .hits
        .iter()
        .map(|h| {
            let e = found.evidence(c, h).unwrap();
            format!(
                "{}:{}",
                e.file,
                e.line.map_or("-".into(), |l| l.to_string())
            )
        })
        .collect();
    out.sort();
    out
}

/// How many notes FTS5 finds for `t`, before the exact match.
fn candidates(c: &Connection, t: &[&str]) -> i64 {
    c.query_row(
        "SELECT count(*) FROM search_words WHERE search_words MATCH ?1",
        [query(&terms(t))],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn spec12_fts_keeps_every_word_whole() {
    let c = index();
    let words = crate::words::entry_words("Rust's Rusty node.js trust 3,5 x_y", &[], &[]);
    let tags = crate::words::tag_tokens(["lang/go"]);
    add(&c, 1, "a.md", vec![entry(1, &words, &tags, &["bob"])]);
    for (t, n) in [
        ("rust", 0),
        ("rust's", 1),
        ("Rust’s", 1),
        ("node.js", 1),
        ("node", 0),
        ("3,5", 1),
        ("x_y", 1),
        ("#lang", 1),
        ("#lang/go", 1),
        ("#go", 0),
        ("lang", 0),
    ] {
        assert_eq!(ask(&c, &[t]).len(), n, "{t}");
        assert_eq!(candidates(&c, &[t]), n as i64, "{t}");
    }
}

#[test]
fn spec12_a_phrase_split_across_entries_is_found_by_fts_and_dropped_by_the_match() {
    let c = index();
    add(
        &c,
        1,
        "a.md",
        vec![
            entry(1, "machine | learning", "", &["bob"]),
            entry(2, "learning machine", "", &["bob"]),
            entry(3, "machine learning", "", &["bob"]),
        ],
    );
    add(
        &c,
        2,
        "b.md",
        vec![
            entry(1, "machine", "", &["bob"]),
            entry(2, "learning", "", &["bob"]),
        ],
    );
    assert_eq!(candidates(&c, &["machine learning"]), 2);
    assert_eq!(ask(&c, &["machine learning"]), ["a.md:3"]);
    // Every term in the same entry, not one here and one there.
    assert_eq!(candidates(&c, &["#x", "machine"]), 0);
    add(
        &c,
        3,
        "c.md",
        vec![
            entry(1, "machine", "", &["bob"]),
            entry(2, "", "x", &["bob"]),
        ],
    );
    assert_eq!(candidates(&c, &["#x", "machine"]), 1);
    assert!(ask(&c, &["#x", "machine"]).is_empty());
}

#[test]
fn spec12_a_tag_is_not_a_word_and_a_word_is_not_a_tag() {
    let c = index();
    add(&c, 1, "word.md", vec![entry(1, "rust", "", &["bob"])]);
    add(&c, 2, "tag.md", vec![entry(4, "other", "rust", &["bob"])]);
    assert_eq!(ask(&c, &["#rust"]), ["tag.md:4"]);
    assert_eq!(ask(&c, &["rust"]), ["word.md:1"]);
}

#[test]
fn a_deleted_or_emptied_note_takes_its_rows_with_it() {
    let c = index();
    add(&c, 1, "a.md", vec![entry(1, "rust", "", &["bob"])]);
    add(&c, 2, "b.md", vec![entry(1, "rust", "", &["bob"])]);
    assert_eq!(candidates(&c, &["rust"]), 2);
    c.execute("DELETE FROM files WHERE id = 1", []).unwrap();
    assert_eq!(candidates(&c, &["rust"]), 1);
    assert_eq!(ask(&c, &["rust"]), ["b.md:1"]);
    // Parsed again with nothing for `who`: no blob, no words.
    let p = Pending {
        file_id: 2,
        owner: None,
        search: Searchable::default(),
    };
    write(
        &c,
        &Ledger::default(),
        &Claims::default(),
        &[p],
        None,
        false,
    )
    .unwrap();
    assert_eq!(candidates(&c, &["rust"]), 0);
    let blobs: i64 = c
        .query_row("SELECT count(*) FROM search", [], |r| r.get(0))
        .unwrap();
    assert_eq!(blobs, 0);
    assert_eq!(verify(&c).unwrap(), 0);
}

#[test]
fn blobs_round_trip_and_a_flipped_bit_or_a_cut_never_decodes() {
    let s = Searchable {
        entries: vec![
            entry(3, "lunch with bob | rust", "gave rust", &["bob", "carol"]),
            SearchEntry {
                date: crate::dates::parse_iso("2026-11-20"),
                ..entry(9, "x", "", &[])
            },
        ],
        page: Some(("mozilla | rust".into(), "rust".into())),
    };
    let claims = crate::resolve::Claims::default();
    let r = Resolver::new(&claims, std::iter::empty());
    let b = Blob {
        file_id: 7,
        owner: Some("alice"),
        rows: rows_of(&s, Some("alice"), &r),
    };
    let blob = b.encode();
    let payload = codec::unseal(&blob).unwrap();
    let back = Blob::decode(&payload).unwrap();
    assert_eq!(back.file_id, 7);
    assert_eq!(back.owner, Some("alice"));
    assert_eq!(back.rows.len(), 3);
    assert_eq!(back.rows[0].people, ["alice", "bob", "carol"]);
    assert_eq!(back.rows[0].keys, [("bob", false), ("carol", false)]);
    assert_eq!(back.rows[1].date, s.entries[1].date);
    assert_eq!(back.rows[1].people, ["alice"]);
    assert_eq!(back.rows[2].line, None);
    assert_eq!(back.rows[2].text, None);
    assert_eq!(back.rows[2].words, "mozilla | rust");
    assert_eq!(back.encode(), blob);
    // Each word and `#tag` once, in the order first met, barriers left out.
    assert_eq!(back.tokens(), "lunch with bob rust #gave #rust x mozilla");
    for cut in 0..blob.len() {
        let ok = codec::unseal(&blob[..cut]).map(|p| Blob::decode(&p).is_ok());
        assert!(!matches!(ok, Ok(true)), "cut at {cut}");
    }
    for at in 0..blob.len() * 8 {
        let mut bad = blob.clone();
        bad[at / 8] ^= 1 << (at % 8);
        assert!(codec::unseal(&bad).is_err(), "bit {at}");
    }
}

#[test]
fn the_query_is_every_token_quoted_and_anded() {
    assert_eq!(
        query(&terms(&["rust's", "#a/b", "x y", "Rust's"])),
        r##""#a/b" AND "rust's" AND "x" AND "y""##
    );
    // A word FTS5 splits (a Hebrew `"`) is asked as its pieces.
    assert_eq!(fts_tokens("צה\"ל").collect::<Vec<_>>(), ["צה", "ל"]);
}

#[test]
fn a_hebrew_word_with_a_quote_is_found() {
    let c = index();
    let words = crate::words::entry_words("צה\"ל", &[], &[]);
    assert_eq!(words, "צה\"ל");
    add(&c, 1, "a.md", vec![entry(1, &words, "", &["bob"])]);
    assert_eq!(ask(&c, &["צה\"ל"]), ["a.md:1"]);
    assert_eq!(verify(&c).unwrap(), 1);
}

#[test]
fn check_holds_the_full_text_index_against_the_blobs() {
    let damages = [
        "INSERT INTO search_words (rowid, words) VALUES (99, 'rust')",
        "DELETE FROM search_words WHERE rowid = 1",
        "DELETE FROM search_words WHERE rowid = 1; INSERT INTO search_words (rowid, words) VALUES (1, 'lunch')",
        "UPDATE search SET file_id = 3 WHERE file_id = 2",
        "UPDATE search SET data = CAST(substr(data, 1, 4) || x'00' || substr(data, 6) AS BLOB) WHERE file_id = 2",
    ];
    for damage in damages {
        let c = index();
        add(&c, 1, "a.md", vec![entry(1, "lunch rust", "x", &["bob"])]);
        add(&c, 2, "b.md", vec![entry(1, "rust", "", &["bob"])]);
        c.execute(
            "INSERT INTO files (id, path, size, mtime_ns, ctime_ns, inode, hash, kind)
             VALUES (3, 'c.md', 0, 0, 0, 0, x'', 'note')",
            [],
        )
        .unwrap();
        assert_eq!(verify(&c).unwrap(), 2);
        c.execute_batch(damage).unwrap();
        assert!(verify(&c).is_err(), "{damage}");
    }
}
