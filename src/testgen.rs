//! Strings for the differential tests: a fast path held against the code
//! or pattern it replaces over many inputs, the same on every run.

/// `n` strings of up to 15 pieces of `alphabet`, from a fixed linear
/// congruential generator: the same strings on every run.
pub fn strings(alphabet: &[&str], n: usize) -> Vec<String> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(state >> 33).unwrap_or(0)
    };
    (0..n)
        .map(|_| {
            let len = next() % 16;
            (0..len)
                .map(|_| alphabet[next() % alphabet.len()])
                .collect()
        })
        .collect()
}
