//! `file://` URIs and the paths they name: percent-encoded both ways, as
//! editors send them (`file:///home/me/My%20Notes/people/Alice%20Chen.md`).
//! Anything that is no `file:` URI names no note.

use std::path::{Path, PathBuf};

/// The `file://` URI of an absolute path.
pub fn from_path(path: &Path) -> String {
    let mut out = String::from("file://");
    let s = path.to_string_lossy();
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path a `file://` URI names (a host part other than `localhost` is
/// refused); `None` for other schemes or bad escapes.
pub fn to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri
        .strip_prefix("file://")
        .or_else(|| uri.strip_prefix("FILE://"))?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = rest.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_spaces_and_unicode() {
        let p = Path::new("/tmp/My Notes/people/José #1.md");
        let u = from_path(p);
        assert_eq!(u, "file:///tmp/My%20Notes/people/Jos%C3%A9%20%231.md");
        assert_eq!(to_path(&u).as_deref(), Some(p));
        assert_eq!(
            to_path("file://localhost/a%2fb").as_deref(),
            Some(Path::new("/a/b"))
        );
        assert_eq!(to_path("untitled:Untitled-1"), None);
        assert_eq!(to_path("file:///bad%zz"), None);
        assert_eq!(to_path("file://host/x"), None);
    }
}
