//! What the machine cannot decide, analysts close: a review queue they
//! fill in Excel, and their answers, which every following build applies.
//!
//! # Overview
//!
//! - [`queue`]: the questions whose answers change the roadmap most — near
//!   misses (two ideas the pair decision kept apart, likeliest first) and
//!   weak members (the least certain links) — ordered by expected effect,
//!   read from a build's output folder ([`Build::read`]).
//! - [`sheet`]: the queue as an XLSX workbook or a CSV file, with the
//!   columns [`COLUMNS`], in this order, so that a script can fill it too.
//! - [`answers`]: answered sheets read back (by `sborka-ingest`'s readers),
//!   each answer keyed by the normalized texts of both sides so that it
//!   survives re-exports, renamed files, reordered rows and new files;
//!   resolved against a build's texts into `sborka_dedup::Constraints`,
//!   with the stale and the conflicting answers named by file and row.
//!
//! Nothing here prints or exits; the binary wires it into `sborka review`
//! and `sborka build --decisions`.

pub mod answers;
pub mod queue;
pub mod sheet;

pub use answers::{Answer, Conflict, Problem, Resolution, read_answers, resolve};
pub use queue::{Build, Item, Kind, Question, questions};

/// The columns of the review sheet, in order: the first nine are the
/// contract (a script may fill `decision`), the rest help the reader.
pub const COLUMNS: [&str; 15] = [
    "question",
    "text_a",
    "text_b",
    "support_a",
    "support_b",
    "districts_a",
    "districts_b",
    "score",
    "decision",
    "cluster_a",
    "cluster_b",
    "id_a",
    "id_b",
    "theme",
    "level",
];
