//! End-to-end tests of the `sborka` binary: one test binary, one module per
//! command.

// It prints what it finds: the rule against printing is for libraries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

// Running the binary, temporary folders, reading outputs.
mod util;

// `sborka build`: outputs, accounting invariant, determinism, exit codes.
mod build;

// `sborka check`: per-file diagnostics without building.
mod check;

// `sborka search`: word forms, facets, grouping, exit codes.
mod search;

// `sborka serve`: the JSON API against the CLI, malformed requests, and the
// page in headless Chromium (needs `chromium`: skipped when absent, except in CI).
mod serve;

// Every kind of export (fixtures/messy): the truth table, unreadable files.
mod ingest;

// Exports no one here wrote (fixtures/foreign): the text found in any
// table, no file passed over in silence, labels read as a person reads them.
mod foreign;

// Publishing: a killed build leaves the previous output, one build at a time.
mod publish;

// The roadmap documents (HTML, DOCX, Markdown, JSON) on hostile input.
mod roadmap;

// `sborka review` and `build --decisions`: the analyst's loop.
mod review;
// Personal data: an export full of it leaves none in any published output.
mod personal;

// roadmap.xlsx: read back by sborka's reader, idea for idea with
// roadmap.json, the same bytes on any threads, and LibreOffice (needs
// `soffice`: skipped with a note when absent).
mod xlsx;

// A second night: changes.json's six lists and the documents' section.
mod changes;
