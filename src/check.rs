//! `relnotes check`: every problem in the notes as `path:line:col: severity:
//! message`, plus likely typos of handles (`@alcie` near `@alice`).

use std::collections::HashMap;

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

/// Handles mentioned only a little, with no page and no alias claim, that sit
/// one edit away from a better-known person.
pub fn typos(vault: &Vault) -> Vec<Diagnostic> {
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for per_note in &vault.resolved {
        for e in per_note {
            for &id in &e.mentioned {
                *counts.entry(vault.handle(id)).or_default() += 1;
            }
        }
    }
    let known: Vec<(&str, bool, u32, &[String])> = vault
        .people
        .values()
        .map(|p| {
            (
                p.handle.as_str(),
                p.page.is_some(),
                counts.get(p.handle.as_str()).copied().unwrap_or(0),
                p.aliases.as_slice(),
            )
        })
        .collect();
    // Symmetric-delete index: two strings within one edit (insert, delete,
    // substitute, transpose) share the string itself or a one-character
    // deletion of it. Only those pairs are compared: linear, not quadratic.
    let mut variants: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (i, &(o, _, _, aliases)) in known.iter().enumerate() {
        for name in std::iter::once(o).chain(aliases.iter().map(String::as_str)) {
            for v in deletions(name) {
                let slot = variants.entry(v).or_default();
                if slot.last() != Some(&i) {
                    slot.push(i);
                }
            }
        }
    }
    let mut suspects: HashMap<&str, &str> = HashMap::new();
    for &(h, page, n, aliases) in &known {
        if page || !aliases.is_empty() || h.chars().count() < 4 {
            continue;
        }
        let mut candidates: Vec<usize> = deletions(h)
            .iter()
            .filter_map(|v| variants.get(v))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let best = candidates
            .into_iter()
            .map(|i| known[i])
            .filter(|&(o, opage, on, _)| o != h && (opage || on > n))
            .find(|&(o, _, _, oal)| near(h, o) || oal.iter().any(|al| near(h, al)));
        if let Some((o, ..)) = best {
            suspects.insert(h, o);
        }
    }
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

    #[test]
    fn spec7_typo_distance() {
        assert!(near("alcie", "alice"));
        assert!(near("alic", "alice"));
        assert!(near("alixe", "alice"));
        assert!(!near("bob", "alice"));
        assert!(!near("alicia", "alice-chen"));
    }
}
