//! The two vault shapes that break a journal tool built for a few hundred
//! people, written deterministically for the scale benchmark: a vault that
//! keeps a page per contact (200,000 person pages in the people folder, with
//! front matter, and a modest journal mentioning some of them), and one
//! note naming 200,000 distinct people. The same size always writes the
//! same bytes.

use std::fmt::Write as _;
use std::path::Path;

use crate::corpus::{Rng, Written};

const FIRST: &[&str] = &[
    "Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jia", "Kai", "Lior", "Mila",
    "Nils", "Oda", "Pau", "Rui", "Saba", "Teo", "Ugo",
];
const CIRCLES: &[&str] = &["client", "peer", "friend", "family", "vendor"];
const KINDS: &[&str] = &["", "", "", "#gave", "#got", "#intro", "#helped"];

/// The `i`-th contact's display name: distinct for every `i`.
pub fn contact_name(i: usize) -> String {
    format!("{} Contact {i:06}", FIRST[i % FIRST.len()])
}

/// The `i`-th contact's handle (the slug of their name).
pub fn contact_handle(i: usize) -> String {
    contact_name(i).to_lowercase().replace(' ', "-")
}

fn write(dir: &Path, rel: &str, text: &str, w: &mut Written) {
    let path = dir.join(rel);
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).unwrap();
    }
    std::fs::write(path, text).unwrap();
    w.notes += 1;
    w.bytes += text.len();
}

/// `people` person pages under `people/` (front matter: name, circles,
/// org, email; some aliases, birthdays and cadences, as an export from a
/// phone or a CRM has), and `journal` daily notes mentioning a few of them
/// each, some with tasks.
pub fn contacts(dir: &Path, people: usize, journal: usize, seed: u64) -> Written {
    let mut rng = Rng::new(seed);
    let mut w = Written {
        people,
        ..Written::default()
    };
    let mut s = String::new();
    for i in 0..people {
        s.clear();
        let name = contact_name(i);
        let _ = writeln!(s, "---\nname: {name}");
        if i % 20 == 0 {
            let _ = writeln!(s, "aliases: [contact{i}]");
        }
        let _ = writeln!(s, "circles: [{}]", CIRCLES[i % CIRCLES.len()]);
        if i % 200 == 0 {
            let _ = writeln!(s, "cadence: {}m", 1 + rng.below(6));
        }
        if i % 10 == 0 {
            let _ = writeln!(
                s,
                "birthday: {:02}-{:02}",
                1 + rng.below(12),
                1 + rng.below(28)
            );
        }
        let _ = writeln!(
            s,
            "org: Org {}\nemail: c{i}@example.com\nphone: +1 555 {i:07}\n---\n# {name}\n\nImported contact.",
            i % 997
        );
        write(dir, &format!("people/{name}.md"), &s, &mut w);
    }
    let hot = people.clamp(1, 5_000);
    for k in 0..journal {
        s.clear();
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
            - chrono::Duration::days(k as i64);
        let _ = writeln!(s, "# {d}\n");
        for _ in 0..(3 + rng.below(5)) {
            // Most of the journal is about a few thousand people; now and
            // then someone from the long tail.
            let who = if rng.chance(80) {
                rng.below(hot)
            } else {
                rng.below(people)
            };
            w.mentions += 1;
            let kind = KINDS[rng.below(KINDS.len())];
            if rng.chance(10) {
                let _ = writeln!(
                    s,
                    "- [ ] send @{} the notes due:+{}d",
                    contact_handle(who),
                    1 + rng.below(14)
                );
            } else {
                let _ = writeln!(
                    s,
                    "- Call with @{} about the renewal {kind}",
                    contact_handle(who)
                );
            }
        }
        write(dir, &format!("journal/{d}.md"), &s, &mut w);
    }
    w
}

/// One daily note naming `mentions` distinct people (ten to a list item),
/// none of whom has a page, and a page for one of them.
pub fn crowd(dir: &Path, mentions: usize) -> Written {
    let mut w = Written {
        people: mentions,
        mentions,
        ..Written::default()
    };
    let mut s = String::with_capacity(mentions * 24);
    s.push_str("# 2026-11-22 conference\n\n");
    for i in 0..mentions {
        if i % 10 == 0 {
            s.push_str(if i > 0 { "\n- Met " } else { "- Met " });
        } else {
            s.push_str(", ");
        }
        let _ = write!(s, "@guest-{i:06}");
        if i % 1000 == 999 {
            s.push_str(" #gave");
        }
    }
    s.push_str("\n- [ ] write to @guest-000001 due:+3d\n");
    write(dir, "journal/2026-11-22.md", &s, &mut w);
    write(
        dir,
        "people/Guest 000001.md",
        "---\nname: Guest 000001\ncadence: 1m\n---\n- 2026-10-01 first call #got\n",
        &mut w,
    );
    w
}
