//! Bounded YAML loading for front matter (SPEC §1, bounded input). yaml_rust2's
//! own loader copies an anchored node at every alias, so a "billion laughs"
//! block of a few hundred bytes grows without end. This loader reads the
//! same event stream and builds the same `Yaml` values, but counts every
//! node as it would be after alias expansion, and stops with an error past
//! [`MAX_BYTES`] of text, [`MAX_NODES`] nodes or [`MAX_DEPTH`] levels of
//! nesting, before it builds anything that big.

use std::collections::BTreeMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::yaml::Hash;
use yaml_rust2::Yaml;

/// Longest front matter read, in bytes.
pub const MAX_BYTES: usize = 64 * 1024;
/// Most nodes, counted after alias expansion.
pub const MAX_NODES: usize = 10_000;
/// Deepest nesting of sequences and mappings.
pub const MAX_DEPTH: usize = 128;

/// Why a block was not loaded: the message, and where (0-based line, col).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl LoadError {
    fn at(m: Marker, message: String) -> LoadError {
        LoadError {
            line: m.line(),
            col: m.col(),
            message,
        }
    }
}

/// A node being built: its value, its anchor id, and its size in nodes.
struct Open {
    node: Yaml,
    anchor: usize,
    size: usize,
    /// For a mapping, the key waiting for its value.
    key: Option<Yaml>,
}

/// Loads the first document of `src`; `None` for an empty stream.
pub fn load_first(src: &str) -> Result<Option<Yaml>, LoadError> {
    if src.len() > MAX_BYTES {
        return Err(LoadError {
            line: 0,
            col: 0,
            message: format!(
                "front matter is {} KiB, over the {} KiB limit; it was not read",
                src.len().div_ceil(1024),
                MAX_BYTES / 1024
            ),
        });
    }
    let mut parser = Parser::new_from_str(src);
    let mut stack: Vec<Open> = Vec::new();
    // Each anchored node and its expanded size.
    let mut anchors: BTreeMap<usize, (Yaml, usize)> = BTreeMap::new();
    let mut total = 0usize;
    loop {
        let (ev, mark) = parser.next_token().map_err(|e| {
            let m = *e.marker();
            LoadError::at(m, e.info().to_string())
        })?;
        let done = match ev {
            Event::StreamEnd => return Ok(None),
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => None,
            Event::SequenceStart(aid, _) | Event::MappingStart(aid, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(LoadError::at(
                        mark,
                        format!("front matter is nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let node = if matches!(ev, Event::SequenceStart(..)) {
                    Yaml::Array(Vec::new())
                } else {
                    Yaml::Hash(Hash::new())
                };
                stack.push(Open {
                    node,
                    anchor: aid,
                    size: 1,
                    key: None,
                });
                total += 1;
                None
            }
            Event::SequenceEnd | Event::MappingEnd => stack.pop(),
            Event::Scalar(v, style, aid, tag) => {
                total += 1;
                Some(Open {
                    node: scalar(v, style, tag.as_ref()),
                    anchor: aid,
                    size: 1,
                    key: None,
                })
            }
            Event::Alias(id) => {
                let (node, size) = anchors.get(&id).cloned().unwrap_or((Yaml::BadValue, 1));
                total = total.saturating_add(size);
                if total > MAX_NODES {
                    return Err(too_many(mark));
                }
                Some(Open {
                    node,
                    anchor: 0,
                    size,
                    key: None,
                })
            }
        };
        if total > MAX_NODES {
            return Err(too_many(mark));
        }
        let Some(done) = done else { continue };
        if done.anchor > 0 {
            anchors.insert(done.anchor, (done.node.clone(), done.size));
        }
        match stack.last_mut() {
            None => return Ok(Some(done.node)),
            Some(parent) => insert(parent, done, mark)?,
        }
    }
}

fn too_many(mark: Marker) -> LoadError {
    LoadError::at(
        mark,
        format!("front matter has over {MAX_NODES} values once its aliases are expanded"),
    )
}

/// Adds a finished node to its parent.
fn insert(parent: &mut Open, child: Open, mark: Marker) -> Result<(), LoadError> {
    parent.size = parent.size.saturating_add(child.size);
    match &mut parent.node {
        Yaml::Array(v) => v.push(child.node),
        Yaml::Hash(h) => match parent.key.take() {
            None => parent.key = Some(child.node),
            Some(k) => {
                if h.contains_key(&k) {
                    return Err(LoadError::at(
                        mark,
                        format!("{k:?}: duplicated key in mapping"),
                    ));
                }
                h.insert(k, child.node);
            }
        },
        _ => {}
    }
    Ok(())
}

/// A scalar's value, resolved as yaml_rust2's loader does.
fn scalar(v: String, style: TScalarStyle, tag: Option<&Tag>) -> Yaml {
    if style != TScalarStyle::Plain {
        return Yaml::String(v);
    }
    match tag {
        Some(t) if t.handle == "tag:yaml.org,2002:" => match t.suffix.as_str() {
            "bool" => match v.as_str() {
                "true" | "True" | "TRUE" => Yaml::Boolean(true),
                "false" | "False" | "FALSE" => Yaml::Boolean(false),
                _ => Yaml::BadValue,
            },
            "int" => v.parse::<i64>().map_or(Yaml::BadValue, Yaml::Integer),
            "float" => match Yaml::from_str(&v) {
                r @ Yaml::Real(_) => r,
                Yaml::Integer(_) => Yaml::Real(v),
                _ => Yaml::BadValue,
            },
            "null" => match v.as_str() {
                "~" | "null" => Yaml::Null,
                _ => Yaml::BadValue,
            },
            _ => Yaml::String(v),
        },
        Some(_) => Yaml::String(v),
        None => Yaml::from_str(&v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn laughs(levels: usize) -> String {
        let mut s = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..levels {
            s.push_str(&format!("a{i}: &a{i} ["));
            s.push_str(&vec![format!("*a{}", i - 1); 9].join(", "));
            s.push_str("]\n");
        }
        s
    }

    #[test]
    fn spec1_a_billion_laughs_is_an_error_in_bounded_time() {
        let t = std::time::Instant::now();
        let e = load_first(&laughs(9)).unwrap_err();
        assert!(e.message.contains("10000 values"), "{e:?}");
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn spec1_aliases_within_the_bound_load_as_before() {
        let src = "base: &b {x: 1}\nother: *b\nlist: [a, 'b', 2.5, true, ~]\n";
        let mine = load_first(src).unwrap().unwrap();
        let theirs = yaml_rust2::YamlLoader::load_from_str(src)
            .unwrap()
            .remove(0);
        assert_eq!(mine, theirs);
        assert_eq!(load_first("").unwrap(), None);
        assert!(load_first("a: 1\na: 2\n")
            .unwrap_err()
            .message
            .contains("duplicated"));
    }

    #[test]
    fn spec1_deep_nesting_and_big_blocks_are_errors() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(load_first(&deep)
            .unwrap_err()
            .message
            .contains("deeper than 128"));
        let big = format!("k: \"{}\"\n", "x".repeat(70_000));
        assert!(load_first(&big).unwrap_err().message.contains("64 KiB"));
    }
}
