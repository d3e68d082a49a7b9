//! Logseq's conventions (SPEC §11): what a Logseq graph means by its files.
//! This room holds both the notes' syntax Logseq adds and the graph's own
//! settings (`logseq/config.edn`); a newcomer adding another app makes a
//! room like it beside this one.

pub mod settings;
