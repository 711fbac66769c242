//! Prints digests of everything normalization and clustering produce for a
//! corpus, so that a change meant to be a pure speed-up can be shown to
//! change nothing: run it before and after, compare the lines.
//!
//!     cargo run --release -p sborka-dedup --example digest -- CORPUS.csv
//!     cargo run --release -p sborka-dedup --example digest               # the gold set
//!
//! `CORPUS.csv` has a `text` column (the root example `gen_corpus` writes
//! one). The digests are FNV-1a over, in row order: `normalize`,
//! `match_key`, the tokens (range and term) of the plain and the folding
//! analyzer, the terms clustering compares (`Deduper::terms`), and the
//! clusters (members, representative, id, verbatim count).

// It prints what it finds: the rule against printing is for libraries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sborka_dedup::Deduper;
use sborka_text::{Analyzer, match_key, normalize};

/// FNV-1a fed piece by piece.
struct Digest(u64);

impl Digest {
    fn new() -> Digest {
        Digest(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
}

/// The digest of `f` applied to every text, in row order.
fn per_text(texts: &[String], f: impl Fn(&str, &mut Digest) + Sync) -> u64 {
    let each: Vec<u64> = texts
        .par_iter()
        .map(|t| {
            let mut d = Digest::new();
            f(t, &mut d);
            d.0
        })
        .collect();
    let mut all = Digest::new();
    each.iter().for_each(|&h| all.u64(h));
    all.0
}

fn tokens(analyzer: &Analyzer, text: &str, d: &mut Digest) {
    analyzer.for_each_token(text, |t| {
        d.u64(t.start as u64);
        d.u64(t.end as u64);
        d.bytes(t.term.as_bytes());
        d.bytes(b"\0");
    });
}

fn read(path: &Path) -> Vec<String> {
    let fail = |e: &dyn std::fmt::Display| -> ! {
        eprintln!("{}: {e}", path.display());
        std::process::exit(1)
    };
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| fail(&e));
    let headers = reader.headers().unwrap_or_else(|e| fail(&e)).clone();
    let column = headers
        .iter()
        .position(|h| h == "text")
        .unwrap_or_else(|| fail(&"no `text` column"));
    reader
        .records()
        .map(|r| {
            r.map(|r| r[column].to_string())
                .unwrap_or_else(|e| fail(&e))
        })
        .collect()
}

fn main() {
    let path = std::env::args().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/gold/gold.csv"),
        PathBuf::from,
    );
    let texts = read(&path);
    let plain = Analyzer::new();
    let deduper = Deduper::new();
    let folding = deduper.analyzer();
    println!("texts      {}", texts.len());
    let line = |name: &str, digest: u64| println!("{name:<10} {digest:016x}");
    line(
        "normalize",
        per_text(&texts, |t, d| d.bytes(normalize(t).as_bytes())),
    );
    line(
        "match_key",
        per_text(&texts, |t, d| d.bytes(match_key(t).as_bytes())),
    );
    line("plain", per_text(&texts, |t, d| tokens(&plain, t, d)));
    line("folding", per_text(&texts, |t, d| tokens(folding, t, d)));
    line(
        "terms",
        per_text(&texts, |t, d| {
            for term in deduper.terms(t) {
                d.bytes(term.as_bytes());
                d.bytes(b"\0");
            }
        }),
    );
    let clusters = deduper.cluster(&deduper.prepare(&texts));
    let mut d = Digest::new();
    for c in &clusters {
        d.u64(c.members.len() as u64);
        c.members.iter().for_each(|&m| d.u64(u64::from(m)));
        d.u64(u64::from(c.representative));
        d.u64(c.id.0);
        d.u64(u64::from(c.verbatim));
    }
    println!("clusters   {}", clusters.len());
    line("clustering", d.0);
}
