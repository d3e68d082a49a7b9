//! The index's SQL schema: a public interface from v1 on (README "The
//! index"). Migrations are keyed by `PRAGMA user_version`; any version other
//! than the current one is rebuilt from the notes, never trusted.

/// The schema this build writes.
pub const VERSION: i64 = 1;

/// Bump when parsing changes what facts a note yields: a different value in
/// an index means every note is parsed again.
pub const PARSER_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "/parse-1");

pub const CREATE: &str = r"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per note seen by the last sync: what change detection reads on
-- every run, so kept small. `warning` (a JSON diagnostic) says why a file
-- was skipped or read lossily.
CREATE TABLE files (
    id       INTEGER PRIMARY KEY,
    path     TEXT NOT NULL UNIQUE,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    inode    INTEGER NOT NULL,
    hash     BLOB NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('note', 'report', 'skipped')),
    warning  TEXT
);

-- The parsed facts of each note as JSON (the NoteFacts shape: path, page,
-- entries, diagnostics); only for kind = 'note'.
CREATE TABLE facts (
    file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    json    TEXT NOT NULL
);

-- People as of the last sync, resolved across notes; counts and dates are
-- as of `meta.today` (the day of that sync).
CREATE TABLE people (
    handle        TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    page          TEXT,
    circles       TEXT NOT NULL,
    cadence       TEXT,
    birthday      TEXT,
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

-- Rendered answers, keyed by command and today; valid for one generation
-- (bumped by every sync that changes anything).
CREATE TABLE answers (
    key        TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    value      BLOB NOT NULL
) WITHOUT ROWID;

-- Reminders the daemon has run `on_due` for, one per reminder per day.
CREATE TABLE fired (
    day TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (day, key)
) WITHOUT ROWID;

-- Every entry relnotes keeps (one that names someone, has a tag or a task,
-- or is a dated line on a person page).
CREATE VIEW entries AS
SELECT f.path                          AS file,
       e.value ->> '$.line'            AS line,
       e.value ->> '$.date'            AS date,
       e.value ->> '$.text'            AS text,
       coalesce(e.value ->> '$.gave', 0) AS gave,
       coalesce(e.value ->> '$.got', 0) AS got,
       e.value ->> '$.task'            AS task,
       e.value ->> '$.due'             AS due,
       e.value ->> '$.done'            AS done,
       coalesce(e.value -> '$.tags', '[]') AS tags
FROM files f JOIN facts x ON x.file_id = f.id, json_each(x.json, '$.entries') e;

-- Every mention as written (a handle, or a wikilink target), with its place.
-- Resolve aliases with: LEFT JOIN aliases a ON a.alias = m.key.
CREATE VIEW mentions AS
SELECT f.path                          AS file,
       e.value ->> '$.line'            AS entry_line,
       e.value ->> '$.date'            AS date,
       m.value ->> '$.key'             AS key,
       coalesce(m.value ->> '$.wikilink', 0) AS wikilink,
       m.value ->> '$.line'            AS line,
       m.value ->> '$.col'             AS col
FROM files f JOIN facts x ON x.file_id = f.id, json_each(x.json, '$.entries') e,
     json_each(e.value, '$.mentions') m;
";
