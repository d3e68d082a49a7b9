//! The persistent index: a machine-local SQLite file (never in the notes
//! folder) holding each note's stat, content hash and parsed facts, so a run
//! parses only what changed. Opened only through SQLite; WAL mode, a busy
//! timeout and `BEGIN IMMEDIATE` writes let a CLI run and the daemon share
//! it. Anything doubtful (corrupt pages, a truncated file, a schema from the
//! future) is moved aside and rebuilt from the notes.

pub mod codec;
pub mod context;
pub mod fts;
pub mod schema;
pub mod store;
pub mod sync;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

pub use sync::{sync, Look, SyncStats};

/// Why the index could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Sql {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

/// The index of one notes root.
pub struct Index {
    pub conn: Connection,
    pub path: PathBuf,
}

/// Where the index of `root` lives by default:
/// `$XDG_CACHE_HOME/relnotes/<hash of the root's canonical path>/index.sqlite`
/// on Linux, the platform's cache folder elsewhere.
pub fn default_path(root: &Path) -> Option<PathBuf> {
    let canonical = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let hash = blake3::hash(canonical.to_string_lossy().as_bytes());
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(dirs::cache_dir)?;
    Some(
        cache
            .join("relnotes")
            .join(&hash.to_hex()[..16])
            .join("index.sqlite"),
    )
}

/// What went wrong opening an index file.
enum OpenError {
    /// The file is not a healthy index: move it aside and start again.
    Doubtful(String),
    Io(std::io::Error),
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for OpenError {
    fn from(e: rusqlite::Error) -> OpenError {
        match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
                ) =>
            {
                OpenError::Doubtful(e.to_string())
            }
            _ => OpenError::Sql(e),
        }
    }
}

/// Whether an error says the index cannot be used now (busy, locked, a full
/// disk, read-only, an I/O failure), not that it is damaged: such an index
/// is left alone, never moved aside.
pub fn is_transient(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{
        CannotOpen, DatabaseBusy, DatabaseLocked, DiskFull, OutOfMemory, PermissionDenied,
        ReadOnly, SystemIoFailure,
    };
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _) if matches!(
            f.code,
            DatabaseBusy | DatabaseLocked | DiskFull | ReadOnly | SystemIoFailure
                | CannotOpen | PermissionDenied | OutOfMemory
        )
    )
}

/// What SQLite keeps beside a database: the WAL and its shared memory, and
/// the rollback journal of a first build (see [`Index::fresh_build`]). A
/// database is never moved without them: a hot journal left behind would
/// be played back into whatever file takes the name next.
const SUFFIXES: [&str; 4] = ["", "-wal", "-shm", "-journal"];

/// The index file and its companions (see [`SUFFIXES`]).
fn companions(path: &Path) -> [PathBuf; 4] {
    SUFFIXES.map(|suffix| {
        let mut s = path.as_os_str().to_os_string();
        s.push(suffix);
        PathBuf::from(s)
    })
}

/// Renames an index file and its `-wal`/`-shm`/`-journal` to `….corrupt-<time>`, so a
/// new one can be built and the old one looked at. Only the latest damaged
/// copy is kept: an index damaged again and again must not fill the disk.
pub fn move_aside(path: &Path) -> Result<(), IndexError> {
    forget_older_copies(path);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    for p in companions(path) {
        if p.exists() {
            let mut aside = p.as_os_str().to_os_string();
            aside.push(format!(".corrupt-{stamp}"));
            std::fs::rename(&p, &aside).map_err(|source| IndexError::Io {
                path: p.clone(),
                source,
            })?;
        }
    }
    Ok(())
}

/// Removes the damaged copies an earlier [`move_aside`] of `path` kept.
fn forget_older_copies(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let name = name.to_string_lossy();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let n = e.file_name();
        let n = n.to_string_lossy();
        let ours = SUFFIXES.iter().any(|s| {
            n.strip_prefix(&format!("{name}{s}.corrupt-"))
                .is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        });
        if ours && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

impl Index {
    /// Opens (or creates) the index at `path`. A doubtful index is moved
    /// aside with its `-wal`/`-shm` and rebuilt; the warning says so.
    /// `thorough` runs SQLite's quick check on all of it, not only `meta`.
    pub fn open(path: &Path, thorough: bool) -> Result<(Index, Vec<String>), IndexError> {
        let mut warnings = Vec::new();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
                path: dir.to_path_buf(),
                source: if dir.ancestors().any(|a| a.is_file()) {
                    std::io::Error::other(
                        "a file is in the way of the index's folder: give --index a path whose folders are folders",
                    )
                } else {
                    source
                },
            })?;
        }
        for attempt in 0..2 {
            let lap = crate::lap::Lap::new();
            let opened = open_conn(path, thorough);
            lap.done("open and check the index");
            match opened {
                Ok(conn) => {
                    return Ok((
                        Index {
                            conn,
                            path: path.to_path_buf(),
                        },
                        warnings,
                    ))
                }
                Err(OpenError::Doubtful(why)) if attempt == 0 => {
                    move_aside(path)?;
                    warnings.push(format!(
                        "{}: index was unusable ({why}); moved aside and rebuilt from the notes",
                        path.display()
                    ));
                }
                Err(OpenError::Doubtful(why)) => {
                    return Err(IndexError::Sql {
                        path: path.to_path_buf(),
                        source: rusqlite::Error::InvalidParameterName(why),
                    })
                }
                Err(OpenError::Io(source)) => {
                    return Err(IndexError::Io {
                        path: path.to_path_buf(),
                        source,
                    })
                }
                Err(OpenError::Sql(source)) => {
                    return Err(IndexError::Sql {
                        path: path.to_path_buf(),
                        source,
                    })
                }
            }
        }
        unreachable!("the loop returns on its second attempt")
    }

    pub fn meta(&self, key: &str) -> rusqlite::Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
    }

    /// Whether a sync has written the ledger.
    pub fn has_ledger(&self) -> rusqlite::Result<bool> {
        self.conn
            .query_row(
                "SELECT 1 FROM ledger WHERE part = 'totals' AND key = ?1",
                [codec::TOTALS],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
    }

    /// Where rendered answers are kept: files beside the index, one per
    /// question, named for the index's state (`meta.state`, new with every
    /// sync that changes anything, and with every new index), each ending
    /// in a BLAKE3 hash of its bytes. Reading a file is much cheaper than
    /// reading a multi-megabyte blob through SQLite, a file of another state
    /// is never read, and a torn one fails its hash.
    fn answer_file(&self, key: &str, state: &str) -> PathBuf {
        let mut dir = self.path.as_os_str().to_os_string();
        dir.push(".answers");
        let name = format!("{}-{state}", &blake3::hash(key.as_bytes()).to_hex()[..16]);
        PathBuf::from(dir).join(name)
    }

    /// The index's state: it changes with every sync that changes anything
    /// (a stored answer is valid for one state).
    pub fn state(&self) -> Option<String> {
        self.meta("state").ok().flatten()
    }

    /// A rendered answer stored for `key` in the index's state now.
    pub fn cached(&self, key: &str) -> Option<Vec<u8>> {
        let file = self.answer_file(key, &self.state()?);
        let mut bytes = std::fs::read(file).ok()?;
        let body = bytes.len().checked_sub(32)?;
        if blake3::hash(&bytes[..body]).as_bytes() != &bytes[body..] {
            return None;
        }
        bytes.truncate(body);
        Some(bytes)
    }

    /// Before the first sync into an empty index: leaves WAL mode for a
    /// rollback journal, so that tens of MB of new pages are written once,
    /// into the file, not into the WAL and then again by a checkpoint
    /// (a cold index at 10,000 notes: commit 150 -> 45 ms, and no
    /// checkpoint after). Safe against a kill: a new page needs no undo,
    /// and the journal records the size to cut the file back to. Nothing
    /// changes when the index is not empty, or when the mode cannot change
    /// now (another connection has the index open): the sync then goes
    /// through the WAL as any other. [`Index::end_fresh_build`] undoes it.
    pub fn fresh_build(&self) {
        let empty = self
            .conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM files)", [], |r| r.get(0))
            .unwrap_or(false);
        let rollback = empty
            && self
                .conn
                .query_row("PRAGMA journal_mode = DELETE", [], |r| {
                    r.get::<_, String>(0)
                })
                .is_ok_and(|m| m.eq_ignore_ascii_case("delete"));
        if rollback {
            // Read back through a map, the pages just written would count
            // in the run's resident memory (155 -> 171 MB at 10,000 notes).
            let _ = self.conn.execute_batch("PRAGMA mmap_size = 0");
        }
    }

    /// Back to WAL mode after a [`Index::fresh_build`] (if it left it), so
    /// that readers never wait for a writer. A failure leaves it to the
    /// next open, which sets WAL mode first.
    pub fn end_fresh_build(&self) {
        let mode = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0));
        if mode.is_ok_and(|m| m.eq_ignore_ascii_case("wal")) {
            return;
        }
        let _ = self
            .conn
            .execute_batch(&format!("PRAGMA mmap_size = {MMAP_SIZE}"));
        let mode = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
        if !mode.as_deref().is_ok_and(|m| m.eq_ignore_ascii_case("wal")) {
            tracing::debug!("index left in rollback mode until the next open: {mode:?}");
        }
    }

    /// After a sync: a WAL grown past [`WAL_TRIM`] is checkpointed and
    /// truncated (a reader in the middle of a read makes it wait for the
    /// next sync; a failure only leaves it for then).
    pub fn trim_wal(&self) {
        let wal = &companions(&self.path)[1];
        if std::fs::metadata(wal).is_ok_and(|m| m.len() > WAL_TRIM) {
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }

    /// Stores a rendered answer for `state`, the state the index was in
    /// before the answer was computed (so an answer made from what another
    /// process changed meanwhile is filed under a state no one reads), and
    /// removes those of other states. A failure only costs speed next time.
    pub fn store(&self, state: &str, key: &str, value: &[u8]) {
        self.answer_store(state, key).write(value);
    }

    /// Where [`Index::store`] would store the answer for `key` in `state`,
    /// to store it from another thread.
    pub fn answer_store(&self, state: &str, key: &str) -> AnswerStore {
        AnswerStore {
            file: self.answer_file(key, state),
            state: state.to_string(),
        }
    }
}

/// A place for one rendered answer (see [`Index::store`]).
pub struct AnswerStore {
    file: PathBuf,
    state: String,
}

impl AnswerStore {
    /// Stores `value`, and removes the answers of other states.
    pub fn write(&self, value: &[u8]) {
        let (file, state) = (&self.file, &self.state);
        let Some(dir) = file.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.filter_map(Result::ok) {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if !name.ends_with(&format!("-{state}")) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let write = || -> std::io::Result<()> {
            let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
            std::io::Write::write_all(&mut tmp, value)?;
            std::io::Write::write_all(&mut tmp, blake3::hash(value).as_bytes())?;
            tmp.persist(file).map_err(|e| e.error)?;
            Ok(())
        };
        let _ = write();
    }
}

/// The checksum of every `meta` row but its own (`sum`), as text.
pub fn meta_sum(conn: &Connection) -> rusqlite::Result<String> {
    let mut stmt = conn.prepare("SELECT key, value FROM meta WHERE key != 'sum' ORDER BY key")?;
    let mut rows = stmt.query([])?;
    let mut h = blake3::Hasher::new();
    while let Some(r) = rows.next()? {
        for i in 0..2 {
            let b = r.get_ref(i)?.as_bytes()?;
            h.update(&(b.len() as u64).to_le_bytes());
            h.update(b);
        }
    }
    Ok(h.finalize().to_hex()[..16].to_string())
}

/// Whether `meta` matches its checksum. Only an index no sync wrote (no
/// meta rows at all) has none: a `sum` row that went missing, or whose key
/// a flipped bit changed, is damage too.
pub(crate) fn meta_intact(conn: &Connection) -> rusqlite::Result<bool> {
    // One read transaction: a sync in another process cannot come between.
    let tx = conn.unchecked_transaction()?;
    let stored: Option<Vec<u8>> = tx
        .query_row("SELECT value FROM meta WHERE key = 'sum'", [], |r| {
            Ok(r.get_ref(0)?.as_bytes()?.to_vec())
        })
        .optional()?;
    match stored {
        Some(s) => Ok(meta_sum(&tx).is_ok_and(|m| m.as_bytes() == s)),
        None => tx.query_row("SELECT COUNT(*) = 0 FROM meta", [], |r| r.get(0)),
    }
}

/// Largest WAL kept after a sync, in bytes.
const WAL_TRIM: u64 = 1 << 20;

/// How much of the index file reads go through a memory map (all of it).
const MMAP_SIZE: u64 = 1 << 30;

fn open_conn(path: &Path, thorough: bool) -> Result<Connection, OpenError> {
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.len() > 0 && meta.len() < 512 {
            return Err(OpenError::Doubtful("truncated file".into()));
        }
    }
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // WAL must be set outside any transaction; it persists in the file.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(OpenError::Io(std::io::Error::other(format!(
            "cannot use WAL mode (got {mode}); is this a network filesystem?"
        ))));
    }
    // Reads through a memory map: a run reads much and writes little.
    // The WAL is cut back to WAL_TRIM bytes at each checkpoint: a daemon
    // that keeps the index open must not keep a big sync's WAL for good.
    conn.execute_batch(&format!(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA mmap_size = {MMAP_SIZE}; PRAGMA journal_size_limit = {WAL_TRIM};"
    ))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    // A quick check of the whole file costs more than the rest of a run
    // that changed nothing (17 ms at 10,000 notes), so an ordinary run
    // checks `meta` here and verifies the rest by reading it: the files
    // table in full on every sync, the ledger and facts when they are used;
    // SQLite reports a damaged page as an error, and the index is moved
    // aside and rebuilt. `relnotes index` and the daemon's start check all.
    let check = if thorough || version != schema::VERSION {
        "PRAGMA quick_check"
    } else {
        "PRAGMA quick_check(meta)"
    };
    // FTS5 checks its own tables in a quick check, and reports a damaged
    // one as an error, not a verdict: that too is a damaged index.
    let verdict: String = match conn.query_row(check, [], |r| r.get(0)) {
        Ok(v) => v,
        Err(e) if is_transient(&e) => return Err(e.into()),
        Err(e) => return Err(OpenError::Doubtful(format!("quick_check: {e}"))),
    };
    if verdict != "ok" {
        // Its report may span lines: a warning is one line, always.
        let mut one: String = verdict.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some((cut, _)) = one.char_indices().nth(200) {
            one.truncate(cut);
            one.push('…');
        }
        return Err(OpenError::Doubtful(format!("quick_check: {one}")));
    }
    if version > schema::VERSION {
        return Err(OpenError::Doubtful(format!(
            "schema version {version} is newer than this relnotes ({})",
            schema::VERSION
        )));
    }
    if version != schema::VERSION {
        migrate(&conn)?;
    }
    if !meta_intact(&conn).unwrap_or(false) {
        return Err(OpenError::Doubtful(
            "its meta table fails its checksum".into(),
        ));
    }
    Ok(conn)
}

/// Creates the schema, dropping an older one: its facts are re-parsed.
fn migrate(conn: &Connection) -> Result<(), OpenError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| -> rusqlite::Result<()> {
        // Another process may have migrated while we waited for the lock.
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version == schema::VERSION {
            return Ok(());
        }
        // Triggers first, then virtual tables, then the rest, newest
        // first: children before the tables they reference, so a drop
        // never cascades (a cascade into a trigger that writes to a
        // virtual table is refused: "database table is locked").
        let objects: Vec<(String, String)> = conn
            .prepare(
                "SELECT type, name FROM sqlite_master
                 WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite_%'
                 ORDER BY type = 'trigger' DESC, sql LIKE 'CREATE VIRTUAL%' DESC, rowid DESC",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (kind, name) in objects {
            conn.execute_batch(&format!(
                "DROP {} IF EXISTS \"{}\"",
                kind.to_uppercase(),
                name.replace('"', "")
            ))?;
        }
        conn.execute_batch(schema::CREATE)?;
        conn.execute_batch(fts::CREATE)?;
        conn.execute_batch(&format!("PRAGMA user_version = {}", schema::VERSION))?;
        Ok(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e.into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_schema_with_a_full_text_table_is_replaced() {
        // Schema 5's `who` tables: an FTS5 table that a trigger on a
        // child of `files` writes to. Dropping `files` first cascaded into
        // it, and SQLite refused ("database table is locked"): every
        // run of a newer relnotes answered from memory.
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("i.sqlite");
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT);
             CREATE TABLE entries (
                 id INTEGER PRIMARY KEY,
                 file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE
             );
             CREATE VIRTUAL TABLE entry_words USING fts5(words, content = '', contentless_delete = 1);
             CREATE TRIGGER entries_gone AFTER DELETE ON entries BEGIN
                 DELETE FROM entry_words WHERE rowid = old.id;
             END;
             INSERT INTO files VALUES (1, 'a.md');
             INSERT INTO entries VALUES (1, 1);
             INSERT INTO entry_words (rowid, words) VALUES (1, 'x');
             PRAGMA user_version = 5;",
        )
        .unwrap();
        drop(c);
        let (idx, _) = Index::open(&path, false).unwrap();
        let version: i64 = idx
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, schema::VERSION);
        let old: i64 = idx
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name LIKE 'entr%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old, 0);
    }

    #[test]
    fn a_stored_answer_is_read_only_in_the_state_it_was_stored_for() {
        let tmp = tempfile::tempdir().unwrap();
        let (idx, _) = Index::open(&tmp.path().join("i.sqlite"), true).unwrap();
        let set = |state: &str| {
            idx.conn
                .execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('state', ?1)",
                    [state],
                )
                .unwrap()
        };
        set("s1");
        idx.store("s1", "q", b"answer one");
        assert_eq!(idx.cached("q").as_deref(), Some(&b"answer one"[..]));
        // Another process changed the index while an answer was being made
        // from the old state: filed under that state, it is never read.
        set("s2");
        assert_eq!(idx.cached("q"), None);
        idx.store("s1", "q2", b"made from s1");
        assert_eq!(idx.cached("q2"), None);
        idx.store("s2", "q2", b"made from s2");
        assert_eq!(idx.cached("q2").as_deref(), Some(&b"made from s2"[..]));
    }

    #[test]
    fn meta_without_its_checksum_row_is_damage_unless_empty() {
        let tmp = tempfile::tempdir().unwrap();
        let (idx, _) = Index::open(&tmp.path().join("i.sqlite"), true).unwrap();
        // No sync wrote it yet: nothing to check.
        assert!(meta_intact(&idx.conn).unwrap());
        idx.conn
            .execute("INSERT INTO meta (key, value) VALUES ('root', '/n')", [])
            .unwrap();
        let sum = meta_sum(&idx.conn).unwrap();
        idx.conn
            .execute("INSERT INTO meta (key, value) VALUES ('sum', ?1)", [&sum])
            .unwrap();
        assert!(meta_intact(&idx.conn).unwrap());
        // A flipped bit in the key `sum` must not switch the check off.
        idx.conn
            .execute("UPDATE meta SET key = 'sun' WHERE key = 'sum'", [])
            .unwrap();
        assert!(!meta_intact(&idx.conn).unwrap());
    }

    #[test]
    fn busy_full_or_read_only_is_not_damage() {
        let err = |code| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        assert!(is_transient(&err(rusqlite::ffi::SQLITE_BUSY)));
        assert!(is_transient(&err(rusqlite::ffi::SQLITE_FULL)));
        assert!(is_transient(&err(rusqlite::ffi::SQLITE_READONLY)));
        assert!(!is_transient(&err(rusqlite::ffi::SQLITE_CORRUPT)));
        assert!(!is_transient(&err(rusqlite::ffi::SQLITE_NOTADB)));
    }
}
