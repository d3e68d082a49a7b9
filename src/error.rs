//! Exit codes (SPEC §7) and the errors that end a command.

use std::path::PathBuf;

/// How a run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Success,
    /// 1: `check` found errors.
    Problems,
    /// 2: usage or I/O error.
    Usage,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Problems => 1,
            Exit::Usage => 2,
        }
    }
}

/// An error that stops a command, always naming what it is about.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: notes root does not exist or is not a folder", .0.display())]
    NoRoot(PathBuf),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
}
