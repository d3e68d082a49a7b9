//! `relnotes check`: every problem in the notes as `path:line:col: severity:
//! message`, plus likely typos of handles (`@alcie` near `@alice`).

use rustc_hash::FxHashMap;

use crate::config::Config;
use crate::model::{Diagnostic, Severity};
use crate::vault::Vault;

/// Optimal string alignment distance ≤ 1: one insertion, deletion,
/// substitution or transposition.
pub(crate) fn near(a: &str, b: &str) -> bool {
    a.len().abs_diff(b.len()) <= 4
        && a.chars().count().abs_diff(b.chars().count()) <= 1
        && strsim::osa_distance(a, b) <= 1
}

/// `s` and every string made by deleting one of its characters.
pub(crate) fn deletions(s: &str) -> Vec<String> {
    let mut out = vec![s.to_string()];
    for (i, c) in s.char_indices() {
        let mut v = String::with_capacity(s.len());
        v.push_str(&s[..i]);
        v.push_str(&s[i + c.len_utf8()..]);
        out.push(v);
    }
    out
}

/// Calls `f` with `s` and every string made by deleting one of its
/// characters, built in one reused buffer.
fn each_deletion(s: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    f(s);
    for (i, c) in s.char_indices() {
        buf.clear();
        buf.push_str(&s[..i]);
        buf.push_str(&s[i + c.len_utf8()..]);
        f(buf);
    }
}

/// One person as the typo check sees them.
#[derive(Clone, Copy)]
struct Known<'v> {
    handle: &'v str,
    page: bool,
    /// Entries that mention them.
    count: u32,
    aliases: &'v [String],
}

impl Known<'_> {
    /// A handle that may be a typo: no page, no alias, four characters or
    /// more.
    fn suspect(&self) -> bool {
        !self.page && self.aliases.is_empty() && self.handle.chars().count() >= 4
    }

    /// The handle and the aliases: what a typo may be near.
    fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.handle).chain(self.aliases.iter().map(String::as_str))
    }

    /// Whether `self` is a better-known person that `h` may misspell.
    fn explains(&self, h: &Known<'_>) -> bool {
        self.handle != h.handle
            && (self.page || self.count > h.count)
            && self.names().any(|n| near(h.handle, n))
    }
}

/// Handles mentioned only a little, with no page and no alias claim, that sit
/// one edit away from a better-known person.
pub fn typos(vault: &Vault) -> Vec<Diagnostic> {
    let mut counts: FxHashMap<&str, u32> = FxHashMap::default();
    for per_note in &vault.resolved {
        for e in per_note {
            for &id in &e.mentioned {
                *counts.entry(vault.handle(id)).or_default() += 1;
            }
        }
    }
    let known: Vec<Known<'_>> = vault
        .people
        .values()
        .map(|p| Known {
            handle: p.handle.as_str(),
            page: p.page.is_some(),
            count: counts.get(p.handle.as_str()).copied().unwrap_or(0),
            aliases: p.aliases.as_slice(),
        })
        .collect();
    drop(counts);
    let suspects: Vec<usize> = (0..known.len()).filter(|&i| known[i].suspect()).collect();
    // Only someone with a page, or mentioned more than the least mentioned
    // suspect, can explain a typo.
    let least = suspects.iter().map(|&i| known[i].count).min();
    let targets: Vec<usize> = match least {
        None => Vec::new(),
        Some(least) => (0..known.len())
            .filter(|&i| known[i].page || known[i].count > least)
            .collect(),
    };
    let best = explained(&known, &suspects, &targets);
    let suspects: FxHashMap<&str, &str> = best
        .into_iter()
        .map(|(s, t)| (known[s].handle, known[t].handle))
        .collect();
    let mut out = Vec::new();
    for note in &vault.notes {
        for e in &note.entries {
            for m in e.mentions.iter().filter(|m| !m.wikilink) {
                if let Some(target) = suspects.get(m.key.as_str()) {
                    out.push(Diagnostic::warning(
                        &note.path,
                        m.line,
                        m.col,
                        format!("@{} looks like a typo of @{target}", m.key),
                    ));
                }
            }
        }
    }
    out
}

/// For each suspect (indexes into `known`) that some target explains, the
/// first such target in `known`'s order. Two strings within one edit
/// (insert, delete, substitute, transpose) share the string itself or a
/// one-character deletion of it (symmetric delete): the deletions of the
/// smaller side are indexed and the other side's looked up, so the work
/// is linear in the names, and the memory in the smaller side.
fn explained(known: &[Known<'_>], suspects: &[usize], targets: &[usize]) -> Vec<(usize, usize)> {
    let mut buf = String::new();
    let index = |side: &[usize], with_aliases: bool, buf: &mut String| {
        let mut variants: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        for &i in side {
            let k = &known[i];
            let names: Vec<&str> = if with_aliases {
                k.names().collect()
            } else {
                vec![k.handle]
            };
            for name in names {
                each_deletion(name, buf, |v| {
                    let slot = variants.entry(v.to_string()).or_default();
                    if slot.last() != Some(&i) {
                        slot.push(i);
                    }
                });
            }
        }
        variants
    };
    let mut best: Vec<(usize, usize)> = Vec::new();
    if suspects.len() <= targets.len() {
        // Index the suspects; visit the targets in order, so the first
        // target that explains a suspect is the first in `known`.
        let variants = index(suspects, false, &mut buf);
        let mut found: FxHashMap<usize, usize> = FxHashMap::default();
        let mut hits: Vec<usize> = Vec::new();
        for &t in targets {
            hits.clear();
            for name in known[t].names() {
                each_deletion(name, &mut buf, |v| {
                    hits.extend(variants.get(v).into_iter().flatten().copied());
                });
            }
            hits.sort_unstable();
            hits.dedup();
            for &s in &hits {
                if !found.contains_key(&s) && known[t].explains(&known[s]) {
                    found.insert(s, t);
                }
            }
        }
        best.extend(found);
    } else {
        // Index the targets; for each suspect, the first candidate.
        let variants = index(targets, true, &mut buf);
        let mut candidates: Vec<usize> = Vec::new();
        for &s in suspects {
            candidates.clear();
            each_deletion(known[s].handle, &mut buf, |v| {
                candidates.extend(variants.get(v).into_iter().flatten().copied());
            });
            candidates.sort_unstable();
            candidates.dedup();
            if let Some(&t) = candidates.iter().find(|&&t| known[t].explains(&known[s])) {
                best.push((s, t));
            }
        }
    }
    best
}

/// A warning when people are mentioned but no note is a person page
/// (SPEC §7), naming what was looked for, so a misnamed folder is seen.
/// It stands on the people folder, whether or not that exists.
pub fn no_person_pages(vault: &Vault, cfg: &Config) -> Option<Diagnostic> {
    if vault.people.is_empty() || vault.people.values().any(|p| p.page.is_some()) {
        return None;
    }
    let dir = &cfg.parse.people_dir;
    let tags: Vec<String> = cfg
        .parse
        .person_tags
        .iter()
        .map(|t| format!("`{t}`"))
        .collect();
    Some(Diagnostic::warning(
        &format!("{dir}/"),
        0,
        0,
        format!(
            "{} people mentioned but no person pages: no notes under `{dir}/` (in any case) \
             and none tagged {} in `tags`, `type` or `categories`; set `people_dir` in \
             .relnotes.toml if your people live elsewhere",
            vault.people.len(),
            tags.join(", ")
        ),
    ))
}

/// All diagnostics sorted by path, line, column; and whether any is an error.
pub fn collect(mut diags: Vec<Diagnostic>, vault: &Vault, cfg: &Config) -> (Vec<Diagnostic>, bool) {
    diags.extend(
        vault
            .notes
            .iter()
            .flat_map(|n| n.diagnostics.iter().cloned()),
    );
    diags.extend(vault.diagnostics.iter().cloned());
    diags.extend(typos(vault));
    diags.extend(no_person_pages(vault, cfg));
    diags.sort();
    diags.dedup();
    let errors = diags.iter().any(|d| d.severity == Severity::Error);
    (diags, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typo warnings of `(path, text)` pairs, as `line: message`.
    fn typo_lines(files: &[(&str, &str)]) -> Vec<String> {
        let v = crate::vault::tests::vault(files, &Config::default());
        typos(&v)
            .into_iter()
            .map(|d| format!("{}:{}: {}", d.path, d.line, d.message))
            .collect()
    }

    #[test]
    fn spec7_typos_found_from_either_side() {
        // Fewer suspects than people who may explain them: the suspects
        // are indexed.
        let few = typo_lines(&[
            ("people/alice.md", "# Alice\n"),
            ("people/bob.md", "# Bob\n"),
            ("people/carol.md", "# Carol\n"),
            ("a.md", "- met @alcie\n- met @dave and @dave\n"),
        ]);
        assert_eq!(few, ["a.md:1: @alcie looks like a typo of @alice"]);
        // More suspects than explainers: the explainers are indexed; the
        // first in handle order wins, a page or more mentions is needed.
        let many = typo_lines(&[
            ("people/mara.md", "# Mara\n"),
            ("people/marc.md", "# Marc\n"),
            (
                "a.md",
                "- met @marx\n- met @mark\n- met @zzzz\n- met @yyyy\n",
            ),
        ]);
        assert_eq!(
            many,
            [
                "a.md:1: @marx looks like a typo of @mara",
                "a.md:2: @mark looks like a typo of @mara"
            ]
        );
    }

    #[test]
    fn spec7_typo_distance() {
        assert!(near("alcie", "alice"));
        assert!(near("alic", "alice"));
        assert!(near("alixe", "alice"));
        assert!(!near("bob", "alice"));
        assert!(!near("alicia", "alice-chen"));
    }
}
