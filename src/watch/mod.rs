//! `relnotes watch`: the daemon (SPEC §9). A thin shell around the same
//! sync and answers every command uses:
//!
//! 1. take the per-root lock; watch the folders a walk enters (before the
//!    first sync, so nothing written meanwhile is missed); sync, write the
//!    report, fire due hooks;
//! 2. each debounced batch of events is a set of hints (paths to look at
//!    again), never a fact;
//! 3. per batch: reconcile the watches if folders came or went, re-stat and
//!    re-sync what is on disk, rewrite the report if its bytes changed, and
//!    run `on_due` for reminders newly due today; one log line;
//! 4. also wake at local midnight (the report depends on the date), and
//!    retry with backoff while the root is gone or unreadable;
//! 5. removals are published (report, hooks) only after the root was
//!    checked again and a quiet window passed with nothing more gone, so a
//!    deletion in progress never shows as a half-deleted tree;
//! 6. on SIGHUP, re-read the config; on SIGINT/SIGTERM, exit 0 once the
//!    current batch is done.

mod backend;
mod events;
mod hooks;
pub mod lock;
pub mod publish;
pub mod state;

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::config::Config;
use crate::dates::Dur;
use crate::error::{Error, Exit};
use crate::query::{Answers, Reminder};
use crate::source::Source;

use backend::{Msg, WatchFailure, Watcher};
use events::Pending;
use hooks::Hooks;
use publish::Published;

/// How the daemon was asked to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The notes root and its config.
    pub root: PathBuf,
    pub cfg: Config,
    /// `--index`, else the default place in the cache folder.
    pub index: Option<PathBuf>,
    /// `--today`: a pinned date never rolls over.
    pub today: Option<NaiveDate>,
    /// `--report`, else the config's `report`.
    pub report: Option<PathBuf>,
    pub poll: bool,
    pub debounce: Duration,
    pub hook_timeout: Duration,
    pub verbose: u8,
}

/// A note that reads as 0 bytes right after an event is looked at again
/// after this long: VS Code saves by truncating, then writing.
const EMPTY_RECHECK: Duration = Duration::from_millis(150);
/// Longest sleep: the date is checked at least this often (a suspended
/// laptop wakes up to a new day).
const MAX_WAIT: Duration = Duration::from_secs(60);
/// How soon a sync that could not see everything is tried again.
const RETRY: Duration = Duration::from_secs(1);
/// Backoff while the root is gone.
const ROOT_BACKOFF: (Duration, Duration) = (Duration::from_millis(250), Duration::from_secs(5));
/// Batches queued between the watcher and the loop before overflow.
const QUEUE: usize = 256;
/// Removals are published only after this long with nothing more gone.
const QUIET: Duration = Duration::from_millis(2000);

/// The daemon's state between batches.
struct Daemon {
    root: PathBuf,
    /// The lock on the root folder itself (taken again when the root comes
    /// back as a new folder).
    folder_lock: std::fs::File,
    /// Set when another daemon locked the root while it was away: why
    /// this one stopped.
    lost_root: Option<String>,
    cfg: Config,
    /// `--report` given on the command line (wins over the config's).
    report_flag: Option<PathBuf>,
    report: Option<Published>,
    /// The config's `calendar`: the reminders as ICS, kept like the report.
    calendar: Option<Published>,
    src: Source,
    index_path: PathBuf,
    index_id: Option<(u64, u64)>,
    pinned: Option<NaiveDate>,
    /// The day the last report and hooks were made for.
    today: Option<NaiveDate>,
    /// The index state they were made from: a CLI run may sync a change
    /// before the daemon does, and the daemon must still answer for it.
    answered: Option<String>,
    hooks: Option<Hooks>,
    hook_timeout: Duration,
    /// Reminders `on_due` ran for (in the user's state folder).
    fired: state::Fired,
    /// Diagnostics already logged, so each is logged once.
    logged: BTreeSet<String>,
    retry_at: Option<Instant>,
    /// Notes went away: nothing is published before this time (moved on
    /// by each batch that finds more gone).
    quiet_until: Option<Instant>,
    /// Notes seen when the report was last published: an empty root after
    /// that is a root going away, not notes deleted.
    published_seen: usize,
    /// Notes seen by the last sync.
    last_seen: usize,
}

/// Runs the daemon until SIGINT or SIGTERM.
pub fn run(opts: Options) -> Result<Exit, Error> {
    init_log(opts.verbose);
    let root = opts.root.canonicalize().map_err(|source| Error::Io {
        path: opts.root.clone(),
        source,
    })?;
    let Some(index_path) = opts
        .index
        .clone()
        .or_else(|| crate::index::default_path(&root))
    else {
        return Err(Error::Usage(
            "no cache folder for the index and its lock; give --index PATH".into(),
        ));
    };
    let lock::Locks {
        folder: folder_lock,
        index: _index_lock,
        root: _root_lock,
    } = lock::acquire_all(&index_path, &root).map_err(|e| Error::Usage(e.to_string()))?;

    let (tx, rx) = mpsc::sync_channel::<Msg>(QUEUE);
    let stop_tx = tx.clone();
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ])
    .map_err(|source| Error::Io {
        path: PathBuf::from("<signals>"),
        source,
    })?;
    std::thread::spawn(move || {
        for sig in signals.forever() {
            let msg = match sig {
                signal_hook::consts::SIGHUP => Msg::Reload,
                signal_hook::consts::SIGINT => Msg::Stop("SIGINT"),
                _ => Msg::Stop("SIGTERM"),
            };
            if stop_tx.send(msg).is_err() {
                return;
            }
        }
    });

    let mut d = Daemon {
        report_flag: opts.report.clone(),
        report: None,
        calendar: None,
        src: Source::default(),
        index_path,
        index_id: None,
        pinned: opts.today,
        today: None,
        answered: None,
        hooks: None,
        hook_timeout: opts.hook_timeout,
        fired: state::Fired::load(&root),
        logged: BTreeSet::new(),
        retry_at: None,
        quiet_until: None,
        published_seen: 0,
        last_seen: 0,
        cfg: opts.cfg.clone(),
        root,
        folder_lock,
        lost_root: None,
    };
    d.configure();
    for r in d.report.iter().chain(&d.calendar) {
        let n = r.clean_stale_temps();
        if n > 0 {
            tracing::info!(
                "removed {n} temp file(s) a stopped relnotes left beside {}",
                r.path.display()
            );
        }
    }
    // Watch first, then sync: a note written in between is read by the
    // sync or makes an event (the other way round, one written after the
    // sync read its folder but before the folder was watched was missed).
    let overflow = Arc::new(AtomicBool::new(false));
    let mut watcher = match Watcher::new(
        opts.poll,
        opts.debounce,
        tx.clone(),
        Arc::clone(&overflow),
    ) {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(
                "cannot use OS file events ({e}); polling instead (if inotify instances ran out, raise fs.inotify.max_user_instances)"
            );
            Watcher::new(true, opts.debounce, tx.clone(), Arc::clone(&overflow))
                .map_err(|e| Error::Usage(format!("cannot watch {}: {e}", d.root.display())))?
        }
    };
    d.reconcile(&mut watcher);
    let started = Instant::now();
    d.open_index();
    d.after_sync(started, None, true);
    tracing::info!(
        "watching {} ({} folders, {}); index {}; {}",
        d.root.display(),
        watcher.len(),
        watcher.kind(),
        d.src.location().map_or_else(
            || "none (answering from memory)".into(),
            |p| p.display().to_string()
        ),
        d.report.as_ref().map_or_else(
            || "no report file (set `report` in .relnotes.toml or pass --report)".into(),
            |r| format!("report {}", r.path.display())
        ),
    );
    let stopped_by = d.serve(&rx, &mut watcher, &overflow);
    tracing::info!("{stopped_by}: stopping");
    drop(watcher);
    if let Some(h) = d.hooks.take() {
        let unrun = h.shutdown();
        d.unfire(unrun);
    }
    tracing::info!("stopped");
    match d.lost_root {
        Some(why) => Err(Error::Usage(why)),
        None => Ok(Exit::Success),
    }
}

/// Logs to stderr with tracing: info by default, `-v` debug, `-vv` trace,
/// `RUST_LOG` wins. Colour only on a terminal and never with `NO_COLOR`.
fn init_log(verbose: u8) {
    let level = match verbose {
        0 => "relnotes=info",
        1 => "relnotes=debug",
        _ => "relnotes=trace,notify=debug,notify_debouncer_full=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let color = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    // Any thread may log (the on_due worker, notify's at -vv): `main` holds
    // no lock on stderr, so each line is written whole, from anywhere.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .try_init();
}

/// Returns freed heap to the OS. glibc keeps what a big sync freed (the
/// first one parses every note) in the process for good; a daemon that
/// idles for days should not sit on it.
fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it touches nothing
    // that is in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A file's device and inode: tells whether the index was replaced.
fn file_id(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).ok().map(|m| (m.len(), 0))
    }
}

/// Time until the next local midnight.
fn until_midnight(now: chrono::DateTime<chrono::Local>) -> Duration {
    use chrono::TimeZone;
    let next = now
        .date_naive()
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| chrono::Local.from_local_datetime(&t).earliest());
    next.and_then(|t| (t - now).to_std().ok())
        .unwrap_or(MAX_WAIT)
}

impl Daemon {
    fn day(&self) -> NaiveDate {
        self.pinned
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }

    /// Opens (checking all of it) and syncs the index.
    fn open_index(&mut self) {
        self.src = Source::open(
            Some(&self.index_path),
            &self.root,
            &self.cfg,
            self.day(),
            crate::source::OpenOptions {
                thorough: true,
                ..Default::default()
            },
            &mut |m| tracing::warn!("{m}"),
        );
        self.index_id = file_id(&self.index_path);
    }

    /// Applies the config: the report file and the hook runner.
    fn configure(&mut self) {
        let report = match (&self.report_flag, &self.cfg.report) {
            (Some(flag), _) => Some(Published::new(&self.root, flag, false)),
            (None, Some(rel)) => Some(Published::new(&self.root, Path::new(rel), true)),
            (None, None) => None,
        };
        self.report = match report {
            Some(Err(e)) => {
                tracing::error!("{e}; no report file is written");
                None
            }
            Some(Ok(r)) => Some(r),
            None => None,
        };
        let calendar = self.cfg.calendar.as_ref();
        self.calendar = match calendar.map(|rel| Published::new(&self.root, Path::new(rel), true)) {
            Some(Err(e)) => {
                tracing::error!("{e}; no calendar file is written");
                None
            }
            Some(Ok(c)) => Some(c),
            None => None,
        };
        self.configure_hooks();
    }

    /// The command `on_due` may run: the config's, once the user allowed
    /// that exact config for this root on this machine (`relnotes allow`).
    fn allowed_hook(&mut self) -> Option<String> {
        let cmd = self.cfg.on_due.clone()?;
        if state::is_allowed(&self.root, &self.cfg.allow_key) {
            return Some(cmd);
        }
        let why = format!(
            "on_due is not run: {}/{} was not allowed on this machine (a notes folder must not run commands here unless you say so); after reading it, run `relnotes --dir {} allow`",
            self.root.display(),
            crate::config::FILE_NAME,
            self.root.display()
        );
        if self.logged.insert(format!("{why} {}", self.cfg.allow_key)) {
            tracing::warn!("{why}");
        }
        None
    }

    /// Starts, keeps or stops the hook runner for the allowed command.
    fn configure_hooks(&mut self) {
        let cmd = self.allowed_hook();
        // The hook runner goes on unless its command changed.
        if self.hooks.as_ref().map(|h| &h.command) != cmd.as_ref() {
            if let Some(h) = self.hooks.take() {
                self.unfire(h.shutdown());
            }
            if let Some(c) = &cmd {
                tracing::info!("on_due allowed for this config: `{c}`");
            }
            self.hooks = cmd.map(|cmd| Hooks::start(cmd, self.root.clone(), self.hook_timeout));
        }
    }

    /// Waits for and runs batches until a stop signal; returns its name.
    fn serve(
        &mut self,
        rx: &Receiver<Msg>,
        watcher: &mut Watcher,
        overflow: &AtomicBool,
    ) -> &'static str {
        let mut pending = Pending::default();
        let mut backoff = ROOT_BACKOFF.0;
        let mut root_gone = false;
        loop {
            let wait = if root_gone { backoff } else { self.wait_time() };
            let first = match rx.recv_timeout(wait) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return "watcher gone",
            };
            // Everything already queued joins this batch.
            for msg in first
                .into_iter()
                .chain(std::iter::from_fn(|| rx.try_recv().ok()))
            {
                match msg {
                    Msg::Stop(name) => return name,
                    Msg::Reload => {
                        tracing::info!("SIGHUP: re-reading {}", crate::config::FILE_NAME);
                        pending.config = true;
                    }
                    Msg::Events(evs) => {
                        let is_watched = |p: &Path| watcher.watches(p);
                        for ev in &evs {
                            events::gather(
                                &self.root,
                                &self.cfg,
                                &self.published_rels(),
                                ev,
                                &is_watched,
                                &mut pending,
                            );
                        }
                    }
                    Msg::Errors(errs) => {
                        for e in errs {
                            if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) {
                                self.fall_back(watcher);
                            } else {
                                tracing::warn!("watcher: {e}; syncing everything");
                            }
                        }
                        pending.full = true;
                    }
                }
            }
            if overflow.swap(false, Ordering::SeqCst) {
                tracing::warn!("the event queue overflowed; syncing everything");
                pending.full = true;
            }
            if self.root_gone() {
                if !root_gone {
                    tracing::warn!(
                        "{}: the notes root is gone or empty, or cannot be read (unmounted, renamed, deleted, or its owner or permissions changed?); the index and the report keep what they knew; retrying (if you emptied it on purpose, restart relnotes watch)",
                        self.root.display()
                    );
                    watcher.clear();
                    root_gone = true;
                } else {
                    backoff = (backoff * 2).min(ROOT_BACKOFF.1);
                }
                pending = Pending::default();
                continue;
            }
            if root_gone {
                match lock::relock_folder(&mut self.folder_lock, &self.root) {
                    Ok(()) => {}
                    Err(e @ lock::LockError::Held { .. }) => {
                        self.lost_root = Some(e.to_string());
                        return "the root came back watched by another relnotes";
                    }
                    Err(e) => {
                        tracing::warn!("{e}; retrying");
                        pending = Pending::default();
                        continue;
                    }
                }
                tracing::info!("{}: the notes root is back", self.root.display());
                root_gone = false;
                backoff = ROOT_BACKOFF.0;
                // It may be back with another config: its events were
                // dropped while it was gone.
                pending.full = true;
                pending.config = true;
            }
            // The report's own rewrite shows as events on its path: only a
            // report that is really gone asks for work.
            if pending.report
                && self
                    .report
                    .iter()
                    .chain(&self.calendar)
                    .all(|r| std::fs::symlink_metadata(&r.path).is_ok())
            {
                pending.report = false;
            }
            let new_day = self.today != Some(self.day());
            let retry = self.retry_at.is_some_and(|t| Instant::now() >= t);
            if pending.is_empty() && !new_day && !retry {
                continue;
            }
            let batch = std::mem::take(&mut pending);
            self.batch(batch, watcher);
        }
    }

    /// Whether the root is gone: no folder there, one we cannot read (it
    /// came back as another owner's), or an empty one where the last sync
    /// or the last report saw notes (an unmounted disk leaves its empty
    /// mount point; syncing that would forget every note, and write the
    /// report there).
    fn root_gone(&self) -> bool {
        let seen = self.src.stats.seen.max(self.published_seen);
        match std::fs::read_dir(&self.root) {
            Err(_) => true,
            Ok(mut d) => seen > 0 && d.next().is_none(),
        }
    }

    /// How long the loop may sleep: until a retry, midnight, or a minute.
    fn wait_time(&self) -> Duration {
        let mut wait = MAX_WAIT;
        if let Some(at) = self.retry_at {
            wait = wait.min(at.saturating_duration_since(Instant::now()));
        }
        if let Some(at) = self.quiet_until {
            wait = wait.min(at.saturating_duration_since(Instant::now()));
        }
        if self.pinned.is_none() {
            wait = wait.min(until_midnight(chrono::Local::now()) + Duration::from_millis(50));
        }
        wait
    }

    /// Switches to polling when the OS has no watches left.
    fn fall_back(&mut self, watcher: &mut Watcher) {
        if watcher.is_polling() {
            return;
        }
        tracing::warn!(
            "out of inotify watches: polling instead. To use OS events, raise the limit: sudo sysctl fs.inotify.max_user_watches=524288 (and add it to /etc/sysctl.conf)"
        );
        if let Err(e) = watcher.fall_back_to_polling() {
            tracing::error!("cannot poll either: {e}");
        }
    }

    /// Makes the watcher watch the folders a walk enters now.
    fn reconcile(&mut self, watcher: &mut Watcher) {
        for _ in 0..2 {
            match watcher.reconcile(&self.root, &self.cfg) {
                Ok(added) => {
                    if !added.is_empty() {
                        tracing::debug!("watching {} new folder(s)", added.len());
                    }
                    return;
                }
                Err(WatchFailure::Limit) => self.fall_back(watcher),
                Err(WatchFailure::Other(e)) => {
                    tracing::warn!("cannot watch every folder: {e}; will retry");
                    self.retry_at = Some(Instant::now() + RETRY);
                    return;
                }
            }
        }
    }

    /// One batch: look again at what the events named, sync, answer.
    fn batch(&mut self, pending: Pending, watcher: &mut Watcher) {
        let started = Instant::now();
        let retrying = self.retry_at.take().is_some();
        if pending.config {
            self.reload_config();
        }
        if pending.folders || pending.full || pending.config {
            self.reconcile(watcher);
        }
        // VS Code truncates, then writes: an empty note right after an
        // event is believed only when it is still empty a moment later.
        let empty = pending
            .notes
            .iter()
            .any(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file() && m.len() == 0));
        if empty {
            tracing::debug!("a note reads as empty; looking again in {EMPTY_RECHECK:?}");
            std::thread::sleep(EMPTY_RECHECK);
        }
        // Another relnotes may have moved a damaged index aside and built a
        // new one: use that one. (No index: busy or failing last time; try
        // it again.)
        if self.src.index.is_none() || file_id(&self.index_path) != self.index_id {
            if self.src.index.is_some() {
                tracing::info!("the index file was replaced; reopening it");
            }
            self.open_index();
        } else {
            let day = self.day();
            // When the events named every note that changed, only those are
            // looked at; anything else (a folder, the config, lost events, a
            // retry after a sync that could not see everything) walks the
            // whole tree.
            let named: Vec<PathBuf> = pending.notes.iter().cloned().collect();
            let only_notes = !(pending.folders
                || pending.full
                || pending.config
                || retrying
                || named.is_empty());
            self.src.resync(
                &self.root,
                &self.cfg,
                day,
                only_notes.then_some(named.as_slice()),
                &mut |m| tracing::warn!("{m}"),
            );
        }
        self.index_id = file_id(&self.index_path);
        self.after_sync(
            started,
            Some(pending.paths),
            pending.config || pending.report,
        );
    }

    /// Re-reads `.relnotes.toml`; a bad one is logged and the old one kept.
    fn reload_config(&mut self) {
        match Config::load(&self.root) {
            // Unchanged; `relnotes allow` may have been run since.
            Ok(cfg) if cfg.fingerprint == self.cfg.fingerprint => self.configure_hooks(),
            Ok(cfg) => {
                tracing::info!(
                    "{} changed; re-reading every note",
                    crate::config::FILE_NAME
                );
                self.cfg = cfg;
                self.configure();
            }
            Err(e) => tracing::error!("{e}; keeping the previous config"),
        }
    }

    /// After a sync: answer if anything changed (or the day did), write the
    /// report if its bytes changed, fire new due reminders, log one line.
    /// `paths`: how many paths the batch's events named (`None` at start).
    fn after_sync(&mut self, started: Instant, paths: Option<usize>, force: bool) {
        let st = self.src.stats;
        if self.src.incomplete {
            self.retry_at = Some(Instant::now() + RETRY);
        }
        let gone = st.removed > 0 || st.seen < self.last_seen;
        self.last_seen = st.seen;
        if self.holding(gone, paths.is_none()) {
            tracing::info!(
                "batch: {} note(s) gone ({} parsed, {} seen); publishing once nothing more goes for {} ms",
                st.removed,
                st.parsed,
                st.seen,
                QUIET.as_millis()
            );
            return;
        }
        let force = force || self.quiet_until.take().is_some();
        let today = self.day();
        let new_day = self.today != Some(today);
        for d in self.src.stderr_diags() {
            let line = d.to_string();
            if self.logged.insert(line.clone()) {
                tracing::warn!("{line}");
            }
        }
        let mut what = String::new();
        let state = self.src.state();
        let changed_elsewhere = state.is_none() || state != self.answered;
        if st.changed || new_day || force || changed_elsewhere {
            let (report, due) = self.answer(today);
            self.today = Some(today);
            self.answered = state;
            self.published_seen = st.seen;
            what = format!(
                "; {due} reminder(s) due; report {}",
                match report {
                    Some(true) => "rewritten",
                    Some(false) => "unchanged",
                    None => "not written",
                }
            );
        }
        let head = paths.map_or_else(
            || "start:".to_string(),
            |n| {
                let how = if st.scoped {
                    "only they looked at"
                } else {
                    "the tree walked"
                };
                format!("batch: {n} path(s) named ({how}),")
            },
        );
        tracing::info!(
            "{head} {} note(s) changed ({} parsed, {} removed, {} seen) in {} ms{what}{}",
            st.parsed + st.removed,
            st.parsed,
            st.removed,
            st.seen,
            started.elapsed().as_millis(),
            if self.retry_at.is_some() {
                "; could not see everything, retrying"
            } else {
                ""
            }
        );
    }

    /// Whether to hold back publishing: notes went away in this sync
    /// (`gone`: removed by it, or fewer seen than by the last one, when a
    /// CLI run synced the removal first), or the quiet window after earlier removals is still
    /// running. The start-up sync publishes what it finds.
    fn holding(&mut self, gone: bool, start: bool) -> bool {
        let now = Instant::now();
        if gone && !start {
            self.quiet_until = Some(now + QUIET);
        }
        match self.quiet_until {
            Some(t) if now < t => {
                self.retry_at = Some(self.retry_at.map_or(t, |r| r.min(t)));
                true
            }
            _ => false,
        }
    }

    /// Renders the report (written if its bytes changed) and fires the
    /// reminders newly due today. Returns (report written?, reminders due).
    fn answer(&mut self, today: NaiveDate) -> (Option<bool>, usize) {
        let Daemon {
            root,
            cfg,
            src,
            report,
            calendar,
            ..
        } = self;
        let warn = &mut |m: String| tracing::warn!("{m}");
        // Keep-in-touch reminders carry the last interaction (report,
        // calendar, hooks), read only when anyone has a cadence.
        let handles = {
            let ledger = src.ledger(root, cfg, today, warn);
            Some(crate::query::cadence_handles(ledger, cfg, today)).filter(|h| !h.is_empty())
        };
        let last = handles.map(|h| src.last_touches(root, cfg, today, &h, warn));
        let (ledger, _) = src.loaded();
        let mut answers = Answers::new(ledger, cfg, today);
        if let Some(last) = last {
            answers = answers.with_last(last);
        }
        let written = report.as_ref().and_then(|r| {
            publish(r, "report", |buf| {
                crate::render::markdown::report(buf, &answers, &r.base)
            })
        });
        if let Some(c) = calendar.as_ref() {
            publish(c, "calendar", |buf| {
                crate::render::ics::export(buf, &answers)
            });
        }
        let due = answers.due(Dur::days(0));
        let n = due.len();
        drop(answers);
        // The daemon keeps nothing loaded between batches: memory stays small.
        self.src.release();
        give_back_memory();
        if self.cfg.on_due.is_some() {
            // `relnotes allow` may have been run since the last batch.
            self.configure_hooks();
        }
        if self.hooks.is_some() {
            for r in self.newly_fired(today, due) {
                if let Some(h) = &self.hooks {
                    h.fire(r);
                }
            }
        }
        (written, n)
    }

    /// The published files' paths relative to the root: their own
    /// rewrites are not changes to the notes.
    fn published_rels(&self) -> Vec<&str> {
        self.report
            .iter()
            .chain(&self.calendar)
            .filter_map(|p| p.rel.as_deref())
            .collect()
    }

    /// Forgets that `unrun` reminders fired today: their hook never ran
    /// (the daemon stopped, or the command changed, first).
    fn unfire(&mut self, unrun: Vec<Reminder>) {
        if unrun.is_empty() {
            return;
        }
        let day = self.today.unwrap_or_else(|| self.day());
        let keys: Vec<String> = unrun.iter().map(fired_key).collect();
        if let Err(e) = self.fired.unmark(day, &keys) {
            tracing::warn!("cannot record reminders left to fire: {e}");
        }
        tracing::info!("{} reminder(s) left for on_due to run later", keys.len());
    }

    /// The due reminders not yet fired today, marked fired (in the user's
    /// state folder, apart from the index, so neither a restart nor an
    /// index rebuild fires them again).
    fn newly_fired(&mut self, today: NaiveDate, due: Vec<Reminder>) -> Vec<Reminder> {
        let keys: Vec<String> = due.iter().map(fired_key).collect();
        let (fresh, saved) = self.fired.mark(today, &keys);
        if let Err(e) = saved {
            let line = format!("cannot record fired reminders in the state folder: {e}; remembered until the daemon stops");
            if self.logged.insert(line.clone()) {
                tracing::warn!("{line}");
            }
        }
        due.into_iter()
            .zip(fresh)
            .filter_map(|(r, f)| f.then_some(r))
            .collect()
    }
}

/// What makes two reminders the same reminder: a new text or due date is a
/// new one.
fn fired_key(r: &Reminder) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}",
        r.kind.as_str(),
        r.people.join(","),
        crate::dates::iso(r.due),
        r.file.as_deref().unwrap_or(""),
        r.line.unwrap_or(0),
        r.text
    )
}

/// Renders `what` (the report, the calendar) and writes it if its bytes
/// changed; whether it was written, `None` when it could not be.
fn publish(
    file: &Published,
    what: &str,
    render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>,
) -> Option<bool> {
    let mut buf = Vec::new();
    if let Err(e) = render(&mut buf) {
        tracing::error!("cannot render the {what}: {e}");
        return None;
    }
    match file.write_if_changed(&buf) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::error!("cannot write the {what}: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn spec9_wakes_at_local_midnight() {
        let t = chrono::Local
            .with_ymd_and_hms(2026, 11, 23, 23, 59, 0)
            .earliest()
            .unwrap();
        let wait = until_midnight(t);
        assert!(wait <= Duration::from_secs(3600 + 60), "{wait:?}");
        assert!(wait >= Duration::from_secs(59), "{wait:?}");
    }
}
