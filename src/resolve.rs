//! Who a mention names (SPEC §2). Person pages claim their handles, then
//! their aliases, then the config's `[aliases]` claim theirs (first path in
//! byte order wins; a page beats the config); a wikilink names a person by
//! page path, file stem, name, handle or alias, or a handle someone
//! `@`-mentions. Built from all notes (a full parse) or from the pages and
//! mention keys the index keeps (an incremental sync): the same rules
//! either way.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::config::Config;
use crate::model::{Diagnostic, Mention, PageFacts};
use crate::parse::handle::slug;
use crate::parse::path::link_key;

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

impl Person {
    /// The person of a page at `path` (aliases are settled by the claims).
    fn of_page(path: String, page: PageFacts) -> Person {
        Person {
            handle: page.handle,
            name: page.name,
            circles: page.circles,
            page: Some(path),
            cadence: page.cadence,
            birthday: page.birthday,
            org: page.org,
            email: page.email,
            aliases: Vec::new(),
        }
    }

    /// A person known only from mentions.
    pub fn mentioned(handle: &str) -> Person {
        Person {
            handle: handle.to_string(),
            ..Person::default()
        }
    }
}

/// The claims of pages and config on handles and aliases.
#[derive(Debug, Default, Clone)]
pub struct Claims {
    /// The people with a page, by handle, each with its aliases.
    pub pages: BTreeMap<String, Person>,
    /// key (handle or alias, lower case) → canonical handle.
    pub keys: FxHashMap<String, String>,
    /// Conflicting claims.
    pub diagnostics: Vec<Diagnostic>,
}

impl Claims {
    /// Resolves the claims of `pages` (in byte order of their paths) and
    /// of the config.
    pub fn new<'a>(
        pages: impl IntoIterator<Item = (&'a str, &'a PageFacts)>,
        cfg: &Config,
    ) -> Claims {
        let pages: Vec<(&str, &PageFacts)> = pages.into_iter().collect();
        let (mut c, kept) = Claims::claim(&pages, cfg);
        for (&(path, page), kept) in pages.iter().zip(kept) {
            if kept {
                c.pages.insert(
                    page.handle.clone(),
                    Person::of_page(path.to_string(), page.clone()),
                );
            }
        }
        c
    }

    /// The claims of `pages` (path and front matter, in byte order of
    /// their paths) and of the config, made from the pages themselves
    /// (moved, not copied: what reading them from the index gives).
    pub fn owned(pages: Vec<(String, PageFacts)>, cfg: &Config) -> Claims {
        let refs: Vec<(&str, &PageFacts)> = pages.iter().map(|(p, f)| (p.as_str(), f)).collect();
        let (mut c, kept) = Claims::claim(&refs, cfg);
        drop(refs);
        for ((path, page), kept) in pages.into_iter().zip(kept) {
            if kept {
                c.pages
                    .insert(page.handle.clone(), Person::of_page(path, page));
            }
        }
        c
    }

    /// Every key's claim and the conflicts (`pages` stays empty), and for
    /// each page whether it kept its handle.
    fn claim(pages: &[(&str, &PageFacts)], cfg: &Config) -> (Claims, Vec<bool>) {
        let mut c = Claims::default();
        let mut kept = vec![false; pages.len()];
        // key → (canonical handle, claiming path), borrowed until the end.
        let mut claims: FxHashMap<&str, (&str, &str)> = FxHashMap::default();
        claims.reserve(pages.len());
        // Pass 1: page handles. A page can never lose its own handle to an
        // alias; of two pages with one handle, the first path wins.
        for (&(path, page), kept) in pages.iter().zip(&mut kept) {
            if let Some((_, owner)) = claims.get(page.handle.as_str()) {
                c.diagnostics.push(Diagnostic::error(
                    path,
                    page.handle_line,
                    1,
                    format!(
                        "handle `{}` is already claimed by {owner}; this page is ignored",
                        page.handle
                    ),
                ));
                continue;
            }
            claims.insert(&page.handle, (&page.handle, path));
            *kept = true;
        }
        // Pass 2: page aliases, from the pages that kept their handle.
        for (&(path, page), _) in pages.iter().zip(&kept).filter(|(_, k)| **k) {
            for alias in &page.aliases {
                if *alias == page.handle {
                    continue;
                }
                match claims.get(alias.as_str()) {
                    Some((h, _)) if *h == page.handle => {}
                    Some((_, owner)) => c.diagnostics.push(Diagnostic::error(
                        path,
                        page.aliases_line,
                        1,
                        format!("alias `{alias}` is already claimed by {owner}"),
                    )),
                    None => {
                        claims.insert(alias, (&page.handle, path));
                    }
                }
            }
        }
        // Pass 3: config aliases; a page's claim beats them.
        for (alias, handle) in &cfg.aliases {
            match claims.get(alias.as_str()) {
                Some((h, _)) if h == handle => {}
                Some((_, owner)) => c.diagnostics.push(Diagnostic::warning(
                    crate::config::FILE_NAME,
                    0,
                    0,
                    format!("config alias `{alias}` is ignored: {owner} claims it"),
                )),
                None => {
                    claims.insert(alias, (handle, crate::config::FILE_NAME));
                }
            }
        }
        c.diagnostics.sort();
        c.keys = claims
            .into_iter()
            .map(|(k, (h, _))| (k.to_string(), h.to_string()))
            .collect();
        (c, kept)
    }

    /// The canonical handle of a mention key: the claimed handle of an
    /// alias, else the key itself.
    pub fn canonical<'k>(&'k self, key: &'k str) -> &'k str {
        self.keys.get(key).map_or(key, String::as_str)
    }

    /// Every alias claimed for `handle`, sorted.
    pub fn aliases_of(&self) -> FxHashMap<&str, Vec<String>> {
        let mut out: FxHashMap<&str, Vec<String>> = FxHashMap::default();
        for (alias, handle) in &self.keys {
            if alias != handle {
                out.entry(handle.as_str()).or_default().push(alias.clone());
            }
        }
        for v in out.values_mut() {
            v.sort();
        }
        out
    }

    /// The static facts of `handle`: its page's, or a mentioned person's,
    /// with its aliases.
    pub fn person(&self, handle: &str, aliases: &FxHashMap<&str, Vec<String>>) -> Person {
        let mut p = self
            .pages
            .get(handle)
            .cloned()
            .unwrap_or_else(|| Person::mentioned(handle));
        p.aliases = aliases.get(handle).cloned().unwrap_or_default();
        p
    }
}

/// Whom a mention names: what a [`Resolver`] says, or what a ledger
/// kept of it (`ledger::Ledger::kept_names`).
pub trait Resolve {
    /// The handle `m` names; `None` for a wikilink that names no one.
    fn resolve<'a>(&'a self, m: &'a Mention) -> Option<&'a str>;
}

impl Resolve for Resolver<'_> {
    fn resolve<'a>(&'a self, m: &'a Mention) -> Option<&'a str> {
        Resolver::resolve(self, m)
    }
}

/// Resolves mentions to handles.
pub struct Resolver<'c> {
    claims: &'c Claims,
    /// What a wikilink target may name: page paths and stems, then names.
    link_names: FxHashMap<String, &'c str>,
    /// Canonical handles someone `@`-mentions (or names by `[[@…]]`).
    mentioned: FxHashSet<String>,
    /// `[[@Full Name]]` keys (`@Full Name`) → the handle they name.
    at_links: FxHashMap<String, String>,
    /// Handles without a page → the name of their first `[[@Full Name]]`
    /// (in sort order of the names, so every way of building agrees).
    at_names: FxHashMap<String, String>,
}

impl<'c> Resolver<'c> {
    /// A resolver for `claims`, where `at_keys` are the `@`-mention keys
    /// written anywhere in the notes (as written, any number of times),
    /// and the `[[@…]]` link keys (starting with `@`).
    pub fn new<'k>(claims: &'c Claims, at_keys: impl IntoIterator<Item = &'k str>) -> Resolver<'c> {
        let mut mentioned: FxHashSet<String> = FxHashSet::default();
        let mut at_links: Vec<&str> = Vec::new();
        for k in at_keys {
            if let Some(name) = k.strip_prefix('@') {
                at_links.push(name);
                continue;
            }
            let c = claims.canonical(k);
            if !mentioned.contains(c) {
                mentioned.insert(c.to_string());
            }
        }
        let mut link_names: FxHashMap<String, &'c str> = FxHashMap::default();
        let mut by_page: Vec<&Person> = claims.pages.values().collect();
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
        let mut r = Resolver {
            claims,
            link_names,
            mentioned,
            at_links: FxHashMap::default(),
            at_names: FxHashMap::default(),
        };
        r.add_at_links(at_links);
        r
    }

    /// `[[@Full Name]]` (SPEC §2 ⟨1.1⟩): the person `Full Name` resolves to,
    /// else the person whose handle is its slug.
    fn add_at_links(&mut self, mut names: Vec<&str>) {
        names.sort_unstable();
        names.dedup();
        let mut found = Vec::with_capacity(names.len());
        for name in names {
            let h = match self.resolve_link(&crate::parse::handle::fold(name)) {
                Some(h) => h.to_string(),
                None => self.claims.canonical(&slug(name)).to_string(),
            };
            found.push((name, h));
        }
        for (name, h) in found {
            if !self.claims.pages.contains_key(&h) {
                self.at_names
                    .entry(h.clone())
                    .or_insert_with(|| name.to_string());
            }
            self.mentioned.insert(h.clone());
            self.at_links.insert(format!("@{name}"), h);
        }
    }

    /// The names `[[@Full Name]]` links give people without a page.
    pub fn at_names(&self) -> &FxHashMap<String, String> {
        &self.at_names
    }

    /// The handle a mention names; `None` for a wikilink that names no one.
    pub fn resolve<'a>(&'a self, m: &'a Mention) -> Option<&'a str> {
        if m.wikilink {
            self.resolve_link(&m.key)
        } else {
            Some(self.claims.canonical(&m.key))
        }
    }

    /// The handle a wikilink target names, if any.
    pub fn resolve_link<'a>(&'a self, target: &'a str) -> Option<&'a str> {
        if target.starts_with('@') {
            return self.at_links.get(target).map(String::as_str);
        }
        if let Some(h) = self.link_names.get(target) {
            return Some(h);
        }
        let last = target.rsplit('/').next().unwrap_or(target);
        let slugged = slug(last);
        for key in [target, last, slugged.as_str()] {
            if let Some(h) = self.claims.keys.get(key) {
                return Some(h);
            }
            if let Some(h) = self.mentioned.get(key) {
                return Some(h);
            }
        }
        self.link_names.get(last).copied()
    }
}

/// What `show` asks for, as [`find`] matches it against each person: a
/// handle, alias, name or page name (case-insensitive, a leading `@`
/// allowed). The index answers the same question from its tables
/// (`index::store::find_handle`).
pub struct PersonQuery {
    /// The query in lower case, without `@`: a handle or an alias as is.
    pub key: String,
    slugged: String,
}

impl PersonQuery {
    pub fn new(query: &str) -> PersonQuery {
        let key = query.trim().trim_start_matches('@').to_lowercase();
        let slugged = slug(&key);
        PersonQuery { key, slugged }
    }

    /// The last test, once no handle or alias is the query: the person's
    /// name, their handle as the query's slug, or their page's path or
    /// file name.
    pub fn names(&self, handle: &str, name: Option<&str>, page: Option<&str>) -> bool {
        let q = self.key.as_str();
        name.is_some_and(|n| n.to_lowercase() == q)
            || handle == self.slugged
            || page.is_some_and(|pg| {
                let k = link_key(pg);
                k == q || k.rsplit('/').next() == Some(q)
            })
    }
}

/// Finds a person by handle, alias, name or page name (case-insensitive, a
/// leading `@` allowed): what `show` accepts. The first of `people` whose
/// handle is the query, else whose alias, else whom it names otherwise
/// ([`PersonQuery::names`]).
pub fn find<'p>(
    people: impl Iterator<Item = &'p Person> + Clone,
    query: &str,
) -> Option<&'p Person> {
    let q = PersonQuery::new(query);
    if let Some(p) = people.clone().find(|p| p.handle == q.key) {
        return Some(p);
    }
    people
        .clone()
        .find(|p| p.aliases.contains(&q.key))
        .or_else(|| {
            people
                .clone()
                .find(|p| q.names(&p.handle, p.name.as_deref(), p.page.as_deref()))
        })
}
