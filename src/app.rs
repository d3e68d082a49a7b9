//! The commands: each one loads the notes, asks `query` and hands the rows
//! to `render`. Thin on purpose; the logic lives in the stages.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::cli::{Cli, ColorChoice, Command};
use crate::config::{Config, FILE_NAME};
use crate::dates::Dur;
use crate::error::{Error, Exit};
use crate::index;
use crate::model::{Diagnostic, Severity};
use crate::output;
use crate::query::Answers;
use crate::render::{self, Format, Style};
use crate::source::{OpenOptions, Source};
use crate::vault::Vault;
use crate::walk::RootChoice;

/// Where command output goes: stdout, or a report file.
pub struct Ctx<'o> {
    pub out: &'o mut dyn Write,
    pub err: &'o mut dyn Write,
    pub stdout_is_terminal: bool,
}

fn style(cli: &Cli, terminal: bool) -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            terminal && !no_color && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    };
    Style { color }
}

/// The format this run writes: `--format` (already checked against the
/// command's formats when the flags were parsed), else the command's
/// default.
fn format_of(cli: &Cli) -> Format {
    cli.format
        .or_else(|| cli.command.formats().first().copied())
        .unwrap_or(Format::Text)
}

/// Where `index --check` says what it verified: stdout, unless stdout
/// carries JSON (then stderr, so the JSON stays one document).
fn check_out<'a>(cli: &Cli, ctx: &'a mut Ctx<'_>) -> &'a mut dyn Write {
    if format_of(cli) == Format::Json {
        ctx.err
    } else {
        ctx.out
    }
}

fn today(cli: &Cli) -> NaiveDate {
    cli.today
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

/// A failure to write the answer (to stdout, or into the buffer that
/// becomes it).
fn io_err(source: io::Error) -> Error {
    Error::Io {
        path: PathBuf::from("<stdout>"),
        source,
    }
}

/// Prints a problem met on the way as one `relnotes: …` line.
fn note_to(err: &mut dyn Write) -> impl FnMut(String) + '_ {
    move |msg| {
        let _ = writeln!(err, "relnotes: {msg}");
    }
}

/// Finds the root and reads the config. Falling back to the working
/// directory says so on `err`, and is refused for `/` and the home folder
/// (SPEC §1).
fn open_root(cli: &Cli, err: &mut dyn Write) -> Result<(PathBuf, Config), Error> {
    let cwd = std::env::current_dir().map_err(|source| Error::Io {
        path: PathBuf::from("."),
        source,
    })?;
    let (root, how) = crate::walk::find_root(cli.dir.as_deref(), &cwd);
    if !root.is_dir() {
        return Err(Error::NoRoot(root));
    }
    if how == RootChoice::WorkingDir {
        fallback_root(&root, err)?;
    }
    let cfg = Config::load(&root)?;
    Ok((root, cfg))
}

/// The working directory as the root: refused when it is `/` or the home
/// folder, else one notice naming it.
fn fallback_root(root: &Path, err: &mut dyn Write) -> Result<(), Error> {
    let markers = crate::walk::ROOT_MARKERS;
    if let Some(what) = crate::walk::too_wide(root, dirs::home_dir().as_deref()) {
        return Err(Error::Usage(format!(
            "{}: not reading {what} as a notes folder (no {markers} here or above); \
             choose the notes folder with --dir DIR (or RELNOTES_DIR), or run \
             `relnotes init` in it",
            root.display()
        )));
    }
    writeln!(
        err,
        "relnotes: no {markers} here or above: reading the working directory {} as the \
         notes root (`relnotes init` makes it one)",
        root.display()
    )
    .map_err(io_err)
}

/// Runs one command. Errors that stop it are returned; problems in the
/// notes are reported and the work goes on.
pub fn run(cli: &Cli, ctx: &mut Ctx<'_>) -> Result<Exit, Error> {
    match &cli.command {
        Command::Init => return init(cli, ctx),
        Command::Completions { shell } => {
            let mut cmd = crate::cli::documented();
            clap_complete::generate(*shell, &mut cmd, "relnotes", &mut ctx.out);
            return Ok(Exit::Success);
        }
        Command::Man => {
            clap_mangen::Man::new(crate::cli::documented())
                .render(&mut ctx.out)
                .map_err(io_err)?;
            return Ok(Exit::Success);
        }
        _ => {}
    }
    if let Command::Lsp = cli.command {
        // The server finds its root from the editor's workspace folder.
        return crate::lsp::run(crate::lsp::Options {
            dir: cli.dir.clone(),
            index: cli.index.clone(),
            today: cli.today,
        });
    }
    let (root, cfg) = match open_root(cli, ctx.err) {
        // A bad config is one of the errors `check` reports (SPEC §7).
        Err(Error::Config(e)) if matches!(cli.command, Command::Check) => {
            let d = Diagnostic::error(
                crate::config::FILE_NAME,
                u32::try_from(e.line).unwrap_or(0),
                1,
                e.message,
            );
            render::text::diagnostics(ctx.out, style(cli, ctx.stdout_is_terminal), &[d])
                .map_err(io_err)?;
            return Ok(Exit::Problems);
        }
        other => other?,
    };
    if let Command::Allow = cli.command {
        return allow(&root, &cfg, ctx);
    }
    if let Command::Watch {
        report,
        poll,
        debounce,
        hook_timeout,
        verbose,
    } = &cli.command
    {
        return crate::watch::run(crate::watch::Options {
            root,
            cfg,
            index: cli.index.clone(),
            today: cli.today,
            report: report.clone(),
            poll: *poll,
            debounce: std::time::Duration::from_millis(*debounce),
            hook_timeout: std::time::Duration::from_secs(*hook_timeout),
            verbose: *verbose,
        });
    }
    let style = style(cli, ctx.stdout_is_terminal);
    let today = today(cli);
    if let Command::Who { terms, .. } = &cli.command {
        // Usage errors before any work on the notes.
        crate::who::Terms::parse(terms).map_err(Error::Usage)?;
    }
    let index_path = cli.index.clone().or_else(|| index::default_path(&root));
    let mut src = Source::open(
        index_path.as_deref(),
        &root,
        &cfg,
        today,
        OpenOptions {
            rebuild: matches!(cli.command, Command::Index { rebuild: true, .. }),
            progress: io::stderr().is_terminal(),
            thorough: matches!(cli.command, Command::Index { .. }),
            one_shot: true,
        },
        &mut note_to(ctx.err),
    );

    match &cli.command {
        Command::Check => return check(cli, &root, &cfg, &mut src, style, today, ctx),
        Command::Index { check, .. } => {
            if *check {
                let verified = src.verify(&root, &cfg, today, &mut note_to(ctx.err));
                if let Some(n) = verified {
                    writeln!(
                        check_out(cli, ctx),
                        "check: {n} checksummed rows and chunks verified, all match"
                    )
                    .map_err(io_err)?;
                }
            }
            return index_stats(cli, &root, &cfg, &mut src, today, ctx);
        }
        _ => {}
    }
    for d in src.stderr_diags() {
        writeln!(ctx.err, "relnotes: {d}").map_err(io_err)?;
    }
    if let Command::Who {
        terms,
        limit,
        circle,
    } = &cli.command
    {
        let q = WhoQuestion {
            terms,
            limit: usize::try_from(*limit).unwrap_or(usize::MAX),
            circle: circle.as_deref(),
        };
        return who(cli, &q, &root, &cfg, &mut src, style, today, ctx);
    }
    let format = format_of(cli);
    let output = match &cli.command {
        Command::Report { output } => output.as_ref(),
        _ => None,
    };
    let base = output.map_or_else(String::new, |p| output::link_base(&root, p));
    // The answer is rendered into a buffer, or taken from the index's store
    // when nothing changed since it was rendered for this today and these
    // flags. The problems met walking are part of some answers (`export`),
    // and change without the notes changing: they are part of the key.
    let key = answer_key(cli, today, format, style, &base, &src.file_diags);
    let lap = crate::lap::Lap::new();
    let emit = |bytes: &[u8]| match output {
        None => ctx.out.write_all(bytes).map_err(io_err),
        Some(path) => output::write_atomic(path, bytes).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        }),
    };
    let made = |src: &mut Source, buf: &mut Vec<u8>| {
        lap.done("stored answer: none");
        // `export` needs every entry; `show` one person's; the rest only
        // the ledger.
        if matches!(cli.command, Command::Export) {
            src.vault(&root, &cfg, today, &mut note_to(ctx.err));
        }
        // `show` reads one person's part of the ledger; the rest all of it.
        let timeline = match &cli.command {
            Command::Show { person } => {
                let handle = src.person(&root, &cfg, today, person, &mut note_to(ctx.err));
                handle.map(|h| src.timeline(&root, &cfg, today, &h, &mut note_to(ctx.err)))
            }
            _ => {
                src.ledger(&root, &cfg, today, &mut note_to(ctx.err));
                None
            }
        };
        let last = last_touches(cli, &root, &cfg, today, src, ctx.err);
        // What resolves mentions is not needed past this point: its memory
        // goes to the rows.
        src.drop_claims();
        lap.done("load what answers are made from");
        let (ledger, vault) = src.loaded();
        let mut answers = Answers::new(ledger, &cfg, today);
        if let Some(last) = last {
            answers = answers.with_last(last);
        }
        lap.done("answers");
        render_answer(
            cli,
            &answers,
            vault,
            timeline,
            style,
            format,
            &base,
            &src.file_diags,
            buf,
        )?;
        // A row per person (200,000 on a contacts vault): left to the exit.
        src.done_with(answers);
        lap.done("render");
        Ok(())
    };
    stored_or_made(&mut src, &key, made, emit)?;
    lap.done("answer: stored or made, and written");
    Ok(Exit::Success)
}

/// The answer stored in the index under `key`, else the one `make`
/// renders, stored for the next run when this one changed nothing (notes
/// being edited would make storing it wasted work). It is filed under the
/// state read before it was made: what it is made from is that state or a
/// later one, so it is never read for a state it does not answer.
fn stored_or_made(
    src: &mut Source,
    key: &str,
    make: impl FnOnce(&mut Source, &mut Vec<u8>) -> Result<(), Error>,
    emit: impl FnOnce(&[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    let state = src.state();
    if let Some(bytes) = src.index.as_ref().and_then(|i| i.cached(key)) {
        return emit(&bytes);
    }
    let mut buf = Vec::new();
    make(src, &mut buf)?;
    let store = match (&src.index, &state, src.stats.changed) {
        (Some(idx), Some(state), false) => Some(idx.answer_store(state, key)),
        _ => None,
    };
    match store {
        // A big answer is stored while it is written out.
        Some(store) if buf.len() >= STORE_ALONGSIDE => std::thread::scope(|s| {
            s.spawn(|| store.write(&buf));
            emit(&buf)
        }),
        Some(store) => {
            store.write(&buf);
            emit(&buf)
        }
        None => emit(&buf),
    }
}

/// The size from which an answer is stored on a thread of its own while
/// it is written out (below, a thread costs more than it saves).
const STORE_ALONGSIDE: usize = 1 << 20;

/// The flags of `who`.
struct WhoQuestion<'a> {
    terms: &'a [String],
    limit: usize,
    circle: Option<&'a str>,
}

/// `who` (SPEC §12): its answer is stored like every other answer, for the
/// next identical run while nothing changes.
#[allow(clippy::too_many_arguments)]
fn who(
    cli: &Cli,
    q: &WhoQuestion<'_>,
    root: &Path,
    cfg: &Config,
    src: &mut Source,
    style: Style,
    today: NaiveDate,
    ctx: &mut Ctx<'_>,
) -> Result<Exit, Error> {
    let format = format_of(cli);
    let terms = crate::who::Terms::parse(q.terms).map_err(Error::Usage)?;
    let key = format!("{:?}|{today}|{format:?}|{}", cli.command, style.color);
    let made = |src: &mut Source, buf: &mut Vec<u8>| {
        let rows = crate::who::answer(
            src,
            root,
            cfg,
            today,
            &terms,
            q.circle,
            q.limit,
            (format == Format::Text).then_some(render::who::SHOWN),
            &mut note_to(ctx.err),
        );
        match format {
            Format::Json => render::who::json(buf, today, &terms.given, &rows),
            _ => render::who::text(buf, style, &terms.given, &rows),
        }
        .map_err(io_err)
    };
    let emit = |bytes: &[u8]| ctx.out.write_all(bytes).map_err(io_err);
    stored_or_made(src, &key, made, emit)?;
    Ok(Exit::Success)
}

fn check(
    cli: &Cli,
    root: &Path,
    cfg: &Config,
    src: &mut Source,
    style: Style,
    today: NaiveDate,
    ctx: &mut Ctx<'_>,
) -> Result<Exit, Error> {
    let f = format_of(cli);
    // Stored like every other answer: its exit code, its summary for
    // stderr and its report for stdout, in one value (see `CheckAnswer`).
    let key = answer_key(cli, today, f, style, "", &src.file_diags);
    let mut notes: Vec<u8> = Vec::new();
    let mut answer: Vec<u8> = Vec::new();
    let made = |src: &mut Source, buf: &mut Vec<u8>| -> Result<(), Error> {
        src.vault(root, cfg, today, &mut note_to(&mut notes));
        let file_diags = src.file_diags.clone();
        let vault = src.vault(root, cfg, today, &mut note_to(&mut notes));
        let (diags, errors) = crate::check::collect(file_diags, vault, cfg);
        let mut out = Vec::new();
        match f {
            Format::Json => serde_json::to_writer_pretty(&mut out, &diags)
                .map_err(io::Error::from)
                .and_then(|()| out.write_all(b"\n")),
            _ => render::text::diagnostics(&mut out, style, &diags),
        }
        .map_err(io_err)?;
        let n_err = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let n_warn = diags.len() - n_err;
        let summary = if diags.is_empty() {
            "relnotes: no problems found\n".to_string()
        } else {
            format!(
                "relnotes: {}, {}\n",
                render::count(n_err, "error", "errors"),
                render::count(n_warn, "warning", "warnings")
            )
        };
        CheckAnswer {
            problems: errors,
            summary: summary.as_bytes(),
            report: &out,
        }
        .encode(buf);
        Ok(())
    };
    stored_or_made(src, &key, made, |b| {
        answer.extend_from_slice(b);
        Ok(())
    })?;
    ctx.err.write_all(&notes).map_err(io_err)?;
    let a = CheckAnswer::decode(&answer);
    ctx.out.write_all(a.report).map_err(io_err)?;
    ctx.err.write_all(a.summary).map_err(io_err)?;
    Ok(if a.problems {
        Exit::Problems
    } else {
        Exit::Success
    })
}

/// `check`'s answer as stored: whether it found errors (a byte), the
/// summary's length (4 bytes, little-endian), the summary, the report.
struct CheckAnswer<'a> {
    problems: bool,
    summary: &'a [u8],
    report: &'a [u8],
}

impl<'a> CheckAnswer<'a> {
    fn encode(&self, buf: &mut Vec<u8>) {
        buf.push(u8::from(self.problems));
        let n = u32::try_from(self.summary.len()).unwrap_or(u32::MAX);
        buf.extend_from_slice(&n.to_le_bytes());
        buf.extend_from_slice(&self.summary[..n as usize]);
        buf.extend_from_slice(self.report);
    }

    /// A stored value is checksummed, so always well formed; anything
    /// shorter reads as an empty answer rather than a panic.
    fn decode(b: &'a [u8]) -> CheckAnswer<'a> {
        let problems = b.first() == Some(&1);
        let n = b
            .get(1..5)
            .and_then(|n| <[u8; 4]>::try_from(n).ok())
            .map_or(0, |n| u32::from_le_bytes(n) as usize);
        let summary = b.get(5..5 + n).unwrap_or_default();
        let report = b.get(5 + n..).unwrap_or_default();
        CheckAnswer {
            problems,
            summary,
            report,
        }
    }
}

/// The key an answer is stored under: the command and its flags, the day,
/// and the problems met walking (part of some answers, and they change
/// without the notes changing).
fn answer_key(
    cli: &Cli,
    today: NaiveDate,
    format: Format,
    style: Style,
    base: &str,
    file_diags: &[Diagnostic],
) -> String {
    let diags = blake3::hash(format!("{file_diags:?}").as_bytes());
    format!(
        "{:?}|{today}|{format:?}|{}|{base}|{}",
        cli.command,
        style.color,
        diags.to_hex()
    )
}

/// `relnotes allow`: records that this root's config, as it is now, may
/// run `on_due` on this machine (SPEC §9, trust).
fn allow(root: &Path, cfg: &Config, ctx: &mut Ctx<'_>) -> Result<Exit, Error> {
    let root = root.canonicalize().map_err(|source| Error::Io {
        path: root.to_path_buf(),
        source,
    })?;
    let file = root.join(FILE_NAME);
    let recorded = crate::watch::state::allow(&root, &cfg.allow_key)
        .map_err(|source| Error::Usage(format!("cannot record the allowed config: {source}")))?;
    let what = cfg.on_due.as_ref().map_or_else(
        || "(no on_due in it yet; a config that adds one needs a new allow)".to_string(),
        |c| format!("its on_due `{c}` may run"),
    );
    writeln!(
        ctx.out,
        "allowed {} as it is now: {what}; recorded in {}",
        file.display(),
        recorded.display()
    )
    .map_err(io_err)?;
    Ok(Exit::Success)
}

/// What `index` prints: where the index is and what the sync did (JSON
/// with `--format json`; fields may be added, never renamed).
#[derive(serde::Serialize)]
struct IndexStats {
    /// The index file, or `null` when answering from memory.
    index: Option<PathBuf>,
    seen: usize,
    parsed: usize,
    unchanged: usize,
    rehashed: usize,
    removed: usize,
    skipped: usize,
    /// Every note was parsed again.
    full_parse: bool,
    /// People were resolved again from every note's facts.
    rederived: bool,
    people: usize,
    interactions: u32,
    reminders: usize,
    sync_ms: u128,
    peak_memory_mib: Option<u64>,
}

impl IndexStats {
    fn text(&self) -> String {
        let location = self.index.as_ref().map_or_else(
            || "(none: answered from memory)".to_string(),
            |p| p.display().to_string(),
        );
        let mut text = format!("index: {location}\n");
        let _ = writeln!(
            text,
            "files: {} seen, {} parsed, {} unchanged, {} re-hashed, {} removed, {} skipped{}",
            self.seen,
            self.parsed,
            self.unchanged,
            self.rehashed,
            self.removed,
            self.skipped,
            if self.full_parse {
                " (full parse)"
            } else if self.rederived {
                " (people re-resolved)"
            } else {
                ""
            }
        );
        let _ = writeln!(
            text,
            "people: {}, interactions: {}, reminders: {}",
            self.people, self.interactions, self.reminders
        );
        let _ = writeln!(text, "sync: {} ms", self.sync_ms);
        if let Some(peak) = self.peak_memory_mib {
            let _ = writeln!(text, "peak memory: {peak} MiB");
        }
        text
    }
}

fn index_stats(
    cli: &Cli,
    root: &Path,
    cfg: &Config,
    src: &mut Source,
    today: NaiveDate,
    ctx: &mut Ctx<'_>,
) -> Result<Exit, Error> {
    // Loading the ledger may rebuild a damaged index: ask for it first.
    src.ledger(root, cfg, today, &mut note_to(ctx.err));
    let st = src.stats;
    let index = src.location();
    let ledger = src.ledger(root, cfg, today, &mut note_to(ctx.err));
    let a = Answers::new(ledger, cfg, today);
    let stats = IndexStats {
        index,
        seen: st.seen,
        parsed: st.parsed,
        unchanged: st.unchanged,
        rehashed: st.rehashed,
        removed: st.removed,
        skipped: st.skipped,
        full_parse: st.full,
        rederived: st.rederived,
        people: a.people.len(),
        interactions: a.people.iter().map(|p| p.interactions).sum(),
        reminders: a.reminders().len(),
        sync_ms: st.millis,
        peak_memory_mib: peak_memory_kib().map(|k| k / 1024),
    };
    match format_of(cli) {
        Format::Json => render::json::write(ctx.out, &stats),
        _ => ctx.out.write_all(stats.text().as_bytes()),
    }
    .map_err(io_err)?;
    Ok(Exit::Success)
}

/// The last interaction of everyone with a keep-in-touch reminder, for the
/// commands whose reminders carry it (`report`, `due`, `export`), when
/// anyone has a cadence: read from the notes of their last-contact days.
fn last_touches(
    cli: &Cli,
    root: &Path,
    cfg: &Config,
    today: NaiveDate,
    src: &mut Source,
    err: &mut dyn Write,
) -> Option<std::collections::BTreeMap<String, crate::query::LastTouch>> {
    if !matches!(
        cli.command,
        Command::Report { .. } | Command::Due { .. } | Command::Export
    ) {
        return None;
    }
    let ledger = src.ledger(root, cfg, today, &mut note_to(err));
    let handles = crate::query::cadence_handles(ledger, cfg, today);
    if handles.is_empty() {
        return None;
    }
    Some(src.last_touches(root, cfg, today, &handles, &mut note_to(err)))
}

/// Renders the answer of a reading command into `out`. `vault` is there
/// for the command that needs every entry (`export`), `timeline` for
/// `show`.
#[allow(clippy::too_many_arguments)]
fn render_answer(
    cli: &Cli,
    answers: &Answers<'_>,
    vault: Option<&Vault>,
    timeline: Option<Vec<crate::query::TimelineRow>>,
    style: Style,
    format: Format,
    base: &str,
    file_diags: &[Diagnostic],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let today = answers.today;
    match &cli.command {
        Command::People => match format {
            Format::Json => render::json::people(out, answers),
            Format::Md => render::markdown::people(out, &answers.people, base),
            _ => render::text::people(out, style, &answers.people),
        }
        .map_err(io_err)?,
        Command::Show { person } => {
            let Some(p) = answers
                .ledger
                .find(person)
                .and_then(|p| answers.person(&p.handle))
            else {
                return Err(Error::Usage(format!(
                    "no person `{person}` (try `relnotes people`)"
                )));
            };
            let timeline = timeline.unwrap_or_default();
            let commitments: Vec<_> = answers
                .commitments()
                .into_iter()
                .filter(|c| c.people.contains(&p.handle))
                .collect();
            match format {
                Format::Json => render::json::show(out, today, p, &timeline, &commitments),
                Format::Md => render::markdown::show(out, p, &timeline, &commitments, base),
                _ => render::text::show(out, style, p, &timeline, &commitments),
            }
            .map_err(io_err)?;
        }
        Command::Due { within } => {
            let due = answers.due(within.unwrap_or(Dur::days(0)));
            match format {
                Format::Json => render::json::due(out, today, &due),
                Format::Md => render::markdown::reminders(out, &due, base),
                _ => render::text::reminders(out, style, &due),
            }
            .map_err(io_err)?;
        }
        Command::Report { .. } => match format {
            Format::Json => render::json::report(out, answers),
            _ => render::markdown::report(out, answers, base),
        }
        .map_err(io_err)?,
        Command::Export => {
            let empty = Vault::default();
            let vault = vault.unwrap_or(&empty);
            let (diags, _) = crate::check::collect(file_diags.to_vec(), vault, answers.cfg);
            match format {
                Format::Ics => render::ics::export(out, answers),
                _ => render::json::export(out, answers, vault, &diags),
            }
            .map_err(io_err)?;
        }
        Command::Init
        | Command::Index { .. }
        | Command::Check
        | Command::Watch { .. }
        | Command::Allow
        | Command::Completions { .. }
        | Command::Man
        | Command::Lsp
        | Command::Who { .. } => {}
    }
    Ok(())
}

/// Peak resident memory of this process, where the OS tells (Linux).
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn init(cli: &Cli, ctx: &mut Ctx<'_>) -> Result<Exit, Error> {
    let cwd = std::env::current_dir().map_err(|source| Error::Io {
        path: PathBuf::from("."),
        source,
    })?;
    let root = cli.dir.clone().unwrap_or(cwd);
    if !root.is_dir() {
        return Err(Error::NoRoot(root));
    }
    let path = root.join(FILE_NAME);
    let mut f = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return Err(Error::Usage(format!(
                "{}: already exists; not overwritten",
                path.display()
            )));
        }
        Err(source) => return Err(Error::Io { path, source }),
    };
    let found = crate::setup::detect(&root);
    f.write_all(found.config_text().as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
    writeln!(ctx.out, "{}\nwrote {}", found.summary(), path.display())
        .map_err(|source| Error::Io { path, source })?;
    Ok(Exit::Success)
}
