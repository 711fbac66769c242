//! Plays an analyst from a labelled set's ideas: builds, answers the review
//! queue in order (25 answers a night), builds again with every answer so
//! far, and prints the pairwise F1 after each night.
//!
//!     cargo run --release -p sborka-review --example analyst -- [gold|validation] [NIGHTS]

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/support/analyst.rs"]
mod analyst;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let set = args.first().map_or("gold", String::as_str);
    let nights: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(12);
    let data = analyst::load(set).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    });
    println!(
        "{set}: {} rows, {} ideas",
        data.texts.len(),
        data.ideas_count()
    );
    println!("answers  F1     precision  recall  ideas");
    let per_night: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(25);
    for step in analyst::play(&data, nights, per_night) {
        println!(
            "{:>7}  {:.3}  {:.3}      {:.3}   {}",
            step.answers, step.f1, step.precision, step.recall, step.clusters
        );
    }
}
