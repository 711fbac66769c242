//! End-to-end tests of the `sborka` binary: one test binary, one module per
//! command.

// Running the binary, temporary folders, reading outputs.
mod util;

// `sborka build`: outputs, accounting invariant, determinism, exit codes.
mod build;

// `sborka check`: per-file diagnostics without building.
mod check;

// `sborka search`: word forms, facets, grouping, exit codes.
mod search;
