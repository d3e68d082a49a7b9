//! The daemon's performance budget (issue "Daemon"), measured in one run on
//! this machine with the release binary on the seeded 10,000-note corpus:
//!
//! - latency: a note saved → the report file rewritten (target: the
//!   debounce window + 100 ms), over several edits;
//! - an idle daemon's CPU time over a quiet spell (target: none to speak
//!   of: no busy polling when the native watcher works);
//! - its resident memory when idle (target: under 100 MB).
//!
//! `cargo bench --bench watch`; `RELNOTES_BENCH_NOTES` scales the corpus.
//! Figures, not assertions.

mod common;
mod corpus;

use common::{bin, ms};

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// (utime + stime) of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after ')'.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn wait_for(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) -> Duration {
    let t = Instant::now();
    while !cond() {
        assert!(t.elapsed() < limit, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
    t.elapsed()
}

fn main() {
    let notes = common::notes();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("notes");
    let w = corpus::generate(&root, notes, (notes / 5).max(10), 42);
    println!("corpus: {} notes, {:.1} MB", w.notes, w.bytes as f64 / 1e6);
    let report = tmp.path().join("RELNOTES.md");
    let debounce = 200;
    let mut child = Command::new(bin())
        .arg("--dir")
        .arg(&root)
        .args(["watch", "--debounce", &debounce.to_string(), "--report"])
        .arg(&report)
        .env("RELNOTES_INDEX", tmp.path().join("index.sqlite"))
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run relnotes (build it first: cargo build --release)");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let t = Instant::now();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("daemon log");
        if line.contains("watching ") {
            break;
        }
    }
    println!("start (cold index, first report): {}", ms(t.elapsed()));

    let target = root.join("journal/2026/11/22.md");
    let target: &Path = if target.exists() {
        &target
    } else {
        Path::new(&root)
    };
    let mut lat = Vec::new();
    for i in 0..7 {
        std::thread::sleep(Duration::from_millis(500));
        let before = std::fs::metadata(&report).and_then(|m| m.modified()).ok();
        let mut text = std::fs::read_to_string(target).unwrap_or_default();
        // A waiting task shows in the report's "Waiting on", which lists
        // every one (its "Open commitments" list only the most urgent).
        text.push_str(&format!(
            "\n- [ ] bench save {i}: @bench-person-{i} owes me the notes #waiting\n"
        ));
        let t = Instant::now();
        std::fs::write(target, text).unwrap();
        let needle = format!("bench-person-{i}");
        wait_for("the report", Duration::from_secs(30), || {
            std::fs::metadata(&report).and_then(|m| m.modified()).ok() != before
                && std::fs::read_to_string(&report).is_ok_and(|r| r.contains(&needle))
        });
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "note saved -> report rewritten: median {}, min {}, max {} (debounce {debounce} ms; target {} ms)",
        ms(lat[lat.len() / 2]),
        ms(lat[0]),
        ms(lat[lat.len() - 1]),
        debounce + 100
    );
    std::thread::sleep(Duration::from_secs(2));
    let before = cpu_ticks(pid);
    let idle = Duration::from_secs(10);
    std::thread::sleep(idle);
    let ticks = cpu_ticks(pid) - before;
    println!(
        "idle for {}s: {ticks} clock ticks of CPU ({:.2}% of one core)",
        idle.as_secs(),
        ticks as f64 / (idle.as_secs_f64() * 100.0) * 100.0
    );
    println!("resident memory when idle: {} MiB", rss_kib(pid) / 1024);
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(pid as i32, libc::SIGTERM);
    }
    let _ = child.wait();
}
