//! Person pages (SPEC §2 ⟨1.1⟩): which notes are one (the people folder in
//! any case, person tags, Logseq namespaces) and what their front matter
//! and page properties say. Front matter and Logseq page properties are
//! merged into one [`Meta`] first (front matter wins), so every key is read
//! one way whichever the note used.

use std::collections::BTreeMap;

use yaml_rust2::yaml::Hash;
use yaml_rust2::Yaml;

use super::handle;
use super::logseq;
use super::mask::Property;
use super::ParseOptions;
use crate::dates::{Birthday, Dur};
use crate::model::{Diagnostic, PageFacts};

/// A value of front matter or a page property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    List(Vec<String>),
}

/// A note's keys and values with the line each was given on.
#[derive(Debug, Default)]
pub struct Meta {
    map: BTreeMap<String, (Value, u32)>,
}

/// Logseq keys read as lists, comma-separated.
const LIST_KEYS: [&str; 5] = ["alias", "tags", "type", "categories", "circles"];

impl Meta {
    /// Front matter keys (`line` finds a key's line).
    pub fn from_yaml(hash: &Hash, line: impl Fn(&str) -> u32) -> Meta {
        let mut map = BTreeMap::new();
        for (k, v) in hash {
            let Some(k) = k.as_str() else { continue };
            let value = match v {
                Yaml::Array(items) => Value::List(
                    items
                        .iter()
                        .filter_map(super::frontmatter::scalar)
                        .collect(),
                ),
                other => match super::frontmatter::scalar(other) {
                    Some(s) => Value::Text(s),
                    None => continue,
                },
            };
            map.insert(k.to_string(), (value, line(k)));
        }
        Meta { map }
    }

    /// Adds Logseq page properties where front matter gave no such key.
    pub fn add_properties(&mut self, props: &[Property]) {
        for p in props {
            let key = if p.key == "alias" {
                "aliases"
            } else {
                p.key.as_str()
            };
            if self.map.contains_key(key) || (key == "aliases" && self.map.contains_key("alias")) {
                continue;
            }
            let value = if LIST_KEYS.contains(&p.key.as_str()) {
                Value::List(
                    p.value
                        .split(',')
                        .map(strip_link)
                        .filter(|s| !s.is_empty())
                        .collect(),
                )
            } else {
                Value::Text(p.value.clone())
            };
            self.map.insert(key.to_string(), (value, p.line));
        }
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        match self.map.get(key) {
            Some((Value::Text(s), _)) => Some(s),
            Some((Value::List(l), _)) if l.len() == 1 => Some(&l[0]),
            _ => None,
        }
    }

    /// A list; one text is a list of one.
    pub fn list(&self, key: &str) -> Vec<&str> {
        match self.map.get(key) {
            Some((Value::Text(s), _)) => vec![s.as_str()],
            Some((Value::List(l), _)) => l.iter().map(String::as_str).collect(),
            None => Vec::new(),
        }
    }

    /// The line a key was given on (0 when absent).
    pub fn line(&self, key: &str) -> u32 {
        self.map.get(key).map_or(0, |(_, l)| *l)
    }

    /// Whether `tags`, `type` or `categories` hold one of `person_tags`.
    fn tagged(&self, person_tags: &[String]) -> bool {
        ["tags", "type", "categories"].iter().any(|key| {
            self.list(key)
                .into_iter()
                .flat_map(|v| v.split([',', ' ']))
                .map(tag_word)
                .any(|t| !t.is_empty() && person_tags.contains(&t))
        })
    }
}

/// `[[People]]`, `#person` → the bare name; quotes dropped.
fn strip_link(s: &str) -> String {
    s.trim()
        .trim_matches(['"', '\''])
        .trim_start_matches('#')
        .trim_start_matches("[[")
        .trim_end_matches("]]")
        .trim()
        .to_string()
}

/// A tag as compared with `person_tags`: stripped, lower case, its first
/// segment (`person/friend` → `person`).
fn tag_word(s: &str) -> String {
    let bare = strip_link(s);
    bare.split('/').next().unwrap_or("").to_lowercase()
}

/// The page's own name: the file stem (Logseq namespaces decoded), or
/// for a namespaced page its full name (`people/Grace Hopper`).
pub fn own_name(rel: &str) -> String {
    let file = rel.rsplit('/').next().unwrap_or(rel);
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    logseq::page_name(stem).into_owned()
}

/// Whether the note at `rel` is a person page by where it lives: under the
/// people folder (any case) and no folder note, or a Logseq namespaced page
/// under it.
pub fn in_people_dir(rel: &str, people_dir: &str) -> bool {
    let dir = people_dir.trim_matches('/');
    if dir.is_empty() {
        return true;
    }
    let name = own_name(rel);
    // A namespaced page (`people/team/Grace Hopper`) under the folder.
    if let Some((ns, _)) = name.rsplit_once('/') {
        let head = ns
            .get(..dir.len())
            .filter(|_| ns.is_char_boundary(dir.len()));
        let rest = ns.get(dir.len()..).unwrap_or("");
        if head.is_some_and(|h| same_folded(h, dir)) && (rest.is_empty() || rest.starts_with('/')) {
            return true;
        }
    }
    let Some((folder, _)) = rel.rsplit_once('/') else {
        return false;
    };
    let under = folder.len() >= dir.len()
        && folder.is_char_boundary(dir.len())
        && same_folded(&folder[..dir.len()], dir)
        && (folder.len() == dir.len() || folder.as_bytes()[dir.len()] == b'/');
    let parent = folder.rsplit('/').next().unwrap_or(folder);
    under && !same_folded(parent, &name)
}

/// Case-insensitive equality, without allocating for ASCII.
fn same_folded(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// The words and tags of a person page's values `who` finds it by (SPEC
/// §12): front matter or Logseq page properties alike.
pub fn words(meta: &Meta) -> (String, String) {
    let values = crate::words::PAGE_KEYS
        .iter()
        .flat_map(|&k| meta.list(k).into_iter().map(move |v| (k, v)));
    crate::words::page_words(values)
}

/// Whether the note is a person page at all.
pub fn is_page(rel: &str, meta: &Meta, opts: &ParseOptions) -> bool {
    in_people_dir(rel, &opts.people_dir) || meta.tagged(&opts.person_tags)
}

/// The facts of the person page at `rel`; problems go to `diags`.
pub fn facts(rel: &str, meta: &Meta, diags: &mut Vec<Diagnostic>) -> PageFacts {
    let own = own_name(rel);
    let last = own.rsplit('/').next().unwrap_or(&own);
    let mut page = PageFacts {
        handle: handle::slug(last),
        handle_line: meta.line("handle"),
        aliases_line: meta.line("aliases").max(meta.line("alias")),
        ..PageFacts::default()
    };
    if let Some(h) = meta.text("handle") {
        let h = h.trim().trim_start_matches('@');
        match handle::canonical(h).filter(|_| handle::valid(h)) {
            Some(c) => page.handle = c,
            None => diags.push(Diagnostic::error(
                rel,
                page.handle_line,
                1,
                format!("handle `{h}` is no valid handle; the page's own name stands"),
            )),
        }
    }
    page.name = name(meta, last);
    let mut aliases = meta.list("aliases");
    aliases.extend(meta.list("alias"));
    page.aliases = aliases
        .into_iter()
        .map(|a| handle::fold(a.trim().trim_start_matches('@')))
        .filter(|a| !a.is_empty())
        .collect();
    page.circles = meta
        .list("circles")
        .iter()
        .map(|c| c.trim().to_lowercase())
        .collect();
    page.org = meta.text("org").map(str::to_string);
    page.email = meta.text("email").map(str::to_string);
    page.cadence = checked(rel, meta, "cadence", diags, |c| {
        Dur::parse(c, false).is_ok()
    });
    page.birthday = checked(rel, meta, "birthday", diags, |b| {
        Birthday::parse(b).is_some()
    });
    page
}

/// `name:`, else `title` (its last namespace part), else the page's own
/// name with `_` read as a space.
fn name(meta: &Meta, own: &str) -> Option<String> {
    if let Some(n) = meta.text("name").filter(|s| !s.trim().is_empty()) {
        return Some(n.to_string());
    }
    if let Some(t) = meta.text("title").filter(|s| !s.trim().is_empty()) {
        return Some(t.rsplit('/').next().unwrap_or(t).trim().to_string());
    }
    let n = own.replace('_', " ");
    (!n.trim().is_empty()).then(|| n.trim().to_string())
}

/// A value that must pass `ok`, else a warning and none.
fn checked(
    rel: &str,
    meta: &Meta,
    key: &str,
    diags: &mut Vec<Diagnostic>,
    ok: impl Fn(&str) -> bool,
) -> Option<String> {
    let v = meta.text(key)?;
    if ok(v.trim()) {
        return Some(v.trim().to_string());
    }
    let what = if key == "cadence" {
        "a duration like 30d, 2w, 1m or 1y"
    } else {
        "a possible YYYY-MM-DD or MM-DD date"
    };
    diags.push(Diagnostic::warning(
        rel,
        meta.line(key),
        1,
        format!("{key} `{v}` is not {what}"),
    ));
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Meta {
        let mut m = Meta::default();
        let p: Vec<Property> = pairs
            .iter()
            .zip(1..)
            .map(|((k, v), line)| Property {
                key: (*k).to_string(),
                value: (*v).to_string(),
                line,
            })
            .collect();
        m.add_properties(&p);
        m
    }

    #[test]
    fn spec2_people_folder_in_any_case_without_folder_notes() {
        assert!(in_people_dir("People/Alice Chen.md", "people"));
        assert!(in_people_dir("people/team/Bob.md", "people"));
        assert!(!in_people_dir("People/People.md", "people"));
        assert!(!in_people_dir("people/team/Team.md", "people"));
        assert!(!in_people_dir("peoplex/a.md", "people"));
        assert!(!in_people_dir("a.md", "people"));
    }

    #[test]
    fn spec11_logseq_namespaced_person_pages() {
        assert!(in_people_dir("pages/people___Grace Hopper.md", "people"));
        assert!(in_people_dir("pages/People%2FKen Thompson.md", "people"));
        assert!(!in_people_dir("pages/projects___X.md", "people"));
        assert!(in_people_dir("pages/people___team___X.md", "people"));
        assert!(!in_people_dir("pages/peoplex___X.md", "people"));
        let mut d = Vec::new();
        let p = facts("pages/people___Grace Hopper.md", &Meta::default(), &mut d);
        assert_eq!(
            (p.handle.as_str(), p.name.as_deref()),
            ("grace-hopper", Some("Grace Hopper"))
        );
    }

    #[test]
    fn spec2_person_tags_in_tags_type_or_categories() {
        let tags = ["person".to_string(), "people".to_string()];
        assert!(props(&[("tags", "person")]).tagged(&tags));
        assert!(props(&[("type", "[[Person]]")]).tagged(&tags));
        assert!(props(&[("categories", "x, [[People]]")]).tagged(&tags));
        assert!(props(&[("tags", "#person/friend")]).tagged(&tags));
        assert!(!props(&[("tags", "personal")]).tagged(&tags));
        let mut m = Meta::default();
        m.map.insert(
            "categories".into(),
            (Value::List(vec!["[[People]]".into()]), 2),
        );
        assert!(m.tagged(&tags));
        m.map
            .insert("tags".into(), (Value::Text("work person".into()), 3));
        assert!(m.tagged(&["person".to_string()]));
    }

    #[test]
    fn spec2_names_from_name_title_or_stem() {
        let mut d = Vec::new();
        let p = facts("people/Dana_Scully.md", &Meta::default(), &mut d);
        assert_eq!(
            (p.handle.as_str(), p.name.as_deref()),
            ("dana-scully", Some("Dana Scully"))
        );
        let p = facts(
            "people/x.md",
            &props(&[("title", "people/Grace Hopper")]),
            &mut d,
        );
        assert_eq!(p.name.as_deref(), Some("Grace Hopper"));
        let p = facts(
            "people/x.md",
            &props(&[("name", "N"), ("title", "T")]),
            &mut d,
        );
        assert_eq!(p.name.as_deref(), Some("N"));
        assert!(d.is_empty());
    }

    #[test]
    fn spec2_handle_must_be_valid_else_error_and_slug_stands() {
        let mut d = Vec::new();
        let p = facts(
            "people/Alice Chen.md",
            &props(&[("handle", "@Ali")]),
            &mut d,
        );
        assert_eq!(p.handle, "ali");
        let p = facts(
            "people/Alice Chen.md",
            &props(&[("handle", "not valid")]),
            &mut d,
        );
        assert_eq!(p.handle, "alice-chen");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, crate::model::Severity::Error);
    }

    #[test]
    fn spec11_logseq_properties_lists_and_front_matter_wins() {
        let mut h = Hash::new();
        h.insert(Yaml::String("name".into()), Yaml::String("From FM".into()));
        let mut m = Meta::from_yaml(&h, |_| 2);
        m.add_properties(&[
            Property {
                key: "name".into(),
                value: "From props".into(),
                line: 5,
            },
            Property {
                key: "alias".into(),
                value: "Dima, [[D. K.]]".into(),
                line: 6,
            },
        ]);
        assert_eq!(m.text("name"), Some("From FM"));
        assert_eq!(m.list("aliases"), ["Dima", "D. K."]);
        assert_eq!(m.line("aliases"), 6);
    }
}
