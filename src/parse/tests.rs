//! One test per rule of SPEC §2–§4 as parsing sees it; the test name says
//! which rule. Plus a property test: no input panics, and no mention ever
//! comes out of code.

use super::*;
use std::ops::Range;

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
            "%%",
            "$",
            "$$",
            "{{",
            "}}",
            "key:: @v\n",
            "TODO ",
            "[!note] ",
            "José",
            "Jose\u{301}",
            "@लक्ष्मी",
            "和@erin开会",
            "@12",
            "www.x/@w",
            "@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
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
        /// or a code block, as pulldown-cmark itself sees them in the text
        /// the parser reads.
        #[test]
        fn no_mention_from_code(body in markdownish()) {
            // A first line that is not `---`: no front matter, offsets match.
            let src = format!("x\n{body}");
            // Code as the parser sees it: after comments and properties are
            // masked (offsets stay the same).
            let masked = mask::mask(&src, 0, 1);
            let mut code = Vec::new();
            let mut block_start = None;
            for (ev, r) in Parser::new_ext(&masked.text, markdown_options()).into_offset_iter() {
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

        /// (a) NFC and NFD spellings of the same text give the same people.
        #[test]
        fn spec2_nfc_and_nfd_give_the_same_people(body in markdownish()) {
            use unicode_normalization::UnicodeNormalization;
            let nfc: String = body.nfc().collect();
            let nfd: String = body.nfd().collect();
            prop_assert_eq!(all_mentions(&nfc), all_mentions(&nfd), "{:?}", body);
        }

        /// (b) No mention starts inside code, HTML, math, a URL, a comment,
        /// a property or a macro, as the parser sees them: pulldown-cmark's
        /// events, and what the mask blanks.
        #[test]
        fn spec2_no_mention_in_data(body in markdownish()) {
            let src = format!("x\n{body}");
            let masked = mask::mask(&src, 0, 1);
            let mut data: Vec<Range<usize>> = Vec::new();
            let mut open = None;
            for (ev, r) in Parser::new_ext(&masked.text, markdown_options()).into_offset_iter() {
                match ev {
                    Event::Code(_) | Event::InlineMath(_) | Event::DisplayMath(_) | Event::InlineHtml(_) | Event::Html(_) => data.push(r),
                    Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock) => open = Some(r.start),
                    Event::End(TagEnd::CodeBlock | TagEnd::HtmlBlock) => {
                        data.push(open.take().unwrap_or(r.start)..r.end);
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
                    prop_assert_eq!(masked.text.as_bytes().get(off), Some(&b'@'), "masked: {:?} {:?}", src, m);
                    prop_assert!(!data.iter().any(|r| r.contains(&off)), "{:?} -> {:?}", src, m);
                    let token_start = src[..off].rfind(char::is_whitespace).map_or(0, |i| i + 1);
                    let token = &src[token_start..off];
                    let in_url = ["://"].iter().any(|p| {
                        token.rfind(p).is_some_and(|i| !token[i..].contains([')', '<', '>']))
                    });
                    prop_assert!(!in_url, "{:?} -> {:?}", src, m);
                }
            }
        }

        /// Any journal format, any link or file name: no panic.
        #[test]
        fn journal_formats_never_panic(fmt in "[YMDdoEy\\[\\]' ,./-]{0,12}", s in any::<String>()) {
            let opts = ParseOptions {
                vault: settings::VaultSettings {
                    daily: Some(settings::DailyNotes { folder: String::new(), format: fmt.clone() }),
                    templates: Vec::new(),
                    logseq: Some(settings::LogseqJournals {
                        journals_dir: "j".into(),
                        file_name_format: fmt.clone(),
                        page_title_format: fmt,
                    }),
                },
                ..ParseOptions::default()
            };
            let j = opts.journal();
            let _ = j.link_date(&s);
            let _ = j.path_date(&format!("j/{s}.md"));
            let _ = j.path_date(&format!("{s}.md"));
        }

        /// (c) No handle is all digits or longer than 64 characters.
        #[test]
        fn spec2_handles_have_a_letter_and_at_most_64_chars(body in markdownish(), junk in any::<String>()) {
            for src in [body, junk] {
                for m in parse("n.md", &src).entries.iter().flat_map(|e| &e.mentions).filter(|m| !m.wikilink) {
                    prop_assert!(m.key.chars().any(char::is_alphabetic), "{:?}", m);
                    prop_assert!(m.key.chars().count() <= 64, "{:?}", m);
                }
            }
        }
    }
}

// ---- SPEC v1.1 rules ----

fn keys(src: &str) -> Vec<String> {
    all_mentions(src)
}

#[test]
fn spec2_mention_letters_with_combining_marks() {
    assert_eq!(keys("hi @लक्ष्मी and @தமிழ் ok\n"), ["लक्ष्मी", "தமிழ்"]);
    assert_eq!(keys("@Jose\u{301} and @José\n"), ["josé", "josé"]);
}

#[test]
fn spec2_mention_needs_a_letter() {
    assert!(keys("Lunch @12:30 and @2026\n").is_empty());
    assert_eq!(keys("@r2d2\n"), ["r2d2"]);
}

#[test]
fn spec2_mention_cjk_and_hangul_boundaries() {
    assert_eq!(keys("和@erin开会\n"), ["erin"]);
    assert_eq!(keys("@王明 开会\n"), ["王明"]);
    assert_eq!(keys("@王明开会\n"), ["王明开会"]);
    assert_eq!(keys("@김철수와 @민수王\n"), ["김철수와", "민수"]);
    assert!(keys("email me@x.com\n").is_empty());
}

#[test]
fn spec2_mention_not_before_slash_paren_or_scheme() {
    assert!(keys("use @babel/core and @ApiProperty() and @host://x\n").is_empty());
    assert_eq!(keys("(@alice) and @bob, ok\n"), ["alice", "bob"]);
}

#[test]
fn spec2_mention_ignore_list() {
    assert_eq!(keys("@channel @here @everyone @all @Alice\n"), ["alice"]);
    let opts = ParseOptions {
        ignore: vec!["team".into()],
        ..ParseOptions::default()
    };
    let f = parse_note("n.md", "@team @channel\n", &opts);
    let k: Vec<_> = f.entries[0]
        .mentions
        .iter()
        .map(|m| m.key.as_str())
        .collect();
    assert_eq!(k, ["channel"]);
}

#[test]
fn spec2_mention_at_most_64_chars() {
    let ok = format!("@{}\n", "a".repeat(64));
    let long = format!("@{}\n", "a".repeat(65));
    assert_eq!(keys(&ok).len(), 1);
    assert!(keys(&long).is_empty());
    assert_eq!(keys(&format!("@{}...\n", "a".repeat(64))).len(), 1);
}

#[test]
fn spec2_no_mentions_in_comments_math_properties_macros() {
    let src = "a %% @c1 %% b @yes1\n\n%%\n@c2\n%%\n\nmath $@m1$ and $$@m2$$ @yes2\n\n- item\n  owner:: @p1\n- {{embed @mac}} @yes3\n";
    assert_eq!(keys(src), ["yes1", "yes2", "yes3"]);
    assert_eq!(keys("costs $12 and @bob $8\n"), ["bob"]);
}

#[test]
fn spec2_people_headers_list_items() {
    let f = parse(
        "n.md",
        "- [[Alice Chen]]\n  - talked about her promotion #got\n  - TODO send her the deck\n- @bob, @carol & @dan\n  - lunch\n- not a header @erin\n  - nested\n",
    );
    let of = |t: &str| -> Vec<String> {
        entry(&f, t)
            .mentions
            .iter()
            .map(|m| m.key.clone())
            .collect()
    };
    assert_eq!(of("promotion"), ["alice chen"]);
    assert_eq!(of("send her"), ["alice chen"]);
    assert_eq!(entry(&f, "send her").task, Some(Task::Open));
    assert_eq!(of("lunch"), ["bob", "carol", "dan"]);
    assert!(of("nested").is_empty());
}

#[test]
fn spec2_people_headers_headings() {
    let f = parse(
        "n.md",
        "## @alice\n\nmet for coffee\n\n### details\n\n- more\n\n## Other\n\nplain\n",
    );
    let of = |t: &str| -> Vec<String> {
        entry(&f, t)
            .mentions
            .iter()
            .map(|m| m.key.clone())
            .collect()
    };
    assert_eq!(of("coffee"), ["alice"]);
    assert_eq!(of("more"), ["alice"]);
    assert!(of("plain").is_empty());
}

#[test]
fn spec2_wikilink_heading_block_parts_and_embeds() {
    let f = parse("n.md", "see [[Alice Chen#Notes]] [[Bob#^b1]] ![[Carol]]\n");
    let k: Vec<_> = f.entries[0]
        .mentions
        .iter()
        .map(|m| m.key.as_str())
        .collect();
    assert_eq!(k, ["alice chen", "bob"]);
}

#[test]
fn spec2_at_wikilinks() {
    let f = parse("n.md", "met [[@Alice Chen]] and [[@12]] and [[@channel]]\n");
    let k: Vec<_> = f.entries[0]
        .mentions
        .iter()
        .map(|m| (m.key.as_str(), m.wikilink))
        .collect();
    assert_eq!(k, [("@Alice Chen", true)]);
}

#[test]
fn spec2_person_pages_by_folder_tag_and_namespace() {
    let opts = ParseOptions::default();
    assert!(parse_note("People/Alice Chen.md", "", &opts).page.is_some());
    assert!(parse_note("People/People.md", "", &opts).page.is_none());
    let p = parse_note("notes/Bob.md", "---\ntags: [person/friend]\n---\n", &opts);
    assert_eq!(p.page.unwrap().name.as_deref(), Some("Bob"));
    let p = parse_note(
        "pages/Dima.md",
        "tags:: person\nalias:: Dmitri, [[D]]\n\n- hi\n",
        &opts,
    );
    let page = p.page.unwrap();
    assert_eq!(page.aliases, ["dmitri", "d"]);
    let p = parse_note(
        "x/Eve.md",
        "---\ncategories: [\"[[People]]\"]\n---\n",
        &opts,
    );
    assert!(p.page.is_some());
    let p = parse_note("pages/people___Grace Hopper.md", "- hi\n", &opts);
    assert_eq!(p.page.unwrap().handle, "grace-hopper");
    assert!(
        parse_note("notes/x.md", "---\ntags: [personal]\n---\n", &opts)
            .page
            .is_none()
    );
}

#[test]
fn spec3_rule1_journal_link_at_the_start_dates_the_entry_and_its_children() {
    let f = parse(
        "n.md",
        "- [[2026-11-10]] coffee with @a\n  - talked @b\n- [[Nov 12th, 2026]] lunch @c\n",
    );
    assert_eq!(entry(&f, "coffee").date, Some(d("2026-11-10")));
    assert_eq!(entry(&f, "talked").date, Some(d("2026-11-10")));
    assert_eq!(entry(&f, "lunch").date, Some(d("2026-11-12")));
    assert!(entry(&f, "coffee").mentions.iter().all(|m| !m.wikilink));
}

#[test]
fn spec3_rule5_journal_link_elsewhere() {
    let f = parse("n.md", "- Met @ana on [[Nov 10th, 2026]]\n  - nested @b\n");
    assert_eq!(entry(&f, "Met").date, Some(d("2026-11-10")));
    assert_eq!(entry(&f, "Met").date_source, Some(DateSource::Link));
    assert_eq!(entry(&f, "nested").date, None);
    // On a journal page the page's day wins.
    let f = parse("journals/2026_11_20.md", "- Met @ana, see [[2026-11-10]]\n");
    assert_eq!(f.entries[0].date, Some(d("2026-11-20")));
    // On a person page rule 5 comes before the file's date.
    let f = parse(
        "people/ana.md",
        "---\ndate: 2020-01-01\n---\n- Met her on [[2026-11-10]]\n- bio\n",
    );
    assert_eq!(entry(&f, "Met").date, Some(d("2026-11-10")));
    assert_eq!(entry(&f, "bio").date, Some(d("2020-01-01")));
}

#[test]
fn spec11_obsidian_daily_note_format_dates_the_file() {
    let opts = ParseOptions {
        vault: settings::VaultSettings {
            daily: Some(settings::DailyNotes {
                folder: "Daily".into(),
                format: "DD.MM.YYYY".into(),
            }),
            ..settings::VaultSettings::default()
        },
        ..ParseOptions::default()
    };
    let f = parse_note("Daily/20.11.2026.md", "- met @a\n", &opts);
    assert_eq!(f.entries[0].date, Some(d("2026-11-20")));
    let f = parse_note("n.md", "- [[20.11.2026]] met @a\n", &opts);
    assert_eq!(f.entries[0].date, Some(d("2026-11-20")));
}

#[test]
fn spec11_logseq_journal_file_names() {
    let opts = ParseOptions {
        vault: settings::VaultSettings {
            logseq: Some(settings::LogseqJournals {
                journals_dir: "journals".into(),
                file_name_format: "yyyy-MM-dd-EEE".into(),
                page_title_format: "dd/MM/yyyy".into(),
            }),
            ..settings::VaultSettings::default()
        },
        ..ParseOptions::default()
    };
    let f = parse_note("journals/2026-11-20-Fri.md", "- met @a\n", &opts);
    assert_eq!(f.entries[0].date, Some(d("2026-11-20")));
    let f = parse_note("n.md", "- [[20/11/2026]] met @a\n", &opts);
    assert_eq!(f.entries[0].date, Some(d("2026-11-20")));
}

#[test]
fn spec4_new_task_states() {
    let f = parse(
        "2026-11-20.md",
        "- [/] half done @a\n- TODO call @b\n- LATER [#A] ask @c\n- WAITING @d to send the contract\n- DONE met @e\n- CANCELED lunch @f\n- [ ] cancelled @g ❌ 2026-11-21\n- [ ] @h owes me the slides #waiting\n- Later that day @i\n",
    );
    let state = |t: &str| entry(&f, t).task;
    assert_eq!(state("half done"), Some(Task::Open));
    assert_eq!(state("call"), Some(Task::Open));
    assert_eq!(state("ask"), Some(Task::Open));
    assert_eq!(entry(&f, "ask").text, "ask @c");
    assert_eq!(state("contract"), Some(Task::Waiting));
    assert_eq!(state("met"), Some(Task::Done));
    assert_eq!(state("lunch"), Some(Task::Cancelled));
    assert_eq!(state("cancelled"), Some(Task::Cancelled));
    assert_eq!(state("slides"), Some(Task::Waiting));
    assert_eq!(entry(&f, "slides").text, "@h owes me the slides #waiting");
    assert_eq!(state("Later that day"), None);
    assert!(entry(&f, "call").mentions.iter().any(|m| m.key == "b"));
}

#[test]
fn spec5_logseq_scheduled_deadline_and_logbook() {
    let f = parse(
        "2026-11-20.md",
        "- TODO call @bob\n  SCHEDULED: <2026-11-25 Wed>\n  :LOGBOOK:\n  CLOCK: [2026-11-20 Fri 10:00] @x\n  :END:\n- TODO send @carol\n  DEADLINE: <2026-11-27 Fri 10:00 .+1w>\n  SCHEDULED: <2026-11-26 Thu>\n",
    );
    assert_eq!(entry(&f, "call").due, Some(d("2026-11-25")));
    assert_eq!(entry(&f, "call").text, "call @bob");
    assert_eq!(entry(&f, "send").due, Some(d("2026-11-27")));
    assert!(f
        .entries
        .iter()
        .all(|e| e.mentions.iter().all(|m| m.key != "x")));
}

#[test]
fn spec11_journal_link_is_the_due_date_of_an_undated_open_task() {
    let f = parse(
        "2026-11-20.md",
        "- TODO call [[@Bob]] [[Nov 25th, 2026]]\n- [ ] x @c [[2026-11-26]] due:2026-12-01\n",
    );
    assert_eq!(f.entries[0].due, Some(d("2026-11-25")));
    assert_eq!(f.entries[0].date, Some(d("2026-11-20")));
    assert_eq!(f.entries[1].due, Some(d("2026-12-01")));
}

#[test]
fn spec5_relative_due_too_large_is_a_warning() {
    let f = parse("2026-11-20.md", "- [ ] x @a due:+999999999y\n");
    assert_eq!(f.entries[0].due, None);
    assert!(
        f.diagnostics
            .iter()
            .any(|d| d.message.contains("too large")),
        "{:?}",
        f.diagnostics
    );
}

#[test]
fn spec11_obsidian_callouts() {
    let f = parse("n.md", "> [!note] Lunch with @alice\n> talked about @bob\n");
    let texts: Vec<_> = f.entries.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["Lunch with @alice", "talked about @bob"]);
    assert_eq!(f.entries[1].line, 2);
    let f = parse("n.md", "> [!note] 2026-11-20 lunch with @alice\n");
    assert_eq!(f.entries[0].date, Some(d("2026-11-20")));
}

#[test]
fn spec11_logseq_page_properties_are_not_text_and_front_matter_wins() {
    let f = parse_note(
        "people/x.md",
        "---\nname: From FM\n---\nname:: From props\nbirthday:: 1985-11-25\n\n- hello\n",
        &ParseOptions::default(),
    );
    let p = f.page.unwrap();
    assert_eq!(p.name.as_deref(), Some("From FM"));
    assert_eq!(p.birthday.as_deref(), Some("1985-11-25"));
    assert!(f.entries.iter().all(|e| !e.text.contains("props")));
}

#[test]
fn spec11_vault_settings_set_after_first_use_still_count() {
    let mut opts = ParseOptions::default();
    assert_eq!(
        parse_note("n.md", "- [[20.11.2026]] met @a\n", &opts).entries[0].date,
        None
    );
    opts.vault.daily = Some(settings::DailyNotes {
        folder: String::new(),
        format: "DD.MM.YYYY".into(),
    });
    let f = parse_note("n.md", "- [[20.11.2026]] met @a\n", &opts);
    assert_eq!(f.entries[0].date, Some(d("2026-11-20")));
}
