//! relnotes turns a folder of ordinary Markdown notes into a relationship
//! journal. Data flows one way:
//!
//! `walk` (notes on disk) → `parse` (one note's facts, pure) → `vault`
//! (people resolved across notes) → `query` (answers for a given today) →
//! `render` (text, Markdown, JSON, ICS). `load` runs the first three in
//! parallel; `app` is the thin layer of commands; `check` gathers problems.

pub mod app;
pub mod check;
pub mod cli;
pub mod config;
pub mod dates;
pub mod error;
pub mod index;
pub mod lap;
pub mod ledger;
pub mod load;
pub mod lsp;
pub mod model;
pub mod output;
pub mod parse;
pub mod query;
pub mod render;
pub mod resolve;
pub mod setup;
pub mod source;
#[cfg(test)]
mod testgen;
pub mod vault;
pub mod walk;
pub mod watch;
pub mod who;
pub mod words;
