//! `relnotes check`: every problem in the notes as `path:line:col: severity:
//! message`, plus likely typos of handles (`@alcie` near `@alice`).

use std::collections::HashMap;

use crate::model::{Diagnostic, Severity};
use crate::vault::Vault;

/// Optimal string alignment distance ≤ 1: one insertion, deletion,
/// substitution or transposition.
fn near(a: &str, b: &str) -> bool {
    a.len().abs_diff(b.len()) <= 4
        && a.chars().count().abs_diff(b.chars().count()) <= 1
        && strsim::osa_distance(a, b) <= 1
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
    let mut suspects: HashMap<&str, &str> = HashMap::new();
    for &(h, page, n, aliases) in &known {
        if page || !aliases.is_empty() || h.chars().count() < 4 {
            continue;
        }
        let best = known
            .iter()
            .filter(|&&(o, opage, on, _)| o != h && (opage || on > n))
            .find(|&&(o, _, _, oal)| near(h, o) || oal.iter().any(|al| near(h, al)));
        if let Some(&(o, ..)) = best {
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

/// All diagnostics sorted by path, line, column; and whether any is an error.
pub fn collect(mut diags: Vec<Diagnostic>, vault: &Vault) -> (Vec<Diagnostic>, bool) {
    diags.extend(
        vault
            .notes
            .iter()
            .flat_map(|n| n.diagnostics.iter().cloned()),
    );
    diags.extend(vault.diagnostics.iter().cloned());
    diags.extend(typos(vault));
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
