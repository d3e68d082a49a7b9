//! The daemon (issue "Daemon"): the real binary watching a real temp folder.
//! Every wait is for a condition with a deadline ([`DEADLINE`]), never a
//! fixed sleep standing in for an assertion.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
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
        cmd.arg("watch")
            .args(args)
            .stdin(Stdio::null())
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
    v
}

#[test]
fn on_due_fires_once_per_reminder_per_day_across_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("fired.log");
    let v = hook_vault(&out);
    let fired = || fs::read_to_string(&out).unwrap_or_default();
    let mut d = Daemon::start(&v, &[]);
    // A hook appends its line in two writes: count whole lines only.
    let whole = |s: &str| s.matches('\n').count();
    wait_until("two hooks to run", || whole(&fired()) >= 2);
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
        let log = fired();
        log.contains("commitment|erin|") && whole(&log) >= 3
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
