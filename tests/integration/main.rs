//! Integration tests: the real binary on real temp folders.
//!
//! One test target (`autotests = false`), in the spirit of ripgrep's suite:
//! `util` copies a fixture or writes files into a fresh temp directory and
//! runs `relnotes --dir <tmp> --today 2026-11-23` with a clean environment.
//!
//! - `formats`: insta snapshots of every output format on `fixtures/vault`,
//!   JSON shapes (SPEC §7), report links, ICS line rules, colour.
//! - `vault`: values from `fixtures/vault-expected.md`, determinism,
//!   `report --output`, notes never written.
//! - `errors`: exit codes and one-line messages, `init`.
//! - `nasty`: `fixtures/nasty`, broken pipes, random notes.
//! - `readonly`: unreadable files and folders, a read-only checkout.
//! - `walk`: which files are notes, symlinks and loops.
//! - `cache`: the index lives in the cache and never gives stale answers.
//! - `watch`: the daemon on a real temp folder: editors' save patterns,
//!   bursts, signals, the lock, `on_due`, the root going away.
//! - `who`: `relnotes who` on `fixtures/who` (answers in
//!   `fixtures/who-expected.md`), and the index's answer against a scan.
//!
//! Snapshots live in `tests/integration/snapshots/`; after an intended
//! output change, review them with `INSTA_UPDATE=always cargo test --test
//! integration` and `git diff`.

mod cache;
mod errors;
mod formats;
mod index;
mod nasty;
mod readonly;
mod util;
mod vault;
mod walk;
mod watch;
mod who;

#[path = "../../benches/corpus/mod.rs"]
mod corpus;
