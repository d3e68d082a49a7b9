//! What both benchmarks need: the release binary beside them, the corpus
//! size they are asked for, and how they print a duration.

use std::path::PathBuf;
use std::time::Duration;

/// The release binary: `target/release/deps/<bench>-xxxx` →
/// `target/release/relnotes`; `RELNOTES_BENCH_BIN` names another (to
/// measure two builds with one benchmark).
pub fn bin() -> PathBuf {
    if let Some(b) = std::env::var_os("RELNOTES_BENCH_BIN") {
        return PathBuf::from(b);
    }
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("relnotes")
}

/// How many notes to generate: `RELNOTES_BENCH_NOTES`, else 10,000.
pub fn notes() -> usize {
    std::env::var("RELNOTES_BENCH_NOTES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000)
}

pub fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}
