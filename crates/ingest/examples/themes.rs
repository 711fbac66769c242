//! How well a theme is inferred from a proposal's text: on proposals whose
//! export gives a theme the catalogue places, that theme is set aside and
//! the text alone is read (`Catalog::infer_theme`), as for a record
//! without one.
//!
//!     cargo run --release -p sborka-ingest --example themes
//!     cargo run --release -p sborka-ingest --example themes -- --misses   # the sample's misses
//!     cargo run --release -p sborka-ingest --example themes -- --curve    # the sample's, by floor
//!
//! Two sets: the bundled sample (`fixtures/exports`), on which the
//! keywords and the floor of `catalog/themes.toml` were tuned, so its
//! figures are optimistic; and `fixtures/validation/proposals.csv`,
//! written blind and never tuned on (its `theme` column holds catalogue
//! slugs). `--misses` lists the sample's wrong and unplaced texts only:
//! the validation set's are not printed, so that no one tunes on them.
//! Prints, per set, the proposals measured, how many were placed and how
//! many of those were right.

// It prints what it finds: the rule against printing is for libraries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sborka_core::{Catalog, Field, Proposal, ThemeId};

/// What one set gave.
#[derive(Default)]
struct Tally {
    measured: usize,
    placed: usize,
    right: usize,
}

impl Tally {
    fn line(&self, name: &str) -> String {
        let share = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
        format!(
            "{name}: {} proposals with a theme; placed from the text alone {} ({:.1} %), \
             right {} of those ({:.1} %)",
            self.measured,
            self.placed,
            share(self.placed, self.measured),
            self.right,
            share(self.right, self.placed)
        )
    }
}

/// The proposals of every export under `path` whose theme the export gave
/// and the catalogue placed, with that theme.
fn labelled(path: &Path, catalog: &Catalog) -> Vec<(Proposal, ThemeId)> {
    let found = sborka_ingest::discover(&[path.to_path_buf()]).expect("the fixtures are there");
    let mut out = Vec::new();
    for input in &found.inputs {
        let read = sborka_ingest::read_file(input, catalog);
        assert!(
            read.report.error.is_none(),
            "{}: {:?}",
            input.name,
            read.report.error
        );
        for p in read.proposals {
            // Given by the export, not inferred (from the text or a title).
            if let Some(theme) = p.facets.theme.known()
                && !p.inferred.contains(&Field::Theme)
            {
                out.push((p, theme));
            }
        }
    }
    out
}

fn measure(
    catalog: &Catalog,
    set: &[(Proposal, ThemeId)],
    mut miss: impl FnMut(&Proposal, ThemeId, Option<ThemeId>),
) -> Tally {
    let mut tally = Tally::default();
    for (p, theme) in set {
        tally.measured += 1;
        let guess = catalog.infer_theme(&p.text).map(|g| g.theme);
        if let Some(guess) = guess {
            tally.placed += 1;
            if guess == *theme {
                tally.right += 1;
                continue;
            }
        }
        miss(p, *theme, guess);
    }
    tally
}

fn main() -> ExitCode {
    let misses = std::env::args().any(|a| a == "--misses");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let catalog = Catalog::embedded();
    let slug =
        |t: Option<ThemeId>| t.map_or("—".to_string(), |t| catalog.theme_info(t).slug.clone());

    let sample = labelled(&root.join("fixtures/exports"), &catalog);
    let tally = measure(&catalog, &sample, |p, want, got| {
        if misses {
            println!(
                "{} → {} | {} | {}",
                slug(Some(want)),
                slug(got),
                p.id(),
                p.text
            );
        }
    });
    println!("{}", tally.line("sample (fixtures/exports, tuned on)"));
    if std::env::args().any(|a| a == "--curve") {
        // Placed and right at higher floors, on the sample only: the floor
        // is chosen here, never on the validation set.
        let guesses: Vec<(f32, bool)> = sample
            .iter()
            .filter_map(|(p, want)| {
                catalog
                    .infer_theme(&p.text)
                    .map(|g| (g.confidence, g.theme == *want))
            })
            .collect();
        for floor in [0.57f32, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95] {
            let placed = guesses.iter().filter(|(c, _)| *c >= floor).count();
            let right = guesses.iter().filter(|(c, ok)| *c >= floor && *ok).count();
            println!(
                "  floor {floor:.2}: placed {placed} ({:.1} %), right {right} ({:.1} %)",
                100.0 * placed as f64 / sample.len().max(1) as f64,
                100.0 * right as f64 / placed.max(1) as f64
            );
        }
    }

    let validation = labelled(&root.join("fixtures/validation/proposals.csv"), &catalog);
    let tally = measure(&catalog, &validation, |_, _, _| {});
    println!(
        "{}",
        tally.line("validation (fixtures/validation/proposals.csv, written blind, not tuned on)")
    );
    ExitCode::SUCCESS
}
