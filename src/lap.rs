//! Where a run's time goes: each phase's wall time, logged at debug level
//! (`RUST_LOG=relnotes=debug`). Costs next to nothing when not logged.

use std::cell::Cell;
use std::time::Instant;

/// A stopwatch that logs the time since its last lap.
pub struct Lap(Cell<Instant>);

impl Lap {
    pub fn new() -> Lap {
        Lap(Cell::new(Instant::now()))
    }

    /// Logs `what` took the time since the last lap (or the start).
    pub fn done(&self, what: &str) {
        let now = Instant::now();
        tracing::debug!("{what}: {:.1} ms", (now - self.0.get()).as_secs_f64() * 1e3);
        self.0.set(now);
    }
}

impl Default for Lap {
    fn default() -> Lap {
        Lap::new()
    }
}
