//! The `relnotes` binary: parse flags, run the command, map the result to an
//! exit code. A closed pipe (`relnotes people | head`) is success.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use relnotes::app::{run, Ctx};
use relnotes::cli::{Cli, Command};
use relnotes::error::{Error, Exit};

fn main() -> ExitCode {
    // No fastbins in glibc's malloc: a cold index frees millions of small
    // chunks (every note's words), and with fastbins the first large
    // allocation after pays to consolidate them all at once: ~95 ms of the
    // report's render on the 10k corpus (perf: `malloc_consolidate`), the
    // whole cold run 1.43 -> 1.34 s (medians of seven, in turn). Small
    // allocations still come from the per-thread cache. (mimalloc, tried
    // twice: faster cold, but a one-note change slower and fatter.)
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable of the allocator, before any
    // thread is started.
    unsafe {
        libc::mallopt(libc::M_MXFAST, 0);
    }
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
