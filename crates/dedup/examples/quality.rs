//! Prints the quality of sborka's clustering on every labelled set, and
//! with `--peers` that of the two Python peers (`../shared/peers/`) on the
//! same rows, side by side.
//!
//!     cargo run --release -p sborka-dedup --example quality -- [SET...] [--peers] [--explain]
//!
//! `SET` is `gold`, `validation`, `tune` or `check` (default: all four; see
//! `support/sets.rs` for which were tuned on). On proposal sets: pairwise
//! precision, recall, F1, recall on the paraphrase pairs and the share of
//! twin row pairs merged. On the headline pairs: the share of each class
//! of pair (`1` the same meaning, `0` close, `-1` different) that ended in
//! one cluster. `--explain` lists wrong merges and, on proposal sets, the
//! ideas split; `--twins` the twin pairs merged by kind; `--threshold P`
//! sets the pair model's operating point.
//!
//! `--peers` writes each set's rows as the peers' CSV
//! (`id,district,theme,level,text`) into a temporary folder, runs
//! `peer_py.py` (MinHash LSH, its default threshold 0.5) and
//! `peer_tfidf.py` (TF-IDF + average linkage, at 0.6, its best threshold
//! on the peers' own labelled set), and reads their `assign.tsv`; it needs
//! `pip install datasketch pystemmer tantivy scikit-learn`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "support/sets.rs"]
mod sets;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use sborka_dedup::Deduper;
use sborka_dedup::eval::{pair_classes, pairwise};
use sets::Set;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let value = |f: &str| -> Option<f32> {
        let i = args.iter().position(|a| a == f)?;
        Some(
            args.get(i + 1)
                .and_then(|t| t.parse().ok())
                .unwrap_or_else(|| {
                    eprintln!("{f} needs a number");
                    std::process::exit(2)
                }),
        )
    };
    let mut names: Vec<&str> = args
        .iter()
        .filter(|a| sets::NAMES.contains(&a.as_str()))
        .map(String::as_str)
        .collect();
    if names.is_empty() {
        names = sets::NAMES.to_vec();
    }
    let mut config = sborka_dedup::Config::default();
    if let Some(p) = value("--threshold") {
        config.threshold = Some(p);
    }
    let deduper = Deduper::new().with_config(config);
    for name in names {
        let set = sets::load(name).unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(1)
        });
        println!("## {name}: {} rows", set.texts.len());
        let ours = labels(&deduper, &set.texts);
        show(&set, "sborka", &ours);
        if flag("--explain") {
            explain(&set, &ours);
        }
        if flag("--twins") && set.has_ideas() {
            twins_by_kind(&set, &ours);
        }
        if flag("--peers") {
            for (peer, threshold) in [("peer_py", "0.5"), ("peer_tfidf", "0.6")] {
                match run_peer(peer, threshold, &set) {
                    Ok(labels) => show(&set, peer, &labels),
                    Err(e) => eprintln!("{peer}: {e}"),
                }
            }
        }
    }
}

/// The cluster of each text, by sborka.
fn labels(deduper: &Deduper, texts: &[String]) -> Vec<usize> {
    let mut predicted = vec![usize::MAX; texts.len()];
    for (c, cluster) in deduper.cluster(&deduper.prepare(texts)).iter().enumerate() {
        for &m in &cluster.members {
            predicted[m as usize] = c;
        }
    }
    predicted
}

fn show<P: Ord>(set: &Set, who: &str, predicted: &[P]) {
    if set.has_ideas() {
        let twins: Vec<(String, String)> = set
            .twins
            .iter()
            .map(|(a, b, _)| (a.clone(), b.clone()))
            .collect();
        let m = pairwise(predicted, &set.ideas, &set.paraphrases, &twins);
        println!(
            "{who:<10} precision {:.3}  recall {:.3}  F1 {:.3}  paraphrase recall {:.3}  twin row pairs merged {:.1}%  twin ideas touched {}/{}  clusters {} (ideas {})",
            m.precision,
            m.recall,
            m.f1,
            m.paraphrase_recall,
            100.0 * m.twins_merged,
            m.twin_ideas_touched.0,
            m.twin_ideas_touched.1,
            m.clusters,
            m.ideas
        );
    } else {
        let m = pair_classes(predicted, &set.pairs);
        let shown: Vec<String> = m
            .classes
            .iter()
            .map(|&(c, merged, total)| {
                format!(
                    "class {c:>2}: {:>5.1}% ({merged}/{total})",
                    100.0 * merged as f64 / total.max(1) as f64
                )
            })
            .collect();
        println!("{who:<10} merged  {}", shown.join("   "));
    }
}

/// Wrong merges, and on proposal sets the ideas split.
fn explain(set: &Set, predicted: &[usize]) {
    let mut clusters: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &c) in predicted.iter().enumerate() {
        clusters.entry(c).or_default().push(i);
    }
    if !set.has_ideas() {
        println!("\nmerged pairs labelled different (-1):");
        for &(a, b, class) in &set.pairs {
            if class == -1 && predicted[a] == predicted[b] {
                println!("  {}  |  {}", set.texts[a], set.texts[b]);
            }
        }
        return;
    }
    println!("\nwrong merges (cluster: rows of other ideas):");
    for rows in clusters.values() {
        let mut ideas: Vec<&str> = rows.iter().map(|&r| set.ideas[r].as_str()).collect();
        ideas.sort_unstable();
        ideas.dedup();
        if ideas.len() > 1 {
            println!("  cluster:");
            for &r in rows {
                println!("    {} [{}] {}", set.ids[r], set.ideas[r], set.texts[r]);
            }
        }
    }
    println!("\nsplit ideas (idea: clusters):");
    let mut by_idea: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, idea) in set.ideas.iter().enumerate() {
        by_idea.entry(idea).or_default().push(i);
    }
    for (idea, rows) in by_idea {
        let mut cs: Vec<usize> = rows.iter().map(|&r| predicted[r]).collect();
        cs.sort_unstable();
        cs.dedup();
        if cs.len() > 1 {
            println!("  {idea}:");
            for &r in &rows {
                println!("    c{} {} {}", predicted[r], set.ids[r], set.texts[r]);
            }
        }
    }
}

/// The twin idea pairs with a merged row pair, by what differs.
fn twins_by_kind(set: &Set, predicted: &[usize]) {
    let mut kinds: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (a, b, kind) in &set.twins {
        let rows = |idea: &str| -> Vec<usize> {
            (0..set.ideas.len())
                .filter(|&i| set.ideas[i] == idea)
                .collect()
        };
        let (ra, rb) = (rows(a), rows(b));
        let merged = ra
            .iter()
            .any(|&i| rb.iter().any(|&j| predicted[i] == predicted[j]));
        let entry = kinds.entry(kind.as_str()).or_default();
        entry.0 += usize::from(merged);
        entry.1 += 1;
        if merged {
            println!("  twin merged ({kind}): {a} / {b}");
        }
    }
    println!("twin idea pairs touched, by kind: {kinds:?}");
}

/// Runs a peer on the set's rows; its cluster label for each row.
fn run_peer(peer: &str, threshold: &str, set: &Set) -> Result<Vec<String>, String> {
    let script = sets::root().join(format!("../shared/peers/{peer}.py"));
    if !script.exists() {
        return Err(format!(
            "the peer is absent: {} does not exist (it lives beside the repository, in ../shared/peers)",
            script.display()
        ));
    }
    let dir = std::env::temp_dir().join(format!(
        "sborka-quality-{peer}-{}-{}",
        set.name,
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let csv_path = dir.join("rows.csv");
    write_rows(&csv_path, set)?;
    let out = dir.join("out");
    let status = Command::new("python3")
        .arg(&script)
        .arg(&csv_path)
        .arg(&out)
        .args(["--threshold", threshold])
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !status.success() {
        return Err(format!(
            "{} failed ({status}); pip install datasketch pystemmer tantivy scikit-learn",
            script.display()
        ));
    }
    let assign =
        std::fs::read_to_string(out.join("assign.tsv")).map_err(|e| format!("assign.tsv: {e}"))?;
    let mut by_id: BTreeMap<&str, &str> = BTreeMap::new();
    for line in assign.lines() {
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() == 3 {
            by_id.insert(cells[1], cells[2]);
        }
    }
    let labels = (0..set.ids.len())
        .map(|i| {
            let id = format!("r{i}");
            by_id
                .get(id.as_str())
                .map(|c| c.to_string())
                .ok_or_else(|| format!("assign.tsv has no row for {id}"))
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    labels
}

/// The set's rows as the peers read them: ids `rows.csv#rN`.
fn write_rows(path: &Path, set: &Set) -> Result<(), String> {
    let mut w = csv::Writer::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    w.write_record(["id", "district", "theme", "level", "text"])
        .map_err(|e| e.to_string())?;
    for (i, text) in set.texts.iter().enumerate() {
        let id = format!("rows.csv#r{i}");
        w.write_record([id.as_str(), &set.districts[i], "", "", text])
            .map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())
}
