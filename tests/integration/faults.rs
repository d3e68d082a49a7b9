//! The fault suite: one test per promise relnotes makes when things go
//! wrong (README "Reliability"), each named as the promise and each run
//! against the real binary, the real daemon and a real index on real temp
//! folders. Waits are for conditions with a deadline; where a test must let
//! the daemon see a state for a while (a deletion in progress, an
//! unreadable root), it says so.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::readonly::{nobody, runner_that_cannot_read, Runner};
use crate::util::Vault;
use crate::watch::{wait_until, Daemon};

/// A note naming `handle` in a dated interaction.
fn met(handle: &str) -> String {
    format!("- 2026-11-01 lunch with @{handle} #got\n")
}

/// A folder outside the notes, open to every user.
fn outside() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::set_permissions(d.path(), fs::Permissions::from_mode(0o777)).unwrap();
    d
}

/// Stops a daemon with SIGTERM and checks it exits 0.
fn stop(d: &mut Daemon) {
    d.signal(libc::SIGTERM);
    let st = d.wait_exit();
    assert!(st.success(), "exit {st:?}\n{}", d.log());
}

/// Asserts `read()` keeps returning `expected` for `how_long`.
fn stays(what: &str, how_long: Duration, read: impl Fn() -> String, expected: &str) {
    let start = Instant::now();
    while start.elapsed() < how_long {
        let now = read();
        assert_eq!(now, expected, "{what} changed");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_daemon_never_writes_through_a_symlink_nor_outside_the_root() {
    let out = outside();
    let victim = out.path().join("victim.txt");
    fs::write(&victim, "the owner's file\n").unwrap();
    for (report, link, target) in [
        ("linked.md", "linked.md", victim.clone()),
        ("out/victim.txt", "out", out.path().to_path_buf()),
    ] {
        let v = Vault::with_files(&[("a.md", &met("alice"))]);
        v.write(".relnotes.toml", format!("report = \"{report}\"\n"));
        std::os::unix::fs::symlink(&target, v.path(link)).unwrap();
        let mut d = Daemon::start(&v, &[]);
        d.wait_log("not written", 1);
        assert!(d.log().contains("symbolic link"), "{}", d.log());
        v.write("b.md", met("bob"));
        d.wait_log("batch:", 1);
        assert_eq!(fs::read_to_string(&victim).unwrap(), "the owner's file\n");
        assert_eq!(
            fs::read_dir(out.path()).unwrap().count(),
            1,
            "wrote beside it"
        );
        stop(&mut d);
    }
}

/// A vault with one reminder due today and `on_due` appending a line to
/// `out`.
fn due_vault(out: &Path) -> Vault {
    let v = Vault::with_files(&[("todo.md", "- [ ] Send @alice the plan due:2026-11-23\n")]);
    v.write(
        ".relnotes.toml",
        format!(
            "on_due = \"echo $RELNOTES_PERSON >> '{}'\"\n",
            out.display()
        ),
    );
    v
}

fn lines(p: &Path) -> usize {
    fs::read_to_string(p).unwrap_or_default().lines().count()
}

#[test]
fn on_due_from_the_notes_runs_only_for_the_config_the_user_allowed() {
    let out = outside();
    let fired = out.path().join("fired");
    let v = due_vault(&fired);
    let mut d = Daemon::start(&v, &[]);
    d.wait_log("on_due is not run", 1);
    d.wait_log("start:", 1);
    // Allowed: the next batch runs it.
    let allow = v.ok(&["allow"]);
    assert!(allow.stdout.contains("allowed "), "{}", allow.stdout);
    v.write("b.md", met("bob"));
    wait_until("the allowed hook to run", || lines(&fired) == 1);
    // A changed config is a new one: not run until allowed again.
    let other = out.path().join("other");
    v.write(
        ".relnotes.toml",
        format!("on_due = \"echo fired >> '{}'\"\n", other.display()),
    );
    v.write("todo.md", "- [ ] Send @alice the deck due:2026-11-23\n");
    d.wait_log("on_due is not run", 2);
    let n = d.batches();
    v.write("c.md", met("carol"));
    d.wait_log("batch:", n + 1);
    assert!(!other.exists(), "a config no one allowed ran its hook");
    assert_eq!(d.count("on_due is not run"), 2, "logged once per config");
    stop(&mut d);
}

#[test]
fn an_allowed_config_stays_allowed_when_only_the_app_settings_change() {
    let out = outside();
    let fired = out.path().join("fired");
    let v = due_vault(&fired);
    v.ok(&["allow"]);
    // Obsidian's settings are no part of what was allowed: they run nothing.
    v.write(
        ".obsidian/daily-notes.json",
        r#"{"folder": "Daily", "format": "DD.MM.YYYY"}"#,
    );
    let mut d = Daemon::start(&v, &[]);
    d.wait_log("start:", 1);
    wait_until("the allowed hook to run", || lines(&fired) == 1);
    assert_eq!(d.count("on_due is not run"), 0, "{}", d.log());
    stop(&mut d);
}

/// `relnotes watch` on `v` with this `XDG_RUNTIME_DIR` (`""`: none) and
/// this `--index`.
fn watch_with(v: &Vault, runtime: &Path, index: &Path) -> Daemon {
    let mut cmd = v.std_command();
    cmd.env("XDG_RUNTIME_DIR", runtime)
        .arg("--index")
        .arg(index)
        .arg("watch");
    Daemon::spawn_command(cmd)
}

#[test]
fn one_daemon_per_root_whatever_the_runtime_folder_or_index() {
    let v = Vault::with_files(&[("a.md", &met("alice"))]);
    let runtime = tempfile::tempdir().unwrap();
    let idx = tempfile::tempdir().unwrap();
    let mut first = watch_with(&v, runtime.path(), &idx.path().join("a.sqlite"));
    first.wait_log("watching ", 1);
    let mut second = watch_with(&v, Path::new(""), &idx.path().join("b.sqlite"));
    let st = second.wait_exit();
    assert_eq!(st.code(), Some(2), "{}", second.log());
    assert!(second.log().contains("already watched"), "{}", second.log());
    stop(&mut first);
}

#[test]
fn one_daemon_per_root_after_the_root_was_deleted_and_made_again() {
    let v = Vault::with_files(&[("a.md", &met("alice"))]);
    let runtime = tempfile::tempdir().unwrap();
    let idx = tempfile::tempdir().unwrap();
    let mut first = watch_with(&v, runtime.path(), &idx.path().join("a.sqlite"));
    first.wait_log("watching ", 1);
    // A new folder by the same name: the lock on the old one guards nothing.
    fs::remove_dir_all(v.root()).unwrap();
    first.wait_log("the notes root is gone", 1);
    v.write("a.md", met("alice"));
    first.wait_log("the notes root is back", 1);
    let mut second = watch_with(&v, Path::new(""), &idx.path().join("b.sqlite"));
    let st = second.wait_exit();
    assert_eq!(st.code(), Some(2), "{}", second.log());
    assert!(second.log().contains("already watched"), "{}", second.log());
    stop(&mut first);
}

#[test]
fn hooks_fired_today_stay_fired_across_index_rebuilds() {
    let out = outside();
    let fired = out.path().join("fired");
    let v = due_vault(&fired);
    v.ok(&["allow"]);
    let mut d = Daemon::start(&v, &[]);
    wait_until("the hook to run", || lines(&fired) == 1);
    stop(&mut d);
    // `index --rebuild`, then a corrupted index rebuilt by the daemon.
    v.ok(&["index", "--rebuild"]);
    for corrupt in [false, true] {
        if corrupt {
            let index = crate::watch::default_index(&v);
            fs::write(&index, vec![0x5a; 8192]).unwrap();
        }
        let mut d = Daemon::start(&v, &[]);
        d.wait_log("start:", 1);
        // A new reminder runs after any the start-up fired again would.
        let who = if corrupt { "carol" } else { "bob" };
        v.write(
            &format!("{who}.md"),
            format!("- [ ] Call @{who} due:2026-11-23\n"),
        );
        let want = if corrupt { 3 } else { 2 };
        wait_until("the new reminder's hook", || {
            fs::read_to_string(&fired).unwrap_or_default().contains(who)
        });
        stop(&mut d);
        assert_eq!(
            lines(&fired),
            want,
            "{}",
            fs::read_to_string(&fired).unwrap()
        );
    }
}

#[test]
fn a_root_that_comes_back_unreadable_is_watched_again_once_readable() {
    // Permission bits mean nothing to root: the daemon runs as `nobody`.
    let v = Vault::with_files(&[("a.md", &met("alice"))]);
    let out = outside();
    let probe = out.path().join("probe");
    fs::write(&probe, "x").unwrap();
    fs::set_permissions(&probe, fs::Permissions::from_mode(0o000)).unwrap();
    let Some(runner) = runner_that_cannot_read(&probe) else {
        eprintln!("skipped: running as root without setpriv");
        return;
    };
    for p in [v.root(), v.home(), v.cache()] {
        fs::set_permissions(p, fs::Permissions::from_mode(0o777)).unwrap();
    }
    let report = out.path().join("R.md");
    let rep = || fs::read_to_string(&report).unwrap_or_default();
    let mut cmd = v.std_command();
    cmd.env("XDG_CACHE_HOME", v.cache())
        .arg("watch")
        .arg("--report")
        .arg(&report);
    let cmd = match runner {
        Runner::Direct => cmd,
        Runner::Nobody => nobody(&mut cmd),
    };
    let runner_is_nobody = matches!(runner, Runner::Nobody);
    let mut d = Daemon::spawn_command(cmd);
    d.wait_log("watching ", 1);
    wait_until("the report to list alice", || rep().contains("@alice"));
    fs::remove_dir_all(v.root()).unwrap();
    d.wait_log("the notes root is gone", 1);
    // Back, but not readable by the daemon (restored as another owner).
    fs::DirBuilder::new().mode(0o700).create(v.root()).unwrap();
    v.write("b.md", met("bob"));
    fs::set_permissions(v.path("b.md"), fs::Permissions::from_mode(0o644)).unwrap();
    // 0700 and another owner's to `nobody`; 000 to a non-root runner.
    let mode = if runner_is_nobody { 0o700 } else { 0o000 };
    fs::set_permissions(v.root(), fs::Permissions::from_mode(mode)).unwrap();
    // Let the daemon meet the unreadable root for a while.
    std::thread::sleep(Duration::from_millis(1500));
    fs::set_permissions(v.root(), fs::Permissions::from_mode(0o777)).unwrap();
    wait_until("the report to list bob", || rep().contains("@bob"));
    // Watching again, not only rescanned once.
    v.write("c.md", met("carol"));
    fs::set_permissions(v.path("c.md"), fs::Permissions::from_mode(0o644)).unwrap();
    wait_until("the report to list carol", || rep().contains("@carol"));
    stop(&mut d);
}

#[test]
fn a_root_that_comes_back_with_another_config_is_read_with_that_config() {
    let v = Vault::with_files(&[("a.md", &met("alice")), ("b.md", &met("bob"))]);
    v.write(".relnotes.toml", "exclude = [\"b.md\"]\n");
    let out = outside();
    let report = out.path().join("R.md");
    let rep = || fs::read_to_string(&report).unwrap_or_default();
    let mut d = Daemon::start(&v, &["--report", report.to_str().unwrap()]);
    wait_until("the report to list alice", || rep().contains("@alice"));
    assert!(!rep().contains("@bob"), "{}", rep());
    fs::remove_dir_all(v.root()).unwrap();
    d.wait_log("the notes root is gone", 1);
    // Restored whole (one rename), with a config that excludes nothing.
    let staged = out.path().join("restored");
    fs::create_dir(&staged).unwrap();
    fs::write(staged.join("a.md"), met("alice")).unwrap();
    fs::write(staged.join("b.md"), met("bob")).unwrap();
    fs::write(staged.join(".relnotes.toml"), "# restored\n").unwrap();
    fs::rename(&staged, v.root()).unwrap();
    wait_until("the report to list bob", || rep().contains("@bob"));
    stop(&mut d);
}

/// A daemon on `n` notes reporting to a file outside the root; its report.
fn many_notes(n: usize) -> (Vault, tempfile::TempDir, PathBuf, Daemon, String) {
    let v = Vault::new();
    for i in 0..n {
        v.write(&format!("n{i:04}.md"), met(&format!("p{i:04}")));
    }
    let out = outside();
    let report = out.path().join("R.md");
    let d = Daemon::start(
        &v,
        &["--debounce", "50", "--report", report.to_str().unwrap()],
    );
    d.wait_log("start:", 1);
    let text = fs::read_to_string(&report).unwrap();
    assert!(text.contains("@p0000"), "{text}");
    (v, out, report, d, text)
}

#[test]
fn a_slow_deletion_of_the_root_never_publishes_a_half_deleted_tree() {
    let (v, _out, report, mut d, before) = many_notes(300);
    let root = v.root().to_path_buf();
    // A sync client removing a file every 4 ms (over a second), then the
    // folder.
    let deleter = std::thread::spawn(move || {
        for i in 0..300 {
            fs::remove_file(root.join(format!("n{i:04}.md"))).unwrap();
            std::thread::sleep(Duration::from_millis(4));
        }
        fs::remove_dir(&root).unwrap();
    });
    let read = || fs::read_to_string(&report).unwrap_or_default();
    let start = Instant::now();
    while !deleter.is_finished() {
        assert_eq!(read(), before, "published during the deletion");
        assert!(start.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(5));
    }
    deleter.join().unwrap();
    stays("the report", Duration::from_secs(3), read, &before);
    d.wait_log("the notes root is gone", 1);
    stop(&mut d);
}

#[test]
fn rm_rf_of_the_root_never_publishes_a_gutted_report() {
    let (v, _out, report, mut d, before) = many_notes(300);
    fs::remove_dir_all(v.root()).unwrap();
    let read = || fs::read_to_string(&report).unwrap_or_default();
    stays("the report", Duration::from_secs(3), read, &before);
    stop(&mut d);
}

#[test]
fn removals_that_stop_are_published_after_a_quiet_window() {
    let (v, _out, report, mut d, _) = many_notes(20);
    for i in 0..10 {
        fs::remove_file(v.path(&format!("n{i:04}.md"))).unwrap();
    }
    let gone = Instant::now();
    wait_until("the report to drop p0000", || {
        !fs::read_to_string(&report).unwrap().contains("@p0000")
    });
    assert!(
        gone.elapsed() >= Duration::from_millis(1500),
        "published too soon"
    );
    assert!(fs::read_to_string(&report).unwrap().contains("@p0019"));
    stop(&mut d);
}

#[test]
fn sighup_rereads_the_config_and_the_daemon_goes_on() {
    let v = crate::watch::vault_with_report(&[("a.md", &met("alice"))]);
    let mut d = Daemon::start(&v, &[]);
    d.signal(libc::SIGHUP);
    d.wait_log("SIGHUP: re-reading", 1);
    v.write("b.md", met("bob"));
    crate::watch::wait_report(&v, "@bob");
    stop(&mut d);
    d.assert_clean_log();
}

/// The daemon does not watch the hidden `.obsidian/` folder: a change to
/// the vault's settings there reaches it by SIGHUP.
#[test]
fn sighup_reads_app_settings_the_daemon_does_not_watch() {
    let v = crate::watch::vault_with_report(&[("Daily/20.11.2026.md", "- lunch with @alice\n")]);
    let daily = |format: &str| {
        v.write(
            ".obsidian/daily-notes.json",
            format!("{{\"folder\": \"Daily\", \"format\": \"{format}\"}}"),
        );
    };
    daily("YYYY-MM-DD");
    let mut d = Daemon::start(&v, &[]);
    crate::watch::wait_report(&v, "<!-- relnotes:report -->");
    // Undated under the ISO format: a mention, no interaction, not listed.
    assert!(!crate::watch::report(&v).contains("@alice"));
    daily("DD.MM.YYYY");
    d.signal(libc::SIGHUP);
    d.wait_log("SIGHUP: re-reading", 1);
    // Dated by the vault's own format now: an interaction on 2026-11-20.
    crate::watch::wait_report(&v, "@alice");
    stop(&mut d);
    d.assert_clean_log();
}

#[test]
fn start_up_removes_only_its_own_temp_files() {
    let v = crate::watch::vault_with_report(&[("a.md", &met("alice"))]);
    let mine = v.write(".relnotes-mine.tmp", "the user's own file");
    let theirs = v.write(
        ".RELNOTES.md.relnotes-tmp-999999999-0123456789abcdef.tmp",
        "x",
    );
    let mut d = Daemon::start(&v, &[]);
    crate::watch::wait_report(&v, "@alice");
    assert!(mine.exists(), "deleted a file relnotes did not make");
    assert!(!theirs.exists(), "left a dead daemon's temp file");
    stop(&mut d);
}

/// Runs `relnotes <args>` on `v` with at most 2 GiB of address space, so a
/// run that would eat the machine fails instead.
fn run_bounded(v: &Vault, args: &[&str]) -> crate::util::Run {
    use std::os::unix::process::CommandExt;
    let mut cmd = v.std_command();
    cmd.args(args);
    // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 2 << 30,
                rlim_max: 2 << 30,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = crate::util::wait_guarded(child, &args.join(" "));
    crate::util::Run::from_output(out, args.join(" "))
}

#[test]
fn front_matter_is_bounded_and_a_billion_laughs_is_one_error_naming_the_note() {
    let mut bomb = String::from("---\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    bomb.push_str("---\n- 2026-11-01 lunch with @bob #got\n");
    let v = Vault::with_files(&[("laughs.md", &bomb), ("a.md", &met("alice"))]);
    let t = Instant::now();
    let check = run_bounded(&v, &["check"]);
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    let line = check
        .stdout
        .lines()
        .find(|l| l.starts_with("laughs.md:"))
        .unwrap_or_else(|| panic!("no line for laughs.md:\n{}{}", check.stdout, check.stderr));
    assert!(line.contains("10000"), "{line}");
    // The rest of the note, and the other notes, are read.
    let people = run_bounded(&v, &["people", "--format", "json"]);
    people.assert_code(0);
    assert_eq!(crate::util::handles(&people.json()), ["alice", "bob"]);
}

#[test]
fn fifos_in_the_notes_are_never_opened_and_check_warns_once() {
    let v = Vault::with_files(&[("a.md", &met("alice"))]);
    let fifo = std::ffi::CString::new(v.path("pipe.md").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let check = v.run(&["check"]);
    let lines: Vec<&str> = check
        .stdout
        .lines()
        .filter(|l| l.contains("pipe.md"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", check.stdout);
    assert!(lines[0].contains("warning"), "{}", lines[0]);
    assert_eq!(crate::util::handles(&v.json(&["people"])), ["alice"]);
}

#[test]
fn fifos_as_settings_or_config_files_are_never_opened() {
    let mkfifo = |v: &Vault, rel: &str| {
        let p = v.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    };
    // App settings: the defaults stand, every command answers.
    for rel in [".obsidian/daily-notes.json", "logseq/config.edn"] {
        let v = Vault::with_files(&[("a.md", &met("alice"))]);
        mkfifo(&v, rel);
        assert_eq!(
            crate::util::handles(&v.json(&["people"])),
            ["alice"],
            "{rel}"
        );
    }
    // The config: an error naming it, not a hang.
    let v = Vault::with_files(&[("a.md", &met("alice"))]);
    mkfifo(&v, ".relnotes.toml");
    let run = v.run(&["people"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains(".relnotes.toml"), "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}

#[test]
fn the_wal_is_cut_back_after_a_big_sync_while_the_daemon_keeps_the_index_open() {
    let v = Vault::new();
    for i in 0..3000 {
        v.write(
            &format!("n/{i:04}.md"),
            format!(
                "- 2026-11-01 lunch with @p{i} and @q{} #got\n- [ ] send @p{i} the notes due:2026-12-01\nSome words about it, to make the note a little longer.\n",
                i % 50
            ),
        );
    }
    let idx = tempfile::tempdir().unwrap();
    let index = idx.path().join("i.sqlite");
    let mut d = Daemon::start(&v, &["--index", index.to_str().unwrap()]);
    d.wait_log("start:", 1);
    let wal = idx.path().join("i.sqlite-wal");
    let len = fs::metadata(&wal).map_or(0, |m| m.len());
    assert!(
        len <= 1 << 20,
        "the WAL is {len} bytes after the first sync"
    );
    stop(&mut d);
}

#[test]
fn an_index_path_under_a_file_is_a_clear_message() {
    let v = Vault::with_files(&[("a.md", &met("alice"))]);
    let file = v.home().join("plain-file");
    fs::write(&file, "x").unwrap();
    let index = file.join("i.sqlite");
    let run = v.run(&["--index", index.to_str().unwrap(), "people"]);
    run.assert_code(0);
    assert!(
        run.stderr.contains("a file is in the way"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("os error"), "{}", run.stderr);
    let watch = v.run(&["--index", index.to_str().unwrap(), "watch"]);
    assert!(
        watch.stderr.contains("a file is in the way"),
        "{}",
        watch.stderr
    );
}

#[test]
fn a_damaged_index_is_one_warning_line_and_answers_stay_exact() {
    let v = Vault::new();
    for i in 0..400 {
        v.write(&format!("{i:03}.md"), met(&format!("p{i:03}")));
    }
    let idx = tempfile::tempdir().unwrap();
    let index = idx.path().join("i.sqlite");
    let ix = index.to_str().unwrap();
    let before = v.ok(&["--index", ix, "people", "--format", "json"]).stdout;
    // Garbage over the middle of the file's pages, headers and all.
    let mut bytes = fs::read(&index).unwrap();
    let page = 4096;
    for p in (2..bytes.len() / page).step_by(3) {
        for b in &mut bytes[p * page + 8..p * page + 64] {
            *b = 0xa5;
        }
    }
    fs::write(&index, bytes).unwrap();
    let run = v.run(&["--index", ix, "index"]);
    let warning: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("unusable"))
        .collect();
    assert_eq!(warning.len(), 1, "{}", run.stderr);
    assert!(warning[0].contains("rebuilt"), "{}", run.stderr);
    let after = v.ok(&["--index", ix, "people", "--format", "json"]).stdout;
    assert_eq!(after, before);
}

#[test]
fn report_links_percent_encode_control_characters_in_file_names() {
    let v = Vault::with_files(&[("a\u{1}b.md", "- [ ] Send @alice the plan due:2026-11-23\n")]);
    let report = v.ok(&["report"]).stdout;
    assert!(report.contains("(a%01b.md#L1)"), "{report}");
}

#[test]
fn file_names_that_are_not_utf8_are_told_apart_by_their_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let v = Vault::new();
    for (byte, who) in [(0xffu8, "alice"), (0xfe, "bob")] {
        let bytes = [b'x', byte, b'.', b'm', b'd'];
        fs::write(v.root().join(std::ffi::OsStr::from_bytes(&bytes)), met(who)).unwrap();
    }
    let index = v.ok(&["index"]).stdout;
    assert!(index.contains("files: 2 seen"), "{index}");
    let export = v.json(&["export"]);
    for who in ["alice", "bob"] {
        let p = crate::util::person(&export, who).unwrap();
        assert_eq!(p["interactions"], 1, "{who}: {p}");
    }
    let show = v.ok(&["show", "alice"]).stdout;
    assert!(show.contains("x\u{FFFD}ff.md"), "{show}");
}

#[test]
fn a_name_holding_u_fffd_is_not_taken_for_one_that_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let v = Vault::new();
    let bytes: &[u8] = b"x\xff.md";
    fs::write(
        v.root().join(std::ffi::OsStr::from_bytes(bytes)),
        met("alice"),
    )
    .unwrap();
    v.write("x\u{FFFD}ff.md", met("bob"));
    // Run after run, each note counted once (one key for both made every
    // run parse both again and add one more interaction).
    for run in 0..3 {
        let index = v.ok(&["index"]).stdout;
        assert!(
            index.contains("people: 2, interactions: 2,"),
            "run {run}: {index}"
        );
    }
    assert!(v.ok(&["index"]).stdout.contains("0 parsed"));
    let export = v.json(&["export"]);
    for who in ["alice", "bob"] {
        let p = crate::util::person(&export, who).unwrap();
        assert_eq!(p["interactions"], 1, "{who}: {p}");
    }
}

/// What the answers are, from the index at `index`: stdout of each query
/// (`who` read from the full-text index), and whether any run warned that
/// it rebuilt the index.
fn answers_from(v: &Vault, index: &Path) -> (Vec<String>, bool) {
    let ix = index.to_str().unwrap();
    let mut rebuilt = false;
    let out = [
        &["export", "--format", "json"][..],
        &["report"],
        &["who", "rust", "--format", "json"],
        // One person's rows, found by the public tables and held against
        // the checksummed ones.
        &["show", "ali", "--format", "json"],
        &["show", "Bob Okafor"],
    ]
    .iter()
    .map(|q| {
        let mut args = vec!["--index", ix];
        args.extend_from_slice(q);
        let run = v.ok(&args);
        rebuilt |= run.stderr.contains("rebuilt");
        run.stdout
    })
    .collect();
    (out, rebuilt)
}

/// One cell of a table: how to find its row again, and its column.
struct Cell {
    table: String,
    column: String,
    /// `WHERE` clause and its values: the rowid, or the primary key.
    filter: String,
    keys: Vec<rusqlite::types::Value>,
    value: rusqlite::types::Value,
}

/// Up to three rows (first, middle, last) of every table, every column.
fn cells(conn: &rusqlite::Connection) -> Vec<Cell> {
    use rusqlite::types::Value;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = Vec::new();
    for t in tables {
        let cols: Vec<(String, i64)> = conn
            .prepare(&format!("SELECT name, pk FROM pragma_table_info('{t}')"))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let without_rowid = conn.prepare(&format!("SELECT rowid FROM \"{t}\"")).is_err();
        let pk: Vec<&String> = cols.iter().filter(|c| c.1 > 0).map(|c| &c.0).collect();
        let (key_cols, filter) = if without_rowid {
            let f: Vec<String> = pk.iter().map(|c| format!("\"{c}\" IS ?")).collect();
            (
                pk.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
                f.join(" AND "),
            )
        } else {
            (vec!["rowid".to_string()], "rowid IS ?".to_string())
        };
        let names: Vec<String> = cols.iter().map(|c| format!("\"{}\"", c.0)).collect();
        let select = format!(
            "SELECT {}, {} FROM \"{t}\"",
            key_cols
                .iter()
                .map(|k| if k == "rowid" {
                    k.clone()
                } else {
                    format!("\"{k}\"")
                })
                .collect::<Vec<_>>()
                .join(", "),
            names.join(", ")
        );
        let rows: Vec<Vec<Value>> = conn
            .prepare(&select)
            .unwrap()
            .query_map([], |r| {
                (0..key_cols.len() + cols.len())
                    .map(|i| r.get::<_, Value>(i))
                    .collect()
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut picks: Vec<usize> = [0, rows.len() / 2, rows.len().saturating_sub(1)]
            .into_iter()
            .filter(|&i| i < rows.len())
            .collect();
        picks.dedup();
        for i in picks {
            let row = &rows[i];
            for (c, (name, _)) in cols.iter().enumerate() {
                out.push(Cell {
                    table: t.clone(),
                    column: name.clone(),
                    filter: filter.clone(),
                    keys: row[..key_cols.len()].to_vec(),
                    value: row[key_cols.len() + c].clone(),
                });
            }
        }
    }
    out
}

/// `value` with one bit flipped at `at` (a bit number, taken modulo its
/// size); `None` for NULL.
fn flipped(value: &rusqlite::types::Value, at: usize) -> Option<rusqlite::types::Value> {
    use rusqlite::types::Value;
    let flip = |b: &[u8]| {
        let mut b = b.to_vec();
        if b.is_empty() {
            return b;
        }
        let i = (at / 8) % b.len();
        b[i] ^= 1 << (at % 8);
        b
    };
    match value {
        Value::Null => None,
        Value::Integer(n) => Some(Value::Integer(n ^ (1 << (at % 63)))),
        Value::Real(r) => Some(Value::Real(f64::from_bits(r.to_bits() ^ (1 << (at % 64))))),
        // Text with a flipped bit may not be UTF-8: it is stored as the
        // bytes it is (see the CAST below).
        Value::Text(s) => Some(Value::Blob(flip(s.as_bytes()))),
        Value::Blob(b) => Some(Value::Blob(flip(b))),
    }
}

#[test]
fn a_flipped_bit_in_any_table_or_blob_gives_exact_answers_or_a_rebuild_never_wrong() {
    let v = Vault::fixture("vault");
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("pristine.sqlite");
    v.ok(&["--index", pristine.to_str().unwrap(), "index"]);
    let (expected, _) = answers_from(&v, &pristine);
    let _ = fs::remove_dir_all(dir.path().join("pristine.sqlite.answers"));
    let all = cells(&rusqlite::Connection::open(&pristine).unwrap());
    let tables: std::collections::BTreeSet<&str> = all.iter().map(|c| c.table.as_str()).collect();
    for t in [
        "meta", "files", "facts", "pages", "ledger", "people", "search",
    ] {
        assert!(tables.contains(t), "no rows in {t}: {tables:?}");
    }
    let mut trials = 0;
    let mut rebuilds = 0;
    let mut fts_found = 0;
    for (n, cell) in all.iter().enumerate() {
        let positions: &[usize] = match &cell.value {
            rusqlite::types::Value::Blob(b) if b.len() > 64 => {
                &[11, 8 * 40 + 3, usize::MAX / 2 + 5]
            }
            _ => &[3],
        };
        for &at in positions {
            let at = match &cell.value {
                rusqlite::types::Value::Blob(b) if at == usize::MAX / 2 + 5 => {
                    (b.len() - 1) * 8 + 5
                }
                _ => at,
            };
            let Some(bad) = flipped(&cell.value, at) else {
                continue;
            };
            let trial = dir.path().join(format!("t{n}-{at}.sqlite"));
            fs::copy(&pristine, &trial).unwrap();
            {
                let conn = rusqlite::Connection::open(&trial).unwrap();
                let cast = if matches!(cell.value, rusqlite::types::Value::Text(_)) {
                    "CAST(? AS TEXT)"
                } else {
                    "?"
                };
                let sql = format!(
                    "UPDATE \"{}\" SET \"{}\" = {cast} WHERE {}",
                    cell.table, cell.column, cell.filter
                );
                let mut params: Vec<rusqlite::types::Value> = vec![bad];
                params.extend(cell.keys.iter().cloned());
                // A flip a constraint refuses (a duplicate key) is no trial.
                if conn
                    .execute(&sql, rusqlite::params_from_iter(params))
                    .is_err()
                {
                    continue;
                }
            }
            let (got, rebuilt) = answers_from(&v, &trial);
            trials += 1;
            rebuilds += usize::from(rebuilt);
            // FTS5's own pages (`search_words_*`) carry no checksum of
            // relnotes': `who` reads them as they are (matching every note
            // they lead to exactly), and `index --check`, FTS5's integrity
            // check and every token held against the blobs, is what finds
            // a flip in them (README "Reliability").
            let fts_own = cell.table.starts_with("search_words_");
            let mut got = got;
            if fts_own && got[2] != expected[2] {
                let check = v.ok(&["--index", trial.to_str().unwrap(), "index", "--check"]);
                assert!(
                    check.stderr.contains("rebuilt"),
                    "index --check missed a flipped bit in {}.{} (bit {at}) that changed who: {}",
                    cell.table,
                    cell.column,
                    check.stderr
                );
                fts_found += 1;
                got[2].clone_from(&expected[2]);
            }
            for (g, e) in got.iter().zip(&expected) {
                let diff: Vec<(&str, &str)> = g
                    .lines()
                    .zip(e.lines())
                    .filter(|(a, b)| a != b)
                    .take(3)
                    .collect();
                assert!(
                    g == e,
                    "a flipped bit in {}.{} (bit {at}) gave a wrong answer{}: {diff:?}",
                    cell.table,
                    cell.column,
                    if rebuilt { " after a rebuild" } else { "" }
                );
            }
        }
    }
    eprintln!("{trials} trials, {rebuilds} rebuilds, {fts_found} found by index --check");
    assert!(trials > 50, "only {trials} trials");
    assert!(rebuilds > 10, "only {rebuilds} rebuilds in {trials} trials");
    // `index --check` finds a flip in the ledger no query has read yet.
    let trial = dir.path().join("check.sqlite");
    fs::copy(&pristine, &trial).unwrap();
    {
        let conn = rusqlite::Connection::open(&trial).unwrap();
        let b: Vec<u8> = conn
            .query_row("SELECT data FROM ledger", [], |r| r.get(0))
            .unwrap();
        let bad = flipped(&rusqlite::types::Value::Blob(b), 8 * 30 + 1).unwrap();
        conn.execute("UPDATE ledger SET data = ?", [bad]).unwrap();
    }
    let ix = trial.to_str().unwrap();
    let check = v.ok(&["--index", ix, "index", "--check"]);
    assert!(check.stderr.contains("rebuilt"), "{}", check.stderr);
    let again = v.ok(&["--index", ix, "index", "--check"]);
    assert!(again.stdout.contains("all match"), "{}", again.stdout);
    assert!(!again.stderr.contains("rebuilt"), "{}", again.stderr);
    // And a flip in a public table, which no answer reads.
    {
        let conn = rusqlite::Connection::open(&trial).unwrap();
        let n = conn
            .execute(
                "UPDATE people SET name = 'Alicf Chen' WHERE name = 'Alice Chen'",
                [],
            )
            .unwrap();
        assert_eq!(n, 1);
    }
    let check = v.ok(&["--index", ix, "index", "--check"]);
    assert!(check.stderr.contains("public tables"), "{}", check.stderr);
}

#[test]
fn an_index_damaged_again_and_again_keeps_one_damaged_copy_not_all() {
    let v = Vault::with_files(&[("a.md", &met("alice"))]);
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.sqlite");
    let ix = index.to_str().unwrap();
    for _ in 0..3 {
        v.ok(&["--index", ix, "people"]);
        fs::write(&index, vec![0x5a; 8192]).unwrap();
        let run = v.ok(&["--index", ix, "people"]);
        assert!(run.stderr.contains("rebuilt"), "{}", run.stderr);
    }
    let copies = fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            let n = e.as_ref().unwrap().file_name();
            n.to_string_lossy().starts_with("i.sqlite.corrupt-")
        })
        .count();
    assert_eq!(copies, 1);
}
