//! The performance budget (issue "Index"), measured in one run on this
//! machine: each figure next to the parse floor, the time to walk, read and
//! pulldown-cmark-parse every file on all cores with nothing extracted.
//!
//! `cargo bench --bench index` (10,000 notes); `RELNOTES_BENCH_NOTES=100000`
//! for the scaling run; `RELNOTES_BENCH_WRITE=DIR` only writes the corpus.
//! Figures, not assertions.

mod common;
mod corpus;

use common::{bin, ms};

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rayon::prelude::*;

fn floor(root: &Path) -> Duration {
    let t = Instant::now();
    let files: Vec<_> = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(walkdir::DirEntry::into_path)
        .collect();
    let events: usize = files
        .par_iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            pulldown_cmark::Parser::new_ext(&text, pulldown_cmark::Options::all())
                .into_offset_iter()
                .count()
        })
        .sum();
    std::hint::black_box(events);
    t.elapsed()
}

fn best_of(n: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..n).map(|_| f()).min().unwrap_or_default()
}

/// Runs the binary; returns wall time and its stdout.
fn run(root: &Path, index: &Path, args: &[&str]) -> (Duration, String) {
    let t = Instant::now();
    let out = Command::new(bin())
        .arg("--dir")
        .arg(root)
        .arg("--today")
        .arg("2026-11-23")
        .env("RELNOTES_INDEX", index)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run relnotes (build it first: cargo build --release)");
    let el = t.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (el, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn main() {
    let notes = common::notes();
    let people = (notes / 5).max(10);
    if let Some(dir) = std::env::var_os("RELNOTES_BENCH_WRITE") {
        // Only write the corpus, for trying relnotes on it by hand.
        let w = corpus::generate(Path::new(&dir), notes, people, 42);
        println!(
            "wrote {} notes ({:.1} MB, {} mentions) to {}",
            w.notes,
            w.bytes as f64 / 1e6,
            w.mentions,
            Path::new(&dir).display()
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("notes");
    let t = Instant::now();
    let w = corpus::generate(&root, notes, people, 42);
    println!(
        "corpus: {} notes, {:.1} MB, {} mentions, {} people (generated in {})",
        w.notes,
        w.bytes as f64 / 1e6,
        w.mentions,
        w.people,
        ms(t.elapsed())
    );
    let fl = best_of(3, || floor(&root));
    println!(
        "parse floor (walk + read + pulldown-cmark, all cores): {}",
        ms(fl)
    );
    let ratio = |d: Duration| d.as_secs_f64() / fl.as_secs_f64();

    let index = tmp.path().join("index.sqlite");
    let rounds = if notes > 20_000 { 1 } else { 3 };
    let cold = best_of(rounds, || {
        let _ = std::fs::remove_file(&index);
        let _ = std::fs::remove_file(index.with_extension("sqlite-wal"));
        let _ = std::fs::remove_file(index.with_extension("sqlite-shm"));
        run(&root, &index, &["index"]).0
    });
    println!("cold index: {} ({:.2} x floor)", ms(cold), ratio(cold));
    let (_, stats) = run(&root, &index, &["index"]);
    print!("  index stats: {stats}");
    let warm = best_of(5, || run(&root, &index, &["report"]).0);
    println!(
        "report, nothing changed: {} ({:.2} x floor)",
        ms(warm),
        ratio(warm)
    );
    let one = root.join("journal/2026/11/22.md");
    let target = if one.exists() {
        one
    } else {
        walkdir::WalkDir::new(&root)
            .into_iter()
            .filter_map(Result::ok)
            .find(|e| e.file_type().is_file())
            .unwrap()
            .into_path()
    };
    let mut i = 0;
    let changed = best_of(5, || {
        i += 1;
        let mut text = std::fs::read_to_string(&target).unwrap();
        text.push_str(&format!(
            "\n- 2026-11-22 bench edit {i} with @alice-chen #gave\n"
        ));
        std::fs::write(&target, text).unwrap();
        run(&root, &index, &["report"]).0
    });
    println!(
        "report, one note changed: {} ({:.2} x floor)",
        ms(changed),
        ratio(changed)
    );
    let warm = best_of(5, || run(&root, &index, &["report"]).0);
    println!("report, nothing changed (again): {}", ms(warm));
    if std::env::var_os("RELNOTES_BENCH_NO_WHO").is_none() {
        let (_, found) = run(
            &root,
            &index,
            &["who", "hiring", "--format", "json", "--limit", "100000"],
        );
        let people = found.matches("\"handle\"").count();
        let evidence = found.matches("\"line\"").count();
        let who = best_of(5, || run(&root, &index, &["who", "hiring"]).0);
        println!(
            "who hiring, nothing changed: {} ({people} people, {evidence} pieces of evidence)",
            ms(who)
        );
    }
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let wal = index.with_extension("sqlite-wal");
    println!(
        "index size: {:.1} MB (+ {:.1} MB WAL)",
        size(&index) as f64 / 1e6,
        size(&wal) as f64 / 1e6
    );
}
