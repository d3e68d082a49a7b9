//! All notes' facts with every mention resolved to a person: what the
//! questions that need every entry ask of (`show`'s timeline, `export`,
//! `check`). The rules of who is who live in `resolve`; the answers of
//! `report`, `people` and `due` come from the smaller `ledger`.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use crate::config::Config;
use crate::model::{Diagnostic, NoteFacts};
use crate::resolve::{Claims, Resolve, Resolver};

pub use crate::resolve::Person;

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
        let claims = Claims::new(crate::ledger::pages(&notes), cfg);
        let resolver = Resolver::new(
            &claims,
            notes
                .iter()
                .flat_map(|n| &n.entries)
                .flat_map(|e| &e.mentions)
                .filter(|m| !m.wikilink || m.key.starts_with('@'))
                .map(|m| m.key.as_str()),
        );
        // Everyone: a page, or a mention (SPEC §2).
        let mut everyone: BTreeSet<&str> = claims.pages.keys().map(String::as_str).collect();
        everyone.extend(
            notes
                .iter()
                .flat_map(|n| &n.entries)
                .flat_map(|e| &e.mentions)
                .filter_map(|m| resolver.resolve(m)),
        );
        let aliases = claims.aliases_of();
        let mut people: BTreeMap<String, Person> = everyone
            .into_iter()
            .map(|h| (h.to_string(), claims.person(h, &aliases)))
            .collect();
        for (h, name) in resolver.at_names() {
            if let Some(p) = people.get_mut(h).filter(|p| p.name.is_none()) {
                p.name = Some(name.clone());
            }
        }
        let handles: Vec<String> = people.keys().cloned().collect();
        let ids: FxHashMap<&str, PersonId> = handles
            .iter()
            .enumerate()
            .map(|(i, h)| (h.as_str(), PersonId::try_from(i).unwrap_or(PersonId::MAX)))
            .collect();
        let resolved = resolve_entries(&notes, &resolver, |h| ids.get(h).copied());
        let page_of = notes
            .iter()
            .map(|n| {
                n.page
                    .as_ref()
                    .and_then(|p| ids.get(p.handle.as_str()).copied())
            })
            .collect();
        drop(ids);
        drop(resolver);
        Vault {
            notes,
            page_of,
            resolved,
            people,
            handles,
            diagnostics: claims.diagnostics,
        }
    }

    /// Some of the notes, resolved by `resolver` (made from the claims and
    /// mention keys of all notes): each entry with the same people as in
    /// the whole vault, numbered among the people these notes name. What
    /// one person's timeline needs, without resolving every note; it knows
    /// no one's facts (`people` is empty).
    pub fn part(mut notes: Vec<NoteFacts>, resolver: &impl Resolve) -> Vault {
        notes.sort_by(|a, b| a.path.cmp(&b.path));
        let mut named: BTreeSet<&str> = BTreeSet::new();
        for n in &notes {
            named.extend(n.page.as_ref().map(|p| p.handle.as_str()));
            let mentions = n.entries.iter().flat_map(|e| &e.mentions);
            named.extend(mentions.filter_map(|m| resolver.resolve(m)));
        }
        let handles: Vec<String> = named.into_iter().map(str::to_string).collect();
        let mut v = Vault {
            handles,
            ..Vault::default()
        };
        let resolved = resolve_entries(&notes, resolver, |h| v.id(h));
        v.page_of = notes
            .iter()
            .map(|n| n.page.as_ref().and_then(|p| v.id(&p.handle)))
            .collect();
        v.resolved = resolved;
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
        crate::resolve::find(self.people.values(), query)
    }
}

/// The people each entry of each note mentions, resolved by `resolver`
/// and numbered by `id` (those it has no number for left out), sorted and
/// unique.
fn resolve_entries(
    notes: &[NoteFacts],
    resolver: &impl Resolve,
    id: impl Fn(&str) -> Option<PersonId>,
) -> Vec<Vec<EntryPeople>> {
    notes
        .iter()
        .map(|note| {
            note.entries
                .iter()
                .map(|e| {
                    let mut m: Vec<PersonId> = e
                        .mentions
                        .iter()
                        .filter_map(|m| resolver.resolve(m))
                        .filter_map(&id)
                        .collect();
                    m.sort_unstable();
                    m.dedup();
                    EntryPeople { mentioned: m }
                })
                .collect()
        })
        .collect()
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
    fn spec2_at_wikilink_names_the_person_it_resolves_to_else_its_slug() {
        let v = vault(
            &[
                ("people/Ali.md", "---\nhandle: ali\nname: Alice Chen\n---\n"),
                (
                    "n.md",
                    "- [[@Alice Chen]]\n- [[@Bob Smith]]\n- [[bob-smith]]\n- [[@Ali]]\n",
                ),
            ],
            &Config::default(),
        );
        let one = |h: &str| vec![h.to_string()];
        assert_eq!(
            people_of(&v, "n.md"),
            [one("ali"), one("bob-smith"), one("bob-smith"), one("ali")]
        );
        assert_eq!(v.people["bob-smith"].name.as_deref(), Some("Bob Smith"));
        assert_eq!(v.people["ali"].name.as_deref(), Some("Alice Chen"));
        // The ledger (what `people` answers from) names them the same way.
        let notes: Vec<_> = v.notes.clone();
        let l = crate::ledger::Ledger::derive(&notes, &Config::default());
        assert_eq!(
            l.people["bob-smith"].person.name.as_deref(),
            Some("Bob Smith")
        );
    }

    #[test]
    fn spec2_person_pages_by_tag_and_namespace_resolve() {
        let v = vault(
            &[
                ("notes/Dana Scully.md", "---\ntags: [person]\n---\n"),
                ("pages/people___Grace Hopper.md", "- bio\n"),
                ("n.md", "- [[Dana Scully]] and [[people/Grace Hopper]]\n"),
            ],
            &Config::default(),
        );
        assert_eq!(
            people_of(&v, "n.md"),
            [vec!["dana-scully".to_string(), "grace-hopper".to_string()]]
        );
        assert_eq!(v.people["dana-scully"].name.as_deref(), Some("Dana Scully"));
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
