//! A deterministic, seeded generator of realistic note folders for the
//! benchmarks and the differential tests: daily notes (several path styles),
//! meeting notes with front matter, person pages with front matter, tasks,
//! code blocks, emails and URLs, with Zipf-like mention frequencies.
//! The same seed always writes the same bytes.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

/// splitmix64: tiny, fast, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// Samples ranks with probability ∝ 1 / rank^s.
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Zipf {
        let mut acc = 0.0;
        let cumulative = (1..=n)
            .map(|k| {
                acc += 1.0 / (k as f64).powf(s);
                acc
            })
            .collect();
        Zipf { cumulative }
    }
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().unwrap_or(&1.0);
        let x = (rng.next() as f64 / u64::MAX as f64) * total;
        self.cumulative
            .partition_point(|&c| c < x)
            .min(self.cumulative.len() - 1)
    }
}

const FIRST: &[&str] = &[
    "Alice", "Bob", "Carol", "Dana", "Erin", "Farid", "Grace", "Hiro", "Ines", "Jon", "Kemi",
    "Lena", "Marco", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Vik", "Wen",
    "Xavi", "Yara", "Zoë",
];
const LAST: &[&str] = &[
    "Chen", "Okafor", "Díaz", "Smith", "Novak", "Haddad", "Kim", "Tanaka", "Silva", "Berg",
    "Adeyemi", "Rossi", "Müller", "Patel", "Nguyen", "Kowalski", "Larsen", "Moreau", "Ivanova",
    "Costa",
];
const VERBS: &[&str] = &[
    "Coffee with",
    "Call with",
    "Lunch with",
    "Quick sync with",
    "Walked through the roadmap with",
    "Reviewed the draft from",
    "Pair-programmed with",
    "Caught up with",
    "Met",
    "Emailed",
];
const TOPICS: &[&str] = &[
    "the hiring plan",
    "their conference talk",
    "the Q3 budget",
    "a career move",
    "the new API",
    "an investor intro",
    "the onboarding doc",
    "a reading list",
    "the migration",
    "their side project",
];
const GAVE: &[&str] = &[
    "#gave",
    "#helped",
    "#intro",
    "#referral",
    "#advice",
    "#gift",
];
const GOT: &[&str] = &["#got", "#asked", "#favor"];
const CIRCLES: &[&str] = &["mentor", "client", "peer", "friend", "investor"];

/// One generated person.
pub struct GenPerson {
    pub name: String,
    pub handle: String,
    pub page: bool,
}

fn slug(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

/// What was written, for reporting.
#[derive(Debug, Default, Clone, Copy)]
pub struct Written {
    pub notes: usize,
    pub bytes: usize,
    pub mentions: usize,
    pub people: usize,
}

fn date_back(days: i64) -> (i32, u32, u32) {
    // Days before 2026-11-22 in the proleptic Gregorian calendar.
    let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap() - chrono::Duration::days(days);
    use chrono::Datelike;
    (d.year(), d.month(), d.day())
}

/// Writes a corpus of `notes` notes naming `people` people into `dir`.
pub fn generate(dir: &Path, notes: usize, people: usize, seed: u64) -> Written {
    let mut rng = Rng::new(seed);
    let mut w = Written::default();
    let mut folk: Vec<GenPerson> = Vec::with_capacity(people);
    for i in 0..people {
        let name = format!(
            "{} {}{}",
            FIRST[i % FIRST.len()],
            LAST[(i / FIRST.len()) % LAST.len()],
            if i >= FIRST.len() * LAST.len() {
                format!(" {}", i / (FIRST.len() * LAST.len()))
            } else {
                String::new()
            }
        );
        let handle = slug(&name);
        folk.push(GenPerson {
            name,
            handle,
            page: i % 5 < 2,
        });
    }
    // Shuffle ranks so page people are spread over the frequency curve.
    let zipf = Zipf::new(people.max(1), 1.05);
    let pages: Vec<usize> = (0..people).filter(|&i| folk[i].page).collect();
    let n_pages = pages.len().min(notes / 5);
    let write = |rel: String, text: String, w: &mut Written| {
        let path = dir.join(&rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).unwrap();
        }
        w.bytes += text.len();
        w.notes += 1;
        std::fs::write(path, text).unwrap();
    };
    let mention = |rng: &mut Rng, w: &mut Written| -> String {
        let p = &folk[zipf.sample(rng)];
        w.mentions += 1;
        if rng.chance(8) {
            format!("[[{}]]", p.name)
        } else {
            format!("@{}", p.handle)
        }
    };

    for &i in pages.iter().take(n_pages) {
        let p = &folk[i];
        let mut s = String::new();
        let _ = writeln!(s, "---\nname: {}", p.name);
        if rng.chance(30) {
            let _ = writeln!(s, "aliases: [{}]", p.handle.replace('-', ""));
        }
        let _ = writeln!(s, "circles: [{}]", rng.pick(CIRCLES));
        if rng.chance(30) {
            let _ = writeln!(s, "cadence: {}{}", 1 + rng.below(8), rng.pick(&["w", "m"]));
        }
        if rng.chance(40) {
            let _ = writeln!(
                s,
                "birthday: {:02}-{:02}",
                1 + rng.below(12),
                1 + rng.below(28)
            );
        }
        let _ = writeln!(
            s,
            "org: {} Corp\nemail: {}@example.com\n---",
            rng.pick(LAST),
            p.handle
        );
        let _ = writeln!(
            s,
            "# {}\n\nWorks on {}. Met through {}.\n",
            p.name,
            rng.pick(TOPICS),
            mention(&mut rng, &mut w)
        );
        for _ in 0..rng.below(6) {
            let (y, m, d) = date_back(rng.below(700) as i64);
            let kind = if rng.chance(30) {
                rng.pick(GAVE)
            } else if rng.chance(20) {
                rng.pick(GOT)
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "- {y}-{m:02}-{d:02} talked about {} {kind}",
                rng.pick(TOPICS)
            );
        }
        if rng.chance(20) {
            let _ = writeln!(s, "- [ ] send the notes on {} due:+1w", rng.pick(TOPICS));
        }
        write(format!("people/{}.md", p.name), s, &mut w);
    }

    let rest = notes.saturating_sub(n_pages);
    for k in 0..rest {
        let mut s = String::new();
        let meeting = k % 7 == 6;
        let (y, m, d) = date_back((k / 2) as i64 + if meeting { 1 } else { 0 });
        let rel = if meeting {
            let _ = writeln!(s, "---\ndate: {y}-{m:02}-{d:02}\ntitle: meeting {k}\n---");
            format!("meetings/{y}/meeting {k}.md")
        } else {
            match k % 4 {
                0 => format!("journal/{y}/{y}-{m:02}-{d:02} {k}.md"),
                1 => format!("journal/{y}/{m:02}/{d:02}.md"),
                2 => format!("journals/{y}_{m:02}_{d:02}.md"),
                _ => format!("daily/daily.journal.{y}.{m:02}.{d:02}.md"),
            }
        };
        let _ = writeln!(s, "# Notes {y}-{m:02}-{d:02}\n");
        let sections = 2 + rng.below(3);
        for sec in 0..sections {
            if sec > 0 {
                let (y2, m2, d2) = date_back((k / 2) as i64 + sec as i64);
                let _ = writeln!(s, "\n## {y2}-{m2:02}-{d2:02} follow-ups\n");
            }
            for _ in 0..(2 + rng.below(5)) {
                let verb = rng.pick(VERBS);
                let who = mention(&mut rng, &mut w);
                let kind = if rng.chance(15) {
                    rng.pick(GAVE)
                } else if rng.chance(12) {
                    rng.pick(GOT)
                } else {
                    ""
                };
                if rng.chance(10) {
                    let due = if rng.chance(50) {
                        format!("due:+{}d", 1 + rng.below(14))
                    } else {
                        format!("📅 {y}-{m:02}-{:02}", 1 + rng.below(28))
                    };
                    let _ = writeln!(s, "- [ ] Send {who} {} {due}", rng.pick(TOPICS));
                } else if rng.chance(6) {
                    let _ = writeln!(
                        s,
                        "- [x] Followed up with {who} on {} ✅ {y}-{m:02}-{d:02} {kind}",
                        rng.pick(TOPICS)
                    );
                } else {
                    let also = if rng.chance(35) {
                        format!(" and {}", mention(&mut rng, &mut w))
                    } else {
                        String::new()
                    };
                    let _ = writeln!(s, "- {verb} {who}{also} about {} {kind}", rng.pick(TOPICS));
                    if rng.chance(25) {
                        let _ = writeln!(
                            s,
                            "  - they mentioned {} and wrote from someone@example.com",
                            rng.pick(TOPICS)
                        );
                    }
                }
            }
            if rng.chance(15) {
                let _ = writeln!(
                    s,
                    "\n```sh\ngit log --author=@{} | head\n```\n",
                    folk[rng.below(people)].handle
                );
            }
            if rng.chance(95) {
                let _ = writeln!(
                    s,
                    "\nRead https://example.com/@{} and `@{}` later. Some prose to make the note a realistic size: \
                     we talked about how to keep most touchpoints about the other person, give first, and follow up. \
                     Next time ask about the team offsite, the book they recommended and how the move went; \
                     remember to send the slides and the two links from the meetup. \
                     Open questions: whether the pilot goes ahead in spring, who owns the budget now, \
                     and what a good first step would be for the partnership we sketched.\n",
                    folk[rng.below(people)].handle,
                    folk[rng.below(people)].handle
                );
            }
        }
        write(rel, s, &mut w);
    }
    w.people = people;
    w
}
