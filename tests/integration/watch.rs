//! The daemon (issue "Daemon"): the real binary watching a real temp folder.
//! Every wait is for a condition with a deadline ([`DEADLINE`]), never a
//! fixed sleep standing in for an assertion.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use crate::util::{Run, Vault};

/// How long any condition may take to come true.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Polls `cond` until it holds; fails the test with `what` at the deadline.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < DEADLINE,
            "still waiting after {DEADLINE:?} for: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running `relnotes watch` on a test vault, its stderr (the log)
/// collected as it comes.
pub struct Daemon {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Daemon {
    /// Starts `relnotes --dir <root> --today 2026-11-23 watch <args>` and
    /// waits until it watches.
    pub fn start(v: &Vault, args: &[&str]) -> Daemon {
        let d = Daemon::spawn(v, args);
        d.wait_log("watching ", 1);
        d
    }

    /// Starts it without waiting for anything.
    pub fn spawn(v: &Vault, args: &[&str]) -> Daemon {
        let mut cmd = v.std_command();
        cmd.arg("watch").args(args);
        Daemon::spawn_command(cmd)
    }

    /// Starts `cmd` (a `relnotes … watch` made by the caller: other users,
    /// other environments) without waiting for anything.
    pub fn spawn_command(mut cmd: std::process::Command) -> Daemon {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .env_remove("RUST_LOG");
        let mut child = cmd.spawn().expect("spawn relnotes watch");
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        let stderr = child.stderr.take().expect("piped stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        Daemon { child, log }
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).unwrap()
    }

    /// The log so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// How many log lines contain `what`.
    pub fn count(&self, what: &str) -> usize {
        self.log().lines().filter(|l| l.contains(what)).count()
    }

    /// Waits until `what` appears in at least `n` log lines.
    pub fn wait_log(&self, what: &str, n: usize) {
        let start = Instant::now();
        while self.count(what) < n {
            assert!(
                start.elapsed() < DEADLINE,
                "still waiting after {DEADLINE:?} for {n} log line(s) with {what:?}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Batches processed so far (one log line each).
    pub fn batches(&self) -> usize {
        self.count("batch:")
    }

    /// Sends a signal.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid.
        let r = unsafe { libc::kill(self.pid(), sig) };
        assert_eq!(r, 0, "kill({}, {sig})", self.pid());
    }

    /// Waits for the process to exit; fails at the deadline.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                // Let the reader thread take the last lines.
                std::thread::sleep(Duration::from_millis(50));
                return st;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "relnotes watch did not exit within {DEADLINE:?}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGKILL, and reap it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asserts the log holds no panic and no error line.
    pub fn assert_clean_log(&self) {
        let log = self.log();
        assert!(!log.contains("panicked"), "panic in the log:\n{log}");
        assert!(!log.contains("ERROR"), "error in the log:\n{log}");
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A vault with a report file configured (`RELNOTES.md`).
pub fn vault_with_report(files: &[(&str, &str)]) -> Vault {
    let v = Vault::with_files(files);
    v.write(".relnotes.toml", "report = \"RELNOTES.md\"\n");
    v
}

/// The report file's text, or "" while it does not exist.
pub fn report(v: &Vault) -> String {
    fs::read_to_string(v.path("RELNOTES.md")).unwrap_or_default()
}

/// Waits until the report mentions `what`.
pub fn wait_report(v: &Vault, what: &str) {
    wait_until(&format!("the report to mention {what:?}"), || {
        report(v).contains(what)
    });
}

/// `people --format json` handles, from a CLI run beside the daemon.
pub fn handles(v: &Vault) -> Vec<String> {
    crate::util::handles(&v.json(&["people"]))
}

fn mtime(p: &Path) -> SystemTime {
    fs::metadata(p).unwrap().modified().unwrap()
}

#[test]
fn writes_the_report_at_start_and_again_when_a_note_changes() {
    let v = vault_with_report(&[("journal/2026-11-20.md", "- Coffee with @alice #gave\n")]);
    let notes = |v: &Vault| {
        let mut s = v.snapshot_files();
        s.remove("RELNOTES.md");
        s
    };
    let before = notes(&v);
    let d = Daemon::start(&v, &[]);
    wait_report(&v, "<!-- relnotes:report -->");
    assert!(!report(&v).contains("@bob"));
    v.write("journal/2026-11-21.md", "- Lunch with @bob #asked\n");
    wait_report(&v, "@bob");
    let mut expected = before;
    let after = notes(&v);
    expected.insert(
        "journal/2026-11-21.md".into(),
        after["journal/2026-11-21.md"].clone(),
    );
    assert_eq!(after, expected, "the daemon wrote into the notes");
    // The daemon's report is the CLI's report, byte for byte.
    let cli = v.ok(&["report"]);
    assert_eq!(cli.stdout, report(&v));
    d.assert_clean_log();
}

#[test]
fn an_unchanged_report_keeps_its_file_untouched() {
    let v = vault_with_report(&[("a.md", "- 2026-11-20 @alice #gave\n")]);
    let d = Daemon::start(&v, &[]);
    wait_report(&v, "<!-- relnotes:report -->");
    let path = v.path("RELNOTES.md");
    let first = mtime(&path);
    // A change that changes no answer: prose naming no one.
    let n = d.batches();
    v.write("b.md", "just prose\n");
    d.wait_log("batch:", n + 1);
    assert!(d.log().contains("report unchanged"), "{}", d.log());
    assert_eq!(mtime(&path), first, "the report was rewritten");
    // And a change that does change it.
    v.write("c.md", "- 2026-11-21 @carol\n");
    wait_report(&v, "@carol");
    assert_ne!(mtime(&path), first);
}

#[test]
fn a_second_daemon_on_the_root_exits_2_naming_the_first() {
    let v = vault_with_report(&[("a.md", "- @alice\n")]);
    let mut first = Daemon::start(&v, &[]);
    let second = v.run(&["watch"]);
    second.assert_usage_error();
    assert!(
        second.stderr.contains("already watched")
            && second.stderr.contains(&first.pid().to_string())
            && second
                .stderr
                .contains(&v.root().canonicalize().unwrap().display().to_string()),
        "{}",
        second.stderr
    );
    // CLI commands keep working while the daemon runs.
    v.ok(&["people"]);
    // A SIGKILLed daemon leaves no lock behind.
    first.kill9();
    let mut again = Daemon::start(&v, &[]);
    again.signal(libc::SIGTERM);
    assert!(again.wait_exit().success());
}

#[test]
fn sigterm_and_sigint_exit_0() {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        let v = vault_with_report(&[("a.md", "- @alice\n")]);
        let mut d = Daemon::start(&v, &[]);
        d.signal(sig);
        let st = d.wait_exit();
        assert!(st.success(), "exit {st:?} on signal {sig}\n{}", d.log());
        assert!(d.log().contains("stopped"), "{}", d.log());
    }
}

/// A hook that appends its environment and stdin to `fired.log` beside the
/// notes (outside the root).
fn hook_vault(out: &Path) -> Vault {
    let v = Vault::with_files(&[
        (
            "2026-11-20.md",
            "- [ ] Send @alice the plan due:2026-11-23\n- [ ] Call @bob due:2026-12-30\n",
        ),
        ("people/carol.md", "---\nbirthday: 1990-11-23\n---\n"),
    ]);
    v.write(
        ".relnotes.toml",
        format!(
            "report = \"RELNOTES.md\"\non_due = \"printf '%s|%s|' \\\"$RELNOTES_KIND\\\" \\\"$RELNOTES_PERSON\\\" >> '{0}'; cat >> '{0}'\"\n",
            out.display()
        ),
    );
    v.ok(&["allow"]);
    v
}

#[test]
fn on_due_fires_once_per_reminder_per_day_across_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("fired.log");
    let v = hook_vault(&out);
    let fired = || fs::read_to_string(&out).unwrap_or_default();
    // A hook's line is complete once its JSON and newline are in.
    let lines = || fired().matches('\n').count();
    let mut d = Daemon::start(&v, &[]);
    wait_until("two hooks to run", || lines() >= 2);
    let log = fired();
    assert!(log.contains("commitment|alice|{"), "{log}");
    assert!(log.contains("birthday|carol|{"), "{log}");
    assert!(!log.contains("bob"), "not due yet: {log}");
    let json: serde_json::Value = serde_json::from_str(
        log.lines()
            .find(|l| l.starts_with("commitment|"))
            .unwrap()
            .trim_start_matches("commitment|alice|"),
    )
    .unwrap();
    assert_eq!(json["file"], "2026-11-20.md");
    assert_eq!(json["line"], 1);
    // A change that re-answers does not fire them again, nor does a restart.
    let n = d.batches();
    v.write("2026-11-21.md", "- met @dana\n");
    d.wait_log("batch:", n + 1);
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit().success());
    let d2 = Daemon::start(&v, &[]);
    d2.wait_log("start:", 1);
    // A new due reminder still fires.
    v.write(
        "2026-11-22.md",
        "- [ ] Lend @erin the book due:2026-11-22\n",
    );
    wait_until("the new reminder's hook", || {
        fired().contains("commitment|erin|") && lines() >= 3
    });
    let log = fired();
    assert_eq!(log.lines().count(), 3, "{log}");
    d2.assert_clean_log();
}

/// Answers a CLI gives, for comparing the daemon's index with a rebuild.
pub fn answers(v: &Vault, extra: &[&str]) -> Vec<String> {
    [
        &["report"][..],
        &["people", "--format", "json"],
        &["due", "--within", "30d", "--format", "json"],
    ]
    .iter()
    .map(|q| {
        let mut args = extra.to_vec();
        args.extend(*q);
        let run: Run = v.ok(&args);
        run.stdout
    })
    .collect()
}

/// The daemon's index path in a vault's cache (the default place).
pub fn default_index(v: &Vault) -> PathBuf {
    let out = v.ok(&["index"]);
    PathBuf::from(
        out.stdout
            .lines()
            .find_map(|l| l.strip_prefix("index: "))
            .expect("index: line"),
    )
}

// ---------------------------------------------------------------------------
// Editors' save patterns, bursts, folders, the root going away, signals,
// crashes, concurrent CLI runs, polling, config reloads and failing hooks.
// ---------------------------------------------------------------------------

/// The daemon's default debounce window.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// Lets events already made reach the daemon and be dealt with (3× the
/// debounce window). Never an assertion by itself: what follows checks a
/// condition or counts log lines.
fn settle() {
    std::thread::sleep(3 * DEBOUNCE);
}

/// A dated entry with `@handle` that asks for help, so the person is listed
/// under "Who haven't I helped lately" (`| @handle | never | …`).
fn asked(handle: &str) -> String {
    format!("- 2026-11-20 Coffee with @{handle} #asked\n")
}

/// Whether a report text is a whole report: its marker line and its last
/// section.
fn is_whole_report(text: &str) -> bool {
    text.starts_with("<!-- relnotes:report -->\n") && text.contains("## Give and take")
}

/// Reads a report file every couple of milliseconds on a thread, keeping
/// every version that is not a whole report or lacks `must`.
struct ReportReader {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<(usize, Vec<String>)>>,
}

impl ReportReader {
    fn start(path: PathBuf, must: &str) -> ReportReader {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let must = must.to_string();
        let thread = std::thread::spawn(move || {
            let mut reads = 0;
            let mut bad: Vec<String> = Vec::new();
            while !flag.load(Ordering::SeqCst) {
                let text = fs::read_to_string(&path).unwrap_or_else(|e| format!("<{e}>"));
                reads += 1;
                if (!is_whole_report(&text) || !text.contains(&must)) && !bad.contains(&text) {
                    bad.push(text);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            (reads, bad)
        });
        ReportReader {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops reading; asserts every read was a whole report holding `must`.
    fn finish(mut self, what: &str) {
        self.stop.store(true, Ordering::SeqCst);
        let (reads, bad) = self.thread.take().unwrap().join().unwrap();
        assert!(reads > 0, "{what}: the report was never read");
        assert!(
            bad.is_empty(),
            "{what}: {} distinct report version(s) in {reads} read(s) lacked it or were not whole; first:\n{}",
            bad.len(),
            bad[0]
        );
    }
}

impl Drop for ReportReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Runs `edit(i)` for i = 0, 1, … on a thread, with `pause` between, until
/// stopped (or `max` edits: a test that fails never leaves it running).
struct Editor {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<usize>>,
}

impl Editor {
    fn start(max: usize, pause: Duration, mut edit: impl FnMut(usize) + Send + 'static) -> Editor {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut i = 0;
            while i < max && !flag.load(Ordering::SeqCst) {
                edit(i);
                i += 1;
                std::thread::sleep(pause);
            }
            i
        });
        Editor {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops and returns how many edits were made.
    fn stop(mut self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.take().unwrap().join().expect("editor thread")
    }
}

impl Drop for Editor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A small seeded xorshift64* generator: reproducible "random" moments.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// Stops a daemon with SIGTERM and asserts it exits 0 saying so.
fn stop(d: &mut Daemon) {
    d.signal(libc::SIGTERM);
    let st = d.wait_exit();
    assert!(st.success(), "exit {st:?}\n{}", d.log());
    assert!(d.log().contains("SIGTERM: stopping"), "{}", d.log());
}

#[test]
fn vim_save_keeps_the_person_and_indexes_the_new_text() {
    // vim (backupcopy=auto): probe with `4913`, move the note to `note.md~`,
    // write a new `note.md`, delete the backup; a swap file meanwhile.
    let v = vault_with_report(&[("note.md", &asked("alice"))]);
    let mut d = Daemon::start(&v, &[]);
    wait_report(&v, "| @alice |");
    let reader = ReportReader::start(v.path("RELNOTES.md"), "| @alice |");
    v.write(".note.md.swp", "b0VIM 9.1");
    v.write("4913", "");
    fs::remove_file(v.path("4913")).unwrap();
    fs::rename(v.path("note.md"), v.path("note.md~")).unwrap();
    v.write("note.md", format!("{}{}", asked("alice"), asked("bob")));
    fs::remove_file(v.path("note.md~")).unwrap();
    fs::remove_file(v.path(".note.md.swp")).unwrap();
    wait_report(&v, "| @bob |");
    settle();
    reader.finish("@alice during vim's save");
    assert_eq!(handles(&v), ["alice", "bob"]);
    stop(&mut d);
    d.assert_clean_log();
}

#[test]
fn emacs_lock_and_autosave_files_never_become_notes() {
    let v = vault_with_report(&[("note.md", &asked("alice"))]);
    let mut d = Daemon::start(&v, &[]);
    wait_report(&v, "| @alice |");
    let reader = ReportReader::start(v.path("RELNOTES.md"), "| @alice |");
    // The lock: a dangling symlink; the autosave: the unsaved text.
    std::os::unix::fs::symlink("user@host.1234:1", v.path(".#note.md")).unwrap();
    v.write("#note.md#", format!("{}{}", asked("alice"), asked("ghost")));
    settle();
    // The real save (in place), then emacs drops the autosave and the lock.
    v.write("note.md", format!("{}{}", asked("alice"), asked("bob")));
    wait_report(&v, "| @bob |");
    assert!(!report(&v).contains("ghost"), "{}", report(&v));
    assert_eq!(handles(&v), ["alice", "bob"]);
    fs::remove_file(v.path("#note.md#")).unwrap();
    fs::remove_file(v.path(".#note.md")).unwrap();
    settle();
    reader.finish("@alice during emacs's save");
    assert!(!report(&v).contains("ghost"), "{}", report(&v));
    stop(&mut d);
    d.assert_clean_log();
}

#[test]
fn jetbrains_safe_write_is_indexed() {
    let v = vault_with_report(&[("note.md", &asked("alice"))]);
    let mut d = Daemon::start(&v, &[]);
    wait_report(&v, "| @alice |");
    let reader = ReportReader::start(v.path("RELNOTES.md"), "| @alice |");
    v.write(
        "note.md___jb_tmp___",
        format!("{}{}", asked("alice"), asked("bob")),
    );
    fs::rename(v.path("note.md"), v.path("note.md___jb_old___")).unwrap();
    fs::rename(v.path("note.md___jb_tmp___"), v.path("note.md")).unwrap();
    fs::remove_file(v.path("note.md___jb_old___")).unwrap();
    wait_report(&v, "| @bob |");
    settle();
    reader.finish("@alice during JetBrains' save");
    assert_eq!(handles(&v), ["alice", "bob"]);
    stop(&mut d);
    d.assert_clean_log();
}

/// VS Code saves in place: truncate, then write. `pause` between the two.
fn vscode_save(v: &Vault, rel: &str, pause: Duration, text: &str) {
    use std::io::Write;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(v.path(rel))
        .unwrap();
    f.sync_all().unwrap();
    std::thread::sleep(pause);
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn vscode_truncate_then_write_never_drops_the_person() {
    let v = vault_with_report(&[("note.md", &asked("alice"))]);
    let mut d = Daemon::start(&v, &[]);
    wait_report(&v, "| @alice |");
    let reader = ReportReader::start(v.path("RELNOTES.md"), "| @alice |");
    for (pause, who) in [(50, "bob"), (100, "carol")] {
        let text = format!("{}{}", asked("alice"), asked(who));
        vscode_save(&v, "note.md", Duration::from_millis(pause), &text);
        wait_report(&v, &format!("| @{who} |"));
    }
    settle();
    reader.finish("@alice during VS Code's saves");
    stop(&mut d);
    d.assert_clean_log();
}

#[test]
fn vscode_pause_longer_than_the_debounce_is_rechecked() {
    // A 50 ms debounce: the batch comes while the note is still empty, and
    // the 150 ms re-check sees the written text.
    let v = vault_with_report(&[("note.md", &asked("alice"))]);
    let mut d = Daemon::start(&v, &["--debounce", "50", "-v"]);
    wait_report(&v, "| @alice |");
    let reader = ReportReader::start(v.path("RELNOTES.md"), "| @alice |");
    let text = format!("{}{}", asked("alice"), asked("bob"));
    vscode_save(&v, "note.md", Duration::from_millis(100), &text);
    wait_report(&v, "| @bob |");
    settle();
    reader.finish("@alice during a slow VS Code save");
    stop(&mut d);
    d.assert_clean_log();
}

#[test]
fn a_note_in_a_new_deep_folder_is_indexed_and_the_folder_watched() {
    let v = vault_with_report(&[("a.md", &asked("alice"))]);
    let mut d = Daemon::start(&v, &[]);
    wait_report(&v, "| @alice |");
    let deep = "d1/d2/d3/d4/d5/d6/d7/d8/d9/d10";
    fs::create_dir_all(v.path(deep)).unwrap();
    v.write(&format!("{deep}/deep.md"), asked("deepone"));
    wait_report(&v, "| @deepone |");
    // The new folders are watched now: later writes there are seen.
    v.write(&format!("{deep}/deeper.md"), asked("deeptwo"));
    wait_report(&v, "| @deeptwo |");
    v.write("d1/d2/d3/d4/d5/mid.md", asked("midway"));
    wait_report(&v, "| @midway |");
    stop(&mut d);
    d.assert_clean_log();
}

#[test]
fn editor_noise_alone_makes_no_batch() {
    let v = vault_with_report(&[("note.md", &asked("alice"))]);
    v.write(
        ".relnotes.toml",
        "report = \"RELNOTES.md\"\nexclude = [\"templates\"]\n",
    );
    let outside = tempfile::tempdir_in(v.home()).unwrap();
    let mut d = Daemon::start(&v, &[]);
    wait_report(&v, "| @alice |");
    let n = d.batches();
    v.write(".note.md.swp", "b0VIM 9.1");
    v.write("4913", "");
    fs::remove_file(v.path("4913")).unwrap();
    v.write("note.md~", asked("tilde"));
    v.write(".DS_Store", "\0\0\0\x01Bud1");
    v.write("#note.md#", asked("autosave"));
    std::os::unix::fs::symlink("user@host.1234:1", v.path(".#note.md")).unwrap();
    v.write("note.md___jb_tmp___", asked("jbtmp"));
    v.write(".obsidian/workspace.md", asked("hidden"));
    v.write("templates/daily.md", asked("template"));
    settle();
    assert_eq!(d.batches(), n, "noise made a batch:\n{}", d.log());
    // A real edit, moved in whole (one event): exactly one batch, and the
    // daemon's own report rewrite makes none either.
    let staged = outside.path().join("real.md");
    fs::write(&staged, asked("bob")).unwrap();
    fs::rename(&staged, v.path("real.md")).unwrap();
    wait_report(&v, "| @bob |");
    d.wait_log("batch:", n + 1);
    settle();
    assert_eq!(d.batches(), n + 1, "{}", d.log());
    let last = d
        .log()
        .lines()
        .rfind(|l| l.contains("batch:"))
        .unwrap()
        .to_string();
    assert!(last.contains("batch: 1 path(s) named"), "{last}");
    let r = report(&v);
    for ghost in ["tilde", "autosave", "jbtmp", "hidden", "template"] {
        assert!(!r.contains(ghost), "{ghost} in the report:\n{r}");
    }
    stop(&mut d);
    d.assert_clean_log();
}

/// Waits until the report holds every one of `has` and none of `lacks`.
fn wait_report_is(v: &Vault, has: &[&str], lacks: &[&str]) {
    wait_until(
        &format!("the report to hold {has:?} and not {lacks:?}"),
        || {
            let r = report(v);
            has.iter().all(|s| r.contains(s)) && !lacks.iter().any(|s| r.contains(s))
        },
    );
}

#[test]
fn files_and_folders_created_deleted_and_renamed_are_followed() {
    // Open commitments link to their file: the report shows where each is.
    let task = |who: &str| format!("- [ ] Send @{who} the deck\n");
    let v = vault_with_report(&[("keep.md", &task("kim"))]);
    let outside = tempfile::tempdir_in(v.home()).unwrap();
    let mut d = Daemon::start(&v, &[]);
    wait_report(&v, "(keep.md#L1)");
    // A file: created, renamed, deleted.
    v.write("a.md", task("alice"));
    wait_report(&v, "(a.md#L1)");
    fs::rename(v.path("a.md"), v.path("b.md")).unwrap();
    wait_report_is(&v, &["(b.md#L1)", "@alice"], &["(a.md#L1)"]);
    fs::remove_file(v.path("b.md")).unwrap();
    wait_report_is(&v, &["(keep.md#L1)"], &["@alice"]);
    // A folder: created with notes, renamed, written into, deleted.
    v.write("proj/x.md", task("xavier"));
    v.write("proj/y.md", task("yara"));
    wait_report_is(&v, &["(proj/x.md#L1)", "(proj/y.md#L1)"], &[]);
    fs::rename(v.path("proj"), v.path("work")).unwrap();
    wait_report_is(&v, &["(work/x.md#L1)", "(work/y.md#L1)"], &["proj/"]);
    v.write("work/z.md", task("zoe"));
    wait_report(&v, "(work/z.md#L1)");
    v.write("work/x.md", task("xena"));
    wait_report_is(&v, &["@xena"], &["@xavier"]);
    fs::remove_dir_all(v.path("work")).unwrap();
    wait_report_is(&v, &["(keep.md#L1)"], &["work/", "@xena", "@yara", "@zoe"]);
    // A folder moved in from outside, written into, then moved out.
    fs::create_dir_all(outside.path().join("moved/sub")).unwrap();
    fs::write(outside.path().join("moved/sub/m.md"), task("mia")).unwrap();
    fs::rename(outside.path().join("moved"), v.path("moved")).unwrap();
    wait_report(&v, "(moved/sub/m.md#L1)");
    v.write("moved/sub/n.md", task("noah"));
    wait_report(&v, "(moved/sub/n.md#L1)");
    fs::rename(v.path("moved"), outside.path().join("away")).unwrap();
    wait_report_is(&v, &["(keep.md#L1)"], &["moved/", "@mia", "@noah"]);
    assert_eq!(handles(&v), ["kim"]);
    stop(&mut d);
    d.assert_clean_log();
}

#[test]
fn a_note_event_is_synced_by_its_path_alone_and_a_folder_event_walks() {
    // Issue #13: where the OS names the paths, only they are stat'ed. The
    // answers are those of a full walk either way (the differential tests
    // compare every change kind); this holds the daemon to the cheap path.
    let v = vault_with_report(&[("a.md", &asked("alice")), ("sub/b.md", &asked("bob"))]);
    let mut d = Daemon::start(&v, &[]);
    wait_report(&v, "| @bob |");
    let n = d.batches();
    v.write("sub/b.md", asked("bella"));
    wait_report_is(&v, &["| @bella |"], &["| @bob |"]);
    d.wait_log("batch:", n + 1);
    d.wait_log("(only they looked at)", 1);
    fs::remove_file(v.path("a.md")).unwrap();
    wait_report_is(&v, &["| @bella |"], &["| @alice |"]);
    // A new folder is walked (and watched).
    v.write("new/c.md", asked("carol"));
    wait_report(&v, "| @carol |");
    d.wait_log("(the tree walked)", 1);
    fs::remove_file(v.path("sub/b.md")).unwrap();
    wait_report_is(&v, &["| @carol |"], &["| @bella |"]);
    stop(&mut d);
    d.assert_clean_log();
    // What it published from its scoped syncs is what a fresh index says.
    let fresh = v.home().join("fresh.sqlite");
    let rebuilt = answers(&v, &["--index", fresh.to_str().unwrap()]);
    assert_eq!(report(&v), rebuilt[0]);
}

#[test]
fn a_burst_of_500_notes_is_all_indexed() {
    let v = vault_with_report(&[("old/a.md", &asked("alice"))]);
    let mut d = Daemon::start(&v, &[]);
    wait_report(&v, "| @alice |");
    // Like a git checkout: as fast as possible, old and new folders.
    let folders = ["old", "new1", "new2/deep", "new3"];
    for i in 0..500 {
        v.write(
            &format!("{}/p{i:03}.md", folders[i % folders.len()]),
            format!("- 2026-11-20 Helped @p{i:03} #gave\n"),
        );
    }
    wait_report(&v, "gave 500 times");
    let hs = handles(&v);
    assert_eq!(hs.len(), 501, "{hs:?}");
    assert!(hs.contains(&"p499".to_string()) && hs.contains(&"p000".to_string()));
    let index = v.ok(&["index"]).stdout;
    assert!(index.contains("files: 501 seen"), "{index}");
    // The new folders are watched.
    v.write("new2/deep/later.md", asked("later"));
    wait_report(&v, "| @later |");
    stop(&mut d);
    d.assert_clean_log();
}

#[test]
fn the_root_gone_and_back_keeps_the_index_then_resumes() {
    let v = Vault::with_files(&[("a.md", &asked("alice")), ("sub/b.md", &asked("bob"))]);
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("R.md");
    let rep = || fs::read_to_string(&path).unwrap_or_default();
    let mut d = Daemon::start(&v, &["--report", path.to_str().unwrap()]);
    wait_until("the report to list alice and bob", || {
        rep().contains("| @alice |") && rep().contains("| @bob |")
    });
    let n = d.batches();
    fs::remove_dir_all(v.root()).unwrap();
    d.wait_log("the notes root is gone", 1);
    // Nothing was synced against the empty space: the report keeps them.
    let gone = rep();
    assert!(
        gone.contains("| @alice |") && gone.contains("| @bob |"),
        "{gone}"
    );
    assert_eq!(
        d.batches(),
        n,
        "a batch ran while the root was gone:\n{}",
        d.log()
    );
    // Back, with other notes.
    fs::create_dir(v.root()).unwrap();
    v.write("c.md", asked("carol"));
    d.wait_log("the notes root is back", 1);
    wait_until("the report to list carol only", || {
        let r = rep();
        r.contains("| @carol |") && !r.contains("@alice") && !r.contains("@bob")
    });
    // Watching again, subfolders too.
    v.write("new/d.md", asked("dave"));
    wait_until("the report to list dave", || rep().contains("| @dave |"));
    v.write("new/e.md", asked("erin"));
    wait_until("the report to list erin", || rep().contains("| @erin |"));
    assert_eq!(handles(&v), ["carol", "dave", "erin"]);
    stop(&mut d);
    d.assert_clean_log();
}

/// Regression: an unmounted disk leaves its empty mount point behind. The
/// daemon must not sync against it (forgetting every note) nor write its
/// report there.
#[test]
fn the_root_emptied_like_an_unmounted_disk_forgets_nothing() {
    let v = Vault::with_files(&[("a.md", &asked("alice")), ("sub/b.md", &asked("bob"))]);
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("R.md");
    let rep = || fs::read_to_string(&path).unwrap_or_default();
    let both = |r: &str| r.contains("| @alice |") && r.contains("| @bob |");
    let mut d = Daemon::start(&v, &["--report", path.to_str().unwrap()]);
    wait_until("the report to list alice and bob", || both(&rep()));
    let away = v.root().with_extension("away");
    fs::rename(v.root(), &away).unwrap();
    fs::create_dir(v.root()).unwrap();
    d.wait_log("gone or empty", 1);
    assert!(both(&rep()), "{}", rep());
    assert_eq!(fs::read_dir(v.root()).unwrap().count(), 0, "wrote into it");
    // The disk is mounted again.
    fs::remove_dir(v.root()).unwrap();
    fs::rename(&away, v.root()).unwrap();
    d.wait_log("the notes root is back", 1);
    v.write("c.md", asked("carol"));
    wait_until("the report to list carol, alice and bob", || {
        let r = rep();
        both(&r) && r.contains("| @carol |")
    });
    stop(&mut d);
    d.assert_clean_log();
}

/// Regression: a CLI run that syncs a change before the daemon's quiet
/// window ends left the daemon with nothing new to see, and the report and
/// `on_due` without the change.
#[test]
fn a_change_a_cli_run_synced_first_still_reaches_the_report() {
    let v = vault_with_report(&[("a.md", &asked("alice"))]);
    let d = Daemon::start(&v, &["--debounce", "1000"]);
    wait_report(&v, "| @alice |");
    v.write("b.md", asked("bob"));
    // Inside the daemon's one-second window: this run commits the change.
    v.ok(&["index"]);
    wait_report(&v, "| @bob |");
    d.assert_clean_log();
}

#[test]
fn sigterm_and_sigint_during_a_burst_exit_0() {
    for (sig, name) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGINT, "SIGINT")] {
        let v = vault_with_report(&[("a.md", &asked("alice"))]);
        let mut d = Daemon::start(&v, &[]);
        wait_report(&v, "| @alice |");
        let root = v.root().to_path_buf();
        let editor = Editor::start(5000, Duration::from_millis(1), move |i| {
            let dir = root.join(format!("burst{}", i % 3));
            fs::create_dir_all(&dir).unwrap();
            fs::write(
                dir.join(format!("n{}.md", i % 300)),
                asked(&format!("p{i}")),
            )
            .unwrap();
        });
        // In the middle: after the burst made at least one batch.
        d.wait_log("batch:", 1);
        d.signal(sig);
        let st = d.wait_exit();
        let made = editor.stop();
        assert!(st.success(), "exit {st:?} on {name}\n{}", d.log());
        let log = d.log();
        assert!(log.contains(&format!("{name}: stopping")), "{log}");
        assert!(log.contains("stopped"), "{log}");
        assert!(made > 0);
        d.assert_clean_log();
    }
}

#[test]
fn sigkill_at_random_moments_leaves_an_index_equal_to_a_rebuild() {
    let v = vault_with_report(&[("n0.md", &asked("alice"))]);
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for round in 0..5u64 {
        let mut d = Daemon::spawn(&v, &[]);
        let root = v.root().to_path_buf();
        let mut ed = Rng(round.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let editor = Editor::start(10_000, Duration::from_millis(1), move |i| {
            let f = |k: u64| root.join(format!("d{}/n{k}.md", k % 3));
            let a = f(ed.below(12));
            let _ = fs::create_dir_all(a.parent().unwrap());
            match ed.below(10) {
                0 => {
                    let _ = fs::remove_file(&a);
                }
                1 => {
                    let b = f(ed.below(12));
                    let _ = fs::create_dir_all(b.parent().unwrap());
                    let _ = fs::rename(&a, &b);
                }
                k => {
                    let tag = ["gave", "asked", "got"][usize::try_from(k % 3).unwrap()];
                    let text = format!(
                        "- 2026-11-{:02} Met @r{round}p{} #{tag}\n- [ ] Call @q{i} due:2026-11-{:02}\n",
                        10 + ed.below(13),
                        ed.below(20),
                        20 + ed.below(10),
                    );
                    let _ = fs::write(&a, text);
                }
            }
        });
        std::thread::sleep(Duration::from_millis(rng.below(301)));
        d.kill9();
        let made = editor.stop();
        assert!(made > 0, "round {round}: no edits");
        d.assert_clean_log();
    }
    // Restarted, it settles on the notes as they are; stopped cleanly.
    let mut d = Daemon::start(&v, &[]);
    stop(&mut d);
    d.assert_clean_log();
    let fresh = v.home().join("fresh.sqlite");
    let fresh = fresh.to_str().unwrap();
    let rebuilt = answers(&v, &["--index", fresh]);
    assert_eq!(
        report(&v),
        rebuilt[0],
        "the daemon's report after the kills"
    );
    assert!(
        rebuilt[1].contains("\"handle\": \"alice\""),
        "{}",
        rebuilt[1]
    );
    assert_eq!(
        answers(&v, &[]),
        rebuilt,
        "the daemon's index after the kills"
    );
    v.ok(&["index", "--rebuild"]);
    assert_eq!(answers(&v, &[]), rebuilt, "after index --rebuild");
}

#[test]
fn report_runs_beside_the_daemon_during_a_burst_all_succeed() {
    let v = vault_with_report(&[("a.md", &asked("alice"))]);
    // Every one of the 40 commitments listed, the last edit's included.
    v.write(
        ".relnotes.toml",
        "report = \"RELNOTES.md\"\nreport_limit = 0\n",
    );
    let mut d = Daemon::start(&v, &[]);
    wait_report(&v, "| @alice |");
    let root = v.root().to_path_buf();
    let editor = Editor::start(100_000, Duration::from_millis(2), move |i| {
        fs::write(
            root.join(format!("n{}.md", i % 40)),
            format!("{}- [ ] Call @q{i}\n", asked(&format!("p{}", i % 40))),
        )
        .unwrap();
    });
    for run in 0..100 {
        let r = v.run(&["report"]);
        assert_eq!(r.code, 0, "run {run}: {r:?}");
        let err = r.stderr.to_lowercase();
        assert!(
            !err.contains("busy") && !err.contains("locked") && !err.contains("error"),
            "run {run}: {}",
            r.stderr
        );
        assert!(is_whole_report(&r.stdout), "run {run}:\n{}", r.stdout);
        assert!(r.stdout.contains("| @alice |"), "run {run}:\n{}", r.stdout);
    }
    let made = editor.stop();
    assert!(made > 0);
    // The daemon caught up with the last edit.
    let last = made - 1;
    wait_report(&v, &format!("@q{last} "));
    assert_eq!(report(&v), v.ok(&["report"]).stdout);
    stop(&mut d);
    d.assert_clean_log();
}

#[test]
fn the_daemon_never_changes_the_notes() {
    let v = vault_with_report(&[
        ("journal/2026-11-20.md", &asked("alice")),
        (
            "people/bob.md",
            "---\nname: Bob\nbirthday: 1990-11-25\ncadence: 30d\n---\n# Bob\n- 2026-10-01 lunch #gave\n",
        ),
        ("todo.md", "- [ ] Send @carol the plan due:2026-11-23\n"),
        ("deleted.md", &asked("dave")),
        ("renamed.md", &asked("erin")),
        (".obsidian/workspace.json", "{}"),
        ("templates/daily.md", "- {{date}} @template\n"),
    ]);
    std::os::unix::fs::symlink("journal", v.path("link")).unwrap();
    v.age_files();
    let notes = |v: &Vault| {
        let mut s = v.snapshot_files();
        s.remove("RELNOTES.md");
        s
    };
    let before = notes(&v);
    let mut d = Daemon::start(&v, &[]);
    wait_report(&v, "| @erin |");
    // A session of edits.
    v.write("journal/2026-11-21.md", asked("fred"));
    wait_report(&v, "| @fred |");
    v.write(
        "journal/2026-11-20.md",
        format!("{}{}", asked("alice"), asked("gina")),
    );
    wait_report(&v, "| @gina |");
    fs::remove_file(v.path("deleted.md")).unwrap();
    fs::rename(v.path("renamed.md"), v.path("journal/renamed.md")).unwrap();
    wait_report_is(&v, &["| @erin |"], &["@dave"]);
    stop(&mut d);
    assert!(
        !default_index(&v).starts_with(v.root()),
        "the index is in the notes"
    );
    let after = notes(&v);
    let mut expected = before;
    expected.remove("deleted.md");
    let moved = expected.remove("renamed.md").unwrap();
    expected.insert("journal/renamed.md".into(), moved);
    for rel in ["journal/2026-11-21.md", "journal/2026-11-20.md"] {
        expected.insert(rel.into(), after[rel].clone());
    }
    assert_eq!(after, expected, "the daemon changed the notes");
    assert_eq!(
        v.read("journal/2026-11-20.md"),
        format!("{}{}", asked("alice"), asked("gina"))
    );
    d.assert_clean_log();
}

#[test]
fn polling_picks_up_edits() {
    let v = vault_with_report(&[("a.md", &asked("alice"))]);
    let mut d = Daemon::start(&v, &["--poll"]);
    assert!(d.log().contains("polling"), "{}", d.log());
    wait_report(&v, "| @alice |");
    v.write("b.md", asked("bob"));
    wait_report(&v, "| @bob |");
    v.write("a.md", format!("{}{}", asked("alice"), asked("carol")));
    wait_report(&v, "| @carol |");
    v.write("sub/c.md", asked("dave"));
    wait_report(&v, "| @dave |");
    stop(&mut d);
    d.assert_clean_log();
}

#[test]
fn a_config_change_is_picked_up_and_a_broken_one_keeps_the_old() {
    let v = vault_with_report(&[
        ("a.md", &asked("alice")),
        ("b.md", "- 2026-11-21 Lunch with @ali #asked\n"),
    ]);
    let mut d = Daemon::start(&v, &[]);
    wait_report_is(&v, &["| @alice |", "| @ali |"], &[]);
    v.write(
        ".relnotes.toml",
        "report = \"RELNOTES.md\"\n[aliases]\nali = \"alice\"\n",
    );
    wait_report_is(
        &v,
        &["| @alice | never | 2026-11-21 | 0 | 2 |"],
        &["| @ali |"],
    );
    assert_eq!(handles(&v), ["alice"]);
    // A broken config: logged, the old one kept, the daemon goes on.
    v.write(
        ".relnotes.toml",
        "report = \"RELNOTES.md\"\n[aliases]\nali = \n",
    );
    d.wait_log("keeping the previous config", 1);
    v.write("c.md", "- 2026-11-22 Call with @ali #asked\n");
    wait_report(&v, "| @alice | never | 2026-11-22 | 0 | 3 |");
    assert!(!report(&v).contains("| @ali |"), "{}", report(&v));
    let log = d.log();
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("ERROR")).collect();
    assert_eq!(errors.len(), 1, "{}", d.log());
    assert!(errors[0].contains(".relnotes.toml"), "{}", errors[0]);
    stop(&mut d);
}

/// A vault whose one reminder is due today, with `on_due = hook`.
fn due_vault(hook: &str) -> Vault {
    let v = Vault::with_files(&[("todo.md", "- [ ] Send @alice the plan due:2026-11-23\n")]);
    v.write(
        ".relnotes.toml",
        format!("report = \"RELNOTES.md\"\non_due = \"{hook}\"\n"),
    );
    v.ok(&["allow"]);
    v
}

#[test]
fn a_failing_on_due_hook_is_logged_and_the_daemon_goes_on() {
    let v = due_vault("exit 3");
    let mut d = Daemon::start(&v, &[]);
    d.wait_log("`exit 3` failed", 1);
    assert!(d.log().contains("exit status: 3"), "{}", d.log());
    v.write("b.md", asked("bob"));
    wait_report(&v, "| @bob |");
    stop(&mut d);
    d.assert_clean_log();
}

#[test]
fn a_hanging_on_due_hook_is_killed_and_the_daemon_goes_on() {
    let v = due_vault("sleep 30");
    let mut d = Daemon::start(&v, &["--hook-timeout", "1"]);
    // An edit while the hook hangs.
    v.write("b.md", asked("bob"));
    wait_report(&v, "| @bob |");
    d.wait_log("still running after 1 s; killed", 1);
    v.write("c.md", asked("carol"));
    wait_report(&v, "| @carol |");
    stop(&mut d);
    d.assert_clean_log();
}

#[test]
fn a_note_written_while_the_daemon_starts_is_not_missed() {
    // 1500 folders make watching them all take a while. A note written in
    // the last of them (`zzz`) right after the first sync must still be
    // seen: no gap between what the first sync read and what is watched.
    let v = vault_with_report(&[("a.md", &asked("alice"))]);
    for i in 0..1500 {
        fs::create_dir(v.path(&format!("f{i:04}"))).unwrap();
    }
    fs::create_dir(v.path("zzz")).unwrap();
    let mut d = Daemon::spawn(&v, &[]);
    let start = Instant::now();
    while d.count("start:") == 0 {
        assert!(start.elapsed() < DEADLINE, "no start line:\n{}", d.log());
        std::thread::sleep(Duration::from_millis(1));
    }
    v.write("zzz/late.md", asked("late"));
    d.wait_log("watching ", 1);
    assert!(d.log().contains("(1502 folders,"), "{}", d.log());
    wait_report(&v, "| @late |");
    stop(&mut d);
    d.assert_clean_log();
}

/// The calendar file (config `calendar`): kept current as the report is,
/// byte for byte what `export --format ics` prints.
#[test]
fn the_calendar_file_is_kept_current_like_the_report() {
    let v = Vault::with_files(&[("todo.md", "- [ ] Send @alice the plan due:2026-11-25\n")]);
    v.write(
        ".relnotes.toml",
        "report = \"RELNOTES.md\"\ncalendar = \"relnotes.ics\"\n",
    );
    let calendar = || fs::read_to_string(v.path("relnotes.ics")).unwrap_or_default();
    let d = Daemon::start(&v, &[]);
    wait_until("the calendar to hold the commitment", || {
        calendar().contains("Send @alice the plan")
    });
    assert_eq!(calendar(), v.ok(&["export", "--format", "ics"]).stdout);
    v.write("todo2.md", "- [ ] Call @bob due:2026-11-26\n");
    wait_until("the calendar to hold the new commitment", || {
        calendar().contains("Call @bob")
    });
    assert_eq!(calendar(), v.ok(&["export", "--format", "ics"]).stdout);
    // Its own rewrite makes no batch: a change naming no one leaves it be.
    let first = mtime(&v.path("relnotes.ics"));
    let n = d.batches();
    v.write("prose.md", "just prose\n");
    d.wait_log("batch:", n + 1);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(d.batches(), n + 1, "{}", d.log());
    assert_eq!(mtime(&v.path("relnotes.ics")), first);
    // Deleted by hand: written again.
    fs::remove_file(v.path("relnotes.ics")).unwrap();
    wait_until("the calendar to be written again", || {
        calendar().contains("Call @bob")
    });
    d.assert_clean_log();
}

#[test]
fn the_calendar_file_is_never_written_through_a_symlink() {
    let out = tempfile::tempdir().unwrap();
    let victim = out.path().join("victim.ics");
    fs::write(&victim, "the owner's file\n").unwrap();
    let v = Vault::with_files(&[("todo.md", "- [ ] Send @alice the plan due:2026-11-25\n")]);
    v.write(".relnotes.toml", "calendar = \"cal.ics\"\n");
    std::os::unix::fs::symlink(&victim, v.path("cal.ics")).unwrap();
    let mut d = Daemon::start(&v, &[]);
    d.wait_log("not written", 1);
    assert!(d.log().contains("symbolic link"), "{}", d.log());
    assert_eq!(fs::read_to_string(&victim).unwrap(), "the owner's file\n");
    stop(&mut d);
}
