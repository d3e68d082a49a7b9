//! The commands: each one loads the notes, asks `query` and hands the rows
//! to `render`. Thin on purpose; the logic lives in the stages.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;

use crate::cli::{Cli, ColorChoice, Command};
use crate::config::{Config, FILE_NAME, TEMPLATE};
use crate::dates::Dur;
use crate::error::{Error, Exit};
use crate::model::{Diagnostic, Severity};
use crate::query::Answers;
use crate::render::{self, Format, Style};

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

/// Prints what every command should hear about: files that could not be
/// read and errors in notes. The rest waits for `relnotes check`.
fn warn(
    ctx: &mut Ctx<'_>,
    load_diags: &[Diagnostic],
    vault: &crate::vault::Vault,
) -> io::Result<()> {
    let errors = vault
        .notes
        .iter()
        .flat_map(|n| &n.diagnostics)
        .chain(&vault.diagnostics)
        .filter(|d| d.severity == Severity::Error);
    for d in load_diags.iter().chain(errors) {
        writeln!(ctx.err, "relnotes: {d}")?;
    }
    Ok(())
}

/// Runs one command. Errors that stop it are returned; problems in the
/// notes are reported and the work goes on.
pub fn run(cli: &Cli, ctx: &mut Ctx<'_>) -> Result<Exit, Error> {
    if let Command::Init = cli.command {
        return init(cli, ctx);
    }
    let (root, cfg) = open_root(cli)?;
    let style = style(cli, ctx.stdout_is_terminal);
    let (vault, load_diags, _stats) = crate::load::load(&root, &cfg);
    let today = today(cli);
    let answers = Answers::new(&vault, &cfg, today);
    let io_err = |source| Error::Io {
        path: PathBuf::from("<stdout>"),
        source,
    };

    if !matches!(cli.command, Command::Check) {
        warn(ctx, &load_diags, &vault).map_err(io_err)?;
    }
    let out = &mut *ctx.out;
    match &cli.command {
        Command::Init => unreachable!("handled above"),
        Command::People => match format_for(
            cli,
            Format::Text,
            &[Format::Text, Format::Md, Format::Json],
            "people",
        )? {
            Format::Json => render::json::people(out, &answers),
            Format::Md => render::markdown::people(out, &answers.people, ""),
            _ => render::text::people(out, style, &answers.people),
        }
        .map_err(io_err)?,
        Command::Show { person } => {
            let f = format_for(
                cli,
                Format::Text,
                &[Format::Text, Format::Md, Format::Json],
                "show",
            )?;
            let Some(p) = vault.find(person).and_then(|p| answers.person(&p.handle)) else {
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
            match f {
                Format::Json => render::json::show(out, today, p, &timeline, &commitments),
                Format::Md => render::markdown::show(out, p, &timeline, &commitments, ""),
                _ => render::text::show(out, style, p, &timeline, &commitments),
            }
            .map_err(io_err)?;
        }
        Command::Due { within } => {
            let f = format_for(
                cli,
                Format::Text,
                &[Format::Text, Format::Md, Format::Json],
                "due",
            )?;
            let due = answers.due(within.unwrap_or(Dur::days(0)));
            match f {
                Format::Json => render::json::due(out, today, &due),
                Format::Md => render::markdown::reminders(out, &due, ""),
                _ => render::text::reminders(out, style, &due),
            }
            .map_err(io_err)?;
        }
        Command::Report { output } => {
            let f = format_for(
                cli,
                Format::Md,
                &[Format::Md, Format::Text, Format::Json],
                "report",
            )?;
            match output {
                None => match f {
                    Format::Json => render::json::report(out, &answers),
                    _ => render::markdown::report(out, &answers, ""),
                }
                .map_err(io_err)?,
                Some(path) => {
                    let mut buf = Vec::new();
                    let base = link_base(&root, path);
                    match f {
                        Format::Json => render::json::report(&mut buf, &answers),
                        _ => render::markdown::report(&mut buf, &answers, &base),
                    }
                    .map_err(io_err)?;
                    write_atomic(path, &buf).map_err(|source| Error::Io {
                        path: path.clone(),
                        source,
                    })?;
                }
            }
        }
        Command::Check => {
            let f = format_for(cli, Format::Text, &[Format::Text, Format::Json], "check")?;
            let (diags, errors) = crate::check::collect(load_diags, &vault);
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
                writeln!(ctx.err, "relnotes: {n_err} error(s), {n_warn} warning(s)")
                    .map_err(io_err)?;
            }
            return Ok(if errors {
                Exit::Problems
            } else {
                Exit::Success
            });
        }
        Command::Export => {
            let f = format_for(cli, Format::Json, &[Format::Json, Format::Ics], "export")?;
            let (diags, _) = crate::check::collect(load_diags, &vault);
            match f {
                Format::Ics => render::ics::export(out, &answers),
                _ => render::json::export(out, &answers, &diags),
            }
            .map_err(io_err)?;
        }
    }
    Ok(Exit::Success)
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
