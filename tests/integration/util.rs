//! Test helpers: a notes folder in a fresh temp directory (a copy of a
//! fixture, or files written by the test), and a way to run the real
//! `relnotes` binary on it with a pinned `--today` and a clean environment.
//!
//! Every run gets `--dir <tmp> --today 2026-11-23`, `NO_COLOR=1`, its own
//! `HOME`, `XDG_CACHE_HOME` and `XDG_STATE_HOME` (temp dirs outside the
//! notes folder), and no
//! `RELNOTES_DIR`/`RELNOTES_TODAY` from the developer's shell. Runs carry a
//! generous hang guard: a process still running after [`HANG_GUARD`] is
//! killed and the test fails (a guard against hangs, not a timing assertion).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tempfile::TempDir;

/// The pinned date every fixture answer is derived for.
pub const TODAY: &str = "2026-11-23";

/// A process still running after this long is killed and the test fails.
pub const HANG_GUARD: Duration = Duration::from_secs(60);

/// Path of the binary under test (built by cargo for integration tests).
pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_relnotes"))
}

/// `fixtures/<name>` in the source tree.
pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// A notes folder in a temp directory, plus a separate temp `HOME` and cache.
pub struct Vault {
    root: TempDir,
    home: TempDir,
    cache: TempDir,
}

impl Vault {
    /// An empty notes folder.
    pub fn new() -> Vault {
        Vault {
            root: tempfile::Builder::new()
                .prefix("relnotes-vault-")
                .tempdir()
                .expect("temp notes dir"),
            home: tempfile::Builder::new()
                .prefix("relnotes-home-")
                .tempdir()
                .expect("temp home"),
            cache: tempfile::Builder::new()
                .prefix("relnotes-cache-")
                .tempdir()
                .expect("temp cache"),
        }
    }

    /// A fresh copy of `fixtures/<name>` (hidden files included).
    pub fn fixture(name: &str) -> Vault {
        let vault = Vault::new();
        copy_tree(&fixture_path(name), vault.root());
        vault
    }

    /// A notes folder holding exactly the given `(relative path, contents)`.
    pub fn with_files(files: &[(&str, &str)]) -> Vault {
        let vault = Vault::new();
        for (path, contents) in files {
            vault.write(path, contents);
        }
        vault
    }

    /// The notes root.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The temp `HOME` and `XDG_CACHE_HOME` given to every run.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn cache(&self) -> &Path {
        self.cache.path()
    }

    /// `root/<rel>`.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// Writes `root/<rel>`, creating folders as needed.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent folders");
        }
        fs::write(&path, contents).expect("write note");
        path
    }

    /// Reads `root/<rel>` as text.
    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).expect("read file")
    }

    /// The binary with a clean environment and no arguments at all.
    pub fn bare_command(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(self.clean_std_command());
        cmd.timeout(HANG_GUARD);
        cmd
    }

    /// `std::process` form of [`Vault::bare_command`]: the one place the
    /// clean environment is set up.
    fn clean_std_command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(bin());
        cmd.env_remove("RELNOTES_DIR")
            .env_remove("RELNOTES_TODAY")
            .env_remove("RELNOTES_INDEX")
            .env_remove("CLICOLOR_FORCE")
            .env("NO_COLOR", "1")
            .env("HOME", self.home())
            .env("XDG_CACHE_HOME", self.cache())
            .env("XDG_STATE_HOME", self.home().join("state"));
        cmd
    }

    /// The binary with a clean environment, `--dir <root> --today 2026-11-23`.
    pub fn command(&self) -> assert_cmd::Command {
        let mut cmd = self.bare_command();
        cmd.arg("--dir").arg(self.root()).arg("--today").arg(TODAY);
        cmd
    }

    /// The same as [`Vault::bare_command`] for `std::process`.
    pub fn bare_std_command(&self) -> std::process::Command {
        self.clean_std_command()
    }

    /// The same as [`Vault::command`] for `std::process` (pipes, other users).
    pub fn std_command(&self) -> std::process::Command {
        let mut cmd = self.clean_std_command();
        cmd.arg("--dir").arg(self.root()).arg("--today").arg(TODAY);
        cmd
    }

    /// Runs `relnotes --dir <root> --today 2026-11-23 <args>`.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut cmd = self.command();
        cmd.args(args);
        Run::from_command(&mut cmd, args.join(" "))
    }

    /// Runs `args`, asserts exit 0, and returns the run.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        run.assert_code(0);
        run
    }

    /// Runs `args` with `--format json`, asserts exit 0, parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        self.ok(&all).json()
    }

    /// Every file below the root (hidden ones too), by relative path: bytes
    /// and modification time. Symlinks are recorded by their target.
    pub fn snapshot_files(&self) -> BTreeMap<String, FileState> {
        let mut out = BTreeMap::new();
        record_tree(self.root(), self.root(), &mut out);
        out
    }

    /// Sets the modification time of every regular file below the root to
    /// a fixed instant in the past, so any rewrite would show.
    pub fn age_files(&self) {
        let past = SystemTime::UNIX_EPOCH + Duration::from_secs(978_307_200); // 2001-01-01
        for rel in self.snapshot_files().keys() {
            let path = self.path(rel);
            if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                let file = fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .expect("open for set_modified");
                file.set_modified(past).expect("set mtime");
            }
        }
    }
}

/// What one file looks like on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileState {
    pub bytes: Vec<u8>,
    pub modified: Option<SystemTime>,
}

fn record_tree(root: &Path, dir: &Path, out: &mut BTreeMap<String, FileState>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let meta = fs::symlink_metadata(&path).expect("metadata");
        let rel = path
            .strip_prefix(root)
            .expect("below root")
            .to_string_lossy()
            .replace('\\', "/");
        if meta.is_dir() {
            record_tree(root, &path, out);
        } else if meta.file_type().is_symlink() {
            let target = fs::read_link(&path).expect("read_link");
            out.insert(
                rel,
                FileState {
                    bytes: target.to_string_lossy().into_owned().into_bytes(),
                    modified: None,
                },
            );
        } else {
            out.insert(
                rel,
                FileState {
                    bytes: fs::read(&path).expect("read file"),
                    modified: meta.modified().ok(),
                },
            );
        }
    }
}

/// Copies a folder tree (files, folders, symlinks as symlinks).
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create target folder");
    for entry in fs::read_dir(from).expect("read fixture folder") {
        let entry = entry.expect("fixture entry");
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_tree(&src, &dst);
        } else if kind.is_symlink() {
            let target = fs::read_link(&src).expect("read_link");
            std::os::unix::fs::symlink(target, &dst).expect("copy symlink");
        } else {
            fs::copy(&src, &dst).expect("copy fixture file");
        }
    }
}

/// The outcome of one run of the binary.
#[derive(Debug)]
pub struct Run {
    /// The arguments after `--dir … --today …`, for messages.
    pub args: String,
    pub stdout: String,
    pub stderr: String,
    /// Raw stdout, for byte-exact comparisons.
    pub stdout_bytes: Vec<u8>,
    pub code: i32,
}

impl Run {
    /// Runs an assert_cmd command; fails the test if it was killed (by a
    /// signal, or by the hang guard).
    pub fn from_command(cmd: &mut assert_cmd::Command, args: String) -> Run {
        let output = cmd.output().expect("spawn relnotes");
        Run::from_output(output, args)
    }

    pub fn from_output(output: std::process::Output, args: String) -> Run {
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let Some(code) = output.status.code() else {
            panic!(
                "`relnotes {args}` was killed ({:?}): a crash, or still running after the \
                 {}s hang guard\n--- stderr\n{stderr}",
                output.status,
                HANG_GUARD.as_secs()
            );
        };
        assert!(
            !stderr.contains("panicked"),
            "`relnotes {args}` panicked:\n{stderr}"
        );
        Run {
            args,
            stdout,
            stderr,
            stdout_bytes: output.stdout,
            code,
        }
    }

    /// Asserts the exit code, showing the output on failure.
    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "`relnotes {}` exited {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        );
        self
    }

    /// Asserts stderr is empty.
    pub fn assert_quiet(&self) -> &Run {
        assert!(
            self.stderr.is_empty(),
            "`relnotes {}` wrote to stderr:\n{}",
            self.args,
            self.stderr
        );
        self
    }

    /// Asserts a usage/I/O failure: exit 2 and exactly one line on stderr.
    pub fn assert_usage_error(&self) -> &Run {
        self.assert_code(2);
        assert_eq!(
            self.stderr.trim_end().lines().count(),
            1,
            "`relnotes {}`: expected a one-line error, got:\n{}",
            self.args,
            self.stderr
        );
        self
    }

    /// Asserts a usage error as clap reports it: exit 2, clap's whole
    /// message (what is wrong, then the usage line or where help is),
    /// nothing on stdout.
    pub fn assert_clap_error(&self) -> &Run {
        self.assert_code(2);
        let whole = self.stderr.contains("Usage: relnotes")
            || self.stderr.contains("For more information, try '--help'.");
        assert!(
            self.stderr.starts_with("error: ") && whole,
            "`relnotes {}`: expected clap's usage error, got:\n{}",
            self.args,
            self.stderr
        );
        assert!(self.stdout.is_empty(), "{}", self.stdout);
        self
    }

    /// Asserts neither stdout nor stderr mentions the temp notes root: paths
    /// in output are relative to the root.
    pub fn assert_no_root(&self, vault: &Vault) -> &Run {
        let mut roots = vec![vault.root().to_string_lossy().into_owned()];
        if let Ok(canonical) = vault.root().canonicalize() {
            roots.push(canonical.to_string_lossy().into_owned());
        }
        for root in roots {
            assert!(
                !self.stdout.contains(&root) && !self.stderr.contains(&root),
                "`relnotes {}` printed the absolute root {root}:\n{}\n{}",
                self.args,
                self.stdout,
                self.stderr
            );
        }
        self
    }

    /// Parses stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "`relnotes {}` did not print JSON ({e}):\n{}",
                self.args, self.stdout
            )
        })
    }
}

/// The sorted key set of a JSON object.
pub fn keys(value: &serde_json::Value) -> Vec<String> {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("not a JSON object: {value}"));
    let mut keys: Vec<String> = object.keys().cloned().collect();
    keys.sort();
    keys
}

/// A sorted list of owned strings, to compare with [`keys`].
pub fn sorted(names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    out.sort();
    out
}

/// The person with `handle` in a `people --format json` answer.
pub fn person<'a>(people: &'a serde_json::Value, handle: &str) -> Option<&'a serde_json::Value> {
    people["people"]
        .as_array()
        .expect("people array")
        .iter()
        .find(|p| p["handle"] == handle)
}

/// The handles of a `people --format json` answer, in order.
pub fn handles(people: &serde_json::Value) -> Vec<String> {
    people["people"]
        .as_array()
        .expect("people array")
        .iter()
        .map(|p| p["handle"].as_str().expect("handle").to_owned())
        .collect()
}

/// Waits for a spawned child, collecting its piped stdout and stderr; kills
/// it and fails the test if it is still running after [`HANG_GUARD`].
pub fn wait_guarded(mut child: std::process::Child, what: &str) -> std::process::Output {
    fn drain(
        pipe: Option<impl std::io::Read + Send + 'static>,
    ) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut pipe) = pipe {
                pipe.read_to_end(&mut buf).ok();
            }
            buf
        })
    }
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if start.elapsed() > HANG_GUARD {
            child.kill().ok();
            child.wait().ok();
            panic!(
                "`relnotes {what}` still running after the {}s hang guard",
                HANG_GUARD.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    std::process::Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}
