//! Integration tests: the real binary on real temp folders.
