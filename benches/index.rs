//! The performance budget (issues "Index" and "Speed"), measured in one run
//! on this machine: each figure next to its own parse floor, the time to
//! walk, read and pulldown-cmark-parse every file of that vault on all
//! cores with nothing extracted. Three vaults: the generated corpus (10,000
//! notes), 200,000 person pages with a small journal, and one note naming
//! 200,000 distinct people; the last two with every command's time and
//! peak memory, made (first run after the index) and stored (run again).
//!
//! `cargo bench --bench index`; `RELNOTES_BENCH_NOTES=100000` for the
//! scaling run of the corpus; `RELNOTES_BENCH_SCALE=N` sizes the two large
//! shapes (200,000; `0` skips them); `RELNOTES_BENCH_WRITE=DIR` only writes
//! the corpus (with `RELNOTES_BENCH_SHAPE=contacts|crowd`, that shape).
//! Figures, not assertions.

mod common;
mod corpus;
mod shapes;

use common::{bin, ms};

use std::path::{Path, PathBuf};
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

/// One run of the binary: wall time, peak resident memory and its stdout.
struct Run {
    time: Duration,
    peak_kib: u64,
    out: String,
}

/// The environment variable that makes this benchmark a spawner (see
/// [`spawner`]).
const SPAWNER: &str = "RELNOTES_BENCH_SPAWNER";
/// The spawner's last line on stderr: the child's peak memory in KiB.
const PEAK: &str = "relnotes-bench-peak-kib=";

/// Runs the binary with `args` on `root` and `index`; panics unless it
/// exits 0 (or 1, `check`'s "problems found"). The binary is started by
/// a fresh copy of this benchmark (see [`spawner`]): Linux counts the
/// memory of the process that spawns a child into the child's peak, and
/// this one has held large vaults.
fn measure(root: &Path, index: &Path, args: &[&str]) -> Run {
    measure_on(root, index, "2026-11-23", args)
}

/// [`measure`] with `--today today`.
fn measure_on(root: &Path, index: &Path, today: &str, args: &[&str]) -> Run {
    let t = Instant::now();
    let out = Command::new(std::env::current_exe().unwrap())
        .env(SPAWNER, "1")
        .arg(bin())
        .arg("--dir")
        .arg(root)
        .arg("--today")
        .arg(today)
        .env("RELNOTES_INDEX", index)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .args(args)
        .output()
        .expect("run relnotes (build it first: cargo build --release)");
    let time = t.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    let peak_kib = err
        .lines()
        .last()
        .and_then(|l| l.strip_prefix(PEAK))
        .and_then(|k| k.parse().ok())
        .unwrap_or(0);
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "relnotes {args:?} exited {code}: {err}"
    );
    Run {
        time,
        peak_kib,
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// In a spawner (a fresh process, small): runs the command line it was
/// given with this process's stdout and stderr, then prints its peak
/// resident memory (`ru_maxrss`, from `wait4`) as stderr's last line and
/// exits with its exit code.
fn spawner() -> ! {
    let mut args = std::env::args_os().skip(1);
    let program = args.next().expect("a program to run");
    let child = Command::new(program)
        .args(args)
        .env_remove(SPAWNER)
        .spawn()
        .expect("run relnotes (build it first: cargo build --release)");
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own unreaped child; both pointers are valid.
    let r = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert!(r > 0, "wait4 failed");
    eprintln!("{PEAK}{}", usage.ru_maxrss);
    std::process::exit(if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    })
}

fn run(root: &Path, index: &Path, args: &[&str]) -> (Duration, String) {
    let r = measure(root, index, args);
    (r.time, r.out)
}

fn remove_index(index: &Path) {
    for ext in ["sqlite", "sqlite-wal", "sqlite-shm"] {
        let _ = std::fs::remove_file(index.with_extension(ext));
    }
}

/// The figures of one vault, printed as a table at the end.
struct Table {
    title: String,
    floor: Duration,
    rows: Vec<(String, Duration, Option<u64>)>,
}

impl Table {
    fn new(title: String, floor: Duration) -> Table {
        println!("{title}: parse floor {}", ms(floor));
        Table {
            title,
            floor,
            rows: Vec::new(),
        }
    }

    fn add(&mut self, what: &str, time: Duration, peak_kib: Option<u64>) {
        let mem = peak_kib.map_or(String::new(), |k| format!(", {:.0} MB", k as f64 / 1024.0));
        println!("  {what}: {}{mem}", ms(time));
        self.rows.push((what.to_string(), time, peak_kib));
    }

    fn print(&self) {
        println!("\n{} (parse floor {})", self.title, ms(self.floor));
        println!("| figure | time | x floor | peak memory |");
        println!("| --- | ---: | ---: | ---: |");
        for (what, time, peak) in &self.rows {
            println!(
                "| {what} | {} | {:.2} | {} |",
                ms(*time),
                time.as_secs_f64() / self.floor.as_secs_f64(),
                peak.map_or("".to_string(), |k| format!("{:.0} MB", k as f64 / 1024.0))
            );
        }
    }
}

/// The size of the two large shapes: `RELNOTES_BENCH_SCALE`, else 200,000.
fn scale() -> usize {
    std::env::var("RELNOTES_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000)
}

fn main() {
    if std::env::var_os(SPAWNER).is_some() {
        spawner();
    }
    let notes = common::notes();
    let people = (notes / 5).max(10);
    if let Some(dir) = std::env::var_os("RELNOTES_BENCH_WRITE") {
        write_only(Path::new(&dir), notes, people);
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut tables = vec![corpus_figures(tmp.path(), notes, people)];
    let n = scale();
    if n > 0 {
        tables.push(contacts_figures(tmp.path(), n));
        tables.push(crowd_figures(tmp.path(), n));
    }
    for t in &tables {
        t.print();
    }
}

/// `RELNOTES_BENCH_WRITE=DIR`: only writes the corpus (or the shape named
/// by `RELNOTES_BENCH_SHAPE`), for trying relnotes on it by hand.
fn write_only(dir: &Path, notes: usize, people: usize) {
    let w = match std::env::var("RELNOTES_BENCH_SHAPE").as_deref() {
        Ok("contacts") => shapes::contacts(dir, scale(), journal_notes(), 42),
        Ok("crowd") => shapes::crowd(dir, scale()),
        _ => corpus::generate(dir, notes, people, 42),
    };
    println!(
        "wrote {} notes ({:.1} MB, {} mentions) to {}",
        w.notes,
        w.bytes as f64 / 1e6,
        w.mentions,
        dir.display()
    );
}

/// How many journal notes go with the person pages.
fn journal_notes() -> usize {
    (scale() / 100).max(10)
}

fn corpus_figures(tmp: &Path, notes: usize, people: usize) -> Table {
    let root = tmp.join("notes");
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
    let mut table = Table::new(format!("{notes} notes"), fl);

    let index = tmp.join("index.sqlite");
    let rounds = if notes > 20_000 { 1 } else { 3 };
    let mut peak = 0;
    let cold = best_of(rounds, || {
        remove_index(&index);
        let r = measure(&root, &index, &["index"]);
        peak = peak.max(r.peak_kib);
        r.time
    });
    table.add("cold index", cold, Some(peak));
    let (_, stats) = run(&root, &index, &["index"]);
    print!("  index stats: {stats}");
    let warm = best_of(5, || run(&root, &index, &["report"]).0);
    table.add("`report`, nothing changed", warm, None);
    let target = one_note(&root);
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
    table.add("`report`, one note changed", changed, None);
    let warm = best_of(5, || run(&root, &index, &["report"]).0);
    table.add("`report`, nothing changed (again)", warm, None);
    if std::env::var_os("RELNOTES_BENCH_NO_WHO").is_none() {
        let (_, found) = run(
            &root,
            &index,
            &["who", "hiring", "--format", "json", "--limit", "100000"],
        );
        let people = found.matches("\"handle\"").count();
        let evidence = found.matches("\"line\"").count();
        let who = best_of(5, || run(&root, &index, &["who", "hiring"]).0);
        table.add(
            &format!("`who hiring` ({people} people, {evidence} pieces of evidence)"),
            who,
            None,
        );
    }
    next_day(&mut table, &root, &index, 3);
    print_size(&index);
    table
}

fn one_note(root: &Path) -> PathBuf {
    let one = root.join("journal/2026/11/22.md");
    if one.exists() {
        return one;
    }
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_type().is_file())
        .unwrap()
        .into_path()
}

fn print_size(index: &Path) {
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let wal = index.with_extension("sqlite-wal");
    println!(
        "  index size: {:.1} MB (+ {:.1} MB WAL)",
        size(index) as f64 / 1e6,
        size(&wal) as f64 / 1e6
    );
}

/// Every reading command on a vault indexed cold: made (the first run
/// after the index) and stored (the same run again).
fn commands(table: &mut Table, root: &Path, index: &Path, show: &str, who: &str) {
    let show = ["show", show];
    let who = ["who", who];
    let runs: [&[&str]; 7] = [
        &["report"],
        &["people"],
        &["due"],
        &show,
        &["check"],
        &["export"],
        &who,
    ];
    for args in runs {
        let made = measure(root, index, args);
        table.add(
            &format!("`{}`", args.join(" ")),
            made.time,
            Some(made.peak_kib),
        );
        let stored = measure(root, index, args);
        table.add(
            &format!("`{}`, again (stored answer)", args.join(" ")),
            stored.time,
            Some(stored.peak_kib),
        );
    }
    next_day(table, root, index, 1);
}

/// `report` the next day, nothing else changed (the day's first command:
/// every person's counts are as of a new day), best of `rounds` days.
fn next_day(table: &mut Table, root: &Path, index: &Path, rounds: usize) {
    let mut day = 23;
    let mut peak = 0;
    let time = best_of(rounds, || {
        day += 1;
        let r = measure_on(root, index, &format!("2026-11-{day}"), &["report"]);
        peak = peak.max(r.peak_kib);
        r.time
    });
    table.add("`report`, the next day", time, Some(peak));
}

fn cold(table: &mut Table, root: &Path, index: &Path) {
    remove_index(index);
    let r = measure(root, index, &["index"]);
    table.add("cold index", r.time, Some(r.peak_kib));
    print_size(index);
}

fn contacts_figures(tmp: &Path, n: usize) -> Table {
    let root = tmp.join("contacts");
    let t = Instant::now();
    let w = shapes::contacts(&root, n, journal_notes(), 42);
    println!(
        "\ncontacts: {} person pages, {} journal notes, {} mentions, {:.1} MB (generated in {})",
        n,
        w.notes - n,
        w.mentions,
        w.bytes as f64 / 1e6,
        ms(t.elapsed())
    );
    let mut table = Table::new(format!("{n} person pages"), best_of(3, || floor(&root)));
    let index = tmp.join("contacts.sqlite");
    cold(&mut table, &root, &index);
    commands(
        &mut table,
        &root,
        &index,
        &shapes::contact_handle(1),
        "renewal",
    );
    table
}

fn crowd_figures(tmp: &Path, n: usize) -> Table {
    let root = tmp.join("crowd");
    let w = shapes::crowd(&root, n);
    println!(
        "\ncrowd: one note naming {} people, {:.1} MB",
        w.mentions,
        w.bytes as f64 / 1e6
    );
    let mut table = Table::new(
        format!("one note naming {n} people"),
        best_of(3, || floor(&root)),
    );
    let index = tmp.join("crowd.sqlite");
    cold(&mut table, &root, &index);
    commands(&mut table, &root, &index, "guest-000001", "met");
    table
}
