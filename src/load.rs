//! Walk → read → parse, in parallel: every note's facts, with every
//! problem met on the way. What answers from memory (no index) start from. Every file is parsed on its own, so a
//! failure in one note never stops the others.

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use crate::config::Config;
use crate::model::{Diagnostic, NoteFacts};
use crate::walk::{read_note, walk, Loaded, NoteFile};

/// What a load saw and did, for `relnotes index`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub seen: usize,
    pub parsed: usize,
    pub skipped: usize,
    pub millis: u128,
}

/// The facts of one note's text, as every path keeps them: parsed, and
/// pruned of entries that change no answer.
pub fn note_facts(rel: &str, text: &str, cfg: &Config) -> NoteFacts {
    crate::parse::parse_note_pruned(rel, text, &cfg.parse)
}

/// Reads and parses one note; `None` when it is skipped or a report.
pub fn load_note(file: &NoteFile, cfg: &Config) -> (Option<NoteFacts>, Option<Diagnostic>) {
    match read_note(file) {
        Loaded::Text(text, warn) => (Some(note_facts(&file.rel, &text, cfg)), warn),
        Loaded::Report => (None, None),
        Loaded::Skipped(d) => (None, Some(d)),
    }
}

/// Loads every note below `root`, in path order.
pub fn load(root: &Path, cfg: &Config) -> (Vec<NoteFacts>, Vec<Diagnostic>, Stats) {
    let started = Instant::now();
    let w = walk(root, cfg);
    let results: Vec<_> = w.files.par_iter().map(|f| load_note(f, cfg)).collect();
    let mut diags = w.diagnostics;
    let mut notes = Vec::with_capacity(results.len());
    let mut stats = Stats {
        seen: w.files.len(),
        ..Stats::default()
    };
    for (facts, diag) in results {
        match facts {
            Some(f) => {
                stats.parsed += 1;
                notes.push(f);
            }
            None => stats.skipped += 1,
        }
        diags.extend(diag);
    }
    stats.millis = started.elapsed().as_millis();
    (notes, diags, stats)
}
