//! Command-line flags (clap derive only). Turned into real parts by `app`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

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
    /// The notes root [default: nearest folder with .relnotes.toml, .git,
    /// .obsidian/ or logseq/config.edn, else the working directory (never
    /// / or the home folder)]
    #[arg(long, global = true, env = "RELNOTES_DIR", value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The index file [default: in the user's cache folder; see `relnotes index`]
    #[arg(long, global = true, env = "RELNOTES_INDEX", value_name = "PATH")]
    pub index: Option<PathBuf>,

    /// Pin today's date (YYYY-MM-DD) so output can be reproduced [env:
    /// RELNOTES_TODAY]
    #[arg(long, global = true, value_name = "DATE", value_parser = parse_today)]
    pub today: Option<NaiveDate>,

    /// Output format; each command has its own (see its --help, "Formats")
    #[arg(long = "format", global = true, value_name = "FORMAT")]
    format_arg: Option<String>,

    /// `--format`, checked against the command's formats by [`Cli::parse_checked`].
    #[arg(skip)]
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
    #[command(after_help = INIT_EXAMPLES)]
    Init,
    /// Bring the index up to date and print where it is and what it holds
    #[command(after_help = INDEX_EXAMPLES)]
    Index {
        /// Start from nothing: parse every note again
        #[arg(long)]
        rebuild: bool,
        /// Also verify every checksum in the index (each note's facts, each
        /// page, each chunk of the ledger, each warning, the meta table);
        /// a damaged index is moved aside and rebuilt
        #[arg(long)]
        check: bool,
    },
    /// The report: due now, who haven't I helped lately, open commitments,
    /// waiting on, upcoming, give and take
    #[command(after_help = REPORT_EXAMPLES)]
    Report {
        /// Write the report to FILE atomically instead of stdout
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// One row per person: last contact, last gave, gave/got, cadence, next due
    #[command(after_help = PEOPLE_EXAMPLES)]
    People,
    /// One person's facts, timeline (newest first) and open commitments
    #[command(after_help = SHOW_EXAMPLES)]
    Show {
        /// A handle, alias or name (`alice`, `@alice`, "Alice Chen")
        person: String,
    },
    /// Reminders due now (commitments, keep in touch, birthdays)
    #[command(after_help = DUE_EXAMPLES)]
    Due {
        /// Also list reminders due within this duration (7d, 2w, 1m; a bare
        /// number is days)
        #[arg(long, value_name = "DURATION", value_parser = parse_within)]
        within: Option<Dur>,
    },
    /// Problems in the notes as path:line:col: severity: message
    #[command(after_help = CHECK_EXAMPLES)]
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
    #[command(after_help = EXPORT_EXAMPLES)]
    Export,
    /// Let this root's .relnotes.toml, as it is now, run `on_due` on this
    /// machine (recorded in your own state folder; a changed config needs a
    /// new `allow`)
    #[command(after_help = ALLOW_EXAMPLES)]
    Allow,
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
    /// Print a shell completion script for relnotes
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) for relnotes
    #[command(after_help = MAN_EXAMPLES)]
    Man,
    /// A language server on stdio for editors: completion, hover, go to
    /// definition and references for people, live diagnostics (see the
    /// README for editor set-ups)
    #[command(after_help = LSP_EXAMPLES)]
    Lsp,
}

impl Command {
    /// The formats this command writes, its default first; empty for the
    /// commands that take no `--format`.
    pub fn formats(&self) -> &'static [Format] {
        use Format::{Ics, Json, Md, Text};
        match self {
            Command::People | Command::Show { .. } | Command::Due { .. } => &[Text, Md, Json],
            Command::Report { .. } => &[Md, Text, Json],
            Command::Check | Command::Index { .. } | Command::Who { .. } => &[Text, Json],
            Command::Export => &[Json, Ics],
            Command::Init
            | Command::Allow
            | Command::Watch { .. }
            | Command::Completions { .. }
            | Command::Man
            | Command::Lsp => &[],
        }
    }
}

impl Cli {
    /// Parses the arguments as [`Parser::try_parse_from`] does, then checks
    /// what clap cannot: `--format` against the command's own formats, and
    /// `RELNOTES_TODAY` when `--today` is not given. Errors are clap's, so
    /// they print and exit as every other usage error.
    pub fn parse_checked<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let mut cli = Cli::try_parse_from(args)?;
        if let Some(value) = cli.format_arg.as_deref() {
            let allowed = cli.command.formats();
            let found = allowed
                .iter()
                .find(|f| f.name().eq_ignore_ascii_case(value.trim()));
            match found {
                Some(f) => cli.format = Some(*f),
                None => return Err(bad_format(&cli.command, value, allowed)),
            }
        }
        if cli.today.is_none() {
            if let Some(v) = std::env::var_os("RELNOTES_TODAY").filter(|v| !v.is_empty()) {
                let v = v.to_string_lossy();
                let day = parse_today(&v).map_err(|e| {
                    Cli::command().error(
                        clap::error::ErrorKind::ValueValidation,
                        format!("environment variable RELNOTES_TODAY: {e}"),
                    )
                })?;
                cli.today = Some(day);
            }
        }
        Ok(cli)
    }
}

/// A clap error for a `--format` the command does not have, listing only
/// the ones it has (or saying it takes none).
fn bad_format(command: &Command, value: &str, allowed: &[Format]) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let mut root = Cli::command();
    root.build();
    let name = command_name(command);
    let sub = root.find_subcommand_mut(name);
    let (usage, cmd) = match sub {
        Some(c) => (c.render_usage(), c.clone()),
        None => (root.render_usage(), root.clone()),
    };
    let kind = if allowed.is_empty() {
        ErrorKind::UnknownArgument
    } else {
        ErrorKind::InvalidValue
    };
    let mut e = clap::Error::new(kind).with_cmd(&cmd);
    if allowed.is_empty() {
        e.insert(
            ContextKind::InvalidArg,
            ContextValue::String("--format".into()),
        );
    } else {
        e.insert(
            ContextKind::InvalidArg,
            ContextValue::String("--format <FORMAT>".into()),
        );
        e.insert(
            ContextKind::InvalidValue,
            ContextValue::String(value.to_string()),
        );
        e.insert(
            ContextKind::ValidValue,
            ContextValue::Strings(allowed.iter().map(|f| f.name().to_string()).collect()),
        );
    }
    e.insert(ContextKind::Usage, ContextValue::StyledStr(usage));
    e
}

/// The name a command is spelled with on the command line.
pub fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Init => "init",
        Command::Index { .. } => "index",
        Command::Report { .. } => "report",
        Command::People => "people",
        Command::Show { .. } => "show",
        Command::Due { .. } => "due",
        Command::Check => "check",
        Command::Who { .. } => "who",
        Command::Export => "export",
        Command::Allow => "allow",
        Command::Watch { .. } => "watch",
        Command::Completions { .. } => "completions",
        Command::Man => "man",
        Command::Lsp => "lsp",
    }
}

/// The clap command with `--format`'s every value listed, for shell
/// completions and the man page (parsing checks them per command).
pub fn documented() -> clap::Command {
    Cli::command().mut_arg("format_arg", |a| {
        a.value_parser(["text", "md", "json", "ics"])
    })
}

const INIT_EXAMPLES: &str = "\
Examples:
  relnotes init                     write .relnotes.toml in the notes root
  relnotes --dir ~/notes init       in another folder

It fits the file to the vault it finds (an Obsidian or Logseq people folder,
template folders to exclude) and never overwrites an existing one.";

const ALLOW_EXAMPLES: &str = "\
Examples:
  relnotes allow                    let this root's on_due run on this machine
  relnotes --dir ~/notes allow      for another notes folder

Run it again after the config changes: a changed .relnotes.toml runs no hook
until it is allowed.";

const LSP_EXAMPLES: &str = "\
Examples:
  relnotes lsp                      serve the editor that started it, on stdio
  relnotes --dir ~/notes lsp        for a notes folder with no root marker

Editors start it themselves: see the README's \"In your editor\" section for
Neovim, Helix, Emacs, Sublime Text and VS Code.";

const INDEX_EXAMPLES: &str = "\
Examples:
  relnotes index                    bring the index up to date; print its stats
  relnotes index --rebuild          parse every note again
  relnotes index --format json      the stats as JSON
  relnotes index --check            also verify every checksum in the index

Formats: text (default), json.";

const REPORT_EXAMPLES: &str = "\
Examples:
  relnotes report                          the Markdown report on stdout
  relnotes report --output RELNOTES.md     write it atomically to a file
  relnotes report --format json            every row, no limit (for scripts)
  relnotes --today 2026-11-23 report       the report as it was on that day

Each list shows at most `report_limit` rows (config, default 25), then how
many more there are. Formats: md (default), text, json.";

const PEOPLE_EXAMPLES: &str = "\
Examples:
  relnotes people                          one aligned row per person
  relnotes people --format md              a Markdown table
  relnotes people --format json | jq .     the stable JSON interface

Formats: text (default), md, json.";

const SHOW_EXAMPLES: &str = "\
Examples:
  relnotes show alice                      by handle
  relnotes show \"Alice Chen\"               by name or alias
  relnotes show @alice --format json       timeline and commitments as JSON

Formats: text (default), md, json.";

const DUE_EXAMPLES: &str = "\
Examples:
  relnotes due                             reminders due today or overdue
  relnotes due --within 7d                 and those due in the next week
  relnotes due --format json               with the last interaction of each
                                           keep-in-touch reminder

Formats: text (default), md, json.";

const CHECK_EXAMPLES: &str = "\
Examples:
  relnotes check                           path:line:col: severity: message
  relnotes check --format json             the same as a JSON list

Exit 1 when there are errors (warnings alone exit 0). Formats: text
(default), json.";

const EXPORT_EXAMPLES: &str = "\
Examples:
  relnotes export > relnotes.json          everything as JSON
  relnotes export --format ics > relnotes.ics
                                           reminders and birthdays as a calendar

The calendar has an alarm on each reminder's day at the config's `alarm`
(default 09:00). Formats: json (default), ics.";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  relnotes completions bash > ~/.local/share/bash-completion/completions/relnotes
  relnotes completions zsh > ~/.zfunc/_relnotes     (with fpath+=~/.zfunc)
  relnotes completions fish > ~/.config/fish/completions/relnotes.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  relnotes man > ~/.local/share/man/man1/relnotes.1
  relnotes man | man -l -";

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
  relnotes who rust                        who have I talked with about Rust?
  relnotes who rust hiring                 entries that mention both
  relnotes who \"machine learning\"          a phrase
  relnotes who '#intro' --circle mentor    a tag, among your mentors
  relnotes who berlin --format json        for scripts

Words match whole words (rust never matches Rusty, trust or Rust's), in any
case; code, math, URLs, comments, properties and task metadata never match.
Formats: text (default), json.";

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
    fn spec7_format_is_checked_against_the_commands_formats() {
        let ok = |args: &[&str]| Cli::parse_checked(args.iter().copied()).map(|c| c.format);
        assert_eq!(
            ok(&["relnotes", "--format", "json", "people"]).unwrap(),
            Some(Format::Json)
        );
        assert_eq!(
            ok(&["relnotes", "export", "--format", "ics"]).unwrap(),
            Some(Format::Ics)
        );
        assert_eq!(ok(&["relnotes", "due"]).unwrap(), None);
        let err = ok(&["relnotes", "--format", "ics", "people"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
        let text = err.render().to_string();
        assert!(text.contains("[possible values: text, md, json]"), "{text}");
        assert!(text.contains("Usage: relnotes people"), "{text}");
        let err = ok(&["relnotes", "init", "--format", "ics"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::UnknownArgument);
        assert!(err.render().to_string().contains("'--format'"));
        for c in Cli::command().get_subcommands() {
            let args = ["relnotes", c.get_name()];
            if let Ok(cli) = Cli::try_parse_from(args) {
                assert_eq!(command_name(&cli.command), c.get_name());
            }
        }
    }

    #[test]
    fn spec7_bad_flag_values_are_usage_errors() {
        assert!(Cli::try_parse_from(["relnotes", "due", "--within", "soon"]).is_err());
        assert!(Cli::try_parse_from(["relnotes", "--today", "2026-02-30", "due"]).is_err());
        let c = Cli::try_parse_from(["relnotes", "due", "--within", "10"]).unwrap();
        assert!(matches!(c.command, Command::Due { within: Some(d) } if d == Dur::days(10)));
    }
}
