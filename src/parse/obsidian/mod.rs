//! Obsidian's conventions (SPEC §11): what an Obsidian vault means by its
//! files. This room holds both the notes' syntax Obsidian adds and the
//! app's own settings files; a newcomer adding another app (Bear, Foam)
//! makes a room like it beside this one.

pub mod settings;
