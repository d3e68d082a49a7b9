//! `on_due`: the user's command, run once per due reminder per day, on a
//! worker thread so a slow hook never holds up a sync. The reminder goes to
//! the command as JSON on stdin and as environment variables. A hook that
//! fails is logged; one that hangs is killed (its whole process group) after
//! a timeout; a stopping daemon kills the one running. None of that ever
//! stops the daemon.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::query::Reminder;

/// The environment a hook sees, besides the JSON on stdin.
pub fn environment(r: &Reminder) -> Vec<(&'static str, String)> {
    let last = r.last.clone().unwrap_or_default();
    vec![
        ("RELNOTES_KIND", r.kind.as_str().to_string()),
        (
            "RELNOTES_PERSON",
            r.people.first().cloned().unwrap_or_default(),
        ),
        ("RELNOTES_PEOPLE", r.people.join(" ")),
        ("RELNOTES_DUE", crate::dates::iso(r.due)),
        ("RELNOTES_OVERDUE_DAYS", r.overdue_days.to_string()),
        ("RELNOTES_TEXT", r.text.clone()),
        ("RELNOTES_FILE", r.file.clone().unwrap_or_default()),
        (
            "RELNOTES_LINE",
            r.line.map(|l| l.to_string()).unwrap_or_default(),
        ),
        // A keep-in-touch reminder's last interaction (empty otherwise).
        (
            "RELNOTES_LAST_DATE",
            last.last_date.map(crate::dates::iso).unwrap_or_default(),
        ),
        (
            "RELNOTES_LAST_TEXT",
            last.last_text.clone().unwrap_or_default(),
        ),
        (
            "RELNOTES_LAST_FILE",
            last.last_file.clone().unwrap_or_default(),
        ),
        (
            "RELNOTES_LAST_LINE",
            last.last_line.map(|l| l.to_string()).unwrap_or_default(),
        ),
    ]
}

/// The hook runner: a queue and the thread that empties it.
pub struct Hooks {
    tx: Option<Sender<Reminder>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<Reminder>>>,
    /// The command it runs.
    pub command: String,
}

impl Hooks {
    /// Starts the worker for `command`, run by `sh -c` in `root`.
    pub fn start(command: String, root: PathBuf, timeout: Duration) -> Hooks {
        let (tx, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let cmd = command.clone();
        let thread = std::thread::Builder::new()
            .name("relnotes on_due".into())
            .spawn(move || worker(&rx, &cmd, &root, timeout, &flag))
            .ok();
        if thread.is_none() {
            tracing::error!("cannot start the on_due worker thread; on_due is off");
        }
        Hooks {
            tx: Some(tx),
            stop,
            thread,
            command,
        }
    }

    /// Queues a reminder for the hook.
    pub fn fire(&self, r: Reminder) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(r);
        }
    }

    /// Kills a running hook and waits for the worker; returns the
    /// reminders still queued, never run (the caller forgets that they
    /// fired, so they run another time).
    pub fn shutdown(mut self) -> Vec<Reminder> {
        self.stop.store(true, Ordering::SeqCst);
        self.tx = None;
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

fn worker(
    rx: &Receiver<Reminder>,
    command: &str,
    root: &Path,
    timeout: Duration,
    stop: &AtomicBool,
) -> Vec<Reminder> {
    while let Ok(r) = rx.recv() {
        if stop.load(Ordering::SeqCst) {
            let mut unrun = vec![r];
            unrun.extend(rx.try_iter());
            return unrun;
        }
        run_one(command, root, &r, timeout, stop);
    }
    Vec::new()
}

fn run_one(command: &str, root: &Path, r: &Reminder, timeout: Duration, stop: &AtomicBool) {
    let what = format!("on_due for {} {}", r.kind.as_str(), r.people.join(","));
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(root)
        .envs(environment(r))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group, so a timeout kills what it started too.
        cmd.process_group(0);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("{what}: cannot run `{command}`: {e}");
            return;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        let mut json = serde_json::to_vec(r).unwrap_or_default();
        json.push(b'\n');
        // On its own thread: a hook that never reads a stdin larger than
        // the pipe must not block the worker past the timeout.
        std::thread::spawn(move || {
            // A hook that does not read its stdin is fine.
            let _ = stdin.write_all(&json);
        });
    }
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => {
                tracing::debug!("{what}: ok in {} ms", started.elapsed().as_millis());
                return;
            }
            Ok(Some(status)) => {
                tracing::warn!("{what}: `{command}` failed ({status})");
                return;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!("{what}: cannot wait for `{command}`: {e}");
                kill(&mut child);
                return;
            }
        }
        if stop.load(Ordering::SeqCst) {
            tracing::info!("{what}: killed, the daemon is stopping");
            kill(&mut child);
            return;
        }
        if started.elapsed() > timeout {
            tracing::warn!(
                "{what}: `{command}` still running after {} s; killed",
                timeout.as_secs()
            );
            kill(&mut child);
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Kills the hook's process group (or the hook alone) and reaps it.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals that process group;
        // the group was created for this child and holds nothing else.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::ReminderKind;

    fn reminder() -> Reminder {
        Reminder {
            kind: ReminderKind::Commitment,
            people: vec!["alice".into(), "bob".into()],
            due: crate::dates::parse_iso("2026-11-23").unwrap(),
            overdue_days: 0,
            text: "Send @alice the plan".into(),
            file: Some("journal/2026-11-20.md".into()),
            line: Some(4),
            last: None,
        }
    }

    #[test]
    fn spec9_hook_gets_json_on_stdin_and_the_reminder_in_its_environment() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let cmd = format!(
            "cat > '{0}.json'; printf '%s|%s|%s|%s|%s' \"$RELNOTES_PERSON\" \"$RELNOTES_PEOPLE\" \"$RELNOTES_DUE\" \"$RELNOTES_FILE\" \"$RELNOTES_LINE\" > '{0}.env'",
            out.display()
        );
        let stop = AtomicBool::new(false);
        run_one(
            &cmd,
            tmp.path(),
            &reminder(),
            Duration::from_secs(10),
            &stop,
        );
        let env = std::fs::read_to_string(out.with_extension("env")).unwrap();
        assert_eq!(env, "alice|alice bob|2026-11-23|journal/2026-11-20.md|4");
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.with_extension("json")).unwrap()).unwrap();
        assert_eq!(json["kind"], "commitment");
        assert_eq!(json["text"], "Send @alice the plan");
    }

    #[test]
    fn spec8_keep_in_touch_hook_environment_has_the_last_interaction() {
        let mut r = reminder();
        let get = |r: &Reminder, k: &str| {
            environment(r)
                .into_iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v)
        };
        assert_eq!(get(&r, "RELNOTES_LAST_TEXT").as_deref(), Some(""));
        r.last = Some(crate::query::LastFields {
            last_date: crate::dates::parse_iso("2026-11-05"),
            last_text: Some("Lunch; moving to Berlin".into()),
            last_file: Some("j/2026-11-05.md".into()),
            last_line: Some(3),
        });
        assert_eq!(get(&r, "RELNOTES_LAST_DATE").as_deref(), Some("2026-11-05"));
        assert_eq!(
            get(&r, "RELNOTES_LAST_TEXT").as_deref(),
            Some("Lunch; moving to Berlin")
        );
        assert_eq!(
            get(&r, "RELNOTES_LAST_FILE").as_deref(),
            Some("j/2026-11-05.md")
        );
        assert_eq!(get(&r, "RELNOTES_LAST_LINE").as_deref(), Some("3"));
    }

    #[test]
    fn stopping_hands_back_the_reminders_never_run() {
        let tmp = tempfile::tempdir().unwrap();
        let hooks = Hooks::start(
            "sleep 5".into(),
            tmp.path().to_path_buf(),
            Duration::from_secs(30),
        );
        for _ in 0..3 {
            hooks.fire(reminder());
        }
        // The first is running (and is killed); the other two never ran.
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(hooks.shutdown().len(), 2);
    }

    #[test]
    fn spec9_hanging_hook_and_its_children_are_killed_after_the_timeout() {
        let tmp = tempfile::tempdir().unwrap();
        let marker = tmp.path().join("late");
        let cmd = format!("(sleep 1; touch '{}') & sleep 30", marker.display());
        let stop = AtomicBool::new(false);
        let t = Instant::now();
        run_one(
            &cmd,
            tmp.path(),
            &reminder(),
            Duration::from_millis(200),
            &stop,
        );
        assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
        std::thread::sleep(Duration::from_millis(1500));
        assert!(!marker.exists(), "a child of the hook outlived the timeout");
    }
}
