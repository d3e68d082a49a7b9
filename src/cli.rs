//! Command-line flags (clap derive only). Turned into real parts by `app`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

use crate::dates::Dur;
use crate::render::Format;

const EXAMPLES: &str = "\
Examples:
  relnotes --dir ~/notes report              the Markdown report on stdout
  relnotes report --output RELNOTES.md       write it atomically to a file
  relnotes people                            one row per person
  relnotes show alice                        alice's facts, timeline and commitments
  relnotes due --within 7d                   reminders due in the next week
  relnotes check                             problems as path:line:col (exit 1 on errors)
  relnotes people --format json | jq .       the stable JSON interface
  relnotes export --format ics > relnotes.ics
  relnotes --today 2026-11-23 report         reproduce a report for a given day
  relnotes index                             where the index is, and what it holds
  relnotes watch                             keep the index and report file current

Environment: RELNOTES_DIR (notes root), RELNOTES_INDEX (index file),
RELNOTES_TODAY (today), NO_COLOR, RUST_LOG (relnotes=debug: where the time goes).
Exit codes: 0 success, 1 errors found (check), 2 usage or I/O error.";

/// Turn a folder of Markdown notes into a relationship journal: who to get
/// back in touch with, what you promised whom, and who you haven't helped
/// lately.
#[derive(Debug, Parser)]
#[command(name = "relnotes", version, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    /// The notes root [default: nearest folder with .relnotes.toml or .git,
    /// else the working directory]
    #[arg(long, global = true, env = "RELNOTES_DIR", value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The index file [default: in the user's cache folder; see `relnotes index`]
    #[arg(long, global = true, env = "RELNOTES_INDEX", value_name = "PATH")]
    pub index: Option<PathBuf>,

    /// Pin today's date (YYYY-MM-DD) so output can be reproduced
    #[arg(long, global = true, env = "RELNOTES_TODAY", value_name = "DATE", value_parser = parse_today)]
    pub today: Option<NaiveDate>,

    /// Output format [default: md for report, json for export, else text]
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// When to colour text output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented .relnotes.toml at the notes root (never overwrites)
    Init,
    /// Bring the index up to date and print where it is and what it holds
    Index {
        /// Start from nothing: parse every note again
        #[arg(long)]
        rebuild: bool,
    },
    /// The report: due now, who haven't I helped lately, open commitments,
    /// upcoming, give and take
    Report {
        /// Write the report to FILE atomically instead of stdout
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// One row per person: last contact, last gave, gave/got, cadence, next due
    People,
    /// One person's facts, timeline (newest first) and open commitments
    Show {
        /// A handle, alias or name (`alice`, `@alice`, "Alice Chen")
        person: String,
    },
    /// Reminders due now (commitments, keep in touch, birthdays)
    Due {
        /// Also list reminders due within this duration (7d, 2w, 1m; a bare
        /// number is days)
        #[arg(long, value_name = "DURATION", value_parser = parse_within)]
        within: Option<Dur>,
    },
    /// Problems in the notes as path:line:col: severity: message
    Check,
    /// Who in my network knows about something: the people your notes
    /// discuss every TERM with, by how much and how recently
    #[command(after_help = WHO_EXAMPLES)]
    Who {
        /// A word, a "quoted phrase" or a #tag; an entry must match every
        /// term
        #[arg(required = true, value_name = "TERM")]
        terms: Vec<String>,
        /// Show at most N people
        #[arg(long, value_name = "N", default_value_t = 10,
              value_parser = clap::value_parser!(u64).range(1..))]
        limit: u64,
        /// Only people in this circle (case-insensitive)
        #[arg(long, value_name = "NAME")]
        circle: Option<String>,
    },
    /// Everything as JSON, or reminders and birthdays as a calendar (ICS)
    Export,
    /// Run in the foreground, keeping the index and the report file current
    /// as notes change, and running `on_due` for reminders as they fall due
    /// (for systemd --user, launchd or tmux; stop with Ctrl-C or SIGTERM)
    #[command(after_help = WATCH_EXAMPLES)]
    Watch {
        /// Rewrite this report file [default: the config's `report`]
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Poll for changes instead of using OS file events (network
        /// filesystems, or when the OS runs out of watches)
        #[arg(long)]
        poll: bool,
        /// Quiet time after the last change before the notes are synced
        #[arg(long, value_name = "MS", default_value_t = 200)]
        debounce: u64,
        /// Kill an `on_due` command still running after this many seconds
        #[arg(long, value_name = "SECS", default_value_t = 10)]
        hook_timeout: u64,
        /// More detail in the log (-v debug, -vv trace); RUST_LOG overrides
        #[arg(short, long, action = clap::ArgAction::Count)]
        verbose: u8,
    },
}

const WATCH_EXAMPLES: &str = "\
Examples:
  relnotes watch                          keep the index and the config's report current
  relnotes watch --report RELNOTES.md     rewrite this report file as notes change
  relnotes watch --poll                   for notes on a network filesystem
  relnotes watch -vv                      also every file event, and what it led to

One daemon per notes root: a second `watch` exits 2 naming the first. The log
(stderr) has one line per batch of changes. See the README, \"Running as a
daemon\", for systemd and launchd set-ups and an on_due example.";

const WHO_EXAMPLES: &str = "\
Examples:
  relnotes who rust                       who have I talked with about Rust?
  relnotes who rust hiring                entries that mention both
  relnotes who \"machine learning\"        a phrase
  relnotes who '#intro' --circle mentor   a tag, among your mentors
  relnotes who berlin --format json       for scripts

Words match whole words (rust never matches Rusty, trust or Rust's), in any
case; code, URLs and task metadata never match.";

fn parse_today(s: &str) -> Result<NaiveDate, String> {
    crate::dates::parse_iso(s).ok_or_else(|| format!("`{s}` is not a date in the form YYYY-MM-DD"))
}

fn parse_within(s: &str) -> Result<Dur, String> {
    Dur::parse(s, true).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn spec7_global_options_before_or_after_the_command() {
        let a = Cli::try_parse_from(["relnotes", "--today", "2026-11-23", "people"]).unwrap();
        let b = Cli::try_parse_from(["relnotes", "people", "--today", "2026-11-23"]).unwrap();
        assert_eq!(a.today, b.today);
        assert!(a.today.is_some());
    }

    #[test]
    fn spec7_bad_flag_values_are_usage_errors() {
        assert!(Cli::try_parse_from(["relnotes", "due", "--within", "soon"]).is_err());
        assert!(Cli::try_parse_from(["relnotes", "--today", "2026-02-30", "due"]).is_err());
        let c = Cli::try_parse_from(["relnotes", "due", "--within", "10"]).unwrap();
        assert!(matches!(c.command, Command::Due { within: Some(d) } if d == Dur::days(10)));
    }
}
