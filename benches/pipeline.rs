//! Stage benchmarks of the build pipeline, in process, on a generated
//! corpus. Each stage's result is checked, so a fast wrong answer fails.
//!
//!     cargo bench --bench pipeline -- [ROWS]      (default 100000)

// It prints what it finds: the rule against printing is for libraries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[allow(dead_code)]
#[path = "../examples/gen_corpus.rs"]
mod gen_corpus;

use std::time::{Duration, Instant};

use sborka_core::Catalog;

/// Runs `f` `runs` times; returns the fastest time and the last result.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let out = f();
        best = best.min(started.elapsed());
        last = Some(out);
    }
    (best, last.expect("runs > 0"))
}

fn main() {
    let rows: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let path = tmp.path().join("corpus.csv");
    let ideas = gen_corpus::generate(rows, &path, 2018).expect("the corpus is written");
    let catalog = Catalog::embedded();
    let input = sborka_ingest::Input {
        name: "corpus.csv".to_string(),
        path: path.clone(),
    };
    let report = |stage: &str, d: Duration| {
        println!(
            "{stage:>10}: {:>9.1} ms  {:>10.0} rows/s",
            d.as_secs_f64() * 1e3,
            rows as f64 / d.as_secs_f64()
        );
    };
    println!("pipeline stages on {rows} generated rows ({ideas} ideas), best of 3");

    let (d, outcome) = best(3, || sborka_ingest::read_file(&input, &catalog));
    assert_eq!(outcome.report.accepted as usize, rows, "every row accepted");
    report("read", d);
    let proposals = outcome.proposals;

    let deduper = sborka_dedup::Deduper::new();
    let texts: Vec<&str> = proposals.iter().map(|p| p.text.as_str()).collect();
    let (d, prepared) = best(3, || deduper.prepare(&texts));
    assert_eq!(prepared.len(), rows);
    report("normalize", d);

    let (d, clusters) = best(3, || deduper.cluster(&prepared));
    let members: usize = clusters.iter().map(|c| c.members.len()).sum();
    assert_eq!(members, rows, "every proposal in one cluster");
    assert!(clusters.len() < rows, "copies were merged");
    assert!(clusters.len() >= ideas / 2, "distinct ideas kept apart");
    report("cluster", d);

    let (d, ()) = best(1, || {
        let dir = tmp.path().join("index");
        let options = sborka_index::BuildOptions {
            parts: 2,
            ..Default::default()
        };
        sborka_index::build(&dir, &proposals, &clusters, &catalog, &options)
            .expect("the index is written");
        let searcher = sborka_index::Searcher::open(&dir, &catalog).expect("the index opens");
        assert_eq!(searcher.len() as usize, rows, "every proposal indexed");
    });
    report("index", d);

    let (d, roadmap) = best(3, || {
        sborka_roadmap::assemble(&sborka_roadmap::Input {
            catalog: &catalog,
            proposals: &proposals,
            clusters: &clusters,
            quarantined: &[],
            masked: Default::default(),
            date: None,
            merging: Default::default(),
        })
    });
    assert_eq!(roadmap.totals.proposals as usize, rows);
    report("assemble", d);

    let (d, documents) = best(3, || sborka_roadmap::render_all(&roadmap));
    assert!(
        documents.iter().all(|(_, bytes)| bytes.len() > rows),
        "documents written"
    );
    report("render", d);
}
