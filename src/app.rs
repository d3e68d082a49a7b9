//! The commands: each one loads the notes, asks `query` and hands the rows
//! to `render`. Thin on purpose; the logic lives in the stages.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;

use crate::cli::{Cli, ColorChoice, Command};
use crate::config::{Config, FILE_NAME, TEMPLATE};
use crate::dates::Dur;
use crate::error::{Error, Exit};
use crate::index::{self, Index, SyncStats};
use crate::model::{Diagnostic, Severity};
use crate::query::Answers;
use crate::render::{self, Format, Style};
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

/// Where the answers come from: the index, or (when it cannot be used)
/// the notes parsed in memory.
struct Source {
    index: Option<Index>,
    vault: Option<Vault>,
    /// Walk problems and per-file warnings.
    file_diags: Vec<Diagnostic>,
    stats: SyncStats,
}

impl Source {
    fn open(cli: &Cli, root: &Path, cfg: &Config, today: NaiveDate, ctx: &mut Ctx<'_>) -> Source {
        let rebuild = matches!(cli.command, Command::Index { rebuild: true });
        let path = cli.index.clone().or_else(|| index::default_path(root));
        let mut note = |msg: String| {
            let _ = writeln!(ctx.err, "relnotes: {msg}");
        };
        match path {
            None => note("no cache folder for the index; answering from memory".to_string()),
            Some(path) => match Index::open(&path) {
                Err(e) => note(format!("cannot use the index: {e}; answering from memory")),
                Ok((mut idx, warnings)) => {
                    for w in warnings {
                        note(w);
                    }
                    let progress = std::io::stderr().is_terminal();
                    match index::sync(
                        &mut idx,
                        root,
                        cfg,
                        &cfg.fingerprint,
                        rebuild,
                        progress,
                        today,
                    ) {
                        Ok(synced) => {
                            let mut file_diags = synced.walk_diagnostics;
                            file_diags
                                .extend(index::sync::file_warnings(&idx.conn).unwrap_or_default());
                            return Source {
                                index: Some(idx),
                                vault: synced.vault,
                                file_diags,
                                stats: synced.stats,
                            };
                        }
                        Err(e) => {
                            // A damaged index may fail mid-sync: move it
                            // aside and build a new one before giving up.
                            drop(idx);
                            let mut src = Source {
                                index: None,
                                vault: None,
                                file_diags: Vec::new(),
                                stats: SyncStats::default(),
                            };
                            src.rebuild(&path, root, cfg, today);
                            if src.index.is_some() {
                                note(format!(
                                    "{}: index was unusable ({e}); moved aside and rebuilt from the notes",
                                    path.display()
                                ));
                                return src;
                            }
                            note(format!(
                                "cannot update the index at {}: {e}; answering from memory",
                                path.display()
                            ));
                        }
                    }
                }
            },
        }
        let (vault, file_diags, st) = crate::load::load(root, cfg);
        Source {
            index: None,
            vault: Some(vault),
            file_diags,
            stats: SyncStats {
                seen: st.seen,
                parsed: st.parsed,
                skipped: st.skipped,
                millis: st.millis,
                changed: true,
                full: true,
                ..SyncStats::default()
            },
        }
    }

    /// The vault, loaded from the index on first use. An index whose facts
    /// cannot be read (damaged pages, bad JSON) is moved aside and rebuilt;
    /// if that fails too, the notes are parsed in memory.
    fn vault(
        &mut self,
        root: &Path,
        cfg: &Config,
        today: NaiveDate,
        err: &mut dyn Write,
    ) -> &Vault {
        if self.vault.is_none() {
            if let Some(idx) = self.index.take() {
                match index::sync::load_vault(&idx.conn, cfg) {
                    Ok((v, _)) => {
                        self.vault = Some(v);
                        self.index = Some(idx);
                    }
                    Err(e) => {
                        let path = idx.path.clone();
                        drop(idx);
                        let _ = writeln!(
                            err,
                            "relnotes: {}: index was unusable ({e}); moved aside and rebuilt from the notes",
                            path.display()
                        );
                        self.rebuild(&path, root, cfg, today);
                    }
                }
            }
        }
        self.vault.get_or_insert_with(|| {
            let (vault, diags, _) = crate::load::load(root, cfg);
            self.file_diags = diags;
            vault
        })
    }

    /// Moves a damaged index aside and builds a new one; on failure the
    /// vault is left for `vault()` to load in memory.
    fn rebuild(&mut self, path: &Path, root: &Path, cfg: &Config, today: NaiveDate) {
        if index::move_aside(path).is_err() {
            return;
        }
        let Ok((mut idx, _)) = Index::open(path) else {
            return;
        };
        if let Ok(synced) = index::sync(&mut idx, root, cfg, &cfg.fingerprint, true, false, today) {
            self.stats = synced.stats;
            self.vault = synced.vault;
            self.file_diags = synced.walk_diagnostics;
            self.file_diags
                .extend(index::sync::file_warnings(&idx.conn).unwrap_or_default());
            self.index = Some(idx);
        }
    }

    /// What every command should hear about: files that could not be read
    /// and errors in notes. The rest waits for `relnotes check`.
    fn stderr_diags(&self) -> Vec<Diagnostic> {
        let mut out = self.file_diags.clone();
        match (&self.vault, &self.index) {
            (Some(v), _) => out.extend(v.errors().cloned()),
            (None, Some(idx)) => out.extend(index::sync::stored_errors(idx)),
            (None, None) => {}
        }
        out.sort();
        out.dedup();
        out
    }
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
    let style = style(cli, ctx.stdout_is_terminal);
    let today = today(cli);
    let mut src = Source::open(cli, &root, &cfg, today, ctx);

    match &cli.command {
        Command::Check => return check(cli, &root, &cfg, &mut src, style, today, ctx),
        Command::Index { .. } => return index_stats(&root, &cfg, &mut src, today, ctx),
        _ => {}
    }
    for d in src.stderr_diags() {
        writeln!(ctx.err, "relnotes: {d}").map_err(io_err)?;
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
    let base = output.map_or_else(String::new, |p| link_base(&root, p));
    // The answer is rendered into a buffer, or taken from the index's store
    // when nothing changed since it was rendered for this today and these
    // flags.
    let key = format!(
        "{:?}|{today}|{format:?}|{}|{base}",
        cli.command, style.color
    );
    let cached = src.index.as_ref().and_then(|i| i.cached(&key));
    let bytes = match cached {
        Some(b) => b,
        None => {
            let mut buf = Vec::new();
            src.vault(&root, &cfg, today, ctx.err);
            let file_diags = src.file_diags.clone();
            let vault = src.vault(&root, &cfg, today, ctx.err);
            let answers = Answers::new(vault, &cfg, today);
            render_answer(cli, &answers, style, format, &base, &file_diags, &mut buf)?;
            if let Some(idx) = &src.index {
                idx.store(&key, &buf);
            }
            buf
        }
    };
    match output {
        None => ctx.out.write_all(&bytes).map_err(io_err)?,
        Some(path) => write_atomic(path, &bytes).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?,
    }
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
    src.vault(root, cfg, today, ctx.err);
    let file_diags = src.file_diags.clone();
    let vault = src.vault(root, cfg, today, ctx.err);
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
    // Loading the vault may rebuild a damaged index: ask for it first.
    src.vault(root, cfg, today, ctx.err);
    let st = src.stats;
    let location = src.index.as_ref().map_or_else(
        || "(none: answered from memory)".to_string(),
        |i| i.path.display().to_string(),
    );
    let vault = src.vault(root, cfg, today, ctx.err);
    let a = Answers::new(vault, cfg, today);
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
        if st.full { " (full parse)" } else { "" }
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

/// Renders the answer of a reading command into `out`.
fn render_answer(
    cli: &Cli,
    answers: &Answers<'_>,
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
                .vault
                .find(person)
                .and_then(|p| answers.person(&p.handle))
            else {
                return Err(Error::Usage(format!(
                    "no person `{person}` (try `relnotes people`)"
                )));
            };
            let timeline = answers.timeline(&p.handle);
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
            let (diags, _) = crate::check::collect(file_diags.to_vec(), answers.vault);
            match format {
                Format::Ics => render::ics::export(out, answers),
                _ => render::json::export(out, answers, &diags),
            }
            .map_err(io_err)?;
        }
        Command::Init | Command::Index { .. } | Command::Check => {}
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

/// Writes `bytes` to `path` atomically: a temp file in the same folder,
/// fsync, rename over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".relnotes-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn absolute(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    // Resolve symlinks where the path exists, then drop `.` and `..`.
    let abs = abs.canonicalize().unwrap_or(abs);
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The prefix that turns a root-relative note path into a link relative to
/// the folder a report is written in.
pub fn link_base(root: &Path, output: &Path) -> String {
    let root = absolute(root);
    let out_dir = absolute(
        output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    );
    let r: Vec<_> = root.components().collect();
    let o: Vec<_> = out_dir.components().collect();
    let common = r.iter().zip(&o).take_while(|(a, b)| a == b).count();
    let mut base = String::new();
    for _ in common..o.len() {
        base.push_str("../");
    }
    for c in &r[common..] {
        base.push_str(&c.as_os_str().to_string_lossy());
        base.push('/');
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec8_report_links_are_relative_to_the_report_file() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("notes");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        assert_eq!(link_base(&root, &root.join("R.md")), "");
        assert_eq!(link_base(&root, &root.join("sub/R.md")), "../");
        assert_eq!(link_base(&root, &tmp.path().join("R.md")), "notes/");
    }

    #[test]
    fn write_atomic_replaces_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("r.md");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
