//! One test per SPEC §12 rule, on the plain scan (the index's answer is
//! held to the same by the integration tests' differential test).

use super::*;
use crate::config::Config;

const TODAY: &str = "2026-11-23";

fn d(s: &str) -> NaiveDate {
    crate::dates::parse_iso(s).unwrap()
}

fn terms(t: &[&str]) -> Result<Terms, String> {
    Terms::parse(&t.iter().map(|s| (*s).to_string()).collect::<Vec<_>>())
}

/// The plain scan's answer on `files` for `t`, in `circle`, at most `limit`.
fn ask(files: &[(&str, &str)], t: &[&str], circle: Option<&str>, limit: usize) -> Vec<WhoRow> {
    let cfg = Config::default();
    let notes: Vec<(NoteFacts, Searchable)> = files
        .iter()
        .map(|(p, s)| crate::parse::parse_note_searchable(p, s, &cfg.parse))
        .collect();
    let facts: Vec<NoteFacts> = notes.iter().map(|n| n.0.clone()).collect();
    let ledger = Ledger::derive(&facts, &cfg);
    let answers = Answers::new(&ledger, &cfg, d(TODAY));
    let (hits, evidence) = scan(&notes, &ledger, &cfg, &terms(t).unwrap());
    let ranked = rank(&hits, d(TODAY), circle, limit, |h| info_from(&answers, h));
    let found: Result<Vec<WhoRow>, ()> =
        rows(ranked, &hits, None, |h| Ok(evidence[h.at as usize].clone()));
    found.unwrap()
}

fn who(files: &[(&str, &str)], t: &[&str]) -> Vec<String> {
    ask(files, t, None, 100)
        .into_iter()
        .map(|r| r.handle)
        .collect()
}

#[test]
fn spec12_bare_terms_match_whole_words_on_unicode_boundaries() {
    let f = [(
        "2026-11-23.md",
        "- @a Rusty\n- @b trust\n- @c Rust's\n- @d rust.\n- @e RUST!\n- @f rust_lang\n",
    )];
    assert_eq!(who(&f, &["rust"]), ["d", "e"]);
    assert_eq!(who(&f, &["Rust's"]), ["c"]);
    assert_eq!(who(&f, &["rusty"]), ["a"]);
}

#[test]
fn spec12_code_html_urls_and_link_targets_never_match() {
    let f = [(
        "2026-11-23.md",
        "- @a `rust`\n- @b see https://rust.example.com\n- @c <span title=\"rust\">x</span>\n- @e [site](https://rust.dev)\n- @f rust for real\n\n```\n@g rust\n```\n",
    )];
    assert_eq!(who(&f, &["rust"]), ["f"]);
}

#[test]
fn spec12_comments_properties_macros_and_math_never_match() {
    // What SPEC v1.1's parser blanks as data (Obsidian comments, Logseq
    // properties and macros) and math are hidden as code is; the text on
    // either side of them is no phrase.
    let f = [(
        "2026-11-23.md",
        "- @a %% rust %%
- @b {{embed rust}}
- @c $rust$
- @d words
  topic:: rust
- @e machine %%x%% learning
- @f rust
",
    )];
    assert_eq!(who(&f, &["rust"]), ["f"]);
    assert!(who(&f, &["machine learning"]).is_empty());
    assert_eq!(who(&f, &["machine", "learning"]), ["e"]);
}

#[test]
fn spec12_logseq_page_properties_match_like_front_matter() {
    let page = "org:: Rust Foundation\ntags:: [[person]], systems\ncircles:: mentor\n\n- met at a meetup\n";
    let f = [("pages/Rusty Jones.md", page)];
    let rows = ask(&f, &["foundation"], None, 10);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].evidence[0].line, None, "the page's values");
    let h = rows[0].handle.clone();
    assert_eq!(who(&f, &["#systems"]), [h.as_str()]);
    assert_eq!(who(&f, &["mentor"]), [h.as_str()]);
    assert_eq!(who(&f, &["meetup"]), [h.as_str()]);
}

#[test]
fn spec12_phrases_match_on_word_boundaries_with_any_whitespace() {
    let f = [(
        "2026-11-23.md",
        "- @a machine learning\n- @b Machine\n  learning\n- @c learning machine\n- @d machine `x` learning\n- @e machine-learning\n- @f machine learnings\n",
    )];
    assert_eq!(who(&f, &["machine learning"]), ["a", "b", "e"]);
    assert_eq!(who(&f, &["\"machine   learning\""]), ["a", "b", "e"]);
}

#[test]
fn spec12_an_entry_matches_every_term() {
    let f = [(
        "2026-11-23.md",
        "- @a rust hiring\n- @b rust\n- @c hiring\n- @d hiring and #rust\n",
    )];
    assert_eq!(who(&f, &["rust", "hiring"]), ["a", "d"]);
    assert_eq!(who(&f, &["hiring", "#rust"]), ["d"]);
}

#[test]
fn spec12_tags_match_the_tag_and_its_nested_tags() {
    let f = [(
        "2026-11-23.md",
        "- @a #rust\n- @b #Rust/async\n- @c rust\n- @d #rusty\n- @e `#rust`\n",
    )];
    assert_eq!(who(&f, &["#rust"]), ["a", "b"]);
    assert_eq!(who(&f, &["#rust/async"]), ["b"]);
    // A bare term matches a tag's name too (it is a word of the text).
    assert_eq!(who(&f, &["rust"]), ["a", "b", "c"]);
}

#[test]
fn spec12_wikilinks_match_by_target_or_label() {
    let f = [(
        "2026-11-23.md",
        "- @a [[Rust]]\n- @b [[lang/Rust|the language]]\n- @c [[x|Rust]]\n- @d [[Rusty]]\n- @e ![[Rust]]\n",
    )];
    assert_eq!(who(&f, &["rust"]), ["a", "b", "c"]);
    assert_eq!(who(&f, &["language"]), ["b"]);
}

#[test]
fn spec12_entries_dated_after_today_are_no_evidence() {
    let f = [
        ("2026-11-24.md", "- @a rust\n- @b rust\n"),
        ("2026-11-23.md", "- @b rust\n"),
    ];
    let rows = ask(&f, &["rust"], None, 10);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].handle, "b");
    assert_eq!(rows[0].score, 1.0);
    assert_eq!(rows[0].evidence.len(), 1);
}

#[test]
fn spec12_person_page_matches_on_front_matter_values() {
    let page = "---\nname: Rusty Jones\norg: Rust Foundation\ncircles: [Mentor]\ntopics: [wasm, embedded systems]\ntags: [systems/os]\nemail: rust@example.com\n---\n";
    let f = [("people/rj.md", page)];
    let rows = ask(&f, &["rust"], None, 10);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].handle, "rj");
    assert_eq!(rows[0].score, 0.5);
    assert_eq!(
        rows[0].evidence,
        [Evidence {
            date: None,
            text: None,
            file: "people/rj.md".into(),
            line: None
        }]
    );
    // The values together match every term; a phrase stays in one value.
    assert_eq!(who(&f, &["foundation", "wasm", "mentor"]), ["rj"]);
    assert_eq!(who(&f, &["embedded systems"]), ["rj"]);
    assert!(who(&f, &["foundation wasm"]).is_empty());
    assert_eq!(who(&f, &["#systems"]), ["rj"]);
    // Not the name, the email or other keys.
    assert!(who(&f, &["jones"]).is_empty());
    assert!(who(&f, &["example"]).is_empty());
}

#[test]
fn spec12_every_entry_on_a_person_page_is_its_persons() {
    let page = "---\nname: Ana\n---\n# Ana, Rust expert\n\nWorks on the Rust compiler.\n\n- 2026-11-23 rust chat\n- [ ] send rust notes\n";
    let rows = ask(&[("people/ana.md", page)], &["rust"], None, 10);
    assert_eq!(rows.len(), 1);
    let lines: Vec<Option<u32>> = rows[0].evidence.iter().map(|e| e.line).collect();
    assert_eq!(lines, [Some(8), Some(4), Some(6), Some(9)]);
    assert!((rows[0].score - 2.5).abs() < 1e-9);
}

#[test]
fn spec12_score_decays_by_half_a_year_and_undated_counts_half() {
    let today = d(TODAY);
    assert_eq!(weight(Some(today), today), Some(1.0));
    assert_eq!(weight(Some(d("2025-11-23")), today), Some(0.5));
    assert_eq!(weight(Some(d("2024-11-23")), today), Some(0.25));
    assert_eq!(weight(None, today), Some(0.5));
    assert_eq!(weight(Some(d("2026-11-24")), today), None);
    let f = [
        ("2026-11-23.md", "- @a rust\n"),
        ("2025-11-23.md", "- @a rust\n"),
        ("notes.md", "- @a rust\n"),
    ];
    assert_eq!(ask(&f, &["rust"], None, 10)[0].score, 2.0);
}

#[test]
fn spec12_order_score_then_last_contact_then_handle() {
    let f = [
        (
            "notes.md",
            "- @a rust\n- @a rust again\n- @c rust\n- @d rust\n",
        ),
        ("2026-11-23.md", "- @b rust\n"),
        ("2026-11-01.md", "- @c hello\n"),
        ("2025-06-01.md", "- @e rust\n"),
    ];
    // a and b score 1.000: b was contacted, a never; c and d score 0.5:
    // c was contacted; e scores less.
    assert_eq!(who(&f, &["rust"]), ["b", "a", "c", "d", "e"]);
    // Scores are compared as rounded to 3 decimals.
    assert_eq!(milli(0.999_6), milli(1.0));
}

#[test]
fn spec12_tasks_count_by_their_dates_and_metadata_never_matches() {
    let f = [(
        "2026-06-01.md",
        "- [ ] send @a the deck due:2026-12-01 📅 2026-12-02\n- [x] sent @b the notes ✅ 2026-11-23\n- [-] cancelled @c deck\n",
    )];
    assert!(who(&f, &["due"]).is_empty());
    assert!(who(&f, &["2026"]).is_empty());
    assert_eq!(who(&f, &["deck"]), ["a", "c"]);
    let rows = ask(&f, &["notes"], None, 10);
    assert_eq!(rows[0].evidence[0].date, Some(d("2026-11-23")));
    assert_eq!(rows[0].score, 1.0);
}

#[test]
fn spec12_terms_in_nfc_case_insensitive_diacritics_count() {
    let f = [(
        "2026-11-23.md",
        "- @a José\n- @b Jose\n- @c JOSÉ\n- @d Jose\u{301}\n",
    )];
    assert_eq!(who(&f, &["jose\u{301}"]), ["a", "c", "d"]);
    assert_eq!(who(&f, &["JOSE"]), ["b"]);
}

#[test]
fn spec12_circle_filters_before_limit() {
    let f = [
        ("people/m.md", "---\ncircles: [Mentor]\n---\n"),
        ("notes.md", "- @x rust\n- @x rust\n- @m rust\n"),
    ];
    let all = ask(&f, &["rust"], None, 1);
    assert_eq!(all[0].handle, "x");
    let mentors = ask(&f, &["rust"], Some("MENTOR"), 1);
    assert_eq!(mentors.len(), 1);
    assert_eq!(mentors[0].handle, "m");
}

#[test]
fn spec12_evidence_newest_first_then_undated_then_the_page() {
    let f = [
        ("people/p.md", "---\ntopics: [rust]\n---\nrust\n"),
        ("b.md", "- @p rust\n"),
        ("a.md", "- @p rust\n- @p rust\n"),
        ("2026-11-01.md", "- @p rust\n"),
        ("2026-11-20.md", "- @p rust\n"),
    ];
    let rows = ask(&f, &["rust"], None, 10);
    let ev: Vec<(Option<&str>, Option<u32>)> = rows[0]
        .evidence
        .iter()
        .map(|e| (Some(e.file.as_str()), e.line))
        .collect();
    assert_eq!(
        ev,
        [
            (Some("2026-11-20.md"), Some(1)),
            (Some("2026-11-01.md"), Some(1)),
            (Some("a.md"), Some(1)),
            (Some("a.md"), Some(2)),
            (Some("b.md"), Some(1)),
            (Some("people/p.md"), Some(4)),
            (Some("people/p.md"), None),
        ]
    );
}

#[test]
fn spec12_no_term_an_empty_term_or_a_bare_hash_is_a_usage_error() {
    for bad in [
        &[][..],
        &[""],
        &["  "],
        &["#"],
        &["rust", "#"],
        &["!!"],
        &["#2026"],
        &["#c++"],
    ] {
        assert!(terms(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        terms(&["#Rust/"]).unwrap().terms,
        [Term::Tag("rust".into())]
    );
    assert_eq!(
        terms(&["Machine  Learning"]).unwrap().terms,
        [Term::Words(vec!["machine".into(), "learning".into()])]
    );
}

#[test]
fn spec12_text_reads_only_the_evidence_it_shows() {
    let f = [
        ("people/p.md", "---\ntopics: [rust]\n---\nrust\n"),
        ("b.md", "- @p rust\n"),
        ("a.md", "- @p rust\n- @p rust\n"),
        ("2026-11-01.md", "- @p rust\n"),
        ("2026-11-20.md", "- @p rust\n"),
    ];
    let cfg = Config::default();
    let notes: Vec<(NoteFacts, Searchable)> = f
        .iter()
        .map(|(p, s)| crate::parse::parse_note_searchable(p, s, &cfg.parse))
        .collect();
    let facts: Vec<NoteFacts> = notes.iter().map(|n| n.0.clone()).collect();
    let ledger = Ledger::derive(&facts, &cfg);
    let answers = Answers::new(&ledger, &cfg, d(TODAY));
    let (hits, evidence) = scan(&notes, &ledger, &cfg, &terms(&["rust"]).unwrap());
    let ranked = rank(&hits, d(TODAY), None, 10, |h| info_from(&answers, h));
    let mut read = 0;
    let found: Result<Vec<WhoRow>, ()> = rows(ranked, &hits, Some(3), |h| {
        read += 1;
        Ok(evidence[h.at as usize].clone())
    });
    let found = found.unwrap();
    // The two dated ones, and the undated ones tied for third place.
    assert_eq!(read, 6);
    let lines: Vec<(&str, Option<u32>)> = found[0]
        .evidence
        .iter()
        .map(|e| (e.file.as_str(), e.line))
        .collect();
    assert_eq!(
        lines,
        [
            ("2026-11-20.md", Some(1)),
            ("2026-11-01.md", Some(1)),
            ("a.md", Some(1))
        ]
    );
    assert_eq!(found[0].more, 4);
}
