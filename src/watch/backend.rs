//! The file watcher: notify behind notify-debouncer-full (the -full one:
//! it passes on the "rescan" flag an event-queue overflow raises), native OS
//! events or polling. It watches exactly the folders a walk enters, each on
//! its own (never `.git/objects` or an excluded tree), and reconciles that
//! set with the disk whenever folders may have come or gone.
//!
//! The notify callback only forwards each debounced batch into a bounded
//! channel; a full channel raises a flag that makes the daemon sync
//! everything, never a crash.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    new_debouncer_opt, DebounceEventResult, DebouncedEvent, Debouncer, NoCache, RecommendedCache,
};

use crate::config::Config;

/// What reaches the daemon's loop.
#[derive(Debug)]
pub enum Msg {
    /// A debounced batch of file events (hints of what to re-check).
    Events(Vec<DebouncedEvent>),
    /// Errors from the watcher: the daemon re-syncs everything.
    Errors(Vec<notify::Error>),
    /// SIGINT or SIGTERM.
    Stop(&'static str),
    /// SIGHUP: re-read the config.
    Reload,
}

/// How often the polling backend looks at the folders.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

enum Inner {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, NoCache>),
}

/// The watcher and the folders it watches.
pub struct Watcher {
    inner: Inner,
    watched: BTreeSet<PathBuf>,
    debounce: Duration,
    tx: SyncSender<Msg>,
    overflow: Arc<AtomicBool>,
}

/// Why watching a folder failed.
pub enum WatchFailure {
    /// The OS ran out of watches (inotify's `max_user_watches`).
    Limit,
    Other(notify::Error),
}

fn handler(
    tx: SyncSender<Msg>,
    overflow: Arc<AtomicBool>,
) -> impl FnMut(DebounceEventResult) + Send + 'static {
    move |result| {
        let msg = match result {
            Ok(events) => Msg::Events(events),
            Err(errors) => Msg::Errors(errors),
        };
        if let Err(TrySendError::Full(_)) = tx.try_send(msg) {
            overflow.store(true, Ordering::SeqCst);
        }
    }
}

impl Watcher {
    /// A watcher on native OS events, or polling when `poll` is set.
    pub fn new(
        poll: bool,
        debounce: Duration,
        tx: SyncSender<Msg>,
        overflow: Arc<AtomicBool>,
    ) -> notify::Result<Watcher> {
        let inner = if poll {
            Inner::Poll(poll_debouncer(debounce, &tx, &overflow)?)
        } else {
            Inner::Native(new_debouncer_opt(
                debounce,
                Some(tick(debounce)),
                handler(tx.clone(), Arc::clone(&overflow)),
                RecommendedCache::new(),
                notify::Config::default(),
            )?)
        };
        Ok(Watcher {
            inner,
            watched: BTreeSet::new(),
            debounce,
            tx,
            overflow,
        })
    }

    /// `native` or `polling`, for the log.
    pub fn kind(&self) -> &'static str {
        match self.inner {
            Inner::Native(_) => "native events",
            Inner::Poll(_) => "polling",
        }
    }

    pub fn is_polling(&self) -> bool {
        matches!(self.inner, Inner::Poll(_))
    }

    /// How many folders are watched.
    pub fn len(&self) -> usize {
        self.watched.len()
    }

    /// Whether `path` is a folder being watched.
    pub fn watches(&self, path: &Path) -> bool {
        self.watched.contains(path)
    }

    /// Switches to polling (after the OS ran out of watches), watching
    /// nothing yet: reconcile next.
    pub fn fall_back_to_polling(&mut self) -> notify::Result<()> {
        self.inner = Inner::Poll(poll_debouncer(self.debounce, &self.tx, &self.overflow)?);
        self.watched.clear();
        Ok(())
    }

    /// Drops every watch (the root went away: its watches are dead).
    pub fn clear(&mut self) {
        for dir in std::mem::take(&mut self.watched) {
            let _ = self.unwatch_one(&dir);
        }
    }

    /// Makes the watched set the folders a walk of `root` enters now.
    /// Returns the folders that are new (their files may predate the watch).
    pub fn reconcile(&mut self, root: &Path, cfg: &Config) -> Result<Vec<PathBuf>, WatchFailure> {
        let now: BTreeSet<PathBuf> = crate::walk::folders(root, cfg).into_iter().collect();
        // Gone first: a renamed folder's watch follows its inode, and must
        // be dropped before the new path is watched.
        let gone: Vec<PathBuf> = self.watched.difference(&now).cloned().collect();
        for dir in gone {
            let _ = self.unwatch_one(&dir);
            self.watched.remove(&dir);
        }
        let mut added = Vec::new();
        for dir in now {
            if self.watched.contains(&dir) {
                continue;
            }
            match self.watch_one(&dir) {
                Ok(()) => {
                    self.watched.insert(dir.clone());
                    added.push(dir);
                }
                Err(e) if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) => {
                    return Err(WatchFailure::Limit)
                }
                // Gone again already: the next reconcile settles it.
                Err(e) if matches!(e.kind, notify::ErrorKind::PathNotFound) => {}
                Err(e) if is_enoent(&e) => {}
                Err(e) => return Err(WatchFailure::Other(e)),
            }
        }
        Ok(added)
    }

    fn watch_one(&mut self, dir: &Path) -> notify::Result<()> {
        match &mut self.inner {
            Inner::Native(d) => d.watch(dir, RecursiveMode::NonRecursive),
            Inner::Poll(d) => d.watch(dir, RecursiveMode::NonRecursive),
        }
    }

    fn unwatch_one(&mut self, dir: &Path) -> notify::Result<()> {
        match &mut self.inner {
            Inner::Native(d) => d.unwatch(dir),
            Inner::Poll(d) => d.unwatch(dir),
        }
    }
}

fn poll_debouncer(
    debounce: Duration,
    tx: &SyncSender<Msg>,
    overflow: &Arc<AtomicBool>,
) -> notify::Result<Debouncer<PollWatcher, NoCache>> {
    new_debouncer_opt(
        debounce,
        Some(tick(debounce)),
        handler(tx.clone(), Arc::clone(overflow)),
        NoCache,
        notify::Config::default().with_poll_interval(POLL_INTERVAL),
    )
}

/// How often the debouncer looks for quiet paths: an eighth of the window
/// (its default is a quarter), so a batch starts at most an eighth late.
fn tick(debounce: Duration) -> Duration {
    (debounce / 8).max(Duration::from_millis(5)).min(debounce)
}

fn is_enoent(e: &notify::Error) -> bool {
    matches!(&e.kind, notify::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound)
}
