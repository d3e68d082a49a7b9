//! All notes' facts put together: who the people are (pages, handles,
//! aliases, names) and whom each entry is with (SPEC §2). Conflicting claims
//! are resolved here, first path in byte order winning, and reported.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::config::Config;
use crate::model::{Diagnostic, NoteFacts};
use crate::parse::path::{link_key, slug};

/// A person, from a page, a mention, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub handle: String,
    pub name: Option<String>,
    /// Every alias that resolves to this person, sorted.
    pub aliases: Vec<String>,
    pub circles: Vec<String>,
    /// The person page, relative to the root.
    pub page: Option<String>,
    pub cadence: Option<String>,
    pub birthday: Option<String>,
    pub org: Option<String>,
    pub email: Option<String>,
}

/// The canonical handle of a mention key: the claimed handle of an alias,
/// else the key itself.
fn canonical<'k>(claims: &'k FxHashMap<String, (String, String)>, key: &'k str) -> &'k str {
    claims.get(key).map_or(key, |(h, _)| h.as_str())
}

/// A person's number: their place in [`Vault::handles`] (handle order).
pub type PersonId = u32;

/// Whom one entry is with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryPeople {
    /// The people mentioned by the entry, sorted (so in handle order), unique.
    pub mentioned: Vec<PersonId>,
}

/// The notes and the people they describe.
#[derive(Debug, Default)]
pub struct Vault {
    /// In byte order of their paths.
    pub notes: Vec<NoteFacts>,
    /// For each note, the person whose page it is.
    pub page_of: Vec<Option<PersonId>>,
    /// For each note, for each entry, whom it mentions.
    pub resolved: Vec<Vec<EntryPeople>>,
    pub people: BTreeMap<String, Person>,
    /// Every handle, sorted: a [`PersonId`] indexes it.
    pub handles: Vec<String>,
    /// Conflicting claims found while resolving.
    pub diagnostics: Vec<Diagnostic>,
}

impl Vault {
    /// Resolves people across all notes. `notes` need not be sorted.
    pub fn build(mut notes: Vec<NoteFacts>, cfg: &Config) -> Vault {
        notes.sort_by(|a, b| a.path.cmp(&b.path));
        let mut v = Vault::default();
        let mut page_handle: Vec<Option<&str>> = vec![None; notes.len()];
        // key (handle or alias, lower case) → (canonical handle, claiming path)
        let mut claims: FxHashMap<String, (String, String)> = FxHashMap::default();

        // Pass 1: page handles. A page can never lose its own handle to an
        // alias; of two pages with one handle, the first path wins.
        for (i, note) in notes.iter().enumerate() {
            let Some(page) = &note.page else { continue };
            page_handle[i] = Some(page.handle.as_str());
            if let Some((_, owner)) = claims.get(&page.handle) {
                v.diagnostics.push(Diagnostic::error(
                    &note.path,
                    page.handle_line,
                    1,
                    format!(
                        "handle `{}` is already claimed by {owner}; this page is ignored",
                        page.handle
                    ),
                ));
                continue;
            }
            claims.insert(
                page.handle.clone(),
                (page.handle.clone(), note.path.clone()),
            );
            v.people.insert(
                page.handle.clone(),
                Person {
                    handle: page.handle.clone(),
                    name: page.name.clone(),
                    circles: page.circles.clone(),
                    page: Some(note.path.clone()),
                    cadence: page.cadence.clone(),
                    birthday: page.birthday.clone(),
                    org: page.org.clone(),
                    email: page.email.clone(),
                    aliases: Vec::new(),
                },
            );
        }
        // Pass 2: page aliases.
        for note in &notes {
            let Some(page) = &note.page else { continue };
            if v.people.get(&page.handle).and_then(|p| p.page.as_deref())
                != Some(note.path.as_str())
            {
                continue;
            }
            for alias in &page.aliases {
                if *alias == page.handle {
                    continue;
                }
                match claims.get(alias) {
                    Some((h, _)) if *h == page.handle => {}
                    Some((_, owner)) => v.diagnostics.push(Diagnostic::error(
                        &note.path,
                        page.aliases_line,
                        1,
                        format!("alias `{alias}` is already claimed by {owner}"),
                    )),
                    None => {
                        claims.insert(alias.clone(), (page.handle.clone(), note.path.clone()));
                    }
                }
            }
        }
        // Pass 3: config aliases; a page's claim beats them.
        for (alias, handle) in &cfg.aliases {
            match claims.get(alias) {
                Some((h, _)) if h == handle => {}
                Some((_, owner)) => v.diagnostics.push(Diagnostic::warning(
                    crate::config::FILE_NAME,
                    0,
                    0,
                    format!("config alias `{alias}` is ignored: {owner} claims it"),
                )),
                None => {
                    claims.insert(
                        alias.clone(),
                        (handle.clone(), crate::config::FILE_NAME.to_string()),
                    );
                }
            }
        }
        let canonical = |key| canonical(&claims, key);
        // Handles mentioned with `@`, which wikilinks may name too.
        let mut mentioned: FxHashSet<&str> = FxHashSet::default();
        for note in &notes {
            for e in &note.entries {
                for m in e.mentions.iter().filter(|m| !m.wikilink) {
                    mentioned.insert(canonical(&m.key));
                }
            }
        }
        // What a wikilink target may name: page paths and stems, names.
        let mut link_names: FxHashMap<String, &str> = FxHashMap::default();
        let mut by_page: Vec<&Person> = v.people.values().filter(|p| p.page.is_some()).collect();
        by_page.sort_by(|a, b| a.page.cmp(&b.page));
        for p in &by_page {
            if let Some(path) = &p.page {
                let key = link_key(path);
                let stem = key.rsplit('/').next().unwrap_or(&key).to_string();
                link_names.entry(key).or_insert(&p.handle);
                link_names.entry(stem).or_insert(&p.handle);
            }
        }
        for p in &by_page {
            if let Some(n) = &p.name {
                link_names
                    .entry(n.trim().to_lowercase())
                    .or_insert(&p.handle);
            }
        }
        let resolve_link = |target: &str| -> Option<String> {
            if let Some(h) = link_names.get(target) {
                return Some((*h).to_string());
            }
            let last = target.rsplit('/').next().unwrap_or(target);
            for key in [target, last, &slug(last)] {
                if let Some((h, _)) = claims.get(key) {
                    return Some(h.clone());
                }
                if mentioned.contains(key) {
                    return Some(key.to_string());
                }
            }
            link_names.get(last).map(|h| (*h).to_string())
        };

        // Resolve every mention to a handle; wikilinks that name no one drop.
        let resolved: Vec<Vec<Vec<Cow<'_, str>>>> = notes
            .iter()
            .map(|note| {
                note.entries
                    .iter()
                    .map(|e| {
                        e.mentions
                            .iter()
                            .filter_map(|m| {
                                if m.wikilink {
                                    resolve_link(&m.key).map(Cow::Owned)
                                } else {
                                    Some(Cow::Borrowed(canonical(&m.key)))
                                }
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let mut everyone: FxHashSet<&str> = v.people.keys().map(String::as_str).collect();
        let mut new_people: Vec<String> = Vec::new();
        for h in resolved.iter().flatten().flatten() {
            if everyone.insert(h) {
                new_people.push(h.to_string());
            }
        }
        drop(everyone);
        for h in new_people {
            v.people.insert(
                h.clone(),
                Person {
                    handle: h,
                    ..Person::default()
                },
            );
        }
        for (alias, (handle, _)) in &claims {
            if alias != handle {
                if let Some(p) = v.people.get_mut(handle) {
                    p.aliases.push(alias.clone());
                }
            }
        }
        for p in v.people.values_mut() {
            p.aliases.sort();
        }
        v.handles = v.people.keys().cloned().collect();
        let ids: FxHashMap<&str, PersonId> = v
            .handles
            .iter()
            .enumerate()
            .map(|(i, h)| (h.as_str(), PersonId::try_from(i).unwrap_or(PersonId::MAX)))
            .collect();
        v.resolved = resolved
            .iter()
            .map(|per_note| {
                per_note
                    .iter()
                    .map(|hs| {
                        let mut m: Vec<PersonId> = hs
                            .iter()
                            .filter_map(|h| ids.get(h.as_ref()).copied())
                            .collect();
                        m.sort_unstable();
                        m.dedup();
                        EntryPeople { mentioned: m }
                    })
                    .collect()
            })
            .collect();
        v.page_of = page_handle
            .iter()
            .map(|h| h.and_then(|h| ids.get(h).copied()))
            .collect();
        drop(ids);
        drop(resolved);
        v.diagnostics.sort();
        v.notes = notes;
        v
    }

    /// The errors in the notes and between them (front matter, claims):
    /// what every command reports, not only `check`.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.notes
            .iter()
            .flat_map(|n| &n.diagnostics)
            .chain(&self.diagnostics)
            .filter(|d| d.severity == crate::model::Severity::Error)
    }

    /// The handle of a person id.
    pub fn handle(&self, id: PersonId) -> &str {
        &self.handles[id as usize]
    }

    /// The id of a handle.
    pub fn id(&self, handle: &str) -> Option<PersonId> {
        self.handles
            .binary_search_by(|h| h.as_str().cmp(handle))
            .ok()
            .and_then(|i| PersonId::try_from(i).ok())
    }

    /// Finds a person by handle, alias, name or page name (case-insensitive,
    /// a leading `@` allowed).
    pub fn find(&self, query: &str) -> Option<&Person> {
        let q = query.trim().trim_start_matches('@').to_lowercase();
        if let Some(p) = self.people.get(&q) {
            return Some(p);
        }
        let slugged = slug(&q);
        self.people
            .values()
            .find(|p| p.aliases.contains(&q))
            .or_else(|| {
                self.people.values().find(|p| {
                    p.name.as_deref().is_some_and(|n| n.to_lowercase() == q)
                        || p.handle == slugged
                        || p.page.as_deref().is_some_and(|pg| {
                            let k = link_key(pg);
                            k == q || k.rsplit('/').next() == Some(q.as_str())
                        })
                })
            })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::parse::parse_note;

    /// Builds a vault from `(path, text)` pairs.
    pub(crate) fn vault(files: &[(&str, &str)], cfg: &Config) -> Vault {
        let notes = files
            .iter()
            .map(|(p, s)| parse_note(p, s, &cfg.parse))
            .collect();
        Vault::build(notes, cfg)
    }

    fn people_of(v: &Vault, path: &str) -> Vec<Vec<String>> {
        let i = v.notes.iter().position(|n| n.path == path).unwrap();
        v.resolved[i]
            .iter()
            .map(|e| {
                e.mentioned
                    .iter()
                    .map(|&id| v.handle(id).to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn spec2_aliases_resolve_everywhere_page_beats_config() {
        let mut cfg = Config::default();
        cfg.aliases.insert("bobby".into(), "bob".into());
        cfg.aliases.insert("ali".into(), "someone-else".into());
        let v = vault(
            &[
                (
                    "people/alice.md",
                    "---\naliases: [Ali, \"Alice Chen\"]\n---\n",
                ),
                ("n.md", "- @ALI and @bobby and @Alice\n"),
            ],
            &cfg,
        );
        assert_eq!(
            people_of(&v, "n.md"),
            [vec!["alice".to_string(), "bob".to_string()]]
        );
        assert_eq!(v.people["alice"].aliases, ["ali", "alice chen"]);
        assert_eq!(v.people["bob"].aliases, ["bobby"]);
        assert_eq!(v.diagnostics.len(), 1, "{:?}", v.diagnostics);
        assert!(v.diagnostics[0].message.contains("`ali`"));
    }

    #[test]
    fn spec2_two_pages_claiming_one_handle_or_alias_first_path_wins() {
        let v = vault(
            &[
                (
                    "people/b.md",
                    "---\nhandle: dup\nname: Second\naliases: [x]\n---\n",
                ),
                ("people/a.md", "---\nhandle: dup\nname: First\n---\n"),
                ("people/c.md", "---\naliases: [x, a]\n---\n"),
            ],
            &Config::default(),
        );
        assert_eq!(v.people["dup"].name.as_deref(), Some("First"));
        assert_eq!(v.people["dup"].page.as_deref(), Some("people/a.md"));
        let errs: Vec<_> = v
            .diagnostics
            .iter()
            .map(|d| (d.path.as_str(), d.line))
            .collect();
        // people/b.md loses its handle; people/c.md's alias `a` names page a's
        // handle? No: `a` is not a handle here (a.md claims `dup`), so only
        // the duplicate handle is an error and `x` is b's… which lost, so c gets `x`.
        assert_eq!(errs, [("people/b.md", 2)]);
        assert_eq!(v.people["c"].aliases, ["a", "x"]);
        assert!(v
            .diagnostics
            .iter()
            .all(|d| d.severity == crate::model::Severity::Error));
    }

    #[test]
    fn spec2_alias_claimed_twice_is_an_error() {
        let v = vault(
            &[
                ("people/a.md", "---\naliases: [ace]\n---\n"),
                ("people/b.md", "---\naliases: [ace, a]\n---\n"),
            ],
            &Config::default(),
        );
        let msgs: Vec<_> = v
            .diagnostics
            .iter()
            .map(|d| (d.path.as_str(), d.message.as_str()))
            .collect();
        assert_eq!(
            msgs,
            [
                ("people/b.md", "alias `a` is already claimed by people/a.md"),
                (
                    "people/b.md",
                    "alias `ace` is already claimed by people/a.md"
                )
            ]
        );
    }

    #[test]
    fn spec2_wikilink_is_a_mention_only_when_it_resolves() {
        let v = vault(
            &[
                ("people/Alice Chen.md", "---\nname: Alice C\naliases: [ace]\n---\n"),
                (
                    "n.md",
                    "- [[Alice Chen]]\n- [[people/Alice Chen|her]]\n- [[Alice C]]\n- [[ACE]]\n- [[alice-chen]]\n- [[bob]] and @bob\n- [[Project X]]\n",
                ),
            ],
            &Config::default(),
        );
        let a = vec!["alice-chen".to_string()];
        assert_eq!(
            people_of(&v, "n.md"),
            [
                a.clone(),
                a.clone(),
                a.clone(),
                a.clone(),
                a,
                vec!["bob".to_string()],
                vec![]
            ]
        );
        assert!(!v.people.contains_key("project x"));
    }

    #[test]
    fn spec2_person_exists_with_page_or_mention() {
        let v = vault(
            &[("people/p.md", "bio\n"), ("n.md", "- hi @m\n")],
            &Config::default(),
        );
        let handles: Vec<_> = v.people.keys().cloned().collect();
        assert_eq!(handles, ["m", "p"]);
        assert_eq!(v.find("@M").map(|p| p.handle.as_str()), Some("m"));
        assert!(v.find("nobody").is_none());
    }
}
