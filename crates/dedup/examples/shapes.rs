//! Why labelled pairs were kept apart, and the shape of those the twin rule
//! refused: how many content words of its own each side has.
//!
//!     cargo run --release -p sborka-dedup --example shapes -- [SET...]
//!
//! `SET` as for the `quality` example (default: all). Headline sets use
//! their labels (`1` the same meaning, `0` close, `-1` different); on
//! proposal sets the labelled paraphrase pairs count as `1` and every pair
//! of rows of two twin ideas as `-1`. Each pair is decided alone (no
//! candidate step, no stars), as `Deduper::describe_pairs` does.
//!
//! It shows where a looser twin rule would take recall from and what it
//! would let through: a pair whose sides each have one word of their own
//! is a synonym swap in a headline and the textbook twin in a proposal.

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "support/sets.rs"]
mod sets;

use std::collections::BTreeMap;

use sborka_dedup::{Deduper, Refusal};

fn main() {
    let mut names: Vec<String> = std::env::args().skip(1).collect();
    if names.is_empty() {
        names = sets::NAMES.iter().map(|n| n.to_string()).collect();
    }
    let deduper = Deduper::new();
    for name in &names {
        let set = sets::load(name).unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(1)
        });
        let labelled = labelled(&set);
        let prepared = deduper.prepare(&set.texts);
        let pairs: Vec<(usize, usize)> = labelled.iter().map(|&(a, b, _)| (a, b)).collect();
        let views = deduper.describe_pairs(&prepared, &pairs);
        // (class, outcome) → pairs; (class, fewer own words, more) → twins.
        let mut outcomes: BTreeMap<(i8, &str), usize> = BTreeMap::new();
        let mut shapes: BTreeMap<(i8, usize, usize), usize> = BTreeMap::new();
        for (&(_, _, class), view) in labelled.iter().zip(&views) {
            let outcome = match &view.verdict {
                Ok(_) => "merged",
                Err(Refusal::Twin) => "twin rule",
                Err(Refusal::Unlikely(_)) => "model",
                Err(Refusal::Dissimilar(_)) => "dissimilar",
                Err(Refusal::Numbers) => "numbers",
                Err(Refusal::Groups) => "groups",
                Err(Refusal::Antonyms) => "antonyms",
                Err(Refusal::Negation) => "negation",
            };
            *outcomes.entry((class, outcome)).or_default() += 1;
            if matches!(view.verdict, Err(Refusal::Twin)) {
                let (a, b) = (view.own_words.0.len(), view.own_words.1.len());
                *shapes
                    .entry((class, a.min(b).min(4), a.max(b).min(4)))
                    .or_default() += 1;
            }
        }
        println!("## {name}: {} labelled pairs", labelled.len());
        println!("class  outcome      pairs");
        for ((class, outcome), n) in &outcomes {
            println!("{class:>5}  {outcome:<11} {n:>6}");
        }
        println!(
            "refused by the twin rule, by own content words (fewer side, more side; 4 = 4 or more):"
        );
        println!("class  own    pairs");
        for ((class, a, b), n) in &shapes {
            println!("{class:>5}  {a}/{b} {n:>8}");
        }
    }
}

/// The set's labelled pairs: headline pairs as labelled; on proposal sets
/// the paraphrase pairs (`1`) and every row pair of two twin ideas (`-1`).
fn labelled(set: &sets::Set) -> Vec<(usize, usize, i8)> {
    let mut pairs = set.pairs.clone();
    let rows = |idea: &str| -> Vec<usize> {
        (0..set.texts.len())
            .filter(|&i| set.ideas[i] == idea)
            .collect()
    };
    for (a, b, _) in &set.twins {
        for &i in &rows(a) {
            pairs.extend(rows(b).into_iter().map(|j| (i, j, -1)));
        }
    }
    pairs.extend(set.paraphrases.iter().map(|&(a, b)| (a, b, 1)));
    pairs
}
