//! The index's SQL schema: a public interface from v1 on (README "The
//! index"). Migrations are keyed by `PRAGMA user_version`; any version other
//! than the current one is rebuilt from the notes, never trusted.

/// The schema this build writes.
pub const VERSION: i64 = 7;

/// Bump when parsing changes what facts a note yields, or the binary form
/// they are kept in (`codec::FORMAT`): a different value in an index means
/// every note is parsed again.
pub const PARSER_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "/parse-2/codec-4");

pub const CREATE: &str = r"
-- `sum`: relnotes' checksum of every other row, checked on open.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per note seen by the last sync: what change detection reads on
-- every run, so kept small. `warning` (a JSON diagnostic) says why a file
-- was skipped or read lossily; `wsum` is its checksum (relnotes' own).
CREATE TABLE files (
    id       INTEGER PRIMARY KEY,
    path     TEXT NOT NULL UNIQUE,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    inode    INTEGER NOT NULL,
    hash     BLOB NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('note', 'report', 'skipped')),
    warning  TEXT,
    wsum     BLOB
);
-- What every run reads, in path order, without touching the table.
CREATE INDEX files_scan ON files (path, size, mtime_ns, ctime_ns, inode);
-- The few files with a warning, without a scan.
CREATE INDEX files_warned ON files (path) WHERE warning IS NOT NULL;

-- Internal: each note's parsed facts (relnotes' binary form), and each
-- person page's front matter; only for kind = 'note'.
CREATE TABLE facts (
    file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    data    BLOB NOT NULL
);
CREATE TABLE pages (
    file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    path    TEXT NOT NULL,
    data    BLOB NOT NULL
);

-- Internal: each day a note holds a dated interaction on (one row per note
-- and day, whoever it is with): which notes to read for someone's last
-- interaction, instead of every note's facts.
CREATE TABLE touch_days (
    day     TEXT NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    PRIMARY KEY (day, file_id)
) WITHOUT ROWID;
CREATE INDEX touch_days_file ON touch_days (file_id);

-- Everyone, resolved across notes. Counts and dates are as of `meta.today`
-- (the day of the last sync).
CREATE TABLE people (
    handle        TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    page          TEXT,
    circles       TEXT NOT NULL,
    cadence       TEXT,
    birthday      TEXT,
    org           TEXT,
    email         TEXT,
    mentions      INTEGER NOT NULL,
    interactions  INTEGER NOT NULL,
    gave          INTEGER NOT NULL,
    got           INTEGER NOT NULL,
    first_contact TEXT,
    last_contact  TEXT,
    last_gave     TEXT,
    last_got      TEXT,
    next_due      TEXT
) WITHOUT ROWID;

CREATE TABLE aliases (
    alias  TEXT PRIMARY KEY,
    handle TEXT NOT NULL
) WITHOUT ROWID;

-- Every open task with someone (SPEC §5): `people` is a comma-separated
-- list of handles, `due` and `date` are YYYY-MM-DD or NULL.
CREATE TABLE commitments (
    file   TEXT NOT NULL,
    line   INTEGER NOT NULL,
    people TEXT NOT NULL,
    due    TEXT,
    date   TEXT,
    text   TEXT NOT NULL,
    PRIMARY KEY (file, line)
) WITHOUT ROWID;

-- Dated interactions with someone, by day (each entry once): the
-- give-and-take totals.
CREATE TABLE days (
    day          TEXT PRIMARY KEY,
    interactions INTEGER NOT NULL,
    gave         INTEGER NOT NULL,
    got          INTEGER NOT NULL
) WITHOUT ROWID;

-- Internal: the ledger the answers are made from, in relnotes' binary
-- form, in rows a one-note change reads and rewrites alone: each person's
-- mentions and interactions by day (`person`, keyed by handle), each
-- note's open tasks with someone and its errors (`tasks`, `errors`, keyed
-- by path), the day totals and mention keys with whom each names
-- (`totals`). `people`, `days` and `commitments` are its public face.
CREATE TABLE ledger (
    part TEXT NOT NULL,
    key  TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (part, key)
) WITHOUT ROWID;

-- Unused since v1.1: the daemon keeps the reminders it ran `on_due` for
-- in the user's state folder, so a rebuild never forgets them (SPEC §9).
CREATE TABLE fired (
    day TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (day, key)
) WITHOUT ROWID;
";

#[cfg(test)]
mod tests {
    #[test]
    fn parser_version_names_the_codec_format() {
        assert!(super::PARSER_VERSION.ends_with(&format!("/codec-{}", super::super::codec::FORMAT)));
    }
}
