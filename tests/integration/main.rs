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
//! - `people`: the human-scale report, reminders with their context, the
//!   chart, the calendar's alarms, CLI conventions (issue 10).
//! - `readonly`: unreadable files and folders, a read-only checkout.
//! - `syntax`: SPEC v1.1's notes syntax (Obsidian and Logseq habits) end
//!   to end on small temp folders.
//! - `walk`: which files are notes, symlinks and loops.
//! - `vaults11`: Obsidian vaults and Logseq graphs (SPEC v1.1): the root's
//!   markers, notice and refusal, backups and templates never read, `init`
//!   fitting the vault, `check` on missing person pages, and the answers of
//!   `fixtures/obsidian` and `fixtures/logseq`.
//! - `cache`: the index lives in the cache and never gives stale answers.
//! - `lsp`: the language server over stdio, and Neovim as its client.
//! - `watch`: the daemon on a real temp folder: editors' save patterns,
//!   bursts, signals, the lock, `on_due`, the root going away.
//! - `faults`: the fault suite, one test per promise (README "Reliability").
//! - `who`: `relnotes who` on `fixtures/who` (answers in
//!   `fixtures/who-expected.md`), and the index's answer against a scan.
//!
//! Snapshots live in `tests/integration/snapshots/`; after an intended
//! output change, review them with `INSTA_UPDATE=always cargo test --test
//! integration` and `git diff`.

mod cache;
mod errors;
mod faults;
mod formats;
mod index;
mod lsp;
mod nasty;
mod people;
mod readonly;
mod syntax;
mod util;
mod vault;
mod vaults11;
mod walk;
mod watch;
mod who;

#[path = "../../benches/corpus/mod.rs"]
mod corpus;
