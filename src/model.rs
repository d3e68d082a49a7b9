//! The facts relnotes works with. Parsing one note yields a [`NoteFacts`]:
//! everything that file says, with file and line, and nothing that depends on
//! other files or on today's date. That makes per-file facts storable and
//! reusable: only a changed file ever needs parsing again.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A problem found in the notes, printed as `path:line:col: severity: message`.
/// `line`/`col` are 1-based; 0 means "the whole file".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnostic {
    pub path: String,
    pub line: u32,
    pub col: u32,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
    pub fn warning(path: &str, line: u32, col: u32, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            path: path.to_string(),
            line,
            col,
            severity: Severity::Warning,
            message: message.into(),
        }
    }

    pub fn error(path: &str, line: u32, col: u32, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            ..Diagnostic::warning(path, line, col, message)
        }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.path,
            self.line.max(1),
            self.col.max(1),
            self.severity.as_str(),
            self.message
        )
    }
}

/// Where an entry's date came from (SPEC §3, most specific first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateSource {
    /// A leading date on the entry itself or on the list item holding it.
    Leading,
    /// The nearest enclosing heading that holds a date.
    Heading,
    /// Front matter `date:`.
    FrontMatter,
    /// The file's path.
    Path,
    /// A journal link in the entry's text (SPEC §3 rule 5 ⟨1.1⟩).
    Link,
}

/// The state of a task list item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    Open,
    Done,
    Cancelled,
    /// Something someone owes me (SPEC §4 ⟨1.1⟩): neither an interaction
    /// nor my commitment.
    Waiting,
}

/// A reference to a person as written in an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mention {
    /// Lower-cased handle (`@Alice` → `alice`) or wikilink target
    /// (`[[people/Alice Chen|Alice]]` → `people/alice chen`).
    pub key: String,
    /// True for a wikilink, which names a person only if it resolves.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wikilink: bool,
    pub line: u32,
    pub col: u32,
}

/// One block of text: a list item's own text, a paragraph, a heading, a table
/// row, or a paragraph in a block quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub line: u32,
    /// The displayed text: markup dropped, escapes resolved, whitespace
    /// collapsed, task checkbox removed.
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_source: Option<DateSource>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub heading: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<Mention>,
    /// Lower-cased tags without `#`, sorted, unique.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gave: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub got: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Task>,
    /// The due date of a task: absolute, or relative to the entry's date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// The done date of a done task (`✅ YYYY-MM-DD`, `done:YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<NaiveDate>,
}

/// The front matter of a person page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageFacts {
    /// Canonical (lower-case) handle: front matter `handle:`, else the slug of
    /// the file stem.
    pub handle: String,
    pub name: Option<String>,
    pub aliases: Vec<String>,
    pub circles: Vec<String>,
    pub cadence: Option<String>,
    pub birthday: Option<String>,
    pub org: Option<String>,
    pub email: Option<String>,
    /// Line of each value in the file, for diagnostics (handle, aliases).
    pub handle_line: u32,
    pub aliases_line: u32,
}

/// Everything one note says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteFacts {
    /// Relative to the root, with `/`.
    pub path: String,
    /// Set when the file is a person page.
    pub page: Option<PageFacts>,
    pub entries: Vec<Entry>,
    pub diagnostics: Vec<Diagnostic>,
}

impl NoteFacts {
    /// Drops entries that can change no answer: prose that names no one,
    /// has no tag and no task, and is not a dated line on a person page.
    /// What is stored and loaded stays small; every answer stays the same.
    pub fn prune(&mut self) {
        let page = self.page.is_some();
        self.entries.retain(|e| {
            !e.mentions.is_empty()
                || e.task.is_some()
                || !e.tags.is_empty()
                || (page
                    && !e.heading
                    && matches!(
                        e.date_source,
                        Some(DateSource::Leading | DateSource::Heading | DateSource::Link)
                    ))
        });
    }
}
