//! Writes, for each row of the gold set, what clustering compares, as TSV
//! on standard output: `id`, the folded terms (`|`-separated, boilerplate
//! opening dropped), the target-group terms, the polarity on each antonym
//! pair of the lexicon (`1`, `-1`, `0`, comma-separated) and the text. For
//! experiments outside Rust (`scripts/dedup_semantic_probe.py`).
//!
//!     cargo run --release -p sborka-dedup --example gold_terms > target/gold_terms.tsv

use std::path::Path;

fn main() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/gold/gold.csv");
    let deduper = sborka_dedup::Deduper::new();
    let Some(lexicon) = deduper.analyzer().lexicon() else {
        eprintln!("the deduper has no lexicon");
        std::process::exit(1)
    };
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| {
        eprintln!("{}: {e}", path.display());
        std::process::exit(1)
    });
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1)
        });
        let (id, text) = (&record[0], &record[3]);
        let terms = deduper.terms(text);
        let groups: Vec<&str> = terms
            .iter()
            .filter(|t| lexicon.is_group(t))
            .map(String::as_str)
            .collect();
        let polarity: Vec<String> = lexicon
            .polarities(&terms)
            .iter()
            .map(i8::to_string)
            .collect();
        println!(
            "{id}\t{}\t{}\t{}\t{}",
            terms.join("|"),
            groups.join("|"),
            polarity.join(","),
            text.replace(['\t', '\n'], " ")
        );
    }
}
