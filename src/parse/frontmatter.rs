//! YAML front matter: found only when the first line is exactly `---`, read
//! with a real YAML 1.2 parser (so `no` stays a string and dates stay text).

use yaml_rust2::Yaml;

/// The front matter block of a note, if it has one.
pub struct FrontMatter<'a> {
    /// The YAML text between the fences.
    pub yaml: &'a str,
    /// 1-based line of the first YAML line (2 for a normal block).
    pub first_line: u32,
    /// Byte offset where the Markdown body starts.
    pub body_start: usize,
}

/// Outcome of looking for front matter.
pub enum Split<'a> {
    None,
    Block(FrontMatter<'a>),
    /// Starts with `---` but is never closed.
    Unclosed,
}

/// Finds the front matter in `src` (a byte-order mark must already be gone).
pub fn split(src: &str) -> Split<'_> {
    let mut lines = src.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return Split::None;
    };
    if first.trim_end_matches(['\n', '\r']) != "---" {
        return Split::None;
    }
    let start = first.len();
    let mut pos = start;
    for line in lines {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == "---" || bare == "..." {
            return Split::Block(FrontMatter {
                yaml: &src[start..pos],
                first_line: 2,
                body_start: pos + line.len(),
            });
        }
        pos += line.len();
    }
    Split::Unclosed
}

/// A YAML error with its 1-based line and column in the file.
pub struct YamlError {
    pub line: u32,
    pub col: u32,
    pub message: String,
    /// False for valid YAML that is no mapping: ignored with a warning.
    pub fatal: bool,
}

/// Parses the block into a mapping. An empty block is an empty mapping.
pub fn load(fm: &FrontMatter<'_>) -> Result<yaml_rust2::yaml::Hash, YamlError> {
    let doc = super::yaml::load_first(fm.yaml).map_err(|e| YamlError {
        line: fm.first_line + u32::try_from(e.line).unwrap_or(0).saturating_sub(1),
        col: u32::try_from(e.col).unwrap_or(0) + 1,
        message: e.message,
        fatal: true,
    })?;
    match doc {
        None | Some(Yaml::Null) => Ok(yaml_rust2::yaml::Hash::new()),
        Some(Yaml::Hash(h)) => Ok(h),
        Some(_) => Err(YamlError {
            line: fm.first_line,
            col: 1,
            message: "it is not a mapping of keys to values".to_string(),
            fatal: false,
        }),
    }
}

/// A scalar as text: strings as they are, numbers and booleans as written.
pub fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A list of scalars; a single scalar is a list of one.
pub fn list(y: &Yaml) -> Vec<String> {
    match y {
        Yaml::Array(items) => items.iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    }
}

/// Looks up a key by name.
pub fn get<'h>(h: &'h yaml_rust2::yaml::Hash, key: &str) -> Option<&'h Yaml> {
    h.get(&Yaml::String(key.to_string()))
}

/// The 1-based line in the file of a top-level `key:`, for diagnostics.
pub fn key_line(fm: &FrontMatter<'_>, key: &str) -> u32 {
    fm.yaml
        .lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(fm.first_line, |i| {
            fm.first_line + u32::try_from(i).unwrap_or(0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(src: &str) -> FrontMatter<'_> {
        match split(src) {
            Split::Block(b) => b,
            _ => panic!("no front matter in {src:?}"),
        }
    }

    #[test]
    fn spec1_front_matter_only_when_first_line_is_exactly_dashes() {
        assert!(matches!(split("--- \nname: x\n---\n"), Split::None));
        assert!(matches!(split("\n---\nname: x\n---\n"), Split::None));
        assert!(matches!(split("---\nname: x\n"), Split::Unclosed));
        let b = block("---\r\nname: x\r\n---\r\nbody");
        assert_eq!(b.yaml, "name: x\r\n");
        assert_eq!(&"---\r\nname: x\r\n---\r\nbody"[b.body_start..], "body");
    }

    #[test]
    fn spec2_yaml_1_2_no_is_a_string_and_dates_stay_text() {
        let b = block("---\nname: no\nbirthday: 2026-02-30\nn: 12\n---\n");
        let h = load(&b).ok().unwrap();
        assert_eq!(scalar(get(&h, "name").unwrap()).as_deref(), Some("no"));
        assert_eq!(
            scalar(get(&h, "birthday").unwrap()).as_deref(),
            Some("2026-02-30")
        );
        assert_eq!(scalar(get(&h, "n").unwrap()).as_deref(), Some("12"));
    }

    #[test]
    fn spec7_broken_yaml_has_a_line() {
        let b = block("---\nname: x\naliases: [unclosed\n---\n");
        let e = load(&b).err().unwrap();
        assert!(e.line >= 3, "line {}", e.line);
        assert_eq!(key_line(&b, "aliases"), 3);
    }

    #[test]
    fn spec2_list_accepts_a_single_scalar() {
        let b = block("---\naliases: ali\ncircles: [mentor, peer]\n---\n");
        let h = load(&b).ok().unwrap();
        assert_eq!(list(get(&h, "aliases").unwrap()), ["ali"]);
        assert_eq!(list(get(&h, "circles").unwrap()), ["mentor", "peer"]);
    }
}
