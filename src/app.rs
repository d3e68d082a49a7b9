//! The commands: each one loads the notes, asks `query` and hands the rows
//! to `render`. Thin on purpose; the logic lives in the stages.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::cli::{Cli, ColorChoice, Command};
use crate::config::{Config, FILE_NAME, TEMPLATE};
use crate::dates::Dur;
use crate::error::{Error, Exit};
use crate::index;
use crate::model::{Diagnostic, Severity};
use crate::output;
use crate::query::Answers;
use crate::render::{self, Format, Style};
use crate::source::{OpenOptions, Source};
use crate::vault::Vault;

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

fn format_for(cli: &Cli, default: Format, allowed: &[Format], cmd: &str) -> Result<Format, Error> {
    let f = cli.format.unwrap_or(default);
    if allowed.contains(&f) {
        Ok(f)
    } else {
        let names: Vec<&str> = allowed.iter().map(|f| format_name(*f)).collect();
        Err(Error::Usage(format!(
            "`{cmd}` does not write --format {}; use one of: {}",
            format_name(f),
            names.join(", ")
        )))
    }
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Text => "text",
        Format::Md => "md",
        Format::Json => "json",
        Format::Ics => "ics",
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

/// Finds the root and reads the config.
fn open_root(cli: &Cli) -> Result<(PathBuf, Config), Error> {
    let cwd = std::env::current_dir().map_err(|source| Error::Io {
        path: PathBuf::from("."),
        source,
    })?;
    let root = crate::walk::find_root(cli.dir.as_deref(), &cwd);
    if !root.is_dir() {
        return Err(Error::NoRoot(root));
    }
    let cfg = Config::load(&root)?;
    Ok((root, cfg))
}

/// Runs one command. Errors that stop it are returned; problems in the
/// notes are reported and the work goes on.
pub fn run(cli: &Cli, ctx: &mut Ctx<'_>) -> Result<Exit, Error> {
    if let Command::Init = cli.command {
        return init(cli, ctx);
    }
    let (root, cfg) = match open_root(cli) {
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
        format_for(cli, Format::Text, &[Format::Text, Format::Json], "who")?;
    }
    let index_path = cli.index.clone().or_else(|| index::default_path(&root));
    let mut src = Source::open(
        index_path.as_deref(),
        &root,
        &cfg,
        today,
        OpenOptions {
            rebuild: matches!(cli.command, Command::Index { rebuild: true }),
            progress: io::stderr().is_terminal(),
            thorough: matches!(cli.command, Command::Index { .. }),
        },
        &mut note_to(ctx.err),
    );

    match &cli.command {
        Command::Check => return check(cli, &root, &cfg, &mut src, style, today, ctx),
        Command::Index { .. } => return index_stats(&root, &cfg, &mut src, today, ctx),
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
    let all = [Format::Text, Format::Md, Format::Json];
    let (format, output) = match &cli.command {
        Command::People => (format_for(cli, Format::Text, &all, "people")?, None),
        Command::Show { .. } => (format_for(cli, Format::Text, &all, "show")?, None),
        Command::Due { .. } => (format_for(cli, Format::Text, &all, "due")?, None),
        Command::Report { output } => (
            format_for(
                cli,
                Format::Md,
                &[Format::Md, Format::Text, Format::Json],
                "report",
            )?,
            output.as_ref(),
        ),
        _ => (
            format_for(cli, Format::Json, &[Format::Json, Format::Ics], "export")?,
            None,
        ),
    };
    let base = output.map_or_else(String::new, |p| output::link_base(&root, p));
    // The answer is rendered into a buffer, or taken from the index's store
    // when nothing changed since it was rendered for this today and these
    // flags. The problems met walking are part of some answers (`export`),
    // and change without the notes changing: they are part of the key.
    let diags = blake3::hash(format!("{:?}", src.file_diags).as_bytes());
    let key = format!(
        "{:?}|{today}|{format:?}|{}|{base}|{}",
        cli.command,
        style.color,
        diags.to_hex()
    );
    // What the answer will be made from is this state or a later one.
    let state = src.state();
    let lap = crate::lap::Lap::new();
    let cached = src.index.as_ref().and_then(|i| i.cached(&key));
    lap.done(if cached.is_some() {
        "stored answer: found"
    } else {
        "stored answer: none"
    });
    let bytes = match cached {
        Some(b) => b,
        None => {
            let mut buf = Vec::new();
            // `show` and `export` need every entry; the rest only the ledger.
            if matches!(cli.command, Command::Show { .. } | Command::Export) {
                src.vault(&root, &cfg, today, &mut note_to(ctx.err));
            }
            src.ledger(&root, &cfg, today, &mut note_to(ctx.err));
            lap.done("load what answers are made from");
            let (ledger, vault) = src.loaded();
            let answers = Answers::new(ledger, &cfg, today);
            lap.done("answers");
            render_answer(
                cli,
                &answers,
                vault,
                style,
                format,
                &base,
                &src.file_diags,
                &mut buf,
            )?;
            lap.done("render");
            // Kept for the next run only when this one changed nothing:
            // notes being edited would make storing it wasted work.
            if let (Some(idx), Some(state), false) = (&src.index, &state, src.stats.changed) {
                idx.store(state, &key, &buf);
            }
            lap.done("store the answer");
            buf
        }
    };
    match output {
        None => ctx.out.write_all(&bytes).map_err(io_err)?,
        Some(path) => output::write_atomic(path, &bytes).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?,
    }
    Ok(Exit::Success)
}

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
    let format = format_for(cli, Format::Text, &[Format::Text, Format::Json], "who")?;
    let terms = crate::who::Terms::parse(q.terms).map_err(Error::Usage)?;
    let key = format!("{:?}|{today}|{format:?}|{}", cli.command, style.color);
    let state = src.state();
    if let Some(bytes) = src.index.as_ref().and_then(|i| i.cached(&key)) {
        ctx.out.write_all(&bytes).map_err(io_err)?;
        return Ok(Exit::Success);
    }
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
    let mut buf = Vec::new();
    match format {
        Format::Json => render::who::json(&mut buf, today, &terms.given, &rows),
        _ => render::who::text(&mut buf, style, &terms.given, &rows),
    }
    .map_err(io_err)?;
    if let (Some(idx), Some(state), false) = (&src.index, &state, src.stats.changed) {
        idx.store(state, &key, &buf);
    }
    ctx.out.write_all(&buf).map_err(io_err)?;
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
    let f = format_for(cli, Format::Text, &[Format::Text, Format::Json], "check")?;
    src.vault(root, cfg, today, &mut note_to(ctx.err));
    let file_diags = src.file_diags.clone();
    let vault = src.vault(root, cfg, today, &mut note_to(ctx.err));
    let (diags, errors) = crate::check::collect(file_diags, vault);
    let out = &mut *ctx.out;
    match f {
        Format::Json => serde_json::to_writer_pretty(&mut *out, &diags)
            .map_err(io::Error::from)
            .and_then(|()| out.write_all(b"\n")),
        _ => render::text::diagnostics(out, style, &diags),
    }
    .map_err(io_err)?;
    let n_err = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let n_warn = diags.len() - n_err;
    if diags.is_empty() {
        writeln!(ctx.err, "relnotes: no problems found").map_err(io_err)?;
    } else {
        writeln!(ctx.err, "relnotes: {n_err} error(s), {n_warn} warning(s)").map_err(io_err)?;
    }
    Ok(if errors {
        Exit::Problems
    } else {
        Exit::Success
    })
}

fn index_stats(
    root: &Path,
    cfg: &Config,
    src: &mut Source,
    today: NaiveDate,
    ctx: &mut Ctx<'_>,
) -> Result<Exit, Error> {
    // Loading the ledger may rebuild a damaged index: ask for it first.
    src.ledger(root, cfg, today, &mut note_to(ctx.err));
    let st = src.stats;
    let location = src.location().map_or_else(
        || "(none: answered from memory)".to_string(),
        |p| p.display().to_string(),
    );
    let ledger = src.ledger(root, cfg, today, &mut note_to(ctx.err));
    let a = Answers::new(ledger, cfg, today);
    let interactions: u32 = a.people.iter().map(|p| p.interactions).sum();
    let reminders = a.reminders().len();
    let mut text = format!("index: {location}\n");
    let _ = writeln!(
        text,
        "files: {} seen, {} parsed, {} unchanged, {} re-hashed, {} removed, {} skipped{}",
        st.seen,
        st.parsed,
        st.unchanged,
        st.rehashed,
        st.removed,
        st.skipped,
        if st.full {
            " (full parse)"
        } else if st.rederived {
            " (people re-resolved)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        text,
        "people: {}, interactions: {interactions}, reminders: {reminders}",
        a.people.len()
    );
    let _ = writeln!(text, "sync: {} ms", st.millis);
    if let Some(peak) = peak_memory_kib() {
        let _ = writeln!(text, "peak memory: {} MiB", peak / 1024);
    }
    ctx.out.write_all(text.as_bytes()).map_err(io_err)?;
    Ok(Exit::Success)
}

/// Renders the answer of a reading command into `out`. `vault` is there
/// for the commands that need every entry (`show`, `export`).
#[allow(clippy::too_many_arguments)]
fn render_answer(
    cli: &Cli,
    answers: &Answers<'_>,
    vault: Option<&Vault>,
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
            let timeline = vault.map_or_else(Vec::new, |v| {
                crate::query::timeline(v, &p.handle, answers.today)
            });
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
            let (diags, _) = crate::check::collect(file_diags.to_vec(), vault);
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
    f.write_all(TEMPLATE.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
    writeln!(ctx.out, "wrote {}", path.display()).map_err(|source| Error::Io { path, source })?;
    Ok(Exit::Success)
}
