//! The notes' syntax of SPEC v1.1 end to end, on small temp folders written
//! the way Obsidian and Logseq users write: task states and waiting tasks,
//! people headers, page properties, namespaced and tagged person pages,
//! journal links, comments and callouts, and odd but valid front matter.
//! Values are derived by hand from the notes written here.

use serde_json::Value;

use crate::util::{handles, person, Vault};

fn logseq_graph() -> Vault {
    Vault::with_files(&[
        (
            "pages/people___Grace Hopper.md",
            "alias:: Amazing Grace\nbirthday:: 12-09\n\n- Met her on [[Nov 10th, 2026]] #got\n",
        ),
        (
            "pages/Dima.md",
            "- type:: [[Person]]\n  alias:: Dmitri\n- bio line\n",
        ),
        (
            "journals/2026_11_20.md",
            "- [[Grace Hopper]]\n  - talked about compilers #gave\n  - TODO send her the paper\n    SCHEDULED: <2026-11-22 Sun>\n- WAITING @dmitri to send the contract\n  DEADLINE: <2026-11-21 Sat>\n- DONE lunch with @dima\n  :LOGBOOK:\n  CLOCK: [2026-11-20 Fri 12:00] @ghost\n  :END:\n- Later that day @erin called\n- {{embed [[x]] @erin}} after\n- CANCELED drinks with @erin\n",
        ),
    ])
}

fn reminders(v: &Vault) -> Vec<(String, String, String, String)> {
    let due = v.json(&["due", "--within", "30d"]);
    due["reminders"]
        .as_array()
        .expect("reminders")
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
            (
                s("kind"),
                s("due"),
                s("text"),
                r["people"][0].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn spec11_logseq_graph_people_tasks_and_properties() {
    let v = logseq_graph();
    let people = &v.json(&["people"]);
    assert_eq!(handles(people), ["dima", "erin", "grace-hopper"]);
    let grace = person(people, "grace-hopper").expect("grace");
    assert_eq!(grace["name"], "Grace Hopper");
    assert_eq!(grace["birthday"], "12-09");
    // The dated link on her page, her header on a journal page and the
    // nested item under it.
    assert_eq!(grace["interactions"], 3);
    assert_eq!(
        (grace["gave"].as_u64(), grace["got"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(grace["first_contact"], "2026-11-10");
    let dima = person(people, "dima").expect("dima");
    assert_eq!(dima["aliases"], serde_json::json!(["dmitri"]));
    // The DONE lunch; the WAITING task is no interaction.
    assert_eq!(dima["interactions"], 1);
    let erin = person(people, "erin").expect("erin");
    assert_eq!(
        erin["interactions"], 1,
        "prose 'Later', not the macro, not the cancelled task"
    );
    assert_eq!(erin["mentions"], 2);
    let r = reminders(&v);
    assert_eq!(r.len(), 3, "{r:?}");
    assert_eq!(
        r[..2],
        [
            (
                "waiting".into(),
                "2026-11-21".into(),
                "@dmitri to send the contract".into(),
                "dima".into()
            ),
            (
                "commitment".into(),
                "2026-11-22".into(),
                "send her the paper".into(),
                "grace-hopper".into()
            ),
        ]
    );
    assert_eq!(
        (r[2].0.as_str(), r[2].1.as_str()),
        ("birthday", "2026-12-09")
    );
    let report = v.json(&["report"]);
    let waiting: Vec<&Value> = report["waiting"]
        .as_array()
        .expect("waiting")
        .iter()
        .collect();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["file"], "journals/2026_11_20.md");
    assert_eq!(waiting[0]["line"], 5);
    let md = v.ok(&["report"]).stdout;
    let waiting_on = md
        .split("## Waiting on")
        .nth(1)
        .expect("a Waiting on section");
    assert!(waiting_on.contains("@dmitri to send the contract"), "{md}");
}

#[test]
fn spec11_obsidian_vault_syntax() {
    let v = Vault::with_files(&[
        ("People/Alice Chen.md", "---\naliases: [Ali]\n---\n# Alice\n"),
        ("People/People.md", "Index of people\n"),
        (
            "Daily/2026-11-18.md",
            "> [!note] Coffee with [[Alice Chen]] #gave\n> she asked about @bob\n\n%% private: @secret %%\n- [ ] Send [[Alice Chen#Notes]] the slides 📅 2026-11-25 ➕ 2026-11-18\n- [/] half-done intro for @ali #intro\n- Lunch @12:30 with no one, npm @babel/core, @ApiProperty() and @channel\n- costs $12 and $8 for @bob\n",
        ),
        ("broken.md", "---\ntitle: a thematic break, not front matter\n\n- 2026-11-18 met @carol\n"),
        ("list.md", "---\n- a\n- b\n---\n- 2026-11-18 met @carol\n"),
    ]);
    let people = &v.json(&["people"]);
    assert_eq!(handles(people), ["alice-chen", "bob", "carol"]);
    let alice = person(people, "alice-chen").expect("alice");
    assert_eq!(alice["name"], "Alice Chen");
    assert_eq!(
        (alice["interactions"].as_u64(), alice["gave"].as_u64()),
        (Some(1), Some(1))
    );
    let bob = person(people, "bob").expect("bob");
    assert_eq!(bob["interactions"], 2, "the callout body and the $ line");
    assert_eq!(person(people, "carol").expect("carol")["interactions"], 2);
    let due = v.json(&["due", "--within", "7d"]);
    assert_eq!(
        due["reminders"][0]["text"],
        "Send Alice Chen#Notes the slides"
    );
    assert_eq!(due["reminders"][0]["people"][0], "alice-chen");
    assert_eq!(due["reminders"][0]["due"], "2026-11-25");
    let check = v.run(&["check"]);
    check.assert_code(0);
    assert!(
        check
            .stdout
            .contains("list.md:2:1: warning: front matter is ignored"),
        "{}",
        check.stdout
    );
}
