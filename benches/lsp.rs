//! The language server's budget (issue #11), measured on the bench corpus:
//! completion after `@`, diagnostics after a keystroke in a 1,000-line
//! note, server start to first answer next to a warm `relnotes report`,
//! and the server's peak memory. Figures, not assertions.
//!
//! `cargo bench --bench lsp` (10,000 notes; `RELNOTES_BENCH_NOTES` for
//! another size). Uses the release binary `cargo bench` builds.

mod common;
mod corpus;

use common::{bin, ms};

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

struct Server {
    child: std::process::Child,
    stdin: ChildStdin,
    out: BufReader<ChildStdout>,
}

impl Server {
    fn start(root: &Path, index: &Path) -> Server {
        let mut child = Command::new(bin())
            .arg("--dir")
            .arg(root)
            .arg("--today")
            .arg("2026-11-23")
            .arg("lsp")
            .env("RELNOTES_INDEX", index)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run relnotes lsp (build it first: cargo build --release)");
        let stdin = child.stdin.take().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        Server { child, stdin, out }
    }

    fn send(&mut self, msg: Value) {
        let body = serde_json::to_vec(&msg).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(&body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn recv(&mut self) -> Value {
        let mut len = 0;
        loop {
            let mut line = String::new();
            assert!(self.out.read_line(&mut line).unwrap() > 0, "server ended");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        self.out.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn until(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        loop {
            let m = self.recv();
            if want(&m) {
                return m;
            }
        }
    }

    fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.until(|m| m["id"] == id && m.get("method").is_none())
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn peak_mib(&self) -> Option<u64> {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
        Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? / 1024)
    }
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// A 1,000-line note made of the corpus' own list items.
fn long_note(root: &Path) -> String {
    let mut lines = Vec::new();
    for e in walkdir::WalkDir::new(root).sort_by_file_name() {
        let Ok(e) = e else { continue };
        if !e.file_type().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        lines.extend(
            text.lines()
                .filter(|l| l.starts_with("- ") && l.contains('@'))
                .map(str::to_string),
        );
        if lines.len() >= 1000 {
            break;
        }
    }
    lines.truncate(1000);
    lines.join("\n") + "\n"
}

fn main() {
    let notes = common::notes();
    let people = (notes / 5).max(10);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("notes");
    let w = corpus::generate(&root, notes, people, 42);
    println!("corpus: {} notes, {} people", w.notes, w.people);
    let index = tmp.path().join("index.sqlite");
    let run = |args: &[&str]| {
        let t = Instant::now();
        let out = Command::new(bin())
            .arg("--dir")
            .arg(&root)
            .arg("--today")
            .arg("2026-11-23")
            .env("RELNOTES_INDEX", &index)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
        t.elapsed()
    };
    run(&["index"]);
    let warm = (0..5).map(|_| run(&["report"])).min().unwrap();
    println!("warm `relnotes report`: {}", ms(warm));

    let text = long_note(&root);
    let rel = "journal/lsp-bench.md";
    let uri = format!("file://{}", root.join(rel).display());
    let at_line = text.lines().count();
    let with_at = format!("{text}- lunch with @\n");

    // Start to first answer: spawn, initialize, open a note, complete.
    let t = Instant::now();
    let mut s = Server::start(&root, &index);
    s.request(1, "initialize", json!({"capabilities": {}}));
    let init = t.elapsed();
    s.notify("initialized", json!({}));
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": with_at}}),
    );
    let pos = json!({"textDocument": {"uri": uri}, "position": {"line": at_line, "character": 14}});
    let first = s.request(2, "textDocument/completion", pos.clone());
    let start = t.elapsed();
    assert!(first["result"]["items"]
        .as_array()
        .is_some_and(|i| !i.is_empty()));
    println!(
        "start to first answer (initialize, open a 1,000-line note, complete after @): {} ({:.2} x warm report; initialize alone {})",
        ms(start),
        start.as_secs_f64() / warm.as_secs_f64(),
        ms(init)
    );

    let mut times = Vec::new();
    for i in 0..30 {
        let t = Instant::now();
        s.request(10 + i, "textDocument/completion", pos.clone());
        times.push(t.elapsed());
    }
    println!(
        "completion after @ ({} people): median {}",
        w.people,
        ms(median(times))
    );

    let mut times = Vec::new();
    let mut buf = with_at.clone();
    for v in 2..32 {
        buf.push('x');
        let t = Instant::now();
        s.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": buf}]}),
        );
        s.until(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == v
        });
        times.push(t.elapsed());
    }
    println!(
        "diagnostics after a keystroke in a 1,000-line note: median {}",
        ms(median(times))
    );

    let t = Instant::now();
    s.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    s.request(100, "workspace/symbol", json!({"query": "a"}));
    println!(
        "save (index sync, nothing changed on disk) to next answer: {}",
        ms(t.elapsed())
    );
    if let Some(mib) = s.peak_mib() {
        println!("server peak memory: {mib} MiB");
    }
    s.request(101, "shutdown", Value::Null);
    s.notify("exit", Value::Null);
    let _ = s.child.wait();
}
