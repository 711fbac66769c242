//! Prints how well `sborka search` answers the labelled query set
//! (`fixtures/queries/queries.toml`): per query the relevant proposals,
//! the proposals found, the relevant ones among them, recall and precision
//! at 10, and the means; once as the search runs by default and once with
//! `--exact` (no lexicon, no typos).
//!
//!     target/release/sborka build fixtures/exports --out /tmp/qs-out
//!     cargo run --release -p sborka-index --example queries -- /tmp/qs-out
//!
//! The ids are those of a build of the bundled sample (`fixtures/exports`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use sborka_index::Searcher;
use sborka_index::eval::{QuerySet, evaluate};

fn main() {
    let Some(out) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: queries OUT_DIR (a build of fixtures/exports)");
        std::process::exit(2);
    };
    let set = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/queries/queries.toml");
    let text = std::fs::read_to_string(&set).unwrap_or_else(|e| panic!("{}: {e}", set.display()));
    let set = QuerySet::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", set.display()));
    let catalog = sborka_core::Catalog::embedded();
    let searcher = Searcher::open(&out.join("index"), &catalog)
        .unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2);
        })
        .with_lexicon(&sborka_text::Lexicon::embedded());
    for (title, exact) in [("default", false), ("--exact", true)] {
        let report = evaluate(&searcher, &set, exact).expect("the queries run");
        println!("## {title}\n\n{report}\n");
    }
}
