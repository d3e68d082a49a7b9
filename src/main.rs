//! The `relnotes` binary: parse flags, run the command, map the result to an
//! exit code. A closed pipe (`relnotes people | head`) is success.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use relnotes::app::{run, Ctx};
use relnotes::cli::{Cli, Command};
use relnotes::error::{Error, Exit};

fn main() -> ExitCode {
    let cli = match Cli::parse_checked(std::env::args_os()) {
        Ok(c) => c,
        Err(e) => {
            // clap's own message in full: what is wrong, a similar command
            // or value, the usage line. Help and version are successes.
            use clap::error::ErrorKind;
            let _ = e.print();
            let ok = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
            return ExitCode::from(if ok { 0 } else { Exit::Usage.code() });
        }
    };
    // `RUST_LOG=relnotes=debug` shows where a run's time goes; the daemon
    // sets up its own log.
    if std::env::var_os("RUST_LOG").is_some() && !matches!(cli.command, Command::Watch { .. }) {
        let color =
            io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(io::stderr)
            .with_ansi(color)
            .with_target(false)
            .try_init();
    }
    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    let mut out = io::BufWriter::new(stdout.lock());
    // Not locked for the whole run: other threads (the daemon's on_due
    // worker, notify's) log to stderr too, and would wait forever.
    let mut err = io::stderr();
    let result = {
        let mut ctx = Ctx {
            out: &mut out,
            err: &mut err,
            stdout_is_terminal: terminal,
        };
        run(&cli, &mut ctx)
    };
    let flushed = out.flush();
    let exit = match (result, flushed) {
        (Err(Error::Io { source, .. }), _) | (Ok(_), Err(source))
            if source.kind() == io::ErrorKind::BrokenPipe =>
        {
            Exit::Success
        }
        (Ok(exit), Ok(())) => exit,
        (Ok(_), Err(e)) => {
            let _ = writeln!(err, "relnotes: <stdout>: {e}");
            Exit::Usage
        }
        (Err(e), _) => {
            // One line, whatever the cause says.
            let msg = e.to_string().replace('\n', " ");
            let _ = writeln!(err, "relnotes: {msg}");
            Exit::Usage
        }
    };
    ExitCode::from(exit.code())
}
