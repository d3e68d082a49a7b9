//! One test per rule of SPEC §2–§4 as parsing sees it; the test name says
//! which rule. Plus a property test: no input panics, and no mention ever
//! comes out of code.

use super::*;

fn parse(rel: &str, src: &str) -> NoteFacts {
    parse_note(rel, src, &ParseOptions::default())
}

fn d(s: &str) -> NaiveDate {
    crate::dates::parse_iso(s).unwrap()
}

/// Handles mentioned per entry, as `(line, [keys])`.
fn mentions(src: &str) -> Vec<(u32, Vec<String>)> {
    parse("n.md", src)
        .entries
        .iter()
        .filter(|e| !e.mentions.is_empty())
        .map(|e| (e.line, e.mentions.iter().map(|m| m.key.clone()).collect()))
        .collect()
}

fn all_mentions(src: &str) -> Vec<String> {
    mentions(src).into_iter().flat_map(|(_, m)| m).collect()
}

fn entry<'a>(facts: &'a NoteFacts, text_starts: &str) -> &'a Entry {
    facts
        .entries
        .iter()
        .find(|e| e.text.contains(text_starts))
        .unwrap_or_else(|| panic!("no entry with {text_starts:?} in {:#?}", facts.entries))
}

#[test]
fn spec2_mentions_not_in_code_html_links_or_front_matter() {
    let src = "---\nattendees: \"@fm\"\n---\n\
        Hi `@code` and <span>@inline</span> <b title=\"@attr\">x</b> [txt](https://x.com/@url) <https://x.com/@auto> @yes\n\n\
        ```\n@fenced\n```\n\n    @indented\n\n<div>\n@htmlblock\n</div>\n\n\\@escaped and \\\\@double\n";
    assert_eq!(all_mentions(src), ["inline", "yes", "double"]);
}

#[test]
fn spec2_mention_in_emphasis_and_link_text() {
    assert_eq!(
        all_mentions("Lunch with **@Alice** and [@bob](https://x.y)\n"),
        ["alice", "bob"]
    );
}

#[test]
fn spec2_mention_position_is_line_and_column() {
    let f = parse("n.md", "# T\n\nsome text\nand é @bob here\n");
    let m = &f.entries[1].mentions[0];
    assert_eq!((m.line, m.col), (4, 7));
}

#[test]
fn spec2_wikilinks_are_candidate_mentions() {
    let f = parse(
        "n.md",
        "Met [[Alice Chen]] and [[people/Bob|Bobby]] re [[Project#Plan]]\n",
    );
    let keys: Vec<_> = f.entries[0]
        .mentions
        .iter()
        .map(|m| (m.key.as_str(), m.wikilink))
        .collect();
    assert_eq!(
        keys,
        [
            ("alice chen", true),
            ("people/bob", true),
            ("project", true)
        ]
    );
}

#[test]
fn spec2_person_page_handle_from_slug_or_front_matter() {
    let opts = ParseOptions::default();
    let f = parse_note("people/Alice Chen.md", "# Alice\n", &opts);
    assert_eq!(f.page.unwrap().handle, "alice-chen");
    let f = parse_note(
        "people/Alice Chen.md",
        "---\nhandle: \"@Ali\"\nname: Alice Chen\naliases: [AC, \"Alice C.\"]\ncircles: [Mentor]\ncadence: 1m\nbirthday: 02-29\norg: Acme\nemail: a@x.y\nfavourite: tea\n---\nbio\n",
        &opts,
    );
    let p = f.page.unwrap();
    assert_eq!(p.handle, "ali");
    assert_eq!(p.name.as_deref(), Some("Alice Chen"));
    assert_eq!(p.aliases, ["ac", "alice c."]);
    assert_eq!(p.circles, ["mentor"]);
    assert_eq!(p.cadence.as_deref(), Some("1m"));
    assert_eq!(p.birthday.as_deref(), Some("02-29"));
    assert_eq!(p.email.as_deref(), Some("a@x.y"));
    assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
    assert!(parse_note("notes/x.md", "", &opts).page.is_none());
    assert!(parse_note("peoplex/x.md", "", &opts).page.is_none());
}

#[test]
fn spec2_bad_cadence_or_birthday_on_a_page_is_a_warning() {
    let f = parse_note(
        "people/a.md",
        "---\ncadence: monthly\nbirthday: 2026-02-30\n---\n",
        &ParseOptions::default(),
    );
    let p = f.page.unwrap();
    assert_eq!((p.cadence, p.birthday), (None, None));
    let lines: Vec<_> = f.diagnostics.iter().map(|d| (d.line, d.severity)).collect();
    assert_eq!(
        lines,
        [
            (2, crate::model::Severity::Warning),
            (3, crate::model::Severity::Warning)
        ]
    );
}

#[test]
fn spec3_entries_list_items_nested_separately() {
    let f = parse("n.md", "- parent @a\n  - child @b\n- \n  - only child\n");
    let texts: Vec<_> = f
        .entries
        .iter()
        .map(|e| (e.line, e.text.as_str()))
        .collect();
    assert_eq!(
        texts,
        [(1, "parent @a"), (2, "child @b"), (4, "only child")]
    );
}

#[test]
fn spec3_tab_indented_nested_item_keeps_its_own_line() {
    // Regression: pulldown-cmark starts such an item at the previous newline.
    let f = parse("n.md", "- parent @a\n\t- child @b\n");
    let lines: Vec<_> = f
        .entries
        .iter()
        .map(|e| (e.line, e.text.as_str()))
        .collect();
    assert_eq!(lines, [(1, "parent @a"), (2, "child @b")]);
}

#[test]
fn spec3_entries_paragraphs_headings_tables_quotes() {
    let f = parse(
        "n.md",
        "# Heading @h\n\npara one\nstill one\n\n| 2026-11-20 | @t |\n|---|---|\n| 2026-11-21 | @u |\n\n> quoted @q\n>\n> second para\n",
    );
    let texts: Vec<_> = f
        .entries
        .iter()
        .map(|e| (e.line, e.text.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            (1, "Heading @h"),
            (3, "para one still one"),
            (6, "2026-11-20 | @t"),
            (8, "2026-11-21 | @u"),
            (10, "quoted @q"),
            (12, "second para")
        ]
    );
    assert_eq!(f.entries[3].date, Some(d("2026-11-21")));
}

#[test]
fn spec3_loose_list_item_paragraphs_are_one_entry() {
    let f = parse("n.md", "- first para @a\n\n  second para\n\n- next\n");
    let texts: Vec<_> = f.entries.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["first para @a second para", "next"]);
}

#[test]
fn spec3_rule1_leading_date_and_emphasis() {
    let f = parse(
        "n.md",
        "**2026-11-20** lunch @a\n\n[2026-11-21 09:00] call @b\n",
    );
    assert_eq!(f.entries[0].date, Some(d("2026-11-20")));
    assert_eq!(f.entries[0].date_source, Some(DateSource::Leading));
    assert_eq!(f.entries[1].date, Some(d("2026-11-21")));
}

#[test]
fn spec3_rule1_list_item_date_passes_to_nested_items() {
    let f = parse("2026-01-01.md", "## 2026-05-05\n- 2026-11-20 trip\n  - saw @a\n    - and @b\n  - 2026-11-22 saw @c\n- other @d\n");
    assert_eq!(entry(&f, "saw @a").date, Some(d("2026-11-20")));
    assert_eq!(entry(&f, "saw @a").date_source, Some(DateSource::Leading));
    assert_eq!(entry(&f, "and @b").date, Some(d("2026-11-20")));
    assert_eq!(entry(&f, "saw @c").date, Some(d("2026-11-22")));
    assert_eq!(entry(&f, "other @d").date, Some(d("2026-05-05")));
}

#[test]
fn spec3_rule2_nearest_enclosing_dated_heading() {
    let f = parse(
        "n.md",
        "# Log\n## Week of 2026-11-16\n### Monday\n- a @x\n## Other\n- b @y\n## 2026-11-20\n# 2026-12-01 top\n- c @z\n",
    );
    assert_eq!(entry(&f, "a @x").date, Some(d("2026-11-16")));
    assert_eq!(entry(&f, "a @x").date_source, Some(DateSource::Heading));
    assert_eq!(entry(&f, "b @y").date, None);
    assert_eq!(entry(&f, "c @z").date, Some(d("2026-12-01")));
    // A heading encloses itself.
    assert_eq!(entry(&f, "Week of").date, Some(d("2026-11-16")));
}

#[test]
fn spec3_rule3_front_matter_date_then_rule4_path() {
    let f = parse("2026-01-02.md", "---\ndate: 2026-11-04\n---\n- met @a\n");
    assert_eq!(f.entries[0].date, Some(d("2026-11-04")));
    assert_eq!(f.entries[0].date_source, Some(DateSource::FrontMatter));
    let f = parse("journal/2026/11/20.md", "- met @a\n");
    assert_eq!(f.entries[0].date, Some(d("2026-11-20")));
    assert_eq!(f.entries[0].date_source, Some(DateSource::Path));
    let f = parse("ideas.md", "- met @a\n");
    assert_eq!(f.entries[0].date, None);
}

#[test]
fn spec3_impossible_date_is_no_date_and_a_warning() {
    let f = parse(
        "2026-11-20.md",
        "- 2026-02-30 met @a\n\n## 2026-13-01 x\n- b\n",
    );
    assert_eq!(entry(&f, "met @a").date, Some(d("2026-11-20")));
    let b = f.entries.iter().find(|e| e.text == "b").unwrap();
    assert_eq!(b.date, Some(d("2026-11-20")));
    let msgs: Vec<_> = f
        .diagnostics
        .iter()
        .map(|x| (x.line, x.col, x.message.as_str()))
        .collect();
    assert_eq!(
        msgs,
        [
            (1, 3, "impossible date 2026-02-30"),
            (3, 4, "impossible date 2026-13-01")
        ]
    );
    let f = parse("2026-02-30.md", "- x\n");
    assert_eq!(f.entries[0].date, None);
    assert_eq!(f.diagnostics.len(), 1);
}

#[test]
fn spec1_bom_and_crlf() {
    let f = parse(
        "n.md",
        "\u{feff}---\r\ndate: 2026-11-20\r\n---\r\n- met @a\r\n- 2026-11-21 met @b\r\n",
    );
    assert_eq!(f.entries[0].date, Some(d("2026-11-20")));
    assert_eq!(f.entries[0].line, 4);
    assert_eq!(f.entries[1].date, Some(d("2026-11-21")));
}

#[test]
fn spec1_broken_front_matter_is_an_error_with_a_line() {
    let f = parse("n.md", "---\nname: [unclosed\n---\n- 2026-11-20 met @a\n");
    let e = &f.diagnostics[0];
    assert_eq!(e.severity, crate::model::Severity::Error);
    assert!(e.line >= 2 && e.line <= 3, "{e}");
    assert_eq!(
        all_mentions("---\nname: [unclosed\n---\n- 2026-11-20 met @a\n"),
        ["a"]
    );
}

#[test]
fn spec1_unclosed_front_matter_is_a_thematic_break() {
    let f = parse("n.md", "---\nname: x\n- 2026-11-20 met @a\n");
    assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
    assert_eq!(all_mentions("---\nname: x\n- 2026-11-20 met @a\n"), ["a"]);
}

#[test]
fn spec1_front_matter_not_a_mapping_is_a_warning() {
    for src in ["---\n- a\n- b\n---\n- @x\n", "---\njust text\n---\n- @x\n"] {
        let f = parse("n.md", src);
        assert_eq!(f.diagnostics.len(), 1, "{:?}", f.diagnostics);
        assert_eq!(f.diagnostics[0].severity, crate::model::Severity::Warning);
        assert_eq!(all_mentions(src), ["x"]);
    }
    assert!(parse("n.md", "---\n---\nx\n").diagnostics.is_empty());
    assert!(parse("n.md", "---\na: 1\n...\n@x\n").diagnostics.is_empty());
    assert_eq!(all_mentions("---\na: \"@y\"\n...\n@x\n"), ["x"]);
}

#[test]
fn spec4_tags_and_kinds() {
    let f = parse(
        "n.md",
        "- @a #Intro/work #asked\n- @b #gift\n- @c #thanks\n",
    );
    assert_eq!(f.entries[0].tags, ["asked", "intro/work"]);
    assert!(f.entries[0].gave && f.entries[0].got);
    assert!(f.entries[1].gave && !f.entries[1].got);
    assert!(!f.entries[2].gave && !f.entries[2].got);
}

#[test]
fn spec4_kinds_from_config_lists_and_patterns() {
    let opts = ParseOptions {
        kinds: Kinds {
            gave: vec!["kudos".into()],
            got: vec![],
            gave_patterns: vec![Regex::new(r"(?i)\bintroduced\b").unwrap()],
            got_patterns: vec![Regex::new(r"borrowed").unwrap()],
        },
        ..ParseOptions::default()
    };
    let f = parse_note(
        "n.md",
        "- @a #kudos\n- Introduced @b to @c\n- @d #gave\n- borrowed from @e\n",
        &opts,
    );
    let kinds: Vec<_> = f.entries.iter().map(|e| (e.gave, e.got)).collect();
    assert_eq!(
        kinds,
        [(true, false), (true, false), (false, false), (false, true)]
    );
}

#[test]
fn spec4_tasks_open_done_cancelled() {
    let f = parse(
        "2026-11-20.md",
        "- [ ] send @a the plan due:+3d\n- [x] called @b ✅ 2026-11-19\n- [X] met @c done:2026-11-10\n- [-] cancelled @d\n- [ ] call @e 📅 2026-11-30 due:+1d\n- [x] plain @f\n",
    );
    let e = &f.entries;
    assert_eq!(
        (e[0].task, e[0].due),
        (Some(Task::Open), Some(d("2026-11-23")))
    );
    assert_eq!(e[0].text, "send @a the plan");
    assert_eq!(
        (e[1].task, e[1].done),
        (Some(Task::Done), Some(d("2026-11-19")))
    );
    assert_eq!(
        (e[2].task, e[2].done),
        (Some(Task::Done), Some(d("2026-11-10")))
    );
    assert_eq!(e[3].task, Some(Task::Cancelled));
    assert_eq!(e[3].text, "cancelled @d");
    assert_eq!(
        e[4].due,
        Some(d("2026-11-30")),
        "absolute wins over relative"
    );
    assert_eq!((e[5].task, e[5].done), (Some(Task::Done), None));
}

#[test]
fn spec5_relative_due_units_and_undated_warning() {
    let f = parse(
        "2026-01-31.md",
        "- [ ] a @x due:+1m\n- [ ] b @x due:+2w\n- [ ] c @x due:+1y\n",
    );
    let dues: Vec<_> = f.entries.iter().map(|e| e.due).collect();
    assert_eq!(
        dues,
        [
            Some(d("2026-02-28")),
            Some(d("2026-02-14")),
            Some(d("2027-01-31"))
        ]
    );
    let f = parse("ideas.md", "- [ ] send @a due:+3d\n");
    assert_eq!(f.entries[0].due, None);
    assert!(f.diagnostics[0].message.contains("relative due"));
    assert_eq!(f.diagnostics[0].line, 1);
}

#[test]
fn spec3_entry_with_no_text_is_no_entry() {
    let f = parse("n.md", "- \n  - a\n- [ ]\n\n---\n\n```\ncode\n```\n");
    let texts: Vec<_> = f.entries.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["a"]);
}

#[test]
fn nasty_inputs_are_fast_and_safe() {
    for src in [
        "[^".repeat(50_000),
        ">".repeat(10_000),
        "- ".repeat(10_000),
        "@".repeat(100_000),
        "*_".repeat(20_000),
        "[".repeat(30_000) + &"]".repeat(30_000),
        "[[".repeat(30_000),
    ] {
        let _ = parse("n.md", &src);
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn markdownish() -> impl Strategy<Value = String> {
        let atoms = prop::sample::select(vec![
            "@alice",
            "@b",
            " ",
            "\n",
            "\n\n",
            "`",
            "```\n",
            "- ",
            "  - ",
            "> ",
            "# ",
            "## 2026-11-20\n",
            "[[x]]",
            "[a](https://x/@y)",
            "<b>",
            "</b>",
            "<div>\n",
            "\\",
            "*",
            "_",
            "#tag",
            "2026-11-20 ",
            "[ ] ",
            "[x] ",
            "|",
            "---\n",
            "é",
            "\r\n",
            "[^",
            "due:+3d",
            "📅 2026-02-30",
            "    ",
            "\t",
            "<!--",
            "-->",
            "<https://a/@z>",
        ]);
        prop::collection::vec(atoms, 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn parsing_any_input_never_panics(s in any::<String>()) {
            let _ = parse("people/x 2026-11-20.md", &s);
        }

        #[test]
        fn parsing_markdownish_input_never_panics(s in markdownish()) {
            let f = parse("people/x.md", &s);
            for e in &f.entries {
                prop_assert!(e.line >= 1);
                for m in &e.mentions {
                    prop_assert!(!m.key.is_empty());
                }
            }
        }

        /// Skipping the work on prose changes nothing that is kept.
        #[test]
        fn pruned_parse_is_parse_then_prune(body in markdownish(), page in any::<bool>()) {
            let path = if page { "people/x 2026-11-20.md" } else { "j/2026-11-20.md" };
            let opts = ParseOptions::default();
            let mut all = crate::parse::parse_note(path, &body, &opts);
            all.prune();
            prop_assert_eq!(crate::parse::parse_note_pruned(path, &body, &opts), all);
        }

        /// Whatever surrounds it, no mention ever starts inside a code span
        /// or a code block, as pulldown-cmark itself sees them.
        #[test]
        fn no_mention_from_code(body in markdownish()) {
            // A first line that is not `---`: no front matter, offsets match.
            let src = format!("x\n{body}");
            let mut code = Vec::new();
            let mut block_start = None;
            for (ev, r) in Parser::new_ext(&src, markdown_options()).into_offset_iter() {
                match ev {
                    Event::Code(_) => code.push(r),
                    Event::Start(Tag::CodeBlock(_)) => block_start = Some(r.start),
                    Event::End(TagEnd::CodeBlock) => {
                        code.push(block_start.take().unwrap_or(r.start)..r.end);
                    }
                    _ => {}
                }
            }
            let lines = Lines::new(&src);
            let f = parse("n.md", &src);
            for e in &f.entries {
                for m in e.mentions.iter().filter(|m| !m.wikilink) {
                    let start = lines.starts[m.line as usize - 1];
                    let off = start
                        + src[start..].chars().take(m.col as usize - 1).map(char::len_utf8).sum::<usize>();
                    prop_assert_eq!(src.as_bytes().get(off), Some(&b'@'), "{:?} {:?}", src, m);
                    prop_assert!(!code.iter().any(|r| r.contains(&off)), "{:?} -> {:?}", src, m);
                }
            }
        }
    }
}
