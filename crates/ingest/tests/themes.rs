//! Theme inference on the bundled sample (fixtures/exports), the set its
//! keywords were tuned on: with each given theme set aside, the text alone
//! must place at least 70 % of the proposals and be right on at least 80 %
//! of those (`cargo run --release -p sborka-ingest --example themes`
//! prints the figures, and those of the validation set, never tuned on).
//! A theme the export gives is never replaced.

use std::path::PathBuf;

use sborka_core::{Catalog, Field};

#[test]
fn the_sample_is_placed_by_its_text() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/exports");
    let catalog = Catalog::embedded();
    let found = sborka_ingest::discover(&[root]).unwrap();
    let (mut measured, mut placed, mut right, mut from_text) = (0u32, 0u32, 0u32, 0u32);
    for input in &found.inputs {
        let read = sborka_ingest::read_file(input, &catalog);
        assert!(read.report.error.is_none(), "{}", input.name);
        for p in &read.proposals {
            if p.theme_confidence.is_some() {
                // Inferred only where the export gave no theme the
                // catalogue places.
                assert!(p.inferred.contains(&Field::Theme), "{}", p.id());
                assert!(p.extra.contains_key("theme"), "{}", p.id());
                from_text += 1;
                continue;
            }
            let Some(given) = p.facets.theme.known() else {
                continue;
            };
            if p.inferred.contains(&Field::Theme) {
                continue;
            }
            measured += 1;
            if let Some(guess) = catalog.infer_theme(&p.text) {
                placed += 1;
                right += u32::from(guess.theme == given);
            }
        }
    }
    assert!(measured > 600, "{measured}");
    assert!(from_text > 0);
    assert!(
        placed * 100 >= measured * 70,
        "placed {placed} of {measured}"
    );
    assert!(right * 100 >= placed * 80, "right {right} of {placed}");
}
