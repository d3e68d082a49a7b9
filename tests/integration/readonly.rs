//! Files and folders relnotes cannot read, and notes it cannot write to
//! (SPEC §1: "A file that cannot be read is a warning; the rest of the
//! notes are still indexed", "a read-only checkout still works").
//!
//! Permission bits mean nothing to root. When the tests run as root they
//! run the binary as `nobody` through `setpriv` if it is available, and are
//! skipped (with a note on stderr) otherwise.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::util::{bin, Run, Vault};

/// How to run the binary so that permission bits apply.
pub enum Runner {
    /// We are not root: run it directly.
    Direct,
    /// We are root: run it as `nobody` through setpriv.
    Nobody,
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Finds a way to run the binary without the power to read `probe` (mode
/// 000), or `None` if there is none.
pub fn runner_that_cannot_read(probe: &Path) -> Option<Runner> {
    if fs::read(probe).is_err() {
        return Some(Runner::Direct);
    }
    let setpriv = nobody(Command::new("cat").arg(probe)).output().ok()?;
    let works = nobody(&mut Command::new(bin()))
        .arg("--version")
        .output()
        .ok()?;
    if !setpriv.status.success() && works.status.success() {
        Some(Runner::Nobody)
    } else {
        None
    }
}

/// Wraps a command to run as uid/gid 65534 (nobody).
pub fn nobody(cmd: &mut Command) -> Command {
    let mut wrapped = Command::new("setpriv");
    wrapped
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => wrapped.env(key, v),
            None => wrapped.env_remove(key),
        };
    }
    wrapped
}

/// Lets `nobody` walk the temp folders (tempfile makes them 0700).
fn open_up(vault: &Vault) {
    set_mode(vault.root(), 0o755);
    set_mode(vault.home(), 0o777);
    set_mode(vault.cache(), 0o777);
}

fn run_as(runner: &Runner, vault: &Vault, args: &[&str]) -> Run {
    let mut cmd = vault.std_command();
    cmd.args(args);
    let cmd = match runner {
        Runner::Direct => cmd,
        Runner::Nobody => {
            // A cache of its own: one built by root would be read-only here.
            let cache = vault.cache().join("nobody");
            fs::create_dir_all(&cache).expect("nobody's cache");
            set_mode(&cache, 0o777);
            cmd.env("XDG_CACHE_HOME", &cache);
            nobody(&mut cmd)
        }
    };
    let mut cmd = assert_cmd::Command::from_std(cmd);
    cmd.timeout(crate::util::HANG_GUARD);
    Run::from_command(&mut cmd, args.join(" "))
}

fn skip(why: &str) {
    eprintln!("skipped: {why}");
}

#[test]
fn unreadable_note_and_folder_are_warnings_and_the_rest_is_indexed() {
    let vault = Vault::with_files(&[
        ("a.md", "- 2026-11-01 lunch with @ok #gave\n"),
        ("secret.md", "- 2026-11-01 lunch with @secret\n"),
        ("locked/inside.md", "- 2026-11-01 lunch with @inside\n"),
        ("z/last.md", "- 2026-11-02 call with @last #got\n"),
    ]);
    open_up(&vault);
    set_mode(&vault.path("secret.md"), 0o000);
    set_mode(&vault.path("locked"), 0o000);
    let Some(runner) = runner_that_cannot_read(&vault.path("secret.md")) else {
        set_mode(&vault.path("locked"), 0o755);
        return skip("running as root without setpriv: chmod 000 is not enforced");
    };

    let check = run_as(&runner, &vault, &["check"]);
    // Unreadable files are warnings, not errors.
    check.assert_code(0);
    check.assert_no_root(&vault);
    let line = |name: &str| {
        check
            .stdout
            .lines()
            .find(|l| l.starts_with(name))
            .map(str::to_owned)
    };
    let secret =
        line("secret.md:").unwrap_or_else(|| panic!("no warning for secret.md:\n{}", check.stdout));
    assert!(secret.contains(": warning: "), "{secret}");
    let locked =
        line("locked").unwrap_or_else(|| panic!("no warning for locked/:\n{}", check.stdout));
    assert!(locked.contains(": warning: "), "{locked}");

    let people = run_as(&runner, &vault, &["people", "--format", "json"]);
    people.assert_code(0);
    let handles = crate::util::handles(&people.json());
    assert_eq!(
        handles,
        ["last", "ok"],
        "the readable notes are still indexed"
    );
    // The other commands warn but succeed.
    assert!(people.stderr.contains("secret.md"), "{}", people.stderr);
    for args in [&["report"][..], &["due"], &["export", "--format", "ics"]] {
        run_as(&runner, &vault, args).assert_code(0);
    }

    // Let the temp dir be removed.
    set_mode(&vault.path("locked"), 0o755);
    set_mode(&vault.path("secret.md"), 0o644);
}

#[test]
fn read_only_vault_works_and_report_output_into_it_fails_cleanly() {
    let vault = Vault::fixture("vault");
    // Root-owned 0755 folders and 0644 files are read-only for `nobody`.
    let probe = vault.write("probe.txt", "x");
    set_mode(&probe, 0o000);
    let runner = runner_that_cannot_read(&probe);
    fs::remove_file(&probe).unwrap();
    let Some(runner) = runner else {
        return skip("running as root without setpriv: permissions are not enforced");
    };
    open_up(&vault);
    let expected = vault.ok(&["report"]).stdout;
    let mut dirs = vec![vault.root().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                set_mode(&path, 0o555);
                dirs.push(path);
            } else {
                set_mode(&path, 0o444);
            }
        }
    }
    set_mode(vault.root(), 0o555);
    let before = vault.snapshot_files();

    let report = run_as(&runner, &vault, &["report"]);
    report.assert_code(0);
    assert_eq!(
        report.stdout, expected,
        "a read-only checkout gives the same report"
    );
    for args in [&["people"][..], &["due"], &["check"], &["export"]] {
        run_as(&runner, &vault, args).assert_code(0);
    }

    let out = vault.path("RELNOTES.md");
    let failed = run_as(
        &runner,
        &vault,
        &["report", "--output", out.to_str().unwrap()],
    );
    failed.assert_usage_error();
    assert!(failed.stderr.contains("RELNOTES.md"), "{}", failed.stderr);
    assert_eq!(
        vault.snapshot_files(),
        before,
        "nothing written, no temp file left"
    );

    // Let the temp dir be removed.
    let mut dirs = vec![vault.root().to_path_buf()];
    set_mode(vault.root(), 0o755);
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                set_mode(&path, 0o755);
                dirs.push(path);
            }
        }
    }
}

/// Regression: one unreadable folder (a root-owned `lost+found` at a mount
/// point) used to stop every removal everywhere; it keeps only what the
/// index knew below it, also through a full re-parse.
#[test]
fn an_unreadable_folder_keeps_its_own_notes_and_no_others() {
    let vault = Vault::with_files(&[
        ("a.md", "- 2026-11-01 lunch with @ann #gave\n"),
        ("b.md", "- 2026-11-02 call with @carol\n"),
        ("locked/inside.md", "- 2026-11-01 lunch with @inside\n"),
    ]);
    open_up(&vault);
    let probe = vault.write("probe.md", "x");
    set_mode(&probe, 0o000);
    let runner = runner_that_cannot_read(&probe);
    fs::remove_file(&probe).unwrap();
    let Some(runner) = runner else {
        return skip("running as root without setpriv: chmod 000 is not enforced");
    };
    let handles = |args: &[&str]| {
        let run = run_as(&runner, &vault, args);
        run.assert_code(0);
        crate::util::handles(&run.json())
    };
    assert_eq!(
        handles(&["people", "--format", "json"]),
        ["ann", "carol", "inside"]
    );
    set_mode(&vault.path("locked"), 0o000);
    fs::remove_file(vault.path("b.md")).unwrap();
    // b.md is gone; what was below the unreadable folder stays.
    assert_eq!(handles(&["people", "--format", "json"]), ["ann", "inside"]);
    // A new config re-parses everything: still only b.md's person goes.
    vault.write(".relnotes.toml", "help_window = \"30d\"\n");
    set_mode(&vault.path(".relnotes.toml"), 0o644);
    assert_eq!(handles(&["people", "--format", "json"]), ["ann", "inside"]);
    set_mode(&vault.path("locked"), 0o755);
    fs::remove_file(vault.path("locked/inside.md")).unwrap();
    assert_eq!(handles(&["people", "--format", "json"]), ["ann"]);
}
